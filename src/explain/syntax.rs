//! What the trace needs from the policy's syntax tree: rules, their bodies,
//! statements with their positions, the variables a statement binds, the
//! operands worth showing and the rules a body depends on.
//!
//! The tree comes from regorus's own parser (`regorus::unstable`), so the
//! statements are split exactly where the engine splits them.

use std::collections::{BTreeMap, BTreeSet};

use regorus::unstable::{
    AssignOp, Expr, Literal, LiteralStmt, Module, Parser, Query, Ref, Rule, RuleHead, Source, Span,
};

use crate::engine::PolicySource;

/// A position in a policy file: 1-based line and column of the start, and
/// the line of the end.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
}

/// The kind of a rule, as its head declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// `allow if ...`, `x := value if ...`: one value.
    Complete,
    /// `deny contains msg if ...`: a set built from every body solution.
    PartialSet,
    /// `labels[key] := value if ...`: an object built from every solution.
    PartialObject,
    /// `f(x) := y if ...`.
    Function,
}

impl RuleKind {
    pub fn describe(self) -> &'static str {
        match self {
            RuleKind::Complete => "rule",
            RuleKind::PartialSet => "partial set rule",
            RuleKind::PartialObject => "partial object rule",
            RuleKind::Function => "function",
        }
    }
}

/// One operand of a statement whose value is worth showing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Operand {
    pub text: String,
    /// The operand split into the prefixes of its reference, shortest first,
    /// when it is a reference rooted at `input`, a local variable or base
    /// data: `input`, `input.request`, `input.request.kind`. Each prefix
    /// comes with the key that follows it, when that key is a constant.
    pub prefixes: Vec<(String, Option<String>)>,
    /// The name of a function this operand is an argument of, with the
    /// argument's position and the call's number of arguments.
    pub argument_of: Option<(String, usize, usize)>,
    /// Variables the operand uses.
    pub vars: BTreeSet<String>,
    /// A label shown instead of the operand's text.
    pub label: Option<String>,
}

/// The kind of a statement, for the plain-language sentences.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// A comparison, call or reference that must be true and defined.
    Expression,
    /// `x := value` or `x = value`.
    Assignment,
    /// `not expr`.
    Not,
    /// `some x` with no collection: declares variables only.
    SomeDeclaration,
    /// `some x in xs` or `some k, v in xs`.
    SomeIn,
    /// `every x in xs { ... }`.
    Every {
        key: Option<String>,
        value: String,
        domain: String,
        body: Vec<String>,
    },
}

/// One statement of a body.
#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub location: Location,
    /// The text the probes run.
    pub text: String,
    /// The text the trace shows.
    pub display: String,
    /// The text of its `with` modifiers, joined, with a leading space; empty
    /// when it has none.
    pub with_text: String,
    pub kind: StatementKind,
    pub operands: Vec<Operand>,
    /// Variables that appear in the statement outside nested
    /// comprehensions and `every` bodies.
    pub vars: BTreeSet<String>,
    /// Names referenced by the statement that may be rules or functions:
    /// plain variables and dotted references.
    pub names: BTreeSet<String>,
}

/// One body of a rule definition: the part in braces after the head or
/// after an `else`.
#[derive(Clone, Debug)]
pub(crate) struct Body {
    pub location: Location,
    pub is_else: bool,
    /// The value the head gives when this body succeeds, as Rego text:
    /// `true` for `allow if`, the key for a partial set, `[key, value]` for
    /// a partial object.
    pub value_text: String,
    pub statements: Vec<Statement>,
    /// Names referenced by the head's value or key.
    pub head_names: BTreeSet<String>,
}

/// One definition of a rule: a head and its bodies.
#[derive(Clone, Debug)]
pub(crate) struct RuleDef {
    pub file_index: usize,
    /// Package path, `data.kubernetes.admission`.
    pub package: String,
    /// Path of the rule inside its package, such as `allow` or `a.b`, for
    /// ref heads as far as the path is constant.
    pub name: String,
    pub kind: RuleKind,
    pub location: Location,
    pub head_text: String,
    /// For functions, the text of each parameter and the variables in it.
    pub params: Vec<(String, BTreeSet<String>)>,
    pub bodies: Vec<Body>,
}

