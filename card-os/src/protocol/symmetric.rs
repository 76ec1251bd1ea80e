//! AES primitives of PACE and secure messaging: CBC without padding, one-block
//! encryption (the SM IV), CMAC, and ISO/IEC 7816-4 padding.
//!
//! The key length picks AES-128/192/256 (ICAO 9303-11 §9.2: the session keys of
//! id-PACE-*-AES-CBC-CMAC-128/192/256). Padding is explicit here, not inside
//! the mode, because secure messaging MACs padded data (ICAO 9303-11 §9.8.6.1).

use aes::cipher::{
    Array, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
};
use aes::{Aes128, Aes192, Aes256};
use alloc::vec::Vec;
use cmac::{Cmac, Mac};

/// AES block size in bytes; also the SSC and nonce length (ICAO 9303-11 §9.8.2).
pub const BLOCK_SIZE: usize = 16;
/// Mandatory first byte of ISO/IEC 7816-4 padding (ISO/IEC 9797-1 method 2).
pub const PADDING_START: u8 = 0x80;

/// AES key lengths in bytes.
const AES128_KEY: usize = 16;
const AES192_KEY: usize = 24;
const AES256_KEY: usize = 32;

/// Why a symmetric operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymmetricError {
    /// The key is not 16, 24 or 32 bytes.
    KeyLength,
    /// CBC input is not a whole number of 16-byte blocks.
    NotBlockAligned,
    /// The data does not end in `80 00..00` within its last block.
    BadPadding,
}

/// Encrypt `data` in place with AES-CBC, no padding.
pub fn cbc_encrypt(
    key: &[u8],
    iv: &[u8; BLOCK_SIZE],
    data: &mut [u8],
) -> Result<(), SymmetricError> {
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if !tail.is_empty() {
        return Err(SymmetricError::NotBlockAligned);
    }
    match key.len() {
        AES128_KEY => {
            cbc::Encryptor::<Aes128>::new_from_slices(key, iv).map(|mut c| c.encrypt_blocks(blocks))
        }
        AES192_KEY => {
            cbc::Encryptor::<Aes192>::new_from_slices(key, iv).map(|mut c| c.encrypt_blocks(blocks))
        }
        AES256_KEY => {
            cbc::Encryptor::<Aes256>::new_from_slices(key, iv).map(|mut c| c.encrypt_blocks(blocks))
        }
        _ => return Err(SymmetricError::KeyLength),
    }
    .map_err(|_| SymmetricError::KeyLength)
}

/// Decrypt `data` in place with AES-CBC, no padding.
pub fn cbc_decrypt(
    key: &[u8],
    iv: &[u8; BLOCK_SIZE],
    data: &mut [u8],
) -> Result<(), SymmetricError> {
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if !tail.is_empty() {
        return Err(SymmetricError::NotBlockAligned);
    }
    match key.len() {
        AES128_KEY => {
            cbc::Decryptor::<Aes128>::new_from_slices(key, iv).map(|mut c| c.decrypt_blocks(blocks))
        }
        AES192_KEY => {
            cbc::Decryptor::<Aes192>::new_from_slices(key, iv).map(|mut c| c.decrypt_blocks(blocks))
        }
        AES256_KEY => {
            cbc::Decryptor::<Aes256>::new_from_slices(key, iv).map(|mut c| c.decrypt_blocks(blocks))
        }
        _ => return Err(SymmetricError::KeyLength),
    }
    .map_err(|_| SymmetricError::KeyLength)
}

/// Encrypt one block in place (AES-ECB of a single block), as for the SM IV
/// `E(KS_enc, SSC)` (ICAO 9303-11 §9.8.6.1).
pub fn encrypt_block(key: &[u8], block: &mut [u8; BLOCK_SIZE]) -> Result<(), SymmetricError> {
    let block = <&mut aes::Block>::from(block);
    match key.len() {
        AES128_KEY => Aes128::new_from_slice(key).map(|c| c.encrypt_block(block)),
        AES192_KEY => Aes192::new_from_slice(key).map(|c| c.encrypt_block(block)),
        AES256_KEY => Aes256::new_from_slice(key).map(|c| c.encrypt_block(block)),
        _ => return Err(SymmetricError::KeyLength),
    }
    .map_err(|_| SymmetricError::KeyLength)
}

