//! `terminal::icao::read_icao` against a scripted eMRTD built from the chip
//! side of `card_os::protocol` (BacChip, PaceChip, TdesSmSession, SmSession,
//! `ca_chip_agree`, `aa_sign`) serving a synthetic LDS1 (EF.COM, DG1, DG2,
//! DG14, DG15, EF.SOD signed with a fresh test PKI). Independent of the card
//! runtime: the reader is checked on its own bytes through `Transport`.

use std::collections::BTreeMap;

use card_os::active_auth::{HASH_SHA1_IMPLICIT, KEY_RSA, decode_key_object};
use card_os::protocol::aa::{AaPrivateKey, aa_sign, encode_dg15};
use card_os::protocol::bac::{BacChip, BacChipChallenged, BacKeys, TdesSmSession};
use card_os::protocol::ca::{
    CaCipher, CaCommandData, CaSecureMessaging, ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo, Dg14, ca_chip_agree, encode_dg14,
};
use card_os::protocol::pace::{
    ChipInitialized, ChipKeysAgreed, ChipMapped, ChipNonceSent, DynamicAuthenticationData, GaTag,
    MseSetAt, PaceChip, PaceCipher, PaceInfo, PaceProtocol, StandardizedDomainParameters,
    encode_card_access,
};
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{PacePassword, PaceSecret, SmSession};
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::icao::dg1::encode_dg1;
use terminal::icao::{
    AccessMethod, Check, DgCheck, FileStatus, IcaoAccess, IcaoError, MrzFormat, read_icao,
};
use terminal::{Transport, TransportError};

const SW_OK: u16 = 0x9000;
const SW_AUTH_FAILED: u16 = 0x6300;
const SW_SECURITY_STATUS: u16 = 0x6982;
const SW_CONDITIONS: u16 = 0x6985;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_NOT_FOUND: u16 = 0x6A82;
const SW_INS: u16 = 0x6D00;
const CLA_SM: u8 = 0x0C;
const P1_SFI: u8 = 0x80;
const SFI_CARD_ACCESS: u8 = 0x1C;
const SFI_COM: u8 = 0x1E;
const SFI_SOD: u8 = 0x1D;
const LDS1_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// ICAO 9303-4 Appendix A specimen passport (TD3).
const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];
const TD3_INFO: (&str, &str, &str) = ("L898902C3", "740812", "120415");
/// The adult reference holder (reference-citizens.toml), TD1.
const ADULT_TD1: [&str; 3] = [
    "IDTWN2100123450A123456789<<<<<",
    "9003152M3603147TWN<<<<<<<<<<<3",
    "WANG<<HSIAO<MING<<<<<<<<<<<<<<",
];
const ADULT_INFO: (&str, &str, &str) = ("210012345", "900315", "360314");
const ADULT_CAN: &str = "012345";

/// Two 512-bit primes: a 1024-bit RSA Active Authentication key (ICAO 9303-11 §6.1 minimum).
const RSA_P: &str = "E89C3EEA3387E051EF74E6D98AC36EEBC1E6271B6C96C911BE4B274E9391FAD9A0D3844954DD1BE585C35F5F77CA0A5A56EC379204D7909A570E1BD2F2C3CA7B";
const RSA_Q: &str = "E717A90B7FE5F7841ED3DB95C6094918268ACACD24A35421EDCD76CA7EEC9FFD0A966E40AB0CE1A7C508D7BCD83A57E224C09F3C11269A7BB95E89CA9726C729";

fn rsa_key() -> AaPrivateKey {
    let mut object = vec![KEY_RSA, HASH_SHA1_IMPLICIT];
    for integer in [
        hex::decode(RSA_P).unwrap(),
        hex::decode(RSA_Q).unwrap(),
        vec![0x01, 0x00, 0x01],
    ] {
        object.extend_from_slice(&(integer.len() as u16).to_be_bytes());
        object.extend_from_slice(&integer);
    }
    decode_key_object(&object).expect("RSA key object")
}

fn ecdsa_key(seed: u8) -> AaPrivateKey {
    let mut scalar = [0x11u8; 48];
    scalar[47] = seed;
    AaPrivateKey::EcdsaP384(pki::SigningKey::from_slice(&scalar).expect("P-384 scalar"))
}

