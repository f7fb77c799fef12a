//! Evaluation in a separate process. The window's [`Supervisor`] starts
//! the same binary with the hidden `worker` subcommand, sends it requests
//! and kills it when it misses a deadline, runs out of memory or crashes,
//! so nothing a policy does can freeze or crash the window.

pub mod protocol;
pub mod server;
pub mod supervisor;
pub mod view;

pub use protocol::{EvalDetails, EvalFailure, EvalReply, EvalRequest};
pub use supervisor::{Supervisor, SupervisorConfig, SupervisorEvent};
