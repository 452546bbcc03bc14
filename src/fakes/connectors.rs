//! `--fakes` for the data-defined connectors (`kind: microsoft365`, `kind: jira`, …): one
//! recorded fake per connector that ships fixtures, answering from those fixtures (embedded in
//! the binary) plus any a scenario file adds, with every connection of that kind pointed at it.

use anyhow::Context;
use flow_card::{ConnectionConfig, LiveConnection};
use flow_cards::connector::{ConnectorLive, StaticAuth};
use flow_model::config::MissingEnv;
use flow_testkit::fake::recorded::{Fixture, FixtureError, RecordedFake};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The fixture files shipped with flow-testkit, by connector, embedded at build time (the
/// binary never reads the source tree). Within a connector, the first fixture that matches a
/// request answers it, in this order.
const FIXTURES: &[(&str, &str, &str)] = &[
    (
        "auth0",
        "users.yaml",
        include_str!("../../crates/flow-testkit/recorded/auth0/users.yaml"),
    ),
    (
        "github",
        "api.yaml",
        include_str!("../../crates/flow-testkit/recorded/github/api.yaml"),
    ),
    (
        "google_drive",
        "files.yaml",
        include_str!("../../crates/flow-testkit/recorded/google_drive/files.yaml"),
    ),
    (
        "google_sheets",
        "values.yaml",
        include_str!("../../crates/flow-testkit/recorded/google_sheets/values.yaml"),
    ),
    (
        "google_workspace",
        "directory.yaml",
        include_str!("../../crates/flow-testkit/recorded/google_workspace/directory.yaml"),
    ),
    (
        "google_workspace",
        "gmail.yaml",
        include_str!("../../crates/flow-testkit/recorded/google_workspace/gmail.yaml"),
    ),
    (
        "jamf",
        "api.yaml",
        include_str!("../../crates/flow-testkit/recorded/jamf/api.yaml"),
    ),
    (
        "jira",
        "okta-suspended-user.yaml",
        include_str!("../../crates/flow-testkit/recorded/jira/okta-suspended-user.yaml"),
    ),
    (
        "jira",
        "issues.yaml",
        include_str!("../../crates/flow-testkit/recorded/jira/issues.yaml"),
    ),
    (
        "marketo",
        "api.yaml",
        include_str!("../../crates/flow-testkit/recorded/marketo/api.yaml"),
    ),
    (
        "microsoft365",
        "okta-suspended-user.yaml",
        include_str!("../../crates/flow-testkit/recorded/microsoft365/okta-suspended-user.yaml"),
    ),
    (
        "microsoft365",
        "users.yaml",
        include_str!("../../crates/flow-testkit/recorded/microsoft365/users.yaml"),
    ),
    (
        "microsoft365",
        "groups.yaml",
        include_str!("../../crates/flow-testkit/recorded/microsoft365/groups.yaml"),
    ),
    (
        "microsoft_teams",
        "teams.yaml",
        include_str!("../../crates/flow-testkit/recorded/microsoft_teams/teams.yaml"),
    ),
    (
        "okta_devices",
        "devices.yaml",
        include_str!("../../crates/flow-testkit/recorded/okta_devices/devices.yaml"),
    ),
    (
        "openai",
        "api.yaml",
        include_str!("../../crates/flow-testkit/recorded/openai/api.yaml"),
    ),
    (
        "pagerduty",
        "api.yaml",
        include_str!("../../crates/flow-testkit/recorded/pagerduty/api.yaml"),
    ),
    (
        "pagerduty_events",
        "events.yaml",
        include_str!("../../crates/flow-testkit/recorded/pagerduty_events/events.yaml"),
    ),
    (
        "salesforce",
        "api.yaml",
        include_str!("../../crates/flow-testkit/recorded/salesforce/api.yaml"),
    ),
    (
        "servicenow",
        "incidents.yaml",
        include_str!("../../crates/flow-testkit/recorded/servicenow/incidents.yaml"),
    ),
    (
        "shopify",
        "customers.yaml",
        include_str!("../../crates/flow-testkit/recorded/shopify/customers.yaml"),
    ),
];

/// The credential a faked connection sends when its connection would fetch an OAuth token
/// (the fakes have no token endpoint): the recorded fakes accept any credential.
const FAKE_BEARER: &str = "Bearer flowctl-fakes";

/// A scenario's answers for one connector (`connectors: { jira: { fixtures: [...] } }`): tried
/// before the shipped ones, in the recorded-fake fixture shape
/// (`{ name, request: { method, path, query, headers, body }, answer: { status, headers, body } }`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorScenario {
    /// Fixtures tried first, in order.
    #[serde(default)]
    pub fixtures: Vec<Fixture>,
}

