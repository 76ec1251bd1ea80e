//! User certificates of the citizen CA (docs/spec/certificate-zone.md
//! §Issuance): X.509 v3 over a key generated on the card, subject from the
//! holder, serial number and validity fixed by the spec, keyUsage per key.

use der::asn1::{Any, ObjectIdentifier, UintRef};
use der::{Decode, Encode, Tag};
use profiles::{CertificatePeriod, Date};
use rand::CryptoRng;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::CitizenCa;
use super::generate::{RSA_MODULUS_BITS, sign};
use crate::PkiError;
use crate::cert_profile::{CertProfile, NOT_CRITICAL, spki_of};
use crate::error::build_error;

/// X.520 attribute types of the subject (RFC 4519 §2).
const ID_AT_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const ID_AT_SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const ID_AT_COUNTRY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
/// The issuing state (ISO 3166-1 alpha-2).
const COUNTRY: &str = "TW";
/// The subject's serialNumber: the last digits of the ID number.
const ID_DIGITS_IN_SUBJECT: usize = 4;
/// Serial numbers: SHA-256 truncated to 16 bytes, top bit cleared (a
/// positive INTEGER, RFC 5280 §4.1.2.2).
pub const SERIAL_LEN: usize = 16;
const SERIAL_TOP_BIT: u8 = 0x80;
/// RSA keys on the card have a 2048-bit modulus, as the CA's; EC keys are
/// P-384 points, uncompressed (SEC 1 §2.3.3: `04 ‖ X ‖ Y`).
const RSA_MODULUS_BYTES: usize = RSA_MODULUS_BITS / 8;
const SEC1_UNCOMPRESSED: u8 = 0x04;
const P384_UNCOMPRESSED_LEN: usize = 97;

/// A card key that the issuer certifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertifiedKey {
    /// Key `01`, RSA-2048: signature (CDS) and client authentication.
    SignatureAuthentication,
    /// Key `02`, RSA-2048: decipherment and key transport.
    Encipherment,
    /// Key `03`, ECC P-384: signature, authentication, key agreement.
    Ecc1,
}

impl CertifiedKey {
    /// The keys `neid issue certs` certifies, in key reference order.
    pub const ALL: [CertifiedKey; 3] = [
        CertifiedKey::SignatureAuthentication,
        CertifiedKey::Encipherment,
        CertifiedKey::Ecc1,
    ];

    /// The key reference on the card (P2 of GENERATE ASYMMETRIC KEY PAIR).
    pub fn key_ref(self) -> u8 {
        match self {
            CertifiedKey::SignatureAuthentication => 0x01,
            CertifiedKey::Encipherment => 0x02,
            CertifiedKey::Ecc1 => 0x03,
        }
    }

    /// keyUsage of its certificate (RFC 5280 §4.2.1.3), per the spec's table.
    pub fn key_usage(self) -> KeyUsage {
        KeyUsage(match self {
            CertifiedKey::SignatureAuthentication => {
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
            }
            CertifiedKey::Encipherment => KeyUsages::KeyEncipherment | KeyUsages::DataEncipherment,
            CertifiedKey::Ecc1 => KeyUsages::DigitalSignature | KeyUsages::KeyAgreement,
        })
    }

    /// For messages: "key 01".
    pub fn label(self) -> String {
        format!("key {:02X}", self.key_ref())
    }
}

/// The holder data a user certificate carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// `SURNAME, GIVEN-NAMES`: the subject's commonName.
    pub name_en: String,
    /// The ID number; its last 4 digits are the subject's serialNumber.
    pub id_number: String,
    /// The card number: part of the certificate serial number.
    pub card_number: String,
}

impl From<&profiles::Holder> for Holder {
    fn from(holder: &profiles::Holder) -> Holder {
        Holder {
            name_en: holder.name_en.clone(),
            id_number: holder.id_number.clone(),
            card_number: holder.card_number.clone(),
        }
    }
}

/// One user certificate to issue.
#[derive(Clone, Debug)]
pub struct UserCertificate<'a> {
    pub holder: &'a Holder,
    pub key: CertifiedKey,
    /// The card's public key, as the card answered it.
    pub public_key: SubjectPublicKeyInfoOwned,
    /// First or second certificate period (`profiles::certificate_periods`).
    pub period: CertificatePeriod,
}

/// The serial number of a user certificate: SHA-256(card number (ASCII) ‖
/// key reference (1 byte) ‖ notBefore as `YYYYMMDD` (ASCII)), the first 16
/// bytes, top bit cleared.
pub fn certificate_serial(card_number: &str, key_ref: u8, not_before: Date) -> [u8; SERIAL_LEN] {
    let digest = Sha256::new()
        .chain_update(card_number.as_bytes())
        .chain_update([key_ref])
        .chain_update(not_before.to_compact().as_bytes())
        .finalize();
    let mut serial = [0u8; SERIAL_LEN];
    serial.copy_from_slice(&digest[..SERIAL_LEN]);
    serial[0] &= !SERIAL_TOP_BIT;
    serial
}

/// notBefore = first day 00:00:00 UTC, notAfter = last day 23:59:59 UTC.
pub fn period_validity(period: CertificatePeriod) -> Result<Validity, PkiError> {
    let at = |date: Date, h, m, s| {
        der::DateTime::new(date.year(), date.month(), date.day(), h, m, s)
            .map(Time::from)
            .map_err(|e| build_error("certificate validity", e))
    };
    Ok(Validity::new(
        at(period.not_before, 0, 0, 0)?,
        at(period.not_after, 23, 59, 59)?,
    ))
}

