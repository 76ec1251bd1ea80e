//! neid test PKI and zone security objects.
//!
//! * [`init`] / [`load`] / [`load_trust`]: a test Country Signing CA and
//!   Document Signer on disk (docs/spec/test-pki.md).
//! * [`sign_security_object`] / [`verify_security_object`]: the signed
//!   hashes of a zone's fields, in the form of ICAO 9303-10 EF.SOD
//!   (docs/spec/security-object.md).
//!
//! Only ECDSA over NIST P-384 is implemented for keys; field hashes may be
//! SHA-256 or SHA-384.

mod card_security;
mod cert;
pub mod cv;
mod error;
mod files;
mod hash;
mod init;
mod lds;
mod manifest;
mod oid;
mod security_object;
mod trust;

pub use card_security::{ID_SECURITY_OBJECT, management_key, sign_card_security, verify_card_security};
pub use error::{FieldMismatch, PkiError};
pub use hash::HashAlgorithm;
pub use init::{
    CSCA_SUBJECT, CSCA_VALIDITY, DS_SUBJECT, DS_VALIDITY, DocumentSigner, PkiPaths, TestPki, init,
    load,
};
pub use manifest::MANIFEST_FILE;
pub use security_object::{
    SOD_TAG, VerifiedSecurityObject, content_info_of, sign_security_object, verify_security_object,
    verify_security_object_without_chain,
};
pub use trust::{CERTIFICATE_EXTENSIONS, load_trust};

/// Re-exported so callers name the same types: certificates, dates, keys.
pub use der::DateTime;
pub use p384::ecdsa::SigningKey;
pub use x509_cert::Certificate;
