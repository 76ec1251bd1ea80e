//! Arbitrary input never panics the personalized card, and every answer ends
//! in a status word from the card's set.

mod common;

use card_os::{Interface, StatusWord};
use common::*;
use proptest::prelude::*;

fn check(answer: &[u8]) {
    assert!(answer.len() >= 2, "answer {answer:02X?} has no status word");
    let sw = u16::from_be_bytes([answer[answer.len() - 2], answer[answer.len() - 1]]);
    assert!(StatusWord::from_u16(sw).is_some(), "unknown status word {sw:04X}");
}

/// Commands near the ones the card knows: real CLA/INS values, random rest.
fn plausible_apdu() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![0x00u8, 0x10, 0x0C, 0x80, 0xFF, 0x01, 0x40]),
        prop::sample::select(vec![0xA4u8, 0xB0, 0xB1, 0xD6, 0xD7, 0xFE, 0x20, 0xCA]),
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(cla, ins, p1, p2, body)| {
            let mut apdu = vec![cla, ins, p1, p2];
            apdu.extend(body);
            apdu
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes(apdus in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..80), 1..8)) {
        let mut c = card(&lab_input(64), Interface::Contactless);
        for apdu in apdus {
            check(&c.process(&apdu));
        }
    }

    #[test]
    fn plausible_sequences(apdus in prop::collection::vec(plausible_apdu(), 1..12)) {
        let mut c = card(&lab_input(64), Interface::Contact);
        tx(&mut c, SELECT_HOUSEHOLD);
        for apdu in apdus {
            check(&c.process(&apdu));
        }
        // The household data is never changed by anything sent.
        tx(&mut c, "00A4000C");
        tx(&mut c, SELECT_HOUSEHOLD);
        let county = tx(&mut c, "00B0810000");
        prop_assert!(
            county == format!("{COUNTY}6282") || county == "6985",
            "county read gave {county}"
        );
    }
}
