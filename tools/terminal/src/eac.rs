//! Extended Access Control, terminal side (TR-03110-2 §3, "General
//! Authentication Procedure"): PACE with the terminal's CHAT, then Terminal
//! Authentication ([`crate::ta`]), then Chip Authentication v2
//! ([`crate::chip_auth`]), ending in a secure channel under the CA keys.
//!
//! PACE here differs from [`crate::pace::establish_pace`] in two ways EAC
//! needs: MSE:Set AT carries the CHAT the holder approves (`7F4C`,
//! TR-03110-3 B.11.1), and the run keeps ID_PICC = Comp(PK_PICC) and the
//! CARs the chip names in the last GENERAL AUTHENTICATE (DO'87'/'88'),
//! which TA binds and chooses its chain by.

use card_os::protocol::cvc::Chat;
use card_os::protocol::pace::{
    DynamicAuthenticationData, GaTag, MSE_SET_AT_P1, MSE_SET_AT_P2, MseSetAt, PaceError,
    PaceTerminal,
};
use card_os::protocol::sm::Command;
use card_os::protocol::{PaceSecret, SmSession};
use rand::CryptoRng;
use thiserror::Error;

use crate::card::{CLA_PLAIN, CardError, Response, SW_OK, read_binary_sfi, sw_meaning, transmit};
use crate::chip_auth::{self, CaEphemeral, ChipKey, SFI_CARD_SECURITY};
use crate::pace::{PaceFailure, PacePasswordInput, choose_pace_info, read_card_access, step};
use crate::secure_channel::{ChannelInfo, SecureChannel};
use crate::ta::{self, TerminalCredentials};
use crate::transport::{Transport, TransportError};

const INS_MSE: u8 = 0x22;
const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
/// CLA b5: command chaining (ISO 7816-4 §5.4.1).
const CLA_CHAINING: u8 = 0x10;
const NE_SHORT_MAX: usize = 256;
/// SW1 `63`: authentication failed, SW2 `Cx` the tries left (ISO 7816-4 table 6).
const SW1_WARNING: u16 = 0x63;
/// File or application not found (ISO 7816-4 table 6).
const SW_FILE_NOT_FOUND: u16 = 0x6A82;

/// Why EAC did not complete. Each names the protocol, its step and the
/// card's status word when the card refused.
#[derive(Debug, Error)]
pub enum EacFailure {
    #[error("{0}")]
    Pace(PaceFailure),
    #[error("{protocol} failed at {step}: card answered {sw:04X} ({meaning})")]
    Card {
        protocol: &'static str,
        step: String,
        sw: u16,
        meaning: &'static str,
    },
    #[error("EAC failed at {step}: {reason}")]
    Malformed { step: &'static str, reason: String },
    #[error(
        "TA failed: the terminal chain does not reach a CVCA the chip trusts: the chip knows {chip_cars}, the chain's certificates are issued by {chain_cars} (wrong terminal directory, or a CVCA link certificate is missing)"
    )]
    NoChainToChip {
        chip_cars: String,
        chain_cars: String,
    },
    #[error("TA failed: signing the challenge with the terminal key: {0}")]
    Signing(String),
    #[error(
        "CA failed: the chip's token T_PICC does not verify: the chip does not hold the private key of the static key in EF.CardSecurity (possible clone)"
    )]
    BadChipToken,
    #[error("EAC failed: {0}")]
    Transport(TransportError),
}

impl From<PaceFailure> for EacFailure {
    fn from(e: PaceFailure) -> Self {
        EacFailure::Pace(e)
    }
}

/// A PACE session ready for TA: the channel and what TA binds.
pub struct PaceForEac<T: Transport> {
    pub channel: SecureChannel<T>,
    /// ID_PICC = Comp(PK_PICC) of this PACE run (TR-03110-3 A.2.2.3).
    pub id_picc: Vec<u8>,
    /// The CVCA references the chip trusts, most recent first (DO'87', DO'88').
    pub chip_cars: Vec<String>,
    /// The CHAT sent in MSE:Set AT (what the holder approved), if any.
    pub chat: Option<Chat>,
}

/// The channel after EAC and what it grants.
pub struct EacSession<T: Transport> {
    /// Secure messaging under the CA v2 keys.
    pub channel: SecureChannel<T>,
    /// Terminal CHAT ∩ DV ∩ CVCA ∩ the CHAT approved at PACE.
    pub effective_chat: Chat,
    /// EF.CardSecurity as read (for signature checks by the caller).
    pub card_security: Vec<u8>,
    pub chip_key: ChipKey,
}

