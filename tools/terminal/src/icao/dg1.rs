//! DG1: the machine readable zone as the chip stores it, `61 L { 5F1F L MRZ }`
//! (ICAO 9303-10 §4.7.1), and the three MRZ layouts:
//!
//! | format | lines | ICAO part | typical document |
//! |--------|-------|-----------|------------------|
//! | TD1    | 3 × 30 | 9303-5 §4.2 | ID card |
//! | TD2    | 2 × 36 | 9303-6 §4.2 | ID card, visa B |
//! | TD3    | 2 × 44 | 9303-4 §4.2 | passport |
//!
//! Every check digit is recomputed (ICAO 9303-3 §4.9, weights 7-3-1) and the
//! result kept per field, so a report shows which one is wrong.

use std::ops::Range;

use profiles::mrz::{FILLER, check_digit, is_mrz_char};
use serde::Serialize;
use thiserror::Error;

use crate::tlv;

/// DG1 tag `61` ([APPLICATION 1]) and the MRZ data element `5F1F` (ICAO 9303-10 §4.7.1).
pub const DG1_TAG: u32 = 0x61;
pub const MRZ_TAG: u32 = 0x5F1F;

/// Line lengths and counts.
const TD1_LINE: usize = 30;
const TD2_LINE: usize = 36;
const TD3_LINE: usize = 44;
/// The name field: primary and secondary identifiers separated by `<<` (ICAO 9303-3 §4.6).
const NAME_SEPARATOR: &str = "<<";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MrzFormat {
    Td1,
    Td2,
    Td3,
}

/// One check digit: what the MRZ prints and what the field gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckDigit {
    pub field: &'static str,
    pub found: char,
    pub expected: char,
    pub ok: bool,
}

/// The fields of an MRZ, fillers trimmed, `<` in names turned into spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mrz {
    pub format: MrzFormat,
    pub document_code: String,
    pub issuing_state: String,
    /// Full document number, including a TD1/TD2 overflow in the optional data.
    pub document_number: String,
    pub primary_identifier: String,
    pub secondary_identifier: String,
    pub nationality: String,
    /// YYMMDD as printed (unknown parts stay `<`).
    pub date_of_birth: String,
    /// `M`, `F` or `<` (unspecified); `X` is accepted too (ICAO 9303-3 §4.6.2).
    pub sex: char,
    /// YYMMDD as printed.
    pub date_of_expiry: String,
    /// Optional data fields (TD3: the personal number), fillers trimmed.
    pub optional_data: Vec<String>,
    pub check_digits: Vec<CheckDigit>,
    /// The lines as read.
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzParseError {
    #[error(
        "MRZ of {0} characters: TD1 has 90 (3 × 30), TD2 72 (2 × 36), TD3 88 (2 × 44) (ICAO 9303-4/-5/-6)"
    )]
    Length(usize),
    #[error(
        "MRZ character {0:?} at position {1}: only 0-9, A-Z and '<' are allowed (ICAO 9303-3 §4.3)"
    )]
    Character(char, usize),
    #[error("DG1: {0}")]
    Tlv(#[from] tlv::TlvError),
    #[error("DG1: expected tag 61 holding tag 5F1F (ICAO 9303-10 §4.7.1), found tag {0:X}")]
    Structure(u32),
}

impl Mrz {
    /// The MRZ data element of DG1 (`61 { 5F1F MRZ }`).
    pub fn from_dg1(dg1: &[u8]) -> Result<Self, MrzParseError> {
        let (outer, _) = tlv::parse_one(dg1)?;
        if outer.tag != DG1_TAG {
            return Err(MrzParseError::Structure(outer.tag));
        }
        let (inner, _) = tlv::parse_one(outer.value)?;
        if inner.tag != MRZ_TAG {
            return Err(MrzParseError::Structure(inner.tag));
        }
        // Non-ASCII bytes are refused by `parse` as characters outside the MRZ set.
        let text: String = inner.value.iter().map(|&b| char::from(b)).collect();
        Self::parse(&text)
    }

    /// The MRZ from its lines (joined, newlines and spaces at line ends ignored).
    pub fn from_lines<S: AsRef<str>>(lines: &[S]) -> Result<Self, MrzParseError> {
        let joined: String = lines.iter().map(|l| l.as_ref().trim()).collect();
        Self::parse(&joined)
    }

