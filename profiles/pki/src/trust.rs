//! Trust anchors from a directory (`neid read public --trust DIR`).

use std::path::{Path, PathBuf};

use der::Encode;
use x509_cert::Certificate;

use crate::manifest::MANIFEST_FILE;
use crate::master_list::{self, MasterListSignature};
use crate::{PkiError, cert, files, init};

/// File extensions read as certificates (compared without case).
pub const CERTIFICATE_EXTENSIONS: [&str; 4] = ["pem", "der", "crt", "cer"];

/// File extension of a CSCA master list (compared without case). Any other
/// file that parses as one (DER ContentInfo, eContentType
/// id-icao-cscaMasterList) is read too.
pub const MASTER_LIST_EXTENSION: &str = "ml";

/// Trust anchors and what a person should know about how they were read.
#[derive(Debug, Clone)]
pub struct TrustAnchors {
    /// The CA certificates to trust, duplicates dropped.
    pub certificates: Vec<Certificate>,
    /// One line per master list whose own signature was not proven (its
    /// certificates are trusted anyway because the file is in the
    /// directory), naming the file and the reason.
    pub warnings: Vec<String>,
}

fn has_extension(path: &Path, wanted: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| wanted.iter().any(|w| w.eq_ignore_ascii_case(e)))
}

/// Add `cert` to `anchors` when it is a CA not yet seen.
fn add(
    anchors: &mut Vec<Certificate>,
    seen: &mut Vec<Vec<u8>>,
    cert: Certificate,
    path: &Path,
) -> Result<(), PkiError> {
    let malformed = |reason: String| PkiError::MalformedFile {
        path: path.to_path_buf(),
        reason,
    };
    if !cert::is_ca(&cert).map_err(|e| malformed(e.to_string()))? {
        return Ok(());
    }
    let der = cert.to_der().map_err(|e| malformed(e.to_string()))?;
    if !seen.contains(&der) {
        seen.push(der);
        anchors.push(cert);
    }
    Ok(())
}

/// [`load_trust_with_warnings`] without the warnings.
pub fn load_trust(dir: &Path) -> Result<Vec<Certificate>, PkiError> {
    load_trust_with_warnings(dir).map(|t| t.certificates)
}

/// Trust anchors in `dir`: every certificate in a `*.pem`/`*.der`/`*.crt`/
/// `*.cer` file that is a CA (basicConstraints cA TRUE), every CA in a CSCA
/// master list (`*.ml`, or any other file that parses as one, ICAO 9303-12
/// §9), plus the CSCA named by `pki.toml` when there is one. Non-CA
/// certificates (e.g. `ds.pem`) and PEM blocks that are not certificates
/// (e.g. `csca-key.pem`) are skipped; a certificate or `*.ml` file that
/// cannot be parsed is an error naming it; other files that are not master
/// lists are ignored. Files are read in name order; duplicates are dropped.
///
/// A master list's own signature is checked against the list's certificates
/// and the directory's other certificates; when it cannot be proven the
/// list is still read and a warning says so.
pub fn load_trust_with_warnings(dir: &Path) -> Result<TrustAnchors, PkiError> {
    let entries = std::fs::read_dir(dir).map_err(|e| PkiError::io(dir, e))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| PkiError::io(dir, e))?.path();
        if path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();

    let mut anchors: Vec<Certificate> = Vec::new();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut master_lists: Vec<(&PathBuf, Vec<u8>)> = Vec::new();
    for path in &paths {
        if has_extension(path, &CERTIFICATE_EXTENSIONS) {
            for cert in files::certificates_in(path)? {
                add(&mut anchors, &mut seen, cert, path)?;
            }
            continue;
        }
        let named_ml = has_extension(path, &[MASTER_LIST_EXTENSION]);
        let bytes = files::read(path)?;
        if named_ml || master_list::is_master_list(&bytes) {
            master_lists.push((path, bytes));
        }
    }
    let manifest = dir.join(MANIFEST_FILE);
    if manifest.is_file() {
        add(
            &mut anchors,
            &mut seen,
            init::manifest_csca(dir)?,
            &manifest,
        )?;
    }
    // Master lists after the plain certificates, so those can prove a
    // list's signer.
    let mut from_lists: Vec<(Certificate, &PathBuf)> = Vec::new();
    for (path, bytes) in &master_lists {
        let list = master_list::read_master_list(bytes, &anchors).map_err(|e| {
            PkiError::MalformedFile {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
        if let MasterListSignature::Unverified { reason } = &list.signature {
            warnings.push(format!(
                "{}: CSCA master list signature not verified ({reason}); its certificates are trusted because the file is in the trust directory",
                path.display()
            ));
        }
        from_lists.extend(list.certificates.into_iter().map(|c| (c, *path)));
    }
    for (cert, path) in from_lists {
        add(&mut anchors, &mut seen, cert, path)?;
    }
    if anchors.is_empty() {
        return Err(PkiError::NoTrustAnchor {
            dir: dir.to_path_buf(),
        });
    }
    Ok(TrustAnchors {
        certificates: anchors,
        warnings,
    })
}
