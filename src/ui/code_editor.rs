//! A text editor for code: line numbers, syntax highlighting, a marked
//! error line and column, and Tab inserting spaces.

use std::collections::BTreeSet;

use egui::text::{CCursor, CCursorRange, LayoutJob};
use egui::{Color32, FontId, Key, Modifiers, TextBuffer, TextEdit, TextStyle, Ui};

use super::highlight::{Decoration, Highlighter, Language, Lines, line_range};
use super::trace_panel::outcome_color;
use crate::explain::StatementOutcome;

/// Spaces a Tab key press inserts.
const TAB_SPACES: &str = "    ";

/// A line (and optionally column) to mark, 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMark {
    pub line: usize,
    pub column: Option<usize>,
}

/// A statement of the rule selected in the trace, marked in the editor
/// with its outcome; hovering its lines shows `detail`.
#[derive(Clone, Debug, PartialEq)]
pub struct StatementMark {
    /// 1-based lines the statement spans.
    pub first_line: usize,
    pub last_line: usize,
    pub kind: StatementOutcome,
    pub detail: String,
}

/// Background tint of a statement's lines by outcome.
fn statement_background(kind: StatementOutcome, dark_mode: bool) -> Color32 {
    match (kind, dark_mode) {
        (StatementOutcome::Succeeded, false) => Color32::from_rgb(226, 244, 228),
        (StatementOutcome::Succeeded, true) => Color32::from_rgb(28, 58, 36),
        (StatementOutcome::Failed | StatementOutcome::Error, false) => {
            Color32::from_rgb(253, 222, 222)
        }
        (StatementOutcome::Failed | StatementOutcome::Error, true) => Color32::from_rgb(80, 30, 30),
        (StatementOutcome::Partly, false) => Color32::from_rgb(253, 238, 208),
        (StatementOutcome::Partly, true) => Color32::from_rgb(75, 56, 20),
        (StatementOutcome::NotReached | StatementOutcome::Unexplained, false) => {
            Color32::from_gray(236)
        }
        (StatementOutcome::NotReached | StatementOutcome::Unexplained, true) => {
            Color32::from_gray(48)
        }
    }
}

/// Colours for error marks that read on both light and dark themes.
fn error_colors(dark_mode: bool) -> (Color32, Color32) {
    if dark_mode {
        (
            Color32::from_rgb(90, 30, 30),
            Color32::from_rgb(255, 110, 110),
        )
    } else {
        (
            Color32::from_rgb(255, 225, 225),
            Color32::from_rgb(200, 0, 0),
        )
    }
}

/// Colours for warning marks (amber), distinct from the red of errors.
fn warning_colors(dark_mode: bool) -> (Color32, Color32) {
    if dark_mode {
        (
            Color32::from_rgb(80, 60, 10),
            Color32::from_rgb(255, 190, 60),
        )
    } else {
        (
            Color32::from_rgb(255, 240, 200),
            Color32::from_rgb(200, 120, 0),
        )
    }
}

/// A one-frame description of a code editor; call [`CodeEditor::show`].
pub struct CodeEditor<'a> {
    id_salt: &'a str,
    language: Language,
    accessible_label: egui::Id,
    error: Option<LineMark>,
    /// Places where OPA would give another result.
    warnings: &'a [LineMark],
    jump_to: Option<LineMark>,
    /// Characters to select and scroll to, such as a match of Find.
    select: Option<std::ops::Range<usize>>,
    /// Lines the tests ran and did not run, 1-based.
    coverage: Option<(&'a BTreeSet<u32>, &'a BTreeSet<u32>)>,
    statements: &'a [StatementMark],
}

impl<'a> CodeEditor<'a> {
    /// `accessible_label` is the id of the label widget that names this editor
    /// for screen readers and UI tests.
    pub fn new(id_salt: &'a str, language: Language, accessible_label: egui::Id) -> Self {
        CodeEditor {
            id_salt,
            language,
            accessible_label,
            error: None,
            warnings: &[],
            jump_to: None,
            select: None,
            coverage: None,
            statements: &[],
        }
    }

    /// Marks the statements of the rule selected in the trace.
    pub fn statements(mut self, marks: &'a [StatementMark]) -> Self {
        self.statements = marks;
        self
    }

    /// Marks an error at this line and column.
    pub fn error(mut self, mark: Option<LineMark>) -> Self {
        self.error = mark;
        self
    }

    /// Marks warnings at these lines and columns, in amber.
    pub fn warnings(mut self, marks: &'a [LineMark]) -> Self {
        self.warnings = marks;
        self
    }

