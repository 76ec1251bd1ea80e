//! The certificate zone's files, access rules and issuer commands
//! (docs/spec/certificate-zone.md): the personalized PKCS#15 structure,
//! reads with and without secure messaging, the PACE scope, GENERATE
//! ASYMMETRIC KEY PAIR and PUT DATA with every status word, and the sweep
//! that no file ever holds private-key bytes.

mod certificate_support;
mod common;
mod pace_support;

use applets::certificate::{self, KEY_SLOTS, keys::PublicKey, pkcs15};
use card_os::{CardImage, Interface, PacePassword};
use certificate_support::*;
use p384::pkcs8::DecodePublicKey as _;
use rsa::traits::PublicKeyParts;

const ZONE_EFS: [u16; 17] = [
    0x5031, 0x5032, 0x4401, 0x4402, 0x4403, 0x4404, 0x4421, 0x4422, 0x4423, 0x4424, 0x4425, 0x4431, 0x4432, 0x4433,
    0x4434, 0x4435, 0x4436,
];

fn ef(image: &CardImage, fid: u16) -> Vec<u8> {
    certificate::directory::ef_data(image, fid).unwrap().to_vec()
}

#[test]
fn personalized_zone_holds_odf_token_info_and_aodf_only() {
    let image = personalized(true);
    assert_eq!(ef(&image, 0x5031), pkcs15::odf().unwrap());
    assert_eq!(ef(&image, 0x5032), pkcs15::token_info(CARD_NUMBER.as_bytes()).unwrap());
    assert_eq!(ef(&image, 0x4401), pkcs15::aodf().unwrap());
    for fid in ZONE_EFS.into_iter().skip(3) {
        assert!(ef(&image, fid).is_empty(), "EF {fid:04X} is empty before issuance");
    }
    assert_eq!(image.objects.get(certificate::OBJECT_CONFIG), Some(&vec![0x01, 0x01]));
    assert!(!certificate::secure_messaging(&personalized(false)));
    assert!(certificate::secure_messaging(&image));
    // EF.DIR names the zone.
    let dir = applets::card_manager::ef_dir_content(&applets::Zones::default());
    assert!(dir.windows(certificate::AID.len()).any(|w| w == certificate::AID));
}

#[test]
fn zone_options_follow_the_input() {
    let mut input = input(true);
    input.zones.certificate = false;
    assert!(matches!(applets::personalize(&input), Err(applets::PersoError::Certificate { .. })));
    input.certificate = None;
    let image = applets::personalize(&input).unwrap();
    assert!(image.mf.path_by_name(certificate::AID).is_none());
    let mut input = certificate_support::input(true);
    input.certificate = None;
    let image = applets::personalize(&input).unwrap();
    // The default: secure messaging, no serial number.
    assert!(certificate::secure_messaging(&image));
    assert_eq!(ef(&image, 0x5032), pkcs15::token_info(b"").unwrap());
    let mut input = certificate_support::input(true);
    input.certificate.as_mut().unwrap().card_number = "21001234X".into();
    assert!(matches!(applets::personalize(&input), Err(applets::PersoError::NotDigits { .. })));
}

#[test]
fn reads_need_secure_messaging_when_the_profile_asks() {
    for interface in [Interface::Contact, Interface::Contactless] {
        // Plain: every EF answers 6982.
        let mut plain = Terminal::new(issued(true), interface, None);
        assert_eq!(plain.select_zone(), SW_OK);
        for fid in ZONE_EFS {
            assert_eq!(plain.read_ef(fid), Err(0x6982), "EF {fid:04X}");
        }
        // After PACE with CAN, MRZ or PIN1: the session survives the
        // selection of the zone and every EF reads.
        for password in [PacePassword::Can, PacePassword::Mrz, PacePassword::Pin] {
            if interface == Interface::Contactless && password == PacePassword::Pin {
                continue; // PIN1 is contact only (pins.md).
            }
            let mut terminal = Terminal::new(issued(true), interface, Some(password));
            assert_eq!(terminal.select_zone(), SW_OK);
            assert!(terminal.card.has_secure_messaging_session(), "{password:?} session kept in the zone");
            for fid in ZONE_EFS {
                assert_eq!(terminal.read_ef(fid), Ok(ef(&issued(true), fid)), "EF {fid:04X}");
            }
        }
    }
    // A PUK session is outside the zone's scope: it ends after SELECT.
    let mut terminal = Terminal::new(issued(true), Interface::Contact, Some(PacePassword::Puk));
    assert_eq!(terminal.select_zone(), SW_OK);
    assert!(!terminal.card.has_secure_messaging_session());
}

