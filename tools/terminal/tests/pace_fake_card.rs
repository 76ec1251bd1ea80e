//! The terminal's PACE and secure channel against a scripted card built from
//! the chip side of `card_os::protocol` (`PaceChip`, `SmSession` unwrap /
//! wrap): independent of the card runtime, so the terminal is checked on its
//! own bytes — MSE:Set AT, the GENERAL AUTHENTICATE chain, SM on every
//! command, the wrong-password status, tampering.

use std::collections::BTreeMap;

use card_os::protocol::pace::{
    ChipInitialized, ChipKeysAgreed, ChipMapped, ChipNonceSent, DynamicAuthenticationData, GaTag, MseSetAt, PaceChip,
    PaceCipher, PaceInfo, PaceProtocol, StandardizedDomainParameters, encode_card_access,
};
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{PacePassword, PaceSecret, SmError, SmSession};
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::pace::{MrzInfo, PaceFailure, PacePasswordInput, establish_pace};
use terminal::public::{FIELD_COUNT, PUBLIC_AID, decode};
use terminal::{Transport, TransportError, read_binary_sfi, read_public, select_aid};

const SW_OK: u16 = 0x9000;
const SW_SECURITY_STATUS: u16 = 0x6982;
const SW_CONDITIONS: u16 = 0x6985;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_NOT_FOUND: u16 = 0x6A82;
const SW_CHAINING_EXPECTED: u16 = 0x6883;
const SW_INS: u16 = 0x6D00;
const CLA_CHAIN: u8 = 0x10;
const CLA_SM: u8 = 0x0C;
const SFI_CARD_ACCESS: u8 = 0x1C;
const SFI_SOD: u8 = 0x10;
const P1_SFI: u8 = 0x80;

/// The adult reference holder (reference-citizens.toml).
const ADULT_CAN: &str = "012345";
const ADULT_MRZ: [&str; 3] =
    ["IDTWN2100123450A123456789<<<<<", "9003152M3603147TWN<<<<<<<<<<<3", "WANG<<HSIAO<MING<<<<<<<<<<<<<<"];

enum Run {
    Idle,
    Initialized(PaceChip<ChipInitialized>),
    NonceSent(PaceChip<ChipNonceSent>),
    Mapped(PaceChip<ChipMapped>),
    KeysAgreed(PaceChip<ChipKeysAgreed>),
}

/// A card that speaks just enough: SELECT MF, EF.CardAccess in plain,
/// MSE:Set AT + GENERAL AUTHENTICATE ×4 with chaining, and under SM the
/// public zone (SELECT by AID, READ BINARY by SFI and by offset).
struct FakeCard {
    info: PaceInfo,
    card_access: Vec<u8>,
    can: String,
    mrz: (String, String, String),
    run: Run,
    session: Option<SmSession>,
    current_ef: Option<u8>,
    public_selected: bool,
    files: BTreeMap<u8, Vec<u8>>,
    rng: StdRng,
    log: Vec<Vec<u8>>,
    /// Flip a byte of the next protected response's MAC.
    corrupt_next_mac: bool,
    /// Answer a wrong T_PICC.
    corrupt_chip_token: bool,
}

impl FakeCard {
    fn new(domain: StandardizedDomainParameters, cipher: PaceCipher) -> Self {
        let info = PaceInfo { protocol: PaceProtocol::for_cipher(cipher), parameter_id: Some(domain.id()) };
        let mut rng = StdRng::seed_from_u64(u64::from(domain.id()));
        let contents = adult_fields();
        let pki = pki::TestPki::generate(&mut rng).expect("test PKI");
        let numbered: Vec<(u8, &[u8])> =
            contents.iter().enumerate().map(|(i, c)| (i as u8 + 1, c.as_slice())).collect();
        let sod = pki::sign_security_object(pki::HashAlgorithm::Sha256, &numbered, &pki.document_signer).expect("SOD");
        let mut files: BTreeMap<u8, Vec<u8>> =
            contents.into_iter().enumerate().map(|(i, c)| (i as u8 + 1, c)).collect();
        files.insert(SFI_SOD, sod);
        Self {
            info,
            card_access: encode_card_access(&[info]),
            can: ADULT_CAN.into(),
            mrz: ("210012345".into(), "900315".into(), "360314".into()),
            run: Run::Idle,
            session: None,
            current_ef: None,
            public_selected: false,
            files,
            rng,
            log: Vec::new(),
            corrupt_next_mac: false,
            corrupt_chip_token: false,
        }
    }

