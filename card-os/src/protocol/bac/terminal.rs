//! The terminal (IFD) side of BAC mutual authentication (ICAO 9303-11
//! §4.3.3.1 steps 2-4 and §4.3.3.2 steps 2-3), as typed states:
//!
//! [`BacTerminal`] —(RND.IC from GET CHALLENGE)→ [`BacTerminalAuthenticating`]
//! —(E_IC‖M_IC)→ [`BacResult`].

use core::fmt;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::cryptogram::{self, Payload};
use super::error::BacError;
use super::keys::BacKeys;
use super::messages::{self, AUTHENTICATION_DATA_LEN, CRYPTOGRAM_LEN, KEY_MATERIAL_LEN, RND_LEN};
use super::result::BacResult;
use crate::protocol::sm::{Command, Response};

/// ISO 7816-4 §5.6: normal processing.
const SW_SUCCESS: u16 = 0x9000;

/// A terminal that knows the document's K_enc / K_mac (from its MRZ).
#[derive(Debug)]
pub struct BacTerminal {
    keys: BacKeys,
}

impl BacTerminal {
    pub fn new(keys: BacKeys) -> Self {
        BacTerminal { keys }
    }

    /// The first command: GET CHALLENGE `00 84 00 00 08`.
    pub fn get_challenge_command(&self) -> Command {
        messages::get_challenge_command()
    }

    /// Step 2 with the chip's RND.IC: draw RND.IFD and K.IFD and build
    /// E_IFD ‖ M_IFD.
    pub fn authenticate(
        self,
        rnd_ic: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<BacTerminalAuthenticating, BacError> {
        let mut rnd_ifd = [0u8; RND_LEN];
        rng.fill_bytes(&mut rnd_ifd);
        let mut k_ifd = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
        rng.fill_bytes(&mut k_ifd[..]);
        self.authenticate_with(rnd_ic, rnd_ifd, *k_ifd)
    }

    /// [`authenticate`](Self::authenticate) with given RND.IFD and K.IFD
    /// (replaying ICAO 9303-11 Appendix D.3; never with fixed values in use).
    pub fn authenticate_with(
        self,
        rnd_ic: &[u8],
        rnd_ifd: [u8; RND_LEN],
        k_ifd: [u8; KEY_MATERIAL_LEN],
    ) -> Result<BacTerminalAuthenticating, BacError> {
        let rnd_ic = <[u8; RND_LEN]>::try_from(rnd_ic).map_err(|_| BacError::WrongLength {
            field: "RND.IC (GET CHALLENGE response)",
            expected: RND_LEN,
            actual: rnd_ic.len(),
        })?;
        let k_ifd = Zeroizing::new(k_ifd);
        // S = RND.IFD ‖ RND.IC ‖ K.IFD (ICAO 9303-11 §4.3.3.1 step 2).
        let mut s: Zeroizing<Payload> = Zeroizing::new([0u8; CRYPTOGRAM_LEN]);
        s[..RND_LEN].copy_from_slice(&rnd_ifd);
        s[RND_LEN..2 * RND_LEN].copy_from_slice(&rnd_ic);
        s[2 * RND_LEN..].copy_from_slice(&k_ifd[..]);
        let data = cryptogram::seal(&self.keys, &s)?;
        Ok(BacTerminalAuthenticating {
            keys: self.keys,
            rnd_ic,
            rnd_ifd,
            k_ifd,
            data,
        })
    }
}

/// EXTERNAL AUTHENTICATE is built; waiting for the chip's E_IC ‖ M_IC.
pub struct BacTerminalAuthenticating {
    keys: BacKeys,
    rnd_ic: [u8; RND_LEN],
    rnd_ifd: [u8; RND_LEN],
    k_ifd: Zeroizing<[u8; KEY_MATERIAL_LEN]>,
    data: [u8; AUTHENTICATION_DATA_LEN],
}

impl BacTerminalAuthenticating {
    /// E_IFD ‖ M_IFD, the EXTERNAL AUTHENTICATE data field.
    pub fn external_authenticate_data(&self) -> &[u8; AUTHENTICATION_DATA_LEN] {
        &self.data
    }

    /// `00 82 00 00 28 E_IFD‖M_IFD 28`.
    pub fn external_authenticate_command(&self) -> Command {
        messages::external_authenticate_command(&self.data)
    }

    /// Check the chip's answer: SW 9000, M_IC, RND.IFD echoed, RND.IC as sent
    /// (ICAO 9303-11 §4.3.3.2 step 3); derive the session.
    pub fn finish(self, response: &Response) -> Result<BacResult, BacError> {
        if response.sw != SW_SUCCESS {
            return Err(BacError::ChipRefused { sw: response.sw });
        }
        self.finish_data(&response.data)
    }

    /// [`finish`](Self::finish) with the response data field only (E_IC ‖ M_IC).
    pub fn finish_data(self, data: &[u8]) -> Result<BacResult, BacError> {
        let r = cryptogram::open(&self.keys, data)?;
        // R = RND.IC ‖ RND.IFD ‖ K.IC.
        let (rnd_ic, rest) = r.split_at(RND_LEN);
        let (rnd_ifd, k_ic) = rest.split_at(RND_LEN);
        if !bool::from(rnd_ifd.ct_eq(&self.rnd_ifd)) {
            return Err(BacError::ChallengeMismatch { nonce: "RND.IFD" });
        }
        if !bool::from(rnd_ic.ct_eq(&self.rnd_ic)) {
            return Err(BacError::ChallengeMismatch { nonce: "RND.IC" });
        }
        let mut key_ic = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
        key_ic.copy_from_slice(k_ic);
        Ok(BacResult::derive(
            &self.k_ifd,
            &key_ic,
            &self.rnd_ic,
            &self.rnd_ifd,
        ))
    }
}

impl fmt::Debug for BacTerminalAuthenticating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BacTerminalAuthenticating")
            .finish_non_exhaustive()
    }
}
