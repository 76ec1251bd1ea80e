//! Generating the citizen CA: an RSA-2048 root, self-signed, and the
//! RSA-2048 intermediate "citizen CA" it certifies (RFC 5280 §4.2.1.9:
//! the root allows one CA below it, the citizen CA none).

use std::str::FromStr;

use rand::CryptoRng;
use rsa::pkcs1v15::{Signature, SigningKey};
use rsa::signature::Keypair;
use sha2::Sha256;
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::CitizenCa;
use crate::PkiError;
use crate::cert_profile::{CertProfile, spki_of};
use crate::error::build_error;

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

/// A freshly generated citizen CA, with the root's private key (which
/// [`super::init`] writes and the issuer does not need).
pub(crate) struct Generated {
    pub ca: CitizenCa,
    pub root_key: SigningKey<Sha256>,
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

/// A fresh RSA key of [`RSA_MODULUS_BITS`] that signs with
/// RSASSA-PKCS1-v1_5 and SHA-256.
fn rsa_key<R: CryptoRng + ?Sized>(
    rng: &mut R,
    what: &'static str,
) -> Result<SigningKey<Sha256>, PkiError> {
    SigningKey::<Sha256>::random(rng, RSA_MODULUS_BITS).map_err(|e| build_error(what, e))
}

/// The SubjectPublicKeyInfo of an RSA signing key (rsaEncryption, RFC 3279 §2.3.1).
pub(crate) fn rsa_spki_of(
    key: &SigningKey<Sha256>,
    what: &'static str,
) -> Result<spki::SubjectPublicKeyInfoOwned, PkiError> {
    spki_of(&key.verifying_key(), what)
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
    let root_key = rsa_key(rng, "root CA key")?;
    let ca_key = rsa_key(rng, "citizen CA key")?;

    let what = "root CA certificate";
    let builder = CertProfile::ca(root_name.clone(), None, ROOT_PATH_LEN).builder(
        SerialNumber::generate(rng),
        calendar_years(first_year, ROOT_VALIDITY_YEARS, what)?,
        rsa_spki_of(&root_key, what)?,
        what,
    )?;
    let root = sign(builder, &root_key, rng, what)?;

    let what = "citizen CA certificate";
    let builder = CertProfile::ca(ca_name, Some(root_name), INTERMEDIATE_PATH_LEN).builder(
        SerialNumber::generate(rng),
        calendar_years(first_year, INTERMEDIATE_VALIDITY_YEARS, what)?,
        rsa_spki_of(&ca_key, what)?,
        what,
    )?;
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
