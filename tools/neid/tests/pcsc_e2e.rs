//! End to end through the real PC/SC stack: pcscd + vsmartcard's vpcd driver
//! + `neid emulate` as the card + `neid` as the terminal.
//!
//! Needs `pcscd` and the vpcd driver (`/etc/reader.conf.d/vpcd`). When they are
//! missing the test fails if `CI` is set and is skipped with a notice otherwise.
//! A pcscd that is already running is reused and never stopped; whatever this
//! test starts, it stops by PID (SIGTERM, then SIGKILL) even when it fails.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const PCSCD_RUN_DIR: &str = "/run/pcscd";
const PCSCD_PID_FILE: &str = "/run/pcscd/pcscd.pid";
const VPCD_CONFIG: &str = "/etc/reader.conf.d/vpcd";
/// vpcd's first reader, served on 127.0.0.1:35963.
const VPCD_READER: &str = "Virtual PCD 00 00";
const VPCD_ADDR: &str = "127.0.0.1:35963";
const HOUSEHOLD_SELECT: &str = "00A4040C06D15800000101";
const PUBLIC_SELECT: &str = "00A4040C06D15800000102";
const PUBLIC_READ_SFI_01: &str = "00B0810000";
const OPENSC_DEFAULT_DRIVER: &str =
    "app default { card_drivers = default; enable_default_driver = true; }\n";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(5);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Children this test started; stopped in reverse order on drop.
struct Started {
    children: Vec<(&'static str, Child)>,
}

impl Started {
    /// SIGTERM, wait up to STOP_GRACE, then SIGKILL. Returns the exit status.
    fn stop(name: &str, child: &mut Child) -> Option<std::process::ExitStatus> {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: plain kill(2) on the PID of a child we spawned and have not reaped.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            sleep(Duration::from_millis(50));
        }
        eprintln!("pcsc_e2e: {name} ignored SIGTERM; sending SIGKILL");
        let _ = child.kill();
        child.wait().ok()
    }

    /// Stops one child now (by name) and returns its exit status.
    fn stop_named(&mut self, name: &str) -> Option<std::process::ExitStatus> {
        let index = self.children.iter().position(|(n, _)| *n == name)?;
        let (name, mut child) = self.children.remove(index);
        Self::stop(name, &mut child)
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        while let Some((name, mut child)) = self.children.pop() {
            Self::stop(name, &mut child);
        }
    }
}

fn pcscd_binary() -> Option<PathBuf> {
    ["/usr/sbin/pcscd", "/usr/bin/pcscd", "/sbin/pcscd"].iter().map(PathBuf::from).find(|p| p.is_file())
}

/// Missing tools: a failure in CI, a printed notice elsewhere.
fn missing(what: &str) {
    let message = format!(
        "pcsc_e2e: {what}; install them with `apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev`"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message} (CI is set: a missing tool is a failure)");
    }
    eprintln!("{message}\npcsc_e2e: SKIPPED (set CI=1 to make this a failure)");
}

/// A pcscd that already runs: its PID file names a live process, or (the PID
/// file may not be written yet, or may be gone) a process named `pcscd` exists.
fn running_pcscd() -> Option<u32> {
    let from_pid_file = std::fs::read_to_string(PCSCD_PID_FILE)
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|pid| Path::new(&format!("/proc/{pid}")).exists());
    from_pid_file.or_else(|| {
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            (comm.trim() == "pcscd").then_some(pid)
        })
    })
}

fn neid() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_neid"));
    command.env_remove("RUST_LOG");
    command
}

/// Runs a command to completion, killing it after COMMAND_TIMEOUT.
fn run(mut command: Command) -> Output {
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits until the vpcd reader shows a card; returns its ATR (via the pcsc crate).
fn wait_for_card(started: &mut Started, log: &Path) -> Vec<u8> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut last = String::from("nothing yet");
    while Instant::now() < deadline {
        if let Some((_, emulate)) = started.children.iter_mut().find(|(n, _)| *n == "neid emulate")
            && let Ok(Some(status)) = emulate.try_wait()
        {
            let emulator_log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("neid emulate exited early ({status}):\n{emulator_log}");
        }
        match terminal::list_readers() {
            Ok(readers) => {
                if let Some(atr) = readers.iter().find(|r| r.name == VPCD_READER).and_then(|r| r.atr.clone()) {
                    if atr == emulator::atr::contact_atr() {
                        return atr;
                    }
                    // vpcd serves one card per slot: another card client got there first.
                    last = format!(
                        "another card ({}) occupies {VPCD_READER}: is another emulator or vicc connected to {VPCD_ADDR}?",
                        hex::encode_upper(&atr)
                    );
                } else {
                    last = format!("{readers:?}");
                }
            }
            Err(error) => last = error.to_string(),
        }
        sleep(Duration::from_millis(200));
    }
    let emulator_log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("no card in \"{VPCD_READER}\" after {STARTUP_TIMEOUT:?}; last PC/SC view: {last}\nemulator log:\n{emulator_log}");
}

