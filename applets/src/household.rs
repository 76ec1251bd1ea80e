//! Household address zone (`D1 58 00 00 01 01`, DF `DF01`): county, township,
//! village and neighbourhood, free to read on both interfaces
//! (docs/spec/household.md).
//!
//! Each field is one EF holding one BER-TLV data object:
//!
//! ```text
//! EF.County        0101 SFI 01: A1 { 80 code, 81 name_zh, 82 name_en, [83 CNS]* }
//! EF.Township      0102 SFI 02: A2 { 80 code, 81 name_zh, 82 name_en, [83 CNS]* }
//! EF.Village       0103 SFI 03: A3 { 80 code, 81 name_zh, 82 name_en, [83 CNS]* }
//! EF.Neighbourhood 0104 SFI 04: A4 { 80 number }
//! 80: MOI code, ASCII digits and `-` (village: `63000030-017`); 81, 82: UTF-8;
//! 83: 4 bytes = character index in name_zh (0-based, Unicode scalar values),
//!     CNS 11643 plane, CNS code (2 bytes, big endian).
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::security::{AccessCondition, PacePassword};
use card_os::tlv;
use card_os::{Applet, CommandContext, Response, StatusWord};

use crate::error::PersoError;
use crate::{layout, registry_update};

pub const AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x01];
pub const FID: u16 = 0xDF01;
pub const LABEL: &str = "Household address";

pub const FID_COUNTY: u16 = 0x0101;
pub const FID_TOWNSHIP: u16 = 0x0102;
pub const FID_VILLAGE: u16 = 0x0103;
pub const FID_NEIGHBOURHOOD: u16 = 0x0104;
pub const SFI_COUNTY: u8 = 0x01;
pub const SFI_TOWNSHIP: u8 = 0x02;
pub const SFI_VILLAGE: u8 = 0x03;
pub const SFI_NEIGHBOURHOOD: u8 = 0x04;

/// Field templates (context-specific, constructed).
pub const TAG_COUNTY: u8 = 0xA1;
pub const TAG_TOWNSHIP: u8 = 0xA2;
pub const TAG_VILLAGE: u8 = 0xA3;
pub const TAG_NEIGHBOURHOOD: u8 = 0xA4;
/// Inside a field template.
pub const TAG_CODE: u8 = 0x80;
pub const TAG_NAME_ZH: u8 = 0x81;
pub const TAG_NAME_EN: u8 = 0x82;
pub const TAG_CNS: u8 = 0x83;

/// CNS 11643 planes are 1..=19 (CNS 11643-2007); each code byte is 0x21..=0x7E.
const CNS_PLANES: core::ops::RangeInclusive<u8> = 1..=19;
/// The MOI writes a village code as township code, `-`, village number.
const CODE_SEPARATOR: u8 = b'-';
const CNS_BYTE: core::ops::RangeInclusive<u8> = 0x21..=0x7E;

/// A character of a Chinese name that Unicode does not have: its CNS 11643 code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CnsAnnotation {
    /// 0-based index in the zh name, counted in Unicode scalar values.
    pub index: u8,
    pub plane: u8,
    pub code: u16,
}

/// One administrative division: county (縣市), township (鄉鎮市區) or village (村里).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Division {
    /// MOI administrative code: ASCII digits, and `-` as the MOI writes village
    /// codes (`63000030-017`).
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub cns: Vec<CnsAnnotation>,
}

impl Division {
    pub fn new(code: &str, name_zh: &str, name_en: &str) -> Division {
        Division {
            code: code.to_string(),
            name_zh: name_zh.to_string(),
            name_en: name_en.to_string(),
            cns: Vec::new(),
        }
    }
}

/// The household address fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HouseholdInput {
    pub county: Division,
    pub township: Division,
    pub village: Division,
    /// Neighbourhood (鄰) number, 1 or more.
    pub neighbourhood: u16,
}

/// Field names used in error messages.
struct Names {
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
}

const COUNTY: Names = Names {
    code: "household.county.code",
    name_zh: "household.county.name_zh",
    name_en: "household.county.name_en",
};
const TOWNSHIP: Names = Names {
    code: "household.township.code",
    name_zh: "household.township.name_zh",
    name_en: "household.township.name_en",
};
const VILLAGE: Names = Names {
    code: "household.village.code",
    name_zh: "household.village.name_zh",
    name_en: "household.village.name_en",
};

