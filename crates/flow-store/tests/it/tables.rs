//! Tables in the store: rows written and searched as real SQL tables, schema changes, no lost
//! update between threads, consistent searches while rows are written; on both backends
//! (`on_both!`).

use crate::backends::{Backend, TempDatabase};
use crate::common::temp_dir;
use flow_model::tables::{Filter, Op, Search, Sort, TableError, TableStore, Tables, decode_tables};
use flow_model::{Diagnostics, SourceId, node::parse_yaml};
use flow_store::{ManualClock, SqliteStore, Store};
use serde_json::{Map, Value, json};
use std::ops::ControlFlow;
use std::sync::Arc;

fn tables(yaml: &str) -> Tables {
    let node = parse_yaml(SourceId(0), yaml).unwrap();
    let mut diags = Diagnostics::new();
    let t = decode_tables(&node, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    t
}

const USERS: &str = "users:\n  columns:\n    email: text\n    name: text\n    strikes: number\n    active: boolean\n    seen: date\n    extra: object\n  key: email\n  indexes: [strikes]\n";

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn cmp(column: &str, op: Op, value: Value) -> Filter {
    Filter::Cmp {
        column: column.into(),
        op,
        value,
    }
}

/// Where a test keeps its tables, reopened at will: a SQLite file or a PostgreSQL database.
struct Place {
    dir: std::path::PathBuf,
    db: Option<TempDatabase>,
}

impl Place {
    fn new(backend: Backend, name: &str) -> Place {
        Place {
            dir: temp_dir(name),
            db: (backend == Backend::Postgres).then(TempDatabase::create),
        }
    }

    /// A new store on this place, with the tables `yaml` declares.
    fn open(&self, yaml: &str) -> Result<Arc<dyn TableStore>, TableError> {
        self.open_at(yaml, ManualClock::at_system_time())
    }

    /// [`Place::open`] on `clock`.
    fn open_at(&self, yaml: &str, clock: ManualClock) -> Result<Arc<dyn TableStore>, TableError> {
        let store: Arc<dyn Store> = match &self.db {
            None => Arc::new(
                SqliteStore::open_with_clock(&self.dir.join("state.db"), Arc::new(clock)).unwrap(),
            ),
            Some(db) => Arc::new(db.open(Arc::new(clock))),
        };
        store.tables(&tables(yaml))
    }
}

fn seeded(backend: Backend) -> (Place, Arc<dyn TableStore>) {
    let place = Place::new(backend, "tables-seeded");
    let t = place.open(USERS).unwrap();
    for (i, (email, name)) in [
        ("ann@example.com", "Ann"),
        ("bob@example.com", "Bob"),
        ("cy@example.org", ""),
    ]
    .into_iter()
    .enumerate()
    {
        t.create_row(
            "users",
            &obj(
                json!({"email": email, "name": name, "strikes": i, "active": i != 1,
                        "seen": format!("2026-01-0{}", i + 1), "extra": {"i": i}}),
            ),
        )
        .unwrap();
    }
    (place, t)
}

fn emails(rows: &[Map<String, Value>]) -> Vec<&str> {
    rows.iter().filter_map(|r| r["email"].as_str()).collect()
}

/// A row without the times the store writes (`_created`, `_updated`: checked by
/// `rows_record_when_they_were_created_and_last_updated`).
fn untimed(mut row: Map<String, Value>) -> Value {
    for t in ["_created", "_updated"] {
        assert!(row.remove(t).is_some_and(|v| v.is_string()), "no {t}");
    }
    Value::Object(row)
}

fn rows_round_trip_with_their_types(backend: Backend) {
    let (_place, t) = seeded(backend);
    let row = t.read_row("users", 1).unwrap().unwrap();
    assert_eq!(
        untimed(row),
        json!({"id": 1, "_version": 1, "email": "ann@example.com", "name": "Ann", "strikes": 0,
               "active": true, "seen": "2026-01-01", "extra": {"i": 0}})
    );
    assert_eq!(t.read_row("users", 99).unwrap(), None);
}

fn search_conditions_sort_limit_and_paging(backend: Backend) {
    let (_place, t) = seeded(backend);
    let s = |filter, sort: Vec<Sort>, limit, offset| {
        t.search(
            "users",
            &Search {
                filter,
                sort,
                limit,
                offset,
            },
        )
        .unwrap()
    };
    let got = s(
        cmp("email", Op::Equals, json!("bob@example.com")),
        vec![],
        None,
        0,
    );
    assert_eq!(emails(&got), ["bob@example.com"]);
    let got = s(
        cmp("email", Op::Contains, json!("example.com")),
        vec![],
        None,
        0,
    );
    assert_eq!(emails(&got), ["ann@example.com", "bob@example.com"]);
    let got = s(cmp("email", Op::StartsWith, json!("cy")), vec![], None, 0);
    assert_eq!(emails(&got), ["cy@example.org"]);
    let got = s(cmp("strikes", Op::GreaterThan, json!(0)), vec![], None, 0);
    assert_eq!(emails(&got), ["bob@example.com", "cy@example.org"]);
    let got = s(
        cmp("seen", Op::LessThan, json!("2026-01-02")),
        vec![],
        None,
        0,
    );
    assert_eq!(emails(&got), ["ann@example.com"]);
    let got = s(cmp("name", Op::IsEmpty, Value::Null), vec![], None, 0);
    assert_eq!(emails(&got), ["cy@example.org"]);
    let got = s(cmp("active", Op::Equals, json!(false)), vec![], None, 0);
    assert_eq!(emails(&got), ["bob@example.com"]);
    let either = Filter::Or(vec![
        cmp("name", Op::Equals, json!("Ann")),
        Filter::And(vec![
            cmp("strikes", Op::GreaterThan, json!(1)),
            cmp("email", Op::Contains, json!(".org")),
        ]),
    ]);
    let desc = vec![Sort {
        column: "strikes".into(),
        descending: true,
    }];
    let got = s(either, desc.clone(), None, 0);
    assert_eq!(emails(&got), ["cy@example.org", "ann@example.com"]);
    // Paging: two pages of one, by strikes descending.
    assert_eq!(
        emails(&s(Filter::All, desc.clone(), Some(1), 0)),
        ["cy@example.org"]
    );
    assert_eq!(
        emails(&s(Filter::All, desc, Some(1), 1)),
        ["bob@example.com"]
    );
    assert_eq!(
        t.count("users", &cmp("strikes", Op::LessThan, json!(2)))
            .unwrap(),
        2
    );
}

/// Nulls of every type are written and read back; objects, dates and ids are filtered alike on
/// both backends (PostgreSQL keeps objects as JSONB and ids as BIGINT).
fn nulls_objects_and_ids_filter_alike(backend: Backend) {
    let (_place, t) = seeded(backend);
    let row = t
        .create_row(
            "users",
            &obj(
                json!({"email": "dee@example.com", "name": null, "strikes": null,
                        "active": null, "seen": null, "extra": null}),
            ),
        )
        .unwrap();
    let id = row["id"].as_i64().unwrap();
    assert_eq!(
        untimed(t.read_row("users", id).unwrap().unwrap()),
        json!({"id": id, "_version": 1, "email": "dee@example.com", "name": null,
               "strikes": null, "active": null, "seen": null, "extra": null})
    );
    let find = |filter| {
        emails(
            &t.search(
                "users",
                &Search {
                    filter,
                    ..Search::all()
                },
            )
            .unwrap(),
        )
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        find(cmp("extra", Op::Equals, json!({"i": 1}))),
        ["bob@example.com"]
    );
    assert_eq!(
        find(cmp("extra", Op::Contains, json!("2"))),
        ["cy@example.org"]
    );
    assert_eq!(find(cmp("extra", Op::StartsWith, json!("{"))).len(), 3);
    assert_eq!(
        find(cmp("extra", Op::IsEmpty, Value::Null)),
        ["dee@example.com"]
    );
    assert_eq!(
        find(cmp("seen", Op::StartsWith, json!("2026-01-03"))),
        ["cy@example.org"]
    );
    assert_eq!(
        find(cmp("id", Op::GreaterThan, json!(1.5))),
        ["bob@example.com", "cy@example.org", "dee@example.com"]
    );
    assert_eq!(find(cmp("id", Op::Equals, json!(2))), ["bob@example.com"]);
    assert_eq!(
        find(cmp("strikes", Op::NotEquals, json!(1))),
        ["ann@example.com", "cy@example.org", "dee@example.com"]
    );
    let back = t
        .update_row(
            "users",
            id,
            &obj(json!({"extra": [1, "two"], "active": false})),
            Some(1),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        (back["extra"].clone(), back["active"].clone()),
        (json!([1, "two"]), json!(false))
    );
}

/// An import (`create_rows`) is one transaction: a row refused as a duplicate leaves none of
/// the others written.
fn create_rows_is_all_or_nothing(backend: Backend) {
    let (_place, t) = seeded(backend);
    let rows = [
        obj(json!({"email": "new1@example.com"})),
        obj(json!({"email": "new2@example.com", "strikes": 3})),
        obj(json!({"email": "bob@example.com"})),
    ];
    let e = t.create_rows("users", &rows).unwrap_err();
    assert!(
        matches!(&e, TableError::Duplicate { value, .. } if value.contains("bob@example.com")),
        "{e}"
    );
    assert_eq!(t.count("users", &Filter::All).unwrap(), 3);
    assert_eq!(t.create_rows("users", &rows[..2]).unwrap(), 2);
    assert_eq!(t.count("users", &Filter::All).unwrap(), 5);
}

fn wrong_types_and_unknown_columns_name_the_column(backend: Backend) {
    let (_place, t) = seeded(backend);
    let e = t
        .create_row("users", &obj(json!({"strikes": "three"})))
        .unwrap_err();
    assert!(
        matches!(&e, TableError::WrongType { column, .. } if column == "strikes"),
        "{e}"
    );
    assert!(e.to_string().contains("column `strikes`"), "{e}");
    let e = t.create_row("users", &obj(json!({"nope": 1}))).unwrap_err();
    assert!(matches!(e, TableError::UnknownColumn { .. }), "{e}");
    let e = t.search(
        "users",
        &Search {
            filter: cmp("seen", Op::GreaterThan, json!(3)),
            ..Search::all()
        },
    );
    assert!(matches!(e, Err(TableError::WrongType { .. })), "{e:?}");
    assert!(matches!(
        t.count("nope", &Filter::All),
        Err(TableError::UnknownTable(_))
    ));
}

fn update_upsert_delete_clear(backend: Backend) {
    let (_place, t) = seeded(backend);
    let row = t
        .update_row("users", 2, &obj(json!({"name": "Robert"})), None)
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            row["name"].clone(),
            row["_version"].clone(),
            row["strikes"].clone()
        ),
        (json!("Robert"), json!(2), json!(1))
    );
    assert_eq!(
        t.update_row("users", 99, &obj(json!({"name": "x"})), None)
            .unwrap(),
        None
    );
    // A stale version is refused and changes nothing.
    let e = t
        .update_row("users", 2, &obj(json!({"name": "Bobby"})), Some(1))
        .unwrap_err();
    assert!(
        matches!(
            e,
            TableError::Conflict {
                expected: 1,
                found: 2,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(t.read_row("users", 2).unwrap().unwrap()["name"], "Robert");
    // Upsert by key: an update, then an insert.
    let up = t
        .upsert_row(
            "users",
            &obj(json!({"email": "ann@example.com", "strikes": 5})),
        )
        .unwrap();
    assert_eq!(
        (up["id"].clone(), up["strikes"].clone(), up["name"].clone()),
        (json!(1), json!(5), json!("Ann"))
    );
    let new = t
        .upsert_row("users", &obj(json!({"email": "dee@example.com"})))
        .unwrap();
    // A new id (PostgreSQL's may skip the one the update's attempted insert drew).
    let dee = new["id"].as_i64().unwrap();
    assert!(dee > 3, "{new:?}");
    // The key is unique.
    let e = t
        .create_row("users", &obj(json!({"email": "dee@example.com"})))
        .unwrap_err();
    assert!(matches!(e, TableError::Duplicate { .. }), "{e}");
    assert!(t.delete_row("users", dee).unwrap());
    assert!(!t.delete_row("users", dee).unwrap());
    assert_eq!(
        t.delete_rows("users", &cmp("strikes", Op::GreaterThan, json!(4)))
            .unwrap(),
        1
    );
    assert_eq!(t.clear("users").unwrap(), 2);
    assert_eq!(t.count("users", &Filter::All).unwrap(), 0);
}

fn tables_are_real_sql_tables_with_indexes_and_survive_reopening(backend: Backend) {
    let place = Place::new(backend, "tables-reopen");
    let t = place.open(USERS).unwrap();
    t.create_row("users", &obj(json!({"email": "a@x", "strikes": 1})))
        .unwrap();
    drop(t);
    match &place.db {
        None => {
            let conn = rusqlite::Connection::open(place.dir.join("state.db")).unwrap();
            let plan: String = conn
                .query_row(
                    "EXPLAIN QUERY PLAN SELECT * FROM t_users WHERE strikes = 1",
                    [],
                    |r| r.get(3),
                )
                .unwrap();
            assert!(plan.contains("INDEX t_users__strikes"), "{plan}");
        }
        Some(db) => {
            let mut conn = db.connect();
            let rows = conn
                .query(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 't_users' \
                     ORDER BY indexname",
                    &[],
                )
                .unwrap();
            let defs: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            let names: Vec<&str> = defs.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["t_users__key", "t_users__strikes", "t_users_pkey"]);
            assert!(defs[0].1.starts_with("CREATE UNIQUE INDEX"), "{defs:?}");
            let types: Vec<(String, String)> = conn
                .query(
                    "SELECT column_name, data_type FROM information_schema.columns \
                     WHERE table_name = 't_users' ORDER BY ordinal_position",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            assert_eq!(types[0], ("id".to_string(), "bigint".to_string()));
            assert!(
                types.contains(&("extra".to_string(), "jsonb".to_string())),
                "{types:?}"
            );
        }
    }
    let t = place.open(USERS).unwrap();
    assert_eq!(t.count("users", &Filter::All).unwrap(), 1);
}

fn adding_a_column_works_and_changing_a_type_is_refused(backend: Backend) {
    let place = Place::new(backend, "tables-schema");
    let t = place.open("log:\n  columns:\n    who: text\n").unwrap();
    t.create_row("log", &obj(json!({"who": "ann"}))).unwrap();
    drop(t);
    let t = place
        .open("log:\n  columns:\n    who: text\n    at: date\n")
        .unwrap();
    let row = t.read_row("log", 1).unwrap().unwrap();
    assert_eq!(row["who"], "ann");
    assert_eq!(row["at"], Value::Null);
    t.update_row("log", 1, &obj(json!({"at": "2026-02-03"})), None)
        .unwrap();
    drop(t);
    let Err(e) = place.open("log:\n  columns:\n    who: number\n    at: date\n") else {
        panic!("a type change was accepted");
    };
    assert!(
        matches!(&e, TableError::TypeChanged { column, .. } if column == "who"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("is text in the store but declared number"),
        "{e}"
    );
    // Nothing changed: the old declaration still opens and reads its rows.
    let t = place
        .open("log:\n  columns:\n    who: text\n    at: date\n")
        .unwrap();
    assert_eq!(t.read_row("log", 1).unwrap().unwrap()["at"], "2026-02-03");
}

/// Several threads increment one counter by read, then update at the version read, retrying on
/// conflict: no increment is lost.
fn concurrent_updates_of_one_row_lose_nothing(backend: Backend) {
    let place = Place::new(backend, "tables-race");
    let t = place.open("c:\n  columns:\n    n: number\n").unwrap();
    t.create_row("c", &obj(json!({"n": 0}))).unwrap();
    let (threads, each) = (4, 50);
    let mut conflicts = 0;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let t = t.clone();
                s.spawn(move || {
                    let mut conflicts = 0;
                    for _ in 0..each {
                        loop {
                            let row = t.read_row("c", 1).unwrap().unwrap();
                            let n = row["n"].as_i64().unwrap();
                            let v = row["_version"].as_i64().unwrap();
                            match t.update_row("c", 1, &obj(json!({"n": n + 1})), Some(v)) {
                                Ok(Some(_)) => break,
                                Err(TableError::Conflict { .. }) => conflicts += 1,
                                other => panic!("{other:?}"),
                            }
                        }
                    }
                    conflicts
                })
            })
            .collect();
        for h in handles {
            conflicts += h.join().unwrap();
        }
    });
    let row = t.read_row("c", 1).unwrap().unwrap();
    assert_eq!(
        row["n"],
        json!(threads * each),
        "after {conflicts} conflicts"
    );
    assert_eq!(row["_version"], json!(threads * each + 1));
}

