//! A PACE terminal driving a personalized card with real APDUs: the terminal
//! side is `protocol::PaceTerminal` and `SmSession`, the card side
//! `Card::process`. The random generators are seeded: every run is the same.
#![allow(dead_code)]

use applets::public_fields::{self, PublicFields};
use applets::{MrzPassword, PacePasswords, PaceSetup, PersoInput, PublicZoneInput};
use card_os::protocol::pace::{DynamicAuthenticationData, GaTag, MseSetAt};
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{PaceProtocol, PaceSecret, PaceTerminal, SmSession};
use card_os::{Card, CardRng, CommandApdu, Interface, ResponseApdu};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The adult reference holder (reference-citizens.toml).
pub const CAN: &str = "012345";
pub const PIN: &str = "246810";
pub const PUK: &str = "TWeid2026";
pub const DOCUMENT_NUMBER: &str = "210012345";
pub const DATE_OF_BIRTH: &str = "900315";
pub const DATE_OF_EXPIRY: &str = "360314";
/// A stand-in for the issuer-signed EF.SOD: the card stores it as given.
pub const SECURITY_OBJECT: &[u8] = b"\x30\x0A signed-sod";

pub const SELECT_PUBLIC: &str = "00A4040C06D15800000102";

pub fn card_rng(seed: u64) -> CardRng {
    Box::new(StdRng::seed_from_u64(seed))
}

pub fn adult_public_fields() -> PublicFields {
    PublicFields {
        name_zh: "王小明".to_string(),
        name_en: "WANG, HSIAO-MING".to_string(),
        name_mrz: "WANG<<HSIAO<MING".to_string(),
        name_cns: Vec::new(),
        id_number: "A123456789".to_string(),
        date_of_birth: "19900315".to_string(),
        household_address_zh: "臺北市大安區龍泉里5鄰和平東路一段100號".to_string(),
        household_address_en: "No. 100, Sec. 1, Heping E. Rd., Longquan Vil., Da'an Dist., Taipei City".to_string(),
        village_code: "63000030-017".to_string(),
        address_cns: Vec::new(),
        marital_status: "married".to_string(),
        military_service: "completed".to_string(),
        card_number: "210012345".to_string(),
        renewal_date: Some("20360314".to_string()),
        issue_date: "20260315".to_string(),
    }
}

pub fn adult_passwords() -> PacePasswords {
    PacePasswords {
        mrz: Some(MrzPassword {
            document_number: DOCUMENT_NUMBER.to_string(),
            date_of_birth: DATE_OF_BIRTH.to_string(),
            date_of_expiry: DATE_OF_EXPIRY.to_string(),
        }),
        can: Some(CAN.to_string()),
        pin: Some(PIN.to_string()),
        puk: Some(PUK.to_string()),
    }
}

/// The adult holder with passwords and public zone, PACE as `setup`.
pub fn pace_input(setup: PaceSetup) -> PersoInput {
    let fields = public_fields::encode(&adult_public_fields()).expect("reference fields encode");
    PersoInput {
        pace: setup,
        passwords: adult_passwords(),
        public: Some(PublicZoneInput { fields, security_object: SECURITY_OBJECT.to_vec() }),
        ..PersoInput::new(super::common::adult_household())
    }
}

pub fn pace_card(setup: PaceSetup, interface: Interface) -> Card {
    let image = applets::personalize(&pace_input(setup)).expect("reference input personalizes");
    let mut card = applets::card_with_rng(image, card_rng(7));
    card.power_on(interface);
    card
}

pub fn secret(password: card_os::PacePassword) -> PaceSecret {
    use card_os::protocol::PacePassword as P;
    match password {
        card_os::PacePassword::Mrz => PaceSecret::mrz(DOCUMENT_NUMBER, DATE_OF_BIRTH, DATE_OF_EXPIRY).unwrap(),
        card_os::PacePassword::Can => PaceSecret::from_text(P::Can, CAN).unwrap(),
        card_os::PacePassword::Pin => PaceSecret::from_text(P::Pin, PIN).unwrap(),
        card_os::PacePassword::Puk => PaceSecret::from_text(P::Puk, PUK).unwrap(),
    }
}

/// Send a plain command; the response.
pub fn send(card: &mut Card, cmd: &CommandApdu) -> ResponseApdu {
    ResponseApdu::parse(&card.process(&cmd.to_bytes().unwrap())).unwrap()
}

