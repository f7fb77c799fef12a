//! The policy editor: one tab per Rego file, the error marked in place.

use egui::Ui;

use super::app::{Action, ResultState};
use super::code_editor::{CodeEditor, LineMark};
use super::highlight::{Highlighter, Language};
use crate::engine::PolicySource;
use crate::worker::EvalFailure;

/// Draws the file tabs and the editor of the active file; returns true
/// after an edit.
pub fn ui(
    ui: &mut Ui,
    policies: &mut [PolicySource],
    active: usize,
    result: &ResultState,
    highlighter: &mut Highlighter,
    jump: Option<LineMark>,
    actions: &mut Vec<Action>,
) -> bool {
    let error_location = match &result.failure {
        Some(EvalFailure::Engine(error)) => error.location.as_ref(),
        _ => None,
    };
    let label = ui.horizontal(|ui| {
        let label = ui.strong("Policy");
        for (index, policy) in policies.iter().enumerate() {
            let has_error = error_location.is_some_and(|l| l.file == policy.path);
            let text = if has_error {
                egui::RichText::new(format!("! {}", policy.path)).color(ui.visuals().error_fg_color)
            } else {
                egui::RichText::new(&policy.path)
            };
            if ui.selectable_label(index == active, text).clicked() {
                actions.push(Action::SelectPolicy(index));
            }
        }
        label
    });
    ui.separator();

    let Some(policy) = policies.get_mut(active) else {
        ui.label("No policy file is open.");
        return false;
    };
    let error = error_location
        .filter(|l| l.file == policy.path)
        .map(|l| LineMark {
            line: l.line as usize,
            column: Some(l.column as usize),
        });
    let editor = CodeEditor::new("policy_editor", Language::Rego, label.inner.id)
        .error(error)
        .jump_to(jump);
    let response = editor.show(ui, &mut policy.text, highlighter);
    response.changed()
}
