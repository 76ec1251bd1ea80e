//! The certificate zone's private-key commands through `Card::process`
//! (docs/spec/certificate-zone.md §MSE:SET … §INTERNAL AUTHENTICATE):
//! every algorithm's result checked with the public key the card generated
//! (RSA PKCS#1 v1.5 and PSS signatures, PKCS#1 v1.5 and OAEP decryption,
//! ECDSA, ECDH against a terminal key), and every status word.

mod certificate_support;
mod common;
mod pace_support;

use applets::certificate::keys::PublicKey;
use card_os::{CardImage, Interface, PacePassword, SecurityStatus};
use certificate_support::*;
use p384::ecdsa::signature::hazmat::PrehashVerifier;
use p384::ecdsa::{Signature, VerifyingKey};
use p384::elliptic_curve::Generate;
use p384::elliptic_curve::sec1::ToSec1Point;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rsa::{Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss};
use sha2::{Digest, Sha256, Sha384, Sha512};

const DST: u8 = 0xB6;
const CT: u8 = 0xB8;

fn rsa_public(image: &CardImage, key_ref: u8) -> rsa::PublicKey {
    match private_key(image, key_ref).public_key() {
        PublicKey::Rsa { modulus, exponent } => rsa::PublicKey::new(
            rsa::BoxedUint::from_be_slice_vartime(&modulus),
            rsa::BoxedUint::from_be_slice_vartime(&exponent),
        )
        .unwrap(),
        PublicKey::EcP384 { .. } => panic!("key {key_ref:02X} is RSA"),
    }
}

fn ec_public(image: &CardImage, key_ref: u8) -> p384::PublicKey {
    match private_key(image, key_ref).public_key() {
        PublicKey::EcP384 { point } => p384::PublicKey::from_sec1_bytes(&point).unwrap(),
        PublicKey::Rsa { .. } => panic!("key {key_ref:02X} is EC"),
    }
}

/// DigestInfo for SHA-256 (RFC 8017 §9.2 note 1) ‖ hash.
fn sha256_digest_info(message: &[u8]) -> Vec<u8> {
    let mut out = vec![
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
        0x20,
    ];
    out.extend_from_slice(&Sha256::digest(message));
    out
}

fn verify_ecdsa(public: &p384::PublicKey, hash: &[u8], signature: &[u8]) {
    assert_eq!(signature.len(), 96);
    let signature = Signature::from_slice(signature).unwrap();
    VerifyingKey::from(public).verify_prehash(hash, &signature).expect("ECDSA signature verifies");
}

#[test]
fn rsa_pkcs1_signature_verifies() {
    for sm in [true, false] {
        let image = issued(sm);
        let public = rsa_public(&image, 1);
        let mut terminal = Terminal::holder(image, sm);
        assert_eq!(terminal.mse_set(DST, 0x02, 0x01), SW_OK);
        let (signature, sw) = terminal.compute_signature(&sha256_digest_info(b"contract"));
        assert_eq!(sw, SW_OK);
        assert_eq!(signature.len(), 256);
        public.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(b"contract"), &signature).expect("verifies");
        // Any data up to 245 bytes: the signature opens to 00 01 FF.. 00 ‖ data.
        let data = [0x5A; 245];
        let (signature, sw) = terminal.compute_signature(&data);
        assert_eq!(sw, SW_OK);
        public.verify(Pkcs1v15Sign::new_unprefixed(), &data, &signature).expect("raw PKCS#1 v1.5 verifies");
    }
}

#[test]
fn rsa_pss_signature_verifies_for_each_hash_length() {
    let image = issued(true);
    let public = rsa_public(&image, 1);
    let mut terminal = Terminal::holder(image, true);
    assert_eq!(terminal.mse_set(DST, 0x05, 0x01), SW_OK);
    let message = b"PSS over the hash";
    let (signature, sw) = terminal.compute_signature(&Sha256::digest(message));
    assert_eq!(sw, SW_OK);
    public.verify(Pss::<Sha256>::new(), &Sha256::digest(message), &signature).expect("PSS-SHA256 verifies");
    let (signature, _) = terminal.compute_signature(&Sha384::digest(message));
    public.verify(Pss::<Sha384>::new(), &Sha384::digest(message), &signature).expect("PSS-SHA384 verifies");
    let (signature, _) = terminal.compute_signature(&Sha512::digest(message));
    public.verify(Pss::<Sha512>::new(), &Sha512::digest(message), &signature).expect("PSS-SHA512 verifies");
    // Salt length = hash length: a verifier expecting another salt refuses.
    assert!(public.verify(Pss::<Sha512>::new_with_salt(20), &Sha512::digest(message), &signature).is_err());
}

