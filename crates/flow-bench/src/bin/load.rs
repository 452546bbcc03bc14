//! `flowctl-load`: the load driver behind `scripts/load.sh`. It starts the fake Okta and Slack
//! servers in its own process and, one after the other on 127.0.0.1, the servers it compares,
//! each pinned to one core with `taskset` when `--server-cpu` is given. Three modes, all run
//! by default (`--mode all`), each bounded in events and time:
//!
//! - **front**: the front door. A bare hyper server that only answers 200, and `flowctl serve`
//!   with a flow that only answers (`http.close`), store off and SQLite, each kept busy by N
//!   keep-alive connections for S seconds: accepted req/s, the share of the bare server's rate,
//!   the server's CPU time per request (what a request costs it even when the driver is the
//!   limit), ack p50/p99, peak RSS.
//! - **burst**: what a webhook sender that does not retry sees. 3,000 events as fast as 64
//!   keep-alive connections go, to the Oort flow while the fake Okta answers each call after
//!   20 ms: how many got a 2xx, a 503, another answer, or lost their connection; ack p50/p99
//!   of the answers; the time until every accepted event's Slack message arrived; the side
//!   effects counted at the fakes (with every user suspended first, each event is one Slack
//!   message, 12 Okta calls and one session clear per user), checked against the 2xx count;
//!   peak RSS (the backlog's memory).
//! - **e2e**: end-to-end cost. 2,000 Oort events (3 users each) at N connections, a 503 sent
//!   again 2 ms later, timed until every Slack message arrived, for the hand-written baseline
//!   (`flowctl-baseline`), `flowctl serve` with the store off, and with SQLite: events/s done,
//!   server CPU time per event (utime + stime from `/proc/<pid>/stat` over the run), ack
//!   p50/p99, Okta calls per event, peak RSS (`VmHWM`), and the ratios to the baseline.
//!
//! At the end it prints the issue's targets with the figures of this run, met or missed.
//! `--wrap COMMAND` runs the baseline and `flowctl serve` under a profiler (callgrind), and
//! `--e2e-servers` picks the servers of the e2e mode.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use flow_testkit::{FakeOkta, FakeSlack, Fault, UserStatus};
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
/// The example event's failing users, all active in the fake Okta at the start.
const USERS: [&str; 3] = [
    "maria.gomez@example.com",
    "hrms.serviceuser",
    "li.wei+admin@example.com",
];
const OORT: &str = "/api/flo/oort-failing-check/invoke";

/// Every request of the whole run gets its own event id, so none is answered by dedupe.
static NEXT_EVENT: AtomicU64 = AtomicU64::new(0);

struct Args {
    flowctl: String,
    baseline: String,
    mode: String,
    connections: usize,
    seconds: u64,
    events: u64,
    burst: u64,
    burst_connections: usize,
    okta_delay_ms: u64,
    max_in_flight: u64,
    e2e_max_in_flight: u64,
    server_cpu: Option<String>,
    /// A command `flowctl serve` and the baseline run under (e.g. `valgrind --tool=callgrind`),
    /// split on spaces.
    wrap: Vec<String>,
    /// Which servers the e2e mode runs: `baseline`, `none`, `sqlite`.
    e2e_servers: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        flowctl: "target/release/flowctl".into(),
        baseline: "target/release/flowctl-baseline".into(),
        mode: "all".into(),
        connections: 32,
        seconds: 5,
        events: 2000,
        burst: 3000,
        burst_connections: 64,
        okta_delay_ms: 20,
        max_in_flight: 256,
        e2e_max_in_flight: 5000,
        server_cpu: None,
        wrap: Vec::new(),
        e2e_servers: vec!["baseline".into(), "none".into(), "sqlite".into()],
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--flowctl" => a.flowctl = value(),
            "--baseline" => a.baseline = value(),
            "--mode" => a.mode = value(),
            "--connections" => a.connections = value().parse().unwrap(),
            "--seconds" => a.seconds = value().parse().unwrap(),
            "--events" => a.events = value().parse().unwrap(),
            "--burst" => a.burst = value().parse().unwrap(),
            "--burst-connections" => a.burst_connections = value().parse().unwrap(),
            "--okta-delay-ms" => a.okta_delay_ms = value().parse().unwrap(),
            "--max-in-flight" => a.max_in_flight = value().parse().unwrap(),
            "--e2e-max-in-flight" => a.e2e_max_in_flight = value().parse().unwrap(),
            "--server-cpu" => a.server_cpu = Some(value()),
            "--wrap" => a.wrap = value().split_whitespace().map(str::to_string).collect(),
            "--e2e-servers" => a.e2e_servers = value().split(',').map(str::to_string).collect(),
            "bare" => {
                bare_server();
                std::process::exit(0);
            }
            other => panic!(
                "unknown argument {other}; use --mode all|front|burst|e2e --flowctl PATH \
                 --baseline PATH --connections N --seconds N --events N --burst N \
                 --burst-connections N --okta-delay-ms N --max-in-flight N \
                 --e2e-max-in-flight N --server-cpu CPU --wrap COMMAND \
                 --e2e-servers baseline,none,sqlite"
            ),
        }
    }
    assert!(
        ["all", "front", "burst", "e2e"].contains(&a.mode.as_str()),
        "--mode is all, front, burst or e2e"
    );
    a
}

