//! A card in any PC/SC reader (pcsc-lite's pcscd on Linux), including the
//! vsmartcard virtual reader that `neid emulate` serves.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, Disposition, Protocol, Protocols, ReaderState, Scope, ShareMode, State};

use crate::reader_select::{ReaderInfo, select_reader};
use crate::transport::{Transport, TransportError};

/// SW1 '61': SW2 more bytes available, fetch them with GET RESPONSE
/// (ISO 7816-4 §5.1.3; T=0 readers hand it to the application).
const SW1_BYTES_AVAILABLE: u8 = 0x61;
/// SW1 '6C': wrong Le, SW2 = exact length; T=0 resends with Le = SW2 (ISO 7816-3 §10.3.4).
const SW1_WRONG_LE: u8 = 0x6C;
/// GET RESPONSE command header without Le (ISO 7816-4 §11.6.2).
const GET_RESPONSE_HEADER: [u8; 4] = [0x00, 0xC0, 0x00, 0x00];
/// A short case 2 command: CLA INS P1 P2 Le (ISO 7816-4 §5.1); its last byte is Le.
const CASE_2_SHORT_LEN: usize = 5;
/// How many GET RESPONSE rounds to follow before giving up on a looping card.
const MAX_GET_RESPONSE_ROUNDS: usize = 256;

/// The name pcscd gives vsmartcard's virtual reader (`FRIENDLYNAME` in its
/// `reader.conf`): `Virtual PCD 00 00`, `Virtual PCD 00 01`, ….
const VPCD_READER_NAME: &str = "Virtual PCD";
/// vpcd frames every message as length + payload, and a payload of this
/// length is a control code for the card (vsmartcard `vpcd.h`: VPCD_CTRL_OFF
/// 00, _ON 01, _RESET 02, _ATR 04), never a command: vpcd passes a 1-byte
/// command through unchanged, the card takes it for a control (a "power off"
/// is not answered), and pcscd waits for an answer for ever, holding the reader.
const VPCD_CONTROL_LEN: usize = 1;
const VPCD_ONE_BYTE_REASON: &str = "vsmartcard's vpcd reads a 1-byte payload as a control code \
     (power off/on, reset, ATR), so a 1-byte command would never reach the card as a command";

/// True for a reader served by vsmartcard's vpcd driver, known by its name.
pub fn is_vpcd_reader(name: &str) -> bool {
    name.starts_with(VPCD_READER_NAME)
}

/// `Err(NotCarried)` when `reader` cannot carry `apdu` as a command.
fn check_carried(reader: &str, apdu: &[u8]) -> Result<(), TransportError> {
    if is_vpcd_reader(reader) && apdu.len() == VPCD_CONTROL_LEN {
        return Err(TransportError::NotCarried { reader: reader.to_owned(), reason: VPCD_ONE_BYTE_REASON });
    }
    Ok(())
}

fn pcsc_error(operation: &'static str, error: pcsc::Error) -> TransportError {
    match error {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => {
            TransportError::NoService(error.to_string())
        }
        pcsc::Error::NoReadersAvailable => TransportError::NoReaders,
        _ => TransportError::Pcsc { operation, message: error.to_string() },
    }
}

fn establish() -> Result<Context, TransportError> {
    Context::establish(Scope::User).map_err(|e| pcsc_error("establish context", e))
}

/// Every reader PC/SC knows, with the ATR of the card it holds.
pub fn list_readers() -> Result<Vec<ReaderInfo>, TransportError> {
    let context = establish()?;
    list_readers_in(&context)
}

fn list_readers_in(context: &Context) -> Result<Vec<ReaderInfo>, TransportError> {
    let names = match context.list_readers_owned() {
        Ok(names) => names,
        // pcsc-lite reports an empty reader list as an error.
        Err(pcsc::Error::NoReadersAvailable) => return Ok(Vec::new()),
        Err(e) => return Err(pcsc_error("list readers", e)),
    };
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut states: Vec<ReaderState> =
        names.iter().map(|name| ReaderState::new(name.clone(), State::UNAWARE)).collect();
    // With UNAWARE as the known state the call returns at once with the current state.
    context
        .get_status_change(Duration::ZERO, &mut states)
        .map_err(|e| pcsc_error("get status change", e))?;
    Ok(states
        .iter()
        .map(|state| {
            let present = state.event_state().contains(State::PRESENT);
            ReaderInfo::new(
                state.name().to_string_lossy().into_owned(),
                present.then(|| state.atr().to_vec()),
            )
        })
        .collect())
}

/// How a connection shares the card with other PC/SC applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Other applications (pcsc_scan, OpenSC) may use the card meanwhile;
    /// one that disconnects with a reset ends our card session.
    Shared,
    /// No other application may connect while we hold the card: nobody
    /// resets it or changes its selection in the middle of our session (a
    /// conformance case). Connecting waits up to [`EXCLUSIVE_WAIT`] for
    /// others to let go of the card.
    Exclusive,
}

/// How long an exclusive connect waits for other applications' connections.
pub const EXCLUSIVE_WAIT: Duration = Duration::from_secs(10);
const EXCLUSIVE_POLL: Duration = Duration::from_millis(50);

impl Sharing {
    fn mode(self) -> ShareMode {
        match self {
            Self::Shared => ShareMode::Shared,
            Self::Exclusive => ShareMode::Exclusive,
        }
    }
}

