//! The worker process: reads [`EvalRequest`]s from stdin, evaluates them on
//! a thread with a large stack and writes [`WireReply`]s to stdout.
//!
//! It keeps the documents it has received and the engine it prepared, so
//! a request that leaves a large input out costs no parsing.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::thread;

use super::protocol::{
    EvalDetails, EvalFailure, EvalReply, EvalRequest, ScenarioResult, Stage, WireReply,
};
use super::view::ResultView;
use crate::drills::check_attempt;
use crate::engine::ErrorKind;
use crate::engine::{
    EngineError, EngineValue, EvalOptions, Evaluation, PolicySource, PreparedEngine,
    to_engine_value,
};
use crate::explain::{ExplainOptions, Trace, explain};
use crate::testing::{TestOptions, TestRun, run_tests};
use crate::workspace::document::{DocumentError, parse_document};

/// Stack of the evaluation thread. regorus recurses once per rule in a
/// chain of rules that call each other, so a chain of thousands of rules
/// needs far more than the default 8 MiB. Pages are only committed when
/// touched.
pub const EVAL_STACK_BYTES: usize = 1 << 30;

/// Time a trace may take; the supervisor's deadline restarts when tracing
/// starts, and this stays well inside it.
pub const TRACE_BUDGET: std::time::Duration = std::time::Duration::from_millis(1000);

/// Documents larger than this get a progress message before parsing.
const PROGRESS_BYTES: usize = 1 << 20;

/// Address space allowed beyond the memory limit for the binary, its
/// libraries and thread stacks (512 MiB), and the 1 GiB region mimalloc
/// reserves up front and fills as the heap grows.
const ADDRESS_SPACE_OVERHEAD: u64 = (512 << 20) + (1 << 30);

/// Runs the worker until stdin closes. `memory_limit_mb` caps the
/// process's address space, so a runaway policy fails to allocate and the
/// process aborts instead of exhausting the machine.
pub fn run(memory_limit_mb: Option<u64>) -> ExitCode {
    if let Some(megabytes) = memory_limit_mb
        && let Err(error) = limit_memory(megabytes)
    {
        log::warn!("cannot set the worker memory limit of {megabytes} MiB: {error}");
    }
    let spawned = thread::Builder::new()
        .name("evaluator".to_string())
        .stack_size(EVAL_STACK_BYTES)
        .spawn(|| serve(io::stdin().lock(), io::stdout().lock()));
    let outcome = match spawned {
        Ok(handle) => handle.join(),
        Err(error) => {
            eprintln!("error: cannot start the evaluation thread: {error}");
            return ExitCode::from(crate::cli::EXIT_ERROR);
        }
    };
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("error: the worker's pipe failed: {error}");
            ExitCode::from(crate::cli::EXIT_ERROR)
        }
        Err(_) => ExitCode::from(crate::cli::EXIT_ERROR),
    }
}

/// Caps the address space of this process at `megabytes` plus room for
/// the evaluation stack and the binary, so allocation fails there.
#[cfg(unix)]
pub fn limit_memory(megabytes: u64) -> io::Result<()> {
    let bytes = megabytes
        .saturating_mul(1 << 20)
        .saturating_add(EVAL_STACK_BYTES as u64)
        .saturating_add(ADDRESS_SPACE_OVERHEAD);
    rlimit::setrlimit(rlimit::Resource::AS, bytes, bytes)
}

/// Reports that memory limits are not available on this system.
#[cfg(not(unix))]
pub fn limit_memory(_megabytes: u64) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "memory limits need a Unix system",
    ))
}

