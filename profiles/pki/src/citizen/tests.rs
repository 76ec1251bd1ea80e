//! The citizen CA: generation, files, user certificates.

use std::sync::OnceLock;

use der::{Decode, Encode};
use profiles::{CertificatePeriod, Date};
use rand::SeedableRng;
use rand::rngs::StdRng;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

use super::*;
use crate::{PkiError, cert, test_keys};

/// One CA for the whole test binary: RSA key generation is the slow part.
fn ca() -> &'static CitizenCa {
    static CA: OnceLock<CitizenCa> = OnceLock::new();
    CA.get_or_init(|| {
        CitizenCa::generate(&mut StdRng::seed_from_u64(1), 2026).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn date(text: &str) -> Date {
    Date::parse_iso(text).unwrap_or_else(|e| panic!("{e}"))
}

fn adult() -> Holder {
    Holder {
        name_en: "WANG, HSIAO-MING".to_owned(),
        id_number: "A123456789".to_owned(),
        card_number: "210012345".to_owned(),
    }
}

fn first_period() -> CertificatePeriod {
    CertificatePeriod {
        not_before: date("2026-03-15"),
        not_after: date("2031-03-14"),
    }
}

/// An RSA-2048 public key as the card would answer it (modulus, exponent).
fn rsa_key() -> (Vec<u8>, Vec<u8>) {
    test_keys::rsa_public_key(2)
}

fn p384_point() -> Vec<u8> {
    test_keys::p384_point(3)
}

fn key_usage(cert: &Certificate) -> (bool, KeyUsage) {
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some(found)) => found,
        other => panic!("keyUsage: {other:?}"),
    }
}

