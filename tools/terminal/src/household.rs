//! The household-address zone (docs/spec/household.md): readable without
//! authentication on both interfaces.
//!
//! DF AID `D1 58 00 00 01 01`; four transparent EFs, each one BER-TLV object:
//!
//! | EF | SFI | object |
//! |---|---|---|
//! | EF.County | 01 | `A1 { 80 code, 81 name_zh, 82 name_en, [83 CNS annotation]* }` |
//! | EF.Township | 02 | `A2 { same }` |
//! | EF.Village | 03 | `A3 { same }` |
//! | EF.Neighbourhood | 04 | `A4 { 80 number }` |
//!
//! Codes and numbers are ASCII, names UTF-8. A CNS annotation carries a
//! character of `name_zh` that Unicode lacks: 1 byte character index, 1 byte
//! CNS 11643 plane, 2 bytes code point.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

use crate::card::{CardError, read_binary_sfi, select_aid};
use crate::tlv::{self, TlvError};
use crate::transport::Transport;

/// AID of the household application: national registration category D,
/// country code 158 (ISO 7816-5), application 01 01.
pub const HOUSEHOLD_AID: [u8; 6] = [0xD1, 0x58, 0x00, 0x00, 0x01, 0x01];

pub const SFI_COUNTY: u8 = 0x01;
pub const SFI_TOWNSHIP: u8 = 0x02;
pub const SFI_VILLAGE: u8 = 0x03;
pub const SFI_NEIGHBOURHOOD: u8 = 0x04;

const TAG_COUNTY: u32 = 0xA1;
const TAG_TOWNSHIP: u32 = 0xA2;
const TAG_VILLAGE: u32 = 0xA3;
const TAG_NEIGHBOURHOOD: u32 = 0xA4;
/// Inside a division object.
const TAG_CODE: u32 = 0x80;
const TAG_NAME_ZH: u32 = 0x81;
const TAG_NAME_EN: u32 = 0x82;
const TAG_CNS: u32 = 0x83;
/// Inside EF.Neighbourhood.
const TAG_NUMBER: u32 = 0x80;
/// A village code joins the township code and the village number with '-'.
const CODE_SEPARATOR: u8 = b'-';
/// CNS 11643 planes, and the range of each code byte (docs/spec/household.md).
const CNS_PLANES: std::ops::RangeInclusive<u8> = 1..=19;
const CNS_CODE_BYTE: std::ops::RangeInclusive<u8> = 0x21..=0x7E;
/// Neighbourhood (鄰) numbers are small; four digits leave room and bound parsing.
const NEIGHBOURHOOD_MAX_DIGITS: usize = 4;

/// The elementary files of the zone, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdEf {
    County,
    Township,
    Village,
    Neighbourhood,
}

impl fmt::Display for HouseholdEf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HouseholdEf::County => "EF.County (SFI 01)",
            HouseholdEf::Township => "EF.Township (SFI 02)",
            HouseholdEf::Village => "EF.Village (SFI 03)",
            HouseholdEf::Neighbourhood => "EF.Neighbourhood (SFI 04)",
        })
    }
}

/// Why the household zone could not be read.
#[derive(Debug, Error)]
pub enum HouseholdError {
    #[error("household zone: {0}")]
    Card(#[from] CardError),
    #[error("{ef}: malformed BER-TLV: {source}")]
    Tlv { ef: HouseholdEf, source: TlvError },
    #[error("{ef}: expected one object with tag {expected:02X}, found tag {found:X}")]
    WrongTag { ef: HouseholdEf, expected: u32, found: u32 },
    #[error("{ef}: bytes after the {tag:02X} object that are not '00'/'FF' padding")]
    TrailingData { ef: HouseholdEf, tag: u32 },
    #[error("{ef}: data object {tag:02X} is missing")]
    Missing { ef: HouseholdEf, tag: u32 },
    #[error("{ef}: expected data object {expected:02X} here, found {found:X} (order is 80 81 82 83*)")]
    OutOfOrder { ef: HouseholdEf, expected: u32, found: u32 },
    #[error("{ef}: CNS annotation plane {plane} code {code:04X}: plane must be 1..=19 and each code byte 21..7E")]
    BadCnsCode { ef: HouseholdEf, plane: u8, code: u16 },
    #[error("{ef}: data object {tag:02X} appears twice")]
    Duplicate { ef: HouseholdEf, tag: u32 },
    #[error("{ef}: unexpected data object {tag:X}")]
    Unexpected { ef: HouseholdEf, tag: u32 },
    #[error("{ef}: data object {tag:02X} is not {rule}")]
    BadText { ef: HouseholdEf, tag: u32, rule: &'static str },
    #[error("{ef}: CNS annotation (83) has {len} bytes; it must have 4 (index, plane, code)")]
    BadCnsLength { ef: HouseholdEf, len: usize },
    #[error("{ef}: CNS annotation points at character {index}, but name_zh has {chars} characters")]
    CnsIndexOutOfRange { ef: HouseholdEf, index: u8, chars: usize },
}

/// A character of a Chinese name carried as its CNS 11643 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CnsAnnotation {
    /// Index of the character in `name_zh`, counted in Unicode scalar values.
    pub index: u8,
    /// CNS 11643 plane.
    pub plane: u8,
    /// Code point within the plane.
    pub code: u16,
}

/// A county, township or village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub cns: Vec<CnsAnnotation>,
}

