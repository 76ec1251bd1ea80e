//! The SIGKILL tearing harness shared by the crash tests (`crash.rs` with the
//! stand-in `TestCard`, `crash_real_card.rs` with the real `NeidCard`).
//!
//! The child is the test binary re-invoked with `CHILD_DIR_ENV` set, running
//! only its child test, which streams UPDATE BINARY commands forever and
//! prints "committed N" after each acknowledged one. The parent kills it at
//! random moments and checks, after every kill, that the stored image holds
//! exactly the state before or after the last command.

use std::io::{BufRead, BufReader, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Set (to the state directory) only in the re-invoked child.
const CHILD_DIR_ENV: &str = "NEID_EMULATOR_CRASH_CHILD_DIR";
const COMMITTED: &str = "committed ";
/// How long the first child may take to acknowledge its first update.
const FIRST_COMMIT_TIMEOUT: Duration = Duration::from_secs(30);
/// The whole EF is written by one UPDATE BINARY (short Lc ≤ 255), so every
/// command is one atomic step the state must show entirely or not at all.
pub const EF_SIZE: usize = 240;

/// The EF content for update number `counter`: the counter, then bytes that
/// all depend on it (a checksum of the counter spread over the whole EF), so
/// any mix of two states fails `decode`.
pub fn pattern(counter: u32) -> Vec<u8> {
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
pub fn decode(image: &[u8]) -> Option<u32> {
    let counter = u32::from_be_bytes(image.get(..4)?.try_into().ok()?);
    (image == pattern(counter).as_slice()).then_some(counter)
}

/// The state directory when this process is the re-invoked child, `None` in
/// an ordinary test run (the child test is then a no-op).
pub fn child_state_dir() -> Option<PathBuf> {
    std::env::var_os(CHILD_DIR_ENV).map(PathBuf::from)
}

/// The child tells the parent that update `counter` was acknowledged.
pub fn report_committed(counter: u32) {
    let mut out = std::io::stdout();
    writeln!(out, "{COMMITTED}{counter}")
        .and_then(|()| out.flush())
        .expect("report to parent");
}

/// The next value of a xorshift32 generator (good enough for kill moments).
fn next_random(seed: &mut u32) -> u32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    *seed
}

/// Runs `rounds` children (`child_test` of this test binary) on the state
/// directory `dir`, SIGKILLs each after a random delay from `delay_ms`
/// (counted from its start; in the first round from its first acknowledged
/// update), and checks that `stored_counter(dir)` (the counter of the image on disk,
/// `None` before the first update; it panics on a torn image) is the last
/// acknowledged counter or the one after it. At least half the kills must hit
/// a running update stream. Returns the final stored counter.
pub fn kill_at_random_moments(
    dir: &Path,
    child_test: &str,
    rounds: u32,
    delay_ms: Range<u64>,
    mut stored_counter: impl FnMut(&Path) -> Option<u32>,
) -> Option<u32> {
    let exe = std::env::current_exe().unwrap();
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        | 1;
    println!("crash test seed {seed}");
    let spread = delay_ms.end.saturating_sub(delay_ms.start).max(1);
    // The state the first child starts from (None for an empty directory).
    let mut previous: Option<u32> = stored_counter(dir);
    let mut killed_mid_stream = 0;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["--exact", child_test, "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR_ENV, dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (reports, acknowledgements) = mpsc::channel();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // Not a prefix: libtest prints "test crash_child ... "
                // without a newline, so the first report shares its line.
                if let Some(counter) = line
                    .rsplit_once(COMMITTED)
                    .and_then(|(_, n)| n.parse::<u32>().ok())
                {
                    let _ = reports.send(counter);
                }
            }
        });
        // The first round lets the child reach its update stream (its first
        // start may personalize the card, slower than any kill delay) so
        // that later rounds restart on a stored card.
        let first = if round == 0 {
            let first = acknowledgements.recv_timeout(FIRST_COMMIT_TIMEOUT).ok();
            assert!(
                first.is_some(),
                "round 0: no update acknowledged within {FIRST_COMMIT_TIMEOUT:?}"
            );
            first
        } else {
            None
        };
        let delay = delay_ms.start + u64::from(next_random(&mut seed)) % spread;
        thread::sleep(Duration::from_millis(delay));
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            panic!("round {round}: the child ended by itself ({status}): {stderr}");
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let acknowledged = acknowledgements.try_iter().last().or(first);

        let stored = stored_counter(dir);
        // The last command is the one after the last acknowledged one (or
        // after the state the child started from).
        let before = acknowledged.or(previous);
        let after = Some(before.map_or(1, |c| c + 1));
        assert!(
            stored == before || stored == after,
            "round {round} (killed after {delay} ms): stored {stored:?}, expected {before:?} or {after:?}"
        );
        if acknowledged.is_some() {
            killed_mid_stream += 1;
        }
        previous = stored;
    }
    println!("{killed_mid_stream} kills mid-stream, final counter {previous:?}");
    assert!(
        killed_mid_stream >= rounds / 2,
        "only {killed_mid_stream} kills hit a running update stream"
    );
    previous
}
