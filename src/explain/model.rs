//! The trace: what each rule produced and, body by body, which statements
//! held, failed or were never reached, with the values they saw.

use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;

pub use super::syntax::{Location, RuleKind, StatementKind};

/// The trace of one query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub query: String,
    /// The rules the query depends on: those it names first, then the rules
    /// and functions they use.
    pub rules: Vec<RuleTrace>,
    /// Output of `print()` calls, at their line.
    pub notes: Vec<Note>,
    /// Parts of the policy the trace could not cover, in plain words.
    pub gaps: Vec<String>,
    /// Microseconds spent building the trace. An integer: floating-point
    /// numbers do not survive the worker's pipe with exact JSON numbers.
    pub elapsed_us: u64,
}

/// The value a rule produced. Enums in the trace are tagged externally, as
/// `{"defined": value}`: serde_json's exact numbers do not survive the
/// buffering that internally tagged enums need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOutcome {
    /// The rule's value, a set's or object's members included.
    Defined(JsonValue),
    Undefined,
    Error(String),
    /// Functions have no value of their own; see their calls.
    NotEvaluated,
}

/// One rule (all definitions with the same name in a package).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleTrace {
    /// `data.kubernetes.admission.deny`.
    pub path: String,
    /// `deny`.
    pub name: String,
    pub kind: RuleKind,
    pub outcome: RuleOutcome,
    /// The `default` value and where it is declared.
    pub default: Option<DefaultValue>,
    pub definitions: Vec<DefinitionTrace>,
    /// For functions: the arguments of the call the bodies were traced
    /// with, as JSON, with the location of that call.
    pub call: Option<FunctionCall>,
    /// A limit of this rule's trace, in plain words.
    #[serde(default)]
    pub caveat: Option<String>,
}

/// A rule's `default` value, as written, and where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DefaultValue {
    pub location: Location,
    pub value: String,
}

/// The call a function's trace was built from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub location: Location,
    pub arguments: Vec<JsonValue>,
}

/// One definition: a head and its bodies (more than one with `else` or
/// Rego v0's `p { ... } { ... }`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DefinitionTrace {
    pub location: Location,
    pub head: String,
    pub bodies: Vec<BodyTrace>,
}

/// The outcome of one body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyOutcome {
    /// The body held, `solutions` times (more than one when it iterates).
    Succeeded { solutions: u64 },
    /// The body stopped at the statement with this index.
    Failed { statement: usize },
    /// An earlier body of the same `else` chain succeeded.
    NotReached,
    /// Evaluating the body raised an error.
    Error { message: String },
    /// The trace cannot tell, for the reason given.
    Unexplained { reason: String },
}

/// One body and its statements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BodyTrace {
    pub location: Location,
    pub is_else: bool,
    pub outcome: BodyOutcome,
    /// Values the head produced from this body (a few at most).
    pub values: Vec<JsonValue>,
    pub statements: Vec<StatementTrace>,
}

/// The outcome of one statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementOutcome {
    /// Held for every binding that reached it.
    Succeeded,
    /// Held for some bindings and failed for others.
    Partly,
    /// Held for none of the bindings that reached it.
    Failed,
    /// No binding reached it: an earlier statement failed for all of them.
    NotReached,
    /// Evaluating it raised an error.
    Error,
    /// The trace cannot tell.
    Unexplained,
}

impl StatementOutcome {
    pub fn describe(self) -> &'static str {
        match self {
            StatementOutcome::Succeeded => "held",
            StatementOutcome::Partly => "held for some",
            StatementOutcome::Failed => "failed",
            StatementOutcome::NotReached => "not reached",
            StatementOutcome::Error => "error",
            StatementOutcome::Unexplained => "not explained",
        }
    }
}

/// One statement of a body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatementTrace {
    pub location: Location,
    pub text: String,
    pub kind: StatementKind,
    pub outcome: StatementOutcome,
    /// Bindings of the earlier statements that reached this one.
    pub reached: u64,
    /// How many of those it held for.
    pub held: u64,
    /// A few bindings it failed for, with the operands' values.
    pub failed_examples: Vec<Example>,
    /// A few bindings it held for, with the operands' values.
    pub held_examples: Vec<Example>,
    /// Extra words about the outcome, such as why an `every` held.
    pub note: Option<String>,
    /// The error, when the outcome is `Error` or `Unexplained`.
    pub error: Option<String>,
}

/// One binding of the variables in scope, and what the statement's operands
/// were under it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub bindings: Vec<(String, JsonValue)>,
    pub operands: Vec<OperandValue>,
}

/// The value of one operand of a statement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperandValue {
    pub text: String,
    /// `None` when the operand is undefined. An operand that iterates has
    /// several values.
    pub values: Option<Vec<JsonValue>>,
    /// For an undefined reference: the longest prefix that is defined.
    pub defined_prefix: Option<String>,
    /// For an undefined reference: the key that is missing from that prefix.
    pub missing_key: Option<String>,
    /// The existing key closest in spelling to the missing one.
    pub suggestion: Option<String>,
    /// The type of the defined prefix when it is not an object, so the key
    /// cannot exist.
    pub prefix_type: Option<String>,
}

/// A note from the policy: `print()` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub file: String,
    pub line: u32,
    pub text: String,
}
