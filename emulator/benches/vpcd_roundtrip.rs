//! APDU round trips through the real PC/SC stack: application -> pcscd ->
//! vpcd (TCP) -> card, for three cards served one after another on reader
//! `Virtual PCD 00 00` (port 35963):
//!
//! 1. floor: [`FloorCard`] through `run_vpcd` (9000 to everything; the cost
//!    of the road itself),
//! 2. neid: the emulated card through `run_vpcd`,
//! 3. vicc: vsmartcard's own Python card emulator, as a peer.
//!
//! Each is timed on the same plain APDU, SELECT MF without response data
//! (vicc crashes on TLV responses, pcsc.md). Prints median, p90 and mean
//! latency per APDU, APDUs/s and the ratio to the floor, and writes the
//! figures to `target/bench-vpcd.json`.
//!
//! `cargo bench -p neid-emulator --bench vpcd_roundtrip`. Like criterion,
//! without cargo bench's `--bench` argument (e.g. `cargo test --benches`)
//! it only checks that everything works, with a few APDUs per card.

use std::error::Error;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use emulator::{CardEngine, Emulator, FloorCard, Interface, NeidCard, personalize, run_vpcd};
use pcsc::{Context, Protocols, Scope, ShareMode};
use profiles::Profile;
use testbed::{Pcscd, VPCD_PORT_0, VPCD_READER_0, Vicc, wait_for_card, wait_for_no_card};

/// The reference profile of the card emulated in case (2).
const PROFILE: &str = "../profiles/reference/adult.toml";

/// The card emulated in case (2): the real card personalized from [`PROFILE`].
fn neid_card() -> Result<NeidCard, Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PROFILE);
    let profile =
        Profile::from_file(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    Ok(personalize(&profile).map_err(|error| format!("{}: {error}", path.display()))?)
}

/// SELECT MF by file identifier, no response data (ISO 7816-4 §11.2.2:
/// P1 00 = select MF/DF/EF by FID, P2 0C = no response data).
const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];
/// Room for a short response: 256 data bytes + SW1 SW2.
const RESPONSE_MAX: usize = 258;

const READER: &str = VPCD_READER_0;
const PORT: u16 = VPCD_PORT_0;
const VPCD_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], PORT);

/// Warm-ups and timed round trips per card; QUICK_COUNTS when not run by
/// `cargo bench`.
const RUST_COUNTS: Counts = Counts {
    warmup: 100,
    timed: 2000,
};
const VICC_COUNTS: Counts = Counts {
    warmup: 20,
    timed: 300,
};
const QUICK_COUNTS: Counts = Counts {
    warmup: 2,
    timed: 10,
};

/// Card insertion takes up to one vpcd poll (~0.44 s); vicc's Python start
/// takes longer.
const INSERT_TIMEOUT: Duration = Duration::from_secs(10);
const VICC_INSERT_TIMEOUT: Duration = Duration::from_secs(30);
const REMOVE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
struct Counts {
    warmup: usize,
    timed: usize,
}

fn main() -> Result<(), Box<dyn Error>> {
    let quick = !std::env::args().any(|arg| arg == "--bench");
    let pick = |full: Counts| if quick { QUICK_COUNTS } else { full };

    let pcscd = Pcscd::start_or_reuse()?;
    eprintln!(
        "pcscd pid {} ({})",
        pcscd.pid(),
        if pcscd.started_here() {
            "started for this run"
        } else {
            "reused"
        }
    );
    wait_for_no_card(READER, REMOVE_TIMEOUT).map_err(|err| {
        format!(
            "{READER} must be empty before the benchmark (is another card on port {PORT}?): {err}"
        )
    })?;

    let floor = bench_emulated("floor", || FloorCard, pick(RUST_COUNTS))?;
    let card = neid_card()?;
    let neid = bench_emulated("neid", move || card, pick(RUST_COUNTS))?;
    let vicc = bench_vicc(pick(VICC_COUNTS))?;

    let results = [floor, neid, vicc];
    print_table(&results);
    if quick {
        println!("check run (not `cargo bench`): figures not written");
    } else {
        let json = write_json(&results)?;
        println!("written to {}", json.display());
    }
    Ok(())
}

