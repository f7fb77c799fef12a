//! Discovering and running `test_` rules as `opa test` does, with line
//! coverage. No egui here.
//!
//! A rule whose name starts with `test_` is a test; `todo_test_` rules are
//! skipped. A test passes when it is defined and not `false`, fails when
//! it is undefined or `false`, and is an error when evaluation fails.

use std::collections::BTreeSet;
use std::time::Duration;

pub mod explain;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::engine::{
    EngineError, EngineValue, EvalOptions, PolicySource, PreparedEngine, package_query,
};

/// A test rule found in a policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    /// The package as a query path, such as `data.kubernetes.admission`.
    pub package: String,
    /// The rule name, such as `test_privileged_denied`.
    pub name: String,
    pub file: String,
    /// 1-based line of the first definition.
    pub line: u32,
    /// True for `todo_test_` rules, which are reported but not run.
    pub skipped: bool,
}

impl TestCase {
    /// Returns the full path of the rule, such as `data.pkg.test_x`.
    pub fn path(&self) -> String {
        format!("{}.{}", self.package, self.name)
    }
}

/// The outcome of one test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TestOutcome {
    Pass,
    /// The test was undefined or false.
    Fail,
    Error(EngineError),
    Skipped,
}

impl TestOutcome {
    /// Returns the label `opa test` prints for this outcome.
    pub fn label(&self) -> &'static str {
        match self {
            TestOutcome::Pass => "PASS",
            TestOutcome::Fail => "FAIL",
            TestOutcome::Error(_) => "ERROR",
            TestOutcome::Skipped => "SKIPPED",
        }
    }
}

/// A test with its outcome, time and `print()` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub case: TestCase,
    pub outcome: TestOutcome,
    pub duration: Duration,
    pub prints: Vec<String>,
    /// For a failed test, the statement of its body that did not hold.
    pub failed_statement: Option<explain::FailedStatement>,
}

/// Line coverage of one file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileCoverage {
    pub file: String,
    pub covered: BTreeSet<u32>,
    pub not_covered: BTreeSet<u32>,
}

impl FileCoverage {
    /// Returns the covered share of the lines that can be covered, in percent;
    /// 100 for a file with no such line.
    pub fn percent(&self) -> f64 {
        percent(
            self.covered.len(),
            self.covered.len() + self.not_covered.len(),
        )
    }
}

/// Line coverage of a test run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub files: Vec<FileCoverage>,
}

impl Coverage {
    /// Returns the covered share of all coverable lines, in percent.
    pub fn percent(&self) -> f64 {
        let covered: usize = self.files.iter().map(|f| f.covered.len()).sum();
        let total: usize = self
            .files
            .iter()
            .map(|f| f.covered.len() + f.not_covered.len())
            .sum();
        percent(covered, total)
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 100.0;
    }
    part as f64 * 100.0 / whole as f64
}

/// The results of a test run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestRun {
    pub results: Vec<TestResult>,
    pub coverage: Option<Coverage>,
}

impl TestRun {
    /// Counts the results with the given label (`PASS`, `FAIL`, `ERROR`, `SKIPPED`).
    pub fn count(&self, label: &str) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.label() == label)
            .count()
    }

    /// Returns true when every test that ran passed.
    pub fn all_passed(&self) -> bool {
        self.results
            .iter()
            .all(|r| matches!(r.outcome, TestOutcome::Pass | TestOutcome::Skipped))
    }
}

/// Finds the test rules in `policies`, in file order, one entry per rule
/// name and package even when the rule has several definitions.
pub fn discover(policies: &[PolicySource]) -> Vec<TestCase> {
    let head = Regex::new(r"^((?:todo_)?test_[A-Za-z0-9_]*)\b").expect("the pattern is valid");
    let mut cases: Vec<TestCase> = Vec::new();
    for policy in policies {
        let Some(package) = package_query(&policy.text) else {
            continue;
        };
        for (index, line) in policy.text.lines().enumerate() {
            let Some(name) = head.captures(line).and_then(|c| c.get(1)) else {
                continue;
            };
            let rest = line[name.end()..].trim_start();
            let is_rule_head = rest.is_empty()
                || ["if", "{", ":=", "=", "contains", "["]
                    .iter()
                    .any(|start| rest.starts_with(start));
            if !is_rule_head {
                continue;
            }
            let name = name.as_str().to_string();
            if cases.iter().any(|c| c.package == package && c.name == name) {
                continue;
            }
            cases.push(TestCase {
                skipped: name.starts_with("todo_"),
                package: package.clone(),
                name,
                file: policy.path.clone(),
                line: index as u32 + 1,
            });
        }
    }
    cases
}

/// Options of a test run.
#[derive(Clone, Debug, Default)]
pub struct TestOptions {
    /// Run only tests whose full path (`data.pkg.test_x`) matches.
    pub filter: Option<Regex>,
    pub coverage: bool,
    pub eval: EvalOptions,
}

/// Runs the tests in `policies` with `data` as the base document. Input is
/// only what a test sets with `with input as ...`, as in `opa test`.
pub fn run_tests(
    policies: &[PolicySource],
    data: Option<&EngineValue>,
    options: &TestOptions,
) -> Result<TestRun, EngineError> {
    let mut engine = PreparedEngine::new(policies, data, &options.eval)?;
    if options.coverage {
        engine.enable_coverage();
    }
    let cases = discover(policies).into_iter().filter(|case| {
        options
            .filter
            .as_ref()
            .is_none_or(|filter| filter.is_match(&case.path()))
    });
    let mut results = Vec::new();
    for case in cases {
        if case.skipped {
            results.push(TestResult {
                case,
                outcome: TestOutcome::Skipped,
                duration: Duration::ZERO,
                prints: Vec::new(),
                failed_statement: None,
            });
            continue;
        }
        let (outcome, duration, prints) = match engine.evaluate_in_place(&case.path()) {
            Ok(evaluation) => {
                let outcome = match evaluation.value() {
                    None | Some(serde_json::Value::Bool(false)) => TestOutcome::Fail,
                    Some(_) => TestOutcome::Pass,
                };
                (outcome, evaluation.elapsed, evaluation.prints)
            }
            Err(error) => (TestOutcome::Error(error), Duration::ZERO, Vec::new()),
        };
        let failed_statement = (outcome == TestOutcome::Fail)
            .then(|| explain::failed_statement(&case, policies, data, &options.eval))
            .flatten();
        results.push(TestResult {
            case,
            outcome,
            duration,
            prints,
            failed_statement,
        });
    }
    let coverage = if options.coverage {
        Some(coverage_of(&engine, policies)?)
    } else {
        None
    };
    Ok(TestRun { results, coverage })
}

/// Collects coverage of the non-test files: `opa test --coverage` reports
/// the policies under test, and test files would only inflate the figure.
fn coverage_of(
    engine: &PreparedEngine,
    policies: &[PolicySource],
) -> Result<Coverage, EngineError> {
    let report = engine.coverage()?;
    let mut files: Vec<FileCoverage> = report
        .files
        .into_iter()
        .filter(|file| !file.path.ends_with("_test.rego"))
        .filter(|file| policies.iter().any(|p| p.path == file.path))
        .map(|file| FileCoverage {
            file: file.path,
            covered: file.covered,
            not_covered: file.not_covered,
        })
        .collect();
    files.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(Coverage { files })
}

#[cfg(test)]
mod tests;
