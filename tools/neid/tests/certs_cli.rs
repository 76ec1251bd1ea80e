//! `neid certs list`, `neid sign`, `neid decrypt` as users run them, against
//! the in-process emulator of the reference adult (keys and certificates
//! issued at personalization). Signatures are checked, and cryptograms made,
//! with the public keys `certs list --json` prints.

mod common;

use std::path::Path;
use std::process::Output;

use common::{neid_in_temp_dir as neid, text, workspace};
use p384::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs8::DecodePublicKey;
use sha2::Digest;

const CAN: &str = "012345";
const PIN2: &str = "13572468";

fn profile(name: &str) -> String {
    let path = workspace().join("profiles/reference").join(format!("{name}.toml"));
    path.to_str().expect("UTF-8 path").to_owned()
}

/// `neid COMMAND --emulator adult --can CAN --pin2 PIN2 --key KEY --in INPUT
/// --out OUTPUT EXTRA…`: what `sign` and `decrypt` share.
fn with_adult_key(command: &str, key: &str, input: &Path, output: &Path, extra: &[&str]) -> Output {
    let adult = profile("adult");
    let mut args = vec![
        command,
        "--emulator",
        &adult,
        "--can",
        CAN,
        "--pin2",
        PIN2,
        "--key",
        key,
        "--in",
        input.to_str().expect("UTF-8 path"),
        "--out",
        output.to_str().expect("UTF-8 path"),
    ];
    args.extend(extra);
    neid(&args)
}

