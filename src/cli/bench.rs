//! `policy-workshop bench`: fixed workloads timed on this machine.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::EXIT_ERROR;
use crate::engine::PolicySource;
use crate::testing::{TestOptions, run_tests};

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
    ExitCode::SUCCESS
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