/// A `default` rule.
#[derive(Clone, Debug)]
pub(crate) struct DefaultDef {
    pub package: String,
    pub name: String,
    pub location: Location,
    pub value_text: String,
}

/// The parsed modules of a workspace.
#[derive(Clone, Debug, Default)]
pub(crate) struct Program {
    pub rules: Vec<RuleDef>,
    pub defaults: Vec<DefaultDef>,
    /// Per file: package path and the text of its import lines.
    pub headers: Vec<(String, String)>,
    /// Per file: import alias to the path it stands for.
    pub aliases: Vec<BTreeMap<String, String>>,
    /// Files that did not parse, with the parser's message.
    pub unparsed: Vec<(String, String)>,
}

impl Program {
    /// Parses every policy; a file that does not parse is listed in
    /// `unparsed` and left out.
    pub fn parse(policies: &[PolicySource], rego_v0: bool) -> Program {
        let mut program = Program::default();
        for (file_index, policy) in policies.iter().enumerate() {
            match parse_module(policy, rego_v0) {
                Ok(module) => program.add_module(file_index, policy, &module),
                Err(message) => {
                    program.unparsed.push((policy.path.clone(), message));
                    program.headers.push((String::new(), String::new()));
                    program.aliases.push(BTreeMap::new());
                }
            }
        }
        program
    }

    fn add_module(&mut self, file_index: usize, policy: &PolicySource, module: &Module) {
        let package = format!("data.{}", text_of(module.package.refr.span()));
        let mut header = format!("package {}\n", text_of(module.package.refr.span()));
        let mut aliases = BTreeMap::new();
        for import in &module.imports {
            header.push_str(&text_of(&import.span));
            header.push('\n');
            let target = text_of(import.refr.span()).to_string();
            let alias = import.r#as.as_ref().map_or_else(
                || target.rsplit('.').next().unwrap_or_default().to_string(),
                |span| text_of(span).to_string(),
            );
            if target.starts_with("data.") || target == "input" || target.starts_with("input.") {
                aliases.insert(alias, target);
            }
        }
        self.headers.push((package.clone(), header));
        self.aliases.push(aliases);
        let lines = LineIndex::new(&policy.text);
        for rule in &module.policy {
            match rule.as_ref() {
                Rule::Spec { span, head, bodies } => {
                    let location = lines.location(&policy.path, span);
                    let HeadParts {
                        name,
                        kind,
                        params,
                        key_text,
                        value_text,
                    } = head_parts(head);
                    let head_exprs = head_value_exprs(head);
                    let mut head_name_set = BTreeSet::new();
                    for expr in &head_exprs {
                        collect_names(expr, &mut head_name_set);
                    }
                    let default_value = match kind {
                        RuleKind::PartialSet => key_text.clone().unwrap_or_default(),
                        RuleKind::PartialObject => format!(
                            "[{}, {}]",
                            key_text.clone().unwrap_or_default(),
                            value_text.clone().unwrap_or_else(|| "true".to_string())
                        ),
                        _ => value_text.clone().unwrap_or_else(|| "true".to_string()),
                    };
                    let mut bodies: Vec<Body> = bodies
                        .iter()
                        .map(|body| {
                            let mut names = head_name_set.clone();
                            let value_text = match &body.assign {
                                Some(assign) => {
                                    collect_names(&assign.value, &mut names);
                                    text_of(assign.value.span()).to_string()
                                }
                                None => default_value.clone(),
                            };
                            Body {
                                location: lines.location(&policy.path, &body.span),
                                is_else: body.is_else,
                                value_text,
                                statements: statements(&lines, &policy.path, &body.query),
                                head_names: names,
                            }
                        })
                        .collect();
                    // A rule without a body, such as `big := double(input.n)`,
                    // is traced as one statement: its value must be defined.
                    if bodies.is_empty()
                        && let [value] = head_exprs.as_slice()
                        && kind == RuleKind::Complete
                        && is_balanced(&text_of(value.span()))
                    {
                        bodies.push(Body {
                            location: lines.location(&policy.path, value.span()),
                            is_else: false,
                            value_text: text_of(value.span()),
                            statements: vec![value_statement(&lines, &policy.path, value)],
                            head_names: head_name_set.clone(),
                        });
                    }
                    self.rules.push(RuleDef {
                        file_index,
                        package: package.clone(),
                        name,
                        kind,
                        location,
                        head_text: text_of(head_span(head)),
                        params,
                        bodies,
                    });
                }
                Rule::Default {
                    span, refr, value, ..
                } => {
                    self.defaults.push(DefaultDef {
                        package: package.clone(),
                        name: static_path(refr).join("."),
                        location: lines.location(&policy.path, span),
                        value_text: text_of(value.span()).to_string(),
                    });
                }
            }
        }
    }

    /// Finds the rules a name used in `package`'s file `file_index` refers
    /// to: a rule of the same package, `data.pkg.rule`, or an import alias.
    pub fn resolve(&self, file_index: usize, package: &str, name: &str) -> Vec<usize> {
        let mut candidates = Vec::new();
        let first = name.split(['.', '[']).next().unwrap_or(name);
        let expanded = if first == "data" {
            Some(name.to_string())
        } else {
            self.aliases
                .get(file_index)
                .and_then(|aliases| aliases.get(first))
                .map(|target| format!("{target}{}", &name[first.len()..]))
        };
        for (index, rule) in self.rules.iter().enumerate() {
            let full = format!("{}.{}", rule.package, rule.name);
            let matches = match &expanded {
                Some(path) => {
                    path_contains(path, &full) || path_contains(&full, path) && path.len() > 5
                }
                None => rule.package == package && rule.name.split('.').next() == Some(first),
            };
            if matches {
                candidates.push(index);
            }
        }
        candidates
    }
}

