//! Validating a drill for its author: hints present, the starting policy
//! fails at least one check and the solution passes every one.

use std::path::PathBuf;

use super::check::{CheckOutcome, CheckReport, check_attempt};
use super::format::{DRILL_MANIFEST, Drill};
use crate::engine::PolicySource;

/// One thing wrong with a drill, naming the drill and the file at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrillProblem {
    pub drill: String,
    pub file: PathBuf,
    pub message: String,
}

impl std::fmt::Display for DrillProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "drill \"{}\": {}: {}",
            self.drill,
            self.file.display(),
            self.message
        )
    }
}

/// Checks the starting policy and the solution of `drill` against its
/// scenarios and hidden checks; returns the problems found, none for a
/// good drill.
pub fn validate_drill(drill: &Drill) -> Vec<DrillProblem> {
    let problem = |file: &str, message: String| DrillProblem {
        drill: drill.id.clone(),
        file: drill.folder.join(file),
        message,
    };
    let mut problems = Vec::new();
    if drill.hints.iter().all(|hint| hint.trim().is_empty()) {
        problems.push(problem(
            DRILL_MANIFEST,
            "the drill has no hints; add at least one to `hints`".to_string(),
        ));
    }

    let starting = [PolicySource::new(
        &drill.spec.policy_file,
        &drill.starting_policy,
    )];
    if check_attempt(&drill.spec, &starting).solved() {
        problems.push(problem(
            &drill.spec.policy_file,
            "the starting policy already passes every check; a drill must start broken".to_string(),
        ));
    }

    let solution = [PolicySource::new(&drill.spec.policy_file, &drill.solution)];
    let report = check_attempt(&drill.spec, &solution);
    for failure in failures(&report) {
        problems.push(problem(
            &drill.solution_file,
            format!("the solution fails {failure}"),
        ));
    }
    problems
}

/// Describes each scenario and check of `report` that did not pass.
pub fn failures(report: &CheckReport) -> Vec<String> {
    let mut failures: Vec<String> = report
        .scenarios
        .iter()
        .filter(|s| !s.passed)
        .map(|s| {
            format!(
                "scenario \"{}\": expected {}, got {}",
                s.name,
                s.expected.describe(),
                s.actual.describe()
            )
        })
        .collect();
    if let Some(error) = &report.checks_error {
        failures.push(format!("the hidden checks, which could not run: {error}"));
    }
    for (name, outcome) in &report.checks {
        match outcome {
            CheckOutcome::Pass => {}
            CheckOutcome::Fail => failures.push(format!("check {name}")),
            CheckOutcome::Error(error) => {
                failures.push(format!("check {name} with an error: {error}"))
            }
        }
    }
    failures
}