/// A connection to the card in one reader.
pub struct PcscTransport {
    reader: String,
    card: pcsc::Card,
    atr: Vec<u8>,
    /// The protocol negotiated at connect (or reset); T=0 needs the 61xx/6Cxx handling.
    protocol: Option<Protocol>,
    sharing: Sharing,
}

impl PcscTransport {
    /// Connects, shared, to the reader chosen by [`select_reader`] from
    /// `requested` (`--reader NAME`, or `None` for "the one reader holding a card").
    pub fn connect(requested: Option<&str>) -> Result<Self, TransportError> {
        Self::connect_with(requested, Sharing::Shared)
    }

    /// [`Self::connect`] with the given sharing.
    pub fn connect_with(requested: Option<&str>, sharing: Sharing) -> Result<Self, TransportError> {
        let context = establish()?;
        let readers = list_readers_in(&context)?;
        if readers.is_empty() {
            return Err(TransportError::NoReaders);
        }
        let reader = select_reader(&readers, requested)?;
        let name = CString::new(reader.clone()).map_err(|_| TransportError::Pcsc {
            operation: "connect",
            message: format!("reader name \"{reader}\" contains a NUL byte"),
        })?;
        let deadline = Instant::now() + EXCLUSIVE_WAIT;
        let card = loop {
            match context.connect(&name, sharing.mode(), Protocols::T0 | Protocols::T1) {
                Ok(card) => break card,
                // Another application holds the card (or we want it alone and it is in use).
                Err(pcsc::Error::SharingViolation) if sharing == Sharing::Exclusive && Instant::now() < deadline => {
                    std::thread::sleep(EXCLUSIVE_POLL);
                }
                Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard) => {
                    return Err(TransportError::NoCard(reader.clone()));
                }
                Err(other) => return Err(pcsc_error("connect", other)),
            }
        };
        let status = card.status2_owned().map_err(|e| pcsc_error("card status", e))?;
        let (atr, protocol) = (status.atr().to_vec(), status.protocol2());
        tracing::debug!(reader = %reader, atr = %hex::encode_upper(&atr), ?protocol, ?sharing, "connected");
        Ok(Self { reader, card, atr, protocol, sharing })
    }

    fn transmit_once(&self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let response = self.card.transmit(apdu, &mut buffer).map_err(|e| match e {
            pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard => {
                TransportError::NoCard(self.reader.clone())
            }
            other => pcsc_error("transmit", other),
        })?;
        if response.len() < 2 {
            return Err(TransportError::ResponseTooShort(response.len()));
        }
        Ok(response.to_vec())
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        tracing::debug!(apdu = %hex::encode_upper(apdu), "C-APDU");
        check_carried(&self.reader, apdu)?;
        let mut response = self.transmit_once(apdu)?;
        let is_t0 = self.protocol == Some(Protocol::T0);
        // T=0 case 2: resend with the exact Le the card asked for (ISO 7816-3 §10.3.4).
        if let [.., SW1_WRONG_LE, sw2] = response[..]
            && is_t0
            && apdu.len() == CASE_2_SHORT_LEN
        {
            let mut again = apdu.to_vec();
            if let Some(last) = again.last_mut() {
                *last = sw2;
            }
            response = self.transmit_once(&again)?;
        }
        // '61xx': collect the rest with GET RESPONSE (ISO 7816-4 §5.1.3).
        let mut data = Vec::new();
        for _ in 0..MAX_GET_RESPONSE_ROUNDS {
            let [.., sw1, sw2] = response[..] else {
                return Err(TransportError::ResponseTooShort(response.len()));
            };
            if sw1 != SW1_BYTES_AVAILABLE {
                break;
            }
            data.extend_from_slice(&response[..response.len() - 2]);
            let mut get_response = GET_RESPONSE_HEADER.to_vec();
            get_response.push(sw2);
            response = self.transmit_once(&get_response)?;
        }
        data.extend_from_slice(&response);
        tracing::debug!(response = %hex::encode_upper(&data), "R-APDU");
        Ok(data)
    }

    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        self.card
            .reconnect(self.sharing.mode(), Protocols::T0 | Protocols::T1, Disposition::ResetCard)
            .map_err(|e| pcsc_error("reset (reconnect)", e))?;
        let status = self.card.status2_owned().map_err(|e| pcsc_error("card status", e))?;
        self.atr = status.atr().to_vec();
        self.protocol = status.protocol2();
        Ok(())
    }

    fn name(&self) -> String {
        self.reader.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpcd_readers_are_known_by_name() {
        assert!(is_vpcd_reader("Virtual PCD 00 00"));
        assert!(is_vpcd_reader("Virtual PCD 00 01"));
        assert!(!is_vpcd_reader("OMNIKEY CardMan 3121 00 00"));
        assert!(!is_vpcd_reader("My Virtual PCD 00 00"));
    }

    #[test]
    fn vpcd_cannot_carry_a_one_byte_command() {
        for byte in [0x00, 0x01, 0x02, 0x04, 0x80] {
            let err = check_carried("Virtual PCD 00 00", &[byte]).unwrap_err();
            assert!(matches!(&err, TransportError::NotCarried { reader, .. } if reader == "Virtual PCD 00 00"));
            assert!(err.to_string().contains("control code"), "{err}");
        }
        // Two bytes and more are commands to vpcd; other readers carry anything.
        assert!(check_carried("Virtual PCD 00 00", &[0x00, 0xA4]).is_ok());
        assert!(check_carried("Virtual PCD 00 00", &[0x00, 0xA4, 0x04]).is_ok());
        assert!(check_carried("OMNIKEY CardMan 3121 00 00", &[0x00]).is_ok());
    }
}