/// True when `path` equals `prefix` or continues it with `.` or `[`.
fn path_contains(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

fn parse_module(policy: &PolicySource, rego_v0: bool) -> Result<Module, String> {
    let source = Source::from_contents(policy.path.clone(), policy.text.clone())
        .map_err(|error| error.to_string())?;
    let mut parser = Parser::new(&source).map_err(|error| error.to_string())?;
    if !rego_v0 {
        parser.enable_rego_v1().map_err(|error| error.to_string())?;
    }
    parser.parse().map_err(|error| error.to_string())
}

/// Maps byte offsets to line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(index, _)| index + 1));
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|start| *start <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    fn location(&self, file: &str, span: &Span) -> Location {
        let end = (span.end as usize)
            .saturating_sub(1)
            .max(span.start as usize);
        Location {
            file: file.to_string(),
            line: span.line,
            column: span.col,
            end_line: self.line_of(end).max(span.line),
        }
    }
}

fn head_span(head: &RuleHead) -> &Span {
    match head {
        RuleHead::Compr { span, .. } | RuleHead::Set { span, .. } | RuleHead::Func { span, .. } => {
            span
        }
    }
}

/// The parts a rule head declares.
struct HeadParts {
    name: String,
    kind: RuleKind,
    params: Vec<(String, BTreeSet<String>)>,
    key_text: Option<String>,
    value_text: Option<String>,
}

