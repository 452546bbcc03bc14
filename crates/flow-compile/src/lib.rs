//! The compiler: flow documents and a card registry in, immutable [`Plan`]s out.
//!
//! Every check of the flow language happens here, before anything runs: card kinds, step ids,
//! references between steps and into their declared outputs, types, helper flows and their
//! inputs, connections, cycles and recursion. All problems are collected as diagnostics. A plan
//! is a petgraph DAG of steps whose templates are parsed and whose names are resolved to slots,
//! so running a plan never parses text or looks a name up by string.

pub mod block;
mod build;
mod calls;
mod check;
mod checked;
mod draft;
pub mod graph;
pub mod loader;
mod plan;
mod schedule;
mod scope;
mod text;
mod triggers;
mod typing;

pub use block::{BlockPlan, BlockStep, Gate};
pub use build::compile;
pub use checked::{Checked, Rejected, check, load_checked};
pub use loader::{LoadOptions, Loaded, load};
pub use plan::{EdgeKind, EndpointPlan, Plan, PlannedStep, Project, RetryPolicy, TriggerPlan};
pub use schedule::Schedule;
pub use text::compile_str;
pub use triggers::EventHookPlan;
