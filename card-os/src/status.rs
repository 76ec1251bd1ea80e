//! Status words (ISO 7816-4 §5.6, table 5 and table 6).
//!
//! One variant per status word this card returns. `docs/spec/status-words.md`
//! lists when each one is answered.

use core::fmt;

/// A status word SW1-SW2 returned by the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// 9000: normal processing.
    Success,
    /// 6282: end of file reached before reading Ne bytes (ISO 7816-4 §11.3.3).
    EndOfFileReached,
    /// 6285: selected file in termination state (ISO 7816-4 table 5).
    SelectedFileTerminated,
    /// 6300: authentication failed, no further information (ICAO 9303-11
    /// §4.4.4.2: a PACE authentication token did not verify).
    AuthenticationFailed,
    /// 63Cx: verification failed, x = remaining tries (0..=15).
    CounterRemaining(u8),
    /// 6581: memory failure.
    MemoryFailure,
    /// 6700: wrong length (Lc/Le inconsistent with the command).
    WrongLength,
    /// 6881: logical channel not supported (only the basic channel 0 exists).
    LogicalChannelNotSupported,
    /// 6882: secure messaging not supported.
    SecureMessagingNotSupported,
    /// 6883: last command of the chain expected.
    LastCommandOfChainExpected,
    /// 6884: command chaining not supported.
    CommandChainingNotSupported,
    /// 6982: security status not satisfied.
    SecurityStatusNotSatisfied,
    /// 6983: authentication method blocked.
    AuthenticationMethodBlocked,
    /// 6984: reference data not usable.
    ReferenceDataNotUsable,
    /// 6985: conditions of use not satisfied.
    ConditionsOfUseNotSatisfied,
    /// 6986: command not allowed (no current EF).
    NoCurrentEf,
    /// 6987: expected secure messaging data objects missing.
    SmDataObjectsMissing,
    /// 6988: incorrect secure messaging data objects.
    SmDataObjectsIncorrect,
    /// 6A80: incorrect parameters in the command data field.
    IncorrectDataField,
    /// 6A81: function not supported.
    FunctionNotSupported,
    /// 6A82: file or application not found.
    FileNotFound,
    /// 6A84: not enough memory space in the file.
    NotEnoughMemoryInFile,
    /// 6A86: incorrect parameters P1-P2.
    IncorrectP1P2,
    /// 6A88: referenced data or reference data not found.
    ReferencedDataNotFound,
    /// 6B00: wrong parameters P1-P2 (offset outside the EF).
    WrongP1P2OffsetOutsideEf,
    /// 6Cxx: wrong Le field; SW2 = the exact number of available data bytes.
    WrongLe(u8),
    /// 6D00: instruction code not supported or invalid.
    InsNotSupported,
    /// 6E00: class not supported.
    ClaNotSupported,
    /// 6F00: no precise diagnosis.
    NoPreciseDiagnosis,
}

/// The 63Cx family: SW1 and the high nibble of SW2.
const SW_COUNTER_BASE: u16 = 0x63C0;
const SW_COUNTER_MASK: u16 = 0xFFF0;
/// The 6Cxx family.
const SW_WRONG_LE_BASE: u16 = 0x6C00;
const SW1_MASK: u16 = 0xFF00;

/// Status word values without payload, in one table so that `to_u16` and
/// `from_u16` cannot disagree.
const FIXED: &[(StatusWord, u16)] = &[
    (StatusWord::Success, 0x9000),
    (StatusWord::EndOfFileReached, 0x6282),
    (StatusWord::SelectedFileTerminated, 0x6285),
    (StatusWord::AuthenticationFailed, 0x6300),
    (StatusWord::MemoryFailure, 0x6581),
    (StatusWord::WrongLength, 0x6700),
    (StatusWord::LogicalChannelNotSupported, 0x6881),
    (StatusWord::SecureMessagingNotSupported, 0x6882),
    (StatusWord::LastCommandOfChainExpected, 0x6883),
    (StatusWord::CommandChainingNotSupported, 0x6884),
    (StatusWord::SecurityStatusNotSatisfied, 0x6982),
    (StatusWord::AuthenticationMethodBlocked, 0x6983),
    (StatusWord::ReferenceDataNotUsable, 0x6984),
    (StatusWord::ConditionsOfUseNotSatisfied, 0x6985),
    (StatusWord::NoCurrentEf, 0x6986),
    (StatusWord::SmDataObjectsMissing, 0x6987),
    (StatusWord::SmDataObjectsIncorrect, 0x6988),
    (StatusWord::IncorrectDataField, 0x6A80),
    (StatusWord::FunctionNotSupported, 0x6A81),
    (StatusWord::FileNotFound, 0x6A82),
    (StatusWord::NotEnoughMemoryInFile, 0x6A84),
    (StatusWord::IncorrectP1P2, 0x6A86),
    (StatusWord::ReferencedDataNotFound, 0x6A88),
    (StatusWord::WrongP1P2OffsetOutsideEf, 0x6B00),
    (StatusWord::InsNotSupported, 0x6D00),
    (StatusWord::ClaNotSupported, 0x6E00),
    (StatusWord::NoPreciseDiagnosis, 0x6F00),
];

