//! Secure messaging (ICAO 9303-11 §9.8, ISO 7816-4 §10, TR-03110-3 F): the
//! data-object layout shared by every cipher, and the AES session.
//!
//! The layout below is cipher-independent; a cipher supplies only
//! [`SmCipherSuite`] (block size, SSC, encryption, checksum). AES is
//! [`SmSession`]; 3DES after BAC is [`TdesSmSession`](super::bac::TdesSmSession)
//! (IV = 0, retail MAC, 8-byte SSC and blocks).
//!
//! A [`SmSession`] exists only with session keys. Its send sequence counter
//! (SSC, one AES block) starts at 0 after PACE and is incremented before each
//! command and before each response, on both ends (ICAO 9303-11 §9.8.2).
//!
//! Protected command (ICAO 9303-11 §9.8.6.1):
//! `CLA|0C INS P1 P2 Lc' [87 L 01‖C | 85 L C] [97 L Le] 8E 08 MAC  Le'(00)`
//! with C = E(KS_enc, pad(data)) under IV = E(KS_enc, SSC) and
//! MAC = CMAC(KS_mac, pad(SSC ‖ pad(header) ‖ DO'87/85' ‖ DO'97')) truncated to 8
//! (for 3DES: IV = 0 and MAC = retail MAC, ISO/IEC 9797-1 algorithm 3).
//!
//! Protected response (§9.8.6.2): `[87 L 01‖C] 99 02 SW 8E 08 MAC  SW` with
//! MAC = CMAC(KS_mac, pad(SSC ‖ DO'87' ‖ DO'99')).
//!
//! The unwrapping functions consume the session and hand it back only on
//! success: after an SM error the keys are gone, as TR-03110-3 F.3 and the
//! chip baseline require ("any SM error ends the session").

use alloc::vec::Vec;
use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::pace::{PaceCipher, PaceResult};
use super::symmetric::{self, BLOCK_SIZE, SymmetricError};
use super::tlv::{self, TlvError};

/// CLA bits b4-b3 = 11: SM per ISO 7816-4 §10, command header authenticated
/// (ISO 7816-4 §5.4.1).
pub const CLA_SM: u8 = 0x0C;
/// b1 of INS: odd INS carries BER-TLV data, protected in DO'85' (ISO 7816-4 §10.2.2).
const INS_ODD: u8 = 0x01;
/// Padding-content indicator in DO'87': `01` = ISO/IEC 7816-4 padding.
const PADDING_INDICATOR_ISO: u8 = 0x01;
/// Cryptogram with padding-content indicator (even INS, and responses).
const TAG_CRYPTOGRAM_PADDED: u16 = 0x87;
/// Cryptogram of BER-TLV data, no indicator byte (odd INS).
const TAG_CRYPTOGRAM_TLV: u16 = 0x85;
/// Protected Le.
const TAG_LE: u16 = 0x97;
/// Processing status (SW1 SW2) of the response.
const TAG_STATUS: u16 = 0x99;
/// Cryptographic checksum.
const TAG_MAC: u16 = 0x8E;
/// The MAC is CMAC truncated to 8 bytes (ICAO 9303-11 §9.8.6.1).
pub const MAC_LEN: usize = 8;
/// Short-length limits (ISO 7816-4 §5.1).
const SHORT_LC_MAX: usize = 255;
const SHORT_NE_MAX: usize = 256;
const EXTENDED_LC_MAX: usize = 65_535;
const EXTENDED_NE_MAX: usize = 65_536;
/// Status words for SM errors (ISO 7816-4 §5.6, ICAO 9303-11 §9.8.7).
pub const SW_SM_DATA_OBJECTS_MISSING: u16 = 0x6987;
pub const SW_SM_DATA_OBJECTS_INCORRECT: u16 = 0x6988;

