//! The window's work with files: opening folders and files (native dialog
//! or a path field), saving with atomic writes, watching the files for
//! changes on disk, autosaving unsaved edits for recovery, session export
//! and the equivalent `opa` command lines.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use egui::Ui;
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::{Changed, PolicyWorkshopApp, ResultState};
use crate::workspace::files::{merged_data, open_paths, read_document, save_atomic};
use crate::workspace::session::{Session, Settings, data_dir, expectations_path, recovery_path};
use crate::workspace::{DiskState, Origin, Workspace};

/// How often unsaved edits are written for recovery.
pub const AUTOSAVE_INTERVAL: Duration = Duration::from_secs(3);

/// A native dialog that returns faster than this did not open: with no
/// desktop portal and no zenity, rfd returns at once.
const DIALOG_MIN_TIME: Duration = Duration::from_millis(300);

/// A document of the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocRef {
    Policy(usize),
    Input(usize),
    Data,
}

/// The use of a path typed by hand or picked in a dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathPurpose {
    Open,
    SaveAs(DocRef),
    ExportSession,
    OpenSession,
}

impl PathPurpose {
    fn title(&self) -> &'static str {
        match self {
            PathPurpose::Open => "Open a folder or file",
            PathPurpose::SaveAs(_) => "Save as",
            PathPurpose::ExportSession => "Export the session",
            PathPurpose::OpenSession => "Open a session",
        }
    }
}

/// A question the window waits on before acting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// Close a policy tab with unsaved edits.
    CloseTab(usize),
    /// Quit with unsaved edits.
    Quit,
    /// Open other files while this workspace has unsaved edits.
    Replace(Vec<PathBuf>),
}

/// A native dialog running on its own thread: its purpose, when it opened,
/// and the channel its result arrives on.
type OpenDialog = (PathPurpose, Instant, Receiver<Option<Vec<PathBuf>>>);

/// File state of the window.
pub struct FileState {
    data_dir: Option<PathBuf>,
    pub settings: Settings,
    /// Paths the workspace was opened from, for the recent list.
    opened: Vec<PathBuf>,
    watcher: Option<RecommendedWatcher>,
    events: Option<Receiver<notify::Result<notify::Event>>>,
    last_autosave: Instant,
    /// The recovery file this window wrote, if it still exists.
    recovery_written: Option<(PathBuf, u64)>,
    /// Unsaved edits found from an earlier run, offered for restoring.
    pub recovery: Option<Session>,
    recovery_checked: bool,
    dialog: Option<OpenDialog>,
    /// The path field shown instead of, or after, a native dialog.
    pub prompt: Option<(PathPurpose, String)>,
    pub confirm: Option<Confirm>,
    /// A document shown side by side with its file on disk.
    pub compare: Option<DocRef>,
    quit_confirmed: bool,
    /// The document edited last, which Ctrl+S saves.
    pub focused: DocRef,
}

impl Default for FileState {
    fn default() -> Self {
        FileState {
            data_dir: data_dir(),
            settings: Settings::default(),
            opened: Vec::new(),
            watcher: None,
            events: None,
            last_autosave: Instant::now(),
            recovery_written: None,
            recovery: None,
            recovery_checked: false,
            dialog: None,
            prompt: None,
            confirm: None,
            compare: None,
            quit_confirmed: false,
            focused: DocRef::Policy(0),
        }
    }
}

impl FileState {
    /// Moves the data directory (settings, recovery files); `None` turns
    /// autosave and settings off.
    pub fn set_data_dir(&mut self, dir: Option<PathBuf>) {
        self.settings = dir.as_deref().map(Settings::load).unwrap_or_default();
        self.data_dir = dir;
        self.recovery_checked = false;
    }

    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }
}

fn origin_of(workspace: &Workspace, doc: DocRef) -> Option<&Origin> {
    match doc {
        DocRef::Policy(i) => workspace.policy_origins.get(i),
        DocRef::Input(i) => workspace.input_origins.get(i),
        DocRef::Data => Some(&workspace.data_origin),
    }
}

fn origin_mut(workspace: &mut Workspace, doc: DocRef) -> Option<&mut Origin> {
    match doc {
        DocRef::Policy(i) => workspace.policy_origins.get_mut(i),
        DocRef::Input(i) => workspace.input_origins.get_mut(i),
        DocRef::Data => Some(&mut workspace.data_origin),
    }
}

