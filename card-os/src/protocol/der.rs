//! The few DER (ISO/IEC 8825-1, X.690) pieces the SecurityInfos of DG14 and
//! the SubjectPublicKeyInfo of DG15 need: universal tags, unsigned INTEGERs,
//! BIT STRINGs without unused bits, and reading a SEQUENCE's fields.
//! Built on [`super::tlv`] (definite lengths up to 65535 bytes).

use alloc::vec::Vec;

use super::oid::{OID_TAG, ObjectIdentifier};
use super::tlv::{self, DataObject, TlvError};

pub const TAG_INTEGER: u16 = 0x02;
pub const TAG_BIT_STRING: u16 = 0x03;
pub const TAG_NULL: u16 = 0x05;
pub const TAG_SEQUENCE: u16 = 0x30;
pub const TAG_SET: u16 = 0x31;
/// b8 of the first INTEGER content byte: the value would be negative (X.690 §8.3.3).
const INTEGER_SIGN: u8 = 0x80;
/// A BIT STRING of whole bytes starts with "0 unused bits" (X.690 §8.6.2.2).
const NO_UNUSED_BITS: u8 = 0x00;

/// Why DER content is not what a field needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DerError {
    Tlv(TlvError),
    /// `field` does not follow `rule`.
    Malformed {
        field: &'static str,
        rule: &'static str,
    },
}

impl From<TlvError> for DerError {
    fn from(e: TlvError) -> Self {
        DerError::Tlv(e)
    }
}

impl core::fmt::Display for DerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DerError::Tlv(e) => write!(f, "DER: {e}"),
            DerError::Malformed { field, rule } => write!(f, "DER {field}: {rule}"),
        }
    }
}

pub fn malformed(field: &'static str, rule: &'static str) -> DerError {
    DerError::Malformed { field, rule }
}

/// Append INTEGER for a non-negative big-endian magnitude: leading zero bytes
/// dropped, one `00` added when b8 of the first byte is set (X.690 §8.3.2).
pub fn push_unsigned_integer(out: &mut Vec<u8>, magnitude: &[u8]) {
    let first = magnitude.iter().position(|&b| b != 0);
    let trimmed = first.map_or(&[][..], |i| &magnitude[i..]);
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|&b| b & INTEGER_SIGN != 0) {
        content.push(0x00);
    }
    content.extend_from_slice(trimmed);
    tlv::push(out, TAG_INTEGER, &content);
}

/// Append INTEGER for a small non-negative number.
pub fn push_u32(out: &mut Vec<u8>, value: u32) {
    push_unsigned_integer(out, &value.to_be_bytes());
}

/// The magnitude of a non-negative INTEGER content, without its sign byte.
/// Refuses negative values and non-minimal encodings.
pub fn unsigned_integer<'a>(object: &DataObject<'a>, field: &'static str) -> Result<&'a [u8], DerError> {
    if object.tag != TAG_INTEGER {
        return Err(malformed(field, "must be an INTEGER"));
    }
    match object.value {
        [] => Err(malformed(field, "INTEGER has no content (X.690 §8.3.1)")),
        [first, ..] if first & INTEGER_SIGN != 0 => Err(malformed(field, "must not be negative")),
        [0x00, second, ..] if second & INTEGER_SIGN == 0 => {
            Err(malformed(field, "INTEGER is not minimal (X.690 §8.3.2)"))
        }
        [0x00, rest @ ..] => Ok(rest),
        value => Ok(value),
    }
}

/// A non-negative INTEGER that fits 32 bits.
pub fn integer_u32(object: &DataObject<'_>, field: &'static str) -> Result<u32, DerError> {
    let magnitude = unsigned_integer(object, field)?;
    if magnitude.len() > 4 {
        return Err(malformed(field, "must fit 32 bits"));
    }
    Ok(magnitude
        .iter()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// Append OBJECT IDENTIFIER.
pub fn push_oid(out: &mut Vec<u8>, oid: &ObjectIdentifier) {
    tlv::push(out, OID_TAG, &oid.to_der_content());
}

/// The object identifier of an `06` object.
pub fn oid(object: &DataObject<'_>, field: &'static str) -> Result<ObjectIdentifier, DerError> {
    if object.tag != OID_TAG {
        return Err(malformed(field, "must be an OBJECT IDENTIFIER"));
    }
    ObjectIdentifier::from_der_content(object.value)
        .map_err(|_| malformed(field, "malformed OBJECT IDENTIFIER"))
}

/// Append BIT STRING of whole bytes.
pub fn push_bit_string(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(NO_UNUSED_BITS);
    content.extend_from_slice(bytes);
    tlv::push(out, TAG_BIT_STRING, &content);
}

/// The bytes of a BIT STRING of whole bytes.
pub fn bit_string<'a>(object: &DataObject<'a>, field: &'static str) -> Result<&'a [u8], DerError> {
    match (object.tag, object.value) {
        (TAG_BIT_STRING, [NO_UNUSED_BITS, rest @ ..]) => Ok(rest),
        _ => Err(malformed(field, "must be a BIT STRING of whole bytes (0 unused bits)")),
    }
}

/// The fields of a SEQUENCE that fills `input` exactly.
pub fn sequence<'a>(input: &'a [u8], field: &'static str) -> Result<Vec<DataObject<'a>>, DerError> {
    let value = tlv::parse_single(input, TAG_SEQUENCE)?
        .ok_or(malformed(field, "must be one DER SEQUENCE"))?;
    Ok(tlv::parse_all(value)?)
}

/// The fields of a SEQUENCE data object.
pub fn sequence_fields<'a>(
    object: &DataObject<'a>,
    field: &'static str,
) -> Result<Vec<DataObject<'a>>, DerError> {
    if object.tag != TAG_SEQUENCE {
        return Err(malformed(field, "must be a SEQUENCE"));
    }
    Ok(tlv::parse_all(object.value)?)
}

/// DER `SET OF` the given element encodings, sorted as X.690 §11.6 requires.
pub fn set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    tlv::build(TAG_SET, &elements.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_unsigned() {
        let mut out = Vec::new();
        push_unsigned_integer(&mut out, &[0x00, 0x00, 0x80]);
        push_u32(&mut out, 0);
        push_u32(&mut out, 1);
        assert_eq!(out, [0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01]);
        let objects = tlv::parse_all(&out).unwrap();
        assert_eq!(unsigned_integer(&objects[0], "x"), Ok(&[0x80u8][..]));
        assert_eq!(integer_u32(&objects[1], "x"), Ok(0));
        assert_eq!(integer_u32(&objects[2], "x"), Ok(1));
        let negative = tlv::parse_all(&[0x02, 0x01, 0xFF]).unwrap();
        assert!(unsigned_integer(&negative[0], "x").is_err());
        let padded = tlv::parse_all(&[0x02, 0x02, 0x00, 0x01]).unwrap();
        assert!(unsigned_integer(&padded[0], "x").is_err());
    }
}
