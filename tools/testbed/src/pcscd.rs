//! `Pcscd`: the machine's PC/SC daemon, reused when one runs, else started
//! here and stopped again (by its PID) when the handle drops.
//!
//! There is one pcscd per machine: its socket path is fixed. A pcscd this
//! crate did not start is never signalled. Without systemd, pcscd is run in
//! the foreground as our child; it creates `pcscd.comm` and `pcscd.pid` in
//! `/run/pcscd` itself and removes them on SIGTERM (see pcsc.md).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::child::ChildGuard;
use crate::error::TestbedError;
use crate::install::{PCSCD, VPCD_CONFIG, VPCD_DRIVER};

pub const PCSCD_RUN_DIR: &str = "/run/pcscd";
pub const PCSCD_PID_FILE: &str = "/run/pcscd/pcscd.pid";
pub const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";
/// The process name the kernel reports for pcscd (`/proc/<pid>/comm`).
const PCSCD_COMM: &str = "pcscd";

/// How long a pcscd we start gets to create its socket.
const START_TIMEOUT: Duration = Duration::from_secs(10);
const START_POLL: Duration = Duration::from_millis(20);
/// Lines of pcscd's log quoted when it fails to come up.
const LOG_TAIL_LINES: usize = 20;

/// A running pcscd: either one found running (reused, left alone) or one
/// started here (SIGTERM on drop).
#[derive(Debug)]
pub struct Pcscd {
    pid: u32,
    started: Option<Started>,
}

/// The pcscd we spawned. `guard` is declared first so pcscd is stopped
/// before its log directory is removed.
#[derive(Debug)]
struct Started {
    guard: ChildGuard,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Pcscd {
    /// Reuse the running pcscd, or start one with vpcd's readers.
    ///
    /// Fails with the Debian package to install when pcscd or the vpcd
    /// driver is missing, and with pcscd's log when it does not come up.
    pub fn start_or_reuse() -> Result<Self, TestbedError> {
        PCSCD.locate()?;
        VPCD_DRIVER.locate()?;
        VPCD_CONFIG.locate()?;
        if let Some(pid) = detect_running_pcscd() {
            return Ok(Self { pid, started: None });
        }
        Self::start()
    }

    fn start() -> Result<Self, TestbedError> {
        let program = PCSCD.locate()?;
        std::fs::create_dir_all(PCSCD_RUN_DIR).map_err(|source| TestbedError::Io {
            path: PCSCD_RUN_DIR.into(),
            source,
        })?;
        let log_dir = tempfile::Builder::new()
            .prefix("neid-pcscd-")
            .tempdir()
            .map_err(|source| TestbedError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let log = log_dir.path().join("pcscd.log");
        let io_error = |source| TestbedError::Io {
            path: log.clone(),
            source,
        };
        let stdout = File::create(&log).map_err(io_error)?;
        let stderr = stdout.try_clone().map_err(io_error)?;
        let mut guard = ChildGuard::spawn(
            "pcscd",
            Command::new(&program)
                .arg("--foreground")
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr),
        )?;
        let pid = guard.pid();

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = guard.try_exit_status() {
                // Another test may have started pcscd between our check and
                // our spawn: ours then exits, and theirs is reused.
                if let Some(other) = detect_running_pcscd().filter(|&other| other != pid) {
                    return Ok(Self {
                        pid: other,
                        started: None,
                    });
                }
                return Err(not_ready(format!("it exited ({status})"), &log));
            }
            if Path::new(PCSCD_SOCKET).exists()
                && read_pid_file(Path::new(PCSCD_PID_FILE)) == Some(pid)
            {
                break;
            }
            if Instant::now() >= deadline {
                return Err(not_ready(
                    format!("{PCSCD_SOCKET} not created within {START_TIMEOUT:?}"),
                    &log,
                ));
            }
            std::thread::sleep(START_POLL);
        }
        Ok(Self {
            pid,
            started: Some(Started {
                guard,
                log,
                _log_dir: log_dir,
            }),
        })
    }

    /// pcscd's PID.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// True when this handle started pcscd (and will stop it on drop).
    pub fn started_here(&self) -> bool {
        self.started.is_some()
    }

    /// The log of a pcscd started here (removed when the handle drops).
    pub fn log_path(&self) -> Option<&Path> {
        self.started.as_ref().map(|s| s.log.as_path())
    }

    /// The PID of the pcscd started here, if any (for messages).
    pub fn child_pid(&self) -> Option<u32> {
        self.started.as_ref().map(|s| s.guard.pid())
    }
}

fn not_ready(reason: String, log: &Path) -> TestbedError {
    TestbedError::PcscdNotReady {
        reason,
        log: log.to_path_buf(),
        log_tail: log_tail(log, LOG_TAIL_LINES),
    }
}

/// The last `lines` lines of a log file ("" when unreadable).
fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The PID of the machine's running pcscd, if any: the one its PID file
/// names when that process is alive and is pcscd, else any live process
/// named pcscd (the PID file may not be written yet, may be gone, or pcscd
/// may have been started with another run directory).
pub fn detect_running_pcscd() -> Option<u32> {
    running_pcscd(Path::new(PCSCD_PID_FILE)).or_else(|| pcscd_in_proc(Path::new(PROC_DIR)))
}

