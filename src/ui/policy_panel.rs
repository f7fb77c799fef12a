//! The policy editor: one tab per Rego file, the error marked in place.

use egui::Ui;

use super::app::Action;
use super::code_editor::{CodeEditor, LineMark, StatementMark, cursor_line};
use super::highlight::{Highlighter, Language};
use crate::engine::differences::warnings;
use crate::engine::{PolicySource, SourceLocation};
use crate::testing::Coverage;

/// Marks drawn in the editor: the location of the current error and the
/// coverage of the last test run, when coverage is on.
#[derive(Clone, Copy, Debug, Default)]
pub struct Marks<'a> {
    pub error: Option<&'a SourceLocation>,
    pub coverage: Option<&'a Coverage>,
    /// The trace of the selected rule, for the active file.
    pub statements: &'a [StatementMark],
    /// Text after each tab's name: unsaved edits, changes on disk.
    pub tab_marks: &'a [String],
    /// The editor's id; a new one starts a fresh undo history and scroll
    /// position, as when another drill or workspace opens.
    pub editor_id: &'a str,
}

/// The policy panel's output for one frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyOutput {
    /// True after an edit.
    pub changed: bool,
    /// The 1-based line of the cursor in the active file.
    pub cursor_line: Option<usize>,
}

/// Draws the file tabs and the editor of the active file.
pub fn ui(
    ui: &mut Ui,
    policies: &mut [PolicySource],
    active: usize,
    marks: Marks<'_>,
    highlighter: &mut Highlighter,
    jump: Option<LineMark>,
    actions: &mut Vec<Action>,
) -> PolicyOutput {
    let Marks {
        error: error_location,
        coverage,
        statements,
        tab_marks,
        editor_id,
    } = marks;
    let label = ui.horizontal(|ui| {
        let label = ui.strong("Policy");
        for (index, policy) in policies.iter().enumerate() {
            let has_error = error_location.is_some_and(|l| l.file == policy.path);
            let file_coverage =
                coverage.and_then(|c| c.files.iter().find(|f| f.file == policy.path));
            let mut name = if has_error {
                format!("! {}", policy.path)
            } else {
                policy.path.clone()
            };
            if let Some(mark) = tab_marks.get(index) {
                name.push_str(mark);
            }
            if let Some(file) = file_coverage {
                name.push_str(&format!("  {:.0}%", file.percent()));
            }
            let mut text = egui::RichText::new(name);
            if has_error {
                text = text.color(ui.visuals().error_fg_color);
            }
            if ui.selectable_label(index == active, text).clicked() {
                actions.push(Action::SelectPolicy(index));
            }
        }
        label
    });
    ui.separator();

    let Some(policy) = policies.get_mut(active) else {
        ui.label("No policy file is open.");
        return PolicyOutput::default();
    };
    let error = error_location
        .filter(|l| l.file == policy.path)
        .map(|l| LineMark {
            line: l.line as usize,
            column: Some(l.column as usize),
        });
    // Places where OPA returns another result are listed above the editor and
    // marked in amber inside it.
    let found = warnings(&policy.text);
    let warning_marks: Vec<LineMark> = found
        .iter()
        .map(|w| LineMark {
            line: w.line,
            column: Some(w.column),
        })
        .collect();
    let warning_color = if ui.visuals().dark_mode {
        egui::Color32::from_rgb(255, 190, 60)
    } else {
        egui::Color32::from_rgb(170, 100, 0)
    };
    for (warning, mark) in found.iter().zip(&warning_marks) {
        let text = egui::RichText::new(format!(
            "Differs from OPA, line {}: {}",
            warning.line, warning.message
        ))
        .color(warning_color)
        .small();
        if ui
            .add(egui::Label::new(text).sense(egui::Sense::click()))
            .on_hover_text("Differs from OPA here; click to go to the place")
            .clicked()
        {
            actions.push(Action::JumpTo(
                super::app::Pane::Policy(active),
                mark.clone(),
            ));
        }
    }
    let lines = coverage
        .and_then(|c| c.files.iter().find(|f| f.file == policy.path))
        .map(|file| (&file.covered, &file.not_covered));
    let select = find_bar(ui, &policy.text);
    let editor = CodeEditor::new(editor_id, Language::Rego, label.inner.id)
        .select(select)
        .error(error)
        .coverage(lines)
        .statements(statements)
        .warnings(&warning_marks)
        .jump_to(jump);
    let response = editor.show(ui, &mut policy.text, highlighter);
    PolicyOutput {
        changed: response.changed(),
        cursor_line: cursor_line(ui, editor_id, &policy.text),
    }
}

