//! Fault injection (card-os `fault.rs`, docs/spec/faults.md): for each fault
//! that needs no secure messaging session, a small APDU script run on a
//! conforming card and on the same card with that one fault, and the
//! difference asserted. The session faults (SSC, SM error, plain command)
//! and the Terminal Authentication faults are exercised through PACE in
//! `emulator/tests/faults.rs`.

use std::collections::BTreeMap;

use card_os::fs::{Df, DfRules, Ef, EfRules, Node, FID_MF};
use card_os::pin::{PinId, PinRecord};
use card_os::{AccessCondition, Card, CardImage, Fault, FaultSet, Interface, LifeCycle};

const PIN2: &[u8] = b"13572468";
const SECRET: &[u8] = b"private key data";
/// EF readable only after VERIFY PIN2, never updatable.
const SFI_SECRET: u8 = 1;
/// EF anyone reads and writes, 8 bytes.
const SFI_SCRATCH: u8 = 2;
/// EF anyone reads, nobody updates, 8 bytes.
const SFI_FIXED: u8 = 3;

const SW_OK: [u8; 2] = [0x90, 0x00];
const SW_END_OF_FILE: [u8; 2] = [0x62, 0x82];
const SW_SECURITY: [u8; 2] = [0x69, 0x82];
const SW_MEMORY_FAILURE: [u8; 2] = [0x65, 0x81];

fn ef(fid: u16, sfi: u8, read: AccessCondition, update: AccessCondition, data: &[u8]) -> Node {
    Node::Ef(Ef { fid, sfi: Some(sfi), rules: EfRules { read, update }, data: data.to_vec() })
}

/// MF with the three EFs above and PIN2 (set, 3 tries).
fn image() -> CardImage {
    let mut objects = BTreeMap::new();
    objects.insert(PinId::Pin2.record_key().to_string(), PinRecord::new(PinId::Pin2.chip_policy(), true).encode());
    objects.insert(PinId::Pin2.value_key().to_string(), PIN2.to_vec());
    let children = vec![
        ef(0x0101, SFI_SECRET, AccessCondition::Pin2Verified, AccessCondition::Never, SECRET),
        ef(0x0102, SFI_SCRATCH, AccessCondition::Always, AccessCondition::Always, &[0; 8]),
        ef(0x0103, SFI_FIXED, AccessCondition::Always, AccessCondition::Never, &[0x5A; 8]),
    ];
    CardImage {
        mf: Df { fid: Some(FID_MF), aid: None, rules: DfRules { terminate: AccessCondition::Never }, children },
        life_cycle: LifeCycle::Operational,
        objects,
    }
}

fn card(faults: FaultSet) -> Card {
    Card::new(image()).with_faults(faults)
}

/// Run `script` on a conforming card and on a card with `fault`; return both transcripts.
fn both(fault: Fault, script: impl Fn(&mut Card) -> Vec<Vec<u8>>) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let good = script(&mut card(FaultSet::none()));
    let bad = script(&mut card(FaultSet::only(fault)));
    assert_ne!(good, bad, "{} changes nothing observable", fault.name());
    (good, bad)
}

fn read_sfi(sfi: u8, le: u8) -> Vec<u8> {
    vec![0x00, 0xB0, 0x80 | sfi, 0x00, le]
}

fn update_sfi(sfi: u8, data: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0xD6, 0x80 | sfi, 0x00, data.len() as u8];
    apdu.extend_from_slice(data);
    apdu
}

fn verify_pin2(value: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x20, 0x00, 0x81, value.len() as u8];
    apdu.extend_from_slice(value);
    apdu
}

const VERIFY_STATUS: [u8; 4] = [0x00, 0x20, 0x00, 0x81];
const VERIFY_RESET_STATUS: [u8; 4] = [0x00, 0x20, 0xFF, 0x81];

fn with_sw(data: &[u8], sw: [u8; 2]) -> Vec<u8> {
    [data, &sw].concat()
}

#[test]
fn read_access_skipped_reads_a_protected_ef() {
    let (good, bad) = both(Fault::ReadAccessSkipped, |c| vec![c.process(&read_sfi(SFI_SECRET, 0))]);
    assert_eq!(good, [SW_SECURITY.to_vec()]);
    assert_eq!(bad, [with_sw(SECRET, SW_END_OF_FILE)]);
}

#[test]
fn update_access_skipped_writes_a_read_only_ef() {
    let (good, bad) = both(Fault::UpdateAccessSkipped, |c| {
        vec![c.process(&update_sfi(SFI_FIXED, &[0xAA, 0xBB])), c.process(&read_sfi(SFI_FIXED, 2))]
    });
    assert_eq!(good, [SW_SECURITY.to_vec(), with_sw(&[0x5A, 0x5A], SW_OK)]);
    assert_eq!(bad, [SW_OK.to_vec(), with_sw(&[0xAA, 0xBB], SW_OK)]);
}