/// Handles requests from `reader`, writing replies to `writer`, until the
/// reader ends.
pub fn serve(reader: impl BufRead, mut writer: impl Write) -> io::Result<()> {
    let mut state = WorkerState::default();
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let request: EvalRequest = match serde_json::from_str(&line) {
            Ok(request) => request,
            Err(error) => {
                eprintln!(
                    "error: ignored an invalid request ({} bytes): {error}",
                    line.len()
                );
                continue;
            }
        };
        let mut progress = |message| write_line(&mut writer, &message);
        let reply = state.handle(&request, &mut progress)?;
        // The result goes out before the trace and the tests are built, so
        // the window shows it without waiting for them.
        let prints = match &reply.outcome {
            Ok(evaluation) => Some(evaluation.prints.clone()),
            Err(_) => None,
        };
        write_line(&mut writer, &WireReply::Result(Box::new(reply)))?;
        state.elided = serde_json::Value::Null;
        if request.wants_details() {
            let details = state.details(&request, prints.as_deref(), &mut |message| {
                write_line(&mut writer, &message)
            })?;
            write_line(&mut writer, &WireReply::Details(Box::new(details)))?;
        }
    }
    Ok(())
}

fn write_line(writer: &mut impl Write, reply: &WireReply) -> io::Result<()> {
    serde_json::to_writer(&mut *writer, reply)?;
    writer.write_all(b"\n")?;
    writer.flush()
}

/// A parsed document in the engine's form; `None` for an empty text.
type Parsed = Result<Option<EngineValue>, DocumentError>;

/// The documents and the prepared engine kept between requests.
struct WorkerState {
    policies: Vec<PolicySource>,
    input: Parsed,
    data: Parsed,
    engine: Option<(EvalOptions, Result<PreparedEngine, EngineError>)>,
    /// Scenario inputs by name, parsed once.
    scenarios: Vec<(String, Parsed)>,
    /// The results left out of the last reply, freed once it is written.
    elided: serde_json::Value,
}

impl Default for WorkerState {
    fn default() -> Self {
        WorkerState {
            policies: Vec::new(),
            input: Ok(None),
            data: Ok(None),
            engine: None,
            scenarios: Vec::new(),
            elided: serde_json::Value::Null,
        }
    }
}

impl WorkerState {
    /// Takes the documents out of `request` and evaluates its query.
    fn handle(
        &mut self,
        request: &EvalRequest,
        progress: &mut dyn FnMut(WireReply) -> io::Result<()>,
    ) -> io::Result<EvalReply> {
        let revision = request.revision;
        let mut parsed = Vec::new();
        if let Some(policies) = &request.policies {
            self.policies = policies.clone();
            self.engine = None;
        }
        if let Some(text) = &request.input {
            announce(progress, revision, Stage::LoadingInput, text.len())?;
            self.input = parse(text);
            parsed.push("input".to_string());
        }
        if let Some(text) = &request.data {
            announce(progress, revision, Stage::LoadingData, text.len())?;
            self.data = parse(text);
            self.engine = None;
            parsed.push("data".to_string());
        }
        if let Some(scenarios) = &request.scenarios {
            let bytes = scenarios.iter().map(|(_, text)| text.len()).sum();
            announce(progress, revision, Stage::LoadingInput, bytes)?;
            self.scenarios = scenarios
                .iter()
                .map(|(name, text)| (name.clone(), parse(text)))
                .collect();
            parsed.push("scenarios".to_string());
        }
        progress(WireReply::Progress {
            revision,
            stage: Stage::Evaluating,
            bytes: None,
        })?;
        let mut outcome = self.evaluate(&request.query, &request.options);
        let view = outcome
            .as_ref()
            .ok()
            .map(|evaluation| ResultView::new(evaluation, request.whole_value));
        // The window shows the view; a large value's results stay here.
        let elided = view.as_ref().is_some_and(|view| !view.complete);
        if elided && let Ok(evaluation) = &mut outcome {
            // Freeing a large value takes a while; it happens after the
            // reply is written.
            self.elided = std::mem::take(&mut evaluation.results);
        }
        Ok(EvalReply {
            revision,
            outcome,
            parsed,
            view,
            elided,
        })
    }