/// One card's figures.
struct CaseResult {
    name: &'static str,
    card: String,
    counts: Counts,
    /// SW1 SW2 the card answered to SELECT MF.
    sw: String,
    stats: Stats,
}

/// The card is made by `make_card` on the serving thread, so it need not be
/// `Send`.
fn bench_emulated<C: CardEngine + 'static>(
    name: &'static str,
    make_card: impl FnOnce() -> C + Send + 'static,
    counts: Counts,
) -> Result<CaseResult, Box<dyn Error>> {
    let card_type = short_type_name::<C>();
    let served = ServedCard::start(make_card);
    let measured = wait_for_card(READER, INSERT_TIMEOUT)
        .map_err(Box::<dyn Error>::from)
        .and_then(|reader| measure(&reader, counts));
    served.stop();
    wait_for_no_card(READER, REMOVE_TIMEOUT)?;
    let (sw, latencies) = measured?;
    Ok(CaseResult {
        name,
        card: card_type,
        counts,
        sw,
        stats: Stats::of(&latencies),
    })
}

fn bench_vicc(counts: Counts) -> Result<CaseResult, Box<dyn Error>> {
    let vicc = Vicc::start(PORT)?;
    let measured = wait_for_card(READER, VICC_INSERT_TIMEOUT)
        .map_err(Box::<dyn Error>::from)
        .and_then(|reader| measure(&reader, counts))
        .map_err(|err| {
            let log = std::fs::read_to_string(vicc.log_path()).unwrap_or_default();
            format!("vicc: {err}\nvicc log:\n{log}")
        });
    vicc.stop();
    wait_for_no_card(READER, REMOVE_TIMEOUT)?;
    let (sw, latencies) = measured?;
    Ok(CaseResult {
        name: "vicc",
        card: "vsmartcard vicc -t iso7816 (Python)".into(),
        counts,
        sw,
        stats: Stats::of(&latencies),
    })
}

/// Connect to `reader`, send `counts.warmup` untimed then `counts.timed`
/// timed SELECT MF; returns the SW and each timed round trip.
fn measure(reader: &str, counts: Counts) -> Result<(String, Vec<Duration>), Box<dyn Error>> {
    let context = Context::establish(Scope::User)?;
    let card = context.connect(&CString::new(reader)?, ShareMode::Shared, Protocols::ANY)?;
    let mut buffer = [0u8; RESPONSE_MAX];
    let first = card.transmit(&SELECT_MF, &mut buffer)?.to_vec();
    let sw = match first.as_slice() {
        [.., 0x90, 0x00] => "9000".to_owned(),
        [.., sw1, sw2] => {
            return Err(format!(
                "{reader}: SELECT MF answered SW {sw1:02X}{sw2:02X}, not 9000: nothing to time"
            )
            .into());
        }
        _ => return Err(format!("{reader}: response without SW: {first:02X?}").into()),
    };
    for _ in 0..counts.warmup {
        card.transmit(&SELECT_MF, &mut buffer)?;
    }
    let mut latencies = Vec::with_capacity(counts.timed);
    for _ in 0..counts.timed {
        let start = Instant::now();
        let response = card.transmit(&SELECT_MF, &mut buffer)?;
        latencies.push(start.elapsed());
        if response != first.as_slice() {
            return Err(
                format!("{reader}: answer changed from {first:02X?} to {response:02X?}").into(),
            );
        }
    }
    Ok((sw, latencies))
}

/// An emulator served to vpcd by `run_vpcd` on its own thread.
struct ServedCard {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl ServedCard {
    fn start<C: CardEngine + 'static>(make_card: impl FnOnce() -> C + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let addr = VPCD_ADDR.into();
        let thread = std::thread::spawn(move || {
            let mut emulator = Emulator::new(make_card(), Interface::Contact, None);
            run_vpcd(&mut emulator, addr, &flag);
        });
        Self { stop, thread }
    }

