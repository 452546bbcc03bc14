//! The card of a connector action: its `with:` decoded by hand from the action's inputs, the
//! request built from the precompiled templates, sent through [`ConnectorLive::send`], and the
//! answer mapped to the typed output (or a success rule, or a card error).

use super::format::{ActionDef, Tpl};
use super::live::ConnectorLive;
use super::load::{Action, Connector, PathPart, slots};
use super::paging::{self, PageSource, Pager};
use super::stream::{self, StreamConfig};
use crate::util::STRICT;
use flow_card::{
    BuildCx, Card, CardError, CardFuture, Checker, ConnRef, ErrorKind, Expr, HttpRequest,
    HttpResponse, Outcome, StepCx, kinds,
};
use flow_model::node::key_text;
use flow_model::{Code, Diagnostic, Type};
use flow_template::{Scope, Slot};
use percent_encoding::utf8_percent_encode;
use serde_json::{Map, Value, json};

/// Which action of which connector a card kind is: the registry's data for the kind.
#[derive(Debug, Clone, Copy)]
pub struct ActionRef {
    /// The connector.
    pub connector: &'static Connector,
    /// The action's index.
    pub index: usize,
}

impl ActionRef {
    /// The compiled action.
    pub fn action(&self) -> Option<&'static Action> {
        self.connector.actions.get(self.index)
    }

    /// Its definition.
    pub fn def(&self) -> Option<&'static ActionDef> {
        let c: &'static Connector = self.connector;
        c.def.actions.get(&self.action()?.name)
    }
}

/// A connection reference of a data-defined kind (the kind is checked by the compiler).
#[derive(Debug)]
pub struct AnyConn;

/// A configured action card.
#[derive(Debug)]
pub struct ActionCard {
    at: ActionRef,
    conn: u32,
    /// The step's inputs: name and expression.
    inputs: Vec<(&'static str, u32)>,
    /// `stream:` (a paged action only): records go to a helper flow page by page.
    stream: Option<StreamConfig>,
}

/// Builds an action card from `with:` ([`flow_card::CardSpec::build`] of every action).
pub fn build(cx: &mut BuildCx<'_>) -> Option<Box<dyn Card>> {
    let Some(at) = cx.card_data::<ActionRef>().map(|a| *a) else {
        cx.report(
            Code::Config,
            None,
            "this connector action is not registered",
        );
        return None;
    };
    let action = at.action()?;
    let with = cx.with_node().clone();
    let Some(entries) = with.as_map() else {
        cx.report(
            Code::WrongType,
            None,
            format!(
                "step `{}` ({}): `with` must be a mapping",
                cx.step_id(),
                action.kind
            ),
        );
        return None;
    };
    let mut conn = None;
    let mut inputs = Vec::new();
    let mut stream = None;
    let mut stream_bad = false;
    let mut allowed: Vec<&str> = vec!["connection"];
    allowed.extend(action.inputs.iter().map(|(k, _, _)| k.as_str()));
    if action.paging.is_some() {
        allowed.push(stream::KEY);
    }
    for (k, v) in entries {
        let key = key_text(k);
        if key == "connection" {
            conn = cx.conn_of(v, at.connector.def.connector.as_str());
            continue;
        }
        if key == stream::KEY
            && action.paging.is_some()
            && !action.inputs.iter().any(|(n, _, _)| n == stream::KEY)
        {
            stream = StreamConfig::decode(cx, v);
            stream_bad = stream.is_none();
            continue;
        }
        match action.inputs.iter().find(|(n, _, _)| *n == key) {
            Some((name, ty, _)) => {
                let id = cx.expr_of(v, name, ty.clone());
                inputs.push((name.as_str(), id));
            }
            None => cx.push_diagnostic(
                Diagnostic::error(
                    Code::UnknownKey,
                    Some(k.span),
                    format!(
                        "step `{}` ({}): unknown key `{key}`",
                        cx.step_id(),
                        action.kind
                    ),
                )
                .with_help_opt(
                    flow_model::suggest::hint(&key, allowed.iter().copied())
                        .or_else(|| Some(format!("allowed keys: {}", allowed.join(", ")))),
                ),
            ),
        }
    }
    let missing: Vec<&str> = std::iter::once("connection")
        .filter(|_| conn.is_none())
        .chain(
            action
                .inputs
                .iter()
                .filter(|(n, _, req)| *req && !inputs.iter().any(|(i, _)| i == n))
                .map(|(n, _, _)| n.as_str()),
        )
        .collect();
    for m in &missing {
        cx.report(
            Code::MissingKey,
            None,
            format!(
                "step `{}` ({}): missing key `{m}`",
                cx.step_id(),
                action.kind
            ),
        );
    }
    if !missing.is_empty() || stream_bad {
        return None;
    }
    Some(Box::new(ActionCard {
        at,
        conn: conn?,
        inputs,
        stream,
    }))
}

/// The values of a connector template's names during one call.
pub struct CallScope<'a> {
    /// `settings`, `inputs`, `status`, `headers`, `body`.
    pub values: [Option<&'a Value>; slots::COUNT],
}

impl Scope for CallScope<'_> {
    fn get(&self, slot: Slot) -> Option<&Value> {
        self.values.get(slot.0 as usize).copied().flatten()
    }
}

