//! Errors of the CV certificate test PKI (docs/spec/cv-certificates.md).

use std::path::PathBuf;

use card_os::protocol::cvc::{AccessRight, CvcError, DateError};

/// Everything that can go wrong creating or loading CVCA, DV and terminal
/// directories.
#[derive(Debug, thiserror::Error)]
pub enum CvPkiError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The generator never overwrites a certificate or key.
    #[error("{path} already exists: refusing to overwrite it")]
    AlreadyExists { path: PathBuf },

    /// A `.cvcert` file is not a valid CV certificate.
    #[error("{path}: not a valid CV certificate: {source}")]
    Certificate {
        path: PathBuf,
        #[source]
        source: CvcError,
    },

    /// A certificate that does not fit its place (e.g. `cvca.cvcert` is not a CVCA).
    #[error("{path}: {reason}")]
    WrongCertificate { path: PathBuf, reason: String },

    /// A private key file is not a PKCS#8 key of the chain's curve, or does
    /// not belong to the certificate next to it.
    #[error("{path}: {reason}")]
    Key { path: PathBuf, reason: String },

    /// The chain in a directory does not verify (TR-03110-3 2.5).
    #[error("{path}: chain does not verify: {source}")]
    Chain {
        path: PathBuf,
        #[source]
        source: CvcError,
    },

    /// Signing or building a certificate failed (CHR format, key, …).
    #[error("{what}: {source}")]
    Build {
        what: &'static str,
        #[source]
        source: CvcError,
    },

    /// A right that the role may not hold: an authentication terminal only reads.
    #[error("an authentication terminal may hold only read rights and CAN allowed, not {right:?}")]
    RightNotForRole { right: AccessRight },

    /// A validity period outside 2000..2099 or the system clock before 2000.
    #[error("validity: {source}")]
    Date {
        #[source]
        source: DateError,
    },

    /// The random generator failed to give a private key.
    #[error("could not draw a private key from the random generator")]
    Random,
}

impl CvPkiError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            CvPkiError::AlreadyExists {
                path: path.to_path_buf(),
            }
        } else {
            CvPkiError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}
