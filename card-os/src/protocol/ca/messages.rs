//! The command data of Chip Authentication (ICAO 9303-11 §6.2.4,
//! TR-03110-3 B.11.1 / B.11.2 / B.11.4), built by the terminal and decoded
//! by the chip from one definition.
//!
//! | cipher | command | data field |
//! |--------|---------|------------|
//! | 3DES   | MSE:Set KAT `00 22 41 A6` | `91 PK_IFD [84 keyId]` |
//! | AES    | MSE:Set AT `00 22 41 A4`  | `80 OID [84 keyId]` |
//! | AES    | GENERAL AUTHENTICATE `00 86 00 00` | `7C { 80 PK_IFD }`; response `7C 00` |

use alloc::vec::Vec;

use super::{CaCipher, CaError};
use crate::protocol::sm::Command;
use crate::protocol::tlv;

const CLA_PLAIN: u8 = 0x00;
const INS_MSE: u8 = 0x22;
const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
/// MSE P1 = `41`: set, for internal authentication / computation (ISO 7816-4 §7.5.11).
pub const MSE_P1_SET_COMPUTATION: u8 = 0x41;
/// MSE P2 = `A6`: key agreement template (ICAO 9303-11 §6.2.4.1).
pub const MSE_P2_KAT: u8 = 0xA6;
/// MSE P2 = `A4`: authentication template (TR-03110-3 B.11.1).
pub const MSE_P2_AT: u8 = 0xA4;
const P1_P2_NONE: u8 = 0x00;
/// GENERAL AUTHENTICATE answers up to 256 bytes (Le = 00).
const NE_SHORT_MAX: usize = 256;
/// Cryptographic mechanism reference (the protocol OID content).
const TAG_MECHANISM: u16 = 0x80;
/// Reference of a private key: the chip's key id.
const TAG_PRIVATE_KEY_REFERENCE: u16 = 0x84;
/// Ephemeral public key in MSE:Set KAT (ICAO 9303-11 §6.2.4.1).
const TAG_EPHEMERAL_PUBLIC_KEY_KAT: u16 = 0x91;
/// Dynamic authentication data and the ephemeral public key inside it.
const TAG_DYNAMIC_AUTHENTICATION_DATA: u16 = 0x7C;
const TAG_EPHEMERAL_PUBLIC_KEY_GA: u16 = 0x80;

/// The key id as the minimal big-endian bytes of DO'84'.
fn key_reference(key_id: u32) -> Vec<u8> {
    let bytes = key_id.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
    bytes[first..].to_vec()
}

