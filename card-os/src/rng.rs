//! The card's random source.

use alloc::boxed::Box;
use rand_core::CryptoRng;

/// The card's random source: the host seeds it (the emulator with the OS
/// generator, tests with a fixed seed). card-os has no entropy of its own;
/// PACE, BAC, AA, SCP03 challenges and on-card key generation draw from it.
pub type CardRng = Box<dyn CryptoRng + Send>;
