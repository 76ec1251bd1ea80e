//! The zone's key pairs: generation with the card's random source, the
//! card-internal private-key encoding kept in image objects `cert.key.NN`
//! (never in a file), and the public key as GENERATE answers it (DO'7F49')
//! and as its EF holds it (SubjectPublicKeyInfo).
//!
//! Object encoding (card-internal, docs/spec/certificate-zone.md §Slots):
//!
//! ```text
//! RSA:  01 ‖ len(p) (2) ‖ p ‖ len(q) (2) ‖ q ‖ len(e) (2) ‖ e     (big-endian integers)
//! EC:   02 ‖ d (48)                                              (P-384 scalar)
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;

use card_os::{CardImage, CardRng, StatusWord};
use der::asn1::{AnyRef, BitString, ObjectIdentifier, Uint};
use der::{Decode, Encode, Sequence};
use p384::elliptic_curve::Generate;
use p384::elliptic_curve::sec1::ToSec1Point;
use rsa::BoxedUint;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use zeroize::Zeroizing;

use super::slots::{KeyKind, KeySlot};

/// Object encoding tags.
const OBJECT_RSA: u8 = 0x01;
const OBJECT_EC_P384: u8 = 0x02;
/// Two-byte big-endian length before each RSA integer.
const LENGTH_PREFIX: usize = 2;
const RSA_INTEGERS: usize = 3;

/// RSA-2048 (docs/spec/certificate-zone.md §Slots).
pub const RSA_MODULUS_BITS: usize = 2048;
/// Octets of an RSA-2048 modulus, signature or cryptogram.
pub const RSA_MODULUS_LEN: usize = RSA_MODULUS_BITS / 8;
/// Octets of a P-384 scalar or coordinate.
pub const P384_FIELD_LEN: usize = 48;
/// `04 ‖ X ‖ Y` (SEC 1 §2.3.3).
pub const P384_POINT_LEN: usize = 1 + 2 * P384_FIELD_LEN;

/// Octets of the public exponent 65537 (`01 00 01`) every generated RSA key has.
const RSA_EXPONENT_LEN: usize = 3;

/// Public key DO (ISO 7816-8 table 3, TR-03110-3 D.3.1).
const TAG_PUBLIC_KEY: [u8; 2] = [0x7F, 0x49];
const TAG_RSA_MODULUS: u8 = 0x81;
const TAG_RSA_EXPONENT: u8 = 0x82;
const TAG_EC_POINT: u8 = 0x86;

/// rsaEncryption (RFC 8017 appendix C).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480 §2.1.1).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp384r1 (RFC 5480 §2.1.1.1).
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// The NULL parameters of rsaEncryption.
const DER_NULL: &[u8] = &[0x05, 0x00];

/// Why a key object cannot be used: the image is damaged.
const DAMAGED: StatusWord = StatusWord::NoPreciseDiagnosis;

/// A private key of the zone.
pub enum PrivateKey {
    /// Boxed: an RSA key with its CRT values is far larger than a P-384 scalar.
    Rsa(Box<rsa::PrivateKey>),
    EcP384(p384::SecretKey),
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print key material.
        f.write_str(match self {
            PrivateKey::Rsa(_) => "PrivateKey::Rsa(..)",
            PrivateKey::EcP384(_) => "PrivateKey::EcP384(..)",
        })
    }
}

/// A public key: what GENERATE answers and the public key EF holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// Modulus (exactly 256 bytes) and public exponent (minimal big-endian).
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// Uncompressed point `04 ‖ X ‖ Y`.
    EcP384 { point: Vec<u8> },
}

/// AlgorithmIdentifier (RFC 5280 §4.1.1.2).
#[derive(Sequence)]
struct AlgorithmIdentifier<'a> {
    algorithm: ObjectIdentifier,
    parameters: Option<AnyRef<'a>>,
}

/// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
#[derive(Sequence)]
struct SubjectPublicKeyInfo<'a> {
    algorithm: AlgorithmIdentifier<'a>,
    subject_public_key: BitString,
}

/// RSAPublicKey (RFC 8017 appendix A.1.1).
#[derive(Sequence)]
struct RsaPublicKey {
    modulus: Uint,
    public_exponent: Uint,
}

/// A new key pair of `kind` drawn from the card's random source.
pub fn generate(kind: KeyKind, rng: &mut CardRng) -> Result<PrivateKey, StatusWord> {
    match kind {
        KeyKind::Rsa2048 => {
            let key = rsa::PrivateKey::new(rng, RSA_MODULUS_BITS).map_err(|_| StatusWord::NoPreciseDiagnosis)?;
            Ok(PrivateKey::Rsa(Box::new(key)))
        }
        KeyKind::EcP384 => Ok(PrivateKey::EcP384(p384::SecretKey::generate_from_rng(rng))),
    }
}

