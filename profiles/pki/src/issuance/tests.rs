//! Issuance against a mock card that speaks the card side of SCP03
//! (card_os::protocol::scp03::{CardPending, CardSession}) and keeps what a
//! certificate zone keeps: generated keys and certificate EFs. The real
//! card is exercised end to end by the emulator's personalization tests.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use card_os::CommandApdu;
use card_os::protocol::scp03::{
    self, CHALLENGE_LEN, CardPending, CardSession, Kdd, SecurityLevel, StaticKeys,
};
use card_os::protocol::tlv;
use der::{Decode, Encode};
use rand::SeedableRng;
use rand::rngs::StdRng;
use x509_cert::Certificate;

use super::*;
use crate::cert;
use crate::citizen::period_validity;
use crate::test_keys::{p384_point, rsa_public_key};

const SW_OK: u16 = 0x9000;
const SW_NOT_FOUND: u16 = 0x6A88;
const SW_CONDITIONS: u16 = 0x6985;
const SW_SECURITY: u16 = 0x6982;
const SW_INS: u16 = 0x6D00;
const SW_WRONG_LENGTH: u16 = 0x6700;

fn master() -> StaticKeys {
    StaticKeys {
        kvn: 0x30,
        enc: *b"@ABCDEFGHIJKLMNO",
        mac: *b"PQRSTUVWXYZ[\\]^_",
        dek: *b"`abcdefghijklmno",
    }
}

fn ca() -> &'static CitizenCa {
    static CA: OnceLock<CitizenCa> = OnceLock::new();
    CA.get_or_init(|| {
        CitizenCa::generate(&mut StdRng::seed_from_u64(11), 2026).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn rsa_key() -> &'static (Vec<u8>, Vec<u8>) {
    static KEY: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    KEY.get_or_init(|| rsa_public_key(12))
}

fn reference_profile(name: &str) -> profiles::Profile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../reference/{name}.toml"));
    profiles::Profile::from_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// A certificate zone behind SCP03, as far as issuance needs it.
struct MockCard {
    keys: StaticKeys,
    kdd: Kdd,
    selected: bool,
    pending: Option<CardPending>,
    session: Option<CardSession>,
    chain: Vec<u8>,
    generated: BTreeMap<u8, Vec<u8>>,
    certificates: BTreeMap<u16, Vec<u8>>,
    /// Lc of every wrapped command, for the link-size rule.
    wrapped_lcs: Vec<usize>,
    /// What the card did, in order: `GENERATE kr`, `PUT fid`, `DELETE fid`.
    events: Vec<String>,
}

impl MockCard {
    fn new(card_number: &str, master: &StaticKeys) -> MockCard {
        let kdd = scp03::kdd_from_card_number(card_number).unwrap_or_else(|e| panic!("{e}"));
        MockCard {
            keys: scp03::diversify(master, &kdd),
            kdd,
            selected: false,
            pending: None,
            session: None,
            chain: Vec::new(),
            generated: BTreeMap::new(),
            certificates: BTreeMap::new(),
            wrapped_lcs: Vec::new(),
            events: Vec::new(),
        }
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, String> {
        let cmd = CommandApdu::parse(apdu).map_err(|sw| format!("unparsable APDU: {sw:?}"))?;
        Ok(self.process(&cmd))
    }

    fn process(&mut self, cmd: &CommandApdu) -> Vec<u8> {
        let sw = |sw: u16| sw.to_be_bytes().to_vec();
        match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) => {
                self.session = None;
                self.selected = cmd.data == PKCS15_AID;
                sw(if self.selected { SW_OK } else { SW_NOT_FOUND })
            }
            (0x80, 0x50) => {
                self.session = None;
                if cmd.p1 != self.keys.kvn {
                    return sw(SW_NOT_FOUND);
                }
                let Ok(host) = <[u8; CHALLENGE_LEN]>::try_from(cmd.data.as_slice()) else {
                    return sw(SW_WRONG_LENGTH);
                };
                let (pending, response) =
                    CardPending::initialize_update(&self.keys, &self.kdd, &host, [7; 8]);
                self.pending = Some(pending);
                let mut out = response.to_bytes();
                out.extend_from_slice(&SW_OK.to_be_bytes());
                out
            }
            (0x84, 0x82) => match self.pending.take().map(|p| p.external_authenticate(cmd)) {
                Some(Ok(session)) => {
                    self.session = Some(session);
                    sw(SW_OK)
                }
                Some(Err(error)) => sw(error.status_word()),
                None => sw(SW_CONDITIONS),
            },
            (cla, _) if cla & 0xEF == 0x84 => self.secured(cmd),
            _ => {
                self.session = None;
                sw(SW_SECURITY)
            }
        }
    }

    fn secured(&mut self, cmd: &CommandApdu) -> Vec<u8> {
        self.wrapped_lcs.push(cmd.data.len());
        let Some(session) = self.session.as_mut() else {
            return SW_SECURITY.to_be_bytes().to_vec();
        };
        let plain = match session.unwrap_command(cmd) {
            Ok(plain) => plain,
            Err(error) => {
                self.session = None;
                return error.status_word().to_be_bytes().to_vec();
            }
        };
        let (data, status) = self.issuer_command(&plain);
        match self.session.as_ref() {
            Some(session) => session.wrap_response(&data, status),
            None => status.to_be_bytes().to_vec(),
        }
    }

    fn issuer_command(&mut self, cmd: &CommandApdu) -> (Vec<u8>, u16) {
        if !self.selected {
            return (Vec::new(), SW_CONDITIONS);
        }
        match cmd.ins {
            0xA4 if cmd.p1 == 0x02 => (Vec::new(), SW_OK),
            0x46 if cmd.p1 == 0 && cmd.data.is_empty() && cmd.ne == Some(65536) => {
                let body = match cmd.p2 {
                    0x01 | 0x02 => {
                        let (n, e) = rsa_key();
                        let mut body = tlv::build(0x81, n);
                        body.extend_from_slice(&tlv::build(0x82, e));
                        body
                    }
                    0x03..=0x05 => tlv::build(0x86, &p384_point(u64::from(cmd.p2))),
                    _ => return (Vec::new(), SW_NOT_FOUND),
                };
                let answer = tlv::build(0x7F49, &body);
                self.generated.insert(cmd.p2, answer.clone());
                self.events.push(format!("GENERATE {:02X}", cmd.p2));
                (answer, SW_OK)
            }
            0xDA => {
                self.chain.extend_from_slice(&cmd.data);
                if cmd.cla & 0x10 == 0 {
                    let fid = u16::from_be_bytes([cmd.p1, cmd.p2]);
                    let content = core::mem::take(&mut self.chain);
                    // No data: delete (certificate-zone.md §PUT DATA certificate).
                    if content.is_empty() {
                        self.certificates.remove(&fid);
                        self.events.push(format!("DELETE {fid:04X}"));
                    } else {
                        self.certificates.insert(fid, content);
                        self.events.push(format!("PUT {fid:04X}"));
                    }
                }
                (Vec::new(), SW_OK)
            }
            _ => (Vec::new(), SW_INS),
        }
    }
}

