//! `policy-workshop bench`: fixed workloads timed on this machine.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::EXIT_ERROR;
use crate::engine::{PolicySource, PreparedEngine, to_engine_value};
use crate::explain::{ExplainOptions, explain};
use crate::testing::{TestOptions, run_tests};
use crate::workspace::Workspace;
use crate::workspace::document::parse_document;
use crate::workspace::samples::{list_samples, samples_folder};

/// Runs of each workload; the median is reported.
const RUNS: usize = 10;

/// Runs the benchmarks and prints one line per figure.
pub fn run() -> ExitCode {
    let policies = generated_suite(100, 10);
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        match run_tests(&policies, None, &TestOptions::default()) {
            Ok(run) if run.all_passed() && run.results.len() == 1000 => {
                times.push(started.elapsed())
            }
            Ok(run) => {
                eprintln!(
                    "error: the generated suite did not pass: {} results",
                    run.results.len()
                );
                return ExitCode::from(EXIT_ERROR);
            }
            Err(error) => {
                eprintln!("error: the generated suite could not run: {error}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    times.sort();
    println!(
        "{}",
        report_line("test run: 1,000 tests in 100 files", &times)
    );
    match trace_samples() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs of each trace; more than the test run, as one takes milliseconds.
const TRACE_RUNS: usize = 21;

/// Times the trace of each sample's package query with each of its inputs,
/// the work the window does after every evaluation.
fn trace_samples() -> anyhow::Result<()> {
    use anyhow::Context as _;

    let folder = samples_folder().context(
        "the sample-policies folder was not found; run from the repository or set \
         POLICY_WORKSHOP_SAMPLES",
    )?;
    for sample in list_samples(&folder) {
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
            let mut times = Vec::with_capacity(TRACE_RUNS);
            let mut rules = 0;
            for _ in 0..TRACE_RUNS {
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
            times.sort();
            println!(
                "{}",
                report_line(
                    &format!("trace: {}/{} ({rules} rules)", sample.id, input.name),
                    &times
                )
            );
        }
    }
    Ok(())
}

fn report_line(name: &str, sorted: &[Duration]) -> String {
    let median = sorted[sorted.len() / 2];
    let mut line = String::new();
    let _ = write!(
        line,
        "{name}: median {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        median.as_secs_f64() * 1e3,
        sorted[0].as_secs_f64() * 1e3,
        sorted[sorted.len() - 1].as_secs_f64() * 1e3,
        sorted.len()
    );
    line
}

/// Builds `files` policy files with a test file each holding `tests`
/// tests, all in separate packages that import one shared library.
pub fn generated_suite(files: usize, tests: usize) -> Vec<PolicySource> {
    let mut policies = vec![PolicySource::new(
        "lib/strings.rego",
        "package lib.strings\n\nprefixed(s, p) if startswith(s, p)\n",
    )];
    for file in 0..files {
        let package = format!("bench.p{file}");
        policies.push(PolicySource::new(
            format!("p{file}/policy.rego"),
            format!(
                "package {package}\n\nimport data.lib.strings\n\ndeny contains msg if {{\n\tsome image in input.images\n\tnot strings.prefixed(image, \"registry.example.com/\")\n\tmsg := sprintf(\"image %s is not allowed\", [image])\n}}\n"
            ),
        ));
        let mut suite = format!("package {package}\n");
        for test in 0..tests {
            let _ = write!(
                suite,
                "\ntest_case_{test} if {{\n\tcount(deny) == {} with input as {{\"images\": [\"registry.example.com/a:{test}\", \"docker.io/b:{test}\"]}}\n}}\n",
                1
            );
        }
        policies.push(PolicySource::new(
            format!("p{file}/policy_test.rego"),
            suite,
        ));
    }
    policies
}
