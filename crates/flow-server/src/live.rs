//! What is being served right now: the compiled project, its engine, one [`Endpoint`] per
//! `api_endpoint` flow and one [`Hook`] per `okta_event_hook` flow with their secrets resolved,
//! and the [`Scheduled`] flows. `--watch` swaps a whole new `Live` in when the
//! files change and still compile.

use crate::auth::HmacKey;
use crate::rate::TokenBucket;
use flow_card::{LiveConnection, RunEnv};
use flow_compile::{Project, TriggerPlan};
use flow_model::tables::TableError;
use flow_runtime::Engine;
use flow_store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// One served endpoint.
#[derive(Debug)]
pub struct Endpoint {
    /// The plan's number.
    pub flow: usize,
    /// The flow's name.
    pub name: String,
    /// The client token, resolved.
    pub client_token: Option<String>,
    /// Anyone may call.
    pub public: bool,
    /// The signature check, resolved.
    pub hmac: Option<HmacKey>,
    /// Reject bodies that are not JSON.
    pub accept_json: bool,
    /// How long dedupe keys are kept (when the flow dedupes).
    pub dedupe_window: Option<Duration>,
    /// The per-endpoint rate.
    pub rate: Option<TokenBucket>,
    /// How long a caller waits for a flow that does not close.
    pub sync_timeout: Duration,
    /// Whether its runs are stored with their data (`history: { save_data }`, default yes).
    pub save_data: bool,
    /// The `http.close` step answered at acceptance, when the flow has one
    /// ([`crate::close_at_acceptance`]).
    pub close_at_acceptance: Option<usize>,
}

/// One served Okta event hook.
pub struct Hook {
    /// The plan's number.
    pub flow: usize,
    /// The flow's name (also its URL name).
    pub name: String,
    /// The header Okta sends the secret in (lower-case).
    pub header: String,
    /// The secret, resolved.
    pub secret: String,
    /// The event types that start a run.
    pub events: Vec<String>,
    /// Whether its runs are stored with their data.
    pub save_data: bool,
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hook({}, {:?}, secret: ***)", self.name, self.events)
    }
}

/// One scheduled flow.
#[derive(Debug)]
pub struct Scheduled {
    /// The flow's name.
    pub name: String,
    /// Its cron pattern and zone.
    pub schedule: flow_model::schedule::Schedule,
    /// Whether its runs are stored with their data.
    pub save_data: bool,
}

/// The served project.
pub struct Live {
    /// The engine running its plans.
    pub engine: Arc<Engine>,
    /// Endpoints by URL name.
    pub endpoints: HashMap<String, Arc<Endpoint>>,
    /// Okta event hooks by URL name.
    pub hooks: HashMap<String, Arc<Hook>>,
    /// Scheduled flows, fired by the schedule loop ([`crate::schedule_loop`]).
    pub schedules: Vec<Arc<Scheduled>>,
}

/// Why the server cannot start (or reload).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StartError {
    /// A secret of a trigger needs an environment variable that is not set.
    #[error(
        "flow `{flow}` needs the environment variable `{variable}` for its {what}, which is not set"
    )]
    MissingEnv {
        /// The flow.
        flow: String,
        /// What needs it.
        what: &'static str,
        /// The variable.
        variable: String,
    },
    /// A secret is set but cannot be used (the message never shows it).
    #[error("flow `{flow}`: {why}")]
    BadSecret {
        /// The flow.
        flow: String,
        /// What is wrong with it.
        why: String,
    },
    /// A connection needs a variable that is not set.
    #[error("{0}")]
    Connection(String),
    /// The project declares tables the store cannot open (a column's type changed…).
    #[error("cannot open the tables: {0}")]
    Tables(#[from] TableError),
}

impl Live {
    /// Builds endpoints and the engine. Secrets are read through `env` now, so a missing one
    /// stops the start instead of failing requests later. Runs get no tables (see
    /// [`Live::build_with_store`]).
    pub fn build(
        project: Project,
        env: &dyn Fn(&str) -> Option<String>,
        transport: Arc<dyn flow_card::Transport>,
        default_sync_timeout: Duration,
        observers: &[Arc<dyn flow_runtime::Observer>],
    ) -> Result<Live, StartError> {
        Live::build_with_store(
            project,
            env,
            transport,
            default_sync_timeout,
            observers,
            None,
        )
    }

