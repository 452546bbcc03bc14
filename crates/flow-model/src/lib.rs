//! The source model of flowctl: what the author wrote, with positions, and nothing more.
//!
//! This crate reads YAML into a [`Node`] tree that keeps the byte span of every value, decodes
//! the tree into [`FlowDoc`]s and a [`ProjectConfig`], and reports problems as [`Diagnostic`]s
//! that point at `file:line:col`. It knows nothing about cards, templates or running: the
//! compiler (`flow-compile`) gives the documents their meaning.

pub mod block;
pub mod config;
pub mod de;
pub mod decode;
pub mod diag;
pub mod flow;
pub mod node;
pub mod okta_delivery;
pub mod render;
pub mod schedule;
pub mod span;
pub mod suggest;
pub mod tables;
pub mod types;
pub mod units;

pub use config::{ConnectionDoc, ProjectConfig, Secret};
pub use diag::{Code, Diagnostic, Diagnostics, Severity};
pub use flow::{FlowDoc, OnError, StepDoc, TriggerDoc};
pub use node::{Node, NodeKind};
pub use span::{SourceId, Sources, Span};
pub use types::{Type, ValueMismatch};
