//! The drill panel: the drills of a pack with their status, then the open
//! drill's story, goal, "predict first" question, live checklist, hints,
//! solution diff and, once solved, the explanation.

use egui::{Color32, RichText, Ui};

use super::app::Action;
use crate::drills::diff::{DiffKind, line_diff};
use crate::drills::progress::{
    DrillProgress, Predicted, Progress, ProgressStore, Status, progress_key,
};
use crate::drills::{CheckOutcome, CheckReport, Drill, DrillSpec, Pack};

/// The drills the window shows and the learner's progress through them.
#[derive(Debug, Default)]
pub struct DrillsState {
    pub pack: Option<Pack>,
    /// The error that stopped the pack from loading.
    pub pack_error: Option<String>,
    /// Whether the panel is shown.
    pub visible: bool,
    /// Index of the open drill in the pack.
    pub selected: Option<usize>,
    /// The check of the newest reply for the open drill.
    pub report: Option<CheckReport>,
    pub progress: Progress,
    /// The progress file, or `None` when the platform has no data folder.
    pub store: Option<ProgressStore>,
    /// The progress as last saved, to skip writes that change nothing.
    saved: Progress,
    /// True once progress was read from the store.
    progress_loaded: bool,
    /// Large goal and checklist for a projector.
    pub workshop: bool,
    /// True after "Show solution…" until the learner confirms or cancels.
    confirm_give_up: bool,
    prediction: PredictionForm,
}

/// The learner's choice while they fill in the "predict first" form.
#[derive(Debug, Default)]
struct PredictionForm {
    choice: Option<PredictChoice>,
    value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PredictChoice {
    True,
    False,
    Undefined,
    Value,
}

impl DrillsState {
    /// Creates the state with progress kept in `store`.
    pub fn with_store(store: Option<ProgressStore>) -> Self {
        DrillsState {
            store,
            ..DrillsState::default()
        }
    }

    /// Returns the open drill.
    pub fn drill(&self) -> Option<&Drill> {
        let pack = self.pack.as_ref()?;
        pack.drills.get(self.selected?)?.as_ref().ok()
    }

    /// Returns the spec of the open drill, for the evaluation request.
    pub fn active_spec(&self) -> Option<DrillSpec> {
        self.visible
            .then(|| self.drill().map(|d| d.spec.clone()))
            .flatten()
    }

    /// Returns the progress key of the drill at `index`.
    fn key_at(&self, index: usize) -> Option<String> {
        let pack = self.pack.as_ref()?;
        let drill = pack.drills.get(index)?.as_ref().ok()?;
        Some(progress_key(&pack.id, &drill.id))
    }

    /// Returns the progress of the open drill.
    pub fn current(&self) -> Option<&DrillProgress> {
        let key = self.key_at(self.selected?)?;
        self.progress.drills.get(&key)
    }

    /// Returns the progress of the open drill, creating it.
    pub fn current_mut(&mut self) -> Option<&mut DrillProgress> {
        let key = self.key_at(self.selected?)?;
        Some(self.progress.drills.entry(key).or_default())
    }

    /// Returns true while the open drill waits for the learner's prediction,
    /// during which nothing is evaluated.
    pub fn awaiting_prediction(&self) -> bool {
        self.visible
            && self.drill().is_some_and(|d| d.predict.is_some())
            && self.current().is_none_or(|p| p.prediction.is_none())
    }

    /// Forgets the form state of the previous drill.
    pub fn reset_forms(&mut self) {
        self.confirm_give_up = false;
        self.prediction = PredictionForm::default();
        self.report = None;
    }

    /// Reads progress from the store the first time it is called; returns
    /// an error message to show.
    pub fn ensure_progress_loaded(&mut self) -> Option<String> {
        if std::mem::replace(&mut self.progress_loaded, true) {
            return None;
        }
        self.load_progress()
    }

    /// Reads progress from the store; returns an error message to show.
    pub fn load_progress(&mut self) -> Option<String> {
        let store = self.store.as_ref()?;
        match store.load() {
            Ok(progress) => {
                self.saved = progress.clone();
                self.progress = progress;
                None
            }
            Err(error) => Some(format!(
                "Drill progress starts empty because {error}. It will be saved again on the next change."
            )),
        }
    }

