//! The chip (IC) side of BAC mutual authentication (ICAO 9303-11 §4.3.3.1
//! step 1 and §4.3.3.2 steps 1-2), as typed states:
//!
//! [`BacChip`] —GET CHALLENGE→ [`BacChipChallenged`] —EXTERNAL AUTHENTICATE→
//! ([`BacResult`], E_IC‖M_IC).
//!
//! Each state is consumed: a failed EXTERNAL AUTHENTICATE spends RND.IC, so the
//! terminal needs a fresh GET CHALLENGE (no replay of a cryptogram, and no
//! EXTERNAL AUTHENTICATE without a challenge).

use core::fmt;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::cryptogram::{self, Payload};
use super::error::BacError;
use super::keys::BacKeys;
use super::messages::{AUTHENTICATION_DATA_LEN, CRYPTOGRAM_LEN, KEY_MATERIAL_LEN, RND_LEN};
use super::result::BacResult;

/// A chip that holds its document's K_enc / K_mac.
#[derive(Debug)]
pub struct BacChip {
    keys: BacKeys,
}

impl BacChip {
    pub fn new(keys: BacKeys) -> Self {
        BacChip { keys }
    }

    /// GET CHALLENGE: draw RND.IC; answer it with [`BacChipChallenged::rnd_ic`].
    pub fn get_challenge(self, rng: &mut impl CryptoRng) -> BacChipChallenged {
        let mut rnd_ic = [0u8; RND_LEN];
        rng.fill_bytes(&mut rnd_ic);
        self.get_challenge_with(rnd_ic)
    }

    /// [`get_challenge`](Self::get_challenge) with a given RND.IC (tests).
    pub fn get_challenge_with(self, rnd_ic: [u8; RND_LEN]) -> BacChipChallenged {
        BacChipChallenged {
            keys: self.keys,
            rnd_ic,
        }
    }
}

/// RND.IC is out; waiting for EXTERNAL AUTHENTICATE.
pub struct BacChipChallenged {
    keys: BacKeys,
    rnd_ic: [u8; RND_LEN],
}

impl BacChipChallenged {
    /// The GET CHALLENGE response data.
    pub fn rnd_ic(&self) -> [u8; RND_LEN] {
        self.rnd_ic
    }

    /// EXTERNAL AUTHENTICATE with E_IFD ‖ M_IFD: check M_IFD and RND.IC, draw
    /// K.IC, answer E_IC ‖ M_IC and derive the session.
    pub fn external_authenticate(
        self,
        data: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(BacResult, [u8; AUTHENTICATION_DATA_LEN]), BacError> {
        let mut k_ic = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
        rng.fill_bytes(&mut k_ic[..]);
        self.external_authenticate_with(data, *k_ic)
    }

    /// [`external_authenticate`](Self::external_authenticate) with a given
    /// K.IC (replaying ICAO 9303-11 Appendix D.3).
    pub fn external_authenticate_with(
        self,
        data: &[u8],
        k_ic: [u8; KEY_MATERIAL_LEN],
    ) -> Result<(BacResult, [u8; AUTHENTICATION_DATA_LEN]), BacError> {
        let k_ic = Zeroizing::new(k_ic);
        let s = cryptogram::open(&self.keys, data)?;
        // S = RND.IFD ‖ RND.IC ‖ K.IFD (ICAO 9303-11 §4.3.3.2 step 1).
        let (rnd_ifd, rest) = s.split_at(RND_LEN);
        let (rnd_ic, k_ifd) = rest.split_at(RND_LEN);
        if !bool::from(rnd_ic.ct_eq(&self.rnd_ic)) {
            return Err(BacError::ChallengeMismatch { nonce: "RND.IC" });
        }
        let mut rnd_ifd_owned = [0u8; RND_LEN];
        rnd_ifd_owned.copy_from_slice(rnd_ifd);
        let mut k_ifd_owned = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
        k_ifd_owned.copy_from_slice(k_ifd);
        // R = RND.IC ‖ RND.IFD ‖ K.IC (§4.3.3.2 step 2).
        let mut r: Zeroizing<Payload> = Zeroizing::new([0u8; CRYPTOGRAM_LEN]);
        r[..RND_LEN].copy_from_slice(&self.rnd_ic);
        r[RND_LEN..2 * RND_LEN].copy_from_slice(&rnd_ifd_owned);
        r[2 * RND_LEN..].copy_from_slice(&k_ic[..]);
        let answer = cryptogram::seal(&self.keys, &r)?;
        let result = BacResult::derive(&k_ifd_owned, &k_ic, &self.rnd_ic, &rnd_ifd_owned);
        Ok((result, answer))
    }
}

impl fmt::Debug for BacChipChallenged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BacChipChallenged").finish_non_exhaustive()
    }
}