/// The SubjectPublicKeyInfo of an RSA key from its modulus and public
/// exponent (big-endian, as in DO `7F49 {81, 82}`): rsaEncryption with an
/// RSAPublicKey (RFC 8017 A.1.1, RFC 3279 §2.3.1). The modulus must be
/// 2048 bits.
pub fn rsa_spki(modulus: &[u8], exponent: &[u8]) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
    let invalid = |reason: String| PkiError::malformed(format!("RSA public key: {reason}"));
    let key = rsa::pkcs1::RsaPublicKey {
        modulus: UintRef::new(modulus).map_err(|e| invalid(e.to_string()))?,
        public_exponent: UintRef::new(exponent).map_err(|e| invalid(e.to_string()))?,
    };
    let key = rsa::PublicKey::try_from(key).map_err(|e| invalid(e.to_string()))?;
    if key.size() != RSA_MODULUS_BYTES {
        return Err(invalid(format!(
            "modulus of {} bytes, expected {RSA_MODULUS_BYTES} (RSA-2048)",
            key.size()
        )));
    }
    spki_of(&key, "SubjectPublicKeyInfo")
}

/// The SubjectPublicKeyInfo of a P-384 key from its uncompressed point
/// (`04 ‖ X ‖ Y`, DO `7F49 {86}`): id-ecPublicKey, namedCurve secp384r1
/// (RFC 5480 §2). The point must lie on the curve.
pub fn p384_spki(point: &[u8]) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
    if point.len() != P384_UNCOMPRESSED_LEN || point.first() != Some(&SEC1_UNCOMPRESSED) {
        return Err(PkiError::malformed(format!(
            "P-384 public key: expected an uncompressed point of {P384_UNCOMPRESSED_LEN} bytes, got {}",
            point.len()
        )));
    }
    let key = p384::PublicKey::from_sec1_bytes(point)
        .map_err(|_| PkiError::malformed("P-384 public key: not a point on the curve"))?;
    spki_of(&key, "SubjectPublicKeyInfo")
}

/// `C = TW, serialNumber = <last 4 digits of the ID number>, CN = <name_en>`
/// in DER order (RFC 4514 form: `CN=…,serialNumber=…,C=TW`). Country and
/// serialNumber are PrintableString, the name UTF8String (RFC 5280 §4.1.2.6,
/// Appendix A.1).
fn subject_name(holder: &Holder) -> Result<Name, PkiError> {
    let id = holder.id_number.as_str();
    let digits = id
        .get(id.len().saturating_sub(ID_DIGITS_IN_SUBJECT)..)
        .filter(|d| d.len() == ID_DIGITS_IN_SUBJECT && d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| PkiError::InvalidFields {
            reason: format!(
                "holder.id_number {id:?} does not end in {ID_DIGITS_IN_SUBJECT} digits"
            ),
        })?;
    if holder.name_en.trim().is_empty() {
        return Err(PkiError::InvalidFields {
            reason: "holder.name_en is empty".to_owned(),
        });
    }
    let attribute = |oid, tag, value: &str| -> Result<RelativeDistinguishedName, PkiError> {
        let value = Any::new(tag, value.as_bytes()).map_err(|e| build_error("subject", e))?;
        RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid, value }])
            .map_err(|e| build_error("subject", e))
    };
    let mut rdns = RdnSequence::default();
    rdns.push(attribute(
        ID_AT_COUNTRY_NAME,
        Tag::PrintableString,
        COUNTRY,
    )?);
    rdns.push(attribute(
        ID_AT_SERIAL_NUMBER,
        Tag::PrintableString,
        digits,
    )?);
    rdns.push(attribute(
        ID_AT_COMMON_NAME,
        Tag::Utf8String,
        &holder.name_en,
    )?);
    let der = rdns.to_der().map_err(|e| build_error("subject", e))?;
    Name::from_der(&der).map_err(|e| build_error("subject", e))
}

/// Checks what a user certificate takes from the holder and the period —
/// the subject (`name_en`, the ID number's last digits) and the validity —
/// without a key: issuance runs it before the card changes, so
/// [`CitizenCa::issue`] cannot then fail on them.
pub fn check_user_fields(holder: &Holder, period: CertificatePeriod) -> Result<(), PkiError> {
    subject_name(holder)?;
    period_validity(period)?;
    Ok(())
}

impl CitizenCa {
    /// Issue the user certificate `request` with the citizen CA's key
    /// (sha256WithRSAEncryption). `rng` only blinds the RSA operation: the
    /// certificate is a function of the request.
    pub fn issue<R: CryptoRng + ?Sized>(
        &self,
        request: &UserCertificate<'_>,
        rng: &mut R,
    ) -> Result<Certificate, PkiError> {
        let what = "user certificate";
        let serial = certificate_serial(
            &request.holder.card_number,
            request.key.key_ref(),
            request.period.not_before,
        );
        // basicConstraints cA FALSE, not critical; keyUsage critical
        // (certificate-zone.md §Issuance).
        let profile = CertProfile {
            subject: subject_name(request.holder)?,
            issuer: Some(self.intermediate.tbs_certificate().subject().clone()),
            basic_constraints: Some((
                NOT_CRITICAL,
                BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )),
            key_usage: request.key.key_usage(),
        };
        let builder = profile.builder(
            SerialNumber::new(&serial).map_err(|e| build_error(what, e))?,
            period_validity(request.period)?,
            request.public_key.clone(),
            what,
        )?;
        sign(builder, &self.key, rng, what)
    }
}
