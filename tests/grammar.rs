//! Tests for the Rego syntax definition in `assets/rego.sublime-syntax`.
//!
//! Each test parses a Rego snippet with syntect and checks the scope stack of
//! single tokens in it.

use std::sync::OnceLock;

use syntect::highlighting::{Highlighter, ThemeSet};
use syntect::parsing::{
    ParseState, Scope, ScopeStack, SyntaxDefinition, SyntaxSet, SyntaxSetBuilder,
};
use syntect::util::LinesWithEndings;

const SYNTAX_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/rego.sublime-syntax");

fn load_definition() -> SyntaxDefinition {
    let text = std::fs::read_to_string(SYNTAX_PATH)
        .unwrap_or_else(|err| panic!("failed to read {SYNTAX_PATH}: {err}"));
    SyntaxDefinition::load_from_str(&text, true, None)
        .unwrap_or_else(|err| panic!("invalid syntax definition {SYNTAX_PATH}: {err}"))
}

/// Returns a syntax set with only the Rego syntax, built once per test binary.
fn rego_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut builder = SyntaxSetBuilder::new();
        builder.add(load_definition());
        builder.build()
    })
}

/// A parsed snippet with the scope stack that applies to each byte.
struct Snippet {
    source: String,
    stacks: Vec<ScopeStack>,
}

impl Snippet {
    /// Parses `source` line by line with the newline included, the mode of
    /// `SyntaxSet::load_defaults_newlines` that the app uses.
    fn parse(source: &str) -> Snippet {
        let set = rego_set();
        let syntax = set
            .find_syntax_by_name("Rego")
            .expect("syntax named Rego not found in the set");
        let mut state = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut stacks = Vec::with_capacity(source.len());

        for line in LinesWithEndings::from(source) {
            let ops = state
                .parse_line(line, set)
                .unwrap_or_else(|err| panic!("parsing failed on line {line:?}: {err}"));
            let mut position = 0;
            for (offset, op) in ops {
                while position < offset {
                    stacks.push(stack.clone());
                    position += 1;
                }
                stack
                    .apply(&op)
                    .unwrap_or_else(|err| panic!("invalid scope operation on {line:?}: {err:?}"));
            }
            while position < line.len() {
                stacks.push(stack.clone());
                position += 1;
            }
        }

        Snippet {
            source: source.to_owned(),
            stacks,
        }
    }

    /// Returns the byte range of occurrence `nth` (counting from 0) of `token`.
    ///
    /// A token made only of identifier characters matches whole words, so
    /// `in` does not match inside `contains` or `input`. Other tokens match
    /// anywhere.
    fn find(&self, token: &str, nth: usize) -> std::ops::Range<usize> {
        let is_word = token.chars().all(is_identifier_char);
        let start = self
            .source
            .match_indices(token)
            .filter(|(start, _)| !is_word || self.is_whole_word(*start, token.len()))
            .nth(nth)
            .unwrap_or_else(|| panic!("token {token:?} occurrence {nth} not found in snippet"))
            .0;
        start..start + token.len()
    }

    fn is_whole_word(&self, start: usize, len: usize) -> bool {
        let before = self.source[..start].chars().next_back();
        let after = self.source[start + len..].chars().next();
        !before.is_some_and(is_identifier_char) && !after.is_some_and(is_identifier_char)
    }

    /// Returns the distinct scope stacks over occurrence `nth` of `token`.
    fn stacks_of(&self, token: &str, nth: usize) -> Vec<&ScopeStack> {
        let mut distinct: Vec<&ScopeStack> = Vec::new();
        for stack in &self.stacks[self.find(token, nth)] {
            if !distinct.contains(&stack) {
                distinct.push(stack);
            }
        }
        distinct
    }

    /// Reports whether every byte of the token has a scope that `expected` is a prefix of.
    fn has_scope(&self, token: &str, nth: usize, expected: &str) -> bool {
        let expected = Scope::new(expected).expect("invalid scope in test");
        self.stacks_of(token, nth).iter().all(|stack| {
            stack
                .as_slice()
                .iter()
                .any(|scope| expected.is_prefix_of(*scope))
        })
    }

