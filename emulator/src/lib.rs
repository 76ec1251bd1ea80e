//! neid-emulator: hosts a card runtime behind the [`CardEngine`] trait, with
//! crash-safe persistence of its image ([`StateDir`]) and the vpcd transport
//! ([`run_vpcd`]) that puts it in a PC/SC reader. The real card is
//! [`NeidCard`], personalized from a profile ([`personalize()`]).

pub mod atr;
pub mod emulator;
pub mod encrypted_zone;
pub mod engine;
pub mod floor;
pub mod frame;
pub mod icao_zone;
pub mod neid_card;
pub mod personalize;
pub mod profile_emulator;
pub mod public_zone;
pub mod randomness;
pub mod state;
pub mod sw;
pub mod test_card;
pub mod trace;
pub mod vpcd;

pub use emulator::Emulator;
pub use engine::{CardEngine, Interface};
pub use floor::FloorCard;
pub use neid_card::{ImageError, NeidCard};
pub use personalize::{PersonalizeError, perso_input, personalize, personalize_with};
pub use profile_emulator::{
    ProfileEmulatorError, emulator_for, emulator_from_profile, emulator_with_state,
};
pub use randomness::CardRandomness;
pub use state::{StateDir, StateError};
pub use test_card::TestCard;
pub use trace::{TraceError, TraceRecord, TraceWriter, read_trace};
pub use vpcd::{DEFAULT_VPCD_ADDR, run_vpcd};
