//! `flowctl-tables`: the figures of issue 14 on a table in a fresh SQLite store (a temp file):
//! an indexed equality search on 100,000 rows, 10,000 `table.create_row` steps in one run, and
//! the memory of `table.for_each` streaming 10,000 then 100,000 rows to a helper flow.
//!
//! `cargo run --release -p flow-bench --bin flowctl-tables [DIR]` (DIR: where the database is
//! made, default the system temp dir; removed at the end).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use flow_card::RunEnv;
use flow_model::tables::{Filter, Op, Search, TableStore};
use flow_runtime::{Engine, NoTransport, RunInput, RunOptions};
use flow_store::{SqliteStore, Store};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CONFIG: &str = "tables:\n  people:\n    columns:\n      email: text\n      dept: text\n      n: number\n    key: email\n  events:\n    columns:\n      user: text\n      n: number\n    indexes: [user]\n";

const FILL: &str = "flow: fill\ntrigger: { helper: { inputs: { items: \"list<number>\" } } }\nsteps:\n  - id: each\n    card: list.for_each\n    with: { list: \"{{ inputs.items }}\", flow: add, inputs: { n: \"{{ item }}\" } }\n";
const ADD: &str = "flow: add\ntrigger: { helper: { inputs: { n: number } } }\nsteps:\n  - id: row\n    card: table.create_row\n    with: { table: events, values: { user: \"u{{ inputs.n }}\", n: \"{{ inputs.n }}\" } }\n";
const WALK: &str = "flow: walk\ntrigger: { helper: { inputs: { min: number } } }\nsteps:\n  - id: each\n    card: table.for_each\n    with:\n      table: people\n      where: [ { column: n, greater_than: \"{{ inputs.min }}\" } ]\n      flow: touch\n      inputs: { email: \"{{ item.email }}\" }\n  - id: out\n    card: flow.return\n    with: { outputs: { n: \"{{ each.succeeded }}\" } }\n";
const TOUCH: &str = "flow: touch\ntrigger: { helper: { inputs: { email: text } } }\nsteps:\n  - id: o\n    card: object.construct\n    with: { fields: { e: \"{{ inputs.email }}\" } }\n";

/// This process's resident set and its peak, in KiB (Linux).
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The bench's flows, compiled.
fn compile() -> flow_compile::Project {
    flow_compile::compile_str(
        Some(CONFIG),
        &[
            ("fill.yaml", FILL),
            ("add.yaml", ADD),
            ("walk.yaml", WALK),
            ("touch.yaml", TOUCH),
        ],
        &flow_cards::registry(),
    )
    .unwrap()
}

fn median(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() * 99 / 100])
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("flowctl-tables-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(SqliteStore::open(&dir.join("state.db")).unwrap());
    let project = compile();
    let tables: Arc<dyn TableStore> = store.clone().tables(&project.config.tables).unwrap();

    // 1. 100,000 rows, then equality searches on the key (a unique index) and on an
    //    unindexed column for comparison.
    let rows = 100_000;
    let t = Instant::now();
    for chunk in 0..(rows / 10_000) {
        let batch: Vec<Map<String, Value>> = (0..10_000)
            .map(|i| {
                let k = chunk * 10_000 + i;
                let Value::Object(m) = json!({"email": format!("user{k}@example.com"), "dept": format!("d{}", k % 100), "n": k}) else { unreachable!() };
                m
            })
            .collect();
        tables.create_rows("people", &batch).unwrap();
    }
    println!(
        "insert {rows} rows (10 transactions of 10,000): {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let search = |column: &str, value: Value| Search {
        filter: Filter::Cmp {
            column: column.into(),
            op: Op::Equals,
            value,
        },
        ..Search::all()
    };
    let mut rng = fastrand::Rng::with_seed(14);
    let mut indexed = Vec::new();
    for _ in 0..2_000 {
        let k = rng.usize(0..rows);
        let t = Instant::now();
        let found = tables
            .search(
                "people",
                &search("email", json!(format!("user{k}@example.com"))),
            )
            .unwrap();
        indexed.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(found.len(), 1);
    }
    let mut scan = Vec::new();
    for _ in 0..20 {
        let k = rng.usize(0..rows);
        let t = Instant::now();
        let found = tables.search("people", &search("n", json!(k))).unwrap();
        scan.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(found.len(), 1);
    }
    let (im, i99) = median(indexed);
    let (sm, _) = median(scan);
    println!(
        "search 1 of {rows} rows, indexed equality: median {im:.0} µs, p99 {i99:.0} µs (2,000 searches)"
    );
    println!(
        "search 1 of {rows} rows, unindexed equality: median {sm:.0} µs ({:.0}× the indexed one)",
        sm / im
    );

    // 2. One run of 10,000 table.create_row steps (a list.for_each over 10,000 items), beside
    //    the same run rehearsed (the engine and the cards without the store) and 10,000
    //    create_row calls on the store alone (each its own transaction).
    let t = Instant::now();
    for i in 0..10_000 {
        let Value::Object(m) = json!({"user": format!("s{i}"), "n": i}) else {
            unreachable!()
        };
        tables.create_row("events", &m).unwrap();
    }
    println!(
        "10,000 create_row calls on the store alone: {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    tables.clear("events").unwrap();
    let dry_env = RunEnv {
        dry_run: true,
        transport: Arc::new(NoTransport),
        connections: Default::default(),
        capture_inputs: false,
    };
    let dry = Engine::new(Arc::new(compile()), Arc::new(dry_env));
    let mut env = RunEnv {
        dry_run: false,
        transport: Arc::new(NoTransport),
        connections: Default::default(),
        capture_inputs: false,
    };
    env.set_tables(tables.clone());
    let fill = project.by_name["fill"];
    let walk = project.by_name["walk"];
    let engine = Engine::new(Arc::new(project), Arc::new(env));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let items: Vec<usize> = (0..10_000).collect();
    let t = Instant::now();
    let rec = rt.block_on(dry.run(
        fill,
        RunInput::Inputs(json!({ "items": items })),
        RunOptions::default(),
    ));
    assert!(rec.error.is_none(), "{:?}", rec.error);
    println!(
        "the same run rehearsed (dry run, no store): {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let rec = rt.block_on(engine.run(
        fill,
        RunInput::Inputs(json!({ "items": items })),
        RunOptions::default(),
    ));
    let took = t.elapsed();
    assert!(rec.error.is_none(), "{:?}", rec.error);
    assert_eq!(tables.count("events", &Filter::All).unwrap(), 10_000);
    println!(
        "one run creating 10,000 rows (table.create_row in a list.for_each helper): {:.0} ms",
        took.as_secs_f64() * 1e3
    );

    // 3. table.for_each streaming 10,000 then 100,000 rows to a helper: resident memory.
    for min in [89_999, -1] {
        let (before, _) = rss_kib();
        let t = Instant::now();
        let rec = rt.block_on(engine.run(
            walk,
            RunInput::Inputs(json!({ "min": min })),
            RunOptions::default(),
        ));
        let took = t.elapsed();
        assert!(rec.error.is_none(), "{:?}", rec.error);
        let (after, peak) = rss_kib();
        let streamed = if min < 0 {
            rows
        } else {
            rows - 1 - usize::try_from(min).unwrap()
        };
        let output = serde_json::to_value(&rec.output).unwrap();
        assert_eq!(output["n"], json!(streamed), "{output}");
        println!(
            "table.for_each over {streamed} rows: {:.0} ms, resident {} → {} KiB (peak {} KiB)",
            took.as_secs_f64() * 1e3,
            before,
            after,
            peak
        );
    }
    drop(engine);
    drop(tables);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
