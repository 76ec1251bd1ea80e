//! The two Terminal Authentication faults (card_os::Fault, docs/spec/faults.md)
//! against the adult reference card: each one's observable difference from
//! a conforming card, through a real EAC run (PACE with a CHAT, TA v2, CA v2).
//!
//! * `chat-not-intersected`: the effective authorization must be the
//!   terminal's CHAT ∩ the CHAT the holder approved at PACE (TR-03110-2
//!   §3.3, TR-03110-3 C.4); the fault grants the terminal's CHAT alone.
//! * `certificate-date-not-checked`: PSO:VERIFY CERTIFICATE must refuse a
//!   certificate whose expiration date is before the card's current date
//!   (TR-03110-3 §2.5, 6A80 per docs/spec/eac.md); the fault accepts it.

#[path = "../../applets/tests/registry_support/eac_terminal.rs"]
mod eac_terminal;

use std::path::{Path, PathBuf};

use applets::encrypted::{self, SFI_EF_CARD_SECURITY};
use applets::encrypted_fields::{self, FATHER_NAME, MOTHER_NAME};
use card_os::protocol::ca::{CaCipher, decode_dg14};
use card_os::protocol::cvc::{AccessRight, CertificateRole, Chat, CvCertificate, CvDate};
use card_os::protocol::kdf::PacePassword as PasswordKind;
use card_os::protocol::{PaceProtocol, PaceSecret, StandardizedDomainParameters};
use card_os::ta::messages;
use card_os::{Card, Fault, FaultSet, Interface};
use eac_terminal::{EacTerminal, command, read_sfi, select_aid};
use pki::cv::{self, TerminalChain, TerminalRole, Validity};
use profiles::Profile;
use rand::SeedableRng;
use rand::rngs::StdRng;

const SW_OK: u16 = 0x9000;
/// READ BINARY reaching the end of the field's EF before Ne (ISO 7816-4 table 5).
const SW_END_OF_FILE: u16 = 0x6282;
const SW_SECURITY_STATUS_NOT_SATISFIED: u16 = 0x6982;
/// PSO:VERIFY CERTIFICATE of an expired certificate (docs/spec/eac.md §Status words).
const SW_WRONG_DATA: u16 = 0x6A80;
/// MSE:Set DST and PSO:VERIFY CERTIFICATE (TR-03110-3 B.11.4, B.11.5).
const INS_MSE: u8 = 0x22;
const MSE_SET_DST: (u8, u8) = (0x81, 0xB6);
const INS_PSO: u8 = 0x2A;
const PSO_VERIFY_CERTIFICATE: (u8, u8) = (0x00, 0xBE);
const INS_READ_BINARY: u8 = 0xB0;
const READ_CHUNK: usize = 256;
/// adult.toml: PACE on standardized domain parameters 15 (NIST P-384).
const DOMAIN: StandardizedDomainParameters = StandardizedDomainParameters::NistP384;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn adult() -> Profile {
    Profile::from_file(workspace().join("profiles/reference/adult.toml")).unwrap_or_else(|error| panic!("{error}"))
}

/// The adult card as the emulator personalizes it, with `faults`, contact interface.
fn adult_card(profile: &Profile, faults: FaultSet) -> Card {
    let test_pki = pki::load(&profile.pki_dir().unwrap()).unwrap();
    let input = emulator::perso_input(profile, &test_pki.document_signer).unwrap();
    let image = applets::personalize(&input).unwrap();
    let mut card = applets::card_with_rng(image, Box::new(StdRng::seed_from_u64(7))).with_faults(faults);
    card.power_on(Interface::Contact);
    card
}

/// The committed authentication terminal granted father_name and mother_name.
fn auth_parents() -> TerminalChain {
    cv::load_terminal(&workspace().join("profiles/test-pki/cv/terminals/auth-parents")).unwrap()
}

/// PACE with PIN1 offering `approved`, then EF.CardSecurity's CA v2 key.
fn pace(card: &mut Card, profile: &Profile, approved: Chat) -> (EacTerminal, Vec<u8>) {
    let pin = PaceSecret::from_text(PasswordKind::Pin, &profile.holder.pin1).unwrap();
    let protocol = PaceProtocol::for_cipher(applets::PaceSetup::default().cipher);
    let mut terminal = EacTerminal::pace(card, DOMAIN, protocol, &pin, Some(approved), 1);
    let mut card_security = Vec::new();
    loop {
        let offset = card_security.len();
        let read = if offset == 0 {
            read_sfi(SFI_EF_CARD_SECURITY)
        } else {
            command(0x00, INS_READ_BINARY, (offset >> 8) as u8, offset as u8, &[], Some(READ_CHUNK))
        };
        let r = terminal.transmit(card, &read).unwrap();
        card_security.extend_from_slice(&r.data);
        if r.sw != SW_OK || r.data.len() < READ_CHUNK {
            break;
        }
    }
    let infos = decode_dg14(&pki::verify_card_security(&card_security, None).unwrap()).unwrap();
    let chip_key = infos.public_keys.first().unwrap().public_key.clone();
    assert_eq!(terminal.sw(card, &select_aid(encrypted::AID)), SW_OK, "SELECT encrypted zone");
    (terminal, chip_key)
}

