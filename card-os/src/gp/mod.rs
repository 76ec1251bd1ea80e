//! The GlobalPlatform layer of the card: the issuer's SCP03 secure channel
//! (GP Card Specification 2.3 Amendment D; docs/spec/scp03.md). It keeps
//! the volatile SCP03 state between commands, routes the GP classes, and
//! answers INITIALIZE UPDATE and EXTERNAL AUTHENTICATE (`commands`). The
//! cryptography is `protocol::scp03`, shared with the terminal; the session
//! rules (what ends a session) are applied in `card.rs`.

mod commands;

use alloc::string::ToString;
use core::fmt;

use crate::apdu::command::{SHORT_MAX_NC, SHORT_MAX_NE};
use crate::apdu::{class, CommandApdu};
use crate::fault::{Fault, FaultSet};
use crate::fs::select::INS_SELECT;
use crate::fs::FID_MF;
use crate::nvm::CardImage;
use crate::protocol::scp03::{
    CardPending, CardSession, Kdd, Scp03Error, StaticKeys, CLA_GP, CLA_GP_SECURED, INS_EXTERNAL_AUTHENTICATE,
    INS_INITIALIZE_UPDATE, KDD_LEN, MAC_LEN,
};
use crate::status::StatusWord;

pub use commands::{external_authenticate, initialize_update};

/// Image object with the card's diversified SCP03 keys: KVN ‖ K-ENC ‖ K-MAC ‖
/// K-DEK (49 bytes). Without it INITIALIZE UPDATE answers 6A88.
pub const KEYS_OBJECT: &str = "gp.scp03.keys";
/// Image object with the card's key diversification data (10 bytes), which
/// INITIALIZE UPDATE answers; written with the keys.
pub const KDD_OBJECT: &str = "gp.scp03.kdd";

/// SELECT P1 by DF name: selecting an application ends the session.
const SELECT_BY_DF_NAME: u8 = 0x04;
/// SELECT P1 by FID: with no data or `3F00`, the MF.
const SELECT_BY_FID: u8 = 0x00;

/// Personalization: store the card's (already diversified) keys and its KDD.
pub fn install_keys(image: &mut CardImage, keys: &StaticKeys, kdd: &Kdd) {
    image.objects.insert(KEYS_OBJECT.to_string(), keys.to_bytes().to_vec());
    image.objects.insert(KDD_OBJECT.to_string(), kdd.0.to_vec());
}

/// The stored keys and KDD; `None` when either is absent or malformed.
pub fn stored_keys(image: &CardImage) -> Option<(StaticKeys, Kdd)> {
    let keys = StaticKeys::from_bytes(image.objects.get(KEYS_OBJECT)?).ok()?;
    let kdd: [u8; KDD_LEN] = image.objects.get(KDD_OBJECT)?.as_slice().try_into().ok()?;
    Some((keys, Kdd(kdd)))
}

/// The volatile SCP03 state: lost on reset (and with every session end).
#[derive(Default)]
pub enum GpState {
    #[default]
    Idle,
    /// INITIALIZE UPDATE answered; only EXTERNAL AUTHENTICATE may follow.
    Initialized(CardPending),
    /// A session is open.
    Open(CardSession),
}

impl fmt::Debug for GpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpState::Idle => f.write_str("Idle"),
            GpState::Initialized(_) => f.write_str("Initialized"),
            GpState::Open(session) => write!(f, "Open({:?})", session.level()),
        }
    }
}

impl GpState {
    pub fn is_open(&self) -> bool {
        matches!(self, GpState::Open(_))
    }

    /// Take the state out, leaving `Idle`.
    pub fn take(&mut self) -> GpState {
        core::mem::take(self)
    }
}

/// How the card treats a command with respect to SCP03.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `80 50`: INITIALIZE UPDATE.
    InitializeUpdate,
    /// `84 82`, in any state: EXTERNAL AUTHENTICATE. Inside an open session
    /// it is not directly after INITIALIZE UPDATE: 6985, and the session
    /// ends (scp03.md §EXTERNAL AUTHENTICATE).
    ExternalAuthenticate,
    /// Class `84` / `94` otherwise: a command protected by the session.
    Secured,
    /// Anything else: not a GP command.
    Other,
}

/// Classify `cmd` (basic channel only: GP classes with channel bits are not GP here).
pub fn route(cmd: &CommandApdu) -> Route {
    if cmd.cla == CLA_GP && cmd.ins == INS_INITIALIZE_UPDATE {
        Route::InitializeUpdate
    } else if cmd.cla == CLA_GP_SECURED && cmd.ins == INS_EXTERNAL_AUTHENTICATE {
        Route::ExternalAuthenticate
    } else if class::without_chaining(cmd.cla) == CLA_GP_SECURED {
        Route::Secured
    } else {
        Route::Other
    }
}

/// Whether this (unwrapped, class `00`) command ends the session after its
/// response: SELECT of an application (P1 `04`) or of the MF (P1 `00`
/// without data or with `3F00`).
pub fn ends_session(cmd: &CommandApdu) -> bool {
    cmd.ins == INS_SELECT
        && (cmd.p1 == SELECT_BY_DF_NAME
            || (cmd.p1 == SELECT_BY_FID && (cmd.data.is_empty() || cmd.data == FID_MF.to_be_bytes())))
}

