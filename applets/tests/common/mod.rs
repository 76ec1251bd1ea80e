//! Shared helpers: the adult reference holder's household data
//! (reference-citizens.toml: 臺北市/大安區/龍泉里/5, codes as in
//! docs/spec/profile.md's example) and an APDU exchange in hex.
#![allow(dead_code)]

use applets::{Division, HouseholdInput, PersoInput};
use card_os::{AccessCondition, Card, Interface};

pub fn adult_household() -> HouseholdInput {
    HouseholdInput {
        county: Division::new("63000", "臺北市", "Taipei City"),
        township: Division::new("63000030", "大安區", "Da'an District"),
        village: Division::new("63000030-017", "龍泉里", "Longquan Village"),
        neighbourhood: 5,
    }
}

pub fn adult_input() -> PersoInput {
    PersoInput::new(adult_household())
}

/// A test card: scratch EF of `scratch` bytes, termination allowed.
pub fn lab_input(scratch: usize) -> PersoInput {
    PersoInput {
        scratch_ef_size: Some(scratch),
        terminate_rule: AccessCondition::Always,
        ..adult_input()
    }
}

pub fn card(input: &PersoInput, interface: Interface) -> Card {
    let image = applets::personalize(input).expect("reference input personalizes");
    let mut card = applets::card(image);
    card.power_on(interface);
    card
}

/// Send a command given in hex (spaces allowed); the response in upper-case hex.
pub fn tx(card: &mut Card, command: &str) -> String {
    let bytes = hex::decode(command.replace(' ', "")).expect("test APDU is hex");
    hex::encode_upper(card.process(&bytes))
}

/// Household field encodings, computed by hand from docs/spec/household.md.
pub const COUNTY: &str = "A11F800536333030308109E887BAE58C97E5B882820B5461697065692043697479";
pub const TOWNSHIP: &str = "A225800836333030303033308109E5A4A7E5AE89E58D80820E446127616E204469737472696374";
pub const VILLAGE: &str =
    "A32B800C36333030303033302D3031378109E9BE8DE6B389E9878C82104C6F6E677175616E2056696C6C616765";
pub const NEIGHBOURHOOD: &str = "A403800135";

pub const SELECT_HOUSEHOLD: &str = "00A4040C06D15800000101";
