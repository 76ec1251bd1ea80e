//! `neid read icao` as users run it, against the in-process emulator of the
//! reference cards (issue 6): PACE with the MRZ, Chip Authentication, Active
//! Authentication and Passive Authentication to the committed test CSCA, DG1
//! equal to the holder's MRZ (reference-citizens.toml); a card with the ICAO
//! zone disabled; an altered data group in a card image; the senior holder's
//! MRZ without a date of expiry.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use card_os::fs::tree::Node;
use emulator::{CardEngine, Emulator, Interface, NeidCard, personalize};
use profiles::Profile;
use terminal::InProcessTransport;
use terminal::icao::{AccessMethod, Check, DgCheck, IcaoAccess, LDS1_AID, read_icao};

/// The reference holders' MRZ lines (reference-citizens.toml).
const ADULT_MRZ: [&str; 3] =
    ["IDTWN2100123450A123456789<<<<<", "9003152M3603147TWN<<<<<<<<<<<3", "WANG<<HSIAO<MING<<<<<<<<<<<<<<"];
const MINOR_MRZ: [&str; 3] =
    ["IDTWN2100543214F223456786<<<<<", "1605217F3105205TWN<<<<<<<<<<<8", "LIN<<YU<TING<<<<<<<<<<<<<<<<<<"];
const SENIOR_MRZ: [&str; 3] =
    ["IDTWN2100987654B187654324<<<<<", "5501029M<<<<<<0TWN<<<<<<<<<<<9", "CHEN<<CHIEN<KUO<<<<<<<<<<<<<<<"];
const ADULT_MRZ_INFO: &str = "210012345,900315,360314";
/// The data groups the neid card personalizes (docs/spec/icao.md) and EF.SOD lists.
const CARD_DGS: [&str; 4] = ["1", "2", "14", "15"];
/// DG2's file identifier (ICAO 9303-10 §4.7, Table 39).
const FID_DG2: u16 = 0x0102;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn profile(name: &str) -> PathBuf {
    workspace().join(format!("profiles/reference/{name}.toml"))
}

fn trust() -> String {
    workspace().join("profiles/test-pki").to_string_lossy().into_owned()
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

fn read_icao_cli(profile: &Path, access: &[&str]) -> Output {
    let profile = profile.to_string_lossy().into_owned();
    let trust = trust();
    let mut args = vec!["read", "icao", "--emulator", profile.as_str()];
    args.extend_from_slice(access);
    args.extend_from_slice(&["--trust", trust.as_str(), "--json"]);
    neid(&args)
}

fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}):\n{}\nstderr: {}", String::from_utf8_lossy(&output.stdout), stderr(output))
    })
}

