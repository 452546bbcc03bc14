//! `flowctl-load`: the load driver behind `scripts/load.sh`. It starts the fake Okta and Slack
//! servers and, one after the other on 127.0.0.1, a bare hyper server that only answers 200
//! and `flowctl serve` (release build) in four set-ups: a flow that only answers (`http.close`)
//! and the Oort flow, each with the durable store off and on. For each it measures:
//!
//! - accepted requests per second and p50/p99 latency at N keep-alive connections (every
//!   request a new event id, so every one starts a run), and the other answers (503 when runs
//!   in flight reach `max_in_flight`);
//! - for the Oort flow, end to end: a fixed number of events timed until every Slack message
//!   has arrived, the side effects counted at the fakes, the server's CPU time per event and
//!   the TCP connections it opened to the fakes (keep-alive);
//! - peak RSS of the server process, and the store file's bytes per stored Oort execution.
//!
//! Everything is bounded in requests and time and stops by itself.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use flow_testkit::{FakeOkta, FakeSlack, UserStatus};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EVENT: &str = include_str!("../../../../examples/events/failed-check.json");
const EVENT_ID: &str = "7d2e91c4-5a3b-4f08-9c6e-1b4d8a2f0e73";
const MAIN: &str = include_str!("../../../../flows/oort-failing-check.yaml");
const HELPER: &str = include_str!("../../../../flows/demo-dispatcher.yaml");
/// A flow that only answers: the cost of the front door (auth, parse, dedupe, run, answer).
const CLOSE_ONLY: &str = r#"flow: close-only
trigger:
  api_endpoint:
    security: { client_token: "${env:OORT_CLIENT_TOKEN}" }
    accept: json
    dedupe: { key: "{{ trigger.json.id }}", window: 24h }
steps:
  - id: ack
    card: http.close
    with: { status: 200, body: { received: true } }
"#;
const TOKEN: &str = "load-token";
const USERS: [&str; 3] = [
    "maria.gomez@example.com",
    "hrms.serviceuser",
    "li.wei+admin@example.com",
];

/// Every request of the whole run gets its own event id, so none is answered by dedupe.
static NEXT_EVENT: AtomicU64 = AtomicU64::new(0);

struct Args {
    flowctl: String,
    connections: usize,
    seconds: u64,
    events: u64,
    max_in_flight: u64,
}

fn args() -> Args {
    let mut a = Args {
        flowctl: "target/release/flowctl".into(),
        connections: 32,
        seconds: 5,
        events: 2000,
        max_in_flight: 256,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--flowctl" => a.flowctl = value(),
            "--connections" => a.connections = value().parse().unwrap(),
            "--seconds" => a.seconds = value().parse().unwrap(),
            "--events" => a.events = value().parse().unwrap(),
            "--max-in-flight" => a.max_in_flight = value().parse().unwrap(),
            "bare" => {
                bare_server(&value());
                std::process::exit(0);
            }
            other => panic!(
                "unknown argument {other}; use --flowctl PATH --connections N --seconds N \
                 --events N --max-in-flight N"
            ),
        }
    }
    a
}

/// A hyper server that answers every request with 200 and a short body.
fn bare_server(listen: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
        println!("listening on {}", listener.local_addr().unwrap());
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                        let _ = req.into_body().collect().await;
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                            Bytes::from_static(b"{\"received\":true}"),
                        )))
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}

/// Reads a child's output until a line holds `127.0.0.1:PORT`, then keeps draining it on a
/// thread (a full pipe would stall the child).
fn wait_for_address(reader: impl std::io::Read + Send + 'static) -> SocketAddr {
    let mut lines = std::io::BufReader::new(reader).lines();
    loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(pos) = line.find("127.0.0.1:") {
            let rest = &line[pos..];
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
                .unwrap_or(rest.len());
            let addr = rest[..end].parse().unwrap();
            std::thread::spawn(move || lines.for_each(drop));
            return addr;
        }
    }
}

fn peak_rss_mb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// User plus system CPU time of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the name; 100 ticks a second.
    (ticks(11) + ticks(12)) / 100.0
}

struct Outcome {
    ok: u64,
    other: u64,
    seconds: f64,
    latencies: Vec<Duration>,
}

impl Outcome {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.seconds
    }
    /// The `p` quantile in milliseconds (latencies are sorted once, when the measure ends).
    fn pct(&self, p: f64) -> f64 {
        let l = &self.latencies;
        let i = ((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1));
        l.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
    }
}

