//! neid-apdu-tests: conformance suites for the New eID chip, written as data
//! (`suites/*.toml`, format in README.md), and the runner that plays them
//! against any card reached through `terminal::Transport` — a reader or the
//! emulator — and reports pass / fail / not applicable per case, as a table
//! per zone, JSON and JUnit XML.
//!
//! ```text
//! let suites = apdu_tests::builtin_suites(&[])?;
//! let factory = apdu_tests::EmulatorFactory::from_profile_file(path)?;
//! let report = apdu_tests::run(&suites, &factory, &RunOptions::default());
//! ```

pub mod command;
pub mod emulator_factory;
pub mod expect;
pub mod glob;
pub mod mutation;
pub mod report;
pub mod runner;
pub mod scp03;
pub mod suite;
pub mod tap;

pub use emulator_factory::{EmulatorFactory, EmulatorFactoryError};
pub use glob::Glob;
pub use mutation::{FaultResult, MutationReport, run_mutation};
pub use report::{CaseResult, Counts, Outcome, Report, cases_markdown};
pub use runner::{CardUnderTest, RunOptions, TransportFactory, run, run_case, suite_terminals_dir};
pub use suite::{Auth, BUILTIN, Case, Interface, Requirement, Suite, SuiteError, builtin_suites};
