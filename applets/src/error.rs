//! Why personalization refused its input. Every message names the field and the rule.

use core::fmt;

use card_os::fs::tree::TreeError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PersoError {
    /// A required text field is empty.
    Empty { field: &'static str },
    /// A code field holds something other than ASCII digits and `-`, or starts with `-`.
    NotDigits { field: &'static str },
    /// The neighbourhood number is 0 (numbering starts at 1).
    NeighbourhoodZero,
    /// A CNS 11643 annotation points past the end of the name it annotates.
    CnsIndexOutOfRange { field: &'static str, index: u8, chars: usize },
    /// A CNS 11643 plane outside 1..=19 or a code byte outside 21..=7E.
    CnsCodeInvalid { field: &'static str, plane: u8, code: u16 },
    /// The scratch EF size is outside 1..=32767.
    ScratchSize { size: usize },
    /// A PACE password breaks its format rule (chip.md "Passwords and counters").
    Password { field: &'static str, rule: &'static str },
    /// Public zone field n (1..=9) is not the field object its EF must hold.
    PublicField { field: usize, rule: &'static str },
    /// The public zone's security object is empty.
    PublicSecurityObjectEmpty,
    /// Public zone contents were given but the public zone is disabled.
    PublicZoneDisabled,
    /// An ICAO zone input breaks its rule (docs/spec/icao.md).
    Icao { field: &'static str, rule: &'static str },
    /// ICAO zone contents were given but the ICAO zone is disabled.
    IcaoZoneDisabled,
    /// An encrypted-zone or EAC input breaks its rule (docs/spec/eac.md).
    Eac { field: &'static str, rule: &'static str },
    /// A certificate-zone input breaks its rule (docs/spec/certificate-zone.md).
    Certificate { field: &'static str, rule: &'static str },
    /// The built file system breaks an ISO 7816-4 rule (a bug in the card manager).
    FileSystem(TreeError),
}

impl fmt::Display for PersoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PersoError::Empty { field } => write!(f, "{field}: must not be empty"),
            PersoError::NotDigits { field } => {
                write!(f, "{field}: must be ASCII digits, with `-` only as the MOI village-code separator")
            }
            PersoError::NeighbourhoodZero => {
                write!(f, "household.neighbourhood: must be 1 or more")
            }
            PersoError::CnsIndexOutOfRange { field, index, chars } => write!(
                f,
                "{field}: CNS 11643 annotation index {index} is outside the name ({chars} characters)"
            ),
            PersoError::CnsCodeInvalid { field, plane, code } => write!(
                f,
                "{field}: CNS 11643 plane {plane} code {code:04X} is invalid (plane 1..=19, code bytes 21..=7E)"
            ),
            PersoError::ScratchSize { size } => {
                write!(f, "scratch_ef_size: {size} is outside 1..=32767 (READ BINARY B0 has a 15-bit offset)")
            }
            PersoError::Password { field, rule } => write!(f, "{field}: {rule}"),
            PersoError::PublicField { field, rule } => {
                write!(f, "public.fields: field {field} (EF {:04X}): {rule}", 0x0100 + field)
            }
            PersoError::PublicSecurityObjectEmpty => {
                write!(f, "public.security_object: must hold the signed EF.SOD bytes, not be empty")
            }
            PersoError::PublicZoneDisabled => {
                write!(f, "public: contents given, but zones.public is false (the card has no public zone)")
            }
            PersoError::Icao { field, rule } => write!(f, "{field}: {rule}"),
            PersoError::IcaoZoneDisabled => {
                write!(f, "icao: contents given, but zones.icao is false (the card has no ICAO zone)")
            }
            PersoError::Eac { field, rule } => write!(f, "{field}: {rule}"),
            PersoError::Certificate { field, rule } => write!(f, "{field}: {rule}"),
            PersoError::FileSystem(e) => write!(f, "card file system: {e}"),
        }
    }
}
