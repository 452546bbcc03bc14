//! Running test files: each file's directory is compiled with the project, each case runs its
//! flow with its mocks (other effects rehearsed, nothing sent; table steps applied to the case's
//! own in-memory tables when it seeds or checks any), and each expectation is checked.

use crate::expect::{all_steps, matching, step_view, subset, was_called};
use crate::file::{Case, Input, TestFile};
use crate::mock::Mocks;
use flow_card::RunEnv;
use flow_compile::{LoadOptions, Project, Rejected, TriggerPlan};
use flow_model::render::render_all;
use flow_model::tables::TableStore;
use flow_model::{Diagnostics, Sources};
use flow_runtime::{Engine, ExecutionRecord, RunInput, RunOptions, TriggerRequest};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The test file.
    pub file: String,
    /// The case's name.
    pub name: String,
    /// Every expectation that failed (empty: passed).
    pub failures: Vec<String>,
    /// How long it took.
    pub duration: Duration,
}

impl CaseResult {
    /// True when every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Every case's result.
#[derive(Debug, Default)]
pub struct Report {
    /// In file and case order.
    pub cases: Vec<CaseResult>,
}

impl Report {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed()).count()
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }
}

/// The `*.test.yaml` files named by `paths` (files, or directories searched recursively).
pub fn test_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&p) {
                stack.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
            }
        } else if p.to_string_lossy().ends_with(".test.yaml")
            || p.to_string_lossy().ends_with(".test.yml")
        {
            out.push(p);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn broken(file: &str, what: String) -> CaseResult {
    CaseResult {
        file: file.to_string(),
        name: "(file)".into(),
        failures: vec![what],
        duration: Duration::ZERO,
    }
}

/// Runs every case of `files` whose name contains `filter`.
pub fn run_files(config: Option<&Path>, files: &[PathBuf], filter: Option<&str>) -> Report {
    let mut report = Report::default();
    let mut projects: HashMap<PathBuf, Result<Arc<Project>, Rejected>> = HashMap::new();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        report
            .cases
            .push(broken("-", "cannot start the runtime".into()));
        return report;
    };
    for path in files {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                report
                    .cases
                    .push(broken(&shown, format!("cannot read it: {e}")));
                continue;
            }
        };
        let mut sources = Sources::new();
        let id = sources.add(shown.clone(), text.clone());
        let mut diags = Diagnostics::new();
        let parsed = TestFile::parse(id, &text, path, &mut diags);
        let Some(test) = parsed.filter(|_| !diags.has_errors()) else {
            report
                .cases
                .push(broken(&shown, render_all(diags.iter(), &sources)));
            continue;
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let project = projects
            .entry(dir.clone())
            .or_insert_with(|| compile_dir(config, &dir).map(Arc::new))
            .clone();
        let project = match project {
            Ok(p) => p,
            Err(e) => {
                report.cases.push(broken(&shown, e.to_string()));
                continue;
            }
        };
        let Some(&index) = project.by_name.get(&test.flow) else {
            report.cases.push(broken(
                &shown,
                format!("no flow `{}` next to it or in the project", test.flow),
            ));
            continue;
        };
        for case in &test.cases {
            if filter.is_some_and(|f| !case.name.contains(f) && !shown.contains(f)) {
                continue;
            }
            let started = Instant::now();
            let failures = runtime.block_on(run_case(&project, index, &test.flow, case));
            report.cases.push(CaseResult {
                file: shown.clone(),
                name: case.name.clone(),
                failures,
                duration: started.elapsed(),
            });
        }
    }
    report
}

/// The project a test file in `dir` runs against: the config's flows and those in `dir`.
fn compile_dir(config: Option<&Path>, dir: &Path) -> Result<Project, Rejected> {
    let opts = LoadOptions {
        config: config.map(Path::to_path_buf),
        paths: vec![dir.to_path_buf()],
        only_paths: false,
    };
    flow_compile::load_checked(&opts, &registry(config)?).map(|c| c.project)
}

