//! `policy-workshop eval`: `opa eval` on the bundled engine.

use std::fs;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{Value as JsonValue, json};

use super::{EXIT_ERROR, EvalArgs, OutputFormat};
use crate::engine::{self, EngineError, EvalOptions, Evaluation, PreparedEngine};
use crate::explain::{ExplainOptions, Trace, explain, text};
use crate::worker::server::{EVAL_STACK_BYTES, limit_memory};
use crate::worker::supervisor::default_memory_limit_mb;
use crate::workspace::document::parse_document;
use crate::workspace::loader::load_paths;

/// Runs `eval` and returns the process exit status: 0 when the query was
/// evaluated (defined or undefined), 2 on any error.
pub fn run(args: &EvalArgs) -> ExitCode {
    let limit = args.memory_limit_mb.unwrap_or_else(default_memory_limit_mb);
    if let Err(error) = limit_memory(limit) {
        log::warn!("cannot set the memory limit of {limit} MiB: {error}");
    }
    // Long chains of rules recurse deeply in regorus, so evaluation gets
    // the worker's large stack here too.
    let evaluated = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("evaluator".to_string())
            .stack_size(EVAL_STACK_BYTES)
            .spawn_scoped(scope, || evaluate(args))
            .map(|handle| handle.join())
    });
    let outcome = match evaluated {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => {
            eprintln!("error: evaluation failed unexpectedly (see the message above)");
            return ExitCode::from(EXIT_ERROR);
        }
        Err(error) => {
            eprintln!("error: cannot start the evaluation thread: {error}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    // print() output goes to stderr, as `opa eval` writes it.
    if let Ok((evaluation, _)) = &outcome {
        for line in &evaluation.prints {
            let mut parts = line.splitn(3, ':');
            let message = match (parts.next(), parts.next(), parts.next()) {
                (Some(_), Some(number), Some(rest)) if number.trim().parse::<u32>().is_ok() => {
                    rest.strip_prefix(' ').unwrap_or(rest)
                }
                _ => line.as_str(),
            };
            eprintln!("{message}");
        }
    }
    let mut stdout = std::io::stdout().lock();
    let printed = match (&outcome, args.format) {
        (Ok((evaluation, trace)), OutputFormat::Json) => {
            let mut results = evaluation.results.clone();
            let mode = args.explain.as_deref().and_then(|mode| mode.parse().ok());
            if let (Some(trace), Some(mode), Some(object)) = (trace, mode, results.as_object_mut())
            {
                object.insert("explanation".to_string(), explanation_json(trace, mode));
            }
            write_json(&mut stdout, &results)
        }
        (Ok((evaluation, trace)), OutputFormat::Pretty) => {
            let mode = args.explain.as_deref().and_then(|mode| mode.parse().ok());
            match (trace, mode) {
                (Some(trace), Some(mode)) => write!(stdout, "{}", text::render(trace, mode))
                    .and_then(|()| writeln!(stdout))
                    .and_then(|()| write_pretty(&mut stdout, evaluation)),
                _ => write_pretty(&mut stdout, evaluation),
            }
        }
        (Err(Failure::Engine(error)), OutputFormat::Json) => {
            write_json(&mut stdout, &errors_json(error))
        }
        (Err(failure), _) => {
            eprintln!("{failure}");
            Ok(())
        }
    };
    if let Err(error) = printed {
        eprintln!("error: cannot write the result: {error}");
        return ExitCode::from(EXIT_ERROR);
    }
    match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(EXIT_ERROR),
    }
}

/// The trace as JSON for `--explain MODE`: `fails` keeps the rules that
/// produced nothing, `notes` keeps only the notes, and every rule gets the
/// sentence the window shows as `why`.
fn explanation_json(trace: &Trace, mode: text::Mode) -> JsonValue {
    let mut trace = trace.clone();
    match mode {
        text::Mode::Fails => trace.rules.retain(text::has_failure),
        text::Mode::Notes => trace.rules.clear(),
        text::Mode::Full => {}
    }
    let mut value = serde_json::to_value(&trace).unwrap_or_default();
    if let Some(rules) = value.get_mut("rules").and_then(JsonValue::as_array_mut) {
        for (json, rule) in rules.iter_mut().zip(&trace.rules) {
            if let Some(object) = json.as_object_mut() {
                object.insert("why".to_string(), JsonValue::String(text::why(rule)));
            }
        }
    }
    value
}

/// The reason `eval` could not produce a result.
enum Failure {
    /// Files could not be read or parsed before the engine ran.
    Load(anyhow::Error),
    /// The engine rejected the policy or failed to evaluate the query.
    Engine(EngineError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Load(error) => write!(f, "error: {error:#}"),
            Failure::Engine(error) => {
                let code = error.kind.opa_code(&error.message);
                match &error.location {
                    Some(location) => write!(f, "{location}: {code}: {}", error.message)?,
                    None => write!(f, "{code}: {}", error.message)?,
                }
                if let Some(hint) = &error.hint {
                    write!(f, "\nhint: {hint}")?;
                }
                Ok(())
            }
        }
    }
}

