//! The profile → PACE and public-zone mapping, checked through the real
//! terminal (neid-terminal's PACE, ICAO 9303-11 §9.2 / TR-03110-2 §3.2):
//! every reference card opens with each of its four passwords as the
//! profile states them, and its public zone, read under secure messaging,
//! verifies against the committed test PKI.

use std::path::{Path, PathBuf};

use applets::PaceSetup;
use applets::public_fields::FIELD_COUNT;
use emulator::{CardRandomness, Emulator, Interface, NeidCard, personalize_with};
use profiles::Profile;
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::pace::{MrzInfo, PacePasswordInput, establish_pace};
use terminal::{InProcessTransport, read_binary_sfi, select_aid};

const REFERENCES: [&str; 3] = ["adult", "minor", "senior"];
const PUBLIC_AID: &[u8] = applets::public::AID;
const SFI_SOD: u8 = applets::public::SFI_SOD;

fn workspace_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

fn load(name: &str) -> Profile {
    Profile::from_file(workspace_path(&format!("profiles/reference/{name}.toml")))
        .unwrap_or_else(|error| panic!("{error}"))
}

fn transport(profile: &Profile) -> InProcessTransport<NeidCard> {
    transport_on(profile, Interface::Contactless)
}

fn transport_on(profile: &Profile, interface: Interface) -> InProcessTransport<NeidCard> {
    let card = personalize_with(profile, CardRandomness::FromProfileSeed)
        .unwrap_or_else(|error| panic!("{error}"));
    InProcessTransport::new(Emulator::new(card, interface, None))
}

/// Each password with the interface it is used on: PIN and PUK only on the
/// contact interface (chip.md "Interfaces", docs/spec/pace.md).
fn passwords(profile: &Profile) -> [(PacePasswordInput, Interface); 4] {
    let holder = &profile.holder;
    [
        (
            PacePasswordInput::Can(holder.can.clone()),
            Interface::Contactless,
        ),
        (
            PacePasswordInput::Mrz(
                MrzInfo::from_td1(&holder.mrz).unwrap_or_else(|error| panic!("{error}")),
            ),
            Interface::Contactless,
        ),
        (
            PacePasswordInput::Pin(holder.pin1.clone()),
            Interface::Contact,
        ),
        (
            PacePasswordInput::Puk(holder.user_code.clone()),
            Interface::Contact,
        ),
    ]
}

#[test]
fn ef_card_access_offers_the_profiles_pace_variant() {
    let mut card = transport(&load("adult"));
    let content = read_binary_sfi(&mut card, applets::card_manager::SFI_EF_CARD_ACCESS)
        .unwrap_or_else(|error| panic!("{error}"));
    // adult.toml: domain_parameter_id 15 (NIST P-384), aes_key_bits 256.
    assert_eq!(content, PaceSetup::default().card_access());
}

#[test]
fn every_reference_card_opens_with_each_password_from_its_profile() {
    let mut rng = StdRng::seed_from_u64(1);
    for name in REFERENCES {
        let profile = load(name);
        for (password, interface) in passwords(&profile) {
            let mut card = transport_on(&profile, interface);
            let channel = establish_pace(&mut card, &password, &mut rng);
            assert!(
                channel.is_ok(),
                "{name}: PACE with {}: {:?}",
                password.label(),
                channel.err()
            );
        }
    }
}

#[test]
fn a_wrong_can_does_not_open_the_card() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut card = transport(&load("adult"));
    let wrong = PacePasswordInput::Can("999999".into());
    assert!(establish_pace(&mut card, &wrong, &mut rng).is_err());
}

#[test]
fn the_public_zone_read_under_pace_verifies_against_the_test_pki() {
    let trust = pki::load_trust(&workspace_path("profiles/test-pki"))
        .unwrap_or_else(|error| panic!("{error}"));
    let mut rng = StdRng::seed_from_u64(3);
    for name in REFERENCES {
        let profile = load(name);
        let mut card = transport(&profile);
        let can = PacePasswordInput::Can(profile.holder.can.clone());
        let mut channel =
            establish_pace(&mut card, &can, &mut rng).unwrap_or_else(|error| panic!("{error:?}"));
        select_aid(&mut channel, PUBLIC_AID).unwrap_or_else(|error| panic!("{error}"));
        let sod = read_binary_sfi(&mut channel, SFI_SOD).unwrap_or_else(|error| panic!("{error}"));
        let verified = pki::verify_security_object(&sod, &trust, None)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(verified.hash_algorithm(), pki::HashAlgorithm::Sha384);
        for field in 1..=FIELD_COUNT as u8 {
            let content =
                read_binary_sfi(&mut channel, field).unwrap_or_else(|error| panic!("{error}"));
            verified
                .check_field(field, &content)
                .unwrap_or_else(|error| panic!("{name} field {field}: {error:?}"));
        }
        // Field 2 is the ID number as the profile states it.
        let id = read_binary_sfi(&mut channel, 2).unwrap_or_else(|error| panic!("{error}"));
        assert!(
            id.windows(10)
                .any(|w| w == profile.holder.id_number.as_bytes()),
            "{name}: {id:02X?}"
        );
        assert!(channel.is_open());
    }
}