fn text_mut(workspace: &mut Workspace, doc: DocRef) -> Option<&mut String> {
    match doc {
        DocRef::Policy(i) => workspace.policies.get_mut(i).map(|p| &mut p.text),
        DocRef::Input(i) => workspace.inputs.get_mut(i).map(|p| &mut p.text),
        DocRef::Data => Some(&mut workspace.data),
    }
}

fn name_of(workspace: &Workspace, doc: DocRef) -> String {
    match doc {
        DocRef::Policy(i) => workspace
            .policies
            .get(i)
            .map_or_else(String::new, |p| p.path.clone()),
        DocRef::Input(i) => workspace
            .inputs
            .get(i)
            .map_or_else(String::new, |p| p.name.clone()),
        DocRef::Data => "data".to_string(),
    }
}

/// Lists every document of the workspace.
fn all_docs(workspace: &Workspace) -> Vec<DocRef> {
    (0..workspace.policies.len())
        .map(DocRef::Policy)
        .chain((0..workspace.inputs.len()).map(DocRef::Input))
        .chain([DocRef::Data])
        .collect()
}

/// True when the document differs from its file, or was never saved.
pub fn is_dirty(workspace: &Workspace, doc: DocRef) -> bool {
    let text = match doc {
        DocRef::Policy(i) => workspace.policies.get(i).map(|p| p.text.as_str()),
        DocRef::Input(i) => workspace.inputs.get(i).map(|p| p.text.as_str()),
        DocRef::Data => Some(workspace.data.as_str()),
    };
    match (origin_of(workspace, doc), text) {
        (Some(origin), Some(text)) => {
            !(doc == DocRef::Data && workspace.data_is_merged()) && origin.is_dirty(text)
        }
        _ => false,
    }
}

impl PolicyWorkshopApp {
    /// Runs once per frame: the first-frame recovery check, file events,
    /// autosave, dialogs, and the quit question.
    pub(super) fn files_frame(&mut self, ui: &mut Ui) {
        self.keep_origins_in_step();
        if !self.files.recovery_checked {
            self.files.recovery_checked = true;
            if self.workspace.expected.is_empty() {
                self.load_expectations();
            }
            self.check_recovery();
        }
        self.take_file_events(ui.ctx());
        self.autosave();
        self.poll_dialog();
        self.handle_close_request(ui.ctx());
        self.file_windows(ui);
    }

    /// Keeps one origin per document when panels add documents.
    fn keep_origins_in_step(&mut self) {
        let workspace = &self.workspace;
        if workspace.policy_origins.len() != workspace.policies.len()
            || workspace.input_origins.len() != workspace.inputs.len()
        {
            self.workspace = std::mem::take(&mut self.workspace).with_origins();
        }
    }

    /// Opens folders or files as the workspace, asking first when the
    /// current one has unsaved edits.
    pub fn open_paths(&mut self, paths: Vec<PathBuf>) {
        if self.workspace.has_unsaved_edits() {
            self.files.confirm = Some(Confirm::Replace(paths));
            return;
        }
        self.replace_workspace(paths);
    }

    fn replace_workspace(&mut self, paths: Vec<PathBuf>) {
        let paths: Vec<PathBuf> = paths
            .into_iter()
            .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
            .collect();
        match open_paths(&paths) {
            Ok((workspace, skipped)) => {
                let options = self.workspace.options.clone();
                self.discard_recovery();
                self.workspace = Workspace {
                    options,
                    ..workspace
                };
                self.after_workspace_change();
                self.files.opened.clone_from(&paths);
                self.files.settings.remember(&paths);
                self.save_settings();
                self.watch();
                self.files.recovery_checked = false;
                if !skipped.is_empty() {
                    self.set_notice(format!("Not opened: {}", skipped.join("; ")));
                }
            }
            Err(error) => self.set_notice(format!("Cannot open: {error:#}")),
        }
    }

    /// Resets what depends on the documents after the workspace changed.
    pub(super) fn after_workspace_change(&mut self) {
        self.editor_generation += 1;
        self.active_policy = 0;
        self.active_input = 0;
        self.result = ResultState::default();
        self.trace.last = None;
        self.tests.last = None;
        self.notice = None;
        self.changed = Changed::ALL;
        self.files.focused = DocRef::Policy(0);
        self.mark_edited();
    }

    /// Keeps the expected results of the scenarios in the data directory.
    pub(super) fn save_expectations(&mut self) {
        let Some(dir) = &self.files.data_dir else {
            return;
        };
        let path = expectations_path(dir, &self.workspace);
        let saved = std::fs::create_dir_all(path.parent().unwrap_or(dir))
            .map_err(anyhow::Error::from)
            .and_then(|()| {
                let text = serde_json::to_string_pretty(&self.workspace.expected)?;
                save_atomic(&path, &text)
            });
        if let Err(error) = saved {
            log::warn!("cannot save the expected results: {error:#}");
        }
    }

