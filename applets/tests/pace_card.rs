//! PACE and secure messaging through the card's APDU interface: a terminal
//! built from `protocol::PaceTerminal` and `SmSession` drives `Card::process`
//! with real APDUs (docs/spec/pace.md, docs/spec/secure-messaging.md).

mod common;
mod pace_support;

use applets::{PaceSetup, PersoError, PersoInput, public_fields};
use card_os::protocol::{PaceCipher, PaceSecret, StandardizedDomainParameters};
use card_os::{CommandApdu, Interface, PacePassword};
use common::tx;
use pace_support::*;

const PUBLIC_AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x02];
const ICAO_AID: &[u8] = &[0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
const ENCRYPTED_AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x03];
const CERTIFICATE_AID: &[u8] = &[0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35];
const HOUSEHOLD_AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x01];

fn setup() -> PaceSetup {
    PaceSetup::default()
}

/// A contactless card after PACE with `password`, and the terminal's channel.
fn after_pace(password: PacePassword, interface: Interface) -> (card_os::Card, Channel) {
    let mut card = pace_card(setup(), interface);
    let session = pace(&mut card, setup(), &secret(password), 1).expect("PACE succeeds");
    (card, Channel::new(session))
}

fn expected_public_efs() -> Vec<(u8, Vec<u8>)> {
    let fields = public_fields::encode(&adult_public_fields()).unwrap();
    let mut efs: Vec<(u8, Vec<u8>)> = fields.into_iter().enumerate().map(|(i, f)| (i as u8 + 1, f)).collect();
    efs.push((0x10, SECURITY_OBJECT.to_vec()));
    efs
}

#[test]
fn pace_can_then_every_public_ef_reads_back_under_sm() {
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contactless);
    let status = card.security_status().pace.clone().expect("PACE security status set");
    assert_eq!(status.password, PacePassword::Can);
    assert_eq!(status.id_picc.len(), 48, "ID_PICC = x(PK_PICC) on P-384");
    assert!(card.has_secure_messaging_session());

    let r = channel.transmit(&mut card, &select_aid(PUBLIC_AID)).unwrap();
    assert_eq!((r.sw, r.data.len()), (0x9000, 0));
    for (sfi, expected) in expected_public_efs() {
        let r = channel.transmit(&mut card, &read_sfi(sfi)).unwrap();
        assert_eq!(r.sw, 0x6282, "EF with SFI {sfi:02X} is shorter than Ne 256");
        assert_eq!(r.data, expected, "EF with SFI {sfi:02X}");
    }
    // Read with an exact Le: 9000. Field 2 is `A2 0C 80 0A "A123456789"`.
    let r = channel.transmit(&mut card, &command(0x00, 0xB0, 0x82, 0x00, &[], Some(14))).unwrap();
    assert_eq!((r.sw, hex::encode_upper(&r.data)), (0x9000, "A20C800A41313233343536373839".to_string()));
    // The household zone is in every password's scope: the session survives.
    let r = channel.transmit(&mut card, &select_aid(HOUSEHOLD_AID)).unwrap();
    assert_eq!(r.sw, 0x9000);
    assert_eq!(channel.transmit(&mut card, &read_sfi(4)).unwrap().data, hex::decode(common::NEIGHBOURHOOD).unwrap());
}

#[test]
fn public_zone_refuses_plain_reads_and_a_plain_command_ends_the_session() {
    let mut card = pace_card(setup(), Interface::Contactless);
    assert_eq!(tx(&mut card, SELECT_PUBLIC), "9000");
    assert_eq!(tx(&mut card, "00B0810000"), "6982");
    assert_eq!(tx(&mut card, "00B0900000"), "6982", "EF.SOD too");

    let session = pace(&mut card, setup(), &secret(PacePassword::Can), 1).unwrap();
    let mut channel = Channel::new(session);
    channel.transmit(&mut card, &select_aid(PUBLIC_AID)).unwrap();
    // A plain READ BINARY right after PACE: processed plain → 6982, session gone.
    assert_eq!(tx(&mut card, "00B0810000"), "6982");
    assert!(!card.has_secure_messaging_session());
    assert!(card.security_status().pace.is_none());
    // The terminal's next protected command finds no session.
    assert_eq!(channel.transmit(&mut card, &read_sfi(1)), Err(0x6882));
}