#[test]
fn middleware_compat_reads_plain_and_keeps_no_session() {
    for interface in [Interface::Contact, Interface::Contactless] {
        let image = issued(false);
        let mut terminal = Terminal::new(image.clone(), interface, None);
        assert_eq!(terminal.select_zone(), SW_OK);
        for fid in ZONE_EFS {
            assert_eq!(terminal.read_ef(fid), Ok(ef(&image, fid)), "EF {fid:04X}");
        }
        let mut terminal = Terminal::new(image, interface, Some(PacePassword::Can));
        assert_eq!(terminal.select_zone(), SW_OK);
        assert!(!terminal.card.has_secure_messaging_session(), "no PACE scope without SM");
    }
}

#[test]
fn no_ef_can_be_updated() {
    for sm in [false, true] {
        let pace_with = sm.then_some(PacePassword::Can);
        let mut terminal = Terminal::new(issued(sm), Interface::Contact, pace_with);
        assert_eq!(terminal.select_zone(), SW_OK);
        for fid in ZONE_EFS {
            assert_eq!(terminal.sw(0x00, 0xA4, 0x02, 0x0C, &fid.to_be_bytes(), None), SW_OK);
            assert_eq!(terminal.sw(0x00, 0xD6, 0x00, 0x00, &[0x00], None), 0x6982, "EF {fid:04X}");
        }
    }
}

#[test]
fn generate_writes_the_public_key_efs_and_the_directory() {
    let mut image = personalized(true);
    let mut issuer = Direct::issuer(9);
    let mut answers = Vec::new();
    for slot in &KEY_SLOTS {
        let response = issuer.run(&mut image, &generate_apdu(slot.key_ref.value())).unwrap();
        answers.push(response.data);
        // Directory rebuilt in the same command: it names exactly the keys so far.
        let generated: Vec<_> = KEY_SLOTS.iter().take(answers.len()).map(|s| s.key_ref).collect();
        assert_eq!(ef(&image, 0x4402), pkcs15::prkdf(&generated).unwrap());
        assert_eq!(ef(&image, 0x4403), pkcs15::pukdf(&generated).unwrap());
        assert!(image.objects.contains_key(slot.object));
    }
    for (slot, answer) in KEY_SLOTS.iter().zip(&answers) {
        let key = private_key(&image, slot.key_ref.value());
        let public = key.public_key();
        assert_eq!(answer, &public.to_public_key_do());
        let spki = ef(&image, slot.public_key_fid);
        match &public {
            PublicKey::Rsa { modulus, exponent } => {
                // 7F49 82 0109 { 81 82 0100 n, 82 03 010001 }: 270 bytes.
                assert_eq!(answer.len(), 270);
                assert_eq!(&answer[..9], &[0x7F, 0x49, 0x82, 0x01, 0x09, 0x81, 0x82, 0x01, 0x00]);
                assert_eq!(&answer[265..], &[0x82, 0x03, 0x01, 0x00, 0x01]);
                assert_eq!(exponent, &vec![0x01, 0x00, 0x01]);
                let decoded = rsa::PublicKey::from_public_key_der(&spki).expect("SPKI of an RSA key");
                assert_eq!(decoded.n_bytes().as_ref(), modulus.as_slice());
                assert_eq!(decoded.size(), 256);
            }
            PublicKey::EcP384 { point } => {
                assert_eq!(answer.len(), 102);
                assert_eq!(&answer[..5], &[0x7F, 0x49, 0x63, 0x86, 0x61]);
                let decoded = p384::PublicKey::from_public_key_der(&spki).expect("SPKI of a P-384 key");
                assert_eq!(decoded, p384::PublicKey::from_sec1_bytes(point).unwrap());
            }
        }
    }
    // Two slots never share a key.
    assert_ne!(answers[2], answers[3]);
    assert_ne!(answers[0], answers[1]);
}

