//! The eframe window: app state in [`app`] and one file per panel.
//! Evaluation runs in the supervised worker process of [`crate::worker`].

pub mod about;
pub mod app;
pub mod bench;
pub mod code_editor;
pub mod document_panel;
pub mod highlight;
pub mod menu_bar;
pub mod policy_panel;
pub mod result_panel;
pub mod scenarios_panel;
pub mod status_bar;
pub mod tests_panel;
pub mod trace_panel;

use std::path::Path;
use std::process::ExitCode;

pub use app::PolicyWorkshopApp;

use crate::worker::SupervisorConfig;
use crate::workspace::samples::{DEFAULT_SAMPLE, list_samples, samples_folder};
use crate::workspace::{NamedInput, Workspace};

/// Opens the window and runs until it is closed. It opens `paths` when
/// given, else the named sample, else the workspace opened last, else the
/// Kubernetes sample; `input` becomes the first input when given.
pub fn run(paths: &[std::path::PathBuf], sample: Option<&str>, input: Option<&Path>) -> ExitCode {
    let last = crate::workspace::session::data_dir()
        .map(|dir| crate::workspace::session::Settings::load(&dir))
        .and_then(|settings| settings.last().cloned());
    let opened: Option<Vec<std::path::PathBuf>> = if !paths.is_empty() {
        Some(paths.to_vec())
    } else if sample.is_none() {
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
        None => initial_workspace(sample.unwrap_or(DEFAULT_SAMPLE)),
    };
    if let Some(path) = input {
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
    let started = eframe::run_native(
        "Policy Workshop",
        options,
        Box::new(move |creation| {
            let mut app = PolicyWorkshopApp::new(&creation.egui_ctx, workspace, worker);
            if let Some(notice) = notice {
                app.set_notice(notice);
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
