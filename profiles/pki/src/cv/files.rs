//! File names and careful writes of the CV test PKI directories: new files
//! with `create_new`, flushed; private keys readable by the owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

use card_os::protocol::StandardizedDomainParameters as Curve;
use card_os::protocol::cvc::CvCertificate;
use zeroize::Zeroizing;

use super::error::CvPkiError;
use super::keys;
use crate::files::new_file_options;

pub const CV_CERTIFICATE_EXTENSION: &str = "cvcert";
pub const CVCA_CERTIFICATE: &str = "cvca.cvcert";
pub const CVCA_KEY: &str = "cvca-key.pem";
pub const DV_CERTIFICATE: &str = "dv.cvcert";
pub const DV_KEY: &str = "dv-key.pem";
pub const TERMINAL_CERTIFICATE: &str = "terminal.cvcert";
pub const TERMINAL_KEY: &str = "terminal-key.pem";
const LINK_PREFIX: &str = "link-";

pub(crate) fn link_name(chr: &str) -> String {
    format!("{LINK_PREFIX}{chr}.{CV_CERTIFICATE_EXTENSION}")
}

pub(crate) fn wrong(path: &Path, reason: &str) -> CvPkiError {
    CvPkiError::WrongCertificate {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    }
}

pub(crate) fn refuse_existing(paths: &[&PathBuf]) -> Result<(), CvPkiError> {
    match paths.iter().find(|p| p.exists()) {
        Some(path) => Err(CvPkiError::AlreadyExists {
            path: path.to_path_buf(),
        }),
        None => Ok(()),
    }
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), CvPkiError> {
    std::fs::create_dir_all(dir).map_err(|e| CvPkiError::io(dir, e))
}

pub(crate) fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), CvPkiError> {
    let mut file = new_file_options(private)
        .open(path)
        .map_err(|e| CvPkiError::io(path, e))?;
    file.write_all(bytes).map_err(|e| CvPkiError::io(path, e))?;
    file.sync_all().map_err(|e| CvPkiError::io(path, e))
}

/// Replace `path` atomically: write a temporary file, then rename over it.
pub(crate) fn replace(path: &Path, bytes: &[u8], private: bool) -> Result<(), CvPkiError> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".new");
    let temporary = PathBuf::from(temporary);
    write_new(&temporary, bytes, private)?;
    std::fs::rename(&temporary, path).map_err(|e| CvPkiError::io(path, e))
}

pub(crate) fn write_certificate(
    path: &Path,
    certificate: &CvCertificate,
) -> Result<(), CvPkiError> {
    write_new(path, &certificate.to_bytes(), false)
}

pub(crate) fn write_key(path: &Path, curve: Curve, private_key: &[u8]) -> Result<(), CvPkiError> {
    let pem = keys::to_pem(curve, private_key, path)?;
    write_new(path, pem.as_bytes(), true)
}

/// Read a key on `curve` and check it belongs to `point`.
pub(crate) fn read_key(
    path: &Path,
    curve: Curve,
    point: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CvPkiError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| CvPkiError::io(path, e))?);
    let private = keys::from_pem(curve, &text, path)?;
    let public = curve.public_key(&private).map_err(|_| CvPkiError::Key {
        path: path.to_path_buf(),
        reason: "not a private key of the curve".into(),
    })?;
    if public != point {
        return Err(CvPkiError::Key {
            path: path.to_path_buf(),
            reason: "private key does not belong to the certificate next to it".into(),
        });
    }
    Ok(private)
}

/// `link-*.cvcert` files of `dir`, in name order (oldest CHR first when
/// sequence numbers grow).
pub(crate) fn links(dir: &Path) -> Result<Vec<PathBuf>, CvPkiError> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| CvPkiError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| CvPkiError::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(LINK_PREFIX) && name.ends_with(&format!(".{CV_CERTIFICATE_EXTENSION}"))
        {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

pub(crate) fn copy_links(links: &[PathBuf], to: &Path) -> Result<(), CvPkiError> {
    for link in links {
        let bytes = std::fs::read(link).map_err(|e| CvPkiError::io(link, e))?;
        let name = link.file_name().map(PathBuf::from).unwrap_or_default();
        write_new(&to.join(name), &bytes, false)?;
    }
    Ok(())
}
