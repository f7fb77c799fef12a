//! `policy-workshop test`: `opa test` on the bundled engine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Value as JsonValue, json};

use super::{EXIT_ERROR, TestArgs, TestFormat};
use crate::engine::{EvalOptions, to_engine_value};
use crate::testing::{Coverage, TestOptions, TestOutcome, TestRun, run_tests};
use crate::worker::server::EVAL_STACK_BYTES;
use crate::workspace::loader::load_paths;

/// Exit status when a test did not pass or coverage is below the threshold.
const EXIT_FAILED: u8 = 1;

const RULE: &str =
    "--------------------------------------------------------------------------------";

/// Runs `test` and returns the exit status: 0 when every test passed and
/// the threshold holds, 1 when not, 2 when the tests could not run.
pub fn run(args: &TestArgs) -> ExitCode {
    let run = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("tests".to_string())
            .stack_size(EVAL_STACK_BYTES)
            .spawn_scoped(scope, || load_and_run(args))
            .map(|handle| handle.join())
    });
    let run = match run {
        Ok(Ok(Ok(run))) => run,
        Ok(Ok(Err(message))) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_ERROR);
        }
        Ok(Err(_)) | Err(_) => {
            eprintln!("error: the test run failed unexpectedly");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let text = match args.format {
        TestFormat::Pretty => pretty(&run, args),
        TestFormat::Json => json_output(&run),
    };
    print!("{text}");
    let below_threshold = match (args.threshold, &run.coverage) {
        (Some(threshold), Some(coverage)) => coverage.percent() < threshold,
        _ => false,
    };
    if below_threshold {
        eprintln!(
            "Code coverage threshold not met: got {:.2} instead of {:.2}",
            run.coverage.as_ref().map_or(0.0, Coverage::percent),
            args.threshold.unwrap_or_default()
        );
    }
    if run.all_passed() && !below_threshold {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

fn load_and_run(args: &TestArgs) -> Result<TestRun, String> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let loaded = load_paths(&paths).map_err(|error| format!("{error:#}"))?;
    let filter = args
        .run
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .map_err(|error| format!("invalid --run pattern: {error}"))?;
    let options = TestOptions {
        filter,
        coverage: args.coverage || args.threshold.is_some(),
        eval: EvalOptions {
            rego_v0: args.v0_compatible,
            strict_builtin_errors: false,
            time_limit_ms: args.timeout_ms,
        },
    };
    let data = to_engine_value(&loaded.data).map_err(|error| error.to_string())?;
    run_tests(&loaded.policies, Some(&data), &options).map_err(|error| error.to_string())
}

/// Formats a duration as Go does in `opa test`: 1.234ms, 56.7µs.
fn go_duration(duration: std::time::Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos >= 1_000_000_000 {
        format!("{:.3}s", duration.as_secs_f64())
    } else if nanos >= 1_000_000 {
        format!("{:.3}ms", nanos as f64 / 1e6)
    } else if nanos >= 1_000 {
        format!("{:.1}µs", nanos as f64 / 1e3)
    } else {
        format!("{nanos}ns")
    }
}

fn pretty(run: &TestRun, args: &TestArgs) -> String {
    let mut out = String::new();
    let failed: Vec<_> = run
        .results
        .iter()
        .filter(|r| matches!(r.outcome, TestOutcome::Fail | TestOutcome::Error(_)))
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "FAILURES\n{RULE}");
        for result in &failed {
            let _ = writeln!(
                out,
                "{}: {} ({})\n",
                result.case.path(),
                result.outcome.label(),
                go_duration(result.duration)
            );
            let _ = writeln!(
                out,
                "  {}:{}: {}",
                result.case.file, result.case.line, result.case.name
            );
            match &result.outcome {
                TestOutcome::Error(error) => {
                    let _ = writeln!(out, "  {}: {error}", error.kind.opa_code(&error.message));
                }
                _ => match &result.failed_statement {
                    Some(statement) => {
                        let _ = writeln!(
                            out,
                            "  the test is undefined or false: this statement at {}:{} did not hold:",
                            result.case.file, statement.line
                        );
                        for line in statement.text.lines() {
                            let _ = writeln!(out, "    {line}");
                        }
                        for (operand, value) in &statement.values {
                            let _ = writeln!(out, "    {operand} = {value}");
                        }
                        if let Some(note) = &statement.note {
                            let _ = writeln!(out, "    note: {note}");
                        }
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "  the test is undefined or false: a statement in its body did not hold"
                        );
                    }
                },
            }
            for line in &result.prints {
                let _ = writeln!(out, "  print: {line}");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "SUMMARY\n{RULE}");
    }
    let mut by_file: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for result in &run.results {
        let shown = args.verbose || !matches!(result.outcome, TestOutcome::Pass);
        if shown {
            by_file
                .entry(result.case.file.as_str())
                .or_default()
                .push(result);
        }
    }
    for (file, results) in &by_file {
        let _ = writeln!(out, "{file}:");
        for result in results {
            let _ = writeln!(
                out,
                "{}: {} ({})",
                result.case.path(),
                result.outcome.label(),
                go_duration(result.duration)
            );
        }
        out.push('\n');
    }
    if let Some(coverage) = &run.coverage {
        let _ = writeln!(out, "Coverage (per line):");
        for file in &coverage.files {
            let _ = writeln!(out, "  {}: {:.2}%", file.file, file.percent());
        }
        let _ = writeln!(out, "  total: {:.2}%", coverage.percent());
    }
    let total = run.results.len();
    let _ = writeln!(out, "{RULE}");
    for label in ["PASS", "FAIL", "ERROR", "SKIPPED"] {
        let count = run.count(label);
        if count > 0 || (label == "PASS" && total == 0) {
            let _ = writeln!(out, "{label}: {count}/{total}");
        }
    }
    out
}