/// AES-CMAC (NIST SP 800-38B) over the concatenation of `parts`, full 16 bytes.
pub fn cmac(key: &[u8], parts: &[&[u8]]) -> Result<[u8; BLOCK_SIZE], SymmetricError> {
    fn run<M: Mac + KeyInit>(
        key: &[u8],
        parts: &[&[u8]],
    ) -> Result<[u8; BLOCK_SIZE], SymmetricError> {
        let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| SymmetricError::KeyLength)?;
        for part in parts {
            mac.update(part);
        }
        let tag = mac.finalize().into_bytes();
        let mut out = [0u8; BLOCK_SIZE];
        if tag.len() != BLOCK_SIZE {
            return Err(SymmetricError::KeyLength);
        }
        out.copy_from_slice(&tag);
        Ok(out)
    }
    match key.len() {
        AES128_KEY => run::<Cmac<Aes128>>(key, parts),
        AES192_KEY => run::<Cmac<Aes192>>(key, parts),
        AES256_KEY => run::<Cmac<Aes256>>(key, parts),
        _ => Err(SymmetricError::KeyLength),
    }
}

/// Append ISO/IEC 7816-4 padding: `80` then `00` up to a multiple of the
/// block size; always at least one byte (ISO 7816-4 §10.2.3.1).
pub fn pad(data: &mut Vec<u8>) {
    pad_to_block(data, BLOCK_SIZE);
}

/// A padded copy of `data`.
pub fn padded(data: &[u8]) -> Vec<u8> {
    padded_to_block(data, BLOCK_SIZE)
}

/// Remove ISO/IEC 7816-4 padding. The padding must start within the last block.
pub fn unpad(data: &mut Vec<u8>) -> Result<(), SymmetricError> {
    unpad_block(data, BLOCK_SIZE)
}

/// ISO/IEC 7816-4 padding to a multiple of `block_size`: 16 for AES, 8 for
/// 3DES secure messaging (ICAO 9303-11 §9.8.6). A block size of 0 counts as 1.
pub fn pad_to_block(data: &mut Vec<u8>, block_size: usize) {
    let block_size = block_size.max(1);
    data.push(PADDING_START);
    while !data.len().is_multiple_of(block_size) {
        data.push(0x00);
    }
}

/// A copy of `data` padded to a multiple of `block_size`.
pub fn padded_to_block(data: &[u8], block_size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block_size.max(1));
    out.extend_from_slice(data);
    pad_to_block(&mut out, block_size);
    out
}

