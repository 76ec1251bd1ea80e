//! The public zone (docs/spec/public.md): nine field EFs read under secure
//! messaging after PACE with CAN or MRZ, on either interface.
//!
//! DF AID `D1 58 00 00 01 02`; field n is EF `0100 + n`, SFI n, holding
//! exactly one BER-TLV object, the template `A0 | n`:
//!
//! | n | EF | object |
//! |---|---|---|
//! | 1 | EF.Name | `A1 { 80 name_zh, 81 name_en, 82 MRZ name, [83 CNS]* }` |
//! | 2 | EF.IdNumber | `A2 { 80 letter + 9 digits }` |
//! | 3 | EF.DateOfBirth | `A3 { 80 YYYYMMDD }` |
//! | 4 | EF.HouseholdAddress | `A4 { 80 zh, 81 en, 82 village code, [83 CNS]* }` |
//! | 5 | EF.MaritalStatus | `A5 { 80 code word }` |
//! | 6 | EF.MilitaryService | `A6 { 80 code word }` |
//! | 7 | EF.CardNumber | `A7 { 80 9 digits }` |
//! | 8 | EF.RenewalDate | `A8 { 80 YYYYMMDD }`, or `A8 00`: no renewal date |
//! | 9 | EF.IssueDate | `A9 { 80 YYYYMMDD }` |
//!
//! Parsing is strict: the objects in the spec's order, each once (83 repeats,
//! indices strictly increasing), nothing after the template, every value in
//! its form. The security object hashes these exact bytes, so a reader that
//! accepted other encodings of the same data would accept what the issuer
//! never signed.

use std::fmt;

use profiles::{Date, MaritalStatus, MilitaryService};
use serde::Serialize;
use thiserror::Error;

use crate::card::{CardError, read_binary_sfi, select_aid};
pub use crate::household::CnsAnnotation;
use crate::tlv::{self, TlvError};
use crate::transport::Transport;

/// AID of the public application: national registration category D, country
/// code 158 (ISO 7816-5), application 01 02.
pub const PUBLIC_AID: [u8; 6] = [0xD1, 0x58, 0x00, 0x00, 0x01, 0x02];
/// Number of field EFs.
pub const FIELD_COUNT: usize = 9;

/// Field n's template is `A0 | n`: context-specific, constructed (ISO 8825-1 §8.1.2).
const TAG_FIELD_BASE: u32 = 0xA0;
/// Field n is EF `0100 + n`.
const FID_FIELD_BASE: u16 = 0x0100;
/// The value of the single-value fields.
const TAG_VALUE: u32 = 0x80;
/// Inside EF.Name.
const TAG_NAME_ZH: u32 = 0x80;
const TAG_NAME_EN: u32 = 0x81;
const TAG_NAME_MRZ: u32 = 0x82;
/// Inside EF.HouseholdAddress.
const TAG_ADDRESS_ZH: u32 = 0x80;
const TAG_ADDRESS_EN: u32 = 0x81;
const TAG_VILLAGE_CODE: u32 = 0x82;
/// CNS 11643 annotation: 4 bytes = index, plane, code (2 bytes).
const TAG_CNS: u32 = 0x83;
/// CNS 11643-2007 planes 1..=19; each code byte 0x21..=0x7E.
const CNS_PLANES: std::ops::RangeInclusive<u8> = 1..=19;
const CNS_BYTE: std::ops::RangeInclusive<u8> = 0x21..=0x7E;

const ID_NUMBER_LEN: usize = 10;
const CARD_NUMBER_LEN: usize = 9;
const DATE_LEN: usize = 8;
/// MOI village code: 8-digit township code, `-`, 3-digit village number.
const VILLAGE_TOWNSHIP_DIGITS: usize = 8;
const VILLAGE_CODE_LEN: usize = 12;
const VILLAGE_SEPARATOR: u8 = b'-';
/// One TD1 MRZ line (ICAO 9303-5 §4.2.2) and its filler (ICAO 9303-3 §4.2).
const MRZ_NAME_MAX: usize = 30;
const MRZ_FILLER: u8 = b'<';

/// Rules named in error messages.
const RULE_TEXT: &str = "non-empty UTF-8 without control characters";
const RULE_MRZ_NAME: &str = "1 to 30 characters A-Z and `<`, without leading or trailing `<`";
const RULE_ID_NUMBER: &str = "one letter A-Z and 9 ASCII digits";
const RULE_CARD_NUMBER: &str = "9 ASCII digits";
const RULE_DATE: &str = "8 ASCII digits YYYYMMDD";
const RULE_VILLAGE_CODE: &str = "an MOI village code: 8 ASCII digits, `-`, 3 ASCII digits";

/// The field EFs of the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicEf {
    Name,
    IdNumber,
    DateOfBirth,
    HouseholdAddress,
    MaritalStatus,
    MilitaryService,
    CardNumber,
    RenewalDate,
    IssueDate,
}

impl PublicEf {
    /// In field order: `ALL[n - 1]` is field n.
    pub const ALL: [PublicEf; FIELD_COUNT] = [
        PublicEf::Name,
        PublicEf::IdNumber,
        PublicEf::DateOfBirth,
        PublicEf::HouseholdAddress,
        PublicEf::MaritalStatus,
        PublicEf::MilitaryService,
        PublicEf::CardNumber,
        PublicEf::RenewalDate,
        PublicEf::IssueDate,
    ];