    fn secret(&self, password: PacePassword) -> Option<PaceSecret> {
        match password {
            PacePassword::Can => PaceSecret::from_text(password, &self.can).ok(),
            // Built with the protocol crate's own check digits: an
            // independent path from the terminal's `MrzInfo`.
            PacePassword::Mrz => PaceSecret::mrz(&self.mrz.0, &self.mrz.1, &self.mrz.2).ok(),
            PacePassword::Pin | PacePassword::Puk => None,
        }
    }

    fn plain(&mut self, cmd: &Command) -> Response {
        let sw = |sw| Response { data: Vec::new(), sw };
        // Any plain command ends a session (ICAO 9303-11 §9.8.7).
        self.session = None;
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0xA4, 0x00, 0x0C) if cmd.data == [0x3F, 0x00] => {
                self.public_selected = false;
                sw(SW_OK)
            }
            (0xB0, p1, 0) if p1 == P1_SFI | SFI_CARD_ACCESS => Response { data: self.card_access.clone(), sw: SW_OK },
            (0xA4, 0x04, 0x0C) if cmd.data == PUBLIC_AID => {
                self.public_selected = true;
                sw(SW_OK)
            }
            (0xB0, _, _) => sw(SW_SECURITY_STATUS),
            (0x22, 0xC1, 0xA4) => {
                let Ok(mse) = MseSetAt::decode(&cmd.data) else { return sw(SW_WRONG_DATA) };
                if mse.protocol != self.info.protocol || mse.domain_parameter_id != self.info.parameter_id {
                    return sw(SW_WRONG_DATA);
                }
                let Some(secret) = self.secret(mse.password) else { return sw(SW_WRONG_DATA) };
                let Ok(domain) = StandardizedDomainParameters::from_id(mse.domain_parameter_id.unwrap_or(0)) else {
                    return sw(SW_WRONG_DATA);
                };
                self.run = Run::Initialized(PaceChip::new(mse.protocol, domain, &secret));
                sw(SW_OK)
            }
            (0x86, 0, 0) => self.general_authenticate(cmd),
            _ => sw(SW_INS),
        }
    }

    fn general_authenticate(&mut self, cmd: &Command) -> Response {
        let sw = |sw| Response { data: Vec::new(), sw };
        let chained = cmd.cla & CLA_CHAIN != 0;
        let last_step = matches!(self.run, Run::KeysAgreed(_));
        if chained == last_step {
            self.run = Run::Idle;
            return sw(SW_CHAINING_EXPECTED);
        }
        let Ok(data) = DynamicAuthenticationData::decode(&cmd.data) else { return sw(SW_WRONG_DATA) };
        let reply =
            |tag, value: &[u8]| Response { data: DynamicAuthenticationData::single(tag, value).encode(), sw: SW_OK };
        match std::mem::replace(&mut self.run, Run::Idle) {
            Run::Idle => sw(SW_CONDITIONS),
            Run::Initialized(chip) if data.is_empty() => match chip.encrypt_nonce(&mut self.rng) {
                Ok((chip, z)) => {
                    self.run = Run::NonceSent(chip);
                    reply(GaTag::EncryptedNonce, &z)
                }
                Err(e) => sw(e.status_word()),
            },
            Run::NonceSent(chip) => {
                let result = data.only(GaTag::MappingDataPcd).and_then(|k| chip.map_nonce(&mut self.rng, k));
                match result {
                    Ok((chip, key)) => {
                        self.run = Run::Mapped(chip);
                        reply(GaTag::MappingDataPicc, &key)
                    }
                    Err(e) => sw(e.status_word()),
                }
            }
            Run::Mapped(chip) => {
                let result = data.only(GaTag::EphemeralPublicKeyPcd).and_then(|k| chip.agree_keys(&mut self.rng, k));
                match result {
                    Ok((chip, key)) => {
                        self.run = Run::KeysAgreed(chip);
                        reply(GaTag::EphemeralPublicKeyPicc, &key)
                    }
                    Err(e) => sw(e.status_word()),
                }
            }
            Run::KeysAgreed(chip) => {
                match data.only(GaTag::AuthenticationTokenPcd).and_then(|t| chip.authenticate(t)) {
                    Ok((result, mut token)) => {
                        self.session = Some(SmSession::from_pace(&result).expect("session keys"));
                        if self.corrupt_chip_token {
                            token[0] ^= 1;
                        }
                        reply(GaTag::AuthenticationTokenPicc, &token)
                    }
                    Err(e) => sw(e.status_word()),
                }
            }
            Run::Initialized(_) => sw(SW_WRONG_DATA),
        }
    }

    fn protected(&mut self, cmd: Command) -> Vec<u8> {
        let Some(session) = self.session.take() else {
            return Response { data: Vec::new(), sw: SW_CONDITIONS }.to_bytes();
        };
        let (mut session, plain) = match session.unwrap_command(&cmd) {
            Ok(ok) => ok,
            Err(e) => return Response { data: Vec::new(), sw: e.status_word() }.to_bytes(),
        };
        let response = self.public_zone(&plain);
        let mut bytes = session.wrap_response(&response).expect("wrap");
        if self.corrupt_next_mac {
            self.corrupt_next_mac = false;
            let mac_byte = bytes.len() - 3;
            bytes[mac_byte] ^= 0x01;
        }
        self.session = Some(session);
        bytes
    }

    fn public_zone(&mut self, cmd: &Command) -> Response {
        let sw = |sw| Response { data: Vec::new(), sw };
        match (cmd.ins, cmd.p1) {
            (0xA4, 0x04) if cmd.data == PUBLIC_AID => {
                self.public_selected = true;
                self.current_ef = None;
                sw(SW_OK)
            }
            (0xB0, p1) if self.public_selected => {
                let (sfi, offset) = if p1 & P1_SFI != 0 {
                    (Some(p1 & !P1_SFI), usize::from(cmd.p2))
                } else {
                    (self.current_ef, usize::from(u16::from_be_bytes([p1, cmd.p2])))
                };
                let Some(content) = sfi.and_then(|s| self.files.get(&s)) else { return sw(SW_NOT_FOUND) };
                self.current_ef = sfi;
                let end = content.len().min(offset + cmd.ne.unwrap_or(0));
                Response { data: content.get(offset..end).unwrap_or_default().to_vec(), sw: SW_OK }
            }
            _ => sw(SW_INS),
        }
    }
}