    /// Reads the expected results kept for this workspace.
    pub(super) fn load_expectations(&mut self) {
        let Some(dir) = &self.files.data_dir else {
            return;
        };
        let path = expectations_path(dir, &self.workspace);
        if let Ok(text) = read_document(&path)
            && let Ok(expected) = serde_json::from_str(&text)
        {
            self.workspace.expected = expected;
        }
    }

    fn save_settings(&mut self) {
        if let Some(dir) = &self.files.data_dir
            && let Err(error) = self.files.settings.save(dir)
        {
            log::warn!("cannot save the settings: {error:#}");
        }
    }

    /// Starts watching the files of the workspace.
    pub fn watch(&mut self) {
        let (sender, receiver) = mpsc::channel();
        let repaint = self.repaint.clone();
        let watcher = notify::recommended_watcher(move |event| {
            let _ = sender.send(event);
            repaint();
        });
        let mut watcher = match watcher {
            Ok(watcher) => watcher,
            Err(error) => {
                log::warn!("cannot watch files: {error}");
                return;
            }
        };
        let mut folders: Vec<PathBuf> = Vec::new();
        if let Some(root) = &self.workspace.root {
            folders.push(root.clone());
        }
        let files = self
            .workspace
            .policy_origins
            .iter()
            .chain(&self.workspace.input_origins)
            .chain([&self.workspace.data_origin])
            .filter_map(|o| o.path.as_ref())
            .chain(self.workspace.data_sources.iter().map(|s| &s.path));
        for file in files {
            // Watching the folder catches editors that save by renaming.
            if let Some(parent) = file.parent()
                && !folders.iter().any(|f| parent.starts_with(f))
            {
                folders.push(parent.to_path_buf());
            }
        }
        for folder in &folders {
            if let Err(error) = watcher.watch(folder, RecursiveMode::Recursive) {
                log::warn!("cannot watch {}: {error}", folder.display());
            }
        }
        log::info!("watching {} folder(s) for changes", folders.len());
        self.files.watcher = Some(watcher);
        self.files.events = Some(receiver);
    }

    /// Applies file changes on disk: a clean document reloads, an edited
    /// one keeps the user's text and offers the disk's, a deleted one is
    /// marked.
    fn take_file_events(&mut self, _ctx: &egui::Context) {
        let Some(events) = &self.files.events else {
            return;
        };
        let mut paths: Vec<PathBuf> = Vec::new();
        while let Ok(event) = events.try_recv() {
            match event {
                Ok(event) => {
                    if matches!(event.kind, notify::EventKind::Access(_)) {
                        continue;
                    }
                    paths.extend(event.paths);
                }
                Err(error) => log::warn!("file watching failed: {error}"),
            }
        }
        if paths.is_empty() {
            return;
        }
        paths.sort();
        paths.dedup();
        let mut changed = Changed::NONE;
        for path in &paths {
            for doc in all_docs(&self.workspace) {
                if origin_of(&self.workspace, doc).and_then(|o| o.path.as_ref()) != Some(path) {
                    continue;
                }
                if self.refresh_from_disk(doc, path) {
                    match doc {
                        DocRef::Policy(_) => changed.policies = true,
                        DocRef::Input(i) => {
                            changed.input |= i == self.active_input;
                            changed.scenarios = true;
                        }
                        DocRef::Data => changed.data = true,
                    }
                }
            }
            if self.workspace.data_sources.iter().any(|s| &s.path == path)
                && self.workspace.data_is_merged()
            {
                self.remerge_data();
                changed.data = true;
            }
            self.add_new_policy(path, &mut changed);
        }
        if changed.policies || changed.input || changed.data || changed.scenarios {
            self.changed.policies |= changed.policies;
            self.changed.input |= changed.input;
            self.changed.data |= changed.data;
            self.changed.scenarios |= changed.scenarios;
            self.mark_edited();
        }
    }

