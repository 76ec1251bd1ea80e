//! The environment variables the module reads at C_Initialize
//! (docs/spec/pkcs11.md §Configuration).

use std::path::PathBuf;

/// Card access number for PACE before the certificate zone is read (cards
/// whose profile asks for secure messaging).
pub const ENV_CAN: &str = "NEID_CAN";
/// Only readers whose name contains this text become slots.
pub const ENV_READER: &str = "NEID_PKCS11_READER";
/// A file the module appends its debug log to.
pub const ENV_LOG: &str = "NEID_PKCS11_LOG";
/// A profile (TOML): one slot with that profile's card in an in-process
/// emulator, instead of PC/SC.
pub const ENV_EMULATOR: &str = "NEID_PKCS11_EMULATOR";
/// With NEID_PKCS11_EMULATOR: a state directory, so the emulated card keeps
/// its history (PIN counters, …) across runs (`neid emulate --state`).
pub const ENV_EMULATOR_STATE: &str = "NEID_PKCS11_EMULATOR_STATE";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub can: Option<String>,
    pub reader_filter: Option<String>,
    pub log_file: Option<PathBuf>,
    pub emulator_profile: Option<PathBuf>,
    pub emulator_state: Option<PathBuf>,
}

impl Config {
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        Self {
            can: get(ENV_CAN),
            reader_filter: get(ENV_READER),
            log_file: get(ENV_LOG).map(PathBuf::from),
            emulator_profile: get(ENV_EMULATOR).map(PathBuf::from),
            emulator_state: get(ENV_EMULATOR_STATE).map(PathBuf::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_variable_and_ignores_empty_ones() {
        let config = Config::from_lookup(|name| match name {
            ENV_CAN => Some("012345".into()),
            ENV_READER => Some(String::new()),
            ENV_EMULATOR => Some("profiles/reference/adult.toml".into()),
            _ => None,
        });
        assert_eq!(config.can.as_deref(), Some("012345"));
        assert_eq!(config.reader_filter, None);
        assert_eq!(config.emulator_profile, Some(PathBuf::from("profiles/reference/adult.toml")));
        assert_eq!(config.log_file, None);
    }
}
