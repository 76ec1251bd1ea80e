//! The two BAC commands (ICAO 9303-11 §4.3.3 and Appendix D.3):
//!
//! * GET CHALLENGE `00 84 00 00 08` → RND.IC (8 bytes) `90 00`
//!   (ISO 7816-4 §7.5.3);
//! * EXTERNAL AUTHENTICATE `00 82 00 00 28 E_IFD‖M_IFD 28` → E_IC‖M_IC `90 00`
//!   (ISO 7816-4 §7.5.4; P1 = 00: no algorithm reference, P2 = 00: no key
//!   reference, both implicit in BAC).

use alloc::vec::Vec;

use super::error::BacError;
use crate::protocol::sm::Command;

/// ISO 7816-4 §7.5.3.
pub const INS_GET_CHALLENGE: u8 = 0x84;
/// ISO 7816-4 §7.5.4 (EXTERNAL / MUTUAL AUTHENTICATE).
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;
/// Interindustry class, no SM, no chaining (ISO 7816-4 §5.4.1).
const CLA_PLAIN: u8 = 0x00;
/// P1 and P2 are both 00 for BAC.
const P1_P2_NONE: u8 = 0x00;

/// RND.IC and RND.IFD (ICAO 9303-11 §4.3.3.1).
pub const RND_LEN: usize = 8;
/// The key material K.IFD and K.IC.
pub const KEY_MATERIAL_LEN: usize = 16;
/// S = RND.IFD ‖ RND.IC ‖ K.IFD and R = RND.IC ‖ RND.IFD ‖ K.IC, and their cryptograms.
pub const CRYPTOGRAM_LEN: usize = 2 * RND_LEN + KEY_MATERIAL_LEN;
/// E ‖ M, the data field of EXTERNAL AUTHENTICATE and of its response.
pub const AUTHENTICATION_DATA_LEN: usize = CRYPTOGRAM_LEN + super::tdes::RETAIL_MAC_LEN;

/// Terminal: `00 84 00 00 08`.
pub fn get_challenge_command() -> Command {
    Command {
        cla: CLA_PLAIN,
        ins: INS_GET_CHALLENGE,
        p1: P1_P2_NONE,
        p2: P1_P2_NONE,
        data: Vec::new(),
        ne: Some(RND_LEN),
    }
}

/// Terminal: `00 82 00 00 28 E_IFD‖M_IFD 28`.
pub fn external_authenticate_command(data: &[u8; AUTHENTICATION_DATA_LEN]) -> Command {
    Command {
        cla: CLA_PLAIN,
        ins: INS_EXTERNAL_AUTHENTICATE,
        p1: P1_P2_NONE,
        p2: P1_P2_NONE,
        data: data.to_vec(),
        ne: Some(AUTHENTICATION_DATA_LEN),
    }
}

/// Chip: GET CHALLENGE must have P1-P2 = 00 00, no data and ask for 8 bytes.
pub fn check_get_challenge(command: &Command) -> Result<(), BacError> {
    if command.p1 != P1_P2_NONE || command.p2 != P1_P2_NONE {
        return Err(BacError::WrongParameters {
            command: "GET CHALLENGE",
        });
    }
    let ne = command.ne.unwrap_or(0);
    if !command.data.is_empty() || ne != RND_LEN {
        return Err(BacError::WrongLength {
            field: "GET CHALLENGE Le",
            expected: RND_LEN,
            actual: ne,
        });
    }
    Ok(())
}

/// Chip: EXTERNAL AUTHENTICATE must have P1-P2 = 00 00 and 40 data bytes;
/// Le is 28 or 00 (ISO 7816-4 §5.1: 00 means "up to 256"). Returns the data.
pub fn check_external_authenticate(
    command: &Command,
) -> Result<&[u8; AUTHENTICATION_DATA_LEN], BacError> {
    if command.p1 != P1_P2_NONE || command.p2 != P1_P2_NONE {
        return Err(BacError::WrongParameters {
            command: "EXTERNAL AUTHENTICATE",
        });
    }
    let data =
        <&[u8; AUTHENTICATION_DATA_LEN]>::try_from(command.data.as_slice()).map_err(|_| {
            BacError::WrongLength {
                field: "EXTERNAL AUTHENTICATE data (E_IFD‖M_IFD)",
                expected: AUTHENTICATION_DATA_LEN,
                actual: command.data.len(),
            }
        })?;
    match command.ne {
        Some(ne) if ne >= AUTHENTICATION_DATA_LEN => Ok(data),
        other => Err(BacError::WrongLength {
            field: "EXTERNAL AUTHENTICATE Le",
            expected: AUTHENTICATION_DATA_LEN,
            actual: other.unwrap_or(0),
        }),
    }
}
