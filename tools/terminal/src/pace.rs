//! The terminal side of PACE (ICAO 9303-11 §4.4, TR-03110-2 §3.2) over any
//! [`Transport`], ending in a [`SecureChannel`]:
//!
//! 1. SELECT MF, READ BINARY EF.CardAccess (`011C`, SFI `1C`) in plain
//!    (ICAO 9303-11 §4.4.1: the PACEInfos are readable without access
//!    control), decode the PACEInfos of all three mappings and pick the
//!    first one, in file order, we speak (ECDH Generic, Integrated or Chip
//!    Authentication Mapping with AES on parameter ids 12, 13, 15, 16;
//!    docs/spec/pace-mappings.md);
//! 2. MSE:Set AT `00 22 C1 A4` with the protocol OID, the password reference,
//!    the parameter id and, for EAC, the CHAT the holder approves
//!    (TR-03110-3 B.11.1);
//! 3. GENERAL AUTHENTICATE ×4 as one command chain: CLA `10` for steps 1–3,
//!    `00` for step 4 (ISO 7816-4 §5.3.3, TR-03110-3 B.11.2);
//!    Steps 1–2 depend on the mapping (ICAO 9303-11 §4.4.4): IM sends the
//!    terminal nonce t and gets `7C 00` back;
//! 4. check the chip's token T_PICC, keep ID_PICC and the CARs the chip
//!    names (DO'87'/'88', sent when a CHAT was: TR-03110-3 B.11.2) for
//!    Terminal Authentication, then open secure messaging with KS_enc /
//!    KS_mac and SSC 0 (ICAO 9303-11 §9.8.2);
//! 5. CAM only: read EF.CardSecurity under secure messaging, verify its
//!    signature, take PK_IC from its ChipAuthenticationPublicKeyInfo on the
//!    PACE curve and check the chip's A_IC against it (ICAO 9303-11
//!    §4.4.3.5.2). Until then the chip is not authenticated; if the check
//!    fails PACE fails.
//!
//! The cryptography is `card_os::protocol::pace::PaceTerminal`, the same code
//! the card's side is checked against; this file only moves its data objects
//! in and out of APDUs.

use card_os::protocol::ca::decode_dg14;
use card_os::protocol::cvc::Chat;
use card_os::protocol::pace::{
    ChipAuthenticationData, DynamicAuthenticationData, GaTag, MSE_SET_AT_P1, MSE_SET_AT_P2, MseSetAt, PaceError,
    PaceInfo, PaceMapping, PaceTerminal, StandardizedDomainParameters, decode_card_access_all_mappings,
};
use card_os::protocol::sm::Command;
use card_os::protocol::{PacePassword, PaceSecret, SmSession, tlv};
use profiles::mrz::{self, Td1};
use rand::CryptoRng;
use thiserror::Error;

use crate::card::{CLA_PLAIN, CardError, INS_SELECT, Response, SW_OK, read_binary_sfi, sw_meaning, transmit};
use crate::secure_channel::{ChannelInfo, SecureChannel};
use crate::transport::{Transport, TransportError};

/// EF.CardAccess short EF identifier (ICAO 9303-10 §3.11.3, FID `011C`).
pub const SFI_CARD_ACCESS: u8 = 0x1C;
/// EF.CardSecurity short EF identifier (ICAO 9303-10 §3.11.4, FID `011D`):
/// PK_IC for the Chip Authentication Mapping.
pub const SFI_CARD_SECURITY: u8 = 0x1D;
/// MANAGE SECURITY ENVIRONMENT (ISO 7816-4 §11.5.11).
pub const INS_MSE: u8 = 0x22;
/// GENERAL AUTHENTICATE, even INS (ISO 7816-4 §11.5.5).
pub const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
/// CLA b5: command chaining, "not the last command of a chain" (ISO 7816-4 §5.4.1).
const CLA_CHAINING: u8 = 0x10;
/// SELECT P1 `00` with data `3F00`: the MF; P2 `0C`: no response data (ISO 7816-4 §11.2.2).
const SELECT_P1_BY_FID: u8 = 0x00;
const SELECT_P2_NO_RESPONSE_DATA: u8 = 0x0C;
const FID_MF: [u8; 2] = [0x3F, 0x00];
/// `7F4C`: the CHAT object (TR-03110-3 C.1.5); MSE:Set AT carries its value.
const TAG_CHAT: u16 = 0x7F4C;
/// GENERAL AUTHENTICATE answers are at most a few hundred bytes: Le `00`.
const NE_SHORT_MAX: usize = 256;
/// SW1 `63`: warning, e.g. authentication failed / retries left (ISO 7816-4 table 6).
const SW1_WARNING_AUTHENTICATION: u16 = 0x63;
/// A CAN is 6 digits (chip.md "Passwords and counters").
pub const CAN_LEN: usize = 6;
/// Dates in the MRZ are YYMMDD (ICAO 9303-3 §4.3); a document number is at
/// least 9 characters, filled with '<' (ICAO 9303-5 §4.2.2.1), at most 22
/// (TD1 with the overflow in the optional data).
const MRZ_DATE_LEN: usize = 6;
const MRZ_DOCUMENT_NUMBER_MIN: usize = 9;
const MRZ_DOCUMENT_NUMBER_MAX: usize = 22;
/// A date of expiry written all fillers: the card has no expiry (the senior
/// reference holder, chip.md "Renewal date").
const MRZ_NO_DATE: &str = "<<<<<<";