#[test]
fn regenerating_replaces_the_key_but_keeps_the_certificate() {
    let mut image = issued(true);
    let before = image.objects.get("cert.key.01").cloned();
    let certificate_before = ef(&image, 0x4433);
    let mut issuer = Direct::issuer(77);
    let answer = issuer.run(&mut image, &generate_apdu(0x01)).unwrap().data;
    assert_ne!(image.objects.get("cert.key.01").cloned(), before);
    assert_eq!(answer, private_key(&image, 1).public_key().to_public_key_do());
    assert_eq!(ef(&image, 0x4433), certificate_before);
    assert!(!ef(&image, 0x4404).is_empty());
}

#[test]
fn generate_status_words() {
    let mut image = personalized(true);
    let mut issuer = Direct::issuer(1);
    assert_eq!(issuer.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x01, &[0x00], Some(65536))), 0x6700);
    assert_eq!(issuer.sw(&mut image, &apdu(0x00, 0x46, 0x02, 0x01, &[], Some(65536))), 0x6A86);
    assert_eq!(issuer.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x06, &[], Some(65536))), 0x6A88);
    assert_eq!(issuer.sw(&mut image, &apdu(0x00, 0x46, 0x01, 0x01, &[], Some(65536))), 0x6A88, "no key yet");
    // Without an issuer session, on the contactless interface, or inside a
    // PACE session with PIN2: 6982.
    let mut holder = Direct { issuer_session: false, ..Direct::issuer(1) };
    holder.security.pin2_verified = true;
    assert_eq!(holder.sw(&mut image, &generate_apdu(0x01)), 0x6982);
    let mut contactless = Direct { interface: Interface::Contactless, ..Direct::issuer(1) };
    assert_eq!(contactless.sw(&mut image, &generate_apdu(0x01)), 0x6982);
    // No random source: 6F00, nothing written.
    let mut no_rng = Direct { rng: None, ..Direct::issuer(1) };
    assert_eq!(no_rng.sw(&mut image, &generate_apdu(0x03)), 0x6F00);
    assert_eq!(image, personalized(true));
    // The same through the card: no SCP03 session, 6982.
    let mut terminal = Terminal::new(image, Interface::Contact, None);
    assert_eq!(terminal.select_zone(), SW_OK);
    assert_eq!(terminal.sw(0x00, 0x46, 0x00, 0x01, &[], Some(65536)), 0x6982);
    assert_eq!(terminal.sw(0x00, 0x46, 0x00, 0x01, &[0x01], Some(65536)), 0x6700);
}

/// GENERATE whose Ne cannot hold DO'7F49' (RSA 270, EC 102 bytes, plus the
/// R-MAC of the session) answers 6Cxx before any key is drawn: without a
/// random source the answer is still 6Cxx, not 6F00.
#[test]
fn generate_refuses_a_short_ne_before_generating() {
    let mut image = personalized(true);
    let mut no_rng = Direct { rng: None, ..Direct::issuer(1) };
    assert_eq!(no_rng.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x01, &[], Some(256))), 0x6C00, "RSA: 270 bytes");
    assert_eq!(no_rng.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x03, &[], Some(101))), 0x6C66, "EC: 102 bytes");
    // Inside an R-MAC session the 8 bytes of the R-MAC count too.
    let mut r_mac = Direct { rng: None, response_mac_len: 8, ..Direct::issuer(1) };
    assert_eq!(r_mac.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x03, &[], Some(102))), 0x6C6E, "EC: 102 + 8 bytes");
    assert_eq!(r_mac.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x01, &[], Some(277))), 0x6C00, "RSA: 270 + 8 bytes");
    // An Ne that fits reaches the random source (6F00 here); Le absent too (no data is answered).
    assert_eq!(r_mac.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x03, &[], Some(110))), 0x6F00);
    assert_eq!(no_rng.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x01, &[], Some(270))), 0x6F00);
    assert_eq!(no_rng.sw(&mut image, &apdu(0x00, 0x46, 0x00, 0x01, &[], None)), 0x6F00);
    assert_eq!(image, personalized(true), "nothing written");
    for slot in &KEY_SLOTS {
        let answer = Direct::issuer(4).run(&mut image, &generate_apdu(slot.key_ref.value())).unwrap().data;
        assert_eq!(answer.len(), certificate::keys::public_key_do_len(slot.kind));
    }
}

