//! Registry-office updates through `Card::process` (docs/spec/eac.md
//! §Registry-office updates, docs/spec/pins.md §Registry office): the
//! committed test PKI (profiles/test-pki: CSCA/DS, CVCA, the registry and
//! auth-parents terminals) against the adult reference card, with the
//! security objects signed by `pki::sign_security_object` exactly as the
//! issuer signs them. Every refusal is checked to leave the card image
//! byte for byte as it was.

mod common;
mod pace_support;
#[path = "registry_support/eac_terminal.rs"]
mod eac_terminal;

use std::path::{Path, PathBuf};

use applets::encrypted::{EacSetup, EncryptedZoneInput};
use applets::encrypted_fields::{self, EncryptedFields};
use applets::public_fields::{self, PublicFields};
use applets::{PaceSetup, PersoInput, PublicZoneInput};
use card_os::protocol::ca::CaCipher;
use card_os::protocol::cvc::{CertificateRole, CvDate};
use card_os::protocol::kdf::PacePassword as PasswordKind;
use card_os::protocol::sm::Command;
use card_os::protocol::{PaceProtocol, PaceSecret, StandardizedDomainParameters};
use card_os::{Card, CardImage, Interface};
use eac_terminal::{EacTerminal, command, read_sfi, select_aid};
use pace_support::{CAN, PIN, adult_public_fields, card_rng, pace_input};
use pki::{DocumentSigner, HashAlgorithm, TestPki};
use rand::SeedableRng;
use rand::rngs::StdRng;

const CURVE: StandardizedDomainParameters = StandardizedDomainParameters::NistP384;
const PUBLIC_AID: &[u8] = applets::public::AID;
const HOUSEHOLD_AID: &[u8] = applets::household::AID;
const ENCRYPTED_AID: &[u8] = applets::encrypted::AID;
const INS_PUT_DATA: u8 = 0xDA;
const INS_RESET_RETRY_COUNTER: u8 = 0x2C;
const SFI_SOD: u8 = 0x10;
/// Public field 4 (EF.HouseholdAddress) and household EF.Village.
const HOUSEHOLD_ADDRESS: u8 = 4;
const FID_HOUSEHOLD_ADDRESS: u16 = 0x0104;
const FID_VILLAGE: u16 = 0x0103;
const FID_NAME: u16 = 0x0101;
const NEW_ADDRESS_ZH: &str = "臺北市信義區西村里3鄰信義路五段7號";
const NEW_ADDRESS_EN: &str = "No. 7, Sec. 5, Xinyi Rd., Xicun Vil., Xinyi Dist., Taipei City";
const NEW_VILLAGE_CODE: &str = "63000020-005";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn test_pki() -> TestPki {
    pki::load(&repo().join("profiles/test-pki")).unwrap()
}

fn terminal_dir(name: &str) -> PathBuf {
    repo().join("profiles/test-pki/cv/terminals").join(name)
}

fn ca_private_key() -> Vec<u8> {
    CURVE.generate_private_key(&mut StdRng::seed_from_u64(200)).unwrap().to_vec()
}

fn encrypted_contents() -> [Vec<u8>; encrypted_fields::FIELD_COUNT] {
    encrypted_fields::encode(&EncryptedFields {
        spouse_name: "李美玲".into(),
        father_name: "王大同".into(),
        mother_name: "陳秀英".into(),
        birthplace: "臺北市".into(),
        sex: "M".into(),
        photo: vec![0xFF, 0xD8, 0xFF, 0xD9],
        can: CAN.into(),
    })
    .unwrap()
}

fn numbered(fields: &[Vec<u8>]) -> Vec<(u8, &[u8])> {
    (1u8..).zip(fields.iter()).map(|(n, c)| (n, c.as_slice())).collect()
}

fn sign(fields: &[Vec<u8>], signer: &DocumentSigner) -> Vec<u8> {
    pki::sign_security_object(HashAlgorithm::Sha384, &numbered(fields), signer).unwrap()
}

fn public_contents(fields: &PublicFields) -> Vec<Vec<u8>> {
    public_fields::encode(fields).unwrap().to_vec()
}

