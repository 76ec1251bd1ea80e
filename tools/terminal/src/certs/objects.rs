//! What `CertificateZone::read_objects` returns: the token, its keys (with
//! their public keys) and certificates, and the views middleware needs of
//! them (PKCS#11 v2.40 §4.8 `CKA_MODULUS` / `CKA_EC_POINT`, §4.6
//! `CKA_SUBJECT` / `CKA_ISSUER` / `CKA_SERIAL_NUMBER`).

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use super::mechanism::{KeyAlgorithm, KeySlot};
use crate::tlv;

/// rsaEncryption (RFC 8017 Appendix A.1).
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480 §2.1.1).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp384r1 (RFC 5480 §2.1.1.1).
pub const OID_SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const TAG_SEQUENCE: u32 = 0x30;
const TAG_INTEGER: u32 = 0x02;
/// RSA-2048 modulus length in bytes.
const RSA_2048_MODULUS_LEN: usize = 256;
/// Uncompressed P-384 point `04 ‖ X ‖ Y`.
const P384_POINT_LEN: usize = 97;
const UNCOMPRESSED_POINT: u8 = 0x04;

/// A key pair of the card, as EF.PrKDF / EF.PuKDF and its public key EF show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyObject {
    pub slot: KeySlot,
    /// PrKDF label, e.g. "Signature and authentication key".
    pub label: String,
    /// PKCS#15 iD (the key reference, one byte); the user certificate has the same.
    pub id: Vec<u8>,
    pub algorithm: KeyAlgorithm,
    /// DER SubjectPublicKeyInfo from the public key EF (`4421`–`4425`).
    pub spki_der: Vec<u8>,
}

/// An X.509 certificate of EF.CDF with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateObject {
    /// The EF it was read from (`4431`–`4436`).
    pub fid: u16,
    pub label: String,
    /// User certificates: the key's iD; root `11`, intermediate `12`.
    pub id: Vec<u8>,
    /// TRUE for the root and the intermediate CA certificates.
    pub authority: bool,
    pub der: Vec<u8>,
}

/// Everything `read_objects` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenObjects {
    /// TokenInfo serialNumber: the card number.
    pub serial: String,
    /// TokenInfo label ("Taiwan New eID").
    pub label: String,
    /// PIN2 length limits from the AODF PinAttributes.
    pub pin2_min: usize,
    pub pin2_max: usize,
    /// Generated keys, in PrKDF order.
    pub keys: Vec<KeyObject>,
    /// Present certificates, in CDF order.
    pub certificates: Vec<CertificateObject>,
}

impl TokenObjects {
    pub fn key(&self, slot: KeySlot) -> Option<&KeyObject> {
        self.keys.iter().find(|k| k.slot == slot)
    }

    /// The user certificate of a key: same iD, not an authority.
    pub fn certificate_of(&self, key: &KeyObject) -> Option<&CertificateObject> {
        self.certificates.iter().find(|c| !c.authority && c.id == key.id)
    }
}

/// A public key in the pieces PKCS#11 attributes carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyValue {
    /// Big-endian magnitudes without leading zeros.
    Rsa { modulus: Vec<u8>, public_exponent: Vec<u8> },
    /// `curve` is the DER of the namedCurve OID (`06 05 2B81040022`), the
    /// value of `CKA_EC_PARAMS`; `point` the uncompressed point (97 bytes).
    Ec { curve: Vec<u8>, point: Vec<u8> },
}

fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len().saturating_sub(1));
    bytes[start..].to_vec()
}

