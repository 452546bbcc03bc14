//! `store: ${env:DATABASE_URL}` with a PostgreSQL URL, through the CLI: `flowctl serve`
//! accepts an event into the database and `flowctl history list` reads it back. The database
//! is made for the test on the server at `FLOWCTL_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and dropped after it.

use crate::common::{self, Run};

/// A database with a random name, dropped on drop (also used by `nodes.rs`).
pub(crate) struct TempDatabase {
    admin: String,
    name: String,
    /// The database's URL.
    pub(crate) url: String,
}

impl TempDatabase {
    /// Creates a database with a random name on the test server.
    pub(crate) fn create() -> TempDatabase {
        let admin = std::env::var("FLOWCTL_TEST_DATABASE_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let name = format!("flowctl_cli_{}", unique_suffix());
        postgres::Client::connect(&admin, postgres::NoTls)
            .expect("the PostgreSQL tests need a server (FLOWCTL_TEST_DATABASE_URL)")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (server, _) = admin.rsplit_once('/').unwrap();
        TempDatabase {
            url: format!("{server}/{name}"),
            admin,
            name,
        }
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let dropped = postgres::Client::connect(&self.admin, postgres::NoTls).and_then(|mut c| {
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

/// A random lower-case name part (the process id and the time in nanoseconds).
fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}_{nanos}", std::process::id())
}

#[test]
fn serve_and_history_use_a_postgres_store_from_the_environment() {
    let db = TempDatabase::create();
    let flow = "flow: main\ntrigger:\n  api_endpoint:\n    security: { public: true }\nsteps:\n  \
                - id: out\n    card: flow.return\n    with: { outputs: { v: 1 } }\n";
    let dir = common::project(
        "postgres",
        "server: { listen: \"127.0.0.1:0\" }\nstore: ${env:DATABASE_URL}\n",
        &[("flows/main.yaml", flow.as_bytes())],
    );
    // The project's `store:` (not the per-test SQLite file `Run` sets), from the environment.
    let with_db = |args: &[&str]| {
        Run::new(args)
            .dir(&dir)
            .env("FLOWCTL_STORE", "")
            .env("DATABASE_URL", &db.url)
    };
    let mut server = common::Server::spawn(with_db(&["serve", "--log-format", "json"]).command());
    let started = server.wait_for("serve.started").expect("serve starts");
    let addr = started["listen"]
        .as_str()
        .and_then(|l| l.strip_prefix("http://"))
        .unwrap()
        .to_string();
    assert_eq!(
        common::post(&addr, "/api/flo/main/invoke"),
        (200, "{\"v\":1}".to_string())
    );
    // Accepted means committed before the answer: another process sees the run.
    let list = with_db(&["history", "list"]).run().ok().stdout;
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 1, "{list}");
    assert!(lines[0].contains("main"), "{list}");
    drop(server);

    // A password never shows: a server that does not answer is an error naming the store
    // without it.
    let refused = Run::new(&["history", "list"])
        .dir(&dir)
        .env("FLOWCTL_STORE", "")
        .env(
            "DATABASE_URL",
            "postgres://flow:hunter2-Zq9@127.0.0.1:1/flows?connect_timeout=2",
        )
        .run();
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("postgres://flow:***@127.0.0.1:1/flows"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("hunter2"), "{}", refused.stderr);
}
