//! A transport handle that sits *under* the secure channel: it records the
//! last raw command and response, and can spoil the next protected command
//! (secure-messaging.md §Errors) so suites can check the card's SM errors
//! without reaching into the card.
//!
//! With recording on, it also keeps the case's APDU trace (power-on records
//! at each reset, every raw command and response: docs/spec/trace.md),
//! which the runner writes to `--trace FILE`. This works the same for a
//! reader and for the emulator.
//!
//! The handle is shared (`Rc<RefCell<…>>`): the runner keeps one copy while
//! `establish_pace` consumes another, so a failed PACE leaves the card usable.

use std::cell::RefCell;
use std::rc::Rc;

use std::time::{SystemTime, UNIX_EPOCH};

use card_os::apdu::CommandApdu;
use card_os::protocol::sm::Command;
use emulator::TraceRecord;
use emulator::trace::TraceInterface;
use terminal::{Transport, TransportError};

use crate::suite::{Interface, Tamper};

/// DO'8E' (cryptographic checksum) with an 8-byte MAC: `8E 08 MAC`, the last
/// DO of a protected command (ICAO 9303-11 §9.8.6.1).
const DO8E_LEN: usize = 10;
const MAC_LEN: usize = 8;
/// The class of an SCP03-wrapped command, `84` (`94` for a chain link):
/// its C-MAC is the last 8 bytes of the data field (GP Amd D §6.2.4).
const CLA_GP_SECURED: u8 = 0x84;
const CLA_CHAINING: u8 = 0x10;

struct TapState {
    inner: Box<dyn Transport>,
    tamper: Option<Tamper>,
    last_command: Option<Vec<u8>>,
    last_response: Option<Vec<u8>>,
    interface: TraceInterface,
    /// The case's trace, when recording.
    records: Option<Vec<TraceRecord>>,
}

/// See the module documentation.
#[derive(Clone)]
pub struct Tap {
    state: Rc<RefCell<TapState>>,
}

impl Tap {
    /// `record`: keep an APDU trace of everything sent through the tap.
    pub fn new(inner: Box<dyn Transport>, interface: Interface, record: bool) -> Self {
        let interface = match interface {
            Interface::Contact => TraceInterface::Contact,
            Interface::Contactless => TraceInterface::Contactless,
        };
        Self {
            state: Rc::new(RefCell::new(TapState {
                inner,
                tamper: None,
                last_command: None,
                last_response: None,
                interface,
                records: record.then(Vec::new),
            })),
        }
    }

    /// The trace recorded so far (empty when not recording).
    pub fn take_records(&self) -> Vec<TraceRecord> {
        self.state.borrow_mut().records.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Spoil the next command sent through this handle.
    pub fn set_tamper(&self, tamper: Option<Tamper>) {
        self.state.borrow_mut().tamper = tamper;
    }

    /// The raw bytes the card sent last (before any SM unwrapping).
    pub fn last_response(&self) -> Option<Vec<u8>> {
        self.state.borrow().last_response.clone()
    }
}

/// Applies `tamper` to a protected command. `Err` says why it cannot.
fn spoil(tamper: Tamper, apdu: &[u8], previous: Option<&[u8]>) -> Result<Vec<u8>, TransportError> {
    let refuse = |why: &str| TransportError::Emulator(format!("tamper {tamper:?}: {why}"));
    match tamper {
        Tamper::Replay => previous.map(<[u8]>::to_vec).ok_or_else(|| refuse("no earlier command to replay")),
        Tamper::Mac | Tamper::DropMac if apdu.first().is_some_and(|cla| cla & !CLA_CHAINING == CLA_GP_SECURED) => {
            // The card's codec keeps the length form (short / extended) the C-MAC covers.
            let mut command = CommandApdu::parse(apdu).map_err(|_| refuse("the wrapped APDU does not parse"))?;
            let len = command.data.len();
            if len < MAC_LEN {
                return Err(refuse("the wrapped command has no C-MAC"));
            }
            if tamper == Tamper::Mac {
                command.data[len - 1] ^= 0x01;
            } else {
                command.data.truncate(len - MAC_LEN);
            }
            command.to_bytes().map_err(|_| refuse("the spoiled command does not encode"))
        }
        Tamper::Mac | Tamper::DropMac => {
            let mut command = Command::parse(apdu).map_err(|_| refuse("the protected APDU does not parse"))?;
            let len = command.data.len();
            if len < DO8E_LEN || command.data[len - DO8E_LEN] != 0x8E {
                return Err(refuse("the protected command does not end with DO'8E'"));
            }
            if tamper == Tamper::Mac {
                // Flip the low bit of the MAC's last byte.
                command.data[len - DO8E_LEN + 2 + MAC_LEN - 1] ^= 0x01;
            } else {
                command.data.truncate(len - DO8E_LEN);
            }
            command.to_bytes().map_err(|_| refuse("the spoiled command does not encode"))
        }
    }
}

impl Transport for Tap {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut state = self.state.borrow_mut();
        let bytes = match state.tamper.take() {
            Some(t) => spoil(t, apdu, state.last_command.as_deref())?,
            None => apdu.to_vec(),
        };
        state.last_response = None;
        let response = state.inner.transmit(&bytes)?;
        let interface = state.interface;
        if let Some(records) = &mut state.records {
            records.push(TraceRecord::Apdu {
                time_ms: now_ms(),
                interface,
                command: hex::encode_upper(&bytes),
                response: hex::encode_upper(&response),
            });
        }
        state.last_command = Some(bytes);
        state.last_response = Some(response.clone());
        Ok(response)
    }

