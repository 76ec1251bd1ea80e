//! `init`, `load` and `load_trust`: files on disk and their errors.

mod common;

use pki::PkiError;
use rand::SeedableRng;
use rand::rngs::StdRng;

#[test]
fn init_writes_files_and_load_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let paths = pki::init(dir.path(), &mut rng).unwrap();
    for p in [
        &paths.manifest,
        &paths.csca_certificate_pem,
        &paths.csca_certificate_der,
        &paths.csca_private_key,
        &paths.ds_certificate_pem,
        &paths.ds_certificate_der,
        &paths.ds_private_key,
    ] {
        assert!(p.is_file(), "{} missing", p.display());
    }
    assert_eq!(paths.manifest.file_name().unwrap(), pki::MANIFEST_FILE);

    let loaded = pki::load(dir.path()).unwrap();
    assert_eq!(
        loaded.csca.tbs_certificate().subject().to_string(),
        pki::CSCA_SUBJECT
    );
    let ds = loaded.document_signer.certificate().tbs_certificate();
    assert_eq!(ds.subject().to_string(), pki::DS_SUBJECT);
    assert_eq!(ds.issuer(), loaded.csca.tbs_certificate().subject());

    // The DER file holds the same certificate as the PEM file.
    let der = std::fs::read(&paths.ds_certificate_der).unwrap();
    use der::Encode;
    assert_eq!(der, loaded.document_signer.certificate().to_der().unwrap());
}

#[cfg(unix)]
#[test]
fn private_keys_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let f = common::fixture(8);
    for name in ["csca-key.pem", "ds-key.pem"] {
        let mode = std::fs::metadata(f.dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{name} mode {mode:o}");
    }
}

#[test]
fn init_refuses_to_overwrite() {
    let f = common::fixture(1);
    let before = std::fs::read(f.dir.path().join("csca.pem")).unwrap();
    let mut rng = StdRng::seed_from_u64(2);
    match pki::init(f.dir.path(), &mut rng) {
        Err(PkiError::AlreadyExists { path }) => {
            assert_eq!(path, f.dir.path().join(pki::MANIFEST_FILE));
            assert!(
                PkiError::AlreadyExists { path }
                    .to_string()
                    .contains("pki.toml")
            );
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        before,
        std::fs::read(f.dir.path().join("csca.pem")).unwrap()
    );

    // A single leftover file is enough to refuse.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ds-key.pem"), b"x").unwrap();
    match pki::init(dir.path(), &mut rng) {
        Err(PkiError::AlreadyExists { path }) => assert!(path.ends_with("ds-key.pem")),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert!(
        !dir.path().join("csca.pem").exists(),
        "nothing written on refusal"
    );
}

#[test]
fn trust_holds_only_the_csca() {
    let f = common::fixture(3);
    // ds.pem (not a CA), keys (not certificates) and pki.toml's duplicate
    // of csca.pem reduce to one anchor.
    assert_eq!(f.trust.len(), 1);
    assert_eq!(f.trust[0], f.pki.csca);
}

#[test]
fn trust_reads_der_and_crt_and_merges_directories() {
    let a = common::fixture(4);
    let b = common::fixture(5);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(a.dir.path().join("csca.der"), dir.path().join("a.CER")).unwrap();
    std::fs::copy(b.dir.path().join("csca.pem"), dir.path().join("b.crt")).unwrap();
    std::fs::copy(b.dir.path().join("ds.der"), dir.path().join("b-ds.der")).unwrap();
    std::fs::write(
        dir.path().join("notes.txt"),
        b"ignored: not a certificate extension",
    )
    .unwrap();
    let trust = pki::load_trust(dir.path()).unwrap();
    assert_eq!(trust, vec![a.pki.csca.clone(), b.pki.csca.clone()]);
}

#[test]
fn trust_error_names_the_malformed_file() {
    let f = common::fixture(6);
    let bad = f.dir.path().join("broken.crt");
    std::fs::write(&bad, [0x30, 0x82, 0x01]).unwrap();
    match pki::load_trust(f.dir.path()) {
        Err(PkiError::MalformedFile { path, .. }) => assert_eq!(path, bad),
        other => panic!("expected MalformedFile, got {other:?}"),
    }
    std::fs::write(
        &bad,
        b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    match pki::load_trust(f.dir.path()) {
        Err(e @ PkiError::MalformedFile { .. }) => {
            assert!(e.to_string().contains("broken.crt"), "{e}")
        }
        other => panic!("expected MalformedFile, got {other:?}"),
    }
}

#[test]
fn trust_without_ca_is_an_error() {
    let f = common::fixture(9);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(f.dir.path().join("ds.pem"), dir.path().join("ds.pem")).unwrap();
    assert!(matches!(
        pki::load_trust(dir.path()),
        Err(PkiError::NoTrustAnchor { .. })
    ));
}

#[test]
fn load_refuses_a_mismatched_key() {
    let a = common::fixture(10);
    let b = common::fixture(11);
    std::fs::remove_file(a.dir.path().join("ds-key.pem")).unwrap();
    std::fs::copy(
        b.dir.path().join("ds-key.pem"),
        a.dir.path().join("ds-key.pem"),
    )
    .unwrap();
    assert!(matches!(
        pki::load(a.dir.path()),
        Err(PkiError::ChainBroken { .. })
    ));
}

#[test]
fn load_refuses_unknown_manifest_format_and_escaping_paths() {
    let f = common::fixture(12);
    let manifest = f.dir.path().join(pki::MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("format = 1", "format = 2")).unwrap();
    match pki::load(f.dir.path()) {
        Err(e @ PkiError::Manifest { .. }) => assert!(e.to_string().contains("format 2"), "{e}"),
        other => panic!("expected Manifest error, got {other:?}"),
    }
    std::fs::write(&manifest, text.replace("\"ds.pem\"", "\"../ds.pem\"")).unwrap();
    assert!(matches!(
        pki::load(f.dir.path()),
        Err(PkiError::Manifest { .. })
    ));
}
