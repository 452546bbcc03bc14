//! What a card sees while it runs: its evaluated inputs, the run's environment (dry run or
//! not, the HTTP transport, live connections), helper calls, and a log of what it did.

use crate::answers::CannedAnswers;
use crate::build::StepParts;
use crate::connection::LiveConnection;
use crate::error::{CardError, ErrorKind};
use crate::expr::{ConnRef, Expr, ExprId, FlowRef, kinds, slots};
use crate::http::{HttpExchange, HttpRequest, HttpResponse, Transport, TransportError};
use flow_model::tables::TableStore;
use flow_model::types::value_kind;
use flow_template::{Scope, Slot};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The environment shared by every step of a run (and of its helper runs).
pub struct RunEnv {
    /// Rehearse effects instead of performing them.
    pub dry_run: bool,
    /// How requests are sent.
    pub transport: Arc<dyn Transport>,
    /// Live connections by name.
    pub connections: HashMap<String, LiveConnection>,
    /// Keep each step's evaluated inputs in its record.
    pub capture_inputs: bool,
}

/// The name the project's tables are kept under among [`RunEnv::connections`]: no connection
/// can have it (connection names are identifiers), so building a `RunEnv` stays as it was.
pub const TABLES_CONNECTION: &str = "@tables";

/// The tables handle as kept among the live connections.
struct TablesHandle(Arc<dyn TableStore>);

/// The name canned answers are kept under among [`RunEnv::connections`] (like
/// [`TABLES_CONNECTION`], a name no connection can have).
pub const ANSWERS_CONNECTION: &str = "@answers";

impl RunEnv {
    /// Gives the run's steps the project's tables (table cards fail without them).
    pub fn set_tables(&mut self, tables: Arc<dyn TableStore>) {
        self.connections.insert(
            TABLES_CONNECTION.to_string(),
            Arc::new(TablesHandle(tables)),
        );
    }

    /// The project's tables, when the run has them.
    pub fn tables(&self) -> Option<Arc<dyn TableStore>> {
        let live = self.connections.get(TABLES_CONNECTION)?.clone();
        live.downcast::<TablesHandle>().ok().map(|h| h.0.clone())
    }

    /// Gives a dry run canned answers: a request matching one gets it instead of the card's
    /// rehearsal ([`StepCx::send`]).
    pub fn set_answers(&mut self, answers: Arc<CannedAnswers>) {
        self.connections
            .insert(ANSWERS_CONNECTION.to_string(), answers);
    }

    /// The canned answers, when the run has them.
    pub fn answers(&self) -> Option<Arc<CannedAnswers>> {
        let live = self.connections.get(ANSWERS_CONNECTION)?.clone();
        live.downcast::<CannedAnswers>().ok()
    }
}

/// A compiled flow a step may call, numbered by the compiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowTarget(pub u32);

/// Runs helper flows for a step; the engine gives each step its own caller so that child
/// records land under the right step.
pub trait FlowCaller: Send + Sync {
    /// Runs `target` with `inputs`; `index` is the item's position when called per list item.
    /// Returns the helper's `flow.return` outputs (`null` when it returns nothing).
    fn call(
        &self,
        target: FlowTarget,
        inputs: Value,
        index: Option<usize>,
    ) -> BoxFuture<'_, Result<Arc<Value>, CardError>>;

    /// A hint: about `n` calls will follow (a list card knows its length), so records can be
    /// sized once.
    fn expect_calls(&self, _n: usize) {}
}

/// What a step did besides producing its output.
#[derive(Debug, Default, Clone)]
pub struct StepLog {
    /// Requests sent (or rehearsed), masked.
    pub http: Vec<HttpExchange>,
    /// Evaluated inputs, by config field (only when the run captures inputs).
    pub inputs: Vec<(String, Value)>,
}

/// The context of one attempt of one step.
pub struct StepCx<'a> {
    parts: &'a StepParts,
    scope: &'a (dyn Scope + Sync),
    env: &'a RunEnv,
    caller: &'a dyn FlowCaller,
    /// The attempt number, from 1.
    pub attempt: u32,
    /// The time one attempt may take (each request gets at most this long).
    pub timeout: Duration,
    log: Mutex<StepLog>,
}

/// Reads `item` and `index` from the item, everything else from the step's scope.
struct ItemScope<'s> {
    base: &'s (dyn Scope + Sync),
    item: &'s Value,
    index: Value,
}

