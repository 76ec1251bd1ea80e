//! Test-profile behaviour: EF.Scratch, chaining, extended length, atomicity,
//! the NVM-changed signal, TERMINATE CARD USAGE, image round trip, and
//! personalization input errors.

mod common;

use applets::{CnsAnnotation, Division, PersoError, PersoInput};
use card_os::{CardImage, Interface, LifeCycle};
use common::*;

const SCRATCH: usize = 512;

fn lab() -> card_os::Card {
    card(&lab_input(SCRATCH), Interface::Contact)
}

#[test]
fn scratch_update_and_read_back() {
    let mut c = lab();
    assert_eq!(tx(&mut c, "00D6900002ABCD"), "9000");
    assert_eq!(tx(&mut c, "00B0000003"), "ABCD009000");
    assert_eq!(tx(&mut c, "00D6000103EEEEEE"), "9000");
    assert_eq!(tx(&mut c, "00B0900004"), "ABEEEEEE9000");
    // Odd UPDATE BINARY: DO'54' offset 2, DO'53' data.
    assert_eq!(tx(&mut c, "00D70010075401025302 1122"), "9000");
    assert_eq!(tx(&mut c, "00B0000004"), "ABEE11229000");
}

#[test]
fn command_chaining() {
    let mut c = lab();
    assert_eq!(tx(&mut c, "10D6900002 0102"), "9000");
    assert_eq!(tx(&mut c, "10D6900001 03"), "9000");
    assert_eq!(tx(&mut c, "00D6900001 04"), "9000");
    assert_eq!(tx(&mut c, "00B0000005"), "01020304009000");
    // A different command breaks the chain: 6883, nothing written, chain gone.
    assert_eq!(tx(&mut c, "10D6900002 AAAA"), "9000");
    assert_eq!(tx(&mut c, "00B0900002"), "6883");
    assert_eq!(tx(&mut c, "00B0900002"), "01029000");
    // Instructions without chaining.
    assert_eq!(tx(&mut c, "10A4000C023F00"), "6884");
    assert_eq!(tx(&mut c, "10B0900001"), "6884");
    // Power on clears a pending chain.
    assert_eq!(tx(&mut c, "10D6900001 FF"), "9000");
    c.power_on(Interface::Contact);
    assert_eq!(tx(&mut c, "00D6900001 05"), "9000");
    assert_eq!(tx(&mut c, "00B0900002"), "05029000");
}

#[test]
fn extended_length() {
    let mut c = lab();
    let data = "5A".repeat(300);
    assert_eq!(tx(&mut c, &format!("00D69000 00012C {data}")), "9000");
    // Extended Le 012C: exactly 300 bytes.
    assert_eq!(tx(&mut c, "00B09000 00012C"), format!("{data}9000"));
    // Extended Le 0000 (Ne 65536): the whole EF, end reached → 6282.
    let whole = format!("{data}{}", "00".repeat(SCRATCH - 300));
    assert_eq!(tx(&mut c, "00B09000 000000"), format!("{whole}6282"));
    // Short Le 00 (Ne 256).
    assert_eq!(tx(&mut c, "00B09000 00"), format!("{}9000", "5A".repeat(256)));
    // 15-bit offset 0x01F0 in P1-P2.
    assert_eq!(tx(&mut c, "00B001F0 00"), format!("{}6282", "00".repeat(SCRATCH - 0x1F0)));
}

#[test]
fn failed_commands_change_nothing() {
    let mut c = lab();
    assert!(!c.nvm_changed_since_last_check());
    let before = c.image().clone();
    assert_eq!(tx(&mut c, "00A4020C022F10"), "9000");
    // Past the end of the fixed-size EF: 6A84, nothing written.
    assert_eq!(tx(&mut c, "00D601FE04 01020304"), "6A84");
    // Offset past the end: 6B00.
    assert_eq!(tx(&mut c, "00D6020101 01"), "6B00");
    // A chain whose assembled data overflows the EF writes nothing.
    assert_eq!(tx(&mut c, "10D601FC02 0102"), "9000");
    assert_eq!(tx(&mut c, "00D601FC03 030405"), "6A84");
    assert_eq!(c.image(), &before);
    assert!(!c.nvm_changed_since_last_check());
    // Reads change nothing either.
    assert_eq!(tx(&mut c, "00B0900001"), "009000");
    assert!(!c.nvm_changed_since_last_check());
    // A successful write is signalled once.
    assert_eq!(tx(&mut c, "00D6900001 01"), "9000");
    assert!(c.nvm_changed_since_last_check());
    assert!(!c.nvm_changed_since_last_check());
}

#[test]
fn terminate_needs_the_registry_office_by_default() {
    let mut c = card(&adult_input(), Interface::Contact);
    assert_eq!(tx(&mut c, "00FE0000"), "6982");
    assert_eq!(c.image().life_cycle, LifeCycle::Operational);
}

