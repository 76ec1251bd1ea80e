//! PACE Integrated Mapping for ECDH (ICAO 9303-11 §4.4.3.3.2).
//!
//! The terminal sends a second nonce t in GA step 2 (`7C { 81 t }`, answered
//! `7C 00`); both sides compute the ephemeral generator
//!
//! ```text
//! Ĝ = f_G(R_p(s, t))
//! ```
//!
//! * R(s, t), the pseudo-random number mapping: k₀ = E(t, s); for i = 0..n-1
//!   with kᵢ truncated to the key size: kᵢ₊₁ = E(kᵢ, c₀), xᵢ = E(kᵢ, c₁);
//!   R = x₀ ‖ … ‖ xₙ₋₁ with n the least number such that n·l ≥ log₂ p + 64;
//!   R_p = R mod p. E is AES-CBC with IV = 0; l = 128 (c₀, c₁ one block) for
//!   AES-128 and l = 256 (two blocks) for AES-192/256. t has the key size.
//! * f_G, the point encoding for p ≡ 3 (mod 4) (ICAO 9303-11 §4.4.3.3.2,
//!   after Brier et al., "Efficient indifferentiable hashing into ordinary
//!   elliptic curves"): with α = −t², X₂ = −b(1+α+α²)·(a(α+α²))⁻¹,
//!   X₃ = α·X₂, h₂ = X₂³+aX₂+b, U = t³·h₂, A = h₂^(p−1−(p+1)/4): Ĝ = (X₂, A·h₂)
//!   if A²·h₂ = 1, else (X₃, A·U). All four curves here have p ≡ 3 (mod 4)
//!   and cofactor 1.

use alloc::vec::Vec;
use elliptic_curve::ff::{Field, PrimeField};
use primeorder::PrimeCurveParams;
use zeroize::Zeroizing;

use super::{PaceCipher, PaceError, StandardizedDomainParameters, UNCOMPRESSED_POINT_TAG};
use crate::protocol::symmetric::{self, BLOCK_SIZE};

/// c₀ and c₁ for l = 128 (AES-128) and l = 256 (AES-192/256), ICAO 9303-11 §4.4.3.3.2.
const C0_128: [u8; 16] = [
    0xa6, 0x68, 0x89, 0x2a, 0x7c, 0x41, 0xe3, 0xca, 0x73, 0x9f, 0x40, 0xb0, 0x57, 0xd8, 0x59, 0x04,
];
const C1_128: [u8; 16] = [
    0xa4, 0xe1, 0x36, 0xac, 0x72, 0x5f, 0x73, 0x8b, 0x01, 0xc1, 0xf6, 0x02, 0x17, 0xc1, 0x88, 0xad,
];
const C0_256: [u8; 32] = [
    0xd4, 0x63, 0xd6, 0x52, 0x34, 0x12, 0x4e, 0xf7, 0x89, 0x70, 0x54, 0x98, 0x6d, 0xca, 0x0a, 0x17,
    0x4e, 0x28, 0xdf, 0x75, 0x8c, 0xba, 0xa0, 0x3f, 0x24, 0x06, 0x16, 0x41, 0x4d, 0x5a, 0x16, 0x76,
];
const C1_256: [u8; 32] = [
    0x54, 0xbd, 0x72, 0x55, 0xf0, 0xaa, 0xf8, 0x31, 0xbe, 0xc3, 0x42, 0x3f, 0xcf, 0x39, 0xd6, 0x9b,
    0x6c, 0xbf, 0x06, 0x66, 0x77, 0xd0, 0xfa, 0xae, 0x5a, 0xad, 0xd9, 0x9d, 0xf8, 0xe5, 0x35, 0x17,
];
/// The 64 extra bits of R make R mod p statistically close to uniform.
const EXTRA_BITS: usize = 64;
/// The IV of E() in R(s, t) is zero.
const ZERO_IV: [u8; BLOCK_SIZE] = [0; BLOCK_SIZE];

fn constants(cipher: PaceCipher) -> (&'static [u8], &'static [u8]) {
    match cipher {
        PaceCipher::Aes128 => (&C0_128, &C1_128),
        PaceCipher::Aes192 | PaceCipher::Aes256 => (&C0_256, &C1_256),
    }
}

/// The chip nonce length of Integrated Mapping: l/8 bytes (16 or 32), so that
/// k₀ = E(t, s) is at least one key long.
pub fn im_nonce_len(cipher: PaceCipher) -> usize {
    constants(cipher).0.len()
}

fn encrypt(key: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    let mut out = Zeroizing::new(data.to_vec());
    symmetric::cbc_encrypt(key, &ZERO_IV, &mut out)?;
    Ok(out)
}

