//! Session management (§5.6): sessions, session information, login and logout.

use std::ffi::c_void;

use cryptoki_sys::*;

use super::util::{input, store};
use super::*;

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_OpenSession(
    slot: CK_SLOT_ID,
    flags: CK_FLAGS,
    _application: *mut c_void,
    _notify: CK_NOTIFY,
    session: *mut CK_SESSION_HANDLE,
) -> CK_RV {
    entry("C_OpenSession", || {
        with_module(|module| {
            if session.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            // Notification callbacks are never made (no surrender, §5.16).
            let handle = module.open_session(slot, flags)?;
            // SAFETY: the caller's handle pointer, checked non-NULL.
            unsafe { store(session, handle) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_CloseSession(session: CK_SESSION_HANDLE) -> CK_RV {
    entry("C_CloseSession", || with_module(|module| module.close_session(session)))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_CloseAllSessions(slot: CK_SLOT_ID) -> CK_RV {
    entry("C_CloseAllSessions", || with_module(|module| module.close_all_sessions(slot)))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetSessionInfo(session: CK_SESSION_HANDLE, info: *mut CK_SESSION_INFO) -> CK_RV {
    entry("C_GetSessionInfo", || {
        with_module(|module| {
            if info.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let state = module.session_info(session)?;
            let value = CK_SESSION_INFO {
                slotID: state.slot,
                state: state.state,
                flags: state.flags,
                ulDeviceError: state.device_error,
            };
            // SAFETY: the caller's CK_SESSION_INFO.
            unsafe { store(info, value) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Login(
    session: CK_SESSION_HANDLE,
    user_type: CK_USER_TYPE,
    pin: *mut CK_UTF8CHAR,
    pin_len: CK_ULONG,
) -> CK_RV {
    entry("C_Login", || {
        with_module(|module| {
            // No protected authentication path: the PIN comes with the call.
            if pin.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            // SAFETY: `pin_len` bytes at `pin` per the caller.
            let pin = unsafe { input(pin.cast_const(), pin_len)? };
            module.login(session, user_type, pin)
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Logout(session: CK_SESSION_HANDLE) -> CK_RV {
    entry("C_Logout", || with_module(|module| module.logout(session)))
}
