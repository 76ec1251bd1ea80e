//! The terminal directories shipped with the suites (`apdu-tests/terminals`).
//!
//! `expired/`: an authentication terminal (read father's name) under the
//! committed test DV whose certificate expired on 2026-03-01, before the
//! reference cards' current date (their issue date 2026-03-15): TA must
//! refuse it with 6A80 (eac.md §Status words, TR-03110-3 §2.5). It is made
//! once by the ignored test below (`cargo test -p neid-apdu-tests --test
//! terminals -- --ignored`) and committed.

use std::path::PathBuf;

use card_os::protocol::cvc::{AccessRight, CvDate};
use pki::cv::{TerminalRole, Validity};

fn dir() -> PathBuf {
    apdu_tests::suite_terminals_dir().join("expired")
}

#[test]
#[ignore = "writes apdu-tests/terminals/expired (committed); run once to regenerate"]
fn regenerate_expired_terminal() {
    let dv_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../profiles/test-pki/cv/dv");
    let out = dir();
    let _ = std::fs::remove_dir_all(&out);
    let validity = Validity { effective: CvDate::new(2026, 1, 1).unwrap(), expiration: CvDate::new(2026, 3, 1).unwrap() };
    pki::cv::terminal(
        &dv_dir,
        &out,
        "TWEXPIRD00001",
        TerminalRole::Authentication,
        &[AccessRight::ReadFatherName],
        validity,
        &mut rand::rng(),
    )
    .unwrap();
}

#[test]
fn the_expired_terminal_loads_and_expired_before_the_issue_date() {
    let chain = pki::cv::load_terminal(&dir()).unwrap_or_else(|e| panic!("{e}"));
    let body = chain.terminal.certificate.body();
    assert!(body.expiration_date < CvDate::new(2026, 3, 15).unwrap(), "{:?}", body.expiration_date);
    assert!(body.effective_date >= CvDate::new(2000, 1, 2).unwrap());
}
