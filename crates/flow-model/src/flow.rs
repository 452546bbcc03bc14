//! A flow file as written: name, trigger and steps, decoded from YAML with positions.
//!
//! Decoding checks only the shape (keys, types, names). What the steps mean (cards, references,
//! types) is checked by the compiler.

use crate::block::{ArmRef, BlockDoc, BlockPart, Flat, decode_steps};
use crate::config::Secret;
use crate::decode::{self, Fields, Spanned, fields, text, wrong_type};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::node::{Node, parse_yaml};
use crate::schedule::Schedule;
use crate::span::{SourceId, Span};
use crate::types::Type;
use indexmap::IndexMap;
use std::time::Duration;

/// One flow file.
#[derive(Debug, Clone)]
pub struct FlowDoc {
    /// The file it was read from.
    pub source: SourceId,
    /// `flow:` — the name other flows and URLs use.
    pub name: Spanned<String>,
    /// `description:`.
    pub description: Option<String>,
    /// `trigger:`.
    pub trigger: TriggerDoc,
    /// `history:` settings.
    pub history: HistoryDoc,
    /// `steps:`, in file order, blocks flattened ([`crate::block`]).
    pub steps: Vec<StepDoc>,
    /// The blocks (`branch:`, `try:`), outer blocks before the blocks inside them.
    pub blocks: Vec<BlockDoc>,
    /// The whole document.
    pub span: Span,
}

/// What starts a flow.
#[derive(Debug, Clone)]
pub enum TriggerDoc {
    /// An HTTP endpoint served by `flowctl serve`.
    ApiEndpoint(Box<ApiEndpointDoc>),
    /// Called by other flows (`list.for_each`, `flow.call`, ...).
    Helper(HelperDoc),
    /// Okta event hook deliveries, one run per listed event, served by `flowctl serve`.
    OktaEventHook(Box<EventHookDoc>),
    /// A cron schedule in a time zone, fired by `flowctl serve`.
    Schedule(Box<ScheduleDoc>),
}

impl TriggerDoc {
    /// The trigger kind as written: `api_endpoint` or `helper`.
    pub fn kind(&self) -> &'static str {
        match self {
            TriggerDoc::ApiEndpoint(_) => "api_endpoint",
            TriggerDoc::Helper(_) => "helper",
            TriggerDoc::OktaEventHook(_) => "okta_event_hook",
            TriggerDoc::Schedule(_) => "schedule",
        }
    }
}

/// `trigger: okta_event_hook:` — Okta's event hook deliveries, verified and split into events.
#[derive(Debug, Clone)]
pub struct EventHookDoc {
    /// `events:` — the event types that start a run; others in a delivery are ignored.
    pub events: Vec<Spanned<String>>,
    /// `security: header:` — the header Okta sends the secret in (lower-case; default
    /// `authorization`).
    pub header: String,
    /// `security: secret:` — the value Okta sends verbatim in that header.
    pub secret: Secret,
    /// Where the trigger is written.
    pub span: Span,
}

/// `trigger: schedule:` — `{ cron, timezone }`.
#[derive(Debug, Clone)]
pub struct ScheduleDoc {
    /// The parsed cron pattern and zone.
    pub schedule: Schedule,
    /// Where the trigger is written.
    pub span: Span,
}

/// `trigger: api_endpoint:`.
#[derive(Debug, Clone, Default)]
pub struct ApiEndpointDoc {
    /// `alias:` — the URL name instead of the flow name.
    pub alias: Option<Spanned<String>>,
    /// `security:`.
    pub security: SecurityDoc,
    /// `accept: json` rejects bodies that are not JSON with 400.
    pub accept_json: bool,
    /// `dedupe:`.
    pub dedupe: Option<DedupeDoc>,
    /// `rate_limit:` — the most runs per second this endpoint starts.
    pub rate_limit: Option<RateLimitDoc>,
    /// `sync_timeout:` — how long a caller waits for a flow that does not close (default 60s).
    pub sync_timeout: Option<Duration>,
    /// Where the trigger is written.
    pub span: Span,
}

