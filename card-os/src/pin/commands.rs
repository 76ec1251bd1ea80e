//! The PIN commands, handled by card-os whatever application is selected
//! (the PINs are card-level, chip.md "Passwords and counters"). Every PIN
//! operation is on the contact interface only (chip.md "Interfaces"):
//! contactless → 6982. Bytes and status words: docs/spec/pins.md.
//!
//! | command | APDU | condition |
//! |---|---|---|
//! | VERIFY PIN2 (ISO 7816-4 §11.5.6) | `00 20 00 81 Lc PIN2` | — |
//! | VERIFY, status only | `00 20 00 81` | — |
//! | VERIFY, reset the verified status | `00 20 FF 81` | — |
//! | CHANGE REFERENCE DATA PIN2 (§11.5.7) | `00 24 00 81 18 old‖new` (each padded to 12 bytes with `FF`) | — |
//! | RESET RETRY COUNTER, unblock (§11.5.10, TR-03110-2 §3.5.2) | `00 2C 03 03` / `00 2C 03 81` | SM after PACE with the user code |
//! | RESET RETRY COUNTER, new value | `00 2C 02 03 Lc PIN1` | SM after PACE with the user code or PIN1 |
//! | | `00 2C 02 81 Lc PIN2` | SM after PACE with the user code |
//! | RESET RETRY COUNTER by the registry office | `00 2C 03 03` / `03 81` / `03 04`, `00 2C 02 04 Lc user code` | SM after PACE (any password), TA granting PIN management, CA v2 |

use alloc::vec::Vec;
use zeroize::Zeroizing;

use super::object::{PinId, PinState, MAX_VALUE_LEN};
use super::store;
use crate::apdu::CommandApdu;
use crate::applet::{CommandContext, Response};
use crate::protocol::cvc::AccessRight;
use crate::security::{AccessCondition, Interface, PacePassword};
use crate::status::StatusWord;

/// VERIFY (ISO 7816-4 §11.5.6).
pub const INS_VERIFY: u8 = 0x20;
/// CHANGE REFERENCE DATA (ISO 7816-4 §11.5.7).
pub const INS_CHANGE_REFERENCE_DATA: u8 = 0x24;
/// RESET RETRY COUNTER (ISO 7816-4 §11.5.10).
pub const INS_RESET_RETRY_COUNTER: u8 = 0x2C;

/// VERIFY P1: `00` verify (or, without data, ask the status); `FF` set the
/// verified status back to "not verified" (ISO 7816-4 §11.5.6).
const P1_VERIFY: u8 = 0x00;
const P1_VERIFY_RESET_STATUS: u8 = 0xFF;
/// CHANGE REFERENCE DATA P1 `00`: data = verification data ‖ new reference data.
const P1_CHANGE_WITH_OLD: u8 = 0x00;
/// RESET RETRY COUNTER P1 (ISO 7816-4 §11.5.10; TR-03110-2 §3.5.2 uses
/// `03` to unblock and `02` to set a new PIN).
const P1_RESET_NEW_VALUE: u8 = 0x02;
const P1_RESET_ONLY: u8 = 0x03;
/// PKCS#15 padChar (ISO 7816-15 PinAttributes): PIN2 fields may be padded
/// with it to the stored length 12.
const PAD_CHAR: u8 = 0xFF;

/// Whether card-os handles `ins` as a PIN command (interindustry class).
pub fn is_pin_command(ins: u8) -> bool {
    matches!(ins, INS_VERIFY | INS_CHANGE_REFERENCE_DATA | INS_RESET_RETRY_COUNTER)
}

/// Run one PIN command (`is_pin_command(cmd.ins)` holds).
pub fn process(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    if cmd.ne.is_some() {
        // None of the three commands returns data (ISO 7816-4 §11.5).
        return Err(StatusWord::WrongLength);
    }
    match cmd.ins {
        INS_VERIFY => verify(ctx, cmd),
        INS_CHANGE_REFERENCE_DATA => change_reference_data(ctx, cmd),
        INS_RESET_RETRY_COUNTER => reset_retry_counter(ctx, cmd),
        _ => Err(StatusWord::InsNotSupported),
    }
}

/// chip.md "Interfaces": every PIN operation is contact-only.
fn contact_only(ctx: &CommandContext<'_, '_>) -> Result<(), StatusWord> {
    let allowed = ctx.interface == Interface::Contact || ctx.faults.has(crate::fault::Fault::PinAllowedContactless); // FAULT
    if allowed { Ok(()) } else { Err(StatusWord::SecurityStatusNotSatisfied) }
}

/// VERIFY works on PIN2 only: PIN1 and the user code are proven with PACE.
fn pin2_reference(p2: u8) -> Result<PinId, StatusWord> {
    match PinId::from_reference(p2) {
        Some(PinId::Pin2) => Ok(PinId::Pin2),
        _ => Err(StatusWord::ReferencedDataNotFound),
    }
}

