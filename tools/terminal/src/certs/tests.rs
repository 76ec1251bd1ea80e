//! `CertificateZone` against a small fake card that serves the spec's
//! PKCS#15 files and answers the PIN2 and security-operation commands as
//! docs/spec/certificate-zone.md and pins.md say (the real card is tested in
//! tests/certificate_zone.rs).

use std::collections::HashMap;

use card_os::apdu::CommandApdu;
use card_os::protocol::tlv;

use super::pkcs15::build;
use super::*;

/// The generator of secp384r1 (FIPS 186-4 D.1.2.4) as an uncompressed point.
pub(crate) const P384_G: &str = "04AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB73617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F";

/// SubjectPublicKeyInfo of a P-384 key (RFC 5480).
pub(crate) fn p384_spki(point: &[u8]) -> Vec<u8> {
    let mut der = hex::decode("3076301006072A8648CE3D020106052B81040022036200").unwrap();
    der.extend_from_slice(point);
    der
}

/// SubjectPublicKeyInfo of an RSA key with exponent 65537 (RFC 8017 A.1.1).
pub(crate) fn rsa_spki(modulus: &[u8]) -> Vec<u8> {
    let mut key = Vec::new();
    tlv::push(&mut key, 0x02, &[[0u8].as_slice(), modulus].concat());
    tlv::push(&mut key, 0x02, &[0x01, 0x00, 0x01]);
    let mut bits = vec![0x00];
    bits.extend(tlv::build(0x30, &key));
    let algorithm = hex::decode("300D06092A864886F70D0101010500").unwrap();
    tlv::build(0x30, &[algorithm, tlv::build(0x03, &bits)].concat())
}

const SW_OK: [u8; 2] = [0x90, 0x00];

/// The certificate zone of a card with keys 01, 02, 03 and the root and
/// user certificate 1, from the spec's definitions.
struct FakeZone {
    files: HashMap<u16, Vec<u8>>,
    current: Option<u16>,
    /// `6982` to every READ BINARY, as an SM card read in plain.
    needs_sm: bool,
    pin2: Vec<u8>,
    tries_left: u8,
    verified: bool,
    /// Data collected from chained PSO parts.
    chain: Vec<u8>,
    /// Every command APDU, as hex.
    log: Vec<String>,
    /// Key reference of the last MSE:SET.
    key_ref: u8,
    /// A faulty card: signatures of this length instead of the key's.
    signature_len: Option<usize>,
}

impl FakeZone {
    fn new() -> Self {
        let mut files = HashMap::new();
        files.insert(FID_ODF, build::odf());
        files.insert(FID_TOKEN_INFO, build::token_info("210012345"));
        files.insert(0x4401, build::pin2());
        files.insert(
            0x4402,
            [
                build::private_key(false, "Signature and authentication key", 1),
                build::private_key(false, "Encipherment key", 2),
                build::private_key(true, "ECC key 1", 3),
            ]
            .concat(),
        );
        files.insert(
            0x4403,
            [
                build::public_key(false, "Signature and authentication key", 1),
                build::public_key(false, "Encipherment key", 2),
                build::public_key(true, "ECC key 1", 3),
            ]
            .concat(),
        );
        files.insert(
            0x4404,
            [
                build::certificate("Root CA certificate", 0x11, true, 0x4431),
                build::certificate("Signature and authentication certificate", 0x01, false, 0x4433),
            ]
            .concat(),
        );
        files.insert(0x4421, rsa_spki(&[0xA1; 256]));
        files.insert(0x4422, rsa_spki(&[0xA2; 256]));
        files.insert(0x4423, p384_spki(&hex::decode(P384_G).unwrap()));
        // Long enough to need two READ BINARY.
        files.insert(0x4431, [vec![0x30, 0x82, 0x01, 0x2C], vec![0x11; 300]].concat());
        files.insert(0x4433, [vec![0x30, 0x82, 0x01, 0x2C], vec![0x33; 300]].concat());
        Self {
            files,
            current: None,
            needs_sm: false,
            pin2: b"13572468".to_vec(),
            tries_left: 3,
            verified: false,
            chain: Vec::new(),
            log: Vec::new(),
            key_ref: 0,
            signature_len: None,
        }
    }

    /// "Signature": the input reversed, zero-padded to the key's signature
    /// length (RSA 256, ECDSA 96 bytes) unless the card is set to fail.
    fn signature(&self, key_ref: u8, input: &[u8]) -> Vec<u8> {
        let len = self.signature_len.unwrap_or(if key_ref <= 2 { 256 } else { 96 });
        let mut signature: Vec<u8> = input.iter().rev().copied().collect();
        signature.resize(len, 0);
        signature
    }

