//! Results of a run and their writers: JSON, JUnit XML (the schema CI tools
//! read: `testsuites/testsuite/testcase` with `failure` and `skipped`), a
//! summary table per zone, and CASES.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::suite::Suite;

/// What became of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    /// The card did not behave as the spec says (or the transport failed).
    Fail(String),
    /// A precondition does not hold for this card (other holder, interface,
    /// not a New eID card, PACE impossible): nothing was checked.
    NotApplicable(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail(_) => "FAIL",
            Self::NotApplicable(_) => "N/A",
        }
    }
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub title: String,
    pub clause: String,
    pub suite: String,
    pub zone: String,
    pub interface: &'static str,
    pub auth: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub seconds: f64,
}

/// Counts for one zone (or the total).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.pass + self.fail + self.not_applicable
    }

    fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail(_) => self.fail += 1,
            Outcome::NotApplicable(_) => self.not_applicable += 1,
        }
    }
}

/// A whole run, in case order.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The card: the transport's name.
    pub card: String,
    pub results: Vec<CaseResult>,
}

impl Report {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        self.results.iter().for_each(|r| c.add(&r.outcome));
        c
    }

    /// Counts per zone, zones in name order.
    pub fn by_zone(&self) -> BTreeMap<String, Counts> {
        let mut zones: BTreeMap<String, Counts> = BTreeMap::new();
        for r in &self.results {
            zones.entry(r.zone.clone()).or_default().add(&r.outcome);
        }
        zones
    }

    /// True when nothing failed.
    pub fn passed(&self) -> bool {
        self.counts().fail == 0
    }

    /// The summary table for people.
    pub fn summary_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{:<18} {:>6} {:>6} {:>6} {:>6}", "zone", "pass", "fail", "n/a", "total");
        let row = |out: &mut String, name: &str, c: &Counts| {
            let _ = writeln!(out, "{:<18} {:>6} {:>6} {:>6} {:>6}", name, c.pass, c.fail, c.not_applicable, c.total());
        };
        for (zone, c) in self.by_zone() {
            row(&mut out, &zone, &c);
        }
        row(&mut out, "all", &self.counts());
        out
    }

    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            card: &'a str,
            counts: Counts,
            zones: BTreeMap<String, Counts>,
            results: &'a [CaseResult],
        }
        let json = Json { card: &self.card, counts: self.counts(), zones: self.by_zone(), results: &self.results };
        // Plain data (strings, numbers): serialization cannot fail.
        serde_json::to_string_pretty(&json).unwrap_or_default()
    }

    /// JUnit XML: one `testsuite` per suite, `classname` = `neid.SUITE`,
    /// `name` = `ID title`; failures carry the reason, N/A cases are `skipped`.
    pub fn to_junit(&self) -> String {
        let mut suites: Vec<(&str, Vec<&CaseResult>)> = Vec::new();
        for r in &self.results {
            match suites.iter_mut().find(|(name, _)| *name == r.suite) {
                Some((_, list)) => list.push(r),
                None => suites.push((&r.suite, vec![r])),
            }
        }
        let c = self.counts();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"neid conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            c.total(),
            c.fail,
            c.not_applicable
        );
        for (name, list) in suites {
            let failures = list.iter().filter(|r| matches!(r.outcome, Outcome::Fail(_))).count();
            let skipped = list.iter().filter(|r| matches!(r.outcome, Outcome::NotApplicable(_))).count();
            let time: f64 = list.iter().map(|r| r.seconds).sum();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
                xml_escape(name),
                list.len()
            );
            for r in list {
                let _ = write!(
                    out,
                    "    <testcase classname=\"neid.{}\" name=\"{}\" time=\"{:.3}\"",
                    xml_escape(&r.suite),
                    xml_escape(&format!("{} {}", r.id, r.title)),
                    r.seconds
                );
                match &r.outcome {
                    Outcome::Pass => out.push_str("/>\n"),
                    Outcome::Fail(reason) => {
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                            xml_escape(reason),
                            xml_escape(&format!("{}\nclause: {}", reason, r.clause))
                        );
                    }
                    Outcome::NotApplicable(reason) => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml_escape(&format!("not applicable: {reason}"))
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// Escapes text for XML attributes and content (XML 1.0 §2.4); control
/// characters other than tab and newline are not allowed in XML 1.0 and are
/// written as U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// CASES.md: every case of `suites` with its id, title and clause.
pub fn cases_markdown(suites: &[Suite]) -> String {
    let total: usize = suites.iter().map(|s| s.cases.len()).sum();
    let mut out = String::new();
    out.push_str("# Conformance cases\n\n");
    out.push_str("Generated from `apdu-tests/suites/*.toml` by `neid conformance --list-markdown`\n");
    out.push_str("(the test `cases_md_is_up_to_date` fails when this file is stale). Do not edit by hand.\n\n");
    let _ = writeln!(out, "{total} cases in {} suites.\n", suites.len());
    for s in suites {
        let generated = s.cases.iter().filter(|c| c.generated).count();
        let _ = writeln!(out, "## {} — {} (zone {})\n", s.name, s.title, s.zone);
        let _ = writeln!(out, "{} cases ({} generated from the access matrix).\n", s.cases.len(), generated);
        out.push_str("| id | title | interface | auth | clause |\n|---|---|---|---|---|\n");
        for c in &s.cases {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                c.id,
                c.title.replace('|', "\\|"),
                c.interface.label(),
                c.auth.label(),
                c.clause.replace('|', "\\|")
            );
        }
        out.push('\n');
    }
    out
}
