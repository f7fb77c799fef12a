use serde_json::json;

use super::*;
use crate::engine::{EvalOptions, PolicySource, PreparedEngine};

/// Evaluates `query` over `text` with `input`; `None` when undefined.
fn eval(text: &str, v0: bool, input: Json, query: &str) -> Option<Json> {
    let options = EvalOptions {
        rego_v0: v0,
        ..EvalOptions::default()
    };
    let engine = PreparedEngine::new(&[PolicySource::new("p.rego", text)], None, &options)
        .unwrap_or_else(|error| panic!("{error:?}\n{}", rewrite(text, v0, 0).text));
    let input = crate::engine::to_engine_value(&input).unwrap();
    engine
        .evaluate(Some(&input), query)
        .unwrap_or_else(|error| panic!("{error:?}"))
        .value()
        .cloned()
}

fn assert_lines_kept(text: &str, v0: bool) {
    let out = rewrite(text, v0, 0).text;
    assert_eq!(out.lines().count(), text.lines().count(), "{out}");
}

#[test]
fn a_v0_head_with_three_bodies_defines_three_rules() {
    let text =
        "package m\n\nports[p] {\n\tp := input.a\n} {\n\tp := input.b\n}\n{\n\tp := input.c\n}\n";
    assert_lines_kept(text, true);
    let result = eval(text, true, json!({"a": 1, "b": 2, "c": 3}), "data.m.ports");
    assert_eq!(result, Some(json!([1, 2, 3])));
    let rewrites = rewrite(text, true, 0).rewrites;
    assert_eq!(rewrites.len(), 2);
    assert_eq!((rewrites[0].line, rewrites[0].column), (5, 3));
    // Rego v1 is left alone: OPA rejects several bodies there.
    assert!(rewrite(text, false, 0).rewrites.is_empty());
}

#[test]
fn a_line_starting_with_a_parenthesis_is_its_own_statement() {
    let text = "package p\n\nok if {\n\tx := input.n # the count\n\t(x * 2) > 3\n}\n";
    assert_lines_kept(text, false);
    let out = rewrite(text, false, 0).text;
    assert!(out.contains("x := input.n; # the count"), "{out}");
    assert_eq!(
        eval(text, false, json!({"n": 2}), "data.p.ok"),
        Some(json!(true))
    );
    assert_eq!(eval(text, false, json!({"n": 1}), "data.p.ok"), None);
    // A call that continues on the next line is not split.
    let call = "package p\n\nx := max([\n\t(1 + 2),\n\t4,\n])\n";
    assert_eq!(rewrite(call, false, 0).text, call);
}

#[test]
fn not_over_an_undefined_operand_fails_but_plain_not_holds() {
    let text = "package n\n\nf(x) if x == \"root\"\n\ncall if not f(input.user.name)\n\nindex if {\n\tnot data.n.table[input.key]\n}\n\nplain if not input.missing\n\ntable := {\"a\": true}\n";
    assert_lines_kept(text, false);
    assert_eq!(eval(text, false, json!({"user": {}}), "data.n.call"), None);
    assert_eq!(
        eval(
            text,
            false,
            json!({"user": {"name": "dana"}}),
            "data.n.call"
        ),
        Some(json!(true))
    );
    assert_eq!(
        eval(
            text,
            false,
            json!({"user": {"name": "root"}}),
            "data.n.call"
        ),
        None
    );
    assert_eq!(eval(text, false, json!({}), "data.n.index"), None);
    assert_eq!(
        eval(text, false, json!({"key": "b"}), "data.n.index"),
        Some(json!(true))
    );
    assert_eq!(
        eval(text, false, json!({}), "data.n.plain"),
        Some(json!(true))
    );
    let rewrites = rewrite(text, false, 0).rewrites;
    let why = rewritten_not_at(&rewrites, 5).expect("line 5 was rewritten");
    assert!(why.contains("`input.user.name`"), "{why}");
    assert!(rewritten_not_at(&rewrites, 11).is_none());
}

#[test]
fn template_strings_render_as_opa_does() {
    let text = "package t\n\nname := \"dana\"\n\ngreeting := $\"hi {name}: {count([1, 2])} {[1, \"a\"]} {{\"k\": 1}} {input.missing}\"\n\nbad := 1 / \"x\"\n";
    assert_lines_kept(text, false);
    assert_eq!(
        eval(text, false, json!({}), "data.t.greeting"),
        Some(json!("hi dana: 2 [1, \"a\"] {\"k\": 1} <undefined>"))
    );
}

#[test]
fn errors_after_a_rewrite_keep_their_line() {
    let text = "package t\n\ngreeting := $\"hi {input.name}\"\n\nbad := x\n";
    let error = PreparedEngine::new(
        &[PolicySource::new("p.rego", text)],
        None,
        &EvalOptions::default(),
    )
    .and_then(|engine| engine.evaluate(None, "data.t"))
    .unwrap_err();
    assert_eq!(error.location.map(|l| l.line), Some(5), "{}", error.message);
}

#[test]
fn metadata_rule_and_chain_return_the_annotations() {
    let text = "# METADATA\n# title: Pods\n# description: Pod checks\npackage k.pods\n\n# METADATA\n# title: No root\n# authors:\n# - Dana Doe <dana@example.com>\n# related_resources:\n# - https://example.com/root\n# custom:\n#   severity: high\ndeny contains msg if {\n\tinput.user == \"root\"\n\tmsg := rego.metadata.rule().custom.severity\n}\n\nchain := rego.metadata.chain()\n\nplain := rego.metadata.rule()\n";
    assert_lines_kept(text, false);
    assert_eq!(
        eval(text, false, json!({"user": "root"}), "data.k.pods.deny"),
        Some(json!(["high"]))
    );
    let rule = rewrite(text, false, 0).metadata[0].clone();
    assert_eq!(
        rule,
        json!({
            "scope": "rule",
            "title": "No root",
            "authors": [{"name": "Dana Doe", "email": "dana@example.com"}],
            "related_resources": [{"ref": "https://example.com/root"}],
            "custom": {"severity": "high"},
        })
    );
    assert_eq!(
        eval(text, false, json!({}), "data.k.pods.chain"),
        Some(json!([
            {"path": ["data", "k", "pods", "chain"]},
            {"path": ["data", "k", "pods"], "annotations": {"scope": "package", "title": "Pods", "description": "Pod checks"}},
        ]))
    );
    assert_eq!(
        eval(text, false, json!({}), "data.k.pods.plain"),
        Some(json!({}))
    );
}

#[test]
fn long_policy_rewrites_in_linear_time() {
    // Positions come from a line index; rescanning the text for each token
    // made a 5,000-rule policy take seconds and time out in the worker.
    let mut text = String::from("package p\n\n");
    for index in 0..20_000 {
        text.push_str(&format!("r{index} := r{} + 1\n", index + 1));
    }
    let started = std::time::Instant::now();
    let out = rewrite(&text, false, 0);
    assert_eq!(out.text, text);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}