/// P1 01 answers the key its public key EF holds (SubjectPublicKeyInfo),
/// without decoding the private key object.
#[test]
fn read_public_key_comes_from_the_public_key_ef() {
    let mut image = issued(true);
    let expected: Vec<_> =
        KEY_SLOTS.iter().map(|slot| private_key(&image, slot.key_ref.value()).public_key().to_public_key_do()).collect();
    // The private key objects gone, or not decodable: the answers stay.
    for (n, slot) in KEY_SLOTS.iter().enumerate() {
        if n % 2 == 0 {
            image.objects.remove(slot.object);
        } else {
            image.objects.insert(slot.object.to_string(), vec![0xFF; 3]);
        }
    }
    let mut issuer = Direct::issuer(6);
    for (slot, expected) in KEY_SLOTS.iter().zip(&expected) {
        let answer = issuer.run(&mut image, &apdu(0x00, 0x46, 0x01, slot.key_ref.value(), &[], Some(65536)));
        assert_eq!(answer.map(|r| r.data), Ok(expected.clone()), "key {:02X}", slot.key_ref.value());
    }
    // An empty public key EF: no key (6A88); a damaged one: 6F00; an RSA SPKI in an EC slot: 6F00.
    let with_ef = |fid: u16, content: Vec<u8>| {
        let mut image = issued(true);
        let at = certificate::directory::ef_ref(&image, fid).unwrap();
        image.mf.ef_at_mut(&at).unwrap().data = content;
        image
    };
    let rsa_spki = ef(&image, 0x4421);
    assert_eq!(issuer.sw(&mut with_ef(0x4423, Vec::new()), &apdu(0x00, 0x46, 0x01, 0x03, &[], Some(256))), 0x6A88);
    assert_eq!(issuer.sw(&mut with_ef(0x4423, vec![0x30, 0x00]), &apdu(0x00, 0x46, 0x01, 0x03, &[], Some(256))), 0x6F00);
    assert_eq!(issuer.sw(&mut with_ef(0x4423, rsa_spki), &apdu(0x00, 0x46, 0x01, 0x03, &[], Some(256))), 0x6F00);
}

/// One source for the secure-messaging option: the applet's, set from the
/// image's `cert.config` when the registry is built (`registry_for`).
#[test]
fn the_applet_option_decides_the_access_rules() {
    let mut image = issued(true);
    let compat = certificate::CertificateApplet::for_image(&issued(false));
    let strict = certificate::CertificateApplet::for_image(&image);
    let mut plain = Direct { issuer_session: false, ..Direct::issuer(7) };
    let read_key = apdu(0x00, 0x46, 0x01, 0x03, &[], Some(256));
    assert_eq!(plain.run_on(&strict, &mut image, &read_key).map(|r| r.sw), Err(card_os::StatusWord::SecurityStatusNotSatisfied));
    assert_eq!(plain.run_on(&compat, &mut image, &read_key).map(|r| r.data.len()), Ok(102));
    use card_os::Applet as _;
    assert!(strict.in_pace_scope(PacePassword::Can) && !compat.in_pace_scope(PacePassword::Can));
}

/// A proprietary class never reaches the zone's commands: 6E00, inside an
/// issuer session too (card-os hands the applet the unwrapped class 00).
#[test]
fn a_proprietary_class_is_6e00_in_every_context() {
    let mut image = issued(true);
    for cla in [0x80, 0x84] {
        assert_eq!(Direct::issuer(8).sw(&mut image, &apdu(cla, 0x46, 0x01, 0x03, &[], Some(256))), 0x6E00);
        assert_eq!(Direct::issuer(8).sw(&mut image, &apdu(cla, 0x46, 0x00, 0x03, &[], Some(256))), 0x6E00);
    }
}

