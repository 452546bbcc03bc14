//! Finding 5 of the hardening issue, end to end: an upstream ([`flow_testkit::EchoServer`])
//! that echoes the connection's token (in an error body, a header and a JSON body) never gets
//! it into what `flowctl` prints or keeps — the text trace, `run --json`, `history show` (text
//! and JSON), and every byte of the SQLite store and its WAL.

use crate::common::{Run, project};
use serde_json::Value;
use std::path::Path;

const TOKEN: &str = "tok-ECHOED-5c1d9a0e";

const CONFIG: &str = "connections:\n  api: { kind: http, base_url: \"${env:ECHO_URL}\", auth: { bearer: \"${env:ECHO_TOKEN}\" }, allow_hosts: [127.0.0.1] }\n";

const FLOW: &str = "flow: echo
trigger: { api_endpoint: { security: { public: true } } }
steps:
  - { id: fail, card: http.request, with: { connection: api, url: /fail }, retry: { attempts: 1 }, on_error: continue }
  - { id: ok, card: http.request, with: { connection: api, url: /ok } }
  - { id: said, card: text.compose, with: { template: \"upstream said {{ ok.body.token }}\" } }
";

fn bytes_of(store: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal"] {
        let mut p = store.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(Path::new(&p)) {
            all.extend(b);
        }
    }
    all
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn an_echoed_token_is_in_no_output_no_history_and_no_byte_of_the_store() {
    let url = flow_testkit::EchoServer::start().unwrap().base_url();
    let dir = project(
        "echoed-secret",
        CONFIG,
        &[("flows/echo.yaml", FLOW.as_bytes())],
    );
    let config = dir.join("flowctl.yaml");
    let store = dir.join("state.db");
    let with = |args: &[&str]| {
        Run::new(args)
            .config(&config)
            .env("FLOWCTL_STORE", &format!("sqlite://{}", store.display()))
            .env("ECHO_URL", &url)
            .env("ECHO_TOKEN", TOKEN)
    };

    let trace = with(&["run", "echo", "--input", "-"])
        .stdin("{}")
        .run()
        .ok();
    let json = with(&["run", "echo", "--input", "-", "--json"])
        .stdin("{}")
        .run()
        .ok();
    let record: Value = serde_json::from_str(&json.stdout).unwrap();
    // The upstream really echoed something, and what it echoed is masked where it lands.
    let said = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "said")
        .unwrap();
    assert_eq!(said["output"], Value::from("upstream said ***"));

    let id = record["execution_id"].as_str().unwrap();
    let shown = with(&["history", "show", id]).run().ok();
    let shown_json = with(&["history", "show", id, "--json"]).run().ok();
    let listed = with(&["history", "list"]).run().ok();
    assert_eq!(listed.stdout.lines().count(), 2, "{}", listed.stdout);

    for (what, text) in [
        ("run trace", &trace.stdout),
        ("run stderr", &trace.stderr),
        ("run --json", &json.stdout),
        ("history show", &shown.stdout),
        ("history show --json", &shown_json.stdout),
    ] {
        assert!(!text.contains(TOKEN), "{what} holds the token:\n{text}");
    }
    let bytes = bytes_of(&store);
    assert!(holds(&bytes, "upstream said ***"), "the store was read");
    assert!(!holds(&bytes, TOKEN), "the store holds the token");
}
