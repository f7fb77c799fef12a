//! Input and data documents: JSON or YAML, detected from their content.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;

/// The format a document was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocumentFormat {
    Json,
    Yaml,
}

impl DocumentFormat {
    /// Guesses the format from the first significant character: JSON
    /// documents start with `{` or `[`, so everything else is read as YAML
    /// (which also accepts bare scalars).
    pub fn detect(text: &str) -> Self {
        let first = text
            .lines()
            .map(str::trim_start)
            .find(|line| !line.is_empty() && !line.starts_with('#'))
            .and_then(|line| line.chars().next());
        match first {
            Some('{') | Some('[') => DocumentFormat::Json,
            _ => DocumentFormat::Yaml,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DocumentFormat::Json => "JSON",
            DocumentFormat::Yaml => "YAML",
        }
    }
}

/// A document that could not be read, with the 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct DocumentError {
    pub format: DocumentFormat,
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(
                f,
                "invalid {} at line {line}, column {column}: {}",
                self.format.name(),
                self.message
            ),
            _ => write!(f, "invalid {}: {}", self.format.name(), self.message),
        }
    }
}

/// A parsed document; `None` when the text is empty or only whitespace.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedDocument {
    pub format: DocumentFormat,
    pub value: Option<JsonValue>,
}

/// Parses JSON or YAML text, detecting which from the content.
pub fn parse_document(text: &str) -> Result<ParsedDocument, DocumentError> {
    let format = DocumentFormat::detect(text);
    if text.trim().is_empty() {
        return Ok(ParsedDocument {
            format,
            value: None,
        });
    }
    let value = match format {
        DocumentFormat::Json => parse_json(text)?,
        DocumentFormat::Yaml => parse_yaml(text)?,
    };
    Ok(ParsedDocument {
        format,
        value: Some(value),
    })
}

fn parse_json(text: &str) -> Result<JsonValue, DocumentError> {
    // serde_json's recursion limit (128) turns deeply nested documents into
    // an error instead of a stack overflow.
    serde_json::from_str(text).map_err(|error| DocumentError {
        format: DocumentFormat::Json,
        message: strip_position_suffix(&error.to_string()),
        line: Some(error.line().min(last_line(text))),
        column: Some(error.column()),
    })
}

fn parse_yaml(text: &str) -> Result<JsonValue, DocumentError> {
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|error| {
        let location = error.location();
        let line = location.as_ref().map(|l| l.line());
        let column = location.as_ref().map(|l| l.column());
        let mut message = error.to_string();
        if let (Some(line), Some(column)) = (line, column) {
            message = message.replace(&format!(" at line {line} column {column}"), "");
        }
        DocumentError {
            format: DocumentFormat::Yaml,
            message,
            line: line.map(|l| l.min(last_line(text))),
            column,
        }
    })?;
    yaml_to_json(yaml).map_err(|message| DocumentError {
        format: DocumentFormat::Yaml,
        message,
        line: None,
        column: None,
    })
}

/// Returns the number of the last line that has text, so that an error at
/// the end of the input points at a line the editor shows.
fn last_line(text: &str) -> usize {
    text.trim_end().lines().count().max(1)
}

/// Converts YAML to JSON values, rejecting what JSON cannot hold.
fn yaml_to_json(yaml: serde_yaml_ng::Value) -> Result<JsonValue, String> {
    use serde_yaml_ng::Value as Y;
    Ok(match yaml {
        Y::Null => JsonValue::Null,
        Y::Bool(b) => JsonValue::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                JsonValue::from(i)
            } else if let Some(u) = n.as_u64() {
                JsonValue::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(JsonValue::Number)
                    .ok_or_else(|| format!("the number {f} has no JSON form"))?
            }
        }
        Y::String(s) => JsonValue::String(s),
        Y::Sequence(items) => JsonValue::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut object = serde_json::Map::new();
            for (key, value) in map {
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    other => {
                        return Err(format!("a mapping key must be a scalar, found {other:?}"));
                    }
                };
                object.insert(key, yaml_to_json(value)?);
            }
            JsonValue::Object(object)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

/// Drops the " at line 3 column 5" that serde appends, since the location
/// is shown on its own.
fn strip_position_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_json_object() {
        assert_eq!(DocumentFormat::detect("  {\"a\": 1}"), DocumentFormat::Json);
    }

    #[test]
    fn detect_yaml_mapping() {
        assert_eq!(DocumentFormat::detect("a: 1\nb: [1]"), DocumentFormat::Yaml);
    }

    #[test]
    fn yaml_becomes_json() {
        let parsed = parse_document("user:\n  name: ann\n  roles: [admin]\nport: 22\n").unwrap();
        let expected = serde_json::json!({"user": {"name": "ann", "roles": ["admin"]}, "port": 22});
        assert_eq!(parsed.value, Some(expected));
    }

    #[test]
    fn json_error_has_line() {
        let error = parse_document("{\n  \"a\": 1,\n  \"b\": \n}").unwrap_err();
        assert_eq!(error.format, DocumentFormat::Json);
        assert_eq!(error.line, Some(4));
    }

    #[test]
    fn yaml_error_has_line() {
        let error = parse_document("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert_eq!(error.format, DocumentFormat::Yaml);
        assert!(error.line.is_some());
    }

    #[test]
    fn yaml_error_at_end_marks_last_line() {
        let error = parse_document("a: 1\nbad: [1, 2\n").unwrap_err();
        assert_eq!(error.line, Some(2));
        assert!(
            !error.message.contains("at line 3 column"),
            "{}",
            error.message
        );
    }

    #[test]
    fn empty_text_is_absent() {
        assert_eq!(parse_document("  \n").unwrap().value, None);
    }

    #[test]
    fn deep_json_is_an_error() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let error = parse_document(&text).unwrap_err();
        assert!(error.message.contains("recursion"), "{}", error.message);
    }
}