impl<'a> CallScope<'a> {
    /// A scope before the answer: `settings` and `inputs`.
    pub fn request(settings: &'a Value, inputs: &'a Value) -> Self {
        CallScope {
            values: [Some(settings), Some(inputs), None, None, None],
        }
    }

    /// Evaluates a template.
    pub fn eval(&self, c: &Connector, t: Tpl) -> Result<Value, CardError> {
        c.tpl(t)
            .eval(self)
            .map(|v| v.into_owned())
            .map_err(|e| CardError::input(format!("`{}`: {}", c.tpl(t).describe(), e.message)))
    }
}

/// An answer as the templates read it.
pub struct Answer {
    /// `status`.
    pub status: Value,
    /// `headers`, an object of lower-case names.
    pub headers: Value,
    /// `body`: JSON, else text, null when empty.
    pub body: Value,
}

impl Answer {
    /// Reads a response.
    pub fn of(resp: &HttpResponse) -> Self {
        let mut headers = Map::new();
        for (k, v) in &resp.headers {
            headers.insert(k.to_ascii_lowercase(), Value::String(v.clone()));
        }
        Answer {
            status: json!(resp.status),
            headers: Value::Object(headers),
            body: body_value(resp),
        }
    }

    /// The full scope over this answer.
    pub fn scope<'a>(&'a self, settings: &'a Value, inputs: &'a Value) -> CallScope<'a> {
        CallScope {
            values: [
                Some(settings),
                Some(inputs),
                Some(&self.status),
                Some(&self.headers),
                Some(&self.body),
            ],
        }
    }
}

/// The body as templates read it: parsed JSON, else the text, and `null` when empty.
pub fn body_value(resp: &HttpResponse) -> Value {
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    resp.json_body()
        .unwrap_or_else(|| Value::String(resp.text()))
}

/// Encodes one path segment strictly; refuses values that cannot be one segment.
pub fn segment(name: &str, v: &Value) -> Result<String, CardError> {
    let text = flow_template::to_text(v);
    let t = text.trim();
    if t.is_empty() {
        return Err(CardError::input(format!("`{name}` is empty")));
    }
    if t.contains('/') {
        return Err(CardError::input(format!(
            "`{t}` contains `/`, which cannot be sent as one path segment"
        )));
    }
    if t == "." || t == ".." {
        return Err(CardError::input(format!("`{t}` is not a valid `{name}`")));
    }
    Ok(utf8_percent_encode(t, STRICT).to_string())
}

/// Encodes a `{name*}` path input: segments separated by `/`, each encoded strictly; refuses
/// an empty segment (a leading, trailing or doubled `/`), `.` and `..`.
pub fn segments(name: &str, v: &Value) -> Result<String, CardError> {
    let text = flow_template::to_text(v);
    let t = text.trim();
    if t.is_empty() {
        return Err(CardError::input(format!("`{name}` is empty")));
    }
    let mut out = Vec::new();
    for s in t.split('/') {
        if s.is_empty() || s == "." || s == ".." {
            return Err(CardError::input(format!(
                "`{t}` is not a valid `{name}`: a path of names separated by single `/`, none `.` or `..`"
            )));
        }
        out.push(utf8_percent_encode(s, STRICT).to_string());
    }
    Ok(out.join("/"))
}

/// Drops the keys whose value is null, at every depth of objects.
pub fn drop_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, drop_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(drop_nulls).collect()),
        other => other,
    }
}

