//! SIGKILL at random moments while the emulator persists UPDATE BINARY
//! commands to the REAL card (card-os + applets, `NeidCard`) personalized
//! from the adult reference profile with an EF.Scratch (docs/spec/card-level.md
//! "EF.Scratch", FID 2F10, SFI 10): after every kill the stored card restores,
//! EF.Scratch holds exactly the image before or after the last command, and
//! the household zone still reads as personalized (issue 2, done-when).
//!
//! The harness (child re-invocation, kills, before/after check) is `common`,
//! shared with `crash.rs`.

mod common;

use std::path::{Path, PathBuf};

use common::{EF_SIZE, child_state_dir, decode, kill_at_random_moments, pattern, report_committed};
use emulator::state::{STATE_FILE_NAME, read_state_file};
use emulator::{CardEngine, Emulator, Interface, NeidCard, StateDir, personalize};
use profiles::Profile;

const CHILD_TEST: &str = "real_card_crash_child";
const ROUNDS: u32 = 30;
/// Kill moments after the child starts (ms). The child first restores the
/// card from JSON (or personalizes it, first round), so the window starts
/// later than with the stand-in card, to hit the update stream mostly.
const KILL_DELAY_MS: std::ops::Range<u64> = 80..400;

/// SELECT by path from the MF, no response data (ISO 7816-4 §11.2.2, P1 08,
/// P2 0C): EF.Scratch 2F10 (docs/spec/card-level.md).
const SELECT_EF_SCRATCH: [u8; 7] = [0x00, 0xA4, 0x08, 0x0C, 0x02, 0x2F, 0x10];
/// SELECT the household zone by AID, no response data (household.md: D1 58 00 00 01 01).
const SELECT_HOUSEHOLD: [u8; 11] = [
    0x00, 0xA4, 0x04, 0x0C, 0x06, 0xD1, 0x58, 0x00, 0x00, 0x01, 0x01,
];
const CLA: u8 = 0x00;
/// ISO 7816-4 §11.3.3 READ BINARY, §11.3.5 UPDATE BINARY (even INS).
const INS_READ_BINARY: u8 = 0xB0;
const INS_UPDATE_BINARY: u8 = 0xD6;
/// P1 b8 = 1: P1 b5..b1 is a short EF identifier, P2 the offset (ISO 7816-4 §11.3.3).
const P1_SFI: u8 = 0x80;
const SW_OK: [u8; 2] = [0x90, 0x00];
/// Fewer bytes than Le 00 (256) asked for: end of file (ISO 7816-4 table 6).
const SW_END_OF_FILE: [u8; 2] = [0x62, 0x82];

/// The household EFs of the adult reference holder (SFI, content), from the
/// worked example of docs/spec/household.md.
const HOUSEHOLD_EFS: [(u8, &str); 4] = [
    (
        0x01,
        "A11F80053633303030\
         8109E887BAE58C97E5B882\
         820B5461697065692043697479",
    ),
    (
        0x02,
        "A22580083633303030303330\
         8109E5A4A7E5AE89E58D80\
         820E446127616E204469737472696374",
    ),
    (
        0x03,
        "A32B800C36333030303033302D303137\
         8109E9BE8DE6B389E9878C\
         82104C6F6E677175616E2056696C6C616765",
    ),
    (0x04, "A403800135"),
];

/// The adult reference profile with an EF.Scratch of `EF_SIZE` bytes.
fn scratch_profile() -> Profile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../profiles/reference/adult.toml");
    let mut profile = Profile::from_file(path).expect("the adult reference profile loads");
    profile.card.scratch_ef_size = Some(EF_SIZE as u16);
    profile
}

/// UPDATE BINARY of the whole current EF (offset 0) with `data` (short Lc).
fn update_binary_current_ef(data: &[u8]) -> Vec<u8> {
    let lc = u8::try_from(data.len()).expect("one short UPDATE BINARY");
    let mut apdu = vec![CLA, INS_UPDATE_BINARY, 0x00, 0x00, lc];
    apdu.extend_from_slice(data);
    apdu
}

/// READ BINARY of the whole current EF.Scratch (offset 0, Le = its size).
fn read_binary_scratch() -> [u8; 5] {
    [CLA, INS_READ_BINARY, 0x00, 0x00, EF_SIZE as u8]
}

