//! The debug log (`NEID_PKCS11_LOG=<file>`): every entry point with its
//! return value, token events and card errors, appended to the file.
//!
//! The default filter keeps the terminal's APDU traces out (they would show
//! PIN2 in a plain VERIFY on a card without secure messaging);
//! `NEID_PKCS11_LOG_FILTER` (tracing EnvFilter syntax, e.g. `debug`) widens it.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// EnvFilter directives for the log file.
pub const ENV_LOG_FILTER: &str = "NEID_PKCS11_LOG_FILTER";
/// This crate at debug, everything else at info.
const DEFAULT_FILTER: &str = "neid_pkcs11=debug,info";

/// Installs the file logger once per process; later calls (a second
/// C_Initialize, or a host that has its own subscriber) change nothing.
pub fn init(path: &Path) {
    let file = match OpenOptions::new().create(true).append(true).open(path) {
        Ok(file) => file,
        // No log is better than a failing C_Initialize.
        Err(_) => return,
    };
    let filter = std::env::var(ENV_LOG_FILTER)
        .ok()
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_thread_ids(true)
        .try_init();
}
