//! Application state and the per-frame flow: draw the panels, apply the
//! actions they return, send edits to the supervised worker, take its
//! replies.

mod drills;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::Ui;

use super::code_editor::LineMark;
use super::drill_panel::{self, DrillsState};
use super::highlight::Highlighter;
use super::open_pack::OpenPackWindow;
use super::pack_loader::PackLoader;
use super::scenarios_panel::{self, ScenariosState};
use super::tests_panel::{self, TestsState};
use super::trace_panel::{self, TraceState};
use super::{about, document_panel, menu_bar, policy_panel, result_panel, status_bar};
use crate::drills::progress::{Predicted, ProgressStore};
use crate::engine::{Evaluation, package_query};
use crate::worker::protocol::Stage;
use crate::worker::supervisor::peak_resident_kib;
use crate::worker::view::ResultView;
use crate::worker::{
    EvalDetails, EvalFailure, EvalReply, EvalRequest, Supervisor, SupervisorConfig, SupervisorEvent,
};
use crate::workspace::Workspace;
use crate::workspace::samples::{Sample, list_samples, samples_folder};

mod files;

pub use files::{AUTOSAVE_INTERVAL, Confirm, DocRef, FileState, PathPurpose};

/// Quiet time after the last keystroke before evaluating. Short enough
/// that results follow typing within a frame or two.
pub const DEBOUNCE: Duration = Duration::from_millis(20);

/// Environment variable read by `policy-workshop bench`. With
/// `first-frame`, the window prints `bench: first-frame` once its first
/// frame is painted, then closes. With `first-result`, it prints the peak
/// resident memory of the window and the worker once the first result and
/// trace are shown, then closes.
pub const BENCH_EXIT_VARIABLE: &str = "POLICY_WORKSHOP_BENCH_EXIT";

/// When a window started by the bench prints its line and closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BenchExit {
    FirstFrame,
    FirstResult,
}

/// The editor a jump or an error mark belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pane {
    /// The policy file with this index.
    Policy(usize),
    Input,
    Data,
}

/// Requests from panels, applied once per frame after drawing.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    LoadSample(Sample),
    SelectPolicy(usize),
    SelectInput(usize),
    SetRegoV0(bool),
    SetStrictBuiltinErrors(bool),
    SetDarkMode(bool),
    ZoomBy(f32),
    ResetZoom,
    /// Put the cursor at a line and column of an editor.
    JumpTo(Pane, LineMark),
    /// Open the policy file with this path and put the cursor at a line.
    JumpToPolicyFile(String, LineMark),
    /// Set the query to the package of the open policy.
    ResetQuery,
    /// Collect line coverage in test runs and draw it in the editor.
    SetCoverage(bool),
    /// Ask for a path with a dialog (or the path field) for this purpose.
    AskPath(PathPurpose),
    /// Show the path field for this purpose without trying a dialog.
    TypePath(PathPurpose),
    OpenPaths(Vec<PathBuf>),
    Save,
    SaveAs,
    SaveAll,
    CloseTab(usize),
    NextTab,
    /// Put this text on the clipboard.
    Copy(String),
    /// Put the whole result value on the clipboard, asking the worker for
    /// it when only its first lines were sent.
    CopyWholeResult,
    CopyOpaEval,
    CopyOpaTest,
    /// Open the About window.
    ShowAbout,
    /// Open the window that lists the differences from OPA.
    ShowDifferences,
    /// Open the drill with this index in the pack.
    OpenDrill(usize),
    /// Show the drill panel with the built-in pack.
    OpenBuiltinDrills,
    /// Show the "Open drill pack" window.
    ShowOpenPack,
    /// Load the drill pack in this folder.
    OpenPack(PathBuf),
    CloseDrills,
    /// Unlock the next hint of the open drill.
    UseHint,
    /// Put the starting policy of the open drill back in the editor.
    ResetDrill,
    /// Give up on the open drill and show the solution.
    GiveUp,
    /// The learner's prediction for the scenario with this name.
    Predict(String, Predicted),
    /// Switch the input and query to the scenario with this name and show
    /// its trace.
    TraceScenario(String),
    /// Turn workshop mode (large text, high contrast) on or off.
    SetWorkshopMode(bool),
}