/// The counter EF.Scratch holds: `None` for the personalized content (all
/// zeros, before the first update), panics on anything else than a pattern.
fn scratch_counter(emulator: &mut Emulator<NeidCard>) -> Option<u32> {
    assert_eq!(
        emulator.transmit(&SELECT_EF_SCRATCH),
        SW_OK,
        "SELECT EF.Scratch"
    );
    let response = emulator.transmit(&read_binary_scratch());
    let (content, sw) = response.split_at(response.len().saturating_sub(2));
    assert_eq!(sw, SW_OK, "READ BINARY EF.Scratch");
    assert_eq!(content.len(), EF_SIZE, "READ BINARY EF.Scratch length");
    if content.iter().all(|&byte| byte == 0) {
        return None;
    }
    Some(decode(content).unwrap_or_else(|| panic!("torn EF.Scratch: {content:02X?}")))
}

/// The household zone reads exactly as personalized.
fn assert_household_reads(emulator: &mut Emulator<NeidCard>) {
    assert_eq!(
        emulator.transmit(&SELECT_HOUSEHOLD),
        SW_OK,
        "SELECT household"
    );
    for (sfi, hex_content) in HOUSEHOLD_EFS {
        let mut expected = hex::decode(hex_content).unwrap();
        expected.extend_from_slice(&SW_END_OF_FILE);
        // Le 00: up to 256 bytes; each EF is shorter.
        let read = [CLA, INS_READ_BINARY, P1_SFI | sfi, 0x00, 0x00];
        assert_eq!(
            emulator.transmit(&read),
            expected,
            "household EF with SFI {sfi:02X}"
        );
    }
}

/// The parent's view after a kill: the stored card restores, its household
/// zone reads correctly, and EF.Scratch holds a whole pattern (its counter).
fn stored_counter(dir: &Path) -> Option<u32> {
    let image =
        read_state_file(&dir.join(STATE_FILE_NAME)).expect("the state file must stay loadable")?;
    let card = NeidCard::restore(&image).expect("the stored card image restores");
    let mut emulator = Emulator::new(card, Interface::Contact, None);
    assert_household_reads(&mut emulator);
    scratch_counter(&mut emulator)
}

/// The child: a no-op unless started by the parent test. Restores the card
/// from the state directory (personalizes it on the first run), then streams
/// whole-EF updates of EF.Scratch, reporting each acknowledged counter.
#[test]
fn real_card_crash_child() {
    let Some(dir) = child_state_dir() else {
        return;
    };
    let (state, image) = StateDir::open(&dir).expect("child opens the state directory");
    let card = match image {
        Some(image) => NeidCard::restore(&image).expect("child restores the stored card"),
        None => {
            let card = personalize(&scratch_profile()).expect("the scratch profile personalizes");
            // As emulator_with_state: the state directory holds the card
            // being served from the start.
            state
                .save(&card.save_image())
                .expect("child saves the personalized card");
            card
        }
    };
    let mut emulator = Emulator::new(card, Interface::Contact, Some(state));
    // Selects EF.Scratch, which stays the current EF for the updates.
    let start = scratch_counter(&mut emulator).unwrap_or(0);
    for counter in start + 1.. {
        let response = emulator.transmit(&update_binary_current_ef(&pattern(counter)));
        assert_eq!(response, SW_OK, "update {counter}");
        report_committed(counter);
    }
}

#[test]
fn sigkill_of_the_real_card_at_random_moments_leaves_the_state_before_or_after_the_last_command() {
    let dir = tempfile::tempdir().unwrap();
    let last = kill_at_random_moments(
        dir.path(),
        CHILD_TEST,
        ROUNDS,
        KILL_DELAY_MS,
        stored_counter,
    );
    assert!(last.is_some(), "no update reached the state file");
    // And the directory opens normally afterwards (stale temp file removed),
    // on the same card.
    let (state, image) = StateDir::open(dir.path()).unwrap();
    assert!(!state.path().join(emulator::state::STATE_TMP_NAME).exists());
    let card = NeidCard::restore(&image.unwrap()).unwrap();
    let mut emulator = Emulator::new(card, Interface::Contact, None);
    assert_eq!(scratch_counter(&mut emulator), last);
}
