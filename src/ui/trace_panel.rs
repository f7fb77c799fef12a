//! The trace panel: why the selected rule has its value, then every rule
//! the query depends on as a tree of bodies and statements, following the
//! edits live. Clicking a node puts the editor's cursor on its line.

use egui::{Color32, RichText, Ui};

use super::app::Action;
use super::code_editor::{LineMark, StatementMark};
use crate::explain::text::{statement_line, statement_reason, value_text, why};
use crate::explain::{
    BodyOutcome, BodyTrace, RuleKind, RuleOutcome, RuleTrace, StatementOutcome, StatementTrace,
    Trace,
};

/// The parts of the trace the tree lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceFilter {
    /// Rules that produced nothing and the statements that stopped them.
    #[default]
    Failures,
    /// Every rule, body and statement.
    Everything,
    /// `print()` output and what the trace could not cover.
    Notes,
}

/// The trace panel's state between frames.
#[derive(Debug, Default)]
pub struct TraceState {
    /// The trace of the newest successful evaluation and its revision.
    pub last: Option<(u64, Trace)>,
    pub filter: TraceFilter,
    /// The path of the rule the sentence and the editor overlay are about.
    pub selected: Option<String>,
}

impl TraceState {
    /// Returns the selected rule, or the first rule that produced nothing,
    /// or the first rule.
    pub fn selected_rule(&self) -> Option<&RuleTrace> {
        let (_, trace) = self.last.as_ref()?;
        self.selected
            .as_ref()
            .and_then(|path| trace.rules.iter().find(|rule| &rule.path == path))
            .or_else(|| trace.rules.iter().find(|rule| produced_nothing(rule)))
            .or_else(|| trace.rules.first())
    }

    /// Selects the rule one of whose definitions spans `line` of `file`.
    /// Returns true when the selection changed.
    pub fn select_at(&mut self, file: &str, line: u32) -> bool {
        let Some((_, trace)) = &self.last else {
            return false;
        };
        let found = trace.rules.iter().find(|rule| {
            rule.definitions.iter().any(|definition| {
                definition.location.file == file
                    && (definition.location.line..=last_line(definition)).contains(&line)
            })
        });
        match found {
            Some(rule) if self.selected.as_ref() != Some(&rule.path) => {
                self.selected = Some(rule.path.clone());
                true
            }
            _ => false,
        }
    }

    /// Marks for the statements of the selected rule in `file`, for the
    /// editor overlay.
    pub fn statement_marks(&self, file: &str) -> Vec<StatementMark> {
        let Some(rule) = self.selected_rule() else {
            return Vec::new();
        };
        let mut marks = Vec::new();
        for definition in &rule.definitions {
            for body in &definition.bodies {
                for statement in &body.statements {
                    if statement.location.file != file {
                        continue;
                    }
                    marks.push(StatementMark {
                        first_line: statement.location.line as usize,
                        last_line: statement.location.end_line as usize,
                        kind: statement.outcome,
                        detail: statement_detail(statement),
                    });
                }
            }
        }
        marks
    }
}

/// Returns the last line of a definition: the end of its last body.
fn last_line(definition: &crate::explain::DefinitionTrace) -> u32 {
    definition
        .bodies
        .iter()
        .map(|body| body.location.end_line)
        .chain([definition.location.end_line])
        .max()
        .unwrap_or(definition.location.line)
}

/// Text for hovering a statement in the editor.
fn statement_detail(statement: &StatementTrace) -> String {
    let mut detail = format!(
        "{}: {}",
        statement.outcome.describe(),
        statement_line(&statement.text)
    );
    let reason = statement_reason(statement);
    if !reason.is_empty() {
        detail.push('\n');
        detail.push_str(&reason);
    }
    if let Some(example) = statement.held_examples.first()
        && statement.failed_examples.is_empty()
    {
        for operand in &example.operands {
            if let Some(values) = &operand.values {
                let shown: Vec<String> = values.iter().take(3).map(value_text).collect();
                detail.push_str(&format!(
                    "\n{} = {}",
                    statement_line(&operand.text),
                    shown.join(", ")
                ));
            }
        }
    }
    detail
}

fn produced_nothing(rule: &RuleTrace) -> bool {
    match &rule.outcome {
        RuleOutcome::Undefined | RuleOutcome::Error(_) => true,
        RuleOutcome::Defined(serde_json::Value::Array(items)) => {
            items.is_empty() && rule.kind == RuleKind::PartialSet
        }
        RuleOutcome::Defined(_) => rule
            .definitions
            .iter()
            .flat_map(|d| d.bodies.iter())
            .next()
            .is_some_and(|_| {
                !rule
                    .definitions
                    .iter()
                    .flat_map(|d| d.bodies.iter())
                    .any(|b| matches!(b.outcome, BodyOutcome::Succeeded { .. }))
            }),
        RuleOutcome::NotEvaluated => false,
    }
}