/// How callers of an endpoint prove who they are.
#[derive(Debug, Clone, Default)]
pub struct SecurityDoc {
    /// `client_token:` — compared with `x-api-client-token` or `?clientToken=`.
    pub client_token: Option<Secret>,
    /// `public: true` — anyone may call.
    pub public: bool,
    /// `hmac:` — a signature over the raw body.
    pub hmac: Option<HmacDoc>,
}

/// `security: hmac:` — HMAC-SHA256 over the raw body (or `timestamp.body`), or a known
/// sender's own scheme (`preset:`).
#[derive(Debug, Clone)]
pub struct HmacDoc {
    /// The shared secret.
    pub secret: Secret,
    /// `preset:` — a sender's own signature scheme; `header`, `prefix` and `timestamp_header`
    /// are then fixed by the preset (and may not be set).
    pub preset: Option<HmacPreset>,
    /// The header holding the signature (default `x-signature`).
    pub header: String,
    /// Text in front of the hex digest (default `sha256=`).
    pub prefix: String,
    /// A header holding a Unix timestamp that is signed too (`{timestamp}.{body}`).
    pub timestamp_header: Option<String>,
    /// How far the timestamp may be from now (default 5m).
    pub tolerance: Duration,
}

/// The signature schemes of real senders (`security: hmac: preset:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacPreset {
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body.
    Github,
    /// Slack: `X-Slack-Signature: v0=<hex>` over `v0:<X-Slack-Request-Timestamp>:<body>`.
    Slack,
    /// Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=…]` over `<t>.<body>`.
    Stripe,
    /// Standard Webhooks: `webhook-signature: v1,<base64> …` over `<id>.<timestamp>.<body>`,
    /// with a `whsec_<base64>` secret.
    StandardWebhooks,
}

impl HmacPreset {
    /// Every preset with its name in flow files.
    pub const ALL: [(&'static str, HmacPreset); 4] = [
        ("github", HmacPreset::Github),
        ("slack", HmacPreset::Slack),
        ("stripe", HmacPreset::Stripe),
        ("standard_webhooks", HmacPreset::StandardWebhooks),
    ];

    /// The name in flow files.
    pub fn name(self) -> &'static str {
        match self {
            HmacPreset::Github => "github",
            HmacPreset::Slack => "slack",
            HmacPreset::Stripe => "stripe",
            HmacPreset::StandardWebhooks => "standard_webhooks",
        }
    }
}

/// `dedupe:` — answer repeated deliveries with the first answer.
#[derive(Debug, Clone)]
pub struct DedupeDoc {
    /// A template giving the delivery's key, e.g. `{{ trigger.json.id }}`.
    pub key: Node,
    /// How long a key is remembered (default 24h).
    pub window: Duration,
}

/// `rate_limit:` — the most runs this endpoint starts per second.
#[derive(Debug, Clone)]
pub struct RateLimitDoc {
    /// Runs per second.
    pub per_second: f64,
    /// Runs allowed at once above the rate (default: the rate, at least 1).
    pub burst: u32,
}

/// `trigger: helper:`.
#[derive(Debug, Clone, Default)]
pub struct HelperDoc {
    /// Declared inputs and their types, in order.
    pub inputs: IndexMap<String, (Type, Span)>,
    /// Where the trigger is written.
    pub span: Span,
}

/// `history:` — what the store keeps of this flow's runs.
#[derive(Debug, Clone, Default)]
pub struct HistoryDoc {
    /// `save_data:` — keep step inputs and outputs (default true). False keeps metadata only.
    pub save_data: Option<bool>,
    /// `retention:` — how long runs are kept (default 30 days).
    pub retention: Option<Duration>,
}

/// What a failed step does to its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// The flow fails (default).
    #[default]
    Fail,
    /// The step's output becomes `{ error: {...} }` and the flow goes on.
    Continue,
}

/// `retry:` of a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryDoc {
    /// Total attempts, including the first.
    pub attempts: u32,
    /// The first wait; doubled after each attempt.
    pub backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

