//! Connections to PostgreSQL: the pool's connection manager, each connection's prepared
//! statements, the limits a connection is opened with, and the mapping of the client's errors
//! to [`StoreError`] (the URL's password never in one).

use crate::error::StoreError;
use postgres::error::SqlState;
use postgres::types::FromSql;
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Limits of a [`PostgresStore`](super::PostgresStore)'s pool and connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Connections the pool holds at most (default 8: a node's blocking threads beyond that
    /// wait for one, so three nodes use at most 24 of the server's `max_connections`).
    pub max_connections: u32,
    /// How long a call waits for a pooled connection, including reconnecting, before it fails
    /// with [`StoreError::Unavailable`] (default 5 s).
    pub checkout_timeout: Duration,
    /// How long opening one connection may take (default 5 s; a `connect_timeout` in the URL
    /// wins).
    pub connect_timeout: Duration,
    /// The server cancels a statement running longer (default 30 s; `statement_timeout`).
    pub statement_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            max_connections: 8,
            checkout_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// The database a store uses, as errors name it: the URL without its password, plus the
/// password itself so that any text from the client can be scrubbed of it.
#[derive(Clone)]
pub(crate) struct Target {
    /// The URL as shown (see [`redact`]).
    pub label: String,
    /// The password, when the URL has one.
    password: Option<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

impl Target {
    /// `text` with the password replaced by `***` (the client's messages never hold it; this
    /// keeps it so if one ever did).
    fn scrub(&self, text: String) -> String {
        match &self.password {
            Some(p) if !p.is_empty() && text.contains(p.as_str()) => {
                text.replace(p.as_str(), "***")
            }
            _ => text,
        }
    }

    /// Maps a client error.
    pub fn error(&self, e: &postgres::Error) -> StoreError {
        let store = self.label.clone();
        let Some(db) = e.as_db_error() else {
            let detail = self.scrub(e.to_string());
            // No answer from the server: refused, reset, timed out or closed.
            // (The client's timeout error has no source; its text is the only sign of it.)
            let lost = e.is_closed()
                || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
                || detail.starts_with("timeout waiting for server");
            return if lost {
                StoreError::Unavailable { store, detail }
            } else {
                StoreError::Database(format!("{store}: {detail}"))
            };
        };
        let detail = self.scrub(format!("{} ({})", db.message(), db.code().code()));
        let code = db.code();
        if *code == SqlState::DISK_FULL {
            return StoreError::Full { path: store.into() };
        }
        let class = &code.code()[..2.min(code.code().len())];
        match class {
            // Connection exceptions, too many connections, the server shutting down or starting.
            "08" | "53" | "57" => StoreError::Unavailable { store, detail },
            // Authentication, a database that does not exist, no privilege.
            _ if class == "28" || class == "3D" || *code == SqlState::INSUFFICIENT_PRIVILEGE => {
                StoreError::Io {
                    path: store.into(),
                    detail,
                }
            }
            _ => StoreError::Database(format!("{store}: {detail}")),
        }
    }

    /// Maps the pool's error (no connection could be had in time).
    pub fn pool_error(&self, e: &r2d2::Error) -> StoreError {
        StoreError::Unavailable {
            store: self.label.clone(),
            detail: self.scrub(format!("no connection within the checkout timeout: {e}")),
        }
    }
}

/// `.on(&target)` on client results: maps the error.
pub(crate) trait On<T> {
    /// Maps a client error on `target`.
    fn on(self, target: &Target) -> Result<T, StoreError>;
}

impl<T> On<T> for Result<T, postgres::Error> {
    fn on(self, target: &Target) -> Result<T, StoreError> {
        self.map_err(|e| target.error(&e))
    }
}

/// `row.col(i)` on result rows: the column's value, or an error (never a panic) when the
/// database holds something else than this build's schema says.
pub(crate) trait Col {
    /// Column `i`, converted to `T`.
    fn col<'a, T: FromSql<'a>>(&'a self, i: usize) -> Result<T, StoreError>;
}

impl Col for postgres::Row {
    fn col<'a, T: FromSql<'a>>(&'a self, i: usize) -> Result<T, StoreError> {
        self.try_get(i)
            .map_err(|e| StoreError::Database(format!("unexpected column {i}: {e}")))
    }
}

/// `url` as it may be shown: the password replaced by `***` and the query string (which may
/// carry `password=`) left out.
pub fn redact(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, _)) => (rest, "?…"),
        None => (rest, ""),
    };
    let shown = match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => rest.to_string(),
    };
    format!("{scheme}://{shown}{query}")
}

