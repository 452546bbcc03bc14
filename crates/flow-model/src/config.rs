//! `flowctl.yaml`: where flows live, the connections they use, server and store settings, and
//! `${env:NAME}` references that keep secrets out of files.

use crate::decode::{Spanned, fields, text, wrong_type};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::node::{Node, NodeKind, parse_yaml};
use crate::span::{SourceId, Span};
use indexmap::IndexMap;
use std::fmt;
use std::time::Duration;

/// The project settings. Every field has a default, so a project needs no `flowctl.yaml`.
#[derive(Debug, Clone)]
pub struct ProjectConfig {
    /// The file, when there is one.
    pub source: Option<SourceId>,
    /// `flows:` — the directory of flow files, relative to the config file (default `flows`).
    pub flows: String,
    /// `connections:` by name.
    pub connections: IndexMap<String, ConnectionDoc>,
    /// `server:`.
    pub server: ServerDoc,
    /// `store:` — `sqlite://PATH` (default `sqlite://.flowctl/state.db`), `postgres://…` or
    /// `none`.
    pub store: String,
    /// `limits:` on what a run may hold.
    pub limits: LimitsDoc,
    /// `tables:` kept in the store, by name.
    pub tables: crate::tables::Tables,
}

/// `limits:` — ceilings on a run's memory and record, so one flow cannot exhaust the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitsDoc {
    /// `max_value:` the largest value (a step's output, a template's text) in bytes of JSON
    /// (default 16 MiB).
    pub max_value: u64,
    /// `max_record:` the largest execution record of one run, in bytes of JSON (default
    /// 256 MiB: room for several steps that each keep a copy of a 10 MB input).
    pub max_record: u64,
    /// `item_records:` how many helper runs of a list step (`list.for_each`, `list.map`) keep
    /// their whole record; later items are only counted (default 100).
    pub item_records: u64,
}

impl Default for LimitsDoc {
    fn default() -> Self {
        LimitsDoc {
            max_value: 16 << 20,
            max_record: 256 << 20,
            item_records: 100,
        }
    }
}

const LIMITS_KEYS: &[&str] = &["max_value", "max_record", "item_records"];

impl LimitsDoc {
    /// Decodes a `limits:` block over the defaults.
    pub fn decode(node: &Node, diags: &mut Diagnostics) -> LimitsDoc {
        let mut limits = LimitsDoc::default();
        let Some(f) = fields(node, "`limits`", LIMITS_KEYS, diags) else {
            return limits;
        };
        if let Some(v) = f.opt_size("max_value", diags) {
            limits.max_value = v.value;
        }
        if let Some(v) = f.opt_size("max_record", diags) {
            limits.max_record = v.value;
        }
        if let Some(v) = f.opt_u64("item_records", 0, 1_000_000, diags) {
            limits.item_records = v.value;
        }
        limits
    }
}

impl Default for ProjectConfig {
    fn default() -> Self {
        ProjectConfig {
            source: None,
            flows: "flows".into(),
            connections: IndexMap::new(),
            server: ServerDoc::default(),
            store: "sqlite://.flowctl/state.db".into(),
            limits: LimitsDoc::default(),
            tables: crate::tables::Tables::new(),
        }
    }
}

/// One connection: its kind and the kind's settings, decoded by the connector that owns it.
#[derive(Debug, Clone)]
pub struct ConnectionDoc {
    /// The name flows use (`connection: okta`).
    pub name: String,
    /// `kind:` — `okta`, `slack`, `slack_webhook` or `http`.
    pub kind: Spanned<String>,
    /// The whole mapping, `kind` included.
    pub node: Node,
}

