//! The PACE passwords in NVM (chip.md "Passwords and counters",
//! TR-03110-2 §3.2, ICAO 9303-11 §9.7.3).
//!
//! Each password the card knows is one NVM object, written at personalization:
//!
//! | object | content |
//! |---|---|
//! | `pace.password.mrz` | the MRZ information, ASCII: document number ‖ check digit ‖ date of birth ‖ check digit ‖ date of expiry ‖ check digit (ICAO 9303-11 §9.7.3) |
//! | `pace.password.can` | the CAN, UTF-8 text |
//! | `pace.password.pin` | PIN1, UTF-8 text |
//! | `pace.password.puk` | the user code (PUK), UTF-8 text |
//!
//! A password whose object is absent is *unavailable* (MSE:Set AT → 6A88).
//!
//! PIN1 and the user code (PUK) also have a PIN record with their state and
//! retry counter (`crate::pin`, docs/spec/pins.md). PIN1 in the delivery
//! state has a record but no value yet. The PACE commands ask this module:
//!
//! | when | function | PIN1 / PUK |
//! |---|---|---|
//! | MSE:Set AT | [`selection_status`] | not set → 6984, blocked → 6983; else 9000, or 63Cx when tries were lost (TR-03110-3 B.11.1), 63C1 for a suspended PIN1 |
//! | GA step 1 | [`check_usable`] | as above, and a suspended PIN1 without a PACE with CAN since power on → 6985 (TR-03110-2 §3.5.1) |
//! | GA step 4, before the token check | [`count_try`] | the counter decremented and committed (anti-tearing) |
//! | GA step 4, token wrong | [`failure_status`] | 63Cx, x = tries left (MRZ, CAN: 6300) |
//! | GA step 4, token right | [`record_success`] | counter back to its maximum; a CAN run resumes PIN1 |

use core::str;

use super::PaceState;
use crate::nvm::{CardImage, Transaction};
use crate::pin::{store, PinId, PinRecord, PinState};
use crate::protocol::PaceSecret;
use crate::security::{Interface, PacePassword};
use crate::status::StatusWord;

pub const OBJECT_MRZ: &str = "pace.password.mrz";
pub const OBJECT_CAN: &str = "pace.password.can";
/// PIN1 and the user code are PIN objects (pin/object.rs) that PACE also uses.
pub use crate::pin::object::{OBJECT_PIN, OBJECT_PUK};

/// The NVM object holding `password`.
pub fn object_key(password: PacePassword) -> &'static str {
    match password {
        PacePassword::Mrz => OBJECT_MRZ,
        PacePassword::Can => OBJECT_CAN,
        PacePassword::Pin => OBJECT_PIN,
        PacePassword::Puk => OBJECT_PUK,
    }
}

/// Whether the card holds `password` (for PIN1 in the delivery state: its record).
pub fn is_present(image: &CardImage, password: PacePassword) -> bool {
    image.objects.contains_key(object_key(password))
        || PinId::for_pace(password).is_some_and(|id| image.objects.contains_key(id.record_key()))
}

/// Whether `password` may be used on `interface`. chip.md "Interfaces":
/// every operation with PIN1 (and the user code, which sets and unblocks
/// it) is available on the contact interface only; MRZ and CAN on both.
pub fn allowed_on(password: PacePassword, interface: Interface) -> bool {
    match password {
        PacePassword::Mrz | PacePassword::Can => true,
        PacePassword::Pin | PacePassword::Puk => interface == Interface::Contact,
    }
}

/// The record of the PIN behind `password`; `None` for MRZ and CAN. A PIN
/// or PUK without a record (or with a damaged one) is not usable: 6984.
fn pin_record(image: &CardImage, password: PacePassword) -> Result<Option<PinRecord>, StatusWord> {
    let Some(id) = PinId::for_pace(password) else { return Ok(None) };
    store::record(image, id)?.map(Some).ok_or(StatusWord::ReferenceDataNotUsable)
}

