//! `array.flatten`, `strings.split_n` and `http.send`, which the app refuses.

use regorus::Value;

use super::{BuiltinError, BuiltinFn, BuiltinResult, failed, string_arg, type_error};

pub(super) const BUILTINS: &[(&str, u8, BuiltinFn)] = &[
    ("array.flatten", 1, array_flatten),
    ("strings.split_n", 3, split_n),
    ("http.send", 1, http_send),
];

/// The error for a builtin that would reach the network.
pub(super) fn offline(name: &str) -> BuiltinError {
    BuiltinError::Refused(format!(
        "{name} is turned off: Policy Workshop works offline and makes no network calls; \
         put the response you expect in the input or data document instead"
    ))
}

fn http_send(name: &'static str, _args: &[Value]) -> BuiltinResult {
    Err(offline(name))
}

/// Unpacks the arrays inside `arr` by one level; other items stay as they are.
fn array_flatten(name: &'static str, args: &[Value]) -> BuiltinResult {
    let Value::Array(items) = &args[0] else {
        return Err(type_error(name, 1, "array", &args[0]));
    };
    let mut flat = Vec::with_capacity(items.len());
    for item in items.iter() {
        match item {
            Value::Array(inner) => flat.extend(inner.iter().cloned()),
            other => flat.push(other.clone()),
        }
    }
    Ok(Value::from(flat))
}

/// Splits a string at a delimiter into at most `n` parts, as Go's
/// `strings.SplitN` does: a negative `n` means all parts, zero means none.
// NOTE: OPA 1.20.2 lists strings.split_n in its capabilities; the Go SplitN
// behaviour is assumed here, not checked against OPA.
fn split_n(name: &'static str, args: &[Value]) -> BuiltinResult {
    let text = string_arg(name, args, 0)?;
    let delimiter = string_arg(name, args, 1)?;
    let Value::Number(n) = &args[2] else {
        return Err(type_error(name, 3, "number", &args[2]));
    };
    let n = n
        .as_i64()
        .ok_or_else(|| failed(name, "operand 3 must be an integer"))?;
    let parts: Vec<Value> = match n {
        0 => Vec::new(),
        n if n < 0 => split_all(text, delimiter),
        n => {
            let limit = usize::try_from(n).unwrap_or(usize::MAX);
            if delimiter.is_empty() {
                let mut parts = split_all(text, delimiter);
                if parts.len() > limit {
                    let rest: String = text.chars().skip(limit - 1).collect();
                    parts.truncate(limit - 1);
                    parts.push(Value::from(rest));
                }
                parts
            } else {
                text.splitn(limit, delimiter).map(Value::from).collect()
            }
        }
    };
    Ok(Value::from(parts))
}

/// Splits at every delimiter; an empty delimiter splits into characters.
fn split_all(text: &str, delimiter: &str) -> Vec<Value> {
    if delimiter.is_empty() {
        return text.chars().map(|c| Value::from(c.to_string())).collect();
    }
    text.split(delimiter).map(Value::from).collect()
}
