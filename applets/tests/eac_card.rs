//! Terminal Authentication v2, Chip Authentication v2 and the encrypted zone
//! through `Card::process` (docs/spec/eac.md, docs/spec/encrypted.md). The
//! terminal side is built from card-os's protocol code (PACE, SM, CV
//! certificates, `ta::messages`); the CV chains are made here with
//! `CvCertificate::sign`.

mod common;
mod pace_support;

use applets::encrypted::{EacSetup, EncryptedZoneInput};
use applets::encrypted_fields::{self, EncryptedFields};
use applets::{PaceSetup, PersoInput};
use card_os::protocol::ca::{self, CaCipher};
use card_os::protocol::cvc::{
    self, AccessRight, CertificateBody, CertificateReference, CertificateRole, Chat, CvCertificate, CvDate,
    CvPublicKey, TaAlgorithm,
};
use card_os::protocol::pace::{DynamicAuthenticationData, GaTag, MseSetAt};
use card_os::protocol::sm::Command;
use card_os::protocol::{PaceProtocol, PaceTerminal, SmSession, StandardizedDomainParameters, tlv};
use card_os::ta::{self, messages};
use card_os::{Card, CommandApdu, Interface, PacePassword};
use pace_support::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const CURVE: StandardizedDomainParameters = StandardizedDomainParameters::NistP384;
const ENCRYPTED_AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x03];
const ISSUE_DATE: (u16, u8, u8) = (2026, 3, 15);
/// A tiny synthetic JPEG: SOI, a comment segment, EOI.
const PHOTO: &[u8] = &[0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x06, b't', b'e', b's', b't', 0xFF, 0xD9];

fn date(y: u16, m: u8, d: u8) -> CvDate {
    CvDate::new(y, m, d).unwrap()
}

fn reference(text: &str) -> CertificateReference {
    CertificateReference::new(text).unwrap()
}

/// A key pair on the test curve: (private scalar, uncompressed point).
struct Key {
    private: Vec<u8>,
    public: Vec<u8>,
}

fn key(seed: u64) -> Key {
    let mut rng = StdRng::seed_from_u64(seed);
    let private = CURVE.generate_private_key(&mut rng).unwrap().to_vec();
    let public = CURVE.public_key(&private).unwrap();
    Key { private, public }
}

/// A certificate for `subject` signed by `issuer`.
fn certificate(
    car: &str,
    issuer: &Key,
    chr: &str,
    subject: &Key,
    chat: Chat,
    validity: (CvDate, CvDate),
) -> CvCertificate {
    let cvca = chat.role() == CertificateRole::Cvca;
    let body = CertificateBody {
        authority_reference: reference(car),
        public_key: CvPublicKey {
            algorithm: TaAlgorithm::EcdsaSha384,
            domain_parameters: cvca.then_some(CURVE),
            point: subject.public.clone(),
        },
        holder_reference: reference(chr),
        chat,
        effective_date: validity.0,
        expiration_date: validity.1,
        extensions: None,
    };
    CvCertificate::sign(body, CURVE, &issuer.private).unwrap()
}

const CVCA: &str = "TWCVCA00001";
const CVCA2: &str = "TWCVCA00002";
const DV: &str = "TWDVAUTH00001";
const TERMINAL: &str = "TWTERMAU00001";

fn cvca_key() -> Key {
    key(100)
}
fn dv_key() -> Key {
    key(101)
}
fn terminal_key() -> Key {
    key(102)
}

fn cvca_certificate() -> CvCertificate {
    let k = cvca_key();
    certificate(CVCA, &k, CVCA, &k, Chat::all_rights(CertificateRole::Cvca), (date(2026, 1, 1), date(2029, 12, 31)))
}

fn dv_certificate() -> CvCertificate {
    let chat = Chat::all_rights(CertificateRole::DvDomestic);
    certificate(CVCA, &cvca_key(), DV, &dv_key(), chat, (date(2026, 3, 1), date(2026, 12, 31)))
}

