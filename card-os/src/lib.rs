//! neid card runtime: APDU codec, file system, security status, NVM image and
//! transactions, life cycle, PACE and secure messaging at card level, the
//! issuer's GlobalPlatform SCP03 channel, and the dispatch to applets. No
//! I/O, no clocks; randomness comes from the host.
#![no_std]
extern crate alloc;

pub mod active_auth;
pub mod apdu;
pub mod applet;
pub mod bac;
pub mod card;
pub mod chip_auth;
pub mod fault;
pub mod fs;
pub mod gp;
pub mod lifecycle;
pub mod nvm;
pub mod pace;
pub mod pin;
pub mod protocol;
pub mod rng;
pub mod secure_messaging;
pub mod security;
pub mod status;
pub mod ta;
pub mod tlv;

pub use apdu::{CommandApdu, ResponseApdu};
pub use applet::{Applet, AppletRegistry, AppletVolatile, CommandContext, Response, Selection};
pub use card::{Card, SessionKeys};
pub use fault::{Fault, FaultSet};
pub use lifecycle::LifeCycle;
pub use nvm::{CardImage, Transaction};
pub use rng::CardRng;
pub use security::{AccessCondition, Interface, PaceOutcome, PacePassword, SecurityStatus, TerminalRight};
pub use status::StatusWord;
