//! The issuer's SCP03 session for the suites (docs/spec/scp03.md; GP Card
//! Specification 2.3 Amendment D): the `SCP03 [SL xx]` precondition and the
//! `scp03 …` step. It SELECTs the PKCS#15 application (selecting an
//! application would end a session, so it comes first), runs INITIALIZE
//! UPDATE and EXTERNAL AUTHENTICATE with the card's keys diversified from
//! the issuer master keys the runner was given, then wraps the steps marked
//! `secure_messaging = true` (C-MAC, C-DECRYPTION) and checks the R-MAC of
//! their answers, all with `card_os::protocol::scp03::HostSession`.
//!
//! Negative forms spoil one part of the opening on purpose: `wrong-key`
//! (the host holds other keys: the card cryptogram must not verify, and the
//! card must refuse the host cryptogram with 6300), `bad-host-cryptogram`
//! (6300) and `bad-mac` (a wrong C-MAC on EXTERNAL AUTHENTICATE: 6982).

use card_os::protocol::scp03::{
    self, CHALLENGE_LEN, HostSession, InitializeUpdateResponse, Scp03Error, SecurityLevel, StaticKeys,
};
use rand::Rng;
use terminal::{Transport, TransportError};

use crate::command::{self, Action};
use crate::suite::Tamper;
use crate::tap::Tap;

/// The level a bare `SCP03` opens: C-DECRYPTION, C-MAC and R-MAC, the
/// issuance default (certificate-zone.md §Issuance).
pub const DEFAULT_LEVEL: SecurityLevel = SecurityLevel::CDecCMacRMac;

const SW_OK: u16 = 0x9000;
/// Offset of the host cryptogram in `84 82 SL 00 10 cryptogram ‖ C-MAC`.
const HOST_CRYPTOGRAM_OFFSET: usize = 5;

/// What the opening does on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scp03Variant {
    /// The right keys: the session opens (`9000`).
    Normal,
    /// The host diversifies from other master keys: the card cryptogram must
    /// not verify (else the step fails); EXTERNAL AUTHENTICATE is still sent
    /// with the wrong keys' host cryptogram and C-MAC (card: `6300`).
    WrongKey,
    /// The right keys, one bit of the host cryptogram flipped (card: `6300`).
    BadHostCryptogram,
    /// The right keys, one bit of the C-MAC of EXTERNAL AUTHENTICATE flipped (card: `6982`).
    BadMac,
}

impl Scp03Variant {
    fn word(self) -> Option<&'static str> {
        match self {
            Self::Normal => None,
            Self::WrongKey => Some("wrong-key"),
            Self::BadHostCryptogram => Some("bad-host-cryptogram"),
            Self::BadMac => Some("bad-mac"),
        }
    }
}

/// One opening of an issuer session: its security level and variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scp03Run {
    pub level: SecurityLevel,
    pub variant: Scp03Variant,
}

/// The shape of the words, for errors.
pub const SCP03_FORMS: &str = "scp03 [SL 01|03|11|13] [wrong-key|bad-host-cryptogram|bad-mac]";

impl Scp03Run {
    /// The words after `scp03` (or `SCP03`): `[SL xx] [variant]`.
    pub fn parse_words(words: &[&str]) -> Result<Self, &'static str> {
        let (level, rest) = match words {
            ["SL", level, rest @ ..] => {
                let level = u8::from_str_radix(level, 16)
                    .ok()
                    .filter(|_| level.len() == 2)
                    .and_then(SecurityLevel::from_byte)
                    .ok_or("the security level is 01, 03, 11 or 13 (GP Amd D table 7-3)")?;
                (level, rest)
            }
            rest => (DEFAULT_LEVEL, rest),
        };
        let variant = match rest {
            [] => Scp03Variant::Normal,
            ["wrong-key"] => Scp03Variant::WrongKey,
            ["bad-host-cryptogram"] => Scp03Variant::BadHostCryptogram,
            ["bad-mac"] => Scp03Variant::BadMac,
            _ => return Err(SCP03_FORMS),
        };
        Ok(Self { level, variant })
    }

    /// `SCP03`, `SCP03 SL 01`, `SCP03 SL 11 bad-mac` (the level only when not the default).
    pub fn label(&self) -> String {
        let mut out = "SCP03".to_owned();
        if self.level != DEFAULT_LEVEL {
            out.push_str(&format!(" SL {:02X}", self.level.to_byte()));
        }
        if let Some(word) = self.variant.word() {
            out.push(' ');
            out.push_str(word);
        }
        out
    }

    /// Id code: `SCP03`, `SCP03-SL01`.
    pub fn code(&self) -> String {
        self.label().replace(" SL ", "-SL").replace(' ', "-").to_uppercase()
    }
}

