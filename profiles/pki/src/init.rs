//! Creating and loading the test PKI: a Country Signing CA (CSCA) and one
//! Document Signer (DS), in the shape ICAO 9303-12 §7.1 gives them.
//!
//! Both keys are ECDSA over NIST P-384, certificates are signed with
//! ecdsa-with-SHA384 (RFC 5758). Layout on disk: docs/spec/test-pki.md.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use p384::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p384::elliptic_curve::Generate;
use rand::CryptoRng;
use x509_cert::Certificate;
use x509_cert::builder::Builder;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::PkiError;
use crate::cert;
use crate::cert_profile::{CertProfile, spki_of};
use crate::error::build_error;
use crate::files::{self, write_certificate, write_new, write_private_key};
use crate::manifest::{Entry, MANIFEST_FILE, MANIFEST_FORMAT, Manifest};

/// Subject of the test CSCA (RFC 4514 string: last RDN first).
pub const CSCA_SUBJECT: &str = "CN=neid Test CSCA,O=neid test,C=TW";
/// Subject of the test Document Signer.
pub const DS_SUBJECT: &str = "CN=neid Test Document Signer,O=neid test,C=TW";

const DAY: Duration = Duration::from_secs(24 * 60 * 60);
/// CSCA validity: 15 years (ICAO 9303-12 §7.1.1 suggests CSCA key usage
/// 3–5 years plus the longest document validity; 15 years covers it).
pub const CSCA_VALIDITY: Duration = Duration::from_secs(DAY.as_secs() * (15 * 365 + 4));
/// DS validity: 10 years (covers a 10-year document signed on day one).
pub const DS_VALIDITY: Duration = Duration::from_secs(DAY.as_secs() * (10 * 365 + 3));

/// `basicConstraints` pathLenConstraint of the CSCA: it signs end-entity
/// certificates (DS) only (ICAO 9303-12 §7.1.1.2).
const CSCA_PATH_LEN: u8 = 0;

const CSCA_CERT_PEM: &str = "csca.pem";
const CSCA_CERT_DER: &str = "csca.der";
const CSCA_KEY: &str = "csca-key.pem";
const DS_CERT_PEM: &str = "ds.pem";
const DS_CERT_DER: &str = "ds.der";
const DS_KEY: &str = "ds-key.pem";

/// The files `init` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiPaths {
    pub dir: PathBuf,
    pub manifest: PathBuf,
    pub csca_certificate_pem: PathBuf,
    pub csca_certificate_der: PathBuf,
    pub csca_private_key: PathBuf,
    pub ds_certificate_pem: PathBuf,
    pub ds_certificate_der: PathBuf,
    pub ds_private_key: PathBuf,
}

/// A document signer: its certificate and the matching P-384 private key.
/// Signs zone security objects (`sign_security_object`).
#[derive(Clone)]
pub struct DocumentSigner {
    certificate: Certificate,
    key: SigningKey,
}

impl std::fmt::Debug for DocumentSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key is never printed.
        f.debug_struct("DocumentSigner")
            .field("subject", &cert::subject_of(&self.certificate))
            .finish_non_exhaustive()
    }
}

impl DocumentSigner {
    /// Pair a certificate with its private key; refuses a key whose public
    /// half is not the certificate's subjectPublicKey.
    pub fn new(certificate: Certificate, key: SigningKey) -> Result<Self, PkiError> {
        let certified = cert::p384_key(certificate.tbs_certificate().subject_public_key_info())?;
        if certified != *key.verifying_key() {
            return Err(PkiError::ChainBroken {
                reason: format!(
                    "private key does not belong to certificate '{}'",
                    cert::subject_of(&certificate)
                ),
            });
        }
        Ok(DocumentSigner { certificate, key })
    }

    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    pub(crate) fn key(&self) -> &SigningKey {
        &self.key
    }
}

/// A loaded test PKI.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CSCA certificate: the trust anchor for this PKI's security objects.
    pub csca: Certificate,
    /// The document signer (certificate + key).
    pub document_signer: DocumentSigner,
}

/// Issue a certificate of `profile` (ICAO 9303-12 §7.1.1, Table 6), valid
/// from now for `validity`, signed ecdsa-with-SHA384 by `issuer_key`.
fn issue(
    profile: CertProfile,
    serial: SerialNumber,
    validity: Duration,
    subject_key: &VerifyingKey,
    issuer_key: &SigningKey,
    what: &'static str,
) -> Result<Certificate, PkiError> {
    let validity = Validity::from_now(validity).map_err(|e| build_error(what, e))?;
    profile
        .builder(serial, validity, spki_of(subject_key, what)?, what)?
        .build::<_, DerSignature>(issuer_key)
        .map_err(|e| build_error(what, e))
}

/// Keys and certificates of a fresh test PKI, before they are written.
struct Generated {
    csca: Certificate,
    csca_key: SigningKey,
    ds: Certificate,
    ds_key: SigningKey,
}

fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Generated, PkiError> {
    let csca_name = Name::from_str(CSCA_SUBJECT).map_err(|e| build_error("CSCA subject", e))?;
    let ds_name = Name::from_str(DS_SUBJECT).map_err(|e| build_error("DS subject", e))?;

    let csca_key = SigningKey::generate_from_rng(rng);
    let ds_key = SigningKey::generate_from_rng(rng);

    // The CSCA is self-signed (ICAO 9303-12 §7.1.1).
    let csca = issue(
        CertProfile::ca(csca_name.clone(), None, CSCA_PATH_LEN),
        SerialNumber::generate(rng),
        CSCA_VALIDITY,
        csca_key.verifying_key(),
        &csca_key,
        "CSCA certificate",
    )?;
    // The DS certificate has no basicConstraints (ICAO 9303-12 Table 6).
    let ds = issue(
        CertProfile {
            subject: ds_name,
            issuer: Some(csca_name),
            basic_constraints: None,
            key_usage: KeyUsage(KeyUsages::DigitalSignature.into()),
        },
        SerialNumber::generate(rng),
        DS_VALIDITY,
        ds_key.verifying_key(),
        &csca_key,
        "DS certificate",
    )?;
    Ok(Generated {
        csca,
        csca_key,
        ds,
        ds_key,
    })
}

impl TestPki {
    /// A fresh test PKI in memory only (for tests and throw-away emulator
    /// cards): same certificates as [`init`] makes, nothing written, the
    /// CSCA private key dropped.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<TestPki, PkiError> {
        let g = generate(rng)?;
        Ok(TestPki {
            csca: g.csca,
            document_signer: DocumentSigner::new(g.ds, g.ds_key)?,
        })
    }
}

/// Create a test PKI in `dir` (created if missing): CSCA and DS keys and
/// certificates plus `pki.toml`. Refuses, before writing anything, if any of
/// the files already exists.
pub fn init<R: CryptoRng + ?Sized>(dir: &Path, rng: &mut R) -> Result<PkiPaths, PkiError> {
    let paths = PkiPaths {
        dir: dir.to_path_buf(),
        manifest: dir.join(MANIFEST_FILE),
        csca_certificate_pem: dir.join(CSCA_CERT_PEM),
        csca_certificate_der: dir.join(CSCA_CERT_DER),
        csca_private_key: dir.join(CSCA_KEY),
        ds_certificate_pem: dir.join(DS_CERT_PEM),
        ds_certificate_der: dir.join(DS_CERT_DER),
        ds_private_key: dir.join(DS_KEY),
    };
    for path in [
        &paths.manifest,
        &paths.csca_certificate_pem,
        &paths.csca_certificate_der,
        &paths.csca_private_key,
        &paths.ds_certificate_pem,
        &paths.ds_certificate_der,
        &paths.ds_private_key,
    ] {
        if path.exists() {
            return Err(PkiError::AlreadyExists { path: path.clone() });
        }
    }

    let Generated {
        csca,
        csca_key,
        ds,
        ds_key,
    } = generate(rng)?;

    std::fs::create_dir_all(dir).map_err(|e| PkiError::io(dir, e))?;
    write_certificate(
        &paths.csca_certificate_pem,
        &paths.csca_certificate_der,
        &csca,
    )?;
    write_private_key(&paths.csca_private_key, &csca_key)?;
    write_certificate(&paths.ds_certificate_pem, &paths.ds_certificate_der, &ds)?;
    write_private_key(&paths.ds_private_key, &ds_key)?;

    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        csca: Entry {
            subject: cert::subject_of(&csca),
            certificate_pem: CSCA_CERT_PEM.into(),
            certificate_der: CSCA_CERT_DER.into(),
            private_key: CSCA_KEY.into(),
        },
        document_signer: Entry {
            subject: cert::subject_of(&ds),
            certificate_pem: DS_CERT_PEM.into(),
            certificate_der: DS_CERT_DER.into(),
            private_key: DS_KEY.into(),
        },
    };
    write_new(&paths.manifest, manifest.to_toml()?.as_bytes(), false)?;
    Ok(paths)
}

/// Load the test PKI in `dir` through its manifest; checks that the DS key
/// matches the DS certificate and that the CSCA issued the DS certificate.
pub fn load(dir: &Path) -> Result<TestPki, PkiError> {
    let manifest = Manifest::read(dir)?;
    let csca = files::certificate(&dir.join(&manifest.csca.certificate_pem))?;
    let ds_path = dir.join(&manifest.document_signer.certificate_pem);
    let ds_cert = files::certificate(&ds_path)?;
    let ds_key = files::p384_private_key(&dir.join(&manifest.document_signer.private_key))?;
    cert::check_issued_by(&ds_cert, &csca).map_err(|reason| PkiError::ChainBroken {
        reason: format!("{}: {reason}", ds_path.display()),
    })?;
    Ok(TestPki {
        csca,
        document_signer: DocumentSigner::new(ds_cert, ds_key)?,
    })
}

/// The CSCA certificate named by the manifest in `dir`.
pub(crate) fn manifest_csca(dir: &Path) -> Result<Certificate, PkiError> {
    let manifest = Manifest::read(dir)?;
    files::certificate(&dir.join(&manifest.csca.certificate_pem))
}
