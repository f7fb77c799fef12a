//! Messages between the window and the evaluation worker, one JSON object
//! per line on the worker's stdin and stdout.

use serde::{Deserialize, Serialize};

use crate::drills::{CheckReport, DrillSpec};
use crate::engine::{EngineError, EvalOptions, Evaluation, PolicySource};
use crate::explain::Trace;
use crate::testing::TestRun;
use crate::workspace::document::DocumentError;

use super::view::ResultView;

/// A request for one evaluation. Documents are sent only when they changed
/// since the previous request, so a large input crosses the pipe and is
/// parsed once, not on every keystroke. The UI sends these to the
/// supervisor, and the supervisor sends them on to the worker.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalRequest {
    pub revision: u64,
    /// New policy files, or `None` when they are unchanged.
    pub policies: Option<Vec<PolicySource>>,
    /// New input text, or `None` when it is unchanged.
    pub input: Option<String>,
    /// New data text, or `None` when it is unchanged.
    pub data: Option<String>,
    pub query: String,
    pub options: EvalOptions,
    /// Also run the `test_` rules, with line coverage when `coverage` is set.
    #[serde(default)]
    pub run_tests: bool,
    #[serde(default)]
    pub coverage: bool,
    /// Also build the evaluation trace of the query.
    #[serde(default)]
    pub trace: bool,
    /// New scenario inputs (name and text), or `None` when they are
    /// unchanged. The query is evaluated with each of them.
    #[serde(default)]
    pub scenarios: Option<Vec<(String, String)>>,
    /// Also check the policies against this drill's scenarios and hidden
    /// checks. Drills are small, so the spec is sent with every request.
    #[serde(default)]
    pub drill: Option<DrillSpec>,
    /// Send the whole printed value even when it is large, as when the
    /// user copies it.
    #[serde(default)]
    pub whole_value: bool,
}

/// The stage a worker reports before a slow step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Parsing a large input document.
    LoadingInput,
    /// Parsing a large data document.
    LoadingData,
    /// Documents are loaded and the engine runs; the deadline starts here.
    Evaluating,
    /// The result is ready and the trace is being built; the deadline
    /// starts again.
    Tracing,
    /// The trace is ready and the drill's checks run; the deadline starts
    /// again.
    Checking,
}

/// One line the worker writes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WireReply {
    Progress {
        revision: u64,
        stage: Stage,
        /// Size of the document being parsed, for loading stages.
        bytes: Option<usize>,
    },
    Result(Box<EvalReply>),
    /// The trace and test run of the revision whose result came just
    /// before, when the request asked for either.
    Details(Box<EvalDetails>),
}

/// The reason a revision produced no result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EvalFailure {
    Input(DocumentError),
    Data(DocumentError),
    Engine(EngineError),
    /// The worker process was stopped or died. The message gives the reason
    /// in plain words, such as "evaluation stopped after 2 s".
    Worker(String),
}

/// The result of one request. The worker sends it as soon as the query
/// is evaluated, before it builds the trace and runs the tests, so the
/// result pane does not wait for them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReply {
    pub revision: u64,
    pub outcome: Result<Evaluation, EvalFailure>,
    /// Documents parsed for this request, so callers can check that an
    /// unchanged input was not parsed again.
    #[serde(default)]
    pub parsed: Vec<String>,
    /// The value as the result pane shows it, when the evaluation succeeded.
    #[serde(default)]
    pub view: Option<ResultView>,
    /// Whether the worker left the results out of `outcome` because the
    /// value is large. `view` then contains its first lines.
    #[serde(default)]
    pub elided: bool,
}

/// The trace and the test run of one request, sent after its result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalDetails {
    pub revision: u64,
    /// The test run, when the request asked for one; an error when the
    /// policies could not be loaded for it.
    #[serde(default)]
    pub tests: Option<Result<TestRun, EngineError>>,
    /// The trace of the query, when the request asked for one and the
    /// query was evaluated.
    #[serde(default)]
    pub trace: Option<Trace>,
    /// Why the trace and tests are missing, when the worker was stopped
    /// while building them (such as "evaluation stopped after 2 s").
    #[serde(default)]
    pub stopped: Option<String>,
    /// The query's result with each scenario input.
    #[serde(default)]
    pub scenarios: Vec<ScenarioResult>,
    /// The drill check, when the request carried a drill.
    #[serde(default)]
    pub drill: Option<CheckReport>,
}

/// The query's result with one scenario input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub name: String,
    /// The value, `None` when undefined, or why there is none.
    pub outcome: Result<Option<serde_json::Value>, String>,
}

impl EvalRequest {
    /// Whether the worker sends an [`EvalDetails`] after the result.
    pub fn wants_details(&self) -> bool {
        self.trace || self.run_tests || self.scenarios.is_some() || self.drill.is_some()
    }
}