/// Colour of an outcome, readable on light and dark backgrounds.
pub fn outcome_color(outcome: StatementOutcome, dark_mode: bool) -> Color32 {
    match (outcome, dark_mode) {
        (StatementOutcome::Succeeded, false) => Color32::from_rgb(20, 130, 50),
        (StatementOutcome::Succeeded, true) => Color32::from_rgb(110, 210, 130),
        (StatementOutcome::Failed | StatementOutcome::Error, false) => {
            Color32::from_rgb(190, 30, 30)
        }
        (StatementOutcome::Failed | StatementOutcome::Error, true) => {
            Color32::from_rgb(255, 120, 120)
        }
        (StatementOutcome::Partly, false) => Color32::from_rgb(180, 100, 0),
        (StatementOutcome::Partly, true) => Color32::from_rgb(240, 170, 70),
        (StatementOutcome::NotReached | StatementOutcome::Unexplained, _) => Color32::GRAY,
    }
}

/// Returns a one-character symbol for an outcome. All are in egui's
/// monospace font, so draw them monospace.
pub fn outcome_symbol(outcome: StatementOutcome) -> &'static str {
    match outcome {
        StatementOutcome::Succeeded => "●",
        StatementOutcome::Failed => "×",
        StatementOutcome::Partly => "◐",
        StatementOutcome::NotReached => "○",
        StatementOutcome::Error => "!",
        StatementOutcome::Unexplained => "?",
    }
}

fn rule_outcome_kind(rule: &RuleTrace) -> StatementOutcome {
    match &rule.outcome {
        RuleOutcome::Error(_) => StatementOutcome::Error,
        RuleOutcome::NotEvaluated => StatementOutcome::NotReached,
        _ if produced_nothing(rule) => StatementOutcome::Failed,
        _ => StatementOutcome::Succeeded,
    }
}

fn body_outcome_kind(body: &BodyTrace) -> StatementOutcome {
    match body.outcome {
        BodyOutcome::Succeeded { .. } => StatementOutcome::Succeeded,
        BodyOutcome::Failed { .. } => StatementOutcome::Failed,
        BodyOutcome::NotReached => StatementOutcome::NotReached,
        BodyOutcome::Error { .. } => StatementOutcome::Error,
        BodyOutcome::Unexplained { .. } => StatementOutcome::Unexplained,
    }
}

/// Draws the panel. `stale` greys it out while the newest revision has an
/// error and the trace is of an older one.
pub fn ui(ui: &mut Ui, state: &mut TraceState, stale: bool, actions: &mut Vec<Action>) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Show");
        for (filter, label, hint) in [
            (
                TraceFilter::Failures,
                "Failures",
                "Rules that produced nothing, and the statements that stopped them",
            ),
            (
                TraceFilter::Everything,
                "Everything",
                "Every rule, body and statement the query depends on",
            ),
            (
                TraceFilter::Notes,
                "Notes",
                "Output of print() calls, and what the trace could not cover",
            ),
        ] {
            if ui
                .selectable_label(state.filter == filter, label)
                .on_hover_text(hint)
                .clicked()
            {
                state.filter = filter;
            }
        }
        if let Some((_, trace)) = &state.last {
            ui.separator();
            ui.weak(format!(
                "{} rule{} traced in {:.0} ms",
                trace.rules.len(),
                if trace.rules.len() == 1 { "" } else { "s" },
                trace.elapsed_us as f64 / 1000.0
            ));
        }
        if stale {
            ui.separator();
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "Stale: the trace of the last result that evaluated",
            );
        }
    });
    ui.separator();

    let Some((_, trace)) = &state.last else {
        ui.weak("The trace appears after the first evaluation.");
        return;
    };
    if trace.rules.is_empty() && state.filter != TraceFilter::Notes {
        ui.weak(
            "The query reads no rules of the open policies. Query a package or a rule, \
             such as data.example.allow, to see why it has its value.",
        );
    }

    if state.filter != TraceFilter::Notes
        && let Some(rule) = state.selected_rule()
    {
        let chosen = why_box(ui, rule, &trace.rules, stale);
        if let Some(path) = chosen {
            state.selected = Some(path);
        }
    }

    let mut selected = None;
    egui::ScrollArea::vertical()
        .id_salt("trace_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if stale {
                ui.disable();
            }
            if state.filter == TraceFilter::Notes {
                notes_ui(ui, trace, actions);
                return;
            }
            let mut shown = 0;
            for rule in &trace.rules {
                if state.filter == TraceFilter::Failures && !produced_nothing(rule) {
                    continue;
                }
                shown += 1;
                if let Some(path) =
                    rule_ui(ui, rule, state.filter, state.selected.as_deref(), actions)
                {
                    selected = Some(path);
                }
            }
            if shown == 0 {
                ui.weak(
                    "Every rule the query depends on produced a value. \
                     Choose Everything to see how.",
                );
            }
            if !trace.notes.is_empty() || !trace.gaps.is_empty() {
                ui.separator();
                notes_ui(ui, trace, actions);
            }
        });
    if let Some(path) = selected {
        state.selected = Some(path);
    }
}