    /// Builds the trace and runs the tests `request` asks for. `prints` is
    /// the `print()` output of the evaluation, `None` when it failed, in
    /// which case there is no trace.
    fn details(
        &self,
        request: &EvalRequest,
        prints: Option<&[String]>,
        progress: &mut dyn FnMut(WireReply) -> io::Result<()>,
    ) -> io::Result<EvalDetails> {
        progress(WireReply::Progress {
            revision: request.revision,
            stage: Stage::Tracing,
            bytes: None,
        })?;
        let trace = match prints {
            Some(prints) if request.trace => self.trace(&request.query, &request.options, prints),
            _ => None,
        };
        let tests = request
            .run_tests
            .then(|| self.run_tests(&request.options, request.coverage));
        let scenarios = self.run_scenarios(&request.query);
        let drill = match &request.drill {
            Some(spec) => {
                progress(WireReply::Progress {
                    revision: request.revision,
                    stage: Stage::Checking,
                    bytes: None,
                })?;
                Some(check_attempt(spec, &self.policies))
            }
            None => None,
        };
        Ok(EvalDetails {
            revision: request.revision,
            tests,
            trace,
            stopped: None,
            scenarios,
            drill,
        })
    }

    fn evaluate(&mut self, query: &str, options: &EvalOptions) -> Result<Evaluation, EvalFailure> {
        let input = self.input.clone().map_err(EvalFailure::Input)?;
        let data = self.data.clone().map_err(EvalFailure::Data)?;
        let stale = self
            .engine
            .as_ref()
            .is_none_or(|(cached, _)| cached != options);
        if stale {
            let prepared = PreparedEngine::new(&self.policies, data.as_ref(), options);
            self.engine = Some((options.clone(), prepared));
        }
        let Some((_, prepared)) = &self.engine else {
            unreachable!("the engine was prepared above");
        };
        let prepared = prepared
            .as_ref()
            .map_err(|error| EvalFailure::Engine(error.clone()))?;
        prepared
            .evaluate(input.as_ref(), query)
            .map_err(EvalFailure::Engine)
    }
}

impl WorkerState {
    /// Evaluates the query with every scenario input on the engine prepared
    /// for the last evaluation.
    fn run_scenarios(&self, query: &str) -> Vec<ScenarioResult> {
        let prepared = match &self.engine {
            Some((_, Ok(prepared))) => Some(prepared),
            _ => None,
        };
        self.scenarios
            .iter()
            .map(|(name, parsed)| {
                let outcome = match (prepared, parsed) {
                    (None, _) => Err("the policies do not load".to_string()),
                    (_, Err(error)) => Err(format!("the input is invalid: {error}")),
                    (Some(prepared), Ok(input)) => prepared
                        .evaluate(input.as_ref(), query)
                        .map(|evaluation| evaluation.value().cloned())
                        .map_err(|error| error.message),
                };
                ScenarioResult {
                    name: name.clone(),
                    outcome,
                }
            })
            .collect()
    }

    /// Builds the trace of `query` on the engine prepared for the last
    /// evaluation, within [`TRACE_BUDGET`].
    fn trace(&self, query: &str, options: &EvalOptions, prints: &[String]) -> Option<Trace> {
        let (_, Ok(prepared)) = self.engine.as_ref()? else {
            return None;
        };
        let input = self.input.as_ref().ok()?.as_ref();
        let options = ExplainOptions {
            eval: options.clone(),
            budget: TRACE_BUDGET,
        };
        Some(explain(
            prepared,
            &self.policies,
            input,
            query,
            prints,
            &options,
        ))
    }

    fn run_tests(&self, options: &EvalOptions, coverage: bool) -> Result<TestRun, EngineError> {
        let data = match &self.data {
            Ok(data) => data.clone(),
            Err(error) => {
                return Err(EngineError::plain(
                    ErrorKind::Document,
                    format!("the data document is invalid: {error}"),
                ));
            }
        };
        let options = TestOptions {
            filter: None,
            coverage,
            eval: options.clone(),
        };
        run_tests(&self.policies, data.as_ref(), &options)
    }
}

fn announce(
    progress: &mut dyn FnMut(WireReply) -> io::Result<()>,
    revision: u64,
    stage: Stage,
    bytes: usize,
) -> io::Result<()> {
    if bytes < PROGRESS_BYTES {
        return Ok(());
    }
    progress(WireReply::Progress {
        revision,
        stage,
        bytes: Some(bytes),
    })
}

