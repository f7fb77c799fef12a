//! The policy editor: one tab per Rego file, the error marked in place.

use egui::Ui;

use super::app::Action;
use super::code_editor::{CodeEditor, LineMark, StatementMark, cursor_line};
use super::highlight::{Highlighter, Language};
use crate::engine::differences::warnings;
use crate::engine::{PolicySource, SourceLocation};
use crate::testing::Coverage;

/// Marks drawn in the editor: the location of the current error and the
/// coverage of the last test run, when coverage is on.
#[derive(Clone, Copy, Debug, Default)]
pub struct Marks<'a> {
    pub error: Option<&'a SourceLocation>,
    pub coverage: Option<&'a Coverage>,
    /// The trace of the selected rule, for the active file.
    pub statements: &'a [StatementMark],
    /// Text after each tab's name: unsaved edits, changes on disk.
    pub tab_marks: &'a [String],
}

/// What the policy panel reports after a frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyOutput {
    /// True after an edit.
    pub changed: bool,
    /// The 1-based line of the cursor in the active file.
    pub cursor_line: Option<usize>,
}

/// Draws the file tabs and the editor of the active file.
pub fn ui(
    ui: &mut Ui,
    policies: &mut [PolicySource],
    active: usize,
    marks: Marks<'_>,
    highlighter: &mut Highlighter,
    jump: Option<LineMark>,
    actions: &mut Vec<Action>,
) -> PolicyOutput {
    let Marks {
        error: error_location,
        coverage,
        statements,
        tab_marks,
    } = marks;
    let label = ui.horizontal(|ui| {
        let label = ui.strong("Policy");
        for (index, policy) in policies.iter().enumerate() {
            let has_error = error_location.is_some_and(|l| l.file == policy.path);
            let file_coverage =
                coverage.and_then(|c| c.files.iter().find(|f| f.file == policy.path));
            let mut name = if has_error {
                format!("! {}", policy.path)
            } else {
                policy.path.clone()
            };
            if let Some(mark) = tab_marks.get(index) {
                name.push_str(mark);
            }
            if let Some(file) = file_coverage {
                name.push_str(&format!("  {:.0}%", file.percent()));
            }
            let mut text = egui::RichText::new(name);
            if has_error {
                text = text.color(ui.visuals().error_fg_color);
            }
            if ui.selectable_label(index == active, text).clicked() {
                actions.push(Action::SelectPolicy(index));
            }
        }
        label
    });
    ui.separator();

    let Some(policy) = policies.get_mut(active) else {
        ui.label("No policy file is open.");
        return PolicyOutput::default();
    };
    let error = error_location
        .filter(|l| l.file == policy.path)
        .map(|l| LineMark {
            line: l.line as usize,
            column: Some(l.column as usize),
        });
    // Places where OPA returns another result are listed above the editor and
    // marked in amber inside it.
    let found = warnings(&policy.text);
    let warning_marks: Vec<LineMark> = found
        .iter()
        .map(|w| LineMark {
            line: w.line,
            column: Some(w.column),
        })
        .collect();
    let warning_color = if ui.visuals().dark_mode {
        egui::Color32::from_rgb(255, 190, 60)
    } else {
        egui::Color32::from_rgb(170, 100, 0)
    };
    for (warning, mark) in found.iter().zip(&warning_marks) {
        let text = egui::RichText::new(format!(
            "Differs from OPA, line {}: {}",
            warning.line, warning.message
        ))
        .color(warning_color)
        .small();
        if ui
            .add(egui::Label::new(text).sense(egui::Sense::click()))
            .on_hover_text("Differs from OPA here; click to go to the place")
            .clicked()
        {
            actions.push(Action::JumpTo(
                super::app::Pane::Policy(active),
                mark.clone(),
            ));
        }
    }
    let lines = coverage
        .and_then(|c| c.files.iter().find(|f| f.file == policy.path))
        .map(|file| (&file.covered, &file.not_covered));
    let editor = CodeEditor::new("policy_editor", Language::Rego, label.inner.id)
        .error(error)
        .coverage(lines)
        .statements(statements)
        .warnings(&warning_marks)
        .jump_to(jump);
    let response = editor.show(ui, &mut policy.text, highlighter);
    PolicyOutput {
        changed: response.changed(),
        cursor_line: cursor_line(ui, "policy_editor", &policy.text),
    }
}
