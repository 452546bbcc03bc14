//! Measures SQLite and PostgreSQL side by side, in one run (not a test: timings vary by
//! machine): `begin` calls per second from 1 and 8 threads, whole Oort-shaped runs per second
//! from 8 threads (PostgreSQL also with `synchronous_commit=off`, SQLite's guarantee), and for
//! PostgreSQL what one whole run costs the database (WAL bytes and database growth).
//!
//! `cargo run --release -p flow-store --example measure_backends`
//!
//! PostgreSQL: the server at `FLOWCTL_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); a database is made for the run and dropped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/it/common/mod.rs"]
mod common;

use common::{new_id, new_run, oort_record, oort_steps};
use flow_store::{PostgresOptions, PostgresStore, SqliteStore, Store, SystemClock};
use std::sync::Arc;
use std::time::Instant;

const BEGINS: usize = 4000;
const RUNS_PER_THREAD: usize = 100;
const THREADS: usize = 8;

/// One whole run, as the server stores it: begin, 8 steps, 3 helper runs, the answer, finish.
fn whole_run(store: &dyn Store, steps: &[flow_runtime::StepRecord]) {
    let id = new_id();
    store.begin(&new_run(&id, "oort-failing-check")).unwrap();
    for (i, step) in steps.iter().enumerate() {
        for child in &step.children {
            store.save_child(&id, &step.id, child).unwrap();
        }
        store.save_step(&id, i, step).unwrap();
    }
    let record = oort_record(&id);
    if let Some(response) = &record.response {
        store.save_response(&id, response).unwrap();
    }
    store.finish(&record).unwrap();
}

/// Runs `work` on `threads` threads and returns calls per second.
fn rate(store: &Arc<dyn Store>, threads: usize, per_thread: usize, work: fn(&dyn Store)) -> f64 {
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let store = Arc::clone(store);
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    work(&*store);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    (threads * per_thread) as f64 / started.elapsed().as_secs_f64()
}

fn begin_one(store: &dyn Store) {
    store
        .begin(&new_run(&new_id(), "oort-failing-check"))
        .unwrap();
}

fn run_one(store: &dyn Store) {
    whole_run(store, &oort_steps());
}

/// The figures of one backend: begin/s from 1 and 8 threads, whole runs/s from 8 threads.
fn measure(name: &str, open: &dyn Fn() -> Arc<dyn Store>) {
    let one = rate(&open(), 1, BEGINS, begin_one);
    let many = rate(&open(), THREADS, BEGINS / THREADS, begin_one);
    let runs = rate(&open(), THREADS, RUNS_PER_THREAD, run_one);
    println!(
        "{name:<10} begin: 1 thread {one:>7.0}/s, {THREADS} threads {many:>7.0}/s; \
         whole runs, {THREADS} threads: {runs:>6.0}/s"
    );
}

fn admin_url() -> String {
    std::env::var("FLOWCTL_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// The WAL position (bytes written to the write-ahead log since the cluster began) and the
/// database's size in bytes.
fn counters(db: &mut postgres::Client, name: &str) -> (i64, i64) {
    let r = db
        .query_one(
            "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::BIGINT, pg_database_size($1)",
            &[&name],
        )
        .unwrap();
    (r.get(0), r.get(1))
}

fn main() {
    let dir = std::env::temp_dir().join(format!("flow-store-backends-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = std::cell::Cell::new(0);
    measure("sqlite", &|| {
        files.set(files.get() + 1);
        let path = dir.join(format!("m{}.db", files.get()));
        Arc::new(SqliteStore::open(&path).unwrap())
    });
    std::fs::remove_dir_all(&dir).unwrap();

    let admin = admin_url();
    let name = format!("flowctl_measure_{}", std::process::id());
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (server, _) = admin.rsplit_once('/').unwrap();
    let url = format!("{server}/{name}");
    let options = PostgresOptions {
        max_connections: THREADS as u32,
        ..PostgresOptions::default()
    };
    let open = || -> Arc<dyn Store> {
        Arc::new(PostgresStore::open_with(&url, &options, Arc::new(SystemClock)).unwrap())
    };
    measure("postgresql", &open);
    // SQLite's guarantee (a committed write survives the process, not a power cut): the
    // server acknowledges a commit before its WAL reaches the disk.
    let relaxed = format!("{url}?options=-c%20synchronous_commit%3Doff");
    measure("pg, async", &|| -> Arc<dyn Store> {
        Arc::new(PostgresStore::open_with(&relaxed, &options, Arc::new(SystemClock)).unwrap())
    });

    // What one whole run costs the database, from one thread.
    let store = open();
    let steps = oort_steps();
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let before = counters(&mut db, &name);
    const N: usize = 200;
    for _ in 0..N {
        whole_run(&*store, &steps);
    }
    let after = counters(&mut db, &name);
    let per = |a: i64, b: i64| (b - a) as f64 / N as f64;
    println!(
        "postgresql per whole run ({N} runs, one thread): {:.0} WAL bytes, {:.0} bytes of \
         database growth",
        per(before.0, after.0),
        per(before.1, after.1),
    );
    drop(store);
    drop(db);
    client
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}
