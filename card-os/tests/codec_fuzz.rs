//! The APDU codec and a bare card (generic commands only) under arbitrary input.

use std::collections::BTreeMap;

use card_os::fs::{Df, DfRules, Ef, EfRules, Node, FID_MF};
use card_os::{AccessCondition, Card, CardImage, CommandApdu, Interface, LifeCycle, StatusWord};
use proptest::prelude::*;

fn bare_image() -> CardImage {
    let ef = |fid, sfi, read| {
        Node::Ef(Ef {
            fid,
            sfi: Some(sfi),
            rules: EfRules { read, update: AccessCondition::Always },
            data: vec![0x11; 40],
        })
    };
    let df = Df {
        fid: Some(0xDF01),
        aid: Some(vec![0xD1, 0x58, 0x00, 0x00, 0x01, 0x01]),
        rules: DfRules { terminate: AccessCondition::Never },
        children: vec![ef(0x0101, 1, AccessCondition::Always), ef(0x0102, 2, AccessCondition::Never)],
    };
    CardImage {
        mf: Df {
            fid: Some(FID_MF),
            aid: None,
            rules: DfRules { terminate: AccessCondition::Always },
            children: vec![ef(0x2F00, 0x1E, AccessCondition::Always), Node::Df(df)],
        },
        life_cycle: LifeCycle::Operational,
        objects: BTreeMap::new(),
    }
}

#[test]
fn bare_card_reads_and_denies() {
    let mut card = Card::new(bare_image());
    card.power_on(Interface::Contactless);
    assert_eq!(card.process(&[0x00, 0xA4, 0x04, 0x0C, 0x06, 0xD1, 0x58, 0, 0, 1, 1]), vec![0x90, 0x00]);
    let mut expected = vec![0x11; 40];
    expected.extend_from_slice(&[0x62, 0x82]);
    assert_eq!(card.process(&[0x00, 0xB0, 0x81, 0x00, 0x00]), expected);
    assert_eq!(card.process(&[0x00, 0xB0, 0x82, 0x00, 0x00]), vec![0x69, 0x82]);
    // No applet registered: unknown INS (CREATE FILE, ISO 7816-9) → 6D00.
    assert_eq!(card.process(&[0x00, 0xE0, 0x00, 0x01]), vec![0x6D, 0x00]);
}

proptest! {
    #[test]
    fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(cmd) = CommandApdu::parse(&bytes) {
            // Whatever parses re-encodes to something that parses the same.
            let again = CommandApdu::parse(&cmd.to_bytes().unwrap()).unwrap();
            prop_assert_eq!((again.data, again.ne), (cmd.data, cmd.ne));
        }
    }

    #[test]
    fn encode_parse_round_trip(
        cla in 0x00u8..0x10,
        ins in any::<u8>(),
        data in prop::collection::vec(any::<u8>(), 0..400),
        ne in prop::option::of(1usize..=65_536),
    ) {
        let cmd = CommandApdu::new(cla, ins, 1, 2, data, ne);
        let parsed = CommandApdu::parse(&cmd.to_bytes().unwrap()).unwrap();
        prop_assert_eq!(parsed.extended, cmd.needs_extended());
        prop_assert_eq!((parsed.data, parsed.ne), (cmd.data, cmd.ne));
    }

    #[test]
    fn card_always_answers_with_a_status_word(
        apdus in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..10)
    ) {
        let mut card = Card::new(bare_image());
        for apdu in apdus {
            let answer = card.process(&apdu);
            prop_assert!(answer.len() >= 2);
            let sw = u16::from_be_bytes([answer[answer.len() - 2], answer[answer.len() - 1]]);
            prop_assert!(StatusWord::from_u16(sw).is_some(), "unknown SW {:04X}", sw);
        }
    }
}

#[test]
fn card_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Card>();
}
