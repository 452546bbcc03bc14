//! `flowctl run FLOW --input FILE`: runs one flow and prints its trace (or, with `--json`, its
//! execution record). `--dry-run` rehearses every effect: nothing leaves the machine.

use crate::error::{CliError, CmdResult};
use crate::{Exit, project, trace};
use anyhow::{Context, Result, bail};
use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_compile::TriggerPlan;
use flow_runtime::{Engine, RunInput, RunOptions, RunStatus, TriggerRequest};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// The largest input read.
const MAX_INPUT: u64 = 64 << 20;

/// Arguments of `flowctl run`.
#[derive(clap::Args)]
pub struct Args {
    /// A flow file or a flow name.
    pub flow: String,
    /// The input: the request body for an endpoint flow, the inputs (a JSON object) for a helper
    /// flow. `-` reads standard input.
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<String>,
    /// A request header for endpoint flows, as `name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// Print the execution record as JSON instead of the trace.
    #[arg(long)]
    pub json: bool,
    /// Rehearse every effect: show each request that would be sent, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run for real against the bundled fake Okta and Slack servers (on 127.0.0.1) instead of
    /// the configured ones: seeded with the event's users, or as SCENARIO.yaml says (users,
    /// groups, apps, channels, faults, canned answers; with --dry-run, only its answers are used).
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1)]
    pub fakes: Option<Option<PathBuf>>,
    /// Helper runs shown per step in the trace (the record keeps the first `limits.item_records`
    /// in full and counts the rest).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub show_children: usize,
    /// Do not keep this run in the history.
    #[arg(long)]
    pub no_store: bool,
}

fn read_input(path: &str) -> Result<String> {
    let mut text = String::new();
    if path == "-" {
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("cannot read {path}"))?;
        f.take(MAX_INPUT + 1)
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read {path} (is it UTF-8 text?)"))?;
    }
    if text.len() as u64 > MAX_INPUT {
        bail!("{path} is larger than 64 MiB");
    }
    Ok(text)
}

