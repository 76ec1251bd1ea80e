//! `neid issue certs --issuer-keys FILE [--ca DIR] [--reader NAME | --state DIR]
//! [--rollover] --holder PROFILE`: the issuer's side of the certificate zone
//! (docs/spec/certificate-zone.md §Issuance, docs/spec/scp03.md). Opens an
//! SCP03 session with the card's diversified keys, has the card generate
//! keys `01`–`05`, certifies `01`, `02`, `03` with the citizen CA and writes
//! the root, the citizen CA and the three user certificates
//! (`pki::issuance::issue_certificates`), over any transport.

use std::path::PathBuf;

use anyhow::Context;
use card_os::protocol::scp03::SecurityLevel;
use clap::{Args, Subcommand};
use pki::issuance::{self, IssuanceReport, IssuanceRequest, Period};
use profiles::{IssuerKeys, Profile};
use terminal::{PcscTransport, Transport};

/// The citizen CA committed with the repository (docs/spec/test-pki.md).
const DEFAULT_CA: &str = "profiles/test-pki/citizen-ca";

#[derive(Debug, Subcommand)]
pub enum IssueCommand {
    /// Generate the certificate zone's keys over SCP03 and write the citizen CA's certificates.
    Certs(IssueCertsArgs),
}

#[derive(Debug, Args)]
pub struct IssueCertsArgs {
    /// Issuer master key file (TOML: kvn, enc, mac, dek in hex; docs/spec/scp03.md).
    #[arg(long, value_name = "FILE")]
    pub issuer_keys: PathBuf,
    /// Citizen CA directory (from `neid pki citizen-ca`).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_CA)]
    pub ca: PathBuf,
    /// PC/SC reader: exact name or a substring. Default: the one reader holding a card.
    #[arg(long, value_name = "NAME", conflicts_with = "state")]
    pub reader: Option<String>,
    /// An emulated card in this state directory (as `neid emulate --state`): the stored
    /// card, or one personalized from --holder when DIR is empty; saved after each change.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Certificates for the second (key-rollover) period instead of the first.
    #[arg(long)]
    pub rollover: bool,
    /// Profile of the card's holder: name, ID number, card number and dates of the certificates.
    #[arg(long, value_name = "PROFILE")]
    pub holder: PathBuf,
    /// SCP03 security level: 01, 03, 11 or 13 (GP Amd D table 7-3).
    #[arg(long, value_name = "SL", default_value = "13", value_parser = parse_level)]
    pub level: SecurityLevel,
}

fn parse_level(text: &str) -> Result<SecurityLevel, String> {
    u8::from_str_radix(text, 16)
        .ok()
        .and_then(SecurityLevel::from_byte)
        .ok_or_else(|| format!("`{text}` is not a security level: 01, 03, 11 or 13"))
}

pub fn run(command: &IssueCommand) -> anyhow::Result<()> {
    match command {
        IssueCommand::Certs(args) => certs(args),
    }
}

fn certs(args: &IssueCertsArgs) -> anyhow::Result<()> {
    // Everything the issuer holds is read before the card is touched.
    let keys = IssuerKeys::from_file(&args.issuer_keys).context("--issuer-keys")?;
    let master = issuance::master_keys(&keys);
    let ca = pki::citizen::load(&args.ca).with_context(|| format!("--ca {}", args.ca.display()))?;
    let profile = Profile::from_file(&args.holder).context("--holder")?;
    let period = if args.rollover {
        Period::Second
    } else {
        Period::First
    };
    // Refuse an impossible period (a minor's rollover) without a card.
    issuance::certificate_period(&profile.holder, period)?;

    let mut card = open(args)?;
    let mut request = IssuanceRequest::new(&master, &ca, &profile.holder);
    request.period = period;
    request.level = args.level;
    let report = issuance::issue_certificates(
        |apdu: &[u8]| card.transmit(apdu),
        &request,
        &mut rand::rng(),
    )?;
    print_report(&card.name(), &report);
    Ok(())
}

