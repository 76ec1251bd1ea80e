//! TD1 machine-readable zone (ICAO 9303-5 §4.2): three lines of 30
//! characters, with the check digits of ICAO 9303-3 §4.9.
//!
//! Positions below are ICAO's, 1-based, and converted once into 0-based
//! ranges in the constants.

use core::ops::Range;

use thiserror::Error;

use crate::codes::Sex;
use crate::date::Date;

/// Characters per TD1 line and lines per TD1 MRZ (ICAO 9303-5 §4.2.2).
pub const TD1_LINE_LEN: usize = 30;
pub const TD1_LINES: usize = 3;

/// The filler character, also worth 0 in check digits (ICAO 9303-3 §4.9).
pub const FILLER: char = '<';

/// Document code of an identity card (ICAO 9303-5 §4.2.2: "I" + type).
pub const DOCUMENT_CODE_ID: &str = "ID";
/// Issuing state and nationality: Taiwan (ICAO 9303-3 §5, code TWN).
pub const STATE_TWN: &str = "TWN";

// Line 1 (ICAO 9303-5 §4.2.2.1), 0-based.
pub const L1_DOCUMENT_CODE: Range<usize> = 0..2;
pub const L1_ISSUING_STATE: Range<usize> = 2..5;
pub const L1_DOCUMENT_NUMBER: Range<usize> = 5..14;
pub const L1_DOCUMENT_NUMBER_CHECK: usize = 14;
pub const L1_OPTIONAL_DATA: Range<usize> = 15..30;
// Line 2.
pub const L2_DATE_OF_BIRTH: Range<usize> = 0..6;
pub const L2_DATE_OF_BIRTH_CHECK: usize = 6;
pub const L2_SEX: usize = 7;
pub const L2_DATE_OF_EXPIRY: Range<usize> = 8..14;
pub const L2_DATE_OF_EXPIRY_CHECK: usize = 14;
pub const L2_NATIONALITY: Range<usize> = 15..18;
pub const L2_OPTIONAL_DATA: Range<usize> = 18..29;
pub const L2_COMPOSITE_CHECK: usize = 29;
// The composite check digit covers line 1 positions 6–30, line 2 positions
// 1–7, 9–15 and 19–29 (ICAO 9303-5 §4.2.2.2).
const COMPOSITE_L1: Range<usize> = 5..30;
const COMPOSITE_L2: [Range<usize>; 3] = [0..7, 8..15, 18..29];

/// Check-digit weights, repeated over the field (ICAO 9303-3 §4.9).
const CHECK_WEIGHTS: [u32; 3] = [7, 3, 1];

/// Whether `c` may appear in an MRZ: `0-9`, `A-Z`, `<` (ICAO 9303-3 §4.3).
pub fn is_mrz_char(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || c == FILLER
}

/// Value of one MRZ character in a check-digit computation: digits as
/// themselves, A=10 … Z=35, `<` = 0. `None` outside the MRZ charset.
fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        'A'..='Z' => Some(u32::from(c) - u32::from('A') + 10),
        FILLER => Some(0),
        _ => None,
    }
}

/// ICAO 9303-3 §4.9 check digit of `field`; `None` if it holds a character
/// outside the MRZ charset.
pub fn check_digit(field: &str) -> Option<char> {
    let mut sum = 0u32;
    for (i, c) in field.chars().enumerate() {
        sum += char_value(c)? * CHECK_WEIGHTS[i % CHECK_WEIGHTS.len()];
    }
    char::from_digit(sum % 10, 10)
}

/// Why an MRZ cannot be read as TD1 at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("has {0} lines, expected 3 (TD1)")]
    LineCount(usize),
    #[error("line {line} has {len} characters, expected 30 (TD1)")]
    LineLength { line: usize, len: usize },
    #[error("line {line} position {position} holds {found:?}, outside the MRZ charset 0-9 A-Z <")]
    Charset {
        line: usize,
        position: usize,
        found: char,
    },
}