/// PACE with `password` and, when given, the CHAT in MSE:Set AT
/// (`7F4C {06 id-AT, 53 rights}`, TR-03110-3 B.11.1).
pub fn establish_pace_for_eac<T: Transport, R: CryptoRng>(
    mut transport: T,
    password: &PacePasswordInput,
    chat: Option<Chat>,
    rng: &mut R,
) -> Result<PaceForEac<T>, PaceFailure> {
    let secret = secret(password)?;
    let infos = read_card_access(&mut transport)?;
    let (info, domain) = choose_pace_info(&infos)?;
    // MseSetAt.chat holds the value of 7F4C; Chat::encode gives the whole object.
    let chat_value = match chat {
        Some(c) => Some(
            card_os::protocol::tlv::parse_single(&c.encode(), TAG_CHAT)
                .ok()
                .flatten()
                .map(<[u8]>::to_vec)
                .ok_or(PaceFailure::Protocol {
                    step: step::MSE_SET_AT,
                    error: PaceError::MalformedData {
                        field: "CHAT",
                        rule: "must encode as 7F4C",
                    },
                })?,
        ),
        None => None,
    };
    let mse = MseSetAt {
        protocol: info.protocol,
        password: password.kind(),
        domain_parameter_id: Some(domain.id()),
        auxiliary_data: None,
        chat: chat_value,
    };
    let response = send(
        &mut transport,
        CLA_PLAIN,
        INS_MSE,
        MSE_SET_AT_P1,
        MSE_SET_AT_P2,
        mse.encode(),
    )?;
    // 63Cx after MSE:Set AT for a PIN reports the tries left (TR-03110-3 B.11.1).
    if !(response.is_ok() || response.sw >> 8 == SW1_WARNING) {
        return Err(card_error(step::MSE_SET_AT, response.sw));
    }
    let protect = |step, error| PaceFailure::Protocol { step, error };
    let terminal = PaceTerminal::new(info.protocol, domain, &secret);
    let answer = general_authenticate(
        &mut transport,
        DynamicAuthenticationData::empty(),
        step::GA_NONCE,
    )?;
    let z = answer
        .only(GaTag::EncryptedNonce)
        .map_err(|e| protect(step::GA_NONCE, e))?;
    let (terminal, mapping) = terminal
        .decrypt_nonce(rng, z)
        .map_err(|e| protect(step::GA_NONCE, e))?;
    let answer = general_authenticate(
        &mut transport,
        DynamicAuthenticationData::single(GaTag::MappingDataPcd, &mapping),
        step::GA_MAP,
    )?;
    let chip_mapping = answer
        .only(GaTag::MappingDataPicc)
        .map_err(|e| protect(step::GA_MAP, e))?;
    let (terminal, public_key) = terminal
        .map_nonce(rng, chip_mapping)
        .map_err(|e| protect(step::GA_MAP, e))?;
    let answer = general_authenticate(
        &mut transport,
        DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPcd, &public_key),
        step::GA_KEY_AGREEMENT,
    )?;
    let chip_key = answer
        .only(GaTag::EphemeralPublicKeyPicc)
        .map_err(|e| protect(step::GA_KEY_AGREEMENT, e))?;
    let (terminal, token) = terminal
        .agree_keys(chip_key)
        .map_err(|e| protect(step::GA_KEY_AGREEMENT, e))?;
    let response = send(
        &mut transport,
        CLA_PLAIN,
        INS_GENERAL_AUTHENTICATE,
        0,
        0,
        DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &token).encode(),
    )?;
    if response.sw >> 8 == SW1_WARNING {
        return Err(PaceFailure::WrongPassword {
            password: password.label(),
            sw: response.sw,
        });
    }
    let answer = decode(response, step::GA_MUTUAL_AUTHENTICATION)?;
    let chip_token = answer.get(GaTag::AuthenticationTokenPicc).ok_or(protect(
        step::GA_MUTUAL_AUTHENTICATION,
        PaceError::MalformedData {
            field: "GENERAL AUTHENTICATE DO'86' (chip token)",
            rule: "is required in the step-4 response",
        },
    ))?;
    let chip_cars = [
        GaTag::CertificationAuthorityReference,
        GaTag::PreviousCertificationAuthorityReference,
    ]
    .into_iter()
    .filter_map(|tag| answer.get(tag))
    .map(|car| String::from_utf8_lossy(car).into_owned())
    .collect();
    let result = terminal.authenticate(chip_token).map_err(|e| match e {
        PaceError::TokenMismatch => PaceFailure::BadChipToken,
        other => protect(step::GA_MUTUAL_AUTHENTICATION, other),
    })?;
    let session = SmSession::from_pace(&result).map_err(TransportError::SecureMessaging)?;
    let info = ChannelInfo {
        protocol: result.protocol,
        domain_parameters: result.domain_parameters,
    };
    Ok(PaceForEac {
        channel: SecureChannel::new(transport, session, info),
        id_picc: result.id_picc.clone(),
        chip_cars,
        chat,
    })
}

