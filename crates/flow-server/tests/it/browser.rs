//! The console in a real browser: headless Chromium (Debian's `chromium`, installed by `.ci/run`
//! when missing) driven over the DevTools protocol against a server on a real socket — sign in
//! with the form, see the seed's Oort run appear live, open it, expand a helper run, replay it.
//!
//! Without Chromium the test says so loudly and passes, unless `CI` is set: in CI it fails.
//! With `FLOWCTL_CONSOLE_SCREENSHOTS=<dir>` it also writes a PNG of each page there (the ones
//! in `docs/` were made so).

use crate::cdp::{Browser, chromium};
use crate::console::{CLIENT_TOKEN, EVENT, TOKEN, server};
use flow_server::ListenOptions;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

fn screenshots() -> Option<PathBuf> {
    std::env::var_os("FLOWCTL_CONSOLE_SCREENSHOTS").map(PathBuf::from)
}

async fn shot(b: &mut Browser, name: &str) {
    if let Some(dir) = screenshots() {
        let png = b.screenshot().await;
        std::fs::write(dir.join(format!("console-{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_see_a_run_live_open_it_expand_a_helper_run_and_replay_it() {
    let Some(exe) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and chromium is not installed: the browser tests must run in CI");
        }
        eprintln!(
            "\n\n*** SKIPPED: the console's browser test needs Chromium \
             (apt-get install chromium, or set CHROMIUM=/path) ***\n\n"
        );
        return;
    };
    let s = server(true).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let opts = ListenOptions {
        header_timeout: Duration::from_secs(10),
        grace: Duration::from_secs(5),
    };
    let serving = tokio::spawn(flow_server::serve(listener, s.state.clone(), opts, async {
        let _ = stopped.await;
    }));

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("console-browser")
        .join(uuid::Uuid::now_v7().to_string());
    let mut b = Browser::start(&exe, dir).await;
    b.viewport(1280, 860, false).await;

    // Signed out: the sign-in form.
    b.goto(&format!("{base}/console/")).await;
    b.wait_for("form[action='/console/login'] input#token")
        .await;
    shot(&mut b, "sign-in").await;
    b.forget_events();
    b.eval(&format!(
        "document.getElementById('token').value = {}; document.querySelector('form').submit(); true",
        Value::String(TOKEN.into())
    ))
    .await;
    b.event("Page.loadEventFired").await;
    let empty = b.wait_for("table.runs tbody tr td").await;
    assert_eq!(empty, "No runs match.");
    b.wait_for(".live.on").await;

    // A run arrives while the page is open: it appears without a reload.
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/flo/oort-failing-check/invoke"))
        .header("content-type", "application/json")
        .header("x-api-client-token", CLIENT_TOKEN)
        .body(EVENT)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = resp.headers()["x-execution-id"]
        .to_str()
        .unwrap()
        .to_string();
    let status = b
        .wait_for(&format!("tr[data-id='{id}'] .status-succeeded"))
        .await;
    assert_eq!(status, "succeeded");
    shot(&mut b, "executions").await;

    // Open it: a real link.
    b.forget_events();
    b.eval(&format!(
        "document.querySelector(\"tr[data-id='{id}'] a\").click(); true"
    ))
    .await;
    b.event("Page.loadEventFired").await;
    b.wait_for("button#replay").await;
    let title = b.eval("document.querySelector('h1').textContent").await;
    assert_eq!(title, "oort-failing-check · succeeded");
    // Helper runs are folded; one opens with a click on its summary.
    let helpers = b
        .eval("document.querySelectorAll('details.child').length")
        .await;
    assert_eq!(helpers, 3);
    let opened = b
        .eval(
            "(() => { const d = document.querySelector('details.child'); \
             const was = d.open; d.querySelector('summary').click(); \
             return [was, d.open, d.querySelectorAll('details.step').length]; })()",
        )
        .await;
    assert_eq!(opened[0], false);
    assert_eq!(opened[1], true);
    assert!(opened[2].as_u64().unwrap() >= 3, "{opened}");
    shot(&mut b, "execution").await;

    // Replay: a new run, linked.
    let finished = s.runs.finished();
    b.eval("document.getElementById('replay').click(); true")
        .await;
    let new_id = b.wait_for("a#replayed").await;
    assert_ne!(new_id, id);
    assert_eq!(new_id.len(), 36, "{new_id}");
    s.runs.wait_finished(finished + 1).await;
    s.durable.flush().unwrap();
    assert_eq!(
        s.store.get(&new_id).unwrap().unwrap().flow.as_ref(),
        "oort-failing-check"
    );

    b.goto(&format!("{base}/console/flows")).await;
    b.wait_for("section.card ol.graph li").await;
    shot(&mut b, "flows").await;
    b.goto(&format!("{base}/console/queue")).await;
    b.wait_for("main .meta").await;
    shot(&mut b, "queue").await;
    // A phone: the list stacks its cells.
    b.viewport(390, 844, true).await;
    b.goto(&format!("{base}/console/")).await;
    b.wait_for(&format!("tr[data-id='{new_id}']")).await;
    let display = b
        .eval("getComputedStyle(document.querySelector('table.runs td')).display")
        .await;
    assert_eq!(display, "block");
    shot(&mut b, "phone").await;

    assert_eq!(b.page_errors(), Vec::<String>::new());
    // Every secret stayed out of every page the browser was shown.
    let html = b.eval("document.documentElement.outerHTML").await;
    for secret in s.secrets() {
        assert!(!html.as_str().unwrap().contains(&secret));
    }
    b.close().await;
    let _ = stop.send(());
    serving.await.unwrap();
}
