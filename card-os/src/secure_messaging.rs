//! The card's secure messaging layer: between the APDU codec and dispatch
//! (ISO 7816-4 §10, ICAO 9303-11 §9.8). The cryptography is
//! `protocol::sm::SmSession`; this module converts the card's APDU types to
//! and from it and every SM error to its status word. The session rules
//! (when a session ends) are in `card.rs`; bytes in docs/spec/secure-messaging.md.

use crate::apdu::{CommandApdu, ResponseApdu};
use crate::protocol::sm::{self, SmError};
use crate::protocol::{SmSession, TdesSmSession};
use crate::status::StatusWord;
use alloc::vec::Vec;

/// The card's secure messaging session: AES after PACE (or Chip
/// Authentication with AES), 3DES after BAC (or Chip Authentication with
/// 3DES): ICAO 9303-11 §9.8. The data objects are the same; only the cipher,
/// the MAC and the SSC length differ (docs/spec/bac.md §3DES secure messaging).
pub enum Session {
    Aes(SmSession),
    Tdes(TdesSmSession),
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Session::Aes(_) => f.write_str("Session::Aes"),
            Session::Tdes(_) => f.write_str("Session::Tdes"),
        }
    }
}

impl From<SmSession> for Session {
    fn from(session: SmSession) -> Session {
        Session::Aes(session)
    }
}

impl From<TdesSmSession> for Session {
    fn from(session: TdesSmSession) -> Session {
        Session::Tdes(session)
    }
}

/// [`unwrap_command`] for either cipher.
pub fn unwrap_session_command(session: Session, protected: &CommandApdu) -> Result<(Session, CommandApdu), StatusWord> {
    match session {
        Session::Aes(aes) => unwrap_command(aes, protected).map(|(s, c)| (Session::Aes(s), c)),
        Session::Tdes(tdes) => {
            let (tdes, plain) = tdes.unwrap_command(&to_sm_command(protected)).map_err(status_word)?;
            Ok((Session::Tdes(tdes), from_sm_command(plain)))
        }
    }
}

/// [`wrap_response`] for either cipher.
pub fn wrap_session_response(session: &mut Session, response: &ResponseApdu) -> Result<Vec<u8>, StatusWord> {
    match session {
        Session::Aes(aes) => wrap_response(aes, response),
        Session::Tdes(tdes) => {
            let plain = sm::Response { data: response.data.clone(), sw: response.sw };
            tdes.wrap_response(&plain).map_err(status_word)
        }
    }
}

fn to_sm_command(cmd: &CommandApdu) -> sm::Command {
    sm::Command { cla: cmd.cla, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data: cmd.data.clone(), ne: cmd.ne }
}

fn from_sm_command(plain: sm::Command) -> CommandApdu {
    let extended = plain.is_extended();
    CommandApdu { cla: plain.cla, ins: plain.ins, p1: plain.p1, p2: plain.p2, data: plain.data, ne: plain.ne, extended }
}

/// Verify and decrypt a protected command. The session comes back only on
/// success; on error it is already destroyed (its keys zeroized on drop).
pub fn unwrap_command(session: SmSession, protected: &CommandApdu) -> Result<(SmSession, CommandApdu), StatusWord> {
    let outer = sm::Command {
        cla: protected.cla,
        ins: protected.ins,
        p1: protected.p1,
        p2: protected.p2,
        data: protected.data.clone(),
        ne: protected.ne,
    };
    let (session, plain) = session.unwrap_command(&outer).map_err(status_word)?;
    let extended = plain.is_extended();
    let command = CommandApdu {
        cla: plain.cla,
        ins: plain.ins,
        p1: plain.p1,
        p2: plain.p2,
        data: plain.data,
        ne: plain.ne,
        extended,
    };
    Ok((session, command))
}

/// Protect a response: `[87 L 01‖C] 99 02 SW 8E 08 MAC SW` (ICAO 9303-11 §9.8.6.2).
pub fn wrap_response(session: &mut SmSession, response: &ResponseApdu) -> Result<Vec<u8>, StatusWord> {
    let plain = sm::Response { data: response.data.clone(), sw: response.sw };
    session.wrap_response(&plain).map_err(status_word)
}

/// ICAO 9303-11 §9.8.7 / ISO 7816-4 table 6: 6987 for missing SM data
/// objects, 6988 for incorrect ones.
fn status_word(e: SmError) -> StatusWord {
    StatusWord::from_u16(e.status_word()).unwrap_or(StatusWord::SmDataObjectsIncorrect)
}