    fn answer(&mut self, cmd: &CommandApdu) -> Vec<u8> {
        let sw = |sw: u16| sw.to_be_bytes().to_vec();
        let with = |mut data: Vec<u8>| {
            data.extend(SW_OK);
            data
        };
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0xA4, 0x04, 0x0C) if cmd.data == AID => sw(0x9000),
            (0xA4, 0x04, _) => sw(0x6A82),
            (0xA4, 0x02, 0x0C) => match cmd.data.as_slice() {
                [hi, lo] if self.files.contains_key(&u16::from_be_bytes([*hi, *lo])) => {
                    self.current = Some(u16::from_be_bytes([*hi, *lo]));
                    sw(0x9000)
                }
                _ => sw(0x6A82),
            },
            (0xB0, p1, p2) if self.needs_sm => {
                let _ = (p1, p2);
                sw(0x6982)
            }
            (0xB0, p1, p2) => {
                let content = &self.files[&self.current.expect("EF selected")];
                let offset = usize::from(u16::from_be_bytes([p1, p2]));
                if offset > content.len() {
                    return sw(0x6B00);
                }
                let end = content.len().min(offset + cmd.ne.unwrap_or(0));
                with(content[offset..end].to_vec())
            }
            (0x20, 0xFF, 0x81) => {
                self.verified = false;
                sw(0x9000)
            }
            (0x20, 0x00, 0x81) if self.tries_left == 0 => sw(0x6983),
            (0x20, 0x00, 0x81) if cmd.data.is_empty() => {
                if self.verified {
                    sw(0x9000)
                } else {
                    sw(0x63C0 | u16::from(self.tries_left))
                }
            }
            (0x20, 0x00, 0x81) => {
                assert_eq!(cmd.data.len(), 12, "PIN2 padded to 12 bytes");
                let value: Vec<u8> = cmd.data.iter().copied().filter(|&b| b != 0xFF).collect();
                self.verified = value == self.pin2;
                self.tries_left = if self.verified { 3 } else { self.tries_left - 1 };
                if self.verified { sw(0x9000) } else { sw(0x63C0 | u16::from(self.tries_left)) }
            }
            (0x22, 0x41, _) => {
                // `80 01 alg 84 01 kr`: the key reference is the last byte.
                self.key_ref = cmd.data.last().copied().unwrap_or_default();
                sw(0x9000)
            }
            (0x2A, _, _) | (0x88, _, _) if !self.verified => sw(0x6982),
            (0x2A, _, _) if cmd.cla & 0x10 != 0 => {
                self.chain.extend_from_slice(&cmd.data);
                sw(0x9000)
            }
            (0x2A, 0x80, 0x86) => {
                self.chain.extend_from_slice(&cmd.data);
                let data = std::mem::take(&mut self.chain);
                // "Deciphered": the length received and the first two bytes.
                with(vec![(data.len() >> 8) as u8, data.len() as u8, data[0], data[1]])
            }
            (0x2A, 0x9E, 0x9A) => with(self.signature(self.key_ref, &cmd.data)),
            // INTERNAL AUTHENTICATE: P2 `8x`, x = key reference.
            (0x88, _, p2) => with(self.signature(p2 & 0x1F, &cmd.data)),
            _ => sw(0x6D00),
        }
    }
}

impl Transport for FakeZone {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.log.push(hex::encode_upper(apdu));
        let cmd = CommandApdu::parse(apdu).map_err(|sw| TransportError::Emulator(format!("{sw:?}")))?;
        Ok(self.answer(&cmd))
    }
    fn atr(&self) -> Vec<u8> {
        Vec::new()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
    fn name(&self) -> String {
        "fake certificate zone".into()
    }
}

#[test]
fn read_objects_follows_the_odf() {
    let mut card = FakeZone::new();
    let objects = CertificateZone::open(&mut card, None).unwrap().read_objects().unwrap();
    assert_eq!(objects.serial, "210012345");
    assert_eq!(objects.label, "Taiwan New eID");
    assert_eq!((objects.pin2_min, objects.pin2_max), (8, 12));
    let slots: Vec<_> = objects.keys.iter().map(|k| (k.slot, k.algorithm)).collect();
    assert_eq!(
        slots,
        vec![
            (KeySlot::SignAuth, KeyAlgorithm::Rsa2048),
            (KeySlot::Decipher, KeyAlgorithm::Rsa2048),
            (KeySlot::Ecc1, KeyAlgorithm::EcP384)
        ]
    );
    let decipher = objects.key(KeySlot::Decipher).unwrap();
    assert_eq!(decipher.label, "Encipherment key");
    assert_eq!(decipher.id, vec![2]);
    assert_eq!(decipher.spki_der, rsa_spki(&[0xA2; 256]));
    assert_eq!(objects.certificates.len(), 2);
    assert_eq!(objects.certificates[0].fid, 0x4431);
    assert!(objects.certificates[0].authority);
    assert_eq!(objects.certificates[0].der.len(), 304);
    let user = objects.certificate_of(objects.key(KeySlot::SignAuth).unwrap()).unwrap();
    assert_eq!((user.fid, user.label.as_str()), (0x4433, "Signature and authentication certificate"));
    assert!(objects.certificate_of(decipher).is_none());
    // SELECT of the application, then SELECT by FID (00 A4 02 0C) of each EF.
    assert_eq!(card.log[0], "00A4040C0CA000000063504B43532D3135");
    assert_eq!(card.log[1], "00A4020C025031");
}