    /// Reports whether no byte of the token has a scope that `unexpected` is a prefix of.
    fn lacks_scope(&self, token: &str, nth: usize, unexpected: &str) -> bool {
        let unexpected = Scope::new(unexpected).expect("invalid scope in test");
        self.stacks_of(token, nth).iter().all(|stack| {
            !stack
                .as_slice()
                .iter()
                .any(|scope| unexpected.is_prefix_of(*scope))
        })
    }

    /// Formats the scope stacks of a token for failure messages.
    fn describe(&self, token: &str, nth: usize) -> String {
        let stacks: Vec<String> = self
            .stacks_of(token, nth)
            .iter()
            .map(|stack| format!("[{stack}]"))
            .collect();
        format!(
            "token {token:?} (occurrence {nth}) has scopes {}",
            stacks.join(" then ")
        )
    }
}

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

#[track_caller]
fn assert_scope(snippet: &Snippet, token: &str, expected: &str) {
    assert_nth_scope(snippet, token, 0, expected);
}

#[track_caller]
fn assert_nth_scope(snippet: &Snippet, token: &str, nth: usize, expected: &str) {
    assert!(
        snippet.has_scope(token, nth, expected),
        "expected {expected}: {}",
        snippet.describe(token, nth)
    );
}

#[track_caller]
fn assert_no_scope(snippet: &Snippet, token: &str, unexpected: &str) {
    assert_nth_no_scope(snippet, token, 0, unexpected);
}

#[track_caller]
fn assert_nth_no_scope(snippet: &Snippet, token: &str, nth: usize, unexpected: &str) {
    assert!(
        snippet.lacks_scope(token, nth, unexpected),
        "expected no {unexpected}: {}",
        snippet.describe(token, nth)
    );
}

// Loading and registration

#[test]
fn definition_loads() {
    let definition = load_definition();

    assert_eq!(definition.name, "Rego");
    assert_eq!(definition.scope, Scope::new("source.rego").unwrap());
    assert_eq!(definition.file_extensions, vec!["rego".to_owned()]);
}

#[test]
fn defaults_plus_rego_find_extension() {
    let mut builder = SyntaxSet::load_defaults_newlines().into_builder();
    builder.add(load_definition());
    let set = builder.build();

    let syntax = set.find_syntax_by_extension("rego");

    assert!(syntax.is_some(), "no syntax found for extension rego");
    assert_eq!(syntax.unwrap().name, "Rego");
}

#[test]
fn defaults_plus_rego_parse_file() {
    let mut builder = SyntaxSet::load_defaults_newlines().into_builder();
    builder.add(load_definition());
    let set = builder.build();
    let syntax = set
        .find_syntax_by_extension("rego")
        .expect("no syntax found for extension rego");
    let mut state = ParseState::new(syntax);

    for line in LinesWithEndings::from("package a\n\nallow if input.x == 1 # ok\n") {
        let result = state.parse_line(line, &set);
        assert!(result.is_ok(), "line {line:?} failed: {result:?}");
    }
}

// Comments

#[test]
fn comment_whole_line() {
    let snippet = Snippet::parse("# Allow admins.\nallow if input.admin\n");

    assert_scope(&snippet, "# Allow admins.", "comment.line.number-sign.rego");
    assert_scope(&snippet, "#", "punctuation.definition.comment.rego");
    assert_no_scope(&snippet, "allow", "comment");
}

#[test]
fn comment_after_code() {
    let snippet = Snippet::parse("allow if input.admin # trusted\n");

    assert_scope(&snippet, "# trusted", "comment.line.number-sign.rego");
    assert_no_scope(&snippet, "input", "comment");
}

#[test]
fn comment_containing_string() {
    let snippet = Snippet::parse("# Returns \"denied\" here.\nx := 1\n");

    assert_scope(&snippet, "\"denied\"", "comment.line.number-sign.rego");
    assert_no_scope(&snippet, "\"denied\"", "string");
    assert_no_scope(&snippet, "x", "comment");
}

#[test]
fn comment_at_end_without_newline() {
    let snippet = Snippet::parse("allow := true # last");

    assert_scope(&snippet, "# last", "comment.line.number-sign.rego");
}

// Keywords and constants

