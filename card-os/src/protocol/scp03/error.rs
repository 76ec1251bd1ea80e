//! Why an SCP03 step failed, and the status word the card answers for it
//! (docs/spec/scp03.md §Commands).

use core::fmt;

/// INITIALIZE UPDATE Lc or EXTERNAL AUTHENTICATE Lc wrong (ISO 7816-4 §5.6).
const SW_WRONG_LENGTH: u16 = 0x6700;
/// EXTERNAL AUTHENTICATE P2 or security level not supported (GP Amd D §7.1.2).
const SW_INCORRECT_P1_P2: u16 = 0x6A86;
/// Host cryptogram wrong (GP Amd D §7.1.2: "authentication of host cryptogram failed").
const SW_AUTHENTICATION_FAILED: u16 = 0x6300;
/// C-MAC wrong or missing: "security status not satisfied" (GP Amd D §6.2.4).
const SW_SECURITY_STATUS: u16 = 0x6982;
/// No precise diagnosis (a state the protocol cannot reach from the card's side).
const SW_NO_PRECISE_DIAGNOSIS: u16 = 0x6F00;

/// An SCP03 step failed. On the card the session (or the pending
/// authentication) is over; on the host the session must be opened again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scp03Error {
    /// A field has the wrong length.
    WrongLength { field: &'static str, expected: usize, actual: usize },
    /// A parameter byte other than the one the command allows.
    WrongParameter { field: &'static str, value: u8 },
    /// EXTERNAL AUTHENTICATE asked for a security level other than 01, 03, 11, 13.
    UnsupportedSecurityLevel(u8),
    /// The card's INITIALIZE UPDATE answer names another protocol than SCP '03'.
    UnsupportedProtocol(u8),
    /// The card's i parameter does not offer R-MAC but the level needs it.
    RMacNotSupported { i: u8 },
    /// The card answers with another key version than the host's keys.
    KeyVersionMismatch { card: u8, host: u8 },
    /// The card cryptogram does not verify: the host's keys are not the card's.
    CardCryptogramMismatch,
    /// The host cryptogram does not verify (card side: 6300).
    HostCryptogramMismatch,
    /// The C-MAC is missing or wrong (card side: 6982).
    CMacMismatch,
    /// The decrypted command data do not end in `80 00..` padding, or are
    /// not whole AES blocks (card side: 6982).
    BadCommandData,
    /// The R-MAC of a response is missing or wrong (host side).
    RMacMismatch,
    /// The APDU to wrap is not a valid command APDU (ISO 7816-4 §5.1).
    MalformedCommand,
    /// Only the basic channel, without ISO secure messaging, can be wrapped:
    /// CLA `00`, `10`, `80` or `90`.
    UnsupportedClass(u8),
    /// The wrapped data field would exceed 65 535 bytes.
    DataTooLong(usize),
    /// A response APDU needs at least SW1 SW2.
    ResponseTooShort,
    /// The encryption counter ran out (2^128 commands).
    CounterExhausted,
    /// The card number is not 1 to 10 digits (docs/spec/scp03.md §Keys).
    InvalidCardNumber,
    /// The card answered this status word to the named command.
    CardRefused { command: &'static str, sw: u16 },
}

impl Scp03Error {
    /// The status word the card answers to the command that caused this error.
    pub fn status_word(&self) -> u16 {
        match self {
            Scp03Error::WrongLength { .. } => SW_WRONG_LENGTH,
            Scp03Error::WrongParameter { .. } | Scp03Error::UnsupportedSecurityLevel(_) => SW_INCORRECT_P1_P2,
            Scp03Error::HostCryptogramMismatch | Scp03Error::CardCryptogramMismatch => SW_AUTHENTICATION_FAILED,
            Scp03Error::CMacMismatch | Scp03Error::BadCommandData | Scp03Error::RMacMismatch => SW_SECURITY_STATUS,
            Scp03Error::CardRefused { sw, .. } => *sw,
            _ => SW_NO_PRECISE_DIAGNOSIS,
        }
    }
}

impl fmt::Display for Scp03Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scp03Error::WrongLength { field, expected, actual } => {
                write!(f, "SCP03: {field} must be {expected} bytes, got {actual}")
            }
            Scp03Error::WrongParameter { field, value } => write!(f, "SCP03: {field} {value:02X} is not allowed"),
            Scp03Error::UnsupportedSecurityLevel(level) => write!(
                f,
                "SCP03: security level {level:02X} is not supported (01, 03, 11 or 13; GP Amd D table 7-3)"
            ),
            Scp03Error::UnsupportedProtocol(id) => {
                write!(f, "SCP03: the card answers secure channel protocol {id:02X}, not 03")
            }
            Scp03Error::RMacNotSupported { i } => {
                write!(f, "SCP03: the card's i parameter {i:02X} does not offer R-MAC")
            }
            Scp03Error::KeyVersionMismatch { card, host } => {
                write!(f, "SCP03: the card uses key version {card:02X}, the issuer keys are version {host:02X}")
            }
            Scp03Error::CardCryptogramMismatch => {
                f.write_str("SCP03: the card cryptogram does not verify: the issuer keys do not match this card")
            }
            Scp03Error::HostCryptogramMismatch => f.write_str("SCP03: the host cryptogram does not verify"),
            Scp03Error::CMacMismatch => f.write_str("SCP03: the C-MAC of the command is missing or wrong"),
            Scp03Error::BadCommandData => {
                f.write_str("SCP03: the decrypted command data are not padded with 80 00.. (C-DECRYPTION)")
            }
            Scp03Error::RMacMismatch => f.write_str("SCP03: the R-MAC of the response is missing or wrong"),
            Scp03Error::MalformedCommand => f.write_str("SCP03: not a valid command APDU (ISO 7816-4 §5.1)"),
            Scp03Error::UnsupportedClass(cla) => write!(
                f,
                "SCP03: CLA {cla:02X} cannot be wrapped (basic channel without ISO secure messaging: 00, 10, 80 or 90)"
            ),
            Scp03Error::DataTooLong(n) => {
                write!(f, "SCP03: the wrapped data field would be {n} bytes; at most 65535")
            }
            Scp03Error::ResponseTooShort => f.write_str("SCP03: a response APDU needs at least SW1 SW2"),
            Scp03Error::CounterExhausted => f.write_str("SCP03: the encryption counter is exhausted"),
            Scp03Error::InvalidCardNumber => f.write_str("SCP03: the card number must be 1 to 10 digits"),
            Scp03Error::CardRefused { command, sw } => write!(f, "SCP03: the card answered {sw:04X} to {command}"),
        }
    }
}

impl core::error::Error for Scp03Error {}