/// The adult card with real public and encrypted security objects, the
/// committed CVCA and the DS key as management key.
fn input(pki: &TestPki) -> PersoInput {
    let public = public_contents(&adult_public_fields());
    let encrypted = encrypted_contents();
    let cvca = pki::cv::import_cvca(&repo().join("profiles/test-pki/cv/cvca.cvcert")).unwrap();
    PersoInput {
        public: Some(PublicZoneInput {
            fields: public.clone().try_into().unwrap(),
            security_object: sign(&public, &pki.document_signer),
        }),
        encrypted: Some(EncryptedZoneInput {
            security_object: sign(&encrypted, &pki.document_signer),
            fields: encrypted,
        }),
        eac: Some(EacSetup {
            cvca_certificate: cvca.to_bytes(),
            current_date: CvDate::new(2026, 3, 15).unwrap(),
            ca_domain: CURVE,
            ca_cipher: CaCipher::Aes256,
            ca_private_key: ca_private_key(),
            card_security: b"\x30\x03sec".to_vec(),
            management_key: pki::management_key(&pki.document_signer),
        }),
        ..pace_input(PaceSetup::default())
    }
}

fn card_from(image: CardImage) -> Card {
    let mut card = applets::card_with_rng(image, card_rng(11));
    card.power_on(Interface::Contact);
    card
}

fn card(pki: &TestPki) -> Card {
    card_from(applets::personalize(&input(pki)).unwrap())
}

/// PACE with `password` and the terminal chain's CHAT, TA with the
/// committed terminal `name`, then CA v2 unless `with_ca` is false.
fn eac_session(card: &mut Card, password: PasswordKind, name: &str, with_ca: bool) -> EacTerminal {
    let chain = pki::cv::load_terminal(&terminal_dir(name)).unwrap();
    let value = if password == PasswordKind::Can { CAN } else { PIN };
    let secret = PaceSecret::from_text(password, value).unwrap();
    let chat = chain.terminal.certificate.body().chat;
    assert_eq!(chat.role(), CertificateRole::Terminal);
    let protocol = PaceProtocol::for_cipher(PaceSetup::default().cipher);
    let mut terminal = EacTerminal::pace(card, CURVE, protocol, &secret, Some(chat), 3);
    let certificates = [&chain.dv, &chain.terminal.certificate];
    assert_eq!(terminal.terminal_authentication(card, &certificates, chain.terminal.private_key()), 0x9000);
    if with_ca {
        let chip_public = CURVE.public_key(&ca_private_key()).unwrap();
        terminal.chip_authentication(card, CaCipher::Aes256, &chip_public);
    }
    terminal
}

/// READ BINARY from offset 0 until the EF ends (the first by SFI).
fn read_ef(terminal: &mut EacTerminal, card: &mut Card, sfi: u8) -> Vec<u8> {
    let first = terminal.transmit(card, &read_sfi(sfi)).unwrap();
    assert!(matches!(first.sw, 0x9000 | 0x6282), "READ BINARY SFI {sfi:02X}: {:04X}", first.sw);
    let mut content = first.data;
    while content.len().is_multiple_of(256) && !content.is_empty() {
        let offset = content.len();
        let more = command(0x00, 0xB0, (offset >> 8) as u8, offset as u8, &[], Some(256));
        let r = terminal.transmit(card, &more).unwrap();
        if r.sw != 0x9000 && r.sw != 0x6282 {
            break;
        }
        content.extend_from_slice(&r.data);
        if r.data.len() < 256 {
            break;
        }
    }
    content
}

fn put_data(fid: u16, content: &[u8], security_object: Option<&[u8]>) -> Command {
    let mut data = card_os::tlv::build(0x51, &fid.to_be_bytes());
    card_os::tlv::push(&mut data, 0x53, content);
    if let Some(so) = security_object {
        data.extend_from_slice(so);
    }
    command(0x00, INS_PUT_DATA, 0x00, 0x00, &data, None)
}

fn moved_fields() -> PublicFields {
    PublicFields {
        household_address_zh: NEW_ADDRESS_ZH.into(),
        household_address_en: NEW_ADDRESS_EN.into(),
        village_code: NEW_VILLAGE_CODE.into(),
        ..adult_public_fields()
    }
}

/// A new village EF.Village for the household zone (household.md encoding).
fn new_village() -> Vec<u8> {
    let mut body = card_os::tlv::build(0x80, NEW_VILLAGE_CODE.as_bytes());
    card_os::tlv::push(&mut body, 0x81, "西村里".as_bytes());
    card_os::tlv::push(&mut body, 0x82, b"Xicun Village");
    card_os::tlv::build(0xA3, &body)
}