/// The cards of the project whose config is `config` (default `./flowctl.yaml`): the built-in
/// ones and the connectors in its `connectors/` directory, as `flowctl run` sees them.
fn registry(config: Option<&Path>) -> Result<flow_card::Registry, Rejected> {
    let dir = config
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    flow_cards::registry_for(dir).map_err(|e| {
        let mut sources = flow_model::Sources::new();
        sources.add(e.file, e.text);
        Rejected {
            diags: e.diagnostics,
            sources,
        }
    })
}

/// Compiles the project of every directory that holds one of `files`, as [`run_files`] will:
/// the first that has an error is returned, so a command can stop before running any case.
pub fn check_projects(config: Option<&Path>, files: &[PathBuf]) -> Result<(), Rejected> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .map(|f| f.parent().map(Path::to_path_buf).unwrap_or_default())
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        compile_dir(config, &dir)?;
    }
    Ok(())
}

async fn run_case(project: &Arc<Project>, index: usize, flow: &str, case: &Case) -> Vec<String> {
    let plan = &project.flows[index];
    let input = match (&plan.trigger, &case.input) {
        (TriggerPlan::ApiEndpoint(_), input) => RunInput::Request(TriggerRequest {
            method: "POST".into(),
            body: match input {
                Input::None => String::new(),
                Input::Json(v) => v.to_string(),
                Input::Body(b) => b.clone(),
            },
            headers: case.headers.clone(),
            query: Vec::new(),
        }),
        (TriggerPlan::Helper { .. }, Input::None) => RunInput::Inputs(json!({})),
        (TriggerPlan::Helper { .. }, Input::Json(v)) => RunInput::Inputs(v.clone()),
        (TriggerPlan::Helper { .. }, Input::Body(_)) => {
            return vec!["a helper flow takes `input:` as JSON inputs, not a `body`".into()];
        }
        // An Okta event hook delivery: one run per listed event, each held to the expectations.
        (TriggerPlan::OktaEventHook(hook), input) => {
            let body = match input {
                Input::None => String::new(),
                Input::Json(v) => v.to_string(),
                Input::Body(b) => b.clone(),
            };
            let events = match flow_model::okta_delivery::parse_delivery(&body) {
                Ok(events) => events,
                Err(e) => return vec![e.to_string()],
            };
            let listed: Vec<_> = events
                .iter()
                .filter(|e| hook.listens_to(&e.event_type))
                .collect();
            if listed.is_empty() {
                return vec!["no event of the delivery is of a type the flow lists".into()];
            }
            let mut failures = Vec::new();
            for event in listed {
                let input = RunInput::Request(flow_runtime::event_request(event));
                failures.extend(
                    run_checked(project, index, flow, case, input)
                        .await
                        .into_iter()
                        .map(|f| format!("event {}: {f}", event.uuid)),
                );
            }
            return failures;
        }
        (TriggerPlan::Schedule(s), _) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            RunInput::Request(flow_runtime::tick_request(s, now))
        }
    };
    run_checked(project, index, flow, case, input).await
}

/// Runs flow `index` on `input` offline, with the case's mocks, and checks the expectations.
///
/// A case that seeds or checks tables runs with its own fresh in-memory table store, and not
/// as a dry run, so table steps really read and write it; nothing is sent all the same (the
/// transport refuses every request, so a card that would send one must be mocked).
async fn run_checked(
    project: &Arc<Project>,
    index: usize,
    flow: &str,
    case: &Case,
    input: RunInput,
) -> Vec<String> {
    let tables = if case.uses_tables() {
        match crate::tables::seed(&project.config.tables, &case.tables) {
            Ok(t) => Some(t),
            Err(e) => return vec![e.to_string()],
        }
    } else {
        None
    };
    let record = run_input(project, index, flow, case, input, tables.clone()).await;
    let mut failures = check(&record, flow, case);
    if let Some(t) = &tables {
        crate::tables::check(&**t, &case.expect.tables, &mut failures);
    }
    failures
}

