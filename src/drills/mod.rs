//! Guided failure drills: a broken policy, a goal, and checks that tell a
//! learner when the fix works. Plain Rust with no egui and no threads.
//!
//! A drill is a folder with a `drill.toml` manifest, the starting policy,
//! the inputs of its scenarios, optional hidden `test_` checks and the
//! reference solution. A pack is a folder of drill folders with a
//! `pack.toml`. `docs/drills.md` describes the format for drill authors.
//!
//! ```no_run
//! use policy_workshop::drills::{check_attempt, load_pack};
//! use policy_workshop::engine::PolicySource;
//!
//! let pack = load_pack(std::path::Path::new("sample-policies/drills")).unwrap();
//! let drill = pack.drills[0].as_ref().unwrap();
//! let attempt = [PolicySource::new(&drill.spec.policy_file, &drill.solution)];
//! assert!(check_attempt(&drill.spec, &attempt).solved());
//! ```

mod check;
pub mod diff;
mod format;
pub mod progress;
mod validate;

pub use check::{Actual, CheckOutcome, CheckReport, ScenarioResult, check_attempt};
pub use format::{
    DRILL_MANIFEST, Drill, DrillError, DrillSpec, Expected, Level, PACK_MANIFEST, Pack, Predict,
    Scenario, load_drill, load_pack,
};
pub use validate::{DrillProblem, failures, validate_drill};
