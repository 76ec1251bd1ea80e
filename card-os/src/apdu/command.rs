//! Command APDU codec (ISO 7816-4 §5.1, cases 1, 2S/2E, 3S/3E, 4S/4E).
//!
//! ```text
//! CLA INS P1 P2 [Lc field] [data] [Le field]
//! short:    Lc = 1 byte 01..FF,        Le = 1 byte (00 means Ne = 256)
//! extended: Lc = 00 + 2 bytes 0001..FFFF, Le = 2 bytes (0000 means Ne = 65536),
//!           or, without Lc (case 2E), Le = 00 + 2 bytes
//! ```

use alloc::vec::Vec;
use core::fmt;

use super::class;
use crate::status::StatusWord;

/// Header length: CLA INS P1 P2.
const HEADER_LEN: usize = 4;
/// Largest Nc in short form.
pub const SHORT_MAX_NC: usize = 255;
/// Largest Ne in short form (Le = 00).
pub const SHORT_MAX_NE: usize = 256;
/// Largest Nc in extended form.
pub const EXTENDED_MAX_NC: usize = 65_535;
/// Largest Ne in extended form (Le = 0000).
pub const EXTENDED_MAX_NE: usize = 65_536;
/// First byte of an extended Lc field, or of a case 2E Le field.
const EXTENDED_MARKER: u8 = 0x00;

/// A decoded command APDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// Command data field (Nc = `data.len()`).
    pub data: Vec<u8>,
    /// Ne, the maximum number of response data bytes; `None` when Le is absent.
    pub ne: Option<usize>,
    /// The command used (or, for `to_bytes`, must use) extended length fields.
    pub extended: bool,
}

/// Why a command APDU cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// Nc is above 65 535, the largest extended Lc.
    DataTooLong(usize),
    /// Ne is above 65 536, the largest extended Le.
    NeTooLarge(usize),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::DataTooLong(n) => {
                write!(f, "command data field has {n} bytes; ISO 7816-4 allows at most 65535")
            }
            EncodeError::NeTooLarge(n) => {
                write!(f, "Ne is {n}; ISO 7816-4 allows at most 65536")
            }
        }
    }
}

fn be16(hi: u8, lo: u8) -> usize {
    usize::from(u16::from_be_bytes([hi, lo]))
}

/// Le byte(s) value 0 means the maximum (ISO 7816-4 §5.1).
fn short_ne(le: u8) -> usize {
    if le == 0 { SHORT_MAX_NE } else { usize::from(le) }
}

fn extended_ne(hi: u8, lo: u8) -> usize {
    match be16(hi, lo) {
        0 => EXTENDED_MAX_NE,
        n => n,
    }
}

