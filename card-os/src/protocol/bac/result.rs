//! What BAC establishes: the session keys and the starting SSC
//! (ICAO 9303-11 §4.3.3.3 and §9.8.2).

use core::fmt;
use zeroize::Zeroizing;

use super::messages::{KEY_MATERIAL_LEN, RND_LEN};
use super::tdes::{TDES_BLOCK_SIZE, TdesKey};
use crate::protocol::kdf::{KdfCounter, kdf_3des};

/// The session after a successful BAC, for [`TdesSmSession::from_bac`](super::TdesSmSession::from_bac).
pub struct BacResult {
    /// KS_enc = KDF(K.IFD ⊕ K.IC, 1).
    pub ks_enc: Zeroizing<TdesKey>,
    /// KS_mac = KDF(K.IFD ⊕ K.IC, 2).
    pub ks_mac: Zeroizing<TdesKey>,
    /// SSC = the 4 least significant bytes of RND.IC ‖ those of RND.IFD.
    pub ssc: [u8; TDES_BLOCK_SIZE],
}

impl BacResult {
    /// Both ends compute the same from the exchanged values.
    pub(super) fn derive(
        k_ifd: &[u8; KEY_MATERIAL_LEN],
        k_ic: &[u8; KEY_MATERIAL_LEN],
        rnd_ic: &[u8; RND_LEN],
        rnd_ifd: &[u8; RND_LEN],
    ) -> Self {
        let mut k_seed = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
        for (seed, (a, b)) in k_seed.iter_mut().zip(k_ifd.iter().zip(k_ic)) {
            *seed = a ^ b;
        }
        const HALF: usize = RND_LEN / 2;
        let mut ssc = [0u8; TDES_BLOCK_SIZE];
        ssc[..HALF].copy_from_slice(&rnd_ic[HALF..]);
        ssc[HALF..].copy_from_slice(&rnd_ifd[HALF..]);
        BacResult {
            ks_enc: kdf_3des(&k_seed[..], KdfCounter::Enc),
            ks_mac: kdf_3des(&k_seed[..], KdfCounter::Mac),
            ssc,
        }
    }
}

impl fmt::Debug for BacResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BacResult").finish_non_exhaustive()
    }
}