/// Decode a DER SubjectPublicKeyInfo of the zone: RSA-2048 (rsaEncryption,
/// RSAPublicKey, RFC 8017 A.1.1) or P-384 (id-ecPublicKey, secp384r1,
/// uncompressed point; RFC 5480).
pub fn decode_spki(spki_der: &[u8]) -> Result<(KeyAlgorithm, PublicKeyValue), String> {
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der).map_err(|e| format!("not a SubjectPublicKeyInfo: {e}"))?;
    let key = spki.subject_public_key.as_bytes().ok_or("subjectPublicKey has unused bits")?;
    if spki.algorithm.oid == OID_RSA_ENCRYPTION {
        let (sequence, rest) = tlv::parse_one(key).map_err(|e| format!("RSAPublicKey: {e}"))?;
        let fields = tlv::parse_all(sequence.value).map_err(|e| format!("RSAPublicKey: {e}"))?;
        let [n, e] = fields.as_slice() else {
            return Err("RSAPublicKey: expected SEQUENCE { modulus, publicExponent }".into());
        };
        if sequence.tag != TAG_SEQUENCE || n.tag != TAG_INTEGER || e.tag != TAG_INTEGER || !rest.is_empty() {
            return Err("RSAPublicKey: expected SEQUENCE { INTEGER, INTEGER }".into());
        }
        let modulus = strip_leading_zeros(n.value);
        if modulus.len() != RSA_2048_MODULUS_LEN {
            return Err(format!("RSA modulus of {} bits; the zone holds RSA-2048 keys", modulus.len() * 8));
        }
        let value = PublicKeyValue::Rsa { modulus, public_exponent: strip_leading_zeros(e.value) };
        return Ok((KeyAlgorithm::Rsa2048, value));
    }
    if spki.algorithm.oid != OID_EC_PUBLIC_KEY {
        return Err(format!("public key algorithm {} is neither rsaEncryption nor id-ecPublicKey", spki.algorithm.oid));
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or("EC parameters are not a named curve")?;
    if curve != OID_SECP384R1 {
        return Err(format!("curve {curve}; the zone holds P-384 (secp384r1) keys"));
    }
    if key.len() != P384_POINT_LEN || key[0] != UNCOMPRESSED_POINT {
        return Err("EC public key is not an uncompressed P-384 point (97 bytes, 04 ‖ X ‖ Y)".into());
    }
    let curve = curve.to_der().map_err(|e| format!("curve OID: {e}"))?;
    Ok((KeyAlgorithm::EcP384, PublicKeyValue::Ec { curve, point: key.to_vec() }))
}

impl KeyObject {
    /// The public key's parts (modulus and exponent, or curve and point).
    pub fn public_key(&self) -> Result<PublicKeyValue, String> {
        decode_spki(&self.spki_der).map(|(_, value)| value)
    }
}

/// The fields of a certificate that people and PKCS#11 look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDetails {
    /// RFC 4514-style strings, e.g. `CN=WANG HSIAO-MING,serialNumber=6789,C=TW`.
    pub subject: String,
    pub issuer: String,
    /// The serial number as upper-case hex.
    pub serial_hex: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_before: String,
    pub not_after: String,
    /// DER of the subject and issuer Names (`CKA_SUBJECT`, `CKA_ISSUER`).
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    /// DER of the serial number INTEGER (`CKA_SERIAL_NUMBER`).
    pub serial_der: Vec<u8>,
    /// The certificate's SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
}

impl CertificateObject {
    /// Decode the certificate (X.509, RFC 5280).
    pub fn details(&self) -> Result<CertificateDetails, String> {
        let certificate = Certificate::from_der(&self.der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
        let tbs = certificate.tbs_certificate();
        let encode = |what: &str, result: der::Result<Vec<u8>>| result.map_err(|e| format!("{what}: {e}"));
        Ok(CertificateDetails {
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial_hex: hex::encode_upper(tbs.serial_number().as_bytes()),
            not_before: tbs.validity().not_before.to_date_time().to_string(),
            not_after: tbs.validity().not_after.to_date_time().to_string(),
            subject_der: encode("subject", tbs.subject().to_der())?,
            issuer_der: encode("issuer", tbs.issuer().to_der())?,
            serial_der: encode("serialNumber", tbs.serial_number().to_der())?,
            spki_der: encode("subjectPublicKeyInfo", tbs.subject_public_key_info().to_der())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::tests::{P384_G, p384_spki, rsa_spki};

    #[test]
    fn ec_spki_gives_curve_and_point() {
        let point = hex::decode(P384_G).unwrap();
        let (algorithm, value) = decode_spki(&p384_spki(&point)).unwrap();
        assert_eq!(algorithm, KeyAlgorithm::EcP384);
        assert_eq!(value, PublicKeyValue::Ec { curve: hex::decode("06052B81040022").unwrap(), point });
    }

    #[test]
    fn rsa_spki_gives_modulus_and_exponent() {
        let mut modulus = vec![0xC5; RSA_2048_MODULUS_LEN];
        modulus[255] = 0x01;
        let (alg, value) = decode_spki(&rsa_spki(&modulus)).unwrap();
        assert_eq!(alg, KeyAlgorithm::Rsa2048);
        assert_eq!(value, PublicKeyValue::Rsa { modulus, public_exponent: vec![0x01, 0x00, 0x01] });
        assert!(decode_spki(&rsa_spki(&[0xC5; 128])).unwrap_err().contains("1024 bits"));
    }

    #[test]
    fn other_curves_and_garbage_are_refused() {
        let mut p256 = hex::decode("3059301306072A8648CE3D020106082A8648CE3D030107034200").unwrap();
        p256.extend([0x04; 65]);
        assert!(decode_spki(&p256).unwrap_err().contains("P-384"));
        assert!(decode_spki(&[0x30, 0x03, 0x02, 0x01]).unwrap_err().starts_with("not a SubjectPublicKeyInfo"));
    }
}
