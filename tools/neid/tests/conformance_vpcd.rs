//! `neid conformance` through the real PC/SC stack (issue 7): pcscd +
//! vsmartcard's vpcd + two `neid emulate` processes (the adult reference
//! card on vpcd slots 0 and 1), the suites spread over both readers in
//! parallel; then vsmartcard's own `vicc -t iso7816` card, which is not a
//! New eID card: the run must finish, report failures and not-applicable
//! cases, exit non-zero, and never panic.
//!
//! One `#[test]` holds the whole vpcd story (vpcd serves one card per slot).
//! pcscd comes from `neid-testbed`: a running one is reused and never
//! stopped; whatever this test starts it stops by PID. Without pcscd/vpcd
//! the test fails when `CI` is set and is skipped with a notice otherwise.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use testbed::{
    ChildGuard, Pcscd, TestbedError, VPCD_PORT_0, VPCD_PORT_1, VPCD_READER_0, VPCD_READER_1, Vicc, wait_for_card,
    wait_for_no_card,
};

const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const READER_FREE_TIMEOUT: Duration = Duration::from_secs(10);
/// One run through the readers (debug build).
const RUN_TIMEOUT: Duration = Duration::from_secs(170);
/// The suites run through pcscd: every suite that needs no lab card, except
/// the EAC and ICAO ones, whose P-384 EAC/BAC preconditions make a debug
/// build too slow for the test budget (they run in process in apdu-tests;
/// `neid conformance --reader …` runs them all).
const VPCD_SUITES: [&str; 7] = ["codec", "card-level", "household", "public", "pace", "secure-messaging", "pins"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn missing(what: &str) -> bool {
    let message = format!("conformance_vpcd: {what}; install pcscd and vsmartcard-vpcd (and vsmartcard's vicc)");
    if std::env::var_os("CI").is_some() {
        panic!("{message} (CI is set: a missing tool is a failure)");
    }
    eprintln!("{message}\nconformance_vpcd: SKIPPED (set CI=1 to make this a failure)");
    true
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `neid ARGS…` to completion, killing it (by its PID) after RUN_TIMEOUT.
fn neid_run(args: &[&std::ffi::OsStr]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_neid"))
        .env_remove("RUST_LOG")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn neid");
    // Drain the pipes while waiting: the progress output is large.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("neid conformance ran longer than {RUN_TIMEOUT:?}: killed");
            }
        }
    };
    Output { status, stdout: stdout.join().unwrap_or_default(), stderr: stderr.join().unwrap_or_default() }
}

/// `neid emulate` of the adult card on vpcd port `port`.
fn emulate(port: u16, state: &Path, log: &Path) -> ChildGuard {
    let log_file = File::create(log).expect("emulator log");
    ChildGuard::spawn(
        "neid emulate",
        Command::new(env!("CARGO_BIN_EXE_neid"))
            .env_remove("RUST_LOG")
            .args(["emulate", "--profile"])
            .arg(workspace().join("profiles/reference/adult.toml"))
            .arg("--state")
            .arg(state)
            .args(["--vpcd", &format!("127.0.0.1:{port}")])
            .stdout(log_file.try_clone().expect("log handle"))
            .stderr(log_file),
    )
    .unwrap_or_else(|error| panic!("{error}"))
}

