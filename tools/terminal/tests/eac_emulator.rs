//! EAC against the real card code in process: the adult reference profile
//! personalized with an encrypted zone (reference-citizens.toml values), a
//! CVCA made here with `pki::cv`, a static CA key and EF.CardSecurity; then
//! PACE with PIN1 and the terminal's CHAT, TA, CA v2, the encrypted zone;
//! the PIN1 counter (suspension) and unblocking with the user code.

use std::path::{Path, PathBuf};

use applets::encrypted::{EacSetup, EncryptedZoneInput};
use applets::encrypted_fields::{self, EncryptedFields};
use card_os::protocol::ca::{CaCipher, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo};
use card_os::protocol::cvc::{AccessRight, CertificateRole, Chat};
use card_os::protocol::{StandardizedDomainParameters as Curve, tlv};
use emulator::{Emulator, Interface, NeidCard};
use pki::cv::{self, DvKind, TerminalRole, Validity};
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::eac::{EacFailure, run_eac};
use terminal::encrypted::{EncryptedField, FieldOutcome, FieldValue, read_encrypted};
use terminal::pace::{PaceFailure, PacePasswordInput, establish_pace, establish_pace_any};
use terminal::pin::{self, PinKind, PinState};
use terminal::ta::TerminalCredentials;
use terminal::{InProcessTransport, Transport};

const CURVE: Curve = Curve::NistP384;
const PIN1: &str = "246810";
const USER_CODE: &str = "TWeid2026";
const CAN: &str = "012345";
const PHOTO: &[u8] = &[0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, b'h', b'i', 0xFF, 0xD9];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!("neid-eac-emu-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// CVCA, a domestic DV with every right, and one terminal per `(name, role, rights)`.
fn make_pki(dir: &Path, terminals: &[(&str, TerminalRole, &[AccessRight])], rng: &mut StdRng) {
    let today = cv::today().unwrap();
    let v = |days| Validity::days_from(today, days).unwrap();
    cv::init_cvca(&dir.join("cvca"), CURVE, "TWCVCA00001", v(1000), rng).unwrap();
    cv::dv(
        &dir.join("cvca"),
        &dir.join("dv"),
        "TWDVNEID00001",
        DvKind::Domestic,
        &AccessRight::ALL,
        v(300),
        rng,
    )
    .unwrap();
    for (i, (name, role, rights)) in terminals.iter().enumerate() {
        let chr = format!("TWTERM{:05}", i + 1);
        cv::terminal(
            &dir.join("dv"),
            &dir.join(name),
            &chr,
            *role,
            rights,
            v(90),
            rng,
        )
        .unwrap();
    }
}

fn credentials(dir: &Path) -> TerminalCredentials {
    let chain = cv::load_terminal(dir).unwrap();
    TerminalCredentials::new(
        chain.links.clone(),
        chain.cvca.clone(),
        chain.dv.clone(),
        chain.terminal.certificate.clone(),
        chain.terminal.curve,
        chain.terminal.private_key(),
    )
}

/// EF.CardSecurity: ContentInfo { id-signedData, [0] SignedData { 3, {}, { id-SecurityObject, [0] { infos } } } }.
/// Unsigned: the terminal reads its SecurityInfos; the signature check is `--trust`'s business.
fn card_security(infos: &[u8]) -> Vec<u8> {
    let mut encap = tlv::build(0x06, &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x02, 0x01]);
    tlv::push(&mut encap, 0xA0, &tlv::build(0x04, infos));
    let mut sd = tlv::build(0x02, &[3]);
    tlv::push(&mut sd, 0x31, &[]);
    tlv::push(&mut sd, 0x30, &encap);
    let mut ci = tlv::build(
        0x06,
        &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02],
    );
    tlv::push(&mut ci, 0xA0, &tlv::build(0x30, &sd));
    tlv::build(0x30, &ci)
}