/// Draws the sentence on the selected rule, with a picker for another
/// rule; returns the path of a rule picked.
fn why_box(ui: &mut Ui, rule: &RuleTrace, rules: &[RuleTrace], stale: bool) -> Option<String> {
    let mut chosen = None;
    let frame = egui::Frame::group(ui.style())
        .fill(ui.visuals().faint_bg_color)
        .inner_margin(egui::Margin::same(8));
    frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        if stale {
            ui.disable();
        }
        ui.horizontal_wrapped(|ui| {
            let color = outcome_color(rule_outcome_kind(rule), ui.visuals().dark_mode);
            let label = ui.label(RichText::new("Why").strong().color(color));
            let picker = egui::ComboBox::from_id_salt("why_rule")
                .selected_text(&rule.path)
                .show_ui(ui, |ui| {
                    for other in rules {
                        if ui
                            .selectable_label(other.path == rule.path, &other.path)
                            .clicked()
                        {
                            chosen = Some(other.path.clone());
                        }
                    }
                });
            let _ = picker
                .response
                .labelled_by(label.id)
                .on_hover_text("Put the cursor in a rule, or click one below, to explain it");
        });
        // A long explanation scrolls, so the tree below stays in view.
        egui::ScrollArea::vertical()
            .id_salt("why_scroll")
            .auto_shrink([false, true])
            .max_height(88.0)
            .show(ui, |ui| {
                ui.add(egui::Label::new(RichText::new(why(rule)).size(15.0)).wrap());
            });
    });
    chosen
}

fn symbol(ui: &mut Ui, outcome: StatementOutcome) {
    let color = outcome_color(outcome, ui.visuals().dark_mode);
    ui.label(
        RichText::new(outcome_symbol(outcome))
            .color(color)
            .monospace(),
    );
}

/// Draws one rule as a collapsing node; returns its path when clicked.
fn rule_ui(
    ui: &mut Ui,
    rule: &RuleTrace,
    filter: TraceFilter,
    selected: Option<&str>,
    actions: &mut Vec<Action>,
) -> Option<String> {
    let kind = rule_outcome_kind(rule);
    let outcome = match &rule.outcome {
        RuleOutcome::Defined(value) => format!("= {}", value_text(value)),
        RuleOutcome::Undefined => "undefined".to_string(),
        RuleOutcome::Error(message) => {
            format!("error: {}", message.lines().next().unwrap_or_default())
        }
        RuleOutcome::NotEvaluated => "not called".to_string(),
    };
    let location = rule.definitions.first().map(|d| d.location.clone());
    let color = outcome_color(kind, ui.visuals().dark_mode);
    let mut title = egui::text::LayoutJob::default();
    let body_font = egui::TextStyle::Body.resolve(ui.style());
    let mono_font = egui::TextStyle::Monospace.resolve(ui.style());
    title.append(
        &format!("{} ", outcome_symbol(kind)),
        0.0,
        egui::TextFormat::simple(mono_font, color),
    );
    let strong = selected == Some(rule.path.as_str());
    title.append(
        &format!("{} ({}) {}", rule.name, rule.kind.describe(), outcome),
        0.0,
        egui::TextFormat::simple(
            body_font,
            if strong {
                ui.visuals().strong_text_color()
            } else {
                color
            },
        ),
    );
    let mut clicked = None;
    let response = egui::CollapsingHeader::new(title)
        .id_salt(&rule.path)
        .default_open(produced_nothing(rule) || filter == TraceFilter::Everything)
        .show(ui, |ui| {
            if let Some(call) = &rule.call {
                let arguments: Vec<String> = call.arguments.iter().map(value_text).collect();
                ui.weak(format!(
                    "traced with the call at line {}: {}({})",
                    call.location.line,
                    rule.name,
                    arguments.join(", ")
                ));
            }
            if let Some(default) = &rule.default {
                ui.weak(format!(
                    "default {} (line {})",
                    default.value, default.location.line
                ));
            }
            for definition in &rule.definitions {
                for body in &definition.bodies {
                    let kind = body_outcome_kind(body);
                    if filter == TraceFilter::Failures
                        && matches!(
                            kind,
                            StatementOutcome::Succeeded | StatementOutcome::NotReached
                        )
                    {
                        continue;
                    }
                    if body_ui(ui, rule, body, filter, actions) {
                        clicked = Some(rule.path.clone());
                    }
                }
            }
        });
    if response.header_response.clicked() {
        clicked = Some(rule.path.clone());
        if let Some(location) = location {
            actions.push(Action::JumpToPolicyFile(
                location.file,
                LineMark {
                    line: location.line as usize,
                    column: None,
                },
            ));
        }
    }
    clicked
}

