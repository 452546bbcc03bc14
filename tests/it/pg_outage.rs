//! PostgreSQL unreachable under `flowctl serve`: the node reaches its database through a TCP
//! proxy the test cuts (every open connection closed, new ones closed on arrival) and restores,
//! as a database restart or a network partition would look to it. While the database is
//! unreachable `/readyz` answers 503 and an event is refused with 503 and `Retry-After` (never
//! answered 2xx without being stored); once it is back the node serves again, and every event
//! that was answered 2xx, before, during or after, is stored and its run finished.

use crate::common;
use crate::postgres::TempDatabase;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest any wait below may take (a guard against a hang: every wait ends as soon as
/// its condition holds).
const PATIENCE: Duration = Duration::from_secs(120);

/// A TCP proxy to `upstream` that can be cut and restored.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let mut open = open2.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Proxy { addr, up, open }
    }

    /// Closes every connection, and every new one as it arrives.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Lets connections through again.
    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Copies `from` to `to` on a thread of its own until either side closes.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

/// `METHOD path` to `addr` with `body`; the status and the headers' text.
fn request(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let head = raw.split_once("\r\n\r\n").map_or(raw.as_str(), |(h, _)| h);
    (status, head.to_ascii_lowercase())
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_node_whose_database_is_unreachable_is_not_ready_and_loses_no_accepted_event() {
    let database = TempDatabase::create();
    let (host_port, db_name) = database
        .url
        .rsplit_once('/')
        .map(|(server, name)| (server.rsplit_once('@').unwrap().1.to_string(), name))
        .unwrap();
    let upstream: SocketAddr = std::net::ToSocketAddrs::to_socket_addrs(&host_port)
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(upstream);
    let user = database
        .url
        .split("://")
        .nth(1)
        .unwrap()
        .split('@')
        .next()
        .unwrap();
    let through_proxy = format!(
        "postgres://{user}@{}/{db_name}?connect_timeout=2",
        proxy.addr
    );
    let flow = "flow: main\ntrigger:\n  api_endpoint:\n    security: { public: true }\n    \
                accept: json\n    dedupe: { key: \"{{ trigger.json.id }}\", window: 24h }\n\
                steps:\n  - id: ack\n    card: http.close\n    \
                with: { status: 200, body: { received: true } }\n";
    let dir = common::project(
        "pg-outage",
        "server: { listen: \"127.0.0.1:0\" }\n",
        &[("flows/main.yaml", flow.as_bytes())],
    );
    let mut server = common::Server::spawn(
        common::Run::new(&["serve", "--log-format", "json"])
            .dir(&dir)
            .env("FLOWCTL_STORE", &through_proxy)
            .command(),
    );
    let started = server.wait_for("serve.started").expect("serve starts");
    let addr = started["listen"]
        .as_str()
        .and_then(|l| l.strip_prefix("http://"))
        .unwrap()
        .to_string();
    let event = |i: usize| format!("{{\"id\": \"outage-{i}\"}}");
    let send = |i: usize| request(&addr, "POST", "/api/flo/main/invoke", &event(i));
    let mut accepted = Vec::new();
    let mut refused = 0;
    let mut next = 0;
    let mut send_some = |n: usize, accepted: &mut Vec<usize>, refused: &mut usize| {
        for _ in 0..n {
            let (status, head) = send(next);
            match status {
                200 => accepted.push(next),
                503 => {
                    assert!(head.contains("retry-after:"), "{head}");
                    *refused += 1;
                }
                other => panic!("event {next}: {other}\n{head}"),
            }
            next += 1;
        }
    };

    assert_eq!(request(&addr, "GET", "/readyz", "").0, 200);
    send_some(10, &mut accepted, &mut refused);
    assert_eq!((accepted.len(), refused), (10, 0));

    // The database goes away: not ready, and events are refused (503, to be retried), never
    // answered 200 without being stored.
    proxy.cut();
    wait_until("/readyz to answer 503", || {
        request(&addr, "GET", "/readyz", "").0 == 503
    });
    let before = accepted.len();
    send_some(3, &mut accepted, &mut refused);
    assert_eq!(
        accepted.len(),
        before,
        "accepted while the database was away"
    );
    assert_eq!(refused, 3);

    // Back: ready again, and events are accepted again.
    proxy.restore();
    wait_until("/readyz to answer 200", || {
        request(&addr, "GET", "/readyz", "").0 == 200
    });
    send_some(10, &mut accepted, &mut refused);
    assert_eq!(accepted.len(), 20);

    // Every accepted event is stored and finished; the refused ones are not stored.
    let mut db = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    wait_until("every accepted event to finish", || {
        db.query_one(
            "SELECT count(*) FROM executions WHERE flow = 'main' AND finished_ms IS NOT NULL",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 20
    });
    let mut stored: Vec<String> = db
        .query(
            "SELECT key FROM dedupe WHERE flow = 'main' ORDER BY key",
            &[],
        )
        .unwrap()
        .iter()
        // The server prefixes the key with its kind (`s:`).
        .map(|r| {
            r.get::<_, String>(0)
                .rsplit(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    stored.sort();
    let mut expected: Vec<String> = accepted.iter().map(|i| format!("outage-{i}")).collect();
    expected.sort();
    assert_eq!(stored, expected);
    let runs: i64 = db
        .query_one("SELECT count(*) FROM executions WHERE flow = 'main'", &[])
        .unwrap()
        .get(0);
    assert_eq!(runs, 20);
    drop(server);
}