#[test]
fn end_of_file_answers_9000_hides_the_short_read() {
    let (good, bad) = both(Fault::EndOfFileAnswers9000, |c| vec![c.process(&read_sfi(SFI_SCRATCH, 16))]);
    assert_eq!(good, [with_sw(&[0; 8], SW_END_OF_FILE)]);
    assert_eq!(bad, [with_sw(&[0; 8], SW_OK)]);
}

#[test]
fn long_response_truncated_answers_9000_instead_of_6cxx() {
    // SELECT MF returning its FCP with Le = 1: the FCP is longer.
    let (good, bad) = both(Fault::LongResponseTruncated, |c| vec![c.process(&[0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00, 0x01])]);
    assert_eq!(good[0][0], 0x6C, "6Cxx: wrong Le, {:02X?}", good[0]);
    assert_eq!(good[0].len(), 2);
    assert_eq!(bad[0].len(), 3, "one byte of FCP, then the SW: {:02X?}", bad[0]);
    assert_eq!(bad[0][1..], SW_OK);
}

#[test]
fn pin_counter_not_decremented_allows_unlimited_guesses() {
    let (good, bad) = both(Fault::PinCounterNotDecremented, |c| {
        vec![c.process(&verify_pin2(b"99999999")), c.process(&VERIFY_STATUS)]
    });
    assert_eq!(good, [vec![0x63, 0xC2], vec![0x63, 0xC2]]);
    assert_eq!(bad, [vec![0x63, 0xC3], vec![0x63, 0xC3]]);
}

#[test]
fn pin_counter_decremented_after_comparison_is_rolled_back() {
    let (good, bad) = both(Fault::PinCounterDecrementedAfterComparison, |c| {
        vec![c.process(&verify_pin2(b"99999999")), c.process(&VERIFY_STATUS)]
    });
    assert_eq!(good, [vec![0x63, 0xC2], vec![0x63, 0xC2]]);
    // The answer claims a try was counted; NVM says otherwise.
    assert_eq!(bad, [vec![0x63, 0xC2], vec![0x63, 0xC3]]);
}

#[test]
fn pin_counter_not_reset_on_success_keeps_the_failures() {
    let (good, bad) = both(Fault::PinCounterNotResetOnSuccess, |c| {
        vec![
            c.process(&verify_pin2(b"99999999")),
            c.process(&verify_pin2(PIN2)),
            c.process(&VERIFY_RESET_STATUS),
            c.process(&VERIFY_STATUS),
        ]
    });
    assert_eq!(good, [vec![0x63, 0xC2], SW_OK.to_vec(), SW_OK.to_vec(), vec![0x63, 0xC3]]);
    assert_eq!(bad[3], [0x63, 0xC1], "the successful try was counted and never given back");
}

#[test]
fn pin_allowed_contactless_verifies_over_the_air() {
    let (good, bad) = both(Fault::PinAllowedContactless, |c| {
        c.power_on(Interface::Contactless);
        vec![c.process(&verify_pin2(PIN2))]
    });
    assert_eq!(good, [SW_SECURITY.to_vec()]);
    assert_eq!(bad, [SW_OK.to_vec()]);
}

#[test]
fn security_status_survives_reset() {
    let (good, bad) = both(Fault::SecurityStatusSurvivesReset, |c| {
        let verified = c.process(&verify_pin2(PIN2));
        c.power_on(Interface::Contact);
        vec![verified, c.process(&read_sfi(SFI_SECRET, 0))]
    });
    assert_eq!(good, [SW_OK.to_vec(), SW_SECURITY.to_vec()]);
    assert_eq!(bad, [SW_OK.to_vec(), with_sw(SECRET, SW_END_OF_FILE)]);
}

#[test]
fn torn_write_keeps_half_the_data_and_answers_6581() {
    let (good, bad) = both(Fault::TornWrite, |c| {
        vec![c.process(&update_sfi(SFI_SCRATCH, &[0x11, 0x22, 0x33, 0x44])), c.process(&read_sfi(SFI_SCRATCH, 4))]
    });
    assert_eq!(good, [SW_OK.to_vec(), with_sw(&[0x11, 0x22, 0x33, 0x44], SW_OK)]);
    assert_eq!(bad, [SW_MEMORY_FAILURE.to_vec(), with_sw(&[0x11, 0x22, 0x00, 0x00], SW_OK)]);
}

#[test]
fn faults_are_not_part_of_the_image() {
    let faulty = card(Fault::ALL.into_iter().collect());
    assert_eq!(faulty.faults().iter().count(), Fault::ALL.len());
    let restored = Card::new(faulty.into_image());
    assert!(restored.faults().is_empty());
}
