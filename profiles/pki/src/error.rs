//! Errors of the test PKI and of security-object verification.
//!
//! Each variant names what was wrong and, where it helps, the rule that was
//! broken, so that `neid read public --trust DIR` can tell a person *why* a
//! zone's data is not proven genuine.

use std::path::PathBuf;

/// Everything that can go wrong creating or loading the test PKI, signing a
/// security object, or verifying one.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// `init` refuses to overwrite a test PKI (or any file it would write).
    #[error("{path} already exists: refusing to overwrite an existing test PKI")]
    AlreadyExists { path: PathBuf },

    /// A certificate or key file is not what it should be.
    #[error("{path}: {reason}")]
    MalformedFile { path: PathBuf, reason: String },

    /// A trust directory holds no CA certificate.
    #[error(
        "{dir}: no CA certificate (*.pem, *.der, *.crt, *.cer with basicConstraints cA TRUE) to trust"
    )]
    NoTrustAnchor { dir: PathBuf },

    /// The manifest `pki.toml` is missing a field, has an unknown format
    /// version, or cannot be parsed.
    #[error("manifest {path}: {reason}")]
    Manifest { path: PathBuf, reason: String },

    /// Building a certificate or encoding a structure failed (not caused by
    /// input data: a bug or an exhausted resource).
    #[error("could not build {what}: {reason}")]
    Build { what: &'static str, reason: String },

    /// The fields given to `sign_security_object` break a rule of the
    /// LDSSecurityObject (ICAO 9303-10 §4.6.2.2).
    #[error("field list: {reason}")]
    InvalidFields { reason: String },

    /// The security object does not have the structure ICAO 9303-10 §4.6.2 /
    /// RFC 5652 require.
    #[error("malformed security object: {what}")]
    Malformed { what: String },

    /// An algorithm the verifier does not implement.
    #[error("unsupported {what}: {oid}")]
    UnsupportedAlgorithm { what: &'static str, oid: String },

    /// No certificate in the SignedData matches the SignerInfo's `sid`.
    #[error("unknown signer: no certificate in the security object matches the SignerInfo sid")]
    UnknownSigner,

    /// The document signer certificate does not chain to a trust anchor.
    #[error("certificate chain broken: {reason}")]
    ChainBroken { reason: String },

    /// A certificate is not valid at the date the caller asked about.
    #[error("certificate '{subject}' is not valid at {at} (valid {not_before} to {not_after})")]
    NotValidAt {
        subject: String,
        at: String,
        not_before: String,
        not_after: String,
    },

    /// The SignerInfo signature over the signed attributes does not verify
    /// with the document signer's public key (RFC 5652 §5.4).
    #[error("bad signature: the SignerInfo signature does not verify with the document signer key")]
    BadSignature,

    /// The messageDigest signed attribute differs from the hash of the
    /// encapsulated content (RFC 5652 §11.2).
    #[error("digest mismatch: messageDigest attribute is not the hash of the LDSSecurityObject")]
    DigestMismatch,

    /// A field does not match the security object.
    #[error(transparent)]
    Field(#[from] FieldMismatch),
}

/// Why a field's content is not proven by a verified security object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldMismatch {
    /// The security object lists no hash for this field number.
    #[error("field {field} is not covered by the security object")]
    NotCovered { field: u8 },
    /// The hash of the field content differs from the signed hash.
    #[error("field {field}: content hash differs from the hash in the security object")]
    HashDiffers { field: u8 },
}

/// A certificate or structure could not be built or encoded: `what` names
/// it, `e` says why (see [`PkiError::Build`]).
pub(crate) fn build_error(what: &'static str, e: impl std::fmt::Display) -> PkiError {
    PkiError::Build {
        what,
        reason: e.to_string(),
    }
}

impl PkiError {
    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        PkiError::Malformed { what: what.into() }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PkiError::Io {
            path: path.into(),
            source,
        }
    }
}
