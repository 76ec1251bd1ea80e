//! `neid update` as the registry office runs it (docs/spec/eac.md
//! §Registry-office updates), against the in-process emulator with a
//! `--state` directory so that consecutive runs share one card: the update,
//! then `neid read public` (security object verified against the test CSCA)
//! and `neid read household` show the new values.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn arg(path: PathBuf) -> String {
    path.to_string_lossy().into_owned()
}

fn neid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neid"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .env_remove("RUST_LOG")
        .output()
        .expect("the neid binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

const NEW_ZH: &str = "臺北市信義區西村里3鄰信義路五段7號";
const NEW_EN: &str = "No. 7, Sec. 5, Xinyi Rd., Xicun Vil., Xinyi Dist., Taipei City";
const NEW_VILLAGE_CODE: &str = "63000020-005";

struct Card {
    profile: String,
    state: String,
    pki: String,
}

impl Card {
    fn new(state: &tempfile::TempDir) -> Card {
        Card {
            profile: arg(workspace().join("profiles/reference/adult.toml")),
            state: arg(state.path().join("card")),
            pki: arg(workspace().join("profiles/test-pki")),
        }
    }

    fn update(&self, terminal: &str, sets: &[String]) -> Output {
        let terminal = arg(workspace().join("profiles/test-pki/cv/terminals").join(terminal));
        let mut args = vec![
            "update", "--emulator", &self.profile, "--state", &self.state, "--terminal", &terminal, "--pin1", "246810",
            "--pki", &self.pki,
        ];
        for set in sets {
            args.extend(["--set", set.as_str()]);
        }
        neid(&args)
    }

    fn read_public(&self) -> serde_json::Value {
        json(&neid(&[
            "read", "public", "--emulator", &self.profile, "--state", &self.state, "--can", "012345", "--trust",
            &self.pki, "--json",
        ]))
    }

    fn read_household(&self) -> serde_json::Value {
        json(&neid(&["read", "household", "--emulator", &self.profile, "--state", &self.state, "--json"]))
    }
}

fn address_sets() -> Vec<String> {
    vec![
        format!("household_address_zh={NEW_ZH}"),
        format!("household_address_en={NEW_EN}"),
        format!("village_code={NEW_VILLAGE_CODE}"),
    ]
}

#[test]
fn update_household_address_then_read_public_and_household_show_it_signed() {
    let dir = tempfile::tempdir().unwrap();
    let card = Card::new(&dir);
    let before = card.read_public();
    assert_eq!(before["household_address_zh"], "臺北市大安區龍泉里5鄰和平東路一段100號");

    let mut sets = address_sets();
    sets.extend([
        format!("village={NEW_VILLAGE_CODE}|西村里|Xicun Village"),
        "township=63000020|信義區|Xinyi District".to_owned(),
        "neighbourhood=3".to_owned(),
        "military_service=exempted".to_owned(),
    ]);
    let o = card.update("registry", &sets);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("public zone: field 4 updated (EF 0104)"), "{stdout}");
    assert!(stdout.contains("public zone: field 6 updated (EF 0106)"), "{stdout}");
    assert!(stdout.contains("household zone: field 3 updated (EF 0103)"), "{stdout}");

    let after = card.read_public();
    assert_eq!(after["household_address_zh"], NEW_ZH);
    assert_eq!(after["household_address_en"], NEW_EN);
    assert_eq!(after["village_code"], NEW_VILLAGE_CODE);
    assert_eq!(after["military_service"], "exempted");
    assert_eq!(after["name_zh"], before["name_zh"]);
    let so = &after["security_object"];
    assert_eq!(so["valid"], true, "{so}");
    assert_eq!(so["signature"], "verified");
    assert_eq!(so["chain"], "verified");
    for n in 1..=9 {
        assert_eq!(so["fields"][n.to_string()], "ok", "field {n}");
    }

    let household = card.read_household();
    assert_eq!(household["village"], "西村里");
    assert_eq!(household["village_code"], NEW_VILLAGE_CODE);
    assert_eq!(household["township_en"], "Xinyi District");
    assert_eq!(household["neighbourhood"], 3);
    assert_eq!(household["county"], "臺北市");

    // The same values again: nothing left to change.
    let o = card.update("registry", &address_sets());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("nothing to change"), "{}", text(&o.stdout));
}

#[test]
fn an_authentication_terminal_cannot_update_and_the_card_keeps_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let card = Card::new(&dir);
    let o = card.update("auth-parents", &address_sets());
    assert!(!o.status.success());
    let stderr = text(&o.stderr);
    assert!(stderr.contains("household_address_zh") && stderr.contains("WriteHouseholdAddress"), "{stderr}");
    assert_eq!(card.read_public()["household_address_zh"], "臺北市大安區龍泉里5鄰和平東路一段100號");
}

#[test]
fn a_security_object_from_another_document_signer_is_refused_with_6300() {
    let dir = tempfile::tempdir().unwrap();
    let card = Card::new(&dir);
    let other = dir.path().join("other-pki");
    let o = neid(&["pki", "init", &arg(other.clone())]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut args_card = Card::new(&dir);
    args_card.pki = arg(other);
    let o = args_card.update("registry", &address_sets());
    assert!(!o.status.success());
    let stderr = text(&o.stderr);
    assert!(stderr.contains("6300"), "{stderr}");
    let after = card.read_public();
    assert_eq!(after["household_address_zh"], "臺北市大安區龍泉里5鄰和平東路一段100號");
    assert_eq!(after["security_object"]["valid"], true);
}

#[test]
fn set_values_are_checked_before_the_card_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let card = Card::new(&dir);
    let o = card.update("registry", &["village=63000020-005,西村里".to_owned()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("CODE|ZH|EN"), "{}", text(&o.stderr));
    let o = card.update("registry", &["military_service=retired".to_owned()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("military"), "{}", text(&o.stderr));
}