    /// Colours covered lines green and uncovered lines red.
    pub fn coverage(mut self, lines: Option<(&'a BTreeSet<u32>, &'a BTreeSet<u32>)>) -> Self {
        self.coverage = lines;
        self
    }

    /// Selects these characters (by char index) and scrolls them into view.
    pub fn select(mut self, range: Option<std::ops::Range<usize>>) -> Self {
        self.select = range;
        self
    }

    /// Moves the cursor to this line and column and scrolls it into view.
    pub fn jump_to(mut self, mark: Option<LineMark>) -> Self {
        self.jump_to = mark;
        self
    }

    /// Draws the editor filling the available space and returns the text
    /// edit's response (`changed()` is true after an edit).
    pub fn show(
        self,
        ui: &mut Ui,
        text: &mut String,
        highlighter: &mut Highlighter,
    ) -> egui::Response {
        let font = TextStyle::Monospace.resolve(ui.style());
        let dark_mode = ui.visuals().dark_mode;
        let edit_id = ui.make_persistent_id(self.id_salt);
        let before = text.len();
        let tab = insert_spaces_for_tab(ui, edit_id, text);
        let comment = self.language != Language::Json && toggle_comment(ui, edit_id, text);
        let edited_by_keys = tab || comment || text.len() != before;
        if let Some(range) = &self.select {
            let mut state = TextEdit::load_state(ui.ctx(), edit_id).unwrap_or_default();
            state.cursor.set_char_range(Some(CCursorRange::two(
                CCursor::new(range.start),
                CCursor::new(range.end),
            )));
            state.store(ui.ctx(), edit_id);
        }
        if let Some(target) = &self.jump_to {
            move_cursor(ui, edit_id, text, target);
        }

        let gutter = gutter_job(text, &font, dark_mode, self.error.as_ref().map(|m| m.line));
        let language = self.language;
        let mut layouter = |ui: &Ui, buffer: &dyn TextBuffer, _wrap_width: f32| {
            // Marks are by line, so they are placed in the text being laid
            // out, which after a keystroke is the edited text. Marks placed in
            // the old text would split each marked line at other bytes, and
            // egui would lay out every one of them again.
            let text = buffer.as_str();
            let decorations = self.decorations(text, dark_mode);
            let job = highlighter.layout_job(text, language, &font, dark_mode, &decorations);
            ui.fonts_mut(|fonts| fonts.layout_job(job))
        };

        // The editor fills its pane, so a click anywhere below the last line
        // focuses it, as in other editors.
        let fill_height = ui.available_height();
        // The line numbers are painted over the left edge after the scroll
        // area, so they stay in view when long lines scroll sideways.
        let gutter = ui.fonts_mut(|fonts| fonts.layout_job(gutter));
        let gutter_width = gutter.size().x + 8.0;
        let scroll = egui::ScrollArea::both()
            .id_salt(self.id_salt)
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.add_space(gutter_width);
                    let output = TextEdit::multiline(text)
                        .id(edit_id)
                        .code_editor()
                        .lock_focus(true)
                        .frame(egui::Frame::NONE)
                        .margin(egui::Margin::ZERO)
                        .desired_width(f32::INFINITY)
                        .desired_rows(8)
                        .min_size(egui::vec2(0.0, fill_height - 4.0))
                        .layouter(&mut layouter)
                        .show(ui);
                    if let Some(pointer) = output.response.response.hover_pos()
                        && !self.statements.is_empty()
                    {
                        let cursor = output.galley.cursor_from_pos(pointer - output.galley_pos);
                        let line = line_of_char(text, cursor.index.0);
                        if let Some(mark) = self
                            .statements
                            .iter()
                            .find(|m| (m.first_line..=m.last_line).contains(&line))
                        {
                            let detail = mark.detail.clone();
                            output
                                .response
                                .response
                                .clone()
                                .on_hover_ui_at_pointer(|ui| {
                                    ui.label(detail);
                                });
                        }
                    }
                    if (self.jump_to.is_some() || self.select.is_some())
                        && let Some(range) = output.cursor_range
                    {
                        let rect = output.galley.pos_from_cursor(range.primary);
                        ui.scroll_to_rect(
                            rect.translate(output.galley_pos.to_vec2()),
                            Some(egui::Align::Center),
                        );
                    }
                    output
                        .response
                        .response
                        .clone()
                        .labelled_by(self.accessible_label)
                })
                .inner
            });
        let viewport = scroll.inner_rect;
        let gutter_rect = egui::Rect::from_min_size(
            viewport.min,
            egui::vec2(gutter_width - 4.0, viewport.height()),
        );
        let painter = ui.painter_at(gutter_rect);
        painter.rect_filled(gutter_rect, 0.0, ui.visuals().panel_fill);
        let top = egui::pos2(
            viewport.min.x,
            viewport.min.y - scroll.state.unclamped_offset().y,
        );
        for mark in self.statements {
            let color = outcome_color(mark.kind, dark_mode);
            let rows = &gutter.rows;
            let (Some(first), Some(last)) = (
                rows.get(mark.first_line.saturating_sub(1)),
                rows.get(mark.last_line.saturating_sub(1)),
            ) else {
                continue;
            };
            let bar = egui::Rect::from_min_max(
                egui::pos2(gutter_rect.min.x, top.y + first.rect().min.y + 1.0),
                egui::pos2(gutter_rect.min.x + 4.0, top.y + last.rect().max.y - 1.0),
            );
            painter.rect_filled(bar, 1.0, color);
        }
        painter.galley(top, gutter, ui.visuals().text_color());
        let mut response = scroll.inner;
        if edited_by_keys {
            response.mark_changed();
        }
        response
    }

    fn decorations(&self, text: &str, dark_mode: bool) -> Vec<Decoration> {
        let lines = Lines::new(text);
        let mut decorations = self.coverage_decorations(&lines, dark_mode);
        for mark in self.statements {
            for line in mark.first_line..=mark.last_line {
                if let Some(range) = lines.range(line) {
                    decorations.push(Decoration {
                        range,
                        background: Some(statement_background(mark.kind, dark_mode)),
                        underline: None,
                    });
                }
            }
        }
        let (warning_background, warning_underline) = warning_colors(dark_mode);
        for mark in self.warnings {
            if let Some(range) = mark
                .column
                .and_then(|column| lines.char_range(mark.line, column))
            {
                decorations.push(Decoration {
                    range,
                    background: Some(warning_background),
                    underline: Some(warning_underline),
                });
            }
        }
        let Some(mark) = &self.error else {
            return decorations;
        };
        let (background, underline) = error_colors(dark_mode);
        if let Some(range) = lines.range(mark.line) {
            decorations.push(Decoration {
                range,
                background: Some(background),
                underline: None,
            });
        }
        if let Some(range) = mark
            .column
            .and_then(|column| lines.char_range(mark.line, column))
        {
            decorations.push(Decoration {
                range,
                background: None,
                underline: Some(underline),
            });
        }
        decorations
    }
}