/// Why a wrapped command has no answer to check.
#[derive(Debug)]
pub enum ChannelError {
    /// The exchange itself failed (the reader, the emulator).
    Transport(TransportError),
    /// The host side refused: the command cannot be wrapped, or the answer's
    /// R-MAC does not verify (the card broke the protocol).
    Protocol(String),
}

/// An answer through the session: plain data, status word, and whether it
/// carried an R-MAC that verified.
pub struct ChannelAnswer {
    pub data: Vec<u8>,
    pub sw: u16,
    pub r_mac: bool,
}

/// The host end of an open session, over the case's tap.
pub struct IssuerChannel {
    tap: Tap,
    session: HostSession,
}

impl IssuerChannel {
    /// Wrap `apdu`, spoil it with `tamper` under the wrapping (tap.rs), send
    /// it, check the R-MAC of the answer. Error status words carry no R-MAC
    /// (GP Amd D §6.2.5) and come back as they are.
    pub fn transmit(&mut self, apdu: &[u8], tamper: Option<Tamper>) -> Result<ChannelAnswer, ChannelError> {
        let wrapped = self.session.wrap_command(apdu).map_err(|e| ChannelError::Protocol(e.to_string()))?;
        self.tap.set_tamper(tamper);
        let result = self.tap.transmit(&wrapped);
        self.tap.set_tamper(None);
        let response = result.map_err(ChannelError::Transport)?;
        let r_mac_expected = self.session.level().response_mac() && carries_r_mac(&response);
        let (data, sw) = self.session.unwrap_response(&response).map_err(|e| {
            ChannelError::Protocol(format!("{e}: the card answered {}", hex::encode_upper(&response)))
        })?;
        Ok(ChannelAnswer { data, sw, r_mac: r_mac_expected })
    }
}

/// Whether a response's status word is one that carries an R-MAC: `9000`,
/// `62xx`, `63xx` (GP Amd D §6.2.5).
fn carries_r_mac(response: &[u8]) -> bool {
    const SW1_WARNINGS: [u8; 2] = [0x62, 0x63];
    match response {
        [.., 0x90, 0x00] => true,
        [.., sw1, _] => SW1_WARNINGS.contains(sw1),
        _ => false,
    }
}

/// The outcome of an opening: the status word of the command that ended it
/// and, when the session is open, its channel.
pub struct Opened {
    pub sw: u16,
    pub channel: Option<IssuerChannel>,
}