/// One step as written.
#[derive(Debug, Clone)]
pub struct StepDoc {
    /// `id:`.
    pub id: Spanned<String>,
    /// `card:`.
    pub card: Spanned<String>,
    /// `with:` — decoded later by the card.
    pub with: Option<Node>,
    /// `if:` — a condition template.
    pub condition: Option<Node>,
    /// `after:` — explicit ordering.
    pub after: Option<Spanned<Vec<Spanned<String>>>>,
    /// `retry:`.
    pub retry: Option<Spanned<RetryDoc>>,
    /// `timeout:` per attempt.
    pub timeout: Option<Spanned<Duration>>,
    /// `on_error:`.
    pub on_error: OnError,
    /// `description:`.
    pub description: Option<String>,
    /// The whole step.
    pub span: Span,
    /// The arms of blocks the step sits in, outermost first (empty at the top level).
    pub path: Vec<ArmRef>,
    /// Set on the steps a block generates (its guard and join).
    pub part: Option<BlockPart>,
}

const FLOW_KEYS: &[&str] = &["flow", "description", "trigger", "history", "steps"];
const STEP_KEYS: &[&str] = &[
    "id",
    "card",
    "with",
    "if",
    "after",
    "retry",
    "timeout",
    "on_error",
    "description",
];

impl FlowDoc {
    /// Parses and decodes a flow file. `None` when it is too broken to go on; the problems are in
    /// `diags` either way.
    pub fn parse(source: SourceId, text: &str, diags: &mut Diagnostics) -> Option<FlowDoc> {
        match parse_yaml(source, text) {
            Ok(root) => FlowDoc::decode(source, &root, diags),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    }

    /// Decodes a parsed YAML document.
    pub fn decode(source: SourceId, root: &Node, diags: &mut Diagnostics) -> Option<FlowDoc> {
        let f = fields(root, "a flow file", FLOW_KEYS, diags)?;
        let name = f.req_str("flow", diags);
        if let Some(n) = &name
            && !decode::is_flow_name(&n.value)
        {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(n.span),
                    format!("`{}` is not a valid flow name", n.value),
                )
                .with_help(
                    "use lower-case letters, digits and `-`, starting with a letter or digit",
                ),
            );
        }
        let description = f.opt_str("description", diags).map(|s| s.value);
        let trigger = f
            .required("trigger", diags)
            .and_then(|t| decode_trigger(t, diags));
        let history = f
            .get("history")
            .map(|h| decode_history(h, diags))
            .unwrap_or_default();
        let mut flat = Flat::default();
        if let Some(node) = f.required("steps", diags) {
            match node.as_seq() {
                Some(items) => decode_steps(items, &[], &mut flat, diags),
                None => diags.push(wrong_type(node, "`steps`", "a list of steps")),
            }
        }
        Some(FlowDoc {
            source,
            name: name?,
            description,
            trigger: trigger?,
            history,
            steps: flat.steps,
            blocks: flat.blocks,
            span: root.span,
        })
    }

    /// The declared helper inputs, when this is a helper flow.
    pub fn helper_inputs(&self) -> Option<&IndexMap<String, (Type, Span)>> {
        match &self.trigger {
            TriggerDoc::Helper(h) => Some(&h.inputs),
            TriggerDoc::ApiEndpoint(_) | TriggerDoc::OktaEventHook(_) | TriggerDoc::Schedule(_) => {
                None
            }
        }
    }
}

fn decode_trigger(node: &Node, diags: &mut Diagnostics) -> Option<TriggerDoc> {
    let f = fields(
        node,
        "`trigger`",
        &["api_endpoint", "helper", "okta_event_hook", "schedule"],
        diags,
    )?;
    let keys: Vec<&str> = f.keys().collect();
    match keys.as_slice() {
        ["api_endpoint"] => f
            .get("api_endpoint")
            .and_then(|n| decode_endpoint(n, diags))
            .map(|e| TriggerDoc::ApiEndpoint(Box::new(e))),
        ["helper"] => f
            .get("helper")
            .and_then(|n| decode_helper(n, diags))
            .map(TriggerDoc::Helper),
        ["okta_event_hook"] => f
            .get("okta_event_hook")
            .and_then(|n| decode_event_hook(n, diags))
            .map(|e| TriggerDoc::OktaEventHook(Box::new(e))),
        ["schedule"] => f
            .get("schedule")
            .and_then(|n| decode_schedule(n, diags))
            .map(|s| TriggerDoc::Schedule(Box::new(s))),
        [] => {
            diags.push(
                Diagnostic::error(
                    Code::MissingKey,
                    Some(node.span),
                    "`trigger` names no trigger",
                )
                .with_help("use `api_endpoint:`, `helper:`, `okta_event_hook:` or `schedule:`"),
            );
            None
        }
        _ => {
            diags.push(Diagnostic::error(
                Code::InvalidValue,
                Some(node.span),
                "a flow has exactly one trigger",
            ));
            None
        }
    }
}

