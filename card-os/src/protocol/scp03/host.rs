//! The host (issuer terminal) side of SCP03: verify the card cryptogram,
//! build EXTERNAL AUTHENTICATE, then wrap every command and check every
//! response of the session (GP Amd D §6.2, §7.1).
//!
//! ```text
//! initialize_update_command(kvn, host challenge) → card → InitializeUpdateResponse::parse
//! diversify(master keys, response.kdd) → HostSession::open → EXTERNAL AUTHENTICATE APDU
//! → card → check_external_authenticate → wrap_command / unwrap_response …
//! ```

use alloc::vec::Vec;

use super::channel::{self, Channel, MAC_LEN};
use super::error::Scp03Error;
use super::kdf::{self, SessionKeys, CHALLENGE_LEN, CRYPTOGRAM_LEN};
use super::keys::StaticKeys;
use super::level::SecurityLevel;
use super::messages::{InitializeUpdateResponse, CLA_GP_SECURED, INS_EXTERNAL_AUTHENTICATE, P2_NONE};
use crate::apdu::CommandApdu;
use crate::apdu::command::EXTENDED_MAX_NC;
use subtle::ConstantTimeEq;

/// SW1 SW2 length.
const SW_LEN: usize = 2;
const SW_SUCCESS: u16 = 0x9000;
/// The classes a host may wrap: basic channel, no ISO secure messaging,
/// interindustry or proprietary, with or without the chaining bit.
const WRAPPABLE_CLASSES: [u8; 4] = [0x00, 0x10, 0x80, 0x90];

/// An SCP03 session on the host side.
pub struct HostSession {
    channel: Channel,
}

impl core::fmt::Debug for HostSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HostSession").field("level", &self.channel.level()).finish_non_exhaustive()
    }
}

impl HostSession {
    /// After INITIALIZE UPDATE: derive the session keys from the card's
    /// (diversified) `keys`, verify the card cryptogram, and return the
    /// session with the EXTERNAL AUTHENTICATE APDU
    /// `84 82 SL 00 10 host-cryptogram ‖ C-MAC` to send next. The session
    /// is usable once the card answered 9000 (`check_external_authenticate`).
    pub fn open(
        keys: &StaticKeys,
        host_challenge: &[u8; CHALLENGE_LEN],
        response: &InitializeUpdateResponse,
        level: SecurityLevel,
    ) -> Result<(HostSession, Vec<u8>), Scp03Error> {
        if response.kvn != keys.kvn {
            return Err(Scp03Error::KeyVersionMismatch { card: response.kvn, host: keys.kvn });
        }
        if level.response_mac() && !response.supports_response_mac() {
            return Err(Scp03Error::RMacNotSupported { i: response.i });
        }
        let context = kdf::context(host_challenge, &response.card_challenge);
        let session_keys = SessionKeys::derive(keys, &context);
        let expected = session_keys.card_cryptogram(&context);
        if !bool::from(expected.ct_eq(&response.card_cryptogram)) {
            return Err(Scp03Error::CardCryptogramMismatch);
        }
        let host_cryptogram: [u8; CRYPTOGRAM_LEN] = session_keys.host_cryptogram(&context);
        let mut channel = Channel::new(session_keys, level);
        let header = [CLA_GP_SECURED, INS_EXTERNAL_AUTHENTICATE, level.to_byte(), P2_NONE];
        let mac = channel.sign_command(header, false, &host_cryptogram);
        let mut apdu = Vec::with_capacity(5 + CRYPTOGRAM_LEN + MAC_LEN);
        apdu.extend_from_slice(&header);
        apdu.push((CRYPTOGRAM_LEN + MAC_LEN) as u8);
        apdu.extend_from_slice(&host_cryptogram);
        apdu.extend_from_slice(&mac);
        Ok((HostSession { channel }, apdu))
    }

    pub fn level(&self) -> SecurityLevel {
        self.channel.level()
    }

    /// Protect one command APDU (CLA `00`/`80`, or `10`/`90` for a link of
    /// a chain): encrypt the data field (C-DECRYPTION levels), set CLA to
    /// `84` (`94` for a chain link), append the C-MAC; Lc grows, Le stays.
    /// Short length when it fits, extended otherwise or when the command
    /// was extended.
    pub fn wrap_command(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Scp03Error> {
        let plain = CommandApdu::parse(apdu).map_err(|_| Scp03Error::MalformedCommand)?;
        if !WRAPPABLE_CLASSES.contains(&plain.cla) {
            return Err(Scp03Error::UnsupportedClass(plain.cla));
        }
        let counter = self.channel.next_counter()?;
        let data = if self.level().command_decryption() && !plain.data.is_empty() {
            self.channel.encrypt_data(counter, &plain.data)?
        } else {
            plain.data
        };
        let nc = data.len() + MAC_LEN;
        if nc > EXTENDED_MAX_NC {
            return Err(Scp03Error::DataTooLong(nc));
        }
        let cla = channel::secured_class(plain.cla);
        let extended = channel::needs_extended(nc, plain.ne, plain.extended);
        let mac = self.channel.sign_command([cla, plain.ins, plain.p1, plain.p2], extended, &data);
        self.channel.set_counter(counter);
        let mut wrapped_data = data;
        wrapped_data.extend_from_slice(&mac);
        let wrapped = CommandApdu {
            cla,
            ins: plain.ins,
            p1: plain.p1,
            p2: plain.p2,
            data: wrapped_data,
            ne: plain.ne,
            extended,
        };
        wrapped.to_bytes().map_err(|_| Scp03Error::DataTooLong(nc))
    }

    /// Check the R-MAC of the response to the last wrapped command (levels
    /// with R-MAC; error status words carry none) and split it into the
    /// response data and SW1 SW2.
    pub fn unwrap_response(&mut self, response: &[u8]) -> Result<(Vec<u8>, u16), Scp03Error> {
        let (body, sw) = response.split_last_chunk::<SW_LEN>().ok_or(Scp03Error::ResponseTooShort)?;
        let sw = u16::from_be_bytes(*sw);
        if !self.level().response_mac() || !channel::carries_response_mac(sw) {
            return Ok((body.to_vec(), sw));
        }
        let data_len = body.len().checked_sub(MAC_LEN).ok_or(Scp03Error::RMacMismatch)?;
        let (data, mac) = body.split_at(data_len);
        if !self.channel.response_mac_matches(data, sw, mac) {
            return Err(Scp03Error::RMacMismatch);
        }
        Ok((data.to_vec(), sw))
    }
}

/// The card's answer to EXTERNAL AUTHENTICATE: `9000` opens the session;
/// anything else names the status word (6300: the host cryptogram did not
/// verify — other keys on the card).
pub fn check_external_authenticate(response: &[u8]) -> Result<(), Scp03Error> {
    let (_, sw) = response.split_last_chunk::<SW_LEN>().ok_or(Scp03Error::ResponseTooShort)?;
    match u16::from_be_bytes(*sw) {
        SW_SUCCESS => Ok(()),
        sw => Err(Scp03Error::CardRefused { command: "EXTERNAL AUTHENTICATE", sw }),
    }
}
