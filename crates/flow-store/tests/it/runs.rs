//! The store's behaviour through the `Store` trait: records, history, dedupe, claims, resuming;
//! each test runs against SQLite and PostgreSQL (see `backends.rs`).
use crate::common;

use crate::backends::{Backend, on_both};
use common::{child_record, new_id, new_run, oort_record, oort_steps};
use flow_runtime::{ExecutionRecord, ResponseRecord, RunError, RunStatus};
use flow_store::{Dedupe, ListFilter, NewRun, Store, StoredInput};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn response(status: u16) -> ResponseRecord {
    ResponseRecord {
        status,
        headers: vec![],
        body: json!({ "received": true }),
        at_ms: 0.2,
    }
}

fn to_json(r: &ExecutionRecord) -> serde_json::Value {
    serde_json::to_value(r).unwrap()
}

fn a_record_stored_without_its_trigger_gets_it_back_from_the_input(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let id = new_id();
    store.begin(&new_run(&id, "oort-failing-check")).unwrap();
    let full = oort_record(&id);
    let mut slim = full.clone();
    slim.trigger = None;
    store.finish(&slim).unwrap();
    let got = store.get(&id).unwrap().unwrap();
    assert!(got.trigger.is_some());
    assert_eq!(to_json(&got), to_json(&full));

    // A run never begun has no input to rebuild from: its record stays as given.
    let other = new_id();
    let mut lone = oort_record(&other);
    lone.trigger = None;
    store.finish(&lone).unwrap();
    assert!(store.get(&other).unwrap().unwrap().trigger.is_none());
}

fn a_run_round_trips_through_get(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let id = new_id();
    let run = new_run(&id, "oort-failing-check");
    store.begin(&run).unwrap();
    store.save_response(&id, &response(200)).unwrap();
    let steps = oort_steps();
    for (i, s) in steps.iter().enumerate().take(5) {
        store.save_step(&id, i, s).unwrap();
    }
    let children = &steps[5].children;
    for child in children {
        store.save_child(&id, "dispatch", child).unwrap();
    }
    store.flush().unwrap();

    // Unfinished: assembled from what was saved.
    let partial = store.get(&id).unwrap().unwrap();
    assert_eq!(partial.status, RunStatus::Running);
    assert_eq!(&*partial.flow, "oort-failing-check");
    assert_eq!(partial.response, Some(response(200)));
    assert_eq!(
        partial.trigger.as_deref().cloned(),
        run.input.trigger_value()
    );
    let ids: Vec<&str> = partial.steps.iter().map(|s| &*s.id).collect();
    assert_eq!(
        ids,
        [
            "ack",
            "event",
            "description",
            "actions",
            "users",
            "dispatch"
        ]
    );
    assert_eq!(partial.steps[5].children.len(), 3);
    assert_eq!(
        partial.steps[5].children[2].execution_id,
        children[2].execution_id
    );

    let progress = store.progress(&id).unwrap();
    assert_eq!(progress.steps.len(), 5);
    assert_eq!(&*progress.steps[&1].id, "event");
    assert_eq!(progress.children.len(), 3);
    assert_eq!(
        progress.children[&("dispatch".to_string(), 1)].execution_id,
        children[1].execution_id
    );
    assert_eq!(progress.response, Some(response(200)));

    // Finished: the final record, exactly; resume rows gone; input kept for replay.
    let mut record = oort_record(&id);
    record.started_at = run.started_at.clone();
    record.response = Some(response(200));
    store.finish(&record).unwrap();
    let stored = store.get(&id).unwrap().unwrap();
    assert_eq!(to_json(&stored), to_json(&record));
    let progress = store.progress(&id).unwrap();
    assert!(progress.steps.is_empty() && progress.children.is_empty());
    assert_eq!(store.input(&id).unwrap(), Some(run.input.clone()));
    assert!(store.get("no-such-run").unwrap().is_none());
    assert!(store.input("no-such-run").unwrap().is_none());
    store.health().unwrap();
}

