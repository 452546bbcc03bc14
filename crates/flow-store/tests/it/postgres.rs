//! What only the PostgreSQL store has: migrations refused when newer and applied once by nodes
//! starting together, errors that never show the URL's password, reconnecting after the
//! server dropped a connection, the sync client on a tokio runtime's blocking threads, and two
//! stores (two nodes) on one database sharing claims, leases, dedupe keys and the queue, and
//! waking each other (`LISTEN/NOTIFY`) when one queues work.
use crate::backends::{TempDatabase, admin, test_options};
use crate::common::{new_id, new_run};

use flow_store::{
    Dedupe, ListFilter, ManualClock, POSTGRES_SCHEMA_VERSION, PostgresOptions, PostgresStore,
    Store, StoreError,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

fn schema_versions(db: &TempDatabase) -> Vec<i64> {
    db.connect()
        .query("SELECT version FROM flowctl_schema ORDER BY version", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn a_newer_schema_is_refused_and_left_as_it_is() {
    let db = TempDatabase::create();
    drop(db.open(Arc::new(ManualClock::at_system_time())));
    db.connect()
        .batch_execute("INSERT INTO flowctl_schema (version) VALUES (999)")
        .unwrap();
    let err = PostgresStore::open(&db.url).unwrap_err();
    assert_eq!(
        err,
        StoreError::NewerSchema {
            path: db.url.clone().into(),
            found: 999,
            supported: POSTGRES_SCHEMA_VERSION
        }
    );
    assert!(err.to_string().contains("upgrade flowctl"), "{err}");
    let mut expected: Vec<i64> = (1..=POSTGRES_SCHEMA_VERSION).collect();
    expected.push(999);
    assert_eq!(schema_versions(&db), expected);
}

#[test]
fn nodes_starting_together_apply_each_migration_once() {
    let db = Arc::new(TempDatabase::create());
    let opened: Vec<_> = (0..4)
        .map(|_| {
            let db = Arc::clone(&db);
            std::thread::spawn(move || {
                PostgresStore::open_with(
                    &db.url,
                    &test_options(),
                    Arc::new(ManualClock::at_system_time()),
                )
                .map(drop)
            })
        })
        .collect();
    for t in opened {
        t.join().unwrap().unwrap();
    }
    let expected: Vec<i64> = (1..=POSTGRES_SCHEMA_VERSION).collect();
    assert_eq!(schema_versions(&db), expected);
}

/// The server's host and port, from the test URL.
fn server() -> String {
    let url = crate::backends::admin_url();
    let after = url.split_once("://").unwrap().1;
    let host = after.rsplit_once('@').map_or(after, |(_, h)| h);
    host.split_once('/').map_or(host, |(h, _)| h).to_string()
}

#[test]
fn the_password_of_the_url_is_in_no_error() {
    const PASSWORD: &str = "hunter2-Zq9";
    let quick = PostgresOptions {
        connect_timeout: Duration::from_secs(2),
        checkout_timeout: Duration::from_secs(1),
        ..test_options()
    };
    let clock = || Arc::new(ManualClock::at_system_time());
    // Nothing listens on port 1: unavailable.
    let err = PostgresStore::open_with(
        &format!("postgres://flow:{PASSWORD}@127.0.0.1:1/flows"),
        &quick,
        clock(),
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(PASSWORD) && text.contains("flow:***@"),
        "{text}"
    );
    // No such database: refused.
    let err = PostgresStore::open_with(
        &format!(
            "postgres://postgres:{PASSWORD}@{}/flowctl_no_such_database",
            server()
        ),
        &quick,
        clock(),
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
    assert!(
        err.to_string().contains("flowctl_no_such_database"),
        "{err}"
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(text.contains("postgres:***@"), "{text}");
    }
    // A URL that does not parse.
    let Err(err) = flow_store::open_url(
        &format!("postgres://flow:{PASSWORD}@db:port/flows"),
        std::path::Path::new("."),
    ) else {
        panic!("a URL with a port that is not a number was opened");
    };
    assert!(!format!("{err} {err:?}").contains(PASSWORD), "{err:?}");

    // Opened (the server trusts local connections, so the password is not checked): the
    // store shows its URL without it, and so do its errors once the database is gone.
    let db = TempDatabase::create();
    let with_password = db
        .url
        .replacen("://postgres@", &format!("://postgres:{PASSWORD}@"), 1);
    assert_ne!(
        with_password, db.url,
        "the test URL names the user postgres"
    );
    let store = PostgresStore::open_with(&with_password, &quick, clock()).unwrap();
    assert!(!store.url().contains(PASSWORD) && !format!("{store:?}").contains(PASSWORD));
    admin()
        .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", db.name))
        .unwrap();
    let err = store.list(&ListFilter::default()).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(PASSWORD), "{err:?}");
}

#[test]
fn a_connection_the_server_dropped_is_replaced_on_the_next_call() {
    let db = TempDatabase::create();
    let store = db.open(Arc::new(ManualClock::at_system_time()));
    store.health().unwrap();
    // As a server restart would: every connection to the database is ended.
    let ended: i64 = admin()
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
            &[&db.name],
        )
        .unwrap()
        .get(0);
    assert!(ended >= 1, "the store held no connection");
    let id = new_id();
    store.begin(&new_run(&id, "f")).unwrap();
    assert!(store.get(&id).unwrap().is_some());
}

#[test]
fn a_database_that_refuses_connections_is_unavailable_then_back() {
    let db = TempDatabase::create();
    let options = PostgresOptions {
        checkout_timeout: Duration::from_millis(500),
        ..test_options()
    };
    let store =
        PostgresStore::open_with(&db.url, &options, Arc::new(ManualClock::at_system_time()))
            .unwrap();
    let mut admin = admin();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {0} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{0}'",
            db.name
        ))
        .unwrap();
    let err = store.begin(&new_run(&new_id(), "f")).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS true",
            db.name
        ))
        .unwrap();
    let id = new_id();
    store.begin(&new_run(&id, "f")).unwrap();
    assert_eq!(store.list(&ListFilter::default()).unwrap().len(), 1);
}

