//! The status line: evaluation time, revision and the options in force.

use egui::Ui;

use super::app::{Action, ResultState};
use crate::engine::differences::{ENGINE_NAME, ENGINE_VERSION};
use crate::worker::EvalFailure;
use crate::workspace::Workspace;

/// Draws the status line.
pub fn ui(
    ui: &mut Ui,
    workspace: &Workspace,
    result: &ResultState,
    revision: u64,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        if let Some(progress) = &result.progress {
            ui.spinner();
            ui.label(progress);
            ui.separator();
        }
        let state = match (&result.failure, &result.last_good) {
            _ if result.pending => "Evaluating…".to_string(),
            (Some(EvalFailure::Worker(reason)), _) => format!("Evaluation stopped: {reason}"),
            (Some(EvalFailure::Input(_)), _) => "Input has an error".to_string(),
            (Some(EvalFailure::Data(_)), _) => "Data has an error".to_string(),
            (Some(EvalFailure::Engine(_)), _) => "Policy has an error".to_string(),
            (None, Some((_, evaluation))) => {
                format!("Evaluated in {}", format_duration(evaluation.elapsed))
            }
            (None, None) => "Not evaluated yet".to_string(),
        };
        ui.label(state)
            .on_hover_text("Time spent in the engine for the newest edit");
        ui.separator();
        ui.weak(format!("revision {revision}"));
        ui.separator();
        ui.weak(if workspace.options.rego_v0 {
            "Rego v0"
        } else {
            "Rego v1"
        });
        ui.separator();
        ui.weak(if workspace.options.strict_builtin_errors {
            "builtin errors: strict"
        } else {
            "builtin errors: undefined (OPA default)"
        });
        ui.separator();
        if ui
            .link(format!("Engine: {ENGINE_NAME} {ENGINE_VERSION}"))
            .on_hover_text("Where this engine's results differ from OPA's")
            .clicked()
        {
            actions.push(Action::ShowDifferences);
        }
    });
}

/// Formats a duration for people: microseconds below 1 ms, else milliseconds.
pub fn format_duration(duration: std::time::Duration) -> String {
    let micros = duration.as_micros();
    if micros < 1000 {
        format!("{micros} µs")
    } else {
        format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
    }
}
