//! Card Verifiable certificates of Terminal Authentication (TR-03110-3
//! Appendix C, D.2): codec, ECDSA signing and verification with plain
//! `r ‖ s` signatures, the neid CHAT (docs/spec/chat.md) and the card-side
//! check of one chain step. Normative page: docs/spec/cv-certificates.md.
//!
//! * [`CvCertificate`] — parse (strict), encode, sign, verify a signature.
//! * [`Chat`], [`AccessRight`], [`CertificateRole`] — the authorization template.
//! * [`verify_certificate`] with a [`TrustPoint`] — CVCA → DV → terminal.

mod certificate;
mod chat;
mod date;
mod error;
mod public_key;
mod signature;
mod tags;
mod validation;

pub use certificate::{
    CertificateBody, CertificateReference, CvCertificate, PROFILE_IDENTIFIER_V1,
};
pub use chat::{AccessRight, CHAT_LEN, CertificateRole, Chat, ID_AT};
pub use date::{CvDate, DATE_LEN, DateError};
pub use error::{CvcError, Field};
pub use public_key::{CvPublicKey, TaAlgorithm};
pub use signature::{sign, verify};
pub use validation::{TrustPoint, VerifiedCertificate, verify_certificate};
