//! `Vicc`: vsmartcard's own Python card emulator as a peer card on vpcd.
//!
//! Debian's `vicc` does not start as shipped (pcsc.md): its Python package
//! lies outside `sys.path`, and it imports `Crypto` while Debian's
//! pycryptodome is named `Cryptodome`. We run it under `/usr/bin/python3`
//! with `PYTHONPATH` holding the package's directory and a temporary folder
//! with the symlink `Crypto -> .../Cryptodome`.
//!
//! Only the `iso7816` card type works here, and it crashes on responses that
//! carry TLV data (e.g. SELECT with FCI): send it plain APDUs such as
//! `00 A4 00 0C 02 3F 00`.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::child::ChildGuard;
use crate::error::TestbedError;
use crate::install::{CRYPTODOME, PYTHON3, VICC, VICC_PYTHON_PACKAGE};

/// The only vicc card type that works on Debian 12.
pub const VICC_CARD_TYPE: &str = "iso7816";
/// vpcd listens on the loopback too; vicc is the TCP client.
const VPCD_HOST: &str = "localhost";
/// The module name vicc imports.
const CRYPTO_SHIM_NAME: &str = "Crypto";

/// A running vicc, connected (or connecting) to vpcd's `port`; stopped by
/// its PID on drop, which removes the card from the reader.
#[derive(Debug)]
pub struct Vicc {
    /// Declared first: vicc stops before its folder is removed.
    guard: ChildGuard,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Vicc {
    /// Start `vicc -t iso7816 -H localhost -P <port>`. The card is in the
    /// reader once [`crate::wait_for_card`] says so.
    pub fn start(port: u16) -> Result<Self, TestbedError> {
        let python = PYTHON3.locate()?;
        let vicc = VICC.locate()?;
        let package = VICC_PYTHON_PACKAGE.locate()?;
        let cryptodome = CRYPTODOME.locate()?;

        let dir = tempfile::Builder::new()
            .prefix("neid-vicc-")
            .tempdir()
            .map_err(|source| TestbedError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let shim = dir.path().join("pythonpath");
        std::fs::create_dir(&shim).map_err(|source| TestbedError::Io {
            path: shim.clone(),
            source,
        })?;
        let link = shim.join(CRYPTO_SHIM_NAME);
        std::os::unix::fs::symlink(&cryptodome, &link)
            .map_err(|source| TestbedError::Io { path: link, source })?;

        let log = dir.path().join("vicc.log");
        let io_error = |source| TestbedError::Io {
            path: log.clone(),
            source,
        };
        let stdout = File::create(&log).map_err(io_error)?;
        let stderr = stdout.try_clone().map_err(io_error)?;
        let guard = ChildGuard::spawn(
            "vicc",
            Command::new(python)
                .arg(vicc)
                .args(vicc_args(port))
                .env("PYTHONPATH", python_path(&package, &shim))
                // Log lines at once, and keep bytecode out of system dirs.
                .env("PYTHONUNBUFFERED", "1")
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr),
        )?;
        Ok(Self {
            guard,
            port,
            log,
            _dir: dir,
        })
    }

    pub fn pid(&self) -> u32 {
        self.guard.pid()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// vicc's stdout and stderr (removed when the handle drops).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// True while vicc runs (it exits, e.g., when it crashes on a TLV
    /// response).
    pub fn is_running(&mut self) -> bool {
        self.guard.try_exit_status().is_none()
    }

    /// Stop vicc now (SIGTERM, then SIGKILL after the grace period).
    pub fn stop(self) {
        drop(self);
    }
}

/// vicc's command-line arguments for vpcd's `port`.
pub fn vicc_args(port: u16) -> Vec<String> {
    vec![
        "-t".into(),
        VICC_CARD_TYPE.into(),
        "-H".into(),
        VPCD_HOST.into(),
        "-P".into(),
        port.to_string(),
    ]
}

/// `PYTHONPATH`: the directory holding the `virtualsmartcard` package, then
/// the folder with the `Crypto` shim.
pub fn python_path(package_dir: &Path, shim_dir: &Path) -> OsString {
    let mut path = package_dir.as_os_str().to_owned();
    path.push(":");
    path.push(shim_dir);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_the_card_type_host_and_port() {
        assert_eq!(
            vicc_args(35964),
            ["-t", "iso7816", "-H", "localhost", "-P", "35964"]
        );
    }

    #[test]
    fn python_path_joins_package_then_shim() {
        assert_eq!(
            python_path(Path::new("/a/pkg"), Path::new("/tmp/shim")),
            OsString::from("/a/pkg:/tmp/shim")
        );
    }
}
