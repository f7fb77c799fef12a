//! The supervisor: owns the worker process on a thread of the window's
//! process, forwards the newest request, enforces the deadline and
//! restarts the worker when it dies, reporting why in plain words.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::protocol::{EvalDetails, EvalFailure, EvalReply, EvalRequest, Stage, WireReply};
use crate::drills::DrillSpec;
use crate::engine::{DEFAULT_TIME_LIMIT, EvalOptions, PolicySource};

/// Time a worker may spend parsing one large document.
const LOADING_DEADLINE: Duration = Duration::from_secs(120);

/// Requests carrying this many bytes of documents get the loading deadline.
const LARGE_REQUEST_BYTES: usize = 1 << 20;

/// Extra time after the deadline before the worker is killed, so that
/// regorus's own time limit (set to the deadline) can report first.
const GRACE: Duration = Duration::from_millis(300);

/// Time a worker that closed its output gets to exit before it is killed.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// Lines of the worker's stderr kept to explain a crash.
const STDERR_LINES: usize = 40;

/// Text in a worker's stderr that names why it crashed.
const CRASH_MARKERS: [&str; 3] = [
    "memory allocation of",
    "overflowed its stack",
    "panicked at",
];

/// How to start and police the worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisorConfig {
    /// The program to start, normally this binary.
    pub program: PathBuf,
    /// Arguments before the ones the supervisor adds (`worker` and the limit).
    pub args: Vec<String>,
    /// Maximum time one evaluation may take.
    pub deadline: Duration,
    /// Memory limit of the worker process in MiB.
    pub memory_limit_mb: u64,
}

impl SupervisorConfig {
    /// Creates a configuration that starts `program worker` with the default
    /// deadline and a memory limit sized from the machine's memory.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        SupervisorConfig {
            program: program.into(),
            args: Vec::new(),
            deadline: DEFAULT_TIME_LIMIT,
            memory_limit_mb: default_memory_limit_mb(),
        }
    }

    /// Creates a configuration that starts the running executable.
    pub fn current_exe() -> std::io::Result<Self> {
        Ok(Self::new(std::env::current_exe()?))
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .args([
                "worker",
                "--memory-limit-mb",
                &self.memory_limit_mb.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }
}

/// Returns a quarter of the machine's memory, between 512 MiB and 8 GiB,
/// or 2 GiB when the total cannot be read.
pub fn default_memory_limit_mb() -> u64 {
    let total_mb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|line| line.starts_with("MemTotal:"))?;
            let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kilobytes / 1024)
        });
    total_mb.map_or(2048, |total| (total / 4).clamp(512, 8192))
}

/// Returns the peak resident memory (VmHWM) in KiB of the process `pid`,
/// or of this process for `None`; `None` where `/proc` cannot be read.
pub fn peak_resident_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_string(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// An event the supervisor reports to the UI.
#[derive(Clone, Debug, PartialEq)]
pub enum SupervisorEvent {
    /// The result for a revision, or why there is none.
    Reply(Box<EvalReply>),
    /// The trace and test run for a revision, after its result.
    Details(Box<EvalDetails>),
    /// The worker started a slow step for a revision.
    Progress {
        revision: u64,
        stage: Stage,
        bytes: Option<usize>,
    },
    /// The worker was stopped or died and a new one was started.
    Restarted { reason: String },
}

enum Inbox {
    Request(Box<EvalRequest>),
    Line { generation: u64, line: String },
    Closed { generation: u64 },
    Shutdown,
}

/// The UI's handle on the supervisor thread.
pub struct Supervisor {
    inbox: Sender<Inbox>,
    events: Receiver<SupervisorEvent>,
    worker_pid: Arc<AtomicU32>,
    stopped_peak_kib: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("worker_pid", &self.worker_pid())
            .finish()
    }
}

impl Supervisor {
    /// Starts the supervisor thread and the first worker. `notify` runs
    /// after each event (the window passes a repaint request).
    pub fn spawn(config: SupervisorConfig, notify: impl Fn() + Send + 'static) -> Self {
        let (inbox_sender, inbox) = mpsc::channel();
        let (event_sender, events) = mpsc::channel();
        let worker_pid = Arc::new(AtomicU32::new(0));
        let stopped_peak_kib = Arc::new(AtomicU64::new(0));
        let mut state = SupervisorState {
            config,
            inbox,
            inbox_sender: inbox_sender.clone(),
            events: event_sender,
            notify: Box::new(notify),
            worker_pid: worker_pid.clone(),
            stopped_peak_kib: stopped_peak_kib.clone(),
            documents: Documents::default(),
            worker: None,
            generation: 0,
        };
        let thread = thread::Builder::new()
            .name("supervisor".to_string())
            .spawn(move || state.run())
            .map_err(|error| log::error!("cannot start the supervisor thread: {error}"))
            .ok();
        Supervisor {
            inbox: inbox_sender,
            events,
            worker_pid,
            stopped_peak_kib,
            thread,
        }
    }

