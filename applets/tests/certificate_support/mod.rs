//! The certificate zone under test: the adult reference holder with PIN2
//! set and the zone personalized with or without secure messaging; issuer
//! commands run on the applet with an issuer-session context (the SCP03
//! layer sets that flag on a real card); holder commands go through
//! `Card::process`, under PACE-CAN secure messaging when the profile asks.
#![allow(dead_code)]

use std::sync::OnceLock;

use applets::certificate::{self, AID, CertificateApplet, CertificatePerso};
use applets::{PaceSetup, PersoInput};
use card_os::protocol::sm::Command;
use card_os::{
    Applet, AppletVolatile, Card, CardImage, CardRng, CommandApdu, CommandContext, FaultSet, Interface, PacePassword,
    Response, SecurityStatus, Selection, StatusWord, Transaction,
};

use super::pace_support::{self, Channel, card_rng, pace, pace_input, secret};

pub const PIN2: &str = "13572468";
pub const CARD_NUMBER: &str = "210012345";
pub const SW_OK: u16 = 0x9000;

/// The adult holder: passwords, public zone, PIN2, and the certificate zone.
pub fn input(secure_messaging: bool) -> PersoInput {
    let mut input = pace_input(PaceSetup::default());
    input.pins.pin2 = Some(PIN2.to_string());
    input.certificate = Some(CertificatePerso { secure_messaging, card_number: CARD_NUMBER.to_string() });
    input
}

pub fn personalized(secure_messaging: bool) -> CardImage {
    applets::personalize(&input(secure_messaging)).expect("reference input personalizes")
}

/// A DER SEQUENCE of exactly `len` bytes (the card checks only the outer
/// structure of a certificate).
pub fn certificate(len: usize, fill: u8) -> Vec<u8> {
    let body = len - 4;
    let mut out = vec![0x30, 0x82];
    out.extend_from_slice(&(body as u16).to_be_bytes());
    out.resize(len, fill);
    out
}

/// The certificates `issued` writes: FID and content.
pub fn issued_certificates() -> Vec<(u16, Vec<u8>)> {
    vec![
        (0x4431, certificate(900, 0x11)),
        (0x4432, certificate(1100, 0x12)),
        (0x4433, certificate(1300, 0x01)),
        (0x4434, certificate(1200, 0x02)),
        (0x4435, certificate(700, 0x03)),
    ]
}

/// A context for one command on the applet, as card-os would build it.
pub struct Direct {
    pub interface: Interface,
    pub issuer_session: bool,
    pub secure_messaging: bool,
    /// The R-MAC card-os appends inside an SCP03 session at level 11 / 13.
    pub response_mac_len: usize,
    pub security: SecurityStatus,
    pub rng: Option<CardRng>,
    pub state: AppletVolatile,
}

impl Direct {
    /// An SCP03 issuer session on the contact interface.
    pub fn issuer(seed: u64) -> Direct {
        Direct {
            interface: Interface::Contact,
            issuer_session: true,
            secure_messaging: false,
            response_mac_len: 0,
            security: SecurityStatus::default(),
            rng: Some(card_rng(seed)),
            state: AppletVolatile::default(),
        }
    }

    /// Run `apdu` on the certificate applet; commit on success (like
    /// `Card::process`), roll back otherwise.
    pub fn run(&mut self, image: &mut CardImage, apdu: &CommandApdu) -> Result<Response, StatusWord> {
        let applet = CertificateApplet::for_image(image);
        self.run_on(&applet, image, apdu)
    }

    /// `run` with a given applet (built for another image, say).
    pub fn run_on(
        &mut self,
        applet: &CertificateApplet,
        image: &mut CardImage,
        apdu: &CommandApdu,
    ) -> Result<Response, StatusWord> {
        let mut selection = Selection { df: image.mf.path_by_name(AID).expect("zone present"), ef: None };
        let mut tx = Transaction::begin(image);
        let mut ctx = CommandContext {
            nvm: &mut tx,
            selection: &mut selection,
            security: &mut self.security,
            interface: self.interface,
            secure_messaging: self.secure_messaging,
            issuer_session: self.issuer_session,
            response_mac_len: self.response_mac_len,
            faults: FaultSet::none(),
            rng: self.rng.as_mut(),
            applet_state: &mut self.state,
        };
        let result = applet.process(&mut ctx, apdu);
        if result.is_ok() {
            tx.commit();
        } else {
            tx.rollback();
        }
        result
    }

    pub fn sw(&mut self, image: &mut CardImage, apdu: &CommandApdu) -> u16 {
        match self.run(image, apdu) {
            Ok(response) => response.sw.to_u16(),
            Err(sw) => sw.to_u16(),
        }
    }
}

pub fn apdu(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], ne: Option<usize>) -> CommandApdu {
    CommandApdu::new(cla, ins, p1, p2, data.to_vec(), ne)
}

pub fn generate_apdu(key_ref: u8) -> CommandApdu {
    apdu(0x00, 0x46, 0x00, key_ref, &[], Some(65536))
}

pub fn put_data_apdu(fid: u16, certificate: &[u8]) -> CommandApdu {
    let [p1, p2] = fid.to_be_bytes();
    apdu(0x00, 0xDA, p1, p2, certificate, None)
}

/// Generate every key and write the certificates, as `neid issue certs` does.
fn issue(mut image: CardImage) -> CardImage {
    let mut issuer = Direct::issuer(5);
    for key_ref in 1..=5 {
        issuer.run(&mut image, &generate_apdu(key_ref)).expect("issuer generates");
    }
    for (fid, der) in issued_certificates() {
        issuer.run(&mut image, &put_data_apdu(fid, &der)).expect("issuer writes the certificate");
    }
    image
}