/// The steps of a PACE run, for error messages.
pub mod step {
    pub const SELECT_MF: &str = "SELECT MF";
    pub const MSE_SET_AT: &str = "MSE:Set AT";
    pub const GA_NONCE: &str = "GENERAL AUTHENTICATE step 1 (encrypted nonce)";
    pub const GA_MAP: &str = "GENERAL AUTHENTICATE step 2 (mapping)";
    pub const GA_KEY_AGREEMENT: &str = "GENERAL AUTHENTICATE step 3 (key agreement)";
    pub const GA_MUTUAL_AUTHENTICATION: &str = "GENERAL AUTHENTICATE step 4 (mutual authentication)";
    pub const CARD_SECURITY: &str = "EF.CardSecurity (011D, SFI 1D)";
}

/// The MRZ password: document number, date of birth and date of expiry, each
/// with its check digit (ICAO 9303-11 §9.7.3: the MRZ information hashed).
#[derive(Clone, PartialEq, Eq)]
pub struct MrzInfo {
    /// Document number (filled with '<' to 9 characters) + check digit,
    /// date of birth + check digit, date of expiry + check digit.
    information: String,
}

impl std::fmt::Debug for MrzInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The MRZ information is a password: never in logs.
        f.write_str("MrzInfo(..)")
    }
}

