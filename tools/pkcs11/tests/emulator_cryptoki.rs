//! The built `libneid_pkcs11.so`, loaded through the `cryptoki` crate as any
//! PKCS#11 application loads it, with `NEID_PKCS11_EMULATOR` pointing at the
//! reference adult profile: one slot, the certificate zone read under PACE
//! with the profile's CAN, and every private-key operation checked against
//! the card's public keys and certificates.
//!
//! The module's state is per process, so everything runs in one test.

use std::path::{Path, PathBuf};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use p384::ecdsa::signature::Verifier;
use rsa::pkcs8::DecodePublicKey;
use sha2::Digest;

const PIN2: &str = "13572468";
const SERIAL: &str = "210012345";

/// `target/<profile>/libneid_pkcs11.so`, next to this test's `deps` directory.
fn module_path() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("deps directory");
    [deps.parent().unwrap_or(deps), deps]
        .iter()
        .map(|dir| dir.join("libneid_pkcs11.so"))
        .find(|path| path.exists())
        .expect("libneid_pkcs11.so next to the test binary (cargo builds the cdylib with the tests)")
}

fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

fn find(session: &Session, template: &[Attribute]) -> Vec<ObjectHandle> {
    session.find_objects(template).expect("C_FindObjects")
}

fn one(session: &Session, class: ObjectClass, id: u8) -> ObjectHandle {
    let found = find(session, &[Attribute::Class(class), Attribute::Id(vec![id])]);
    assert_eq!(found.len(), 1, "{class:?} with CKA_ID {id:02X}");
    found[0]
}

fn bytes(session: &Session, object: ObjectHandle, attribute: AttributeType) -> Vec<u8> {
    let attributes = session.get_attributes(object, &[attribute]).expect("C_GetAttributeValue");
    match attributes.into_iter().next() {
        Some(Attribute::Value(v) | Attribute::Modulus(v) | Attribute::EcPoint(v) | Attribute::PublicKeyInfo(v)) => v,
        other => panic!("{attribute:?}: {other:?}"),
    }
}

/// The card's public key from the certificate with this CKA_ID.
fn certificate_spki(session: &Session, id: u8) -> Vec<u8> {
    let certificate = one(session, ObjectClass::CERTIFICATE, id);
    bytes(session, certificate, AttributeType::PublicKeyInfo)
}

fn rsa_key(session: &Session, id: u8) -> rsa::PublicKey {
    rsa::PublicKey::from_public_key_der(&certificate_spki(session, id)).expect("RSA certificate key")
}

/// The uncompressed point inside CKA_EC_POINT (a DER OCTET STRING).
fn ec_point(session: &Session, id: u8) -> Vec<u8> {
    let public = one(session, ObjectClass::PUBLIC_KEY, id);
    let der = bytes(session, public, AttributeType::EcPoint);
    assert_eq!(&der[..2], &[0x04, 0x61], "OCTET STRING of 97 bytes");
    der[2..].to_vec()
}

