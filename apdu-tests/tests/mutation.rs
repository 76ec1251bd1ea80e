//! The mutation property (issue 7): every fault of `card_os::Fault::ALL`
//! injected into the lab card makes at least one case fail that passes on
//! the conforming card. In process, on `apdu-tests/profiles/lab.toml`.
//!
//! A full mutation run is 19 runs of every suite (`neid conformance
//! --mutation`, minutes in a debug build); this test runs the cases of the
//! families that target card behaviour the faults touch (PIN state machines,
//! codec lengths, secure messaging, the MF access matrix, EAC dates and CHAT,
//! EF.Scratch, the certificate zone's key use and generation, SCP03 C-MAC),
//! which is still every fault against real suite cases.

use std::path::PathBuf;

use apdu_tests::{EmulatorFactory, Glob, RunOptions, builtin_suites, run_mutation};
use card_os::Fault;

/// The case families the test runs.
const FAMILIES: &str =
    "PIN-V2-*,APDU-LEN-*,SM-*,CARD-ACC-*,EAC-DATE-*,EAC-CHAT-*,LC-NVM-*,CERT-MSE-*,CERT-CDS-*,CERT-GEN-*,SCP-MAC-*";

#[test]
fn every_fault_is_caught_by_some_case() {
    let lab = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("profiles/lab.toml");
    let factory = EmulatorFactory::from_profile_file(&lab).expect("lab profile");
    let suites = builtin_suites(&[]).unwrap();
    let options = RunOptions { filter: Some(Glob::new(FAMILIES)), jobs: 2, ..RunOptions::default() };
    let report = run_mutation(&suites, &factory, &Fault::ALL, &options, &|_| {});
    println!("{}", report.table(false));
    assert!(report.baseline.passed(), "the conforming lab card fails cases:\n{}", report.baseline.summary_table());
    assert_eq!(report.faults.len(), Fault::ALL.len());
    let missed: Vec<&str> = report.faults.iter().filter(|f| !f.caught()).map(|f| f.fault).collect();
    assert!(missed.is_empty(), "faults no case caught: {missed:?}\n{}", report.table(false));
    // Each fault is caught where it should be, not by accident.
    let caught_by = |name: &str| {
        report.faults.iter().find(|f| f.fault == name).map(|f| f.caught_by.clone()).unwrap_or_default()
    };
    assert!(caught_by("torn-write").iter().any(|id| id.starts_with("LC-NVM-")));
    assert!(caught_by("certificate-date-not-checked").iter().any(|id| id.starts_with("EAC-DATE-")));
    assert!(caught_by("chat-not-intersected").iter().any(|id| id.starts_with("EAC-CHAT-")));
    assert!(caught_by("pin-allowed-contactless").contains(&"PIN-V2-007".to_owned()));
    assert!(caught_by("pin2-not-required-for-signature").contains(&"CERT-CDS-001".to_owned()));
    assert!(caught_by("issuer-session-not-required-for-generate").contains(&"CERT-GEN-001".to_owned()));
    assert!(caught_by("scp03-mac-not-checked").contains(&"SCP-MAC-001".to_owned()));
}

#[test]
fn a_fault_changes_the_outcome_of_its_case() {
    // One fault by hand: the PIN2 counter case passes on the conforming card
    // and fails with pin-counter-not-decremented, naming the status word.
    let lab = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("profiles/lab.toml");
    let factory = EmulatorFactory::from_profile_file(&lab).expect("lab profile");
    let suites = builtin_suites(&["pins".into()]).unwrap();
    let options = RunOptions { filter: Some(Glob::new("PIN-V2-003")), ..RunOptions::default() };
    let good = apdu_tests::run(&suites, &factory, &options);
    assert!(good.passed() && good.results.len() == 1);
    let bad = apdu_tests::run(&suites, &factory.with_faults(card_os::FaultSet::only(Fault::PinCounterNotDecremented)), &options);
    match &bad.results[0].outcome {
        apdu_tests::Outcome::Fail(reason) => assert!(reason.contains("expected SW 63C2, card answered 63C3"), "{reason}"),
        other => panic!("{other:?}"),
    }
}
