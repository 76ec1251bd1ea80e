//! `neid read public` and `neid pki init` as users run them, against the
//! in-process emulator (no pcscd needed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ADULT_MRZ: &str = "IDTWN2100123450A123456789<<<<<,9003152M3603147TWN<<<<<<<<<<<3,WANG<<HSIAO<MING<<<<<<<<<<<<<<";
const MINOR_MRZ: &str = "IDTWN2100543214F223456786<<<<<,1605217F3105205TWN<<<<<<<<<<<8,LIN<<YU<TING<<<<<<<<<<<<<<<<<<";
const SENIOR_MRZ: &str = "IDTWN2100987654B187654324<<<<<,5501029M<<<<<<0TWN<<<<<<<<<<<9,CHEN<<CHIEN<KUO<<<<<<<<<<<<<<<";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn profile(name: &str) -> String {
    workspace().join(format!("profiles/reference/{name}.toml")).to_string_lossy().into_owned()
}

fn neid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neid"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .env_remove("RUST_LOG")
        .output()
        .expect("the neid binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr: {}", stdout(output), stderr(output)))
}

fn read_public(name: &str, password: &[&str], extra: &[&str]) -> Output {
    let profile = profile(name);
    let mut args = vec!["read", "public", "--emulator", profile.as_str()];
    args.extend_from_slice(password);
    args.extend_from_slice(extra);
    neid(&args)
}

fn assert_adult(json: &serde_json::Value) {
    assert_eq!(json["name_zh"], "王小明");
    assert_eq!(json["id_number"], "A123456789");
    assert_eq!(json["date_of_birth"], "1990-03-15");
    assert_eq!(json["renewal_date"], "2036-03-14");
    assert_eq!(json["card_number"], "210012345");
}

#[test]
fn adult_with_can_json() {
    let out = read_public("adult", &["--can", "012345"], &["--json"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json = json_of(&out);
    assert_adult(&json);
    let sod = &json["security_object"];
    assert_eq!(sod["valid"], true, "{sod}");
    assert_eq!(sod["chain"], "not checked");
    assert!(sod["signer"].as_str().is_some_and(|s| s.contains("Document Signer")), "{sod}");
    for n in 1..=9 {
        assert_eq!(sod["fields"][n.to_string()], "ok", "field {n}: {sod}");
    }
}

#[test]
fn adult_with_mrz_lines_and_with_mrz_info() {
    for password in [["--mrz", ADULT_MRZ], ["--mrz-info", "210012345,900315,360314"]] {
        let out = read_public("adult", &password, &["--json"]);
        assert!(out.status.success(), "{password:?}: {}", stderr(&out));
        assert_adult(&json_of(&out));
    }
}

#[test]
fn text_output_shows_both_calendars_and_the_chain_note() {
    let out = read_public("adult", &["--can", "012345"], &[]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("民國79年03月15日 (1990-03-15)"), "{text}");
    assert!(text.contains("chain               not verified (no --trust)"), "{text}");
    assert!(text.contains("every field proven genuine"), "{text}");
}

#[test]
fn wrong_can_is_a_pace_failure() {
    let out = read_public("adult", &["--can", "000000"], &["--json"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("PACE failed: wrong CAN (card answered 63"), "{err}");
    assert!(out.stdout.is_empty(), "nothing printed on failure");
}

#[test]
fn minor_name_with_supplementary_character_survives() {
    let out = read_public("minor", &["--mrz", MINOR_MRZ], &["--json"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(json_of(&out)["name_zh"], "林𡘙婷");
}

#[test]
fn senior_without_renewal_date_by_mrz() {
    let out = read_public("senior", &["--mrz", SENIOR_MRZ], &["--json"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json = json_of(&out);
    assert_eq!(json["name_zh"], "陳建國");
    assert_eq!(json["renewal_date"], serde_json::Value::Null);
}

#[test]
fn trust_the_committed_test_pki_verifies_the_chain() {
    let trust = workspace().join("profiles/test-pki");
    if !trust.join("pki.toml").is_file() {
        eprintln!("skipped: profiles/test-pki is not committed yet");
        return;
    }
    let out = read_public("adult", &["--can", "012345"], &["--json", "--trust", trust.to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let sod = &json_of(&out)["security_object"];
    assert_eq!(sod["chain"], "verified", "{sod}");
    assert_eq!(sod["valid"], true);
}

#[test]
fn a_foreign_trust_directory_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign");
    let init = neid(&["pki", "init", foreign.to_str().unwrap()]);
    assert!(init.status.success(), "pki init: {}", stderr(&init));
    let out = read_public("adult", &["--can", "012345"], &["--json", "--trust", foreign.to_str().unwrap()]);
    assert!(!out.status.success(), "a CSCA that did not sign the DS must fail");
    let sod = &json_of(&out)["security_object"];
    assert_eq!(sod["valid"], false);
    assert!(sod["chain"].as_str().is_some_and(|c| c.contains("chain broken")), "{sod}");
    assert!(stderr(&out).contains("certificate chain broken"), "{}", stderr(&out));
}

#[test]
fn pki_init_lists_what_it_made_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("pki");
    let out = neid(&["pki", "init", target.to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    for file in ["pki.toml", "csca.pem", "csca.der", "csca-key.pem", "ds.pem", "ds.der", "ds-key.pem"] {
        assert!(target.join(file).is_file(), "{file} missing");
        assert!(text.contains(file), "{file} not listed in:\n{text}");
    }
    let again = neid(&["pki", "init", target.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
}

#[test]
fn password_arguments_are_validated_before_the_card_is_touched() {
    let cases: [(&[&str], &str); 5] = [
        (&["--can", "12345"], "--can"),
        (&["--can", "01234x"], "exactly 6 digits"),
        (&["--mrz", "IDTWN,9003152M,WANG"], "expected 30"),
        (&["--mrz-info", "210012345,19900315,360314"], "date of birth"),
        (&["--can", "012345", "--mrz-info", "210012345,900315,360314"], "cannot be used with"),
    ];
    for (password, expected) in cases {
        let out = read_public("adult", password, &[]);
        assert_eq!(out.status.code(), Some(2), "{password:?}");
        assert!(stderr(&out).contains(expected), "{password:?}: {}", stderr(&out));
    }
    let none = read_public("adult", &[], &[]);
    assert_eq!(none.status.code(), Some(2), "a password is required");
}