/// Keeps `connections` keep-alive connections busy for `seconds`, or until `limit` requests.
/// With `retry_busy`, a 503 (runs in flight at `max_in_flight`) is sent again 2 ms later, as
/// a sender honouring the answer would, so every event is eventually accepted.
async fn hammer(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    connections: usize,
    seconds: u64,
    limit: u64,
    retry_busy: bool,
) -> Outcome {
    let sent = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let sent = sent.clone();
        let path = path.to_string();
        let token = token.map(str::to_string);
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(conn);
            let (mut ok, mut other, mut lat) = (0u64, 0u64, Vec::new());
            while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < limit {
                let n = NEXT_EVENT.fetch_add(1, Ordering::Relaxed);
                let body = EVENT.replacen(EVENT_ID, &format!("load-{n:012}"), 1);
                let body = Bytes::from(body);
                let make = || {
                    let mut req = Request::post(path.as_str())
                        .header("host", "127.0.0.1")
                        .header("content-type", "application/json");
                    if let Some(t) = &token {
                        req = req.header("x-api-client-token", t.as_str());
                    }
                    req.body(Full::new(body.clone())).unwrap()
                };
                let t = Instant::now();
                let status = loop {
                    let Ok(resp) = sender.send_request(make()).await else {
                        break None;
                    };
                    let status = resp.status();
                    let _ = resp.into_body().collect().await;
                    if retry_busy && status == hyper::StatusCode::SERVICE_UNAVAILABLE {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        continue;
                    }
                    break Some(status);
                };
                let Some(status) = status else {
                    break;
                };
                lat.push(t.elapsed());
                if status.is_success() {
                    ok += 1
                } else {
                    other += 1
                }
            }
            (ok, other, lat)
        }));
    }
    let mut r = Outcome {
        ok: 0,
        other: 0,
        seconds: 0.0,
        latencies: Vec::new(),
    };
    for t in tasks {
        let (ok, other, lat) = t.await.unwrap();
        r.ok += ok;
        r.other += other;
        r.latencies.extend(lat);
    }
    r.seconds = started.elapsed().as_secs_f64();
    r.latencies.sort_unstable();
    r
}

/// A throw-away project: the Oort flows, the close-only flow, and settings for the load.
fn write_project(dir: &Path, max_in_flight: u64) -> PathBuf {
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(flows.join("oort-failing-check.yaml"), MAIN).unwrap();
    std::fs::write(flows.join("demo-dispatcher.yaml"), HELPER).unwrap();
    std::fs::write(flows.join("close-only.yaml"), CLOSE_ONLY).unwrap();
    let config = dir.join("flowctl.yaml");
    let text = format!(
        "flows: flows\n\
         connections:\n  \
           okta: {{ kind: okta, org_url: \"${{env:OKTA_ORG_URL}}\", token: \"${{env:OKTA_API_TOKEN}}\" }}\n  \
           slack: {{ kind: slack, token: \"${{env:SLACK_BOT_TOKEN}}\", api_url: \"${{env:SLACK_API_URL}}\" }}\n\
         server:\n  listen: 127.0.0.1:0\n  max_body: 1MiB\n  max_in_flight: {max_in_flight}\n\
         store: none\n"
    );
    std::fs::write(&config, text).unwrap();
    config
}

