//! The certificate zone against the real card runtime (card-os + applets),
//! personalized from the reference profiles in process: keys generated and
//! certificates issued at personalization (docs/spec/certificate-zone.md
//! §Issuance). Every signature is verified and every cryptogram made with the
//! public key the card gave; ECDH is recomputed on the terminal.

use std::path::{Path, PathBuf};

use emulator::{Emulator, Interface, NeidCard};
use p384::ecdsa::signature::hazmat::PrehashVerifier;
use p384::elliptic_curve::sec1::ToSec1Point;
use pki::HashAlgorithm;
use profiles::Profile;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss};
use terminal::certs::{
    CertificateZone, CertsError, DecipherMechanism, KeyAlgorithm, KeySlot, PublicKeyValue, SignMechanism, TokenObjects,
};
use terminal::{InProcessTransport, digest_info};

const CAN: &str = "012345";
const PIN2: &str = "13572468";
const WRONG_PIN2: &str = "11112222";

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/reference").join(format!("{name}.toml"))
}

fn card(name: &str, interface: Interface) -> InProcessTransport<NeidCard> {
    let profile = Profile::from_file(reference(name)).expect("reference profile");
    let emulator: Emulator<NeidCard> = emulator::emulator_for(&profile, interface).expect("reference card");
    InProcessTransport::new(emulator)
}

fn rsa_key(objects: &TokenObjects, slot: KeySlot) -> rsa::PublicKey {
    let key = objects.key(slot).unwrap_or_else(|| panic!("{slot} generated"));
    rsa::PublicKey::from_public_key_der(&key.spki_der).expect("RSA SubjectPublicKeyInfo")
}

fn ec_key(objects: &TokenObjects, slot: KeySlot) -> p384::ecdsa::VerifyingKey {
    let key = objects.key(slot).unwrap_or_else(|| panic!("{slot} generated"));
    let PublicKeyValue::Ec { point, .. } = key.public_key().unwrap() else { panic!("{slot}: EC key") };
    p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).expect("P-384 point")
}

fn verify_ecdsa(key: &p384::ecdsa::VerifyingKey, hash: &[u8], signature: &[u8]) {
    assert_eq!(signature.len(), 96, "r‖s");
    let signature = p384::ecdsa::Signature::from_slice(signature).expect("r‖s");
    key.verify_prehash(hash, &signature).expect("ECDSA signature verifies");
}

#[test]
fn adult_zone_lists_keys_and_certificates_under_sm() {
    let mut card = card("adult", Interface::Contact);
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    assert!(zone.is_secure());
    let objects = zone.read_objects().unwrap();
    assert_eq!(objects.serial, "210012345");
    assert_eq!(objects.label, "Taiwan New eID");
    assert_eq!((objects.pin2_min, objects.pin2_max), (8, 12));
    let keys: Vec<_> = objects.keys.iter().map(|k| (k.slot, k.algorithm, k.label.as_str(), k.id.clone())).collect();
    assert_eq!(
        keys,
        vec![
            (KeySlot::SignAuth, KeyAlgorithm::Rsa2048, "Signature and authentication key", vec![1]),
            (KeySlot::Decipher, KeyAlgorithm::Rsa2048, "Encipherment key", vec![2]),
            (KeySlot::Ecc1, KeyAlgorithm::EcP384, "ECC key 1", vec![3]),
            (KeySlot::Ecc2, KeyAlgorithm::EcP384, "ECC key 2", vec![4]),
            (KeySlot::Ecc3, KeyAlgorithm::EcP384, "ECC key 3", vec![5]),
        ]
    );
    let certificates: Vec<_> =
        objects.certificates.iter().map(|c| (c.fid, c.label.as_str(), c.id.clone(), c.authority)).collect();
    assert_eq!(
        certificates,
        vec![
            (0x4431, "Root CA certificate", vec![0x11], true),
            (0x4432, "Citizen CA certificate", vec![0x12], true),
            (0x4433, "Signature and authentication certificate", vec![1], false),
            (0x4434, "Encipherment certificate", vec![2], false),
            (0x4435, "ECC certificate 1", vec![3], false),
        ]
    );
    // Each user certificate certifies the key of the same iD.
    for slot in [KeySlot::SignAuth, KeySlot::Decipher, KeySlot::Ecc1] {
        let key = objects.key(slot).unwrap();
        let certificate = objects.certificate_of(key).unwrap();
        let details = certificate.details().unwrap();
        assert_eq!(details.spki_der, key.spki_der, "{slot}");
        assert!(details.subject.contains("C=TW"), "{}", details.subject);
    }
    // The chain: user certificate issued by the intermediate, intermediate by the root.
    let root = objects.certificates[0].details().unwrap();
    let intermediate = objects.certificates[1].details().unwrap();
    assert_eq!(intermediate.issuer, root.subject);
    assert_eq!(objects.certificates[2].details().unwrap().issuer, intermediate.subject);
    assert_eq!(zone.pin2_tries_left().unwrap(), Some(3));
}

