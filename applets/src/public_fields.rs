//! Field encoding of the public zone (`D1 58 00 00 01 02`, DF `DF02`):
//! the nine field EFs as BER-TLV data objects (docs/spec/public.md).
//!
//! ```text
//! n  EF                    FID  SFI  object
//! 1  EF.Name               0101 01   A1 { 80 name_zh, 81 name_en, 82 MRZ name, [83 CNS]* }
//! 2  EF.IdNumber           0102 02   A2 { 80 "A123456789" }
//! 3  EF.DateOfBirth        0103 03   A3 { 80 YYYYMMDD }
//! 4  EF.HouseholdAddress   0104 04   A4 { 80 address_zh, 81 address_en, 82 village code, [83 CNS]* }
//! 5  EF.MaritalStatus      0105 05   A5 { 80 code word }
//! 6  EF.MilitaryService    0106 06   A6 { 80 code word }
//! 7  EF.CardNumber         0107 07   A7 { 80 9 digits }
//! 8  EF.RenewalDate        0108 08   A8 { 80 YYYYMMDD }, or A8 00 when the card has none
//! 9  EF.IssueDate          0109 09   A9 { 80 YYYYMMDD }
//! ```
//!
//! Texts are UTF-8, everything else ASCII. Dates are Gregorian. A CNS
//! annotation (83) is 4 bytes, as in the household zone: character index in
//! the zh text (0-based, Unicode scalar values), CNS 11643 plane, code (2 bytes,
//! big endian); annotations are in strictly increasing index order so that one
//! set of fields has exactly one encoding (the security object hashes it).
//!
//! The encoding is fully checked here: a field the terminal would refuse is
//! never written to a card.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use card_os::tlv;

pub use crate::household::CnsAnnotation;

/// Number of field EFs; field n (1-based) is EF `0100 + n`, SFI n, template `A0 | n`.
pub const FIELD_COUNT: usize = 9;
/// Context-specific constructed template of field n is `A0 | n` (ISO 8825-1 §8.1.2).
pub const TAG_FIELD_BASE: u8 = 0xA0;

pub const TAG_NAME: u8 = 0xA1;
pub const TAG_ID_NUMBER: u8 = 0xA2;
pub const TAG_DATE_OF_BIRTH: u8 = 0xA3;
pub const TAG_HOUSEHOLD_ADDRESS: u8 = 0xA4;
pub const TAG_MARITAL_STATUS: u8 = 0xA5;
pub const TAG_MILITARY_SERVICE: u8 = 0xA6;
pub const TAG_CARD_NUMBER: u8 = 0xA7;
pub const TAG_RENEWAL_DATE: u8 = 0xA8;
pub const TAG_ISSUE_DATE: u8 = 0xA9;

/// The one primitive object of the single-value fields (2, 3, 5..=9).
pub const TAG_VALUE: u8 = 0x80;
/// Inside EF.Name.
pub const TAG_NAME_ZH: u8 = 0x80;
pub const TAG_NAME_EN: u8 = 0x81;
pub const TAG_NAME_MRZ: u8 = 0x82;
/// Inside EF.HouseholdAddress.
pub const TAG_ADDRESS_ZH: u8 = 0x80;
pub const TAG_ADDRESS_EN: u8 = 0x81;
pub const TAG_VILLAGE_CODE: u8 = 0x82;
/// CNS 11643 annotation, in EF.Name and EF.HouseholdAddress.
pub const TAG_CNS: u8 = 0x83;

/// Code words of EF.MaritalStatus (labels in docs/spec/public.md, from
/// profiles/src/codes.rs).
pub const MARITAL_STATUS_CODES: [&str; 4] = ["single", "married", "divorced", "widowed"];
/// Code words of EF.MilitaryService.
pub const MILITARY_SERVICE_CODES: [&str; 5] =
    ["none", "completed", "exempted", "pending", "serving"];