/// Why secure messaging failed. On the chip, answer `status_word()` without
/// SM; the session is already gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmError {
    /// CLA does not announce SM (b4-b3 ≠ 11) although a session is active.
    NotProtected,
    /// A mandatory SM data object (DO'8E', or DO'99' in a response) is absent.
    MissingDataObject { object: &'static str },
    /// The MAC does not verify (tampering, wrong keys or a replayed SSC).
    BadMac,
    /// The decrypted data does not end in ISO/IEC 7816-4 padding.
    BadPadding,
    /// An SM data object is malformed, unexpected or out of order.
    MalformedDataObject {
        object: &'static str,
        rule: &'static str,
    },
    /// The response came back without SM: the card ended the session.
    Unprotected { sw: u16 },
    /// The command does not fit an extended-length APDU.
    TooLong,
    /// The session keys are not 16, 24 or 32 bytes (AES) / 16 bytes (3DES)
    /// or differ in length.
    KeyLength,
}

impl SmError {
    /// ICAO 9303-11 §9.8.7 / ISO 7816-4: 6987 when expected SM data objects
    /// are missing, 6988 when they are incorrect.
    pub fn status_word(&self) -> u16 {
        match self {
            SmError::NotProtected | SmError::MissingDataObject { .. } => SW_SM_DATA_OBJECTS_MISSING,
            SmError::Unprotected { sw } => *sw,
            SmError::BadMac
            | SmError::BadPadding
            | SmError::MalformedDataObject { .. }
            | SmError::TooLong
            | SmError::KeyLength => SW_SM_DATA_OBJECTS_INCORRECT,
        }
    }
}

impl fmt::Display for SmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmError::NotProtected => f.write_str(
                "secure messaging: CLA must have b4-b3 = 11 (ISO 7816-4 §5.4.1) during a session",
            ),
            SmError::MissingDataObject { object } => {
                write!(f, "secure messaging: {object} is missing")
            }
            SmError::BadMac => f.write_str("secure messaging: DO'8E' MAC does not verify"),
            SmError::BadPadding => {
                f.write_str("secure messaging: decrypted data lacks ISO/IEC 7816-4 padding")
            }
            SmError::MalformedDataObject { object, rule } => {
                write!(f, "secure messaging: {object} {rule}")
            }
            SmError::Unprotected { sw } => write!(
                f,
                "secure messaging: card answered {sw:04X} without SM and ended the session"
            ),
            SmError::TooLong => {
                f.write_str("secure messaging: protected command exceeds 65535 data bytes")
            }
            SmError::KeyLength => f.write_str(
                "secure messaging: KS_enc and KS_mac must both be 16, 24 or 32 bytes (AES) or 16 bytes (3DES)",
            ),
        }
    }
}

impl From<TlvError> for SmError {
    fn from(_: TlvError) -> Self {
        SmError::MalformedDataObject {
            object: "SM data field",
            rule: "is not well-formed BER-TLV",
        }
    }
}

impl From<SymmetricError> for SmError {
    fn from(e: SymmetricError) -> Self {
        match e {
            SymmetricError::BadPadding => SmError::BadPadding,
            SymmetricError::NotBlockAligned => SmError::MalformedDataObject {
                object: "cryptogram",
                rule: "must be a whole number of 16-byte blocks",
            },
            SymmetricError::KeyLength => SmError::KeyLength,
        }
    }
}

/// A command APDU as plain fields, independent of the card's APDU module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Ne: `None` = no Le field; 256 / 65536 are `Le = 00` / `0000`.
    pub ne: Option<usize>,
}

impl Command {
    /// Whether the APDU needs extended length (ISO 7816-4 §5.1).
    pub fn is_extended(&self) -> bool {
        self.data.len() > SHORT_LC_MAX || self.ne.is_some_and(|ne| ne > SHORT_NE_MAX)
    }

