//! The `[holder]` table: the personal data written to the card.
//!
//! Field names are those of `../shared/data/reference-citizens.toml`, plus
//! the administrative codes and English names of the address divisions and
//! the optional CNS 11643 annotations. Syntax that a type can carry is typed
//! here (dates, codes); rules across fields are in [`crate::check`].

use serde::{Deserialize, Serialize};

use crate::codes::{MaritalStatus, MilitaryService, Sex};
use crate::date::{self, Date};

/// One card holder. Empty strings mean "none" where the rules allow it
/// (`spouse_name`, `father_name`, `mother_name`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holder {
    pub name_zh: String,
    /// `"SURNAME, GIVEN-NAMES"`, e.g. `"WANG, HSIAO-MING"`.
    pub name_en: String,
    /// 統一編號, e.g. `"A123456789"`.
    pub id_number: String,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub marital_status: MaritalStatus,
    pub military_service: MilitaryService,
    pub household_address_zh: String,
    pub household_address_en: String,
    /// County (縣市) zh name, e.g. `"臺北市"`.
    pub county: String,
    /// MOI county code, e.g. `"63000"`.
    pub county_code: String,
    pub county_en: String,
    /// Township (鄉鎮市區) zh name, e.g. `"大安區"`.
    pub township: String,
    /// County code + 3 digits, e.g. `"63000030"`.
    pub township_code: String,
    pub township_en: String,
    /// Village (村里) zh name, e.g. `"龍泉里"`.
    pub village: String,
    /// Township code + `-` + 3 digits, e.g. `"63000030-017"`.
    pub village_code: String,
    pub village_en: String,
    /// 鄰, 1..=999.
    pub neighbourhood: u16,
    pub spouse_name: String,
    pub father_name: String,
    pub mother_name: String,
    pub birthplace: String,
    /// 9 digits; also the MRZ document number.
    pub card_number: String,
    /// Card access number: the last 6 digits of `card_number`.
    pub can: String,
    pub issue_date: Date,
    /// `None` (written `""`) for holders 65 and over at issue.
    #[serde(with = "date::optional")]
    pub renewal_date: Option<Date>,
    /// First certificate period: `[not_before, not_after]`.
    pub cert_validity: [Date; 2],
    /// End of the key-rollover period; `None` (written `""`) for under-14s.
    #[serde(with = "date::optional")]
    pub cert_second_period_end: Option<Date>,
    /// TD1 MRZ, three lines of 30 characters.
    pub mrz: Vec<String>,
    /// PIN1, PIN2 and user code in their activated state (already set with
    /// the user code): test and lab values.
    pub pin1: String,
    pub pin2: String,
    pub user_code: String,
    /// Characters outside Unicode, identified by their CNS 11643 code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cns11643: Vec<Cns11643Char>,
}

impl Holder {
    /// Text of a Chinese-text field, for CNS 11643 annotations.
    pub fn zh_text(&self, field: ZhField) -> &str {
        match field {
            ZhField::NameZh => &self.name_zh,
            ZhField::SpouseName => &self.spouse_name,
            ZhField::FatherName => &self.father_name,
            ZhField::MotherName => &self.mother_name,
            ZhField::Birthplace => &self.birthplace,
            ZhField::HouseholdAddressZh => &self.household_address_zh,
            ZhField::County => &self.county,
            ZhField::Township => &self.township,
            ZhField::Village => &self.village,
        }
    }
}

/// A character with no Unicode code point, carried beside the text by its
/// CNS 11643 plane and code (chip.md "Field encoding"). In the text itself
/// the character is a placeholder: U+3013 GETA MARK `〓` or a Private Use
/// Area code point (where Taiwanese government fonts put such characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cns11643Char {
    /// Which text field holds the placeholder.
    pub field: ZhField,
    /// 0-based index of the placeholder, counted in characters (Unicode
    /// scalar values), not bytes.
    pub index: usize,
    /// CNS 11643 plane, 1..=19.
    pub plane: u8,
    /// Row and cell in one 16-bit value, each byte 0x21..=0x7E (write it in
    /// hex: `code = 0x4421`).
    pub code: u16,
}

/// The holder fields that hold Chinese text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZhField {
    NameZh,
    SpouseName,
    FatherName,
    MotherName,
    Birthplace,
    HouseholdAddressZh,
    County,
    Township,
    Village,
}

impl ZhField {
    /// The field's name in the profile.
    pub fn key(self) -> &'static str {
        match self {
            ZhField::NameZh => "name_zh",
            ZhField::SpouseName => "spouse_name",
            ZhField::FatherName => "father_name",
            ZhField::MotherName => "mother_name",
            ZhField::Birthplace => "birthplace",
            ZhField::HouseholdAddressZh => "household_address_zh",
            ZhField::County => "county",
            ZhField::Township => "township",
            ZhField::Village => "village",
        }
    }
}
