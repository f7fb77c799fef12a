use serde_json::json;

use super::text::{Mode, render, why};
use super::*;
use crate::engine::to_engine_value;

/// Traces `query` on one v1 policy with `input`.
fn trace(policy: &str, input: serde_json::Value, query: &str) -> Trace {
    let policies = [PolicySource::new("policy.rego", policy)];
    let options = ExplainOptions::default();
    let prepared = PreparedEngine::new(&policies, None, &options.eval).expect("policy parses");
    let input = to_engine_value(&input).expect("input converts");
    let evaluation = prepared
        .evaluate(Some(&input), query)
        .expect("query evaluates");
    explain(
        &prepared,
        &policies,
        Some(&input),
        query,
        &evaluation.prints,
        &options,
    )
}

fn rule<'a>(trace: &'a Trace, name: &str) -> &'a RuleTrace {
    trace
        .rules
        .iter()
        .find(|rule| rule.name == name)
        .unwrap_or_else(|| panic!("rule {name} is in the trace: {trace:#?}"))
}

fn body(rule: &RuleTrace, index: usize) -> &BodyTrace {
    rule.definitions
        .iter()
        .flat_map(|d| d.bodies.iter())
        .nth(index)
        .expect("body exists")
}

#[test]
fn misspelled_key_suggests_existing_key() {
    let policy = "package authz\n\nallow if {\n\tinput.reqest.method == \"GET\"\n}\n";
    let trace = trace(
        policy,
        json!({"request": {"method": "GET"}}),
        "data.authz.allow",
    );
    let allow = rule(&trace, "allow");
    assert_eq!(allow.outcome, RuleOutcome::Undefined);
    let first = body(allow, 0);
    assert_eq!(first.outcome, BodyOutcome::Failed { statement: 0 });
    let operand = &first.statements[0].failed_examples[0].operands[0];
    assert_eq!(operand.text, "input.reqest.method");
    assert_eq!(operand.values, None);
    assert_eq!(operand.defined_prefix.as_deref(), Some("input"));
    assert_eq!(operand.missing_key.as_deref(), Some("reqest"));
    assert_eq!(operand.suggestion.as_deref(), Some("request"));
    let sentence = why(allow);
    assert!(sentence.contains("did you mean \"request\"?"), "{sentence}");
    assert!(sentence.contains("It has no default"), "{sentence}");
}

#[test]
fn rule_without_default_is_undefined() {
    let policy = "package p\n\nallow if {\n\tinput.role == \"admin\"\n}\n";
    let trace = trace(policy, json!({"role": "editor"}), "data.p.allow");
    let allow = rule(&trace, "allow");
    assert_eq!(allow.outcome, RuleOutcome::Undefined);
    assert_eq!(allow.default, None);
    assert_eq!(
        why(allow),
        "allow is undefined because the body at line 3 stopped at line 4, \
         `input.role == \"admin\"`, where input.role is \"editor\". It has no default, \
         so it is left out of the result; a `default allow := ...` rule would give it a value."
    );
}

#[test]
fn default_rule_names_failed_bodies() {
    let policy = "package p\n\ndefault allow := false\n\nallow if {\n\tinput.user.role == \"admin\"\n}\n\nallow if {\n\tinput.user.role == \"owner\"\n}\n";
    let trace = trace(policy, json!({"user": {"role": "editor"}}), "data.p.allow");
    let allow = rule(&trace, "allow");
    assert_eq!(allow.outcome, RuleOutcome::Defined(json!(false)));
    let sentence = why(allow);
    assert!(
        sentence.starts_with(
            "allow is false (its default, line 3) because neither of its 2 bodies succeeded: \
             the body at line 5 stopped at line 6"
        ),
        "{sentence}"
    );
    assert!(
        sentence.contains("the body at line 9 stopped at line 10"),
        "{sentence}"
    );
}

#[test]
fn not_undefined_reference_holds_with_note() {
    let policy = "package p\n\nallowed if {\n\tnot input.user.banned\n}\n";
    let trace = trace(policy, json!({"user": {}}), "data.p.allowed");
    let allowed = rule(&trace, "allowed");
    assert_eq!(allowed.outcome, RuleOutcome::Defined(json!(true)));
    let statement = &body(allowed, 0).statements[0];
    assert_eq!(statement.outcome, StatementOutcome::Succeeded);
    let note = statement.note.as_deref().expect("a note on the `not`");
    assert!(note.contains("input.user.banned is undefined"), "{note}");
}

