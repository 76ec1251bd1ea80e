//! Why personalization fails: one error type for every zone's builder.

use crate::randomness::EntropyError;

/// Why a card could not be personalized from a profile.
#[derive(Debug, thiserror::Error)]
pub enum PersonalizeError {
    #[error("profile \"{name}\": {issues} (run `neid profile check` for details)")]
    Invalid { name: String, issues: String },
    #[error(
        "profile \"{name}\": holder.cns11643: index {index} does not fit the one-byte character index of the card encoding"
    )]
    CnsIndex { name: String, index: usize },
    #[error("profile \"{name}\": {field}: {reason}")]
    Field {
        name: String,
        field: &'static str,
        reason: String,
    },
    #[error("profile \"{name}\": card.keys.pki {dir}: {reason}")]
    Pki {
        name: String,
        dir: String,
        reason: String,
    },
    #[error("profile \"{name}\": signing the public zone's security object failed: {reason}")]
    Sign { name: String, reason: String },
    #[error(
        "profile \"{name}\": card.keys.seed is absent, so the card's random source cannot be derived from it"
    )]
    NoSeed { name: String },
    #[error("profile \"{name}\": personalization refused the input: {reason}")]
    Refused { name: String, reason: String },
    #[error("profile \"{name}\": issuing the certificate zone's keys and certificates failed: {reason}")]
    Issuance { name: String, reason: String },
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}
