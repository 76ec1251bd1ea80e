//! Private keys of the CV test PKI as PKCS#8 PEM (RFC 5208 / RFC 5915,
//! label `PRIVATE KEY`), for the four curves of the chip.

use std::path::Path;

use card_os::protocol::StandardizedDomainParameters as Curve;
use p256::pkcs8::der::pem::LineEnding;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use zeroize::Zeroizing;

use super::error::CvPkiError;

macro_rules! with_secret_key {
    ($curve:expr, $k:ident => $body:expr) => {
        match $curve {
            Curve::NistP256 => {
                type $k = p256::SecretKey;
                $body
            }
            Curve::BrainpoolP256r1 => {
                type $k = bp256::r1::SecretKey;
                $body
            }
            Curve::NistP384 => {
                type $k = p384::SecretKey;
                $body
            }
            Curve::BrainpoolP384r1 => {
                type $k = bp384::r1::SecretKey;
                $body
            }
        }
    };
}

fn key_error(path: &Path, reason: impl std::fmt::Display) -> CvPkiError {
    CvPkiError::Key {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// PKCS#8 PEM of a big-endian private scalar on `curve`.
pub(crate) fn to_pem(
    curve: Curve,
    private_key: &[u8],
    path: &Path,
) -> Result<Zeroizing<String>, CvPkiError> {
    with_secret_key!(curve, K => {
        let key = K::from_slice(private_key).map_err(|e| key_error(path, e))?;
        let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| key_error(path, e))?;
        Ok(Zeroizing::new(pem.to_string()))
    })
}

/// The big-endian private scalar of a PKCS#8 PEM key, which must be on `curve`.
pub(crate) fn from_pem(
    curve: Curve,
    pem: &str,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, CvPkiError> {
    with_secret_key!(curve, K => {
        let key = K::from_pkcs8_pem(pem)
            .map_err(|e| key_error(path, format!("not a PKCS#8 private key on {curve:?}: {e}")))?;
        Ok(Zeroizing::new(key.to_bytes().to_vec()))
    })
}
