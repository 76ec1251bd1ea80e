//! PACE at personalization: the card's PACEInfo (EF.CardAccess and the NVM
//! object card-os checks MSE:Set AT against) and the PACE passwords, checked
//! and turned into the NVM objects of `card_os::pace::passwords`
//! (docs/spec/pace.md).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use card_os::pace::{passwords, OBJECT_PACE_INFOS};
use card_os::protocol::kdf::mrz_check_digit;
use card_os::protocol::pace::{encode_card_access, PaceInfo};
use card_os::protocol::{PaceCipher, PaceProtocol, StandardizedDomainParameters};
use card_os::PacePassword;

use crate::error::PersoError;

/// The PACE variant the card offers: id-PACE-ECDH-GM-AES-CBC-CMAC-{128,192,256}
/// over standardized domain parameters 12, 13, 15 or 16 (chip.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaceSetup {
    pub domain: StandardizedDomainParameters,
    pub cipher: PaceCipher,
}

impl Default for PaceSetup {
    /// The reference profile's choice: NIST P-384 with AES-256 (chip.md: the
    /// plan requires ECC-384 and AES-256 on chip).
    fn default() -> PaceSetup {
        PaceSetup { domain: StandardizedDomainParameters::NistP384, cipher: PaceCipher::Aes256 }
    }
}

impl PaceSetup {
    /// The one PACEInfo of the card (ICAO 9303-11 §9.2.1: version 2, parameterId).
    pub fn pace_info(&self) -> PaceInfo {
        PaceInfo { protocol: PaceProtocol::for_cipher(self.cipher), parameter_id: Some(self.domain.id()) }
    }

    /// EF.CardAccess: `SecurityInfos ::= SET OF SecurityInfo` holding the
    /// PACEInfo (ICAO 9303-11 §9.2.1, TR-03110-3 A.1.2.1).
    pub fn card_access(&self) -> Vec<u8> {
        encode_card_access(&[self.pace_info()])
    }
}

/// The MRZ password data (ICAO 9303-11 §9.7.3), without check digits: the
/// card computes them.
#[derive(Clone, PartialEq, Eq)]
pub struct MrzPassword {
    /// Document number (the card number), 1..=22 characters `0-9 A-Z <`.
    pub document_number: String,
    /// YYMMDD.
    pub date_of_birth: String,
    /// YYMMDD, or `<<<<<<` for a card without a renewal date
    /// (reference-citizens.toml, senior holder).
    pub date_of_expiry: String,
}

/// The PACE passwords the card holds; an absent one is unavailable on the
/// card (MSE:Set AT → 6A88). The PIN1 and PUK retry counters are
/// `PersoInput.pins` (`pin_perso`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PacePasswords {
    pub mrz: Option<MrzPassword>,
    /// Card access number: exactly 6 digits.
    pub can: Option<String>,
    /// PIN1: exactly 6 digits.
    pub pin: Option<String>,
    /// User code (PUK): 6 to 10 characters `A-Z a-z 0-9`.
    pub puk: Option<String>,
}

/// Secrets never reach logs: only which passwords are present.
impl fmt::Debug for PacePasswords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacePasswords")
            .field("mrz", &self.mrz.is_some())
            .field("can", &self.can.is_some())
            .field("pin", &self.pin.is_some())
            .field("puk", &self.puk.is_some())
            .finish()
    }
}

impl fmt::Debug for MrzPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MrzPassword").finish_non_exhaustive()
    }
}

/// MRZ field lengths (ICAO 9303-3 §4.2.2, 9303-11 §9.7.3).
const MRZ_DATE_LEN: usize = 6;
const MRZ_DOCUMENT_NUMBER_MIN: usize = 9;
const MRZ_DOCUMENT_NUMBER_MAX: usize = 22;
const MRZ_FILLER: u8 = b'<';
const CAN_LEN: usize = 6;
const PIN_LEN: usize = 6;
const PUK_LEN: core::ops::RangeInclusive<usize> = 6..=10;

