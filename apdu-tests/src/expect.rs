//! Expectations on a response: status word patterns (`9000`, `63Cx`), byte
//! masks over the data, lengths, and BER-TLV paths (`A1/81 == utf8:臺北市`).
//!
//! Every parser here works on text a test engineer wrote, so every error
//! names the text and the rule it breaks.

use serde::Serialize;
use thiserror::Error;

/// Why an expectation in a suite file cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExpectError {
    #[error("status word \"{0}\": must be 4 characters, each a hex digit or x (any nibble), e.g. 9000 or 63Cx")]
    StatusWord(String),
    #[error("byte mask \"{0}\": must be hex digits and x (any nibble), a whole number of bytes, spaces allowed")]
    Mask(String),
    #[error("TLV check \"{text}\": {rule}")]
    Tlv { text: String, rule: &'static str },
}

/// One hex nibble or a wildcard (`x`).
type Nibble = Option<u8>;

fn parse_nibbles(text: &str) -> Option<Vec<Nibble>> {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'x' | 'X' => Some(None),
            _ => c.to_digit(16).map(|d| Some(d as u8)),
        })
        .collect()
}

fn nibbles_of(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    bytes.iter().flat_map(|b| [b >> 4, b & 0x0F])
}

/// A status word pattern: `9000`, `6Cxx`, `63Cx` (ISO 7816-4 §5.6: SW1 SW2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct SwPattern {
    nibbles: [Nibble; 4],
}

impl From<SwPattern> for String {
    fn from(p: SwPattern) -> String {
        p.to_string()
    }
}

impl SwPattern {
    pub fn parse(text: &str) -> Result<Self, ExpectError> {
        let nibbles = parse_nibbles(text).ok_or_else(|| ExpectError::StatusWord(text.to_owned()))?;
        let nibbles: [Nibble; 4] = nibbles.try_into().map_err(|_| ExpectError::StatusWord(text.to_owned()))?;
        Ok(Self { nibbles })
    }

    pub fn matches(&self, sw: u16) -> bool {
        nibbles_of(&sw.to_be_bytes()).zip(self.nibbles).all(|(n, want)| want.is_none_or(|w| w == n))
    }
}

impl std::fmt::Display for SwPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for n in self.nibbles {
            match n {
                Some(d) => write!(f, "{d:X}")?,
                None => f.write_str("x")?,
            }
        }
        Ok(())
    }
}

/// Expected bytes with wildcard nibbles: the data must have exactly this
/// length and agree on every nibble that is not `x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteMask {
    nibbles: Vec<Nibble>,
}

impl ByteMask {
    pub fn parse(text: &str) -> Result<Self, ExpectError> {
        let nibbles = parse_nibbles(text).ok_or_else(|| ExpectError::Mask(text.to_owned()))?;
        if nibbles.len() % 2 != 0 {
            return Err(ExpectError::Mask(text.to_owned()));
        }
        Ok(Self { nibbles })
    }

    pub fn len(&self) -> usize {
        self.nibbles.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.nibbles.is_empty()
    }

    pub fn matches(&self, data: &[u8]) -> bool {
        data.len() == self.len() && nibbles_of(data).zip(&self.nibbles).all(|(n, want)| want.is_none_or(|w| w == n))
    }
}

impl std::fmt::Display for ByteMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for n in &self.nibbles {
            match n {
                Some(d) => write!(f, "{d:X}")?,
                None => f.write_str("x")?,
            }
        }
        Ok(())
    }
}

/// What a TLV path check asserts about the data object it finds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TlvAssertion {
    /// The value equals these bytes.
    Equals(Vec<u8>),
    /// The object is there.
    Present,
    /// No object at this path.
    Absent,
}

/// `A1/81 == utf8:臺北市`: a path of BER-TLV tags (ISO 8825-1 §8.1.2), each
/// looked up among the objects of the level above, and an assertion on the
/// value: `== hex:…`, `== utf8:…` (`ascii:` is a synonym), `present`, `absent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlvCheck {
    text: String,
    path: Vec<Vec<u8>>,
    assertion: TlvAssertion,
}

