//! SIGKILL at random moments while the emulator persists UPDATE BINARY
//! commands: every time, the state on disk is exactly the image before or
//! after the last command, never a mix and never unreadable.
//!
//! The card is the stand-in `TestCard` (its image is the EF itself); the
//! harness (child re-invocation, kills, checks) is `common`, shared with
//! `crash_real_card.rs`, which runs the same on the real card.

mod common;

use std::path::Path;

use common::{EF_SIZE, child_state_dir, decode, kill_at_random_moments, pattern, report_committed};
use emulator::state::{STATE_FILE_NAME, read_state_file};
use emulator::{Emulator, Interface, StateDir, TestCard};

const CHILD_TEST: &str = "crash_child";
const ROUNDS: u32 = 30;
/// Kill moments after the child starts (ms): its start-up is short.
const KILL_DELAY_MS: std::ops::Range<u64> = 20..170;

fn stored_counter(dir: &Path) -> Option<u32> {
    let image =
        read_state_file(&dir.join(STATE_FILE_NAME)).expect("the state file must stay loadable")?;
    Some(decode(&image).unwrap_or_else(|| panic!("torn image on disk: {image:02X?}")))
}

/// The child: a no-op unless started by the parent test.
#[test]
fn crash_child() {
    let Some(dir) = child_state_dir() else {
        return;
    };
    let (state, image) = StateDir::open(&dir).expect("child opens the state directory");
    let (card, start) = match image {
        Some(image) => {
            let counter = decode(&image).expect("child finds a consistent image");
            (TestCard::from_image(&image), counter)
        }
        None => (TestCard::new(EF_SIZE), 0),
    };
    let mut emulator = Emulator::new(card, Interface::Contact, Some(state));
    for counter in start + 1.. {
        let response = emulator.transmit(&TestCard::update_binary_apdu(0, &pattern(counter)));
        assert_eq!(response, [0x90, 0x00], "update {counter}");
        report_committed(counter);
    }
}

#[test]
fn sigkill_at_random_moments_leaves_the_state_before_or_after_the_last_command() {
    let dir = tempfile::tempdir().unwrap();
    let last = kill_at_random_moments(
        dir.path(),
        CHILD_TEST,
        ROUNDS,
        KILL_DELAY_MS,
        stored_counter,
    );
    // And the directory opens normally afterwards (stale temp file removed).
    let (_, image) = StateDir::open(dir.path()).unwrap();
    assert_eq!(image.as_deref().and_then(decode), last);
}
