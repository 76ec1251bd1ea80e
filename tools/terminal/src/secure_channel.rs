//! A secure-messaging channel over any [`Transport`]: every command is
//! protected with [`SmSession::wrap_command`] and every response checked and
//! decrypted with [`SmSession::unwrap_response`] (ICAO 9303-11 §9.8,
//! ISO 7816-4 §10). The channel is itself a [`Transport`], so the zone
//! readers above it (`select_aid`, `read_binary_sfi`, `read_public`) do not
//! know whether they speak plain or under SM.
//!
//! Any SM error ends the channel: the session (and its keys) is consumed by
//! the failing unwrap and not given back, as TR-03110-3 F.3 and the chip
//! baseline require. Later commands fail with
//! [`TransportError::ChannelClosed`] until PACE runs again.

use card_os::protocol::SmSession;
use card_os::protocol::pace::{PaceProtocol, StandardizedDomainParameters};
use card_os::protocol::sm::{Command, Response};

use crate::transport::{Transport, TransportError};

/// Short Ne is at most 256 (ISO 7816-4 §5.1); above it, extended Le `0000`.
const SHORT_NE_MAX: usize = 256;
const EXTENDED_NE_MAX: usize = 65_536;
/// AES block: the cryptogram of DO'87' is the data padded to whole blocks
/// with at least one byte of ISO/IEC 7816-4 padding (ICAO 9303-11 §9.8.6.2).
const BLOCK_SIZE: usize = 16;
/// DO'87' tag + padding-content indicator byte.
const DO87_OVERHEAD: usize = 2;
/// `99 02 SW1 SW2` + `8E 08 MAC` (ICAO 9303-11 §9.8.6.2).
const DO99_AND_DO8E_LEN: usize = 4 + 10;

/// What PACE agreed on, kept for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelInfo {
    pub protocol: PaceProtocol,
    pub domain_parameters: StandardizedDomainParameters,
}

/// A secure-messaging channel on top of `T`.
pub struct SecureChannel<T: Transport> {
    inner: T,
    /// `None` once an SM error or a reset ended the session.
    session: Option<SmSession>,
    info: ChannelInfo,
}

impl<T: Transport> SecureChannel<T> {
    /// A channel with a fresh session (SSC 0, as right after PACE).
    pub fn new(inner: T, session: SmSession, info: ChannelInfo) -> Self {
        Self { inner, session: Some(session), info }
    }

    /// Whether commands can still be sent.
    pub fn is_open(&self) -> bool {
        self.session.is_some()
    }

    pub fn info(&self) -> ChannelInfo {
        self.info
    }

    /// The underlying transport. Commands sent on it directly bypass SM and
    /// make the card end the session.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The underlying transport; the session keys are dropped.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// Length of a protected response carrying `ne` plain data bytes:
/// `87 L 01 C` (when `ne` > 0), `99 02 SW`, `8E 08 MAC`.
fn protected_response_len(ne: usize) -> usize {
    let mut len = DO99_AND_DO8E_LEN;
    if ne > 0 {
        let cryptogram = (ne / BLOCK_SIZE + 1) * BLOCK_SIZE;
        let value = cryptogram + 1;
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

impl<T: Transport> Transport for SecureChannel<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut session = self.session.take().ok_or(TransportError::ChannelClosed)?;
        let plain = Command::parse(apdu).map_err(TransportError::SecureMessaging)?;
        let mut protected = session.wrap_command(&plain).map_err(TransportError::SecureMessaging)?;
        // The outer Le is not covered by the MAC (ICAO 9303-11 §9.8.6.1): ask
        // for an extended response when the protected answer to Ne plain
        // bytes does not fit in 256 (ISO 7816-4 §5.1).
        if plain.ne.is_some_and(|ne| protected_response_len(ne) > SHORT_NE_MAX) {
            protected.ne = Some(EXTENDED_NE_MAX);
        }
        let bytes = protected.to_bytes().map_err(TransportError::SecureMessaging)?;
        let raw = self.inner.transmit(&bytes)?;
        let (session, response) = session.unwrap_response(&raw).map_err(TransportError::SecureMessaging)?;
        self.session = Some(session);
        Ok(Response { data: response.data, sw: response.sw }.to_bytes())
    }

    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }

    /// A reset makes the card drop its SM keys: the channel closes too.
    fn reset(&mut self) -> Result<(), TransportError> {
        self.session = None;
        self.inner.reset()
    }