impl Transport for FakeCard {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.log.push(apdu.to_vec());
        let cmd = Command::parse(apdu).map_err(|e| TransportError::Emulator(e.to_string()))?;
        if cmd.cla & CLA_SM == CLA_SM {
            return Ok(self.protected(cmd));
        }
        Ok(self.plain(&cmd).to_bytes())
    }
    fn atr(&self) -> Vec<u8> {
        Vec::new()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.session = None;
        self.run = Run::Idle;
        Ok(())
    }
    fn name(&self) -> String {
        "fake PACE card".into()
    }
}

/// The adult's nine field EFs, encoded by the card side's encoder.
fn adult_fields() -> [Vec<u8>; FIELD_COUNT] {
    let fields = applets::public_fields::PublicFields {
        name_zh: "王小明".into(),
        name_en: "WANG, HSIAO-MING".into(),
        name_mrz: "WANG<<HSIAO<MING".into(),
        name_cns: Vec::new(),
        id_number: "A123456789".into(),
        date_of_birth: "19900315".into(),
        household_address_zh: "臺北市大安區龍泉里5鄰和平東路一段100號".into(),
        household_address_en: "No. 100, Sec. 1, Heping E. Rd., Longquan Vil., Da'an Dist., Taipei City".into(),
        village_code: "63000030-017".into(),
        address_cns: Vec::new(),
        marital_status: "married".into(),
        military_service: "completed".into(),
        card_number: "210012345".into(),
        renewal_date: Some("20360314".into()),
        issue_date: "20260315".into(),
    };
    applets::public_fields::encode(&fields).expect("adult fields encode")
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(7)
}