/// Rows are written 20 at a time in one transaction while another thread counts and searches:
/// every read sees whole batches only.
fn a_search_while_rows_are_written_sees_whole_writes(backend: Backend) {
    let place = Place::new(backend, "tables-snapshot");
    let t = place.open("e:\n  columns:\n    batch: number\n").unwrap();
    let batches = 40;
    std::thread::scope(|s| {
        let writer = {
            let t = t.clone();
            s.spawn(move || {
                for b in 0..batches {
                    let rows: Vec<_> = (0..20).map(|_| obj(json!({"batch": b}))).collect();
                    t.create_rows("e", &rows).unwrap();
                }
            })
        };
        let mut seen = 0;
        while seen < batches * 20 {
            let n = t.count("e", &Filter::All).unwrap();
            assert_eq!(n % 20, 0, "count {n} saw part of a batch");
            let rows = t.search("e", &Search::all()).unwrap();
            assert_eq!(rows.len() % 20, 0, "search saw part of a batch");
            seen = rows.len();
        }
        writer.join().unwrap();
    });
}

fn stream_hands_every_row_a_page_at_a_time_and_stops_when_told(backend: Backend) {
    let place = Place::new(backend, "tables-stream");
    let t = place.open("s:\n  columns:\n    n: number\n").unwrap();
    let rows: Vec<_> = (0..1234).map(|i| obj(json!({"n": i}))).collect();
    t.create_rows("s", &rows).unwrap();
    let mut sum = 0;
    let n = t
        .stream("s", &cmp("n", Op::GreaterThan, json!(33)), &mut |row| {
            sum += row["n"].as_i64().unwrap();
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(n, 1200);
    assert_eq!(sum, (34..1234).sum::<i64>());
    let mut taken = 0;
    let n = t
        .stream("s", &Filter::All, &mut |_| {
            taken += 1;
            if taken == 600 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!((n, taken), (600, 600));
}

/// `flowctl serve` opens the tables from inside its tokio runtime, where PostgreSQL's
/// synchronous client may not block (it panicked there once).
fn tables_open_from_inside_a_tokio_runtime(backend: Backend) {
    let opened = backend.open();
    let store = Arc::clone(&opened.store);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let t = runtime.block_on(async move { store.tables(&tables(USERS)) });
    assert_eq!(t.unwrap().count("users", &Filter::All).unwrap(), 0);
}

/// Every write records its time on the store's clock: creating sets `_created` and
/// `_updated`, updating and upserting an existing row set `_updated` only.
fn rows_record_when_they_were_created_and_last_updated(backend: Backend) {
    let place = Place::new(backend, "tables-times");
    // 2026-01-05T09:30:00Z
    let clock = ManualClock::new(1_767_605_400_000);
    let t = place.open_at(USERS, clock.clone()).unwrap();
    let times = |row: &Map<String, Value>| (row["_created"].clone(), row["_updated"].clone());
    let ann = t
        .create_row("users", &obj(json!({"email": "ann@example.com"})))
        .unwrap();
    let first = json!("2026-01-05T09:30:00.000Z");
    assert_eq!(times(&ann), (first.clone(), first.clone()));
    clock.advance(std::time::Duration::from_secs(3600));
    let updated = t
        .update_row("users", 1, &obj(json!({"name": "Ann"})), None)
        .unwrap()
        .unwrap();
    let second = json!("2026-01-05T10:30:00.000Z");
    assert_eq!(times(&updated), (first.clone(), second.clone()));
    assert_eq!(
        times(&t.read_row("users", 1).unwrap().unwrap()),
        times(&updated)
    );
    // A conditional update refused for a stale version changes no time.
    clock.advance(std::time::Duration::from_secs(60));
    assert!(
        t.update_row("users", 1, &obj(json!({"name": "x"})), Some(1))
            .is_err()
    );
    assert_eq!(
        times(&t.read_row("users", 1).unwrap().unwrap()),
        times(&updated)
    );
    clock.advance(std::time::Duration::from_millis(3_540_250));
    let third = json!("2026-01-05T11:30:00.250Z");
    let upserted = t
        .upsert_row(
            "users",
            &obj(json!({"email": "ann@example.com", "strikes": 1})),
        )
        .unwrap();
    assert_eq!(times(&upserted), (first, third.clone()));
    let bob = t
        .upsert_row("users", &obj(json!({"email": "bob@example.com"})))
        .unwrap();
    assert_eq!(times(&bob), (third.clone(), third.clone()));
    t.create_rows("users", &[obj(json!({"email": "cy@example.com"}))])
        .unwrap();
    let cy = t
        .search(
            "users",
            &Search {
                filter: cmp("email", Op::Equals, json!("cy@example.com")),
                ..Search::all()
            },
        )
        .unwrap();
    assert_eq!(times(&cy[0]), (third.clone(), third));
}

/// A table a store made before rows had times gets `_created` and `_updated` when opened: its
/// rows hold `null` there until they are written again.
fn a_table_made_before_rows_had_times_gets_them(backend: Backend) {
    let place = Place::new(backend, "tables-upgrade");
    let old = [
        "CREATE TABLE flow_tables (name TEXT PRIMARY KEY, columns TEXT NOT NULL)",
        r#"INSERT INTO flow_tables (name, columns) VALUES ('log', '{"who":"text"}')"#,
        r#"INSERT INTO "t_log" (_version, "who") VALUES (3, 'ann')"#,
    ];
    match &place.db {
        None => {
            // The store's own schema first, as an older flowctl left it.
            drop(SqliteStore::open(&place.dir.join("state.db")).unwrap());
            let conn = rusqlite::Connection::open(place.dir.join("state.db")).unwrap();
            conn.execute_batch(old[0]).unwrap();
            conn.execute_batch(old[1]).unwrap();
            conn.execute_batch(
                r#"CREATE TABLE "t_log" (id INTEGER PRIMARY KEY, _version BIGINT NOT NULL, "who" TEXT)"#,
            )
            .unwrap();
            conn.execute_batch(old[2]).unwrap();
        }
        Some(db) => {
            drop(db.open(Arc::new(ManualClock::at_system_time())));
            let mut conn = db.connect();
            conn.batch_execute(old[0]).unwrap();
            conn.batch_execute(old[1]).unwrap();
            conn.batch_execute(
                r#"CREATE TABLE "t_log" (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, _version BIGINT NOT NULL, "who" TEXT)"#,
            )
            .unwrap();
            conn.batch_execute(old[2]).unwrap();
        }
    }
    let yaml = "log:\n  columns:\n    who: text\n";
    let clock = ManualClock::new(1_767_605_400_000);
    let t = place.open_at(yaml, clock.clone()).unwrap();
    assert_eq!(
        Value::Object(t.read_row("log", 1).unwrap().unwrap()),
        json!({"id": 1, "_version": 3, "_created": null, "_updated": null, "who": "ann"})
    );
    let row = t
        .update_row("log", 1, &obj(json!({"who": "ann b"})), None)
        .unwrap()
        .unwrap();
    assert_eq!(row["_created"], Value::Null);
    assert_eq!(row["_updated"], "2026-01-05T09:30:00.000Z");
    drop(t);
    // Opened again: the times are recorded, nothing more is added.
    let t = place.open_at(yaml, clock).unwrap();
    assert_eq!(
        t.read_row("log", 1).unwrap().unwrap()["_updated"],
        "2026-01-05T09:30:00.000Z"
    );
}

crate::backends::on_both!(
    rows_record_when_they_were_created_and_last_updated,
    a_table_made_before_rows_had_times_gets_them,
    tables_open_from_inside_a_tokio_runtime,
    rows_round_trip_with_their_types,
    search_conditions_sort_limit_and_paging,
    nulls_objects_and_ids_filter_alike,
    create_rows_is_all_or_nothing,
    wrong_types_and_unknown_columns_name_the_column,
    update_upsert_delete_clear,
    tables_are_real_sql_tables_with_indexes_and_survive_reopening,
    adding_a_column_works_and_changing_a_type_is_refused,
    concurrent_updates_of_one_row_lose_nothing,
    a_search_while_rows_are_written_sees_whole_writes,
    stream_hands_every_row_a_page_at_a_time_and_stops_when_told,
);
