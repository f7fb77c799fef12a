//! Everything that calls regorus: building an engine from policies and
//! data, evaluating queries with a time limit, and turning regorus's errors
//! into located [`EngineError`]s.

pub mod builtins;
pub mod differences;
mod error;
mod guard;
pub mod prepass;

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use regorus::utils::limits::ExecutionTimerConfig;
use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;

pub use error::{EngineError, ErrorKind, SourceLocation};
pub use guard::{MAX_LITERAL_NESTING, check_literal_nesting};
/// A document in the engine's own value type.
pub use regorus::Value as EngineValue;

/// One Rego file: the name shown in errors and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySource {
    pub path: String,
    pub text: String,
}

impl PolicySource {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        PolicySource {
            path: path.into(),
            text: text.into(),
        }
    }
}

/// Default wall-clock limit for one evaluation.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(2);

/// Options for parsing and evaluating policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalOptions {
    /// Parse Rego v0 syntax (`deny[msg] { ... }`) instead of v1.
    pub rego_v0: bool,
    /// Make a failed builtin call an error, as `opa eval --strict-builtin-errors`
    /// does; by default it is undefined, as in OPA.
    pub strict_builtin_errors: bool,
    /// Wall-clock limit for one evaluation, in milliseconds.
    pub time_limit_ms: u64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            rego_v0: false,
            strict_builtin_errors: false,
            time_limit_ms: DEFAULT_TIME_LIMIT.as_millis() as u64,
        }
    }
}

/// An engine with policies and data loaded, ready to be cloned per query.
///
/// regorus cannot remove a policy from an engine, but cloning one takes
/// microseconds, so callers keep a prepared engine for as long as the
/// policies, data and options stay the same.
#[derive(Clone)]
pub struct PreparedEngine {
    engine: regorus::Engine,
    packages: Vec<String>,
}

impl std::fmt::Debug for PreparedEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedEngine")
            .field("packages", &self.packages)
            .finish_non_exhaustive()
    }
}

/// The outcome of one query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The results in the shape of `opa eval --format json`: `{"result": [...]}`,
    /// or `{}` when the query is undefined.
    pub results: JsonValue,
    /// Lines written by `print()` during evaluation.
    pub prints: Vec<String>,
    pub elapsed: Duration,
}

impl Evaluation {
    /// Returns the value of a single-expression query without bindings, such
    /// as `data.authz.allow`; `None` when the query is undefined.
    pub fn value(&self) -> Option<&JsonValue> {
        let results = self.results.get("result")?.as_array()?;
        let [first] = results.as_slice() else {
            return None;
        };
        let expressions = first.get("expressions")?.as_array()?;
        let [expression] = expressions.as_slice() else {
            return None;
        };
        expression.get("value")
    }

    /// Returns true when the query produced no result at all.
    pub fn is_undefined(&self) -> bool {
        self.results
            .get("result")
            .and_then(JsonValue::as_array)
            .is_none_or(Vec::is_empty)
    }
}

impl PreparedEngine {
    /// Parses the policies and loads the data document.
    ///
    /// `data` must be an object when present, as `opa eval -d` requires of
    /// its base documents.
    pub fn new(
        policies: &[PolicySource],
        data: Option<&EngineValue>,
        options: &EvalOptions,
    ) -> Result<Self, EngineError> {
        let mut engine = new_engine(options);
        let mut packages = Vec::new();
        let mut metadata = Vec::new();
        for policy in policies {
            check_literal_nesting(policy)?;
            if options.rego_v0 {
                reject_v1_in_v0(policy)?;
            }
            // The engine gets the pre-passed text; it keeps every line of
            // the user's text, so located errors still point at it.
            let prepassed = prepass::rewrite(&policy.text, options.rego_v0, metadata.len());
            metadata.extend(prepassed.metadata);
            match engine.add_policy(policy.path.clone(), prepassed.text) {
                Ok(package) => {
                    if !packages.contains(&package) {
                        packages.push(package);
                    }
                }
                Err(error) => return Err(parse_error(policy, &error.to_string(), options)),
            }
        }
        builtins::install_prepass_functions(&mut engine, metadata)
            .map_err(|error| EngineError::plain(ErrorKind::Eval, error.to_string()))?;
        if let Some(data) = data {
            if !matches!(data, EngineValue::Object(_)) {
                return Err(EngineError::plain(
                    ErrorKind::Document,
                    "the data document must be an object at the top level",
                ));
            }
            engine
                .add_data(data.clone())
                .map_err(|error| EngineError::plain(ErrorKind::Document, error.to_string()))?;
        }
        Ok(PreparedEngine { engine, packages })
    }