#[test]
fn the_sync_client_works_from_a_tokio_runtimes_blocking_threads() {
    let db = TempDatabase::create();
    let store: Arc<dyn Store> = Arc::new(db.open(Arc::new(ManualClock::at_system_time())));
    for runtime in [
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
    ] {
        runtime.block_on(async {
            let tasks: Vec<_> = (0..16)
                .map(|_| {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move {
                        // As the server calls the store: from a task, on a blocking thread.
                        tokio::task::spawn_blocking(move || {
                            let id = new_id();
                            store.begin(&new_run(&id, "f"))?;
                            store.get(&id)
                        })
                        .await
                    })
                })
                .collect();
            for task in tasks {
                let got = task.await.unwrap().unwrap().unwrap();
                assert!(got.is_some());
            }
        });
    }
    let all = ListFilter {
        limit: 0,
        ..ListFilter::default()
    };
    assert_eq!(store.list(&all).unwrap().len(), 32);
    // Opened and dropped by a task, as `flowctl serve` does as its runtime starts and ends.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let url = db.url.clone();
    runtime.block_on(async move {
        let store = PostgresStore::open(&url).unwrap();
        let checked = tokio::task::spawn_blocking(move || store.health().map(|()| store))
            .await
            .unwrap()
            .unwrap();
        drop(checked);
    });
}

/// Two nodes on one database, on one clock.
fn two_nodes() -> (
    TempDatabase,
    ManualClock,
    Arc<PostgresStore>,
    Arc<PostgresStore>,
) {
    let db = TempDatabase::create();
    let clock = ManualClock::at_system_time();
    let a = Arc::new(db.open(Arc::new(clock.clone())));
    let b = Arc::new(db.open(Arc::new(clock.clone())));
    (db, clock, a, b)
}