/// `server:` settings of `flowctl serve`.
#[derive(Debug, Clone)]
pub struct ServerDoc {
    /// `listen:` (default `127.0.0.1:8080`).
    pub listen: String,
    /// `max_body:` in bytes (default 1 MiB).
    pub max_body: u64,
    /// `max_in_flight:` runs executing at once; accepted events beyond them are queued
    /// (default 256).
    pub max_in_flight: u64,
    /// `max_queue:` accepted events waiting for a run slot before answering 503 (default:
    /// `None`, which the server reads as 100,000 with a store and 10,000 without).
    pub max_queue: Option<u64>,
    /// `header_timeout:` to receive request headers (default 10s).
    pub header_timeout: Duration,
    /// `body_timeout:` to receive the body (default 30s).
    pub body_timeout: Duration,
    /// `sync_timeout:` default for flows that do not close (default 60s).
    pub sync_timeout: Duration,
    /// `shutdown_grace:` to let runs finish on SIGTERM (default 30s).
    pub shutdown_grace: Duration,
    /// `max_unauthenticated_reads:` bodies of unauthenticated requests (HMAC and public
    /// endpoints) read at once per endpoint before answering 503 (default 64).
    pub max_unauthenticated_reads: u64,
    /// `max_unauthenticated_reads_per_client:` of those, bodies read at once per client address
    /// (IPv6 by /64) before answering 429 (default 8).
    pub max_unauthenticated_reads_per_client: u64,
    /// `console: { token: … }`: the web console at `/console/` is served when set, to those
    /// who sign in with this token (at least 16 characters; usually `${env:…}`).
    pub console_token: Option<Secret>,
}

impl Default for ServerDoc {
    fn default() -> Self {
        ServerDoc {
            listen: "127.0.0.1:8080".into(),
            max_body: 1 << 20,
            max_in_flight: 256,
            max_queue: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            sync_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(30),
            max_unauthenticated_reads: 64,
            max_unauthenticated_reads_per_client: 8,
            console_token: None,
        }
    }
}

/// A configured value that may hold `${env:NAME}` (or `${env:NAME:-default}`) and must never be
/// printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq)]
pub struct Secret {
    raw: String,
    /// Where it is written.
    pub span: Span,
}

impl Secret {
    /// Wraps the text as written.
    pub fn new(raw: impl Into<String>, span: Span) -> Self {
        Secret {
            raw: raw.into(),
            span,
        }
    }

