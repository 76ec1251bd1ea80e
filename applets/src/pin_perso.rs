//! PIN objects at personalization: the records (state, retry counter,
//! policy) of PIN1, the user code and PIN2, and PIN2's value
//! (`card_os::pin`, docs/spec/pins.md). PIN1's and the user code's values
//! are the PACE password objects of `pace_perso`.
//!
//! Two states (chip.md "Passwords and counters"):
//! * *activated*: PIN1 and PIN2 set to the given values (the reference
//!   holders of reference-citizens.toml, "Activated state used by tests");
//! * *delivery*: PIN1 and PIN2 exist but are not set; the holder sets them
//!   with the user code (RESET RETRY COUNTER after PACE with the user code).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use card_os::pin::{PinId, PinRecord};

use crate::error::PersoError;
use crate::pace_perso::PacePasswords;

pub use card_os::pin::PinPolicy;

/// The PIN part of the personalization input.
#[derive(Clone, PartialEq, Eq)]
pub struct PinSetup {
    /// Delivery state: PIN1 and PIN2 not set. `passwords.pin` and `pin2`
    /// must then be absent.
    pub delivery_state: bool,
    /// PIN2 in the activated state: 8 to 12 digits (chip.md). Absent (and
    /// not in the delivery state): the card has no PIN2.
    pub pin2: Option<String>,
    pub pin1_policy: PinPolicy,
    pub user_code_policy: PinPolicy,
    pub pin2_policy: PinPolicy,
}

impl Default for PinSetup {
    /// Activated state, no PIN2, the chip's policies.
    fn default() -> PinSetup {
        PinSetup {
            delivery_state: false,
            pin2: None,
            pin1_policy: PinId::Pin1.chip_policy(),
            user_code_policy: PinId::UserCode.chip_policy(),
            pin2_policy: PinId::Pin2.chip_policy(),
        }
    }
}

/// Secrets never reach logs.
impl fmt::Debug for PinSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinSetup")
            .field("delivery_state", &self.delivery_state)
            .field("pin2", &self.pin2.is_some())
            .field("pin1_policy", &self.pin1_policy)
            .field("user_code_policy", &self.user_code_policy)
            .field("pin2_policy", &self.pin2_policy)
            .finish()
    }
}

/// Field names in `PersoError` messages.
fn policy_field(id: PinId) -> &'static str {
    match id {
        PinId::Pin1 => "pins.pin1_policy",
        PinId::UserCode => "pins.user_code_policy",
        PinId::Pin2 => "pins.pin2_policy",
    }
}

fn value_field(id: PinId) -> &'static str {
    match id {
        PinId::Pin1 => "passwords.pin",
        PinId::UserCode => "passwords.puk",
        PinId::Pin2 => "pins.pin2",
    }
}

fn value_rule(id: PinId) -> &'static str {
    match id {
        PinId::Pin1 => "PIN1: digits, within pins.pin1_policy's lengths (chip.md: exactly 6)",
        PinId::UserCode => "user code: A-Z, a-z, 0-9, within pins.user_code_policy's lengths (chip.md: 6 to 10)",
        PinId::Pin2 => "PIN2: digits, within pins.pin2_policy's lengths (chip.md: 8 to 12)",
    }
}

impl PinSetup {
    fn policy(&self, id: PinId) -> &PinPolicy {
        match id {
            PinId::Pin1 => &self.pin1_policy,
            PinId::UserCode => &self.user_code_policy,
            PinId::Pin2 => &self.pin2_policy,
        }
    }

    /// The NVM objects: a record for every PIN the card has, and PIN2's value.
    pub fn objects(&self, passwords: &PacePasswords) -> Result<BTreeMap<String, Vec<u8>>, PersoError> {
        let mut objects = BTreeMap::new();
        let values = [
            (PinId::Pin1, passwords.pin.as_deref()),
            (PinId::UserCode, passwords.puk.as_deref()),
            (PinId::Pin2, self.pin2.as_deref()),
        ];
        for (id, value) in values {
            let policy = *self.policy(id);
            if let Some(rule) = policy.violation(id) {
                return Err(PersoError::Password { field: policy_field(id), rule });
            }
            // The user code is on the pickup letter: it is always set.
            let delivered_unset = self.delivery_state && id != PinId::UserCode;
            let record = match (value, delivered_unset) {
                (Some(_), true) => {
                    return Err(PersoError::Password {
                        field: value_field(id),
                        rule: "must be absent in the delivery state (the holder sets it with the user code)",
                    });
                }
                (None, true) => PinRecord::new(policy, false),
                (None, false) => continue,
                (Some(value), false) => {
                    if !id.accepts(&policy, value.as_bytes()) {
                        return Err(PersoError::Password { field: value_field(id), rule: value_rule(id) });
                    }
                    if id == PinId::Pin2 {
                        objects.insert(String::from(id.value_key()), value.as_bytes().to_vec());
                    }
                    PinRecord::new(policy, true)
                }
            };
            objects.insert(String::from(id.record_key()), record.encode());
        }
        Ok(objects)
    }
}
