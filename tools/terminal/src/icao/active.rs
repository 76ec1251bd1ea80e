//! Active Authentication (ICAO 9303-11 §6.1): the chip signs an 8-byte
//! challenge with the private key of DG15, proving it is not a copy.
//! `INTERNAL AUTHENTICATE 00 88 00 00 08 <challenge> 00` (ISO 7816-4 §11.5.2),
//! checked with `card_os::protocol::aa::aa_verify` (RSA ISO/IEC 9796-2
//! scheme 1 or ECDSA P-384).

use card_os::protocol::aa::{AA_CHALLENGE_LEN, aa_verify, decode_dg15};
use rand::CryptoRng;

use super::passive::Check;
use crate::card::{CLA_PLAIN, SW_OK, sw_meaning, transmit};
use crate::transport::Transport;

/// INTERNAL AUTHENTICATE (ISO 7816-4 §11.5.2).
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;
/// P1 = P2 = 00: algorithm and key implicit (ICAO 9303-11 §6.1.2).
const P1_P2_IMPLICIT: u8 = 0x00;
/// Le `00`: up to 256 bytes (an RSA-2048 signature is 256).
const LE_MAX_SHORT: u8 = 0x00;

/// `00 88 00 00 08 <challenge> 00`.
pub fn internal_authenticate_apdu(challenge: &[u8; AA_CHALLENGE_LEN]) -> Vec<u8> {
    let mut apdu = vec![
        CLA_PLAIN,
        INS_INTERNAL_AUTHENTICATE,
        P1_P2_IMPLICIT,
        P1_P2_IMPLICIT,
        AA_CHALLENGE_LEN as u8,
    ];
    apdu.extend_from_slice(challenge);
    apdu.push(LE_MAX_SHORT);
    apdu
}

/// Run Active Authentication with the key of `dg15` (content with tag `6F`).
pub fn active_authentication<R: CryptoRng>(
    transport: &mut dyn Transport,
    dg15: &[u8],
    rng: &mut R,
) -> Check {
    let key = match decode_dg15(dg15) {
        Ok(key) => key,
        Err(e) => {
            return Check::Failed {
                reason: format!("DG15: {e}"),
            };
        }
    };
    let mut challenge = [0u8; AA_CHALLENGE_LEN];
    rng.fill_bytes(&mut challenge);
    let response = match transmit(transport, &internal_authenticate_apdu(&challenge)) {
        Ok(r) => r,
        Err(e) => {
            return Check::Failed {
                reason: format!("INTERNAL AUTHENTICATE: {e}"),
            };
        }
    };
    if response.sw != SW_OK {
        return Check::Failed {
            reason: format!(
                "INTERNAL AUTHENTICATE: card answered {:04X} ({})",
                response.sw,
                sw_meaning(response.sw)
            ),
        };
    }
    let kind = match key {
        card_os::protocol::aa::AaPublicKey::Rsa(_) => "RSA, ISO/IEC 9796-2 scheme 1",
        card_os::protocol::aa::AaPublicKey::EcdsaP384(_) => "ECDSA P-384",
    };
    match aa_verify(&key, &challenge, &response.data) {
        Ok(()) => Check::Passed {
            detail: format!("{kind} signature over a fresh challenge verifies with DG15"),
        },
        Err(e) => Check::Failed {
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apdu_layout_follows_9303_11_6_1_2() {
        let apdu = internal_authenticate_apdu(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            hex::encode_upper(apdu),
            "00880000080102030405060708".to_owned() + "00"
        );
    }
}
