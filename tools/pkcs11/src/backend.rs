//! Where slots come from: PC/SC readers, or one in-process emulator
//! (`NEID_PKCS11_EMULATOR`). A slot is a reader; its token is a card whose
//! PKCS#15 application answers SELECT (docs/spec/pkcs11.md §Slots).

use std::path::Path;
use std::sync::{Arc, Mutex};

use emulator::{Interface, NeidCard};
use terminal::{InProcessTransport, PcscTransport, Transport, TransportError};

use crate::card_token::{transport_error, CardToken};
use crate::token::{Token, TokenError};

/// One reader as the slot list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReaderState {
    pub name: String,
    pub card_present: bool,
}

/// A source of readers and the tokens in them.
pub trait Backend: Send {
    /// Every reader, with whether it holds a card.
    fn readers(&mut self) -> Result<Vec<ReaderState>, TokenError>;
    /// Connects to the card in `reader` and opens its certificate zone,
    /// with PACE first when `with_can` and a CAN is configured.
    /// [`TokenError::NoApplication`]: the card is not a New eID token.
    fn open(&mut self, reader: &str, with_can: bool) -> Result<Box<dyn Token>, TokenError>;
}

/// PC/SC readers (pcscd), optionally only those whose name contains a filter.
pub struct PcscBackend {
    can: Option<String>,
    filter: Option<String>,
}

impl PcscBackend {
    pub fn new(can: Option<String>, filter: Option<String>) -> Self {
        Self { can, filter }
    }
}

impl Backend for PcscBackend {
    fn readers(&mut self) -> Result<Vec<ReaderState>, TokenError> {
        let readers = terminal::list_readers().map_err(transport_error)?;
        Ok(readers
            .into_iter()
            .filter(|r| self.filter.as_deref().is_none_or(|f| r.name.contains(f)))
            .map(|r| ReaderState { card_present: r.atr.is_some(), name: r.name })
            .collect())
    }

    fn open(&mut self, reader: &str, with_can: bool) -> Result<Box<dyn Token>, TokenError> {
        // An exact name always selects that reader (reader_select rules).
        let transport = PcscTransport::connect(Some(reader)).map_err(transport_error)?;
        let can = if with_can { self.can.clone() } else { None };
        let token = CardToken::open(Box::new(transport), can)?;
        Ok(Box::new(token))
    }
}

/// The emulator's transport, shared so that the card outlives a token that
/// is dropped and opened again (after C_Finalize/C_Initialize it is new).
#[derive(Clone)]
pub struct SharedTransport(Arc<Mutex<InProcessTransport<NeidCard>>>);

impl SharedTransport {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, InProcessTransport<NeidCard>>, TransportError> {
        self.0.lock().map_err(|_| TransportError::Emulator("emulator lock poisoned".into()))
    }
}

impl Transport for SharedTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.lock()?.transmit(apdu)
    }
    fn atr(&self) -> Vec<u8> {
        self.lock().map(|t| t.atr()).unwrap_or_default()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.lock()?.reset()
    }
    fn name(&self) -> String {
        self.lock().map(|t| t.name()).unwrap_or_default()
    }
}

/// One slot holding the emulated card of a profile, on the contact interface
/// (the certificate zone's key commands are contact-only).
pub struct EmulatorBackend {
    reader: String,
    transport: SharedTransport,
    can: Option<String>,
}

impl EmulatorBackend {
    /// Personalizes the profile (or loads the card in `state_dir`). The CAN
    /// is `can`, else the profile's `holder.can` when its certificate zone
    /// asks for secure messaging.
    pub fn new(profile_path: &Path, state_dir: Option<&Path>, can: Option<String>) -> Result<Self, TokenError> {
        let profile = profiles::Profile::from_file(profile_path).map_err(|e| TokenError::Device(e.to_string()))?;
        let emulator = match state_dir {
            Some(dir) => emulator::emulator_with_state(profile_path, dir, Interface::Contact),
            None => emulator::emulator_for(&profile, Interface::Contact),
        }
        .map_err(|e| TokenError::Device(format!("emulator for {}: {e}", profile_path.display())))?;
        Ok(Self {
            reader: format!("neid emulator ({})", profile.name),
            transport: SharedTransport(Arc::new(Mutex::new(InProcessTransport::new(emulator)))),
            can: can.or_else(|| profile.card.certificate.secure_messaging.then(|| profile.holder.can.clone())),
        })
    }
}

impl Backend for EmulatorBackend {
    fn readers(&mut self) -> Result<Vec<ReaderState>, TokenError> {
        Ok(vec![ReaderState { name: self.reader.clone(), card_present: true }])
    }

    fn open(&mut self, reader: &str, with_can: bool) -> Result<Box<dyn Token>, TokenError> {
        if reader != self.reader {
            return Err(TokenError::Removed(reader.into()));
        }
        let can = if with_can { self.can.clone() } else { None };
        let token = CardToken::open(Box::new(self.transport.clone()), can)?;
        Ok(Box::new(token))
    }
}
