//! SCP03 against published vectors (pySim `tests/unittests/test_globalplatform.py`,
//! AES-128 key set, security levels 11 and 03: cryptograms, EXTERNAL
//! AUTHENTICATE, C-MAC, C-DECRYPTION with the counter, R-MAC; NIST CAVP
//! KDFCTR CMAC-AES128 with the counter in the middle), then host ↔ card
//! round trips at every level and the tampering each side must detect.

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::apdu::CommandApdu;
use crate::protocol::symmetric;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    h(s).try_into().unwrap()
}

/// pySim's KEYSET_AES128: KVN 30, ENC 00..0F, MAC 10..1F, DEK 20..2F.
fn pysim_keys() -> StaticKeys {
    StaticKeys {
        kvn: 0x30,
        enc: arr("000102030405060708090a0b0c0d0e0f"),
        mac: arr("101112131415161718191a1b1c1d1e1f"),
        dek: arr("202122232425262728292a2b2c2d2e2f"),
    }
}

/// One pySim SCP03 vector set: the session opened, then GET EID (E2 91)
/// and the four APDU cases, in the order pySim runs them.
struct Vector {
    level: SecurityLevel,
    init_update_cmd: &'static str,
    init_update_rsp: &'static str,
    ext_auth_cmd: &'static str,
    get_eid_cmd: &'static str,
    get_eid_rsp: &'static str,
    cases: [&'static str; 4],
}

const GET_EID_PLAIN: &str = "80E2910006BF3E035C015A00";
const GET_EID_RSP_PLAIN: &str = "bf3e125a1089882119900000000000000000000005";
const CASES_PLAIN: [&str; 4] = ["80F22002", "80ca006600", "80F220020a4f0212345c054f9f70c5", "80f28002024f0000"];

const SL_11: Vector = Vector {
    level: SecurityLevel::CMacRMac,
    init_update_cmd: "8050300008b13e5f938fc108c400",
    init_update_rsp: "000000000000000000003003703eb51047495b249f66c484c1d2ef1948000002",
    ext_auth_cmd: "84821100107d5f5826a993ebc89eea24957fa0b3ce",
    get_eid_cmd: "84e291000ebf3e035c015a558d036518a2829700",
    get_eid_rsp: "bf3e125a1089882119900000000000000000000005971be68992dbbdfa",
    cases: [
        "84f220020863a63f8959827fb2",
        "84ca006608a0c6a4a74166f7ce00",
        "84f22002124f0212345c054f9f70c52249b50272656536",
        "84f280020a4f00e91443f6dce6b8ed00",
    ],
};

const SL_03: Vector = Vector {
    level: SecurityLevel::CDecCMac,
    init_update_cmd: "80503000088e1552d0513c60f300",
    init_update_rsp: "0000000000000000000030037030760cd2c47c1dd395065fe5ead8a9d7000001",
    ext_auth_cmd: "8482030010fd4721a14d9b07003c451d2f8ae6bb21",
    get_eid_cmd: "84e2910018ca9c00f6713d79bc8baa642bdff51c3f6a4082d3bd9ad26c00",
    get_eid_rsp: "bf3e125a1089882119900000000000000000000005",
    cases: [
        "84f2200208c9811b11f1264cf1",
        "84ca006608e10ab60b3054798800",
        "84f22002184e2908bdb48b2315a55482e9e936ca122d6ecfae7d17416e",
        "84f28002180dd10a6b6193e5340b9e77d32d5a179cd710ac2773aefb2800",
    ],
};

fn with_9000(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    out.extend_from_slice(&[0x90, 0x00]);
    out
}

fn host_side(v: &Vector) {
    let init = h(v.init_update_cmd);
    let host_challenge: [u8; 8] = init[5..13].try_into().unwrap();
    assert_eq!(initialize_update_command(0x30, &host_challenge), init);
    let response = InitializeUpdateResponse::parse(&h(v.init_update_rsp)).unwrap();
    assert_eq!(response.to_bytes(), h(v.init_update_rsp));
    let (mut session, ext_auth) = HostSession::open(&pysim_keys(), &host_challenge, &response, v.level).unwrap();
    assert_eq!(ext_auth, h(v.ext_auth_cmd));
    assert_eq!(session.wrap_command(&h(GET_EID_PLAIN)).unwrap(), h(v.get_eid_cmd));
    let (data, sw) = session.unwrap_response(&with_9000(&h(v.get_eid_rsp))).unwrap();
    assert_eq!((data, sw), (h(GET_EID_RSP_PLAIN), 0x9000));
    for (plain, wrapped) in CASES_PLAIN.iter().zip(v.cases) {
        assert_eq!(session.wrap_command(&h(plain)).unwrap(), h(wrapped), "{plain}");
    }
}

fn card_side(v: &Vector) {
    let init = h(v.init_update_cmd);
    let host_challenge: [u8; 8] = init[5..13].try_into().unwrap();
    let published = InitializeUpdateResponse::parse(&h(v.init_update_rsp)).unwrap();
    let (pending, response) =
        CardPending::initialize_update(&pysim_keys(), &published.kdd, &host_challenge, published.card_challenge);
    assert_eq!(response.card_cryptogram, published.card_cryptogram);
    let mut session = pending.external_authenticate(&CommandApdu::parse(&h(v.ext_auth_cmd)).unwrap()).unwrap();
    assert_eq!(session.level(), v.level);
    let plain = session.unwrap_command(&CommandApdu::parse(&h(v.get_eid_cmd)).unwrap()).unwrap();
    let expected = CommandApdu::parse(&h(GET_EID_PLAIN)).unwrap();
    assert_eq!((plain.cla, plain.ins, plain.p1, plain.p2), (0x00, 0xE2, 0x91, 0x00));
    assert_eq!((plain.data, plain.ne), (expected.data, expected.ne));
    assert_eq!(session.wrap_response(&h(GET_EID_RSP_PLAIN), 0x9000), with_9000(&h(v.get_eid_rsp)));
    for (plain, wrapped) in CASES_PLAIN.iter().zip(v.cases) {
        let unwrapped = session.unwrap_command(&CommandApdu::parse(&h(wrapped)).unwrap()).unwrap();
        let expected = CommandApdu::parse(&h(plain)).unwrap();
        assert_eq!((unwrapped.ins, unwrapped.data, unwrapped.ne), (expected.ins, expected.data, expected.ne));
    }
}

#[test]
fn pysim_vectors_security_level_11_host() {
    host_side(&SL_11);
}

#[test]
fn pysim_vectors_security_level_03_host() {
    host_side(&SL_03);
}

#[test]
fn pysim_vectors_security_level_11_card() {
    card_side(&SL_11);
}

#[test]
fn pysim_vectors_security_level_03_card() {
    card_side(&SL_03);
}

/// NIST CAVP KDFCTR_gen.txt, [PRF=CMAC_AES128] [CTRLOCATION=MIDDLE_FIXED]
/// [RLEN=8_BITS], L = 128.
#[test]
fn counter_mode_matches_nist_cavp_middle_fixed_8_bit_counter() {
    let key = arr("b6e04abd1651f8794d4326f4c684e631");
    let before = h("93612f7256c46a3d856d3e951e32dbf15fe11159d0b389ad38d603850fee6d18d22031435ed36ee20da76745fbea4b10fe1e");
    let after = h("99322aae605a5f01e32b");
    let mut out = [0u8; 16];
    counter_mode(&key, &before, &after, &mut out).unwrap();
    assert_eq!(out.to_vec(), h("dcb1db87a68762c6b3354779fa590bef"));
}

/// The SCP03 input layout, and more than one block (i = 1, 2, 3).
#[test]
fn derive_lays_out_label_constant_length_counter_context() {
    let key = [0x42u8; 16];
    let context = [7u8; 16];
    let out = derive(&key, DerivationConstant::SEnc, 0x0140, &context).unwrap();
    assert_eq!(out.len(), 40);
    for (i, block) in out.chunks(16).enumerate() {
        let mut input = vec![0u8; 11];
        input.extend_from_slice(&[0x04, 0x00, 0x01, 0x40, i as u8 + 1]);
        input.extend_from_slice(&context);
        let expected = symmetric::cmac(&key, &[&input]).unwrap();
        assert_eq!(block, &expected[..block.len()]);
    }
    let mut too_long = vec![0u8; 256 * 16];
    assert!(matches!(counter_mode(&key, &[], &[], &mut too_long), Err(Scp03Error::WrongLength { .. })));
}

#[test]
fn kdd_is_the_zero_padded_card_number() {
    assert_eq!(kdd_from_card_number("210012345").unwrap(), Kdd(arr("30323130303132333435")));
    assert_eq!(kdd_from_card_number("1234567890").unwrap().0, *b"1234567890");
    for bad in ["", "12345678901", "21001234X", "２１"] {
        assert_eq!(kdd_from_card_number(bad), Err(Scp03Error::InvalidCardNumber), "{bad}");
    }
}

#[test]
fn diversification_is_cmac_of_neid_constant_kdd() {
    let master = pysim_keys();
    let kdd = kdd_from_card_number("210012345").unwrap();
    let card = diversify(&master, &kdd);
    assert_eq!(card.kvn, 0x30);
    for (key, master_key, constant) in [(card.enc, master.enc, 1u8), (card.mac, master.mac, 2), (card.dek, master.dek, 3)] {
        let expected = symmetric::cmac(&master_key, &[b"neid", &[constant], &kdd.0]).unwrap();
        assert_eq!(key, expected);
    }
    let other = diversify(&master, &kdd_from_card_number("210012346").unwrap());
    assert_ne!(card.enc, other.enc);
    assert_eq!(StaticKeys::from_bytes(&card.to_bytes()).unwrap(), card);
    assert_eq!(card.to_bytes().len(), 49);
    assert!(StaticKeys::from_bytes(&[0x30; 48]).is_err());
    assert!(!alloc::format!("{card:?}").contains("enc"), "keys never in Debug output");
}

/// A session opened on both sides with fresh challenges.
fn open(level: SecurityLevel, seed: u8) -> (HostSession, CardSession) {
    let keys = diversify(&pysim_keys(), &kdd_from_card_number("210012345").unwrap());
    let host_challenge = [seed; 8];
    let (pending, response) = CardPending::initialize_update(&keys, &Kdd(*b"0210012345"), &host_challenge, [seed ^ 0x5A; 8]);
    let response = InitializeUpdateResponse::parse(&response.to_bytes()).unwrap();
    assert_eq!(response.i, 0x20, "random challenge, R-MAC, no R-ENC");
    let (host, ext_auth) = HostSession::open(&keys, &host_challenge, &response, level).unwrap();
    let card = pending.external_authenticate(&CommandApdu::parse(&ext_auth).unwrap()).unwrap();
    (host, card)
}

fn plain_commands() -> Vec<Vec<u8>> {
    let mut commands = vec![h("00A4040C06D15800000101"), h("00B0810000"), h("0020008108") ];
    commands[2].extend_from_slice(b"13572468");
    commands.push(h("00CA0101"));
    // Extended: a 600-byte data field with extended Le; an extended Le alone; exactly 255 bytes.
    let mut extended = CommandApdu::new(0x00, 0xDA, 0x01, 0x01, vec![0xA5; 600], Some(65_536));
    extended.extended = true;
    commands.push(extended.to_bytes().unwrap());
    commands.push(h("0046000100 0000"));
    commands.push(CommandApdu::new(0x00, 0xD6, 0, 0, vec![0x11; 255], None).to_bytes().unwrap());
    // A chain link and a proprietary class.
    commands.push(h("10DA0101 03 010203"));
    commands.push(h("80CA0066 00"));
    commands
}

#[test]
fn round_trip_at_every_level() {
    for (n, level) in SecurityLevel::ALL.into_iter().enumerate() {
        let (mut host, mut card) = open(level, n as u8);
        for plain in plain_commands() {
            let wrapped = host.wrap_command(&plain).unwrap();
            let received = CommandApdu::parse(&wrapped).unwrap();
            let expected = CommandApdu::parse(&plain).unwrap();
            assert_eq!(received.cla, 0x84 | (expected.cla & 0x10));
            assert_eq!(received.ne, expected.ne, "Le unchanged");
            if level.command_decryption() && !expected.data.is_empty() {
                assert!(!received.data.windows(4).any(|w| w == [0xA5; 4] || w == [0x11; 4]), "data encrypted");
            }
            let unwrapped = card.unwrap_command(&received).unwrap();
            assert_eq!(unwrapped.cla, expected.cla & 0x10, "ISO class 00 / 10");
            assert_eq!((unwrapped.ins, unwrapped.p1, unwrapped.p2), (expected.ins, expected.p1, expected.p2));
            assert_eq!((&unwrapped.data, unwrapped.ne), (&expected.data, expected.ne));
            for (data, sw) in [(vec![1, 2, 3], 0x9000), (vec![], 0x63C2), (vec![], 0x6A82), (vec![9; 300], 0x6282)] {
                let response = card.wrap_response(&data, sw);
                let has_mac = level.response_mac() && sw != 0x6A82;
                assert_eq!(response.len(), data.len() + 2 + if has_mac { 8 } else { 0 });
                assert_eq!(host.unwrap_response(&response).unwrap(), (data, sw));
            }
        }
    }
}

/// GP Amd D §6.2.5: on the R-MAC levels an error status word comes alone,
/// without the data the command produced and without R-MAC; a warning keeps
/// both. The levels without R-MAC answer `data ‖ SW` as it is.
#[test]
fn an_error_status_word_drops_the_data_on_r_mac_levels() {
    for (n, level) in SecurityLevel::ALL.into_iter().enumerate() {
        let (mut host, mut card) = open(level, 0x40 + n as u8);
        let wrapped = host.wrap_command(&h("00B0810000")).unwrap();
        card.unwrap_command(&CommandApdu::parse(&wrapped).unwrap()).unwrap();
        let data = [7u8; 5];
        let error = card.wrap_response(&data, 0x6A80);
        let warning = card.wrap_response(&data, 0x6282);
        if level.response_mac() {
            assert_eq!(error, [0x6A, 0x80], "{level:?}");
            assert_eq!(warning.len(), data.len() + 8 + 2, "{level:?}");
            assert_eq!(card.response_mac_len(), 8);
        } else {
            assert_eq!(error, [7, 7, 7, 7, 7, 0x6A, 0x80], "{level:?}");
            assert_eq!(warning, [7, 7, 7, 7, 7, 0x62, 0x82], "{level:?}");
            assert_eq!(card.response_mac_len(), 0);
        }
        assert_eq!(host.unwrap_response(&warning).unwrap(), (data.to_vec(), 0x6282));
    }
}

#[test]
fn card_refuses_every_tampered_command_byte() {
    for level in SecurityLevel::ALL {
        let (mut host, _) = open(level, 1);
        let wrapped = host.wrap_command(&h("00DA0101 05 0102030405 00")).unwrap();
        for i in 0..wrapped.len() - 1 {
            let (_, mut card) = open(level, 1);
            let mut bad = wrapped.clone();
            bad[i] ^= 0x01;
            let Ok(cmd) = CommandApdu::parse(&bad) else { continue };
            assert!(card.unwrap_command(&cmd).is_err(), "level {level:?}, byte {i} flipped");
        }
        // The unchanged command passes (the loop above tests a fresh card each time).
        let (_, mut card) = open(level, 1);
        let cmd = CommandApdu::parse(&wrapped).unwrap();
        card.unwrap_command(&cmd).unwrap();
        // A replay does not: the chaining value has moved on.
        assert_eq!(card.unwrap_command(&cmd).unwrap_err(), Scp03Error::CMacMismatch);
    }
}

#[test]
fn card_refuses_missing_mac_and_foreign_class() {
    let (_, mut card) = open(SecurityLevel::CMac, 2);
    let short = CommandApdu::new(0x84, 0xB0, 0, 0, vec![1, 2, 3], None);
    assert_eq!(card.unwrap_command(&short).unwrap_err(), Scp03Error::CMacMismatch);
    let plain = CommandApdu::new(0x00, 0xB0, 0, 0, vec![0; 8], None);
    assert_eq!(card.unwrap_command(&plain).unwrap_err(), Scp03Error::CMacMismatch);
    assert_eq!(Scp03Error::CMacMismatch.status_word(), 0x6982);
}

#[test]
fn host_refuses_tampered_or_missing_response_mac() {
    let (mut host, mut card) = open(SecurityLevel::CDecCMacRMac, 3);
    let wrapped = host.wrap_command(&h("00B0810000")).unwrap();
    card.unwrap_command(&CommandApdu::parse(&wrapped).unwrap()).unwrap();
    let response = card.wrap_response(&[1, 2, 3, 4], 0x9000);
    for i in 0..response.len() {
        let mut bad = response.clone();
        bad[i] ^= 0x80;
        // A flipped SW1 may turn 9000 into an error word, which carries no R-MAC.
        if let Ok((data, sw)) = host.unwrap_response(&bad) {
            assert!(!channel::carries_response_mac(sw), "byte {i}: {data:02X?} {sw:04X}");
        }
    }
    assert_eq!(host.unwrap_response(&[0x90, 0x00]), Err(Scp03Error::RMacMismatch));
    assert_eq!(host.unwrap_response(&[0x90]), Err(Scp03Error::ResponseTooShort));
    assert_eq!(host.unwrap_response(&response).unwrap(), (vec![1, 2, 3, 4], 0x9000));
}

#[test]
fn host_refuses_foreign_keys_and_unwrappable_commands() {
    let keys = pysim_keys();
    let (_, response) = CardPending::initialize_update(&keys, &Kdd([0; 10]), &[1; 8], [2; 8]);
    let mut other = pysim_keys();
    other.mac[0] ^= 1;
    assert_eq!(
        HostSession::open(&other, &[1; 8], &response, SecurityLevel::CMac).unwrap_err(),
        Scp03Error::CardCryptogramMismatch
    );
    other = pysim_keys();
    other.kvn = 0x31;
    assert_eq!(
        HostSession::open(&other, &[1; 8], &response, SecurityLevel::CMac).unwrap_err(),
        Scp03Error::KeyVersionMismatch { card: 0x30, host: 0x31 }
    );
    let mut no_rmac = response.clone();
    no_rmac.i = 0x00;
    assert_eq!(
        HostSession::open(&keys, &[1; 8], &no_rmac, SecurityLevel::CMacRMac).unwrap_err(),
        Scp03Error::RMacNotSupported { i: 0 }
    );
    let (mut host, _) = HostSession::open(&keys, &[1; 8], &response, SecurityLevel::CMac).unwrap();
    assert_eq!(host.wrap_command(&[0x00, 0xB0]), Err(Scp03Error::MalformedCommand));
    assert_eq!(host.wrap_command(&h("0CB0000000")), Err(Scp03Error::UnsupportedClass(0x0C)));
    assert_eq!(host.wrap_command(&h("84B0000000")), Err(Scp03Error::UnsupportedClass(0x84)));
    let huge = CommandApdu::new(0x00, 0xD6, 0, 0, vec![0; 65_530], None).to_bytes().unwrap();
    assert_eq!(host.wrap_command(&huge), Err(Scp03Error::DataTooLong(65_538)));
    assert_eq!(
        InitializeUpdateResponse::parse(&[0; 28]).unwrap_err(),
        Scp03Error::WrongLength { field: "INITIALIZE UPDATE response", expected: 29, actual: 28 }
    );
    let mut scp02 = response.to_bytes();
    scp02[11] = 0x02;
    assert_eq!(InitializeUpdateResponse::parse(&scp02).unwrap_err(), Scp03Error::UnsupportedProtocol(2));
}

#[test]
fn external_authenticate_checks_in_order() {
    let keys = pysim_keys();
    let pending = || CardPending::initialize_update(&keys, &Kdd([0; 10]), &[1; 8], [2; 8]);
    let (_, response) = pending();
    let (_, ext_auth) = HostSession::open(&keys, &[1; 8], &response, SecurityLevel::CDecCMacRMac).unwrap();
    let ok = CommandApdu::parse(&ext_auth).unwrap();
    let attempt = |cmd: &CommandApdu| pending().0.external_authenticate(cmd).map(|s| s.level());
    assert_eq!(attempt(&ok), Ok(SecurityLevel::CDecCMacRMac));
    let mut bad = ok.clone();
    bad.p1 = 0x33;
    assert_eq!(attempt(&bad), Err(Scp03Error::UnsupportedSecurityLevel(0x33)));
    bad = ok.clone();
    bad.p2 = 0x01;
    assert_eq!(attempt(&bad).unwrap_err().status_word(), 0x6A86);
    bad = ok.clone();
    bad.data.pop();
    assert_eq!(attempt(&bad).unwrap_err().status_word(), 0x6700);
    bad = ok.clone();
    bad.data[0] ^= 1;
    assert_eq!(attempt(&bad), Err(Scp03Error::HostCryptogramMismatch));
    assert_eq!(Scp03Error::HostCryptogramMismatch.status_word(), 0x6300);
    bad = ok.clone();
    bad.data[15] ^= 1;
    assert_eq!(attempt(&bad), Err(Scp03Error::CMacMismatch));
    // Another level in P1 than the host MACed: the MAC does not verify.
    bad = ok.clone();
    bad.p1 = 0x01;
    assert_eq!(attempt(&bad), Err(Scp03Error::CMacMismatch));
    assert_eq!(check_external_authenticate(&[0x90, 0x00]), Ok(()));
    assert_eq!(
        check_external_authenticate(&[0x63, 0x00]),
        Err(Scp03Error::CardRefused { command: "EXTERNAL AUTHENTICATE", sw: 0x6300 })
    );
}

#[test]
fn initialize_update_checks() {
    let cmd = CommandApdu::parse(&initialize_update_command(0x30, &[9; 8])).unwrap();
    assert_eq!(check_initialize_update(&cmd), Ok([9; 8]));
    let mut bad = cmd.clone();
    bad.p2 = 1;
    assert_eq!(check_initialize_update(&bad).unwrap_err().status_word(), 0x6A86);
    bad = cmd.clone();
    bad.data.push(0);
    assert_eq!(check_initialize_update(&bad).unwrap_err().status_word(), 0x6700);
}

#[test]
fn security_levels() {
    for byte in 0..=255u8 {
        let level = SecurityLevel::from_byte(byte);
        assert_eq!(level.is_some(), [0x01, 0x03, 0x11, 0x13].contains(&byte), "{byte:02X}");
        if let Some(level) = level {
            assert_eq!(level.to_byte(), byte);
            assert_eq!(level.command_decryption(), byte & 0x02 != 0);
            assert_eq!(level.response_mac(), byte & 0x10 != 0);
        }
    }
}
