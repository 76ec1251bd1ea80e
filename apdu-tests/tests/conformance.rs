//! The built-in suites against the adult reference card in process.

use std::path::PathBuf;

use apdu_tests::{EmulatorFactory, Outcome, RunOptions, builtin_suites, run};

fn adult() -> EmulatorFactory {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../profiles/reference/adult.toml");
    EmulatorFactory::from_profile_file(&path).expect("adult reference profile")
}

/// The lab variant (apdu-tests/profiles/lab.toml): EF.Scratch and TERMINATE allowed.
fn lab() -> EmulatorFactory {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("profiles/lab.toml");
    EmulatorFactory::from_profile_file(&path).expect("lab profile")
}

/// Every case passes except those that need the other kind of card (`requires`).
#[test]
fn every_builtin_case_passes_against_the_adult_and_the_lab_emulators() {
    let suites = builtin_suites(&[]).unwrap();
    for (name, factory) in [("adult", adult()), ("lab", lab())] {
        let report = run(&suites, &factory, &RunOptions { jobs: 2, ..RunOptions::default() });
        println!("{name}\n{}", report.summary_table());
        let bad: Vec<String> = report
            .results
            .iter()
            .filter(|r| match &r.outcome {
                Outcome::Pass => false,
                Outcome::NotApplicable(why) => !why.contains("this card differs (profile)"),
                Outcome::Fail(_) => true,
            })
            .map(|r| format!("{} {}: {:?}", r.id, r.title, r.outcome))
            .collect();
        assert!(bad.is_empty(), "{name}: {} case(s) did not pass:\n{}", bad.len(), bad.join("\n"));
        let passed = report.counts().pass;
        assert!(passed >= 700, "{name}: only {passed} cases passed");
    }
}

const ONE_CASE: &str = r#"
[suite]
name = "probe"
title = "probe"
zone = "household"

[[case]]
id = "PROBE-001"
title = "EF.Neighbourhood"
clause = "docs/spec/household.md §Worked example"
[[case.step]]
send = "select_aid HOUSEHOLD"
sw = "9000"
[[case.step]]
send = "00 B0 84 00 05"
sw = "9000"
data = "A4 03 80 01 35"
"#;

fn run_one(text: &str, factory: &dyn apdu_tests::TransportFactory) -> apdu_tests::Report {
    let suite = apdu_tests::Suite::from_toml("probe.toml", text).unwrap();
    run(&[suite], factory, &RunOptions::default())
}

#[test]
fn a_wrong_expectation_fails_with_a_reason() {
    let factory = adult();
    assert_eq!(run_one(ONE_CASE, &factory).results[0].outcome, Outcome::Pass);
    // Wrong status word.
    let report = run_one(&ONE_CASE.replace("sw = \"9000\"\ndata", "sw = \"6A82\"\ndata"), &factory);
    let Outcome::Fail(reason) = &report.results[0].outcome else { panic!("{:?}", report.results[0]) };
    assert!(reason.contains("step 2") && reason.contains("expected SW 6A82, card answered 9000"), "{reason}");
    assert!(!report.passed());
    // Wrong data (one nibble).
    let report = run_one(&ONE_CASE.replace("80 01 35", "80 01 36"), &factory);
    let Outcome::Fail(reason) = &report.results[0].outcome else { panic!("{:?}", report.results[0]) };
    assert!(reason.contains("expected data A403800136, got A403800135"), "{reason}");
    // A secure-messaging step with no session is a failure of the case, not a panic.
    let report = run_one(&ONE_CASE.replace("send = \"00 B0 84 00 05\"", "send = \"00 B0 84 00 05\"\nsecure_messaging = true"), &factory);
    assert!(matches!(&report.results[0].outcome, Outcome::Fail(r) if r.contains("no secure-messaging session")));
}

