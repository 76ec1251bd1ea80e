//! Why a BAC step failed, and the status word the chip answers.

use core::fmt;

/// EXTERNAL AUTHENTICATE failed (ISO 7816-4 §5.6: 63 00, no information given).
pub const SW_AUTHENTICATION_FAILED: u16 = 0x6300;
/// Lc or Le does not fit the command (ISO 7816-4 §5.6).
pub const SW_WRONG_LENGTH: u16 = 0x6700;
/// P1-P2 other than 00 00 (ISO 7816-4 §5.6).
pub const SW_INCORRECT_P1_P2: u16 = 0x6A86;

/// A BAC step failed; the run is over (start again with GET CHALLENGE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BacError {
    /// M_IFD (chip side) or M_IC (terminal side) does not verify: a wrong MRZ
    /// or tampering (ICAO 9303-11 §4.3.3.1 step 3, §4.3.3.2 step 2).
    AuthenticationFailed,
    /// The decrypted nonce is not the one this side sent: RND.IC on the chip,
    /// RND.IFD on the terminal (a replayed or foreign cryptogram).
    ChallengeMismatch { nonce: &'static str },
    /// A data field has the wrong length.
    WrongLength {
        field: &'static str,
        expected: usize,
        actual: usize,
    },
    /// P1-P2 of GET CHALLENGE / EXTERNAL AUTHENTICATE must be 00 00.
    WrongParameters { command: &'static str },
    /// The chip answered this status word instead of 90 00.
    ChipRefused { sw: u16 },
}

impl BacError {
    /// The status word a chip answers to the command that caused this error.
    pub fn status_word(&self) -> u16 {
        match self {
            BacError::AuthenticationFailed | BacError::ChallengeMismatch { .. } => {
                SW_AUTHENTICATION_FAILED
            }
            BacError::WrongLength { .. } => SW_WRONG_LENGTH,
            BacError::WrongParameters { .. } => SW_INCORRECT_P1_P2,
            BacError::ChipRefused { sw } => *sw,
        }
    }
}

impl fmt::Display for BacError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BacError::AuthenticationFailed => f.write_str(
                "BAC authentication failed: the MAC of the EXTERNAL AUTHENTICATE cryptogram does not verify (wrong MRZ or tampering)",
            ),
            BacError::ChallengeMismatch { nonce } => write!(
                f,
                "BAC authentication failed: the decrypted {nonce} is not the one sent (ICAO 9303-11 §4.3.3)"
            ),
            BacError::WrongLength {
                field,
                expected,
                actual,
            } => write!(f, "BAC: {field} must be {expected} bytes, got {actual}"),
            BacError::WrongParameters { command } => {
                write!(f, "BAC: {command} needs P1-P2 = 00 00")
            }
            BacError::ChipRefused { sw } => write!(f, "BAC: the chip answered {sw:04X}"),
        }
    }
}
