//! ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery,
//! the RSA form of Active Authentication (ICAO 9303-11 §6.1.2, ISO/IEC
//! 9796-2:2010 §8 and Annex B).
//!
//! The chip signs M = M1 ‖ M2 with M2 the terminal's challenge and M1 a random
//! recoverable part that fills the block. The message representative is
//!
//! ```text
//! F = 6A ‖ M1 ‖ H(M1 ‖ M2) ‖ trailer       (k/8 bytes, k = modulus bits)
//! ```
//!
//! `6A` = `01` (start) `1` (partial recovery) `0` (no padding) `1010`
//! (border nibble); the trailer is `BC` (implicit SHA-1) or `hash-id CC`
//! (ISO/IEC 10118-3 identifiers: 33 SHA-1, 34 SHA-256). σ = F^d mod n.
//! The verifier recovers F = σ^e mod n, checks the header and trailer,
//! takes M1 and D = H(M1 ‖ M2) from it and compares D with its own hash.

use alloc::vec::Vec;
use rand_core::CryptoRng;
use rsa::BoxedUint;
use rsa::hazmat::{rsa_decrypt_and_check, rsa_encrypt};
use rsa::traits::PublicKeyParts;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::AaError;

/// Header of a partial-recovery representative without padding.
const HEADER_PARTIAL_RECOVERY: u8 = 0x6A;
/// Mask of the two leading bits, which must be `01` (ISO/IEC 9796-2 §8.2.2).
const START_BITS_MASK: u8 = 0xC0;
const START_BITS: u8 = 0x40;
/// Bit 6 of the header: 1 = partial recovery (the challenge is not inside F).
const PARTIAL_RECOVERY_BIT: u8 = 0x20;
/// Implicit trailer: the hash is SHA-1 (ISO/IEC 9796-2 §8.2.2, option 1).
const TRAILER_IMPLICIT: u8 = 0xBC;
/// Last byte of an explicit two-byte trailer `hash-id CC` (option 2).
const TRAILER_EXPLICIT: u8 = 0xCC;
/// ISO/IEC 10118-3 hash-function identifiers.
const HASH_ID_SHA1: u8 = 0x33;
const HASH_ID_SHA256: u8 = 0x34;
/// RSA keys below this size are refused (ICAO 9303-11 §6.1: at least 1024 bits).
const MIN_MODULUS_BITS: u32 = 1024;

/// The hash and trailer the chip uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Iso9796Hash {
    /// SHA-1 with the implicit trailer `BC` (the classic AA form).
    Sha1Implicit,
    /// SHA-256 with the explicit trailer `34 CC`.
    Sha256,
}

impl Iso9796Hash {
    fn digest(self, m1: &[u8], m2: &[u8]) -> Vec<u8> {
        match self {
            Iso9796Hash::Sha1Implicit => {
                let mut h = Sha1::new();
                h.update(m1);
                h.update(m2);
                h.finalize().to_vec()
            }
            Iso9796Hash::Sha256 => {
                let mut h = Sha256::new();
                h.update(m1);
                h.update(m2);
                h.finalize().to_vec()
            }
        }
    }

    fn digest_len(self) -> usize {
        match self {
            Iso9796Hash::Sha1Implicit => 20,
            Iso9796Hash::Sha256 => 32,
        }
    }

    fn trailer(self) -> &'static [u8] {
        match self {
            Iso9796Hash::Sha1Implicit => &[TRAILER_IMPLICIT],
            Iso9796Hash::Sha256 => &[HASH_ID_SHA256, TRAILER_EXPLICIT],
        }
    }

    /// The hash a recovered representative names by its trailer.
    fn from_trailer(representative: &[u8]) -> Result<Self, AaError> {
        match representative {
            [.., TRAILER_IMPLICIT] | [.., HASH_ID_SHA1, TRAILER_EXPLICIT] => {
                Ok(Iso9796Hash::Sha1Implicit)
            }
            [.., HASH_ID_SHA256, TRAILER_EXPLICIT] => Ok(Iso9796Hash::Sha256),
            _ => Err(AaError::Iso9796 {
                rule: "trailer must be BC, 33 CC (SHA-1) or 34 CC (SHA-256)",
            }),
        }
    }

    fn trailer_len_in(representative: &[u8]) -> usize {
        if representative.last() == Some(&TRAILER_IMPLICIT) { 1 } else { 2 }
    }
}

/// The modulus length k/8 in bytes; k must be a multiple of 8 so that the
/// `6A` header keeps F below n (F < 2^(k-1) ≤ n).
fn modulus_len(key: &impl PublicKeyParts) -> Result<usize, AaError> {
    let bits = key.n().bit_width();
    if bits < MIN_MODULUS_BITS || !bits.is_multiple_of(8) {
        return Err(AaError::UnsupportedModulus);
    }
    Ok(key.size())
}

