//! Passive Authentication of eMRTD-style security objects made by OpenSSL
//! with the algorithms real passports use (ICAO 9303-12 §5.2): RSA PKCS#1
//! v1.5, RSASSA-PSS, ECDSA P-256 and brainpoolP256r1, with SHA-1/256/512
//! field hashes; and CSCA master lists (ICAO 9303-12 §9) in a trust
//! directory. Skips with a message when the `openssl` binary is missing.

use std::path::Path;
use std::process::Command;

use pki::{HashAlgorithm, MasterListSignature, PkiError};

/// OID of id-icao-mrtd-security-ldsSecurityObject (ICAO 9303-10 §4.6.2.2).
const LDS_SECURITY_OBJECT: &str = "2.23.136.1.1.1";
/// OID of id-icao-cscaMasterList (ICAO 9303-12 §9).
const CSCA_MASTER_LIST: &str = "2.23.136.1.1.2";

fn have_openssl() -> bool {
    match Command::new("openssl").arg("version").output() {
        Ok(out) if out.status.success() => true,
        _ => {
            eprintln!("SKIPPED: openssl is not available");
            false
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One CSCA → DS → SOD algorithm combination.
struct Profile {
    name: &'static str,
    /// `-newkey` and `-pkeyopt` arguments.
    key: &'static [&'static str],
    /// Extra signing options for certificates (`-sigopt ...`).
    cert_sigopts: &'static [&'static str],
    /// Extra signing options for `openssl cms -sign` (`-keyopt ...`).
    cms_keyopts: &'static [&'static str],
    md: &'static str,
    field_hash: HashAlgorithm,
    /// The SignerInfo signatureAlgorithm OpenSSL is expected to write.
    signature_oid: &'static str,
}

const RSA_PKCS1: Profile = Profile {
    name: "rsa-pkcs1",
    key: &["-newkey", "rsa:2048"],
    cert_sigopts: &[],
    cms_keyopts: &[],
    md: "sha256",
    field_hash: HashAlgorithm::Sha256,
    signature_oid: "1.2.840.113549.1.1.1",
};
const RSA_PSS: Profile = Profile {
    name: "rsa-pss",
    key: &["-newkey", "rsa:2048"],
    cert_sigopts: &[
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
    ],
    cms_keyopts: &[
        "-keyopt",
        "rsa_padding_mode:pss",
        "-keyopt",
        "rsa_pss_saltlen:32",
    ],
    md: "sha256",
    field_hash: HashAlgorithm::Sha512,
    signature_oid: "1.2.840.113549.1.1.10",
};
const EC_P256: Profile = Profile {
    name: "p256",
    key: &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    cert_sigopts: &[],
    cms_keyopts: &[],
    md: "sha256",
    field_hash: HashAlgorithm::Sha1,
    signature_oid: "1.2.840.10045.4.3.2",
};
const EC_BRAINPOOL_P256: Profile = Profile {
    name: "bp256",
    key: &[
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:brainpoolP256r1",
    ],
    cert_sigopts: &[],
    cms_keyopts: &[],
    md: "sha384",
    field_hash: HashAlgorithm::Sha224,
    signature_oid: "1.2.840.10045.4.3.3",
};

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(value);
    out
}

fn oid_der(text: &str) -> Vec<u8> {
    let arcs: Vec<u64> = text.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut bytes = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            bytes.push(((rest & 0x7f) as u8) | 0x80);
            rest >>= 7;
        }
        bytes.reverse();
        body.extend(bytes);
    }
    tlv(0x06, &body)
}

const DG1: &[u8] = b"\x61\x0bP<UTOERIKSSON";
const DG2: &[u8] = b"\x75\x04face";

/// LDSSecurityObject v0 over DG1 and DG2 (ICAO 9303-10 §4.6.2.2).
fn lds_security_object(hash: HashAlgorithm) -> Vec<u8> {
    let alg = tlv(0x30, &oid_der(&hash.oid().to_string()));
    let mut hashes = Vec::new();
    for (n, content) in [(1u8, DG1), (2, DG2)] {
        let mut dg = tlv(0x02, &[n]);
        dg.extend(tlv(0x04, &hash.digest(content)));
        hashes.extend(tlv(0x30, &dg));
    }
    let mut body = tlv(0x02, &[0]);
    body.extend(alg);
    body.extend(tlv(0x30, &hashes));
    tlv(0x30, &body)
}

