//! Errors of the testbed: each names what is missing or what failed, and for
//! a missing component the Debian package that provides it.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum TestbedError {
    /// A program or file the testbed needs is not installed.
    #[error(
        "{what} not found (looked at {looked_at}): install the Debian package `{package}` (apt-get install {package})"
    )]
    NotInstalled {
        what: &'static str,
        looked_at: String,
        package: &'static str,
    },

    #[error("cannot start {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The pcscd we started exited, or never created its socket in time.
    #[error("pcscd did not come up: {reason}; its log ({log}):\n{log_tail}")]
    PcscdNotReady {
        reason: String,
        log: PathBuf,
        log_tail: String,
    },

    #[error("PC/SC {operation} failed: {source}")]
    Pcsc {
        operation: &'static str,
        source: pcsc::Error,
    },

    #[error(
        "no PC/SC reader whose name contains {substring:?} within {timeout:?} (readers: {readers:?})"
    )]
    NoSuchReader {
        substring: String,
        timeout: Duration,
        readers: Vec<String>,
    },

    /// A command run by [`crate::run_with_timeout`] did not exit in time;
    /// it was stopped.
    #[error("{program} ran longer than {timeout:?} and was stopped; the end of its stderr:\n{stderr_tail}")]
    Timeout {
        program: String,
        timeout: Duration,
        stderr_tail: String,
    },

    #[error("reader {reader:?}: {wanted} not reached within {timeout:?}")]
    CardWaitTimeout {
        reader: String,
        wanted: &'static str,
        timeout: Duration,
    },
}
