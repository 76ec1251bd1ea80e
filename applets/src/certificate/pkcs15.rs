//! The PKCS#15 files of the zone in DER (ISO/IEC 7816-15:2004, ASN.1 module
//! `PKCS-15`, IMPLICIT TAGS; docs/spec/certificate-zone.md §PKCS#15 files).
//!
//! Tagging follows X.680 §31.2.7: a tag on a CHOICE (the `PKCS15Objects`
//! alternatives of EF.ODF) or on a parameter type (`typeAttributes [1]` of
//! `PKCS15Object`) is explicit; every other context tag is implicit
//! (`privateECKey [0]`, `publicECKey [0]`, `label [0]`, `pwdReference [0]`).
//!
//! The structures derive both `Encode` and `Decode`: the card only encodes,
//! the tests decode the files back.

use alloc::string::String;
use alloc::vec::Vec;

use der::asn1::{BitString, ContextSpecific, OctetString};
use der::{Encode, Enumerated, Sequence, TagMode, TagNumber};

use super::slots::{CertificateSlot, KeyKind, KeyRef, KeyUse};
use super::{FID, FID_AODF, FID_CDF, FID_PRKDF, FID_PUKDF};
use card_os::fs::FID_MF;

/// TokenInfo.version v1 (ISO 7816-15 §8.10).
const TOKEN_INFO_VERSION_V1: u8 = 0;
const MANUFACTURER_ID: &str = "neid";
const TOKEN_LABEL: &str = "Taiwan New eID";

/// PKCS15Objects alternatives used in EF.ODF (ISO 7816-15 §8.2).
const ODF_PRIVATE_KEYS: u32 = 0;
const ODF_PUBLIC_KEYS: u32 = 1;
const ODF_CERTIFICATES: u32 = 4;
const ODF_AUTH_OBJECTS: u32 = 8;

/// `privateECKey [0]` / `publicECKey [0]` of PrivateKeyType / PublicKeyType.
const EC_KEY_ALTERNATIVE: u32 = 0;

/// TokenFlags (ISO 7816-15 §8.10).
mod token_flags {
    pub const READ_ONLY: u8 = 0;
    pub const LOGIN_REQUIRED: u8 = 1;
}

/// CommonObjectFlags.
mod object_flags {
    pub const PRIVATE: u8 = 0;
}

/// KeyUsageFlags (ISO 7816-15 §8.4.2).
mod usage {
    pub const ENCRYPT: u8 = 0;
    pub const DECRYPT: u8 = 1;
    pub const SIGN: u8 = 2;
    pub const WRAP: u8 = 4;
    pub const UNWRAP: u8 = 5;
    pub const VERIFY: u8 = 6;
    pub const DERIVE: u8 = 8;
    pub const NON_REPUDIATION: u8 = 9;
}

/// KeyAccessFlags: generated on the card, never leaves it.
mod access {
    pub const SENSITIVE: u8 = 0;
    pub const ALWAYS_SENSITIVE: u8 = 2;
    pub const NEVER_EXTRACTABLE: u8 = 3;
    pub const LOCAL: u8 = 4;
}

/// PasswordFlags (ISO 7816-15 §8.8.3).
mod pwd_flags {
    pub const LOCAL: u8 = 1;
    pub const INITIALIZED: u8 = 4;
    pub const NEEDS_PADDING: u8 = 5;
}

/// PIN2 as PKCS#15 describes it (docs/spec/pins.md: 8-12 digits, padded
/// with FF to 12 bytes, reference 81, verified at card level).
const PIN2_LABEL: &str = "PIN2";
/// authId of PIN2 and of every private key that needs it.
pub const PIN2_AUTH_ID: u8 = 0x01;
const PIN2_MIN_LENGTH: u8 = 8;
const PIN2_STORED_LENGTH: u8 = 12;
const PIN2_MAX_LENGTH: u8 = 12;
const PIN2_REFERENCE: u8 = 0x81;
const PIN2_PAD_CHAR: u8 = 0xFF;