/// The private key of `slot`, `None` when the slot has no key yet.
pub fn load(image: &CardImage, slot: &KeySlot) -> Result<Option<PrivateKey>, StatusWord> {
    let Some(stored) = image.objects.get(slot.object) else {
        return Ok(None);
    };
    let key = PrivateKey::decode(stored)?;
    if key.kind() != slot.kind {
        return Err(DAMAGED);
    }
    Ok(Some(key))
}

/// The length of DO'7F49' for a generated key of `kind`: what GENERATE
/// answers (RSA 270 bytes, EC 102 bytes; certificate-zone.md §GENERATE).
pub fn public_key_do_len(kind: KeyKind) -> usize {
    let do_len = |tag_len: usize, value_len: usize| tag_len + card_os::tlv::length_field_size(value_len) + value_len;
    let inner = match kind {
        KeyKind::Rsa2048 => do_len(1, RSA_MODULUS_LEN) + do_len(1, RSA_EXPONENT_LEN),
        KeyKind::EcP384 => do_len(1, P384_POINT_LEN),
    };
    do_len(TAG_PUBLIC_KEY.len(), inner)
}

/// Whether `slot` holds a key.
pub fn is_generated(image: &CardImage, slot: &KeySlot) -> bool {
    image.objects.contains_key(slot.object)
}

fn push_integer(out: &mut Vec<u8>, integer: &[u8]) -> Result<(), StatusWord> {
    let len = u16::try_from(integer.len()).map_err(|_| DAMAGED)?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(integer);
    Ok(())
}

impl PrivateKey {
    pub fn kind(&self) -> KeyKind {
        match self {
            PrivateKey::Rsa(_) => KeyKind::Rsa2048,
            PrivateKey::EcP384(_) => KeyKind::EcP384,
        }
    }

    /// The object encoding (module documentation).
    pub fn encode(&self) -> Result<Zeroizing<Vec<u8>>, StatusWord> {
        let mut out = Zeroizing::new(Vec::new());
        match self {
            PrivateKey::Rsa(key) => {
                let [p, q] = key.primes() else {
                    return Err(DAMAGED);
                };
                out.push(OBJECT_RSA);
                let p = Zeroizing::new(p.to_be_bytes_trimmed_vartime());
                let q = Zeroizing::new(q.to_be_bytes_trimmed_vartime());
                push_integer(&mut out, &p)?;
                push_integer(&mut out, &q)?;
                push_integer(&mut out, &key.e_bytes())?;
            }
            PrivateKey::EcP384(key) => {
                out.push(OBJECT_EC_P384);
                out.extend_from_slice(&key.to_bytes());
            }
        }
        Ok(out)
    }

    /// Decode an object; anything malformed is a damaged image (6F00).
    pub fn decode(stored: &[u8]) -> Result<PrivateKey, StatusWord> {
        match stored.split_first() {
            Some((&OBJECT_EC_P384, scalar)) => {
                p384::SecretKey::from_slice(scalar).map(PrivateKey::EcP384).map_err(|_| DAMAGED)
            }
            Some((&OBJECT_RSA, mut rest)) => {
                let mut integers = Vec::with_capacity(RSA_INTEGERS);
                for _ in 0..RSA_INTEGERS {
                    let (len, tail) = rest.split_at_checked(LENGTH_PREFIX).ok_or(DAMAGED)?;
                    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                    let (integer, tail) = tail.split_at_checked(len).ok_or(DAMAGED)?;
                    integers.push(BoxedUint::from_be_slice_vartime(integer));
                    rest = tail;
                }
                if !rest.is_empty() {
                    return Err(DAMAGED);
                }
                let [p, q, e] = <[BoxedUint; RSA_INTEGERS]>::try_from(integers).map_err(|_| DAMAGED)?;
                let key = rsa::PrivateKey::from_p_q(p, q, e).map_err(|_| DAMAGED)?;
                if key.size() != RSA_MODULUS_LEN {
                    return Err(DAMAGED);
                }
                Ok(PrivateKey::Rsa(Box::new(key)))
            }
            _ => Err(DAMAGED),
        }
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::Rsa(key) => {
                let trimmed = key.n_bytes();
                // Left-pad to the modulus length (RFC 8017 I2OSP).
                let mut modulus = alloc::vec![0u8; key.size().saturating_sub(trimmed.len())];
                modulus.extend_from_slice(&trimmed);
                PublicKey::Rsa { modulus, exponent: key.e_bytes().to_vec() }
            }
            PrivateKey::EcP384(key) => {
                let point = elliptic_curve_point(&key.public_key());
                PublicKey::EcP384 { point }
            }
        }
    }

    /// The secret values no file may ever contain (the tests sweep every EF
    /// and answer for them): RSA d, p and q; the EC scalar.
    pub fn secret_values(&self) -> Vec<Zeroizing<Vec<u8>>> {
        match self {
            PrivateKey::Rsa(key) => {
                let mut out = alloc::vec![Zeroizing::new(key.d().to_be_bytes_trimmed_vartime().to_vec())];
                for prime in key.primes() {
                    out.push(Zeroizing::new(prime.to_be_bytes_trimmed_vartime().to_vec()));
                }
                out
            }
            PrivateKey::EcP384(key) => alloc::vec![Zeroizing::new(key.to_bytes().to_vec())],
        }
    }
}