/// Make `<name>-csca.pem` (self-signed CA) and `<name>-ds.pem` (issued by
/// it) with keys, in `dir`.
fn make_pki(dir: &Path, p: &Profile) {
    std::fs::write(dir.join("ds.ext"), "keyUsage=critical,digitalSignature\n").unwrap();
    let csca = format!("{}-csca.pem", p.name);
    let csca_key = format!("{}-csca.key", p.name);
    let mut args: Vec<&str> = vec!["req", "-x509", "-nodes", "-days", "3650"];
    args.extend(p.key);
    args.extend(p.cert_sigopts);
    let subj = format!("/C=UT/O=Utopia/CN=CSCA {}", p.name);
    let md = format!("-{}", p.md);
    args.extend([
        "-keyout",
        &csca_key,
        "-out",
        &csca,
        "-subj",
        &subj,
        &md,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &args);

    let ds_key = format!("{}-ds.key", p.name);
    let ds_csr = format!("{}-ds.csr", p.name);
    let ds = format!("{}-ds.pem", p.name);
    let ds_subj = format!("/C=UT/O=Utopia/CN=DS {}", p.name);
    let mut args: Vec<&str> = vec!["req", "-new", "-nodes"];
    args.extend(p.key);
    args.extend(["-keyout", &ds_key, "-out", &ds_csr, "-subj", &ds_subj]);
    openssl(dir, &args);
    let mut args: Vec<&str> = vec![
        "x509",
        "-req",
        "-in",
        &ds_csr,
        "-CA",
        &csca,
        "-CAkey",
        &csca_key,
        "-CAcreateserial",
        "-days",
        "365",
        "-extfile",
        "ds.ext",
        &md,
        "-out",
        &ds,
    ];
    args.extend(p.cert_sigopts);
    openssl(dir, &args);
}

/// `openssl cms -sign` `content` with the profile's DS, eContentType `oid`.
fn cms_sign(dir: &Path, p: &Profile, signer: &str, content: &[u8], oid: &str) -> Vec<u8> {
    let input = format!("{}-content.der", p.name);
    let output = format!("{}-signed.der", p.name);
    std::fs::write(dir.join(&input), content).unwrap();
    let cert = format!("{signer}.pem");
    let key = format!("{signer}.key");
    let mut args: Vec<&str> = vec![
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-nosmimecap",
        "-in",
        &input,
        "-signer",
        &cert,
        "-inkey",
        &key,
        "-md",
        p.md,
        "-econtent_type",
        oid,
        "-outform",
        "DER",
        "-out",
        &output,
    ];
    args.extend(p.cms_keyopts);
    openssl(dir, &args);
    std::fs::read(dir.join(&output)).unwrap()
}

fn check_profile(p: &Profile) {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_pki(dir.path(), p);
    let ds = format!("{}-ds", p.name);
    let sod = cms_sign(
        dir.path(),
        p,
        &ds,
        &lds_security_object(p.field_hash),
        LDS_SECURITY_OBJECT,
    );
    // The algorithm under test is really the one OpenSSL used.
    let signature_oid = oid_der(p.signature_oid);
    assert!(
        sod.windows(signature_oid.len()).any(|w| w == signature_oid),
        "{}: SOD does not use signature algorithm {}",
        p.name,
        p.signature_oid
    );

    let trust_dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.path().join(format!("{}-csca.pem", p.name)),
        trust_dir.path().join("csca.pem"),
    )
    .unwrap();
    let trust = pki::load_trust(trust_dir.path()).unwrap();

    let verified = pki::verify_security_object(&sod, &trust, None)
        .unwrap_or_else(|e| panic!("{}: {e}", p.name));
    assert_eq!(verified.hash_algorithm(), p.field_hash);
    verified.check_field(1, DG1).unwrap();
    verified.check_field(2, DG2).unwrap();
    assert!(verified.check_field(1, b"\x61\x0bP<UTOERIKSSOM").is_err());
    assert!(verified.anchor_subject().unwrap().contains(p.name));

    // Tampered signature: the last byte of the SOD is the signature's.
    let mut bad = sod.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    assert!(
        matches!(
            pki::verify_security_object(&bad, &trust, None),
            Err(PkiError::BadSignature)
        ),
        "{}: tampered signature accepted",
        p.name
    );

    // Another CSCA of the same algorithm does not anchor this DS.
    let other = tempfile::tempdir().unwrap();
    let other_profile = Profile {
        name: "other",
        ..*p
    };
    make_pki(other.path(), &other_profile);
    let wrong_trust = vec![pki::load_trust(other.path()).unwrap().remove(0)];
    assert!(matches!(
        pki::verify_security_object(&sod, &wrong_trust, None),
        Err(PkiError::ChainBroken { .. })
    ));
}

