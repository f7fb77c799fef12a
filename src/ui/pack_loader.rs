//! Loading a drill pack off the UI thread and reloading it when its files
//! change, so a facilitator can fix a drill during a session.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::drills::{DrillError, Pack, load_pack};

/// Quiet time after a file event before reloading, so that an editor's
/// burst of writes and renames causes one reload.
const RELOAD_DELAY: Duration = Duration::from_millis(150);

/// A pack that finished loading.
#[derive(Debug)]
pub struct LoadedPack {
    pub folder: PathBuf,
    pub pack: Result<Pack, DrillError>,
    /// True when a file change caused this load.
    pub reload: bool,
}

type Repaint = Arc<dyn Fn() + Send + Sync>;

/// Loads packs on background threads and watches the open one.
pub struct PackLoader {
    sender: Sender<LoadedPack>,
    receiver: Receiver<LoadedPack>,
    repaint: Repaint,
    watcher: Option<RecommendedWatcher>,
}

impl std::fmt::Debug for PackLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackLoader")
            .field("watching", &self.watcher.is_some())
            .finish()
    }
}

impl PackLoader {
    /// Creates a loader; `repaint` runs after each load.
    pub fn new(repaint: impl Fn() + Send + Sync + 'static) -> Self {
        let (sender, receiver) = mpsc::channel();
        PackLoader {
            sender,
            receiver,
            repaint: Arc::new(repaint),
            watcher: None,
        }
    }

    /// Loads the pack in `folder` and watches it for changes, in place of
    /// the pack watched before.
    pub fn open(&mut self, folder: &Path) {
        self.watcher = None;
        spawn_load(folder, false, self.sender.clone(), self.repaint.clone());
        match self.watch(folder) {
            Ok(watcher) => self.watcher = Some(watcher),
            Err(error) => log::warn!(
                "cannot watch the drill pack {} for changes: {error}",
                folder.display()
            ),
        }
    }

    /// Returns the packs loaded since the last call.
    pub fn poll(&self) -> Vec<LoadedPack> {
        self.receiver.try_iter().collect()
    }

    fn watch(&self, folder: &Path) -> notify::Result<RecommendedWatcher> {
        let pending = Arc::new(AtomicBool::new(false));
        let sender = self.sender.clone();
        let repaint = self.repaint.clone();
        let root = folder.to_path_buf();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else {
                    return;
                };
                if !changes_content(&event.kind) || pending.swap(true, Ordering::SeqCst) {
                    return;
                }
                let pending = pending.clone();
                let sender = sender.clone();
                let repaint = repaint.clone();
                let root = root.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(RELOAD_DELAY);
                    pending.store(false, Ordering::SeqCst);
                    log::info!("reloading the drill pack {} after a change", root.display());
                    load_and_send(&root, true, &sender, &*repaint);
                });
            })?;
        watcher.watch(folder, RecursiveMode::Recursive)?;
        log::info!("watching the drill pack {} for changes", folder.display());
        Ok(watcher)
    }
}

/// Returns true for events after which a file's content may differ. A
/// write starts with an open, which changes nothing yet.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) | EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Any | EventKind::Other => false,
    }
}

fn spawn_load(folder: &Path, reload: bool, sender: Sender<LoadedPack>, repaint: Repaint) {
    let folder = folder.to_path_buf();
    let spawned = std::thread::Builder::new()
        .name("pack-loader".to_string())
        .spawn(move || load_and_send(&folder, reload, &sender, &*repaint));
    if let Err(error) = spawned {
        log::error!("cannot start a thread to load a drill pack: {error}");
    }
}

fn load_and_send(folder: &Path, reload: bool, sender: &Sender<LoadedPack>, repaint: &dyn Fn()) {
    let pack = load_pack(folder);
    if let Err(error) = &pack {
        log::warn!("cannot load the drill pack: {error}");
    }
    let loaded = LoadedPack {
        folder: folder.to_path_buf(),
        pack,
        reload,
    };
    if sender.send(loaded).is_ok() {
        repaint();
    }
}
