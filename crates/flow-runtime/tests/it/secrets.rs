//! Secrets echoed by an upstream never reach a record: a fake API on 127.0.0.1 sends the bearer
//! token back in an error body, a response header and a JSON body; an endpoint's caller sends
//! the endpoint's client token in its body. Every event an observer gets, the answer and the
//! serialized record are searched byte by byte.

use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_runtime::{
    Engine, ExecutionRecord, Observer, RunEvent, RunInput, RunOptions, RunStatus, TriggerRequest,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "tok-SECRET-9f8e7d";
const CLIENT_TOKEN: &str = "client-SECRET-1a2b3c";

/// Every event, serialized.
#[derive(Default)]
struct Recorder(Mutex<Vec<u8>>);

impl Observer for Recorder {
    fn event(&self, e: &RunEvent<'_>) {
        let bytes = match e {
            RunEvent::StepFinished { step, .. } => serde_json::to_vec(step),
            RunEvent::Responded { response, .. } => serde_json::to_vec(response),
            RunEvent::RunFinished { record, .. } => serde_json::to_vec(record),
            other => Ok(format!("{other:?}").into_bytes()),
        };
        self.0.lock().unwrap().extend(bytes.unwrap());
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

const CONFIG: &str = "connections:\n  api: { kind: http, base_url: \"${env:API_URL}\", auth: { bearer: \"${env:API_TOKEN}\" }, allow_hosts: [127.0.0.1] }\n";

const FLOW: &str = "flow: hook
trigger: { api_endpoint: { security: { client_token: \"${env:CLIENT_TOKEN}\" } } }
steps:
  - { id: fail, card: http.request, with: { connection: api, url: /fail }, retry: { attempts: 1 }, on_error: continue }
  - { id: ok, card: http.request, with: { connection: api, url: /ok } }
  - { id: said, card: text.compose, with: { template: \"upstream said {{ ok.body.token }}, caller said {{ trigger.json.note }}\" } }
  - { id: out, card: flow.return, with: { outputs: { token: \"{{ ok.body.token }}\", length: \"{{ len ok.body.token }}\" } } }
";

#[tokio::test]
async fn echoed_secrets_are_masked_in_every_record_and_event() {
    let url = flow_testkit::EchoServer::start().unwrap().base_url();
    let env: HashMap<String, String> = HashMap::from([
        ("API_URL".into(), url),
        ("API_TOKEN".into(), TOKEN.into()),
        ("CLIENT_TOKEN".into(), CLIENT_TOKEN.into()),
    ]);
    let lookup = move |k: &str| env.get(k).cloned();
    let project = flow_compile::compile_str(
        Some(CONFIG),
        &[("hook.yaml", FLOW)],
        &flow_cards::registry(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let run_env = RunEnv {
        dry_run: false,
        transport: Arc::new(ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: true,
    };
    let recorder = Arc::new(Recorder::default());
    let engine = Engine::new(Arc::new(project), Arc::new(run_env))
        .secrets_from(&lookup)
        .observe(recorder.clone());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let request = TriggerRequest {
        method: "POST".into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-api-client-token".into(), CLIENT_TOKEN.into()),
        ],
        body: json!({ "note": CLIENT_TOKEN }).to_string(),
        query: Vec::new(),
    };
    let r: ExecutionRecord = engine
        .run(
            0,
            RunInput::Request(request),
            RunOptions {
                responder: Some(tx),
                ..RunOptions::default()
            },
        )
        .await;
    let answer = rx.await.unwrap();
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);

    // What was recorded says `***` where the secrets were...
    let step = |id: &str| r.steps.iter().find(|s| &*s.id == id).unwrap();
    assert_eq!(
        step("fail").error.as_deref().unwrap()["message"],
        json!("the server answered 401: {\"error\":\"bad token Bearer ***\"}")
    );
    let ok = step("ok").output.clone().unwrap();
    assert_eq!(
        (ok["headers"]["x-echo"].clone(), ok["body"].clone()),
        (json!("***"), json!({ "token": "***" }))
    );
    assert_eq!(
        *step("said").output.clone().unwrap(),
        json!("upstream said ***, caller said ***")
    );
    // ... while the flow itself worked with the real value (its length is the token's).
    assert_eq!(*r.output, json!({ "token": "***", "length": TOKEN.len() }));
    assert_eq!(
        answer.body,
        json!({ "token": "***", "length": TOKEN.len() })
    );
    assert_eq!(r.response, Some(answer.clone()));

    // ... and nothing anywhere holds them.
    let record = serde_json::to_vec(&r).unwrap();
    let events = recorder.0.lock().unwrap().clone();
    let answered = serde_json::to_vec(&answer).unwrap();
    for secret in [TOKEN, CLIENT_TOKEN] {
        assert!(!contains(&record, secret), "{secret} in the record");
        assert!(!contains(&events, secret), "{secret} in an event");
        assert!(!contains(&answered, secret), "{secret} in the answer");
    }
}