#[test]
fn ecdsa_signature_verifies_with_each_ec_key() {
    let image = issued(true);
    let mut terminal = Terminal::holder(image.clone(), true);
    for key_ref in [3, 4, 5] {
        let public = ec_public(&image, key_ref);
        assert_eq!(terminal.mse_set(DST, 0x40, key_ref), SW_OK);
        for hash in [Sha384::digest(b"m").to_vec(), Sha256::digest(b"m").to_vec(), Sha512::digest(b"m").to_vec()] {
            let (signature, sw) = terminal.compute_signature(&hash);
            assert_eq!(sw, SW_OK);
            verify_ecdsa(&public, &hash, &signature);
        }
        // A one-byte "hash" is the integer it spells (FIPS 186-4 §6.4).
        let (signature, sw) = terminal.compute_signature(&[0x07]);
        assert_eq!(sw, SW_OK);
        let mut field = [0u8; 48];
        field[47] = 0x07;
        verify_ecdsa(&public, &field, &signature);
    }
}

#[test]
fn rsa_decipher_pkcs1_and_oaep() {
    let image = issued(true);
    let public = rsa_public(&image, 2);
    let mut rng = StdRng::seed_from_u64(40);
    let mut terminal = Terminal::holder(image, true);
    let secret = b"a 32-byte AES key for the session";
    // RSAES-PKCS1-v1_5, extended length.
    assert_eq!(terminal.mse_set(CT, 0x1A, 0x02), SW_OK);
    let cryptogram = public.encrypt(&mut rng, Pkcs1v15Encrypt, secret).unwrap();
    let input = [&[0x00][..], &cryptogram].concat();
    assert_eq!(terminal.decipher(&input), (secret.to_vec(), SW_OK));
    // The same in a chain of short commands (CLA 10).
    assert_eq!(terminal.sw(0x10, 0x2A, 0x80, 0x86, &input[..200], None), SW_OK);
    assert_eq!(terminal.send(0x00, 0x2A, 0x80, 0x86, &input[200..], Some(256)), (secret.to_vec(), SW_OK));
    // OAEP with SHA-1 and with SHA-256.
    assert_eq!(terminal.mse_set(CT, 0x1B, 0x02), SW_OK);
    let cryptogram = public.encrypt(&mut rng, Oaep::<sha1::Sha1>::new(), secret).unwrap();
    assert_eq!(terminal.decipher(&[&[0x00][..], &cryptogram].concat()), (secret.to_vec(), SW_OK));
    assert_eq!(terminal.mse_set(CT, 0x1C, 0x02), SW_OK);
    let cryptogram = public.encrypt(&mut rng, Oaep::<Sha256>::new(), secret).unwrap();
    assert_eq!(terminal.decipher(&[&[0x00][..], &cryptogram].concat()), (secret.to_vec(), SW_OK));
    // OAEP-SHA256 refuses a SHA-1 cryptogram (bad padding) with 6A80.
    let wrong = public.encrypt(&mut rng, Oaep::<sha1::Sha1>::new(), secret).unwrap();
    assert_eq!(terminal.decipher(&[&[0x00][..], &wrong].concat()).1, 0x6A80);
}

#[test]
fn pkcs1_decipher_uses_implicit_rejection() {
    let image = issued(false);
    let public = rsa_public(&image, 2);
    let mut terminal = Terminal::holder(image, false);
    assert_eq!(terminal.mse_set(CT, 0x1A, 0x02), SW_OK);
    // An OAEP cryptogram has no PKCS#1 v1.5 padding: no error, but a
    // deterministic pseudo-random plaintext (no padding oracle).
    let mut rng = StdRng::seed_from_u64(41);
    let cryptogram = public.encrypt(&mut rng, Oaep::<Sha256>::new(), b"secret").unwrap();
    let input = [&[0x00][..], &cryptogram].concat();
    let (first, sw) = terminal.decipher(&input);
    assert_eq!(sw, SW_OK);
    assert_ne!(first, b"secret".to_vec());
    assert_eq!(terminal.decipher(&input), (first, SW_OK));
    // A cryptogram not below the modulus is refused.
    assert_eq!(terminal.decipher(&[&[0x00][..], &[0xFF; 256][..]].concat()).1, 0x6A80);
}

