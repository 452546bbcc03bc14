//! Connectors as data: a YAML file describes a REST API (base URL, authentication, rate-limit
//! signals, paging, errors) and its actions; each action becomes card `<connector>.<action>`,
//! and every connector gets `<connector>.api_request`. `docs/connector-format.md` is the
//! reference.
//!
//! Built-in connectors are embedded ([`BUILTIN_FILES`]) and compiled once into a `LazyLock`;
//! a project's own (`<project>/connectors/*.yaml`, [`registry_for`]) are compiled when the
//! project loads and interned once per distinct file content for the life of the process (the
//! card specs must be `'static`): a bounded leak, one copy per distinct file, however often the
//! project is reloaded.

pub mod action;
pub mod api;
pub mod example;
pub mod format;
pub mod live;
pub mod load;
pub mod oauth;
pub mod paging;
pub mod settings;
pub mod stream;

pub use example::{ExampleFailure, ExampleProblem, run_examples};
pub use live::{AuthProvider, ConnectorLive, StaticAuth};
pub use load::Connector;

use crate::util::CONNECTOR_TIMEOUT;
use action::ActionRef;
use flow_card::{CardSpec, ConnectorSpec, Effect, Registry};
use flow_model::{Diagnostics, SourceId, Sources};
use format::EffectDef;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// The built-in connector files, as `(file name, YAML)`.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("okta.yaml", include_str!("../../connectors/okta.yaml")),
    ("github.yaml", include_str!("../../connectors/github.yaml")),
    (
        "google_workspace.yaml",
        include_str!("../../connectors/google_workspace.yaml"),
    ),
    ("jamf.yaml", include_str!("../../connectors/jamf.yaml")),
    ("jira.yaml", include_str!("../../connectors/jira.yaml")),
    (
        "microsoft365.yaml",
        include_str!("../../connectors/microsoft365.yaml"),
    ),
    (
        "pagerduty.yaml",
        include_str!("../../connectors/pagerduty.yaml"),
    ),
    (
        "pagerduty_events.yaml",
        include_str!("../../connectors/pagerduty_events.yaml"),
    ),
    (
        "salesforce.yaml",
        include_str!("../../connectors/salesforce.yaml"),
    ),
    (
        "servicenow.yaml",
        include_str!("../../connectors/servicenow.yaml"),
    ),
    ("slack.yaml", include_str!("../../connectors/slack.yaml")),
    (
        "okta_devices.yaml",
        include_str!("../../connectors/okta_devices.yaml"),
    ),
    (
        "google_drive.yaml",
        include_str!("../../connectors/google_drive.yaml"),
    ),
    (
        "google_sheets.yaml",
        include_str!("../../connectors/google_sheets.yaml"),
    ),
    ("auth0.yaml", include_str!("../../connectors/auth0.yaml")),
    ("openai.yaml", include_str!("../../connectors/openai.yaml")),
    (
        "shopify.yaml",
        include_str!("../../connectors/shopify.yaml"),
    ),
    (
        "marketo.yaml",
        include_str!("../../connectors/marketo.yaml"),
    ),
    (
        "opsgenie.yaml",
        include_str!("../../connectors/opsgenie.yaml"),
    ),
    (
        "okta_realms.yaml",
        include_str!("../../connectors/okta_realms.yaml"),
    ),
    (
        "okta_privileged_access.yaml",
        include_str!("../../connectors/okta_privileged_access.yaml"),
    ),
    (
        "personio.yaml",
        include_str!("../../connectors/personio.yaml"),
    ),
    (
        "smarthr.yaml",
        include_str!("../../connectors/smarthr.yaml"),
    ),
    (
        "workday.yaml",
        include_str!("../../connectors/workday.yaml"),
    ),
    (
        "microsoft_teams.yaml",
        include_str!("../../connectors/microsoft_teams.yaml"),
    ),
];

/// A compiled connector with the specs that register it.
#[derive(Debug)]
pub struct Registered {
    /// The connector.
    pub connector: &'static Connector,
    /// One card spec per action, in the connector's order.
    pub cards: Vec<CardSpec>,
    /// The connection kind.
    pub spec: ConnectorSpec,
    /// The `api_request` kind's name.
    api_kind: String,
}

