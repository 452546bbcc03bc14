//! The `*.test.yaml` format, decoded with positions so a mistake in a test file is reported like
//! one in a flow file.

use flow_model::decode::{Fields, fields, text, wrong_type};
use flow_model::node::{NodeKind, key_text, parse_yaml};
use flow_model::{Code, Diagnostic, Diagnostics, Node, SourceId};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The flow under test.
    pub flow: String,
    /// Its cases, in order.
    pub cases: Vec<Case>,
}

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    /// A name for the report.
    pub name: String,
    /// The request body (endpoint flows) or inputs (helper flows).
    pub input: Input,
    /// Request headers (endpoint flows).
    pub headers: Vec<(String, String)>,
    /// Mocked results by card kind, step id, or `flow/step`.
    pub mocks: Vec<(String, Vec<Reply>)>,
    /// Rows to seed, by table: the case runs with a fresh in-memory table store (given when
    /// this or `expect.tables` is), and its table writes are applied to it.
    pub tables: Vec<(String, Vec<serde_json::Map<String, Value>>)>,
    /// What must hold.
    pub expect: Expect,
}

/// What a case feeds the flow.
#[derive(Debug, Clone)]
pub enum Input {
    /// Nothing (an empty body, or no inputs).
    None,
    /// A JSON value (sent as the JSON body, or given as inputs).
    Json(Value),
    /// A raw body, sent as it is.
    Body(String),
}

/// A mocked result, used for calls whose inputs contain `when` (or for any call).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// A subset of the step's inputs this reply is for.
    pub when: Option<Value>,
    /// The output, or the error (`{ kind, message, status, code }`).
    pub result: Result<Value, Value>,
}

/// What a case expects.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// `succeeded`, `failed` or `stopped`.
    pub status: Option<String>,
    /// A subset of the run's `error`.
    pub error: Option<Value>,
    /// A subset of the answer the caller got.
    pub response: Option<Value>,
    /// A subset of the flow's output.
    pub output: Option<Value>,
    /// Per step (`id` or `flow/step`): a subset of `{ status, output, error, attempts, reason }`.
    pub steps: Vec<(String, Value)>,
    /// Per card kind, step or `flow/step`: `{ count, inputs }`.
    pub calls: Vec<(String, Value)>,
    /// Per table: its rows after the run, in id order, each a subset of the actual row.
    pub tables: Vec<(String, Vec<Value>)>,
}

impl Case {
    /// True when the case runs with a table store (it seeds or checks tables).
    pub fn uses_tables(&self) -> bool {
        !self.tables.is_empty() || !self.expect.tables.is_empty()
    }
}

const FILE_KEYS: &[&str] = &["flow", "cases"];
const CASE_KEYS: &[&str] = &[
    "name",
    "input",
    "input_file",
    "body",
    "headers",
    "mocks",
    "tables",
    "expect",
];
const EXPECT_KEYS: &[&str] = &[
    "status", "error", "response", "output", "steps", "calls", "tables",
];

impl TestFile {
    /// Decodes a test file; `path` resolves `input_file`.
    pub fn parse(
        source: SourceId,
        text_: &str,
        path: &Path,
        diags: &mut Diagnostics,
    ) -> Option<TestFile> {
        let root = match parse_yaml(source, text_) {
            Ok(r) => r,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        let f = fields(&root, "a test file", FILE_KEYS, diags)?;
        let flow = f.req_str("flow", diags)?.value;
        let mut cases = Vec::new();
        match f.required("cases", diags).map(|c| (c, c.as_seq())) {
            Some((_, Some(items))) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(c) = decode_case(item, i, path, diags) {
                        cases.push(c);
                    }
                }
            }
            Some((c, None)) => diags.push(wrong_type(c, "`cases`", "a list")),
            None => {}
        }
        Some(TestFile { flow, cases })
    }
}

