//! Card-level helpers over any [`Transport`]: SELECT by AID and READ BINARY of
//! a whole transparent EF (ISO 7816-4 §11.2.2, §11.3.3).

use card_os::status::StatusWord;
use thiserror::Error;

use crate::transport::{Transport, TransportError};

/// CLA of an interindustry command, no SM, no chaining, basic channel (ISO 7816-4 §5.4.1).
pub const CLA_PLAIN: u8 = 0x00;
/// SELECT (ISO 7816-4 §11.2.2).
pub const INS_SELECT: u8 = 0xA4;
/// READ BINARY with an offset in P1-P2 or a short EF identifier (ISO 7816-4 §11.3.3).
pub const INS_READ_BINARY: u8 = 0xB0;
/// SELECT P1: select by DF name, i.e. the application identifier (ISO 7816-4 table 39).
const SELECT_P1_BY_DF_NAME: u8 = 0x04;
/// SELECT P2: first or only occurrence, no response data (ISO 7816-4 table 40).
const SELECT_P2_NO_RESPONSE_DATA: u8 = 0x0C;
/// READ BINARY P1 bit 8 set: bits 5-1 carry a short EF identifier and P2 the offset (ISO 7816-4 §11.3.3).
const P1_SFI_FLAG: u8 = 0x80;
/// Short EF identifiers are 1..=30 (ISO 7816-4 §7.2.2).
const SFI_MAX: u8 = 30;
/// Short Le '00' asks for up to 256 bytes (ISO 7816-4 §5.1).
const LE_MAX_SHORT: u8 = 0x00;
const NE_MAX_SHORT: usize = 256;
/// With P1 bit 8 clear the offset is 15 bits (ISO 7816-4 §11.3.3).
const OFFSET_MAX: usize = 0x7FFF;
/// Status word of normal processing.
pub const SW_OK: u16 = 0x9000;
/// Warning: end of file reached before reading Ne bytes (ISO 7816-4 table 6).
const SW_END_OF_FILE: u16 = 0x6282;
/// Wrong parameters P1-P2: offset outside the EF (ISO 7816-4 table 6).
const SW_OFFSET_OUTSIDE_EF: u16 = 0x6B00;
/// SW1 '6C': wrong Le, SW2 = the exact number of available bytes (ISO 7816-4 table 6).
const SW1_WRONG_LE: u8 = 0x6C;

/// A response APDU split into data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    /// SW1-SW2 as one number, e.g. `0x9000`.
    pub sw: u16,
}

impl Response {
    /// Splits `data ‖ SW1 SW2`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TransportError> {
        match bytes {
            [data @ .., sw1, sw2] => Ok(Self { data: data.to_vec(), sw: u16::from_be_bytes([*sw1, *sw2]) }),
            _ => Err(TransportError::ResponseTooShort(bytes.len())),
        }
    }

    pub fn is_ok(&self) -> bool {
        self.sw == SW_OK
    }

    /// What the status word means, for people.
    pub fn sw_meaning(&self) -> &'static str {
        sw_meaning(self.sw)
    }
}

/// What a status word means, for people; status words the New eID never
/// returns get a generic ISO 7816-4 class description.
pub fn sw_meaning(sw: u16) -> &'static str {
    if let Some(known) = StatusWord::from_u16(sw) {
        return known.meaning();
    }
    // ISO 7816-4 §5.6, table 5: the class of SW1 for words outside the card's table.
    match sw >> 8 {
        0x61 => "normal processing; SW2 = number of response bytes still available",
        0x62 | 0x63 => "warning (not a status word of this card)",
        0x64..=0x66 => "execution error (not a status word of this card)",
        0x67..=0x6F => "checking error (not a status word of this card)",
        0x90 => "normal processing (proprietary SW2)",
        _ => "not an ISO 7816-4 status word",
    }
}

/// A command answered with a status word that ends the operation.
#[derive(Debug, Error)]
pub enum CardError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("{command}: card answered {sw:04X} ({meaning})")]
    Status { command: String, sw: u16, meaning: &'static str },
    #[error("READ BINARY: short EF identifier {0} is outside 1..=30 (ISO 7816-4 §7.2.2)")]
    InvalidSfi(u8),
    #[error("SELECT: AID of {0} bytes; an AID has 1 to 16 bytes (ISO 7816-4 §8.2.1.2)")]
    InvalidAid(usize),
    #[error("{command}: card sent {got} bytes but Le asked for at most {asked}")]
    TooMuchData { command: String, got: usize, asked: usize },
    #[error("READ BINARY: the EF is longer than the 32767-byte offset range of READ BINARY (ISO 7816-4 §11.3.3)")]
    FileTooLarge,
}

