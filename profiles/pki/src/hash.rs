//! The hash algorithms a security object may use (ICAO 9303-12 §5.2 allows
//! SHA-224/256/384/512; neid signs with SHA-256 or SHA-384).

use der::asn1::ObjectIdentifier;
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;

use crate::{PkiError, oid};

/// Hash algorithm of the LDSSecurityObject `hashAlgorithm` (the field
/// hashes) and of the CMS `digestAlgorithm` (the messageDigest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
}

impl HashAlgorithm {
    /// The algorithm's object identifier (RFC 5754).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlgorithm::Sha256 => oid::ID_SHA256,
            HashAlgorithm::Sha384 => oid::ID_SHA384,
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
        }
    }

    /// AlgorithmIdentifier with parameters absent: RFC 5754 §2 says
    /// implementations MUST generate the SHA-2 identifiers without parameters.
    pub(crate) fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    /// Read an AlgorithmIdentifier; RFC 5754 §2 requires verifiers to accept
    /// parameters absent or NULL.
    pub(crate) fn from_algorithm_identifier(
        alg: &AlgorithmIdentifierOwned,
        what: &'static str,
    ) -> Result<Self, PkiError> {
        if let Some(params) = &alg.parameters
            && !params.is_null()
        {
            return Err(PkiError::malformed(format!(
                "{what}: SHA-2 parameters must be absent or NULL (RFC 5754 §2)"
            )));
        }
        match alg.oid {
            o if o == oid::ID_SHA256 => Ok(HashAlgorithm::Sha256),
            o if o == oid::ID_SHA384 => Ok(HashAlgorithm::Sha384),
            other => Err(PkiError::UnsupportedAlgorithm {
                what,
                oid: other.to_string(),
            }),
        }
    }
}
