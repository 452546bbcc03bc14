//! Reads the export's JSON envelope into plain structs: flows, cards (methods), their fields,
//! wires (pins) and order. Lenient: a missing or mistyped part reads as empty, never a panic;
//! only a file that is not an export at all is an [`ImportError`].

use crate::ImportError;
use serde_json::{Map, Value};

/// A whole export: `{type: "flopack", version, data: {flos, tables, configs, groups}}`.
#[derive(Debug, Default)]
pub struct Export {
    /// The envelope version, e.g. `1.2.0`.
    pub version: String,
    /// The flows, in the file's order.
    pub flows: Vec<OktaFlow>,
    /// The connections (`data.configs`): id, name and connector module; never secrets.
    pub configs: Vec<Config>,
    /// The tables (`data.tables`).
    pub tables: Vec<Table>,
}

/// One entry of `data.configs`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The connection's uuid, as cards name it in `config`.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// The connector, e.g. `okta`, `slack`.
    pub module: String,
}

/// One entry of `data.tables`.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table's uuid (Tables cards name it in `parameters/stash`).
    pub id: String,
    /// The table's name.
    pub name: String,
    /// Its columns: name and Okta type (`str`, `number`, ...).
    pub columns: Vec<(String, String)>,
}

/// One flow of `data.flos`.
#[derive(Debug)]
pub struct OktaFlow {
    /// The flow's uuid (helper calls name it).
    pub uuid: String,
    /// The flow's name as shown in Okta.
    pub name: String,
    /// The flow's description.
    pub description: String,
    /// Its cards and settings.
    pub data: FlowData,
}

/// A flow's body: the top-level flow, or an inline flow inside a card.
#[derive(Debug, Default)]
pub struct FlowData {
    /// The cards, in the file's order (not the run order).
    pub methods: Vec<Method>,
    /// Order edges `[from, to]`.
    pub orderings: Vec<(String, String)>,
    /// `scheduled: true` (with `cron`).
    pub scheduled: bool,
    /// The schedule of a scheduled flow as a cron expression (five fields, or six with the
    /// seconds first when Okta's are not zero), and its time zone.
    pub cron: Option<(String, Option<String>)>,
    /// The schedule has a start or an end date (`startDate`, `endDate`), which flowctl's
    /// `schedule` trigger cannot express.
    pub schedule_dates: bool,
    /// `security_level` of an API endpoint flow: `open`, `medium`, `high`.
    pub security_level: Option<String>,
}

/// One card (`methods[]`).
#[derive(Debug, Default)]
pub struct Method {
    /// The card's short id.
    pub uuid: String,
    /// `<module>:<key>`, e.g. `okta:readUser`, `string:compose` (see [`address_key`]).
    pub key: String,
    /// The full address.
    pub address: String,
    /// The card's name as the user sees it.
    pub name: String,
    /// `false` for hidden cards (expand nodes, branch noops).
    pub displayed: bool,
    /// An Okta event card.
    pub webhook: bool,
    /// The connection uuid of a connector card.
    pub config: Option<String>,
    /// Inputs.
    pub inputs: Vec<Field>,
    /// Outputs.
    pub outputs: Vec<Field>,
    /// Wires leaving this card.
    pub pins: Vec<Pin>,
    /// A Comment card's title and text.
    pub comment: Option<(String, String)>,
    /// `node.model.policy.error.type` (`finish` is the default "halt").
    pub error_policy: String,
    /// The helper flow "Run another flow" runs when the card fails (`policy.error.flo`, a flow
    /// uuid, with `type: flo`).
    pub error_flow: Option<String>,
    /// An If/Else's branches: the first card of each, and whether it is the true branch
    /// (`None`: not a boolean, as in If/ElseIf).
    pub branches: Vec<(String, Option<bool>)>,
    /// A Join's `joins`: input id → the output ids it sets.
    pub joins: Vec<(String, Vec<String>)>,
    /// An If Error card's blocks: the Try flow (its `flo` input) and the If Error flow
    /// (`policy.error.flo`).
    pub try_catch: Option<Box<(FlowData, FlowData)>>,
    /// The card kind's own name (`metadata.name`), e.g. `Compose`.
    pub kind_name: String,
    /// An inline flow in the card's `flo` input (For Each – Ignore Errors wrapping the body of
    /// an event flow), other than If Error's.
    pub inline: Option<Box<FlowData>>,
    /// An If/ElseIf's groups in order (`if`, the ElseIf groups, `else`): each group's name and
    /// the inline flow of its `flo` input.
    pub arms: Vec<(String, FlowData)>,
}

