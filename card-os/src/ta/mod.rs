//! Extended Access Control at card level: Terminal Authentication v2
//! (TR-03110-2 §3.3, TR-03110-3 B.11.4–B.11.6) and Chip Authentication v2
//! (TR-03110-2 §3.4, TR-03110-3 B.11.7), inside a PACE session. Normative
//! bytes and status words: docs/spec/eac.md.
//!
//! * [`certificates`] — MSE:Set DST and PSO:VERIFY CERTIFICATE: the chain
//!   CVCA (link) → DV → terminal against the card's trust point and current
//!   date (both in NVM).
//! * [`authenticate`] — MSE:Set AT for TA, GET CHALLENGE, EXTERNAL
//!   AUTHENTICATE: the terminal proves it holds the certificate's key.
//! * [`messages`] — the pure data-field encodings both ends share.
//! * `chip_auth::v2` — MSE:Set AT for CA and GENERAL AUTHENTICATE with the
//!   terminal's ephemeral key from TA: new secure-messaging keys.
//!
//! Every EAC state lives in [`EacStatus`], part of the session's
//! `PaceOutcome`: it ends with the PACE session (reset, SM error, plain
//! command, new PACE, leaving the password's scope).

pub mod authenticate;
pub mod certificates;
pub mod messages;

#[path = "../chip_auth/v2.rs"]
pub mod ca_v2;

use alloc::vec::Vec;

use crate::apdu::{class, CommandApdu};
use crate::applet::Response;
use crate::nvm::Transaction;
use crate::rng::CardRng;
use crate::protocol::ca::CaCipher;
use crate::protocol::cvc::{AccessRight, Chat, TrustPoint};
use crate::protocol::SmSession;
use crate::security::{Interface, PaceOutcome, SecurityStatus};
use crate::status::StatusWord;

/// MANAGE SECURITY ENVIRONMENT (ISO 7816-4 §11.5.11).
pub const INS_MSE: u8 = 0x22;
/// PERFORM SECURITY OPERATION (ISO 7816-8 §5.2).
pub const INS_PSO: u8 = 0x2A;
/// GET CHALLENGE (ISO 7816-4 §11.5.3).
pub const INS_GET_CHALLENGE: u8 = 0x84;
/// EXTERNAL AUTHENTICATE (ISO 7816-4 §11.5.4).
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;
/// GENERAL AUTHENTICATE (ISO 7816-4 §11.5.5).
pub const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
/// MSE P1 `81`: set, for verification / external authentication (TR-03110-3 B.11.4).
pub const MSE_P1_SET_VERIFICATION: u8 = 0x81;
/// MSE P1 `41`: set, for computation / internal authentication (CA, TR-03110-3 B.11.7).
pub const MSE_P1_SET_COMPUTATION: u8 = 0x41;
/// MSE P2 `B6`: digital signature template (MSE:Set DST).
pub const MSE_P2_DST: u8 = 0xB6;
/// MSE P2 `A4`: authentication template (MSE:Set AT).
pub const MSE_P2_AT: u8 = 0xA4;
/// PSO P1-P2 `00 BE`: VERIFY CERTIFICATE (ISO 7816-8 §5.3).
pub const PSO_VERIFY_CERTIFICATE: (u8, u8) = (0x00, 0xBE);

/// NVM object: the CVCA certificate (`7F21`) the card trusts; a verified
/// CVCA link certificate replaces it (TR-03110-3 2.5.1).
pub const OBJECT_CVCA: &str = "eac.cvca";
/// NVM object: the card's current date, 6 unpacked BCD digits YYMMDD
/// (TR-03110-3 D.2.1.3), advanced by accepted domestic certificates.
pub const OBJECT_CURRENT_DATE: &str = "eac.date";
/// NVM object: the static Chip Authentication key (docs/spec/eac.md):
/// `domain parameter id ‖ CA cipher arc (1..4) ‖ private scalar`.
pub const OBJECT_CA_KEY: &str = "eac.ca.key";

/// Terminal Authentication and Chip Authentication progress within one PACE
/// session (volatile).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EacStatus {
    /// Issuer of the next PSO:VERIFY CERTIFICATE (set by MSE:Set DST, or the
    /// DV/CVCA link certificate just verified).
    pub(crate) issuer: Option<TrustPoint>,
    /// Trust points verified in this session, by CHR: MSE:Set DST may name one.
    pub(crate) verified: Vec<TrustPoint>,
    /// The terminal certificate verified last.
    pub(crate) terminal: Option<TrustPoint>,
    /// MSE:Set AT for TA: what EXTERNAL AUTHENTICATE's signature covers besides r_PICC.
    pub(crate) ta_setup: Option<authenticate::TaSetup>,
    /// r_PICC from GET CHALLENGE; spent by EXTERNAL AUTHENTICATE.
    pub(crate) challenge: Option<Vec<u8>>,
    /// Effective authorization after a successful TA.
    pub(crate) authorization: Option<Chat>,
    /// Comp(ePK_PCD) of the TA that succeeded: CA must use this key.
    pub(crate) terminal_ephemeral_key: Option<Vec<u8>>,
    /// The cipher MSE:Set AT for CA selected.
    pub(crate) ca_selected: Option<CaCipher>,
    /// CA v2 succeeded: secure messaging runs on the chip's static key.
    pub(crate) chip_authenticated: bool,
}

