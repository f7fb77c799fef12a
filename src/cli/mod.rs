//! Headless commands: the command line shares the engine with the window
//! and prints results in the shapes OPA's own commands use.

pub mod bench;
pub mod drill;
pub mod eval;
pub mod test;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status when the command could not run (bad arguments, unreadable
/// files, invalid policies, evaluation errors).
pub const EXIT_ERROR: u8 = 2;

/// Command-line arguments of the `policy-workshop` binary.
#[derive(Debug, Parser)]
#[command(
    name = "policy-workshop",
    version,
    args_conflicts_with_subcommands = true,
    about = "Learn, teach and debug Rego policies",
    long_about = "Learn, teach and debug Rego policies.\n\n\
                  Without a command, opens the window with the Kubernetes sample loaded."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Folders or files to open in the window: every .rego file, data files
    /// placed as `opa eval -d` places them, and inputs (input.json,
    /// *.input.json, files under inputs/).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Sample to open in the window, by folder name (see the Samples menu).
    #[arg(long, value_name = "NAME")]
    pub sample: Option<String>,

    /// JSON or YAML file to open in the window as the first input.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Open the window with the built-in drill pack.
    #[arg(long)]
    pub drills: bool,

    /// Open the window with the drill pack (or single drill) in this folder.
    #[arg(long, value_name = "FOLDER", conflicts_with = "drills")]
    pub pack: Option<PathBuf>,

    /// Start in workshop mode: larger text and a high-contrast light theme.
    #[arg(long)]
    pub workshop: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a query, as `opa eval` does.
    Eval(EvalArgs),
    /// Run the `test_` rules in Rego files, as `opa test` does.
    Test(TestArgs),
    /// Validate or list guided drills.
    #[command(subcommand)]
    Drill(DrillCommand),
    /// Time fixed workloads and print the medians.
    Bench(BenchArgs),
    /// Serve evaluation requests on stdin and stdout for the window.
    #[command(hide = true)]
    Worker(WorkerArgs),
}

/// Output formats of `test`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// The text `opa test` prints.
    #[default]
    Pretty,
    /// The JSON `opa test --format json` prints.
    Json,
}

/// Arguments of `test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Rego files, data files or folders to load (default: the current folder).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Print every test, not only those that did not pass.
    #[arg(short, long)]
    pub verbose: bool,

    /// Run only tests whose path (such as data.pkg.test_name) matches this regular expression.
    #[arg(short, long, value_name = "REGEX")]
    pub run: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = TestFormat::Pretty)]
    pub format: TestFormat,

    /// Report line coverage of the policies under test.
    #[arg(short, long)]
    pub coverage: bool,

    /// Fail when coverage is below this percentage, 0 to 100 (implies --coverage).
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub threshold: Option<f64>,

    /// Parse policies as Rego v0 (rules without `if` and `contains`).
    #[arg(long)]
    pub v0_compatible: bool,

    /// Stop each test after this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
}

/// Arguments of `bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Run only this group of figures (repeatable): tests, trace,
    /// keystroke, large, frame, startup or memory.
    #[arg(long, value_name = "NAME", value_parser = bench::GROUPS)]
    pub only: Vec<String>,

    /// Timed runs of each figure, in place of each group's default.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: Option<u32>,
}

/// Subcommands of `drill`.
#[derive(Debug, Subcommand)]
pub enum DrillCommand {
    /// Validate a drill folder or a pack folder: manifests, files, hints,
    /// a starting policy that fails a check and a solution that passes all.
    Check {
        /// A drill folder (with drill.toml) or a pack folder (with pack.toml).
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
    /// List the drills of a pack or a drill folder.
    List {
        /// A drill folder (with drill.toml) or a pack folder (with pack.toml).
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
}

/// Arguments of the hidden `worker` command.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    /// Limit of the worker's memory, in MiB.
    #[arg(long, value_name = "MIB")]
    pub memory_limit_mb: Option<u64>,
}

/// Output formats of `eval`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The JSON document `opa eval --format json` prints.
    #[default]
    Json,
    /// The value alone, or `undefined`.
    Pretty,
}

/// Arguments of `eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Rego files, JSON or YAML data files, or folders of them (repeatable).
    #[arg(short = 'd', long = "data", value_name = "PATH")]
    pub data: Vec<PathBuf>,

    /// Input document, JSON or YAML.
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,

    /// Parse policies as Rego v0 (rules without `if` and `contains`).
    #[arg(long)]
    pub v0_compatible: bool,

    /// Make a failed builtin call an error instead of undefined.
    #[arg(long)]
    pub strict_builtin_errors: bool,

    /// Stop evaluation after this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,

    /// Explain the result: `fails` (rules that produced nothing and the
    /// statements that stopped them), `full` (every rule and statement) or
    /// `notes` (print() output).
    #[arg(long, value_name = "MODE", value_parser = ["fails", "full", "notes"])]
    pub explain: Option<String>,

    /// Limit of the process's memory in MiB; a policy that needs more
    /// stops with "memory allocation ... failed". Default: a quarter of
    /// the machine's memory, between 512 MiB and 8 GiB.
    #[arg(long, value_name = "MIB")]
    pub memory_limit_mb: Option<u64>,

    /// The query, such as `data.authz.allow`.
    pub query: String,
}

/// Parses a percentage between 0 and 100.
fn parse_percent(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("\"{text}\" is not a number; give a percentage such as 80"))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(format!("{text} is outside 0 to 100"));
    }
    Ok(value)
}