/// `k=v` pairs, strictly encoded; lists repeat the key.
pub fn encode_pairs(pairs: &[(String, Value)]) -> String {
    let mut out = Vec::new();
    for (k, v) in pairs {
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for i in items {
            out.push(format!(
                "{}={}",
                utf8_percent_encode(k, STRICT),
                utf8_percent_encode(&flow_template::to_text(i), STRICT)
            ));
        }
    }
    out.join("&")
}

/// A sample value of a type, for rehearsals.
pub fn sample(t: &Type) -> Value {
    match t {
        Type::Text | Type::Date => json!(""),
        Type::Number => json!(0),
        Type::Boolean => json!(false),
        Type::List(_) => json!([]),
        Type::Object(Some(o)) => Value::Object(
            o.fields
                .iter()
                .map(|(k, t)| (k.clone(), sample(t)))
                .collect(),
        ),
        Type::Object(None) => json!({}),
        Type::Any | Type::Null => Value::Null,
    }
}

/// The request of one call, before paging parameters.
pub struct Prepared {
    /// The method.
    pub method: String,
    /// The path with inputs encoded.
    pub path: String,
    /// Query pairs (nulls dropped).
    pub query: Vec<(String, Value)>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body and its content type.
    pub body: Option<(Vec<u8>, &'static str)>,
}

impl Prepared {
    /// The request for these query pairs.
    pub fn request(
        &self,
        conn: &ConnectorLive,
        extra: &[(String, Value)],
        attempt: u32,
    ) -> HttpRequest {
        let mut pairs = self.query.clone();
        for (k, v) in extra {
            match pairs.iter_mut().find(|(p, _)| p == k) {
                Some(p) => p.1 = v.clone(),
                None => pairs.push((k.clone(), v.clone())),
            }
        }
        let q = encode_pairs(&pairs);
        let url = if q.is_empty() {
            conn.url(&self.path)
        } else {
            conn.url(&format!("{}?{q}", self.path))
        };
        self.finish(conn.request(&self.method, url, attempt))
    }

