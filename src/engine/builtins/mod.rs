//! Builtins that OPA 1.20.2 has and regorus 0.14.1 lacks, registered on an
//! engine with `Engine::add_extension`.
//!
//! Each builtin checks its arguments the way OPA does and reports a failure
//! with OPA's wording (`NAME: operand N must be TYPE but got TYPE`). As in
//! OPA, a failed call is undefined unless strict builtin errors are on, in
//! which case it is an error. Calls that would reach the network are always
//! errors: the app works offline.

mod crypto;
mod jwt;
mod misc;
mod net;

use regorus::Value;

/// The reason a builtin call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BuiltinError {
    /// A type or value error: undefined by default, an error in strict mode.
    Failed(String),
    /// A call the app refuses to make (network access): always an error.
    Refused(String),
}

impl BuiltinError {
    fn message(&self) -> &str {
        match self {
            BuiltinError::Failed(message) | BuiltinError::Refused(message) => message,
        }
    }
}

pub(crate) type BuiltinResult = Result<Value, BuiltinError>;

/// A builtin: its name (passed to it for messages), its number of
/// arguments and its body.
pub(crate) type BuiltinFn = fn(&'static str, &[Value]) -> BuiltinResult;

/// Lists all builtins this module supplies, by OPA name.
fn table() -> Vec<(&'static str, u8, BuiltinFn)> {
    let mut all = Vec::new();
    all.extend_from_slice(crypto::BUILTINS);
    all.extend_from_slice(jwt::BUILTINS);
    all.extend_from_slice(net::BUILTINS);
    all.extend_from_slice(misc::BUILTINS);
    all
}

/// Registers every builtin on `engine`. `strict` makes a failed call an
/// error instead of undefined, as `--strict-builtin-errors` does in OPA.
pub(crate) fn install(engine: &mut regorus::Engine, strict: bool) -> anyhow::Result<()> {
    for (name, nargs, body) in table() {
        let extension = move |args: Vec<Value>| -> anyhow::Result<Value> {
            match body(name, &args) {
                Ok(value) => Ok(value),
                Err(BuiltinError::Failed(_)) if !strict => Ok(Value::Undefined),
                Err(error) => Err(anyhow::anyhow!("{}", error.message())),
            }
        };
        engine.add_extension(name.to_string(), nargs, Box::new(extension))?;
    }
    Ok(())
}

/// Registers the functions that the pre-pass calls in place of template
/// strings and `rego.metadata.*`, with `metadata` as the annotation table.
pub(crate) fn install_prepass_functions(
    engine: &mut regorus::Engine,
    metadata: Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    let table: std::sync::Arc<Vec<Value>> =
        std::sync::Arc::new(metadata.into_iter().map(from_json).collect());
    let lookup = move |args: Vec<Value>| -> anyhow::Result<Value> {
        let index = match args.first() {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(u64::MAX),
            _ => u64::MAX,
        };
        usize::try_from(index)
            .ok()
            .and_then(|i| table.get(i))
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("rego.metadata: no annotations recorded for this call"))
    };
    engine.add_extension(
        super::prepass::METADATA_FUNCTION.to_string(),
        1,
        Box::new(lookup),
    )?;
    engine.add_extension(
        super::prepass::TEMPLATE_FUNCTION.to_string(),
        1,
        Box::new(|args: Vec<Value>| render_template(&args[0])),
    )?;
    Ok(())
}

/// Renders the parts of a template string: strings stay as they are, and
/// each expression comes as a set of its values, empty when undefined.
fn render_template(parts: &Value) -> anyhow::Result<Value> {
    let Value::Array(parts) = parts else {
        anyhow::bail!("template string: internal error, parts are not an array");
    };
    let mut out = String::new();
    for part in parts.iter() {
        match part {
            Value::String(text) => out.push_str(text),
            Value::Set(values) => {
                let mut values = values.iter();
                match (values.next(), values.next()) {
                    (None, _) => out.push_str("<undefined>"),
                    (Some(Value::String(text)), None) => out.push_str(text),
                    (Some(value), None) => out.push_str(&rego_text(value)),
                    (Some(_), Some(_)) => {
                        anyhow::bail!("template string: an expression has more than one value")
                    }
                }
            }
            other => out.push_str(&rego_text(other)),
        }
    }
    Ok(Value::from(out))
}

/// Writes a value as Rego source text, as OPA prints values in template
/// strings: JSON with `, ` and `: ` separators, and sets in braces.
// NOTE: only strings and numbers were checked against OPA output (case h35);
// the forms of arrays, objects and sets follow OPA's value printing.
fn rego_text(value: &Value) -> String {
    match value {
        Value::Set(items) => {
            let items: Vec<String> = items.iter().map(rego_text).collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(rego_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(key, item)| format!("{}: {}", rego_text(key), rego_text(item)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Undefined => "<undefined>".to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// OPA's name for the type of a value.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Set(_) => "set",
        Value::Object(_) => "object",
        Value::Undefined => "undefined",
    }
}

/// Builds a type error in OPA's words.
pub(crate) fn type_error(name: &str, position: usize, want: &str, got: &Value) -> BuiltinError {
    BuiltinError::Failed(format!(
        "{name}: operand {position} must be {want} but got {}",
        type_name(got)
    ))
}

/// Any other failure of a builtin, prefixed with its name as OPA does.
pub(crate) fn failed(name: &str, message: impl std::fmt::Display) -> BuiltinError {
    BuiltinError::Failed(format!("{name}: {message}"))
}

/// Returns argument `index` (0-based) as a string, or OPA's type error.
pub(crate) fn string_arg<'a>(
    name: &str,
    args: &'a [Value],
    index: usize,
) -> Result<&'a str, BuiltinError> {
    match args.get(index) {
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(type_error(name, index + 1, "string", other)),
        None => Err(failed(name, "missing argument")),
    }
}

/// Converts an engine value to JSON; sets become arrays.
pub(crate) fn to_json(value: &Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Converts JSON to an engine value.
pub(crate) fn from_json(value: serde_json::Value) -> Value {
    Value::from(value)
}

#[cfg(test)]
mod tests;
