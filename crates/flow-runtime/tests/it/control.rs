//! Control flow cards (issue 13, item 2): `flow.call_async` starts a run its parent does not
//! wait for (the parent's run returns once it finished, its record under the step; an observer
//! may take it instead), `flow.repeat` runs a helper with a bound, and `flow.wait` sleeps on
//! tokio's clock, keeps a wake-up time given back by a resume, and tells observers it waits.

use flow_card::Registry;
use flow_runtime::{
    ExecutionRecord, Launch, Observer, Resume, RunEvent, RunInput, RunOptions, RunStatus,
    StepRecord, StepStatus, Waiting,
};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

fn registry() -> Registry {
    Registry::new(&flow_cards::BUILTIN, flow_cards::CONNECTORS)
}

fn step<'r>(r: &'r ExecutionRecord, id: &str) -> &'r StepRecord {
    r.steps
        .iter()
        .find(|s| &*s.id == id)
        .unwrap_or_else(|| panic!("no step `{id}`"))
}

/// A helper that waits `secs` seconds, then returns its name.
const SLOW: &str = r#"flow: slow
trigger: { helper: { inputs: { name: text, secs: number } } }
steps:
  - { id: nap, card: flow.wait, with: { for: "{{ inputs.secs }}" } }
  - { id: out, card: flow.return, after: [nap], with: { outputs: { name: "{{ inputs.name }}" } } }
"#;

const PARENT: &str = r#"flow: parent
trigger: { helper: {} }
steps:
  - { id: start, card: flow.call_async, with: { flow: slow, inputs: { name: child, secs: 30 } } }
  - { id: out, card: flow.return, with: { outputs: { run: "{{ start.run_id }}" } } }
"#;

/// Records what observers hear: launches offered (taking them when `take`), waits, run ends.
#[derive(Default)]
struct Seen {
    take: bool,
    launches: Mutex<Vec<(String, String, Value, String)>>,
    waits: Mutex<Vec<(String, String, i64)>>,
    finished: Mutex<Vec<(String, bool)>>,
}

impl Observer for Seen {
    fn event(&self, e: &RunEvent<'_>) {
        if let RunEvent::RunFinished { record, parent } = e {
            self.finished
                .lock()
                .unwrap()
                .push((record.flow.to_string(), parent.is_some()));
        }
    }
    fn launch(&self, run: &Launch<'_>) -> bool {
        self.launches.lock().unwrap().push((
            run.execution_id.to_string(),
            run.flow.to_string(),
            run.inputs.clone(),
            run.parent.step.to_string(),
        ));
        self.take
    }
    fn waiting(&self, w: &Waiting<'_>) {
        self.waits.lock().unwrap().push((
            w.execution_id.to_string(),
            w.step.to_string(),
            w.until_ms,
        ));
    }
}

fn engine(seen: &Arc<Seen>) -> flow_runtime::Engine {
    crate::common::engine_with(
        None,
        &[("parent.yaml", PARENT), ("slow.yaml", SLOW)],
        &registry(),
    )
    .observe(seen.clone())
}

/// Without an observer taking it, the child runs beside its parent: the parent's record ends
/// before the child (its duration does not hold the child's 30 s), the run returns once the child
/// finished, and the child's record hangs under the step, with the id the step gave out.
#[tokio::test(start_paused = true)]
async fn an_async_child_runs_apart_and_its_record_hangs_under_the_step() {
    let seen = Arc::new(Seen::default());
    let e = engine(&seen);
    let t0 = Instant::now();
    let r = e
        .run(0, RunInput::Inputs(json!({})), RunOptions::default())
        .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    // The child's wake-up time is kept in wall-clock milliseconds and slept for on tokio's
    // (paused) clock, so real time passing on a loaded machine shortens the paused sleep a
    // little: "waited for the child" is most of its 30 s, not exactly 30.
    assert!(
        t0.elapsed().as_secs() >= 25,
        "returned before the child: {:?}",
        t0.elapsed()
    );
    assert!(
        r.duration_ms < 1000.0,
        "the parent waited: {}",
        r.duration_ms
    );
    let id = r.output["run"].as_str().unwrap();
    let start = step(&r, "start");
    assert_eq!(start.output.as_deref(), Some(&json!({ "run_id": id })));
    assert_eq!(start.children.len(), 1);
    let child = &start.children[0];
    assert_eq!((child.execution_id.as_str(), &*child.flow), (id, "slow"));
    assert_eq!(child.status, RunStatus::Succeeded);
    assert_eq!(*child.output, json!({ "name": "child" }));
    // Offered, not taken; the child's end is heard before its parent's.
    let launches = seen.launches.lock().unwrap();
    assert_eq!(launches.len(), 1);
    assert_eq!(launches[0].0, id);
    assert_eq!(launches[0].1, "slow");
    assert_eq!(launches[0].2, json!({ "name": "child", "secs": 30 }));
    assert_eq!(launches[0].3, "start");
    assert_eq!(
        *seen.finished.lock().unwrap(),
        [("slow".to_string(), true), ("parent".to_string(), false)]
    );
}