/// Whether a plain command is a SELECT: it ends the session and is processed.
pub fn is_plain_select(cmd: &CommandApdu) -> bool {
    cmd.ins == INS_SELECT && class::is_interindustry(cmd.cla) && !class::indicates_secure_messaging(cmd.cla)
}

/// Unwrap a command of the open session (C-MAC, then C-DECRYPTION at its
/// level; scp03.md §Wrapping). Any error answers 6982; the caller then
/// drops the session.
pub fn unwrap_command(session: &mut CardSession, cmd: &CommandApdu, faults: FaultSet) -> Result<CommandApdu, StatusWord> {
    match session.unwrap_command(cmd) {
        Ok(unwrapped) => Ok(unwrapped),
        Err(Scp03Error::CMacMismatch) if faults.has(Fault::Scp03MacNotChecked) => unchecked(cmd), // FAULT: the C-MAC is not checked
        Err(_) => Err(StatusWord::SecurityStatusNotSatisfied),
    }
}

/// `Fault::Scp03MacNotChecked`: the command as sent, its last 8 data bytes
/// dropped unchecked and the data not decrypted, in its ISO class.
fn unchecked(cmd: &CommandApdu) -> Result<CommandApdu, StatusWord> {
    let data_len = cmd.data.len().checked_sub(MAC_LEN).ok_or(StatusWord::SecurityStatusNotSatisfied)?;
    let data = cmd.data[..data_len].to_vec();
    let extended = data.len() > SHORT_MAX_NC || cmd.ne.is_some_and(|ne| ne > SHORT_MAX_NE);
    Ok(CommandApdu { cla: cmd.cla & class::CLA_CHAINING, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data, ne: cmd.ne, extended })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::scp03::{HostSession, InitializeUpdateResponse, SecurityLevel};

    const HOST_CHALLENGE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
    const CARD_CHALLENGE: [u8; 8] = [9, 10, 11, 12, 13, 14, 15, 16];

    /// An open session on both sides, at `level`.
    fn open(level: SecurityLevel) -> (HostSession, CardSession) {
        let keys = StaticKeys { kvn: 0x30, enc: [0x40; 16], mac: [0x50; 16], dek: [0x60; 16] };
        let kdd = Kdd(*b"0210012345");
        let (pending, response) = CardPending::initialize_update(&keys, &kdd, &HOST_CHALLENGE, CARD_CHALLENGE);
        let response = InitializeUpdateResponse::parse(&response.to_bytes()).unwrap();
        let (host, external_authenticate) = HostSession::open(&keys, &HOST_CHALLENGE, &response, level).unwrap();
        let card = pending.external_authenticate(&CommandApdu::parse(&external_authenticate).unwrap()).unwrap();
        (host, card)
    }

    /// GENERATE P1 01 key 03, wrapped, with one bit of its C-MAC flipped.
    fn spoiled(host: &mut HostSession) -> CommandApdu {
        let mut wrapped = host.wrap_command(&[0x00, 0x46, 0x01, 0x03, 0x00]).unwrap();
        let last_mac_byte = wrapped.len() - 2; // before Le
        wrapped[last_mac_byte] ^= 0x01;
        CommandApdu::parse(&wrapped).unwrap()
    }

    #[test]
    fn a_wrong_c_mac_is_refused_unless_the_fault_is_injected() {
        let (mut host, mut card) = open(SecurityLevel::CMac);
        assert_eq!(
            unwrap_command(&mut card, &spoiled(&mut host), FaultSet::none()),
            Err(StatusWord::SecurityStatusNotSatisfied)
        );
        // FAULT scp03-mac-not-checked: the command is processed as sent, without its 8 MAC bytes.
        let (mut host, mut card) = open(SecurityLevel::CMac);
        let faults = FaultSet::only(Fault::Scp03MacNotChecked);
        let unwrapped = unwrap_command(&mut card, &spoiled(&mut host), faults).unwrap();
        assert_eq!((unwrapped.cla, unwrapped.ins, unwrapped.p2, unwrapped.data.len()), (0x00, 0x46, 0x03, 0));
        // A missing C-MAC is still refused (nothing to drop).
        let bare = CommandApdu::parse(&[0x84, 0x46, 0x01, 0x03, 0x00]).unwrap();
        assert_eq!(unwrap_command(&mut card, &bare, faults), Err(StatusWord::SecurityStatusNotSatisfied));
    }

    #[test]
    fn external_authenticate_is_routed_as_such_in_every_state() {
        let ext_auth = CommandApdu::parse(&[0x84, 0x82, 0x01, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .unwrap();
        // Inside an open session too: it is then not directly after INITIALIZE UPDATE (6985).
        assert_eq!(route(&ext_auth), Route::ExternalAuthenticate);
        // A chained link (94) and other INS of class 84 are commands of the session.
        let link = CommandApdu { cla: 0x94, ..ext_auth.clone() };
        assert_eq!(route(&link), Route::Secured);
        let generate = CommandApdu::parse(&[0x84, 0x46, 0x01, 0x03, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(route(&generate), Route::Secured);
    }

    #[test]
    fn a_right_c_mac_unwraps_to_the_iso_command() {
        let (mut host, mut card) = open(SecurityLevel::CDecCMac);
        let wrapped = host.wrap_command(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x50, 0x31]).unwrap();
        let unwrapped = unwrap_command(&mut card, &CommandApdu::parse(&wrapped).unwrap(), FaultSet::none()).unwrap();
        assert_eq!((unwrapped.cla, unwrapped.data.as_slice()), (0x00, &[0x50, 0x31][..]));
    }
}
