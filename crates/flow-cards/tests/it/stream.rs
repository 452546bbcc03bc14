//! `stream:` on paged connector actions: records handed to a helper flow page by page (fake
//! Okta with a 429 between pages, and the toy vendor's cursor pages), `per: page`, a failing
//! helper with stop and continue, `limit`, a dry run, and the compile-time helper checks.

use super::connector_engine::{CONFIG, registry, toy, toy_env};
use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_runtime::{Engine, ExecutionRecord, RunInput, RunOptions, StepRecord};
use flow_testkit::{FakeOkta, Fault, UserStatus};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Compiles `files` and runs flow `main` with `inputs`.
async fn run_flows(
    files: &[(&str, &str)],
    inputs: Value,
    env: HashMap<String, String>,
    dry_run: bool,
) -> ExecutionRecord {
    let (engine, main) = engine_for(files, env, dry_run);
    engine
        .run(main, RunInput::Inputs(inputs), RunOptions::default())
        .await
}

/// An engine for `files` and the index of flow `main`.
fn engine_for(
    files: &[(&str, &str)],
    env: HashMap<String, String>,
    dry_run: bool,
) -> (Engine, usize) {
    let project = flow_compile::compile_str(Some(CONFIG), files, &registry())
        .unwrap_or_else(|e| panic!("{e}"));
    let main = project
        .flows
        .iter()
        .position(|f| &*f.name == "main")
        .unwrap();
    let lookup = move |k: &str| env.get(k).cloned();
    let connections = flow_runtime::connect_all(&project, &lookup, dry_run).unwrap();
    let transport: Arc<dyn flow_card::Transport> = if dry_run {
        Arc::new(flow_runtime::NoTransport)
    } else {
        Arc::new(ReqwestTransport::new().unwrap())
    };
    let env = RunEnv {
        dry_run,
        transport,
        connections,
        capture_inputs: false,
    };
    (Engine::new(Arc::new(project), Arc::new(env)), main)
}

fn step<'a>(r: &'a ExecutionRecord, id: &str) -> &'a StepRecord {
    r.steps.iter().find(|s| &*s.id == id).unwrap()
}

fn output(r: &ExecutionRecord, id: &str) -> Value {
    step(r, id)
        .output
        .as_deref()
        .cloned()
        .unwrap_or(Value::Null)
}

/// The inputs of the helper runs recorded under a step.
fn child_inputs(s: &StepRecord) -> Vec<Value> {
    s.children
        .iter()
        .map(|c| c.inputs.as_deref().cloned().unwrap_or(Value::Null))
        .collect()
}

fn okta_env(okta: &FakeOkta) -> HashMap<String, String> {
    HashMap::from([
        ("OKTA_URL".to_string(), okta.base_url()),
        ("OKTA_TOKEN".to_string(), okta.token()),
        ("TOY_URL".to_string(), "http://127.0.0.1:9".to_string()),
        ("TOY_TOKEN".to_string(), "unused".to_string()),
        ("SVC_SECRET".to_string(), "unused".to_string()),
    ])
}

