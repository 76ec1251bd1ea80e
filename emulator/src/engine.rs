//! The seam between the emulator and a card runtime.
//!
//! The emulator hosts *some* card: the real one (`card_os::card::Card`), the
//! benchmark floor ([`crate::FloorCard`]) or the small [`crate::TestCard`].
//! It needs only what a reader needs from a card, plus the card image so it
//! can persist it.

/// The interface the card is reached through. Access rules on the New eID
/// differ per interface (contact ISO 7816-3 vs contactless ISO 14443-4), so
/// the card runtime is told at power-on. One type for the whole workspace:
/// the card runtime's own.
pub use card_os::Interface;

/// What the emulator needs from a card runtime.
pub trait CardEngine {
    /// Power on (or warm reset) through `interface`: the card drops all
    /// volatile state (security status, selected files, SM session).
    fn power_on(&mut self, interface: Interface);

    /// Process one command APDU; returns response data followed by SW1 SW2.
    /// Must never panic, whatever the bytes.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;

    /// True when the last `process` committed a change to NVM, so the image
    /// must be persisted. Asked exactly once after each `process`.
    fn nvm_changed(&mut self) -> bool;

    /// The serialized card image (payload only; the emulator adds the
    /// state-file header).
    fn save_image(&self) -> Vec<u8>;

    /// Inject faults (card-os `fault.rs`). Returns whether this engine
    /// supports them; engines without card-os ignore them.
    fn set_faults(&mut self, _faults: card_os::FaultSet) -> bool {
        false
    }

    /// The keys of the secure messaging session in place, for a test-mode
    /// trace (docs/spec/trace.md). Engines without SM have none.
    fn session_keys(&self) -> Option<card_os::SessionKeys> {
        None
    }
}
