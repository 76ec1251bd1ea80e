//! The issuer's SCP03 session through `Card::process` (docs/spec/scp03.md):
//! INITIALIZE UPDATE and EXTERNAL AUTHENTICATE with their status words, a
//! test application whose EF and commands need `IssuerSession`, every
//! security level, the session end rules, and a 600-byte data field chained
//! through the session. The host side is `protocol::scp03::HostSession`,
//! the same code the terminal uses.

mod pace_support;

use std::collections::BTreeMap;

use card_os::fs::{Df, DfRules, Ef, EfRules, Node, FID_MF};
use card_os::gp;
use card_os::pin::{PinId, PinRecord};
use card_os::protocol::scp03::{
    diversify, initialize_update_command, kdd_from_card_number, HostSession, InitializeUpdateResponse, Kdd,
    SecurityLevel, StaticKeys, KVN_ANY,
};
use card_os::{
    AccessCondition, Applet, AppletRegistry, Card, CardImage, CommandApdu, CommandContext, Interface, LifeCycle,
    Response, StatusWord,
};
use pace_support::TestRng;

const TEST_AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x99];
const CARD_NUMBER: &str = "210012345";
const KVN: u8 = 0x30;
const PIN2: &[u8] = b"13572468";
/// The application's EF: anyone reads, only the issuer updates.
const SFI_ISSUER: u8 = 1;

/// The applet's instructions: PUT (issuer only, chaining), GET, and STATUS
/// (what the command context says: issuer session, PIN2 verified).
const INS_PUT: u8 = 0xDA;
const INS_GET: u8 = 0xCA;
const INS_STATUS: u8 = 0xEE;
const OBJECT: &str = "test.issuer.data";

const SW_OK: u16 = 0x9000;

struct IssuerApplet;

impl Applet for IssuerApplet {
    fn process(&self, ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
        match cmd.ins {
            INS_PUT => {
                AccessCondition::contact_only(AccessCondition::IssuerSession).check(&ctx.access())?;
                ctx.nvm.set_object(OBJECT, cmd.data.clone());
                Ok(Response::empty())
            }
            INS_GET => Ok(Response::ok(ctx.nvm.image().objects.get(OBJECT).cloned().unwrap_or_default())),
            INS_STATUS => Ok(Response::ok(vec![ctx.issuer_session as u8, ctx.security.pin2_verified as u8])),
            _ => Err(StatusWord::InsNotSupported),
        }
    }

    fn supports_chaining(&self, ins: u8) -> bool {
        ins == INS_PUT
    }
}

fn master_keys() -> StaticKeys {
    StaticKeys { kvn: KVN, enc: [0x40; 16], mac: [0x41; 16], dek: [0x42; 16] }
}

fn kdd() -> Kdd {
    kdd_from_card_number(CARD_NUMBER).unwrap()
}

fn image() -> CardImage {
    let ef = Node::Ef(Ef {
        fid: 0x0101,
        sfi: Some(SFI_ISSUER),
        rules: EfRules { read: AccessCondition::Always, update: AccessCondition::IssuerSession },
        data: vec![0; 8],
    });
    let app = Node::Df(Df {
        fid: Some(0xDF01),
        aid: Some(TEST_AID.to_vec()),
        rules: DfRules { terminate: AccessCondition::Never },
        children: vec![ef],
    });
    let mut objects = BTreeMap::new();
    objects.insert(PinId::Pin2.record_key().to_string(), PinRecord::new(PinId::Pin2.chip_policy(), true).encode());
    objects.insert(PinId::Pin2.value_key().to_string(), PIN2.to_vec());
    let mut image = CardImage {
        mf: Df { fid: Some(FID_MF), aid: None, rules: DfRules { terminate: AccessCondition::Never }, children: vec![app] },
        life_cycle: LifeCycle::Operational,
        objects,
    };
    gp::install_keys(&mut image, &diversify(&master_keys(), &kdd()), &kdd());
    image
}

fn card_from(image: CardImage) -> Card {
    let mut applets = AppletRegistry::new();
    applets.register(TEST_AID, Box::new(IssuerApplet));
    Card::with_applets(image, applets).with_rng(Box::new(TestRng::new("scp03 card")))
}

fn card() -> Card {
    card_from(image())
}

fn hex(s: &str) -> Vec<u8> {
    pace_support::hex(s)
}

fn sw(response: &[u8]) -> u16 {
    u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]])
}

fn select_app() -> Vec<u8> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, TEST_AID.len() as u8];
    apdu.extend_from_slice(TEST_AID);
    apdu
}

