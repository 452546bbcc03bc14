//! Scheduled flows, on a clock the tests move: a tick fires a run; a tick missed while no
//! server ran fires once at the next start; two servers on one store fire each tick once; a
//! daylight-saving change in the schedule's zone.

use crate::common;

use common::{LOG, Options, Runs};

use flow_server::{Durable, ManualClock, ServerState, fire_schedules, schedule_loop};
use flow_store::{ListFilter, SqliteStore, Store};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Every day at 02:30 in Berlin: the night clocks jump from 02:00 to 03:00 on 2026-03-29.
const FLOW: &str = r#"flow: nightly
trigger:
  schedule: { cron: "30 2 * * *", timezone: Europe/Berlin }
steps:
  - id: done
    card: flow.return
    with: { outputs: { at: "{{ trigger.scheduled_at }}", zone: "{{ trigger.timezone }}" } }
"#;

/// 2026-03-26T12:00:00Z, a Thursday.
const THURSDAY_NOON: i64 = 1_774_526_400;
const DAY: u64 = 86_400;

fn temp_db(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("flow-server-schedules")
        .join(format!("{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.db")
}

struct Node {
    state: Arc<ServerState>,
    runs: Arc<Runs>,
    durable: Arc<Durable>,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
}

/// A server node on the store at `db`, its clock at `unix`.
fn node(db: &std::path::Path, unix: i64) -> Node {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db).unwrap());
    let durable = Durable::new(store.clone(), LOG);
    let clock = Arc::new(ManualClock::at_unix(unix));
    let opts = Options {
        durable: Some(durable.clone()),
        clock: Some(clock.clone()),
        ..Options::default()
    };
    let (state, runs) = common::state_with("", &[("nightly.yaml", FLOW)], HashMap::new(), opts);
    Node {
        state,
        runs,
        durable,
        store,
        clock,
    }
}

/// The outputs of the finished runs, oldest tick first.
fn outputs(store: &Arc<dyn Store>) -> Vec<Value> {
    let mut out: Vec<Value> = store
        .list(&ListFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| (*store.get(&r.execution_id).unwrap().unwrap().output).clone())
        .collect();
    out.sort_by_key(|v| v["at"].as_str().unwrap_or("").to_string());
    out
}

fn at(time: &str) -> Value {
    json!({ "at": time, "zone": "Europe/Berlin" })
}

#[tokio::test]
async fn each_tick_fires_one_run_in_the_zones_wall_time() {
    let db = temp_db("ticks");
    let n = node(&db, THURSDAY_NOON);
    // The first start of this schedule fires nothing (it did not exist at the last tick).
    let mut since = fire_schedules(&n.state, None).await;
    assert_eq!(since, Some(THURSDAY_NOON));
    assert_eq!(n.store.list(&ListFilter::default()).unwrap().len(), 0);
    // A check before the next tick fires nothing; the tick itself fires one run.
    n.clock.advance(Duration::from_secs(12 * 3600));
    since = fire_schedules(&n.state, since).await;
    assert!(n.state.queue.is_empty());
    n.clock.advance(Duration::from_secs(3 * 3600));
    since = fire_schedules(&n.state, since).await;
    n.runs.wait_finished(1).await;
    // Checked again within the same minute: the tick is not fired twice.
    n.clock.advance(Duration::from_secs(30));
    since = fire_schedules(&n.state, since).await;
    // Two more nights: the second is the night the clocks jump past 02:30, whose tick fires
    // once, right after the jump, at 03:00 summer time.
    for _ in 0..2 {
        n.clock.advance(Duration::from_secs(DAY));
        since = fire_schedules(&n.state, since).await;
    }
    n.runs.wait_finished(3).await;
    n.durable.flush().unwrap();
    assert_eq!(
        outputs(&n.store),
        vec![
            at("2026-03-27T02:30:00+01:00"),
            at("2026-03-28T02:30:00+01:00"),
            at("2026-03-29T03:00:00+02:00"),
        ]
    );
    assert!(since.is_some());
    assert_eq!(n.runs.started(), 3);
}

