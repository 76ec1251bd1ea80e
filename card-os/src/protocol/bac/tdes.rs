//! Two-key 3DES primitives of BAC and its secure messaging: CBC with a zero
//! IV, and the retail MAC (ISO/IEC 9797-1 MAC algorithm 3 with DES).
//!
//! ICAO 9303-11 §9.8.6.1: "for 3DES ... IV = 0"; §4.3.3 / §9.8.6: the MAC is
//! ISO/IEC 9797-1 MAC algorithm 3 with block cipher DES and padding method 2.
//! Padding is the caller's job (`symmetric::pad_to_block(_, TDES_BLOCK_SIZE)`):
//! the `retail-mac` crate would silently zero-pad, so unaligned input is refused.

use des::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use des::{Des, TdesEde2};
use retail_mac::{Mac, RetailMac};

use crate::protocol::kdf::TDES_KEY_LEN;
use crate::protocol::symmetric::SymmetricError;

/// DES block size: also the SSC, RND.IC and RND.IFD length (ICAO 9303-11 §9.8.2).
pub const TDES_BLOCK_SIZE: usize = 8;
/// The retail MAC is one DES block.
pub const RETAIL_MAC_LEN: usize = TDES_BLOCK_SIZE;

/// A two-key 3DES key K_a ‖ K_b.
pub type TdesKey = [u8; TDES_KEY_LEN];

const ZERO_IV: [u8; TDES_BLOCK_SIZE] = [0; TDES_BLOCK_SIZE];

/// Encrypt in place with 3DES-EDE2 in CBC mode, IV = 0, no padding.
pub fn cbc_encrypt(key: &TdesKey, data: &mut [u8]) -> Result<(), SymmetricError> {
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if !tail.is_empty() {
        return Err(SymmetricError::NotBlockAligned);
    }
    let mut mode = cbc::Encryptor::<TdesEde2>::new_from_slices(key, &ZERO_IV)
        .map_err(|_| SymmetricError::KeyLength)?;
    mode.encrypt_blocks(blocks);
    Ok(())
}

/// Decrypt in place with 3DES-EDE2 in CBC mode, IV = 0, no padding.
pub fn cbc_decrypt(key: &TdesKey, data: &mut [u8]) -> Result<(), SymmetricError> {
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if !tail.is_empty() {
        return Err(SymmetricError::NotBlockAligned);
    }
    let mut mode = cbc::Decryptor::<TdesEde2>::new_from_slices(key, &ZERO_IV)
        .map_err(|_| SymmetricError::KeyLength)?;
    mode.decrypt_blocks(blocks);
    Ok(())
}

/// Retail MAC (ISO/IEC 9797-1 algorithm 3): DES-CBC-MAC under K_a, then the
/// last block decrypted under K_b and encrypted under K_a. `padded` must
/// already carry ISO/IEC 9797-1 padding method 2 (`80 00..`).
pub fn retail_mac(key: &TdesKey, padded: &[u8]) -> Result<[u8; RETAIL_MAC_LEN], SymmetricError> {
    if padded.is_empty() || !padded.len().is_multiple_of(TDES_BLOCK_SIZE) {
        return Err(SymmetricError::NotBlockAligned);
    }
    let mut mac =
        <RetailMac<Des> as KeyInit>::new_from_slice(key).map_err(|_| SymmetricError::KeyLength)?;
    mac.update(padded);
    let tag = mac.finalize().into_bytes();
    let mut out = [0u8; RETAIL_MAC_LEN];
    if tag.len() != RETAIL_MAC_LEN {
        return Err(SymmetricError::KeyLength);
    }
    out.copy_from_slice(&tag);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::symmetric::padded_to_block;
    use alloc::vec::Vec;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    fn key(s: &str) -> TdesKey {
        h(s).try_into().unwrap()
    }

    /// ICAO 9303-11 Appendix D.3: E_IFD = 3DES-CBC(K_enc, S), M_IFD = MAC(K_mac, pad(E_IFD)).
    #[test]
    fn cbc_and_retail_mac_match_icao_appendix_d3() {
        let k_enc = key("AB94FDECF2674FDFB9B391F85D7F76F2");
        let k_mac = key("7962D9ECE03D1ACD4C76089DCE131543");
        let s = h("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B");
        let mut e = s.clone();
        cbc_encrypt(&k_enc, &mut e).unwrap();
        assert_eq!(
            e,
            h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
        );
        assert_eq!(
            retail_mac(&k_mac, &padded_to_block(&e, TDES_BLOCK_SIZE))
                .unwrap()
                .to_vec(),
            h("5F1448EEA8AD90A7")
        );
        cbc_decrypt(&k_enc, &mut e).unwrap();
        assert_eq!(e, s);
    }

    #[test]
    fn unaligned_input_is_refused() {
        let k = [0x01; TDES_KEY_LEN];
        assert_eq!(
            cbc_encrypt(&k, &mut [0u8; 9]),
            Err(SymmetricError::NotBlockAligned)
        );
        assert_eq!(
            cbc_decrypt(&k, &mut [0u8; 7]),
            Err(SymmetricError::NotBlockAligned)
        );
        assert_eq!(
            retail_mac(&k, &[0u8; 12]),
            Err(SymmetricError::NotBlockAligned)
        );
        assert_eq!(retail_mac(&k, &[]), Err(SymmetricError::NotBlockAligned));
    }
}
