//! `neid conformance` through the real PC/SC stack (issue 7): pcscd +
//! vsmartcard's vpcd + `neid emulate` serving the adult reference card, on
//! one reader and on two readers in parallel.
//!
//! Through a contact reader every case must pass that passes in process
//! (`neid conformance --emulator … --interface contact`), except the cases
//! the link cannot carry: vpcd reads a 1-byte payload as a control code, so
//! APDU-LEN-001 (a 1-byte command) is not applicable, with that reason. The
//! tests check it without a full second, in-process run: a case that fails
//! through vpcd must fail in process too (only those cases are run again in
//! process), and every not-applicable case is one of the kinds that are not
//! applicable in process too (contactless cases, other holders, profile
//! features) or a case vpcd cannot carry.
//!
//! pcscd comes from `neid-testbed`: a running one is reused and never
//! stopped; whatever these tests start they stop by PID. Without pcscd/vpcd
//! a test fails when `CI` is set and is skipped with a notice otherwise.
//! vpcd serves one card per slot: the two tests take turns (`VPCD_SLOTS`).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use testbed::{
    ChildGuard, Finished, Pcscd, TestbedError, VPCD_PORT_0, VPCD_PORT_1, VPCD_READER_0, VPCD_READER_1,
    run_with_timeout, wait_for_card, wait_for_no_card,
};

const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// One slice of the card wait, between checks that `neid emulate` still runs.
const CARD_POLL: Duration = Duration::from_millis(500);
const READER_FREE_TIMEOUT: Duration = Duration::from_secs(10);
/// A hang guard for one conformance run (debug build; the full suite takes
/// about a minute on one reader of an idle two-core machine).
const RUN_TIMEOUT: Duration = Duration::from_secs(420);

/// The suites of the two-reader run: all but the EAC and ICAO suites, whose
/// P-384 EAC/BAC preconditions dominate a debug build's time (the
/// single-reader test runs every suite).
const TWO_READER_SUITES: [&str; 8] =
    ["codec", "card-level", "household", "public", "pace", "secure-messaging", "pins", "life-cycle"];

/// Reasons that make a case not applicable in process as well (a contact
/// reader; the adult card's holder and features): apdu-tests' runner and
/// `neid conformance`'s reader factory.
const NOT_APPLICABLE_IN_PROCESS_TOO: [&str; 3] =
    ["the case needs the contactless interface", "the case needs a card with ", "the expected data are holder "];
/// The cases whose command vpcd cannot carry (a 1-byte command), and what the
/// terminal's PC/SC transport says about them.
const NOT_CARRIED_BY_VPCD: [&str; 1] = ["APDU-LEN-001"];
const NOT_CARRIED_REASON: &str = "cannot carry this command";