#[test]
fn keywords_package_import() {
    let snippet = Snippet::parse("package example\n\nimport data.lib\n");

    assert_scope(&snippet, "package", "keyword.other.package.rego");
    assert_scope(&snippet, "import", "keyword.other.import.rego");
}

#[test]
fn keywords_v1_rule() {
    let source = "\
deny contains msg if {
\tsome user in input.users
\tnot user.active
\tevery role in user.roles {
\t\trole != \"admin\"
\t}
\tmsg := sprintf(\"%s is inactive\", [user.name])
}
";
    let snippet = Snippet::parse(source);

    for keyword in ["contains", "if", "some", "in", "not", "every"] {
        assert_scope(&snippet, keyword, "keyword.control.rego");
    }
}

#[test]
fn keywords_default_else() {
    let source = "\
default allow := false

authz := \"admin\" if {
\tinput.role == \"admin\"
} else := \"guest\"
";
    let snippet = Snippet::parse(source);

    assert_scope(&snippet, "default", "keyword.control.default.rego");
    assert_scope(&snippet, "else", "keyword.control.rego");
}

#[test]
fn keywords_with_as() {
    let snippet = Snippet::parse("test_allow if {\n\tallow with input as {\"admin\": true}\n}\n");

    assert_scope(&snippet, "with", "keyword.control.rego");
    assert_scope(&snippet, "as", "keyword.control.rego");
}

#[test]
fn keywords_inside_identifiers() {
    let snippet = Snippet::parse("p if {\n\tinner := notify\n\tindex := 1\n}\n");

    assert_no_scope(&snippet, "inner", "keyword");
    assert_no_scope(&snippet, "notify", "keyword");
    assert_no_scope(&snippet, "index", "keyword");
}

#[test]
fn constants_true_false_null() {
    let snippet = Snippet::parse("x := [true, false, null]\n");

    assert_scope(&snippet, "true", "constant.language.boolean.rego");
    assert_scope(&snippet, "false", "constant.language.boolean.rego");
    assert_scope(&snippet, "null", "constant.language.null.rego");
}

#[test]
fn import_rego_v1() {
    let snippet = Snippet::parse("package a\n\nimport rego.v1\n");

    assert_scope(&snippet, "rego.v1", "keyword.other.rego-v1.rego");
}

#[test]
fn import_future_keywords() {
    let snippet = Snippet::parse("import future.keywords.if\nimport future.keywords\n");

    assert_nth_scope(
        &snippet,
        "future.keywords.if",
        0,
        "keyword.other.future-keywords.rego",
    );
    assert_nth_scope(
        &snippet,
        "future.keywords",
        1,
        "keyword.other.future-keywords.rego",
    );
}

#[test]
fn import_data_alias() {
    let snippet = Snippet::parse("import data.lib.helpers as h # shared\n");

    assert_scope(&snippet, "data", "variable.language.rego");
    assert_scope(&snippet, "as", "keyword.control.as.rego");
    assert_scope(&snippet, "h ", "meta.import.rego");
    assert_scope(&snippet, "h", "entity.name.namespace.rego");
    assert_scope(&snippet, "# shared", "comment.line.number-sign.rego");
    assert_no_scope(&snippet, "# shared", "meta.import.rego");
}

// Package path

#[test]
fn package_path_namespace() {
    let snippet = Snippet::parse("package kubernetes.admission # main\n\nallow := true\n");

    assert_scope(
        &snippet,
        "kubernetes.admission",
        "entity.name.namespace.rego",
    );
    assert_no_scope(&snippet, "# main", "entity.name.namespace");
    assert_no_scope(&snippet, "allow", "entity.name.namespace");
}

// Strings

#[test]
fn string_double_quoted() {
    let snippet = Snippet::parse("msg := \"access denied\"\n");

    assert_scope(&snippet, "\"access denied\"", "string.quoted.double.rego");
    assert_scope(&snippet, "\"", "punctuation.definition.string.begin.rego");
    assert_no_scope(&snippet, "msg", "string");
}