/// Builds the JSON `opa test --format json` prints, or with coverage the
/// report `opa test --coverage` prints.
fn json_output(run: &TestRun) -> String {
    let value = match &run.coverage {
        Some(coverage) => coverage_json(coverage),
        None => JsonValue::Array(run.results.iter().map(result_json).collect()),
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn result_json(result: &crate::testing::TestResult) -> JsonValue {
    let mut entry = json!({
        "location": {"file": result.case.file, "row": result.case.line, "col": 1},
        "package": result.case.package,
        "name": result.case.name,
        "duration": result.duration.as_nanos() as u64,
    });
    match &result.outcome {
        TestOutcome::Pass => {}
        TestOutcome::Fail => entry["fail"] = json!(true),
        TestOutcome::Skipped => entry["skip"] = json!(true),
        TestOutcome::Error(error) => {
            let mut detail =
                json!({"code": error.kind.opa_code(&error.message), "message": error.message});
            if let Some(location) = &error.location {
                detail["location"] =
                    json!({"file": location.file, "row": location.line, "col": location.column});
            }
            entry["error"] = detail;
        }
    }
    if !result.prints.is_empty() {
        entry["output"] = json!(result.prints.join("\n"));
    }
    entry
}

/// Turns sets of lines into OPA's ranges of consecutive rows.
fn ranges(lines: &std::collections::BTreeSet<u32>) -> JsonValue {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for &line in lines {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == line => *end = line,
            _ => ranges.push((line, line)),
        }
    }
    JsonValue::Array(
        ranges
            .into_iter()
            .map(|(start, end)| json!({"start": {"row": start}, "end": {"row": end}}))
            .collect(),
    )
}

fn coverage_json(coverage: &Coverage) -> JsonValue {
    let mut files = serde_json::Map::new();
    for file in &coverage.files {
        files.insert(
            file.file.clone(),
            json!({
                "covered": ranges(&file.covered),
                "not_covered": ranges(&file.not_covered),
                "covered_lines": file.covered.len(),
                "not_covered_lines": file.not_covered.len(),
                "coverage": (file.percent() * 100.0).round() / 100.0,
            }),
        );
    }
    let covered: usize = coverage.files.iter().map(|f| f.covered.len()).sum();
    let not_covered: usize = coverage.files.iter().map(|f| f.not_covered.len()).sum();
    json!({
        "files": files,
        "covered_lines": covered,
        "not_covered_lines": not_covered,
        "coverage": (coverage.percent() * 100.0).round() / 100.0,
    })
}