/// Every check of the done-when passed and DG1 is `mrz`.
fn assert_all_passed(json: &serde_json::Value, mrz: &[&str; 3]) {
    assert!(["PACE", "BAC"].contains(&json["access"].as_str().unwrap_or("")), "{json}");
    for check in ["ca", "aa"] {
        assert_eq!(json[check]["status"], "passed", "{check}: {json}");
    }
    let pa = &json["pa"];
    assert_eq!(pa["signature"]["status"], "passed", "{pa}");
    assert_eq!(pa["chain"]["status"], "passed", "{pa}");
    assert_eq!(pa["sod_lists"], serde_json::json!([1, 2, 14, 15]), "{pa}");
    for n in CARD_DGS {
        assert_eq!(pa["dgs"][n], "ok", "DG{n}: {pa}");
    }
    let lines: Vec<&str> =
        json["dg1"]["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(lines, mrz);
    assert!(json["dg1"]["check_digits"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{json}");
}

#[test]
fn adult_done_when_command_with_mrz_info() {
    let out = read_icao_cli(&profile("adult"), &["--mrz-info", ADULT_MRZ_INFO]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json = json_of(&out);
    assert_all_passed(&json, &ADULT_MRZ);
    // The neid card offers PACE (chip.md), so BAC is not needed.
    assert_eq!(json["access"], "PACE");
    assert_eq!(json["pace_not_used"], serde_json::Value::Null);
    assert_eq!(json["dg1"]["document_number"], "210012345");
    assert_eq!(json["dg1"]["date_of_expiry"], "360314");
}

#[test]
fn adult_with_mrz_lines() {
    let lines = ADULT_MRZ.join(",");
    let out = read_icao_cli(&profile("adult"), &["--mrz", lines.as_str()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_all_passed(&json_of(&out), &ADULT_MRZ);
}

/// chip.md: the ICAO zone opens with the MRZ (PACE or BAC) only; PACE with
/// the CAN succeeds but reads nothing of LDS1, and the command fails.
#[test]
fn adult_with_can_reads_nothing_of_the_icao_zone() {
    let out = read_icao_cli(&profile("adult"), &["--can", "012345"]);
    assert!(!out.status.success());
    let json = json_of(&out);
    assert_eq!(json["access"], "PACE");
    assert_ne!(json["pa"]["signature"]["status"], "passed", "{json}");
    assert_eq!(json["dg1"], serde_json::Value::Null, "{json}");
}

#[test]
fn adult_text_report_says_genuine() {
    let profile = profile("adult").to_string_lossy().into_owned();
    let trust = trust();
    let out = neid(&["read", "icao", "--emulator", &profile, "--mrz-info", ADULT_MRZ_INFO, "--trust", &trust]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("verdict             genuine"), "{text}");
    assert!(text.contains("DG2               hash ok"), "{text}");
}

#[test]
fn wrong_mrz_fails_and_names_pace() {
    let out = read_icao_cli(&profile("adult"), &["--mrz-info", "210012345,900315,360315"]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(e.contains("wrong MRZ"), "{e}");
}

#[test]
fn senior_without_expiry_round_trips_dg1() {
    let lines = SENIOR_MRZ.join(",");
    let out = read_icao_cli(&profile("senior"), &["--mrz", lines.as_str()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json = json_of(&out);
    assert_all_passed(&json, &SENIOR_MRZ);
    // docs/spec/icao.md: no renewal date → expiry `<<<<<<`, check digit 0.
    assert_eq!(json["dg1"]["date_of_expiry"], "<<<<<<");
    let expiry = json["dg1"]["check_digits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "date of expiry")
        .cloned()
        .unwrap();
    assert_eq!(expiry["found"], "0");
    assert_eq!(expiry["ok"], true);
    // The same password from the three fields.
    let out = read_icao_cli(&profile("senior"), &["--mrz-info", "210098765,550102,<<<<<<"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_all_passed(&json_of(&out), &SENIOR_MRZ);
}

#[test]
fn minor_reads_and_verifies() {
    let out = read_icao_cli(&profile("minor"), &["--mrz-info", "210054321,160521,310520"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json = json_of(&out);
    assert_all_passed(&json, &MINOR_MRZ);
    assert_eq!(json["dg1"]["sex"], "F");
}

/// adult.toml with `zones.icao = false` (and `bac = false`: BAC lives in the
/// ICAO zone, profile.md), written into `dir` with the PKI path made absolute.
fn adult_without_icao(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(profile("adult")).unwrap();
    let pki = workspace().join("profiles/test-pki");
    let text = text
        .replace("icao = true", "icao = false")
        .replace("\nbac = true", "\nbac = false")
        // card.keys.pki and card.keys.issuer_keys are relative to the profile.
        .replace("\"../test-pki", &format!("\"{}", pki.to_string_lossy()));
    assert!(text.contains("icao = false") && text.contains("\nbac = false"), "adult.toml changed shape");
    let path = dir.join("adult-no-icao.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn zone_disabled_reports_no_icao_application() {
    let dir = tempfile::tempdir().unwrap();
    let no_icao = adult_without_icao(dir.path());
    let lines = ADULT_MRZ.join(",");
    for access in [["--mrz-info", ADULT_MRZ_INFO], ["--mrz", lines.as_str()], ["--can", "012345"]] {
        let out = read_icao_cli(&no_icao, &access);
        assert!(!out.status.success(), "{access:?}");
        let e = stderr(&out);
        assert!(e.contains("the card has no ICAO application"), "{access:?}: {e}");
        assert!(out.stdout.is_empty(), "no report for a card without the application");
    }
}

/// The adult card's image with one byte of DG2's content changed.
fn adult_image_with_altered_dg2() -> Vec<u8> {
    let card = personalize(&Profile::from_file(profile("adult")).unwrap()).unwrap();
    let mut image = card.card().image().clone();
    let path = image.mf.path_by_name(&LDS1_AID).expect("the LDS1 application is on the card");
    let lds1 = image.mf.df_at_mut(&path).unwrap();
    let index = lds1.child_by_fid(FID_DG2).expect("DG2 is on the card");
    let Node::Ef(dg2) = &mut lds1.children[index] else { panic!("DG2 is an EF") };
    // The last byte: inside the biometric data block, past every TLV header.
    let last = dg2.data.len() - 1;
    dg2.data[last] ^= 0x01;
    serde_json::to_vec(&image).unwrap()
}

#[test]
fn altered_dg2_fails_passive_authentication_on_dg2_only() {
    let card = NeidCard::restore(&adult_image_with_altered_dg2()).unwrap();
    let mut transport = InProcessTransport::new(Emulator::new(card, Interface::Contact, None));
    let trust = pki::load_trust(&workspace().join("profiles/test-pki")).unwrap();
    let access = IcaoAccess::Mrz(ADULT_MRZ.iter().map(|l| l.to_string()).collect());
    let report = read_icao(&mut transport, &access, Some(&trust), &mut rand::rng()).unwrap();
    assert_eq!(report.access, AccessMethod::Pace);
    assert!(report.pa.signature.passed(), "{:?}", report.pa.signature);
    assert!(report.pa.chain.passed(), "{:?}", report.pa.chain);
    assert_eq!(report.pa.dgs.get(&2), Some(&DgCheck::Mismatch));
    for n in [1, 14, 15] {
        assert_eq!(report.pa.dgs.get(&n), Some(&DgCheck::Ok), "DG{n}");
    }
    assert!(!report.pa.passed());
    assert!(!report.genuine());
    // CA and AA do not depend on DG2.
    assert!(matches!(report.ca, Check::Passed { .. }), "{:?}", report.ca);
    assert!(matches!(report.aa, Check::Passed { .. }), "{:?}", report.aa);
}

#[test]
fn unaltered_image_round_trips_and_passes() {
    let card = personalize(&Profile::from_file(profile("adult")).unwrap()).unwrap();
    let card = NeidCard::restore(&card.save_image()).unwrap();
    let mut transport = InProcessTransport::new(Emulator::new(card, Interface::Contact, None));
    let trust = pki::load_trust(&workspace().join("profiles/test-pki")).unwrap();
    let access = IcaoAccess::MrzInfo {
        document_number: "210012345".into(),
        date_of_birth: "900315".into(),
        date_of_expiry: "360314".into(),
    };
    let report = read_icao(&mut transport, &access, Some(&trust), &mut rand::rng()).unwrap();
    assert!(report.genuine(), "{report:?}");
}
