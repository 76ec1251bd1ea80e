//! Active Authentication on the card: INTERNAL AUTHENTICATE
//! `00 88 00 00 08 <RND.IFD> 00` under secure messaging in the eMRTD
//! application (ICAO 9303-11 §6.1; docs/spec/active-authentication.md). The
//! signature is `protocol::aa::aa_sign`, shared with the terminal's check.
//!
//! The private key is the NVM object [`OBJECT_AA_KEY`], written at
//! personalization and never readable by any command. Its value:
//!
//! | first byte | rest |
//! |---|---|
//! | [`KEY_ECDSA_P384`] | the 48-byte private scalar (big-endian) |
//! | [`KEY_RSA`] | hash byte ([`HASH_SHA1_IMPLICIT`] / [`HASH_SHA256`]), then p, q, e, each as a 2-byte big-endian length and the big-endian integer |
//!
//! | condition | SW |
//! |---|---|
//! | P1-P2 ≠ 00 00 | 6A86 |
//! | data not 8 bytes, or Le absent | 6700 |
//! | command not protected by secure messaging | 6982 |
//! | the card holds no AA key | 6A88 |
//! | the stored key is damaged, or the card has no random source | 6F00 |

use alloc::vec::Vec;

use p384::ecdsa::SigningKey;
use rsa::BoxedUint;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};

use crate::apdu::CommandApdu;
use crate::applet::Response;
use crate::nvm::CardImage;
use crate::rng::CardRng;
use crate::protocol::aa::{self, AaPrivateKey, Iso9796Hash, AA_CHALLENGE_LEN};
use crate::status::StatusWord;

/// INTERNAL AUTHENTICATE (ISO 7816-4 §7.5.2).
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;
/// NVM object holding the Active Authentication private key.
pub const OBJECT_AA_KEY: &str = "icao.aa.key";
/// Key type bytes of [`OBJECT_AA_KEY`].
pub const KEY_ECDSA_P384: u8 = 0x01;
pub const KEY_RSA: u8 = 0x02;
/// ISO/IEC 9796-2 hash bytes of an RSA key object.
pub const HASH_SHA1_IMPLICIT: u8 = 0x01;
pub const HASH_SHA256: u8 = 0x02;
/// P1-P2 of INTERNAL AUTHENTICATE for AA: no algorithm or key reference (ICAO 9303-11 §6.1.2).
const P1P2_NONE: (u8, u8) = (0x00, 0x00);
/// Length prefix of each RSA integer in the key object.
const LENGTH_PREFIX: usize = 2;
/// A damaged key object.
const DAMAGED: StatusWord = StatusWord::NoPreciseDiagnosis;

/// Why a key could not be encoded into the key object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyObjectError {
    pub rule: &'static str,
}

/// The value of [`OBJECT_AA_KEY`] for `key`.
pub fn encode_key_object(key: &AaPrivateKey) -> Result<Vec<u8>, KeyObjectError> {
    match key {
        AaPrivateKey::EcdsaP384(key) => {
            let mut out = alloc::vec![KEY_ECDSA_P384];
            out.extend_from_slice(&key.to_bytes());
            Ok(out)
        }
        AaPrivateKey::Rsa { key, hash } => {
            let hash = match hash {
                Iso9796Hash::Sha1Implicit => HASH_SHA1_IMPLICIT,
                Iso9796Hash::Sha256 => HASH_SHA256,
            };
            let [p, q] = key.primes() else {
                return Err(KeyObjectError { rule: "an RSA Active Authentication key has exactly two primes" });
            };
            let mut out = alloc::vec![KEY_RSA, hash];
            for integer in [p.to_be_bytes_trimmed_vartime(), q.to_be_bytes_trimmed_vartime(), key.e_bytes()] {
                let len = u16::try_from(integer.len())
                    .map_err(|_| KeyObjectError { rule: "RSA integers must be shorter than 65536 bytes" })?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&integer);
            }
            Ok(out)
        }
    }
}

/// The key stored in [`OBJECT_AA_KEY`]; `None` when the card has none.
pub fn decode_key_object(value: &[u8]) -> Result<AaPrivateKey, StatusWord> {
    match value.split_first() {
        Some((&KEY_ECDSA_P384, scalar)) => {
            SigningKey::from_slice(scalar).map(AaPrivateKey::EcdsaP384).map_err(|_| DAMAGED)
        }
        Some((&KEY_RSA, rest)) => {
            let (&hash, mut rest) = rest.split_first().ok_or(DAMAGED)?;
            let hash = match hash {
                HASH_SHA1_IMPLICIT => Iso9796Hash::Sha1Implicit,
                HASH_SHA256 => Iso9796Hash::Sha256,
                _ => return Err(DAMAGED),
            };
            let mut integers = Vec::with_capacity(3);
            for _ in 0..3 {
                let (len, tail) = rest.split_at_checked(LENGTH_PREFIX).ok_or(DAMAGED)?;
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                let (integer, tail) = tail.split_at_checked(len).ok_or(DAMAGED)?;
                integers.push(BoxedUint::from_be_slice_vartime(integer));
                rest = tail;
            }
            let [p, q, e] = <[BoxedUint; 3]>::try_from(integers).map_err(|_| DAMAGED)?;
            if !rest.is_empty() {
                return Err(DAMAGED);
            }
            let key = rsa::PrivateKey::from_p_q(p, q, e).map_err(|_| DAMAGED)?;
            Ok(AaPrivateKey::Rsa { key, hash })
        }
        _ => Err(DAMAGED),
    }
}

/// INTERNAL AUTHENTICATE for Active Authentication: the signature over the
/// 8-byte challenge (ICAO 9303-11 §6.1.2 step 2).
pub fn internal_authenticate(
    image: &CardImage,
    rng: Option<&mut CardRng>,
    protected: bool,
    cmd: &CommandApdu,
) -> Result<Response, StatusWord> {
    if (cmd.p1, cmd.p2) != P1P2_NONE {
        return Err(StatusWord::IncorrectP1P2);
    }
    if cmd.data.len() != AA_CHALLENGE_LEN || cmd.ne.is_none() {
        return Err(StatusWord::WrongLength);
    }
    // The ICAO zone is read under secure messaging only: AA too (chip.md).
    if !protected {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    let stored = image.objects.get(OBJECT_AA_KEY).ok_or(StatusWord::ReferencedDataNotFound)?;
    let key = decode_key_object(stored)?;
    // RSA draws M1 (ISO/IEC 9796-2); ECDSA is deterministic (RFC 6979)
    // but the card asks for its random source alike, as for PACE.
    let rng = rng.ok_or(StatusWord::NoPreciseDiagnosis)?;
    let signature = aa::aa_sign(&key, &cmd.data, rng).map_err(|_| DAMAGED)?;
    Ok(Response::ok(signature))
}