/// A hyper server that answers every request with 200 and a short body.
fn bare_server() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        eprintln!("listening on {}", listener.local_addr().unwrap());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
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

/// Peak resident memory of a process (`VmHWM`), in MB.
fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
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

#[derive(Default)]
struct Outcome {
    ok: u64,
    busy: u64,
    other: u64,
    lost: u64,
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

/// How [`hammer`] drives a server.
#[derive(Clone, Copy)]
struct Load<'a> {
    path: &'a str,
    token: Option<&'a str>,
    connections: usize,
    seconds: u64,
    limit: u64,
    /// Send a 503 again 2 ms later, as a sender honouring it would (the latency then runs
    /// until the final answer).
    retry_busy: bool,
}

async fn connect(addr: SocketAddr) -> Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await.ok()?;
    stream.set_nodelay(true).ok()?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(conn);
    Some(sender)
}

/// Keeps `connections` keep-alive connections busy for `seconds`, or until `limit` requests.
/// A request whose connection breaks before the answer is counted as lost, and the connection
/// is opened again for the next one.
async fn hammer(addr: SocketAddr, load: Load<'_>) -> Outcome {
    let sent = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(load.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..load.connections {
        let sent = sent.clone();
        let path = load.path.to_string();
        let token = load.token.map(str::to_string);
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            let mut sender = connect(addr).await;
            while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < load.limit {
                let n = NEXT_EVENT.fetch_add(1, Ordering::Relaxed);
                let body = Bytes::from(EVENT.replacen(EVENT_ID, &format!("load-{n:012}"), 1));
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
                    if sender.is_none() {
                        sender = connect(addr).await;
                    }
                    let Some(s) = sender.as_mut() else {
                        break None;
                    };
                    let answer = match s.send_request(make()).await {
                        Ok(resp) => {
                            let status = resp.status();
                            resp.into_body().collect().await.ok().map(|_| status)
                        }
                        Err(_) => None,
                    };
                    let Some(status) = answer else {
                        sender = None;
                        break None;
                    };
                    if load.retry_busy && status == hyper::StatusCode::SERVICE_UNAVAILABLE {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        continue;
                    }
                    break Some(status);
                };
                let Some(status) = status else {
                    out.lost += 1;
                    continue;
                };
                out.latencies.push(t.elapsed());
                if status.is_success() {
                    out.ok += 1
                } else if status == hyper::StatusCode::SERVICE_UNAVAILABLE {
                    out.busy += 1
                } else {
                    out.other += 1
                }
            }
            out
        }));
    }
    let mut r = Outcome::default();
    for t in tasks {
        let o = t.await.unwrap();
        r.ok += o.ok;
        r.busy += o.busy;
        r.other += o.other;
        r.lost += o.lost;
        r.latencies.extend(o.latencies);
    }
    r.seconds = started.elapsed().as_secs_f64();
    r.latencies.sort_unstable();
    r
}

/// A throw-away project: the Oort flows, the close-only flow, and one settings file per
/// `max_in_flight` asked for.
fn write_project(dir: &Path) {
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(flows.join("oort-failing-check.yaml"), MAIN).unwrap();
    std::fs::write(flows.join("demo-dispatcher.yaml"), HELPER).unwrap();
    std::fs::write(flows.join("close-only.yaml"), CLOSE_ONLY).unwrap();
}