    /// [`Live::build`], with the store the server keeps its runs in: when the project declares
    /// tables (`tables:` in `flowctl.yaml`), its runs get them from `store`, the tables created
    /// or extended to match the declaration now (so a reload that adds a column adds it).
    /// Tables the store cannot open stop the start (or the reload). Without a store
    /// (`store: none`) runs have no tables and table steps fail saying so, as with `flowctl run`.
    pub fn build_with_store(
        project: Project,
        env: &dyn Fn(&str) -> Option<String>,
        transport: Arc<dyn flow_card::Transport>,
        default_sync_timeout: Duration,
        observers: &[Arc<dyn flow_runtime::Observer>],
        store: Option<&Arc<dyn Store>>,
    ) -> Result<Live, StartError> {
        Live::build_with_connections(
            project,
            env,
            transport,
            default_sync_timeout,
            observers,
            store,
            None,
        )
    }

    /// [`Live::build_with_store`], with the runs' live connections made by the caller
    /// (`flowctl serve --fakes` points them at fake servers) instead of from `flowctl.yaml`
    /// and `env` (`None`).
    pub fn build_with_connections(
        project: Project,
        env: &dyn Fn(&str) -> Option<String>,
        transport: Arc<dyn flow_card::Transport>,
        default_sync_timeout: Duration,
        observers: &[Arc<dyn flow_runtime::Observer>],
        store: Option<&Arc<dyn Store>>,
        connections: Option<HashMap<String, LiveConnection>>,
    ) -> Result<Live, StartError> {
        let mut endpoints = HashMap::new();
        let mut hooks = HashMap::new();
        let mut schedules = Vec::new();
        for plan in &project.flows {
            let save_data = plan.history.save_data.unwrap_or(true);
            let ep = match &plan.trigger {
                TriggerPlan::ApiEndpoint(ep) => ep,
                TriggerPlan::OktaEventHook(h) => {
                    let secret = h.secret.resolve(env).map_err(|e| StartError::MissingEnv {
                        flow: plan.name.to_string(),
                        what: "event hook secret",
                        variable: e.name,
                    })?;
                    hooks.insert(
                        h.path_name.clone(),
                        Arc::new(Hook {
                            flow: plan.index as usize,
                            name: plan.name.to_string(),
                            header: h.header.clone(),
                            secret,
                            events: h.events.clone(),
                            save_data,
                        }),
                    );
                    continue;
                }
                TriggerPlan::Schedule(s) => {
                    schedules.push(Arc::new(Scheduled {
                        name: plan.name.to_string(),
                        schedule: (**s).clone(),
                        save_data,
                    }));
                    continue;
                }
                TriggerPlan::Helper { .. } => continue,
            };
            let missing =
                |what: &'static str, e: flow_model::config::MissingEnv| StartError::MissingEnv {
                    flow: plan.name.to_string(),
                    what,
                    variable: e.name,
                };
            let client_token = match &ep.client_token {
                Some(s) => Some(s.resolve(env).map_err(|e| missing("client token", e))?),
                None => None,
            };
            let hmac = match &ep.hmac {
                Some(h) => {
                    let secret = h
                        .secret
                        .resolve(env)
                        .map_err(|e| missing("HMAC secret", e))?;
                    Some(HmacKey::new(h, secret).map_err(|e| StartError::BadSecret {
                        flow: plan.name.to_string(),
                        why: e.to_string(),
                    })?)
                }
                None => None,
            };
            endpoints.insert(
                ep.path_name.clone(),
                Arc::new(Endpoint {
                    flow: plan.index as usize,
                    name: plan.name.to_string(),
                    client_token,
                    public: ep.public,
                    hmac,
                    accept_json: ep.accept_json,
                    dedupe_window: ep.dedupe.as_ref().map(|(_, w)| *w),
                    rate: ep
                        .rate_limit
                        .as_ref()
                        .map(|r| TokenBucket::new(r.per_second, r.burst)),
                    sync_timeout: ep.sync_timeout.unwrap_or(default_sync_timeout),
                    save_data: plan.history.save_data.unwrap_or(true),
                    close_at_acceptance: crate::close::close_at_acceptance(plan),
                }),
            );
        }
        let connections = match connections {
            Some(c) => c,
            None => flow_runtime::connect_all(&project, env, false)
                .map_err(|e| StartError::Connection(e.to_string()))?,
        };
        let mut run_env = RunEnv {
            dry_run: false,
            transport,
            connections,
            capture_inputs: true,
        };
        if let Some(store) = store
            && !project.config.tables.is_empty()
        {
            match store.clone().tables(&project.config.tables) {
                Ok(tables) => run_env.set_tables(tables),
                // A store that keeps no tables (both built-in stores do; a wrapper may not):
                // runs have none, as with `store: none`, and a table step fails saying so.
                Err(TableError::NoStore) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut engine = Engine::new(Arc::new(project), Arc::new(run_env)).secrets_from(env);
        for o in observers {
            engine = engine.observe(o.clone());
        }
        Ok(Live {
            engine: Arc::new(engine),
            endpoints,
            hooks,
            schedules,
        })
    }
}