/// vpcd's slots are shared by the tests of this file.
static VPCD_SLOTS: Mutex<()> = Mutex::new(());

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn adult() -> PathBuf {
    workspace().join("profiles/reference/adult.toml")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The vpcd slots, pcscd (started here or reused) and the readers free;
/// `None` when the tools are missing outside CI (the test is skipped).
fn testbed(test: &str, readers: &[&str]) -> Option<(MutexGuard<'static, ()>, Pcscd)> {
    // A test that failed while holding the slots poisons the lock; the slots are free again.
    let slots = VPCD_SLOTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let pcscd = match Pcscd::start_or_reuse() {
        Ok(pcscd) => pcscd,
        Err(error @ TestbedError::NotInstalled { .. }) => {
            let message = format!("{test}: {error}; install pcscd and vsmartcard-vpcd");
            if std::env::var_os("CI").is_some() {
                panic!("{message} (CI is set: a missing tool is a failure)");
            }
            eprintln!("{message}\n{test}: SKIPPED (set CI=1 to make this a failure)");
            return None;
        }
        Err(error) => panic!("{test}: {error}"),
    };
    eprintln!("{test}: pcscd PID {} (started here: {})", pcscd.pid(), pcscd.started_here());
    for reader in readers {
        wait_for_no_card(reader, READER_FREE_TIMEOUT)
            .unwrap_or_else(|error| panic!("another card occupies {reader} (an emulator or vicc?): {error}"));
    }
    Some((slots, pcscd))
}

/// `neid emulate` of the adult card on one vpcd slot.
struct Card {
    guard: ChildGuard,
    reader: &'static str,
    log: PathBuf,
}

impl Card {
    /// `neid emulate --profile adult --vpcd 127.0.0.1:PORT EXTRA…`; returns
    /// once pcscd shows the card in `reader`.
    fn start(port: u16, reader: &'static str, log: PathBuf, extra: &[&OsStr]) -> Card {
        let log_file = File::create(&log).expect("emulator log");
        let guard = ChildGuard::spawn(
            "neid emulate",
            Command::new(env!("CARGO_BIN_EXE_neid"))
                .env_remove("RUST_LOG")
                .args(["emulate", "--profile"])
                .arg(adult())
                .args(["--vpcd", &format!("127.0.0.1:{port}")])
                .args(extra)
                .stdout(log_file.try_clone().expect("log handle"))
                .stderr(log_file),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        let mut card = Card { guard, reader, log };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = card.guard.try_exit_status() {
                panic!("neid emulate exited early ({status}):\n{}", card.log());
            }
            match wait_for_card(reader, CARD_POLL) {
                Ok(_) => return card,
                Err(TestbedError::CardWaitTimeout { .. }) if Instant::now() < deadline => {}
                Err(error) => panic!("no card in {reader}: {error}\nemulator log:\n{}", card.log()),
            }
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The emulator must have served the whole run; SIGTERM ends it cleanly
    /// and frees the slot.
    fn stop(mut self) {
        assert!(self.guard.try_exit_status().is_none(), "neid emulate died during the run:\n{}", self.log());
        let log = self.log();
        let status = self.guard.stop();
        assert!(status.is_some_and(|s| s.success()), "neid emulate after SIGTERM: {status:?}\n{log}");
        let _ = wait_for_no_card(self.reader, READER_FREE_TIMEOUT);
    }
}

/// `neid conformance ARGS… --holder-profile adult --json DIR/report.json
/// --junit DIR/junit.xml`; the run and the JSON report.
fn conformance(args: &[&OsStr], dir: &Path) -> (Finished, serde_json::Value) {
    let json = dir.join("report.json");
    let finished = run_with_timeout(
        "neid conformance",
        Command::new(env!("CARGO_BIN_EXE_neid"))
            .env_remove("RUST_LOG")
            .arg("conformance")
            .args(args)
            .arg("--holder-profile")
            .arg(adult())
            .arg("--json")
            .arg(&json)
            .arg("--junit")
            .arg(dir.join("junit.xml")),
        RUN_TIMEOUT,
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let stderr = text(&finished.output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = std::fs::read_to_string(&json)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| panic!("no JSON report; exit {}:\n{stderr}", finished.output.status));
    (finished, report)
}

/// The ids of the cases among `ids` that fail in process, on the contact
/// interface of a fresh adult card.
fn failing_in_process(ids: &[&str], dir: &Path) -> Vec<String> {
    let json = dir.join("in-process.json");
    let finished = run_with_timeout(
        "neid conformance --emulator",
        Command::new(env!("CARGO_BIN_EXE_neid"))
            .env_remove("RUST_LOG")
            .args(["conformance", "--interface", "contact", "--emulator"])
            .arg(adult())
            .args(["--filter", &ids.join(",")])
            .arg("--json")
            .arg(&json),
        RUN_TIMEOUT,
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let report: serde_json::Value = std::fs::read_to_string(&json)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| panic!("no in-process JSON report:\n{}", text(&finished.output.stderr)));
    report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["result"] == "fail")
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

/// Verdicts through vpcd: a case fails only if it fails in process too;
/// every not-applicable case for a reason it has in process too or because
/// vpcd cannot carry it. Returns the number of passed cases.
fn check_verdicts(finished: &Finished, report: &serde_json::Value, dir: &Path) -> usize {
    let results = report["results"].as_array().expect("results");
    let of = |result: &'static str| results.iter().filter(move |r| r["result"] == result);
    let line = |r: &serde_json::Value| format!("{} {}: {}", r["id"], r["result"], r["reason"]);
    let failed: Vec<&str> = of("fail").filter_map(|r| r["id"].as_str()).collect();
    if failed.is_empty() {
        assert!(finished.output.status.success(), "exit {}: {}", finished.output.status, text(&finished.output.stderr));
    } else {
        let in_process = failing_in_process(&failed, dir);
        let only_vpcd: Vec<String> =
            of("fail").filter(|r| !in_process.iter().any(|id| r["id"] == id.as_str())).map(line).collect();
        assert!(only_vpcd.is_empty(), "{} failed through vpcd only:\n{}", only_vpcd.len(), only_vpcd.join("\n"));
        // Not this test's business (the suites run in process in apdu-tests), but say it.
        eprintln!("conformance_vpcd: NOTE: {} case(s) fail in process too: {}", in_process.len(), in_process.join(", "));
    }
    for case in of("not_applicable") {
        let id = case["id"].as_str().unwrap_or_default();
        let reason = case["reason"].as_str().unwrap_or_default();
        let expected = if NOT_CARRIED_BY_VPCD.contains(&id) {
            reason.contains(NOT_CARRIED_REASON) && reason.contains("vpcd")
        } else {
            NOT_APPLICABLE_IN_PROCESS_TOO.iter().any(|known| reason.starts_with(known))
        };
        assert!(expected, "not applicable through vpcd only: {}", line(case));
    }
    let passed = of("pass").count();
    assert!(passed > 0, "no case passed");
    passed
}

fn suite_args(suites: &[&'static str]) -> Vec<&'static OsStr> {
    suites.iter().flat_map(|suite: &&'static str| [OsStr::new("--suite"), OsStr::new(*suite)]).collect()
}

#[test]
fn every_suite_through_pcscd_on_one_reader() {
    let Some((_slots, pcscd)) = testbed("conformance_vpcd one reader", &[VPCD_READER_0]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let card = Card::start(VPCD_PORT_0, VPCD_READER_0, dir.path().join("emulate.log"), &[]);

    let (finished, report) = conformance(&[OsStr::new("--reader"), OsStr::new(VPCD_READER_0)], dir.path());
    let passed = check_verdicts(&finished, &report, dir.path());
    eprintln!(
        "conformance_vpcd: one reader, every suite: {passed} passed, {} not applicable in {:?}",
        report["counts"]["not_applicable"], finished.elapsed
    );
    // The case vpcd cannot carry is in the run, and says why.
    let results = report["results"].as_array().expect("results");
    for id in NOT_CARRIED_BY_VPCD {
        let case = results.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id} not run"));
        assert_eq!(case["result"], "not_applicable", "{case}");
    }
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).expect("JUnit file");
    let counts = &report["counts"];
    let root = format!("tests=\"{}\" failures=\"{}\" skipped=\"{}\"", results.len(), counts["fail"], counts["not_applicable"]);
    assert!(junit.contains(&root), "JUnit root: {}", junit.lines().nth(1).unwrap_or_default());
    card.stop();
    drop(pcscd);
}

#[test]
fn suites_spread_over_two_readers_in_parallel() {
    let Some((_slots, pcscd)) = testbed("conformance_vpcd two readers", &[VPCD_READER_0, VPCD_READER_1]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Two identical cards, each persisted in its own state directory and
    // tracing the APDUs it answers.
    let cards: Vec<(Card, PathBuf)> = [(VPCD_PORT_0, VPCD_READER_0), (VPCD_PORT_1, VPCD_READER_1)]
        .into_iter()
        .enumerate()
        .map(|(n, (port, reader))| {
            let state: OsString = dir.path().join(format!("state{n}")).into();
            let trace = dir.path().join(format!("card{n}.jsonl"));
            let extra = [OsStr::new("--state"), &state, OsStr::new("--trace"), trace.as_os_str()];
            (Card::start(port, reader, dir.path().join(format!("emulate{n}.log")), &extra), trace)
        })
        .collect();

    let mut args = vec![OsStr::new("--reader"), OsStr::new(VPCD_READER_0), OsStr::new("--reader"), OsStr::new(VPCD_READER_1)];
    args.extend(suite_args(&TWO_READER_SUITES));
    let (finished, report) = conformance(&args, dir.path());
    let passed = check_verdicts(&finished, &report, dir.path());
    eprintln!("conformance_vpcd: two readers, {} suites: {passed} passed in {:?}", TWO_READER_SUITES.len(), finished.elapsed);
    assert!(text(&finished.output.stdout).contains(&format!("readers {VPCD_READER_0}, {VPCD_READER_1}")));

    // Both cards answered cases: the run was spread over both readers.
    for (card, trace) in cards {
        card.stop();
        let apdus = std::fs::read_to_string(&trace)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains("\"type\":\"apdu\""))
            .count();
        assert!(apdus > 100, "{} answered only {apdus} APDUs", trace.display());
    }
    drop(pcscd);
}