fn decode_endpoint(node: &Node, diags: &mut Diagnostics) -> Option<ApiEndpointDoc> {
    // `api_endpoint:` with nothing under it is allowed syntax but needs `security`.
    let empty = Node {
        span: node.span,
        kind: crate::node::NodeKind::Map(Vec::new()),
    };
    let node_ref = if matches!(node.kind, crate::node::NodeKind::Null) {
        &empty
    } else {
        node
    };
    let f = fields(
        node_ref,
        "`api_endpoint`",
        &[
            "alias",
            "security",
            "accept",
            "dedupe",
            "rate_limit",
            "sync_timeout",
        ],
        diags,
    )?;
    let alias = f.opt_str("alias", diags);
    if let Some(a) = &alias
        && !decode::is_flow_name(&a.value)
    {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                Some(a.span),
                format!("`{}` is not a valid alias", a.value),
            )
            .with_help("use lower-case letters, digits and `-`"),
        );
    }
    let security = match f.get("security") {
        Some(s) => decode_security(s, diags).unwrap_or_default(),
        None => {
            diags.push(
                Diagnostic::error(Code::MissingKey, Some(node.span), "`api_endpoint` is missing `security`")
                    .with_help("add `security: { client_token: ${env:NAME} }`, an `hmac:` signature, or `public: true`"),
            );
            SecurityDoc::default()
        }
    };
    let accept_json = match f.opt_str("accept", diags) {
        Some(a) if a.value == "json" => true,
        Some(a) if a.value == "any" => false,
        Some(a) => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(a.span),
                    format!("unknown `accept: {}`", a.value),
                )
                .with_help("use `json` or `any`"),
            );
            false
        }
        None => false,
    };
    let dedupe = f.get("dedupe").and_then(|d| {
        let g = fields(d, "`dedupe`", &["key", "window"], diags)?;
        let key = g.required("key", diags)?.clone();
        let window = g
            .opt_duration("window", diags)
            .map_or(Duration::from_secs(86400), |w| w.value);
        Some(DedupeDoc { key, window })
    });
    let rate_limit = f.get("rate_limit").and_then(|r| {
        let g = fields(r, "`rate_limit`", &["per_second", "burst"], diags)?;
        let per_second = match g.required("per_second", diags)?.kind {
            crate::node::NodeKind::Int(i) if i > 0 => i as f64,
            crate::node::NodeKind::Float(x) if x > 0.0 && x.is_finite() => x,
            _ => {
                diags.push(Diagnostic::error(
                    Code::InvalidValue,
                    g.get("per_second").map(|n| n.span),
                    "`per_second` must be a number above 0",
                ));
                return None;
            }
        };
        let burst = g
            .opt_u64("burst", 1, 1_000_000, diags)
            .map_or((per_second.ceil() as u32).max(1), |b| b.value as u32);
        Some(RateLimitDoc { per_second, burst })
    });
    let sync_timeout = f.opt_duration("sync_timeout", diags).map(|d| d.value);
    Some(ApiEndpointDoc {
        alias,
        security,
        accept_json,
        dedupe,
        rate_limit,
        sync_timeout,
        span: node.span,
    })
}

fn decode_security(node: &Node, diags: &mut Diagnostics) -> Option<SecurityDoc> {
    let f = fields(
        node,
        "`security`",
        &["client_token", "public", "hmac"],
        diags,
    )?;
    let client_token = f
        .opt_str("client_token", diags)
        .map(|s| Secret::new(s.value, s.span));
    let public = f.opt_bool("public", diags).is_some_and(|b| b.value);
    let hmac = f.get("hmac").and_then(|h| decode_hmac(h, diags));
    if public && (client_token.is_some() || hmac.is_some()) {
        diags.push(Diagnostic::error(
            Code::InvalidValue,
            Some(node.span),
            "`public: true` cannot be combined with `client_token` or `hmac`",
        ));
    }
    if !public && client_token.is_none() && hmac.is_none() {
        diags.push(
            Diagnostic::error(
                Code::MissingKey,
                Some(node.span),
                "`security` allows nobody",
            )
            .with_help("set `client_token`, `hmac`, or `public: true`"),
        );
    }
    Some(SecurityDoc {
        client_token,
        public,
        hmac,
    })
}