/// `7F4C`: the CHAT object (TR-03110-3 C.1.5).
const TAG_CHAT: u16 = 0x7F4C;

/// TA with `credentials`, then CA v2, over the PACE session. EF.CardSecurity
/// is read first: CA's ephemeral key, signed in TA, lives on its curve.
pub fn run_eac<T: Transport, R: CryptoRng>(
    pace: PaceForEac<T>,
    credentials: &TerminalCredentials,
    rng: &mut R,
) -> Result<EacSession<T>, EacFailure> {
    let PaceForEac {
        mut channel,
        id_picc,
        chip_cars,
        chat,
    } = pace;
    let card_security = read_binary_sfi(&mut channel, SFI_CARD_SECURITY).map_err(|e| match e {
        CardError::Transport(t) => EacFailure::Transport(t),
        CardError::Status { sw: SW_FILE_NOT_FOUND, .. } => EacFailure::Malformed {
            step: chip_auth::step::CARD_SECURITY,
            reason: "the card has no EF.CardSecurity (6A82): it was not personalized for EAC (no CVCA, no CA v2 key)".into(),
        },
        other => EacFailure::Malformed { step: chip_auth::step::CARD_SECURITY, reason: other.to_string() },
    })?;
    let chip_key = chip_auth::card_security_infos(&card_security)?;
    let ephemeral = CaEphemeral::new(rng, chip_key.clone())?;
    ta::terminal_authentication(
        &mut channel,
        credentials,
        &chip_cars,
        &id_picc,
        &ephemeral.compressed()?,
    )?;
    let session = chip_auth::chip_authentication(&mut channel, &ephemeral)?;
    let info = channel.info();
    let channel = SecureChannel::new(channel.into_inner(), session, info);
    let chain = credentials.chain_chat();
    let effective_chat = match chat {
        Some(approved) => chain.intersect(approved),
        None => chain,
    };
    Ok(EacSession {
        channel,
        effective_chat,
        card_security,
        chip_key,
    })
}

fn secret(password: &PacePasswordInput) -> Result<PaceSecret, PaceFailure> {
    match password {
        PacePasswordInput::Mrz(info) => {
            Ok(PaceSecret::mrz_information(info.information().as_bytes()))
        }
        PacePasswordInput::Can(text)
        | PacePasswordInput::Pin(text)
        | PacePasswordInput::Puk(text) => {
            PaceSecret::from_text(password.kind(), text).map_err(|e| PaceFailure::Password {
                password: password.label(),
                reason: e.to_string(),
            })
        }
    }
}

fn general_authenticate<T: Transport>(
    transport: &mut T,
    data: DynamicAuthenticationData,
    step: &'static str,
) -> Result<DynamicAuthenticationData, PaceFailure> {
    decode(
        send(
            transport,
            CLA_PLAIN | CLA_CHAINING,
            INS_GENERAL_AUTHENTICATE,
            0,
            0,
            data.encode(),
        )?,
        step,
    )
}

fn send<T: Transport>(
    transport: &mut T,
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: Vec<u8>,
) -> Result<Response, PaceFailure> {
    let ne = (ins == INS_GENERAL_AUTHENTICATE).then_some(NE_SHORT_MAX);
    let bytes = Command {
        cla,
        ins,
        p1,
        p2,
        data,
        ne,
    }
    .to_bytes()
    .map_err(|e| PaceFailure::Transport(TransportError::SecureMessaging(e)))?;
    Ok(transmit(transport, &bytes)?)
}

fn decode(
    response: Response,
    step: &'static str,
) -> Result<DynamicAuthenticationData, PaceFailure> {
    if response.sw != SW_OK {
        return Err(card_error(step, response.sw));
    }
    DynamicAuthenticationData::decode(&response.data)
        .map_err(|error| PaceFailure::Protocol { step, error })
}

fn card_error(step: &'static str, sw: u16) -> PaceFailure {
    PaceFailure::Card {
        step,
        sw,
        meaning: sw_meaning(sw),
    }
}
