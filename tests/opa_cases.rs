//! Every case in `tests/cases/` (small policies with the result OPA 1.20.2
//! gave) evaluated by `policy-workshop eval` and compared with OPA.
//!
//! Where regorus returns something else, the case is listed in
//! [`ENGINE_DIFFERENCES`] with today's result and a `NOTE:` naming the
//! engine behaviour, so a change in either direction fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// A case where regorus 0.14.1 differs from OPA, and what `eval` prints today.
struct EngineDifference {
    case: &'static str,
    note: &'static str,
    /// Today's result: the value as JSON text, `undefined`, `error:CODE`, or
    /// `file:NAME` for a value kept in `tests/cases/today/NAME`.
    today: &'static str,
}

enum Expected {
    Value(Value),
    Undefined,
    ErrorCode(String),
}

impl EngineDifference {
    fn expected(&self) -> Expected {
        if self.today == "undefined" {
            return Expected::Undefined;
        }
        if let Some(code) = self.today.strip_prefix("error:") {
            return Expected::ErrorCode(code.to_string());
        }
        if let Some(name) = self.today.strip_prefix("file:") {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/cases/today")
                .join(name);
            let text = std::fs::read_to_string(&path).expect("today's value file exists");
            return Expected::Value(
                serde_json::from_str(&text).expect("today's value file is JSON"),
            );
        }
        Expected::Value(serde_json::from_str(self.today).expect("today's value is JSON"))
    }
}

// Every case gives OPA's answer. A case that regorus cannot match goes
// here, with today's result and a NOTE naming the engine behaviour.
const ENGINE_DIFFERENCES: &[EngineDifference] = &[];

struct Case {
    name: String,
    body: Value,
}

fn load_cases() -> Vec<Case> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("tests/cases exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let body: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            Case {
                name: path.file_stem().unwrap().to_string_lossy().into_owned(),
                body,
            }
        })
        .collect()
}

/// Writes the case's files and runs `eval`, returning the exit code and stdout JSON.
fn run_case(case: &Case) -> (Option<i32>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["eval".into(), "--format".into(), "json".into()];
    if case.body["v0"].as_bool() == Some(true) {
        args.push("--v0-compatible".into());
    }
    let modules = case.body["modules"].as_object().expect("modules");
    for (name, text) in modules {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.as_str().unwrap()).unwrap();
        args.push("-d".into());
        args.push(name.clone());
    }
    if !case.body["data"].is_null() {
        std::fs::write(dir.path().join("data.json"), case.body["data"].to_string()).unwrap();
        args.push("-d".into());
        args.push("data.json".into());
    }
    if !case.body["input"].is_null() {
        std::fs::write(
            dir.path().join("input.json"),
            case.body["input"].to_string(),
        )
        .unwrap();
        args.push("-i".into());
        args.push("input.json".into());
    }
    args.push(case.body["query"].as_str().unwrap().to_string());
    let output = Command::new(env!("CARGO_BIN_EXE_policy-workshop"))
        .args(&args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{}: stdout is not JSON ({error}); stderr: {}",
            case.name,
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), stdout)
}

fn opa_expected(case: &Case) -> Expected {
    let opa = &case.body["opa"];
    if let Some(code) = opa["error"]["code"].as_str() {
        return Expected::ErrorCode(code.to_string());
    }
    if opa["defined"].as_bool() == Some(false) {
        return Expected::Undefined;
    }
    Expected::Value(opa["value"].clone())
}

/// Returns a mismatch description, or `None` when the output is as expected.
fn compare(case: &Case, expected: &Expected, code: Option<i32>, stdout: &Value) -> Option<String> {
    match expected {
        Expected::ErrorCode(want) => {
            let got = stdout["errors"][0]["code"].as_str();
            (code != Some(2) || got != Some(want.as_str())).then(|| {
                format!(
                    "{}: expected error {want}, got exit {code:?} and {stdout}",
                    case.name
                )
            })
        }
        Expected::Undefined => (code != Some(0) || *stdout != json!({}))
            .then(|| format!("{}: expected undefined, got {stdout}", case.name)),
        Expected::Value(want) => {
            let got = &stdout["result"][0]["expressions"][0]["value"];
            (code != Some(0) || !same_value(got, want)).then(|| {
                format!(
                    "{}: expected {want}, got exit {code:?} and {stdout}",
                    case.name
                )
            })
        }
    }
}

/// Compares JSON values, treating sets (printed as arrays) as equal when
/// they hold the same items in the same sorted order. Numbers compare by
/// exact decimal value: JSON gives the text form no meaning, so OPA's `1.0`,
/// `2.50` and `1E-321` equal our `1`, `2.5` and `0.000…1`, while `0.3` and
/// `0.30000000000000004` still differ.
fn same_value(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            exact_decimal(&a.to_string()) == exact_decimal(&b.to_string())
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, x)| b.get(key).is_some_and(|y| same_value(x, y)))
        }
        _ => got == want,
    }
}

/// Reduces JSON number text to (negative, significant digits, exponent of
/// the last digit), so equal values give equal keys.
fn exact_decimal(text: &str) -> (bool, String, i64) {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (
            &text[..at],
            text[at + 1..].parse::<i64>().expect("exponent"),
        ),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let mut exponent = exponent - fraction.len() as i64;
    let trimmed = digits.trim_start_matches('0');
    let significant = trimmed.trim_end_matches('0');
    exponent += (trimmed.len() - significant.len()) as i64;
    if significant.is_empty() {
        return (false, String::new(), 0);
    }
    (negative, significant.to_string(), exponent)
}

#[test]
fn cases_match_opa() {
    let cases = load_cases();
    assert!(
        cases.len() >= 35,
        "expected the 35 reference cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let difference = ENGINE_DIFFERENCES.iter().find(|d| d.case == case.name);
        let expected = match difference {
            Some(difference) => difference.expected(),
            None => opa_expected(case),
        };
        let (code, stdout) = run_case(case);
        if let Some(mismatch) = compare(case, &expected, code, &stdout) {
            failures.push(mismatch);
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn differences_are_real() {
    // Each listed difference must still differ from OPA; once the engine
    // (or our code) gives OPA's result, the entry has to go.
    let cases = load_cases();
    for difference in ENGINE_DIFFERENCES {
        let case = cases
            .iter()
            .find(|c| c.name == difference.case)
            .expect("listed case exists");
        let (code, stdout) = run_case(case);
        let matches_opa = compare(case, &opa_expected(case), code, &stdout).is_none();
        assert!(
            !matches_opa,
            "{} now matches OPA; remove it from ENGINE_DIFFERENCES ({})",
            case.name, difference.note
        );
    }
}