fn update_issuer_ef(data: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0xD6, 0x80 | SFI_ISSUER, 0x00, data.len() as u8];
    apdu.extend_from_slice(data);
    apdu
}

fn read_issuer_ef() -> Vec<u8> {
    vec![0x00, 0xB0, 0x80 | SFI_ISSUER, 0x00, 0x08]
}

fn verify_pin2() -> Vec<u8> {
    let mut apdu = vec![0x00, 0x20, 0x00, 0x81, PIN2.len() as u8];
    apdu.extend_from_slice(PIN2);
    apdu
}

/// INITIALIZE UPDATE with `host_challenge`: the raw answer.
fn initialize_update(card: &mut Card, kvn: u8, host_challenge: [u8; 8]) -> Vec<u8> {
    card.process(&initialize_update_command(kvn, &host_challenge))
}

/// The host's session after INITIALIZE UPDATE, and its EXTERNAL AUTHENTICATE APDU.
fn host_after_initialize_update(card: &mut Card, level: SecurityLevel) -> (HostSession, Vec<u8>) {
    let host_challenge = [0x11; 8];
    let answer = initialize_update(card, KVN_ANY, host_challenge);
    assert_eq!(sw(&answer), SW_OK);
    assert_eq!(answer.len(), 29 + 2);
    let response = InitializeUpdateResponse::parse(&answer[..answer.len() - 2]).unwrap();
    assert_eq!((response.kdd, response.kvn, response.i), (kdd(), KVN, 0x20));
    let keys = diversify(&master_keys(), &response.kdd);
    HostSession::open(&keys, &host_challenge, &response, level).unwrap()
}

/// Select the test application and open a session at `level`.
fn open(card: &mut Card, level: SecurityLevel) -> HostSession {
    assert_eq!(card.process(&select_app()), [0x90, 0x00]);
    let (host, ext_auth) = host_after_initialize_update(card, level);
    assert_eq!(card.process(&ext_auth), [0x90, 0x00], "EXTERNAL AUTHENTICATE answers plain 9000");
    assert!(card.has_issuer_session());
    host
}

/// Wrap, send, check the R-MAC: (data, SW).
fn send(card: &mut Card, host: &mut HostSession, apdu: &[u8]) -> (Vec<u8>, u16) {
    let wrapped = host.wrap_command(apdu).unwrap();
    host.unwrap_response(&card.process(&wrapped)).unwrap()
}

#[test]
fn every_level_opens_and_satisfies_issuer_session() {
    for level in SecurityLevel::ALL {
        let mut card = card();
        let mut host = open(&mut card, level);
        assert_eq!(send(&mut card, &mut host, &update_issuer_ef(&[1, 2, 3, 4])), (vec![], SW_OK), "{level:?}");
        // Le: the 8 data bytes and, at the R-MAC levels, the 8 bytes of the R-MAC.
        let ne = 8 + if level.response_mac() { 8 } else { 0 };
        let read = CommandApdu::new(0x00, 0xB0, 0x80 | SFI_ISSUER, 0, vec![], Some(ne)).to_bytes().unwrap();
        assert_eq!(send(&mut card, &mut host, &read), (vec![1, 2, 3, 4, 0, 0, 0, 0], SW_OK));
        assert_eq!(send(&mut card, &mut host, &hex("00DA0000 03 AABBCC")), (vec![], SW_OK));
        assert_eq!(send(&mut card, &mut host, &hex("00CA0000 00")), (vec![0xAA, 0xBB, 0xCC], SW_OK));
        assert_eq!(send(&mut card, &mut host, &hex("00EE0000 00")), (vec![1, 0], SW_OK));
        // The raw answer carries an R-MAC exactly at the R-MAC levels.
        let raw = card.process(&host.wrap_command(&hex("00EE0000 00")).unwrap());
        assert_eq!(raw.len(), 2 + 2 + if level.response_mac() { 8 } else { 0 }, "{level:?}");
        assert!(card.has_issuer_session());
        assert!(card.nvm_changed_since_last_check());
    }
}

