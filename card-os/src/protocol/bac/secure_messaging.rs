//! 3DES secure messaging (ICAO 9303-11 §9.8 with 3DES, Appendix D.4): the
//! data objects of [`crate::protocol::sm`] with two-key 3DES-CBC under
//! IV = 0, the retail MAC (ISO/IEC 9797-1 MAC algorithm 3) and padding to
//! 8-byte blocks. The 8-byte SSC starts at the value BAC derived.

use alloc::vec::Vec;
use core::fmt;
use zeroize::{Zeroize, Zeroizing};

use super::result::BacResult;
use super::tdes::{self, TDES_BLOCK_SIZE, TdesKey};
use crate::protocol::sm::{self, Command, MAC_LEN, Response, SmCipherSuite, SmError};
use crate::protocol::symmetric::{self, SymmetricError};

/// An established 3DES secure messaging session: keys and SSC.
pub struct TdesSmSession {
    ks_enc: Zeroizing<TdesKey>,
    ks_mac: Zeroizing<TdesKey>,
    ssc: [u8; TDES_BLOCK_SIZE],
}

impl Drop for TdesSmSession {
    fn drop(&mut self) {
        self.ssc.zeroize();
    }
}

impl fmt::Debug for TdesSmSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TdesSmSession").finish_non_exhaustive()
    }
}

/// The SM view of a 3DES failure: 8-byte blocks, unlike AES.
fn sm_error(e: SymmetricError) -> SmError {
    match e {
        SymmetricError::BadPadding => SmError::BadPadding,
        SymmetricError::NotBlockAligned => SmError::MalformedDataObject {
            object: "cryptogram",
            rule: "must be a whole number of 8-byte blocks",
        },
        SymmetricError::KeyLength => SmError::KeyLength,
    }
}

impl SmCipherSuite for TdesSmSession {
    const BLOCK_SIZE: usize = TDES_BLOCK_SIZE;

    fn ssc_bytes(&self) -> &[u8] {
        &self.ssc
    }

    /// SSC += 1 as a 64-bit big-endian integer, wrapping (never reached).
    fn increment_ssc(&mut self) {
        self.ssc = u64::from_be_bytes(self.ssc).wrapping_add(1).to_be_bytes();
    }

    fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, SmError> {
        let mut data = symmetric::padded_to_block(plain, TDES_BLOCK_SIZE);
        tdes::cbc_encrypt(&self.ks_enc, &mut data).map_err(sm_error)?;
        Ok(data)
    }

    fn decrypt(&self, cryptogram: &[u8]) -> Result<Vec<u8>, SmError> {
        let mut data = cryptogram.to_vec();
        let result = tdes::cbc_decrypt(&self.ks_enc, &mut data)
            .and_then(|()| symmetric::unpad_block(&mut data, TDES_BLOCK_SIZE));
        if let Err(e) = result {
            data.zeroize();
            return Err(sm_error(e));
        }
        Ok(data)
    }

    fn checksum(&self, padded: &[u8]) -> Result<[u8; MAC_LEN], SmError> {
        tdes::retail_mac(&self.ks_mac, padded).map_err(sm_error)
    }
}

impl TdesSmSession {
    /// A session from KS_enc, KS_mac (16 bytes each) and the starting SSC.
    pub fn new(ks_enc: &[u8], ks_mac: &[u8], ssc: [u8; TDES_BLOCK_SIZE]) -> Result<Self, SmError> {
        let ks_enc = Zeroizing::new(TdesKey::try_from(ks_enc).map_err(|_| SmError::KeyLength)?);
        let ks_mac = Zeroizing::new(TdesKey::try_from(ks_mac).map_err(|_| SmError::KeyLength)?);
        Ok(TdesSmSession {
            ks_enc,
            ks_mac,
            ssc,
        })
    }

    /// The session BAC established.
    pub fn from_bac(result: &BacResult) -> Self {
        TdesSmSession {
            ks_enc: result.ks_enc.clone(),
            ks_mac: result.ks_mac.clone(),
            ssc: result.ssc,
        }
    }

    /// The current send sequence counter.
    pub fn ssc(&self) -> [u8; TDES_BLOCK_SIZE] {
        self.ssc
    }

    /// Terminal: protect a command (ICAO 9303-11 §9.8.6.1).
    pub fn wrap_command(&mut self, plain: &Command) -> Result<Command, SmError> {
        sm::protect_command(self, plain)
    }

    /// Chip: check and decrypt a protected command. The session comes back
    /// only on success; on error answer `error.status_word()` in plain.
    pub fn unwrap_command(mut self, protected: &Command) -> Result<(Self, Command), SmError> {
        let plain = sm::unprotect_command(&mut self, protected)?;
        Ok((self, plain))
    }

    /// Chip: protect a response (ICAO 9303-11 §9.8.6.2); body and SW trailer.
    pub fn wrap_response(&mut self, plain: &Response) -> Result<Vec<u8>, SmError> {
        sm::protect_response(self, plain)
    }

    /// Terminal: check and decrypt a protected response. The session comes
    /// back only on success.
    pub fn unwrap_response(mut self, response: &[u8]) -> Result<(Self, Response), SmError> {
        let plain = sm::unprotect_response(&mut self, response)?;
        Ok((self, plain))
    }
}