/// Encrypted field `n` as text when the card lets it be read (9000, or 6282
/// for a field shorter than Ne), else the card's SW.
fn read_field(terminal: &mut EacTerminal, card: &mut Card, n: u8) -> Result<String, u16> {
    let r = terminal.transmit(card, &read_sfi(n))?;
    if !matches!(r.sw, SW_OK | SW_END_OF_FILE) {
        return Err(r.sw);
    }
    let value = encrypted_fields::decode_field(n, &r.data).expect("a field the card serves decodes");
    Ok(String::from_utf8(value).expect("fields are UTF-8"))
}

/// The holder approves father_name only; the terminal holds father and mother.
fn mother_name_with_father_only_approved(faults: FaultSet) -> Result<String, u16> {
    let profile = adult();
    let mut card = adult_card(&profile, faults);
    let chain = auth_parents();
    let approved = Chat::new(CertificateRole::Terminal, &[AccessRight::ReadFatherName]);
    let (mut terminal, chip_key) = pace(&mut card, &profile, approved);
    let sw = terminal.terminal_authentication(&mut card, &[&chain.dv, &chain.terminal.certificate], chain.terminal.private_key());
    assert_eq!(sw, SW_OK, "EXTERNAL AUTHENTICATE");
    terminal.chip_authentication(&mut card, CaCipher::Aes256, &chip_key);
    assert_eq!(read_field(&mut terminal, &mut card, FATHER_NAME).as_deref(), Ok("王大同"), "approved and granted");
    read_field(&mut terminal, &mut card, MOTHER_NAME)
}

#[test]
fn chat_not_intersected_grants_a_right_the_holder_did_not_approve() {
    assert_eq!(
        mother_name_with_father_only_approved(FaultSet::none()),
        Err(SW_SECURITY_STATUS_NOT_SATISFIED),
        "a conforming card: mother_name was not approved at PACE"
    );
    assert_eq!(
        mother_name_with_father_only_approved(FaultSet::only(Fault::ChatNotIntersected)).as_deref(),
        Ok("陳秀英"),
        "with the fault the terminal's CHAT alone grants mother_name"
    );
}

/// An auth terminal under the committed DV, valid 30 days from 2026-01-01:
/// expired on the adult card, whose current date is its issue date 2026-03-15.
fn expired_terminal(dir: &Path) -> TerminalChain {
    let validity = Validity::days_from(CvDate::new(2026, 1, 1).unwrap(), 30).unwrap();
    let dv = workspace().join("profiles/test-pki/cv/dv");
    let mut rng = StdRng::seed_from_u64(0x6578_7069_7265_64); // "expired"
    let rights = [AccessRight::ReadFatherName];
    cv::terminal(&dv, &dir.join("expired"), "TWEXPIRD00001", TerminalRole::Authentication, &rights, validity, &mut rng)
        .unwrap()
}

/// MSE:Set DST with the certificate's CAR, then PSO:VERIFY CERTIFICATE: its SW.
fn verify_certificate(terminal: &mut EacTerminal, card: &mut Card, certificate: &CvCertificate) -> u16 {
    let (p1, p2) = MSE_SET_DST;
    let dst = command(0x00, INS_MSE, p1, p2, &messages::mse_set_dst_data(certificate.authority_reference()), None);
    assert_eq!(terminal.sw(card, &dst), SW_OK, "MSE:Set DST");
    let (p1, p2) = PSO_VERIFY_CERTIFICATE;
    terminal.sw(card, &command(0x00, INS_PSO, p1, p2, &messages::verify_certificate_data(certificate), None))
}

#[test]
fn certificate_date_not_checked_accepts_an_expired_terminal_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let chain = expired_terminal(dir.path());
    assert!(chain.terminal.certificate.body().expiration_date < CvDate::new(2026, 3, 15).unwrap());
    let profile = adult();
    let approved = Chat::new(CertificateRole::Terminal, &AccessRight::READS);

    let mut card = adult_card(&profile, FaultSet::none());
    let (mut terminal, _) = pace(&mut card, &profile, approved);
    assert_eq!(verify_certificate(&mut terminal, &mut card, &chain.dv), SW_OK, "the DV is valid");
    assert_eq!(
        verify_certificate(&mut terminal, &mut card, &chain.terminal.certificate),
        SW_WRONG_DATA,
        "a conforming card refuses the expired terminal certificate"
    );

    let mut card = adult_card(&profile, FaultSet::only(Fault::CertificateDateNotChecked));
    let (mut terminal, chip_key) = pace(&mut card, &profile, approved);
    // The whole TA passes with the expired certificate, and the right it carries works.
    let sw = terminal.terminal_authentication(&mut card, &[&chain.dv, &chain.terminal.certificate], chain.terminal.private_key());
    assert_eq!(sw, SW_OK, "with the fault TA completes");
    terminal.chip_authentication(&mut card, CaCipher::Aes256, &chip_key);
    assert_eq!(read_field(&mut terminal, &mut card, FATHER_NAME).as_deref(), Ok("王大同"));
}
