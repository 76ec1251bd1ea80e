//! `terminal::pace::establish_pace_any` with each PACE mapping (ICAO 9303-11
//! §4.4.3.3): a scripted chip built from the chip side of
//! `card_os::protocol::pace` (`PaceChip`: GM, IM `encrypt_nonce_integrated` /
//! `map_integrated`, CAM `authenticate_cam`) offers one mapping, or several in
//! an order, in EF.CardAccess. For CAM it serves EF.CardSecurity (signed by a
//! fresh test PKI) with PK_IC; a chip whose SK_IC is not the key of
//! EF.CardSecurity must fail.

use card_os::protocol::ca::{ChipAuthenticationPublicKeyInfo, Dg14, encode_dg14};
use card_os::protocol::pace::{
    ChipInitialized, ChipKeysAgreed, ChipMapped, ChipNonceSent, DynamicAuthenticationData, GaTag, MseSetAt, PaceChip,
    PaceCipher, PaceInfo, PaceMapping, PaceProtocol, StandardizedDomainParameters,
};
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{PacePassword, PaceSecret, SmSession, tlv};
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::pace::{MrzInfo, PaceFailure, PacePasswordInput, establish_pace, establish_pace_any};
use terminal::{Transport, TransportError, read_binary_sfi};

const SW_OK: u16 = 0x9000;
const SW_SECURITY_STATUS: u16 = 0x6982;
const SW_CONDITIONS: u16 = 0x6985;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_NOT_FOUND: u16 = 0x6A82;
const SW_INS: u16 = 0x6D00;
const CLA_CHAIN: u8 = 0x10;
const CLA_SM: u8 = 0x0C;
const P1_SFI: u8 = 0x80;
const SFI_CARD_ACCESS: u8 = 0x1C;
const SFI_CARD_SECURITY: u8 = 0x1D;
/// A file only readable under SM, to show the channel carries commands.
const SFI_PROBE: u8 = 0x01;
const PROBE: &[u8] = b"read under the PACE keys";
/// DG14's tag: `encode_dg14` wraps the SecurityInfos SET in it.
const DG14_TAG: u16 = 0x6E;
/// SET OF (X.690 §8.12).
const TAG_SET: u16 = 0x31;

/// EF.CardAccess with the PACEInfos in the given order. DER would sort a SET
/// OF by encoding (X.690 §11.6), and `encode_card_access` does; real cards
/// write BER in the order they prefer, which is what the terminal honours.
fn card_access_in_order(infos: &[PaceInfo]) -> Vec<u8> {
    let elements: Vec<u8> = infos.iter().flat_map(PaceInfo::encode).collect();
    tlv::build(TAG_SET, &elements)
}

/// The adult reference holder (reference-citizens.toml).
const ADULT_CAN: &str = "012345";
const ADULT_MRZ_INFO: (&str, &str, &str) = ("210012345", "900315", "360314");

enum Run {
    Idle,
    Initialized(PaceChip<ChipInitialized>),
    NonceSent(PaceChip<ChipNonceSent>),
    Mapped(PaceChip<ChipMapped>),
    KeysAgreed(PaceChip<ChipKeysAgreed>),
}

struct FakeChip {
    infos: Vec<PaceInfo>,
    run: Run,
    session: Option<SmSession>,
    /// SK_IC the chip proves in CAM.
    chip_private_key: Vec<u8>,
    card_security: Vec<u8>,
    rng: StdRng,
    /// Protocols MSE:Set AT asked for, in order.
    asked: Vec<PaceProtocol>,
    /// The EF a READ BINARY by SFI selected, for the following reads by offset.
    current_ef: Option<u8>,
}

impl FakeChip {
    /// A chip offering `infos` (in that order) whose EF.CardSecurity lists
    /// PK_IC of `listed_key`; it proves `chip_key` in CAM.
    fn with_keys(infos: Vec<PaceInfo>, chip_key: &[u8], listed_key: &[u8], domain: StandardizedDomainParameters) -> Self {
        let mut rng = StdRng::seed_from_u64(99);
        let pki = pki::TestPki::generate(&mut rng).expect("test PKI");
        let public_key = domain.public_key(listed_key).expect("PK_IC");
        let dg14 = encode_dg14(&Dg14 {
            public_keys: vec![ChipAuthenticationPublicKeyInfo { domain, public_key, key_id: Some(1) }],
            ..Dg14::default()
        });
        let security_infos = tlv::parse_single(&dg14, DG14_TAG).unwrap().unwrap().to_vec();
        let card_security = pki::sign_card_security(&security_infos, &pki.document_signer).expect("EF.CardSecurity");
        Self {
            infos,
            run: Run::Idle,
            session: None,
            chip_private_key: chip_key.to_vec(),
            card_security,
            rng,
            asked: Vec::new(),
            current_ef: None,
        }
    }

