//! neid-emulator: hosts a card runtime behind the [`CardEngine`] trait, with
//! crash-safe persistence of its image ([`StateDir`]) and the vpcd transport
//! ([`run_vpcd`]) that puts it in a PC/SC reader.

pub mod atr;
pub mod emulator;
pub mod engine;
pub mod floor;
pub mod frame;
pub mod state;
pub mod sw;
pub mod test_card;
pub mod vpcd;

pub use emulator::Emulator;
pub use engine::{CardEngine, Interface};
pub use floor::FloorCard;
pub use state::{StateDir, StateError};
pub use test_card::TestCard;
pub use vpcd::{DEFAULT_VPCD_ADDR, run_vpcd};
