//! neid card runtime: APDU codec, file system, security status, NVM image and
//! transactions, life cycle, and the dispatch to applets. No I/O, no clocks.
#![no_std]
extern crate alloc;

pub mod apdu;
pub mod applet;
pub mod card;
pub mod fs;
pub mod lifecycle;
pub mod nvm;
pub mod protocol;
pub mod security;
pub mod status;
pub mod tlv;

pub use apdu::{CommandApdu, ResponseApdu};
pub use applet::{Applet, AppletRegistry, CommandContext, Response, Selection};
pub use card::Card;
pub use lifecycle::LifeCycle;
pub use nvm::{CardImage, Transaction};
pub use security::{AccessCondition, Interface, PacePassword, SecurityStatus, TerminalRight};
pub use status::StatusWord;