fn terminal_certificate(rights: &[AccessRight], validity: (CvDate, CvDate)) -> CvCertificate {
    let chat = Chat::new(CertificateRole::Terminal, rights);
    certificate(DV, &dv_key(), TERMINAL, &terminal_key(), chat, validity)
}

fn reader_rights() -> Vec<AccessRight> {
    vec![AccessRight::ReadFatherName, AccessRight::ReadMotherName]
}

fn normal_validity() -> (CvDate, CvDate) {
    (date(2026, 3, 10), date(2026, 4, 10))
}

fn ca_private_key() -> Vec<u8> {
    key(200).private
}

fn encrypted_fields() -> EncryptedFields {
    EncryptedFields {
        spouse_name: "李美玲".into(),
        father_name: "王大明".into(),
        mother_name: "陳淑芬".into(),
        birthplace: "臺北市".into(),
        sex: "M".into(),
        photo: PHOTO.to_vec(),
        can: CAN.into(),
    }
}

fn eac_input() -> PersoInput {
    let fields = encrypted_fields::encode(&encrypted_fields()).unwrap();
    PersoInput {
        encrypted: Some(EncryptedZoneInput { fields, security_object: b"\x30\x03sod".to_vec() }),
        eac: Some(EacSetup {
            cvca_certificate: cvca_certificate().to_bytes(),
            current_date: date(ISSUE_DATE.0, ISSUE_DATE.1, ISSUE_DATE.2),
            ca_domain: CURVE,
            ca_cipher: CaCipher::Aes256,
            ca_private_key: ca_private_key(),
            card_security: b"\x30\x03sec".to_vec(),
            management_key: key(300).public,
        }),
        ..pace_input(PaceSetup::default())
    }
}

fn eac_card(interface: Interface) -> Card {
    let image = applets::personalize(&eac_input()).expect("EAC input personalizes");
    let mut card = applets::card_with_rng(image, card_rng(11));
    card.power_on(interface);
    card
}

/// The value of DO'7F4C' for a CHAT.
fn chat_value(chat: Chat) -> Vec<u8> {
    let encoded = chat.encode();
    tlv::parse_single(&encoded, 0x7F4C).unwrap().unwrap().to_vec()
}

/// PACE with PIN1 and `chat` (None: no CHAT at PACE); the terminal's channel.
fn pace_pin(card: &mut Card, chat: Option<Chat>) -> Channel {
    let setup = PaceSetup::default();
    let secret = secret(PacePassword::Pin);
    let mut rng = StdRng::seed_from_u64(5);
    let protocol = PaceProtocol::for_cipher(setup.cipher);
    let mse = MseSetAt {
        protocol,
        password: secret.password(),
        domain_parameter_id: Some(setup.domain.id()),
        auxiliary_data: None,
        chat: chat.map(chat_value),
    };
    assert_eq!(send(card, &CommandApdu::new(0x00, 0x22, 0xC1, 0xA4, mse.encode(), None)).sw, 0x9000);
    let ga = |card: &mut Card, chained: bool, data: DynamicAuthenticationData| {
        let r = send(card, &CommandApdu::new(if chained { 0x10 } else { 0x00 }, 0x86, 0, 0, data.encode(), Some(256)));
        assert_eq!(r.sw, 0x9000);
        DynamicAuthenticationData::decode(&r.data).unwrap()
    };
    let terminal = PaceTerminal::new(protocol, setup.domain, &secret);
    let step1 = ga(card, true, DynamicAuthenticationData::empty());
    let (terminal, map) = terminal.decrypt_nonce(&mut rng, step1.only(GaTag::EncryptedNonce).unwrap()).unwrap();
    let step2 = ga(card, true, DynamicAuthenticationData::single(GaTag::MappingDataPcd, &map));
    let (terminal, pk) = terminal.map_nonce(&mut rng, step2.only(GaTag::MappingDataPicc).unwrap()).unwrap();
    let step3 = ga(card, true, DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPcd, &pk));
    let (terminal, token) = terminal.agree_keys(step3.only(GaTag::EphemeralPublicKeyPicc).unwrap()).unwrap();
    let step4 = ga(card, false, DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &token));
    let result = terminal.authenticate(step4.only(GaTag::AuthenticationTokenPicc).unwrap()).unwrap();
    Channel::new(SmSession::from_pace(&result).unwrap())
}

