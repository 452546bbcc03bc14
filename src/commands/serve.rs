//! `flowctl serve`: the HTTP trigger server for every `api_endpoint` and `okta_event_hook` flow,
//! firing every `schedule` flow, with `--watch` to reload flows when their files change
//! (keeping the old ones while the new ones do not compile) and a graceful stop on SIGTERM or
//! Ctrl-C.

use crate::error::{CliError, CmdResult};
use crate::{Exit, project};
use anyhow::Context;
use flow_cards::ReqwestTransport;
use flow_compile::LoadOptions;
use flow_server::{
    Limits, ListenOptions, Live, LogFormat, Logger, Metrics, ServerState, StartError,
};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Log formats.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
    /// No logs.
    Off,
}

/// Arguments of `flowctl serve`.
#[derive(clap::Args)]
pub struct Args {
    /// The address to listen on (default: `server.listen`, else 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Reload flows when their files change.
    #[arg(long)]
    pub watch: bool,
    /// Log format.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: Format,
    /// Serve against the bundled fake Okta and Slack servers (on 127.0.0.1, for as long as the
    /// server runs) instead of the configured ones, set up as SCENARIO.yaml says (without a
    /// file: an empty Okta and a Slack with `#security-alerts`).
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1)]
    pub fakes: Option<Option<PathBuf>>,
}

/// Runs the command.
pub fn run(config: Option<PathBuf>, args: Args) -> CmdResult {
    no_huge_pages();
    let opts = LoadOptions {
        config: config.clone(),
        paths: Vec::new(),
        only_paths: false,
    };
    // Taken before the files are read, so an edit made while the server starts is reloaded.
    let first_stamp = if args.watch { stamp(&opts) } else { None };
    let scenario = crate::fakes::load_arg(args.fakes.as_ref(), false)?;
    let project = project::compile(&opts)?;
    let server = project.config.server.clone();
    let listen = args.listen.clone().unwrap_or_else(|| server.listen.clone());
    let log = Logger {
        format: match args.log_format {
            Format::Text => LogFormat::Text,
            Format::Json => LogFormat::Json,
            Format::Off => LogFormat::Off,
        },
        ..Logger::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async move {
        let mut transport: Arc<dyn flow_card::Transport> =
            Arc::new(ReqwestTransport::new().context("cannot start the HTTP client")?);
        let fakes = match &args.fakes {
            Some(_) => Some(Arc::new(
                crate::fakes::Fakes::for_serve(scenario.as_deref())
                    .await
                    .context("cannot start the fake servers")?,
            )),
            None => None,
        };
        if let Some(s) = &scenario {
            transport = crate::fakes::answering(transport, &crate::fakes::answers(s));
        }
        let metrics = Arc::new(Metrics::default());
        let mut observers: Vec<Arc<dyn flow_runtime::Observer>> = vec![metrics.clone()];
        if let Some(f) = &fakes {
            observers.push(crate::fakes::seen::Seen::new(f.clone(), log));
        }
        let durable = match crate::store::open(&project.config.store, config.as_deref())? {
            Some(store) => {
                let d = flow_server::Durable::new(store, log);
                observers.push(d.clone());
                Some(d)
            }
            None => None,
        };
        let env = |n: &str| flow_model::config::process_env(n);
        let console = match &server.console_token {
            Some(token) => {
                let token = token.resolve(&env).map_err(|e| {
                    CliError::coded(flow_model::Code::MissingEnv, e.to_string(), None)
                })?;
                let c = flow_server::Console::new(token, Arc::new(env));
                observers.push(c.clone());
                Some(c)
            }
            None => None,
        };
        let connections = crate::fakes::served_connections(fakes.as_deref(), &project, &env)?;
        let live = Live::build_with_connections(
            project,
            &env,
            transport.clone(),
            server.sync_timeout,
            &observers,
            durable.as_ref().map(|d| d.store()),
            connections,
        )
        .map_err(|e| match e {
            StartError::Tables(_) => CliError::msg(e),
            _ => CliError::coded(flow_model::Code::MissingEnv, e.to_string(), None),
        })?;
        let endpoints: Vec<String> = {
            let mut v: Vec<String> = live
                .endpoints
                .keys()
                .chain(live.hooks.keys())
                .cloned()
                .collect();
            v.sort();
            v
        };
        let schedules: Vec<String> = live
            .schedules
            .iter()
            .map(|s| {
                format!(
                    "{}: {} ({})",
                    s.name, s.schedule.pattern, s.schedule.zone_name
                )
            })
            .collect();
        let limits = Limits {
            max_body: usize::try_from(server.max_body).unwrap_or(usize::MAX),
            max_in_flight: usize::try_from(server.max_in_flight).unwrap_or(usize::MAX),
            // A backlog in the store costs disk; in memory, memory.
            max_queue: usize::try_from(server.max_queue.unwrap_or(match durable {
                Some(_) => 100_000,
                None => 10_000,
            }))
            .unwrap_or(usize::MAX),
            body_timeout: server.body_timeout,
            max_unauthenticated_reads: usize::try_from(server.max_unauthenticated_reads)
                .unwrap_or(usize::MAX),
            max_unauthenticated_reads_per_client: usize::try_from(
                server.max_unauthenticated_reads_per_client,
            )
            .unwrap_or(usize::MAX),
        };
        let mut state = ServerState::new(live, limits, metrics.clone(), log);
        if let Some(d) = durable.clone() {
            state = state.with_durable(d);
        }
        if let Some(c) = console {
            state = state.with_console(c);
        }
        let state = Arc::new(state);
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or(listen.clone());
        if let Some(f) = &fakes {
            log.info("fakes.started", &f.log_fields());
        }
        log.info(
            "serve.started",
            &[
                ("listen", Value::String(format!("http://{addr}"))),
                ("durable", Value::Bool(durable.is_some())),
                ("console", Value::Bool(server.console_token.is_some())),
                (
                    "endpoints",
                    json!(
                        endpoints
                            .iter()
                            .map(|e| format!("/api/flo/{e}/invoke"))
                            .collect::<Vec<_>>()
                    ),
                ),
                ("schedules", json!(schedules)),
            ],
        );
        if args.watch {
            let st = state.clone();
            let (opts, transport, observers) = (opts.clone(), transport.clone(), observers.clone());
            let sync = server.sync_timeout;
            let fakes = fakes.clone();
            tokio::spawn(async move {
                let build = Build {
                    transport,
                    observers,
                    sync_timeout: sync,
                    fakes,
                };
                watch(st, opts, first_stamp, build, log).await;
            });
        }
        let listen_opts = ListenOptions {
            header_timeout: server.header_timeout,
            grace: server.shutdown_grace,
        };
        let drained = flow_server::serve(listener, state, listen_opts, shutdown_signal()).await;
        if !drained {
            log.warn("shutdown.unfinished_runs", &[]);
        }
        Ok(Exit::Ok)
    })
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The newest modification time among the config and flow files.
fn stamp(opts: &LoadOptions) -> Option<SystemTime> {
    let loaded = flow_compile::load(opts);
    let mut files: Vec<PathBuf> = Vec::new();
    files.extend(
        opts.config
            .clone()
            .or_else(|| Some(PathBuf::from("flowctl.yaml"))),
    );
    let dir = loaded.base.join(&loaded.config.flows);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        files.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
    }
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .max()
}