fn helper_inputs_are_stored_and_shown(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let id = new_id();
    let mut run = new_run(&id, "demo-dispatcher");
    run.input = StoredInput::Inputs(json!({ "email": "a@example.com" }));
    store.begin(&run).unwrap();
    let got = store.get(&id).unwrap().unwrap();
    assert_eq!(
        got.inputs.as_deref(),
        Some(&json!({ "email": "a@example.com" }))
    );
    assert!(got.trigger.is_none());
    assert_eq!(store.input(&id).unwrap(), Some(run.input));
}

fn save_response_for_an_unknown_run_is_an_error(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let err = store.save_response("nope", &response(200)).unwrap_err();
    assert!(
        matches!(err, flow_store::StoreError::UnknownRun(ref id) if id == "nope"),
        "{err}"
    );
}

fn a_run_never_begun_is_recorded_at_finish(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let record = oort_record(&new_id());
    store.finish(&record).unwrap();
    let got = store.get(&record.execution_id).unwrap().unwrap();
    assert_eq!(to_json(&got), to_json(&record));
    let rows = store.list(&ListFilter::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].response_status, Some(200));
}

/// Begins and finishes a run of `flow` started at `at` with `status`.
fn finished(store: &dyn Store, flow: &str, at: &str, status: RunStatus) -> String {
    let id = new_id();
    let mut run = new_run(&id, flow);
    run.started_at = at.to_string();
    store.begin(&run).unwrap();
    let mut record = oort_record(&id);
    record.flow = flow.into();
    record.started_at = at.to_string();
    record.status = status;
    if status == RunStatus::Failed {
        record.error = Some(RunError {
            step: "notify".into(),
            kind: "timeout".into(),
            message: "slack did not answer".into(),
        });
    }
    store.finish(&record).unwrap();
    id
}

fn list_pages_by_key_and_filters_by_time_and_text(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    // Three runs in the same millisecond: the id breaks the tie, so no page repeats or skips one.
    let mut all: Vec<(String, String)> = Vec::new();
    for at in [
        "2025-01-01T00:00:01Z",
        "2025-01-01T00:00:02Z",
        "2025-01-01T00:00:02Z",
        "2025-01-01T00:00:02Z",
        "2025-01-01T00:00:03Z",
    ] {
        let flow = if all.len().is_multiple_of(2) {
            "a"
        } else {
            "b"
        };
        all.push((finished(store, flow, at, RunStatus::Succeeded), at.into()));
    }
    let mut newest_first = all.clone();
    newest_first.sort_by(|x, y| (&y.1, &y.0).cmp(&(&x.1, &x.0)));
    let expected: Vec<String> = newest_first.into_iter().map(|(id, _)| id).collect();

    let page = |before: Option<String>| -> Vec<String> {
        store
            .list(&ListFilter {
                limit: 2,
                before,
                ..ListFilter::default()
            })
            .unwrap()
            .into_iter()
            .map(|r| r.execution_id)
            .collect()
    };
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let ids = page(before.clone());
        if ids.is_empty() {
            break;
        }
        before = ids.last().cloned();
        seen.extend(ids);
    }
    assert_eq!(seen, expected);
    assert!(page(Some("no-such-run".into())).is_empty());

    let ids = |filter: ListFilter| -> Vec<String> {
        store
            .list(&filter)
            .unwrap()
            .into_iter()
            .map(|r| r.execution_id)
            .collect()
    };
    // 2025-01-01T00:00:02Z is 1735689602000 ms.
    let in_second_two = ids(ListFilter {
        since_ms: Some(1_735_689_602_000),
        until_ms: Some(1_735_689_603_000),
        ..ListFilter::default()
    });
    assert_eq!(in_second_two, expected[1..4]);
    let of_b_before = ids(ListFilter {
        flow: Some("b".into()),
        before: Some(expected[1].clone()),
        ..ListFilter::default()
    });
    let b_older: Vec<String> = expected[2..]
        .iter()
        .filter(|id| all.iter().position(|(x, _)| x == *id).unwrap() % 2 == 1)
        .cloned()
        .collect();
    assert_eq!(of_b_before, b_older);

    // The text is searched in the stored trigger input.
    let other = new_id();
    let mut run = new_run(&other, "a");
    run.input = StoredInput::Request {
        method: "POST".into(),
        body: r#"{"user":"mallory@example.com"}"#.into(),
        headers: vec![],
        query: vec![],
    };
    store.begin(&run).unwrap();
    let found = ids(ListFilter {
        text: Some("mallory@".into()),
        ..ListFilter::default()
    });
    assert_eq!(found, [other]);
}

