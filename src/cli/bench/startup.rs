//! Figures of this binary started as a window: the time to its first
//! painted frame, and peak memory with the 50 MB plan open. Both need a
//! display; without one they print why they were skipped.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::{Plans, report};
use crate::ui::app::BENCH_EXIT_VARIABLE;

/// Target from starting the process to its first painted frame.
const STARTUP_TARGET: Duration = Duration::from_millis(500);

/// Returns why the window cannot open here, or `None` when it can.
fn no_display() -> Option<&'static str> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        None
    } else {
        Some("neither DISPLAY nor WAYLAND_DISPLAY is set; run under X11, Wayland or Xvfb")
    }
}

/// Starts the window with `args` and the bench variable set to `mode`, and
/// returns the line it prints with the time since the start.
fn launch(args: &[&str], mode: &str) -> anyhow::Result<(String, Duration)> {
    let program = std::env::current_exe()?;
    let started = Instant::now();
    let mut child = Command::new(&program)
        .args(args)
        .env(BENCH_EXIT_VARIABLE, mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let stdout = child
        .stdout
        .take()
        .context("the window started without stdout")?;
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|line| line.starts_with("bench:"));
    let elapsed = started.elapsed();
    // The window closes itself after printing; wait for it so runs do not
    // overlap, and stop it if it does not close.
    let limit = Instant::now() + Duration::from_secs(20);
    while child.try_wait()?.is_none() {
        if Instant::now() > limit {
            child.kill()?;
            child.wait()?;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let line = line.with_context(|| {
        format!(
            "the window printed no bench line; run `{} {}` to see why",
            program.display(),
            args.join(" ")
        )
    })?;
    Ok((line, elapsed))
}

/// Times the release binary from process start to the first painted frame.
pub(super) fn first_frame(runs: usize) -> anyhow::Result<()> {
    if let Some(reason) = no_display() {
        println!("start-up to first frame: skipped, {reason}");
        return Ok(());
    }
    // One run first, so the binary and libraries are in the page cache.
    launch(&[], "first-frame")?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (_, elapsed) = launch(&[], "first-frame")?;
        times.push(elapsed);
    }
    report("start-up to first frame", &mut times, Some(STARTUP_TARGET));
    Ok(())
}

/// Opens the window with the 50 MB plan as input and reports the peak
/// resident memory of the window and the worker after the first result.
pub(super) fn peak_memory(plans: &mut Plans) -> anyhow::Result<()> {
    if let Some(reason) = no_display() {
        println!("peak memory with the 50 MB input: skipped, {reason}");
        return Ok(());
    }
    let path = plans.path(50)?;
    let path = path.to_string_lossy();
    let args = ["--sample", "terraform-plan", "--input", &path];
    let (line, elapsed) = launch(&args, "first-result")?;
    let field = |name: &str| -> Option<f64> {
        let value = line
            .split_whitespace()
            .find_map(|word| word.strip_prefix(name))?;
        value.parse::<f64>().ok()
    };
    let (Some(window), Some(worker)) = (field("window-vmhwm-kib="), field("worker-vmhwm-kib="))
    else {
        anyhow::bail!("the window printed an unexpected line: {line}");
    };
    println!(
        "start-up with the 50 MB input to first result: {:.0} ms (1 run)",
        elapsed.as_secs_f64() * 1e3
    );
    println!(
        "peak resident memory (VmHWM) with the 50 MB input: window {:.0} MiB, worker {:.0} MiB",
        window / 1024.0,
        worker / 1024.0
    );
    Ok(())
}
