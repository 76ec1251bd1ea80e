//! Opening the card a command talks to: a PC/SC reader or the in-process emulator.

use anyhow::Context;
use terminal::{PcscTransport, Transport};

use crate::args::CardArgs;

/// The transport chosen by `--reader` / `--emulator`.
pub fn open(card: &CardArgs) -> anyhow::Result<Box<dyn Transport>> {
    match &card.emulator {
        Some(profile) => {
            let mut emulator = match &card.state {
                // Consecutive runs share one card (e.g. `neid update`, then `neid read`).
                Some(dir) => emulator::emulator_with_state(profile, dir, card.interface.into())
                    .with_context(|| format!("--emulator {} --state {}", profile.display(), dir.display()))?,
                None => emulator::emulator_from_profile(profile, card.interface.into())
                    .with_context(|| format!("--emulator {}", profile.display()))?,
            };
            emulator.set_faults(card.faults.iter().copied().collect());
            Ok(Box::new(terminal::InProcessTransport::new(emulator)))
        }
        None => Ok(Box::new(PcscTransport::connect(card.reader.as_deref())?)),
    }
}