/// The state the result panel shows.
#[derive(Debug, Default)]
pub struct ResultState {
    /// The newest successful evaluation and its revision.
    pub last_good: Option<(u64, Evaluation)>,
    /// The value of `last_good` as the worker printed it: whole, or the
    /// first lines of a large value.
    pub shown: Option<ResultView>,
    /// True while the whole text of a large value is on its way to be copied.
    pub copying: bool,
    /// The whole text of a large value, to put on the clipboard this frame.
    pub to_copy: Option<String>,
    /// The failure of the newest revision, if it failed.
    pub failure: Option<EvalFailure>,
    /// True while a request is out and no reply for it has come.
    pub pending: bool,
    /// Revision of the newest reply shown.
    pub shown_revision: u64,
    /// True while the trace and test run of the newest request have not come.
    pub details_pending: bool,
    /// The worker's current slow step for the newest request, such as
    /// "Loading the input (52 MB)".
    pub progress: Option<String>,
}

/// The panels that share the space under the policy editor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BottomTab {
    #[default]
    Trace,
    Tests,
    Scenarios,
}

/// Documents edited since the last request; only these are sent.
#[derive(Clone, Copy, Debug)]
struct Changed {
    policies: bool,
    input: bool,
    data: bool,
    /// Any input, for the scenario table.
    scenarios: bool,
}

impl Changed {
    const ALL: Changed = Changed {
        policies: true,
        input: true,
        data: true,
        scenarios: true,
    };
    const NONE: Changed = Changed {
        policies: false,
        input: false,
        data: false,
        scenarios: false,
    };
}

/// Inputs larger than this are left out of the scenario table; select one
/// to evaluate it.
pub const MAX_SCENARIO_BYTES: usize = 1 << 20;

/// The Policy Workshop window.
pub struct PolicyWorkshopApp {
    pub workspace: Workspace,
    pub active_policy: usize,
    pub active_input: usize,
    pub result: ResultState,
    pub tests: TestsState,
    pub trace: TraceState,
    pub scenarios: ScenariosState,
    /// The open drill pack, the open drill and the learner's progress.
    pub drills: DrillsState,
    pack_loader: PackLoader,
    open_pack_window: OpenPackWindow,
    /// The panel under the editor.
    pub bottom_tab: BottomTab,
    /// The cursor's file and line in the last frame, to notice moves.
    cursor: Option<(usize, usize)>,
    pub files: FileState,
    /// Bumped when other documents open, so the editor starts afresh.
    editor_generation: u64,
    /// Wakes the window from other threads.
    repaint: Arc<dyn Fn() + Send + Sync>,
    samples: Vec<Sample>,
    highlighter: Highlighter,
    supervisor: Supervisor,
    changed: Changed,
    /// Bumped on every edit.
    revision: u64,
    /// The revision of the last request sent.
    sent_revision: u64,
    edited_at: Option<Instant>,
    jump: Option<(Pane, LineMark)>,
    notice: Option<String>,
    title: String,
    /// Whether the About window is open.
    show_about: bool,
    /// Whether the window listing the differences from OPA is open.
    show_differences: bool,
    /// Set from [`BENCH_EXIT_VARIABLE`].
    bench_exit: Option<BenchExit>,
}

impl std::fmt::Debug for PolicyWorkshopApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyWorkshopApp")
            .field("title", &self.workspace.title)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// Returns the window title for a workspace.
pub fn window_title(workspace: &Workspace) -> String {
    format!("Policy Workshop: {}", workspace.title)
}