#[test]
fn household_and_public_zone_through_pcscd_and_vpcd() {
    let Some(pcscd) = pcscd_binary() else {
        return missing("pcscd is not installed");
    };
    if !Path::new(VPCD_CONFIG).is_file() {
        return missing(&format!("the vpcd driver is not installed ({VPCD_CONFIG} missing)"));
    }

    let mut started = Started { children: Vec::new() };
    match running_pcscd() {
        Some(pid) => eprintln!("pcsc_e2e: reusing the running pcscd (PID {pid}); it will not be stopped"),
        None => {
            std::fs::create_dir_all(PCSCD_RUN_DIR).expect("create /run/pcscd");
            let child = Command::new(&pcscd)
                .arg("--foreground")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start pcscd --foreground");
            eprintln!("pcsc_e2e: started pcscd (PID {})", child.id());
            started.children.push(("pcscd", child));
        }
    }

    let state = tempfile::tempdir().expect("temporary state directory");
    let log_path = state.path().join("emulate.log");
    let log = File::create(&log_path).expect("emulator log file");
    let profile = workspace().join("profiles/reference/adult.toml");
    let emulate = neid()
        .args(["emulate", "--profile"])
        .arg(&profile)
        .arg("--state")
        .arg(state.path().join("card"))
        .args(["--vpcd", VPCD_ADDR])
        .env("RUST_LOG", "debug")
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .expect("start neid emulate");
    started.children.push(("neid emulate", emulate));

    // The ATR as the pcsc crate sees it (no pcsc_scan needed).
    let atr = wait_for_card(&mut started, &log_path);
    assert_eq!(atr, emulator::atr::contact_atr(), "ATR through pcscd");
    assert!(state.path().join("card/state.json").is_file(), "the personalized card is persisted at once");

    let out = run({
        let mut c = neid();
        c.args(["read", "household", "--reader", "Virtual PCD", "--json"]);
        c
    });
    assert!(out.status.success(), "read household: {}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("read household prints JSON");
    assert_eq!(json["county"], "臺北市");
    assert_eq!(json["township"], "大安區");
    assert_eq!(json["village"], "龍泉里");
    assert_eq!(json["neighbourhood"], 5);

    let out = run({
        let mut c = neid();
        c.args(["apdu", "--reader", "Virtual PCD", HOUSEHOLD_SELECT, PUBLIC_SELECT, PUBLIC_READ_SFI_01]);
        c
    });
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "apdu: {}", text(&out.stderr));
    let responses: Vec<&str> = stdout.lines().filter(|l| l.starts_with("< ")).collect();
    assert_eq!(
        responses,
        ["< 9000 (normal processing)", "< 9000 (normal processing)", "< 6982 (security status not satisfied)"],
        "{stdout}"
    );

    let out = run({
        let mut c = neid();
        c.arg("readers");
        c
    });
    let listing = text(&out.stdout);
    let atr_hex = atr.iter().map(|b| format!("{b:02X}")).collect::<String>();
    assert!(listing.contains(&format!("{VPCD_READER}: card, ATR {atr_hex}")), "{listing}");

    // OpenSC sees the same ATR (when installed). OpenSC 0.23 talks to a card
    // with an unknown ATR only through its default driver, enabled by a config
    // file named in OPENSC_CONF.
    let opensc_conf = state.path().join("opensc.conf");
    std::fs::write(&opensc_conf, OPENSC_DEFAULT_DRIVER).expect("write opensc.conf");
    if let Ok(out) = Command::new("opensc-tool")
        .args(["--reader", VPCD_READER, "--atr"])
        .env("OPENSC_CONF", &opensc_conf)
        .output()
    {
        let shown = text(&out.stdout).to_uppercase().replace(':', "");
        assert!(shown.contains(&atr_hex), "opensc-tool -a: {shown} {}", text(&out.stderr));
    }

    // A clean stop: SIGTERM ends `neid emulate` with status 0.
    let status = started.stop_named("neid emulate").expect("neid emulate exit status");
    assert!(status.success(), "neid emulate after SIGTERM: {status}\n{}", std::fs::read_to_string(&log_path).unwrap_or_default());
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(log.contains("apdu"), "RUST_LOG=debug logs one line per APDU:\n{log}");
}