    /// Writes progress when it changed since the last write; returns an
    /// error message to show.
    pub fn save_progress(&mut self) -> Option<String> {
        if self.progress == self.saved {
            return None;
        }
        let store = self.store.as_ref()?;
        match store.save(&self.progress) {
            Ok(()) => {
                log::debug!("saved drill progress to {}", store.path().display());
                self.saved = self.progress.clone();
                None
            }
            Err(error) => Some(format!("Drill progress was not saved: {error}")),
        }
    }

    /// Takes the check of a new reply: records the outcome of a pending
    /// prediction and marks the drill solved when every check passes.
    pub fn take_report(&mut self, report: CheckReport) {
        if let Some(progress) = self.current_mut() {
            if let Some(prediction) = progress.prediction.as_mut()
                && prediction.correct.is_none()
                && let Some(result) = report.scenario(&prediction.scenario)
            {
                prediction.correct = Some(prediction.predicted.matches(&result.actual));
                prediction.actual = Some(result.actual.describe());
            }
            if report.solved() {
                progress.status = Status::Solved;
            }
        }
        self.report = Some(report);
    }
}

const PASS_LIGHT: Color32 = Color32::from_rgb(0, 110, 40);
const PASS_DARK: Color32 = Color32::from_rgb(110, 210, 130);
const FAIL_LIGHT: Color32 = Color32::from_rgb(180, 20, 20);
const FAIL_DARK: Color32 = Color32::from_rgb(255, 120, 120);

fn pass_color(ui: &Ui, passed: bool) -> Color32 {
    match (passed, ui.visuals().dark_mode) {
        (true, false) => PASS_LIGHT,
        (true, true) => PASS_DARK,
        (false, false) => FAIL_LIGHT,
        (false, true) => FAIL_DARK,
    }
}

/// Text sizes of the goal and checklist: larger in workshop mode.
fn big(state: &DrillsState, text: impl Into<String>) -> RichText {
    let text = RichText::new(text);
    if state.workshop {
        text.size(22.0)
    } else {
        text
    }
}

/// Draws the panel and queues the learner's actions. `policy` is the
/// learner's policy in the editor, for the solution diff.
pub fn ui(ui: &mut Ui, state: &mut DrillsState, policy: &str, actions: &mut Vec<Action>) {
    pack_ui(ui, state, actions);
    let Some(drill) = state.drill().cloned() else {
        ui.add_space(8.0);
        ui.weak("Pick a drill above to start.");
        return;
    };
    ui.separator();
    // The list keeps its own scroll area, so the open drill starts at the
    // top of the rest of the panel.
    egui::ScrollArea::vertical()
        .id_salt("drill_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| drill_ui(ui, state, &drill, policy, actions));
}

fn pack_ui(ui: &mut Ui, state: &DrillsState, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.heading("Drills");
        if ui.small_button("Close").clicked() {
            actions.push(Action::CloseDrills);
        }
    });
    if let Some(error) = &state.pack_error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    let Some(pack) = &state.pack else {
        ui.weak("Loading the drill pack…");
        return;
    };
    let title = if pack.author.is_empty() {
        pack.title.clone()
    } else {
        format!("{} (by {})", pack.title, pack.author)
    };
    ui.strong(title);
    let height = if state.selected.is_some() {
        ui.available_height() * 0.3
    } else {
        ui.available_height()
    };
    egui::ScrollArea::vertical()
        .id_salt("drill_list")
        .max_height(height)
        .auto_shrink([false, true])
        .show(ui, |ui| drill_list_ui(ui, state, pack, actions));
}

fn drill_list_ui(ui: &mut Ui, state: &DrillsState, pack: &Pack, actions: &mut Vec<Action>) {
    for (index, entry) in pack.drills.iter().enumerate() {
        let drill = match entry {
            Ok(drill) => drill,
            Err(error) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("{}. Cannot load: {error}", index + 1),
                );
                continue;
            }
        };
        let status = state
            .progress
            .drills
            .get(&progress_key(&pack.id, &drill.id))
            .map(|p| p.status)
            .unwrap_or_default();
        let selected = state.selected == Some(index);
        let title = format!("{}. {}", index + 1, drill.title);
        let response = ui.selectable_label(selected, RichText::new(title).strong());
        ui.label(
            RichText::new(format!(
                "      {} · {} · {}",
                drill.level.name(),
                drill.topic,
                status.label()
            ))
            .weak()
            .small(),
        );
        if response.clicked() && !selected {
            actions.push(Action::OpenDrill(index));
        }
    }
}