#[test]
fn signatures_verify_with_the_public_keys_of_the_card() {
    let mut card = card("adult", Interface::Contact);
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    let objects = zone.read_objects().unwrap();
    zone.verify_pin2(PIN2).unwrap();
    let message = b"neid certificate zone: signed on the card";

    let rsa = rsa_key(&objects, KeySlot::SignAuth);
    for hash in HashAlgorithm::ALL {
        let info = digest_info::hash_and_encode(hash, message);
        let signature = zone.sign(KeySlot::SignAuth, SignMechanism::RsaPkcs1, &info).unwrap();
        assert_eq!(signature.len(), 256);
        let scheme = Pkcs1v15Sign { hash_len: Some(hash.output_len()), prefix: digest_info::prefix(hash).into() };
        rsa.verify(scheme, &hash.digest(message), &signature).unwrap_or_else(|e| panic!("{hash:?}: {e}"));
    }
    for (hash, salt) in [(HashAlgorithm::Sha256, 32), (HashAlgorithm::Sha384, 48), (HashAlgorithm::Sha512, 64)] {
        let digest = hash.digest(message);
        let signature = zone.sign(KeySlot::SignAuth, SignMechanism::RsaPss, &digest).unwrap();
        let verified = match hash {
            HashAlgorithm::Sha256 => rsa.verify(Pss::<sha2::Sha256>::new_with_salt(salt), &digest, &signature),
            HashAlgorithm::Sha384 => rsa.verify(Pss::<sha2::Sha384>::new_with_salt(salt), &digest, &signature),
            _ => rsa.verify(Pss::<sha2::Sha512>::new_with_salt(salt), &digest, &signature),
        };
        verified.unwrap_or_else(|e| panic!("PSS {hash:?}: {e}"));
    }
    for slot in [KeySlot::Ecc1, KeySlot::Ecc2, KeySlot::Ecc3] {
        let hash = HashAlgorithm::Sha384.digest(message);
        let signature = zone.sign(slot, SignMechanism::Ecdsa, &hash).unwrap();
        verify_ecdsa(&ec_key(&objects, slot), &hash, &signature);
    }
    // A SHA-256 hash with a P-384 key: used whole (shorter than the order).
    let short = HashAlgorithm::Sha256.digest(message);
    let signature = zone.sign(KeySlot::Ecc1, SignMechanism::Ecdsa, &short).unwrap();
    verify_ecdsa(&ec_key(&objects, KeySlot::Ecc1), &short, &signature);

    // INTERNAL AUTHENTICATE: PKCS#1 v1.5 of a TLS-style DigestInfo, ECDSA of a hash.
    let info = digest_info::hash_and_encode(HashAlgorithm::Sha256, b"TLS handshake");
    let signature = zone.internal_authenticate(KeySlot::SignAuth, &info).unwrap();
    rsa.verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &HashAlgorithm::Sha256.digest(b"TLS handshake"), &signature)
        .expect("INTERNAL AUTHENTICATE RSA verifies");
    let hash = HashAlgorithm::Sha384.digest(b"TLS handshake");
    let signature = zone.internal_authenticate(KeySlot::Ecc2, &hash).unwrap();
    verify_ecdsa(&ec_key(&objects, KeySlot::Ecc2), &hash, &signature);
}