fn sw(channel: &mut Channel, card: &mut Card, cmd: Command) -> u16 {
    channel.transmit(card, &cmd).map(|r| r.sw).unwrap_or_else(|sw| sw)
}

/// MSE:Set DST + PSO:VERIFY CERTIFICATE for one certificate: (MSE SW, PSO SW).
fn present(channel: &mut Channel, card: &mut Card, cert: &CvCertificate) -> (u16, u16) {
    let dst = command(0x00, 0x22, 0x81, 0xB6, &messages::mse_set_dst_data(cert.authority_reference()), None);
    let mse = sw(channel, card, dst);
    let pso = command(0x00, 0x2A, 0x00, 0xBE, &messages::verify_certificate_data(cert), None);
    (mse, sw(channel, card, pso))
}

/// The terminal's TA ephemeral key (also used for CA).
fn ephemeral() -> Key {
    key(400)
}

/// MSE:Set AT, GET CHALLENGE, EXTERNAL AUTHENTICATE signed with `signer`: the final SW.
fn authenticate(channel: &mut Channel, card: &mut Card, signer: &Key) -> u16 {
    let comp = messages::compressed_key(CURVE, &ephemeral().public).unwrap();
    let at = messages::mse_set_at_ta_data(TaAlgorithm::EcdsaSha384, &reference(TERMINAL), &comp, None);
    assert_eq!(sw(channel, card, command(0x00, 0x22, 0x81, 0xA4, &at, None)), 0x9000, "MSE:Set AT for TA");
    let challenge = channel.transmit(card, &command(0x00, 0x84, 0x00, 0x00, &[], Some(8))).unwrap();
    assert_eq!((challenge.sw, challenge.data.len()), (0x9000, 8));
    let id_picc = card.security_status().pace.as_ref().unwrap().id_picc.clone();
    let message = messages::ta_signed_message(&id_picc, &challenge.data, &comp, None);
    let signature = cvc::sign(CURVE, &signer.private, &message).unwrap();
    sw(channel, card, command(0x00, 0x82, 0x00, 0x00, &signature, None))
}

/// Full TA with the standard chain and a terminal granted `rights`.
fn terminal_authentication(channel: &mut Channel, card: &mut Card, rights: &[AccessRight]) {
    assert_eq!(present(channel, card, &dv_certificate()), (0x9000, 0x9000), "DV");
    assert_eq!(present(channel, card, &terminal_certificate(rights, normal_validity())), (0x9000, 0x9000), "terminal");
    assert_eq!(authenticate(channel, card, &terminal_key()), 0x9000, "EXTERNAL AUTHENTICATE");
}

/// CA v2: the terminal checks the chip's token and switches to the new keys.
fn chip_authentication(channel: &mut Channel, card: &mut Card) {
    let mse = ca::mse_set_at_data(CaCipher::Aes256, None);
    assert_eq!(sw(channel, card, command(0x00, 0x22, 0x41, 0xA4, &mse, None)), 0x9000, "MSE:Set AT for CA");
    let eph = ephemeral();
    let ga = ca::general_authenticate_data(&eph.public);
    let r = channel.transmit(card, &command(0x00, 0x86, 0x00, 0x00, &ga, Some(256))).unwrap();
    assert_eq!(r.sw, 0x9000, "GENERAL AUTHENTICATE for CA");
    let (nonce, token) = messages::decode_ca_v2_response(&r.data).expect("7C{81, 82}");
    assert_eq!(nonce.len(), 8);
    let chip_public = CURVE.public_key(&ca_private_key()).unwrap();
    let shared = CURVE.x_coordinate(&CURVE.multiply(&eph.private, &chip_public).unwrap()).unwrap();
    let (ks_enc, ks_mac) = messages::ca_v2_session_keys(CaCipher::Aes256, &shared, &nonce).unwrap();
    assert_eq!(token, messages::ca_v2_token(&ks_mac, CaCipher::Aes256, &eph.public).unwrap().to_vec(), "T_PICC");
    channel.session = Some(SmSession::new(&ks_enc, &ks_mac).unwrap());
}