#[test]
fn without_a_session_the_issuer_rules_refuse() {
    let mut card = card();
    assert_eq!(card.process(&select_app()), [0x90, 0x00]);
    assert_eq!(card.process(&update_issuer_ef(&[1])), [0x69, 0x82]);
    assert_eq!(card.process(&hex("00DA0000 01 AA")), [0x69, 0x82]);
    assert_eq!(card.process(&hex("00EE0000 00")), [0, 0, 0x90, 0x00]);
    // Class 84 with no session: 6982; EXTERNAL AUTHENTICATE without INITIALIZE UPDATE: 6985.
    assert_eq!(card.process(&hex("84B0810000")), [0x69, 0x82]);
    assert_eq!(card.process(&hex("8482010010 00000000000000000000000000000000")), [0x69, 0x85]);
    // Other proprietary classes still go to the application; at the MF: 6E00.
    assert_eq!(card.process(&hex("80EE0000 00")), [0, 0, 0x90, 0x00]);
    assert_eq!(card.process(&hex("00A4000C")), [0x90, 0x00]);
    assert_eq!(card.process(&hex("80CA000000")), [0x6E, 0x00]);
}

#[test]
fn a_plain_command_is_refused_and_ends_the_session() {
    let mut card = card();
    let mut host = open(&mut card, SecurityLevel::CMacRMac);
    // READ BINARY needs nothing, but inside the session it must be wrapped.
    assert_eq!(card.process(&read_issuer_ef()), [0x69, 0x82]);
    assert!(!card.has_issuer_session());
    let wrapped = host.wrap_command(&update_issuer_ef(&[9])).unwrap();
    assert_eq!(card.process(&wrapped), [0x69, 0x82]);
    assert_eq!(card.process(&update_issuer_ef(&[9])), [0x69, 0x82]);
    assert_eq!(card.process(&read_issuer_ef()), [0, 0, 0, 0, 0, 0, 0, 0, 0x90, 0x00]);
    // An ISO secure messaging class ends it too.
    let mut host = open(&mut card, SecurityLevel::CMac);
    assert_eq!(card.process(&hex("0CB0810000")), [0x69, 0x82]);
    assert!(!card.has_issuer_session());
    assert_eq!(card.process(&host.wrap_command(&read_issuer_ef()).unwrap()), [0x69, 0x82]);
}

#[test]
fn a_wrong_mac_is_6982_and_closes_the_session() {
    for level in SecurityLevel::ALL {
        let mut card = card();
        let mut host = open(&mut card, level);
        let mut wrapped = host.wrap_command(&update_issuer_ef(&[7])).unwrap();
        let last = wrapped.len() - 1;
        wrapped[last] ^= 0x01;
        assert_eq!(card.process(&wrapped), [0x69, 0x82], "{level:?}");
        assert!(!card.has_issuer_session());
        // Nothing was written, and the next properly wrapped command has no session.
        assert_eq!(card.process(&read_issuer_ef()), [0, 0, 0, 0, 0, 0, 0, 0, 0x90, 0x00]);
        let next = host.wrap_command(&update_issuer_ef(&[7])).unwrap();
        assert_eq!(card.process(&next), [0x69, 0x82]);
    }
}

#[test]
fn a_replayed_command_is_refused() {
    let mut card = card();
    let mut host = open(&mut card, SecurityLevel::CMac);
    let wrapped = host.wrap_command(&update_issuer_ef(&[5])).unwrap();
    assert_eq!(sw(&card.process(&wrapped)), SW_OK);
    assert_eq!(card.process(&wrapped), [0x69, 0x82]);
    assert!(!card.has_issuer_session());
}

#[test]
fn external_authenticate_status_words() {
    let mut card = card();
    assert_eq!(card.process(&select_app()), [0x90, 0x00]);
    // Wrong host cryptogram: 6300, no session, and the INITIALIZE UPDATE is spent.
    let (_, ext_auth) = host_after_initialize_update(&mut card, SecurityLevel::CMac);
    let mut wrong = ext_auth.clone();
    wrong[5] ^= 0x01;
    assert_eq!(card.process(&wrong), [0x63, 0x00]);
    assert!(!card.has_issuer_session());
    assert_eq!(card.process(&ext_auth), [0x69, 0x85]);
    // Wrong C-MAC: 6982.
    let (_, ext_auth) = host_after_initialize_update(&mut card, SecurityLevel::CMac);
    let mut wrong = ext_auth.clone();
    wrong[20] ^= 0x01;
    assert_eq!(card.process(&wrong), [0x69, 0x82]);
    assert!(!card.has_issuer_session());
    // Security level outside 01, 03, 11, 13: 6A86; Lc ≠ 16: 6700.
    let (_, mut ext_auth) = host_after_initialize_update(&mut card, SecurityLevel::CMac);
    ext_auth[2] = 0x33;
    assert_eq!(card.process(&ext_auth), [0x6A, 0x86]);
    let (_, ext_auth) = host_after_initialize_update(&mut card, SecurityLevel::CMac);
    let mut short = ext_auth[..ext_auth.len() - 1].to_vec();
    short[4] = 0x0F;
    assert_eq!(card.process(&short), [0x67, 0x00]);
    // Only directly after INITIALIZE UPDATE: any command in between spends it.
    let (_, ext_auth) = host_after_initialize_update(&mut card, SecurityLevel::CMac);
    assert_eq!(sw(&card.process(&read_issuer_ef())), SW_OK);
    assert_eq!(card.process(&ext_auth), [0x69, 0x85]);
    // Wrong issuer keys: the host sees the card cryptogram fail first.
    let answer = initialize_update(&mut card, KVN_ANY, [3; 8]);
    let response = InitializeUpdateResponse::parse(&answer[..29]).unwrap();
    let mut other = master_keys();
    other.mac[0] ^= 0x01;
    let error = HostSession::open(&diversify(&other, &response.kdd), &[3; 8], &response, SecurityLevel::CMac).unwrap_err();
    assert!(error.to_string().contains("issuer keys do not match"), "{error}");
}

