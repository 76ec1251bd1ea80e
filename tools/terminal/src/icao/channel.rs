//! Secure messaging for an eMRTD read: the session is AES (after PACE, or
//! after Chip Authentication with AES) or 3DES (after BAC, or after Chip
//! Authentication with 3DES), ICAO 9303-11 §9.8.
//!
//! PACE hands us the crate's [`SecureChannel`] (AES only); BAC and Chip
//! Authentication make an [`IcaoChannel`] around the raw transport.
//! [`SmLink`] is whichever of the two is in use, and is itself a
//! [`Transport`], so the file readers above do not care which.
//!
//! As in `secure_channel.rs`, any SM error ends the session (TR-03110-3 F.3):
//! the session is consumed by the failing unwrap and later commands fail with
//! [`TransportError::ChannelClosed`].

use card_os::protocol::bac::TdesSmSession;
use card_os::protocol::ca::CaSecureMessaging;
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{SmError, SmSession};

use crate::secure_channel::SecureChannel;
use crate::transport::{Transport, TransportError};

/// Short Ne is at most 256 (ISO 7816-4 §5.1); above it, extended Le `0000`.
const SHORT_NE_MAX: usize = 256;
const EXTENDED_NE_MAX: usize = 65_536;
/// Block sizes of the two SM ciphers: the DO'87' cryptogram is whole blocks
/// with at least one byte of padding (ICAO 9303-11 §9.8.6.2).
const AES_BLOCK: usize = 16;
const TDES_BLOCK: usize = 8;
/// DO'87' tag + padding-content indicator byte.
const DO87_OVERHEAD: usize = 2;
/// `99 02 SW1 SW2` + `8E 08 MAC` (ICAO 9303-11 §9.8.6.2).
const DO99_AND_DO8E_LEN: usize = 4 + 10;

/// The session keys and send sequence counter in use.
#[derive(Debug)]
pub enum SmSessionKind {
    Aes(SmSession),
    Tdes(TdesSmSession),
}

impl From<CaSecureMessaging> for SmSessionKind {
    fn from(session: CaSecureMessaging) -> Self {
        match session {
            CaSecureMessaging::Aes(s) => SmSessionKind::Aes(s),
            CaSecureMessaging::Tdes(s) => SmSessionKind::Tdes(s),
        }
    }
}

impl SmSessionKind {
    fn block_size(&self) -> usize {
        match self {
            SmSessionKind::Aes(_) => AES_BLOCK,
            SmSessionKind::Tdes(_) => TDES_BLOCK,
        }
    }

    fn wrap(&mut self, plain: &Command) -> Result<Command, SmError> {
        match self {
            SmSessionKind::Aes(s) => s.wrap_command(plain),
            SmSessionKind::Tdes(s) => s.wrap_command(plain),
        }
    }

    fn unwrap(self, raw: &[u8]) -> Result<(Self, Response), SmError> {
        match self {
            SmSessionKind::Aes(s) => s
                .unwrap_response(raw)
                .map(|(s, r)| (SmSessionKind::Aes(s), r)),
            SmSessionKind::Tdes(s) => s
                .unwrap_response(raw)
                .map(|(s, r)| (SmSessionKind::Tdes(s), r)),
        }
    }

    /// `AES` or `3DES`, for reports.
    pub fn cipher_name(&self) -> &'static str {
        match self {
            SmSessionKind::Aes(_) => "AES",
            SmSessionKind::Tdes(_) => "3DES",
        }
    }
}

/// Length of a protected response carrying `ne` plain data bytes:
/// `87 L 01 C` (when `ne` > 0), `99 02 SW`, `8E 08 MAC`.
pub fn protected_response_len(ne: usize, block: usize) -> usize {
    let mut len = DO99_AND_DO8E_LEN;
    if ne > 0 {
        let value = (ne / block + 1) * block + 1;
        len += DO87_OVERHEAD - 1 + ber_length_len(value) + value;
    }
    len
}

/// Bytes of a BER definite length (ISO 8825-1 §8.1.3): `xx`, `81 xx`, `82 xxxx`.
fn ber_length_len(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        _ => 3,
    }
}