fn decode_case(node: &Node, i: usize, path: &Path, diags: &mut Diagnostics) -> Option<Case> {
    let f = fields(node, "a test case", CASE_KEYS, diags)?;
    let name = f
        .opt_str("name", diags)
        .map_or_else(|| format!("case {}", i + 1), |s| s.value);
    let given: Vec<&str> = ["input", "input_file", "body"]
        .into_iter()
        .filter(|k| f.get(k).is_some())
        .collect();
    if given.len() > 1 {
        diags.push(Diagnostic::error(
            Code::InvalidValue,
            Some(node.span),
            format!("give one of {}, not several", given.join(", ")),
        ));
    }
    let input = if let Some(v) = f.get("input") {
        Input::Json(v.to_json())
    } else if let Some(p) = f.opt_str("input_file", diags) {
        let file = path
            .parent()
            .map_or_else(|| PathBuf::from(&p.value), |d| d.join(&p.value));
        match std::fs::read_to_string(&file) {
            Ok(t) => match serde_json::from_str::<Value>(&t) {
                Ok(v) => Input::Json(v),
                Err(_) => Input::Body(t),
            },
            Err(e) => {
                diags.push(Diagnostic::error(
                    Code::Io,
                    Some(p.span),
                    format!("cannot read {}: {e}", file.display()),
                ));
                return None;
            }
        }
    } else if let Some(b) = f.opt_str("body", diags) {
        Input::Body(b.value)
    } else {
        Input::None
    };
    let headers = f
        .get("headers")
        .and_then(|h| h.as_map())
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        key_text(k).to_ascii_lowercase(),
                        flow_template_text(&v.to_json()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mocks = match f.get("mocks") {
        Some(m) => decode_mocks(m, diags),
        None => Vec::new(),
    };
    let expect = match f.get("expect") {
        Some(e) => decode_expect(e, diags)?,
        None => Expect::default(),
    };
    let tables = table_rows(f.get("tables"), "`tables`", diags)
        .into_iter()
        .map(|(name, rows)| {
            let rows = rows
                .into_iter()
                .filter_map(|r| match r {
                    Value::Object(m) => Some(m),
                    _ => None,
                })
                .collect();
            (name, rows)
        })
        .collect();
    Some(Case {
        name,
        input,
        headers,
        mocks,
        tables,
        expect,
    })
}

fn flow_template_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn decode_reply(node: &Node, diags: &mut Diagnostics) -> Option<Reply> {
    let f = fields(node, "a mocked result", &["when", "output", "error"], diags)?;
    let when = f.get("when").map(Node::to_json);
    match (f.get("output"), f.get("error")) {
        (Some(o), None) => Some(Reply {
            when,
            result: Ok(o.to_json()),
        }),
        (None, Some(e)) => {
            let v = e.to_json();
            if let Value::String(msg) = v {
                return Some(Reply {
                    when,
                    result: Err(serde_json::json!({ "kind": "remote", "message": msg })),
                });
            }
            if !v.is_object() {
                diags.push(wrong_type(
                    e,
                    "`error`",
                    "a mapping such as { kind: not_found, message: … }",
                ));
                return None;
            }
            Some(Reply {
                when,
                result: Err(v),
            })
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(node.span),
                    "a mocked result has either `output` or `error`",
                )
                .with_help("write { output: … } or { error: { kind: not_found, message: … } }"),
            );
            None
        }
    }
}

fn decode_mocks(node: &Node, diags: &mut Diagnostics) -> Vec<(String, Vec<Reply>)> {
    let Some(entries) = node.as_map() else {
        diags.push(wrong_type(
            node,
            "`mocks`",
            "a mapping of card kinds or steps to results",
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let Some(key) = text(k, "a mock key", diags) else {
            continue;
        };
        let replies = match &v.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(|i| decode_reply(i, diags))
                .collect(),
            _ => decode_reply(v, diags).into_iter().collect(),
        };
        out.push((key.value, replies));
    }
    out
}

fn keyed(node: Option<&Node>, what: &str, diags: &mut Diagnostics) -> Vec<(String, Value)> {
    let Some(node) = node else { return Vec::new() };
    match node.as_map() {
        Some(m) => m.iter().map(|(k, v)| (key_text(k), v.to_json())).collect(),
        None => {
            diags.push(wrong_type(node, what, "a mapping"));
            Vec::new()
        }
    }
}

/// `{ NAME: [ {col: value, …}, … ] }`: rows by table, each row a mapping.
fn table_rows(
    node: Option<&Node>,
    what: &str,
    diags: &mut Diagnostics,
) -> Vec<(String, Vec<Value>)> {
    let Some(node) = node else { return Vec::new() };
    let Some(entries) = node.as_map() else {
        diags.push(wrong_type(
            node,
            what,
            "a mapping of table names to lists of rows",
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let Some(name) = text(k, "a table name", diags) else {
            continue;
        };
        let Some(items) = v.as_seq() else {
            diags.push(wrong_type(v, "a table's rows", "a list of rows"));
            continue;
        };
        let mut rows = Vec::new();
        for item in items {
            if item.as_map().is_some() {
                rows.push(item.to_json());
            } else {
                diags.push(wrong_type(item, "a row", "a mapping of columns to values"));
            }
        }
        out.push((name.value, rows));
    }
    out
}

fn decode_expect(node: &Node, diags: &mut Diagnostics) -> Option<Expect> {
    let f: Fields<'_> = fields(node, "`expect`", EXPECT_KEYS, diags)?;
    let status = f.opt_str("status", diags).map(|s| s.value);
    if let Some(s) = &status
        && !["succeeded", "failed", "stopped"].contains(&s.as_str())
    {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                f.get("status").map(|n| n.span),
                format!("unknown status `{s}`"),
            )
            .with_help("use succeeded, failed or stopped"),
        );
    }
    Some(Expect {
        status,
        error: f.get("error").map(Node::to_json),
        response: f.get("response").map(Node::to_json),
        output: f.get("output").map(Node::to_json),
        steps: keyed(f.get("steps"), "`steps`", diags),
        calls: keyed(f.get("calls"), "`calls`", diags),
        tables: table_rows(f.get("tables"), "`expect.tables`", diags),
    })
}