fn status_error(command: String, sw: u16) -> CardError {
    CardError::Status { command, sw, meaning: sw_meaning(sw) }
}

/// Sends one APDU and splits the response.
pub fn transmit(transport: &mut dyn Transport, apdu: &[u8]) -> Result<Response, TransportError> {
    Response::from_bytes(&transport.transmit(apdu)?)
}

/// AIDs are 5 to 16 bytes in practice; ISO 7816-4 allows 1..=16 for a DF name.
const AID_MAX: usize = 16;

/// SELECT the application with this AID; any status other than 9000 is an error.
pub fn select_aid(transport: &mut dyn Transport, aid: &[u8]) -> Result<Response, CardError> {
    if aid.is_empty() || aid.len() > AID_MAX {
        return Err(CardError::InvalidAid(aid.len()));
    }
    let apdu = select_aid_apdu(aid);
    let response = transmit(transport, &apdu)?;
    if !response.is_ok() {
        return Err(status_error(format!("SELECT {}", hex::encode_upper(aid)), response.sw));
    }
    Ok(response)
}

/// `00 A4 04 0C Lc AID`: the command bytes of SELECT by AID.
pub fn select_aid_apdu(aid: &[u8]) -> Vec<u8> {
    let mut apdu = vec![CLA_PLAIN, INS_SELECT, SELECT_P1_BY_DF_NAME, SELECT_P2_NO_RESPONSE_DATA];
    // Callers bound the AID to 16 bytes, so the length fits in one byte.
    apdu.push(aid.len() as u8);
    apdu.extend_from_slice(aid);
    apdu
}

/// `00 B0 P1 P2 00`: READ BINARY of up to 256 bytes.
fn read_binary_apdu(p1: u8, p2: u8, le: u8) -> [u8; 5] {
    [CLA_PLAIN, INS_READ_BINARY, p1, p2, le]
}

/// Reads the whole EF with short EF identifier `sfi` in the current DF: the
/// first READ BINARY names the EF by SFI (which also selects it), the next ones
/// continue at a 15-bit offset.
pub fn read_binary_sfi(transport: &mut dyn Transport, sfi: u8) -> Result<Vec<u8>, CardError> {
    if sfi == 0 || sfi > SFI_MAX {
        return Err(CardError::InvalidSfi(sfi));
    }
    read_binary_loop(transport, Some(sfi), &format!("READ BINARY SFI {sfi:02X}"))
}

/// Reads the whole currently selected transparent EF.
pub fn read_binary_all(transport: &mut dyn Transport) -> Result<Vec<u8>, CardError> {
    read_binary_loop(transport, None, "READ BINARY")
}

