//! The window driven headlessly through its accessibility tree with
//! egui_kittest: real panels, the real evaluation thread and regorus.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use policy_workshop::drills::progress::{ProgressStore, Status};
use policy_workshop::engine::PolicySource;
use policy_workshop::ui::PolicyWorkshopApp;
use policy_workshop::worker::SupervisorConfig;
use policy_workshop::workspace::{NamedInput, Workspace};

const POLICY: &str =
    "package demo\n\ndefault allow := false\n\nallow if input.user.role == \"admin\"\n";

fn workspace(input: &str) -> Workspace {
    Workspace {
        title: "GUI test".to_string(),
        policies: vec![PolicySource::new("policy.rego", POLICY)],
        inputs: vec![NamedInput {
            name: "input.json".to_string(),
            text: input.to_string(),
        }],
        data: "{}".to_string(),
        query: "data.demo.allow".to_string(),
        ..Workspace::default()
    }
    .with_origins()
}

/// A data directory of its own for each app, so tests never touch the
/// user's settings and recovery files.
fn private_data_dir(app: &mut PolicyWorkshopApp) {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    app.files.set_data_dir(Some(dir));
}

/// Drives `app` headlessly in a window of `width` by `height`.
fn drive(app: PolicyWorkshopApp, width: f32, height: f32) -> Harness<'static, PolicyWorkshopApp> {
    Harness::builder()
        .with_size(egui::vec2(width, height))
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut PolicyWorkshopApp| app.ui(ui), app)
}

/// Starts the app on `workspace` with its own data directory. The app's
/// repaint callback goes to a context of its own; the harness steps its
/// own frames, so it needs no wake-up.
fn start(workspace: Workspace, worker: SupervisorConfig) -> Harness<'static, PolicyWorkshopApp> {
    let ctx = egui::Context::default();
    let mut app = PolicyWorkshopApp::new(&ctx, workspace, worker);
    private_data_dir(&mut app);
    drive(app, 1400.0, 900.0)
}

fn harness(input: &str) -> Harness<'static, PolicyWorkshopApp> {
    let worker = SupervisorConfig::new(env!("CARGO_BIN_EXE_policy-workshop"));
    start(workspace(input), worker)
}