    /// The MRZ as one string of 90, 72 or 88 characters.
    pub fn parse(text: &str) -> Result<Self, MrzParseError> {
        let chars: Vec<char> = text.chars().collect();
        if let Some((i, c)) = chars.iter().enumerate().find(|(_, c)| !is_mrz_char(**c)) {
            return Err(MrzParseError::Character(*c, i));
        }
        // Every character is ASCII from here on: byte ranges are char ranges.
        let (format, line_len) = match chars.len() {
            90 => (MrzFormat::Td1, TD1_LINE),
            72 => (MrzFormat::Td2, TD2_LINE),
            88 => (MrzFormat::Td3, TD3_LINE),
            n => return Err(MrzParseError::Length(n)),
        };
        let lines: Vec<String> = chars.chunks(line_len).map(|l| l.iter().collect()).collect();
        Ok(match format {
            MrzFormat::Td1 => parse_td1(lines),
            MrzFormat::Td2 => parse_td2_td3(format, lines),
            MrzFormat::Td3 => parse_td2_td3(format, lines),
        })
    }

    /// Every check digit matches.
    pub fn check_digits_ok(&self) -> bool {
        self.check_digits.iter().all(|c| c.ok)
    }

    /// The check-digit result for `field`.
    pub fn check(&self, field: &str) -> Option<&CheckDigit> {
        self.check_digits.iter().find(|c| c.field == field)
    }

    /// The MRZ information of the access keys (ICAO 9303-11 §9.7.2):
    /// document number, date of birth, date of expiry, each with its check
    /// digit as computed; the number filled with `<` to at least 9.
    pub fn access_fields(&self) -> (&str, &str, &str) {
        (
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        )
    }
}

fn field(line: &str, range: Range<usize>) -> &str {
    line.get(range).unwrap_or_default()
}

fn at(line: &str, index: usize) -> char {
    line.as_bytes()
        .get(index)
        .map_or(FILLER, |b| char::from(*b))
}

fn trim(value: &str) -> String {
    value.trim_end_matches(FILLER).to_owned()
}

fn check(name: &'static str, value: &str, found: char) -> CheckDigit {
    let expected = check_digit(value).unwrap_or('?');
    CheckDigit {
        field: name,
        found,
        expected,
        ok: found == expected,
    }
}

/// An optional field's check digit may be `<` when the field is all fillers
/// (ICAO 9303-4 §4.2.2.2, personal number).
fn check_optional(name: &'static str, value: &str, found: char) -> CheckDigit {
    let mut result = check(name, value, found);
    if value.chars().all(|c| c == FILLER) && found == FILLER {
        result.ok = true;
    }
    result
}

fn names(name_field: &str) -> (String, String) {
    let (primary, secondary) = name_field
        .split_once(NAME_SEPARATOR)
        .unwrap_or((name_field, ""));
    let clean = |s: &str| {
        s.trim_end_matches(FILLER)
            .replace(FILLER, " ")
            .trim()
            .to_owned()
    };
    (clean(primary), clean(secondary))
}

/// A document number longer than 9: the check-digit position holds `<` and
/// the rest, then its check digit, start the optional data (ICAO 9303-5
/// §4.2.2 note j, 9303-6 §4.2.2 note j). Returns (number, check value, check).
fn with_overflow(
    first_nine: &str,
    check_char: char,
    optional: &str,
) -> (String, String, char, bool) {
    if check_char != FILLER {
        return (trim(first_nine), first_nine.to_owned(), check_char, false);
    }
    let rest = optional.split(FILLER).next().unwrap_or_default();
    match rest.char_indices().last() {
        Some((last, digit)) if last > 0 => {
            let full = format!("{first_nine}{}", &rest[..last]);
            (full.clone(), full, digit, true)
        }
        _ => (trim(first_nine), first_nine.to_owned(), check_char, false),
    }
}

fn parse_td1(lines: Vec<String>) -> Mrz {
    let (l1, l2, l3) = (&lines[0], &lines[1], &lines[2]);
    let optional_1 = field(l1, 15..30);
    let (document_number, number_value, number_check, overflow) =
        with_overflow(field(l1, 5..14), at(l1, 14), optional_1);
    let (primary, secondary) = names(l3);
    // Composite: line 1 positions 6-30, line 2 positions 1-7, 9-15, 19-29 (ICAO 9303-5 §4.2.2.1).
    let composite = format!(
        "{}{}{}{}",
        field(l1, 5..30),
        field(l2, 0..7),
        field(l2, 8..15),
        field(l2, 18..29)
    );
    let optional_1 = if overflow {
        String::new()
    } else {
        trim(optional_1)
    };
    Mrz {
        format: MrzFormat::Td1,
        document_code: trim(field(l1, 0..2)),
        issuing_state: trim(field(l1, 2..5)),
        document_number,
        primary_identifier: primary,
        secondary_identifier: secondary,
        nationality: trim(field(l2, 15..18)),
        date_of_birth: field(l2, 0..6).to_owned(),
        sex: at(l2, 7),
        date_of_expiry: field(l2, 8..14).to_owned(),
        optional_data: vec![optional_1, trim(field(l2, 18..29))],
        check_digits: vec![
            check("document number", &number_value, number_check),
            check("date of birth", field(l2, 0..6), at(l2, 6)),
            check("date of expiry", field(l2, 8..14), at(l2, 14)),
            check("composite", &composite, at(l2, 29)),
        ],
        lines,
    }
}