    fn new(mapping: PaceMapping, domain: StandardizedDomainParameters, cipher: PaceCipher) -> Self {
        let info = PaceInfo { protocol: PaceProtocol::for_mapping(mapping, cipher), parameter_id: Some(domain.id()) };
        let key = domain.generate_private_key(&mut StdRng::seed_from_u64(5)).unwrap();
        Self::with_keys(vec![info], &key, &key, domain)
    }

    fn secret(&self, password: PacePassword) -> Option<PaceSecret> {
        match password {
            PacePassword::Can => PaceSecret::from_text(password, ADULT_CAN).ok(),
            PacePassword::Mrz => PaceSecret::mrz(ADULT_MRZ_INFO.0, ADULT_MRZ_INFO.1, ADULT_MRZ_INFO.2).ok(),
            PacePassword::Pin | PacePassword::Puk => None,
        }
    }

    fn plain(&mut self, cmd: &Command) -> Response {
        let sw = |sw| Response { data: Vec::new(), sw };
        self.session = None;
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0xA4, 0x00, 0x0C) if cmd.data == [0x3F, 0x00] => sw(SW_OK),
            (0xB0, p1, 0) if p1 == P1_SFI | SFI_CARD_ACCESS => {
                Response { data: card_access_in_order(&self.infos), sw: SW_OK }
            }
            (0xB0, _, _) => sw(SW_SECURITY_STATUS),
            (0x22, 0xC1, 0xA4) => {
                let Ok(mse) = MseSetAt::decode(&cmd.data) else { return sw(SW_WRONG_DATA) };
                self.asked.push(mse.protocol);
                let offered = self
                    .infos
                    .iter()
                    .any(|i| i.protocol == mse.protocol && i.parameter_id == mse.domain_parameter_id);
                let Some(secret) = self.secret(mse.password).filter(|_| offered) else { return sw(SW_WRONG_DATA) };
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
        let last_step = matches!(self.run, Run::KeysAgreed(_));
        if (cmd.cla & CLA_CHAIN != 0) == last_step {
            self.run = Run::Idle;
            return sw(SW_CONDITIONS);
        }
        let Ok(data) = DynamicAuthenticationData::decode(&cmd.data) else { return sw(SW_WRONG_DATA) };
        let answer = |data: DynamicAuthenticationData| Response { data: data.encode(), sw: SW_OK };
        let reply = |tag, value: &[u8]| answer(DynamicAuthenticationData::single(tag, value));
        match std::mem::replace(&mut self.run, Run::Idle) {
            Run::Idle => sw(SW_CONDITIONS),
            Run::Initialized(chip) if data.is_empty() => {
                let result = if chip.protocol().mapping() == PaceMapping::Integrated {
                    chip.encrypt_nonce_integrated(&mut self.rng)
                } else {
                    chip.encrypt_nonce(&mut self.rng).map(|(chip, z)| (chip, z.to_vec()))
                };
                match result {
                    Ok((chip, z)) => {
                        self.run = Run::NonceSent(chip);
                        reply(GaTag::EncryptedNonce, &z)
                    }
                    Err(e) => sw(e.status_word()),
                }
            }
            Run::NonceSent(chip) => {
                if chip.protocol().mapping() == PaceMapping::Integrated {
                    // ICAO 9303-11 §4.4.4.2: t in DO'81', the answer is `7C 00`.
                    match data.only(GaTag::MappingDataPcd).and_then(|t| chip.map_integrated(t)) {
                        Ok(chip) => {
                            self.run = Run::Mapped(chip);
                            answer(DynamicAuthenticationData::empty())
                        }
                        Err(e) => sw(e.status_word()),
                    }
                } else {
                    match data.only(GaTag::MappingDataPcd).and_then(|k| chip.map_nonce(&mut self.rng, k)) {
                        Ok((chip, key)) => {
                            self.run = Run::Mapped(chip);
                            reply(GaTag::MappingDataPicc, &key)
                        }
                        Err(e) => sw(e.status_word()),
                    }
                }
            }
            Run::Mapped(chip) => {
                match data.only(GaTag::EphemeralPublicKeyPcd).and_then(|k| chip.agree_keys(&mut self.rng, k)) {
                    Ok((chip, key)) => {
                        self.run = Run::KeysAgreed(chip);
                        reply(GaTag::EphemeralPublicKeyPicc, &key)
                    }
                    Err(e) => sw(e.status_word()),
                }
            }
            Run::KeysAgreed(chip) => {
                let Ok(t_pcd) = data.only(GaTag::AuthenticationTokenPcd) else { return sw(SW_WRONG_DATA) };
                if chip.protocol().mapping() == PaceMapping::ChipAuthentication {
                    match chip.authenticate_cam(t_pcd, &self.chip_private_key) {
                        Ok((result, token, a_ic)) => {
                            self.session = Some(SmSession::from_pace(&result).expect("session keys"));
                            answer(
                                DynamicAuthenticationData::single(GaTag::AuthenticationTokenPicc, &token)
                                    .with(GaTag::EncryptedChipAuthenticationData, &a_ic),
                            )
                        }
                        Err(e) => sw(e.status_word()),
                    }
                } else {
                    match chip.authenticate(t_pcd) {
                        Ok((result, token)) => {
                            self.session = Some(SmSession::from_pace(&result).expect("session keys"));
                            reply(GaTag::AuthenticationTokenPicc, &token)
                        }
                        Err(e) => sw(e.status_word()),
                    }
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
        // READ BINARY: P1 b8 set → SFI in P1, offset in P2; else a 15-bit
        // offset in the current EF (ISO 7816-4 §11.3.3).
        let (sfi, offset) = if plain.p1 & P1_SFI != 0 {
            (Some(plain.p1 & !P1_SFI), usize::from(plain.p2))
        } else {
            (self.current_ef, usize::from(u16::from_be_bytes([plain.p1, plain.p2])))
        };
        let content = match (plain.ins, sfi) {
            (0xB0, Some(SFI_CARD_SECURITY)) => Some(self.card_security.clone()),
            (0xB0, Some(SFI_PROBE)) => Some(PROBE.to_vec()),
            _ => None,
        };
        self.current_ef = sfi;
        let response = match content {
            Some(content) => {
                let end = content.len().min(offset + plain.ne.unwrap_or(0));
                Response { data: content.get(offset..end).unwrap_or_default().to_vec(), sw: SW_OK }
            }
            None => Response { data: Vec::new(), sw: SW_NOT_FOUND },
        };
        let bytes = session.wrap_response(&response).expect("wrap");
        self.session = Some(session);
        bytes
    }
}

impl Transport for FakeChip {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
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
        "fake PACE chip (GM / IM / CAM)".into()
    }
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(11)
}

fn mrz() -> PacePasswordInput {
    PacePasswordInput::Mrz(MrzInfo::from_fields(ADULT_MRZ_INFO.0, ADULT_MRZ_INFO.1, ADULT_MRZ_INFO.2).unwrap())
}

fn can() -> PacePasswordInput {
    PacePasswordInput::can(ADULT_CAN).unwrap()
}

#[test]
fn every_mapping_succeeds_on_every_curve() {
    for mapping in PaceMapping::ALL {
        for domain in StandardizedDomainParameters::ALL {
            for cipher in [PaceCipher::Aes128, PaceCipher::Aes256] {
                let what = format!("{mapping:?} {domain:?} {cipher:?}");
                let mut chip = FakeChip::new(mapping, domain, cipher);
                let established =
                    establish_pace_any(&mut chip, &mrz(), None, &mut rng()).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(established.mapping, mapping, "{what}");
                let mut channel = established.channel;
                assert_eq!(channel.info().protocol, PaceProtocol::for_mapping(mapping, cipher), "{what}");
                assert_eq!(channel.info().domain_parameters, domain, "{what}");
                // Only CAM authenticates the chip within PACE.
                assert_eq!(established.chip_authentication.is_some(), mapping == PaceMapping::ChipAuthentication);
                // The channel works under the agreed keys.
                assert_eq!(read_binary_sfi(&mut channel, SFI_PROBE).unwrap(), PROBE, "{what}");
            }
        }
    }
}

#[test]
fn cam_reports_the_card_security_it_verified() {
    let mut chip = FakeChip::new(
        PaceMapping::ChipAuthentication,
        StandardizedDomainParameters::BrainpoolP256r1,
        PaceCipher::Aes128,
    );
    let expected = chip.card_security.clone();
    let established = establish_pace_any(&mut chip, &can(), None, &mut rng()).unwrap();
    let cam = established.chip_authentication.unwrap();
    assert_eq!(cam.card_security, expected);
    assert_eq!(cam.key_id, Some(1));
}

#[test]
fn cam_with_a_wrong_pk_ic_fails() {
    let domain = StandardizedDomainParameters::NistP256;
    let info = PaceInfo {
        protocol: PaceProtocol::for_mapping(PaceMapping::ChipAuthentication, PaceCipher::Aes128),
        parameter_id: Some(domain.id()),
    };
    let chip_key = domain.generate_private_key(&mut StdRng::seed_from_u64(1)).unwrap();
    let other_key = domain.generate_private_key(&mut StdRng::seed_from_u64(2)).unwrap();
    let mut chip = FakeChip::with_keys(vec![info], &chip_key, &other_key, domain);
    let Err(e) = establish_pace_any(&mut chip, &mrz(), None, &mut rng()) else {
        panic!("a chip without the SK_IC of EF.CardSecurity must not pass PACE-CAM")
    };
    assert!(matches!(e, PaceFailure::ChipAuthenticationMapping { .. }), "{e}");
    assert!(e.to_string().contains("PK_map,IC"), "{e}");
    // The plain entry point refuses it as well.
    let mut chip = FakeChip::with_keys(vec![info], &chip_key, &other_key, domain);
    assert!(establish_pace(&mut chip, &mrz(), &mut rng()).is_err());
}

#[test]
fn cam_without_a_key_on_the_pace_curve_fails() {
    let pace_domain = StandardizedDomainParameters::NistP256;
    let key_domain = StandardizedDomainParameters::BrainpoolP256r1;
    let info = PaceInfo {
        protocol: PaceProtocol::for_mapping(PaceMapping::ChipAuthentication, PaceCipher::Aes128),
        parameter_id: Some(pace_domain.id()),
    };
    let key = pace_domain.generate_private_key(&mut StdRng::seed_from_u64(3)).unwrap();
    let listed = key_domain.generate_private_key(&mut StdRng::seed_from_u64(3)).unwrap();
    let mut chip = FakeChip::with_keys(vec![info], &key, &listed, key_domain);
    let e = establish_pace_any(&mut chip, &mrz(), None, &mut rng()).err().unwrap();
    assert!(e.to_string().contains("no ChipAuthenticationPublicKeyInfo on the PACE curve"), "{e}");
}

#[test]
fn the_first_offered_mapping_is_used() {
    let domain = StandardizedDomainParameters::BrainpoolP384r1;
    let key = domain.generate_private_key(&mut StdRng::seed_from_u64(4)).unwrap();
    let info = |mapping| PaceInfo {
        protocol: PaceProtocol::for_mapping(mapping, PaceCipher::Aes256),
        parameter_id: Some(domain.id()),
    };
    for order in [
        [PaceMapping::Integrated, PaceMapping::Generic, PaceMapping::ChipAuthentication],
        [PaceMapping::ChipAuthentication, PaceMapping::Integrated, PaceMapping::Generic],
        [PaceMapping::Generic, PaceMapping::ChipAuthentication, PaceMapping::Integrated],
    ] {
        let mut chip = FakeChip::with_keys(order.iter().map(|m| info(*m)).collect(), &key, &key, domain);
        let established = establish_pace_any(&mut chip, &mrz(), None, &mut rng()).unwrap();
        assert_eq!(established.mapping, order[0]);
        assert_eq!(chip.asked, [info(order[0]).protocol]);
    }
}

#[test]
fn wrong_password_with_im_is_reported_as_such() {
    let mut chip =
        FakeChip::new(PaceMapping::Integrated, StandardizedDomainParameters::NistP384, PaceCipher::Aes256);
    let wrong = PacePasswordInput::can("999999").unwrap();
    let e = establish_pace_any(&mut chip, &wrong, None, &mut rng()).err().unwrap();
    assert!(matches!(e, PaceFailure::WrongPassword { password: "CAN", .. }), "{e}");
}