fn all_reads() -> Chat {
    Chat::new(CertificateRole::Terminal, &AccessRight::READS)
}

fn expected_field(n: u8) -> Vec<u8> {
    encrypted_fields::encode(&encrypted_fields()).unwrap()[usize::from(n) - 1].clone()
}

fn card_date(card: &Card) -> CvDate {
    CvDate::decode(&card.image().objects[ta::OBJECT_CURRENT_DATE]).unwrap()
}

#[test]
fn auth_terminal_granted_father_and_mother_reads_only_those_after_ca() {
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    assert_eq!(sw(&mut channel, &mut card, select_aid(ENCRYPTED_AID)), 0x9000);
    // Before TA: nothing.
    assert_eq!(sw(&mut channel, &mut card, read_sfi(2)), 0x6982);
    terminal_authentication(&mut channel, &mut card, &reader_rights());
    let eac = card.security_status().pace.as_ref().unwrap().eac.clone();
    assert!(eac.grants(AccessRight::ReadFatherName) && eac.grants(AccessRight::ReadMotherName));
    assert!(!eac.grants(AccessRight::ReadSpouseName));
    // TA without CA: still refused (CA v2 is part of the rule).
    assert_eq!(sw(&mut channel, &mut card, read_sfi(2)), 0x6982);
    chip_authentication(&mut channel, &mut card);
    assert!(card.security_status().pace.as_ref().unwrap().eac.chip_authenticated());
    for n in [2u8, 3] {
        let r = channel.transmit(&mut card, &read_sfi(n)).unwrap();
        assert_eq!(r.sw, 0x6282, "field {n} shorter than Ne");
        assert_eq!(r.data, expected_field(n), "field {n}");
    }
    for n in [1u8, 4, 5, 6, 7] {
        assert_eq!(sw(&mut channel, &mut card, read_sfi(n)), 0x6982, "field {n} not granted");
    }
    // The session (new CA keys) survives the refusals.
    assert_eq!(channel.transmit(&mut card, &read_sfi(3)).unwrap().data, expected_field(3));
}

#[test]
fn effective_rights_are_limited_by_the_chat_approved_at_pace() {
    let mut card = eac_card(Interface::Contact);
    let only_father = Chat::new(CertificateRole::Terminal, &[AccessRight::ReadFatherName]);
    let mut channel = pace_pin(&mut card, Some(only_father));
    terminal_authentication(&mut channel, &mut card, &reader_rights());
    chip_authentication(&mut channel, &mut card);
    assert_eq!(sw(&mut channel, &mut card, select_aid(ENCRYPTED_AID)), 0x9000);
    assert_eq!(channel.transmit(&mut card, &read_sfi(2)).unwrap().data, expected_field(2));
    assert_eq!(sw(&mut channel, &mut card, read_sfi(3)), 0x6982, "mother not approved by the holder");
}

#[test]
fn no_chat_at_pace_means_no_terminal_authentication() {
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, None);
    assert_eq!(present(&mut channel, &mut card, &dv_certificate()), (0x6985, 0x6985));
}

