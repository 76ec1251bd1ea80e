//! Key slots of the certificate zone and the mechanisms each one offers
//! (docs/spec/certificate-zone.md §Slots, §MSE:SET, §INTERNAL AUTHENTICATE):
//! the algorithm identifiers sent in MSE:SET DO'80' / INTERNAL AUTHENTICATE
//! P1, and the input rules checked before anything is sent.

use std::fmt;

/// One of the five key pairs (key reference = the enum value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeySlot {
    /// `01`: RSA-2048, signature (CDS) and client authentication.
    SignAuth = 1,
    /// `02`: RSA-2048, decipherment (PSO:DECIPHER), key transport.
    Decipher = 2,
    /// `03`–`05`: ECC P-384, CDS, INTERNAL AUTHENTICATE, ECDH.
    Ecc1 = 3,
    Ecc2 = 4,
    Ecc3 = 5,
}

/// The key pair's algorithm (fixed per slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    Rsa2048,
    EcP384,
}

impl KeyAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa2048 => "RSA-2048",
            KeyAlgorithm::EcP384 => "ECC P-384",
        }
    }

    /// Bytes of a signature by a key of this algorithm (PSO:CDS and
    /// INTERNAL AUTHENTICATE answer nothing else).
    pub fn signature_len(self) -> usize {
        match self {
            KeyAlgorithm::Rsa2048 => RSA_SIGNATURE_LEN,
            KeyAlgorithm::EcP384 => ECDSA_P384_SIGNATURE_LEN,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// First FID of the public key EFs (`4421` for key `01`).
const FID_PUBLIC_KEY_BASE: u16 = 0x4420;
/// User certificate EFs: `4433` for key `01` … `4436` for key `04`; key `05` has none.
const FID_USER_CERTIFICATE_BASE: u16 = 0x4432;

impl KeySlot {
    pub const ALL: [KeySlot; 5] = [KeySlot::SignAuth, KeySlot::Decipher, KeySlot::Ecc1, KeySlot::Ecc2, KeySlot::Ecc3];

    /// The key reference of MSE:SET DO'84', GENERATE P2 and INTERNAL AUTHENTICATE P2 b5-b1.
    pub fn key_ref(self) -> u8 {
        self as u8
    }

    pub fn from_ref(key_ref: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|slot| slot.key_ref() == key_ref)
    }

    /// The PrKDF / PuKDF label of the key (certificate-zone.md §PKCS#15 files).
    pub fn label(self) -> &'static str {
        match self {
            KeySlot::SignAuth => "Signature and authentication key",
            KeySlot::Decipher => "Encipherment key",
            KeySlot::Ecc1 => "ECC key 1",
            KeySlot::Ecc2 => "ECC key 2",
            KeySlot::Ecc3 => "ECC key 3",
        }
    }

    /// The short name of the command line (`--key`).
    pub fn name(self) -> &'static str {
        match self {
            KeySlot::SignAuth => "sign",
            KeySlot::Decipher => "enc",
            KeySlot::Ecc1 => "ecc1",
            KeySlot::Ecc2 => "ecc2",
            KeySlot::Ecc3 => "ecc3",
        }
    }

    /// `sign` and `auth` both name key `01`; `enc` key `02`; `ecc1`..`ecc3` keys `03`..`05`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "sign" | "auth" => Ok(KeySlot::SignAuth),
            "enc" => Ok(KeySlot::Decipher),
            "ecc1" => Ok(KeySlot::Ecc1),
            "ecc2" => Ok(KeySlot::Ecc2),
            "ecc3" => Ok(KeySlot::Ecc3),
            other => Err(format!("unknown key `{other}` (known: sign, auth, enc, ecc1, ecc2, ecc3)")),
        }
    }

    pub fn algorithm(self) -> KeyAlgorithm {
        match self {
            KeySlot::SignAuth | KeySlot::Decipher => KeyAlgorithm::Rsa2048,
            KeySlot::Ecc1 | KeySlot::Ecc2 | KeySlot::Ecc3 => KeyAlgorithm::EcP384,
        }
    }

    /// FID of the EF holding the DER SubjectPublicKeyInfo (`4421`–`4425`).
    pub fn public_key_fid(self) -> u16 {
        FID_PUBLIC_KEY_BASE + u16::from(self.key_ref())
    }

    /// FID of the user certificate EF (`4433`–`4436`); key `05` has none.
    pub fn certificate_fid(self) -> Option<u16> {
        match self {
            KeySlot::Ecc3 => None,
            slot => Some(FID_USER_CERTIFICATE_BASE + u16::from(slot.key_ref())),
        }
    }
}

