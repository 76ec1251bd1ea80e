//! Personalization profiles of neid cards.
//!
//! A profile is one TOML file that describes one card: its configuration
//! (`[card]`: interfaces, zones, PACE parameters, secret policies, keys) and
//! its holder (`[holder]`: the data written to the chip, with the field names
//! of the shared reference holders). The format is specified in
//! `docs/spec/profile.md`.
//!
//! ```no_run
//! let profile = profiles::Profile::from_file("profiles/reference/adult.toml")?;
//! for issue in profile.check() {
//!     eprintln!("{issue}");
//! }
//! # Ok::<(), profiles::ProfileError>(())
//! ```
//!
//! Loading refuses what is not a profile (syntax, unknown fields, wrong
//! types, bad dates and codes); [`Profile::check`] reports every broken rule
//! at once.

pub mod card;
pub mod check;
pub mod codes;
pub mod date;
pub mod holder;
pub mod id_number;
pub mod issuer_keys;
pub mod mrz;
pub mod profile;
pub mod region;
pub mod validity;

pub use card::{
    AesKeyLength, CardConfig, CertificateConfig, Interfaces, KeyConfig, KeyGeneration, KeySeed, PaceConfig,
    PaceDomain, Pin1Policy, PinPolicy, TerminateAccess, Zones,
};
pub use check::expected_renewal_date;
pub use check::{ProfileIssue, Rule};
pub use codes::{MaritalStatus, MilitaryService, Sex};
pub use date::Date;
pub use holder::{Cns11643Char, Holder, ZhField};
pub use issuer_keys::{IssuerKeys, IssuerKeysError};
pub use profile::{FORMAT_VERSION, Location, Profile, ProfileError};
pub use validity::{AgeBand, CertificatePeriod, CertificatePeriods, ValidityError, certificate_periods};

#[cfg(test)]
mod tests;