    /// Records which lines evaluation visits, for [`PreparedEngine::coverage`].
    pub fn enable_coverage(&mut self) {
        self.engine.set_enable_coverage(true);
    }

    /// Returns the lines visited and not visited by evaluations made with
    /// [`PreparedEngine::evaluate_in_place`] since coverage was enabled.
    pub fn coverage(&self) -> Result<regorus::coverage::Report, EngineError> {
        self.engine
            .get_coverage_report()
            .map_err(|error| EngineError::plain(ErrorKind::Eval, error.to_string()))
    }

    /// Evaluates `query` without input on this engine itself, not a clone,
    /// so coverage accumulates across calls. Test runs use this.
    pub fn evaluate_in_place(&mut self, query: &str) -> Result<Evaluation, EngineError> {
        run_query(&mut self.engine, query)
    }

    /// Sets the input for later calls of [`PreparedEngine::evaluate_in_place`].
    pub fn set_input(&mut self, input: EngineValue) {
        self.engine.set_input(input);
    }

    /// Changes the wall-clock limit of later evaluations.
    pub fn set_time_limit(&mut self, limit: Duration) {
        self.engine
            .set_execution_timer_config(ExecutionTimerConfig {
                limit: limit.max(Duration::from_millis(1)),
                check_interval: TIMER_CHECK_INTERVAL,
            });
    }

    /// Adds one more policy to this engine, as the trace does with its
    /// probe rules.
    pub fn add_policy(&mut self, policy: &PolicySource) -> Result<(), EngineError> {
        self.engine
            .add_policy(policy.path.clone(), policy.text.clone())
            .map(|_| ())
            .map_err(|error| EngineError::from_engine_text(ErrorKind::Parse, &error.to_string()))
    }

    /// Returns the packages of the loaded policies, such as `data.kubernetes.admission`.
    pub fn packages(&self) -> &[String] {
        &self.packages
    }

    /// Evaluates `query` with `input` on a clone of this engine. Values
    /// share their storage, so neither the clone nor the input is copied.
    pub fn evaluate(
        &self,
        input: Option<&EngineValue>,
        query: &str,
    ) -> Result<Evaluation, EngineError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(EngineError::plain(
                ErrorKind::Query,
                "the query is empty: enter a query such as data.example.allow",
            ));
        }
        let mut engine = self.engine.clone();
        if let Some(input) = input {
            engine.set_input(input.clone());
        }
        run_query(&mut engine, query)
    }
}

/// Evaluates `query` on `engine`, timing it and collecting `print()` output,
/// and returns the results in the shape of `opa eval`.
fn run_query(engine: &mut regorus::Engine, query: &str) -> Result<Evaluation, EngineError> {
    let started = Instant::now();
    let outcome = engine.eval_query(query.to_string(), false);
    let elapsed = started.elapsed();
    let prints = engine.take_prints().unwrap_or_default();

    let results = outcome.map_err(|error| eval_error(&error.to_string(), elapsed))?;
    let results = serde_json::to_value(&results).map_err(|error| {
        EngineError::plain(
            ErrorKind::Eval,
            format!("the result has no JSON form: {error}"),
        )
    })?;
    let mut results = drop_failed_results(results, query);
    tidy_fractions(&mut results);
    Ok(Evaluation {
        results,
        prints,
        elapsed,
    })
}

/// Parses, loads and evaluates in one step, as the CLI does.
pub fn evaluate(
    policies: &[PolicySource],
    data: Option<&JsonValue>,
    input: Option<&JsonValue>,
    query: &str,
    options: &EvalOptions,
) -> Result<Evaluation, EngineError> {
    let data = data.map(to_engine_value).transpose()?;
    let input = input.map(to_engine_value).transpose()?;
    PreparedEngine::new(policies, data.as_ref(), options)?.evaluate(input.as_ref(), query)
}

/// Reads the `package` line of a policy, returning it as a query such as
/// `data.kubernetes.admission`.
pub fn package_query(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("package")?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let path = rest.trim().split(['#', ' ', '\t']).next()?.trim();
        if path.is_empty() {
            return None;
        }
        Some(format!("data.{path}"))
    })
}