impl MrzPassword {
    /// The MRZ information the card hashes into f(π): document number (padded
    /// with `<` to 9) ‖ check digit ‖ date of birth ‖ check digit ‖ date of
    /// expiry ‖ check digit (ICAO 9303-11 §9.7.3, check digits ICAO 9303-3 §4.9).
    pub fn information(&self) -> Result<Vec<u8>, PersoError> {
        let number = self.document_number.as_bytes();
        if number.is_empty()
            || number.len() > MRZ_DOCUMENT_NUMBER_MAX
            || !number.iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || *b == MRZ_FILLER)
        {
            return Err(PersoError::Password {
                field: "passwords.mrz.document_number",
                rule: "1 to 22 characters 0-9, A-Z or '<' (ICAO 9303-3 §4.2.2)",
            });
        }
        let mut padded = number.to_vec();
        padded.resize(padded.len().max(MRZ_DOCUMENT_NUMBER_MIN), MRZ_FILLER);
        if !is_mrz_date(&self.date_of_birth, false) {
            return Err(PersoError::Password {
                field: "passwords.mrz.date_of_birth",
                rule: "YYMMDD: exactly 6 digits",
            });
        }
        if !is_mrz_date(&self.date_of_expiry, true) {
            return Err(PersoError::Password {
                field: "passwords.mrz.date_of_expiry",
                rule: "YYMMDD (6 digits), or '<<<<<<' for a card without a renewal date",
            });
        }
        let mut out = Vec::with_capacity(padded.len() + 2 * MRZ_DATE_LEN + 3);
        for field in [&padded[..], self.date_of_birth.as_bytes(), self.date_of_expiry.as_bytes()] {
            out.extend_from_slice(field);
            // Every character was checked above: the check digit cannot fail.
            let digit = mrz_check_digit(field, "MRZ field").map_err(|_| PersoError::Password {
                field: "passwords.mrz",
                rule: "characters 0-9, A-Z or '<' only",
            })?;
            out.push(digit);
        }
        Ok(out)
    }
}

fn is_mrz_date(date: &str, filler_allowed: bool) -> bool {
    let bytes = date.as_bytes();
    bytes.len() == MRZ_DATE_LEN
        && (bytes.iter().all(u8::is_ascii_digit) || (filler_allowed && bytes.iter().all(|b| *b == MRZ_FILLER)))
}

fn check_digits(value: &str, len: usize, field: &'static str, rule: &'static str) -> Result<(), PersoError> {
    if value.len() == len && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PersoError::Password { field, rule })
    }
}

impl PacePasswords {
    /// Check every present password against chip.md "Passwords and counters"
    /// and return the NVM objects that hold them.
    pub fn objects(&self) -> Result<BTreeMap<String, Vec<u8>>, PersoError> {
        let mut objects = BTreeMap::new();
        let mut put = |password: PacePassword, value: Vec<u8>| {
            objects.insert(String::from(passwords::object_key(password)), value);
        };
        if let Some(mrz) = &self.mrz {
            put(PacePassword::Mrz, mrz.information()?);
        }
        if let Some(can) = &self.can {
            check_digits(can, CAN_LEN, "passwords.can", "exactly 6 digits (chip.md)")?;
            put(PacePassword::Can, can.as_bytes().to_vec());
        }
        if let Some(pin) = &self.pin {
            check_digits(pin, PIN_LEN, "passwords.pin", "PIN1 is exactly 6 digits (chip.md)")?;
            put(PacePassword::Pin, pin.as_bytes().to_vec());
        }
        if let Some(puk) = &self.puk {
            if !PUK_LEN.contains(&puk.len()) || !puk.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(PersoError::Password {
                    field: "passwords.puk",
                    rule: "the user code is 6 to 10 characters A-Z, a-z, 0-9 (chip.md)",
                });
            }
            put(PacePassword::Puk, puk.as_bytes().to_vec());
        }
        Ok(objects)
    }
}

/// The NVM objects of PACE: the card's SecurityInfos and the passwords.
pub fn objects(setup: &PaceSetup, pace_passwords: &PacePasswords) -> Result<BTreeMap<String, Vec<u8>>, PersoError> {
    let mut objects = pace_passwords.objects()?;
    objects.insert(String::from(OBJECT_PACE_INFOS), setup.card_access());
    Ok(objects)
}
