//! Card-side chain validation (TR-03110-3 2.5): the BSI link certificate and
//! a foreign DV accepted; generated CVCA → DV → terminal chains accepted with
//! the effective CHAT; expired, wrongly chained, wrongly signed and
//! escalating certificates refused; the current date advanced only by
//! domestic certificates.

mod cvc_vectors;

use card_os::protocol::StandardizedDomainParameters as Curve;
use card_os::protocol::cvc::{
    AccessRight, CertificateRole, Chat, CvCertificate, CvcError, TrustPoint, verify_certificate,
};
use cvc_vectors::*;

#[test]
fn bsi_link_certificate_then_foreign_dv() {
    let cvca4 = CvCertificate::from_bytes(&bytes(CVCA_00004)).unwrap();
    let link = CvCertificate::from_bytes(&bytes(LINK_00004_TO_00005)).unwrap();
    let dv = CvCertificate::from_bytes(&bytes(DV_GVNK00012)).unwrap();
    let trust = TrustPoint::from_cvca(&cvca4).unwrap();

    // The card last saw 2015-05-01; the link (effective 2015-05-04) is
    // domestic, so it is accepted and moves the date forward.
    let step = verify_certificate(&link, &trust, date(2015, 5, 1)).unwrap();
    assert_eq!(step.current_date, date(2015, 5, 4));
    assert_eq!(step.trust_point.holder_reference.as_str(), "DETESTeID00005");
    assert_eq!(step.trust_point.role, CertificateRole::Cvca);
    let new_trust = step.trust_point;

    // The link is not a DV: a DV certificate cannot be checked against the old key.
    assert_eq!(
        verify_certificate(&dv, &trust, date(2016, 6, 1)),
        Err(CvcError::UnknownAuthority)
    );

    let step = verify_certificate(&dv, &new_trust, date(2016, 6, 1)).unwrap();
    assert_eq!(step.current_date, date(2016, 6, 1));
    assert_eq!(step.trust_point.role, CertificateRole::DvForeign);
    assert!(!step.trust_point.domestic);
    // Effective CHAT = DV ∩ CVCA rights: 400513FF87 ∩ FC0F13FFFF, DV role.
    assert_eq!(
        step.trust_point.chat.to_bytes(),
        [0x40, 0x05, 0x13, 0xFF, 0x87]
    );

    // A foreign DV not yet effective cannot advance the date: refused.
    assert_eq!(
        verify_certificate(&dv, &new_trust, date(2016, 5, 1)),
        Err(CvcError::NotYetEffective)
    );
    assert_eq!(
        verify_certificate(&dv, &new_trust, date(2016, 8, 17)),
        Err(CvcError::Expired)
    );
    // Its last day is still valid.
    assert!(verify_certificate(&dv, &new_trust, date(2016, 8, 16)).is_ok());
}

struct Pki {
    cvca: Key,
    cvca_cert: CvCertificate,
    dv: Key,
    dv_cert: CvCertificate,
    terminal: Key,
}

const CVCA_CHR: &str = "TWCVCA00001";
const DV_CHR: &str = "TWDVREG00001";
const TERMINAL_CHR: &str = "TWTRMREG00001";

fn pki(curve: Curve) -> Pki {
    let cvca = Key::new(curve, "cvca");
    let dv = Key::new(curve, "dv");
    let terminal = Key::new(curve, "terminal");
    let cvca_cert = issue(
        &cvca,
        CVCA_CHR,
        &cvca,
        CVCA_CHR,
        Chat::all_rights(CertificateRole::Cvca),
        date(2026, 1, 1),
        date(2029, 1, 1),
    );
    let dv_cert = issue(
        &cvca,
        CVCA_CHR,
        &dv,
        DV_CHR,
        Chat::new(
            CertificateRole::DvDomestic,
            &[
                AccessRight::ReadSpouseName,
                AccessRight::WriteHouseholdAddress,
                AccessRight::PinManagement,
            ],
        ),
        date(2026, 2, 1),
        date(2027, 2, 1),
    );
    Pki {
        cvca,
        cvca_cert,
        dv,
        dv_cert,
        terminal,
    }
}

fn terminal_cert(p: &Pki, rights: &[AccessRight], effective: (u16, u8, u8)) -> CvCertificate {
    issue(
        &p.dv,
        DV_CHR,
        &p.terminal,
        TERMINAL_CHR,
        Chat::new(CertificateRole::Terminal, rights),
        date(effective.0, effective.1, effective.2),
        date(2026, 12, 31),
    )
}