/// The household zone as read from the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub county: Division,
    pub township: Division,
    pub village: Division,
    pub neighbourhood: u32,
}

/// The JSON shape: the reference holders' field names, extras beside them.
#[derive(Serialize)]
struct HouseholdJson<'a> {
    county: &'a str,
    township: &'a str,
    village: &'a str,
    neighbourhood: u32,
    county_code: &'a str,
    county_en: &'a str,
    county_cns: &'a [CnsAnnotation],
    township_code: &'a str,
    township_en: &'a str,
    township_cns: &'a [CnsAnnotation],
    village_code: &'a str,
    village_en: &'a str,
    village_cns: &'a [CnsAnnotation],
}

impl Household {
    /// `{"county": "臺北市", "township": …, "neighbourhood": 5, "county_code": …}`.
    pub fn to_json(&self) -> serde_json::Value {
        let flat = HouseholdJson {
            county: &self.county.name_zh,
            township: &self.township.name_zh,
            village: &self.village.name_zh,
            neighbourhood: self.neighbourhood,
            county_code: &self.county.code,
            county_en: &self.county.name_en,
            county_cns: &self.county.cns,
            township_code: &self.township.code,
            township_en: &self.township.name_en,
            township_cns: &self.township.cns,
            village_code: &self.village.code,
            village_en: &self.village.name_en,
            village_cns: &self.village.cns,
        };
        // Serializing plain strings and numbers cannot fail.
        serde_json::to_value(flat).unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Display for Household {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (label, d) in [("county", &self.county), ("township", &self.township), ("village", &self.village)] {
            writeln!(f, "{label:<14}{} ({}, code {})", d.name_zh, d.name_en, d.code)?;
            for a in &d.cns {
                writeln!(f, "{:<14}character {} = CNS 11643 plane {} code {:04X}", "", a.index, a.plane, a.code)?;
            }
        }
        write!(f, "{:<14}{}", "neighbourhood", self.neighbourhood)
    }
}

/// SELECTs the household application and reads its four EFs.
pub fn read_household(transport: &mut dyn Transport) -> Result<Household, HouseholdError> {
    select_aid(transport, &HOUSEHOLD_AID)?;
    let county = read_binary_sfi(transport, SFI_COUNTY)?;
    let township = read_binary_sfi(transport, SFI_TOWNSHIP)?;
    let village = read_binary_sfi(transport, SFI_VILLAGE)?;
    let neighbourhood = read_binary_sfi(transport, SFI_NEIGHBOURHOOD)?;
    Ok(Household {
        county: parse_division(HouseholdEf::County, TAG_COUNTY, &county)?,
        township: parse_division(HouseholdEf::Township, TAG_TOWNSHIP, &township)?,
        village: parse_division(HouseholdEf::Village, TAG_VILLAGE, &village)?,
        neighbourhood: parse_neighbourhood(&neighbourhood)?,
    })
}

/// The content of the one top-level object with tag `expected`.
fn outer_object(ef: HouseholdEf, expected: u32, content: &[u8]) -> Result<&[u8], HouseholdError> {
    let (object, rest) = tlv::parse_one(content).map_err(|source| HouseholdError::Tlv { ef, source })?;
    if object.tag != expected {
        return Err(HouseholdError::WrongTag { ef, expected, found: object.tag });
    }
    if !tlv::is_padding(rest) {
        return Err(HouseholdError::TrailingData { ef, tag: expected });
    }
    Ok(object.value)
}

fn text(ef: HouseholdEf, tag: u32, value: &[u8], ascii: bool) -> Result<&str, HouseholdError> {
    let rule = if ascii { "non-empty ASCII" } else { "non-empty UTF-8" };
    let text = std::str::from_utf8(value).map_err(|_| HouseholdError::BadText { ef, tag, rule })?;
    if text.is_empty() || (ascii && !text.is_ascii()) || text.chars().any(char::is_control) {
        return Err(HouseholdError::BadText { ef, tag, rule });
    }
    Ok(text)
}

/// The value of the next object, which must carry `tag` (the order inside
/// each template is fixed: docs/spec/household.md).
fn next_value<'a>(
    ef: HouseholdEf,
    objects: &mut impl Iterator<Item = tlv::Tlv<'a>>,
    tag: u32,
) -> Result<&'a [u8], HouseholdError> {
    match objects.next() {
        None => Err(HouseholdError::Missing { ef, tag }),
        Some(object) if object.tag == tag => Ok(object.value),
        Some(object) => Err(HouseholdError::OutOfOrder { ef, expected: tag, found: object.tag }),
    }
}