/// The chip's session.
enum Session {
    Aes(SmSession),
    Tdes(TdesSmSession),
}

enum PaceRun {
    Idle,
    Initialized(PaceChip<ChipInitialized>),
    NonceSent(PaceChip<ChipNonceSent>),
    Mapped(PaceChip<ChipMapped>),
    KeysAgreed(PaceChip<ChipKeysAgreed>),
}

/// What the document offers.
struct Spec {
    pace: Option<(StandardizedDomainParameters, PaceCipher)>,
    has_icao: bool,
    td1: bool,
    ca: Option<(StandardizedDomainParameters, CaCipher)>,
    aa: Option<AaPrivateKey>,
}

struct FakeEmrtd {
    pace: Option<PaceInfo>,
    has_icao: bool,
    mrz: (String, String, String),
    files: BTreeMap<u8, Vec<u8>>,
    aa: Option<AaPrivateKey>,
    ca: Option<(StandardizedDomainParameters, CaCipher, Vec<u8>)>,
    ca_at_cipher: Option<CaCipher>,
    ca_done: bool,
    pace_run: PaceRun,
    bac: Option<BacChipChallenged>,
    session: Option<Session>,
    selected: bool,
    current_ef: Option<u8>,
    rng: StdRng,
    /// (protected?, plain command) of every APDU.
    log: Vec<(bool, Vec<u8>)>,
    pki: pki::TestPki,
}

fn com(groups: &[u8]) -> Vec<u8> {
    let mut inner = hex::decode("5F0104303130375F3606303430303030").unwrap();
    inner.push(0x5C);
    inner.push(groups.len() as u8);
    inner.extend_from_slice(groups);
    let mut out = vec![0x60, inner.len() as u8];
    out.extend(inner);
    out
}

fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    match value.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(value);
    out
}

/// DG2 with an ISO/IEC 19794-5 record holding a 1000-byte "JPEG": several READ BINARY chunks.
fn dg2() -> Vec<u8> {
    let mut record = b"FAC\x00010\x00".to_vec();
    record.extend([0u8; 24]);
    record.extend([0xFF, 0xD8, 0xFF, 0xE0]);
    record.extend((0..1000u32).map(|i| (i % 251) as u8));
    record.extend([0xFF, 0xD9]);
    let template = [
        tlv(&[0xA1], &[0x80, 0x02, 0x01, 0x01]),
        tlv(&[0x5F, 0x2E], &record),
    ]
    .concat();
    let group = [tlv(&[0x02], &[1]), tlv(&[0x7F, 0x60], &template)].concat();
    tlv(&[0x75], &tlv(&[0x7F, 0x61], &group))
}

impl FakeEmrtd {
    fn new(spec: Spec, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let (mrz_text, info) = if spec.td1 {
            (ADULT_TD1.concat(), ADULT_INFO)
        } else {
            (TD3.concat(), TD3_INFO)
        };
        let mut files = BTreeMap::new();
        let mut tags = vec![0x61, 0x75];
        files.insert(1u8, encode_dg1(&mrz_text));
        files.insert(2u8, dg2());
        let ca = spec.ca.map(|(domain, cipher)| {
            let private = domain.generate_private_key(&mut rng).unwrap().to_vec();
            let public = domain.public_key(&private).unwrap();
            let dg14 = Dg14 {
                chip_authentication: vec![ChipAuthenticationInfo {
                    cipher,
                    version: 1,
                    key_id: None,
                }],
                public_keys: vec![ChipAuthenticationPublicKeyInfo {
                    domain,
                    public_key: public,
                    key_id: None,
                }],
                active_authentication: None,
                others: Vec::new(),
            };
            files.insert(14u8, encode_dg14(&dg14));
            tags.push(0x6E);
            (domain, cipher, private)
        });
        if let Some(key) = &spec.aa {
            files.insert(15u8, encode_dg15(&key.public_key()));
            tags.push(0x6F);
        }
        let pki = pki::TestPki::generate(&mut rng).expect("test PKI");
        let numbered: Vec<(u8, &[u8])> = files.iter().map(|(n, c)| (*n, c.as_slice())).collect();
        let sod =
            pki::sign_security_object(pki::HashAlgorithm::Sha256, &numbered, &pki.document_signer)
                .unwrap();
        files.insert(SFI_SOD, sod);
        files.insert(SFI_COM, com(&tags));
        FakeEmrtd {
            pace: spec.pace.map(|(domain, cipher)| PaceInfo {
                protocol: PaceProtocol::for_cipher(cipher),
                parameter_id: Some(domain.id()),
            }),
            has_icao: spec.has_icao,
            mrz: (info.0.into(), info.1.into(), info.2.into()),
            files,
            aa: spec.aa,
            ca,
            ca_at_cipher: None,
            ca_done: false,
            pace_run: PaceRun::Idle,
            bac: None,
            session: None,
            selected: false,
            current_ef: None,
            rng,
            log: Vec::new(),
            pki,
        }
    }

