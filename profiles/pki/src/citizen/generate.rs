//! Generating the citizen CA: an RSA-2048 root, self-signed, and the
//! RSA-2048 intermediate "citizen CA" it certifies (RFC 5280 §4.2.1.9:
//! the root allows one CA below it, the citizen CA none).

use std::str::FromStr;

use rand::CryptoRng;
use rsa::pkcs1v15::{Signature, SigningKey};
use rsa::signature::Keypair;
use sha2::Sha256;
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::CitizenCa;
use crate::PkiError;

/// Subject of the citizen root CA (RFC 4514 string: last RDN first).
pub const ROOT_SUBJECT: &str = "CN=neid Test Citizen Root CA,O=neid test,C=TW";
/// Subject of the intermediate citizen CA, issuer of user certificates.
pub const INTERMEDIATE_SUBJECT: &str = "CN=neid Test Citizen CA,O=neid test,C=TW";
/// Both CA keys are RSA with a 2048-bit modulus.
pub const RSA_MODULUS_BITS: usize = 2048;
/// The root is valid from 1 January of its first year for 25 calendar
/// years, the citizen CA for 20: a certificate of the second period ends
/// at most 10 years after a card's issue date.
pub const ROOT_VALIDITY_YEARS: u16 = 25;
pub const INTERMEDIATE_VALIDITY_YEARS: u16 = 20;

/// pathLenConstraint (RFC 5280 §4.2.1.9): one CA below the root, none below
/// the citizen CA.
const ROOT_PATH_LEN: u8 = 1;
const INTERMEDIATE_PATH_LEN: u8 = 0;
/// keyUsage and basicConstraints of a CA are critical (RFC 5280 §4.2.1.3,
/// §4.2.1.9).
const CRITICAL: bool = true;

/// A freshly generated citizen CA, with the root's private key (which
/// [`super::init`] writes and the issuer does not need).
pub(crate) struct Generated {
    pub ca: CitizenCa,
    pub root_key: SigningKey<Sha256>,
}

/// Profile of a CA certificate: the root (self-issued) or the citizen CA.
struct CaProfile {
    subject: Name,
    /// `None`: self-issued.
    issuer: Option<Name>,
    path_len: u8,
}

impl BuilderProfile for CaProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        // RFC 5280 §4.2.1.2 method 1 (SHA-1 of the key), for both identifiers.
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(SubjectKeyIdentifier::try_from(issuer_spk)?.0),
            ..Default::default()
        };
        let bc = BasicConstraints {
            ca: true,
            path_len_constraint: Some(self.path_len),
        };
        let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        let subject = tbs.subject();
        Ok(vec![
            (false, &aki).to_extension(subject, &[])?,
            (false, &ski).to_extension(subject, &[])?,
            (CRITICAL, &bc).to_extension(subject, &[])?,
            (CRITICAL, &ku).to_extension(subject, &[])?,
        ])
    }
}

pub(crate) fn build_error(what: &'static str, e: impl std::fmt::Display) -> PkiError {
    PkiError::Build {
        what,
        reason: e.to_string(),
    }
}

/// 1 January of `first_year`, 00:00:00 UTC, to 31 December `years` later
/// minus one year, 23:59:59 UTC: `years` calendar years.
fn calendar_years(first_year: u16, years: u16, what: &'static str) -> Result<Validity, PkiError> {
    let last_year = first_year
        .checked_add(years - 1)
        .ok_or_else(|| build_error(what, "validity past year 65535"))?;
    let from = der::DateTime::new(first_year, 1, 1, 0, 0, 0).map_err(|e| build_error(what, e))?;
    let to = der::DateTime::new(last_year, 12, 31, 23, 59, 59).map_err(|e| build_error(what, e))?;
    Ok(Validity::new(Time::from(from), Time::from(to)))
}

pub(crate) fn spki_of(
    key: &SigningKey<Sha256>,
    what: &'static str,
) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
    SubjectPublicKeyInfoOwned::from_key(&key.verifying_key()).map_err(|e| build_error(what, e))
}

/// Sign `builder` with `signer` (RSASSA-PKCS1-v1_5 with SHA-256; `rng`
/// blinds the private-key operation, the signature is deterministic).
pub(crate) fn sign<P: BuilderProfile, R: CryptoRng + ?Sized>(
    builder: CertificateBuilder<P>,
    signer: &SigningKey<Sha256>,
    rng: &mut R,
    what: &'static str,
) -> Result<Certificate, PkiError> {
    builder
        .build_with_rng::<_, Signature, _>(signer, rng)
        .map_err(|e| build_error(what, e))
}

pub(crate) fn generate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    first_year: u16,
) -> Result<Generated, PkiError> {
    let root_name = Name::from_str(ROOT_SUBJECT).map_err(|e| build_error("root CA subject", e))?;
    let ca_name =
        Name::from_str(INTERMEDIATE_SUBJECT).map_err(|e| build_error("citizen CA subject", e))?;
    let root_key = SigningKey::<Sha256>::random(rng, RSA_MODULUS_BITS)
        .map_err(|e| build_error("root CA key", e))?;
    let ca_key = SigningKey::<Sha256>::random(rng, RSA_MODULUS_BITS)
        .map_err(|e| build_error("citizen CA key", e))?;

    let what = "root CA certificate";
    let builder = CertificateBuilder::new(
        CaProfile {
            subject: root_name.clone(),
            issuer: None,
            path_len: ROOT_PATH_LEN,
        },
        SerialNumber::generate(rng),
        calendar_years(first_year, ROOT_VALIDITY_YEARS, what)?,
        spki_of(&root_key, what)?,
    )
    .map_err(|e| build_error(what, e))?;
    let root = sign(builder, &root_key, rng, what)?;

    let what = "citizen CA certificate";
    let builder = CertificateBuilder::new(
        CaProfile {
            subject: ca_name,
            issuer: Some(root_name),
            path_len: INTERMEDIATE_PATH_LEN,
        },
        SerialNumber::generate(rng),
        calendar_years(first_year, INTERMEDIATE_VALIDITY_YEARS, what)?,
        spki_of(&ca_key, what)?,
    )
    .map_err(|e| build_error(what, e))?;
    let intermediate = sign(builder, &root_key, rng, what)?;

    Ok(Generated {
        ca: CitizenCa {
            root,
            intermediate,
            key: ca_key,
        },
        root_key,
    })
}

impl CitizenCa {
    /// A fresh citizen CA in memory (nothing written), valid from
    /// 1 January `first_year`; the root's private key is dropped.
    pub fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        first_year: u16,
    ) -> Result<CitizenCa, PkiError> {
        Ok(generate(rng, first_year)?.ca)
    }
}
