//! `kind: <connector>` connections: the connector's `settings` decoded from `flowctl.yaml` with
//! positions (unknown keys, missing required settings and secrets not written as `${env:…}`
//! are errors), the authentication chosen from the settings given, and, when a run needs it,
//! the [`ConnectorLive`].

use super::format::{AuthDef, Tpl};
use super::live::{AuthProvider, ConnectorLive, StaticAuth, auth_tpls};
use super::load::{Connector, slots};
use crate::conn;
use base64::Engine as _;
use flow_card::{ConnectionConfig, KindData, LiveConnection};
use flow_model::config::{MissingEnv, Secret};
use flow_model::{Code, ConnectionDoc, Diagnostic, Diagnostics};
use flow_template::{Scope, Slot};
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};

/// What a data-defined connector kind carries in the registry.
#[derive(Debug, Clone, Copy)]
pub struct ConnectorData(pub &'static Connector);

/// A decoded connection of a data-defined connector, secrets unresolved.
#[derive(Debug)]
pub struct DataConnection {
    connector: &'static Connector,
    /// The connection's name in `flowctl.yaml`.
    name: String,
    /// Settings given (or defaulted), by name.
    settings: Vec<(String, Secret)>,
    /// The authentication alternative used, by index in `auth`.
    auth: Option<usize>,
    max_concurrency: usize,
}

/// A setting a new connection of a connector should be written with (`flowctl import` writes
/// them as `${env:…}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingHint {
    /// The setting's name.
    pub name: String,
    /// What it is (the connector's `doc`).
    pub doc: String,
    /// Whether it is a secret.
    pub secret: bool,
}

/// The settings a new connection of `c` needs: the required ones, and those its first
/// authentication reads; settings with a default are left out.
pub fn connection_hints(c: &Connector) -> Vec<SettingHint> {
    let auth: Vec<String> = c
        .def
        .auth
        .first()
        .map(|a| {
            auth_tpls(a)
                .into_iter()
                .flat_map(|t| settings_read(c, t))
                .collect()
        })
        .unwrap_or_default();
    c.def
        .settings
        .iter()
        .filter(|(name, s)| s.default.is_none() && (s.required || auth.contains(name)))
        .map(|(name, s)| SettingHint {
            name: name.clone(),
            doc: s.doc.clone(),
            secret: s.secret,
        })
        .collect()
}

/// The settings a template reads (`settings.token`), found in its source text.
fn settings_read(c: &Connector, t: Tpl) -> Vec<String> {
    let src = c.tpl(t).describe();
    let mut out = Vec::new();
    let mut rest = src.as_str();
    while let Some(i) = rest.find("settings.") {
        rest = &rest[i + "settings.".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        out.push(name);
    }
    out
}

/// The credential fields of the OAuth kinds: an OAuth alternative applies when the settings
/// these read are given (token URL, key id, scopes, audience and subject may stay empty).
const CREDENTIALS: &[&str] = &[
    "client_id",
    "client_secret",
    "private_key",
    "refresh_token",
    "key_json",
];

/// The templates whose settings decide whether an alternative applies.
fn deciding_tpls(a: &AuthDef) -> Vec<Tpl> {
    match a {
        AuthDef::OauthClientCredentials(m)
        | AuthDef::OauthRefreshToken(m)
        | AuthDef::GoogleServiceAccount(m) => m
            .iter()
            .filter(|(k, _)| CREDENTIALS.contains(&k.as_str()))
            .map(|(_, t)| *t)
            .collect(),
        other => auth_tpls(other),
    }
}

/// Decodes a `kind: <connector>` connection ([`flow_card::DataDecode`]).
pub fn decode(
    data: &KindData,
    doc: &ConnectionDoc,
    diags: &mut Diagnostics,
) -> Option<Arc<dyn ConnectionConfig>> {
    let ConnectorData(c) = *data.downcast_ref::<ConnectorData>()?;
    let mut keys: Vec<&str> = c.def.settings.keys().map(String::as_str).collect();
    keys.push("max_concurrency");
    let f = conn::read(doc, &keys, diags)?;
    let mut settings = Vec::new();
    let mut ok = true;
    for (name, s) in &c.def.settings {
        let required = s.required && s.default.is_none();
        match conn::secret(&f, name, required, diags) {
            Some(v) => {
                if s.secret && !s.allow_literal && v.env_names().is_empty() {
                    diags.push(
                        Diagnostic::error(
                            Code::Config,
                            Some(v.span),
                            format!(
                                "connection `{}`: `{name}` is a secret and must be written as ${{env:NAME}}",
                                doc.name
                            ),
                        )
                        .with_help(format!("{name}: ${{env:{}}}", env_hint(&c.def.connector, name))),
                    );
                    ok = false;
                }
                if s.url {
                    conn::check_url(&v, name, diags);
                }
                settings.push((name.clone(), v));
            }
            None if required => ok = false,
            None => {
                if let Some(d) = &s.default {
                    settings.push((name.clone(), Secret::new(d.clone(), doc.node.span)));
                }
            }
        }
    }
    if !ok {
        return None;
    }
    let given = |n: &String| settings.iter().any(|(k, _)| k == n);
    let auth = c.def.auth.iter().position(|a| {
        deciding_tpls(a)
            .iter()
            .all(|t| settings_read(c, *t).iter().all(given))
    });
    if auth.is_none() && !c.def.auth.is_empty() {
        let alternatives: Vec<String> = c
            .def
            .auth
            .iter()
            .map(|a| {
                let names: Vec<String> = deciding_tpls(a)
                    .iter()
                    .flat_map(|t| settings_read(c, *t))
                    .map(|n| format!("`{n}`"))
                    .collect();
                names.join(" and ")
            })
            .collect();
        diags.push(Diagnostic::error(
            Code::Config,
            Some(doc.node.span),
            format!(
                "connection `{}` needs the settings of one authentication: {}",
                doc.name,
                alternatives.join(", or ")
            ),
        ));
        return None;
    }
    let default = c.def.max_concurrency.unwrap_or(8);
    Some(Arc::new(DataConnection {
        connector: c,
        name: doc.name.clone(),
        settings,
        auth,
        max_concurrency: conn::max_concurrency(&f, u64::from(default), diags),
    }))
}

fn env_hint(connector: &str, setting: &str) -> String {
    format!("{connector}_{setting}").to_ascii_uppercase()
}

/// The scope of connection templates: only `settings`.
struct SettingsScope<'a>(&'a Value);