    fn bac_keys(&self) -> BacKeys {
        BacKeys::from_mrz(&self.mrz.0, &self.mrz.1, &self.mrz.2).unwrap()
    }

    fn plain(&mut self, cmd: &Command) -> Response {
        let sw = |sw| Response {
            data: Vec::new(),
            sw,
        };
        // A plain command ends a session (ICAO 9303-11 §9.8.7).
        self.session = None;
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0xA4, 0x00, 0x0C) if cmd.data == [0x3F, 0x00] => {
                self.selected = false;
                sw(SW_OK)
            }
            (0xB0, p1, 0) if p1 == P1_SFI | SFI_CARD_ACCESS => match self.pace {
                Some(info) => Response {
                    data: encode_card_access(&[info]),
                    sw: SW_OK,
                },
                None => sw(SW_NOT_FOUND),
            },
            (0xA4, 0x04, 0x0C) if cmd.data == LDS1_AID => {
                self.selected = self.has_icao;
                sw(if self.has_icao { SW_OK } else { SW_NOT_FOUND })
            }
            (0x84, 0, 0) => {
                let chip = BacChip::new(self.bac_keys()).get_challenge(&mut self.rng);
                let rnd = chip.rnd_ic().to_vec();
                self.bac = Some(chip);
                Response {
                    data: rnd,
                    sw: SW_OK,
                }
            }
            (0x82, 0, 0) => {
                let Some(chip) = self.bac.take() else {
                    return sw(SW_CONDITIONS);
                };
                match chip.external_authenticate(&cmd.data, &mut self.rng) {
                    Ok((result, answer)) => {
                        self.session = Some(Session::Tdes(TdesSmSession::from_bac(&result)));
                        Response {
                            data: answer.to_vec(),
                            sw: SW_OK,
                        }
                    }
                    Err(_) => sw(SW_AUTH_FAILED),
                }
            }
            (0x22, 0xC1, 0xA4) => {
                let Ok(mse) = MseSetAt::decode(&cmd.data) else {
                    return sw(SW_WRONG_DATA);
                };
                let Some(info) = self.pace else {
                    return sw(SW_INS);
                };
                if mse.protocol != info.protocol {
                    return sw(SW_WRONG_DATA);
                }
                let secret = match mse.password {
                    PacePassword::Can => {
                        PaceSecret::from_text(PacePassword::Can, ADULT_CAN).unwrap()
                    }
                    PacePassword::Mrz => {
                        PaceSecret::mrz(&self.mrz.0, &self.mrz.1, &self.mrz.2).unwrap()
                    }
                    _ => return sw(SW_WRONG_DATA),
                };
                let domain =
                    StandardizedDomainParameters::from_id(info.parameter_id.unwrap()).unwrap();
                self.pace_run = PaceRun::Initialized(PaceChip::new(mse.protocol, domain, &secret));
                sw(SW_OK)
            }
            (0x86, 0, 0) => self.pace_step(cmd),
            (0xB0, _, _) => sw(SW_SECURITY_STATUS),
            _ => sw(SW_INS),
        }
    }

    fn pace_step(&mut self, cmd: &Command) -> Response {
        let sw = |sw| Response {
            data: Vec::new(),
            sw,
        };
        let Ok(data) = DynamicAuthenticationData::decode(&cmd.data) else {
            return sw(SW_WRONG_DATA);
        };
        let reply = |tag, value: &[u8]| Response {
            data: DynamicAuthenticationData::single(tag, value).encode(),
            sw: SW_OK,
        };
        match std::mem::replace(&mut self.pace_run, PaceRun::Idle) {
            PaceRun::Initialized(chip) => {
                let (chip, z) = chip.encrypt_nonce(&mut self.rng).unwrap();
                self.pace_run = PaceRun::NonceSent(chip);
                reply(GaTag::EncryptedNonce, &z)
            }
            PaceRun::NonceSent(chip) => match data
                .only(GaTag::MappingDataPcd)
                .and_then(|k| chip.map_nonce(&mut self.rng, k))
            {
                Ok((chip, key)) => {
                    self.pace_run = PaceRun::Mapped(chip);
                    reply(GaTag::MappingDataPicc, &key)
                }
                Err(e) => sw(e.status_word()),
            },
            PaceRun::Mapped(chip) => {
                match data
                    .only(GaTag::EphemeralPublicKeyPcd)
                    .and_then(|k| chip.agree_keys(&mut self.rng, k))
                {
                    Ok((chip, key)) => {
                        self.pace_run = PaceRun::KeysAgreed(chip);
                        reply(GaTag::EphemeralPublicKeyPicc, &key)
                    }
                    Err(e) => sw(e.status_word()),
                }
            }
            PaceRun::KeysAgreed(chip) => match data
                .only(GaTag::AuthenticationTokenPcd)
                .and_then(|t| chip.authenticate(t))
            {
                Ok((result, token)) => {
                    self.session = Some(Session::Aes(SmSession::from_pace(&result).unwrap()));
                    reply(GaTag::AuthenticationTokenPicc, &token)
                }
                Err(_) => sw(SW_AUTH_FAILED),
            },
            PaceRun::Idle => sw(SW_CONDITIONS),
        }
    }

    fn protected(&mut self, cmd: Command) -> Vec<u8> {
        let fail = |sw| {
            Response {
                data: Vec::new(),
                sw,
            }
            .to_bytes()
        };
        let (mut session, plain) = match self.session.take() {
            None => return fail(SW_CONDITIONS),
            Some(Session::Aes(s)) => match s.unwrap_command(&cmd) {
                Ok((s, p)) => (Session::Aes(s), p),
                Err(e) => return fail(e.status_word()),
            },
            Some(Session::Tdes(s)) => match s.unwrap_command(&cmd) {
                Ok((s, p)) => (Session::Tdes(s), p),
                Err(e) => return fail(e.status_word()),
            },
        };
        self.log.push((true, plain.to_bytes().unwrap()));
        let (response, switch) = self.lds(&plain);
        let bytes = match &mut session {
            Session::Aes(s) => s.wrap_response(&response).unwrap(),
            Session::Tdes(s) => s.wrap_response(&response).unwrap(),
        };
        // Chip Authentication: answered under the old keys, then switched (ICAO 9303-11 §6.2.4).
        self.session = Some(match switch {
            Some(CaSecureMessaging::Aes(s)) => Session::Aes(s),
            Some(CaSecureMessaging::Tdes(s)) => Session::Tdes(s),
            None => session,
        });
        bytes
    }

    fn ca_agree(&mut self, key: &[u8]) -> Option<CaSecureMessaging> {
        let (domain, cipher, private) = self.ca.as_ref()?;
        let keys = ca_chip_agree(*domain, *cipher, private, key).ok()?;
        self.ca_done = true;
        keys.session().ok()
    }

    fn lds(&mut self, cmd: &Command) -> (Response, Option<CaSecureMessaging>) {
        let sw = |sw| {
            (
                Response {
                    data: Vec::new(),
                    sw,
                },
                None,
            )
        };
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0xA4, 0x04, 0x0C) if cmd.data == LDS1_AID => {
                self.selected = self.has_icao;
                sw(if self.has_icao { SW_OK } else { SW_NOT_FOUND })
            }
            (0xB0, p1, p2) if self.selected => {
                let (sfi, offset) = if p1 & P1_SFI != 0 {
                    (Some(p1 & !P1_SFI), usize::from(p2))
                } else {
                    (self.current_ef, usize::from(u16::from_be_bytes([p1, p2])))
                };
                let Some(content) = sfi.and_then(|s| self.files.get(&s)) else {
                    return sw(SW_NOT_FOUND);
                };
                self.current_ef = sfi;
                let end = content.len().min(offset + cmd.ne.unwrap_or(0));
                (
                    Response {
                        data: content.get(offset..end).unwrap_or_default().to_vec(),
                        sw: SW_OK,
                    },
                    None,
                )
            }
            (0x88, 0, 0) => match &self.aa {
                Some(key) => match aa_sign(key, &cmd.data, &mut self.rng) {
                    Ok(signature) => (
                        Response {
                            data: signature,
                            sw: SW_OK,
                        },
                        None,
                    ),
                    Err(_) => sw(SW_WRONG_DATA),
                },
                None => sw(SW_INS),
            },
            (0x22, 0x41, 0xA6) => match CaCommandData::decode_mse_set_kat(&cmd.data) {
                Ok(CaCommandData::SetKat {
                    ephemeral_public_key,
                    ..
                }) => match self.ca_agree(&ephemeral_public_key) {
                    Some(session) => (
                        Response {
                            data: Vec::new(),
                            sw: SW_OK,
                        },
                        Some(session),
                    ),
                    None => sw(SW_WRONG_DATA),
                },
                _ => sw(SW_WRONG_DATA),
            },
            (0x22, 0x41, 0xA4) => match CaCommandData::decode_mse_set_at(&cmd.data) {
                Ok(CaCommandData::SetAt { cipher, .. }) => {
                    self.ca_at_cipher = Some(cipher);
                    sw(SW_OK)
                }
                _ => sw(SW_WRONG_DATA),
            },
            (0x86, 0, 0) if self.ca_at_cipher.is_some() => {
                match CaCommandData::decode_general_authenticate(&cmd.data) {
                    Ok(CaCommandData::GeneralAuthenticate {
                        ephemeral_public_key,
                    }) => match self.ca_agree(&ephemeral_public_key) {
                        Some(session) => (
                            Response {
                                data: vec![0x7C, 0x00],
                                sw: SW_OK,
                            },
                            Some(session),
                        ),
                        None => sw(SW_WRONG_DATA),
                    },
                    _ => sw(SW_WRONG_DATA),
                }
            }
            _ => sw(SW_INS),
        }
    }
}

