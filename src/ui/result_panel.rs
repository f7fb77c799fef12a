//! The query field and the result: the value with its kind spelled out,
//! so that undefined, false, {} and [] never look alike; errors with their
//! location; the last good result greyed while an error is shown.

use egui::{Color32, RichText, Ui};

use super::app::{Action, Pane, ResultState};
use super::code_editor::LineMark;
use super::highlight::{Highlighter, Language};
use crate::engine::EngineError;
use crate::worker::EvalFailure;
use crate::worker::view::{LARGE_VALUE_LINES, ValueShape};
use crate::workspace::document::DocumentError;

/// Draws the query field and the result; returns true when the query changed.
pub fn ui(
    ui: &mut Ui,
    query: &mut String,
    result: &ResultState,
    highlighter: &mut Highlighter,
    actions: &mut Vec<Action>,
) -> bool {
    let changed = ui
        .horizontal(|ui| {
            let label = ui.strong("Query");
            ui.add(
                egui::TextEdit::singleline(query)
                    .font(egui::TextStyle::Monospace)
                    .desired_width(f32::INFINITY)
                    .hint_text("data.package.rule"),
            )
            .labelled_by(label.id)
            .changed()
        })
        .inner;
    ui.separator();

    let result_label = ui.strong("Result");
    egui::ScrollArea::both()
        .id_salt("result_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if let Some(failure) = &result.failure {
                failure_ui(ui, failure, actions);
                if let Some((revision, _)) = &result.last_good {
                    ui.add_space(8.0);
                    ui.label(
                        RichText::new(format!(
                            "Stale: the last good result, from revision {revision}"
                        ))
                        .italics()
                        .weak(),
                    );
                    ui.scope(|ui| {
                        ui.multiply_opacity(0.45);
                        evaluation_ui(ui, result, highlighter, result_label.id, actions);
                    });
                }
                return;
            }
            match &result.last_good {
                Some(_) => evaluation_ui(ui, result, highlighter, result_label.id, actions),
                None if result.pending => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(result.progress.as_deref().unwrap_or("Evaluating…"));
                    });
                }
                None => {
                    ui.weak("No result yet");
                }
            }
        });
    changed
}

fn failure_ui(ui: &mut Ui, failure: &EvalFailure, actions: &mut Vec<Action>) {
    let error_color = ui.visuals().error_fg_color;
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.5, error_color))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            match failure {
                EvalFailure::Engine(error) => engine_error_ui(ui, error, actions),
                EvalFailure::Input(error) => {
                    document_error_ui(ui, "input", Pane::Input, error, actions)
                }
                EvalFailure::Data(error) => {
                    document_error_ui(ui, "data", Pane::Data, error, actions)
                }
                EvalFailure::Worker(reason) => worker_failure_ui(ui, reason),
            }
        });
}

fn engine_error_ui(ui: &mut Ui, error: &EngineError, actions: &mut Vec<Action>) {
    let code = error.kind.opa_code(&error.message);
    ui.label(
        RichText::new(code)
            .strong()
            .color(ui.visuals().error_fg_color),
    );
    if let Some(location) = &error.location {
        let link = ui.link(RichText::new(location.to_string()).monospace());
        if link.on_hover_text("Show this line in the editor").clicked() {
            actions.push(Action::JumpToPolicyFile(
                location.file.clone(),
                LineMark {
                    line: location.line as usize,
                    column: Some(location.column as usize),
                },
            ));
        }
    }
    ui.label(RichText::new(&error.message).monospace());
    if let Some(hint) = &error.hint {
        ui.label(RichText::new(format!("Hint: {hint}")).italics());
    }
}

fn worker_failure_ui(ui: &mut Ui, reason: &str) {
    let mut heading = reason.to_string();
    if let Some(first) = heading.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    ui.label(
        RichText::new(heading)
            .strong()
            .color(ui.visuals().error_fg_color),
    );
    ui.label(
        "The evaluator was restarted and your text is unchanged. Look for a rule that \
         iterates over a huge collection, builds a very large value or calls itself \
         through a long chain of rules; the next edit evaluates again.",
    );
}

fn document_error_ui(
    ui: &mut Ui,
    name: &str,
    pane: Pane,
    error: &DocumentError,
    actions: &mut Vec<Action>,
) {
    ui.label(
        RichText::new(format!(
            "The {name} document is not valid {}",
            error.format.name()
        ))
        .strong()
        .color(ui.visuals().error_fg_color),
    );
    if let Some(line) = error.line {
        let place = match error.column {
            Some(column) => format!("line {line}, column {column}"),
            None => format!("line {line}"),
        };
        if ui.link(place).on_hover_text("Show this line").clicked() {
            actions.push(Action::JumpTo(
                pane,
                LineMark {
                    line,
                    column: error.column,
                },
            ));
        }
    }
    ui.label(RichText::new(&error.message).monospace());
}

