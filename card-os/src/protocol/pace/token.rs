//! The nonce encryption and the authentication tokens of PACE.

use alloc::vec::Vec;
use subtle::ConstantTimeEq;

use super::{PaceError, PaceProtocol};
use crate::protocol::oid::OID_TAG;
use crate::protocol::symmetric::{self, BLOCK_SIZE};
use crate::protocol::tlv;

/// Length of the nonce s: one AES block (ICAO 9303-11 §4.4.3.1, TR-03110-3 A.3.3).
pub const NONCE_LEN: usize = BLOCK_SIZE;
/// Authentication tokens are CMACs truncated to 8 bytes (TR-03110-3 A.2.4.2).
pub const AUTHENTICATION_TOKEN_LEN: usize = 8;
/// Public key data object (TR-03110-3 D.3.1).
const TAG_PUBLIC_KEY: u16 = 0x7F49;
/// Elliptic curve public point inside `7F49` (TR-03110-3 D.3.4).
const TAG_PUBLIC_POINT: u16 = 0x86;
/// The nonce is encrypted in CBC mode with a zero IV (ICAO 9303-11 §4.4.3.1).
pub(super) const ZERO_IV: [u8; BLOCK_SIZE] = [0; BLOCK_SIZE];

/// z = E(K_π, s): AES-CBC with a zero IV over the one-block nonce.
pub fn encrypt_nonce(k_pi: &[u8], nonce: &[u8; NONCE_LEN]) -> Result<[u8; NONCE_LEN], PaceError> {
    let mut z = *nonce;
    symmetric::cbc_encrypt(k_pi, &ZERO_IV, &mut z)?;
    Ok(z)
}

/// s = D(K_π, z).
pub fn decrypt_nonce(k_pi: &[u8], encrypted_nonce: &[u8]) -> Result<[u8; NONCE_LEN], PaceError> {
    let mut s: [u8; NONCE_LEN] = encrypted_nonce
        .try_into()
        .map_err(|_| PaceError::NonceLength)?;
    symmetric::cbc_decrypt(k_pi, &ZERO_IV, &mut s)?;
    Ok(s)
}

/// The public key data object `7F49 { 06 OID, 86 point }` the tokens MAC
/// (TR-03110-3 D.3.4; the OID is the PACE protocol of MSE:Set AT).
pub fn public_key_data_object(protocol: PaceProtocol, public_key: &[u8]) -> Vec<u8> {
    let mut inner = Vec::with_capacity(public_key.len() + 16);
    tlv::push(&mut inner, OID_TAG, &protocol.oid_der_content());
    tlv::push(&mut inner, TAG_PUBLIC_POINT, public_key);
    tlv::build(TAG_PUBLIC_KEY, &inner)
}

/// T = MAC(KS_mac, PK data object of the *other* side's ephemeral key)
/// (ICAO 9303-11 §4.4.3.4, TR-03110-3 A.2.4.2): T_PCD covers PK_PICC and
/// T_PICC covers PK_PCD.
pub fn authentication_token(
    ks_mac: &[u8],
    protocol: PaceProtocol,
    other_public_key: &[u8],
) -> Result<[u8; AUTHENTICATION_TOKEN_LEN], PaceError> {
    let data = public_key_data_object(protocol, other_public_key);
    let mac = symmetric::cmac(ks_mac, &[&data])?;
    let mut token = [0u8; AUTHENTICATION_TOKEN_LEN];
    token.copy_from_slice(&mac[..AUTHENTICATION_TOKEN_LEN]);
    Ok(token)
}

/// Check a received token in constant time.
pub fn verify_authentication_token(
    ks_mac: &[u8],
    protocol: PaceProtocol,
    own_public_key: &[u8],
    received: &[u8],
) -> Result<(), PaceError> {
    let expected = authentication_token(ks_mac, protocol, own_public_key)?;
    if received.len() == AUTHENTICATION_TOKEN_LEN && bool::from(expected.ct_eq(received)) {
        Ok(())
    } else {
        Err(PaceError::TokenMismatch)
    }
}
