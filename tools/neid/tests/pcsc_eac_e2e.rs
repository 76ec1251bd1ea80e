//! Issue 4's done-when through the real PC/SC stack (pcscd + vpcd + `neid
//! emulate`), with the CLI as a holder runs it:
//!
//! * `neid read encrypted` with the committed auth terminal granted
//!   father_name and mother_name (docs/spec/eac.md);
//! * PIN1's counter (docs/spec/pins.md "States"): two wrong tries suspend
//!   it, a suspended PIN1 is refused (6985) unless a PACE with the CAN ran
//!   since the last reset, then a wrong try blocks it (63C0); the block
//!   survives an emulator restart on the same state directory; the user
//!   code unblocks it;
//! * on the contactless interface every PIN operation is refused (6982).
//!
//! Through PC/SC every `neid` run is one connection that ends with a card
//! reset (the pcsc crate disconnects with SCARD_RESET_CARD), so a PACE with
//! the CAN in an earlier run does not lift the suspension: the CAN run and
//! the PIN1 try go in one connection (`neid pin try --can … --pin1 …`).
//!
//! The whole vpcd story is one `#[test]`: vpcd's slot holds one card.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Emulation, READER_ARG, neid_run, pcscd_with_free_slot, text, workspace};

/// The adult reference holder (reference-citizens.toml).
const PIN1: &str = "246810";
const WRONG_PIN1: &str = "000000";
const CAN: &str = "012345";
const USER_CODE: &str = "TWeid2026";
const READS_GRANTED: [(&str, &str); 2] = [("father_name", "王大同"), ("mother_name", "陳秀英")];
const READS_DENIED: [&str; 5] = ["spouse_name", "birthplace", "sex", "photo", "can"];
/// `neid pin status` lines (terminal::pin::PinState::describe).
const PIN1_USABLE: &str = "PIN1        usable (no try lost)";
const PIN1_SUSPENDED: &str = "PIN1        suspended: 1 try left, allowed only after a PACE with the CAN";
const PIN1_BLOCKED: &str = "PIN1        blocked: unblock with the user code";

fn adult_profile() -> PathBuf {
    workspace().join("profiles/reference/adult.toml")
}

fn auth_parents() -> String {
    workspace().join("profiles/test-pki/cv/terminals/auth-parents").to_string_lossy().into_owned()
}

fn trust() -> String {
    workspace().join("profiles/test-pki").to_string_lossy().into_owned()
}

/// `neid read encrypted --reader "Virtual PCD" --pin1 PIN --terminal auth-parents --trust … --json`.
fn read_encrypted(pin1: &str) -> Output {
    let terminal = auth_parents();
    let trust = trust();
    neid_run(&[
        "read", "encrypted", "--reader", READER_ARG, "--pin1", pin1, "--terminal", &terminal, "--trust", &trust,
        "--json",
    ])
}

fn pin_try(pin1: &str, can: Option<&str>) -> Output {
    let mut args = vec!["pin", "try", "--reader", READER_ARG, "--pin1", pin1];
    if let Some(can) = can {
        args.extend(["--can", can]);
    }
    neid_run(&args)
}