impl Scope for ItemScope<'_> {
    fn get(&self, slot: Slot) -> Option<&Value> {
        match slot {
            slots::ITEM => Some(self.item),
            slots::INDEX => Some(&self.index),
            other => self.base.get(other),
        }
    }

    fn max_text(&self) -> usize {
        self.base.max_text()
    }
}

impl<'a> StepCx<'a> {
    /// A context; built by the engine.
    pub fn new(
        parts: &'a StepParts,
        scope: &'a (dyn Scope + Sync),
        env: &'a RunEnv,
        caller: &'a dyn FlowCaller,
        attempt: u32,
        timeout: Duration,
    ) -> Self {
        StepCx {
            parts,
            scope,
            env,
            caller,
            attempt,
            timeout,
            log: Mutex::new(StepLog::default()),
        }
    }

    /// True in a dry run: effects must be rehearsed, not performed.
    pub fn dry_run(&self) -> bool {
        self.env.dry_run
    }

    /// The project's tables, when the run has them (`store: none` gives none).
    pub fn tables(&self) -> Option<Arc<dyn TableStore>> {
        self.env.tables()
    }

    /// Takes the log.
    pub fn into_log(self) -> StepLog {
        self.log
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn with_log<R>(&self, f: impl FnOnce(&mut StepLog) -> R) -> R {
        let mut guard = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    fn expr_info(&self, id: ExprId) -> Result<&'a crate::build::CompiledExpr, CardError> {
        self.parts.exprs.get(id.0 as usize).ok_or_else(|| {
            CardError::new(
                ErrorKind::Config,
                format!("expression #{} is not compiled", id.0),
            )
        })
    }

    /// Evaluates an expression to a value (borrowed from the run where it can be).
    pub fn value<K>(&self, e: &Expr<K>) -> Result<Cow<'a, Value>, CardError> {
        let info = self.expr_info(e.id)?;
        let v = info.expr.eval(self.scope).map_err(|err| {
            CardError::input(format!(
                "`{}`: {} (in `{}`)",
                info.field,
                err.message,
                info.expr.describe()
            ))
        })?;
        if self.env.capture_inputs && !info.item_scope {
            self.with_log(|log| {
                if !log.inputs.iter().any(|(k, _)| *k == info.field) {
                    log.inputs
                        .push((info.field.clone(), v.clone().into_owned()));
                }
            });
        }
        Ok(v)
    }

    fn wrong(&self, id: ExprId, want: &str, got: &Value) -> CardError {
        let (field, src) = self
            .expr_info(id)
            .map(|i| (i.field.clone(), i.expr.describe()))
            .unwrap_or_default();
        CardError::input(format!(
            "`{field}` must be {want}, but `{src}` gave {}",
            value_kind(got)
        ))
    }