    /// Field number n, 1..=9 (also the "data group" number in the security object).
    pub fn number(self) -> u8 {
        match self {
            PublicEf::Name => 1,
            PublicEf::IdNumber => 2,
            PublicEf::DateOfBirth => 3,
            PublicEf::HouseholdAddress => 4,
            PublicEf::MaritalStatus => 5,
            PublicEf::MilitaryService => 6,
            PublicEf::CardNumber => 7,
            PublicEf::RenewalDate => 8,
            PublicEf::IssueDate => 9,
        }
    }

    /// Short EF identifier: n.
    pub fn sfi(self) -> u8 {
        self.number()
    }

    /// File identifier: `0100 + n`.
    pub fn fid(self) -> u16 {
        FID_FIELD_BASE + u16::from(self.number())
    }

    /// The template tag: `A0 | n`.
    pub fn tag(self) -> u32 {
        TAG_FIELD_BASE | u32::from(self.number())
    }

    pub fn name(self) -> &'static str {
        match self {
            PublicEf::Name => "EF.Name",
            PublicEf::IdNumber => "EF.IdNumber",
            PublicEf::DateOfBirth => "EF.DateOfBirth",
            PublicEf::HouseholdAddress => "EF.HouseholdAddress",
            PublicEf::MaritalStatus => "EF.MaritalStatus",
            PublicEf::MilitaryService => "EF.MilitaryService",
            PublicEf::CardNumber => "EF.CardNumber",
            PublicEf::RenewalDate => "EF.RenewalDate",
            PublicEf::IssueDate => "EF.IssueDate",
        }
    }
}

impl fmt::Display for PublicEf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({:04X}, SFI {:02})",
            self.name(),
            self.fid(),
            self.sfi()
        )
    }
}

/// Why the public zone could not be read or decoded; names the EF and the rule.
#[derive(Debug, Error)]
pub enum PublicError {
    #[error("public zone: {0}")]
    Card(#[from] CardError),
    #[error("{ef}: malformed BER-TLV: {source}")]
    Tlv { ef: PublicEf, source: TlvError },
    #[error("{ef}: expected one object with tag {expected:02X}, found tag {found:X}")]
    WrongTag {
        ef: PublicEf,
        expected: u32,
        found: u32,
    },
    #[error(
        "{ef}: {count} byte(s) after the {tag:02X} object; the EF holds exactly that one object"
    )]
    TrailingData {
        ef: PublicEf,
        tag: u32,
        count: usize,
    },
    #[error("{ef}: data object {tag:02X} is missing")]
    Missing { ef: PublicEf, tag: u32 },
    #[error("{ef}: data object {tag:02X} appears twice")]
    Duplicate { ef: PublicEf, tag: u32 },
    #[error("{ef}: data object {found:02X} where {expected:02X} must come (spec order)")]
    OutOfOrder {
        ef: PublicEf,
        expected: u32,
        found: u32,
    },
    #[error("{ef}: unexpected data object {tag:X}")]
    Unexpected { ef: PublicEf, tag: u32 },
    #[error("{ef}: data object {tag:02X} is not {rule}")]
    BadValue {
        ef: PublicEf,
        tag: u32,
        rule: &'static str,
    },
    #[error("{ef}: {value} is not a calendar date: {reason}")]
    ImpossibleDate {
        ef: PublicEf,
        value: String,
        reason: profiles::date::DateError,
    },
    #[error("{ef}: data object 80 is not one of the code words {allowed}")]
    UnknownCode { ef: PublicEf, allowed: &'static str },
    #[error("{ef}: CNS annotation (83) has {len} bytes; it must have 4 (index, plane, code)")]
    BadCnsLength { ef: PublicEf, len: usize },
    #[error(
        "{ef}: CNS annotation points at character {index}, but the zh text has {chars} characters"
    )]
    CnsIndexOutOfRange {
        ef: PublicEf,
        index: u8,
        chars: usize,
    },
    #[error(
        "{ef}: CNS annotation index {index} repeats or goes backwards (indices strictly increase)"
    )]
    CnsOrder { ef: PublicEf, index: u8 },
    #[error(
        "{ef}: CNS 11643 plane {plane} code {code:04X} is invalid (plane 1..=19, code bytes 21..=7E)"
    )]
    CnsCodeInvalid { ef: PublicEf, plane: u8, code: u16 },
}

/// The public zone as read from the card. Serializes with the reference
/// holders' field names (dates `YYYY-MM-DD`, `renewal_date` null when absent),
/// plus `name_mrz` and the CNS annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicData {
    pub name_zh: String,
    pub name_en: String,
    pub name_mrz: String,
    pub name_cns: Vec<CnsAnnotation>,
    pub id_number: String,
    pub date_of_birth: Date,
    pub household_address_zh: String,
    pub household_address_en: String,
    pub village_code: String,
    pub address_cns: Vec<CnsAnnotation>,
    pub marital_status: MaritalStatus,
    pub military_service: MilitaryService,
    pub card_number: String,
    pub renewal_date: Option<Date>,
    pub issue_date: Date,
}

