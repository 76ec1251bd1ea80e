//! GENERAL AUTHENTICATE for PACE: `x0 86 00 00 Lc 7C{…} Le` four times
//! (TR-03110-3 B.11.2, ICAO 9303-11 §4.4.4.2). Steps 1-3 carry CLA b5 = 1
//! (command chaining: "the protocol goes on"), step 4 b5 = 0.
//!
//! | step | command data | response data |
//! |---|---|---|
//! | 1 | `7C 00` | `7C { 80 z }` |
//! | 2 | `7C { 81 PK_map,PCD }` | `7C { 82 PK_map,PICC }` |
//! | 3 | `7C { 83 PK_PCD }` | `7C { 84 PK_PICC }` |
//! | 4 | `7C { 85 T_PCD }` | `7C { 86 T_PICC }`, secure messaging starts |
//!
//! `7C 00` (step 1) starts a new run at any time once MSE:Set AT has chosen
//! the parameters. Any error ends the run in progress (the MSE parameters
//! stay, so the terminal may restart at step 1):
//!
//! | condition | SW |
//! |---|---|
//! | P1-P2 ≠ 0000 | 6A86 |
//! | Le absent | 6700 |
//! | no MSE:Set AT before | 6985 |
//! | data not one DO'7C' of DOs 80..88 | 6A80 |
//! | the DO of another step, or the wrong chaining bit for the step | 6985 |
//! | the step's DO with other DOs beside it | 6A80 |
//! | a point not on the curve, the identity, PK_PCD = PK_PICC | 6A80 |
//! | T_PCD does not verify (wrong password) | 6300; PIN1/PUK 63Cx (docs/spec/pins.md) |
//! | step 1 with PIN1/PUK not set, blocked, suspended without CAN | 6984, 6983, 6985 |
//! | the response is longer than Ne | 6Cxx |
//! | the card has no random source, or an internal failure | 6F00 |

use alloc::vec::Vec;

use super::{passwords, Established, PaceContext, PaceReply, Run};
use crate::apdu::{class, CommandApdu};
use crate::applet::Response;
use crate::apdu::response::wrong_le;
use crate::protocol::pace::{DynamicAuthenticationData, GaTag};
use crate::protocol::{PaceChip, PaceError, SmSession};
use crate::security::PaceOutcome;
use crate::status::StatusWord;

/// P1-P2 of GENERAL AUTHENTICATE for PACE: no algorithm or key reference
/// (TR-03110-3 B.11.2: the MSE:Set AT before has set them).
const P1P2_NONE: (u8, u8) = (0x00, 0x00);