/// Runs the opening `run` on the card behind `tap` with the issuer master
/// keys `master`. `Err` when it cannot be run or the card broke the
/// protocol (the case is then not applicable as a precondition, failed as
/// a step).
pub fn open(tap: &Tap, master: Option<&StaticKeys>, run: &Scp03Run) -> Result<Opened, String> {
    let master = master.ok_or(NO_KEYS)?;
    let mut link = tap.clone();
    let mut exchange = |apdu: &[u8]| -> Result<(Vec<u8>, u16), String> {
        let bytes = link.transmit(apdu).map_err(|e| e.to_string())?;
        match bytes.split_last_chunk::<2>() {
            Some((data, sw)) => Ok((data.to_vec(), u16::from_be_bytes(*sw))),
            None => Err(format!("response of {} byte(s): no status word", bytes.len())),
        }
    };
    let Ok(Action::Apdu(select)) = command::parse("select_aid CERTIFICATE") else {
        return Err("select_aid CERTIFICATE does not parse".into());
    };
    let (_, sw) = exchange(&select)?;
    if sw != SW_OK {
        return Ok(Opened { sw, channel: None });
    }
    let mut host_challenge = [0u8; CHALLENGE_LEN];
    rand::rng().fill_bytes(&mut host_challenge);
    let (data, sw) = exchange(&scp03::initialize_update_command(master.kvn, &host_challenge))?;
    if sw != SW_OK {
        return Ok(Opened { sw, channel: None });
    }
    let response = InitializeUpdateResponse::parse(&data).map_err(|e| format!("INITIALIZE UPDATE: {e}"))?;
    let right = scp03::diversify(master, &response.kdd);
    let (session, mut external_authenticate) = match run.variant {
        Scp03Variant::WrongKey => {
            let wrong = scp03::diversify(&other_keys(master), &response.kdd);
            match HostSession::open(&wrong, &host_challenge, &response, run.level) {
                Err(Scp03Error::CardCryptogramMismatch) => {}
                Ok(_) => return Err("the card cryptogram verified with keys that are not the card's".into()),
                Err(e) => return Err(format!("wrong keys: {e}")),
            }
            // Go on as a host that ignores the mismatch: the wrong keys'
            // host cryptogram and C-MAC (the card cryptogram replaced by the
            // one those keys expect, so the host side builds the command).
            let mut forged = response.clone();
            let context = scp03::kdf::context(&host_challenge, &response.card_challenge);
            forged.card_cryptogram = scp03::SessionKeys::derive(&wrong, &context).card_cryptogram(&context);
            HostSession::open(&wrong, &host_challenge, &forged, run.level).map_err(|e| format!("wrong keys: {e}"))?
        }
        _ => HostSession::open(&right, &host_challenge, &response, run.level).map_err(|e| match e {
            Scp03Error::CardCryptogramMismatch => format!("{e} (the issuer key file is not this card's)"),
            other => other.to_string(),
        })?,
    };
    match run.variant {
        Scp03Variant::BadHostCryptogram => flip_low_bit(&mut external_authenticate, HOST_CRYPTOGRAM_OFFSET),
        Scp03Variant::BadMac => {
            let last = external_authenticate.len().saturating_sub(1);
            flip_low_bit(&mut external_authenticate, last);
        }
        Scp03Variant::Normal | Scp03Variant::WrongKey => {}
    }
    let (data, sw) = exchange(&external_authenticate)?;
    if !data.is_empty() {
        return Err(format!("EXTERNAL AUTHENTICATE answered data {} (none expected)", hex::encode_upper(&data)));
    }
    let channel = (sw == SW_OK && run.variant == Scp03Variant::Normal)
        .then(|| IssuerChannel { tap: tap.clone(), session });
    Ok(Opened { sw, channel })
}

/// Why an SCP03 case cannot run (the precondition; `requires` says the same).
pub const NO_KEYS: &str =
    "the case needs an SCP03 issuer session: no issuer key file (give --issuer-keys FILE or a profile with card.keys.issuer_keys)";

/// Master keys that are not `master`: every key byte inverted, same KVN.
fn other_keys(master: &StaticKeys) -> StaticKeys {
    let invert = |key: &[u8; scp03::KEY_LEN]| key.map(|b| !b);
    StaticKeys { kvn: master.kvn, enc: invert(&master.enc), mac: invert(&master.mac), dek: invert(&master.dek) }
}

fn flip_low_bit(bytes: &mut [u8], index: usize) {
    if let Some(b) = bytes.get_mut(index) {
        *b ^= 0x01;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_to_level_and_variant() {
        let run = Scp03Run::parse_words(&[]).unwrap();
        assert_eq!((run.level, run.variant), (DEFAULT_LEVEL, Scp03Variant::Normal));
        assert_eq!(run.label(), "SCP03");
        let run = Scp03Run::parse_words(&["SL", "01"]).unwrap();
        assert_eq!(run.level, SecurityLevel::CMac);
        assert_eq!((run.label().as_str(), run.code().as_str()), ("SCP03 SL 01", "SCP03-SL01"));
        let run = Scp03Run::parse_words(&["SL", "11", "bad-mac"]).unwrap();
        assert_eq!((run.level, run.variant), (SecurityLevel::CMacRMac, Scp03Variant::BadMac));
        assert_eq!(Scp03Run::parse_words(&["wrong-key"]).unwrap().variant, Scp03Variant::WrongKey);
        for bad in [&["SL", "05"][..], &["SL", "1"], &["SL"], &["nope"], &["bad-mac", "wrong-key"]] {
            assert!(Scp03Run::parse_words(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn r_mac_follows_the_status_word() {
        assert!(carries_r_mac(&[0x90, 0x00]));
        assert!(carries_r_mac(&[1, 2, 0x62, 0x82]));
        assert!(carries_r_mac(&[0x63, 0xC2]));
        assert!(!carries_r_mac(&[0x69, 0x82]));
        assert!(!carries_r_mac(&[0x90]));
    }

    #[test]
    fn other_keys_differ_in_every_key() {
        let master = StaticKeys { kvn: 0x30, enc: [0x40; 16], mac: [0x50; 16], dek: [0x60; 16] };
        let other = other_keys(&master);
        assert_eq!(other.kvn, master.kvn);
        assert!(other.enc != master.enc && other.mac != master.mac && other.dek != master.dek);
    }
}
