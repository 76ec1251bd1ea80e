//! The terminal side of Basic Access Control over a [`Transport`]
//! (ICAO 9303-11 §4.3): GET CHALLENGE, EXTERNAL AUTHENTICATE with the keys
//! from the MRZ information, then 3DES secure messaging with the SSC both
//! ends derived (§9.8.2). The cryptography is
//! `card_os::protocol::bac::BacTerminal`, checked against Appendix D.

use card_os::protocol::bac::{BacError, BacKeys, BacTerminal, TdesSmSession};
use card_os::protocol::sm::Response as SmResponse;
use rand::CryptoRng;

use super::channel::{IcaoChannel, SmSessionKind};
use crate::card::{SW_OK, sw_meaning, transmit};
use crate::transport::{Transport, TransportError};

#[derive(Debug, thiserror::Error)]
pub enum BacFailure {
    #[error("BAC failed: GET CHALLENGE: card answered {sw:04X} ({meaning})")]
    GetChallenge { sw: u16, meaning: &'static str },
    #[error(
        "BAC failed: EXTERNAL AUTHENTICATE refused ({sw:04X}): the document number, date of birth or date of expiry is wrong"
    )]
    WrongMrz { sw: u16 },
    #[error("BAC failed: {0}")]
    Protocol(BacError),
    #[error("BAC failed: {0}")]
    Transport(TransportError),
}

impl From<TransportError> for BacFailure {
    fn from(error: TransportError) -> Self {
        BacFailure::Transport(error)
    }
}

/// Run BAC with `keys` (the LDS1 application already selected) and return
/// the 3DES channel over `transport`.
pub fn establish_bac<T: Transport, R: CryptoRng>(
    mut transport: T,
    keys: BacKeys,
    rng: &mut R,
) -> Result<IcaoChannel<T>, BacFailure> {
    let terminal = BacTerminal::new(keys);
    let apdu = terminal
        .get_challenge_command()
        .to_bytes()
        .map_err(|e| BacFailure::Transport(TransportError::SecureMessaging(e)))?;
    let challenge = transmit(&mut transport, &apdu)?;
    if challenge.sw != SW_OK {
        return Err(BacFailure::GetChallenge {
            sw: challenge.sw,
            meaning: sw_meaning(challenge.sw),
        });
    }
    let authenticating = terminal
        .authenticate(&challenge.data, rng)
        .map_err(BacFailure::Protocol)?;
    let apdu = authenticating
        .external_authenticate_command()
        .to_bytes()
        .map_err(|e| BacFailure::Transport(TransportError::SecureMessaging(e)))?;
    let answer = transmit(&mut transport, &apdu)?;
    if answer.sw != SW_OK {
        // 6300 is the rule (ICAO 9303-11 §4.3.3.2); some chips answer 6982
        // or 6A80 for a wrong cryptogram: all mean the keys differ.
        return Err(BacFailure::WrongMrz { sw: answer.sw });
    }
    let result = authenticating
        .finish(&SmResponse {
            data: answer.data,
            sw: answer.sw,
        })
        .map_err(BacFailure::Protocol)?;
    Ok(IcaoChannel::new(
        transport,
        SmSessionKind::Tdes(TdesSmSession::from_bac(&result)),
    ))
}