/// What a reload builds the served project with.
struct Build {
    transport: Arc<dyn flow_card::Transport>,
    observers: Vec<Arc<dyn flow_runtime::Observer>>,
    sync_timeout: Duration,
    /// The fakes of `--fakes`, which the new project's connections point at.
    fakes: Option<Arc<crate::fakes::Fakes>>,
}

/// Polls the files once a second; recompiles on a change and swaps the new flows in. A change
/// that does not compile is logged with its diagnostics (`reload.failed`, field `errors`) and
/// the running flows stay.
async fn watch(
    state: Arc<ServerState>,
    opts: LoadOptions,
    first_stamp: Option<SystemTime>,
    build: Build,
    log: Logger,
) {
    let Build {
        transport,
        observers,
        sync_timeout,
        fakes,
    } = build;
    let mut last = first_stamp;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = stamp(&opts);
        if now == last {
            continue;
        }
        last = now;
        let project = match project::compile(&opts) {
            Ok(p) => p,
            Err(e) => {
                log.warn(
                    "reload.failed",
                    &[
                        (
                            "reason",
                            Value::String(
                                "the flows do not compile; still serving the previous ones".into(),
                            ),
                        ),
                        ("errors", Value::String(e.to_string())),
                    ],
                );
                continue;
            }
        };
        let env = |n: &str| flow_model::config::process_env(n);
        let store = state.durable.as_ref().map(|d| d.store());
        let connections = match crate::fakes::served_connections(fakes.as_deref(), &project, &env) {
            Ok(c) => c,
            Err(e) => {
                log.warn("reload.failed", &[("reason", Value::String(e.to_string()))]);
                continue;
            }
        };
        match Live::build_with_connections(
            project,
            &env,
            transport.clone(),
            sync_timeout,
            &observers,
            store,
            connections,
        ) {
            Ok(live) => {
                let n = live.endpoints.len();
                state.swap(live);
                log.info("reload.done", &[("endpoints", json!(n))]);
            }
            Err(e) => log.warn("reload.failed", &[("reason", Value::String(e.to_string()))]),
        }
    }
}

/// Turns transparent huge pages off for the server process. The allocator reserves memory
/// ahead in large arenas; backed by 2 MiB pages, a server answering thousands of small
/// requests a second measured 85 MB of resident memory, with 4 KiB pages 28 MB, at the same
/// rate (docs/benchmarks.md). Best effort: where the call is refused, nothing changes.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}