fn list_filters_and_orders_newest_first(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let a = finished(store, "a", "2025-01-01T00:00:01Z", RunStatus::Succeeded);
    let b = finished(store, "b", "2025-01-01T00:00:02.5Z", RunStatus::Failed);
    let c = finished(store, "a", "2025-01-01T00:00:03Z", RunStatus::Stopped);
    let d = new_id();
    let mut run = new_run(&d, "b");
    run.started_at = "2025-01-01T00:00:04Z".into();
    store.begin(&run).unwrap();

    let ids = |filter: ListFilter| -> Vec<String> {
        store
            .list(&filter)
            .unwrap()
            .into_iter()
            .map(|r| r.execution_id)
            .collect()
    };
    assert_eq!(
        ids(ListFilter::default()),
        [d.clone(), c.clone(), b.clone(), a.clone()]
    );
    let only_a = ListFilter {
        flow: Some("a".into()),
        ..ListFilter::default()
    };
    assert_eq!(ids(only_a), [c.as_str(), a.as_str()]);
    let failed = ListFilter {
        status: Some("failed".into()),
        ..ListFilter::default()
    };
    assert_eq!(ids(failed), [b.as_str()]);
    let running_b = ListFilter {
        flow: Some("b".into()),
        status: Some("running".into()),
        limit: 0,
        ..ListFilter::default()
    };
    assert_eq!(ids(running_b), [d.as_str()]);
    let two = ListFilter {
        limit: 2,
        ..ListFilter::default()
    };
    assert_eq!(ids(two), [d.as_str(), c.as_str()]);

    let rows = store.list(&ListFilter::default()).unwrap();
    assert_eq!(rows[0].status, "running");
    assert_eq!(rows[0].duration_ms, None);
    assert_eq!(rows[0].response_status, None);
    assert_eq!(rows[2].status, "failed");
    assert_eq!(rows[2].started_at, "2025-01-01T00:00:02.5Z");
    assert_eq!(rows[2].duration_ms, Some(342.7));
    assert_eq!(rows[2].response_status, Some(200));
    assert_eq!(
        rows[2].error.as_deref(),
        Some("notify: slack did not answer")
    );
}

fn prune_deletes_old_finished_runs_only(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let old_a = finished(store, "a", "2020-01-01T00:00:00Z", RunStatus::Succeeded);
    let old_b = finished(store, "b", "2020-01-02T00:00:00Z", RunStatus::Failed);
    let new_a = finished(store, "a", "2025-01-01T00:00:00Z", RunStatus::Succeeded);
    let old_running = new_id();
    let mut run = new_run(&old_running, "a");
    run.started_at = "2020-01-01T00:00:00Z".into();
    store.begin(&run).unwrap();
    let cutoff = 1_700_000_000; // 2023-11-14

    assert_eq!(store.prune(Some("b"), cutoff).unwrap(), 1);
    assert!(store.get(&old_b).unwrap().is_none());
    assert!(store.get(&old_a).unwrap().is_some());
    assert_eq!(store.prune(None, cutoff).unwrap(), 1);
    assert!(store.get(&old_a).unwrap().is_none());
    assert!(store.get(&new_a).unwrap().is_some());
    assert!(store.get(&old_running).unwrap().is_some());
    assert_eq!(store.prune(None, cutoff).unwrap(), 0);
}