/// Remove ISO/IEC 7816-4 padding from data of whole `block_size` blocks; the
/// padding must start within the last block.
pub fn unpad_block(data: &mut Vec<u8>, block_size: usize) -> Result<(), SymmetricError> {
    let block_size = block_size.max(1);
    if data.is_empty() || !data.len().is_multiple_of(block_size) {
        return Err(SymmetricError::BadPadding);
    }
    let last_block_start = data.len() - block_size;
    let Some(marker) = data.iter().rposition(|&b| b != 0x00) else {
        return Err(SymmetricError::BadPadding);
    };
    if data[marker] != PADDING_START || marker < last_block_start {
        return Err(SymmetricError::BadPadding);
    }
    data.truncate(marker);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    /// NIST SP 800-38B / RFC 4493 §4 example 2 (AES-128, 16-byte message).
    #[test]
    fn cmac_matches_rfc4493() {
        let key = h("2b7e151628aed2a6abf7158809cf4f3c");
        let msg = h("6bc1bee22e409f96e93d7e117393172a");
        assert_eq!(
            cmac(&key, &[&msg]).unwrap().to_vec(),
            h("070a16b46b4d4144f79bdd9dd04a287c")
        );
        // Split input gives the same tag.
        assert_eq!(
            cmac(&key, &[&msg[..5], &msg[5..]]).unwrap().to_vec(),
            h("070a16b46b4d4144f79bdd9dd04a287c")
        );
    }

    /// NIST SP 800-38B D.3 example 6 (AES-192, 16-byte message) and D.4 example 10 (AES-256).
    #[test]
    fn cmac_matches_sp800_38b_for_192_and_256() {
        let msg = h("6bc1bee22e409f96e93d7e117393172a");
        let k192 = h("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b");
        assert_eq!(
            cmac(&k192, &[&msg]).unwrap().to_vec(),
            h("9e99a7bf31e710900662f65e617c5184")
        );
        let k256 = h("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        assert_eq!(
            cmac(&k256, &[&msg]).unwrap().to_vec(),
            h("28a7023f452e8f82bd4bf28d8c37c35c")
        );
    }

    /// NIST SP 800-38A F.2.1 CBC-AES128 (first two blocks).
    #[test]
    fn cbc_matches_sp800_38a() {
        let key = h("2b7e151628aed2a6abf7158809cf4f3c");
        let iv: [u8; 16] = h("000102030405060708090a0b0c0d0e0f").try_into().unwrap();
        let plain = h("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        let mut data = plain.clone();
        cbc_encrypt(&key, &iv, &mut data).unwrap();
        assert_eq!(
            data,
            h("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2")
        );
        cbc_decrypt(&key, &iv, &mut data).unwrap();
        assert_eq!(data, plain);
        assert_eq!(
            cbc_encrypt(&key, &iv, &mut [0u8; 15]),
            Err(SymmetricError::NotBlockAligned)
        );
        assert_eq!(
            cbc_encrypt(&key[..15], &iv, &mut [0u8; 16]),
            Err(SymmetricError::KeyLength)
        );
    }

    /// 3DES secure messaging pads to 8 bytes (ICAO 9303-11 Appendix D.4:
    /// `01 1E` becomes `01 1E 80 00 00 00 00 00`).
    #[test]
    fn padding_to_eight_byte_blocks() {
        assert_eq!(padded_to_block(&[0x01, 0x1E], 8), h("011E800000000000"));
        assert_eq!(padded_to_block(&[0u8; 8], 8).len(), 16);
        let mut p = padded_to_block(&[0x11; 7], 8);
        assert_eq!(p.len(), 8);
        unpad_block(&mut p, 8).unwrap();
        assert_eq!(p, [0x11; 7]);
        let mut padding_before_last_block = h("8000000000000000 0000000000000000");
        assert_eq!(
            unpad_block(&mut padding_before_last_block, 8),
            Err(SymmetricError::BadPadding)
        );
        assert_eq!(
            unpad_block(&mut alloc::vec![0x80u8; 12], 8),
            Err(SymmetricError::BadPadding)
        );
    }

    #[test]
    fn padding_round_trips_and_rejects_garbage() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len).map(|i| i as u8 | 1).collect();
            let mut p = padded(&data);
            assert_eq!(p.len() % BLOCK_SIZE, 0);
            assert!(p.len() > data.len());
            unpad(&mut p).unwrap();
            assert_eq!(p, data);
        }
        assert_eq!(
            unpad(&mut alloc::vec![0u8; 16]),
            Err(SymmetricError::BadPadding)
        );
        assert_eq!(
            unpad(&mut alloc::vec![0x11u8; 16]),
            Err(SymmetricError::BadPadding)
        );
        let mut two_blocks_of_padding = alloc::vec![0u8; 32];
        two_blocks_of_padding[0] = PADDING_START;
        assert_eq!(
            unpad(&mut two_blocks_of_padding),
            Err(SymmetricError::BadPadding)
        );
    }
}