fn config(dir: &Path, max_in_flight: u64) -> PathBuf {
    let config = dir.join(format!("flowctl-{max_in_flight}.yaml"));
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

/// The servers compared.
enum Server {
    /// The bare hyper server (this program, `bare`).
    Bare,
    /// The hand-written Oort work (`flowctl-baseline`).
    Baseline,
    /// `flowctl serve` with a store (`none` or `sqlite://…`) and a `max_in_flight`.
    Flowctl(String, u64),
}

struct Fakes {
    okta: FakeOkta,
    slack: FakeSlack,
}

/// Starts a server, pinned to `--server-cpu` when given; it prints its address on stderr.
fn start(a: &Args, dir: &Path, server: &Server, fakes: &Fakes) -> (Child, SocketAddr) {
    let (program, mut args): (String, Vec<String>) = match server {
        Server::Bare => (
            std::env::current_exe().unwrap().display().to_string(),
            vec!["bare".into()],
        ),
        Server::Baseline => (a.baseline.clone(), vec![]),
        Server::Flowctl(_, max_in_flight) => (
            a.flowctl.clone(),
            vec![
                "--config".into(),
                config(dir, *max_in_flight).display().to_string(),
                "serve".into(),
                "--log-format".into(),
                "json".into(),
            ],
        ),
    };
    let program = match (server, a.wrap.split_first()) {
        (Server::Flowctl(..) | Server::Baseline, Some((first, rest))) => {
            args = rest.iter().cloned().chain([program]).chain(args).collect();
            first.clone()
        }
        _ => program,
    };
    let mut cmd = match &a.server_cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpu.as_str(), program.as_str()]);
            c
        }
        None => Command::new(&program),
    };
    cmd.args(&args);
    if let Server::Flowctl(store, _) = server {
        cmd.env("FLOWCTL_STORE", store);
    }
    let mut child = cmd
        .env("OORT_CLIENT_TOKEN", TOKEN)
        // flows/okta-suspended-user-ticket.yaml's hook secret and credentials (never used here).
        .env("OKTA_HOOK_SECRET", "load-okta-hook-secret")
        .env("MICROSOFT365_TOKEN", "load-graph-token")
        .env("JIRA_EMAIL", "flows@example.com")
        .env("JIRA_API_TOKEN", "load-jira-token")
        .env("OKTA_ORG_URL", fakes.okta.base_url())
        .env("OKTA_API_TOKEN", fakes.okta.token())
        .env("SLACK_BOT_TOKEN", fakes.slack.token())
        .env("SLACK_API_URL", fakes.slack.api_url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} starts (scripts/load.sh builds it): {e}"));
    let addr = wait_for_address(child.stderr.take().unwrap());
    (child, addr)
}

/// Stops a server: SIGTERM first (a profiler it runs under writes its data then), SIGKILL
/// if it is still there after 10 s.
fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    for _ in 0..100 {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits until the Slack fake holds `count` messages, or `limit` passes; the seconds waited.
async fn wait_for_messages(slack: &FakeSlack, count: usize, limit: Duration) -> f64 {
    let t = Instant::now();
    while slack.messages().len() < count && t.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    t.elapsed().as_secs_f64()
}

/// The figures the targets are judged on, filled in by the modes that ran.
#[derive(Default)]
struct Figures {
    /// Per close-only set-up: its rate as a share of the bare server's, and the bare server's
    /// CPU time per request as a share of its own.
    front_share: Vec<(String, f64, f64)>,
    front_p99: Vec<(String, f64)>,
    burst: Vec<(String, Outcome, f64, Effects)>,
    e2e: Vec<(String, E2e)>,
}

/// The side effects of a burst, counted at the fakes.
struct Effects {
    /// Slack messages posted: one per event.
    slack: u64,
    /// Okta calls: 12 per event with every user already suspended.
    okta: u64,
    /// Sessions cleared per user: one per event.
    clears: Vec<u64>,
}

impl Effects {
    /// Whether every one of `events` events had all its side effects, and none twice.
    fn all_done(&self, events: u64) -> bool {
        self.slack == events
            && self.okta == 12 * events
            && self.clears.len() == USERS.len()
            && self.clears.iter().all(|c| *c == events)
    }
}

struct E2e {
    done_per_s: f64,
    cpu_ms: f64,
    p50: f64,
    p99: f64,
    okta_per_event: f64,
    delivered: usize,
    sent: u64,
    rss: f64,
}

fn store_name(s: &str) -> &'static str {
    if s == "none" { "store: none" } else { "SQLite" }
}

