//! Checking a learner's attempt: every scenario's query against its
//! expected decision on the real engine, then the hidden `test_` checks.

use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;

use super::format::{DrillSpec, Expected};
use crate::engine::{EngineValue, EvalOptions, PolicySource, PreparedEngine, to_engine_value};
use crate::testing::{TestOptions, TestOutcome, run_tests};
use crate::workspace::document::parse_document;

/// The decision a scenario's query produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Actual {
    Undefined,
    Value(JsonValue),
    /// The policy or the query could not be evaluated.
    Error(String),
}

impl Actual {
    /// Describes the value in a few words for the checklist.
    pub fn describe(&self) -> String {
        match self {
            Actual::Undefined => "undefined".to_string(),
            Actual::Value(value) => compact(value),
            Actual::Error(message) => format!("error: {message}"),
        }
    }
}

impl Expected {
    /// Describes the expected decision in a few words for the checklist.
    pub fn describe(&self) -> String {
        match self {
            Expected::Value(value) => compact(value),
            Expected::Undefined => "undefined".to_string(),
            Expected::Count(1) => "1 item".to_string(),
            Expected::Count(count) => format!("{count} items"),
        }
    }

    /// Returns true when `actual` is the expected decision. Undefined is
    /// never equal to `false`.
    pub fn matches(&self, actual: &Actual) -> bool {
        match (self, actual) {
            (Expected::Undefined, Actual::Undefined) => true,
            (Expected::Value(expected), Actual::Value(value)) => values_equal(expected, value),
            (Expected::Count(count), Actual::Value(JsonValue::Array(items))) => {
                items.len() == *count
            }
            (Expected::Count(count), Actual::Value(JsonValue::Object(fields))) => {
                fields.len() == *count
            }
            _ => false,
        }
    }
}

/// Compares two JSON values: numbers by value (so `1` equals `1.0`) and
/// arrays without regard to order, because Rego sets come out as arrays.
pub fn values_equal(left: &JsonValue, right: &JsonValue) -> bool {
    match (left, right) {
        (JsonValue::Number(a), JsonValue::Number(b)) => {
            a == b || (a.as_f64().is_some() && a.as_f64() == b.as_f64())
        }
        (JsonValue::Array(a), JsonValue::Array(b)) => {
            if a.len() != b.len() {
                return false;
            }
            let mut unmatched: Vec<&JsonValue> = b.iter().collect();
            a.iter().all(|item| {
                let Some(index) = unmatched.iter().position(|other| values_equal(item, other))
                else {
                    return false;
                };
                unmatched.swap_remove(index);
                true
            })
        }
        (JsonValue::Object(a), JsonValue::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| b.get(key).is_some_and(|other| values_equal(value, other)))
        }
        _ => left == right,
    }
}

/// Formats a value on one line, cut after 80 characters.
fn compact(value: &JsonValue) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    if text.chars().count() <= 80 {
        return text;
    }
    let cut: String = text.chars().take(77).collect();
    format!("{cut}...")
}

/// One scenario's expected and actual decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub name: String,
    pub expected: Expected,
    pub actual: Actual,
    pub passed: bool,
}

/// The outcome of one hidden check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CheckOutcome {
    Pass,
    /// The check was undefined or false.
    Fail,
    Error(String),
}

/// The result of checking an attempt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub scenarios: Vec<ScenarioResult>,
    /// Each hidden `test_` rule by name, with its outcome.
    pub checks: Vec<(String, CheckOutcome)>,
    /// The error that stopped the hidden checks, such as a parse error.
    pub checks_error: Option<String>,
}

impl CheckReport {
    /// Returns true when every scenario and every hidden check passed.
    pub fn solved(&self) -> bool {
        !self.scenarios.is_empty()
            && self.scenarios.iter().all(|s| s.passed)
            && self.checks_error.is_none()
            && self.checks.iter().all(|(_, o)| *o == CheckOutcome::Pass)
    }

    /// Counts the scenarios and checks that passed, and all of them.
    pub fn score(&self) -> (usize, usize) {
        let passed = self.scenarios.iter().filter(|s| s.passed).count()
            + self
                .checks
                .iter()
                .filter(|(_, o)| *o == CheckOutcome::Pass)
                .count();
        let total =
            self.scenarios.len() + self.checks.len() + usize::from(self.checks_error.is_some());
        (passed, total)
    }

    /// Returns the result of the scenario with this name.
    pub fn scenario(&self, name: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.name == name)
    }
}