/// Why an MRZ given by a person cannot be a PACE password.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzInputError {
    #[error("MRZ: {0}")]
    Td1(#[from] mrz::MrzError),
    #[error("MRZ document number \"{0}\": must be 1 to 22 characters 0-9, A-Z, '<'")]
    DocumentNumber(String),
    #[error("MRZ {field} \"{value}\": must be 6 digits YYMMDD{also}")]
    Date { field: &'static str, value: String, also: &'static str },
    #[error("MRZ {field}: check digit is {found:?} but the field gives {expected:?} (ICAO 9303-3 §4.9)")]
    CheckDigit { field: &'static str, found: char, expected: char },
    #[error("MRZ information \"{0}\": expected DOCNO,DOB,EXPIRY (three fields separated by commas)")]
    InfoFields(String),
}

impl MrzInfo {
    /// From the three fields without check digits (computed here, ICAO
    /// 9303-3 §4.9): `210012345`, `900315`, `360314`. The date of expiry may
    /// be `<<<<<<` for a card without one.
    pub fn from_fields(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, MrzInputError> {
        let document_number = document_number.trim().to_ascii_uppercase();
        if document_number.is_empty()
            || document_number.len() > MRZ_DOCUMENT_NUMBER_MAX
            || !document_number.chars().all(mrz::is_mrz_char)
        {
            return Err(MrzInputError::DocumentNumber(document_number));
        }
        let mut number = document_number;
        while number.len() < MRZ_DOCUMENT_NUMBER_MIN {
            number.push(mrz::FILLER);
        }
        let birth = date_field("date of birth", date_of_birth.trim(), false)?;
        let expiry = date_field("date of expiry", date_of_expiry.trim(), true)?;
        let mut information = String::new();
        for field in [number.as_str(), birth, expiry] {
            information.push_str(field);
            // Every character was checked against the MRZ charset above.
            information.push(mrz::check_digit(field).ok_or_else(|| MrzInputError::DocumentNumber(field.to_owned()))?);
        }
        Ok(Self { information })
    }

    /// `DOCNO,DOB,EXPIRY` as given to `--mrz-info`.
    pub fn from_info_arg(text: &str) -> Result<Self, MrzInputError> {
        match text.split(',').collect::<Vec<_>>().as_slice() {
            [number, birth, expiry] => Self::from_fields(number, birth, expiry),
            _ => Err(MrzInputError::InfoFields(text.to_owned())),
        }
    }

    /// From the three TD1 lines (ICAO 9303-5 §4.2.2): the fields and their
    /// check digits as printed; a check digit that does not match is refused.
    pub fn from_td1<S: AsRef<str>>(lines: &[S]) -> Result<Self, MrzInputError> {
        let td1 = Td1::parse(lines)?;
        let [l1, l2, _] = td1.lines();
        let wanted = ["document number", "date of birth", "date of expiry"];
        if let Some(f) = td1.check_digit_failures().into_iter().find(|f| wanted.contains(&f.field)) {
            return Err(MrzInputError::CheckDigit { field: f.field, found: f.found, expected: f.expected });
        }
        // Parsed: 3 × 30 ASCII characters, so these ranges are in bounds.
        let mut information = String::new();
        information.push_str(&l1[mrz::L1_DOCUMENT_NUMBER.start..=mrz::L1_DOCUMENT_NUMBER_CHECK]);
        information.push_str(&l2[mrz::L2_DATE_OF_BIRTH.start..=mrz::L2_DATE_OF_BIRTH_CHECK]);
        information.push_str(&l2[mrz::L2_DATE_OF_EXPIRY.start..=mrz::L2_DATE_OF_EXPIRY_CHECK]);
        Ok(Self { information })
    }

    /// The MRZ information as hashed into the password (ICAO 9303-11 §9.7.3),
    /// e.g. `210012345090031523603147` (a secret: do not print it).
    pub fn information(&self) -> &str {
        &self.information
    }

    fn secret(&self) -> PaceSecret {
        PaceSecret::mrz_information(self.information.as_bytes())
    }
}

fn date_field<'a>(field: &'static str, value: &'a str, may_be_absent: bool) -> Result<&'a str, MrzInputError> {
    let digits = value.len() == MRZ_DATE_LEN && value.bytes().all(|b| b.is_ascii_digit());
    if digits || (may_be_absent && value == MRZ_NO_DATE) {
        Ok(value)
    } else {
        Err(MrzInputError::Date {
            field,
            value: value.to_owned(),
            also: if may_be_absent { " (or <<<<<< when the card has none)" } else { "" },
        })
    }
}

/// The password the holder gives the terminal.
#[derive(Clone, PartialEq, Eq)]
pub enum PacePasswordInput {
    /// Card access number, 6 digits printed on the card.
    Can(String),
    Mrz(MrzInfo),
    Pin(String),
    Puk(String),
}

impl std::fmt::Debug for PacePasswordInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PacePasswordInput::{}(..)", self.label())
    }
}

impl PacePasswordInput {
    /// A CAN: exactly 6 ASCII digits.
    pub fn can(text: &str) -> Result<Self, PasswordInputError> {
        if text.len() == CAN_LEN && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self::Can(text.to_owned()))
        } else {
            Err(PasswordInputError::Can)
        }
    }

    /// The password type (DO'83' of MSE:Set AT).
    pub fn kind(&self) -> PacePassword {
        match self {
            Self::Can(_) => PacePassword::Can,
            Self::Mrz(_) => PacePassword::Mrz,
            Self::Pin(_) => PacePassword::Pin,
            Self::Puk(_) => PacePassword::Puk,
        }
    }

    /// `CAN`, `MRZ`, `PIN`, `PUK`: for messages.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Can(_) => "CAN",
            Self::Mrz(_) => "MRZ",
            Self::Pin(_) => "PIN",
            Self::Puk(_) => "PUK",
        }
    }

    fn secret(&self) -> Result<PaceSecret, PaceFailure> {
        match self {
            Self::Mrz(info) => Ok(info.secret()),
            Self::Can(text) | Self::Pin(text) | Self::Puk(text) => PaceSecret::from_text(self.kind(), text)
                .map_err(|e| PaceFailure::Password { password: self.label(), reason: e.to_string() }),
        }
    }
}