/// One input or output of a card.
#[derive(Debug, Default, Clone)]
pub struct Field {
    /// The field's id (wires name it).
    pub id: String,
    /// Its group: `raw`, `context`, `User`, `parameters`, or none.
    pub group: Option<String>,
    /// Its key, e.g. `ID or Login`, `_text_`, `output`.
    pub key: String,
    /// The declared type: a name (`string`, `number`, ...) or a schema map.
    pub ty: Value,
    /// A list of `ty`.
    pub collection: bool,
    /// The constant or default value.
    pub data: Value,
    /// For iterator inputs: the item (or a path in it) goes here.
    pub proxy: Option<Proxy>,
    /// A field the user added (helper inputs, Compose placeholders, Construct keys).
    pub custom: bool,
    /// `metadata.path` of an expand node output.
    pub path: Vec<String>,
    /// `metadata.srcMethodId` / `srcOutputId` of an expand node input.
    pub src: Option<(String, String)>,
    /// `metadata.displayname`.
    pub display_name: Option<String>,
    /// `metadata.wormholeMethodId`: a value carried into an inline flow.
    pub wormhole: bool,
}

/// How an iterator hands each item to a helper input.
#[derive(Debug, Default, Clone)]
pub struct Proxy {
    /// The item (or a path in it) is the value.
    pub dynamic: bool,
    /// A dot path inside the item (empty: the whole item).
    pub path: String,
}

/// A wire from an output of this card to an input of another.
#[derive(Debug, Clone)]
pub struct Pin {
    /// The output's id.
    pub output: String,
    /// The target card.
    pub target: String,
    /// The target input's id.
    pub input: String,
    /// A conversion on the way: `parse`, `stringify`, `wrapArray`, `dateTime`, ...
    pub convert: Option<String>,
}

impl Field {
    /// True when the field holds no constant worth writing: null, `""`, `{}`, `[]`, or Okta's
    /// `0` placeholder of a number that is meant to be wired.
    pub fn is_blank(&self) -> bool {
        match &self.data {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        }
    }

    /// `group/key`, or `key` without a group: how the report names a field.
    pub fn label(&self) -> String {
        match &self.group {
            Some(g) => format!("{g}/{}", self.key),
            None => self.key.clone(),
        }
    }
}

impl Method {
    /// The input with this key (optionally `Group/key`), compared without case.
    pub fn input(&self, key: &str) -> Option<&Field> {
        find_field(&self.inputs, key)
    }

    /// The output with this id.
    pub fn output_by_id(&self, id: &str) -> Option<&Field> {
        self.outputs.iter().find(|f| f.id == id)
    }
}

/// The field matching `key` (`Group/key` or `key`), case-insensitively.
pub fn find_field<'a>(fields: &'a [Field], key: &str) -> Option<&'a Field> {
    let (group, k) = match key.split_once('/') {
        Some((g, k)) => (Some(g), k),
        None => (None, key),
    };
    fields.iter().find(|f| {
        f.key.eq_ignore_ascii_case(k)
            && group.is_none_or(|g| {
                f.group
                    .as_deref()
                    .is_some_and(|fg| fg.eq_ignore_ascii_case(g))
            })
    })
}