#[test]
fn cryptograms_made_with_the_public_key_decipher_on_the_card() {
    let mut card = card("adult", Interface::Contact);
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    let objects = zone.read_objects().unwrap();
    zone.verify_pin2(PIN2).unwrap();
    let key = rsa_key(&objects, KeySlot::Decipher);
    let mut rng = rand::rng();
    let secret = b"a 32-byte content-encryption key";
    let cases = [
        (DecipherMechanism::RsaOaepSha256, key.encrypt(&mut rng, Oaep::<sha2::Sha256>::new(), secret).unwrap()),
        (DecipherMechanism::RsaOaepSha1, key.encrypt(&mut rng, Oaep::<sha1::Sha1>::new(), secret).unwrap()),
        (DecipherMechanism::RsaPkcs1, key.encrypt(&mut rng, Pkcs1v15Encrypt, secret).unwrap()),
    ];
    for (mechanism, cryptogram) in cases {
        assert_eq!(cryptogram.len(), 256);
        let plain = zone.decipher(KeySlot::Decipher, mechanism, &cryptogram).unwrap();
        assert_eq!(plain, secret, "{mechanism:?}");
    }
    // OAEP-SHA-256 cryptogram deciphered as OAEP-SHA-1: the padding does not check.
    let cryptogram = key.encrypt(&mut rng, Oaep::<sha2::Sha256>::new(), secret).unwrap();
    let error = zone.decipher(KeySlot::Decipher, DecipherMechanism::RsaOaepSha1, &cryptogram).unwrap_err();
    assert_eq!(error.sw(), Some(0x6A80), "{error}");
    // The key stays usable: PIN2 is still verified.
    assert_eq!(zone.decipher(KeySlot::Decipher, DecipherMechanism::RsaOaepSha256, &cryptogram).unwrap(), secret);
}

#[test]
fn ecdh_agrees_with_the_terminal() {
    let mut card = card("adult", Interface::Contact);
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    let objects = zone.read_objects().unwrap();
    zone.verify_pin2(PIN2).unwrap();
    let ephemeral = p384::SecretKey::from_slice(&[0x42; 48]).unwrap();
    let peer = ephemeral.public_key().to_sec1_point(false);
    let shared = zone.ecdh(KeySlot::Ecc3, peer.as_bytes()).unwrap();
    let card_key = p384::PublicKey::from_sec1_bytes(ec_key(&objects, KeySlot::Ecc3).to_sec1_point(false).as_bytes())
        .expect("the card's P-384 key");
    let expected = p384::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), card_key.as_affine());
    assert_eq!(shared.as_slice(), expected.raw_secret_bytes().as_slice());
}

#[test]
fn generated_public_key_needs_extended_le_inside_sm() {
    let mut card = card("adult", Interface::Contact);
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    let rsa = zone.generated_public_key(KeySlot::SignAuth).unwrap();
    // 7F49 82 0109 { 81 82 0100 modulus, 82 03 010001 }: 5 + 260 + 5 = 270
    // bytes (certificate-zone.md §GENERATE).
    assert_eq!(rsa.len(), 270);
    assert_eq!(&rsa[..5], &[0x7F, 0x49, 0x82, 0x01, 0x09]);
    let ec = zone.generated_public_key(KeySlot::Ecc1).unwrap();
    assert_eq!(&ec[..5], &[0x7F, 0x49, 0x63, 0x86, 0x61]);
}

