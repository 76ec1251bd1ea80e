//! neid-pkcs11: a PKCS#11 v2.40 module (`libneid_pkcs11.so`) for the
//! certificate zone of the New eID card (docs/spec/certificate-zone.md,
//! docs/spec/pkcs11.md).
//!
//! Layers, bottom up:
//! * [`token`]: the [`Token`](token::Token) trait: what the module needs of
//!   a card; [`card_token`] implements it on neid-terminal's
//!   `CertificateZone`, tests on a fake.
//! * [`backend`]: where slots come from: PC/SC readers, or one in-process
//!   emulator (`NEID_PKCS11_EMULATOR=<profile.toml>`).
//! * [`module`] with [`session`], [`find`], [`crypto`], [`derive`]: the
//!   PKCS#11 semantics on Rust types ([`catalog`] turns the zone into
//!   objects, [`mechanism`] maps mechanisms onto card algorithms).
//! * [`ffi`]: the `C_*` entry points and `C_GetFunctionList`.

pub mod backend;
pub mod card_token;
pub mod catalog;
pub mod config;
pub mod crypto;
pub mod der_fields;
pub mod derive;
pub mod ffi;
pub mod find;
pub mod log;
pub mod mechanism;
pub mod module;
pub mod object;
pub mod session;
pub mod token;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
