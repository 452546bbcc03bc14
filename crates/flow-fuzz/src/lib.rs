//! Fuzz entry points for flowctl: each takes arbitrary bytes and drives one input-facing path
//! of the real code, with no sockets and no files. A panic (or an abort) is a bug.
//!
//! The `cargo fuzz` targets in the repository's `fuzz/` directory call these functions, and
//! `cargo test -p flow-fuzz` replays every committed seed (`fuzz/corpus/<target>/`) and crash
//! regression (`fuzz/regressions/<target>/`) through them, so a fixed crash stays fixed.
//!
//! | target | what it drives |
//! |---|---|
//! | [`project`] | `flowctl.yaml` + flow files → decode, compile, render diagnostics and graphs |
//! | [`template`] | a template → parse, check against a typed scope, render and evaluate |
//! | [`json_parse`] | declared fields + JSON text → the `json.parse` card run by the engine |
//! | [`request`] | an HTTP request → the endpoint router in-process: trigger, token, HMAC, dedupe |
//!
//! `docs/fuzzing.md` says how to run them.

mod json_parse;
mod project;
mod replay;
mod request;
mod template;

pub use json_parse::{json_parse, json_parse_statuses};
pub use project::{ProjectReport, project, project_report};
pub use replay::{Failure, replay_dir};
pub use request::{request, request_status};
pub use template::{template, template_render};

/// A fuzz entry point: bytes in, nothing out; it returns normally for every input.
pub type Target = fn(&[u8]);

/// Every target by the name used for its `fuzz/` binary, corpus and regression directories.
pub const TARGETS: &[(&str, Target)] = &[
    ("project", project),
    ("template", template),
    ("json_parse", json_parse),
    ("request", request),
];

/// Builds (once per thread) and returns a current-thread tokio runtime for targets that run
/// async code; `None` when the runtime cannot be built (then the input is skipped).
fn with_runtime<R>(f: impl FnOnce(&tokio::runtime::Runtime) -> R) -> Option<R> {
    thread_local! {
        static RT: Option<tokio::runtime::Runtime> = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok();
    }
    RT.with(|rt| rt.as_ref().map(f))
}