#[test]
fn generated_ca_chains_root_to_citizen_ca() {
    let ca = ca();
    assert_eq!(cert::subject_of(ca.root()), ROOT_SUBJECT);
    assert_eq!(cert::subject_of(ca.intermediate()), INTERMEDIATE_SUBJECT);
    cert::check_issued_by(ca.root(), ca.root()).unwrap_or_else(|e| panic!("root: {e}"));
    cert::check_issued_by(ca.intermediate(), ca.root()).unwrap_or_else(|e| panic!("{e}"));
    for (cert, path_len) in [(ca.root(), 1), (ca.intermediate(), 0)] {
        let (critical, bc) = match cert.tbs_certificate().get_extension::<BasicConstraints>() {
            Ok(Some(found)) => found,
            other => panic!("{other:?}"),
        };
        assert!(critical && bc.ca);
        assert_eq!(bc.path_len_constraint, Some(path_len));
        let (critical, ku) = key_usage(cert);
        assert!(critical);
        assert_eq!(ku.0, KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        assert_eq!(
            cert.signature_algorithm().oid,
            crate::oid::SHA256_WITH_RSA,
            "sha256WithRSAEncryption"
        );
    }
    let validity = ca.intermediate().tbs_certificate().validity();
    assert_eq!(validity.not_before.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(validity.not_after.to_string(), "2045-12-31T23:59:59Z");
    let validity = ca.root().tbs_certificate().validity();
    assert_eq!(validity.not_after.to_string(), "2050-12-31T23:59:59Z");
}

#[test]
fn rsa_user_certificate_follows_the_spec() {
    let holder = adult();
    let (n, e) = rsa_key();
    let spki = rsa_spki(&n, &e).unwrap_or_else(|e| panic!("{e}"));
    let request = UserCertificate {
        holder: &holder,
        key: CertifiedKey::SignatureAuthentication,
        public_key: spki.clone(),
        period: first_period(),
    };
    let cert = ca()
        .issue(&request, &mut StdRng::seed_from_u64(4))
        .unwrap_or_else(|e| panic!("{e}"));
    cert::check_issued_by(&cert, ca().intermediate()).unwrap_or_else(|e| panic!("{e}"));
    let tbs = cert.tbs_certificate();
    assert_eq!(
        tbs.subject().to_string(),
        "CN=WANG\\, HSIAO-MING,SERIALNUMBER=6789,C=TW"
    );
    assert_eq!(
        tbs.issuer(),
        ca().intermediate().tbs_certificate().subject()
    );
    assert_eq!(tbs.subject_public_key_info(), &spki);
    assert_eq!(
        tbs.validity().not_before.to_string(),
        "2026-03-15T00:00:00Z"
    );
    assert_eq!(tbs.validity().not_after.to_string(), "2031-03-14T23:59:59Z");
    let serial = certificate_serial("210012345", 0x01, date("2026-03-15"));
    assert!(serial[0] < 0x80);
    // The INTEGER drops leading zero bytes only.
    let trimmed: Vec<u8> = serial.iter().copied().skip_while(|b| *b == 0).collect();
    assert_eq!(tbs.serial_number().as_bytes(), trimmed.as_slice());
    let (critical, ku) = key_usage(&cert);
    assert!(critical);
    assert_eq!(
        ku.0,
        KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
    );
    let (_, bc) = match tbs.get_extension::<BasicConstraints>() {
        Ok(Some(found)) => found,
        other => panic!("{other:?}"),
    };
    assert!(!bc.ca);
    // Round trip through DER.
    let der = cert.to_der().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Certificate::from_der(&der).ok(), Some(cert));
}

#[test]
fn serial_number_is_sha256_of_card_key_and_date() {
    use sha2::{Digest, Sha256};
    let mut input = b"210012345".to_vec();
    input.push(0x02);
    input.extend_from_slice(b"20260315");
    let digest = Sha256::digest(&input);
    let mut expected = [0u8; 16];
    expected.copy_from_slice(&digest[..16]);
    expected[0] &= 0x7F;
    assert_eq!(
        certificate_serial("210012345", 0x02, date("2026-03-15")),
        expected
    );
    assert_ne!(
        certificate_serial("210012345", 0x02, date("2026-03-15")),
        certificate_serial("210012345", 0x01, date("2026-03-15"))
    );
}

#[test]
fn key_usages_per_key() {
    assert_eq!(
        CertifiedKey::Encipherment.key_usage().0,
        KeyUsages::KeyEncipherment | KeyUsages::DataEncipherment
    );
    assert_eq!(
        CertifiedKey::Ecc1.key_usage().0,
        KeyUsages::DigitalSignature | KeyUsages::KeyAgreement
    );
    let refs: Vec<u8> = CertifiedKey::ALL.iter().map(|k| k.key_ref()).collect();
    assert_eq!(refs, [1, 2, 3]);
}

#[test]
fn ec_user_certificate_carries_the_p384_key() {
    let holder = adult();
    let spki = p384_spki(&p384_point()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spki.algorithm.oid, crate::oid::ID_EC_PUBLIC_KEY);
    let request = UserCertificate {
        holder: &holder,
        key: CertifiedKey::Ecc1,
        public_key: spki,
        period: first_period(),
    };
    let cert = ca()
        .issue(&request, &mut StdRng::seed_from_u64(5))
        .unwrap_or_else(|e| panic!("{e}"));
    cert::check_issued_by(&cert, ca().intermediate()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        key_usage(&cert).1.0,
        KeyUsages::DigitalSignature | KeyUsages::KeyAgreement
    );
}

#[test]
fn malformed_card_keys_are_refused() {
    let (n, e) = rsa_key();
    assert!(matches!(
        rsa_spki(&n[..128], &e),
        Err(PkiError::Malformed { .. })
    ));
    let mut point = p384_point();
    point[50] ^= 1;
    assert!(p384_spki(&point).is_err(), "point off the curve");
    assert!(p384_spki(&point[..49]).is_err(), "compressed length");
    let holder = Holder {
        id_number: "A12".to_owned(),
        ..adult()
    };
    let request = UserCertificate {
        holder: &holder,
        key: CertifiedKey::Ecc1,
        public_key: p384_spki(&p384_point()).unwrap_or_else(|e| panic!("{e}")),
        period: first_period(),
    };
    assert!(matches!(
        ca().issue(&request, &mut StdRng::seed_from_u64(6)),
        Err(PkiError::InvalidFields { .. })
    ));
}

#[test]
fn init_writes_files_that_load_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let paths =
        init(dir.path(), &mut StdRng::seed_from_u64(7), 2026).unwrap_or_else(|e| panic!("{e}"));
    let loaded = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let der = std::fs::read(&paths.intermediate_certificate_der).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        Certificate::from_der(&der).ok().as_ref(),
        Some(loaded.intermediate())
    );
    assert!(paths.root_private_key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&paths.intermediate_private_key)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_default();
        assert_eq!(mode, 0o600);
    }
    match init(dir.path(), &mut StdRng::seed_from_u64(8), 2026) {
        Err(PkiError::AlreadyExists { path }) => assert_eq!(path, paths.root_certificate_pem),
        other => panic!("{other:?}"),
    }
}

#[test]
fn load_refuses_a_key_of_another_ca() {
    let first = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let second = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    init(first.path(), &mut StdRng::seed_from_u64(9), 2026).unwrap_or_else(|e| panic!("{e}"));
    init(second.path(), &mut StdRng::seed_from_u64(10), 2026).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        second.path().join(INTERMEDIATE_KEY),
        first.path().join(INTERMEDIATE_KEY),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let error = load(first.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("private key does not belong"), "{error}");
    let error = load(second.path().join("missing").as_path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains(ROOT_CERT_PEM), "{error}");
}

#[test]
fn the_committed_test_ca_loads() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-pki/citizen-ca");
    let ca = load(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cert::subject_of(ca.root()), ROOT_SUBJECT);
    assert_eq!(cert::subject_of(ca.intermediate()), INTERMEDIATE_SUBJECT);
    let validity = ca.intermediate().tbs_certificate().validity();
    assert_eq!(validity.not_before.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(validity.not_after.to_string(), "2045-12-31T23:59:59Z");
    // DER and PEM hold the same certificate.
    let der = std::fs::read(dir.join(ROOT_CERT_DER)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ca.root().to_der().ok(), Some(der));
}
