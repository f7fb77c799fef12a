//! The result as the result pane shows it: its shape and its text, printed
//! by the worker. A large value is sent as its first lines only, so a
//! result of many megabytes neither crosses the pipe nor is printed or
//! kept by the window on every edit. The whole text is sent when the
//! window requests it.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;

use crate::engine::Evaluation;

/// A value whose printed text is longer than this is sent as a preview.
pub const LARGE_VALUE_BYTES: usize = 256 * 1024;

/// Lines of a large value in its preview.
pub const LARGE_VALUE_LINES: usize = 300;

/// The outermost shape of a value, enough to name its kind in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueShape {
    Undefined,
    False,
    True,
    Null,
    String,
    Number,
    Object { keys: usize },
    Array { items: usize },
}

/// The printed result of one evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultView {
    pub shape: ValueShape,
    /// The value as pretty-printed JSON with object keys sorted: all of
    /// it, or its first [`LARGE_VALUE_LINES`] lines when `complete` is false.
    pub text: String,
    /// Whether `text` contains the whole value.
    pub complete: bool,
    /// Length in bytes of the whole printed value.
    pub total_bytes: usize,
    /// Whether the value contains a number that is not an integer, which the
    /// engine computed in binary floating point.
    pub non_integer: bool,
}

impl ResultView {
    /// Prints the value of `evaluation`: whole when it is small or `whole`
    /// is set, else its first lines.
    pub fn new(evaluation: &Evaluation, whole: bool) -> ResultView {
        let Some(value) = shown_value(evaluation) else {
            return ResultView {
                shape: ValueShape::Undefined,
                text: String::new(),
                complete: true,
                total_bytes: 0,
                non_integer: false,
            };
        };
        let (text, complete) = if whole {
            (pretty(value), true)
        } else {
            preview(value)
        };
        ResultView {
            shape: shape_of(value),
            total_bytes: if complete {
                text.len()
            } else {
                pretty_len(value, 0)
            },
            text,
            complete,
            non_integer: has_non_integer(value),
        }
    }

    /// Shortens a whole text to the preview a large value gets, so the
    /// window does not keep megabytes it only showed once.
    pub fn into_preview(mut self) -> ResultView {
        if self.text.len() <= LARGE_VALUE_BYTES {
            return self;
        }
        let end = preview_end(&self.text);
        self.text.truncate(end);
        self.complete = false;
        self
    }
}

/// Returns the value to show: the expression's value for a plain query,
/// or the whole result list when there are bindings or several results.
fn shown_value(evaluation: &Evaluation) -> Option<&JsonValue> {
    if evaluation.is_undefined() {
        return None;
    }
    let results = &evaluation.results["result"];
    let single = results
        .as_array()
        .is_some_and(|r| r.len() == 1 && r[0].get("bindings").is_none());
    match (single, evaluation.value()) {
        (true, Some(value)) => Some(value),
        _ => Some(results),
    }
}

fn shape_of(value: &JsonValue) -> ValueShape {
    match value {
        JsonValue::Bool(false) => ValueShape::False,
        JsonValue::Bool(true) => ValueShape::True,
        JsonValue::Null => ValueShape::Null,
        JsonValue::String(_) => ValueShape::String,
        JsonValue::Number(_) => ValueShape::Number,
        JsonValue::Object(map) => ValueShape::Object { keys: map.len() },
        JsonValue::Array(items) => ValueShape::Array { items: items.len() },
    }
}

/// Pretty JSON. serde_json's map is ordered by key, so keys come sorted.
fn pretty(value: &JsonValue) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_else(|error| format!("cannot show the value: {error}"))
}

/// Prints `value` until it is done or the preview is full; returns the
/// text and whether it is the whole value.
fn preview(value: &JsonValue) -> (String, bool) {
    let mut writer = Bounded {
        text: Vec::new(),
        // A little more than the limit, so a value just over it is seen to
        // be large.
        limit: LARGE_VALUE_BYTES + 1,
    };
    let complete = serde_json::to_writer_pretty(&mut writer, value).is_ok();
    let text = String::from_utf8_lossy(&writer.text).into_owned();
    if complete && text.len() <= LARGE_VALUE_BYTES {
        return (text, true);
    }
    let end = preview_end(&text);
    (text[..end].to_string(), false)
}

/// Returns the end of the preview of a large `text`: after its first
/// [`LARGE_VALUE_LINES`] lines, at most [`LARGE_VALUE_BYTES`] bytes.
fn preview_end(text: &str) -> usize {
    text_preview_end(text, LARGE_VALUE_LINES, LARGE_VALUE_BYTES)
}

