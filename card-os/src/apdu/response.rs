//! Response APDU: data field followed by SW1 SW2 (ISO 7816-4 §5.1).

use alloc::vec::Vec;
use core::fmt;

use crate::status::StatusWord;

/// Length of the trailer SW1 SW2.
const TRAILER_LEN: usize = 2;

/// A response APDU. `sw` is kept as a number so that a terminal can carry any
/// status word a real card sends, including ones this card never uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseApdu {
    pub data: Vec<u8>,
    pub sw: u16,
}

/// A response shorter than its status word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseTooShort(pub usize);

impl fmt::Display for ResponseTooShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response APDU has {} bytes; it needs at least SW1 SW2 (2 bytes)", self.0)
    }
}

impl ResponseApdu {
    pub fn new(data: Vec<u8>, sw: StatusWord) -> ResponseApdu {
        ResponseApdu { data, sw: sw.to_u16() }
    }

    /// The status word as a known variant, if this card's set contains it.
    pub fn status(&self) -> Option<StatusWord> {
        StatusWord::from_u16(self.sw)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + TRAILER_LEN);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }

    pub fn parse(bytes: &[u8]) -> Result<ResponseApdu, ResponseTooShort> {
        match bytes.split_last_chunk::<TRAILER_LEN>() {
            Some((data, sw)) => Ok(ResponseApdu { data: data.to_vec(), sw: u16::from_be_bytes(*sw) }),
            None => Err(ResponseTooShort(bytes.len())),
        }
    }
}

/// ISO 7816-4 §5.1: whether `len` data bytes, and `trailer` bytes the card
/// appends after them (an SCP03 R-MAC, GP Amd D §6.2.5), fit Ne: 6Cxx with
/// their total otherwise. Ne absent fits: the card then sends no data.
pub fn check_ne(ne: Option<usize>, len: usize, trailer: usize) -> Result<(), StatusWord> {
    let total = len.saturating_add(trailer);
    match ne {
        Some(ne) if total > ne => Err(wrong_le(total)),
        _ => Ok(()),
    }
}

/// 6Cxx for `available` bytes: SW2 = available, 00 for 256 (or more)
/// (ISO 7816-4 §5.6, table 6: "wrong Le field; SW2 encodes the exact number
/// of available data bytes").
pub fn wrong_le(available: usize) -> StatusWord {
    match u8::try_from(available) {
        Ok(exact) if available < super::command::SHORT_MAX_NE => StatusWord::WrongLe(exact),
        _ => StatusWord::WrongLe(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn check_ne_counts_the_trailer() {
        assert_eq!(check_ne(None, 300, 8), Ok(()));
        assert_eq!(check_ne(Some(110), 102, 8), Ok(()));
        assert_eq!(check_ne(Some(109), 102, 8), Err(StatusWord::WrongLe(110)));
        assert_eq!(check_ne(Some(4), 0, 8), Err(StatusWord::WrongLe(8)));
        assert_eq!(check_ne(Some(270), 270, 8), Err(StatusWord::WrongLe(0)));
        assert_eq!(check_ne(Some(102), 102, 0), Ok(()));
    }

    #[test]
    fn round_trip() {
        let r = ResponseApdu::new(vec![1, 2], StatusWord::EndOfFileReached);
        assert_eq!(r.to_bytes(), vec![1, 2, 0x62, 0x82]);
        assert_eq!(ResponseApdu::parse(&[1, 2, 0x62, 0x82]), Ok(r));
        assert_eq!(ResponseApdu::parse(&[0x90]), Err(ResponseTooShort(1)));
    }
}
