//! Arbitrary input never panics the personalized card, and every answer ends
//! in a status word from the card's set.

mod common;
mod pace_support;

use applets::PaceSetup;
use card_os::{Interface, PacePassword, StatusWord};
use common::*;
use pace_support::{Channel, command, pace, pace_card, secret};
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

/// A plain command for the terminal to wrap: real and random INS values.
fn plain_command() -> impl Strategy<Value = (u8, u8, u8, u8, Vec<u8>, Option<usize>)> {
    (
        prop::sample::select(vec![0x00u8, 0x10, 0x80]),
        prop::sample::select(vec![0xA4u8, 0xB0, 0xB1, 0xD6, 0x22, 0x86, 0xFE, 0x20]),
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..40),
        prop::option::of(1usize..=300),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// After PACE: protected commands with random content, then raw bytes
    /// (SM class or not). Every answer ends in a known status word; a
    /// protected answer unwraps with the terminal's session.
    #[test]
    fn arbitrary_commands_with_a_session_open(
        wrapped in prop::collection::vec(plain_command(), 0..8),
        raw in prop::collection::vec(prop::collection::vec(any::<u8>(), 4..60), 0..4),
    ) {
        let setup = PaceSetup::default();
        let mut c = pace_card(setup, Interface::Contact);
        let mut channel = Channel::new(pace(&mut c, setup, &secret(PacePassword::Can), 1).unwrap());
        for (cla, ins, p1, p2, data, ne) in wrapped {
            if channel.session.is_none() || !c.has_secure_messaging_session() {
                break;
            }
            let bytes = channel.wrap(&command(cla, ins, p1, p2, &data, ne));
            let answer = c.process(&bytes);
            check(&answer);
            if c.has_secure_messaging_session() {
                prop_assert!(channel.unwrap(&answer).is_ok(), "protected answer must unwrap");
            } else {
                channel.session = None;
            }
        }
        for mut apdu in raw {
            apdu[0] |= 0x0C;
            check(&c.process(&apdu));
        }
    }
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
