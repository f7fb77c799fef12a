//! The tests panel: every `test_` rule with PASS, FAIL, ERROR or SKIPPED,
//! re-run on each edit, with a name filter and the coverage toggle.

use egui::{Color32, RichText, Ui};

use super::app::Action;
use super::code_editor::LineMark;
use super::status_bar::format_duration;
use crate::engine::EngineError;
use crate::testing::{TestOutcome, TestRun};

/// What the tests panel shows and remembers.
#[derive(Debug, Default)]
pub struct TestsState {
    /// The newest test run, or why the tests could not run.
    pub last: Option<Result<TestRun, EngineError>>,
    /// Text that test paths must contain to be listed.
    pub filter: String,
    /// Whether coverage is collected and drawn in the editor.
    pub show_coverage: bool,
}

fn outcome_color(outcome: &TestOutcome, dark_mode: bool) -> Color32 {
    match (outcome, dark_mode) {
        (TestOutcome::Pass, false) => Color32::from_rgb(20, 130, 50),
        (TestOutcome::Pass, true) => Color32::from_rgb(110, 210, 130),
        (TestOutcome::Fail | TestOutcome::Error(_), false) => Color32::from_rgb(190, 30, 30),
        (TestOutcome::Fail | TestOutcome::Error(_), true) => Color32::from_rgb(255, 120, 120),
        (TestOutcome::Skipped, _) => Color32::GRAY,
    }
}

/// Draws the panel and queues jumps and the coverage toggle.
pub fn ui(ui: &mut Ui, state: &mut TestsState, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.strong("Tests");
        summary_ui(ui, state.last.as_ref());
        ui.separator();
        let mut coverage = state.show_coverage;
        let label = if coverage { "Coverage: on" } else { "Coverage: off" };
        if ui
            .toggle_value(&mut coverage, label)
            .on_hover_text("Colours the lines that the tests ran (green) and did not run (red). Coverage is per line.")
            .changed()
        {
            actions.push(Action::SetCoverage(coverage));
        }
        if let Some(Ok(run)) = &state.last
            && let Some(coverage) = &run.coverage
        {
            ui.label(format!("{:.1}% of lines covered (per line)", coverage.percent()));
        }
        let filter_label = ui.label("Filter");
        ui.add(egui::TextEdit::singleline(&mut state.filter).desired_width(160.0).hint_text("test name"))
            .labelled_by(filter_label.id);
    });
    ui.separator();

    let run = match &state.last {
        None => {
            ui.weak("Tests run after the first evaluation.");
            return;
        }
        Some(Err(error)) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("The tests could not run: {error}"),
            );
            return;
        }
        Some(Ok(run)) => run,
    };
    if run.results.is_empty() {
        ui.weak(
            "No test_ rules in the open files. A rule named test_... is a test, as in opa test.",
        );
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("tests_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| results_ui(ui, run, &state.filter, actions));
}

fn summary_ui(ui: &mut Ui, last: Option<&Result<TestRun, EngineError>>) {
    let Some(Ok(run)) = last else {
        return;
    };
    let total = run.results.len();
    let dark = ui.visuals().dark_mode;
    ui.label(
        RichText::new(format!("PASS {}/{total}", run.count("PASS")))
            .color(outcome_color(&TestOutcome::Pass, dark)),
    );
    for (label, outcome) in [
        ("FAIL", TestOutcome::Fail),
        ("ERROR", TestOutcome::Fail),
        ("SKIPPED", TestOutcome::Skipped),
    ] {
        let count = run.count(label);
        if count > 0 {
            ui.label(
                RichText::new(format!("{label} {count}")).color(outcome_color(&outcome, dark)),
            );
        }
    }
}

fn results_ui(ui: &mut Ui, run: &TestRun, filter: &str, actions: &mut Vec<Action>) {
    let dark = ui.visuals().dark_mode;
    let mut current_group = String::new();
    // Failures first, so they are visible without scrolling.
    let mut ordered: Vec<_> = run.results.iter().collect();
    ordered
        .sort_by_key(|result| matches!(result.outcome, TestOutcome::Pass | TestOutcome::Skipped));
    for result in ordered {
        let path = result.case.path();
        if !filter.is_empty() && !path.to_lowercase().contains(&filter.to_lowercase()) {
            continue;
        }
        let group = format!("{}  ({})", result.case.package, result.case.file);
        if group != current_group {
            ui.add_space(4.0);
            ui.weak(&group);
            current_group = group;
        }
        ui.horizontal(|ui| {
            let color = outcome_color(&result.outcome, dark);
            ui.label(
                RichText::new(result.outcome.label())
                    .monospace()
                    .strong()
                    .color(color),
            );
            let link = ui.link(RichText::new(&result.case.name).monospace());
            if link.on_hover_text("Show this test in the editor").clicked() {
                actions.push(Action::JumpToPolicyFile(
                    result.case.file.clone(),
                    LineMark {
                        line: result.case.line as usize,
                        column: Some(1),
                    },
                ));
            }
            if !matches!(result.outcome, TestOutcome::Skipped) {
                ui.weak(format_duration(result.duration));
            }
        });
        match &result.outcome {
            TestOutcome::Fail => match &result.failed_statement {
                Some(statement) => {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new("    failed at").italics());
                        let place = format!("line {}", statement.line);
                        if ui.link(place).clicked() {
                            actions.push(Action::JumpToPolicyFile(
                                result.case.file.clone(),
                                LineMark {
                                    line: statement.line as usize,
                                    column: Some(1),
                                },
                            ));
                        }
                        ui.label(RichText::new(statement.text.replace('\n', " ")).monospace());
                    });
                    for (operand, value) in &statement.values {
                        ui.label(
                            RichText::new(format!("        {operand} = {value}"))
                                .monospace()
                                .weak(),
                        );
                    }
                    if let Some(note) = &statement.note {
                        ui.label(RichText::new(format!("        {note}")).italics().weak());
                    }
                }
                None => {
                    ui.label(
                        RichText::new(
                            "    undefined or false: a statement in the test body did not hold",
                        )
                        .italics(),
                    );
                }
            },
            TestOutcome::Error(error) => {
                ui.label(
                    RichText::new(format!("    {error}"))
                        .italics()
                        .color(ui.visuals().error_fg_color),
                );
            }
            _ => {}
        }
        for line in &result.prints {
            ui.label(
                RichText::new(format!("    print: {line}"))
                    .monospace()
                    .weak(),
            );
        }
    }
}