async fn front(a: &Args, dir: &Path, fakes: &Fakes, fig: &mut Figures) {
    println!(
        "## front door: {} keep-alive connections, {} s each\n",
        a.connections, a.seconds
    );
    println!(
        "| server | accepted req/s | of bare | server CPU per request | bare's CPU share | ack p50 | ack p99 | other answers | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let load = |seconds, limit| Load {
        path: "/api/flo/close-only/invoke",
        token: Some(TOKEN),
        connections: a.connections,
        seconds,
        limit,
        retry_busy: false,
    };
    let (bare, addr) = start(a, dir, &Server::Bare, fakes);
    let bare_load = Load {
        path: "/",
        token: None,
        ..load(1, 5_000)
    };
    hammer(addr, bare_load).await;
    let cpu = cpu_seconds(bare.id());
    let base = hammer(
        addr,
        Load {
            seconds: a.seconds,
            limit: u64::MAX,
            ..bare_load
        },
    )
    .await;
    let base_cpu = (cpu_seconds(bare.id()) - cpu) / base.ok.max(1) as f64;
    // When the driver, not the server, is the limit (a shared machine), the rates say little;
    // the server's CPU time per request still says what a request costs it.
    let row = |name: &str, o: &Outcome, cpu: f64, rss: f64| {
        println!(
            "| {name} | {:.0} | {:.0} % | {:.1} µs | {:.0} % | {:.2} ms | {:.2} ms | {} | {rss:.0} MB |",
            o.rps(),
            100.0 * o.rps() / base.rps(),
            cpu * 1e6,
            100.0 * base_cpu / cpu,
            o.pct(0.5),
            o.pct(0.99),
            o.busy + o.other + o.lost
        );
    };
    row(
        "bare hyper (answers 200)",
        &base,
        base_cpu,
        peak_rss_mb(bare.id()),
    );
    stop(bare);
    for store in ["none".to_string(), sqlite(dir, "close-only")] {
        let server = Server::Flowctl(store.clone(), a.max_in_flight);
        let (child, addr) = start(a, dir, &server, fakes);
        hammer(addr, load(1, 5_000)).await;
        let cpu = cpu_seconds(child.id());
        let o = hammer(addr, load(a.seconds, u64::MAX)).await;
        let cpu = (cpu_seconds(child.id()) - cpu) / o.ok.max(1) as f64;
        let name = format!("flowctl serve, close-only, {}", store_name(&store));
        row(&name, &o, cpu, peak_rss_mb(child.id()));
        fig.front_p99.push((name.clone(), o.pct(0.99)));
        fig.front_share
            .push((name, o.rps() / base.rps(), base_cpu / cpu));
        stop(child);
    }
    println!();
}

fn sqlite(dir: &Path, name: &str) -> String {
    let db = dir.join(format!("{name}-{}.db", NEXT_EVENT.load(Ordering::Relaxed)));
    format!("sqlite://{}", db.display())
}

async fn burst(a: &Args, dir: &Path, fakes: &Fakes, fig: &mut Figures) {
    println!(
        "## burst: {} Oort events, {} keep-alive connections as fast as they go, no retry; \
         the fake Okta answers after {} ms; max_in_flight {}\n",
        a.burst, a.burst_connections, a.okta_delay_ms, a.max_in_flight
    );
    println!(
        "| server | 2xx | 503 | other | lost | ack p50 | ack p99 | sent in | all accepted done after | Slack messages | Okta calls | session clears per user | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    fakes.okta.fault(Fault::Delay {
        times: u32::MAX,
        delay: Duration::from_millis(a.okta_delay_ms),
    });
    // Every user already suspended: each event is then exactly 12 Okta calls (per user: read,
    // clear sessions, suspend refused, read again) and one session clear per user, whatever
    // order the runs take, so the side effects can be counted against the 2xx answers.
    for login in USERS {
        fakes.okta.set_status(login, UserStatus::Suspended);
    }
    let ids: Vec<String> = USERS
        .iter()
        .filter_map(|login| fakes.okta.id_of(login))
        .collect();
    for store in ["none".to_string(), sqlite(dir, "burst")] {
        let server = Server::Flowctl(store.clone(), a.max_in_flight);
        let (child, addr) = start(a, dir, &server, fakes);
        let posted = fakes.slack.messages().len();
        let okta_calls = fakes.okta.requests().len();
        let cleared: Vec<u32> = ids
            .iter()
            .map(|id| fakes.okta.sessions_cleared(id))
            .collect();
        let o = hammer(
            addr,
            Load {
                path: OORT,
                token: Some(TOKEN),
                connections: a.burst_connections,
                seconds: 120,
                limit: a.burst,
                retry_busy: false,
            },
        )
        .await;
        let drained = wait_for_messages(
            &fakes.slack,
            posted + o.ok as usize,
            Duration::from_secs(300),
        )
        .await;
        let done = fakes.slack.messages().len() - posted;
        let effects = Effects {
            slack: done as u64,
            okta: (fakes.okta.requests().len() - okta_calls) as u64,
            clears: ids
                .iter()
                .zip(&cleared)
                .map(|(id, before)| u64::from(fakes.okta.sessions_cleared(id) - before))
                .collect(),
        };
        let rss = peak_rss_mb(child.id());
        let name = format!("flowctl serve, Oort, {}", store_name(&store));
        println!(
            "| {name} | {} | {} | {} | {} | {:.2} ms | {:.2} ms | {:.2} s | {:.1} s | {done} | {} (expected {}) | {:?} | {rss:.0} MB |",
            o.ok,
            o.busy,
            o.other,
            o.lost,
            o.pct(0.5),
            o.pct(0.99),
            o.seconds,
            o.seconds + drained,
            effects.okta,
            12 * o.ok,
            effects.clears,
        );
        fig.burst.push((name, o, rss, effects));
        stop(child);
    }
    fakes.okta.clear_faults();
    println!();
}