    fn atr(&self) -> Vec<u8> {
        self.state.borrow().inner.atr()
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        let mut state = self.state.borrow_mut();
        state.last_command = None;
        state.last_response = None;
        let interface = state.interface;
        if let Some(records) = &mut state.records {
            records.push(TraceRecord::PowerOn { time_ms: now_ms(), interface });
        }
        state.inner.reset()
    }

    fn name(&self) -> String {
        self.state.borrow().inner.name()
    }
}

/// Milliseconds since the Unix epoch (trace timestamps).
fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_and_drop_mac_spoil_only_do8e() {
        // 0C A4 00 0C 0F 87 ... is long; a minimal protected command: 0C B0 81 00 0D 97 01 00 8E 08 <mac> 00.
        let apdu = hex::decode("0CB081000D9701008E0811223344556677880000").unwrap();
        let apdu = &apdu[..apdu.len() - 1];
        let flipped = spoil(Tamper::Mac, apdu, None).unwrap();
        assert_eq!(hex::encode_upper(&flipped), "0CB081000D9701008E081122334455667789 00".replace(' ', ""));
        let dropped = spoil(Tamper::DropMac, apdu, None).unwrap();
        assert_eq!(hex::encode_upper(&dropped), "0CB0810003970100 00".replace(' ', ""));
        assert!(spoil(Tamper::Replay, apdu, None).is_err());
        assert_eq!(spoil(Tamper::Replay, apdu, Some(&[1, 2, 3, 4])).unwrap(), vec![1, 2, 3, 4]);
        assert!(spoil(Tamper::Mac, &[0x0C, 0xB0, 0x81, 0x00], None).is_err());
    }

    #[test]
    fn scp03_commands_lose_or_spoil_their_trailing_c_mac() {
        // 84 A4 02 0C 0A 5031 ‖ C-MAC (8): a wrapped SELECT EF.ODF.
        let apdu = hex::decode("84A4020C0A50311122334455667788").unwrap();
        let flipped = spoil(Tamper::Mac, &apdu, None).unwrap();
        assert_eq!(hex::encode_upper(&flipped), "84A4020C0A50311122334455667789");
        let dropped = spoil(Tamper::DropMac, &apdu, None).unwrap();
        assert_eq!(hex::encode_upper(&dropped), "84A4020C025031");
        // A chain link (94) too; a command without 8 data bytes is refused.
        assert!(spoil(Tamper::Mac, &hex::decode("94DA44310401020304").unwrap(), None).is_err());
    }
}
