//! neid-testbed: real components for tests and benchmarks, really started and
//! stopped only by the PID of the process this crate spawned.
//!
//! - [`Pcscd`]: reuse the machine's running pcscd, or start one and stop it
//!   again on drop (there is one pcscd per machine: its socket path is fixed).
//! - [`Vicc`]: vsmartcard's Python card emulator, as a peer card on vpcd.
//! - [`ChildGuard`]: any spawned process, SIGTERM then SIGKILL on drop.
//! - [`wait_for_card`] / [`wait_for_no_card`]: PC/SC reader waits.
//! - [`run_with_timeout`]: a command to completion, stopped when it hangs.
//!
//! See `../shared/design/pcsc.md` for the facts these rely on.

pub mod child;
pub mod error;
pub mod install;
pub mod pcscd;
pub mod reader;
pub mod run;
pub mod vicc;

pub use child::ChildGuard;
pub use error::TestbedError;
pub use pcscd::{Pcscd, detect_running_pcscd};
pub use reader::{list_readers, wait_for_card, wait_for_no_card};
pub use run::{Finished, run_with_timeout};
pub use vicc::Vicc;

/// vpcd's first virtual reader and its TCP port (`/etc/reader.conf.d/vpcd`).
pub const VPCD_READER_0: &str = "Virtual PCD 00 00";
pub const VPCD_PORT_0: u16 = 35963;
/// vpcd's second virtual reader and its TCP port.
pub const VPCD_READER_1: &str = "Virtual PCD 00 01";
pub const VPCD_PORT_1: u16 = 35964;