    /// Adds the headers and body to a request. An action's header replaces the connector's
    /// header of the same name (`accept: */*` for a download), and a `content-type` header
    /// of the action is the body's content type.
    pub fn finish(&self, mut req: HttpRequest) -> HttpRequest {
        for (k, v) in &self.headers {
            req.headers.retain(|(name, _)| name != k);
            req = req.header(k, v.clone());
        }
        if let Some((b, ct)) = &self.body {
            req.body = Some(b.clone());
            if !self.headers.iter().any(|(k, _)| k == "content-type") {
                req = req.header("content-type", *ct);
            }
        }
        req
    }
}

/// Builds the request of an action from its inputs.
pub fn prepare(
    c: &Connector,
    action: &Action,
    def: &ActionDef,
    scope: &CallScope<'_>,
    inputs: &Value,
) -> Result<Prepared, CardError> {
    let mut path = String::new();
    for p in &action.path {
        match p {
            PathPart::Lit(s) => path.push_str(s),
            PathPart::Input(name) => {
                path.push_str(&segment(name, inputs.get(name).unwrap_or(&Value::Null))?)
            }
            PathPart::Segments(name) => {
                path.push_str(&segments(name, inputs.get(name).unwrap_or(&Value::Null))?)
            }
        }
    }
    let r = &def.request;
    let mut query = Vec::new();
    for (k, t) in &r.query {
        let v = scope.eval(c, *t)?;
        if !(v.is_null() || v.as_str() == Some("")) {
            query.push((k.clone(), v));
        }
    }
    let mut headers = Vec::new();
    for (k, t) in &r.headers {
        let v = scope.eval(c, *t)?;
        if !v.is_null() {
            headers.push((
                k.to_ascii_lowercase(),
                flow_template::to_text(&v).into_owned(),
            ));
        }
    }
    let body = if let Some(t) = r.body {
        let v = drop_nulls(scope.eval(c, t)?);
        Some((
            v.to_string().into_bytes(),
            "application/json; charset=utf-8",
        ))
    } else if let Some(form) = &r.form {
        let mut pairs = Vec::new();
        for (k, t) in form {
            let v = scope.eval(c, *t)?;
            if !v.is_null() {
                pairs.push((k.clone(), v));
            }
        }
        Some((
            encode_pairs(&pairs).into_bytes(),
            "application/x-www-form-urlencoded",
        ))
    } else if let Some(t) = r.text {
        let v = scope.eval(c, t)?;
        Some((
            flow_template::to_text(&v).into_owned().into_bytes(),
            "text/plain; charset=utf-8",
        ))
    } else {
        None
    };
    Ok(Prepared {
        method: action.method.clone(),
        path,
        query,
        headers,
        body,
    })
}

/// Whether an answer is an error: not 2xx, or 2xx with a body that fails by the connector's
/// `errors.when` (Slack's `{"ok": false}`). A `when` that cannot be evaluated on this body (an
/// HTML page) leaves the status to decide.
pub fn failed(c: &Connector, resp: &HttpResponse, scope: &CallScope<'_>) -> bool {
    if !resp.is_success() {
        return true;
    }
    c.def
        .errors
        .as_ref()
        .and_then(|e| e.when)
        .and_then(|t| scope.eval(c, t).ok())
        .is_some_and(|v| flow_template::is_truthy(&v))
}

/// The answer of a call made by Rust code on a connector's connection (no action): its body
/// when it succeeded, else the card error ([`failed`], [`error_of`]).
pub fn checked(c: &Connector, resp: &HttpResponse, settings: &Value) -> Result<Value, CardError> {
    let answer = Answer::of(resp);
    let inputs = Value::Null;
    let scope = answer.scope(settings, &inputs);
    if failed(c, resp, &scope) {
        return Err(error_of(c, None, resp, &scope));
    }
    Ok(answer.body)
}

/// The card error for an answer that is neither 2xx nor a success rule: `<Title> answered
/// <status> <code>: <message> (<causes>)`, with the action's message for the status (or the
/// code) first. The kind is the code's in `errors.kinds`, else the status's (`remote` for a
/// 2xx answer that fails by its body).
pub fn error_of(
    c: &Connector,
    action: Option<&Action>,
    resp: &HttpResponse,
    scope: &CallScope<'_>,
) -> CardError {
    let errors = c.def.errors.as_ref();
    let text = |t: Option<Tpl>| -> Option<String> {
        let v = scope.eval(c, t?).ok()?;
        let s = flow_template::to_text(&v).into_owned();
        (!s.is_empty()).then_some(s)
    };
    let code = text(errors.and_then(|e| e.code));
    let summary = text(errors.and_then(|e| e.message));
    let causes: Vec<String> = errors
        .and_then(|e| e.causes)
        .and_then(|t| scope.eval(c, t).ok())
        .and_then(|v| v.as_array().cloned())
        .map(|a| {
            let field = errors.and_then(|e| e.cause_field.as_deref());
            a.iter()
                .filter_map(|v| match (v, field) {
                    (Value::Object(m), Some(f)) => m.get(f),
                    (Value::Null, _) => None,
                    _ => Some(v),
                })
                .map(|v| flow_template::to_text(v).into_owned())
                .collect()
        })
        .unwrap_or_default();
    // A 2xx answer that fails by its body: its status says nothing.
    let mut message = if resp.is_success() {
        format!("{} answered", c.def.title)
    } else {
        format!("{} answered {}", c.def.title, resp.status)
    };
    if let Some(code) = &code {
        message.push_str(&format!(" {code}"));
    }
    match &summary {
        Some(s) => message.push_str(&format!(": {s}")),
        None if errors.is_none() && !resp.body.is_empty() => {
            let t = resp.text();
            let cut: String = t.chars().take(300).collect();
            message.push_str(&format!(": {}", cut.trim()));
        }
        None => {}
    }
    if !causes.is_empty() {
        message.push_str(&format!(" ({})", causes.join("; ")));
    }
    if resp.status == 403
        && code.is_none()
        && let Some(scope_name) = resp
            .header("www-authenticate")
            .and_then(|w| w.split("scope=\"").nth(1))
            .and_then(|s| s.split('"').next())
    {
        message.push_str(&format!(
            ": the access token lacks the scope `{scope_name}`"
        ));
    }
    if let Some(a) = action
        && let Some(t) = a
            .error_messages
            .iter()
            .find(|(s, _)| *s == resp.status)
            .map(|(_, t)| *t)
            .or_else(|| {
                a.error_codes
                    .iter()
                    .find(|(k, _)| Some(k) == code.as_ref())
                    .map(|(_, t)| *t)
            })
        && let Some(prefix) = text(Some(t))
    {
        message = format!("{prefix} ({message})");
    }
    let kind = code
        .as_ref()
        .and_then(|k| errors.and_then(|e| e.kinds.get(k)))
        .map(|k| k.kind())
        .unwrap_or_else(|| {
            if resp.is_success() {
                ErrorKind::Remote
            } else {
                CardError::kind_for_status(resp.status)
            }
        });
    let mut e = CardError::new(kind, message)
        .with_status(resp.status)
        .with_retry_after(crate::retry_after::retry_after(resp));
    e.code = code;
    e
}

impl Card for ActionCard {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let output = self.at.action().map_or(Type::Any, |a| a.output.clone());
        match &self.stream {
            Some(s) => s.check(cx, output.item().unwrap_or(Type::Any)),
            None => output,
        }
    }