/// `neid pin status`: must succeed; its stdout.
fn pin_status() -> String {
    let out = neid_run(&["pin", "status", "--reader", READER_ARG]);
    assert!(out.status.success(), "pin status: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A command that must fail with `expected` in its one-line error.
fn assert_fails_with(what: &str, out: &Output, expected: &str) {
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{what} must fail; stdout:\n{}", text(&out.stdout));
    assert!(stderr.contains(expected), "{what}: expected \"{expected}\" in:\n{stderr}");
}

/// Father and mother read and proven by the zone's security object; the
/// five other fields denied by the card (6982) and never shown.
fn assert_parents_read(out: &Output) {
    assert!(out.status.success(), "read encrypted: {}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("read encrypted prints JSON");
    for (field, value) in READS_GRANTED {
        assert_eq!(json[field], value, "{json}");
    }
    assert_eq!(json["denied"], serde_json::json!(READS_DENIED), "{json}");
    for field in READS_DENIED {
        assert_eq!(json["denied_detail"][field]["card_sw"], "6982", "{field}: {json}");
        assert!(json.get(field).is_none(), "a denied field is never shown: {field}");
    }
    assert_eq!(json["security_object"]["valid"], true, "{json}");
}

/// The PIN1 line of the status table (`PIN1` padded to 10, two spaces).
fn pin1_line(status: &str) -> &str {
    status.lines().find(|l| l.starts_with("PIN1        ")).unwrap_or_default()
}

fn start(state: &Path, name: &str, extra: &[&str]) -> Emulation {
    Emulation::start(&adult_profile(), &state.join(name), &state.join(format!("{name}.log")), extra)
}

#[test]
fn pin1_suspend_block_unblock_and_read_encrypted_through_pcscd_and_vpcd() {
    let Some(_pcscd) = pcscd_with_free_slot("pcsc_eac_e2e") else { return };
    let state = tempfile::tempdir().expect("temporary state directory");
    let emulate = start(state.path(), "card", &[]);
    assert_eq!(emulate.atr, emulator::atr::contact_atr(), "contact ATR through pcscd");

    // The auth terminal granted father_name and mother_name.
    assert_parents_read(&read_encrypted(PIN1));
    assert_eq!(pin1_line(&pin_status()), PIN1_USABLE);

    // Wrong PIN1 twice: 63C2, then 63C1 = suspended.
    assert_fails_with(
        "first wrong PIN1",
        &read_encrypted(WRONG_PIN1),
        "PACE failed: wrong PIN (card answered 63C2): 2 tries left",
    );
    assert_fails_with(
        "second wrong PIN1",
        &pin_try(WRONG_PIN1, None),
        "PACE failed: wrong PIN (card answered 63C1): PIN1 is now suspended",
    );
    assert_eq!(pin1_line(&pin_status()), PIN1_SUSPENDED);

    // A third try without a CAN-PACE is refused at GA step 1, even with the
    // right PIN1, and nothing is counted.
    let suspended = "GENERAL AUTHENTICATE step 1 (encrypted nonce): card answered 6985";
    assert_fails_with("right PIN1 while suspended", &read_encrypted(PIN1), suspended);
    assert_fails_with("wrong PIN1 while suspended", &pin_try(WRONG_PIN1, None), "PIN1 is suspended");
    // A CAN-PACE in an earlier connection does not count: the disconnect reset the card.
    let out = neid_run(&["read", "public", "--reader", READER_ARG, "--can", CAN, "--json"]);
    assert!(out.status.success(), "read public --can: {}", text(&out.stderr));
    assert_fails_with("PIN1 in the connection after a CAN-PACE", &pin_try(WRONG_PIN1, None), suspended);
    assert_eq!(pin1_line(&pin_status()), PIN1_SUSPENDED, "refused tries count nothing");

    // CAN-PACE then a wrong PIN1 in one connection: the try is allowed and blocks PIN1.
    let out = pin_try(WRONG_PIN1, Some(CAN));
    assert!(text(&out.stdout).contains("PACE with the CAN: ok"), "{}", text(&out.stdout));
    assert_fails_with(
        "wrong PIN1 after the CAN",
        &out,
        "PACE failed: wrong PIN (card answered 63C0): PIN1 is blocked",
    );
    assert_eq!(pin1_line(&pin_status()), PIN1_BLOCKED);

    // The counter is in NVM: a restart on the same state directory keeps the block.
    emulate.stop();
    let emulate = start(state.path(), "card", &[]);
    assert_eq!(pin1_line(&pin_status()), PIN1_BLOCKED, "after an emulator restart");
    assert_fails_with(
        "right PIN1 while blocked",
        &read_encrypted(PIN1),
        "MSE:Set AT: card answered 6983 (authentication method blocked): PIN1 is blocked",
    );

    // The user code unblocks PIN1; the encrypted zone reads again.
    let out = neid_run(&["pin", "unblock", "--reader", READER_ARG, "--pin1", "--user-code", USER_CODE]);
    assert!(out.status.success(), "pin unblock: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("PIN1 unblocked"), "{stdout}");
    assert_eq!(pin1_line(&stdout), PIN1_USABLE, "{stdout}");
    assert_parents_read(&read_encrypted(PIN1));
    let out = pin_try(PIN1, None);
    assert!(out.status.success(), "pin try with the right PIN1: {}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("PIN1 correct"), "{}", text(&out.stdout));
    emulate.stop();

    // Contactless: every PIN operation answers 6982 before anything is counted.
    let emulate = start(state.path(), "contactless", &["--interface", "contactless"]);
    assert_eq!(emulate.atr, emulator::atr::contactless_atr(), "contactless ATR through pcscd");
    let contact_only = "MSE:Set AT: card answered 6982";
    assert_fails_with("pin try contactless", &pin_try(PIN1, None), contact_only);
    assert_fails_with("pin try contactless", &pin_try(PIN1, None), "PIN1 is usable on the contact interface only");
    assert_fails_with("read encrypted contactless", &read_encrypted(PIN1), contact_only);
    assert_fails_with(
        "pin unblock contactless",
        &neid_run(&["pin", "unblock", "--reader", READER_ARG, "--pin1", "--user-code", USER_CODE]),
        contact_only,
    );
    let status = pin_status();
    assert!(pin1_line(&status).contains("card answered 6982"), "{status}");
    // The CAN is not a PIN: PACE with it still works contactless.
    let out = neid_run(&["read", "public", "--reader", READER_ARG, "--can", CAN, "--json"]);
    assert!(out.status.success(), "read public --can contactless: {}", text(&out.stderr));
    emulate.stop();
}
