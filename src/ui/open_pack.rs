//! The "Open drill pack" window: a path field that always works, and a
//! Browse button that opens the system's folder dialog (rfd) on a thread.
//! With no desktop portal the dialog returns nothing at once, and the
//! window says to type the path instead.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use egui::Ui;

use super::app::Action;

/// A dialog that returns sooner than this without a folder most likely
/// could not open at all; a person takes longer to cancel.
const NO_DIALOG_WITHIN: Duration = Duration::from_millis(500);

/// State of the "Open drill pack" window.
#[derive(Debug, Default)]
pub struct OpenPackWindow {
    pub open: bool,
    pub path: String,
    browsing: Option<(Instant, Receiver<Option<PathBuf>>)>,
    message: Option<String>,
}

impl OpenPackWindow {
    /// Shows the window with an empty message.
    pub fn show(&mut self) {
        self.open = true;
        self.message = None;
    }

    /// Draws the window when it is open.
    pub fn ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        self.take_browse_result();
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new("Open drill pack")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| self.contents_ui(ui, actions));
        self.open &= open;
        if self.browsing.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    fn contents_ui(&mut self, ui: &mut Ui, actions: &mut Vec<Action>) {
        ui.label("A folder with a pack.toml and one folder per drill, or a single drill folder.");
        let label = ui.label("Folder");
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.path)
                    .desired_width(360.0)
                    .hint_text("/path/to/pack"),
            )
            .labelled_by(label.id);
            let browse = ui.add_enabled(self.browsing.is_none(), egui::Button::new("Browse…"));
            if browse.clicked() {
                self.browse();
            }
        });
        if let Some(message) = &self.message {
            ui.colored_label(ui.visuals().warn_fg_color, message);
        }
        ui.horizontal(|ui| {
            let path = self.path.trim();
            if ui
                .add_enabled(!path.is_empty(), egui::Button::new("Open"))
                .clicked()
            {
                actions.push(Action::OpenPack(PathBuf::from(path)));
                self.open = false;
            }
            if ui.button("Cancel").clicked() {
                self.open = false;
            }
        });
    }

    fn browse(&mut self) {
        let (sender, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("folder-dialog".to_string())
            .spawn(move || {
                let folder = rfd::FileDialog::new()
                    .set_title("Open drill pack")
                    .pick_folder();
                let _ = sender.send(folder);
            });
        match spawned {
            Ok(_) => self.browsing = Some((Instant::now(), receiver)),
            Err(error) => self.message = Some(format!("Cannot open a folder dialog: {error}")),
        }
    }

    fn take_browse_result(&mut self) {
        let Some((started, receiver)) = &self.browsing else {
            return;
        };
        let Ok(folder) = receiver.try_recv() else {
            return;
        };
        match folder {
            Some(folder) => {
                self.path = folder.display().to_string();
                self.message = None;
            }
            None if started.elapsed() < NO_DIALOG_WITHIN => {
                log::info!("the folder dialog returned no folder at once; asking for a typed path");
                self.message = Some(
                    "No folder dialog is available on this system. Type the folder's path above."
                        .to_string(),
                );
            }
            None => {}
        }
        self.browsing = None;
    }
}
