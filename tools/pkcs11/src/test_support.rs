//! Test helpers: certificate-zone contents built from the committed test
//! PKI, and a fake [`Token`] that records what the card was asked.

use std::sync::{Arc, Mutex};

use crate::backend::{Backend, ReaderState};
use crate::token::*;

/// CSCA (self-signed) and DS certificates of profiles/test-pki, standing in
/// for the citizen CA and a user certificate: any valid X.509 will do.
const CA_CERT: &[u8] = include_bytes!("../../../profiles/test-pki/csca.der");
const USER_CERT: &[u8] = include_bytes!("../../../profiles/test-pki/ds.der");

/// DER TLV with a definite length (X.690 §8.1.3).
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        _ => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// An rsaEncryption SPKI with a 2048-bit modulus `C5 C5 …` and e = 65537.
pub fn rsa_spki() -> Vec<u8> {
    let mut n = vec![0x00];
    n.extend([0xC5; 256]);
    let key = tlv(0x30, &[tlv(0x02, &n), tlv(0x02, &[1, 0, 1])].concat());
    let alg =
        tlv(0x30, &[tlv(0x06, &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]), vec![0x05, 0x00]].concat());
    tlv(0x30, &[alg, tlv(0x03, &[&[0u8][..], &key].concat())].concat())
}

/// An id-ecPublicKey secp384r1 SPKI with the point `04 ‖ 01…`.
pub fn ec_spki() -> Vec<u8> {
    let mut point = vec![0x00, 0x04];
    point.extend([0x01; 96]);
    let alg = tlv(
        0x30,
        &[tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]), tlv(0x06, &[0x2B, 0x81, 0x04, 0x00, 0x22])].concat(),
    );
    tlv(0x30, &[alg, tlv(0x03, &point)].concat())
}

/// Keys 01 (RSA sign), 02 (RSA decrypt), 03 (EC); a user certificate for
/// key 01 and one CA certificate.
pub fn sample_objects() -> TokenObjects {
    let key = |key_ref: u8, label: &str, spki_der: Vec<u8>| KeyObject {
        key_ref,
        label: label.into(),
        id: vec![key_ref],
        usage: KeyUsage::for_key_ref(key_ref),
        spki_der,
    };
    TokenObjects {
        serial: "210012345".into(),
        label: "Taiwan New eID".into(),
        pin_min: 8,
        pin_max: 12,
        keys: vec![
            key(1, "Signature and authentication key", rsa_spki()),
            key(2, "Encipherment key", rsa_spki()),
            key(3, "ECC key 1", ec_spki()),
        ],
        certificates: vec![
            CertificateObject {
                label: "Signature and authentication certificate".into(),
                id: vec![1],
                authority: false,
                der: USER_CERT.to_vec(),
            },
            CertificateObject {
                label: "Root CA certificate".into(),
                id: vec![0x11],
                authority: true,
                der: CA_CERT.to_vec(),
            },
        ],
    }
}

/// One card command the fake saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    Verify(Vec<u8>),
    Logout,
    Sign(u8, SignMechanism, Vec<u8>),
    Decipher(u8, DecipherMechanism, Vec<u8>),
    Ecdh(u8, Vec<u8>),
}

/// The shared state of a fake card: what it holds and what it was asked.
#[derive(Debug)]
pub struct FakeCard {
    pub objects: Result<TokenObjects, String>,
    pub pin: Vec<u8>,
    pub tries_left: u8,
    pub verified: bool,
    pub calls: Vec<Call>,
    pub removed: bool,
    /// `with_can` of every open, in order.
    pub opened_with_can: Vec<bool>,
    /// A faulty card: signatures of this length instead of 256 / 96.
    pub signature_len: Option<usize>,
}

impl FakeCard {
    pub fn new() -> Arc<Mutex<Self>> {
        Arc::new(Mutex::new(Self {
            objects: Ok(sample_objects()),
            pin: b"13572468".to_vec(),
            tries_left: 3,
            verified: false,
            calls: Vec::new(),
            removed: false,
            opened_with_can: Vec::new(),
            signature_len: None,
        }))
    }
}

/// Signature bytes the fake answers: RSA 256 × `5A`, ECDSA 96 × `EC`.
pub const FAKE_RSA_SIGNATURE: u8 = 0x5A;
pub const FAKE_EC_SIGNATURE: u8 = 0xEC;
/// Plaintext the fake deciphers any cryptogram to.
pub const FAKE_PLAINTEXT: &[u8] = b"session key";
/// Shared secret the fake's ECDH answers (48 bytes).
pub const FAKE_SHARED_SECRET: u8 = 0x55;

pub struct FakeToken(pub Arc<Mutex<FakeCard>>);

impl FakeToken {
    fn card(&self) -> Result<std::sync::MutexGuard<'_, FakeCard>, TokenError> {
        let card = self.0.lock().map_err(|_| TokenError::Device("poisoned".into()))?;
        if card.removed { Err(TokenError::Removed("fake reader".into())) } else { Ok(card) }
    }
}

