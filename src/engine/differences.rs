//! The engine's name and version, the differences from OPA 1.20.2 that the
//! app does not close, and warnings for the places a policy meets one.

/// The evaluation engine.
pub const ENGINE_NAME: &str = "regorus";
/// The engine version in Cargo.lock; a test checks that the two agree.
pub const ENGINE_VERSION: &str = "0.14.1";
/// The OPA version whose answers the app aims to give.
pub const OPA_VERSION: &str = "1.20.2";

/// A difference from OPA that remains, with the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Difference {
    pub title: &'static str,
    /// What OPA does, what happens here and why.
    pub detail: &'static str,
}

/// The differences that remain.
pub const REMAINING: &[Difference] = &[
    Difference {
        title: "Decimal numbers",
        detail: "OPA computes with exact decimals, so 0.1 + 0.2 == 0.3 is true. regorus 0.14.1 \
                 stores a non-integer as a 64-bit binary float and has no decimal type, so inside \
                 a policy the sum is 0.30000000000000004 and the comparison is false. Results are \
                 printed rounded to 16 significant digits, which shows the sum as 0.3, as OPA \
                 does. Integers stay exact at any size.",
    },
    Difference {
        title: "Very large non-integers",
        detail: "OPA computes 1e400 * 1.5 exactly. Here a product or sum with a non-integer is \
                 a 64-bit float, which ends near 1.8e308, so the evaluation fails with a numeric \
                 overflow error.",
    },
    Difference {
        title: "Number text",
        detail: "OPA prints a number literal as written (1.0, 2.50, 1E-321). Here it is printed \
                 in canonical form (1, 2.5, 0.000…1): the same value in different text.",
    },
    Difference {
        title: "Builtins not supplied",
        detail: "crypto.x509.*, crypto.parse_private_keys, graphql.*, uri.*, rego.parse_module, \
                 strings.render_template, regex.globs_match, io.jwt.verify_eddsa and \
                 providers.aws.sign_req are missing, so a policy that calls one fails with \
                 \"could not find function\". OPA evaluates them.",
    },
    Difference {
        title: "No network",
        detail: "http.send and net.lookup_ip_addr fail with an error: the app works offline. \
                 OPA makes the request.",
    },
    Difference {
        title: "Template strings",
        detail: "A template string is rewritten into a function call before evaluation, so \
                 columns after it on the same line are shifted in error messages.",
    },
];

/// A warning about a place where OPA would give another result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line and column in the policy text.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Builtins with no implementation here, and what OPA does with them.
const MISSING_BUILTINS: &[(&str, &str)] = &[
    (
        "crypto.x509.",
        "OPA parses and verifies X.509 certificates; this engine has no such builtin",
    ),
    (
        "crypto.parse_private_keys",
        "OPA parses the keys; this engine has no such builtin",
    ),
    (
        "graphql.",
        "OPA parses and validates GraphQL; this engine has no such builtin",
    ),
    (
        "uri.",
        "OPA parses the URI; this engine has no such builtin",
    ),
    (
        "rego.parse_module",
        "OPA returns the module's syntax tree; this engine has no such builtin",
    ),
    (
        "strings.render_template",
        "OPA renders the Go template; this engine has no such builtin",
    ),
    (
        "regex.globs_match",
        "OPA compares the patterns; this engine has no such builtin",
    ),
    (
        "io.jwt.verify_eddsa",
        "OPA verifies EdDSA signatures; this engine has no such builtin",
    ),
    (
        "providers.aws.sign_req",
        "OPA signs the request; this engine has no such builtin",
    ),
    (
        "http.send",
        "OPA sends the request; here the call fails because the app works offline",
    ),
    (
        "net.lookup_ip_addr",
        "OPA resolves the name; here the call fails because the app works offline",
    ),
];

/// Finds the places in `text` where OPA would give another result:
/// calls of builtins that are missing or turned off, and arithmetic with
/// non-integer literals.
pub fn warnings(text: &str) -> Vec<Warning> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = strip_comment_and_strings(line);
        for (name, what) in MISSING_BUILTINS {
            let mut from = 0;
            while let Some(at) = code[from..].find(name) {
                let start = from + at;
                from = start + name.len();
                let before = code[..start].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                found.push(Warning {
                    line: index + 1,
                    column: code[..start].chars().count() + 1,
                    message: format!("{}: {what}.", name.trim_end_matches('.')),
                });
            }
        }
        if let Some(column) = float_arithmetic(&code) {
            found.push(Warning {
                line: index + 1,
                column,
                message: "arithmetic on a non-integer: OPA computes exact decimals \
                          (0.1 + 0.2 is 0.3), regorus binary floating point \
                          (0.30000000000000004), so equality tests and the 17th digit can differ."
                    .to_string(),
            });
        }
    }
    found
}

/// Blanks out string contents and the comment, keeping columns.
fn strip_comment_and_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    out.push(c);
                    continue;
                }
                out.push(' ');
            }
            None => {
                if c == '#' {
                    break;
                }
                if c == '"' || c == '`' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// Returns the 1-based column of a non-integer literal on a line that also
/// has an arithmetic operator, such as `0.1 + 0.2` or `price * 1.2`.
fn float_arithmetic(code: &str) -> Option<usize> {
    let chars: Vec<char> = code.chars().collect();
    let has_operator = chars
        .windows(3)
        .any(|w| w[0] == ' ' && matches!(w[1], '+' | '-' | '*' | '/') && w[2] == ' ');
    if !has_operator {
        return None;
    }
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0
                || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == '.'));
        if !starts_number {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let literal: String = chars[start..i].iter().collect();
        if literal.contains('.') && !literal.trim_end_matches('0').ends_with('.') {
            return Some(start + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_version_matches_cargo_lock() {
        let lock = include_str!("../../Cargo.lock");
        let entry = format!("name = \"{ENGINE_NAME}\"\nversion = \"{ENGINE_VERSION}\"");
        assert!(
            lock.contains(&entry),
            "Cargo.lock has another {ENGINE_NAME} version"
        );
    }

    #[test]
    fn warns_at_missing_builtins_and_decimal_arithmetic() {
        let text = "package w\n\nx := http.send({})\ny := 0.1 + 0.2\nz := 2 * 3\nc := uri.parse(\"http.send\") # http.send\n";
        let warnings = warnings(text);
        let places: Vec<(usize, usize)> = warnings.iter().map(|w| (w.line, w.column)).collect();
        assert_eq!(places, vec![(3, 6), (4, 6), (6, 6)]);
        assert!(
            warnings[0].message.contains("works offline"),
            "{}",
            warnings[0].message
        );
        assert!(warnings[1].message.contains("0.30000000000000004"));
    }
}
