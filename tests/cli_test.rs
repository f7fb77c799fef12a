//! `policy-workshop test` run as a real process on real files.

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

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
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

const POLICY: &str = "package authz\n\ndefault allow := false\n\nallow if input.role == \"admin\"\n\nallow if {\n\tinput.role == \"editor\"\n\tinput.action == \"read\"\n}\n";

const SUITE: &str = r#"package authz

test_admin_allowed if allow with input as {"role": "admin"}

test_guest_denied if not allow with input as {"role": "guest"}

test_wrong_expectation if allow with input as {"role": "guest"}

test_false_value := false

conflicting := 1 if true

conflicting := 2 if true

test_error if conflicting == 1

todo_test_later if false

test_data_mocked if data.limits.max == 5 with data.limits as {"max": 5}

double(x) := x * 2

test_function_mocked if double(2) == 5 with double as fake_double

fake_double(_) := 5
"#;

#[test]
fn samples_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = run(&["test", "sample-policies"], root);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
    assert!(text.contains("PASS: "), "{text}");
}

#[test]
fn suite_counts_and_exit() {
    let dir = workspace(&[("authz.rego", POLICY), ("authz_test.rego", SUITE)]);
    let output = run(&["test", "."], dir.path());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("PASS: 4/8"), "{text}");
    assert!(text.contains("FAIL: 2/8"), "{text}");
    assert!(text.contains("ERROR: 1/8"), "{text}");
    assert!(text.contains("eval_conflict_error"), "{text}");
    assert!(text.contains("SKIPPED: 1/8"), "{text}");
    assert!(text.contains("FAILURES"), "{text}");
    assert!(
        text.contains("data.authz.test_wrong_expectation: FAIL"),
        "{text}"
    );
}

#[test]
fn verbose_lists_every_test() {
    let dir = workspace(&[("authz.rego", POLICY), ("authz_test.rego", SUITE)]);
    let text = stdout(&run(&["test", "-v", "."], dir.path()));
    assert!(
        text.contains("data.authz.test_admin_allowed: PASS ("),
        "{text}"
    );
    assert!(
        text.contains("data.authz.todo_test_later: SKIPPED"),
        "{text}"
    );
}

#[test]
fn run_filter_selects() {
    let dir = workspace(&[("authz.rego", POLICY), ("authz_test.rego", SUITE)]);
    let output = run(&["test", "--run", "admin|guest", "."], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("PASS: 2/2"));
}

#[test]
fn json_format_shape() {
    let dir = workspace(&[("authz.rego", POLICY), ("authz_test.rego", SUITE)]);
    let output = run(&["test", "--format", "json", "."], dir.path());
    let body: Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = body.as_array().expect("an array of results");
    assert_eq!(results.len(), 8);
    let first = &results[0];
    assert_eq!(first["package"], json!("data.authz"));
    assert_eq!(first["name"], json!("test_admin_allowed"));
    assert_eq!(first["location"]["row"], json!(3));
    assert!(first.get("fail").is_none());
    let wrong = results
        .iter()
        .find(|r| r["name"] == "test_wrong_expectation")
        .unwrap();
    assert_eq!(wrong["fail"], json!(true));
    let skipped = results
        .iter()
        .find(|r| r["name"] == "todo_test_later")
        .unwrap();
    assert_eq!(skipped["skip"], json!(true));
}

#[test]
fn coverage_lines_match() {
    let suite = "package authz\n\ntest_admin if allow with input as {\"role\": \"admin\"}\n";
    let dir = workspace(&[("authz.rego", POLICY), ("authz_test.rego", suite)]);
    let output = run(&["test", "--coverage", "--format", "json", "."], dir.path());
    let body: Value = serde_json::from_slice(&output.stdout).unwrap();
    let file = &body["files"]["./authz.rego"];
    // The second `allow` body is entered for an admin too: its first
    // statement (line 8) runs and fails, so only line 9 is never reached.
    let covered = json!([
        {"start": {"row": 3}, "end": {"row": 3}},
        {"start": {"row": 5}, "end": {"row": 5}},
        {"start": {"row": 8}, "end": {"row": 8}}
    ]);
    assert_eq!(file["covered"], covered, "{body}");
    assert_eq!(
        file["not_covered"],
        json!([{"start": {"row": 9}, "end": {"row": 9}}]),
        "{body}"
    );
    assert_eq!(file["coverage"], json!(75.0));
}

