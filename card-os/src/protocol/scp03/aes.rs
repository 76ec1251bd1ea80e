//! AES-128 as SCP03 uses it (GP Amd D §6.2: AES-128 keys only on this card):
//! CMAC (NIST SP 800-38B), one-block encryption for the ICV, CBC without
//! padding. The key type is fixed, so only block alignment can fail.

use aes::cipher::{Array, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use aes::Aes128;
use cmac::{Cmac, Mac};

use super::error::Scp03Error;

/// AES block length: also the ICV and full CMAC length.
pub const BLOCK_LEN: usize = 16;

/// AES-128 key length: SCP03 here uses AES-128 keys only (scp03.md §Keys).
pub const KEY_LEN: usize = 16;

/// AES-CMAC over the concatenation of `parts`, all 16 bytes.
pub fn cmac(key: &[u8; KEY_LEN], parts: &[&[u8]]) -> [u8; BLOCK_LEN] {
    let mut mac = <Cmac<Aes128> as KeyInit>::new(&Array::from(*key));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// AES encryption of one block (the C-DECRYPTION ICV, GP Amd D §6.2.6).
pub fn encrypt_block(key: &[u8; KEY_LEN], block: [u8; BLOCK_LEN]) -> [u8; BLOCK_LEN] {
    let mut block = Array::from(block);
    Aes128::new(&Array::from(*key)).encrypt_block(&mut block);
    block.into()
}

/// AES-CBC encryption in place; `data` must be whole blocks.
pub fn cbc_encrypt(key: &[u8; KEY_LEN], iv: &[u8; BLOCK_LEN], data: &mut [u8]) -> Result<(), Scp03Error> {
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if !tail.is_empty() {
        return Err(Scp03Error::BadCommandData);
    }
    cbc::Encryptor::<Aes128>::new(&Array::from(*key), &Array::from(*iv)).encrypt_blocks(blocks);
    Ok(())
}

/// AES-CBC decryption in place; `data` must be whole blocks.
pub fn cbc_decrypt(key: &[u8; KEY_LEN], iv: &[u8; BLOCK_LEN], data: &mut [u8]) -> Result<(), Scp03Error> {
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if !tail.is_empty() {
        return Err(Scp03Error::BadCommandData);
    }
    cbc::Decryptor::<Aes128>::new(&Array::from(*key), &Array::from(*iv)).decrypt_blocks(blocks);
    Ok(())
}
