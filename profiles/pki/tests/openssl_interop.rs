//! Interoperability with OpenSSL (an independent CMS / X.509 implementation).
//! Each test skips with a message when the `openssl` binary is missing.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{adult_public_fields, as_refs, fixture};
use pki::HashAlgorithm;

fn openssl(args: &[&str], dir: &Path) -> Option<Output> {
    match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("SKIPPED: cannot run openssl ({e})");
            None
        }
    }
}

fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn openssl_verifies_the_ds_certificate_against_the_csca() {
    let f = fixture(40);
    let Some(out) = openssl(&["verify", "-CAfile", "csca.pem", "ds.pem"], f.dir.path()) else {
        return;
    };
    assert_success(&out, "openssl verify");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ds.pem: OK"));
}

#[test]
fn openssl_reads_the_certificate_profiles() {
    let f = fixture(41);
    let Some(out) = openssl(
        &["x509", "-in", "csca.pem", "-noout", "-text"],
        f.dir.path(),
    ) else {
        return;
    };
    assert_success(&out, "openssl x509 csca");
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "ecdsa-with-SHA384",
        "NIST CURVE: P-384",
        "CA:TRUE, pathlen:0",
        "Certificate Sign, CRL Sign",
        "Subject: C = TW, O = neid test, CN = neid Test CSCA",
    ] {
        assert!(text.contains(expected), "CSCA lacks '{expected}':\n{text}");
    }
    let Some(out) = openssl(&["x509", "-in", "ds.pem", "-noout", "-text"], f.dir.path()) else {
        return;
    };
    assert_success(&out, "openssl x509 ds");
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "Digital Signature",
        "Issuer: C = TW, O = neid test, CN = neid Test CSCA",
    ] {
        assert!(text.contains(expected), "DS lacks '{expected}':\n{text}");
    }
}

#[test]
fn openssl_cms_verifies_the_security_object() {
    let f = fixture(42);
    let fields = adult_public_fields();
    let sod = pki::sign_security_object(
        HashAlgorithm::Sha384,
        &as_refs(&fields),
        &f.pki.document_signer,
    )
    .unwrap();
    let dir = f.dir.path();
    std::fs::write(dir.join("sod.der"), pki::content_info_of(&sod).unwrap()).unwrap();
    let Some(out) = openssl(
        &[
            "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "csca.pem", "-binary",
            "-out", "lds.der",
        ],
        dir,
    ) else {
        return;
    };
    assert_success(&out, "openssl cms -verify");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Verification successful"));

    // The content OpenSSL extracted is the LDSSecurityObject: its field
    // hashes are those of our fields.
    let Some(out) = openssl(&["asn1parse", "-inform", "DER", "-in", "lds.der"], dir) else {
        return;
    };
    assert_success(&out, "openssl asn1parse");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("sha384"), "{text}");
    for (_, content) in &fields {
        let hex: String = HashAlgorithm::Sha384
            .digest(content)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert!(text.contains(&hex), "hash {hex} missing:\n{text}");
    }

    // A security object of another PKI does not verify under ours.
    let other = fixture(43);
    let foreign = pki::sign_security_object(
        HashAlgorithm::Sha384,
        &as_refs(&fields),
        &other.pki.document_signer,
    )
    .unwrap();
    std::fs::write(
        dir.join("foreign.der"),
        pki::content_info_of(&foreign).unwrap(),
    )
    .unwrap();
    let Some(out) = openssl(
        &[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "foreign.der",
            "-CAfile",
            "csca.pem",
            "-binary",
            "-out",
            "/dev/null",
        ],
        dir,
    ) else {
        return;
    };
    assert!(
        !out.status.success(),
        "openssl accepted a foreign security object"
    );
}

#[test]
fn openssl_parses_the_tag_77_wrapper() {
    let f = fixture(44);
    let fields = adult_public_fields();
    let sod = pki::sign_security_object(
        HashAlgorithm::Sha384,
        &as_refs(&fields),
        &f.pki.document_signer,
    )
    .unwrap();
    std::fs::write(f.dir.path().join("ef_sod.bin"), &sod).unwrap();
    let Some(out) = openssl(
        &["asn1parse", "-inform", "DER", "-in", "ef_sod.bin"],
        f.dir.path(),
    ) else {
        return;
    };
    assert_success(&out, "openssl asn1parse EF.SOD");
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.contains("appl [ 23 ]"), "{first}");
    assert!(text.contains("pkcs7-signedData"), "{text}");
    assert!(text.contains(":2.23.136.1.1.1"), "{text}");
    assert!(
        text.contains("messageDigest") && text.contains("contentType"),
        "{text}"
    );
}
