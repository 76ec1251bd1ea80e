//! PIN objects: which secrets carry a retry counter, their policies, and the
//! NVM record of each (docs/spec/pins.md §NVM objects).
//!
//! | PIN | reference | value object | record object | chip limits (chip.md) |
//! |---|---|---|---|---|
//! | PIN1 | `03` (PACE, TR-03110-3 D.2.1.1) | `pace.password.pin` | `pin.pin1.record` | 6 digits, 3 tries, suspended after 2 failures |
//! | user code (PUK) | `04` (PACE) | `pace.password.puk` | `pin.puk.record` | 6-10 `A-Z a-z 0-9`, 10 tries |
//! | PIN2 | `81` (ISO 7816-4 §11.5.6: b8 = 1, specific reference data) | `pin.pin2.value` | `pin.pin2.record` | 8-12 digits, 3 tries |
//!
//! The record is seven bytes, written at personalization and by the PIN
//! commands:
//!
//! ```text
//! 01          format version
//! ss          state: 00 not set (delivery state), 01 set
//! ll          tries left
//! tt          tries at the start (retry counter maximum, 1..=15)
//! uu          suspended after uu failures (00: never; PIN1 only)
//! mn mx       minimum and maximum length of a value
//! ```

use alloc::vec;
use alloc::vec::Vec;
use core::ops::RangeInclusive;

use crate::security::PacePassword;

/// NVM objects of PIN1 and the user code: PACE passwords too (pace.md).
pub const OBJECT_PIN: &str = "pace.password.pin";
pub const OBJECT_PUK: &str = "pace.password.puk";

/// Retry counters are reported in the low nibble of 63Cx (ISO 7816-4 §5.6,
/// table 6), so none starts above 15.
pub const MAX_TRIES: u8 = 15;
/// Longest value of any PIN (PIN2, chip.md): buffers for the constant-time
/// comparison are this long.
pub const MAX_VALUE_LEN: usize = 12;

const RECORD_FORMAT: u8 = 0x01;
const STATE_NOT_SET: u8 = 0x00;
const STATE_SET: u8 = 0x01;

/// A secret with a retry counter (chip.md "Passwords and counters").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinId {
    /// PACE password 3: exactly 6 digits; opens the encrypted zone.
    Pin1,
    /// PACE password 4, the user code: sets and unblocks PIN1 and PIN2.
    UserCode,
    /// VERIFY before private-key operations of the certificate zone.
    Pin2,
}

/// The characters a PIN's value may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alphabet {
    Digits,
    /// `A-Z a-z 0-9` (the user code).
    Alphanumeric,
}

impl PinId {
    pub const ALL: [PinId; 3] = [PinId::Pin1, PinId::UserCode, PinId::Pin2];

    /// The reference in P2 of VERIFY / CHANGE REFERENCE DATA / RESET RETRY
    /// COUNTER (docs/spec/pins.md).
    pub fn reference(self) -> u8 {
        match self {
            PinId::Pin1 => 0x03,
            PinId::UserCode => 0x04,
            PinId::Pin2 => 0x81,
        }
    }

    pub fn from_reference(reference: u8) -> Option<PinId> {
        PinId::ALL.into_iter().find(|id| id.reference() == reference)
    }

    /// The PIN behind a PACE password; MRZ and CAN have no counter.
    pub fn for_pace(password: PacePassword) -> Option<PinId> {
        match password {
            PacePassword::Pin => Some(PinId::Pin1),
            PacePassword::Puk => Some(PinId::UserCode),
            PacePassword::Mrz | PacePassword::Can => None,
        }
    }

