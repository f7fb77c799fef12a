//! The eframe window: app state in [`app`] and one file per panel.
//! Evaluation runs in the supervised worker process of [`crate::worker`].

pub mod about;
pub mod app;
pub mod bench;
pub mod code_editor;
pub mod document_panel;
pub mod drill_panel;
pub mod highlight;
pub mod menu_bar;
pub mod open_pack;
pub mod pack_loader;
pub mod policy_panel;
pub mod result_panel;
pub mod scenarios_panel;
pub mod status_bar;
pub mod tests_panel;
pub mod trace_panel;

use std::path::PathBuf;
use std::process::ExitCode;

pub use app::PolicyWorkshopApp;

use crate::worker::SupervisorConfig;
use crate::workspace::samples::{DEFAULT_SAMPLE, list_samples, samples_folder};
use crate::workspace::{NamedInput, Workspace};

/// The folders, sample, input, drill pack and mode the window starts with.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    /// Folders or files to open; the workspace opened last when empty and
    /// no sample is named.
    pub paths: Vec<PathBuf>,
    /// The sample's folder name; the Kubernetes sample when `None`.
    pub sample: Option<String>,
    /// A file to open as the first input.
    pub input: Option<PathBuf>,
    /// Open the built-in drill pack.
    pub drills: bool,
    /// Open the drill pack in this folder.
    pub pack: Option<PathBuf>,
    /// Start in workshop mode.
    pub workshop: bool,
}

/// Opens the window as `start` sets it up and runs until it is closed. It
/// opens `start.paths` when given, else the named sample, else the
/// workspace opened last, else the Kubernetes sample; `start.input`
/// becomes the first input when given.
pub fn run(start: &StartOptions) -> ExitCode {
    let last = crate::workspace::session::data_dir()
        .map(|dir| crate::workspace::session::Settings::load(&dir))
        .and_then(|settings| settings.last().cloned());
    let opened: Option<Vec<PathBuf>> = if !start.paths.is_empty() {
        Some(start.paths.clone())
    } else if start.sample.is_none() && !start.drills && start.pack.is_none() {
        last
    } else {
        None
    };
    let (mut workspace, mut notice) = match &opened {
        Some(paths) => {
            let canonical: Vec<_> = paths
                .iter()
                .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
                .collect();
            match crate::workspace::files::open_paths(&canonical) {
                Ok((workspace, skipped)) => (
                    workspace,
                    (!skipped.is_empty()).then(|| format!("Not opened: {}", skipped.join("; "))),
                ),
                Err(error) => {
                    let (workspace, _) = initial_workspace(DEFAULT_SAMPLE);
                    (workspace, Some(format!("Cannot open: {error:#}")))
                }
            }
        }
        None => initial_workspace(start.sample.as_deref().unwrap_or(DEFAULT_SAMPLE)),
    };
    if let Some(path) = start.input.as_deref() {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                workspace.inputs.insert(0, NamedInput { name, text });
            }
            Err(error) => {
                notice = Some(format!("Cannot read the input {}: {error}", path.display()))
            }
        }
    }
    let worker = match SupervisorConfig::current_exe() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: cannot find this executable to start the evaluation worker: {error}");
            return ExitCode::from(crate::cli::EXIT_ERROR);
        }
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(app::window_title(&workspace))
            .with_app_id("policy-workshop")
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([720.0, 480.0]),
        ..eframe::NativeOptions::default()
    };
    let start = start.clone();
    let started = eframe::run_native(
        "Policy Workshop",
        options,
        Box::new(move |creation| {
            let mut app = PolicyWorkshopApp::new(&creation.egui_ctx, workspace, worker);
            if let Some(notice) = notice {
                app.set_notice(notice);
            }
            if let Some(pack) = &start.pack {
                app.open_pack(pack);
            } else if start.drills {
                app.open_builtin_drills();
            }
            if start.workshop {
                app.set_workshop_mode(&creation.egui_ctx, true);
            }
            Ok(Box::new(app))
        }),
    );
    match started {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "error: cannot open the window: {error}\n\
                 The window needs an X11 or Wayland display and OpenGL (Mesa) libraries; \
                 `scripts/install-system-packages.sh` installs them on Debian and Ubuntu. \
                 The `eval` command works without a display."
            );
            ExitCode::from(crate::cli::EXIT_ERROR)
        }
    }
}

/// Loads the named sample, falling back to a scratch policy with a notice
/// saying why.
pub fn initial_workspace(sample_id: &str) -> (Workspace, Option<String>) {
    let Some(folder) = samples_folder() else {
        let notice =
            "The sample-policies folder was not found; set POLICY_WORKSHOP_SAMPLES to its path. \
                      Showing a scratch policy."
                .to_string();
        return (Workspace::scratch(), Some(notice));
    };
    let samples = list_samples(&folder);
    let Some(sample) = samples.iter().find(|s| s.id == sample_id) else {
        let known: Vec<&str> = samples.iter().map(|s| s.id.as_str()).collect();
        let notice = format!(
            "No sample named \"{sample_id}\" in {}; the samples are: {}. Showing a scratch policy.",
            folder.display(),
            known.join(", ")
        );
        return (Workspace::scratch(), Some(notice));
    };
    match Workspace::load_folder(&sample.folder, &sample.title) {
        Ok(workspace) => (workspace, None),
        Err(error) => (
            Workspace::scratch(),
            Some(format!("Cannot load the sample: {error:#}")),
        ),
    }
}
