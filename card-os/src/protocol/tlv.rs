//! BER-TLV for the protocol data objects (ISO 7816-4 §6.3, ISO/IEC 8825-1):
//! the GENERAL AUTHENTICATE data `7C`, the MSE:Set AT data field, the public
//! key data object `7F49`, the SM data objects and the DER of PACEInfo.
//!
//! Kept inside `protocol` so the terminal can use it without the card's file
//! system code. Tags are one byte or two (first byte b5-b1 = 11111); lengths
//! use the definite forms `00..7F`, `81 xx`, `82 xxxx` (TR-03110-3 D.2 never
//! needs more for PACE, SM payloads fit in 65535 bytes).

use alloc::vec::Vec;
use core::fmt;

/// b5-b1 of the first tag byte all set: a second tag byte follows.
const TAG_MORE_BYTES: u8 = 0x1F;
/// b8 of the second tag byte: a third tag byte follows (never used here).
const TAG_CONTINUES: u8 = 0x80;
const LEN_SHORT_MAX: usize = 0x7F;
const LEN_ONE_BYTE: u8 = 0x81;
const LEN_TWO_BYTES: u8 = 0x82;

/// Why bytes are not a well-formed data object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlvError {
    /// The input ends inside a tag, a length or a value.
    Truncated,
    /// A tag of three or more bytes.
    UnsupportedTag,
    /// Indefinite length, or a length field of three or more bytes.
    UnsupportedLength,
}

impl fmt::Display for TlvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlvError::Truncated => f.write_str("data object truncated: input ends inside a tag, length or value"),
            TlvError::UnsupportedTag => f.write_str("data object tag longer than two bytes"),
            TlvError::UnsupportedLength => {
                f.write_str("data object length must use the definite form of at most 3 bytes (ISO 7816-4 §6.3)")
            }
        }
    }
}

/// One decoded data object, borrowed from its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataObject<'a> {
    /// One-byte tags are `0x00..=0xFF`; two-byte tags `0x1F00..` (e.g. `0x7F49`).
    pub tag: u16,
    pub value: &'a [u8],
    /// The whole encoding (tag, length, value), as MAC input needs it.
    pub encoded: &'a [u8],
}

/// Append the length field for `len`.
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    if len <= LEN_SHORT_MAX {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[LEN_ONE_BYTE, len as u8]);
    } else {
        // Callers bound their values well below 64 KiB (APDU sizes); a larger
        // value would be a programming error, clamp rather than panic.
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        out.push(LEN_TWO_BYTES);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// Append one data object: the tag (one or two bytes), length and value.
pub fn push(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
    if tag > 0xFF {
        out.extend_from_slice(&tag.to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    push_length(out, value.len());
    out.extend_from_slice(value);
}

/// One data object as a new vector.
pub fn build(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 5);
    push(&mut out, tag, value);
    out
}

/// Decode the first data object of `input`; returns it and the rest.
pub fn parse_one(input: &[u8]) -> Result<(DataObject<'_>, &[u8]), TlvError> {
    let (&first, mut rest) = input.split_first().ok_or(TlvError::Truncated)?;
    let mut tag = u16::from(first);
    if first & TAG_MORE_BYTES == TAG_MORE_BYTES {
        let (&second, after) = rest.split_first().ok_or(TlvError::Truncated)?;
        if second & TAG_CONTINUES != 0 {
            return Err(TlvError::UnsupportedTag);
        }
        tag = (tag << 8) | u16::from(second);
        rest = after;
    }
    let (&len_byte, after) = rest.split_first().ok_or(TlvError::Truncated)?;
    rest = after;
    let len = match len_byte {
        0x00..=0x7F => usize::from(len_byte),
        LEN_ONE_BYTE => {
            let (&l, after) = rest.split_first().ok_or(TlvError::Truncated)?;
            rest = after;
            usize::from(l)
        }
        LEN_TWO_BYTES => {
            let bytes = rest.get(..2).ok_or(TlvError::Truncated)?;
            rest = &rest[2..];
            usize::from(u16::from_be_bytes([bytes[0], bytes[1]]))
        }
        _ => return Err(TlvError::UnsupportedLength),
    };
    let value = rest.get(..len).ok_or(TlvError::Truncated)?;
    let header_len = input.len() - rest.len();
    let encoded = &input[..header_len + len];
    Ok((
        DataObject {
            tag,
            value,
            encoded,
        },
        &rest[len..],
    ))
}

/// Decode a sequence of data objects that must fill `input` exactly.
pub fn parse_all(mut input: &[u8]) -> Result<Vec<DataObject<'_>>, TlvError> {
    let mut objects = Vec::new();
    while !input.is_empty() {
        let (object, rest) = parse_one(input)?;
        objects.push(object);
        input = rest;
    }
    Ok(objects)
}

/// Decode exactly one data object with tag `tag` filling `input`.
/// `Ok(None)` when the input holds a different single object.
pub fn parse_single(input: &[u8], tag: u16) -> Result<Option<&[u8]>, TlvError> {
    let (object, rest) = parse_one(input)?;
    if !rest.is_empty() || object.tag != tag {
        return Ok(None);
    }
    Ok(Some(object.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_one_and_two_byte_tags_and_long_lengths() {
        for (tag, len) in [
            (0x80u16, 0usize),
            (0x87, 0x7F),
            (0x7F49, 0x80),
            (0x8E, 0xFF),
            (0x53, 0x100),
            (0x7C, 0x1234),
        ] {
            let value: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let encoded = build(tag, &value);
            let (object, rest) = parse_one(&encoded).unwrap();
            assert_eq!(object.tag, tag);
            assert_eq!(object.value, &value[..]);
            assert_eq!(object.encoded, &encoded[..]);
            assert!(rest.is_empty());
        }
    }

    #[test]
    fn rejects_truncation_and_unsupported_forms() {
        assert_eq!(parse_one(&[]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x87, 0x03, 1, 2]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x87, 0x82, 0x01]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x87, 0x80]), Err(TlvError::UnsupportedLength));
        assert_eq!(
            parse_one(&[0x87, 0x84, 0, 0, 0, 1, 0]),
            Err(TlvError::UnsupportedLength)
        );
        assert_eq!(
            parse_one(&[0x7F, 0x81, 0x01, 0x00]),
            Err(TlvError::UnsupportedTag)
        );
    }
}