#[test]
fn contactless_refuses_the_encrypted_zone() {
    let mut card = eac_card(Interface::Contactless);
    // PIN1 is contact only: PACE with it is refused on the contactless interface.
    let mse = MseSetAt {
        protocol: PaceProtocol::for_cipher(PaceSetup::default().cipher),
        password: secret(PacePassword::Pin).password(),
        domain_parameter_id: Some(PaceSetup::default().domain.id()),
        auxiliary_data: None,
        chat: Some(chat_value(all_reads())),
    };
    assert_eq!(send(&mut card, &CommandApdu::new(0x00, 0x22, 0xC1, 0xA4, mse.encode(), None)).sw, 0x6982);
    assert_eq!(common::tx(&mut card, "00A4040C06D15800000103"), "9000");
    assert_eq!(common::tx(&mut card, "00B0820000"), "6982");
}

#[test]
fn expired_terminal_certificate_is_refused() {
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    assert_eq!(present(&mut channel, &mut card, &dv_certificate()), (0x9000, 0x9000));
    let expired = terminal_certificate(&reader_rights(), (date(2026, 2, 1), date(2026, 3, 1)));
    assert_eq!(present(&mut channel, &mut card, &expired).1, 0x6A80);
}

#[test]
fn wrongly_chained_certificate_is_refused() {
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    // A terminal certificate presented right under the CVCA: its CAR is the DV,
    // which the card does not know yet.
    let terminal = terminal_certificate(&reader_rights(), normal_validity());
    assert_eq!(present(&mut channel, &mut card, &terminal).0, 0x6A88, "CAR unknown");
    // A DV certificate from another CVCA.
    let rogue = certificate("TWCVCA00009", &key(999), DV, &dv_key(), Chat::all_rights(CertificateRole::DvDomestic), (date(2026, 3, 1), date(2026, 12, 31)));
    assert_eq!(present(&mut channel, &mut card, &rogue).0, 0x6A88);
}

#[test]
fn wrongly_signed_certificate_and_signature_are_refused() {
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    // DV certificate naming the CVCA but signed by another key.
    let forged = certificate(CVCA, &key(999), DV, &dv_key(), Chat::all_rights(CertificateRole::DvDomestic), (date(2026, 3, 1), date(2026, 12, 31)));
    assert_eq!(present(&mut channel, &mut card, &forged), (0x9000, 0x6300));
    // The genuine chain, then EXTERNAL AUTHENTICATE signed with the wrong key.
    assert_eq!(present(&mut channel, &mut card, &dv_certificate()), (0x9000, 0x9000));
    assert_eq!(present(&mut channel, &mut card, &terminal_certificate(&reader_rights(), normal_validity())), (0x9000, 0x9000));
    assert_eq!(authenticate(&mut channel, &mut card, &key(998)), 0x6300);
    assert!(card.security_status().pace.as_ref().unwrap().eac.authorization().is_none());
}

#[test]
fn escalating_certificates_are_refused_or_clipped() {
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    // A terminal issuing a DV-role certificate: role escalation.
    assert_eq!(present(&mut channel, &mut card, &dv_certificate()), (0x9000, 0x9000));
    assert_eq!(present(&mut channel, &mut card, &terminal_certificate(&reader_rights(), normal_validity())), (0x9000, 0x9000));
    let escalated = certificate(DV, &dv_key(), "TWDVAUTH00002", &key(103), Chat::all_rights(CertificateRole::DvDomestic), normal_validity());
    assert_eq!(present(&mut channel, &mut card, &escalated).1, 0x6982, "DV issuing a DV");

    // A DV limited to father's name; its terminal claims every read: clipped.
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    let narrow_dv = certificate(CVCA, &cvca_key(), DV, &dv_key(), Chat::new(CertificateRole::DvDomestic, &[AccessRight::ReadFatherName]), (date(2026, 3, 1), date(2026, 12, 31)));
    assert_eq!(present(&mut channel, &mut card, &narrow_dv), (0x9000, 0x9000));
    assert_eq!(present(&mut channel, &mut card, &terminal_certificate(&AccessRight::READS, normal_validity())), (0x9000, 0x9000));
    assert_eq!(authenticate(&mut channel, &mut card, &terminal_key()), 0x9000);
    let chat = card.security_status().pace.as_ref().unwrap().eac.authorization().unwrap();
    assert_eq!(chat.rights().collect::<Vec<_>>(), vec![AccessRight::ReadFatherName]);
}

