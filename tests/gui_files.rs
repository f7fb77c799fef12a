//! Real files in the window: opening a folder, saving, reloading what
//! changed on disk, the conflict bar, and recovering unsaved edits after
//! the app stopped without saving. Driven headlessly with egui_kittest,
//! with the real worker process and real files in temporary folders.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use policy_workshop::ui::PolicyWorkshopApp;
use policy_workshop::ui::app::Action;
use policy_workshop::worker::SupervisorConfig;
use policy_workshop::workspace::Workspace;
use policy_workshop::workspace::files::open_paths;
use serde_json::Value;

fn write(root: &Path, name: &str, text: &str) -> PathBuf {
    let path = root.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

fn app(workspace: Workspace, data_dir: &Path) -> Harness<'static, PolicyWorkshopApp> {
    app_sized(workspace, data_dir, 900.0)
}

fn app_sized(
    workspace: Workspace,
    data_dir: &Path,
    height: f32,
) -> Harness<'static, PolicyWorkshopApp> {
    let ctx = egui::Context::default();
    let worker = SupervisorConfig::new(env!("CARGO_BIN_EXE_policy-workshop"));
    let mut app = PolicyWorkshopApp::new(&ctx, workspace, worker);
    app.files.set_data_dir(Some(data_dir.to_path_buf()));
    Harness::builder()
        .with_size(egui::vec2(1400.0, height))
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut PolicyWorkshopApp| app.ui(ui), app)
}

