//! The ICAO zone through `Card::process` with real APDUs (docs/spec/icao.md):
//! BAC, PACE with the MRZ, Active Authentication and Chip Authentication v1,
//! the terminal side built from `card_os::protocol` (BacTerminal,
//! PaceTerminal, CaTerminal, aa_verify).

mod common;
mod pace_support;

use applets::icao::{self, FaceImage, IcaoFiles, IcaoZoneInput};
use applets::{CaStaticKey, MrzPassword, PaceSetup, PersoError, PersoInput};
use card_os::active_auth::{decode_key_object, KEY_ECDSA_P384, KEY_RSA, HASH_SHA1_IMPLICIT};
use card_os::protocol::aa::{aa_verify, decode_dg15, AaPrivateKey};
use card_os::protocol::bac::{BacKeys, BacTerminal};
use card_os::protocol::ca::{decode_dg14, CaCipher, CaSecureMessaging, CaTerminal};
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{SmSession, StandardizedDomainParameters, TdesSmSession};
use card_os::{Card, CommandApdu, Interface, PacePassword};
use pace_support::{command, pace, pace_input, read_sfi, secret, select_aid, send, SECURITY_OBJECT};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The adult reference holder's MRZ (reference-citizens.toml).
const ADULT_MRZ: [&str; 3] =
    ["IDTWN2100123450A123456789<<<<<", "9003152M3603147TWN<<<<<<<<<<<3", "WANG<<HSIAO<MING<<<<<<<<<<<<<<"];
/// The senior: no renewal date, expiry `<<<<<<` with check digit 0.
const SENIOR_MRZ: [&str; 3] =
    ["IDTWN2100987654B187654324<<<<<", "5501029M<<<<<<0TWN<<<<<<<<<<<9", "CHEN<<CHIEN<KUO<<<<<<<<<<<<<<<"];
/// A stand-in for the EF.SOD the emulator signs: the card stores it as given.
const ICAO_SOD: &[u8] = b"\x77\x08icao-sod";
/// Two 512-bit primes (RSA-1024 AA key for the test, e = 65537).
const RSA_P: &str = "D315143F87AFB27961073F4CFD5C3298C861C9FA0CE24A8CA74AE6F1861BD14C85E745ABD4BCBAEDECCD0C97BE10AD161C8F37C829C21CDFA46AFE94B52B57AD";
const RSA_Q: &str = "D3C384A2D6D5B4B7984AE442BDCAE4BDBD1E701D185239D94E8232712EBBE97268382ED98D400032515D975A86EF8C3989D6ED51BD968704E6969D27B818FE4D";
const ICAO_AID: &[u8] = icao::AID;
const PUBLIC_AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x02];

fn setup() -> PaceSetup {
    PaceSetup::default()
}

fn ecdsa_key(rng: &mut StdRng) -> AaPrivateKey {
    let scalar = StandardizedDomainParameters::NistP384.generate_private_key(rng).unwrap();
    let mut object = vec![KEY_ECDSA_P384];
    object.extend_from_slice(&scalar);
    decode_key_object(&object).unwrap()
}

fn rsa_key() -> AaPrivateKey {
    let mut object = vec![KEY_RSA, HASH_SHA1_IMPLICIT];
    for integer in [hex::decode(RSA_P).unwrap(), hex::decode(RSA_Q).unwrap(), vec![0x01, 0x00, 0x01]] {
        object.extend_from_slice(&(integer.len() as u16).to_be_bytes());
        object.extend_from_slice(&integer);
    }
    decode_key_object(&object).unwrap()
}

fn icao_input(mrz: [&str; 3], aa_key: AaPrivateKey, bac: bool) -> IcaoZoneInput {
    let mut rng = StdRng::seed_from_u64(14);
    let domain = setup().domain;
    IcaoZoneInput {
        mrz: mrz.map(str::to_string),
        face: FaceImage::synthetic(),
        aa_key,
        ca_key: CaStaticKey { domain, private_key: domain.generate_private_key(&mut rng).unwrap().to_vec() },
        ca_ciphers: vec![CaCipher::Tdes, CaCipher::Aes256],
        bac,
        security_object: ICAO_SOD.to_vec(),
    }
}

