//! Parsing APDUs given in hex on the command line.

use thiserror::Error;

/// CLA INS P1 P2: the shortest command APDU (ISO 7816-4 §5.1, case 1).
const HEADER_LEN: usize = 4;

#[derive(Debug, PartialEq, Eq, Error)]
pub enum HexError {
    #[error("APDU {index} (\"{text}\"): '{found}' at position {position} is not a hex digit")]
    NotHex { index: usize, text: String, found: char, position: usize },
    #[error("APDU {index} (\"{text}\"): odd number of hex digits")]
    OddLength { index: usize, text: String },
    #[error("APDU {index} (\"{text}\"): {len} byte(s); a command APDU has at least CLA INS P1 P2 (4 bytes)")]
    TooShort { index: usize, text: String, len: usize },
}

/// Parses argument number `index` (1-based, for messages): hex digits with
/// optional spaces between them.
pub fn parse_apdu(index: usize, text: &str) -> Result<Vec<u8>, HexError> {
    let mut digits = Vec::with_capacity(text.len());
    for (position, c) in text.chars().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        let Some(value) = c.to_digit(16) else {
            return Err(HexError::NotHex { index, text: text.to_owned(), found: c, position: position + 1 });
        };
        // to_digit(16) is at most 15.
        digits.push(value as u8);
    }
    if digits.len() % 2 != 0 {
        return Err(HexError::OddLength { index, text: text.to_owned() });
    }
    let bytes: Vec<u8> = digits.chunks_exact(2).map(|pair| (pair[0] << 4) | pair[1]).collect();
    if bytes.len() < HEADER_LEN {
        return Err(HexError::TooShort { index, text: text.to_owned(), len: bytes.len() });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_allowed_case_insensitive() {
        assert_eq!(parse_apdu(1, "00 a4 04 0C 02 3f00").unwrap(), vec![0x00, 0xA4, 0x04, 0x0C, 0x02, 0x3F, 0x00]);
    }

    #[test]
    fn errors_name_the_apdu_and_the_problem() {
        assert_eq!(
            parse_apdu(2, "00B0ZZ").unwrap_err().to_string(),
            "APDU 2 (\"00B0ZZ\"): 'Z' at position 5 is not a hex digit"
        );
        assert!(matches!(parse_apdu(1, "00B"), Err(HexError::OddLength { .. })));
        assert!(matches!(parse_apdu(1, "00B0"), Err(HexError::TooShort { len: 2, .. })));
        assert!(matches!(parse_apdu(1, ""), Err(HexError::TooShort { len: 0, .. })));
    }
}
