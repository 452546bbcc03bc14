//! `flowctl serve --fakes` logs what the fakes saw: after each run (helper runs aside) a
//! `fakes.seen` line lists the requests the fake Okta received, the messages the fake Slack
//! accepted, and the requests each connector fake (`jira`, `microsoft365`, …) received since
//! the previous line, so a person posting events watches the calls happen.

use super::Fakes;
use flow_runtime::{Observer, RunEvent};
use flow_server::Logger;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// How much of each fake's record was logged already.
#[derive(Default)]
struct Logged {
    okta: usize,
    slack: usize,
    /// Requests, by connector fake.
    connectors: HashMap<String, usize>,
}

/// The observer that logs `fakes.seen`.
pub struct Seen {
    fakes: Arc<Fakes>,
    log: Logger,
    logged: Mutex<Logged>,
}

impl Seen {
    /// Logs what `fakes` see through `log`.
    pub fn new(fakes: Arc<Fakes>, log: Logger) -> Arc<Seen> {
        Arc::new(Seen {
            fakes,
            log,
            logged: Mutex::new(Logged::default()),
        })
    }
}

impl Observer for Seen {
    fn event(&self, event: &RunEvent<'_>) {
        let RunEvent::RunFinished {
            record,
            parent: None,
        } = event
        else {
            return;
        };
        let requests = self.fakes.okta.requests();
        let messages = self.fakes.slack.messages();
        let connector_lines = self.fakes.connectors.request_lines();
        let mut connectors = Map::new();
        let (okta, slack) = {
            let mut logged = self.logged.lock().unwrap_or_else(PoisonError::into_inner);
            let from = (logged.okta, logged.slack);
            logged.okta = requests.len();
            logged.slack = messages.len();
            for (name, lines) in connector_lines {
                let seen = logged.connectors.entry(name.clone()).or_default();
                let new: Vec<Value> = lines
                    .iter()
                    .skip(*seen)
                    .cloned()
                    .map(Value::String)
                    .collect();
                *seen = lines.len();
                if !new.is_empty() {
                    connectors.insert(name, Value::Array(new));
                }
            }
            from
        };
        let okta: Vec<Value> = requests
            .iter()
            .skip(okta)
            .map(|r| {
                let q = r
                    .query
                    .as_deref()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default();
                Value::String(format!("{} {}{q}", r.method, r.path))
            })
            .collect();
        let slack: Vec<Value> = messages
            .iter()
            .skip(slack)
            .map(|m| json!({ "channel": m.channel, "text": m.text }))
            .collect();
        self.log.info(
            "fakes.seen",
            &[
                ("execution_id", Value::String(record.execution_id.clone())),
                ("okta_requests", Value::Array(okta)),
                ("slack_messages", Value::Array(slack)),
                ("connector_requests", Value::Object(connectors)),
            ],
        );
    }
}
