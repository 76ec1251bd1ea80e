//! Chip Authentication v1 over ECDH (ICAO 9303-11 §6.2, TR-03110-3 A.1.1.2).
//!
//! The chip proves it holds the static private key whose public key is in
//! DG14 (signed through EF.SOD) by agreeing new secure-messaging keys with a
//! terminal's ephemeral key:
//!
//! 1. The terminal reads ChipAuthenticationInfo and
//!    ChipAuthenticationPublicKeyInfo from DG14 ([`info`]) and makes an
//!    ephemeral key pair on the chip key's domain parameters.
//! 2. 3DES: `MSE:Set KAT 00 22 41 A6 { 91 PK_IFD [84 keyId] }`;
//!    AES: `MSE:Set AT 00 22 41 A4 { 80 OID [84 keyId] }` then
//!    `GENERAL AUTHENTICATE 00 86 00 00 7C { 80 PK_IFD }` ([`messages`]).
//! 3. Both compute K = x(SK·PK) (ECKA, BSI TR-03111 §4.3.1), derive
//!    KS_enc = KDF(K, 1) and KS_mac = KDF(K, 2) (ICAO 9303-11 §9.7.1) and
//!    restart secure messaging with SSC = 0 (§6.2.3 step 4).
//!
//! The chip answers the command that completes CA still under the old
//! session keys, then switches (ICAO 9303-11 §6.2.4).

pub mod info;
pub mod messages;

use alloc::vec::Vec;
use core::fmt;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::protocol::bac::TdesSmSession;
use crate::protocol::der::DerError;
use crate::protocol::kdf::{KdfCounter, TDES_KEY_LEN, kdf, kdf_3des};
use crate::protocol::pace::{PaceCipher, PaceError, StandardizedDomainParameters};
use crate::protocol::sm::SmSession;

pub use info::{
    ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, Dg14, decode_dg14, encode_dg14,
};
pub use messages::{CaCommandData, general_authenticate_data, mse_set_at_data, mse_set_kat_data};

/// The SSC of the new session: 0 (ICAO 9303-11 §6.2.3 step 4; §9.8.2).
const TDES_INITIAL_SSC: [u8; 8] = [0; 8];

/// The symmetric cipher id-CA-ECDH-… sets up (TR-03110-3 A.1.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaCipher {
    /// id-CA-ECDH-3DES-CBC-CBC, 0.4.0.127.0.7.2.2.3.2.1
    Tdes,
    /// id-CA-ECDH-AES-CBC-CMAC-128, 0.4.0.127.0.7.2.2.3.2.2
    Aes128,
    /// id-CA-ECDH-AES-CBC-CMAC-192, 0.4.0.127.0.7.2.2.3.2.3
    Aes192,
    /// id-CA-ECDH-AES-CBC-CMAC-256, 0.4.0.127.0.7.2.2.3.2.4
    Aes256,
}

impl CaCipher {
    pub const ALL: [CaCipher; 4] = [
        CaCipher::Tdes,
        CaCipher::Aes128,
        CaCipher::Aes192,
        CaCipher::Aes256,
    ];

    /// The AES cipher of PACE / AES SM, `None` for 3DES.
    pub fn aes(self) -> Option<PaceCipher> {
        match self {
            CaCipher::Tdes => None,
            CaCipher::Aes128 => Some(PaceCipher::Aes128),
            CaCipher::Aes192 => Some(PaceCipher::Aes192),
            CaCipher::Aes256 => Some(PaceCipher::Aes256),
        }
    }
}

/// Why a Chip Authentication step failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaError {
    /// The protocol OID is not id-CA-ECDH-3DES/AES-… (DH and CA v2/v3 are not ours).
    UnsupportedProtocol,
    /// A key or point is not valid on the domain parameters (see the inner error).
    Key(PaceError),
    /// DG14 or a command data field is malformed.
    Malformed {
        field: &'static str,
        rule: &'static str,
    },
    /// The terminal's ephemeral key equals the chip's static key.
    ReflectedKey,
    /// The new secure-messaging session could not be made.
    SecureMessaging,
}

impl CaError {
    /// The status word for the MSE / GENERAL AUTHENTICATE that failed
    /// (ISO 7816-4 §5.6: 6A80 wrong data, 6A88 referenced data not found).
    pub fn status_word(&self) -> u16 {
        match self {
            CaError::UnsupportedProtocol => 0x6A81,
            CaError::SecureMessaging => 0x6F00,
            CaError::Key(_) | CaError::Malformed { .. } | CaError::ReflectedKey => 0x6A80,
        }
    }
}

impl From<PaceError> for CaError {
    fn from(e: PaceError) -> Self {
        CaError::Key(e)
    }
}

impl From<DerError> for CaError {
    fn from(e: DerError) -> Self {
        match e {
            DerError::Malformed { field, rule } => CaError::Malformed { field, rule },
            DerError::Tlv(_) => CaError::Malformed {
                field: "Chip Authentication data",
                rule: "BER-TLV structure is broken",
            },
        }
    }
}

impl fmt::Display for CaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaError::UnsupportedProtocol => f.write_str(
                "Chip Authentication protocol: only id-CA-ECDH-3DES-CBC-CBC and id-CA-ECDH-AES-CBC-CMAC-128/192/256 (0.4.0.127.0.7.2.2.3.2.1-4) are supported",
            ),
            CaError::Key(e) => write!(f, "Chip Authentication key: {e}"),
            CaError::Malformed { field, rule } => write!(f, "Chip Authentication {field}: {rule}"),
            CaError::ReflectedKey => f.write_str(
                "Chip Authentication: the terminal's ephemeral key must differ from the chip's static key",
            ),
            CaError::SecureMessaging => {
                f.write_str("Chip Authentication: the new session keys were refused by secure messaging")
            }
        }
    }
}