#[test]
fn wrong_pin2_three_times_blocks_the_keys() {
    let mut card = card("adult", Interface::Contact);
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    for left in [2u8, 1, 0] {
        match zone.verify_pin2(WRONG_PIN2) {
            Err(CertsError::WrongPin2 { tries_left }) => assert_eq!(tries_left, left),
            other => panic!("wrong PIN2: {other:?}"),
        }
    }
    assert!(matches!(zone.verify_pin2(PIN2), Err(CertsError::Pin2Blocked)));
    assert_eq!(zone.pin2_tries_left().unwrap(), Some(0));
    let hash = HashAlgorithm::Sha384.digest(b"x");
    let error = zone.sign(KeySlot::Ecc1, SignMechanism::Ecdsa, &hash).unwrap_err();
    assert_eq!(error.sw(), Some(0x6982), "{error}");
}

#[test]
fn pin2_survives_a_new_pace_but_not_a_reset_and_can_be_cleared() {
    let mut card = card("adult", Interface::Contact);
    {
        let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
        zone.verify_pin2(PIN2).unwrap();
        assert_eq!(zone.pin2_tries_left().unwrap(), None);
    }
    let hash = HashAlgorithm::Sha384.digest(b"x");
    {
        let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
        zone.sign(KeySlot::Ecc1, SignMechanism::Ecdsa, &hash).expect("still verified after a new PACE");
        zone.clear_pin2().unwrap();
        assert_eq!(zone.sign(KeySlot::Ecc1, SignMechanism::Ecdsa, &hash).unwrap_err().sw(), Some(0x6982));
        zone.verify_pin2(PIN2).unwrap();
    }
    terminal::Transport::reset(&mut card).unwrap();
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    assert_eq!(zone.pin2_tries_left().unwrap(), Some(3));
}

#[test]
fn sm_zone_read_in_plain_asks_for_the_can() {
    let mut card = card("adult", Interface::Contact);
    let mut zone = CertificateZone::open(&mut card, None).unwrap();
    let error = zone.read_objects().unwrap_err();
    assert!(matches!(error, CertsError::NeedsSecureMessaging { .. }), "{error:?}");
}

#[test]
fn middleware_compat_zone_works_in_plain() {
    let mut card = card("adult-middleware-compat", Interface::Contact);
    let mut zone = CertificateZone::open(&mut card, None).unwrap();
    assert!(!zone.is_secure());
    let objects = zone.read_objects().unwrap();
    assert_eq!(objects.keys.len(), 5);
    zone.verify_pin2(PIN2).unwrap();
    let info = digest_info::hash_and_encode(HashAlgorithm::Sha256, b"plain");
    let signature = zone.sign(KeySlot::SignAuth, SignMechanism::RsaPkcs1, &info).unwrap();
    rsa_key(&objects, KeySlot::SignAuth)
        .verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &HashAlgorithm::Sha256.digest(b"plain"), &signature)
        .unwrap();
    let key = rsa_key(&objects, KeySlot::Decipher);
    let cryptogram = key.encrypt(&mut rand::rng(), Oaep::<sha2::Sha256>::new(), b"plain secret").unwrap();
    assert_eq!(
        zone.decipher(KeySlot::Decipher, DecipherMechanism::RsaOaepSha256, &cryptogram).unwrap(),
        b"plain secret"
    );
}

#[test]
fn middleware_compat_zone_opened_with_the_can_says_to_drop_it() {
    let mut card = card("adult-middleware-compat", Interface::Contact);
    // The SELECT is answered under SM, then the zone (outside every PACE scope) ends the session.
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    let error = zone.read_objects().unwrap_err();
    assert!(matches!(error, CertsError::Card { .. }), "{error:?}");
    assert!(error.to_string().starts_with("the card ended the PACE session"), "{error}");
    assert!(error.to_string().contains("open it without the CAN: card answered 6882"), "{error}");
}

#[test]
fn key_use_is_contact_only() {
    let mut card = card("adult", Interface::Contactless);
    let mut zone = CertificateZone::open(&mut card, Some(CAN)).unwrap();
    // Reads work on both interfaces…
    assert_eq!(zone.read_objects().unwrap().keys.len(), 5);
    // …PIN2 and key use only on contact.
    let error = zone.verify_pin2(PIN2).unwrap_err();
    assert_eq!(error.sw(), Some(0x6982), "{error}");
}