impl Transport for FakeEmrtd {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let cmd = Command::parse(apdu).map_err(|e| TransportError::Emulator(e.to_string()))?;
        if cmd.cla & CLA_SM == CLA_SM {
            return Ok(self.protected(cmd));
        }
        self.log.push((false, apdu.to_vec()));
        Ok(self.plain(&cmd).to_bytes())
    }
    fn atr(&self) -> Vec<u8> {
        Vec::new()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.session = None;
        self.pace_run = PaceRun::Idle;
        self.selected = false;
        Ok(())
    }
    fn name(&self) -> String {
        "fake eMRTD".into()
    }
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(42)
}

fn passport(pace: bool, ca: Option<CaCipher>, aa: Option<AaPrivateKey>) -> FakeEmrtd {
    FakeEmrtd::new(
        Spec {
            pace: pace.then_some((
                StandardizedDomainParameters::BrainpoolP256r1,
                PaceCipher::Aes128,
            )),
            has_icao: true,
            td1: false,
            ca: ca.map(|c| (StandardizedDomainParameters::NistP256, c)),
            aa,
        },
        1,
    )
}

fn td3_access() -> IcaoAccess {
    IcaoAccess::Mrz(TD3.iter().map(|s| s.to_string()).collect())
}

#[test]
fn bac_passport_with_ca_3des_and_rsa_aa_verifies_everything() {
    let mut chip = passport(false, Some(CaCipher::Tdes), Some(rsa_key()));
    let trust = vec![chip.pki.csca.clone()];
    let report = read_icao(&mut chip, &td3_access(), Some(&trust), &mut rng()).unwrap();
    assert_eq!(report.access, AccessMethod::Bac);
    assert!(
        report
            .pace_not_used
            .as_deref()
            .unwrap_or_default()
            .contains("011C"),
        "{:?}",
        report.pace_not_used
    );
    assert!(report.ca.passed(), "{:?}", report.ca);
    assert!(chip.ca_done);
    assert!(report.aa.passed(), "{:?}", report.aa);
    assert!(report.pa.passed(), "{:?}", report.pa);
    assert_eq!(
        report.pa.dgs.keys().copied().collect::<Vec<_>>(),
        vec![1, 2, 14, 15]
    );
    let dg1 = report.dg1.as_ref().unwrap();
    assert_eq!(
        (dg1.format, dg1.document_number.as_str()),
        (MrzFormat::Td3, "L898902C3")
    );
    assert_eq!(dg1.primary_identifier, "ERIKSSON");
    assert!(report.genuine());
    assert_eq!(
        report.files["DG2"],
        FileStatus::Read {
            bytes: chip.files[&2].len()
        }
    );
    assert!(
        !report.files.contains_key("DG3"),
        "only DG2, DG15 and what EF.COM or EF.SOD lists are tried"
    );
    assert_eq!(report.face().unwrap().bytes.len(), 1006);
    // After EXTERNAL AUTHENTICATE every command is protected; the last plain one is it.
    let last_plain = chip
        .log
        .iter()
        .rposition(|(protected, _)| !protected)
        .unwrap();
    assert_eq!(chip.log[last_plain].1[1], 0x82, "EXTERNAL AUTHENTICATE");
    assert!(chip.log.len() > last_plain + 8);
}

