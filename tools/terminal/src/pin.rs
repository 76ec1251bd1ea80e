//! PIN1, the user code (PUK) and PIN2 from the terminal (docs/spec/pins.md;
//! TR-03110-2 §3.5, ISO 7816-4 §11.5.6-10):
//!
//! * status: MSE:Set AT for PACE with PIN1 / PUK shows the counter without
//!   counting (`9000`, `63Cx`, `6983` blocked, `6984` not set; TR-03110-3
//!   B.11.1); VERIFY `00 20 00 81` without data shows PIN2's;
//! * set / unblock: RESET RETRY COUNTER `00 2C 02|03 03|81` inside the
//!   session of a PACE with the user code (or PIN1 for a new PIN1);
//! * change PIN2: CHANGE REFERENCE DATA `00 24 00 81 18 old‖new`, each value
//!   padded with `FF` to 12 bytes (PKCS#15 padChar).

use card_os::protocol::pace::{MSE_SET_AT_P1, MSE_SET_AT_P2, MseSetAt};
use card_os::protocol::{PacePassword, sm::Command};
use thiserror::Error;

use crate::card::{CLA_PLAIN, sw_meaning, transmit};
use crate::pace::{PaceFailure, choose_pace_info, read_card_access};
use crate::transport::{Transport, TransportError};

const INS_MSE: u8 = 0x22;
const INS_VERIFY: u8 = 0x20;
const INS_CHANGE_REFERENCE_DATA: u8 = 0x24;
const INS_RESET_RETRY_COUNTER: u8 = 0x2C;
/// RESET RETRY COUNTER P1: `02` new value, `03` counter only (ISO 7816-4 §11.5.10).
const RRC_P1_NEW_VALUE: u8 = 0x02;
const RRC_P1_UNBLOCK: u8 = 0x03;
/// PIN references (pins.md): PIN1 `03` (PACE), PIN2 `81` (specific).
pub const REF_PIN1: u8 = 0x03;
pub const REF_PIN2: u8 = 0x81;
/// PIN2 fields of CHANGE REFERENCE DATA are 12 bytes, padded with `FF`.
const PIN2_FIELD_LEN: usize = 12;
const PAD_CHAR: u8 = 0xFF;
const SW_OK: u16 = 0x9000;
const SW_BLOCKED: u16 = 0x6983;
const SW_NOT_SET: u16 = 0x6984;
const SW1_COUNTER: u16 = 0x63;
/// `63Cx`: x tries left (ISO 7816-4 §5.6).
const SW_COUNTER_MASK: u16 = 0xFFF0;
const SW_COUNTER_BASE: u16 = 0x63C0;

/// Which secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinKind {
    Pin1,
    UserCode,
    Pin2,
}

impl PinKind {
    pub fn label(self) -> &'static str {
        match self {
            PinKind::Pin1 => "PIN1",
            PinKind::UserCode => "user code",
            PinKind::Pin2 => "PIN2",
        }
    }

    fn reference(self) -> u8 {
        match self {
            PinKind::Pin1 => REF_PIN1,
            PinKind::UserCode => PacePassword::Puk.reference(),
            PinKind::Pin2 => REF_PIN2,
        }
    }
}

/// A PIN's state as the card shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinState {
    /// No try lost (or, for PIN2, verified in this session).
    Usable,
    /// x tries left; for PIN1, 1 left after 2 failures means suspended.
    TriesLeft(u8),
    Blocked,
    /// Delivery state: no value yet.
    NotSet,
    /// Any other answer.
    Other(u16),
}

impl PinState {
    pub fn from_sw(sw: u16) -> Self {
        match sw {
            SW_OK => PinState::Usable,
            SW_BLOCKED => PinState::Blocked,
            SW_NOT_SET => PinState::NotSet,
            s if s & SW_COUNTER_MASK == SW_COUNTER_BASE => PinState::TriesLeft((s & 0x0F) as u8),
            s => PinState::Other(s),
        }
    }