#[test]
fn string_escapes() {
    let snippet = Snippet::parse("s := \"tab\\tquote\\\" \\u00e9 end\"\n");

    assert_scope(&snippet, "\\t", "constant.character.escape.rego");
    assert_scope(&snippet, "\\\"", "constant.character.escape.rego");
    assert_scope(&snippet, "\\u00e9", "constant.character.escape.rego");
    assert_scope(&snippet, " end", "string.quoted.double.rego");
}

#[test]
fn string_unknown_escape() {
    let snippet = Snippet::parse("s := \"bad \\q escape\"\n");

    assert_scope(&snippet, "\\q", "invalid.illegal");
}

#[test]
fn string_containing_hash() {
    let snippet = Snippet::parse("tag := \"#release\" # note\ncount_ok := 1\n");

    assert_scope(&snippet, "\"#release\"", "string.quoted.double.rego");
    assert_no_scope(&snippet, "#release", "comment");
    assert_scope(&snippet, "# note", "comment.line.number-sign.rego");
    assert_no_scope(&snippet, "count_ok", "string");
}

#[test]
fn string_unterminated_ends_at_line() {
    let snippet = Snippet::parse("s := \"open\nallow := true\n");

    assert_no_scope(&snippet, "allow", "string");
    assert_scope(&snippet, "allow", "entity.name.function.rego");
}

#[test]
fn raw_string_one_line() {
    let snippet = Snippet::parse("pattern := `^\\d+$`\n");

    assert_scope(&snippet, "`^\\d+$`", "string.quoted.other.raw.rego");
    assert_no_scope(&snippet, "\\d", "constant.character.escape");
}

#[test]
fn raw_string_two_lines() {
    let source = "query := `first line\nsecond \"line\"` # end\nallow := true\n";
    let snippet = Snippet::parse(source);

    assert_scope(&snippet, "first line", "string.quoted.other.raw.rego");
    assert_scope(&snippet, "second \"line\"`", "string.quoted.other.raw.rego");
    assert_no_scope(&snippet, "\"line\"", "string.quoted.double");
    assert_scope(&snippet, "# end", "comment.line.number-sign.rego");
    assert_no_scope(&snippet, "allow", "string");
    assert_scope(&snippet, "allow", "entity.name.function.rego");
}

#[test]
fn template_string_literal_part() {
    let snippet = Snippet::parse("msg := $\"user {input.user} denied\"\n");

    assert_scope(&snippet, "$\"", "punctuation.definition.string.begin.rego");
    assert_scope(&snippet, "user ", "string.quoted.double.template.rego");
    assert_scope(&snippet, " denied\"", "string.quoted.double.template.rego");
}

#[test]
fn template_string_expression() {
    let snippet = Snippet::parse("msg := $\"user {input.user} denied\"\n");

    assert_scope(
        &snippet,
        "{",
        "punctuation.section.interpolation.begin.rego",
    );
    assert_scope(&snippet, "}", "punctuation.section.interpolation.end.rego");
    assert_scope(&snippet, "input", "meta.interpolation.rego");
    assert_scope(&snippet, "input", "variable.language.rego");
    assert_no_scope(&snippet, "input", "string");
    assert_no_scope(&snippet, ".user", "string");
}

#[test]
fn template_string_nested_call() {
    let source = "msg := $\"{count({\"a\": 1})} items, \\{literal}\"\n";
    let snippet = Snippet::parse(source);

    assert_scope(&snippet, "count", "support.function.builtin.rego");
    assert_scope(&snippet, "\"a\"", "string.quoted.double.rego");
    assert_scope(&snippet, " items", "string.quoted.double.template.rego");
    assert_scope(&snippet, "\\{", "constant.character.escape.rego");
    assert_scope(&snippet, "literal}", "string.quoted.double.template.rego");
}

#[test]
fn template_string_unclosed_expression() {
    let snippet = Snippet::parse("msg := $\"user {input.user\nallow := true\n");

    assert_no_scope(&snippet, "allow", "string");
    assert_no_scope(&snippet, "allow", "meta.interpolation");
    assert_scope(&snippet, "allow", "entity.name.function.rego");
}

