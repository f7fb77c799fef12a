//! Checks on policy text made before handing it to the regorus parser.
//!
//! regorus 0.14's parse time grows exponentially with the nesting depth of
//! array, object and set literals, and its time limit does not cover
//! parsing, so a policy with deep literals would hang the parsing thread.

use super::{EngineError, ErrorKind, PolicySource, SourceLocation};

/// Deepest nesting of `[` and `{` accepted in policy text. Rule bodies and
/// comprehensions count too, because the scanner does not parse; calls and
/// parentheses do not, because they parse in linear time.
///
/// NOTE: measured with regorus 0.14.1 (optimised build) on a 2-core x86_64
/// machine. Array literals nested 8 deep parse in 7 ms, 12 deep in 100 ms
/// and 16 deep in 2.7 s. Object literals take about twice as long, while
/// nested comprehensions and parentheses stay under 1 ms at depth 16.
pub const MAX_LITERAL_NESTING: usize = 12;

/// Rejects policy text whose bracket nesting is deeper than
/// [`MAX_LITERAL_NESTING`], naming the line where the limit is crossed.
pub fn check_literal_nesting(policy: &PolicySource) -> Result<(), EngineError> {
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut column = 0u32;
    let mut chars = policy.text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        match c {
            '\n' => {
                line += 1;
                column = 0;
            }
            '#' => skip_until(&mut chars, '\n', &mut line, &mut column, false),
            '"' => skip_string(&mut chars, &mut line, &mut column),
            '`' => skip_until(&mut chars, '`', &mut line, &mut column, true),
            '[' | '{' => {
                depth += 1;
                if depth > MAX_LITERAL_NESTING {
                    return Err(nesting_error(policy, line, column));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn nesting_error(policy: &PolicySource, line: u32, column: u32) -> EngineError {
    EngineError::plain(
        ErrorKind::Parse,
        format!(
            "array and object literals are nested more than {MAX_LITERAL_NESTING} deep at line {line}; \
             the policy was not parsed, because the engine's parse time doubles with each level"
        ),
    )
    .with_location(SourceLocation {
        file: policy.path.clone(),
        line,
        column,
    })
    .with_hint("flatten the nested literal, or move deep data into the data document")
}

/// Skips to `end` (consumed). Comments stop before the newline, which the
/// caller still counts; raw strings consume their closing backtick.
fn skip_until(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    end: char,
    line: &mut u32,
    column: &mut u32,
    consume_end: bool,
) {
    while let Some(&c) = chars.peek() {
        if c == end && !consume_end {
            return;
        }
        chars.next();
        *column += 1;
        if c == '\n' {
            *line += 1;
            *column = 0;
        }
        if c == end {
            return;
        }
    }
}

fn skip_string(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    line: &mut u32,
    column: &mut u32,
) {
    while let Some(c) = chars.next() {
        *column += 1;
        match c {
            '\\' => {
                chars.next();
                *column += 1;
            }
            '"' => return,
            '\n' => {
                // An unterminated string: let the parser report it.
                *line += 1;
                *column = 0;
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> PolicySource {
        PolicySource::new("p.rego", text)
    }

    #[test]
    fn ordinary_policy_passes() {
        let text =
            "package p\n\nallow if {\n  some x in [[1, 2], [3, {\"a\": [4]}]]\n  count(x) > 0\n}\n";
        assert!(check_literal_nesting(&policy(text)).is_ok());
    }

    #[test]
    fn deep_literal_names_line() {
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let text = format!("package p\n\nx := {deep}\n");
        let error = check_literal_nesting(&policy(&text)).unwrap_err();
        assert_eq!(error.location.as_ref().map(|l| l.line), Some(3));
        assert!(error.message.contains("line 3"), "{}", error.message);
    }

    #[test]
    fn brackets_in_strings_ignored() {
        let text = format!(
            "package p\n\nx := \"{}\"\n# {}\ny := `{}`\n",
            "[".repeat(50),
            "{".repeat(50),
            "(".repeat(50)
        );
        assert!(check_literal_nesting(&policy(&text)).is_ok());
    }
}