fn dedupe_first_repeat_and_expiry(b: Backend) {
    let t = b.open();
    let (store, clock) = (&*t.store, &t.clock);
    let window = Duration::from_millis(500);
    let first = new_id();
    assert_eq!(
        store.dedupe("f", "k1", window, &first).unwrap(),
        Dedupe::First
    );
    let second = new_id();
    assert_eq!(
        store.dedupe("f", "k1", window, &second).unwrap(),
        Dedupe::Repeat {
            execution_id: first.clone(),
            response: None
        }
    );
    store.begin(&new_run(&first, "f")).unwrap();
    store.save_response(&first, &response(202)).unwrap();
    // Held to the last millisecond of its window.
    clock.advance(Duration::from_millis(499));
    assert_eq!(
        store.dedupe("f", "k1", window, &second).unwrap(),
        Dedupe::Repeat {
            execution_id: first.clone(),
            response: Some(response(202))
        }
    );
    // Keys are per flow.
    assert_eq!(
        store.dedupe("g", "k1", window, &second).unwrap(),
        Dedupe::First
    );
    // Expired at the end of its window: reserved anew, for a new window.
    clock.advance(Duration::from_millis(1));
    let third = new_id();
    assert_eq!(
        store.dedupe("f", "k1", window, &third).unwrap(),
        Dedupe::First
    );
    clock.advance(Duration::from_millis(499));
    assert_eq!(
        store.dedupe("f", "k1", window, &new_id()).unwrap(),
        Dedupe::Repeat {
            execution_id: third.clone(),
            response: None
        }
    );
    // Pruning drops expired keys only.
    assert_eq!(store.prune(None, 0).unwrap(), 0);
    assert_eq!(
        store.dedupe("f", "k1", window, &new_id()).unwrap(),
        Dedupe::Repeat {
            execution_id: third,
            response: None
        }
    );
}

fn claims_lease_out_and_expire(b: Backend) {
    let t = b.open();
    let (store, clock) = (&*t.store, &t.clock);
    let a = new_id();
    let b = new_id();
    let c = new_id();
    store.begin(&new_run(&a, "f")).unwrap();
    store.begin(&new_run(&b, "f")).unwrap();
    store
        .begin_claimed(&new_run(&c, "f"), "node-1", Duration::from_secs(3600))
        .unwrap();
    let done = finished(store, "f", &common::now_rfc3339(), RunStatus::Succeeded);
    store.save_response(&b, &response(200)).unwrap();
    let child = child_record(0, "maria.gomez@example.com");
    store.save_step(&b, 0, &oort_steps()[0]).unwrap();
    store.save_child(&b, "dispatch", &child).unwrap();

    // node-1 holds c already; it claims the unowned a and b, briefly.
    let lease = Duration::from_millis(500);
    let claimed = store.claim_unfinished("node-1", lease).unwrap();
    let ids: Vec<&str> = claimed.iter().map(|u| u.execution_id.as_str()).collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
    assert!(!claimed[0].responded && claimed[1].responded);
    assert_eq!(claimed[0].input, new_run(&a, "f").input);
    assert!(!ids.contains(&done.as_str()));

    // Live leases, to their last millisecond: nothing for node-2, nor for node-1 again.
    clock.advance(lease);
    let none: [&str; 0] = [];
    let claim = |owner: &str, lease: Duration| -> Vec<String> {
        store
            .claim_unfinished(owner, lease)
            .unwrap()
            .into_iter()
            .map(|u| u.execution_id)
            .collect()
    };
    assert_eq!(claim("node-2", Duration::from_secs(60)), none);
    assert_eq!(claim("node-1", Duration::from_secs(60)), none);

    // node-1 stops renewing a and b: once the lease ran out node-2 takes them; c is still held.
    clock.advance(Duration::from_millis(1));
    assert_eq!(claim("node-2", lease), [a.as_str(), b.as_str()]);
    // Renewing keeps them past the lease they were claimed for.
    store.renew("node-2", Duration::from_secs(60)).unwrap();
    clock.advance(Duration::from_secs(60));
    assert_eq!(claim("node-3", Duration::from_secs(60)), none);

    // What b already did.
    let progress = store.progress(&b).unwrap();
    assert_eq!(progress.steps.len(), 1);
    assert_eq!(&*progress.steps[&0].id, "ack");
    assert_eq!(
        progress.children[&("dispatch".to_string(), 0)].execution_id,
        child.execution_id
    );
    assert_eq!(progress.response, Some(response(200)));

    // A finished run is never claimed; c is still held by node-1.
    store.finish(&oort_record(&a)).unwrap();
    store.renew("node-2", Duration::ZERO).unwrap();
    assert_eq!(claim("node-3", Duration::from_secs(60)), none);
    clock.advance(Duration::from_millis(1));
    assert_eq!(claim("node-3", Duration::from_secs(60)), [b.as_str()]);
}