fn registered(connector: &'static Connector) -> Registered {
    let cards = connector
        .actions
        .iter()
        .filter_map(|a| {
            let def = connector.def.actions.get(&a.name)?;
            Some(CardSpec {
                kind: a.kind.as_str(),
                summary: def.summary.as_str(),
                effect: match def.effect {
                    EffectDef::Reads => Effect::Reads,
                    EffectDef::Writes => Effect::Writes,
                },
                output: a.output_text.as_str(),
                default_timeout: CONNECTOR_TIMEOUT,
                default_attempts: 3,
                trigger: None,
                schema: |_| schemars::json_schema!({}),
                build: action::build,
            })
        })
        .collect();
    let enabled = connector.def.api_request.as_ref().is_none_or(|a| a.enabled);
    Registered {
        connector,
        cards,
        spec: ConnectorSpec {
            kind: connector.def.connector.as_str(),
            summary: connector.def.summary.as_str(),
            keys: &[],
            decode: |_, _| None,
        },
        api_kind: if enabled {
            format!("{}.api_request", connector.def.connector)
        } else {
            String::new()
        },
    }
}

/// The built-in connectors, compiled (a file that does not load is left out; the test
/// `builtin_connectors_load` shows why).
static BUILTIN_CONNECTORS: LazyLock<Vec<Connector>> = LazyLock::new(|| {
    BUILTIN_FILES
        .iter()
        .filter_map(|(name, text)| load::load(name, text, SourceId(0)).ok())
        .collect()
});

static BUILTIN_REGISTERED: LazyLock<Vec<Registered>> =
    LazyLock::new(|| BUILTIN_CONNECTORS.iter().map(registered).collect());

static BUILTIN_API: LazyLock<Vec<Option<CardSpec>>> =
    LazyLock::new(|| BUILTIN_REGISTERED.iter().map(api_spec).collect());

fn api_spec(r: &'static Registered) -> Option<CardSpec> {
    (!r.api_kind.is_empty()).then(|| {
        api::spec(
            r.api_kind.as_str(),
            "Call any endpoint of the API (Custom API Action)",
        )
    })
}

/// The built-in connectors.
pub fn builtin() -> impl Iterator<Item = &'static Connector> {
    BUILTIN_CONNECTORS.iter()
}

/// Why built-in connector files do not load (empty when all do), rendered.
pub fn builtin_errors() -> Vec<String> {
    let mut out = Vec::new();
    for (name, text) in BUILTIN_FILES {
        if let Err(d) = load::load(name, text, SourceId(0)) {
            let mut sources = Sources::new();
            sources.add(format!("connectors/{name}"), *text);
            out.extend(
                d.iter()
                    .map(|d| format!("{name}: {} ({})", d.message, locate(&sources, d))),
            );
        }
    }
    out
}

/// Where a diagnostic points, as `file:line:col`.
fn locate(sources: &Sources, d: &flow_model::Diagnostic) -> String {
    d.span.map_or_else(|| "?".into(), |s| sources.locate(s))
}

/// Adds a registered connector's cards and connection kind to a registry.
fn add(r: &mut Registry, reg: &'static Registered, api: Option<&'static CardSpec>) {
    let c = reg.connector;
    for spec in &reg.cards {
        let Some(index) = c.actions.iter().position(|a| a.kind == spec.kind) else {
            continue;
        };
        r.add_data_card(
            spec,
            Arc::new(ActionRef {
                connector: c,
                index,
            }),
            action_schema(c, index),
        );
    }
    if let Some(api) = api {
        r.add_data_card(api, Arc::new(api::ApiRef(c)), api::schema());
    }
    r.add_data_connector(
        &reg.spec,
        Arc::new(settings::ConnectorData(c)),
        settings::decode,
    );
}

/// Adds the built-in connectors to a registry.
pub fn register_builtin(r: &mut Registry) {
    for (reg, api) in BUILTIN_REGISTERED.iter().zip(BUILTIN_API.iter()) {
        add(r, reg, api.as_ref());
    }
}

