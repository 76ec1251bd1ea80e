//! `ChildGuard`: a process we spawned, stopped by its PID when dropped.
//!
//! Only our own child is ever signalled: the guard owns the `Child` and does
//! not reap it before signalling, so its PID cannot have been reused by
//! another process (an unreaped child stays a zombie holding its PID).

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use crate::error::TestbedError;

/// How long a child gets to exit after SIGTERM before SIGKILL.
pub const TERM_GRACE: Duration = Duration::from_secs(2);
const EXIT_POLL: Duration = Duration::from_millis(10);

/// A spawned process that is SIGTERMed (then SIGKILLed) on drop.
#[derive(Debug)]
pub struct ChildGuard {
    name: String,
    child: Child,
    /// Set once the child has been reaped.
    exit: Option<ExitStatus>,
}

impl ChildGuard {
    /// Spawn `command`; `name` is used in messages.
    pub fn spawn(name: &str, command: &mut Command) -> Result<Self, TestbedError> {
        let child = command.spawn().map_err(|source| TestbedError::Spawn {
            program: name.to_owned(),
            source,
        })?;
        Ok(Self::new(name, child))
    }

    /// Guard a child spawned elsewhere.
    pub fn new(name: &str, child: Child) -> Self {
        Self {
            name: name.to_owned(),
            child,
            exit: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The exit status if the child has exited (reaps it), `None` while it
    /// runs.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// Stop the child now: SIGTERM, wait up to [`TERM_GRACE`], then SIGKILL.
    /// Returns how it ended (`None` if it could not be waited for).
    pub fn stop(mut self) -> Option<ExitStatus> {
        self.terminate()
    }

    fn terminate(&mut self) -> Option<ExitStatus> {
        if let Some(status) = self.try_exit_status() {
            return Some(status);
        }
        self.signal(libc::SIGTERM);
        let deadline = Instant::now() + TERM_GRACE;
        while Instant::now() < deadline {
            if let Some(status) = self.try_exit_status() {
                return Some(status);
            }
            std::thread::sleep(EXIT_POLL);
        }
        eprintln!(
            "testbed: {} (pid {}) ignored SIGTERM for {TERM_GRACE:?}; sending SIGKILL",
            self.name,
            self.pid()
        );
        // Child::kill sends SIGKILL to this child's PID.
        let _ = self.child.kill();
        self.exit = self.child.wait().ok();
        self.exit
    }

    fn signal(&self, signal: libc::c_int) {
        let Ok(pid) = libc::pid_t::try_from(self.child.id()) else {
            return;
        };
        // SAFETY: kill(2) with the PID of our own, not yet reaped child.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.terminate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn drop_terminates_with_sigterm() {
        let mut guard = ChildGuard::spawn("sleep", Command::new("sleep").arg("30")).unwrap();
        assert!(guard.try_exit_status().is_none(), "sleep 30 is running");
        let started = Instant::now();
        let status = guard.stop().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM));
        assert!(started.elapsed() < TERM_GRACE);
    }

    #[test]
    fn sigkill_after_the_grace_period_when_sigterm_is_ignored() {
        // `exec` so the process that ignores SIGTERM is the guarded PID.
        let guard = ChildGuard::spawn(
            "stubborn",
            Command::new("sh").args(["-c", "trap '' TERM; exec sleep 30"]),
        )
        .unwrap();
        // Give sh time to install the ignore disposition before exec.
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let status = guard.stop().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert!(started.elapsed() >= TERM_GRACE);
    }

    #[test]
    fn an_exited_child_is_not_signalled() {
        let mut guard = ChildGuard::spawn("true", &mut Command::new("true")).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while guard.try_exit_status().is_none() && Instant::now() < deadline {
            std::thread::sleep(EXIT_POLL);
        }
        assert_eq!(guard.stop().and_then(|s| s.code()), Some(0));
    }

    #[test]
    fn spawn_failure_names_the_program() {
        let err = ChildGuard::spawn("ghost", &mut Command::new("/nonexistent/ghost")).unwrap_err();
        assert!(err.to_string().starts_with("cannot start ghost"), "{err}");
    }
}
