//! The app's side of drills: opening packs and drills, applying the drill
//! panel's actions, keeping progress, and workshop mode.

use std::path::Path;

use egui::{Color32, Stroke};

use super::{Action, BottomTab, Changed, PolicyWorkshopApp, ResultState};
use crate::drills::progress::{Prediction, Status};
use crate::drills::{Drill, Pack};
use crate::engine::{EvalOptions, PolicySource};
use crate::ui::pack_loader::LoadedPack;
use crate::ui::tests_panel::TestsState;
use crate::ui::trace_panel::TraceState;
use crate::workspace::samples::samples_folder;
use crate::workspace::{NamedInput, Workspace};

/// Zoom factor of workshop mode, for a projector at the back of a room.
pub const WORKSHOP_ZOOM: f32 = 1.5;

/// Folder of the built-in pack inside `sample-policies`.
const BUILTIN_PACK: &str = "drills";

/// Builds the workspace of a drill: the learner's policy, one input per
/// scenario that has one, the drill's data and query.
fn drill_workspace(drill: &Drill, policy: String) -> Workspace {
    let inputs = drill
        .spec
        .scenarios
        .iter()
        .filter_map(|scenario| {
            let text = scenario.input.clone()?;
            Some(NamedInput {
                name: scenario.name.clone(),
                text,
            })
        })
        .collect();
    Workspace {
        title: format!("Drill: {}", drill.title),
        policies: vec![PolicySource::new(&drill.spec.policy_file, policy)],
        inputs,
        data: drill
            .spec
            .data
            .clone()
            .unwrap_or_else(|| "{}\n".to_string()),
        query: drill.spec.query.clone(),
        options: EvalOptions::default(),
        ..Workspace::default()
    }
    .with_origins()
}

/// Returns a light theme with black text and firm outlines, readable on a
/// projector.
pub fn high_contrast_visuals() -> egui::Visuals {
    let mut visuals = egui::Visuals::light();
    let black = Color32::BLACK;
    visuals.override_text_color = Some(black);
    visuals.panel_fill = Color32::WHITE;
    visuals.window_fill = Color32::WHITE;
    visuals.extreme_bg_color = Color32::WHITE;
    visuals.faint_bg_color = Color32::from_gray(238);
    visuals.widgets.noninteractive.fg_stroke = Stroke::new(1.5, black);
    visuals.widgets.noninteractive.bg_stroke = Stroke::new(1.0, Color32::from_gray(70));
    visuals.widgets.inactive.fg_stroke = Stroke::new(1.5, black);
    visuals.widgets.inactive.bg_stroke = Stroke::new(1.0, Color32::from_gray(50));
    visuals.widgets.inactive.weak_bg_fill = Color32::from_gray(225);
    visuals.widgets.hovered.fg_stroke = Stroke::new(2.0, black);
    visuals.widgets.active.fg_stroke = Stroke::new(2.0, black);
    visuals.selection.bg_fill = Color32::from_rgb(160, 195, 255);
    visuals.selection.stroke = Stroke::new(1.5, black);
    visuals
}

impl PolicyWorkshopApp {
    /// Loads the drill pack in `folder` on a background thread, shows the
    /// drill panel and reloads the pack when its files change.
    pub fn open_pack(&mut self, folder: &Path) {
        log::info!("opening the drill pack {}", folder.display());
        self.drills.visible = true;
        self.drills.pack = None;
        self.drills.pack_error = None;
        self.drills.selected = None;
        self.drills.reset_forms();
        self.pack_loader.open(folder);
    }

    /// Opens the built-in pack in `sample-policies/drills`.
    pub fn open_builtin_drills(&mut self) {
        let Some(folder) = samples_folder().map(|f| f.join(BUILTIN_PACK)) else {
            self.set_notice(
                "The built-in drills were not found; set POLICY_WORKSHOP_SAMPLES to the \
                 sample-policies folder."
                    .to_string(),
            );
            return;
        };
        self.open_pack(&folder);
    }

    /// Takes packs loaded in the background.
    pub(super) fn receive_packs(&mut self) {
        for loaded in self.pack_loader.poll() {
            self.take_pack(loaded);
        }
    }

    fn take_pack(&mut self, loaded: LoadedPack) {
        if let Some(message) = self.drills.ensure_progress_loaded() {
            self.set_notice(message);
        }
        let pack = match loaded.pack {
            Ok(pack) => pack,
            Err(error) => {
                self.drills.pack_error = Some(format!("Cannot load the drill pack: {error}"));
                return;
            }
        };
        let open_id = self.drills.drill().map(|d| d.id.clone());
        log::info!(
            "loaded the drill pack {} with {} drills",
            loaded.folder.display(),
            pack.drills.len()
        );
        self.drills.pack_error = None;
        self.drills.pack = Some(pack);
        let Some(open_id) = open_id.filter(|_| loaded.reload) else {
            return;
        };
        // A facilitator changed the pack: keep the learner's policy and
        // take everything else from the new version of the open drill.
        self.drills.selected = find_drill(self.drills.pack.as_ref(), &open_id);
        if let Some(drill) = self.drills.drill() {
            let policy = self.current_policy();
            let workspace = drill_workspace(drill, policy);
            self.active_input = self
                .active_input
                .min(workspace.inputs.len().saturating_sub(1));
            self.workspace = workspace;
            self.changed = Changed::ALL;
            self.mark_edited();
        }
    }

    fn current_policy(&self) -> String {
        self.workspace
            .policies
            .first()
            .map(|p| p.text.clone())
            .unwrap_or_default()
    }