    /// Set the stop flag; run_vpcd returns within ~100 ms and closes the
    /// connection, which takes the card out of the reader.
    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        if self.thread.join().is_err() {
            eprintln!("the card thread panicked");
        }
    }
}

/// Per-APDU latency summary.
#[derive(Debug, Clone, Copy)]
struct Stats {
    median: Duration,
    p90: Duration,
    mean: Duration,
}

impl Stats {
    fn of(latencies: &[Duration]) -> Self {
        let mut sorted = latencies.to_vec();
        sorted.sort_unstable();
        let total: Duration = sorted.iter().sum();
        let count = u32::try_from(sorted.len()).unwrap_or(u32::MAX).max(1);
        Self {
            median: percentile(&sorted, 50),
            p90: percentile(&sorted, 90),
            mean: total / count,
        }
    }

    fn apdus_per_second(&self) -> f64 {
        1.0 / self.mean.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// Nearest-rank percentile of sorted values (zero when empty).
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn ratio(value: Duration, floor: Duration) -> f64 {
    value.as_secs_f64() / floor.as_secs_f64().max(f64::MIN_POSITIVE)
}

fn print_table(results: &[CaseResult]) {
    let Some(floor) = results.first().map(|r| r.stats) else {
        return;
    };
    println!();
    println!("APDU {} on {READER} through pcscd + vpcd", hex(&SELECT_MF));
    println!(
        "{:<6} {:<36} {:>5} {:>6} {:>10} {:>8} {:>9} {:>9} {:>13} {:>14}",
        "case",
        "card",
        "SW",
        "APDUs",
        "median ms",
        "p90 ms",
        "mean ms",
        "APDU/s",
        "x floor (med)",
        "x floor (mean)"
    );
    for r in results {
        println!(
            "{:<6} {:<36} {:>5} {:>6} {:>10.3} {:>8.3} {:>9.3} {:>9.0} {:>13.2} {:>14.2}",
            r.name,
            r.card,
            r.sw,
            r.counts.timed,
            ms(r.stats.median),
            ms(r.stats.p90),
            ms(r.stats.mean),
            r.stats.apdus_per_second(),
            ratio(r.stats.median, floor.median),
            ratio(r.stats.mean, floor.mean),
        );
    }
    println!();
}

fn write_json(results: &[CaseResult]) -> Result<PathBuf, Box<dyn Error>> {
    let floor = results.first().map(|r| r.stats);
    let cases: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let (vs_median, vs_mean) = floor
                .map(|f| (ratio(r.stats.median, f.median), ratio(r.stats.mean, f.mean)))
                .unwrap_or((1.0, 1.0));
            serde_json::json!({
                "case": r.name,
                "card": r.card,
                "sw": r.sw,
                "warmup": r.counts.warmup,
                "apdus": r.counts.timed,
                "median_ms": ms(r.stats.median),
                "p90_ms": ms(r.stats.p90),
                "mean_ms": ms(r.stats.mean),
                "apdus_per_s": r.stats.apdus_per_second(),
                "ratio_to_floor_median": vs_median,
                "ratio_to_floor_mean": vs_mean,
            })
        })
        .collect();
    let report = serde_json::json!({
        "reader": READER,
        "apdu": hex(&SELECT_MF),
        "cases": cases,
    });
    // CARGO_TARGET_TMPDIR is <target>/tmp for benchmark targets.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .ok_or("CARGO_TARGET_TMPDIR has no parent")?;
    let path = target.join("bench-vpcd.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report)?)?;
    Ok(path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// `emulator::test_card::TestCard` -> `TestCard` (generic arguments kept).
fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    let short = base.rsplit("::").next().unwrap_or(base);
    format!("{short}{}", &full[base.len()..])
}