/// A password argument that breaks its format.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasswordInputError {
    #[error("the CAN must be exactly 6 digits (the last 6 digits of the card number)")]
    Can,
}

/// Why PACE did not establish a channel.
#[derive(Debug, Error)]
pub enum PaceFailure {
    /// The card refused the terminal's token: the password is wrong
    /// (ICAO 9303-11 §4.4.3.4; SW 63xx, for a PIN 63Cx with the retries left).
    #[error("PACE failed: wrong {password} (card answered {sw:04X})")]
    WrongPassword { password: &'static str, sw: u16 },
    #[error("PACE failed: EF.CardAccess (011C) lists no PACEInfo this terminal understands")]
    NoPaceInfo,
    #[error(
        "PACE failed: the card offers only {offered}; this terminal speaks ECDH GM, IM and CAM with AES on standardized domain parameters 12, 13, 15, 16"
    )]
    Unsupported { offered: String },
    #[error("PACE failed: {step}: card answered {sw:04X} ({meaning})")]
    Card { step: &'static str, sw: u16, meaning: &'static str },
    #[error("PACE failed: EF.CardAccess (011C, SFI 1C): {0}")]
    CardAccess(CardError),
    #[error("PACE failed: {step}: {error}")]
    Protocol { step: &'static str, error: PaceError },
    #[error(
        "PACE failed: the chip's authentication token T_PICC does not verify: the chip does not hold this password or the exchange was altered"
    )]
    BadChipToken,
    #[error("PACE failed: {password}: {reason}")]
    Password { password: &'static str, reason: String },
    /// PACE-CAM: the chip's proof A_IC does not match PK_IC of
    /// EF.CardSecurity, or EF.CardSecurity cannot give a PK_IC (ICAO 9303-11
    /// §4.4.3.5.2). The chip is not authenticated: no channel is returned.
    #[error("PACE-CAM failed: {step}: {reason}")]
    ChipAuthenticationMapping { step: &'static str, reason: String },
    /// Not `#[from]`: that would also make it the `source`, and `{:#}`
    /// chains would print the transport error twice.
    #[error("PACE failed: {0}")]
    Transport(TransportError),
}

impl From<TransportError> for PaceFailure {
    fn from(error: TransportError) -> Self {
        PaceFailure::Transport(error)
    }
}

/// The PACEInfo a terminal picks: the first (in EF.CardAccess order) with a
/// parameter id among 12, 13, 15, 16, whatever its mapping (GM, IM or CAM:
/// the card lists what it prefers first). PACEInfos of other protocols (DH,
/// 3DES) were skipped by `decode_card_access_all_mappings`.
pub fn choose_pace_info(infos: &[PaceInfo]) -> Result<(PaceInfo, StandardizedDomainParameters), PaceFailure> {
    if infos.is_empty() {
        return Err(PaceFailure::NoPaceInfo);
    }
    infos
        .iter()
        .find_map(|info| {
            let id = info.parameter_id?;
            StandardizedDomainParameters::from_id(id).ok().map(|domain| (*info, domain))
        })
        .ok_or_else(|| PaceFailure::Unsupported {
            offered: infos
                .iter()
                .map(|i| match i.parameter_id {
                    Some(id) => format!("{:?} with parameter id {id}", i.protocol),
                    None => format!("{:?} without parameter id", i.protocol),
                })
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// SELECT MF and read the PACEInfos (GM, IM and CAM) of EF.CardAccess in plain.
pub fn read_card_access(transport: &mut dyn Transport) -> Result<Vec<PaceInfo>, PaceFailure> {
    let mut select = vec![CLA_PLAIN, INS_SELECT, SELECT_P1_BY_FID, SELECT_P2_NO_RESPONSE_DATA, FID_MF.len() as u8];
    select.extend_from_slice(&FID_MF);
    expect_ok(transmit(transport, &select)?, step::SELECT_MF)?;
    let content = read_binary_sfi(transport, SFI_CARD_ACCESS).map_err(|e| match e {
        CardError::Transport(t) => PaceFailure::Transport(t),
        other => PaceFailure::CardAccess(other),
    })?;
    decode_card_access_all_mappings(&content).map_err(|error| PaceFailure::Protocol { step: "EF.CardAccess", error })
}

/// What a PACE run established: the channel, the mapping it ran, for the
/// Chip Authentication Mapping the verified chip proof, and what Terminal
/// Authentication binds and chooses its chain by (TR-03110-2 §3.3).
pub struct PaceEstablished<T: Transport> {
    pub channel: SecureChannel<T>,
    /// `channel.info().protocol.mapping()`, for callers that report it.
    pub mapping: PaceMapping,
    /// `Some` after CAM: the chip proved it holds SK_IC of EF.CardSecurity.
    pub chip_authentication: Option<CamVerified>,
    /// ID_PICC = Comp(PK_PICC) of this PACE run (TR-03110-3 A.2.2.3).
    pub id_picc: Vec<u8>,
    /// The CVCA references the chip trusts, most recent first (DO'87', DO'88'
    /// of GENERAL AUTHENTICATE step 4; empty when no CHAT was sent).
    pub chip_cars: Vec<String>,
    /// The CHAT sent in MSE:Set AT (what the holder approved), if any.
    pub chat: Option<Chat>,
}

/// The outcome of the CAM check (ICAO 9303-11 §4.4.3.5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CamVerified {
    /// EF.CardSecurity as read; its signature verified with the DS
    /// certificate it carries. The chain to a CSCA is the caller's check
    /// (`pki::verify_card_security` with a trust list).
    pub card_security: Vec<u8>,
    /// keyId of the ChipAuthenticationPublicKeyInfo that matched, if any.
    pub key_id: Option<u32>,
}

/// Run PACE with `password` and return the secure channel over `transport`.
/// Pass `&mut transport` to keep the transport after a failure (a wrong CAN
/// leaves the card usable: run again with the right one).
pub fn establish_pace<T: Transport, R: CryptoRng>(
    transport: T,
    password: &PacePasswordInput,
    rng: &mut R,
) -> Result<SecureChannel<T>, PaceFailure> {
    establish_pace_any(transport, password, None, rng).map(|established| established.channel)
}

/// Run PACE with the mapping the card offers first (GM, IM or CAM) and say
/// which ran; for CAM, the chip is authenticated here (see the module docs).
/// `chat`: the rights the holder approves for Terminal Authentication, sent
/// in MSE:Set AT (`7F4C {06 id-AT, 53 rights}`, TR-03110-3 B.11.1); `None`
/// for a PACE without EAC.
pub fn establish_pace_any<T: Transport, R: CryptoRng>(
    mut transport: T,
    password: &PacePasswordInput,
    chat: Option<Chat>,
    rng: &mut R,
) -> Result<PaceEstablished<T>, PaceFailure> {
    let secret = password.secret()?;
    let infos = read_card_access(&mut transport)?;
    let (info, domain) = choose_pace_info(&infos)?;
    let mapping = info.protocol.mapping();

    let mse = MseSetAt {
        protocol: info.protocol,
        password: password.kind(),
        domain_parameter_id: Some(domain.id()),
        auxiliary_data: None,
        chat: chat.map(chat_value).transpose()?,
    };
    let apdu = command(CLA_PLAIN, INS_MSE, MSE_SET_AT_P1, MSE_SET_AT_P2, mse.encode(), None)?;
    let response = transmit(&mut transport, &apdu)?;
    // 63Cx after MSE:Set AT for a PIN reports retries left (TR-03110-3 B.11.1): go on.
    if !(response.is_ok() || response.sw >> 8 == SW1_WARNING_AUTHENTICATION) {
        return Err(card_error(step::MSE_SET_AT, response.sw));
    }

    let protect = |step, error| PaceFailure::Protocol { step, error };
    let terminal = PaceTerminal::new(info.protocol, domain, &secret);

    let answer = general_authenticate(&mut transport, true, DynamicAuthenticationData::empty(), step::GA_NONCE)?;
    let z = answer.only(GaTag::EncryptedNonce).map_err(|e| protect(step::GA_NONCE, e))?;
    let (terminal, public_key) = match mapping {
        // ICAO 9303-11 §4.4.4.2 (IM): step 2 carries the terminal nonce t; the chip answers `7C 00`.
        PaceMapping::Integrated => {
            let (terminal, t) = terminal.decrypt_nonce_integrated(rng, z).map_err(|e| protect(step::GA_NONCE, e))?;
            let answer = general_authenticate(
                &mut transport,
                true,
                DynamicAuthenticationData::single(GaTag::MappingDataPcd, &t),
                step::GA_MAP,
            )?;
            terminal.map_integrated(rng, &answer).map_err(|e| protect(step::GA_MAP, e))?
        }
        // GM and CAM: an ECDH on the mapping keys (ICAO 9303-11 §4.4.3.3.1).
        PaceMapping::Generic | PaceMapping::ChipAuthentication => {
            let (terminal, mapping_key) = terminal.decrypt_nonce(rng, z).map_err(|e| protect(step::GA_NONCE, e))?;
            let answer = general_authenticate(
                &mut transport,
                true,
                DynamicAuthenticationData::single(GaTag::MappingDataPcd, &mapping_key),
                step::GA_MAP,
            )?;
            let chip_mapping_key = answer.only(GaTag::MappingDataPicc).map_err(|e| protect(step::GA_MAP, e))?;
            terminal.map_nonce(rng, chip_mapping_key).map_err(|e| protect(step::GA_MAP, e))?
        }
    };

    let answer = general_authenticate(
        &mut transport,
        true,
        DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPcd, &public_key),
        step::GA_KEY_AGREEMENT,
    )?;
    let chip_public_key = answer.only(GaTag::EphemeralPublicKeyPicc).map_err(|e| protect(step::GA_KEY_AGREEMENT, e))?;
    let (terminal, token) = terminal.agree_keys(chip_public_key).map_err(|e| protect(step::GA_KEY_AGREEMENT, e))?;

    let apdu = command(
        CLA_PLAIN,
        INS_GENERAL_AUTHENTICATE,
        0,
        0,
        DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &token).encode(),
        Some(NE_SHORT_MAX),
    )?;
    let response = transmit(&mut transport, &apdu)?;
    if response.sw >> 8 == SW1_WARNING_AUTHENTICATION {
        return Err(PaceFailure::WrongPassword { password: password.label(), sw: response.sw });
    }
    let answer = decode_answer(response, step::GA_MUTUAL_AUTHENTICATION)?;
    let chip_cars = [GaTag::CertificationAuthorityReference, GaTag::PreviousCertificationAuthorityReference]
        .into_iter()
        .filter_map(|tag| answer.get(tag))
        .map(|car| String::from_utf8_lossy(car).into_owned())
        .collect();
    let chip_token = answer.get(GaTag::AuthenticationTokenPicc).ok_or(protect(
        step::GA_MUTUAL_AUTHENTICATION,
        PaceError::MalformedData {
            field: "GENERAL AUTHENTICATE DO'86' (chip token)",
            rule: "is required in the step-4 response",
        },
    ))?;
    let token_error = |e| match e {
        PaceError::TokenMismatch => PaceFailure::BadChipToken,
        other => protect(step::GA_MUTUAL_AUTHENTICATION, other),
    };
    let (result, cam_proof) = if mapping == PaceMapping::ChipAuthentication {
        // ICAO 9303-11 §4.4.3.5.1: step 4 of CAM also carries A_IC in DO'8A'.
        let a_ic = answer.get(GaTag::EncryptedChipAuthenticationData).ok_or(protect(
            step::GA_MUTUAL_AUTHENTICATION,
            PaceError::MalformedData {
                field: "GENERAL AUTHENTICATE DO'8A' (encrypted chip authentication data)",
                rule: "is required in the step-4 response of the Chip Authentication Mapping",
            },
        ))?;
        let (result, proof) = terminal.authenticate_cam(chip_token, a_ic).map_err(token_error)?;
        (result, Some(proof))
    } else {
        (terminal.authenticate(chip_token).map_err(token_error)?, None)
    };
    let session = SmSession::from_pace(&result).map_err(TransportError::SecureMessaging)?;
    let info = ChannelInfo { protocol: result.protocol, domain_parameters: result.domain_parameters };
    let mut channel = SecureChannel::new(transport, session, info);
    let chip_authentication = match cam_proof {
        Some(proof) => Some(verify_cam(&mut channel, domain, &proof)?),
        None => None,
    };
    Ok(PaceEstablished { channel, mapping, chip_authentication, id_picc: result.id_picc.clone(), chip_cars, chat })
}

/// MseSetAt.chat holds the value of `7F4C`; `Chat::encode` gives the whole object.
fn chat_value(chat: Chat) -> Result<Vec<u8>, PaceFailure> {
    tlv::parse_single(&chat.encode(), TAG_CHAT).ok().flatten().map(<[u8]>::to_vec).ok_or(PaceFailure::Protocol {
        step: step::MSE_SET_AT,
        error: PaceError::MalformedData { field: "CHAT", rule: "must encode as 7F4C" },
    })
}

/// CAM, after the channel is open: EF.CardSecurity under secure messaging,
/// its signature, PK_IC on the PACE curve, then PK_map,IC = CA_IC · PK_IC
/// (ICAO 9303-11 §4.4.3.5.2). Any keyId may be the one: each
/// ChipAuthenticationPublicKeyInfo on the PACE curve is tried.
fn verify_cam<T: Transport>(
    channel: &mut SecureChannel<T>,
    domain: StandardizedDomainParameters,
    proof: &ChipAuthenticationData,
) -> Result<CamVerified, PaceFailure> {
    let fail = |reason: String| PaceFailure::ChipAuthenticationMapping { step: step::CARD_SECURITY, reason };
    let card_security = read_binary_sfi(channel, SFI_CARD_SECURITY).map_err(|e| match e {
        CardError::Transport(t) => PaceFailure::Transport(t),
        other => fail(other.to_string()),
    })?;
    let security_infos =
        pki::verify_card_security(&card_security, None).map_err(|e| fail(format!("signature: {e}")))?;
    let infos = decode_dg14(&security_infos).map_err(|e| fail(e.to_string()))?;
    let candidates: Vec<_> = infos.public_keys.iter().filter(|k| k.domain == domain).collect();
    if candidates.is_empty() {
        return Err(fail(format!("lists no ChipAuthenticationPublicKeyInfo on the PACE curve {domain:?}")));
    }
    match candidates.iter().find(|k| proof.verify(&k.public_key).is_ok()) {
        Some(key) => Ok(CamVerified { card_security, key_id: key.key_id }),
        None => Err(PaceFailure::ChipAuthenticationMapping {
            step: step::GA_MUTUAL_AUTHENTICATION,
            reason: "CA_IC·PK_IC is not the chip's mapping key PK_map,IC: the chip does not hold the static key of \
                     EF.CardSecurity (ICAO 9303-11 §4.4.3.5.2)"
                .into(),
        }),
    }
}

/// One chained GENERAL AUTHENTICATE (steps 1–3): CLA `10`, data `7C {…}`, Le `00`.
fn general_authenticate<T: Transport>(
    transport: &mut T,
    chained: bool,
    data: DynamicAuthenticationData,
    step: &'static str,
) -> Result<DynamicAuthenticationData, PaceFailure> {
    let cla = if chained { CLA_PLAIN | CLA_CHAINING } else { CLA_PLAIN };
    let apdu = command(cla, INS_GENERAL_AUTHENTICATE, 0, 0, data.encode(), Some(NE_SHORT_MAX))?;
    decode_answer(transmit(transport, &apdu)?, step)
}

fn decode_answer(response: Response, step: &'static str) -> Result<DynamicAuthenticationData, PaceFailure> {
    let response = expect_ok(response, step)?;
    DynamicAuthenticationData::decode(&response.data).map_err(|error| PaceFailure::Protocol { step, error })
}

fn expect_ok(response: Response, step: &'static str) -> Result<Response, PaceFailure> {
    if response.sw == SW_OK { Ok(response) } else { Err(card_error(step, response.sw)) }
}

fn card_error(step: &'static str, sw: u16) -> PaceFailure {
    PaceFailure::Card { step, sw, meaning: sw_meaning(sw) }
}

fn command(cla: u8, ins: u8, p1: u8, p2: u8, data: Vec<u8>, ne: Option<usize>) -> Result<Vec<u8>, PaceFailure> {
    Command { cla, ins, p1, p2, data, ne }
        .to_bytes()
        .map_err(|e| PaceFailure::Transport(TransportError::SecureMessaging(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use card_os::protocol::PaceProtocol;

    /// The adult reference holder (reference-citizens.toml).
    const ADULT_MRZ: [&str; 3] =
        ["IDTWN2100123450A123456789<<<<<", "9003152M3603147TWN<<<<<<<<<<<3", "WANG<<HSIAO<MING<<<<<<<<<<<<<<"];
    const SENIOR_MRZ: [&str; 3] =
        ["IDTWN2100987654B187654324<<<<<", "5501029M<<<<<<0TWN<<<<<<<<<<<9", "CHEN<<CHIEN<KUO<<<<<<<<<<<<<<<"];

    #[test]
    fn mrz_from_lines_and_from_fields_agree() {
        let lines = MrzInfo::from_td1(&ADULT_MRZ).unwrap();
        assert_eq!(lines.information(), "210012345090031523603147");
        let fields = MrzInfo::from_info_arg("210012345,900315,360314").unwrap();
        assert_eq!(lines, fields);
    }

    #[test]
    fn mrz_without_expiry_uses_fillers_and_check_digit_zero() {
        let lines = MrzInfo::from_td1(&SENIOR_MRZ).unwrap();
        assert_eq!(lines.information(), "21009876545501029<<<<<<0");
        assert_eq!(MrzInfo::from_info_arg("210098765,550102,<<<<<<").unwrap(), lines);
    }

    /// ICAO 9303-11 Appendix G.1: T22000129 / 640812 / 101031.
    #[test]
    fn short_document_numbers_are_filled_to_nine() {
        let info = MrzInfo::from_fields("T22000129", "640812", "101031").unwrap();
        assert_eq!(info.information(), "T22000129364081251010318");
        assert_eq!(
            MrzInfo::from_fields("L898902C", "690806", "940623").unwrap().information(),
            "L898902C<369080619406236"
        );
    }

    #[test]
    fn bad_mrz_input_names_the_field() {
        let mut wrong = ADULT_MRZ;
        wrong[1] = "9003153M3603147TWN<<<<<<<<<<<3";
        let e = MrzInfo::from_td1(&wrong).unwrap_err();
        assert_eq!(e.to_string(), "MRZ date of birth: check digit is '3' but the field gives '2' (ICAO 9303-3 §4.9)");
        assert!(matches!(MrzInfo::from_td1(&ADULT_MRZ[..2]), Err(MrzInputError::Td1(_))));
        assert!(matches!(MrzInfo::from_info_arg("210012345,900315"), Err(MrzInputError::InfoFields(_))));
        assert!(MrzInfo::from_info_arg("210012345,19900315,360314").unwrap_err().to_string().contains("date of birth"));
        assert!(matches!(MrzInfo::from_info_arg("2100-12345,900315,360314"), Err(MrzInputError::DocumentNumber(_))));
        assert!(matches!(MrzInfo::from_info_arg("210012345,<<<<<<,360314"), Err(MrzInputError::Date { .. })));
    }

    #[test]
    fn can_is_six_digits() {
        assert!(PacePasswordInput::can("012345").is_ok());
        for bad in ["12345", "1234567", "01234a", "", "０１２３４５"] {
            assert_eq!(PacePasswordInput::can(bad), Err(PasswordInputError::Can), "{bad}");
        }
    }

    #[test]
    fn wrong_password_message_names_the_password_and_sw() {
        let e = PaceFailure::WrongPassword { password: "CAN", sw: 0x6300 };
        assert_eq!(e.to_string(), "PACE failed: wrong CAN (card answered 6300)");
    }

    #[test]
    fn choose_takes_the_first_supported_info() {
        let info = |protocol, parameter_id| PaceInfo { protocol, parameter_id };
        assert!(matches!(choose_pace_info(&[]), Err(PaceFailure::NoPaceInfo)));
        let only_unsupported =
            [info(PaceProtocol::EcdhGmAesCbcCmac128, Some(8)), info(PaceProtocol::EcdhGmAesCbcCmac256, None)];
        let e = choose_pace_info(&only_unsupported).unwrap_err();
        assert!(e.to_string().contains("parameter id 8"), "{e}");
        let mixed = [
            only_unsupported[0],
            info(PaceProtocol::EcdhGmAesCbcCmac256, Some(16)),
            info(PaceProtocol::EcdhGmAesCbcCmac128, Some(12)),
        ];
        let (chosen, domain) = choose_pace_info(&mixed).unwrap();
        assert_eq!(chosen, mixed[1]);
        assert_eq!(domain, StandardizedDomainParameters::BrainpoolP384r1);
    }
}
