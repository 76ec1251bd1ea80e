//! Card public keys for unit tests, as GENERATE ASYMMETRIC KEY PAIR answers
//! them (docs/spec/certificate-zone.md), from seeded RNGs.

use p384::elliptic_curve::Generate;
use p384::elliptic_curve::sec1::ToSec1Point;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rsa::traits::PublicKeyParts;

use crate::citizen::RSA_MODULUS_BITS;

/// An RSA-2048 public key: (modulus, public exponent), big-endian.
pub(crate) fn rsa_public_key(seed: u64) -> (Vec<u8>, Vec<u8>) {
    let key = rsa::PrivateKey::new(&mut StdRng::seed_from_u64(seed), RSA_MODULUS_BITS)
        .unwrap_or_else(|e| panic!("{e}"));
    (
        key.n().to_be_bytes().to_vec(),
        key.e().to_be_bytes().to_vec(),
    )
}

/// A P-384 public key as an uncompressed point `04 ‖ X ‖ Y` (SEC 1 §2.3.3).
pub(crate) fn p384_point(seed: u64) -> Vec<u8> {
    let secret = p384::SecretKey::generate_from_rng(&mut StdRng::seed_from_u64(seed));
    secret.public_key().to_sec1_point(false).as_bytes().to_vec()
}