fn can() -> PacePasswordInput {
    PacePasswordInput::can(ADULT_CAN).unwrap()
}

#[test]
fn pace_can_then_public_zone_on_every_curve_and_cipher() {
    for domain in StandardizedDomainParameters::ALL {
        for cipher in [PaceCipher::Aes128, PaceCipher::Aes256] {
            let mut card = FakeCard::new(domain, cipher);
            let mut channel =
                establish_pace(&mut card, &can(), &mut rng()).unwrap_or_else(|e| panic!("{domain:?} {cipher:?}: {e}"));
            assert_eq!(channel.info().domain_parameters, domain);
            assert_eq!(channel.info().protocol.cipher(), cipher);
            let public = read_public(&mut channel).unwrap();
            assert_eq!(public.name_zh, "王小明");
            assert_eq!(public.id_number, "A123456789");
            assert_eq!(public.card_number, "210012345");
            assert_eq!(public.renewal_date.map(|d| d.to_string()).as_deref(), Some("2036-03-14"));
        }
    }
}

#[test]
fn the_apdus_follow_tr03110_b11() {
    let mut card = FakeCard::new(StandardizedDomainParameters::NistP384, PaceCipher::Aes256);
    establish_pace(&mut card, &can(), &mut rng()).unwrap();
    let log: Vec<String> = card.log.iter().map(hex::encode_upper).collect();
    assert_eq!(log[0], "00A4000C023F00", "SELECT MF");
    assert_eq!(log[1], "00B09C0000", "READ BINARY EF.CardAccess by SFI 1C");
    // MSE:Set AT: 80 id-PACE-ECDH-GM-AES-CBC-CMAC-256, 83 CAN (02), 84 parameter id 15.
    assert_eq!(log[2], "0022C1A412800A04007F0007020204020483010284010F");
    assert_eq!(log[3], "108600000 27C0000".replace(' ', ""), "step 1: CLA 10, 7C 00, Le 00");
    assert!(log[4].starts_with("10860000") && log[5].starts_with("10860000"), "steps 2, 3 chained");
    assert!(log[6].starts_with("008600000C7C0A8508"), "step 4 ends the chain with T_PCD: {}", log[6]);
    assert_eq!(log.len(), 7);
}

#[test]
fn wrong_can_fails_with_6300_and_leaves_the_card_usable() {
    let mut card = FakeCard::new(StandardizedDomainParameters::BrainpoolP256r1, PaceCipher::Aes128);
    let wrong = PacePasswordInput::can("000000").unwrap();
    let error = match establish_pace(&mut card, &wrong, &mut rng()) {
        Err(e) => e,
        Ok(_) => panic!("a wrong CAN must not open a channel"),
    };
    assert!(matches!(error, PaceFailure::WrongPassword { password: "CAN", sw: 0x6300 }), "{error:?}");
    assert_eq!(error.to_string(), "PACE failed: wrong CAN (card answered 6300)");
    let mut channel = establish_pace(&mut card, &can(), &mut rng()).expect("the right CAN works after a wrong one");
    assert_eq!(read_public(&mut channel).unwrap().name_en, "WANG, HSIAO-MING");
}

#[test]
fn mrz_lines_and_mrz_info_both_open_the_channel() {
    for password in [
        PacePasswordInput::Mrz(MrzInfo::from_td1(&ADULT_MRZ).unwrap()),
        PacePasswordInput::Mrz(MrzInfo::from_info_arg("210012345,900315,360314").unwrap()),
    ] {
        let mut card = FakeCard::new(StandardizedDomainParameters::NistP256, PaceCipher::Aes128);
        let mut channel = establish_pace(&mut card, &password, &mut rng()).unwrap();
        assert_eq!(read_public(&mut channel).unwrap().date_of_birth.to_string(), "1990-03-15");
        assert!(hex::encode_upper(&card.log[2]).contains("830101"), "password reference 1 = MRZ");
    }
}