/// The adult reference card with its encrypted zone and EAC set up for the CVCA of `pki_dir`.
fn card(pki_dir: &Path, rng: &mut StdRng) -> InProcessTransport<NeidCard> {
    let profile =
        profiles::Profile::from_file(repo().join("profiles/reference/adult.toml")).unwrap();
    let test_pki = pki::load(&repo().join("profiles/test-pki")).unwrap();
    let signer = &test_pki.document_signer;
    let mut input = emulator::perso_input(&profile, signer).unwrap();
    let fields = encrypted_fields::encode(&EncryptedFields {
        spouse_name: "林美華".into(),
        father_name: "王大同".into(),
        mother_name: "陳秀英".into(),
        birthplace: "臺灣省臺南市".into(),
        sex: "M".into(),
        photo: PHOTO.to_vec(),
        can: CAN.into(),
    })
    .unwrap();
    let numbered: Vec<(u8, &[u8])> = (1u8..).zip(fields.iter().map(Vec::as_slice)).collect();
    let sod = pki::sign_security_object(pki::HashAlgorithm::Sha384, &numbered, signer).unwrap();
    input.encrypted = Some(EncryptedZoneInput {
        fields,
        security_object: sod,
    });
    let ca_private = CURVE.generate_private_key(rng).unwrap().to_vec();
    let ca_public = CURVE.public_key(&ca_private).unwrap();
    let mut infos = [
        ChipAuthenticationInfo {
            cipher: CaCipher::Aes256,
            version: 2,
            key_id: None,
        }
        .encode(),
        ChipAuthenticationPublicKeyInfo {
            domain: CURVE,
            public_key: ca_public,
            key_id: None,
        }
        .encode(),
    ];
    infos.sort();
    let cvca = cv::read_certificate(&pki_dir.join("cvca/cvca.cvcert")).unwrap();
    let spki = signer
        .certificate()
        .tbs_certificate()
        .subject_public_key_info();
    input.eac = Some(EacSetup {
        cvca_certificate: cvca.to_bytes(),
        current_date: cvca.body().effective_date,
        ca_domain: CURVE,
        ca_cipher: CaCipher::Aes256,
        ca_private_key: ca_private,
        card_security: card_security(&tlv::build(0x31, &infos.concat())),
        management_key: spki.subject_public_key.raw_bytes().to_vec(),
    });
    let image = applets::personalize(&input).unwrap();
    InProcessTransport::new(Emulator::new(
        NeidCard::with_rng(image, Box::new(StdRng::seed_from_u64(7))),
        Interface::Contact,
        None,
    ))
}

fn pin1() -> PacePasswordInput {
    PacePasswordInput::Pin(PIN1.into())
}

#[test]
fn auth_terminal_reads_father_and_mother_others_denied() {
    let mut rng = StdRng::seed_from_u64(41);
    let dir = TempDir::new("read");
    let granted: &[AccessRight] = &[AccessRight::ReadFatherName, AccessRight::ReadMotherName];
    make_pki(
        &dir.0,
        &[("auth", TerminalRole::Authentication, granted)],
        &mut rng,
    );
    let credentials = credentials(&dir.0.join("auth"));
    let mut transport = card(&dir.0, &mut rng);

    let pace = establish_pace_any(
        &mut transport,
        &pin1(),
        Some(credentials.chain_chat()),
        &mut rng,
    )
    .unwrap();
    let mut session = run_eac(pace, &credentials, &mut rng).unwrap();
    assert_eq!(
        session.effective_chat,
        Chat::new(CertificateRole::Terminal, granted)
    );
    let report = read_encrypted(
        &mut session.channel,
        &EncryptedField::ALL,
        session.effective_chat,
    )
    .unwrap();

    let text = |f: EncryptedField| match &report.fields.iter().find(|(x, _)| *x == f).unwrap().1 {
        FieldOutcome::Read {
            value: FieldValue::Text(t),
            ..
        } => Some(t.clone()),
        _ => None,
    };
    assert_eq!(text(EncryptedField::FatherName).as_deref(), Some("王大同"));
    assert_eq!(text(EncryptedField::MotherName).as_deref(), Some("陳秀英"));
    assert_eq!(
        report.denied(),
        ["spouse_name", "birthplace", "sex", "photo", "can"]
    );
    for (field, outcome) in &report.fields {
        if let FieldOutcome::Denied { granted, sw } = outcome {
            assert!(!granted, "{field:?}");
            assert_eq!(
                *sw,
                Some(0x6982),
                "{field:?}: the card's own answer is kept"
            );
        }
    }
    let json = report.to_json();
    assert_eq!(json["father_name"], "王大同");
    assert_eq!(json["denied"].as_array().unwrap().len(), 5);
    assert!(
        report.security_object.is_ok(),
        "EF.SOD readable after PACE-PIN1: {:?}",
        report.security_object
    );
}