    /// For people; PIN1 with one try left is suspended (chip.md).
    pub fn describe(self, kind: PinKind) -> String {
        match self {
            PinState::Usable => "usable (no try lost)".into(),
            PinState::TriesLeft(0) => "blocked (0 tries left)".into(),
            PinState::TriesLeft(1) if kind == PinKind::Pin1 => {
                "suspended: 1 try left, allowed only after a PACE with the CAN".into()
            }
            PinState::TriesLeft(1) => "1 try left".into(),
            PinState::TriesLeft(n) => format!("{n} tries left"),
            PinState::Blocked => "blocked: unblock with the user code".into(),
            PinState::NotSet => "not set (delivery state): set it with the user code".into(),
            PinState::Other(sw) => format!("card answered {sw:04X} ({})", sw_meaning(sw)),
        }
    }

    pub fn tries_left(self) -> Option<u8> {
        match self {
            PinState::TriesLeft(n) => Some(n),
            _ => None,
        }
    }
}

#[derive(Debug, Error)]
pub enum PinError {
    #[error("{command} ({pin}): card answered {sw:04X} ({meaning}){hint}")]
    Card {
        command: &'static str,
        pin: &'static str,
        sw: u16,
        meaning: &'static str,
        hint: &'static str,
    },
    #[error(transparent)]
    Pace(#[from] PaceFailure),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("{pin}: {rule}")]
    Format {
        pin: &'static str,
        rule: &'static str,
    },
}

fn send(transport: &mut dyn Transport, command: Command) -> Result<u16, PinError> {
    let bytes = command
        .to_bytes()
        .map_err(TransportError::SecureMessaging)?;
    Ok(transmit(transport, &bytes)?.sw)
}

fn apdu(ins: u8, p1: u8, p2: u8, data: Vec<u8>) -> Command {
    Command {
        cla: CLA_PLAIN,
        ins,
        p1,
        p2,
        data,
        ne: None,
    }
}

fn expect_ok(sw: u16, command: &'static str, kind: PinKind) -> Result<(), PinError> {
    if sw == SW_OK {
        return Ok(());
    }
    let hint = match sw {
        0x6982 => {
            " — the command needs a PACE session with the user code, on the contact interface"
        }
        SW_BLOCKED => " — blocked: unblock with the user code",
        SW_NOT_SET => " — not set: set it first with the user code",
        s if s >> 8 == SW1_COUNTER => " — wrong value",
        _ => "",
    };
    Err(PinError::Card {
        command,
        pin: kind.label(),
        sw,
        meaning: sw_meaning(sw),
        hint,
    })
}

/// The counter of PIN1 or the user code, from MSE:Set AT for PACE (counts nothing).
pub fn pace_password_state(
    transport: &mut dyn Transport,
    kind: PinKind,
) -> Result<PinState, PinError> {
    let password = match kind {
        PinKind::Pin1 => PacePassword::Pin,
        PinKind::UserCode => PacePassword::Puk,
        PinKind::Pin2 => return pin2_state(transport),
    };
    let infos = read_card_access(transport)?;
    let (info, domain) = choose_pace_info(&infos)?;
    let mse = MseSetAt {
        protocol: info.protocol,
        password,
        domain_parameter_id: Some(domain.id()),
        auxiliary_data: None,
        chat: None,
    };
    let sw = send(
        transport,
        apdu(INS_MSE, MSE_SET_AT_P1, MSE_SET_AT_P2, mse.encode()),
    )?;
    Ok(PinState::from_sw(sw))
}

/// PIN2's state: VERIFY `00 20 00 81` without data.
pub fn pin2_state(transport: &mut dyn Transport) -> Result<PinState, PinError> {
    Ok(PinState::from_sw(send(
        transport,
        apdu(INS_VERIFY, 0, REF_PIN2, Vec::new()),
    )?))
}

/// All three, in the order PIN1, user code, PIN2.
pub fn status(transport: &mut dyn Transport) -> Result<Vec<(PinKind, PinState)>, PinError> {
    Ok(vec![
        (
            PinKind::Pin1,
            pace_password_state(transport, PinKind::Pin1)?,
        ),
        (
            PinKind::UserCode,
            pace_password_state(transport, PinKind::UserCode)?,
        ),
        (PinKind::Pin2, pin2_state(transport)?),
    ])
}

/// RESET RETRY COUNTER with a new value (`00 2C 02 ref value`), inside a
/// PACE session with the user code (or PIN1 for PIN1).
pub fn set_value(channel: &mut dyn Transport, kind: PinKind, value: &str) -> Result<(), PinError> {
    check_format(kind, value)?;
    let sw = send(
        channel,
        apdu(
            INS_RESET_RETRY_COUNTER,
            RRC_P1_NEW_VALUE,
            kind.reference(),
            value.as_bytes().to_vec(),
        ),
    )?;
    expect_ok(sw, "RESET RETRY COUNTER (new value)", kind)
}

/// RESET RETRY COUNTER without data (`00 2C 03 ref`): the counter to its maximum.
pub fn unblock(channel: &mut dyn Transport, kind: PinKind) -> Result<(), PinError> {
    let sw = send(
        channel,
        apdu(
            INS_RESET_RETRY_COUNTER,
            RRC_P1_UNBLOCK,
            kind.reference(),
            Vec::new(),
        ),
    )?;
    expect_ok(sw, "RESET RETRY COUNTER (unblock)", kind)
}

/// CHANGE REFERENCE DATA for PIN2: `00 24 00 81 18 old‖new`.
pub fn change_pin2(transport: &mut dyn Transport, old: &str, new: &str) -> Result<(), PinError> {
    check_format(PinKind::Pin2, old)?;
    check_format(PinKind::Pin2, new)?;
    let mut data = pin2_field(old);
    data.extend(pin2_field(new));
    let sw = send(
        transport,
        apdu(INS_CHANGE_REFERENCE_DATA, 0, REF_PIN2, data),
    )?;
    expect_ok(sw, "CHANGE REFERENCE DATA", PinKind::Pin2)
}

fn pin2_field(value: &str) -> Vec<u8> {
    let mut field = value.as_bytes().to_vec();
    field.resize(PIN2_FIELD_LEN, PAD_CHAR);
    field
}

/// The chip's formats (chip.md "Passwords and counters").
pub fn check_format(kind: PinKind, value: &str) -> Result<(), PinError> {
    let digits = value.bytes().all(|b| b.is_ascii_digit());
    let ok = match kind {
        PinKind::Pin1 => value.len() == 6 && digits,
        PinKind::Pin2 => (8..=12).contains(&value.len()) && digits,
        PinKind::UserCode => {
            (6..=10).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
        }
    };
    if ok {
        return Ok(());
    }
    let rule = match kind {
        PinKind::Pin1 => "must be exactly 6 digits",
        PinKind::Pin2 => "must be 8 to 12 digits",
        PinKind::UserCode => "must be 6 to 10 characters A-Z a-z 0-9",
    };
    Err(PinError::Format {
        pin: kind.label(),
        rule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_from_status_words() {
        assert_eq!(PinState::from_sw(0x9000), PinState::Usable);
        assert_eq!(PinState::from_sw(0x63C2), PinState::TriesLeft(2));
        assert_eq!(PinState::from_sw(0x6983), PinState::Blocked);
        assert_eq!(PinState::from_sw(0x6984), PinState::NotSet);
        assert!(
            PinState::TriesLeft(1)
                .describe(PinKind::Pin1)
                .starts_with("suspended")
        );
        assert_eq!(PinState::TriesLeft(1).describe(PinKind::Pin2), "1 try left");
    }

    /// pins.md example: PIN2 13572468 → 2468013579.
    #[test]
    fn change_reference_data_pads_with_ff() {
        let mut data = pin2_field("13572468");
        data.extend(pin2_field("2468013579"));
        assert_eq!(
            hex::encode_upper(&data),
            "3133353732343638FFFFFFFF32343638303133353739FFFF"
        );
    }

    #[test]
    fn formats_name_the_pin() {
        assert!(check_format(PinKind::Pin1, "246810").is_ok());
        assert_eq!(
            check_format(PinKind::Pin1, "24681")
                .unwrap_err()
                .to_string(),
            "PIN1: must be exactly 6 digits"
        );
        assert!(check_format(PinKind::UserCode, "TWeid2026").is_ok());
        assert!(check_format(PinKind::UserCode, "TW-eid").is_err());
        assert!(check_format(PinKind::Pin2, "1122334455").is_ok());
    }
}
