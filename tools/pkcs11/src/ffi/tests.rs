//! The C entry points on a fake card: pointer checks, the two-call
//! convention, C_GetAttributeValue's per-attribute answers, the function
//! list. One test at a time: the module state is global.

use std::ptr;
use std::sync::{Arc, Mutex};

use cryptoki_sys::*;

use super::*;
use crate::module::Module;
use crate::test_support::{FAKE_RSA_SIGNATURE, FakeBackend, FakeCard};

static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `test` with a fake-card module installed, finalizing afterwards.
fn with_fake(test: impl FnOnce()) {
    with_fake_card(FakeCard::new(), test);
}

/// [`with_fake`] on a given fake card.
fn with_fake_card(card: Arc<Mutex<FakeCard>>, test: impl FnOnce()) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let module = Module::new(Box::new(FakeBackend::one_card(card)));
    assert_eq!(general::install(module), CKR_OK);
    test();
    assert_eq!(unsafe { C_Finalize(ptr::null_mut()) }, CKR_OK);
}

fn open_logged_in() -> CK_SESSION_HANDLE {
    let mut session = 0;
    let rv = unsafe { C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, ptr::null_mut(), None, &mut session) };
    assert_eq!(rv, CKR_OK);
    let mut pin = *b"13572468";
    assert_eq!(unsafe { C_Login(session, CKU_USER, pin.as_mut_ptr(), pin.len() as CK_ULONG) }, CKR_OK);
    session
}

fn find_one(session: CK_SESSION_HANDLE, class: CK_OBJECT_CLASS, id: u8) -> CK_OBJECT_HANDLE {
    let mut class = class;
    let mut id = [id];
    let mut template = [
        CK_ATTRIBUTE {
            type_: CKA_CLASS,
            pValue: (&raw mut class).cast(),
            ulValueLen: size_of::<CK_ULONG>() as CK_ULONG,
        },
        CK_ATTRIBUTE { type_: CKA_ID, pValue: id.as_mut_ptr().cast(), ulValueLen: 1 },
    ];
    assert_eq!(unsafe { C_FindObjectsInit(session, template.as_mut_ptr(), 2) }, CKR_OK);
    let mut handles = [0; 4];
    let mut count = 0;
    assert_eq!(unsafe { C_FindObjects(session, handles.as_mut_ptr(), 4, &mut count) }, CKR_OK);
    assert_eq!(unsafe { C_FindObjectsFinal(session) }, CKR_OK);
    assert_eq!(count, 1);
    handles[0]
}

#[test]
fn the_function_list_is_complete() {
    let mut list: *mut CK_FUNCTION_LIST = ptr::null_mut();
    assert_eq!(unsafe { C_GetFunctionList(&mut list) }, CKR_OK);
    let list = unsafe { &*list };
    assert_eq!((list.version.major, list.version.minor), (2, 40));
    // 68 entries after the version, each a function pointer (Option<fn> is pointer-sized).
    let entries = (size_of::<CK_FUNCTION_LIST>() - size_of::<usize>()) / size_of::<usize>();
    assert_eq!(entries, 68);
    let base = (list as *const CK_FUNCTION_LIST).cast::<u8>();
    for index in 0..entries {
        let entry = unsafe { ptr::read_unaligned(base.add(size_of::<usize>() * (index + 1)).cast::<usize>()) };
        assert_ne!(entry, 0, "function list entry {index} is NULL");
    }
    assert_eq!(unsafe { C_GetFunctionList(ptr::null_mut()) }, CKR_ARGUMENTS_BAD);
    let mut info = CK_INFO::default();
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(unsafe { C_GetInfo(&mut info) }, CKR_CRYPTOKI_NOT_INITIALIZED);
    assert_eq!(
        unsafe { (list.C_Verify.unwrap())(0, ptr::null_mut(), 0, ptr::null_mut(), 0) },
        CKR_FUNCTION_NOT_SUPPORTED
    );
}

