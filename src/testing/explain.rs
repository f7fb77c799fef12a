//! Finding the statement of a failing test's body that did not hold.
//!
//! regorus has no tracer, so each prefix of the body is evaluated as a
//! probe rule in the test's package: the first prefix with no result ends
//! with the statement that failed.

use crate::engine::{EngineValue, EvalOptions, PolicySource, PreparedEngine};

use super::TestCase;

/// The statement where a failing test stopped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FailedStatement {
    /// 1-based line of the statement in the test file.
    pub line: u32,
    pub text: String,
    /// The operands of the statement (both sides of a comparison, or the
    /// expression itself) with the values they had, as compact JSON or
    /// `undefined`.
    pub values: Vec<(String, String)>,
    /// Why the statement fails in OPA's way where regorus alone would have
    /// held it, such as a `not` over an undefined operand.
    #[serde(default)]
    pub note: Option<String>,
}

/// Name of the probe rules; chosen so that it cannot clash with user rules.
const PROBE: &str = "__policy_workshop_probe";

/// Returns the first statement of `case`'s body that fails, or `None`
/// when the body cannot be split (one-line bodies with `;`, `else`
/// chains) or every prefix holds.
pub fn failed_statement(
    case: &TestCase,
    policies: &[PolicySource],
    data: Option<&EngineValue>,
    options: &EvalOptions,
) -> Option<FailedStatement> {
    let file = policies.iter().find(|p| p.path == case.file)?;
    let statements = body_statements(&file.text, case.line)?;
    let header = module_header(&file.text);
    let mut probes = header.clone();
    for (index, _) in statements.iter().enumerate() {
        let body: Vec<&str> = statements[..=index]
            .iter()
            .map(|(_, text)| text.as_str())
            .collect();
        // Rego v0 has no `if` unless the file imports it.
        let keyword = if options.rego_v0 { "" } else { " if" };
        probes.push_str(&format!(
            "\n{PROBE}_{index}{keyword} {{\n{}\n}}\n",
            body.join("\n")
        ));
    }
    let mut sources = policies.to_vec();
    sources.push(PolicySource::new("policy-workshop-probe.rego", probes));
    let engine = PreparedEngine::new(&sources, data, options).ok()?;
    for (index, (line, text)) in statements.iter().enumerate() {
        let query = format!("{}.{PROBE}_{index}", case.package);
        let holds = engine
            .evaluate(None, &query)
            .is_ok_and(|e| !e.is_undefined());
        if !holds {
            let values = operand_values(
                case,
                &statements[..index],
                text,
                &header,
                &sources,
                data,
                options,
            );
            let rewrites = crate::engine::prepass::rewrite(&file.text, options.rego_v0, 0).rewrites;
            return Some(FailedStatement {
                line: *line,
                text: text.clone(),
                values,
                note: crate::engine::prepass::rewritten_not_at(&rewrites, *line),
            });
        }
    }
    None
}

/// Maximum length, in characters, of an operand value shown.
const MAX_VALUE_CHARS: usize = 200;

/// Evaluates the operands of a failed statement after the statements
/// before it, keeping its `with` clause so mocks still apply.
fn operand_values(
    case: &TestCase,
    before: &[(u32, String)],
    statement: &str,
    header: &str,
    sources: &[PolicySource],
    data: Option<&EngineValue>,
    options: &EvalOptions,
) -> Vec<(String, String)> {
    let (expression, with_clause) = split_top_level(statement, " with ")
        .map_or((statement, ""), |(expression, rest)| (expression, rest));
    let with_clause = if with_clause.is_empty() {
        String::new()
    } else {
        format!(" with {with_clause}")
    };
    let expression = expression
        .trim()
        .strip_prefix("not ")
        .unwrap_or(expression.trim());
    let operands: Vec<&str> = ["==", "!=", "<=", ">=", "<", ">"]
        .iter()
        .find_map(|operator| split_top_level(expression, &format!(" {operator} ")))
        .map_or_else(
            || vec![expression],
            |(left, right)| vec![left.trim(), right.trim()],
        );

    let prefix: Vec<&str> = before.iter().map(|(_, text)| text.as_str()).collect();
    let mut probes = header.to_string();
    for (index, operand) in operands.iter().enumerate() {
        let mut body = prefix.clone();
        let binding = format!("__policy_workshop_value := {operand}{with_clause}");
        body.push(&binding);
        let keyword = if options.rego_v0 { "" } else { " if" };
        probes.push_str(&format!(
            "\n{PROBE}_value_{index} := __policy_workshop_value{keyword} {{\n{}\n}}\n",
            body.join("\n")
        ));
    }
    let mut with_probes = sources.to_vec();
    with_probes.push(PolicySource::new("policy-workshop-values.rego", probes));
    let Ok(engine) = PreparedEngine::new(&with_probes, data, options) else {
        return Vec::new();
    };
    operands
        .iter()
        .enumerate()
        .map(|(index, operand)| {
            let query = format!("{}.{PROBE}_value_{index}", case.package);
            let value = match engine.evaluate(None, &query) {
                Ok(evaluation) => evaluation
                    .value()
                    .map_or_else(|| "undefined".to_string(), |v| truncate(&v.to_string())),
                Err(error) => format!("error: {}", error.message),
            };
            (operand.to_string(), value)
        })
        .collect()
}

