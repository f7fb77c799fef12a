//! `policy-workshop bench`: fixed workloads timed on this machine. Every
//! figure prints as one line with its median, minimum, maximum and, where
//! the figure has one, its target.

mod keystroke;
mod large;
mod plan;
mod startup;
mod suite;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::{BenchArgs, EXIT_ERROR};
use crate::engine::PolicySource;
use crate::worker::{EvalReply, EvalRequest, Supervisor, SupervisorEvent};
use crate::workspace::Workspace;

/// The groups `--only` selects, in the order they run.
pub const GROUPS: [&str; 7] = [
    "tests",
    "trace",
    "keystroke",
    "large",
    "frame",
    "startup",
    "memory",
];

/// Runs the selected groups and prints one line per figure.
pub fn run(args: &BenchArgs) -> ExitCode {
    if cfg!(debug_assertions) {
        eprintln!(
            "note: this is a debug build, so the figures are far slower than a release \
             build's; run `cargo run --release -- bench` for comparable figures"
        );
    }
    let selected = |group: &str| args.only.is_empty() || args.only.iter().any(|g| g == group);
    let runs = |default: usize| args.runs.map_or(default, |runs| runs as usize);
    let mut plans = Plans::default();
    let outcome = (|| -> anyhow::Result<()> {
        if selected("tests") {
            suite::test_runs(runs(10))?;
        }
        if selected("trace") {
            suite::traces(runs(21))?;
        }
        if selected("keystroke") {
            println!(
                "keystroke figures start when a request leaves the window, after its {} ms \
                 pause for typing; figures without a target are for information",
                crate::ui::app::DEBOUNCE.as_millis()
            );
            keystroke::run(runs(21))?;
        }
        if selected("large") {
            large::run(&mut plans, runs(3), runs(11))?;
        }
        if selected("frame") {
            large::frames(&mut plans, runs(60))?;
        }
        if selected("startup") {
            startup::first_frame(runs(7))?;
        }
        if selected("memory") {
            startup::peak_memory(&mut plans)?;
        }
        Ok(())
    })();
    plans.remove();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Generated plans, written once per run into a temporary folder that is
/// removed at the end.
#[derive(Default)]
struct Plans {
    folder: Option<PathBuf>,
    /// Size in MB, path and expected deny messages of each plan written.
    written: Vec<(usize, PathBuf, usize)>,
}

impl Plans {
    /// Returns the path of the plan of `megabytes` MB, writing it first.
    fn path(&mut self, megabytes: usize) -> anyhow::Result<PathBuf> {
        if let Some((_, path, _)) = self.written.iter().find(|(size, ..)| *size == megabytes) {
            return Ok(path.clone());
        }
        let folder = match &self.folder {
            Some(folder) => folder.clone(),
            None => {
                let folder = std::env::temp_dir()
                    .join(format!("policy-workshop-bench-{}", std::process::id()));
                std::fs::create_dir_all(&folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
                self.folder = Some(folder.clone());
                folder
            }
        };
        let plan = plan::terraform_plan(megabytes * 1_000_000);
        let path = folder.join(format!("plan-{megabytes}mb.json"));
        std::fs::write(&path, &plan.text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!(
            "generated {}: {:.1} MB, {} resource changes, {} expected deny messages",
            path.display(),
            plan.text.len() as f64 / 1e6,
            plan.resources,
            plan.expected_denies
        );
        self.written
            .push((megabytes, path.clone(), plan.expected_denies));
        Ok(path)
    }

    /// Returns the deny messages the sample policy finds in a written plan.
    fn expected_denies(&self, megabytes: usize) -> usize {
        self.written
            .iter()
            .find(|(size, ..)| *size == megabytes)
            .map_or(0, |(.., denies)| *denies)
    }

    /// Removes the folder, unless `POLICY_WORKSHOP_BENCH_KEEP_PLANS` is set
    /// to keep the plans for profiling.
    fn remove(&mut self) {
        if std::env::var_os("POLICY_WORKSHOP_BENCH_KEEP_PLANS").is_some() {
            if let Some(folder) = &self.folder {
                println!("kept the generated plans in {}", folder.display());
            }
            return;
        }
        if let Some(folder) = self.folder.take()
            && let Err(error) = std::fs::remove_dir_all(&folder)
        {
            eprintln!("warning: cannot remove {}: {error}", folder.display());
        }
    }
}

/// Prints one figure: the median, minimum and maximum of `times`, and
/// whether the median meets `target`.
fn report(name: &str, times: &mut [Duration], target: Option<Duration>) {
    times.sort();
    println!("{}", report_line(name, times, target));
}

fn report_line(name: &str, sorted: &[Duration], target: Option<Duration>) -> String {
    let median = sorted[sorted.len() / 2];
    let mut line = String::new();
    let _ = write!(
        line,
        "{name}: median {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        milliseconds(median),
        milliseconds(sorted[0]),
        milliseconds(sorted[sorted.len() - 1]),
        sorted.len()
    );
    if let Some(target) = target {
        let verdict = if median < target { "met" } else { "NOT MET" };
        let _ = write!(line, "; target < {:.0} ms: {verdict}", milliseconds(target));
    }
    line
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// When the parts of one request arrived, measured from when it was sent.
struct Timed {
    reply: EvalReply,
    /// When the worker reported that it had loaded the documents.
    evaluating: Option<Duration>,
    /// When the result arrived.
    replied: Duration,
    /// When the trace and test run arrived.
    completed: Duration,
}

/// Waits for the reply to `revision`, sent at `sent`, and for the trace
/// and test run that follow it. Every request of the bench asks for them.
fn await_reply(supervisor: &Supervisor, revision: u64, sent: Instant) -> anyhow::Result<Timed> {
    let limit = sent + Duration::from_secs(300);
    let mut evaluating = None;
    let mut result = None;
    while Instant::now() < limit {
        match supervisor.wait(Duration::from_millis(500)) {
            Some(SupervisorEvent::Progress {
                revision: at,
                stage: crate::worker::protocol::Stage::Evaluating,
                ..
            }) if at == revision => evaluating = Some(sent.elapsed()),
            Some(SupervisorEvent::Reply(reply)) if reply.revision == revision => {
                result = Some((*reply, sent.elapsed()));
            }
            Some(SupervisorEvent::Details(details)) if details.revision == revision => {
                let (reply, replied) = result
                    .take()
                    .context("the trace and tests came before the result")?;
                return Ok(Timed {
                    reply,
                    evaluating,
                    replied,
                    completed: sent.elapsed(),
                });
            }
            Some(SupervisorEvent::Restarted { reason }) => {
                anyhow::bail!("the worker was restarted during revision {revision}: {reason}")
            }
            _ => {}
        }
    }
    anyhow::bail!("no reply for revision {revision} within 300 s")
}

/// Returns the request the window sends after an edit of a policy: the
/// policies and no other document, asking for the trace and the tests.
fn edit_request(workspace: &Workspace, revision: u64, policies: &[PolicySource]) -> EvalRequest {
    EvalRequest {
        revision,
        policies: Some(policies.to_vec()),
        input: None,
        data: None,
        query: workspace.query.clone(),
        options: workspace.options.clone(),
        run_tests: true,
        coverage: false,
        trace: true,
        scenarios: None,
        drill: None,
        whole_value: false,
    }
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