#[test]
fn domestic_chain_gives_the_intersected_chat_on_every_curve() {
    for curve in Curve::ALL {
        let p = pki(curve);
        let trust = TrustPoint::from_cvca(&p.cvca_cert).unwrap();
        let today = date(2026, 3, 1);
        let dv = verify_certificate(&p.dv_cert, &trust, today).unwrap();
        assert!(dv.trust_point.domestic);
        // The terminal claims a read the DV does not hold: intersected away.
        let cert = terminal_cert(
            &p,
            &[
                AccessRight::ReadSpouseName,
                AccessRight::ReadPhoto,
                AccessRight::WriteHouseholdAddress,
            ],
            (2026, 3, 1),
        );
        let terminal = verify_certificate(&cert, &dv.trust_point, today).unwrap();
        let chat = terminal.trust_point.chat;
        assert_eq!(chat.role(), CertificateRole::Terminal);
        assert!(chat.contains(AccessRight::ReadSpouseName), "{curve:?}");
        assert!(chat.contains(AccessRight::WriteHouseholdAddress));
        assert!(
            !chat.contains(AccessRight::ReadPhoto),
            "escalated read kept on {curve:?}"
        );
        assert!(
            !chat.contains(AccessRight::PinManagement),
            "terminal did not claim PIN management"
        );
        assert_eq!(terminal.trust_point.domain_parameters, curve);
    }
}

#[test]
fn domestic_certificates_advance_the_current_date() {
    let p = pki(Curve::NistP384);
    let trust = TrustPoint::from_cvca(&p.cvca_cert).unwrap();
    // The card's date is behind the DV's effective date: the DV is domestic,
    // so it is accepted and the date moves to 2026-02-01.
    let dv = verify_certificate(&p.dv_cert, &trust, date(2025, 12, 1)).unwrap();
    assert_eq!(dv.current_date, date(2026, 2, 1));
    // A terminal of a domestic DV advances it further.
    let cert = terminal_cert(&p, &[AccessRight::ReadSex], (2026, 4, 2));
    let terminal = verify_certificate(&cert, &dv.trust_point, dv.current_date).unwrap();
    assert_eq!(terminal.current_date, date(2026, 4, 2));
    // An older certificate never moves the date backwards.
    let old = terminal_cert(&p, &[AccessRight::ReadSex], (2026, 2, 1));
    assert_eq!(
        verify_certificate(&old, &dv.trust_point, date(2026, 5, 1))
            .unwrap()
            .current_date,
        date(2026, 5, 1)
    );
}

#[test]
fn foreign_dv_chain_does_not_advance_the_date() {
    let p = pki(Curve::BrainpoolP384r1);
    let trust = TrustPoint::from_cvca(&p.cvca_cert).unwrap();
    let foreign = issue(
        &p.cvca,
        CVCA_CHR,
        &p.dv,
        "NLDVFOR00001",
        Chat::new(CertificateRole::DvForeign, &AccessRight::READS),
        date(2026, 2, 1),
        date(2027, 2, 1),
    );
    let dv = verify_certificate(&foreign, &trust, date(2026, 3, 1)).unwrap();
    assert!(!dv.trust_point.domestic);
    let cert = issue(
        &p.dv,
        "NLDVFOR00001",
        &p.terminal,
        TERMINAL_CHR,
        Chat::new(CertificateRole::Terminal, &[AccessRight::ReadCan]),
        date(2026, 4, 1),
        date(2026, 12, 31),
    );
    assert_eq!(
        verify_certificate(&cert, &dv.trust_point, date(2026, 3, 1)),
        Err(CvcError::NotYetEffective)
    );
    let ok = verify_certificate(&cert, &dv.trust_point, date(2026, 4, 1)).unwrap();
    assert_eq!(ok.current_date, date(2026, 4, 1));
    assert!(ok.trust_point.chat.contains(AccessRight::ReadCan));
}