#[test]
fn household_address_update_commits_field_and_security_object_that_verify() {
    let pki = test_pki();
    let mut card = card(&pki);
    let mut terminal = eac_session(&mut card, PasswordKind::Pin, "registry", true);
    assert_eq!(terminal.sw(&mut card, &select_aid(PUBLIC_AID)), 0x9000);
    // The privileged terminal reads the zone in its PIN1 session (public.rs read rule).
    let before: Vec<Vec<u8>> = (1..=9).map(|sfi| read_ef(&mut terminal, &mut card, sfi)).collect();
    assert_eq!(before, public_contents(&adult_public_fields()));

    let mut after = before.clone();
    after[3] = public_contents(&moved_fields())[3].clone();
    let so = sign(&after, &pki.document_signer);
    let put = put_data(FID_HOUSEHOLD_ADDRESS, &after[3], Some(&so));
    assert!(put.data.len() > 255, "extended length under SM");
    assert_eq!(terminal.sw(&mut card, &put), 0x9000);

    let field = read_ef(&mut terminal, &mut card, HOUSEHOLD_ADDRESS);
    assert_eq!(field, after[3]);
    assert_ne!(field.len(), before[3].len(), "the EF changed size");
    let sod = read_ef(&mut terminal, &mut card, SFI_SOD);
    assert_eq!(sod, so);
    let verified = pki::verify_security_object(&sod, std::slice::from_ref(&pki.csca), None).unwrap();
    for (n, content) in numbered(&after) {
        verified.check_field(n, content).unwrap();
    }

    // Household zone: the same right writes EF.Village (no security object).
    assert_eq!(terminal.sw(&mut card, &select_aid(HOUSEHOLD_AID)), 0x9000);
    assert_eq!(terminal.sw(&mut card, &put_data(FID_VILLAGE, &new_village(), None)), 0x9000);
    assert_eq!(read_ef(&mut terminal, &mut card, 0x03), new_village());
    // A security object does not belong in the household zone.
    assert_eq!(terminal.sw(&mut card, &put_data(FID_VILLAGE, &new_village(), Some(&so))), 0x6A80);
}

/// Send `put` in the public zone in a registry session; the SW, and whether
/// the image is unchanged.
fn refused_in_public_zone(card: &mut Card, terminal: &mut EacTerminal, put: &Command) -> (u16, bool) {
    assert_eq!(terminal.sw(card, &select_aid(PUBLIC_AID)), 0x9000);
    let image = card.image().clone();
    let sw = terminal.sw(card, put);
    (sw, *card.image() == image)
}

#[test]
fn wrong_signature_hash_or_other_field_changes_nothing() {
    let pki = test_pki();
    let original = public_contents(&adult_public_fields());
    let mut moved = original.clone();
    moved[3] = public_contents(&moved_fields())[3].clone();
    let new_address = moved[3].clone();

    // Signed by another document signer: not the management key.
    let stranger = TestPki::generate(&mut StdRng::seed_from_u64(9)).unwrap();
    let wrong_signer = sign(&moved, &stranger.document_signer);
    // Signed over another address than the one sent.
    let mut other_address = original.clone();
    other_address[3] = public_contents(&PublicFields { village_code: "63000020-006".into(), ..moved_fields() })[3].clone();
    let wrong_hash = sign(&other_address, &pki.document_signer);
    // Signed with the new address but also a new name the card does not hold.
    let mut renamed = moved.clone();
    renamed[0] = public_contents(&PublicFields { name_zh: "王大明".into(), ..moved_fields() })[0].clone();
    let other_field = sign(&renamed, &pki.document_signer);
    // A security object over only 8 of the 9 fields.
    let missing_field = pki::sign_security_object(HashAlgorithm::Sha384, &numbered(&moved)[..8], &pki.document_signer).unwrap();
    // One bit of the signature flipped (the last byte of the DER signature).
    let mut flipped = sign(&moved, &pki.document_signer);
    if let Some(last) = flipped.last_mut() {
        *last ^= 0x01;
    }

    let cases: [(&str, Vec<u8>, u16); 5] = [
        ("signed by another DS", wrong_signer, 0x6300),
        ("hash of another address", wrong_hash, 0x6300),
        ("another field differs", other_field.clone(), 0x6300),
        ("a field not covered", missing_field, 0x6300),
        ("signature altered", flipped, 0x6300),
    ];
    let mut card = card(&pki);
    let mut terminal = eac_session(&mut card, PasswordKind::Pin, "registry", true);
    for (what, so, expected) in cases {
        let (sw, unchanged) = refused_in_public_zone(&mut card, &mut terminal, &put_data(FID_HOUSEHOLD_ADDRESS, &new_address, Some(&so)));
        assert_eq!(sw, expected, "{what}");
        assert!(unchanged, "{what}: the image changed");
    }

    // Malformed requests: 6A80, nothing written.
    let good = sign(&moved, &pki.document_signer);
    let mut truncated = good.clone();
    truncated.truncate(good.len() - 1);
    let malformed = [
        ("no security object", put_data(FID_HOUSEHOLD_ADDRESS, &new_address, None)),
        ("content with another field's tag", put_data(FID_HOUSEHOLD_ADDRESS, &moved[2], Some(&good))),
        ("truncated security object", put_data(FID_HOUSEHOLD_ADDRESS, &new_address, Some(&truncated))),
        ("data field is not TLV", command(0x00, INS_PUT_DATA, 0, 0, &[0x51, 0x05, 0x01], None)),
    ];
    for (what, put) in malformed {
        let (sw, unchanged) = refused_in_public_zone(&mut card, &mut terminal, &put);
        assert_eq!(sw, 0x6A80, "{what}");
        assert!(unchanged, "{what}");
    }
    // A field no right writes (the name) and another P1-P2.
    let (sw, unchanged) = refused_in_public_zone(&mut card, &mut terminal, &put_data(FID_NAME, &renamed[0], Some(&other_field)));
    assert_eq!((sw, unchanged), (0x6982, true), "name is not writable");
    let mut p1 = put_data(FID_HOUSEHOLD_ADDRESS, &new_address, Some(&good));
    p1.p1 = 0x01;
    assert_eq!(refused_in_public_zone(&mut card, &mut terminal, &p1), (0x6A86, true));

    // The good one still goes through afterwards: the session survived the refusals.
    let (sw, unchanged) = refused_in_public_zone(&mut card, &mut terminal, &put_data(FID_HOUSEHOLD_ADDRESS, &new_address, Some(&good)));
    assert_eq!((sw, unchanged), (0x9000, false));
}