fn head_parts(head: &RuleHead) -> HeadParts {
    match head {
        RuleHead::Compr { refr, assign, .. } => {
            let value = assign.as_ref().map(|a| text_of(a.value.span()).to_string());
            match refr.as_ref() {
                Expr::RefBrack {
                    refr: base, index, ..
                } if !is_constant(index) => HeadParts {
                    name: static_path(base).join("."),
                    kind: RuleKind::PartialObject,
                    params: Vec::new(),
                    key_text: Some(text_of(index.span()).to_string()),
                    value_text: value,
                },
                _ => HeadParts {
                    name: static_path(refr).join("."),
                    kind: RuleKind::Complete,
                    params: Vec::new(),
                    key_text: None,
                    value_text: value,
                },
            }
        }
        RuleHead::Set { refr, key, .. } => match (key, refr.as_ref()) {
            (Some(key), _) => HeadParts {
                name: static_path(refr).join("."),
                kind: RuleKind::PartialSet,
                params: Vec::new(),
                key_text: Some(text_of(key.span()).to_string()),
                value_text: None,
            },
            (
                None,
                Expr::RefBrack {
                    refr: base, index, ..
                },
            ) => HeadParts {
                name: static_path(base).join("."),
                kind: RuleKind::PartialSet,
                params: Vec::new(),
                key_text: Some(text_of(index.span()).to_string()),
                value_text: None,
            },
            (None, _) => HeadParts {
                name: static_path(refr).join("."),
                kind: RuleKind::PartialSet,
                params: Vec::new(),
                key_text: None,
                value_text: None,
            },
        },
        RuleHead::Func {
            refr, args, assign, ..
        } => HeadParts {
            name: static_path(refr).join("."),
            kind: RuleKind::Function,
            params: args
                .iter()
                .map(|arg| {
                    let mut vars = BTreeSet::new();
                    collect_vars(arg, &mut vars);
                    (text_of(arg.span()).to_string(), vars)
                })
                .collect(),
            key_text: None,
            value_text: Some(assign.as_ref().map_or_else(
                || "true".to_string(),
                |a| text_of(a.value.span()).to_string(),
            )),
        },
    }
}

fn head_value_exprs(head: &RuleHead) -> Vec<Ref<Expr>> {
    let mut exprs = Vec::new();
    match head {
        RuleHead::Compr { refr, assign, .. } => {
            if let Expr::RefBrack { index, .. } = refr.as_ref() {
                exprs.push(index.clone());
            }
            if let Some(assign) = assign {
                exprs.push(assign.value.clone());
            }
        }
        RuleHead::Set { refr, key, .. } => {
            if let Some(key) = key {
                exprs.push(key.clone());
            } else if let Expr::RefBrack { index, .. } = refr.as_ref() {
                exprs.push(index.clone());
            }
        }
        RuleHead::Func { assign, .. } => {
            if let Some(assign) = assign {
                exprs.push(assign.value.clone());
            }
        }
    }
    exprs
}

fn is_constant(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. }
    )
}

/// Returns the constant leading part of a reference: `a.b["c"][x]` gives `a, b, c`.
fn static_path(expr: &Expr) -> Vec<String> {
    match expr {
        Expr::Var { span, .. } => vec![text_of(span).to_string()],
        Expr::RefDot { refr, field, .. } => {
            let mut path = static_path(refr);
            path.push(text_of(&field.0).to_string());
            path
        }
        Expr::RefBrack { refr, index, .. } => {
            let mut path = static_path(refr);
            if let Expr::String { value, .. } = index.as_ref()
                && let Ok(key) = value.as_string()
            {
                path.push(key.to_string());
            }
            path
        }
        _ => Vec::new(),
    }
}

fn statements(lines: &LineIndex, file: &str, query: &Query) -> Vec<Statement> {
    query
        .stmts
        .iter()
        .map(|stmt| statement(lines, file, stmt))
        .collect()
}

/// Builds the statement that a body-less rule's value is defined: `_ = value`.
fn value_statement(lines: &LineIndex, file: &str, value: &Expr) -> Statement {
    let mut vars = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut operands = Vec::new();
    collect_vars(value, &mut vars);
    collect_names(value, &mut names);
    top_operands(value, &mut operands);
    add_call_arguments(value, &mut operands);
    let shown = text_of(value.span());
    Statement {
        location: lines.location(file, value.span()),
        text: format!("_ = {shown}"),
        display: shown,
        with_text: String::new(),
        kind: StatementKind::Expression,
        operands,
        vars,
        names,
    }
}

