//! End to end through the real PC/SC stack: pcscd + vsmartcard's vpcd driver
//! + `neid emulate` as the card + `neid` as the terminal.
//!
//! Needs `pcscd` and the vpcd driver (`/etc/reader.conf.d/vpcd`); how pcscd
//! is started or reused, stopped, and skipped without the tools: `common`.

mod common;

use std::process::Command;

use common::{Emulation, VPCD_READER, neid, pcscd_with_free_slot, run, text, workspace};

const HOUSEHOLD_SELECT: &str = "00A4040C06D15800000101";
const PUBLIC_SELECT: &str = "00A4040C06D15800000102";
const PUBLIC_READ_SFI_01: &str = "00B0810000";
const OPENSC_DEFAULT_DRIVER: &str =
    "app default { card_drivers = default; enable_default_driver = true; }\n";

#[test]
fn household_and_public_zone_through_pcscd_and_vpcd() {
    let Some(_pcscd) = pcscd_with_free_slot("pcsc_e2e") else { return };
    let state = tempfile::tempdir().expect("temporary state directory");
    let profile = workspace().join("profiles/reference/adult.toml");
    let emulate = Emulation::start(&profile, &state.path().join("card"), &state.path().join("emulate.log"), &[]);

    // The ATR as the pcsc crate sees it (no pcsc_scan needed).
    let atr = emulate.atr.clone();
    assert_eq!(atr, emulator::atr::contact_atr(), "ATR through pcscd");
    assert!(state.path().join("card/state.json").is_file(), "the personalized card is persisted at once");

    let out = run({
        let mut c = neid();
        c.args(["read", "household", "--reader", "Virtual PCD", "--json"]);
        c
    });
    assert!(out.status.success(), "read household: {}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("read household prints JSON");
    assert_eq!(json["county"], "臺北市");
    assert_eq!(json["township"], "大安區");
    assert_eq!(json["village"], "龍泉里");
    assert_eq!(json["neighbourhood"], 5);

    let out = run({
        let mut c = neid();
        c.args(["apdu", "--reader", "Virtual PCD", HOUSEHOLD_SELECT, PUBLIC_SELECT, PUBLIC_READ_SFI_01]);
        c
    });
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "apdu: {}", text(&out.stderr));
    let responses: Vec<&str> = stdout.lines().filter(|l| l.starts_with("< ")).collect();
    assert_eq!(
        responses,
        ["< 9000 (normal processing)", "< 9000 (normal processing)", "< 6982 (security status not satisfied)"],
        "{stdout}"
    );

    // Issue 3: PACE through pcscd, the public zone under secure messaging,
    // its security object verified to the committed test CSCA.
    let trust = workspace().join("profiles/test-pki");
    let adult_mrz = "IDTWN2100123450A123456789<<<<<,9003152M3603147TWN<<<<<<<<<<<3,WANG<<HSIAO<MING<<<<<<<<<<<<<<";
    for password in [["--can", "012345"], ["--mrz", adult_mrz], ["--mrz-info", "210012345,900315,360314"]] {
        let out = run({
            let mut c = neid();
            c.args(["read", "public", "--reader", "Virtual PCD", "--json", "--trust"]).arg(&trust).args(password);
            c
        });
        assert!(out.status.success(), "read public {password:?}: {}", text(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("read public prints JSON");
        assert_eq!(json["name_zh"], "王小明", "{password:?}");
        assert_eq!(json["id_number"], "A123456789");
        assert_eq!(json["date_of_birth"], "1990-03-15");
        assert_eq!(json["renewal_date"], "2036-03-14");
        assert_eq!(json["card_number"], "210012345");
        assert_eq!(json["security_object"]["valid"], true, "{json}");
    }
    // A wrong CAN fails clearly, non-zero, and leaves the card usable.
    let out = run({
        let mut c = neid();
        c.args(["read", "public", "--reader", "Virtual PCD", "--can", "000000"]);
        c
    });
    assert!(!out.status.success(), "a wrong CAN must fail");
    assert!(text(&out.stderr).contains("PACE failed: wrong CAN (card answered 63"), "{}", text(&out.stderr));
    let out = run({
        let mut c = neid();
        c.args(["read", "public", "--reader", "Virtual PCD", "--can", "012345", "--json"]);
        c
    });
    assert!(out.status.success(), "right CAN after a wrong one: {}", text(&out.stderr));

    // Issue 6: the ICAO zone through pcscd: PACE with the MRZ, CA, AA and
    // Passive Authentication to the committed test CSCA, DG1 = the adult's MRZ.
    let out = run({
        let mut c = neid();
        c.args(["read", "icao", "--reader", "Virtual PCD", "--mrz-info", "210012345,900315,360314", "--json"])
            .arg("--trust")
            .arg(&trust);
        c
    });
    assert!(out.status.success(), "read icao: {}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("read icao prints JSON");
    assert!(json["access"] == "PACE" || json["access"] == "BAC", "{json}");
    for check in [&json["ca"], &json["aa"], &json["pa"]["signature"], &json["pa"]["chain"]] {
        assert_eq!(check["status"], "passed", "{json}");
    }
    for n in ["1", "2", "14", "15"] {
        assert_eq!(json["pa"]["dgs"][n], "ok", "DG{n}: {json}");
    }
    let lines: Vec<&str> = adult_mrz.split(',').collect();
    assert_eq!(json["dg1"]["lines"], serde_json::json!(lines), "{json}");

    let out = run({
        let mut c = neid();
        c.arg("readers");
        c
    });
    let listing = text(&out.stdout);
    let atr_hex = atr.iter().map(|b| format!("{b:02X}")).collect::<String>();
    assert!(listing.contains(&format!("{VPCD_READER}: card, ATR {atr_hex}")), "{listing}");

    // OpenSC sees the same ATR (when installed). OpenSC 0.23 talks to a card
    // with an unknown ATR only through its default driver, enabled by a config
    // file named in OPENSC_CONF.
    let opensc_conf = state.path().join("opensc.conf");
    std::fs::write(&opensc_conf, OPENSC_DEFAULT_DRIVER).expect("write opensc.conf");
    if let Ok(out) = Command::new("opensc-tool")
        .args(["--reader", VPCD_READER, "--atr"])
        .env("OPENSC_CONF", &opensc_conf)
        .output()
    {
        let shown = text(&out.stdout).to_uppercase().replace(':', "");
        assert!(shown.contains(&atr_hex), "opensc-tool -a: {shown} {}", text(&out.stderr));
    }

    // A clean stop: SIGTERM ends `neid emulate` with status 0.
    let log = emulate.stop();
    assert!(log.contains("apdu"), "RUST_LOG=debug logs one line per APDU:\n{log}");
}