fn save_data_false_keeps_metadata_only(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let id = new_id();
    let mut run = new_run(&id, "oort-failing-check");
    run.save_data = false;
    store.begin(&run).unwrap();
    store.save_response(&id, &response(200)).unwrap();
    let record = oort_record(&id);
    store.finish(&record).unwrap();

    let got = store.get(&id).unwrap().unwrap();
    let text = serde_json::to_string(&got).unwrap();
    for data in [
        "FAILED_CHECK",
        "maria.gomez",
        "chat.postMessage\",\"headers\":[[",
        "received",
    ] {
        assert!(!text.contains(data), "{data} kept in {text}");
    }
    assert_eq!(got.status, RunStatus::Succeeded);
    assert_eq!(got.duration_ms, record.duration_ms);
    assert_eq!(got.steps.len(), 8);
    for (kept, original) in got.steps.iter().zip(&record.steps) {
        assert_eq!(kept.id, original.id);
        assert_eq!(kept.status, original.status);
        assert_eq!(kept.attempts, original.attempts);
        assert!(kept.output.is_none() && kept.input.is_none());
    }
    let children = &got.steps[5].children;
    assert_eq!(children.len(), 3);
    assert!(
        children
            .iter()
            .all(|c| c.inputs.is_none() && c.output.is_null())
    );
    assert_eq!(children[1].index, Some(1));
    assert_eq!(children[1].steps[0].http[0].status, Some(200));
    assert_eq!(got.response.as_ref().map(|r| r.status), Some(200));
    assert!(
        store.input(&id).unwrap().is_none(),
        "no replay without data"
    );
    let rows = store.list(&ListFilter::default()).unwrap();
    assert_eq!(rows[0].response_status, Some(200));
}