async fn e2e(a: &Args, dir: &Path, fakes: &Fakes, fig: &mut Figures) {
    println!(
        "## end to end: {} Oort events (3 users each), {} connections, a 503 sent again after \
         2 ms, until every Slack message arrived; flowctl with max_in_flight {}\n",
        a.events, a.connections, a.e2e_max_in_flight
    );
    println!(
        "| server | events/s done | server CPU per event | × baseline | ack p50 | ack p99 | Okta calls per event | Slack messages | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let load = |limit, seconds| Load {
        path: OORT,
        token: Some(TOKEN),
        connections: a.connections,
        seconds,
        limit,
        retry_busy: true,
    };
    let db = sqlite(dir, "oort");
    let servers = [
        ("hand-written baseline".to_string(), Server::Baseline),
        (
            "flowctl serve, store: none".to_string(),
            Server::Flowctl("none".into(), a.e2e_max_in_flight),
        ),
        (
            "flowctl serve, SQLite".to_string(),
            Server::Flowctl(db.clone(), a.e2e_max_in_flight),
        ),
    ];
    let mut base_cpu = None;
    for (name, server) in servers {
        let key = match &server {
            Server::Baseline => "baseline",
            Server::Flowctl(store, _) if store == "none" => "none",
            _ => "sqlite",
        };
        if !a.e2e_servers.iter().any(|s| s == key) {
            continue;
        }
        let (child, addr) = start(a, dir, &server, fakes);
        // Warm up (connections, pools, caches), let those runs finish, then measure.
        let posted = fakes.slack.messages().len();
        let warm = hammer(addr, load(300, 5)).await;
        wait_for_messages(
            &fakes.slack,
            posted + warm.ok as usize,
            Duration::from_secs(60),
        )
        .await;
        let okta_calls = fakes.okta.requests().len();
        let posted = fakes.slack.messages().len();
        let cpu = cpu_seconds(child.id());
        let t = Instant::now();
        let sent = hammer(addr, load(a.events, 600)).await;
        wait_for_messages(
            &fakes.slack,
            posted + sent.ok as usize,
            Duration::from_secs(300),
        )
        .await;
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds(child.id()) - cpu;
        let delivered = fakes.slack.messages().len() - posted;
        let r = E2e {
            done_per_s: delivered as f64 / secs,
            cpu_ms: 1000.0 * cpu / delivered.max(1) as f64,
            p50: sent.pct(0.5),
            p99: sent.pct(0.99),
            okta_per_event: (fakes.okta.requests().len() - okta_calls) as f64
                / delivered.max(1) as f64,
            delivered,
            sent: sent.ok,
            rss: peak_rss_mb(child.id()),
        };
        let base = *base_cpu.get_or_insert(r.cpu_ms);
        println!(
            "| {name} | {:.0} | {:.3} ms | {:.2} × | {:.2} ms | {:.2} ms | {:.1} | {} of {} | {:.0} MB |",
            r.done_per_s,
            r.cpu_ms,
            r.cpu_ms / base,
            r.p50,
            r.p99,
            r.okta_per_event,
            r.delivered,
            r.sent,
            r.rss
        );
        fig.e2e.push((name, r));
        stop(child);
    }
    if let Some(path) = db.strip_prefix("sqlite://") {
        let size: u64 = ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok())
            .map(|m| m.len())
            .sum();
        let runs = a.events + 300;
        println!(
            "\nSQLite file after about {runs} Oort runs: {:.1} MB with the WAL = {:.0} bytes per run",
            size as f64 / 1e6,
            size as f64 / runs as f64
        );
    }
    println!();
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

