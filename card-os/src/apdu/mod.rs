//! APDU codec (ISO 7816-4 §5): command and response APDUs, the class byte and
//! command chaining. The terminal uses `command` and `response` too.

pub mod chaining;
pub mod class;
pub mod command;
pub mod response;

pub use chaining::{ChainState, ChainStep};
pub use command::{CommandApdu, EncodeError};
pub use response::{ResponseApdu, ResponseTooShort};