/// MOI administrative code: digits, and `-` before a village number; starts with a digit.
fn check_code(ef: HouseholdEf, code: &str) -> Result<(), HouseholdError> {
    let starts_with_digit = code.bytes().next().is_some_and(|b| b.is_ascii_digit());
    if !starts_with_digit || !code.bytes().all(|b| b.is_ascii_digit() || b == CODE_SEPARATOR) {
        return Err(HouseholdError::BadText { ef, tag: TAG_CODE, rule: "ASCII digits and '-', starting with a digit" });
    }
    Ok(())
}

/// Parses EF.County, EF.Township or EF.Village: `80 81 82 83*`, in this order.
pub fn parse_division(ef: HouseholdEf, outer_tag: u32, content: &[u8]) -> Result<Division, HouseholdError> {
    let inner = outer_object(ef, outer_tag, content)?;
    let objects = tlv::parse_all(inner).map_err(|source| HouseholdError::Tlv { ef, source })?;
    let mut objects = objects.into_iter();
    let code = text(ef, TAG_CODE, next_value(ef, &mut objects, TAG_CODE)?, true)?.to_owned();
    check_code(ef, &code)?;
    let name_zh = text(ef, TAG_NAME_ZH, next_value(ef, &mut objects, TAG_NAME_ZH)?, false)?.to_owned();
    let name_en = text(ef, TAG_NAME_EN, next_value(ef, &mut objects, TAG_NAME_EN)?, false)?.to_owned();
    let chars = name_zh.chars().count();
    let mut cns = Vec::new();
    for object in objects {
        if object.tag != TAG_CNS {
            return Err(HouseholdError::Unexpected { ef, tag: object.tag });
        }
        let &[index, plane, row, cell] = object.value else {
            return Err(HouseholdError::BadCnsLength { ef, len: object.value.len() });
        };
        if usize::from(index) >= chars {
            return Err(HouseholdError::CnsIndexOutOfRange { ef, index, chars });
        }
        if !CNS_PLANES.contains(&plane) || !CNS_CODE_BYTE.contains(&row) || !CNS_CODE_BYTE.contains(&cell) {
            return Err(HouseholdError::BadCnsCode { ef, plane, code: u16::from_be_bytes([row, cell]) });
        }
        cns.push(CnsAnnotation { index, plane, code: u16::from_be_bytes([row, cell]) });
    }
    Ok(Division { code, name_zh, name_en, cns })
}