impl Token for FakeToken {
    fn read_objects(&mut self) -> Result<TokenObjects, TokenError> {
        let card = self.card()?;
        let opened_plain = card.opened_with_can.last() == Some(&false);
        match &card.objects {
            Ok(objects) => Ok(objects.clone()),
            Err(kind) if kind == "can" => Err(TokenError::CanRequired),
            // A zone without secure messaging: readable once opened without PACE.
            Err(kind) if kind == "no-sm" && opened_plain => Ok(sample_objects()),
            Err(kind) if kind == "no-sm" => Err(TokenError::SecureMessagingUnsupported),
            Err(other) => Err(TokenError::Device(other.clone())),
        }
    }

    fn pin_status(&mut self) -> Result<PinStatus, TokenError> {
        let card = self.card()?;
        Ok(match (card.verified, card.tries_left) {
            (true, _) => PinStatus::Verified,
            (false, 0) => PinStatus::Blocked,
            (false, n) => PinStatus::TriesLeft(n),
        })
    }

    fn verify_pin(&mut self, pin: &[u8]) -> Result<(), TokenError> {
        let mut card = self.card()?;
        card.calls.push(Call::Verify(pin.to_vec()));
        if card.tries_left == 0 {
            return Err(TokenError::PinBlocked);
        }
        if pin == card.pin.as_slice() {
            card.tries_left = 3;
            card.verified = true;
            Ok(())
        } else {
            card.tries_left -= 1;
            card.verified = false;
            if card.tries_left == 0 {
                Err(TokenError::PinBlocked)
            } else {
                Err(TokenError::PinIncorrect { tries_left: card.tries_left })
            }
        }
    }

    fn logout(&mut self) -> Result<(), TokenError> {
        let mut card = self.card()?;
        card.calls.push(Call::Logout);
        card.verified = false;
        Ok(())
    }

    fn sign(&mut self, key_ref: u8, mechanism: SignMechanism, input: &[u8]) -> Result<Vec<u8>, TokenError> {
        let mut card = self.card()?;
        card.calls.push(Call::Sign(key_ref, mechanism, input.to_vec()));
        if !card.verified {
            return Err(TokenError::NotLoggedIn);
        }
        Ok(match mechanism {
            SignMechanism::Ecdsa => vec![FAKE_EC_SIGNATURE; card.signature_len.unwrap_or(96)],
            _ => vec![FAKE_RSA_SIGNATURE; card.signature_len.unwrap_or(256)],
        })
    }

    fn decipher(
        &mut self,
        key_ref: u8,
        mechanism: DecipherMechanism,
        cryptogram: &[u8],
    ) -> Result<Vec<u8>, TokenError> {
        let mut card = self.card()?;
        card.calls.push(Call::Decipher(key_ref, mechanism, cryptogram.to_vec()));
        if !card.verified {
            return Err(TokenError::NotLoggedIn);
        }
        if cryptogram.first() == Some(&0xFF) {
            return Err(TokenError::InvalidInput { sw: Some(0x6A80), reason: "bad padding".into() });
        }
        Ok(FAKE_PLAINTEXT.to_vec())
    }

    fn ecdh(&mut self, key_ref: u8, point: &[u8]) -> Result<Vec<u8>, TokenError> {
        let mut card = self.card()?;
        card.calls.push(Call::Ecdh(key_ref, point.to_vec()));
        if !card.verified {
            return Err(TokenError::NotLoggedIn);
        }
        Ok(vec![FAKE_SHARED_SECRET; 48])
    }
}

/// Readers with fake cards: `(name, card)`; `None` = empty reader,
/// `Some(None)`-like "not ours" cards use [`FakeBackend::foreign`].
pub struct FakeBackend {
    pub readers: Vec<(String, Option<Arc<Mutex<FakeCard>>>)>,
    /// Readers whose card has no PKCS#15 application.
    pub foreign: Vec<String>,
}

impl FakeBackend {
    pub fn one_card(card: Arc<Mutex<FakeCard>>) -> Self {
        Self { readers: vec![("Fake Reader 00".into(), Some(card))], foreign: Vec::new() }
    }
}

impl Backend for FakeBackend {
    fn readers(&mut self) -> Result<Vec<ReaderState>, TokenError> {
        Ok(self
            .readers
            .iter()
            .map(|(name, card)| ReaderState {
                name: name.clone(),
                card_present: card.as_ref().is_some_and(|c| c.lock().map(|c| !c.removed).unwrap_or(false))
                    || self.foreign.contains(name),
            })
            .collect())
    }

    fn open(&mut self, reader: &str, with_can: bool) -> Result<Box<dyn Token>, TokenError> {
        if self.foreign.iter().any(|r| r == reader) {
            return Err(TokenError::NoApplication(0x6A82));
        }
        let card = self
            .readers
            .iter()
            .find(|(name, _)| name == reader)
            .and_then(|(_, card)| card.clone())
            .ok_or_else(|| TokenError::Removed(reader.into()))?;
        card.lock().map_err(|_| TokenError::Device("poisoned".into()))?.opened_with_can.push(with_can);
        Ok(Box::new(FakeToken(card)))
    }
}