/// RSA modulus length in bits (PrivateRSAKeyAttributes.modulusLength).
const RSA_MODULUS_BITS: u16 = 2048;

/// Bits of the one-byte BIT STRING unit.
const BITS_PER_BYTE: usize = 8;

/// `Path ::= SEQUENCE { path OCTET STRING, ... }` (ISO 7816-15 §8.4.1);
/// absolute paths from the MF.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Path {
    pub path: OctetString,
}

/// TokenInfo (ISO 7816-15 §8.10).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TokenInfo {
    pub version: u8,
    pub serial_number: OctetString,
    pub manufacturer_id: Option<String>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub label: Option<String>,
    pub token_flags: BitString,
}

/// CommonObjectAttributes (ISO 7816-15 §8.3).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CommonObjectAttributes {
    pub label: Option<String>,
    pub flags: Option<BitString>,
    pub auth_id: Option<OctetString>,
}

/// CommonAuthenticationObjectAttributes.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CommonAuthenticationObjectAttributes {
    pub auth_id: OctetString,
}

/// PasswordType.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u8)]
pub enum PasswordType {
    Bcd = 0,
    AsciiNumeric = 1,
    Utf8 = 2,
}

/// PasswordAttributes (ISO 7816-15 §8.8.3).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PasswordAttributes {
    pub pwd_flags: BitString,
    pub pwd_type: PasswordType,
    pub min_length: u8,
    pub stored_length: u8,
    pub max_length: Option<u8>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub pwd_reference: Option<u8>,
    pub pad_char: Option<OctetString>,
    pub path: Option<Path>,
}

/// `AuthenticationObject {PasswordAttributes}`: a PIN object of the AODF.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PasswordObject {
    pub common: CommonObjectAttributes,
    pub class_attributes: CommonAuthenticationObjectAttributes,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    pub type_attributes: PasswordAttributes,
}

/// CommonKeyAttributes (ISO 7816-15 §8.4.2); `native` is left at its DEFAULT TRUE.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CommonKeyAttributes {
    pub id: OctetString,
    pub usage: BitString,
    pub access_flags: Option<BitString>,
    pub key_reference: Option<u8>,
}

/// PrivateRSAKeyAttributes / PublicRSAKeyAttributes: the value by path, the modulus length.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RsaKeyAttributes {
    pub value: Path,
    pub modulus_length: u16,
}

/// PrivateECKeyAttributes / PublicECKeyAttributes: the value by path, keyInfo absent.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EcKeyAttributes {
    pub value: Path,
}

/// `PKCS15Object {CommonKeyAttributes, -, RSA key attributes}`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RsaKeyObject {
    pub common: CommonObjectAttributes,
    pub class_attributes: CommonKeyAttributes,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    pub type_attributes: RsaKeyAttributes,
}

/// `PKCS15Object {CommonKeyAttributes, -, EC key attributes}`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EcKeyObject {
    pub common: CommonObjectAttributes,
    pub class_attributes: CommonKeyAttributes,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    pub type_attributes: EcKeyAttributes,
}

fn no() -> bool {
    false
}

/// CommonCertificateAttributes (ISO 7816-15 §8.6); `authority` DEFAULT FALSE.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CommonCertificateAttributes {
    pub id: OctetString,
    #[asn1(default = "no")]
    pub authority: bool,
}

/// X509CertificateAttributes: the value by path.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct X509CertificateAttributes {
    pub value: Path,
}

/// `x509Certificate CertificateObject {X509CertificateAttributes}`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct X509CertificateObject {
    pub common: CommonObjectAttributes,
    pub class_attributes: CommonCertificateAttributes,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    pub type_attributes: X509CertificateAttributes,
}