#[test]
fn initialize_arguments_and_state() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut args = CK_C_INITIALIZE_ARGS { pReserved: ptr::dangling_mut(), ..Default::default() };
    assert_eq!(unsafe { C_Initialize((&raw mut args).cast()) }, CKR_ARGUMENTS_BAD);
    assert_eq!(unsafe { C_Finalize(ptr::null_mut()) }, CKR_CRYPTOKI_NOT_INITIALIZED);
    let module = Module::new(Box::new(FakeBackend::one_card(FakeCard::new())));
    assert_eq!(general::install(module), CKR_OK);
    let mut args = CK_C_INITIALIZE_ARGS { flags: CKF_OS_LOCKING_OK, ..Default::default() };
    assert_eq!(unsafe { C_Initialize((&raw mut args).cast()) }, CKR_CRYPTOKI_ALREADY_INITIALIZED);
    assert_eq!(unsafe { C_Finalize(ptr::dangling_mut()) }, CKR_ARGUMENTS_BAD);
    assert_eq!(unsafe { C_Finalize(ptr::null_mut()) }, CKR_OK);
}

#[test]
fn slot_list_and_token_info_through_pointers() {
    with_fake(|| unsafe {
        let mut count: CK_ULONG = 0;
        assert_eq!(C_GetSlotList(CK_TRUE, ptr::null_mut(), &mut count), CKR_OK);
        assert_eq!(count, 1);
        let mut slots = [99; 1];
        count = 0;
        assert_eq!(C_GetSlotList(CK_TRUE, slots.as_mut_ptr(), &mut count), CKR_BUFFER_TOO_SMALL);
        assert_eq!(count, 1);
        assert_eq!(C_GetSlotList(CK_TRUE, slots.as_mut_ptr(), &mut count), CKR_OK);
        assert_eq!(slots, [0]);
        assert_eq!(C_GetSlotList(CK_TRUE, slots.as_mut_ptr(), ptr::null_mut()), CKR_ARGUMENTS_BAD);

        let mut token = CK_TOKEN_INFO::default();
        assert_eq!(C_GetTokenInfo(0, &mut token), CKR_OK);
        assert_eq!(&token.label[..16], b"Taiwan New eID  ");
        assert_eq!(&token.serialNumber, b"210012345       ");
        assert_eq!((token.ulMinPinLen, token.ulMaxPinLen), (8, 12));
        assert_eq!(C_GetTokenInfo(0, ptr::null_mut()), CKR_ARGUMENTS_BAD);
        assert_eq!(C_GetTokenInfo(5, &mut token), CKR_SLOT_ID_INVALID);

        let mut mechanisms: CK_ULONG = 0;
        assert_eq!(C_GetMechanismList(0, ptr::null_mut(), &mut mechanisms), CKR_OK);
        assert_eq!(mechanisms as usize, crate::mechanism::MECHANISMS.len());
        let mut info = CK_MECHANISM_INFO::default();
        assert_eq!(C_GetMechanismInfo(0, CKM_ECDSA_SHA384, &mut info), CKR_OK);
        assert_eq!((info.ulMinKeySize, info.ulMaxKeySize), (384, 384));
        assert_ne!(info.flags & CKF_SIGN, 0);
        assert_eq!(C_GetMechanismInfo(0, CKM_AES_CBC, &mut info), CKR_MECHANISM_INVALID);
    });
}