/// Longest UTF-8 text (bytes) of a name or address: keeps every inner length
/// field at one or two bytes, far above any real name or address.
pub const TEXT_MAX_BYTES: usize = 255;
/// The MRZ name is at most one TD1 line (ICAO 9303-5 §4.2.2: 30 characters).
pub const MRZ_NAME_MAX: usize = 30;
/// ID number (統一編號): one letter A–Z and nine digits.
const ID_NUMBER_LEN: usize = 10;
/// Card number: nine digits (the MRZ document number field, ICAO 9303-5 §4.2.2).
const CARD_NUMBER_LEN: usize = 9;
/// Dates are stored as `YYYYMMDD`.
const DATE_LEN: usize = 8;
/// MOI village code: township code (8 digits), `-`, village number (3 digits).
const VILLAGE_TOWNSHIP_DIGITS: usize = 8;
const VILLAGE_NUMBER_DIGITS: usize = 3;
const VILLAGE_SEPARATOR: u8 = b'-';
/// The MRZ filler (ICAO 9303-3 §4.2).
const MRZ_FILLER: u8 = b'<';
/// CNS 11643-2007 has planes 1..=19; each code byte is 0x21..=0x7E.
const CNS_PLANES: core::ops::RangeInclusive<u8> = 1..=19;
const CNS_BYTE: core::ops::RangeInclusive<u8> = 0x21..=0x7E;

/// Field names in error messages, as in the profile (`holder.*`) and the JSON
/// output of the terminal.
pub mod field {
    pub const NAME_ZH: &str = "public.name_zh";
    pub const NAME_EN: &str = "public.name_en";
    pub const NAME_MRZ: &str = "public.name_mrz";
    pub const ID_NUMBER: &str = "public.id_number";
    pub const DATE_OF_BIRTH: &str = "public.date_of_birth";
    pub const ADDRESS_ZH: &str = "public.household_address_zh";
    pub const ADDRESS_EN: &str = "public.household_address_en";
    pub const VILLAGE_CODE: &str = "public.village_code";
    pub const MARITAL_STATUS: &str = "public.marital_status";
    pub const MILITARY_SERVICE: &str = "public.military_service";
    pub const CARD_NUMBER: &str = "public.card_number";
    pub const RENEWAL_DATE: &str = "public.renewal_date";
    pub const ISSUE_DATE: &str = "public.issue_date";
}

/// The public zone's fields, as personalization receives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicFields {
    pub name_zh: String,
    /// Romanized name as printed, `"WANG, HSIAO-MING"`.
    pub name_en: String,
    /// MRZ line 3 without trailing fillers, `"WANG<<HSIAO<MING"`.
    pub name_mrz: String,
    pub name_cns: Vec<CnsAnnotation>,
    /// `"A123456789"`.
    pub id_number: String,
    /// Gregorian `YYYYMMDD` (`profiles::Date::to_compact`).
    pub date_of_birth: String,
    pub household_address_zh: String,
    pub household_address_en: String,
    /// `"63000030-017"`.
    pub village_code: String,
    pub address_cns: Vec<CnsAnnotation>,
    /// One of [`MARITAL_STATUS_CODES`].
    pub marital_status: String,
    /// One of [`MILITARY_SERVICE_CODES`].
    pub military_service: String,
    /// Nine digits, `"210012345"`.
    pub card_number: String,
    /// `YYYYMMDD`; `None` for holders 65 and over at issue.
    pub renewal_date: Option<String>,
    pub issue_date: String,
}

/// The rule a public field broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldRule {
    Empty,
    TooLong {
        max: usize,
        len: usize,
    },
    ControlCharacter,
    /// Not one letter A–Z followed by nine digits.
    NotIdNumber,
    NotDigits {
        len: usize,
    },
    NotDate,
    NotMrzName,
    NotVillageCode,
    UnknownCode {
        allowed: &'static [&'static str],
    },
    CnsIndexOutOfRange {
        index: u8,
        chars: usize,
    },
    CnsCodeInvalid {
        plane: u8,
        code: u16,
    },
    CnsOrder {
        index: u8,
    },
}

/// Why a public field cannot be encoded: the field and the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicFieldError {
    pub field: &'static str,
    pub rule: FieldRule,
}