#[test]
fn iteration_counts_failed_bindings() {
    let policy = "package k8s\n\ndeny contains msg if {\n\tsome c in input.containers\n\tc.privileged == true\n\tmsg := sprintf(\"%s is privileged\", [c.name])\n}\n";
    let input = json!({"containers": [
        {"name": "nginx", "privileged": true},
        {"name": "app", "privileged": false},
        {"name": "sidecar", "privileged": false}
    ]});
    let trace = trace(policy, input, "data.k8s.deny");
    let deny = rule(&trace, "deny");
    assert_eq!(
        deny.outcome,
        RuleOutcome::Defined(json!(["nginx is privileged"]))
    );
    let first = body(deny, 0);
    assert_eq!(first.outcome, BodyOutcome::Succeeded { solutions: 1 });
    assert_eq!(first.values, vec![json!("nginx is privileged")]);
    let check = &first.statements[1];
    assert_eq!(check.outcome, StatementOutcome::Partly);
    assert_eq!((check.held, check.reached), (1, 3));
    assert_eq!(check.failed_examples.len(), 2);
    let example = &check.failed_examples[0];
    assert_eq!(example.bindings[0].0, "c");
    assert_eq!(example.bindings[0].1["name"], json!("app"));
    assert_eq!(example.operands[0].values, Some(vec![json!(false)]));
    let text = render(&trace, Mode::Full);
    assert!(text.contains("held for 1 of 3 bindings"), "{text}");
}

#[test]
fn else_chain_marks_later_bodies_unreached() {
    let policy = "package p\n\ngrade := \"A\" if {\n\tinput.score >= 90\n} else := \"B\" if {\n\tinput.score >= 80\n} else := \"C\"\n";
    let trace = trace(policy, json!({"score": 85}), "data.p.grade");
    let grade = rule(&trace, "grade");
    assert_eq!(grade.outcome, RuleOutcome::Defined(json!("B")));
    assert_eq!(body(grade, 0).outcome, BodyOutcome::Failed { statement: 0 });
    assert_eq!(
        body(grade, 1).outcome,
        BodyOutcome::Succeeded { solutions: 1 }
    );
    assert_eq!(body(grade, 1).values, vec![json!("B")]);
    assert!(body(grade, 1).is_else);
    assert_eq!(body(grade, 2).outcome, BodyOutcome::NotReached);
    assert_eq!(
        why(grade),
        "grade is \"B\" because the else at line 5 succeeded."
    );
}

#[test]
fn function_traced_with_call_arguments() {
    let policy = "package p\n\nis_owner(user, doc) if {\n\tdoc.owner == user.name\n}\n\nedit if {\n\tis_owner(input.user, input.doc)\n}\n";
    let input = json!({"user": {"name": "ann"}, "doc": {"owner": "bob"}});
    let trace = trace(policy, input, "data.p.edit");
    let edit = rule(&trace, "edit");
    assert_eq!(body(edit, 0).outcome, BodyOutcome::Failed { statement: 0 });
    let function = rule(&trace, "is_owner");
    assert_eq!(function.kind, RuleKind::Function);
    let call = function.call.as_ref().expect("traced with a call");
    assert_eq!(
        call.arguments,
        vec![json!({"name": "ann"}), json!({"owner": "bob"})]
    );
    assert_eq!(call.location.line, 8);
    assert_eq!(function.outcome, RuleOutcome::Undefined);
    let failed = &body(function, 0).statements[0];
    assert_eq!(failed.outcome, StatementOutcome::Failed);
    let phrases = text::example_phrases(&failed.failed_examples[0]);
    assert!(
        phrases.contains(&"doc.owner is \"bob\"".to_string()),
        "{phrases:?}"
    );
    assert!(
        phrases.contains(&"user.name is \"ann\"".to_string()),
        "{phrases:?}"
    );
    let sentence = why(function);
    assert!(
        sentence
            .starts_with("is_owner({\"name\":\"ann\"}, {\"owner\":\"bob\"}), called at line 8,"),
        "{sentence}"
    );
}

