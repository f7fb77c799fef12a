//! Errors from the engine, with the file, line and column they point at.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A position in a policy file or document, 1-based as editors count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The stage that failed, named after OPA's error codes where one fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// The policy text is not valid Rego.
    Parse,
    /// The policy parsed but cannot be compiled (unsafe variables, unknown functions).
    Compile,
    /// Evaluation failed: conflicts, builtin errors in strict mode, limits.
    Eval,
    /// Evaluation ran past its time limit.
    Timeout,
    /// An input or data document is not valid JSON or YAML, or has the wrong shape.
    Document,
    /// The query text is not a valid query.
    Query,
}

impl ErrorKind {
    /// Returns the error code that `opa eval --format json` reports for this kind.
    pub fn opa_code(self, message: &str) -> &'static str {
        match self {
            ErrorKind::Parse => "rego_parse_error",
            ErrorKind::Compile if message.contains("unsafe") => "rego_unsafe_var_error",
            ErrorKind::Compile => "rego_type_error",
            ErrorKind::Eval if message.contains("conflict") => "eval_conflict_error",
            ErrorKind::Timeout => "eval_cancel_error",
            ErrorKind::Eval => "eval_builtin_error",
            ErrorKind::Document => "invalid_document",
            ErrorKind::Query => "rego_parse_error",
        }
    }
}

/// An error raised while loading or evaluating a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineError {
    pub kind: ErrorKind,
    /// The engine's message without the source excerpt, in one line.
    pub message: String,
    /// The full text the engine printed, including the excerpt with a caret.
    pub detail: String,
    pub location: Option<SourceLocation>,
    /// Advice for the learner, such as turning on Rego v0 syntax.
    pub hint: Option<String>,
}

impl EngineError {
    /// Builds an error from regorus's formatted text, reading the
    /// `--> file:line:col` line that regorus puts before its excerpt.
    pub fn from_engine_text(kind: ErrorKind, text: &str) -> Self {
        let location = text.lines().find_map(parse_location_line);
        let message = summary_line(text);
        EngineError {
            kind,
            message,
            detail: text.trim().to_string(),
            location,
            hint: None,
        }
    }

    /// Builds an error with a plain message and no location.
    pub fn plain(kind: ErrorKind, message: impl Into<String>) -> Self {
        let message = message.into();
        EngineError {
            kind,
            detail: message.clone(),
            message,
            location: None,
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_location(mut self, location: SourceLocation) -> Self {
        self.location = Some(location);
        self
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}

/// Reads `--> policy.rego:5:3` into a location.
fn parse_location_line(line: &str) -> Option<SourceLocation> {
    let rest = line.trim_start().strip_prefix("-->")?.trim();
    let mut parts = rest.rsplitn(3, ':');
    let column = parts.next()?.trim().parse().ok()?;
    let line_number = parts.next()?.trim().parse().ok()?;
    let file = parts.next()?.to_string();
    Some(SourceLocation {
        file,
        line: line_number,
        column,
    })
}

/// Picks the line that carries the message out of regorus's multi-line text.
///
/// regorus ends its excerpt with `error: <message>`; errors raised outside
/// the parser are a single line, sometimes behind a chain of contexts.
fn summary_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let from_excerpt = lines.iter().rev().find_map(|line| {
        line.strip_prefix("error: ")
            .or_else(|| line.strip_prefix("error:"))
            .map(str::trim)
    });
    if let Some(message) = from_excerpt {
        return message.to_string();
    }
    lines
        .iter()
        .find(|line| !line.starts_with("-->") && !line.starts_with('|'))
        .map_or_else(|| text.trim().to_string(), |line| (*line).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARSE_ERROR: &str = "\n--> policy.rego:4:12\n  |\n4 | allow if x ==\n  |            ^\nerror: expecting expression";

    #[test]
    fn location_from_excerpt() {
        let error = EngineError::from_engine_text(ErrorKind::Parse, PARSE_ERROR);
        let location = error.location.expect("location");
        assert_eq!(location.file, "policy.rego");
        assert_eq!(location.line, 4);
        assert_eq!(location.column, 12);
    }

    #[test]
    fn message_from_excerpt() {
        let error = EngineError::from_engine_text(ErrorKind::Parse, PARSE_ERROR);
        assert_eq!(error.message, "expecting expression");
    }

    #[test]
    fn file_name_with_colon() {
        let location = parse_location_line("--> C:/policies/a.rego:7:1").expect("location");
        assert_eq!(location.file, "C:/policies/a.rego");
        assert_eq!(location.line, 7);
    }

    #[test]
    fn single_line_message() {
        let error = EngineError::from_engine_text(ErrorKind::Eval, "divide by zero");
        assert_eq!(error.message, "divide by zero");
        assert!(error.location.is_none());
    }
}
