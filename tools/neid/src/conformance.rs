//! `neid conformance`: the APDU conformance suites (apdu-tests) against
//! readers or in-process emulated cards; progress one line per case, a
//! summary table per zone, optional JUnit XML, JSON and APDU trace; exit 1 on
//! any failure. `--mutation` runs the suites once per injected card fault
//! (docs/spec/faults.md) and exits 1 when a fault is not caught.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::{Context, bail};
use apdu_tests::{
    CardUnderTest, EmulatorFactory, FaultResult, Glob, Interface, Outcome, RunOptions, TransportFactory,
    builtin_suites, cases_markdown, run, run_mutation,
};
use card_os::{Fault, FaultSet};
use clap::Args;
use emulator::TraceWriter;
use terminal::pcsc_transport::Sharing;
use terminal::{PcscTransport, Transport, TransportError};

use crate::args::InterfaceArg;

#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// PC/SC reader: exact name or a substring (the card under test). Repeat it to spread the
    /// cases over several readers, one job each (each reader holds an identical card).
    #[arg(long = "reader", value_name = "NAME", conflicts_with = "emulator")]
    pub readers: Vec<String>,
    /// Run against in-process emulated cards personalized from this profile (a fresh card per case).
    #[arg(long, value_name = "PROFILE")]
    pub emulator: Option<PathBuf>,
    /// Interface: with --reader the one the reader uses (default contact; cases on the other
    /// interface are not applicable); with --emulator only this one (default both).
    #[arg(long, value_enum)]
    pub interface: Option<InterfaceArg>,
    /// With --reader: the holder's profile, for the CAN, MRZ, PINs, test PKI and the expected data.
    #[arg(long, value_name = "PROFILE")]
    pub holder_profile: Option<PathBuf>,
    /// Issuer master key file for the SCP03 cases (TOML: kvn, enc, mac, dek; docs/spec/scp03.md).
    /// Default: the profile's card.keys.issuer_keys (--emulator, --holder-profile); without
    /// one the cases needing an issuer session are not applicable.
    #[arg(long, value_name = "FILE")]
    pub issuer_keys: Option<PathBuf>,
    /// Suites to run (default all): codec, card-level, household, public, pace, secure-messaging,
    /// pins, eac, icao, scp03, certificate, life-cycle.
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
    /// Record every APDU of the run (docs/spec/trace.md; read it with `neid trace FILE`).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Cases in parallel (emulator: each job has its own card; readers: one job per reader).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    /// With --emulator: inject this card fault (docs/spec/faults.md); repeatable.
    #[arg(long = "fault", value_name = "NAME", requires = "emulator", value_parser = parse_fault)]
    pub faults: Vec<Fault>,
    /// With --emulator: run the suites on a conforming card, then once per fault in
    /// docs/spec/faults.md, and list per fault the cases that caught it; exit 1 when one is missed.
    #[arg(long, requires = "emulator", conflicts_with_all = ["faults", "junit", "json", "trace"])]
    pub mutation: bool,
    /// Print the case list as Markdown (apdu-tests/CASES.md) and exit.
    #[arg(long)]
    pub list_markdown: bool,
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    Fault::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        format!("unknown fault `{text}`; one of: {}", names.join(", "))
    })
}

fn suite_interface(arg: InterfaceArg) -> Interface {
    match arg {
        InterfaceArg::Contact => Interface::Contact,
        InterfaceArg::Contactless => Interface::Contactless,
    }
}

/// PC/SC readers, each holding an identical card: a new connection per
/// case, on the reader's one interface, to a reader no other job is using.
/// The connection is exclusive: no other application can reset the card or
/// change its selection in the middle of a case.
struct ReaderFactory {
    readers: Vec<String>,
    /// Which readers a job holds now.
    busy: std::sync::Arc<Mutex<Vec<bool>>>,
    interface: Interface,
    card: CardUnderTest,
}

/// A reader connection that gives its reader back to the pool when the case ends.
struct PooledReader {
    inner: PcscTransport,
    busy: std::sync::Arc<Mutex<Vec<bool>>>,
    index: usize,
}

impl Drop for PooledReader {
    fn drop(&mut self) {
        release(&self.busy, self.index);
    }
}

impl Transport for PooledReader {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.inner.transmit(apdu)
    }
    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.inner.reset()
    }
    fn name(&self) -> String {
        self.inner.name()
    }
}

impl ReaderFactory {
    /// Takes a free reader (there is one per job).
    fn take(&self) -> Result<usize, String> {
        let mut busy = self.busy.lock().map_err(|_| "reader pool poisoned".to_owned())?;
        let index = busy.iter().position(|b| !b).ok_or("every reader is in use (more jobs than readers)")?;
        busy[index] = true;
        Ok(index)
    }
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
        if self.readers.is_empty() {
            return PcscTransport::connect_with(None, Sharing::Exclusive)
                .map(|t| Box::new(t) as Box<dyn Transport>)
                .map_err(|e| e.to_string());
        }
        let index = self.take()?;
        match PcscTransport::connect_with(Some(&self.readers[index]), Sharing::Exclusive) {
            Ok(inner) => Ok(Box::new(PooledReader { inner, busy: self.busy.clone(), index })),
            Err(e) => {
                release(&self.busy, index);
                Err(e.to_string())
            }
        }
    }

    fn card(&self) -> &CardUnderTest {
        &self.card
    }

    fn name(&self) -> String {
        match self.readers.as_slice() {
            [] => "reader (first with a card)".into(),
            [one] => format!("reader {one}"),
            many => format!("readers {}", many.join(", ")),
        }
    }
}

