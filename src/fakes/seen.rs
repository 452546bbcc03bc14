//! `flowctl serve --fakes` logs what the fakes saw: after each run (helper runs aside) a
//! `fakes.seen` line lists the requests the fake Okta received and the messages the fake Slack
//! accepted since the previous line, so a person posting events watches the calls happen.

use super::Fakes;
use flow_runtime::{Observer, RunEvent};
use flow_server::Logger;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, PoisonError};

/// The observer that logs `fakes.seen`.
pub struct Seen {
    fakes: Arc<Fakes>,
    log: Logger,
    /// How many Okta requests and Slack messages were logged already.
    logged: Mutex<(usize, usize)>,
}

impl Seen {
    /// Logs what `fakes` see through `log`.
    pub fn new(fakes: Arc<Fakes>, log: Logger) -> Arc<Seen> {
        Arc::new(Seen {
            fakes,
            log,
            logged: Mutex::new((0, 0)),
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
        let (okta, slack) = {
            let mut logged = self.logged.lock().unwrap_or_else(PoisonError::into_inner);
            let from = *logged;
            *logged = (requests.len(), messages.len());
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
            ],
        );
    }
}