/// Checks `policies` (the learner's files) against every scenario of the
/// drill and runs its hidden checks. A policy that does not parse makes
/// every scenario an error, so the report always has every scenario.
pub fn check_attempt(spec: &DrillSpec, policies: &[PolicySource]) -> CheckReport {
    let options = EvalOptions::default();
    let data = match spec.data.as_deref().map(parse_value).transpose() {
        Ok(data) => data.flatten(),
        Err(message) => {
            let message = format!("the drill's data document is invalid: {message}");
            return report_error(spec, &message);
        }
    };
    let engine = match PreparedEngine::new(policies, data.as_ref(), &options) {
        Ok(engine) => engine,
        Err(error) => return report_error(spec, &error.to_string()),
    };

    let scenarios = spec
        .scenarios
        .iter()
        .map(|scenario| {
            let query = scenario.query.as_deref().unwrap_or(&spec.query);
            let actual = evaluate_scenario(&engine, scenario.input.as_deref(), query);
            ScenarioResult {
                name: scenario.name.clone(),
                passed: scenario.expected.matches(&actual),
                expected: scenario.expected.clone(),
                actual,
            }
        })
        .collect();

    let mut report = CheckReport {
        scenarios,
        ..CheckReport::default()
    };
    if let Some(checks) = &spec.checks {
        run_checks(&mut report, policies, checks, data.as_ref(), &options);
    }
    report
}

fn evaluate_scenario(engine: &PreparedEngine, input: Option<&str>, query: &str) -> Actual {
    let input = match input.map(parse_value).transpose() {
        Ok(input) => input.flatten(),
        Err(message) => {
            return Actual::Error(format!("the scenario's input is invalid: {message}"));
        }
    };
    let evaluation = match engine.evaluate(input.as_ref(), query) {
        Ok(evaluation) => evaluation,
        Err(error) => return Actual::Error(error.to_string()),
    };
    if evaluation.is_undefined() {
        return Actual::Undefined;
    }
    match evaluation.value() {
        Some(value) => Actual::Value(value.clone()),
        None => Actual::Error(
            "the query has several results; a drill's query must be a single rule path \
             such as data.authz.allow"
                .to_string(),
        ),
    }
}

fn run_checks(
    report: &mut CheckReport,
    policies: &[PolicySource],
    checks: &PolicySource,
    data: Option<&EngineValue>,
    options: &EvalOptions,
) {
    let mut files = policies.to_vec();
    files.push(checks.clone());
    let test_options = TestOptions {
        filter: None,
        coverage: false,
        eval: options.clone(),
    };
    let run = match run_tests(&files, data, &test_options) {
        Ok(run) => run,
        Err(error) => {
            report.checks_error = Some(error.to_string());
            return;
        }
    };
    // Only the drill's own checks count; a learner's test_ rules are theirs.
    report.checks = run
        .results
        .into_iter()
        .filter(|result| result.case.file == checks.path)
        .filter_map(|result| {
            let outcome = match result.outcome {
                TestOutcome::Pass => CheckOutcome::Pass,
                TestOutcome::Fail => CheckOutcome::Fail,
                TestOutcome::Error(error) => CheckOutcome::Error(error.to_string()),
                TestOutcome::Skipped => return None,
            };
            Some((result.case.name, outcome))
        })
        .collect();
}

fn report_error(spec: &DrillSpec, message: &str) -> CheckReport {
    let scenarios = spec
        .scenarios
        .iter()
        .map(|scenario| ScenarioResult {
            name: scenario.name.clone(),
            expected: scenario.expected.clone(),
            actual: Actual::Error(message.to_string()),
            passed: false,
        })
        .collect();
    CheckReport {
        scenarios,
        checks: Vec::new(),
        checks_error: spec.checks.as_ref().map(|_| message.to_string()),
    }
}

/// Parses a JSON or YAML document into the engine's value type; `None`
/// for an empty document.
fn parse_value(text: &str) -> Result<Option<EngineValue>, String> {
    let document = parse_document(text).map_err(|error| error.to_string())?;
    document
        .value
        .map(|json| to_engine_value(&json).map_err(|error| error.to_string()))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn undefined_differs_from_false() {
        assert!(!Expected::Value(json!(false)).matches(&Actual::Undefined));
        assert!(!Expected::Undefined.matches(&Actual::Value(json!(false))));
        assert!(Expected::Undefined.matches(&Actual::Undefined));
    }

    #[test]
    fn arrays_compare_as_sets() {
        assert!(values_equal(&json!(["b", "a"]), &json!(["a", "b"])));
        assert!(!values_equal(&json!(["a", "a"]), &json!(["a", "b"])));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(values_equal(&json!(1), &json!(1.0)));
        assert!(!values_equal(&json!(1), &json!("1")));
    }

    #[test]
    fn count_needs_a_collection() {
        assert!(Expected::Count(0).matches(&Actual::Value(json!([]))));
        assert!(!Expected::Count(0).matches(&Actual::Undefined));
        assert!(Expected::Count(1).matches(&Actual::Value(json!({"a": true}))));
    }
}
