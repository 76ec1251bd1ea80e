//! Basic Access Control on the card: GET CHALLENGE and EXTERNAL AUTHENTICATE
//! in the eMRTD application (ICAO 9303-11 §4.3.3; normative bytes and status
//! words: docs/spec/bac.md). The cryptography is `protocol::bac::BacChip`,
//! shared with the terminal; this module keeps the one volatile state between
//! the two commands (the last RND.IC) and maps every failure to its status word.
//!
//! BAC is offered only when personalization wrote [`OBJECT_BAC_ENABLED`]
//! (the profile's `card.bac`) and the card holds the MRZ password; otherwise
//! both commands answer `6D00` (the card does not offer the protocol). A
//! successful EXTERNAL AUTHENTICATE hands the card a 3DES session
//! ([`TdesSmSession`]) and sets `SecurityStatus::bac`.

use alloc::vec::Vec;
use core::fmt;

use crate::apdu::CommandApdu;
use crate::applet::Response;
use crate::nvm::CardImage;
use crate::pace::passwords;
use crate::rng::CardRng;
use crate::protocol::bac::{self, BacChip, BacChipChallenged, BacError, BacKeys};
use crate::protocol::sm;
use crate::protocol::TdesSmSession;
use crate::status::StatusWord;

pub use crate::protocol::bac::{INS_EXTERNAL_AUTHENTICATE, INS_GET_CHALLENGE};

/// NVM object whose presence enables BAC (written at personalization when
/// the profile's `card.bac` is true). Its value is not interpreted.
pub const OBJECT_BAC_ENABLED: &str = "icao.bac";

/// The eMRTD (LDS1) application identifier (ICAO 9303-10 §3.6.2). BAC,
/// Active Authentication and Chip Authentication v1 run only while it is the
/// current application, and a BAC session survives only there and at the MF.
pub const EMRTD_AID: &[u8] = &[0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// The volatile BAC state: the chip after its last GET CHALLENGE, until an
/// EXTERNAL AUTHENTICATE spends it (successful or not) or the card resets.
#[derive(Default)]
pub struct BacState {
    challenged: Option<BacChipChallenged>,
}

impl BacState {
    /// Whether an unspent RND.IC is out.
    pub fn is_challenged(&self) -> bool {
        self.challenged.is_some()
    }
}

impl fmt::Debug for BacState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BacState").field("challenged", &self.challenged.is_some()).finish()
    }
}

/// Whether the card offers BAC: enabled at personalization and an MRZ password stored.
pub fn is_offered(image: &CardImage) -> bool {
    image.objects.contains_key(OBJECT_BAC_ENABLED) && image.objects.contains_key(passwords::OBJECT_MRZ)
}

/// The document's K_enc / K_mac from the stored MRZ information (ICAO 9303-11 §9.7.2).
fn keys(image: &CardImage) -> Result<BacKeys, StatusWord> {
    let information = image.objects.get(passwords::OBJECT_MRZ).ok_or(StatusWord::InsNotSupported)?;
    Ok(BacKeys::from_mrz_information(information))
}

fn sm_command(cmd: &CommandApdu) -> sm::Command {
    sm::Command { cla: cmd.cla, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data: cmd.data.clone(), ne: cmd.ne }
}

/// The status word a chip answers for a BAC failure (docs/spec/bac.md §Status words).
fn status_word(e: BacError) -> StatusWord {
    StatusWord::from_u16(e.status_word()).unwrap_or(StatusWord::NoPreciseDiagnosis)
}

/// GET CHALLENGE `00 84 00 00 08` → RND.IC (ISO 7816-4 §7.5.3, ICAO 9303-11 §4.3.3.1).
/// Every call draws a fresh RND.IC; only the last one is remembered.
pub fn get_challenge(
    image: &CardImage,
    state: &mut BacState,
    rng: Option<&mut CardRng>,
    cmd: &CommandApdu,
) -> Result<Response, StatusWord> {
    if !is_offered(image) {
        return Err(StatusWord::InsNotSupported);
    }
    state.challenged = None;
    bac::check_get_challenge(&sm_command(cmd)).map_err(status_word)?;
    let rng = rng.ok_or(StatusWord::NoPreciseDiagnosis)?;
    let challenged = BacChip::new(keys(image)?).get_challenge(rng);
    let rnd_ic = challenged.rnd_ic();
    state.challenged = Some(challenged);
    Ok(Response::ok(rnd_ic.to_vec()))
}

/// EXTERNAL AUTHENTICATE `00 82 00 00 28 E_IFD‖M_IFD 28` → E_IC‖M_IC and the
/// 3DES session (ICAO 9303-11 §4.3.3.2). The challenge is spent first: no
/// second attempt with the same RND.IC.
pub fn external_authenticate(
    image: &CardImage,
    state: &mut BacState,
    rng: Option<&mut CardRng>,
    cmd: &CommandApdu,
) -> Result<(Response, TdesSmSession), StatusWord> {
    if !is_offered(image) {
        return Err(StatusWord::InsNotSupported);
    }
    let challenged = state.challenged.take().ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    let command = sm_command(cmd);
    let data = bac::check_external_authenticate(&command).map_err(status_word)?;
    let rng = rng.ok_or(StatusWord::NoPreciseDiagnosis)?;
    let (result, answer) = challenged.external_authenticate(data, rng).map_err(status_word)?;
    let session = TdesSmSession::from_bac(&result);
    let data: Vec<u8> = answer.to_vec();
    Ok((Response::ok(data), session))
}