/// Parses an export.
pub fn parse(bytes: &[u8]) -> Result<Export, ImportError> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| ImportError::NotJson {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
    })?;
    let Some(root) = root.as_object() else {
        return Err(ImportError::NotAnExport(
            "the top level is not a JSON object".into(),
        ));
    };
    match root.get("type").and_then(Value::as_str) {
        Some("flopack") => {}
        Some(other) => {
            return Err(ImportError::NotAnExport(format!(
                "`type` is `{other}`, not `flopack`"
            )));
        }
        None => {
            return Err(ImportError::NotAnExport(
                "no `\"type\": \"flopack\"` at the top level".into(),
            ));
        }
    }
    let version = text(root.get("version"));
    if !version.starts_with("1.") {
        return Err(ImportError::UnsupportedVersion(version));
    }
    let Some(data) = root.get("data").and_then(Value::as_object) else {
        return Err(ImportError::NotAnExport("no `data` object".into()));
    };
    let Some(flos) = data.get("flos").and_then(Value::as_object) else {
        return Err(ImportError::NotAnExport("no `data.flos` object".into()));
    };
    let flows = flos
        .iter()
        .filter_map(|(id, f)| {
            let f = f.as_object()?;
            Some(OktaFlow {
                uuid: non_empty(text(f.get("id"))).unwrap_or_else(|| id.clone()),
                name: text(f.get("name")),
                description: text(f.get("description")),
                data: flow_data(f.get("data")),
            })
        })
        .collect();
    let configs = objects(data.get("configs"))
        .map(|c| Config {
            id: text(c.get("id")),
            name: text(c.get("name")),
            module: text(c.get("module")),
        })
        .collect();
    let tables = objects(data.get("tables"))
        .map(|t| Table {
            id: text(t.get("id")),
            name: text(t.get("name")),
            columns: t
                .get("data")
                .and_then(|d| d.get("structure"))
                .and_then(Value::as_array)
                .map(|cols| {
                    cols.iter()
                        .map(|c| (text(c.get("name")), text(c.get("type"))))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Ok(Export {
        version,
        flows,
        configs,
        tables,
    })
}

/// Reads a FlowData object (a top-level flow's `data`, or an inline flow).
pub fn flow_data(v: Option<&Value>) -> FlowData {
    let Some(v) = v.and_then(Value::as_object) else {
        return FlowData::default();
    };
    let methods = v
        .get("methods")
        .and_then(Value::as_array)
        .map(|ms| ms.iter().filter_map(Value::as_object).map(method).collect())
        .unwrap_or_default();
    let orderings = v
        .get("orderings")
        .and_then(Value::as_object)
        .map(|o| {
            o.values()
                .filter_map(|e| {
                    let e = e.as_array()?;
                    Some((text(e.first()), text(e.get(1))))
                })
                .collect()
        })
        .unwrap_or_default();
    FlowData {
        methods,
        orderings,
        scheduled: v.get("scheduled").and_then(Value::as_bool).unwrap_or(false),
        cron: v.get("cron").and_then(Value::as_object).and_then(|c| {
            let field = |k: &str| non_empty(text(c.get(k)).trim().to_string());
            let fields = [
                field("minutes")?,
                field("hours")?,
                field("dayOfTheMonth")?,
                field("month")?,
                field("dayOfTheWeek")?,
            ];
            let pattern = fields.join(" ");
            let pattern = match field("seconds") {
                Some(s) if s.trim_start_matches('0').is_empty() => pattern,
                Some(s) => format!("{s} {pattern}"),
                None => pattern,
            };
            Some((pattern, field("timeZone")))
        }),
        schedule_dates: v.get("cron").and_then(Value::as_object).is_some_and(|c| {
            ["startDate", "endDate"]
                .iter()
                .any(|k| !text(c.get(*k)).trim().is_empty())
        }),
        security_level: v
            .get("security_level")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// `root:kernel:<module>:<ver>:<key>` → `<module>:<key>`;
/// `root:channels:http:<app>:<ver>:<key>` → `<app>:<key>`.
pub fn address_key(address: &str) -> String {
    let parts: Vec<&str> = address.split(':').collect();
    match parts.as_slice() {
        ["root", "kernel", module, _ver, key] => format!("{module}:{key}"),
        ["root", "channels", _proto, app, _ver, key] => format!("{app}:{key}"),
        _ => address.to_string(),
    }
}

fn method(m: &Map<String, Value>) -> Method {
    let address = text(m.get("address"));
    let node = m.get("node");
    let model = node.and_then(|n| n.get("model"));
    let get = |k: &str| model.and_then(|x| x.get(k));
    let try_catch = try_catch(&address, get("inputs"), get("policy"));
    let inputs = fields(get("inputs"));
    let is_branch = address_key(&address) == "control:branch";
    let arms = if is_branch {
        inputs
            .iter()
            .filter(|f| f.key == "flo" && f.data.is_object())
            .map(|f| {
                (
                    f.group.clone().unwrap_or_default(),
                    flow_data(Some(&f.data)),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let comment = get("comments")
        .and_then(Value::as_object)
        .map(|c| (text(c.get("title")), text(c.get("markdown"))));
    Method {
        uuid: text(m.get("uuid")),
        key: address_key(&address),
        address,
        name: text(node.and_then(|n| n.get("data")).and_then(|d| d.get("name"))),
        displayed: get("displayed").and_then(Value::as_bool).unwrap_or(true),
        webhook: get("webhook").and_then(Value::as_bool).unwrap_or(false),
        config: get("config").and_then(Value::as_str).map(str::to_string),
        inputs,
        outputs: fields(get("outputs")),
        pins: pins(m.get("pins")),
        comment,
        error_policy: text(
            get("policy")
                .and_then(|p| p.get("error"))
                .and_then(|e| e.get("type")),
        ),
        error_flow: get("policy")
            .and_then(|p| p.get("error"))
            .and_then(|e| e.get("flo"))
            .and_then(Value::as_str)
            .map(str::to_string),
        branches: m
            .get("branches")
            .and_then(Value::as_object)
            .map(|b| b.iter().map(|(k, v)| (k.clone(), v.as_bool())).collect())
            .unwrap_or_default(),
        joins: m
            .get("joins")
            .and_then(Value::as_object)
            .map(|j| {
                j.iter()
                    .map(|(input, outs)| {
                        let outs = outs
                            .as_array()
                            .map(|a| a.iter().map(|o| text(o.get("output"))).collect())
                            .unwrap_or_default();
                        (input.clone(), outs)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        kind_name: text(get("metadata").and_then(|md| md.get("name"))),
        arms,
        inline: if try_catch.is_none() && !is_branch {
            inline(get("inputs"))
        } else {
            None
        },
        try_catch,
    }
}

/// The Try and If Error flows of an If Error card (`control:tryCatch`).
/// The inline flow of a card's `flo` input, when it holds one (not a helper's uuid).
fn inline(inputs: Option<&Value>) -> Option<Box<FlowData>> {
    let data = inputs?
        .get("data")?
        .as_object()?
        .values()
        .find(|f| f.get("key").and_then(Value::as_str) == Some("flo"))?
        .get("value")?
        .get("data")
        .filter(|d| d.is_object())?;
    Some(Box::new(flow_data(Some(data))))
}

fn try_catch(
    address: &str,
    inputs: Option<&Value>,
    policy: Option<&Value>,
) -> Option<Box<(FlowData, FlowData)>> {
    if address_key(address) != "control:tryCatch" {
        return None;
    }
    let try_flow = inputs?
        .get("data")?
        .as_object()?
        .values()
        .find(|f| f.get("key").and_then(Value::as_str) == Some("flo"))?
        .get("value")?
        .get("data")
        .filter(|d| d.is_object())?;
    let handler = policy?.get("error")?.get("flo").filter(|d| d.is_object())?;
    Some(Box::new((
        flow_data(Some(try_flow)),
        flow_data(Some(handler)),
    )))
}

fn fields(set: Option<&Value>) -> Vec<Field> {
    let Some(data) = set.and_then(|s| s.get("data")).and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<(i64, Field)> = data
        .iter()
        .filter_map(|(id, f)| {
            let f = f.as_object()?;
            let value = f.get("value");
            let meta = f.get("metadata");
            let mget = |k: &str| meta.and_then(|m| m.get(k));
            let proxy = value
                .and_then(|v| v.get("proxy"))
                .and_then(Value::as_object)
                .map(|p| Proxy {
                    dynamic: p.get("dynamic").and_then(Value::as_bool).unwrap_or(false),
                    path: text(p.get("path")),
                });
            let field = Field {
                id: non_empty(text(f.get("id"))).unwrap_or_else(|| id.clone()),
                group: f.get("group").and_then(Value::as_str).map(str::to_string),
                key: text(f.get("key")),
                ty: value
                    .and_then(|v| v.get("type"))
                    .cloned()
                    .unwrap_or(Value::Null),
                collection: value
                    .and_then(|v| v.get("collection"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                data: value
                    .and_then(|v| v.get("data"))
                    .cloned()
                    .unwrap_or(Value::Null),
                proxy,
                custom: mget("custom").and_then(Value::as_bool).unwrap_or(false),
                path: mget("path")
                    .and_then(Value::as_array)
                    .map(|p| p.iter().map(|s| text(Some(s))).collect())
                    .unwrap_or_default(),
                src: match (
                    mget("srcMethodId").and_then(Value::as_str),
                    mget("srcOutputId").and_then(Value::as_str),
                ) {
                    (Some(m), Some(o)) => Some((m.to_string(), o.to_string())),
                    _ => None,
                },
                display_name: mget("displayname")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                wormhole: mget("wormholeMethodId").is_some(),
            };
            let index = mget("index").and_then(Value::as_i64).unwrap_or(i64::MAX);
            Some((index, field))
        })
        .collect();
    // The UI's order (metadata.index); stable, so equal indexes keep the file's order.
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, f)| f).collect()
}

fn pins(v: Option<&Value>) -> Vec<Pin> {
    let mut out = Vec::new();
    let Some(pins) = v.and_then(Value::as_object) else {
        return out;
    };
    for (output, targets) in pins {
        let Some(targets) = targets.as_object() else {
            continue;
        };
        for (target, wires) in targets {
            for w in wires.as_array().into_iter().flatten() {
                let convert = w
                    .get("transform")
                    .and_then(Value::as_object)
                    .and_then(|t| t.values().find_map(|c| c.get("convert")))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                out.push(Pin {
                    output: output.clone(),
                    target: target.clone(),
                    input: text(w.get("input")),
                    convert,
                });
            }
        }
    }
    out
}

fn objects(v: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    v.and_then(Value::as_object)
        .into_iter()
        .flat_map(|o| o.values().filter_map(Value::as_object))
}

/// A JSON value as text: strings as they are, numbers and booleans written, else empty.
pub fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_module_and_key() {
        assert_eq!(
            address_key("root:kernel:string:0.0.1:compose"),
            "string:compose"
        );
        assert_eq!(
            address_key("root:channels:http:okta:1.0.438:readUser"),
            "okta:readUser"
        );
        assert_eq!(address_key("odd"), "odd");
    }

    #[test]
    fn not_an_export_is_typed() {
        assert!(matches!(
            parse(b"{\"type\": 1"),
            Err(ImportError::NotJson { .. })
        ));
        assert!(matches!(parse(b"[]"), Err(ImportError::NotAnExport(_))));
        assert!(matches!(
            parse(br#"{"type":"flow"}"#),
            Err(ImportError::NotAnExport(_))
        ));
        assert!(matches!(
            parse(br#"{"type":"flopack","version":"2.0.0","data":{"flos":{}}}"#),
            Err(ImportError::UnsupportedVersion(v)) if v == "2.0.0"
        ));
        assert!(matches!(
            parse(br#"{"type":"flopack","version":"1.2.0","data":{}}"#),
            Err(ImportError::NotAnExport(_))
        ));
    }

    #[test]
    fn fields_keep_the_ui_order_and_pins_their_conversion() {
        let m: Value = serde_json::json!({
            "uuid": "a", "address": "root:kernel:json:0.0.1:parse",
            "node": {"data": {"name": "Parse"}, "model": {
                "inputs": {"data": {
                    "y": {"id": "y", "key": "second", "value": {"type": "string", "data": ""}, "metadata": {"index": 1}},
                    "x": {"id": "x", "key": "first", "value": {"type": "string", "data": "v"}, "metadata": {"index": 0}}
                }}}},
            "pins": {"o": {"b": [{"input": "i", "transform": {"o": {"convert": "parse"}}}]}}
        });
        let m = method(m.as_object().unwrap());
        assert_eq!(m.key, "json:parse");
        let keys: Vec<&str> = m.inputs.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["first", "second"]);
        assert_eq!(m.pins[0].convert.as_deref(), Some("parse"));
        assert_eq!(m.pins[0].target, "b");
    }
}