#[test]
fn pace_mrz_with_ca_aes_and_ecdsa_aa() {
    let mut chip = passport(true, Some(CaCipher::Aes128), Some(ecdsa_key(1)));
    let trust = vec![chip.pki.csca.clone()];
    let report = read_icao(&mut chip, &td3_access(), Some(&trust), &mut rng()).unwrap();
    assert_eq!(report.access, AccessMethod::Pace);
    assert!(
        report.access_detail.contains("MRZ"),
        "{}",
        report.access_detail
    );
    assert_eq!(report.pace_not_used, None);
    assert!(report.ca.passed() && chip.ca_done, "{:?}", report.ca);
    assert!(report.aa.passed(), "{:?}", report.aa);
    assert!(report.genuine(), "{report:?}");
    // The LDS1 SELECT went under SM after PACE.
    assert!(
        chip.log
            .iter()
            .any(|(protected, apdu)| *protected && apdu[1] == 0xA4 && apdu.ends_with(&LDS1_AID))
    );
    // JSON names the access method as the brief asks.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["access"], "PACE");
    assert_eq!(json["pa"]["dgs"]["2"], "ok");
    assert_eq!(json["ca"]["status"], "passed");
}

#[test]
fn pace_with_can_on_a_td1_card() {
    let mut chip = FakeEmrtd::new(
        Spec {
            pace: Some((StandardizedDomainParameters::NistP384, PaceCipher::Aes256)),
            has_icao: true,
            td1: true,
            ca: None,
            aa: None,
        },
        3,
    );
    let trust = vec![chip.pki.csca.clone()];
    let report = read_icao(
        &mut chip,
        &IcaoAccess::Can(ADULT_CAN.into()),
        Some(&trust),
        &mut rng(),
    )
    .unwrap();
    assert_eq!(report.access, AccessMethod::Pace);
    assert!(matches!(report.ca, Check::NotPerformed { .. }));
    assert!(matches!(report.aa, Check::NotPerformed { .. }));
    let dg1 = report.dg1.as_ref().unwrap();
    assert_eq!(
        (dg1.format, dg1.document_number.as_str()),
        (MrzFormat::Td1, "210012345")
    );
    assert!(report.pa.passed() && report.genuine());
}