#[test]
fn ecdh_matches_the_terminal_side() {
    let image = issued(true);
    let mut rng = StdRng::seed_from_u64(42);
    let mut terminal = Terminal::holder(image.clone(), true);
    for key_ref in [3, 4, 5] {
        let other = p384::SecretKey::generate_from_rng(&mut rng);
        let point = other.public_key().as_affine().to_sec1_point(false).as_bytes().to_vec();
        let expected = p384::ecdh::diffie_hellman(other.to_nonzero_scalar(), ec_public(&image, key_ref).as_affine());
        assert_eq!(terminal.mse_set(CT, 0x60, key_ref), SW_OK);
        let (shared, sw) = terminal.decipher(&[&[0x00][..], &point].concat());
        assert_eq!(sw, SW_OK);
        assert_eq!(shared.as_slice(), expected.raw_secret_bytes().as_slice());
        assert_eq!(shared.len(), 48);
    }
    // Not on the curve, compressed, wrong indicator: 6A80; wrong length: 6700.
    let other = p384::SecretKey::generate_from_rng(&mut rng);
    let good = other.public_key().as_affine().to_sec1_point(false).as_bytes().to_vec();
    let mut off_curve = good.clone();
    off_curve[96] ^= 0x01;
    assert_eq!(terminal.decipher(&[&[0x00][..], &off_curve].concat()).1, 0x6A80);
    let compressed = other.public_key().as_affine().to_sec1_point(true).as_bytes().to_vec();
    let mut padded = compressed.clone();
    padded.resize(97, 0x00);
    assert_eq!(terminal.decipher(&[&[0x00][..], &padded].concat()).1, 0x6A80);
    assert_eq!(terminal.decipher(&[&[0x01][..], &good].concat()).1, 0x6A80);
    assert_eq!(terminal.decipher(&good).1, 0x6700);
    assert_eq!(terminal.decipher(&[&[0x00][..], &compressed].concat()).1, 0x6700);
}

#[test]
fn internal_authenticate_signs_the_challenge() {
    let image = issued(true);
    let mut terminal = Terminal::holder(image.clone(), true);
    let digest_info = sha256_digest_info(b"TLS handshake");
    let (token, sw) = terminal.internal_authenticate(0x01, 0x01, &digest_info);
    assert_eq!(sw, SW_OK);
    rsa_public(&image, 1)
        .verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(b"TLS handshake"), &token)
        .expect("client authentication verifies");
    for key_ref in [3, 4, 5] {
        let hash = Sha384::digest(b"TLS 1.3 CertificateVerify");
        let (token, sw) = terminal.internal_authenticate(0x41, key_ref, &hash);
        assert_eq!(sw, SW_OK);
        verify_ecdsa(&ec_public(&image, key_ref), &hash, &token);
    }
    // Status words of INTERNAL AUTHENTICATE.
    assert_eq!(terminal.internal_authenticate(0x01, 0x01, &[0x00; 246]).1, 0x6700);
    assert_eq!(terminal.internal_authenticate(0x01, 0x01, &[]).1, 0x6700);
    assert_eq!(terminal.internal_authenticate(0x41, 0x03, &[0x00; 65]).1, 0x6700);
    assert_eq!(terminal.internal_authenticate(0x01, 0x03, &[0x00; 32]).1, 0x6A86);
    assert_eq!(terminal.internal_authenticate(0x41, 0x02, &[0x00; 32]).1, 0x6A86);
    assert_eq!(terminal.internal_authenticate(0x05, 0x01, &[0x00; 32]).1, 0x6A86);
    assert_eq!(terminal.sw(0x00, 0x88, 0x01, 0x01, &[0x00; 32], Some(256)), 0x6A86);
    assert_eq!(terminal.internal_authenticate(0x01, 0x06, &[0x00; 32]).1, 0x6A88);
}

#[test]
fn pin2_stays_verified_across_operations() {
    let image = issued(true);
    let mut terminal = Terminal::holder(image, true);
    assert_eq!(terminal.mse_set(DST, 0x40, 0x03), SW_OK);
    for _ in 0..3 {
        assert_eq!(terminal.compute_signature(&[0x01; 48]).1, SW_OK);
        assert_eq!(terminal.internal_authenticate(0x41, 0x04, &[0x02; 48]).1, SW_OK);
    }
    // VERIFY FF resets it: then 6982.
    assert_eq!(terminal.sw(0x00, 0x20, 0xFF, 0x81, &[], None), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 48]).1, 0x6982);
}

