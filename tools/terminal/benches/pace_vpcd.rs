//! PACE through the real PC/SC stack: terminal → pcscd → vpcd (TCP) →
//! `run_vpcd` → the emulated card, on reader `Virtual PCD 00 00` (port
//! 35963). For each standardized domain parameter id 12, 13, 15, 16: the
//! wall time of one PACE-CAN handshake, and of PACE-CAN + reading the whole
//! public zone (nine fields and EF.SOD under secure messaging).
//!
//! `cargo bench -p neid-terminal --bench pace_vpcd`. Without cargo bench's
//! `--bench` argument (e.g. `cargo test --benches`) it only checks that
//! everything works, with a couple of runs per curve. Needs pcscd and
//! vsmartcard's vpcd (docs: ../shared/design/pcsc.md); a pcscd already
//! running is reused, one started here is stopped by its PID.

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use card_os::protocol::StandardizedDomainParameters;
use emulator::{Emulator, Interface, run_vpcd};
use profiles::Profile;
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::pace::{PacePasswordInput, establish_pace};
use terminal::public::{PUBLIC_AID, PublicEf};
use terminal::{PcscTransport, Transport, read_binary_sfi, select_aid};
use testbed::{Pcscd, VPCD_PORT_0, VPCD_READER_0, wait_for_card, wait_for_no_card};

const ADULT_CAN: &str = "012345";
const SFI_SOD: u8 = 0x10;
const READER: &str = VPCD_READER_0;
const VPCD_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], VPCD_PORT_0);
const INSERT_TIMEOUT: Duration = Duration::from_secs(10);
const REMOVE_TIMEOUT: Duration = Duration::from_secs(10);
/// Timed runs per curve (and per case); QUICK when not run by `cargo bench`.
const RUNS: usize = 30;
const QUICK_RUNS: usize = 2;

fn main() -> Result<(), Box<dyn Error>> {
    let quick = !std::env::args().any(|arg| arg == "--bench");
    let runs = if quick { QUICK_RUNS } else { RUNS };
    let pcscd = Pcscd::start_or_reuse()?;
    eprintln!("pcscd pid {} ({})", pcscd.pid(), if pcscd.started_here() { "started for this run" } else { "reused" });
    wait_for_no_card(READER, REMOVE_TIMEOUT)
        .map_err(|e| format!("{READER} must be empty (another card on port {}?): {e}", VPCD_PORT_0))?;

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/reference/adult.toml");
    let adult = Profile::from_file(&path)?;
    let mut rows = Vec::new();
    for domain in StandardizedDomainParameters::ALL {
        let mut profile = adult.clone();
        profile.card.pace.domain_parameter_id = domain.id();
        let served = ServedCard::start(profile);
        let measured =
            wait_for_card(READER, INSERT_TIMEOUT).map_err(Box::<dyn Error>::from).and_then(|_| measure(domain, runs));
        served.stop();
        wait_for_no_card(READER, REMOVE_TIMEOUT)?;
        rows.push((domain, measured?));
    }

    println!();
    println!("PACE-CAN through pcscd + vpcd on {READER}, {runs} runs each (median / mean ms)");
    println!(
        "{:<22} {:>12} {:>10} {:>12} {:>22} {:>10}",
        "curve", "handshake", "mean", "handshake/s", "PACE + public zone", "mean"
    );
    for (domain, (pace, full)) in &rows {
        println!(
            "{:<22} {:>12.2} {:>10.2} {:>12.1} {:>22.2} {:>10.2}",
            format!("{} {domain:?}", domain.id()),
            ms(pace.median),
            ms(pace.mean),
            1.0 / pace.mean.as_secs_f64().max(f64::MIN_POSITIVE),
            ms(full.median),
            ms(full.mean),
        );
    }
    if quick {
        println!("check run (not `cargo bench`): {QUICK_RUNS} runs per curve only");
    }
    Ok(())
}

/// Connect through PC/SC; time `runs` handshakes, then `runs` handshakes + public zone.
fn measure(domain: StandardizedDomainParameters, runs: usize) -> Result<(Stats, Stats), Box<dyn Error>> {
    let mut card = PcscTransport::connect(Some(READER))?;
    let can = PacePasswordInput::can(ADULT_CAN)?;
    let mut rng = StdRng::seed_from_u64(u64::from(domain.id()));
    let channel = establish_pace(&mut card, &can, &mut rng)?;
    if channel.info().domain_parameters != domain {
        return Err(format!("card chose {:?}, not {domain:?}", channel.info().domain_parameters).into());
    }
    drop(channel);
    let mut handshakes = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        establish_pace(&mut card, &can, &mut rng)?;
        handshakes.push(start.elapsed());
    }
    let mut full = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        pace_and_read_public(&mut card, &can, &mut rng)?;
        full.push(start.elapsed());
    }
    Ok((Stats::of(&handshakes), Stats::of(&full)))
}

fn pace_and_read_public(
    card: &mut impl Transport,
    can: &PacePasswordInput,
    rng: &mut StdRng,
) -> Result<usize, Box<dyn Error>> {
    let mut channel = establish_pace(card, can, rng)?;
    select_aid(&mut channel, &PUBLIC_AID)?;
    let mut total = 0;
    for ef in PublicEf::ALL {
        total += read_binary_sfi(&mut channel, ef.sfi())?.len();
    }
    Ok(total + read_binary_sfi(&mut channel, SFI_SOD)?.len())
}

/// The emulated card served to vpcd by `run_vpcd` on its own thread.
struct ServedCard {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl ServedCard {
    fn start(profile: Profile) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut emulator: Emulator<_> = match emulator::emulator_for(&profile, Interface::Contact) {
                Ok(emulator) => emulator,
                Err(e) => return eprintln!("card not personalized: {e}"),
            };
            run_vpcd(&mut emulator, VPCD_ADDR.into(), &flag);
        });
        Self { stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        if self.thread.join().is_err() {
            eprintln!("the card thread panicked");
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    median: Duration,
    mean: Duration,
}

impl Stats {
    fn of(samples: &[Duration]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let count = u32::try_from(sorted.len()).unwrap_or(u32::MAX).max(1);
        Self {
            median: sorted.get(sorted.len() / 2).copied().unwrap_or_default(),
            mean: sorted.iter().sum::<Duration>() / count,
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