/// A BIT STRING of named bits in DER: trailing zero bits removed
/// (X.690 §11.2.2), so its length depends on the highest bit set.
pub fn named_bits(bits: &[u8]) -> Result<BitString, der::Error> {
    let Some(highest) = bits.iter().copied().max() else {
        return BitString::new(0, Vec::new());
    };
    let used = usize::from(highest) + 1;
    let mut bytes = alloc::vec![0u8; used.div_ceil(BITS_PER_BYTE)];
    for &bit in bits {
        let bit = usize::from(bit);
        if let Some(byte) = bytes.get_mut(bit / BITS_PER_BYTE) {
            // Bit 0 is the most significant bit of the first byte.
            *byte |= 0x80 >> (bit % BITS_PER_BYTE);
        }
    }
    let unused = bytes.len() * BITS_PER_BYTE - used;
    // At most 7: `bytes` has just enough bytes for `used` bits.
    BitString::new(unused as u8, bytes)
}

/// The absolute path `3F00 5015 [fid]` of the zone's DF or of one of its EFs.
pub fn path(fid: Option<u16>) -> Result<Path, der::Error> {
    let mut bytes = Vec::with_capacity(6);
    bytes.extend_from_slice(&FID_MF.to_be_bytes());
    bytes.extend_from_slice(&FID.to_be_bytes());
    if let Some(fid) = fid {
        bytes.extend_from_slice(&fid.to_be_bytes());
    }
    Ok(Path { path: OctetString::new(bytes)? })
}

fn octets(bytes: &[u8]) -> Result<OctetString, der::Error> {
    OctetString::new(bytes.to_vec())
}

fn explicit<T>(number: u32, value: T) -> ContextSpecific<T> {
    ContextSpecific { tag_number: TagNumber(number), tag_mode: TagMode::Explicit, value }
}

fn implicit<T>(number: u32, value: T) -> ContextSpecific<T> {
    ContextSpecific { tag_number: TagNumber(number), tag_mode: TagMode::Implicit, value }
}

/// EF.ODF: `[8]` AODF, `[0]` PrKDF, `[1]` PuKDF, `[4]` CDF, each a path.
pub fn odf() -> Result<Vec<u8>, der::Error> {
    let mut out = Vec::new();
    for (choice, fid) in [
        (ODF_AUTH_OBJECTS, FID_AODF),
        (ODF_PRIVATE_KEYS, FID_PRKDF),
        (ODF_PUBLIC_KEYS, FID_PUKDF),
        (ODF_CERTIFICATES, FID_CDF),
    ] {
        explicit(choice, path(Some(fid))?).encode_to_vec(&mut out)?;
    }
    Ok(out)
}

/// EF.TokenInfo with the card number as serial number.
pub fn token_info(serial_number: &[u8]) -> Result<Vec<u8>, der::Error> {
    TokenInfo {
        version: TOKEN_INFO_VERSION_V1,
        serial_number: octets(serial_number)?,
        manufacturer_id: Some(String::from(MANUFACTURER_ID)),
        label: Some(String::from(TOKEN_LABEL)),
        token_flags: named_bits(&[token_flags::READ_ONLY, token_flags::LOGIN_REQUIRED])?,
    }
    .to_der()
}

/// EF.AODF: the PIN2 object.
pub fn aodf() -> Result<Vec<u8>, der::Error> {
    PasswordObject {
        common: CommonObjectAttributes { label: Some(String::from(PIN2_LABEL)), flags: None, auth_id: None },
        class_attributes: CommonAuthenticationObjectAttributes { auth_id: octets(&[PIN2_AUTH_ID])? },
        type_attributes: PasswordAttributes {
            pwd_flags: named_bits(&[pwd_flags::LOCAL, pwd_flags::INITIALIZED, pwd_flags::NEEDS_PADDING])?,
            pwd_type: PasswordType::AsciiNumeric,
            min_length: PIN2_MIN_LENGTH,
            stored_length: PIN2_STORED_LENGTH,
            max_length: Some(PIN2_MAX_LENGTH),
            pwd_reference: Some(PIN2_REFERENCE),
            pad_char: Some(octets(&[PIN2_PAD_CHAR])?),
            path: Some(path(None)?),
        },
    }
    .to_der()
}

