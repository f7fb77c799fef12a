//! A source pre-pass that rewrites Rego which regorus 0.14.1 rejects or
//! evaluates differently from OPA 1.20.2 into an equivalent form it
//! accepts.
//!
//! Every rewrite keeps the line of every token, so errors, coverage and the
//! trace point at the user's text. Columns stay the same up to the rewritten
//! spot; text inserted on a line can move the rest of that line to the
//! right. The rewrites:
//!
//! - a v0 rule head with several bodies (`p[x] { ... } { ... }`): the head
//!   is repeated before each further body;
//! - a statement on a new line that starts with `(`: a `;` ends the previous
//!   statement, which regorus would otherwise call like a function;
//! - template strings (`$"...{expr}..."`): a call of `__pw_template` that
//!   renders as OPA does, `<undefined>` included;
//! - `not` over a call or a reference whose arguments or brackets hold other
//!   references: those operands are also asserted as `_ = operand`, so an
//!   undefined operand makes the statement undefined, as in OPA;
//! - `rego.metadata.rule()` and `rego.metadata.chain()`: a call of
//!   `__pw_metadata` that returns the `# METADATA` annotations read here.

use serde_json::{Map, Value as Json, json};

/// The name of the extension that renders template strings.
pub const TEMPLATE_FUNCTION: &str = "__pw_template";
/// The name of the extension that returns annotations by index.
pub const METADATA_FUNCTION: &str = "__pw_metadata";

/// A change the pre-pass made, and its place in the user's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    /// 1-based line and column of the construct in the user's text.
    pub line: u32,
    pub column: u32,
    pub kind: RewriteKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RewriteKind {
    /// A further body of a v0 rule, given its own copy of the head.
    SeveralBodies,
    /// A statement that starts with `(`, separated from the one before.
    ParenStatement,
    /// A template string turned into a call.
    TemplateString,
    /// A `not` whose nested operands are now also required to be defined.
    NotOperandsHoisted { operands: Vec<String> },
    /// A `rego.metadata.rule()` or `rego.metadata.chain()` call.
    MetadataCall,
}

impl Rewrite {
    /// Explains the rewrite in a sentence, for the trace.
    pub fn describe(&self) -> String {
        match &self.kind {
            RewriteKind::SeveralBodies => {
                "this body belongs to the rule head above it, as in OPA".to_string()
            }
            RewriteKind::ParenStatement => {
                "this line is its own statement, as in OPA, not a call on the line before"
                    .to_string()
            }
            RewriteKind::TemplateString => {
                "this template string is rendered as OPA does".to_string()
            }
            RewriteKind::NotOperandsHoisted { operands } => format!(
                "OPA evaluates {} before `not`, so this statement is undefined \
                 (it fails) when {} undefined",
                operands
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if operands.len() == 1 {
                    "that is"
                } else {
                    "any of them is"
                }
            ),
            RewriteKind::MetadataCall => {
                "this call returns the rule's # METADATA annotations, read by the app".to_string()
            }
        }
    }
}

/// The outcome of the pre-pass on one policy.
#[derive(Clone, Debug, Default)]
pub struct Prepassed {
    /// The text to give the engine.
    pub text: String,
    pub rewrites: Vec<Rewrite>,
    /// Values that `__pw_metadata(N)` returns, indexed from the `first_index`
    /// given to [`rewrite`].
    pub metadata: Vec<Json>,
}

/// Returns true when the `not` statement at `line` was rewritten, with the
/// reason, so a trace can say why a negation failed where regorus alone
/// would have made it true.
pub fn rewritten_not_at(rewrites: &[Rewrite], line: u32) -> Option<String> {
    rewrites
        .iter()
        .find(|r| r.line == line && matches!(r.kind, RewriteKind::NotOperandsHoisted { .. }))
        .map(Rewrite::describe)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    Str,
    Template,
    Punct,
    Comment,
    Newline,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Splits Rego text into tokens. Unknown characters become one-character
/// punctuation, so the scanner never fails; the engine reports errors.
fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b'\n' => {
                i += 1;
                Kind::Newline
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                Kind::Comment
            }
            b'"' => {
                i = skip_string(bytes, i + 1, b'"');
                Kind::Str
            }
            b'`' => {
                i = skip_string(bytes, i + 1, b'`');
                Kind::Str
            }
            b'$' if matches!(bytes.get(i + 1), Some(b'"') | Some(b'`')) => {
                i = skip_template(bytes, i + 1);
                Kind::Template
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Kind::Ident
            }
            c if c.is_ascii_digit() => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.' || bytes[i] == b'_')
                {
                    i += 1;
                }
                Kind::Number
            }
            _ => {
                // Step over a whole UTF-8 character.
                i += 1;
                while i < bytes.len() && (bytes[i] & 0xC0) == 0x80 {
                    i += 1;
                }
                Kind::Punct
            }
        };
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    tokens
}

