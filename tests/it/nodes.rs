//! Several nodes on one PostgreSQL database (SPEC section 12): three `flowctl serve` processes
//! share a database made for the test; events are sent to them round-robin while the fake
//! Okta answers slowly; one node is killed with SIGKILL mid-way. Every event that was accepted
//! (answered 2xx) must be processed — its effects are counted at the fakes — and every effect
//! done twice must be explained by the kill: it belongs to a run the killed node had in flight,
//! which another node resumed once its lease ran out (at-least-once for the steps in flight).
//! A delivery sent to two nodes at once, or again to another node, starts one run.

use crate::postgres::TempDatabase;

use flow_testkit::{FakeOkta, FakeSlack, Fault, UserStatus};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Events sent, half before the kill and half after.
const EVENTS: usize = 90;
/// Nodes started.
const NODES: usize = 3;
/// The node killed.
const KILLED: usize = 1;
/// Every Okta call waits this long before its answer: runs are in flight for a while.
const OKTA_DELAY: Duration = Duration::from_millis(300);
/// The longest any wait below may take: past it, the test fails (it never sleeps a fixed time
/// to let something happen).
const PATIENCE: Duration = Duration::from_secs(120);
const TOKEN: &str = "nodes-token";

/// A `flowctl serve` child process; killed on drop.
struct Node {
    child: Child,
    addr: SocketAddr,
    lines: Receiver<String>,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// `flowctl serve` of the checkout's project on the database `url`, talking to the fakes.
    fn start(url: &str, okta: &FakeOkta, slack: &FakeSlack) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowctl"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("FLOWCTL_STORE", url)
            .env("OORT_CLIENT_TOKEN", TOKEN)
            .envs(crate::common::SHOWCASE_ENV.iter().copied())
            .env("OKTA_ORG_URL", okta.base_url())
            .env("OKTA_API_TOKEN", okta.token())
            .env("SLACK_BOT_TOKEN", slack.token())
            .env("SLACK_API_URL", slack.api_url())
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let addr = loop {
            let line = lines.recv_timeout(PATIENCE).expect("the node starts");
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["event"] == "serve.started"
            {
                break v["listen"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("http://")
                    .parse()
                    .unwrap();
            }
        };
        Node { child, addr, lines }
    }

    /// The execution ids of the `event` log lines logged so far.
    fn logged(&self, event: &str) -> Vec<String> {
        self.lines
            .try_iter()
            .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
            .filter(|v| v["event"] == event)
            .filter_map(|v| v["execution_id"].as_str().map(str::to_string))
            .collect()
    }
}

/// Waits until `done` holds, checking every 50 ms; fails the test after [`PATIENCE`].
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn login(e: usize) -> String {
    format!("nodes-{e}@example.com")
}

/// Oort's failing-check event number `e`, failing one user.
fn event(e: usize) -> String {
    let mut v: Value =
        serde_json::from_str(include_str!("../../examples/events/failed-check.json")).unwrap();
    v["id"] = Value::String(format!("nodes-event-{e}"));
    v["detail"]["usersFailing"] = serde_json::json!([login(e)]);
    v.to_string()
}

/// The Okta calls of the helper flow for one active user, as `METHOD path`.
fn helper_calls(okta: &FakeOkta, login: &str) -> [String; 3] {
    let id = okta.id_of(login).unwrap();
    [
        format!("GET /api/v1/users/{}", login.replace('@', "%40")),
        format!("DELETE /api/v1/users/{id}/sessions"),
        format!("POST /api/v1/users/{id}/lifecycle/suspend"),
    ]
}

/// An answer: its status, the run's id, and whether it was a repeat of an earlier delivery.
#[derive(Debug)]
struct Answer {
    status: u16,
    execution_id: String,
    duplicate: bool,
}

