//! PACE at card level: MSE:Set AT and GENERAL AUTHENTICATE, handled by
//! card-os whatever application is selected (TR-03110-3 B.11, ICAO 9303-11
//! §4.4.4). Normative bytes and status words: docs/spec/pace.md.
//!
//! The cryptography is `protocol::pace` ([`PaceChip`], shared with the
//! terminal). This module keeps the volatile state between the commands,
//! reads the card's PACEInfo and passwords from NVM, and turns every failure
//! into a status word. A successful step 4 hands the card an [`Established`]
//! session; the card's secure messaging layer (`card.rs`) takes it from there.

pub mod general_authenticate;
pub mod mse;
pub mod passwords;

use alloc::vec::Vec;
use core::fmt;

use crate::apdu::{class, CommandApdu};
use crate::nvm::Transaction;
use crate::protocol::pace::{ChipKeysAgreed, ChipMapped, ChipNonceSent};
use crate::protocol::{PaceChip, PaceProtocol, SmSession, StandardizedDomainParameters};
use crate::applet::Response;
use crate::security::{Interface, PaceOutcome, PacePassword};
use crate::status::StatusWord;

/// MANAGE SECURITY ENVIRONMENT (ISO 7816-4 §11.5.11).
pub const INS_MSE: u8 = 0x22;
/// GENERAL AUTHENTICATE, even INS (ISO 7816-4 §11.5.5).
pub const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
/// NVM object with the card's SecurityInfos: the same DER SET OF PACEInfo as
/// EF.CardAccess (ICAO 9303-11 §9.2.1), written at personalization. MSE:Set AT
/// accepts exactly the protocols and parameters listed there.
pub const OBJECT_PACE_INFOS: &str = "pace.infos";

pub use crate::rng::CardRng;

/// Whether card-os handles `cmd` as a PACE command: MSE:Set AT for PACE
/// (`P1-P2 = C1 A4`) or GENERAL AUTHENTICATE, in an interindustry class.
/// Other MSE variants (TA, CA: issue 4) go to the selected application.
pub fn is_pace_command(cmd: &CommandApdu) -> bool {
    class::is_interindustry(cmd.cla)
        && match cmd.ins {
            INS_MSE => mse::is_set_at_for_pace(cmd),
            INS_GENERAL_AUTHENTICATE => true,
            _ => false,
        }
}

/// What MSE:Set AT chose; kept for the PACE runs that follow (a failed run
/// can be restarted with GA step 1) until the next MSE:Set AT or reset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaceParameters {
    pub protocol: PaceProtocol,
    pub domain: StandardizedDomainParameters,
    pub password: PacePassword,
    /// DO'7F4C' value, as received (issue 4 evaluates it).
    pub chat: Option<Vec<u8>>,
}

/// Where the chip is in a PACE run: which GENERAL AUTHENTICATE step it awaits.
#[derive(Default)]
enum Run {
    /// Awaiting step 1 (`7C 00`).
    #[default]
    NotStarted,
    /// Awaiting step 2 (DO'81', the terminal's mapping key).
    NonceSent(PaceChip<ChipNonceSent>),
    /// Awaiting step 3 (DO'83', the terminal's ephemeral key).
    Mapped(PaceChip<ChipMapped>),
    /// Awaiting step 4 (DO'85', the terminal's token).
    KeysAgreed(PaceChip<ChipKeysAgreed>),
}

/// The volatile PACE state of the card: lost on reset.
#[derive(Default)]
pub struct PaceState {
    parameters: Option<PaceParameters>,
    run: Run,
    /// A PACE with CAN succeeded since power on: a suspended PIN1 may be
    /// tried once more (TR-03110-2 §3.5.1, `passwords::check_usable`).
    can_verified: bool,
}

impl PaceState {
    /// The parameters of the last successful MSE:Set AT.
    pub fn parameters(&self) -> Option<&PaceParameters> {
        self.parameters.as_ref()
    }

    /// Whether a PACE with CAN succeeded since power on (resumes a suspended PIN1).
    pub fn can_verified(&self) -> bool {
        self.can_verified
    }

    /// Whether a run is between step 1 and step 4.
    pub fn run_in_progress(&self) -> bool {
        !matches!(self.run, Run::NotStarted)
    }
}

impl fmt::Debug for PaceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let awaiting = match self.run {
            Run::NotStarted => 1,
            Run::NonceSent(_) => 2,
            Run::Mapped(_) => 3,
            Run::KeysAgreed(_) => 4,
        };
        f.debug_struct("PaceState")
            .field("parameters", &self.parameters)
            .field("awaiting_step", &awaiting)
            .field("can_verified", &self.can_verified)
            .finish()
    }
}

/// A PACE run that just succeeded: the new secure messaging session (SSC 0)
/// and the security status it carries.
pub struct Established {
    pub session: SmSession,
    pub outcome: PaceOutcome,
}

/// The answer to a PACE command, and the session a successful step 4 starts.
pub struct PaceReply {
    pub response: Response,
    pub established: Option<Established>,
}

/// Run one PACE command (`is_pace_command` holds).
pub fn process(ctx: &mut PaceContext<'_, '_>, cmd: &CommandApdu) -> Result<PaceReply, StatusWord> {
    if cmd.ins == INS_MSE {
        let response = mse::mse_set_at(ctx, cmd)?;
        return Ok(PaceReply { response, established: None });
    }
    general_authenticate::general_authenticate(ctx, cmd)
}

/// What a PACE command may use.
pub struct PaceContext<'c, 'i> {
    /// The command's transaction: passwords are read and PIN retry
    /// counters written here.
    pub nvm: &'c mut Transaction<'i>,
    pub interface: Interface,
    pub state: &'c mut PaceState,
    /// `None` when the host gave the card no random source: PACE then
    /// answers 6F00.
    pub rng: Option<&'c mut CardRng>,
}