fn verify(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    let id = pin2_reference(cmd.p2)?;
    contact_only(ctx)?;
    let record = store::require(ctx.nvm.image(), id)?;
    match cmd.p1 {
        P1_VERIFY_RESET_STATUS if cmd.data.is_empty() => {
            ctx.security.pin2_verified = false;
            return Ok(Response::empty());
        }
        P1_VERIFY_RESET_STATUS => return Err(StatusWord::WrongLength),
        P1_VERIFY => {}
        _ => return Err(StatusWord::IncorrectP1P2),
    }
    let tries_left = match record.state() {
        PinState::NotSet => return Err(StatusWord::ReferenceDataNotUsable),
        PinState::Blocked => return Err(StatusWord::AuthenticationMethodBlocked),
        PinState::Usable { tries_left } | PinState::Suspended { tries_left } => tries_left,
    };
    if cmd.data.is_empty() {
        // Status query (ISO 7816-4 §11.5.6): 9000 when verified, else the tries left.
        return if ctx.security.pin2_verified {
            Ok(Response::empty())
        } else {
            Ok(Response { data: Vec::new(), sw: StatusWord::CounterRemaining(tries_left) })
        };
    }
    let candidate = unpad(&cmd.data);
    // A value that cannot be PIN2 costs no try.
    if !id.accepts(&record.policy, &candidate) {
        return Err(StatusWord::IncorrectDataField);
    }
    // A failed verification takes the verified status away (ISO 7816-4 §11.5.6).
    ctx.security.pin2_verified = false;
    store::verify_with_faults(ctx.nvm, id, &candidate, ctx.faults)?;
    ctx.security.pin2_verified = true;
    Ok(Response::empty())
}

fn change_reference_data(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    let id = pin2_reference(cmd.p2)?;
    if cmd.p1 != P1_CHANGE_WITH_OLD {
        return Err(StatusWord::IncorrectP1P2);
    }
    contact_only(ctx)?;
    let record = store::require(ctx.nvm.image(), id)?;
    // Two fields of the longest PIN2, each padded with FF.
    if cmd.data.len() != 2 * MAX_VALUE_LEN {
        return Err(StatusWord::WrongLength);
    }
    let (old, new) = cmd.data.split_at(MAX_VALUE_LEN);
    let (old, new) = (unpad(old), unpad(new));
    match record.state() {
        PinState::NotSet => return Err(StatusWord::ReferenceDataNotUsable),
        PinState::Blocked => return Err(StatusWord::AuthenticationMethodBlocked),
        PinState::Usable { .. } | PinState::Suspended { .. } => {}
    }
    // A malformed field costs no try.
    if !id.accepts(&record.policy, &old) || !id.accepts(&record.policy, &new) {
        return Err(StatusWord::IncorrectDataField);
    }
    ctx.security.pin2_verified = false;
    store::verify(ctx.nvm, id, &old)?;
    store::set_value(ctx.nvm, id, &new)?;
    Ok(Response::empty())
}

fn reset_retry_counter(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    let id = PinId::from_reference(cmd.p2).ok_or(StatusWord::ReferencedDataNotFound)?;
    let with_value = match cmd.p1 {
        P1_RESET_NEW_VALUE => true,
        P1_RESET_ONLY => false,
        _ => return Err(StatusWord::IncorrectP1P2),
    };
    if with_value == cmd.data.is_empty() {
        return Err(StatusWord::WrongLength);
    }
    contact_only(ctx)?;
    if !(reset_rule(id, with_value).is_satisfied(&ctx.access()) || registry_office_may_reset(ctx, id, with_value)) {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    let record = store::require(ctx.nvm.image(), id)?;
    if with_value {
        let value = Zeroizing::new(cmd.data.clone());
        store::set_value(ctx.nvm, id, &value)?;
    } else {
        if record.state() == PinState::NotSet {
            // Nothing to unblock: set the PIN first (P1 = 02).
            return Err(StatusWord::ReferenceDataNotUsable);
        }
        store::reset_counter(ctx.nvm, id)?;
    }
    if id == PinId::Pin2 {
        ctx.security.pin2_verified = false;
    }
    Ok(Response::empty())
}

/// Who may reset a counter or set a value (chip.md "Passwords and
/// counters"): the user code, in its PACE session; PIN1 may also replace
/// itself in a PIN1 session (TR-03110-2 §3.5.2 "change PIN"). The user code
/// itself is reset by a registry-office terminal only
/// ([`registry_office_may_reset`]).
fn reset_rule(id: PinId, with_value: bool) -> AccessCondition {
    let passwords: &[PacePassword] = match (id, with_value) {
        (PinId::Pin1, true) => &[PacePassword::Puk, PacePassword::Pin],
        (PinId::Pin1 | PinId::Pin2, _) => &[PacePassword::Puk],
        (PinId::UserCode, _) => return AccessCondition::Never,
    };
    AccessCondition::contact_only(AccessCondition::secure_messaging(passwords))
}

/// A registry-office terminal (chip.md "Passwords and counters": "can
/// reset any counter and set a new user code") may unblock PIN1, PIN2 and
/// the user code, and give the user code a new value: under secure
/// messaging of a PACE session with any password (a blocked PIN1 cannot run
/// PACE, so the office uses the CAN), after Terminal Authentication whose
/// effective CHAT holds "PIN management" (TR-03110-4 §2.2.3.2, chat.md bit
/// 5) and Chip Authentication v2. New PIN1 / PIN2 values stay the holder's
/// (with the user code). docs/spec/pins.md §Registry office.
fn registry_office_may_reset(ctx: &CommandContext<'_, '_>, id: PinId, with_value: bool) -> bool {
    let allowed = !with_value || id == PinId::UserCode;
    allowed
        && ctx.secure_messaging
        && ctx
            .security
            .pace
            .as_ref()
            .is_some_and(|pace| pace.eac.grants(AccessRight::PinManagement) && pace.eac.chip_authenticated())
}

/// The value without its trailing PKCS#15 pad characters, zeroized on drop.
fn unpad(field: &[u8]) -> Zeroizing<Vec<u8>> {
    let end = field.iter().rposition(|b| *b != PAD_CHAR).map_or(0, |i| i + 1);
    Zeroizing::new(field[..end].to_vec())
}
