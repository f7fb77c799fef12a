//! `policy-workshop drill check` and `drill list`: validating and listing
//! drill packs for their authors.

use std::path::Path;
use std::process::ExitCode;

use super::{DrillCommand, EXIT_ERROR};
use crate::drills::{Pack, load_pack, validate_drill};
use crate::worker::server::EVAL_STACK_BYTES;

/// Exit status when a drill has a problem.
const EXIT_FAILED: u8 = 1;

/// Runs a `drill` subcommand and returns its exit status: 0 when every
/// drill is valid, 1 when one has a problem, 2 when the path cannot be
/// read as a pack or a drill.
pub fn run(command: &DrillCommand) -> ExitCode {
    let (path, check) = match command {
        DrillCommand::Check { path } => (path, true),
        DrillCommand::List { path } => (path, false),
    };
    let pack = match open(path) {
        Ok(pack) => pack,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let failed = if check {
        // Checking evaluates policies, so it runs on a thread with the
        // worker's large stack, as `test` does.
        let checked = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("drill-check".to_string())
                .stack_size(EVAL_STACK_BYTES)
                .spawn_scoped(scope, || check_pack(&pack))
                .map(|handle| handle.join())
        });
        match checked {
            Ok(Ok(failed)) => failed,
            _ => {
                eprintln!("error: the drill check failed unexpectedly");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    } else {
        list_pack(&pack)
    };
    if failed {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

fn open(path: &Path) -> Result<Pack, String> {
    if !path.is_dir() {
        return Err(format!(
            "{} is not a folder; give a drill folder (with drill.toml) or a pack folder (with pack.toml)",
            path.display()
        ));
    }
    load_pack(path).map_err(|error| error.to_string())
}

/// Prints one line per drill and the problems under it; returns true when
/// a drill has a problem.
fn check_pack(pack: &Pack) -> bool {
    println!("Checking {} ({})", pack.title, pack.folder.display());
    let mut passed = 0;
    let mut failed = 0;
    for entry in &pack.drills {
        let drill = match entry {
            Ok(drill) => drill,
            Err(error) => {
                println!("FAIL  {error}");
                failed += 1;
                continue;
            }
        };
        let problems = validate_drill(drill);
        if problems.is_empty() {
            println!(
                "ok    {} ({}, {})",
                drill.id,
                drill.level.name(),
                drill.topic
            );
            passed += 1;
            continue;
        }
        failed += 1;
        for problem in problems {
            println!("FAIL  {problem}");
        }
    }
    if pack.drills.is_empty() {
        println!(
            "FAIL  pack: {}: the pack has no drill folders",
            pack.folder.display()
        );
        failed += 1;
    }
    println!("{passed} passed, {failed} failed");
    failed > 0
}

/// Prints a table of the drills; returns true when a drill cannot be loaded.
fn list_pack(pack: &Pack) -> bool {
    println!("{}", pack.title);
    if !pack.author.is_empty() {
        println!("by {}", pack.author);
    }
    let mut failed = false;
    for (index, entry) in pack.drills.iter().enumerate() {
        match entry {
            Ok(drill) => println!(
                "{:>3}. {:<32} {:<13} {:<28} {}",
                index + 1,
                drill.id,
                drill.level.name(),
                drill.topic,
                drill.title
            ),
            Err(error) => {
                println!("{:>3}. cannot load: {error}", index + 1);
                failed = true;
            }
        }
    }
    failed
}
