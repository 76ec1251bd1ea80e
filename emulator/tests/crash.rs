//! SIGKILL at random moments while the emulator persists UPDATE BINARY
//! commands: every time, the state on disk is exactly the image before or
//! after the last command, never a mix and never unreadable.
//!
//! The child is this test binary re-invoked with `CHILD_DIR_ENV` set, running
//! only `crash_child`, which streams updates forever and prints
//! "committed N" after each acknowledged one.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use emulator::state::{STATE_FILE_NAME, read_state_file};
use emulator::{Emulator, Interface, StateDir, TestCard};

const CHILD_DIR_ENV: &str = "NEID_EMULATOR_CRASH_CHILD_DIR";
const COMMITTED: &str = "committed ";
const ROUNDS: u32 = 30;
/// The whole EF is written by one UPDATE BINARY (short Lc ≤ 255).
const EF_SIZE: usize = 240;

/// The EF content for update number `counter`: the counter, then bytes that
/// all depend on it, so any mix of two states fails `decode`.
fn pattern(counter: u32) -> Vec<u8> {
    let mut ef = counter.to_be_bytes().to_vec();
    let mut x = counter.wrapping_mul(0x9E37_79B9) | 1;
    while ef.len() < EF_SIZE {
        // xorshift32, seeded by the counter
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        ef.push(x as u8);
    }
    ef
}

/// The counter of a consistent image, `None` for a torn or foreign one.
fn decode(image: &[u8]) -> Option<u32> {
    let counter = u32::from_be_bytes(image.get(..4)?.try_into().ok()?);
    (image == pattern(counter).as_slice()).then_some(counter)
}

fn stored_counter(dir: &Path) -> Option<u32> {
    let image =
        read_state_file(&dir.join(STATE_FILE_NAME)).expect("the state file must stay loadable")?;
    Some(decode(&image).unwrap_or_else(|| panic!("torn image on disk: {image:02X?}")))
}

/// The child: a no-op unless started by the parent test.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR_ENV) else {
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
    let mut out = std::io::stdout();
    for counter in start + 1.. {
        let response = emulator.transmit(&TestCard::update_binary_apdu(0, &pattern(counter)));
        assert_eq!(response, [0x90, 0x00], "update {counter}");
        writeln!(out, "{COMMITTED}{counter}")
            .and_then(|()| out.flush())
            .expect("report to parent");
    }
}

#[test]
fn sigkill_at_random_moments_leaves_the_state_before_or_after_the_last_command() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        | 1;
    println!("crash test seed {seed}");
    let mut previous: Option<u32> = None;
    let mut killed_mid_stream = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let acknowledged = thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                // Not a prefix: libtest prints "test crash_child ... "
                // without a newline, so the first report shares its line.
                .filter_map(|line| line.rsplit_once(COMMITTED)?.1.parse::<u32>().ok())
                .last()
        });
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        thread::sleep(Duration::from_millis(20 + u64::from(seed % 150)));
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            panic!("round {round}: the child ended by itself ({status}): {stderr}");
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let acknowledged = acknowledged.join().unwrap();

        let stored = stored_counter(dir.path());
        // The last command is the one after the last acknowledged one (or
        // after the state the child started from).
        let before = acknowledged.or(previous);
        let after = Some(before.map_or(1, |c| c + 1));
        assert!(
            stored == before || stored == after,
            "round {round}: stored {stored:?}, expected {before:?} or {after:?}"
        );
        if acknowledged.is_some() {
            killed_mid_stream += 1;
        }
        previous = stored;
    }
    println!("{killed_mid_stream} kills mid-stream, final counter {previous:?}");
    assert!(
        killed_mid_stream >= ROUNDS / 2,
        "only {killed_mid_stream} kills hit a running update stream"
    );
    // And the directory opens normally afterwards (stale temp file removed).
    let (_, image) = StateDir::open(dir.path()).unwrap();
    assert_eq!(image.as_deref().and_then(decode), previous);
}
