//! The one seam between the terminal and a card: APDU bytes in, bytes out.
//!
//! Everything above this trait (zone readers, protocols, the CLI) is the same
//! whether the card is a real chip behind PC/SC or the emulator in process,
//! in the manner of gmrtd's transceiver.

use thiserror::Error;

/// Why an APDU could not be exchanged with the card. A status word other than
/// 9000 is *not* a transport error: it is a response.
#[derive(Debug, Error)]
pub enum TransportError {
    /// pcscd is not running (SCARD_E_NO_SERVICE) or its socket is missing.
    #[error("PC/SC service not running (pcscd): start it with `pcscd --foreground` or `service pcscd start` ({0})")]
    NoService(String),
    /// The PC/SC service answered but has no reader at all.
    #[error("no smart-card reader found (PC/SC lists none)")]
    NoReaders,
    /// Reader selection failed; the message lists the readers and their cards.
    #[error(transparent)]
    ReaderSelection(#[from] crate::reader_select::ReaderSelectError),
    /// The reader holds no card, or the card was removed.
    #[error("no card in reader \"{0}\"")]
    NoCard(String),
    /// Any other PC/SC failure, with the operation that failed.
    #[error("PC/SC {operation} failed: {message}")]
    Pcsc { operation: &'static str, message: String },
    /// The card answered with fewer than the two status bytes (ISO 7816-4 §5.1).
    #[error("card response has {0} byte(s): a response needs at least SW1 SW2")]
    ResponseTooShort(usize),
    /// The in-process emulator could not be built or refused the APDU.
    #[error("emulator: {0}")]
    Emulator(String),
    /// Secure messaging failed (bad MAC, missing DO'99', unprotected answer…):
    /// the session keys are gone and the channel is closed (TR-03110-3 F.3).
    #[error("{0}")]
    SecureMessaging(card_os::protocol::SmError),
    /// A command was sent on a secure channel that an earlier SM error or a
    /// reset already closed; establish PACE again.
    #[error("secure messaging channel is closed (an earlier SM error or a reset ended it): run PACE again")]
    ChannelClosed,
    /// The reader's link cannot carry this command, so it was not sent (for
    /// example vsmartcard's vpcd reads any 1-byte payload as a control code).
    #[error("reader \"{reader}\" cannot carry this command: {reason}")]
    NotCarried { reader: String, reason: &'static str },
}

/// A way to reach one card.
pub trait Transport {
    /// Sends one command APDU and returns the response: data followed by SW1 SW2.
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// The card's answer to reset (ISO 7816-3 §8 / ISO 14443-4 ATS mapped to an ATR by PC/SC).
    fn atr(&self) -> Vec<u8>;

    /// Warm reset: the card drops its volatile state (selection, security status, SM keys).
    fn reset(&mut self) -> Result<(), TransportError>;

    /// A name for people: the reader name, or "in-process emulator".
    fn name(&self) -> String;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        (**self).reset()
    }
    fn name(&self) -> String {
        (**self).name()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        (**self).reset()
    }
    fn name(&self) -> String {
        (**self).name()
    }
}