/// Parses EF.Neighbourhood: `A4 { 80 decimal digits }`.
pub fn parse_neighbourhood(content: &[u8]) -> Result<u32, HouseholdError> {
    let ef = HouseholdEf::Neighbourhood;
    let inner = outer_object(ef, TAG_NEIGHBOURHOOD, content)?;
    let objects = tlv::parse_all(inner).map_err(|source| HouseholdError::Tlv { ef, source })?;
    let mut number = None;
    for object in objects {
        match object.tag {
            TAG_NUMBER => {
                let rule = "1 to 4 ASCII decimal digits without leading zero";
                let digits = object.value;
                if digits.is_empty()
                    || digits.len() > NEIGHBOURHOOD_MAX_DIGITS
                    || !digits.iter().all(u8::is_ascii_digit)
                    || digits[0] == b'0'
                {
                    return Err(HouseholdError::BadText { ef, tag: TAG_NUMBER, rule });
                }
                let value = digits.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
                if number.replace(value).is_some() {
                    return Err(HouseholdError::Duplicate { ef, tag: TAG_NUMBER });
                }
            }
            tag => return Err(HouseholdError::Unexpected { ef, tag }),
        }
    }
    number.ok_or(HouseholdError::Missing { ef, tag: TAG_NUMBER })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, value.len() as u8];
        v.extend_from_slice(value);
        v
    }

    fn division(tag: u8, code: &str, zh: &str, en: &str, extra: &[u8]) -> Vec<u8> {
        let mut inner = object(0x80, code.as_bytes());
        inner.extend(object(0x81, zh.as_bytes()));
        inner.extend(object(0x82, en.as_bytes()));
        inner.extend_from_slice(extra);
        object(tag, &inner)
    }

    fn hex(text: &str) -> Vec<u8> {
        hex::decode(text.split_whitespace().collect::<String>()).unwrap()
    }

    /// The worked example of docs/spec/household.md, byte for byte.
    #[test]
    fn parses_the_spec_worked_example() {
        let county = hex("A1 1F 80 05 3633303030 81 09 E887BA E58C97 E5B882 82 0B 5461697065692043697479");
        let township = hex("A2 25 80 08 3633303030303330 81 09 E5A4A7 E5AE89 E58D80 82 0E 446127616E204469737472696374");
        let village = hex("A3 2B 80 0C 36333030303033302D303137 81 09 E9BE8D E6B389 E9878C 82 10 4C6F6E677175616E2056696C6C616765");
        let c = parse_division(HouseholdEf::County, TAG_COUNTY, &county).unwrap();
        let t = parse_division(HouseholdEf::Township, TAG_TOWNSHIP, &township).unwrap();
        let v = parse_division(HouseholdEf::Village, TAG_VILLAGE, &village).unwrap();
        assert_eq!((c.code.as_str(), c.name_zh.as_str(), c.name_en.as_str()), ("63000", "臺北市", "Taipei City"));
        assert_eq!((t.code.as_str(), t.name_zh.as_str(), t.name_en.as_str()), ("63000030", "大安區", "Da'an District"));
        assert_eq!((v.code.as_str(), v.name_zh.as_str()), ("63000030-017", "龍泉里"));
        assert_eq!(parse_neighbourhood(&hex("A4 03 80 01 35")).unwrap(), 5);

        // With the annotation {index 1, plane 2, code 2144}: A3 31 … 83 04 01 02 21 44.
        let mut annotated = village.clone();
        annotated[1] = 0x31;
        annotated.extend(hex("83 04 01 02 21 44"));
        let v = parse_division(HouseholdEf::Village, TAG_VILLAGE, &annotated).unwrap();
        assert_eq!(v.cns, vec![CnsAnnotation { index: 1, plane: 2, code: 0x2144 }]);
    }

    #[test]
    fn parses_the_adult_county() {
        let ef = division(0xA1, "63000", "臺北市", "Taipei City", &[]);
        let d = parse_division(HouseholdEf::County, TAG_COUNTY, &ef).unwrap();
        assert_eq!((d.code.as_str(), d.name_zh.as_str(), d.name_en.as_str()), ("63000", "臺北市", "Taipei City"));
        assert!(d.cns.is_empty());
    }

    #[test]
    fn parses_cns_annotations_and_padding() {
        let mut ef = division(0xA3, "63000030-017", "龍泉里", "Longquan Vil.", &object(0x83, &[1, 2, 0x4A, 0x21]));
        ef.extend([0x00, 0xFF]);
        let d = parse_division(HouseholdEf::Village, TAG_VILLAGE, &ef).unwrap();
        assert_eq!(d.cns, vec![CnsAnnotation { index: 1, plane: 2, code: 0x4A21 }]);
    }

    #[test]
    fn errors_name_the_ef_and_the_rule() {
        let wrong_tag = division(0xA2, "63000", "臺北市", "Taipei City", &[]);
        let err = parse_division(HouseholdEf::County, TAG_COUNTY, &wrong_tag).unwrap_err();
        assert_eq!(err.to_string(), "EF.County (SFI 01): expected one object with tag A1, found tag A2");

        let mut inner = object(0x80, b"63000");
        inner.extend(object(0x82, b"Taipei City"));
        let missing_zh = object(0xA1, &inner);
        let err = parse_division(HouseholdEf::County, TAG_COUNTY, &missing_zh).unwrap_err();
        assert_eq!(
            err.to_string(),
            "EF.County (SFI 01): expected data object 81 here, found 82 (order is 80 81 82 83*)"
        );
        let only_code = object(0xA1, &object(0x80, b"63000"));
        let err = parse_division(HouseholdEf::County, TAG_COUNTY, &only_code).unwrap_err();
        assert_eq!(err.to_string(), "EF.County (SFI 01): data object 81 is missing");

        let bad_code = division(0xA3, "-63000030", "龍泉里", "Longquan Village", &[]);
        assert!(matches!(
            parse_division(HouseholdEf::Village, TAG_VILLAGE, &bad_code),
            Err(HouseholdError::BadText { tag: 0x80, .. })
        ));
        let bad_plane = division(0xA3, "63000030-017", "龍泉里", "x", &object(0x83, &[1, 20, 0x21, 0x44]));
        assert!(matches!(
            parse_division(HouseholdEf::Village, TAG_VILLAGE, &bad_plane),
            Err(HouseholdError::BadCnsCode { plane: 20, .. })
        ));

        let bad_cns = division(0xA2, "63000030", "大安區", "Da'an Dist.", &object(0x83, &[9, 1, 0, 0]));
        let err = parse_division(HouseholdEf::Township, TAG_TOWNSHIP, &bad_cns).unwrap_err();
        assert!(err.to_string().starts_with("EF.Township (SFI 02): CNS annotation points at character 9"));

        let short_cns = division(0xA2, "63000030", "大安區", "Da'an Dist.", &object(0x83, &[0, 1, 0]));
        assert!(matches!(
            parse_division(HouseholdEf::Township, TAG_TOWNSHIP, &short_cns),
            Err(HouseholdError::BadCnsLength { len: 3, .. })
        ));

        let truncated = &division(0xA1, "63000", "臺北市", "Taipei City", &[])[..7];
        assert!(matches!(
            parse_division(HouseholdEf::County, TAG_COUNTY, truncated),
            Err(HouseholdError::Tlv { ef: HouseholdEf::County, .. })
        ));

        let mut trailing = division(0xA1, "63000", "臺北市", "Taipei City", &[]);
        trailing.push(0x01);
        assert!(matches!(
            parse_division(HouseholdEf::County, TAG_COUNTY, &trailing),
            Err(HouseholdError::TrailingData { .. })
        ));

        let invalid_utf8 = {
            let mut inner = object(0x80, b"63000");
            inner.extend(object(0x81, &[0xE8, 0x87]));
            inner.extend(object(0x82, b"Taipei City"));
            object(0xA1, &inner)
        };
        let err = parse_division(HouseholdEf::County, TAG_COUNTY, &invalid_utf8).unwrap_err();
        assert_eq!(err.to_string(), "EF.County (SFI 01): data object 81 is not non-empty UTF-8");
    }

    #[test]
    fn neighbourhood_is_decimal_ascii() {
        assert_eq!(parse_neighbourhood(&object(0xA4, &object(0x80, b"5"))).unwrap(), 5);
        assert_eq!(parse_neighbourhood(&object(0xA4, &object(0x80, b"12"))).unwrap(), 12);
        for bad in [&b""[..], b"5a", b"-5", b"12345", b"012", b"0"] {
            let err = parse_neighbourhood(&object(0xA4, &object(0x80, bad))).unwrap_err();
            assert!(err.to_string().starts_with("EF.Neighbourhood (SFI 04): data object 80 is not"), "{err}");
        }
        assert!(matches!(parse_neighbourhood(&object(0xA4, &[])), Err(HouseholdError::Missing { .. })));
    }

    #[test]
    fn json_uses_reference_field_names() {
        let d = |zh: &str| Division { code: "1".into(), name_zh: zh.into(), name_en: "x".into(), cns: vec![] };
        let h = Household { county: d("臺北市"), township: d("大安區"), village: d("龍泉里"), neighbourhood: 5 };
        let json = h.to_json();
        assert_eq!(json["county"], "臺北市");
        assert_eq!(json["township"], "大安區");
        assert_eq!(json["village"], "龍泉里");
        assert_eq!(json["neighbourhood"], 5);
        assert_eq!(json["county_code"], "1");
        assert_eq!(json["village_en"], "x");
    }
}