fn targets(fig: &Figures) {
    println!("## targets (issue 12, item 2), figures of this run\n");
    println!("| target | measured | |");
    println!("|---|---|---|");
    if let Some((_, r)) = fig.e2e.iter().find(|(n, _)| n.ends_with("SQLite")) {
        let base = fig.e2e.first().map(|(_, b)| b.cpu_ms).unwrap_or(f64::NAN);
        println!(
            "| ≤ 0.35 ms server CPU per Oort event, SQLite | {:.3} ms ({:.2} × the baseline's {:.3} ms) | {} |",
            r.cpu_ms,
            r.cpu_ms / base,
            base,
            verdict(r.cpu_ms <= 0.35)
        );
        println!(
            "| ack p99 < 5 ms at 32 connections (Oort, SQLite) | {:.2} ms | {} |",
            r.p99,
            verdict(r.p99 < 5.0)
        );
        // The e2e run is a backlog (the driver acks faster than the work drains), not steady
        // load: its peak RSS is shown, not judged.
        println!(
            "| peak RSS < 50 MB in steady load | not measured: the e2e backlog peaked at {:.0} MB (Oort, SQLite) | not measured |",
            r.rss
        );
    }
    for (name, rate, cpu) in &fig.front_share {
        println!(
            "| front door ≥ 70 % of bare hyper ({name}) | rate {:.0} %, CPU per request {:.0} % | {} |",
            100.0 * rate,
            100.0 * cpu,
            verdict(*rate >= 0.70 && *cpu >= 0.70)
        );
    }
    for (name, p99) in &fig.front_p99 {
        println!(
            "| ack p99 < 5 ms at 32 connections ({name}) | {p99:.2} ms | {} |",
            verdict(*p99 < 5.0)
        );
    }
    for (name, o, rss, effects) in &fig.burst {
        let all = effects.all_done(o.ok) && o.busy + o.other + o.lost == 0;
        println!(
            "| burst: every event 2xx and its side effects done ({name}) | {} of {} 2xx; {} Slack messages, {} Okta calls (expected {}), session clears per user {:?} | {} |",
            o.ok,
            o.ok + o.busy + o.other + o.lost,
            effects.slack,
            effects.okta,
            12 * o.ok,
            effects.clears,
            verdict(all)
        );
        println!(
            "| burst: ack p99 < 50 ms ({name}) | {:.2} ms | {} |",
            o.pct(0.99),
            verdict(o.pct(0.99) < 50.0)
        );
        println!(
            "| burst: peak RSS < 100 MB ({name}) | {rss:.0} MB | {} |",
            verdict(*rss < 100.0)
        );
    }
}

fn main() {
    let a = args();
    let dir = std::env::temp_dir().join(format!("flowctl-load-{}", std::process::id()));
    write_project(&dir);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let fakes = Fakes {
            okta: FakeOkta::start().await.unwrap(),
            slack: FakeSlack::start().await.unwrap(),
        };
        fakes.okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
        for login in USERS {
            fakes.okta.add_user(login, UserStatus::Active);
        }
        println!(
            "server pinned to CPU {}; shared machine: wall-clock figures vary between runs, \
             CPU time per event is the steadier figure\n",
            a.server_cpu.as_deref().unwrap_or("(not pinned)")
        );
        let mut fig = Figures::default();
        if ["all", "front"].contains(&a.mode.as_str()) {
            front(&a, &dir, &fakes, &mut fig).await;
        }
        if ["all", "burst"].contains(&a.mode.as_str()) {
            burst(&a, &dir, &fakes, &mut fig).await;
        }
        if ["all", "e2e"].contains(&a.mode.as_str()) {
            e2e(&a, &dir, &fakes, &mut fig).await;
        }
        targets(&fig);
    });
    let _ = std::fs::remove_dir_all(&dir);
}