fn decode_hmac(node: &Node, diags: &mut Diagnostics) -> Option<HmacDoc> {
    let f = fields(
        node,
        "`hmac`",
        &[
            "preset",
            "secret",
            "header",
            "prefix",
            "timestamp_header",
            "tolerance",
        ],
        diags,
    )?;
    let preset = match f.opt_str("preset", diags) {
        Some(p) => match HmacPreset::ALL.iter().find(|(n, _)| *n == p.value) {
            Some((_, preset)) => {
                for key in ["header", "prefix", "timestamp_header"] {
                    if let Some(span) = f.key_span(key) {
                        diags.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                Some(span),
                                format!("`{key}` cannot be set with `preset: {}`", p.value),
                            )
                            .with_help("the preset fixes the sender's headers; remove this key"),
                        );
                    }
                }
                Some(*preset)
            }
            None => {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        Some(p.span),
                        format!("`{}` is not an HMAC preset", p.value),
                    )
                    .with_help("use one of: github, slack, stripe, standard_webhooks"),
                );
                // Reported; decoding goes on so the block is not also "allows nobody".
                None
            }
        },
        None => None,
    };
    let secret = f
        .req_str("secret", diags)
        .map(|s| Secret::new(s.value, s.span))?;
    Some(HmacDoc {
        secret,
        preset,
        header: f.opt_str("header", diags).map_or_else(
            || "x-signature".to_string(),
            |s| s.value.to_ascii_lowercase(),
        ),
        prefix: f
            .opt_str("prefix", diags)
            .map_or_else(|| "sha256=".to_string(), |s| s.value),
        timestamp_header: f
            .opt_str("timestamp_header", diags)
            .map(|s| s.value.to_ascii_lowercase()),
        tolerance: f
            .opt_duration("tolerance", diags)
            .map_or(Duration::from_secs(300), |d| d.value),
    })
}

fn decode_event_hook(node: &Node, diags: &mut Diagnostics) -> Option<EventHookDoc> {
    let f = fields(node, "`okta_event_hook`", &["events", "security"], diags)?;
    let events = match f.opt_str_list("events", diags) {
        Some(list) if list.value.is_empty() => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(list.span),
                    "`events` lists no event type",
                )
                .with_help(
                    "list the Okta event types that start a run, e.g. `[user.lifecycle.create]`",
                ),
            );
            Vec::new()
        }
        Some(list) => list.value,
        None => {
            if f.get("events").is_none() {
                diags.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        Some(node.span),
                        "`okta_event_hook` is missing `events`",
                    )
                    .with_help("list the Okta event types that start a run, e.g. `events: [user.lifecycle.create]`"),
                );
            }
            Vec::new()
        }
    };
    for e in &events {
        let valid = !e.value.is_empty()
            && e.value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
        if !valid {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(e.span),
                    format!("`{}` is not an Okta event type", e.value),
                )
                .with_help("Okta event types are lower-case words joined by `.`, e.g. `group.user_membership.add`"),
            );
        }
    }
    let Some(sec) = f.get("security") else {
        diags.push(
            Diagnostic::error(
                Code::MissingKey,
                Some(node.span),
                "`okta_event_hook` is missing `security`",
            )
            .with_help("add `security: { secret: ${env:OKTA_HOOK_SECRET} }`: the authentication header value registered with the hook"),
        );
        return None;
    };
    let g = fields(sec, "`security`", &["header", "secret"], diags)?;
    let header = g.opt_str("header", diags).map_or_else(
        || "authorization".to_string(),
        |h| h.value.to_ascii_lowercase(),
    );
    let secret = g
        .req_str("secret", diags)
        .map(|s| Secret::new(s.value, s.span))?;
    Some(EventHookDoc {
        events,
        header,
        secret,
        span: node.span,
    })
}