/// The card: the emulated one of `--state`, else a PC/SC reader.
fn open(args: &IssueCertsArgs) -> anyhow::Result<Box<dyn Transport>> {
    match &args.state {
        Some(dir) => {
            let emulator =
                emulator::emulator_with_state(&args.holder, dir, emulator::Interface::Contact)
                    .with_context(|| format!("--state {}", dir.display()))?;
            Ok(Box::new(terminal::InProcessTransport::new(emulator)))
        }
        None => Ok(Box::new(PcscTransport::connect(args.reader.as_deref())?)),
    }
}

fn print_report(card: &str, report: &IssuanceReport) {
    println!(
        "{card}: SCP03 session with KVN {:02X}, security level {:02X}, card KDD {}",
        report.kvn,
        report.level.to_byte(),
        String::from_utf8_lossy(&report.kdd.0)
    );
    println!("generated keys:");
    for key in &report.keys {
        println!("  {:02X}  {}", key.key_ref, key.public_key.algorithm());
    }
    let period = match report.period {
        Period::First => "first",
        Period::Second => "second (rollover)",
    };
    println!(
        "certificates written ({period} period {} .. {}):",
        report.validity.not_before, report.validity.not_after
    );
    for written in &report.certificates {
        let tbs = written.certificate.tbs_certificate();
        println!(
            "  {:04X}  {:<42} {}  ({} bytes in {} APDUs)",
            written.fid,
            written.label,
            tbs.subject(),
            written.der.len(),
            written.links
        );
        println!(
            "        serial {}, valid {} .. {}",
            hex::encode_upper(tbs.serial_number().as_bytes()),
            tbs.validity().not_before,
            tbs.validity().not_after
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn repo(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    }

    fn args(state: &Path, issuer_keys: PathBuf, holder: &str) -> IssueCertsArgs {
        IssueCertsArgs {
            issuer_keys,
            ca: repo(DEFAULT_CA),
            reader: None,
            state: Some(state.to_owned()),
            rollover: false,
            holder: repo(&format!("profiles/reference/{holder}.toml")),
            level: SecurityLevel::CDecCMacRMac,
        }
    }

    #[test]
    fn issues_on_an_emulated_card_and_refuses_a_wrong_issuer_key() {
        let state = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let keys = repo("profiles/test-pki/issuer-keys.toml");
        certs(&args(state.path(), keys.clone(), "adult")).unwrap_or_else(|e| panic!("{e:#}"));
        let mut rollover = args(state.path(), keys.clone(), "adult");
        rollover.rollover = true;
        certs(&rollover).unwrap_or_else(|e| panic!("{e:#}"));

        let text = std::fs::read_to_string(&keys).unwrap_or_else(|e| panic!("{e}"));
        let wrong = state.path().join("wrong-keys.toml");
        std::fs::write(
            &wrong,
            text.replace(
                "505152535455565758595A5B5C5D5E5F",
                "505152535455565758595A5B5C5D5E50",
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let error = certs(&args(state.path(), wrong, "adult"))
            .err()
            .map(|e| format!("{e:#}"));
        assert_eq!(
            error.as_deref(),
            Some("issuer keys do not match this card (card cryptogram)")
        );
    }

    #[test]
    fn a_minor_has_no_rollover_and_bad_inputs_name_the_argument() {
        let state = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let keys = repo("profiles/test-pki/issuer-keys.toml");
        let mut minor = args(state.path(), keys.clone(), "minor");
        minor.rollover = true;
        let error = certs(&minor)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert_eq!(
            error,
            "no second certificate period: holder aged 10 at issue (under 14) has none"
        );
        // Refused before the card was touched: no card in the state directory.
        assert_eq!(
            std::fs::read_dir(state.path())
                .map(|d| d.count())
                .unwrap_or(0),
            0
        );

        let error = certs(&args(state.path(), state.path().join("none.toml"), "adult"))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(
            error.starts_with("--issuer-keys: cannot read issuer key file "),
            "{error}"
        );
        let mut no_ca = args(state.path(), keys, "adult");
        no_ca.ca = state.path().join("no-ca");
        let error = certs(&no_ca)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(error.starts_with("--ca "), "{error}");
    }

    #[test]
    fn security_levels_parse_as_hex() {
        assert_eq!(parse_level("13"), Ok(SecurityLevel::CDecCMacRMac));
        assert_eq!(parse_level("01"), Ok(SecurityLevel::CMac));
        assert!(parse_level("02").is_err());
        assert!(parse_level("x").is_err());
    }
}