fn list(profile_name: &str, can: Option<&str>) -> serde_json::Value {
    let profile = profile(profile_name);
    let mut args = vec!["certs", "list", "--emulator", &profile, "--json"];
    if let Some(can) = can {
        args.extend(["--can", can]);
    }
    let out = neid(&args);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn spki(json: &serde_json::Value, name: &str) -> Vec<u8> {
    let key = json["keys"].as_array().unwrap().iter().find(|k| k["name"] == name).expect("key listed");
    hex::decode(key["spki"].as_str().unwrap()).unwrap()
}

#[test]
fn certs_list_shows_the_issued_zone() {
    let json = list("adult", Some(CAN));
    assert_eq!(json["serial"], "210012345");
    assert_eq!(json["secure_messaging"], true);
    assert_eq!(json["pin2"]["state"], "3 tries left");
    let names: Vec<_> =
        json["keys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["sign", "enc", "ecc1", "ecc2", "ecc3"]);
    assert_eq!(json["keys"][0]["certificate"], "4433");
    assert_eq!(json["keys"][2]["public_key"]["curve"], "secp384r1");
    let fids: Vec<_> =
        json["certificates"].as_array().unwrap().iter().map(|c| c["fid"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fids, ["4431", "4432", "4433", "4434", "4435"]);
    assert_eq!(json["certificates"][0]["authority"], true);
    assert!(json["certificates"][2]["subject"].as_str().unwrap().contains("C=TW"));

    let out = neid(&["certs", "list", "--emulator", &profile("adult"), "--can", CAN]);
    let listing = text(&out.stdout);
    assert!(listing.contains("  01 sign  RSA-2048  Signature and authentication key, certificate 4433"), "{listing}");
    assert!(listing.contains("  4432 Citizen CA certificate (CA)"), "{listing}");
}

#[test]
fn without_the_can_an_sm_zone_says_so_in_one_line() {
    let out = neid(&["certs", "list", "--emulator", &profile("adult")]);
    assert_eq!(out.status.code(), Some(1));
    let error = text(&out.stderr);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.starts_with("neid: error: READ BINARY EF.ODF (5031): card answered 6982"), "{error}");
    assert!(error.contains("--can"), "{error}");
    // The middleware-compat card needs no CAN.
    assert_eq!(list("adult-middleware-compat", None)["secure_messaging"], false);
}

#[test]
fn sign_writes_signatures_that_verify() {
    let json = list("adult", Some(CAN));
    let dir = tempfile::tempdir().unwrap();
    let message = dir.path().join("message.txt");
    std::fs::write(&message, b"signed with neid").unwrap();
    let sign = |key: &str, mechanism: Option<&str>| -> Vec<u8> {
        let out_path = dir.path().join(format!("{key}.sig"));
        let extra = mechanism.map(|m| vec!["--mechanism", m]).unwrap_or_default();
        let out = with_adult_key("sign", key, &message, &out_path, &extra);
        assert!(out.status.success(), "{key}: {}", text(&out.stderr));
        std::fs::read(out_path).unwrap()
    };
    let rsa_key = rsa::PublicKey::from_public_key_der(&spki(&json, "sign")).unwrap();
    let sha256 = sha2::Sha256::digest(b"signed with neid").to_vec();
    for key in ["sign", "auth"] {
        rsa_key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &sha256, &sign(key, None)).expect(key);
    }
    let pss = sign("sign", Some("rsa-pss-sha256"));
    rsa_key.verify(rsa::Pss::<sha2::Sha256>::new_with_salt(32), &sha256, &pss).expect("PSS");
    let ecc = p384::ecdsa::VerifyingKey::from_public_key_der(&spki(&json, "ecc2")).unwrap();
    let signature = p384::ecdsa::Signature::from_slice(&sign("ecc2", None)).unwrap();
    ecc.verify_prehash(&sha2::Sha384::digest(b"signed with neid"), &signature).expect("ECDSA SHA-384");
}

#[test]
fn decrypt_returns_what_the_public_key_encrypted() {
    let json = list("adult", Some(CAN));
    let key = rsa::PublicKey::from_public_key_der(&spki(&json, "enc")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rng();
    for (oaep, cryptogram) in [
        ("none", key.encrypt(&mut rng, rsa::Pkcs1v15Encrypt, b"session key one").unwrap()),
        ("sha256", key.encrypt(&mut rng, rsa::Oaep::<sha2::Sha256>::new(), b"session key one").unwrap()),
    ] {
        let ct = dir.path().join(format!("{oaep}.ct"));
        let pt = dir.path().join(format!("{oaep}.pt"));
        std::fs::write(&ct, &cryptogram).unwrap();
        let out = with_adult_key("decrypt", "enc", &ct, &pt, &["--oaep", oaep]);
        assert!(out.status.success(), "{oaep}: {}", text(&out.stderr));
        assert_eq!(std::fs::read(&pt).unwrap(), b"session key one", "{oaep}");
    }
}

#[test]
fn bad_arguments_and_wrong_pin2_are_one_line_errors() {
    let adult = profile("adult");
    let cases: [(&[&str], i32, &str); 5] = [
        (
            &["sign", "--pin2", PIN2, "--key", "enc", "--in", "x", "--out", "y"],
            2,
            "neid: error: --key: enc (key 02) deciphers",
        ),
        (
            &["sign", "--pin2", PIN2, "--key", "sign", "--mechanism", "ecdsa-sha384", "--in", "x", "--out", "y"],
            2,
            "neid: error: --mechanism: ecdsa-sha384",
        ),
        (&["decrypt", "--pin2", PIN2, "--key", "ecc1", "--in", "x", "--out", "y"], 2, "neid: error: --key: ecc1"),
        (
            &["sign", "--pin2", PIN2, "--key", "ecc1", "--in", "/nonexistent/x", "--out", "y"],
            1,
            "neid: error: --in /nonexistent/x: cannot read",
        ),
        (
            &[
                "sign",
                "--pin2",
                "11112222",
                "--key",
                "ecc1",
                "--in",
                concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
                "--out",
                "/dev/null",
            ],
            1,
            "neid: error: wrong PIN2 (card answered 63C2): 2 tries left",
        ),
    ];
    for (args, code, start) in cases {
        let mut all = args.to_vec();
        all.extend(["--emulator", &adult, "--can", CAN]);
        let out = neid(&all);
        let error = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {error}");
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(error.starts_with(start), "{args:?}: {error}");
    }
}