#[test]
fn the_module_serves_the_emulated_card() {
    // SAFETY: the only test of this binary; set before the module reads it.
    unsafe {
        std::env::set_var("NEID_PKCS11_EMULATOR", workspace_file("profiles/reference/adult.toml"));
        std::env::remove_var("NEID_CAN");
    }
    let pkcs11 = Pkcs11::new(module_path()).expect("load libneid_pkcs11.so");
    pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)).expect("C_Initialize");
    let info = pkcs11.get_library_info().unwrap();
    assert_eq!(info.manufacturer_id(), "neid");
    assert_eq!(info.cryptoki_version().major(), 2);

    let slots = pkcs11.get_slots_with_token().unwrap();
    assert_eq!(slots.len(), 1);
    let slot = slots[0];
    let token = pkcs11.get_token_info(slot).unwrap();
    assert_eq!(token.label(), "Taiwan New eID");
    assert_eq!(token.serial_number(), SERIAL);
    assert!(token.login_required() && token.user_pin_initialized() && token.token_initialized());
    assert_eq!((token.min_pin_length(), token.max_pin_length()), (8, 12));
    let mechanisms = pkcs11.get_mechanism_list(slot).unwrap();
    assert!(mechanisms.contains(&MechanismType::SHA256_RSA_PKCS));
    assert!(mechanisms.contains(&MechanismType::ECDH1_DERIVE));

    let session = pkcs11.open_rw_session(slot).unwrap();
    // Before login: certificates and public keys, no private key.
    assert!(find(&session, &[Attribute::Class(ObjectClass::PRIVATE_KEY)]).is_empty());
    let certificates = find(&session, &[Attribute::Class(ObjectClass::CERTIFICATE)]);
    assert!(certificates.len() >= 4, "root, intermediate and user certificates: {}", certificates.len());
    assert_eq!(find(&session, &[Attribute::Class(ObjectClass::PUBLIC_KEY)]).len(), 5, "keys 01..05");

    let wrong = session.login(UserType::User, Some(&AuthPin::new("00000000".into())));
    assert!(matches!(wrong, Err(Error::Pkcs11(RvError::PinIncorrect, _))), "{wrong:?}");
    session.login(UserType::User, Some(&AuthPin::new(PIN2.into()))).expect("C_Login with PIN2");
    assert_eq!(find(&session, &[Attribute::Class(ObjectClass::PRIVATE_KEY)]).len(), 5);

    let message = b"signed by the New eID through PKCS#11";

    // SHA256-RSA-PKCS with key 01, checked with the user certificate's key.
    let key01 = one(&session, ObjectClass::PRIVATE_KEY, 0x01);
    let signature = session.sign(&Mechanism::Sha256RsaPkcs, key01, message).expect("C_Sign SHA256-RSA-PKCS");
    let hash = sha2::Sha256::digest(message);
    rsa_key(&session, 0x01)
        .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &hash, &signature)
        .expect("PKCS#1 v1.5 signature verifies");

    // SHA256-RSA-PKCS-PSS (MGF1-SHA256, salt 32).
    let pss = PkcsPssParams { hash_alg: MechanismType::SHA256, mgf: PkcsMgfType::MGF1_SHA256, s_len: 32.into() };
    let signature = session.sign(&Mechanism::Sha256RsaPkcsPss(pss), key01, message).expect("C_Sign PSS");
    rsa_key(&session, 0x01)
        .verify(rsa::pss::Pss::<sha2::Sha256>::new(), &hash, &signature)
        .expect("PSS signature verifies");

    // ECDSA-SHA384 with key 03, checked with its public key object.
    let key03 = one(&session, ObjectClass::PRIVATE_KEY, 0x03);
    let signature = session.sign(&Mechanism::EcdsaSha384, key03, message).expect("C_Sign ECDSA-SHA384");
    assert_eq!(signature.len(), 96);
    let verifying = p384::ecdsa::VerifyingKey::from_sec1_bytes(&ec_point(&session, 0x03)).unwrap();
    let signature = p384::ecdsa::Signature::from_slice(&signature).unwrap();
    verifying.verify(message, &signature).expect("ECDSA signature verifies");

    // RSA-PKCS-OAEP (SHA-256) and RSA-PKCS decryption with key 02.
    let key02 = one(&session, ObjectClass::PRIVATE_KEY, 0x02);
    let encipherment = rsa_key(&session, 0x02);
    let mut rng = rand::rng();
    let secret = b"a 32-byte content encryption key";
    let cryptogram = encipherment.encrypt(&mut rng, rsa::Oaep::<sha2::Sha256>::new(), secret).unwrap();
    let oaep = PkcsOaepParams::new(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, PkcsOaepSource::empty());
    let plaintext = session.decrypt(&Mechanism::RsaPkcsOaep(oaep), key02, &cryptogram).expect("C_Decrypt OAEP");
    assert_eq!(plaintext, secret);
    let cryptogram = encipherment.encrypt(&mut rng, rsa::Pkcs1v15Encrypt, secret).unwrap();
    let plaintext = session.decrypt(&Mechanism::RsaPkcs, key02, &cryptogram).expect("C_Decrypt PKCS#1 v1.5");
    assert_eq!(plaintext, secret);

    // ECDH1-DERIVE with key 03: the derived CKA_VALUE is our shared x-coordinate.
    let ephemeral = {
        use p384::elliptic_curve::Generate;
        p384::ecdh::EphemeralSecret::generate_from_rng(&mut rng)
    };
    let card_public = p384::PublicKey::from_sec1_bytes(&ec_point(&session, 0x03)).unwrap();
    let expected = ephemeral.diffie_hellman(&card_public);
    let our_point = {
        use p384::elliptic_curve::sec1::ToSec1Point;
        ephemeral.public_key().to_sec1_point(false).as_bytes().to_vec()
    };
    let params = Ecdh1DeriveParams::new(EcKdf::null(), &our_point);
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ];
    let derived = session.derive_key(&Mechanism::Ecdh1Derive(params), key03, &template).expect("C_DeriveKey");
    assert_eq!(bytes(&session, derived, AttributeType::Value), expected.raw_secret_bytes().to_vec());

    // The private key material stays on the card.
    let sensitive = session.get_attributes(key01, &[AttributeType::PrivateExponent]);
    assert!(
        matches!(&sensitive, Ok(a) if a.is_empty())
            || matches!(&sensitive, Err(Error::Pkcs11(RvError::AttributeSensitive, _))),
        "{sensitive:?}"
    );

    session.logout().unwrap();
    assert!(find(&session, &[Attribute::Class(ObjectClass::PRIVATE_KEY)]).is_empty());
    drop(session);
    pkcs11.finalize().expect("C_Finalize");
}
