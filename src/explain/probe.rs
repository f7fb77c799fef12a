//! Probe rules: generated Rego that evaluates each statement of a body after
//! the statements before it, on a clone of the engine being explained.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Instant;

use serde_json::Value as JsonValue;

use super::model::*;
use super::syntax::{Body, Operand, Program, RuleDef, Statement};
use super::{ExplainOptions, closest_key};
use crate::engine::{EngineValue, PolicySource, PreparedEngine};

/// Examples of each kind kept per statement.
const EXAMPLES: usize = 3;
/// Values of a head kept per body.
const BODY_VALUES: usize = 5;
/// Keys listed per object when looking for a misspelled key.
const MAX_KEYS: usize = 500;
/// Probe text generated for one trace at most, in bytes.
const MAX_PROBE_BYTES: usize = 200_000;
/// Prefix of every generated name, so none clashes with the user's.
const P: &str = "__pw";

/// A call of a function seen while tracing, with its arguments' values.
#[derive(Clone, Debug)]
struct CallSite {
    file_index: usize,
    package: String,
    function: String,
    location: Location,
    arguments: BTreeMap<usize, JsonValue>,
    arity: usize,
}

/// The probes added for one body.
struct BodyPlan {
    id: usize,
    file_index: usize,
    /// The probe rules, without the package and imports.
    module: String,
    operand_lists: Vec<Vec<Operand>>,
    added: Result<(), String>,
}

/// The probes added for one rule: per definition, the rule's index, the
/// statements binding a function's parameters, and each body's probes.
struct RulePlan {
    group: Vec<usize>,
    call: Option<CallSite>,
    definitions: Vec<(usize, Prelude, Vec<BodyPlan>)>,
}

/// Statements that bind a function's parameters to the arguments of a
/// call, with the variables each binds.
type Prelude = Vec<(String, BTreeSet<String>)>;

pub(super) struct Tracer<'a> {
    engine: PreparedEngine,
    program: &'a Program,
    options: &'a ExplainOptions,
    started: Instant,
    next_id: usize,
    calls: Vec<CallSite>,
    /// Probe values evaluated together for the current round.
    batch: std::collections::HashMap<String, JsonValue>,
    gaps: Vec<String>,
    out_of_time: bool,
    /// Packages that have the helper functions of the probes.
    helped: BTreeSet<String>,
    /// Bytes of probe text generated so far.
    planned_bytes: usize,
    /// Rules the query reaches only through statements with `with`.
    mocked: std::cell::RefCell<BTreeSet<usize>>,
}

impl<'a> Tracer<'a> {
    pub(super) fn new(
        prepared: &PreparedEngine,
        program: &'a Program,
        input: Option<&EngineValue>,
        options: &'a ExplainOptions,
        started: Instant,
    ) -> Self {
        let mut engine = prepared.clone();
        if let Some(input) = input {
            engine.set_input(input.clone());
        }
        Tracer {
            engine,
            program,
            options,
            started,
            next_id: 0,
            calls: Vec::new(),
            batch: std::collections::HashMap::new(),
            gaps: Vec::new(),
            out_of_time: false,
            helped: BTreeSet::new(),
            mocked: std::cell::RefCell::new(BTreeSet::new()),
            planned_bytes: 0,
        }
    }

    pub(super) fn run(mut self, query: &str) -> Trace {
        let groups = self.groups(query);
        let mut rules: Vec<Option<RuleTrace>> = vec![None; groups.len()];
        // All probes of a round are added before any runs: the engine
        // prepares its modules again after each addition.
        let mut plans: Vec<(usize, RulePlan)> = groups
            .iter()
            .enumerate()
            .filter(|(_, group)| self.program.rules[group[0]].kind != RuleKind::Function)
            .map(|(slot, group)| (slot, self.plan_rule(group, None)))
            .collect();
        self.add_round(&mut plans.iter_mut().map(|(_, plan)| plan).collect::<Vec<_>>());
        self.run_batch(&plans.iter().map(|(_, plan)| plan).collect::<Vec<_>>());
        for (slot, plan) in plans {
            rules[slot] = Some(self.finish_rule(plan));
        }
        // Functions are traced with the arguments of a call seen above;
        // a function called only by another function waits for it.
        let mut pending: Vec<usize> = (0..groups.len()).filter(|s| rules[*s].is_none()).collect();
        while !pending.is_empty() {
            let mut plans = Vec::new();
            pending.retain(|slot| match self.find_call(&groups[*slot]) {
                Some(call) => {
                    plans.push((*slot, self.plan_rule(&groups[*slot], Some(call))));
                    false
                }
                None => true,
            });
            if plans.is_empty() {
                break;
            }
            self.add_round(&mut plans.iter_mut().map(|(_, plan)| plan).collect::<Vec<_>>());
            self.run_batch(&plans.iter().map(|(_, plan)| plan).collect::<Vec<_>>());
            for (slot, plan) in plans {
                rules[slot] = Some(self.finish_rule(plan));
            }
        }
        for slot in pending {
            rules[slot] = Some(self.uncalled_function(&groups[slot]));
        }
        Trace {
            query: query.to_string(),
            rules: rules.into_iter().flatten().collect(),
            notes: Vec::new(),
            gaps: self.gaps,
            elapsed_us: 0,
        }
    }