#[test]
fn every_over_empty_collection_holds() {
    let policy =
        "package p\n\nall_signed if {\n\tevery image in input.images {\n\t\timage.signed\n\t}\n}\n";
    let trace = trace(policy, json!({"images": []}), "data.p.all_signed");
    let all = rule(&trace, "all_signed");
    assert_eq!(all.outcome, RuleOutcome::Defined(json!(true)));
    let every = &body(all, 0).statements[0];
    assert_eq!(every.outcome, StatementOutcome::Succeeded);
    let note = every.note.as_deref().expect("a note on the `every`");
    assert!(note.contains("input.images is empty"), "{note}");
}

#[test]
fn failed_every_lists_failing_elements() {
    let policy =
        "package p\n\nall_signed if {\n\tevery image in input.images {\n\t\timage.signed\n\t}\n}\n";
    let input = json!({"images": [{"name": "a", "signed": true}, {"name": "b", "signed": false}]});
    let trace = trace(policy, input, "data.p.all_signed");
    let every = &body(rule(&trace, "all_signed"), 0).statements[0];
    assert_eq!(every.outcome, StatementOutcome::Failed);
    let failing = every.failed_examples[0]
        .operands
        .iter()
        .find(|o| o.text.starts_with("elements of"))
        .expect("the failing elements are listed");
    assert_eq!(
        failing.values,
        Some(vec![json!([{"name": "b", "signed": false}])])
    );
}

#[test]
fn test_with_mocked_input_uses_mock() {
    let policy = "package p\n\nallow if input.role == \"admin\"\n\ntest_admin if {\n\tallow with input as {\"role\": \"editor\"}\n}\n";
    let trace = trace(policy, json!({}), "data.p.test_admin");
    let test = rule(&trace, "test_admin");
    assert_eq!(test.outcome, RuleOutcome::Undefined);
    let statement = &body(test, 0).statements[0];
    assert_eq!(statement.outcome, StatementOutcome::Failed);
    assert!(
        statement.text.contains("with input as"),
        "{}",
        statement.text
    );
    let operand = &statement.failed_examples[0].operands[0];
    assert_eq!(operand.text, "allow");
    assert_eq!(operand.values, None);
}

#[test]
fn print_output_becomes_notes_at_its_line() {
    let policy =
        "package p\n\nallow if {\n\tprint(\"role is\", input.role)\n\tinput.role == \"admin\"\n}\n";
    let trace = trace(policy, json!({"role": "editor"}), "data.p.allow");
    assert_eq!(
        trace.notes,
        vec![Note {
            file: "policy.rego".to_string(),
            line: 4,
            text: "role is editor".to_string()
        }]
    );
    assert!(render(&trace, Mode::Notes).contains("policy.rego:4 note: role is editor"));
}

#[test]
fn strict_builtin_error_marks_statement() {
    let policies = [PolicySource::new(
        "policy.rego",
        "package p\n\nn if {\n\tx := to_number(input.v)\n\tx > 1\n}\n",
    )];
    let options = ExplainOptions {
        eval: EvalOptions {
            strict_builtin_errors: true,
            ..EvalOptions::default()
        },
        ..ExplainOptions::default()
    };
    let prepared = PreparedEngine::new(&policies, None, &options.eval).expect("parses");
    let input = to_engine_value(&json!({"v": "abc"})).expect("converts");
    let trace = explain(
        &prepared,
        &policies,
        Some(&input),
        "data.p.n",
        &[],
        &options,
    );
    let n = rule(&trace, "n");
    assert!(
        matches!(n.outcome, RuleOutcome::Error(_)),
        "{:?}",
        n.outcome
    );
    assert!(
        matches!(body(n, 0).outcome, BodyOutcome::Error { .. }),
        "{:?}",
        body(n, 0).outcome
    );
    assert_eq!(body(n, 0).statements[0].outcome, StatementOutcome::Error);
}

#[test]
fn edit_distance_and_closest_key() {
    assert_eq!(edit_distance("reqest", "request"), 1);
    assert_eq!(edit_distance("", "abc"), 3);
    let keys = ["request".to_string(), "user".to_string()];
    assert_eq!(closest_key("reqest", &keys), Some("request"));
    assert_eq!(closest_key("Request", &keys), Some("request"));
    assert_eq!(closest_key("zzzzzz", &keys), None);
}