fn parse_key_reference(value: &[u8]) -> Result<u32, CaError> {
    if value.is_empty() || value.len() > 4 {
        return Err(CaError::Malformed {
            field: "DO'84' (key reference)",
            rule: "must be 1 to 4 bytes",
        });
    }
    Ok(value.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// MSE:Set KAT data: `91 PK_IFD [84 keyId]`.
pub fn mse_set_kat_data(ephemeral_public_key: &[u8], key_id: Option<u32>) -> Vec<u8> {
    let mut out = tlv::build(TAG_EPHEMERAL_PUBLIC_KEY_KAT, ephemeral_public_key);
    if let Some(id) = key_id {
        tlv::push(&mut out, TAG_PRIVATE_KEY_REFERENCE, &key_reference(id));
    }
    out
}

/// MSE:Set AT data for CA: `80 OID [84 keyId]`.
pub fn mse_set_at_data(cipher: CaCipher, key_id: Option<u32>) -> Vec<u8> {
    let mut out = tlv::build(TAG_MECHANISM, &cipher.oid().to_der_content());
    if let Some(id) = key_id {
        tlv::push(&mut out, TAG_PRIVATE_KEY_REFERENCE, &key_reference(id));
    }
    out
}

/// GENERAL AUTHENTICATE data: `7C { 80 PK_IFD }`.
pub fn general_authenticate_data(ephemeral_public_key: &[u8]) -> Vec<u8> {
    tlv::build(
        TAG_DYNAMIC_AUTHENTICATION_DATA,
        &tlv::build(TAG_EPHEMERAL_PUBLIC_KEY_GA, ephemeral_public_key),
    )
}

/// The chip's GENERAL AUTHENTICATE response data for CA v1: `7C 00`.
pub fn general_authenticate_response() -> Vec<u8> {
    tlv::build(TAG_DYNAMIC_AUTHENTICATION_DATA, &[])
}

/// The commands a terminal sends for `cipher` (§6.2.4).
pub fn terminal_commands(
    cipher: CaCipher,
    ephemeral_public_key: &[u8],
    key_id: Option<u32>,
) -> Vec<Command> {
    match cipher {
        CaCipher::Tdes => alloc::vec![Command {
            cla: CLA_PLAIN,
            ins: INS_MSE,
            p1: MSE_P1_SET_COMPUTATION,
            p2: MSE_P2_KAT,
            data: mse_set_kat_data(ephemeral_public_key, key_id),
            ne: None,
        }],
        _ => alloc::vec![
            Command {
                cla: CLA_PLAIN,
                ins: INS_MSE,
                p1: MSE_P1_SET_COMPUTATION,
                p2: MSE_P2_AT,
                data: mse_set_at_data(cipher, key_id),
                ne: None,
            },
            Command {
                cla: CLA_PLAIN,
                ins: INS_GENERAL_AUTHENTICATE,
                p1: P1_P2_NONE,
                p2: P1_P2_NONE,
                data: general_authenticate_data(ephemeral_public_key),
                ne: Some(NE_SHORT_MAX),
            },
        ],
    }
}

/// What the chip learned from one CA command's data field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaCommandData {
    /// MSE:Set KAT: the terminal's key (3DES CA completes here).
    SetKat {
        ephemeral_public_key: Vec<u8>,
        key_id: Option<u32>,
    },
    /// MSE:Set AT: the protocol; the key follows in GENERAL AUTHENTICATE.
    SetAt { cipher: CaCipher, key_id: Option<u32> },
    /// GENERAL AUTHENTICATE: the terminal's key.
    GeneralAuthenticate { ephemeral_public_key: Vec<u8> },
}

impl CaCommandData {
    /// Decode MSE:Set KAT data: DO'91' required, DO'84' optional, nothing else.
    pub fn decode_mse_set_kat(data: &[u8]) -> Result<Self, CaError> {
        let mut key = None;
        let mut key_id = None;
        for object in tlv::parse_all(data)? {
            match object.tag {
                TAG_EPHEMERAL_PUBLIC_KEY_KAT if key.is_none() => key = Some(object.value.to_vec()),
                TAG_PRIVATE_KEY_REFERENCE if key_id.is_none() => {
                    key_id = Some(parse_key_reference(object.value)?)
                }
                _ => {
                    return Err(CaError::Malformed {
                        field: "MSE:Set KAT data",
                        rule: "holds DO'91' and an optional DO'84', each once (ICAO 9303-11 §6.2.4.1)",
                    });
                }
            }
        }
        Ok(CaCommandData::SetKat {
            ephemeral_public_key: key.ok_or(CaError::Malformed {
                field: "MSE:Set KAT DO'91'",
                rule: "the ephemeral public key is required",
            })?,
            key_id,
        })
    }

    /// Decode MSE:Set AT data for CA: DO'80' (an id-CA-ECDH OID) required,
    /// DO'84' optional.
    pub fn decode_mse_set_at(data: &[u8]) -> Result<Self, CaError> {
        let mut cipher = None;
        let mut key_id = None;
        for object in tlv::parse_all(data)? {
            match object.tag {
                TAG_MECHANISM if cipher.is_none() => {
                    cipher = Some(CaCipher::from_oid_der_content(object.value)?)
                }
                TAG_PRIVATE_KEY_REFERENCE if key_id.is_none() => {
                    key_id = Some(parse_key_reference(object.value)?)
                }
                _ => {
                    return Err(CaError::Malformed {
                        field: "MSE:Set AT data (CA)",
                        rule: "holds DO'80' and an optional DO'84', each once (TR-03110-3 B.11.1)",
                    });
                }
            }
        }
        Ok(CaCommandData::SetAt {
            cipher: cipher.ok_or(CaError::Malformed {
                field: "MSE:Set AT DO'80'",
                rule: "the protocol OID is required",
            })?,
            key_id,
        })
    }

    /// Decode GENERAL AUTHENTICATE data `7C { 80 PK }` (exactly that).
    pub fn decode_general_authenticate(data: &[u8]) -> Result<Self, CaError> {
        let inner = tlv::parse_single(data, TAG_DYNAMIC_AUTHENTICATION_DATA)?.ok_or(
            CaError::Malformed {
                field: "GENERAL AUTHENTICATE data",
                rule: "must be exactly one DO'7C'",
            },
        )?;
        let key = tlv::parse_single(inner, TAG_EPHEMERAL_PUBLIC_KEY_GA)?.ok_or(
            CaError::Malformed {
                field: "GENERAL AUTHENTICATE DO'7C'",
                rule: "must hold exactly DO'80' (the ephemeral public key)",
            },
        )?;
        Ok(CaCommandData::GeneralAuthenticate {
            ephemeral_public_key: key.to_vec(),
        })
    }
}
