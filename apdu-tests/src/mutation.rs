//! Mutation testing of the suites (issue 7, docs/spec/faults.md): the suites
//! run once on a conforming emulated card and once per injected fault; a
//! fault is *caught* when at least one case that passes on the conforming
//! card fails on the faulty one. A suite that lets a fault through has a
//! hole: the card could misbehave that way and still be declared conforming.

use card_os::{Fault, FaultSet};
use serde::Serialize;

use crate::emulator_factory::EmulatorFactory;
use crate::report::{Outcome, Report};
use crate::runner::{RunOptions, run};
use crate::suite::Suite;

/// What the suites made of one fault.
#[derive(Debug, Clone, Serialize)]
pub struct FaultResult {
    /// The fault's command-line name (`read-access-skipped`).
    pub fault: &'static str,
    pub description: &'static str,
    /// Ids of the cases that passed on the conforming card and fail with the fault.
    pub caught_by: Vec<String>,
}

impl FaultResult {
    pub fn caught(&self) -> bool {
        !self.caught_by.is_empty()
    }
}

/// The whole mutation run.
#[derive(Debug, Clone, Serialize)]
pub struct MutationReport {
    /// The run on the conforming card.
    #[serde(skip)]
    pub baseline: Report,
    pub faults: Vec<FaultResult>,
}

impl MutationReport {
    /// True when every fault was caught.
    pub fn all_caught(&self) -> bool {
        self.faults.iter().all(FaultResult::caught)
    }

    /// One line per fault: `caught`/`MISSED`, its name, how many cases and
    /// the first ids (all with `full`).
    pub fn table(&self, full: bool) -> String {
        const SHOWN: usize = 6;
        let mut out = String::new();
        for f in &self.faults {
            let ids = if full || f.caught_by.len() <= SHOWN {
                f.caught_by.join(" ")
            } else {
                format!("{} … (+{})", f.caught_by[..SHOWN].join(" "), f.caught_by.len() - SHOWN)
            };
            out.push_str(&format!(
                "{:<7} {:<42} {:>4}  {}\n",
                if f.caught() { "caught" } else { "MISSED" },
                f.fault,
                f.caught_by.len(),
                if f.caught() { ids } else { format!("no case fails: {}", f.description) }
            ));
        }
        out
    }
}

/// Runs `suites` on `factory`'s conforming cards, then once per fault of
/// `faults`. `on_fault` is called after each fault's run (progress).
pub fn run_mutation(
    suites: &[Suite],
    factory: &EmulatorFactory,
    faults: &[Fault],
    options: &RunOptions,
    on_fault: &dyn Fn(&FaultResult),
) -> MutationReport {
    let baseline = run(suites, &factory.with_faults(FaultSet::none()), options);
    let passed: std::collections::HashSet<&str> =
        baseline.results.iter().filter(|r| r.outcome == Outcome::Pass).map(|r| r.id.as_str()).collect();
    let mut results = Vec::new();
    for &fault in faults {
        let report = run(suites, &factory.with_faults(FaultSet::only(fault)), options);
        let caught_by = report
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)) && passed.contains(r.id.as_str()))
            .map(|r| r.id.clone())
            .collect();
        let result = FaultResult { fault: fault.name(), description: fault.description(), caught_by };
        on_fault(&result);
        results.push(result);
    }
    MutationReport { baseline, faults: results }
}
