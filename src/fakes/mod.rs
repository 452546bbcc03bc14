//! `flowctl run --fakes` and `flowctl serve --fakes`: the bundled fake Okta and Slack servers on
//! 127.0.0.1, seeded from the event (plain `--fakes`) or from a scenario file
//! (`--fakes SCENARIO.yaml`, [`scenario`]), with every connection of those kinds pointed at
//! them, so a newcomer can watch real HTTP calls happen without any account.

pub mod connectors;
pub mod scenario;
pub mod seen;

use crate::error::CliError;
use anyhow::Context;
use flow_card::{
    CannedAnswer, CannedAnswers, CannedTransport, HttpResponse, LiveConnection, Transport,
};
use flow_cards::slack::connection::WebhookLive;
use flow_compile::Project;
use flow_testkit::{
    FakeOkta, FakeSlack, Fault, NewApp, NewGroup, NewUser, SeedError, SlackFault, UserStatus,
};
use scenario::{AnswerSpec, FaultSpec, OktaScenario, Scenario, Service};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The running fakes.
pub struct Fakes {
    okta: FakeOkta,
    slack: FakeSlack,
    connectors: connectors::ConnectorFakes,
}

impl Fakes {
    /// Starts both servers (inside a tokio runtime) and adds the event's users to Okta: every
    /// login in `detail.usersFailing` (Oort's shape) or in a top-level `email` input.
    pub async fn start(input: &str) -> std::io::Result<Fakes> {
        let okta = FakeOkta::start().await?;
        let slack = FakeSlack::start().await?;
        let v: Value = serde_json::from_str(input).unwrap_or(Value::Null);
        let mut logins: Vec<&str> = v
            .pointer("/detail/usersFailing")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(e) = v.get("email").and_then(Value::as_str) {
            logins.push(e);
        }
        for login in logins {
            okta.add_user(login, UserStatus::Active);
        }
        let connectors = connectors::ConnectorFakes::start(&Default::default())
            .await
            .map_err(std::io::Error::other)?;
        Ok(Fakes {
            okta,
            slack,
            connectors,
        })
    }

    /// Starts both servers (inside a tokio runtime) and sets them up as `scenario` says: its
    /// users, groups and apps in Okta, only its channels in Slack, its faults queued.
    pub async fn from_scenario(scenario: &Scenario) -> anyhow::Result<Fakes> {
        let okta = FakeOkta::start().await?;
        let slack = FakeSlack::start().await?;
        seed_okta(&okta, &scenario.okta).context("the scenario cannot be seeded")?;
        slack.remove_channels();
        for (i, c) in scenario.slack.channels.iter().enumerate() {
            let id = c.id.clone().unwrap_or_else(|| slack_id('C', &c.name, i));
            slack.add_channel(&c.name, &id, c.archived, c.member);
        }
        for (i, u) in scenario.slack.users.iter().enumerate() {
            let local = u.email.split('@').next().unwrap_or_default();
            let id = u.id.clone().unwrap_or_else(|| slack_id('U', local, i));
            slack.add_member(&id, &u.email, u.name.as_deref().unwrap_or(local));
        }
        for f in &scenario.faults {
            queue_fault(&okta, &slack, f);
        }
        let connectors = connectors::ConnectorFakes::start(&scenario.connectors).await?;
        Ok(Fakes {
            okta,
            slack,
            connectors,
        })
    }

    /// The fakes of `flowctl serve --fakes`: as `scenario` says, or, without one, an empty
    /// Okta and a Slack with its default `#security-alerts` channel.
    pub async fn for_serve(scenario: Option<&Scenario>) -> anyhow::Result<Fakes> {
        match scenario {
            Some(s) => Fakes::from_scenario(s).await,
            None => Ok(Fakes::start("").await?),
        }
    }

