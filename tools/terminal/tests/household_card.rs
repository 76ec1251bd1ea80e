//! The household reader against the real card runtime (applets personalized
//! in process), including CNS annotations and both interfaces.

use applets::{CnsAnnotation, Division, HouseholdInput, PersoInput};
use emulator::{Emulator, Interface, NeidCard};
use terminal::household::{self, CnsAnnotation as ReadCns};
use terminal::{InProcessTransport, Transport, card};

fn input() -> PersoInput {
    let mut village = Division::new("63000030-017", "龍泉里", "Longquan Village");
    // A CNS 11643 annotation on the second character (plane 2, code 0x4A21).
    village.cns.push(CnsAnnotation { index: 1, plane: 2, code: 0x4A21 });
    PersoInput::new(HouseholdInput {
        county: Division::new("63000", "臺北市", "Taipei City"),
        township: Division::new("63000030", "大安區", "Da'an District"),
        village,
        neighbourhood: 5,
    })
}

fn transport(interface: Interface) -> InProcessTransport<NeidCard> {
    let image = applets::personalize(&input()).expect("personalize");
    InProcessTransport::new(Emulator::new(NeidCard::from_image(image), interface, None))
}

#[test]
fn reads_every_field_on_both_interfaces() {
    for interface in [Interface::Contact, Interface::Contactless] {
        let mut card = transport(interface);
        let read = household::read_household(&mut card).expect("read household");
        assert_eq!(read.county.name_zh, "臺北市");
        assert_eq!(read.county.code, "63000");
        assert_eq!(read.county.name_en, "Taipei City");
        assert_eq!(read.township.name_zh, "大安區");
        assert_eq!(read.village.name_zh, "龍泉里");
        assert_eq!(read.village.cns, vec![ReadCns { index: 1, plane: 2, code: 0x4A21 }]);
        assert_eq!(read.neighbourhood, 5);
    }
}

#[test]
fn public_zone_refuses_plain_read_binary() {
    let mut card = transport(Interface::Contact);
    card::select_aid(&mut card, &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x02]).expect("select public zone");
    let err = card::read_binary_sfi(&mut card, 1).unwrap_err();
    assert!(matches!(err, card::CardError::Status { sw: 0x6982, .. }), "{err}");
}

#[test]
fn reset_drops_the_selection() {
    let mut card = transport(Interface::Contact);
    card::select_aid(&mut card, &household::HOUSEHOLD_AID).expect("select");
    assert!(card::read_binary_sfi(&mut card, household::SFI_NEIGHBOURHOOD).is_ok());
    card.reset().expect("reset");
    // After reset the MF is current: the household EF's SFI is not in scope.
    assert!(card::read_binary_sfi(&mut card, household::SFI_NEIGHBOURHOOD).is_err());
}