fn runs_that_are_not_resumable_are_never_claimed_and_end_as_interrupted(b: Backend) {
    let t = b.open();
    let (store, clock) = (&*t.store, &t.clock);
    let lease = Duration::from_millis(600);
    // A `flowctl run` that keeps renewing, one whose process died, one begun without a lease,
    // and a server run.
    let (alive, dead, unleased, server) = (new_id(), new_id(), new_id(), new_id());
    let cli = |id: &str| NewRun {
        resumable: false,
        ..new_run(id, "f")
    };
    store.begin_claimed(&cli(&alive), "cli-1", lease).unwrap();
    store.begin_claimed(&cli(&dead), "cli-2", lease).unwrap();
    store.save_step(&dead, 0, &oort_steps()[0]).unwrap();
    store.begin(&cli(&unleased)).unwrap();
    store.begin(&new_run(&server, "f")).unwrap();
    let claim = |owner: &str| -> Vec<String> {
        store
            .claim_unfinished(owner, lease)
            .unwrap()
            .into_iter()
            .map(|u| u.execution_id)
            .collect()
    };

    assert_eq!(claim("node-1"), [server.as_str()]);
    assert_eq!(
        store.fail_abandoned().unwrap(),
        0,
        "no lease has run out yet"
    );

    // cli-1 renews every 100 ms; cli-2 and node-1 do not. To the last millisecond of the
    // leases, nothing is taken or ended.
    for _ in 0..6 {
        clock.advance(Duration::from_millis(100));
        store.renew("cli-1", lease).unwrap();
    }
    assert_eq!(store.fail_abandoned().unwrap(), 0);
    assert_eq!(claim("node-2"), [] as [&str; 0]);
    // One millisecond later: node-1's lease and cli-2's have run out. Only the server run is
    // ever claimed; cli-2's run is ended.
    clock.advance(Duration::from_millis(1));
    assert_eq!(claim("node-2"), [server.as_str()]);
    assert_eq!(store.fail_abandoned().unwrap(), 1);
    clock.advance(Duration::from_secs(3600));
    store.renew("cli-1", Duration::from_secs(60)).unwrap();
    assert_eq!(store.fail_abandoned().unwrap(), 0);

    let rows = store.list(&ListFilter::default()).unwrap();
    let status = |id: &str| rows.iter().find(|r| r.execution_id == id).unwrap().clone();
    assert_eq!(status(&alive).status, "running");
    assert_eq!(status(&unleased).status, "running");
    let interrupted = status(&dead);
    assert_eq!(interrupted.status, "failed");
    // Its duration counts to the end of its lease.
    assert_eq!(interrupted.duration_ms, Some(600.0));
    assert_eq!(
        interrupted.error.as_deref(),
        Some(
            "the run was interrupted: the process running it stopped before it finished, and \
             runs not accepted by a server (`flowctl run`, `flowctl replay`) are not resumed; \
             the step in flight may or may not have taken effect"
        )
    );
    // Its record shows what it saved, and why it failed.
    let record = store.get(&dead).unwrap().unwrap();
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(record.duration_ms, 600.0);
    assert_eq!(record.error.as_ref().unwrap().kind, "interrupted");
    let ids: Vec<&str> = record.steps.iter().map(|s| &*s.id).collect();
    assert_eq!(ids, ["ack"]);
    assert_eq!(store.input(&dead).unwrap(), Some(cli(&dead).input));
    // An unfinished run's record counts its time on the store's clock.
    assert_eq!(
        store.get(&unleased).unwrap().unwrap().duration_ms,
        601.0 + 3_600_000.0
    );
    // Never claimed, now or later; renewing an ended run does nothing.
    store.renew("cli-2", Duration::from_secs(60)).unwrap();
    clock.advance(Duration::from_secs(3600));
    assert_eq!(claim("node-3"), [server.as_str()]);
    assert_eq!(store.fail_abandoned().unwrap(), 1, "cli-1 stopped renewing");
    // A process that was only paused finishes after all: its outcome wins.
    let mut late = oort_record(&dead);
    late.started_at = record.started_at.clone();
    store.finish(&late).unwrap();
    assert_eq!(
        store.get(&dead).unwrap().unwrap().status,
        RunStatus::Succeeded
    );
    // Pruned like any finished run, with the step rows it left.
    let id = new_id();
    store
        .begin_claimed(&cli(&id), "cli-3", Duration::ZERO)
        .unwrap();
    store.save_step(&id, 0, &oort_steps()[0]).unwrap();
    clock.advance(Duration::from_millis(1));
    assert_eq!(store.fail_abandoned().unwrap(), 1);
    // Runs started before an hour from now: the three ended ones (`dead`, `alive` and this
    // one); `unleased` and the server run are unfinished.
    let after = time_now() + 3600;
    assert_eq!(store.prune(Some("f"), after).unwrap(), 3);
    assert!(store.get(&id).unwrap().is_none());
    assert!(store.progress(&id).unwrap().steps.is_empty());
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn begin_deduped_reserves_the_key_and_records_the_run_together(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let window = Duration::from_secs(60);
    let lease = Duration::from_secs(10);
    let first = new_id();
    assert_eq!(
        store
            .begin_deduped(&new_run(&first, "f"), "node-1", lease, "k", window)
            .unwrap(),
        Dedupe::First
    );
    assert!(store.get(&first).unwrap().is_some());
    store.save_response(&first, &response(202)).unwrap();
    // A repeat records nothing and names the first run.
    let second = new_id();
    assert_eq!(
        store
            .begin_deduped(&new_run(&second, "f"), "node-1", lease, "k", window)
            .unwrap(),
        Dedupe::Repeat {
            execution_id: first.clone(),
            response: Some(response(202))
        }
    );
    assert!(store.get(&second).unwrap().is_none());
    // A begin that fails (here: the id exists already) reserves nothing.
    assert!(
        store
            .begin_deduped(&new_run(&first, "f"), "node-1", lease, "k2", window)
            .is_err()
    );
    assert_eq!(
        store.dedupe("f", "k2", window, &second).unwrap(),
        Dedupe::First
    );
    // The run is claimed by its node from the start.
    assert!(
        store
            .claim_unfinished("node-2", lease)
            .unwrap()
            .iter()
            .all(|u| u.execution_id != first)
    );
}

fn prune_except_leaves_the_named_flows_alone(b: Backend) {
    let t = b.open();
    let store = &*t.store;
    let a = finished(store, "a", "2020-01-01T00:00:00Z", RunStatus::Succeeded);
    let b = finished(store, "b", "2020-01-01T00:00:00Z", RunStatus::Succeeded);
    let c = finished(store, "c", "2020-01-01T00:00:00Z", RunStatus::Failed);
    let cutoff = 1_700_000_000;
    assert_eq!(
        store
            .prune_except(&["a".to_string(), "b".to_string()], cutoff)
            .unwrap(),
        1
    );
    assert!(store.get(&c).unwrap().is_none());
    assert!(store.get(&a).unwrap().is_some() && store.get(&b).unwrap().is_some());
    assert_eq!(store.prune_except(&[], cutoff).unwrap(), 2);
}

/// `levels` arrays nested in one another, innermost holding `leaf`.
fn nested(levels: usize, leaf: serde_json::Value) -> serde_json::Value {
    (0..levels).fold(leaf, |inner, _| json!([inner]))
}

fn json_nested_127_levels_is_read_back_as_it_was_stored(b: Backend) {
    // What the front door accepts: serde_json parses 127 levels with its default limit.
    let text = format!("{}1{}", "[".repeat(127), "]".repeat(127));
    let deep: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(deep, nested(127, json!(1)));

    let t = b.open();
    let store = &*t.store;
    let id = new_id();
    let mut run = new_run(&id, "f");
    run.input = StoredInput::Inputs(json!({ "deep": deep }));
    store.begin(&run).unwrap();
    let answer = ResponseRecord {
        body: json!({ "deep": deep }),
        ..response(200)
    };
    store.save_response(&id, &answer).unwrap();
    let mut record = oort_record(&id);
    // The trigger as a record shows it, with the body parsed: 127 levels under `json`.
    record.trigger = Some(Box::new(json!({
        "method": "POST", "headers": {}, "body": text, "json": deep,
    })));
    record.inputs = Some(std::sync::Arc::new(json!({ "deep": deep })));
    record.response = Some(answer.clone());
    record.steps[1].output = Some(std::sync::Arc::new(json!({ "deep": deep })));
    let mut child = child_record(0, "maria.gomez@example.com");
    child.output = std::sync::Arc::new(json!({ "deep": deep }));
    record.steps[5].children = vec![child.clone()];
    store.save_step(&id, 1, &record.steps[1]).unwrap();
    store.save_child(&id, "dispatch", &child).unwrap();
    store.flush().unwrap();

    // Unfinished: every read that decodes what was saved.
    let progress = store.progress(&id).unwrap();
    assert_eq!(progress.steps[&1].output, record.steps[1].output);
    assert_eq!(
        to_json(&progress.children[&("dispatch".to_string(), 0)]),
        to_json(&child)
    );
    assert_eq!(progress.response, Some(answer.clone()));
    assert_eq!(store.input(&id).unwrap(), Some(run.input.clone()));
    assert_eq!(
        store.get(&id).unwrap().unwrap().steps[0].output,
        record.steps[1].output
    );
    let claimed = store
        .claim_unfinished("node-1", Duration::from_secs(60))
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].input, run.input);
    assert_eq!(
        store
            .dedupe("f", "k", Duration::from_secs(60), &id)
            .unwrap(),
        Dedupe::First
    );
    assert_eq!(
        store
            .dedupe("f", "k", Duration::from_secs(60), &new_id())
            .unwrap(),
        Dedupe::Repeat {
            execution_id: id.clone(),
            response: Some(answer.clone())
        }
    );

    // Finished: the final record, exactly.
    record.started_at = run.started_at.clone();
    store.finish(&record).unwrap();
    assert_eq!(to_json(&store.get(&id).unwrap().unwrap()), to_json(&record));
}

