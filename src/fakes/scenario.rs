//! The scenario file of `--fakes SCENARIO.yaml`: who is in the fake Okta (users with their
//! status, profile and last sign-in, groups, apps), which channels the fake Slack has, which
//! faults the fakes inject, and canned answers for requests no fake serves. Decoded with
//! positions, so every mistake is a diagnostic with the file, line and column.

use flow_model::de::{DeError, Hooks, from_node};
use flow_model::node::parse_yaml;
use flow_model::{Code, Diagnostic, Diagnostics, Node, SourceId, Sources};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

/// A decoded scenario file.
#[derive(Debug, Default, Deserialize)]
pub struct Scenario {
    /// The fake Okta org.
    #[serde(default)]
    pub okta: OktaScenario,
    /// The fake Slack workspace; without it, the workspace has no channel.
    #[serde(default)]
    pub slack: SlackScenario,
    /// Faults the fakes inject, in order.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Canned answers, tried in order.
    #[serde(default)]
    pub answers: Vec<AnswerSpec>,
    /// Fixtures for the recorded fakes of data-defined connectors, by connector.
    #[serde(default)]
    pub connectors: BTreeMap<String, super::connectors::ConnectorScenario>,
}

/// The `okta:` section.
#[derive(Debug, Default, Deserialize)]
pub struct OktaScenario {
    /// Users, in order.
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// Groups, in order.
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
    /// Apps, in order.
    #[serde(default)]
    pub apps: Vec<AppSpec>,
}

/// One Okta user.
#[derive(Debug, Deserialize)]
pub struct UserSpec {
    /// `profile.login`.
    pub login: String,
    /// The status (default `ACTIVE`).
    #[serde(default)]
    pub status: Status,
    /// `profile.email`, when it differs from the login.
    #[serde(default)]
    pub email: Option<String>,
    /// More profile attributes (`firstName`, `department`, …).
    #[serde(default)]
    pub profile: Map<String, Value>,
    /// `lastLogin`, an RFC 3339 time.
    #[serde(default, rename = "lastLogin", deserialize_with = "rfc3339")]
    pub last_login: Option<String>,
    /// The names of the groups the user is in.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// An Okta user status, as Okta writes it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// `STAGED`.
    Staged,
    /// `PROVISIONED`.
    Provisioned,
    /// `ACTIVE`.
    #[default]
    Active,
    /// `RECOVERY`.
    Recovery,
    /// `PASSWORD_EXPIRED`.
    PasswordExpired,
    /// `LOCKED_OUT`.
    LockedOut,
    /// `SUSPENDED`.
    Suspended,
    /// `DEPROVISIONED`.
    Deprovisioned,
}

impl Status {
    /// The fake's status.
    pub fn fake(self) -> flow_testkit::UserStatus {
        use flow_testkit::UserStatus as U;
        match self {
            Status::Staged => U::Staged,
            Status::Provisioned => U::Provisioned,
            Status::Active => U::Active,
            Status::Recovery => U::Recovery,
            Status::PasswordExpired => U::PasswordExpired,
            Status::LockedOut => U::LockedOut,
            Status::Suspended => U::Suspended,
            Status::Deprovisioned => U::Deprovisioned,
        }
    }
}

/// One Okta group.
#[derive(Debug, Deserialize)]
pub struct GroupSpec {
    /// `profile.name`.
    pub name: String,
    /// `profile.description`.
    #[serde(default)]
    pub description: Option<String>,
}

/// One Okta app.
#[derive(Debug, Deserialize)]
pub struct AppSpec {
    /// The app's `name` (`github`, `slack`, …).
    pub name: String,
    /// Its `label` (default: the name).
    #[serde(default)]
    pub label: Option<String>,
    /// Logins of the users assigned to it.
    #[serde(default)]
    pub users: Vec<String>,
    /// Names of the groups assigned to it.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The `slack:` section.
#[derive(Debug, Default, Deserialize)]
pub struct SlackScenario {
    /// The channels; no other channel exists.
    #[serde(default)]
    pub channels: Vec<ChannelSpec>,
    /// The members `users.lookupByEmail` finds.
    #[serde(default)]
    pub users: Vec<SlackUserSpec>,
}

/// One Slack member.
#[derive(Debug, Deserialize)]
pub struct SlackUserSpec {
    /// Their email.
    pub email: String,
    /// Their id (default: `U`, their position on two digits, and up to eight letters of the
    /// email's local part, upper case).
    #[serde(default)]
    pub id: Option<String>,
    /// Their handle (default: the email's local part).
    #[serde(default)]
    pub name: Option<String>,
}

/// One Slack channel: `"#name"`, or `{ name, id, archived, member }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSpec {
    /// The name, without `#`.
    pub name: String,
    /// The id (default: made from the name).
    pub id: Option<String>,
    /// Archived: posting answers `is_archived`.
    pub archived: bool,
    /// The bot is a member (default); otherwise posting answers `not_in_channel`.
    pub member: bool,
}

