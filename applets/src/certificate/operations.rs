//! The private-key operations (docs/spec/certificate-zone.md §MSE:SET):
//! input checks and the cryptography, with RSA blinding and hedged ECDSA
//! from the card's random source. No access rule here: the command
//! handlers check them first.

use alloc::vec::Vec;

use card_os::{CardRng, StatusWord};
use p384::ecdsa::signature::hazmat::RandomizedPrehashSigner;
use p384::ecdsa::{Signature, SigningKey};
use rsa::{Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss};
use zeroize::Zeroizing;

use super::keys::{P384_FIELD_LEN, P384_POINT_LEN, PrivateKey, RSA_MODULUS_LEN};
use super::security_environment::Algorithm;

/// RSASSA-PKCS1-v1_5 / RSAES-PKCS1-v1_5: at least 11 bytes of padding (RFC 8017 §9.2, §7.2.1).
const PKCS1_PADDING_MIN: usize = 11;
pub const PKCS1_DATA_MAX: usize = RSA_MODULUS_LEN - PKCS1_PADDING_MIN;
/// SHA-256, SHA-384, SHA-512 output lengths: the PSS hash is chosen by length.
const SHA256_LEN: usize = 32;
const SHA384_LEN: usize = 48;
const SHA512_LEN: usize = 64;
/// Longest hash ECDSA accepts (SHA-512).
pub const ECDSA_HASH_MAX: usize = SHA512_LEN;
/// Padding indicator byte of PSO:DECIPHER (ISO 7816-8 §5.9 table 6): `00` = no further indication.
const PADDING_INDICATOR_NONE: u8 = 0x00;
/// SEC 1 §2.3.3: uncompressed point.
const POINT_UNCOMPRESSED: u8 = 0x04;

/// Map any failure of the private operation itself (not of its input) to 6F00.
fn failed<E>(_: E) -> StatusWord {
    StatusWord::NoPreciseDiagnosis
}

/// The card's random source; a card built without one answers 6F00.
fn need(rng: Option<&mut CardRng>) -> Result<&mut CardRng, StatusWord> {
    rng.ok_or(StatusWord::NoPreciseDiagnosis)
}

fn rsa_key(key: &PrivateKey) -> Result<&rsa::PrivateKey, StatusWord> {
    match key {
        PrivateKey::Rsa(key) => Ok(key.as_ref()),
        PrivateKey::EcP384(_) => Err(StatusWord::NoPreciseDiagnosis),
    }
}

fn ec_key(key: &PrivateKey) -> Result<&p384::SecretKey, StatusWord> {
    match key {
        PrivateKey::EcP384(key) => Ok(key),
        PrivateKey::Rsa(_) => Err(StatusWord::NoPreciseDiagnosis),
    }
}

/// A signature (PSO:CDS) or an authentication token (INTERNAL AUTHENTICATE)
/// over `input`. Wrong input length → 6700; then no random source → 6F00.
pub fn sign(
    key: &PrivateKey,
    algorithm: Algorithm,
    input: &[u8],
    rng: Option<&mut CardRng>,
) -> Result<Vec<u8>, StatusWord> {
    match algorithm {
        Algorithm::RsaPkcs1Signature | Algorithm::RsaPkcs1Authentication => {
            if input.is_empty() || input.len() > PKCS1_DATA_MAX {
                return Err(StatusWord::WrongLength);
            }
            // EMSA-PKCS1-v1_5 over the host's data as is: the host sends the
            // DigestInfo (RFC 8017 §9.2 step 2 done by the host).
            rsa_key(key)?.sign_with_rng(need(rng)?, Pkcs1v15Sign::new_unprefixed(), input).map_err(failed)
        }
        Algorithm::RsaPss => {
            let key = rsa_key(key)?;
            if ![SHA256_LEN, SHA384_LEN, SHA512_LEN].contains(&input.len()) {
                return Err(StatusWord::WrongLength);
            }
            let rng = need(rng)?;
            match input.len() {
                SHA256_LEN => key.sign_with_rng(rng, Pss::<sha2::Sha256>::new(), input),
                SHA384_LEN => key.sign_with_rng(rng, Pss::<sha2::Sha384>::new(), input),
                SHA512_LEN => key.sign_with_rng(rng, Pss::<sha2::Sha512>::new(), input),
                _ => return Err(StatusWord::WrongLength),
            }
            .map_err(failed)
        }
        Algorithm::Ecdsa | Algorithm::EcdsaAuthentication => {
            if input.is_empty() || input.len() > ECDSA_HASH_MAX {
                return Err(StatusWord::WrongLength);
            }
            let signing_key = SigningKey::from(ec_key(key)?);
            let signature: Signature =
                signing_key.sign_prehash_with_rng(need(rng)?, &ecdsa_field(input)).map_err(failed)?;
            Ok(signature.to_bytes().to_vec())
        }
        _ => Err(StatusWord::NoPreciseDiagnosis),
    }
}