/// `flowctl serve` on the throw-away project; `store` is `none` or a fresh SQLite file.
fn start_flowctl(
    a: &Args,
    config: &Path,
    store: &str,
    okta: &FakeOkta,
    slack: &FakeSlack,
) -> (Child, SocketAddr) {
    let mut child = Command::new(&a.flowctl)
        .arg("--config")
        .arg(config)
        .args(["serve", "--log-format", "json"])
        .env("FLOWCTL_STORE", store)
        .env("OORT_CLIENT_TOKEN", TOKEN)
        .env("OKTA_ORG_URL", okta.base_url())
        .env("OKTA_API_TOKEN", okta.token())
        .env("SLACK_BOT_TOKEN", slack.token())
        .env("SLACK_API_URL", slack.api_url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flowctl starts (build it with `cargo build --release`)");
    let addr = wait_for_address(child.stderr.take().unwrap());
    (child, addr)
}

/// Waits until the Slack fake holds `count` messages, or `limit` passes.
async fn wait_for_messages(slack: &FakeSlack, count: usize, limit: Duration) -> f64 {
    let t = Instant::now();
    while slack.messages().len() < count && t.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    t.elapsed().as_secs_f64()
}

fn row(name: &str, o: &Outcome, rss_mb: u64, base: f64) {
    println!(
        "| {name} | {:.0} | {:.0}% | {:.2} ms | {:.2} ms | {} | {rss_mb} MB |",
        o.rps(),
        100.0 * o.rps() / base,
        o.pct(0.5),
        o.pct(0.99),
        o.other
    );
}

fn main() {
    let a = args();
    let dir = std::env::temp_dir().join(format!("flowctl-load-{}", std::process::id()));
    let config = write_project(&dir, a.max_in_flight);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let okta = FakeOkta::start().await.unwrap();
        let slack = FakeSlack::start().await.unwrap();
        okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
        for login in USERS {
            okta.add_user(login, UserStatus::Active);
        }
        println!(
            "{} connections, {} s per measure, max_in_flight {}, {} events end to end\n",
            a.connections, a.seconds, a.max_in_flight, a.events
        );
        println!("| server | accepted req/s | of bare | p50 | p99 | other answers | peak RSS |");
        println!("|---|---|---|---|---|---|---|");

        // The bare server, in its own process like flowctl.
        let exe = std::env::current_exe().unwrap();
        let mut bare = Command::new(exe)
            .args(["bare", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let bare_addr = wait_for_address(bare.stdout.take().unwrap());
        hammer(bare_addr, "/", None, a.connections, 1, 5_000, false).await;
        let base = hammer(bare_addr, "/", None, a.connections, a.seconds, u64::MAX, false).await;
        row("bare hyper (answers 200)", &base, peak_rss_mb(bare.id()), base.rps());
        let _ = bare.kill();
        let _ = bare.wait();

        let mut e2e = Vec::new();
        let mut db_note = String::new();
        for (flow, durable) in [
            ("close-only", false),
            ("close-only", true),
            ("oort-failing-check", false),
            ("oort-failing-check", true),
        ] {
            let store = if durable {
                format!("sqlite://{}", dir.join(format!("{flow}.db")).display())
            } else {
                "none".to_string()
            };
            let (mut server, addr) = start_flowctl(&a, &config, &store, &okta, &slack);
            let path = format!("/api/flo/{flow}/invoke");
            let oort = flow == "oort-failing-check";

            // Warm up, let the runs it started finish, then measure.
            let posted = slack.messages().len();
            let warm = hammer(addr, &path, Some(TOKEN), a.connections, 1, 500, true).await;
            if oort {
                wait_for_messages(&slack, posted + warm.ok as usize, Duration::from_secs(60)).await;
            }
            let posted = slack.messages().len();
            let burst = hammer(
                addr,
                &path,
                Some(TOKEN),
                a.connections,
                a.seconds,
                u64::MAX,
                false,
            )
            .await;
            let name = format!(
                "flowctl serve, {flow}, durability {}",
                if durable { "on" } else { "off" }
            );
            row(&name, &burst, peak_rss_mb(server.id()), base.rps());
            if oort {
                let behind = wait_for_messages(
                    &slack,
                    posted + burst.ok as usize,
                    Duration::from_secs(120),
                )
                .await;
                // End to end: a fixed number of events, until the last Slack message.
                let (okta_calls, okta_conns) = (okta.requests().len(), okta.connections_accepted());
                let (posted, slack_conns) = (slack.messages().len(), slack.connections_accepted());
                let cpu = cpu_seconds(server.id());
                let t = Instant::now();
                let sent = hammer(addr, &path, Some(TOKEN), a.connections, 600, a.events, true).await;
                wait_for_messages(&slack, posted + sent.ok as usize, Duration::from_secs(300))
                    .await;
                let secs = t.elapsed().as_secs_f64();
                let delivered = slack.messages().len() - posted;
                let cpu = cpu_seconds(server.id()) - cpu;
                e2e.push(format!(
                    "| durability {} | {} | {delivered} | {} | {} | {:.0} | {:.2} ms | {}+{} | {behind:.1} s |",
                    if durable { "on" } else { "off" },
                    sent.ok,
                    okta.requests().len() - okta_calls,
                    sent.other,
                    delivered as f64 / secs,
                    1000.0 * cpu / delivered.max(1) as f64,
                    okta.connections_accepted() - okta_conns,
                    slack.connections_accepted() - slack_conns,
                ));
                if durable {
                    // Let the last finish records commit, then weigh the file.
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let runs = warm.ok + burst.ok + sent.ok;
                    let db = dir.join(format!("{flow}.db"));
                    let size: u64 = ["", "-wal"]
                        .iter()
                        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
                        .map(|m| m.len())
                        .sum();
                    db_note = format!(
                        "store file after {runs} Oort runs: {:.1} MB (with WAL) = {:.0} bytes per stored execution",
                        size as f64 / 1e6,
                        size as f64 / runs.max(1) as f64
                    );
                }
            }
            let _ = server.kill();
            let _ = server.wait();
        }
        println!("\nOort flow end to end (events sent until every Slack message arrived):\n");
        println!(
            "| store | events accepted | Slack messages | Okta calls | other answers | events/s | server CPU per event | new connections Okta+Slack | burst backlog drained in |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for line in e2e {
            println!("{line}");
        }
        println!("\n{db_note}");
    });
    let _ = std::fs::remove_dir_all(&dir);
}