/// The mapping form of a channel.
#[derive(Deserialize)]
struct ChannelFields {
    name: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    archived: bool,
    #[serde(default = "yes")]
    member: bool,
}

fn yes() -> bool {
    true
}

impl<'de> Deserialize<'de> for ChannelSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = ChannelSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a channel name or a mapping with `name`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ChannelSpec, E> {
                Ok(ChannelSpec {
                    name: v.trim_start_matches('#').to_string(),
                    id: None,
                    archived: false,
                    member: true,
                })
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ChannelSpec, A::Error> {
                let f = ChannelFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ChannelSpec {
                    name: f.name.trim_start_matches('#').to_string(),
                    id: f.id,
                    archived: f.archived,
                    member: f.member,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Which fake a fault is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// The fake Okta.
    Okta,
    /// The fake Slack (Web API and webhooks).
    Slack,
}

/// One fault: exactly one of `status`, `error`, `delay` or `drop`.
#[derive(Debug, Deserialize)]
pub struct FaultSpec {
    /// The fake it applies to.
    pub service: Service,
    /// The request paths it applies to: a prefix, or a path whose `*` segments stand for any
    /// one segment (default: every path).
    #[serde(default)]
    pub path: Option<String>,
    /// Answer with this HTTP status (429: rate limited; others: a server error).
    #[serde(default)]
    pub status: Option<u16>,
    /// Slack only: answer `{"ok": false, "error": ERROR}`.
    #[serde(default)]
    pub error: Option<String>,
    /// With `status: 429`: the `Retry-After` (and, for Okta, the rate-limit reset) in seconds.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Answer normally, this much later.
    #[serde(default, deserialize_with = "duration")]
    pub delay: Option<Duration>,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop: bool,
    /// How many requests get it (default 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// One canned answer.
#[derive(Debug, Deserialize)]
pub struct AnswerSpec {
    /// The method (default: any).
    #[serde(default)]
    pub method: Option<String>,
    /// The URL pattern (`*`: any text without `/`; `**`: any text; the query is ignored unless
    /// the pattern has a `?`).
    pub url: String,
    /// The status (default 200).
    #[serde(default = "ok")]
    pub status: u16,
    /// Response headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body: JSON, or text sent as it is when a non-JSON `content-type` header is given.
    #[serde(default)]
    pub body: Option<Value>,
}

fn ok() -> u16 {
    200
}

fn rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).map_err(
        |e| {
            de::Error::custom(format!(
                "`{text}` is not an RFC 3339 time such as 2026-11-30T10:00:00Z ({e})"
            ))
        },
    )?;
    Ok(Some(text))
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        other => {
            return Err(de::Error::custom(format!(
                "expected a duration such as `2s` or `500ms`, found {other}"
            )));
        }
    };
    flow_model::units::parse_duration(&text)
        .map(Some)
        .map_err(de::Error::custom)
}

/// Collects the problems the decoder reports without stopping (unknown keys).
#[derive(Default)]
struct Collect(RefCell<Vec<Diagnostic>>);

impl Hooks for Collect {
    fn marker(&self, _name: &'static str, _node: &Node, _path: &str) -> Result<u64, DeError> {
        Err(DeError::new(Code::InvalidValue, "unexpected value"))
    }

    fn report(&self, diagnostic: Diagnostic) {
        self.0.borrow_mut().push(diagnostic);
    }
}

/// A scenario file that cannot be used: every problem found, and the file to show them in.
#[derive(Debug)]
pub struct Invalid {
    /// The problems.
    pub diags: Diagnostics,
    /// The scenario file.
    pub sources: Sources,
}

/// Decodes the scenario file `path` whose text is `text`.
pub fn parse(path: &str, text: &str) -> Result<Scenario, Invalid> {
    let mut sources = Sources::new();
    let source: SourceId = sources.add(path, text);
    let mut diags = Diagnostics::new();
    let root = match parse_yaml(source, text) {
        Ok(root) => root,
        Err(d) => {
            diags.push(d);
            return Err(Invalid { diags, sources });
        }
    };
    let hooks = Collect::default();
    let decoded = if matches!(root.kind, flow_model::NodeKind::Null) {
        Ok(Scenario::default())
    } else {
        from_node::<Scenario>(&root, &hooks, "")
    };
    for d in hooks.0.into_inner() {
        diags.push(d);
    }
    match decoded {
        Ok(scenario) => {
            check(&scenario, &root, &mut diags);
            if diags.has_errors() {
                Err(Invalid { diags, sources })
            } else {
                Ok(scenario)
            }
        }
        Err(e) => {
            diags.push(e.into_diagnostic());
            Err(Invalid { diags, sources })
        }
    }
}