impl TlvCheck {
    pub fn parse(text: &str) -> Result<Self, ExpectError> {
        let bad = |rule| ExpectError::Tlv { text: text.to_owned(), rule };
        let (path_text, assertion) = if let Some((path, value)) = text.split_once("==") {
            let value = value.trim();
            let bytes = if let Some(h) = value.strip_prefix("hex:") {
                hex::decode(h.replace(' ', "")).map_err(|_| bad("the hex: value is not whole bytes of hex"))?
            } else if let Some(t) = value.strip_prefix("utf8:").or_else(|| value.strip_prefix("ascii:")) {
                t.as_bytes().to_vec()
            } else {
                return Err(bad("the value after == must start with hex:, utf8: or ascii:"));
            };
            (path, TlvAssertion::Equals(bytes))
        } else if let Some(path) = text.trim().strip_suffix("present") {
            (path, TlvAssertion::Present)
        } else if let Some(path) = text.trim().strip_suffix("absent") {
            (path, TlvAssertion::Absent)
        } else {
            return Err(bad("expected PATH == VALUE, PATH present or PATH absent"));
        };
        let path = path_text
            .trim()
            .split('/')
            .map(|tag| hex::decode(tag.trim()).ok().filter(|t| !t.is_empty()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("the path must be hex tags separated by /, e.g. A1/81"))?;
        Ok(Self { text: text.to_owned(), path, assertion })
    }

    /// `Ok(())` or a sentence saying what was found instead.
    pub fn check(&self, data: &[u8]) -> Result<(), String> {
        let mut level = data;
        let mut found = None;
        for (depth, tag) in self.path.iter().enumerate() {
            let objects = parse_level(level).map_err(|e| format!("{}: {e}", self.text))?;
            match objects.into_iter().find(|(t, _)| t == tag) {
                Some((_, value)) => {
                    found = Some(value);
                    level = value;
                }
                None => {
                    if self.assertion == TlvAssertion::Absent {
                        return Ok(());
                    }
                    return Err(format!("{}: no tag {} at level {}", self.text, hex::encode_upper(tag), depth + 1));
                }
            }
        }
        match (&self.assertion, found) {
            (TlvAssertion::Present, Some(_)) => Ok(()),
            (TlvAssertion::Absent, Some(v)) => Err(format!("{}: found value {}", self.text, hex::encode_upper(v))),
            (TlvAssertion::Equals(want), Some(v)) if v == want.as_slice() => Ok(()),
            (TlvAssertion::Equals(_), Some(v)) => Err(format!(
                "{}: value is {} ({:?})",
                self.text,
                hex::encode_upper(v),
                String::from_utf8_lossy(v)
            )),
            (_, None) => Err(format!("{}: empty path", self.text)),
        }
    }
}

/// The data objects of one level: (tag bytes, value). BER tags of one or more
/// bytes, definite lengths `00`..`7F`, `81 xx`, `82 xxxx`, `83 xxxxxx`
/// (ISO 8825-1 §8.1.2-8.1.3). A zero byte between objects is padding (ISO
/// 7816-4 §5.2) and skipped.
/// A data object: tag bytes and value.
type DataObject<'a> = (Vec<u8>, &'a [u8]);

fn parse_level(mut data: &[u8]) -> Result<Vec<DataObject<'_>>, &'static str> {
    const TAG_NUMBER_MASK: u8 = 0x1F;
    const MORE_TAG_BYTES: u8 = 0x80;
    const LONG_LENGTH: u8 = 0x80;
    const MAX_LENGTH_BYTES: usize = 3;
    let mut objects = Vec::new();
    while let Some((&first, rest)) = data.split_first() {
        if first == 0x00 {
            data = rest;
            continue;
        }
        let mut tag_len = 1;
        if first & TAG_NUMBER_MASK == TAG_NUMBER_MASK {
            loop {
                let b = *data.get(tag_len).ok_or("tag runs past the end")?;
                tag_len += 1;
                if b & MORE_TAG_BYTES == 0 {
                    break;
                }
            }
        }
        let (tag, rest) = data.split_at(tag_len);
        let (&len_byte, mut rest) = rest.split_first().ok_or("length missing")?;
        let len = if len_byte & LONG_LENGTH == 0 {
            usize::from(len_byte)
        } else {
            let n = usize::from(len_byte & !LONG_LENGTH);
            if n == 0 || n > MAX_LENGTH_BYTES || rest.len() < n {
                return Err("length field malformed");
            }
            let (len_bytes, after) = rest.split_at(n);
            rest = after;
            len_bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        if rest.len() < len {
            return Err("value runs past the end");
        }
        let (value, after) = rest.split_at(len);
        objects.push((tag.to_vec(), value));
        data = after;
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sw_patterns_match_nibbles() {
        let p = SwPattern::parse("63Cx").unwrap();
        assert!(p.matches(0x63C2));
        assert!(!p.matches(0x6300));
        assert!(SwPattern::parse("9000").unwrap().matches(0x9000));
        assert!(!SwPattern::parse("9000").unwrap().matches(0x6282));
        assert_eq!(SwPattern::parse("6Cxx").unwrap().to_string(), "6Cxx");
        assert!(SwPattern::parse("900").is_err());
        assert!(SwPattern::parse("90G0").is_err());
    }

    #[test]
    fn masks_check_length_and_nibbles() {
        let m = ByteMask::parse("62 xx 82 01 3x").unwrap();
        assert!(m.matches(&[0x62, 0x12, 0x82, 0x01, 0x38]));
        assert!(!m.matches(&[0x62, 0x12, 0x82, 0x01, 0x48]));
        assert!(!m.matches(&[0x62, 0x12, 0x82, 0x01]));
        assert!(ByteMask::parse("623").is_err());
    }

    #[test]
    fn tlv_paths_descend_and_compare() {
        // The household worked example: A4 03 80 01 35 (household.md).
        let data = hex::decode("A403800135").unwrap();
        assert!(TlvCheck::parse("A4/80 == ascii:5").unwrap().check(&data).is_ok());
        assert!(TlvCheck::parse("A4/80 == hex:36").unwrap().check(&data).is_err());
        assert!(TlvCheck::parse("A4/81 absent").unwrap().check(&data).is_ok());
        assert!(TlvCheck::parse("A4 present").unwrap().check(&data).is_ok());
        let e = TlvCheck::parse("A4/81 present").unwrap().check(&data).unwrap_err();
        assert!(e.contains("no tag 81"), "{e}");
        // Two-byte tag and 81 xx length.
        let mut long = vec![0x7F, 0x4C, 0x81, 0x80];
        long.extend([0xAB; 0x80]);
        assert!(TlvCheck::parse("7F4C present").unwrap().check(&long).is_ok());
        assert!(TlvCheck::parse("A4/80 = 5").is_err());
        assert!(TlvCheck::parse("A4/8 present").is_err());
        // Truncated data is an error, never a panic.
        assert!(TlvCheck::parse("A4/80 present").unwrap().check(&[0xA4, 0x05, 0x80]).is_err());
    }
}