/// An observer that takes the run (a server's store): the engine does not run it.
#[tokio::test(start_paused = true)]
async fn a_child_an_observer_takes_is_not_run_here() {
    let seen = Arc::new(Seen {
        take: true,
        ..Seen::default()
    });
    let r = engine(&seen)
        .run(0, RunInput::Inputs(json!({})), RunOptions::default())
        .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert!(step(&r, "start").children.is_empty());
    assert_eq!(seen.launches.lock().unwrap()[0].0, r.output["run"]);
    assert_eq!(
        seen.finished.lock().unwrap().len(),
        1,
        "only the parent ran"
    );
}

/// A dry run never hands its child on (it would run for real): it runs it, rehearsed.
#[tokio::test(start_paused = true)]
async fn a_dry_runs_child_is_never_handed_on() {
    let project = flow_compile::compile_str(
        None,
        &[("parent.yaml", PARENT), ("slow.yaml", SLOW)],
        &registry(),
    )
    .unwrap();
    let env = flow_card::RunEnv {
        dry_run: true,
        transport: Arc::new(flow_runtime::NoTransport),
        connections: Default::default(),
        capture_inputs: false,
    };
    let seen = Arc::new(Seen {
        take: true,
        ..Seen::default()
    });
    let e = flow_runtime::Engine::new(Arc::new(project), Arc::new(env)).observe(seen.clone());
    let t0 = Instant::now();
    let r = e
        .run(0, RunInput::Inputs(json!({})), RunOptions::default())
        .await;
    assert!(seen.launches.lock().unwrap().is_empty());
    let child = &step(&r, "start").children[0];
    assert!(child.dry_run);
    assert_eq!(child.status, RunStatus::Succeeded);
    // A dry run does not wait.
    assert!(t0.elapsed().as_secs() < 1);
    assert!(seen.waits.lock().unwrap().is_empty());
}

/// A wrong input type fails the step that starts the run; no run is started.
#[tokio::test]
async fn an_async_child_with_a_wrong_input_fails_its_step() {
    let parent = PARENT
        .replace("secs: 30", "secs: \"{{ inputs.v }}\"")
        .replace("helper: {}", "helper: { inputs: { v: any } }");
    let seen = Arc::new(Seen::default());
    let e = crate::common::engine_with(
        None,
        &[("parent.yaml", &parent), ("slow.yaml", SLOW)],
        &registry(),
    )
    .observe(seen.clone());
    let r = e
        .run(
            0,
            RunInput::Inputs(json!({ "v": "soon" })),
            RunOptions::default(),
        )
        .await;
    assert_eq!(r.status, RunStatus::Failed);
    let err = r.error.unwrap();
    assert_eq!(err.step, "start");
    assert!(err.message.contains("input `secs`"), "{}", err.message);
    assert!(seen.launches.lock().unwrap().is_empty());
}

const WAITS: &str = r#"flow: waits
trigger: { helper: {} }
steps:
  - { id: nap, card: flow.wait, with: { for: 10m } }
  - { id: out, card: flow.return, after: [nap], with: { outputs: { until: "{{ nap.until }}" } } }
"#;

/// `for: 10m` sleeps ten minutes on tokio's clock, tells the observers when it wakes up, and
/// gives that time as `until`.
#[tokio::test(start_paused = true)]
async fn a_wait_sleeps_and_says_when_it_wakes() {
    let seen = Arc::new(Seen::default());
    let e =
        crate::common::engine_with(None, &[("w.yaml", WAITS)], &registry()).observe(seen.clone());
    let before = jiff::Timestamp::now().as_millisecond();
    let t0 = Instant::now();
    let r = e
        .run(0, RunInput::Inputs(json!({})), RunOptions::default())
        .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let slept = t0.elapsed().as_secs();
    assert!((599..=601).contains(&slept), "slept {slept} s");
    let waits = seen.waits.lock().unwrap();
    assert_eq!(waits.len(), 1);
    assert_eq!(
        (waits[0].0.as_str(), waits[0].1.as_str()),
        (r.execution_id.as_str(), "nap")
    );
    let until = waits[0].2;
    assert!(
        (until - before - 600_000).abs() < 5_000,
        "{until} vs {before}"
    );
    let said: jiff::Timestamp = r.output["until"].as_str().unwrap().parse().unwrap();
    assert_eq!(said.as_millisecond(), until);
}