#[test]
fn other_holder_and_non_eid_cards_are_not_applicable() {
    let report = run_one(&ONE_CASE.replace("clause =", "holder = \"minor\"\nclause ="), &adult());
    assert!(matches!(&report.results[0].outcome, Outcome::NotApplicable(r) if r.contains("minor")), "{:?}", report.results[0]);

    /// A card that is not a New eID: a transparent EF and nothing else.
    struct NotAnEid(apdu_tests::CardUnderTest);
    impl apdu_tests::TransportFactory for NotAnEid {
        fn open(&self, _: apdu_tests::Interface) -> Result<Box<dyn terminal::Transport>, String> {
            let card = emulator::TestCard::from_image(&[1, 2, 3]);
            Ok(Box::new(terminal::InProcessTransport::new(emulator::Emulator::new(card, emulator::Interface::Contact, None))))
        }
        fn card(&self) -> &apdu_tests::CardUnderTest {
            &self.0
        }
        fn name(&self) -> String {
            "test card".into()
        }
    }
    let card = NotAnEid(apdu_tests::CardUnderTest { can: Some("012345".into()), ..Default::default() });
    let suites = builtin_suites(&["secure-messaging".into()]).unwrap();
    let report = run(&suites, &card, &RunOptions::default());
    let na = report.results.iter().filter(|r| matches!(r.outcome, Outcome::NotApplicable(_))).count();
    // Every case there needs PACE: none can run, none panics.
    assert_eq!(na, report.results.len(), "{:#?}", report.results);
}

#[test]
fn scp03_cases_are_not_applicable_without_issuer_keys() {
    // A card whose issuer keys the runner does not hold (a reader without --issuer-keys).
    let factory = adult().with_issuer_keys(None);
    let suites = builtin_suites(&["scp03".into(), "certificate".into()]).unwrap();
    let options = RunOptions { filter: Some(apdu_tests::Glob::new("SCP-EA-00*,CERT-GEN-005,CERT-ACC-5031-RD-*")), ..RunOptions::default() };
    let report = run(&suites, &factory, &options);
    for r in &report.results {
        let needs_keys = r.id.starts_with("SCP-") || r.id == "CERT-GEN-005" || r.id.ends_with("-SCP03-CT");
        match &r.outcome {
            Outcome::NotApplicable(why) if needs_keys => assert!(why.contains("--issuer-keys"), "{}: {why}", r.id),
            Outcome::Pass if !needs_keys => {}
            other => panic!("{}: {other:?}", r.id),
        }
    }
    assert!(report.results.iter().any(|r| r.id == "CERT-ACC-5031-RD-SCP03-CT"));
    // With the keys the same issuer cases pass.
    let report = run(&suites, &adult(), &options);
    assert!(report.passed() && report.counts().pass == report.results.len(), "{}", report.summary_table());
}

/// The middleware-compat zone (no SM): its own cases pass, the SM cases are
/// not applicable for that reason, none fails.
#[test]
fn the_middleware_compat_card_passes_its_certificate_cases() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../profiles/reference/adult-middleware-compat.toml");
    let factory = EmulatorFactory::from_profile_file(&path).expect("middleware-compat profile");
    let suites = builtin_suites(&["scp03".into(), "certificate".into()]).unwrap();
    let report = run(&suites, &factory, &RunOptions { jobs: 2, ..RunOptions::default() });
    let counts = report.counts();
    assert_eq!(counts.fail, 0, "{}", report.summary_table());
    assert!(report.results.iter().filter(|r| r.id.starts_with("CERT-MWC-")).all(|r| r.outcome == Outcome::Pass));
    assert!(counts.pass >= 50, "{}", report.summary_table());
    for r in &report.results {
        if let Outcome::NotApplicable(why) = &r.outcome {
            assert!(why.contains("certificate_sm") || why.contains("holder adult"), "{}: {why}", r.id);
        }
    }
}