impl PublicData {
    pub fn to_json(&self) -> serde_json::Value {
        // Strings, numbers and dates (serialized as strings) cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Label column width of the text form: the longest label plus two spaces.
const LABEL_WIDTH: usize = 22;

fn write_cns(f: &mut fmt::Formatter<'_>, annotations: &[CnsAnnotation]) -> fmt::Result {
    for a in annotations {
        writeln!(
            f,
            "{:<LABEL_WIDTH$}character {} = CNS 11643 plane {} code {:04X}",
            "", a.index, a.plane, a.code
        )?;
    }
    Ok(())
}

/// `民國79年03月15日 (1990-03-15)`.
fn both_calendars(date: Date) -> String {
    format!("{} ({date})", date.to_roc_string())
}

impl fmt::Display for PublicData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |f: &mut fmt::Formatter<'_>, label: &str, value: &str| {
            writeln!(f, "{label:<LABEL_WIDTH$}{value}")
        };
        line(f, "name_zh", &self.name_zh)?;
        write_cns(f, &self.name_cns)?;
        line(f, "name_en", &self.name_en)?;
        line(f, "name_mrz", &self.name_mrz)?;
        line(f, "id_number", &self.id_number)?;
        line(f, "date_of_birth", &both_calendars(self.date_of_birth))?;
        line(f, "household_address_zh", &self.household_address_zh)?;
        write_cns(f, &self.address_cns)?;
        line(f, "household_address_en", &self.household_address_en)?;
        line(f, "village_code", &self.village_code)?;
        let m = self.marital_status;
        line(
            f,
            "marital_status",
            &format!("{} ({} / {})", m.code(), m.label_zh(), m.label_en()),
        )?;
        let s = self.military_service;
        line(
            f,
            "military_service",
            &format!("{} ({} / {})", s.code(), s.label_zh(), s.label_en()),
        )?;
        line(f, "card_number", &self.card_number)?;
        let renewal = match self.renewal_date {
            Some(date) => both_calendars(date),
            None => "none (無換發日期: holder 65 or over at issue)".to_owned(),
        };
        line(f, "renewal_date", &renewal)?;
        write!(
            f,
            "{:<LABEL_WIDTH$}{}",
            "issue_date",
            both_calendars(self.issue_date)
        )
    }
}

/// SELECTs the public application and reads and decodes its nine field EFs.
///
/// The card answers a plain READ BINARY with 6982: `transport` must be a
/// secure-messaging channel established by PACE with CAN or MRZ.
pub fn read_public(transport: &mut dyn Transport) -> Result<PublicData, PublicError> {
    select_aid(transport, &PUBLIC_AID)?;
    let mut contents: [Vec<u8>; FIELD_COUNT] = Default::default();
    for (slot, ef) in contents.iter_mut().zip(PublicEf::ALL) {
        *slot = read_binary_sfi(transport, ef.sfi())?;
    }
    decode(&contents)
}

/// Decodes the contents of EF `0101..=0109` (index 0 = EF.Name).
pub fn decode<B: AsRef<[u8]>>(contents: &[B; FIELD_COUNT]) -> Result<PublicData, PublicError> {
    let [
        name,
        id,
        birth,
        address,
        marital,
        military,
        card,
        renewal,
        issue,
    ] = contents;
    let (name_zh, name_en, name_mrz, name_cns) = parse_name(name.as_ref())?;
    let (household_address_zh, household_address_en, village_code, address_cns) =
        parse_address(address.as_ref())?;
    Ok(PublicData {
        name_zh,
        name_en,
        name_mrz,
        name_cns,
        id_number: parse_id_number(id.as_ref())?,
        date_of_birth: parse_date(PublicEf::DateOfBirth, birth.as_ref())?,
        household_address_zh,
        household_address_en,
        village_code,
        address_cns,
        marital_status: parse_code(
            PublicEf::MaritalStatus,
            marital.as_ref(),
            &MaritalStatus::ALL,
            MaritalStatus::code,
        )?,
        military_service: parse_code(
            PublicEf::MilitaryService,
            military.as_ref(),
            &MilitaryService::ALL,
            MilitaryService::code,
        )?,
        card_number: parse_card_number(card.as_ref())?,
        renewal_date: parse_renewal_date(renewal.as_ref())?,
        issue_date: parse_date(PublicEf::IssueDate, issue.as_ref())?,
    })
}

/// The value of the one object of the EF, which must be `ef.tag()` and fill the EF.
fn template(ef: PublicEf, content: &[u8]) -> Result<&[u8], PublicError> {
    let (object, rest) =
        tlv::parse_one(content).map_err(|source| PublicError::Tlv { ef, source })?;
    if object.tag != ef.tag() {
        return Err(PublicError::WrongTag {
            ef,
            expected: ef.tag(),
            found: object.tag,
        });
    }
    if !rest.is_empty() {
        return Err(PublicError::TrailingData {
            ef,
            tag: ef.tag(),
            count: rest.len(),
        });
    }
    Ok(object.value)
}

/// The values of a template's objects.
struct Objects<'a> {
    /// One per required tag, in order.
    required: Vec<&'a [u8]>,
    /// The repeated objects after them (`83` annotations).
    repeated: Vec<&'a [u8]>,
}