/// Reads chunk after chunk until the card says the file ended:
/// * a chunk shorter than asked with 9000, or 6282, ends the file (ISO 7816-4 §11.3.3);
/// * 6B00 at a later offset means the previous chunk ended exactly at the end;
/// * 6Cxx asks again with Le = xx.
fn read_binary_loop(
    transport: &mut dyn Transport,
    mut sfi: Option<u8>,
    command: &str,
) -> Result<Vec<u8>, CardError> {
    let mut content = Vec::new();
    let mut le = LE_MAX_SHORT;
    loop {
        let offset = content.len();
        if offset > OFFSET_MAX {
            return Err(CardError::FileTooLarge);
        }
        let (p1, p2) = match sfi {
            // With an SFI, P2 is the offset and it is 0 on the first read.
            Some(id) => (P1_SFI_FLAG | id, 0),
            None => {
                let [hi, lo] = (offset as u16).to_be_bytes();
                (hi, lo)
            }
        };
        let response = transmit(transport, &read_binary_apdu(p1, p2, le))?;
        let asked = if le == LE_MAX_SHORT { NE_MAX_SHORT } else { usize::from(le) };
        match response.sw {
            SW_OK => {
                let got = response.data.len();
                if got > asked {
                    return Err(CardError::TooMuchData { command: command.to_owned(), got, asked });
                }
                content.extend_from_slice(&response.data);
                // After a 6Cxx retry, xx was all that remained.
                if got < asked || got == 0 || le != LE_MAX_SHORT {
                    return Ok(content);
                }
            }
            SW_END_OF_FILE => {
                content.extend_from_slice(&response.data);
                return Ok(content);
            }
            SW_OFFSET_OUTSIDE_EF if offset > 0 => return Ok(content),
            sw if sw >> 8 == u16::from(SW1_WRONG_LE) && le == LE_MAX_SHORT => {
                // SW2 = available bytes; 0 would mean 256, which we already asked for.
                let [_, available] = sw.to_be_bytes();
                if available == 0 {
                    return Err(status_error(command.to_owned(), sw));
                }
                le = available;
                continue;
            }
            sw => return Err(status_error(format!("{command} at offset {offset}"), sw)),
        }
        sfi = None;
        le = LE_MAX_SHORT;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scripted card: checks each command and answers from the script.
    struct Script {
        steps: Vec<(Vec<u8>, Vec<u8>)>,
    }

    impl Transport for Script {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            if self.steps.is_empty() {
                return Err(TransportError::Emulator(format!("unexpected {}", hex::encode_upper(apdu))));
            }
            let (expected, answer) = self.steps.remove(0);
            assert_eq!(hex::encode_upper(apdu), hex::encode_upper(&expected));
            Ok(answer)
        }
        fn atr(&self) -> Vec<u8> {
            Vec::new()
        }
        fn reset(&mut self) -> Result<(), TransportError> {
            Ok(())
        }
        fn name(&self) -> String {
            "script".into()
        }
    }

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    fn with_sw(data: &[u8], sw: &str) -> Vec<u8> {
        let mut v = data.to_vec();
        v.extend(h(sw));
        v
    }

    #[test]
    fn select_builds_p2_0c_and_fails_on_6a82() {
        let mut card = Script { steps: vec![(h("00A4040C06D15800000101"), h("6A82"))] };
        let err = select_aid(&mut card, &h("D15800000101")).unwrap_err();
        assert_eq!(err.to_string(), "SELECT D15800000101: card answered 6A82 (file or application not found)");
    }

    #[test]
    fn short_read_ends_the_file() {
        let mut card = Script { steps: vec![(h("00B0810000"), with_sw(&[1, 2, 3], "9000"))] };
        assert_eq!(read_binary_sfi(&mut card, 1).unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn full_chunks_continue_at_offset_until_6282() {
        let chunk = vec![0xAA; 256];
        let mut card = Script {
            steps: vec![
                (h("00B0820000"), with_sw(&chunk, "9000")),
                (h("00B0010000"), with_sw(&chunk, "9000")),
                (h("00B0020000"), with_sw(&[0xBB; 10], "6282")),
            ],
        };
        let content = read_binary_sfi(&mut card, 2).unwrap();
        assert_eq!(content.len(), 522);
        assert_eq!(content[521], 0xBB);
    }

    #[test]
    fn file_of_exactly_256_bytes_ends_with_6b00() {
        let mut card = Script {
            steps: vec![(h("00B0830000"), with_sw(&[7; 256], "9000")), (h("00B0010000"), h("6B00"))],
        };
        assert_eq!(read_binary_sfi(&mut card, 3).unwrap().len(), 256);
    }

    #[test]
    fn wrong_le_is_retried_with_the_exact_length() {
        let mut card = Script {
            steps: vec![(h("00B0840000"), h("6C03")), (h("00B0840003"), with_sw(b"005", "9000"))],
        };
        assert_eq!(read_binary_sfi(&mut card, 4).unwrap(), b"005");
    }

    #[test]
    fn security_status_is_an_error_with_its_meaning() {
        let mut card = Script { steps: vec![(h("00B0810000"), h("6982"))] };
        let err = read_binary_sfi(&mut card, 1).unwrap_err();
        assert!(matches!(err, CardError::Status { sw: 0x6982, .. }));
        assert!(err.to_string().contains("security status not satisfied"));
    }

    #[test]
    fn sfi_out_of_range_is_refused_before_sending() {
        let mut card = Script { steps: vec![] };
        assert!(matches!(read_binary_sfi(&mut card, 31), Err(CardError::InvalidSfi(31))));
        assert!(matches!(read_binary_sfi(&mut card, 0), Err(CardError::InvalidSfi(0))));
    }

    #[test]
    fn response_needs_two_status_bytes() {
        assert!(Response::from_bytes(&[0x90]).is_err());
        let r = Response::from_bytes(&[1, 0x62, 0x82]).unwrap();
        assert_eq!((r.data, r.sw), (vec![1], 0x6282));
    }
}
