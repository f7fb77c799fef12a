//! The window's frame drawn headlessly for `policy-workshop bench`: the
//! real app and worker, an egui context with no display, and each frame
//! timed from input to tessellated triangles. Painting the triangles with
//! OpenGL is not included.

use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers, PointerButton, Pos2, RawInput, Rect, vec2};

use super::PolicyWorkshopApp;
use crate::worker::SupervisorConfig;
use crate::workspace::Workspace;

/// The window size the frames are drawn at, the window's default size.
const WINDOW: egui::Vec2 = vec2(1400.0, 860.0);

/// A point inside the policy editor at the default layout.
const IN_POLICY_EDITOR: Pos2 = Pos2::new(300.0, 200.0);

/// Frame times of one workspace.
#[derive(Debug, Default)]
pub struct FrameTimes {
    /// Frames with the pointer moving over the editor and nothing edited.
    pub idle: Vec<Duration>,
    /// Frames that each type or delete one character in the policy.
    pub typing: Vec<Duration>,
}

/// A headless window: the app and its egui context.
struct Headless {
    ctx: egui::Context,
    app: PolicyWorkshopApp,
    started: Instant,
}

impl Headless {
    /// Draws one frame with `events` and returns the time it took.
    fn frame(&mut self, events: Vec<Event>) -> Duration {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, WINDOW)),
            time: Some(self.started.elapsed().as_secs_f64()),
            events,
            ..RawInput::default()
        };
        let started = Instant::now();
        let output = self.ctx.run_ui(input, |ui| self.app.ui(ui));
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = started.elapsed();
        drop(primitives);
        elapsed
    }

    /// Draws frames until the first result and its trace are shown (or
    /// the reason they are missing) and background highlighting had time
    /// to finish.
    fn settle(&mut self) -> anyhow::Result<()> {
        let limit = Instant::now() + Duration::from_secs(300);
        while self.app.result.pending || self.app.result.details_pending {
            anyhow::ensure!(
                Instant::now() < limit,
                "the window showed no result within 300 s"
            );
            self.frame(Vec::new());
            std::thread::sleep(Duration::from_millis(5));
        }
        for _ in 0..50 {
            self.frame(Vec::new());
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }
}

/// Times `frames` idle frames and `frames` typing frames of the window
/// with `workspace` open, after its first result is shown.
pub fn time_frames(
    workspace: Workspace,
    worker: SupervisorConfig,
    frames: usize,
) -> anyhow::Result<FrameTimes> {
    let ctx = egui::Context::default();
    let app = PolicyWorkshopApp::new(&ctx, workspace, worker);
    let mut window = Headless {
        ctx,
        app,
        started: Instant::now(),
    };
    window.settle()?;

    let mut times = FrameTimes::default();
    for index in 0..frames {
        let offset = (index % 20) as f32 * 3.0;
        let pointer = IN_POLICY_EDITOR + vec2(offset, offset);
        times
            .idle
            .push(window.frame(vec![Event::PointerMoved(pointer)]));
    }

    // Click into the editor, then type a space and delete it, one key per
    // frame, as a person types.
    for pressed in [true, false] {
        window.frame(vec![Event::PointerButton {
            pos: IN_POLICY_EDITOR,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        }]);
    }
    let revision = window.app.revision();
    for index in 0..frames {
        let event = if index.is_multiple_of(2) {
            Event::Text(" ".to_string())
        } else {
            Event::Key {
                key: Key::Backspace,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers: Modifiers::NONE,
            }
        };
        times.typing.push(window.frame(vec![event]));
    }
    anyhow::ensure!(
        window.app.revision() >= revision + frames as u64,
        "the typing frames did not edit the policy (revision {} after {revision})",
        window.app.revision()
    );
    Ok(times)
}
