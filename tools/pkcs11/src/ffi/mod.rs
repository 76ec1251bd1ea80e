//! The C entry points (PKCS#11 v2.40 §5). Each one catches panics
//! (→ CKR_GENERAL_ERROR: nothing unwinds into C), checks its pointers
//! (→ CKR_ARGUMENTS_BAD), takes the one module lock and calls [`Module`].
//! The function list is complete: what the token does not do answers
//! CKR_FUNCTION_NOT_SUPPORTED ([`unsupported`]).
//!
//! # Safety
//! The contract of every `C_*` function is the PKCS#11 v2.40 one: each
//! pointer is NULL or valid for what the specification says it points to.
#![allow(clippy::missing_safety_doc)]

mod crypto;
mod general;
mod objects;
mod sessions;
mod slots;
mod unsupported;
mod util;

pub use crypto::*;
pub use general::*;
pub use objects::*;
pub use sessions::*;
pub use slots::*;
pub use unsupported::*;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard, PoisonError};

use cryptoki_sys::{CK_RV, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_GENERAL_ERROR, CKR_OK};

use crate::module::Module;

/// The module and the process it was initialized in (a forked child must
/// call C_Initialize again, §5.4; it then starts afresh).
pub(crate) struct Global {
    pub(crate) module: Module,
    pub(crate) pid: u32,
}

/// All state, behind one lock: calls from several threads are serialized
/// (the card handles one command at a time anyway).
static STATE: Mutex<Option<Global>> = Mutex::new(None);

/// The lock, also after a panic in another call (state stays usable).
pub(crate) fn state() -> MutexGuard<'static, Option<Global>> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs an entry point: no panic crosses into C, every call is logged.
pub(crate) fn entry(name: &'static str, body: impl FnOnce() -> CK_RV) -> CK_RV {
    let rv = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| {
        tracing::error!(function = name, "panic caught at the FFI boundary");
        CKR_GENERAL_ERROR
    });
    tracing::debug!(function = name, rv = format_args!("{rv:#x}"), "call");
    rv
}

/// Runs `body` on the initialized module of this process.
pub(crate) fn with_module(body: impl FnOnce(&mut Module) -> Result<(), CK_RV>) -> CK_RV {
    let mut guard = state();
    match guard.as_mut() {
        Some(global) if global.pid == std::process::id() => match body(&mut global.module) {
            Ok(()) => CKR_OK,
            Err(rv) => rv,
        },
        _ => CKR_CRYPTOKI_NOT_INITIALIZED,
    }
}

#[cfg(test)]
mod tests;
