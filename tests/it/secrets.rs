//! Finding 5 of the hardening issue, end to end: an upstream that echoes the connection's token
//! (in an error body, a header and a JSON body) never gets it into what `flowctl` prints or
//! keeps — the text trace, `run --json`, `history show` (text and JSON), and every byte of the
//! SQLite store and its WAL.

use crate::common::{Run, project};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

const TOKEN: &str = "tok-ECHOED-5c1d9a0e";

/// A one-thread HTTP server on 127.0.0.1 that echoes the `Authorization` header it gets:
/// `/fail` answers 401 with it in the body, anything else 200 with it in a header and the body.
/// It stops when the test process ends.
fn echo_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&buf).to_string();
            let auth = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("authorization")
                        .then(|| v.trim().to_string())
                })
                .unwrap_or_default();
            let (status, header, body) = if head.starts_with("GET /fail") {
                (
                    "401 Unauthorized",
                    String::new(),
                    format!("{{\"error\": \"bad credential {auth}\"}}"),
                )
            } else {
                (
                    "200 OK",
                    format!("x-echo: {auth}\r\n"),
                    format!("{{\"seen\": \"{auth}\"}}"),
                )
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{header}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes());
        }
    });
    format!("http://{addr}")
}

const CONFIG: &str = "connections:\n  api: { kind: http, base_url: \"${env:ECHO_URL}\", auth: { bearer: \"${env:ECHO_TOKEN}\" }, allow_hosts: [127.0.0.1] }\n";

const FLOW: &str = "flow: echo
trigger: { api_endpoint: { security: { public: true } } }
steps:
  - { id: fail, card: http.request, with: { connection: api, url: /fail }, retry: { attempts: 1 }, on_error: continue }
  - { id: ok, card: http.request, with: { connection: api, url: /ok } }
  - { id: said, card: text.compose, with: { template: \"upstream said {{ ok.body.seen }}\" } }
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
    let url = echo_server();
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
    assert_eq!(said["output"], Value::from("upstream said Bearer ***"));

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
    assert!(
        holds(&bytes, "upstream said Bearer ***"),
        "the store was read"
    );
    assert!(!holds(&bytes, TOKEN), "the store holds the token");
}