fn step_until(
    harness: &mut Harness<'_, PolicyWorkshopApp>,
    what: &str,
    done: impl Fn(&Harness<'_, PolicyWorkshopApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(harness) {
        assert!(
            Instant::now() < deadline,
            "the window never reached: {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
}

fn shows(harness: &Harness<'_, PolicyWorkshopApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

/// Returns the value shown for the newest revision, once its reply is in.
fn settled_value(harness: &Harness<'_, PolicyWorkshopApp>) -> Option<Value> {
    let app = harness.state();
    let result = &app.result;
    if result.pending || result.shown_revision != app.revision() {
        return None;
    }
    let (_, evaluation) = result.last_good.as_ref()?;
    Some(evaluation.value().cloned().unwrap_or(Value::Null))
}

/// Writes a folder shaped like a real repository: two packages, a library,
/// data in subfolders and a dozen inputs.
fn realistic_folder(root: &Path) {
    write(
        root,
        "policy/admission.rego",
        "package k8s.admission\n\nimport data.lib.images\n\ndeny contains msg if {\n\tsome c in input.spec.containers\n\tnot images.trusted(c.image)\n\tmsg := sprintf(\"untrusted image %s\", [c.image])\n}\n\ndeny contains msg if {\n\tcount(input.spec.containers) > data.limits.max_containers\n\tmsg := \"too many containers\"\n}\n",
    );
    write(
        root,
        "policy/labels.rego",
        "package k8s.labels\n\nmissing contains label if {\n\tsome label in data.limits.required_labels\n\tnot input.metadata.labels[label]\n}\n",
    );
    write(
        root,
        "lib/images.rego",
        "package lib.images\n\ntrusted(image) if {\n\tsome registry in data.registries.trusted\n\tstartswith(image, registry)\n}\n",
    );
    write(
        root,
        "data/limits/data.json",
        r#"{"max_containers": 2, "required_labels": ["app", "team"]}"#,
    );
    write(
        root,
        "data/registries/data.yaml",
        "trusted:\n  - registry.example.com/\n  - ghcr.io/example/\n",
    );
    for index in 0..12 {
        let image = if index % 3 == 0 {
            "docker.io/nginx"
        } else {
            "registry.example.com/app"
        };
        let containers: Vec<String> = (0..=index % 4)
            .map(|c| format!("{{\"image\": \"{image}:{c}\"}}"))
            .collect();
        let labels = if index % 2 == 0 {
            r#"{"app": "a", "team": "t"}"#
        } else {
            r#"{"app": "a"}"#
        };
        write(
            root,
            &format!("inputs/pod-{index:02}.json"),
            &format!(
                "{{\"metadata\": {{\"labels\": {labels}}}, \"spec\": {{\"containers\": [{}]}}}}",
                containers.join(", ")
            ),
        );
    }
}

fn eval(root: &Path, input: &Path, query: &str) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_policy-workshop"))
        .arg("eval")
        .arg("-d")
        .arg(root)
        .arg("-i")
        .arg(input)
        .arg(query)
        .output()
        .expect("eval runs");
    let json: Value = serde_json::from_slice(&output.stdout).expect("eval prints JSON");
    json["result"][0]["expressions"][0]["value"].clone()
}

#[test]
fn opened_folder_matches_eval() {
    let folder = tempfile::tempdir().unwrap();
    realistic_folder(folder.path());
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = app(Workspace::scratch(), data_dir.path());
    step_until(&mut harness, "the scratch result", |h| {
        settled_value(h).is_some()
    });

    // File > Open by path…, as when no native dialog is available.
    harness.get_by_label("File").click();
    step_until(&mut harness, "the File menu", |h| shows(h, "Open by path…"));
    harness.get_by_label("Open by path…").click();
    step_until(&mut harness, "the path field", |h| shows(h, "Type a path"));
    harness.get_by_label("Path").focus();
    harness.step();
    harness
        .get_by_label("Path")
        .type_text(&folder.path().display().to_string());
    harness.step();
    harness.get_by_label("OK").click();
    step_until(&mut harness, "the folder's policies", |h| {
        h.state().workspace.policies.len() == 3
    });
    assert_eq!(harness.state().workspace.inputs.len(), 12);
    // OPA places data.json files by folder only in bundles, so the copied
    // commands load the folder as one.
    let root = folder.path().canonicalize().unwrap().display().to_string();
    let command = harness.state().opa_eval_command();
    assert!(
        command.starts_with(&format!("opa eval --format pretty --bundle {root} -i ")),
        "{command}"
    );
    assert_eq!(
        harness.state().opa_test_command(),
        format!("opa test -v --bundle {root}")
    );

    let query = "data.k8s";
    harness.state_mut().workspace.query = query.to_string();
    let ctx = harness.ctx.clone();
    for index in 0..12 {
        harness.state_mut().apply(&ctx, Action::SelectInput(index));
        harness.step();
        step_until(&mut harness, "the input's result", |h| {
            settled_value(h).is_some()
        });
        let shown = settled_value(&harness).unwrap();
        let input = folder.path().join(format!("inputs/pod-{index:02}.json"));
        assert_eq!(shown, eval(folder.path(), &input, query), "input {index}");
    }
}

fn open_folder(root: &Path) -> Workspace {
    open_paths(&[root.canonicalize().unwrap()]).unwrap().0
}

fn type_into_policy(harness: &mut Harness<'_, PolicyWorkshopApp>, text: &str) {
    harness.get_by_label("Policy").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.get_by_label("Policy").type_text(text);
    harness.step();
}

#[test]
fn saving_writes_the_file_and_clears_the_mark() {
    let folder = tempfile::tempdir().unwrap();
    let file = write(folder.path(), "p.rego", "package p\n\nallow := false\n");
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = app(open_folder(folder.path()), data_dir.path());
    step_until(&mut harness, "the first result", |h| {
        settled_value(h).is_some()
    });

    let edited = "package p\n\nallow := true\n";
    type_into_policy(&mut harness, edited);
    step_until(&mut harness, "the unsaved mark", |h| shows(h, "p.rego •"));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    step_until(&mut harness, "the mark cleared", |h| !shows(h, "p.rego •"));
    assert_eq!(fs::read_to_string(&file).unwrap(), edited);
}

#[test]
fn changed_file_reloads_clean_tab() {
    let folder = tempfile::tempdir().unwrap();
    let file = write(folder.path(), "p.rego", "package p\n\nallow := false\n");
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = app(open_folder(folder.path()), data_dir.path());
    step_until(&mut harness, "the first result", |h| {
        settled_value(h).is_some_and(|v| v["allow"] == Value::Bool(false))
    });

    let rewritten = "package p\n\nallow := true\n";
    fs::write(&file, rewritten).unwrap();
    let written = Instant::now();
    step_until(&mut harness, "the reloaded text", |h| {
        h.state().workspace.policies[0].text == rewritten
    });
    eprintln!("reloaded {:?} after the write", written.elapsed());
    step_until(&mut harness, "the new result", |h| {
        settled_value(h).is_some_and(|v| v["allow"] == Value::Bool(true))
    });
    assert!(!shows(&harness, "p.rego •"));

    fs::remove_file(&file).unwrap();
    step_until(&mut harness, "the deleted mark", |h| {
        shows(h, "p.rego (deleted on disk)")
    });
    // The text stays, so nothing is lost.
    assert_eq!(harness.state().workspace.policies[0].text, rewritten);
}

#[test]
fn conflict_offers_both_versions() {
    let folder = tempfile::tempdir().unwrap();
    let file = write(folder.path(), "p.rego", "package p\n\nallow := false\n");
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = app(open_folder(folder.path()), data_dir.path());
    step_until(&mut harness, "the first result", |h| {
        settled_value(h).is_some()
    });

    let mine = "package p\n\nallow := 1\n";
    type_into_policy(&mut harness, mine);
    let theirs = "package p\n\nallow := 2\n";
    fs::write(&file, theirs).unwrap();
    step_until(&mut harness, "the conflict bar", |h| {
        shows(h, "p.rego changed on disk while you have unsaved edits")
    });
    assert_eq!(harness.state().workspace.policies[0].text, mine);

    harness.get_by_label("Show both").click();
    step_until(&mut harness, "both versions", |h| {
        shows(h, "Yours (unsaved)")
    });
    assert!(shows(&harness, "allow := 2"));
    harness
        .query_all_by_label("Take the disk version")
        .last()
        .expect("the window's button")
        .click();
    step_until(&mut harness, "the disk's text", |h| {
        h.state().workspace.policies[0].text == theirs
    });
    harness.step();
    assert!(!shows(&harness, "changed on disk while"));
}

#[test]
fn unsaved_edits_are_restored_after_the_app_stops() {
    let folder = tempfile::tempdir().unwrap();
    write(folder.path(), "p.rego", "package p\n\nallow := false\n");
    write(folder.path(), "input.json", "{}\n");
    let data_dir = tempfile::tempdir().unwrap();

    let edited = "package p\n\n# kept through a crash: ünïcödé\nallow := input.ok\n";
    {
        let mut first = app(open_folder(folder.path()), data_dir.path());
        step_until(&mut first, "the first result", |h| {
            settled_value(h).is_some()
        });
        type_into_policy(&mut first, edited);
        first.state_mut().autosave_now();
        // The app goes away without quitting, as when it is killed.
    }
    let recovery = fs::read_dir(data_dir.path().join("recovery"))
        .unwrap()
        .count();
    assert_eq!(recovery, 1);

    let mut second = app(open_folder(folder.path()), data_dir.path());
    step_until(&mut second, "the recovery offer", |h| {
        shows(h, "Restore unsaved edits")
    });
    second.get_by_label("Restore unsaved edits").click();
    step_until(&mut second, "the restored text", |h| {
        h.state().workspace.policies[0].text == edited
    });
    // Restored edits are unsaved edits, and the file on disk is untouched.
    step_until(&mut second, "the unsaved mark", |h| shows(h, "p.rego •"));
    assert_eq!(
        fs::read_to_string(folder.path().join("p.rego")).unwrap(),
        "package p\n\nallow := false\n"
    );
}

#[test]
fn comment_toggle_and_find_work_in_the_editor() {
    let folder = tempfile::tempdir().unwrap();
    write(
        folder.path(),
        "p.rego",
        "package p\n\nallow if {\n\tinput.a\n}\n",
    );
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = app(open_folder(folder.path()), data_dir.path());
    step_until(&mut harness, "the first result", |h| {
        settled_value(h).is_some()
    });

    // Ctrl+/ on lines 3 to 5 comments them out, keeping the indentation.
    harness.get_by_label("Policy").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Slash);
    step_until(&mut harness, "the commented text", |h| {
        h.state().workspace.policies[0].text == "# package p\n\n# allow if {\n# \tinput.a\n# }\n"
    });
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Slash);
    step_until(&mut harness, "the uncommented text", |h| {
        h.state().workspace.policies[0].text == "package p\n\nallow if {\n\tinput.a\n}\n"
    });
    // The edit counts: the tab is marked and the text was evaluated again.
    step_until(&mut harness, "a settled result", |h| {
        settled_value(h).is_some()
    });

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    step_until(&mut harness, "the find bar", |h| shows(h, "Find"));
    harness.get_by_label("Find").type_text("input");
    step_until(&mut harness, "the match count", |h| shows(h, "1 of 1"));
}