    /// Encode, in short length when possible, else extended.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SmError> {
        if self.data.len() > EXTENDED_LC_MAX
            || self.ne.is_some_and(|ne| ne == 0 || ne > EXTENDED_NE_MAX)
        {
            return Err(SmError::TooLong);
        }
        let extended = self.is_extended();
        let mut out = Vec::with_capacity(self.data.len() + 9);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            if extended {
                out.push(0x00);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(ne) = self.ne {
            if extended {
                if self.data.is_empty() {
                    out.push(0x00);
                }
                // 65536 is encoded 0000 (ISO 7816-4 §5.1).
                out.extend_from_slice(&((ne % EXTENDED_NE_MAX) as u16).to_be_bytes());
            } else {
                out.push((ne % SHORT_NE_MAX) as u8);
            }
        }
        Ok(out)
    }

    /// Decode an APDU (cases 1-4, short or extended; ISO 7816-4 §5.1).
    pub fn parse(bytes: &[u8]) -> Result<Self, SmError> {
        const BAD: SmError = SmError::MalformedDataObject {
            object: "command APDU",
            rule: "has an inconsistent length field",
        };
        let (&[cla, ins, p1, p2], body) = bytes.split_first_chunk::<4>().ok_or(BAD)?;
        let (data, ne) = match body {
            [] => (&[][..], None),
            [le] => (
                &[][..],
                Some(if *le == 0 {
                    SHORT_NE_MAX
                } else {
                    usize::from(*le)
                }),
            ),
            [0x00, rest @ ..] if rest.len() >= 2 => {
                let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                let after = &rest[2..];
                if after.is_empty() {
                    (&[][..], Some(if n == 0 { EXTENDED_NE_MAX } else { n }))
                } else {
                    if n == 0 {
                        return Err(BAD);
                    }
                    let data = after.get(..n).ok_or(BAD)?;
                    match &after[n..] {
                        [] => (data, None),
                        [a, b] => {
                            let le = usize::from(u16::from_be_bytes([*a, *b]));
                            (data, Some(if le == 0 { EXTENDED_NE_MAX } else { le }))
                        }
                        _ => return Err(BAD),
                    }
                }
            }
            [lc, rest @ ..] => {
                let n = usize::from(*lc);
                let data = rest.get(..n).ok_or(BAD)?;
                match &rest[n..] {
                    [] => (data, None),
                    [le] => (
                        data,
                        Some(if *le == 0 {
                            SHORT_NE_MAX
                        } else {
                            usize::from(*le)
                        }),
                    ),
                    _ => return Err(BAD),
                }
            }
        };
        Ok(Command {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            ne,
        })
    }
}

/// A response APDU as plain fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl Response {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }

    /// Split body and trailer; at least the two SW bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, SmError> {
        let (data, sw) = bytes
            .split_last_chunk::<2>()
            .ok_or(SmError::MalformedDataObject {
                object: "response APDU",
                rule: "must end in SW1 SW2",
            })?;
        Ok(Response {
            data: data.to_vec(),
            sw: u16::from_be_bytes(*sw),
        })
    }
}

/// The cipher-specific half of secure messaging. The data-object layout
/// (DO'87'/'85'/'97'/'99'/'8E', ICAO 9303-11 §9.8.6) is the same for every
/// cipher and lives once, in the functions below; AES ([`SmSession`]) and
/// 3DES ([`TdesSmSession`](super::bac::TdesSmSession)) supply only this.
pub(crate) trait SmCipherSuite {
    /// Padding block size of data, header and MAC input: 16 for AES, 8 for
    /// 3DES (ICAO 9303-11 §9.8.6).
    const BLOCK_SIZE: usize;
    /// The send sequence counter, as it prefixes the MAC input.
    fn ssc_bytes(&self) -> &[u8];
    /// SSC += 1, before every command and every response (ICAO 9303-11 §9.8.2).
    fn increment_ssc(&mut self);
    /// Pad (ISO 7816-4 §10.2.3.1) and encrypt, with this cipher's IV for the
    /// current SSC.
    fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, SmError>;
    /// Decrypt a non-empty cryptogram and remove its padding.
    fn decrypt(&self, cryptogram: &[u8]) -> Result<Vec<u8>, SmError>;
    /// The 8-byte cryptographic checksum of input already padded to `BLOCK_SIZE`.
    fn checksum(&self, padded: &[u8]) -> Result<[u8; MAC_LEN], SmError>;
}

