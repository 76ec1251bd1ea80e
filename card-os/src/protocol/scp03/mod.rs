//! GlobalPlatform Secure Channel Protocol '03' (GP Card Specification 2.3,
//! Amendment D), written once for the card (card-os `gp`) and the issuer
//! terminal. Normative bytes: docs/spec/scp03.md.
//!
//! * [`keys`] — static keys, KDD, per-card diversification;
//! * [`kdf`] — the SP 800-108 CMAC KDF, session keys, cryptograms;
//! * [`messages`] — INITIALIZE UPDATE / EXTERNAL AUTHENTICATE bytes;
//! * [`host`] — [`HostSession`]: open, wrap commands, check responses;
//! * [`card`] — [`CardPending`] and [`CardSession`]: the card's side;
//! * `channel` — C-MAC, C-DECRYPTION and R-MAC, shared by both sides.
//!
//! AES-128 keys and S8 mode (8-byte challenges, cryptograms and MACs) only.

mod aes;
pub mod card;
mod channel;
pub mod error;
pub mod host;
pub mod kdf;
pub mod keys;
pub mod level;
pub mod messages;

#[cfg(test)]
mod tests;

pub use card::{check_initialize_update, CardPending, CardSession};
pub use channel::{carries_response_mac, MAC_LEN};
pub use error::Scp03Error;
pub use host::{check_external_authenticate, HostSession};
pub use kdf::{counter_mode, derive, DerivationConstant, SessionKeys, CHALLENGE_LEN, CRYPTOGRAM_LEN};
pub use keys::{diversify, kdd_from_card_number, Kdd, StaticKeys, KDD_LEN, KEY_LEN};
pub use level::SecurityLevel;
pub use messages::{
    initialize_update_command, InitializeUpdateResponse, CLA_GP, CLA_GP_SECURED, INS_EXTERNAL_AUTHENTICATE,
    INS_INITIALIZE_UPDATE, KVN_ANY,
};