fn parse_headers(raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter()
        .map(|h| {
            // The value is never echoed: it may be a token.
            let (k, v) = h
                .split_once(':')
                .context("`--header` must be written as name:value")?;
            let name = k.trim();
            if name.is_empty() {
                bail!("`--header` needs a name before the `:`");
            }
            if !name.bytes().all(is_token_byte) {
                bail!(
                    "`--header`: `{name}` is not a header name (letters, digits and !#$%&'*+-.^_`|~)"
                );
            }
            Ok((name.to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect()
}

/// True for the bytes of an HTTP header name (an RFC 9110 token).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Runs the command.
pub fn run(config: Option<PathBuf>, args: Args) -> CmdResult {
    let scenario = crate::fakes::load_arg(args.fakes.as_ref(), args.dry_run)?;
    let (project, index) = project::compile_for(config.clone(), &args.flow)?;
    let plan = project.flows[index].clone();
    let text = match &args.input {
        Some(p) => read_input(p)?,
        None => String::new(),
    };
    let input = match &plan.trigger {
        TriggerPlan::OktaEventHook(hook) => {
            let name = args.input.as_deref().unwrap_or("-");
            let events = flow_model::okta_delivery::parse_delivery(&text)
                .map_err(|e| CliError::msg(format!("{name}: {e}")))?;
            let listed: Vec<_> = events
                .iter()
                .filter(|e| hook.listens_to(&e.event_type))
                .collect();
            eprintln!(
                "{name}: {} event(s), {} of a type `{}` lists: one run each",
                events.len(),
                listed.len(),
                plan.name
            );
            let n = listed.len();
            let inputs = listed
                .into_iter()
                .enumerate()
                .map(|(i, e)| {
                    let label = format!("── event {}/{n}: {} {}", i + 1, e.event_type, e.uuid);
                    (
                        Some(label),
                        RunInput::Request(flow_runtime::event_request(e)),
                    )
                })
                .collect();
            let store = open_store(config.as_deref(), &project, args.no_store)?;
            return execute_each(project, index, inputs, &exec_of(&args, scenario), store);
        }
        TriggerPlan::Schedule(schedule) => {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            RunInput::Request(flow_runtime::tick_request(schedule, now))
        }
        TriggerPlan::ApiEndpoint(_) => RunInput::Request(TriggerRequest {
            method: "POST".into(),
            body: text,
            headers: parse_headers(&args.headers)?,
            query: Vec::new(),
        }),
        TriggerPlan::Helper { .. } => {
            let value: serde_json::Value = if text.trim().is_empty() {
                serde_json::json!({})
            } else {
                match serde_json::from_str(&text) {
                    Ok(v) => v,
                    Err(e) => {
                        let name = args.input.as_deref().unwrap_or("-");
                        return Err(CliError::msg(format!(
                            "{name}:{}:{}: the input is not JSON: {e}",
                            e.line(),
                            e.column()
                        )));
                    }
                }
            };
            if !value.is_object() {
                return Err(CliError::msg(format!(
                    "the input of helper flow `{}` must be a JSON object of its inputs",
                    plan.name
                )));
            }
            RunInput::Inputs(value)
        }
    };
    let store = open_store(config.as_deref(), &project, args.no_store)?;
    execute(project, index, input, &exec_of(&args, scenario), store)
}

/// The project's store, unless `--no-store`.
fn open_store(
    config: Option<&std::path::Path>,
    project: &flow_compile::Project,
    no_store: bool,
) -> Result<Option<Arc<dyn flow_store::Store>>, CliError> {
    if no_store {
        return Ok(None);
    }
    Ok(crate::store::open(&project.config.store, config)?)
}

/// How the arguments ask to run and show.
fn exec_of(args: &Args, scenario: Option<Arc<crate::fakes::scenario::Scenario>>) -> Exec {
    Exec {
        json: args.json,
        dry_run: args.dry_run,
        fakes: args.fakes.is_some() && !args.dry_run,
        scenario,
        show_children: args.show_children,
    }
}

/// How to run and show a run.
pub struct Exec {
    /// Print the record as JSON.
    pub json: bool,
    /// Rehearse effects.
    pub dry_run: bool,
    /// Use the bundled fakes.
    pub fakes: bool,
    /// The `--fakes` scenario file: how the fakes start, and canned answers.
    pub scenario: Option<Arc<crate::fakes::scenario::Scenario>>,
    /// Helper runs shown per step.
    pub show_children: usize,
}

/// Runs flow `index` on `input`, stores the record (when a store is given), prints it.
pub fn execute(
    project: flow_compile::Project,
    index: usize,
    input: RunInput,
    exec: &Exec,
    store: Option<Arc<dyn flow_store::Store>>,
) -> CmdResult {
    execute_each(project, index, vec![(None, input)], exec, store)
}

/// [`execute`] for several inputs of one flow, one run each, in order (the events of an Okta
/// event hook delivery): each run's trace is headed by its `label`; with `--json` the records
/// follow one another. Fails (exit 1) when any run failed.
fn execute_each(
    project: flow_compile::Project,
    index: usize,
    inputs: Vec<(Option<String>, RunInput)>,
    exec: &Exec,
    store: Option<Arc<dyn flow_store::Store>>,
) -> CmdResult {
    let Some((_, first)) = inputs.first() else {
        return Ok(Exit::Ok);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let fakes = if exec.fakes {
        let input_text = match first {
            RunInput::Request(r) => r.body.clone(),
            RunInput::Inputs(v) => v.to_string(),
        };
        let started = match &exec.scenario {
            Some(s) => runtime.block_on(crate::fakes::Fakes::from_scenario(s)),
            None => runtime
                .block_on(crate::fakes::Fakes::start(&input_text))
                .map_err(anyhow::Error::from),
        };
        Some(started.context("cannot start the fake servers")?)
    } else {
        None
    };
    let env_lookup = |name: &str| flow_model::config::process_env(name);
    let connections = match &fakes {
        Some(f) => match f.connections(&project, index, &env_lookup) {
            Ok(c) => c,
            Err(e) => {
                return Err(project::missing_connection_env(
                    &project,
                    &e.connection,
                    &e.variable,
                    e.to_string(),
                    None,
                ));
            }
        },
        None => match flow_runtime::connect(&project, index, &env_lookup, exec.dry_run) {
            Ok(c) => c,
            Err(e) => {
                return Err(project::missing_connection_env(
                    &project,
                    &e.connection,
                    &e.variable,
                    e.to_string(),
                    Some(
                        "set it, rehearse with --dry-run, or try the bundled fakes with --fakes"
                            .into(),
                    ),
                ));
            }
        },
    };
    let mut transport: Arc<dyn flow_card::Transport> = if exec.dry_run {
        Arc::new(flow_runtime::NoTransport)
    } else {
        Arc::new(ReqwestTransport::new().context("cannot start the HTTP client")?)
    };
    let answers = exec.scenario.as_deref().map(crate::fakes::answers);
    if let Some(a) = &answers
        && !exec.dry_run
    {
        transport = crate::fakes::answering(transport, a);
    }
    let plan = project.flows[index].clone();
    let save_data = plan.history.save_data.unwrap_or(true);
    let mut env = RunEnv {
        dry_run: exec.dry_run,
        transport,
        connections,
        capture_inputs: exec.json || (store.is_some() && save_data),
    };
    if let Some(a) = answers {
        env.set_answers(Arc::new(a));
    }
    if let Some(tables) = super::table::for_run(&project, store.as_ref())? {
        env.set_tables(tables);
    }
    let engine = Engine::new(Arc::new(project), Arc::new(env));
    let mut failed = false;
    for (label, input) in inputs {
        if let Some(label) = label
            && !exec.json
        {
            println!("{label}");
        }
        failed |= run_one(
            &runtime,
            &engine,
            &plan,
            input,
            exec,
            store.as_ref(),
            fakes.as_ref(),
        )?;
    }
    // The process ends right after this: freeing a record of thousands of helper runs piece by
    // piece would only add to the wall time.
    std::mem::forget(engine);
    Ok(if failed { Exit::Failed } else { Exit::Ok })
}

/// Runs and prints one run; true when it failed.
fn run_one(
    runtime: &tokio::runtime::Runtime,
    engine: &Engine,
    plan: &flow_compile::Plan,
    input: RunInput,
    exec: &Exec,
    store: Option<&Arc<dyn flow_store::Store>>,
    fakes: Option<&crate::fakes::Fakes>,
) -> Result<bool, CliError> {
    let index = plan.index as usize;
    let save_data = plan.history.save_data.unwrap_or(true);
    let id = flow_runtime::new_execution_id();
    let mut lease = None;
    if let Some(s) = &store {
        let stored = match &input {
            RunInput::Request(r) => flow_server::stored_input(r),
            RunInput::Inputs(v) => flow_store::StoredInput::Inputs(v.clone()),
        };
        // Not resumable: a server on the same store must never run it again (its effects would
        // happen twice, and a dry run would happen for real).
        let run = flow_store::NewRun {
            execution_id: id.clone(),
            flow: plan.name.to_string(),
            started_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            input: stored,
            save_data,
            resumable: false,
        };
        let owner = format!("cli-{id}");
        s.begin_claimed(&run, &owner, flow_server::LEASE)
            .map_err(|e| CliError::msg(format!("the run store refused the run: {e}")))?;
        lease = Some(Lease::hold(Arc::clone(s), owner));
    }
    let opts = RunOptions {
        trigger: None,
        execution_id: Some(id),
        ..RunOptions::default()
    };
    let record = runtime.block_on(engine.run(index, input, opts));
    if let Some(s) = store
        && let Err(e) = s.finish(&record)
    {
        eprintln!("warning: the run finished but its record could not be stored: {e}");
    }
    drop(lease);
    if exec.json {
        crate::trace::print_json(&record)?;
    } else {
        let opts = trace::Options {
            dry_run: exec.dry_run,
            children: exec.show_children,
            color: trace::color_stdout(),
        };
        print!("{}", trace::render(&record, &opts));
        if let Some(f) = fakes {
            print!("{}", f.report());
        }
    }
    let failed = record.status == RunStatus::Failed;
    // Freed with the process (see `execute_each`).
    std::mem::forget(record);
    Ok(failed)
}

/// How often a running `flowctl run` renews its run's lease ([`flow_server::LEASE`]).
const RENEW_EVERY: Duration = Duration::from_secs(3);

/// Renews the lease of a stored run while it goes on, so it is not taken for abandoned: if
/// this process dies, the lease runs out and the run is ended as interrupted (never resumed).
/// Dropping it stops the renewals.
struct Lease {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Lease {
    fn hold(store: Arc<dyn flow_store::Store>, owner: String) -> Lease {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("flowctl-lease".into())
            .spawn(move || {
                let mut warned = false;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(RENEW_EVERY) {
                    if let Err(e) = store.renew(&owner, flow_server::LEASE)
                        && !warned
                    {
                        warned = true;
                        eprintln!(
                            "warning: cannot renew the run's lease in the store ({e}); if this \
                             lasts, the run may be shown as interrupted until it finishes"
                        );
                    }
                }
            })
            .map_err(|e| eprintln!("warning: cannot renew the run's lease in the store: {e}"))
            .ok();
        Lease {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Closing the channel wakes the thread at once.
        self.stop = None;
        if let Some(t) = self.thread.take() {
            // A renewal thread that panicked has nothing left to clean up.
            let _ = t.join();
        }
    }
}