pub fn general_authenticate(ctx: &mut PaceContext<'_, '_>, cmd: &CommandApdu) -> Result<PaceReply, StatusWord> {
    // Every exit below that does not store a new state leaves the run ended.
    let run = core::mem::take(&mut ctx.state.run);
    if (cmd.p1, cmd.p2) != P1P2_NONE {
        return Err(StatusWord::IncorrectP1P2);
    }
    let ne = cmd.ne.ok_or(StatusWord::WrongLength)?;
    let parameters = ctx.state.parameters.clone().ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    let data = DynamicAuthenticationData::decode(&cmd.data).map_err(|_| StatusWord::IncorrectDataField)?;
    // TR-03110-3 B.1 / ICAO 9303-11 §4.4.4.2: b5 set on steps 1-3, clear on step 4.
    let chained = class::is_chained(cmd.cla);
    let last_step = matches!(run, Run::KeysAgreed(_)) && !data.is_empty();
    if chained == last_step {
        return Err(StatusWord::ConditionsOfUseNotSatisfied);
    }
    let rng = ctx.rng.as_deref_mut().ok_or(StatusWord::NoPreciseDiagnosis)?;

    let (reply, next, established) = if data.is_empty() {
        // Step 1: a fresh run with the MSE parameters and the stored password.
        passwords::check_usable(ctx.nvm.image(), ctx.state, parameters.password)?;
        let secret = passwords::secret(ctx.nvm.image(), parameters.password)?;
        let chip = PaceChip::new(parameters.protocol, parameters.domain, &secret);
        let (chip, z) = chip.encrypt_nonce(rng).map_err(pace_error)?;
        (DynamicAuthenticationData::single(GaTag::EncryptedNonce, &z), Run::NonceSent(chip), None)
    } else {
        match run {
            Run::NotStarted => return Err(StatusWord::ConditionsOfUseNotSatisfied),
            Run::NonceSent(chip) => {
                let pk_map_pcd = step_object(&data, GaTag::MappingDataPcd)?;
                let (chip, pk_map_picc) = chip.map_nonce(rng, pk_map_pcd).map_err(pace_error)?;
                (DynamicAuthenticationData::single(GaTag::MappingDataPicc, &pk_map_picc), Run::Mapped(chip), None)
            }
            Run::Mapped(chip) => {
                let pk_pcd = step_object(&data, GaTag::EphemeralPublicKeyPcd)?;
                let (chip, pk_picc) = chip.agree_keys(rng, pk_pcd).map_err(pace_error)?;
                let reply = DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPicc, &pk_picc);
                (reply, Run::KeysAgreed(chip), None)
            }
            Run::KeysAgreed(chip) => {
                let t_pcd = step_object(&data, GaTag::AuthenticationTokenPcd)?;
                // Anti-tearing (chip.md): a PIN/PUK try is counted and
                // committed before the token is checked.
                let tries_left = passwords::count_try(ctx.nvm, parameters.password)?;
                let (result, t_picc) = match chip.authenticate(t_pcd) {
                    Ok(done) => done,
                    Err(PaceError::TokenMismatch) => {
                        let sw = passwords::failure_status(tries_left);
                        return Ok(PaceReply { response: Response { data: Vec::new(), sw }, established: None });
                    }
                    Err(e) => return Err(pace_error(e)),
                };
                passwords::record_success(ctx.nvm, ctx.state, parameters.password)?;
                let session = SmSession::from_pace(&result).map_err(|_| StatusWord::NoPreciseDiagnosis)?;
                let outcome = PaceOutcome {
                    password: parameters.password,
                    id_picc: result.id_picc.clone(),
                    chat: parameters.chat.clone(),
                    eac: crate::ta::EacStatus::default(),
                };
                let reply = DynamicAuthenticationData::single(GaTag::AuthenticationTokenPicc, &t_picc);
                (reply, Run::NotStarted, Some(Established { session, outcome }))
            }
        }
    };
    let data = reply.encode();
    if data.len() > ne {
        return Err(wrong_le(data.len()));
    }
    ctx.state.run = next;
    Ok(PaceReply { response: Response::ok(data), established })
}

/// The value of the DO this step expects. The DO of another step means the
/// terminal is out of sequence (6985); extra DOs beside it are malformed (6A80).
fn step_object(data: &DynamicAuthenticationData, tag: GaTag) -> Result<&[u8], StatusWord> {
    if data.get(tag).is_none() {
        return Err(StatusWord::ConditionsOfUseNotSatisfied);
    }
    data.only(tag).map_err(|_| StatusWord::IncorrectDataField)
}

/// The status word for a failed PACE computation (not the token: see step 4).
fn pace_error(e: PaceError) -> StatusWord {
    match e {
        PaceError::InvalidPublicKey
        | PaceError::EqualEphemeralKeys
        | PaceError::NonceLength
        | PaceError::MalformedData { .. }
        | PaceError::Tlv(_) => StatusWord::IncorrectDataField,
        PaceError::TokenMismatch => StatusWord::AuthenticationFailed,
        PaceError::UnsupportedDomainParameters { .. }
        | PaceError::UnsupportedProtocol
        | PaceError::InvalidPrivateKey
        | PaceError::IdentityPoint
        | PaceError::RandomGenerator
        | PaceError::Symmetric(_) => StatusWord::NoPreciseDiagnosis,
    }
}