#[tokio::test]
async fn a_tick_missed_while_no_server_ran_fires_once_at_start() {
    let db = temp_db("missed");
    {
        let a = node(&db, THURSDAY_NOON);
        let since = fire_schedules(&a.state, None).await;
        a.clock.advance(Duration::from_secs(DAY));
        fire_schedules(&a.state, since).await;
        a.runs.wait_finished(1).await;
        // The server stops, as on SIGTERM: it starts nothing more.
        assert!(a.state.drain(Duration::from_secs(5)).await);
        a.durable.flush().unwrap();
    }
    // The server is down for four nights; the next start fires the latest missed tick, once.
    let b = node(&db, THURSDAY_NOON + 5 * DAY as i64);
    let since = fire_schedules(&b.state, None).await;
    b.runs.wait_finished(1).await;
    // Started again at once (a second node, or a restart): nothing more.
    let c = node(&db, THURSDAY_NOON + 5 * DAY as i64 + 60);
    fire_schedules(&c.state, None).await;
    fire_schedules(&b.state, since).await;
    b.durable.flush().unwrap();
    assert_eq!(
        outputs(&b.store),
        vec![
            at("2026-03-27T02:30:00+01:00"),
            at("2026-03-31T02:30:00+02:00")
        ]
    );
    assert_eq!((b.runs.started(), c.runs.started()), (1, 0));
    assert!(b.store.queue_depth().unwrap().is_empty());
}

#[tokio::test]
async fn two_servers_on_one_store_fire_each_tick_once() {
    let db = temp_db("two-nodes");
    let (a, b) = (node(&db, THURSDAY_NOON), node(&db, THURSDAY_NOON));
    let (mut since_a, mut since_b) = (
        fire_schedules(&a.state, None).await,
        fire_schedules(&b.state, None).await,
    );
    for night in 1..=3 {
        a.clock.advance(Duration::from_secs(DAY));
        b.clock.advance(Duration::from_secs(DAY));
        // Both check at the tick, in either order.
        if night % 2 == 0 {
            since_a = fire_schedules(&a.state, since_a).await;
            since_b = fire_schedules(&b.state, since_b).await;
        } else {
            since_b = fire_schedules(&b.state, since_b).await;
            since_a = fire_schedules(&a.state, since_a).await;
        }
    }
    // Each node runs what it fired (a queued run is claimed by one node): three runs in all.
    let total = async {
        loop {
            if a.runs.finished() + b.runs.finished() >= 3 {
                return;
            }
            tokio::select! {
                () = a.runs.wait_finished(a.runs.finished() + 1) => {}
                () = b.runs.wait_finished(b.runs.finished() + 1) => {}
            }
        }
    };
    total.await;
    a.durable.flush().unwrap();
    b.durable.flush().unwrap();
    assert_eq!(outputs(&a.store).len(), 3);
    assert_eq!(a.runs.started() + b.runs.started(), 3);
    assert!(a.store.queue_depth().unwrap().is_empty());
}

/// The loop itself, without a store, on tokio's paused clock (its sleeps pass at once when
/// nothing else can run) and the manual clock (the time the loop reads).
#[tokio::test(start_paused = true)]
async fn the_loop_checks_again_after_sleeping_and_fires_the_tick() {
    let clock = Arc::new(ManualClock::at_unix(THURSDAY_NOON));
    let opts = Options {
        clock: Some(clock.clone()),
        ..Options::default()
    };
    let (state, runs) = common::state_with("", &[("nightly.yaml", FLOW)], HashMap::new(), opts);
    let looping = tokio::spawn(schedule_loop(state.clone()));
    // The first check (at start: nothing fires) runs up to the loop's first sleep.
    tokio::task::yield_now().await;
    assert_eq!(runs.started(), 0);
    clock.advance(Duration::from_secs(DAY));
    // The loop sleeps at most a minute between checks: an hour (of tokio's paused time) without
    // the run means it never checked again.
    tokio::time::timeout(Duration::from_secs(3600), runs.wait_finished(1))
        .await
        .expect("the loop fired the tick after its sleep");
    looping.abort();
    assert_eq!(runs.started(), 1);
}