#[test]
fn threshold_fails_run() {
    let suite = "package authz\n\ntest_admin if allow with input as {\"role\": \"admin\"}\n";
    let dir = workspace(&[("authz.rego", POLICY), ("authz_test.rego", suite)]);
    let output = run(&["test", "--threshold", "90", "."], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("threshold"));
}

#[test]
fn v0_suite_runs() {
    let policy =
        "package legacy\n\ndeny[msg] {\n  input.user == \"eve\"\n  msg := \"eve is blocked\"\n}\n";
    let suite = "package legacy\n\ntest_eve_denied {\n  deny[\"eve is blocked\"] with input as {\"user\": \"eve\"}\n}\n";
    let dir = workspace(&[("legacy.rego", policy), ("legacy_test.rego", suite)]);
    let without = run(&["test", "."], dir.path());
    assert_eq!(without.status.code(), Some(2));
    let with = run(&["test", "--v0-compatible", "."], dir.path());
    assert_eq!(with.status.code(), Some(0), "{}", stdout(&with));
    assert!(stdout(&with).contains("PASS: 1/1"));
}

#[test]
fn many_folders_with_library() {
    // 30 folders with 10 tests each, sharing one library package.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("lib")).unwrap();
    std::fs::write(
        dir.path().join("lib/strings.rego"),
        "package lib.strings\n\nprefixed(s, p) if startswith(s, p)\n",
    )
    .unwrap();
    for folder in 0..30 {
        let path = dir.path().join(format!("team{folder}"));
        std::fs::create_dir_all(&path).unwrap();
        let policy = format!(
            "package team{folder}\n\nimport data.lib.strings\n\ndeny contains image if {{\n\tsome image in input.images\n\tnot strings.prefixed(image, \"ok/\")\n}}\n"
        );
        std::fs::write(path.join("policy.rego"), policy).unwrap();
        let mut suite = format!("package team{folder}\n");
        for test in 0..10 {
            suite.push_str(&format!("\ntest_{test} if count(deny) == 1 with input as {{\"images\": [\"ok/{test}\", \"bad/{test}\"]}}\n"));
        }
        std::fs::write(path.join("policy_test.rego"), suite).unwrap();
    }
    let output = run(&["test", "."], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("PASS: 300/300"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn broken_sample_explains_failure() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-policies/kubernetes-admission");
    let policy = std::fs::read_to_string(sample.join("policy.rego")).unwrap();
    let broken = policy.replace(
        "container.securityContext.privileged == true",
        "container.securityContext.privileged == false",
    );
    assert_ne!(
        broken, policy,
        "the sample changed; update the line this test breaks"
    );
    let suite = std::fs::read_to_string(sample.join("policy_test.rego")).unwrap();
    let dir = workspace(&[("policy.rego", &broken), ("policy_test.rego", &suite)]);
    let output = run(&["test", "."], dir.path());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("FAILURES"), "{text}");
    assert!(
        text.contains("test_privileged_container_denied: FAIL"),
        "{text}"
    );
    assert!(text.contains("did not hold:"), "{text}");
    assert!(text.contains("    deny = []"), "{text}");
}

#[test]
fn v1_policy_rejected_in_v0_mode() {
    let dir = workspace(&[
        ("authz.rego", POLICY),
        (
            "authz_test.rego",
            "package authz\n\ntest_admin if allow with input as {\"role\": \"admin\"}\n",
        ),
    ]);
    let output = run(&["test", "--v0-compatible", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Rego v1 keyword"));
}

#[test]
fn threshold_out_of_range_rejected() {
    let dir = workspace(&[("authz.rego", POLICY)]);
    for value in ["101", "NaN", "-1"] {
        let output = run(&["test", &format!("--threshold={value}"), "."], dir.path());
        assert_eq!(output.status.code(), Some(2), "--threshold={value}");
    }
}

#[test]
fn v0_suite_passes_through_the_binary() {
    // Several bodies per head, `(`-led statements, `not` over undefined
    // operands and JWT checks, all in Rego v0.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = run(&["test", "--v0-compatible", "tests/v0-suite"], root);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("PASS: 10/10"),
        "{}",
        stdout(&output)
    );

    // Read as Rego v1, the same files do not parse, so the run fails.
    let output = run(&["test", "tests/v0-suite"], root);
    assert_ne!(output.status.code(), Some(0), "{}", stdout(&output));
}