#[test]
fn terminated_card_answers_6285_to_select_and_6985_to_everything_else() {
    let mut c = lab();
    assert_eq!(tx(&mut c, "00FE0001"), "6A86");
    assert_eq!(tx(&mut c, "00FE000001FF"), "6700");
    assert_eq!(tx(&mut c, "00FE0000"), "9000");
    assert!(c.nvm_changed_since_last_check());
    assert_eq!(c.image().life_cycle, LifeCycle::Terminated);

    // The terminated state survives persistence and power cycles.
    let json = serde_json::to_string(c.image()).unwrap();
    let image: CardImage = serde_json::from_str(&json).unwrap();
    let mut c = applets::card(image);
    for interface in [Interface::Contact, Interface::Contactless] {
        c.power_on(interface);
        assert_eq!(tx(&mut c, SELECT_HOUSEHOLD), "6285");
        assert_eq!(tx(&mut c, "00A4040406D1580000010100"), "6212820138 8302DF01 8406D15800000101 8A010C 6285".replace(' ', ""));
        assert_eq!(tx(&mut c, "00A4040C06D15800000199"), "6A82");
        assert_eq!(tx(&mut c, "00B0810000"), "6985");
        assert_eq!(tx(&mut c, "00D6900001 01"), "6985");
        assert_eq!(tx(&mut c, "00FE0000"), "6985");
        assert_eq!(tx(&mut c, "0020000100"), "6985");
        assert_eq!(tx(&mut c, "10D6900001 01"), "6985");
        // Malformed APDUs are still malformed.
        assert_eq!(tx(&mut c, "00A4"), "6700");
    }
    assert!(!c.nvm_changed_since_last_check());
}

#[test]
fn image_round_trip_preserves_behaviour() {
    let script = [
        SELECT_HOUSEHOLD,
        "00B0810000",
        "00B0840000",
        "00A4080404DF010103 00",
        "00A4000C",
        "00B09E0000",
        "00B0900004",
        "00D6900002CAFE",
        "00A4040C06D15800000102",
        "00B0810000",
    ];
    let mut original = lab();
    let json = serde_json::to_vec(original.image()).unwrap();
    let restored_image: CardImage = serde_json::from_slice(&json).unwrap();
    assert_eq!(&restored_image, original.image());
    let mut restored = applets::card(restored_image);
    restored.power_on(Interface::Contact);
    for apdu in script {
        let apdu = apdu.replace(' ', "");
        assert_eq!(tx(&mut original, &apdu), tx(&mut restored, &apdu), "{apdu}");
    }
    assert_eq!(original.into_image(), restored.into_image());
}

#[test]
fn cns_annotation_encoding() {
    let mut input = adult_input();
    input.household.village.cns = vec![CnsAnnotation { index: 1, plane: 2, code: 0x2144 }];
    let mut c = card(&input, Interface::Contact);
    tx(&mut c, SELECT_HOUSEHOLD);
    // VILLAGE with its length 2B → 31 and `83 04 01 02 21 44` appended.
    let expected = format!("A331{}830401022144", &VILLAGE[4..]);
    assert_eq!(tx(&mut c, "00B0830000"), format!("{expected}6282"));
}

#[test]
fn perso_refuses_bad_input_and_names_the_field() {
    let with = |f: &dyn Fn(&mut PersoInput)| {
        let mut input = adult_input();
        f(&mut input);
        applets::personalize(&input).map(|_| ())
    };
    let e = with(&|i| i.household.county.code = "63A00".into()).unwrap_err();
    assert_eq!(e, PersoError::NotDigits { field: "household.county.code" });
    assert!(e.to_string().contains("household.county.code"));
    let e = with(&|i| i.household.township.name_en = String::new()).unwrap_err();
    assert_eq!(e, PersoError::Empty { field: "household.township.name_en" });
    let e = with(&|i| i.household.neighbourhood = 0).unwrap_err();
    assert_eq!(e, PersoError::NeighbourhoodZero);
    let e = with(&|i| i.household.village.cns = vec![CnsAnnotation { index: 3, plane: 1, code: 0x2121 }])
        .unwrap_err();
    assert_eq!(e, PersoError::CnsIndexOutOfRange { field: "household.village.name_zh", index: 3, chars: 3 });
    let e = with(&|i| i.household.county.cns = vec![CnsAnnotation { index: 0, plane: 20, code: 0x2121 }])
        .unwrap_err();
    assert!(matches!(e, PersoError::CnsCodeInvalid { plane: 20, .. }));
    assert_eq!(with(&|i| i.scratch_ef_size = Some(0)), Err(PersoError::ScratchSize { size: 0 }));
    assert_eq!(with(&|i| i.scratch_ef_size = Some(0x8000)), Err(PersoError::ScratchSize { size: 0x8000 }));
    let e = with(&|i| i.household.village.code = "-63000030017".into()).unwrap_err();
    assert_eq!(e, PersoError::NotDigits { field: "household.village.code" });
    assert_eq!(with(&|i| i.household.county = Division::new("1", "x", "y")), Ok(()));
    assert_eq!(with(&|i| i.scratch_ef_size = Some(0x7FFF)), Ok(()));
}

#[test]
fn personalization_ends_operational_without_scratch_by_default() {
    let image = applets::personalize(&adult_input()).unwrap();
    assert_eq!(image.life_cycle, LifeCycle::Operational);
    let mut c = applets::card(image);
    assert_eq!(tx(&mut c, "00A4020C022F10"), "6A82");
}