fn adult_input(aa_key: AaPrivateKey, bac: bool) -> PersoInput {
    PersoInput { icao: Some(icao_input(ADULT_MRZ, aa_key, bac)), ..pace_input(setup()) }
}

fn card_for(input: &PersoInput) -> Card {
    let image = applets::personalize(input).expect("ICAO input personalizes");
    let mut card = applets::card_with_rng(image, pace_support::card_rng(3));
    card.power_on(Interface::Contactless);
    card
}

fn adult_card(bac: bool) -> (Card, IcaoFiles) {
    let input = adult_input(ecdsa_key(&mut StdRng::seed_from_u64(15)), bac);
    let files = input.icao.as_ref().unwrap().files(&input.pace).unwrap();
    (card_for(&input), files)
}

/// A terminal's session, AES or 3DES.
enum Channel {
    Aes(SmSession),
    Tdes(TdesSmSession),
}

impl Channel {
    fn transmit(self, card: &mut Card, plain: &Command) -> (Option<Channel>, Result<Response, u16>) {
        let (protected, answer) = match self {
            Channel::Aes(mut s) => {
                let bytes = s.wrap_command(plain).unwrap().to_bytes().unwrap();
                (Channel::Aes(s), card.process(&bytes))
            }
            Channel::Tdes(mut s) => {
                let bytes = s.wrap_command(plain).unwrap().to_bytes().unwrap();
                (Channel::Tdes(s), card.process(&bytes))
            }
        };
        let plain_sw = || {
            let n = answer.len();
            if n >= 2 { u16::from_be_bytes([answer[n - 2], answer[n - 1]]) } else { 0 }
        };
        match protected {
            Channel::Aes(s) => match s.unwrap_response(&answer) {
                Ok((s, r)) => (Some(Channel::Aes(s)), Ok(r)),
                Err(_) => (None, Err(plain_sw())),
            },
            Channel::Tdes(s) => match s.unwrap_response(&answer) {
                Ok((s, r)) => (Some(Channel::Tdes(s)), Ok(r)),
                Err(_) => (None, Err(plain_sw())),
            },
        }
    }
}

/// Send through `channel`, which must survive; the response.
fn tx(card: &mut Card, channel: &mut Option<Channel>, plain: &Command) -> Response {
    let (next, result) = channel.take().expect("session open").transmit(card, plain);
    *channel = next;
    result.expect("protected response verifies")
}

/// SELECT the ICAO application, GET CHALLENGE, EXTERNAL AUTHENTICATE.
fn bac(card: &mut Card, information: &[u8]) -> Result<TdesSmSession, u16> {
    let r = send(card, &CommandApdu::new(0x00, 0xA4, 0x04, 0x0C, ICAO_AID.to_vec(), None));
    assert_eq!(r.sw, 0x9000);
    let r = send(card, &CommandApdu::new(0x00, 0x84, 0x00, 0x00, Vec::new(), Some(8)));
    if r.sw != 0x9000 {
        return Err(r.sw);
    }
    let terminal = BacTerminal::new(BacKeys::from_mrz_information(information));
    let authenticating = terminal.authenticate(&r.data, &mut StdRng::seed_from_u64(21)).unwrap();
    let ea = authenticating.external_authenticate_command();
    let r = send(card, &CommandApdu::new(ea.cla, ea.ins, ea.p1, ea.p2, ea.data.clone(), ea.ne));
    if r.sw != 0x9000 {
        return Err(r.sw);
    }
    let result = authenticating.finish_data(&r.data).expect("chip's E_IC‖M_IC verifies");
    Ok(TdesSmSession::from_bac(&result))
}

fn adult_mrz_information() -> Vec<u8> {
    MrzPassword {
        document_number: "210012345".into(),
        date_of_birth: "900315".into(),
        date_of_expiry: "360314".into(),
    }
    .information()
    .unwrap()
}

fn every_ef(files: &IcaoFiles) -> Vec<(u8, Vec<u8>)> {
    vec![
        (icao::SFI_COM, files.com.clone()),
        (icao::SFI_DG1, files.dg1.clone()),
        (icao::SFI_DG2, files.dg2.clone()),
        (icao::SFI_DG14, files.dg14.clone()),
        (icao::SFI_DG15, files.dg15.clone()),
        (icao::SFI_SOD, ICAO_SOD.to_vec()),
    ]
}

