//! The PKCS#11 layer on a fake card: slots, login, object visibility,
//! signing, decryption, derivation and card removal, as an application
//! sees them through [`Module`].

use std::sync::{Arc, Mutex};

use cryptoki_sys::*;
use sha2::Digest;

use crate::find::Template;
use crate::mechanism::{Mechanism, MechanismParams};
use crate::module::{Module, Output};
use crate::object::AttrValue;
use crate::test_support::*;
use crate::token::{DecipherMechanism, SignMechanism};

const PIN: &[u8] = b"13572468";

fn module_with(card: Arc<Mutex<FakeCard>>) -> Module {
    Module::new(Box::new(FakeBackend::one_card(card)))
}

/// A module with one fake card and an open R/W session on it.
fn session() -> (Module, CK_SESSION_HANDLE, Arc<Mutex<FakeCard>>) {
    let card = FakeCard::new();
    let mut module = module_with(card.clone());
    let slots = module.slot_list(true, true);
    assert_eq!(slots, vec![0]);
    let handle = module.open_session(0, CKF_SERIAL_SESSION | CKF_RW_SESSION).unwrap();
    (module, handle, card)
}

fn logged_in() -> (Module, CK_SESSION_HANDLE, Arc<Mutex<FakeCard>>) {
    let (mut module, handle, card) = session();
    module.login(handle, CKU_USER, PIN).unwrap();
    (module, handle, card)
}

fn class(class: CK_OBJECT_CLASS) -> (CK_ATTRIBUTE_TYPE, Vec<u8>) {
    (CKA_CLASS, class.to_ne_bytes().to_vec())
}

fn find(module: &mut Module, handle: CK_SESSION_HANDLE, template: Template) -> Vec<CK_OBJECT_HANDLE> {
    module.find_init(handle, &template).unwrap();
    let found = module.find_next(handle, 100).unwrap();
    module.find_final(handle).unwrap();
    found
}

fn private_key(module: &mut Module, handle: CK_SESSION_HANDLE, id: u8) -> CK_OBJECT_HANDLE {
    let found = find(module, handle, vec![class(CKO_PRIVATE_KEY), (CKA_ID, vec![id])]);
    assert_eq!(found.len(), 1, "private key {id:02X}");
    found[0]
}

fn plain(kind: CK_MECHANISM_TYPE) -> Mechanism {
    Mechanism { kind, params: MechanismParams::None }
}

fn calls(card: &Arc<Mutex<FakeCard>>) -> Vec<Call> {
    card.lock().unwrap().calls.clone()
}

#[test]
fn slots_list_readers_and_tokens() {
    let card = FakeCard::new();
    let backend = FakeBackend {
        readers: vec![
            ("Empty Reader".into(), None),
            ("Fake Reader 01".into(), Some(card)),
            ("Bank Card Reader".into(), None),
        ],
        foreign: vec!["Bank Card Reader".into()],
    };
    let mut module = Module::new(Box::new(backend));
    assert_eq!(module.slot_list(false, true), vec![0, 1, 2]);
    assert_eq!(module.slot_list(true, true), vec![1], "only the New eID card is a token");
    assert_eq!(module.slot_info(0).unwrap().flags & CKF_TOKEN_PRESENT, 0);
    assert_eq!(module.slot_info(1).unwrap().description, "Fake Reader 01");
    assert_ne!(module.slot_info(1).unwrap().flags & CKF_TOKEN_PRESENT, 0);
    assert_eq!(module.token_info(2), Err(CKR_TOKEN_NOT_PRESENT));
    assert_eq!(module.slot_info(7), Err(CKR_SLOT_ID_INVALID));
    assert_eq!(module.open_session(0, CKF_SERIAL_SESSION), Err(CKR_TOKEN_NOT_PRESENT));
    assert_eq!(module.open_session(1, 0), Err(CKR_SESSION_PARALLEL_NOT_SUPPORTED));
}