#[test]
fn trace_round_trips_through_json() {
    let policy = "package p\n\ndefault allow := false\n\nallow if {\n\tsome n in input.numbers\n\tn > 10.5\n}\n\nevery_small if {\n\tevery n in input.numbers {\n\t\tn < 100\n\t}\n}\n";
    let trace = trace(
        policy,
        json!({"numbers": [1, 2.5, 12345678901234567890u64]}),
        "data.p",
    );
    let text = serde_json::to_string(&trace).expect("serializes");
    let back: Trace = serde_json::from_str(&text).expect("deserializes");
    assert_eq!(back, trace);
}

#[test]
fn a_not_over_a_call_with_an_undefined_argument_fails_as_in_opa() {
    let policy =
        "package p\n\ndeny if {\n\tnot startswith(input.image, \"registry.example.com/\")\n}\n";
    let trace = trace(policy, json!({"img": "nginx"}), "data.p.deny");
    let deny = rule(&trace, "deny");
    assert_eq!(deny.outcome, RuleOutcome::Undefined);
    let failed = body(deny, 0)
        .statements
        .iter()
        .find(|s| s.outcome == StatementOutcome::Failed)
        .expect("a statement failed");
    assert_eq!(failed.location.line, 4);
    let note = failed.note.as_deref().expect("the rewrite is explained");
    assert!(
        note.contains("OPA evaluates `input.image` before `not`"),
        "{note}"
    );
}

#[test]
fn a_function_called_from_a_rule_value_is_traced() {
    let policy =
        "package p\n\ndouble(x) := y if {\n\ty := x * 2\n\ty > 10\n}\n\nbig := double(input.n)\n";
    let trace = trace(policy, json!({"n": 3}), "data.p.big");
    let function = rule(&trace, "double");
    let call = function
        .call
        .as_ref()
        .expect("traced with the call in big's value");
    assert_eq!(call.arguments, vec![json!(3)]);
    assert_eq!(
        body(function, 0).outcome,
        BodyOutcome::Failed { statement: 1 }
    );
    let big = rule(&trace, "big");
    assert_eq!(body(big, 0).statements[0].text, "double(input.n)");
    assert!(
        why(big).contains("where double(input.n) is undefined"),
        "{}",
        why(big)
    );
}

#[test]
fn rewritten_text_is_shown_as_the_user_wrote_it() {
    let policy = "package p\n\ngreet if {\n\tx := $\"hi {input.name}\"\n\tx == \"hi bob\"\n}\n";
    let trace = trace(policy, json!({"name": "ann"}), "data.p.greet");
    let statements = &body(rule(&trace, "greet"), 0).statements;
    assert_eq!(statements[0].text, "x := $\"hi {input.name}\"");
    assert_eq!(statements[1].outcome, StatementOutcome::Failed);
    let text = render(&trace, Mode::Full);
    assert!(!text.contains("__pw"), "{text}");
}

#[test]
fn a_not_whose_operands_are_defined_gets_no_note() {
    let policy =
        "package p\n\ndeny if {\n\tnot startswith(input.image, \"registry.example.com/\")\n}\n";
    let trace = trace(
        policy,
        json!({"image": "registry.example.com/app"}),
        "data.p.deny",
    );
    let statement = &body(rule(&trace, "deny"), 0).statements[0];
    assert_eq!(statement.outcome, StatementOutcome::Failed);
    assert_eq!(statement.note, None);
    assert_eq!(body(rule(&trace, "deny"), 0).statements.len(), 1);
}

#[test]
fn exhausted_budget_named_as_such() {
    let policy = "package slow\n\nn := count([x | some x in numbers.range(1, 2000000)])\n";
    let policies = [PolicySource::new("policy.rego", policy)];
    let options = ExplainOptions {
        budget: std::time::Duration::from_millis(5),
        ..ExplainOptions::default()
    };
    let prepared = PreparedEngine::new(&policies, None, &options.eval).expect("policy parses");
    let trace = explain(&prepared, &policies, None, "data.slow.n", &[], &options);
    let text = render(&trace, Mode::Full);
    assert!(text.contains("time budget of 5 ms"), "{text}");
    assert!(!text.contains("the time limit"), "{text}");
}
