use std::process::ExitCode;

use clap::Parser;
use policy_workshop::cli::{self, Cli, Command};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Eval(args)) => cli::eval::run(args),
        None => policy_workshop::ui::run(cli.sample.as_deref()),
    }
}
