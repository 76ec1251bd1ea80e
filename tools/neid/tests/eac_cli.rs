//! `neid pki cvca|dv|terminal|link`, `neid pin …` and `neid read encrypted`
//! as users run them, against the in-process emulator.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn adult() -> String {
    workspace()
        .join("profiles/reference/adult.toml")
        .to_string_lossy()
        .into_owned()
}

fn neid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neid"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .env_remove("RUST_LOG")
        .output()
        .expect("the neid binary runs")
}

fn out(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn err(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_string_lossy().into_owned()
}

/// CVCA, DV and an authentication terminal reading father and mother.
fn make_pki(dir: &tempfile::TempDir) {
    let (cvca, dv, auth) = (path(dir, "cvca"), path(dir, "dv"), path(dir, "auth"));
    for args in [
        vec!["pki", "cvca", &cvca],
        vec!["pki", "dv", &dv, "--cvca", &cvca],
        vec![
            "pki",
            "terminal",
            &auth,
            "--dv",
            &dv,
            "--role",
            "auth",
            "--rights",
            "father_name,mother_name",
        ],
    ] {
        let o = neid(&args);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
    }
}

#[test]
fn pki_issues_a_terminal_chain() {
    let dir = tempfile::tempdir().unwrap();
    make_pki(&dir);
    for file in [
        "cvca.cvcert",
        "dv.cvcert",
        "terminal.cvcert",
        "terminal-key.pem",
    ] {
        assert!(dir.path().join("auth").join(file).exists(), "{file}");
    }
    // A link certificate rolls the CVCA over; the old one is archived.
    let o = neid(&["pki", "link", &path(&dir, "cvca"), "--chr", "TWCVCA00002"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(dir.path().join("cvca/link-TWCVCA00002.cvcert").exists());
    assert!(out(&o).contains("TWCVCA00001 → TWCVCA00002"), "{}", out(&o));
}

#[test]
fn bad_rights_are_one_line_errors_naming_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    make_pki(&dir);
    let o = neid(&[
        "pki",
        "terminal",
        &path(&dir, "x"),
        "--dv",
        &path(&dir, "dv"),
        "--role",
        "auth",
        "--rights",
        "father",
    ]);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("--rights: unknown right `father`"),
        "{}",
        err(&o)
    );
    let o = neid(&[
        "pki",
        "terminal",
        &path(&dir, "y"),
        "--dv",
        &path(&dir, "dv"),
        "--role",
        "auth",
        "--rights",
        "write_father_name",
    ]);
    assert!(!o.status.success());
    let e = err(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("an authentication terminal may hold only read rights"),
        "{e}"
    );
    assert!(!dir.path().join("y").exists(), "nothing written on refusal");
}

#[test]
fn pin_status_change_and_unblock() {
    let o = neid(&["pin", "status", "--emulator", &adult()]);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains("PIN1        usable"), "{text}");
    assert!(text.contains("user code   usable"), "{text}");
    assert!(text.contains("PIN2        3 tries left"), "{text}");

    let o = neid(&[
        "pin",
        "change",
        "--pin2",
        "99999999",
        "12345678",
        "--emulator",
        &adult(),
    ]);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("CHANGE REFERENCE DATA (PIN2): card answered 63C2"),
        "{}",
        err(&o)
    );

    let o = neid(&[
        "pin",
        "change",
        "--pin2",
        "13572468",
        "2468013579",
        "--emulator",
        &adult(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).starts_with("PIN2 changed"), "{}", out(&o));

    let o = neid(&[
        "pin",
        "unblock",
        "--pin1",
        "--user-code",
        "TWeid2026",
        "--emulator",
        &adult(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).starts_with("PIN1 unblocked"), "{}", out(&o));

    let o = neid(&[
        "pin",
        "unblock",
        "--pin1",
        "--user-code",
        "WRONG0",
        "--emulator",
        &adult(),
    ]);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("wrong PUK (card answered 63C9)"),
        "{}",
        err(&o)
    );

    let o = neid(&[
        "pin",
        "set",
        "--user-code",
        "TW-eid",
        "--pin1",
        "123456",
        "--emulator",
        &adult(),
    ]);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("user code: must be 6 to 10 characters"),
        "{}",
        err(&o)
    );
}

/// Issue 4's reading: the committed auth terminal granted father_name and
/// mother_name reads those two; the five others are denied by the card (6982).
#[test]
fn read_encrypted_with_the_committed_parents_terminal() {
    let terminal = workspace().join("profiles/test-pki/cv/terminals/auth-parents");
    let trust = workspace().join("profiles/test-pki");
    let o = neid(&[
        "read",
        "encrypted",
        "--pin1",
        "246810",
        "--terminal",
        &terminal.to_string_lossy(),
        "--trust",
        &trust.to_string_lossy(),
        "--json",
        "--emulator",
        &adult(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let json: serde_json::Value = serde_json::from_str(&out(&o)).expect("JSON");
    assert_eq!(json["father_name"], "王大同");
    assert_eq!(json["mother_name"], "陳秀英");
    let denied: Vec<&str> = json["denied"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(denied, ["spouse_name", "birthplace", "sex", "photo", "can"]);
    for field in denied {
        assert_eq!(json["denied_detail"][field]["card_sw"], "6982", "{field}");
        assert!(json.get(field).is_none(), "a denied field is never shown: {field}");
    }
    assert_eq!(json["security_object"]["valid"], true, "{json}");
}

#[test]
fn read_encrypted_errors_are_one_line_and_named() {
    let dir = tempfile::tempdir().unwrap();
    make_pki(&dir);
    // A terminal of another CVCA: the card does not know its DV's authority.
    let o = neid(&[
        "read",
        "encrypted",
        "--pin1",
        "246810",
        "--terminal",
        &path(&dir, "auth"),
        "--emulator",
        &adult(),
    ]);
    assert!(!o.status.success());
    assert!(err(&o).contains("TA failed at MSE:Set DST"), "{}", err(&o));
    let o = neid(&[
        "read",
        "encrypted",
        "--pin1",
        "000000",
        "--terminal",
        &path(&dir, "auth"),
        "--emulator",
        &adult(),
    ]);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("PACE failed: wrong PIN (card answered 63C2): 2 tries left"),
        "{}",
        err(&o)
    );
    let o = neid(&[
        "read",
        "encrypted",
        "--pin1",
        "24681",
        "--terminal",
        &path(&dir, "auth"),
        "--emulator",
        &adult(),
    ]);
    assert!(
        err(&o).contains("PIN1 must be exactly 6 digits"),
        "{}",
        err(&o)
    );
    let o = neid(&[
        "read",
        "encrypted",
        "--pin1",
        "246810",
        "--terminal",
        &path(&dir, "auth"),
        "--fields",
        "father_name,nick",
        "--emulator",
        &adult(),
    ]);
    assert!(
        err(&o).contains("unknown encrypted-zone field `nick`"),
        "{}",
        err(&o)
    );
}