#[test]
fn tampered_mac_is_6988_and_ends_the_session() {
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contactless);
    channel.transmit(&mut card, &select_aid(PUBLIC_AID)).unwrap();
    let mut bytes = channel.wrap(&read_sfi(1));
    // The MAC is the last 8 bytes before Le.
    let n = bytes.len();
    bytes[n - 2] ^= 0x01;
    assert_eq!(card.process(&bytes), vec![0x69, 0x88]);
    assert!(!card.has_secure_messaging_session());
    // A correctly wrapped command with the next SSC: the session is gone.
    assert_eq!(channel.transmit(&mut card, &read_sfi(1)), Err(0x6882));
}

#[test]
fn replayed_command_is_6988_and_ends_the_session() {
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contactless);
    let bytes = channel.wrap(&select_aid(PUBLIC_AID));
    let answer = card.process(&bytes);
    assert_eq!(channel.unwrap(&answer).unwrap().sw, 0x9000);
    // The same APDU again: the card's SSC has moved on, the MAC fails.
    assert_eq!(card.process(&bytes), vec![0x69, 0x88]);
    assert!(!card.has_secure_messaging_session());
    assert_eq!(channel.transmit(&mut card, &read_sfi(1)), Err(0x6882));
}

#[test]
fn missing_mac_is_6987_and_ends_the_session() {
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contactless);
    let bytes = channel.wrap(&read_sfi(1));
    // `0C B0 81 00 Lc 97 01 00 8E 08 MAC 00` → drop DO'8E'.
    let mut apdu = CommandApdu::parse(&bytes).unwrap();
    assert_eq!(&apdu.data[apdu.data.len() - 10..apdu.data.len() - 8], &[0x8E, 0x08]);
    apdu.data.truncate(apdu.data.len() - 10);
    assert_eq!(card.process(&apdu.to_bytes().unwrap()), vec![0x69, 0x87]);
    assert!(!card.has_secure_messaging_session());
    // SM bits in CLA without a session.
    assert_eq!(card.process(&bytes), vec![0x68, 0x82]);
}

#[test]
fn wrong_can_is_6300_then_the_right_can_succeeds() {
    let mut card = pace_card(setup(), Interface::Contactless);
    let wrong = PaceSecret::from_text(card_os::protocol::PacePassword::Can, "999999").unwrap();
    assert_eq!(pace(&mut card, setup(), &wrong, 2).unwrap_err(), PaceFailure { step: 4, sw: 0x6300 });
    assert!(!card.has_secure_messaging_session());
    assert!(card.security_status().pace.is_none());
    // The card still works: plain commands, then a PACE with the right CAN.
    assert_eq!(tx(&mut card, "00A4040C06D15800000101"), "9000");
    let session = pace(&mut card, setup(), &secret(PacePassword::Can), 3).unwrap();
    let mut channel = Channel::new(session);
    channel.transmit(&mut card, &select_aid(PUBLIC_AID)).unwrap();
    assert_eq!(channel.transmit(&mut card, &read_sfi(7)).unwrap().data, expected_public_efs()[6].1);
}

#[test]
fn pace_with_the_mrz_reads_public_and_keeps_the_session_in_the_icao_zone() {
    let (mut card, mut channel) = after_pace(PacePassword::Mrz, Interface::Contactless);
    assert_eq!(card.security_status().pace.as_ref().unwrap().password, PacePassword::Mrz);
    channel.transmit(&mut card, &select_aid(PUBLIC_AID)).unwrap();
    assert_eq!(channel.transmit(&mut card, &read_sfi(1)).unwrap().data, expected_public_efs()[0].1);
    // ICAO is in the MRZ's scope: DG1 (empty until the ICAO issue) reads under SM.
    assert_eq!(channel.transmit(&mut card, &select_aid(ICAO_AID)).unwrap().sw, 0x9000);
    let r = channel.transmit(&mut card, &read_sfi(1)).unwrap();
    assert_eq!((r.sw, r.data.len()), (0x6282, 0));
    assert!(card.has_secure_messaging_session());
}