/// Adds the arguments of the calls in `expr` to its operands, marked with
/// the function they go to, so a function can be traced with them.
fn add_call_arguments(expr: &Expr, operands: &mut Vec<Operand>) {
    let mut calls = Vec::new();
    collect_calls(expr, &mut calls);
    for (function, index, arity, argument) in calls {
        if let Some(existing) = operands
            .iter_mut()
            .find(|o| o.text == text_of(argument.span()))
        {
            existing.argument_of.get_or_insert((function, index, arity));
            continue;
        }
        let mut entry = operand(&argument);
        entry.argument_of = Some((function, index, arity));
        if is_balanced(&entry.text) {
            operands.push(entry);
        }
    }
}

fn statement(lines: &LineIndex, file: &str, stmt: &LiteralStmt) -> Statement {
    let with_text: String = stmt
        .with_mods
        .iter()
        .map(|modifier| format!(" {}", text_of(&modifier.span)))
        .collect();
    let mut vars = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut operands = Vec::new();
    let kind = match &stmt.literal {
        Literal::SomeVars { vars: declared, .. } => {
            for var in declared {
                vars.insert(text_of(var).to_string());
            }
            StatementKind::SomeDeclaration
        }
        Literal::SomeIn {
            key,
            value,
            collection,
            ..
        } => {
            for expr in key.iter().chain([value, collection]) {
                collect_vars(expr, &mut vars);
                collect_names(expr, &mut names);
            }
            operands.push(operand(collection));
            StatementKind::SomeIn
        }
        Literal::Expr { expr, .. } => {
            collect_vars(expr, &mut vars);
            collect_names(expr, &mut names);
            top_operands(expr, &mut operands);
            if matches!(expr.as_ref(), Expr::AssignExpr { .. }) {
                StatementKind::Assignment
            } else {
                StatementKind::Expression
            }
        }
        Literal::NotExpr { expr, .. } => {
            collect_vars(expr, &mut vars);
            collect_names(expr, &mut names);
            top_operands(expr, &mut operands);
            StatementKind::Not
        }
        Literal::Every {
            key,
            value,
            domain,
            query,
            ..
        } => {
            collect_vars(domain, &mut vars);
            collect_names(domain, &mut names);
            for inner in &query.stmts {
                if let Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } = &inner.literal {
                    collect_names(expr, &mut names);
                }
            }
            operands.push(operand(domain));
            StatementKind::Every {
                key: key.as_ref().map(|k| text_of(k).to_string()),
                value: text_of(value).to_string(),
                domain: text_of(domain.span()).to_string(),
                body: query
                    .stmts
                    .iter()
                    .map(|inner| text_of(&inner.span).to_string())
                    .collect(),
            }
        }
    };
    for modifier in &stmt.with_mods {
        collect_names(&modifier.r#as, &mut names);
    }
    if let Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } = &stmt.literal {
        add_call_arguments(expr, &mut operands);
    }
    let text = text_of(&stmt.span);
    Statement {
        location: lines.location(file, &stmt.span),
        display: text.clone(),
        text,
        with_text,
        kind,
        operands,
        vars,
        names,
    }
}

/// Collects the operands shown for an expression: both sides of a comparison, the
/// right side of an assignment, the arguments of a call, or the expression.
fn top_operands(expr: &Expr, operands: &mut Vec<Operand>) {
    match expr {
        Expr::BoolExpr { lhs, rhs, .. } => {
            operands.push(operand(lhs));
            operands.push(operand(rhs));
        }
        Expr::AssignExpr { op, lhs, rhs, .. } => {
            if *op == AssignOp::Eq && !matches!(lhs.as_ref(), Expr::Var { .. }) {
                operands.push(operand(lhs));
            }
            operands.push(operand(rhs));
        }
        Expr::Membership {
            value, collection, ..
        } => {
            operands.push(operand(value));
            operands.push(operand(collection));
        }
        Expr::Call { .. } => operands.push(operand(expr)),
        _ => operands.push(operand(expr)),
    }
    operands.retain(|o| !o.text.is_empty() && is_balanced(&o.text));
    let mut seen = BTreeSet::new();
    operands.retain(|o| seen.insert(o.text.clone()));
}