/// Parses a `postgres://` URL into the client's configuration with the limits of `options`.
pub(crate) fn config(
    url: &str,
    options: &PostgresOptions,
) -> Result<(postgres::Config, Target), StoreError> {
    let label = redact(url);
    let mut config: postgres::Config = url.trim().parse().map_err(|_| {
        // The parser's message may quote the URL: only the redacted form is shown.
        StoreError::Unsupported(format!(
            "{label} (not a valid PostgreSQL URL: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)"
        ))
    })?;
    // A connection is never silently made without the TLS that was asked for.
    if config.get_ssl_mode() == postgres::config::SslMode::Require {
        return Err(StoreError::Unsupported(format!(
            "{label} (`sslmode=require`: this build connects without TLS; use a private network \
             or a local TLS proxy)"
        )));
    }
    let password = config
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(options.connect_timeout);
    }
    if config.get_application_name().is_none() {
        config.application_name("flowctl");
    }
    let limits = format!(
        "-c statement_timeout={} -c idle_in_transaction_session_timeout=60000",
        options.statement_timeout.as_millis()
    );
    let given = config.get_options().map(str::to_string);
    match given {
        Some(given) if !given.trim().is_empty() => config.options(&format!("{limits} {given}")),
        _ => config.options(&limits),
    };
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(30));
    Ok((config, Target { label, password }))
}

/// One pooled connection and the statements prepared on it.
pub(crate) struct Conn {
    pub client: Client,
    cache: HashMap<&'static str, Statement>,
    pub target: Arc<Target>,
}

impl Conn {
    /// `sql` prepared on this connection (once; later calls reuse it).
    pub fn stmt(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        if let Some(s) = self.cache.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).on(&self.target)?;
        self.cache.insert(sql, s.clone());
        Ok(s)
    }
}

/// Opens connections for the pool and tells it which are broken.
pub(crate) struct Manager {
    pub config: postgres::Config,
    pub target: Arc<Target>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = StoreError;

    fn connect(&self) -> Result<Conn, StoreError> {
        let client = self.config.connect(NoTls).on(&self.target)?;
        Ok(Conn {
            client,
            cache: HashMap::new(),
            target: self.target.clone(),
        })
    }

    /// Checked as a connection leaves the pool: one that the server closed while it was idle
    /// (a restart) is replaced before a call gets it.
    fn is_valid(&self, conn: &mut Conn) -> Result<(), StoreError> {
        conn.client.simple_query("").on(&self.target).map(drop)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password_and_the_query() {
        assert_eq!(
            redact("postgres://app:s3cr:et@db.internal:5432/flows?sslmode=disable&password=x"),
            "postgres://app:***@db.internal:5432/flows?…"
        );
        assert_eq!(
            redact("postgres://root@127.0.0.1/test"),
            "postgres://root@127.0.0.1/test"
        );
        assert_eq!(redact("postgresql://h/db"), "postgresql://h/db");
        // A password holding `@`: everything before the last `@` is user information.
        assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let err = config(
            "postgres://app:hunter2@db:notaport/x",
            &PostgresOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::Unsupported(_)), "{err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn tls_asked_for_is_refused_not_dropped() {
        let err = config(
            "postgres://app:pw@db/x?sslmode=require",
            &PostgresOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("sslmode=require"), "{err}");
    }

    #[test]
    fn limits_are_added_to_the_connection_options() {
        let (config, target) = config(
            "postgres://app:pw@db/x?options=-c%20search_path%3Dflowctl",
            &PostgresOptions::default(),
        )
        .unwrap();
        let options = config.get_options().unwrap();
        assert!(
            options.starts_with("-c statement_timeout=30000 "),
            "{options}"
        );
        assert!(options.ends_with("-c search_path=flowctl"), "{options}");
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(5)));
        assert_eq!(target.scrub("a pw b".into()), "a *** b");
    }
}
