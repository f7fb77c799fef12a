//! The About window and the window listing the differences from OPA.

use egui::{Context, RichText};

use super::app::Action;
use crate::engine::differences::{ENGINE_NAME, ENGINE_VERSION, OPA_VERSION, REMAINING};

/// Draws the About window while `open` is true.
pub fn about_window(ctx: &Context, open: &mut bool, actions: &mut Vec<Action>) {
    egui::Window::new("About Policy Workshop")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(format!("Policy Workshop {}", env!("CARGO_PKG_VERSION")));
            ui.label(env!("CARGO_PKG_DESCRIPTION"));
            ui.separator();
            ui.horizontal(|ui| {
                ui.strong("Engine");
                ui.label(format!("{ENGINE_NAME} {ENGINE_VERSION}"));
            });
            ui.label(format!(
                "Results aim to match OPA {OPA_VERSION}. {} differences remain.",
                REMAINING.len()
            ));
            if ui.link("Show the differences from OPA").clicked() {
                actions.push(Action::ShowDifferences);
            }
        });
}

/// Draws the list of remaining differences from OPA while `open` is true.
pub fn differences_window(ctx: &Context, open: &mut bool) {
    egui::Window::new("Differences from OPA")
        .open(open)
        .collapsible(false)
        .default_width(520.0)
        .show(ctx, |ui| {
            ui.label(format!(
                "The engine is {ENGINE_NAME} {ENGINE_VERSION}. Where it falls short of OPA \
                 {OPA_VERSION}, the app supplies builtins and rewrites syntax before evaluation. \
                 These differences remain; the editor marks the places a policy meets one."
            ));
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                for difference in REMAINING {
                    ui.label(RichText::new(difference.title).strong());
                    ui.label(difference.detail);
                    ui.add_space(6.0);
                }
            });
        });
}