    /// NVM object with the value (UTF-8 text; PIN1 and the user code are the
    /// PACE password objects themselves).
    pub fn value_key(self) -> &'static str {
        match self {
            PinId::Pin1 => OBJECT_PIN,
            PinId::UserCode => OBJECT_PUK,
            PinId::Pin2 => "pin.pin2.value",
        }
    }

    /// NVM object with the record (state, counter, policy).
    pub fn record_key(self) -> &'static str {
        match self {
            PinId::Pin1 => "pin.pin1.record",
            PinId::UserCode => "pin.puk.record",
            PinId::Pin2 => "pin.pin2.record",
        }
    }

    pub fn alphabet(self) -> Alphabet {
        match self {
            PinId::Pin1 | PinId::Pin2 => Alphabet::Digits,
            PinId::UserCode => Alphabet::Alphanumeric,
        }
    }

    /// Lengths the chip allows (chip.md); a profile may narrow them.
    pub fn chip_lengths(self) -> RangeInclusive<u8> {
        match self {
            PinId::Pin1 => 6..=6,
            PinId::UserCode => 6..=10,
            PinId::Pin2 => 8..=12,
        }
    }

    /// The chip baseline's policy (chip.md "Passwords and counters").
    pub fn chip_policy(self) -> PinPolicy {
        let lengths = self.chip_lengths();
        let (tries, suspend_after) = match self {
            PinId::Pin1 => (3, 2),
            PinId::UserCode => (10, 0),
            PinId::Pin2 => (3, 0),
        };
        PinPolicy { min_length: *lengths.start(), max_length: *lengths.end(), tries, suspend_after }
    }

    /// Whether `value` has the form of this PIN under `policy`: its length
    /// and alphabet. Says nothing about whether it is the right value.
    pub fn accepts(self, policy: &PinPolicy, value: &[u8]) -> bool {
        let length_ok = u8::try_from(value.len()).is_ok_and(|len| (policy.min_length..=policy.max_length).contains(&len));
        let alphabet_ok = match self.alphabet() {
            Alphabet::Digits => value.iter().all(u8::is_ascii_digit),
            Alphabet::Alphanumeric => value.iter().all(u8::is_ascii_alphanumeric),
        };
        length_ok && alphabet_ok
    }
}

/// Lengths and retry counter of one PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinPolicy {
    pub min_length: u8,
    pub max_length: u8,
    /// Retry counter start value, 1..=15.
    pub tries: u8,
    /// Failed tries after which the PIN is suspended (TR-03110-2 §3.5.1: the
    /// next try needs a PACE with CAN first); 0 = never suspended.
    pub suspend_after: u8,
}

impl PinPolicy {
    /// Why this policy is not allowed for `id`, if it is not: the rule
    /// broken, starting with the field's name.
    pub fn violation(&self, id: PinId) -> Option<&'static str> {
        let chip = id.chip_lengths();
        if !chip.contains(&self.min_length) || !chip.contains(&self.max_length) || self.min_length > self.max_length {
            return Some("min_length, max_length: min_length ≤ max_length, both within the chip's lengths (chip.md)");
        }
        if !(1..=MAX_TRIES).contains(&self.tries) {
            return Some("tries: 1 to 15 (the counter is reported in 63Cx, ISO 7816-4 §5.6)");
        }
        let suspension_ok = match id {
            PinId::Pin1 => self.suspend_after < self.tries,
            PinId::UserCode | PinId::Pin2 => self.suspend_after == 0,
        };
        if !suspension_ok {
            return Some("suspend_after: PIN1 fewer than tries (0 = never); PIN2 and user code 0");
        }
        None
    }
}

/// What a PIN allows right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinState {
    /// Delivery state: no value yet; set it with the user code.
    NotSet,
    /// Usable; `tries_left` ≥ 1.
    Usable { tries_left: u8 },
    /// PIN1 after `suspend_after` failures: usable once after a PACE with CAN
    /// in the same card session (TR-03110-2 §3.5.1).
    Suspended { tries_left: u8 },
    /// Counter at 0.
    Blocked,
}

/// The persistent state of one PIN (format in the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinRecord {
    pub set: bool,
    pub tries_left: u8,
    pub policy: PinPolicy,
}

impl PinRecord {
    /// A record at personalization: counter at its maximum.
    pub fn new(policy: PinPolicy, set: bool) -> PinRecord {
        PinRecord { set, tries_left: policy.tries, policy }
    }

    pub fn encode(&self) -> Vec<u8> {
        let p = &self.policy;
        let state = if self.set { STATE_SET } else { STATE_NOT_SET };
        vec![RECORD_FORMAT, state, self.tries_left, p.tries, p.suspend_after, p.min_length, p.max_length]
    }

