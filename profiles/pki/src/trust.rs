//! Trust anchors from a directory (`neid read public --trust DIR`).

use std::path::{Path, PathBuf};

use der::Encode;
use x509_cert::Certificate;

use crate::manifest::MANIFEST_FILE;
use crate::{PkiError, cert, files, init};

/// File extensions read as certificates (compared without case).
pub const CERTIFICATE_EXTENSIONS: [&str; 4] = ["pem", "der", "crt", "cer"];

/// Trust anchors in `dir`: every certificate in a `*.pem`/`*.der`/`*.crt`/
/// `*.cer` file that is a CA (basicConstraints cA TRUE), plus the CSCA named
/// by `pki.toml` when there is one. Non-CA certificates (e.g. `ds.pem`) and
/// PEM blocks that are not certificates (e.g. `csca-key.pem`) are skipped;
/// a file that cannot be parsed is an error naming it. Files are read in
/// name order; duplicates are dropped.
pub fn load_trust(dir: &Path) -> Result<Vec<Certificate>, PkiError> {
    let entries = std::fs::read_dir(dir).map_err(|e| PkiError::io(dir, e))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| PkiError::io(dir, e))?.path();
        let wanted = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            CERTIFICATE_EXTENSIONS
                .iter()
                .any(|w| w.eq_ignore_ascii_case(e))
        });
        if wanted && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();

    let mut anchors: Vec<Certificate> = Vec::new();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut add = |cert: Certificate, path: &Path| -> Result<(), PkiError> {
        let is_ca = cert::is_ca(&cert).map_err(|e| PkiError::MalformedFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if !is_ca {
            return Ok(());
        }
        let der = cert.to_der().map_err(|e| PkiError::MalformedFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if !seen.contains(&der) {
            seen.push(der);
            anchors.push(cert);
        }
        Ok(())
    };
    for path in &paths {
        for cert in files::certificates_in(path)? {
            add(cert, path)?;
        }
    }
    let manifest = dir.join(MANIFEST_FILE);
    if manifest.is_file() {
        add(init::manifest_csca(dir)?, &manifest)?;
    }
    if anchors.is_empty() {
        return Err(PkiError::NoTrustAnchor {
            dir: dir.to_path_buf(),
        });
    }
    Ok(anchors)
}
