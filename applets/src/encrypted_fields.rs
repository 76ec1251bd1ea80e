//! Encrypted-zone field encoding (docs/spec/encrypted.md). Field n (1..=7)
//! is EF `0100 + n` holding one data object `A0+n { 80 value }`, in the
//! manner of the public zone (docs/spec/public.md):
//!
//! | n | field | value of DO'80' |
//! |---|---|---|
//! | 1 | spouse name | UTF-8 (empty: no spouse) |
//! | 2 | father's name | UTF-8 |
//! | 3 | mother's name | UTF-8 |
//! | 4 | birthplace | UTF-8 |
//! | 5 | sex | one ASCII letter `M`, `F` or `X` |
//! | 6 | photo | JPEG bytes (`FF D8` … `FF D9`) |
//! | 7 | CAN | 6 ASCII digits |

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use card_os::tlv;

/// Number of field EFs.
pub const FIELD_COUNT: usize = 7;
/// Field n is the data object `A0 + n` (constructed, context class).
pub const TAG_FIELD_BASE: u8 = 0xA0;
/// The value inside a field object.
pub const TAG_VALUE: u8 = 0x80;
/// Field numbers (docs/spec/zones.md).
pub const SPOUSE_NAME: u8 = 1;
pub const FATHER_NAME: u8 = 2;
pub const MOTHER_NAME: u8 = 3;
pub const BIRTHPLACE: u8 = 4;
pub const SEX: u8 = 5;
pub const PHOTO: u8 = 6;
pub const CAN: u8 = 7;
/// Sex codes (chip.md §Field encoding).
pub const SEX_CODES: [&str; 3] = ["M", "F", "X"];
/// JPEG start-of-image and end-of-image markers (ISO/IEC 10918-1 B.2.1).
const JPEG_SOI: [u8; 2] = [0xFF, 0xD8];
const JPEG_EOI: [u8; 2] = [0xFF, 0xD9];
/// The CAN: 6 digits (chip.md §Passwords).
const CAN_LEN: usize = 6;

/// The holder's encrypted-zone data, as text and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedFields {
    pub spouse_name: String,
    pub father_name: String,
    pub mother_name: String,
    pub birthplace: String,
    pub sex: String,
    pub photo: Vec<u8>,
    pub can: String,
}

/// A field breaks its rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub rule: &'static str,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "encrypted zone {}: {}", self.field, self.rule)
    }
}

/// One field EF's content: `A0+n { 80 value }`.
pub fn encode_field(n: u8, value: &[u8]) -> Vec<u8> {
    tlv::build(TAG_FIELD_BASE.wrapping_add(n), &tlv::build(TAG_VALUE, value))
}

/// The value of field `n` from its EF content; `None` if it is not `A0+n { 80 value }`.
pub fn decode_field(n: u8, content: &[u8]) -> Option<Vec<u8>> {
    match tlv::parse_all(content).ok()?.as_slice() {
        [outer] if outer.tag == u16::from(TAG_FIELD_BASE) + u16::from(n) => match tlv::parse_all(outer.value).ok()?.as_slice() {
            [inner] if inner.tag == u16::from(TAG_VALUE) => Some(inner.value.to_vec()),
            _ => None,
        },
        _ => None,
    }
}

/// The seven EF contents, fields 1..=7 in order.
pub fn encode(fields: &EncryptedFields) -> Result<[Vec<u8>; FIELD_COUNT], FieldError> {
    if !SEX_CODES.contains(&fields.sex.as_str()) {
        return Err(FieldError { field: "sex", rule: "must be M, F or X" });
    }
    if fields.photo.len() < JPEG_SOI.len() + JPEG_EOI.len()
        || !fields.photo.starts_with(&JPEG_SOI)
        || !fields.photo.ends_with(&JPEG_EOI)
    {
        return Err(FieldError { field: "photo", rule: "must be a JPEG: start with FF D8 and end with FF D9" });
    }
    if fields.can.len() != CAN_LEN || !fields.can.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError { field: "can", rule: "must be exactly 6 digits" });
    }
    for (field, text) in [
        ("father_name", &fields.father_name),
        ("mother_name", &fields.mother_name),
        ("birthplace", &fields.birthplace),
    ] {
        if text.is_empty() {
            return Err(FieldError { field, rule: "must not be empty" });
        }
    }
    Ok([
        encode_field(SPOUSE_NAME, fields.spouse_name.as_bytes()),
        encode_field(FATHER_NAME, fields.father_name.as_bytes()),
        encode_field(MOTHER_NAME, fields.mother_name.as_bytes()),
        encode_field(BIRTHPLACE, fields.birthplace.as_bytes()),
        encode_field(SEX, fields.sex.as_bytes()),
        encode_field(PHOTO, &fields.photo),
        encode_field(CAN, fields.can.as_bytes()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes_of_a_text_field_and_the_sex_field() {
        assert_eq!(encode_field(FATHER_NAME, "王大明".as_bytes()), [
            0xA2, 0x0B, 0x80, 0x09, 0xE7, 0x8E, 0x8B, 0xE5, 0xA4, 0xA7, 0xE6, 0x98, 0x8E
        ]);
        assert_eq!(encode_field(SEX, b"M"), [0xA5, 0x03, 0x80, 0x01, b'M']);
        assert_eq!(decode_field(SEX, &[0xA5, 0x03, 0x80, 0x01, b'M']), Some(b"M".to_vec()));
        assert_eq!(decode_field(SEX, &[0xA4, 0x03, 0x80, 0x01, b'M']), None);
    }

    #[test]
    fn rules_name_the_field() {
        let ok = EncryptedFields {
            spouse_name: String::new(),
            father_name: "父".into(),
            mother_name: "母".into(),
            birthplace: "臺北市".into(),
            sex: "F".into(),
            photo: alloc::vec![0xFF, 0xD8, 0x00, 0xFF, 0xD9],
            can: "012345".into(),
        };
        assert!(encode(&ok).is_ok());
        let bad_sex = EncryptedFields { sex: "Q".into(), ..ok.clone() };
        assert_eq!(encode(&bad_sex).unwrap_err().field, "sex");
        let bad_can = EncryptedFields { can: "12345".into(), ..ok.clone() };
        assert_eq!(encode(&bad_can).unwrap_err().field, "can");
        let bad_photo = EncryptedFields { photo: alloc::vec![1, 2, 3, 4], ..ok };
        assert_eq!(encode(&bad_photo).unwrap_err().field, "photo");
    }
}