impl fmt::Display for PublicFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.field)?;
        match &self.rule {
            FieldRule::Empty => f.write_str("must not be empty"),
            FieldRule::TooLong { max, len } => write!(f, "is {len} bytes long; at most {max} fit"),
            FieldRule::ControlCharacter => f.write_str("must not contain control characters"),
            FieldRule::NotIdNumber => {
                f.write_str("must be one letter A-Z followed by 9 ASCII digits")
            }
            FieldRule::NotDigits { len } => write!(f, "must be exactly {len} ASCII digits"),
            FieldRule::NotDate => f.write_str("must be a Gregorian calendar date written YYYYMMDD"),
            FieldRule::NotMrzName => write!(
                f,
                "must be 1 to {MRZ_NAME_MAX} characters A-Z and `<`, without leading or trailing `<` (TD1 line 3 without trailing fillers)"
            ),
            FieldRule::NotVillageCode => {
                f.write_str("must be an MOI village code: 8 digits, `-`, 3 digits")
            }
            FieldRule::UnknownCode { allowed } => {
                f.write_str("must be one of ")?;
                for (i, code) in allowed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(code)?;
                }
                Ok(())
            }
            FieldRule::CnsIndexOutOfRange { index, chars } => {
                write!(
                    f,
                    "CNS 11643 annotation index {index} is outside the text ({chars} characters)"
                )
            }
            FieldRule::CnsCodeInvalid { plane, code } => write!(
                f,
                "CNS 11643 plane {plane} code {code:04X} is invalid (plane 1..=19, code bytes 21..=7E)"
            ),
            FieldRule::CnsOrder { index } => write!(
                f,
                "CNS 11643 annotation index {index} repeats or goes backwards (indices must strictly increase)"
            ),
        }
    }
}

fn error(field: &'static str, rule: FieldRule) -> PublicFieldError {
    PublicFieldError { field, rule }
}

/// Non-empty UTF-8 text without control characters, at most [`TEXT_MAX_BYTES`].
fn check_text(field: &'static str, value: &str) -> Result<(), PublicFieldError> {
    if value.is_empty() {
        return Err(error(field, FieldRule::Empty));
    }
    if value.len() > TEXT_MAX_BYTES {
        return Err(error(
            field,
            FieldRule::TooLong {
                max: TEXT_MAX_BYTES,
                len: value.len(),
            },
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(error(field, FieldRule::ControlCharacter));
    }
    Ok(())
}

fn check_digits(field: &'static str, value: &str, len: usize) -> Result<(), PublicFieldError> {
    if value.len() != len || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(field, FieldRule::NotDigits { len }));
    }
    Ok(())
}

fn check_id_number(value: &str) -> Result<(), PublicFieldError> {
    let bytes = value.as_bytes();
    let shape = bytes.len() == ID_NUMBER_LEN
        && bytes.first().is_some_and(u8::is_ascii_uppercase)
        && bytes.iter().skip(1).all(u8::is_ascii_digit);
    if shape {
        Ok(())
    } else {
        Err(error(field::ID_NUMBER, FieldRule::NotIdNumber))
    }
}

fn is_leap_year(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// `YYYYMMDD` naming a day of the proleptic Gregorian calendar, year 0001..=9999.
fn check_date(field: &'static str, value: &str) -> Result<(), PublicFieldError> {
    let bytes = value.as_bytes();
    if bytes.len() != DATE_LEN || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(error(field, FieldRule::NotDate));
    }
    let number = |digits: &[u8]| {
        digits
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (year, month, day) = (
        number(&bytes[0..4]),
        number(&bytes[4..6]),
        number(&bytes[6..8]),
    );
    if year == 0 || day == 0 || day > days_in_month(year, month) {
        return Err(error(field, FieldRule::NotDate));
    }
    Ok(())
}

fn check_mrz_name(value: &str) -> Result<(), PublicFieldError> {
    let bytes = value.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= MRZ_NAME_MAX
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || *b == MRZ_FILLER)
        && bytes.first() != Some(&MRZ_FILLER)
        && bytes.last() != Some(&MRZ_FILLER);
    if ok {
        Ok(())
    } else {
        Err(error(field::NAME_MRZ, FieldRule::NotMrzName))
    }
}