    /// Opens the drill at `index` with the learner's last policy, or the
    /// starting policy.
    pub fn open_drill(&mut self, index: usize) {
        if let Some(message) = self.drills.save_progress() {
            self.set_notice(message);
        }
        let Some(drill) = self
            .drills
            .pack
            .as_ref()
            .and_then(|pack| pack.drills.get(index))
            .and_then(|entry| entry.as_ref().ok())
            .cloned()
        else {
            return;
        };
        self.drills.selected = Some(index);
        self.drills.visible = true;
        self.drills.reset_forms();
        let policy = self
            .drills
            .current()
            .and_then(|p| p.last_policy.clone())
            .unwrap_or_else(|| drill.starting_policy.clone());
        log::info!(
            "opened the drill {} from {}",
            drill.id,
            drill.folder.display()
        );
        self.workspace = drill_workspace(&drill, policy);
        self.editor_generation += 1;
        self.active_policy = 0;
        self.active_input = 0;
        self.result = ResultState::default();
        self.tests = TestsState::default();
        self.trace = TraceState::default();
        self.notice = None;
        self.changed = Changed::ALL;
        self.mark_edited();
    }

    /// Records a learner's edit of the drill's policy.
    pub(super) fn drill_policy_edited(&mut self) {
        if !self.drills.visible {
            return;
        }
        let policy = self.current_policy();
        if let Some(progress) = self.drills.current_mut() {
            if progress.status == Status::NotStarted {
                progress.status = Status::InProgress;
            }
            progress.last_policy = Some(policy);
        }
    }

    /// Saves progress, showing why when it cannot be saved.
    pub(super) fn save_drill_progress(&mut self) {
        if let Some(message) = self.drills.save_progress() {
            self.set_notice(message);
        }
    }

    /// Applies an action of the drill panel, the drill menu or workshop mode.
    pub(super) fn apply_drill_action(&mut self, ctx: &egui::Context, action: Action) {
        match action {
            Action::OpenDrill(index) => self.open_drill(index),
            Action::OpenBuiltinDrills => match &self.drills.pack {
                Some(_) => self.drills.visible = true,
                None => self.open_builtin_drills(),
            },
            Action::ShowOpenPack => self.open_pack_window.show(),
            Action::OpenPack(folder) => self.open_pack(&folder),
            Action::CloseDrills => {
                self.save_drill_progress();
                self.drills.visible = false;
                self.mark_edited();
            }
            Action::UseHint => {
                let count = self.drills.drill().map_or(0, |d| d.hints.len());
                if let Some(progress) = self.drills.current_mut() {
                    progress.hints_used = (progress.hints_used + 1).min(count);
                }
                self.save_drill_progress();
            }
            Action::ResetDrill => {
                let Some(starting) = self.drills.drill().map(|d| d.starting_policy.clone()) else {
                    return;
                };
                if let Some(policy) = self.workspace.policies.first_mut() {
                    policy.text = starting;
                }
                self.editor_generation += 1;
                if let Some(progress) = self.drills.current_mut() {
                    progress.last_policy = None;
                }
                self.changed.policies = true;
                self.mark_edited();
                self.save_drill_progress();
            }
            Action::GiveUp => {
                if let Some(progress) = self.drills.current_mut() {
                    progress.gave_up = true;
                }
                self.save_drill_progress();
            }
            Action::Predict(scenario, predicted) => {
                if let Some(progress) = self.drills.current_mut() {
                    progress.prediction = Some(Prediction {
                        scenario,
                        predicted,
                        correct: None,
                        actual: None,
                    });
                }
                self.save_drill_progress();
                self.mark_edited();
            }
            Action::TraceScenario(name) => self.trace_scenario(&name),
            Action::SetWorkshopMode(on) => self.set_workshop_mode(ctx, on),
            other => {
                log::error!("the drill code was handed an action it does not handle: {other:?}")
            }
        }
    }

    /// Switches the input (and the query, when the scenario has its own)
    /// to a scenario and shows the trace.
    fn trace_scenario(&mut self, name: &str) {
        let Some(drill) = self.drills.drill() else {
            return;
        };
        let Some(scenario) = drill.spec.scenarios.iter().find(|s| s.name == name) else {
            return;
        };
        let query = scenario
            .query
            .clone()
            .unwrap_or_else(|| drill.spec.query.clone());
        if let Some(index) = self.workspace.inputs.iter().position(|i| i.name == name) {
            self.active_input = index;
            self.changed.input = true;
        }
        self.workspace.query = query;
        self.bottom_tab = BottomTab::Trace;
        self.trace.selected = None;
        self.mark_edited();
    }

    /// Turns workshop mode on or off: larger text, the high-contrast light
    /// theme, and a large goal and checklist.
    pub fn set_workshop_mode(&mut self, ctx: &egui::Context, on: bool) {
        self.drills.workshop = on;
        if on {
            ctx.set_visuals_of(egui::Theme::Light, high_contrast_visuals());
            ctx.set_theme(egui::Theme::Light);
            ctx.set_zoom_factor(WORKSHOP_ZOOM);
            // A projector needs the whole screen at this text size.
            ctx.send_viewport_cmd(egui::ViewportCommand::Maximized(true));
        } else {
            ctx.set_visuals_of(egui::Theme::Light, egui::Visuals::light());
            ctx.set_zoom_factor(1.0);
        }
    }
}

fn find_drill(pack: Option<&Pack>, id: &str) -> Option<usize> {
    pack?
        .drills
        .iter()
        .position(|entry| entry.as_ref().is_ok_and(|d| d.id == id))
}