/// `tests="N"` of the JUnit root element.
fn junit_count(xml: &str, attribute: &str) -> usize {
    let root = xml.lines().find(|l| l.starts_with("<testsuites")).unwrap_or_default();
    let key = format!("{attribute}=\"");
    root.split(&key).nth(1).and_then(|rest| rest.split('"').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[test]
#[ignore = "too slow through pcscd/vpcd so far (per-case reset; see the issue 7 report); run with --ignored"]
fn conformance_through_pcscd_on_two_readers_and_against_vicc() {
    let pcscd = match Pcscd::start_or_reuse() {
        Ok(pcscd) => pcscd,
        Err(error @ TestbedError::NotInstalled { .. }) => {
            missing(&error.to_string());
            return;
        }
        Err(error) => panic!("{error}"),
    };
    eprintln!("conformance_vpcd: pcscd PID {} (started here: {})", pcscd.pid(), pcscd.started_here());
    for reader in [VPCD_READER_0, VPCD_READER_1] {
        wait_for_no_card(reader, READER_FREE_TIMEOUT)
            .unwrap_or_else(|error| panic!("another card occupies {reader}: {error}"));
    }
    let dir = tempfile::tempdir().unwrap();

    // 1. Two emulated adult cards, the suites split over both readers.
    let cards: Vec<ChildGuard> = [(VPCD_PORT_0, "0"), (VPCD_PORT_1, "1")]
        .into_iter()
        .map(|(port, n)| {
            emulate(port, &dir.path().join(format!("state{n}")), &dir.path().join(format!("emulate{n}.log")))
        })
        .collect();
    for reader in [VPCD_READER_0, VPCD_READER_1] {
        wait_for_card(reader, STARTUP_TIMEOUT).unwrap_or_else(|error| panic!("{reader}: {error}"));
    }
    let junit = dir.path().join("junit.xml");
    let trace = dir.path().join("trace.jsonl");
    let adult = workspace().join("profiles/reference/adult.toml");
    let started = Instant::now();
    let mut args: Vec<&std::ffi::OsStr> = Vec::new();
    for suite in VPCD_SUITES {
        args.extend([std::ffi::OsStr::new("--suite"), std::ffi::OsStr::new(suite)]);
    }
    let out = neid_run(&[
        &[
        "conformance".as_ref(),
        "--reader".as_ref(),
        VPCD_READER_0.as_ref(),
        "--reader".as_ref(),
        VPCD_READER_1.as_ref(),
        "--holder-profile".as_ref(),
        adult.as_os_str(),
        "--junit".as_ref(),
        junit.as_os_str(),
        "--trace".as_ref(),
        trace.as_os_str(),
        ],
        &args[..],
    ]
    .concat());
    eprintln!("conformance_vpcd: two readers in {:?}", started.elapsed());
    let stderr = text(&out.stderr);
    let failures: Vec<&str> = stderr.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(out.status.success(), "{}\n{}\n{}", text(&out.stdout), failures.join("\n"), stderr);
    let xml = std::fs::read_to_string(&junit).expect("JUnit file");
    let tests = junit_count(&xml, "tests");
    let skipped = junit_count(&xml, "skipped");
    assert_eq!(junit_count(&xml, "failures"), 0);
    assert!(tests - skipped >= 300, "{tests} cases, {skipped} not applicable (contactless cases need another reader)");
    let trace_text = std::fs::read_to_string(&trace).expect("trace file");
    assert!(trace_text.lines().filter(|l| l.contains("\"type\":\"apdu\"")).count() > 1000, "trace too short");
    for mut card in cards {
        assert!(card.try_exit_status().is_none(), "neid emulate {} died during the run", card.pid());
        card.stop();
    }
    for reader in [VPCD_READER_0, VPCD_READER_1] {
        let _ = wait_for_no_card(reader, READER_FREE_TIMEOUT);
    }

    // 2. vicc -t iso7816: not a New eID card. Failures and N/A, no panic.
    let vicc = match Vicc::start(VPCD_PORT_1) {
        Ok(vicc) => vicc,
        Err(error @ TestbedError::NotInstalled { .. }) => {
            missing(&error.to_string());
            return;
        }
        Err(error) => panic!("{error}"),
    };
    wait_for_card(VPCD_READER_1, STARTUP_TIMEOUT).unwrap_or_else(|error| panic!("vicc: {error}"));
    let json = dir.path().join("vicc.json");
    let out = neid_run(&[
        "conformance".as_ref(),
        "--reader".as_ref(),
        VPCD_READER_1.as_ref(),
        "--suite".as_ref(),
        "codec".as_ref(),
        "--suite".as_ref(),
        "card-level".as_ref(),
        "--suite".as_ref(),
        "pins".as_ref(),
        "--suite".as_ref(),
        "icao".as_ref(),
        "--json".as_ref(),
        json.as_os_str(),
    ]);
    drop(vicc);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "failures exit 1: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("JSON report")).unwrap();
    assert!(report["counts"]["fail"].as_u64().unwrap_or(0) > 0, "{}", report["counts"]);
    assert!(report["counts"]["not_applicable"].as_u64().unwrap_or(0) > 0, "{}", report["counts"]);
    assert!(text(&out.stdout).contains("all"), "the summary table is printed");
    drop(pcscd);
}