/// scp03.md §EXTERNAL AUTHENTICATE: only directly after INITIALIZE UPDATE,
/// otherwise 6985 — inside an open session too, which it then ends.
#[test]
fn external_authenticate_inside_the_session_is_6985_and_ends_it() {
    for level in SecurityLevel::ALL {
        // As sent raw by a host that opens again without INITIALIZE UPDATE.
        let mut card = card();
        let mut host = open(&mut card, level);
        assert_eq!(card.process(&hex("8482010010 00000000000000000000000000000000")), [0x69, 0x85], "{level:?}");
        assert!(!card.has_issuer_session(), "{level:?}");
        assert_eq!(card.process(&host.wrap_command(&read_issuer_ef()).unwrap()), [0x69, 0x82]);
        // With a C-MAC that verifies (the host wrapped 00 82 to 84 82): still 6985, in plain.
        let mut host = open(&mut card, level);
        let ext_auth = host.wrap_command(&hex("0082010010 00000000000000000000000000000000")).unwrap();
        assert_eq!(&ext_auth[..2], [0x84, 0x82]);
        assert_eq!(card.process(&ext_auth), [0x69, 0x85], "{level:?}");
        assert!(!card.has_issuer_session(), "{level:?}");
        assert_eq!(card.process(&host.wrap_command(&read_issuer_ef()).unwrap()), [0x69, 0x82]);
    }
}

/// scp03.md §Wrapping: on the R-MAC levels the data and the 8-byte R-MAC
/// fit Ne together; 6Cxx names their total. Without R-MAC, the data alone.
#[test]
fn response_data_and_r_mac_fit_ne_together() {
    for level in SecurityLevel::ALL {
        let mut card = card();
        let mut host = open(&mut card, level);
        assert_eq!(send(&mut card, &mut host, &hex("00DA0000 03 AABBCC")), (vec![], SW_OK));
        let r_mac = if level.response_mac() { 8 } else { 0 };
        // Le 03: exactly the data.
        let get_3 = hex("00CA0000 03");
        if level.response_mac() {
            let raw = card.process(&host.wrap_command(&get_3).unwrap());
            assert_eq!(raw, [0x6C, 0x0B], "{level:?}: 3 data bytes + 8 R-MAC bytes");
            assert_eq!(host.unwrap_response(&raw).unwrap(), (vec![], 0x6C0B));
        } else {
            assert_eq!(send(&mut card, &mut host, &get_3), (vec![0xAA, 0xBB, 0xCC], SW_OK), "{level:?}");
        }
        // Le = data + R-MAC: answered, within Ne.
        let get_fit = CommandApdu::new(0x00, INS_GET, 0, 0, vec![], Some(3 + r_mac)).to_bytes().unwrap();
        let raw = card.process(&host.wrap_command(&get_fit).unwrap());
        assert_eq!(raw.len(), 3 + r_mac + 2, "{level:?}");
        assert_eq!(host.unwrap_response(&raw).unwrap(), (vec![0xAA, 0xBB, 0xCC], SW_OK));
        // No data and an Ne short of the R-MAC: 6C08.
        if level.response_mac() {
            let raw = card.process(&host.wrap_command(&hex("00EE0000 01")).unwrap());
            assert_eq!(raw, [0x6C, 0x0A], "{level:?}: 2 data bytes + 8 R-MAC bytes");
            let raw = card.process(&host.wrap_command(&hex("00A4020C 02 0101 04")).unwrap());
            assert_eq!(raw, [0x6C, 0x08], "{level:?}");
        }
        // READ BINARY reads what Ne leaves beside the R-MAC: Le 0C → 4 bytes at the R-MAC levels.
        let read = CommandApdu::new(0x00, 0xB0, 0x80 | SFI_ISSUER, 0, vec![], Some(4 + r_mac)).to_bytes().unwrap();
        assert_eq!(send(&mut card, &mut host, &read), (vec![0; 4], SW_OK), "{level:?}");
        assert!(card.has_issuer_session(), "{level:?}: a 6Cxx keeps the session");
    }
}

