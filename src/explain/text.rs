//! The trace in words: a sentence or two on why a rule has its value, and
//! the indented text of `eval --explain`.

use std::fmt::Write as _;

use serde_json::Value as JsonValue;

use super::model::*;

/// Maximum length of a value shown inline, in characters.
const MAX_VALUE_CHARS: usize = 120;
/// Maximum length of a binding's value shown inline, in characters.
const MAX_BINDING_CHARS: usize = 60;

/// The output modes of `eval --explain`, named as in `opa eval --explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Rules that did not produce a value, and the statements that failed.
    Fails,
    /// Every rule, body and statement.
    Full,
    /// Only `print()` output and what the trace could not cover.
    Notes,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "fails" => Ok(Mode::Fails),
            "full" => Ok(Mode::Full),
            "notes" => Ok(Mode::Notes),
            other => Err(format!(
                "unknown explain mode {other:?}: use fails, full or notes"
            )),
        }
    }
}

/// Formats a JSON value as compact text, cut to a readable length.
pub fn value_text(value: &JsonValue) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    shorten(&text, MAX_VALUE_CHARS)
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let cut: String = text.chars().take(limit).collect();
    format!("{cut}…")
}

/// Returns the first line of a statement, for sentences.
pub fn statement_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default().trim();
    let first = shorten(first, 80);
    if text.lines().nth(1).is_some() {
        format!("{first} …")
    } else {
        first
    }
}

/// True when an operand is a constant whose value reads the same as its
/// text, such as `"admin"` or `3`, so showing it adds nothing.
fn is_self_evident(operand: &OperandValue) -> bool {
    match &operand.values {
        Some(values) if values.len() == 1 => {
            let shown = value_text(&values[0]);
            shown == operand.text.trim()
                || operand.text.trim() == format!("`{}`", values[0].as_str().unwrap_or_default())
        }
        _ => false,
    }
}

/// Describes one operand in words: `input.user.role is "editor"`, or why it is
/// undefined.
pub fn operand_phrase(operand: &OperandValue) -> String {
    let name = statement_line(&operand.text);
    if name.starts_with("elements of ")
        && let Some([value]) = operand.values.as_deref()
    {
        return format!("the {name} are {}", value_text(value));
    }
    match &operand.values {
        Some(values) if values.len() == 1 => format!("{name} is {}", value_text(&values[0])),
        Some(values) => {
            let shown: Vec<String> = values.iter().take(3).map(value_text).collect();
            let more = if values.len() > 3 {
                format!(" and {} more", values.len() - 3)
            } else {
                String::new()
            };
            format!("{name} takes the values {}{more}", shown.join(", "))
        }
        None => match (&operand.defined_prefix, &operand.missing_key) {
            (Some(prefix), Some(key)) => {
                if let Some(kind) = &operand.prefix_type {
                    format!(
                        "{name} is undefined: {prefix} is {} {kind}, which has no key \"{key}\"",
                        article(kind)
                    )
                } else {
                    let mut phrase = format!("{name} is undefined: {prefix} has no key \"{key}\"");
                    if let Some(suggestion) = &operand.suggestion {
                        let _ = write!(phrase, " (did you mean \"{suggestion}\"?)");
                    }
                    phrase
                }
            }
            (Some(prefix), None) => format!("{name} is undefined below {prefix}"),
            _ => format!("{name} is undefined"),
        },
    }
}

fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Describes the operands of an example worth naming. A variable already
/// named among the bindings is not named again.
pub fn example_phrases(example: &Example) -> Vec<String> {
    example
        .operands
        .iter()
        .filter(|operand| !is_self_evident(operand))
        .filter(|operand| {
            !example
                .bindings
                .iter()
                .any(|(name, _)| *name == operand.text)
        })
        .map(operand_phrase)
        .collect()
}