    /// Resolves the `${env:…}` references with `lookup`.
    pub fn resolve(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, MissingEnv> {
        expand_env(&self.raw, lookup)
    }

    /// The names of the environment variables it reads.
    pub fn env_names(&self) -> Vec<String> {
        env_refs(&self.raw).into_iter().map(|r| r.name).collect()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// An environment variable that a value needs is not set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable `{name}` is not set")]
pub struct MissingEnv {
    /// The variable.
    pub name: String,
}

struct EnvRef {
    start: usize,
    end: usize,
    name: String,
    default: Option<String>,
}

fn env_refs(text: &str) -> Vec<EnvRef> {
    let mut refs = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find("${env:") {
        let start = from + pos;
        let Some(close) = text[start..].find('}') else {
            break;
        };
        let end = start + close + 1;
        let body = &text[start + 6..end - 1];
        let (name, default) = match body.split_once(":-") {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (body, None),
        };
        refs.push(EnvRef {
            start,
            end,
            name: name.trim().to_string(),
            default,
        });
        from = end;
    }
    refs
}

/// Replaces `${env:NAME}` and `${env:NAME:-default}` in `text`.
pub fn expand_env(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, MissingEnv> {
    let refs = env_refs(text);
    if refs.is_empty() {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in refs {
        out.push_str(&text[last..r.start]);
        match (lookup(&r.name).filter(|v| !v.is_empty()), r.default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(&d),
            (None, None) => return Err(MissingEnv { name: r.name }),
        }
        last = r.end;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// Looks a variable up in the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

const CONFIG_KEYS: &[&str] = &[
    "flows",
    "connections",
    "server",
    "store",
    "limits",
    "tables",
];
const SERVER_KEYS: &[&str] = &[
    "listen",
    "max_body",
    "max_in_flight",
    "max_queue",
    "header_timeout",
    "body_timeout",
    "sync_timeout",
    "shutdown_grace",
    "max_unauthenticated_reads",
    "max_unauthenticated_reads_per_client",
    "console",
];

/// The shortest console token accepted: it is all that stands between the network and every
/// run's data.
pub const CONSOLE_TOKEN_MIN: usize = 16;

impl ProjectConfig {
    /// Parses and decodes `flowctl.yaml`, resolving `${env:…}` from the process environment;
    /// problems go to `diags` and defaults fill their place.
    pub fn parse(source: SourceId, text: &str, diags: &mut Diagnostics) -> ProjectConfig {
        Self::parse_with_env(source, text, &process_env, diags)
    }

    /// [`ProjectConfig::parse`] with the environment given as `env`.
    ///
    /// `${env:NAME}` and `${env:NAME:-default}` are replaced in every text value outside
    /// `connections:` before it is decoded (so `listen: ${env:ADDR}` and
    /// `max_in_flight: ${env:N}` work); a variable that is not set is an error (E0302) at the
    /// value. Connection settings keep their references: they are resolved (and may be
    /// secrets) only when a flow that uses the connection runs.
    pub fn parse_with_env(
        source: SourceId,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
        diags: &mut Diagnostics,
    ) -> ProjectConfig {
        let mut config = ProjectConfig {
            source: Some(source),
            ..ProjectConfig::default()
        };
        let mut root = match parse_yaml(source, text) {
            Ok(root) => root,
            Err(d) => {
                diags.push(d);
                return config;
            }
        };
        if let NodeKind::Map(entries) = &mut root.kind {
            entries.retain_mut(|(k, v)| match k.as_str() {
                Some(key) if key != "connections" => {
                    let path = key.to_string();
                    expand_node(v, &path, env, diags)
                }
                _ => true,
            });
        }
        if matches!(root.kind, NodeKind::Null) {
            return config;
        }
        let Some(f) = fields(&root, "flowctl.yaml", CONFIG_KEYS, diags) else {
            return config;
        };
        if let Some(dir) = f.opt_str("flows", diags) {
            config.flows = dir.value;
        }
        if let Some(store) = f.opt_str("store", diags) {
            let known = ["sqlite://", "postgres://", "postgresql://"];
            if store.value == "none" || known.iter().any(|k| store.value.starts_with(k)) {
                config.store = store.value;
            } else {
                // Only the scheme: the rest may hold a password set through the environment.
                let scheme = store
                    .value
                    .split_once("://")
                    .map_or("(no scheme)", |(scheme, _)| scheme);
                diags.push(
                    Diagnostic::error(
                        Code::Config,
                        Some(store.span),
                        format!("unsupported store (scheme `{scheme}`)"),
                    )
                    .with_help("use `sqlite://PATH`, `postgres://USER@HOST:PORT/DB` or `none`"),
                );
            }
        }
        if let Some(conns) = f.get("connections") {
            decode_connections(conns, &mut config, diags);
        }
        if let Some(server) = f.get("server") {
            decode_server(server, &mut config.server, diags);
        }
        if let Some(limits) = f.get("limits") {
            config.limits = LimitsDoc::decode(limits, diags);
        }
        if let Some(tables) = f.get("tables") {
            config.tables = crate::tables::decode_tables(tables, diags);
        }
        config
    }
}

/// Replaces `${env:…}` in every text value under `node` (`path` names it in messages). A value
/// that was only a reference and now reads as a number or a boolean becomes one, as if it had
/// been written there. Returns false when a variable is missing (the error is reported and the
/// value should be dropped, so no second error is reported about it).
fn expand_node(
    node: &mut Node,
    path: &str,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diagnostics,
) -> bool {
    match &mut node.kind {
        NodeKind::Str(raw) => {
            if env_refs(raw).is_empty() {
                return true;
            }
            match expand_env(raw, env) {
                Ok(value) => {
                    node.kind = if let Ok(i) = value.trim().parse::<i64>() {
                        NodeKind::Int(i)
                    } else if let Ok(b) = value.trim().parse::<bool>() {
                        NodeKind::Bool(b)
                    } else {
                        NodeKind::Str(value)
                    };
                    true
                }
                Err(missing) => {
                    diags.push(
                        Diagnostic::error(
                            Code::MissingEnv,
                            Some(node.span),
                            format!(
                                "environment variable `{}` is not set (read by `{path}`)",
                                missing.name
                            ),
                        )
                        .with_help(format!(
                            "set {}, or give a default: `${{env:{}:-VALUE}}`",
                            missing.name, missing.name
                        )),
                    );
                    false
                }
            }
        }
        NodeKind::Seq(items) => {
            let mut i = 0;
            items.retain_mut(|item| {
                i += 1;
                expand_node(item, &format!("{path}[{}]", i - 1), env, diags)
            });
            true
        }
        NodeKind::Map(entries) => {
            entries.retain_mut(|(k, v)| {
                let name = crate::node::key_text(k);
                expand_node(v, &format!("{path}.{name}"), env, diags)
            });
            true
        }
        NodeKind::Null | NodeKind::Bool(_) | NodeKind::Int(_) | NodeKind::Float(_) => true,
    }
}

fn decode_connections(node: &Node, config: &mut ProjectConfig, diags: &mut Diagnostics) {
    if matches!(node.kind, NodeKind::Null) {
        return;
    }
    let Some(entries) = node.as_map() else {
        diags.push(wrong_type(
            node,
            "`connections`",
            "a mapping of names to connections",
        ));
        return;
    };
    for (k, v) in entries {
        let Some(name) = text(k, "a connection name", diags) else {
            continue;
        };
        if !crate::decode::is_identifier(&name.value) {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(name.span),
                    format!("`{}` is not a valid connection name", name.value),
                )
                .with_help("use lower-case letters, digits and `_`"),
            );
            continue;
        }
        let Some(kind_node) = v.get("kind") else {
            diags.push(match v.as_map() {
                Some(_) => Diagnostic::error(
                    Code::MissingKey,
                    Some(v.span),
                    format!("connection `{}` is missing `kind`", name.value),
                )
                .with_help("use `kind: okta`, `slack`, `slack_webhook` or `http`"),
                None => wrong_type(v, &format!("connection `{}`", name.value), "a mapping"),
            });
            continue;
        };
        let Some(kind) = text(kind_node, "`kind`", diags) else {
            continue;
        };
        config.connections.insert(
            name.value.clone(),
            ConnectionDoc {
                name: name.value,
                kind,
                node: v.clone(),
            },
        );
    }
}

fn decode_server(node: &Node, server: &mut ServerDoc, diags: &mut Diagnostics) {
    let Some(f) = fields(node, "`server`", SERVER_KEYS, diags) else {
        return;
    };
    if let Some(listen) = f.opt_str("listen", diags) {
        if listen.value.parse::<std::net::SocketAddr>().is_err() {
            diags.push(
                Diagnostic::error(
                    Code::Config,
                    Some(listen.span),
                    format!("`{}` is not an address", listen.value),
                )
                .with_help("write it as IP:PORT, e.g. 127.0.0.1:8080"),
            );
        } else {
            server.listen = listen.value;
        }
    }
    if let Some(v) = f.opt_size("max_body", diags) {
        server.max_body = v.value;
    }
    if let Some(v) = f.opt_u64("max_in_flight", 1, 1_000_000, diags) {
        server.max_in_flight = v.value;
    }
    if let Some(v) = f.opt_u64("max_queue", 1, 100_000_000, diags) {
        server.max_queue = Some(v.value);
    }
    if let Some(v) = f.opt_u64("max_unauthenticated_reads", 1, 1_000_000, diags) {
        server.max_unauthenticated_reads = v.value;
    }
    if let Some(v) = f.opt_u64("max_unauthenticated_reads_per_client", 1, 1_000_000, diags) {
        server.max_unauthenticated_reads_per_client = v.value;
    }
    if let Some(console) = f.get("console")
        && let Some(c) = fields(console, "`server.console`", &["token"], diags)
        && let Some(token) = c.req_str("token", diags)
    {
        if token.value.chars().count() < CONSOLE_TOKEN_MIN {
            diags.push(
                Diagnostic::error(
                    Code::Config,
                    Some(token.span),
                    format!("the console token is shorter than {CONSOLE_TOKEN_MIN} characters"),
                )
                .with_help("use a long random value from the environment: `${env:CONSOLE_TOKEN}`"),
            );
        } else {
            server.console_token = Some(Secret::new(token.value, token.span));
        }
    }
    let durations: [(&str, &mut Duration); 4] = [
        ("header_timeout", &mut server.header_timeout),
        ("body_timeout", &mut server.body_timeout),
        ("sync_timeout", &mut server.sync_timeout),
        ("shutdown_grace", &mut server.shutdown_grace),
    ];
    for (key, slot) in durations {
        if let Some(d) = f.opt_duration(key, diags) {
            *slot = d.value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_expansion() {
        let env = |n: &str| (n == "A").then(|| "1".to_string());
        assert_eq!(expand_env("x${env:A}y", &env), Ok("x1y".into()));
        assert_eq!(expand_env("${env:B:-dflt}", &env), Ok("dflt".into()));
        assert_eq!(
            expand_env("${env:B}", &env),
            Err(MissingEnv { name: "B".into() })
        );
        assert_eq!(expand_env("plain", &env), Ok("plain".into()));
        let s = Secret::new("${env:A}", Span::default());
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.env_names(), vec!["A".to_string()]);
    }

    #[test]
    fn decodes_config() {
        let mut diags = Diagnostics::new();
        let c = ProjectConfig::parse(
            SourceId(0),
            "flows: flows\nconnections:\n  okta:\n    kind: okta\n    org_url: ${env:OKTA_ORG_URL}\nserver:\n  listen: 127.0.0.1:9000\n  max_body: 2MiB\n  lisen: x\n",
            &mut diags,
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags.iter().next().unwrap().code, Code::UnknownKey);
        assert_eq!(c.connections["okta"].kind.value, "okta");
        assert_eq!(c.server.listen, "127.0.0.1:9000");
        assert_eq!(c.server.max_body, 2 << 20);
    }

    fn parse_env(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> (ProjectConfig, Vec<Diagnostic>) {
        let mut diags = Diagnostics::new();
        let c = ProjectConfig::parse_with_env(SourceId(0), text, env, &mut diags);
        (c, diags.into_vec())
    }

    #[test]
    fn env_in_every_text_value() {
        let env = |n: &str| match n {
            "ADDR" => Some("0.0.0.0:9001".to_string()),
            "DB" => Some("sqlite:///tmp/x.db".to_string()),
            "DIR" => Some("more-flows".to_string()),
            "N" => Some("12".to_string()),
            "BODY" => Some("2MiB".to_string()),
            _ => None,
        };
        let (c, diags) = parse_env(
            "flows: ${env:DIR}\nstore: ${env:DB}\nserver:\n  listen: ${env:ADDR}\n  max_in_flight: ${env:N}\n  max_body: ${env:BODY}\n  body_timeout: ${env:T:-7s}\nconnections:\n  okta:\n    kind: okta\n    token: ${env:UNSET_TOKEN}\n",
            &env,
        );
        assert_eq!(diags, Vec::<Diagnostic>::new());
        assert_eq!(c.flows, "more-flows");
        assert_eq!(c.store, "sqlite:///tmp/x.db");
        assert_eq!(c.server.listen, "0.0.0.0:9001");
        assert_eq!(c.server.max_in_flight, 12);
        assert_eq!(c.server.max_queue, None);
        assert_eq!(c.server.max_body, 2 << 20);
        assert_eq!(c.server.body_timeout, Duration::from_secs(7));
        // Connection settings are resolved only when a flow uses them.
        let token = c.connections["okta"]
            .node
            .get("token")
            .and_then(Node::as_str);
        assert_eq!(token, Some("${env:UNSET_TOKEN}"));
    }

    #[test]
    fn missing_env_is_an_error_at_the_value() {
        let text = "server:\n  listen: ${env:FLOWCTL_TEST_UNSET_ADDR}\n";
        let (c, diags) = parse_env(text, &|_| None);
        let start = text.find("${env").unwrap_or(0);
        assert_eq!(
            diags,
            vec![
                Diagnostic::error(
                    Code::MissingEnv,
                    Some(Span::new(SourceId(0), start, text.len() - 1)),
                    "environment variable `FLOWCTL_TEST_UNSET_ADDR` is not set (read by `server.listen`)",
                )
                .with_help("set FLOWCTL_TEST_UNSET_ADDR, or give a default: `${env:FLOWCTL_TEST_UNSET_ADDR:-VALUE}`")
            ]
        );
        // The default address is kept, but the error stops every command.
        assert_eq!(c.server.listen, "127.0.0.1:8080");
    }

    #[test]
    fn unauthenticated_read_limits_are_read_from_server() {
        let text = "server:\n  max_unauthenticated_reads: ${env:READS}\n  max_unauthenticated_reads_per_client: 2\n";
        let (c, diags) = parse_env(text, &|_| Some("16".to_string()));
        assert_eq!(diags, vec![]);
        assert_eq!(
            (
                c.server.max_unauthenticated_reads,
                c.server.max_unauthenticated_reads_per_client
            ),
            (16, 2)
        );
        let (d, _) = parse_env("{}\n", &|_| None);
        assert_eq!(
            (
                d.server.max_unauthenticated_reads,
                d.server.max_unauthenticated_reads_per_client
            ),
            (64, 8)
        );
    }

    #[test]
    fn console_token_is_read_from_the_environment_never_shown_and_long() {
        let text = "server:\n  console: { token: \"${env:CONSOLE_TOKEN}\" }\n";
        let (c, diags) = parse_env(text, &|_| Some("0123456789abcdef-long".to_string()));
        assert_eq!(diags, vec![]);
        let token = c.server.console_token.clone().unwrap();
        assert_eq!(token.resolve(&|_| None).unwrap(), "0123456789abcdef-long");
        assert!(!format!("{token:?} {token} {:?}", c.server).contains("0123"));
        let (short, diags) = parse_env(text, &|_| Some("short".to_string()));
        assert!(short.server.console_token.is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(!format!("{diags:?}").contains("short\""));
        let (off, diags) = parse_env("{}\n", &|_| None);
        assert_eq!((off.server.console_token.is_none(), diags.len()), (true, 0));
        let (_, diags) = parse_env("server:\n  console: { tokn: x }\n", &|_| None);
        assert_eq!(diags.len(), 2, "unknown key and missing token: {diags:?}");
    }

    #[test]
    fn max_queue_is_read_from_server_and_left_to_the_server_by_default() {
        let (c, diags) = parse_env("server:\n  max_queue: ${env:Q}\n", &|_| Some("500".into()));
        assert_eq!(diags, vec![]);
        assert_eq!(c.server.max_queue, Some(500));
        let (d, _) = parse_env("{}\n", &|_| None);
        assert_eq!(d.server.max_queue, None);
        let (_, bad) = parse_env("server:\n  max_queue: 0\n", &|_| None);
        assert_eq!(bad.len(), 1);
    }

    #[test]
    fn store_errors_never_show_the_url() {
        let env = |_: &str| Some("mysql://u:hunter2@db/x".to_string());
        let (_, diags) = parse_env("store: ${env:DB}\n", &env);
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, vec!["unsupported store (scheme `mysql`)"]);
        // PostgreSQL, as `${env:DATABASE_URL}` gives it.
        let env = |_: &str| Some("postgres://u:hunter2@db:5432/x".to_string());
        let (config, diags) = parse_env("store: ${env:DATABASE_URL}\n", &env);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(config.store, "postgres://u:hunter2@db:5432/x");
    }
}
