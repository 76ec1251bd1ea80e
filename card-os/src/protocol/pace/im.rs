//! The PACE Integrated Mapping flow (ICAO 9303-11 §4.4.3.3.2, §4.4.4.2):
//! steps 1 and 2 of an id-PACE-ECDH-IM-AES-CBC-CMAC-* run, on both sides.
//! Steps 3 and 4 are those of the Generic Mapping (`agree_keys`,
//! `authenticate` in `chip.rs` / `terminal.rs`).
//!
//! | GA step | terminal → chip  | chip → terminal |
//! |---------|------------------|-----------------|
//! | 1       | `7C 00`          | `7C { 80 z }`, z = E(K_π, s), s of l/8 bytes |
//! | 2       | `7C { 81 t }`    | `7C 00`         |
//!
//! Both sides then compute Ĝ = f_G(R_p(s, t)) ([`integrated_map`]); t is a
//! random nonce of the AES key length.

use alloc::vec;
use alloc::vec::Vec;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::chip::{ChipInitialized, ChipMapped, ChipNonceSent, PaceChip};
use super::integrated::{im_nonce_len, integrated_map};
use super::terminal::{
    PaceTerminal, TerminalInitialized, TerminalMapped, TerminalMappingData, TerminalNonceKnown,
};
use super::token::ZERO_IV;
use super::{DynamicAuthenticationData, PaceCipher, PaceError, PaceMapping};
use crate::protocol::symmetric;

/// z = E(K_π, s) over the l/8-byte IM nonce: AES-CBC with a zero IV
/// (ICAO 9303-11 §4.4.3.1).
fn encrypt_im_nonce(k_pi: &[u8], nonce: &[u8]) -> Result<Vec<u8>, PaceError> {
    let mut z = nonce.to_vec();
    symmetric::cbc_encrypt(k_pi, &ZERO_IV, &mut z)?;
    Ok(z)
}

/// s = D(K_π, z); z must be exactly the IM nonce length of `cipher`.
fn decrypt_im_nonce(
    cipher: PaceCipher,
    k_pi: &[u8],
    encrypted_nonce: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    if encrypted_nonce.len() != im_nonce_len(cipher) {
        return Err(PaceError::NonceLength);
    }
    let mut s = Zeroizing::new(encrypted_nonce.to_vec());
    symmetric::cbc_decrypt(k_pi, &ZERO_IV, &mut s)?;
    Ok(s)
}

impl PaceChip<ChipInitialized> {
    /// GA step 1 of IM: choose s of l/8 bytes (16 for AES-128, 32 for
    /// AES-192/256) and answer z = E(K_π, s).
    pub fn encrypt_nonce_integrated(
        self,
        rng: &mut impl CryptoRng,
    ) -> Result<(PaceChip<ChipNonceSent>, Vec<u8>), PaceError> {
        self.require_mapping(&[PaceMapping::Integrated])?;
        let mut nonce = Zeroizing::new(vec![0u8; im_nonce_len(self.protocol.cipher())]);
        rng.fill_bytes(&mut nonce);
        let z = encrypt_im_nonce(&self.state.k_pi, &nonce)?;
        Ok((self.next(ChipNonceSent { nonce }), z))
    }
}

impl PaceChip<ChipNonceSent> {
    /// GA step 2 of IM: take the terminal's nonce t (DO'81') and compute
    /// Ĝ = f_G(R_p(s, t)). The chip answers `7C 00` (no data objects).
    pub fn map_integrated(self, terminal_nonce: &[u8]) -> Result<PaceChip<ChipMapped>, PaceError> {
        self.require_mapping(&[PaceMapping::Integrated])?;
        let generator = integrated_map(
            self.domain,
            self.protocol.cipher(),
            &self.state.nonce,
            terminal_nonce,
        )?;
        Ok(self.next(ChipMapped {
            generator,
            mapping_private: None,
        }))
    }
}

impl PaceTerminal<TerminalInitialized> {
    /// After GA step 1 of IM: s = D(K_π, z); choose t at random (as long as
    /// the AES key) and return it for GA step 2, `7C { 81 t }`.
    pub fn decrypt_nonce_integrated(
        self,
        rng: &mut impl CryptoRng,
        encrypted_nonce: &[u8],
    ) -> Result<(PaceTerminal<TerminalNonceKnown>, Vec<u8>), PaceError> {
        self.require_mapping(&[PaceMapping::Integrated])?;
        let cipher = self.protocol.cipher();
        let nonce = decrypt_im_nonce(cipher, &self.state.k_pi, encrypted_nonce)?;
        let mut terminal_nonce = Zeroizing::new(vec![0u8; cipher.key_len()]);
        rng.fill_bytes(&mut terminal_nonce);
        let t = terminal_nonce.to_vec();
        let state = TerminalNonceKnown {
            nonce,
            mapping: TerminalMappingData::Integrated { terminal_nonce },
        };
        Ok((self.next(state), t))
    }
}

impl PaceTerminal<TerminalNonceKnown> {
    /// After GA step 2 of IM: the chip's answer must carry no data object
    /// (`7C 00`); Ĝ = f_G(R_p(s, t)); choose the ephemeral key pair on Ĝ and
    /// return PK_PCD for GA step 3.
    pub fn map_integrated(
        self,
        rng: &mut impl CryptoRng,
        chip_answer: &DynamicAuthenticationData,
    ) -> Result<(PaceTerminal<TerminalMapped>, Vec<u8>), PaceError> {
        let TerminalMappingData::Integrated { terminal_nonce } = &self.state.mapping else {
            return Err(PaceError::UnsupportedProtocol);
        };
        if !chip_answer.is_empty() {
            return Err(PaceError::MalformedData {
                field: "GENERAL AUTHENTICATE step 2 response (Integrated Mapping)",
                rule: "must be empty, 7C 00 (ICAO 9303-11 §4.4.4.2)",
            });
        }
        let generator = integrated_map(
            self.domain,
            self.protocol.cipher(),
            &self.state.nonce,
            terminal_nonce,
        )?;
        self.mapped(rng, &generator, None)
    }
}
