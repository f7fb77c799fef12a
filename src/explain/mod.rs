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
    note_rewritten_negations(&mut trace, &rewrites);
    trace.notes = notes_from_prints(prints);
    for (file, message) in &program.unparsed {
        trace.gaps.push(format!(
            "{file} is not traced: it does not parse ({message})"
        ));
    }
    trace.elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    trace
}

/// Says, at a `not` the pre-pass rewrote, why it failed where regorus alone
/// would have made it true.
fn note_rewritten_negations(trace: &mut Trace, rewrites: &[(String, Vec<prepass::Rewrite>)]) {
    for rule in &mut trace.rules {
        for body in rule
            .definitions
            .iter_mut()
            .flat_map(|d| d.bodies.iter_mut())
        {
            for statement in &mut body.statements {
                if statement.outcome != StatementOutcome::Failed {
                    continue;
                }
                let found = rewrites
                    .iter()
                    .find(|(file, _)| *file == statement.location.file)
                    .and_then(|(_, list)| prepass::rewritten_not_at(list, statement.location.line));
                if let Some(reason) = found {
                    statement.note = Some(reason);
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
