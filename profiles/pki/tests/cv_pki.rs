//! The CV test PKI on disk: CVCA → DV → terminal directories whose chains
//! the card-side rules accept, link certificates, key files, refusals.

use card_os::protocol::StandardizedDomainParameters as Curve;
use card_os::protocol::cvc::{
    AccessRight, CertificateRole, CvDate, TrustPoint, verify_certificate,
};
use pki::cv::{self, CvPkiError, DvKind, TerminalRole, Validity};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn day(y: u16, m: u8, d: u8) -> CvDate {
    CvDate::new(y, m, d).unwrap()
}

fn validity(days: i64) -> Validity {
    Validity::days_from(day(2026, 3, 1), days).unwrap()
}

#[test]
fn cvca_dv_terminal_directories_form_a_valid_chain_on_every_curve() {
    for (seed, curve) in Curve::ALL.into_iter().enumerate() {
        let root = tempfile::tempdir().unwrap();
        let (cvca_dir, dv_dir, terminal_dir) = (
            root.path().join("cvca"),
            root.path().join("dv"),
            root.path().join("terminal"),
        );
        let mut rng = StdRng::seed_from_u64(seed as u64);
        cv::init_cvca(&cvca_dir, curve, "TWCVCA00001", validity(3 * 365), &mut rng).unwrap();
        cv::dv(
            &cvca_dir,
            &dv_dir,
            "TWDVREG00001",
            DvKind::Domestic,
            &[
                AccessRight::WriteSpouseName,
                AccessRight::ReadSpouseName,
                AccessRight::PinManagement,
            ],
            validity(365),
            &mut rng,
        )
        .unwrap();
        let chain = cv::terminal(
            &dv_dir,
            &terminal_dir,
            "TWTRMREG00001",
            TerminalRole::RegistryOffice,
            &[
                AccessRight::WriteSpouseName,
                AccessRight::PrivilegedTerminal,
            ],
            validity(90),
            &mut rng,
        )
        .unwrap();

        for name in [
            cv::CVCA_CERTIFICATE,
            cv::DV_CERTIFICATE,
            cv::TERMINAL_CERTIFICATE,
            cv::TERMINAL_KEY,
        ] {
            assert!(terminal_dir.join(name).is_file(), "{name}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(terminal_dir.join(cv::TERMINAL_KEY))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let key_pem = std::fs::read_to_string(terminal_dir.join(cv::TERMINAL_KEY)).unwrap();
        assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));

        // What the card would do with the files.
        let trust = TrustPoint::from_cvca(&chain.cvca).unwrap();
        let dv = verify_certificate(&chain.dv, &trust, day(2026, 3, 1)).unwrap();
        let terminal = verify_certificate(
            &chain.terminal.certificate,
            &dv.trust_point,
            day(2026, 3, 1),
        )
        .unwrap();
        let chat = terminal.trust_point.chat;
        assert_eq!(chat.role(), CertificateRole::Terminal);
        assert!(chat.contains(AccessRight::WriteSpouseName));
        // Privileged terminal was not granted to the DV: intersected away.
        assert!(!chat.contains(AccessRight::PrivilegedTerminal));
        assert_eq!(chain.terminal.curve, curve);
        // The terminal key signs what its certificate's key verifies.
        let signature =
            card_os::protocol::cvc::sign(curve, chain.terminal.private_key(), b"challenge")
                .unwrap();
        card_os::protocol::cvc::verify(
            curve,
            &chain.terminal.certificate.body().public_key.point,
            b"challenge",
            &signature,
        )
        .unwrap();
    }
}

#[test]
fn link_certificate_rolls_the_cvca_over() {
    let root = tempfile::tempdir().unwrap();
    let cvca_dir = root.path().join("cvca");
    let mut rng = StdRng::seed_from_u64(11);
    let first = cv::init_cvca(
        &cvca_dir,
        Curve::BrainpoolP256r1,
        "TWCVCA00001",
        validity(365),
        &mut rng,
    )
    .unwrap();
    let link = cv::link(
        &cvca_dir,
        Curve::NistP384,
        "TWCVCA00002",
        Validity::days_from(day(2026, 9, 1), 1000).unwrap(),
        &mut rng,
    )
    .unwrap();
    assert!(cvca_dir.join("link-TWCVCA00002.cvcert").is_file());
    assert!(cvca_dir.join("cvca-TWCVCA00001.cvcert").is_file());
    assert!(cvca_dir.join("cvca-TWCVCA00001-key.pem").is_file());

    // A card trusting the first CVCA accepts the link and moves to the new key.
    let trust = TrustPoint::from_cvca(&first.certificate).unwrap();
    let step = verify_certificate(&link, &trust, day(2026, 3, 1)).unwrap();
    assert_eq!(step.trust_point.holder_reference.as_str(), "TWCVCA00002");
    assert_eq!(step.trust_point.domain_parameters, Curve::NistP384);
    assert_eq!(step.current_date, day(2026, 9, 1));

    // DV and terminal issued after the rollover carry the link along.
    let dv_dir = root.path().join("dv");
    let terminal_dir = root.path().join("terminal");
    cv::dv(
        &cvca_dir,
        &dv_dir,
        "TWDVAUT00001",
        DvKind::Domestic,
        &AccessRight::READS,
        Validity::days_from(day(2026, 9, 1), 365).unwrap(),
        &mut rng,
    )
    .unwrap();
    let chain = cv::terminal(
        &dv_dir,
        &terminal_dir,
        "TWTRMAUT00001",
        TerminalRole::Authentication,
        &[AccessRight::ReadPhoto],
        Validity::days_from(day(2026, 9, 1), 90).unwrap(),
        &mut rng,
    )
    .unwrap();
    assert_eq!(chain.links, vec![link.clone()]);
    assert_eq!(chain.cvca.holder_reference().as_str(), "TWCVCA00002");
    let dv = verify_certificate(&chain.dv, &step.trust_point, step.current_date).unwrap();
    let terminal = verify_certificate(
        &chain.terminal.certificate,
        &dv.trust_point,
        dv.current_date,
    )
    .unwrap();
    assert!(terminal.trust_point.chat.contains(AccessRight::ReadPhoto));
}

