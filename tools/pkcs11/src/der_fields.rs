//! The DER pieces PKCS#11 attributes expose: certificate subject, issuer and
//! serial number (byte for byte as in the certificate, PKCS#11 v2.40 §4.6.3),
//! and the parts of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): RSA modulus
//! and exponent (RFC 8017 A.1.1), EC named curve and point (RFC 5480 §2).

use der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber, Tagged};
use spki::SubjectPublicKeyInfoRef;
use thiserror::Error;

/// rsaEncryption (RFC 8017 A.1).
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480 §2.1.1).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// The tag of the explicit `version [0]` of a TBSCertificate (RFC 5280 §4.1).
const TBS_VERSION_TAG: Tag = Tag::ContextSpecific { constructed: true, number: TagNumber(0) };
/// SEC 1 §2.3.3: an uncompressed point starts with `04`.
const UNCOMPRESSED_POINT: u8 = 0x04;

#[derive(Debug, Error)]
pub enum DerError {
    #[error("malformed DER: {0}")]
    Der(#[from] der::Error),
    #[error("unsupported public key algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("EC public key is not an uncompressed point on a named curve")]
    UnsupportedEcKey,
}

/// The certificate fields PKCS#11 exposes as attributes, each a complete TLV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateFields {
    pub serial_number: Vec<u8>,
    pub issuer: Vec<u8>,
    pub subject: Vec<u8>,
    pub subject_public_key_info: Vec<u8>,
}

/// Walks Certificate → TBSCertificate (RFC 5280 §4.1) without re-encoding.
pub fn certificate_fields(certificate: &[u8]) -> Result<CertificateFields, DerError> {
    let mut reader = SliceReader::new(certificate)?;
    let fields = reader.sequence(|cert| {
        let fields = cert.sequence(|tbs| {
            if Tag::peek(tbs)? == TBS_VERSION_TAG {
                tbs.tlv_bytes()?;
            }
            let serial_number = expect_tlv(tbs, Tag::Integer)?;
            let _signature = expect_tlv(tbs, Tag::Sequence)?;
            let issuer = expect_tlv(tbs, Tag::Sequence)?;
            let _validity = expect_tlv(tbs, Tag::Sequence)?;
            let subject = expect_tlv(tbs, Tag::Sequence)?;
            let subject_public_key_info = expect_tlv(tbs, Tag::Sequence)?;
            skip_rest(tbs)?;
            Ok::<_, der::Error>(CertificateFields {
                serial_number: serial_number.to_vec(),
                issuer: issuer.to_vec(),
                subject: subject.to_vec(),
                subject_public_key_info: subject_public_key_info.to_vec(),
            })
        })?;
        skip_rest(cert)?;
        Ok::<_, der::Error>(fields)
    })?;
    reader.finish()?;
    Ok(fields)
}

fn expect_tlv<'a>(reader: &mut SliceReader<'a>, tag: Tag) -> der::Result<&'a [u8]> {
    Tag::peek(reader)?.assert_eq(tag)?;
    reader.tlv_bytes()
}

fn skip_rest(reader: &mut SliceReader<'_>) -> der::Result<()> {
    while !reader.is_finished() {
        reader.tlv_bytes()?;
    }
    Ok(())
}

/// A public key as PKCS#11 attributes want it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// CKA_MODULUS / CKA_PUBLIC_EXPONENT: big-endian, no leading zero.
    Rsa { modulus: Vec<u8>, public_exponent: Vec<u8> },
    /// CKA_EC_PARAMS: the DER OID of the named curve; `point`: `04‖X‖Y`.
    Ec { params: Vec<u8>, point: Vec<u8> },
}

impl PublicKey {
    /// RSA: modulus bits; EC: field bits (from the point length).
    pub fn bits(&self) -> usize {
        match self {
            Self::Rsa { modulus, .. } => {
                let leading = modulus.first().map_or(0, |b| b.leading_zeros() as usize);
                modulus.len() * 8 - leading
            }
            Self::Ec { point, .. } => point.len().saturating_sub(1) / 2 * 8,
        }
    }

    /// Signature length in bytes: RSA k, ECDSA r‖s.
    pub fn signature_len(&self) -> usize {
        match self {
            Self::Rsa { modulus, .. } => modulus.len(),
            Self::Ec { point, .. } => point.len().saturating_sub(1),
        }
    }

    /// CKA_EC_POINT: the point as a DER OCTET STRING (PKCS#11 v2.40 §2.3.3).
    pub fn ec_point_der(&self) -> Option<Vec<u8>> {
        match self {
            Self::Ec { point, .. } => OctetStringRef::new(point).ok()?.to_der().ok(),
            Self::Rsa { .. } => None,
        }
    }
}

/// Splits a DER SubjectPublicKeyInfo.
pub fn public_key(spki_der: &[u8]) -> Result<PublicKey, DerError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)?;
    let key_bits =
        spki.subject_public_key.as_bytes().ok_or(der::Error::from(der::ErrorKind::Value { tag: Tag::BitString }))?;
    if spki.algorithm.oid == OID_RSA_ENCRYPTION {
        let mut reader = SliceReader::new(key_bits)?;
        let (modulus, public_exponent) = reader.sequence(|seq| {
            let n = UintRef::decode(seq)?;
            let e = UintRef::decode(seq)?;
            Ok::<_, der::Error>((n.as_bytes().to_vec(), e.as_bytes().to_vec()))
        })?;
        reader.finish()?;
        Ok(PublicKey::Rsa { modulus, public_exponent })
    } else if spki.algorithm.oid == OID_EC_PUBLIC_KEY {
        let params: AnyRef<'_> = spki.algorithm.parameters.ok_or(DerError::UnsupportedEcKey)?;
        if params.tag() != Tag::ObjectIdentifier {
            return Err(DerError::UnsupportedEcKey);
        }
        if key_bits.first() != Some(&UNCOMPRESSED_POINT) || key_bits.len() % 2 != 1 {
            return Err(DerError::UnsupportedEcKey);
        }
        Ok(PublicKey::Ec { params: params.to_der()?, point: key_bits.to_vec() })
    } else {
        Err(DerError::UnsupportedAlgorithm(spki.algorithm.oid.to_string()))
    }
}