#[test]
fn key_use_needs_pin2_sm_and_contact() {
    for sm in [true, false] {
        // PIN2 not verified: every command 6982, MSE included.
        let pace_with = sm.then_some(PacePassword::Can);
        let mut terminal = Terminal::new(issued(sm), Interface::Contact, pace_with);
        assert_eq!(terminal.select_zone(), SW_OK);
        assert_eq!(terminal.mse_set(DST, 0x02, 0x01), 0x6982);
        assert_eq!(terminal.compute_signature(&[0x01; 32]).1, 0x6982);
        assert_eq!(terminal.decipher(&[0x00; 257]).1, 0x6982);
        assert_eq!(terminal.internal_authenticate(0x01, 0x01, &[0x01; 32]).1, 0x6982);
    }
    // SM profile, PIN2 verified, but the command comes plain: 6982.
    let mut terminal = Terminal::holder(issued(true), true);
    assert_eq!(terminal.mse_set(DST, 0x40, 0x03), SW_OK);
    terminal.channel = None; // the terminal drops SM; the card ends the session at the next plain command
    assert_eq!(terminal.compute_signature(&[0x01; 48]).1, 0x6982);
    assert_eq!(terminal.mse_set(DST, 0x40, 0x03), 0x6982);
    // Contactless: VERIFY PIN2 is contact only, and so is every key use even
    // with PIN2 verified and SM in place (checked on the applet directly).
    let mut contactless = Terminal::new(issued(false), Interface::Contactless, None);
    assert_eq!(contactless.select_zone(), SW_OK);
    assert_eq!(contactless.verify_pin2(), 0x6982);
    assert_eq!(contactless.mse_set(DST, 0x02, 0x01), 0x6982);
    let mut image = issued(true);
    let mut holder = Direct {
        issuer_session: false,
        secure_messaging: true,
        security: SecurityStatus {
            pace: Some(card_os::PaceOutcome::with_password(PacePassword::Can)),
            pin2_verified: true,
            ..SecurityStatus::default()
        },
        ..Direct::issuer(8)
    };
    let mse = apdu(0x00, 0x22, 0x41, DST, &[0x80, 0x01, 0x40, 0x84, 0x01, 0x03], None);
    assert_eq!(holder.sw(&mut image, &mse), SW_OK);
    holder.interface = Interface::Contactless;
    assert_eq!(holder.sw(&mut image, &mse), 0x6982);
    // An issuer session never grants a private-key use, PIN2 or not.
    holder.interface = Interface::Contact;
    holder.issuer_session = true;
    assert_eq!(holder.sw(&mut image, &mse), 0x6982);
    let ia = apdu(0x00, 0x88, 0x41, 0x83, &[0x01; 48], Some(256));
    assert_eq!(holder.sw(&mut image, &ia), 0x6982);
}

#[test]
fn mse_set_status_words() {
    let mut terminal = Terminal::holder(issued(true), true);
    assert_eq!(terminal.mse_set(DST, 0x02, 0x06), 0x6A88, "unknown key");
    assert_eq!(terminal.mse_set(DST, 0x02, 0x00), 0x6A88, "unknown key");
    assert_eq!(terminal.mse_set(DST, 0x02, 0x02), 0x6A80, "PKCS#1 signature with the decipherment key");
    assert_eq!(terminal.mse_set(DST, 0x40, 0x01), 0x6A80, "ECDSA with an RSA key");
    assert_eq!(terminal.mse_set(DST, 0x1A, 0x02), 0x6A80, "decipherment algorithm in a DST");
    assert_eq!(terminal.mse_set(CT, 0x02, 0x01), 0x6A80, "signature algorithm in a CT");
    assert_eq!(terminal.mse_set(CT, 0x1B, 0x01), 0x6A80, "OAEP with the signature key");
    assert_eq!(terminal.mse_set(CT, 0x60, 0x02), 0x6A80, "ECDH with an RSA key");
    assert_eq!(terminal.mse_set(DST, 0x01, 0x01), 0x6A80, "INTERNAL AUTHENTICATE algorithm in a DST");
    assert_eq!(terminal.sw(0x00, 0x22, 0x41, DST, &[0x80, 0x01, 0x02], None), 0x6A80, "no key DO");
    assert_eq!(terminal.sw(0x00, 0x22, 0x41, DST, &[0x84, 0x01, 0x01], None), 0x6A80, "no algorithm DO");
    assert_eq!(terminal.sw(0x00, 0x22, 0x41, DST, &[], None), 0x6A80);
    assert_eq!(terminal.sw(0x00, 0x22, 0x41, 0xA4, &[0x80, 0x01, 0x02, 0x84, 0x01, 0x01], None), 0x6A86);
    assert_eq!(terminal.sw(0x00, 0x22, 0xF3, DST, &[], None), 0x6A86);
    // A key not generated yet: 6A88.
    let mut fresh = Terminal::holder(personalized(true), true);
    assert_eq!(fresh.mse_set(DST, 0x02, 0x01), 0x6A88);
    assert_eq!(fresh.internal_authenticate(0x01, 0x01, &[0x01; 32]).1, 0x6A88);
}

