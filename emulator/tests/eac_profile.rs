//! The committed test EAC PKI (profiles/test-pki/cv) against a card
//! personalized from the adult reference profile (docs/spec/eac.md,
//! docs/spec/encrypted.md, docs/spec/test-pki.md).

#[path = "../../applets/tests/registry_support/eac_terminal.rs"]
mod eac_terminal;

use std::path::{Path, PathBuf};

use applets::encrypted::{self, SFI_EF_CARD_SECURITY};
use applets::encrypted_fields::{self, FATHER_NAME, MOTHER_NAME};
use card_os::protocol::ca::{CaCipher, decode_dg14};
use card_os::protocol::cvc::{AccessRight, CertificateRole, Chat, CvDate};
use card_os::protocol::kdf::PacePassword as PasswordKind;
use card_os::protocol::{PaceProtocol, PaceSecret, StandardizedDomainParameters};
use card_os::{Card, Interface};
use eac_terminal::{EacTerminal, read_sfi, select_aid};
use pki::cv::{self, DvKind, TerminalRole, Validity};
use profiles::Profile;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// profiles/test-pki/cv: the CVCA directory.
fn cv_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../profiles/test-pki/cv")
}

/// Regenerates the committed CV PKI into `$NEID_CV_PKI_OUT` (an empty
/// directory; copy its content to profiles/test-pki/cv). Not a check: run
/// with `NEID_CV_PKI_OUT=/tmp/cv cargo test -p neid-emulator --test
/// eac_profile -- --ignored regenerate_committed_cv_pki`.
#[test]
#[ignore = "writes the committed test PKI; run by hand"]
fn regenerate_committed_cv_pki() {
    let out = PathBuf::from(std::env::var_os("NEID_CV_PKI_OUT").expect("NEID_CV_PKI_OUT"));
    let mut rng = StdRng::seed_from_u64(0x6E65_6964_6376_6361); // "neidcvca"
    // 20 years from 2026-01-01 (2045-12-31 last valid day): tests never expire.
    let validity = Validity::days_from(CvDate::new(2026, 1, 1).unwrap(), 20 * 365 + 5).unwrap();
    let curve = StandardizedDomainParameters::NistP384;
    cv::init_cvca(&out, curve, "TWNEIDCA00001", validity, &mut rng).unwrap();
    let dv = out.join("dv");
    cv::dv(&out, &dv, "TWNEIDDV00001", DvKind::Domestic, &AccessRight::ALL, validity, &mut rng).unwrap();
    let terminals = out.join("terminals");
    cv::terminal(
        &dv,
        &terminals.join("auth-parents"),
        "TWAUTHPA00001",
        TerminalRole::Authentication,
        &[AccessRight::ReadFatherName, AccessRight::ReadMotherName],
        validity,
        &mut rng,
    )
    .unwrap();
    cv::terminal(
        &dv,
        &terminals.join("registry"),
        "TWREGOFF00001",
        TerminalRole::RegistryOffice,
        &[
            AccessRight::WriteMilitaryService,
            AccessRight::WriteHouseholdAddress,
            AccessRight::WriteSpouseName,
            AccessRight::WriteFatherName,
            AccessRight::WriteMotherName,
            AccessRight::WriteBirthplace,
            AccessRight::PinManagement,
            AccessRight::PrivilegedTerminal,
        ],
        validity,
        &mut rng,
    )
    .unwrap();
}

#[test]
fn committed_terminals_load_and_chain_to_the_committed_cvca() {
    let cvca = cv::import_cvca(&cv_dir().join(cv::CVCA_CERTIFICATE)).unwrap();
    for name in ["auth-parents", "registry"] {
        let chain = cv::load_terminal(&cv_dir().join("terminals").join(name)).unwrap();
        assert_eq!(chain.cvca, cvca, "{name}");
    }
}

fn adult() -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profiles/reference/adult.toml");
    Profile::from_file(path).unwrap_or_else(|error| panic!("{error}"))
}

/// The adult card as the emulator personalizes it, on the contact interface.
fn adult_card(profile: &Profile) -> (Card, pki::TestPki) {
    let test_pki = pki::load(&profile.pki_dir().unwrap()).unwrap();
    let input = emulator::perso_input(profile, &test_pki.document_signer).unwrap();
    assert!(input.eac.is_some(), "the committed PKI has cv/cvca.cvcert");
    let image = applets::personalize(&input).unwrap();
    let mut card = applets::card_with_rng(image, Box::new(StdRng::seed_from_u64(7)));
    card.power_on(Interface::Contact);
    (card, test_pki)
}

