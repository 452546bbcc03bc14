//! Execution history from the command line: runs are stored, listed, shown and replayed;
//! `save_data: false` keeps metadata only; a broken store is a clear error; and no secret given
//! to a run reaches the database file.

use crate::common;

use common::{Run, temp_dir};
use serde_json::Value;
use std::path::Path;

fn with_store<'a>(args: &'a [&'a str], store: &Path) -> Run {
    Run::new(args).env("FLOWCTL_STORE", &format!("sqlite://{}", store.display()))
}

fn ids(store: &Path) -> Vec<String> {
    let r = with_store(&["history", "list"], store).run().ok();
    r.stdout
        .lines()
        .filter(|l| !l.starts_with("no runs"))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

#[test]
fn runs_are_stored_listed_shown_and_replayed() {
    let store = temp_dir("history").join("state.db");
    with_store(
        &[
            "run",
            "flows/oort-failing-check.yaml",
            "--input",
            "examples/events/failed-check.json",
            "--dry-run",
        ],
        &store,
    )
    .run()
    .ok();
    with_store(
        &["run", "demo-dispatcher", "--input", "-", "--dry-run"],
        &store,
    )
    .stdin("{\"email\": \"a@b.com\"}")
    .run()
    .ok();
    let list = with_store(&["history", "list"], &store).run().ok().stdout;
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.lines().next().unwrap().contains("demo-dispatcher"),
        "newest first: {list}"
    );
    let only = with_store(
        &[
            "history",
            "list",
            "--flow",
            "oort-failing-check",
            "--status",
            "succeeded",
        ],
        &store,
    )
    .run()
    .ok()
    .stdout;
    assert_eq!(only.lines().count(), 1);
    assert!(only.contains("→ 200"));
    let id = only.split(' ').next().unwrap().to_string();

    // `show` is the trace of `run`, helpers nested; `--json` the record, inputs included.
    let show = with_store(&["history", "show", &id], &store)
        .run()
        .ok()
        .stdout;
    assert!(show.contains("[2] demo-dispatcher"), "{show}");
    assert!(show.contains("✓ notify"));
    let rec: Value = serde_json::from_str(
        &with_store(&["history", "show", &id, "--json"], &store)
            .run()
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(rec["execution_id"], id.as_str());
    assert_eq!(
        rec["steps"][1]["input"]["text"]
            .as_str()
            .map(|t| t.contains("FAILED_CHECK")),
        Some(true)
    );
    assert_eq!(rec["steps"][5]["children"].as_array().unwrap().len(), 3);

    // Replay runs the stored input again as a new run.
    let replay = with_store(&["replay", &id, "--dry-run", "--json"], &store)
        .run()
        .ok();
    let again: Value = serde_json::from_str(&replay.stdout).unwrap();
    assert_ne!(again["execution_id"], id.as_str());
    assert_eq!(again["trigger"]["body"], rec["trigger"]["body"]);
    assert_eq!(ids(&store).len(), 3);

    let missing = with_store(&["history", "show", "no-such-run"], &store).run();
    assert_eq!(missing.code, 2);
}

#[test]
fn save_data_false_keeps_metadata_only() {
    let dir = temp_dir("nodata");
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::write(
        dir.join("flows/private.yaml"),
        "flow: private\nhistory: { save_data: false }\ntrigger: { helper: { inputs: { email: text } } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { who: \"{{ inputs.email }}\" } } }\n",
    )
    .unwrap();
    std::fs::write(dir.join("flowctl.yaml"), "store: sqlite://state.db\n").unwrap();
    let r = Run::new(&["run", "private", "--input", "-"])
        .dir(&dir)
        .env("FLOWCTL_STORE", "")
        .stdin("{\"email\": \"person@example.com\"}")
        .run()
        .ok();
    assert!(r.stdout.contains("person@example.com"));
    let list = Run::new(&["history", "list"])
        .dir(&dir)
        .env("FLOWCTL_STORE", "")
        .run()
        .ok()
        .stdout;
    let id = list.split(' ').next().unwrap();
    let shown = Run::new(&["history", "show", id, "--json"])
        .dir(&dir)
        .env("FLOWCTL_STORE", "")
        .run()
        .ok()
        .stdout;
    assert!(!shown.contains("person@example.com"), "{shown}");
    assert!(shown.contains("\"status\": \"succeeded\""));
    let replay = Run::new(&["replay", id])
        .dir(&dir)
        .env("FLOWCTL_STORE", "")
        .run();
    assert_eq!(replay.code, 2);
    assert!(
        replay.stderr.contains("save_data: false"),
        "{}",
        replay.stderr
    );
    let bytes = std::fs::read(dir.join("state.db")).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("person@example.com"));
}

#[test]
fn a_broken_store_is_a_clear_error() {
    let dir = temp_dir("corrupt");
    let store = dir.join("state.db");
    std::fs::write(&store, vec![0x5a; 64 * 1024]).unwrap();
    for args in [
        vec!["history", "list"],
        vec!["run", "demo-dispatcher", "--input", "-", "--dry-run"],
        vec!["serve", "--listen", "127.0.0.1:0"],
    ] {
        let r = with_store(&args, &store)
            .stdin("{\"email\": \"x@y.z\"}")
            .env("OORT_CLIENT_TOKEN", "t")
            .env("OKTA_API_TOKEN", "t")
            .env("SLACK_BOT_TOKEN", "t")
            .run();
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("cannot open the run store"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("state.db"), "{}", r.stderr);
    }
    // The broken file is left as it was: nothing silently replaced it.
    assert_eq!(std::fs::read(&store).unwrap(), vec![0x5a; 64 * 1024]);
}

