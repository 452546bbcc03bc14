//! `flowctl history`: past runs from the store — `list` (newest first), `show ID` (the same trace
//! as `run`, helper runs nested, or `--json`), and `prune` (delete runs older than the retention).

use crate::error::{CliError, CmdResult};
use crate::{Exit, project, trace};
use flow_model::units::{format_duration, parse_duration};
use flow_store::{ListFilter, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `flowctl history`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Past runs, newest first.
    List {
        /// Only this flow's runs.
        #[arg(long)]
        flow: Option<String>,
        /// Only runs with this status.
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// One run: its trace, or its record with --json.
    Show {
        /// The execution id.
        id: String,
        /// Print the record as JSON.
        #[arg(long)]
        json: bool,
        /// Helper runs shown per step.
        #[arg(long, default_value_t = 20)]
        show_children: usize,
    },
    /// Delete finished runs older than their flow's `history.retention` (default 30 days).
    Prune {
        /// Delete runs older than this instead (e.g. 7d).
        #[arg(long, value_name = "DURATION")]
        older_than: Option<String>,
        /// Only this flow's runs.
        #[arg(long)]
        flow: Option<String>,
    },
}

/// The statuses `history list --status` accepts (anything else is a usage error).
#[derive(Clone, Copy, clap::ValueEnum)]
enum Status {
    /// Accepted by a server, waiting for a free run slot.
    Queued,
    /// Not finished.
    Running,
    /// Finished without error.
    Succeeded,
    /// A step failed, or the run was interrupted.
    Failed,
    /// Ended early by `flow.continue_if`.
    Stopped,
}

impl Status {
    /// The word the store keeps.
    fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Stopped => "stopped",
        }
    }
}

/// The default retention of run history.
pub const RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// The runs one pass of `prune` looks at.
enum Prune {
    /// One flow's.
    Flow(String),
    /// Every flow's but these (the flows pruned by their own retention).
    AllBut(Vec<String>),
}

/// The store and the project files it belongs to.
pub type Opened = (Arc<dyn Store>, flow_compile::Loaded);

/// Opens the store named by the project's settings (without compiling the flows). An error in
/// the project's files, a store that cannot be opened or history turned off stop the command.
pub fn open_store(config: Option<&PathBuf>) -> Result<Opened, CliError> {
    let loaded = project::load(config.cloned())?;
    match crate::store::open(&loaded.config.store, config.map(PathBuf::as_path))? {
        Some(s) => Ok((s, loaded)),
        None => Err(CliError::msg("history is off (`store: none`)")),
    }
}

/// True when a run the store reads as not finished is still queued (a server accepted it and
/// has not started it): the record has no status of its own for that, the list has.
fn is_queued(store: &dyn Store, record: &flow_runtime::ExecutionRecord) -> bool {
    record.status == flow_runtime::RunStatus::Running
        && record.steps.is_empty()
        && store
            .list(&ListFilter {
                flow: Some(record.flow.to_string()),
                status: Some("queued".into()),
                limit: 0,
                ..ListFilter::default()
            })
            .is_ok_and(|runs| runs.iter().any(|r| r.execution_id == record.execution_id))
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Runs the command.
pub fn run(config: Option<PathBuf>, args: Args) -> CmdResult {
    let (store, loaded) = open_store(config.as_ref())?;
    // Runs of `flowctl run` whose process died (their lease ran out) are shown, and pruned, as
    // failed (interrupted), not as running forever. Reading goes on if the store cannot write.
    if let Err(e) = store.fail_abandoned() {
        eprintln!("warning: cannot mark interrupted runs in the store: {e}");
    }
    match args.command.unwrap_or(Sub::List {
        flow: None,
        status: None,
        limit: 20,
    }) {
        Sub::List {
            flow,
            status,
            limit,
        } => {
            let runs = store
                .list(&ListFilter {
                    flow,
                    status: status.map(|s| s.as_str().to_string()),
                    limit,
                    ..ListFilter::default()
                })
                .map_err(CliError::msg)?;
            if runs.is_empty() {
                println!("no runs");
            }
            for r in runs {
                let took = r
                    .duration_ms
                    .map(|d| format_duration(Duration::from_secs_f64(d / 1000.0)))
                    .unwrap_or_else(|| "…".into());
                let answer = r
                    .response_status
                    .map(|s| format!(" → {s}"))
                    .unwrap_or_default();
                let err = r.error.map(|e| format!("  {e}")).unwrap_or_default();
                println!(
                    "{}  {}  {:<9} {:>7}{answer}  {}{err}",
                    r.execution_id, r.started_at, r.status, took, r.flow
                );
            }
            Ok(Exit::Ok)
        }
        Sub::Show {
            id,
            json,
            show_children,
        } => match store.get(&id) {
            Ok(Some(record)) if is_queued(store.as_ref(), &record) => {
                // Accepted by a server, not started: it has no steps yet, and it is not running.
                if json {
                    let mut v = serde_json::to_value(&record).map_err(CliError::msg)?;
                    v["status"] = serde_json::Value::from("queued");
                    crate::trace::print_json(&v)?;
                } else {
                    println!(
                        "▶ {}  execution {}
⧗ queued since {}: accepted, waiting for a free run slot",
                        record.flow, record.execution_id, record.started_at
                    );
                }
                Ok(Exit::Ok)
            }
            Ok(Some(record)) => {
                if json {
                    crate::trace::print_json(&record)?;
                } else {
                    let opts = trace::Options {
                        dry_run: record.dry_run,
                        children: show_children,
                        color: trace::color_stdout(),
                    };
                    print!("{}", trace::render(&record, &opts));
                }
                Ok(Exit::Ok)
            }
            Ok(None) => Err(CliError::msg(format!("no run `{id}` in the history"))),
            Err(e) => Err(CliError::msg(e)),
        },
        Sub::Prune { older_than, flow } => {
            let explicit = older_than
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(|e| CliError::msg(format!("--older-than: {e}")))?;
            // Each flow keeps its own retention; every other flow (in the project without one,
            // or no longer in it) keeps 30 days.
            let mut passes: Vec<(Prune, Duration)> = Vec::new();
            match (&flow, explicit) {
                (Some(f), Some(d)) => passes.push((Prune::Flow(f.clone()), d)),
                (None, Some(d)) => passes.push((Prune::AllBut(Vec::new()), d)),
                (Some(f), None) => {
                    let d = loaded
                        .docs
                        .iter()
                        .find(|d| &d.name.value == f)
                        .and_then(|d| d.history.retention)
                        .unwrap_or(RETENTION);
                    passes.push((Prune::Flow(f.clone()), d));
                }
                (None, None) => {
                    let mut own = Vec::new();
                    for d in &loaded.docs {
                        if let Some(r) = d.history.retention {
                            passes.push((Prune::Flow(d.name.value.clone()), r));
                            own.push(d.name.value.clone());
                        }
                    }
                    passes.push((Prune::AllBut(own), RETENTION));
                }
            }
            let mut total = 0;
            for (pass, d) in passes {
                let age = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                let before = now_unix().saturating_sub(age);
                let pruned = match &pass {
                    Prune::Flow(f) => store.prune(Some(f), before),
                    Prune::AllBut(except) => store.prune_except(except, before),
                };
                total += pruned.map_err(CliError::msg)?;
            }
            println!("pruned {total} runs");
            Ok(Exit::Ok)
        }
    }
}