/// MSE:Set AT with `password`: refused when it cannot be used (not set →
/// 6984, blocked → 6983), else the status word to answer: 9000, or the
/// warning 63Cx with the tries left once a try was lost (TR-03110-3 B.11.1:
/// the response shows the retry counter; 63C1 = suspended).
pub fn selection_status(image: &CardImage, password: PacePassword) -> Result<StatusWord, StatusWord> {
    let Some(record) = pin_record(image, password)? else { return Ok(StatusWord::Success) };
    match record.state() {
        PinState::NotSet => Err(StatusWord::ReferenceDataNotUsable),
        PinState::Blocked => Err(StatusWord::AuthenticationMethodBlocked),
        PinState::Usable { tries_left } if tries_left == record.policy.tries => Ok(StatusWord::Success),
        PinState::Usable { tries_left } | PinState::Suspended { tries_left } => {
            Ok(StatusWord::CounterRemaining(tries_left))
        }
    }
}

/// GENERAL AUTHENTICATE step 1: refuse a password that may not be used now:
/// not set → 6984, blocked → 6983, a suspended PIN1 without a successful PACE
/// with CAN since power on → 6985 (TR-03110-2 §3.5.1: CAN resumes it).
pub fn check_usable(image: &CardImage, state: &PaceState, password: PacePassword) -> Result<(), StatusWord> {
    match pin_record(image, password)?.map(|record| record.state()) {
        None | Some(PinState::Usable { .. }) => Ok(()),
        Some(PinState::Suspended { .. }) if state.can_verified => Ok(()),
        Some(PinState::Suspended { .. }) => Err(StatusWord::ConditionsOfUseNotSatisfied),
        Some(PinState::NotSet) => Err(StatusWord::ReferenceDataNotUsable),
        Some(PinState::Blocked) => Err(StatusWord::AuthenticationMethodBlocked),
    }
}

/// GENERAL AUTHENTICATE step 4, *before* the token is checked: a PIN1 or
/// PUK try is counted and the decrement committed to NVM now (anti-tearing,
/// chip.md). The tries left after it; `None` for MRZ and CAN (no counter).
pub fn count_try(nvm: &mut Transaction<'_>, password: PacePassword) -> Result<Option<u8>, StatusWord> {
    match PinId::for_pace(password) {
        None => Ok(None),
        Some(id) => store::count_try(nvm, id).map(|record| Some(record.tries_left)),
    }
}

/// The answer when the terminal's token did not verify: 63Cx with the tries
/// left for PIN1 and PUK (63C0: now blocked), 6300 for MRZ and CAN (ICAO
/// 9303-11 §4.4.4.2).
pub fn failure_status(tries_left: Option<u8>) -> StatusWord {
    tries_left.map_or(StatusWord::AuthenticationFailed, StatusWord::CounterRemaining)
}

/// A PACE run with `password` succeeded: a PIN's counter goes back to its
/// maximum (TR-03110-2 §3.5); a CAN run resumes a suspended PIN1 for the
/// rest of the card session.
pub fn record_success(nvm: &mut Transaction<'_>, state: &mut PaceState, password: PacePassword) -> Result<(), StatusWord> {
    if password == PacePassword::Can {
        state.can_verified = true;
    }
    match PinId::for_pace(password) {
        None => Ok(()),
        Some(id) => store::reset_counter(nvm, id),
    }
}

/// The PACE secret of `password` from NVM: absent → 6A88; stored bytes that
/// do not form a password (a damaged image) → 6984 "reference data not usable".
pub fn secret(image: &CardImage, password: PacePassword) -> Result<PaceSecret, StatusWord> {
    let stored = image.objects.get(object_key(password)).ok_or(StatusWord::ReferencedDataNotFound)?;
    match password {
        PacePassword::Mrz => Ok(PaceSecret::mrz_information(stored)),
        PacePassword::Can | PacePassword::Pin | PacePassword::Puk => {
            let text = str::from_utf8(stored).map_err(|_| StatusWord::ReferenceDataNotUsable)?;
            PaceSecret::from_text(password.to_protocol(), text).map_err(|_| StatusWord::ReferenceDataNotUsable)
        }
    }
}