#[test]
fn the_mrz_password_is_the_mrz_of_the_reference_holder() {
    // reference-citizens.toml, adult: line 1 "IDTWN2100123450…", line 2 "9003152M3603147TWN…":
    // check digits 0, 2, 7 → MRZ information "210012345 0 900315 2 360314 7".
    let from_lines = PaceSecret::mrz_information(b"210012345090031523603147");
    let mut card = pace_card(setup(), Interface::Contactless);
    assert!(pace(&mut card, setup(), &from_lines, 4).is_ok());
}

#[test]
fn a_can_session_ends_in_the_icao_zone_and_survives_in_the_certificate_zone() {
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contactless);
    // The SELECT itself is answered under SM, then the session ends.
    assert_eq!(channel.transmit(&mut card, &select_aid(ICAO_AID)).unwrap().sw, 0x9000);
    assert!(!card.has_secure_messaging_session(), "session must end in the ICAO zone");
    assert!(card.security_status().pace.is_none());
    assert_eq!(channel.transmit(&mut card, &select_aid(PUBLIC_AID)), Err(0x6882));
    // The certificate zone with secure messaging (the default) keeps CAN,
    // MRZ and PIN1 sessions (docs/spec/certificate-zone.md; more in certificate_card.rs).
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contactless);
    assert_eq!(channel.transmit(&mut card, &select_aid(CERTIFICATE_AID)).unwrap().sw, 0x9000);
    assert!(card.has_secure_messaging_session());
}

#[test]
fn pin_and_puk_work_on_contact_only() {
    for password in [PacePassword::Pin, PacePassword::Puk] {
        let (mut card, mut channel) = after_pace(password, Interface::Contact);
        assert_eq!(card.security_status().pace.as_ref().unwrap().password, password);
        // The public zone wants CAN or MRZ: 6982, answered under SM.
        channel.transmit(&mut card, &select_aid(PUBLIC_AID)).unwrap();
        assert_eq!(channel.transmit(&mut card, &read_sfi(1)).unwrap().sw, 0x6982);

        let mut card = pace_card(setup(), Interface::Contactless);
        assert_eq!(pace(&mut card, setup(), &secret(password), 5).unwrap_err(), PaceFailure { step: 0, sw: 0x6982 });
    }
    // A PIN session reaches the encrypted zone (its EFs still need TA: 6982).
    let (mut card, mut channel) = after_pace(PacePassword::Pin, Interface::Contact);
    assert_eq!(channel.transmit(&mut card, &select_aid(ENCRYPTED_AID)).unwrap().sw, 0x9000);
    assert!(card.has_secure_messaging_session());
    assert_eq!(channel.transmit(&mut card, &read_sfi(0x10)).unwrap().sw, 0x6282, "EF.SOD: SM{{PIN}}, contact");
    assert_eq!(channel.transmit(&mut card, &read_sfi(1)).unwrap().sw, 0x6982, "field 1 needs TA");
    // A CAN session does not.
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contact);
    channel.transmit(&mut card, &select_aid(ENCRYPTED_AID)).unwrap();
    assert!(!card.has_secure_messaging_session());
}

#[test]
fn every_curve_and_key_length_round_trips_through_the_card() {
    for domain in StandardizedDomainParameters::ALL {
        for cipher in PaceCipher::ALL {
            let setup = PaceSetup { domain, cipher };
            let mut card = pace_card(setup, Interface::Contactless);
            let session = pace(&mut card, setup, &secret(PacePassword::Can), u64::from(domain.id()))
                .unwrap_or_else(|e| panic!("{domain:?} {cipher:?}: {e:?}"));
            assert_eq!(session.cipher(), cipher);
            let mut channel = Channel::new(session);
            channel.transmit(&mut card, &select_aid(PUBLIC_AID)).unwrap();
            let r = channel.transmit(&mut card, &read_sfi(0x10)).unwrap();
            assert_eq!(r.data, SECURITY_OBJECT, "{domain:?} {cipher:?}");
            // The card offers only its own PACEInfo.
            let other = PaceSetup { domain, cipher: if cipher == PaceCipher::Aes128 { PaceCipher::Aes256 } else { PaceCipher::Aes128 } };
            assert_eq!(pace(&mut card, other, &secret(PacePassword::Can), 9).unwrap_err(), PaceFailure { step: 0, sw: 0x6A80 });
        }
    }
}

