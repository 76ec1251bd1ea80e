//! The citizen CA on disk (docs/spec/test-pki.md §Citizen CA): fixed file
//! names in one directory, certificates as PEM (RFC 7468 `CERTIFICATE`) and
//! DER, private keys as unencrypted PKCS#8 PEM (RFC 5208, `PRIVATE KEY`).

use std::path::{Path, PathBuf};

use rand::CryptoRng;
use rsa::pkcs1v15::SigningKey;
use sha2::Sha256;

use super::CitizenCa;
use super::generate::{generate, rsa_spki_of};
use crate::files::{self, write_certificate, write_private_key};
use crate::{PkiError, cert};

pub const ROOT_CERT_PEM: &str = "root.pem";
pub const ROOT_CERT_DER: &str = "root.der";
pub const ROOT_KEY: &str = "root-key.pem";
pub const INTERMEDIATE_CERT_PEM: &str = "citizen-ca.pem";
pub const INTERMEDIATE_CERT_DER: &str = "citizen-ca.der";
pub const INTERMEDIATE_KEY: &str = "citizen-ca-key.pem";

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
    let key: SigningKey<Sha256> = files::private_key(&paths.intermediate_private_key, "RSA")?;
    let certified = intermediate.tbs_certificate().subject_public_key_info();
    if *certified != rsa_spki_of(&key, "citizen CA public key")? {
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
