//! Drills end to end: the built-in pack through the real binary's `drill
//! check`, broken drills written to temporary folders, and the checker on
//! the real engine.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use policy_workshop::drills::{
    Actual, Expected, check_attempt, load_drill, load_pack, validate_drill,
};
use policy_workshop::engine::PolicySource;

const BINARY: &str = env!("CARGO_BIN_EXE_policy-workshop");

fn builtin_pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-policies/drills")
}

fn run(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Copies one drill of the built-in pack into a temporary folder.
fn copy_drill(id: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join(id);
    copy_folder(&builtin_pack().join(id), &target);
    (dir, target)
}

fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_folder(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn builtin_pack_passes_drill_check() {
    let output = run(&["drill", "check", builtin_pack().to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let pack = load_pack(&builtin_pack()).unwrap();
    assert!(pack.drills.len() >= 15, "{} drills", pack.drills.len());
    for drill in pack.loaded() {
        assert!(
            text.contains(&format!("ok    {} (", drill.id)),
            "{} is not reported ok:\n{text}",
            drill.id
        );
    }
    assert!(text.contains(&format!("{} passed, 0 failed", pack.drills.len())));
}

#[test]
fn builtin_drills_start_broken_and_solve() {
    let pack = load_pack(&builtin_pack()).unwrap();
    for drill in pack.loaded() {
        let starting = [PolicySource::new(
            &drill.spec.policy_file,
            &drill.starting_policy,
        )];
        let solution = [PolicySource::new(&drill.spec.policy_file, &drill.solution)];
        assert!(
            !check_attempt(&drill.spec, &starting).solved(),
            "{} starts solved",
            drill.id
        );
        assert!(
            check_attempt(&drill.spec, &solution).solved(),
            "{} solution fails",
            drill.id
        );
        assert!(validate_drill(drill).is_empty(), "{}", drill.id);
    }
}

#[test]
fn builtin_drills_are_distinct() {
    let pack = load_pack(&builtin_pack()).unwrap();
    let mut topics: Vec<&str> = pack.loaded().map(|d| d.topic.as_str()).collect();
    let count = topics.len();
    topics.sort();
    topics.dedup();
    assert_eq!(topics.len(), count, "two drills share a topic");
    let levels: Vec<_> = pack.loaded().map(|d| d.level).collect();
    assert!(levels.contains(&policy_workshop::drills::Level::Beginner));
    assert!(levels.contains(&policy_workshop::drills::Level::Advanced));
}

#[test]
fn drill_list_prints_every_drill() {
    let output = run(&["drill", "list", builtin_pack().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains("Rego failure drills"), "{text}");
    assert!(text.contains("misspelled-input-path"), "{text}");
    assert!(text.contains(" 15. mock-with-in-test"), "{text}");
}

#[test]
fn single_drill_folder_checks() {
    let path = builtin_pack().join("missing-default");
    let output = run(&["drill", "check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("1 passed, 0 failed"));
}

#[test]
fn failing_solution_named() {
    let (_dir, drill) = copy_drill("missing-default");
    fs::copy(drill.join("policy.rego"), drill.join("solution.rego")).unwrap();
    let output = run(&["drill", "check", drill.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("drill \"missing-default\""), "{text}");
    assert!(text.contains("solution.rego: the solution fails"), "{text}");
    assert!(text.contains("scenario \"anonymous POST\""), "{text}");
    assert!(
        text.contains("expected {\"allow\":false}, got {}"),
        "{text}"
    );
}

#[test]
fn passing_starting_policy_named() {
    let (_dir, drill) = copy_drill("else-chain-order");
    fs::copy(drill.join("solution.rego"), drill.join("policy.rego")).unwrap();
    let output = run(&["drill", "check", drill.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("policy.rego: the starting policy already passes every check"),
        "{text}"
    );
}

#[test]
fn missing_input_file_named() {
    let (_dir, drill) = copy_drill("regex-escaping");
    fs::remove_file(drill.join("inputs/company-registry.json")).unwrap();
    let output = run(&["drill", "check", drill.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("drill \"regex-escaping\""), "{text}");
    assert!(
        text.contains("inputs/company-registry.json: the file is missing"),
        "{text}"
    );
}

#[test]
fn malformed_manifest_named() {
    let (_dir, drill) = copy_drill("every-over-empty");
    let manifest = drill.join("drill.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replace("level = \"advanced\"", "level = advanced"),
    )
    .unwrap();
    let output = run(&["drill", "check", drill.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("drill \"every-over-empty\""), "{text}");
    assert!(text.contains("drill.toml: invalid manifest"), "{text}");
}

#[test]
fn missing_hints_named() {
    let (_dir, drill) = copy_drill("object-get-default");
    let manifest = drill.join("drill.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    let start = text.find("hints = [").unwrap();
    let end = start + text[start..].find("]\n").unwrap() + 2;
    fs::write(&manifest, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let output = run(&["drill", "check", drill.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("drill.toml: the drill has no hints"),
        "{text}"
    );
}

#[test]
fn two_expectations_rejected() {
    let (_dir, drill) = copy_drill("missing-default");
    let manifest = drill.join("drill.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replace(
            "expect = { allow = true }",
            "expect = { allow = true }\nexpect_undefined = true",
        ),
    )
    .unwrap();
    let error = load_drill(&drill).unwrap_err();
    assert_eq!(error.drill.as_deref(), Some("missing-default"));
    assert!(error.file.ends_with("drill.toml"));
    assert!(error.message.contains("public GET"), "{}", error.message);
}

#[test]
fn pack_order_names_missing_folder() {
    let dir = tempfile::tempdir().unwrap();
    copy_folder(
        &builtin_pack().join("missing-default"),
        &dir.path().join("missing-default"),
    );
    fs::write(
        dir.path().join("pack.toml"),
        "title = \"Group pack\"\norder = [\"missing-default\", \"gone\"]\n",
    )
    .unwrap();
    let output = run(&["drill", "check", dir.path().to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("drill \"gone\""), "{text}");
    assert!(text.contains("pack.toml: `order` lists \"gone\""), "{text}");
}

#[test]
fn not_a_pack_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&["drill", "check", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("pack.toml"), "{error}");

    let missing = dir.path().join("nowhere");
    let output = run(&["drill", "list", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn undefined_reported_apart_from_false() {
    let drill = load_drill(&builtin_pack().join("missing-default")).unwrap();
    let starting = [PolicySource::new("policy.rego", &drill.starting_policy)];
    let report = check_attempt(&drill.spec, &starting);
    let post = report.scenario("anonymous POST").unwrap();
    assert_eq!(post.actual, Actual::Value(serde_json::json!({})));
    assert!(!post.passed);

    let drill = load_drill(&builtin_pack().join("every-over-empty")).unwrap();
    let policy = "package pipeline.release\n\nallow if count(input.change.approvals) > 0\n";
    let report = check_attempt(&drill.spec, &[PolicySource::new("policy.rego", policy)]);
    let empty = report.scenario("no approvals").unwrap();
    assert_eq!(empty.actual, Actual::Undefined);
    assert_eq!(empty.expected, Expected::Value(serde_json::json!(false)));
    assert!(!empty.passed);
}

#[test]
fn hidden_checks_catch_weakened_policy() {
    let drill = load_drill(&builtin_pack().join("not-deny-in-test")).unwrap();
    // Passes the visible scenarios by deleting the rule under test.
    let cheat = "package kubernetes.admission\n\ndeny contains \"x\" if false\n\n\
                 test_safe_pod_admitted := true\n\ntest_privileged_pod_denied := true\n";
    let report = check_attempt(&drill.spec, &[PolicySource::new("policy.rego", cheat)]);
    assert!(report.scenarios.iter().all(|s| s.passed));
    assert!(!report.solved());
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|(_, outcome)| *outcome != policy_workshop::drills::CheckOutcome::Pass)
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(failed, ["test_root_container_still_denied"]);
}

#[test]
fn parse_error_fails_every_scenario() {
    let drill = load_drill(&builtin_pack().join("migrate-v0-to-v1")).unwrap();
    let starting = [PolicySource::new("policy.rego", &drill.starting_policy)];
    let report = check_attempt(&drill.spec, &starting);
    for scenario in &report.scenarios {
        let Actual::Error(message) = &scenario.actual else {
            panic!("{} is not an error: {:?}", scenario.name, scenario.actual);
        };
        assert!(message.contains("policy.rego:4"), "{message}");
    }
}

#[test]
fn drill_pack_not_listed_as_sample() {
    let samples_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-policies");
    let samples = policy_workshop::workspace::samples::list_samples(&samples_root);
    assert!(!samples.is_empty());
    assert!(samples.iter().all(|s| s.id != "drills"), "{samples:?}");
}

#[test]
fn docs_example_is_valid() {
    let docs =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/drills.md")).unwrap();
    let start = docs.find("```toml\nid = ").unwrap() + "```toml\n".len();
    let end = start + docs[start..].find("```").unwrap();
    let (_dir, drill) = copy_drill("missing-default");
    fs::write(drill.join("drill.toml"), &docs[start..end]).unwrap();
    let loaded = load_drill(&drill).unwrap();
    assert_eq!(loaded.spec.scenarios.len(), 3);
    assert!(validate_drill(&loaded).is_empty());
}