/// Engine steps between two readings of the clock for the time limit.
/// Reading it on every step cost about a fifth of the evaluation time of
/// a large input. 64 steps take microseconds, so the limit stays exact.
const TIMER_CHECK_INTERVAL: NonZeroU32 = NonZeroU32::new(64).expect("64 is not zero");

fn new_engine(options: &EvalOptions) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(options.rego_v0);
    engine.set_strict_builtin_errors(options.strict_builtin_errors);
    engine.set_gather_prints(true);
    // Registering can only fail on a duplicate name, which the table rules out.
    if let Err(error) = builtins::install(&mut engine, options.strict_builtin_errors) {
        log::error!("could not register the extra builtins: {error}");
    }
    engine.set_execution_timer_config(ExecutionTimerConfig {
        limit: Duration::from_millis(options.time_limit_ms.max(1)),
        check_interval: TIMER_CHECK_INTERVAL,
    });
    engine
}

/// Converts a parsed JSON document into the engine's value type. Do it once
/// per document: large documents take a while, and engine values clone in
/// constant time.
pub fn to_engine_value(json: &JsonValue) -> Result<EngineValue, EngineError> {
    use serde::Deserialize as _;
    regorus::Value::deserialize(json).map_err(|error| {
        EngineError::plain(
            ErrorKind::Document,
            format!("the document cannot be loaded: {error}"),
        )
    })
}

/// Builds a parse error, adding a hint when the text parses as Rego v0.
fn parse_error(policy: &PolicySource, text: &str, options: &EvalOptions) -> EngineError {
    let mut error = EngineError::from_engine_text(ErrorKind::Parse, text);
    if error.location.is_none() {
        error = error.with_location(SourceLocation {
            file: policy.path.clone(),
            line: 1,
            column: 1,
        });
    }
    // A policy that uses `if` is written for v1 (or imports the keyword), and
    // parsing it as v0 would only make regorus print warnings to stderr.
    if options.rego_v0 || uses_if_keyword(&policy.text) {
        return error;
    }
    let mut v0 = regorus::Engine::new();
    v0.set_rego_v0(true);
    if v0
        .add_policy(policy.path.clone(), policy.text.clone())
        .is_ok()
    {
        return error.with_hint(
            "this policy is valid Rego v0 syntax (rules without `if` or `contains`); \
             turn on \"Rego v0\" (or pass --v0-compatible), or add `if` before rule bodies \
             and `contains` to partial set rules",
        );
    }
    error
}

/// Removes results in which a statement of a query with several statements
/// was false. In OPA such a query has no result; regorus 0.14 returns the
/// false statement as the result's value. A single statement keeps its
/// `false`, as in OPA.
/// Prints non-integers the way OPA's decimal arithmetic gives them where
/// binary floating point leaves noise in the last digit: regorus computes
/// `0.1 + 0.2` as 0.30000000000000004, which OPA prints as 0.3.
///
/// A float holds 15 to 17 significant decimal digits; rounding to 16 and
/// keeping the result only when it is shorter removes the representation
/// error of sums and products of short decimals, and leaves values such as
/// 1/3 (0.3333333333333333) as they are.
///
/// NOTE: comparisons inside a policy still see the float: `0.1 + 0.2 ==
/// 0.3` is false here and true in OPA. A number of 17 significant digits
/// that comes from the input is shortened too.
pub fn tidy_fractions(value: &mut JsonValue) {
    match value {
        JsonValue::Number(number) => {
            let text = number.to_string();
            if !text.contains(['.', 'e', 'E']) {
                return;
            }
            let Some(float) = number.as_f64() else {
                return;
            };
            let Ok(rounded) = format!("{float:.15e}").parse::<f64>() else {
                return;
            };
            if rounded == float || !rounded.is_finite() {
                return;
            }
            if let Some(shorter) = serde_json::Number::from_f64(rounded)
                && shorter.to_string().len() < text.len()
            {
                *number = shorter;
            }
        }
        JsonValue::Array(items) => items.iter_mut().for_each(tidy_fractions),
        JsonValue::Object(fields) => fields.values_mut().for_each(tidy_fractions),
        _ => {}
    }
}