/// The node at a path of keys and list positions, for the span of a problem found after
/// decoding; the closest existing ancestor when the path goes further than the file.
fn at<'n>(root: &'n Node, path: &[Step]) -> &'n Node {
    let mut node = root;
    for step in path {
        let next = match step {
            Step::Key(k) => node.get(k),
            Step::Index(i) => node.as_seq().and_then(|s| s.get(*i)),
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// One step of a path into the file.
enum Step {
    Key(&'static str),
    Index(usize),
}

/// Checks what decoding cannot: references between sections, and faults and answers that say
/// one thing each.
fn check(s: &Scenario, root: &Node, diags: &mut Diagnostics) {
    use Step::{Index, Key};
    let mut error = |path: &[Step], code: Code, msg: String| {
        diags.push(Diagnostic::error(code, Some(at(root, path).span), msg));
    };
    let logins: Vec<&str> = s.okta.users.iter().map(|u| u.login.as_str()).collect();
    for (i, u) in s.okta.users.iter().enumerate() {
        // Okta compares logins without regard to case.
        if logins[..i].iter().any(|l| l.eq_ignore_ascii_case(&u.login)) {
            error(
                &[Key("okta"), Key("users"), Index(i), Key("login")],
                Code::DuplicateKey,
                format!("user `{}` is listed twice", u.login),
            );
        }
    }
    let groups: Vec<&str> = s.okta.groups.iter().map(|g| g.name.as_str()).collect();
    for (i, g) in s.okta.groups.iter().enumerate() {
        if groups[..i].contains(&g.name.as_str()) {
            error(
                &[Key("okta"), Key("groups"), Index(i), Key("name")],
                Code::DuplicateKey,
                format!("group `{}` is listed twice", g.name),
            );
        }
    }
    for (i, a) in s.okta.apps.iter().enumerate() {
        for (j, login) in a.users.iter().enumerate() {
            if !logins.contains(&login.as_str()) {
                error(
                    &[Key("okta"), Key("apps"), Index(i), Key("users"), Index(j)],
                    Code::InvalidValue,
                    format!("app `{}`: no user `{login}` in `okta.users`", a.name),
                );
            }
        }
        for (j, g) in a.groups.iter().enumerate() {
            if !groups.contains(&g.as_str()) {
                error(
                    &[Key("okta"), Key("apps"), Index(i), Key("groups"), Index(j)],
                    Code::InvalidValue,
                    format!("app `{}`: no group `{g}` in `okta.groups`", a.name),
                );
            }
        }
    }
    for (i, u) in s.okta.users.iter().enumerate() {
        for (j, g) in u.groups.iter().enumerate() {
            if !groups.contains(&g.as_str()) {
                error(
                    &[Key("okta"), Key("users"), Index(i), Key("groups"), Index(j)],
                    Code::InvalidValue,
                    format!("user `{}`: no group `{g}` in `okta.groups`", u.login),
                );
            }
        }
    }
    for (i, f) in s.faults.iter().enumerate() {
        let given = [
            f.status.is_some(),
            f.error.is_some(),
            f.delay.is_some(),
            f.drop,
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given != 1 {
            error(
                &[Key("faults"), Index(i)],
                Code::InvalidValue,
                "a fault takes exactly one of `status`, `error`, `delay` or `drop: true`".into(),
            );
        }
        if f.error.is_some() && f.service != Service::Slack {
            error(
                &[Key("faults"), Index(i), Key("error")],
                Code::InvalidValue,
                "`error` (an `ok: false` answer) is for `service: slack` only".into(),
            );
        }
        if let Some(st) = f.status
            && !(400..=599).contains(&st)
        {
            error(
                &[Key("faults"), Index(i), Key("status")],
                Code::InvalidValue,
                format!("a fault's status is an error status (400 to 599), not {st}"),
            );
        }
        if f.retry_after.is_some() && f.status != Some(429) {
            error(
                &[Key("faults"), Index(i), Key("retry_after")],
                Code::InvalidValue,
                "`retry_after` goes with `status: 429`".into(),
            );
        }
        if f.times == 0 {
            error(
                &[Key("faults"), Index(i), Key("times")],
                Code::InvalidValue,
                "`times` is at least 1".into(),
            );
        }
    }
    for (i, a) in s.answers.iter().enumerate() {
        if !(100..=599).contains(&a.status) {
            error(
                &[Key("answers"), Index(i), Key("status")],
                Code::InvalidValue,
                format!("`{}` is not an HTTP status", a.status),
            );
        }
        if let Some(m) = &a.method
            && (m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            error(
                &[Key("answers"), Index(i), Key("method")],
                Code::InvalidValue,
                format!("`{m}` is not an HTTP method"),
            );
        }
    }
}
