//! `neid trace FILE` on a trace the emulator recorded in test mode: PACE
//! with the CAN on the adult reference card, then a protected SELECT and a
//! protected READ BINARY of EF.CardAccess, unwrapped with the exported keys.

use std::path::Path;
use std::process::Command as Process;

use card_os::protocol::SmSession;
use card_os::protocol::sm::Command;
use emulator::{CardRandomness, Emulator, Interface, TraceWriter, personalize_with};
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::InProcessTransport;
use terminal::pace::{PacePasswordInput, establish_pace};

/// SELECT MF, no response data; READ BINARY SFI 1C (EF.CardAccess), 4 bytes.
const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];
const READ_CARD_ACCESS: [u8; 5] = [0x00, 0xB0, 0x9C, 0x00, 0x04];

fn record(path: &Path, export: bool) {
    let profile = profiles::Profile::from_file(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/reference/adult.toml"))
        .unwrap_or_else(|error| panic!("{error}"));
    let card = personalize_with(&profile, CardRandomness::FromProfileSeed).unwrap_or_else(|error| panic!("{error}"));
    let mut emulator = Emulator::new(card, Interface::Contactless, None);
    emulator.set_trace(TraceWriter::create(path, export).unwrap());
    let mut transport = InProcessTransport::new(emulator);
    let mut rng = StdRng::seed_from_u64(11);
    establish_pace(&mut transport, &PacePasswordInput::Can(profile.holder.can.clone()), &mut rng).unwrap();
    let mut emulator = transport.into_emulator();
    let keys = emulator.card().card().session_keys().unwrap();
    let mut terminal = SmSession::new(&keys.ks_enc, &keys.ks_mac).unwrap();
    for plain in [&SELECT_MF[..], &READ_CARD_ACCESS[..]] {
        let protected = terminal.wrap_command(&Command::parse(plain).unwrap()).unwrap().to_bytes().unwrap();
        let response = emulator.transmit(&protected);
        terminal = terminal.unwrap_response(&response).unwrap().0;
    }
}

fn neid_trace(path: &Path) -> String {
    let output = Process::new(env!("CARGO_BIN_EXE_neid")).arg("trace").arg(path).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_test_mode_trace_is_printed_with_sm_unwrapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.jsonl");
    record(&path, true);
    let text = neid_trace(&path);
    for expected in [
        "READ BINARY (CLA 00 INS B0) P1=9C SFI 1C, offset 0",
        "MANAGE SECURITY ENVIRONMENT",
        "P1P2=C1A4 Set AT: PACE / Chip Authentication",
        "GENERAL AUTHENTICATE",
        "SW 9000: ",
        "TLV",
        "secure messaging session started",
        "SM unwrapped command: 00A4000C023F00",
        "SM unwrapped command: 00B09C0004",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains("not verified") && !text.contains("refused"), "{text}");
}

#[test]
fn without_exported_keys_sm_stays_opaque() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.jsonl");
    record(&path, false);
    let text = neid_trace(&path);
    assert!(text.contains("GENERAL AUTHENTICATE"));
    assert!(!text.contains("SM unwrapped"), "{text}");
}

#[test]
fn a_broken_trace_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.jsonl");
    std::fs::write(&path, "{\"type\":\"apdu\"}\n").unwrap();
    let output = Process::new(env!("CARGO_BIN_EXE_neid")).arg("trace").arg(&path).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 1"));
}