impl PolicyWorkshopApp {
    /// Creates the app, starts the evaluation worker described by `worker`
    /// and sends the first evaluation.
    pub fn new(ctx: &egui::Context, workspace: Workspace, worker: SupervisorConfig) -> Self {
        ctx.set_theme(egui::Theme::Light);
        let repaint = ctx.clone();
        let supervisor = Supervisor::spawn(worker, move || repaint.request_repaint());
        let repaint_ctx = ctx.clone();
        let repaint: Arc<dyn Fn() + Send + Sync> = Arc::new(move || repaint_ctx.request_repaint());
        let workspace = workspace.with_origins();
        let samples = samples_folder()
            .map(|folder| list_samples(&folder))
            .unwrap_or_default();
        let mut app = PolicyWorkshopApp {
            title: window_title(&workspace),
            workspace,
            active_policy: 0,
            active_input: 0,
            result: ResultState::default(),
            tests: TestsState::default(),
            trace: TraceState::default(),
            scenarios: ScenariosState::default(),
            drills: DrillsState::with_store(ProgressStore::default_location()),
            pack_loader: PackLoader::new({
                let repaint = ctx.clone();
                move || repaint.request_repaint()
            }),
            open_pack_window: OpenPackWindow::default(),
            bottom_tab: BottomTab::default(),
            cursor: None,
            files: FileState::default(),
            editor_generation: 0,
            repaint,
            samples,
            highlighter: Highlighter::with_background({
                let repaint = ctx.clone();
                move || repaint.request_repaint()
            }),
            supervisor,
            changed: Changed::ALL,
            revision: 0,
            sent_revision: 0,
            edited_at: None,
            jump: None,
            notice: None,
            show_about: false,
            show_differences: false,
            bench_exit: match std::env::var(BENCH_EXIT_VARIABLE).as_deref() {
                Ok("first-frame") => Some(BenchExit::FirstFrame),
                Ok("first-result") => Some(BenchExit::FirstResult),
                _ => None,
            },
        };
        app.files.settings = app
            .files
            .data_dir()
            .map(crate::workspace::session::Settings::load)
            .unwrap_or_default();
        if app.workspace.root.is_some() {
            app.watch();
        }
        app.send_request();
        app
    }

    /// Keeps drill progress in `store` in place of the platform's data
    /// directory. Call it before opening a pack.
    pub fn set_progress_store(&mut self, store: ProgressStore) {
        self.drills.store = Some(store);
    }

    /// Shows a message in a bar above the panels until dismissed.
    pub fn set_notice(&mut self, notice: String) {
        log::warn!("{notice}");
        self.notice = Some(notice);
    }

    /// Draws one frame and handles evaluation traffic.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.receive_replies();
        if let Some(text) = self.result.to_copy.take() {
            let megabytes = text.len() as f64 / 1e6;
            ui.ctx().copy_text(text);
            self.set_notice(format!("Copied the whole value ({megabytes:.1} MB)."));
        }
        self.report_for_bench(ui.ctx());
        self.receive_packs();
        let mut actions = Vec::new();

