//! The secrets with a retry counter: PIN1, the user code (PUK) and PIN2
//! (chip.md "Passwords and counters", TR-03110-2 §3.5, ISO 7816-4 §11.5.6-10).
//! Normative bytes and status words: docs/spec/pins.md.
//!
//! * [`object`]: which PINs exist, their policies and the NVM record that
//!   holds a PIN's state and retry counter.
//! * [`store`]: reading and writing those records through the command's
//!   transaction, with the anti-tearing rule (a try is counted and committed
//!   before the comparison) and the constant-time comparison.
//! * [`commands`]: VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER,
//!   handled by card-os whatever application is selected.
//!
//! PIN1 and the user code are also PACE passwords: `pace::passwords` asks
//! this module whether they may be used and counts the PACE runs with them.

pub mod commands;
pub mod object;
pub mod store;

pub use object::{PinId, PinPolicy, PinRecord, PinState};