impl EacStatus {
    /// The effective authorization (TR-03110-3 C.4: chain ∩ PACE CHAT), after TA.
    pub fn authorization(&self) -> Option<Chat> {
        self.authorization
    }

    /// Whether TA completed and its effective authorization holds `right`.
    pub fn grants(&self, right: AccessRight) -> bool {
        self.authorization.is_some_and(|chat| chat.contains(right))
    }

    pub fn terminal_authenticated(&self) -> bool {
        self.authorization.is_some()
    }

    pub fn chip_authenticated(&self) -> bool {
        self.chip_authenticated
    }
}

/// What an EAC command may use.
pub struct EacContext<'c, 'i> {
    pub nvm: &'c mut Transaction<'i>,
    pub security: &'c mut SecurityStatus,
    pub interface: Interface,
    /// The command arrived under secure messaging.
    pub secure_messaging: bool,
    pub rng: Option<&'c mut CardRng>,
    /// Injected faults (fault.rs); empty on a conforming card.
    pub faults: crate::fault::FaultSet,
}

impl EacContext<'_, '_> {
    /// The PACE session the command runs in: EAC needs one, under SM
    /// (TR-03110-2 §3.3: TA follows PACE). Otherwise 6982.
    pub(crate) fn session(&mut self) -> Result<&mut PaceOutcome, StatusWord> {
        if !self.secure_messaging {
            return Err(StatusWord::SecurityStatusNotSatisfied);
        }
        self.security.pace.as_mut().ok_or(StatusWord::SecurityStatusNotSatisfied)
    }
}

/// The answer to an EAC command; CA v2 also hands over the new SM session,
/// which takes effect after this response (TR-03110-3 B.11.7).
pub struct EacReply {
    pub response: Response,
    pub new_session: Option<SmSession>,
}

impl EacReply {
    fn plain(response: Response) -> EacReply {
        EacReply { response, new_session: None }
    }
}

/// Whether card-os handles `cmd` as an EAC command. MSE:Set DST, MSE:Set AT
/// for TA and PSO:VERIFY CERTIFICATE always (refused outside a PACE
/// session); GET CHALLENGE / EXTERNAL AUTHENTICATE only under SM in a PACE
/// session (plain, they belong to BAC); MSE:Set AT for CA only after TA, and
/// GENERAL AUTHENTICATE only after that MSE (otherwise they are PACE / CA v1).
pub fn is_eac_command(cmd: &CommandApdu, status: &SecurityStatus, protected: bool) -> bool {
    if !class::is_interindustry(cmd.cla) {
        return false;
    }
    let eac = status.pace.as_ref().map(|pace| &pace.eac);
    let in_session = protected && eac.is_some();
    match (cmd.ins, cmd.p1, cmd.p2) {
        (INS_MSE, MSE_P1_SET_VERIFICATION, MSE_P2_DST | MSE_P2_AT) => true,
        (INS_PSO, p1, p2) => (p1, p2) == PSO_VERIFY_CERTIFICATE,
        (INS_GET_CHALLENGE | INS_EXTERNAL_AUTHENTICATE, _, _) => in_session,
        (INS_MSE, MSE_P1_SET_COMPUTATION, MSE_P2_AT) => {
            in_session && eac.is_some_and(EacStatus::terminal_authenticated)
        }
        (INS_GENERAL_AUTHENTICATE, _, _) => in_session && eac.is_some_and(|e| e.ca_selected.is_some()),
        _ => false,
    }
}

/// PSO:VERIFY CERTIFICATE may come in a chain: a P-384 certificate does not
/// fit a short APDU (ISO 7816-4 §5.3.3).
pub fn supports_chaining(cmd: &CommandApdu) -> bool {
    class::is_interindustry(cmd.cla) && cmd.ins == INS_PSO
}

/// Run one EAC command (`is_eac_command` holds).
pub fn process(ctx: &mut EacContext<'_, '_>, cmd: &CommandApdu) -> Result<EacReply, StatusWord> {
    match (cmd.ins, cmd.p1, cmd.p2) {
        (INS_MSE, MSE_P1_SET_VERIFICATION, MSE_P2_DST) => certificates::mse_set_dst(ctx, cmd).map(EacReply::plain),
        (INS_PSO, _, _) => certificates::verify_certificate(ctx, cmd).map(EacReply::plain),
        (INS_MSE, MSE_P1_SET_VERIFICATION, MSE_P2_AT) => authenticate::mse_set_at(ctx, cmd).map(EacReply::plain),
        (INS_GET_CHALLENGE, _, _) => authenticate::get_challenge(ctx, cmd).map(EacReply::plain),
        (INS_EXTERNAL_AUTHENTICATE, _, _) => authenticate::external_authenticate(ctx, cmd).map(EacReply::plain),
        (INS_MSE, MSE_P1_SET_COMPUTATION, MSE_P2_AT) => ca_v2::mse_set_at(ctx, cmd).map(EacReply::plain),
        (INS_GENERAL_AUTHENTICATE, _, _) => ca_v2::general_authenticate(ctx, cmd),
        _ => Err(StatusWord::InsNotSupported),
    }
}