/// Returns the index just past the closing quote of a string whose body
/// starts at `i`. Raw strings (backquotes) have no escapes.
fn skip_string(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\n' if quote == b'"' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Returns the index just past a template string whose quote is at `i`.
fn skip_template(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut i = i + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'{' => i = skip_braced(bytes, i),
            b'\n' if quote == b'"' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Returns the index just past the `}` matching the `{` at `i`, stepping
/// over strings inside.
fn skip_braced(bytes: &[u8], i: usize) -> usize {
    let mut depth = 0;
    let mut i = i;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' => {
                i = skip_string(bytes, i + 1, b'"');
                continue;
            }
            b'`' => {
                i = skip_string(bytes, i + 1, b'`');
                continue;
            }
            b'\n' => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// One change to the text: replace `start..end` with `with`.
struct Edit {
    start: usize,
    end: usize,
    with: String,
}

/// The byte offsets where lines start, for turning offsets into positions
/// without rescanning the text.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { starts }
    }

    /// Converts a byte offset into a 1-based line and column (in characters).
    fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&start| start <= offset);
        let line_start = self.starts[line - 1];
        let column = text[line_start..offset].chars().count() as u32 + 1;
        (line as u32, column)
    }
}

const KEYWORDS: &[&str] = &[
    "if", "else", "not", "some", "every", "in", "with", "as", "contains", "package", "import",
    "default", "true", "false", "null",
];

