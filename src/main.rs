use std::process::ExitCode;

use clap::Parser;
use policy_workshop::cli::{self, Cli, Command};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp_millis()
        .init();
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Eval(args)) => cli::eval::run(args),
        Some(Command::Test(args)) => cli::test::run(args),
        Some(Command::Drill(command)) => cli::drill::run(command),
        Some(Command::Bench(args)) => cli::bench::run(args),
        Some(Command::Worker(args)) => policy_workshop::worker::server::run(args.memory_limit_mb),
        None => policy_workshop::ui::run(&policy_workshop::ui::StartOptions {
            paths: cli.paths.clone(),
            sample: cli.sample.clone(),
            input: cli.input.clone(),
            drills: cli.drills,
            pack: cli.pack.clone(),
            workshop: cli.workshop,
        }),
    }
}