#[test]
fn bad_certificates_are_refused() {
    let p = pki(Curve::NistP256);
    let trust = TrustPoint::from_cvca(&p.cvca_cert).unwrap();
    let today = date(2026, 3, 1);
    let dv = verify_certificate(&p.dv_cert, &trust, today)
        .unwrap()
        .trust_point;

    // Expired.
    let expired = issue(
        &p.dv,
        DV_CHR,
        &p.terminal,
        TERMINAL_CHR,
        Chat::new(CertificateRole::Terminal, &[]),
        date(2026, 1, 1),
        date(2026, 2, 28),
    );
    assert_eq!(
        verify_certificate(&expired, &dv, today),
        Err(CvcError::Expired)
    );

    // Wrongly chained: a terminal certificate presented to the CVCA.
    let terminal = terminal_cert(&p, &[AccessRight::ReadSex], (2026, 3, 1));
    assert_eq!(
        verify_certificate(&terminal, &trust, today),
        Err(CvcError::UnknownAuthority)
    );
    let under_cvca = issue(
        &p.cvca,
        CVCA_CHR,
        &p.terminal,
        TERMINAL_CHR,
        Chat::new(CertificateRole::Terminal, &[]),
        date(2026, 3, 1),
        date(2026, 12, 1),
    );
    assert_eq!(
        verify_certificate(&under_cvca, &trust, today),
        Err(CvcError::RoleOrder {
            issuer: CertificateRole::Cvca,
            subject: CertificateRole::Terminal
        })
    );

    // Role escalation: a DV issuing a DV, a DV issuing a CVCA.
    let dv_by_dv = issue(
        &p.dv,
        DV_CHR,
        &p.terminal,
        "TWDVSUB00001",
        Chat::new(CertificateRole::DvDomestic, &[]),
        date(2026, 3, 1),
        date(2026, 12, 1),
    );
    assert_eq!(
        verify_certificate(&dv_by_dv, &dv, today),
        Err(CvcError::RoleOrder {
            issuer: CertificateRole::DvDomestic,
            subject: CertificateRole::DvDomestic
        })
    );
    let cvca_by_dv = issue(
        &p.dv,
        DV_CHR,
        &p.terminal,
        "TWCVCA00009",
        Chat::all_rights(CertificateRole::Cvca),
        date(2026, 3, 1),
        date(2026, 12, 1),
    );
    assert_eq!(
        verify_certificate(&cvca_by_dv, &dv, today),
        Err(CvcError::RoleOrder {
            issuer: CertificateRole::DvDomestic,
            subject: CertificateRole::Cvca
        })
    );

    // Wrongly signed: right CAR, another key.
    let impostor = Key::new(Curve::NistP256, "impostor");
    let forged = issue(
        &impostor,
        DV_CHR,
        &p.terminal,
        TERMINAL_CHR,
        Chat::new(CertificateRole::Terminal, &[AccessRight::ReadCan]),
        date(2026, 3, 1),
        date(2026, 12, 1),
    );
    assert_eq!(
        verify_certificate(&forged, &dv, today),
        Err(CvcError::BadSignature)
    );

    // A certificate signed on another curve than the chain's.
    let other_curve = Key::new(Curve::BrainpoolP256r1, "dv");
    let mismatched = issue(
        &other_curve,
        DV_CHR,
        &p.terminal,
        TERMINAL_CHR,
        Chat::new(CertificateRole::Terminal, &[]),
        date(2026, 3, 1),
        date(2026, 12, 1),
    );
    assert_eq!(
        verify_certificate(&mismatched, &dv, today),
        Err(CvcError::BadSignature)
    );

    // A terminal key on another curve than the CVCA's.
    let p384_terminal = Key::new(Curve::NistP384, "terminal");
    let wrong_key = issue(
        &p.dv,
        DV_CHR,
        &p384_terminal,
        TERMINAL_CHR,
        Chat::new(CertificateRole::Terminal, &[]),
        date(2026, 3, 1),
        date(2026, 12, 1),
    );
    assert_eq!(
        verify_certificate(&wrong_key, &dv, today),
        Err(CvcError::AlgorithmCurveMismatch)
    );

    // Only a CVCA certificate is a trust point.
    assert_eq!(TrustPoint::from_cvca(&p.dv_cert), Err(CvcError::NotCvca));
}

#[test]
fn generated_link_certificate_moves_the_trust_point_to_a_new_curve() {
    let p = pki(Curve::NistP256);
    let trust = TrustPoint::from_cvca(&p.cvca_cert).unwrap();
    let new_cvca = Key::new(Curve::NistP384, "cvca 2");
    let link = issue(
        &p.cvca,
        CVCA_CHR,
        &new_cvca,
        "TWCVCA00002",
        Chat::all_rights(CertificateRole::Cvca),
        date(2026, 6, 1),
        date(2030, 6, 1),
    );
    let step = verify_certificate(&link, &trust, date(2026, 3, 1)).unwrap();
    assert_eq!(step.current_date, date(2026, 6, 1));
    let new_trust = step.trust_point;
    assert_eq!(new_trust.domain_parameters, Curve::NistP384);
    // A DV of the new CVCA verifies under the new trust point, not the old.
    let dv = Key::new(Curve::NistP384, "dv 2");
    let dv_cert = issue(
        &new_cvca,
        "TWCVCA00002",
        &dv,
        "TWDVREG00002",
        Chat::new(CertificateRole::DvDomestic, &AccessRight::READS),
        date(2026, 6, 1),
        date(2027, 6, 1),
    );
    assert!(verify_certificate(&dv_cert, &new_trust, step.current_date).is_ok());
    assert_eq!(
        verify_certificate(&dv_cert, &trust, step.current_date),
        Err(CvcError::UnknownAuthority)
    );
}