#[test]
fn without_the_write_right_or_without_ca_nothing_changes() {
    let pki = test_pki();
    let mut moved = public_contents(&adult_public_fields());
    moved[3] = public_contents(&moved_fields())[3].clone();
    let so = sign(&moved, &pki.document_signer);
    let put = put_data(FID_HOUSEHOLD_ADDRESS, &moved[3], Some(&so));

    // The authentication terminal (read father/mother) holds no write right.
    let mut card_a = card(&pki);
    let mut auth = eac_session(&mut card_a, PasswordKind::Pin, "auth-parents", true);
    assert_eq!(auth.sw(&mut card_a, &select_aid(PUBLIC_AID)), 0x9000);
    let image = card_a.image().clone();
    assert_eq!(auth.sw(&mut card_a, &put), 0x6982);
    assert_eq!(auth.sw(&mut card_a, &select_aid(HOUSEHOLD_AID)), 0x9000);
    assert_eq!(auth.sw(&mut card_a, &put_data(FID_VILLAGE, &new_village(), None)), 0x6982);
    assert_eq!(*card_a.image(), image);

    // The registry terminal after TA but without CA v2.
    let mut card_b = card(&pki);
    let mut no_ca = eac_session(&mut card_b, PasswordKind::Pin, "registry", false);
    assert_eq!(no_ca.sw(&mut card_b, &select_aid(PUBLIC_AID)), 0x9000);
    let image = card_b.image().clone();
    assert_eq!(no_ca.sw(&mut card_b, &put), 0x6982);
    assert_eq!(*card_b.image(), image);

    // Plain, outside any session.
    let mut card_c = card(&pki);
    let image = card_c.image().clone();
    let plain = |cmd: &Command| {
        card_os::CommandApdu::new(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data.clone(), cmd.ne).to_bytes().unwrap()
    };
    card_c.process(&plain(&select_aid(PUBLIC_AID)));
    let answer = card_c.process(&plain(&put));
    assert_eq!(answer, vec![0x69, 0x82]);
    assert_eq!(*card_c.image(), image);
}

