//! PACE and the public zone against the real card runtime (card-os +
//! applets) personalized from the reference profiles, in process: the same
//! APDU road a reader takes.

use std::path::{Path, PathBuf};

use card_os::protocol::StandardizedDomainParameters;
use emulator::{Emulator, Interface, NeidCard};
use profiles::Profile;
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::pace::{MrzInfo, PaceFailure, PacePasswordInput, establish_pace};
use terminal::{InProcessTransport, read_public};

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/reference").join(format!("{name}.toml"))
}

fn card(profile: &Profile, interface: Interface) -> InProcessTransport<NeidCard> {
    let emulator: Emulator<NeidCard> = emulator::emulator_for(profile, interface).expect("reference card");
    InProcessTransport::new(emulator)
}

fn load(name: &str) -> Profile {
    Profile::from_file(reference(name)).expect("reference profile")
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(2026)
}

#[test]
fn adult_with_can_on_both_interfaces() {
    let adult = load("adult");
    for interface in [Interface::Contact, Interface::Contactless] {
        let mut card = card(&adult, interface);
        let can = PacePasswordInput::can("012345").unwrap();
        let mut channel = establish_pace(&mut card, &can, &mut rng()).unwrap_or_else(|e| panic!("{interface:?}: {e}"));
        assert_eq!(channel.info().domain_parameters, StandardizedDomainParameters::NistP384);
        let public = read_public(&mut channel).unwrap();
        assert_eq!(public.name_zh, "王小明");
        assert_eq!(public.id_number, "A123456789");
        assert_eq!(public.date_of_birth.to_string(), "1990-03-15");
        assert_eq!(public.renewal_date.map(|d| d.to_string()).as_deref(), Some("2036-03-14"));
        assert_eq!(public.card_number, "210012345");
    }
}

#[test]
fn wrong_can_then_right_can_on_one_card() {
    let mut card = card(&load("adult"), Interface::Contact);
    let wrong = PacePasswordInput::can("000000").unwrap();
    let error = establish_pace(&mut card, &wrong, &mut rng()).err().expect("wrong CAN must fail");
    assert!(matches!(error, PaceFailure::WrongPassword { password: "CAN", .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.starts_with("PACE failed: wrong CAN (card answered 63"), "{text}");
    let right = PacePasswordInput::can("012345").unwrap();
    let mut channel = establish_pace(&mut card, &right, &mut rng()).expect("right CAN after a wrong one");
    assert_eq!(read_public(&mut channel).unwrap().name_en, "WANG, HSIAO-MING");
}

#[test]
fn every_curve_the_profile_can_choose() {
    let adult = load("adult");
    for domain in StandardizedDomainParameters::ALL {
        let mut profile = adult.clone();
        profile.card.pace.domain_parameter_id = domain.id();
        let mut card = card(&profile, Interface::Contact);
        let can = PacePasswordInput::can("012345").unwrap();
        let mut channel = establish_pace(&mut card, &can, &mut rng()).unwrap_or_else(|e| panic!("{domain:?}: {e}"));
        assert_eq!(channel.info().domain_parameters, domain);
        assert_eq!(read_public(&mut channel).unwrap().id_number, "A123456789");
    }
}

#[test]
fn minor_by_mrz_keeps_the_supplementary_character() {
    let minor = load("minor");
    let mrz = MrzInfo::from_td1(&minor.holder.mrz).unwrap();
    let mut card = card(&minor, Interface::Contactless);
    let mut channel = establish_pace(&mut card, &PacePasswordInput::Mrz(mrz), &mut rng()).unwrap();
    let public = read_public(&mut channel).unwrap();
    assert_eq!(public.name_zh, "林𡘙婷");
    assert_eq!(public.renewal_date.map(|d| d.to_string()).as_deref(), Some("2031-05-20"));
}

#[test]
fn senior_by_mrz_without_renewal_date() {
    let senior = load("senior");
    let mrz = MrzInfo::from_td1(&senior.holder.mrz).unwrap();
    let mut card = card(&senior, Interface::Contact);
    let mut channel = establish_pace(&mut card, &PacePasswordInput::Mrz(mrz), &mut rng()).unwrap();
    let public = read_public(&mut channel).unwrap();
    assert_eq!(public.name_zh, "陳建國");
    assert_eq!(public.renewal_date, None);
}
