//! The secure messaging faults (card-os `fault.rs`, docs/spec/faults.md) on
//! the adult reference card: PACE with the CAN through the real terminal,
//! then protected commands built here with the session keys the card exports
//! in test mode, run on a conforming card and on one with the fault. Also:
//! the emulator's trace records the APDUs and, only when asked, the keys.

use std::path::{Path, PathBuf};

use card_os::protocol::SmSession;
use card_os::protocol::sm::Command;
use card_os::{Fault, FaultSet};
use emulator::{CardRandomness, Emulator, Interface, NeidCard, TraceRecord, TraceWriter, personalize_with, read_trace};
use profiles::Profile;
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::InProcessTransport;
use terminal::pace::{PacePasswordInput, establish_pace};

/// SELECT MF, no response data (ISO 7816-4 §11.2.2).
const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];
const SW_OK: [u8; 2] = [0x90, 0x00];

fn profile() -> Profile {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profiles/reference/adult.toml");
    Profile::from_file(path).unwrap_or_else(|error| panic!("{error}"))
}

/// An emulator after PACE with the CAN, and the terminal's side of the session.
fn after_pace(faults: FaultSet, trace: Option<TraceWriter>) -> (Emulator<NeidCard>, SmSession) {
    let profile = profile();
    let card = personalize_with(&profile, CardRandomness::FromProfileSeed).unwrap_or_else(|error| panic!("{error}"));
    let mut emulator = Emulator::new(card, Interface::Contactless, None);
    assert!(emulator.set_faults(faults));
    if let Some(trace) = trace {
        emulator.set_trace(trace);
    }
    let mut transport = InProcessTransport::new(emulator);
    let mut rng = StdRng::seed_from_u64(7);
    establish_pace(&mut transport, &PacePasswordInput::Can(profile.holder.can.clone()), &mut rng)
        .unwrap_or_else(|error| panic!("PACE: {error:?}"));
    let emulator = transport.into_emulator();
    let keys = emulator.card().card().session_keys().expect("an AES session after PACE");
    assert_eq!(keys.ssc, [0; 16], "PACE leaves SSC 0 (ICAO 9303-11 §9.8.2)");
    let terminal = SmSession::new(&keys.ks_enc, &keys.ks_mac).expect("session keys");
    (emulator, terminal)
}

fn protect(terminal: &mut SmSession, plain: &[u8]) -> Vec<u8> {
    let command = Command::parse(plain).expect("plain command");
    terminal.wrap_command(&command).and_then(|c| c.to_bytes()).expect("protected command")
}

/// Send `plain` protected; the terminal checks the response (advancing its
/// SSC) when it can. Returns the status word of the response trailer.
fn exchange(card: &mut Emulator<NeidCard>, terminal: &mut SmSession, plain: &[u8]) -> [u8; 2] {
    let response = card.transmit(&protect(terminal, plain));
    if let Ok((checked, _)) = terminal.clone().unwrap_response(&response) {
        *terminal = checked;
    }
    sw(&response)
}

fn sw(response: &[u8]) -> [u8; 2] {
    match response {
        [.., sw1, sw2] => [*sw1, *sw2],
        _ => panic!("no status word in {response:02X?}"),
    }
}

/// Status words of `script` on a conforming card and with `fault`; asserted different.
fn both(fault: Fault, script: fn(&mut Emulator<NeidCard>, &mut SmSession) -> Vec<[u8; 2]>) -> (Vec<[u8; 2]>, Vec<[u8; 2]>) {
    let (mut good_card, mut good_terminal) = after_pace(FaultSet::none(), None);
    let good = script(&mut good_card, &mut good_terminal);
    let (mut bad_card, mut bad_terminal) = after_pace(FaultSet::only(fault), None);
    let bad = script(&mut bad_card, &mut bad_terminal);
    assert_ne!(good, bad, "{} changes nothing observable", fault.name());
    (good, bad)
}

#[test]
fn ssc_not_incremented_breaks_the_next_command() {
    let (good, bad) = both(Fault::SscNotIncremented, |card, terminal| {
        let first = exchange(card, terminal, &SELECT_MF);
        let second = exchange(card, terminal, &SELECT_MF);
        vec![first, second]
    });
    assert_eq!(good, [SW_OK, SW_OK]);
    assert_eq!(bad, [SW_OK, [0x69, 0x88]], "the card checks the second MAC with a stale SSC");
}

#[test]
fn sm_error_keeps_session_accepts_the_next_protected_command() {
    let (good, bad) = both(Fault::SmErrorKeepsSession, |card, terminal| {
        let before = terminal.clone();
        let mut broken = protect(terminal, &SELECT_MF);
        // The last byte before Le is the last MAC byte (DO'8E').
        let mac_end = broken.len() - 2;
        broken[mac_end] ^= 0x01;
        let refused = card.transmit(&broken);
        // A terminal that ignores the error and goes on where the card stayed.
        *terminal = before;
        let next = card.transmit(&protect(terminal, &SELECT_MF));
        vec![sw(&refused), sw(&next)]
    });
    assert_eq!(good[0], [0x69, 0x88]);
    assert_ne!(good[1], SW_OK, "no session after an SM error");
    assert_eq!(bad, [[0x69, 0x88], SW_OK]);
}

#[test]
fn plain_command_keeps_session_accepts_protected_commands_after_it() {
    let (good, bad) = both(Fault::PlainCommandKeepsSession, |card, terminal| {
        let plain = card.transmit(&SELECT_MF);
        let next = card.transmit(&protect(terminal, &SELECT_MF));
        vec![sw(&plain), sw(&next)]
    });
    assert_eq!(good[0], SW_OK);
    assert_ne!(good[1], SW_OK, "a plain command ends the session");
    assert_eq!(bad, [SW_OK, SW_OK]);
}

#[test]
fn the_trace_holds_every_apdu_and_keys_only_in_test_mode() {
    let dir = tempfile::tempdir().unwrap();
    for export in [false, true] {
        let path = dir.path().join(format!("trace-{export}.jsonl"));
        let writer = TraceWriter::create(&path, export).unwrap();
        let (mut card, mut terminal) = after_pace(FaultSet::none(), Some(writer));
        card.transmit(&protect(&mut terminal, &SELECT_MF));
        drop(card);
        let records = read_trace(&path).unwrap();
        let apdus = records.iter().filter(|r| matches!(r, TraceRecord::Apdu { .. })).count();
        assert!(apdus >= 6, "EF.CardAccess, MSE, four GENERAL AUTHENTICATE, the protected SELECT: {apdus}");
        let keys = records.iter().filter(|r| matches!(r, TraceRecord::SessionKeys { .. })).count();
        assert_eq!(keys, usize::from(export), "export = {export}");
    }
}