#[test]
fn encrypted_zone_field_update_commits() {
    let pki = test_pki();
    let mut card = card(&pki);
    let mut terminal = eac_session(&mut card, PasswordKind::Pin, "registry", true);
    assert_eq!(terminal.sw(&mut card, &select_aid(ENCRYPTED_AID)), 0x9000);
    let mut fields = encrypted_contents().to_vec();
    fields[0] = encrypted_fields::encode_field(1, "".as_bytes());
    let so = sign(&fields, &pki.document_signer);
    assert_eq!(terminal.sw(&mut card, &put_data(0x0101, &fields[0], Some(&so))), 0x9000);
    let df = card.image().mf.children.iter().find_map(|node| match node {
        card_os::fs::Node::Df(df) if df.aid.as_deref() == Some(ENCRYPTED_AID) => Some(df.clone()),
        _ => None,
    });
    let df = df.unwrap();
    let ef = |fid: u16| {
        df.children
            .iter()
            .find_map(|n| match n {
                card_os::fs::Node::Ef(ef) if ef.fid == fid => Some(ef.data.clone()),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(ef(0x0101), fields[0]);
    assert_eq!(ef(0x0110), so);
    // The sex field has no write right: 6982.
    assert_eq!(terminal.sw(&mut card, &put_data(0x0105, &fields[4], Some(&so))), 0x6982);
}

const PIN1_RECORD: &str = "pin.pin1.record";
const PUK_RECORD: &str = "pin.puk.record";
const PUK_VALUE: &str = "pace.password.puk";
/// Record layout (pins.md): format, state, tries left, tries, suspend after, min, max.
const PIN1_BLOCKED: [u8; 7] = [0x01, 0x01, 0x00, 0x03, 0x02, 0x06, 0x06];
const TRIES_LEFT: usize = 2;

fn reset(p1: u8, p2: u8, data: &[u8]) -> Command {
    command(0x00, INS_RESET_RETRY_COUNTER, p1, p2, data, None)
}

#[test]
fn registry_office_unblocks_pin1_and_sets_a_new_user_code() {
    let pki = test_pki();
    let mut image = applets::personalize(&input(&pki)).unwrap();
    image.objects.insert(PIN1_RECORD.into(), PIN1_BLOCKED.to_vec());
    let mut puk_record = image.objects.get(PUK_RECORD).unwrap().clone();
    puk_record[TRIES_LEFT] = 0;
    image.objects.insert(PUK_RECORD.into(), puk_record);

    // The authentication terminal lacks PIN management: nothing changes.
    let mut card_a = card_from(image.clone());
    let mut auth = eac_session(&mut card_a, PasswordKind::Can, "auth-parents", true);
    let before = card_a.image().clone();
    assert_eq!(auth.sw(&mut card_a, &reset(0x03, 0x03, &[])), 0x6982);
    assert_eq!(auth.sw(&mut card_a, &reset(0x02, 0x04, b"NewCode77")), 0x6982);
    assert_eq!(*card_a.image(), before);

    // Registry office without CA v2: refused too.
    let mut card_b = card_from(image.clone());
    let mut no_ca = eac_session(&mut card_b, PasswordKind::Can, "registry", false);
    assert_eq!(no_ca.sw(&mut card_b, &reset(0x03, 0x03, &[])), 0x6982);

    // PIN1 is blocked, so the office runs PACE with the CAN.
    let mut card = card_from(image);
    let mut office = eac_session(&mut card, PasswordKind::Can, "registry", true);
    assert_eq!(office.sw(&mut card, &reset(0x03, 0x03, &[])), 0x9000);
    assert_eq!(card.image().objects.get(PIN1_RECORD).unwrap()[TRIES_LEFT], 3);
    assert_eq!(office.sw(&mut card, &reset(0x03, 0x04, &[])), 0x9000);
    assert_eq!(card.image().objects.get(PUK_RECORD).unwrap()[TRIES_LEFT], 10);
    // This input has no PIN2 (pace_input: no certificate zone PIN): 6A88, not 6982.
    assert_eq!(office.sw(&mut card, &reset(0x03, 0x81, &[])), 0x6A88);
    // A new user code, checked against its format first.
    assert_eq!(office.sw(&mut card, &reset(0x02, 0x04, b"bad!")), 0x6A80);
    assert_eq!(office.sw(&mut card, &reset(0x02, 0x04, b"NewCode77")), 0x9000);
    assert_eq!(card.image().objects.get(PUK_VALUE).unwrap(), b"NewCode77");
    // A new PIN1 or PIN2 value stays the holder's (with the user code).
    assert_eq!(office.sw(&mut card, &reset(0x02, 0x03, b"135790")), 0x6982);

    // The new user code opens PACE.
    let mut card = card_from(card.into_image());
    let secret = PaceSecret::from_text(PasswordKind::Puk, "NewCode77").unwrap();
    let protocol = PaceProtocol::for_cipher(PaceSetup::default().cipher);
    EacTerminal::pace(&mut card, CURVE, protocol, &secret, None, 4);
}
