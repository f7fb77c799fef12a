//! Policy Workshop: a desktop workbench for learning, teaching and
//! debugging Rego policies, with a headless command line.
//!
//! Layers, lowest first: [`engine`] calls regorus, [`workspace`] keeps and
//! loads documents, [`drills`] loads and checks guided drills, [`worker`] runs evaluation in a supervised process,
//! and [`cli`] and [`ui`] are the two front ends. Only `ui` uses egui.

pub mod cli;
pub mod drills;
pub mod engine;
pub mod explain;
pub mod testing;
pub mod ui;
pub mod worker;
pub mod workspace;