const READ_GROUP: &str = "flow: read-group
trigger: { helper: { inputs: { group_id: text, position: number } } }
steps:
  - { id: g, card: okta.read_group, with: { connection: okta, group_id: \"{{ inputs.group_id }}\" } }
";

#[tokio::test]
async fn a_users_groups_stream_to_a_helper_page_by_page_through_a_429() {
    let okta = FakeOkta::start().await.unwrap();
    let user = okta.add_user("ada@example.com", UserStatus::Active);
    let mut groups = Vec::new();
    for i in 0..450 {
        let g = okta.add_group(&format!("group-{i:03}")).unwrap();
        okta.add_to_group(&g, &user).unwrap();
        groups.push(g);
    }
    let listing = format!("/api/v1/users/{user}/groups");
    // The first page answers, the second is rate limited once (then asked again).
    okta.fault_on(
        &listing,
        Fault::Delay {
            times: 1,
            delay: Duration::ZERO,
        },
    );
    okta.fault_on(
        &listing,
        Fault::RateLimit {
            times: 1,
            reset_in: Duration::ZERO,
        },
    );
    let main = "flow: main
trigger: { helper: { inputs: { user: text } } }
steps:
  - id: groups
    card: okta.get_users_groups
    with:
      connection: okta
      user: \"{{ inputs.user }}\"
      stream:
        flow: read-group
        inputs: { group_id: \"{{ item.id }}\", position: \"{{ index }}\" }
        concurrency: 4
";
    let r = run_flows(
        &[("main.yaml", main), ("read-group.yaml", READ_GROUP)],
        json!({ "user": user }),
        okta_env(&okta),
        false,
    )
    .await;
    assert_eq!(
        output(&r, "groups"),
        json!({ "succeeded": 450, "failed": 0, "errors": [], "records": 450 }),
        "{:?}",
        r.error
    );
    let s = step(&r, "groups");
    assert_eq!(s.attempts, 1);
    // Each helper run is recorded under the step (the first 100, `limits.item_records`), with
    // its record's position.
    let inputs = child_inputs(s);
    assert_eq!(inputs.len(), 100);
    for (i, v) in inputs.iter().enumerate() {
        assert_eq!(v["position"], json!(i));
        assert_eq!(v["group_id"], json!(groups[i]));
    }
    // Page by page: the helpers of a page ran before the next page was asked for.
    let reqs = okta.requests();
    let mut reads_before_page = Vec::new();
    let mut reads = 0;
    let mut read_ids = Vec::new();
    for q in &reqs {
        if q.path == listing {
            reads_before_page.push(reads);
        } else if let Some(id) = q.path.strip_prefix("/api/v1/groups/") {
            reads += 1;
            read_ids.push(id.to_string());
        }
    }
    // Page 1, page 2 rate limited, page 2 again, page 3.
    assert_eq!(
        reads_before_page,
        vec![0, 200, 200, 400],
        "{reads_before_page:?}"
    );
    read_ids.sort();
    let mut want = groups.clone();
    want.sort();
    assert_eq!(read_ids, want, "every group read once");
}

const CHECK_N: &str = "flow: check-n
trigger: { helper: { inputs: { n: number } } }
steps:
  - { id: bad, card: flow.fail, if: \"{{ eq inputs.n 2 }}\", with: { message: two is refused } }
";

fn toy_main(with: &str) -> String {
    format!(
        "flow: main
trigger: {{ helper: {{ inputs: {{ v: any }} }} }}
steps:
  - id: items
    card: toy.list_items
    with: {with}
"
    )
}

fn targets(seen: &std::sync::Mutex<Vec<super::connector_engine::Seen>>) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|s| s.target.clone())
        .collect()
}

#[tokio::test]
async fn a_failing_helper_stops_the_stream_and_later_pages_are_not_read() {
    let (base, seen) = toy().await;
    let main =
        toy_main("{ connection: toy, stream: { flow: check-n, inputs: { n: \"{{ item.n }}\" } } }");
    let r = run_flows(
        &[("main.yaml", &main), ("check-n.yaml", CHECK_N)],
        json!({ "v": null }),
        toy_env(&base),
        false,
    )
    .await;
    let e = step(&r, "items").error.clone().unwrap();
    assert_eq!(e["kind"], "helper_failed", "{e}");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.starts_with("item 2 ("), "{msg}");
    assert!(msg.contains("two is refused"), "{msg}");
    assert!(msg.contains("later pages were not read"), "{msg}");
    // Items 0–2 ran; the third page ([4]) was never asked for.
    assert_eq!(step(&r, "items").children.len(), 3);
    assert_eq!(targets(&seen), vec!["/items", "/items?cursor=c2"]);
}

#[tokio::test]
async fn with_continue_a_failing_helper_is_counted_and_every_page_read() {
    let (base, seen) = toy().await;
    let main = toy_main(
        "{ connection: toy, stream: { flow: check-n, inputs: { n: \"{{ item.n }}\" }, on_item_error: continue } }",
    );
    let r = run_flows(
        &[("main.yaml", &main), ("check-n.yaml", CHECK_N)],
        json!({ "v": null }),
        toy_env(&base),
        false,
    )
    .await;
    let out = output(&r, "items");
    assert_eq!(out["succeeded"], 4, "{out} {:?}", r.error);
    assert_eq!(out["failed"], 1);
    assert_eq!(out["records"], 5);
    assert_eq!(out["errors"][0]["index"], 2);
    assert_eq!(out["errors"][0]["item"], "{\"n\":2}");
    assert_eq!(
        targets(&seen),
        vec!["/items", "/items?cursor=c2", "/items?cursor=c4"]
    );
}

const COUNT_PAGE: &str = "flow: count-page
trigger: { helper: { inputs: { records: \"list<object>\", page: number } } }
steps:
  - { id: n, card: list.length, with: { list: \"{{ inputs.records }}\" } }
  - { id: done, card: flow.return, with: { outputs: { count: \"{{ n }}\" } } }
";

#[tokio::test]
async fn per_page_hands_the_helper_each_pages_records() {
    let (base, _) = toy().await;
    let main = toy_main(
        "{ connection: toy, stream: { flow: count-page, per: page, inputs: { records: \"{{ item }}\", page: \"{{ index }}\" } } }",
    );
    let r = run_flows(
        &[("main.yaml", &main), ("count-page.yaml", COUNT_PAGE)],
        json!({ "v": null }),
        toy_env(&base),
        false,
    )
    .await;
    assert_eq!(
        output(&r, "items"),
        json!({ "succeeded": 3, "failed": 0, "errors": [], "records": 5 }),
        "{:?}",
        r.error
    );
    let s = step(&r, "items");
    let pages: Vec<(Value, Value)> = child_inputs(s)
        .into_iter()
        .map(|v| (v["page"].clone(), v["records"].clone()))
        .collect();
    assert_eq!(
        pages,
        vec![
            (json!(0), json!([{ "n": 0 }, { "n": 1 }])),
            (json!(1), json!([{ "n": 2 }, { "n": 3 }])),
            (json!(2), json!([{ "n": 4 }])),
        ]
    );
    let counts: Vec<Value> = s.children.iter().map(|c| (*c.output).clone()).collect();
    assert_eq!(
        counts,
        vec![
            json!({ "count": 2 }),
            json!({ "count": 2 }),
            json!({ "count": 1 })
        ]
    );
}

#[tokio::test]
async fn limit_caps_the_records_streamed_and_the_pages_read() {
    let (base, seen) = toy().await;
    let main = toy_main(
        "{ connection: toy, limit: 3, stream: { flow: check-n, inputs: { n: \"{{ item.n }}\" }, on_item_error: continue } }",
    );
    let r = run_flows(
        &[("main.yaml", &main), ("check-n.yaml", CHECK_N)],
        json!({ "v": null }),
        toy_env(&base),
        false,
    )
    .await;
    let out = output(&r, "items");
    assert_eq!(
        (&out["succeeded"], &out["failed"], &out["records"]),
        (&json!(2), &json!(1), &json!(3)),
        "{out}"
    );
    let ns: Vec<Value> = child_inputs(step(&r, "items"))
        .into_iter()
        .map(|v| v["n"].clone())
        .collect();
    assert_eq!(ns, vec![json!(0), json!(1), json!(2)]);
    assert_eq!(targets(&seen), vec!["/items", "/items?cursor=c2"]);
}

#[tokio::test]
async fn a_dry_run_streams_the_rehearsed_records() {
    let main = "flow: main
trigger: { helper: { inputs: { user: text } } }
steps:
  - id: groups
    card: okta.get_users_groups
    with: { connection: okta, user: \"{{ inputs.user }}\", stream: { flow: read-group, inputs: { group_id: \"{{ item.id }}\", position: \"{{ index }}\" } } }
";
    let r = run_flows(
        &[("main.yaml", main), ("read-group.yaml", READ_GROUP)],
        json!({ "user": "00u1" }),
        HashMap::new(),
        true,
    )
    .await;
    assert_eq!(
        output(&r, "groups"),
        json!({ "succeeded": 1, "failed": 0, "errors": [], "records": 1 }),
        "{:?}",
        r.error
    );
    let s = step(&r, "groups");
    assert!(s.http[0].rehearsal);
    let child = &s.children[0];
    assert_eq!(
        child.inputs.as_deref().cloned().unwrap_or_default()["group_id"],
        "00g0rehearsal0000001"
    );
    assert!(
        child.steps[0].http[0].rehearsal,
        "the helper is rehearsed too"
    );
}

/// The compile errors of a project of `main` (a `toy.list_items` step with `with`) and the
/// helper `check-n`.
fn compile_errors(with: &str) -> String {
    let main = toy_main(with);
    flow_compile::compile_str(
        Some(CONFIG),
        &[("main.yaml", &main), ("check-n.yaml", CHECK_N)],
        &registry(),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default()
}

#[test]
fn the_helper_and_its_inputs_are_checked_when_the_flow_compiles() {
    assert_eq!(
        compile_errors(
            "{ connection: toy, stream: { flow: check-n, inputs: { n: \"{{ item.n }}\" } } }"
        ),
        ""
    );
    let unknown = compile_errors("{ connection: toy, stream: { flow: nope, inputs: { n: 1 } } }");
    assert!(unknown.contains("E0102"), "{unknown}");
    let extra = compile_errors(
        "{ connection: toy, stream: { flow: check-n, inputs: { n: \"{{ item.n }}\", m: 1 } } }",
    );
    assert!(extra.contains("E0104"), "{extra}");
    let missing = compile_errors("{ connection: toy, stream: { flow: check-n } }");
    assert!(missing.contains("E0105"), "{missing}");
    // `item` is the action's record type: `{ n: number }`, not a number.
    let wrong = compile_errors(
        "{ connection: toy, stream: { flow: check-n, inputs: { n: \"{{ item }}\" } } }",
    );
    assert!(wrong.contains("E0206"), "{wrong}");
    // With `per: page`, `item` is the page: a list.
    let page = compile_errors(
        "{ connection: toy, stream: { flow: check-n, per: page, inputs: { n: \"{{ item }}\" } } }",
    );
    assert!(page.contains("E0206"), "{page}");
    // The helper is part of the call graph: a flow may not stream to itself.
    let itself = compile_errors("{ connection: toy, stream: { flow: main, inputs: { v: 1 } } }");
    assert!(itself.contains("E0103"), "{itself}");
    let bad_key = compile_errors(
        "{ connection: toy, stream: { flow: check-n, inputs: { n: 1 }, per: row } }",
    );
    assert!(bad_key.contains("per"), "{bad_key}");
    let conc = compile_errors(
        "{ connection: toy, stream: { flow: check-n, inputs: { n: 1 }, concurrency: 0 } }",
    );
    assert!(conc.contains("concurrency"), "{conc}");
}

#[test]
fn only_paged_actions_take_stream() {
    let flow = "flow: main
trigger: { helper: { inputs: { v: any } } }
steps:
  - { id: i, card: toy.get_issue, with: { connection: toy, key: OPS-1, stream: { flow: check-n, inputs: { n: 1 } } } }
";
    let e = flow_compile::compile_str(
        Some(CONFIG),
        &[("main.yaml", flow), ("check-n.yaml", CHECK_N)],
        &registry(),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(e.contains("unknown key `stream`"), "{e}");
}

#[tokio::test]
async fn a_resumed_stream_reuses_the_helper_runs_that_finished() {
    let (base, seen) = toy().await;
    let main = toy_main(
        "{ connection: toy, stream: { flow: check-n, inputs: { n: \"{{ item.n }}\" }, on_item_error: continue } }",
    );
    let (engine, idx) = engine_for(
        &[("main.yaml", &main), ("check-n.yaml", CHECK_N)],
        toy_env(&base),
        false,
    );
    let first = engine
        .run(
            idx,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await;
    let done = &step(&first, "items").children;
    assert_eq!(done.len(), 5, "{:?}", first.error);
    // The crash came after records 0 and 3 were handed over and their helpers finished.
    let resume = flow_runtime::Resume {
        children: [0, 3]
            .into_iter()
            .map(|i| (("items".to_string(), i), done[i].clone()))
            .collect(),
        ..flow_runtime::Resume::default()
    };
    let r = engine
        .run(
            idx,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions {
                resume: Some(resume),
                ..RunOptions::default()
            },
        )
        .await;
    let ids = |r: &ExecutionRecord| -> Vec<String> {
        step(r, "items")
            .children
            .iter()
            .map(|c| c.execution_id.clone())
            .collect()
    };
    let (before, after) = (ids(&first), ids(&r));
    assert_eq!(
        (&after[0], &after[3]),
        (&before[0], &before[3]),
        "finished helper runs are kept, not run again"
    );
    for i in [1, 2, 4] {
        assert_ne!(after[i], before[i], "record {i} ran again");
    }
    // The pages are read again to find the records.
    assert_eq!(targets(&seen).len(), 6);
    assert_eq!(
        output(&r, "items"),
        json!({ "succeeded": 4, "failed": 1, "errors": [{ "index": 2, "item": "{\"n\":2}", "message": output(&first, "items")["errors"][0]["message"] }], "records": 5 })
    );
}

#[test]
fn a_streamed_step_takes_for_eachs_timeout_and_attempts() {
    let main = "flow: main
trigger: { helper: { inputs: { v: any } } }
steps:
  - { id: plain, card: toy.list_items, with: { connection: toy } }
  - { id: streamed, card: toy.list_items, with: { connection: toy, stream: { flow: check-n, inputs: { n: 1 } } } }
  - { id: set, card: toy.list_items, timeout: 5m, retry: { attempts: 2 }, with: { connection: toy, stream: { flow: check-n, inputs: { n: 1 } } } }
";
    let project = flow_compile::compile_str(
        Some(CONFIG),
        &[("main.yaml", main), ("check-n.yaml", CHECK_N)],
        &registry(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let plan = project.flows.iter().find(|f| &*f.name == "main").unwrap();
    let of = |id: &str| {
        let s = plan.steps.iter().find(|s| &*s.id == id).unwrap();
        (s.timeout, s.retry.attempts)
    };
    assert_eq!(of("plain"), (Duration::from_secs(30), 3));
    assert_eq!(of("streamed"), (Duration::from_secs(3600), 1));
    assert_eq!(
        of("set"),
        (Duration::from_secs(300), 2),
        "the step's own win"
    );
}

#[test]
fn every_paged_action_of_every_connector_takes_stream() {
    let mut paged = 0;
    for c in flow_cards::connector::builtin() {
        for (i, a) in c.actions.iter().enumerate() {
            let schema = flow_cards::connector::action_schema(c, i);
            let has = schema["properties"].get("stream").is_some();
            assert_eq!(has, a.paging.is_some(), "{}", a.kind);
            paged += usize::from(has);
        }
    }
    // Okta's eight list actions, one in each of nine other connectors (Slack's
    // list_channels among them), Okta Devices' list_devices, Google Drive's search_files
    // and Auth0's search_users, list_user_roles and list_roles, Salesforce's search_records.
    assert_eq!(paged, 23);
}