async fn send(client: &reqwest::Client, addr: SocketAddr, e: usize) -> Answer {
    let r = client
        .post(format!("http://{addr}/api/flo/oort-failing-check/invoke"))
        .header("x-api-client-token", TOKEN)
        .body(event(e))
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    Answer {
        status: r.status().as_u16(),
        execution_id: header("x-execution-id"),
        duplicate: header("x-flowctl-duplicate") == "true",
    }
}

/// Runs of the database, unfinished ones by owner.
fn unfinished_by_owner(db: &mut postgres::Client) -> HashMap<String, HashSet<String>> {
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for row in db
        .query(
            "SELECT owner, id FROM executions WHERE status = 'running' AND finished_ms IS NULL",
            &[],
        )
        .unwrap()
    {
        let owner: Option<String> = row.get(0);
        out.entry(owner.unwrap_or_default())
            .or_default()
            .insert(row.get(1));
    }
    out
}

#[test]
fn three_nodes_lose_no_accepted_event_when_one_is_killed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let database = TempDatabase::create();
    let mut db = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    let okta = rt.block_on(FakeOkta::start()).unwrap();
    let slack = rt.block_on(FakeSlack::start()).unwrap();
    okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
    for e in 0..=EVENTS {
        okta.add_user(&login(e), UserStatus::Active);
    }
    okta.fault(Fault::Delay {
        times: u32::MAX,
        delay: OKTA_DELAY,
    });
    let mut nodes: Vec<Node> = (0..NODES)
        .map(|_| Node::start(&database.url, &okta, &slack))
        .collect();

    // The first half, round-robin over the three nodes.
    let mut accepted: Vec<(usize, usize, String)> = Vec::new();
    for e in 0..EVENTS / 2 {
        let node = e % NODES;
        let a = rt.block_on(send(&client, nodes[node].addr, e));
        assert_eq!(a.status, 200, "event {e} on node {node}: {a:?}");
        accepted.push((e, node, a.execution_id));
    }
    // Kill once every node has runs in flight (three owners of unfinished runs).
    wait_until("runs in flight on every node", || {
        unfinished_by_owner(&mut db).len() == NODES
    });
    nodes[KILLED].child.kill().unwrap();
    nodes[KILLED].child.wait().unwrap();
    let at_kill = unfinished_by_owner(&mut db);
    assert_eq!(
        at_kill.len(),
        NODES,
        "a node finished its runs before the kill: {at_kill:?}"
    );

    // The second half, round-robin over the nodes left (a load balancer's health check takes
    // the dead one out).
    let living: Vec<usize> = (0..NODES).filter(|&n| n != KILLED).collect();
    for e in EVENTS / 2..EVENTS {
        let node = living[e % living.len()];
        let a = rt.block_on(send(&client, nodes[node].addr, e));
        assert_eq!(a.status, 200, "event {e} on node {node}: {a:?}");
        accepted.push((e, node, a.execution_id));
    }
    wait_until("every accepted event to finish", || {
        let row = db
            .query_one(
                "SELECT count(*) FILTER (WHERE finished_ms IS NOT NULL), count(*) FROM executions",
                &[],
            )
            .unwrap();
        row.get::<_, i64>(0) == EVENTS as i64 && row.get::<_, i64>(1) == EVENTS as i64
    });
    let statuses: Vec<(String, String)> = db
        .query("SELECT id, status FROM executions", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (id, status) in &statuses {
        assert_eq!(status, "succeeded", "run {id}");
    }
    let ids: HashSet<&str> = accepted.iter().map(|(_, _, id)| id.as_str()).collect();
    assert_eq!(ids.len(), EVENTS, "one run per accepted event");

    // The runs the other nodes resumed are exactly the killed node's unfinished ones.
    let resumed: HashSet<String> = living
        .iter()
        .flat_map(|&n| nodes[n].logged("run.resumed"))
        .collect();
    assert!(!resumed.is_empty(), "nothing was resumed");
    let killed_owner = at_kill
        .iter()
        .find(|(_, runs)| runs.iter().any(|id| resumed.contains(id)))
        .map(|(owner, _)| owner.clone())
        .unwrap();
    assert_eq!(
        at_kill[&killed_owner], resumed,
        "resumed = the killed node's runs"
    );
    let resumed_events: HashSet<usize> = accepted
        .iter()
        .filter(|(_, _, id)| resumed.contains(id))
        .map(|(e, _, _)| *e)
        .collect();

    // Effects at the fakes: every event's user suspended and its message posted; each call and
    // message once, except for the resumed runs, where the step in flight at the kill may have
    // taken effect before it and is done again (at most once more).
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    for r in okta.requests() {
        *calls.entry(format!("{} {}", r.method, r.path)).or_default() += 1;
    }
    let messages = slack.messages();
    // How many times more than once an effect of event `e` was done (at most once more, and
    // only for a resumed run).
    let again = |e: usize, n: usize, what: &str| -> usize {
        if resumed_events.contains(&e) {
            assert!((1..=2).contains(&n), "{what}: {n} times (resumed run)");
            n - 1
        } else {
            assert_eq!(n, 1, "{what}");
            0
        }
    };
    let (mut calls_twice, mut messages_twice) = (0, 0);
    for e in 0..EVENTS {
        assert_eq!(
            okta.status_of(&login(e)),
            Some(UserStatus::Suspended),
            "{e}"
        );
        for call in helper_calls(&okta, &login(e)) {
            calls_twice += again(e, calls.get(&call).copied().unwrap_or(0), &call);
        }
        let posted = messages
            .iter()
            .filter(|m| m.text.as_deref().unwrap_or("").contains(&login(e)))
            .count();
        messages_twice += again(e, posted, &format!("the message of event {e}"));
    }
    assert_eq!(
        okta.requests().len(),
        3 * EVENTS + calls_twice,
        "no other call"
    );
    assert_eq!(messages.len(), EVENTS + messages_twice, "no other message");
    eprintln!(
        "nodes: {EVENTS} events accepted and processed; node {KILLED} killed with {} runs in \
         flight, resumed by the others; done twice: {calls_twice} Okta calls, {messages_twice} \
         Slack messages (steps in flight at the kill)",
        resumed.len()
    );

    // Dedupe across nodes: a repeat sent to another node gets the first run's id and starts
    // nothing; one delivery sent to two nodes at once starts one run.
    let before = (okta.requests().len(), slack.messages().len());
    for (e, node, id) in &accepted {
        let other = if *node == living[0] {
            living[1]
        } else {
            living[0]
        };
        let a = rt.block_on(send(&client, nodes[other].addr, *e));
        assert_eq!(a.status, 200, "{a:?}");
        assert!(a.duplicate, "event {e} again on node {other}: {a:?}");
        assert_eq!(&a.execution_id, id);
    }
    let (a, b) = rt.block_on(async {
        tokio::join!(
            send(&client, nodes[living[0]].addr, EVENTS),
            send(&client, nodes[living[1]].addr, EVENTS)
        )
    });
    assert_eq!((a.status, b.status), (200, 200), "{a:?} {b:?}");
    assert_eq!(a.execution_id, b.execution_id);
    assert!(
        a.duplicate != b.duplicate,
        "one first, one repeat: {a:?} {b:?}"
    );
    wait_until("the last event's run to finish", || {
        db.query_one(
            "SELECT count(*) FROM executions WHERE id = $1 AND finished_ms IS NOT NULL",
            &[&a.execution_id],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 1
    });
    let total: i64 = db
        .query_one("SELECT count(*) FROM executions", &[])
        .unwrap()
        .get(0);
    assert_eq!(total, EVENTS as i64 + 1);
    assert_eq!(okta.requests().len(), before.0 + 3);
    assert_eq!(slack.messages().len(), before.1 + 1);
    drop(nodes);
}
