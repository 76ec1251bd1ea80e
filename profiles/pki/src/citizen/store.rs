//! The citizen CA on disk (docs/spec/test-pki.md §Citizen CA): fixed file
//! names in one directory, certificates as PEM (RFC 7468 `CERTIFICATE`) and
//! DER, private keys as unencrypted PKCS#8 PEM (RFC 5208, `PRIVATE KEY`).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use der::Encode;
use der::pem::LineEnding;
use rand::CryptoRng;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use sha2::Sha256;
use x509_cert::Certificate;

use super::CitizenCa;
use super::generate::{build_error, generate, spki_of};
use crate::{PkiError, cert, files};

pub const ROOT_CERT_PEM: &str = "root.pem";
pub const ROOT_CERT_DER: &str = "root.der";
pub const ROOT_KEY: &str = "root-key.pem";
pub const INTERMEDIATE_CERT_PEM: &str = "citizen-ca.pem";
pub const INTERMEDIATE_CERT_DER: &str = "citizen-ca.der";
pub const INTERMEDIATE_KEY: &str = "citizen-ca-key.pem";

/// Private keys are written readable by their owner only.
#[cfg(unix)]
const PRIVATE_KEY_MODE: u32 = 0o600;

/// The files [`init`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenCaPaths {
    pub dir: PathBuf,
    pub root_certificate_pem: PathBuf,
    pub root_certificate_der: PathBuf,
    pub root_private_key: PathBuf,
    pub intermediate_certificate_pem: PathBuf,
    pub intermediate_certificate_der: PathBuf,
    pub intermediate_private_key: PathBuf,
}

impl CitizenCaPaths {
    fn in_dir(dir: &Path) -> CitizenCaPaths {
        CitizenCaPaths {
            dir: dir.to_owned(),
            root_certificate_pem: dir.join(ROOT_CERT_PEM),
            root_certificate_der: dir.join(ROOT_CERT_DER),
            root_private_key: dir.join(ROOT_KEY),
            intermediate_certificate_pem: dir.join(INTERMEDIATE_CERT_PEM),
            intermediate_certificate_der: dir.join(INTERMEDIATE_CERT_DER),
            intermediate_private_key: dir.join(INTERMEDIATE_KEY),
        }
    }

    fn all(&self) -> [&PathBuf; 6] {
        [
            &self.root_certificate_pem,
            &self.root_certificate_der,
            &self.root_private_key,
            &self.intermediate_certificate_pem,
            &self.intermediate_certificate_der,
            &self.intermediate_private_key,
        ]
    }
}

/// Create a citizen CA in `dir` (created if missing), valid from 1 January
/// `first_year`. Refuses, before writing anything, if any of its files
/// already exists.
pub fn init<R: CryptoRng + ?Sized>(
    dir: &Path,
    rng: &mut R,
    first_year: u16,
) -> Result<CitizenCaPaths, PkiError> {
    let paths = CitizenCaPaths::in_dir(dir);
    if let Some(existing) = paths.all().into_iter().find(|p| p.exists()) {
        return Err(PkiError::AlreadyExists {
            path: existing.clone(),
        });
    }
    let generated = generate(rng, first_year)?;
    std::fs::create_dir_all(dir).map_err(|e| PkiError::io(dir, e))?;
    write_certificate(
        &paths.root_certificate_pem,
        &paths.root_certificate_der,
        &generated.ca.root,
    )?;
    write_private_key(&paths.root_private_key, &generated.root_key)?;
    write_certificate(
        &paths.intermediate_certificate_pem,
        &paths.intermediate_certificate_der,
        &generated.ca.intermediate,
    )?;
    write_private_key(&paths.intermediate_private_key, &generated.ca.key)?;
    Ok(paths)
}

/// Load the citizen CA in `dir`: the root and citizen CA certificates (PEM)
/// and the citizen CA's key. Checks that the key belongs to the citizen CA
/// certificate and that the root issued it. The root key is not read.
pub fn load(dir: &Path) -> Result<CitizenCa, PkiError> {
    let paths = CitizenCaPaths::in_dir(dir);
    let root = files::certificate(&paths.root_certificate_pem)?;
    let intermediate = files::certificate(&paths.intermediate_certificate_pem)?;
    let key = rsa_private_key(&paths.intermediate_private_key)?;
    let certified = intermediate.tbs_certificate().subject_public_key_info();
    if *certified != spki_of(&key, "citizen CA public key")? {
        return Err(PkiError::ChainBroken {
            reason: format!(
                "{}: private key does not belong to certificate '{}'",
                paths.intermediate_private_key.display(),
                cert::subject_of(&intermediate)
            ),
        });
    }
    cert::check_issued_by(&intermediate, &root).map_err(|reason| PkiError::ChainBroken {
        reason: format!("{}: {reason}", paths.intermediate_certificate_pem.display()),
    })?;
    Ok(CitizenCa {
        root,
        intermediate,
        key,
    })
}

fn rsa_private_key(path: &Path) -> Result<SigningKey<Sha256>, PkiError> {
    let bytes = files::read(path)?;
    let malformed = |reason: String| PkiError::MalformedFile {
        path: path.to_owned(),
        reason,
    };
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| malformed("key file is not UTF-8 PEM text".to_owned()))?;
    let key = rsa::PrivateKey::from_pkcs8_pem(text).map_err(|e| {
        malformed(format!(
            "not a PKCS#8 PEM RSA private key (PRIVATE KEY): {e}"
        ))
    })?;
    Ok(SigningKey::new(key))
}

fn write_certificate(pem_path: &Path, der_path: &Path, cert: &Certificate) -> Result<(), PkiError> {
    let der = cert
        .to_der()
        .map_err(|e| build_error("certificate DER", e))?;
    let pem = der::pem::encode_string("CERTIFICATE", LineEnding::LF, &der)
        .map_err(|e| build_error("certificate PEM", e))?;
    write_new(der_path, &der, false)?;
    write_new(pem_path, pem.as_bytes(), false)
}

fn write_private_key(path: &Path, key: &SigningKey<Sha256>) -> Result<(), PkiError> {
    let private: &rsa::PrivateKey = key.as_ref();
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| build_error("PKCS#8 private key", e))?;
    write_new(path, pem.as_bytes(), true)
}

/// Write a file that must not exist yet (`create_new`), flushed to disk.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), PkiError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_KEY_MODE);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            PkiError::AlreadyExists {
                path: path.to_owned(),
            }
        } else {
            PkiError::io(path, e)
        }
    })?;
    file.write_all(bytes).map_err(|e| PkiError::io(path, e))?;
    file.sync_all().map_err(|e| PkiError::io(path, e))
}