fn drill_ui(
    ui: &mut Ui,
    state: &mut DrillsState,
    drill: &Drill,
    policy: &str,
    actions: &mut Vec<Action>,
) {
    ui.heading(&drill.title);
    ui.weak(format!("{} · {}", drill.level.name(), drill.topic));
    ui.add_space(4.0);
    if state.workshop {
        // On a projector the goal and checklist need the room; the story
        // is one click away.
        egui::CollapsingHeader::new("Story")
            .id_salt(("story", &drill.id))
            .show(ui, |ui| ui.label(&drill.story));
    } else {
        ui.label(&drill.story);
    }
    ui.add_space(4.0);
    ui.label(big(state, format!("Goal: {}", drill.goal)).strong());
    ui.add_space(6.0);

    if state.awaiting_prediction() {
        predict_ui(ui, state, drill, actions);
        return;
    }
    prediction_outcome_ui(ui, state);
    checklist_ui(ui, state, drill, actions);
    ui.add_space(6.0);
    hints_ui(ui, state, drill, actions);
    ui.add_space(6.0);
    solution_ui(ui, state, drill, policy, actions);
    solved_ui(ui, state, drill, actions);
}

fn predict_ui(ui: &mut Ui, state: &mut DrillsState, drill: &Drill, actions: &mut Vec<Action>) {
    let Some(predict) = &drill.predict else {
        return;
    };
    let query = drill
        .spec
        .scenarios
        .iter()
        .find(|s| s.name == predict.scenario)
        .and_then(|s| s.query.clone())
        .unwrap_or_else(|| drill.spec.query.clone());
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(big(state, "Predict first").strong());
        let question = predict.question.clone().unwrap_or_else(|| {
            format!(
                "What will {query} be for \"{}\"? Nothing is evaluated until you answer.",
                predict.scenario
            )
        });
        ui.label(question);
        let form = &mut state.prediction;
        ui.horizontal_wrapped(|ui| {
            for (choice, label) in [
                (PredictChoice::True, "true"),
                (PredictChoice::False, "false"),
                (PredictChoice::Undefined, "undefined"),
                (PredictChoice::Value, "a value:"),
            ] {
                if ui.radio(form.choice == Some(choice), label).clicked() {
                    form.choice = Some(choice);
                }
            }
        });
        let value_label = ui.label("The value, as JSON (for \"a value\")");
        let edit = ui
            .add(egui::TextEdit::singleline(&mut form.value).hint_text("[] or {\"allow\": false}"))
            .labelled_by(value_label.id);
        if edit.changed() {
            form.choice = Some(PredictChoice::Value);
        }
        let predicted = match form.choice {
            Some(PredictChoice::True) => Some(Predicted::True),
            Some(PredictChoice::False) => Some(Predicted::False),
            Some(PredictChoice::Undefined) => Some(Predicted::Undefined),
            Some(PredictChoice::Value) if !form.value.trim().is_empty() => {
                Some(Predicted::Value(form.value.clone()))
            }
            _ => None,
        };
        let button = ui.add_enabled(predicted.is_some(), egui::Button::new("Predict"));
        if button.clicked()
            && let Some(predicted) = predicted
        {
            actions.push(Action::Predict(predict.scenario.clone(), predicted));
        }
    });
}

fn prediction_outcome_ui(ui: &mut Ui, state: &DrillsState) {
    let Some(prediction) = state.current().and_then(|p| p.prediction.as_ref()) else {
        return;
    };
    let Some(correct) = prediction.correct else {
        ui.weak(format!(
            "You predicted {}. Evaluating…",
            prediction.predicted.describe()
        ));
        return;
    };
    let actual = prediction.actual.clone().unwrap_or_default();
    let text = if correct {
        format!(
            "You predicted {} for \"{}\", and you were right: it is {actual}.",
            prediction.predicted.describe(),
            prediction.scenario
        )
    } else {
        format!(
            "You predicted {} for \"{}\", but it is {actual}.",
            prediction.predicted.describe(),
            prediction.scenario
        )
    };
    ui.colored_label(pass_color(ui, correct), text);
    ui.add_space(4.0);
}