fn parse_td2_td3(format: MrzFormat, lines: Vec<String>) -> Mrz {
    let (l1, l2) = (&lines[0], &lines[1]);
    let line_len = l2.len();
    let (primary, secondary) = names(field(l1, 5..line_len));
    let optional = field(l2, 28..line_len - 1);
    let mut check_digits = Vec::new();
    let (document_number, number_value, number_check, optional_data) = match format {
        // TD3: personal number 29-42 with its own check digit at 43 (ICAO 9303-4 §4.2.2).
        MrzFormat::Td3 => {
            let personal = field(l2, 28..42);
            check_digits.push(check_optional("personal number", personal, at(l2, 42)));
            (
                trim(field(l2, 0..9)),
                field(l2, 0..9).to_owned(),
                at(l2, 9),
                vec![trim(personal)],
            )
        }
        _ => {
            let (number, value, digit, overflow) =
                with_overflow(field(l2, 0..9), at(l2, 9), optional);
            (
                number,
                value,
                digit,
                vec![if overflow {
                    String::new()
                } else {
                    trim(optional)
                }],
            )
        }
    };
    check_digits.insert(0, check("document number", &number_value, number_check));
    check_digits.insert(1, check("date of birth", field(l2, 13..19), at(l2, 19)));
    check_digits.insert(2, check("date of expiry", field(l2, 21..27), at(l2, 27)));
    // Composite: positions 1-10, 14-20, 22-(n-1) of line 2 (ICAO 9303-4 §4.2.2.2, 9303-6 §4.2.2.2).
    let composite = format!(
        "{}{}{}",
        field(l2, 0..10),
        field(l2, 13..20),
        field(l2, 21..line_len - 1)
    );
    check_digits.push(check("composite", &composite, at(l2, line_len - 1)));
    Mrz {
        format,
        document_code: trim(field(l1, 0..2)),
        issuing_state: trim(field(l1, 2..5)),
        document_number,
        primary_identifier: primary,
        secondary_identifier: secondary,
        nationality: trim(field(l2, 10..13)),
        date_of_birth: field(l2, 13..19).to_owned(),
        sex: at(l2, 20),
        date_of_expiry: field(l2, 21..27).to_owned(),
        optional_data,
        check_digits,
        lines,
    }
}

/// DG1 content for an MRZ string (tests and the card side's personalization).
pub fn encode_dg1(mrz: &str) -> Vec<u8> {
    let inner = tlv_build(MRZ_TAG, mrz.as_bytes());
    tlv_build(DG1_TAG, &inner)
}

