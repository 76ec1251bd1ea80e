//! neid test PKI and zone security objects.
//!
//! * [`init`] / [`load`] / [`load_trust`]: a test Country Signing CA and
//!   Document Signer on disk (docs/spec/test-pki.md).
//! * [`sign_security_object`] / [`verify_security_object`]: the signed
//!   hashes of a zone's fields, in the form of ICAO 9303-10 EF.SOD
//!   (docs/spec/security-object.md).
//! * [`citizen`]: the citizen CA of the certificate zone (RSA-2048 root and
//!   citizen CA, user certificates; docs/spec/test-pki.md §Citizen CA).
//! * [`issuance`]: the issuer's flow over APDUs — SCP03, on-card key
//!   generation, certificates written (docs/spec/certificate-zone.md §Issuance).
//!
//! neid signs with ECDSA over NIST P-384 only. Verification (Passive
//! Authentication of any ICAO 9303 eMRTD) reads ECDSA over P-256, P-384,
//! brainpoolP256r1 and brainpoolP384r1, RSA PKCS#1 v1.5 and RSASSA-PSS, and
//! SHA-1/224/256/384/512 (docs/spec/security-object.md); [`load_trust`]
//! also reads CSCA master lists (ICAO 9303-12 §9).

mod card_security;
mod cert;
mod cert_profile;
pub mod citizen;
pub mod cv;
mod error;
mod files;
mod hash;
mod init;
pub mod issuance;
mod lds;
mod manifest;
mod master_list;
mod oid;
mod security_object;
mod signature;
#[cfg(test)]
mod test_keys;
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
pub use master_list::{MasterList, MasterListSignature, is_master_list, read_master_list};
pub use trust::{
    CERTIFICATE_EXTENSIONS, MASTER_LIST_EXTENSION, TrustAnchors, load_trust, load_trust_with_warnings,
};

/// Re-exported so callers name the same types: certificates, dates, keys.
pub use der::DateTime;
/// DER encoding and decoding of certificates (`Certificate::from_der`, `to_der`).
pub use der::{Decode, Encode};
pub use p384::ecdsa::SigningKey;
pub use x509_cert::Certificate;