        egui::Panel::top("menu_bar").show(ui, |ui| {
            let view = menu_bar::ViewState {
                drills_visible: self.drills.visible,
                workshop: self.drills.workshop,
            };
            menu_bar::ui(
                ui,
                &self.workspace,
                &self.samples,
                &self.files.settings.recent,
                view,
                &mut actions,
            );
        });
        self.shortcuts(ui.ctx(), &mut actions);
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            status_bar::ui(
                ui,
                &self.workspace,
                &self.result,
                self.revision,
                &mut actions,
            );
        });
        about::about_window(ui.ctx(), &mut self.show_about, &mut actions);
        about::differences_window(ui.ctx(), &mut self.show_differences);
        self.open_pack_window.ui(ui.ctx(), &mut actions);
        self.notice_bar(ui);
        self.files_frame(ui);

        let mut edited = Changed::NONE;
        let mut query_edited = false;
        // Panels remember their width in points, which workshop mode's zoom
        // makes too wide; separate ids give each mode its own widths.
        let workshop = self.drills.workshop;
        let total_width = ui.available_width();
        let (documents_share, documents_max) = if workshop { (0.34, 0.45) } else { (0.46, 0.75) };
        egui::Panel::right(("documents", workshop))
            .resizable(true)
            .default_size(total_width * documents_share)
            .size_range(280.0..=total_width * documents_max)
            .show(ui, |ui| {
                query_edited = self.documents_ui(ui, &mut edited, &mut actions);
            });
        if self.drills.visible {
            let width = ui.available_width();
            let policy = self
                .workspace
                .policies
                .first()
                .map_or("", |p| p.text.as_str());
            egui::Panel::left(("drills", workshop))
                .resizable(true)
                .default_size((total_width * 0.27).max(300.0).min(width * 0.6))
                .size_range(260.0..=width * 0.6)
                .show(ui, |ui| {
                    drill_panel::ui(ui, &mut self.drills, policy, &mut actions)
                });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            egui::Panel::bottom("tests")
                .resizable(true)
                .default_size(ui.available_height() * 0.40)
                .size_range(180.0..=ui.available_height() * 0.75)
                .show(ui, |ui| self.bottom_ui(ui, &mut actions));
            egui::CentralPanel::default().show(ui, |ui| {
                let jump = self.take_jump(|pane| matches!(pane, Pane::Policy(_)));
                let coverage = match (&self.tests.last, self.tests.show_coverage) {
                    (Some(Ok(run)), true) => run.coverage.as_ref(),
                    _ => None,
                };
                let error = match &self.result.failure {
                    Some(EvalFailure::Engine(error)) => error.location.as_ref(),
                    _ => None,
                };
                let file = self
                    .workspace
                    .policies
                    .get(self.active_policy)
                    .map(|p| p.path.clone())
                    .unwrap_or_default();
                // The marks follow the last trace; while the policy has an
                // error its lines may have moved, so none are drawn.
                let statements = if self.result.failure.is_some() {
                    Vec::new()
                } else {
                    self.trace.statement_marks(&file)
                };
                let tab_marks = self.tab_marks();
                let output = policy_panel::ui(
                    ui,
                    &mut self.workspace.policies,
                    self.active_policy,
                    policy_panel::Marks {
                        error,
                        coverage,
                        statements: &statements,
                        tab_marks: &tab_marks,
                        editor_id: &format!("policy_editor_{}", self.editor_generation),
                    },
                    &mut self.highlighter,
                    jump,
                    &mut actions,
                );
                edited.policies = output.changed;
                self.follow_cursor(&file, output.cursor_line);
            });
        });

        if edited.policies {
            self.files.focused = DocRef::Policy(self.active_policy);
        } else if edited.input {
            self.files.focused = DocRef::Input(self.active_input);
        } else if edited.data {
            self.files.focused = DocRef::Data;
        }
        if edited.policies || edited.input || edited.data || query_edited {
            self.changed.policies |= edited.policies;
            self.changed.input |= edited.input;
            self.changed.scenarios |= edited.input;
            self.changed.data |= edited.data;
            self.mark_edited();
        }
        if edited.policies {
            self.drill_policy_edited();
        }
        for action in actions {
            self.apply(ui.ctx(), action);
        }
        self.send_when_quiet(ui.ctx());
        self.update_title(ui.ctx());
    }

    /// Draws the query and result, the input and the data panes; returns
    /// true when the query changed.
    fn documents_ui(
        &mut self,
        ui: &mut Ui,
        edited: &mut Changed,
        actions: &mut Vec<Action>,
    ) -> bool {
        let mut query_edited = false;
        let height = ui.available_height();
        egui::Panel::bottom("result")
            .resizable(true)
            .default_size(height * 0.40)
            .size_range(120.0..=height * 0.8)
            .show(ui, |ui| {
                query_edited = result_panel::ui(
                    ui,
                    &mut self.workspace.query,
                    &self.result,
                    &mut self.highlighter,
                    actions,
                );
            });
        egui::Panel::top("input")
            .resizable(true)
            .default_size(height * 0.36)
            .size_range(100.0..=height * 0.7)
            .show(ui, |ui| {
                let jump = self.take_jump(|pane| *pane == Pane::Input);
                let failure = match &self.result.failure {
                    Some(EvalFailure::Input(error)) => Some(error),
                    _ => None,
                };
                edited.input = document_panel::input_ui(
                    ui,
                    &mut self.workspace.inputs,
                    self.active_input,
                    failure,
                    &mut self.highlighter,
                    jump,
                    actions,
                );
            });
        egui::CentralPanel::default().show(ui, |ui| {
            let jump = self.take_jump(|pane| *pane == Pane::Data);
            let failure = match &self.result.failure {
                Some(EvalFailure::Data(error)) => Some(error),
                _ => None,
            };
            let merged = self
                .workspace
                .data_is_merged()
                .then_some(self.workspace.data_sources.len());
            edited.data = document_panel::data_ui(
                ui,
                &mut self.workspace.data,
                merged,
                failure,
                &mut self.highlighter,
                jump,
            );
        });
        query_edited
    }

    /// Draws the Trace and Tests tabs under the editor.
    fn bottom_ui(&mut self, ui: &mut Ui, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            let tests = match &self.tests.last {
                Some(Ok(run)) if !run.results.is_empty() => {
                    let passed = run
                        .results
                        .iter()
                        .filter(|r| r.outcome == crate::testing::TestOutcome::Pass)
                        .count();
                    format!("Tests {passed}/{}", run.results.len())
                }
                _ => "Tests".to_string(),
            };
            let scenarios = scenarios_panel::tab_label(
                &self.scenarios,
                self.workspace.expected.get(&self.workspace.query),
            );
            for (tab, label) in [
                (BottomTab::Trace, "Trace".to_string()),
                (BottomTab::Tests, tests),
                (BottomTab::Scenarios, scenarios),
            ] {
                let text = egui::RichText::new(label).strong();
                if ui.selectable_label(self.bottom_tab == tab, text).clicked() {
                    self.bottom_tab = tab;
                }
            }
        });
        ui.separator();
        match self.bottom_tab {
            BottomTab::Trace => {
                let stale = self.result.failure.is_some();
                trace_panel::ui(ui, &mut self.trace, stale, actions);
            }
            BottomTab::Tests => tests_panel::ui(ui, &mut self.tests, actions),
            BottomTab::Scenarios => {
                let before = self.workspace.expected.clone();
                scenarios_panel::ui(
                    ui,
                    &self.scenarios,
                    &self.workspace.inputs,
                    self.workspace
                        .expected
                        .entry(self.workspace.query.clone())
                        .or_default(),
                    self.active_input,
                    actions,
                );
                self.workspace
                    .expected
                    .retain(|_, inputs| !inputs.is_empty());
                if self.workspace.expected != before {
                    self.save_expectations();
                }
            }
        }
    }

    /// Selects the rule under the cursor when the cursor moves to another
    /// line of the policy.
    fn follow_cursor(&mut self, file: &str, line: Option<usize>) {
        let current = line.map(|line| (self.active_policy, line));
        if current == self.cursor {
            return;
        }
        self.cursor = current;
        if current.is_some() {
            self.files.focused = DocRef::Policy(self.active_policy);
        }
        if let Some((_, line)) = current {
            self.trace.select_at(file, line as u32);
        }
    }

    fn notice_bar(&mut self, ui: &mut Ui) {
        let Some(notice) = self.notice.clone() else {
            return;
        };
        egui::Panel::top("notice").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, notice);
                if ui.button("Dismiss").clicked() {
                    self.notice = None;
                }
            });
        });
    }

    fn take_jump(&mut self, matches: impl Fn(&Pane) -> bool) -> Option<LineMark> {
        let (pane, _) = self.jump.as_ref()?;
        if !matches(pane) {
            return None;
        }
        self.jump.take().map(|(_, mark)| mark)
    }

    /// Applies one action, as the panels queue them.
    pub fn apply(&mut self, ctx: &egui::Context, action: Action) {
        match action {
            Action::LoadSample(sample) => self.load_sample(&sample),
            Action::SelectPolicy(index) => {
                self.active_policy = index.min(self.workspace.policies.len().saturating_sub(1));
                // Ctrl+S saves the tab in front.
                self.files.focused = DocRef::Policy(self.active_policy);
            }
            Action::SelectInput(index) => {
                self.active_input = index.min(self.workspace.inputs.len().saturating_sub(1));
                self.changed.input = true;
                self.mark_edited();
            }
            Action::SetRegoV0(on) => {
                self.workspace.options.rego_v0 = on;
                self.mark_edited();
            }
            Action::SetStrictBuiltinErrors(on) => {
                self.workspace.options.strict_builtin_errors = on;
                self.mark_edited();
            }
            Action::SetDarkMode(dark) => ctx.set_theme(if dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            }),
            Action::ZoomBy(factor) => {
                ctx.set_zoom_factor((ctx.zoom_factor() * factor).clamp(0.5, 3.0))
            }
            Action::ResetZoom => ctx.set_zoom_factor(1.0),
            Action::ShowAbout => self.show_about = true,
            Action::ShowDifferences => self.show_differences = true,
            Action::JumpTo(pane, mark) => {
                if let Pane::Policy(index) = pane {
                    self.active_policy = index;
                }
                self.jump = Some((pane, mark));
            }
            Action::JumpToPolicyFile(path, mark) => {
                if let Some(index) = self.workspace.policies.iter().position(|p| p.path == path) {
                    self.apply(ctx, Action::JumpTo(Pane::Policy(index), mark));
                }
            }
            Action::SetCoverage(on) => {
                self.tests.show_coverage = on;
                self.mark_edited();
            }
            Action::AskPath(purpose) => self.ask_path(purpose),
            Action::TypePath(purpose) => self.files.prompt = Some((purpose, String::new())),
            Action::OpenPaths(paths) => self.open_paths(paths),
            Action::Save => self.save(self.files.focused),
            Action::SaveAs => self.ask_path(PathPurpose::SaveAs(self.files.focused)),
            Action::SaveAll => self.save_all(),
            Action::CloseTab(index) => self.close_tab(index, false),
            Action::NextTab => {
                let count = self.workspace.policies.len().max(1);
                self.active_policy = (self.active_policy + 1) % count;
                self.files.focused = DocRef::Policy(self.active_policy);
            }
            Action::Copy(text) => ctx.copy_text(text),
            Action::CopyWholeResult => match &self.result.shown {
                Some(shown) if shown.complete => ctx.copy_text(shown.text.clone()),
                Some(_) => {
                    self.result.copying = true;
                    self.send_request_for(true);
                }
                None => {}
            },
            Action::CopyOpaEval => {
                let command = self.opa_eval_command();
                ctx.copy_text(command.clone());
                self.set_notice(format!("Copied: {command}"));
            }
            Action::CopyOpaTest => {
                let command = self.opa_test_command();
                ctx.copy_text(command.clone());
                self.set_notice(format!("Copied: {command}"));
            }
            Action::ResetQuery => {
                let policy = self.workspace.policies.get(self.active_policy);
                if let Some(query) = policy.and_then(|p| package_query(&p.text)) {
                    self.workspace.query = query;
                    self.mark_edited();
                }
            }
            drill_action => self.apply_drill_action(ctx, drill_action),
        }
    }

    fn load_sample(&mut self, sample: &Sample) {
        // The sample replaces the drill's policy, so no drill is open any
        // more and the sample's edits are not progress.
        self.drills.selected = None;
        self.drills.reset_forms();
        self.open_paths(vec![sample.folder.clone()]);
    }

    /// Keyboard shortcuts of the window.
    fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let shortcut = |modifiers, key| {
            ctx.input_mut(|input| input.consume_shortcut(&KeyboardShortcut::new(modifiers, key)))
        };
        let command_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        if shortcut(command_shift, Key::S) {
            actions.push(Action::SaveAs);
        }
        if shortcut(Modifiers::COMMAND, Key::S) {
            actions.push(Action::Save);
        }
        if shortcut(Modifiers::COMMAND, Key::O) {
            actions.push(Action::AskPath(PathPurpose::Open));
        }
        if shortcut(Modifiers::COMMAND, Key::W) {
            actions.push(Action::CloseTab(self.active_policy));
        }
        if shortcut(Modifiers::COMMAND, Key::Tab) {
            actions.push(Action::NextTab);
        }
    }

    pub(crate) fn mark_edited(&mut self) {
        self.revision += 1;
        self.edited_at = Some(Instant::now());
    }

    /// Sends the newest revision once typing has paused for [`DEBOUNCE`].
    fn send_when_quiet(&mut self, ctx: &egui::Context) {
        let Some(edited_at) = self.edited_at else {
            return;
        };
        if self.drills.awaiting_prediction() {
            // Nothing is evaluated until the learner has predicted.
            return;
        }
        let waited = edited_at.elapsed();
        if waited < DEBOUNCE {
            ctx.request_repaint_after(DEBOUNCE - waited);
            return;
        }
        self.edited_at = None;
        self.send_request();
    }

    /// Sends the newest revision with the documents edited since the last one.
    fn send_request(&mut self) {
        self.send_request_for(false);
    }

    /// Sends the newest revision. `whole_value` requests the whole printed
    /// value even when it is large.
    fn send_request_for(&mut self, whole_value: bool) {
        let changed = std::mem::replace(&mut self.changed, Changed::NONE);
        let input = changed.input.then(|| {
            self.workspace
                .inputs
                .get(self.active_input)
                .map(|input| input.text.clone())
                .unwrap_or_default()
        });
        self.supervisor.send(EvalRequest {
            revision: self.revision,
            policies: changed.policies.then(|| self.workspace.policies.clone()),
            input,
            data: changed.data.then(|| self.workspace.data.clone()),
            scenarios: changed.scenarios.then(|| {
                self.workspace
                    .inputs
                    .iter()
                    .filter(|input| input.text.len() <= MAX_SCENARIO_BYTES)
                    .map(|input| (input.name.clone(), input.text.clone()))
                    .collect()
            }),
            query: self.workspace.query.clone(),
            options: self.workspace.options.clone(),
            run_tests: true,
            coverage: self.tests.show_coverage,
            trace: true,
            drill: self.drills.active_spec(),
            whole_value,
        });
        self.sent_revision = self.revision;
        self.result.pending = true;
        self.result.details_pending = true;
    }

    fn receive_replies(&mut self) {
        for event in self.supervisor.poll() {
            match event {
                SupervisorEvent::Reply(reply) => self.apply_reply(*reply),
                SupervisorEvent::Details(details) => self.apply_details(*details),
                SupervisorEvent::Progress {
                    revision,
                    stage,
                    bytes,
                } => {
                    if revision == self.sent_revision {
                        self.result.progress = progress_message(stage, bytes);
                    }
                }
                SupervisorEvent::Restarted { reason } => {
                    log::info!("evaluation worker restarted: {reason}")
                }
            }
        }
    }

    /// Shows a reply if it is for the newest request and drops older ones.
    pub fn apply_reply(&mut self, reply: EvalReply) {
        if reply.revision != self.sent_revision {
            log::debug!(
                "dropped a stale reply for revision {} (newest {})",
                reply.revision,
                self.sent_revision
            );
            return;
        }
        log::debug!("showing the reply for revision {}", reply.revision);
        self.result.pending = false;
        self.result.progress = None;
        self.result.shown_revision = reply.revision;
        if let Err(EvalFailure::Worker(_)) = &reply.outcome {
            // The worker was restarted, so no trace or test run follows.
            self.result.details_pending = false;
        }
        let copying = std::mem::take(&mut self.result.copying);
        match reply.outcome {
            Ok(evaluation) => {
                let mut view = reply
                    .view
                    .unwrap_or_else(|| ResultView::new(&evaluation, false));
                if copying && view.complete {
                    // The whole text was requested for the clipboard, so
                    // only its preview stays here.
                    self.result.to_copy = Some(view.text.clone());
                    view = view.into_preview();
                }
                self.result.shown = Some(view);
                self.result.last_good = Some((reply.revision, evaluation));
                self.result.failure = None;
            }
            Err(failure) => self.result.failure = Some(failure),
        }
    }

    /// Prints the line the bench waits for and closes the window, once the
    /// moment named by [`BENCH_EXIT_VARIABLE`] has come.
    fn report_for_bench(&mut self, ctx: &egui::Context) {
        let Some(mode) = self.bench_exit else {
            return;
        };
        match mode {
            // Frame 1 starts after frame 0 was painted and swapped.
            BenchExit::FirstFrame if ctx.cumulative_frame_nr() > 0 => {
                println!("bench: first-frame");
            }
            BenchExit::FirstFrame => {
                ctx.request_repaint();
                return;
            }
            BenchExit::FirstResult if !self.result.pending && !self.result.details_pending => {
                let peak = |pid| peak_resident_kib(pid).unwrap_or(0);
                println!(
                    "bench: first-result window-vmhwm-kib={} worker-vmhwm-kib={}",
                    peak(None),
                    self.supervisor.worker_peak_kib().unwrap_or(0)
                );
            }
            BenchExit::FirstResult => return,
        }
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        self.bench_exit = None;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// Shows the trace and test run of the newest request; drops older ones.
    pub fn apply_details(&mut self, details: EvalDetails) {
        if details.revision != self.sent_revision {
            return;
        }
        self.result.details_pending = false;
        let stopped = details.stopped.is_some();
        if let Some(reason) = details.stopped {
            self.trace.last = None;
            self.set_notice(format!(
                "The result is shown, but the trace and tests stopped: {reason}"
            ));
        }
        if let Some(tests) = details.tests {
            self.tests.last = Some(tests);
        }
        if let Some(trace) = details.trace {
            self.trace.last = Some((details.revision, trace));
        }
        if !stopped {
            self.scenarios.results = details.scenarios;
        }
        if let Some(report) = details.drill {
            self.drills.take_report(report);
            self.save_drill_progress();
        }
    }

    /// The revision the next request will carry.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let title = window_title(&self.workspace);
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }
}

/// Describes a slow step of the worker for the status line.
fn progress_message(stage: Stage, bytes: Option<usize>) -> Option<String> {
    let size = bytes
        .map(|b| format!(" ({:.1} MB)", b as f64 / 1_000_000.0))
        .unwrap_or_default();
    match stage {
        Stage::LoadingInput => Some(format!("Loading the input{size}…")),
        Stage::LoadingData => Some(format!("Loading the data{size}…")),
        Stage::Evaluating | Stage::Tracing | Stage::Checking => None,
    }
}

impl eframe::App for PolicyWorkshopApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        PolicyWorkshopApp::ui(self, ui);
    }
}