fn assert_reads_every_ef(card: &mut Card, channel: &mut Option<Channel>, files: &IcaoFiles) {
    for (sfi, expected) in every_ef(files) {
        let r = tx(card, channel, &read_sfi(sfi));
        assert!(matches!(r.sw, 0x9000 | 0x6282), "SFI {sfi:02X}: {:04X}", r.sw);
        assert_eq!(hex::encode_upper(&r.data), hex::encode_upper(&expected), "EF with SFI {sfi:02X}");
    }
}

#[test]
fn bac_then_every_ef_reads_back_under_3des_secure_messaging() {
    let (mut card, files) = adult_card(true);
    let session = bac(&mut card, &adult_mrz_information()).expect("BAC succeeds");
    assert!(card.security_status().bac && card.security_status().pace.is_none());
    let mut channel = Some(Channel::Tdes(session));
    assert_reads_every_ef(&mut card, &mut channel, &files);
    // DG1 is the MRZ as printed: 61 5D 5F1F 5A <90 characters>.
    assert_eq!(&files.dg1[..5], &[0x61, 0x5D, 0x5F, 0x1F, 0x5A]);
    assert_eq!(&files.dg1[5..], ADULT_MRZ.concat().as_bytes());
    // EF.COM: LDS 1.7, Unicode 4.0.0, DG1 DG2 DG14 DG15.
    assert_eq!(hex::encode_upper(&files.com), "60165F0104303130375F3606303430303030" .to_string() + "5C04 61756E6F".replace(' ', "").as_str());
}

#[test]
fn pace_with_the_mrz_then_every_ef_reads_back() {
    let (mut card, files) = adult_card(false);
    let session = pace(&mut card, setup(), &secret(PacePassword::Mrz), 5).expect("PACE succeeds");
    let mut channel = Some(Channel::Aes(session));
    assert_eq!(tx(&mut card, &mut channel, &select_aid(ICAO_AID)).sw, 0x9000);
    assert_reads_every_ef(&mut card, &mut channel, &files);
}

#[test]
fn plain_read_is_refused_and_can_sessions_do_not_open_the_zone() {
    let (mut card, _) = adult_card(true);
    assert_eq!(send(&mut card, &CommandApdu::new(0x00, 0xA4, 0x04, 0x0C, ICAO_AID.to_vec(), None)).sw, 0x9000);
    for sfi in [icao::SFI_COM, icao::SFI_DG1, icao::SFI_DG2, icao::SFI_DG14, icao::SFI_DG15, icao::SFI_SOD] {
        let r = send(&mut card, &CommandApdu::new(0x00, 0xB0, 0x80 | sfi, 0x00, Vec::new(), Some(256)));
        assert_eq!(r.sw, 0x6982, "plain READ BINARY of SFI {sfi:02X}");
    }
}

#[test]
fn a_bac_session_ends_outside_the_icao_zone() {
    let (mut card, _) = adult_card(true);
    let mut channel = Some(Channel::Tdes(bac(&mut card, &adult_mrz_information()).unwrap()));
    // The SELECT is answered under the session, which then ends: BAC opens the ICAO zone only.
    assert_eq!(tx(&mut card, &mut channel, &select_aid(PUBLIC_AID)).sw, 0x9000);
    assert!(!card.has_secure_messaging_session());
    assert!(!card.security_status().bac);
    let (_, result) = channel.take().unwrap().transmit(&mut card, &read_sfi(1));
    assert_eq!(result.unwrap_err(), 0x6882, "no session: secure messaging not supported");
}