/// Steps frames until `done` holds, giving up after a minute of wall time,
/// because evaluation runs in the worker process.
fn step_until(
    harness: &mut Harness<'_, PolicyWorkshopApp>,
    done: impl Fn(&Harness<'_, PolicyWorkshopApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(harness) {
        assert!(
            Instant::now() < deadline,
            "the window did not reach the expected state"
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
}

fn shows_text(harness: &Harness<'_, PolicyWorkshopApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn typing_input_changes_result() {
    let mut harness = harness("{\"user\": {\"role\": \"guest\"}}");
    step_until(&mut harness, |h| shows_text(h, "false (a boolean"));

    harness.get_by_label("Input").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness
        .get_by_label("Input")
        .type_text("{\"user\": {\"role\": \"admin\"}}");
    step_until(&mut harness, |h| h.query_by_label("true").is_some());
}

#[test]
fn hostile_policy_keeps_text() {
    let worker = SupervisorConfig {
        memory_limit_mb: 1024,
        ..SupervisorConfig::new(env!("CARGO_BIN_EXE_policy-workshop"))
    };
    let mut harness = start(workspace("{}"), worker);
    step_until(&mut harness, |h| shows_text(h, "false (a boolean"));

    let hostile = "package demo\n\nallow := count(numbers.range(1, 400000000)) > 0\n";
    harness.get_by_label("Policy").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.get_by_label("Policy").type_text(hostile);
    step_until(&mut harness, |h| shows_text(h, "ran out of memory"));

    assert_eq!(harness.state().workspace.policies[0].text, hostile);
    assert_eq!(
        harness.get_by_label("Policy").value().as_deref(),
        Some(hostile)
    );
}

#[test]
fn tests_panel_runs_tests() {
    let mut workspace = workspace("{}");
    workspace.policies.push(PolicySource::new(
        "policy_test.rego",
        "package demo\n\ntest_admin if allow with input as {\"user\": {\"role\": \"admin\"}}\n\ntest_wrong if allow with input as {}\n",
    ));
    let worker = SupervisorConfig::new(env!("CARGO_BIN_EXE_policy-workshop"));
    let mut harness = start(workspace, worker);
    step_until(&mut harness, |h| shows_text(h, "Tests 1/2"));
    harness.get_by_label("Tests 1/2").click();
    step_until(&mut harness, |h| shows_text(h, "PASS 1/2"));
    assert!(shows_text(&harness, "FAIL 1"));
    assert!(shows_text(&harness, "test_wrong"));

    harness.get_by_label("Coverage: off").click();
    step_until(&mut harness, |h| {
        shows_text(h, "of lines covered (per line)")
    });
}

#[test]
fn trace_and_overlay_follow_an_input_edit() {
    use policy_workshop::explain::StatementOutcome;

    let mut harness = harness("{\"user\": {\"role\": \"guest\"}}");
    let before = "allow is false (its default, line 3) because the body at line 5 stopped \
                  at line 5, `input.user.role == \"admin\"`, where input.user.role is \"guest\".";
    step_until(&mut harness, |h| shows_text(h, before));
    let marks = harness.state().trace.statement_marks("policy.rego");
    assert_eq!(marks.len(), 1);
    assert_eq!(
        (marks[0].first_line, marks[0].kind),
        (5, StatementOutcome::Failed)
    );
    assert!(
        marks[0].detail.contains("input.user.role is \"guest\""),
        "{}",
        marks[0].detail
    );
    // The failing statement is listed under the Failures filter.
    assert!(shows_text(&harness, "input.user.role == \"admin\""));

    harness.get_by_label("Input").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness
        .get_by_label("Input")
        .type_text("{\"user\": {\"rol\": \"admin\"}}");
    step_until(&mut harness, |h| {
        shows_text(h, "input.user has no key \"role\" (did you mean \"rol\"?)")
    });

    harness.get_by_label("Input").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness
        .get_by_label("Input")
        .type_text("{\"user\": {\"role\": \"admin\"}}");
    step_until(&mut harness, |h| {
        shows_text(h, "allow is true because the body at line 5 succeeded.")
    });
    let marks = harness.state().trace.statement_marks("policy.rego");
    assert_eq!(marks[0].kind, StatementOutcome::Succeeded);
}

#[test]
fn large_result_previewed_and_copied_whole() {
    let policy = "package demo\n\nitems := [x | some x in numbers.range(1, 60000)]\n";
    let mut workspace = workspace("{}");
    workspace.policies = vec![PolicySource::new("policy.rego", policy)];
    workspace.query = "data.demo.items".to_string();
    let worker = SupervisorConfig::new(env!("CARGO_BIN_EXE_policy-workshop"));
    let mut harness = start(workspace, worker);
    step_until(&mut harness, |h| {
        shows_text(h, "the first 300 lines are shown")
    });
    assert!(shows_text(&harness, "set or array of 60000 items"));
    // The window keeps the first lines only.
    let shown = harness.state().result.shown.clone().expect("a result");
    assert!(!shown.complete);
    assert_eq!(shown.text.lines().count(), 300);

    harness.get_by_label("Copy the whole value").click();
    let deadline = Instant::now() + Duration::from_secs(60);
    let copied =
        loop {
            assert!(Instant::now() < deadline, "nothing was copied");
            harness.step();
            let copied =
                harness.output().platform_output.commands.iter().find_map(
                    |command| match command {
                        egui::OutputCommand::CopyText(text) => Some(text.clone()),
                        _ => None,
                    },
                );
            if let Some(text) = copied {
                break text;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
    let value: serde_json::Value = serde_json::from_str(&copied).expect("the copy is JSON");
    assert_eq!(value.as_array().map(Vec::len), Some(60000));
    assert_eq!(copied.len(), shown.total_bytes);
    harness.step();
    assert!(shows_text(&harness, "Copied the whole value"));
    // Only the preview stays in the window.
    assert_eq!(harness.state().result.shown.as_ref(), Some(&shown));
}

#[test]
fn engine_link_lists_differences_and_editor_warns() {
    let mut workspace = workspace("{}");
    workspace.policies[0] = PolicySource::new(
        "policy.rego",
        "package demo\n\nallow := 0.1 + 0.2 == 0.3\n\nreply := http.send({\"url\": \"http://127.0.0.1:1\"})\n",
    );
    let worker = SupervisorConfig::new(env!("CARGO_BIN_EXE_policy-workshop"));
    let mut harness = start(workspace, worker);
    step_until(&mut harness, |h| shows_text(h, "works offline"));
    assert!(shows_text(
        &harness,
        "Differs from OPA, line 3: arithmetic on a non-integer"
    ));
    assert!(shows_text(&harness, "Differs from OPA, line 5: http.send"));

    harness.get_by_label("Engine: regorus 0.14.1").click();
    step_until(&mut harness, |h| shows_text(h, "Decimal numbers"));
    assert!(shows_text(&harness, "0.30000000000000004"));
}

fn builtin_pack() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-policies/drills")
}

/// Opens a window with the built-in pack and progress kept in `data_dir`.
fn drill_harness(data_dir: &std::path::Path) -> Harness<'static, PolicyWorkshopApp> {
    let ctx = egui::Context::default();
    let worker = SupervisorConfig::new(env!("CARGO_BIN_EXE_policy-workshop"));
    let mut app = PolicyWorkshopApp::new(&ctx, workspace("{}"), worker);
    app.files.set_data_dir(Some(data_dir.to_path_buf()));
    app.set_progress_store(ProgressStore::in_dir(data_dir));
    app.open_pack(&builtin_pack());
    drive(app, 1600.0, 1000.0)
}

fn count_text(harness: &Harness<'_, PolicyWorkshopApp>, text: &str) -> usize {
    harness.query_all_by_label_contains(text).count()
}

#[test]
fn drill_solved_and_progress_kept() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = drill_harness(data_dir.path());
    step_until(&mut harness, |h| shows_text(h, "The key that went missing"));
    harness
        .get_by_label_contains("The key that went missing")
        .click();
    step_until(&mut harness, |h| shows_text(h, "Predict first"));
    // Nothing is evaluated before the prediction.
    assert!(harness.state().drills.report.is_none());

    harness.get_by_label("undefined").click();
    harness.step();
    harness.get_by_label("Predict").click();
    step_until(&mut harness, |h| {
        shows_text(h, "and you were right: it is undefined")
    });
    step_until(&mut harness, |h| shows_text(h, "Checks 1/3"));
    assert_eq!(count_text(&harness, "FAIL  "), 2);

    // The trace of a failing scenario is one click away.
    harness
        .query_all_by_label("Trace it")
        .next()
        .unwrap()
        .click();
    step_until(&mut harness, |h| {
        h.state().workspace.inputs[h.state().active_input].name == "anonymous POST"
    });

    harness.get_by_label("Show hint 1 of 3").click();
    step_until(&mut harness, |h| shows_text(h, "Hint 1: Predict first"));

    let solution = std::fs::read_to_string(builtin_pack().join("missing-default/solution.rego"))
        .unwrap()
        .replace('\t', "    ");
    harness.get_by_label("Policy").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.get_by_label("Policy").type_text(&solution);
    step_until(&mut harness, |h| shows_text(h, "Checks 3/3"));
    assert_eq!(count_text(&harness, "PASS  "), 3);
    assert_eq!(count_text(&harness, "FAIL  "), 0);
    step_until(&mut harness, |h| shows_text(h, "Solved!"));
    assert!(shows_text(
        &harness,
        "A complete rule with no successful body has no value"
    ));
    assert!(harness.query_by_label("Next drill").is_some());

    let typed = harness.state().workspace.policies[0].text.clone();
    let progress = ProgressStore::in_dir(data_dir.path()).load().unwrap();
    let saved = &progress.drills["drills/missing-default"];
    assert_eq!(saved.status, Status::Solved);
    assert_eq!(saved.hints_used, 1);
    assert_eq!(saved.last_policy.as_deref(), Some(typed.as_str()));
    let prediction = saved.prediction.as_ref().unwrap();
    assert_eq!(prediction.correct, Some(true));
    drop(harness);

    // A new window reads the same data directory.
    let mut harness = drill_harness(data_dir.path());
    step_until(&mut harness, |h| shows_text(h, "default values · solved"));
    assert!(shows_text(&harness, "default values · solved"));
    harness
        .get_by_label_contains("The key that went missing")
        .click();
    step_until(&mut harness, |h| shows_text(h, "Solved!"));
    assert!(shows_text(&harness, "Hint 1: Predict first"));
    assert_eq!(
        harness.get_by_label("Policy").value().as_deref(),
        Some(typed.as_str())
    );
}

#[test]
fn give_up_shows_solution_diff() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = drill_harness(data_dir.path());
    step_until(&mut harness, |h| shows_text(h, "The deny that never fires"));
    harness
        .get_by_label_contains("The deny that never fires")
        .click();
    step_until(&mut harness, |h| shows_text(h, "Predict first"));
    harness.get_by_label("a value:").click();
    harness.step();
    harness
        .get_by_label("The value, as JSON (for \"a value\")")
        .focus();
    harness.step();
    harness
        .get_by_label("The value, as JSON (for \"a value\")")
        .type_text("[]");
    harness.step();
    harness.get_by_label("Predict").click();
    step_until(&mut harness, |h| shows_text(h, "Checks 1/2"));
    assert!(shows_text(
        &harness,
        "You predicted [] for \"privileged Pod\", and you were right"
    ));

    harness.get_by_label("Show solution…").click();
    step_until(&mut harness, |h| shows_text(h, "Give up on this drill"));
    assert!(!shows_text(
        &harness,
        "The solution, compared with your policy"
    ));
    harness.get_by_label("Give up and show it").click();
    step_until(&mut harness, |h| {
        shows_text(h, "The solution, compared with your policy")
    });
    assert!(shows_text(
        &harness,
        "- \tcontainer.securityContex.privileged == true"
    ));
    assert!(shows_text(
        &harness,
        "+ \tcontainer.securityContext.privileged == true"
    ));

    harness.get_by_label("Reset").click();
    step_until(&mut harness, |h| h.state().drills.report.is_some());
    let starting =
        std::fs::read_to_string(builtin_pack().join("misspelled-input-path/policy.rego")).unwrap();
    assert_eq!(harness.state().workspace.policies[0].text, starting);
}

