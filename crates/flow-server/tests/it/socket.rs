//! The trigger server on a real socket (127.0.0.1, ephemeral port): the Oort flow answered at
//! once with its Okta and Slack calls seen afterwards at the fakes; slow-loris headers and
//! bodies cut off; a thousand concurrent connections answered; graceful shutdown lets the run
//! in flight finish; `serve`'s logs never hold a secret. Time-dependent tests run on tokio's
//! paused clock and wait on explicit signals (the runs' counter), never on the wall clock.

use crate::common;

use common::{Options, Runs};
use flow_server::{Limits, ListenOptions, LogFormat, Logger, ServerState};
use flow_testkit::{FakeOkta, FakeSlack, SlackFault, UserStatus};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAIN: &str = include_str!("../../../../flows/oort-failing-check.yaml");
const HELPER: &str = include_str!("../../../../flows/demo-dispatcher.yaml");
const CONFIG: &str = include_str!("../../../../flowctl.yaml");
const EVENT: &str = include_str!("../../../../examples/events/failed-check.json");

struct Running {
    addr: SocketAddr,
    state: Arc<ServerState>,
    runs: Arc<Runs>,
    okta: FakeOkta,
    slack: FakeSlack,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<bool>,
}

async fn start(limits: Limits, listen: ListenOptions) -> Running {
    start_logging(limits, listen, common::LOG).await
}

