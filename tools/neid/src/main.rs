//! `neid`: the command line of the New eID toolchain.

mod apdu;
mod args;
mod certs_cmd;
mod conformance;
mod decrypt_cmd;
mod demo;
mod emulate;
mod hexarg;
mod issue_cmd;
mod pin_cmd;
mod pki;
mod profile_check;
mod read;
mod read_icao;
mod read_encrypted;
mod readers;
mod sign_cmd;
mod signals;
mod trace;
mod source;
mod update_cmd;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use args::{Cli, Command, PkiCommand, ProfileCommand, ReadCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr; RUST_LOG=debug shows one line per APDU.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")))
        .with_writer(std::io::stderr)
        .init();
    let result = match &cli.command {
        Command::Readers => readers::run(),
        Command::Apdu { card, apdus } => apdu::run(card, apdus),
        Command::Read { what: ReadCommand::Household { card, json } } => read::household(card, *json),
        Command::Read { what: ReadCommand::Public(args) } => read::public(args),
        Command::Read { what: ReadCommand::Icao(args) } => read_icao::run(args),
        Command::Read { what: ReadCommand::Encrypted(args) } => read_encrypted::run(args),
        Command::Pki { what: PkiCommand::Init { dir } } => crate::pki::init(dir),
        Command::Pki { what: PkiCommand::Cvca { dir, chr, curve, days } } => crate::pki::cvca(dir, chr, *curve, *days),
        Command::Pki { what: PkiCommand::Link { dir, chr, curve, days } } => crate::pki::link(dir, chr, *curve, *days),
        Command::Pki { what: PkiCommand::Dv { dir, cvca, chr, foreign, rights, days } } => {
            crate::pki::dv(dir, cvca, chr, *foreign, &rights.0, *days)
        }
        Command::Pki { what: PkiCommand::Terminal { dir, dv, role, rights, chr, days } } => {
            crate::pki::terminal(dir, dv, chr, *role == args::TerminalRoleArg::Registry, &rights.0, *days)
        }
        Command::Pin { what } => pin_cmd::run(what),
        Command::Update(args) => update_cmd::run(args),
        Command::Certs { what } => certs_cmd::run(what),
        Command::Sign(args) => sign_cmd::run(args),
        Command::Decrypt(args) => decrypt_cmd::run(args),
        Command::Issue { what } => issue_cmd::run(what),
        Command::Pki { what: PkiCommand::CitizenCa { out, from_year } } => crate::pki::citizen_ca(out, *from_year),
        Command::Conformance(args) => return conformance::run_command(args),
        Command::Profile { what: ProfileCommand::Check { file } } => {
            return if profile_check::run(file) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        }
        Command::Emulate(args) => emulate::run(args),
        Command::Trace { file } => trace::run(file),
        Command::Demo => demo::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("neid: error: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// The context chain on one line ("--emulator x: cannot read …"), leaving
/// out a cause whose text the message before it already carries (many error
/// types print their source themselves).
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}