    fn name(&self) -> String {
        format!("{} (secure messaging)", self.inner.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_response_length_follows_icao_layout() {
        // Status only: 99 02 9000 8E 08 MAC.
        assert_eq!(protected_response_len(0), 14);
        // 3 bytes -> one block: 87 11 01 C(16) + 14.
        assert_eq!(protected_response_len(3), 2 + 17 + 14);
        // 223 bytes -> 224-byte cryptogram, 87 81 E1 01 C: still short.
        assert_eq!(protected_response_len(223), 3 + 225 + 14);
        assert!(protected_response_len(223) <= SHORT_NE_MAX);
        assert!(protected_response_len(224) > SHORT_NE_MAX);
        // 256 bytes -> 272-byte cryptogram, 87 82 0111 01 C.
        assert_eq!(protected_response_len(256), 4 + 273 + 14);
    }

    const KS_ENC: [u8; 16] = [0x11; 16];
    const KS_MAC: [u8; 16] = [0x22; 16];

    /// The card side of the session: unwraps each command, records the
    /// protected and the plain command, answers `answer_len` bytes.
    struct Chip {
        session: Option<SmSession>,
        answer_len: usize,
        seen: Vec<(Vec<u8>, Command)>,
    }

    impl Transport for Chip {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            let protected = Command::parse(apdu).map_err(TransportError::SecureMessaging)?;
            let session = self.session.take().ok_or(TransportError::ChannelClosed)?;
            let (mut session, plain) = session.unwrap_command(&protected).map_err(TransportError::SecureMessaging)?;
            self.seen.push((apdu.to_vec(), plain));
            let response = Response { data: vec![0xA5; self.answer_len], sw: 0x9000 };
            let bytes = session.wrap_response(&response).map_err(TransportError::SecureMessaging)?;
            self.session = Some(session);
            Ok(bytes)
        }
        fn atr(&self) -> Vec<u8> {
            Vec::new()
        }
        fn reset(&mut self) -> Result<(), TransportError> {
            Ok(())
        }
        fn name(&self) -> String {
            "chip".into()
        }
    }

    fn channel(answer_len: usize) -> SecureChannel<Chip> {
        let chip = Chip { session: Some(SmSession::new(&KS_ENC, &KS_MAC).unwrap()), answer_len, seen: Vec::new() };
        let info = ChannelInfo {
            protocol: PaceProtocol::EcdhGmAesCbcCmac128,
            domain_parameters: StandardizedDomainParameters::NistP256,
        };
        SecureChannel::new(chip, SmSession::new(&KS_ENC, &KS_MAC).unwrap(), info)
    }

    /// GENERATE P1 01 with extended Le `0000`: DO'97' carries two bytes
    /// (ISO 7816-4 §10.2.2.3), the protected command is extended, and the
    /// 270-byte RSA public key comes back whole.
    #[test]
    fn extended_le_is_wrapped_in_a_two_byte_do97() {
        let mut channel = channel(270);
        let response = channel.transmit(&[0x00, 0x46, 0x01, 0x01, 0x00, 0x00, 0x00]).unwrap();
        assert_eq!(response.len(), 270 + 2);
        assert_eq!(&response[270..], &[0x90, 0x00]);
        let (raw, plain) = &channel.inner_mut().seen[0];
        assert_eq!(plain.ne, Some(EXTENDED_NE_MAX));
        // 0C 46 01 01 00 Lc(2): extended; its body holds 97 02 00 00.
        assert_eq!(&raw[..5], &[0x0C, 0x46, 0x01, 0x01, 0x00]);
        assert!(raw.windows(4).any(|w| w == [0x97, 0x02, 0x00, 0x00]));
        assert_eq!(&raw[raw.len() - 2..], &[0x00, 0x00], "outer Le extended");
    }

    /// A 256-byte RSA answer to a short Le `00`: DO'97' keeps one byte and
    /// the outer Le becomes extended, as the protected answer exceeds 256.
    #[test]
    fn short_le_with_a_long_protected_answer_asks_extended() {
        let mut channel = channel(256);
        let mut cds = vec![0x00, 0x2A, 0x9E, 0x9A, 0x33];
        cds.extend([0x01; 0x33]);
        cds.push(0x00);
        let response = channel.transmit(&cds).unwrap();
        assert_eq!(response.len(), 258);
        let (raw, plain) = &channel.inner_mut().seen[0];
        assert_eq!((plain.ne, plain.data.len()), (Some(256), 0x33));
        assert!(raw.windows(3).any(|w| w == [0x97, 0x01, 0x00]));
        assert_eq!(&raw[raw.len() - 2..], &[0x00, 0x00]);
    }

    /// A chained PSO:DECIPHER link of 223 bytes: CLA `10` becomes `1C`, and
    /// the protected link still fits a short Lc.
    #[test]
    fn chained_link_keeps_the_chaining_bit_and_stays_short() {
        let mut channel = channel(0);
        let mut link = vec![0x10, 0x2A, 0x80, 0x86, 223];
        link.extend([0x5A; 223]);
        channel.transmit(&link).unwrap();
        let (raw, plain) = &channel.inner_mut().seen[0];
        assert_eq!((plain.cla, plain.data.len(), plain.ne), (0x10, 223, None));
        assert_eq!(raw[0], 0x1C);
        assert_ne!(raw[4], 0x00, "short Lc");
        assert_eq!(usize::from(raw[4]), raw.len() - 6, "Lc, data, Le 00");
    }
}