/// FIPS 186-4 §6.4: e is the leftmost min(N, outlen) bits of the hash, as
/// an integer. A shorter hash is left-padded (same integer), a longer one
/// cut to the 384 leftmost bits.
fn ecdsa_field(hash: &[u8]) -> [u8; P384_FIELD_LEN] {
    let mut field = [0u8; P384_FIELD_LEN];
    let used = hash.len().min(P384_FIELD_LEN);
    field[P384_FIELD_LEN - used..].copy_from_slice(&hash[..used]);
    field
}

/// PSO:DECIPHER of `input` = padding indicator ‖ cryptogram (or ‖ the
/// other party's point for ECDH). Wrong length → 6700; indicator other
/// than `00`, cryptogram not decryptable, OAEP padding wrong or point not
/// on the curve → 6A80; RSA without a random source → 6F00 (ECDH needs none).
///
/// RSAES-PKCS1-v1_5 uses implicit rejection (draft-irtf-cfrg-rsa-guidance
/// §7.2, rsa 0.10): a cryptogram with wrong padding answers a
/// deterministic pseudo-random plaintext instead of an error, so the card
/// is no Bleichenbacher padding oracle.
pub fn decipher(
    key: &PrivateKey,
    algorithm: Algorithm,
    input: &[u8],
    rng: Option<&mut CardRng>,
) -> Result<Zeroizing<Vec<u8>>, StatusWord> {
    let expected = match algorithm {
        Algorithm::Ecdh => P384_POINT_LEN,
        _ => RSA_MODULUS_LEN,
    };
    let Some((&indicator, body)) = input.split_first() else {
        return Err(StatusWord::WrongLength);
    };
    if body.len() != expected {
        return Err(StatusWord::WrongLength);
    }
    if indicator != PADDING_INDICATOR_NONE {
        return Err(StatusWord::IncorrectDataField);
    }
    if algorithm == Algorithm::Ecdh {
        return ecdh(ec_key(key)?, body);
    }
    // RSA decryption is blinded with the card's random source.
    let rng = need(rng)?;
    let bad = |_| StatusWord::IncorrectDataField;
    let plaintext = match algorithm {
        Algorithm::RsaPkcs1Decipher => rsa_key(key)?.decrypt_blinded(rng, Pkcs1v15Encrypt, body).map_err(bad)?,
        Algorithm::RsaOaepSha1 => rsa_key(key)?.decrypt_blinded(rng, Oaep::<sha1::Sha1>::new(), body).map_err(bad)?,
        Algorithm::RsaOaepSha256 => {
            rsa_key(key)?.decrypt_blinded(rng, Oaep::<sha2::Sha256>::new(), body).map_err(bad)?
        }
        _ => return Err(StatusWord::NoPreciseDiagnosis),
    };
    Ok(Zeroizing::new(plaintext))
}

/// ECDH (SEC 1 §3.3.1): the x-coordinate of d·Q. Only uncompressed points.
fn ecdh(key: &p384::SecretKey, point: &[u8]) -> Result<Zeroizing<Vec<u8>>, StatusWord> {
    if point.first() != Some(&POINT_UNCOMPRESSED) {
        return Err(StatusWord::IncorrectDataField);
    }
    // Rejects points off the curve and the identity.
    let other = p384::PublicKey::from_sec1_bytes(point).map_err(|_| StatusWord::IncorrectDataField)?;
    let shared = p384::ecdh::diffie_hellman(key.to_nonzero_scalar(), other.as_affine());
    Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_field_pads_short_and_cuts_long_hashes() {
        let short = ecdsa_field(&[0xAB; 20]);
        assert_eq!(&short[..28], &[0u8; 28]);
        assert_eq!(&short[28..], &[0xAB; 20]);
        let mut long = [0u8; 64];
        long[0] = 1;
        long[63] = 9;
        let field = ecdsa_field(&long);
        assert_eq!(field[0], 1);
        assert_eq!(field[47], 0);
    }
}