#[test]
fn junit_and_json_outputs_parse() {
    let factory = adult();
    // PROBE-001 passes (with a title full of XML specials); PROBE-002 fails.
    let second = ONE_CASE.replace("PROBE-001", "PROBE-002").replace("80 01 35", "80 01 36");
    let second = &second[second.find("[[case]]").unwrap()..];
    let text = format!("{ONE_CASE}{second}")
        .replacen("title = \"EF.Neighbourhood\"", "title = \"EF.Neighbourhood <&> \\\"quoted\\\"\"", 1);
    let mut report = run_one(&text, &factory);
    report.results.push(apdu_tests::CaseResult {
        outcome: Outcome::NotApplicable("no card's CAN".into()),
        id: "PROBE-003".into(),
        ..report.results[0].clone()
    });
    let xml = report.to_junit();
    let root = xml_check::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("tests"), Some("3"));
    assert_eq!(root.attr("failures"), Some("1"));
    assert_eq!(root.attr("skipped"), Some("1"));
    let suite = &root.children[0];
    assert_eq!(suite.name, "testsuite");
    assert_eq!(suite.children.len(), 3);
    assert!(suite.children[0].attr("name").unwrap().contains("<&> \"quoted\""));
    assert_eq!(suite.children[1].children[0].name, "failure");
    assert_eq!(suite.children[2].children[0].name, "skipped");

    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["counts"]["pass"], 1);
    assert_eq!(json["counts"]["fail"], 1);
    assert_eq!(json["results"][1]["result"], "fail");
    assert_eq!(json["zones"]["household"]["not_applicable"], 1);
    assert!(report.summary_table().contains("household"));
}

#[test]
fn cases_md_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("CASES.md");
    let want = apdu_tests::cases_markdown(&builtin_suites(&[]).unwrap());
    if std::env::var_os("UPDATE_CASES_MD").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "apdu-tests/CASES.md is stale: run `UPDATE_CASES_MD=1 cargo test -p neid-apdu-tests --test conformance cases_md` or `neid conformance --list-markdown > apdu-tests/CASES.md`");
}

/// A small XML 1.0 well-formedness checker for the JUnit output: elements,
/// attributes in double quotes, the five predefined entities and numeric
/// character references, the XML declaration. (No XML crate in the workspace.)
mod xml_check {
    #[derive(Debug)]
    pub struct Element {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub children: Vec<Element>,
    }

    impl Element {
        pub fn attr(&self, name: &str) -> Option<&str> {
            self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }
    }

    fn unescape(text: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let end = rest[i..].find(';').ok_or("unterminated entity")? + i;
            let entity = &rest[i + 1..end];
            match entity {
                "amp" => out.push('&'),
                "lt" => out.push('<'),
                "gt" => out.push('>'),
                "quot" => out.push('"'),
                "apos" => out.push('\''),
                e if e.starts_with('#') => {
                    let code = e[1..].parse::<u32>().map_err(|_| format!("bad reference &{e};"))?;
                    out.push(char::from_u32(code).ok_or("bad code point")?);
                }
                e => return Err(format!("unknown entity &{e};")),
            }
            rest = &rest[end + 1..];
        }
        if rest.contains('<') {
            return Err("raw < in text".into());
        }
        out.push_str(rest);
        Ok(out)
    }

    pub fn parse(xml: &str) -> Result<Element, String> {
        let body = xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").ok_or("no XML declaration")?;
        let mut stack: Vec<Element> = Vec::new();
        let mut root = None;
        let mut rest = body;
        while let Some(open) = rest.find('<') {
            unescape(&rest[..open])?;
            let close = rest[open..].find('>').ok_or("unterminated tag")? + open;
            let tag = &rest[open + 1..close];
            rest = &rest[close + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let done = stack.pop().ok_or("close without open")?;
                if done.name != name {
                    return Err(format!("</{name}> closes <{}>", done.name));
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
                continue;
            }
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
            let mut attrs = Vec::new();
            loop {
                attrs_text = attrs_text.trim_start();
                if attrs_text.is_empty() {
                    break;
                }
                let eq = attrs_text.find("=\"").ok_or("attribute without =\"")?;
                let key = attrs_text[..eq].to_owned();
                let after = &attrs_text[eq + 2..];
                let end = after.find('"').ok_or("unterminated attribute")?;
                attrs.push((key, unescape(&after[..end])?));
                attrs_text = &after[end + 1..];
            }
            let element = Element { name: name.to_owned(), attrs, children: Vec::new() };
            if self_closing {
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Err("self-closing root".into()),
                }
            } else {
                stack.push(element);
            }
        }
        if !stack.is_empty() {
            return Err("unclosed elements".into());
        }
        root.ok_or_else(|| "no root element".into())
    }
}