/// Runs flow `index` on `input` offline, with the case's mocks (and `tables`, when given).
async fn run_input(
    project: &Arc<Project>,
    index: usize,
    flow: &str,
    case: &Case,
    input: RunInput,
    tables: Option<Arc<dyn TableStore>>,
) -> ExecutionRecord {
    let plan = &project.flows[index];
    let env = |n: &str| flow_model::config::process_env(n);
    let connections = flow_runtime::connect(project, index, &env, true).unwrap_or_default();
    let mut run_env = RunEnv {
        dry_run: tables.is_none(),
        transport: Arc::new(flow_runtime::NoTransport),
        connections,
        capture_inputs: true,
    };
    if let Some(t) = tables {
        run_env.set_tables(t);
    }
    let engine = Engine::new(project.clone(), Arc::new(run_env))
        .intercept(Arc::new(Mocks::new(flow, &case.mocks)));
    // As the server does: with `accept: json` the body is `trigger.json` whatever the
    // content-type (the server refuses a body that is not JSON before any run).
    let trigger = match (&plan.trigger, &input) {
        (TriggerPlan::ApiEndpoint(ep), RunInput::Request(req)) if ep.accept_json => {
            Some(Arc::new(req.to_value_accepting_json()))
        }
        _ => None,
    };
    let opts = RunOptions {
        trigger,
        ..RunOptions::default()
    };
    engine.run(index, input, opts).await
}

fn check(record: &ExecutionRecord, flow: &str, case: &Case) -> Vec<String> {
    let mut out = Vec::new();
    let e = &case.expect;
    if let Some(s) = &e.status
        && record.status.as_str() != s
    {
        let why = record
            .error
            .as_ref()
            .map(|e| format!(" (step `{}`: {})", e.step, e.message))
            .unwrap_or_default();
        out.push(format!(
            "status: expected {s}, got {}{why}",
            record.status.as_str()
        ));
    }
    if let Some(err) = &e.error {
        let actual = serde_json::to_value(&record.error).unwrap_or(Value::Null);
        subset("error", err, &actual, &mut out);
    }
    if let Some(r) = &e.response {
        let actual = record.response.as_ref().map_or(Value::Null, |r| {
            let headers: serde_json::Map<String, Value> = r
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            json!({ "status": r.status, "headers": headers, "body": r.body })
        });
        subset("response", r, &actual, &mut out);
    }
    if let Some(o) = &e.output {
        subset("output", o, &record.output, &mut out);
    }
    let steps = all_steps(record);
    for (key, want) in &e.steps {
        let found = matching(&steps, key, flow);
        if found.is_empty() {
            out.push(format!("steps.{key}: no such step in this run"));
        }
        for s in found {
            subset(&format!("steps.{key}"), want, &step_view(s), &mut out);
        }
    }
    for (key, want) in &e.calls {
        let calls: Vec<_> = matching(&steps, key, flow)
            .into_iter()
            .filter(|s| was_called(s))
            .collect();
        if let Some(n) = want.get("count").and_then(Value::as_u64)
            && calls.len() as u64 != n
        {
            out.push(format!(
                "calls.{key}.count: expected {n}, got {}",
                calls.len()
            ));
        }
        let inputs: Vec<Value> = calls
            .iter()
            .map(|s| {
                s.input
                    .as_deref()
                    .cloned()
                    .map_or(Value::Null, Value::Object)
            })
            .collect();
        match want.get("inputs") {
            Some(Value::Array(each)) => {
                for (i, w) in each.iter().enumerate() {
                    match inputs.get(i) {
                        Some(actual) => {
                            subset(&format!("calls.{key}[{i}].inputs"), w, actual, &mut out)
                        }
                        None => out.push(format!(
                            "calls.{key}[{i}]: expected a call, there were {}",
                            inputs.len()
                        )),
                    }
                }
            }
            Some(w) => {
                let any = inputs.iter().any(|actual| {
                    let mut diff = Vec::new();
                    subset("", w, actual, &mut diff);
                    diff.is_empty()
                });
                if !any {
                    let seen: Vec<String> = inputs.iter().map(Value::to_string).collect();
                    out.push(format!(
                        "calls.{key}.inputs: no call had {w}; calls had: {}",
                        seen.join("; ")
                    ));
                }
            }
            None => {}
        }
    }
    out
}
