//! Flow tests: `*.test.yaml` files beside flows, each with cases that give an input, mock card
//! results, and expect a status, step outputs (as subsets), calls made and the HTTP answer.
//!
//! Cases run offline: mocked steps return their mock, and every other effect is rehearsed as in
//! `--dry-run`, so nothing leaves the machine. A case that seeds or checks `tables:` gets its own
//! in-memory tables, and its table steps really read and write them (see [`tables`]). A failed
//! expectation names its path (`steps.event.output.severity: expected "high", got null`).

mod expect;
mod file;
mod mock;
mod runner;
pub mod tables;

pub use file::{Case, Expect, Reply, TestFile};
pub use runner::{CaseResult, Report, check_projects, run_files, test_files};
pub use tables::SeedError;
