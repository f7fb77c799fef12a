//! The supervisor against the real worker process: each hazard a policy
//! can cause must end in a plain message, and the next ordinary
//! evaluation must give the right result.

use std::process::Command;
use std::time::{Duration, Instant};

use policy_workshop::engine::{ErrorKind, PolicySource};
use policy_workshop::worker::{
    EvalFailure, EvalReply, EvalRequest, Supervisor, SupervisorConfig, SupervisorEvent,
};
use serde_json::{Value, json};

const WORKER: &str = env!("CARGO_BIN_EXE_policy-workshop");

const ORDINARY: &str = "package p\n\nallow if input.user == \"ann\"\n";

fn config() -> SupervisorConfig {
    SupervisorConfig {
        deadline: Duration::from_secs(2),
        memory_limit_mb: 1024,
        ..SupervisorConfig::new(WORKER)
    }
}

fn request(revision: u64, policy: &str, input: Option<&str>, query: &str) -> EvalRequest {
    EvalRequest {
        revision,
        policies: Some(vec![PolicySource::new("p.rego", policy)]),
        input: input.map(str::to_string),
        data: None,
        query: query.to_string(),
        options: Default::default(),
        run_tests: false,
        coverage: false,
        trace: false,
        scenarios: None,
        drill: None,
        whole_value: false,
    }
}

/// Waits for the reply to `revision`, returning it and the time it took.
fn reply(supervisor: &Supervisor, revision: u64, started: Instant) -> (EvalReply, Duration) {
    let limit = Instant::now() + Duration::from_secs(180);
    while Instant::now() < limit {
        if let Some(SupervisorEvent::Reply(reply)) = supervisor.wait(Duration::from_millis(100))
            && reply.revision == revision
        {
            return (*reply, started.elapsed());
        }
    }
    panic!("no reply for revision {revision}");
}

fn send(supervisor: &Supervisor, request: EvalRequest) -> (EvalReply, Duration) {
    let revision = request.revision;
    let started = Instant::now();
    supervisor.send(request);
    reply(supervisor, revision, started)
}

fn value(reply: &EvalReply) -> Option<Value> {
    reply
        .outcome
        .as_ref()
        .ok()
        .and_then(|evaluation| evaluation.value().cloned())
}

fn worker_failure(reply: &EvalReply) -> String {
    match &reply.outcome {
        Err(EvalFailure::Worker(reason)) => reason.clone(),
        other => panic!("expected the worker to be stopped, got {other:?}"),
    }
}

