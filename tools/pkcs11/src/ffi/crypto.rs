//! Signing (§5.10), decryption (§5.9) and key derivation (§5.14).

use cryptoki_sys::*;

use super::util::{capacity, deliver, input, mechanism, store, template};
use super::*;

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SignInit(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    entry("C_SignInit", || {
        with_module(|module| {
            // SAFETY: the caller's CK_MECHANISM.
            let mech = unsafe { mechanism(mech)? };
            module.sign_init(session, &mech, key)
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Sign(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    signature: *mut CK_BYTE,
    signature_len: *mut CK_ULONG,
) -> CK_RV {
    entry("C_Sign", || {
        with_module(|module| {
            // SAFETY: the caller's buffers.
            let (data, room) = unsafe { (input(data, data_len)?, capacity(signature, signature_len)?) };
            let output = module.sign(session, data, room)?;
            // SAFETY: the caller's output buffer, `room` bytes.
            unsafe { deliver(signature, signature_len, output) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SignUpdate(session: CK_SESSION_HANDLE, part: *mut CK_BYTE, part_len: CK_ULONG) -> CK_RV {
    entry("C_SignUpdate", || {
        with_module(|module| {
            // SAFETY: the caller's buffer.
            let part = unsafe { input(part, part_len)? };
            module.sign_update_part(session, part)
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SignFinal(
    session: CK_SESSION_HANDLE,
    signature: *mut CK_BYTE,
    signature_len: *mut CK_ULONG,
) -> CK_RV {
    entry("C_SignFinal", || {
        with_module(|module| {
            // SAFETY: the caller's buffers.
            let room = unsafe { capacity(signature, signature_len)? };
            let output = module.sign_final(session, room)?;
            // SAFETY: the caller's output buffer, `room` bytes.
            unsafe { deliver(signature, signature_len, output) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DecryptInit(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    entry("C_DecryptInit", || {
        with_module(|module| {
            // SAFETY: the caller's CK_MECHANISM.
            let mech = unsafe { mechanism(mech)? };
            module.decrypt_init(session, &mech, key)
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Decrypt(
    session: CK_SESSION_HANDLE,
    encrypted: *mut CK_BYTE,
    encrypted_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: *mut CK_ULONG,
) -> CK_RV {
    entry("C_Decrypt", || {
        with_module(|module| {
            // SAFETY: the caller's buffers.
            let (encrypted, room) = unsafe { (input(encrypted, encrypted_len)?, capacity(data, data_len)?) };
            let output = module.decrypt(session, encrypted, room)?;
            // SAFETY: the caller's output buffer, `room` bytes.
            unsafe { deliver(data, data_len, output) }
        })
    })
}

/// RSA deciphers one whole block: parts are collected, nothing comes out
/// before C_DecryptFinal (the output length is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DecryptUpdate(
    session: CK_SESSION_HANDLE,
    part: *mut CK_BYTE,
    part_len: CK_ULONG,
    _data: *mut CK_BYTE,
    data_len: *mut CK_ULONG,
) -> CK_RV {
    entry("C_DecryptUpdate", || {
        with_module(|module| {
            if data_len.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            // SAFETY: the caller's buffer.
            let part = unsafe { input(part, part_len)? };
            module.decrypt_update(session, part)?;
            // SAFETY: checked non-NULL.
            unsafe { store(data_len, 0) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DecryptFinal(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: *mut CK_ULONG,
) -> CK_RV {
    entry("C_DecryptFinal", || {
        with_module(|module| {
            // SAFETY: the caller's buffers.
            let room = unsafe { capacity(data, data_len)? };
            let output = module.decrypt_final(session, room)?;
            // SAFETY: the caller's output buffer, `room` bytes.
            unsafe { deliver(data, data_len, output) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DeriveKey(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    base_key: CK_OBJECT_HANDLE,
    attributes: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
    key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    entry("C_DeriveKey", || {
        with_module(|module| {
            if key.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            // SAFETY: the caller's mechanism and template.
            let (mech, template) = unsafe { (mechanism(mech)?, template(attributes.cast_const(), count)?) };
            let handle = module.derive_key(session, &mech, base_key, &template)?;
            // SAFETY: checked non-NULL.
            unsafe { store(key, handle) }
        })
    })
}
