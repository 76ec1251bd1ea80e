//! Extended Access Control, terminal side (TR-03110-2 §3, "General
//! Authentication Procedure"): PACE with the terminal's CHAT, then Terminal
//! Authentication ([`crate::ta`]), then Chip Authentication v2
//! ([`crate::chip_auth`]), ending in a secure channel under the CA keys.
//!
//! PACE is [`crate::pace::establish_pace_any`] with the CHAT the holder
//! approves (`7F4C`, TR-03110-3 B.11.1); its [`PaceEstablished`] keeps
//! ID_PICC = Comp(PK_PICC) and the CARs the chip names in the last GENERAL
//! AUTHENTICATE (DO'87'/'88'), which TA binds and chooses its chain by.

use card_os::protocol::cvc::Chat;
use rand::CryptoRng;
use thiserror::Error;

use crate::card::{CardError, read_binary_sfi};
use crate::chip_auth::{self, CaEphemeral, ChipKey, SFI_CARD_SECURITY};
use crate::pace::{PaceEstablished, PaceFailure};
use crate::secure_channel::SecureChannel;
use crate::ta::{self, TerminalCredentials};
use crate::transport::{Transport, TransportError};

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

/// TA with `credentials`, then CA v2, over the PACE session. EF.CardSecurity
/// is read first: CA's ephemeral key, signed in TA, lives on its curve.
pub fn run_eac<T: Transport, R: CryptoRng>(
    pace: PaceEstablished<T>,
    credentials: &TerminalCredentials,
    rng: &mut R,
) -> Result<EacSession<T>, EacFailure> {
    let PaceEstablished {
        mut channel,
        id_picc,
        chip_cars,
        chat,
        ..
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