    /// Where the fakes listen, as log fields.
    pub fn log_fields(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("okta", Value::String(self.okta.base_url())),
            ("slack", Value::String(self.slack.api_url())),
            (
                "connectors",
                Value::Object(self.connectors.log_fields().into_iter().collect()),
            ),
        ]
    }

    /// Live connections for every connection of the project (for `flowctl serve --fakes`),
    /// made as [`Fakes::connections`] makes them.
    pub fn all_connections(
        &self,
        project: &Project,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<HashMap<String, LiveConnection>, flow_runtime::ConnectError> {
        let names: Vec<String> = project.connections.keys().cloned().collect();
        self.connect_names(project, names, env)
    }

    /// Live connections for flow `flow`: okta, slack and slack_webhook ones point at the fakes;
    /// others (`http`) are made from their settings, which must then be set.
    pub fn connections(
        &self,
        project: &Project,
        flow: usize,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<HashMap<String, LiveConnection>, flow_runtime::ConnectError> {
        self.connect_names(project, project.connections_used_by(flow), env)
    }

    fn connect_names(
        &self,
        project: &Project,
        names: Vec<String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<HashMap<String, LiveConnection>, flow_runtime::ConnectError> {
        let mut out = HashMap::new();
        for name in names {
            let Some(cfg) = project.connections.get(&name) else {
                continue;
            };
            let live: LiveConnection = match cfg.kind() {
                "okta" => match flow_cards::okta::connection::live(
                    &self.okta.base_url(),
                    &self.okta.token(),
                ) {
                    Some(live) => Arc::new(live),
                    None => continue,
                },
                "slack" => match flow_cards::slack::connection::live(
                    &self.slack.api_url(),
                    &self.slack.token(),
                ) {
                    Some(live) => Arc::new(live),
                    None => continue,
                },
                "slack_webhook" => Arc::new(WebhookLive {
                    url: self.slack.webhook_url(),
                }),
                _ => match self.connectors.live(&name, cfg.as_ref()) {
                    Some(Ok(live)) => live,
                    Some(Err(e)) => {
                        return Err(flow_runtime::ConnectError {
                            connection: name.clone(),
                            variable: e.name,
                        });
                    }
                    None => cfg
                        .connect(env, false)
                        .map_err(|e| flow_runtime::ConnectError {
                            connection: name.clone(),
                            variable: e.name,
                        })?,
                },
            };
            out.insert(name, live);
        }
        Ok(out)
    }

    /// What the fakes saw, for the end of the trace.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let reqs = self.okta.requests();
        let _ = writeln!(
            out,
            "\nfake Okta at {} received {} requests:",
            self.okta.base_url(),
            reqs.len()
        );
        for r in &reqs {
            let q = r
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {} {}{q}", r.method, r.path);
        }
        let msgs = self.slack.messages();
        let _ = writeln!(
            out,
            "fake Slack at {} received {} message(s):",
            self.slack.api_url(),
            msgs.len()
        );
        for m in &msgs {
            let _ = writeln!(out, "  in {} ({}), ts {}:", m.channel, m.channel_id, m.ts);
            for line in m.text.as_deref().unwrap_or("").lines() {
                let _ = writeln!(out, "    | {line}");
            }
        }
        out.push_str(&self.connectors.report());
        out
    }
}

/// The connections `flowctl serve` builds its runs with: pointed at `fakes` when it runs with
/// them, else `None` (made from `flowctl.yaml` and the environment).
pub fn served_connections(
    fakes: Option<&Fakes>,
    project: &Project,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<HashMap<String, LiveConnection>>, CliError> {
    let Some(f) = fakes else { return Ok(None) };
    f.all_connections(project, env).map(Some).map_err(|e| {
        crate::project::missing_connection_env(
            project,
            &e.connection,
            &e.variable,
            e.to_string(),
            None,
        )
    })
}

/// Seeds the fake Okta: users, then groups with their members, then apps with their
/// assignments (the scenario's check made sure every reference is declared).
fn seed_okta(okta: &FakeOkta, s: &OktaScenario) -> Result<(), SeedError> {
    for u in &s.users {
        let mut new = NewUser::new(&u.login).status(u.status.fake());
        if let Some(email) = &u.email {
            new = new.profile("email", email.clone());
        }
        new.profile.extend(u.profile.clone());
        new.last_login = u.last_login.clone();
        okta.seed_user(new)?;
    }
    for g in &s.groups {
        let members = s
            .users
            .iter()
            .filter(|u| u.groups.contains(&g.name))
            .map(|u| u.login.clone())
            .collect();
        okta.seed_group(NewGroup {
            name: g.name.clone(),
            description: g.description.clone(),
            members,
        })?;
    }
    for a in &s.apps {
        okta.seed_app(NewApp {
            label: a.label.clone().unwrap_or_else(|| a.name.clone()),
            name: Some(a.name.clone()),
            inactive: false,
            users: a.users.clone(),
            groups: a.groups.clone(),
        })?;
    }
    Ok(())
}

/// A Slack id made from a name and a position: `kind` (`C` channel, `U` user), two digits, and
/// up to eight letters or digits of the name, upper case (`#security-alerts` first gives
/// `C01SECURITY`).
fn slack_id(kind: char, name: &str, index: usize) -> String {
    let letters: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase();
    format!("{kind}{:02}{letters}", index + 1)
}

/// Queues one fault of the scenario on its fake.
fn queue_fault(okta: &FakeOkta, slack: &FakeSlack, f: &FaultSpec) {
    let times = f.times;
    match f.service {
        Service::Okta => {
            let fault = if f.drop {
                Fault::DropConnection { times }
            } else if let Some(delay) = f.delay {
                Fault::Delay { times, delay }
            } else {
                match (f.status, f.retry_after) {
                    (Some(429), Some(secs)) => Fault::RetryAfter {
                        times,
                        retry_after_secs: secs,
                        reset_in: Duration::from_secs(secs),
                    },
                    (Some(429), None) => Fault::RateLimit {
                        times,
                        reset_in: Duration::from_secs(1),
                    },
                    (status, _) => Fault::ServerError {
                        times,
                        status: status.unwrap_or(500),
                    },
                }
            };
            match &f.path {
                Some(p) => okta.fault_on(p, fault),
                None => okta.fault(fault),
            }
        }
        Service::Slack => {
            let fault = if f.drop {
                SlackFault::DropConnection { times }
            } else if let Some(delay) = f.delay {
                SlackFault::Delay { times, delay }
            } else if let Some(error) = &f.error {
                SlackFault::OkFalse {
                    times,
                    error: error.clone(),
                }
            } else {
                match f.status {
                    Some(429) => SlackFault::RateLimit {
                        times,
                        retry_after_secs: f.retry_after.unwrap_or(1),
                    },
                    status => SlackFault::ServerError {
                        times,
                        status: status.unwrap_or(500),
                    },
                }
            };
            match &f.path {
                Some(p) => slack.fault_on(p, fault),
                None => slack.fault(fault),
            }
        }
    }
}

/// The scenario named by `--fakes SCENARIO.yaml`, read and checked (`None` without one). A
/// plain `--fakes` with `--dry-run` is a usage error: a dry run sends nothing, not even to the
/// fakes, and only takes a scenario's canned answers.
pub fn load_arg(
    fakes: Option<&Option<PathBuf>>,
    dry_run: bool,
) -> Result<Option<Arc<Scenario>>, CliError> {
    match fakes {
        None => Ok(None),
        Some(None) if dry_run => Err(CliError::msg(
            "`--fakes` without a scenario file cannot be combined with `--dry-run` (nothing is \
             sent in a dry run); `--dry-run --fakes SCENARIO.yaml` takes the file's canned answers",
        )),
        Some(None) => Ok(None),
        Some(Some(path)) => load(path).map(|s| Some(Arc::new(s))),
    }
}

/// Reads and checks a scenario file; its problems are diagnostics with their lines (exit 2).
pub fn load(path: &Path) -> Result<Scenario, CliError> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the scenario file {}", path.display()))?;
    scenario::parse(&path.display().to_string(), &text).map_err(|e| {
        CliError::Rejected(Box::new(flow_compile::Rejected {
            diags: e.diags,
            sources: e.sources,
        }))
    })
}

/// `transport`, answering the requests that match `answers` itself (runs that are not dry).
pub fn answering(transport: Arc<dyn Transport>, answers: &CannedAnswers) -> Arc<dyn Transport> {
    if answers.is_empty() {
        return transport;
    }
    Arc::new(CannedTransport {
        inner: transport,
        answers: Arc::new(answers.clone()),
    })
}

/// The scenario's canned answers.
pub fn answers(scenario: &Scenario) -> CannedAnswers {
    CannedAnswers::new(scenario.answers.iter().map(answer).collect())
}

fn answer(a: &AnswerSpec) -> CannedAnswer {
    let mut headers: Vec<(String, String)> = a
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.to_ascii_lowercase());
    let body = match (&a.body, content_type.as_deref()) {
        (None, _) => Vec::new(),
        // Text sent as it is under a content type that is not JSON.
        (Some(Value::String(s)), Some(ct)) if !ct.contains("json") => s.clone().into_bytes(),
        (Some(v), ct) => {
            if ct.is_none() {
                headers.push(("content-type".into(), "application/json".into()));
            }
            v.to_string().into_bytes()
        }
    };
    CannedAnswer {
        method: a.method.clone(),
        url: a.url.clone(),
        response: HttpResponse {
            status: a.status,
            headers,
            body,
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The scenario's Slack members are found by `users.lookupByEmail`, with the ids it gives
    /// or makes.
    #[tokio::test]
    async fn slack_members_of_a_scenario_are_looked_up_by_email() {
        let text = "slack:\n  users:\n    - { email: ada@example.com, id: U0ADA }\n    - { email: bob.smith@example.com }\n";
        let scenario = scenario::parse("s.yaml", text)
            .map_err(|e| e.diags)
            .unwrap();
        let fakes = Fakes::from_scenario(&scenario).await.unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let lookup = async |email: &str| -> Value {
            let url = format!(
                "{}/users.lookupByEmail?email={email}",
                fakes.slack.api_url()
            );
            let resp = client.get(url).bearer_auth(fakes.slack.token()).send();
            resp.await.unwrap().json().await.unwrap()
        };
        assert_eq!(lookup("ada@example.com").await["user"]["id"], "U0ADA");
        let bob = lookup("bob.smith@example.com").await;
        assert_eq!(bob["user"]["id"], "U02BOBSMITH", "{bob}");
        assert_eq!(bob["user"]["name"], "bob.smith");
        assert_eq!(lookup("eve@example.com").await["error"], "users_not_found");
    }
}
