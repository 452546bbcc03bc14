//! Opening the store a `store:` setting names: `sqlite://PATH`, `postgres://…` (or
//! `postgresql://…`) or `none`, and the form of a setting that may be shown (no password).

use crate::Store;
use crate::error::StoreError;
use crate::postgres::{PostgresStore, redact};
use crate::sqlite::SqliteStore;
use std::path::Path;
use std::sync::Arc;

/// Whether `url` names a PostgreSQL database.
fn is_postgres(url: &str) -> bool {
    let url = url.trim_start();
    ["postgres://", "postgresql://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    })
}

/// Opens the store `url` names (a relative SQLite path is taken from `base`); `Ok(None)` for
/// `none` (runs are not stored). Errors name the store without its password.
pub fn open_url(url: &str, base: &Path) -> Result<Option<Arc<dyn Store>>, StoreError> {
    if is_postgres(url) {
        return Ok(Some(Arc::new(PostgresStore::open(url.trim())?)));
    }
    Ok(SqliteStore::from_url(url, base)?.map(|s| Arc::new(s) as Arc<dyn Store>))
}

/// `url` as it may be shown in messages and logs: a PostgreSQL URL without its password (and
/// query string), anything else as it is.
pub fn display_url(url: &str) -> String {
    if is_postgres(url) {
        redact(url)
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_urls_are_redacted() {
        assert_eq!(
            display_url("PostgreSQL://u:pw@h/db"),
            "PostgreSQL://u:***@h/db"
        );
        assert_eq!(display_url("sqlite://a:b@c.db"), "sqlite://a:b@c.db");
    }

    #[test]
    fn a_postgres_url_that_does_not_parse_is_refused_without_its_password() {
        let Err(err) = open_url("postgres://u:hunter2@h:port/db", Path::new(".")) else {
            panic!("a URL with a port that is not a number was opened");
        };
        assert!(matches!(err, StoreError::Unsupported(_)), "{err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