#[test]
fn rsa_pkcs1_v15_security_object_verifies() {
    check_profile(&RSA_PKCS1);
}

#[test]
fn rsa_pss_security_object_verifies() {
    check_profile(&RSA_PSS);
}

#[test]
fn ecdsa_p256_security_object_verifies() {
    check_profile(&EC_P256);
}

#[test]
fn ecdsa_brainpool_p256_security_object_verifies() {
    check_profile(&EC_BRAINPOOL_P256);
}

fn der_of(dir: &Path, pem: &str) -> Vec<u8> {
    let out = format!("{pem}.der");
    openssl(dir, &["x509", "-in", pem, "-outform", "DER", "-out", &out]);
    std::fs::read(dir.join(out)).unwrap()
}

/// CscaMasterList v0 { certList SET OF Certificate } (ICAO 9303-12 §9).
fn csca_master_list(certs: &[Vec<u8>]) -> Vec<u8> {
    let mut body = tlv(0x02, &[0]);
    body.extend(tlv(0x31, &certs.concat()));
    tlv(0x30, &body)
}

#[test]
fn master_list_in_trust_directory_anchors_security_objects() {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_pki(dir.path(), &RSA_PKCS1);
    make_pki(dir.path(), &EC_BRAINPOOL_P256);
    let rsa_csca = der_of(dir.path(), "rsa-pkcs1-csca.pem");
    let bp_csca = der_of(dir.path(), "bp256-csca.pem");

    // Signed by a signer issued by a listed CSCA: verified.
    let list = cms_sign(
        dir.path(),
        &RSA_PKCS1,
        "rsa-pkcs1-ds",
        &csca_master_list(&[rsa_csca.clone(), bp_csca.clone()]),
        CSCA_MASTER_LIST,
    );
    let trust_dir = tempfile::tempdir().unwrap();
    std::fs::write(trust_dir.path().join("utopia.ml"), &list).unwrap();
    let trust = pki::load_trust_with_warnings(trust_dir.path()).unwrap();
    assert_eq!(trust.certificates.len(), 2);
    assert!(trust.warnings.is_empty(), "{:?}", trust.warnings);
    let read = pki::read_master_list(&list, &[]).unwrap();
    assert!(matches!(
        read.signature,
        MasterListSignature::Verified { .. }
    ));

    let sod = cms_sign(
        dir.path(),
        &EC_BRAINPOOL_P256,
        "bp256-ds",
        &lds_security_object(HashAlgorithm::Sha256),
        LDS_SECURITY_OBJECT,
    );
    pki::verify_security_object(&sod, &trust.certificates, None).unwrap();

    // Signer's issuer not in the list nor the directory: read, with a warning.
    let unproven = cms_sign(
        dir.path(),
        &RSA_PKCS1,
        "rsa-pkcs1-ds",
        &csca_master_list(&[bp_csca]),
        CSCA_MASTER_LIST,
    );
    let trust_dir = tempfile::tempdir().unwrap();
    // Any file name: recognised by its content.
    std::fs::write(trust_dir.path().join("masterlist.bin"), &unproven).unwrap();
    let trust = pki::load_trust_with_warnings(trust_dir.path()).unwrap();
    assert_eq!(trust.certificates.len(), 1);
    assert_eq!(trust.warnings.len(), 1);
    assert!(
        trust.warnings[0].contains("not verified"),
        "{}",
        trust.warnings[0]
    );
    pki::verify_security_object(&sod, &trust.certificates, None).unwrap();

    // A tampered list (signature byte flipped) is not proven either.
    let mut tampered = list.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let read = pki::read_master_list(&tampered, &[]).unwrap();
    assert!(matches!(
        read.signature,
        MasterListSignature::Unverified { .. }
    ));

    // A `*.ml` file that is not a master list is an error naming it.
    std::fs::write(trust_dir.path().join("broken.ml"), b"not a list").unwrap();
    let err = pki::load_trust(trust_dir.path()).unwrap_err();
    assert!(err.to_string().contains("broken.ml"), "{err}");
}
