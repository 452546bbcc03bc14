//! The store on disk: what survives a reopen, what it refuses to open, a full disk, many
//! writers at once, and that it writes exactly what it is given (no secret it was not given).
use crate::common;

use common::{new_id, new_run, oort_record, oort_steps, temp_dir};
use flow_runtime::TriggerRequest;
use flow_store::{ListFilter, SCHEMA_VERSION, SqliteStore, Store, StoreError, StoredInput};
use std::sync::Arc;

#[test]
fn reopening_keeps_everything_acknowledged() {
    let dir = temp_dir("reopen");
    let path = dir.join("nested/dirs/state.db");
    let (done, open_run, queued_only) = (new_id(), new_id(), new_id());
    let steps = oort_steps();
    let final_record = oort_record(&done);
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.path(), Some(path.as_path()));
        store.begin(&new_run(&done, "f")).unwrap();
        store.finish(&final_record).unwrap();
        store.begin(&new_run(&open_run, "f")).unwrap();
        store.save_step(&open_run, 0, &steps[0]).unwrap();
        store
            .save_child(&open_run, "dispatch", &steps[5].children[0])
            .unwrap();
        store.flush().unwrap();
        // Queued but never flushed: dropping the store commits it.
        store.begin(&new_run(&queued_only, "f")).unwrap();
        store.save_step(&queued_only, 3, &steps[3]).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let record = store.get(&done).unwrap().unwrap();
    assert_eq!(
        serde_json::to_value(&record).unwrap(),
        serde_json::to_value(&final_record).unwrap()
    );
    assert_eq!(record.steps.len(), 8);
    let progress = store.progress(&open_run).unwrap();
    assert_eq!(progress.steps.len(), 1);
    assert_eq!(progress.children.len(), 1);
    assert_eq!(
        &*store.progress(&queued_only).unwrap().steps[&3].id,
        "actions"
    );
    assert_eq!(store.list(&ListFilter::default()).unwrap().len(), 3);
    let unfinished = store
        .claim_unfinished("me", std::time::Duration::from_secs(30))
        .unwrap();
    assert_eq!(unfinished.len(), 2);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_untouched() {
    let dir = temp_dir("corrupt");
    let path = dir.join("state.db");
    // Deterministic noise (xorshift), 16 KiB.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..16 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&path, &bytes).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { path: p, .. } if p == &path),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file was changed");
}

#[test]
fn a_damaged_database_is_refused() {
    let dir = temp_dir("damaged");
    let path = dir.join("state.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        for _ in 0..200 {
            let id = new_id();
            store.begin(&new_run(&id, "f")).unwrap();
            store.finish(&oort_record(&id)).unwrap();
        }
    }
    // Overwrite pages past the first (the header stays valid, the b-trees do not).
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024, "{}", bytes.len());
    for b in &mut bytes[4096 * 2..4096 * 12] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { path: p, .. } if p == &path),
        "{err:?}"
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = temp_dir("newer");
    let path = dir.join("state.db");
    drop(SqliteStore::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
    }
    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(
        err,
        StoreError::NewerSchema {
            path: path.clone(),
            found: 999,
            supported: SCHEMA_VERSION
        }
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 999);
}