#[test]
fn a_key_whose_public_key_disagrees_is_malformed() {
    let mut card = FakeZone::new();
    card.files.insert(0x4423, rsa_spki(&[0xA3; 256]));
    let error = CertificateZone::open(&mut card, None).unwrap().read_objects().unwrap_err();
    assert_eq!(
        error.to_string(),
        "public key EF 4423 (key 03 (ECC key 1)): RSA-2048 key, but the PrKDF lists ECC P-384 for key 03 (ECC key 1)"
    );
}

#[test]
fn no_zone_and_sm_zone_read_in_plain_are_reported() {
    struct NoZone;
    impl Transport for NoZone {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x6A, 0x82])
        }
        fn atr(&self) -> Vec<u8> {
            Vec::new()
        }
        fn reset(&mut self) -> Result<(), TransportError> {
            Ok(())
        }
        fn name(&self) -> String {
            "no zone".into()
        }
    }
    let error = CertificateZone::open(&mut NoZone, None).err().unwrap();
    assert!(matches!(error, CertsError::NotAvailable { sw: 0x6A82 }));
    assert!(error.to_string().starts_with("the card has no certificate zone"));

    let mut card = FakeZone::new();
    card.needs_sm = true;
    let error = CertificateZone::open(&mut card, None).unwrap().read_objects().unwrap_err();
    assert_eq!(error.sw(), Some(0x6982));
    assert!(error.to_string().starts_with("READ BINARY EF.ODF (5031): card answered 6982"), "{error}");
    assert!(error.to_string().contains("open it with the CAN (--can)"), "{error}");
}

#[test]
fn wrong_pin2_three_times_blocks() {
    let mut card = FakeZone::new();
    let mut zone = CertificateZone::open(&mut card, None).unwrap();
    assert_eq!(zone.pin2_tries_left().unwrap(), Some(3));
    for left in [2, 1, 0] {
        let error = zone.verify_pin2("11112222").unwrap_err();
        assert!(matches!(error, CertsError::WrongPin2 { tries_left } if tries_left == left), "{error:?}");
    }
    assert!(zone.verify_pin2("11112222").unwrap_err().to_string().starts_with("PIN2 is blocked"));
    assert!(matches!(zone.verify_pin2("13572468"), Err(CertsError::Pin2Blocked)));
    assert_eq!(zone.pin2_tries_left().unwrap(), Some(0));
}

#[test]
fn pin2_is_padded_and_checked_before_sending() {
    let mut card = FakeZone::new();
    let mut zone = CertificateZone::open(&mut card, None).unwrap();
    assert!(matches!(zone.verify_pin2("1234"), Err(CertsError::InvalidPin2 { .. })));
    assert!(matches!(zone.verify_pin2("1357246x"), Err(CertsError::InvalidPin2 { .. })));
    zone.verify_pin2("13572468").unwrap();
    assert_eq!(zone.pin2_tries_left().unwrap(), None);
    zone.clear_pin2().unwrap();
    assert_eq!(zone.pin2_tries_left().unwrap(), Some(3));
    drop(zone);
    // SELECT, VERIFY, status, VERIFY FF, status: the malformed values were not sent.
    assert_eq!(card.log.len(), 5);
    assert_eq!(card.log[1], "002000810C3133353732343638FFFFFFFF");
    assert_eq!(card.log[3], "0020FF81");
}

#[test]
fn decipher_sends_00_and_the_cryptogram_in_a_chain() {
    let mut card = FakeZone::new();
    let mut zone = CertificateZone::open(&mut card, None).unwrap();
    zone.verify_pin2("13572468").unwrap();
    let cryptogram = [0x5A; 256];
    let plain = zone.decipher(KeySlot::Decipher, DecipherMechanism::RsaOaepSha256, &cryptogram).unwrap();
    assert_eq!(plain, vec![0x01, 0x01, 0x00, 0x5A]);
    drop(zone);
    let n = card.log.len();
    assert_eq!(card.log[n - 3], "002241B80680011C840102");
    assert!(card.log[n - 2].starts_with("102A8086FF005A5A"));
    assert_eq!(card.log[n - 1], "002A8086025A5A00");
}