    fn defaults(&self) -> Option<(std::time::Duration, u32)> {
        self.stream.as_ref().map(|_| stream::STEP_DEFAULTS)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let c = self.at.connector;
            let (Some(action), Some(def)) = (self.at.action(), self.at.def()) else {
                return Err(CardError::new(ErrorKind::Config, "unknown action"));
            };
            let conn = cx.connection::<ConnectorLive, AnyConn>(&ConnRef::from_id(self.conn))?;
            let mut map = Map::new();
            for (name, id) in &self.inputs {
                let v = cx.value(&Expr::<kinds::AnyValue>::from_id(*id))?;
                if !v.is_null() {
                    map.insert((*name).to_string(), v.into_owned());
                }
            }
            let inputs = Value::Object(map);
            let scope = CallScope::request(&conn.settings, &inputs);
            let prepared = prepare(c, action, def, &scope, &inputs)?;
            let rehearsed = match def.rehearsal_body {
                Some(t) => Some(scope.eval(c, t)?),
                None => None,
            };
            let status = def.rehearsal_status.unwrap_or(200);
            let rehearsal = |_: &HttpRequest| match &rehearsed {
                Some(body) => HttpResponse::json(status, body),
                None if status == 204 => HttpResponse {
                    status,
                    ..HttpResponse::default()
                },
                None => HttpResponse::json(status, &json!({})),
            };
            if cx.dry_run() && def.rehearsal_body.is_none() {
                // Record the request; the output is the rehearsal.
                let req = prepared.request(&conn, &[], cx.attempt);
                conn.send(cx, req, rehearsal).await?;
                let out = match def.rehearsal {
                    Some(t) => scope.eval(c, t)?,
                    None => sample(&action.output),
                };
                if let Some(s) = &self.stream {
                    // A streamed dry run hands the rehearsed records to the helper.
                    let records = match out {
                        Value::Array(a) => a,
                        _ => Vec::new(),
                    };
                    let pager = Pager::fixed(records, paging::limit_of(&inputs));
                    return Ok(Outcome::value(s.run(cx, pager).await?));
                }
                return Ok(Outcome::value(out));
            }
            if action.paging.is_some() {
                let src = PageSource {
                    cx,
                    conn: &conn,
                    action,
                    def,
                    prepared: &prepared,
                    inputs: &inputs,
                    rehearsal: &rehearsal,
                };
                if let Some(s) = &self.stream {
                    return Ok(Outcome::value(s.run(cx, Pager::new(src)).await?));
                }
                let items = paging::collect(src).await?;
                return Ok(Outcome::value(Value::Array(items)));
            }
            let req = prepared.request(&conn, &[], cx.attempt);
            let resp = conn.send(cx, req, rehearsal).await?;
            let answer = Answer::of(&resp);
            let full = answer.scope(&conn.settings, &inputs);
            let output_tpl = def.output.as_ref().and_then(|o| o.value);
            if !failed(c, &resp, &full) {
                return Ok(Outcome::value(match output_tpl {
                    Some(t) => full.eval(c, t)?,
                    None => answer.body,
                }));
            }
            let error = error_of(c, Some(action), &resp, &full);
            let text = resp.text();
            for rule in &def.success {
                if rule.status.is_none_or(|s| s == resp.status)
                    && rule
                        .code
                        .as_ref()
                        .is_none_or(|code| error.code.as_ref() == Some(code))
                    && rule
                        .cause_contains
                        .as_ref()
                        .is_none_or(|t| text.contains(t.as_str()))
                    && rule
                        .when
                        .is_none_or(|t| full.eval(c, t).is_ok_and(|v| flow_template::is_truthy(&v)))
                {
                    let out = match rule.output.or(output_tpl) {
                        Some(t) => full.eval(c, t)?,
                        None => answer.body,
                    };
                    return Ok(Outcome::value(out));
                }
            }
            Err(error)
        })
    }
}
