//! Large inputs: generated 10 MB and 50 MB Terraform plans checked by the
//! terraform-plan sample policy, loaded into the real worker process.

use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::keystroke::type_one_character;
use super::{Plans, await_reply, edit_request, report, suite::samples};
use crate::engine::PolicySource;
use crate::worker::{Supervisor, SupervisorConfig};
use crate::workspace::{NamedInput, Workspace};

/// Target for a policy edit with a 50 MB input loaded.
const LARGE_EDIT_TARGET: Duration = Duration::from_millis(100);

/// Plan sizes in MB.
pub(super) const SIZES: [usize; 2] = [10, 50];

/// Returns the terraform-plan sample.
pub(super) fn terraform_sample() -> anyhow::Result<Workspace> {
    let sample = samples()?
        .into_iter()
        .find(|sample| sample.id == "terraform-plan")
        .context("the terraform-plan sample was not found")?;
    Workspace::load_folder(&sample.folder, &sample.title)
}

/// Times loading each plan (reading the file, sending it and parsing it
/// in the worker), the first evaluation, and policy edits after it.
pub(super) fn run(plans: &mut Plans, load_runs: usize, edit_runs: usize) -> anyhow::Result<()> {
    let workspace = terraform_sample()?;
    let config = SupervisorConfig::current_exe()?;
    for megabytes in SIZES {
        let path = plans.path(megabytes)?;
        let expected = plans.expected_denies(megabytes);
        let supervisor = Supervisor::spawn(config.clone(), || {});
        let mut policies = workspace.policies.clone();
        let mut revision = 0;
        let mut loads = Vec::with_capacity(load_runs);
        let mut evaluations = Vec::with_capacity(load_runs);
        let mut preview = None;
        for _ in 0..load_runs {
            revision += 1;
            let sent = Instant::now();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let mut request = edit_request(&workspace, revision, &policies);
            request.input = Some(text);
            request.data = Some(workspace.data.clone());
            supervisor.send(request);
            let timed = await_reply(&supervisor, revision, sent)?;
            let shown = shown_text(&timed.reply)
                .with_context(|| format!("{megabytes} MB plan: the evaluation failed"))?;
            preview.get_or_insert(shown);
            let loaded = timed
                .evaluating
                .context("the worker did not report the end of loading")?;
            loads.push(loaded);
            evaluations.push(timed.replied - loaded);
        }
        report(
            &format!("large input {megabytes} MB: read, send and parse"),
            &mut loads,
            None,
        );
        report(
            &format!("large input {megabytes} MB: first evaluation"),
            &mut evaluations,
            None,
        );

        // The window gets only the first lines of this large value. Ask once
        // for the whole of it to check the deny messages.
        revision += 1;
        let mut request = edit_request(&workspace, revision, &policies);
        request.whole_value = true;
        let sent = Instant::now();
        supervisor.send(request);
        let whole = await_reply(&supervisor, revision, sent)?;
        let denies = whole_deny_count(&whole.reply)
            .with_context(|| format!("{megabytes} MB plan: no deny set in the result"))?;
        anyhow::ensure!(
            denies == expected,
            "{megabytes} MB plan: {denies} deny messages, expected {expected}"
        );
        report(
            &format!("large input {megabytes} MB: policy edit, whole value requested"),
            &mut [whole.replied],
            None,
        );

        let mut edits = Vec::with_capacity(edit_runs);
        let mut details = Vec::with_capacity(edit_runs);
        for run in 0..edit_runs {
            revision += 1;
            type_one_character(&mut policies[0].text, run);
            let sent = Instant::now();
            supervisor.send(edit_request(&workspace, revision, &policies));
            let timed = await_reply(&supervisor, revision, sent)?;
            anyhow::ensure!(
                timed.reply.parsed.is_empty(),
                "{megabytes} MB plan: a policy edit parsed {:?} again",
                timed.reply.parsed
            );
            anyhow::ensure!(
                shown_text(&timed.reply) == preview,
                "{megabytes} MB plan: a policy edit changed the result"
            );
            edits.push(timed.replied);
            details.push(timed.completed);
        }
        let target = (megabytes == 50).then_some(LARGE_EDIT_TARGET);
        report(
            &format!("large input {megabytes} MB: policy edit to result"),
            &mut edits,
            target,
        );
        report(
            &format!("large input {megabytes} MB: policy edit to trace and tests"),
            &mut details,
            None,
        );
        if let Some(kib) = supervisor.worker_peak_kib() {
            println!(
                "large input {megabytes} MB: worker peak resident memory (VmHWM) {:.0} MiB",
                kib as f64 / 1024.0
            );
        }
    }
    Ok(())
}

/// Returns the result text a reply shows: the whole value, or its first
/// lines when it is large.
fn shown_text(reply: &crate::worker::EvalReply) -> Option<String> {
    reply.outcome.as_ref().ok()?;
    Some(reply.view.as_ref()?.text.clone())
}

/// Returns the number of deny messages in a reply that contains the whole
/// printed value of the package query.
fn whole_deny_count(reply: &crate::worker::EvalReply) -> Option<usize> {
    let view = reply.view.as_ref().filter(|view| view.complete)?;
    let value: serde_json::Value = serde_json::from_str(&view.text).ok()?;
    Some(value.get("deny")?.as_array()?.len())
}

/// Target for one frame of the window.
const FRAME_TARGET: Duration = Duration::from_millis(16);

/// Times frames of the window drawn headlessly: with a 5,000-line policy
/// open, and with the 10 MB plan as the input.
pub(super) fn frames(plans: &mut Plans, frames: usize) -> anyhow::Result<()> {
    let config = SupervisorConfig::current_exe()?;
    let sample = terraform_sample()?;

    let mut workspace = sample.clone();
    workspace.policies = vec![PolicySource::new("large.rego", large_policy(5000))];
    workspace.query = "data.bench.large".to_string();
    let mut times = crate::ui::bench::time_frames(workspace, config.clone(), frames)?;
    report(
        "frame: 5,000-line policy, pointer moving",
        &mut times.idle,
        Some(FRAME_TARGET),
    );
    report(
        "frame: 5,000-line policy, typing in it",
        &mut times.typing,
        Some(FRAME_TARGET),
    );

    let path = plans.path(10)?;
    let mut workspace = sample;
    workspace.inputs.insert(
        0,
        NamedInput {
            name: "plan-10mb.json".to_string(),
            text: std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        },
    );
    let mut times = crate::ui::bench::time_frames(workspace, config, frames)?;
    report(
        "frame: 10 MB input, pointer moving",
        &mut times.idle,
        Some(FRAME_TARGET),
    );
    report(
        "frame: 10 MB input, typing in the policy",
        &mut times.typing,
        Some(FRAME_TARGET),
    );
    Ok(())
}

/// Builds a policy of about `lines` lines: deny rules of the shape the
/// terraform-plan sample has, one per made-up resource setting.
pub(super) fn large_policy(lines: usize) -> String {
    let mut text = String::from(
        "# A generated policy for timing the editor with a long file.\npackage bench.large\n\n",
    );
    let mut rule = 0;
    let mut count = text.lines().count();
    while count < lines {
        text.push_str(&format!(
            "# Setting {rule} must stay on for every resource of type {rule}.\n\
             deny contains msg if {{\n\
             \tsome rc in input.resource_changes\n\
             \trc.type == \"aws_type_{rule}\"\n\
             \trc.change.after.setting_{rule} == false\n\
             \tmsg := sprintf(\"%s: setting_{rule} must be true\", [rc.address])\n\
             }}\n\n"
        ));
        rule += 1;
        count += 8;
    }
    text
}