fn check_village_code(value: &str) -> Result<(), PublicFieldError> {
    let bytes = value.as_bytes();
    let ok = bytes.len() == VILLAGE_TOWNSHIP_DIGITS + 1 + VILLAGE_NUMBER_DIGITS
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == VILLAGE_TOWNSHIP_DIGITS {
                *b == VILLAGE_SEPARATOR
            } else {
                b.is_ascii_digit()
            }
        });
    if ok {
        Ok(())
    } else {
        Err(error(field::VILLAGE_CODE, FieldRule::NotVillageCode))
    }
}

fn check_code(
    field: &'static str,
    value: &str,
    allowed: &'static [&'static str],
) -> Result<(), PublicFieldError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(error(field, FieldRule::UnknownCode { allowed }))
    }
}

/// Appends `83 04 index plane code` for each annotation of `text`.
fn push_cns(
    body: &mut Vec<u8>,
    field: &'static str,
    text: &str,
    annotations: &[CnsAnnotation],
) -> Result<(), PublicFieldError> {
    let chars = text.chars().count();
    let mut previous: Option<u8> = None;
    for cns in annotations {
        if usize::from(cns.index) >= chars {
            return Err(error(
                field,
                FieldRule::CnsIndexOutOfRange {
                    index: cns.index,
                    chars,
                },
            ));
        }
        if previous.is_some_and(|p| cns.index <= p) {
            return Err(error(field, FieldRule::CnsOrder { index: cns.index }));
        }
        previous = Some(cns.index);
        let [hi, lo] = cns.code.to_be_bytes();
        if !CNS_PLANES.contains(&cns.plane) || !CNS_BYTE.contains(&hi) || !CNS_BYTE.contains(&lo) {
            return Err(error(
                field,
                FieldRule::CnsCodeInvalid {
                    plane: cns.plane,
                    code: cns.code,
                },
            ));
        }
        tlv::push(body, TAG_CNS, &[cns.index, cns.plane, hi, lo]);
    }
    Ok(())
}

fn encode_name(fields: &PublicFields) -> Result<Vec<u8>, PublicFieldError> {
    check_text(field::NAME_ZH, &fields.name_zh)?;
    check_text(field::NAME_EN, &fields.name_en)?;
    check_mrz_name(&fields.name_mrz)?;
    let mut body = Vec::new();
    tlv::push(&mut body, TAG_NAME_ZH, fields.name_zh.as_bytes());
    tlv::push(&mut body, TAG_NAME_EN, fields.name_en.as_bytes());
    tlv::push(&mut body, TAG_NAME_MRZ, fields.name_mrz.as_bytes());
    push_cns(&mut body, field::NAME_ZH, &fields.name_zh, &fields.name_cns)?;
    Ok(tlv::build(TAG_NAME, &body))
}

fn encode_address(fields: &PublicFields) -> Result<Vec<u8>, PublicFieldError> {
    check_text(field::ADDRESS_ZH, &fields.household_address_zh)?;
    check_text(field::ADDRESS_EN, &fields.household_address_en)?;
    check_village_code(&fields.village_code)?;
    let mut body = Vec::new();
    tlv::push(
        &mut body,
        TAG_ADDRESS_ZH,
        fields.household_address_zh.as_bytes(),
    );
    tlv::push(
        &mut body,
        TAG_ADDRESS_EN,
        fields.household_address_en.as_bytes(),
    );
    tlv::push(&mut body, TAG_VILLAGE_CODE, fields.village_code.as_bytes());
    push_cns(
        &mut body,
        field::ADDRESS_ZH,
        &fields.household_address_zh,
        &fields.address_cns,
    )?;
    Ok(tlv::build(TAG_HOUSEHOLD_ADDRESS, &body))
}

/// `tag { 80 value }`.
fn single(tag: u8, value: &str) -> Vec<u8> {
    tlv::build(tag, &tlv::build(TAG_VALUE, value.as_bytes()))
}

fn encode_date(tag: u8, field: &'static str, value: &str) -> Result<Vec<u8>, PublicFieldError> {
    check_date(field, value)?;
    Ok(single(tag, value))
}

