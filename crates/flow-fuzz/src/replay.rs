//! Replaying saved inputs through a target in `cargo test`: every file of a directory, each
//! under `catch_unwind`, so one run reports every input that panics.

use crate::Target;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// An input that made a target panic, or that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The input file.
    pub file: PathBuf,
    /// The panic message, or why the file could not be read.
    pub message: String,
}

/// Runs `target` on every file directly in `dir` (sorted by name; hidden files and
/// `README.md` skipped) and returns how many ran and which failed. A missing directory has no
/// files.
pub fn replay_dir(target: Target, dir: &Path) -> (usize, Vec<Failure>) {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with('.') && n != "README.md")
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut failures = Vec::new();
    for file in &files {
        let data = match std::fs::read(file) {
            Ok(d) => d,
            Err(e) => {
                failures.push(Failure {
                    file: file.clone(),
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| target(&data))) {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            failures.push(Failure {
                file: file.clone(),
                message,
            });
        }
    }
    (files.len(), failures)
}