fn operand(expr: &Expr) -> Operand {
    let mut vars = BTreeSet::new();
    collect_vars(expr, &mut vars);
    Operand {
        text: text_of(expr.span()).to_string(),
        prefixes: reference_prefixes(expr),
        argument_of: None,
        vars,
        label: None,
    }
}

/// Lists the prefixes of a reference with the constant key after each.
fn reference_prefixes(expr: &Expr) -> Vec<(String, Option<String>)> {
    fn walk(expr: &Expr, out: &mut Vec<(String, Option<String>)>) -> bool {
        match expr {
            Expr::Var { span, .. } => {
                out.push((text_of(span).to_string(), None));
                true
            }
            Expr::RefDot { refr, field, .. } => {
                if !walk(refr, out) {
                    return false;
                }
                if let Some(last) = out.last_mut() {
                    last.1 = Some(text_of(&field.0).to_string());
                }
                out.push((text_of(expr.span()).to_string(), None));
                true
            }
            Expr::RefBrack { refr, index, .. } => {
                if !walk(refr, out) {
                    return false;
                }
                if let Some(last) = out.last_mut()
                    && let Expr::String { value, .. } = index.as_ref()
                    && let Ok(key) = value.as_string()
                {
                    last.1 = Some(key.to_string());
                }
                out.push((text_of(expr.span()).to_string(), None));
                true
            }
            _ => false,
        }
    }
    let mut prefixes = Vec::new();
    if !matches!(expr, Expr::RefDot { .. } | Expr::RefBrack { .. }) || !walk(expr, &mut prefixes) {
        return Vec::new();
    }
    // `data` and a package are virtual documents: reading them would
    // evaluate every rule, so the prefixes start below them.
    if prefixes.first().is_some_and(|(root, _)| root == "data") {
        prefixes.drain(..prefixes.len().min(2));
    }
    prefixes
}

/// Variables in an expression, not counting those local to nested
/// comprehensions nor the names of called functions.
fn collect_vars(expr: &Expr, vars: &mut BTreeSet<String>) {
    walk(expr, false, &mut |expr| {
        if let Expr::Var { span, .. } = expr {
            vars.insert(text_of(span));
        }
    });
}

/// Names that may refer to rules: variables, and references rooted at a
/// variable written out as far as they are constant.
fn collect_names(expr: &Expr, names: &mut BTreeSet<String>) {
    walk_all(expr, &mut |expr| match expr {
        Expr::Var { span, .. } => {
            names.insert(text_of(span).to_string());
        }
        Expr::RefDot { .. } | Expr::RefBrack { .. } => {
            let path = static_path(expr);
            if path.len() > 1 {
                names.insert(path.join("."));
            }
        }
        Expr::Call { fcn, .. } => {
            names.insert(text_of(fcn.span()).to_string());
        }
        _ => {}
    });
}

/// Calls in an expression: the function's name, the argument's position,
/// the number of arguments and the argument.
fn collect_calls(expr: &Expr, calls: &mut Vec<(String, usize, usize, Ref<Expr>)>) {
    walk_expr(expr, &mut |expr| {
        if let Expr::Call { fcn, params, .. } = expr {
            let name = text_of(fcn.span()).to_string();
            for (index, param) in params.iter().enumerate() {
                calls.push((name.clone(), index, params.len(), param.clone()));
            }
        }
    });
}

/// Visits an expression and its sub-expressions, not entering
/// comprehensions' bodies.
fn walk_expr(expr: &Expr, visit: &mut dyn FnMut(&Expr)) {
    walk(expr, true, visit);
}

