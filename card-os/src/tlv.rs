//! Minimal BER-TLV (ISO 7816-4 §6.3, ISO/IEC 8825-1) for the data objects the
//! card builds and reads itself: FCP/FCI templates, DO'53'/DO'54' of the odd
//! READ/UPDATE BINARY, and the zone field objects.
//!
//! Tags are one byte, or two when the first has b5-b1 = 11111. Lengths use the
//! definite forms: `0x00..0x7F`, `81 xx`, `82 xxxx`, `83 xxxxxx`.

use alloc::vec::Vec;

/// b5-b1 all set in the first tag byte: a subsequent tag byte follows.
const TAG_MORE_BYTES: u8 = 0x1F;
/// b8 of a subsequent tag byte: yet another tag byte follows (not supported here).
const TAG_CONTINUES: u8 = 0x80;
/// Largest length in the one-byte form.
const LEN_SHORT_MAX: usize = 0x7F;
const LEN_ONE_BYTE: u8 = 0x81;
const LEN_TWO_BYTES: u8 = 0x82;
const LEN_THREE_BYTES: u8 = 0x83;

/// Encoded length field for `len`.
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    if len <= LEN_SHORT_MAX {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[LEN_ONE_BYTE, len as u8]);
    } else if len <= 0xFFFF {
        out.push(LEN_TWO_BYTES);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        // Card data objects never exceed 16 MiB; larger lengths are clamped by
        // the caller's size limits before they get here.
        let bytes = (len as u32).to_be_bytes();
        out.push(LEN_THREE_BYTES);
        out.extend_from_slice(&bytes[1..]);
    }
}

/// Number of bytes `encode_length(len)` writes.
pub fn length_field_size(len: usize) -> usize {
    match len {
        0..=LEN_SHORT_MAX => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        _ => 4,
    }
}

/// Append one data object with a one-byte tag.
pub fn push(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    encode_length(value.len(), out);
    out.extend_from_slice(value);
}

/// One data object with a one-byte tag, as a new vector.
pub fn build(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 4);
    push(&mut out, tag, value);
    out
}

/// A decoded data object borrowed from its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataObject<'a> {
    /// Tag as a number: one-byte tags are `0x00..=0xFF`, two-byte tags `0x1F00..`.
    pub tag: u16,
    pub value: &'a [u8],
}

/// Why data objects could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlvError {
    Truncated,
    UnsupportedTag,
    UnsupportedLength,
}

/// Decode the first data object of `input`; returns it and the rest.
pub fn parse_one(input: &[u8]) -> Result<(DataObject<'_>, &[u8]), TlvError> {
    let (&first, rest) = input.split_first().ok_or(TlvError::Truncated)?;
    let (tag, rest) = if first & TAG_MORE_BYTES == TAG_MORE_BYTES {
        let (&second, rest) = rest.split_first().ok_or(TlvError::Truncated)?;
        if second & TAG_CONTINUES != 0 {
            return Err(TlvError::UnsupportedTag);
        }
        (u16::from_be_bytes([first, second]), rest)
    } else {
        (u16::from(first), rest)
    };
    let (&len0, rest) = rest.split_first().ok_or(TlvError::Truncated)?;
    let (len, rest) = match len0 {
        0..=0x7F => (usize::from(len0), rest),
        LEN_ONE_BYTE | LEN_TWO_BYTES | LEN_THREE_BYTES => {
            let n = usize::from(len0 & 0x7F);
            if rest.len() < n {
                return Err(TlvError::Truncated);
            }
            let (len_bytes, rest) = rest.split_at(n);
            let len = len_bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, rest)
        }
        _ => return Err(TlvError::UnsupportedLength),
    };
    if rest.len() < len {
        return Err(TlvError::Truncated);
    }
    let (value, rest) = rest.split_at(len);
    Ok((DataObject { tag, value }, rest))
}

/// Decode a sequence of data objects that fills `input` exactly.
pub fn parse_all(mut input: &[u8]) -> Result<Vec<DataObject<'_>>, TlvError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (object, rest) = parse_one(input)?;
        out.push(object);
        input = rest;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn lengths() {
        for (len, encoded) in [
            (0usize, vec![0x00]),
            (0x7F, vec![0x7F]),
            (0x80, vec![0x81, 0x80]),
            (0x100, vec![0x82, 0x01, 0x00]),
            (0x1_0000, vec![0x83, 0x01, 0x00, 0x00]),
        ] {
            let mut out = Vec::new();
            encode_length(len, &mut out);
            assert_eq!(out, encoded);
            assert_eq!(length_field_size(len), encoded.len());
        }
    }

    #[test]
    fn parse_round_trip() {
        let mut bytes = build(0x53, &[0xAB; 200]);
        bytes.extend_from_slice(&[0x5F, 0x1F, 0x01, 0x07]);
        let objects = parse_all(&bytes).unwrap();
        assert_eq!(objects[0].tag, 0x53);
        assert_eq!(objects[0].value.len(), 200);
        assert_eq!(objects[1], DataObject { tag: 0x5F1F, value: &[0x07] });
        assert_eq!(parse_one(&[0x54, 0x02, 0x00]), Err(TlvError::Truncated));
    }
}
