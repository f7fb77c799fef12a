//! In-process figures: the generated test suite, and the trace and the
//! test run of each sample.

use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::{generated_suite, report};
use crate::engine::{PreparedEngine, to_engine_value};
use crate::explain::{ExplainOptions, explain};
use crate::testing::{TestOptions, run_tests};
use crate::workspace::Workspace;
use crate::workspace::document::parse_document;
use crate::workspace::samples::{Sample, list_samples, samples_folder};

/// Target for the trace of one sample input.
const TRACE_TARGET: Duration = Duration::from_millis(50);

/// Returns the samples, or an error saying where they were looked for.
pub(super) fn samples() -> anyhow::Result<Vec<Sample>> {
    let folder = samples_folder().context(
        "the sample-policies folder was not found; run from the repository or set \
         POLICY_WORKSHOP_SAMPLES",
    )?;
    Ok(list_samples(&folder))
}

/// Times the generated suite of 1,000 tests in 100 files, then the test
/// run of each sample as the window runs it after an edit.
pub(super) fn test_runs(runs: usize) -> anyhow::Result<()> {
    let policies = generated_suite(100, 10);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let run = run_tests(&policies, None, &TestOptions::default())
            .map_err(|error| anyhow::anyhow!("the generated suite could not run: {error}"))?;
        times.push(started.elapsed());
        anyhow::ensure!(
            run.all_passed() && run.results.len() == 1000,
            "the generated suite did not pass: {} results",
            run.results.len()
        );
    }
    report("test run: 1,000 tests in 100 files", &mut times, None);

    for sample in samples()? {
        let workspace = Workspace::load_folder(&sample.folder, &sample.title)?;
        let data = parse_document(&workspace.data)
            .ok()
            .and_then(|parsed| parsed.value)
            .map(|json| to_engine_value(&json))
            .transpose()?;
        let mut times = Vec::with_capacity(runs);
        let mut count = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let run = run_tests(&workspace.policies, data.as_ref(), &TestOptions::default())
                .map_err(|error| anyhow::anyhow!("{}: tests could not run: {error}", sample.id))?;
            times.push(started.elapsed());
            count = run.results.len();
        }
        report(
            &format!("test run: {} ({count} tests)", sample.id),
            &mut times,
            None,
        );
    }
    Ok(())
}

/// Times the trace of each sample's package query with each of its inputs,
/// the work the worker does after every evaluation.
pub(super) fn traces(runs: usize) -> anyhow::Result<()> {
    for sample in samples()? {
        let workspace = Workspace::load_folder(&sample.folder, &sample.title)?;
        let options = ExplainOptions::default();
        let data = parse_document(&workspace.data)
            .ok()
            .and_then(|parsed| parsed.value)
            .map(|json| to_engine_value(&json))
            .transpose()?;
        let prepared = PreparedEngine::new(&workspace.policies, data.as_ref(), &options.eval)?;
        for input in &workspace.inputs {
            let json = parse_document(&input.text)
                .with_context(|| format!("{}: {} does not parse", sample.id, input.name))?
                .value;
            let value = json.as_ref().map(to_engine_value).transpose()?;
            let mut times = Vec::with_capacity(runs);
            let mut rules = 0;
            for _ in 0..runs {
                let evaluation = prepared.evaluate(value.as_ref(), &workspace.query)?;
                let started = Instant::now();
                let trace = explain(
                    &prepared,
                    &workspace.policies,
                    value.as_ref(),
                    &workspace.query,
                    &evaluation.prints,
                    &options,
                );
                times.push(started.elapsed());
                rules = trace.rules.len();
            }
            report(
                &format!("trace: {}/{} ({rules} rules)", sample.id, input.name),
                &mut times,
                Some(TRACE_TARGET),
            );
        }
    }
    Ok(())
}