impl CodeEditor<'_> {
    fn coverage_decorations(&self, lines: &Lines<'_>, dark_mode: bool) -> Vec<Decoration> {
        let Some((covered, not_covered)) = self.coverage else {
            return Vec::new();
        };
        let (green, red) = if dark_mode {
            (Color32::from_rgb(25, 60, 35), Color32::from_rgb(75, 30, 30))
        } else {
            (
                Color32::from_rgb(220, 245, 225),
                Color32::from_rgb(252, 225, 225),
            )
        };
        let mut decorations = Vec::new();
        for (numbers, color) in [(covered, green), (not_covered, red)] {
            for &line in numbers {
                if let Some(range) = lines.range(line as usize) {
                    decorations.push(Decoration {
                        range,
                        background: Some(color),
                        underline: None,
                    });
                }
            }
        }
        decorations
    }
}

/// Builds the line-number column, with the error line in the error colour.
/// It has at most three sections, so long files lay out quickly.
fn gutter_job(text: &str, font: &FontId, dark_mode: bool, error_line: Option<usize>) -> LayoutJob {
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let width = lines.to_string().len();
    let normal = if dark_mode {
        Color32::from_gray(120)
    } else {
        Color32::from_gray(150)
    };
    let (_, error) = error_colors(dark_mode);
    let numbers = |range: std::ops::Range<usize>| {
        range
            .map(|number| format!(" {number:>width$}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut job = LayoutJob::default();
    let normal_format = egui::TextFormat::simple(font.clone(), normal);
    match error_line.filter(|line| (1..=lines).contains(line)) {
        None => job.append(&numbers(1..lines + 1), 0.0, normal_format),
        Some(line) => {
            if line > 1 {
                job.append(
                    &format!("{}\n", numbers(1..line)),
                    0.0,
                    normal_format.clone(),
                );
            }
            let error_format = egui::TextFormat::simple(font.clone(), error);
            job.append(&format!("▶{line:>width$}"), 0.0, error_format);
            if line < lines {
                job.append(
                    &format!("\n{}", numbers(line + 1..lines + 1)),
                    0.0,
                    normal_format,
                );
            }
        }
    }
    job
}

/// Turns a Tab press in a focused editor into spaces at the cursor,
/// replacing any selection.
fn insert_spaces_for_tab(ui: &Ui, edit_id: egui::Id, text: &mut String) -> bool {
    if !ui.memory(|memory| memory.has_focus(edit_id)) {
        return false;
    }
    if !ui.input_mut(|input| input.consume_key(Modifiers::NONE, Key::Tab)) {
        return false;
    }
    let Some(mut state) = TextEdit::load_state(ui.ctx(), edit_id) else {
        return false;
    };
    let Some(range) = state.cursor.char_range() else {
        return false;
    };
    let [start, end] = range.sorted_cursors();
    text.delete_char_range(start.index..end.index);
    let inserted = text.insert_text(TAB_SPACES, start.index);
    let cursor = CCursor::new(start.index + inserted);
    state.cursor.set_char_range(Some(CCursorRange::one(cursor)));
    state.store(ui.ctx(), edit_id);
    true
}

/// Ctrl+/ in a focused editor comments out the lines of the selection with
/// `#`, or uncomments them when every one is already commented.
fn toggle_comment(ui: &Ui, edit_id: egui::Id, text: &mut String) -> bool {
    if !ui.memory(|memory| memory.has_focus(edit_id)) {
        return false;
    }
    let pressed = ui.input_mut(|input| {
        input.consume_key(Modifiers::COMMAND, Key::Slash)
            || input.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Slash)
    });
    if !pressed {
        return false;
    }
    let Some(mut state) = TextEdit::load_state(ui.ctx(), edit_id) else {
        return false;
    };
    let Some(range) = state.cursor.char_range() else {
        return false;
    };
    let [start, end] = range.sorted_cursors();
    let byte_of = |chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(i, _)| i)
    };
    let (start_byte, mut end_byte) = (byte_of(start.index.0), byte_of(end.index.0));
    // A selection that ends at the start of a line leaves that line out.
    if end_byte > start_byte && text[..end_byte].ends_with('\n') {
        end_byte -= 1;
    }
    let first = text[..start_byte].rfind('\n').map_or(0, |i| i + 1);
    let last = text[end_byte..]
        .find('\n')
        .map_or(text.len(), |i| end_byte + i);
    let block = &text[first..last];
    let lines: Vec<&str> = block.split('\n').collect();
    let commented = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .all(|line| line.trim_start().starts_with('#'));
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let changed: Vec<String> = lines
        .iter()
        .map(|line| {
            if line.trim().is_empty() {
                (*line).to_string()
            } else if commented {
                let at = line.len() - line.trim_start().len();
                let rest = &line[at + 1..];
                format!("{}{}", &line[..at], rest.strip_prefix(' ').unwrap_or(rest))
            } else {
                format!("{}# {}", &line[..indent], &line[indent..])
            }
        })
        .collect();
    let replacement = changed.join("\n");
    let first_char = text[..first].chars().count();
    text.replace_range(first..last, &replacement);
    let end_char = first_char + replacement.chars().count();
    state.cursor.set_char_range(Some(CCursorRange::two(
        CCursor::new(first_char),
        CCursor::new(end_char),
    )));
    state.store(ui.ctx(), edit_id);
    true
}