impl fmt::Display for KeySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key {:02X} ({})", self.key_ref(), self.label())
    }
}

impl std::str::FromStr for KeySlot {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text)
    }
}

/// Largest input of a PKCS#1 v1.5 type 1 block for a 2048-bit key: 256 − 11 (RFC 8017 §9.2).
pub const RSA_PKCS1_INPUT_MAX: usize = 245;
/// RSASSA-PSS input: a SHA-256, SHA-384 or SHA-512 hash (the card picks the hash by length).
pub const RSA_PSS_HASH_LENGTHS: [usize; 3] = [32, 48, 64];
/// ECDSA input: a hash of 1 to 64 bytes (leftmost 384 bits used, FIPS 186-4 §6.4).
pub const ECDSA_INPUT_MAX: usize = 64;
/// A 2048-bit RSA cryptogram.
pub const RSA_CRYPTOGRAM_LEN: usize = 256;
/// An RSA-2048 signature: k = 256 bytes (RFC 8017 §8.1.1, §8.2.1).
pub const RSA_SIGNATURE_LEN: usize = 256;
/// A P-384 ECDSA signature: r ‖ s, 48 bytes each (BSI TR-03111 §5.2.1 plain format).
pub const ECDSA_P384_SIGNATURE_LEN: usize = 96;
/// An uncompressed P-384 point `04 ‖ X ‖ Y` (SEC 1 §2.3.3).
pub const P384_POINT_LEN: usize = 97;
/// The `04` first byte of an uncompressed point.
pub const UNCOMPRESSED_POINT: u8 = 0x04;

/// MSE:SET DST algorithm identifiers (certificate-zone.md §MSE:SET).
const ALG_RSA_PKCS1: u8 = 0x02;
const ALG_RSA_PSS: u8 = 0x05;
const ALG_ECDSA: u8 = 0x40;
/// MSE:SET CT algorithm identifiers.
const ALG_RSA_DECIPHER_PKCS1: u8 = 0x1A;
const ALG_RSA_DECIPHER_OAEP_SHA1: u8 = 0x1B;
const ALG_RSA_DECIPHER_OAEP_SHA256: u8 = 0x1C;
pub(crate) const ALG_ECDH: u8 = 0x60;
/// INTERNAL AUTHENTICATE P1 (certificate-zone.md §INTERNAL AUTHENTICATE).
const ALG_AUTH_RSA_PKCS1: u8 = 0x01;
const ALG_AUTH_ECDSA: u8 = 0x41;

/// PSO:COMPUTE DIGITAL SIGNATURE schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignMechanism {
    /// Key `01`: input a DigestInfo (or any data ≤ 245 bytes); the card adds
    /// the PKCS#1 v1.5 type 1 padding (RFC 8017 §8.2).
    RsaPkcs1,
    /// Key `01`: input a hash of 32, 48 or 64 bytes; RSASSA-PSS with MGF1 of
    /// the same hash and salt length = hash length (RFC 8017 §8.1).
    RsaPss,
    /// Keys `03`–`05`: input a hash of 1–64 bytes; output r‖s (96 bytes).
    Ecdsa,
}

impl SignMechanism {
    pub fn name(self) -> &'static str {
        match self {
            SignMechanism::RsaPkcs1 => "RSA PKCS#1 v1.5",
            SignMechanism::RsaPss => "RSASSA-PSS",
            SignMechanism::Ecdsa => "ECDSA",
        }
    }

    /// MSE:SET DST DO'80'.
    pub(crate) fn algorithm_id(self) -> u8 {
        match self {
            SignMechanism::RsaPkcs1 => ALG_RSA_PKCS1,
            SignMechanism::RsaPss => ALG_RSA_PSS,
            SignMechanism::Ecdsa => ALG_ECDSA,
        }
    }

    /// Whether the key in `slot` signs with this mechanism.
    pub fn allowed_for(self, slot: KeySlot) -> bool {
        match self {
            SignMechanism::RsaPkcs1 | SignMechanism::RsaPss => slot == KeySlot::SignAuth,
            SignMechanism::Ecdsa => slot.algorithm() == KeyAlgorithm::EcP384,
        }
    }

    /// The input rule of the mechanism, `None` when `input` follows it.
    pub(crate) fn input_violation(self, input: &[u8]) -> Option<String> {
        let len = input.len();
        match self {
            SignMechanism::RsaPkcs1 if len == 0 || len > RSA_PKCS1_INPUT_MAX => {
                Some(format!("{len} bytes; RSA PKCS#1 v1.5 signs 1 to {RSA_PKCS1_INPUT_MAX} bytes (a DigestInfo)"))
            }
            SignMechanism::RsaPss if !RSA_PSS_HASH_LENGTHS.contains(&len) => {
                Some(format!("{len} bytes; RSASSA-PSS signs a SHA-256, SHA-384 or SHA-512 hash (32, 48 or 64 bytes)"))
            }
            SignMechanism::Ecdsa if len == 0 || len > ECDSA_INPUT_MAX => {
                Some(format!("{len} bytes; ECDSA signs a hash of 1 to {ECDSA_INPUT_MAX} bytes"))
            }
            _ => None,
        }
    }

    /// INTERNAL AUTHENTICATE P1 for this scheme (PKCS#1 v1.5 and ECDSA only).
    pub(crate) fn internal_authenticate_id(self) -> Option<u8> {
        match self {
            SignMechanism::RsaPkcs1 => Some(ALG_AUTH_RSA_PKCS1),
            SignMechanism::Ecdsa => Some(ALG_AUTH_ECDSA),
            SignMechanism::RsaPss => None,
        }
    }

    /// The scheme of INTERNAL AUTHENTICATE with the key in `slot`.
    pub(crate) fn for_internal_authenticate(slot: KeySlot) -> Option<Self> {
        match slot {
            KeySlot::SignAuth => Some(SignMechanism::RsaPkcs1),
            KeySlot::Decipher => None,
            KeySlot::Ecc1 | KeySlot::Ecc2 | KeySlot::Ecc3 => Some(SignMechanism::Ecdsa),
        }
    }
}