/// A secure-messaging channel with an AES or 3DES session on top of `T`.
pub struct IcaoChannel<T: Transport> {
    inner: T,
    /// `None` once an SM error or a reset ended the session.
    session: Option<SmSessionKind>,
}

impl<T: Transport> IcaoChannel<T> {
    pub fn new(inner: T, session: SmSessionKind) -> Self {
        Self {
            inner,
            session: Some(session),
        }
    }

    pub fn is_open(&self) -> bool {
        self.session.is_some()
    }

    /// `AES` or `3DES`; `None` once closed.
    pub fn cipher_name(&self) -> Option<&'static str> {
        self.session.as_ref().map(SmSessionKind::cipher_name)
    }

    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: Transport> Transport for IcaoChannel<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut session = self.session.take().ok_or(TransportError::ChannelClosed)?;
        let plain = Command::parse(apdu).map_err(TransportError::SecureMessaging)?;
        let mut protected = session
            .wrap(&plain)
            .map_err(TransportError::SecureMessaging)?;
        // The outer Le is not covered by the MAC (ICAO 9303-11 §9.8.6.1).
        if plain
            .ne
            .is_some_and(|ne| protected_response_len(ne, session.block_size()) > SHORT_NE_MAX)
        {
            protected.ne = Some(EXTENDED_NE_MAX);
        }
        let bytes = protected
            .to_bytes()
            .map_err(TransportError::SecureMessaging)?;
        let raw = self.inner.transmit(&bytes)?;
        let (session, response) = session
            .unwrap(&raw)
            .map_err(TransportError::SecureMessaging)?;
        self.session = Some(session);
        Ok(Response {
            data: response.data,
            sw: response.sw,
        }
        .to_bytes())
    }

    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        self.session = None;
        self.inner.reset()
    }

    fn name(&self) -> String {
        format!("{} (secure messaging)", self.inner.name())
    }
}

/// The channel an eMRTD read runs on: PACE's, or one of ours.
pub enum SmLink<T: Transport> {
    Pace(SecureChannel<T>),
    Own(IcaoChannel<T>),
}

impl<T: Transport> SmLink<T> {
    /// Chip Authentication done: the chip answered its last command under
    /// the old keys and now expects the new session with SSC 0
    /// (ICAO 9303-11 §6.2.4).
    pub fn restart(self, session: SmSessionKind) -> Self {
        let inner = match self {
            SmLink::Pace(channel) => channel.into_inner(),
            SmLink::Own(channel) => channel.into_inner(),
        };
        SmLink::Own(IcaoChannel::new(inner, session))
    }

    pub fn is_open(&self) -> bool {
        match self {
            SmLink::Pace(c) => c.is_open(),
            SmLink::Own(c) => c.is_open(),
        }
    }
}

impl<T: Transport> Transport for SmLink<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            SmLink::Pace(c) => c.transmit(apdu),
            SmLink::Own(c) => c.transmit(apdu),
        }
    }
    fn atr(&self) -> Vec<u8> {
        match self {
            SmLink::Pace(c) => c.atr(),
            SmLink::Own(c) => c.atr(),
        }
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        match self {
            SmLink::Pace(c) => c.reset(),
            SmLink::Own(c) => c.reset(),
        }
    }
    fn name(&self) -> String {
        match self {
            SmLink::Pace(c) => c.name(),
            SmLink::Own(c) => c.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_length_for_both_block_sizes() {
        // 223 plain bytes fit a short response with either cipher: the chunk size the reader uses.
        assert_eq!(protected_response_len(223, AES_BLOCK), 3 + 225 + 14);
        assert_eq!(protected_response_len(223, TDES_BLOCK), 3 + 225 + 14);
        assert!(protected_response_len(231, TDES_BLOCK) <= SHORT_NE_MAX);
        assert!(protected_response_len(256, TDES_BLOCK) > SHORT_NE_MAX);
        assert_eq!(protected_response_len(0, TDES_BLOCK), 14);
        // 8 bytes -> 16-byte 3DES cryptogram: 87 11 01 C.
        assert_eq!(protected_response_len(8, TDES_BLOCK), 2 + 17 + 14);
    }
}
