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
//! Issue 4 adds the retry counters and the PIN states (not set, suspended,
//! blocked) next to these objects. [`check_usable`] and [`record_failure`]
//! are its seams: today the first accepts every stored password and the second
//! answers 6300 without counting.

use core::str;

use crate::nvm::{CardImage, Transaction};
use crate::protocol::PaceSecret;
use crate::security::{Interface, PacePassword};
use crate::status::StatusWord;

pub const OBJECT_MRZ: &str = "pace.password.mrz";
pub const OBJECT_CAN: &str = "pace.password.can";
pub const OBJECT_PIN: &str = "pace.password.pin";
pub const OBJECT_PUK: &str = "pace.password.puk";

/// The NVM object holding `password`.
pub fn object_key(password: PacePassword) -> &'static str {
    match password {
        PacePassword::Mrz => OBJECT_MRZ,
        PacePassword::Can => OBJECT_CAN,
        PacePassword::Pin => OBJECT_PIN,
        PacePassword::Puk => OBJECT_PUK,
    }
}

/// Whether the card holds `password`.
pub fn is_present(image: &CardImage, password: PacePassword) -> bool {
    image.objects.contains_key(object_key(password))
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

/// Issue 4 seam: refuse a password that exists but may not be used now
/// (PIN not yet set → 6984, suspended without a CAN session, blocked → 6983,
/// TR-03110-2 §3.5). Today every stored password is usable.
pub fn check_usable(_nvm: &mut Transaction<'_>, _password: PacePassword) -> Result<(), StatusWord> {
    Ok(())
}

/// Issue 4 seam: a PACE run with `password` failed at the token check. The
/// counter decrement will be committed here (`Transaction::commit_now`,
/// anti-tearing) and the answer become 63Cx. Today: 6300 (ICAO 9303-11
/// §4.4.4.2), nothing counted.
pub fn record_failure(_nvm: &mut Transaction<'_>, _password: PacePassword) -> StatusWord {
    StatusWord::AuthenticationFailed
}

/// Issue 4 seam: a PACE run with `password` succeeded (a PIN's counter is
/// reset to its maximum, TR-03110-2 §3.5). Nothing to do today.
pub fn record_success(_nvm: &mut Transaction<'_>, _password: PacePassword) {}

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

