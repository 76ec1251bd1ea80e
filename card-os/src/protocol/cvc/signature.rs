//! ECDSA over the certificate body with plain `r ‖ s` signatures
//! (TR-03110-3 D.2.1.1, BSI TR-03111 §5.2.1 "plain format"). The hash goes
//! with the curve: SHA-256 on the 256-bit curves, SHA-384 on the 384-bit
//! ones (`TaAlgorithm::for_curve`). Signing is deterministic (RFC 6979), so
//! the card side needs no randomness.

use alloc::vec::Vec;

use ecdsa::signature::{Signer, Verifier};

use crate::protocol::StandardizedDomainParameters;

use super::error::CvcError;

/// Run `$body` with `$c` bound to the curve type of `$curve`.
macro_rules! with_curve {
    ($curve:expr, $c:ident => $body:expr) => {
        match $curve {
            StandardizedDomainParameters::NistP256 => {
                type $c = p256::NistP256;
                $body
            }
            StandardizedDomainParameters::BrainpoolP256r1 => {
                type $c = bp256::BrainpoolP256r1;
                $body
            }
            StandardizedDomainParameters::NistP384 => {
                type $c = p384::NistP384;
                $body
            }
            StandardizedDomainParameters::BrainpoolP384r1 => {
                type $c = bp384::BrainpoolP384r1;
                $body
            }
        }
    };
}

/// Sign `message` with `private_key` (big-endian scalar of the field size).
pub fn sign(
    curve: StandardizedDomainParameters,
    private_key: &[u8],
    message: &[u8],
) -> Result<Vec<u8>, CvcError> {
    with_curve!(curve, C => {
        let key = ecdsa::SigningKey::<C>::from_slice(private_key)
            .map_err(|_| CvcError::InvalidPrivateKey)?;
        let signature: ecdsa::Signature<C> =
            key.try_sign(message).map_err(|_| CvcError::InvalidPrivateKey)?;
        Ok(signature.to_bytes().as_slice().to_vec())
    })
}

/// Verify a plain `r ‖ s` signature over `message` under `public_point`
/// (uncompressed SEC1).
pub fn verify(
    curve: StandardizedDomainParameters,
    public_point: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CvcError> {
    if signature.len() != 2 * curve.field_size() {
        return Err(CvcError::SignatureLength {
            len: signature.len(),
        });
    }
    curve
        .check_public_key(public_point)
        .map_err(|_| CvcError::InvalidPublicKey)?;
    with_curve!(curve, C => {
        let key = ecdsa::VerifyingKey::<C>::from_sec1_bytes(public_point)
            .map_err(|_| CvcError::InvalidPublicKey)?;
        // r or s of zero or ≥ n is a bad signature, not a malformed certificate.
        let signature = ecdsa::Signature::<C>::from_slice(signature)
            .map_err(|_| CvcError::BadSignature)?;
        key.verify(message, &signature).map_err(|_| CvcError::BadSignature)
    })
}