fn issue_on(
    card: &mut MockCard,
    keys: &StaticKeys,
    holder: &profiles::Holder,
    period: Period,
) -> Result<IssuanceReport, IssuanceError> {
    let mut request = IssuanceRequest::new(keys, ca(), holder);
    request.period = period;
    issue_certificates(
        |apdu: &[u8]| card.transmit(apdu),
        &request,
        &mut StdRng::seed_from_u64(13),
    )
}

#[test]
fn issuance_generates_five_keys_and_writes_five_certificates() {
    let holder = reference_profile("adult").holder;
    let mut card = MockCard::new(&holder.card_number, &master());
    let report =
        issue_on(&mut card, &master(), &holder, Period::First).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(report.kdd.0, *b"0210012345");
    assert_eq!(report.level, SecurityLevel::CDecCMacRMac);
    let refs: Vec<u8> = report.keys.iter().map(|k| k.key_ref).collect();
    assert_eq!(refs, [1, 2, 3, 4, 5]);
    assert_eq!(card.generated.len(), 5);

    let fids: Vec<u16> = report.certificates.iter().map(|c| c.fid).collect();
    assert_eq!(fids, [0x4431, 0x4432, 0x4433, 0x4434, 0x4435]);
    for written in &report.certificates {
        assert_eq!(
            card.certificates.get(&written.fid),
            Some(&written.der),
            "{:04X}",
            written.fid
        );
        assert!(
            written.links > 1,
            "a certificate does not fit one short APDU"
        );
    }
    assert_eq!(
        card.certificates.get(&0x4431),
        ca().root().to_der().ok().as_ref()
    );
    assert_eq!(
        card.certificates.get(&0x4432),
        ca().intermediate().to_der().ok().as_ref()
    );
    // Every wrapped command fits a short APDU.
    assert!(
        card.wrapped_lcs.iter().all(|lc| *lc <= 255),
        "{:?}",
        card.wrapped_lcs
    );

    for (written, key_ref) in report.certificates[2..].iter().zip([1u8, 2, 3]) {
        let certificate = Certificate::from_der(&written.der).unwrap_or_else(|e| panic!("{e}"));
        cert::check_issued_by(&certificate, ca().intermediate()).unwrap_or_else(|e| panic!("{e}"));
        let key = report
            .keys
            .iter()
            .find(|k| k.key_ref == key_ref)
            .map(|k| &k.spki);
        assert_eq!(
            Some(certificate.tbs_certificate().subject_public_key_info()),
            key
        );
        let validity = certificate.tbs_certificate().validity();
        assert_eq!(validity.not_before.to_string(), "2026-03-15T00:00:00Z");
        assert_eq!(validity.not_after.to_string(), "2031-03-14T23:59:59Z");
    }
}

