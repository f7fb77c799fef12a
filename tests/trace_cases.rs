//! For every reference case in `tests/cases/`, the trace that
//! `policy-workshop eval --explain full --format json` prints agrees with
//! what the engine evaluates: each rule's outcome in the trace is the value
//! `eval` gives for that rule on its own, and the bodies the trace says
//! succeeded are the ones that gave that value.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

fn cases() -> Vec<(String, Value)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("tests/cases exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("case is readable");
            let body: Value = serde_json::from_str(&text).expect("case is JSON");
            (body["name"].as_str().unwrap_or_default().to_string(), body)
        })
        .collect()
}

/// Writes the case's modules, data and input to a folder.
fn write_case(case: &Value, dir: &Path) -> (Vec<String>, Option<PathBuf>) {
    let mut args = Vec::new();
    for (name, text) in case["modules"].as_object().expect("modules") {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create module folder");
        }
        std::fs::write(&path, text.as_str().expect("module text")).expect("write module");
        args.push("-d".to_string());
        args.push(path.display().to_string());
    }
    if !case["data"].is_null() {
        let path = dir.join("data.json");
        std::fs::write(&path, case["data"].to_string()).expect("write data");
        args.push("-d".to_string());
        args.push(path.display().to_string());
    }
    if case["v0"].as_bool() == Some(true) {
        args.push("--v0-compatible".to_string());
    }
    let input = (!case["input"].is_null()).then(|| {
        let path = dir.join("input.json");
        std::fs::write(&path, case["input"].to_string()).expect("write input");
        path
    });
    (args, input)
}

fn eval(args: &[String], input: Option<&PathBuf>, query: &str, explain: bool) -> Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_policy-workshop"));
    command.arg("eval").args(args);
    if let Some(input) = input {
        command.arg("-i").arg(input);
    }
    if explain {
        command.args(["--explain", "full"]);
    }
    let output = command.arg(query).output().expect("the binary runs");
    serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
}

/// The value of a single-expression result, `None` when undefined, and
/// `Some(Null)` for an error document.
fn value_of(result: &Value) -> Option<Value> {
    if result.get("errors").is_some() || result.is_null() {
        return Some(json!({"error": true}));
    }
    result["result"][0]["expressions"][0].get("value").cloned()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(sorted).collect();
            items.sort_by_key(ToString::to_string);
            Value::Array(items)
        }
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), sorted(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn every_rule_outcome_in_the_trace_agrees_with_evaluation() {
    let mut checked_rules = 0;
    let mut checked_bodies = 0;
    let mut problems = Vec::new();
    for (name, case) in cases() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (args, input) = write_case(&case, dir.path());
        let query = case["query"].as_str().expect("query");
        let result = eval(&args, input.as_ref(), query, true);
        let Some(trace) = result.get("explanation") else {
            // The policy does not load (a parse error case): no trace.
            assert!(
                result.get("errors").is_some(),
                "{name}: no trace and no error: {result}"
            );
            continue;
        };
        for rule in trace["rules"].as_array().expect("rules") {
            let path = rule["path"].as_str().expect("path");
            if rule["kind"] == "function" {
                continue;
            }
            checked_rules += 1;
            let own = value_of(&eval(&args, input.as_ref(), path, false));
            let outcome = &rule["outcome"];
            let traced = if let Some(value) = outcome.get("defined") {
                Some(value.clone())
            } else if outcome == "undefined" {
                None
            } else {
                Some(json!({"error": true}))
            };
            if traced.as_ref().map(sorted) != own.as_ref().map(sorted) {
                problems.push(format!("{name}: {path}: trace {traced:?}, eval {own:?}"));
                continue;
            }
            if traced == Some(json!({"error": true})) {
                continue;
            }
            let bodies: Vec<&Value> = rule["definitions"]
                .as_array()
                .expect("definitions")
                .iter()
                .flat_map(|d| d["bodies"].as_array().expect("bodies"))
                .collect();
            if bodies.is_empty() {
                continue;
            }
            checked_bodies += bodies.len();
            let succeeded: Vec<&&Value> = bodies
                .iter()
                .filter(|b| b["outcome"].get("succeeded").is_some())
                .collect();
            let produced: Vec<Value> = succeeded
                .iter()
                .flat_map(|b| b["values"].as_array().expect("values").clone())
                .collect();
            match (rule["kind"].as_str(), &traced) {
                (Some("complete"), Some(value)) => {
                    let from_default = rule["default"].is_object() && succeeded.is_empty();
                    if !from_default && !produced.contains(value) {
                        problems.push(format!(
                            "{name}: {path} is {value} but the succeeded bodies gave {produced:?}"
                        ));
                    }
                }
                (Some("complete"), None) if !succeeded.is_empty() => {
                    problems.push(format!("{name}: {path} is undefined but a body succeeded"));
                }
                (Some("partial_set"), Some(Value::Array(members))) => {
                    for value in &produced {
                        if !members.contains(value) {
                            problems.push(format!("{name}: {path} lacks {value} from a body"));
                        }
                    }
                    if members.is_empty() != succeeded.is_empty() {
                        problems.push(format!(
                            "{name}: {path} has {} members but {} bodies succeeded",
                            members.len(),
                            succeeded.len()
                        ));
                    }
                }
                _ => {}
            }
            for body in &bodies {
                if body["outcome"].get("error").is_some() {
                    problems.push(format!(
                        "{name}: {path} has a value but a body errs: {body}"
                    ));
                }
                if body["outcome"].get("unexplained").is_some() {
                    problems.push(format!("{name}: {path}: a body is unexplained: {body}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    eprintln!("checked {checked_rules} rules and {checked_bodies} bodies");
    assert!(checked_rules >= 40, "only {checked_rules} rules checked");
    assert!(checked_bodies >= 30, "only {checked_bodies} bodies checked");
}
