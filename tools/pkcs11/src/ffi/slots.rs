//! Slot and token management (§5.5): slot list and information, token
//! information, mechanisms.

use cryptoki_sys::*;

use super::util::{MODULE_VERSION, UNAVAILABLE_INFORMATION, capacity, padded, store};
use super::*;
use crate::module::{MANUFACTURER, TOKEN_MODEL};

/// Copies a list the two-call way: count only for a NULL list,
/// CKR_BUFFER_TOO_SMALL with the count when it does not fit.
///
/// # Safety
/// `out` must hold `*count` elements when not NULL; `count` valid.
unsafe fn deliver_list<T: Copy>(out: *mut T, count: *mut CK_ULONG, items: &[T]) -> Result<(), CK_RV> {
    // SAFETY: per the caller.
    let room = unsafe { capacity(out.cast_const().cast(), count)? };
    // SAFETY: `count` checked non-NULL above.
    unsafe { store(count, items.len() as CK_ULONG)? };
    match room {
        None => Ok(()),
        Some(room) if room < items.len() => Err(CKR_BUFFER_TOO_SMALL),
        Some(_) => {
            // SAFETY: room ≥ items.len() elements at `out`.
            unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), out, items.len()) };
            Ok(())
        }
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetSlotList(token_present: CK_BBOOL, list: *mut CK_SLOT_ID, count: *mut CK_ULONG) -> CK_RV {
    entry("C_GetSlotList", || {
        with_module(|module| {
            if count.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            // The length query rescans the readers; the second call sees the same slots.
            let ids = module.slot_list(token_present != CK_FALSE, list.is_null());
            // SAFETY: the caller's list and count.
            unsafe { deliver_list(list, count, &ids) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetSlotInfo(slot: CK_SLOT_ID, info: *mut CK_SLOT_INFO) -> CK_RV {
    entry("C_GetSlotInfo", || {
        with_module(|module| {
            if info.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let slot_info = module.slot_info(slot)?;
            let value = CK_SLOT_INFO {
                slotDescription: padded(&slot_info.description),
                manufacturerID: padded(MANUFACTURER),
                flags: slot_info.flags,
                hardwareVersion: MODULE_VERSION,
                firmwareVersion: MODULE_VERSION,
            };
            // SAFETY: the caller's CK_SLOT_INFO.
            unsafe { store(info, value) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetTokenInfo(slot: CK_SLOT_ID, info: *mut CK_TOKEN_INFO) -> CK_RV {
    entry("C_GetTokenInfo", || {
        with_module(|module| {
            if info.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let token = module.token_info(slot)?;
            let value = CK_TOKEN_INFO {
                label: padded(&token.label),
                manufacturerID: padded(MANUFACTURER),
                model: padded(TOKEN_MODEL),
                serialNumber: padded(&token.serial),
                flags: token.flags,
                ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
                ulSessionCount: token.sessions as CK_ULONG,
                ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
                ulRwSessionCount: token.rw_sessions as CK_ULONG,
                ulMaxPinLen: token.pin_max as CK_ULONG,
                ulMinPinLen: token.pin_min as CK_ULONG,
                ulTotalPublicMemory: UNAVAILABLE_INFORMATION,
                ulFreePublicMemory: UNAVAILABLE_INFORMATION,
                ulTotalPrivateMemory: UNAVAILABLE_INFORMATION,
                ulFreePrivateMemory: UNAVAILABLE_INFORMATION,
                hardwareVersion: MODULE_VERSION,
                firmwareVersion: MODULE_VERSION,
                // No clock on the token (CKF_CLOCK_ON_TOKEN clear): blanks.
                utcTime: padded(""),
            };
            // SAFETY: the caller's CK_TOKEN_INFO.
            unsafe { store(info, value) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetMechanismList(
    slot: CK_SLOT_ID,
    list: *mut CK_MECHANISM_TYPE,
    count: *mut CK_ULONG,
) -> CK_RV {
    entry("C_GetMechanismList", || {
        with_module(|module| {
            if count.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let mechanisms = module.mechanism_list(slot)?;
            // SAFETY: the caller's list and count.
            unsafe { deliver_list(list, count, &mechanisms) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetMechanismInfo(
    slot: CK_SLOT_ID,
    kind: CK_MECHANISM_TYPE,
    info: *mut CK_MECHANISM_INFO,
) -> CK_RV {
    entry("C_GetMechanismInfo", || {
        with_module(|module| {
            if info.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let mechanism = module.mechanism_info(slot, kind)?;
            let value = CK_MECHANISM_INFO {
                ulMinKeySize: mechanism.min_key_bits,
                ulMaxKeySize: mechanism.max_key_bits,
                flags: mechanism.flags,
            };
            // SAFETY: the caller's CK_MECHANISM_INFO.
            unsafe { store(info, value) }
        })
    })
}