/// A SELECT refused for its Le in an R-MAC session leaves the selection as it was.
#[test]
fn a_select_refused_for_the_r_mac_changes_nothing() {
    let mut card = card();
    let mut host = open(&mut card, SecurityLevel::CMacRMac);
    let (fcp, sw) = send(&mut card, &mut host, &hex("00A40204 02 0101 00"));
    assert_eq!(sw, SW_OK);
    assert_eq!(send(&mut card, &mut host, &hex("00A4000C")), (vec![], SW_OK), "back to the MF (ends the session)");
    let mut host = open(&mut card, SecurityLevel::CMacRMac);
    let short = CommandApdu::new(0x00, 0xA4, 0x02, 0x04, vec![0x01, 0x01], Some(fcp.len())).to_bytes().unwrap();
    let raw = card.process(&host.wrap_command(&short).unwrap());
    assert_eq!(raw, [0x6C, (fcp.len() + 8) as u8]);
    // No current EF: READ BINARY without SFI has nothing to read.
    assert_eq!(send(&mut card, &mut host, &hex("00B00000 08")), (vec![], 0x6986));
}

#[test]
fn initialize_update_status_words() {
    let mut card = card();
    // Unknown KVN → 6A88; the card's own KVN or 00 → 9000.
    assert_eq!(initialize_update(&mut card, 0x31, [1; 8]), [0x6A, 0x88]);
    assert_eq!(sw(&initialize_update(&mut card, KVN, [1; 8])), SW_OK);
    // Lc ≠ 8 → 6700, P2 ≠ 00 → 6A86.
    assert_eq!(card.process(&hex("80500000 07 01020304050607 00")), [0x67, 0x00]);
    assert_eq!(card.process(&hex("80500001 08 0102030405060708 00")), [0x6A, 0x86]);
    // Short Le: 6C1D, nothing pending.
    assert_eq!(card.process(&hex("80500000 08 0102030405060708 10")), [0x6C, 0x1D]);
    assert_eq!(card.process(&hex("8482010010 00000000000000000000000000000000")), [0x69, 0x85]);
    // Two INITIALIZE UPDATE answers differ: the card challenge is random.
    let a = initialize_update(&mut card, KVN_ANY, [1; 8]);
    let b = initialize_update(&mut card, KVN_ANY, [1; 8]);
    assert_ne!(a[13..21], b[13..21]);
    // No keys → 6A88; no card RNG → 6F00; contactless → 6985.
    let mut bare = image();
    bare.objects.remove(gp::KEYS_OBJECT);
    assert_eq!(initialize_update(&mut card_from(bare), KVN_ANY, [1; 8]), [0x6A, 0x88]);
    let mut no_rng = Card::new(image());
    assert_eq!(initialize_update(&mut no_rng, KVN_ANY, [1; 8]), [0x6F, 0x00]);
    card.power_on(Interface::Contactless);
    assert_eq!(initialize_update(&mut card, KVN_ANY, [1; 8]), [0x69, 0x85]);
    assert_eq!(card.process(&hex("8482010010 00000000000000000000000000000000")), [0x69, 0x85]);
}

