//! The menu bar: files, samples, evaluation options and view settings.

use std::path::PathBuf;

use egui::Ui;

use super::app::{Action, PathPurpose};
use crate::workspace::Workspace;
use crate::workspace::samples::Sample;

/// View settings the menus show as checked or not.
#[derive(Clone, Copy, Debug, Default)]
pub struct ViewState {
    pub drills_visible: bool,
    pub workshop: bool,
}

/// Draws the menu bar and queues the chosen actions.
pub fn ui(
    ui: &mut Ui,
    workspace: &Workspace,
    samples: &[Sample],
    recent: &[Vec<PathBuf>],
    view: ViewState,
    actions: &mut Vec<Action>,
) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            fn item(ui: &mut Ui, actions: &mut Vec<Action>, label: &str, action: Action) {
                if ui.button(label).clicked() {
                    actions.push(action);
                    ui.close();
                }
            }
            item(ui, actions, "Open folder… (Ctrl+O)", Action::AskPath(PathPurpose::Open));
            item(ui, actions, "Open by path…", Action::TypePath(PathPurpose::Open));
            ui.menu_button("Open recent", |ui| {
                if recent.is_empty() {
                    ui.weak("Nothing opened yet");
                }
                for paths in recent {
                    let label = paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ");
                    if ui.button(label).clicked() {
                        actions.push(Action::OpenPaths(paths.clone()));
                        ui.close();
                    }
                }
            });
            ui.separator();
            item(ui, actions, "Save (Ctrl+S)", Action::Save);
            item(ui, actions, "Save as… (Ctrl+Shift+S)", Action::SaveAs);
            item(ui, actions, "Save all", Action::SaveAll);
            ui.separator();
            item(ui, actions, "Export session…", Action::AskPath(PathPurpose::ExportSession));
            item(ui, actions, "Open session…", Action::AskPath(PathPurpose::OpenSession));
            ui.separator();
            item(ui, actions, "Copy the opa eval command", Action::CopyOpaEval);
            item(ui, actions, "Copy the opa test command", Action::CopyOpaTest);
        });

        ui.menu_button("Samples", |ui| {
            if samples.is_empty() {
                ui.label("No sample-policies folder found");
            }
            for sample in samples {
                let current = sample.title == workspace.title;
                if ui.selectable_label(current, &sample.title).clicked() {
                    actions.push(Action::LoadSample(sample.clone()));
                    ui.close();
                }
            }
        });

        ui.menu_button("Drills", |ui| {
            if ui.button("Built-in drills").clicked() {
                actions.push(Action::OpenBuiltinDrills);
                ui.close();
            }
            if ui.button("Open drill pack…").clicked() {
                actions.push(Action::ShowOpenPack);
                ui.close();
            }
            if view.drills_visible && ui.button("Close the drill panel").clicked() {
                actions.push(Action::CloseDrills);
                ui.close();
            }
        });

        ui.menu_button("Evaluation", |ui| {
            let mut rego_v0 = workspace.options.rego_v0;
            if ui
                .checkbox(&mut rego_v0, "Rego v0 syntax")
                .on_hover_text("Parse rules without `if` and `contains`, as OPA before 1.0 did (--v0-compatible)")
                .changed()
            {
                actions.push(Action::SetRegoV0(rego_v0));
            }
            let mut strict = workspace.options.strict_builtin_errors;
            if ui
                .checkbox(&mut strict, "Strict builtin errors")
                .on_hover_text(
                    "Make a failed builtin call (such as to_number(\"abc\")) an error. \
                     Off, as in OPA, the call is undefined.",
                )
                .changed()
            {
                actions.push(Action::SetStrictBuiltinErrors(strict));
            }
            ui.separator();
            if ui.button("Query the package of this policy").clicked() {
                actions.push(Action::ResetQuery);
                ui.close();
            }
        });

        ui.menu_button("View", |ui| {
            let mut workshop = view.workshop;
            if ui
                .checkbox(&mut workshop, "Workshop mode")
                .on_hover_text("For a projector: larger text, a high-contrast light theme, and a large drill goal and checklist")
                .changed()
            {
                actions.push(Action::SetWorkshopMode(workshop));
            }
            ui.separator();
            let dark = ui.visuals().dark_mode;
            if ui.selectable_label(!dark, "Light theme").clicked() {
                actions.push(Action::SetDarkMode(false));
            }
            if ui.selectable_label(dark, "Dark theme").clicked() {
                actions.push(Action::SetDarkMode(true));
            }
            ui.separator();
            if ui.button("Larger text (Ctrl = or Ctrl +)").clicked() {
                actions.push(Action::ZoomBy(1.1));
            }
            if ui.button("Smaller text (Ctrl -)").clicked() {
                actions.push(Action::ZoomBy(1.0 / 1.1));
            }
            if ui.button("Reset text size (Ctrl 0)").clicked() {
                actions.push(Action::ResetZoom);
            }
        });

        ui.menu_button("Help", |ui| {
            if ui.button("About Policy Workshop").clicked() {
                actions.push(Action::ShowAbout);
                ui.close();
            }
            if ui.button("Differences from OPA").clicked() {
                actions.push(Action::ShowDifferences);
                ui.close();
            }
        });

        ui.separator();
        ui.strong(&workspace.title);
        let syntax = if workspace.options.rego_v0 { "Rego v0" } else { "Rego v1" };
        ui.weak(syntax);
    });
}
