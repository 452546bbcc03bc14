//! `cargo bench -p flow-bench`: compiling the Oort flows, dry runs of the main flow on the
//! example event and on a 10,000-user event, and the engine's per-step cost next to
//! hand-written Rust doing the same work.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use divan::Bencher;
use flow_bench::{EVENT, chain_flow, dry_engine, event_with_users, live_engine, oort_project};
use flow_runtime::{Engine, RunInput, RunOptions, TriggerRequest};
use flow_testkit::{FakeOkta, FakeSlack, UserStatus};
use serde_json::{Value, json};

// The allocator flowctl itself uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn request(body: &str) -> RunInput {
    RunInput::Request(TriggerRequest {
        method: "POST".into(),
        body: body.to_string(),
        headers: Vec::new(),
        query: Vec::new(),
    })
}

/// Loading (YAML with positions), checking and planning both Oort flows.
#[divan::bench]
fn compile_oort_flows() -> usize {
    oort_project().unwrap().flows.len()
}

/// The main flow in dry run on the example event (3 users: 20 steps in all).
#[divan::bench]
fn dry_run_example_event(b: Bencher) {
    let engine = dry_engine(oort_project().unwrap(), false);
    let rt = rt();
    b.bench_local(|| {
        rt.block_on(engine.run(0, request(EVENT), RunOptions::default()))
            .steps
            .len()
    });
}

/// The main flow in dry run on a 10,000-user event (60,008 steps).
#[divan::bench(sample_count = 10)]
fn dry_run_10k_users(b: Bencher) {
    let engine = dry_engine(oort_project().unwrap(), false);
    let event = event_with_users(10_000);
    let rt = rt();
    b.bench_local(|| {
        rt.block_on(engine.run(0, request(&event), RunOptions::default()))
            .steps
            .len()
    });
}

/// The main flow on the example event for real, against the fake Okta and Slack in the same
/// runtime over loopback HTTP (11 Okta calls, 1 Slack post). Next to `dry_run_example_event`
/// (the same steps and request building, nothing sent) it shows how much of a run is spent
/// outside the network wait.
#[divan::bench]
fn oort_example_against_fakes(b: Bencher) {
    let rt = rt();
    let (okta, slack) = rt.block_on(async {
        (
            FakeOkta::start().await.unwrap(),
            FakeSlack::start().await.unwrap(),
        )
    });
    okta.set_rate_limit(u32::MAX, std::time::Duration::from_secs(60));
    let logins = [
        "maria.gomez@example.com",
        "hrms.serviceuser",
        "li.wei+admin@example.com",
    ];
    for login in logins {
        okta.add_user(login, UserStatus::Active);
    }
    let vars = [
        ("OKTA_ORG_URL", okta.base_url()),
        ("OKTA_API_TOKEN", okta.token()),
        ("SLACK_BOT_TOKEN", slack.token()),
        ("SLACK_API_URL", slack.api_url()),
    ];
    let env = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let engine = live_engine(oort_project().unwrap(), &env).unwrap();
    b.bench_local(|| {
        for login in logins {
            okta.set_status(login, UserStatus::Active);
        }
        okta.clear_requests();
        slack.clear_requests();
        let rec = rt.block_on(engine.run(0, request(EVENT), RunOptions::default()));
        assert!(rec.error.is_none());
        rec.steps.len()
    });
}

/// The pure part of the Oort flow as a flow: parse with declared fields, three list-to-text
/// steps and the compose step.
const PURE: &str = r#"flow: pure
trigger: { helper: { inputs: { body: text } } }
steps:
  - id: event
    card: json.parse
    with:
      text: "{{ inputs.body }}"
      fields:
        title:       { path: $.detail.title, type: text }
        severity:    { path: $.detail.severity, type: text }
        users:       { path: $.detail.usersFailing, type: "list<text>" }
        description: { path: $.detail.description, type: "list<text>" }
        actions:     { path: $.detail.recommendedActions, type: "list<text>" }
  - { id: description, card: list.to_text, with: { list: "{{ event.description }}", separator: "\n" } }
  - { id: actions, card: list.to_text, with: { list: "{{ event.actions }}", separator: "\n• " } }
  - { id: users, card: list.to_text, with: { list: "{{ event.users }}", separator: ", " } }
  - id: message
    card: text.compose
    with:
      template: "*{{ event.title }}* (severity: {{ event.severity }})\n{{ description }}\n• {{ actions }}\nUsers: {{ users }}"
  - { id: out, card: flow.return, with: { outputs: { message: "{{ message }}" } } }
"#;

fn pure_engine() -> Engine {
    dry_engine(
        flow_compile::compile_str(None, &[("pure.yaml", PURE)], &flow_cards::registry()).unwrap(),
        false,
    )
}

/// parse → 3 × join → compose through the engine (6 steps).
#[divan::bench]
fn parse_join_compose_engine(b: Bencher) {
    let engine = pure_engine();
    let rt = rt();
    let input = json!({ "body": EVENT });
    b.bench_local(|| {
        rt.block_on(engine.run(0, RunInput::Inputs(input.clone()), RunOptions::default()))
            .output
    });
}

fn texts(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The same work hand-written: serde_json parse, field reads, joins, `format!`.
fn parse_join_compose_by_hand(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap();
    let d = &v["detail"];
    let title = d["title"].as_str().unwrap_or("");
    let severity = d["severity"].as_str().unwrap_or("");
    let description = texts(&d["description"]).join("\n");
    let actions = texts(&d["recommendedActions"]).join("\n• ");
    let users = texts(&d["usersFailing"]).join(", ");
    format!("*{title}* (severity: {severity})\n{description}\n• {actions}\nUsers: {users}")
}

/// parse → 3 × join → compose, hand-written.
#[divan::bench]
fn parse_join_compose_by_hand_bench() -> String {
    parse_join_compose_by_hand(divan::black_box(EVENT))
}

/// A 100-step chain of `object.construct` through the engine.
#[divan::bench]
fn chain_of_100_steps_engine(b: Bencher) {
    let engine = dry_engine(
        flow_compile::compile_str(
            None,
            &[("chain.yaml", &chain_flow(100))],
            &flow_cards::registry(),
        )
        .unwrap(),
        false,
    );
    let rt = rt();
    b.bench_local(|| {
        rt.block_on(engine.run(
            0,
            RunInput::Inputs(json!({ "x": 1 })),
            RunOptions::default(),
        ))
        .output
    });
}

/// The same chain hand-written: 100 one-field objects, each built from the previous.
#[divan::bench]
fn chain_of_100_steps_by_hand() -> Value {
    let mut v = json!({ "v": divan::black_box(1) });
    for _ in 0..100 {
        v = json!({ "v": v["v"].clone() });
    }
    v
}