#[test]
fn security_object_longer_than_256_bytes_is_read_with_extended_le() {
    let mut card = FakeCard::new(StandardizedDomainParameters::NistP256, PaceCipher::Aes128);
    let expected = card.files[&SFI_SOD].clone();
    assert!(expected.len() > 256, "the SOD carries a certificate");
    let mut channel = establish_pace(&mut card, &can(), &mut rng()).unwrap();
    select_aid(&mut channel, &PUBLIC_AID).unwrap();
    assert_eq!(read_binary_sfi(&mut channel, SFI_SOD).unwrap(), expected);
    drop(channel);
    // Reads of 256 plain bytes come back as 291 protected bytes: extended Le 0000.
    let extended_reads = card.log.iter().filter(|a| a[1] == 0xB0 && a.ends_with(&[0x00, 0x00])).count();
    assert!(extended_reads >= 2, "{extended_reads}");
}

#[test]
fn every_field_is_read_under_sm_and_the_sw_comes_from_do99() {
    let mut card = FakeCard::new(StandardizedDomainParameters::NistP256, PaceCipher::Aes128);
    let mut channel = establish_pace(&mut card, &can(), &mut rng()).unwrap();
    select_aid(&mut channel, &PUBLIC_AID).unwrap();
    let mut contents: [Vec<u8>; FIELD_COUNT] = Default::default();
    for (n, slot) in contents.iter_mut().enumerate() {
        *slot = read_binary_sfi(&mut channel, n as u8 + 1).unwrap();
    }
    assert_eq!(decode(&contents).unwrap().issue_date.to_string(), "2026-03-15");
    // A file the card does not have: 6A82 inside DO'99', the channel stays open.
    let answer = channel.transmit(&[0x00, 0xB0, 0x80 | 0x11, 0x00, 0x00]).unwrap();
    assert_eq!(answer, vec![0x6A, 0x82]);
    assert!(channel.is_open());
    drop(channel);
    assert!(card.log[7..].iter().all(|apdu| apdu[0] & CLA_SM == CLA_SM), "all after PACE under SM");
}

#[test]
fn a_bad_response_mac_ends_the_channel() {
    let mut card = FakeCard::new(StandardizedDomainParameters::NistP256, PaceCipher::Aes128);
    let mut channel = establish_pace(&mut card, &can(), &mut rng()).unwrap();
    select_aid(&mut channel, &PUBLIC_AID).unwrap();
    channel.inner_mut().corrupt_next_mac = true;
    let error = read_binary_sfi(&mut channel, 1).unwrap_err();
    assert!(
        matches!(error, terminal::CardError::Transport(TransportError::SecureMessaging(SmError::BadMac))),
        "{error}"
    );
    assert!(!channel.is_open());
    let again = read_binary_sfi(&mut channel, 1).unwrap_err();
    assert!(matches!(again, terminal::CardError::Transport(TransportError::ChannelClosed)), "{again}");
    assert!(again.to_string().contains("run PACE again"));
}

#[test]
fn a_wrong_chip_token_is_refused() {
    let mut card = FakeCard::new(StandardizedDomainParameters::NistP256, PaceCipher::Aes128);
    card.corrupt_chip_token = true;
    let error = establish_pace(&mut card, &can(), &mut rng()).err().expect("must fail");
    assert!(matches!(error, PaceFailure::BadChipToken), "{error:?}");
}

#[test]
fn card_access_without_a_usable_pace_info() {
    let mut card = FakeCard::new(StandardizedDomainParameters::NistP256, PaceCipher::Aes128);
    card.card_access = encode_card_access(&[]);
    assert!(matches!(establish_pace(&mut card, &can(), &mut rng()), Err(PaceFailure::NoPaceInfo)));
    card.card_access =
        encode_card_access(&[PaceInfo { protocol: PaceProtocol::EcdhGmAesCbcCmac128, parameter_id: Some(8) }]);
    let error = establish_pace(&mut card, &can(), &mut rng()).err().expect("must fail");
    assert!(matches!(error, PaceFailure::Unsupported { .. }), "{error:?}");
    card.card_access = vec![0x31, 0x05, 0x30];
    let error = establish_pace(&mut card, &can(), &mut rng()).err().expect("must fail");
    assert!(error.to_string().contains("EF.CardAccess"), "{error}");
}