fn drop_failed_results(mut results: JsonValue, query: &str) -> JsonValue {
    let statements = count_statements(query);
    if statements < 2 {
        return results;
    }
    let Some(list) = results.get_mut("result").and_then(JsonValue::as_array_mut) else {
        return results;
    };
    list.retain(|result| {
        let expressions = result["expressions"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        expressions.len() >= statements
            && !expressions
                .iter()
                .any(|e| e["value"] == JsonValue::Bool(false))
    });
    if list.is_empty() {
        return JsonValue::Object(serde_json::Map::new());
    }
    results
}

/// Counts the statements of a query: parts separated by `;` or a newline
/// outside brackets and strings.
fn count_statements(query: &str) -> usize {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    let mut count = 0;
    let mut has_content = false;
    for c in query.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' | '(' => depth += 1,
            ']' | '}' | ')' => depth -= 1,
            ';' | '\n' if depth == 0 => {
                count += usize::from(has_content);
                has_content = false;
                continue;
            }
            _ => {}
        }
        if !c.is_whitespace() {
            has_content = true;
        }
    }
    count + usize::from(has_content)
}

/// Rejects a policy that uses the v1 keyword `if` while Rego v0 is on and
/// the policy does not import it. regorus 0.14 reads such an `if` as a
/// plain name (printing a warning), which silently changes the meaning of
/// every rule; OPA rejects the policy.
fn reject_v1_in_v0(policy: &PolicySource) -> Result<(), EngineError> {
    let imports_keywords = policy.text.lines().any(|line| {
        line.trim_start().starts_with("import future.keywords") || line.trim() == "import rego.v1"
    });
    if imports_keywords {
        return Ok(());
    }
    let Some(line) = policy.text.lines().position(uses_if_keyword) else {
        return Ok(());
    };
    let error = EngineError::plain(
        ErrorKind::Parse,
        "`if` is a Rego v1 keyword, but Rego v0 syntax is on and the policy does not import it",
    )
    .with_location(SourceLocation {
        file: policy.path.clone(),
        line: line as u32 + 1,
        column: 1,
    })
    .with_hint("turn off Rego v0 (drop --v0-compatible), or add `import rego.v1` to the policy");
    Err(error)
}

/// Returns true when `if` appears as a word outside comments and strings.
fn uses_if_keyword(text: &str) -> bool {
    text.lines().any(|line| {
        let code = line.split('#').next().unwrap_or_default();
        let mut in_string = false;
        let mut word = String::new();
        for c in code.chars().chain(std::iter::once(' ')) {
            if c == '"' {
                in_string = !in_string;
            }
            if !in_string && (c.is_alphanumeric() || c == '_') {
                word.push(c);
                continue;
            }
            if word == "if" {
                return true;
            }
            word.clear();
        }
        false
    })
}

fn eval_error(text: &str, elapsed: Duration) -> EngineError {
    let lower = text.to_ascii_lowercase();
    let kind = if lower.contains("execution exceeded") || lower.contains("time limit") {
        ErrorKind::Timeout
    } else if lower.contains("unsafe")
        || lower.contains("could not find function")
        || lower.contains("not a function")
    {
        ErrorKind::Compile
    } else {
        ErrorKind::Eval
    };
    let mut error = EngineError::from_engine_text(kind, text);
    if error
        .location
        .as_ref()
        .is_some_and(|l| l.file == "<query.rego>")
        && kind == ErrorKind::Eval
    {
        error.kind = ErrorKind::Query;
        error.message = format!("the query is not valid Rego: {}", error.message);
    }
    if lower.contains("numeric overflow") {
        return error.with_hint(format!(
            "the number is beyond what {} {} can hold: a non-integer is a 64-bit binary float, \
             which ends near 1.8e308. OPA computes it exactly, so this is a difference from OPA",
            differences::ENGINE_NAME,
            differences::ENGINE_VERSION
        ));
    }
    if kind == ErrorKind::Timeout {
        let elapsed = if elapsed < Duration::from_secs(1) {
            format!("{} ms", elapsed.as_millis())
        } else {
            format!("{:.1} s", elapsed.as_secs_f64())
        };
        error.message = format!("evaluation stopped after {elapsed}, the time limit");
        return error.with_hint(
            "look for a comprehension or an iteration over a very large collection, \
             such as numbers.range with a large bound",
        );
    }
    error
}

#[cfg(test)]
mod tests;
