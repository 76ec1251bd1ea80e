//! The hash algorithms a security object may use (ICAO 9303-12 §5.2 allows
//! SHA-224/256/384/512; SHA-1 is still found in older passports and is read
//! for them; neid signs with SHA-256 or SHA-384).

use der::asn1::ObjectIdentifier;
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;

use crate::{PkiError, oid};

/// Hash algorithm of the LDSSecurityObject `hashAlgorithm` (the field
/// hashes) and of the CMS `digestAlgorithm` (the messageDigest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// Every algorithm the verifier reads, weakest first.
    pub const ALL: [HashAlgorithm; 5] = [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha224,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ];

    /// The algorithm's object identifier (RFC 3279 §2.2.1 for SHA-1,
    /// RFC 5754 §2 for SHA-2).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlgorithm::Sha1 => oid::ID_SHA1,
            HashAlgorithm::Sha224 => oid::ID_SHA224,
            HashAlgorithm::Sha256 => oid::ID_SHA256,
            HashAlgorithm::Sha384 => oid::ID_SHA384,
            HashAlgorithm::Sha512 => oid::ID_SHA512,
        }
    }

    /// The algorithm with object identifier `oid`, if the verifier reads it.
    pub fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.oid() == oid)
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha224 => 28,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlgorithm::Sha224 => sha2::Sha224::digest(data).to_vec(),
            HashAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlgorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
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
                "{what}: SHA parameters must be absent or NULL (RFC 5754 §2, RFC 3279 §2.2.1)"
            )));
        }
        Self::from_oid(alg.oid).ok_or_else(|| PkiError::UnsupportedAlgorithm {
            what,
            oid: alg.oid.to_string(),
        })
    }
}