/// Places the cursor at a line and column and focuses the editor.
fn move_cursor(ui: &Ui, edit_id: egui::Id, text: &str, target: &LineMark) {
    let Some(range) = line_range(text, target.line) else {
        return;
    };
    let column = target.column.unwrap_or(1).saturating_sub(1);
    let line_start_chars = text[..range.start].chars().count();
    let line_chars = text[range].chars().count();
    let index = line_start_chars + column.min(line_chars);
    let mut state = TextEdit::load_state(ui.ctx(), edit_id).unwrap_or_default();
    state
        .cursor
        .set_char_range(Some(CCursorRange::one(CCursor::new(index))));
    state.store(ui.ctx(), edit_id);
    ui.memory_mut(|memory| memory.request_focus(edit_id));
}

/// The 1-based line of the character at `index`.
fn line_of_char(text: &str, index: usize) -> usize {
    text.chars().take(index).filter(|c| *c == '\n').count() + 1
}

/// The 1-based line of the cursor of the editor made with `id_salt` in
/// `ui`, when it has one.
pub fn cursor_line(ui: &Ui, id_salt: &str, text: &str) -> Option<usize> {
    let edit_id = ui.make_persistent_id(id_salt);
    let state = TextEdit::load_state(ui.ctx(), edit_id)?;
    let range = state.cursor.char_range()?;
    Some(line_of_char(text, range.primary.index.0))
}
