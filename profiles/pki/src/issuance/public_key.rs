//! The public key in the answer to GENERATE ASYMMETRIC KEY PAIR: DO `7F49`
//! (ISO 7816-8 table 3 / TR-03110-3 D.3.1): RSA `{81 modulus, 82 exponent}`,
//! EC `{86 uncompressed point}` (docs/spec/certificate-zone.md).

use card_os::protocol::tlv;
use spki::SubjectPublicKeyInfoOwned;

use crate::PkiError;
use crate::citizen::{p384_spki, rsa_spki};

const TAG_PUBLIC_KEY: u16 = 0x7F49;
const TAG_MODULUS: u16 = 0x81;
const TAG_EXPONENT: u16 = 0x82;
const TAG_EC_POINT: u16 = 0x86;

/// A public key as the card answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardPublicKey {
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    /// P-384, `04 ‖ X ‖ Y`.
    Ec {
        point: Vec<u8>,
    },
}

impl CardPublicKey {
    /// Its SubjectPublicKeyInfo (RSA-2048 or P-384, checked).
    pub fn spki(&self) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
        match self {
            CardPublicKey::Rsa { modulus, exponent } => rsa_spki(modulus, exponent),
            CardPublicKey::Ec { point } => p384_spki(point),
        }
    }

    /// For reports: "RSA-2048" or "ECC P-384".
    pub fn algorithm(&self) -> &'static str {
        match self {
            CardPublicKey::Rsa { .. } => "RSA-2048",
            CardPublicKey::Ec { .. } => "ECC P-384",
        }
    }
}

/// Decode the response data of GENERATE ASYMMETRIC KEY PAIR.
pub fn parse_public_key(data: &[u8]) -> Result<CardPublicKey, String> {
    let body = tlv::parse_single(data, TAG_PUBLIC_KEY)
        .map_err(|e| format!("public key DO 7F49: {e}"))?
        .ok_or_else(|| "the answer is not one public key DO 7F49".to_owned())?;
    let objects = tlv::parse_all(body).map_err(|e| format!("public key DO 7F49: {e}"))?;
    let find = |tag| {
        objects
            .iter()
            .find(|o| o.tag == tag)
            .map(|o| o.value.to_vec())
    };
    match (find(TAG_MODULUS), find(TAG_EXPONENT), find(TAG_EC_POINT)) {
        (Some(modulus), Some(exponent), None) if objects.len() == 2 => {
            Ok(CardPublicKey::Rsa { modulus, exponent })
        }
        (None, None, Some(point)) if objects.len() == 1 => Ok(CardPublicKey::Ec { point }),
        _ => Err("DO 7F49 must hold {81 modulus, 82 exponent} (RSA) or {86 point} (EC)".to_owned()),
    }
}
