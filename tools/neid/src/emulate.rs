//! `neid emulate`: the card behind vpcd, so any PC/SC application sees it in
//! the reader "Virtual PCD 00 00" (port 35963) until SIGINT or SIGTERM.

use std::sync::atomic::Ordering;

use anyhow::Context;

use crate::args::EmulateArgs;
use crate::signals;

pub fn run(args: &EmulateArgs) -> anyhow::Result<()> {
    signals::install().context("installing the SIGINT/SIGTERM handler")?;
    let interface = args.interface.into();
    let mut emulator = match &args.state {
        Some(dir) => emulator::emulator_with_state(&args.profile, dir, interface)
            .with_context(|| format!("--state {}", dir.display()))?,
        None => emulator::emulator_from_profile(&args.profile, interface)
            .with_context(|| format!("--profile {}", args.profile.display()))?,
    };
    emulator.set_faults(args.faults.iter().copied().collect());
    if let Some(path) = &args.trace {
        let writer = emulator::TraceWriter::create(path, args.export_session_keys)
            .with_context(|| format!("--trace {}", path.display()))?;
        if args.export_session_keys {
            eprintln!("neid: TEST MODE: secure messaging session keys go into {}", path.display());
        }
        emulator.set_trace(writer);
    }
    for fault in &args.faults {
        eprintln!("neid: fault injected: {} ({})", fault.name(), fault.description());
    }
    tracing::info!(vpcd = %args.vpcd, interface = ?interface, "serving the card to vpcd");
    eprintln!(
        "neid: emulating {} ({:?}) via vpcd at {}; stop with Ctrl-C",
        args.profile.display(),
        interface,
        args.vpcd
    );
    emulator::run_vpcd(&mut emulator, args.vpcd, &signals::STOP);
    if signals::STOP.load(Ordering::SeqCst) {
        eprintln!("neid: stopped");
    }
    Ok(())
}