#[test]
fn ef_card_access_holds_the_cards_pace_info() {
    // ICAO 9303-11 Appendix G.1: AES-128, brainpoolP256r1 (13).
    let setup = PaceSetup { domain: StandardizedDomainParameters::BrainpoolP256r1, cipher: PaceCipher::Aes128 };
    let mut card = pace_card(setup, Interface::Contactless);
    assert_eq!(tx(&mut card, "00B09C0000"), "31143012060A04007F0007020204020202010202010D6282");
    // Reference profile: AES-256, NIST P-384 (15).
    let mut card = pace_card(PaceSetup::default(), Interface::Contact);
    assert_eq!(tx(&mut card, "00A4020C02011C"), "9000");
    assert_eq!(tx(&mut card, "00B0000016"), "31143012060A04007F00070202040204020102 02010F9000".replace(' ', ""));
}

#[test]
fn reset_clears_the_session() {
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contactless);
    card.power_on(Interface::Contactless);
    assert!(!card.has_secure_messaging_session());
    assert!(card.security_status().pace.is_none());
    assert_eq!(channel.transmit(&mut card, &select_aid(PUBLIC_AID)), Err(0x6882));
    // And the PACE parameters are gone too: GA without MSE.
    assert_eq!(tx(&mut card, "108600000 27C0000".replace(' ', "").as_str()), "6985");
}

#[test]
fn mse_set_at_errors() {
    let mut card = pace_card(setup(), Interface::Contact);
    let oid256 = "800A04007F00070202040204";
    for (data, sw) in [
        // Password reference 5 → referenced data not found.
        (format!("{oid256}830105"), "6A88"),
        // Integrated mapping OID: not the card's PACEInfo.
        ("800A04007F00070202040402830102".to_string(), "6A80"),
        // AES-128 GM: a real PACE protocol, but not this card's.
        ("800A04007F00070202040202830102".to_string(), "6A80"),
        // DO'84' names parameters 13, the card has 15.
        (format!("{oid256}83010284010D"), "6A80"),
        // Missing DO'83', duplicate DO'80', truncated TLV.
        (oid256.to_string(), "6A80"),
        (format!("{oid256}{oid256}830102"), "6A80"),
        (format!("{oid256}8301"), "6A80"),
        // With the right DO'84', and with the CHAT (stored, ignored).
        (format!("{oid256}83010284010F"), "9000"),
        (format!("{oid256}8301027F4C12060904007F0007030102025305000000000F"), "9000"),
    ] {
        let apdu = format!("0022C1A4{:02X}{data}", data.len() / 2);
        assert_eq!(tx(&mut card, &apdu), sw, "MSE data {data}");
    }
    assert_eq!(tx(&mut card, "0022C1A4"), "6700", "no data");
    // A password the card does not hold.
    let mut input = pace_input(setup());
    input.passwords.puk = None;
    let mut card = applets::card_with_rng(applets::personalize(&input).unwrap(), card_rng(1));
    assert_eq!(tx(&mut card, &format!("0022C1A40F{oid256}830104")), "6A88");
    assert_eq!(tx(&mut card, &format!("0022C1A40F{oid256}830102")), "9000");
}

#[test]
fn general_authenticate_errors_reset_the_run() {
    let mut card = pace_card(setup(), Interface::Contact);
    assert_eq!(tx(&mut card, "10860000027C0000"), "6985", "GA without MSE");
    assert_eq!(tx(&mut card, "0022C1A40F800A04007F00070202040204830102"), "9000");
    // Step 2 before step 1.
    let point = format!("04{}", "11".repeat(96));
    assert_eq!(tx(&mut card, &format!("10860000657C63 8161{point} 00").replace(' ', "")), "6985");
    // Step 1 without the chaining bit.
    assert_eq!(tx(&mut card, "00860000027C0000"), "6985");
    // Step 1, then a point that is not on the curve.
    let step1 = tx(&mut card, "10860000027C0000");
    assert!(step1.starts_with("7C128010") && step1.ends_with("9000"), "{step1}");
    assert_eq!(tx(&mut card, &format!("10860000657C63 8161{point} 00").replace(' ', "")), "6A80");
    // The run is gone: the same DO again is out of sequence.
    assert_eq!(tx(&mut card, &format!("10860000657C63 8161{point} 00").replace(' ', "")), "6985");
    // Malformed 7C, wrong P1-P2, Le absent.
    assert_eq!(tx(&mut card, "10860000027D0000"), "6A80");
    assert_eq!(tx(&mut card, "10860100027C0000"), "6A86");
    assert_eq!(tx(&mut card, "10860000027C00"), "6700");
    // The MSE parameters survive errors: a full run still works.
    assert!(pace(&mut card, setup(), &secret(PacePassword::Can), 11).is_ok());
}

