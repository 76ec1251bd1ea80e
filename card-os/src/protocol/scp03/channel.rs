//! The secure channel state both ends keep and the three transformations
//! (GP Amd D §6.2.4–6.2.7): C-MAC with the MAC chaining value, C-DECRYPTION
//! with the encryption counter, R-MAC. Host and card run the same code: the
//! host in `host.rs`, the card in `card.rs`.

use alloc::vec::Vec;
use subtle::ConstantTimeEq;

use super::aes::{self, BLOCK_LEN};
use super::error::Scp03Error;
use super::kdf::SessionKeys;
use super::level::SecurityLevel;
use crate::apdu::class;
use crate::apdu::command::SHORT_MAX_NC;
use crate::protocol::symmetric;

/// C-MAC and R-MAC length in the command / response (S8 mode, GP Amd D §6.2.4).
pub const MAC_LEN: usize = 8;
/// First byte of an extended Lc field (ISO 7816-4 §5.1).
const EXTENDED_LC_MARKER: u8 = 0x00;
/// SW1 of the warning status words that still carry an R-MAC (GP Amd D §6.2.5:
/// every status word but 9000, 62xx and 63xx is an error).
const SW1_WARNING_NV_UNCHANGED: u8 = 0x62;
const SW1_WARNING_NV_CHANGED: u8 = 0x63;
const SW_SUCCESS: u16 = 0x9000;

/// The Lc field as sent: 1 byte, or `00 hi lo` in extended form.
pub fn lc_field(nc: usize, extended: bool) -> Vec<u8> {
    if extended {
        let mut lc = alloc::vec![EXTENDED_LC_MARKER];
        lc.extend_from_slice(&(nc as u16).to_be_bytes());
        lc
    } else {
        alloc::vec![nc as u8]
    }
}

/// Whether the command's length fields must be extended: as sent, or because
/// Nc or Ne does not fit the short form.
pub fn needs_extended(nc: usize, ne: Option<usize>, extended: bool) -> bool {
    extended || nc > SHORT_MAX_NC || ne.is_some_and(|ne| ne > crate::apdu::command::SHORT_MAX_NE)
}

/// Whether a response with `sw` is protected by R-MAC: success and warnings only.
pub fn carries_response_mac(sw: u16) -> bool {
    let [sw1, _] = sw.to_be_bytes();
    sw == SW_SUCCESS || sw1 == SW1_WARNING_NV_UNCHANGED || sw1 == SW1_WARNING_NV_CHANGED
}

/// The class a wrapped command carries (and is MACed with): `84`, or `94` for
/// a link of a chain (GP CS §11.1.4, ISO 7816-4 §5.3.3).
pub fn secured_class(cla: u8) -> u8 {
    super::messages::CLA_GP_SECURED | (cla & class::CLA_CHAINING)
}

/// One side's session state: keys, level, MAC chaining value, encryption counter.
pub struct Channel {
    keys: SessionKeys,
    level: SecurityLevel,
    /// The full C-MAC of the last command (16 bytes `00` before EXTERNAL AUTHENTICATE).
    chaining: [u8; BLOCK_LEN],
    /// The encryption counter of the last command (0 after EXTERNAL AUTHENTICATE).
    counter: u128,
}

impl Channel {
    pub fn new(keys: SessionKeys, level: SecurityLevel) -> Channel {
        Channel { keys, level, chaining: [0; BLOCK_LEN], counter: 0 }
    }

    pub fn level(&self) -> SecurityLevel {
        self.level
    }

    /// CMAC(S-MAC, chaining ‖ CLA INS P1 P2 ‖ Lc ‖ data), the full 16 bytes.
    /// `data` is the data field without the MAC; Lc counts the MAC.
    fn command_mac(&self, header: [u8; 4], extended: bool, data: &[u8]) -> [u8; BLOCK_LEN] {
        let lc = lc_field(data.len() + MAC_LEN, extended);
        aes::cmac(&self.keys.s_mac, &[&self.chaining, &header, &lc, data])
    }

    /// Host: compute the C-MAC of a command and make it the chaining value.
    pub fn sign_command(&mut self, header: [u8; 4], extended: bool, data: &[u8]) -> [u8; MAC_LEN] {
        self.chaining = self.command_mac(header, extended, data);
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&self.chaining[..MAC_LEN]);
        mac
    }

    /// Card: verify the C-MAC at the end of `data_with_mac`; on success it
    /// becomes the chaining value and the data before it is returned.
    pub fn verify_command<'d>(
        &mut self,
        header: [u8; 4],
        extended: bool,
        data_with_mac: &'d [u8],
    ) -> Result<&'d [u8], Scp03Error> {
        let split = data_with_mac.len().checked_sub(MAC_LEN).ok_or(Scp03Error::CMacMismatch)?;
        let (data, mac) = data_with_mac.split_at(split);
        let expected = self.command_mac(header, extended, data);
        if !bool::from(expected[..MAC_LEN].ct_eq(mac)) {
            return Err(Scp03Error::CMacMismatch);
        }
        self.chaining = expected;
        Ok(data)
    }

    /// The counter of the next command: incremented for every command of the
    /// session, with or without data (GP Amd D §6.2.6).
    pub fn next_counter(&self) -> Result<u128, Scp03Error> {
        self.counter.checked_add(1).ok_or(Scp03Error::CounterExhausted)
    }

    pub fn set_counter(&mut self, counter: u128) {
        self.counter = counter;
    }

    /// ICV = AES(S-ENC, counter as 16 bytes big endian).
    fn icv(&self, counter: u128) -> [u8; BLOCK_LEN] {
        aes::encrypt_block(&self.keys.s_enc, counter.to_be_bytes())
    }

    /// Host: pad `80 00..` and encrypt the command data under `counter`.
    pub fn encrypt_data(&self, counter: u128, data: &[u8]) -> Result<Vec<u8>, Scp03Error> {
        let mut padded = symmetric::padded(data);
        aes::cbc_encrypt(&self.keys.s_enc, &self.icv(counter), &mut padded)?;
        Ok(padded)
    }

    /// Card: decrypt the command data under `counter` and remove the padding.
    pub fn decrypt_data(&self, counter: u128, encrypted: &[u8]) -> Result<Vec<u8>, Scp03Error> {
        let mut data = encrypted.to_vec();
        aes::cbc_decrypt(&self.keys.s_enc, &self.icv(counter), &mut data)?;
        symmetric::unpad(&mut data).map_err(|_| Scp03Error::BadCommandData)?;
        Ok(data)
    }

    /// CMAC(S-RMAC, chaining ‖ response data ‖ SW1 SW2), first 8 bytes.
    pub fn response_mac(&self, data: &[u8], sw: u16) -> [u8; MAC_LEN] {
        let full = aes::cmac(&self.keys.s_rmac, &[&self.chaining, data, &sw.to_be_bytes()]);
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&full[..MAC_LEN]);
        mac
    }

    /// Host: whether `mac` is the R-MAC of `data` and `sw`.
    pub fn response_mac_matches(&self, data: &[u8], sw: u16, mac: &[u8]) -> bool {
        bool::from(self.response_mac(data, sw).ct_eq(mac))
    }
}