/// The template's objects: exactly `required`, in that order, then any number
/// of `repeated` objects.
fn objects<'a>(
    ef: PublicEf,
    value: &'a [u8],
    required: &[u32],
    repeated: Option<u32>,
) -> Result<Objects<'a>, PublicError> {
    let all = tlv::parse_all(value).map_err(|source| PublicError::Tlv { ef, source })?;
    let mut found = Vec::with_capacity(required.len());
    let mut extra = Vec::new();
    for (i, object) in all.iter().enumerate() {
        let known = required.contains(&object.tag) || repeated == Some(object.tag);
        if !known {
            return Err(PublicError::Unexpected {
                ef,
                tag: object.tag,
            });
        }
        if required[..i.min(required.len())].contains(&object.tag) {
            return Err(PublicError::Duplicate {
                ef,
                tag: object.tag,
            });
        }
        match required.get(i) {
            Some(&expected) if object.tag != expected => {
                return Err(PublicError::OutOfOrder {
                    ef,
                    expected,
                    found: object.tag,
                });
            }
            Some(_) => found.push(object.value),
            None => extra.push(object.value),
        }
    }
    if let Some(&tag) = required.get(found.len()) {
        return Err(PublicError::Missing { ef, tag });
    }
    Ok(Objects {
        required: found,
        repeated: extra,
    })
}

/// The value of the template's single `80` object.
fn single(ef: PublicEf, content: &[u8]) -> Result<&[u8], PublicError> {
    let found = objects(ef, template(ef, content)?, &[TAG_VALUE], None)?;
    // `objects` returned Ok, so the one required value is present.
    found
        .required
        .first()
        .copied()
        .ok_or(PublicError::Missing { ef, tag: TAG_VALUE })
}

fn text(ef: PublicEf, tag: u32, value: &[u8]) -> Result<String, PublicError> {
    let bad = || PublicError::BadValue {
        ef,
        tag,
        rule: RULE_TEXT,
    };
    let text = std::str::from_utf8(value).map_err(|_| bad())?;
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err(bad());
    }
    Ok(text.to_owned())
}

/// ASCII bytes that `shape` accepts, as a string.
fn ascii(
    ef: PublicEf,
    tag: u32,
    value: &[u8],
    rule: &'static str,
    shape: bool,
) -> Result<String, PublicError> {
    if !shape || !value.is_ascii() {
        return Err(PublicError::BadValue { ef, tag, rule });
    }
    // ASCII is UTF-8.
    String::from_utf8(value.to_vec()).map_err(|_| PublicError::BadValue { ef, tag, rule })
}

fn all_digits(value: &[u8]) -> bool {
    value.iter().all(u8::is_ascii_digit)
}

fn cns_annotations(
    ef: PublicEf,
    zh: &str,
    values: &[&[u8]],
) -> Result<Vec<CnsAnnotation>, PublicError> {
    let chars = zh.chars().count();
    let mut out: Vec<CnsAnnotation> = Vec::with_capacity(values.len());
    for value in values {
        let &[index, plane, hi, lo] = *value else {
            return Err(PublicError::BadCnsLength {
                ef,
                len: value.len(),
            });
        };
        if usize::from(index) >= chars {
            return Err(PublicError::CnsIndexOutOfRange { ef, index, chars });
        }
        if out.last().is_some_and(|previous| index <= previous.index) {
            return Err(PublicError::CnsOrder { ef, index });
        }
        let code = u16::from_be_bytes([hi, lo]);
        if !CNS_PLANES.contains(&plane) || !CNS_BYTE.contains(&hi) || !CNS_BYTE.contains(&lo) {
            return Err(PublicError::CnsCodeInvalid { ef, plane, code });
        }
        out.push(CnsAnnotation { index, plane, code });
    }
    Ok(out)
}

type TextsWithCns = (String, String, String, Vec<CnsAnnotation>);

/// EF.Name: `A1 { 80 zh, 81 en, 82 MRZ name, [83 CNS]* }`.
fn parse_name(content: &[u8]) -> Result<TextsWithCns, PublicError> {
    let ef = PublicEf::Name;
    let required = [TAG_NAME_ZH, TAG_NAME_EN, TAG_NAME_MRZ];
    let found = objects(ef, template(ef, content)?, &required, Some(TAG_CNS))?;
    let &[zh, en, mrz] = found.required.as_slice() else {
        return Err(PublicError::Missing {
            ef,
            tag: TAG_NAME_ZH,
        });
    };
    let name_zh = text(ef, TAG_NAME_ZH, zh)?;
    let name_en = text(ef, TAG_NAME_EN, en)?;
    let mrz_shape = !mrz.is_empty()
        && mrz.len() <= MRZ_NAME_MAX
        && mrz
            .iter()
            .all(|b| b.is_ascii_uppercase() || *b == MRZ_FILLER)
        && mrz.first() != Some(&MRZ_FILLER)
        && mrz.last() != Some(&MRZ_FILLER);
    let name_mrz = ascii(ef, TAG_NAME_MRZ, mrz, RULE_MRZ_NAME, mrz_shape)?;
    let name_cns = cns_annotations(ef, &name_zh, &found.repeated)?;
    Ok((name_zh, name_en, name_mrz, name_cns))
}