/// R(s, t) for a prime of `prime_bits` bits: the n·l/8 output bytes before
/// the reduction mod p.
pub fn pseudo_random(
    cipher: PaceCipher,
    chip_nonce: &[u8],
    terminal_nonce: &[u8],
    prime_bits: usize,
) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    let key_len = cipher.key_len();
    let (c0, c1) = constants(cipher);
    if terminal_nonce.len() != key_len {
        return Err(PaceError::MalformedData {
            field: "Integrated Mapping nonce t",
            rule: "must be as long as the AES key (ICAO 9303-11 §4.4.3.3.2)",
        });
    }
    if chip_nonce.len() != c0.len() {
        return Err(PaceError::NonceLength);
    }
    let l_bits = 8 * c0.len();
    let blocks = (prime_bits + EXTRA_BITS).div_ceil(l_bits);
    let mut key = encrypt(terminal_nonce, chip_nonce)?;
    let mut output = Zeroizing::new(Vec::with_capacity(blocks * c1.len()));
    for _ in 0..blocks {
        let round_key = key.get(..key_len).ok_or(PaceError::NonceLength)?;
        let next = encrypt(round_key, c0)?;
        output.extend_from_slice(&encrypt(round_key, c1)?);
        key = next;
    }
    Ok(output)
}

/// Ĝ = f_G(R_p(s, t)) on `domain`, as an uncompressed point.
pub fn integrated_map(
    domain: StandardizedDomainParameters,
    cipher: PaceCipher,
    chip_nonce: &[u8],
    terminal_nonce: &[u8],
) -> Result<Vec<u8>, PaceError> {
    let random = pseudo_random(cipher, chip_nonce, terminal_nonce, 8 * domain.field_size())?;
    domain.encode_to_point(&random)
}

/// (p + 1) / 4 as little-endian 64-bit limbs, from the field's modulus.
fn sqrt_exponent<F: PrimeField>() -> Result<Vec<u64>, PaceError> {
    let hex = F::MODULUS.trim_start_matches("0x");
    let mut limbs = Vec::with_capacity(hex.len().div_ceil(16));
    let digits = hex.as_bytes();
    let mut end = digits.len();
    while end > 0 {
        let start = end.saturating_sub(16);
        let chunk =
            core::str::from_utf8(&digits[start..end]).map_err(|_| PaceError::IdentityPoint)?;
        limbs.push(u64::from_str_radix(chunk, 16).map_err(|_| PaceError::IdentityPoint)?);
        end = start;
    }
    // p + 1 with the carry propagated (NIST P-256's low limb is all ones), then >> 2.
    let mut carry = true;
    for limb in limbs.iter_mut() {
        if !carry {
            break;
        }
        (*limb, carry) = limb.overflowing_add(1);
    }
    if carry {
        limbs.push(1);
    }
    for i in 0..limbs.len() {
        let carry_in = limbs.get(i + 1).map_or(0, |next| next << 62);
        limbs[i] = (limbs[i] >> 2) | carry_in;
    }
    Ok(limbs)
}

/// f_G(R mod p) for one curve, as `04 ‖ x ‖ y` (not yet checked on the curve).
pub(super) fn point_encoding<C: PrimeCurveParams>(random: &[u8]) -> Result<Vec<u8>, PaceError> {
    let a = C::EQUATION_A;
    let b = C::EQUATION_B;
    let byte_radix = C::FieldElement::from(256u64);
    // R_p = R mod p by Horner's rule in the field.
    let t = random.iter().fold(C::FieldElement::ZERO, |acc, &byte| {
        acc * byte_radix + C::FieldElement::from(u64::from(byte))
    });
    let alpha = -t.square();
    let alpha_sum = alpha + alpha.square();
    let denominator: Option<C::FieldElement> = (a * alpha_sum).invert().into();
    let denominator = denominator.ok_or(PaceError::IdentityPoint)?;
    let x2 = -(b * (C::FieldElement::ONE + alpha_sum)) * denominator;
    let x3 = alpha * x2;
    let h2 = x2.square() * x2 + a * x2 + b;
    let u = t.square() * t * h2;
    let root = h2.pow_vartime(sqrt_exponent::<C::FieldElement>()?);
    let a_inv: Option<C::FieldElement> = root.invert().into();
    let a_value = a_inv.ok_or(PaceError::IdentityPoint)?;
    let (x, y) = if a_value.square() * h2 == C::FieldElement::ONE {
        (x2, a_value * h2)
    } else {
        (x3, a_value * u)
    };
    let mut point = Vec::with_capacity(1 + 2 * x.to_repr().len());
    point.push(UNCOMPRESSED_POINT_TAG);
    point.extend_from_slice(&x.to_repr());
    point.extend_from_slice(&y.to_repr());
    Ok(point)
}
