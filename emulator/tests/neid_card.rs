//! The real card (card-os + applets) personalized from the reference
//! profiles, hosted by the emulator: answers, persistence and refusals.

use std::path::{Path, PathBuf};

use emulator::{
    CardEngine, CardRandomness, Emulator, Interface, NeidCard, PersonalizeError,
    ProfileEmulatorError, emulator_for, emulator_with_state, personalize, personalize_with,
};
use profiles::Profile;

/// SELECT MF by FID, no response data (ISO 7816-4 §11.2.2).
const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];
/// SELECT the household zone by AID, no response data (chip.md: D1 58 00 00 01 01).
const SELECT_HOUSEHOLD: [u8; 11] = [
    0x00, 0xA4, 0x04, 0x0C, 0x06, 0xD1, 0x58, 0x00, 0x00, 0x01, 0x01,
];
/// READ BINARY of EF.DIR by short EF identifier 1E (ISO 7816-4 §11.3.3).
const READ_EF_DIR: [u8; 5] = [0x00, 0xB0, 0x9E, 0x00, 0x00];
const SW_OK: [u8; 2] = [0x90, 0x00];
const SW_END_OF_FILE: [u8; 2] = [0x62, 0x82];

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../profiles/reference")
        .join(format!("{name}.toml"))
}

fn load(name: &str) -> Profile {
    Profile::from_file(reference(name)).unwrap()
}

fn sw(response: &[u8]) -> [u8; 2] {
    match response {
        [.., sw1, sw2] => [*sw1, *sw2],
        _ => panic!("response without SW: {response:02X?}"),
    }
}

#[test]
fn every_reference_profile_personalizes_and_answers_on_both_interfaces() {
    for name in ["adult", "minor", "senior"] {
        for interface in [Interface::Contact, Interface::Contactless] {
            let mut emulator = emulator_for(&load(name), interface).unwrap();
            assert_eq!(emulator.transmit(&SELECT_MF), SW_OK, "{name} {interface:?}");
            // EF.DIR lies in the MF: its SFI is resolved in the current DF.
            // Le 00 asks for 256 bytes; the shorter EF ends with 6282 (ISO 7816-4 table 6).
            let ef_dir = emulator.transmit(&READ_EF_DIR);
            assert_eq!(sw(&ef_dir), SW_END_OF_FILE, "{name} {interface:?}");
            assert_eq!(
                emulator.transmit(&SELECT_HOUSEHOLD),
                SW_OK,
                "{name} {interface:?}"
            );
            assert_eq!(ef_dir.first(), Some(&0x61), "{name}");
        }
    }
}

#[test]
fn personalization_is_deterministic_for_a_profile() {
    let profile = load("adult");
    let first = personalize(&profile).unwrap().save_image();
    let second = personalize(&profile).unwrap().save_image();
    assert_eq!(first, second);
}

#[test]
fn a_state_directory_keeps_the_card_and_the_profile_is_then_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card");
    let first = emulator_with_state(&reference("adult"), &state, Interface::Contact).unwrap();
    let image = first.card().save_image();
    assert_eq!(
        first.state().unwrap().load().unwrap().as_deref(),
        Some(image.as_slice()),
        "the personalized card is saved at once"
    );
    drop(first);

    // The stored card wins: a missing profile file is not even opened.
    let mut second = emulator_with_state(
        &dir.path().join("no-such-profile.toml"),
        &state,
        Interface::Contactless,
    )
    .unwrap();
    assert_eq!(second.card().save_image(), image);
    assert_eq!(second.transmit(&SELECT_MF), SW_OK);
}

#[test]
fn a_disabled_interface_is_refused_naming_the_field() {
    let mut profile = load("adult");
    profile.card.interfaces.contactless = false;
    let error = emulator_for(&profile, Interface::Contactless).unwrap_err();
    assert!(matches!(
        error,
        ProfileEmulatorError::InterfaceDisabled { .. }
    ));
    assert!(
        error.to_string().contains("card.interfaces.contactless"),
        "{error}"
    );
    assert!(emulator_for(&profile, Interface::Contact).is_ok());
}

#[test]
fn a_profile_breaking_a_rule_is_refused_with_the_check_messages() {
    let mut profile = load("adult");
    profile.holder.can = "12".into();
    let error = personalize(&profile).unwrap_err();
    assert!(matches!(error, PersonalizeError::Invalid { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("holder.can"), "{message}");
    assert!(message.contains("neid profile check"), "{message}");
}

#[test]
fn a_stored_image_that_is_not_a_card_is_refused() {
    assert!(NeidCard::restore(b"not json").is_err());
    assert!(NeidCard::restore(b"{}").is_err());
    let card = personalize(&load("minor")).unwrap();
    let restored = NeidCard::restore(&card.save_image()).unwrap();
    let mut emulator = Emulator::new(restored, Interface::Contact, None);
    assert_eq!(emulator.transmit(&SELECT_MF), SW_OK);
}

#[test]
fn a_profile_without_pki_gets_a_throw_away_signer() {
    let mut profile = load("adult");
    profile.card.keys.pki = None;
    let mut emulator = Emulator::new(personalize(&profile).unwrap(), Interface::Contact, None);
    assert_eq!(emulator.transmit(&SELECT_MF), SW_OK);
}

#[test]
fn a_missing_pki_directory_is_refused_naming_card_keys_pki() {
    let mut profile = load("adult");
    profile.card.keys.pki = Some(PathBuf::from("/nonexistent/neid-pki"));
    let error = personalize(&profile).unwrap_err();
    assert!(matches!(error, PersonalizeError::Pki { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("card.keys.pki /nonexistent/neid-pki"),
        "{error}"
    );
}

#[test]
fn a_deterministic_card_needs_the_profile_seed() {
    let mut profile = load("senior");
    assert!(personalize_with(&profile, CardRandomness::FromProfileSeed).is_ok());
    profile.card.keys.seed = None;
    let error = personalize_with(&profile, CardRandomness::FromProfileSeed).unwrap_err();
    assert!(matches!(error, PersonalizeError::NoSeed { .. }), "{error}");
    assert!(error.to_string().contains("card.keys.seed"), "{error}");
    // The OS-seeded card needs no seed.
    assert!(personalize(&profile).is_ok());
}