/// The uncompressed SEC 1 encoding of a P-384 public key.
fn elliptic_curve_point(key: &p384::PublicKey) -> Vec<u8> {
    key.as_affine().to_sec1_point(false).as_bytes().to_vec()
}

impl PublicKey {
    /// DO'7F49' (ISO 7816-8 table 3): RSA `81 n ‖ 82 e`, EC `86 point`.
    pub fn to_public_key_do(&self) -> Vec<u8> {
        let mut inner = Vec::new();
        match self {
            PublicKey::Rsa { modulus, exponent } => {
                card_os::tlv::push(&mut inner, TAG_RSA_MODULUS, modulus);
                card_os::tlv::push(&mut inner, TAG_RSA_EXPONENT, exponent);
            }
            PublicKey::EcP384 { point } => card_os::tlv::push(&mut inner, TAG_EC_POINT, point),
        }
        let mut out = Vec::with_capacity(inner.len() + 5);
        out.extend_from_slice(&TAG_PUBLIC_KEY);
        card_os::tlv::encode_length(inner.len(), &mut out);
        out.extend_from_slice(&inner);
        out
    }

    /// The public key a public key EF holds (DER SubjectPublicKeyInfo, as
    /// `to_spki_der` writes it), for a slot of `kind`. Anything else — another
    /// algorithm or curve, a modulus longer than 2048 bits, a point not on
    /// P-384 — is a damaged image (6F00).
    pub fn from_spki_der(spki: &[u8], kind: KeyKind) -> Result<PublicKey, StatusWord> {
        let decoded = SubjectPublicKeyInfo::from_der(spki).map_err(|_| DAMAGED)?;
        let key_bits = decoded.subject_public_key.as_bytes().ok_or(DAMAGED)?;
        let parameters = decoded.algorithm.parameters.ok_or(DAMAGED)?;
        match kind {
            KeyKind::Rsa2048 => {
                if decoded.algorithm.algorithm != RSA_ENCRYPTION || parameters != AnyRef::try_from(DER_NULL).map_err(|_| DAMAGED)? {
                    return Err(DAMAGED);
                }
                let key = RsaPublicKey::from_der(key_bits).map_err(|_| DAMAGED)?;
                let trimmed = key.modulus.as_bytes();
                let padding = RSA_MODULUS_LEN.checked_sub(trimmed.len()).ok_or(DAMAGED)?;
                // Left-pad to the modulus length (RFC 8017 I2OSP), as `PrivateKey::public_key`.
                let mut modulus = alloc::vec![0u8; padding];
                modulus.extend_from_slice(trimmed);
                Ok(PublicKey::Rsa { modulus, exponent: key.public_exponent.as_bytes().to_vec() })
            }
            KeyKind::EcP384 => {
                let curve = parameters.decode_as::<ObjectIdentifier>().map_err(|_| DAMAGED)?;
                if decoded.algorithm.algorithm != EC_PUBLIC_KEY || curve != SECP384R1 {
                    return Err(DAMAGED);
                }
                let key = p384::PublicKey::from_sec1_bytes(key_bits).map_err(|_| DAMAGED)?;
                Ok(PublicKey::EcP384 { point: elliptic_curve_point(&key) })
            }
        }
    }

    /// DER SubjectPublicKeyInfo: rsaEncryption with RSAPublicKey, or
    /// id-ecPublicKey with namedCurve secp384r1 and the uncompressed point.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, der::Error> {
        let curve = SECP384R1.to_der()?;
        let (algorithm, parameters, key_bits) = match self {
            PublicKey::Rsa { modulus, exponent } => {
                let key = RsaPublicKey { modulus: Uint::new(modulus)?, public_exponent: Uint::new(exponent)? };
                (RSA_ENCRYPTION, AnyRef::try_from(DER_NULL)?, key.to_der()?)
            }
            PublicKey::EcP384 { point } => (EC_PUBLIC_KEY, AnyRef::try_from(curve.as_slice())?, point.clone()),
        };
        SubjectPublicKeyInfo {
            algorithm: AlgorithmIdentifier { algorithm, parameters: Some(parameters) },
            subject_public_key: BitString::from_bytes(&key_bits)?,
        }
        .to_der()
    }
}
