//! SIGINT / SIGTERM set a flag that `neid emulate` polls, so the emulator
//! finishes the APDU in flight (and its state write) before exiting.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the signal handler; read by the vpcd loop.
pub static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signal: libc::c_int) {
    // Only an atomic store: async-signal-safe (signal-safety(7)).
    STOP.store(true, Ordering::SeqCst);
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn install() -> std::io::Result<()> {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `sigaction` with a handler that only stores to an atomic;
        // the struct is zeroed, then its handler and mask are set.
        let result = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut())
        };
        if result != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