    /// Queues a request; only the newest queued one is evaluated.
    pub fn send(&self, request: EvalRequest) {
        if self.inbox.send(Inbox::Request(Box::new(request))).is_err() {
            log::error!("the supervisor thread has stopped; results will not update");
        }
    }

    /// Returns the events that arrived since the last call.
    pub fn poll(&self) -> Vec<SupervisorEvent> {
        self.events.try_iter().collect()
    }

    /// Waits up to `timeout` for the next event.
    pub fn wait(&self, timeout: Duration) -> Option<SupervisorEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Returns the process id of the running worker, if one is running.
    pub fn worker_pid(&self) -> Option<u32> {
        match self.worker_pid.load(Ordering::SeqCst) {
            0 => None,
            pid => Some(pid),
        }
    }

    /// Returns the highest peak resident memory (VmHWM) in KiB of the
    /// workers this supervisor ran: the running one, and those it stopped
    /// or killed. `None` where `/proc` cannot be read.
    pub fn worker_peak_kib(&self) -> Option<u64> {
        let running = self
            .worker_pid()
            .and_then(|pid| peak_resident_kib(Some(pid)));
        let stopped = self.stopped_peak_kib.load(Ordering::SeqCst);
        match (running, stopped) {
            (None, 0) => None,
            (running, stopped) => Some(running.unwrap_or(0).max(stopped)),
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        let _ = self.inbox.send(Inbox::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The newest full documents, with a version each, so the supervisor can
/// tell what a worker has already received.
#[derive(Default)]
struct Documents {
    policies: Vec<PolicySource>,
    input: String,
    data: String,
    scenarios: Vec<(String, String)>,
    versions: [u64; 4],
}

impl Documents {
    /// Takes the changed documents out of a request, leaving `None` behind.
    fn merge(&mut self, request: &mut EvalRequest) {
        if let Some(policies) = request.policies.take() {
            self.policies = policies;
            self.versions[0] += 1;
        }
        if let Some(input) = request.input.take() {
            self.input = input;
            self.versions[1] += 1;
        }
        if let Some(data) = request.data.take() {
            self.data = data;
            self.versions[2] += 1;
        }
        if let Some(scenarios) = request.scenarios.take() {
            self.scenarios = scenarios;
            self.versions[3] += 1;
        }
    }
}

/// The parts of the newest request that are not documents.
struct Pending {
    revision: u64,
    query: String,
    options: EvalOptions,
    run_tests: bool,
    coverage: bool,
    trace: bool,
    drill: Option<DrillSpec>,
    whole_value: bool,
}

impl Pending {
    /// Whether the worker sends the trace and tests after the result.
    fn wants_details(&self) -> bool {
        self.trace || self.run_tests
    }
}

struct Worker {
    generation: u64,
    child: Child,
    stdin: ChildStdin,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    stderr_thread: Option<JoinHandle<()>>,
    /// Versions of the documents this worker has received.
    sent: [u64; 4],
}

struct SupervisorState {
    config: SupervisorConfig,
    inbox: Receiver<Inbox>,
    inbox_sender: Sender<Inbox>,
    events: Sender<SupervisorEvent>,
    notify: Box<dyn Fn() + Send>,
    worker_pid: Arc<AtomicU32>,
    /// The highest peak memory of the workers stopped so far, in KiB.
    stopped_peak_kib: Arc<AtomicU64>,
    documents: Documents,
    worker: Option<Worker>,
    generation: u64,
}

/// The outcome of waiting for a reply.
enum Wait {
    Replied,
    Failed(String),
    /// The result came, but the worker stopped while building the trace
    /// or running the tests.
    DetailsFailed(String),
    Shutdown,
}

impl SupervisorState {
    fn run(&mut self) {
        self.start_worker();
        let mut pending: Option<Pending> = None;
        loop {
            let current = match pending.take() {
                Some(current) => current,
                None => match self.next_request() {
                    Some(current) => current,
                    None => break,
                },
            };
            match self.evaluate(&current, &mut pending) {
                Wait::Replied => {}
                Wait::Shutdown => break,
                Wait::Failed(reason) => self.report_failure(current.revision, reason),
                Wait::DetailsFailed(reason) => {
                    self.report_details_failure(current.revision, reason)
                }
            }
        }
        self.stop_worker();
    }

    /// Blocks until a request arrives; `None` on shutdown.
    fn next_request(&mut self) -> Option<Pending> {
        loop {
            match self.inbox.recv() {
                Ok(Inbox::Request(request)) => return Some(self.take_request(*request)),
                Ok(Inbox::Line { .. } | Inbox::Closed { .. }) => {}
                Ok(Inbox::Shutdown) | Err(_) => return None,
            }
        }
    }

    fn take_request(&mut self, mut request: EvalRequest) -> Pending {
        self.documents.merge(&mut request);
        Pending {
            revision: request.revision,
            query: request.query,
            options: request.options,
            run_tests: request.run_tests,
            trace: request.trace,
            coverage: request.coverage,
            drill: request.drill,
            whole_value: request.whole_value,
        }
    }

    /// Sends one request and waits for its reply, keeping requests that
    /// arrive meanwhile in `pending` (the newest wins).
    fn evaluate(&mut self, current: &Pending, pending: &mut Option<Pending>) -> Wait {
        if self.worker.is_none() && !self.start_worker() {
            return Wait::Failed(
                "the evaluator could not be started; see the log for the error".to_string(),
            );
        }
        let document_bytes = match self.send_to_worker(current) {
            Ok(bytes) => bytes,
            Err(error) => {
                log::warn!("cannot send a request to the worker: {error}");
                return Wait::Failed(self.collect_exit());
            }
        };

        log::debug!(
            "sent revision {} ({document_bytes} bytes of documents)",
            current.revision
        );

        // Reading and parsing large documents is not evaluation: the
        // deadline starts when the worker reports that it evaluates.
        let first_wait = if document_bytes >= LARGE_REQUEST_BYTES {
            LOADING_DEADLINE
        } else {
            self.config.deadline + GRACE
        };
        let mut deadline = Instant::now() + first_wait;
        let mut result_sent = false;
        let failed = |result_sent: bool, reason| {
            if result_sent {
                Wait::DetailsFailed(reason)
            } else {
                Wait::Failed(reason)
            }
        };
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let message = match self.inbox.recv_timeout(remaining) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => {
                    return failed(result_sent, self.kill_for_deadline());
                }
                Err(RecvTimeoutError::Disconnected) => return Wait::Shutdown,
            };
            let generation = self.worker.as_ref().map_or(0, |worker| worker.generation);
            match message {
                Inbox::Request(request) => *pending = Some(self.take_request(*request)),
                Inbox::Shutdown => return Wait::Shutdown,
                Inbox::Closed { generation: closed } if closed == generation => {
                    return failed(result_sent, self.collect_exit());
                }
                Inbox::Line {
                    generation: from,
                    line,
                } if from == generation => {
                    let Ok(reply) = serde_json::from_str::<WireReply>(&line) else {
                        log::warn!(
                            "ignored an invalid line from the worker: {}",
                            truncate(&line)
                        );
                        continue;
                    };
                    match reply {
                        WireReply::Progress {
                            revision,
                            stage,
                            bytes,
                        } => {
                            deadline = Instant::now()
                                + match stage {
                                    Stage::Evaluating | Stage::Tracing | Stage::Checking => {
                                        self.config.deadline + GRACE
                                    }
                                    Stage::LoadingInput | Stage::LoadingData => LOADING_DEADLINE,
                                };
                            self.emit(SupervisorEvent::Progress {
                                revision,
                                stage,
                                bytes,
                            });
                        }
                        WireReply::Result(reply) => {
                            self.emit(SupervisorEvent::Reply(reply));
                            if !current.wants_details() {
                                return Wait::Replied;
                            }
                            result_sent = true;
                            // The trace and tests follow; they get a
                            // deadline of their own.
                            deadline = Instant::now() + self.config.deadline + GRACE;
                        }
                        WireReply::Details(details) => {
                            self.emit(SupervisorEvent::Details(details));
                            return Wait::Replied;
                        }
                    }
                }
                Inbox::Line { .. } | Inbox::Closed { .. } => {}
            }
        }
    }

    /// Sends a request with the documents the worker lacks; returns their size.
    fn send_to_worker(&mut self, current: &Pending) -> std::io::Result<usize> {
        let Some(worker) = self.worker.as_mut() else {
            return Err(std::io::Error::other("no worker is running"));
        };
        let versions = self.documents.versions;
        let request = EvalRequest {
            revision: current.revision,
            policies: (worker.sent[0] != versions[0]).then(|| self.documents.policies.clone()),
            input: (worker.sent[1] != versions[1]).then(|| self.documents.input.clone()),
            data: (worker.sent[2] != versions[2]).then(|| self.documents.data.clone()),
            scenarios: (worker.sent[3] != versions[3]).then(|| self.documents.scenarios.clone()),
            query: current.query.clone(),
            options: EvalOptions {
                // The engine stops itself at the deadline where it can; the
                // kill after the grace period covers the places it cannot.
                time_limit_ms: self.config.deadline.as_millis() as u64,
                ..current.options.clone()
            },
            run_tests: current.run_tests,
            trace: current.trace,
            coverage: current.coverage,
            drill: current.drill.clone(),
            whole_value: current.whole_value,
        };
        let document_bytes = request.input.as_ref().map_or(0, String::len)
            + request.data.as_ref().map_or(0, String::len)
            + request
                .scenarios
                .as_ref()
                .map_or(0, |s| s.iter().map(|(_, text)| text.len()).sum());
        let mut line = serde_json::to_vec(&request).map_err(std::io::Error::other)?;
        line.push(b'\n');
        worker.stdin.write_all(&line)?;
        worker.stdin.flush()?;
        worker.sent = versions;
        Ok(document_bytes)
    }

    fn start_worker(&mut self) -> bool {
        self.generation += 1;
        let generation = self.generation;
        let mut child = match self.config.command().spawn() {
            Ok(child) => child,
            Err(error) => {
                log::error!(
                    "cannot start the worker {}: {error}",
                    self.config.program.display()
                );
                return false;
            }
        };
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            log::error!("the worker started without pipes");
            let _ = child.kill();
            return false;
        };
        let sender = self.inbox_sender.clone();
        let reader = thread::Builder::new()
            .name("worker-stdout".to_string())
            .spawn(move || forward_stdout(stdout, generation, &sender));
        if let Err(error) = reader {
            log::error!("cannot start the worker's reader thread: {error}");
        }

        let stderr_tail = Arc::new(Mutex::new(VecDeque::<String>::new()));
        let tail = stderr_tail.clone();
        let stderr_thread = thread::Builder::new()
            .name("worker-stderr".to_string())
            .spawn(move || collect_stderr(stderr, &tail))
            .ok();

        log::info!(
            "started evaluation worker {} (pid {})",
            generation,
            child.id()
        );
        self.worker_pid.store(child.id(), Ordering::SeqCst);
        self.worker = Some(Worker {
            generation,
            child,
            stdin,
            stderr_tail,
            stderr_thread,
            sent: [0; 4],
        });
        true
    }

    /// Kills a worker that missed its deadline and returns the message for the user.
    fn kill_for_deadline(&mut self) -> String {
        if let Some(mut worker) = self.worker.take() {
            self.record_peak(&worker);
            let _ = worker.child.kill();
            let _ = worker.child.wait();
        }
        self.worker_pid.store(0, Ordering::SeqCst);
        format!(
            "evaluation stopped after {}",
            format_seconds(self.config.deadline)
        )
    }

    /// Waits for a worker that closed its output and explains how it ended.
    fn collect_exit(&mut self) -> String {
        let Some(mut worker) = self.worker.take() else {
            return "the evaluator is not running".to_string();
        };
        self.worker_pid.store(0, Ordering::SeqCst);
        let status = wait_or_kill(&mut worker.child, EXIT_WAIT);
        if let Some(thread) = worker.stderr_thread.take() {
            let _ = thread.join();
        }
        let stderr: Vec<String> = worker
            .stderr_tail
            .lock()
            .map(|tail| tail.iter().cloned().collect())
            .unwrap_or_default();
        match status {
            Ok(status) => describe_exit(status, &stderr, self.config.memory_limit_mb),
            Err(error) => format!("the evaluator stopped and its exit status is unknown: {error}"),
        }
    }

    fn report_failure(&mut self, revision: u64, reason: String) {
        log::warn!("restarting the evaluation worker after revision {revision}: {reason}");
        self.emit(SupervisorEvent::Restarted {
            reason: reason.clone(),
        });
        self.emit(SupervisorEvent::Reply(Box::new(EvalReply {
            revision,
            outcome: Err(EvalFailure::Worker(reason)),
            parsed: Vec::new(),
            view: None,
            elided: false,
        })));
        self.start_worker();
    }

    /// Reports a worker that stopped after sending a result: the result
    /// stays, and the details say why the trace and tests are missing.
    fn report_details_failure(&mut self, revision: u64, reason: String) {
        log::warn!(
            "restarting the evaluation worker during the trace of revision {revision}: {reason}"
        );
        self.emit(SupervisorEvent::Restarted {
            reason: reason.clone(),
        });
        self.emit(SupervisorEvent::Details(Box::new(EvalDetails {
            revision,
            stopped: Some(reason),
            ..EvalDetails::default()
        })));
        self.start_worker();
    }

    /// Keeps the peak memory of a worker about to be stopped.
    fn record_peak(&self, worker: &Worker) {
        if let Some(kib) = peak_resident_kib(Some(worker.child.id())) {
            self.stopped_peak_kib.fetch_max(kib, Ordering::SeqCst);
        }
    }

    fn stop_worker(&mut self) {
        if let Some(mut worker) = self.worker.take() {
            self.record_peak(&worker);
            let _ = worker.child.kill();
            let _ = worker.child.wait();
        }
        self.worker_pid.store(0, Ordering::SeqCst);
    }

    fn emit(&self, event: SupervisorEvent) {
        if self.events.send(event).is_ok() {
            (self.notify)();
        }
    }
}

/// Sends each line the worker writes to the supervisor's inbox, then a
/// `Closed` message when its output ends.
fn forward_stdout(stdout: std::process::ChildStdout, generation: u64, sender: &Sender<Inbox>) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if sender.send(Inbox::Line { generation, line }).is_err() {
            return;
        }
    }
    let _ = sender.send(Inbox::Closed { generation });
}