/// Through the card in an R-MAC session (level 13): GENERATE's answer and
/// its R-MAC fit Ne together.
#[test]
fn generate_over_an_r_mac_session_counts_the_r_mac() {
    let image = with_issuer_keys(personalized(true));
    let mut card = applets::card_with_rng(image, pace_support::card_rng(32));
    card.power_on(Interface::Contact);
    assert_eq!(card.process(&apdu(0x00, 0xA4, 0x04, 0x0C, certificate::AID, None).to_bytes().unwrap()), [0x90, 0x00]);
    let mut issuer = IssuerChannel::open(&mut card);
    assert_eq!(issuer.transmit(&mut card, &apdu(0x00, 0x46, 0x00, 0x03, &[], Some(102))), (vec![], 0x6C6E));
    assert!(!card.image().objects.contains_key("cert.key.03"), "nothing generated");
    let (answer, sw) = issuer.transmit(&mut card, &apdu(0x00, 0x46, 0x00, 0x03, &[], Some(110)));
    assert_eq!((answer.len(), sw), (102, SW_OK));
    assert_eq!(issuer.transmit(&mut card, &apdu(0x00, 0x46, 0x01, 0x03, &[], Some(109))), (vec![], 0x6C6E));
    assert_eq!(issuer.transmit(&mut card, &apdu(0x00, 0x46, 0x01, 0x03, &[], Some(110))), (answer, SW_OK));
}

#[test]
fn read_public_key_needs_sm_or_issuer() {
    let image = issued(true);
    let mut terminal = Terminal::new(image.clone(), Interface::Contactless, Some(PacePassword::Can));
    assert_eq!(terminal.select_zone(), SW_OK);
    for slot in &KEY_SLOTS {
        let expected = private_key(&image, slot.key_ref.value()).public_key().to_public_key_do();
        let (data, sw) = terminal.send(0x00, 0x46, 0x01, slot.key_ref.value(), &[], Some(65536));
        assert_eq!((data, sw), (expected, SW_OK), "key {:02X}", slot.key_ref.value());
    }
    // The RSA answer is 270 bytes: a short Le gets 6C00.
    assert_eq!(terminal.sw(0x00, 0x46, 0x01, 0x01, &[], Some(256)), 0x6C00);
    assert_eq!(terminal.send(0x00, 0x46, 0x01, 0x03, &[], Some(256)).0.len(), 102);
    // Plain on an SM profile: 6982; plain on the compat profile: allowed.
    let mut plain = Terminal::new(image.clone(), Interface::Contact, None);
    assert_eq!(plain.select_zone(), SW_OK);
    assert_eq!(plain.sw(0x00, 0x46, 0x01, 0x03, &[], Some(256)), 0x6982);
    let mut compat = Terminal::new(issued(false), Interface::Contactless, None);
    assert_eq!(compat.select_zone(), SW_OK);
    assert_eq!(compat.sw(0x00, 0x46, 0x01, 0x03, &[], Some(256)), SW_OK);
    // The issuer may read too.
    let mut image = image;
    let answer = Direct::issuer(2).run(&mut image, &apdu(0x00, 0x46, 0x01, 0x05, &[], Some(256))).unwrap();
    assert_eq!(answer.data, private_key(&image, 5).public_key().to_public_key_do());
}

#[test]
fn put_data_writes_and_deletes_certificates() {
    let mut image = personalized(true);
    let mut issuer = Direct::issuer(3);
    let slots = &certificate::CERTIFICATE_SLOTS;
    for (written, slot) in slots.iter().enumerate() {
        let der = certificate(1000 + written, written as u8);
        assert_eq!(issuer.sw(&mut image, &put_data_apdu(slot.fid, &der)), SW_OK);
        assert_eq!(ef(&image, slot.fid), der);
        let present: Vec<_> = slots.iter().take(written + 1).collect();
        assert_eq!(ef(&image, 0x4404), pkcs15::cdf(&present).unwrap());
    }
    // The largest certificate, then a delete.
    assert_eq!(issuer.sw(&mut image, &put_data_apdu(0x4436, &certificate(3072, 0xEE))), SW_OK);
    assert_eq!(issuer.sw(&mut image, &put_data_apdu(0x4433, &[])), SW_OK);
    assert!(ef(&image, 0x4433).is_empty());
    let present: Vec<_> = slots.iter().filter(|slot| slot.fid != 0x4433).collect();
    assert_eq!(ef(&image, 0x4404), pkcs15::cdf(&present).unwrap());
}