#[test]
fn a_claim_by_one_node_is_not_taken_by_another_until_its_lease_expires() {
    let (_db, clock, a, b) = two_nodes();
    let ids: Vec<String> = (0..3).map(|_| new_id()).collect();
    for id in &ids {
        a.begin(&new_run(id, "f")).unwrap();
    }
    let lease = Duration::from_millis(500);
    let claimed = |store: &PostgresStore, owner: &str| -> Vec<String> {
        store
            .claim_unfinished(owner, lease)
            .unwrap()
            .into_iter()
            .map(|u| u.execution_id)
            .collect()
    };
    assert_eq!(claimed(&a, "node-a"), ids);
    assert!(claimed(&b, "node-b").is_empty());
    clock.advance(lease);
    assert!(
        claimed(&b, "node-b").is_empty(),
        "held to its last millisecond"
    );
    // node-a stops renewing (it died): node-b takes them all, and they resume from what
    // node-a saved.
    // A step is queued until node-a's next commit (the server flushes after every batch).
    a.save_step(&ids[0], 0, &crate::common::oort_steps()[0])
        .unwrap();
    assert!(b.progress(&ids[0]).unwrap().steps.is_empty());
    a.flush().unwrap();
    clock.advance(Duration::from_millis(1));
    assert_eq!(claimed(&b, "node-b"), ids);
    assert_eq!(b.progress(&ids[0]).unwrap().steps.len(), 1);
    assert!(claimed(&a, "node-a").is_empty());
}

#[test]
fn nodes_claiming_at_once_each_get_different_runs() {
    let (_db, _clock, a, b) = two_nodes();
    let ids: HashSet<String> = (0..200).map(|_| new_id()).collect();
    for id in &ids {
        a.begin(&new_run(id, "f")).unwrap();
    }
    let claimers: Vec<_> = (0..8)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                // Until nothing is left; claims of other threads are skipped, not waited on.
                loop {
                    let got = store
                        .claim_unfinished(&format!("node-{i}"), Duration::from_secs(60))
                        .unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|u| u.execution_id));
                }
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for t in claimers {
        for id in t.join().unwrap() {
            assert!(seen.insert(id.clone()), "{id} claimed twice");
        }
    }
    assert_eq!(seen, ids);
}

#[test]
fn a_dedupe_key_is_taken_once_across_nodes() {
    let (_db, clock, a, b) = two_nodes();
    let window = Duration::from_secs(60);
    let lease = Duration::from_secs(10);
    let deliveries: Vec<_> = (0..16)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || {
                let id = new_id();
                let answer = store
                    .begin_deduped(
                        &new_run(&id, "f"),
                        &format!("node-{i}"),
                        lease,
                        "evt-1",
                        window,
                    )
                    .unwrap();
                (id, answer)
            })
        })
        .collect();
    let answers: Vec<(String, Dedupe)> =
        deliveries.into_iter().map(|t| t.join().unwrap()).collect();
    let firsts: Vec<&String> = answers
        .iter()
        .filter(|(_, d)| *d == Dedupe::First)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(firsts.len(), 1, "{answers:?}");
    let first = firsts[0].clone();
    for (_, answer) in &answers {
        if let Dedupe::Repeat { execution_id, .. } = answer {
            assert_eq!(execution_id, &first);
        }
    }
    let all = ListFilter {
        limit: 0,
        ..ListFilter::default()
    };
    assert_eq!(a.list(&all).unwrap().len(), 1, "repeats record nothing");
    // Expired on one node's clock: the other node takes the key anew.
    clock.advance(window);
    let again = new_id();
    assert_eq!(
        b.begin_deduped(&new_run(&again, "f"), "node-b", lease, "evt-1", window)
            .unwrap(),
        Dedupe::First
    );
    assert_eq!(
        a.dedupe("f", "evt-1", window, &new_id()).unwrap(),
        Dedupe::Repeat {
            execution_id: again,
            response: None
        }
    );
}

fn answer() -> flow_runtime::ResponseRecord {
    flow_runtime::ResponseRecord {
        status: 200,
        headers: vec![],
        body: serde_json::json!({ "received": true }),
        at_ms: 0.1,
    }
}

