//! The Document Basic Access Keys K_enc / K_mac (ICAO 9303-11 §9.7.2):
//! K_seed = the first 16 bytes of SHA-1(MRZ information), then
//! K_enc = KDF(K_seed, 1) and K_mac = KDF(K_seed, 2) for 3DES (§9.7.1.1).

use core::fmt;
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::tdes::TdesKey;
use crate::protocol::kdf::{self, KdfCounter, PasswordError, TDES_KEY_LEN};

/// K_enc and K_mac of one document, zeroized on drop.
#[derive(Clone)]
pub struct BacKeys {
    k_enc: Zeroizing<TdesKey>,
    k_mac: Zeroizing<TdesKey>,
}

impl BacKeys {
    /// From the printed MRZ fields without check digits, e.g.
    /// `("L898902C", "690806", "940623")`.
    pub fn from_mrz(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, PasswordError> {
        let information = kdf::mrz_information(document_number, date_of_birth, date_of_expiry)?;
        Ok(Self::from_mrz_information(&information))
    }

    /// From the MRZ information exactly as hashed (fields with their check
    /// digits, e.g. `L898902C<369080619406236`).
    pub fn from_mrz_information(information: &[u8]) -> Self {
        let digest = Zeroizing::new(Sha1::digest(information));
        Self::from_seed(&digest[..TDES_KEY_LEN])
    }

    /// From K_seed directly.
    pub fn from_seed(k_seed: &[u8]) -> Self {
        BacKeys {
            k_enc: kdf::kdf_3des(k_seed, KdfCounter::Enc),
            k_mac: kdf::kdf_3des(k_seed, KdfCounter::Mac),
        }
    }

    /// K_enc: encrypts S and R of the mutual authentication.
    pub fn k_enc(&self) -> &TdesKey {
        &self.k_enc
    }

    /// K_mac: authenticates E_IFD and E_IC.
    pub fn k_mac(&self) -> &TdesKey {
        &self.k_mac
    }
}

impl fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BacKeys").finish_non_exhaustive()
    }
}