/// Draws one body and its statements; returns true when a line was clicked.
fn body_ui(
    ui: &mut Ui,
    rule: &RuleTrace,
    body: &BodyTrace,
    filter: TraceFilter,
    actions: &mut Vec<Action>,
) -> bool {
    let mut clicked = false;
    let status = match &body.outcome {
        BodyOutcome::Succeeded { solutions } => format!(
            "succeeded {solutions} time{}",
            if *solutions == 1 { "" } else { "s" }
        ),
        BodyOutcome::Failed { statement } => format!(
            "stopped at line {}",
            body.statements[*statement].location.line
        ),
        BodyOutcome::NotReached => "not reached: an earlier body of the chain succeeded".into(),
        BodyOutcome::Error { message } => {
            format!("error: {}", message.lines().next().unwrap_or_default())
        }
        BodyOutcome::Unexplained { reason } => format!("not explained: {reason}"),
    };
    let name = if body.is_else { "else" } else { "body" };
    ui.horizontal(|ui| {
        symbol(ui, body_outcome_kind(body));
        let text = format!("{name} at line {}: {status}", body.location.line);
        if ui.selectable_label(false, text).clicked() {
            jump(actions, &body.location.file, body.location.line);
            clicked = true;
        }
    });
    if !body.values.is_empty() && rule.kind != RuleKind::Function {
        let values: Vec<String> = body.values.iter().map(value_text).collect();
        ui.indent(("values", body.location.line), |ui| {
            ui.weak(format!("gave {}", values.join(", ")));
        });
    }
    ui.indent(("body", &body.location.file, body.location.line), |ui| {
        for statement in &body.statements {
            let interesting = !matches!(
                statement.outcome,
                StatementOutcome::Succeeded | StatementOutcome::NotReached
            );
            if filter == TraceFilter::Failures && !interesting {
                continue;
            }
            ui.horizontal(|ui| {
                symbol(ui, statement.outcome);
                let text = format!(
                    "{:>3}  {}",
                    statement.location.line,
                    statement_line(&statement.text)
                );
                let response = ui
                    .selectable_label(false, RichText::new(text).monospace())
                    .on_hover_text(statement_detail(statement));
                if response.clicked() {
                    jump(actions, &statement.location.file, statement.location.line);
                    clicked = true;
                }
            });
            let reason = statement_reason(statement);
            let reason = if reason.is_empty() {
                statement.note.clone().unwrap_or_default()
            } else {
                reason
            };
            if !reason.is_empty() && (interesting || statement.note.is_some()) {
                ui.indent(("reason", statement.location.line), |ui| {
                    ui.add(egui::Label::new(RichText::new(reason).italics()).wrap());
                });
            }
        }
    });
    clicked
}

fn notes_ui(ui: &mut Ui, trace: &Trace, actions: &mut Vec<Action>) {
    if trace.notes.is_empty() && trace.gaps.is_empty() {
        ui.weak("No notes. print() output appears here, at its line.");
        return;
    }
    for note in &trace.notes {
        ui.horizontal(|ui| {
            let text = format!("{}:{}", note.file, note.line);
            if ui.link(text).clicked() {
                jump(actions, &note.file, note.line);
            }
            ui.label(RichText::new(&note.text).monospace());
        });
    }
    for gap in &trace.gaps {
        ui.colored_label(ui.visuals().warn_fg_color, format!("Not traced: {gap}"));
    }
}

fn jump(actions: &mut Vec<Action>, file: &str, line: u32) {
    actions.push(Action::JumpToPolicyFile(
        file.to_string(),
        LineMark {
            line: line as usize,
            column: None,
        },
    ));
}