#[test]
fn a_new_pace_during_a_session_ends_it_and_starts_a_new_one() {
    let (mut card, mut channel) = after_pace(PacePassword::Can, Interface::Contact);
    // MSE:Set AT under SM: answered under SM, then the session is over.
    let mse = hex::decode("800A04007F00070202040204830101").unwrap();
    let r = channel.transmit(&mut card, &command(0x00, 0x22, 0xC1, 0xA4, &mse, None)).unwrap();
    assert_eq!(r.sw, 0x9000);
    assert!(!card.has_secure_messaging_session());
    let session = pace(&mut card, setup(), &secret(PacePassword::Mrz), 12).unwrap();
    let mut channel = Channel::new(session);
    assert_eq!(card.security_status().pace.as_ref().unwrap().password, PacePassword::Mrz);
    assert_eq!(channel.transmit(&mut card, &select_aid(ICAO_AID)).unwrap().sw, 0x9000);
    // GA step 1 under SM ends the session as well.
    let r = channel.transmit(&mut card, &command(0x10, 0x86, 0, 0, &[0x7C, 0x00], Some(256))).unwrap();
    assert_eq!(r.sw, 0x9000);
    assert_eq!(&r.data[..3], &[0x7C, 0x12, 0x80]);
    assert!(!card.has_secure_messaging_session());
}

/// A lab card with EF.Scratch: chaining and extended length under SM.
#[test]
fn chaining_and_extended_length_under_sm() {
    let input = PersoInput { scratch_ef_size: Some(600), ..pace_input(setup()) };
    let mut card = applets::card_with_rng(applets::personalize(&input).unwrap(), card_rng(3));
    card.power_on(Interface::Contact);
    let session = pace(&mut card, setup(), &secret(PacePassword::Can), 13).unwrap();
    let mut channel = Channel::new(session);
    // UPDATE BINARY of EF.Scratch (SFI 10) in three protected parts.
    let parts: [(u8, Vec<u8>); 3] = [(0x10, vec![0xA1; 200]), (0x10, vec![0xB2; 200]), (0x00, vec![0xC3; 100])];
    for (cla, data) in &parts {
        let r = channel.transmit(&mut card, &command(*cla, 0xD6, 0x90, 0x00, data, None)).unwrap();
        assert_eq!(r.sw, 0x9000);
    }
    // Extended Le under SM: 500 bytes at once.
    let r = channel.transmit(&mut card, &command(0x00, 0xB0, 0x90, 0x00, &[], Some(500))).unwrap();
    assert_eq!(r.sw, 0x9000);
    let expected: Vec<u8> = parts.iter().flat_map(|(_, d)| d.clone()).collect();
    assert_eq!(r.data, expected);
    // Extended Lc under SM: 300 bytes written in one command.
    let r = channel.transmit(&mut card, &command(0x00, 0xD6, 0x90, 0x00, &[0x5A; 300], None)).unwrap();
    assert_eq!(r.sw, 0x9000);
    let r = channel.transmit(&mut card, &command(0x00, 0xB0, 0x90, 0x00, &[], Some(65_536))).unwrap();
    assert_eq!((r.sw, r.data.len(), r.data[299], r.data[300], r.data[400]), (0x6282, 600, 0x5A, 0xB2, 0xC3));
    // Response longer than Ne: 6Cxx, protected.
    let r = channel.transmit(&mut card, &command(0x00, 0xA4, 0x02, 0x04, &[0x2F, 0x10], Some(4))).unwrap();
    assert_eq!(r.sw >> 8, 0x6C);
}