fn a_run_is_answered_once_the_first_answer_stored_stays(b: Backend) {
    // A resumed run's answering step runs again, with no caller to hear it: what the store
    // keeps (and answers a repeated delivery with) is the answer the caller got.
    for save_data in [true, false] {
        let t = b.open();
        let store = &*t.store;
        let id = new_id();
        let mut run = new_run(&id, "f");
        run.save_data = save_data;
        assert_eq!(
            store
                .begin_deduped(
                    &run,
                    "node-1",
                    Duration::from_secs(10),
                    "k",
                    Duration::from_secs(60)
                )
                .unwrap(),
            Dedupe::First
        );
        let given = response(200);
        let again = ResponseRecord {
            at_ms: 0.9,
            ..response(202)
        };
        store.save_response(&id, &given).unwrap();
        store.save_response(&id, &again).unwrap();
        store.queue_response(&id, &again).unwrap();
        store.flush().unwrap();
        assert_eq!(store.progress(&id).unwrap().response, Some(given.clone()));

        let mut record = oort_record(&id);
        record.started_at = run.started_at.clone();
        record.response = Some(again.clone());
        store.finish(&record).unwrap();
        let kept = store.get(&id).unwrap().unwrap().response;
        let expected = if save_data {
            given.clone()
        } else {
            ResponseRecord {
                body: serde_json::Value::Null,
                ..given.clone()
            }
        };
        assert_eq!(kept, Some(expected), "save_data: {save_data}");
        assert_eq!(
            store.list(&ListFilter::default()).unwrap()[0].response_status,
            Some(200)
        );
        assert_eq!(
            store
                .dedupe("f", "k", Duration::from_secs(60), &new_id())
                .unwrap(),
            Dedupe::Repeat {
                execution_id: id.clone(),
                response: Some(given.clone())
            }
        );
    }
}

