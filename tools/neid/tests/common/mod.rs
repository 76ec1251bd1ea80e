//! Helpers of the end-to-end tests through the real PC/SC stack: pcscd +
//! vsmartcard's vpcd driver + `neid emulate` as the card + `neid` as the
//! terminal (`pcsc_e2e.rs`, `pcsc_eac_e2e.rs`); the `neid` runners also
//! serve the CLI tests against the in-process emulator (`certs_cli.rs`).
//!
//! pcscd comes from `neid-testbed` (one mechanism for every test and bench):
//! a pcscd that is already running is reused and never stopped; whatever a
//! test starts, it stops by PID (SIGTERM, then SIGKILL) even when it fails.
//! When pcscd or vpcd is missing a test fails if `CI` is set and is skipped
//! with a notice otherwise.
//!
//! vpcd serves one card per slot and both tests use the first slot: each
//! keeps its whole vpcd story in one `#[test]` (test binaries run one after
//! the other; the tests of one binary run in parallel threads).
#![allow(dead_code)] // each test binary uses its own part

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use testbed::{ChildGuard, Pcscd, TestbedError, VPCD_PORT_0, VPCD_READER_0, wait_for_card, wait_for_no_card};

/// vpcd's first reader, served on 127.0.0.1:35963.
pub const VPCD_READER: &str = VPCD_READER_0;
/// What `--reader` is given: a substring of the reader name.
pub const READER_ARG: &str = "Virtual PCD";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// One slice of the card wait, between checks that `neid emulate` still runs.
const CARD_POLL: Duration = Duration::from_millis(500);
const READER_FREE_TIMEOUT: Duration = Duration::from_secs(10);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn vpcd_addr() -> String {
    format!("127.0.0.1:{VPCD_PORT_0}")
}

/// Missing tools: a failure in CI, a printed notice elsewhere.
pub fn missing(test: &str, what: &str) {
    let message = format!(
        "{test}: {what}; install them with `apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev`"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message} (CI is set: a missing tool is a failure)");
    }
    eprintln!("{message}\n{test}: SKIPPED (set CI=1 to make this a failure)");
}

/// pcscd (started here or reused) with the vpcd slot free; `None` when the
/// tools are missing outside CI (the test is skipped).
pub fn pcscd_with_free_slot(test: &str) -> Option<Pcscd> {
    let pcscd = match Pcscd::start_or_reuse() {
        Ok(pcscd) => pcscd,
        Err(error @ TestbedError::NotInstalled { .. }) => {
            missing(test, &error.to_string());
            return None;
        }
        Err(error) => panic!("{test}: {error}"),
    };
    eprintln!(
        "{test}: pcscd PID {} ({})",
        pcscd.pid(),
        if pcscd.started_here() { "started here" } else { "reused; it will not be stopped" }
    );
    wait_for_free_slot();
    Some(pcscd)
}

/// vpcd serves one card per slot: make sure no other card client holds it.
pub fn wait_for_free_slot() {
    wait_for_no_card(VPCD_READER, READER_FREE_TIMEOUT).unwrap_or_else(|error| {
        panic!("another card occupies {VPCD_READER} (another emulator or vicc on {}?): {error}", vpcd_addr())
    });
}

/// The `neid` binary under test, without the caller's RUST_LOG.
pub fn neid() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_neid"));
    command.env_remove("RUST_LOG");
    command
}

/// `neid ARGS…` to completion (see [`run`]).
pub fn neid_run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    let mut command = neid();
    command.args(args);
    run(command)
}

/// `neid ARGS…` run from the temporary directory (nothing may depend on the
/// current directory), to completion (see [`run`]).
pub fn neid_in_temp_dir<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    let mut command = neid();
    command.args(args).current_dir(std::env::temp_dir());
    run(command)
}

/// Runs a command to completion, killing it after COMMAND_TIMEOUT.
pub fn run(mut command: Command) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn neid");
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                break;
            }
        }
    }
    child.wait_with_output().expect("collect neid output")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `neid emulate` serving vpcd's first slot, its log in a file.
pub struct Emulation {
    guard: ChildGuard,
    log: PathBuf,
    /// The ATR pcscd reports for the card.
    pub atr: Vec<u8>,
}

impl Emulation {
    /// `neid emulate --profile PROFILE --state STATE --vpcd 127.0.0.1:35963
    /// EXTRA…` with RUST_LOG=debug into `log`; returns once pcscd shows the card.
    pub fn start(profile: &Path, state: &Path, log: &Path, extra: &[&str]) -> Emulation {
        let log_file = File::create(log).expect("emulator log file");
        let guard = ChildGuard::spawn(
            "neid emulate",
            neid()
                .args(["emulate", "--profile"])
                .arg(profile)
                .arg("--state")
                .arg(state)
                .args(["--vpcd", &vpcd_addr()])
                .args(extra)
                .env("RUST_LOG", "debug")
                .stdout(log_file.try_clone().expect("log handle"))
                .stderr(log_file),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        let mut emulation = Emulation { guard, log: log.to_owned(), atr: Vec::new() };
        emulation.atr = emulation.wait_for_card();
        emulation
    }

    /// The emulator's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the vpcd reader shows a card, failing at once (with the
    /// emulator's log) if `neid emulate` exits; returns the ATR pcscd reports.
    fn wait_for_card(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.guard.try_exit_status() {
                panic!("neid emulate exited early ({status}):\n{}", self.log());
            }
            match wait_for_card(VPCD_READER, CARD_POLL) {
                Ok(_) => break,
                Err(TestbedError::CardWaitTimeout { .. }) if Instant::now() < deadline => {}
                Err(error) => {
                    panic!("no card in \"{VPCD_READER}\" after {STARTUP_TIMEOUT:?}: {error}\nemulator log:\n{}", self.log());
                }
            }
        }
        let readers = terminal::list_readers().expect("list readers");
        readers
            .iter()
            .find(|r| r.name == VPCD_READER)
            .and_then(|r| r.atr.clone())
            .unwrap_or_else(|| panic!("{VPCD_READER} shows a card but no ATR: {readers:?}"))
    }

    /// A clean stop: SIGTERM must end `neid emulate` with status 0; then the
    /// slot is free again. Returns the emulator's log.
    pub fn stop(self) -> String {
        let status: Option<ExitStatus> = self.guard.stop();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(status.is_some_and(|s| s.success()), "neid emulate after SIGTERM: {status:?}\n{log}");
        wait_for_free_slot();
        log
    }
}