/// Checks that an ordinary request after a hazard gives the right result.
fn assert_recovers(supervisor: &Supervisor, revision: u64) {
    let (after, _) = send(
        supervisor,
        request(
            revision,
            ORDINARY,
            Some(r#"{"user": "ann"}"#),
            "data.p.allow",
        ),
    );
    assert_eq!(
        value(&after),
        Some(json!(true)),
        "after recovery: {:?}",
        after.outcome
    );
}

#[test]
fn huge_comprehension_stopped() {
    let supervisor = Supervisor::spawn(config(), || {});
    let policy = "package p\n\nn := count([x | some i in numbers.range(1, 10000); some j in numbers.range(1, 10000); x := i * j])\n";
    let (reply, _) = send(&supervisor, request(1, policy, None, "data.p.n"));
    match &reply.outcome {
        Err(EvalFailure::Engine(error)) => assert_eq!(error.kind, ErrorKind::Timeout, "{error}"),
        Err(EvalFailure::Worker(reason)) => {
            assert!(reason.contains("stopped after 2 s"), "{reason}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_recovers(&supervisor, 2);
}

#[test]
fn huge_builtin_allocation_stopped() {
    let supervisor = Supervisor::spawn(config(), || {});
    let policy = "package p\n\nn := count(numbers.range(1, 400000000))\n";
    let (reply, _) = send(&supervisor, request(1, policy, None, "data.p.n"));
    let reason = worker_failure(&reply);
    assert!(
        reason.contains("ran out of memory") || reason.contains("stopped after"),
        "{reason}"
    );
    assert_recovers(&supervisor, 2);
}

#[test]
fn long_rule_chain_evaluates() {
    // The chain must not overflow the stack; how fast it runs is the
    // benchmark's business, and a debug build next to the other tests of
    // this file can pass the usual 2 s deadline on 2 cores.
    let supervisor = Supervisor::spawn(
        SupervisorConfig {
            deadline: Duration::from_secs(20),
            ..config()
        },
        || {},
    );
    let mut policy = String::from("package p\n\n");
    for index in 0..4999 {
        policy.push_str(&format!("r{index} := r{} + 1\n", index + 1));
    }
    policy.push_str("r4999 := 0\n");
    let (reply, _) = send(&supervisor, request(1, &policy, None, "data.p.r0"));
    assert_eq!(value(&reply), Some(json!(4999)), "{:?}", reply.outcome);
    assert_recovers(&supervisor, 2);
}

#[test]
fn deep_literal_rejected() {
    let supervisor = Supervisor::spawn(config(), || {});
    let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    let policy = format!("package p\n\nx := {deep}\n");
    let (reply, _) = send(&supervisor, request(1, &policy, None, "data.p.x"));
    match &reply.outcome {
        Err(EvalFailure::Engine(error)) => {
            assert_eq!(error.kind, ErrorKind::Parse);
            assert_eq!(error.location.as_ref().map(|l| l.line), Some(3));
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_recovers(&supervisor, 2);
}

#[test]
fn large_input_parsed_once() {
    let supervisor = Supervisor::spawn(config(), || {});
    let mut input = String::from("{\"items\": [");
    let mut count = 0;
    while input.len() < 50 * 1000 * 1000 {
        if count > 0 {
            input.push(',');
        }
        input.push_str(&format!(
            "{{\"id\": {count}, \"name\": \"item-{count}\", \"tags\": [\"a\", \"b\"], \"size\": {}}}",
            count % 97
        ));
        count += 1;
    }
    input.push_str("]}");
    let policy = "package p\n\nn := count(input.items)\n";
    let (first, _) = send(&supervisor, request(1, policy, Some(&input), "data.p.n"));
    assert_eq!(value(&first), Some(json!(count)), "{:?}", first.outcome);
    assert_eq!(first.parsed, ["input"]);

    let edited = "package p\n\nn := count(input.items) + 1\n";
    let (second, _) = send(&supervisor, request(2, edited, None, "data.p.n"));
    assert_eq!(value(&second), Some(json!(count + 1)));
    assert!(second.parsed.is_empty(), "the input was parsed again");
}

#[test]
fn killed_worker_restarted() {
    let supervisor = Supervisor::spawn(config(), || {});
    let slow = "package p\n\nn := count([x | some i in numbers.range(1, 10000); some j in numbers.range(1, 10000); x := i * j])\n";
    let started = Instant::now();
    supervisor.send(request(1, slow, None, "data.p.n"));
    std::thread::sleep(Duration::from_millis(300));
    let pid = supervisor.worker_pid().expect("a worker runs");
    let killed = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let (reply, _) = reply(&supervisor, 1, started);
    let reason = worker_failure(&reply);
    assert!(reason.contains("SIGKILL"), "{reason}");
    assert_recovers(&supervisor, 2);
}

#[test]
fn silent_worker_stopped() {
    // A worker that keeps its pipes open and never replies: the first start
    // runs `sleep`, later starts run the real worker.
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("started-once");
    let script = format!(
        "if [ -e '{marker}' ]; then exec '{WORKER}' \"$@\"; else touch '{marker}'; exec sleep 3600; fi",
        marker = marker.display()
    );
    let config = SupervisorConfig {
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script, "worker-script".into()],
        deadline: Duration::from_secs(1),
        ..config()
    };
    let supervisor = Supervisor::spawn(config, || {});
    let (reply, _) = send(
        &supervisor,
        request(1, ORDINARY, Some("{}"), "data.p.allow"),
    );
    let reason = worker_failure(&reply);
    assert!(reason.contains("stopped after 1 s"), "{reason}");
    assert_recovers(&supervisor, 2);
}
