//! PIN records and values through the command's transaction.
//!
//! Anti-tearing (chip.md "Passwords and counters"): a try is counted — the
//! counter decremented and the decrement committed to NVM with
//! `Transaction::commit_now` — *before* the value is compared. Cutting the
//! power once the comparison has failed therefore cannot save a try; a
//! successful comparison puts the counter back to its maximum, in the
//! command's own transaction.
//!
//! Comparisons are constant-time (`subtle`) over buffers of the longest PIN,
//! and every copy of a stored value is zeroized when dropped.

use alloc::vec::Vec;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::object::{PinId, PinRecord, PinState, MAX_VALUE_LEN};
use crate::fault::{Fault, FaultSet};
use crate::nvm::{CardImage, Transaction};
use crate::status::StatusWord;

/// Filler of the comparison buffers; never a PIN character.
const COMPARE_FILLER: u8 = 0xFF;

/// The record of `id`: `Ok(None)` when the card has no such PIN; a record
/// that does not decode (a damaged image) → 6984.
pub fn record(image: &CardImage, id: PinId) -> Result<Option<PinRecord>, StatusWord> {
    match image.objects.get(id.record_key()) {
        None => Ok(None),
        Some(bytes) => PinRecord::decode(bytes).map(Some).ok_or(StatusWord::ReferenceDataNotUsable),
    }
}

/// The record of a PIN the command names: absent → 6A88.
pub fn require(image: &CardImage, id: PinId) -> Result<PinRecord, StatusWord> {
    record(image, id)?.ok_or(StatusWord::ReferencedDataNotFound)
}

pub fn write(nvm: &mut Transaction<'_>, id: PinId, record: &PinRecord) {
    nvm.set_object(id.record_key(), record.encode());
}

/// Count one try now: the counter is decremented and the decrement made
/// durable before the caller compares (anti-tearing). Returns the record
/// after the decrement. A PIN not set → 6984, at 0 → 6983.
pub fn count_try(nvm: &mut Transaction<'_>, id: PinId) -> Result<PinRecord, StatusWord> {
    let mut record = require(nvm.image(), id)?;
    match record.state() {
        PinState::NotSet => return Err(StatusWord::ReferenceDataNotUsable),
        PinState::Blocked => return Err(StatusWord::AuthenticationMethodBlocked),
        PinState::Usable { .. } | PinState::Suspended { .. } => {}
    }
    record.tries_left = record.tries_left.saturating_sub(1);
    write(nvm, id, &record);
    nvm.commit_now();
    Ok(record)
}

/// A successful comparison: the counter back to its maximum.
pub fn reset_counter(nvm: &mut Transaction<'_>, id: PinId) -> Result<(), StatusWord> {
    let mut record = require(nvm.image(), id)?;
    if record.tries_left != record.policy.tries {
        record.tries_left = record.policy.tries;
        write(nvm, id, &record);
    }
    Ok(())
}

/// Give `id` a new value: the PIN becomes set and its counter starts again
/// at the maximum. A value that breaks the PIN's format → 6A80.
pub fn set_value(nvm: &mut Transaction<'_>, id: PinId, value: &[u8]) -> Result<(), StatusWord> {
    let mut record = require(nvm.image(), id)?;
    if !id.accepts(&record.policy, value) {
        return Err(StatusWord::IncorrectDataField);
    }
    nvm.set_object(id.value_key(), value.to_vec());
    record.set = true;
    record.tries_left = record.policy.tries;
    write(nvm, id, &record);
    Ok(())
}

/// The stored value of a set PIN, zeroized on drop; missing → 6984.
fn stored_value(image: &CardImage, id: PinId) -> Result<Zeroizing<Vec<u8>>, StatusWord> {
    image
        .objects
        .get(id.value_key())
        .map(|value| Zeroizing::new(value.clone()))
        .ok_or(StatusWord::ReferenceDataNotUsable)
}

