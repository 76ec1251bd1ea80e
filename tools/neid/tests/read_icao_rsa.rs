//! `neid read icao` against an in-process emulator of the reference adult
//! card personalized with `card.aa = "rsa-2048"` (issue 6): Active
//! Authentication passes with the RSA key of DG15 (ISO/IEC 9796-2 scheme 1,
//! ICAO 9303-11 §6.1), and Passive and Chip Authentication still pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The adult holder's MRZ (reference-citizens.toml) and its MRZ information.
const ADULT_MRZ: [&str; 3] =
    ["IDTWN2100123450A123456789<<<<<", "9003152M3603147TWN<<<<<<<<<<<3", "WANG<<HSIAO<MING<<<<<<<<<<<<<<"];
const ADULT_MRZ_INFO: &str = "210012345,900315,360314";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// adult.toml with `card.aa = "rsa-2048"`, written into `dir`, with
/// `card.keys.pki` made absolute so it still resolves from there.
fn adult_with_rsa_aa(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(workspace().join("profiles/reference/adult.toml")).unwrap();
    let pki = workspace().join("profiles/test-pki");
    assert!(text.contains("\nbac = true\n") && text.contains("\"../test-pki\""), "adult.toml changed shape");
    let text = text
        .replacen("\nbac = true\n", "\nbac = true\naa = \"rsa-2048\"\n", 1)
        // card.keys.pki and card.keys.issuer_keys are relative to the profile.
        .replace("\"../test-pki", &format!("\"{}", pki.to_string_lossy()));
    let path = dir.join("adult-rsa-aa.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn read_icao(profile: &Path) -> Output {
    let profile = profile.to_string_lossy().into_owned();
    let trust = workspace().join("profiles/test-pki").to_string_lossy().into_owned();
    Command::new(env!("CARGO_BIN_EXE_neid"))
        .args(["read", "icao", "--emulator", &profile, "--mrz-info", ADULT_MRZ_INFO, "--trust", &trust, "--json"])
        .current_dir(std::env::temp_dir())
        .env_remove("RUST_LOG")
        .output()
        .expect("the neid binary runs")
}

#[test]
fn rsa_2048_active_authentication_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out = read_icao(&adult_with_rsa_aa(dir.path()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}"));

    assert_eq!(json["access"], "PACE", "{json}");
    let aa = &json["aa"];
    assert_eq!(aa["status"], "passed", "{aa}");
    let detail = aa["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("RSA, ISO/IEC 9796-2"), "AA ran with the RSA key: {aa}");
    assert_eq!(json["ca"]["status"], "passed", "{json}");

    // EF.SOD covers the RSA DG15 and still verifies to the test CSCA.
    let pa = &json["pa"];
    assert_eq!(pa["signature"]["status"], "passed", "{pa}");
    assert_eq!(pa["chain"]["status"], "passed", "{pa}");
    assert_eq!(pa["sod_lists"], serde_json::json!([1, 2, 14, 15]), "{pa}");
    for n in ["1", "2", "14", "15"] {
        assert_eq!(pa["dgs"][n], "ok", "DG{n}: {pa}");
    }
    let lines: Vec<&str> =
        json["dg1"]["lines"].as_array().unwrap().iter().filter_map(|l| l.as_str()).collect();
    assert_eq!(lines, ADULT_MRZ);
}

#[test]
fn unknown_aa_value_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = adult_with_rsa_aa(dir.path());
    let text = std::fs::read_to_string(&path).unwrap().replacen("\"rsa-2048\"", "\"rsa-1024\"", 1);
    std::fs::write(&path, text).unwrap();
    let out = read_icao(&path);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("card.aa: unknown variant `rsa-1024`"), "{stderr}");
}