#[test]
fn bac_refusals() {
    let (mut card, _) = adult_card(true);
    // Wrong MRZ: the card's MAC check fails → 6300, and the challenge is spent.
    let wrong = MrzPassword { document_number: "210012346".into(), date_of_birth: "900315".into(), date_of_expiry: "360314".into() };
    assert_eq!(bac(&mut card, &wrong.information().unwrap()).unwrap_err(), 0x6300);
    let r = send(&mut card, &CommandApdu::new(0x00, 0x82, 0x00, 0x00, vec![0; 40], Some(40)));
    assert_eq!(r.sw, 0x6985, "EXTERNAL AUTHENTICATE without an unspent challenge");
    // GET CHALLENGE: Le must be 8, P1-P2 00 00.
    assert_eq!(send(&mut card, &CommandApdu::new(0x00, 0x84, 0x00, 0x00, Vec::new(), Some(16))).sw, 0x6700);
    assert_eq!(send(&mut card, &CommandApdu::new(0x00, 0x84, 0x01, 0x00, Vec::new(), Some(8))).sw, 0x6A86);
    // Outside the ICAO application there is no BAC.
    assert_eq!(send(&mut card, &CommandApdu::new(0x00, 0xA4, 0x04, 0x0C, PUBLIC_AID.to_vec(), None)).sw, 0x9000);
    assert_eq!(send(&mut card, &CommandApdu::new(0x00, 0x84, 0x00, 0x00, Vec::new(), Some(8))).sw, 0x6D00);
}

#[test]
fn bac_disabled_is_not_offered_but_pace_with_the_mrz_is() {
    let (mut card, files) = adult_card(false);
    assert_eq!(bac(&mut card, &adult_mrz_information()).unwrap_err(), 0x6D00);
    let r = send(&mut card, &CommandApdu::new(0x00, 0x82, 0x00, 0x00, vec![0; 40], Some(40)));
    assert_eq!(r.sw, 0x6D00);
    let session = pace(&mut card, setup(), &secret(PacePassword::Mrz), 5).unwrap();
    let mut channel = Some(Channel::Aes(session));
    assert_eq!(tx(&mut card, &mut channel, &read_sfi(icao::SFI_DG1)).data, files.dg1);
}

fn internal_authenticate(challenge: &[u8]) -> Command {
    command(0x00, 0x88, 0x00, 0x00, challenge, Some(256))
}

#[test]
fn active_authentication_ecdsa_p384_verifies_with_dg15() {
    let (mut card, files) = adult_card(true);
    let mut channel = Some(Channel::Tdes(bac(&mut card, &adult_mrz_information()).unwrap()));
    let dg15 = tx(&mut card, &mut channel, &read_sfi(icao::SFI_DG15)).data;
    let public_key = decode_dg15(&dg15).unwrap();
    assert_eq!(dg15, files.dg15);
    let challenge = hex::decode("0102030405060708").unwrap();
    let r = tx(&mut card, &mut channel, &internal_authenticate(&challenge));
    assert_eq!((r.sw, r.data.len()), (0x9000, 96), "plain r ‖ s on P-384");
    aa_verify(&public_key, &challenge, &r.data).expect("AA signature verifies");
    assert!(aa_verify(&public_key, &hex::decode("0102030405060709").unwrap(), &r.data).is_err());
    // DG14 names the ECDSA signature algorithm.
    assert!(decode_dg14(&files.dg14).unwrap().active_authentication.is_some());
    // Wrong challenge length; and plain (no SM) → 6982.
    assert_eq!(tx(&mut card, &mut channel, &internal_authenticate(&[1, 2, 3])).sw, 0x6700);
    let plain = send(&mut card, &CommandApdu::new(0x00, 0x88, 0x00, 0x00, challenge, Some(256)));
    assert_eq!(plain.sw, 0x6982);
}

#[test]
fn active_authentication_rsa_iso9796_2_verifies_with_dg15() {
    let input = adult_input(rsa_key(), true);
    let files = input.icao.as_ref().unwrap().files(&input.pace).unwrap();
    assert!(decode_dg14(&files.dg14).unwrap().active_authentication.is_none());
    let mut card = card_for(&input);
    let mut channel = Some(Channel::Tdes(bac(&mut card, &adult_mrz_information()).unwrap()));
    let public_key = decode_dg15(&tx(&mut card, &mut channel, &read_sfi(icao::SFI_DG15)).data).unwrap();
    let challenge = [0x11; 8];
    let r = tx(&mut card, &mut channel, &internal_authenticate(&challenge));
    assert_eq!((r.sw, r.data.len()), (0x9000, 128), "k/8 bytes for RSA-1024");
    aa_verify(&public_key, &challenge, &r.data).expect("ISO/IEC 9796-2 signature verifies");
}

