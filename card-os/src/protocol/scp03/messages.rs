//! INITIALIZE UPDATE and EXTERNAL AUTHENTICATE: class, instruction and
//! parameter bytes, and the INITIALIZE UPDATE response (GP Amd D §7.1;
//! docs/spec/scp03.md §Commands).

use alloc::vec::Vec;

use super::error::Scp03Error;
use super::kdf::{CHALLENGE_LEN, CRYPTOGRAM_LEN};
use super::keys::{Kdd, KDD_LEN};

/// GlobalPlatform proprietary class, no secure messaging (GP CS §11.1.4).
pub const CLA_GP: u8 = 0x80;
/// GlobalPlatform proprietary class with secure messaging: b3 set (GP CS §11.1.4).
pub const CLA_GP_SECURED: u8 = 0x84;
pub const INS_INITIALIZE_UPDATE: u8 = 0x50;
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;
/// INITIALIZE UPDATE P1 `00`: "the card's key set".
pub const KVN_ANY: u8 = 0x00;
/// The only P2 of both commands.
pub const P2_NONE: u8 = 0x00;
/// Secure channel protocol identifier in the INITIALIZE UPDATE response.
pub const SCP_ID: u8 = 0x03;
/// i parameter b5: pseudo-random card challenge (with a sequence counter).
pub const I_PSEUDO_RANDOM_CHALLENGE: u8 = 0x10;
/// i parameter b6: R-MAC supported.
pub const I_R_MAC: u8 = 0x20;
/// This card's i parameter: random card challenge, R-MAC, no R-ENCRYPTION.
pub const I_PARAMETER: u8 = I_R_MAC;
/// KDD ‖ KVN ‖ SCP id ‖ i ‖ card challenge ‖ card cryptogram.
pub const INITIALIZE_UPDATE_RESPONSE_LEN: usize = KDD_LEN + 3 + CHALLENGE_LEN + CRYPTOGRAM_LEN;
/// Sequence counter of a card with a pseudo-random challenge (not this card).
pub const SEQUENCE_COUNTER_LEN: usize = 3;
/// Le `00` of INITIALIZE UPDATE.
const LE_ANY: u8 = 0x00;

/// `80 50 KVN 00 08 host-challenge 00`.
pub fn initialize_update_command(kvn: u8, host_challenge: &[u8; CHALLENGE_LEN]) -> Vec<u8> {
    let mut apdu = Vec::with_capacity(6 + CHALLENGE_LEN);
    apdu.extend_from_slice(&[CLA_GP, INS_INITIALIZE_UPDATE, kvn, P2_NONE, CHALLENGE_LEN as u8]);
    apdu.extend_from_slice(host_challenge);
    apdu.push(LE_ANY);
    apdu
}

/// The response data of INITIALIZE UPDATE (GP Amd D §7.1.1.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitializeUpdateResponse {
    pub kdd: Kdd,
    pub kvn: u8,
    /// The "i" parameter (GP Amd D §5.1).
    pub i: u8,
    pub card_challenge: [u8; CHALLENGE_LEN],
    pub card_cryptogram: [u8; CRYPTOGRAM_LEN],
    /// Present only with a pseudo-random card challenge (other cards).
    pub sequence_counter: Option<[u8; SEQUENCE_COUNTER_LEN]>,
}

impl InitializeUpdateResponse {
    /// Decode the response data (without SW1 SW2). 29 bytes, or 32 with a
    /// sequence counter; SCP identifier `03`.
    pub fn parse(data: &[u8]) -> Result<InitializeUpdateResponse, Scp03Error> {
        let wrong = Scp03Error::WrongLength {
            field: "INITIALIZE UPDATE response",
            expected: INITIALIZE_UPDATE_RESPONSE_LEN,
            actual: data.len(),
        };
        let (fixed, counter) = match data.len() {
            INITIALIZE_UPDATE_RESPONSE_LEN => (data, None),
            n if n == INITIALIZE_UPDATE_RESPONSE_LEN + SEQUENCE_COUNTER_LEN => {
                let (fixed, counter) = data.split_at(INITIALIZE_UPDATE_RESPONSE_LEN);
                (fixed, Some(counter))
            }
            _ => return Err(wrong),
        };
        let (kdd, rest) = fixed.split_first_chunk::<KDD_LEN>().ok_or(wrong)?;
        let ([kvn, scp_id, i], rest) = rest.split_first_chunk::<3>().map(|(a, r)| (*a, r)).ok_or(wrong)?;
        let (card_challenge, card_cryptogram) = rest.split_first_chunk::<CHALLENGE_LEN>().ok_or(wrong)?;
        let card_cryptogram: [u8; CRYPTOGRAM_LEN] = card_cryptogram.try_into().map_err(|_| wrong)?;
        if scp_id != SCP_ID {
            return Err(Scp03Error::UnsupportedProtocol(scp_id));
        }
        let sequence_counter = match counter {
            None => None,
            Some(c) => Some(c.try_into().map_err(|_| wrong)?),
        };
        Ok(InitializeUpdateResponse {
            kdd: Kdd(*kdd),
            kvn,
            i,
            card_challenge: *card_challenge,
            card_cryptogram,
            sequence_counter,
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(INITIALIZE_UPDATE_RESPONSE_LEN + SEQUENCE_COUNTER_LEN);
        out.extend_from_slice(&self.kdd.0);
        out.extend_from_slice(&[self.kvn, SCP_ID, self.i]);
        out.extend_from_slice(&self.card_challenge);
        out.extend_from_slice(&self.card_cryptogram);
        if let Some(counter) = &self.sequence_counter {
            out.extend_from_slice(counter);
        }
        out
    }

    /// Whether the card offers R-MAC (i parameter b6).
    pub fn supports_response_mac(&self) -> bool {
        self.i & I_R_MAC != 0
    }
}