/// Visits an expression and its sub-expressions, not entering
/// comprehensions' bodies, and entering the function of a call only when
/// `functions` is set.
fn walk(expr: &Expr, functions: bool, visit: &mut dyn FnMut(&Expr)) {
    let walk_expr = |expr: &Expr, visit: &mut dyn FnMut(&Expr)| walk(expr, functions, visit);
    visit(expr);
    match expr {
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            for item in items {
                walk_expr(item, visit);
            }
        }
        Expr::Object { fields, .. } => {
            for (_, key, value) in fields {
                walk_expr(key, visit);
                walk_expr(value, visit);
            }
        }
        Expr::Call { fcn, params, .. } => {
            if functions {
                walk_expr(fcn, visit);
            }
            for param in params {
                walk_expr(param, visit);
            }
        }
        Expr::UnaryExpr { expr, .. } => walk_expr(expr, visit),
        Expr::RefDot { refr, .. } => walk_expr(refr, visit),
        Expr::RefBrack { refr, index, .. } => {
            walk_expr(refr, visit);
            walk_expr(index, visit);
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            walk_expr(lhs, visit);
            walk_expr(rhs, visit);
        }
        Expr::Membership {
            key,
            value,
            collection,
            ..
        } => {
            if let Some(key) = key {
                walk_expr(key, visit);
            }
            walk_expr(value, visit);
            walk_expr(collection, visit);
        }
        _ => {}
    }
}

/// Visits an expression and every sub-expression, comprehension bodies
/// included.
fn walk_all(expr: &Expr, visit: &mut dyn FnMut(&Expr)) {
    walk_expr(expr, &mut |inner| {
        visit(inner);
        match inner {
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                walk_all(term, visit);
                walk_query(query, visit);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                walk_all(key, visit);
                walk_all(value, visit);
                walk_query(query, visit);
            }
            _ => {}
        }
    });
}

fn walk_query(query: &Query, visit: &mut dyn FnMut(&Expr)) {
    for stmt in &query.stmts {
        match &stmt.literal {
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => walk_all(expr, visit),
            Literal::SomeIn {
                key,
                value,
                collection,
                ..
            } => {
                for expr in key.iter().chain([value, collection]) {
                    walk_all(expr, visit);
                }
            }
            Literal::Every { domain, query, .. } => {
                walk_all(domain, visit);
                walk_query(query, visit);
            }
            Literal::SomeVars { .. } => {}
        }
    }
}

/// Returns the source text of a span. regorus's spans of string literals leave out
/// the quotes, so a span that starts or ends inside a string is widened to
/// take them in.
fn text_of(span: &Span) -> String {
    let contents = span.source.contents();
    let (mut start, mut end) = (span.start as usize, span.end as usize);
    if start > contents.len() || end > contents.len() || start > end {
        return span.text().to_string();
    }
    let line_start = contents[..start].rfind('\n').map_or(0, |index| index + 1);
    if start > 0 && string_state(&contents[line_start..start]).is_some() {
        start -= 1;
    }
    if let Some(quote) = string_state(&contents[start..end])
        && contents[end..].starts_with(quote)
    {
        end += 1;
    }
    contents[start..end].to_string()
}

/// Returns the quote of the string that `text` ends inside, if any.
fn string_state(text: &str) -> Option<char> {
    let mut open: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match open {
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some(quote) if c == quote => open = None,
            Some(_) => {}
            None if c == '"' || c == '`' => open = Some(c),
            None if c == '#' => {
                // A comment runs to the end of its line.
                for rest in chars.by_ref() {
                    if rest == '\n' {
                        break;
                    }
                }
            }
            None => {}
        }
    }
    open
}

/// True when brackets and quotes in `text` pair up. Some of regorus's spans
/// of object literals start at their last field; such text is not used.
fn is_balanced(text: &str) -> bool {
    let mut stack = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                let quote = c;
                loop {
                    match chars.next() {
                        None => return false,
                        Some('\\') if quote == '"' => {
                            chars.next();
                        }
                        Some(next) if next == quote => break,
                        Some(_) => {}
                    }
                }
            }
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            _ => {}
        }
    }
    stack.is_empty()
}