#[test]
fn queued_writes_commit_together_and_a_failed_one_is_reported_once() {
    let db = TempDatabase::create();
    let store = db.open(Arc::new(ManualClock::at_system_time()));
    let steps = crate::common::oort_steps();
    let run = new_id();
    store.begin(&new_run(&run, "f")).unwrap();
    store.save_step(&run, 0, &steps[0]).unwrap();
    // An answer for a run that was never begun fails at the commit; the writes around it are
    // kept.
    store.queue_response("ghost", &answer()).unwrap();
    store.save_step(&run, 1, &steps[1]).unwrap();
    assert_eq!(
        store.flush().unwrap_err(),
        StoreError::UnknownRun("ghost".into())
    );
    assert_eq!(store.progress(&run).unwrap().steps.len(), 2);
    store.flush().unwrap();

    // Committed by the next call of any kind; the failure waits for its run's next write.
    store.queue_response("ghost", &answer()).unwrap();
    store.begin(&new_run(&new_id(), "f")).unwrap();
    assert_eq!(
        store.save_step("ghost", 0, &steps[0]).unwrap_err(),
        StoreError::UnknownRun("ghost".into())
    );
    assert!(store.flush().is_err());
    store.flush().unwrap();

    // Dropping the store commits what is queued.
    store.save_step(&run, 2, &steps[2]).unwrap();
    drop(store);
    let store = db.open(Arc::new(ManualClock::at_system_time()));
    assert_eq!(store.progress(&run).unwrap().steps.len(), 3);
}

#[test]
fn queued_runs_claimed_at_once_by_two_nodes_each_go_to_one_in_arrival_order() {
    let (_db, _clock, a, b) = two_nodes();
    let arrivals: Vec<String> = (0..200).map(|_| new_id()).collect();
    for (i, id) in arrivals.iter().enumerate() {
        let node = if i % 2 == 0 { &a } else { &b };
        node.enqueue(&new_run(id, "f"), None, None).unwrap();
    }
    let claimers: Vec<_> = (0..8)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || {
                let mut claims = Vec::new();
                loop {
                    let got = store
                        .claim(7, &format!("node-{i}"), Duration::from_secs(60))
                        .unwrap();
                    if got.is_empty() {
                        return claims;
                    }
                    claims.push(got.into_iter().map(|u| u.execution_id).collect::<Vec<_>>());
                }
            })
        })
        .collect();
    let position: std::collections::HashMap<&str, usize> = arrivals
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut seen = HashSet::new();
    for t in claimers {
        for claim in t.join().unwrap() {
            assert!(claim.len() <= 7, "a claim of 7 took {}", claim.len());
            let order: Vec<usize> = claim.iter().map(|id| position[id.as_str()]).collect();
            assert!(order.is_sorted(), "not in arrival order: {order:?}");
            for id in claim {
                assert!(seen.insert(id.clone()), "{id} claimed twice");
            }
        }
    }
    assert_eq!(seen.len(), arrivals.len());
    assert!(a.queue_depth().unwrap().is_empty());
}

#[test]
fn an_enqueue_on_one_node_wakes_another_waiting_for_work() {
    let (_db, _clock, a, b) = two_nodes();
    // The first wait opens the listening connection: work may have been queued before it.
    assert!(b.wait_for_work(Duration::from_secs(5)).unwrap());
    let waiting = {
        let b = b.clone();
        std::thread::spawn(move || b.wait_for_work(Duration::from_secs(60)))
    };
    // The listening connection has been subscribed since the first wait: a notification sent
    // before the waiter blocks is kept for it.
    a.enqueue(&new_run(&new_id(), "f"), None, None).unwrap();
    assert!(waiting.join().unwrap().unwrap(), "woken, not timed out");
    // A node is not woken by its own enqueues (its dispatcher knows): the wait runs out.
    b.enqueue(&new_run(&new_id(), "f"), None, None).unwrap();
    assert!(!b.wait_for_work(Duration::from_millis(300)).unwrap());
    // A dedupe repeat queues nothing and wakes nobody; a first delivery does.
    let window = Some(("evt-1", Duration::from_secs(60)));
    a.enqueue(&new_run(&new_id(), "f"), window, None).unwrap();
    assert!(b.wait_for_work(Duration::from_secs(60)).unwrap());
    a.enqueue(&new_run(&new_id(), "f"), window, None).unwrap();
    assert!(!b.wait_for_work(Duration::from_millis(300)).unwrap());
}

