//! The protected payload of both EXTERNAL AUTHENTICATE directions
//! (ICAO 9303-11 §4.3.3.1 / §4.3.3.2): E = 3DES-CBC(K_enc, payload), IV = 0,
//! and M = retail MAC(K_mac, pad(E)); the data field is E ‖ M. Opening checks
//! M before anything is decrypted.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::BacError;
use super::keys::BacKeys;
use super::messages::{AUTHENTICATION_DATA_LEN, CRYPTOGRAM_LEN};
use super::tdes::{self, RETAIL_MAC_LEN, TDES_BLOCK_SIZE};
use crate::protocol::symmetric::{SymmetricError, pad_to_block};

/// S or R in plain.
pub(super) type Payload = [u8; CRYPTOGRAM_LEN];

fn mac(keys: &BacKeys, cryptogram: &[u8]) -> Result<[u8; RETAIL_MAC_LEN], SymmetricError> {
    let mut input = alloc::vec::Vec::with_capacity(CRYPTOGRAM_LEN + TDES_BLOCK_SIZE);
    input.extend_from_slice(cryptogram);
    pad_to_block(&mut input, TDES_BLOCK_SIZE);
    tdes::retail_mac(keys.k_mac(), &input)
}

/// E ‖ M of a payload. The primitives fail only on wrong key or block sizes,
/// which the types here rule out; such a failure reads as an authentication
/// failure rather than a panic.
pub(super) fn seal(
    keys: &BacKeys,
    payload: &Payload,
) -> Result<[u8; AUTHENTICATION_DATA_LEN], BacError> {
    let mut out = [0u8; AUTHENTICATION_DATA_LEN];
    let (e, m) = out.split_at_mut(CRYPTOGRAM_LEN);
    e.copy_from_slice(payload);
    tdes::cbc_encrypt(keys.k_enc(), e).map_err(|_| BacError::AuthenticationFailed)?;
    m.copy_from_slice(&mac(keys, e).map_err(|_| BacError::AuthenticationFailed)?);
    Ok(out)
}

/// Verify M (constant time), then decrypt E.
pub(super) fn open(keys: &BacKeys, data: &[u8]) -> Result<Zeroizing<Payload>, BacError> {
    if data.len() != AUTHENTICATION_DATA_LEN {
        return Err(BacError::WrongLength {
            field: "E‖M",
            expected: AUTHENTICATION_DATA_LEN,
            actual: data.len(),
        });
    }
    let (e, m) = data.split_at(CRYPTOGRAM_LEN);
    let expected = mac(keys, e).map_err(|_| BacError::AuthenticationFailed)?;
    if !bool::from(expected.ct_eq(m)) {
        return Err(BacError::AuthenticationFailed);
    }
    let mut payload = Zeroizing::new([0u8; CRYPTOGRAM_LEN]);
    payload.copy_from_slice(e);
    tdes::cbc_decrypt(keys.k_enc(), &mut payload[..])
        .map_err(|_| BacError::AuthenticationFailed)?;
    Ok(payload)
}