/// The issued card image (keys and certificates), built once per option.
pub fn issued(secure_messaging: bool) -> CardImage {
    static WITH_SM: OnceLock<CardImage> = OnceLock::new();
    static WITHOUT_SM: OnceLock<CardImage> = OnceLock::new();
    let cell = if secure_messaging { &WITH_SM } else { &WITHOUT_SM };
    cell.get_or_init(|| issue(personalized(secure_messaging))).clone()
}

/// The private key of slot `key_ref` in `image`.
pub fn private_key(image: &CardImage, key_ref: u8) -> certificate::keys::PrivateKey {
    let slot = certificate::KeyRef::new(key_ref).unwrap().slot();
    certificate::keys::load(image, slot).unwrap().expect("key generated")
}

/// A holder's terminal on a card: plain, or under PACE secure messaging.
pub struct Terminal {
    pub card: Card,
    pub channel: Option<Channel>,
}

impl Terminal {
    /// Power on `image` on `interface`; with `pace_with`, run PACE first.
    pub fn new(image: CardImage, interface: Interface, pace_with: Option<PacePassword>) -> Terminal {
        let mut card = applets::card_with_rng(image, card_rng(21));
        card.power_on(interface);
        let channel = pace_with.map(|password| {
            Channel::new(pace(&mut card, PaceSetup::default(), &secret(password), 3).expect("PACE succeeds"))
        });
        Terminal { card, channel }
    }

    /// The holder's usual way in: contact, PACE with CAN when the zone
    /// needs secure messaging, the zone selected, PIN2 verified.
    pub fn holder(image: CardImage, secure_messaging: bool) -> Terminal {
        let pace_with = secure_messaging.then_some(PacePassword::Can);
        let mut terminal = Terminal::new(image, Interface::Contact, pace_with);
        assert_eq!(terminal.select_zone(), SW_OK);
        assert_eq!(terminal.verify_pin2(), SW_OK);
        terminal
    }

    /// Send a command (wrapped when a session is open): data and SW.
    pub fn send(&mut self, cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], ne: Option<usize>) -> (Vec<u8>, u16) {
        let plain = pace_support::command(cla, ins, p1, p2, data, ne);
        match &mut self.channel {
            Some(channel) => match channel.transmit(&mut self.card, &plain) {
                Ok(response) => (response.data, response.sw),
                Err(sw) => {
                    self.channel = None;
                    (Vec::new(), sw)
                }
            },
            None => {
                let bytes = plain_bytes(&plain);
                let answer = self.card.process(&bytes);
                let (data, sw) = answer.split_at(answer.len() - 2);
                (data.to_vec(), u16::from_be_bytes([sw[0], sw[1]]))
            }
        }
    }

    pub fn sw(&mut self, cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], ne: Option<usize>) -> u16 {
        self.send(cla, ins, p1, p2, data, ne).1
    }

    pub fn select_zone(&mut self) -> u16 {
        self.sw(0x00, 0xA4, 0x04, 0x0C, AID, None)
    }

    pub fn select_mf(&mut self) -> u16 {
        self.sw(0x00, 0xA4, 0x00, 0x0C, &[], None)
    }

    pub fn verify_pin2(&mut self) -> u16 {
        self.sw(0x00, 0x20, 0x00, 0x81, PIN2.as_bytes(), None)
    }

    /// SELECT `fid` in the current DF and READ BINARY it whole (offsets
    /// in steps of 256). `Err(sw)` when SELECT or a READ BINARY fails.
    pub fn read_ef(&mut self, fid: u16) -> Result<Vec<u8>, u16> {
        let sw = self.sw(0x00, 0xA4, 0x02, 0x0C, &fid.to_be_bytes(), None);
        if sw != SW_OK {
            return Err(sw);
        }
        let mut content = Vec::new();
        loop {
            let [p1, p2] = (content.len() as u16).to_be_bytes();
            let (data, sw) = self.send(0x00, 0xB0, p1, p2, &[], Some(256));
            match sw {
                SW_OK if data.len() == 256 => content.extend_from_slice(&data),
                SW_OK | 0x6282 => {
                    content.extend_from_slice(&data);
                    return Ok(content);
                }
                // Offset at the end of the EF.
                0x6B00 if !content.is_empty() => return Ok(content),
                other => return Err(other),
            }
        }
    }

    /// MSE:SET for `template` (B6 DST, B8 CT).
    pub fn mse_set(&mut self, template: u8, algorithm: u8, key_ref: u8) -> u16 {
        self.sw(0x00, 0x22, 0x41, template, &[0x80, 0x01, algorithm, 0x84, 0x01, key_ref], None)
    }

    pub fn compute_signature(&mut self, input: &[u8]) -> (Vec<u8>, u16) {
        self.send(0x00, 0x2A, 0x9E, 0x9A, input, Some(256))
    }

    /// PSO:DECIPHER with extended length.
    pub fn decipher(&mut self, input: &[u8]) -> (Vec<u8>, u16) {
        self.send(0x00, 0x2A, 0x80, 0x86, input, Some(65536))
    }

    pub fn internal_authenticate(&mut self, algorithm: u8, key_ref: u8, challenge: &[u8]) -> (Vec<u8>, u16) {
        self.send(0x00, 0x88, algorithm, 0x80 | key_ref, challenge, Some(256))
    }
}

fn plain_bytes(command: &Command) -> Vec<u8> {
    command.to_bytes().expect("test command encodes")
}
