//! Keystroke to result: a one-character edit of each sample policy sent
//! through the supervisor to the real worker process, timed from
//! `Supervisor::send` to the reply, as the window sends it.

use std::time::{Duration, Instant};

use super::{await_reply, edit_request, report, suite::samples};
use crate::worker::{Supervisor, SupervisorConfig};
use crate::workspace::Workspace;

/// Target from the request leaving the window to the result arriving.
pub(super) const KEYSTROKE_TARGET: Duration = Duration::from_millis(10);

pub(super) fn run(runs: usize) -> anyhow::Result<()> {
    let config = SupervisorConfig::current_exe()?;
    for sample in samples()? {
        let workspace = Workspace::load_folder(&sample.folder, &sample.title)?;
        let supervisor = Supervisor::spawn(config.clone(), || {});
        let input = workspace.inputs.first().map(|input| input.text.clone());
        let mut policies = workspace.policies.clone();

        // The first request carries every document, as when a sample opens.
        let mut request = edit_request(&workspace, 1, &policies);
        request.input = Some(input.unwrap_or_default());
        request.data = Some(workspace.data.clone());
        let first = await_reply(&supervisor, 1, {
            let sent = Instant::now();
            supervisor.send(request);
            sent
        })?;
        anyhow::ensure!(
            first.reply.outcome.is_ok(),
            "{}: the first evaluation failed: {:?}",
            sample.id,
            first.reply.outcome
        );

        let mut results = Vec::with_capacity(runs);
        let mut details = Vec::with_capacity(runs);
        for run in 0..runs {
            let revision = run as u64 + 2;
            type_one_character(&mut policies[0].text, run);
            let request = edit_request(&workspace, revision, &policies);
            let sent = Instant::now();
            supervisor.send(request);
            let timed = await_reply(&supervisor, revision, sent)?;
            anyhow::ensure!(
                timed.reply.parsed.is_empty(),
                "{}: the worker parsed {:?} again after a policy edit",
                sample.id,
                timed.reply.parsed
            );
            results.push(timed.replied);
            details.push(timed.completed);
        }
        report(
            &format!("keystroke to result: {}", sample.id),
            &mut results,
            Some(KEYSTROKE_TARGET),
        );
        report(
            &format!("keystroke to trace and tests: {}", sample.id),
            &mut details,
            None,
        );
    }
    Ok(())
}

/// Types a space at the end of the text on even runs and deletes it on
/// odd ones, so every run sends a changed policy that still parses.
pub(super) fn type_one_character(text: &mut String, run: usize) {
    if run.is_multiple_of(2) {
        text.push(' ');
    } else {
        text.pop();
    }
}