/// The find bar's state between frames.
#[derive(Clone, Debug, Default)]
struct FindState {
    open: bool,
    query: String,
    /// The match selected last, 0-based.
    current: usize,
}

/// Draws the find bar when Ctrl+F opened it; returns the characters of the
/// match to select when the user moved to one.
fn find_bar(ui: &mut Ui, text: &str) -> Option<std::ops::Range<usize>> {
    let id = ui.make_persistent_id("policy_find");
    let mut state: FindState = ui.data(|data| data.get_temp(id).unwrap_or_default());
    let field_id = ui.make_persistent_id("policy_find_field");
    let opened = ui.input_mut(|input| {
        input.consume_shortcut(&egui::KeyboardShortcut::new(
            egui::Modifiers::COMMAND,
            egui::Key::F,
        ))
    });
    if opened {
        state.open = true;
        ui.memory_mut(|memory| memory.request_focus(field_id));
    }
    if !state.open {
        return None;
    }
    let matches = find_matches(text, &state.query);
    let mut step: Option<isize> = None;
    ui.horizontal(|ui| {
        let label = ui.label("Find");
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut state.query)
                    .id(field_id)
                    .desired_width(220.0)
                    .hint_text("text in this file"),
            )
            .labelled_by(label.id);
        if response.changed() {
            state.current = 0;
            step = Some(0);
        }
        let entered = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if entered {
            step = Some(1);
            ui.memory_mut(|memory| memory.request_focus(field_id));
        }
        if ui.button("Previous").clicked() {
            step = Some(-1);
        }
        if ui.button("Next").clicked() {
            step = Some(1);
        }
        if matches.is_empty() {
            if !state.query.is_empty() {
                ui.weak("no match");
            }
        } else {
            ui.weak(format!(
                "{} of {}",
                state.current.min(matches.len() - 1) + 1,
                matches.len()
            ));
        }
        if ui.button("Close").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            state.open = false;
        }
    });
    let selected = match step {
        Some(delta) if !matches.is_empty() => {
            let count = matches.len() as isize;
            state.current = (state.current as isize + delta).rem_euclid(count) as usize;
            Some(matches[state.current].clone())
        }
        _ => None,
    };
    ui.data_mut(|data| data.insert_temp(id, state));
    selected
}

/// Character ranges where `query` occurs in `text`, ignoring case.
fn find_matches(text: &str, query: &str) -> Vec<std::ops::Range<usize>> {
    if query.is_empty() {
        return Vec::new();
    }
    let haystack: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let needle: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    // Lower-casing can change lengths; search only when it did not.
    if haystack.len() != text.chars().count() || needle.len() != query.chars().count() {
        let exact: Vec<char> = text.chars().collect();
        let wanted: Vec<char> = query.chars().collect();
        return windows(&exact, &wanted);
    }
    windows(&haystack, &needle)
}

fn windows(haystack: &[char], needle: &[char]) -> Vec<std::ops::Range<usize>> {
    if needle.len() > haystack.len() {
        return Vec::new();
    }
    (0..=haystack.len() - needle.len())
        .filter(|start| &haystack[*start..*start + needle.len()] == needle)
        .map(|start| start..start + needle.len())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::find_matches;

    #[test]
    fn matches_ignore_case_and_count_characters() {
        assert_eq!(
            find_matches("Allow allow ALLOW", "allow"),
            vec![0..5, 6..11, 12..17]
        );
        assert_eq!(find_matches("é allow", "allow"), vec![2..7]);
        assert!(find_matches("deny", "").is_empty());
        assert!(find_matches("a", "abc").is_empty());
    }
}