/// The contents of EF `0101..=0109`, in that order (index 0 = EF.Name).
pub fn encode(fields: &PublicFields) -> Result<[Vec<u8>; FIELD_COUNT], PublicFieldError> {
    check_id_number(&fields.id_number)?;
    check_code(
        field::MARITAL_STATUS,
        &fields.marital_status,
        &MARITAL_STATUS_CODES,
    )?;
    check_code(
        field::MILITARY_SERVICE,
        &fields.military_service,
        &MILITARY_SERVICE_CODES,
    )?;
    check_digits(field::CARD_NUMBER, &fields.card_number, CARD_NUMBER_LEN)?;
    let renewal = match &fields.renewal_date {
        Some(date) => encode_date(TAG_RENEWAL_DATE, field::RENEWAL_DATE, date)?,
        // No renewal date (holder 65 or over at issue): the empty template.
        None => tlv::build(TAG_RENEWAL_DATE, &[]),
    };
    Ok([
        encode_name(fields)?,
        single(TAG_ID_NUMBER, &fields.id_number),
        encode_date(
            TAG_DATE_OF_BIRTH,
            field::DATE_OF_BIRTH,
            &fields.date_of_birth,
        )?,
        encode_address(fields)?,
        single(TAG_MARITAL_STATUS, &fields.marital_status),
        single(TAG_MILITARY_SERVICE, &fields.military_service),
        single(TAG_CARD_NUMBER, &fields.card_number),
        renewal,
        encode_date(TAG_ISSUE_DATE, field::ISSUE_DATE, &fields.issue_date)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn adult() -> PublicFields {
        PublicFields {
            name_zh: "王小明".to_string(),
            name_en: "WANG, HSIAO-MING".to_string(),
            name_mrz: "WANG<<HSIAO<MING".to_string(),
            name_cns: Vec::new(),
            id_number: "A123456789".to_string(),
            date_of_birth: "19900315".to_string(),
            household_address_zh: "臺北市大安區龍泉里5鄰和平東路一段100號".to_string(),
            household_address_en:
                "No. 100, Sec. 1, Heping E. Rd., Longquan Vil., Da'an Dist., Taipei City"
                    .to_string(),
            village_code: "63000030-017".to_string(),
            address_cns: Vec::new(),
            marital_status: "married".to_string(),
            military_service: "completed".to_string(),
            card_number: "210012345".to_string(),
            renewal_date: Some("20360314".to_string()),
            issue_date: "20260315".to_string(),
        }
    }

    fn hex(text: &str) -> Vec<u8> {
        hex::decode(text.replace(' ', "")).unwrap()
    }

    /// docs/spec/public.md §"Worked example: the adult".
    #[test]
    fn adult_bytes() {
        let efs = encode(&adult()).unwrap();
        let expected = [
            "A1 2F 80 09 E78E8B E5B08F E6988E 81 10 57414E472C20485349414F2D4D494E47 \
             82 10 57414E473C3C485349414F3C4D494E47",
            "A2 0C 80 0A 41313233343536373839",
            "A3 0A 80 08 3139393030333135",
            "A4 81 90 80 37 E887BAE58C97E5B882E5A4A7E5AE89E58D80E9BE8DE6B389E9878C35E984B0E5928CE5B9B3\
             E69DB1E8B7AFE4B880E6AEB5313030E8999F \
             81 47 4E6F2E203130302C205365632E20312C20486570696E6720452E2052642E2C204C6F6E677175616E20\
             56696C2E2C20446127616E20446973742E2C205461697065692043697479 \
             82 0C 36333030303033302D303137",
            "A5 09 80 07 6D617272696564",
            "A6 0B 80 09 636F6D706C65746564",
            "A7 0B 80 09 323130303132333435",
            "A8 0A 80 08 3230333630333134",
            "A9 0A 80 08 3230323630333135",
        ];
        for (n, (ef, want)) in efs.iter().zip(expected).enumerate() {
            assert_eq!(ef, &hex(want), "EF {:04X}", 0x0101 + n);
        }
    }

    /// 林𡘙婷: 𡘙 (U+21619) is outside the BMP, four bytes of UTF-8.
    #[test]
    fn minor_name_with_supplementary_character() {
        let fields = PublicFields {
            name_zh: "林𡘙婷".to_string(),
            name_en: "LIN, YU-TING".to_string(),
            name_mrz: "LIN<<YU<TING".to_string(),
            ..adult()
        };
        let efs = encode(&fields).unwrap();
        assert_eq!(
            efs[0],
            hex(
                "A1 28 80 0A E69E97 F0A19899 E5A9B7 81 0C 4C494E2C2059552D54494E47 82 0C 4C494E3C3C59553C54494E47"
            )
        );
    }

    #[test]
    fn senior_has_an_empty_renewal_template() {
        let fields = PublicFields {
            renewal_date: None,
            ..adult()
        };
        assert_eq!(encode(&fields).unwrap()[7], vec![0xA8, 0x00]);
    }

    #[test]
    fn cns_annotations_follow_the_texts() {
        let fields = PublicFields {
            name_zh: "王〓明".to_string(),
            name_cns: vec![CnsAnnotation {
                index: 1,
                plane: 2,
                code: 0x4A21,
            }],
            address_cns: vec![
                CnsAnnotation {
                    index: 0,
                    plane: 1,
                    code: 0x2121,
                },
                CnsAnnotation {
                    index: 20,
                    plane: 19,
                    code: 0x7E7E,
                },
            ],
            ..adult()
        };
        let efs = encode(&fields).unwrap();
        // 〓 is U+3013, E3 80 93.
        assert_eq!(
            efs[0],
            hex(
                "A1 35 80 09 E78E8B E38093 E6988E 81 10 57414E472C20485349414F2D4D494E47 \
                 82 10 57414E473C3C485349414F3C4D494E47 83 04 01 02 4A 21"
            )
        );
        assert!(efs[3].ends_with(&hex(
            "82 0C 36333030303033302D303137 83 04 00 01 21 21 83 04 14 13 7E 7E"
        )));
        assert_eq!(&efs[3][..3], &[0xA4, 0x81, 0x9C]);
    }

    fn rule_of(fields: &PublicFields) -> (&'static str, FieldRule) {
        let e = encode(fields).unwrap_err();
        (e.field, e.rule)
    }

    #[test]
    fn refuses_what_the_spec_forbids() {
        let cases: Vec<(PublicFields, &str, FieldRule)> = vec![
            (
                PublicFields {
                    name_zh: String::new(),
                    ..adult()
                },
                field::NAME_ZH,
                FieldRule::Empty,
            ),
            (
                PublicFields {
                    name_en: "WANG\nHSIAO".to_string(),
                    ..adult()
                },
                field::NAME_EN,
                FieldRule::ControlCharacter,
            ),
            (
                PublicFields {
                    household_address_en: "x".repeat(256),
                    ..adult()
                },
                field::ADDRESS_EN,
                FieldRule::TooLong { max: 255, len: 256 },
            ),
            (
                PublicFields {
                    name_mrz: "WANG<<HSIAO<MING<<".to_string(),
                    ..adult()
                },
                field::NAME_MRZ,
                FieldRule::NotMrzName,
            ),
            (
                PublicFields {
                    name_mrz: "Wang<<Hsiao".to_string(),
                    ..adult()
                },
                field::NAME_MRZ,
                FieldRule::NotMrzName,
            ),
            (
                PublicFields {
                    name_mrz: "A".repeat(31),
                    ..adult()
                },
                field::NAME_MRZ,
                FieldRule::NotMrzName,
            ),
            (
                PublicFields {
                    id_number: "a123456789".to_string(),
                    ..adult()
                },
                field::ID_NUMBER,
                FieldRule::NotIdNumber,
            ),
            (
                PublicFields {
                    id_number: "A12345678".to_string(),
                    ..adult()
                },
                field::ID_NUMBER,
                FieldRule::NotIdNumber,
            ),
            (
                PublicFields {
                    date_of_birth: "1990-03-15".to_string(),
                    ..adult()
                },
                field::DATE_OF_BIRTH,
                FieldRule::NotDate,
            ),
            (
                PublicFields {
                    date_of_birth: "19900230".to_string(),
                    ..adult()
                },
                field::DATE_OF_BIRTH,
                FieldRule::NotDate,
            ),
            (
                PublicFields {
                    issue_date: "20261301".to_string(),
                    ..adult()
                },
                field::ISSUE_DATE,
                FieldRule::NotDate,
            ),
            (
                PublicFields {
                    issue_date: "00000101".to_string(),
                    ..adult()
                },
                field::ISSUE_DATE,
                FieldRule::NotDate,
            ),
            (
                PublicFields {
                    renewal_date: Some("2036031".to_string()),
                    ..adult()
                },
                field::RENEWAL_DATE,
                FieldRule::NotDate,
            ),
            (
                PublicFields {
                    village_code: "63000030017".to_string(),
                    ..adult()
                },
                field::VILLAGE_CODE,
                FieldRule::NotVillageCode,
            ),
            (
                PublicFields {
                    marital_status: "engaged".to_string(),
                    ..adult()
                },
                field::MARITAL_STATUS,
                FieldRule::UnknownCode {
                    allowed: &MARITAL_STATUS_CODES,
                },
            ),
            (
                PublicFields {
                    military_service: "Completed".to_string(),
                    ..adult()
                },
                field::MILITARY_SERVICE,
                FieldRule::UnknownCode {
                    allowed: &MILITARY_SERVICE_CODES,
                },
            ),
            (
                PublicFields {
                    card_number: "21001234X".to_string(),
                    ..adult()
                },
                field::CARD_NUMBER,
                FieldRule::NotDigits { len: 9 },
            ),
            (
                PublicFields {
                    name_cns: vec![CnsAnnotation {
                        index: 3,
                        plane: 2,
                        code: 0x4A21,
                    }],
                    ..adult()
                },
                field::NAME_ZH,
                FieldRule::CnsIndexOutOfRange { index: 3, chars: 3 },
            ),
            (
                PublicFields {
                    name_cns: vec![CnsAnnotation {
                        index: 0,
                        plane: 20,
                        code: 0x4A21,
                    }],
                    ..adult()
                },
                field::NAME_ZH,
                FieldRule::CnsCodeInvalid {
                    plane: 20,
                    code: 0x4A21,
                },
            ),
            (
                PublicFields {
                    address_cns: vec![CnsAnnotation {
                        index: 0,
                        plane: 1,
                        code: 0x7F21,
                    }],
                    ..adult()
                },
                field::ADDRESS_ZH,
                FieldRule::CnsCodeInvalid {
                    plane: 1,
                    code: 0x7F21,
                },
            ),
            (
                PublicFields {
                    name_cns: vec![
                        CnsAnnotation {
                            index: 1,
                            plane: 2,
                            code: 0x4A21,
                        },
                        CnsAnnotation {
                            index: 1,
                            plane: 2,
                            code: 0x4A22,
                        },
                    ],
                    ..adult()
                },
                field::NAME_ZH,
                FieldRule::CnsOrder { index: 1 },
            ),
        ];
        for (fields, field, rule) in cases {
            assert_eq!(rule_of(&fields), (field, rule));
        }
    }

    #[test]
    fn leap_days() {
        assert!(check_date(field::ISSUE_DATE, "20240229").is_ok());
        assert!(check_date(field::ISSUE_DATE, "20000229").is_ok());
        assert!(check_date(field::ISSUE_DATE, "19000229").is_err());
        assert!(check_date(field::ISSUE_DATE, "20250229").is_err());
    }

    #[test]
    fn messages_name_field_and_rule() {
        let e = encode(&PublicFields {
            marital_status: "engaged".to_string(),
            ..adult()
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "public.marital_status: must be one of single, married, divorced, widowed"
        );
        let e = encode(&PublicFields {
            date_of_birth: "19900230".to_string(),
            ..adult()
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "public.date_of_birth: must be a Gregorian calendar date written YYYYMMDD"
        );
    }
}