fn many_threads_begin_and_save_at_once(b: Backend) {
    let t = b.open();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&t.store);
            std::thread::spawn(move || {
                for _ in 0..25 {
                    let id = new_id();
                    store.begin(&new_run(&id, "f")).unwrap();
                    store.save_step(&id, 0, &oort_steps()[0]).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    t.store.flush().unwrap();
    let all = ListFilter {
        limit: 0,
        ..ListFilter::default()
    };
    let rows = t.store.list(&all).unwrap();
    assert_eq!(rows.len(), 8 * 25);
    assert!(
        rows.iter()
            .all(|r| t.store.progress(&r.execution_id).unwrap().steps.len() == 1)
    );
}

on_both!(
    a_record_stored_without_its_trigger_gets_it_back_from_the_input,
    a_run_round_trips_through_get,
    helper_inputs_are_stored_and_shown,
    save_response_for_an_unknown_run_is_an_error,
    a_run_never_begun_is_recorded_at_finish,
    list_filters_and_orders_newest_first,
    list_pages_by_key_and_filters_by_time_and_text,
    prune_deletes_old_finished_runs_only,
    dedupe_first_repeat_and_expiry,
    claims_lease_out_and_expire,
    save_data_false_keeps_metadata_only,
    runs_that_are_not_resumable_are_never_claimed_and_end_as_interrupted,
    begin_deduped_reserves_the_key_and_records_the_run_together,
    prune_except_leaves_the_named_flows_alone,
    json_nested_127_levels_is_read_back_as_it_was_stored,
    a_run_is_answered_once_the_first_answer_stored_stays,
    many_threads_begin_and_save_at_once,
);
