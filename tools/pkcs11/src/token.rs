//! What the PKCS#11 layer needs from a card: the [`Token`] trait, with the
//! objects of the certificate zone as plain data ([`TokenObjects`]).
//!
//! The real token ([`crate::card_token`]) speaks to the certificate zone
//! (docs/spec/certificate-zone.md) through neid-terminal; unit tests use a
//! fake. Everything above this trait is PKCS#11 bookkeeping only.

use thiserror::Error;

/// The PIN2 and objects of the certificate zone (ISO 7816-15 TokenInfo,
/// AODF, PrKDF/PuKDF and CDF, with the public key and certificate EFs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenObjects {
    /// TokenInfo serialNumber: the card number.
    pub serial: String,
    /// TokenInfo label ("Taiwan New eID").
    pub label: String,
    /// AODF PIN2 minLength / maxLength.
    pub pin_min: usize,
    pub pin_max: usize,
    pub keys: Vec<KeyObject>,
    pub certificates: Vec<CertificateObject>,
}

/// One generated key pair (PrKDF + PuKDF entry and its public key EF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyObject {
    /// The card's key reference (`01`–`05`), used by MSE:SET.
    pub key_ref: u8,
    pub label: String,
    /// PKCS#15 iD (= CKA_ID).
    pub id: Vec<u8>,
    pub usage: KeyUsage,
    /// DER SubjectPublicKeyInfo from the public key EF.
    pub spki_der: Vec<u8>,
}

/// What the card lets a key do (certificate-zone.md §MSE:SET table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUsage {
    pub sign: bool,
    pub decrypt: bool,
    pub derive: bool,
}

impl KeyUsage {
    /// The usage the card enforces for a key reference: `01` signs, `02`
    /// deciphers, `03`–`05` sign and agree keys (certificate-zone.md §Slots).
    pub fn for_key_ref(key_ref: u8) -> Self {
        match key_ref {
            KEY_REF_SIGNATURE => Self { sign: true, ..Self::default() },
            KEY_REF_ENCIPHERMENT => Self { decrypt: true, ..Self::default() },
            _ => Self { sign: true, derive: true, ..Self::default() },
        }
    }
}

/// Key `01`: RSA signature and authentication key.
pub const KEY_REF_SIGNATURE: u8 = 0x01;
/// Key `02`: RSA encipherment key.
pub const KEY_REF_ENCIPHERMENT: u8 = 0x02;

/// One certificate (CDF entry and its EF content).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateObject {
    pub label: String,
    /// PKCS#15 iD: the key's iD for user certificates, `11`/`12` for CAs.
    pub id: Vec<u8>,
    /// CDF `authority` flag (root and intermediate).
    pub authority: bool,
    /// DER X.509 certificate.
    pub der: Vec<u8>,
}

/// Signature algorithms of PSO:COMPUTE DIGITAL SIGNATURE (MSE:SET DST alg).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignMechanism {
    /// alg `02`: input a DigestInfo (or any data ≤ 245 bytes), PKCS#1 v1.5 type 1 padding on the card.
    RsaPkcs1,
    /// alg `05`: input a SHA-256/384/512 hash; RSASSA-PSS, MGF1 same hash, salt = hash length.
    RsaPss,
    /// alg `40`: input a hash; output r‖s.
    Ecdsa,
}

/// Decipherment algorithms of PSO:DECIPHER (MSE:SET CT alg).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecipherMechanism {
    /// alg `1A`: RSAES-PKCS1-v1_5.
    RsaPkcs1,
    /// alg `1B`: RSAES-OAEP, SHA-1, MGF1-SHA-1, empty label.
    RsaOaepSha1,
    /// alg `1C`: RSAES-OAEP, SHA-256, MGF1-SHA-256, empty label.
    RsaOaepSha256,
}

/// PIN2 as the card reports it (VERIFY without data, ISO 7816-4 §11.5.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinStatus {
    Verified,
    TriesLeft(u8),
    Blocked,
    /// 6984: PIN2 was never set (pins.md); C_Login answers CKR_USER_PIN_NOT_INITIALIZED.
    NotSet,
}