#[test]
fn pso_status_words() {
    let mut terminal = Terminal::holder(issued(true), true);
    // No MSE:SET for the template: 6985.
    assert_eq!(terminal.compute_signature(&[0x01; 32]).1, 0x6985);
    assert_eq!(terminal.decipher(&[0x00; 257]).1, 0x6985);
    // A CT does not serve PSO:CDS.
    assert_eq!(terminal.mse_set(CT, 0x1A, 0x02), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 32]).1, 0x6985);
    // A refused MSE:SET leaves no earlier selection behind.
    assert_eq!(terminal.mse_set(CT, 0x1B, 0x01), 0x6A80);
    assert_eq!(terminal.decipher(&[0x00; 257]).1, 0x6985);
    // Input lengths per algorithm: 6700.
    assert_eq!(terminal.mse_set(DST, 0x02, 0x01), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 246]).1, 0x6700);
    assert_eq!(terminal.compute_signature(&[]).1, 0x6700);
    assert_eq!(terminal.mse_set(DST, 0x05, 0x01), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 20]).1, 0x6700);
    assert_eq!(terminal.compute_signature(&[0x01; 33]).1, 0x6700);
    assert_eq!(terminal.mse_set(DST, 0x40, 0x05), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 65]).1, 0x6700);
    assert_eq!(terminal.mse_set(CT, 0x1C, 0x02), SW_OK);
    assert_eq!(terminal.decipher(&[0x00; 256]).1, 0x6700, "no padding indicator");
    assert_eq!(terminal.decipher(&[0x00; 258]).1, 0x6700);
    assert_eq!(terminal.decipher(&[&[0x02][..], &[0x00; 256][..]].concat()).1, 0x6A80, "indicator");
    assert_eq!(terminal.decipher(&[0x00; 257]).1, 0x6A80, "not an OAEP cryptogram");
    assert_eq!(terminal.sw(0x00, 0x2A, 0x86, 0x80, &[0x00; 16], Some(256)), 0x6A86);
    // Another instruction, or a proprietary class outside an SCP03 session.
    assert_eq!(terminal.sw(0x00, 0xCA, 0x01, 0x01, &[], Some(256)), 0x6D00);
    assert_eq!(terminal.sw(0x80, 0x2A, 0x9E, 0x9A, &[0x01; 32], Some(256)), 0x6E00);
}

#[test]
fn security_environment_is_volatile() {
    let mut terminal = Terminal::holder(issued(false), false);
    assert_eq!(terminal.mse_set(DST, 0x40, 0x03), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 48]).1, SW_OK);
    // Another application (the MF) becomes current: the SE is gone.
    assert_eq!(terminal.select_mf(), SW_OK);
    assert_eq!(terminal.select_zone(), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 48]).1, 0x6985);
    // Selecting an EF inside the zone keeps it.
    assert_eq!(terminal.mse_set(DST, 0x40, 0x03), SW_OK);
    assert_eq!(terminal.read_ef(0x4423).map(|c| c.is_empty()), Ok(false));
    assert_eq!(terminal.compute_signature(&[0x01; 48]).1, SW_OK);
    // A reset clears it (and PIN2).
    terminal.card.power_on(Interface::Contact);
    assert_eq!(terminal.select_zone(), SW_OK);
    assert_eq!(terminal.verify_pin2(), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 48]).1, 0x6985);
}

#[test]
fn no_random_source_answers_6f00() {
    let mut card = applets::card(issued(false));
    card.power_on(Interface::Contact);
    let mut terminal = Terminal { card, channel: None };
    assert_eq!(terminal.select_zone(), SW_OK);
    assert_eq!(terminal.verify_pin2(), SW_OK);
    assert_eq!(terminal.mse_set(DST, 0x02, 0x01), SW_OK);
    assert_eq!(terminal.compute_signature(&[0x01; 32]).1, 0x6F00);
    assert_eq!(terminal.internal_authenticate(0x41, 0x03, &[0x01; 32]).1, 0x6F00);
    assert_eq!(terminal.mse_set(CT, 0x1A, 0x02), SW_OK);
    assert_eq!(terminal.decipher(&[0x00; 257]).1, 0x6F00);
    // ECDH needs no randomness.
    assert_eq!(terminal.mse_set(CT, 0x60, 0x03), SW_OK);
    let point = ec_public(&issued(false), 4).as_affine().to_sec1_point(false).as_bytes().to_vec();
    assert_eq!(terminal.decipher(&[&[0x00][..], &point].concat()).1, SW_OK);
}