fn decode_schedule(node: &Node, diags: &mut Diagnostics) -> Option<ScheduleDoc> {
    let f = fields(node, "`schedule`", &["cron", "timezone"], diags)?;
    let cron = f.req_str("cron", diags);
    let zone = f.opt_str("timezone", diags);
    let cron = cron?;
    match Schedule::parse(&cron.value, zone.as_ref().map(|z| z.value.as_str())) {
        Ok(schedule) => Some(ScheduleDoc {
            schedule,
            span: node.span,
        }),
        Err(e) => {
            let (span, help) = match &e {
                crate::schedule::ScheduleError::Cron { .. } => (
                    cron.span,
                    "five fields `minute hour day month weekday` (e.g. `0 9 * * MON-FRI`), or six with seconds first",
                ),
                crate::schedule::ScheduleError::Zone(_) => (
                    zone.as_ref().map_or(cron.span, |z| z.span),
                    "use an IANA time zone name such as `Europe/Berlin`, `America/New_York` or `UTC`",
                ),
            };
            diags.push(
                Diagnostic::error(Code::InvalidValue, Some(span), e.to_string()).with_help(help),
            );
            None
        }
    }
}

fn decode_helper(node: &Node, diags: &mut Diagnostics) -> Option<HelperDoc> {
    if matches!(node.kind, crate::node::NodeKind::Null) {
        return Some(HelperDoc {
            inputs: IndexMap::new(),
            span: node.span,
        });
    }
    let f = fields(node, "`helper`", &["inputs"], diags)?;
    let mut inputs = IndexMap::new();
    if let Some(decl) = f.get("inputs") {
        match decl.as_map() {
            Some(entries) => {
                for (k, v) in entries {
                    let Some(name) = text(k, "an input name", diags) else {
                        continue;
                    };
                    if !decode::is_identifier(&name.value) {
                        diags.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                Some(name.span),
                                format!("`{}` is not a valid input name", name.value),
                            )
                            .with_help(
                                "use lower-case letters, digits and `_`, starting with a letter",
                            ),
                        );
                        continue;
                    }
                    let Some(ty) = text(v, &format!("the type of input `{}`", name.value), diags)
                    else {
                        continue;
                    };
                    match Type::parse(&ty.value) {
                        Ok(t) => {
                            inputs.insert(name.value, (t, name.span));
                        }
                        Err(e) => diags.push(
                            Diagnostic::error(Code::InvalidValue, Some(ty.span), e.to_string())
                                .with_help_opt(crate::suggest::hint(
                                    &ty.value,
                                    Type::NAMES.iter().copied(),
                                )),
                        ),
                    }
                }
            }
            None if matches!(decl.kind, crate::node::NodeKind::Null) => {}
            None => diags.push(wrong_type(decl, "`inputs`", "a mapping of names to types")),
        }
    }
    Some(HelperDoc {
        inputs,
        span: node.span,
    })
}

fn decode_history(node: &Node, diags: &mut Diagnostics) -> HistoryDoc {
    let Some(f) = fields(node, "`history`", &["save_data", "retention"], diags) else {
        return HistoryDoc::default();
    };
    HistoryDoc {
        save_data: f.opt_bool("save_data", diags).map(|b| b.value),
        retention: f.opt_duration("retention", diags).map(|d| d.value),
    }
}