fn private_usage(usage: KeyUse) -> &'static [u8] {
    match usage {
        KeyUse::SignatureAuthentication => &[usage::SIGN, usage::NON_REPUDIATION],
        KeyUse::Decipherment => &[usage::DECRYPT, usage::UNWRAP],
        KeyUse::SignatureAgreement => &[usage::SIGN, usage::DERIVE],
    }
}

fn public_usage(usage: KeyUse) -> &'static [u8] {
    match usage {
        KeyUse::SignatureAuthentication => &[usage::VERIFY],
        KeyUse::Decipherment => &[usage::ENCRYPT, usage::WRAP],
        KeyUse::SignatureAgreement => &[usage::VERIFY, usage::DERIVE],
    }
}

/// One record of a key directory: RSA keys untagged, EC keys `[0]` IMPLICIT.
fn push_key_record(
    out: &mut Vec<u8>,
    kind: KeyKind,
    common: CommonObjectAttributes,
    class_attributes: CommonKeyAttributes,
    value: Path,
) -> Result<(), der::Error> {
    match kind {
        KeyKind::Rsa2048 => RsaKeyObject {
            common,
            class_attributes,
            type_attributes: RsaKeyAttributes { value, modulus_length: RSA_MODULUS_BITS },
        }
        .encode_to_vec(out),
        KeyKind::EcP384 => implicit(
            EC_KEY_ALTERNATIVE,
            EcKeyObject { common, class_attributes, type_attributes: EcKeyAttributes { value } },
        )
        .encode_to_vec(out),
    }?;
    Ok(())
}

/// EF.PrKDF: one object per generated key (`keys` in key-reference order).
/// The value path is the DF: the key is inside the card, under `keyReference`.
pub fn prkdf(keys: &[KeyRef]) -> Result<Vec<u8>, der::Error> {
    let mut out = Vec::new();
    for key in keys {
        let slot = key.slot();
        let common = CommonObjectAttributes {
            label: Some(String::from(slot.label)),
            flags: Some(named_bits(&[object_flags::PRIVATE])?),
            auth_id: Some(octets(&[PIN2_AUTH_ID])?),
        };
        let class_attributes = CommonKeyAttributes {
            id: octets(&[key.value()])?,
            usage: named_bits(private_usage(slot.usage))?,
            access_flags: Some(named_bits(&[
                access::SENSITIVE,
                access::ALWAYS_SENSITIVE,
                access::NEVER_EXTRACTABLE,
                access::LOCAL,
            ])?),
            key_reference: Some(key.value()),
        };
        push_key_record(&mut out, slot.kind, common, class_attributes, path(None)?)?;
    }
    Ok(out)
}

/// EF.PuKDF: one object per generated key, its value the public key EF.
pub fn pukdf(keys: &[KeyRef]) -> Result<Vec<u8>, der::Error> {
    let mut out = Vec::new();
    for key in keys {
        let slot = key.slot();
        let common = CommonObjectAttributes { label: Some(String::from(slot.label)), flags: None, auth_id: None };
        let class_attributes = CommonKeyAttributes {
            id: octets(&[key.value()])?,
            usage: named_bits(public_usage(slot.usage))?,
            access_flags: None,
            key_reference: None,
        };
        push_key_record(&mut out, slot.kind, common, class_attributes, path(Some(slot.public_key_fid))?)?;
    }
    Ok(out)
}