/// EF.HouseholdAddress: `A4 { 80 zh, 81 en, 82 village code, [83 CNS]* }`.
fn parse_address(content: &[u8]) -> Result<TextsWithCns, PublicError> {
    let ef = PublicEf::HouseholdAddress;
    let required = [TAG_ADDRESS_ZH, TAG_ADDRESS_EN, TAG_VILLAGE_CODE];
    let found = objects(ef, template(ef, content)?, &required, Some(TAG_CNS))?;
    let &[zh, en, village] = found.required.as_slice() else {
        return Err(PublicError::Missing {
            ef,
            tag: TAG_ADDRESS_ZH,
        });
    };
    let address_zh = text(ef, TAG_ADDRESS_ZH, zh)?;
    let address_en = text(ef, TAG_ADDRESS_EN, en)?;
    let village_shape = village.len() == VILLAGE_CODE_LEN
        && village.iter().enumerate().all(|(i, b)| {
            if i == VILLAGE_TOWNSHIP_DIGITS {
                *b == VILLAGE_SEPARATOR
            } else {
                b.is_ascii_digit()
            }
        });
    let village_code = ascii(
        ef,
        TAG_VILLAGE_CODE,
        village,
        RULE_VILLAGE_CODE,
        village_shape,
    )?;
    let address_cns = cns_annotations(ef, &address_zh, &found.repeated)?;
    Ok((address_zh, address_en, village_code, address_cns))
}

/// EF.IdNumber: `A2 { 80 letter + 9 digits }`.
fn parse_id_number(content: &[u8]) -> Result<String, PublicError> {
    let ef = PublicEf::IdNumber;
    let value = single(ef, content)?;
    let shape = value.len() == ID_NUMBER_LEN
        && value.first().is_some_and(u8::is_ascii_uppercase)
        && value.get(1..).is_some_and(all_digits);
    ascii(ef, TAG_VALUE, value, RULE_ID_NUMBER, shape)
}

/// EF.CardNumber: `A7 { 80 9 digits }`.
fn parse_card_number(content: &[u8]) -> Result<String, PublicError> {
    let ef = PublicEf::CardNumber;
    let value = single(ef, content)?;
    ascii(
        ef,
        TAG_VALUE,
        value,
        RULE_CARD_NUMBER,
        value.len() == CARD_NUMBER_LEN && all_digits(value),
    )
}

/// `YYYYMMDD`, which must name a day of the Gregorian calendar.
fn date_value(ef: PublicEf, value: &[u8]) -> Result<Date, PublicError> {
    let text = ascii(
        ef,
        TAG_VALUE,
        value,
        RULE_DATE,
        value.len() == DATE_LEN && all_digits(value),
    )?;
    let number = |digits: &[u8]| {
        digits
            .iter()
            .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
    };
    let (year, month, day) = (
        number(&value[0..4]),
        number(&value[4..6]),
        number(&value[6..8]),
    );
    // Two-digit month and day are at most 99 and fit in a u8.
    let (month, day) = (month as u8, day as u8);
    Date::new(year, month, day).map_err(|reason| PublicError::ImpossibleDate {
        ef,
        value: text,
        reason,
    })
}

/// EF.DateOfBirth, EF.IssueDate: `tag { 80 YYYYMMDD }`.
fn parse_date(ef: PublicEf, content: &[u8]) -> Result<Date, PublicError> {
    date_value(ef, single(ef, content)?)
}

/// EF.RenewalDate: `A8 { 80 YYYYMMDD }`, or the empty `A8 00` when the card has none.
fn parse_renewal_date(content: &[u8]) -> Result<Option<Date>, PublicError> {
    let ef = PublicEf::RenewalDate;
    if template(ef, content)?.is_empty() {
        return Ok(None);
    }
    parse_date(ef, content).map(Some)
}

/// EF.MaritalStatus, EF.MilitaryService: `tag { 80 code word }`.
fn parse_code<T: Copy>(
    ef: PublicEf,
    content: &[u8],
    all: &[T],
    code: fn(T) -> &'static str,
) -> Result<T, PublicError> {
    let value = single(ef, content)?;
    all.iter()
        .copied()
        .find(|candidate| code(*candidate).as_bytes() == value)
        .ok_or(PublicError::UnknownCode {
            ef,
            allowed: allowed_codes(ef),
        })
}