    /// The record, or `None` when the bytes are not a consistent record (a
    /// damaged image: the card answers 6984).
    pub fn decode(bytes: &[u8]) -> Option<PinRecord> {
        let [format, state, tries_left, tries, suspend_after, min_length, max_length] = *bytes else {
            return None;
        };
        let set = match state {
            STATE_SET => true,
            STATE_NOT_SET => false,
            _ => return None,
        };
        let policy = PinPolicy { min_length, max_length, tries, suspend_after };
        let consistent = format == RECORD_FORMAT
            && (1..=MAX_TRIES).contains(&tries)
            && tries_left <= tries
            && suspend_after < tries
            && min_length <= max_length
            && usize::from(max_length) <= MAX_VALUE_LEN;
        consistent.then_some(PinRecord { set, tries_left, policy })
    }

    pub fn state(&self) -> PinState {
        let tries_left = self.tries_left;
        let failures = self.policy.tries.saturating_sub(tries_left);
        if !self.set {
            PinState::NotSet
        } else if tries_left == 0 {
            PinState::Blocked
        } else if self.policy.suspend_after != 0 && failures >= self.policy.suspend_after {
            PinState::Suspended { tries_left }
        } else {
            PinState::Usable { tries_left }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips_and_rejects_damage() {
        let record = PinRecord::new(PinId::Pin1.chip_policy(), true);
        assert_eq!(record.encode(), vec![0x01, 0x01, 3, 3, 2, 6, 6]);
        assert_eq!(PinRecord::decode(&record.encode()), Some(record));
        for damaged in [&[0x02, 1, 3, 3, 2, 6, 6][..], &[1, 2, 3, 3, 2, 6, 6], &[1, 1, 4, 3, 2, 6, 6], &[1, 1, 3, 3, 2, 6], &[1, 1, 0, 0, 0, 6, 6], &[1, 1, 3, 3, 2, 7, 6], &[1, 1, 3, 3, 2, 6, 13]] {
            assert_eq!(PinRecord::decode(damaged), None, "{damaged:02X?}");
        }
    }

    #[test]
    fn pin1_states_follow_the_counter() {
        let mut record = PinRecord::new(PinId::Pin1.chip_policy(), true);
        assert_eq!(record.state(), PinState::Usable { tries_left: 3 });
        record.tries_left = 2;
        assert_eq!(record.state(), PinState::Usable { tries_left: 2 });
        record.tries_left = 1;
        assert_eq!(record.state(), PinState::Suspended { tries_left: 1 });
        record.tries_left = 0;
        assert_eq!(record.state(), PinState::Blocked);
        record.set = false;
        assert_eq!(record.state(), PinState::NotSet);
    }

    #[test]
    fn pin2_and_user_code_are_never_suspended() {
        let mut record = PinRecord::new(PinId::Pin2.chip_policy(), true);
        record.tries_left = 1;
        assert_eq!(record.state(), PinState::Usable { tries_left: 1 });
        let mut puk = PinRecord::new(PinId::UserCode.chip_policy(), true);
        puk.tries_left = 1;
        assert_eq!(puk.state(), PinState::Usable { tries_left: 1 });
    }

    #[test]
    fn formats_and_policies() {
        let pin1 = PinId::Pin1.chip_policy();
        assert!(PinId::Pin1.accepts(&pin1, b"246810"));
        assert!(!PinId::Pin1.accepts(&pin1, b"24681"));
        assert!(!PinId::Pin1.accepts(&pin1, b"24681a"));
        let puk = PinId::UserCode.chip_policy();
        assert!(PinId::UserCode.accepts(&puk, b"TWeid2026"));
        assert!(!PinId::UserCode.accepts(&puk, b"TWeid-2026"));
        assert!(!PinId::UserCode.accepts(&puk, b"TWeid20261"[..].repeat(2).as_slice()));
        for id in PinId::ALL {
            assert_eq!(id.chip_policy().violation(id), None);
            assert_eq!(PinId::from_reference(id.reference()), Some(id));
        }
        let wide = PinPolicy { max_length: 13, ..PinId::Pin2.chip_policy() };
        assert_eq!(wide.violation(PinId::Pin2).map(|v| v.split(':').next()), Some(Some("min_length, max_length")));
        let suspended_pin2 = PinPolicy { suspend_after: 1, ..PinId::Pin2.chip_policy() };
        assert_eq!(suspended_pin2.violation(PinId::Pin2).map(|v| v.split(':').next()), Some(Some("suspend_after")));
        let no_tries = PinPolicy { tries: 0, suspend_after: 0, ..pin1 };
        assert_eq!(no_tries.violation(PinId::Pin1).map(|v| v.split(':').next()), Some(Some("tries")));
    }
}