/// A TD1 MRZ whose shape and charset are valid (check digits are not
/// implied: see [`Td1::check_digit_failures`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Td1 {
    lines: [String; TD1_LINES],
}

/// One check digit that does not match its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckDigitFailure {
    /// `"document number"`, `"date of birth"`, `"date of expiry"`, `"composite"`.
    pub field: &'static str,
    /// 1-based line and position of the check digit.
    pub line: usize,
    pub position: usize,
    pub found: char,
    pub expected: char,
}

impl Td1 {
    /// Shape (3 × 30) and charset; positions in errors are 1-based.
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> Result<Td1, MrzError> {
        if lines.len() != TD1_LINES {
            return Err(MrzError::LineCount(lines.len()));
        }
        for (i, line) in lines.iter().enumerate() {
            let line = line.as_ref();
            let len = line.chars().count();
            if len != TD1_LINE_LEN {
                return Err(MrzError::LineLength { line: i + 1, len });
            }
            if let Some((position, found)) =
                line.chars().enumerate().find(|(_, c)| !is_mrz_char(*c))
            {
                return Err(MrzError::Charset {
                    line: i + 1,
                    position: position + 1,
                    found,
                });
            }
        }
        // All ASCII now, so byte ranges are character ranges.
        Ok(Td1 {
            lines: [0, 1, 2].map(|i| lines[i].as_ref().to_owned()),
        })
    }

    pub fn lines(&self) -> &[String; TD1_LINES] {
        &self.lines
    }

    fn l1(&self, range: Range<usize>) -> &str {
        &self.lines[0][range]
    }

    fn l2(&self, range: Range<usize>) -> &str {
        &self.lines[1][range]
    }

    fn l2_char(&self, index: usize) -> char {
        char::from(self.lines[1].as_bytes()[index])
    }

    pub fn document_code(&self) -> &str {
        self.l1(L1_DOCUMENT_CODE)
    }

    pub fn issuing_state(&self) -> &str {
        self.l1(L1_ISSUING_STATE)
    }

    /// Document number with trailing fillers removed.
    pub fn document_number(&self) -> &str {
        self.l1(L1_DOCUMENT_NUMBER).trim_end_matches(FILLER)
    }

    /// Optional data of line 1 with trailing fillers removed.
    pub fn optional_data_1(&self) -> &str {
        self.l1(L1_OPTIONAL_DATA).trim_end_matches(FILLER)
    }

    /// `YYMMDD` as written.
    pub fn date_of_birth(&self) -> &str {
        self.l2(L2_DATE_OF_BIRTH)
    }

    pub fn sex(&self) -> char {
        self.l2_char(L2_SEX)
    }

    /// `YYMMDD`, or `<<<<<<` when the document has no expiry.
    pub fn date_of_expiry(&self) -> &str {
        self.l2(L2_DATE_OF_EXPIRY)
    }

    pub fn nationality(&self) -> &str {
        self.l2(L2_NATIONALITY)
    }

    /// The name line, trailing fillers removed (`WANG<<HSIAO<MING`).
    pub fn name(&self) -> &str {
        self.lines[2].trim_end_matches(FILLER)
    }