#[test]
fn can_needs_pace() {
    let mut chip = passport(false, None, None);
    let error = read_icao(
        &mut chip,
        &IcaoAccess::Can(ADULT_CAN.into()),
        None,
        &mut rng(),
    )
    .unwrap_err();
    assert!(matches!(error, IcaoError::Pace(_)), "{error}");
}

#[test]
fn mrz_info_opens_with_bac() {
    let mut chip = passport(false, None, None);
    let access = IcaoAccess::MrzInfo {
        document_number: "L898902C3".into(),
        date_of_birth: "740812".into(),
        date_of_expiry: "120415".into(),
    };
    let report = read_icao(&mut chip, &access, None, &mut rng()).unwrap();
    assert_eq!(report.access, AccessMethod::Bac);
    // No --trust: the signature and hashes are checked, the chain is not.
    assert!(report.pa.signature.passed());
    assert!(matches!(report.pa.chain, Check::NotPerformed { .. }));
    assert!(report.pa.dgs.values().all(|c| *c == DgCheck::Ok));
    assert!(!report.pa.passed());
}

#[test]
fn wrong_mrz_is_refused_by_bac() {
    let mut chip = passport(false, None, None);
    let access = IcaoAccess::MrzInfo {
        document_number: "L898902C3".into(),
        date_of_birth: "740813".into(),
        date_of_expiry: "120415".into(),
    };
    let error = read_icao(&mut chip, &access, None, &mut rng()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("EXTERNAL AUTHENTICATE refused (6300)"),
        "{error}"
    );
}

