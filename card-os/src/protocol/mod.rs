//! The protocol cryptography both ends share: key derivation, PACE and AES
//! secure messaging. Written once, used by the chip (card-os command
//! handlers) and the terminal alike; no card state, no I/O. Randomness comes
//! in as `&mut impl CryptoRng` so every run can be replayed in tests.
//!
//! * [`kdf`] — KDF(K, c) and the PACE password key K_π (ICAO 9303-11 §9.7).
//! * [`pace`] — PACE-ECDH-GM with AES (ICAO 9303-11 §4.4, TR-03110-2 §3.2),
//!   MSE:Set AT / GENERAL AUTHENTICATE data, PACEInfo.
//! * [`sm`] — secure messaging data objects and the AES session (ICAO 9303-11
//!   §9.8, ISO 7816-4 §10).
//! * [`bac`] — Basic Access Control and 3DES secure messaging (ICAO 9303-11
//!   §4.3, §9.7.2, Appendix D).
//! * [`scp03`] — GlobalPlatform SCP03, the issuer's secure channel (GP CS
//!   2.3 Amendment D): host and card side.
//! * [`symmetric`], [`tlv`], [`oid`] — the building blocks of those three.

pub mod bac;
pub mod cvc;
pub mod kdf;
pub mod oid;
pub mod pace;
pub mod scp03;
pub mod sm;
pub mod symmetric;
pub mod tlv;

pub use bac::{BacChip, BacError, BacKeys, BacResult, BacTerminal, TdesSmSession};
pub use kdf::{PacePassword, PaceSecret};
pub use pace::{
    PaceChip, PaceCipher, PaceError, PaceProtocol, PaceResult, PaceTerminal,
    StandardizedDomainParameters,
};
pub use sm::{SmError, SmSession};

pub mod aa;
pub mod der;
pub mod ca;