    /// Rereads one document's file; returns true when its text changed.
    fn refresh_from_disk(&mut self, doc: DocRef, path: &Path) -> bool {
        let dirty = is_dirty(&self.workspace, doc);
        let Some(origin) = origin_of(&self.workspace, doc).cloned() else {
            return false;
        };
        match read_document(path) {
            Ok(disk) if Some(&disk) == origin.saved.as_ref() => {
                if let Some(origin) = origin_mut(&mut self.workspace, doc) {
                    origin.disk = DiskState::InSync;
                }
                false
            }
            Ok(disk) if !dirty => {
                log::info!("reloaded {} after it changed on disk", path.display());
                if let Some(text) = text_mut(&mut self.workspace, doc) {
                    text.clone_from(&disk);
                }
                if let Some(origin) = origin_mut(&mut self.workspace, doc) {
                    origin.saved = Some(disk);
                    origin.disk = DiskState::InSync;
                }
                true
            }
            Ok(disk) => {
                if let Some(origin) = origin_mut(&mut self.workspace, doc) {
                    origin.disk = DiskState::Changed(disk);
                }
                false
            }
            Err(_) if !path.exists() => {
                if let Some(origin) = origin_mut(&mut self.workspace, doc) {
                    origin.disk = DiskState::Deleted;
                }
                false
            }
            Err(reason) => {
                log::warn!("{} changed but {reason}", path.display());
                false
            }
        }
    }

    /// Adds a `.rego` file created in the opened folder as a new tab.
    fn add_new_policy(&mut self, path: &Path, changed: &mut Changed) {
        let Some(root) = &self.workspace.root else {
            return;
        };
        let is_rego = path.extension().is_some_and(|e| e == "rego");
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        let known = self
            .workspace
            .policy_origins
            .iter()
            .any(|o| o.path.as_deref() == Some(path));
        if !is_rego || hidden || known || !path.starts_with(root) || !path.is_file() {
            return;
        }
        let Ok(text) = read_document(path) else {
            return;
        };
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        log::info!("opened {name}, created on disk");
        self.workspace
            .policies
            .push(crate::engine::PolicySource::new(name, text.clone()));
        self.workspace
            .policy_origins
            .push(Origin::file(path, &text));
        changed.policies = true;
    }

    fn remerge_data(&mut self) {
        let files: Vec<_> = self
            .workspace
            .data_sources
            .iter()
            .filter_map(|source| {
                read_document(&source.path)
                    .ok()
                    .map(|text| (source.clone(), text))
            })
            .collect();
        let mut skipped = Vec::new();
        self.workspace.data = merged_data(&files, &mut skipped);
        if !skipped.is_empty() {
            self.set_notice(format!("Data left out: {}", skipped.join("; ")));
        }
    }

    /// Resolves a conflict between the user's text and the disk's.
    pub fn resolve_conflict(&mut self, doc: DocRef, take_disk: bool) {
        let Some(DiskState::Changed(disk)) =
            origin_of(&self.workspace, doc).map(|o| o.disk.clone())
        else {
            return;
        };
        if take_disk {
            if let Some(text) = text_mut(&mut self.workspace, doc) {
                text.clone_from(&disk);
            }
            match doc {
                DocRef::Policy(_) => self.changed.policies = true,
                DocRef::Input(_) => {
                    self.changed.input = true;
                    self.changed.scenarios = true;
                }
                DocRef::Data => self.changed.data = true,
            }
            self.mark_edited();
        }
        if let Some(origin) = origin_mut(&mut self.workspace, doc) {
            origin.saved = Some(disk);
            origin.disk = DiskState::InSync;
        }
        if self.files.compare == Some(doc) {
            self.files.compare = None;
        }
    }

    /// Saves one document to its file; one without a file gets a path first.
    pub fn save(&mut self, doc: DocRef) {
        if doc == DocRef::Data && self.workspace.data_is_merged() {
            self.set_notice(
                "The data pane shows data merged from several files; edit those files instead."
                    .to_string(),
            );
            return;
        }
        let Some(path) = origin_of(&self.workspace, doc).and_then(|o| o.path.clone()) else {
            self.ask_path(PathPurpose::SaveAs(doc));
            return;
        };
        self.save_to(doc, &path);
    }