/// The last `len` bytes of an integer (its storage is limb-aligned, the value < 2^(8·len)).
fn to_fixed_bytes(value: &BoxedUint, len: usize) -> Result<Vec<u8>, AaError> {
    let bytes = value.to_be_bytes();
    let start = bytes.len().checked_sub(len).ok_or(AaError::RsaOperation)?;
    if bytes[..start].iter().any(|&b| b != 0) {
        return Err(AaError::RsaOperation);
    }
    Ok(bytes[start..].to_vec())
}

/// Chip side: σ = F^d mod n over M1 (random) ‖ challenge.
pub fn sign(
    key: &rsa::PrivateKey,
    hash: Iso9796Hash,
    challenge: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, AaError> {
    let k = modulus_len(key)?;
    let trailer = hash.trailer();
    let m1_len = k
        .checked_sub(1 + hash.digest_len() + trailer.len())
        .ok_or(AaError::UnsupportedModulus)?;
    let mut m1 = Zeroizing::new(alloc::vec![0u8; m1_len]);
    rng.fill_bytes(&mut m1);
    let mut representative = Zeroizing::new(Vec::with_capacity(k));
    representative.push(HEADER_PARTIAL_RECOVERY);
    representative.extend_from_slice(&m1);
    representative.extend_from_slice(&hash.digest(&m1, challenge));
    representative.extend_from_slice(trailer);
    let f = BoxedUint::from_be_slice(&representative, key.n_bits_precision())
        .map_err(|_| AaError::RsaOperation)?;
    let signature =
        rsa_decrypt_and_check(key, Some(rng), &f).map_err(|_| AaError::RsaOperation)?;
    to_fixed_bytes(&signature, k)
}

/// Terminal side: recover F = σ^e mod n and check it against the challenge.
pub fn verify(key: &rsa::PublicKey, challenge: &[u8], signature: &[u8]) -> Result<(), AaError> {
    let k = modulus_len(key)?;
    if signature.len() != k {
        return Err(AaError::SignatureInvalid);
    }
    let sigma = BoxedUint::from_be_slice(signature, key.n_bits_precision())
        .map_err(|_| AaError::SignatureInvalid)?;
    if &sigma >= key.n().as_ref() {
        return Err(AaError::SignatureInvalid);
    }
    let f = rsa_encrypt(key, &sigma).map_err(|_| AaError::SignatureInvalid)?;
    let representative = to_fixed_bytes(&f, k)?;
    let recovered = recover(&representative)?;
    let expected = recovered.hash.digest(recovered.m1, challenge);
    if bool::from(expected.ct_eq(recovered.digest)) {
        Ok(())
    } else {
        Err(AaError::SignatureInvalid)
    }
}

/// The parts of a recovered message representative.
struct Recovered<'a> {
    hash: Iso9796Hash,
    m1: &'a [u8],
    digest: &'a [u8],
}

/// Parse F: header `01 1 …` with the border nibble `A` (after optional `B`
/// padding nibbles, ISO/IEC 9796-2 §8.2.2), M1, the hash, the trailer.
fn recover(representative: &[u8]) -> Result<Recovered<'_>, AaError> {
    let header = *representative.first().ok_or(AaError::SignatureInvalid)?;
    if header & START_BITS_MASK != START_BITS {
        return Err(AaError::Iso9796 {
            rule: "recovered representative must start with bits 01 (wrong key or signature)",
        });
    }
    if header & PARTIAL_RECOVERY_BIT == 0 {
        return Err(AaError::Iso9796 {
            rule: "Active Authentication uses partial recovery (the challenge is not recoverable)",
        });
    }
    let hash = Iso9796Hash::from_trailer(representative)?;
    // Padding: header nibble B, then BB bytes, then a byte ending in nibble A.
    let border = representative
        .iter()
        .position(|&b| b & 0x0F == 0x0A)
        .ok_or(AaError::Iso9796 {
            rule: "no border nibble A before the recoverable part",
        })?;
    let padding_ok = representative[..border].iter().enumerate().all(|(i, &b)| {
        if i == 0 { b & 0x0F == 0x0B } else { b == 0xBB }
    }) && (border == 0 || representative[border] == 0xBA);
    if !padding_ok {
        return Err(AaError::Iso9796 {
            rule: "padding must be nibbles B ending in the border nibble A",
        });
    }
    let trailer_len = Iso9796Hash::trailer_len_in(representative);
    let digest_start = representative
        .len()
        .checked_sub(trailer_len + hash.digest_len())
        .filter(|&start| start > border)
        .ok_or(AaError::Iso9796 {
            rule: "representative too short for its hash",
        })?;
    Ok(Recovered {
        hash,
        m1: &representative[border + 1..digest_start],
        digest: &representative[digest_start..representative.len() - trailer_len],
    })
}