#[test]
fn refusals_name_the_problem() {
    let root = tempfile::tempdir().unwrap();
    let cvca_dir = root.path().join("cvca");
    let mut rng = StdRng::seed_from_u64(3);
    cv::init_cvca(
        &cvca_dir,
        Curve::NistP256,
        "TWCVCA00001",
        validity(365),
        &mut rng,
    )
    .unwrap();
    // No overwrite.
    assert!(matches!(
        cv::init_cvca(
            &cvca_dir,
            Curve::NistP256,
            "TWCVCA00001",
            validity(365),
            &mut rng
        ),
        Err(CvPkiError::AlreadyExists { .. })
    ));
    // Bad CHR.
    let err = cv::init_cvca(
        &root.path().join("x"),
        Curve::NistP256,
        "TW1",
        validity(365),
        &mut rng,
    )
    .unwrap_err();
    assert!(err.to_string().contains("8 to 16"), "{err}");
    // An authentication terminal may not write.
    let dv_dir = root.path().join("dv");
    cv::dv(
        &cvca_dir,
        &dv_dir,
        "TWDVAUT00001",
        DvKind::Foreign,
        &AccessRight::ALL,
        validity(365),
        &mut rng,
    )
    .unwrap();
    assert!(matches!(
        cv::terminal(
            &dv_dir,
            &root.path().join("t"),
            "TWTRMAUT00001",
            TerminalRole::Authentication,
            &[AccessRight::WriteBirthplace],
            validity(30),
            &mut rng
        ),
        Err(CvPkiError::RightNotForRole {
            right: AccessRight::WriteBirthplace
        })
    ));
    // A key that does not belong to its certificate.
    let terminal_dir = root.path().join("terminal");
    cv::terminal(
        &dv_dir,
        &terminal_dir,
        "TWTRMAUT00001",
        TerminalRole::Authentication,
        &[AccessRight::ReadSex],
        validity(30),
        &mut rng,
    )
    .unwrap();
    std::fs::copy(dv_dir.join(cv::DV_KEY), terminal_dir.join(cv::TERMINAL_KEY)).unwrap();
    assert!(matches!(
        cv::load_terminal(&terminal_dir),
        Err(CvPkiError::Key { .. })
    ));
    // Importing a DV certificate as a CVCA, and a file that is not a certificate.
    assert!(matches!(
        cv::import_cvca(&dv_dir.join(cv::DV_CERTIFICATE)),
        Err(CvPkiError::WrongCertificate { .. })
    ));
    assert!(matches!(
        cv::import_cvca(&dv_dir.join(cv::DV_KEY)),
        Err(CvPkiError::Certificate { .. })
    ));
}

#[test]
fn imports_a_cvca_made_by_another_tool() {
    // BSI TR-03110 test PKI CVCA DETESTeID00005 (brainpoolP256r1).
    let hex_text = "7F218201B67F4E82016E5F290100420E44455445535465494430303030357F4982011D060A04007F000702020202038120A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E537782207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9832026DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B68441048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F0469978520A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A78641049BFEBA8DC7FAAB6E3BDEB3FF794DBB800848FE4F6940A4CC7EECB5159C87DA5395505892026D420A22596CD014ED1FD872DADA597DB0F8D64441041198F62D448701015F200E44455445535465494430303030357F4C12060904007F0007030102025305FC0F13FFFF5F25060105000500045F24060108000500045F374058B4E65598EFB9CA2CAFC05C80F5A907E8B69C3897C704739320896DC53492E47766841A9C3D4EAC85CE653D166B53DB06A70E735AB93C88858811EF69D6B543";
    let bytes: Vec<u8> = (0..hex_text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex_text[i..i + 2], 16).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("DETESTeID00005.cvcert");
    std::fs::write(&path, &bytes).unwrap();
    let cert = cv::import_cvca(&path).unwrap();
    assert_eq!(cert.holder_reference().as_str(), "DETESTeID00005");
    assert_eq!(
        cert.body().public_key.domain_parameters,
        Some(Curve::BrainpoolP256r1)
    );
}

#[test]
fn validity_and_today() {
    let v = Validity::days_from(day(2026, 3, 1), 365).unwrap();
    assert_eq!(v.expiration, day(2027, 2, 28));
    assert!(cv::today().unwrap() >= day(2025, 1, 1));
}