/// Where a PACE run stopped: the step (0 = MSE:Set AT) and the status word.
#[derive(Debug, PartialEq, Eq)]
pub struct PaceFailure {
    pub step: u8,
    pub sw: u16,
}

fn ga(card: &mut Card, chained: bool, data: DynamicAuthenticationData, step: u8) -> Result<DynamicAuthenticationData, PaceFailure> {
    let cla = if chained { 0x10 } else { 0x00 };
    let r = send(card, &CommandApdu::new(cla, 0x86, 0x00, 0x00, data.encode(), Some(256)));
    if r.sw != 0x9000 {
        return Err(PaceFailure { step, sw: r.sw });
    }
    Ok(DynamicAuthenticationData::decode(&r.data).expect("card sends well-formed 7C"))
}

/// A full PACE run (MSE:Set AT then GENERAL AUTHENTICATE ×4) with `secret`;
/// the terminal's SM session on success.
pub fn pace(card: &mut Card, setup: PaceSetup, secret: &PaceSecret, seed: u64) -> Result<SmSession, PaceFailure> {
    let mut rng = StdRng::seed_from_u64(seed);
    let protocol = PaceProtocol::for_cipher(setup.cipher);
    let mse = MseSetAt {
        protocol,
        password: secret.password(),
        domain_parameter_id: Some(setup.domain.id()),
        auxiliary_data: None,
        chat: None,
    };
    let r = send(card, &CommandApdu::new(0x00, 0x22, 0xC1, 0xA4, mse.encode(), None));
    if r.sw != 0x9000 {
        return Err(PaceFailure { step: 0, sw: r.sw });
    }
    let terminal = PaceTerminal::new(protocol, setup.domain, secret);
    let step1 = ga(card, true, DynamicAuthenticationData::empty(), 1)?;
    let z = step1.only(GaTag::EncryptedNonce).unwrap();
    let (terminal, pk_map_pcd) = terminal.decrypt_nonce(&mut rng, z).unwrap();
    let step2 = ga(card, true, DynamicAuthenticationData::single(GaTag::MappingDataPcd, &pk_map_pcd), 2)?;
    let (terminal, pk_pcd) = terminal.map_nonce(&mut rng, step2.only(GaTag::MappingDataPicc).unwrap()).unwrap();
    let step3 = ga(card, true, DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPcd, &pk_pcd), 3)?;
    let (terminal, t_pcd) = terminal.agree_keys(step3.only(GaTag::EphemeralPublicKeyPicc).unwrap()).unwrap();
    let step4 = ga(card, false, DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &t_pcd), 4)?;
    let result = terminal.authenticate(step4.only(GaTag::AuthenticationTokenPicc).unwrap()).expect("chip token verifies");
    Ok(SmSession::from_pace(&result).unwrap())
}

/// A terminal holding a session: sends protected commands, checks responses.
pub struct Channel {
    pub session: Option<SmSession>,
}

impl Channel {
    pub fn new(session: SmSession) -> Channel {
        Channel { session: Some(session) }
    }

    /// The protected APDU bytes for `plain` (the SSC advances).
    pub fn wrap(&mut self, plain: &Command) -> Vec<u8> {
        let session = self.session.as_mut().expect("session open");
        session.wrap_command(plain).unwrap().to_bytes().unwrap()
    }

    /// Unwrap a card answer; `Err(sw)` when it is not a valid protected response.
    pub fn unwrap(&mut self, answer: &[u8]) -> Result<Response, u16> {
        let session = self.session.take().expect("session open");
        match session.unwrap_response(answer) {
            Ok((session, response)) => {
                self.session = Some(session);
                Ok(response)
            }
            Err(_) => Err(ResponseApdu::parse(answer).map(|r| r.sw).unwrap_or(0)),
        }
    }

    /// Wrap, send, unwrap.
    pub fn transmit(&mut self, card: &mut Card, plain: &Command) -> Result<Response, u16> {
        let bytes = self.wrap(plain);
        let answer = card.process(&bytes);
        self.unwrap(&answer)
    }
}

pub fn command(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], ne: Option<usize>) -> Command {
    Command { cla, ins, p1, p2, data: data.to_vec(), ne }
}

/// READ BINARY by SFI from offset 0, Ne 256.
pub fn read_sfi(sfi: u8) -> Command {
    command(0x00, 0xB0, 0x80 | sfi, 0x00, &[], Some(256))
}

pub fn select_aid(aid: &[u8]) -> Command {
    command(0x00, 0xA4, 0x04, 0x0C, aid, None)
}