/// PSO:DECIPHER schemes of key `02` (RFC 8017 §7.1, §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecipherMechanism {
    /// RSAES-PKCS1-v1_5.
    RsaPkcs1,
    /// RSAES-OAEP, SHA-1, MGF1-SHA-1, empty label.
    RsaOaepSha1,
    /// RSAES-OAEP, SHA-256, MGF1-SHA-256, empty label.
    RsaOaepSha256,
}

impl DecipherMechanism {
    pub fn name(self) -> &'static str {
        match self {
            DecipherMechanism::RsaPkcs1 => "RSAES-PKCS1-v1_5",
            DecipherMechanism::RsaOaepSha1 => "RSAES-OAEP SHA-1",
            DecipherMechanism::RsaOaepSha256 => "RSAES-OAEP SHA-256",
        }
    }

    /// MSE:SET CT DO'80'.
    pub(crate) fn algorithm_id(self) -> u8 {
        match self {
            DecipherMechanism::RsaPkcs1 => ALG_RSA_DECIPHER_PKCS1,
            DecipherMechanism::RsaOaepSha1 => ALG_RSA_DECIPHER_OAEP_SHA1,
            DecipherMechanism::RsaOaepSha256 => ALG_RSA_DECIPHER_OAEP_SHA256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_the_spec_table() {
        assert_eq!(KeySlot::from_ref(1), Some(KeySlot::SignAuth));
        assert_eq!(KeySlot::from_ref(6), None);
        assert_eq!(KeySlot::Ecc1.public_key_fid(), 0x4423);
        assert_eq!(KeySlot::SignAuth.certificate_fid(), Some(0x4433));
        assert_eq!(KeySlot::Ecc2.certificate_fid(), Some(0x4436));
        assert_eq!(KeySlot::Ecc3.certificate_fid(), None);
        assert_eq!(KeySlot::parse("auth"), Ok(KeySlot::SignAuth));
        assert_eq!(KeySlot::parse("ecc3"), Ok(KeySlot::Ecc3));
        assert!(KeySlot::parse("ecc4").unwrap_err().contains("unknown key `ecc4`"));
        assert_eq!(KeySlot::Decipher.to_string(), "key 02 (Encipherment key)");
    }

    #[test]
    fn mechanisms_check_key_and_input() {
        assert!(SignMechanism::RsaPss.allowed_for(KeySlot::SignAuth));
        assert!(!SignMechanism::RsaPkcs1.allowed_for(KeySlot::Decipher));
        assert!(SignMechanism::Ecdsa.allowed_for(KeySlot::Ecc3));
        assert!(!SignMechanism::Ecdsa.allowed_for(KeySlot::SignAuth));
        assert!(SignMechanism::RsaPss.input_violation(&[0; 48]).is_none());
        assert!(SignMechanism::RsaPss.input_violation(&[0; 20]).is_some());
        assert!(SignMechanism::RsaPkcs1.input_violation(&[0; 246]).is_some());
        assert!(SignMechanism::Ecdsa.input_violation(&[0; 65]).is_some());
        assert!(SignMechanism::Ecdsa.input_violation(&[0; 20]).is_none());
    }
}
