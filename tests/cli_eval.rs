//! `policy-workshop eval` run as a real process on real files.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policy-workshop"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const AUTHZ: &str = "package authz\n\ndefault allow := false\n\nallow if input.user.role == \"admin\"\n\nreasons contains \"not admin\" if not allow\n";

#[test]
fn json_shape_matches_opa() {
    let dir = workspace(&[
        ("authz.rego", AUTHZ),
        ("input.json", r#"{"user": {"role": "admin"}}"#),
    ]);
    let output = run(
        &[
            "eval",
            "-d",
            "authz.rego",
            "-i",
            "input.json",
            "data.authz.allow",
        ],
        dir.path(),
    );
    assert!(output.status.success());
    let expected = json!({"result": [{"expressions": [{
        "value": true,
        "text": "data.authz.allow",
        "location": {"row": 1, "col": 1}
    }]}]});
    assert_eq!(stdout_json(&output), expected);
}

#[test]
fn undefined_has_no_result_key() {
    let dir = workspace(&[
        ("authz.rego", AUTHZ),
        ("input.json", r#"{"user": {"role": "admin"}}"#),
    ]);
    let output = run(
        &[
            "eval",
            "-d",
            "authz.rego",
            "-i",
            "input.json",
            "data.authz.missing",
        ],
        dir.path(),
    );
    assert!(output.status.success());
    assert_eq!(stdout_json(&output), json!({}));
}

#[test]
fn pretty_prints_value() {
    let dir = workspace(&[
        ("authz.rego", AUTHZ),
        ("input.json", r#"{"user": {"role": "dev"}}"#),
    ]);
    let output = run(
        &[
            "eval",
            "-f",
            "pretty",
            "-d",
            "authz.rego",
            "-i",
            "input.json",
            "data.authz.reasons",
        ],
        dir.path(),
    );
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "[\n  \"not admin\"\n]"
    );
}

#[test]
fn pretty_prints_undefined() {
    let dir = workspace(&[("authz.rego", AUTHZ)]);
    let output = run(
        &[
            "eval",
            "-f",
            "pretty",
            "-d",
            "authz.rego",
            "data.authz.nothing",
        ],
        dir.path(),
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "undefined");
}

#[test]
fn yaml_input_accepted() {
    let dir = workspace(&[
        ("authz.rego", AUTHZ),
        ("input.yaml", "user:\n  role: admin\n"),
    ]);
    let output = run(
        &[
            "eval",
            "-d",
            "authz.rego",
            "-i",
            "input.yaml",
            "data.authz.allow",
        ],
        dir.path(),
    );
    assert_eq!(
        stdout_json(&output)["result"][0]["expressions"][0]["value"],
        json!(true)
    );
}

#[test]
fn folder_loads_policies_and_data() {
    let policy = "package limits\n\nok if count(input.items) <= data.config.max_items\n";
    let dir = workspace(&[
        ("bundle/limits.rego", policy),
        ("bundle/config/data.yaml", "max_items: 2\n"),
        ("input.json", r#"{"items": [1, 2]}"#),
    ]);
    let output = run(
        &["eval", "-d", "bundle", "-i", "input.json", "data.limits.ok"],
        dir.path(),
    );
    assert_eq!(
        stdout_json(&output)["result"][0]["expressions"][0]["value"],
        json!(true)
    );
}

#[test]
fn parse_error_reported() {
    let dir = workspace(&[(
        "broken.rego",
        "package broken\n\nallow if {\n  input.x ==\n}\n",
    )]);
    let output = run(
        &["eval", "-d", "broken.rego", "data.broken.allow"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let body = stdout_json(&output);
    let error = &body["errors"][0];
    assert_eq!(error["code"], json!("rego_parse_error"));
    assert_eq!(error["location"]["file"], json!("broken.rego"));
    assert_eq!(error["location"]["row"], json!(5));
}

#[test]
fn parse_error_pretty_on_stderr() {
    let dir = workspace(&[(
        "broken.rego",
        "package broken\n\nallow if {\n  input.x ==\n}\n",
    )]);
    let output = run(
        &[
            "eval",
            "-f",
            "pretty",
            "-d",
            "broken.rego",
            "data.broken.allow",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.rego:5:"), "{stderr}");
}

#[test]
fn v0_policy_hints_flag() {
    let dir = workspace(&[(
        "old.rego",
        "package old\n\ndeny[msg] {\n  msg := \"no\"\n}\n",
    )]);
    let output = run(&["eval", "-d", "old.rego", "data.old.deny"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let hint = stdout_json(&output)["errors"][0]["details"]["hint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(hint.contains("--v0-compatible"), "{hint}");
}

#[test]
fn v0_flag_evaluates() {
    let dir = workspace(&[(
        "old.rego",
        "package old\n\ndeny[msg] {\n  msg := \"no\"\n}\n",
    )]);
    let output = run(
        &["eval", "--v0-compatible", "-d", "old.rego", "data.old.deny"],
        dir.path(),
    );
    assert!(output.status.success());
    assert_eq!(
        stdout_json(&output)["result"][0]["expressions"][0]["value"],
        json!(["no"])
    );
}

#[test]
fn strict_builtin_errors_flag() {
    let dir = workspace(&[("n.rego", "package n\n\nx := to_number(\"abc\")\n")]);
    let lenient = run(&["eval", "-d", "n.rego", "data.n.x"], dir.path());
    assert_eq!(stdout_json(&lenient), json!({}));
    let strict = run(
        &[
            "eval",
            "--strict-builtin-errors",
            "-d",
            "n.rego",
            "data.n.x",
        ],
        dir.path(),
    );
    assert_eq!(strict.status.code(), Some(2));
    assert!(stdout_json(&strict)["errors"].is_array());
}

#[test]
fn invalid_input_named() {
    let dir = workspace(&[("authz.rego", AUTHZ), ("input.json", "{\"user\": }")]);
    let output = run(
        &[
            "eval",
            "-d",
            "authz.rego",
            "-i",
            "input.json",
            "data.authz.allow",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("input.json"), "{stderr}");
    assert!(stderr.contains("line 1"), "{stderr}");
}

#[test]
fn missing_file_named() {
    let dir = workspace(&[]);
    let output = run(&["eval", "-d", "nowhere.rego", "data.x"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nowhere.rego"));
}

#[test]
fn timeout_is_an_error() {
    let policy = "package slow\n\nn := count([x | some i in numbers.range(1, 5000); some j in numbers.range(1, 5000); x := i + j])\n";
    let dir = workspace(&[("slow.rego", policy)]);
    let output = run(
        &[
            "eval",
            "--timeout-ms",
            "200",
            "-d",
            "slow.rego",
            "data.slow.n",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout_json(&output)["errors"].is_array());
}

#[test]
fn query_bindings_shape() {
    let dir = workspace(&[("authz.rego", AUTHZ)]);
    let output = run(
        &["eval", "-d", "authz.rego", "x := data.authz.allow"],
        dir.path(),
    );
    assert_eq!(
        stdout_json(&output)["result"][0]["bindings"],
        json!({"x": false})
    );
}

#[test]
fn long_rule_chain_evaluates() {
    let mut policy = String::from("package chain\n\n");
    for index in 0..4999 {
        policy.push_str(&format!("r{index} := r{} + 1\n", index + 1));
    }
    policy.push_str("r4999 := 0\n");
    let dir = workspace(&[("chain.rego", &policy)]);
    let output = run(&["eval", "-d", "chain.rego", "data.chain.r0"], dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout_json(&output)["result"][0]["expressions"][0]["value"],
        json!(4999)
    );
}

#[test]
fn huge_allocation_fails_cleanly() {
    let policy = "package big\n\nn := count(numbers.range(1, 400000000))\n";
    let dir = workspace(&[("big.rego", policy)]);
    let output = run(
        &[
            "eval",
            "--memory-limit-mb",
            "512",
            "-d",
            "big.rego",
            "data.big.n",
        ],
        dir.path(),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("memory allocation"), "{stderr}");
}

#[test]
fn deep_literal_rejected() {
    let policy = format!(
        "package deep\n\nx := {}1{}\n",
        "[".repeat(40),
        "]".repeat(40)
    );
    let dir = workspace(&[("deep.rego", &policy)]);
    let output = run(&["eval", "-d", "deep.rego", "data.deep.x"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stdout_json(&output)["errors"][0]["location"]["row"],
        json!(3)
    );
}

#[test]
fn explain_modes_filter_the_json_trace() {
    let dir = workspace(&[
        (
            "p.rego",
            "package p\n\ndefault allow := false\n\nallow if {\n\tprint(\"role\", input.role)\n\tinput.role == \"admin\"\n}\n\nname := input.name\n",
        ),
        ("input.json", r#"{"role": "dev", "name": "ann"}"#),
    ]);
    let explain = |mode: &str| {
        let output = run(
            &[
                "eval",
                "-d",
                "p.rego",
                "-i",
                "input.json",
                "--explain",
                mode,
                "data.p",
            ],
            dir.path(),
        );
        // print() output goes to stderr, as with opa eval.
        assert_eq!(String::from_utf8_lossy(&output.stderr).trim(), "role dev");
        stdout_json(&output)["explanation"].clone()
    };
    let names = |explanation: &Value| -> Vec<String> {
        explanation["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| rule["name"].as_str().unwrap().to_string())
            .collect()
    };
    let full = explain("full");
    assert_eq!(names(&full), ["allow", "name"]);
    let fails = explain("fails");
    assert_eq!(names(&fails), ["allow"]);
    assert!(
        fails["rules"][0]["why"]
            .as_str()
            .unwrap()
            .starts_with("allow is false (its default, line 3) because"),
        "{fails}"
    );
    assert_eq!(fails["rules"][0]["default"]["value"], json!("false"));
    let notes = explain("notes");
    assert!(names(&notes).is_empty());
    assert_eq!(notes["notes"][0]["text"], json!("role dev"));
    assert_eq!(notes["notes"][0]["line"], json!(6));
}
