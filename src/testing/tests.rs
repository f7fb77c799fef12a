use super::*;

const POLICY: &str = "package authz\n\ndefault allow := false\n\nallow if input.role == \"admin\"\n\nallow if {\n\tinput.role == \"editor\"\n\tinput.action == \"read\"\n}\n";

const SUITE: &str = r#"package authz_test

import data.authz

test_admin_allowed if authz.allow with input as {"role": "admin"}

test_guest_denied if not authz.allow with input as {"role": "guest"}

test_wrong_expectation if authz.allow with input as {"role": "guest"}

test_false_value := false

test_error if to_number("abc") == 1

todo_test_later if false

test_data_mocked if data.limits.max == 5 with data.limits as {"max": 5}

double(x) := x * 2

test_function_mocked if double(2) == 5 with double as fake_double

fake_double(_) := 5
"#;

fn sources() -> Vec<PolicySource> {
    vec![
        PolicySource::new("authz.rego", POLICY),
        PolicySource::new("authz_test.rego", SUITE),
    ]
}

fn strict() -> TestOptions {
    TestOptions {
        eval: EvalOptions {
            strict_builtin_errors: true,
            ..EvalOptions::default()
        },
        ..TestOptions::default()
    }
}

fn outcome_of<'a>(run: &'a TestRun, name: &str) -> &'a TestOutcome {
    &run.results
        .iter()
        .find(|r| r.case.name == name)
        .expect(name)
        .outcome
}

#[test]
fn discovers_tests_in_order() {
    let names: Vec<String> = discover(&sources()).into_iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "test_admin_allowed",
            "test_guest_denied",
            "test_wrong_expectation",
            "test_false_value",
            "test_error",
            "todo_test_later",
            "test_data_mocked",
            "test_function_mocked"
        ]
    );
}

#[test]
fn discovery_records_location() {
    let cases = discover(&sources());
    assert_eq!(cases[0].file, "authz_test.rego");
    assert_eq!(cases[0].line, 5);
    assert_eq!(cases[0].package, "data.authz_test");
}

#[test]
fn outcomes_follow_opa() {
    let run = run_tests(&sources(), None, &strict()).unwrap();
    assert_eq!(outcome_of(&run, "test_admin_allowed"), &TestOutcome::Pass);
    assert_eq!(outcome_of(&run, "test_guest_denied"), &TestOutcome::Pass);
    assert_eq!(
        outcome_of(&run, "test_wrong_expectation"),
        &TestOutcome::Fail
    );
    assert_eq!(outcome_of(&run, "test_false_value"), &TestOutcome::Fail);
    assert_eq!(outcome_of(&run, "test_error").label(), "ERROR");
    assert_eq!(outcome_of(&run, "todo_test_later"), &TestOutcome::Skipped);
    assert_eq!(outcome_of(&run, "test_data_mocked"), &TestOutcome::Pass);
    assert_eq!(outcome_of(&run, "test_function_mocked"), &TestOutcome::Pass);
}

#[test]
fn counts_by_label() {
    let run = run_tests(&sources(), None, &strict()).unwrap();
    assert_eq!(run.count("PASS"), 4);
    assert_eq!(run.count("FAIL"), 2);
    assert_eq!(run.count("ERROR"), 1);
    assert_eq!(run.count("SKIPPED"), 1);
    assert!(!run.all_passed());
}

#[test]
fn filter_selects_tests() {
    let options = TestOptions {
        filter: Some(Regex::new("admin").unwrap()),
        ..TestOptions::default()
    };
    let run = run_tests(&sources(), None, &options).unwrap();
    assert_eq!(run.results.len(), 1);
    assert!(run.all_passed());
}

#[test]
fn coverage_by_line() {
    let options = TestOptions {
        filter: Some(Regex::new("test_admin_allowed").unwrap()),
        coverage: true,
        ..TestOptions::default()
    };
    let run = run_tests(&sources(), None, &options).unwrap();
    let coverage = run.coverage.expect("coverage");
    assert_eq!(coverage.files.len(), 1);
    let file = &coverage.files[0];
    assert_eq!(file.file, "authz.rego");
    assert!(file.covered.contains(&5), "covered: {:?}", file.covered);
    assert!(
        file.not_covered.contains(&9),
        "not covered: {:?}",
        file.not_covered
    );
}

#[test]
fn failed_not_statement_explains_opa_order() {
    let suite = "package neg\n\nis_root(name) if name == \"root\"\n\ntest_not_root if {\n\tuser := {}\n\tnot is_root(input.user.name)\n}\n";
    let run = run_tests(
        &[PolicySource::new("neg_test.rego", suite)],
        None,
        &TestOptions::default(),
    )
    .unwrap();
    let result = &run.results[0];
    assert_eq!(result.outcome, TestOutcome::Fail);
    let statement = result
        .failed_statement
        .as_ref()
        .expect("a failed statement");
    assert_eq!(statement.line, 7);
    let note = statement
        .note
        .as_deref()
        .expect("a note on the rewritten not");
    assert!(note.contains("`input.user.name`"), "{note}");
}