#[test]
fn get_attribute_value_answers_each_attribute() {
    with_fake(|| unsafe {
        let session = open_logged_in();
        let key = find_one(session, CKO_PRIVATE_KEY, 0x01);
        let mut modulus = [0u8; 256];
        let mut small = [0u8; 4];
        let mut template = [
            CK_ATTRIBUTE { type_: CKA_MODULUS, pValue: ptr::null_mut(), ulValueLen: 0 },
            CK_ATTRIBUTE { type_: CKA_PRIVATE_EXPONENT, pValue: ptr::null_mut(), ulValueLen: 0 },
            CK_ATTRIBUTE { type_: 0x7FFF_0000, pValue: ptr::null_mut(), ulValueLen: 0 },
        ];
        assert_eq!(C_GetAttributeValue(session, key, template.as_mut_ptr(), 3), CKR_ATTRIBUTE_SENSITIVE);
        assert_eq!(template[0].ulValueLen, 256, "length query");
        assert_eq!(template[1].ulValueLen, CK_ULONG::MAX, "sensitive");
        assert_eq!(template[2].ulValueLen, CK_ULONG::MAX, "unknown type");

        template[0].pValue = modulus.as_mut_ptr().cast();
        template[0].ulValueLen = 256;
        assert_eq!(C_GetAttributeValue(session, key, template.as_mut_ptr(), 1), CKR_OK);
        assert_eq!(modulus, [0xC5; 256]);
        template[0].pValue = small.as_mut_ptr().cast();
        template[0].ulValueLen = 4;
        assert_eq!(C_GetAttributeValue(session, key, template.as_mut_ptr(), 1), CKR_BUFFER_TOO_SMALL);
        assert_eq!(template[0].ulValueLen, CK_ULONG::MAX);
        assert_eq!(C_GetAttributeValue(session, key, ptr::null_mut(), 1), CKR_ARGUMENTS_BAD);
        assert_eq!(C_GetAttributeValue(session, 4242, template.as_mut_ptr(), 1), CKR_OBJECT_HANDLE_INVALID);
    });
}

#[test]
fn sign_through_pointers() {
    with_fake(|| unsafe {
        let session = open_logged_in();
        let key = find_one(session, CKO_PRIVATE_KEY, 0x01);
        let mut mechanism =
            CK_MECHANISM { mechanism: CKM_SHA256_RSA_PKCS, pParameter: ptr::null_mut(), ulParameterLen: 0 };
        assert_eq!(C_SignInit(session, &mut mechanism, key), CKR_OK);
        let mut data = *b"data to sign";
        let mut len: CK_ULONG = 0;
        assert_eq!(C_Sign(session, data.as_mut_ptr(), data.len() as CK_ULONG, ptr::null_mut(), &mut len), CKR_OK);
        assert_eq!(len, 256);
        let mut signature = vec![0u8; 256];
        assert_eq!(
            C_Sign(session, data.as_mut_ptr(), data.len() as CK_ULONG, signature.as_mut_ptr(), &mut len),
            CKR_OK
        );
        assert_eq!(signature, vec![FAKE_RSA_SIGNATURE; 256]);
        assert_eq!(C_Sign(session, ptr::null_mut(), 5, signature.as_mut_ptr(), &mut len), CKR_ARGUMENTS_BAD);
        assert_eq!(C_SignInit(session, ptr::null_mut(), key), CKR_ARGUMENTS_BAD);

        let mut info = CK_SESSION_INFO::default();
        assert_eq!(C_GetSessionInfo(session, &mut info), CKR_OK);
        assert_eq!((info.slotID, info.state), (0, CKS_RW_USER_FUNCTIONS));
        assert_eq!(C_Logout(session), CKR_OK);
        assert_eq!(C_CloseSession(session), CKR_OK);
        assert_eq!(C_CloseSession(session), CKR_SESSION_HANDLE_INVALID);
    });
}

#[test]
fn a_longer_signature_than_planned_is_never_written_past_the_buffer() {
    // A faulty card answers 257 bytes to an RSA-2048 signature.
    let card = FakeCard::new();
    card.lock().unwrap().signature_len = Some(257);
    with_fake_card(card, || unsafe {
        let session = open_logged_in();
        let key = find_one(session, CKO_PRIVATE_KEY, 0x01);
        let mut mechanism =
            CK_MECHANISM { mechanism: CKM_SHA256_RSA_PKCS, pParameter: ptr::null_mut(), ulParameterLen: 0 };
        assert_eq!(C_SignInit(session, &mut mechanism, key), CKR_OK);
        let mut data = *b"data to sign";
        // 256 bytes given (the length C_Sign announced), 8 guard bytes after.
        let mut buffer = vec![0xEEu8; 264];
        let mut len: CK_ULONG = 256;
        let rv = C_Sign(session, data.as_mut_ptr(), data.len() as CK_ULONG, buffer.as_mut_ptr(), &mut len);
        assert_eq!(rv, CKR_DEVICE_ERROR);
        assert_eq!(buffer, vec![0xEE; 264], "nothing written");
        assert_eq!(len, 256);
        assert_eq!(C_CloseSession(session), CKR_OK);
    });
}