    /// Evaluates to text; numbers and booleans are converted, null and structures are errors.
    pub fn text<K>(&self, e: &Expr<K>) -> Result<Cow<'a, str>, CardError> {
        match self.value(e)? {
            Cow::Borrowed(Value::String(s)) => Ok(Cow::Borrowed(s.as_str())),
            Cow::Owned(Value::String(s)) => Ok(Cow::Owned(s)),
            v @ (Cow::Borrowed(Value::Number(_) | Value::Bool(_))
            | Cow::Owned(Value::Number(_) | Value::Bool(_))) => {
                Ok(Cow::Owned(flow_template::to_text(&v).into_owned()))
            }
            other => Err(self.wrong(e.id, "text", &other)),
        }
    }

    /// Like [`StepCx::text`], but absent fields, null and empty text give `None`.
    pub fn opt_text<K>(&self, e: &Option<Expr<K>>) -> Result<Option<String>, CardError> {
        let Some(e) = e else { return Ok(None) };
        match &*self.value(e)? {
            Value::Null => Ok(None),
            Value::String(s) if s.is_empty() => Ok(None),
            _ => self.text(e).map(|t| Some(t.into_owned())),
        }
    }

    /// Evaluates to a list.
    pub fn list<K>(&self, e: &Expr<K>) -> Result<Cow<'a, Value>, CardError> {
        let v = self.value(e)?;
        if v.is_array() {
            Ok(v)
        } else {
            Err(self.wrong(e.id, "a list", &v))
        }
    }

    /// Evaluates to a number.
    pub fn number<K>(&self, e: &Expr<K>) -> Result<f64, CardError> {
        let v = self.value(e)?;
        match &*v {
            Value::Number(n) => n.as_f64().ok_or_else(|| self.wrong(e.id, "a number", &v)),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| self.wrong(e.id, "a number", &v)),
            _ => Err(self.wrong(e.id, "a number", &v)),
        }
    }

    /// Evaluates to true or false (Handlebars truthiness).
    pub fn truthy<K>(&self, e: &Expr<K>) -> Result<bool, CardError> {
        let v = self.value(e)?;
        Ok(flow_template::is_truthy(&v))
    }

    /// Evaluates every input of the step and returns them by field (for mocked steps, whose card
    /// does not run but whose inputs tests match and check). Inputs that fail to evaluate are
    /// left out.
    pub fn record_inputs(&self) -> serde_json::Map<String, Value> {
        let mut out = serde_json::Map::new();
        for (i, info) in self.parts.exprs.iter().enumerate() {
            if !info.item_scope
                && let Ok(v) = self.value(&Expr::<kinds::AnyValue>::from_id(i as u32))
            {
                out.insert(info.field.clone(), v.into_owned());
            }
        }
        out
    }

    /// Evaluates an item-scoped expression for one list item.
    pub fn item_value(
        &self,
        e: &Expr<kinds::ItemObject>,
        item: &Value,
        index: usize,
    ) -> Result<Value, CardError> {
        let info = self.expr_info(e.id)?;
        let scope = ItemScope {
            base: self.scope,
            item,
            index: Value::from(index),
        };
        info.expr.eval(&scope).map(Cow::into_owned).map_err(|err| {
            CardError::input(format!(
                "`{}` for item {index}: {}",
                info.field, err.message
            ))
        })
    }

    /// The live connection a reference names, as the connector's type.
    pub fn connection<T: Send + Sync + 'static, K>(
        &self,
        r: &ConnRef<K>,
    ) -> Result<Arc<T>, CardError> {
        let info = self.parts.conns.get(r.id as usize).ok_or_else(|| {
            CardError::new(ErrorKind::Config, "connection reference is not compiled")
        })?;
        let live = self.env.connections.get(&info.name).ok_or_else(|| {
            CardError::new(
                ErrorKind::Config,
                format!("connection `{}` is not configured", info.name),
            )
        })?;
        live.clone().downcast::<T>().map_err(|_| {
            CardError::new(
                ErrorKind::Config,
                format!("connection `{}` is not of kind {}", info.name, info.kind),
            )
        })
    }

    /// The name of a referenced flow.
    pub fn flow_name(&self, f: FlowRef) -> &str {
        self.parts
            .flows
            .get(f.id as usize)
            .map_or("?", |i| i.name.as_str())
    }

    /// Tells the engine about how many helper runs this step will make.
    pub fn expect_calls(&self, n: usize) {
        self.caller.expect_calls(n);
    }

    /// Runs a helper flow and returns its outputs.
    pub async fn call(
        &self,
        f: FlowRef,
        inputs: Value,
        index: Option<usize>,
    ) -> Result<Arc<Value>, CardError> {
        let target = self
            .parts
            .flows
            .get(f.id as usize)
            .and_then(|i| i.target)
            .ok_or_else(|| CardError::new(ErrorKind::Config, "helper flow is not resolved"))?;
        self.caller.call(FlowTarget(target), inputs, index).await
    }

    /// Sends a request, or in a dry run records it and answers with `rehearsal`. Every request
    /// is logged with secrets masked.
    pub async fn send(
        &self,
        req: HttpRequest,
        rehearsal: impl FnOnce(&HttpRequest) -> HttpResponse,
    ) -> Result<HttpResponse, CardError> {
        let mut ex = HttpExchange::of(&req, self.attempt);
        if self.env.dry_run {
            // The run's canned answer for it, when it has one ([`RunEnv::set_answers`]).
            let canned = self.env.answers().and_then(|a| a.answer(&req));
            let resp = canned.unwrap_or_else(|| rehearsal(&req));
            ex.rehearsal = true;
            ex.status = Some(resp.status);
            self.with_log(|log| log.http.push(ex));
            return Ok(resp);
        }
        let started = Instant::now();
        let result = self.env.transport.send(req, self.timeout).await;
        ex.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &result {
            Ok(resp) => ex.status = Some(resp.status),
            Err(e) => ex.error = Some(e.to_string()),
        }
        self.with_log(|log| log.http.push(ex));
        result.map_err(|e| {
            let kind = match e {
                TransportError::Timeout(_) => ErrorKind::Timeout,
                TransportError::Connect(_) => ErrorKind::Connection,
                TransportError::TooLarge(_) => ErrorKind::Remote,
                TransportError::Invalid(_) => ErrorKind::Input,
            };
            CardError::new(kind, e.to_string())
        })
    }
}
