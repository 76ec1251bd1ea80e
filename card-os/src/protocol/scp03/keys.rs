//! The static SCP03 keys, the key diversification data and the per-card
//! diversification (docs/spec/scp03.md §Keys).

use alloc::vec::Vec;
use core::fmt;
use zeroize::{Zeroize, Zeroizing};

use super::error::Scp03Error;
use super::aes;

pub use super::aes::KEY_LEN;

/// Key diversification data length (GP Amd D §7.1.1.6: 10 bytes in the
/// INITIALIZE UPDATE response).
pub const KDD_LEN: usize = 10;
/// Encoded key set: KVN ‖ K-ENC ‖ K-MAC ‖ K-DEK.
pub const ENCODED_LEN: usize = 1 + 3 * KEY_LEN;

/// The KDD is the card number in ASCII, left-padded with this digit.
const KDD_PAD: u8 = b'0';
/// Prefix of the diversification input: "neid" (docs/spec/scp03.md).
const DIVERSIFICATION_PREFIX: &[u8] = b"neid";

/// Derivation constant of each key's diversification (docs/spec/scp03.md §Keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum KeyRole {
    Enc = 0x01,
    Mac = 0x02,
    Dek = 0x03,
}

/// One key set: key version number and the three static AES-128 keys.
/// Zeroized when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    pub kvn: u8,
    /// K-ENC: derives S-ENC.
    pub enc: [u8; KEY_LEN],
    /// K-MAC: derives S-MAC and S-RMAC.
    pub mac: [u8; KEY_LEN],
    /// K-DEK: reserved (no key is loaded under it).
    pub dek: [u8; KEY_LEN],
}

impl Drop for StaticKeys {
    fn drop(&mut self) {
        self.enc.zeroize();
        self.mac.zeroize();
        self.dek.zeroize();
    }
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKeys").field("kvn", &self.kvn).finish_non_exhaustive()
    }
}

impl StaticKeys {
    /// KVN ‖ K-ENC ‖ K-MAC ‖ K-DEK (the card image object, docs/spec/scp03.md).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(ENCODED_LEN));
        out.push(self.kvn);
        out.extend_from_slice(&self.enc);
        out.extend_from_slice(&self.mac);
        out.extend_from_slice(&self.dek);
        out
    }

    /// The inverse of `to_bytes`; anything but 49 bytes is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<StaticKeys, Scp03Error> {
        let wrong = Scp03Error::WrongLength { field: "key set", expected: ENCODED_LEN, actual: bytes.len() };
        let (&kvn, rest) = bytes.split_first().ok_or(wrong)?;
        if rest.len() != 3 * KEY_LEN {
            return Err(wrong);
        }
        let mut keys = StaticKeys { kvn, enc: [0; KEY_LEN], mac: [0; KEY_LEN], dek: [0; KEY_LEN] };
        keys.enc.copy_from_slice(&rest[..KEY_LEN]);
        keys.mac.copy_from_slice(&rest[KEY_LEN..2 * KEY_LEN]);
        keys.dek.copy_from_slice(&rest[2 * KEY_LEN..]);
        Ok(keys)
    }
}

/// Key diversification data: the card answers it in INITIALIZE UPDATE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kdd(pub [u8; KDD_LEN]);

/// KDD = the card number in ASCII, left-padded with '0' to 10 characters
/// ("210012345" → "0210012345"). Only 1 to 10 digits are a card number.
pub fn kdd_from_card_number(card_number: &str) -> Result<Kdd, Scp03Error> {
    let digits = card_number.as_bytes();
    if digits.is_empty() || digits.len() > KDD_LEN || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Scp03Error::InvalidCardNumber);
    }
    let mut kdd = [KDD_PAD; KDD_LEN];
    kdd[KDD_LEN - digits.len()..].copy_from_slice(digits);
    Ok(Kdd(kdd))
}

/// The card's keys from the issuer's master keys:
/// K-x (card) = AES-CMAC(master K-x, "neid" ‖ constant ‖ KDD); the KVN stays.
pub fn diversify(master: &StaticKeys, kdd: &Kdd) -> StaticKeys {
    StaticKeys {
        kvn: master.kvn,
        enc: diversify_one(&master.enc, KeyRole::Enc, kdd),
        mac: diversify_one(&master.mac, KeyRole::Mac, kdd),
        dek: diversify_one(&master.dek, KeyRole::Dek, kdd),
    }
}

fn diversify_one(master: &[u8; KEY_LEN], role: KeyRole, kdd: &Kdd) -> [u8; KEY_LEN] {
    aes::cmac(master, &[DIVERSIFICATION_PREFIX, &[role as u8], &kdd.0])
}