#[test]
fn put_data_status_words() {
    let mut image = personalized(true);
    let mut issuer = Direct::issuer(4);
    let der = certificate(600, 0x42);
    assert_eq!(issuer.sw(&mut image, &put_data_apdu(0x4421, &der)), 0x6A88);
    assert_eq!(issuer.sw(&mut image, &put_data_apdu(0x4437, &der)), 0x6A88);
    assert_eq!(issuer.sw(&mut image, &put_data_apdu(0x4433, &certificate(3073, 0))), 0x6A80);
    assert_eq!(issuer.sw(&mut image, &put_data_apdu(0x4433, &der[..599])), 0x6A80);
    assert_eq!(issuer.sw(&mut image, &put_data_apdu(0x4433, &[0x31, 0x00])), 0x6A80);
    let mut not_issuer = Direct { issuer_session: false, ..Direct::issuer(4) };
    assert_eq!(not_issuer.sw(&mut image, &put_data_apdu(0x4433, &der)), 0x6982);
    let mut contactless = Direct { interface: Interface::Contactless, ..Direct::issuer(4) };
    assert_eq!(contactless.sw(&mut image, &put_data_apdu(0x4433, &der)), 0x6982);
    assert_eq!(image, personalized(true), "nothing written");
}

#[test]
fn put_data_accepts_command_chaining() {
    // Through the card, chained: the links are accepted (9000, not 6884);
    // the assembled command then meets the issuer rule (no SCP03 here).
    let mut terminal = Terminal::new(personalized(false), Interface::Contact, None);
    assert_eq!(terminal.select_zone(), SW_OK);
    let der = certificate(700, 0x33);
    let (first, rest) = der.split_at(255);
    let (second, last) = rest.split_at(255);
    assert_eq!(terminal.sw(0x10, 0xDA, 0x44, 0x33, first, None), SW_OK);
    assert_eq!(terminal.sw(0x10, 0xDA, 0x44, 0x33, second, None), SW_OK);
    assert_eq!(terminal.sw(0x00, 0xDA, 0x44, 0x33, last, None), 0x6982);
}

/// Every window of 16 bytes of every secret value (RSA d, p, q; EC scalar).
fn secret_windows(image: &CardImage) -> Vec<Vec<u8>> {
    let mut windows = Vec::new();
    for slot in &KEY_SLOTS {
        for secret in private_key(image, slot.key_ref.value()).secret_values() {
            assert!(secret.len() >= 48);
            windows.extend(secret.windows(16).map(<[u8]>::to_vec));
        }
    }
    windows
}

fn contains_any(haystack: &[u8], needles: &[Vec<u8>]) -> bool {
    needles.iter().any(|needle| haystack.windows(needle.len()).any(|w| w == needle.as_slice()))
}

fn every_ef(df: &card_os::fs::Df, out: &mut Vec<Vec<u8>>) {
    for child in &df.children {
        match child {
            card_os::fs::Node::Ef(ef) => out.push(ef.data.clone()),
            card_os::fs::Node::Df(df) => every_ef(df, out),
        }
    }
}

#[test]
fn no_file_ever_holds_private_key_bytes() {
    for sm in [true, false] {
        let image = issued(sm);
        let secrets = secret_windows(&image);
        // d, p and q of two RSA keys (at least 2 × (240 + 113 + 113) windows), three scalars (3 × 33).
        assert!(secrets.len() >= 2 * (240 + 113 + 113) + 3 * 33);
        // Every EF of the whole card, straight from the image.
        let mut contents = Vec::new();
        every_ef(&image.mf, &mut contents);
        for content in &contents {
            assert!(!contains_any(content, &secrets));
        }
        // Every SELECT / READ BINARY of the zone, as a terminal sees it.
        let pace_with = sm.then_some(PacePassword::Can);
        for interface in [Interface::Contact, Interface::Contactless] {
            let mut terminal = Terminal::new(image.clone(), interface, pace_with);
            assert_eq!(terminal.select_zone(), SW_OK);
            for fid in ZONE_EFS {
                let content = terminal.read_ef(fid).expect("zone EF reads");
                assert!(!contains_any(&content, &secrets), "EF {fid:04X}");
            }
            // Public keys and GENERATE answers neither.
            for slot in &KEY_SLOTS {
                let (data, _) = terminal.send(0x00, 0x46, 0x01, slot.key_ref.value(), &[], Some(65536));
                assert!(!data.is_empty());
                assert!(!contains_any(&data, &secrets));
            }
        }
    }
}

