//! Terminal Authentication v2 proper: MSE:Set AT, GET CHALLENGE, EXTERNAL
//! AUTHENTICATE (TR-03110-3 B.11.6, TR-03110-2 §3.3). The terminal signs
//! `ID_PICC ‖ r_PICC ‖ Comp(ePK_PCD) [‖ aux]` with the key of the terminal
//! certificate verified by PSO:VERIFY CERTIFICATE.
//!
//! | condition | SW |
//! |---|---|
//! | not under SM in a PACE session, or no CHAT at PACE, or TA done | 6982 / 6985 (as certificates.rs) |
//! | MSE:Set AT before a terminal certificate was verified | 6985 |
//! | MSE:Set AT data malformed, OID not the certificate's algorithm, DO'91' not a field element | 6A80 |
//! | DO'83' not the CHR of the verified terminal certificate | 6A88 |
//! | GET CHALLENGE before MSE:Set AT; EXTERNAL AUTHENTICATE without a challenge | 6985 |
//! | GET CHALLENGE with Le other than 08 or with data | 6700 |
//! | signature does not verify | 6300 (the challenge is spent) |
//!
//! On success the effective authorization is the chain's CHAT (already
//! intersected CVCA ∩ DV ∩ terminal) intersected with the CHAT given at PACE.

use alloc::vec::Vec;

use super::certificates::ta_allowed;
use super::messages::{
    self, TAG_AUXILIARY_DATA, TAG_EPHEMERAL_KEY, TAG_KEY_REFERENCE, TAG_MECHANISM, TA_CHALLENGE_LEN,
};
use super::EacContext;
use crate::apdu::CommandApdu;
use crate::applet::Response;
use crate::protocol::cvc::{self, Chat, TaAlgorithm};
use crate::protocol::oid::ObjectIdentifier;
use crate::protocol::tlv;
use crate::status::StatusWord;

/// What MSE:Set AT for TA fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaSetup {
    /// Comp(ePK_PCD): the x-coordinate of the terminal's ephemeral key.
    pub compressed_ephemeral_key: Vec<u8>,
    /// The whole DO'67', when sent.
    pub auxiliary: Option<Vec<u8>>,
}

/// `00 22 81 A4 {80 TA OID, 83 CHR, 91 Comp(ePK_PCD) [, 67 aux]}`.
pub fn mse_set_at(ctx: &mut EacContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    ta_allowed(ctx)?;
    let session = ctx.session()?;
    session.eac.ta_setup = None;
    session.eac.challenge = None;
    let terminal = session.eac.terminal.clone().ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    let objects = tlv::parse_all(&cmd.data).map_err(|_| StatusWord::IncorrectDataField)?;
    let (mut oid, mut chr, mut key, mut auxiliary) = (None, None, None, None);
    for object in &objects {
        let slot = match object.tag {
            TAG_MECHANISM => &mut oid,
            TAG_KEY_REFERENCE => &mut chr,
            TAG_EPHEMERAL_KEY => &mut key,
            TAG_AUXILIARY_DATA => {
                if auxiliary.replace(object.encoded.to_vec()).is_some() {
                    return Err(StatusWord::IncorrectDataField);
                }
                continue;
            }
            _ => return Err(StatusWord::IncorrectDataField),
        };
        if slot.replace(object.value).is_some() {
            return Err(StatusWord::IncorrectDataField);
        }
    }
    let (Some(oid), Some(chr), Some(key)) = (oid, chr, key) else {
        return Err(StatusWord::IncorrectDataField);
    };
    let oid = ObjectIdentifier::from_der_content(oid).map_err(|_| StatusWord::IncorrectDataField)?;
    let algorithm = TaAlgorithm::from_oid(&oid).map_err(|_| StatusWord::IncorrectDataField)?;
    if algorithm != terminal.algorithm {
        return Err(StatusWord::IncorrectDataField);
    }
    if chr != terminal.holder_reference.as_str().as_bytes() {
        return Err(StatusWord::ReferencedDataNotFound);
    }
    // ECDH keys are compressed to their x-coordinate (TR-03110-3 A.2.2.3).
    if key.len() != terminal.domain_parameters.field_size() {
        return Err(StatusWord::IncorrectDataField);
    }
    session.eac.ta_setup = Some(TaSetup { compressed_ephemeral_key: key.to_vec(), auxiliary });
    Ok(Response::empty())
}

/// `00 84 00 00 08` → r_PICC (8 random bytes).
pub fn get_challenge(ctx: &mut EacContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    ta_allowed(ctx)?;
    if !cmd.data.is_empty() || cmd.ne != Some(TA_CHALLENGE_LEN) {
        return Err(StatusWord::WrongLength);
    }
    if (cmd.p1, cmd.p2) != (0, 0) {
        return Err(StatusWord::IncorrectP1P2);
    }
    if ctx.session()?.eac.ta_setup.is_none() {
        return Err(StatusWord::ConditionsOfUseNotSatisfied);
    }
    let rng = ctx.rng.as_mut().ok_or(StatusWord::NoPreciseDiagnosis)?;
    let mut challenge = [0u8; TA_CHALLENGE_LEN];
    rng.fill_bytes(&mut challenge);
    ctx.session()?.eac.challenge = Some(challenge.to_vec());
    Ok(Response::ok(challenge.to_vec()))
}

/// `00 82 00 00 {signature}`: the terminal's signature over
/// `ID_PICC ‖ r_PICC ‖ Comp(ePK_PCD) [‖ aux]` under its certificate's key.
pub fn external_authenticate(ctx: &mut EacContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    ta_allowed(ctx)?;
    let ctx_faults = ctx.faults;
    let session = ctx.session()?;
    // The challenge is spent whatever the outcome: no second try with it.
    let challenge = session.eac.challenge.take().ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    let (Some(setup), Some(terminal)) = (session.eac.ta_setup.clone(), session.eac.terminal.clone()) else {
        return Err(StatusWord::ConditionsOfUseNotSatisfied);
    };
    let message = messages::ta_signed_message(
        &session.id_picc,
        &challenge,
        &setup.compressed_ephemeral_key,
        setup.auxiliary.as_deref(),
    );
    cvc::verify(terminal.domain_parameters, &terminal.point, &message, &cmd.data)
        .map_err(|_| StatusWord::AuthenticationFailed)?;
    // The holder's consent at PACE bounds everything (TR-03110-2 §3.3 / C.4).
    let pace_chat = session
        .chat
        .as_deref()
        .and_then(|value| Chat::decode_template(value).ok())
        .ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    session.eac.authorization = Some(terminal.chat.intersect(pace_chat));
    if ctx_faults.has(crate::fault::Fault::ChatNotIntersected) { session.eac.authorization = Some(terminal.chat); } // FAULT
    session.eac.terminal_ephemeral_key = Some(setup.compressed_ephemeral_key);
    session.eac.issuer = None;
    Ok(Response::empty())
}