#[test]
fn template_string_raw() {
    let snippet = Snippet::parse("msg := $`path {input.path}\nnext`\nallow := true\n");

    assert_scope(&snippet, "path ", "string.quoted.other.raw.template.rego");
    assert_scope(&snippet, "input", "variable.language.rego");
    assert_scope(&snippet, "next", "string.quoted.other.raw.template.rego");
    assert_no_scope(&snippet, "allow", "string");
}

// Numbers

#[test]
fn number_integer() {
    let snippet = Snippet::parse("max_items := 42\n");

    assert_scope(&snippet, "42", "constant.numeric.integer.rego");
}

#[test]
fn number_float_exponent() {
    let snippet = Snippet::parse("limit := 1.5e3\nratio := 0.25\nsmall := 2E-4\n");

    assert_scope(&snippet, "1.5e3", "constant.numeric.float.rego");
    assert_scope(&snippet, "0.25", "constant.numeric.float.rego");
    assert_scope(&snippet, "2E-4", "constant.numeric.float.rego");
}

#[test]
fn number_negative() {
    let snippet = Snippet::parse("offset := -3\n");

    assert_scope(&snippet, "-", "keyword.operator.arithmetic.rego");
    assert_no_scope(&snippet, "-", "constant.numeric");
    assert_scope(&snippet, "3", "constant.numeric.integer.rego");
}

#[test]
fn number_inside_identifier() {
    let snippet = Snippet::parse("p if {\n\tsha256 := input.v2\n}\n");

    assert_no_scope(&snippet, "sha256", "constant.numeric");
    assert_no_scope(&snippet, "v2", "constant.numeric");
}

// Operators

#[test]
fn operators_each() {
    let source = "\
p if {
\tx := 1
\ty = x
\tx == 1
\tx != 2
\tx < 3
\tx <= 4
\tx > 0
\tx >= 0
\tz := ((x + 1) - (2 * 3)) / 4 % 5
\tu := {1} | {2}
\ti := {1} & {2}
}
";
    let snippet = Snippet::parse(source);

    assert_scope(&snippet, ":=", "keyword.operator.assignment.rego");
    assert_scope(&snippet, "==", "keyword.operator.comparison.rego");
    assert_scope(&snippet, "!=", "keyword.operator.comparison.rego");
    assert_scope(&snippet, "<", "keyword.operator.comparison.rego");
    assert_scope(&snippet, "<=", "keyword.operator.comparison.rego");
    assert_scope(&snippet, ">", "keyword.operator.comparison.rego");
    assert_scope(&snippet, ">=", "keyword.operator.comparison.rego");
    for operator in ["+", "-", "*", "/", "%"] {
        assert_scope(&snippet, operator, "keyword.operator.arithmetic.rego");
    }
    assert_scope(&snippet, "|", "keyword.operator.set.rego");
    assert_scope(&snippet, "&", "keyword.operator.set.rego");
}

#[test]
fn operator_unification_alone() {
    let snippet = Snippet::parse("p if {\n\t[a, b] = [1, 2]\n}\n");

    assert_scope(&snippet, "=", "keyword.operator.unification.rego");
}

#[test]
fn comprehension_bar() {
    let snippet = Snippet::parse("names := [u.name | some u in input.users]\n");

    assert_scope(&snippet, "|", "keyword.operator.set.rego");
    assert_scope(&snippet, "some", "keyword.control.rego");
}

// Function calls