#[test]
fn sign_sets_the_dst_and_refuses_bad_input_before_sending() {
    let mut card = FakeZone::new();
    let mut zone = CertificateZone::open(&mut card, None).unwrap();
    // PSO before VERIFY: the card's 6982, with the hint.
    let error = zone.sign(KeySlot::Ecc1, SignMechanism::Ecdsa, &[1; 48]).unwrap_err();
    assert!(error.to_string().contains("card answered 6982"), "{error}");
    assert!(error.to_string().contains("PIN2 not verified"), "{error}");
    zone.verify_pin2("13572468").unwrap();
    let signature = zone.sign(KeySlot::Ecc1, SignMechanism::Ecdsa, &[1, 2, 3]).unwrap();
    assert_eq!((signature.len(), &signature[..3]), (96, [3, 2, 1].as_slice()));
    let before = zone.transport().name();
    assert_eq!(before, "fake certificate zone");
    for (slot, mech, input) in [
        (KeySlot::Decipher, SignMechanism::RsaPkcs1, vec![1; 51]),
        (KeySlot::SignAuth, SignMechanism::Ecdsa, vec![1; 48]),
        (KeySlot::SignAuth, SignMechanism::RsaPss, vec![1; 20]),
        (KeySlot::SignAuth, SignMechanism::RsaPkcs1, vec![1; 246]),
    ] {
        let error = zone.sign(slot, mech, &input).unwrap_err();
        assert!(matches!(error, CertsError::InvalidInput { .. }), "{error:?}");
    }
    assert!(matches!(
        zone.decipher(KeySlot::Decipher, DecipherMechanism::RsaPkcs1, &[0; 255]),
        Err(CertsError::InvalidInput { .. })
    ));
    assert!(matches!(zone.ecdh(KeySlot::SignAuth, &[4; 97]), Err(CertsError::InvalidInput { .. })));
    assert!(matches!(zone.ecdh(KeySlot::Ecc1, &[2; 49]), Err(CertsError::InvalidInput { .. })));
    assert!(matches!(zone.internal_authenticate(KeySlot::Decipher, &[1; 20]), Err(CertsError::InvalidInput { .. })));
    let auth = zone.internal_authenticate(KeySlot::Ecc1, &[7, 8]).unwrap();
    assert_eq!((auth.len(), &auth[..2]), (96, [8, 7].as_slice()));
    drop(zone);
    let n = card.log.len();
    assert_eq!(card.log[n - 1], "0088418302070800");
    // MSE:SET DST for ECDSA with key 03, then PSO:CDS with Le 00.
    assert!(card.log.contains(&"002241B606800140840103".to_owned()));
    assert!(card.log.contains(&"002A9E9A0301020300".to_owned()));
}

#[test]
fn a_signature_of_the_wrong_length_is_refused() {
    let mut card = FakeZone::new();
    let mut zone = CertificateZone::open(&mut card, None).unwrap();
    zone.verify_pin2("13572468").unwrap();
    let digest_info = crate::digest_info::prefix(pki::HashAlgorithm::Sha256).to_vec();
    let rsa = zone.sign(KeySlot::SignAuth, SignMechanism::RsaPkcs1, &digest_info).unwrap();
    assert_eq!(rsa.len(), RSA_SIGNATURE_LEN);
    drop(zone);
    for (wrong, slot) in [(255, KeySlot::SignAuth), (257, KeySlot::SignAuth), (95, KeySlot::Ecc1), (256, KeySlot::Ecc1)]
    {
        card.signature_len = Some(wrong);
        let mut zone = CertificateZone::open(&mut card, None).unwrap();
        zone.verify_pin2("13572468").unwrap();
        let mech = if slot == KeySlot::SignAuth { SignMechanism::RsaPkcs1 } else { SignMechanism::Ecdsa };
        let error = zone.sign(slot, mech, &digest_info).unwrap_err();
        assert!(matches!(error, CertsError::Malformed { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.starts_with("PSO:COMPUTE DIGITAL SIGNATURE (key 0"), "{message}");
        assert!(message.contains(&format!("{wrong} bytes; a ")), "{message}");
        let error = zone.internal_authenticate(slot, &digest_info).unwrap_err();
        assert!(matches!(error, CertsError::Malformed { .. }), "{error:?}");
        assert!(error.to_string().starts_with("INTERNAL AUTHENTICATE (key 0"), "{error}");
    }
}

#[test]
fn a_zone_over_a_send_transport_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<CertificateZone<'static, dyn Transport + Send>>();
    let card: Box<dyn Transport + Send> = Box::new(FakeZone::new());
    let mut zone = CertificateZone::open_owned(card, None).unwrap();
    assert_eq!(zone.read_objects().unwrap().keys.len(), 3);
    let moved = std::thread::spawn(move || zone.pin2_tries_left().unwrap()).join().unwrap();
    assert_eq!(moved, Some(3));
}