/// The connectors that have a recorded fake.
pub fn faked() -> Vec<&'static str> {
    let mut names: Vec<&str> = FIXTURES.iter().map(|(c, _, _)| *c).collect();
    names.dedup();
    names
}

/// The shipped fixtures of `connector`, in answering order.
fn shipped(connector: &str) -> Result<Vec<Fixture>, FixtureError> {
    let mut out = Vec::new();
    for (c, file, text) in FIXTURES.iter().filter(|(c, _, _)| *c == connector) {
        let origin = format!("flow-testkit/recorded/{c}/{file}");
        out.extend(Fixture::parse(text, Path::new(&origin))?);
    }
    Ok(out)
}

/// The running recorded fakes, by connector name.
#[derive(Debug, Default)]
pub struct ConnectorFakes {
    fakes: BTreeMap<String, RecordedFake>,
    /// Connections pointed at a fake, with their connector, in the order they were made.
    used: Mutex<Vec<(String, String)>>,
}

impl ConnectorFakes {
    /// Starts one recorded fake per connector that ships fixtures (inside a tokio runtime),
    /// each answering from `extra`'s fixtures for it first, then the shipped ones.
    pub async fn start(
        extra: &BTreeMap<String, ConnectorScenario>,
    ) -> anyhow::Result<ConnectorFakes> {
        let names = faked();
        if let Some(unknown) = extra.keys().find(|k| !names.contains(&k.as_str())) {
            anyhow::bail!(
                "the scenario's `connectors.{unknown}` names no connector with a recorded fake \
                 (those: {})",
                names.join(", ")
            );
        }
        let mut fakes = BTreeMap::new();
        for name in names {
            let mut fixtures = extra
                .get(name)
                .map(|s| s.fixtures.clone())
                .unwrap_or_default();
            fixtures.extend(shipped(name).context("a built-in recorded fixture is invalid")?);
            let fake = RecordedFake::start(fixtures)
                .await
                .with_context(|| format!("cannot start the fake {name}"))?;
            fakes.insert(name.to_string(), fake);
        }
        Ok(ConnectorFakes {
            fakes,
            used: Mutex::new(Vec::new()),
        })
    }

