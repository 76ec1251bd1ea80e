//! [`run_with_timeout`]: a command run to completion with its output, killed
//! by its PID when it runs too long (a hang becomes a clear error, not a
//! stuck test). Both pipes are drained while it runs, so a child printing
//! more than a pipe holds (conformance progress: ~100 KiB) never blocks.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::child::ChildGuard;
use crate::error::TestbedError;

const EXIT_POLL: Duration = Duration::from_millis(20);
/// How long the output may still take once the command has exited (a
/// grandchild that inherited a pipe could hold it open for ever).
const OUTPUT_GRACE: Duration = Duration::from_secs(10);
/// Characters of stderr quoted when the command times out.
const TAIL_CHARS: usize = 2000;

/// A command that ran to completion.
#[derive(Debug)]
pub struct Finished {
    pub output: Output,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
}

/// Runs `command` (its stdout and stderr piped) until it exits, or fails
/// with [`TestbedError::Timeout`] after `timeout`, having stopped it by its
/// PID (SIGTERM, then SIGKILL: [`ChildGuard`]).
pub fn run_with_timeout(name: &str, command: &mut Command, timeout: Duration) -> Result<Finished, TestbedError> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| TestbedError::Spawn { program: name.to_owned(), source })?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let mut guard = ChildGuard::new(name, child);
    let status = loop {
        if let Some(status) = guard.try_exit_status() {
            break status;
        }
        if started.elapsed() >= timeout {
            guard.stop();
            let stderr = String::from_utf8_lossy(&joined(stderr)).into_owned();
            return Err(TestbedError::Timeout { program: name.to_owned(), timeout, stderr_tail: tail(&stderr) });
        }
        std::thread::sleep(EXIT_POLL);
    };
    Ok(Finished { output: Output { status, stdout: joined(stdout), stderr: joined(stderr) }, elapsed: started.elapsed() })
}

/// Reads a pipe to its end on a thread; the bytes arrive on the receiver.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> Receiver<Vec<u8>> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error ends the capture; what was read is kept.
            let _ = pipe.read_to_end(&mut bytes);
        }
        // The receiver may have given up waiting: nothing to do then.
        let _ = sender.send(bytes);
    });
    receiver
}

/// The drained bytes, or nothing when the pipe stays open past [`OUTPUT_GRACE`].
fn joined(receiver: Receiver<Vec<u8>>) -> Vec<u8> {
    receiver.recv_timeout(OUTPUT_GRACE).unwrap_or_default()
}

/// The last [`TAIL_CHARS`] characters of `text`.
fn tail(text: &str) -> String {
    let count = text.chars().count();
    text.chars().skip(count.saturating_sub(TAIL_CHARS)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_large_output_and_the_exit_status() {
        // 200 KiB on stdout, more than a pipe buffer: drained while running.
        let finished = run_with_timeout(
            "sh",
            Command::new("sh").args(["-c", "head -c 204800 /dev/zero; echo oops >&2; exit 3"]),
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(finished.output.stdout.len(), 204_800);
        assert_eq!(finished.output.stderr, b"oops\n");
        assert_eq!(finished.output.status.code(), Some(3));
    }

    #[test]
    fn a_command_that_hangs_is_stopped_and_reported() {
        let started = Instant::now();
        let error = run_with_timeout(
            "sleeper",
            Command::new("sh").args(["-c", "echo waiting >&2; exec sleep 30"]),
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "stopped, not waited for");
        match error {
            TestbedError::Timeout { program, stderr_tail, .. } => {
                assert_eq!(program, "sleeper");
                assert_eq!(stderr_tail, "waiting\n");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn tail_keeps_the_end() {
        assert_eq!(tail("abc"), "abc");
        let long = "x".repeat(TAIL_CHARS) + "end";
        assert!(tail(&long).ends_with("end"));
        assert_eq!(tail(&long).chars().count(), TAIL_CHARS);
    }
}