#[test]
fn scenario_table_checks_every_input() {
    let folder = tempfile::tempdir().unwrap();
    realistic_folder(folder.path());
    let data_dir = tempfile::tempdir().unwrap();
    let mut workspace = open_folder(folder.path());
    workspace.query = "count(data.k8s.admission.deny)".to_string();
    // Tall enough for every row of the table to be on screen.
    let mut harness = app_sized(workspace, data_dir.path(), 2000.0);
    step_until(&mut harness, "the first result", |h| {
        settled_value(h).is_some()
    });

    harness.get_by_label("Scenarios").click();
    step_until(&mut harness, "every row's result", |h| {
        h.state().scenarios.results.len() == 12 && shows(h, "Expect this result")
    });
    // Pin the current result of the first rows with their buttons.
    for index in 0..3 {
        harness
            .query_all_by_label("Expect this result")
            .nth(index)
            .expect("a button per row")
            .click();
        harness.step();
        harness.step();
    }
    step_until(&mut harness, "three matching", |h| {
        shows(h, "Scenarios 3/3")
    });
    // The rest as a user types them.
    for index in 3..12 {
        let input = folder.path().join(format!("inputs/pod-{index:02}.json"));
        let value = eval(folder.path(), &input, "count(data.k8s.admission.deny)");
        harness
            .state_mut()
            .workspace
            .expected
            .entry("count(data.k8s.admission.deny)".to_string())
            .or_default()
            .insert(format!("pod-{index:02}.json"), value.to_string());
    }
    step_until(&mut harness, "all matching", |h| {
        shows(h, "Scenarios 12/12")
    });
    let expected = harness.state().workspace.expected["count(data.k8s.admission.deny)"].clone();
    assert_eq!(expected.len(), 12);
    for index in 0..12 {
        let input = folder.path().join(format!("inputs/pod-{index:02}.json"));
        let name = format!("pod-{index:02}.json");
        assert_eq!(
            serde_json::from_str::<Value>(&expected[&name]).unwrap(),
            eval(folder.path(), &input, "count(data.k8s.admission.deny)"),
            "{name}"
        );
    }
    harness
        .state_mut()
        .workspace
        .expected
        .entry("count(data.k8s.admission.deny)".to_string())
        .or_default()
        .insert("pod-00.json".into(), "0".into());
    // Expectations belong to their query: another query starts with none.
    harness.state_mut().workspace.query = "data.k8s.labels.missing".to_string();
    harness.step();
    assert!(shows(&harness, "no expectation"));
    harness.state_mut().workspace.query = "count(data.k8s.admission.deny)".to_string();
    step_until(&mut harness, "one differing", |h| {
        shows(h, "Scenarios 11/12")
    });
    assert!(shows(&harness, "× differs"));

    // Selecting a row makes it the input of the result and the trace.
    harness.get_by_label("pod-03.json").click();
    step_until(&mut harness, "the selected input", |h| {
        h.state().active_input == 3
    });

    // The expectations are kept for the next start.
    let kept = fs::read_dir(data_dir.path().join("expected"))
        .unwrap()
        .count();
    assert_eq!(kept, 1);
}

