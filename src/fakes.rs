//! `flowctl run --fakes`: the bundled fake Okta and Slack servers on 127.0.0.1, seeded from the
//! event, with every connection of those kinds pointed at them, so a newcomer can watch real
//! HTTP calls happen without any account.

use flow_card::LiveConnection;
use flow_cards::slack::connection::{SlackLive, WebhookLive};
use flow_compile::Project;
use flow_testkit::{FakeOkta, FakeSlack, UserStatus};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The running fakes.
pub struct Fakes {
    okta: FakeOkta,
    slack: FakeSlack,
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
        Ok(Fakes { okta, slack })
    }

    /// Live connections for flow `flow`: okta, slack and slack_webhook ones point at the fakes;
    /// others (`http`) are made from their settings, which must then be set.
    pub fn connections(
        &self,
        project: &Project,
        flow: usize,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<HashMap<String, LiveConnection>, flow_runtime::ConnectError> {
        let mut out = HashMap::new();
        for name in project.connections_used_by(flow) {
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
                "slack" => Arc::new(SlackLive {
                    api_url: self.slack.api_url(),
                    token: self.slack.token(),
                    limiter: Arc::new(Semaphore::new(4)),
                }),
                "slack_webhook" => Arc::new(WebhookLive {
                    url: self.slack.webhook_url(),
                }),
                _ => cfg
                    .connect(env, false)
                    .map_err(|e| flow_runtime::ConnectError {
                        connection: name.clone(),
                        variable: e.name,
                    })?,
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
        out
    }
}
