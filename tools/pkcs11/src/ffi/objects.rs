//! Object management (§5.7): C_GetAttributeValue, C_FindObjects*,
//! C_DestroyObject.

use std::ptr;

use cryptoki_sys::*;

use super::util::{UNAVAILABLE_INFORMATION, store, template};
use super::*;
use crate::object::{AttrValue, Object};

/// Fills one template entry (§5.7 C_GetAttributeValue rules 1–5); the
/// return value of the entry, CKR_OK when it was served.
///
/// # Safety
/// `entry.pValue` must hold `entry.ulValueLen` writable bytes when not NULL.
unsafe fn fill(object: &Object, entry: &mut CK_ATTRIBUTE) -> CK_RV {
    match object.attribute(entry.type_) {
        None => {
            entry.ulValueLen = UNAVAILABLE_INFORMATION;
            CKR_ATTRIBUTE_TYPE_INVALID
        }
        Some(AttrValue::Sensitive) => {
            entry.ulValueLen = UNAVAILABLE_INFORMATION;
            CKR_ATTRIBUTE_SENSITIVE
        }
        Some(AttrValue::Bytes(value)) => {
            if entry.pValue.is_null() {
                entry.ulValueLen = value.len() as CK_ULONG;
                CKR_OK
            } else if usize::try_from(entry.ulValueLen).is_ok_and(|room| room >= value.len()) {
                // SAFETY: room checked above.
                unsafe { ptr::copy_nonoverlapping(value.as_ptr(), entry.pValue.cast::<u8>(), value.len()) };
                entry.ulValueLen = value.len() as CK_ULONG;
                CKR_OK
            } else {
                entry.ulValueLen = UNAVAILABLE_INFORMATION;
                CKR_BUFFER_TOO_SMALL
            }
        }
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetAttributeValue(
    session: CK_SESSION_HANDLE,
    object: CK_OBJECT_HANDLE,
    attributes: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    entry("C_GetAttributeValue", || {
        with_module(|module| {
            let count = usize::try_from(count).map_err(|_| CKR_ARGUMENTS_BAD)?;
            if attributes.is_null() && count > 0 {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let object = module.object(session, object)?;
            // Every entry is processed; the first failure is the answer.
            let mut result = CKR_OK;
            for index in 0..count {
                // SAFETY: `count` entries at `attributes` per the caller.
                let entry = unsafe { &mut *attributes.add(index) };
                // SAFETY: the entry's buffer as the caller described it.
                let rv = unsafe { fill(object, entry) };
                if result == CKR_OK {
                    result = rv;
                }
            }
            if result == CKR_OK { Ok(()) } else { Err(result) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_FindObjectsInit(
    session: CK_SESSION_HANDLE,
    attributes: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    entry("C_FindObjectsInit", || {
        with_module(|module| {
            // SAFETY: `count` attributes per the caller.
            let template = unsafe { template(attributes.cast_const(), count)? };
            module.find_init(session, &template)
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_FindObjects(
    session: CK_SESSION_HANDLE,
    objects: *mut CK_OBJECT_HANDLE,
    max: CK_ULONG,
    found: *mut CK_ULONG,
) -> CK_RV {
    entry("C_FindObjects", || {
        with_module(|module| {
            if found.is_null() || (objects.is_null() && max > 0) {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            let handles = module.find_next(session, max)?;
            if !handles.is_empty() {
                // SAFETY: room for `max` ≥ handles.len() handles per the caller.
                unsafe { ptr::copy_nonoverlapping(handles.as_ptr(), objects, handles.len()) };
            }
            // SAFETY: checked non-NULL.
            unsafe { store(found, handles.len() as CK_ULONG) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_FindObjectsFinal(session: CK_SESSION_HANDLE) -> CK_RV {
    entry("C_FindObjectsFinal", || with_module(|module| module.find_final(session)))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DestroyObject(session: CK_SESSION_HANDLE, object: CK_OBJECT_HANDLE) -> CK_RV {
    entry("C_DestroyObject", || with_module(|module| module.destroy_object(session, object)))
}