/// Why a token operation failed. [`TokenError::rv`] gives the PKCS#11 code.
#[derive(Debug, Error)]
pub enum TokenError {
    /// The card has no certificate zone (SELECT of the PKCS#15 AID failed):
    /// the slot holds no token for this module.
    #[error("no PKCS#15 application on the card (status {0:04X})")]
    NoApplication(u16),
    /// The zone needs secure messaging and no CAN was given (NEID_CAN).
    #[error("the certificate zone needs secure messaging: set NEID_CAN to the card access number")]
    CanRequired,
    /// The zone answered 6882 under PACE: it does not use secure messaging
    /// (profile `card.certificate.secure_messaging = false`); open it plain.
    #[error("the certificate zone does not use secure messaging (6882)")]
    SecureMessagingUnsupported,
    /// PACE with the CAN failed (wrong CAN, or the card refused).
    #[error("PACE with the CAN failed: {0}")]
    Pace(String),
    /// VERIFY PIN2 answered 63Cx.
    #[error("wrong PIN2 ({tries_left} tries left)")]
    PinIncorrect { tries_left: u8 },
    /// VERIFY PIN2 answered 6983 (blocked).
    #[error("PIN2 is blocked")]
    PinBlocked,
    /// VERIFY PIN2 answered 6984 (not set).
    #[error("PIN2 is not set")]
    PinNotSet,
    /// A PIN2 value outside the format (digits, length): nothing was sent.
    #[error("PIN2: {0}")]
    PinFormat(String),
    /// A private-key command answered 6982: PIN2 not verified.
    #[error("PIN2 is not verified")]
    NotLoggedIn,
    /// The input was refused: by the card (6700 wrong length, 6A80 bad data,
    /// padding or point), or before sending it (`sw` None).
    #[error("input refused: {reason}")]
    InvalidInput { sw: Option<u16>, reason: String },
    /// The card is gone (removed, reader unplugged).
    #[error("card removed: {0}")]
    Removed(String),
    /// Any other card answer.
    #[error("card answered {sw:04X} to {operation}")]
    Card { operation: &'static str, sw: u16 },
    /// A PKCS#15 file, public key or certificate that does not decode.
    #[error("{0}")]
    Malformed(String),
    /// Transport, secure messaging or encoding failure.
    #[error("{0}")]
    Device(String),
}

impl TokenError {
    /// The card's status word behind the error, for
    /// `CK_SESSION_INFO.ulDeviceError` (0 when the card said nothing).
    pub fn device_error(&self) -> u64 {
        let sw = match self {
            Self::NoApplication(sw) | Self::Card { sw, .. } | Self::InvalidInput { sw: Some(sw), .. } => *sw,
            Self::CanRequired | Self::NotLoggedIn => SW_SECURITY_STATUS,
            Self::PinIncorrect { tries_left } => SW_TRIES_LEFT | u16::from(*tries_left),
            Self::PinBlocked => SW_BLOCKED,
            Self::PinNotSet => SW_NOT_SET,
            _ => 0,
        };
        u64::from(sw)
    }
}

/// ISO 7816-4 §5.6 status words behind the errors (pins.md, certificate-zone.md).
const SW_SECURITY_STATUS: u16 = 0x6982;
const SW_BLOCKED: u16 = 0x6983;
const SW_NOT_SET: u16 = 0x6984;
/// `63Cx`: verification failed, x tries left.
const SW_TRIES_LEFT: u16 = 0x63C0;

/// The card behind one slot.
pub trait Token: Send {
    /// Reads the zone's directory, keys and certificates.
    fn read_objects(&mut self) -> Result<TokenObjects, TokenError>;
    /// PIN2 state, without spending a try.
    fn pin_status(&mut self) -> Result<PinStatus, TokenError>;
    /// VERIFY PIN2.
    fn verify_pin(&mut self, pin: &[u8]) -> Result<(), TokenError>;
    /// Puts PIN2 back to "not verified" on the card (VERIFY P1 = FF, pins.md).
    fn logout(&mut self) -> Result<(), TokenError>;
    /// MSE:SET DST + PSO:COMPUTE DIGITAL SIGNATURE.
    fn sign(&mut self, key_ref: u8, mechanism: SignMechanism, input: &[u8]) -> Result<Vec<u8>, TokenError>;
    /// MSE:SET CT + PSO:DECIPHER.
    fn decipher(&mut self, key_ref: u8, mechanism: DecipherMechanism, cryptogram: &[u8])
    -> Result<Vec<u8>, TokenError>;
    /// MSE:SET CT alg `60` + PSO:DECIPHER with the other party's point: the x-coordinate.
    fn ecdh(&mut self, key_ref: u8, point: &[u8]) -> Result<Vec<u8>, TokenError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_follows_the_slot_table() {
        assert_eq!(KeyUsage::for_key_ref(1), KeyUsage { sign: true, decrypt: false, derive: false });
        assert_eq!(KeyUsage::for_key_ref(2), KeyUsage { sign: false, decrypt: true, derive: false });
        for key_ref in 3..=5 {
            assert_eq!(KeyUsage::for_key_ref(key_ref), KeyUsage { sign: true, decrypt: false, derive: true });
        }
    }
}