/// Returns the end of the first `lines` lines of `text`, at most `bytes`
/// bytes in and on a character boundary.
pub fn text_preview_end(text: &str, lines: usize, bytes: usize) -> usize {
    let mut end = text
        .match_indices('\n')
        .nth(lines.saturating_sub(1))
        .map_or(text.len(), |(index, _)| index)
        .min(bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// A writer that takes bytes up to a limit and fails after it, which stops
/// serde_json early.
struct Bounded {
    text: Vec<u8>,
    limit: usize,
}

impl Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.text.len());
        if room == 0 {
            return Err(io::Error::other("the preview is full"));
        }
        let accepted = bytes.len().min(room);
        self.text.extend_from_slice(&bytes[..accepted]);
        Ok(accepted)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Length of `value` printed by `serde_json::to_string_pretty` when it
/// starts at nesting `depth`, counted without printing it.
fn pretty_len(value: &JsonValue, depth: usize) -> usize {
    // Each member is on its own line: a newline, indentation, the member,
    // and a comma after all but the last.
    let members = |count: usize| count * (1 + 2 * (depth + 1)) + count.saturating_sub(1);
    match value {
        JsonValue::Null => 4,
        JsonValue::Bool(true) => 4,
        JsonValue::Bool(false) => 5,
        JsonValue::Number(number) => number.as_str().len(),
        JsonValue::String(text) => escaped_len(text),
        JsonValue::Array(items) if items.is_empty() => 2,
        JsonValue::Object(map) if map.is_empty() => 2,
        JsonValue::Array(items) => {
            let inner: usize = items.iter().map(|item| pretty_len(item, depth + 1)).sum();
            // Brackets, then the closing bracket on a line of its own.
            2 + members(items.len()) + inner + 1 + 2 * depth
        }
        JsonValue::Object(map) => {
            let inner: usize = map
                .iter()
                .map(|(key, item)| escaped_len(key) + 2 + pretty_len(item, depth + 1))
                .sum();
            2 + members(map.len()) + inner + 1 + 2 * depth
        }
    }
}

/// Length of `text` as a JSON string literal, quotes included.
fn escaped_len(text: &str) -> usize {
    2 + text
        .bytes()
        .map(|byte| match byte {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// Returns true when `value` contains a number that is not an integer,
/// which regorus stores as a binary float.
pub fn has_non_integer(value: &JsonValue) -> bool {
    match value {
        JsonValue::Number(number) => {
            let text = number.as_str();
            text.contains(['.', 'e', 'E'])
                && text
                    .parse::<f64>()
                    .is_ok_and(|f| f.is_finite() && f.fract() != 0.0)
        }
        JsonValue::Array(items) => items.iter().any(has_non_integer),
        JsonValue::Object(fields) => fields.values().any(has_non_integer),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn evaluation(value: JsonValue) -> Evaluation {
        Evaluation {
            results: json!({"result": [{"expressions": [{"value": value, "text": "x"}]}]}),
            prints: Vec::new(),
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn non_integers_found() {
        assert!(has_non_integer(&json!({"a": [1, 0.5]})));
        assert!(!has_non_integer(&json!({"a": [1, 2], "b": "0.5"})));
        let huge: JsonValue = serde_json::from_str("123456789012345678901234567890").unwrap();
        assert!(!has_non_integer(&huge));
        let beyond_f64: JsonValue = serde_json::from_str("1e400").unwrap();
        assert!(!has_non_integer(&beyond_f64));
    }

    #[test]
    fn counted_length_matches_printed_length() {
        let value = json!({
            "b": [1, 2.5, "x\"y\n", {"nested": [], "empty": {}}],
            "a": {"deep": {"deeper": [true, false, null]}},
            "c": "tab\there \u{1} é",
        });
        assert_eq!(pretty_len(&value, 0), pretty(&value).len());
        assert_eq!(pretty_len(&json!([]), 0), 2);
        assert_eq!(pretty_len(&json!("plain"), 0), 7);
    }

    #[test]
    fn small_value_sent_whole() {
        let view = ResultView::new(&evaluation(json!({"deny": ["a"], "allow": false})), false);
        assert!(view.complete);
        assert_eq!(view.shape, ValueShape::Object { keys: 2 });
        assert_eq!(view.text, pretty(&json!({"allow": false, "deny": ["a"]})));
        assert_eq!(view.total_bytes, view.text.len());
    }

    #[test]
    fn large_value_sent_as_preview() {
        let items: Vec<JsonValue> = (0..20_000)
            .map(|index| json!({"address": format!("aws_s3_bucket.b{index}"), "index": index}))
            .collect();
        let value = json!({"changes": items});
        let whole = pretty(&value);
        let view = ResultView::new(&evaluation(value.clone()), false);
        assert!(!view.complete);
        assert_eq!(view.shape, ValueShape::Object { keys: 1 });
        assert_eq!(view.text.lines().count(), LARGE_VALUE_LINES);
        assert!(whole.starts_with(&view.text));
        assert_eq!(view.total_bytes, whole.len());

        let requested = ResultView::new(&evaluation(value), true);
        assert!(requested.complete);
        assert_eq!(requested.text, whole);
        assert_eq!(requested.into_preview(), view);
    }

    #[test]
    fn undefined_has_no_text() {
        let undefined = Evaluation {
            results: json!({}),
            prints: Vec::new(),
            elapsed: std::time::Duration::ZERO,
        };
        let view = ResultView::new(&undefined, false);
        assert_eq!(view.shape, ValueShape::Undefined);
        assert!(view.text.is_empty());
    }
}
