//! One store test suite, two backends: a test body is written once, as a function of a
//! [`Backend`], and [`on_both!`] makes a `#[test]` of it for each (`…::sqlite::NAME`,
//! `…::postgres::NAME`).
//!
//! SQLite runs in memory. PostgreSQL runs on the server at `FLOWCTL_TEST_DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`, the server every machine and CI run):
//! each test creates a database with a random name and drops it when done. A server that does
//! not answer fails the PostgreSQL tests; they are never skipped silently.

#![allow(dead_code)]

use flow_store::{ManualClock, PostgresOptions, PostgresStore, SqliteStore, Store};
use std::sync::Arc;

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An in-memory SQLite store.
    Sqlite,
    /// A PostgreSQL store on a database made for the test.
    Postgres,
}

/// A store for one test, on a clock the test moves, and the database it lives in (dropped
/// after the store).
pub struct Opened {
    /// The store, as the server holds it.
    pub store: Arc<dyn Store>,
    /// The store's clock (starts at the system's time, moves only when told).
    pub clock: ManualClock,
    /// The PostgreSQL database (None for SQLite); declared last, so dropped last.
    pub db: Option<TempDatabase>,
}

impl Backend {
    /// A new, empty store.
    pub fn open(self) -> Opened {
        let clock = ManualClock::at_system_time();
        match self {
            Backend::Sqlite => Opened {
                store: Arc::new(
                    SqliteStore::open_in_memory_with_clock(Arc::new(clock.clone())).unwrap(),
                ),
                clock,
                db: None,
            },
            Backend::Postgres => {
                let db = TempDatabase::create();
                Opened {
                    store: Arc::new(db.open(Arc::new(clock.clone()))),
                    clock,
                    db: Some(db),
                }
            }
        }
    }
}

/// The server the PostgreSQL tests use, as a URL to its `test` database.
pub fn admin_url() -> String {
    std::env::var("FLOWCTL_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A connection to the admin database.
pub fn admin() -> postgres::Client {
    postgres::Client::connect(&admin_url(), postgres::NoTls).unwrap_or_else(|e| {
        panic!(
            "the PostgreSQL store tests need a server at {} (set FLOWCTL_TEST_DATABASE_URL): {e}",
            flow_store::display_url(&admin_url())
        )
    })
}

/// A database made for one test; dropped (with any connection still open to it) on drop.
pub struct TempDatabase {
    /// Its name.
    pub name: String,
    /// The URL of the database.
    pub url: String,
}

impl TempDatabase {
    /// Creates a database with a random name.
    pub fn create() -> TempDatabase {
        let name = format!("flowctl_test_{}", uuid::Uuid::new_v4().simple());
        admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let admin = admin_url();
        let (server, _) = admin.rsplit_once('/').unwrap();
        TempDatabase {
            url: format!("{server}/{name}"),
            name,
        }
    }

    /// A store on this database (small pool: tests run in parallel on one server).
    pub fn open(&self, clock: Arc<ManualClock>) -> PostgresStore {
        PostgresStore::open_with(&self.url, &test_options(), clock).unwrap()
    }

    /// A plain connection to this database.
    pub fn connect(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

/// The pool limits of test stores.
pub fn test_options() -> PostgresOptions {
    PostgresOptions {
        max_connections: 4,
        ..PostgresOptions::default()
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let dropped = postgres::Client::connect(&admin_url(), postgres::NoTls).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
        });
        if let Err(e) = dropped {
            eprintln!("warning: cannot drop the test database {}: {e}", self.name);
        }
    }
}

/// `on_both!(a, b)`: for each test body `fn a(b: Backend)`, a test per backend.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::backends::Backend::Sqlite)
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::backends::Backend::Postgres)
                }
            )*
        }
    };
}
pub(crate) use on_both;