/// A BER-TLV with a one- or two-byte tag and a definite length (ISO 8825-1 §8.1.3).
pub(crate) fn tlv_build(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    if tag > 0xFF {
        out.extend_from_slice(&(tag as u16).to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    match value.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        n => {
            out.push(0x82);
            out.extend_from_slice(&(n.min(0xFFFF) as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ICAO 9303-5 Appendix A (TD1 specimen).
    const TD1: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];
    /// ICAO 9303-6 Appendix A (TD2 specimen).
    const TD2: [&str; 2] = [
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    ];
    /// ICAO 9303-4 Appendix A (TD3 specimen passport).
    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    /// The adult reference holder (reference-citizens.toml).
    const ADULT: [&str; 3] = [
        "IDTWN2100123450A123456789<<<<<",
        "9003152M3603147TWN<<<<<<<<<<<3",
        "WANG<<HSIAO<MING<<<<<<<<<<<<<<",
    ];

    #[test]
    fn td1_specimen() {
        let mrz = Mrz::from_lines(&TD1).unwrap();
        assert_eq!(mrz.format, MrzFormat::Td1);
        assert_eq!(
            (mrz.document_code.as_str(), mrz.issuing_state.as_str()),
            ("I", "UTO")
        );
        assert_eq!(mrz.document_number, "D23145890");
        assert_eq!(
            (
                mrz.primary_identifier.as_str(),
                mrz.secondary_identifier.as_str()
            ),
            ("ERIKSSON", "ANNA MARIA")
        );
        assert_eq!(
            (
                mrz.date_of_birth.as_str(),
                mrz.sex,
                mrz.date_of_expiry.as_str()
            ),
            ("740812", 'F', "120415")
        );
        assert_eq!(mrz.nationality, "UTO");
        assert!(mrz.check_digits_ok(), "{:?}", mrz.check_digits);
    }

    #[test]
    fn td2_specimen() {
        let mrz = Mrz::from_lines(&TD2).unwrap();
        assert_eq!(mrz.format, MrzFormat::Td2);
        assert_eq!(mrz.document_number, "D23145890");
        assert_eq!(mrz.secondary_identifier, "ANNA MARIA");
        assert_eq!(
            (mrz.date_of_birth.as_str(), mrz.date_of_expiry.as_str()),
            ("740812", "120415")
        );
        assert!(mrz.check_digits_ok(), "{:?}", mrz.check_digits);
    }

    #[test]
    fn td3_specimen() {
        let mrz = Mrz::from_lines(&TD3).unwrap();
        assert_eq!(mrz.format, MrzFormat::Td3);
        assert_eq!(mrz.document_code, "P");
        assert_eq!(mrz.document_number, "L898902C3");
        assert_eq!(mrz.optional_data, vec!["ZE184226B".to_owned()]);
        assert_eq!(
            (
                mrz.date_of_birth.as_str(),
                mrz.sex,
                mrz.date_of_expiry.as_str()
            ),
            ("740812", 'F', "120415")
        );
        assert!(mrz.check_digits_ok(), "{:?}", mrz.check_digits);
        assert_eq!(mrz.check_digits.len(), 5);
    }

    #[test]
    fn reference_adult_td1() {
        let mrz = Mrz::from_lines(&ADULT).unwrap();
        assert_eq!(mrz.document_number, "210012345");
        assert_eq!(
            (
                mrz.primary_identifier.as_str(),
                mrz.secondary_identifier.as_str()
            ),
            ("WANG", "HSIAO MING")
        );
        assert_eq!(mrz.optional_data[0], "A123456789");
        assert!(mrz.check_digits_ok(), "{:?}", mrz.check_digits);
    }

    #[test]
    fn td1_long_document_number_overflows_into_optional_data() {
        // ICAO 9303-5 §4.2.2 note j: D23145890734, check digit 9 after the overflow.
        let number = "D23145890734";
        let digit = check_digit(number).unwrap();
        let l1 = format!("I<UTOD23145890<734{digit}<<<<<<<<<<<");
        let l2_start = "7408122F1204159UTO<<<<<<<<<<<";
        let composite = format!(
            "{}{}{}{}",
            &l1[5..30],
            &l2_start[0..7],
            &l2_start[8..15],
            &l2_start[18..29]
        );
        let l2 = format!("{l2_start}{}", check_digit(&composite).unwrap());
        let mrz = Mrz::from_lines(&[l1.as_str(), l2.as_str(), TD1[2]]).unwrap();
        assert_eq!(mrz.document_number, number);
        assert!(mrz.check_digits_ok(), "{:?}", mrz.check_digits);
    }

    #[test]
    fn each_wrong_check_digit_is_named() {
        let mut lines = TD3.map(str::to_owned);
        lines[1].replace_range(19..20, "3"); // date of birth check 2 -> 3
        let mrz = Mrz::from_lines(&lines).unwrap();
        let failed: Vec<&str> = mrz
            .check_digits
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.field)
            .collect();
        assert_eq!(failed, ["date of birth", "composite"]);
        assert_eq!(mrz.check("date of birth").map(|c| c.expected), Some('2'));
    }

    #[test]
    fn dg1_round_trip_and_malformed_input() {
        let mrz: String = TD3.concat();
        let dg1 = encode_dg1(&mrz);
        assert_eq!(&dg1[..5], &[0x61, 0x5B, 0x5F, 0x1F, 0x58]);
        assert_eq!(Mrz::from_dg1(&dg1).unwrap(), Mrz::parse(&mrz).unwrap());
        assert!(matches!(Mrz::parse("P<UTO"), Err(MrzParseError::Length(5))));
        assert!(matches!(
            Mrz::parse(&mrz.replace('Z', "z")),
            Err(MrzParseError::Character('z', _))
        ));
        assert!(matches!(
            Mrz::from_dg1(&[0x75, 0x00]),
            Err(MrzParseError::Structure(0x75))
        ));
        assert!(Mrz::from_dg1(&[0x61, 0x05, 0x5F]).is_err());
        assert!(Mrz::from_dg1(&[]).is_err());
    }
}
