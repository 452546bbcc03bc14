//! The triggers served besides `api_endpoint`: `okta_event_hook` (one run per listed event of a
//! delivery) and `schedule` (a cron pattern in a time zone) — their plans and the type of
//! `trigger` their templates read.

use crate::plan::TriggerPlan;
use flow_model::config::Secret;
use flow_model::flow::{EventHookDoc, ScheduleDoc};
use flow_model::{FlowDoc, Type};

/// A compiled `okta_event_hook` trigger.
#[derive(Debug, Clone)]
pub struct EventHookPlan {
    /// The URL name: the flow's name (`/api/flo/<name>/invoke`).
    pub path_name: String,
    /// The event types that start a run.
    pub events: Vec<String>,
    /// The header Okta sends the secret in (lower-case).
    pub header: String,
    /// The secret, unresolved.
    pub secret: Secret,
}

impl EventHookPlan {
    /// Whether an event of type `event_type` starts a run.
    pub fn listens_to(&self, event_type: &str) -> bool {
        self.events.iter().any(|e| e == event_type)
    }
}

/// The plan of an `okta_event_hook` trigger.
pub(crate) fn event_hook_plan(doc: &FlowDoc, hook: &EventHookDoc) -> TriggerPlan {
    TriggerPlan::OktaEventHook(Box::new(EventHookPlan {
        path_name: doc.name.value.clone(),
        events: hook.events.iter().map(|e| e.value.clone()).collect(),
        header: hook.header.clone(),
        secret: hook.secret.clone(),
    }))
}

/// The plan of a `schedule` trigger.
pub(crate) fn schedule_plan(doc: &ScheduleDoc) -> TriggerPlan {
    TriggerPlan::Schedule(Box::new(doc.schedule.clone()))
}

/// An actor or a target of an Okta System Log event.
fn log_entity(extra: &[(&str, Type)]) -> Type {
    let mut fields = vec![
        ("id", Type::Text),
        ("type", Type::Text),
        ("alternateId", Type::Text),
        ("displayName", Type::Text),
        ("detailEntry", Type::Object(None)),
    ];
    fields.extend(extra.iter().cloned());
    Type::object(fields)
}

/// The type of `trigger` in an `okta_event_hook` flow: `event` is one Okta System Log event
/// (the `LogEvent` object of Okta's System Log API, its documented fields only, so a misspelt
/// field is a compile error) and `delivery` is `{ id, time, source }` of the envelope.
pub(crate) fn event_trigger_type() -> Type {
    let open = || Type::Object(None);
    let event = Type::object([
        ("uuid", Type::Text),
        ("published", Type::Date),
        ("eventType", Type::Text),
        ("version", Type::Text),
        ("severity", Type::Text),
        ("legacyEventType", Type::Text),
        ("displayMessage", Type::Text),
        ("actor", log_entity(&[])),
        ("client", open()),
        ("request", open()),
        (
            "outcome",
            Type::object([("result", Type::Text), ("reason", Type::Text)]),
        ),
        (
            "target",
            Type::list(log_entity(&[("changeDetails", open())])),
        ),
        ("transaction", open()),
        ("debugContext", open()),
        ("authenticationContext", open()),
        ("securityContext", open()),
    ]);
    Type::object([
        ("event", event),
        (
            "delivery",
            Type::object([
                ("id", Type::Text),
                ("time", Type::Date),
                ("source", Type::Text),
            ]),
        ),
    ])
}

/// The type of `trigger` in a `schedule` flow: the tick that fired it.
pub(crate) fn schedule_trigger_type() -> Type {
    Type::object([("scheduled_at", Type::Date), ("timezone", Type::Text)])
}