/// Decodes one step that is not a block.
pub(crate) fn decode_step(node: &Node, diags: &mut Diagnostics) -> Option<StepDoc> {
    let f = fields(node, "a step", STEP_KEYS, diags)?;
    let id = f.req_str("id", diags);
    if let Some(id) = &id
        && !decode::is_identifier(&id.value)
    {
        diags.push(
            Diagnostic::error(Code::InvalidValue, Some(id.span), format!("`{}` is not a valid step id", id.value))
                .with_help("use lower-case letters, digits and `_`, starting with a letter or `_` (templates read it as `{{ id.field }}`)"),
        );
    }
    let card = f.req_str("card", diags);
    let on_error = match f.opt_str("on_error", diags) {
        Some(s) if s.value == "fail" => OnError::Fail,
        Some(s) if s.value == "continue" => OnError::Continue,
        Some(s) => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(s.span),
                    format!("unknown `on_error: {}`", s.value),
                )
                .with_help("use `fail` or `continue`"),
            );
            OnError::Fail
        }
        None => OnError::Fail,
    };
    let retry = f.get("retry").and_then(|r| decode_retry(r, diags));
    let timeout = f.opt_duration("timeout", diags);
    if let Some(t) = &timeout
        && t.value.is_zero()
    {
        diags.push(Diagnostic::error(
            Code::InvalidValue,
            Some(t.span),
            "`timeout` must be above 0",
        ));
    }
    Some(StepDoc {
        id: id?,
        card: card?,
        with: f.get("with").cloned(),
        condition: f.get("if").cloned(),
        after: f.opt_str_list("after", diags),
        retry,
        timeout,
        on_error,
        description: f.opt_str("description", diags).map(|s| s.value),
        span: node.span,
        path: Vec::new(),
        part: None,
    })
}