    /// The document number, date of birth, date of expiry and composite check
    /// digits that do not match (empty when all do).
    pub fn check_digit_failures(&self) -> Vec<CheckDigitFailure> {
        let l1 = &self.lines[0];
        let l2 = &self.lines[1];
        let composite: String = core::iter::once(&l1[COMPOSITE_L1])
            .chain(COMPOSITE_L2.iter().map(|r| &l2[r.clone()]))
            .collect();
        let checks: [(&'static str, usize, &str, usize); 4] = [
            (
                "document number",
                0,
                &l1[L1_DOCUMENT_NUMBER],
                L1_DOCUMENT_NUMBER_CHECK,
            ),
            (
                "date of birth",
                1,
                &l2[L2_DATE_OF_BIRTH],
                L2_DATE_OF_BIRTH_CHECK,
            ),
            (
                "date of expiry",
                1,
                &l2[L2_DATE_OF_EXPIRY],
                L2_DATE_OF_EXPIRY_CHECK,
            ),
            ("composite", 1, &composite, L2_COMPOSITE_CHECK),
        ];
        let mut failures = Vec::new();
        for (field, line, data, at) in checks {
            let found = char::from(self.lines[line].as_bytes()[at]);
            // Parsed lines hold only MRZ characters, so a digit always exists.
            let Some(expected) = check_digit(data) else {
                continue;
            };
            if found != expected {
                failures.push(CheckDigitFailure {
                    field,
                    line: line + 1,
                    position: at + 1,
                    found,
                    expected,
                });
            }
        }
        failures
    }
}

/// Why an English name has no MRZ form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("is empty")]
    Empty,
    #[error("has more than one comma; expected \"SURNAME, GIVEN NAMES\"")]
    Commas,
    #[error(
        "holds {0:?}, which has no MRZ transliteration here (letters A-Z, space, hyphen, apostrophe only)"
    )]
    Character(char),
    #[error(
        "needs {0} MRZ characters, more than the 30 of a TD1 name line (truncation is not supported)"
    )]
    TooLong(usize),
}

/// The TD1 name line content for `"SURNAME, GIVEN NAMES"` (no padding):
/// `"WANG, HSIAO-MING"` → `"WANG<<HSIAO<MING"`.
///
/// ICAO 9303-3 §4.6: primary and secondary identifiers are separated by
/// `<<`; spaces and hyphens inside a component become one `<`; apostrophes
/// are omitted; letters are upper case. A name without a comma is a primary
/// identifier only.
pub fn name_line(name_en: &str) -> Result<String, NameError> {
    let parts: Vec<&str> = name_en.split(',').collect();
    if parts.len() > 2 {
        return Err(NameError::Commas);
    }
    let mut components = Vec::with_capacity(2);
    for part in &parts {
        components.push(name_component(part)?);
    }
    if components.iter().all(String::is_empty) {
        return Err(NameError::Empty);
    }
    let line = components.join("<<");
    let len = line.chars().count();
    if len > TD1_LINE_LEN {
        return Err(NameError::TooLong(len));
    }
    Ok(line)
}

fn name_component(part: &str) -> Result<String, NameError> {
    let mut out = String::new();
    let mut pending_separator = false;
    for c in part.trim().chars() {
        match c {
            'A'..='Z' | 'a'..='z' => {
                if pending_separator && !out.is_empty() {
                    out.push(FILLER);
                }
                pending_separator = false;
                out.push(c.to_ascii_uppercase());
            }
            ' ' | '-' => pending_separator = true,
            '\'' => {}
            other => return Err(NameError::Character(other)),
        }
    }
    Ok(out)
}

/// Pads `text` with fillers to `len` characters.
fn pad(text: &str, len: usize) -> String {
    let mut out = text.to_owned();
    while out.chars().count() < len {
        out.push(FILLER);
    }
    out
}

/// What a Taiwanese TD1 MRZ is made of (see `docs/spec/profile.md` §MRZ).
#[derive(Clone, Debug)]
pub struct Td1Data<'a> {
    /// Card number, 9 characters.
    pub document_number: &'a str,
    /// ID number, carried in line 1's optional data.
    pub id_number: &'a str,
    pub date_of_birth: Date,
    pub sex: Sex,
    /// `None` (no renewal date) is written `<<<<<<`, whose check digit is 0.
    pub date_of_expiry: Option<Date>,
    /// `"SURNAME, GIVEN NAMES"`.
    pub name_en: &'a str,
}