/// EF.CDF: one x509Certificate per present certificate.
pub fn cdf(certificates: &[&CertificateSlot]) -> Result<Vec<u8>, der::Error> {
    let mut out = Vec::new();
    for slot in certificates {
        X509CertificateObject {
            common: CommonObjectAttributes { label: Some(String::from(slot.label)), flags: None, auth_id: None },
            class_attributes: CommonCertificateAttributes { id: octets(&[slot.id])?, authority: slot.authority },
            type_attributes: X509CertificateAttributes { value: path(Some(slot.fid))? },
        }
        .encode_to_vec(&mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Golden encodings, checked by hand against the ISO 7816-15 ASN.1 and
    //! copied into docs/spec/certificate-zone.md, then decoded back with the
    //! derived decoders (a structure that does not match fails to decode).
    use super::*;
    use crate::certificate::slots::CERTIFICATE_SLOTS;
    use der::{Decode, Reader, SliceReader};

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn key(n: u8) -> KeyRef {
        KeyRef::new(n).unwrap()
    }

    #[test]
    fn named_bit_lists_drop_trailing_zero_bits() {
        assert_eq!(named_bits(&[0, 1]).unwrap().to_der().unwrap(), hex("03 02 06 C0"));
        assert_eq!(named_bits(&[2, 9]).unwrap().to_der().unwrap(), hex("03 03 06 20 40"));
        assert_eq!(named_bits(&[8]).unwrap().to_der().unwrap(), hex("03 03 07 00 80"));
        assert_eq!(named_bits(&[7]).unwrap().to_der().unwrap(), hex("03 02 00 01"));
        assert_eq!(named_bits(&[]).unwrap().to_der().unwrap(), hex("03 01 00"));
    }

    #[test]
    fn odf() {
        let encoded = super::odf().unwrap();
        assert_eq!(
            encoded,
            hex("A8 0A 30 08 04 06 3F00 5015 4401
                 A0 0A 30 08 04 06 3F00 5015 4402
                 A1 0A 30 08 04 06 3F00 5015 4403
                 A4 0A 30 08 04 06 3F00 5015 4404")
        );
        let mut reader = SliceReader::new(&encoded).unwrap();
        for (number, fid) in [(8, 0x4401u16), (0, 0x4402), (1, 0x4403), (4, 0x4404)] {
            let record = ContextSpecific::<Path>::decode_explicit(&mut reader, TagNumber(number)).unwrap().unwrap();
            assert_eq!(record.value, path(Some(fid)).unwrap());
        }
        assert!(reader.is_finished());
    }

    #[test]
    fn token_info() {
        let encoded = super::token_info(b"210012345").unwrap();
        assert_eq!(
            encoded,
            hex("30 28 02 01 00 04 09 323130303132333435 0C 04 6E656964
                 80 0E 54616977616E204E657720654944 03 02 06 C0")
        );
        let decoded = TokenInfo::from_der(&encoded).unwrap();
        assert_eq!(decoded.version, 0);
        assert_eq!(decoded.serial_number.as_bytes(), b"210012345");
        assert_eq!(decoded.manufacturer_id.as_deref(), Some("neid"));
        assert_eq!(decoded.label.as_deref(), Some("Taiwan New eID"));
        assert_eq!(decoded.token_flags.raw_bytes(), &[0xC0]);
    }

    #[test]
    fn aodf() {
        let encoded = super::aodf().unwrap();
        assert_eq!(
            encoded,
            hex("30 30 30 06 0C 04 50494E32 30 03 04 01 01
                 A1 21 30 1F 03 02 02 4C 0A 01 01 02 01 08 02 01 0C 02 01 0C
                       80 02 00 81 04 01 FF 30 06 04 04 3F00 5015")
        );
        let decoded = PasswordObject::from_der(&encoded).unwrap();
        let attributes = &decoded.type_attributes;
        assert_eq!(decoded.common.label.as_deref(), Some("PIN2"));
        assert_eq!(decoded.class_attributes.auth_id.as_bytes(), &[0x01]);
        assert_eq!(attributes.pwd_type, PasswordType::AsciiNumeric);
        assert_eq!((attributes.min_length, attributes.stored_length, attributes.max_length), (8, 12, Some(12)));
        assert_eq!(attributes.pwd_reference, Some(0x81));
        assert_eq!(attributes.pad_char.as_ref().map(OctetString::as_bytes), Some(&[0xFF][..]));
        assert_eq!(attributes.path, Some(path(None).unwrap()));
    }

    #[test]
    fn prkdf_rsa_untagged_and_ec_implicit_zero() {
        let encoded = super::prkdf(&[key(1), key(3)]).unwrap();
        let rsa = hex("30 4C 30 29 0C 20 5369676E617475726520616E642061757468656E7469636174696F6E206B6579
                         03 02 07 80 04 01 01
                   30 0F 04 01 01 03 03 06 20 40 03 02 03 B8 02 01 01
                   A1 0E 30 0C 30 06 04 04 3F00 5015 02 02 0800");
        let ec = hex("A0 31 30 12 0C 09 454343206B65792031 03 02 07 80 04 01 01
                   30 0F 04 01 03 03 03 07 20 80 03 02 03 B8 02 01 03
                   A1 0A 30 08 30 06 04 04 3F00 5015");
        assert_eq!(encoded, [rsa, ec].concat());
        let mut reader = SliceReader::new(&encoded).unwrap();
        let first = RsaKeyObject::decode(&mut reader).unwrap();
        let second = ContextSpecific::<EcKeyObject>::decode_implicit(&mut reader, TagNumber(0)).unwrap().unwrap();
        assert!(reader.is_finished());
        assert_eq!(first.class_attributes.key_reference, Some(1));
        assert_eq!(first.common.auth_id.as_ref().map(OctetString::as_bytes), Some(&[PIN2_AUTH_ID][..]));
        assert_eq!(first.type_attributes.modulus_length, 2048);
        assert_eq!(second.value.class_attributes.id.as_bytes(), &[3]);
        assert_eq!(second.value.class_attributes.key_reference, Some(3));
    }

    #[test]
    fn pukdf_points_at_the_public_key_efs() {
        let encoded = super::pukdf(&[key(2), key(5)]).unwrap();
        let rsa = hex("30 2F 30 12 0C 10 456E6369706865726D656E74206B6579
                   30 07 04 01 02 03 02 03 88
                   A1 10 30 0E 30 08 04 06 3F00 5015 4422 02 02 0800");
        let ec = hex("A0 25 30 0B 0C 09 454343206B65792033
                   30 08 04 01 05 03 03 07 02 80
                   A1 0C 30 0A 30 08 04 06 3F00 5015 4425");
        assert_eq!(encoded, [rsa, ec].concat());
        let mut reader = SliceReader::new(&encoded).unwrap();
        let first = RsaKeyObject::decode(&mut reader).unwrap();
        let second = ContextSpecific::<EcKeyObject>::decode_implicit(&mut reader, TagNumber(0)).unwrap().unwrap();
        assert!(reader.is_finished());
        assert_eq!(first.type_attributes.value, path(Some(0x4422)).unwrap());
        assert_eq!(second.value.type_attributes.value, path(Some(0x4425)).unwrap());
        assert_eq!(super::pukdf(&[]).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn cdf_authority_only_for_ca_certificates() {
        let root = &CERTIFICATE_SLOTS[0];
        let user = &CERTIFICATE_SLOTS[2];
        let encoded = super::cdf(&[root, user]).unwrap();
        let expected = hex("30 2D 30 15 0C 13 526F6F74204341206365727469666963617465
                   30 06 04 01 11 01 01 FF
                   A1 0C 30 0A 30 08 04 06 3F00 5015 4431
             30 3F 30 2A 0C 28 5369676E617475726520616E642061757468656E7469636174696F6E206365727469666963617465
                   30 03 04 01 01
                   A1 0C 30 0A 30 08 04 06 3F00 5015 4433");
        assert_eq!(encoded, expected);
        let mut reader = SliceReader::new(&encoded).unwrap();
        let first = X509CertificateObject::decode(&mut reader).unwrap();
        let second = X509CertificateObject::decode(&mut reader).unwrap();
        assert!(reader.is_finished());
        assert!(first.class_attributes.authority);
        assert_eq!(first.class_attributes.id.as_bytes(), &[0x11]);
        assert!(!second.class_attributes.authority);
        assert_eq!(second.type_attributes.value, path(Some(0x4433)).unwrap());
    }
}