#[test]
fn workshop_mode_from_view_menu() {
    let mut harness = harness("{}");
    harness.get_by_label("View").click();
    step_until(&mut harness, |h| {
        h.query_by_label("Workshop mode").is_some()
    });
    harness.get_by_label("Workshop mode").click();
    step_until(&mut harness, |h| h.state().drills.workshop);
    harness.step();
    assert_eq!(harness.ctx.zoom_factor(), 1.5);
    assert_eq!(
        harness
            .ctx
            .style_of(egui::Theme::Light)
            .visuals
            .override_text_color,
        Some(egui::Color32::BLACK)
    );
}

fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_folder(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn typed_pack_path_opens_and_reloads() {
    let pack = tempfile::tempdir().unwrap();
    copy_folder(&builtin_pack(), pack.path());
    let data_dir = tempfile::tempdir().unwrap();
    let ctx = egui::Context::default();
    let worker = SupervisorConfig::new(env!("CARGO_BIN_EXE_policy-workshop"));
    let mut app = PolicyWorkshopApp::new(&ctx, workspace("{}"), worker);
    app.files.set_data_dir(Some(data_dir.path().to_path_buf()));
    app.set_progress_store(ProgressStore::in_dir(data_dir.path()));
    let mut harness = drive(app, 1600.0, 1000.0);

    harness.get_by_label("Drills").click();
    step_until(&mut harness, |h| {
        h.query_by_label("Open drill pack…").is_some()
    });
    harness.get_by_label("Open drill pack…").click();
    step_until(&mut harness, |h| h.query_by_label("Folder").is_some());
    harness.get_by_label("Folder").focus();
    harness.step();
    harness
        .get_by_label("Folder")
        .type_text(pack.path().to_str().unwrap());
    harness.step();
    harness.get_by_label("Open").click();
    step_until(&mut harness, |h| {
        shows_text(h, "1. The deny that never fires")
    });
    harness
        .get_by_label_contains("The key that went missing")
        .click();
    step_until(&mut harness, |h| shows_text(h, "Predict first"));

    // The facilitator edits the open drill's goal during the session.
    let manifest = pack.path().join("missing-default/drill.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "goal = \"Make the package document always contain allow, true or false.\"",
            "goal = \"Always answer allow, true or false.\"",
        ),
    )
    .unwrap();
    step_until(&mut harness, |h| {
        shows_text(h, "Goal: Always answer allow, true or false.")
    });
    assert_eq!(
        harness.state().workspace.title,
        "Drill: The key that went missing"
    );
}

#[test]
fn undo_does_not_carry_a_policy_into_another_drill() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = drill_harness(data_dir.path());
    harness.state_mut().open_drill(0);
    harness.step();
    harness.get_by_label("Policy").focus();
    harness.step();
    harness
        .get_by_label("Policy")
        .type_text("# typed in the first drill\n");
    harness.step();
    harness.state_mut().open_drill(1);
    harness.step();
    let second = harness.state().workspace.policies[0].text.clone();
    harness.get_by_label("Policy").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    assert_eq!(harness.state().workspace.policies[0].text, second);
}
