//! Opening the card a command talks to: a PC/SC reader or the in-process emulator.

use anyhow::Context;
use terminal::{PcscTransport, Transport};

use crate::args::CardArgs;

/// The transport chosen by `--reader` / `--emulator`.
pub fn open(card: &CardArgs) -> anyhow::Result<Box<dyn Transport>> {
    match &card.emulator {
        Some(profile) => {
            let mut emulator = emulator::emulator_from_profile(profile, card.interface.into())
                .with_context(|| format!("--emulator {}", profile.display()))?;
            emulator.set_faults(card.faults.iter().copied().collect());
            Ok(Box::new(terminal::InProcessTransport::new(emulator)))
        }
        None => Ok(Box::new(PcscTransport::connect(card.reader.as_deref())?)),
    }
}
