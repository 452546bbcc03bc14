//! Measures the store by hand (not a test: timings vary by machine):
//! bytes per stored Oort-shaped execution, and `begin` calls per second from 1 and 32 threads.
//!
//! `cargo run --release -p flow-store --example measure [DIR]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/it/common/mod.rs"]
mod common;

use common::{new_id, new_run, oort_record, oort_steps};
use flow_store::{SqliteStore, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const RUNS: usize = 1000;

fn fresh(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("flow-store-measure"));
    std::fs::create_dir_all(&dir).unwrap();

    let record = oort_record(&new_id());
    let json = serde_json::to_string(&record).unwrap();
    println!(
        "Oort record: {} steps in all, {} bytes of JSON",
        record.count_steps(),
        json.len()
    );

    // Bytes per execution, the whole life of a run: begin, steps, helper runs, response,
    // finish (which deletes the step and helper rows again).
    let path = fresh(&dir, "size.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        let steps = oort_steps();
        for _ in 0..RUNS {
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
    }
    // Dropping the store closed its last connection, which checkpoints and removes the WAL.
    let size = file_size(&path);
    let wal = file_size(Path::new(&format!("{}-wal", path.display())));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let pages: i64 = conn
        .pragma_query_value(None, "page_count", |r| r.get(0))
        .unwrap();
    let free: i64 = conn
        .pragma_query_value(None, "freelist_count", |r| r.get(0))
        .unwrap();
    drop(conn);
    println!(
        "{RUNS} runs: file {size} bytes (wal {wal}), {} bytes per run; pages {pages}, free {free} \
         ({} bytes per run in use)",
        size / RUNS as u64,
        (pages - free) * 4096 / RUNS as i64
    );

    // begin() per second.
    for threads in [1usize, 32] {
        let path = fresh(&dir, &format!("begin-{threads}.db"));
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let per_thread = 10_000 / threads;
        let started = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for _ in 0..per_thread {
                        store
                            .begin(&new_run(&new_id(), "oort-failing-check"))
                            .unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        let n = per_thread * threads;
        println!(
            "begin: {threads:>2} thread(s), {n} runs in {secs:.3} s = {:.0}/s",
            n as f64 / secs
        );
    }

    // Whole runs per second from 32 threads: begin, 8 steps, 3 helper runs, response, finish.
    let path = fresh(&dir, "runs-32.db");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let started = Instant::now();
    let handles: Vec<_> = (0..32)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let steps = oort_steps();
                for _ in 0..100 {
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
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "whole runs: 32 threads, 3200 runs in {secs:.3} s = {:.0}/s",
        3200.0 / secs
    );
}
