//! General-purpose functions (§5.4): C_Initialize, C_Finalize, C_GetInfo,
//! C_GetFunctionList, and the function list itself.

use std::ffi::c_void;
use std::ptr;

use cryptoki_sys::*;

use super::util::{CRYPTOKI_VERSION, MODULE_VERSION, padded, store};
use super::*;
use crate::backend::{Backend, EmulatorBackend, PcscBackend};
use crate::config::Config;
use crate::module::{LIBRARY_DESCRIPTION, MANUFACTURER, Module};

/// The backend the configuration asks for.
fn backend(config: &Config) -> Result<Box<dyn Backend>, String> {
    match &config.emulator_profile {
        Some(profile) => EmulatorBackend::new(profile, config.emulator_state.as_deref(), config.can.clone())
            .map(|b| Box::new(b) as Box<dyn Backend>)
            .map_err(|e| format!("{}={}: {e}", crate::config::ENV_EMULATOR, profile.display())),
        None => Ok(Box::new(PcscBackend::new(config.can.clone(), config.reader_filter.clone()))),
    }
}

/// CK_C_INITIALIZE_ARGS checks (§5.4): no reserved pointer; the four mutex
/// functions all given or none. The module always uses its own (OS)
/// locking, which every combination allows or accepts.
unsafe fn check_init_args(init_args: *mut c_void) -> Result<(), CK_RV> {
    if init_args.is_null() {
        return Ok(());
    }
    // SAFETY: a non-NULL argument points to CK_C_INITIALIZE_ARGS (§5.4).
    let args = unsafe { ptr::read_unaligned(init_args.cast::<CK_C_INITIALIZE_ARGS>()) };
    if !args.pReserved.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    let given =
        [args.CreateMutex.is_some(), args.DestroyMutex.is_some(), args.LockMutex.is_some(), args.UnlockMutex.is_some()];
    if given.iter().any(|g| *g) && !given.iter().all(|g| *g) {
        return Err(CKR_ARGUMENTS_BAD);
    }
    Ok(())
}