/// CA from the DG14 read over `channel`, with `cipher`; the new terminal session.
fn chip_authenticate(card: &mut Card, channel: &mut Option<Channel>, cipher: CaCipher) -> Channel {
    let dg14 = decode_dg14(&tx(card, channel, &read_sfi(icao::SFI_DG14)).data).unwrap();
    let info = *dg14.chip_authentication.iter().find(|i| i.cipher == cipher).expect("cipher offered");
    let terminal = CaTerminal::new(&mut StdRng::seed_from_u64(33), &info, &dg14.public_keys[0]).unwrap();
    let commands = terminal.commands();
    let (last, first) = commands.split_last().unwrap();
    for cmd in first {
        assert_eq!(tx(card, channel, cmd).sw, 0x9000, "MSE:Set AT");
    }
    // The completing command is answered under the old session.
    let r = tx(card, channel, last);
    assert_eq!(r.sw, 0x9000);
    match cipher {
        CaCipher::Tdes => assert!(r.data.is_empty()),
        _ => assert_eq!(r.data, vec![0x7C, 0x00]),
    }
    match terminal.finish().unwrap().session().unwrap() {
        CaSecureMessaging::Aes(s) => Channel::Aes(s),
        CaSecureMessaging::Tdes(s) => Channel::Tdes(s),
    }
}

#[test]
fn chip_authentication_aes_after_pace_restarts_secure_messaging() {
    let (mut card, files) = adult_card(true);
    let mut channel = Some(Channel::Aes(pace(&mut card, setup(), &secret(PacePassword::Mrz), 5).unwrap()));
    assert_eq!(tx(&mut card, &mut channel, &select_aid(ICAO_AID)).sw, 0x9000);
    let new = chip_authenticate(&mut card, &mut channel, CaCipher::Aes256);
    let mut channel = Some(new);
    assert_reads_every_ef(&mut card, &mut channel, &files);
    assert_eq!(card.security_status().pace.as_ref().map(|p| p.password), Some(PacePassword::Mrz));
}

#[test]
fn chip_authentication_3des_after_bac_with_mse_set_kat() {
    let (mut card, files) = adult_card(true);
    let mut old = Some(Channel::Tdes(bac(&mut card, &adult_mrz_information()).unwrap()));
    let mut channel = Some(chip_authenticate(&mut card, &mut old, CaCipher::Tdes));
    assert_reads_every_ef(&mut card, &mut channel, &files);
    assert!(card.security_status().bac, "CA keeps the BAC security status");
    // The BAC keys no longer work: the MAC check fails (6988) and the session ends.
    let (_, result) = old.take().unwrap().transmit(&mut card, &read_sfi(1));
    assert_eq!(result.unwrap_err(), 0x6988);
    assert!(!card.has_secure_messaging_session());
}

#[test]
fn chip_authentication_refusals() {
    let (mut card, _) = adult_card(true);
    let mut channel = Some(Channel::Tdes(bac(&mut card, &adult_mrz_information()).unwrap()));
    // AES-128 is not offered in DG14 → 6A81.
    let set_at = command(0x00, 0x22, 0x41, 0xA4, &card_os::protocol::ca::mse_set_at_data(CaCipher::Aes128, None), None);
    assert_eq!(tx(&mut card, &mut channel, &set_at).sw, 0x6A81);
    // A point off the curve → 6A80; the session goes on.
    let mut bad = vec![0x04];
    bad.extend_from_slice(&[0x01; 96]);
    let kat = command(0x00, 0x22, 0x41, 0xA6, &card_os::protocol::ca::mse_set_kat_data(&bad, None), None);
    assert_eq!(tx(&mut card, &mut channel, &kat).sw, 0x6A80);
    assert_eq!(tx(&mut card, &mut channel, &read_sfi(1)).sw, 0x6282);
    // Without secure messaging → 6982.
    assert_eq!(send(&mut card, &CommandApdu::new(0x00, 0x22, 0x41, 0xA6, kat.data.clone(), None)).sw, 0x6982);
}

