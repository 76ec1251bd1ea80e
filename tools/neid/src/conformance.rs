//! `neid conformance`: the APDU conformance suites (apdu-tests) against a
//! reader or in-process emulated cards; progress one line per case, a
//! summary table per zone, optional JUnit XML and JSON; exit 1 on any failure.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use apdu_tests::{
    CardUnderTest, EmulatorFactory, Glob, Interface, Outcome, RunOptions, TransportFactory, builtin_suites,
    cases_markdown, run,
};
use clap::Args;
use terminal::{PcscTransport, Transport};

use crate::args::InterfaceArg;

#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// PC/SC reader: exact name or a substring (the card under test).
    #[arg(long, value_name = "NAME", conflicts_with = "emulator")]
    pub reader: Option<String>,
    /// Run against in-process emulated cards personalized from this profile (a fresh card per case).
    #[arg(long, value_name = "PROFILE")]
    pub emulator: Option<PathBuf>,
    /// Interface: with --reader the one the reader uses (default contact; cases on the other
    /// interface are not applicable); with --emulator only this one (default both).
    #[arg(long, value_enum)]
    pub interface: Option<InterfaceArg>,
    /// With --reader: the holder's profile, for the CAN, the MRZ and the expected data.
    #[arg(long, value_name = "PROFILE", requires = "reader")]
    pub holder_profile: Option<PathBuf>,
    /// Suites to run (default all): codec, card-level, household, public, pace, secure-messaging.
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,
    /// Only cases whose id matches: * and ?, several patterns separated by commas.
    #[arg(long, value_name = "GLOB")]
    pub filter: Option<String>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Cases in parallel (emulator only: each job has its own card).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    /// Print the case list as Markdown (apdu-tests/CASES.md) and exit.
    #[arg(long)]
    pub list_markdown: bool,
}

fn suite_interface(arg: InterfaceArg) -> Interface {
    match arg {
        InterfaceArg::Contact => Interface::Contact,
        InterfaceArg::Contactless => Interface::Contactless,
    }
}

/// A PC/SC reader: a new connection per case, on the reader's one interface.
struct ReaderFactory {
    reader: Option<String>,
    interface: Interface,
    card: CardUnderTest,
}

impl TransportFactory for ReaderFactory {
    fn open(&self, interface: Interface) -> Result<Box<dyn Transport>, String> {
        if interface != self.interface {
            return Err(format!(
                "the case needs the {} interface; the reader is used as {} (--interface)",
                interface.label(),
                self.interface.label()
            ));
        }
        PcscTransport::connect(self.reader.as_deref())
            .map(|t| Box::new(t) as Box<dyn Transport>)
            .map_err(|e| e.to_string())
    }

    fn card(&self) -> &CardUnderTest {
        &self.card
    }

    fn name(&self) -> String {
        format!("reader {}", self.reader.as_deref().unwrap_or("(first with a card)"))
    }
}

/// The emulator, optionally held to one interface.
struct OneInterface<F> {
    inner: F,
    only: Option<Interface>,
}

impl<F: TransportFactory> TransportFactory for OneInterface<F> {
    fn open(&self, interface: Interface) -> Result<Box<dyn Transport>, String> {
        match self.only {
            Some(only) if only != interface => {
                Err(format!("the case needs the {} interface; --interface {}", interface.label(), only.label()))
            }
            _ => self.inner.open(interface),
        }
    }
    fn card(&self) -> &CardUnderTest {
        self.inner.card()
    }
    fn name(&self) -> String {
        self.inner.name()
    }
}

pub fn run_command(args: &ConformanceArgs) -> ExitCode {
    match execute(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("neid: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `Ok(true)` when no case failed.
fn execute(args: &ConformanceArgs) -> anyhow::Result<bool> {
    let suites = builtin_suites(&args.suites)?;
    if args.list_markdown {
        print!("{}", cases_markdown(&suites));
        return Ok(true);
    }
    if args.jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let factory: Box<dyn TransportFactory> = match (&args.emulator, &args.reader) {
        (Some(profile), _) => Box::new(OneInterface {
            inner: EmulatorFactory::from_profile_file(profile)
                .with_context(|| format!("--emulator {}", profile.display()))?,
            only: args.interface.map(suite_interface),
        }),
        (None, reader) => {
            if args.jobs > 1 {
                bail!("--jobs {}: a reader holds one card; use --jobs 1 (parallel jobs need --emulator)", args.jobs);
            }
            let card = match &args.holder_profile {
                Some(path) => {
                    let profile = profiles::Profile::from_file(path)
                        .with_context(|| format!("--holder-profile {}", path.display()))?;
                    CardUnderTest {
                        holder: Some(profile.name.clone()),
                        can: Some(profile.holder.can.clone()),
                        mrz: Some(profile.holder.mrz.clone()),
                    }
                }
                None => CardUnderTest::default(),
            };
            Box::new(ReaderFactory {
                reader: reader.clone(),
                interface: suite_interface(args.interface.unwrap_or(InterfaceArg::Contact)),
                card,
            })
        }
    };
    let progress = |r: &apdu_tests::CaseResult| {
        let reason = match &r.outcome {
            Outcome::Pass => String::new(),
            Outcome::Fail(why) => format!("\n      {why}"),
            Outcome::NotApplicable(why) => format!("\n      not applicable: {why}"),
        };
        eprintln!("{:<4} {:<28} {}{reason}", r.outcome.label(), r.id, r.title);
    };
    let options = RunOptions { filter: args.filter.as_deref().map(Glob::new), jobs: args.jobs, progress: Some(&progress) };
    let report = run(&suites, factory.as_ref(), &options);
    if report.results.is_empty() {
        bail!("no case matches --filter {}", args.filter.as_deref().unwrap_or("*"));
    }
    println!("{}", report.card);
    print!("{}", report.summary_table());
    if let Some(path) = &args.junit {
        std::fs::write(path, report.to_junit()).with_context(|| format!("--junit {}", path.display()))?;
    }
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json()).with_context(|| format!("--json {}", path.display()))?;
    }
    Ok(report.passed())
}
