//! Active Authentication (ICAO 9303-11 §6.1): the chip proves it holds the
//! private key of DG15 by signing an 8-byte challenge the terminal sends in
//! INTERNAL AUTHENTICATE (`00 88 00 00 08 <challenge> 00`).
//!
//! Two signature forms:
//! * RSA with ISO/IEC 9796-2 digital signature scheme 1, partial message
//!   recovery (ICAO 9303-11 §6.1.2, ISO/IEC 9796-2:2010 §8): see [`iso9796`];
//! * ECDSA over NIST P-384 with SHA-384, signature as plain `r ‖ s`
//!   (BSI TR-03111 §5.2.1, ecdsa-plain-SHA384 0.4.0.127.0.7.1.1.4.1.4, named
//!   in DG14's ActiveAuthenticationInfo).
//!
//! [`info`] encodes DG15 (the public key) and ActiveAuthenticationInfo.

pub mod info;
pub mod iso9796;

use alloc::vec::Vec;
use core::fmt;
use p384::ecdsa::signature::{Signer, Verifier};
use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
use rand_core::CryptoRng;

pub use info::{ActiveAuthenticationInfo, decode_dg15, encode_dg15};
pub use iso9796::Iso9796Hash;

/// The challenge of INTERNAL AUTHENTICATE is 8 bytes (ICAO 9303-11 §6.1.2 step 1).
pub const AA_CHALLENGE_LEN: usize = 8;
/// A P-384 plain signature is r ‖ s, 48 bytes each (BSI TR-03111 §5.2.1).
pub const ECDSA_P384_SIGNATURE_LEN: usize = 96;

/// Why an Active Authentication step failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AaError {
    /// The challenge is not 8 bytes.
    ChallengeLength { len: usize },
    /// The signature does not verify for this challenge and key.
    SignatureInvalid,
    /// An RSA modulus whose bit length is not a multiple of 8, or below 1024 bits.
    UnsupportedModulus,
    /// The recovered message is not an ISO/IEC 9796-2 scheme 1 representative.
    Iso9796 { rule: &'static str },
    /// The RSA private operation failed (key inconsistent).
    RsaOperation,
    /// DG15 or ActiveAuthenticationInfo is malformed or names an unsupported key.
    Encoding {
        field: &'static str,
        rule: &'static str,
    },
}

impl fmt::Display for AaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AaError::ChallengeLength { len } => write!(
                f,
                "Active Authentication challenge is {len} bytes; ICAO 9303-11 §6.1 requires 8"
            ),
            AaError::SignatureInvalid => f.write_str(
                "Active Authentication signature does not verify: the chip may be cloned or the exchange altered",
            ),
            AaError::UnsupportedModulus => f.write_str(
                "Active Authentication RSA modulus must be at least 1024 bits and a whole number of bytes",
            ),
            AaError::Iso9796 { rule } => write!(f, "ISO/IEC 9796-2 signature: {rule}"),
            AaError::RsaOperation => f.write_str("RSA private-key operation failed"),
            AaError::Encoding { field, rule } => write!(f, "Active Authentication {field}: {rule}"),
        }
    }
}

/// The chip's Active Authentication private key.
#[derive(Clone, Debug)]
pub enum AaPrivateKey {
    Rsa {
        key: rsa::PrivateKey,
        hash: Iso9796Hash,
    },
    EcdsaP384(SigningKey),
}

/// The Active Authentication public key of DG15.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AaPublicKey {
    Rsa(rsa::PublicKey),
    EcdsaP384(VerifyingKey),
}

impl AaPrivateKey {
    pub fn public_key(&self) -> AaPublicKey {
        match self {
            AaPrivateKey::Rsa { key, .. } => AaPublicKey::Rsa(key.to_public_key()),
            AaPrivateKey::EcdsaP384(key) => AaPublicKey::EcdsaP384(*key.verifying_key()),
        }
    }
}

fn check_challenge(challenge: &[u8]) -> Result<(), AaError> {
    if challenge.len() == AA_CHALLENGE_LEN {
        Ok(())
    } else {
        Err(AaError::ChallengeLength {
            len: challenge.len(),
        })
    }
}

/// Chip side: the response to INTERNAL AUTHENTICATE (ICAO 9303-11 §6.1.2 step 2).
/// RSA draws the recoverable part M1 from `rng`; ECDSA is deterministic (RFC 6979).
pub fn aa_sign(
    key: &AaPrivateKey,
    challenge: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, AaError> {
    check_challenge(challenge)?;
    match key {
        AaPrivateKey::Rsa { key, hash } => iso9796::sign(key, *hash, challenge, rng),
        AaPrivateKey::EcdsaP384(key) => {
            let signature: Signature = key.sign(challenge);
            Ok(signature.to_bytes().to_vec())
        }
    }
}

/// Terminal side: check the chip's signature over the challenge it sent
/// (ICAO 9303-11 §6.1.2 step 3).
pub fn aa_verify(key: &AaPublicKey, challenge: &[u8], signature: &[u8]) -> Result<(), AaError> {
    check_challenge(challenge)?;
    match key {
        AaPublicKey::Rsa(key) => iso9796::verify(key, challenge, signature),
        AaPublicKey::EcdsaP384(key) => {
            if signature.len() != ECDSA_P384_SIGNATURE_LEN {
                return Err(AaError::SignatureInvalid);
            }
            let signature =
                Signature::from_slice(signature).map_err(|_| AaError::SignatureInvalid)?;
            key.verify(challenge, &signature)
                .map_err(|_| AaError::SignatureInvalid)
        }
    }
}