/// The issuer's side of SCP03 (scp03.md) on a card whose zone is selected.
struct IssuerChannel {
    session: card_os::protocol::scp03::HostSession,
}

impl IssuerChannel {
    fn open(card: &mut card_os::Card) -> IssuerChannel {
        use card_os::protocol::scp03::{self, HostSession, InitializeUpdateResponse, SecurityLevel, StaticKeys};
        let keys = StaticKeys { kvn: 0x30, enc: [0x40; 16], mac: [0x41; 16], dek: [0x42; 16] };
        let host_challenge = [0x11; 8];
        let answer = card.process(&scp03::initialize_update_command(0x30, &host_challenge));
        let (body, sw) = answer.split_at(answer.len() - 2);
        assert_eq!(sw, [0x90, 0x00], "INITIALIZE UPDATE");
        let response = InitializeUpdateResponse::parse(body).unwrap();
        let (session, external_authenticate) =
            HostSession::open(&keys, &host_challenge, &response, SecurityLevel::CDecCMacRMac).unwrap();
        scp03::check_external_authenticate(&card.process(&external_authenticate)).expect("session opens");
        IssuerChannel { session }
    }

    fn transmit(&mut self, card: &mut card_os::Card, apdu: &card_os::CommandApdu) -> (Vec<u8>, u16) {
        let wrapped = self.session.wrap_command(&apdu.to_bytes().unwrap()).unwrap();
        self.session.unwrap_response(&card.process(&wrapped)).unwrap()
    }
}

fn with_issuer_keys(mut image: CardImage) -> CardImage {
    use card_os::protocol::scp03::{StaticKeys, kdd_from_card_number};
    let keys = StaticKeys { kvn: 0x30, enc: [0x40; 16], mac: [0x41; 16], dek: [0x42; 16] };
    card_os::gp::install_keys(&mut image, &keys, &kdd_from_card_number(CARD_NUMBER).unwrap());
    image
}

#[test]
fn issuance_over_scp03_through_the_card() {
    let image = with_issuer_keys(personalized(true));
    let mut card = applets::card_with_rng(image, pace_support::card_rng(31));
    card.power_on(Interface::Contact);
    // SELECT first: selecting an application ends an SCP03 session.
    assert_eq!(card.process(&apdu(0x00, 0xA4, 0x04, 0x0C, certificate::AID, None).to_bytes().unwrap()), [0x90, 0x00]);
    let mut issuer = IssuerChannel::open(&mut card);
    for slot in &KEY_SLOTS {
        let (answer, sw) = issuer.transmit(&mut card, &generate_apdu(slot.key_ref.value()));
        assert_eq!(sw, SW_OK, "GENERATE {:02X}", slot.key_ref.value());
        assert_eq!(answer, private_key(card.image(), slot.key_ref.value()).public_key().to_public_key_do());
    }
    // A certificate in a chain of wrapped links (CLA 10 → 94).
    let der = certificate(1500, 0x5C);
    let links: Vec<_> = der.chunks(200).collect();
    for (n, link) in links.iter().enumerate() {
        let cla = if n + 1 < links.len() { 0x10 } else { 0x00 };
        let (_, sw) = issuer.transmit(&mut card, &apdu(cla, 0xDA, 0x44, 0x33, link, None));
        assert_eq!(sw, SW_OK, "link {n}");
    }
    assert_eq!(ef(card.image(), 0x4433), der);
    assert_eq!(ef(card.image(), 0x4404), pkcs15::cdf(&[&certificate::CERTIFICATE_SLOTS[2]]).unwrap());
    // The issuer cannot use a private key, not even after reading its public key.
    assert_eq!(
        issuer.transmit(&mut card, &apdu(0x00, 0x22, 0x41, 0xB6, &[0x80, 0x01, 0x02, 0x84, 0x01, 0x01], None)).1,
        0x6982
    );
    assert_eq!(issuer.transmit(&mut card, &apdu(0x00, 0x46, 0x01, 0x03, &[], Some(256))).1, SW_OK);
    // Keys generated over SCP03 sign for the holder afterwards.
    let image = card.into_image();
    let mut holder = Terminal::holder(image.clone(), true);
    assert_eq!(holder.mse_set(0xB6, 0x40, 0x03), SW_OK);
    assert_eq!(holder.compute_signature(&[0x42; 48]).1, SW_OK);
}