/// Builds the three TD1 lines with their check digits. Fails if a field
/// does not fit or holds characters outside the MRZ charset.
pub fn compose_td1(data: &Td1Data<'_>) -> Result<[String; TD1_LINES], ComposeError> {
    let fits = |field: &'static str, value: &str, width: usize| {
        if value.chars().count() > width || !value.chars().all(is_mrz_char) {
            Err(ComposeError::Field(field))
        } else {
            Ok(pad(value, width))
        }
    };
    let document_number = fits(
        "document number",
        data.document_number,
        L1_DOCUMENT_NUMBER.len(),
    )?;
    let optional_1 = fits("ID number", data.id_number, L1_OPTIONAL_DATA.len())?;
    let dob = data.date_of_birth.to_mrz_yymmdd();
    let expiry = match data.date_of_expiry {
        Some(date) => date.to_mrz_yymmdd(),
        None => pad("", L2_DATE_OF_EXPIRY.len()),
    };
    let name = name_line(data.name_en).map_err(ComposeError::Name)?;

    // The check digit of data made of MRZ characters always exists.
    let cd = |s: &str| check_digit(s).unwrap_or(FILLER);
    let line1 = format!(
        "{DOCUMENT_CODE_ID}{STATE_TWN}{document_number}{}{optional_1}",
        cd(&document_number)
    );
    let mut line2 = format!(
        "{dob}{}{}{expiry}{}{STATE_TWN}{}",
        cd(&dob),
        data.sex.mrz_char(),
        cd(&expiry),
        pad("", L2_OPTIONAL_DATA.len())
    );
    let composite: String = core::iter::once(&line1[COMPOSITE_L1])
        .chain(COMPOSITE_L2.iter().map(|r| &line2[r.clone()]))
        .collect();
    line2.push(cd(&composite));
    Ok([line1, line2, pad(&name, TD1_LINE_LEN)])
}