/// Marks reader `index` free again.
fn release(busy: &Mutex<Vec<bool>>, index: usize) {
    if let Ok(mut busy) = busy.lock()
        && let Some(slot) = busy.get_mut(index)
    {
        *slot = false;
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

fn progress_line(r: &apdu_tests::CaseResult) {
    let reason = match &r.outcome {
        Outcome::Pass => String::new(),
        Outcome::Fail(why) => format!("\n      {why}"),
        Outcome::NotApplicable(why) => format!("\n      not applicable: {why}"),
    };
    eprintln!("{:<4} {:<28} {}{reason}", r.outcome.label(), r.id, r.title);
}

/// `Ok(true)` when no case failed (with --mutation: every fault caught).
fn execute(args: &ConformanceArgs) -> anyhow::Result<bool> {
    let suites = builtin_suites(&args.suites)?;
    if args.list_markdown {
        print!("{}", cases_markdown(&suites));
        return Ok(true);
    }
    if args.jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let filter = args.filter.as_deref().map(Glob::new);
    if let Some(profile) = &args.emulator {
        let mut factory =
            EmulatorFactory::from_profile_file(profile).with_context(|| format!("--emulator {}", profile.display()))?;
        if let Some(keys) = issuer_keys(args)? {
            factory = factory.with_issuer_keys(Some(keys));
        }
        if args.mutation {
            return mutation(args, &suites, &factory, filter);
        }
        let factory = OneInterface {
            inner: factory.with_faults(args.faults.iter().copied().collect::<FaultSet>()),
            only: args.interface.map(suite_interface),
        };
        return report(args, &suites, &factory, filter, args.jobs);
    }
    let readers = args.readers.clone();
    let jobs = readers.len().max(1);
    if args.jobs > 1 && args.jobs != jobs {
        bail!("--jobs {}: with readers, one job per --reader ({jobs}); parallel jobs on one reader are impossible", args.jobs);
    }
    let mut card = match &args.holder_profile {
        Some(path) => {
            let profile =
                profiles::Profile::from_file(path).with_context(|| format!("--holder-profile {}", path.display()))?;
            CardUnderTest::from_profile(&profile)
        }
        None => CardUnderTest { terminal_dirs: vec![apdu_tests::suite_terminals_dir()], ..CardUnderTest::default() },
    };
    if let Some(keys) = issuer_keys(args)? {
        card.issuer_keys = Some(keys);
    }
    let factory = ReaderFactory {
        busy: std::sync::Arc::new(Mutex::new(vec![false; readers.len()])),
        readers,
        interface: suite_interface(args.interface.unwrap_or(InterfaceArg::Contact)),
        card,
    };
    report(args, &suites, &factory, filter, jobs)
}

/// The master keys of `--issuer-keys FILE`, when given.
fn issuer_keys(args: &ConformanceArgs) -> anyhow::Result<Option<card_os::protocol::scp03::StaticKeys>> {
    let Some(path) = &args.issuer_keys else { return Ok(None) };
    let keys = profiles::IssuerKeys::from_file(path).context("--issuer-keys")?;
    Ok(Some(pki::issuance::master_keys(&keys)))
}

/// One run, its outputs; `Ok(true)` when nothing failed.
fn report(
    args: &ConformanceArgs,
    suites: &[apdu_tests::Suite],
    factory: &dyn TransportFactory,
    filter: Option<Glob>,
    jobs: usize,
) -> anyhow::Result<bool> {
    let trace = match &args.trace {
        Some(path) => Some(Mutex::new(
            TraceWriter::create(path, false).with_context(|| format!("--trace {}", path.display()))?,
        )),
        None => None,
    };
    let options = RunOptions { filter, jobs, progress: Some(&progress_line), trace: trace.as_ref() };
    let report = run(suites, factory, &options);
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

/// `--mutation`: the table of faults and the cases that caught each.
fn mutation(
    args: &ConformanceArgs,
    suites: &[apdu_tests::Suite],
    factory: &EmulatorFactory,
    filter: Option<Glob>,
) -> anyhow::Result<bool> {
    let options = RunOptions { filter, jobs: args.jobs, progress: None, trace: None };
    let on_fault = |f: &FaultResult| {
        eprintln!("{:<7} {} ({} case(s))", if f.caught() { "caught" } else { "MISSED" }, f.fault, f.caught_by.len());
    };
    let report = run_mutation(suites, factory, &Fault::ALL, &options, &on_fault);
    if report.baseline.results.is_empty() {
        bail!("no case matches --filter {}", args.filter.as_deref().unwrap_or("*"));
    }
    let baseline = report.baseline.counts();
    println!("{} — mutation run", report.baseline.card);
    println!(
        "conforming card: {} pass, {} fail, {} not applicable",
        baseline.pass, baseline.fail, baseline.not_applicable
    );
    print!("{}", report.table(true));
    let missed = report.faults.iter().filter(|f| !f.caught()).count();
    println!("{} of {} faults caught", report.faults.len() - missed, report.faults.len());
    Ok(report.all_caught() && baseline.fail == 0)
}