/// MAC(KS_mac, pad(SSC ‖ input)) (ICAO 9303-11 §9.8.6.1 / §9.8.6.2).
fn mac<S: SmCipherSuite>(suite: &S, input: &[u8]) -> Result<[u8; MAC_LEN], SmError> {
    let ssc = suite.ssc_bytes();
    let mut n = Vec::with_capacity(ssc.len() + input.len() + S::BLOCK_SIZE);
    n.extend_from_slice(ssc);
    n.extend_from_slice(input);
    symmetric::pad_to_block(&mut n, S::BLOCK_SIZE);
    suite.checksum(&n)
}

/// Compare in constant time, so a forger learns nothing from timing.
fn verify_mac<S: SmCipherSuite>(suite: &S, input: &[u8], received: &[u8]) -> Result<(), SmError> {
    let expected = mac(suite, input)?;
    if received.len() == MAC_LEN && bool::from(expected.ct_eq(received)) {
        Ok(())
    } else {
        Err(SmError::BadMac)
    }
}

fn decrypt<S: SmCipherSuite>(suite: &S, cryptogram: &[u8]) -> Result<Vec<u8>, SmError> {
    if cryptogram.is_empty() {
        return Err(SmError::MalformedDataObject {
            object: "cryptogram",
            rule: "must not be empty",
        });
    }
    suite.decrypt(cryptogram)
}

/// Terminal: protect a command (ICAO 9303-11 §9.8.6.1).
pub(crate) fn protect_command<S: SmCipherSuite>(
    suite: &mut S,
    plain: &Command,
) -> Result<Command, SmError> {
    if plain.data.len() > EXTENDED_LC_MAX
        || plain.ne.is_some_and(|ne| ne == 0 || ne > EXTENDED_NE_MAX)
    {
        return Err(SmError::TooLong);
    }
    suite.increment_ssc();
    let cla = plain.cla | CLA_SM;
    let mut dos = Vec::new();
    if !plain.data.is_empty() {
        let cryptogram = Zeroizing::new(suite.encrypt(&plain.data)?);
        if plain.ins & INS_ODD == 0 {
            let mut value = Vec::with_capacity(cryptogram.len() + 1);
            value.push(PADDING_INDICATOR_ISO);
            value.extend_from_slice(&cryptogram);
            tlv::push(&mut dos, TAG_CRYPTOGRAM_PADDED, &value);
        } else {
            tlv::push(&mut dos, TAG_CRYPTOGRAM_TLV, &cryptogram);
        }
    }
    if let Some(ne) = plain.ne {
        if plain.is_extended() {
            tlv::push(
                &mut dos,
                TAG_LE,
                &((ne % EXTENDED_NE_MAX) as u16).to_be_bytes(),
            );
        } else {
            tlv::push(&mut dos, TAG_LE, &[(ne % SHORT_NE_MAX) as u8]);
        }
    }
    let mut mac_input =
        symmetric::padded_to_block(&[cla, plain.ins, plain.p1, plain.p2], S::BLOCK_SIZE);
    mac_input.extend_from_slice(&dos);
    let checksum = mac(suite, &mac_input)?;
    tlv::push(&mut dos, TAG_MAC, &checksum);
    if dos.len() > EXTENDED_LC_MAX {
        return Err(SmError::TooLong);
    }
    // The response carries at least DO'99' and DO'8E': always ask for all
    // of it, extended when the plain command expects more than 256 bytes.
    let ne = if dos.len() > SHORT_LC_MAX || plain.ne.is_some_and(|ne| ne > SHORT_NE_MAX) {
        EXTENDED_NE_MAX
    } else {
        SHORT_NE_MAX
    };
    Ok(Command {
        cla,
        ins: plain.ins,
        p1: plain.p1,
        p2: plain.p2,
        data: dos,
        ne: Some(ne),
    })
}