/// Installs a module (tests use a fake backend).
pub(crate) fn install(module: Module) -> CK_RV {
    let mut guard = state();
    if guard.as_ref().is_some_and(|g| g.pid == std::process::id()) {
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    // A state inherited through fork is dropped without logging out: the
    // parent still uses that card connection.
    if let Some(inherited) = guard.take() {
        std::mem::forget(inherited);
    }
    *guard = Some(Global { module, pid: std::process::id() });
    CKR_OK
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Initialize(init_args: *mut c_void) -> CK_RV {
    entry("C_Initialize", || {
        // SAFETY: the argument as the caller passed it.
        if let Err(rv) = unsafe { check_init_args(init_args) } {
            return rv;
        }
        if state().as_ref().is_some_and(|g| g.pid == std::process::id()) {
            return CKR_CRYPTOKI_ALREADY_INITIALIZED;
        }
        let config = Config::from_env();
        if let Some(path) = &config.log_file {
            crate::log::init(path);
        }
        tracing::info!(version = env!("CARGO_PKG_VERSION"), ?config.emulator_profile, can = config.can.is_some(), reader = ?config.reader_filter, "C_Initialize");
        match backend(&config) {
            Ok(backend) => install(Module::new(backend)),
            Err(message) => {
                tracing::error!(%message, "no backend");
                // A library rarely prints; a broken configuration is worth it.
                eprintln!("neid-pkcs11: {message}");
                CKR_FUNCTION_FAILED
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Finalize(reserved: *mut c_void) -> CK_RV {
    entry("C_Finalize", || {
        if !reserved.is_null() {
            return CKR_ARGUMENTS_BAD;
        }
        let mut guard = state();
        match guard.take() {
            Some(mut global) if global.pid == std::process::id() => {
                global.module.finalize();
                CKR_OK
            }
            Some(inherited) => {
                std::mem::forget(inherited);
                CKR_CRYPTOKI_NOT_INITIALIZED
            }
            None => CKR_CRYPTOKI_NOT_INITIALIZED,
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetInfo(info: *mut CK_INFO) -> CK_RV {
    entry("C_GetInfo", || {
        with_module(|_| {
            let value = CK_INFO {
                cryptokiVersion: CRYPTOKI_VERSION,
                manufacturerID: padded(MANUFACTURER),
                flags: 0,
                libraryDescription: padded(LIBRARY_DESCRIPTION),
                libraryVersion: MODULE_VERSION,
            };
            // SAFETY: the caller's CK_INFO.
            unsafe { store(info, value) }
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetFunctionList(list: *mut *mut CK_FUNCTION_LIST) -> CK_RV {
    entry("C_GetFunctionList", || {
        // The list is never written through: PKCS#11 declares the pointer non-const only.
        let pointer = (&raw const FUNCTION_LIST).cast_mut();
        // SAFETY: the caller's pointer.
        match unsafe { store(list, pointer) } {
            Ok(()) => CKR_OK,
            Err(rv) => rv,
        }
    })
}

/// Every PKCS#11 v2.40 function, in the order of CK_FUNCTION_LIST (§5.4).
pub static FUNCTION_LIST: CK_FUNCTION_LIST = CK_FUNCTION_LIST {
    version: CRYPTOKI_VERSION,
    C_Initialize: Some(C_Initialize),
    C_Finalize: Some(C_Finalize),
    C_GetInfo: Some(C_GetInfo),
    C_GetFunctionList: Some(C_GetFunctionList),
    C_GetSlotList: Some(C_GetSlotList),
    C_GetSlotInfo: Some(C_GetSlotInfo),
    C_GetTokenInfo: Some(C_GetTokenInfo),
    C_GetMechanismList: Some(C_GetMechanismList),
    C_GetMechanismInfo: Some(C_GetMechanismInfo),
    C_InitToken: Some(C_InitToken),
    C_InitPIN: Some(C_InitPIN),
    C_SetPIN: Some(C_SetPIN),
    C_OpenSession: Some(C_OpenSession),
    C_CloseSession: Some(C_CloseSession),
    C_CloseAllSessions: Some(C_CloseAllSessions),
    C_GetSessionInfo: Some(C_GetSessionInfo),
    C_GetOperationState: Some(C_GetOperationState),
    C_SetOperationState: Some(C_SetOperationState),
    C_Login: Some(C_Login),
    C_Logout: Some(C_Logout),
    C_CreateObject: Some(C_CreateObject),
    C_CopyObject: Some(C_CopyObject),
    C_DestroyObject: Some(C_DestroyObject),
    C_GetObjectSize: Some(C_GetObjectSize),
    C_GetAttributeValue: Some(C_GetAttributeValue),
    C_SetAttributeValue: Some(C_SetAttributeValue),
    C_FindObjectsInit: Some(C_FindObjectsInit),
    C_FindObjects: Some(C_FindObjects),
    C_FindObjectsFinal: Some(C_FindObjectsFinal),
    C_EncryptInit: Some(C_EncryptInit),
    C_Encrypt: Some(C_Encrypt),
    C_EncryptUpdate: Some(C_EncryptUpdate),
    C_EncryptFinal: Some(C_EncryptFinal),
    C_DecryptInit: Some(C_DecryptInit),
    C_Decrypt: Some(C_Decrypt),
    C_DecryptUpdate: Some(C_DecryptUpdate),
    C_DecryptFinal: Some(C_DecryptFinal),
    C_DigestInit: Some(C_DigestInit),
    C_Digest: Some(C_Digest),
    C_DigestUpdate: Some(C_DigestUpdate),
    C_DigestKey: Some(C_DigestKey),
    C_DigestFinal: Some(C_DigestFinal),
    C_SignInit: Some(C_SignInit),
    C_Sign: Some(C_Sign),
    C_SignUpdate: Some(C_SignUpdate),
    C_SignFinal: Some(C_SignFinal),
    C_SignRecoverInit: Some(C_SignRecoverInit),
    C_SignRecover: Some(C_SignRecover),
    C_VerifyInit: Some(C_VerifyInit),
    C_Verify: Some(C_Verify),
    C_VerifyUpdate: Some(C_VerifyUpdate),
    C_VerifyFinal: Some(C_VerifyFinal),
    C_VerifyRecoverInit: Some(C_VerifyRecoverInit),
    C_VerifyRecover: Some(C_VerifyRecover),
    C_DigestEncryptUpdate: Some(C_DigestEncryptUpdate),
    C_DecryptDigestUpdate: Some(C_DecryptDigestUpdate),
    C_SignEncryptUpdate: Some(C_SignEncryptUpdate),
    C_DecryptVerifyUpdate: Some(C_DecryptVerifyUpdate),
    C_GenerateKey: Some(C_GenerateKey),
    C_GenerateKeyPair: Some(C_GenerateKeyPair),
    C_WrapKey: Some(C_WrapKey),
    C_UnwrapKey: Some(C_UnwrapKey),
    C_DeriveKey: Some(C_DeriveKey),
    C_SeedRandom: Some(C_SeedRandom),
    C_GenerateRandom: Some(C_GenerateRandom),
    C_GetFunctionStatus: Some(C_GetFunctionStatus),
    C_CancelFunction: Some(C_CancelFunction),
    C_WaitForSlotEvent: Some(C_WaitForSlotEvent),
};
