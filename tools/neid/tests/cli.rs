//! The `neid` binary as users run it: arguments, output, exit codes.
//! Card commands run against the in-process emulator (no pcscd needed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn adult_profile() -> PathBuf {
    workspace().join("profiles/reference/adult.toml")
}

fn neid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neid"))
        .args(args)
        // Run from elsewhere: nothing may depend on the current directory.
        .current_dir(std::env::temp_dir())
        .env_remove("RUST_LOG")
        .output()
        .expect("the neid binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn demo_reads_the_household_zone_and_narrates_apdus() {
    let out = neid(&["demo"]);
    let text = stdout(&out);
    assert!(out.status.success(), "stdout:\n{text}\nstderr:\n{}", stderr(&out));
    assert!(text.contains("> SELECT       00A4040C06D15800000101"), "{text}");
    assert!(text.contains("> READ BINARY  00B0810000"), "{text}");
    assert!(text.contains("9000 (normal processing)"), "{text}");
    for value in ["臺北市", "大安區", "龍泉里", "Taipei City"] {
        assert!(text.contains(value), "missing {value} in:\n{text}");
    }
    assert!(text.contains("refused as expected: 6982"), "{text}");
}

#[test]
fn read_household_json_from_the_emulator_has_the_reference_values() {
    let profile = adult_profile();
    let out = neid(&["read", "household", "--emulator", profile.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["county"], "臺北市");
    assert_eq!(json["township"], "大安區");
    assert_eq!(json["village"], "龍泉里");
    assert_eq!(json["neighbourhood"], 5);
    assert_eq!(json["county_code"], "63000");
    assert_eq!(json["county_en"], "Taipei City");
}

#[test]
fn read_household_works_contactless_too() {
    let profile = adult_profile();
    let out = neid(&[
        "read", "household", "--emulator", profile.to_str().unwrap(), "--interface", "contactless", "--json",
    ]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["neighbourhood"], 5);
}

#[test]
fn apdu_to_the_emulator_prints_sw_and_meaning() {
    let profile = adult_profile();
    let out = neid(&[
        "apdu",
        "--emulator",
        profile.to_str().unwrap(),
        "00 A4 04 0C 06 D1 58 00 00 01 01",
        "00B0840000",
        "00A4040C06D15800000102",
        "00B0810000",
    ]);
    let text = stdout(&out);
    assert!(out.status.success(), "stdout:\n{text}\nstderr:\n{}", stderr(&out));
    let responses: Vec<&str> = text.lines().filter(|l| l.starts_with("< ")).collect();
    assert_eq!(responses.len(), 4, "{text}");
    assert_eq!(responses[0], "< 9000 (normal processing)");
    // EF.Neighbourhood: A4 03 80 01 '5', ended by 9000 or by the warning 6282
    // (fewer bytes than Le = 256, ISO 7816-4 §11.3.3): both are correct.
    assert!(
        ["< A403800135 9000 (normal processing)", "< A403800135 6282 (end of file reached before reading Ne bytes)"]
            .contains(&responses[1]),
        "{text}"
    );
    assert_eq!(responses[2], "< 9000 (normal processing)");
    assert_eq!(responses[3], "< 6982 (security status not satisfied)");
}

#[test]
fn bad_hex_is_a_one_line_error_naming_the_apdu() {
    let out = neid(&["apdu", "--emulator", "unused.toml", "00A40000", "00B0ZZ00"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        "neid: error: APDU 2 (\"00B0ZZ00\"): 'Z' at position 5 is not a hex digit"
    );
    assert!(stdout(&out).is_empty(), "nothing may be sent before every APDU parses");
}

#[test]
fn reader_and_emulator_exclude_each_other() {
    let out = neid(&["apdu", "--reader", "Virtual", "--emulator", "x.toml", "00A40000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'--reader <NAME>' cannot be used with '--emulator <PROFILE>'"));
}

#[test]
fn missing_profile_file_names_the_argument() {
    let out = neid(&["read", "household", "--emulator", "/nonexistent/p.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("neid: error: --emulator /nonexistent/p.toml: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn profile_check_accepts_every_reference_profile() {
    for name in ["adult", "minor", "senior"] {
        let path = workspace().join(format!("profiles/reference/{name}.toml"));
        let out = neid(&["profile", "check", path.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", stdout(&out));
        assert_eq!(stdout(&out), format!("{}: OK\n", path.display()));
    }
}

#[test]
fn profile_check_names_the_bad_id_number() {
    let text = std::fs::read_to_string(adult_profile()).unwrap();
    assert!(text.contains("id_number = \"A123456789\""));
    // Last digit changed: the check digit no longer matches.
    let bad = text.replace("id_number = \"A123456789\"", "id_number = \"A123456788\"");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let out = neid(&["profile", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let prefix = format!("{}: holder.id_number: ", path.display());
    assert!(text.lines().any(|l| l.starts_with(&prefix)), "{text}");
    assert!(!text.contains(": OK"), "{text}");
}

#[test]
fn profile_check_reports_unreadable_files() {
    let out = neid(&["profile", "check", "/nonexistent/profile.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("/nonexistent/profile.toml"));
}

#[test]
fn emulate_needs_a_profile_argument() {
    let out = neid(&["emulate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--profile <FILE>"));
}