    /// The live connection of `cfg` pointed at its connector's fake, or `None` when the kind
    /// has no fake. Every `${env:…}` of the connection reads a made-up value, so no real
    /// credential is ever sent; the base URL becomes the fake's, and a connection that would
    /// fetch an OAuth token sends a fixed bearer instead.
    pub fn live(
        &self,
        name: &str,
        cfg: &dyn ConnectionConfig,
    ) -> Option<Result<LiveConnection, MissingEnv>> {
        let fake = self.fakes.get(cfg.kind())?;
        let made_up = |var: &str| Some(format!("fakes-{}", var.to_ascii_lowercase()));
        let live = match cfg.connect(&made_up, false) {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        let live = live.downcast_ref::<ConnectorLive>()?;
        let mut settings = live.settings.clone();
        let configured = settings
            .get("base_url")
            .and_then(Value::as_str)
            .map(|s| s.trim_end_matches('/').to_string());
        // The base keeps what the connector adds after the setting (`/v1.0` for Graph).
        let base = match configured.as_deref() {
            Some(b) if !b.is_empty() && live.base.starts_with(b) => {
                format!("{}{}", fake.base_url(), &live.base[b.len()..])
            }
            _ => fake.base_url().to_string(),
        };
        if let Some(obj) = settings.as_object_mut() {
            obj.insert("base_url".into(), Value::String(fake.base_url().into()));
            // Other API roots of the connector (Gmail's `gmail_url`, the License Manager's
            // `licensing_url`) go to the same fake: nothing may reach the real hosts.
            for (key, def) in &live.connector.def.settings {
                if def.url && key != "base_url" && key != "login_url" {
                    obj.insert(key.clone(), Value::String(fake.base_url().into()));
                }
            }
        }
        let oauth = ["client_id", "refresh_token", "private_key", "key_json"]
            .iter()
            .any(|k| settings.get(k).is_some());
        let auth = if oauth {
            Some(Arc::new(StaticAuth {
                name: "authorization".into(),
                value: FAKE_BEARER.into(),
            })
                as Arc<dyn flow_cards::connector::AuthProvider>)
        } else {
            live.auth.clone()
        };
        if let Ok(mut used) = self.used.lock() {
            used.push((name.to_string(), cfg.kind().to_string()));
        }
        Some(Ok(Arc::new(ConnectorLive {
            connector: live.connector,
            base,
            settings,
            auth,
            headers: live.headers.clone(),
            secrets: live.secrets.clone(),
            limiter: Arc::clone(&live.limiter),
            blocked_until: Mutex::new(None),
        })))
    }

    /// Where every connector fake listens, by connector, as log fields.
    pub fn log_fields(&self) -> Vec<(String, Value)> {
        self.fakes
            .iter()
            .map(|(k, f)| (k.clone(), Value::String(f.base_url().to_string())))
            .collect()
    }

    /// Every request each fake received so far, by connector, as `METHOD /path?query` lines
    /// (for `fakes.seen`).
    pub fn request_lines(&self) -> Vec<(String, Vec<String>)> {
        self.fakes
            .iter()
            .map(|(k, f)| (k.clone(), f.requests().iter().map(request_line).collect()))
            .collect()
    }

    /// The connectors whose fakes a connection points at.
    fn in_use(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .used
            .lock()
            .map(|u| u.iter().map(|(_, k)| k.clone()).collect())
            .unwrap_or_default();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// What the fakes of the connections in use saw: each request with its method, path,
    /// query and JSON body, and the status it got.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for kind in self.in_use() {
            let Some(fake) = self.fakes.get(&kind) else {
                continue;
            };
            let reqs = fake.requests();
            let _ = writeln!(
                out,
                "fake {kind} at {} received {} request(s):",
                fake.base_url(),
                reqs.len()
            );
            for r in &reqs {
                let _ = writeln!(out, "  {}", request_line(r));
                if !r.body.is_empty() {
                    let body = serde_json::from_str::<Value>(&r.body)
                        .map(|v| v.to_string())
                        .unwrap_or_else(|_| r.body.clone());
                    let _ = writeln!(out, "    | {body}");
                }
            }
        }
        out
    }
}

/// A request as one line: `METHOD /path?query`.
fn request_line(r: &flow_testkit::fake::Recorded) -> String {
    let q = r
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!("{} {}{q}", r.method, r.path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every embedded fixture file parses, and every connector listed has a connector file.
    #[test]
    fn shipped_fixtures_parse() {
        for name in faked() {
            assert!(!shipped(name).unwrap().is_empty(), "{name}");
            assert!(
                flow_cards::connector::builtin().any(|c| c.def.connector == name),
                "{name} is not a built-in connector"
            );
        }
    }

    /// Every fixture file shipped in flow-testkit is embedded (Slack's aside: it has its own
    /// fake), so a file added there without a line here fails this test.
    #[test]
    fn every_shipped_fixture_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/flow-testkit/recorded");
        let mut on_disk = Vec::new();
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap().path();
            let connector = dir.file_name().unwrap().to_string_lossy().into_owned();
            if connector == "slack" {
                continue;
            }
            for file in std::fs::read_dir(&dir).unwrap() {
                let name = file.unwrap().file_name().to_string_lossy().into_owned();
                on_disk.push((connector.clone(), name));
            }
        }
        on_disk.sort();
        let mut embedded: Vec<(String, String)> = FIXTURES
            .iter()
            .map(|(c, f, _)| ((*c).to_string(), (*f).to_string()))
            .collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }

    /// A scenario naming a connector without a fake is refused, naming those that have one.
    #[tokio::test]
    async fn unknown_connectors_are_refused() {
        let mut extra = BTreeMap::new();
        extra.insert("nope".to_string(), ConnectorScenario::default());
        let err = ConnectorFakes::start(&extra).await.unwrap_err().to_string();
        assert!(
            err.contains("`connectors.nope`") && err.contains("jira"),
            "{err}"
        );
    }
}