fn evaluate(args: &EvalArgs) -> Result<(Evaluation, Option<Trace>), Failure> {
    let loaded = load_paths(&args.data).map_err(Failure::Load)?;
    let input = args
        .input
        .as_ref()
        .map(|path| read_input(path))
        .transpose()
        .map_err(Failure::Load)?;
    let options = EvalOptions {
        rego_v0: args.v0_compatible,
        strict_builtin_errors: args.strict_builtin_errors,
        time_limit_ms: args.timeout_ms,
    };
    let data = engine::to_engine_value(&loaded.data).map_err(Failure::Engine)?;
    let input = input
        .as_ref()
        .map(engine::to_engine_value)
        .transpose()
        .map_err(Failure::Engine)?;
    let prepared =
        PreparedEngine::new(&loaded.policies, Some(&data), &options).map_err(Failure::Engine)?;
    let evaluation = prepared
        .evaluate(input.as_ref(), &args.query)
        .map_err(Failure::Engine)?;
    let trace = args.explain.as_ref().map(|_| {
        let options = ExplainOptions {
            eval: options.clone(),
            budget: Duration::from_millis(args.timeout_ms),
        };
        explain(
            &prepared,
            &loaded.policies,
            input.as_ref(),
            &args.query,
            &evaluation.prints,
            &options,
        )
    });
    Ok((evaluation, trace))
}

fn read_input(path: &std::path::Path) -> Result<JsonValue> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read input {}", path.display()))?;
    let parsed =
        parse_document(&text).with_context(|| format!("cannot load input {}", path.display()))?;
    parsed
        .value
        .with_context(|| format!("the input file {} is empty", path.display()))
}

/// Builds the error document `opa eval --format json` prints on failure.
fn errors_json(error: &EngineError) -> JsonValue {
    let mut entry = json!({
        "message": error.message,
        "code": error.kind.opa_code(&error.message),
    });
    if let Some(location) = &error.location {
        entry["location"] =
            json!({"file": location.file, "row": location.line, "col": location.column});
    }
    if let Some(hint) = &error.hint {
        entry["details"] = json!({"hint": hint});
    }
    json!({ "errors": [entry] })
}

fn write_json(out: &mut impl Write, value: &JsonValue) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// Prints the value of a single-expression query, each binding set of a
/// query with variables, or `undefined`.
fn write_pretty(out: &mut impl Write, evaluation: &Evaluation) -> std::io::Result<()> {
    if evaluation.is_undefined() {
        return writeln!(out, "undefined");
    }
    if let Some(value) = evaluation.value() {
        let has_bindings = evaluation.results["result"][0].get("bindings").is_some();
        if !has_bindings {
            return write_json(out, value);
        }
    }
    let results = evaluation.results["result"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for result in results {
        match result.get("bindings") {
            Some(bindings) => write_json(out, bindings)?,
            None => write_json(out, &result["expressions"])?,
        }
    }
    Ok(())
}