#[test]
fn a_full_disk_is_an_error_and_loses_nothing_acknowledged() {
    let dir = temp_dir("full");
    let path = dir.join("state.db");
    drop(SqliteStore::open(&path).unwrap());
    let mut acknowledged = Vec::new();
    let (refused, err) = {
        // Where the disk fills depends on the schema's pages: at exactly 64 (since the
        // `schedule_ticks` table) the last step fits in the steps table's empty root page.
        let store = SqliteStore::open_with_max_pages(&path, 65).unwrap();
        let err = loop {
            let id = new_id();
            match store.begin(&new_run(&id, "f")) {
                Ok(()) => acknowledged.push(id),
                Err(e) => break (id, e),
            }
            assert!(acknowledged.len() < 10_000, "never full");
        };
        // Batched writes that hit the full disk are reported, not lost silently.
        let steps = oort_steps();
        let last = acknowledged.last().unwrap().clone();
        for _ in 0..50 {
            if store.save_step(&last, 5, &steps[5]).is_err() {
                break;
            }
        }
        let flushed = store.flush();
        assert!(
            matches!(flushed, Err(StoreError::Full { .. })),
            "{flushed:?}"
        );
        assert!(matches!(
            store.save_response(&last, &steps_response()),
            Err(StoreError::Full { .. })
        ));
        store.health().unwrap();
        err
    };
    assert_eq!(err, StoreError::Full { path: path.clone() });
    assert!(err.to_string().contains("full"), "{err}");
    assert!(acknowledged.len() > 10, "{}", acknowledged.len());

    let store = SqliteStore::open(&path).unwrap();
    for id in &acknowledged {
        assert!(
            store.get(id).unwrap().is_some(),
            "lost acknowledged run {id}"
        );
    }
    assert!(store.get(&refused).unwrap().is_none());
    let rows = store
        .list(&ListFilter {
            limit: 0,
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(rows.len(), acknowledged.len());
}

#[test]
fn a_full_disk_under_concurrent_writers_loses_nothing_acknowledged() {
    let dir = temp_dir("full-concurrent");
    let path = dir.join("state.db");
    drop(SqliteStore::open(&path).unwrap());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_with_max_pages(&path, 96).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                loop {
                    let id = new_id();
                    match store.begin(&new_run(&id, "f")) {
                        Ok(()) => acknowledged.push(id),
                        Err(e) => return (acknowledged, e),
                    }
                }
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for t in threads {
        let (ids, err) = t.join().unwrap();
        assert!(matches!(err, StoreError::Full { .. }), "{err:?}");
        acknowledged.extend(ids);
    }
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    for id in &acknowledged {
        assert!(
            store.get(id).unwrap().is_some(),
            "lost acknowledged run {id}"
        );
    }
    let all = ListFilter {
        limit: 0,
        ..ListFilter::default()
    };
    assert_eq!(store.list(&all).unwrap().len(), acknowledged.len());
}

#[test]
fn a_full_disk_leaves_no_dedupe_key_without_its_run() {
    let dir = temp_dir("full-dedupe");
    let path = dir.join("state.db");
    drop(SqliteStore::open(&path).unwrap());
    let store = SqliteStore::open_with_max_pages(&path, 64).unwrap();
    let big = |id: &str, kib: usize| {
        let mut run = new_run(id, "f");
        run.input = StoredInput::Inputs(serde_json::json!({ "pad": "x".repeat(kib * 1024) }));
        run
    };
    for i in 0.. {
        if store.begin(&big(&new_id(), 16)).is_err() {
            break;
        }
        assert!(i < 10_000, "never full");
    }
    // The key alone would fit; the run does not: neither is stored.
    let id = new_id();
    let lease = std::time::Duration::from_secs(10);
    let window = std::time::Duration::from_secs(3600);
    let err = store
        .begin_deduped(&big(&id, 48), "node-1", lease, "evt-1", window)
        .unwrap_err();
    assert!(matches!(err, StoreError::Full { .. }), "{err:?}");
    assert!(store.get(&id).unwrap().is_none());
    assert_eq!(
        store.dedupe("f", "evt-1", window, &new_id()).unwrap(),
        flow_store::Dedupe::First,
        "the key of a run that was never stored is held"
    );
}

fn steps_response() -> flow_runtime::ResponseRecord {
    flow_runtime::ResponseRecord {
        status: 200,
        headers: vec![],
        body: serde_json::json!({ "big": "x".repeat(64 * 1024) }),
        at_ms: 1.0,
    }
}

#[test]
fn many_threads_begin_at_once() {
    let dir = temp_dir("threads");
    // As the server holds it: shared, behind the trait.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("state.db")).unwrap());
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for _ in 0..40 {
                    let id = new_id();
                    store.begin(&new_run(&id, "f")).unwrap();
                    store.save_step(&id, 0, &oort_steps()[0]).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    store.flush().unwrap();
    let rows = store
        .list(&ListFilter {
            limit: 0,
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 32 * 40);
}

/// Every byte of the database's files in `dir` (the database, its write-ahead log, its
/// shared-memory index), by file name.
fn raw_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// The names of the files in `files` that hold `needle`.
fn holding(files: &[(String, Vec<u8>)], needle: &str) -> Vec<String> {
    files
        .iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn secrets_of_a_request_stored_the_servers_way_are_in_no_byte_of_the_database_or_its_log() {
    let dir = temp_dir("secrets");
    let path = dir.join("state.db");
    let (header_secret, query_secret) = ("tok-7f3a9c1e5b2d8064-SECRET", "qs-91c0e2aa-SECRET");
    let marker = "plain.body.marker@example.com";
    let body = format!(r#"{{"id":"evt-1","detail":{{"usersFailing":["{marker}"]}}}}"#);
    // The request as it arrives, secrets in the clear.
    let request = TriggerRequest {
        method: "POST".into(),
        body: body.clone(),
        headers: vec![
            ("x-api-client-token".into(), header_secret.into()),
            ("content-type".into(), "application/json".into()),
        ],
        query: vec![
            ("clientToken".into(), query_secret.into()),
            ("page".into(), "2".into()),
        ],
    };
    let id = new_id();
    let store = SqliteStore::open(&path).unwrap();
    // What the server stores: its input (flow_server::stored_input, as `Durable::begin` is
    // given it) and the engine's record of the trigger (TriggerRequest::to_record).
    let mut run = new_run(&id, "oort-failing-check");
    run.input = flow_server::stored_input(&request);
    store.begin(&run).unwrap();
    let mut record = oort_record(&id);
    record.trigger = Some(Box::new(request.to_record()));
    store.finish(&record).unwrap();
    store.flush().unwrap();

    // While the store is open, the commits are in the write-ahead log: the scan sees them
    // there (the body is found), and no secret.
    let open = raw_files(&dir);
    assert_eq!(holding(&open, marker), ["state.db-wal"]);
    assert_eq!(holding(&open, header_secret), [] as [&str; 0]);
    assert_eq!(holding(&open, query_secret), [] as [&str; 0]);
    // Closed: checkpointed into the database file.
    drop(store);
    let closed = raw_files(&dir);
    assert_eq!(holding(&closed, marker), ["state.db"]);
    assert_eq!(holding(&closed, header_secret), [] as [&str; 0]);
    assert_eq!(holding(&closed, query_secret), [] as [&str; 0]);

    // Masked, not dropped: the input and the record name each secret as `***`.
    let store = SqliteStore::open(&path).unwrap();
    let masked = vec![
        ("x-api-client-token".to_string(), "***".to_string()),
        ("content-type".to_string(), "application/json".to_string()),
    ];
    assert_eq!(
        store.input(&id).unwrap(),
        Some(StoredInput::Request {
            method: "POST".into(),
            body: body.clone(),
            headers: masked,
            query: vec![
                ("clientToken".into(), "***".into()),
                ("page".into(), "2".into()),
            ],
        })
    );
    assert_eq!(
        store.get(&id).unwrap().unwrap().trigger.as_deref(),
        Some(&serde_json::json!({
            "method": "POST",
            "headers": { "x-api-client-token": "***", "content-type": "application/json" },
            "query": { "clientToken": "***", "page": "2" },
            "body": body,
        }))
    );
}

#[test]
fn the_store_writes_exactly_what_it_is_given() {
    // The store masks nothing itself: a secret its caller fails to mask is stored (which is
    // why the test above goes through the server's own masking).
    let dir = temp_dir("verbatim");
    let store = SqliteStore::open(&dir.join("state.db")).unwrap();
    let id = new_id();
    let mut run = new_run(&id, "f");
    run.input = StoredInput::Request {
        method: "POST".into(),
        body: String::new(),
        headers: vec![("x-api-client-token".into(), "unmasked-by-caller".into())],
        query: vec![],
    };
    store.begin(&run).unwrap();
    assert_eq!(store.input(&id).unwrap(), Some(run.input));
    assert_eq!(
        holding(&raw_files(&dir), "unmasked-by-caller"),
        ["state.db-wal"]
    );
}

#[test]
fn store_settings() {
    let dir = temp_dir("url");
    assert!(SqliteStore::from_url("none", &dir).unwrap().is_none());
    let store = SqliteStore::from_url("sqlite://.flowctl/state.db", &dir)
        .unwrap()
        .unwrap();
    assert_eq!(store.path(), Some(dir.join(".flowctl/state.db").as_path()));
    store.health().unwrap();
    let memory = SqliteStore::from_url("sqlite://:memory:", &dir)
        .unwrap()
        .unwrap();
    assert_eq!(memory.path(), None);
    memory.health().unwrap();
    let err = SqliteStore::from_url("postgres://flow:hunter2@db/flows", &dir).unwrap_err();
    assert!(matches!(err, StoreError::Unsupported(_)));
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let err = SqliteStore::from_url("sqlite://", &dir).unwrap_err();
    assert!(matches!(err, StoreError::Unsupported(_)), "{err}");
    let err = SqliteStore::open(&dir).unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
}

#[test]
fn an_empty_file_is_refused_untouched_and_a_missing_one_is_created() {
    let dir = temp_dir("empty");
    let path = dir.join("state.db");
    std::fs::write(&path, b"").unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    let StoreError::Corrupt {
        path: named,
        detail,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(named, &path);
    assert_eq!(
        detail,
        "the file is empty: 0 bytes, so it holds none of the runs and dedupe keys of the \
         store it replaced"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"", "the file was changed");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "files were left next to it"
    );
    // Through a `store:` setting too.
    let err = SqliteStore::from_url("sqlite://state.db", &dir).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");

    // A path that does not exist is a new store, created whole: no file but the database.
    let fresh = dir.join("new/state.db");
    let id = new_id();
    {
        let store = SqliteStore::open(&fresh).unwrap();
        store.begin(&new_run(&id, "f")).unwrap();
    }
    let names: Vec<String> = std::fs::read_dir(dir.join("new"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["state.db"]);
    assert!(
        SqliteStore::open(&fresh)
            .unwrap()
            .get(&id)
            .unwrap()
            .is_some()
    );
}