/// The documentation of a connector card (an action or `api_request`) for `flowctl cards` and
/// the card reference.
#[derive(Debug, Clone)]
pub struct ActionDoc {
    /// The connector's name (`okta`).
    pub connector: String,
    /// The connector's title (`Okta`).
    pub title: String,
    /// Paragraphs, possibly empty.
    pub description: String,
    /// The Okta Workflows cards it stands for.
    pub okta: Vec<String>,
    /// The fields its output type declares, when the output is one object (not a list):
    /// `flowctl import` places an Okta card's named outputs among them.
    pub output_fields: Vec<String>,
    /// For a list action, the fields each record's type declares (Okta's "First Matching
    /// Record" reads its outputs from the first record).
    pub record_fields: Vec<String>,
    /// The action's `okta_outputs`: Okta output (`Group/key` or `key`) → a dotted path in the
    /// output.
    pub okta_outputs: Vec<(String, String)>,
    /// Its output is one number, text, boolean or date (a status code), not an object or a
    /// list: an Okta card's one output is the whole of it.
    pub scalar_output: bool,
}

/// The documentation of card `kind` when it comes from a connector file of `registry`.
pub fn action_doc(registry: &Registry, kind: &str) -> Option<ActionDoc> {
    let data = registry.card_data(kind)?;
    if let Some(a) = data.downcast_ref::<ActionRef>() {
        let def = a.def()?;
        let output_fields = match a.action().map(|x| &x.output) {
            Some(flow_model::Type::Object(Some(obj))) => obj.fields.keys().cloned().collect(),
            _ => Vec::new(),
        };
        let record_fields = match a.action().map(|x| &x.output) {
            Some(flow_model::Type::List(item)) => match item.as_ref() {
                flow_model::Type::Object(Some(obj)) => obj.fields.keys().cloned().collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let scalar_output = matches!(
            a.action().map(|x| &x.output),
            Some(
                flow_model::Type::Number
                    | flow_model::Type::Text
                    | flow_model::Type::Boolean
                    | flow_model::Type::Date
            )
        );
        return Some(ActionDoc {
            connector: a.connector.def.connector.clone(),
            title: a.connector.def.title.clone(),
            description: def.description.clone().unwrap_or_default(),
            okta: def.okta.clone(),
            output_fields,
            record_fields,
            okta_outputs: def
                .okta_outputs
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            scalar_output,
        });
    }
    let api::ApiRef(c) = data.downcast_ref::<api::ApiRef>()?;
    Some(ActionDoc {
        connector: c.def.connector.clone(),
        title: c.def.title.clone(),
        description: format!(
            "Any other call of the {} API, authenticated by the connection (Custom API Action): `method` (GET by default), `path` (after the base URL{}), `query`, `headers` (extra request headers; not the credential, cookies or framing), `body`. Output: `{{ status, headers, body }}`; `body` is the parsed JSON, text, or `null` when empty. See [connector-format.md](connector-format.md#connectorapi_request).",
            c.def.title,
            c.def
                .api_request
                .as_ref()
                .filter(|a| !a.path_prefixes.is_empty())
                .map(|a| format!(", starting with {}", a.path_prefixes.join(" or ")))
                .unwrap_or_default()
        ),
        okta: c
            .def
            .api_request
            .as_ref()
            .map(|a| a.okta.clone())
            .unwrap_or_default(),
        output_fields: vec!["status".into(), "headers".into(), "body".into()],
        record_fields: Vec::new(),
        okta_outputs: Vec::new(),
        scalar_output: false,
    })
}

/// The JSON Schema of connector files.
pub fn format_schema() -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator
        .root_schema_for::<format::ConnectorDef>()
        .to_value();
    if let Value::Object(m) = &mut schema {
        m.insert("title".into(), json!("flowctl connector file"));
    }
    schema
}

/// The JSON Schema of an action card's `with:`.
pub fn action_schema(c: &Connector, index: usize) -> Value {
    let Some(a) = c.actions.get(index) else {
        return json!({});
    };
    let def = c.def.actions.get(&a.name);
    let mut props = Map::new();
    props.insert(
        "connection".into(),
        json!({ "type": "string", "description": format!("the name of a `{}` connection in flowctl.yaml", c.def.connector) }),
    );
    let mut required = vec![json!("connection")];
    for (name, ty, req) in &a.inputs {
        let doc = def
            .and_then(|d| d.inputs.get(name))
            .map(|i| i.doc.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| {
                if name == "limit" {
                    "the most records to return (all when absent)".into()
                } else {
                    String::new()
                }
            });
        let mut p = type_schema(ty);
        if let Value::Object(m) = &mut p
            && !doc.is_empty()
        {
            m.insert("description".into(), json!(doc));
        }
        props.insert(name.clone(), p);
        if *req {
            required.push(json!(name));
        }
    }
    if a.paging.is_some() {
        props.insert(stream::KEY.into(), stream::schema());
    }
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": props,
    })
}