/// Why [`compose_td1`] failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ComposeError {
    #[error("{0} does not fit its MRZ field or holds characters outside 0-9 A-Z <")]
    Field(&'static str),
    #[error("name_en {0}")]
    Name(NameError),
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADULT: [&str; 3] = [
        "IDTWN2100123450A123456789<<<<<",
        "9003152M3603147TWN<<<<<<<<<<<3",
        "WANG<<HSIAO<MING<<<<<<<<<<<<<<",
    ];
    const MINOR: [&str; 3] = [
        "IDTWN2100543214F223456786<<<<<",
        "1605217F3105205TWN<<<<<<<<<<<8",
        "LIN<<YU<TING<<<<<<<<<<<<<<<<<<",
    ];
    const SENIOR: [&str; 3] = [
        "IDTWN2100987654B187654324<<<<<",
        "5501029M<<<<<<0TWN<<<<<<<<<<<9",
        "CHEN<<CHIEN<KUO<<<<<<<<<<<<<<<",
    ];

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn td1<S: AsRef<str> + core::fmt::Debug>(lines: &[S]) -> Td1 {
        Td1::parse(lines).unwrap_or_else(|e| panic!("{lines:?}: {e}"))
    }

    #[test]
    fn icao_9303_3_worked_example() {
        // ICAO 9303-3 §4.9 example: date 520727 → check digit 3.
        assert_eq!(check_digit("520727"), Some('3'));
        // ICAO 9303 specimen document number "AB2134<<<" → 5.
        assert_eq!(check_digit("AB2134<<<"), Some('5'));
        assert_eq!(check_digit("<<<<<<"), Some('0'));
        assert_eq!(check_digit("ab"), None);
    }

    #[test]
    fn icao_9303_5_td1_specimen() {
        // ICAO 9303-5 Appendix A, TD1 specimen (Utopia).
        let specimen = td1(&[
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ]);
        assert_eq!(specimen.check_digit_failures(), vec![]);
        assert_eq!(specimen.document_number(), "D23145890");
        assert_eq!(specimen.name(), "ERIKSSON<<ANNA<MARIA");
    }

    #[test]
    fn reference_mrzs_have_valid_check_digits() {
        for lines in [ADULT, MINOR, SENIOR] {
            assert_eq!(td1(&lines).check_digit_failures(), vec![], "{lines:?}");
        }
    }

    #[test]
    fn a_wrong_check_digit_is_located() {
        let mut lines = ADULT.map(str::to_owned);
        lines[1].replace_range(6..7, "5");
        let failures = td1(&lines).check_digit_failures();
        // The date-of-birth digit is wrong, and it is inside the composite.
        assert_eq!(failures.len(), 2);
        assert_eq!(failures[0].field, "date of birth");
        assert_eq!((failures[0].line, failures[0].position), (2, 7));
        assert_eq!((failures[0].found, failures[0].expected), ('5', '2'));
        assert_eq!(failures[1].field, "composite");
    }

    #[test]
    fn shape_and_charset() {
        assert_eq!(Td1::parse(&ADULT[..2]), Err(MrzError::LineCount(2)));
        let short = [ADULT[0], ADULT[1], "WANG<<HSIAO<MING"];
        assert_eq!(
            Td1::parse(&short),
            Err(MrzError::LineLength { line: 3, len: 16 })
        );
        let lower = [ADULT[0], ADULT[1], "wang<<HSIAO<MING<<<<<<<<<<<<<<"];
        assert_eq!(
            Td1::parse(&lower),
            Err(MrzError::Charset {
                line: 3,
                position: 1,
                found: 'w'
            })
        );
    }

    #[test]
    fn fields_by_position() {
        let adult = td1(&ADULT);
        assert_eq!(adult.document_code(), "ID");
        assert_eq!(adult.issuing_state(), "TWN");
        assert_eq!(adult.document_number(), "210012345");
        assert_eq!(adult.optional_data_1(), "A123456789");
        assert_eq!(adult.date_of_birth(), "900315");
        assert_eq!(adult.sex(), 'M');
        assert_eq!(adult.date_of_expiry(), "360314");
        assert_eq!(adult.nationality(), "TWN");
        assert_eq!(td1(&SENIOR).date_of_expiry(), "<<<<<<");
    }

    #[test]
    fn names() {
        assert_eq!(
            name_line("WANG, HSIAO-MING").as_deref(),
            Ok("WANG<<HSIAO<MING")
        );
        assert_eq!(
            name_line("O'Neill, Mary  Ann").as_deref(),
            Ok("ONEILL<<MARY<ANN")
        );
        assert_eq!(name_line("MADONNA").as_deref(), Ok("MADONNA"));
        assert_eq!(name_line("A, B, C"), Err(NameError::Commas));
        assert_eq!(name_line(" , "), Err(NameError::Empty));
        assert_eq!(name_line("MÜLLER, HANS"), Err(NameError::Character('Ü')));
        assert_eq!(
            name_line("WOLFESCHLEGELSTEINHAUSEN, HUBERT BLAINE"),
            Err(NameError::TooLong(39))
        );
    }

    #[test]
    fn compose_reproduces_the_reference_mrzs() {
        let cases = [
            (
                ADULT,
                "210012345",
                "A123456789",
                "1990-03-15",
                Sex::M,
                Some("2036-03-14"),
                "WANG, HSIAO-MING",
            ),
            (
                MINOR,
                "210054321",
                "F223456786",
                "2016-05-21",
                Sex::F,
                Some("2031-05-20"),
                "LIN, YU-TING",
            ),
            (
                SENIOR,
                "210098765",
                "B187654324",
                "1955-01-02",
                Sex::M,
                None,
                "CHEN, CHIEN-KUO",
            ),
        ];
        for (expected, number, id, dob, sex, expiry, name) in cases {
            let data = Td1Data {
                document_number: number,
                id_number: id,
                date_of_birth: date(dob),
                sex,
                date_of_expiry: expiry.map(date),
                name_en: name,
            };
            assert_eq!(compose_td1(&data), Ok(expected.map(str::to_owned)));
        }
    }
}