/// Rewrites `text`; `metadata_base` is the index of this policy's first
/// annotation value in the engine-wide table.
pub fn rewrite(text: &str, rego_v0: bool, metadata_base: usize) -> Prepassed {
    let tokens = tokenize(text);
    let lines = LineIndex::new(text);
    let mut edits = Vec::new();
    let mut rewrites = Vec::new();
    let mut metadata = Vec::new();
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| tokens[i].kind != Kind::Comment)
        .collect();
    let slice = |t: &Token| &text[t.start..t.end];

    let package = package_path(text);
    let annotations = read_annotations(text);
    let mut pending_annotation: Option<Json> = None;
    let mut package_annotation: Option<Json> = None;

    // Open brackets: (byte offset, character).
    let mut stack: Vec<(usize, char)> = Vec::new();
    let mut rule_start: Option<usize> = None;
    // The head of the current rule: its text before the first body.
    let mut rule_head: Option<String> = None;
    let mut rule_name = String::new();
    let mut rule_annotation: Option<Json> = None;
    let mut at_line_start = true;

    for (position_in_significant, &index) in significant.iter().enumerate() {
        let token = tokens[index];
        let word = slice(&token);
        let previous = position_in_significant
            .checked_sub(1)
            .map(|p| tokens[significant[p]]);
        let next = significant[position_in_significant + 1..]
            .iter()
            .map(|&n| tokens[n])
            .find(|t| t.kind != Kind::Newline);
        if token.kind == Kind::Newline {
            at_line_start = true;
            continue;
        }
        let line_start = at_line_start;
        at_line_start = false;

        // Annotations attach to the next rule or package.
        if line_start && stack.is_empty() {
            let (line, _) = lines.position(text, token.start);
            if let Some(annotation) = annotations.iter().find(|a| a.next_line == line) {
                pending_annotation = Some(annotation.value.clone());
            }
        }

        if stack.is_empty() && line_start && token.kind == Kind::Ident {
            match word {
                "package" => {
                    package_annotation = pending_annotation.take().map(|mut a| {
                        a.as_object_mut()
                            .map(|o| o.entry("scope").or_insert(json!("package")));
                        a
                    });
                }
                "import" | "else" => {}
                _ => {
                    rule_start = Some(token.start);
                    rule_head = None;
                    rule_name = rule_ref(text, token.start);
                    rule_annotation = pending_annotation.take().map(|mut a| {
                        a.as_object_mut()
                            .map(|o| o.entry("scope").or_insert(json!("rule")));
                        a
                    });
                    if rule_annotation
                        .as_ref()
                        .and_then(|a| a.get("scope"))
                        .and_then(Json::as_str)
                        .is_some_and(|scope| scope == "package" || scope == "subpackages")
                    {
                        package_annotation = rule_annotation.take();
                    }
                }
            }
        }

        match token.kind {
            Kind::Template => {
                edits.push(template_edit(text, &token));
                let (line, column) = lines.position(text, token.start);
                rewrites.push(Rewrite {
                    line,
                    column,
                    kind: RewriteKind::TemplateString,
                });
            }
            Kind::Punct => match word {
                "(" => {
                    if let Some((edit, rewrite)) = paren_statement(
                        text,
                        &lines,
                        &tokens,
                        &significant,
                        position_in_significant,
                        &stack,
                    ) {
                        edits.push(edit);
                        rewrites.push(rewrite);
                    }
                    stack.push((token.start, '('));
                }
                "[" => stack.push((token.start, '[')),
                "{" => {
                    if stack.is_empty()
                        && rule_head.is_none()
                        && let Some(start) = rule_start
                    {
                        let head = text[start..token.start].trim_end();
                        // `p := {...}` opens a value, not a body.
                        if !head.ends_with('=') && !head.contains('\n') {
                            rule_head = Some(head.to_string());
                        }
                    }
                    stack.push((token.start, '{'));
                }
                ")" | "]" => {
                    stack.pop();
                }
                "}" => {
                    stack.pop();
                    if stack.is_empty()
                        && rego_v0
                        && let (Some(next), Some(head)) = (next, &rule_head)
                        && slice(&next) == "{"
                        && !head.is_empty()
                    {
                        edits.push(Edit {
                            start: next.start,
                            end: next.start,
                            with: format!("{head} "),
                        });
                        let (line, column) = lines.position(text, next.start);
                        rewrites.push(Rewrite {
                            line,
                            column,
                            kind: RewriteKind::SeveralBodies,
                        });
                    }
                }
                _ => {}
            },
            Kind::Ident
                if word == "not"
                    && (!stack.is_empty() || previous.is_some_and(|p| slice(&p) == "if")) =>
            {
                if let Some((edit_list, operands)) = hoist_not(
                    text,
                    &tokens,
                    &significant,
                    position_in_significant,
                    previous,
                ) {
                    edits.extend(edit_list);
                    let (line, column) = lines.position(text, token.start);
                    rewrites.push(Rewrite {
                        line,
                        column,
                        kind: RewriteKind::NotOperandsHoisted { operands },
                    });
                }
            }
            Kind::Ident if word == "rego" => {
                let rest = &text[token.start..];
                for (call, is_chain) in [
                    ("rego.metadata.rule()", false),
                    ("rego.metadata.chain()", true),
                ] {
                    if !rest.starts_with(call) {
                        continue;
                    }
                    let value = if is_chain {
                        let mut path: Vec<Json> = package.iter().map(|p| json!(p)).collect();
                        path.extend(rule_name.split('.').map(|p| json!(p)));
                        let mut entry = Map::new();
                        entry.insert("path".into(), Json::Array(path));
                        if let Some(annotation) = &rule_annotation {
                            entry.insert("annotations".into(), annotation.clone());
                        }
                        let mut chain = vec![Json::Object(entry)];
                        if let Some(annotation) = &package_annotation {
                            chain.push(json!({
                                "path": package.iter().map(|p| json!(p)).collect::<Vec<_>>(),
                                "annotations": annotation,
                            }));
                        }
                        Json::Array(chain)
                    } else {
                        rule_annotation.clone().unwrap_or_else(|| json!({}))
                    };
                    // Spaces inside the parentheses keep the call as long as
                    // the original, so what follows on the line stays put.
                    let index = (metadata_base + metadata.len()).to_string();
                    let width = call.len().saturating_sub(METADATA_FUNCTION.len() + 2);
                    let padded = format!("{METADATA_FUNCTION}({index:>width$})");
                    metadata.push(value);
                    edits.push(Edit {
                        start: token.start,
                        end: token.start + call.len(),
                        with: padded,
                    });
                    let (line, column) = lines.position(text, token.start);
                    rewrites.push(Rewrite {
                        line,
                        column,
                        kind: RewriteKind::MetadataCall,
                    });
                }
            }
            _ => {}
        }
    }

    edits.sort_by_key(|edit| (edit.start, edit.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0;
    for edit in &edits {
        if edit.start < cursor {
            continue;
        }
        out.push_str(&text[cursor..edit.start]);
        out.push_str(&edit.with);
        cursor = edit.end;
    }
    out.push_str(&text[cursor..]);
    rewrites.sort_by_key(|r| (r.line, r.column));
    Prepassed {
        text: out,
        rewrites,
        metadata,
    }
}

/// Reads the `package` path as `["data", "a", "b"]`.
fn package_path(text: &str) -> Vec<String> {
    let mut path = vec!["data".to_string()];
    if let Some(query) = super::package_query(text) {
        path.extend(
            query
                .trim_start_matches("data.")
                .split('.')
                .map(str::to_string),
        );
    }
    path
}

/// Reads the dotted name at the start of a rule, such as `deny` or `a.b`.
fn rule_ref(text: &str, start: usize) -> String {
    text[start..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect::<String>()
        .trim_end_matches('.')
        .to_string()
}

/// Returns the edit that adds `;` after the previous statement when a line
/// starts with `(` inside a body and the line before ends with a term.
fn paren_statement(
    text: &str,
    lines: &LineIndex,
    tokens: &[Token],
    significant: &[usize],
    at: usize,
    stack: &[(usize, char)],
) -> Option<(Edit, Rewrite)> {
    if stack.last().map(|(_, c)| *c) != Some('{') || at < 2 {
        return None;
    }
    if tokens[significant[at - 1]].kind != Kind::Newline {
        return None;
    }
    // The last token before the line break(s).
    let previous = significant[..at]
        .iter()
        .rev()
        .map(|&i| tokens[i])
        .find(|t| t.kind != Kind::Newline)?;
    let word = &text[previous.start..previous.end];
    let ends_term = match previous.kind {
        Kind::Ident => !KEYWORDS.contains(&word) || matches!(word, "true" | "false" | "null"),
        Kind::Number | Kind::Str | Kind::Template => true,
        Kind::Punct => matches!(word, ")" | "]" | "}"),
        _ => false,
    };
    if !ends_term || previous.start < stack.last().map_or(0, |(open, _)| *open) {
        return None;
    }
    let edit = Edit {
        start: previous.end,
        end: previous.end,
        with: ";".to_string(),
    };
    let (line, column) = lines.position(text, tokens[significant[at]].start);
    let rewrite = Rewrite {
        line,
        column,
        kind: RewriteKind::ParenStatement,
    };
    Some((edit, rewrite))
}

/// Finds the operands of a `not` expression that OPA evaluates first and
/// returns the edits that assert them after the statement.
fn hoist_not(
    text: &str,
    tokens: &[Token],
    significant: &[usize],
    at: usize,
    previous: Option<Token>,
) -> Option<(Vec<Edit>, Vec<String>)> {
    let mut depth = 0i32;
    let mut operands = Vec::new();
    let mut group_start: Option<usize> = None;
    let mut group_items: Vec<(usize, usize)> = Vec::new();
    let mut item_start = 0;
    let mut end = tokens[significant[at]].end;
    let mut previous_token = tokens[significant[at]];
    for &index in &significant[at + 1..] {
        let token = tokens[index];
        let word = &text[token.start..token.end];
        if depth == 0
            && (token.kind == Kind::Newline || word == ";" || word == "}" || word == "with")
        {
            if word == "with" {
                return None;
            }
            break;
        }
        match word {
            "(" | "[" => {
                let is_call_or_ref = matches!(previous_token.kind, Kind::Ident)
                    || matches!(&text[previous_token.start..previous_token.end], ")" | "]");
                if depth == 0 && is_call_or_ref {
                    group_start = Some(token.end);
                    item_start = token.end;
                    group_items.clear();
                }
                depth += 1;
            }
            "{" => depth += 1,
            "," if depth == 1 && group_start.is_some() => {
                group_items.push((item_start, token.start));
                item_start = token.end;
            }
            ")" | "]" | "}" => {
                depth -= 1;
                if depth == 0 && group_start.take().is_some() {
                    group_items.push((item_start, token.start));
                    for &(a, b) in &group_items {
                        let operand = text[a..b].trim();
                        if needs_hoisting(operand) {
                            operands.push(operand.to_string());
                        }
                    }
                    group_items.clear();
                }
            }
            _ => {}
        }
        end = token.end;
        previous_token = token;
    }
    if operands.is_empty() {
        return None;
    }
    let mut asserted: String = operands.iter().map(|o| format!("; _ = {o}")).collect();
    let mut edits = Vec::new();
    // A braceless `if` body is one expression, so it gets braces.
    if let Some(if_token) = previous.filter(|p| &text[p.start..p.end] == "if") {
        let after = if_token.end;
        let replace_space = matches!(text.as_bytes().get(after), Some(b' ') | Some(b'\t'));
        edits.push(Edit {
            start: after,
            end: if replace_space { after + 1 } else { after },
            with: "{".to_string(),
        });
        asserted.push('}');
    }
    edits.push(Edit {
        start: end,
        end,
        with: asserted,
    });
    Some((edits, operands))
}

/// Returns true for an operand that can be undefined: a reference or a
/// call. Literals and plain variables are always defined once bound.
fn needs_hoisting(operand: &str) -> bool {
    let starts_like_ref = operand
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    let plain_variable = operand.chars().all(|c| c.is_alphanumeric() || c == '_');
    starts_like_ref && !plain_variable && !KEYWORDS.contains(&operand) && !operand.contains(" | ")
}

/// Rewrites one template string into a call of [`TEMPLATE_FUNCTION`] with
/// an array of literal pieces and one-element sets of expression values.
fn template_edit(text: &str, token: &Token) -> Edit {
    let body = &text[token.start + 2..token.end - 1];
    let quote = text.as_bytes()[token.start + 1];
    let bytes = body.as_bytes();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' && bytes.get(i + 1) == Some(&b'{') => {
                literal.push('{');
                i += 2;
            }
            b'\\' if quote == b'"' => {
                literal.push_str(&body[i..(i + 2).min(body.len())]);
                i += 2;
            }
            b'{' => {
                let close = skip_braced(bytes, i);
                let expression = &body[i + 1..close.saturating_sub(1).max(i + 1)];
                parts.push(string_literal(&literal, quote));
                literal.clear();
                parts.push(format!("{{__pw_v | __pw_v := {expression}}}"));
                i = close;
            }
            _ => {
                let c = body[i..].chars().next().unwrap_or(' ');
                literal.push(c);
                i += c.len_utf8();
            }
        }
    }
    parts.push(string_literal(&literal, quote));
    Edit {
        start: token.start,
        end: token.end,
        with: format!("{TEMPLATE_FUNCTION}([{}])", parts.join(", ")),
    }
}

