//! The functions of CK_FUNCTION_LIST the token does not offer: each
//! answers CKR_FUNCTION_NOT_SUPPORTED (PKCS#11 v2.40 §5.1: "the function is
//! not supported by the library"). The token is read-only (no object
//! creation, no PIN change through PKCS#11: `neid pin` does that), verifies
//! nothing itself (applications verify with the public key or certificate),
//! has no RNG for applications, and has no slot events.

use std::ffi::c_void;

use cryptoki_sys::*;

/// Defines `#[no_mangle]` entry points that only answer CKR_FUNCTION_NOT_SUPPORTED.
macro_rules! not_supported {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> CK_RV {
            $(let _ = $arg;)*
            tracing::debug!(function = stringify!($name), "not supported");
            CKR_FUNCTION_NOT_SUPPORTED
        }
    )*};
}

not_supported! {
    C_InitToken(_a1: CK_SLOT_ID, _a2: *mut CK_UTF8CHAR, _a3: CK_ULONG, _a4: *mut CK_UTF8CHAR);
    C_InitPIN(_a1: CK_SESSION_HANDLE, _a2: *mut CK_UTF8CHAR, _a3: CK_ULONG);
    C_SetPIN(_a1: CK_SESSION_HANDLE, _a2: *mut CK_UTF8CHAR, _a3: CK_ULONG, _a4: *mut CK_UTF8CHAR, _a5: CK_ULONG);
    C_GetOperationState(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: *mut CK_ULONG);
    C_SetOperationState(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: CK_OBJECT_HANDLE, _a5: CK_OBJECT_HANDLE);
    C_CreateObject(_a1: CK_SESSION_HANDLE, _a2: *mut CK_ATTRIBUTE, _a3: CK_ULONG, _a4: *mut CK_OBJECT_HANDLE);
    C_CopyObject(_a1: CK_SESSION_HANDLE, _a2: CK_OBJECT_HANDLE, _a3: *mut CK_ATTRIBUTE, _a4: CK_ULONG, _a5: *mut CK_OBJECT_HANDLE);
    C_GetObjectSize(_a1: CK_SESSION_HANDLE, _a2: CK_OBJECT_HANDLE, _a3: *mut CK_ULONG);
    C_SetAttributeValue(_a1: CK_SESSION_HANDLE, _a2: CK_OBJECT_HANDLE, _a3: *mut CK_ATTRIBUTE, _a4: CK_ULONG);
    C_EncryptInit(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM, _a3: CK_OBJECT_HANDLE);
    C_Encrypt(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_EncryptUpdate(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_EncryptFinal(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: *mut CK_ULONG);
    C_DigestInit(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM);
    C_Digest(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_DigestUpdate(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG);
    C_DigestKey(_a1: CK_SESSION_HANDLE, _a2: CK_OBJECT_HANDLE);
    C_DigestFinal(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: *mut CK_ULONG);
    C_SignRecoverInit(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM, _a3: CK_OBJECT_HANDLE);
    C_SignRecover(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_VerifyInit(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM, _a3: CK_OBJECT_HANDLE);
    C_Verify(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: CK_ULONG);
    C_VerifyUpdate(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG);
    C_VerifyFinal(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG);
    C_VerifyRecoverInit(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM, _a3: CK_OBJECT_HANDLE);
    C_VerifyRecover(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_DigestEncryptUpdate(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_DecryptDigestUpdate(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_SignEncryptUpdate(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_DecryptVerifyUpdate(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG);
    C_GenerateKey(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM, _a3: *mut CK_ATTRIBUTE, _a4: CK_ULONG, _a5: *mut CK_OBJECT_HANDLE);
    C_GenerateKeyPair(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM, _a3: *mut CK_ATTRIBUTE, _a4: CK_ULONG, _a5: *mut CK_ATTRIBUTE, _a6: CK_ULONG, _a7: *mut CK_OBJECT_HANDLE, _a8: *mut CK_OBJECT_HANDLE);
    C_WrapKey(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM, _a3: CK_OBJECT_HANDLE, _a4: CK_OBJECT_HANDLE, _a5: *mut CK_BYTE, _a6: *mut CK_ULONG);
    C_UnwrapKey(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM, _a3: CK_OBJECT_HANDLE, _a4: *mut CK_BYTE, _a5: CK_ULONG, _a6: *mut CK_ATTRIBUTE, _a7: CK_ULONG, _a8: *mut CK_OBJECT_HANDLE);
    C_SeedRandom(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG);
    C_GenerateRandom(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG);
    C_GetFunctionStatus(_a1: CK_SESSION_HANDLE);
    C_CancelFunction(_a1: CK_SESSION_HANDLE);
    C_WaitForSlotEvent(_a1: CK_FLAGS, _a2: *mut CK_SLOT_ID, _a3: *mut c_void);
}
