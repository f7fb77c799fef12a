//! The scenario table: the query's result with every input of the
//! workspace, each beside the result expected of it, re-evaluated on every
//! edit. Selecting a row makes that input the one the result and the trace
//! show.

use std::collections::BTreeMap;

use egui::{RichText, Ui};
use serde_json::Value as JsonValue;

use super::app::{Action, MAX_SCENARIO_BYTES};
use super::trace_panel::outcome_color;
use crate::explain::StatementOutcome;
use crate::explain::text::value_text;
use crate::worker::protocol::ScenarioResult;
use crate::workspace::NamedInput;

/// The scenario table's results.
#[derive(Debug, Default)]
pub struct ScenariosState {
    /// The results of the newest reply, one per input small enough.
    pub results: Vec<ScenarioResult>,
}

/// The comparison of a result with the one expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Matches,
    Differs,
    /// No expected result is set.
    Open,
    /// The expected text is neither JSON nor `undefined`.
    Invalid,
}

/// Compares a result with an expected result written as JSON or
/// `undefined`. Arrays compare as sets when the result is a set, so the
/// order of a partial set's members does not matter.
pub fn verdict(result: &Result<Option<JsonValue>, String>, expected: Option<&str>) -> Verdict {
    let Some(expected) = expected.map(str::trim).filter(|e| !e.is_empty()) else {
        return Verdict::Open;
    };
    let wanted: Option<JsonValue> = if expected == "undefined" {
        None
    } else {
        match serde_json::from_str(expected) {
            Ok(value) => Some(value),
            Err(_) => return Verdict::Invalid,
        }
    };
    match result {
        Ok(value) if normalized(value.as_ref()) == normalized(wanted.as_ref()) => Verdict::Matches,
        _ => Verdict::Differs,
    }
}

fn normalized(value: Option<&JsonValue>) -> Option<JsonValue> {
    fn sort(value: &JsonValue) -> JsonValue {
        match value {
            JsonValue::Array(items) => {
                let mut items: Vec<JsonValue> = items.iter().map(sort).collect();
                items.sort_by_key(ToString::to_string);
                JsonValue::Array(items)
            }
            JsonValue::Object(fields) => {
                JsonValue::Object(fields.iter().map(|(k, v)| (k.clone(), sort(v))).collect())
            }
            other => other.clone(),
        }
    }
    value.map(sort)
}

fn result_text(result: &Result<Option<JsonValue>, String>) -> String {
    match result {
        Ok(Some(value)) => value_text(value),
        Ok(None) => "undefined".to_string(),
        Err(error) => format!("error: {}", error.lines().next().unwrap_or_default()),
    }
}

/// The label of the Scenarios tab, with how many match.
pub fn tab_label(state: &ScenariosState, expected: Option<&BTreeMap<String, String>>) -> String {
    let checked: Vec<Verdict> = state
        .results
        .iter()
        .map(|r| {
            let wanted = expected.and_then(|e| e.get(&r.name)).map(String::as_str);
            verdict(&r.outcome, wanted)
        })
        .filter(|v| *v != Verdict::Open)
        .collect();
    if checked.is_empty() {
        return "Scenarios".to_string();
    }
    let matching = checked.iter().filter(|v| **v == Verdict::Matches).count();
    format!("Scenarios {matching}/{}", checked.len())
}

/// Draws the table.
pub fn ui(
    ui: &mut Ui,
    state: &ScenariosState,
    inputs: &[NamedInput],
    expected: &mut BTreeMap<String, String>,
    active: usize,
    actions: &mut Vec<Action>,
) {
    ui.label(
        "The query's result with every input. Write the result you expect as JSON or \
         `undefined`, or take the current one, and the table checks it on every edit. \
         Expected results belong to the current query.",
    );
    ui.separator();
    if inputs.is_empty() {
        ui.weak("This workspace has no inputs. Add input.json or files under inputs/.");
        return;
    }
    let dark = ui.visuals().dark_mode;
    egui::ScrollArea::vertical()
        .id_salt("scenarios_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("scenarios_grid")
                .striped(true)
                .num_columns(5)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    for heading in ["Input", "Expected", "", "", "Result"] {
                        ui.strong(heading);
                    }
                    ui.end_row();
                    for (index, input) in inputs.iter().enumerate() {
                        if ui.selectable_label(index == active, &input.name).clicked() {
                            actions.push(Action::SelectInput(index));
                        }
                        let result = state.results.iter().find(|r| r.name == input.name);
                        let Some(result) = result else {
                            if input.text.len() > MAX_SCENARIO_BYTES {
                                ui.weak("too large for the table: select it to evaluate");
                            } else {
                                ui.weak("evaluating…");
                            }
                            ui.end_row();
                            continue;
                        };
                        let entry = expected.entry(input.name.clone()).or_default();
                        let label = format!("Expected for {}", input.name);
                        let response = ui.add(
                            egui::TextEdit::singleline(entry)
                                .desired_width(220.0)
                                .hint_text("true, false, undefined, …")
                                .font(egui::TextStyle::Monospace),
                        );
                        let text = entry.clone();
                        response.widget_info(|| {
                            egui::WidgetInfo::text_edit(true, text.clone(), text.clone(), &label)
                        });
                        let verdict = verdict(&result.outcome, Some(entry.as_str()));
                        let (text, kind) = match verdict {
                            Verdict::Matches => ("● matches", StatementOutcome::Succeeded),
                            Verdict::Differs => ("× differs", StatementOutcome::Failed),
                            Verdict::Open => ("no expectation", StatementOutcome::NotReached),
                            Verdict::Invalid => ("not JSON", StatementOutcome::Error),
                        };
                        ui.label(
                            RichText::new(text)
                                .monospace()
                                .color(outcome_color(kind, dark)),
                        );
                        match &result.outcome {
                            Ok(value) => {
                                if ui
                                    .small_button("Expect this result")
                                    .on_hover_text("Sets the expected result to the current one")
                                    .clicked()
                                {
                                    *entry = value.as_ref().map_or_else(
                                        || "undefined".to_string(),
                                        |v| serde_json::to_string(v).unwrap_or_default(),
                                    );
                                }
                            }
                            Err(_) => {
                                ui.label("");
                            }
                        }
                        ui.label(RichText::new(result_text(&result.outcome)).monospace());
                        ui.end_row();
                    }
                });
        });
    expected.retain(|_, text| !text.trim().is_empty());
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn verdicts() {
        let defined = Ok(Some(json!(["b", "a"])));
        assert_eq!(verdict(&defined, Some(r#"["a", "b"]"#)), Verdict::Matches);
        assert_eq!(verdict(&defined, Some("[]")), Verdict::Differs);
        assert_eq!(verdict(&defined, None), Verdict::Open);
        assert_eq!(verdict(&defined, Some("nope")), Verdict::Invalid);
        assert_eq!(verdict(&Ok(None), Some("undefined")), Verdict::Matches);
        assert_eq!(
            verdict(&Ok(Some(json!(false))), Some("undefined")),
            Verdict::Differs
        );
        assert_eq!(verdict(&Err("boom".into()), Some("true")), Verdict::Differs);
    }
}
