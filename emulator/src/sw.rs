//! The few status words the emulator itself produces (ISO 7816-4 §5.6,
//! table 5-6). Card behaviour proper lives in card-os.

/// Normal processing.
pub const SW_OK: [u8; 2] = [0x90, 0x00];
/// Execution error, NVM changed: memory failure. Answered when the card image
/// could not be persisted (ISO 7816-4 table 6: '6581').
pub const SW_MEMORY_FAILURE: [u8; 2] = [0x65, 0x81];
/// Checking error: wrong length (Lc/Le inconsistent with the command).
pub const SW_WRONG_LENGTH: [u8; 2] = [0x67, 0x00];
/// Checking error: wrong parameters P1-P2 (offset outside the EF).
pub const SW_WRONG_P1P2: [u8; 2] = [0x6B, 0x00];
/// Checking error: incorrect parameters P1-P2 (function not supported).
pub const SW_FUNCTION_NOT_SUPPORTED: [u8; 2] = [0x6A, 0x81];
/// Checking error: instruction code not supported.
pub const SW_INS_NOT_SUPPORTED: [u8; 2] = [0x6D, 0x00];
/// Checking error: class not supported.
pub const SW_CLA_NOT_SUPPORTED: [u8; 2] = [0x6E, 0x00];
/// Checking error: no precise diagnosis.
pub const SW_NO_PRECISE_DIAGNOSIS: [u8; 2] = [0x6F, 0x00];
