//! Why a PACE step failed.

use core::fmt;

use crate::protocol::symmetric::SymmetricError;
use crate::protocol::tlv::TlvError;

/// GENERAL AUTHENTICATE status words (TR-03110-3 B.11.1 / ISO 7816-4 §5.6).
const SW_AUTHENTICATION_FAILED: u16 = 0x6300;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_FUNCTION_NOT_SUPPORTED: u16 = 0x6A81;
const SW_NO_PRECISE_DIAGNOSIS: u16 = 0x6F00;

/// A PACE step failed; the run must be abandoned (start again at MSE:Set AT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaceError {
    /// parameterId not one of 12, 13, 15, 16.
    UnsupportedDomainParameters { id: u8 },
    /// The protocol OID is not id-PACE-ECDH-{GM,IM,CAM}-AES-CBC-CMAC-128/192/256,
    /// or a step of another mapping was called for the run's protocol (e.g.
    /// the Generic Mapping step on an Integrated Mapping run).
    UnsupportedProtocol,
    /// A private key outside 1..n-1 or of the wrong length.
    InvalidPrivateKey,
    /// A received public key is not an uncompressed point on the curve, or is
    /// the identity (ICAO 9303-11 §4.4.3.3.1 / TR-03110-3 A.3.3).
    InvalidPublicKey,
    /// A computed point is the identity (degenerate exchange).
    IdentityPoint,
    /// The encrypted nonce is not one AES block, or the nonce does not fit the curve.
    NonceLength,
    /// The terminal's ephemeral public key equals the chip's (TR-03110-2 §3.2.1 step 3).
    EqualEphemeralKeys,
    /// The other side's authentication token is wrong: wrong password or
    /// tampering (ICAO 9303-11 §4.4.3.4).
    TokenMismatch,
    /// The random generator did not yield a private key in range.
    RandomGenerator,
    /// A data object is missing, duplicated, unexpected or has a bad value.
    MalformedData {
        field: &'static str,
        rule: &'static str,
    },
    /// BER-TLV structure broken.
    Tlv(TlvError),
    /// An AES primitive failed (wrong key length: a programming error).
    Symmetric(SymmetricError),
}

impl PaceError {
    /// The status word a chip answers to the GENERAL AUTHENTICATE or MSE:Set AT
    /// that caused this error.
    pub fn status_word(&self) -> u16 {
        match self {
            PaceError::TokenMismatch => SW_AUTHENTICATION_FAILED,
            PaceError::UnsupportedDomainParameters { .. } | PaceError::UnsupportedProtocol => {
                SW_FUNCTION_NOT_SUPPORTED
            }
            PaceError::InvalidPublicKey
            | PaceError::EqualEphemeralKeys
            | PaceError::NonceLength
            | PaceError::MalformedData { .. }
            | PaceError::Tlv(_) => SW_WRONG_DATA,
            PaceError::InvalidPrivateKey
            | PaceError::IdentityPoint
            | PaceError::RandomGenerator
            | PaceError::Symmetric(_) => SW_NO_PRECISE_DIAGNOSIS,
        }
    }
}

impl From<TlvError> for PaceError {
    fn from(e: TlvError) -> Self {
        PaceError::Tlv(e)
    }
}

impl From<SymmetricError> for PaceError {
    fn from(e: SymmetricError) -> Self {
        PaceError::Symmetric(e)
    }
}

impl fmt::Display for PaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaceError::UnsupportedDomainParameters { id } => write!(
                f,
                "PACE domain parameters {id}: only 12 (NIST P-256), 13 (brainpoolP256r1), 15 (NIST P-384) and 16 (brainpoolP384r1) are supported"
            ),
            PaceError::UnsupportedProtocol => {
                f.write_str("PACE protocol: only id-PACE-ECDH-GM/IM/CAM-AES-CBC-CMAC-128/192/256 (0.4.0.127.0.7.2.2.4.2/4/6.2-4) are supported, each run through the steps of its own mapping")
            }
            PaceError::InvalidPrivateKey => f.write_str("PACE private key must be 1..n-1 in field-size bytes"),
            PaceError::InvalidPublicKey => f.write_str(
                "PACE public key must be an uncompressed point (04 || x || y) on the curve and not the identity",
            ),
            PaceError::IdentityPoint => f.write_str("PACE computation reached the point at infinity"),
            PaceError::NonceLength => f.write_str("PACE nonce: the encrypted nonce must be one 16-byte AES block"),
            PaceError::EqualEphemeralKeys => {
                f.write_str("PACE ephemeral public keys of terminal and chip must differ (TR-03110-2 §3.2.1)")
            }
            PaceError::TokenMismatch => {
                f.write_str("PACE authentication token does not verify: wrong password or altered exchange")
            }
            PaceError::RandomGenerator => f.write_str("random generator failed to produce a private key in range"),
            PaceError::MalformedData { field, rule } => write!(f, "PACE data {field}: {rule}"),
            PaceError::Tlv(e) => write!(f, "PACE data: {e}"),
            PaceError::Symmetric(e) => write!(f, "PACE AES operation failed: {e:?}"),
        }
    }
}