#[test]
fn a_protected_chain_cannot_be_finished_in_plain() {
    let input = PersoInput { scratch_ef_size: Some(16), ..pace_input(setup()) };
    let mut card = applets::card_with_rng(applets::personalize(&input).unwrap(), card_rng(3));
    card.power_on(Interface::Contact);
    let mut channel = Channel::new(pace(&mut card, setup(), &secret(PacePassword::Can), 14).unwrap());
    assert_eq!(channel.transmit(&mut card, &command(0x10, 0xD6, 0x90, 0x00, &[1, 2], None)).unwrap().sw, 0x9000);
    // The plain last part ends the session and with it the protected chain:
    // it runs on its own, as a plain command.
    assert_eq!(tx(&mut card, "00D6900002 0304".replace(' ', "").as_str()), "9000");
    assert_eq!(tx(&mut card, "00B0900004"), "030400009000");
}

#[test]
fn personalization_checks_pace_input() {
    let with = |f: &dyn Fn(&mut PersoInput)| {
        let mut input = pace_input(setup());
        f(&mut input);
        applets::personalize(&input).map(|_| ())
    };
    assert_eq!(with(&|_| {}), Ok(()));
    let e = with(&|i| i.passwords.can = Some("12345".into())).unwrap_err();
    assert_eq!(e, PersoError::Password { field: "passwords.can", rule: "exactly 6 digits (chip.md)" });
    assert!(e.to_string().starts_with("passwords.can: "));
    assert!(matches!(with(&|i| i.passwords.pin = Some("12a456".into())), Err(PersoError::Password { field: "passwords.pin", .. })));
    assert!(matches!(with(&|i| i.passwords.puk = Some("short".into())), Err(PersoError::Password { field: "passwords.puk", .. })));
    assert!(matches!(with(&|i| i.passwords.puk = Some("Pässwort1".into())), Err(PersoError::Password { field: "passwords.puk", .. })));
    assert!(matches!(
        with(&|i| i.passwords.mrz.as_mut().unwrap().date_of_birth = "9003".into()),
        Err(PersoError::Password { field: "passwords.mrz.date_of_birth", .. })
    ));
    assert!(matches!(
        with(&|i| i.passwords.mrz.as_mut().unwrap().document_number = "21001234a".into()),
        Err(PersoError::Password { field: "passwords.mrz.document_number", .. })
    ));
    // No renewal date: the expiry field is fillers (reference senior holder).
    assert_eq!(with(&|i| i.passwords.mrz.as_mut().unwrap().date_of_expiry = "<<<<<<".into()), Ok(()));
    let e = with(&|i| i.public.as_mut().unwrap().fields[3] = vec![0xA1, 0x00]).unwrap_err();
    assert!(matches!(e, PersoError::PublicField { field: 4, .. }));
    assert!(e.to_string().contains("EF 0104"), "{e}");
    assert_eq!(
        with(&|i| i.public.as_mut().unwrap().security_object.clear()),
        Err(PersoError::PublicSecurityObjectEmpty)
    );
    assert_eq!(with(&|i| i.zones.public = false), Err(PersoError::PublicZoneDisabled));
    assert_eq!(with(&|i| { i.zones.public = false; i.public = None; }), Ok(()));
}

#[test]
fn senior_mrz_with_filler_expiry_authenticates() {
    // reference-citizens.toml, senior: "5501029M<<<<<<0TWN…", document 210098765 check digit 4.
    let mut input = pace_input(setup());
    input.passwords.mrz = Some(applets::MrzPassword {
        document_number: "210098765".into(),
        date_of_birth: "550102".into(),
        date_of_expiry: "<<<<<<".into(),
    });
    let mut card = applets::card_with_rng(applets::personalize(&input).unwrap(), card_rng(5));
    let secret = PaceSecret::mrz_information(b"21009876545501029<<<<<<0");
    assert!(pace(&mut card, setup(), &secret, 6).is_ok());
}

#[test]
fn a_card_without_rng_answers_6f00_to_pace() {
    let image = applets::personalize(&pace_input(setup())).unwrap();
    let mut card = applets::card(image);
    assert_eq!(tx(&mut card, "0022C1A40F800A04007F00070202040204830102"), "9000");
    assert_eq!(tx(&mut card, "10860000027C0000"), "6F00");
}
