//! A small, strict BER-TLV reader (ISO 7816-4 §5.2, ISO 8825-1): definite
//! lengths only, at most three length bytes, tags up to three bytes. The zone
//! EFs hold tiny objects, so strictness costs nothing and catches corruption.

use thiserror::Error;

/// Tag number bits of the first tag byte all set: the tag continues (ISO 8825-1 §8.1.2.4).
const TAG_MORE_BYTES: u8 = 0x1F;
/// Bit 8 of a subsequent tag byte: another tag byte follows.
const TAG_CONTINUES: u8 = 0x80;
/// Longest tag accepted (ISO 7816-4 §5.2.2.1 allows up to three bytes).
const TAG_MAX_LEN: usize = 3;
/// Length byte '80' is the indefinite form, forbidden in ISO 7816 (ISO 7816-4 §5.2.2.2).
const LENGTH_INDEFINITE: u8 = 0x80;
/// Length bytes '81' and '82': one or two further length bytes follow.
const LENGTH_ONE_BYTE: u8 = 0x81;
const LENGTH_TWO_BYTES: u8 = 0x82;
/// Bit 6 of the first tag byte: constructed encoding.
const TAG_CONSTRUCTED: u8 = 0x20;
/// '00' and 'FF' may pad before, between or after BER-TLV objects (ISO 7816-4 §5.2.2.1).
const PADDING: [u8; 2] = [0x00, 0xFF];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TlvError {
    #[error("data ends inside a tag")]
    TruncatedTag,
    #[error("tag longer than {TAG_MAX_LEN} bytes")]
    TagTooLong,
    #[error("data ends inside a length")]
    TruncatedLength,
    #[error("indefinite length '80' is not allowed (ISO 7816-4 §5.2.2.2)")]
    IndefiniteLength,
    #[error("length field '{0:02X}' is not supported (at most '82' + two bytes)")]
    LengthTooLong(u8),
    #[error("tag {tag:X} announces {announced} value bytes but only {available} remain")]
    TruncatedValue { tag: u32, announced: usize, available: usize },
}

/// One data object; `value` borrows from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes as a big-endian number, e.g. `0xA1`, `0x5F1F`.
    pub tag: u32,
    pub constructed: bool,
    pub value: &'a [u8],
}

/// Parses the data object at the start of `input`; returns it and the rest.
pub fn parse_one(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (&first, mut rest) = input.split_first().ok_or(TlvError::TruncatedTag)?;
    let mut tag = u32::from(first);
    if first & TAG_MORE_BYTES == TAG_MORE_BYTES {
        let mut len = 1;
        loop {
            let (&next, after) = rest.split_first().ok_or(TlvError::TruncatedTag)?;
            rest = after;
            len += 1;
            if len > TAG_MAX_LEN {
                return Err(TlvError::TagTooLong);
            }
            tag = (tag << 8) | u32::from(next);
            if next & TAG_CONTINUES == 0 {
                break;
            }
        }
    }
    let (&len_byte, mut rest) = rest.split_first().ok_or(TlvError::TruncatedLength)?;
    let length = match len_byte {
        short if short < LENGTH_INDEFINITE => usize::from(short),
        LENGTH_INDEFINITE => return Err(TlvError::IndefiniteLength),
        LENGTH_ONE_BYTE => {
            let (&n, after) = rest.split_first().ok_or(TlvError::TruncatedLength)?;
            rest = after;
            usize::from(n)
        }
        LENGTH_TWO_BYTES => match rest {
            [hi, lo, after @ ..] => {
                let n = usize::from(u16::from_be_bytes([*hi, *lo]));
                rest = after;
                n
            }
            _ => return Err(TlvError::TruncatedLength),
        },
        other => return Err(TlvError::LengthTooLong(other)),
    };
    if rest.len() < length {
        return Err(TlvError::TruncatedValue { tag, announced: length, available: rest.len() });
    }
    let (value, rest) = rest.split_at(length);
    Ok((Tlv { tag, constructed: first & TAG_CONSTRUCTED != 0, value }, rest))
}

/// Parses a sequence of data objects that fills `input` exactly.
pub fn parse_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut objects = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse_one(input)?;
        objects.push(tlv);
        input = rest;
    }
    Ok(objects)
}

/// True when `bytes` is only '00'/'FF' padding.
pub fn is_padding(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| PADDING.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_and_two_byte_tags() {
        let (tlv, rest) = parse_one(&[0xA1, 0x03, 0x80, 0x01, 0x41, 0xEE]).unwrap();
        assert_eq!((tlv.tag, tlv.constructed, tlv.value), (0xA1, true, &[0x80, 0x01, 0x41][..]));
        assert_eq!(rest, &[0xEE]);
        let (tlv, _) = parse_one(&[0x5F, 0x1F, 0x81, 0x01, 0x07]).unwrap();
        assert_eq!((tlv.tag, tlv.constructed, tlv.value), (0x5F1F, false, &[0x07][..]));
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend([0u8; 256]);
        assert_eq!(parse_one(&long).unwrap().0.value.len(), 256);
    }

    #[test]
    fn malformed_inputs_are_errors() {
        assert_eq!(parse_one(&[]), Err(TlvError::TruncatedTag));
        assert_eq!(parse_one(&[0x5F]), Err(TlvError::TruncatedTag));
        assert_eq!(parse_one(&[0x5F, 0x81, 0x81, 0x01]), Err(TlvError::TagTooLong));
        assert_eq!(parse_one(&[0x80]), Err(TlvError::TruncatedLength));
        assert_eq!(parse_one(&[0x80, 0x80]), Err(TlvError::IndefiniteLength));
        assert_eq!(parse_one(&[0x80, 0x83, 0, 0, 1]), Err(TlvError::LengthTooLong(0x83)));
        assert_eq!(parse_one(&[0x80, 0x82, 0x01]), Err(TlvError::TruncatedLength));
        assert_eq!(
            parse_one(&[0x80, 0x05, 0x01]),
            Err(TlvError::TruncatedValue { tag: 0x80, announced: 5, available: 1 })
        );
    }

    #[test]
    fn parse_all_needs_whole_objects() {
        assert_eq!(parse_all(&[0x80, 0x00, 0x81, 0x01, 0x33]).unwrap().len(), 2);
        assert!(parse_all(&[0x80, 0x00, 0x81]).is_err());
        assert!(is_padding(&[0x00, 0xFF]) && !is_padding(&[0x01]));
    }
}