/// Chip: check and decrypt a protected command (ICAO 9303-11 §9.8.6.1).
pub(crate) fn unprotect_command<S: SmCipherSuite>(
    suite: &mut S,
    protected: &Command,
) -> Result<Command, SmError> {
    if protected.cla & CLA_SM != CLA_SM {
        return Err(SmError::NotProtected);
    }
    suite.increment_ssc();
    let objects = tlv::parse_all(&protected.data)?;
    let (mac_do, before) = match objects.split_last() {
        Some((last, before)) if last.tag == TAG_MAC => (last, before),
        _ => {
            return Err(SmError::MissingDataObject {
                object: "DO'8E' (MAC)",
            });
        }
    };
    let mut cryptogram = None;
    let mut le = None;
    for object in before {
        match object.tag {
            TAG_CRYPTOGRAM_PADDED | TAG_CRYPTOGRAM_TLV if cryptogram.is_none() && le.is_none() => {
                cryptogram = Some(object)
            }
            TAG_LE if le.is_none() => le = Some(object.value),
            _ => {
                return Err(SmError::MalformedDataObject {
                    object: "SM data field",
                    rule: "must be [DO'87' or DO'85'] [DO'97'] DO'8E' in this order",
                });
            }
        }
    }
    // MAC first, over the bytes exactly as received (ICAO 9303-11 §9.8.6.1).
    let mut mac_input = symmetric::padded_to_block(
        &[protected.cla, protected.ins, protected.p1, protected.p2],
        S::BLOCK_SIZE,
    );
    for object in before {
        mac_input.extend_from_slice(object.encoded);
    }
    verify_mac(suite, &mac_input, mac_do.value)?;

    let data = match cryptogram {
        None => Vec::new(),
        Some(object) => {
            let odd = protected.ins & INS_ODD != 0;
            let body = match (object.tag, odd) {
                (TAG_CRYPTOGRAM_PADDED, false) => match object.value.split_first() {
                    Some((&PADDING_INDICATOR_ISO, body)) => body,
                    _ => {
                        return Err(SmError::MalformedDataObject {
                            object: "DO'87'",
                            rule: "must start with padding-content indicator 01",
                        });
                    }
                },
                (TAG_CRYPTOGRAM_TLV, true) => object.value,
                _ => {
                    return Err(SmError::MalformedDataObject {
                        object: "cryptogram",
                        rule: "must be DO'87' for an even INS and DO'85' for an odd INS",
                    });
                }
            };
            decrypt(suite, body)?
        }
    };
    let ne = match le {
        None => None,
        Some([0x00]) => Some(SHORT_NE_MAX),
        Some([n]) => Some(usize::from(*n)),
        Some([0x00, 0x00]) => Some(EXTENDED_NE_MAX),
        Some([a, b]) => Some(usize::from(u16::from_be_bytes([*a, *b]))),
        Some(_) => {
            return Err(SmError::MalformedDataObject {
                object: "DO'97'",
                rule: "must hold Le in 1 or 2 bytes",
            });
        }
    };
    Ok(Command {
        cla: protected.cla & !CLA_SM,
        ins: protected.ins,
        p1: protected.p1,
        p2: protected.p2,
        data,
        ne,
    })
}

/// Chip: protect a response (ICAO 9303-11 §9.8.6.2); returns the response
/// APDU bytes (body and SW trailer).
pub(crate) fn protect_response<S: SmCipherSuite>(
    suite: &mut S,
    plain: &Response,
) -> Result<Vec<u8>, SmError> {
    suite.increment_ssc();
    let mut dos = Vec::new();
    if !plain.data.is_empty() {
        let cryptogram = Zeroizing::new(suite.encrypt(&plain.data)?);
        let mut value = Vec::with_capacity(cryptogram.len() + 1);
        value.push(PADDING_INDICATOR_ISO);
        value.extend_from_slice(&cryptogram);
        tlv::push(&mut dos, TAG_CRYPTOGRAM_PADDED, &value);
    }
    tlv::push(&mut dos, TAG_STATUS, &plain.sw.to_be_bytes());
    let checksum = mac(suite, &dos)?;
    tlv::push(&mut dos, TAG_MAC, &checksum);
    dos.extend_from_slice(&plain.sw.to_be_bytes());
    Ok(dos)
}