#[test]
fn adult_card_reads_father_and_mother_for_the_committed_auth_terminal_and_refuses_the_rest() {
    let profile = adult();
    let (mut card, test_pki) = adult_card(&profile);
    let chain = cv::load_terminal(&cv_dir().join("terminals/auth-parents")).unwrap();
    let pin = PaceSecret::from_text(PasswordKind::Pin, &profile.holder.pin1).unwrap();
    let domain = StandardizedDomainParameters::NistP384; // adult.toml: id 15
    let chat = Chat::new(CertificateRole::Terminal, &AccessRight::READS);
    let mut terminal = EacTerminal::pace(&mut card, domain, PaceProtocol::for_cipher(applets::PaceSetup::default().cipher), &pin, Some(chat), 1);

    // EF.CardSecurity: signed by the DS, carries the CA v2 key and protocol.
    let card_security = terminal.transmit(&mut card, &read_sfi(SFI_EF_CARD_SECURITY)).unwrap();
    let mut content = card_security.data.clone();
    while content.len() % 256 == 0 && card_security.sw == 0x9000 {
        let offset = content.len();
        let more = eac_terminal::command(0x00, 0xB0, (offset >> 8) as u8, offset as u8, &[], Some(256));
        let r = terminal.transmit(&mut card, &more).unwrap();
        content.extend_from_slice(&r.data);
        if r.data.len() < 256 {
            break;
        }
    }
    let infos = pki::verify_card_security(&content, Some(std::slice::from_ref(&test_pki.csca))).unwrap();
    let infos = decode_dg14(&infos).unwrap();
    let ca_info = infos.chip_authentication.first().unwrap();
    assert_eq!((ca_info.cipher, ca_info.version), (CaCipher::Aes256, 2));
    let chip_key = infos.public_keys.first().unwrap().public_key.clone();

    assert_eq!(terminal.sw(&mut card, &select_aid(encrypted::AID)), 0x9000);
    let chain_certs = [&chain.dv, &chain.terminal.certificate];
    assert_eq!(terminal.terminal_authentication(&mut card, &chain_certs, chain.terminal.private_key()), 0x9000);
    terminal.chip_authentication(&mut card, CaCipher::Aes256, &chip_key);
    for (n, expected) in [(FATHER_NAME, "王大同"), (MOTHER_NAME, "陳秀英")] {
        let r = terminal.transmit(&mut card, &read_sfi(n)).unwrap();
        assert!(matches!(r.sw, 0x9000 | 0x6282), "field {n}: {:04X}", r.sw);
        assert_eq!(encrypted_fields::decode_field(n, &r.data), Some(expected.as_bytes().to_vec()));
    }
    for n in [1u8, 4, 5, 6, 7] {
        assert_eq!(terminal.sw(&mut card, &read_sfi(n)), 0x6982, "field {n} is not granted");
    }
    // The zone's security object covers what was read.
    let sod = terminal.transmit(&mut card, &read_sfi(encrypted::SFI_SOD)).unwrap();
    let mut sod_bytes = sod.data.clone();
    while sod_bytes.len() % 256 == 0 {
        let offset = sod_bytes.len();
        let r = terminal.transmit(&mut card, &eac_terminal::command(0x00, 0xB0, (offset >> 8) as u8, offset as u8, &[], Some(256))).unwrap();
        sod_bytes.extend_from_slice(&r.data);
        if r.data.len() < 256 {
            break;
        }
    }
    let verified = pki::verify_security_object(&sod_bytes, std::slice::from_ref(&test_pki.csca), None).unwrap();
    let father = encrypted_fields::encode_field(FATHER_NAME, "王大同".as_bytes());
    verified.check_field(FATHER_NAME, &father).unwrap();
}

#[test]
fn a_pki_without_cv_gives_no_eac_but_a_filled_encrypted_zone() {
    let mut profile = adult();
    profile.card.keys.pki = None;
    let signer = pki::TestPki::generate(&mut StdRng::seed_from_u64(2)).unwrap().document_signer;
    let input = emulator::perso_input(&profile, &signer).unwrap();
    assert!(input.eac.is_none());
    let zone = input.encrypted.unwrap();
    assert_eq!(encrypted_fields::decode_field(FATHER_NAME, &zone.fields[1]), Some("王大同".as_bytes().to_vec()));
}