#[test]
fn no_secret_given_to_a_run_reaches_the_database() {
    let store = temp_dir("secrets").join("state.db");
    with_store(
        &[
            "run",
            "flows/oort-failing-check.yaml",
            "--input",
            "examples/events/failed-check.json",
            "--dry-run",
            "--header",
            "x-api-client-token: hunter2-client-token",
            "--header",
            "authorization: Bearer hunter2-bearer",
        ],
        &store,
    )
    .env("OKTA_API_TOKEN", "hunter2-okta-token")
    .env("SLACK_BOT_TOKEN", "xoxb-hunter2-slack")
    .run()
    .ok();
    let mut text = String::new();
    for f in [store.clone(), store.with_extension("db-wal")] {
        if let Ok(b) = std::fs::read(&f) {
            text.push_str(&String::from_utf8_lossy(&b));
        }
    }
    assert!(text.contains("FAILED_CHECK"), "the run was not stored");
    for secret in [
        "hunter2-client-token",
        "hunter2-bearer",
        "hunter2-okta-token",
        "xoxb-hunter2-slack",
    ] {
        assert!(!text.contains(secret), "{secret} is in the database");
    }
}

/// A finished run of `flow` that started `days` ago, written straight to the store.
fn finished_days_ago(store: &flow_store::SqliteStore, flow: &str, days: i64) -> String {
    use flow_store::Store;
    let id = format!("{flow}-{days}d");
    let started = (time::OffsetDateTime::now_utc() - time::Duration::days(days))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let record: flow_runtime::ExecutionRecord = serde_json::from_value(serde_json::json!({
        "execution_id": id, "flow": flow, "status": "succeeded", "started_at": started,
        "duration_ms": 1.0, "steps": [], "output": null, "error": null,
    }))
    .unwrap();
    store.finish(&record).unwrap();
    id
}

#[test]
fn prune_keeps_each_flows_own_retention() {
    let dir = temp_dir("retention");
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    let flow = |name: &str, history: &str| {
        format!(
            "flow: {name}\n{history}trigger: {{ helper: {{ inputs: {{ email: text }} }} }}\nsteps:\n  - {{ id: out, card: flow.return, with: {{ outputs: {{ who: \"{{{{ inputs.email }}}}\" }} }} }}\n"
        )
    };
    std::fs::write(
        dir.join("flows/long.yaml"),
        flow("long", "history: { retention: 90d }\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("flows/short.yaml"),
        flow("short", "history: { retention: 7d }\n"),
    )
    .unwrap();
    std::fs::write(dir.join("flows/plain.yaml"), flow("plain", "")).unwrap();
    std::fs::write(dir.join("flowctl.yaml"), "store: sqlite://state.db\n").unwrap();
    let all = {
        let store = flow_store::SqliteStore::open(&dir.join("state.db")).unwrap();
        [
            ("long", 60),
            ("long", 100),
            ("short", 3),
            ("short", 10),
            ("plain", 20),
            ("plain", 40),
            ("gone", 20),
            ("gone", 40),
        ]
        .map(|(flow, days)| finished_days_ago(&store, flow, days))
    };
    let r = Run::new(&["history", "prune"])
        .dir(&dir)
        .env("FLOWCTL_STORE", "")
        .run()
        .ok();
    assert!(r.stdout.contains("pruned 4 runs"), "{}", r.stdout);
    let list = Run::new(&["history", "list", "--limit", "0"])
        .dir(&dir)
        .env("FLOWCTL_STORE", "")
        .run()
        .ok()
        .stdout;
    let mut left: Vec<&str> = list.lines().filter_map(|l| l.split(' ').next()).collect();
    left.sort();
    // 90 days for `long`, 7 for `short`, 30 (the default) for `plain` and for `gone`, whose
    // flow file is no longer in the project.
    let mut kept = vec![&all[0], &all[2], &all[4], &all[6]];
    kept.sort();
    assert_eq!(left, kept, "{list}");
}

/// A run a server accepted and queued shows as `queued` in `history show` (and its JSON), not
/// as `running`.
#[test]
fn a_queued_run_shows_as_queued() {
    use flow_store::Store;
    let store_path = temp_dir("queued").join("state.db");
    let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_string();
    {
        let store = flow_store::SqliteStore::open(&store_path).unwrap();
        let run = flow_store::NewRun {
            execution_id: id.clone(),
            flow: "oort-failing-check".into(),
            started_at: "2026-01-31T09:00:00Z".into(),
            input: flow_store::StoredInput::Inputs(serde_json::json!({})),
            save_data: true,
            resumable: true,
        };
        store.enqueue(&run, None, None).unwrap();
    }
    let show = with_store(&["history", "show", &id], &store_path)
        .run()
        .ok()
        .stdout;
    assert!(
        show.contains("⧗ queued since 2026-01-31T09:00:00Z"),
        "{show}"
    );
    assert!(!show.contains("running"), "{show}");
    let rec: Value = serde_json::from_str(
        &with_store(&["history", "show", &id, "--json"], &store_path)
            .run()
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(rec["status"], "queued");
}