#[test]
fn domestic_certificates_advance_and_commit_the_current_date() {
    let mut card = eac_card(Interface::Contact);
    assert_eq!(card_date(&card), date(2026, 3, 15));
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    assert_eq!(present(&mut channel, &mut card, &dv_certificate()), (0x9000, 0x9000));
    assert_eq!(card_date(&card), date(2026, 3, 15), "DV effective 2026-03-01 is older");
    let later = terminal_certificate(&reader_rights(), (date(2026, 4, 2), date(2026, 5, 2)));
    assert_eq!(present(&mut channel, &mut card, &later), (0x9000, 0x9000));
    assert_eq!(card_date(&card), date(2026, 4, 2));
    // After a reset the date stays: a certificate expired before it is refused.
    card.power_on(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    assert_eq!(present(&mut channel, &mut card, &dv_certificate()), (0x9000, 0x9000));
    let old = terminal_certificate(&reader_rights(), (date(2026, 3, 10), date(2026, 4, 1)));
    assert_eq!(present(&mut channel, &mut card, &old).1, 0x6A80);
}

#[test]
fn link_certificate_replaces_the_trust_point() {
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    let new_cvca = key(110);
    let link = certificate(CVCA, &cvca_key(), CVCA2, &new_cvca, Chat::all_rights(CertificateRole::Cvca), (date(2026, 3, 20), date(2030, 12, 31)));
    assert_eq!(present(&mut channel, &mut card, &link), (0x9000, 0x9000));
    assert_eq!(card.image().objects[ta::OBJECT_CVCA], link.to_bytes());
    assert_eq!(card_date(&card), date(2026, 3, 20));
    // A DV under the new CVCA, then the terminal: TA succeeds.
    let dv2 = certificate(CVCA2, &new_cvca, DV, &dv_key(), Chat::all_rights(CertificateRole::DvDomestic), (date(2026, 3, 20), date(2026, 12, 31)));
    assert_eq!(present(&mut channel, &mut card, &dv2), (0x9000, 0x9000));
    assert_eq!(present(&mut channel, &mut card, &terminal_certificate(&reader_rights(), normal_validity())), (0x9000, 0x9000));
    assert_eq!(authenticate(&mut channel, &mut card, &terminal_key()), 0x9000);
    // In a new session the old CVCA is no longer trusted.
    card.power_on(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    assert_eq!(present(&mut channel, &mut card, &dv_certificate()).0, 0x6A88);
}

#[test]
fn ca_needs_the_ta_ephemeral_key() {
    let mut card = eac_card(Interface::Contact);
    let mut channel = pace_pin(&mut card, Some(all_reads()));
    terminal_authentication(&mut channel, &mut card, &reader_rights());
    let mse = ca::mse_set_at_data(CaCipher::Aes256, None);
    assert_eq!(sw(&mut channel, &mut card, command(0x00, 0x22, 0x41, 0xA4, &mse, None)), 0x9000);
    let other = key(401);
    let ga = ca::general_authenticate_data(&other.public);
    assert_eq!(sw(&mut channel, &mut card, command(0x00, 0x86, 0x00, 0x00, &ga, Some(256))), 0x6A80);
    assert!(!card.security_status().pace.as_ref().unwrap().eac.chip_authenticated());
}

#[test]
fn ta_outside_pace_is_refused() {
    let mut card = eac_card(Interface::Contact);
    let data = messages::mse_set_dst_data(&reference(CVCA));
    let r = send(&mut card, &CommandApdu::new(0x00, 0x22, 0x81, 0xB6, data, None));
    assert_eq!(r.sw, 0x6982);
}
