//! MSE:Set AT for PACE: `00 22 C1 A4 Lc {80 OID, 83 password reference,
//! [84 parameter id], [67 auxiliary data], [7F4C CHAT]}` (TR-03110-3 B.11.1,
//! ICAO 9303-11 §4.4.4.1).
//!
//! Every MSE:Set AT for PACE abandons the run in progress and the parameters
//! of the previous one, successful or not. The data field is checked against
//! the card's own PACEInfo (NVM object `pace.infos`):
//!
//! | condition | SW |
//! |---|---|
//! | empty data field | 6700 |
//! | DO'83' is one byte other than 1..4 | 6A88 |
//! | malformed data (TLV, missing 80/83, duplicates, unknown DOs) | 6A80 |
//! | OID not one of the card's PACEInfos, or DO'84' not its parameterId | 6A80 |
//! | PIN or PUK on the contactless interface | 6982 |
//! | the card holds no such password | 6A88 |
//! | PIN1 or PUK not set / blocked (docs/spec/pins.md) | 6984 / 6983 |
//! | success; PIN1 or PUK with tries lost: the parameters are kept | 9000; 63Cx |

use alloc::vec::Vec;

use super::{passwords, PaceContext, PaceParameters, Run, OBJECT_PACE_INFOS};
use crate::apdu::CommandApdu;
use crate::applet::Response;
use crate::protocol::pace::{decode_card_access, MseSetAt, PaceInfo, MSE_SET_AT_P1, MSE_SET_AT_P2};
use crate::protocol::{tlv, PaceProtocol, StandardizedDomainParameters};
use crate::security::PacePassword;
use crate::status::StatusWord;

/// DO'83' of the MSE:Set AT data: the password reference (TR-03110-3 B.11.1).
const TAG_PASSWORD_REFERENCE: u16 = 0x83;

/// P1-P2 `C1 A4`: set the authentication template for mutual authentication.
pub fn is_set_at_for_pace(cmd: &CommandApdu) -> bool {
    (cmd.p1, cmd.p2) == (MSE_SET_AT_P1, MSE_SET_AT_P2)
}

pub fn mse_set_at(ctx: &mut PaceContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    ctx.state.parameters = None;
    ctx.state.run = Run::NotStarted;
    if cmd.data.is_empty() {
        return Err(StatusWord::WrongLength);
    }
    if has_unknown_password_reference(&cmd.data) {
        return Err(StatusWord::ReferencedDataNotFound);
    }
    let mse = MseSetAt::decode(&cmd.data).map_err(|_| StatusWord::IncorrectDataField)?;
    let (protocol, domain) = card_protocol(ctx, mse.protocol, mse.domain_parameter_id)?;
    let password = PacePassword::from_protocol(mse.password);
    if !passwords::allowed_on(password, ctx.interface) {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    if !passwords::is_present(ctx.nvm.image(), password) {
        return Err(StatusWord::ReferencedDataNotFound);
    }
    // PIN1 / PUK: 6984 not set, 6983 blocked; 63Cx shows lost tries (docs/spec/pins.md).
    let sw = passwords::selection_status(ctx.nvm.image(), password)?;
    ctx.state.parameters = Some(PaceParameters { protocol, domain, password, chat: mse.chat });
    Ok(Response { data: Vec::new(), sw })
}

/// A well-formed DO'83' naming no PACE password: "referenced data not
/// found" rather than a malformed field (docs/spec/pace.md).
fn has_unknown_password_reference(data: &[u8]) -> bool {
    let Ok(objects) = tlv::parse_all(data) else { return false };
    objects.iter().any(|object| {
        object.tag == TAG_PASSWORD_REFERENCE
            && matches!(object.value, [reference] if crate::protocol::PacePassword::from_reference(*reference).is_none())
    })
}

/// The card's PACEInfo matching the requested protocol (and parameter id,
/// when DO'84' is present): its domain parameters. None → 6A80.
fn card_protocol(
    ctx: &PaceContext<'_, '_>,
    protocol: PaceProtocol,
    requested_id: Option<u8>,
) -> Result<(PaceProtocol, StandardizedDomainParameters), StatusWord> {
    let infos: Vec<PaceInfo> = ctx
        .nvm
        .image()
        .objects
        .get(OBJECT_PACE_INFOS)
        .and_then(|der| decode_card_access(der).ok())
        .unwrap_or_default();
    infos
        .iter()
        .filter(|info| info.protocol == protocol)
        .filter(|info| requested_id.is_none() || info.parameter_id == requested_id)
        .find_map(|info| StandardizedDomainParameters::from_id(info.parameter_id?).ok())
        .map(|domain| (protocol, domain))
        .ok_or(StatusWord::IncorrectDataField)
}