#[test]
fn token_info_comes_from_the_zone_and_pin_state() {
    let card = FakeCard::new();
    let mut module = module_with(card.clone());
    let info = module.token_info(0).unwrap();
    assert_eq!((info.label.as_str(), info.serial.as_str()), ("Taiwan New eID", "210012345"));
    assert_eq!((info.pin_min, info.pin_max), (8, 12));
    let wanted = CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED;
    assert_eq!(info.flags, wanted);
    card.lock().unwrap().tries_left = 1;
    assert_eq!(module.token_info(0).unwrap().flags, wanted | CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
    card.lock().unwrap().tries_left = 0;
    assert_eq!(module.token_info(0).unwrap().flags, wanted | CKF_USER_PIN_LOCKED);
}

#[test]
fn private_keys_appear_after_login_only() {
    let (mut module, handle, card) = session();
    // Before login: 2 certificates and 3 public keys.
    assert_eq!(find(&mut module, handle, vec![]).len(), 5);
    assert!(find(&mut module, handle, vec![class(CKO_PRIVATE_KEY)]).is_empty());
    assert_eq!(find(&mut module, handle, vec![class(CKO_CERTIFICATE)]).len(), 2);

    module.login(handle, CKU_USER, PIN).unwrap();
    assert_eq!(calls(&card), vec![Call::Verify(PIN.to_vec())]);
    assert_eq!(find(&mut module, handle, vec![class(CKO_PRIVATE_KEY)]).len(), 3);
    assert_eq!(module.session_info(handle).unwrap().state, CKS_RW_USER_FUNCTIONS);
    assert_eq!(module.login(handle, CKU_USER, PIN), Err(CKR_USER_ALREADY_LOGGED_IN));

    module.logout(handle).unwrap();
    assert_eq!(calls(&card).last(), Some(&Call::Logout), "PIN2 is cleared on the card");
    assert!(!card.lock().unwrap().verified);
    assert!(find(&mut module, handle, vec![class(CKO_PRIVATE_KEY)]).is_empty());
    assert_eq!(module.logout(handle), Err(CKR_USER_NOT_LOGGED_IN));
}

#[test]
fn wrong_pins_count_down_to_locked() {
    let (mut module, handle, card) = session();
    assert_eq!(module.login(handle, CKU_SO, PIN), Err(CKR_USER_TYPE_INVALID));
    assert_eq!(module.login(handle, CKU_CONTEXT_SPECIFIC, PIN), Err(CKR_OPERATION_NOT_INITIALIZED));
    assert_eq!(module.login(handle, CKU_USER, b"00000000"), Err(CKR_PIN_INCORRECT));
    assert_eq!(card.lock().unwrap().tries_left, 2);
    assert_eq!(module.session_info(handle).unwrap().device_error, 0x63C2);
    assert_eq!(module.login(handle, CKU_USER, b"00000000"), Err(CKR_PIN_INCORRECT));
    assert_eq!(module.login(handle, CKU_USER, b"00000000"), Err(CKR_PIN_LOCKED));
    assert_eq!(module.login(handle, CKU_USER, PIN), Err(CKR_PIN_LOCKED));
    assert!(find(&mut module, handle, vec![class(CKO_PRIVATE_KEY)]).is_empty());
}

#[test]
fn closing_the_last_session_logs_out() {
    let (mut module, first, card) = logged_in();
    let second = module.open_session(0, CKF_SERIAL_SESSION).unwrap();
    assert_eq!(module.session_info(second).unwrap().state, CKS_RO_USER_FUNCTIONS, "login is per token");
    module.close_session(first).unwrap();
    assert!(card.lock().unwrap().verified, "another session is still open");
    module.close_session(second).unwrap();
    assert!(!card.lock().unwrap().verified);
    assert_eq!(module.close_session(second), Err(CKR_SESSION_HANDLE_INVALID));
}

#[test]
fn sha256_rsa_pkcs_sends_a_digest_info_and_follows_the_two_call_rule() {
    let (mut module, handle, card) = logged_in();
    let key = private_key(&mut module, handle, 0x01);
    module.sign_init(handle, &plain(CKM_SHA256_RSA_PKCS), key).unwrap();
    assert_eq!(module.sign_init(handle, &plain(CKM_SHA256_RSA_PKCS), key), Err(CKR_OPERATION_ACTIVE));
    assert_eq!(module.sign(handle, b"hello", None), Ok(Output::Length(256)));
    assert_eq!(module.sign(handle, b"hello", Some(10)), Ok(Output::TooSmall(256)));
    assert!(!calls(&card).iter().any(|c| matches!(c, Call::Sign(..))), "no card command for a length query");
    assert_eq!(module.sign(handle, b"hello", Some(256)), Ok(Output::Data(vec![FAKE_RSA_SIGNATURE; 256])));

    let digest = sha2::Sha256::digest(b"hello");
    let expected = [terminal::digest_info::prefix(pki::HashAlgorithm::Sha256), digest.as_slice()].concat();
    assert_eq!(calls(&card).last(), Some(&Call::Sign(1, SignMechanism::RsaPkcs1, expected)));
    assert_eq!(module.sign(handle, b"hello", Some(256)), Err(CKR_OPERATION_NOT_INITIALIZED), "the operation ended");
}

#[test]
fn multi_part_signing_hashes_every_part() {
    let (mut module, handle, card) = logged_in();
    let key = private_key(&mut module, handle, 0x03);
    module.sign_init(handle, &plain(CKM_ECDSA_SHA384), key).unwrap();
    module.sign_update_part(handle, b"hello ").unwrap();
    module.sign_update_part(handle, b"world").unwrap();
    assert_eq!(module.sign_final(handle, None), Ok(Output::Length(96)));
    assert_eq!(module.sign_final(handle, Some(96)), Ok(Output::Data(vec![FAKE_EC_SIGNATURE; 96])));
    let digest = sha2::Sha384::digest(b"hello world").to_vec();
    assert_eq!(calls(&card).last(), Some(&Call::Sign(3, SignMechanism::Ecdsa, digest)));
}

#[test]
fn raw_mechanisms_pass_the_input_through() {
    let (mut module, handle, card) = logged_in();
    let rsa = private_key(&mut module, handle, 0x01);
    let pss = Mechanism {
        kind: CKM_RSA_PKCS_PSS,
        params: MechanismParams::Pss { hash: CKM_SHA256, mgf: CKG_MGF1_SHA256, salt_len: 32 },
    };
    module.sign_init(handle, &pss, rsa).unwrap();
    module.sign(handle, &[7; 32], Some(512)).unwrap();
    assert_eq!(calls(&card).last(), Some(&Call::Sign(1, SignMechanism::RsaPss, vec![7; 32])));

    module.sign_init(handle, &pss, rsa).unwrap();
    assert_eq!(module.sign(handle, &[7; 20], Some(512)), Err(CKR_DATA_LEN_RANGE));

    let ec = private_key(&mut module, handle, 0x03);
    module.sign_init(handle, &plain(CKM_ECDSA), ec).unwrap();
    module.sign(handle, &[9; 48], Some(96)).unwrap();
    assert_eq!(calls(&card).last(), Some(&Call::Sign(3, SignMechanism::Ecdsa, vec![9; 48])));
}

#[test]
fn ecdsa_keeps_the_leftmost_48_bytes_of_a_longer_hash() {
    let (mut module, handle, card) = logged_in();
    let ec = private_key(&mut module, handle, 0x03);
    // A SHA-512 hash (64 bytes) signed with raw CKM_ECDSA: the card gets
    // its first 48 bytes (FIPS 186-4 §6.4, docs/spec/pkcs11.md).
    let hash = sha2::Sha512::digest(b"hello").to_vec();
    module.sign_init(handle, &plain(CKM_ECDSA), ec).unwrap();
    assert_eq!(module.sign(handle, &hash, Some(96)), Ok(Output::Data(vec![FAKE_EC_SIGNATURE; 96])));
    assert_eq!(calls(&card).last(), Some(&Call::Sign(3, SignMechanism::Ecdsa, hash[..48].to_vec())));

    // The same in parts: 40 + 24 bytes.
    module.sign_init(handle, &plain(CKM_ECDSA), ec).unwrap();
    module.sign_update_part(handle, &hash[..40]).unwrap();
    module.sign_update_part(handle, &hash[40..]).unwrap();
    assert_eq!(module.sign_final(handle, Some(96)), Ok(Output::Data(vec![FAKE_EC_SIGNATURE; 96])));
    assert_eq!(calls(&card).last(), Some(&Call::Sign(3, SignMechanism::Ecdsa, hash[..48].to_vec())));
}

#[test]
fn a_signature_of_the_wrong_length_is_a_device_error() {
    let (mut module, handle, card) = logged_in();
    let rsa = private_key(&mut module, handle, 0x01);
    let ec = private_key(&mut module, handle, 0x03);
    for (key, mechanism, wrong, room) in
        [(rsa, CKM_SHA256_RSA_PKCS, 255, 256), (rsa, CKM_SHA256_RSA_PKCS, 257, 300), (ec, CKM_ECDSA_SHA384, 95, 96)]
    {
        card.lock().unwrap().signature_len = Some(wrong);
        module.sign_init(handle, &plain(mechanism), key).unwrap();
        assert_eq!(module.sign(handle, b"hello", Some(room)), Err(CKR_DEVICE_ERROR), "{wrong} bytes");
        assert_eq!(
            module.sign(handle, b"hello", Some(room)),
            Err(CKR_OPERATION_NOT_INITIALIZED),
            "the operation ended"
        );
    }
    // Multi-part too.
    card.lock().unwrap().signature_len = Some(97);
    module.sign_init(handle, &plain(CKM_ECDSA_SHA384), ec).unwrap();
    module.sign_update_part(handle, b"hello").unwrap();
    assert_eq!(module.sign_final(handle, Some(128)), Err(CKR_DEVICE_ERROR));
}

#[test]
fn keys_refuse_what_the_card_does_not_allow() {
    let (mut module, handle, _card) = logged_in();
    let decrypt_key = private_key(&mut module, handle, 0x02);
    assert_eq!(module.sign_init(handle, &plain(CKM_RSA_PKCS), decrypt_key), Err(CKR_KEY_FUNCTION_NOT_PERMITTED));
    let sign_key = private_key(&mut module, handle, 0x01);
    assert_eq!(module.decrypt_init(handle, &plain(CKM_RSA_PKCS), sign_key), Err(CKR_KEY_FUNCTION_NOT_PERMITTED));
    assert_eq!(module.sign_init(handle, &plain(CKM_ECDSA), sign_key), Err(CKR_KEY_TYPE_INCONSISTENT));
    assert_eq!(module.sign_init(handle, &plain(CKM_SHA_1), sign_key), Err(CKR_MECHANISM_INVALID));
    let certificate = find(&mut module, handle, vec![class(CKO_CERTIFICATE)])[0];
    assert_eq!(module.sign_init(handle, &plain(CKM_RSA_PKCS), certificate), Err(CKR_KEY_TYPE_INCONSISTENT));
    assert_eq!(module.sign_init(handle, &plain(CKM_RSA_PKCS), 9999), Err(CKR_KEY_HANDLE_INVALID));
}

#[test]
fn decryption_deciphers_once_and_keeps_the_plaintext_for_the_second_call() {
    let (mut module, handle, card) = logged_in();
    let key = private_key(&mut module, handle, 0x02);
    let oaep = Mechanism {
        kind: CKM_RSA_PKCS_OAEP,
        params: MechanismParams::Oaep {
            hash: CKM_SHA256,
            mgf: CKG_MGF1_SHA256,
            source: CKZ_DATA_SPECIFIED,
            source_data: vec![],
        },
    };
    module.decrypt_init(handle, &oaep, key).unwrap();
    let cryptogram = vec![0x42; 256];
    assert_eq!(module.decrypt(handle, &cryptogram, None), Ok(Output::Length(FAKE_PLAINTEXT.len())));
    assert_eq!(module.decrypt(handle, &cryptogram, Some(2)), Ok(Output::TooSmall(FAKE_PLAINTEXT.len())));
    assert_eq!(module.decrypt(handle, &cryptogram, Some(256)), Ok(Output::Data(FAKE_PLAINTEXT.to_vec())));
    let deciphers = calls(&card).into_iter().filter(|c| matches!(c, Call::Decipher(..))).collect::<Vec<_>>();
    assert_eq!(deciphers, vec![Call::Decipher(2, DecipherMechanism::RsaOaepSha256, cryptogram)]);

    module.decrypt_init(handle, &plain(CKM_RSA_PKCS), key).unwrap();
    assert_eq!(module.decrypt(handle, &[0x42; 100], Some(256)), Err(CKR_ENCRYPTED_DATA_LEN_RANGE));
    module.decrypt_init(handle, &plain(CKM_RSA_PKCS), key).unwrap();
    assert_eq!(module.decrypt(handle, &[0xFF; 256], Some(256)), Err(CKR_ENCRYPTED_DATA_INVALID));
    assert_eq!(module.session_info(handle).unwrap().device_error, 0x6A80);
    assert_eq!(module.decrypt_final(handle, Some(256)), Err(CKR_OPERATION_NOT_INITIALIZED));

    module.decrypt_init(handle, &plain(CKM_RSA_PKCS), key).unwrap();
    module.decrypt_update(handle, &[0x42; 200]).unwrap();
    module.decrypt_update(handle, &[0x42; 56]).unwrap();
    assert_eq!(module.decrypt_final(handle, Some(256)), Ok(Output::Data(FAKE_PLAINTEXT.to_vec())));
}

fn ecdh(point: Vec<u8>) -> Mechanism {
    Mechanism {
        kind: CKM_ECDH1_DERIVE,
        params: MechanismParams::Ecdh { kdf: CKD_NULL, shared_data: vec![], public_data: point },
    }
}

fn peer_point() -> Vec<u8> {
    let mut point = vec![0x04];
    point.extend([0x21; 96]);
    point
}

#[test]
fn ecdh_derives_a_readable_generic_secret_session_object() {
    let (mut module, handle, card) = logged_in();
    let key = private_key(&mut module, handle, 0x03);
    let template = vec![class(CKO_SECRET_KEY), (CKA_TOKEN, vec![CK_FALSE]), (CKA_LABEL, b"shared".to_vec())];
    let secret = module.derive_key(handle, &ecdh(peer_point()), key, &template).unwrap();
    assert_eq!(calls(&card).last(), Some(&Call::Ecdh(3, peer_point())));
    let object = module.object(handle, secret).unwrap();
    assert_eq!(object.attribute(CKA_VALUE), Some(&AttrValue::Bytes(vec![FAKE_SHARED_SECRET; 48])));
    assert_eq!(object.attribute(CKA_KEY_TYPE), Some(&AttrValue::Bytes(CKK_GENERIC_SECRET.to_ne_bytes().to_vec())));
    assert_eq!(object.attribute(CKA_LABEL), Some(&AttrValue::Bytes(b"shared".to_vec())));
    assert_eq!(find(&mut module, handle, vec![class(CKO_SECRET_KEY)]), vec![secret]);

    // CKA_VALUE_LEN keeps the leading bytes; CKA_SENSITIVE hides the value.
    let short = vec![(CKA_VALUE_LEN, (32 as CK_ULONG).to_ne_bytes().to_vec()), (CKA_SENSITIVE, vec![CK_TRUE])];
    let hidden = module.derive_key(handle, &ecdh(peer_point()), key, &short).unwrap();
    let object = module.object(handle, hidden).unwrap();
    assert_eq!(object.attribute(CKA_VALUE), Some(&AttrValue::Sensitive));
    assert_eq!(object.attribute(CKA_VALUE_LEN), Some(&AttrValue::Bytes((32 as CK_ULONG).to_ne_bytes().to_vec())));

    let token_object = vec![(CKA_TOKEN, vec![CK_TRUE])];
    assert_eq!(module.derive_key(handle, &ecdh(peer_point()), key, &token_object), Err(CKR_TOKEN_WRITE_PROTECTED));
    let aes = vec![(CKA_KEY_TYPE, CKK_AES.to_ne_bytes().to_vec())];
    assert_eq!(module.derive_key(handle, &ecdh(peer_point()), key, &aes), Err(CKR_TEMPLATE_INCONSISTENT));
    let rsa = private_key(&mut module, handle, 0x01);
    assert_eq!(module.derive_key(handle, &ecdh(peer_point()), rsa, &[].to_vec()), Err(CKR_KEY_FUNCTION_NOT_PERMITTED));

    // Session objects end with their session; token objects cannot be destroyed.
    assert_eq!(module.destroy_object(handle, key), Err(CKR_ACTION_PROHIBITED));
    module.destroy_object(handle, hidden).unwrap();
    module.close_session(handle).unwrap();
    let again = module.open_session(0, CKF_SERIAL_SESSION).unwrap();
    module.login(again, CKU_USER, PIN).unwrap();
    assert!(find(&mut module, again, vec![class(CKO_SECRET_KEY)]).is_empty());
}

#[test]
fn a_removed_card_ends_its_sessions() {
    let (mut module, handle, card) = logged_in();
    let key = private_key(&mut module, handle, 0x01);
    module.sign_init(handle, &plain(CKM_RSA_PKCS), key).unwrap();
    card.lock().unwrap().removed = true;
    assert_eq!(module.sign(handle, &[1; 51], Some(256)), Err(CKR_DEVICE_REMOVED));
    assert_eq!(module.session_info(handle), Err(CKR_SESSION_HANDLE_INVALID));
    assert_eq!(module.slot_list(true, true), Vec::<CK_SLOT_ID>::new());
    // Back in the reader: a new token, new sessions.
    card.lock().unwrap().removed = false;
    assert_eq!(module.slot_list(true, true), vec![0]);
    assert!(module.open_session(0, CKF_SERIAL_SESSION).is_ok());
}

#[test]
fn a_zone_that_needs_the_can_is_a_token_without_objects() {
    let card = FakeCard::new();
    card.lock().unwrap().objects = Err("can".into());
    let mut module = module_with(card);
    let info = module.token_info(0).unwrap();
    assert_eq!(info.label, "New eID (set NEID_CAN)");
    let handle = module.open_session(0, CKF_SERIAL_SESSION).unwrap();
    assert!(find(&mut module, handle, vec![]).is_empty());
    assert_eq!(module.login(handle, CKU_USER, PIN), Err(CKR_FUNCTION_FAILED));
    assert_eq!(module.session_info(handle).unwrap().device_error, 0x6982, "the card's refusal");
}

#[test]
fn attributes_of_a_certificate_match_the_der() {
    let (mut module, handle, _card) = session();
    let certificate = find(&mut module, handle, vec![class(CKO_CERTIFICATE), (CKA_ID, vec![0x11])])[0];
    let object = module.object(handle, certificate).unwrap();
    let fields = crate::der_fields::certificate_fields(&sample_objects().certificates[1].der).unwrap();
    assert_eq!(object.attribute(CKA_SUBJECT), Some(&AttrValue::Bytes(fields.subject)));
    assert_eq!(object.attribute(CKA_ISSUER), Some(&AttrValue::Bytes(fields.issuer)));
    assert_eq!(object.attribute(CKA_SERIAL_NUMBER), Some(&AttrValue::Bytes(fields.serial_number)));
    assert_eq!(
        object.attribute(CKA_CERTIFICATE_CATEGORY),
        Some(&AttrValue::Bytes(CK_CERTIFICATE_CATEGORY_AUTHORITY.to_ne_bytes().to_vec()))
    );
    assert_eq!(module.object(handle, 424242).err(), Some(CKR_OBJECT_HANDLE_INVALID));
}

#[test]
fn a_zone_without_secure_messaging_is_opened_again_without_pace() {
    let card = FakeCard::new();
    card.lock().unwrap().objects = Err("no-sm".into());
    let mut module = module_with(card.clone());
    assert_eq!(module.token_info(0).unwrap().serial, "210012345");
    assert_eq!(card.lock().unwrap().opened_with_can, vec![true, false]);
}