/// The session keys Chip Authentication sets up, zeroized on drop.
pub struct CaSessionKeys {
    pub cipher: CaCipher,
    pub ks_enc: Zeroizing<Vec<u8>>,
    pub ks_mac: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for CaSessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaSessionKeys")
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

/// The secure-messaging session CA restarts, with SSC = 0.
#[derive(Debug)]
pub enum CaSecureMessaging {
    Aes(SmSession),
    Tdes(TdesSmSession),
}

impl CaSessionKeys {
    /// KS_enc / KS_mac from the shared secret K (ICAO 9303-11 §9.7.1).
    pub fn derive(cipher: CaCipher, shared_secret: &[u8]) -> Self {
        let (ks_enc, ks_mac) = match cipher.aes() {
            Some(aes) => (
                kdf(shared_secret, KdfCounter::Enc, aes),
                kdf(shared_secret, KdfCounter::Mac, aes),
            ),
            None => (
                Zeroizing::new(kdf_3des(shared_secret, KdfCounter::Enc).to_vec()),
                Zeroizing::new(kdf_3des(shared_secret, KdfCounter::Mac).to_vec()),
            ),
        };
        CaSessionKeys {
            cipher,
            ks_enc,
            ks_mac,
        }
    }

    /// The restarted session (SSC = 0, ICAO 9303-11 §6.2.3 step 4).
    pub fn session(&self) -> Result<CaSecureMessaging, CaError> {
        match self.cipher {
            CaCipher::Tdes => {
                if self.ks_enc.len() != TDES_KEY_LEN {
                    return Err(CaError::SecureMessaging);
                }
                TdesSmSession::new(&self.ks_enc, &self.ks_mac, TDES_INITIAL_SSC)
                    .map(CaSecureMessaging::Tdes)
                    .map_err(|_| CaError::SecureMessaging)
            }
            _ => SmSession::new(&self.ks_enc, &self.ks_mac)
                .map(CaSecureMessaging::Aes)
                .map_err(|_| CaError::SecureMessaging),
        }
    }
}

/// Terminal side of CA: the ephemeral key pair and the chip's static key.
pub struct CaTerminal {
    cipher: CaCipher,
    domain: StandardizedDomainParameters,
    key_id: Option<u32>,
    private_key: Zeroizing<Vec<u8>>,
    public_key: Vec<u8>,
    chip_public_key: Vec<u8>,
}

impl CaTerminal {
    /// Choose the ephemeral key pair on the chip key's domain parameters
    /// (ICAO 9303-11 §6.2.3 step 1). The key id of `info` and `key` must
    /// agree when both are present (TR-03110-3 A.1.1.2).
    pub fn new(
        rng: &mut impl CryptoRng,
        info: &ChipAuthenticationInfo,
        key: &ChipAuthenticationPublicKeyInfo,
    ) -> Result<Self, CaError> {
        if let (Some(a), Some(b)) = (info.key_id, key.key_id)
            && a != b
        {
            return Err(CaError::Malformed {
                field: "keyId",
                rule: "ChipAuthenticationInfo and ChipAuthenticationPublicKeyInfo must name the same key",
            });
        }
        key.domain.check_public_key(&key.public_key)?;
        let private_key = key.domain.generate_private_key(rng)?;
        let public_key = key.domain.public_key(&private_key)?;
        Ok(CaTerminal {
            cipher: info.cipher,
            domain: key.domain,
            key_id: info.key_id.or(key.key_id),
            private_key,
            public_key,
            chip_public_key: key.public_key.clone(),
        })
    }

    pub fn cipher(&self) -> CaCipher {
        self.cipher
    }

    /// PK_IFD, the ephemeral public key (uncompressed point).
    pub fn ephemeral_public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The commands that carry PK_IFD to the chip: MSE:Set KAT for 3DES, MSE:Set
    /// AT and GENERAL AUTHENTICATE for AES (ICAO 9303-11 §6.2.4).
    pub fn commands(&self) -> Vec<crate::protocol::sm::Command> {
        messages::terminal_commands(self.cipher, &self.public_key, self.key_id)
    }

    /// K = x(SK_IFD · PK_IC) and the new session keys (§6.2.3 step 3).
    pub fn finish(self) -> Result<CaSessionKeys, CaError> {
        let shared_point =
            Zeroizing::new(self.domain.multiply(&self.private_key, &self.chip_public_key)?);
        let k = Zeroizing::new(self.domain.x_coordinate(&shared_point)?);
        Ok(CaSessionKeys::derive(self.cipher, &k))
    }
}

/// Chip side of CA: K = x(SK_IC · PK_IFD) with the static key, after checking
/// PK_IFD is a valid point (ICAO 9303-11 §6.2.3 step 2, TR-03110-3 A.3.4).
pub fn ca_chip_agree(
    domain: StandardizedDomainParameters,
    cipher: CaCipher,
    static_private_key: &[u8],
    terminal_public_key: &[u8],
) -> Result<CaSessionKeys, CaError> {
    domain.check_public_key(terminal_public_key)?;
    let static_public_key = domain.public_key(static_private_key)?;
    if bool::from(static_public_key.as_slice().ct_eq(terminal_public_key)) {
        return Err(CaError::ReflectedKey);
    }
    let shared_point = Zeroizing::new(domain.multiply(static_private_key, terminal_public_key)?);
    let k = Zeroizing::new(domain.x_coordinate(&shared_point)?);
    Ok(CaSessionKeys::derive(cipher, &k))
}