#[test]
fn user_certificates_are_deleted_before_the_first_generate() {
    let holder = reference_profile("adult").holder;
    let mut card = MockCard::new(&holder.card_number, &master());
    // A card issued before: root and user certificates.
    for fid in [0x4431, 0x4433, 0x4434, 0x4435] {
        card.certificates.insert(fid, vec![0x30, 0x00]);
    }
    // The run is interrupted at the second GENERATE (reader removed).
    let mut transmit = |apdu: &[u8]| -> Result<Vec<u8>, String> {
        if card.generated.len() == 1
            && card
                .events
                .last()
                .is_some_and(|e| e.starts_with("GENERATE"))
        {
            return Err("reader removed".to_owned());
        }
        card.transmit(apdu)
    };
    let keys = master();
    let request = IssuanceRequest::new(&keys, ca(), &holder);
    let error = issue_certificates(&mut transmit, &request, &mut StdRng::seed_from_u64(16))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("GENERATE ASYMMETRIC KEY PAIR (key 02): reader removed")
    );
    assert_eq!(
        card.events,
        ["DELETE 4433", "DELETE 4434", "DELETE 4435", "GENERATE 01"]
    );
    let left: Vec<u16> = card.certificates.keys().copied().collect();
    assert_eq!(left, [0x4431], "no certificate for a replaced key is left");
}

#[test]
fn a_bad_holder_is_refused_before_the_card_changes() {
    let adult = reference_profile("adult").holder;
    let date = |text: &str| profiles::Date::parse_iso(text).unwrap_or_else(|e| panic!("{e}"));
    let mut no_digits = adult.clone();
    no_digits.id_number = "A12345678X".to_owned();
    let mut no_name = adult.clone();
    no_name.name_en = " ".to_owned();
    // Issued in 1960: X.509 Time before 1970 cannot be built (der::DateTime).
    let mut too_early = adult.clone();
    too_early.date_of_birth = date("1950-01-01");
    too_early.issue_date = date("1960-01-01");
    too_early.renewal_date = Some(date("1964-12-31"));
    for (holder, expected) in [
        (
            &no_digits,
            "holder profile: holder.id_number \"A12345678X\" does not end in 4 digits",
        ),
        (&no_name, "holder profile: holder.name_en is empty"),
        (
            &too_early,
            "user certificate subject and validity: could not build certificate validity",
        ),
    ] {
        let mut card = MockCard::new(&holder.card_number, &master());
        card.certificates.insert(0x4433, vec![0x30, 0x00]);
        let error = issue_on(&mut card, &master(), holder, Period::First)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with(expected), "{error}");
        assert!(!error.contains('\n'), "{error}");
        assert!(
            card.events.is_empty(),
            "{expected}: the card changed: {:?}",
            card.events
        );
        assert!(
            card.wrapped_lcs.is_empty(),
            "{expected}: refused before the session"
        );
    }
}

#[test]
fn a_wrong_issuer_key_fails_on_the_card_cryptogram() {
    let holder = reference_profile("adult").holder;
    let mut card = MockCard::new(&holder.card_number, &master());
    let mut wrong = master();
    wrong.mac[0] ^= 1;
    let error = issue_on(&mut card, &wrong, &holder, Period::First)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("issuer keys do not match this card (card cryptogram)")
    );
    assert!(card.generated.is_empty() && card.certificates.is_empty());
}

