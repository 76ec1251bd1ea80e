//! Card life cycle (ISO 7816-9 §5, ISO 7816-4 §7.4.10) and TERMINATE CARD USAGE.
//!
//! Blank → Personalized → Operational → Terminated. The card manager moves the
//! image to Operational at the end of personalization. TERMINATE CARD USAGE
//! (ISO 7816-9 §8.5) moves it to Terminated for good; afterwards SELECT answers
//! 6285 and every other command 6985 (docs/spec/life-cycle.md).

use serde::{Deserialize, Serialize};

use crate::apdu::CommandApdu;
use crate::applet::{CommandContext, Response};
use crate::status::StatusWord;

/// Persistent life-cycle state of the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LifeCycle {
    /// Applets loaded, no holder data.
    Blank,
    /// Holder data written; personalization not yet closed.
    Personalized,
    /// Issued to the holder.
    Operational,
    /// Card usage terminated (ISO 7816-9 TERMINATE CARD USAGE): irreversible.
    Terminated,
}

/// Life cycle status byte, DO'8A' of the FCP (ISO 7816-4 §7.4.10, table 13).
const LCS_CREATION: u8 = 0x01;
const LCS_INITIALISATION: u8 = 0x03;
const LCS_OPERATIONAL_ACTIVATED: u8 = 0x05;
const LCS_TERMINATION: u8 = 0x0C;

/// INS of TERMINATE CARD USAGE (ISO 7816-9 §8.5).
pub const INS_TERMINATE_CARD_USAGE: u8 = 0xFE;
/// P1-P2 of TERMINATE CARD USAGE: `0000`, no other value is defined.
const TERMINATE_P1P2: (u8, u8) = (0x00, 0x00);

impl LifeCycle {
    /// The LCS byte every file reports in its FCP.
    pub fn lcs_byte(self) -> u8 {
        match self {
            LifeCycle::Blank => LCS_CREATION,
            LifeCycle::Personalized => LCS_INITIALISATION,
            LifeCycle::Operational => LCS_OPERATIONAL_ACTIVATED,
            LifeCycle::Terminated => LCS_TERMINATION,
        }
    }
}

/// TERMINATE CARD USAGE: `00 FE 00 00`, no data, no Le. Guarded by the MF's
/// `terminate` rule. The state change is committed with the command.
pub fn terminate_card_usage(
    ctx: &mut CommandContext<'_, '_>,
    cmd: &CommandApdu,
) -> Result<Response, StatusWord> {
    if (cmd.p1, cmd.p2) != TERMINATE_P1P2 {
        return Err(StatusWord::IncorrectP1P2);
    }
    if !cmd.data.is_empty() || cmd.ne.is_some() {
        return Err(StatusWord::WrongLength);
    }
    let access = ctx.access();
    ctx.nvm.image().mf.rules.terminate.check(&access)?;
    ctx.nvm.set_life_cycle(LifeCycle::Terminated);
    Ok(Response::empty())
}