/// Where Linux shows its processes, one directory per PID.
const PROC_DIR: &str = "/proc";

/// The lowest PID under `proc_dir` whose `comm` is pcscd (the first one
/// started, normally the only one), if any.
pub fn pcscd_in_proc(proc_dir: &Path) -> Option<u32> {
    std::fs::read_dir(proc_dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            (comm.trim_end() == PCSCD_COMM && !is_zombie(&entry.path())).then_some(pid)
        })
        .min()
}

/// The process has exited but was not reaped yet (state `Z` in
/// `/proc/<pid>/stat`, proc(5)): it serves no socket. Unknown counts as live.
fn is_zombie(process_dir: &Path) -> bool {
    std::fs::read_to_string(process_dir.join("stat"))
        .ok()
        .and_then(|stat| {
            // "pid (comm) S ...": comm may contain spaces and parentheses,
            // so the state is the first field after the last ')'.
            let after_comm = &stat[stat.rfind(')')? + 1..];
            after_comm
                .split_whitespace()
                .next()
                .map(|state| state == "Z")
        })
        .unwrap_or(false)
}

/// The PID of a live pcscd named by `pid_file`, if any.
pub fn running_pcscd(pid_file: &Path) -> Option<u32> {
    read_pid_file(pid_file).filter(|&pid| is_live_pcscd(pid))
}

fn read_pid_file(path: &Path) -> Option<u32> {
    parse_pid(&std::fs::read_to_string(path).ok()?)
}

/// A PID file's content: one positive decimal number. pcscd writes
/// "<pid>\n\0" (its buffer's terminating NUL included), so whitespace and
/// NULs around the number are allowed.
pub fn parse_pid(text: &str) -> Option<u32> {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .parse::<u32>()
        .ok()
        .filter(|&pid| pid > 0)
}

/// The process exists and, when /proc tells its name, it is pcscd (a stale
/// PID file may name a PID since reused by another program).
fn is_live_pcscd(pid: u32) -> bool {
    is_alive(pid)
        && std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|comm| comm.trim() == PCSCD_COMM)
            .unwrap_or(true)
}

/// kill(pid, 0): the process exists (EPERM also means it exists).
pub fn is_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pid_files() {
        assert_eq!(parse_pid("18910\n"), Some(18910));
        assert_eq!(parse_pid("  42 "), Some(42));
        // What pcscd 2.0 really writes.
        assert_eq!(parse_pid("26173\n\0"), Some(26173));
        for bad in ["", "0", "-5", "12a", "99999999999"] {
            assert_eq!(parse_pid(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn liveness_of_this_process_and_of_a_reaped_child() {
        assert!(is_alive(std::process::id()));
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        // Reaped: the PID is free (reuse within this instant is negligible).
        assert!(!is_alive(pid));
    }

    #[test]
    fn a_pid_file_naming_another_program_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pcscd.pid");
        // This test process is alive but is not pcscd.
        std::fs::write(&pid_file, format!("{}\n", std::process::id())).unwrap();
        assert_eq!(running_pcscd(&pid_file), None);
        std::fs::write(&pid_file, "garbage").unwrap();
        assert_eq!(running_pcscd(&pid_file), None);
        assert_eq!(running_pcscd(&dir.path().join("missing")), None);
    }

    #[test]
    fn finds_pcscd_by_process_name() {
        // A fake /proc: PID 7 is a shell, PIDs 42 and 12 are pcscd, "self"
        // and files without comm are ignored.
        let proc_dir = tempfile::tempdir().unwrap();
        for (pid, comm) in [
            ("7", "sh\n"),
            ("42", "pcscd\n"),
            ("12", "pcscd\n"),
            ("self", "pcscd\n"),
        ] {
            let dir = proc_dir.path().join(pid);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("comm"), comm).unwrap();
        }
        std::fs::create_dir(proc_dir.path().join("99")).unwrap();
        assert_eq!(pcscd_in_proc(proc_dir.path()), Some(12));
        // An exited, unreaped pcscd is not running.
        std::fs::write(proc_dir.path().join("12/stat"), "12 (pcscd) Z 1 12 12 0").unwrap();
        std::fs::write(proc_dir.path().join("42/stat"), "42 (pcscd) S 1 42 42 0").unwrap();
        assert_eq!(pcscd_in_proc(proc_dir.path()), Some(42));
        std::fs::write(proc_dir.path().join("12/comm"), "pcscd-helper\n").unwrap();
        std::fs::write(proc_dir.path().join("42/comm"), "bash\n").unwrap();
        assert_eq!(pcscd_in_proc(proc_dir.path()), None);
        assert_eq!(pcscd_in_proc(&proc_dir.path().join("missing")), None);
    }

    #[test]
    fn log_tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        std::fs::write(&log, "a\nb\nc\nd\n").unwrap();
        assert_eq!(log_tail(&log, 2), "c\nd");
        assert_eq!(log_tail(&log, 10), "a\nb\nc\nd");
        assert_eq!(log_tail(&dir.path().join("none"), 3), "");
    }
}