#[test]
fn senior_dg1_with_filler_expiry_round_trips() {
    let senior = MrzPassword { document_number: "210098765".into(), date_of_birth: "550102".into(), date_of_expiry: "<<<<<<".into() };
    let mut input = adult_input(ecdsa_key(&mut StdRng::seed_from_u64(15)), true);
    input.passwords.mrz = Some(senior.clone());
    input.icao = Some(icao_input(SENIOR_MRZ, ecdsa_key(&mut StdRng::seed_from_u64(16)), true));
    let mut card = card_for(&input);
    let mut channel = Some(Channel::Tdes(bac(&mut card, &senior.information().unwrap()).unwrap()));
    let dg1 = tx(&mut card, &mut channel, &read_sfi(icao::SFI_DG1)).data;
    assert_eq!(&dg1[5..], SENIOR_MRZ.concat().as_bytes());
    assert_eq!(&senior.information().unwrap()[17..], b"<<<<<<0");
}

#[test]
fn zone_disabled_is_not_selectable_and_refuses_contents() {
    let mut input = pace_input(setup());
    input.zones.icao = false;
    let mut card = card_for(&input);
    assert_eq!(send(&mut card, &CommandApdu::new(0x00, 0xA4, 0x04, 0x0C, ICAO_AID.to_vec(), None)).sw, 0x6A82);
    let ef_dir = applets::card_manager::ef_dir_content(&input.zones);
    assert!(!hex::encode_upper(&ef_dir).contains("A0000002471001"));
    let mut with_contents = adult_input(ecdsa_key(&mut StdRng::seed_from_u64(15)), true);
    with_contents.zones.icao = false;
    assert_eq!(applets::personalize(&with_contents).unwrap_err(), PersoError::IcaoZoneDisabled);
}

#[test]
fn personalization_refuses_inconsistent_icao_input() {
    let mut input = adult_input(ecdsa_key(&mut StdRng::seed_from_u64(15)), true);
    input.icao.as_mut().unwrap().mrz = SENIOR_MRZ.map(str::to_string);
    assert!(matches!(applets::personalize(&input), Err(PersoError::Icao { field: "icao.mrz", .. })));
    let mut input = adult_input(ecdsa_key(&mut StdRng::seed_from_u64(15)), true);
    input.icao.as_mut().unwrap().mrz[0].push('<');
    assert!(matches!(applets::personalize(&input), Err(PersoError::Icao { field: "icao.mrz", .. })));
    let mut input = adult_input(ecdsa_key(&mut StdRng::seed_from_u64(15)), true);
    input.passwords.mrz = None;
    assert!(matches!(applets::personalize(&input), Err(PersoError::Icao { field: "icao.bac", .. })));
    let mut input = adult_input(ecdsa_key(&mut StdRng::seed_from_u64(15)), true);
    input.icao.as_mut().unwrap().security_object.clear();
    assert!(matches!(applets::personalize(&input), Err(PersoError::Icao { field: "icao.security_object", .. })));
}

#[test]
fn the_card_keeps_the_sod_as_given_and_no_key_is_readable() {
    let (card, _) = adult_card(true);
    let image = card.image();
    // EF.SOD is stored byte for byte; the key objects exist but no file holds them.
    assert!(image.objects.contains_key(card_os::active_auth::OBJECT_AA_KEY));
    assert!(image.objects.contains_key(card_os::chip_auth::OBJECT_CA_KEY));
    let _ = SECURITY_OBJECT;
    let dg2 = icao_input(ADULT_MRZ, rsa_key(), true).files(&setup()).unwrap().dg2;
    // 75 L 7F61 L 02 01 01 7F60 L A1 L {80 02 0101 81 01 02 82 01 00 87 02 0101 88 02 0008} 5F2E L 'FAC\0' '010\0'
    let text = hex::encode_upper(&dg2);
    assert!(text.contains("A1128002010181010282010087020101880200085F2E"), "{text}");
    assert!(text.contains("46414300303130000000"), "ISO 19794-5 header");
    assert!(text.ends_with(&hex::encode_upper(icao::face::SYNTHETIC_FACE_JPEG)));
}