/// A Rego string literal holding `body`, which is already escaped for a
/// `"` string, or raw text from a backquoted template.
fn string_literal(body: &str, quote: u8) -> String {
    if quote == b'"' {
        format!("\"{body}\"")
    } else {
        Json::String(body.to_string()).to_string()
    }
}

/// A `# METADATA` block and the line of the statement after it.
struct Annotation {
    next_line: u32,
    value: Json,
}

/// Reads every `# METADATA` block. Authors and related resources are
/// normalized to objects, as OPA returns them.
// NOTE: the `scope` member that rule() and chain() include, and the
// author/resource shapes, follow OPA's annotation docs; only the h34 case
// (title and custom) was checked against OPA output.
fn read_annotations(text: &str) -> Vec<Annotation> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "# METADATA" {
            i += 1;
            continue;
        }
        let mut yaml = String::new();
        let mut j = i + 1;
        while j < lines.len() && lines[j].starts_with('#') {
            let line = &lines[j][1..];
            yaml.push_str(line.strip_prefix(' ').unwrap_or(line));
            yaml.push('\n');
            j += 1;
        }
        // Skip blank lines and comments up to the statement.
        let mut next = j;
        while next < lines.len()
            && (lines[next].trim().is_empty() || lines[next].trim_start().starts_with('#'))
        {
            next += 1;
        }
        if let Ok(value) = serde_yaml_ng::from_str::<Json>(&yaml) {
            let value = normalize_annotation(if value.is_null() { json!({}) } else { value });
            found.push(Annotation {
                next_line: next as u32 + 1,
                value,
            });
        }
        i = j;
    }
    found
}

fn normalize_annotation(mut value: Json) -> Json {
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    if let Some(Json::Array(authors)) = object.get_mut("authors") {
        for author in authors.iter_mut() {
            if let Json::String(text) = author {
                *author = parse_author(text);
            }
        }
    }
    if let Some(Json::Array(resources)) = object.get_mut("related_resources") {
        for resource in resources.iter_mut() {
            if let Json::String(text) = resource {
                *resource = json!({ "ref": text });
            }
        }
    }
    value
}

/// Splits `Name <email>` into OPA's author object.
fn parse_author(text: &str) -> Json {
    let text = text.trim();
    if let Some(open) = text.rfind('<')
        && text.ends_with('>')
    {
        let name = text[..open].trim();
        let email = &text[open + 1..text.len() - 1];
        let mut author = Map::new();
        if !name.is_empty() {
            author.insert("name".into(), json!(name));
        }
        author.insert("email".into(), json!(email));
        return Json::Object(author);
    }
    json!({ "name": text })
}

#[cfg(test)]
mod tests;
