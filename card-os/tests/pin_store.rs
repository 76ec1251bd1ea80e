//! PIN records in NVM (docs/spec/pins.md): the anti-tearing order — a try
//! is counted and committed before the comparison, so neither a rolled-back
//! command nor a power cut after a failed comparison gives the try back —
//! and the VERIFY / RESET RETRY COUNTER paths through `Card::process` on a
//! card without applets.

use std::collections::BTreeMap;

use card_os::fs::{Df, DfRules, FID_MF};
use card_os::pin::{store, PinId, PinRecord, PinState};
use card_os::{AccessCondition, Card, CardImage, Interface, LifeCycle, StatusWord, Transaction};

const PIN2: &[u8] = b"13572468";

/// A card image with only PIN2 (activated), as personalization writes it.
fn image_with_pin2() -> CardImage {
    let mut objects = BTreeMap::new();
    let record = PinRecord::new(PinId::Pin2.chip_policy(), true);
    objects.insert(PinId::Pin2.record_key().to_string(), record.encode());
    objects.insert(PinId::Pin2.value_key().to_string(), PIN2.to_vec());
    CardImage {
        mf: Df { fid: Some(FID_MF), aid: None, rules: DfRules { terminate: AccessCondition::Never }, children: vec![] },
        life_cycle: LifeCycle::Operational,
        objects,
    }
}

fn tries_left(image: &CardImage) -> u8 {
    store::record(image, PinId::Pin2).unwrap().unwrap().tries_left
}

#[test]
fn a_counted_try_survives_the_rollback_of_its_command() {
    let mut image = image_with_pin2();
    let mut tx = Transaction::begin(&mut image);
    let after = store::count_try(&mut tx, PinId::Pin2).unwrap();
    assert_eq!(after.tries_left, 2);
    // The command dies after counting (power cut, any error): undo everything not committed.
    assert!(tx.rollback(), "NVM changed through commit_now");
    assert_eq!(tries_left(&image), 2);
}

#[test]
fn a_failed_verification_is_counted_even_when_dropped_uncommitted() {
    let mut image = image_with_pin2();
    {
        let mut tx = Transaction::begin(&mut image);
        assert_eq!(store::verify(&mut tx, PinId::Pin2, b"99999999"), Err(StatusWord::CounterRemaining(2)));
        // Dropping the transaction without commit is a torn command.
    }
    assert_eq!(tries_left(&image), 2);
    // A successful one restores the counter, with the command's commit.
    let mut tx = Transaction::begin(&mut image);
    assert_eq!(store::verify(&mut tx, PinId::Pin2, PIN2), Ok(()));
    assert!(tx.commit());
    assert_eq!(tries_left(&image), 3);
    // ... and not if the command is torn after the comparison: the decrement
    // committed before it stays (fail-safe).
    {
        let mut tx = Transaction::begin(&mut image);
        assert_eq!(store::verify(&mut tx, PinId::Pin2, PIN2), Ok(()));
    }
    assert_eq!(tries_left(&image), 2);
}

#[test]
fn blocked_and_not_set_pins_count_nothing() {
    let mut image = image_with_pin2();
    for _ in 0..3 {
        let mut tx = Transaction::begin(&mut image);
        let _ = store::verify(&mut tx, PinId::Pin2, b"00000000");
        tx.commit();
    }
    let record = store::record(&image, PinId::Pin2).unwrap().unwrap();
    assert_eq!(record.state(), PinState::Blocked);
    let mut tx = Transaction::begin(&mut image);
    assert_eq!(store::verify(&mut tx, PinId::Pin2, PIN2), Err(StatusWord::AuthenticationMethodBlocked));
    assert!(!tx.commit(), "nothing written");

    let mut image = image_with_pin2();
    image.objects.insert(PinId::Pin2.record_key().to_string(), PinRecord::new(PinId::Pin2.chip_policy(), false).encode());
    let mut tx = Transaction::begin(&mut image);
    assert_eq!(store::verify(&mut tx, PinId::Pin2, PIN2), Err(StatusWord::ReferenceDataNotUsable));
    // Setting it (RESET RETRY COUNTER with a new value) makes it usable.
    store::set_value(&mut tx, PinId::Pin2, b"24681357").unwrap();
    assert!(tx.commit());
    assert_eq!(store::record(&image, PinId::Pin2).unwrap().unwrap().state(), PinState::Usable { tries_left: 3 });
}

#[test]
fn a_damaged_record_is_not_usable() {
    let mut image = image_with_pin2();
    image.objects.insert(PinId::Pin2.record_key().to_string(), vec![0x01, 0x01, 9, 3, 0, 8, 12]);
    let mut card = Card::new(image);
    assert_eq!(card.process(&[0x00, 0x20, 0x00, 0x81]), [0x69, 0x84]);
}

#[test]
fn verify_through_the_card_counts_in_nvm() {
    let mut card = Card::new(image_with_pin2());
    let mut verify = vec![0x00, 0x20, 0x00, 0x81, 0x08];
    verify.extend_from_slice(b"99999999");
    assert_eq!(card.process(&verify), [0x63, 0xC2]);
    assert!(card.nvm_changed_since_last_check());
    assert_eq!(tries_left(card.image()), 2);
    // Le is not allowed on VERIFY; chaining is not supported.
    assert_eq!(card.process(&[0x00, 0x20, 0x00, 0x81, 0x00]), [0x67, 0x00]);
    assert_eq!(card.process(&[0x10, 0x20, 0x00, 0x81, 0x01, 0x31]), [0x68, 0x84]);
    // PIN1 is absent on this card; the PUK can never be reset over RESET RETRY COUNTER.
    assert_eq!(card.process(&[0x00, 0x2C, 0x03, 0x03]), [0x69, 0x82]);
    assert_eq!(card.process(&[0x00, 0x2C, 0x03, 0x04]), [0x69, 0x82]);
    assert_eq!(card.process(&[0x00, 0x2C, 0x03, 0x05]), [0x6A, 0x88]);
    assert_eq!(card.process(&[0x00, 0x2C, 0x01, 0x81]), [0x6A, 0x86]);
    assert_eq!(card.process(&[0x00, 0x2C, 0x03, 0x81, 0x01, 0x31]), [0x67, 0x00]);
    card.power_on(Interface::Contactless);
    assert_eq!(card.process(&verify), [0x69, 0x82]);
    assert_eq!(tries_left(card.image()), 2);
}