fn decode_retry(node: &Node, diags: &mut Diagnostics) -> Option<Spanned<RetryDoc>> {
    let f: Fields<'_> = fields(
        node,
        "`retry`",
        &["attempts", "backoff", "max_backoff"],
        diags,
    )?;
    let attempts = f
        .opt_u64("attempts", 1, 100, diags)
        .map_or(3, |a| a.value as u32);
    let backoff = f
        .opt_duration("backoff", diags)
        .map_or(Duration::from_secs(1), |d| d.value);
    let max_backoff = f
        .opt_duration("max_backoff", diags)
        .map_or(Duration::from_secs(30), |d| d.value);
    Some(Spanned::new(
        RetryDoc {
            attempts,
            backoff,
            max_backoff: max_backoff.max(backoff),
        },
        node.span,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> (Option<FlowDoc>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let doc = FlowDoc::parse(SourceId(0), text, &mut diags);
        (doc, diags)
    }

    #[test]
    fn decodes_a_helper_flow() {
        let (doc, diags) = decode(
            "flow: demo-dispatcher\ntrigger:\n  helper:\n    inputs:\n      email: text\nsteps:\n  - id: user\n    card: okta.read_user\n    with: { connection: okta, user: \"{{ inputs.email }}\" }\n    retry: { attempts: 5 }\n    on_error: continue\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let doc = doc.unwrap();
        assert_eq!(doc.name.value, "demo-dispatcher");
        assert_eq!(doc.helper_inputs().unwrap()["email"].0, Type::Text);
        assert_eq!(doc.steps[0].retry.as_ref().unwrap().value.attempts, 5);
        assert_eq!(doc.steps[0].on_error, OnError::Continue);
    }

    #[test]
    fn reports_all_problems() {
        let (_, diags) = decode(
            "flow: Bad_Name\ntrigger:\n  api_endpoint:\n    security: {}\nsteps:\n  - id: 1x\n    card: json.parse\n    on_eror: continue\n  - card: x\n",
        );
        let codes: Vec<Code> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            vec![
                Code::InvalidValue,
                Code::MissingKey,
                Code::UnknownKey,
                Code::InvalidValue,
                Code::MissingKey
            ]
        );
    }

    #[test]
    fn endpoint_options() {
        let (doc, diags) = decode(
            "flow: hook\ntrigger:\n  api_endpoint:\n    alias: my-hook\n    accept: json\n    security:\n      hmac: { secret: \"${env:S}\", timestamp_header: X-Ts }\n    dedupe: { key: \"{{ trigger.json.id }}\", window: 1h }\n    rate_limit: { per_second: 10 }\nsteps: []\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let TriggerDoc::ApiEndpoint(ep) = doc.unwrap().trigger else {
            panic!()
        };
        assert!(ep.accept_json);
        assert_eq!(ep.alias.unwrap().value, "my-hook");
        let h = ep.security.hmac.unwrap();
        assert_eq!(h.prefix, "sha256=");
        assert_eq!(h.timestamp_header.as_deref(), Some("x-ts"));
        assert_eq!(ep.dedupe.unwrap().window, Duration::from_secs(3600));
        assert_eq!(ep.rate_limit.unwrap().burst, 10);
    }

    #[test]
    fn hmac_presets() {
        for (name, preset) in HmacPreset::ALL {
            let (doc, diags) = decode(&format!(
                "flow: hook\ntrigger:\n  api_endpoint:\n    security:\n      hmac: {{ preset: {name}, secret: \"${{env:S}}\" }}\nsteps: []\n"
            ));
            assert!(diags.is_empty(), "{name}: {diags:?}");
            let TriggerDoc::ApiEndpoint(ep) = doc.unwrap().trigger else {
                panic!()
            };
            assert_eq!(ep.security.hmac.unwrap().preset, Some(preset));
            assert_eq!(preset.name(), name);
        }
        let (_, diags) = decode(
            "flow: hook\ntrigger:\n  api_endpoint:\n    security:\n      hmac: { preset: gitlab, secret: x }\nsteps: []\n",
        );
        let got: Vec<(Code, String)> = diags.iter().map(|d| (d.code, d.message.clone())).collect();
        assert_eq!(
            got,
            vec![(
                Code::InvalidValue,
                "`gitlab` is not an HMAC preset".to_string()
            )]
        );
        let (_, diags) = decode(
            "flow: hook\ntrigger:\n  api_endpoint:\n    security:\n      hmac: { preset: github, header: X-Sig, secret: x }\nsteps: []\n",
        );
        let got: Vec<(Code, String)> = diags.iter().map(|d| (d.code, d.message.clone())).collect();
        assert_eq!(
            got,
            vec![(
                Code::InvalidValue,
                "`header` cannot be set with `preset: github`".to_string()
            )]
        );
    }

    #[test]
    fn okta_event_hook_trigger() {
        let (doc, diags) = decode(
            "flow: hook\ntrigger:\n  okta_event_hook:\n    events: [user.lifecycle.create, group.user_membership.add]\n    security: { header: X-Hook-Auth, secret: \"${env:S}\" }\nsteps: []\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let doc = doc.unwrap();
        assert_eq!(doc.trigger.kind(), "okta_event_hook");
        let TriggerDoc::OktaEventHook(h) = doc.trigger else {
            panic!()
        };
        let events: Vec<&str> = h.events.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(
            events,
            ["user.lifecycle.create", "group.user_membership.add"]
        );
        assert_eq!(h.header, "x-hook-auth");

        let (_, diags) = decode(
            "flow: hook\ntrigger:\n  okta_event_hook:\n    events: [User.Created]\nsteps: []\n",
        );
        let got: Vec<(Code, String)> = diags.iter().map(|d| (d.code, d.message.clone())).collect();
        assert_eq!(
            got,
            vec![
                (
                    Code::InvalidValue,
                    "`User.Created` is not an Okta event type".to_string()
                ),
                (
                    Code::MissingKey,
                    "`okta_event_hook` is missing `security`".to_string()
                ),
            ]
        );
    }

    #[test]
    fn schedule_trigger_and_its_errors_point_at_the_value() {
        let (doc, diags) = decode(
            "flow: nightly\ntrigger:\n  schedule: { cron: \"0 9 * * MON-FRI\", timezone: Europe/Berlin }\nsteps: []\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let TriggerDoc::Schedule(s) = doc.unwrap().trigger else {
            panic!()
        };
        assert_eq!(s.schedule.zone_name, "Europe/Berlin");

        let text = "flow: nightly\ntrigger:\n  schedule: { cron: \"0 25 * * *\", timezone: Europe/Berlin }\nsteps: []\n";
        let (_, diags) = decode(text);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.code, Code::InvalidValue);
        assert!(
            d.message.starts_with("`0 25 * * *` is not a cron pattern"),
            "{}",
            d.message
        );
        let span = d.span.unwrap();
        assert_eq!(
            &text[span.start as usize..span.end as usize],
            "\"0 25 * * *\""
        );

        let text = "flow: nightly\ntrigger:\n  schedule: { cron: \"0 9 * * *\", timezone: Mars/Olympus }\nsteps: []\n";
        let (_, diags) = decode(text);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.message, "`Mars/Olympus` is not a known time zone");
        let span = d.span.unwrap();
        assert_eq!(
            &text[span.start as usize..span.end as usize],
            "Mars/Olympus"
        );
    }
}