#[test]
fn altered_data_group_fails_alone() {
    let mut chip = passport(false, None, None);
    let trust = vec![chip.pki.csca.clone()];
    let dg2 = chip.files.get_mut(&2).unwrap();
    let last = dg2.len() - 3;
    dg2[last] ^= 0x01;
    let report = read_icao(&mut chip, &td3_access(), Some(&trust), &mut rng()).unwrap();
    assert!(report.pa.signature.passed() && report.pa.chain.passed());
    assert_eq!(report.pa.dgs[&1], DgCheck::Ok);
    assert_eq!(report.pa.dgs[&2], DgCheck::Mismatch);
    assert!(!report.pa.passed() && !report.genuine());
}

#[test]
fn broken_sod_signature() {
    let mut chip = passport(false, None, None);
    let trust = vec![chip.pki.csca.clone()];
    let sod = chip.files.get_mut(&SFI_SOD).unwrap();
    let inside_s = sod.len() - 5;
    sod[inside_s] ^= 0x01;
    let report = read_icao(&mut chip, &td3_access(), Some(&trust), &mut rng()).unwrap();
    assert!(report.pa.signature.failed(), "{:?}", report.pa.signature);
    assert!(matches!(report.pa.chain, Check::NotPerformed { .. }));
    assert!(!report.pa.passed());
}

#[test]
fn unknown_csca_breaks_the_chain_only() {
    let mut chip = passport(false, None, None);
    let other = pki::TestPki::generate(&mut StdRng::seed_from_u64(99)).unwrap();
    let report = read_icao(&mut chip, &td3_access(), Some(&[other.csca]), &mut rng()).unwrap();
    assert!(report.pa.signature.passed());
    assert!(report.pa.chain.failed(), "{:?}", report.pa.chain);
    assert!(report.pa.dgs.values().all(|c| *c == DgCheck::Ok));
    assert!(!report.pa.passed());
}

#[test]
fn aa_with_a_key_other_than_dg15_fails() {
    let mut chip = passport(true, None, Some(ecdsa_key(1)));
    chip.aa = Some(ecdsa_key(2));
    let report = read_icao(&mut chip, &td3_access(), None, &mut rng()).unwrap();
    assert!(report.aa.failed(), "{:?}", report.aa);
    assert!(!report.genuine());
}

#[test]
fn card_without_icao_application() {
    for pace in [false, true] {
        let mut chip = passport(pace, None, None);
        chip.has_icao = false;
        let error = read_icao(&mut chip, &td3_access(), None, &mut rng()).unwrap_err();
        assert!(matches!(error, IcaoError::NoIcaoApplication), "{error}");
        assert_eq!(
            error.to_string(),
            "the card has no ICAO application (SELECT A0000002471001 answered 6A82)"
        );
    }
}

#[test]
fn write_files_puts_every_file_and_the_face() {
    let mut chip = passport(false, None, None);
    let report = read_icao(&mut chip, &td3_access(), None, &mut rng()).unwrap();
    let dir = std::env::temp_dir().join(format!("neid-icao-{}", std::process::id()));
    let written = report.write_files(&dir).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in ["EF_COM.bin", "EF_SOD.bin", "DG1.bin", "DG2.bin", "face.jpg"] {
        assert!(names.contains(&expected.to_owned()), "{names:?}");
    }
    assert_eq!(std::fs::read(dir.join("DG1.bin")).unwrap(), chip.files[&1]);
    std::fs::remove_dir_all(&dir).unwrap();
}
