//! What a step sends: a command APDU in hex, a named command that stands for
//! one (`select_aid HOUSEHOLD`), or a session action (`reset`, `pace CAN`).

use thiserror::Error;

/// The zones' application identifiers (docs/spec/zones.md, chip.md "Zones").
pub const AIDS: [(&str, &[u8]); 5] = [
    ("ICAO", &[0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01]),
    ("HOUSEHOLD", &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x01]),
    ("PUBLIC", &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x02]),
    ("ENCRYPTED", &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x03]),
    ("CERTIFICATE", &[0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35]),
];

const CLA: u8 = 0x00;
/// SELECT (ISO 7816-4 §11.2.2): P1 `00` by FID, `04` by DF name; P2 `0C` no response data.
const INS_SELECT: u8 = 0xA4;
const SELECT_BY_FID: u8 = 0x00;
const SELECT_BY_DF_NAME: u8 = 0x04;
const SELECT_NO_DATA: u8 = 0x0C;
const FID_MF: [u8; 2] = [0x3F, 0x00];
/// READ BINARY with P1 = `100sssss` (SFI) and Le `00` (ISO 7816-4 §11.3.3).
const INS_READ_BINARY: u8 = 0xB0;
const P1_SFI: u8 = 0x80;
const SFI_MAX: u8 = 30;
const LE_256: u8 = 0x00;

/// The PACE password a `pace` step (or an `auth` precondition) uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacePassword {
    /// The card holder's CAN, or the one given.
    Can(Option<String>),
    /// The card holder's MRZ, or `DOCNO,DOB,EXPIRY` as given.
    Mrz(Option<String>),
}

impl PacePassword {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Can(_) => "CAN",
            Self::Mrz(_) => "MRZ",
        }
    }
}

/// One thing a step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send these command APDU bytes.
    Apdu(Vec<u8>),
    /// Warm reset (`Transport::reset`): the card drops its volatile state.
    Reset,
    /// Run PACE (terminal side of `neid-terminal`); the step's status word is
    /// the one the card answered to the step that ended the run (`9000` on
    /// success, which opens the secure channel for later steps).
    Pace(PacePassword),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    #[error("send \"{text}\": {rule}")]
    Invalid { text: String, rule: String },
}

fn invalid(text: &str, rule: impl Into<String>) -> CommandError {
    CommandError::Invalid { text: text.to_owned(), rule: rule.into() }
}

/// Parses the `send` text of a step.
pub fn parse(text: &str) -> Result<Action, CommandError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["reset"] => Ok(Action::Reset),
        ["select_mf"] => {
            let mut apdu = vec![CLA, INS_SELECT, SELECT_BY_FID, SELECT_NO_DATA, FID_MF.len() as u8];
            apdu.extend(FID_MF);
            Ok(Action::Apdu(apdu))
        }
        ["select_aid", name] => {
            let aid = AIDS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, aid)| *aid)
                .ok_or_else(|| invalid(text, "unknown zone; one of ICAO, HOUSEHOLD, PUBLIC, ENCRYPTED, CERTIFICATE"))?;
            let mut apdu = vec![CLA, INS_SELECT, SELECT_BY_DF_NAME, SELECT_NO_DATA, aid.len() as u8];
            apdu.extend(aid);
            Ok(Action::Apdu(apdu))
        }
        ["read_sfi", sfi] => {
            let sfi = u8::from_str_radix(sfi, 16)
                .ok()
                .filter(|s| (1..=SFI_MAX).contains(s))
                .ok_or_else(|| invalid(text, "the SFI is hex 01..1E (ISO 7816-4 §7.2.2)"))?;
            Ok(Action::Apdu(vec![CLA, INS_READ_BINARY, P1_SFI | sfi, 0x00, LE_256]))
        }
        ["pace", kind, rest @ ..] => {
            let value = match rest {
                [] => None,
                [v] => Some((*v).to_owned()),
                _ => return Err(invalid(text, "pace takes a password kind and at most one value")),
            };
            match kind.to_ascii_uppercase().as_str() {
                "CAN" => Ok(Action::Pace(PacePassword::Can(value))),
                "MRZ" => Ok(Action::Pace(PacePassword::Mrz(value))),
                _ => Err(invalid(text, "pace CAN [digits] or pace MRZ [DOCNO,DOB,EXPIRY]")),
            }
        }
        _ => {
            let compact: String = text.split_whitespace().collect();
            let bytes = hex::decode(&compact).map_err(|_| {
                invalid(text, "neither a named command (reset, select_mf, select_aid ZONE, read_sfi XX, pace CAN|MRZ) nor whole bytes of hex")
            })?;
            if bytes.is_empty() {
                return Err(invalid(text, "empty APDU"));
            }
            Ok(Action::Apdu(bytes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_commands_expand_to_the_spec_bytes() {
        // household.md §Worked example: 00 A4 04 0C 06 D15800000101.
        assert_eq!(parse("select_aid HOUSEHOLD").unwrap(), Action::Apdu(hex::decode("00A4040C06D15800000101").unwrap()));
        assert_eq!(parse("select_mf").unwrap(), Action::Apdu(hex::decode("00A4000C023F00").unwrap()));
        assert_eq!(parse("read_sfi 1E").unwrap(), Action::Apdu(hex::decode("00B09E0000").unwrap()));
        assert_eq!(parse("00 b0 81 00 00").unwrap(), Action::Apdu(hex::decode("00B0810000").unwrap()));
        assert_eq!(parse("pace CAN 000000").unwrap(), Action::Pace(PacePassword::Can(Some("000000".into()))));
        assert_eq!(parse("reset").unwrap(), Action::Reset);
    }

    #[test]
    fn bad_commands_name_the_text() {
        for bad in ["select_aid NOPE", "read_sfi 1F", "read_sfi 00", "00 B", "", "pace PIN", "zz"] {
            let e = parse(bad).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