/// The other party's point for ECDH1_DERIVE: raw `04‖X‖Y`, or that point
/// wrapped in a DER OCTET STRING (pkcs11-tool --derive-pass-der; PKCS#11
/// v2.40 §2.3.18 leaves both in use).
pub fn ecdh_public_point(public_data: &[u8], field_bytes: usize) -> Option<Vec<u8>> {
    let raw_len = 1 + 2 * field_bytes;
    if public_data.len() == raw_len && public_data.first() == Some(&UNCOMPRESSED_POINT) {
        return Some(public_data.to_vec());
    }
    let inner = <&OctetStringRef>::from_der(public_data).ok()?;
    let point = inner.as_bytes();
    (point.len() == raw_len && point.first() == Some(&UNCOMPRESSED_POINT)).then(|| point.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// secp384r1 (RFC 5480 §2.1.1.1) as CKA_EC_PARAMS.
    const SECP384R1_PARAMS: [u8; 7] = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22];

    fn ec_spki(point: &[u8]) -> Vec<u8> {
        // SEQUENCE { SEQUENCE { id-ecPublicKey, secp384r1 }, BIT STRING point }
        let mut alg = vec![0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
        alg.extend_from_slice(&SECP384R1_PARAMS);
        let mut body = vec![0x30, alg.len() as u8];
        body.extend_from_slice(&alg);
        body.extend_from_slice(&[0x03, (point.len() + 1) as u8, 0x00]);
        body.extend_from_slice(point);
        let mut spki = vec![0x30, body.len() as u8];
        spki.extend_from_slice(&body);
        spki
    }

    #[test]
    fn ec_spki_gives_named_curve_and_point() {
        let mut point = vec![0x04];
        point.extend((0..96).map(|i| i as u8));
        let key = public_key(&ec_spki(&point)).unwrap();
        let PublicKey::Ec { params, point: p } = &key else { panic!("not EC") };
        assert_eq!(params.as_slice(), SECP384R1_PARAMS);
        assert_eq!(p, &point);
        assert_eq!(key.bits(), 384);
        assert_eq!(key.signature_len(), 96);
        let der = key.ec_point_der().unwrap();
        assert_eq!(&der[..2], &[0x04, 0x61]);
        assert_eq!(&der[2..], point.as_slice());
    }

    #[test]
    fn rsa_spki_gives_modulus_without_sign_byte() {
        use crate::test_support::tlv;
        // RSAPublicKey { n = 00 C1 02 03, e = 65537 } in an rsaEncryption SPKI (RFC 8017 A.1.1).
        let rsa_key = tlv(0x30, &[tlv(0x02, &[0x00, 0xC1, 0x02, 0x03]), tlv(0x02, &[1, 0, 1])].concat());
        let rsa_oid = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
        let algorithm = tlv(0x30, &[tlv(0x06, &rsa_oid), vec![0x05, 0x00]].concat());
        let spki = tlv(0x30, &[algorithm, tlv(0x03, &[&[0u8][..], &rsa_key].concat())].concat());
        let key = public_key(&spki).unwrap();
        assert_eq!(key, PublicKey::Rsa { modulus: vec![0xC1, 0x02, 0x03], public_exponent: vec![0x01, 0x00, 0x01] });
        assert_eq!(key.bits(), 24);
        assert_eq!(key.signature_len(), 3);
    }

    /// The committed test CSCA: self-signed, EC P-384 (profiles/test-pki).
    const CSCA: &[u8] = include_bytes!("../../../profiles/test-pki/csca.der");

    #[test]
    fn certificate_fields_are_exact_slices_of_the_certificate() {
        let fields = certificate_fields(CSCA).unwrap();
        for field in [&fields.serial_number, &fields.issuer, &fields.subject, &fields.subject_public_key_info] {
            assert!(CSCA.windows(field.len()).any(|w| w == field.as_slice()));
        }
        assert_eq!(fields.serial_number[0], 0x02, "INTEGER");
        assert_eq!(usize::from(fields.serial_number[1]) + 2, fields.serial_number.len());
        assert_eq!(fields.subject, fields.issuer, "self-signed");
        assert!(fields.subject.windows(14).any(|w| w == b"neid Test CSCA"));
        let key = public_key(&fields.subject_public_key_info).unwrap();
        assert!(matches!(&key, PublicKey::Ec { params, .. } if params.as_slice() == SECP384R1_PARAMS));
        assert_eq!(key.bits(), 384);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(public_key(&[0x30, 0x03, 0x02]).is_err());
        assert!(certificate_fields(&[]).is_err());
        assert!(certificate_fields(&[0x30, 0x80]).is_err());
    }

    #[test]
    fn ecdh_point_raw_or_octet_string() {
        let mut point = vec![0x04];
        point.extend([7u8; 96]);
        assert_eq!(ecdh_public_point(&point, 48), Some(point.clone()));
        let der = OctetStringRef::new(&point).unwrap().to_der().unwrap();
        assert_eq!(ecdh_public_point(&der, 48), Some(point.clone()));
        assert_eq!(ecdh_public_point(&point[..50], 48), None);
    }
}