    /// The `-d` arguments of the equivalent `opa` command: the opened folder
    /// as a bundle when its data files are all named `data.json` or
    /// `data.yaml`, as OPA places those by folder only in bundles; otherwise
    /// every file.
    fn opa_sources(&self) -> String {
        if let Some(root) = &self.workspace.root {
            let bundle_names = self.workspace.data_sources.iter().all(|source| {
                source
                    .path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| matches!(n, "data.json" | "data.yaml" | "data.yml"))
            });
            let inside = self
                .workspace
                .policy_origins
                .iter()
                .filter_map(|o| o.path.as_ref())
                .all(|p| p.starts_with(root));
            if bundle_names && inside {
                return format!(" --bundle {}", shell_quote(&root.display().to_string()));
            }
        }
        self.data_args()
            .iter()
            .map(|path| format!(" -d {}", shell_quote(path)))
            .collect()
    }

    /// Writes one document to `path`; returns true when it was written.
    fn save_to(&mut self, doc: DocRef, path: &Path) -> bool {
        let Some(text) = text_mut(&mut self.workspace, doc).map(|t| t.clone()) else {
            return false;
        };
        match save_atomic(path, &text) {
            Ok(()) => {
                log::info!("saved {}", path.display());
                if let Some(origin) = origin_mut(&mut self.workspace, doc) {
                    origin.path = Some(path.to_path_buf());
                    origin.saved = Some(text);
                    origin.disk = DiskState::InSync;
                }
                if self.files.watcher.is_none() {
                    self.watch();
                }
                self.set_notice(format!("Saved {}", path.display()));
                true
            }
            Err(error) => {
                self.set_notice(format!("{error:#}"));
                false
            }
        }
    }

    /// Saves every document with unsaved edits that has a file.
    pub fn save_all(&mut self) {
        for doc in all_docs(&self.workspace) {
            let has_file = origin_of(&self.workspace, doc).is_some_and(|o| o.path.is_some());
            if is_dirty(&self.workspace, doc) && has_file {
                self.save(doc);
            }
        }
    }

    /// Closes a policy tab, asking first when it has unsaved edits.
    pub fn close_tab(&mut self, index: usize, confirmed: bool) {
        if index >= self.workspace.policies.len() {
            return;
        }
        if !confirmed && is_dirty(&self.workspace, DocRef::Policy(index)) {
            self.files.confirm = Some(Confirm::CloseTab(index));
            return;
        }
        self.workspace.policies.remove(index);
        self.workspace.policy_origins.remove(index);
        if self.active_policy >= self.workspace.policies.len() {
            self.active_policy = self.workspace.policies.len().saturating_sub(1);
        }
        self.changed.policies = true;
        self.mark_edited();
    }

    /// Asks for a path: a native dialog on a thread, or the path field when
    /// no dialog can open.
    pub fn ask_path(&mut self, purpose: PathPurpose) {
        if self.files.dialog.is_some() {
            return;
        }
        let (sender, receiver) = mpsc::channel();
        let kind = purpose.clone();
        let suggested = match &purpose {
            PathPurpose::SaveAs(doc) => name_of(&self.workspace, *doc),
            PathPurpose::ExportSession => "session.policy-workshop.json".to_string(),
            _ => String::new(),
        };
        let repaint = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("file-dialog".to_string())
            .spawn(move || {
                let dialog = rfd::FileDialog::new();
                let answer = match kind {
                    PathPurpose::Open => dialog.pick_folder().map(|p| vec![p]),
                    PathPurpose::OpenSession => dialog
                        .add_filter("Session", &["json"])
                        .pick_file()
                        .map(|p| vec![p]),
                    PathPurpose::SaveAs(_) | PathPurpose::ExportSession => dialog
                        .set_file_name(
                            Path::new(&suggested)
                                .file_name()
                                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                        )
                        .save_file()
                        .map(|p| vec![p]),
                };
                let _ = sender.send(answer);
                repaint();
            });
        match spawned {
            Ok(_) => self.files.dialog = Some((purpose, Instant::now(), receiver)),
            Err(_) => self.files.prompt = Some((purpose, String::new())),
        }
    }

    fn poll_dialog(&mut self) {
        let Some((purpose, started, receiver)) = &self.files.dialog else {
            return;
        };
        let Ok(answer) = receiver.try_recv() else {
            return;
        };
        let (purpose, started) = (purpose.clone(), *started);
        self.files.dialog = None;
        match answer {
            Some(paths) => self.use_path(purpose, paths),
            None if started.elapsed() < DIALOG_MIN_TIME => {
                log::info!("no file dialog is available; showing the path field");
                self.files.prompt = Some((purpose, String::new()));
            }
            None => {}
        }
    }

    /// Acts on a path chosen in a dialog or typed in the path field.
    pub fn use_path(&mut self, purpose: PathPurpose, paths: Vec<PathBuf>) {
        let Some(first) = paths.first().cloned() else {
            return;
        };
        match purpose {
            PathPurpose::Open => self.open_paths(paths),
            PathPurpose::SaveAs(doc) => {
                // A failed save keeps the tab's name and file, so its
                // edits still count as unsaved.
                if self.save_to(doc, &first)
                    && let DocRef::Policy(index) = doc
                    && let Some(policy) = self.workspace.policies.get_mut(index)
                {
                    policy.path = first.file_name().map_or_else(
                        || first.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                }
            }
            PathPurpose::ExportSession => {
                let session = Session::capture(&self.workspace, self.active_input);
                match session.write(&first) {
                    Ok(()) => {
                        self.set_notice(format!("Exported the session to {}", first.display()))
                    }
                    Err(error) => self.set_notice(format!("{error:#}")),
                }
            }
            PathPurpose::OpenSession => match Session::read(&first) {
                Ok(session) => {
                    let workspace = session.restore(&self.workspace);
                    self.workspace = workspace;
                    self.after_workspace_change();
                    self.active_input = session.active_input.min(self.workspace.inputs.len());
                    self.watch();
                }
                Err(error) => self.set_notice(format!("{error:#}")),
            },
        }
    }

    /// Offers the unsaved edits an earlier run left, when they differ from
    /// the documents now.
    fn check_recovery(&mut self) {
        let Some(dir) = &self.files.data_dir else {
            return;
        };
        let path = recovery_path(dir, &self.workspace);
        if !path.exists() {
            return;
        }
        match Session::read(&path) {
            Ok(session) if !session.matches(&self.workspace) => {
                log::info!("found unsaved edits from {}", session.saved_at_text());
                self.files.recovery = Some(session);
            }
            Ok(_) => {
                let _ = std::fs::remove_file(&path);
            }
            Err(error) => log::warn!("cannot read the recovery file: {error:#}"),
        }
    }

    /// Puts the recovered edits into the documents, as unsaved edits.
    pub fn restore_recovery(&mut self) {
        let Some(session) = self.files.recovery.take() else {
            return;
        };
        let active_input = session.active_input;
        self.workspace = session.restore(&self.workspace);
        self.after_workspace_change();
        self.active_input = active_input.min(self.workspace.inputs.len().saturating_sub(1));
        self.watch();
    }

    pub fn discard_recovery(&mut self) {
        self.files.recovery = None;
        if let Some(dir) = &self.files.data_dir {
            let path = recovery_path(dir, &self.workspace);
            let _ = std::fs::remove_file(path);
        }
        self.files.recovery_written = None;
    }

    /// Writes unsaved edits for recovery every [`AUTOSAVE_INTERVAL`], and
    /// removes the recovery file once everything is saved.
    fn autosave(&mut self) {
        // A drill's policy is kept by the drill progress store instead.
        if self.files.last_autosave.elapsed() < AUTOSAVE_INTERVAL
            || self.files.recovery.is_some()
            || self.drills.selected.is_some()
        {
            return;
        }
        self.autosave_now();
    }

    /// Writes the recovery file now when there are unsaved edits.
    pub fn autosave_now(&mut self) {
        self.files.last_autosave = Instant::now();
        let Some(dir) = self.files.data_dir.clone() else {
            return;
        };
        let path = recovery_path(&dir, &self.workspace);
        if !self.workspace.has_unsaved_edits() {
            if self.files.recovery_written.take().is_some() {
                let _ = std::fs::remove_file(&path);
            }
            return;
        }
        // Every edit bumps the revision, so an unchanged revision means the
        // file already has these edits and nothing is captured or written.
        if self
            .files
            .recovery_written
            .as_ref()
            .is_some_and(|(written, revision)| *written == path && *revision == self.revision)
        {
            return;
        }
        let session = Session::capture(&self.workspace, self.active_input);
        match session.write(&path) {
            Ok(()) => self.files.recovery_written = Some((path, self.revision)),
            Err(error) => log::warn!(
                "failed to write the recovery file {}: {error:#}",
                path.display()
            ),
        }
    }

    /// Asks before the window closes with unsaved edits.
    fn handle_close_request(&mut self, ctx: &egui::Context) {
        if !ctx.input(|i| i.viewport().close_requested())
            || self.files.quit_confirmed
            || self.drills.selected.is_some()
        {
            return;
        }
        if self.workspace.has_unsaved_edits() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.files.confirm = Some(Confirm::Quit);
        }
    }

    /// Builds the `opa eval` command that reproduces the current result.
    pub fn opa_eval_command(&self) -> String {
        let mut command = String::from("opa eval --format pretty");
        if self.workspace.options.rego_v0 {
            command.push_str(" --v0-compatible");
        }
        if self.workspace.options.strict_builtin_errors {
            command.push_str(" --strict-builtin-errors");
        }
        command.push_str(&self.opa_sources());
        if let Some(path) = self
            .workspace
            .input_origins
            .get(self.active_input)
            .and_then(|o| o.path.clone())
        {
            command.push_str(&format!(" -i {}", shell_quote(&path.display().to_string())));
        }
        command.push(' ');
        command.push_str(&shell_quote(&self.workspace.query));
        command
    }

    /// Builds the `opa test` command that runs the same tests.
    pub fn opa_test_command(&self) -> String {
        let mut command = String::from("opa test -v");
        if self.workspace.options.rego_v0 {
            command.push_str(" --v0-compatible");
        }
        let sources = self.opa_sources();
        match sources.strip_prefix(" --bundle") {
            Some(root) => command.push_str(&format!(" --bundle{root}")),
            None => {
                for path in self.data_args() {
                    command.push_str(&format!(" {}", shell_quote(&path)));
                }
            }
        }
        command
    }

    fn data_args(&self) -> Vec<String> {
        let mut paths: Vec<String> = Vec::new();
        let mut push = |path: &Path| {
            let text = path.display().to_string();
            if !paths.contains(&text) {
                paths.push(text);
            }
        };
        for origin in &self.workspace.policy_origins {
            if let Some(path) = &origin.path {
                push(path);
            }
        }
        if let Some(path) = &self.workspace.data_origin.path {
            push(path);
        }
        for source in &self.workspace.data_sources {
            push(&source.path);
        }
        paths
    }

    /// Bars and windows for recovery, conflicts, questions and the path
    /// field.
    fn file_windows(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if let Some(session) = &self.files.recovery {
            let text = format!(
                "Unsaved edits from {} were kept when the app last stopped. Restore them?",
                session.saved_at_text()
            );
            let mut choice = None;
            egui::Panel::top("recovery_bar").show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.colored_label(ui.visuals().warn_fg_color, text);
                    if ui.button("Restore unsaved edits").clicked() {
                        choice = Some(true);
                    }
                    if ui.button("Discard them").clicked() {
                        choice = Some(false);
                    }
                });
            });
            match choice {
                Some(true) => self.restore_recovery(),
                Some(false) => self.discard_recovery(),
                None => {}
            }
        }

        let conflicts: Vec<DocRef> = all_docs(&self.workspace)
            .into_iter()
            .filter(|doc| {
                matches!(
                    origin_of(&self.workspace, *doc).map(|o| &o.disk),
                    Some(DiskState::Changed(_))
                )
            })
            .collect();
        for doc in conflicts {
            let name = name_of(&self.workspace, doc);
            let mut action = None;
            egui::Panel::top(("conflict_bar", format!("{doc:?}"))).show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("{name} changed on disk while you have unsaved edits."),
                    );
                    if ui.button("Keep mine").clicked() {
                        action = Some(0);
                    }
                    if ui.button("Take the disk version").clicked() {
                        action = Some(1);
                    }
                    if ui.button("Show both").clicked() {
                        action = Some(2);
                    }
                });
            });
            match action {
                Some(0) => self.resolve_conflict(doc, false),
                Some(1) => self.resolve_conflict(doc, true),
                Some(2) => self.files.compare = Some(doc),
                _ => {}
            }
        }

        if let Some(doc) = self.files.compare {
            let mine = match doc {
                DocRef::Policy(i) => self.workspace.policies.get(i).map(|p| p.text.clone()),
                DocRef::Input(i) => self.workspace.inputs.get(i).map(|p| p.text.clone()),
                DocRef::Data => Some(self.workspace.data.clone()),
            }
            .unwrap_or_default();
            let disk = match origin_of(&self.workspace, doc).map(|o| &o.disk) {
                Some(DiskState::Changed(disk)) => disk.clone(),
                _ => String::new(),
            };
            let mut open = true;
            let mut action = None;
            egui::Window::new(format!(
                "{}: yours and the disk's",
                name_of(&self.workspace, doc)
            ))
            .open(&mut open)
            .default_size([900.0, 520.0])
            .show(&ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("Keep mine").clicked() {
                        action = Some(false);
                    }
                    if ui.button("Take the disk version").clicked() {
                        action = Some(true);
                    }
                });
                ui.columns(2, |columns| {
                    for (column, (title, text)) in columns
                        .iter_mut()
                        .zip([("Yours (unsaved)", &mine), ("On disk", &disk)])
                    {
                        column.strong(title);
                        egui::ScrollArea::both().id_salt(title).show(column, |ui| {
                            ui.add(
                                egui::Label::new(egui::RichText::new(text.as_str()).monospace())
                                    .extend(),
                            );
                        });
                    }
                });
            });
            if let Some(take_disk) = action {
                self.resolve_conflict(doc, take_disk);
            } else if !open {
                self.files.compare = None;
            }
        }

        if let Some(confirm) = self.files.confirm.clone() {
            let (question, save_label, discard_label) = match &confirm {
                Confirm::CloseTab(index) => (
                    format!(
                        "{} has unsaved edits. Save them before closing the tab?",
                        name_of(&self.workspace, DocRef::Policy(*index))
                    ),
                    "Save and close",
                    "Close without saving",
                ),
                Confirm::Quit => (
                    "Some documents have unsaved edits. Save them before quitting?".to_string(),
                    "Save all and quit",
                    "Quit without saving",
                ),
                Confirm::Replace(_) => (
                    "Some documents have unsaved edits. Save them before opening other files?"
                        .to_string(),
                    "Save all and open",
                    "Open without saving",
                ),
            };
            let mut choice = None;
            egui::Modal::new(egui::Id::unique("confirm")).show(&ctx, |ui| {
                ui.set_max_width(460.0);
                ui.label(question);
                ui.horizontal(|ui| {
                    if ui.button(save_label).clicked() {
                        choice = Some(1);
                    }
                    if ui.button(discard_label).clicked() {
                        choice = Some(2);
                    }
                    if ui.button("Cancel").clicked() {
                        choice = Some(0);
                    }
                });
            });
            if let Some(choice) = choice {
                self.files.confirm = None;
                self.answer_confirm(&ctx, confirm, choice);
            }
        }

        if let Some((purpose, mut text)) = self.files.prompt.take() {
            let mut keep = true;
            let mut chosen = None;
            egui::Window::new(purpose.title())
                .collapsible(false)
                .default_width(520.0)
                .show(&ctx, |ui| {
                    ui.label(
                        "Type a path. For opening, a folder or files separated by commas; \
                         relative paths start at the folder the app was started in.",
                    );
                    let label = ui.label("Path");
                    let response = ui
                        .add(
                            egui::TextEdit::singleline(&mut text)
                                .desired_width(480.0)
                                .hint_text("/home/me/policies"),
                        )
                        .labelled_by(label.id);
                    let entered =
                        response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    ui.horizontal(|ui| {
                        if ui.button("OK").clicked() || entered {
                            chosen = Some(
                                text.split(',')
                                    .map(str::trim)
                                    .filter(|p| !p.is_empty())
                                    .map(PathBuf::from)
                                    .collect::<Vec<_>>(),
                            );
                        }
                        if ui.button("Cancel").clicked() {
                            keep = false;
                        }
                    });
                });
            match chosen {
                Some(paths) if !paths.is_empty() => self.use_path(purpose, paths),
                _ if keep => self.files.prompt = Some((purpose, text)),
                _ => {}
            }
        }
    }

    fn answer_confirm(&mut self, ctx: &egui::Context, confirm: Confirm, choice: u8) {
        match (confirm, choice) {
            (_, 0) => {}
            (Confirm::CloseTab(index), 1) => {
                self.save(DocRef::Policy(index));
                if !is_dirty(&self.workspace, DocRef::Policy(index)) {
                    self.close_tab(index, true);
                }
            }
            (Confirm::CloseTab(index), _) => self.close_tab(index, true),
            (Confirm::Quit, 1) => {
                self.save_all();
                if !self.workspace.has_unsaved_edits() {
                    self.discard_recovery();
                    self.files.quit_confirmed = true;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                } else {
                    self.set_notice(
                        "Some documents have no file yet; use Save as, or quit without saving."
                            .to_string(),
                    );
                }
            }
            (Confirm::Quit, _) => {
                self.discard_recovery();
                self.files.quit_confirmed = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            (Confirm::Replace(paths), 1) => {
                self.save_all();
                self.replace_workspace(paths);
            }
            (Confirm::Replace(paths), _) => self.replace_workspace(paths),
        }
    }

    /// Marks for the tab of a document: unsaved edits, deleted on disk.
    pub(super) fn tab_marks(&self) -> Vec<String> {
        // A drill's policy is kept by the drill progress store, not a file.
        if self.drills.selected.is_some() {
            return vec![String::new(); self.workspace.policies.len()];
        }
        (0..self.workspace.policies.len())
            .map(|index| {
                let mut mark = String::new();
                if is_dirty(&self.workspace, DocRef::Policy(index)) {
                    mark.push_str(" •");
                }
                match self.workspace.policy_origins.get(index).map(|o| &o.disk) {
                    Some(DiskState::Deleted) => mark.push_str(" (deleted on disk)"),
                    Some(DiskState::Changed(_)) => mark.push_str(" (changed on disk)"),
                    _ => {}
                }
                mark
            })
            .collect()
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:=@%+,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