#[test]
fn a_wrong_enc_key_fails_before_the_card_changes() {
    let holder = reference_profile("adult").holder;
    let mut card = MockCard::new(&holder.card_number, &master());
    let mut wrong = master();
    wrong.enc[3] ^= 0x40;
    let error = issue_on(&mut card, &wrong, &holder, Period::First)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some(
            "issuer keys do not match this card (K-ENC: the card could not decrypt an encrypted command)"
        )
    );
    assert!(card.generated.is_empty(), "no key was replaced");
}

#[test]
fn another_kvn_names_initialize_update_and_the_status_word() {
    let holder = reference_profile("adult").holder;
    let mut card = MockCard::new(&holder.card_number, &master());
    let mut other = master();
    other.kvn = 0x31;
    let error = issue_on(&mut card, &other, &holder, Period::First)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with("INITIALIZE UPDATE: card answered 6A88 ("),
        "{error}"
    );
    assert!(!error.contains('\n'));
}

#[test]
fn a_card_of_another_holder_is_refused_before_authentication() {
    let adult = reference_profile("adult").holder;
    let minor = reference_profile("minor").holder;
    let mut card = MockCard::new(&minor.card_number, &master());
    match issue_on(&mut card, &master(), &adult, Period::First) {
        Err(IssuanceError::WrongCard { card, holder }) => {
            assert_eq!(card, "0210054321");
            assert_eq!(holder, "210012345");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_card_error_names_the_step() {
    let holder = reference_profile("adult").holder;
    let mut card = MockCard::new(&holder.card_number, &master());
    let mut transmit = |apdu: &[u8]| -> Result<Vec<u8>, String> {
        // The card refuses key 04 (e.g. no ECC on this card).
        if apdu.get(1) == Some(&0x46) && apdu.get(3) == Some(&0x04) {
            card.session = None;
            return Ok(vec![0x6A, 0x88]);
        }
        card.transmit(apdu)
    };
    let keys = master();
    let request = IssuanceRequest::new(&keys, ca(), &holder);
    let error = issue_certificates(&mut transmit, &request, &mut StdRng::seed_from_u64(14))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with("GENERATE ASYMMETRIC KEY PAIR (key 04): card answered 6A88"),
        "{error}"
    );
}

#[test]
fn transport_failures_name_the_step() {
    let holder = reference_profile("adult").holder;
    let keys = master();
    let request = IssuanceRequest::new(&keys, ca(), &holder);
    let error = issue_certificates(
        |_: &[u8]| -> Result<Vec<u8>, String> { Err("reader removed".to_owned()) },
        &request,
        &mut StdRng::seed_from_u64(15),
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("SELECT PKCS#15 application: reader removed")
    );
}

/// The reference holders' certificates carry exactly the periods of the
/// shared reference data (cert_validity, cert_second_period_end); the
/// second period needs `--rollover` and the minor has none.
#[test]
fn reference_holders_get_the_reference_validity() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/reference-citizens.toml");
    let expected: Vec<(String, String, String, String)> = match std::fs::read_to_string(&shared) {
        Ok(text) => {
            let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
            let citizens = table
                .get("citizen")
                .and_then(toml::Value::as_array)
                .cloned()
                .unwrap_or_default();
            citizens
                .iter()
                .map(|c| {
                    let text = |key: &str| {
                        c.get(key)
                            .and_then(toml::Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let validity = c
                        .get("cert_validity")
                        .and_then(toml::Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    let at = |i: usize| {
                        validity
                            .get(i)
                            .and_then(toml::Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (text("key"), at(0), at(1), text("cert_second_period_end"))
                })
                .collect()
        }
        Err(_) => {
            eprintln!(
                "note: {} not present; using the values it holds",
                shared.display()
            );
            vec![
                (
                    "adult".into(),
                    "2026-03-15".into(),
                    "2031-03-14".into(),
                    "2036-03-14".into(),
                ),
                (
                    "minor".into(),
                    "2026-05-21".into(),
                    "2031-05-20".into(),
                    String::new(),
                ),
                (
                    "senior".into(),
                    "2026-01-05".into(),
                    "2031-01-04".into(),
                    "2036-01-04".into(),
                ),
            ]
        }
    };
    assert_eq!(expected.len(), 3);
    for (key, not_before, not_after, second_end) in expected {
        let holder = reference_profile(&key).holder;
        let first =
            certificate_period(&holder, Period::First).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(
            (first.not_before.to_string(), first.not_after.to_string()),
            (not_before, not_after.clone()),
            "{key}"
        );
        let validity = period_validity(first).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            validity.not_before.to_string(),
            format!("{}T00:00:00Z", first.not_before)
        );
        assert_eq!(
            validity.not_after.to_string(),
            format!("{not_after}T23:59:59Z")
        );
        match certificate_period(&holder, Period::Second) {
            Ok(second) => {
                assert_eq!(second.not_after.to_string(), second_end, "{key}");
                assert_eq!(Some(second.not_before), first.not_after.next_day(), "{key}");
            }
            Err(error) => {
                assert_eq!(key, "minor");
                assert_eq!(second_end, "");
                assert_eq!(
                    error.to_string(),
                    "no second certificate period: holder aged 10 at issue (under 14) has none"
                );
            }
        }
    }
}

#[test]
fn rollover_certificates_carry_the_second_period() {
    let holder = reference_profile("senior").holder;
    let mut card = MockCard::new(&holder.card_number, &master());
    let report =
        issue_on(&mut card, &master(), &holder, Period::Second).unwrap_or_else(|e| panic!("{e}"));
    let user = Certificate::from_der(&report.certificates[2].der).unwrap_or_else(|e| panic!("{e}"));
    let validity = user.tbs_certificate().validity();
    assert_eq!(validity.not_before.to_string(), "2031-01-05T00:00:00Z");
    assert_eq!(validity.not_after.to_string(), "2036-01-04T23:59:59Z");
    let minor = reference_profile("minor").holder;
    let mut card = MockCard::new(&minor.card_number, &master());
    assert!(matches!(
        issue_on(&mut card, &master(), &minor, Period::Second),
        Err(IssuanceError::NoSecondPeriod { age: 10, .. })
    ));
    assert!(
        card.wrapped_lcs.is_empty(),
        "refused before talking to the card"
    );
}

#[test]
fn a_renewal_date_before_the_second_period_is_refused_in_one_line() {
    let mut holder = reference_profile("adult").holder;
    // The first period ends 2031-03-14; this renewal date would end the
    // second before it starts.
    holder.renewal_date =
        Some(profiles::Date::parse_iso("2030-01-01").unwrap_or_else(|e| panic!("{e}")));
    let expected = "certificate validity: holder.renewal_date 2030-01-01 ends the second \
                    certificate period on or before its start 2031-03-15";
    for period in [Period::First, Period::Second] {
        let error = certificate_period(&holder, period)
            .err()
            .map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some(expected));
        let mut card = MockCard::new(&holder.card_number, &master());
        let error = issue_on(&mut card, &master(), &holder, period)
            .err()
            .map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some(expected));
        assert!(card.events.is_empty() && card.wrapped_lcs.is_empty());
    }
}

#[test]
fn link_sizes_keep_wrapped_commands_short() {
    assert_eq!(max_link_data(SecurityLevel::CDecCMacRMac), 239);
    assert_eq!(max_link_data(SecurityLevel::CDecCMac), 239);
    assert_eq!(max_link_data(SecurityLevel::CMac), 247);
    let der = vec![0x5A; 600];
    let links = apdus::put_data_chain(0x4433, &der, 239);
    assert_eq!(links.len(), 3);
    assert_eq!(&links[0][..5], &[0x10, 0xDA, 0x44, 0x33, 239]);
    assert_eq!(&links[2][..5], &[0x00, 0xDA, 0x44, 0x33, 122]);
    assert_eq!(
        apdus::generate(0x01),
        [0x00, 0x46, 0x00, 0x01, 0x00, 0x00, 0x00]
    );
    assert_eq!(
        &apdus::select_pkcs15()[..5],
        &[0x00, 0xA4, 0x04, 0x0C, 0x0C]
    );
}

#[test]
fn public_key_answers_are_checked() {
    let (n, e) = rsa_key();
    let mut body = tlv::build(0x81, n);
    body.extend_from_slice(&tlv::build(0x82, e));
    let rsa = parse_public_key(&tlv::build(0x7F49, &body)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rsa.algorithm(), "RSA-2048");
    assert!(rsa.spki().is_ok());
    assert!(parse_public_key(&tlv::build(0x7F4A, &body)).is_err());
    assert!(parse_public_key(&tlv::build(0x7F49, &tlv::build(0x81, n))).is_err());
    let ec = parse_public_key(&tlv::build(0x7F49, &tlv::build(0x86, &p384_point(3))))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ec.algorithm(), "ECC P-384");
    assert!(parse_public_key(&[0x7F, 0x49, 0x05, 0x86]).is_err());
}

#[test]
fn master_keys_come_from_the_issuer_key_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-pki/issuer-keys.toml");
    let file = profiles::IssuerKeys::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(master_keys(&file), master());
}