/// Splits `text` at the first `separator` outside brackets and strings.
fn split_top_level<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let mut depth = 0i32;
    let mut in_string = false;
    for (index, c) in text.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '[' | '{' | '(' if !in_string => depth += 1,
            ']' | '}' | ')' if !in_string => depth -= 1,
            _ if depth == 0 && !in_string && text[index..].starts_with(separator) => {
                return Some((&text[..index], &text[index + separator.len()..]));
            }
            _ => {}
        }
    }
    None
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_string(),
    }
}

/// Copies the `package` and `import` lines of a module.
fn module_header(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let line = line.trim_start();
            line.starts_with("package ") || line.starts_with("import ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits the body of the rule whose head is on `head_line` into
/// statements with their lines. Handles `name if { ... }` over several
/// lines and `name if statement` on one line.
fn body_statements(text: &str, head_line: u32) -> Option<Vec<(u32, String)>> {
    let lines: Vec<&str> = text.lines().collect();
    let head = *lines.get(head_line as usize - 1)?;
    let after_if = head.split_once(" if ").map(|(_, rest)| rest.trim());
    let opens_block = head.trim_end().ends_with('{');
    if !opens_block {
        let statement = after_if?;
        if statement.contains(';') {
            return None;
        }
        return Some(vec![(head_line, statement.to_string())]);
    }
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (offset, line) in lines.iter().enumerate().skip(head_line as usize) {
        let code = line.split('#').next().unwrap_or_default().trim();
        if depth == 0 && code == "}" {
            return Some(statements);
        }
        if code.is_empty() {
            continue;
        }
        // A line starting with `with` continues the statement before it.
        if code.starts_with("with ")
            && let Some((_, previous)) = statements.last_mut()
            && current.is_empty()
        {
            previous.push('\n');
            previous.push_str(code);
            continue;
        }
        if current.is_empty() {
            start = offset as u32 + 1;
        } else {
            current.push('\n');
        }
        current.push_str(code);
        depth += code.matches(['[', '{', '(']).count() as i32
            - code.matches([']', '}', ')']).count() as i32;
        if depth <= 0 {
            depth = 0;
            statements.push((start, std::mem::take(&mut current)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_body_split() {
        let text =
            "package p\n\ntest_x if {\n\tx := 1\n\ty := {\n\t\t\"a\": 1,\n\t}\n\tx == 2\n}\n";
        let statements = body_statements(text, 3).unwrap();
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[1].0, 5);
        assert_eq!(statements[2], (8, "x == 2".to_string()));
    }

    #[test]
    fn with_line_continues_statement() {
        let text =
            "package p\n\ntest_x if {\n\tnot allow with input as {}\n\t\twith data.max as 1\n}\n";
        let statements = body_statements(text, 3).unwrap();
        assert_eq!(statements.len(), 1);
        assert!(
            statements[0].1.ends_with("with data.max as 1"),
            "{:?}",
            statements
        );
    }

    #[test]
    fn one_line_body() {
        let statements = body_statements("package p\n\ntest_x if 1 == 2\n", 3).unwrap();
        assert_eq!(statements, [(3, "1 == 2".to_string())]);
    }

    #[test]
    fn failing_statement_found() {
        let policy = PolicySource::new("p.rego", "package p\n\nallow if input.role == \"admin\"\n");
        let suite = PolicySource::new(
            "p_test.rego",
            "package p\n\ntest_guest if {\n\tuser := {\"role\": \"guest\"}\n\tallow with input as user\n}\n",
        );
        let case = TestCase {
            package: "data.p".to_string(),
            name: "test_guest".to_string(),
            file: "p_test.rego".to_string(),
            line: 3,
            skipped: false,
        };
        let failed =
            failed_statement(&case, &[policy, suite], None, &EvalOptions::default()).unwrap();
        assert_eq!(failed.line, 5);
        assert_eq!(failed.text, "allow with input as user");
        assert_eq!(
            failed.values,
            [("allow".to_string(), "undefined".to_string())]
        );
    }

    #[test]
    fn comparison_operands_shown() {
        let policy = PolicySource::new("p.rego", "package p\n\nlimit := input.n * 2\n");
        let suite = PolicySource::new(
            "p_test.rego",
            "package p\n\ntest_limit if {\n\tlimit == 7 with input as {\"n\": 3}\n}\n",
        );
        let case = TestCase {
            package: "data.p".to_string(),
            name: "test_limit".to_string(),
            file: "p_test.rego".to_string(),
            line: 3,
            skipped: false,
        };
        let failed =
            failed_statement(&case, &[policy, suite], None, &EvalOptions::default()).unwrap();
        assert_eq!(
            failed.values,
            [
                ("limit".to_string(), "6".to_string()),
                ("7".to_string(), "7".to_string())
            ]
        );
    }
}