fn allowed_codes(ef: PublicEf) -> &'static str {
    match ef {
        PublicEf::MaritalStatus => "single, married, divorced, widowed",
        _ => "none, completed, exempted, pending, serving",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        hex::decode(text.split_whitespace().collect::<String>()).unwrap()
    }

    /// docs/spec/public.md §"Worked example": the adult's nine EFs, written
    /// from the spec, not from the applets encoder.
    fn adult() -> [Vec<u8>; FIELD_COUNT] {
        [
            hex("A1 2F 80 09 E78E8B E5B08F E6988E 81 10 57414E472C20485349414F2D4D494E47
                 82 10 57414E473C3C485349414F3C4D494E47"),
            hex("A2 0C 80 0A 41313233343536373839"),
            hex("A3 0A 80 08 3139393030333135"),
            hex("A4 81 90 80 37 E887BAE58C97E5B882E5A4A7E5AE89E58D80E9BE8DE6B389E9878C35E984B0E5928CE5B9B3
                 E69DB1E8B7AFE4B880E6AEB5313030E8999F
                 81 47 4E6F2E203130302C205365632E20312C20486570696E6720452E2052642E2C204C6F6E677175616E20
                 56696C2E2C20446127616E20446973742E2C205461697065692043697479
                 82 0C 36333030303033302D303137"),
            hex("A5 09 80 07 6D617272696564"),
            hex("A6 0B 80 09 636F6D706C65746564"),
            hex("A7 0B 80 09 323130303132333435"),
            hex("A8 0A 80 08 3230333630333134"),
            hex("A9 0A 80 08 3230323630333135"),
        ]
    }

    fn minor() -> [Vec<u8>; FIELD_COUNT] {
        [
            hex("A1 28 80 0A E69E97 F0A19899 E5A9B7 81 0C 4C494E2C2059552D54494E47 82 0C 4C494E3C3C59553C54494E47"),
            hex("A2 0C 80 0A 46323233343536373836"),
            hex("A3 0A 80 08 3230313630353231"),
            hex("A4 81 8B 80 33 E696B0E58C97E5B882E69DBFE6A98BE58D80E79599E4BEAFE9878C3132E984B0E69687E58C96
                 E8B7AFE4B880E6AEB531E8999F
                 81 46 4E6F2E20312C205365632E20312C2057656E6875612052642E2C204C6975686F752056696C2E2C2042616E
                 7169616F20446973742E2C204E6577205461697065692043697479
                 82 0C 36353030303031302D303332"),
            hex("A5 08 80 06 73696E676C65"),
            hex("A6 06 80 04 6E6F6E65"),
            hex("A7 0B 80 09 323130303534333231"),
            hex("A8 0A 80 08 3230333130353230"),
            hex("A9 0A 80 08 3230323630353231"),
        ]
    }

    fn senior() -> [Vec<u8>; FIELD_COUNT] {
        [
            hex("A1 2D 80 09 E999B3 E5BBBA E59C8B 81 0F 4348454E2C20434849454E2D4B554F 82 0F 4348454E3C3C434849454E3C4B554F"),
            hex("A2 0C 80 0A 42313837363534333234"),
            hex("A3 0A 80 08 3139353530313032"),
            hex("A4 81 8C 80 36 E887BAE4B8ADE5B882E8A5BFE5B1AFE58D80E7A68FE5AE89E9878C33E984B0E58FB0E781A3E5A4A7
                 E98193E4B889E6AEB53939E8999F
                 81 44 4E6F2E2039392C205365632E20332C2054616977616E20426C76642E2C20467527616E2056696C2E2C2058
                 6974756E20446973742E2C205461696368756E672043697479
                 82 0C 36363030303036302D303231"),
            hex("A5 09 80 07 7769646F776564"),
            hex("A6 0B 80 09 636F6D706C65746564"),
            hex("A7 0B 80 09 323130303938373635"),
            hex("A8 00"),
            hex("A9 0A 80 08 3230323630313035"),
        ]
    }

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    #[test]
    fn decodes_the_adult() {
        let data = decode(&adult()).unwrap();
        assert_eq!(
            data,
            PublicData {
                name_zh: "王小明".into(),
                name_en: "WANG, HSIAO-MING".into(),
                name_mrz: "WANG<<HSIAO<MING".into(),
                name_cns: vec![],
                id_number: "A123456789".into(),
                date_of_birth: date("1990-03-15"),
                household_address_zh: "臺北市大安區龍泉里5鄰和平東路一段100號".into(),
                household_address_en:
                    "No. 100, Sec. 1, Heping E. Rd., Longquan Vil., Da'an Dist., Taipei City".into(),
                village_code: "63000030-017".into(),
                address_cns: vec![],
                marital_status: MaritalStatus::Married,
                military_service: MilitaryService::Completed,
                card_number: "210012345".into(),
                renewal_date: Some(date("2036-03-14")),
                issue_date: date("2026-03-15"),
            }
        );
    }

    #[test]
    fn decodes_the_minor_with_a_supplementary_character() {
        let data = decode(&minor()).unwrap();
        assert_eq!(data.name_zh, "林𡘙婷");
        assert_eq!(data.name_zh.chars().count(), 3);
        assert_eq!(data.name_mrz, "LIN<<YU<TING");
        assert_eq!(
            data.household_address_zh,
            "新北市板橋區留侯里12鄰文化路一段1號"
        );
        assert_eq!(data.village_code, "65000010-032");
        assert_eq!(
            (data.marital_status, data.military_service),
            (MaritalStatus::Single, MilitaryService::None)
        );
        assert_eq!(data.renewal_date, Some(date("2031-05-20")));
        assert_eq!(data.date_of_birth, date("2016-05-21"));
    }

    #[test]
    fn decodes_the_senior_without_renewal_date() {
        let data = decode(&senior()).unwrap();
        assert_eq!(data.name_zh, "陳建國");
        assert_eq!(data.renewal_date, None);
        assert_eq!(data.marital_status, MaritalStatus::Widowed);
        assert_eq!(data.issue_date, date("2026-01-05"));
        assert_eq!(data.to_json()["renewal_date"], serde_json::Value::Null);
    }

    #[test]
    fn json_uses_reference_field_names() {
        let json = decode(&adult()).unwrap().to_json();
        for (key, value) in [
            ("name_zh", "王小明"),
            ("name_en", "WANG, HSIAO-MING"),
            ("name_mrz", "WANG<<HSIAO<MING"),
            ("id_number", "A123456789"),
            ("date_of_birth", "1990-03-15"),
            (
                "household_address_zh",
                "臺北市大安區龍泉里5鄰和平東路一段100號",
            ),
            ("village_code", "63000030-017"),
            ("marital_status", "married"),
            ("military_service", "completed"),
            ("card_number", "210012345"),
            ("renewal_date", "2036-03-14"),
            ("issue_date", "2026-03-15"),
        ] {
            assert_eq!(json[key], value, "{key}");
        }
        assert_eq!(json["name_cns"], serde_json::json!([]));
    }

    #[test]
    fn text_shows_both_calendars_and_code_labels() {
        let text = decode(&adult()).unwrap().to_string();
        assert!(
            text.contains("date_of_birth         民國79年03月15日 (1990-03-15)\n"),
            "{text}"
        );
        assert!(
            text.contains("renewal_date          民國125年03月14日 (2036-03-14)\n"),
            "{text}"
        );
        assert!(
            text.ends_with("issue_date            民國115年03月15日 (2026-03-15)"),
            "{text}"
        );
        assert!(
            text.contains("marital_status        married (已婚 / married)\n"),
            "{text}"
        );
        assert!(
            text.contains("military_service      completed (役畢 / service completed)\n"),
            "{text}"
        );
        let senior = decode(&senior()).unwrap().to_string();
        assert!(
            senior.contains("date_of_birth         民國44年01月02日 (1955-01-02)\n"),
            "{senior}"
        );
        assert!(senior.contains("renewal_date          none"), "{senior}");
    }

    #[test]
    fn cns_annotations_are_decoded_and_shown() {
        let mut efs = adult();
        // 王〓明 with 〓 (U+3013) at index 1 = CNS 11643 plane 2 code 4A21.
        efs[0] = hex(
            "A1 35 80 09 E78E8B E38093 E6988E 81 10 57414E472C20485349414F2D4D494E47
                      82 10 57414E473C3C485349414F3C4D494E47 83 04 01 02 4A 21",
        );
        let data = decode(&efs).unwrap();
        assert_eq!(
            data.name_cns,
            vec![CnsAnnotation {
                index: 1,
                plane: 2,
                code: 0x4A21
            }]
        );
        assert!(
            data.to_string()
                .contains("character 1 = CNS 11643 plane 2 code 4A21")
        );
    }

    fn error_with(field: usize, bytes: &str) -> String {
        let mut efs = adult();
        efs[field] = hex(bytes);
        decode(&efs).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_ef_and_the_rule() {
        let cases = [
            (
                1,
                "A3 0C 80 0A 41313233343536373839",
                "EF.IdNumber (0102, SFI 02): expected one object with tag A2, found tag A3",
            ),
            (
                1,
                "A2 0C 80 0A 41313233343536373839 00",
                "EF.IdNumber (0102, SFI 02): 1 byte(s) after the A2 object; the EF holds exactly that one object",
            ),
            (
                1,
                "A2 0C 80 0A 61313233343536373839",
                "EF.IdNumber (0102, SFI 02): data object 80 is not one letter A-Z and 9 ASCII digits",
            ),
            (
                2,
                "A3 0A 80 08 31393930303331 41",
                "EF.DateOfBirth (0103, SFI 03): data object 80 is not 8 ASCII digits YYYYMMDD",
            ),
            (
                2,
                "A3 0A 80 08 3139393030323330",
                "EF.DateOfBirth (0103, SFI 03): 19900230 is not a calendar date: day 30 does not exist in 1990-02",
            ),
            (
                8,
                "A9 0A 80 08 3230323631333135",
                "EF.IssueDate (0109, SFI 09): 20261315 is not a calendar date: month 13 is outside 1..=12",
            ),
            (
                8,
                "A9 0A 80 08 3030303030313031",
                "EF.IssueDate (0109, SFI 09): 00000101 is not a calendar date: year 0 is outside 1..=9999",
            ),
            (
                4,
                "A5 09 80 07 656E6761676564",
                "EF.MaritalStatus (0105, SFI 05): data object 80 is not one of the code words single, married, divorced, widowed",
            ),
            (
                5,
                "A6 0B 80 09 436F6D706C65746564",
                "EF.MilitaryService (0106, SFI 06): data object 80 is not one of the code words none, completed, exempted, pending, serving",
            ),
            (
                6,
                "A7 0A 80 08 3231303031323334",
                "EF.CardNumber (0107, SFI 07): data object 80 is not 9 ASCII digits",
            ),
            (
                7,
                "A8 02 81 00",
                "EF.RenewalDate (0108, SFI 08): unexpected data object 81",
            ),
            (
                7,
                "A8 0C 80 08 3230333630333134 80 00",
                "EF.RenewalDate (0108, SFI 08): data object 80 appears twice",
            ),
            (
                0,
                "A1 24 81 10 57414E472C20485349414F2D4D494E47 82 10 57414E473C3C485349414F3C4D494E47",
                "EF.Name (0101, SFI 01): data object 81 where 80 must come (spec order)",
            ),
            (
                0,
                "A1 0B 80 09 E78E8B E5B08F E6988E",
                "EF.Name (0101, SFI 01): data object 81 is missing",
            ),
            (
                0,
                "A1 12 80 02 C3 28 81 02 4142 82 02 4142 83 04 00 01 21 21",
                "EF.Name (0101, SFI 01): data object 80 is not non-empty UTF-8 without control characters",
            ),
            (
                0,
                "A1 0C 80 02 E78E 81 02 4142 82 02 4142",
                "EF.Name (0101, SFI 01): data object 80 is not non-empty UTF-8 without control characters",
            ),
            (
                0,
                "A1 0D 80 03 E78E8B 81 02 4142 82 02 3C41",
                "EF.Name (0101, SFI 01): data object 82 is not 1 to 30 characters A-Z and `<`, without leading or trailing `<`",
            ),
            (
                0,
                "A1 13 80 03 E78E8B 81 02 4142 82 02 4142 83 04 01 01 21 21",
                "EF.Name (0101, SFI 01): CNS annotation points at character 1, but the zh text has 1 characters",
            ),
            (
                0,
                "A1 12 80 03 E78E8B 81 02 4142 82 02 4142 83 03 00 01 21",
                "EF.Name (0101, SFI 01): CNS annotation (83) has 3 bytes; it must have 4 (index, plane, code)",
            ),
            (
                0,
                "A1 13 80 03 E78E8B 81 02 4142 82 02 4142 83 04 00 14 21 21",
                "EF.Name (0101, SFI 01): CNS 11643 plane 20 code 2121 is invalid (plane 1..=19, code bytes 21..=7E)",
            ),
            (
                0,
                "A1 1C 80 06 E78E8BE78E8B 81 02 4142 82 02 4142 83 04 01 01 21 21 83 04 00 01 21 21",
                "EF.Name (0101, SFI 01): CNS annotation index 0 repeats or goes backwards (indices strictly increase)",
            ),
            (
                3,
                "A4 12 80 03 E887BA 81 01 41 82 08 3633303030303330",
                "EF.HouseholdAddress (0104, SFI 04): data object 82 is not an MOI village code: 8 ASCII digits, `-`, 3 ASCII digits",
            ),
            (
                3,
                "A4 14 80 01 41 81 01 0A 82 0C 36333030303033302D303137",
                "EF.HouseholdAddress (0104, SFI 04): data object 81 is not non-empty UTF-8 without control characters",
            ),
        ];
        for (field, bytes, message) in cases {
            assert_eq!(error_with(field, bytes), message, "{bytes}");
        }
    }

    /// Every prefix of every EF of every holder, and every single-byte
    /// corruption of the adult's EFs, gives a result: never a panic.
    #[test]
    fn truncations_and_corruptions_never_panic() {
        for holder in [adult(), minor(), senior()] {
            for field in 0..FIELD_COUNT {
                for len in 0..holder[field].len() {
                    let mut efs = holder.clone();
                    efs[field].truncate(len);
                    let err = decode(&efs).expect_err("a truncated EF must be refused");
                    let ef = PublicEf::ALL[field];
                    assert!(err.to_string().starts_with(&ef.to_string()), "{err}");
                }
            }
        }
        let holder = adult();
        for field in 0..FIELD_COUNT {
            for at in 0..holder[field].len() {
                for byte in [0x00, 0x7F, 0x80, 0x81, 0x82, 0x83, 0xFF] {
                    let mut efs = holder.clone();
                    efs[field][at] = byte;
                    let _ = decode(&efs);
                }
            }
        }
    }

    /// The card-side encoder and this decoder agree, annotations included
    /// (the byte-exact checks against the spec are above and in applets).
    #[test]
    fn decodes_what_personalization_encodes() {
        use applets::public_fields::{PublicFields, encode};
        let fields = PublicFields {
            name_zh: "王〓明".into(),
            name_en: "WANG, HSIAO-MING".into(),
            name_mrz: "WANG<<HSIAO<MING".into(),
            name_cns: vec![applets::CnsAnnotation {
                index: 1,
                plane: 2,
                code: 0x4A21,
            }],
            id_number: "A123456789".into(),
            date_of_birth: "19900315".into(),
            household_address_zh: "臺北市大安區龍泉里5鄰和平東路一段100號".into(),
            household_address_en: "No. 100".into(),
            village_code: "63000030-017".into(),
            address_cns: vec![applets::CnsAnnotation {
                index: 20,
                plane: 19,
                code: 0x7E7E,
            }],
            marital_status: "divorced".into(),
            military_service: "serving".into(),
            card_number: "210012345".into(),
            renewal_date: None,
            issue_date: "20240229".into(),
        };
        let data = decode(&encode(&fields).unwrap()).unwrap();
        assert_eq!(
            data.name_cns,
            vec![CnsAnnotation {
                index: 1,
                plane: 2,
                code: 0x4A21
            }]
        );
        assert_eq!(
            data.address_cns,
            vec![CnsAnnotation {
                index: 20,
                plane: 19,
                code: 0x7E7E
            }]
        );
        assert_eq!(
            (data.marital_status, data.military_service),
            (MaritalStatus::Divorced, MilitaryService::Serving)
        );
        assert_eq!(
            (data.renewal_date, data.issue_date),
            (None, date("2024-02-29"))
        );
    }

    #[test]
    fn ef_numbering() {
        assert_eq!(
            PublicEf::ALL.map(PublicEf::sfi),
            [1, 2, 3, 4, 5, 6, 7, 8, 9]
        );
        assert_eq!(PublicEf::HouseholdAddress.fid(), 0x0104);
        assert_eq!(PublicEf::IssueDate.tag(), 0xA9);
        assert_eq!(
            PublicEf::RenewalDate.to_string(),
            "EF.RenewalDate (0108, SFI 08)"
        );
    }
}
