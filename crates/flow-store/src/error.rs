//! The store's errors: each says which database file is concerned and what to do about it.
//!
//! SQLite's result codes are mapped here once (`DiskFull` → [`StoreError::Full`], a file that is
//! not a database or is damaged → [`StoreError::Corrupt`]) so no caller parses messages.

use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};

/// Why the store could not do what was asked.
///
/// The error is `Clone` because one failed group commit is reported to every operation that
/// was part of it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The file is not a SQLite database, or its pages are damaged. The store never resets it.
    #[error(
        "the store {} is not a flowctl database or is corrupted ({detail}); flowctl will not \
         overwrite it: restore a backup, or move the file aside to start with an empty store",
        path.display()
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        detail: String,
    },
    /// The database was written by a newer flowctl whose schema this one does not know.
    #[error(
        "the store {} was written by a newer flowctl (schema version {found}; this flowctl \
         knows up to {supported}): upgrade flowctl, or point `store:` at another file",
        path.display()
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// The disk (or the database's size limit) is full: the write was not stored.
    #[error(
        "the store {} is full (no space left on its disk, or its size limit reached): the \
         write was not stored; free disk space (or prune old runs with `flowctl history \
         prune`) and retry",
        path.display()
    )]
    Full {
        /// The database file.
        path: PathBuf,
    },
    /// The file or its directory could not be created, opened or read.
    #[error("cannot use the store {}: {detail}", path.display())]
    Io {
        /// The database file.
        path: PathBuf,
        /// What the operating system reported.
        detail: String,
    },
    /// Any other database error.
    #[error("store error: {0}")]
    Database(String),
    /// A stored record (or one to store) could not be encoded or decoded as JSON.
    #[error("store record error: {0}")]
    Record(String),
    /// A record (or value) nested deeper than the store keeps: it would be written but could
    /// not be read back.
    #[error(
        "store record error: a value nested {depth} levels deep cannot be stored (at most \
         {max} levels of arrays and objects, the record's own included)"
    )]
    TooDeep {
        /// How deep the record is.
        depth: usize,
        /// The deepest the store keeps.
        max: usize,
    },
    /// The run is not in the store (it was never begun, or was pruned).
    #[error("the store has no execution `{0}`")]
    UnknownRun(String),
    /// The store's writer has stopped (the store is being dropped, or its thread died).
    #[error("the store is closed: its writer thread has stopped")]
    Closed,
    /// The database server could not be reached, or the connection to it was lost (it is
    /// down or restarting): nothing was stored by the call; a later call reconnects.
    #[error("the store {store} is unavailable: {detail}")]
    Unavailable {
        /// The store's URL, without its password.
        store: String,
        /// What the client reported.
        detail: String,
    },
    /// A `store:` setting this build cannot use.
    #[error(
        "unsupported store setting `{0}`: use `sqlite://PATH`, `postgres://USER@HOST:PORT/DB` \
         or `none`"
    )]
    Unsupported(String),
}

impl StoreError {
    /// Maps a SQLite error on the database at `path`.
    pub(crate) fn sqlite(e: rusqlite::Error, path: &Path) -> StoreError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Full {
                path: path.to_path_buf(),
            },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: e.to_string(),
            },
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
                StoreError::Io {
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                }
            }
            _ => StoreError::Database(format!("{} ({e})", path.display())),
        }
    }

    /// A JSON encoding or decoding error.
    pub(crate) fn json(e: serde_json::Error) -> StoreError {
        StoreError::Record(e.to_string())
    }
}

/// `.at(path)` on SQLite results: maps the error with the database path.
pub(crate) trait At<T> {
    /// Maps a SQLite error on the database at `path`.
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> At<T> for Result<T, rusqlite::Error> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::sqlite(e, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path_and_what_to_do() {
        let full = StoreError::Full {
            path: PathBuf::from("/data/state.db"),
        };
        let text = full.to_string();
        assert!(
            text.contains("/data/state.db") && text.contains("free disk space"),
            "{text}"
        );
        let newer = StoreError::NewerSchema {
            path: PathBuf::from("s.db"),
            found: 9,
            supported: 1,
        };
        assert!(newer.to_string().contains("upgrade flowctl"));
    }
}