fn checklist_ui(ui: &mut Ui, state: &DrillsState, drill: &Drill, actions: &mut Vec<Action>) {
    let Some(report) = &state.report else {
        ui.weak("Checking…");
        return;
    };
    let (passed, total) = report.score();
    ui.label(big(state, format!("Checks {passed}/{total}")).strong());
    for result in &report.scenarios {
        let mark = if result.passed { "PASS" } else { "FAIL" };
        let text = format!(
            "{mark}  {}: expected {}, got {}",
            result.name,
            result.expected.describe(),
            result.actual.describe()
        );
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(pass_color(ui, result.passed), big(state, text));
            let traced = drill.spec.scenarios.iter().any(|s| s.name == result.name);
            if !result.passed && traced && ui.small_button("Trace it").clicked() {
                actions.push(Action::TraceScenario(result.name.clone()));
            }
        });
    }
    if let Some(error) = &report.checks_error {
        ui.colored_label(
            pass_color(ui, false),
            format!("FAIL  the hidden checks could not run: {error}"),
        );
    }
    for (name, outcome) in &report.checks {
        let passed = *outcome == CheckOutcome::Pass;
        let mark = if passed { "PASS" } else { "FAIL" };
        let mut text = format!("{mark}  hidden check {name}");
        if let CheckOutcome::Error(error) = outcome {
            text.push_str(&format!(": {error}"));
        }
        ui.colored_label(pass_color(ui, passed), big(state, text));
    }
}

fn hints_ui(ui: &mut Ui, state: &DrillsState, drill: &Drill, actions: &mut Vec<Action>) {
    let used = state.current().map_or(0, |p| p.hints_used);
    for (index, hint) in drill.hints.iter().take(used).enumerate() {
        ui.label(format!("Hint {}: {hint}", index + 1));
    }
    if used < drill.hints.len() {
        let label = format!("Show hint {} of {}", used + 1, drill.hints.len());
        if ui.button(label).clicked() {
            actions.push(Action::UseHint);
        }
    }
}

fn solution_ui(
    ui: &mut Ui,
    state: &mut DrillsState,
    drill: &Drill,
    policy: &str,
    actions: &mut Vec<Action>,
) {
    let gave_up = state.current().is_some_and(|p| p.gave_up);
    ui.horizontal(|ui| {
        if ui
            .button("Reset")
            .on_hover_text("Put the starting policy back in the editor")
            .clicked()
        {
            actions.push(Action::ResetDrill);
        }
        if !gave_up && ui.button("Show solution…").clicked() {
            state.confirm_give_up = true;
        }
    });
    if state.confirm_give_up && !gave_up {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label("Give up on this drill and see the solution? The drill stays unsolved until your own policy passes.");
            ui.horizontal(|ui| {
                if ui.button("Give up and show it").clicked() {
                    state.confirm_give_up = false;
                    actions.push(Action::GiveUp);
                }
                if ui.button("Keep trying").clicked() {
                    state.confirm_give_up = false;
                }
            });
        });
    }
    if gave_up {
        diff_ui(ui, drill, policy);
    }
}

fn diff_ui(ui: &mut Ui, drill: &Drill, policy: &str) {
    ui.label(RichText::new("The solution, compared with your policy").strong());
    ui.weak("Lines with - are in your policy only, lines with + in the solution only.");
    egui::Frame::group(ui.style()).show(ui, |ui| {
        for line in line_diff(policy, &drill.solution) {
            let (prefix, color) = match line.kind {
                DiffKind::Same => (" ", ui.visuals().text_color()),
                DiffKind::Removed => ("-", pass_color(ui, false)),
                DiffKind::Added => ("+", pass_color(ui, true)),
            };
            ui.label(
                RichText::new(format!("{prefix} {}", line.text))
                    .monospace()
                    .color(color),
            );
        }
    });
}

fn solved_ui(ui: &mut Ui, state: &DrillsState, drill: &Drill, actions: &mut Vec<Action>) {
    if !state.report.as_ref().is_some_and(CheckReport::solved) {
        return;
    }
    ui.add_space(6.0);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.colored_label(pass_color(ui, true), big(state, "Solved!").strong());
        ui.label(&drill.explanation);
        let next = state.selected.map(|i| i + 1);
        let has_next = state
            .pack
            .as_ref()
            .zip(next)
            .is_some_and(|(pack, next)| next < pack.drills.len());
        if let Some(next) = next.filter(|_| has_next)
            && ui.button(big(state, "Next drill")).clicked()
        {
            actions.push(Action::OpenDrill(next));
        }
    });
}
