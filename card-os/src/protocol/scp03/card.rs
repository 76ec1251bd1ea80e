//! The card side of SCP03: answer INITIALIZE UPDATE, verify EXTERNAL
//! AUTHENTICATE, then unwrap every command and protect every response of
//! the session (GP Amd D §6.2, §7.1). The card's state between commands
//! (which of these it holds) is kept by card-os `gp`.

use alloc::vec::Vec;
use subtle::ConstantTimeEq;

use super::channel::{self, Channel};
use super::error::Scp03Error;
use super::kdf::{self, SessionKeys, CHALLENGE_LEN, CONTEXT_LEN, CRYPTOGRAM_LEN};
use super::keys::{Kdd, StaticKeys};
use super::level::SecurityLevel;
use super::messages::{
    InitializeUpdateResponse, CLA_GP_SECURED, INS_EXTERNAL_AUTHENTICATE, I_PARAMETER, P2_NONE,
};
use crate::apdu::{class, CommandApdu};

/// EXTERNAL AUTHENTICATE data: host cryptogram ‖ C-MAC.
const EXTERNAL_AUTHENTICATE_LEN: usize = CRYPTOGRAM_LEN + channel::MAC_LEN;

/// The host challenge of INITIALIZE UPDATE `80 50 KVN 00 08 host-challenge 00`
/// after the P2 and Lc checks (KVN is the caller's: it knows the key sets).
pub fn check_initialize_update(cmd: &CommandApdu) -> Result<[u8; CHALLENGE_LEN], Scp03Error> {
    if cmd.p2 != P2_NONE {
        return Err(Scp03Error::WrongParameter { field: "INITIALIZE UPDATE P2", value: cmd.p2 });
    }
    cmd.data.as_slice().try_into().map_err(|_| Scp03Error::WrongLength {
        field: "host challenge",
        expected: CHALLENGE_LEN,
        actual: cmd.data.len(),
    })
}

/// The card after INITIALIZE UPDATE, waiting for EXTERNAL AUTHENTICATE.
pub struct CardPending {
    keys: SessionKeys,
    context: [u8; CONTEXT_LEN],
}

impl core::fmt::Debug for CardPending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CardPending { .. }")
    }
}

impl CardPending {
    /// INITIALIZE UPDATE with the card's `keys`: session keys from both
    /// challenges, and the response `KDD ‖ KVN ‖ 03 ‖ i ‖ card challenge ‖ card cryptogram`.
    pub fn initialize_update(
        keys: &StaticKeys,
        kdd: &Kdd,
        host_challenge: &[u8; CHALLENGE_LEN],
        card_challenge: [u8; CHALLENGE_LEN],
    ) -> (CardPending, InitializeUpdateResponse) {
        let context = kdf::context(host_challenge, &card_challenge);
        let session_keys = SessionKeys::derive(keys, &context);
        let response = InitializeUpdateResponse {
            kdd: *kdd,
            kvn: keys.kvn,
            i: I_PARAMETER,
            card_challenge,
            card_cryptogram: session_keys.card_cryptogram(&context),
            sequence_counter: None,
        };
        (CardPending { keys: session_keys, context }, response)
    }

    /// EXTERNAL AUTHENTICATE `84 82 SL 00 10 host-cryptogram ‖ C-MAC`: the
    /// level, P2 and length first (6A86, 6700), then the host cryptogram
    /// (6300), then the C-MAC with the chaining value zero (6982). Success
    /// opens the session with this command's MAC as chaining value.
    pub fn external_authenticate(self, cmd: &CommandApdu) -> Result<CardSession, Scp03Error> {
        if cmd.cla != CLA_GP_SECURED || cmd.ins != INS_EXTERNAL_AUTHENTICATE {
            return Err(Scp03Error::WrongParameter { field: "EXTERNAL AUTHENTICATE CLA", value: cmd.cla });
        }
        let level = SecurityLevel::from_byte(cmd.p1).ok_or(Scp03Error::UnsupportedSecurityLevel(cmd.p1))?;
        if cmd.p2 != P2_NONE {
            return Err(Scp03Error::WrongParameter { field: "EXTERNAL AUTHENTICATE P2", value: cmd.p2 });
        }
        if cmd.data.len() != EXTERNAL_AUTHENTICATE_LEN {
            return Err(Scp03Error::WrongLength {
                field: "EXTERNAL AUTHENTICATE data",
                expected: EXTERNAL_AUTHENTICATE_LEN,
                actual: cmd.data.len(),
            });
        }
        let expected = self.keys.host_cryptogram(&self.context);
        if !bool::from(expected.ct_eq(&cmd.data[..CRYPTOGRAM_LEN])) {
            return Err(Scp03Error::HostCryptogramMismatch);
        }
        let mut channel = Channel::new(self.keys, level);
        channel.verify_command([cmd.cla, cmd.ins, cmd.p1, cmd.p2], cmd.extended, &cmd.data)?;
        Ok(CardSession { channel })
    }
}

/// An open SCP03 session on the card.
pub struct CardSession {
    channel: Channel,
}

impl core::fmt::Debug for CardSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardSession").field("level", &self.channel.level()).finish_non_exhaustive()
    }
}

impl CardSession {
    pub fn level(&self) -> SecurityLevel {
        self.channel.level()
    }

    /// Verify the C-MAC of a command of class `84` / `94` and decrypt its
    /// data (C-DECRYPTION levels). The result is the ISO command it
    /// protects: class `00` (`10` for a chain link), Le unchanged. Any error
    /// ends the session (the caller drops it).
    pub fn unwrap_command(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, Scp03Error> {
        if class::without_chaining(cmd.cla) != CLA_GP_SECURED {
            return Err(Scp03Error::CMacMismatch);
        }
        let counter = self.channel.next_counter()?;
        let data = self.channel.verify_command([cmd.cla, cmd.ins, cmd.p1, cmd.p2], cmd.extended, &cmd.data)?;
        self.channel.set_counter(counter);
        let data = if self.level().command_decryption() && !data.is_empty() {
            self.channel.decrypt_data(counter, data)?
        } else {
            data.to_vec()
        };
        let extended = channel::needs_extended(data.len(), cmd.ne, false);
        Ok(CommandApdu {
            cla: cmd.cla & class::CLA_CHAINING,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data,
            ne: cmd.ne,
            extended,
        })
    }

    /// The bytes the R-MAC adds after the data of a 9000 / 62xx / 63xx
    /// answer: `MAC_LEN` on the R-MAC levels, 0 on the others. The data and
    /// these bytes together must fit Ne (scp03.md §Wrapping).
    pub fn response_mac_len(&self) -> usize {
        if self.level().response_mac() { channel::MAC_LEN } else { 0 }
    }

    /// The response to the last unwrapped command (GP Amd D §6.2.5). On the
    /// R-MAC levels: `data ‖ R-MAC ‖ SW` when SW is 9000, 62xx or 63xx, and
    /// the SW alone otherwise (an error status word carries no data and no
    /// R-MAC). On the other levels: `data ‖ SW`. The caller has fitted the
    /// data to Ne minus `response_mac_len`.
    pub fn wrap_response(&self, data: &[u8], sw: u16) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + channel::MAC_LEN + 2);
        if !self.level().response_mac() {
            out.extend_from_slice(data);
        } else if channel::carries_response_mac(sw) {
            out.extend_from_slice(data);
            out.extend_from_slice(&self.channel.response_mac(data, sw));
        }
        out.extend_from_slice(&sw.to_be_bytes());
        out
    }
}