fn check_code(field: &'static str, value: &str) -> Result<(), PersoError> {
    if value.is_empty() {
        return Err(PersoError::Empty { field });
    }
    let first_is_digit = value.bytes().next().is_some_and(|b| b.is_ascii_digit());
    if !first_is_digit || !value.bytes().all(|b| b.is_ascii_digit() || b == CODE_SEPARATOR) {
        return Err(PersoError::NotDigits { field });
    }
    Ok(())
}

fn check_text(field: &'static str, value: &str) -> Result<(), PersoError> {
    if value.is_empty() { Err(PersoError::Empty { field }) } else { Ok(()) }
}

/// `tag { 80 code, 81 zh, 82 en, [83 CNS]* }`.
fn encode_division(tag: u8, names: &Names, division: &Division) -> Result<Vec<u8>, PersoError> {
    check_code(names.code, &division.code)?;
    check_text(names.name_zh, &division.name_zh)?;
    check_text(names.name_en, &division.name_en)?;
    let chars = division.name_zh.chars().count();
    let mut body = Vec::new();
    tlv::push(&mut body, TAG_CODE, division.code.as_bytes());
    tlv::push(&mut body, TAG_NAME_ZH, division.name_zh.as_bytes());
    tlv::push(&mut body, TAG_NAME_EN, division.name_en.as_bytes());
    for cns in &division.cns {
        if usize::from(cns.index) >= chars {
            return Err(PersoError::CnsIndexOutOfRange { field: names.name_zh, index: cns.index, chars });
        }
        let [hi, lo] = cns.code.to_be_bytes();
        if !CNS_PLANES.contains(&cns.plane) || !CNS_BYTE.contains(&hi) || !CNS_BYTE.contains(&lo) {
            return Err(PersoError::CnsCodeInvalid { field: names.name_zh, plane: cns.plane, code: cns.code });
        }
        tlv::push(&mut body, TAG_CNS, &[cns.index, cns.plane, hi, lo]);
    }
    Ok(tlv::build(tag, &body))
}

/// `A4 { 80 number }`, number in ASCII decimal digits without leading zeros.
fn encode_neighbourhood(number: u16) -> Result<Vec<u8>, PersoError> {
    if number == 0 {
        return Err(PersoError::NeighbourhoodZero);
    }
    let digits = number.to_string();
    Ok(tlv::build(TAG_NEIGHBOURHOOD, &tlv::build(TAG_CODE, digits.as_bytes())))
}

/// The zone's DF with its four field EFs: free read, no UPDATE BINARY (the
/// registry office writes a field with PUT DATA, registry_update.rs).
pub fn df(input: &HouseholdInput) -> Result<card_os::fs::Node, PersoError> {
    let field = |fid, sfi, data| {
        layout::ef(fid, Some(sfi), AccessCondition::Always, AccessCondition::Never, data)
    };
    let [county, township, village, neighbourhood] = encode(input)?;
    Ok(layout::application(
        Some(FID),
        AID,
        alloc::vec![
            field(FID_COUNTY, SFI_COUNTY, county),
            field(FID_TOWNSHIP, SFI_TOWNSHIP, township),
            field(FID_VILLAGE, SFI_VILLAGE, village),
            field(FID_NEIGHBOURHOOD, SFI_NEIGHBOURHOOD, neighbourhood),
        ],
    ))
}

/// The contents of EF.County, EF.Township, EF.Village and EF.Neighbourhood
/// (`0101..=0104`), in that order: what personalization writes and what a
/// registry-office terminal sends with PUT DATA.
pub fn encode(input: &HouseholdInput) -> Result<[Vec<u8>; 4], PersoError> {
    Ok([
        encode_division(TAG_COUNTY, &COUNTY, &input.county)?,
        encode_division(TAG_TOWNSHIP, &TOWNSHIP, &input.township)?,
        encode_division(TAG_VILLAGE, &VILLAGE, &input.village)?,
        encode_neighbourhood(input.neighbourhood)?,
    ])
}

/// The household applet: the generic ISO commands, and the registry
/// office's PUT DATA of a field (docs/spec/household.md §Update).
pub struct HouseholdApplet;

impl Applet for HouseholdApplet {
    fn process(&self, ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
        registry_update::process(ctx, cmd, &registry_update::HOUSEHOLD_ZONE)
    }

    fn supports_chaining(&self, ins: u8) -> bool {
        ins == registry_update::INS_PUT_DATA
    }

    /// Free data: selecting it keeps any PACE session (docs/spec/pace.md).
    fn in_pace_scope(&self, _password: PacePassword) -> bool {
        true
    }
}
