//! What a step sends: a command APDU in hex, a named command that stands for
//! one (`select_aid HOUSEHOLD`), or a session action (`reset`, `pace CAN`).

use thiserror::Error;

use crate::scp03::Scp03Run;

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
    /// The card's PIN1 (pins.md; PACE password 3), or the one given.
    Pin1(Option<String>),
    /// The card's user code (PUK, PACE password 4), or the one given.
    Puk(Option<String>),
}

impl PacePassword {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Can(_) => "CAN",
            Self::Mrz(_) => "MRZ",
            Self::Pin1(_) => "PIN1",
            Self::Puk(_) => "PUK",
        }
    }

    /// `CAN`, `MRZ`, `PIN1`, `PUK` (any case) with an optional value.
    pub fn parse(kind: &str, value: Option<String>) -> Option<Self> {
        match kind.to_ascii_uppercase().as_str() {
            "CAN" => Some(Self::Can(value)),
            "MRZ" => Some(Self::Mrz(value)),
            "PIN1" | "PIN" => Some(Self::Pin1(value)),
            "PUK" => Some(Self::Puk(value)),
            _ => None,
        }
    }

    /// The value given in the suite, if any (else the card's).
    pub fn given(&self) -> Option<&str> {
        match self {
            Self::Can(v) | Self::Mrz(v) | Self::Pin1(v) | Self::Puk(v) => v.as_deref(),
        }
    }
}

/// An Extended Access Control run (TR-03110-2 §3, eac.md): PACE with
/// `password` and a CHAT, Terminal Authentication with the chain of the
/// terminal directory `terminal`, then Chip Authentication v2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EacRun {
    pub password: PacePassword,
    /// Terminal directory name (`auth-parents`, `registry`, `expired`),
    /// looked up in the card's test PKI (`cv/terminals/NAME`) and then in
    /// `apdu-tests/terminals/NAME`.
    pub terminal: String,
    /// The CHAT the holder approves at PACE, as its 5 discretionary-data
    /// bytes (TR-03110-3 C.4, role bits included); `None`: the chain's CHAT.
    pub chat: Option<[u8; CHAT_BYTES]>,
}

/// Discretionary data of a CHAT (TR-03110-3 C.4.2): 40 bits.
pub const CHAT_BYTES: usize = 5;

impl EacRun {
    /// `PIN1 TA auth-parents [CHAT 0000000600]` (the words after `eac`).
    fn parse_words(words: &[&str]) -> Result<Self, &'static str> {
        const SHAPE: &str = "eac PASSWORD[=value] TA TERMINAL [CHAT 10 hex digits], e.g. eac PIN1 TA auth-parents";
        let (password, rest) = words.split_first().ok_or(SHAPE)?;
        let (kind, value) = match password.split_once('=') {
            Some((k, v)) => (k, Some(v.to_owned())),
            None => (*password, None),
        };
        let password = PacePassword::parse(kind, value).ok_or(SHAPE)?;
        match rest {
            ["TA", terminal] => Ok(Self { password, terminal: (*terminal).to_owned(), chat: None }),
            ["TA", terminal, "CHAT", chat] => {
                let bytes = hex::decode(chat).ok().and_then(|b| <[u8; CHAT_BYTES]>::try_from(b).ok()).ok_or(SHAPE)?;
                Ok(Self { password, terminal: (*terminal).to_owned(), chat: Some(bytes) })
            }
            _ => Err(SHAPE),
        }
    }

    /// Parses the precondition form `PACE PIN1 [CHAT hex] + TA NAME + CA`.
    pub fn parse_precondition(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split('+').map(str::trim).collect();
        let [pace, ta, "CA"] = parts.as_slice() else { return None };
        let pace: Vec<&str> = pace.split_whitespace().collect();
        let ta: Vec<&str> = ta.split_whitespace().collect();
        let (password, chat) = match pace.as_slice() {
            ["PACE", password] => (*password, None),
            ["PACE", password, "CHAT", chat] => (*password, Some(*chat)),
            _ => return None,
        };
        let mut words = vec![password];
        words.extend(ta.iter().copied());
        if let Some(chat) = chat {
            words.extend(["CHAT", chat]);
        }
        Self::parse_words(&words).ok()
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
    /// VERIFY `00 20 00 81 Lc PIN2` with the card's PIN2 (pins.md §VERIFY).
    VerifyPin2,
    /// PACE with a CHAT, TA, CA v2 (eac.md): the step's status word is the
    /// one of the command that ended the run (`9000` when all succeeded,
    /// which opens the CA secure channel for later steps).
    Eac(EacRun),
    /// BAC with the card's MRZ (bac.md), after selecting the ICAO
    /// application; the SW is that of the command that ended the run.
    Bac,
    /// SELECT the PKCS#15 application, INITIALIZE UPDATE and EXTERNAL
    /// AUTHENTICATE with the card's diversified issuer keys (scp03.md,
    /// `crate::scp03`); the SW is that of the command that ended the run
    /// (`9000` opens the issuer session for later `secure_messaging` steps).
    Scp03(Scp03Run),
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
            PacePassword::parse(kind, value)
                .map(Action::Pace)
                .ok_or_else(|| invalid(text, "pace CAN|MRZ|PIN1|PUK [value]; MRZ value: DOCNO,DOB,EXPIRY"))
        }
        ["verify_pin2"] => Ok(Action::VerifyPin2),
        ["bac"] => Ok(Action::Bac),
        ["eac", rest @ ..] => EacRun::parse_words(rest).map(Action::Eac).map_err(|rule| invalid(text, rule)),
        ["scp03", rest @ ..] => Scp03Run::parse_words(rest).map(Action::Scp03).map_err(|rule| invalid(text, rule)),
        _ => {
            let compact: String = text.split_whitespace().collect();
            let bytes = hex::decode(&compact).map_err(|_| {
                invalid(text, "neither a named command (reset, select_mf, select_aid ZONE, read_sfi XX, pace CAN|MRZ|PIN1|PUK, verify_pin2, bac, eac …, scp03 …) nor whole bytes of hex")
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
        assert_eq!(parse("pace PIN1").unwrap(), Action::Pace(PacePassword::Pin1(None)));
        assert_eq!(parse("scp03 SL 01 bad-mac").unwrap(), Action::Scp03(Scp03Run::parse_words(&["SL", "01", "bad-mac"]).unwrap()));
        assert_eq!(
            parse("eac PIN1 TA auth-parents CHAT 0000000200").unwrap(),
            Action::Eac(EacRun {
                password: PacePassword::Pin1(None),
                terminal: "auth-parents".into(),
                chat: Some([0, 0, 0, 2, 0])
            })
        );
    }

    #[test]
    fn eac_preconditions_parse() {
        let run = EacRun::parse_precondition("PACE PIN1 + TA auth-parents + CA").unwrap();
        assert_eq!(run.terminal, "auth-parents");
        assert_eq!(run.chat, None);
        let run = EacRun::parse_precondition("PACE PIN1 CHAT 0000000400 + TA auth-parents + CA").unwrap();
        assert_eq!(run.chat, Some([0, 0, 0, 4, 0]));
        assert!(EacRun::parse_precondition("PACE PIN1 + TA auth-parents").is_none());
        assert!(EacRun::parse_precondition("PACE PIN2 + TA x + CA").is_none());
    }

    #[test]
    fn bad_commands_name_the_text() {
        for bad in ["select_aid NOPE", "read_sfi 1F", "read_sfi 00", "00 B", "", "pace PIN2", "zz", "eac PIN1", "eac PIN1 TA x CHAT 00", "scp03 SL 05", "scp03 nope"] {
            let e = parse(bad).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
