//! `flowctl-load`: the load driver behind `scripts/load.sh`. It starts the fake Okta and Slack
//! servers, runs `flowctl serve` (release build) on the project's flows pointed at them and a
//! bare hyper server that only answers 200, and measures both in the same run on 127.0.0.1:
//!
//! - accepted requests per second and p50/p99 latency of the close-first 200 at N connections
//!   (each request a new event id, so every one starts a run);
//! - end-to-end events per second: events sent until every Slack message has arrived, with the
//!   side effects counted at the fakes;
//! - peak RSS of the server process.
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
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EVENT: &str = include_str!("../../../../examples/events/failed-check.json");

struct Args {
    flowctl: String,
    connections: usize,
    seconds: u64,
    events: usize,
    extra: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        flowctl: "target/release/flowctl".into(),
        connections: 32,
        seconds: 5,
        events: 2000,
        extra: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--flowctl" => a.flowctl = it.next().unwrap(),
            "--connections" => a.connections = it.next().unwrap().parse().unwrap(),
            "--seconds" => a.seconds = it.next().unwrap().parse().unwrap(),
            "--events" => a.events = it.next().unwrap().parse().unwrap(),
            "--serve-arg" => a.extra.push(it.next().unwrap()),
            "bare" => {
                bare_server(&it.next().unwrap());
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
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

/// Reads lines from a child's stdout or stderr until one contains `http://127.0.0.1:`; returns
/// the address.
fn wait_for_address(reader: impl std::io::Read) -> SocketAddr {
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
            return rest[..end].parse().unwrap();
        }
    }
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

struct Result {
    ok: u64,
    other: u64,
    seconds: f64,
    latencies: Vec<Duration>,
}

impl Result {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.seconds
    }
    fn pct(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    }
}

/// Keeps `connections` keep-alive connections busy for `seconds`, or until `limit` requests.
async fn hammer(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    connections: usize,
    seconds: u64,
    limit: u64,
) -> Result {
    let counter = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let counter = counter.clone();
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
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n >= limit {
                    break;
                }
                let body = EVENT.replacen(
                    "7d2e91c4-5a3b-4f08-9c6e-1b4d8a2f0e73",
                    &format!("load-{n:012}"),
                    1,
                );
                let mut req = Request::post(path.as_str())
                    .header("host", "127.0.0.1")
                    .header("content-type", "application/json");
                if let Some(t) = &token {
                    req = req.header("x-api-client-token", t.as_str());
                }
                let req = req.body(Full::new(Bytes::from(body))).unwrap();
                let t = Instant::now();
                let Ok(resp) = sender.send_request(req).await else {
                    break;
                };
                let status = resp.status();
                let _ = resp.into_body().collect().await;
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
    let mut r = Result {
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
    r
}

fn start_flowctl(a: &Args, okta: &FakeOkta, slack: &FakeSlack) -> (Child, SocketAddr) {
    let mut cmd = Command::new(&a.flowctl);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(&a.extra)
        .env("OORT_CLIENT_TOKEN", "load-token")
        .env("OKTA_ORG_URL", okta.base_url())
        .env("OKTA_API_TOKEN", okta.token())
        .env("SLACK_BOT_TOKEN", slack.token())
        .env("SLACK_API_URL", slack.api_url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .expect("flowctl starts (build it with `cargo build --release`)");
    let addr = wait_for_address(child.stderr.take().unwrap());
    (child, addr)
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let okta = FakeOkta::start().await.unwrap();
        let slack = FakeSlack::start().await.unwrap();
        okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
        for login in ["maria.gomez@example.com", "hrms.serviceuser", "li.wei+admin@example.com"] {
            okta.add_user(login, UserStatus::Active);
        }
        // The bare server, in its own process like flowctl.
        let exe = std::env::current_exe().unwrap();
        let mut bare = Command::new(exe).args(["bare", "127.0.0.1:0"]).stdout(Stdio::piped()).spawn().unwrap();
        let bare_addr = wait_for_address(bare.stdout.take().unwrap());
        let (mut server, addr) = start_flowctl(&a, &okta, &slack);
        let path = "/api/flo/oort-failing-check/invoke";

        // Warm up both, then measure each for the same time at the same concurrency.
        hammer(bare_addr, "/", None, a.connections, 1, 2_000).await;
        hammer(addr, path, Some("load-token"), a.connections, 1, 500).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let base = hammer(bare_addr, "/", None, a.connections, a.seconds, u64::MAX).await;
        slack.clear_requests();
        let before = slack.messages().len();
        let ours = hammer(addr, path, Some("load-token"), a.connections, a.seconds, u64::MAX).await;
        println!("| server | accepted req/s | p50 | p99 | other answers |");
        println!("|---|---|---|---|---|");
        println!("| bare hyper (answers 200) | {:.0} | {:.2} ms | {:.2} ms | {} |", base.rps(), ms(base.pct(0.5)), ms(base.pct(0.99)), base.other);
        println!("| flowctl serve, Oort flow (close-first 200) | {:.0} | {:.2} ms | {:.2} ms | {} |", ours.rps(), ms(ours.pct(0.5)), ms(ours.pct(0.99)), ours.other);
        println!("\nflowctl / bare: {:.0}%", 100.0 * ours.rps() / base.rps());

        // Let the runs started by the burst finish before the end-to-end measure.
        let expected = before + ours.ok as usize;
        let t = Instant::now();
        let wait = std::env::var("LOAD_WAIT").ok().and_then(|w| w.parse().ok()).unwrap_or(120);
        while slack.messages().len() < expected && t.elapsed() < Duration::from_secs(wait) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!("\nafter the burst: {} of {} runs posted to Slack within {:.1} s", slack.messages().len() - before, ours.ok, t.elapsed().as_secs_f64());

        if std::env::var_os("LOAD_METRICS").is_some() {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(conn);
            let resp = sender.send_request(Request::get("/metrics").header("host", "x").body(Full::new(Bytes::new())).unwrap()).await.unwrap();
            let text = resp.into_body().collect().await.unwrap().to_bytes();
            for line in String::from_utf8_lossy(&text).lines().filter(|l| !l.starts_with('#') && !l.contains("_bucket")) {
                println!("  {line}");
            }
        }
        // End to end: a fixed number of events, timed until the last Slack message arrives.
        let okta_before = okta.requests().len();
        let slack_before = slack.messages().len();
        let t = Instant::now();
        let sent = hammer(addr, path, Some("load-token"), a.connections, 600, a.events as u64).await;
        while slack.messages().len() < slack_before + sent.ok as usize && t.elapsed() < Duration::from_secs(300) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let secs = t.elapsed().as_secs_f64();
        let posted = slack.messages().len() - slack_before;
        let okta_calls = okta.requests().len() - okta_before;
        println!(
            "\nend to end: {} events accepted, {posted} Slack messages and {okta_calls} Okta calls ({:.1} per event) in {secs:.2} s = {:.0} events/s",
            sent.ok,
            okta_calls as f64 / posted.max(1) as f64,
            posted as f64 / secs
        );
        println!("peak RSS: flowctl serve {} MB, bare hyper {} MB", peak_rss_kb(server.id()) / 1024, peak_rss_kb(bare.id()) / 1024);
        let _ = server.kill();
        let _ = bare.kill();
        let _ = server.wait();
        let _ = bare.wait();
    });
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