#[test]
fn terminal_of_another_cvca_is_a_clear_ta_error() {
    let mut rng = StdRng::seed_from_u64(42);
    let card_pki = TempDir::new("card-pki");
    let other_pki = TempDir::new("other-pki");
    make_pki(&card_pki.0, &[], &mut rng);
    make_pki(
        &other_pki.0,
        &[(
            "auth",
            TerminalRole::Authentication,
            &[AccessRight::ReadFatherName],
        )],
        &mut rng,
    );
    let credentials = credentials(&other_pki.0.join("auth"));
    let mut transport = card(&card_pki.0, &mut rng);
    let pace = establish_pace_any(
        &mut transport,
        &pin1(),
        Some(credentials.chain_chat()),
        &mut rng,
    )
    .unwrap();
    let error = run_eac(pace, &credentials, &mut rng).err().unwrap();
    let text = error.to_string();
    // Same CHR (TWCVCA00001), another key: the DV's signature does not verify.
    assert!(
        matches!(error, EacFailure::Card { protocol: "TA", .. }),
        "{text}"
    );
    assert!(
        text.starts_with(
            "TA failed at PSO:VERIFY CERTIFICATE (DV TWDVNEID00001): card answered 6300"
        ),
        "{text}"
    );
}

#[test]
fn wrong_pin1_twice_suspends_then_user_code_unblocks() {
    let mut rng = StdRng::seed_from_u64(43);
    let dir = TempDir::new("pin");
    make_pki(&dir.0, &[], &mut rng);
    let mut transport = card(&dir.0, &mut rng);
    let wrong = PacePasswordInput::Pin("000000".into());

    for expected in [0x63C2, 0x63C1] {
        match establish_pace(&mut transport, &wrong, &mut rng) {
            Err(PaceFailure::WrongPassword {
                password: "PIN",
                sw,
            }) => assert_eq!(sw, expected),
            other => panic!("expected a wrong PIN, got {:?}", other.err()),
        }
    }
    let state = pin::pace_password_state(&mut transport, PinKind::Pin1).unwrap();
    assert_eq!(state, PinState::TriesLeft(1));
    assert!(
        state.describe(PinKind::Pin1).starts_with("suspended"),
        "{}",
        state.describe(PinKind::Pin1)
    );
    // Suspended: even the right PIN1 is refused at GA step 1 without a CAN PACE first.
    let error = establish_pace(&mut transport, &pin1(), &mut rng)
        .err()
        .unwrap();
    assert!(error.to_string().contains("6985"), "{error}");

    let mut channel = establish_pace(
        &mut transport,
        &PacePasswordInput::Puk(USER_CODE.into()),
        &mut rng,
    )
    .unwrap();
    pin::unblock(&mut channel, PinKind::Pin1).unwrap();
    drop(channel);
    assert_eq!(
        pin::pace_password_state(&mut transport, PinKind::Pin1).unwrap(),
        PinState::Usable
    );
    assert!(establish_pace(&mut transport, &pin1(), &mut rng).is_ok());
    let status = pin::status(&mut transport).unwrap();
    assert_eq!(status[1], (PinKind::UserCode, PinState::Usable));
}

#[test]
fn pin2_change_and_status() {
    let mut rng = StdRng::seed_from_u64(44);
    let dir = TempDir::new("pin2");
    make_pki(&dir.0, &[], &mut rng);
    let mut transport = card(&dir.0, &mut rng);
    let t: &mut dyn Transport = &mut transport;
    let wrong = pin::change_pin2(t, "99999999", "2468013579").err().unwrap();
    assert!(
        wrong
            .to_string()
            .starts_with("CHANGE REFERENCE DATA (PIN2): card answered 63C2"),
        "{wrong}"
    );
    pin::change_pin2(t, "13572468", "2468013579").unwrap();
    assert_eq!(pin::pin2_state(t).unwrap(), PinState::TriesLeft(3));
}