#[test]
fn save_targets_front_tab_and_failed_save_as() {
    let folder = tempfile::tempdir().unwrap();
    let first = write(folder.path(), "a.rego", "package a\n\nx := 1\n");
    let second = write(folder.path(), "b.rego", "package b\n\ny := 1\n");
    let data_dir = tempfile::tempdir().unwrap();
    let mut harness = app(open_folder(folder.path()), data_dir.path());
    step_until(&mut harness, "the first result", |h| {
        settled_value(h).is_some()
    });

    // Edit both files in the app, then bring b.rego to the front and save.
    {
        let app = harness.state_mut();
        app.workspace.policies[0].text.push_str("# edited a\n");
        app.workspace.policies[1].text.push_str("# edited b\n");
    }
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(&ctx, Action::SelectPolicy(1));
    harness.state_mut().apply(&ctx, Action::Save);
    assert!(
        fs::read_to_string(&second)
            .unwrap()
            .ends_with("# edited b\n")
    );
    assert_eq!(fs::read_to_string(&first).unwrap(), "package a\n\nx := 1\n");

    // Save as into a folder that does not exist: the tab keeps its name
    // and file, and its edits stay unsaved.
    harness.state_mut().apply(&ctx, Action::SelectPolicy(0));
    let nowhere = folder.path().join("no/such/folder/c.rego");
    harness.state_mut().use_path(
        policy_workshop::ui::app::PathPurpose::SaveAs(policy_workshop::ui::app::DocRef::Policy(0)),
        vec![nowhere],
    );
    let app = harness.state();
    assert_eq!(app.workspace.policies[0].path, "a.rego");
    assert_eq!(
        app.workspace.policy_origins[0].path.as_deref(),
        Some(first.as_path())
    );
    assert!(app.workspace.has_unsaved_edits());
}
