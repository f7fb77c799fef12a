//! The input and data panes: JSON or YAML editors with their parse errors
//! marked at the line where they are.

use egui::Ui;

use super::app::Action;
use super::code_editor::{CodeEditor, LineMark};
use super::highlight::{Highlighter, Language};
use crate::workspace::NamedInput;
use crate::workspace::document::{DocumentError, DocumentFormat};

/// Draws the input pane with a picker for the workspace's inputs; returns
/// true after an edit.
pub fn input_ui(
    ui: &mut Ui,
    inputs: &mut Vec<NamedInput>,
    active: usize,
    failure: Option<&DocumentError>,
    highlighter: &mut Highlighter,
    jump: Option<LineMark>,
    actions: &mut Vec<Action>,
) -> bool {
    if inputs.is_empty() {
        inputs.push(NamedInput {
            name: "input.json".to_string(),
            text: String::new(),
        });
    }
    let active = active.min(inputs.len() - 1);
    let label = ui
        .horizontal(|ui| {
            let label = ui.strong("Input");
            if inputs.len() > 1 {
                egui::ComboBox::from_id_salt("input_picker")
                    .selected_text(&inputs[active].name)
                    .show_ui(ui, |ui| {
                        for (index, input) in inputs.iter().enumerate() {
                            if ui.selectable_label(index == active, &input.name).clicked() {
                                actions.push(Action::SelectInput(index));
                            }
                        }
                    });
            } else {
                ui.weak(&inputs[active].name);
            }
            format_badge(ui, &inputs[active].text);
            label
        })
        .inner;
    document_editor(
        ui,
        "input_editor",
        &mut inputs[active].text,
        failure,
        highlighter,
        jump,
        label.id,
    )
}

/// Draws the data pane; returns true after an edit.
pub fn data_ui(
    ui: &mut Ui,
    data: &mut String,
    failure: Option<&DocumentError>,
    highlighter: &mut Highlighter,
    jump: Option<LineMark>,
) -> bool {
    let label = ui
        .horizontal(|ui| {
            let label = ui.strong("Data");
            ui.weak("base documents under data");
            format_badge(ui, data);
            label
        })
        .inner;
    document_editor(
        ui,
        "data_editor",
        data,
        failure,
        highlighter,
        jump,
        label.id,
    )
}

fn document_editor(
    ui: &mut Ui,
    id_salt: &str,
    text: &mut String,
    failure: Option<&DocumentError>,
    highlighter: &mut Highlighter,
    jump: Option<LineMark>,
    label: egui::Id,
) -> bool {
    if let Some(error) = failure {
        ui.colored_label(ui.visuals().error_fg_color, error.to_string());
    }
    let language = match DocumentFormat::detect(text) {
        DocumentFormat::Json => Language::Json,
        DocumentFormat::Yaml => Language::Yaml,
    };
    let mark = failure.and_then(|error| {
        Some(LineMark {
            line: error.line?,
            column: error.column,
        })
    });
    CodeEditor::new(id_salt, language, label)
        .error(mark)
        .jump_to(jump)
        .show(ui, text, highlighter)
        .changed()
}

fn format_badge(ui: &mut Ui, text: &str) {
    if text.trim().is_empty() {
        ui.weak("(empty: undefined)");
        return;
    }
    ui.weak(DocumentFormat::detect(text).name());
}
