//! The card's secure messaging layer: between the APDU codec and dispatch
//! (ISO 7816-4 §10, ICAO 9303-11 §9.8). The cryptography is
//! `protocol::sm::SmSession`; this module converts the card's APDU types to
//! and from it and every SM error to its status word. The session rules
//! (when a session ends) are in `card.rs`; bytes in docs/spec/secure-messaging.md.

use crate::apdu::{CommandApdu, ResponseApdu};
use crate::protocol::sm::{self, SmError};
use crate::protocol::SmSession;
use crate::status::StatusWord;
use alloc::vec::Vec;

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