impl CommandApdu {
    /// A command in the first interindustry class style; `extended` is chosen by `to_bytes`.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8, data: Vec<u8>, ne: Option<usize>) -> CommandApdu {
        CommandApdu { cla, ins, p1, p2, data, ne, extended: false }
    }

    /// Decode a command APDU. Malformed length fields give 6700, an invalid CLA 6E00.
    pub fn parse(bytes: &[u8]) -> Result<CommandApdu, StatusWord> {
        let (header, body) = match bytes.split_first_chunk::<HEADER_LEN>() {
            Some(split) => split,
            None => return Err(StatusWord::WrongLength),
        };
        let [cla, ins, p1, p2] = *header;
        if !class::is_valid(cla) {
            return Err(StatusWord::ClaNotSupported);
        }
        let make = |data: &[u8], ne: Option<usize>, extended: bool| CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            ne,
            extended,
        };
        match body {
            // Case 1.
            [] => Ok(make(&[], None, false)),
            // Case 2S.
            [le] => Ok(make(&[], Some(short_ne(*le)), false)),
            // Case 2E: Le = 00 + 2 bytes.
            [EXTENDED_MARKER, le_hi, le_lo] => {
                Ok(make(&[], Some(extended_ne(*le_hi, *le_lo)), true))
            }
            // Extended Lc = 00 + 2 bytes (case 3E / 4E).
            [EXTENDED_MARKER, lc_hi, lc_lo, rest @ ..] => {
                let nc = be16(*lc_hi, *lc_lo);
                if nc == 0 {
                    return Err(StatusWord::WrongLength);
                }
                if rest.len() == nc {
                    Ok(make(rest, None, true))
                } else if rest.len() == nc + 2 {
                    let (data, le) = rest.split_at(nc);
                    match le {
                        [hi, lo] => Ok(make(data, Some(extended_ne(*hi, *lo)), true)),
                        _ => Err(StatusWord::WrongLength),
                    }
                } else {
                    Err(StatusWord::WrongLength)
                }
            }
            // Short Lc (case 3S / 4S); Lc = 00 in short form is not a valid length.
            [lc, rest @ ..] if *lc != EXTENDED_MARKER => {
                let nc = usize::from(*lc);
                if rest.len() == nc {
                    Ok(make(rest, None, false))
                } else if rest.len() == nc + 1 {
                    let (data, le) = rest.split_at(nc);
                    match le {
                        [le] => Ok(make(data, Some(short_ne(*le)), false)),
                        _ => Err(StatusWord::WrongLength),
                    }
                } else {
                    Err(StatusWord::WrongLength)
                }
            }
            _ => Err(StatusWord::WrongLength),
        }
    }

    /// Whether this command needs extended length fields.
    pub fn needs_extended(&self) -> bool {
        self.data.len() > SHORT_MAX_NC || self.ne.is_some_and(|ne| ne > SHORT_MAX_NE)
    }

    /// Encode: short form when it fits and `extended` is false, extended otherwise.
    /// `ne == Some(0)` is encoded as an absent Le.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let nc = self.data.len();
        if nc > EXTENDED_MAX_NC {
            return Err(EncodeError::DataTooLong(nc));
        }
        let ne = self.ne.filter(|ne| *ne > 0);
        if let Some(ne) = ne
            && ne > EXTENDED_MAX_NE
        {
            return Err(EncodeError::NeTooLarge(ne));
        }
        let extended = self.extended || self.needs_extended();
        let mut out = Vec::with_capacity(HEADER_LEN + 3 + nc + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if extended {
            if nc > 0 {
                out.push(EXTENDED_MARKER);
                out.extend_from_slice(&(nc as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = ne {
                if nc == 0 {
                    out.push(EXTENDED_MARKER);
                }
                // 65536 is encoded as 0000; every other value fits 16 bits.
                let le = if ne == EXTENDED_MAX_NE { 0 } else { ne as u16 };
                out.extend_from_slice(&le.to_be_bytes());
            }
        } else {
            if nc > 0 {
                out.push(nc as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = ne {
                // 256 is encoded as 00.
                out.push(if ne == SHORT_MAX_NE { 0 } else { ne as u8 });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn parse(hex: &[u8]) -> Result<CommandApdu, StatusWord> {
        CommandApdu::parse(hex)
    }

    #[test]
    fn case_1() {
        let c = parse(&[0x00, 0xA4, 0x00, 0x00]).unwrap();
        assert_eq!((c.data.len(), c.ne, c.extended), (0, None, false));
    }

    #[test]
    fn case_2s_le_00_is_256() {
        assert_eq!(parse(&[0x00, 0xB0, 0, 0, 0x00]).unwrap().ne, Some(256));
        assert_eq!(parse(&[0x00, 0xB0, 0, 0, 0x10]).unwrap().ne, Some(16));
    }

    #[test]
    fn case_2e_le_0000_is_65536() {
        let c = parse(&[0x00, 0xB0, 0, 0, 0x00, 0x00, 0x00]).unwrap();
        assert_eq!((c.ne, c.extended), (Some(65_536), true));
        assert_eq!(parse(&[0x00, 0xB0, 0, 0, 0x00, 0x01, 0x00]).unwrap().ne, Some(256));
    }

    #[test]
    fn case_3_and_4_short() {
        let c = parse(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xAA, 0xBB]).unwrap();
        assert_eq!((c.data, c.ne), (vec![0xAA, 0xBB], None));
        let c = parse(&[0x00, 0xA4, 0x04, 0x00, 0x01, 0xAA, 0x00]).unwrap();
        assert_eq!((c.data, c.ne), (vec![0xAA], Some(256)));
    }

    #[test]
    fn case_3_and_4_extended() {
        let c = parse(&[0x00, 0xD6, 0, 0, 0x00, 0x00, 0x02, 1, 2]).unwrap();
        assert_eq!((c.data, c.ne, c.extended), (vec![1, 2], None, true));
        let c = parse(&[0x00, 0xD6, 0, 0, 0x00, 0x00, 0x01, 1, 0x00, 0x00]).unwrap();
        assert_eq!((c.data, c.ne), (vec![1], Some(65_536)));
    }

    #[test]
    fn malformed_lengths_are_6700() {
        for bad in [
            &[0x00, 0xA4, 0x00][..],
            &[0x00, 0xA4, 0x00, 0x00, 0x02, 0xAA],
            &[0x00, 0xA4, 0x00, 0x00, 0x01, 0xAA, 0x00, 0x00],
            &[0x00, 0xA4, 0x00, 0x00, 0x00, 0x01],
            &[0x00, 0xA4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            &[0x00, 0xA4, 0x00, 0x00, 0x00, 0x00, 0x02, 1, 2, 3],
        ] {
            assert_eq!(parse(bad), Err(StatusWord::WrongLength), "{bad:02X?}");
        }
    }

    #[test]
    fn invalid_cla_is_6e00() {
        assert_eq!(parse(&[0xFF, 0xA4, 0, 0]), Err(StatusWord::ClaNotSupported));
    }

    #[test]
    fn to_bytes_picks_short_then_extended() {
        let c = CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(256));
        assert_eq!(c.to_bytes().unwrap(), vec![0, 0xB0, 0, 0, 0x00]);
        let c = CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(65_536));
        assert_eq!(c.to_bytes().unwrap(), vec![0, 0xB0, 0, 0, 0, 0, 0]);
        let c = CommandApdu::new(0, 0xD6, 0, 0, vec![7; 300], Some(1));
        let bytes = c.to_bytes().unwrap();
        assert_eq!(&bytes[4..7], &[0x00, 0x01, 0x2C]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0x00, 0x01]);
        assert_eq!(CommandApdu::parse(&bytes).unwrap().data.len(), 300);
        let too_long = CommandApdu::new(0, 0xD6, 0, 0, vec![0; 65_536], None);
        assert_eq!(too_long.to_bytes(), Err(EncodeError::DataTooLong(65_536)));
    }
}