async fn start_logging(limits: Limits, listen: ListenOptions, log: Logger) -> Running {
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    let env: HashMap<&str, String> = HashMap::from([
        ("OORT_CLIENT_TOKEN", "oort-token".to_string()),
        ("OKTA_ORG_URL", okta.base_url()),
        ("OKTA_API_TOKEN", okta.token()),
        ("SLACK_BOT_TOKEN", slack.token()),
        ("SLACK_API_URL", slack.api_url()),
        // The repository's other connections, which these flows do not use.
        ("MICROSOFT365_TOKEN", "unused".to_string()),
        ("JIRA_EMAIL", "unused@example.com".to_string()),
        ("JIRA_API_TOKEN", "unused".to_string()),
    ]);
    let opts = Options {
        limits,
        log,
        ..Options::default()
    };
    let (state, runs) = common::state_with(
        CONFIG,
        &[("main.yaml", MAIN), ("helper.yaml", HELPER)],
        env,
        opts,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    let done = tokio::spawn(async move {
        flow_server::serve(listener, st, listen, async {
            let _ = rx.await;
        })
        .await
    });
    Running {
        addr,
        state,
        runs,
        okta,
        slack,
        stop,
        done,
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_oort_flow_answers_at_once_and_acts_afterwards() {
    let s = start(Limits::default(), ListenOptions::default()).await;
    for login in [
        "maria.gomez@example.com",
        "hrms.serviceuser",
        "li.wei+admin@example.com",
    ] {
        s.okta.add_user(login, UserStatus::Active);
    }
    // Okta is slow (an hour per call, of paused time): the caller must not wait for it.
    s.okta.fault(flow_testkit::Fault::Delay {
        times: 3,
        delay: Duration::from_secs(3600),
    });
    let url = format!("http://{}/api/flo/oort-failing-check/invoke", s.addr);
    let t = tokio::time::Instant::now();
    let resp = client()
        .post(&url)
        .header("x-api-client-token", "oort-token")
        .body(EVENT)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-execution-id"));
    // Answered before Okta's first answer: no time passed, nothing posted, the run goes on.
    assert_eq!(t.elapsed(), Duration::ZERO);
    assert_eq!((s.runs.finished(), s.slack.messages().len()), (0, 0));
    // Afterwards: every user suspended and one message posted.
    s.runs.wait_finished(1).await;
    assert_eq!(s.slack.messages().len(), 1);
    let suspends = s
        .okta
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/lifecycle/suspend"))
        .count();
    assert_eq!(suspends, 3);
    assert!(
        s.slack.messages()[0]
            .text
            .as_deref()
            .unwrap()
            .contains("Suspended: 3")
    );
}

#[tokio::test(start_paused = true)]
async fn slow_loris_headers_are_cut_off_and_others_are_served() {
    let listen = ListenOptions {
        header_timeout: Duration::from_millis(300),
        grace: Duration::from_secs(5),
    };
    let s = start(Limits::default(), listen).await;
    let mut slow = TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(b"POST /api/flo/oort-failing-check/invoke HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = slow.into_split();
    // Dribble a header byte every 100 ms (paused time); the server cuts it off at 300 ms.
    let dribble = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b"X").await.is_err() {
                return;
            }
        }
    });
    let t = tokio::time::Instant::now();
    let mut answer = Vec::new();
    reader.read_to_end(&mut answer).await.unwrap();
    let took = t.elapsed();
    dribble.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    // Cut off at the header timeout, whatever the dribbling.
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(400),
        "{took:?}"
    );
    let r = client()
        .get(format!("http://{}/healthz", s.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(start_paused = true)]
async fn slow_bodies_get_408_and_no_run() {
    let s = start(
        Limits {
            body_timeout: Duration::from_millis(300),
            ..Limits::default()
        },
        ListenOptions::default(),
    )
    .await;
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(b"POST /api/flo/oort-failing-check/invoke HTTP/1.1\r\nHost: x\r\nx-api-client-token: oort-token\r\nContent-Length: 1000\r\n\r\n{\"id\":").await.unwrap();
    let mut buf = vec![0u8; 1024];
    let t = tokio::time::Instant::now();
    let n = c.read(&mut buf).await.unwrap();
    // At the body timeout, of paused time.
    assert_eq!(t.elapsed(), Duration::from_millis(300));
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    assert!(s.okta.requests().is_empty() && s.slack.requests().is_empty());
    assert_eq!(s.runs.started(), 0);
}

#[tokio::test]
async fn big_bodies_are_413_over_the_socket() {
    let s = start(
        Limits {
            max_body: 1 << 20,
            ..Limits::default()
        },
        ListenOptions::default(),
    )
    .await;
    // Headers that declare 2 MiB, and no body: the answer comes before any body byte is read.
    // (A client that went on writing the body after the answer would race the server's close;
    // a body that grows past the limit while read is `routes.rs`'s streamed case.)
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(b"POST /api/flo/oort-failing-check/invoke HTTP/1.1\r\nHost: x\r\nx-api-client-token: oort-token\r\nContent-Length: 2097152\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = c.read(&mut buf).await.unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(s.state.metrics.rejected_count("too_large"), 1);
    assert_eq!(s.runs.started(), 0);
}

/// How many file descriptors this process may open.
fn fd_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        })
        .unwrap_or(1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_connections_are_all_answered() {
    let s = start(Limits::default(), ListenOptions::default()).await;
    // Each connection costs two descriptors here (client and server side).
    let n = 1000.min(fd_limit().saturating_sub(200) / 2);
    assert!(n >= 400, "the descriptor limit is too low for this test");
    let addr = s.addr;
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        tasks.push(tokio::spawn(async move {
            let mut c = TcpStream::connect(addr).await?;
            c.write_all(b"POST /api/flo/oort-failing-check/invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").await?;
            let mut out = Vec::new();
            c.read_to_end(&mut out).await?;
            Ok::<String, std::io::Error>(String::from_utf8_lossy(&out).into_owned())
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let answer = t.await.unwrap().unwrap();
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        ok += 1;
    }
    assert_eq!(ok, n);
    assert_eq!(s.state.metrics.rejected_count("unauthorized"), n as u64);
    assert!(s.okta.requests().is_empty());
    let r = client()
        .get(format!("http://{}/healthz", s.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_the_run_in_flight_finish() {
    let s = start(
        Limits::default(),
        ListenOptions {
            header_timeout: Duration::from_secs(5),
            grace: Duration::from_secs(5),
        },
    )
    .await;
    s.okta
        .add_user("maria.gomez@example.com", UserStatus::Active);
    s.slack.fault(SlackFault::Delay {
        times: 1,
        delay: Duration::from_millis(400),
    });
    let url = format!("http://{}/api/flo/oort-failing-check/invoke", s.addr);
    let r = client()
        .post(&url)
        .header("x-api-client-token", "oort-token")
        .body(EVENT)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    s.stop.send(()).unwrap();
    let drained = s.done.await.unwrap();
    assert!(drained, "the run did not finish within the grace period");
    assert_eq!(
        s.slack.messages().len(),
        1,
        "the run in flight was cut short"
    );
    // No longer accepting.
    assert!(TcpStream::connect(s.addr).await.is_err());
}

#[tokio::test]
async fn serve_logs_never_hold_a_secret() {
    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let log = Logger {
        format: LogFormat::Json,
        sink: Some(&LINES),
    };
    let s = start_logging(Limits::default(), ListenOptions::default(), log).await;
    s.okta
        .add_user("maria.gomez@example.com", UserStatus::Active);
    // Slack refuses the post and names the token it got: the run fails.
    s.slack.fault(SlackFault::OkFalse {
        times: 1,
        error: format!("invalid_token {}", s.slack.token()),
    });
    let url = format!("http://{}/api/flo/oort-failing-check/invoke", s.addr);
    for token in ["oort-token", "wrong-token"] {
        client()
            .post(&url)
            .header("x-api-client-token", token)
            .body(EVENT)
            .send()
            .await
            .unwrap();
    }
    s.runs.wait_finished(1).await;
    s.stop.send(()).unwrap();
    assert!(s.done.await.unwrap());
    let lines = LINES.lock().unwrap().clone();
    // Every secret `serve` was given.
    let secrets = ["oort-token".to_string(), s.okta.token(), s.slack.token()];
    for line in &lines {
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "a secret in the log: {line}"
            );
        }
    }
    let events: Vec<String> = lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["event"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        events,
        ["run.finished", "shutdown.started", "shutdown.finished"]
    );
}

const OPEN: &str = r#"flow: open
trigger: { api_endpoint: { security: { public: true } } }
steps:
  - { id: out, card: flow.return, with: { outputs: { body: "{{ trigger.body }}" } } }
"#;

/// A raw request from `from` (a loopback address) to `/api/flo/open/invoke` announcing a
/// 5-byte body and sending `sent` of it.
async fn from_address(to: SocketAddr, from: &str, sent: &[u8]) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut c = socket.connect(to).await.unwrap();
    c.write_all(b"POST /api/flo/open/invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    c.write_all(sent).await.unwrap();
    c
}

#[tokio::test]
async fn unauthenticated_reads_are_counted_per_peer_address() {
    let limits = Limits {
        max_unauthenticated_reads_per_client: 1,
        ..Limits::default()
    };
    let opts = Options {
        limits,
        ..Options::default()
    };
    let (state, _runs) = common::state_with("{}\n", &[("open.yaml", OPEN)], HashMap::new(), opts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(flow_server::serve(
        listener,
        state.clone(),
        ListenOptions::default(),
        async {
            let _ = rx.await;
        },
    ));
    // 127.0.0.1 holds its one place with a body that has not all arrived.
    let mut slow = from_address(addr, "127.0.0.1", b"ab").await;
    while state.unauthenticated_reads("open") < 1 {
        tokio::task::yield_now().await;
    }
    let mut again = from_address(addr, "127.0.0.1", b"hello").await;
    let mut out = Vec::new();
    again.read_to_end(&mut out).await.unwrap();
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 429"), "{out}");
    // Another address is another client.
    let mut other = from_address(addr, "127.0.0.2", b"hello").await;
    let mut out = Vec::new();
    other.read_to_end(&mut out).await.unwrap();
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.ends_with("{\"body\":\"hello\"}"), "{out}");
    // The slow one completes and is served.
    slow.write_all(b"cde").await.unwrap();
    let mut out = Vec::new();
    slow.read_to_end(&mut out).await.unwrap();
    assert!(String::from_utf8_lossy(&out).ends_with("{\"body\":\"abcde\"}"));
    stop.send(()).unwrap();
    assert!(done.await.unwrap());
}
