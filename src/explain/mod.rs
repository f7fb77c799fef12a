//! The evaluation trace: for a query, each rule it depends on, what the
//! rule produced and, body by body, which statement held, failed or was
//! never reached, with the values it saw.
//!
//! regorus has no tracer, so the trace is computed: every body is split
//! into statements with regorus's own parser, and for each statement a
//! probe rule is added to the rule's package that collects the bindings of
//! the statements before it and records, for each binding, whether the
//! statement holds and what its operands are. The probes run on a clone of
//! the same engine with the same input, so the trace agrees with the
//! evaluation it explains.

mod model;
mod probe;
mod syntax;
pub mod text;

#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use crate::engine::{EngineValue, EvalOptions, PolicySource, PreparedEngine, prepass};

pub use model::*;
use syntax::Program;

/// How long building one trace may take; bodies left after it are marked
/// as not explained.
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(1500);

/// Options for [`explain`].
#[derive(Clone, Debug)]
pub struct ExplainOptions {
    pub eval: EvalOptions,
    /// Wall-clock budget for the whole trace.
    pub budget: Duration,
}

impl Default for ExplainOptions {
    fn default() -> Self {
        ExplainOptions {
            eval: EvalOptions::default(),
            budget: DEFAULT_BUDGET,
        }
    }
}

/// Builds the trace of `query` on `prepared` with `input`. `policies` must be
/// the sources `prepared` was built from, and `prints` the `print()` output
/// of the evaluation being explained.
pub fn explain(
    prepared: &PreparedEngine,
    policies: &[PolicySource],
    input: Option<&EngineValue>,
    query: &str,
    prints: &[String],
    options: &ExplainOptions,
) -> Trace {
    let started = Instant::now();
    // The probes copy statements into the engine, so they are read from the
    // text the engine was given: the pre-pass keeps every line in place.
    let mut metadata_base = 0;
    let mut rewrites = Vec::new();
    let engine_sources: Vec<PolicySource> = policies
        .iter()
        .map(|policy| {
            let prepassed = prepass::rewrite(&policy.text, options.eval.rego_v0, metadata_base);
            metadata_base += prepassed.metadata.len();
            rewrites.push((policy.path.clone(), prepassed.rewrites));
            PolicySource::new(policy.path.clone(), prepassed.text)
        })
        .collect();
    let program = Program::parse(&engine_sources, options.eval.rego_v0);
    let mut trace = probe::Tracer::new(prepared, &program, input, options, started).run(query);
    undo_rewrites(&mut trace, policies, &rewrites);
    trace.notes = notes_from_prints(prints);
    for (file, message) in &program.unparsed {
        trace.gaps.push(format!(
            "{file} is not traced: it does not parse ({message})"
        ));
    }
    trace.elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    trace
}

/// Puts the trace back in the user's words where the pre-pass rewrote
/// the text: statements show the user's lines, and the `_ = operand`
/// statements added after a `not` are folded into it, which fails with the
/// reason when one of them failed, as OPA evaluates the operand first.
fn undo_rewrites(
    trace: &mut Trace,
    policies: &[PolicySource],
    rewrites: &[(String, Vec<prepass::Rewrite>)],
) {
    let original = |file: &str, first: u32, last: u32| -> Option<String> {
        let policy = policies.iter().find(|p| p.path == file)?;
        let lines: Vec<&str> = policy
            .text
            .lines()
            .skip(first.saturating_sub(1) as usize)
            .take((last + 1).saturating_sub(first) as usize)
            .map(str::trim)
            .collect();
        Some(lines.join("\n"))
    };
    for rule in &mut trace.rules {
        for body in rule
            .definitions
            .iter_mut()
            .flat_map(|d| d.bodies.iter_mut())
        {
            let mut index = 0;
            while index < body.statements.len() {
                let location = body.statements[index].location.clone();
                let hoisted = rewrites
                    .iter()
                    .find(|(file, _)| *file == location.file)
                    .and_then(|(_, list)| prepass::rewritten_not_at(list, location.line));
                let is_not = matches!(body.statements[index].kind, StatementKind::Not);
                if let (Some(reason), true) = (hoisted, is_not) {
                    // Fold the `_ = operand` statements that follow on the line.
                    let mut failed_operand = None;
                    while index + 1 < body.statements.len()
                        && body.statements[index + 1].location.line == location.line
                        && body.statements[index + 1].text.starts_with("_ = ")
                    {
                        let extra = body.statements.remove(index + 1);
                        if extra.outcome == StatementOutcome::Failed && failed_operand.is_none() {
                            failed_operand = Some(extra);
                        }
                    }
                    if let Some(extra) = failed_operand {
                        let statement = &mut body.statements[index];
                        statement.outcome = StatementOutcome::Failed;
                        statement.held = 0;
                        statement.failed_examples = extra.failed_examples;
                        statement.held_examples.clear();
                        statement.note = Some(reason);
                    }
                }
                let statement = &mut body.statements[index];
                if statement.text.contains("__pw_")
                    && let Some(text) = original(
                        &statement.location.file,
                        statement.location.line,
                        statement.location.end_line,
                    )
                {
                    statement.text = text;
                }
                index += 1;
            }
            if let BodyOutcome::Failed { statement } = &mut body.outcome
                && let Some(first) = body
                    .statements
                    .iter()
                    .position(|s| s.outcome == StatementOutcome::Failed)
            {
                *statement = first;
            }
            // Statements after a failed one were not reached.
            if let Some(first) = body
                .statements
                .iter()
                .position(|s| s.outcome == StatementOutcome::Failed)
            {
                for later in &mut body.statements[first + 1..] {
                    if later.outcome != StatementOutcome::NotReached {
                        later.outcome = StatementOutcome::NotReached;
                        later.failed_examples.clear();
                        later.held_examples.clear();
                        later.note = None;
                    }
                }
            }
        }
    }
}

/// Turns regorus's `file:line: message` print lines into notes.
fn notes_from_prints(prints: &[String]) -> Vec<Note> {
    prints
        .iter()
        .map(|line| {
            let mut parts = line.splitn(3, ':');
            let (file, number, text) = (parts.next(), parts.next(), parts.next());
            match (file, number.and_then(|n| n.trim().parse().ok()), text) {
                (Some(file), Some(number), Some(text)) => Note {
                    file: file.to_string(),
                    line: number,
                    text: text.strip_prefix(' ').unwrap_or(text).to_string(),
                },
                _ => Note {
                    file: String::new(),
                    line: 0,
                    text: line.clone(),
                },
            }
        })
        .collect()
}

/// Edit distance between two strings, for suggesting a key that exists.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Returns the key of `keys` closest in spelling to `missing`, when it is
/// close enough to be a likely typo.
pub(crate) fn closest_key<'a>(missing: &str, keys: &'a [String]) -> Option<&'a str> {
    let allowed = (missing.chars().count() / 3).clamp(1, 3);
    keys.iter()
        .map(|key| {
            let distance = if key.eq_ignore_ascii_case(missing) {
                0
            } else {
                edit_distance(&key.to_lowercase(), &missing.to_lowercase()).max(1)
            };
            (distance, key)
        })
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, key)| key.as_str())
}
