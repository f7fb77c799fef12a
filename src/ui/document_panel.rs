//! The input and data panes: JSON or YAML editors with their parse errors
//! marked at the line where they are.

use egui::Ui;

use super::app::Action;
use super::code_editor::{CodeEditor, LineMark};
use super::highlight::{Highlighter, Language};
use crate::workspace::NamedInput;
use crate::workspace::document::{DocumentError, DocumentFormat};

/// Documents larger than this open in a read-only preview, because laying
/// out megabytes of text in an editor takes longer than a frame.
pub const LARGE_DOCUMENT_BYTES: usize = 1 << 20;

/// Lines shown in the preview of a large document.
const PREVIEW_LINES: usize = 200;

/// Bytes shown at most in the preview, for documents with very long lines
/// (minified JSON is one line).
const PREVIEW_BYTES: usize = 16 * 1024;

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
                let picker = egui::ComboBox::from_id_salt("input_picker")
                    .selected_text(&inputs[active].name)
                    .show_ui(ui, |ui| {
                        for (index, input) in inputs.iter().enumerate() {
                            if ui.selectable_label(index == active, &input.name).clicked() {
                                actions.push(Action::SelectInput(index));
                            }
                        }
                    });
                let _ = picker.response.labelled_by(label.id);
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
///
/// `merged_files` is the number of data files merged into `data` when the
/// pane shows a merged document, which is read-only.
pub fn data_ui(
    ui: &mut Ui,
    data: &mut String,
    merged_files: Option<usize>,
    failure: Option<&DocumentError>,
    highlighter: &mut Highlighter,
    jump: Option<LineMark>,
) -> bool {
    let label = ui
        .horizontal(|ui| {
            let label = ui.strong("Data");
            match merged_files {
                Some(count) => ui.weak(format!(
                    "merged from {count} data files, read-only: edit the files, and the pane follows"
                )),
                None => ui.weak("base documents under data"),
            };
            format_badge(ui, data);
            label
        })
        .inner;
    if merged_files.is_some() {
        let mut copy = data.clone();
        document_editor(
            ui,
            "data_editor",
            &mut copy,
            failure,
            highlighter,
            jump,
            label.id,
        );
        return false;
    }
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
    let edit_anyway_id = ui.make_persistent_id((id_salt, "edit_large"));
    let edit_anyway = ui.data(|data| data.get_temp::<bool>(edit_anyway_id).unwrap_or(false));
    if text.len() > LARGE_DOCUMENT_BYTES && !edit_anyway {
        if large_preview(ui, text, label) {
            ui.data_mut(|data| data.insert_temp(edit_anyway_id, true));
        }
        return false;
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

/// Shows the start of a large document read-only; returns true when the
/// user asks to edit it anyway.
fn large_preview(ui: &mut Ui, text: &str, label: egui::Id) -> bool {
    let mut edit = false;
    ui.horizontal(|ui| {
        ui.label(format!(
            "{:.1} MB: shown read-only, the first {PREVIEW_LINES} lines or 16 KB. \
             Evaluation uses the whole document.",
            text.len() as f64 / 1_000_000.0
        ));
        edit = ui
            .button("Edit here")
            .on_hover_text("Opens the whole document in the editor; typing in it is slow")
            .clicked();
    });
    let end = crate::worker::view::text_preview_end(text, PREVIEW_LINES, PREVIEW_BYTES);
    egui::ScrollArea::both()
        .id_salt(("large_preview", label))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.add(egui::Label::new(egui::RichText::new(&text[..end]).monospace()).extend())
                .labelled_by(label);
        });
    edit
}

fn format_badge(ui: &mut Ui, text: &str) {
    if text.trim().is_empty() {
        ui.weak("(empty: undefined)");
        return;
    }
    ui.weak(DocumentFormat::detect(text).name());
}