/// Formats the bindings of an example: `c = {"name": "nginx"}`, each value cut
/// shorter than operand values, as they are context.
pub fn bindings_phrase(example: &Example) -> String {
    example
        .bindings
        .iter()
        .map(|(name, value)| {
            let text = serde_json::to_string(value).unwrap_or_default();
            format!("{name} = {}", shorten(&text, MAX_BINDING_CHARS))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Explains in one clause why a statement failed or held only partly.
pub fn statement_reason(statement: &StatementTrace) -> String {
    let mut reason = String::new();
    let example = statement.failed_examples.first();
    let bindings = example.map(bindings_phrase).unwrap_or_default();
    let phrases = example.map(example_phrases).unwrap_or_default();
    let several = statement.reached > 1;
    if several && statement.held == 0 {
        let _ = write!(reason, "failed for all {} bindings", statement.reached);
        if !bindings.is_empty() {
            let _ = write!(reason, ", such as {bindings}");
        }
    } else if statement.outcome == StatementOutcome::Partly {
        let _ = write!(
            reason,
            "held for {} of {} bindings",
            statement.held, statement.reached
        );
        if !bindings.is_empty() {
            let _ = write!(reason, "; it failed for {bindings}");
        }
    }
    if !phrases.is_empty() {
        reason.push_str(if reason.is_empty() {
            "where "
        } else {
            ", where "
        });
        reason.push_str(&phrases.join(" and "));
    }
    for extra in [&statement.note, &statement.error].into_iter().flatten() {
        if !reason.is_empty() {
            reason.push_str("; ");
        }
        reason.push_str(extra);
    }
    reason
}

fn body_name(body: &BodyTrace) -> String {
    if body.is_else {
        format!("the else at line {}", body.location.line)
    } else {
        format!("the body at line {}", body.location.line)
    }
}

/// Explains in one clause why a body did not succeed.
fn body_failure(body: &BodyTrace) -> String {
    match &body.outcome {
        BodyOutcome::Failed { statement } => {
            let failed = &body.statements[*statement];
            let mut text = format!(
                "{} stopped at line {}, `{}`",
                body_name(body),
                failed.location.line,
                statement_line(&failed.text)
            );
            let reason = statement_reason(failed);
            if !reason.is_empty() {
                let _ = write!(text, ", {reason}");
            }
            text
        }
        BodyOutcome::Error { message } => {
            format!(
                "{} raised an error: {}",
                body_name(body),
                first_line(message)
            )
        }
        BodyOutcome::NotReached => format!("{} was not reached", body_name(body)),
        BodyOutcome::Unexplained { reason } => {
            format!("{} is not explained: {reason}", body_name(body))
        }
        BodyOutcome::Succeeded { .. } => format!("{} succeeded", body_name(body)),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn bodies(rule: &RuleTrace) -> impl Iterator<Item = &BodyTrace> {
    rule.definitions.iter().flat_map(|d| d.bodies.iter())
}

/// Joins the failures of every body that did not succeed.
fn failures(rule: &RuleTrace) -> String {
    let failed: Vec<&BodyTrace> = bodies(rule)
        .filter(|b| {
            !matches!(
                b.outcome,
                BodyOutcome::Succeeded { .. } | BodyOutcome::NotReached
            )
        })
        .collect();
    let mut clauses: Vec<String> = failed.iter().take(2).map(|b| body_failure(b)).collect();
    if failed.len() > 2 {
        clauses.push(format!("{} more did not succeed either", failed.len() - 2));
    }
    clauses.join("; ")
}

/// Explains in one or two sentences why `rule` has its value.
pub fn why(rule: &RuleTrace) -> String {
    let mut sentence = why_value(rule);
    if let Some(caveat) = &rule.caveat {
        sentence.push_str(&format!(" Note: {caveat}."));
    }
    sentence
}

fn why_value(rule: &RuleTrace) -> String {
    let total = bodies(rule).count();
    let succeeded: Vec<&BodyTrace> = bodies(rule)
        .filter(|b| matches!(b.outcome, BodyOutcome::Succeeded { .. }))
        .collect();
    let name = &rule.name;
    let none_succeeded = || match total {
        0 => "it has no body".to_string(),
        1 => failures(rule),
        2 => format!("neither of its 2 bodies succeeded: {}", failures(rule)),
        n => format!("none of its {n} bodies succeeded: {}", failures(rule)),
    };
    match (&rule.outcome, rule.kind) {
        (RuleOutcome::Error(message), _) => {
            format!("{name} could not be evaluated: {}", first_line(message))
        }
        (_, RuleKind::Function) => {
            let Some(call) = &rule.call else {
                return format!(
                    "{name} is a function, and no call of it was reached, so it has no arguments to trace"
                );
            };
            let arguments: Vec<String> = call.arguments.iter().map(value_text).collect();
            let called = format!(
                "{name}({}), called at line {},",
                arguments.join(", "),
                call.location.line
            );
            match &rule.outcome {
                RuleOutcome::Defined(value) => match succeeded.first() {
                    Some(body) => format!(
                        "{called} returned {} from {}.",
                        value_text(value),
                        body_name(body)
                    ),
                    None => format!("{called} returned {}.", value_text(value)),
                },
                _ => format!("{called} is undefined because {}.", none_succeeded()),
            }
        }
        (RuleOutcome::Defined(value), RuleKind::PartialSet | RuleKind::PartialObject) => {
            let empty = match value {
                JsonValue::Array(items) => items.is_empty(),
                JsonValue::Object(fields) => fields.is_empty(),
                _ => false,
            };
            if empty {
                format!("{name} is empty because {}.", none_succeeded())
            } else {
                let members = match value {
                    JsonValue::Array(items) => items.len(),
                    JsonValue::Object(fields) => fields.len(),
                    _ => 1,
                };
                let sources: Vec<String> = succeeded
                    .iter()
                    .map(|body| {
                        let solutions = match body.outcome {
                            BodyOutcome::Succeeded { solutions } => solutions,
                            _ => 0,
                        };
                        let times = match solutions {
                            1 => "once".to_string(),
                            n => format!("{n} times"),
                        };
                        format!("{} ({times})", body_name(body))
                    })
                    .collect();
                let mut text = if sources.is_empty() {
                    format!("{name} has {members} value{}.", plural(members as u64))
                } else {
                    format!(
                        "{name} has {members} value{}, from {}.",
                        plural(members as u64),
                        join_and(&sources)
                    )
                };
                if succeeded.len() < total {
                    let _ = write!(text, " Also, {}.", failures(rule));
                }
                text
            }
        }
        (RuleOutcome::Defined(value), _) => {
            let shown = value_text(value);
            match succeeded.first() {
                Some(body) => format!("{name} is {shown} because {} succeeded.", body_name(body)),
                None => match &rule.default {
                    Some(default) => format!(
                        "{name} is {shown} (its default, line {}) because {}.",
                        default.location.line,
                        none_succeeded()
                    ),
                    None => format!("{name} is {shown}."),
                },
            }
        }
        (RuleOutcome::Undefined, _) => {
            let mut text = format!("{name} is undefined because {}.", none_succeeded());
            let is_test = name.starts_with("test_");
            if rule.default.is_none() && rule.kind == RuleKind::Complete && !is_test {
                text.push_str(&format!(
                    " It has no default, so it is left out of the result; a `default {name} := ...` \
                     rule would give it a value."
                ));
            }
            text
        }
        (RuleOutcome::NotEvaluated, _) => format!("{name} was not evaluated."),
    }
}

/// Joins phrases as "a", "a and b" or "a, b and c".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// True when the rule produced nothing: undefined, empty, an error, or
/// some body that did not succeed.
pub fn has_failure(rule: &RuleTrace) -> bool {
    match &rule.outcome {
        RuleOutcome::Undefined | RuleOutcome::Error(_) => true,
        RuleOutcome::Defined(JsonValue::Array(items)) if items.is_empty() => true,
        RuleOutcome::Defined(JsonValue::Object(fields))
            if fields.is_empty() && rule.kind == RuleKind::PartialObject =>
        {
            true
        }
        _ => {
            bodies(rule).next().is_some()
                && bodies(rule).all(|b| !matches!(b.outcome, BodyOutcome::Succeeded { .. }))
        }
    }
}

fn outcome_text(rule: &RuleTrace) -> String {
    match &rule.outcome {
        RuleOutcome::Defined(value) => format!("= {}", value_text(value)),
        RuleOutcome::Undefined => "undefined".to_string(),
        RuleOutcome::Error(message) => format!("error: {}", first_line(message)),
        RuleOutcome::NotEvaluated => "not called".to_string(),
    }
}

fn body_status(body: &BodyTrace) -> String {
    match &body.outcome {
        BodyOutcome::Succeeded { solutions } => {
            format!("succeeded {solutions} time{}", plural(*solutions))
        }
        BodyOutcome::Failed { statement } => {
            format!(
                "failed at line {}",
                body.statements[*statement].location.line
            )
        }
        BodyOutcome::NotReached => {
            "not reached (an earlier body of the chain succeeded)".to_string()
        }
        BodyOutcome::Error { message } => format!("error: {}", first_line(message)),
        BodyOutcome::Unexplained { reason } => format!("not explained: {reason}"),
    }
}

/// The trace as indented text with `file:line` locations.
pub fn render(trace: &Trace, mode: Mode) -> String {
    let mut out = String::new();
    if mode != Mode::Notes {
        for rule in &trace.rules {
            if mode == Mode::Fails && !has_failure(rule) {
                continue;
            }
            let location = rule
                .definitions
                .first()
                .map(|d| format!("{}:{}", d.location.file, d.location.line))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{location} {} ({}) {}",
                rule.path,
                rule.kind.describe(),
                outcome_text(rule)
            );
            let _ = writeln!(out, "  why: {}", why(rule));
            for definition in &rule.definitions {
                for body in &definition.bodies {
                    let failed = !matches!(body.outcome, BodyOutcome::Succeeded { .. });
                    if mode == Mode::Fails && !failed {
                        continue;
                    }
                    let _ = writeln!(
                        out,
                        "  {}:{} {}: {}",
                        body.location.file,
                        body.location.line,
                        if body.is_else { "else" } else { "body" },
                        body_status(body)
                    );
                    for statement in &body.statements {
                        let interesting = matches!(
                            statement.outcome,
                            StatementOutcome::Failed
                                | StatementOutcome::Partly
                                | StatementOutcome::Error
                                | StatementOutcome::Unexplained
                        );
                        if mode == Mode::Fails && !interesting {
                            continue;
                        }
                        let mut line = format!(
                            "    {}:{} {:<14} {}",
                            statement.location.file,
                            statement.location.line,
                            statement.outcome.describe(),
                            statement_line(&statement.text)
                        );
                        let reason = statement_reason(statement);
                        if interesting && !reason.is_empty() {
                            let _ = write!(line, "\n      {reason}");
                        } else if let Some(note) = &statement.note {
                            let _ = write!(line, "\n      {note}");
                        }
                        let _ = writeln!(out, "{line}");
                    }
                }
            }
        }
    }
    for note in &trace.notes {
        let _ = writeln!(out, "{}:{} note: {}", note.file, note.line, note.text);
    }
    for gap in &trace.gaps {
        let _ = writeln!(out, "not traced: {gap}");
    }
    if out.is_empty() {
        out.push_str(match mode {
            Mode::Fails => "nothing failed\n",
            Mode::Notes => "no notes\n",
            Mode::Full => "the query reads no rules\n",
        });
    }
    out
}