#[test]
fn session_end_rules() {
    // A wrapped SELECT of an application is answered under the session, then ends it.
    let mut card = card();
    let mut host = open(&mut card, SecurityLevel::CMacRMac);
    assert_eq!(send(&mut card, &mut host, &select_app()), (vec![], SW_OK));
    assert!(!card.has_issuer_session());
    // ... and so does a wrapped SELECT of the MF.
    let mut host = open(&mut card, SecurityLevel::CMac);
    assert_eq!(send(&mut card, &mut host, &hex("00A4000C")), (vec![], SW_OK));
    assert!(!card.has_issuer_session());
    // A wrapped SELECT of an EF keeps it.
    let mut host = open(&mut card, SecurityLevel::CMac);
    assert_eq!(send(&mut card, &mut host, &hex("00A4020C 02 0101")), (vec![], SW_OK));
    assert!(card.has_issuer_session());
    // A plain SELECT ends it and is processed.
    assert_eq!(card.process(&select_app()), [0x90, 0x00]);
    assert!(!card.has_issuer_session());
    // INITIALIZE UPDATE closes it.
    let mut host = open(&mut card, SecurityLevel::CMac);
    assert_eq!(sw(&initialize_update(&mut card, KVN_ANY, [2; 8])), SW_OK);
    assert!(!card.has_issuer_session());
    assert_eq!(card.process(&host.wrap_command(&read_issuer_ef()).unwrap()), [0x69, 0x82]);
    // A reset ends it (power-cycle path).
    let mut host = open(&mut card, SecurityLevel::CMac);
    card.power_on(Interface::Contact);
    assert!(!card.has_issuer_session());
    assert_eq!(card.process(&host.wrap_command(&read_issuer_ef()).unwrap()), [0x69, 0x82]);
}

#[test]
fn error_answers_carry_no_rmac_and_keep_the_session() {
    let mut card = card();
    let mut host = open(&mut card, SecurityLevel::CDecCMacRMac);
    let raw = card.process(&host.wrap_command(&hex("00B0850000")).unwrap());
    assert_eq!(raw, [0x6A, 0x82]);
    assert_eq!(host.unwrap_response(&raw).unwrap(), (vec![], 0x6A82));
    assert!(card.has_issuer_session());
    assert_eq!(send(&mut card, &mut host, &hex("00D00000")), (vec![], 0x6D00));
    assert_eq!(send(&mut card, &mut host, &update_issuer_ef(&[1])), (vec![], SW_OK));
}

#[test]
fn the_issuer_session_never_grants_pin2() {
    let mut card = card();
    assert_eq!(card.process(&verify_pin2()), [0x90, 0x00]);
    let mut host = open(&mut card, SecurityLevel::CMac);
    assert_eq!(send(&mut card, &mut host, &hex("00EE0000 00")), (vec![1, 0], SW_OK));
    // Nor does a VERIFY inside it.
    assert_eq!(send(&mut card, &mut host, &verify_pin2()), (vec![], SW_OK));
    assert_eq!(send(&mut card, &mut host, &hex("00EE0000 00")), (vec![1, 0], SW_OK));
    // The status outside the session is the one from before.
    assert_eq!(card.process(&select_app()), [0x90, 0x00]);
    assert_eq!(card.process(&hex("00EE0000 00")), [0, 1, 0x90, 0x00]);
}

/// 600 bytes in three links (ISO 7816-4 §5.3.3), each wrapped on its own,
/// then read back with an extended Le.
#[test]
fn a_600_byte_data_field_chains_through_the_session() {
    let data: Vec<u8> = (0..600u32).map(|i| (i * 7 % 251) as u8).collect();
    for level in SecurityLevel::ALL {
        let mut card = card();
        let mut host = open(&mut card, level);
        let links: Vec<&[u8]> = data.chunks(255).collect();
        for (n, link) in links.iter().enumerate() {
            let cla = if n + 1 < links.len() { 0x10 } else { 0x00 };
            let apdu = CommandApdu::new(cla, INS_PUT, 0, 0, link.to_vec(), None).to_bytes().unwrap();
            let wrapped = host.wrap_command(&apdu).unwrap();
            assert_eq!(wrapped[0], 0x84 | cla, "chaining bit kept");
            let answer = host.unwrap_response(&card.process(&wrapped)).unwrap();
            assert_eq!(answer, (vec![], SW_OK), "{level:?} link {n}");
        }
        let get = CommandApdu::new(0x00, INS_GET, 0, 0, vec![], Some(65_536)).to_bytes().unwrap();
        assert_eq!(send(&mut card, &mut host, &get), (data.clone(), SW_OK), "{level:?}");
        // A chain interrupted by a plain command is gone with the session.
        let first = CommandApdu::new(0x10, INS_PUT, 0, 0, vec![1; 10], None).to_bytes().unwrap();
        assert_eq!(send(&mut card, &mut host, &first), (vec![], SW_OK));
        assert_eq!(card.process(&hex("00CA0000 00")), [0x69, 0x82]);
        let mut host = open(&mut card, level);
        assert_eq!(send(&mut card, &mut host, &get), (data.clone(), SW_OK));
    }
}
