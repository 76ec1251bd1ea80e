//! SCP03 data derivation (GP Amd D §6.2.1): the NIST SP 800-108 KDF in
//! counter mode with AES-CMAC as PRF, the session keys and the two
//! authentication cryptograms.
//!
//! ```text
//! input(i) = label (11 × 00) ‖ derivation constant ‖ 00 ‖ L (2 bytes, bits) ‖ i (1 byte) ‖ context
//! context  = host challenge (8) ‖ card challenge (8)
//! ```

use alloc::vec::Vec;
use zeroize::{Zeroize, Zeroizing};

use super::aes::{self, BLOCK_LEN};
use super::error::Scp03Error;
use super::keys::{StaticKeys, KEY_LEN};

/// Challenge length, host and card (S8 mode, GP Amd D §7.1.1).
pub const CHALLENGE_LEN: usize = 8;
/// Cryptogram length (S8 mode).
pub const CRYPTOGRAM_LEN: usize = 8;
/// Context of every derivation in a session: host challenge ‖ card challenge.
pub const CONTEXT_LEN: usize = 2 * CHALLENGE_LEN;

/// The label: 11 bytes `00` before the derivation constant (GP Amd D §6.2.1).
const LABEL_ZEROS: usize = 11;
/// The separation indicator after the label (SP 800-108 §5: `00`).
const SEPARATOR: u8 = 0x00;
/// L of a cryptogram: 64 bits.
const L_CRYPTOGRAM: u16 = 0x0040;
/// L of a session key: 128 bits.
const L_SESSION_KEY: u16 = 0x0080;
/// The 1-byte counter i starts at 1 (SP 800-108 §5.1) and cannot pass 255.
const FIRST_COUNTER: u8 = 1;

/// The data derivation constants of GP Amd D table 6-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DerivationConstant {
    CardCryptogram = 0x00,
    HostCryptogram = 0x01,
    SEnc = 0x04,
    SMac = 0x06,
    SRmac = 0x07,
}

/// SP 800-108 counter mode with AES-CMAC and an 8-bit counter placed between
/// `before` and `after` ("middle" counter location). Fills `out`; more than
/// 255 blocks cannot be counted.
pub fn counter_mode(key: &[u8; KEY_LEN], before: &[u8], after: &[u8], out: &mut [u8]) -> Result<(), Scp03Error> {
    let blocks = out.len().div_ceil(BLOCK_LEN);
    if blocks > usize::from(u8::MAX) {
        return Err(Scp03Error::WrongLength {
            field: "derived output",
            expected: usize::from(u8::MAX) * BLOCK_LEN,
            actual: out.len(),
        });
    }
    for (chunk, i) in out.chunks_mut(BLOCK_LEN).zip(FIRST_COUNTER..=u8::MAX) {
        let mut block = aes::cmac(key, &[before, &[i], after]);
        chunk.copy_from_slice(&block[..chunk.len()]);
        block.zeroize();
    }
    Ok(())
}

/// The fixed input before the counter: label ‖ constant ‖ 00 ‖ L.
fn fixed_before(constant: DerivationConstant, l_bits: u16) -> [u8; LABEL_ZEROS + 4] {
    let mut before = [0u8; LABEL_ZEROS + 4];
    before[LABEL_ZEROS] = constant as u8;
    before[LABEL_ZEROS + 1] = SEPARATOR;
    before[LABEL_ZEROS + 2..].copy_from_slice(&l_bits.to_be_bytes());
    before
}

/// The SCP03 KDF: `l_bits` of output (rounded up to whole bytes).
pub fn derive(
    key: &[u8; KEY_LEN],
    constant: DerivationConstant,
    l_bits: u16,
    context: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Scp03Error> {
    let mut out = Zeroizing::new(alloc::vec![0u8; usize::from(l_bits).div_ceil(8)]);
    counter_mode(key, &fixed_before(constant, l_bits), context, &mut out)?;
    Ok(out)
}

/// One block of derivation (every SCP03 output is at most 128 bits: i = 1 only).
fn derive_block(key: &[u8; KEY_LEN], constant: DerivationConstant, l_bits: u16, context: &[u8]) -> [u8; BLOCK_LEN] {
    aes::cmac(key, &[&fixed_before(constant, l_bits), &[FIRST_COUNTER], context])
}

/// host challenge ‖ card challenge.
pub fn context(host_challenge: &[u8; CHALLENGE_LEN], card_challenge: &[u8; CHALLENGE_LEN]) -> [u8; CONTEXT_LEN] {
    let mut context = [0u8; CONTEXT_LEN];
    context[..CHALLENGE_LEN].copy_from_slice(host_challenge);
    context[CHALLENGE_LEN..].copy_from_slice(card_challenge);
    context
}

/// The session keys of one SCP03 session (GP Amd D §6.2.1). Zeroized when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKeys {
    pub s_enc: [u8; KEY_LEN],
    pub s_mac: [u8; KEY_LEN],
    pub s_rmac: [u8; KEY_LEN],
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        self.s_enc.zeroize();
        self.s_mac.zeroize();
        self.s_rmac.zeroize();
    }
}

impl core::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SessionKeys { .. }")
    }
}

impl SessionKeys {
    /// S-ENC from K-ENC, S-MAC and S-RMAC from K-MAC, over `context`.
    pub fn derive(keys: &StaticKeys, context: &[u8; CONTEXT_LEN]) -> SessionKeys {
        SessionKeys {
            s_enc: derive_block(&keys.enc, DerivationConstant::SEnc, L_SESSION_KEY, context),
            s_mac: derive_block(&keys.mac, DerivationConstant::SMac, L_SESSION_KEY, context),
            s_rmac: derive_block(&keys.mac, DerivationConstant::SRmac, L_SESSION_KEY, context),
        }
    }

    /// The card cryptogram (constant 00, L = 64) with S-MAC (GP Amd D §6.2.2.2).
    pub fn card_cryptogram(&self, context: &[u8; CONTEXT_LEN]) -> [u8; CRYPTOGRAM_LEN] {
        cryptogram(&self.s_mac, DerivationConstant::CardCryptogram, context)
    }

    /// The host cryptogram (constant 01, L = 64) with S-MAC (GP Amd D §6.2.2.3).
    pub fn host_cryptogram(&self, context: &[u8; CONTEXT_LEN]) -> [u8; CRYPTOGRAM_LEN] {
        cryptogram(&self.s_mac, DerivationConstant::HostCryptogram, context)
    }
}

fn cryptogram(s_mac: &[u8; KEY_LEN], constant: DerivationConstant, context: &[u8]) -> [u8; CRYPTOGRAM_LEN] {
    let block = derive_block(s_mac, constant, L_CRYPTOGRAM, context);
    let mut out = [0u8; CRYPTOGRAM_LEN];
    out.copy_from_slice(&block[..CRYPTOGRAM_LEN]);
    out
}