impl StatusWord {
    /// SW1-SW2 as one number, e.g. `0x9000`.
    pub fn to_u16(self) -> u16 {
        match self {
            // Counter values above 15 cannot be encoded; the card never keeps more.
            StatusWord::CounterRemaining(n) => SW_COUNTER_BASE | u16::from(n.min(0x0F)),
            StatusWord::WrongLe(n) => SW_WRONG_LE_BASE | u16::from(n),
            fixed => FIXED
                .iter()
                .find(|(sw, _)| *sw == fixed)
                .map_or(0x6F00, |(_, value)| *value),
        }
    }

    /// The variant for SW1-SW2, or `None` for a status word this card never uses.
    pub fn from_u16(value: u16) -> Option<StatusWord> {
        if value & SW_COUNTER_MASK == SW_COUNTER_BASE {
            // The mask leaves at most 4 bits.
            return Some(StatusWord::CounterRemaining((value & 0x0F) as u8));
        }
        if value & SW1_MASK == SW_WRONG_LE_BASE {
            return Some(StatusWord::WrongLe((value & 0xFF) as u8));
        }
        FIXED.iter().find(|(_, v)| *v == value).map(|(sw, _)| *sw)
    }

    /// The two bytes SW1 SW2 as sent on the wire.
    pub fn to_bytes(self) -> [u8; 2] {
        self.to_u16().to_be_bytes()
    }

    /// Normal processing (9000) or a warning (SW1 62 or 63, ISO 7816-4 table 6):
    /// the command was executed and its changes are committed.
    pub fn is_executed(self) -> bool {
        let sw1 = self.to_bytes()[0];
        self == StatusWord::Success || sw1 == 0x62 || sw1 == 0x63
    }

    /// A sentence for people.
    pub fn meaning(self) -> &'static str {
        match self {
            StatusWord::Success => "normal processing",
            StatusWord::EndOfFileReached => "end of file reached before reading Ne bytes",
            StatusWord::SelectedFileTerminated => "selected file in termination state",
            StatusWord::AuthenticationFailed => "authentication failed (wrong password or altered exchange)",
            StatusWord::CounterRemaining(_) => "verification failed; SW2 low nibble = tries left",
            StatusWord::MemoryFailure => "memory failure",
            StatusWord::WrongLength => "wrong length: Lc or Le does not fit the command",
            StatusWord::LogicalChannelNotSupported => "logical channel not supported",
            StatusWord::SecureMessagingNotSupported => "secure messaging not supported",
            StatusWord::LastCommandOfChainExpected => "last command of the chain expected",
            StatusWord::CommandChainingNotSupported => "command chaining not supported",
            StatusWord::SecurityStatusNotSatisfied => "security status not satisfied",
            StatusWord::AuthenticationMethodBlocked => "authentication method blocked",
            StatusWord::ReferenceDataNotUsable => "reference data not usable",
            StatusWord::ConditionsOfUseNotSatisfied => "conditions of use not satisfied",
            StatusWord::NoCurrentEf => "command not allowed: no current EF",
            StatusWord::SmDataObjectsMissing => "expected secure messaging data objects missing",
            StatusWord::SmDataObjectsIncorrect => "incorrect secure messaging data objects",
            StatusWord::IncorrectDataField => "incorrect parameters in the command data field",
            StatusWord::FunctionNotSupported => "function not supported",
            StatusWord::FileNotFound => "file or application not found",
            StatusWord::NotEnoughMemoryInFile => "not enough memory space in the file",
            StatusWord::IncorrectP1P2 => "incorrect parameters P1-P2",
            StatusWord::ReferencedDataNotFound => "referenced data not found",
            StatusWord::WrongP1P2OffsetOutsideEf => "wrong parameters P1-P2: offset outside the EF",
            StatusWord::WrongLe(_) => "wrong Le field; SW2 = number of available bytes",
            StatusWord::InsNotSupported => "instruction code not supported or invalid",
            StatusWord::ClaNotSupported => "class not supported",
            StatusWord::NoPreciseDiagnosis => "no precise diagnosis",
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.to_u16(), self.meaning())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_word_round_trips() {
        for (sw, value) in FIXED {
            assert_eq!(sw.to_u16(), *value);
            assert_eq!(StatusWord::from_u16(*value), Some(*sw));
        }
    }

    #[test]
    fn families_round_trip() {
        assert_eq!(StatusWord::CounterRemaining(2).to_u16(), 0x63C2);
        assert_eq!(StatusWord::from_u16(0x63C0), Some(StatusWord::CounterRemaining(0)));
        assert_eq!(StatusWord::WrongLe(0x1F).to_bytes(), [0x6C, 0x1F]);
        assert_eq!(StatusWord::from_u16(0x1234), None);
    }

    #[test]
    fn executed_means_success_or_warning() {
        assert!(StatusWord::Success.is_executed());
        assert!(StatusWord::EndOfFileReached.is_executed());
        assert!(StatusWord::CounterRemaining(1).is_executed());
        assert!(StatusWord::AuthenticationFailed.is_executed());
        assert_eq!(StatusWord::from_u16(0x6300), Some(StatusWord::AuthenticationFailed));
        assert!(!StatusWord::SecurityStatusNotSatisfied.is_executed());
    }
}