impl Scope for SettingsScope<'_> {
    fn get(&self, slot: Slot) -> Option<&Value> {
        (slot == slots::SETTINGS).then_some(self.0)
    }
}

impl DataConnection {
    fn eval_text(&self, t: Tpl, settings: &Value) -> String {
        self.connector
            .tpl(t)
            .eval(&SettingsScope(settings))
            .map(|v| flow_template::to_text(&v).into_owned())
            .unwrap_or_default()
    }
}

impl ConnectionConfig for DataConnection {
    fn kind(&self) -> &'static str {
        let c: &'static Connector = self.connector;
        c.def.connector.as_str()
    }

    fn env_names(&self) -> Vec<String> {
        self.settings
            .iter()
            .flat_map(|(_, s)| s.env_names())
            .collect()
    }

    fn secrets(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        let secret = |n: &String| self.connector.def.settings.get(n).is_some_and(|s| s.secret);
        flow_card::connection::secret_values(
            self.settings
                .iter()
                .filter(|(n, _)| secret(n))
                .map(|(_, s)| s),
            env,
        )
    }

    fn connect(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        dry_run: bool,
    ) -> Result<LiveConnection, MissingEnv> {
        let mut values = Map::new();
        let mut secrets = Vec::new();
        for (name, s) in &self.settings {
            let v = conn::resolve(s, env, dry_run)?;
            if self
                .connector
                .def
                .settings
                .get(name)
                .is_some_and(|d| d.secret)
            {
                secrets.push(v.clone());
            }
            values.insert(name.clone(), Value::String(v));
        }
        let settings = Value::Object(values);
        Ok(Arc::new(self.live(settings, secrets, dry_run)))
    }
}

impl DataConnection {
    /// The live connection for resolved settings (a dry run fetches no tokens).
    pub fn live(&self, settings: Value, secrets: Vec<String>, dry_run: bool) -> ConnectorLive {
        let c = self.connector;
        let base = self
            .eval_text(c.def.base_url, &settings)
            .trim_end_matches('/')
            .to_string();
        let headers = c
            .def
            .headers
            .iter()
            .map(|(k, t)| (k.to_ascii_lowercase(), self.eval_text(*t, &settings)))
            .collect();
        let auth: Option<Arc<dyn AuthProvider>> = match self.auth.and_then(|i| c.def.auth.get(i)) {
            Some(AuthDef::Bearer(t)) => Some(Arc::new(StaticAuth {
                name: "authorization".into(),
                value: format!("Bearer {}", self.eval_text(*t, &settings)),
            })),
            Some(AuthDef::Basic { username, password }) => {
                let pair = format!(
                    "{}:{}",
                    self.eval_text(*username, &settings),
                    self.eval_text(*password, &settings)
                );
                Some(Arc::new(StaticAuth {
                    name: "authorization".into(),
                    value: format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(pair)
                    ),
                }))
            }
            Some(AuthDef::Header { name, value }) => Some(Arc::new(StaticAuth {
                name: name.to_ascii_lowercase(),
                value: self.eval_text(*value, &settings),
            })),
            Some(
                a @ (AuthDef::OauthClientCredentials(m)
                | AuthDef::OauthRefreshToken(m)
                | AuthDef::GoogleServiceAccount(m)),
            ) => {
                let kind = match a {
                    AuthDef::OauthClientCredentials(_) => "oauth_client_credentials",
                    AuthDef::OauthRefreshToken(_) => "oauth_refresh_token",
                    _ => "google_service_account",
                };
                let scope = SettingsScope(&settings);
                let field = |k: &str| {
                    m.get(k)
                        .and_then(|t| c.tpl(*t).eval(&scope).ok())
                        .map(|v| v.into_owned())
                };
                Some(Arc::new(super::oauth::provider(
                    kind, &field, dry_run, &self.name,
                )))
            }
            Some(AuthDef::BasicTokenExchange(x)) => {
                let exchange = super::oauth::Exchange {
                    url: self.eval_text(x.url, &settings),
                    username: self.eval_text(x.username, &settings),
                    password: self.eval_text(x.password, &settings),
                    token_field: x.token.clone(),
                    expires_field: x.expires.clone(),
                };
                Some(Arc::new(super::oauth::exchange(
                    exchange, dry_run, &self.name,
                )))
            }
            None => None,
        };
        ConnectorLive {
            connector: c,
            base,
            settings,
            auth,
            headers,
            secrets,
            limiter: conn::limiter(self.max_concurrency),
            blocked_until: Mutex::new(None),
        }
    }
}