    /// Lists the rules the query depends on, grouped by package and name, those
    /// the query names first.
    fn groups(&self, query: &str) -> Vec<Vec<usize>> {
        let program = self.program;
        let mut order: Vec<usize> = Vec::new();
        for path in query_paths(query) {
            for (index, rule) in program.rules.iter().enumerate() {
                let full = format!("{}.{}", rule.package, rule.name);
                let named = full == path
                    || full.starts_with(&format!("{path}."))
                    || path.starts_with(&format!("{full}."))
                    || path.starts_with(&format!("{full}["));
                // A whole package leaves out its tests: the trace is about
                // the rules.
                let is_test = rule.name.starts_with("test_") && full != path;
                if named && !is_test && !order.contains(&index) {
                    order.push(index);
                }
            }
        }
        let mut next = 0;
        while next < order.len() {
            let rule = &program.rules[order[next]];
            // Names used with and without `with` modifiers.
            let mut names: BTreeMap<String, bool> = BTreeMap::new();
            for body in &rule.bodies {
                for name in &body.head_names {
                    names.insert(name.clone(), false);
                }
                for statement in &body.statements {
                    let mocked = !statement.with_text.is_empty();
                    for name in &statement.names {
                        let entry = names.entry(name.clone()).or_insert(mocked);
                        *entry &= mocked;
                    }
                }
            }
            for (name, mocked) in names {
                for index in program.resolve(rule.file_index, &rule.package, &name) {
                    if !order.contains(&index) {
                        order.push(index);
                        if mocked {
                            self.mocked.borrow_mut().insert(index);
                        }
                    }
                }
            }
            next += 1;
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for index in order {
            let rule = &program.rules[index];
            let existing = groups.iter_mut().find(|group| {
                let first = &program.rules[group[0]];
                first.package == rule.package && first.name == rule.name
            });
            match existing {
                Some(group) => group.push(index),
                None => groups.push(vec![index]),
            }
        }
        for group in &mut groups {
            group.sort_by_key(|index| {
                let rule = &program.rules[*index];
                (rule.file_index, rule.location.line)
            });
        }
        groups
    }

    /// Generates the probes of every body of a rule.
    fn plan_rule(&mut self, group: &[usize], call: Option<CallSite>) -> RulePlan {
        let mut definitions = Vec::new();
        for index in group {
            let rule = &self.program.rules[*index];
            let prelude: Prelude = match &call {
                Some(call) => rule
                    .params
                    .iter()
                    .enumerate()
                    .map(|(position, (param, vars))| {
                        let value = call
                            .arguments
                            .get(&position)
                            .map_or_else(|| "null".to_string(), rego_literal);
                        (format!("{param} = {value}"), vars.clone())
                    })
                    .collect(),
                None => Vec::new(),
            };
            let bodies = rule
                .bodies
                .iter()
                .map(|body| self.plan_body(rule, body, &prelude))
                .collect();
            definitions.push((*index, prelude, bodies));
        }
        RulePlan {
            group: group.to_vec(),
            call,
            definitions,
        }
    }

    fn finish_rule(&mut self, plan: RulePlan) -> RuleTrace {
        let program = self.program;
        let first = &program.rules[plan.group[0]];
        let path = format!("{}.{}", first.package, first.name);
        let default = program
            .defaults
            .iter()
            .find(|d| d.package == first.package && d.name == first.name)
            .map(|d| DefaultValue {
                location: d.location.clone(),
                value: d.value_text.clone(),
            });
        let outcome = match (&plan.call, first.kind) {
            (Some(call), _) => {
                let arguments: Vec<String> = (0..call.arity)
                    .map(|index| rego_literal(&call.arguments[&index]))
                    .collect();
                self.rule_value(&format!("{path}({})", arguments.join(", ")))
            }
            (None, RuleKind::Function) => RuleOutcome::NotEvaluated,
            (None, _) => self.rule_value(&path),
        };
        let mut definitions = Vec::new();
        for (index, prelude, plans) in &plan.definitions {
            let rule = &program.rules[*index];
            let mut bodies: Vec<BodyTrace> = Vec::new();
            let mut chain_done = false;
            for (body, body_plan) in rule.bodies.iter().zip(plans) {
                let body_trace = if body.is_else && chain_done {
                    not_reached(body)
                } else {
                    self.finish_body(rule, body, prelude, body_plan)
                };
                // A body that succeeds ends its `else` chain; so does an
                // error, in the engine too.
                if matches!(
                    body_trace.outcome,
                    BodyOutcome::Succeeded { .. } | BodyOutcome::Error { .. }
                ) {
                    chain_done = true;
                }
                bodies.push(body_trace);
            }
            definitions.push(DefinitionTrace {
                location: rule.location.clone(),
                head: rule.head_text.clone(),
                bodies,
            });
        }
        let caveat = plan
            .group
            .iter()
            .any(|index| self.mocked.borrow().contains(index))
            .then(|| {
                "traced with the query's input; where a statement uses it with `with input as \
                 ...`, as tests do, the input there is the mock, so look at that statement's \
                 values"
                    .to_string()
            });
        RuleTrace {
            path,
            name: first.name.clone(),
            kind: first.kind,
            outcome,
            default,
            definitions,
            caveat,
            call: plan.call.map(|call| FunctionCall {
                location: call.location,
                arguments: (0..call.arity)
                    .map(|index| call.arguments[&index].clone())
                    .collect(),
            }),
        }
    }

    fn uncalled_function(&mut self, group: &[usize]) -> RuleTrace {
        let first = &self.program.rules[group[0]];
        RuleTrace {
            path: format!("{}.{}", first.package, first.name),
            name: first.name.clone(),
            kind: first.kind,
            outcome: RuleOutcome::NotEvaluated,
            default: None,
            caveat: None,
            definitions: group
                .iter()
                .map(|index| {
                    let rule = &self.program.rules[*index];
                    DefinitionTrace {
                        location: rule.location.clone(),
                        head: rule.head_text.clone(),
                        bodies: rule
                            .bodies
                            .iter()
                            .map(|body| BodyTrace {
                                outcome: BodyOutcome::Unexplained {
                                    reason: "no call of this function was reached, so there \
                                             are no arguments to trace it with"
                                        .to_string(),
                                },
                                ..not_reached(body)
                            })
                            .collect(),
                    }
                })
                .collect(),
            call: None,
        }
    }

    /// Evaluates a query on the probing engine within what is left of the
    /// trace's time budget.
    fn eval(
        &mut self,
        query: &str,
    ) -> Result<crate::engine::Evaluation, crate::engine::EngineError> {
        let left = self.options.budget.saturating_sub(self.started.elapsed());
        self.engine.set_time_limit(left);
        self.engine
            .evaluate_in_place(query)
            .map_err(|error| self.budget_error(error))
    }

    /// Rewords a time-limit error of a probe: the limit was what was left
    /// of the trace's budget, not the evaluation's own limit.
    fn budget_error(&self, mut error: crate::engine::EngineError) -> crate::engine::EngineError {
        if error.kind == crate::engine::ErrorKind::Timeout {
            error.message = format!(
                "the trace used up its time budget of {} ms before this was evaluated",
                self.options.budget.as_millis()
            );
        }
        error
    }

    /// Returns the value of one probe rule: from the batch evaluated for its
    /// round, or evaluated alone.
    fn probe(&mut self, query: &str) -> Result<Option<JsonValue>, String> {
        if let Some(value) = self.batch.remove(query) {
            return Ok(Some(value));
        }
        self.engine
            .evaluate_in_place(query)
            .map(|evaluation| evaluation.value().cloned())
            .map_err(|error| self.budget_error(error).message)
    }

    /// Evaluates every probe of a round in one query, so that rules the
    /// probes share are evaluated once. When any probe fails, each is
    /// evaluated alone later instead.
    fn run_batch(&mut self, plans: &[&RulePlan]) {
        let mut paths = Vec::new();
        for plan in plans {
            for (index, _, bodies) in &plan.definitions {
                let rule = &self.program.rules[*index];
                let package = &self.program.headers[rule.file_index].0;
                for (body, body_plan) in rule.bodies.iter().zip(bodies) {
                    if body_plan.added.is_err() {
                        continue;
                    }
                    for statement in 0..body.statements.len() {
                        paths.push(format!("{package}.{P}_{}_{statement}", body_plan.id));
                    }
                    paths.push(format!("{package}.{P}_{}_value", body_plan.id));
                }
            }
        }
        if paths.is_empty() {
            return;
        }
        let query = format!(
            "[{}]",
            paths
                .iter()
                .map(|path| format!("[{path}]"))
                .collect::<Vec<_>>()
                .join(",\n")
        );
        let started = Instant::now();
        let evaluation = match self.eval(&query) {
            Ok(evaluation) => evaluation,
            Err(error) => {
                log::debug!(
                    "the batch of {} probes failed: {}",
                    paths.len(),
                    error.message
                );
                return;
            }
        };
        log::debug!(
            "batch of {} probes in {:.1} ms",
            paths.len(),
            started.elapsed().as_secs_f64() * 1000.0
        );
        let Some(JsonValue::Array(values)) = evaluation.value() else {
            return;
        };
        for (path, value) in paths.into_iter().zip(values) {
            if let Some(value) = value.as_array().and_then(|wrapped| wrapped.first()) {
                self.batch.insert(path, value.clone());
            }
        }
    }

    fn rule_value(&mut self, query: &str) -> RuleOutcome {
        match self.eval(query) {
            Ok(evaluation) => match evaluation.value() {
                Some(value) => RuleOutcome::Defined(value.clone()),
                None => RuleOutcome::Undefined,
            },
            Err(error) => RuleOutcome::Error(error.message),
        }
    }

    /// The first call of a function in `group` seen in the traced
    /// statements whose arguments are all known.
    fn find_call(&self, group: &[usize]) -> Option<CallSite> {
        self.calls
            .iter()
            .find(|call| {
                (0..call.arity).all(|index| call.arguments.contains_key(&index))
                    && self
                        .program
                        .resolve(call.file_index, &call.package, &call.function)
                        .iter()
                        .any(|index| group.contains(index))
                    && group
                        .iter()
                        .any(|index| self.program.rules[*index].params.len() == call.arity)
            })
            .cloned()
    }

    /// Generates and adds the probe rules of one body, without evaluating
    /// them, so that the engine prepares all probes in one go.
    fn plan_body(
        &mut self,
        rule: &RuleDef,
        body: &Body,
        prelude: &[(String, BTreeSet<String>)],
    ) -> BodyPlan {
        let id = self.next_id;
        self.next_id += 1;
        // regorus parses probe text at about 1 ms per KB, so a large policy
        // gets probes for its first bodies only, within the budget.
        if self.planned_bytes > MAX_PROBE_BYTES || self.started.elapsed() > self.options.budget / 2
        {
            if !self.out_of_time {
                self.out_of_time = true;
                self.gaps.push(
                    "this policy is too large to trace in full within the time budget: later \
                     bodies are marked not explained"
                        .to_string(),
                );
            }
            return BodyPlan {
                id,
                file_index: rule.file_index,
                module: String::new(),
                operand_lists: Vec::new(),
                added: Err(format!(
                    "the trace of this policy stops after {} KB of probes, to stay within its \
                     time budget",
                    MAX_PROBE_BYTES / 1000
                )),
            };
        }
        let globals = self.globals(rule);

        // Variables bound after each prefix of the body.
        let mut bound: Vec<BTreeSet<String>> = Vec::new();
        let mut current: BTreeSet<String> = prelude
            .iter()
            .flat_map(|(_, vars)| vars.iter().cloned())
            .filter(|var| var != "_")
            .collect();
        for statement in &body.statements {
            bound.push(current.clone());
            if !matches!(statement.kind, StatementKind::SomeDeclaration) {
                current.extend(
                    statement
                        .vars
                        .iter()
                        .filter(|var| *var != "_" && !globals.contains(*var))
                        .cloned(),
                );
            }
        }

        let prelude_texts: Vec<&str> = prelude.iter().map(|(text, _)| text.as_str()).collect();
        let mut module = String::new();
        let mut operand_lists = Vec::new();
        for (index, statement) in body.statements.iter().enumerate() {
            let before: Vec<&str> = prelude_texts
                .iter()
                .copied()
                .chain(body.statements[..index].iter().map(|s| s.text.as_str()))
                .collect();
            let operands = shown_operands(statement, &bound[index], &globals);
            module.push_str(&statement_probe(
                &format!("{P}_{id}_{index}"),
                &before,
                statement,
                &bound[index],
                &operands,
            ));
            operand_lists.push(operands);
        }
        let all: Vec<&str> = prelude_texts
            .iter()
            .copied()
            .chain(body.statements.iter().map(|s| s.text.as_str()))
            .collect();
        let _ = write!(
            module,
            "\n{P}_{id}_value := {P}_values([{P}_hv |\n{}\n\t{P}_hv := {}\n])\n",
            indent(&all),
            body.value_text
        );

        self.planned_bytes += module.len();
        BodyPlan {
            id,
            file_index: rule.file_index,
            module,
            operand_lists,
            added: Ok(()),
        }
    }

    /// Adds the probes of a round to the engine, one module per policy
    /// file, or one per body when the file's module does not parse.
    fn add_round(&mut self, plans: &mut [&mut RulePlan]) {
        let mut files: BTreeMap<usize, Vec<&mut BodyPlan>> = BTreeMap::new();
        for plan in plans.iter_mut() {
            for (_, _, bodies) in &mut plan.definitions {
                for body in bodies {
                    files.entry(body.file_index).or_default().push(body);
                }
            }
        }
        for (file_index, mut bodies) in files {
            let (package, header) = self.program.headers[file_index].clone();
            if self.helped.insert(package) {
                let file = format!("policy-workshop-trace-helpers-{file_index}.rego");
                if let Err(error) = self
                    .engine
                    .add_policy(&PolicySource::new(file, format!("{header}{}", helpers())))
                {
                    log::warn!(
                        "the trace's helper functions do not parse: {}",
                        error.message
                    );
                }
            }
            let mut module = header.clone();
            bodies.retain(|body| body.added.is_ok());
            if bodies.is_empty() {
                continue;
            }
            for body in &bodies {
                module.push_str(&body.module);
            }
            let id = self.next_id;
            self.next_id += 1;
            let file = format!("policy-workshop-trace-{id}.rego");
            log::trace!("probe module {file}:\n{module}");
            let timer = Instant::now();
            let length = module.len();
            let added = self.engine.add_policy(&PolicySource::new(file, module));
            log::debug!("added {length} bytes of probes in {:?}", timer.elapsed());
            if added.is_ok() {
                continue;
            }
            for body in &mut bodies {
                let file = format!("policy-workshop-trace-{}.rego", body.id);
                body.added = self
                    .engine
                    .add_policy(&PolicySource::new(file, format!("{header}{}", body.module)))
                    .map_err(|error| error.message);
            }
        }
    }

    /// Evaluates the probes of a planned body.
    fn finish_body(
        &mut self,
        rule: &RuleDef,
        body: &Body,
        prelude: &[(String, BTreeSet<String>)],
        plan: &BodyPlan,
    ) -> BodyTrace {
        if self.started.elapsed() > self.options.budget {
            if !self.out_of_time {
                self.out_of_time = true;
                self.gaps.push(format!(
                    "the trace stopped after {} ms, its time budget; later bodies are not explained",
                    self.options.budget.as_millis()
                ));
            }
            return BodyTrace {
                outcome: BodyOutcome::Unexplained {
                    reason: "the trace ran out of time before this body".to_string(),
                },
                ..not_reached(body)
            };
        }
        if let Err(message) = &plan.added {
            return BodyTrace {
                outcome: BodyOutcome::Unexplained {
                    reason: format!("the trace could not split this body: {message}"),
                },
                ..not_reached(body)
            };
        }
        let id = plan.id;
        let operand_lists = &plan.operand_lists;
        let package = self.program.headers[rule.file_index].0.clone();

        let mut statements = Vec::new();
        let mut stopped = false;
        for (index, statement) in body.statements.iter().enumerate() {
            if stopped {
                statements.push(statement_not_reached(statement));
                continue;
            }
            let query = format!("{package}.{P}_{id}_{index}");
            let trace = match self.probe(&query) {
                Ok(Some(value)) => {
                    self.read_statement(rule, statement, &value, &operand_lists[index])
                }
                Ok(None) => unexplained(statement, "the probe for this statement was undefined"),
                Err(message) => self.statement_error(rule, body, prelude, index, message),
            };
            if matches!(
                trace.outcome,
                StatementOutcome::Failed
                    | StatementOutcome::NotReached
                    | StatementOutcome::Error
                    | StatementOutcome::Unexplained
            ) {
                stopped = true;
            }
            statements.push(trace);
        }

        let mut values = Vec::new();
        let outcome = match statements.iter().position(|s| {
            matches!(
                s.outcome,
                StatementOutcome::Failed
                    | StatementOutcome::NotReached
                    | StatementOutcome::Error
                    | StatementOutcome::Unexplained
            )
        }) {
            Some(index) => match statements[index].outcome {
                StatementOutcome::Error => BodyOutcome::Error {
                    message: statements[index].error.clone().unwrap_or_default(),
                },
                StatementOutcome::Unexplained => BodyOutcome::Unexplained {
                    reason: statements[index].error.clone().unwrap_or_default(),
                },
                _ => BodyOutcome::Failed { statement: index },
            },
            None => {
                let query = format!("{package}.{P}_{id}_value");
                match self.probe(&query) {
                    Ok(value) => {
                        let value = value.unwrap_or(JsonValue::Null);
                        let solutions = value.get("n").and_then(JsonValue::as_u64).unwrap_or(0);
                        if let Some(found) = value.get("v").and_then(JsonValue::as_array) {
                            values.clone_from(found);
                        }
                        if solutions == 0 {
                            // Every statement held, yet the head's value is
                            // undefined.
                            BodyOutcome::Unexplained {
                                reason: format!(
                                    "every statement held, but the head's value `{}` is undefined",
                                    body.value_text
                                ),
                            }
                        } else {
                            BodyOutcome::Succeeded { solutions }
                        }
                    }
                    Err(message) => BodyOutcome::Error { message },
                }
            }
        };
        BodyTrace {
            location: body.location.clone(),
            is_else: body.is_else,
            outcome,
            values,
            statements,
        }
    }

    /// Runs a probe again with less detail after it failed, to tell an error
    /// of the user's statement from a probe the engine could not schedule.
    fn statement_error(
        &mut self,
        rule: &RuleDef,
        body: &Body,
        prelude: &[(String, BTreeSet<String>)],
        index: usize,
        message: String,
    ) -> StatementTrace {
        let statement = &body.statements[index];
        let before: Vec<&str> = prelude
            .iter()
            .map(|(text, _)| text.as_str())
            .chain(body.statements[..index].iter().map(|s| s.text.as_str()))
            .collect();
        let id = self.next_id;
        self.next_id += 1;
        let name = format!("{P}_{id}_plain");
        let mut module = self.program.headers[rule.file_index].1.clone();
        module.push_str(&statement_probe(
            &name,
            &before,
            statement,
            &BTreeSet::new(),
            &[],
        ));
        let package = &self.program.headers[rule.file_index].0;
        let file = format!("policy-workshop-trace-{id}.rego");
        if self
            .engine
            .add_policy(&PolicySource::new(file, module))
            .is_ok()
            && let Ok(evaluation) = self.eval(&format!("{package}.{name}"))
            && let Some(value) = evaluation.value()
        {
            let mut trace = self.read_statement(rule, statement, value, &[]);
            trace.note.get_or_insert_with(|| {
                "the values of its operands could not be computed".to_string()
            });
            return trace;
        }
        let mut trace = statement_not_reached(statement);
        if self.started.elapsed() >= self.options.budget {
            trace.outcome = StatementOutcome::Unexplained;
            trace.error = Some(format!(
                "the trace ran out of its {} ms before this statement",
                self.options.budget.as_millis()
            ));
        } else if is_probe_problem(&message) {
            trace.outcome = StatementOutcome::Unexplained;
            trace.error = Some(format!(
                "the trace cannot evaluate this statement on its own: {message}"
            ));
        } else {
            trace.outcome = StatementOutcome::Error;
            trace.error = Some(message);
        }
        trace
    }

    fn read_statement(
        &mut self,
        rule: &RuleDef,
        statement: &Statement,
        value: &JsonValue,
        operands: &[Operand],
    ) -> StatementTrace {
        let reached = value.get("n").and_then(JsonValue::as_u64).unwrap_or(0);
        let held = value.get("ok").and_then(JsonValue::as_u64).unwrap_or(0);
        let outcome = if reached == 0 {
            StatementOutcome::NotReached
        } else if held == reached {
            StatementOutcome::Succeeded
        } else if held == 0 {
            StatementOutcome::Failed
        } else {
            StatementOutcome::Partly
        };
        let read = |key: &str| -> Vec<Example> {
            value
                .get(key)
                .and_then(JsonValue::as_array)
                .map(|examples| {
                    examples
                        .iter()
                        .map(|example| read_example(example, operands))
                        .collect()
                })
                .unwrap_or_default()
        };
        let failed_examples = read("f");
        let held_examples = read("p");
        for example in failed_examples.iter().chain(&held_examples).take(2) {
            self.record_calls(rule, operands, statement, example);
        }
        let note = statement_note(statement, outcome, &failed_examples, &held_examples);
        StatementTrace {
            location: statement.location.clone(),
            text: statement.display.clone(),
            kind: statement.kind.clone(),
            outcome,
            reached,
            held,
            failed_examples,
            held_examples,
            note,
            error: None,
        }
    }

    fn record_calls(
        &mut self,
        rule: &RuleDef,
        operands: &[Operand],
        statement: &Statement,
        example: &Example,
    ) {
        let mut sites: BTreeMap<(String, usize), CallSite> = BTreeMap::new();
        for (operand, value) in operands.iter().zip(&example.operands) {
            let Some((function, position, arity)) = &operand.argument_of else {
                continue;
            };
            let Some(first) = value.values.as_ref().and_then(|values| values.first()) else {
                continue;
            };
            sites
                .entry((function.clone(), *arity))
                .or_insert_with(|| CallSite {
                    file_index: rule.file_index,
                    package: rule.package.clone(),
                    function: function.clone(),
                    location: statement.location.clone(),
                    arguments: BTreeMap::new(),
                    arity: *arity,
                })
                .arguments
                .insert(*position, first.clone());
        }
        self.calls.extend(sites.into_values());
    }

    /// Names that are not local variables in `rule`'s file: rules of its
    /// package, import aliases, `input` and `data`.
    fn globals(&self, rule: &RuleDef) -> BTreeSet<String> {
        let mut globals: BTreeSet<String> = ["input", "data"].map(String::from).into();
        for other in &self.program.rules {
            if other.package == rule.package {
                globals.insert(other.name.split('.').next().unwrap_or_default().to_string());
            }
        }
        for default in &self.program.defaults {
            if default.package == rule.package {
                globals.insert(
                    default
                        .name
                        .split('.')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                );
            }
        }
        if let Some(aliases) = self.program.aliases.get(rule.file_index) {
            globals.extend(aliases.keys().cloned());
        }
        globals
    }
}

/// Finds the paths of data a query reads, such as `data.authz.allow`.
fn query_paths(query: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let bytes: Vec<char> = query.chars().collect();
    let mut index = 0;
    while index < bytes.len() {
        let rest: String = bytes[index..].iter().collect();
        let at_word_start = index == 0 || !is_ident(bytes[index - 1]) && bytes[index - 1] != '.';
        if at_word_start && rest.starts_with("data") {
            let mut path = String::from("data");
            let mut cursor = index + 4;
            loop {
                if cursor < bytes.len() && bytes[cursor] == '.' {
                    let start = cursor + 1;
                    let mut end = start;
                    while end < bytes.len() && is_ident(bytes[end]) {
                        end += 1;
                    }
                    if end == start {
                        break;
                    }
                    path.push('.');
                    path.extend(&bytes[start..end]);
                    cursor = end;
                } else if cursor + 1 < bytes.len()
                    && bytes[cursor] == '['
                    && bytes[cursor + 1] == '"'
                {
                    let start = cursor + 2;
                    let Some(length) = bytes[start..].iter().position(|c| *c == '"') else {
                        break;
                    };
                    if bytes.get(start + length + 1) != Some(&']') {
                        break;
                    }
                    path.push('.');
                    path.extend(&bytes[start..start + length]);
                    cursor = start + length + 2;
                } else {
                    break;
                }
            }
            if cursor == index + 4 || bytes.get(cursor).is_none_or(|c| !is_ident(*c)) {
                paths.push(path);
            }
            index = cursor.max(index + 1);
        } else {
            index += 1;
        }
    }
    paths
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Picks the operands whose values the probe collects: those that use only
/// variables bound before the statement, plus, for `every`, the elements
/// its body fails for.
fn shown_operands(
    statement: &Statement,
    bound: &BTreeSet<String>,
    globals: &BTreeSet<String>,
) -> Vec<Operand> {
    let mut operands: Vec<Operand> = statement
        .operands
        .iter()
        .filter(|operand| {
            operand
                .vars
                .iter()
                .all(|var| var == "_" || bound.contains(var) || globals.contains(var))
        })
        .cloned()
        .collect();
    if let StatementKind::Every {
        key,
        value,
        domain,
        body,
    } = &statement.kind
        && operands.iter().any(|o| &o.text == domain)
    {
        let key = key.clone().unwrap_or_else(|| format!("{P}_k"));
        operands.push(Operand {
            text: format!(
                "[{value} | {P}_domain := {domain}\n{value} := {P}_domain[{key}]\ncount([1 |\n{}\n]) == 0]",
                body.join("\n")
            ),
            prefixes: Vec::new(),
            argument_of: None,
            vars: BTreeSet::new(),
            label: Some(format!("elements of {domain} that fail the body")),
        });
    }
    operands
}

/// Generates the probe rule for one statement.
fn statement_probe(
    name: &str,
    before: &[&str],
    statement: &Statement,
    bound: &BTreeSet<String>,
    operands: &[Operand],
) -> String {
    let with = &statement.with_text;
    let mut element = String::new();
    let bindings: Vec<String> = bound
        .iter()
        .map(|var| format!("{}: {var}", serde_json::to_string(var).unwrap_or_default()))
        .collect();
    let _ = writeln!(
        element,
        "\t{P}_h := count([1 |\n{}\n\t]) > 0",
        statement.text
    );
    let mut operand_names = Vec::new();
    let mut detail_names = Vec::new();
    for (index, operand) in operands.iter().enumerate() {
        let _ = writeln!(
            element,
            "\t{P}_o{index} := [{P}_v | {P}_v := {}{with}]",
            operand.text
        );
        operand_names.push(format!("{P}_o{index}"));
        let prefixes = &operand.prefixes;
        let mut infos = Vec::new();
        if prefixes.len() > 1 {
            for (position, (prefix, _)) in prefixes[..prefixes.len() - 1].iter().enumerate() {
                let _ = writeln!(
                    element,
                    "\t{P}_d{index}_{position} := [{P}_x | count({P}_o{index}) == 0; {P}_x := {P}_info({prefix}){with}]"
                );
                infos.push(format!("{P}_d{index}_{position}"));
            }
        }
        detail_names.push(format!("[{}]", infos.join(", ")));
    }
    let _ = writeln!(
        element,
        "\t{P}_el := {{\"b\": {{{}}}, \"h\": {P}_h, \"o\": [{}], \"d\": [{}]}}",
        bindings.join(", "),
        operand_names.join(", "),
        detail_names.join(", ")
    );
    format!(
        "\n{name} := {P}_sum([{P}_el |\n{}\n{element}])\n",
        indent(before)
    )
}

/// Functions every package with probes gets once.
fn helpers() -> String {
    format!(
        "\n{P}_sum(s) := {{\"n\": count(s), \"ok\": count([e | e := s[_]; e.h]), \
         \"f\": array.slice([e | e := s[_]; not e.h], 0, {EXAMPLES}), \
         \"p\": array.slice([e | e := s[_]; e.h], 0, {EXAMPLES})}}\n\
         {P}_values(s) := {{\"n\": count(s), \"v\": array.slice(s, 0, {BODY_VALUES})}}\n\
         {P}_info(x) := {{\"t\": type_name(x), \"k\": array.slice([k | is_object(x); _ = x[k]], 0, {MAX_KEYS})}}\n"
    )
}

/// Lays out the statements of a probe's body, one per line. Each ends with `;`, so
/// a statement that starts with `(` is not read as a call on the one
/// before it.
fn indent(lines: &[&str]) -> String {
    if lines.is_empty() {
        return "\ttrue;".to_string();
    }
    lines
        .iter()
        .map(|line| format!("\t{line};"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn read_example(example: &JsonValue, operands: &[Operand]) -> Example {
    let bindings = example
        .get("b")
        .and_then(JsonValue::as_object)
        .map(|object| {
            object
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect()
        })
        .unwrap_or_default();
    let values = example.get("o").and_then(JsonValue::as_array);
    let details = example.get("d").and_then(JsonValue::as_array);
    let operands = operands
        .iter()
        .enumerate()
        .map(|(index, operand)| {
            let found = values
                .and_then(|values| values.get(index))
                .and_then(JsonValue::as_array)
                .filter(|values| !values.is_empty())
                .cloned();
            let mut value = OperandValue {
                text: operand
                    .label
                    .clone()
                    .unwrap_or_else(|| operand.text.clone()),
                values: found,
                defined_prefix: None,
                missing_key: None,
                suggestion: None,
                prefix_type: None,
            };
            if value.values.is_none()
                && let Some(infos) = details
                    .and_then(|details| details.get(index))
                    .and_then(JsonValue::as_array)
            {
                describe_missing(&mut value, operand, infos);
            }
            value
        })
        .collect();
    Example { bindings, operands }
}

/// Fills in the longest defined prefix of an undefined reference, the key
/// missing from it and the closest existing key.
fn describe_missing(value: &mut OperandValue, operand: &Operand, infos: &[JsonValue]) {
    // One entry per prefix: empty when the prefix is undefined, else the
    // prefix's type and keys.
    let Some((index, info)) = infos.iter().enumerate().rev().find_map(|(index, info)| {
        info.as_array()
            .and_then(|wrapped| wrapped.first())
            .map(|info| (index, info))
    }) else {
        return;
    };
    let (prefix, key) = &operand.prefixes[index];
    value.defined_prefix = Some(prefix.clone());
    value.missing_key.clone_from(key);
    let type_name = info
        .get("t")
        .and_then(JsonValue::as_str)
        .unwrap_or_default();
    if type_name != "object" {
        value.prefix_type = Some(type_name.to_string());
        return;
    }
    let keys: Vec<String> = info
        .get("k")
        .and_then(JsonValue::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Some(missing) = key {
        value.suggestion = closest_key(missing, &keys).map(str::to_string);
    }
}

fn statement_note(
    statement: &Statement,
    outcome: StatementOutcome,
    failed: &[Example],
    held: &[Example],
) -> Option<String> {
    match &statement.kind {
        StatementKind::Every { domain, .. } => {
            let example = held.first().or(failed.first())?;
            let domain_value = example
                .operands
                .iter()
                .find(|o| &o.text == domain)
                .and_then(|o| o.values.as_ref())
                .and_then(|values| values.first());
            match domain_value {
                None => Some(format!(
                    "{domain} is undefined, so `every` fails (it holds only over a defined collection)"
                )),
                Some(value)
                    if is_empty_collection(value) && outcome == StatementOutcome::Succeeded =>
                {
                    Some(format!(
                        "{domain} is empty, so `every` holds without checking anything"
                    ))
                }
                _ => None,
            }
        }
        StatementKind::Not if outcome != StatementOutcome::Failed => {
            let example = held.first()?;
            let undefined: Vec<&str> = example
                .operands
                .iter()
                .filter(|o| o.values.is_none())
                .map(|o| o.text.as_str())
                .collect();
            (!undefined.is_empty()).then(|| {
                format!(
                    "held because {} is undefined, and `not` of an undefined expression is true",
                    undefined.join(", ")
                )
            })
        }
        _ => None,
    }
}

fn is_empty_collection(value: &JsonValue) -> bool {
    match value {
        JsonValue::Array(items) => items.is_empty(),
        JsonValue::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

fn not_reached(body: &Body) -> BodyTrace {
    BodyTrace {
        location: body.location.clone(),
        is_else: body.is_else,
        outcome: BodyOutcome::NotReached,
        values: Vec::new(),
        statements: body.statements.iter().map(statement_not_reached).collect(),
    }
}

fn statement_not_reached(statement: &Statement) -> StatementTrace {
    StatementTrace {
        location: statement.location.clone(),
        text: statement.display.clone(),
        kind: statement.kind.clone(),
        outcome: StatementOutcome::NotReached,
        reached: 0,
        held: 0,
        failed_examples: Vec::new(),
        held_examples: Vec::new(),
        note: None,
        error: None,
    }
}

fn unexplained(statement: &Statement, reason: &str) -> StatementTrace {
    StatementTrace {
        outcome: StatementOutcome::Unexplained,
        error: Some(reason.to_string()),
        ..statement_not_reached(statement)
    }
}

/// True for errors that come from how the probe is built rather than from
/// the user's statement.
fn is_probe_problem(message: &str) -> bool {
    let message = message.to_lowercase();
    message.contains("unsafe")
        || message.contains("not bound")
        || message.contains("could not schedule")
        || message.contains("__pw")
        || message.contains("policy-workshop-trace")
}

/// Rego text for a JSON value: JSON is valid Rego.
fn rego_literal(value: &JsonValue) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}
