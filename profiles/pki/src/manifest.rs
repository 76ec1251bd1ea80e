//! `pki.toml`: the manifest `init` writes next to the certificates and keys
//! (docs/spec/test-pki.md). It names the files so `load` does not guess.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::PkiError;

/// File name of the manifest inside a PKI directory.
pub const MANIFEST_FILE: &str = "pki.toml";
/// The manifest format this crate writes and reads.
pub const MANIFEST_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub format: u32,
    pub csca: Entry,
    pub document_signer: Entry,
}

/// One certificate holder: file names relative to the PKI directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub subject: String,
    pub certificate_pem: String,
    pub certificate_der: String,
    pub private_key: String,
}

const HEADER: &str = "# neid test PKI (docs/spec/test-pki.md).\n\
# TEST KEYS ONLY: the private keys sit unprotected next to this file.\n\n";

impl Manifest {
    pub fn to_toml(&self) -> Result<String, PkiError> {
        let body = toml::to_string(self).map_err(|e| PkiError::Build {
            what: "pki.toml",
            reason: e.to_string(),
        })?;
        Ok(format!("{HEADER}{body}"))
    }

    pub fn read(dir: &Path) -> Result<Manifest, PkiError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| PkiError::io(&path, e))?;
        let manifest: Manifest = toml::from_str(&text).map_err(|e| PkiError::Manifest {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(PkiError::Manifest {
                path,
                reason: format!(
                    "format {} is not supported (this tool reads format {MANIFEST_FORMAT})",
                    manifest.format
                ),
            });
        }
        for name in [
            &manifest.csca.certificate_pem,
            &manifest.csca.certificate_der,
            &manifest.csca.private_key,
            &manifest.document_signer.certificate_pem,
            &manifest.document_signer.certificate_der,
            &manifest.document_signer.private_key,
        ] {
            check_plain_file_name(&path, name)?;
        }
        Ok(manifest)
    }
}

/// Manifest entries are plain file names inside the PKI directory: no
/// separators, no `..`, so a manifest cannot point outside its directory.
fn check_plain_file_name(manifest: &Path, name: &str) -> Result<(), PkiError> {
    let p = PathBuf::from(name);
    let mut components = p.components();
    match (components.next(), components.next()) {
        (Some(std::path::Component::Normal(_)), None) => Ok(()),
        _ => Err(PkiError::Manifest {
            path: manifest.to_path_buf(),
            reason: format!("'{name}' must be a plain file name inside the PKI directory"),
        }),
    }
}