#[test]
fn a_listener_whose_connection_drops_reports_it_then_listens_again() {
    let (db, _clock, a, b) = two_nodes();
    assert!(b.wait_for_work(Duration::from_secs(5)).unwrap());
    let ended: i64 = admin()
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = $1 AND query LIKE 'LISTEN%'",
            &[&db.name],
        )
        .unwrap()
        .get(0);
    assert_eq!(ended, 1);
    let err = b.wait_for_work(Duration::from_secs(60)).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    // Listening again, it says work may have come meanwhile; then it is woken as before.
    assert!(b.wait_for_work(Duration::from_secs(5)).unwrap());
    a.enqueue(&new_run(&new_id(), "f"), None, None).unwrap();
    assert!(b.wait_for_work(Duration::from_secs(60)).unwrap());
}

#[test]
fn a_database_at_version_1_gets_the_queue_and_keeps_its_runs() {
    let db = TempDatabase::create();
    let clock = ManualClock::at_system_time();
    let running = new_id();
    {
        let store = db.open(Arc::new(clock.clone()));
        store
            .begin_claimed(&new_run(&running, "f"), "node-1", Duration::from_secs(10))
            .unwrap();
    }
    // Back to what version 1 made: the later migrations undone by hand.
    db.connect()
        .batch_execute(
            "DROP INDEX executions_started_id, executions_flow_started_id, \
             executions_status_started_id; DROP TABLE schedule_ticks; \
             DROP INDEX executions_queue; DROP SEQUENCE executions_queue_seq; \
             ALTER TABLE executions DROP COLUMN queue_seq, DROP COLUMN claim_token; \
             DELETE FROM flowctl_schema WHERE version > 1",
        )
        .unwrap();
    assert_eq!(schema_versions(&db), [1]);
    let store = db.open(Arc::new(clock.clone()));
    let expected: Vec<i64> = (1..=POSTGRES_SCHEMA_VERSION).collect();
    assert_eq!(schema_versions(&db), expected);
    let queued = new_id();
    store.enqueue(&new_run(&queued, "f"), None, None).unwrap();
    let claimed = store.claim(5, "node-2", Duration::from_secs(10)).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].execution_id, queued);
    // The run begun before the migration is still node-1's, then anyone's once its lease ends.
    clock.advance(Duration::from_secs(11));
    let resumed = store
        .claim_unfinished("node-2", Duration::from_secs(10))
        .unwrap();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].execution_id, running);
}

#[test]
fn a_claim_that_fails_after_taking_runs_gives_them_back() {
    let db = TempDatabase::create();
    let store = db.open(Arc::new(ManualClock::at_system_time()));
    let (good, bad) = (new_id(), new_id());
    store.enqueue(&new_run(&good, "f"), None, None).unwrap();
    store.enqueue(&new_run(&bad, "f"), None, None).unwrap();
    // A run whose input cannot be read: the claim's UPDATE commits, then reading it fails, as
    // when the connection drops before the claim's answer arrives.
    db.connect()
        .execute(
            "UPDATE executions SET input = 'not json' WHERE id = $1",
            &[&bad],
        )
        .unwrap();
    store
        .claim(5, "node-1", Duration::from_secs(10))
        .unwrap_err();
    // Nobody runs them: the next call gives both back to the queue, in their places.
    assert_eq!(store.queue_depth().unwrap()[0].depth, 2);
    db.connect()
        .execute("UPDATE executions SET input = NULL WHERE id = $1", &[&bad])
        .unwrap();
    let claimed = store.claim(5, "node-1", Duration::from_secs(10)).unwrap();
    let ids: Vec<&str> = claimed.iter().map(|u| u.execution_id.as_str()).collect();
    assert_eq!(ids, [good.as_str(), bad.as_str()]);
}
