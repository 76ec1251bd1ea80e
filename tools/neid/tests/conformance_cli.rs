//! `neid conformance` end to end against the in-process adult card.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn conformance_runs_a_suite_and_writes_reports() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let json = dir.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_neid"))
        .args(["conformance", "--emulator"])
        .arg(root().join("profiles/reference/adult.toml"))
        .args(["--suite", "codec", "--suite", "pace", "--jobs", "2", "--junit"])
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("card-level") && stdout.contains("all"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"codec\"") && xml.contains("failures=\"0\""), "{xml}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["counts"]["fail"], 0);
    assert!(report["counts"]["pass"].as_u64().unwrap() > 50);
}

#[test]
fn conformance_exits_nonzero_on_a_bad_suite_name_and_lists_markdown() {
    let out = Command::new(env!("CARGO_BIN_EXE_neid"))
        .args(["conformance", "--emulator", "x.toml", "--suite", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope: not a built-in suite"));
    let out = Command::new(env!("CARGO_BIN_EXE_neid")).args(["conformance", "--list-markdown"]).output().unwrap();
    assert!(out.status.success());
    let cases = std::fs::read_to_string(root().join("apdu-tests/CASES.md")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), cases);
}