/// Draws the last good result: its kind, its printed value and its
/// `print()` output.
fn evaluation_ui(
    ui: &mut Ui,
    result: &ResultState,
    highlighter: &mut Highlighter,
    label: egui::Id,
    actions: &mut Vec<Action>,
) {
    let (Some(shown), Some((_, evaluation))) = (&result.shown, &result.last_good) else {
        return;
    };
    let (kind, color) = describe(shown.shape, ui.visuals().dark_mode);
    match shown.shape {
        ValueShape::Undefined => {
            egui::Frame::group(ui.style()).stroke(egui::Stroke::new(2.0, color)).show(ui, |ui| {
                ui.label(RichText::new("undefined").size(22.0).italics().strong().color(color));
                ui.label(
                    "The query has no value: no rule body succeeded for this input and no `default` \
                     rule gives a fallback. Undefined is not false, and `not` of it is true.",
                );
            });
        }
        _ => {
            ui.label(RichText::new(kind).size(16.0).strong().color(color));
            let mut text = shown.text.as_str();
            if !shown.complete {
                ui.horizontal(|ui| {
                    ui.label(format!(
                        "{:.1} MB: the first {LARGE_VALUE_LINES} lines are shown.",
                        shown.total_bytes as f64 / 1_000_000.0
                    ));
                    if result.copying {
                        ui.spinner();
                        ui.label("Preparing the whole value…");
                    } else if ui.button("Copy the whole value").clicked() {
                        actions.push(Action::CopyWholeResult);
                    }
                });
            }
            let font = egui::TextStyle::Monospace.resolve(ui.style());
            let dark = ui.visuals().dark_mode;
            let job = highlighter.layout_job(text, Language::Json, &font, dark, &[]);
            let mut layouter = move |ui: &Ui, _: &dyn egui::TextBuffer, _: f32| {
                ui.fonts_mut(|f| f.layout_job(job.clone()))
            };
            ui.add(
                egui::TextEdit::multiline(&mut text)
                    .code_editor()
                    .desired_width(f32::INFINITY)
                    .layouter(&mut layouter),
            )
            .labelled_by(label);
            if !shown.complete {
                ui.weak(format!(
                    "… the value goes on for {:.1} MB more. Copy the whole value to see all of it.",
                    shown.total_bytes.saturating_sub(shown.text.len()) as f64 / 1_000_000.0
                ));
            }
            if shown.non_integer {
                ui.label(
                    RichText::new(
                        "Note: non-integer numbers here were computed in binary floating point by \
                         regorus and printed rounded to 16 significant digits. OPA computes exact \
                         decimals, so a 17th digit, or an equality test on such numbers, can differ.",
                    )
                    .small()
                    .weak(),
                );
            }
        }
    }
    if !evaluation.prints.is_empty() {
        ui.add_space(6.0);
        ui.strong("print() output");
        for line in &evaluation.prints {
            ui.label(RichText::new(line).monospace());
        }
    }
}

/// Names the kind of a result in words, with a colour per kind.
pub fn describe(shape: ValueShape, dark_mode: bool) -> (String, Color32) {
    let (undefined, falsy, truthy, neutral) = if dark_mode {
        (
            Color32::from_rgb(230, 160, 60),
            Color32::from_rgb(255, 120, 120),
            Color32::from_rgb(110, 210, 130),
            Color32::LIGHT_BLUE,
        )
    } else {
        (
            Color32::from_rgb(170, 95, 0),
            Color32::from_rgb(190, 30, 30),
            Color32::from_rgb(20, 130, 50),
            Color32::from_rgb(30, 80, 160),
        )
    };
    match shape {
        ValueShape::Undefined => ("undefined".to_string(), undefined),
        ValueShape::False => ("false (a boolean, not undefined)".to_string(), falsy),
        ValueShape::True => ("true".to_string(), truthy),
        ValueShape::Null => ("null".to_string(), neutral),
        ValueShape::Object { keys: 0 } => ("empty object {}".to_string(), neutral),
        ValueShape::Array { items: 0 } => ("empty set or array []".to_string(), neutral),
        ValueShape::Object { keys } => (count_of(keys, "object with", "key"), neutral),
        ValueShape::Array { items } => (count_of(items, "set or array of", "item"), neutral),
        ValueShape::String => ("string".to_string(), neutral),
        ValueShape::Number => ("number".to_string(), neutral),
    }
}

fn count_of(count: usize, prefix: &str, noun: &str) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("{prefix} {count} {noun}{plural}")
}