/// Terminal: check and decrypt a protected response (ICAO 9303-11 §9.8.6.2).
pub(crate) fn unprotect_response<S: SmCipherSuite>(
    suite: &mut S,
    response: &[u8],
) -> Result<Response, SmError> {
    let outer = Response::parse(response)?;
    if outer.data.is_empty() {
        return Err(SmError::Unprotected { sw: outer.sw });
    }
    suite.increment_ssc();
    let objects = tlv::parse_all(&outer.data)?;
    let (mac_do, before) = match objects.split_last() {
        Some((last, before)) if last.tag == TAG_MAC => (last, before),
        _ => {
            return Err(SmError::MissingDataObject {
                object: "DO'8E' (MAC)",
            });
        }
    };
    let (cryptogram, status) = match before {
        [] => {
            return Err(SmError::MissingDataObject {
                object: "DO'99' (status)",
            });
        }
        [status] => (None, status),
        [cryptogram, status] => (Some(cryptogram), status),
        _ => {
            return Err(SmError::MalformedDataObject {
                object: "SM response",
                rule: "must be [DO'87' or DO'85'] DO'99' DO'8E' in this order",
            });
        }
    };
    if status.tag != TAG_STATUS {
        return Err(SmError::MissingDataObject {
            object: "DO'99' (status)",
        });
    }
    let mut mac_input = Vec::with_capacity(outer.data.len());
    for object in before {
        mac_input.extend_from_slice(object.encoded);
    }
    verify_mac(suite, &mac_input, mac_do.value)?;
    let sw = match status.value {
        [sw1, sw2] => u16::from_be_bytes([*sw1, *sw2]),
        _ => {
            return Err(SmError::MalformedDataObject {
                object: "DO'99'",
                rule: "must hold SW1 SW2",
            });
        }
    };
    let data = match cryptogram {
        None => Vec::new(),
        Some(object) if object.tag == TAG_CRYPTOGRAM_PADDED => match object.value.split_first() {
            Some((&PADDING_INDICATOR_ISO, body)) => decrypt(suite, body)?,
            _ => {
                return Err(SmError::MalformedDataObject {
                    object: "DO'87'",
                    rule: "must start with padding-content indicator 01",
                });
            }
        },
        Some(object) if object.tag == TAG_CRYPTOGRAM_TLV => decrypt(suite, object.value)?,
        Some(_) => {
            return Err(SmError::MalformedDataObject {
                object: "SM response",
                rule: "must be [DO'87' or DO'85'] DO'99' DO'8E' in this order",
            });
        }
    };
    // The SW of DO'99' is authenticated; the trailer is not and is ignored.
    Ok(Response { data, sw })
}

/// An established AES secure messaging session: keys, cipher and SSC.
/// `Clone` exists for fault injection only (card-os `fault.rs`: a faulty
/// card keeps a copy of the session it should have destroyed).
#[derive(Clone)]
pub struct SmSession {
    cipher: PaceCipher,
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
    ssc: [u8; BLOCK_SIZE],
}

impl Drop for SmSession {
    fn drop(&mut self) {
        self.ssc.zeroize();
    }
}

impl fmt::Debug for SmSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmSession")
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

/// AES: IV = E(KS_enc, SSC), MAC = CMAC truncated to 8 bytes
/// (ICAO 9303-11 §9.8.6.1, TR-03110-3 F.2).
impl SmCipherSuite for SmSession {
    const BLOCK_SIZE: usize = symmetric::BLOCK_SIZE;

    fn ssc_bytes(&self) -> &[u8] {
        &self.ssc
    }

    /// SSC += 1 as a 128-bit big-endian integer. 2^128 messages never happen;
    /// wrapping keeps the code total.
    fn increment_ssc(&mut self) {
        let value = u128::from_be_bytes(self.ssc).wrapping_add(1);
        self.ssc = value.to_be_bytes();
    }

    fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, SmError> {
        let mut data = symmetric::padded(plain);
        symmetric::cbc_encrypt(&self.ks_enc, &self.iv()?, &mut data)?;
        Ok(data)
    }

    fn decrypt(&self, cryptogram: &[u8]) -> Result<Vec<u8>, SmError> {
        let mut data = cryptogram.to_vec();
        let result = symmetric::cbc_decrypt(&self.ks_enc, &self.iv()?, &mut data)
            .and_then(|()| symmetric::unpad(&mut data));
        if let Err(e) = result {
            data.zeroize();
            return Err(e.into());
        }
        Ok(data)
    }

    fn checksum(&self, padded: &[u8]) -> Result<[u8; MAC_LEN], SmError> {
        let full = symmetric::cmac(&self.ks_mac, &[padded])?;
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&full[..MAC_LEN]);
        Ok(mac)
    }
}

impl SmSession {
    /// A session with SSC = 0 (as after PACE, ICAO 9303-11 §9.8.2).
    pub fn new(ks_enc: &[u8], ks_mac: &[u8]) -> Result<Self, SmError> {
        let cipher = PaceCipher::from_key_len(ks_enc.len()).ok_or(SmError::KeyLength)?;
        if ks_mac.len() != ks_enc.len() {
            return Err(SmError::KeyLength);
        }
        Ok(SmSession {
            cipher,
            ks_enc: Zeroizing::new(ks_enc.to_vec()),
            ks_mac: Zeroizing::new(ks_mac.to_vec()),
            ssc: [0; BLOCK_SIZE],
        })
    }

    /// The session PACE established.
    pub fn from_pace(result: &PaceResult) -> Result<Self, SmError> {
        Self::new(&result.ks_enc, &result.ks_mac)
    }

    pub fn cipher(&self) -> PaceCipher {
        self.cipher
    }

    /// The current send sequence counter.
    pub fn ssc(&self) -> [u8; BLOCK_SIZE] {
        self.ssc
    }

    /// KS_enc and KS_mac. Only for the test-mode key export of the emulator's
    /// APDU trace (docs/spec/trace.md); never logged or sent by default.
    pub fn keys(&self) -> (&[u8], &[u8]) {
        (&self.ks_enc, &self.ks_mac)
    }

    /// IV = E(KS_enc, SSC) (ICAO 9303-11 §9.8.6.1, AES only).
    fn iv(&self) -> Result<[u8; BLOCK_SIZE], SmError> {
        let mut iv = self.ssc;
        symmetric::encrypt_block(&self.ks_enc, &mut iv)?;
        Ok(iv)
    }

    /// Terminal: protect a command (ICAO 9303-11 §9.8.6.1). Returns the
    /// protected APDU; `to_bytes()` gives what to transmit.
    pub fn wrap_command(&mut self, plain: &Command) -> Result<Command, SmError> {
        protect_command(self, plain)
    }

    /// Chip: check and decrypt a protected command (ICAO 9303-11 §9.8.6.1).
    /// The session comes back only on success; on error answer
    /// `error.status_word()` in plain and treat the session as ended.
    pub fn unwrap_command(mut self, protected: &Command) -> Result<(SmSession, Command), SmError> {
        let plain = unprotect_command(&mut self, protected)?;
        Ok((self, plain))
    }

    /// Chip: protect a response (ICAO 9303-11 §9.8.6.2); returns the response
    /// APDU bytes (body and SW trailer).
    pub fn wrap_response(&mut self, plain: &Response) -> Result<Vec<u8>, SmError> {
        protect_response(self, plain)
    }

    /// Terminal: check and decrypt a protected response. The session comes
    /// back only on success.
    pub fn unwrap_response(mut self, response: &[u8]) -> Result<(SmSession, Response), SmError> {
        let plain = unprotect_response(&mut self, response)?;
        Ok((self, plain))
    }
}