fn type_schema(t: &flow_model::Type) -> Value {
    use flow_model::Type;
    let tpl = json!({ "type": "string", "pattern": "\\{\\{", "description": "a template, e.g. {{ step.field }}" });
    let base = match t {
        Type::Text | Type::Date => return json!({ "type": ["string", "number", "boolean"] }),
        Type::Number => json!({ "type": "number" }),
        Type::Boolean => json!({ "type": "boolean" }),
        Type::List(_) => json!({ "type": "array" }),
        Type::Object(_) => json!({ "type": "object" }),
        Type::Any | Type::Null => return json!({}),
    };
    json!({ "anyOf": [base, tpl] })
}

/// A project connector interned for the life of the process, keyed by its file's content.
type Interned = (&'static Registered, Option<&'static CardSpec>);

static INTERNED: LazyLock<Mutex<HashMap<String, Interned>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Compiles a project connector file (interned by content: loading the same text again
/// returns the same registration).
pub fn load_project_connector(file: &str, text: &str) -> Result<&'static Connector, Diagnostics> {
    intern(file, text).map(|(r, _)| r.connector)
}

fn intern(file: &str, text: &str) -> Result<Interned, Diagnostics> {
    let key = format!("{file}\u{0}{text}");
    let mut map = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(r) = map.get(&key) {
        return Ok(*r);
    }
    let c = load::load(file, text, SourceId(0))?;
    let connector: &'static Connector = Box::leak(Box::new(c));
    let reg: &'static Registered = Box::leak(Box::new(registered(connector)));
    let api: Option<&'static CardSpec> = api_spec(reg).map(|s| &*Box::leak(Box::new(s)));
    map.insert(key, (reg, api));
    Ok((reg, api))
}

/// A problem with a project's connector files.
#[derive(Debug)]
pub struct ProjectConnectorError {
    /// The file.
    pub file: String,
    /// Its text, for rendering the diagnostics.
    pub text: String,
    /// What is wrong.
    pub diagnostics: Diagnostics,
}

impl std::fmt::Display for ProjectConnectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut sources = Sources::new();
        sources.add(self.file.clone(), self.text.clone());
        for d in self.diagnostics.iter() {
            writeln!(
                f,
                "error[{}]: {} at {}",
                d.code.as_str(),
                d.message,
                locate(&sources, d)
            )?;
            if let Some(h) = &d.help {
                writeln!(f, "  help: {h}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ProjectConnectorError {}

/// The built-in registry plus the connectors in `<project_dir>/connectors/*.yaml` (none when
/// the directory does not exist). A project connector of a built-in's name replaces it.
pub fn registry_for(project_dir: &Path) -> Result<Registry, ProjectConnectorError> {
    let dir = project_dir.join("connectors");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(crate::registry());
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let file = format!(
            "connectors/{}",
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let text = std::fs::read_to_string(&path).map_err(|e| {
            let mut d = Diagnostics::new();
            d.error(
                flow_model::Code::Io,
                None,
                format!("cannot read {}: {e}", path.display()),
            );
            ProjectConnectorError {
                file: file.clone(),
                text: String::new(),
                diagnostics: d,
            }
        })?;
        files.push((file, text));
    }
    registry_with(&files)
}

/// The built-in registry plus connectors given as `(file name, YAML)`.
pub fn registry_with<F: AsRef<str>, T: AsRef<str>>(
    files: &[(F, T)],
) -> Result<Registry, ProjectConnectorError> {
    let mut r = crate::registry();
    for (file, text) in files {
        let (file, text) = (file.as_ref(), text.as_ref());
        let (reg, api) = intern(file, text).map_err(|diagnostics| ProjectConnectorError {
            file: file.to_string(),
            text: text.to_string(),
            diagnostics,
        })?;
        add(&mut r, reg, api);
    }
    Ok(r)
}