/// Keeps the last lines of the worker's stderr to explain a crash.
fn collect_stderr(stderr: std::process::ChildStderr, tail: &Mutex<VecDeque<String>>) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        log::debug!("worker: {line}");
        let mut tail = tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        push_stderr_line(&mut tail, line);
    }
}

/// Appends a line to the tail. A backtrace can push the line that names the
/// crash out of the tail, so the first such line stays at the front.
fn push_stderr_line(tail: &mut VecDeque<String>, line: String) {
    let names_crash = |text: &str| CRASH_MARKERS.iter().any(|marker| text.contains(marker));
    if tail.len() == STDERR_LINES {
        let drop_at = usize::from(tail.front().is_some_and(|first| names_crash(first)));
        tail.remove(drop_at);
    }
    if names_crash(&line) && !tail.iter().any(|kept| names_crash(kept)) {
        tail.push_front(line);
    } else {
        tail.push_back(line);
    }
}

/// Waits up to `limit` for a process to exit, then kills it.
fn wait_or_kill(child: &mut Child, limit: Duration) -> std::io::Result<ExitStatus> {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        thread::sleep(Duration::from_millis(10));
    }
    log::warn!(
        "the worker (pid {}) closed its output but did not exit; killing it",
        child.id()
    );
    child.kill()?;
    child.wait()
}

