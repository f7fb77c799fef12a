//! Evaluation on a background thread, so the window never waits on a policy.
//!
//! The UI sends [`EvalRequest`]s tagged with a revision; the thread skips
//! to the newest request it has, evaluates it, and sends an [`EvalReply`]
//! with the same revision. The UI drops replies for older revisions.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread;

use serde_json::Value as JsonValue;

use crate::engine::{EngineError, EvalOptions, Evaluation, PolicySource, PreparedEngine};
use crate::workspace::document::{DocumentError, parse_document};

/// Everything one evaluation needs, copied from the editors.
#[derive(Clone, Debug)]
pub struct EvalRequest {
    pub revision: u64,
    pub policies: Vec<PolicySource>,
    pub input: String,
    pub data: String,
    pub query: String,
    pub options: EvalOptions,
}

/// The reason a revision produced no result.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalFailure {
    Input(DocumentError),
    Data(DocumentError),
    Engine(EngineError),
}

/// The reply to one request.
#[derive(Clone, Debug)]
pub struct EvalReply {
    pub revision: u64,
    pub outcome: Result<Evaluation, EvalFailure>,
}

/// The UI's handle on the evaluation thread.
#[derive(Debug)]
pub struct Evaluator {
    requests: Sender<EvalRequest>,
    replies: Receiver<EvalReply>,
}

impl Evaluator {
    /// Starts the thread; `notify` runs after each reply (the UI passes a
    /// repaint request).
    pub fn spawn(notify: impl Fn() + Send + 'static) -> Self {
        let (request_sender, request_receiver) = mpsc::channel::<EvalRequest>();
        let (reply_sender, reply_receiver) = mpsc::channel();
        let spawned = thread::Builder::new()
            .name("evaluator".to_string())
            .spawn(move || run(&request_receiver, &reply_sender, &notify));
        if let Err(error) = spawned {
            log::error!("cannot start the evaluation thread: {error}");
        }
        Evaluator {
            requests: request_sender,
            replies: reply_receiver,
        }
    }

    pub fn send(&self, request: EvalRequest) {
        if self.requests.send(request).is_err() {
            log::error!("the evaluation thread has stopped; results will not update");
        }
    }

    /// Returns the replies that arrived since the last call.
    pub fn poll(&self) -> Vec<EvalReply> {
        self.replies.try_iter().collect()
    }
}

/// Parsed documents and the prepared engine, reused while their text is unchanged.
/// A parsed document shared between the cache and the current evaluation.
type ParsedText = Result<Option<Arc<JsonValue>>, DocumentError>;

#[derive(Default)]
struct Cache {
    input: Option<(String, ParsedText)>,
    data: Option<(String, ParsedText)>,
    engine: Option<(EngineKey, Result<PreparedEngine, EngineError>)>,
}

#[derive(Clone, PartialEq)]
struct EngineKey {
    policies: Vec<PolicySource>,
    data: String,
    options: EvalOptions,
}

fn run(requests: &Receiver<EvalRequest>, replies: &Sender<EvalReply>, notify: &dyn Fn()) {
    let mut cache = Cache::default();
    while let Ok(mut request) = requests.recv() {
        // Skip to the newest request: older ones would be dropped anyway.
        loop {
            match requests.try_recv() {
                Ok(newer) => request = newer,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        let outcome = evaluate(&mut cache, &request);
        let reply = EvalReply {
            revision: request.revision,
            outcome,
        };
        if replies.send(reply).is_err() {
            return;
        }
        notify();
    }
}

fn evaluate(cache: &mut Cache, request: &EvalRequest) -> Result<Evaluation, EvalFailure> {
    let input = parse_cached(&mut cache.input, &request.input).map_err(EvalFailure::Input)?;
    let data = parse_cached(&mut cache.data, &request.data).map_err(EvalFailure::Data)?;
    let key = EngineKey {
        policies: request.policies.clone(),
        data: request.data.clone(),
        options: request.options.clone(),
    };
    let reuse = cache
        .engine
        .as_ref()
        .is_some_and(|(cached, _)| *cached == key);
    if !reuse {
        let prepared = PreparedEngine::new(&request.policies, data.as_deref(), &request.options);
        cache.engine = Some((key, prepared));
    }
    let Some((_, prepared)) = &cache.engine else {
        unreachable!("the engine cache was filled above");
    };
    let prepared = prepared
        .as_ref()
        .map_err(|error| EvalFailure::Engine(error.clone()))?;
    prepared
        .evaluate(input.as_deref(), &request.query)
        .map_err(EvalFailure::Engine)
}

fn parse_cached(slot: &mut Option<(String, ParsedText)>, text: &str) -> ParsedText {
    let fresh = slot.as_ref().is_none_or(|(cached, _)| cached != text);
    if fresh {
        let parsed = parse_document(text).map(|document| document.value.map(Arc::new));
        *slot = Some((text.to_string(), parsed));
    }
    slot.as_ref()
        .map(|(_, parsed)| parsed.clone())
        .unwrap_or(Ok(None))
}