/// A resumed run wakes at the time its wait had before the restart: one already past does not
/// wait again.
#[tokio::test(start_paused = true)]
async fn a_resumed_wait_keeps_its_wake_up_time() {
    let e = crate::common::engine_with(None, &[("w.yaml", WAITS)], &registry());
    let past = jiff::Timestamp::now().as_millisecond() - 1_000;
    let resume = Resume {
        waits: [("nap".to_string(), past)].into(),
        ..Resume::default()
    };
    let t0 = Instant::now();
    let r = e
        .run(
            0,
            RunInput::Inputs(json!({})),
            RunOptions {
                resume: Some(resume),
                ..RunOptions::default()
            },
        )
        .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert!(t0.elapsed().as_secs() < 1, "waited again");
    let said: jiff::Timestamp = r.output["until"].as_str().unwrap().parse().unwrap();
    assert_eq!(said.as_millisecond(), past);
    assert_eq!(step(&r, "nap").status, StepStatus::Succeeded);
}

/// `until` a date: the step wakes then; a step's `timeout` still bounds the wait.
#[tokio::test(start_paused = true)]
async fn a_wait_until_a_date_and_a_timeout_that_cuts_it() {
    let until = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(90))
        .unwrap();
    let flow = format!(
        "flow: w\ntrigger: {{ helper: {{}} }}\nsteps:\n  - {{ id: nap, card: flow.wait, with: {{ until: \"{until}\" }} }}\n  - {{ id: short, card: flow.wait, timeout: 5s, after: [nap], with: {{ for: 1h }} }}\n"
    );
    let e = crate::common::engine_with(None, &[("w.yaml", &flow)], &registry());
    let t0 = Instant::now();
    let r = e
        .run(0, RunInput::Inputs(json!({})), RunOptions::default())
        .await;
    let elapsed = t0.elapsed().as_secs();
    assert!((89..=96).contains(&elapsed), "{elapsed}");
    assert_eq!(step(&r, "nap").status, StepStatus::Succeeded);
    assert_eq!(r.status, RunStatus::Failed);
    let err = r.error.unwrap();
    assert_eq!((err.step.as_str(), err.kind.as_str()), ("short", "timeout"));
}

const PAGES: &str = r#"flow: pages
trigger: { helper: {} }
steps:
  - id: all
    card: flow.repeat
    with:
      flow: page
      inputs: { cursor: "{{ default item.next 0 }}" }
      while: "{{ or (eq index 0) item.next }}"
  - { id: out, card: flow.return, with: { outputs: { pages: "{{ all }}" } } }
"#;

/// The helper: page `cursor` of three, each pointing to the next (the last to none).
const PAGE: &str = r#"flow: page
trigger: { helper: { inputs: { cursor: number } } }
steps:
  - id: next
    branch:
      - when: "{{ lt inputs.cursor 2 }}"
        steps:
          - { id: n, card: number.add, with: { a: "{{ inputs.cursor }}", b: 1 } }
        outputs: { value: "{{ n }}" }
  - { id: out, card: flow.return, with: { outputs: { page: "{{ inputs.cursor }}", next: "{{ next.value }}" } } }
"#;

/// `while` with `item`: a helper that returns a cursor is run until the cursor runs out; each
/// run is a helper run under the step, numbered.
#[tokio::test]
async fn repeat_follows_a_cursor_until_it_runs_out() {
    let e = crate::common::engine_with(
        None,
        &[("pages.yaml", PAGES), ("page.yaml", PAGE)],
        &registry(),
    );
    let r = e
        .run(0, RunInput::Inputs(json!({})), RunOptions::default())
        .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(
        r.output["pages"],
        json!([{ "page": 0, "next": 1 }, { "page": 1, "next": 2 }, { "page": 2, "next": null }])
    );
    let all = step(&r, "all");
    let indexes: Vec<Option<usize>> = all.children.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [Some(0), Some(1), Some(2)]);
}

/// A `while` that never stops fails the step with kind `limit` after `max` runs, not one more.
#[tokio::test]
async fn repeat_stops_at_its_bound() {
    let pages = PAGES.replace(
        "while: \"{{ or (eq index 0) item.next }}\"",
        "while: true\n      max: 4",
    );
    let page = PAGE.replace("lt inputs.cursor 2", "true");
    let e = crate::common::engine_with(
        None,
        &[("pages.yaml", &pages), ("page.yaml", &page)],
        &registry(),
    );
    let r = e
        .run(0, RunInput::Inputs(json!({})), RunOptions::default())
        .await;
    assert_eq!(r.status, RunStatus::Failed);
    let err = r.error.as_ref().unwrap();
    assert_eq!((err.step.as_str(), err.kind.as_str()), ("all", "limit"));
    assert!(err.message.contains("after 4 runs"), "{}", err.message);
    assert_eq!(step(&r, "all").children.len(), 4);
}