/// Explains in plain words how a worker process ended.
fn describe_exit(status: ExitStatus, stderr: &[String], memory_limit_mb: u64) -> String {
    let text = stderr.join("\n");
    if text.contains("memory allocation of")
        || text.contains("out of memory")
        || text.contains("capacity overflow")
    {
        return format!("the evaluator ran out of memory (limit {memory_limit_mb} MiB)");
    }
    if text.contains("overflowed its stack") || text.contains("stack overflow") {
        return "the evaluator crashed: stack overflow".to_string();
    }
    if let Some(panic) = stderr.iter().find(|line| line.contains("panicked at")) {
        return format!("the evaluator crashed: {}", panic.trim());
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                6 => "SIGABRT",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                15 => "SIGTERM",
                _ => "a signal",
            };
            return format!("the evaluator was stopped by {name} (signal {signal})");
        }
    }
    match status.code() {
        Some(code) => format!("the evaluator exited unexpectedly with status {code}"),
        None => "the evaluator exited unexpectedly".to_string(),
    }
}

fn format_seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds.fract() == 0.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{seconds:.1} s")
    }
}

fn truncate(line: &str) -> &str {
    let end = line
        .char_indices()
        .nth(200)
        .map_or(line.len(), |(index, _)| index);
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_line_survives_backtrace() {
        let mut tail = VecDeque::new();
        push_stderr_line(&mut tail, "memory allocation of 8 bytes failed".to_string());
        for frame in 0..STDERR_LINES * 2 {
            push_stderr_line(&mut tail, format!("  {frame}: some::frame"));
        }
        assert_eq!(tail.len(), STDERR_LINES);
        assert_eq!(
            tail.front().map(String::as_str),
            Some("memory allocation of 8 bytes failed")
        );
    }
}