#[test]
fn builtin_simple() {
    let source = "\
deny contains msg if {
\tstartswith(input.path, \"/admin\")
\tcount(input.roles) == 0
\tmsg := sprintf(\"%v\", [input.path])
}
";
    let snippet = Snippet::parse(source);

    assert_scope(&snippet, "startswith", "support.function.builtin.rego");
    assert_scope(&snippet, "count", "support.function.builtin.rego");
    assert_scope(&snippet, "sprintf", "support.function.builtin.rego");
}

#[test]
fn builtin_dotted() {
    let source = "\
p if {
\tname := object.get(input, \"name\", \"\")
\tclean := strings.replace_n({\"-\": \"_\"}, name)
\t[_, payload, _] := io.jwt.decode(input.token)
\tnow := time.now_ns()
}
";
    let snippet = Snippet::parse(source);

    for builtin in [
        "object.get",
        "strings.replace_n",
        "io.jwt.decode",
        "time.now_ns",
    ] {
        assert_scope(&snippet, builtin, "support.function.builtin.rego");
    }
}

#[test]
fn builtin_contains_call() {
    let snippet = Snippet::parse("deny contains msg if {\n\tcontains(input.path, \"..\")\n}\n");

    assert_nth_scope(&snippet, "contains", 0, "keyword.control.rego");
    assert_nth_scope(&snippet, "contains", 1, "support.function.builtin.rego");
}

#[test]
fn builtin_without_call() {
    let snippet = Snippet::parse("p if {\n\tcount := 3\n}\n");

    assert_no_scope(&snippet, "count", "support.function");
}

#[test]
fn user_function_call() {
    let snippet =
        Snippet::parse("allow if {\n\tis_admin(input.user)\n\tlib.has_role(input.user)\n}\n");

    assert_scope(&snippet, "is_admin", "variable.function.rego");
    assert_no_scope(&snippet, "is_admin", "support.function");
    assert_scope(&snippet, "has_role", "variable.function.rego");
    assert_no_scope(&snippet, "lib", "variable.function");
}

#[test]
fn user_function_named_like_builtin() {
    let snippet = Snippet::parse("p if {\n\tdata.lib.count(input)\n}\n");

    assert_scope(&snippet, "count", "variable.function.rego");
    assert_no_scope(&snippet, "count", "support.function");
}

// Rule heads

#[test]
fn rule_head_if() {
    let snippet = Snippet::parse("allow if input.admin\n");

    assert_scope(&snippet, "allow", "entity.name.function.rego");
}

#[test]
fn rule_head_contains() {
    let snippet = Snippet::parse("deny contains msg if {\n\tmsg := \"no\"\n}\n");

    assert_scope(&snippet, "deny", "entity.name.function.rego");
    assert_no_scope(&snippet, "msg", "entity.name.function");
}

#[test]
fn rule_head_function() {
    let snippet = Snippet::parse("f(x) := y if {\n\ty := x * 2\n}\n");

    assert_scope(&snippet, "f", "entity.name.function.rego");
    assert_no_scope(&snippet, "f", "variable.function");
    assert_no_scope(&snippet, "x", "entity.name.function");
}

#[test]
fn rule_head_default() {
    let snippet = Snippet::parse("default allow := false\n");

    assert_scope(&snippet, "allow", "entity.name.function.rego");
    assert_scope(&snippet, "false", "constant.language.boolean.rego");
}

#[test]
fn rule_head_ref() {
    let snippet = Snippet::parse("fruits.apple.color := \"red\"\n");

    assert_scope(&snippet, "fruits.apple.color", "entity.name.function.rego");
}

#[test]
fn rule_head_not_in_body() {
    let source = "allow if {\n\tuser := input.user\n\tis_admin(user)\n}\n";
    let snippet = Snippet::parse(source);

    assert_nth_no_scope(&snippet, "user", 0, "entity.name.function");
    assert_no_scope(&snippet, "is_admin", "entity.name.function");
}

#[test]
fn rule_head_after_multiline_object() {
    let source = "roles := {\n\t\"admin\": [\"read\", \"write\"],\n}\n\nallow if roles.admin\n";
    let snippet = Snippet::parse(source);

    assert_scope(&snippet, "roles", "entity.name.function.rego");
    assert_scope(&snippet, "allow", "entity.name.function.rego");
    assert_no_scope(&snippet, "}", "invalid");
}

#[test]
fn rule_head_recovers_after_unclosed_body() {
    let snippet = Snippet::parse("allow if {\n\tinput.admin\n\ndefault deny := false\n");

    assert_scope(&snippet, "deny", "entity.name.function.rego");
}

// v0 syntax

#[test]
fn v0_partial_set_rule() {
    let source = "\
deny[msg] {
\tinput.request.kind.kind == \"Pod\"
\tmsg := sprintf(\"%v denied\", [input.request.name])
}
";
    let snippet = Snippet::parse(source);

    assert_scope(&snippet, "deny", "entity.name.function.rego");
    assert_scope(&snippet, "[", "punctuation.section.brackets.begin.rego");
    assert_no_scope(&snippet, "msg", "entity.name.function");
    assert_scope(&snippet, "{", "punctuation.section.braces.begin.rego");
    assert_scope(&snippet, "input", "variable.language.rego");
    assert_scope(&snippet, "sprintf", "support.function.builtin.rego");
    assert_scope(&snippet, "}", "punctuation.section.braces.end.rego");
    assert_no_scope(&snippet, "}", "invalid");
}

#[test]
fn v0_default_and_unification() {
    let snippet = Snippet::parse("default allow = false\n\nallow = true {\n\tinput.admin\n}\n");

    assert_nth_scope(&snippet, "allow", 0, "entity.name.function.rego");
    assert_nth_scope(&snippet, "allow", 1, "entity.name.function.rego");
    assert_scope(&snippet, "=", "keyword.operator.unification.rego");
}

// input and data

#[test]
fn language_variables() {
    let snippet = Snippet::parse("allow if {\n\tinput.user in data.admins\n}\n");

    assert_scope(&snippet, "input", "variable.language.rego");
    assert_scope(&snippet, "data", "variable.language.rego");
    assert_scope(&snippet, ".", "punctuation.accessor.dot.rego");
}

#[test]
fn language_variable_as_field() {
    let snippet = Snippet::parse("p if {\n\tx := input.data\n}\n");

    assert_no_scope(&snippet, "data", "variable.language");
}

#[test]
fn keyword_as_field_name() {
    let snippet = Snippet::parse("allow if input.package == \"web\"\n");

    assert_no_scope(&snippet, "package", "keyword");
    assert_no_scope(&snippet, "package", "meta.package");
    assert_no_scope(&snippet, "==", "meta.package");
    assert_scope(&snippet, "==", "keyword.operator.comparison.rego");
}

#[test]
fn stray_closing_bracket() {
    let snippet = Snippet::parse("allow := true }\n");

    assert_scope(&snippet, "}", "invalid.illegal.stray-bracket.rego");
}

// Themes

const THEMED_SOURCE: &str = "\
package example

# comment
allow if {
\tcount(input.users) > 1.5
\tmsg := \"text\"
\tuser.active == true
}
";

/// Returns the token's foreground colour and the theme's default text colour.
fn token_colours(
    snippet: &Snippet,
    theme_name: &str,
    token: &str,
) -> (syntect::highlighting::Color, syntect::highlighting::Color) {
    let themes = ThemeSet::load_defaults();
    let theme = themes
        .themes
        .get(theme_name)
        .unwrap_or_else(|| panic!("theme {theme_name:?} not found in syntect defaults"));
    let highlighter = Highlighter::new(theme);
    let stack = &snippet.stacks[snippet.find(token, 0).start];
    let colour = highlighter.style_for_stack(stack.as_slice()).foreground;
    (colour, highlighter.get_default().foreground)
}

#[test]
fn themes_colour_categories() {
    let snippet = Snippet::parse(THEMED_SOURCE);
    let tokens = [
        "package",
        "# comment",
        "allow",
        "if",
        "count",
        "1.5",
        // The string body, because base16-ocean.dark draws the quotes in the
        // default colour.
        "text",
        "true",
    ];

    for theme_name in ["InspiredGitHub", "base16-ocean.dark", "Solarized (dark)"] {
        for token in tokens {
            let (colour, default_colour) = token_colours(&snippet, theme_name, token);
            assert_ne!(
                colour,
                default_colour,
                "theme {theme_name} draws {token:?} in the default colour: {}",
                snippet.describe(token, 0)
            );
        }
    }
}

// NOTE: InspiredGitHub has no rule for `variable.language`, so it draws
// `input` and `data` as plain text.
#[test]
fn themes_colour_input() {
    let snippet = Snippet::parse(THEMED_SOURCE);

    for theme_name in ["base16-ocean.dark", "Solarized (dark)"] {
        let (input_colour, _) = token_colours(&snippet, theme_name, "input");
        let (user_colour, _) = token_colours(&snippet, theme_name, "user");
        assert_ne!(
            input_colour,
            user_colour,
            "theme {theme_name} draws `input` like the plain variable `user`: {}",
            snippet.describe("input", 0)
        );
    }
}