fn parse(text: &str) -> Parsed {
    let document = parse_document(text)?;
    let Some(json) = document.value else {
        return Ok(None);
    };
    to_engine_value(&json)
        .map(Some)
        .map_err(|error| DocumentError {
            format: document.format,
            message: error.message,
            line: None,
            column: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(revision: u64, input: Option<&str>) -> String {
        let request = EvalRequest {
            revision,
            policies: (revision == 1).then(|| {
                vec![PolicySource::new(
                    "p.rego",
                    "package p\n\nallow if input.user == \"ann\"\n",
                )]
            }),
            input: input.map(str::to_string),
            data: (revision == 1).then(|| "{}".to_string()),
            query: "data.p.allow".to_string(),
            options: EvalOptions::default(),
            run_tests: false,
            coverage: false,
            trace: true,
            scenarios: None,
            drill: None,
            whole_value: false,
        };
        serde_json::to_string(&request).unwrap()
    }

    fn replies(output: &[u8]) -> Vec<EvalReply> {
        String::from_utf8_lossy(output)
            .lines()
            .filter_map(|line| match serde_json::from_str(line).unwrap() {
                WireReply::Result(reply) => Some(*reply),
                WireReply::Progress { .. } | WireReply::Details(_) => None,
            })
            .collect()
    }

    fn details(output: &[u8]) -> Vec<EvalDetails> {
        String::from_utf8_lossy(output)
            .lines()
            .filter_map(|line| match serde_json::from_str(line).unwrap() {
                WireReply::Details(details) => Some(*details),
                WireReply::Progress { .. } | WireReply::Result(_) => None,
            })
            .collect()
    }

    #[test]
    fn unchanged_input_not_parsed() {
        let script = format!(
            "{}\n{}\n",
            request(1, Some(r#"{"user": "ann"}"#)),
            request(2, None)
        );
        let mut output = Vec::new();
        serve(script.as_bytes(), &mut output).unwrap();
        let replies = replies(&output);
        assert_eq!(replies.len(), 2);
        assert_eq!(replies[0].parsed, ["input", "data"]);
        assert!(replies[1].parsed.is_empty());
        let value = replies[1].outcome.as_ref().unwrap().value().cloned();
        assert_eq!(value, Some(serde_json::json!(true)));
        // The trace follows the result, and agrees with it.
        let details = details(&output);
        assert_eq!(details.len(), 2);
        assert_eq!(details[1].revision, 2);
        let trace = details[1].trace.as_ref().expect("a trace was asked for");
        assert_eq!(trace.rules[0].name, "allow");
        assert_eq!(
            trace.rules[0].outcome,
            crate::explain::RuleOutcome::Defined(serde_json::json!(true))
        );
    }

    #[test]
    fn trace_with_fractions_crosses_the_pipe() {
        let request = EvalRequest {
            revision: 1,
            policies: Some(vec![PolicySource::new(
                "p.rego",
                "package p\n\nratio := input.a / 4 if input.a > 0.5\n",
            )]),
            input: Some(r#"{"a": 2.5}"#.to_string()),
            data: None,
            query: "data.p.ratio".to_string(),
            options: EvalOptions::default(),
            run_tests: false,
            coverage: false,
            trace: true,
            scenarios: None,
            drill: None,
            whole_value: false,
        };
        let script = format!("{}\n", serde_json::to_string(&request).unwrap());
        let mut output = Vec::new();
        serve(script.as_bytes(), &mut output).unwrap();
        let details = details(&output);
        let trace = details[0].trace.as_ref().expect("a trace");
        assert_eq!(
            trace.rules[0].outcome,
            crate::explain::RuleOutcome::Defined(serde_json::json!(0.625))
        );
    }

    #[test]
    fn invalid_line_skipped() {
        let script = format!("not json\n{}\n", request(1, Some("{}")));
        let mut output = Vec::new();
        serve(script.as_bytes(), &mut output).unwrap();
        assert_eq!(replies(&output).len(), 1);
    }
}
