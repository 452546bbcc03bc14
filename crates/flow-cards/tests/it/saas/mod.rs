//! The built-in SaaS connectors against the recorded fake: every action's exact request
//! (method, path, query, body, credential) and typed output, from fixtures written from each
//! vendor's API reference (`crates/flow-testkit/recorded/<connector>/`). The connectors that
//! take OAuth or a service account are tested with their static `token` alternative here, and
//! with their token flows against the fake OAuth server in [`oauth`] (Jamf's basic credentials
//! exchange in [`jamf`]).

mod auth0;
mod github;
mod google_drive;
mod google_sheets;
mod google_workspace;
mod jamf;
mod jira;
mod marketo;
mod microsoft365;
mod microsoft_teams;
mod oauth;
mod okta_devices;
mod openai;
mod pagerduty;
mod salesforce;
mod servicenow;
mod shopify;

use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_runtime::{Engine, ExecutionRecord, RunInput, RunOptions, RunStatus};
use flow_testkit::Recorded;
use flow_testkit::fake::recorded::{Fixture, RecordedFake, recorded_dir};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The secret every test connection is given (through `${env:SECRET}`).
pub const SECRET: &str = "s3cr3t-t0ken-for-the-fake";

/// A connector's recorded fake that answers 401 unless `header` is `value`.
pub async fn fake(connector: &str, header: &str, value: &str) -> RecordedFake {
    let fixtures = Fixture::load_dir(&recorded_dir(connector)).unwrap();
    RecordedFake::start_with_auth(fixtures, header, value)
        .await
        .unwrap()
}

/// `Bearer <SECRET>`.
pub fn bearer() -> String {
    format!("Bearer {SECRET}")
}

/// Runs one flow with connection `c` (declared by `connection`, a flow-style mapping that may
/// read `${env:BASE}`, the fake's URL plus `base_path`, and `${env:SECRET}`) and `steps`.
/// Asserts the secret appears nowhere in the record.
pub async fn run(
    fake: &RecordedFake,
    base_path: &str,
    connection: &str,
    steps: &str,
) -> ExecutionRecord {
    let env = HashMap::from([
        (
            "BASE".to_string(),
            format!("{}{base_path}", fake.base_url()),
        ),
        ("SECRET".to_string(), SECRET.to_string()),
    ]);
    let record = run_env(connection, steps, env).await;
    let text = serde_json::to_string(&record).unwrap();
    assert!(!text.contains(SECRET), "the secret leaked into the record");
    record
}

/// Runs one flow with connection `c` (declared by `connection`) and `steps`, the connection's
/// `${env:…}` read from `env`.
pub async fn run_env(
    connection: &str,
    steps: &str,
    env: HashMap<String, String>,
) -> ExecutionRecord {
    let config = format!("connections:\n  c: {connection}\n");
    let flow =
        format!("flow: t\ntrigger: {{ helper: {{ inputs: {{ v: any }} }} }}\nsteps:\n{steps}");
    let project =
        flow_compile::compile_str(Some(&config), &[("t.yaml", &flow)], &flow_cards::registry())
            .unwrap_or_else(|e| panic!("{e}"));
    let lookup = move |k: &str| env.get(k).cloned();
    let connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: true,
    };
    Engine::new(Arc::new(project), Arc::new(env))
        .run(
            0,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await
}

/// Runs and requires success.
pub async fn ok(
    fake: &RecordedFake,
    base_path: &str,
    connection: &str,
    steps: &str,
) -> ExecutionRecord {
    let r = run(fake, base_path, connection, steps).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    r
}

/// A step's output.
pub fn out(r: &ExecutionRecord, id: &str) -> Value {
    let s = r.steps.iter().find(|s| &*s.id == id).unwrap();
    s.output.as_deref().cloned().unwrap_or(Value::Null)
}

/// A step's error object (`{ kind, message, status?, code? }`).
pub fn err(r: &ExecutionRecord, id: &str) -> Value {
    let s = r.steps.iter().find(|s| &*s.id == id).unwrap();
    *s.error
        .clone()
        .unwrap_or_else(|| panic!("step {id} did not fail"))
}

/// The `i`th request the fake received.
pub fn req(fake: &RecordedFake, i: usize) -> Recorded {
    fake.requests()
        .get(i)
        .cloned()
        .unwrap_or_else(|| panic!("no request {i}: {:?}", fake.requests()))
}

/// Asserts method, path (as sent, percent-encoded) and raw query of a request.
pub fn assert_req(r: &Recorded, method: &str, path: &str, query: Option<&str>) {
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_deref()),
        (method, path, query),
        "{r:?}"
    );
}

/// A request's JSON body.
pub fn body(r: &Recorded) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {:?}", r.body))
}