/// Constant-time equality of two PIN values: both are copied into buffers
/// of the longest PIN, so the time depends on neither content nor length.
pub fn values_match(stored: &[u8], candidate: &[u8]) -> bool {
    if stored.len() > MAX_VALUE_LEN || candidate.len() > MAX_VALUE_LEN {
        return false;
    }
    let mut a = Zeroizing::new([COMPARE_FILLER; MAX_VALUE_LEN]);
    let mut b = Zeroizing::new([COMPARE_FILLER; MAX_VALUE_LEN]);
    a[..stored.len()].copy_from_slice(stored);
    b[..candidate.len()].copy_from_slice(candidate);
    // Lengths ≤ 12 always fit a byte.
    let same_length = (stored.len() as u8).ct_eq(&(candidate.len() as u8));
    bool::from(a[..].ct_eq(&b[..]) & same_length)
}

/// Verify `candidate` against the value of `id`: not set → 6984, blocked →
/// 6983; otherwise the try is counted first, then compared: a match resets
/// the counter (`Ok`), a mismatch answers 63Cx with the tries left.
/// Suspension is a PACE rule (PIN1 has no VERIFY) and is not checked here.
pub fn verify(nvm: &mut Transaction<'_>, id: PinId, candidate: &[u8]) -> Result<(), StatusWord> {
    verify_with_faults(nvm, id, candidate, FaultSet::none())
}

/// [`verify`] on a card with injected faults (fault.rs): the three PIN
/// counter faults hook here.
pub fn verify_with_faults(nvm: &mut Transaction<'_>, id: PinId, candidate: &[u8], faults: FaultSet) -> Result<(), StatusWord> {
    if faults.has(Fault::PinCounterNotDecremented) { return verify_uncounted(nvm, id, candidate, faults); } // FAULT
    if faults.has(Fault::PinCounterDecrementedAfterComparison) { return verify_counted_late(nvm, id, candidate); } // FAULT
    if faults.has(Fault::PinCounterNotResetOnSuccess) { return verify_uncounted(nvm, id, candidate, faults); } // FAULT
    let stored = stored_value(nvm.image(), id)?;
    let after = count_try(nvm, id)?;
    if values_match(&stored, candidate) {
        reset_counter(nvm, id)
    } else {
        Err(StatusWord::CounterRemaining(after.tries_left))
    }
}

/// Faults `PinCounterNotDecremented` (no try counted on a mismatch) and
/// `PinCounterNotResetOnSuccess` (the try counted, never given back).
fn verify_uncounted(nvm: &mut Transaction<'_>, id: PinId, candidate: &[u8], faults: FaultSet) -> Result<(), StatusWord> {
    let stored = stored_value(nvm.image(), id)?;
    let record = if faults.has(Fault::PinCounterNotDecremented) { usable(nvm.image(), id)? } else { count_try(nvm, id)? };
    if values_match(&stored, candidate) { Ok(()) } else { Err(StatusWord::CounterRemaining(record.tries_left)) }
}

/// Fault `PinCounterDecrementedAfterComparison`: compare first, then
/// decrement in the command's own transaction, which the failed command
/// rolls back (the anti-tearing commit is missing).
fn verify_counted_late(nvm: &mut Transaction<'_>, id: PinId, candidate: &[u8]) -> Result<(), StatusWord> {
    let stored = stored_value(nvm.image(), id)?;
    let mut record = usable(nvm.image(), id)?;
    if values_match(&stored, candidate) {
        return reset_counter(nvm, id);
    }
    record.tries_left = record.tries_left.saturating_sub(1);
    write(nvm, id, &record);
    Err(StatusWord::CounterRemaining(record.tries_left))
}

/// The record of a PIN that may be tried: not set → 6984, blocked → 6983.
fn usable(image: &CardImage, id: PinId) -> Result<PinRecord, StatusWord> {
    let record = require(image, id)?;
    match record.state() {
        PinState::NotSet => Err(StatusWord::ReferenceDataNotUsable),
        PinState::Blocked => Err(StatusWord::AuthenticationMethodBlocked),
        PinState::Usable { .. } | PinState::Suspended { .. } => Ok(record),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison() {
        assert!(values_match(b"13572468", b"13572468"));
        assert!(!values_match(b"13572468", b"13572469"));
        assert!(!values_match(b"13572468", b"1357246"));
        assert!(!values_match(b"13572468", b"135724680"));
        assert!(!values_match(b"13572468", b"1357246813572468"));
        assert!(!values_match(b"", b"\xFF"));
    }
}
