//! The cards the converter handles with code of its own ([`Special`]): templates (Compose,
//! Concatenate), Construct and Assign, List Construct, iterators and helper calls, Return,
//! Return Raw and Close, Return Error (If) and Continue If.

use super::{Cx, Resolved, Step, snake};
use crate::export::Method;
use crate::names::Unique;
use crate::table::Special;
use crate::value::Val;
use crate::yaml::Yaml;
use serde_json::Value;
use std::collections::HashMap;

impl<'a> Cx<'a> {
    /// Converts a card the table marks [`Special`]: a step, or `None` when the card is read
    /// where it is used.
    pub(super) fn special(
        &mut self,
        m: &'a Method,
        id: &str,
        s: Special,
    ) -> Result<Option<Step>, String> {
        let step = |card: &'static str, with: Vec<(String, Yaml)>| Step {
            id: id.to_string(),
            card: card.into(),
            with,
            ..Step::default()
        };
        match s {
            Special::Compose => {
                let template = self.compose_template(m)?;
                self.single_output(m, Ok(Val::Ref(id.to_string())));
                Ok(Some(step(
                    "text.compose",
                    vec![("template".into(), template.to_yaml())],
                )))
            }
            Special::Concat => {
                let mut parts = Vec::new();
                let ids: Vec<String> = m.inputs.iter().map(|f| f.id.clone()).collect();
                for i in ids {
                    if let Some(v) = self.input(m, &i, 0)? {
                        parts.push(v);
                    }
                }
                self.single_output(m, Ok(Val::Ref(id.to_string())));
                Ok(Some(step(
                    "text.compose",
                    vec![("template".into(), Val::Text(parts).to_yaml())],
                )))
            }
            Special::Construct => {
                let fields = self.custom_inputs(m)?;
                let tree = nest(fields);
                self.single_output(m, Ok(Val::Ref(id.to_string())));
                Ok(Some(step(
                    "object.construct",
                    vec![("fields".into(), tree.to_yaml())],
                )))
            }
            Special::Assign => {
                let fields = self.custom_inputs(m)?;
                let mut names = Unique::default();
                let mut entries = Vec::new();
                let mut by_key = HashMap::new();
                for (key, v) in fields {
                    let name = names.claim(snake(&key, "value"), "_");
                    by_key.insert(key, name.clone());
                    entries.push((name, v.unwrap_or(Val::Const(Value::Null))));
                }
                for o in &m.outputs {
                    let v = match by_key.get(&o.key) {
                        Some(n) => Ok(Val::Ref(format!("{id}.{n}"))),
                        None => Err(format!(
                            "reads the Assign output `{}`, which has no input",
                            o.key
                        )),
                    };
                    self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
                }
                Ok(Some(step(
                    "object.construct",
                    vec![("fields".into(), Val::Map(entries).to_yaml())],
                )))
            }
            Special::ListConstruct => {
                let items: Vec<Val> = self
                    .custom_inputs(m)?
                    .into_iter()
                    .map(|(_, v)| v.unwrap_or(Val::Const(Value::Null)))
                    .collect();
                self.single_output(m, Ok(Val::List(items)));
                Ok(None)
            }
            Special::ForEachIgnoreErrors if m.inline.is_some() => self.event_batch(m, id),
            Special::Formula => {
                let with = self.formula(m)?;
                self.single_output(m, Ok(Val::Ref(id.to_string())));
                Ok(Some(step("number.formula", with)))
            }
            Special::ForEach
            | Special::ForEachIgnoreErrors
            | Special::ListMap
            | Special::FilterCustom => {
                let card = match s {
                    Special::ListMap => "list.map",
                    Special::FilterCustom => "list.filter_custom",
                    _ => "list.for_each",
                };
                let list = self
                    .input_by_key(m, "list")?
                    .ok_or_else(|| "its list is not set".to_string())?;
                let (flow, inputs) = self.call(m, true)?;
                let mut with = vec![
                    ("list".to_string(), list.to_yaml()),
                    ("flow".to_string(), Yaml::str(flow)),
                    ("inputs".to_string(), inputs),
                ];
                let concurrency = m.input("concurrency").and_then(|f| f.data.as_u64());
                if let Some(c) = concurrency
                    && c > 1
                {
                    with.push(("concurrency".into(), Yaml::Num(c.min(100).to_string())));
                }
                if s == Special::ForEachIgnoreErrors {
                    with.push(("on_item_error".into(), Yaml::str("continue")));
                }
                self.single_output(m, Ok(Val::Ref(id.to_string())));
                let mut st = step(card, with);
                if let Some(c) = concurrency.filter(|c| *c > 100) {
                    st.comments.push(format!(
                        "Okta ran {c} items at once; flowctl runs at most 100"
                    ));
                }
                Ok(Some(st))
            }
            Special::CallFlowAsync
                if self
                    .catalog
                    .kinds
                    .as_ref()
                    .is_some_and(|k| k.has("flow.call_async")) =>
            {
                let (flow, inputs) = self.call(m, false)?;
                for o in &m.outputs {
                    self.outputs.insert(
                        (m.uuid.clone(), o.id.clone()),
                        Err(format!(
                            "reads the Call Flow Async output `{}` (it does not wait for one)",
                            o.label()
                        )),
                    );
                }
                Ok(Some(step(
                    "flow.call_async",
                    vec![("flow".into(), Yaml::str(flow)), ("inputs".into(), inputs)],
                )))
            }
            Special::CallFlow | Special::CallFlowAsync => {
                let (flow, inputs) = self.call(m, false)?;
                let mut st = step(
                    "flow.call",
                    vec![("flow".into(), Yaml::str(flow)), ("inputs".into(), inputs)],
                );
                if s == Special::CallFlowAsync {
                    st.on_error = Some("continue");
                    st.comments.push(
                        "Okta's Call Flow Async does not wait; flowctl waits for the helper, and its failure does not fail this flow".into(),
                    );
                }
                for o in &m.outputs {
                    let v = if o.custom {
                        Ok(Val::Ref(format!("{id}.{}", snake(&o.key, "output"))))
                    } else {
                        Err(format!("reads the Call Flow output `{}`", o.label()))
                    };
                    self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
                }
                Ok(Some(st))
            }
            Special::Return => {
                let mut names = Unique::default();
                let mut entries = Vec::new();
                for (key, v) in self.custom_inputs(m)? {
                    entries.push((
                        names.claim(snake(&key, "output"), "_"),
                        v.unwrap_or(Val::Const(Value::Null)),
                    ));
                }
                let with = if entries.is_empty() {
                    vec![]
                } else {
                    vec![("outputs".into(), Val::Map(entries).to_yaml())]
                };
                Ok(Some(step("flow.return", with)))
            }
            Special::ReturnRaw | Special::Close => {
                if self.trigger_kind != Some("api_endpoint") {
                    return Err(
                        "answers an HTTP caller, but this flow is not an API Endpoint flow".into(),
                    );
                }
                if self.closed {
                    return Err(
                        "answers the HTTP caller a second time (flowctl has one `http.close` per flow)"
                            .into(),
                    );
                }
                self.closed = true;
                let mut with = Vec::new();
                if let Some(v) = self.input_by_key(m, "statusCode")? {
                    match v {
                        Val::Const(Value::Number(n)) if n.as_u64() == Some(0) => {}
                        v => with.push(("status".to_string(), v.to_yaml())),
                    }
                }
                for key in ["headers", "body"] {
                    if let Some(v) = self.input_by_key(m, key)? {
                        with.push((key.to_string(), v.to_yaml()));
                    }
                }
                let mut st = step("http.close", with);
                if s == Special::ReturnRaw {
                    st.comments.push(
                        "Okta's Return Raw ends the flow; http.close answers and the flow goes on"
                            .into(),
                    );
                }
                Ok(Some(st))
            }
            Special::Throw | Special::ThrowIf => {
                let mut st = step("flow.fail", Vec::new());
                if s == Special::ThrowIf {
                    st.condition = Some(self.condition(m)?);
                }
                if let Some(v) = self.input_by_key(m, "statusCode")? {
                    st.with.push(("status".into(), v.to_yaml()));
                }
                let message = self
                    .input_by_key(m, "message")?
                    .unwrap_or(Val::Const(Value::String("Return Error".into())));
                st.with.push(("message".into(), message.to_yaml()));
                Ok(Some(st))
            }
            Special::ContinueIf => {
                let condition = self.condition(m)?;
                let mut with = vec![(
                    "condition".to_string(),
                    Yaml::Str(format!("{{{{ {condition} }}}}")),
                )];
                if let Some(v) = self.input_by_key(m, "message")? {
                    with.push(("message".into(), v.to_yaml()));
                }
                Ok(Some(step("flow.continue_if", with)))
            }
            Special::IfElse => self.branch_block(m, id).map(Some),
            Special::IfElseIf => self.if_else_if(m, id),
            Special::AssignIf => self.assign_if(m, id),
            Special::Join => {
                for o in &m.outputs {
                    let v = self.joined(m, &o.id);
                    self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
                }
                Ok(None)
            }
            Special::TryCatch => self.try_catch(m, id),
            Special::SearchRows => self.search_rows(m, id).map(Some),
            Special::TableRow(card) => self.table_row(m, id, card).map(Some),
            Special::ExportCsv => self.export_csv(m, id).map(Some),
            Special::ReadTable => self.read_table(m).map(|()| None),
            Special::Merge => {
                let ids: Vec<String> = m
                    .inputs
                    .iter()
                    .filter(|f| !f.wormhole)
                    .map(|f| f.id.clone())
                    .collect();
                let mut objects = Vec::new();
                for i in ids {
                    if let Some(v) = self.input(m, &i, 0)? {
                        objects.push(v);
                    }
                }
                if objects.is_empty() {
                    return Err("merges no object".into());
                }
                self.single_output(m, Ok(Val::Ref(id.to_string())));
                Ok(Some(step(
                    "object.merge",
                    vec![("objects".into(), Val::List(objects).to_yaml())],
                )))
            }
            Special::Reduce => {
                let list = self
                    .input_by_key(m, "list")?
                    .ok_or_else(|| "its list is not set".to_string())?;
                let initial = m
                    .inputs
                    .iter()
                    .find(|f| f.key == "memo" && !f.custom)
                    .map(|f| f.id.clone());
                let initial = match initial {
                    // A list memo left empty is the empty list in Okta.
                    Some(fid) => self.input(m, &fid, 0)?.or_else(|| {
                        m.inputs
                            .iter()
                            .any(|f| f.id == fid && f.collection)
                            .then(|| Val::Const(Value::Array(Vec::new())))
                    }),
                    None => None,
                };
                let (flow, inputs) = self.call(m, true)?;
                let uuid = m.input("flo").map(|f| crate::export::text(Some(&f.data)));
                let returns = uuid
                    .as_ref()
                    .and_then(|u| self.catalog.returns.get(u).cloned())
                    .unwrap_or_default();
                let declared = uuid
                    .and_then(|u| self.catalog.helpers.get(&u).cloned())
                    .unwrap_or_default();
                // The helper input Okta hands the running value to: the one proxied without
                // the item (or, failing that, the card's input called `memo`, or the helper's:
                // a card made before its helper's memo input was renamed `memo` proxies none).
                let memo_key = m
                    .inputs
                    .iter()
                    .filter(|f| f.custom && !f.wormhole)
                    .find(|f| f.proxy.as_ref().is_some_and(|p| !p.dynamic))
                    .or_else(|| m.inputs.iter().find(|f| f.custom && f.key == "memo"))
                    .map(|f| f.key.clone())
                    .or_else(|| {
                        declared
                            .iter()
                            .any(|(key, _)| key == "memo")
                            .then(|| "memo".to_string())
                    });
                let memo_input = memo_key
                    .as_deref()
                    .and_then(|k| declared.iter().find(|(key, _)| key == k))
                    .map(|(_, name)| name.clone())
                    .ok_or_else(|| {
                        format!("its helper `{flow}` is handed no running value (no input takes the memo)")
                    })?;
                let Yaml::Map(given) = inputs else {
                    return Err(format!("its helper `{flow}` takes no inputs"));
                };
                let others: Vec<(String, Yaml)> = given
                    .into_iter()
                    .filter(|(n, _)| *n != memo_input)
                    .collect();
                // Okta's helper returns the next running value in the field named as its memo
                // input, or in the one field its Return gives.
                let memo_output = match returns.as_slice() {
                    [only] if !returns.contains(&memo_input) => only.clone(),
                    _ => memo_input.clone(),
                };
                let with = vec![
                    ("list".to_string(), list.to_yaml()),
                    ("flow".to_string(), Yaml::str(flow)),
                    (
                        "memo".to_string(),
                        initial.unwrap_or(Val::Const(Value::Null)).to_yaml(),
                    ),
                    ("memo_input".to_string(), Yaml::str(memo_input.clone())),
                    ("memo_output".to_string(), Yaml::str(memo_output)),
                    ("inputs".to_string(), Yaml::Map(others)),
                ];
                self.single_output(m, Ok(Val::Ref(id.to_string())));
                Ok(Some(step("list.reduce", with)))
            }
            Special::Lookup => self.lookup(m, id).map(Some),
            Special::Wait => self.wait(m, id).map(Some),
            Special::Repeat => self.repeat(m, id).map(Some),
            Special::Hmac => self.hmac(m, id).map(Some),
            Special::ApiEndpoint | Special::Callable | Special::Delegated => {
                Err("a second event card in one flow".into())
            }
            Special::Comment | Special::Noop | Special::Expand | Special::GetMultiple => Ok(None),
            Special::GoogleLicense(card) => self.license_card(m, id, card).map(Some),
            Special::OpsgenieParticipant | Special::OpsgenieTimeRestriction => {
                self.built(m, s)?;
                Ok(None)
            }
        }
    }

    /// HMAC → `crypto.hmac`. Okta takes the key as a value (the public templates read it from
    /// a table); flowctl never passes a secret through a flow, so the key is the secret of the
    /// `hmac_key` connection (`kind: key`, from the environment) and Okta's key input, wherever
    /// it came from, is not used.
    fn hmac(&mut self, m: &Method, id: &str) -> Result<Step, String> {
        let mut with = vec![("key".to_string(), Yaml::str(self.connection(m, "hmac_key")))];
        for f in m.inputs.iter().filter(|f| !f.wormhole) {
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            let chosen = crate::export::text(Some(&f.data)).to_ascii_lowercase();
            match f.key.as_str() {
                "key" => {}
                "data" => {
                    let fid = f.id.clone();
                    let v = self
                        .input(m, &fid, 0)?
                        .ok_or_else(|| "signs no data".to_string())?;
                    with.push(("text".into(), v.to_yaml()));
                }
                "algorithm" | "digest" if wired => {
                    return Err(format!("its `{}` is wired, not chosen", f.key));
                }
                "algorithm" => match chosen.as_str() {
                    "sha256" | "" => {}
                    "sha512" => with.push(("algorithm".into(), Yaml::str("sha512"))),
                    other => {
                        return Err(format!(
                            "its algorithm `{other}` has no flowctl counterpart (sha256, sha512)"
                        ));
                    }
                },
                "digest" => match chosen.as_str() {
                    "hex" | "" => {}
                    "base64" => with.push(("encoding".into(), Yaml::str("base64"))),
                    other => {
                        return Err(format!(
                            "its digest `{other}` has no flowctl counterpart (hex, base64)"
                        ));
                    }
                },
                _ if wired || !f.is_blank() => {
                    return Err(format!(
                        "its input `{}` has no flowctl counterpart",
                        f.label()
                    ));
                }
                _ => {}
            }
        }
        self.notes.push(
            "Okta: HMAC's key was a value in the flow; here it is the secret of the `hmac_key` connection (flowctl.yaml, from the environment)".into(),
        );
        self.single_output(m, Ok(Val::Ref(id.to_string())));
        Ok(Step {
            id: id.to_string(),
            card: "crypto.hmac".into(),
            with,
            ..Step::default()
        })
    }

    /// Lookup → `flow.lookup`: the value looked up, each case a custom input (its key the case,
    /// its value the result) or a group holding a `key` and a `value`, and the `else` default.
    fn lookup(&mut self, m: &Method, id: &str) -> Result<Step, String> {
        const VALUE: &[&str] = &["value", "key", "lookup value", "lookup", "input"];
        const DEFAULT: &[&str] = &["else", "default", "otherwise"];
        const CASE_KEY: &[&str] = &["key", "case", "when", "match"];
        const CASE_VALUE: &[&str] = &["value", "result", "then", "output"];
        let mut value = None;
        let mut default = None;
        let mut cases: Vec<(String, Val)> = Vec::new();
        let mut grouped: Vec<(String, Option<String>, Option<Val>)> = Vec::new();
        let fields: Vec<_> = m.inputs.iter().filter(|f| !f.wormhole).cloned().collect();
        for f in fields {
            let k = f.key.to_ascii_lowercase();
            let v = self.input(m, &f.id, 0)?;
            let group = f.group.as_deref().map(str::to_ascii_lowercase);
            match group.as_deref() {
                Some(g) if DEFAULT.contains(&g) => default = default.or(v),
                // Seen in a public template: each case is an input of the `options` group, its
                // key the value to match, its value the result.
                Some("options") => {
                    cases.push((f.key.clone(), v.unwrap_or(Val::Const(Value::Null))))
                }
                Some(_) => {
                    let g = f.group.clone().unwrap_or_default();
                    let i = match grouped.iter().position(|(name, _, _)| *name == g) {
                        Some(i) => i,
                        None => {
                            grouped.push((g, None, None));
                            grouped.len() - 1
                        }
                    };
                    let Some(slot) = grouped.get_mut(i) else {
                        continue;
                    };
                    if CASE_KEY.contains(&k.as_str()) && slot.1.is_none() {
                        match &v {
                            Some(Val::Const(c)) => slot.1 = Some(crate::export::text(Some(c))),
                            Some(_) => return Err("one of its cases is wired, not typed".into()),
                            None => {}
                        }
                    } else if CASE_VALUE.contains(&k.as_str()) {
                        slot.2 = v;
                    } else if v.is_some() {
                        return Err(format!(
                            "its input `{}` has no flowctl counterpart",
                            f.label()
                        ));
                    }
                }
                None if f.custom => {
                    cases.push((f.key.clone(), v.unwrap_or(Val::Const(Value::Null))))
                }
                None if VALUE.contains(&k.as_str()) && value.is_none() => value = v,
                None if DEFAULT.contains(&k.as_str()) => default = v,
                None if v.is_some() => {
                    return Err(format!(
                        "its input `{}` has no flowctl counterpart",
                        f.label()
                    ));
                }
                None => {}
            }
        }
        for (group, key, v) in grouped {
            let Some(key) = key else {
                return Err(format!("its case `{group}` has no key"));
            };
            cases.push((key, v.unwrap_or(Val::Const(Value::Null))));
        }
        let value = value.ok_or_else(|| "its value to look up is not set".to_string())?;
        let mut with = vec![
            ("value".to_string(), value.to_yaml()),
            ("cases".to_string(), Val::Map(cases).to_yaml()),
        ];
        if let Some(d) = default {
            with.push(("default".to_string(), d.to_yaml()));
        }
        self.single_output(m, Ok(Val::Ref(id.to_string())));
        Ok(Step {
            id: id.to_string(),
            card: "flow.lookup".into(),
            with,
            ..Step::default()
        })
    }

    /// Wait For → `flow.wait` with `for:` its amount in its unit (`30m`; weeks as days), or
    /// `until:` a date.
    fn wait(&mut self, m: &Method, id: &str) -> Result<Step, String> {
        const AMOUNT: &[&str] = &[
            "amount", "delay", "duration", "time", "wait", "for", "value",
        ];
        const UNIT: &[&str] = &["unit", "units", "interval", "period"];
        const UNTIL: &[&str] = &["until", "date"];
        let mut amount = None;
        let mut unit = None;
        let mut until = None;
        let fields: Vec<_> = m.inputs.iter().filter(|f| !f.wormhole).cloned().collect();
        for f in fields {
            let k = f.key.to_ascii_lowercase();
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            let v = self.input(m, &f.id, 0)?;
            if UNIT.contains(&k.as_str()) {
                if wired {
                    return Err("its unit is wired, not chosen".into());
                }
                unit = Some(crate::export::text(Some(&f.data)));
            } else if AMOUNT.contains(&k.as_str()) && amount.is_none() {
                amount = v;
            } else if UNTIL.contains(&k.as_str()) {
                until = v;
            } else if v.is_some() {
                return Err(format!(
                    "its input `{}` has no flowctl counterpart",
                    f.label()
                ));
            }
        }
        let mut with = Vec::new();
        if let Some(amount) = amount {
            let unit = unit.unwrap_or_else(|| "seconds".into());
            let u = unit.trim().to_ascii_lowercase();
            let u = u.trim_end_matches('s');
            let (suffix, factor) = match u {
                "second" | "sec" => ("s", 1),
                "minute" | "min" => ("m", 1),
                "hour" => ("h", 1),
                "day" => ("d", 1),
                "week" => ("d", 7),
                _ => {
                    return Err(format!(
                        "waits in {unit}, which flowctl's `flow.wait` does not count in (seconds to weeks)"
                    ));
                }
            };
            let duration = match amount {
                Val::Const(Value::Number(n)) => {
                    let n = n
                        .as_u64()
                        .ok_or_else(|| format!("waits {n} {unit}, not a whole number"))?;
                    Val::Const(Value::String(format!("{}{suffix}", n * factor)))
                }
                Val::Const(Value::String(t)) => match t.trim().parse::<u64>() {
                    Ok(n) => Val::Const(Value::String(format!("{}{suffix}", n * factor))),
                    Err(_) => return Err(format!("waits `{t}` {unit}, not a whole number")),
                },
                v if factor == 1 => Val::Text(vec![v, Val::Const(Value::String(suffix.into()))]),
                _ => return Err("waits a wired number of weeks (not yet)".into()),
            };
            with.push(("for".to_string(), duration.to_yaml()));
        } else if let Some(until) = until {
            with.push(("until".to_string(), until.to_yaml()));
        } else {
            return Err("its time to wait is not set".into());
        }
        for o in &m.outputs {
            self.outputs.insert(
                (m.uuid.clone(), o.id.clone()),
                Err(format!("reads the Wait For output `{}`", o.label())),
            );
        }
        Ok(Step {
            id: id.to_string(),
            card: "flow.wait".into(),
            with,
            ..Step::default()
        })
    }

    /// Repeat → `flow.repeat`: its helper run `times` times (one at a time), the run's number
    /// where Okta hands the helper its index.
    fn repeat(&mut self, m: &Method, id: &str) -> Result<Step, String> {
        let mut times = None;
        for key in ["times", "count", "number of times", "repeat"] {
            if let Some(v) = self.input_by_key(m, key)? {
                times = Some(v);
                break;
            }
        }
        let times = times.ok_or_else(|| "its number of times is not set".to_string())?;
        let (flow, inputs) = self.call(m, false)?;
        let mut st = Step {
            id: id.to_string(),
            card: "flow.repeat".into(),
            with: vec![
                ("flow".to_string(), Yaml::str(flow)),
                ("inputs".to_string(), inputs),
                ("times".to_string(), times.to_yaml()),
            ],
            ..Step::default()
        };
        if let Some(c) = m.input("concurrency").and_then(|f| f.data.as_u64())
            && c > 1
        {
            st.comments.push(format!(
                "Okta ran {c} runs at once; flowctl's flow.repeat runs them one after another"
            ));
        }
        self.single_output(m, Ok(Val::Ref(id.to_string())));
        Ok(st)
    }

    /// Compose's `_text_` with each `{{{key}}}` placeholder replaced by its input's value.
    fn compose_template(&mut self, m: &Method) -> Resolved {
        let Some(text_field) = m.input("_text_").cloned() else {
            return Err("its text is missing".into());
        };
        if self
            .wires
            .contains_key(&(m.uuid.as_str(), text_field.id.as_str()))
        {
            return Ok(self
                .input(m, &text_field.id, 0)?
                .unwrap_or(Val::Const(Value::Null)));
        }
        let text = crate::export::text(Some(&text_field.data));
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while let Some(open) = rest.find("{{{") {
            let Some(close) = rest[open + 3..].find("}}}") else {
                break;
            };
            let key = &rest[open + 3..open + 3 + close];
            parts.push(Val::Const(Value::String(rest[..open].to_string())));
            let field = m
                .inputs
                .iter()
                .find(|f| f.key == key && f.id != text_field.id)
                .map(|f| f.id.clone());
            match field {
                Some(fid) => parts.push(self.input(m, &fid, 0)?.unwrap_or(Val::Const(Value::Null))),
                None => parts.push(Val::Const(Value::String(format!("{{{{{{{key}}}}}}}")))),
            }
            rest = &rest[open + 3 + close + 3..];
        }
        parts.push(Val::Const(Value::String(rest.to_string())));
        Ok(Val::Text(parts))
    }

    /// Formula's `expression` and `values`: its `_text_` with each `{{{key}}}` placeholder
    /// replaced by a name made from the key (`Unit Count` → `unit_count`), and that name's value
    /// the placeholder's input.
    fn formula(&mut self, m: &Method) -> Result<Vec<(String, Yaml)>, String> {
        let Some(text_field) = m.input("_text_").cloned() else {
            return Err("its expression is missing".into());
        };
        if self
            .wires
            .contains_key(&(m.uuid.as_str(), text_field.id.as_str()))
        {
            return Err("its expression is wired from another card, not written on it".into());
        }
        let text = crate::export::text(Some(&text_field.data));
        let mut expression = String::new();
        let mut values: Vec<(String, Val)> = Vec::new();
        let mut by_key: HashMap<String, String> = HashMap::new();
        let mut names = Unique::default();
        // `pi` is the formula's constant, never a value's name.
        names.claim("pi".to_string(), "_");
        let mut rest = text.as_str();
        while let Some(open) = rest.find("{{{") {
            let Some(close) = rest[open + 3..].find("}}}") else {
                break;
            };
            let key = &rest[open + 3..open + 3 + close];
            expression.push_str(&rest[..open]);
            let name = match by_key.get(key) {
                Some(n) => n.clone(),
                None => {
                    let (fid, label) = m
                        .inputs
                        .iter()
                        .find(|f| (f.key == key || f.id == key) && f.id != text_field.id)
                        .map(|f| {
                            (
                                f.id.clone(),
                                f.display_name.clone().unwrap_or(f.key.clone()),
                            )
                        })
                        .ok_or_else(|| {
                            format!("its expression names `{key}`, which it has no input for")
                        })?;
                    let v = self
                        .input(m, &fid, 0)?
                        .ok_or_else(|| format!("its input `{key}` has no value"))?;
                    let name = names.claim(super::snake(&label, "x"), "_");
                    by_key.insert(key.to_string(), name.clone());
                    values.push((name.clone(), v));
                    name
                }
            };
            expression.push_str(&name);
            rest = &rest[open + 3 + close + 3..];
        }
        expression.push_str(rest);
        let mut with = vec![("expression".to_string(), Yaml::str(expression.trim()))];
        if !values.is_empty() {
            with.push(("values".to_string(), Val::Map(values).to_yaml()));
        }
        Ok(with)
    }

    /// The helper an iterator or Call Flow card runs, and the inputs it passes.
    fn call(&mut self, m: &Method, iterator: bool) -> Result<(String, Yaml), String> {
        let Some(flo) = m.input("flo") else {
            return Err("names no helper flow".into());
        };
        let uuid = match &flo.data {
            Value::String(s) => s.clone(),
            Value::Object(_) => {
                return Err("runs an inline flow (an event batch or container), not yet".into());
            }
            _ => return Err("names no helper flow".into()),
        };
        if self.wires.contains_key(&(m.uuid.as_str(), flo.id.as_str())) {
            return Err("the helper flow it runs is wired, not chosen".into());
        }
        let Some(name) = self.catalog.names.get(&uuid).cloned() else {
            return Err(format!(
                "runs the helper flow {uuid}, which is not in this export"
            ));
        };
        let Some(declared) = self.catalog.helpers.get(&uuid).cloned() else {
            return Err(format!("runs `{name}`, which is not a helper flow"));
        };
        self.out.calls.insert(uuid.clone());
        // The card's own settings; every other input is one of the helper's.
        let repeat = m.key == "control:times";
        let mut settings = vec!["list", "flo", "concurrency", "memo"];
        if repeat {
            settings.extend(["times", "count", "number of times", "repeat"]);
        }
        let mut given: HashMap<String, Val> = HashMap::new();
        let fields: Vec<_> = m
            .inputs
            .iter()
            .filter(|f| {
                let setting = f.group.is_none()
                    && !f.custom
                    && settings.contains(&f.key.to_ascii_lowercase().as_str());
                !setting && !f.wormhole
            })
            .cloned()
            .collect();
        // Items that are rows of Search Rows: Okta names their fields by column.
        let list = match m.input("list") {
            Some(l) if iterator => {
                let id = l.id.clone();
                self.input(m, &id, 0).ok().flatten()
            }
            _ => None,
        };
        let rows = match &list {
            Some(Val::Sealed(p, _) | Val::Ref(p)) => self.rows.get(p).cloned(),
            _ => None,
        };
        // Items known to be records: a connector action's or Search Rows' list.
        let records = matches!(list, Some(Val::Sealed(..))) || rows.is_some();
        for f in fields {
            let v = match &f.proxy {
                Some(p) if p.dynamic && iterator => match &rows {
                    Some(table) if !p.path.is_empty() => {
                        let (first, rest) = p.path.split_once('.').unwrap_or((&p.path, ""));
                        let column = table.column(first).ok_or_else(|| {
                            format!(
                                "hands its helper the row field `{first}`, which the table does not have"
                            )
                        })?;
                        Val::Ref(format!("item.{column}")).field(rest.split('.'))?
                    }
                    // A whole record to an input Okta declares as text: Okta hands over an
                    // object as JSON text.
                    _ if p.path.is_empty()
                        && records
                        && declared.iter().any(|(k, n)| {
                            *k == f.key
                                && self
                                    .catalog
                                    .text_inputs
                                    .get(&uuid)
                                    .is_some_and(|t| t.contains(n))
                        }) =>
                    {
                        Val::Call("text item".into())
                    }
                    _ => Val::Ref("item".into()).field(p.path.split('.'))?,
                },
                // Repeat hands its helper the run's number.
                Some(p) if p.dynamic && repeat => Val::Ref("index".into()),
                // Reduce hands its running value to the helper input it proxies (`memo_input`).
                Some(p) if m.key == "list:reduce" && f.custom && !p.dynamic => continue,
                _ => match self.input(m, &f.id, 0)? {
                    Some(v) => v,
                    None => continue,
                },
            };
            match declared.iter().find(|(k, _)| *k == f.key) {
                Some((_, n)) => {
                    given.insert(n.clone(), v);
                }
                // Okta hands a helper only the inputs its Helper Flow card declares: a value
                // for any other (left on the card after the helper changed) reaches nothing.
                None => self.notes.push(format!(
                    "Okta's card also passed `{}`, which `{name}` does not declare (the helper never saw it); dropped",
                    f.key
                )),
            }
        }
        // A helper that reads its Index context field gets the item's position.
        if let Some((_, n)) = declared.iter().find(|(k, _)| k == super::INDEX_INPUT)
            && iterator
        {
            given.insert(n.clone(), Val::Ref("index".into()));
        }
        let inputs = declared
            .iter()
            .map(|(_, n)| {
                (
                    n.clone(),
                    given.remove(n).unwrap_or(Val::Const(Value::Null)).to_yaml(),
                )
            })
            .collect();
        Ok((name, Yaml::Map(inputs)))
    }

    /// `left-operand`, `operator`, `right-operand` as one template expression (no braces).
    pub(super) fn condition(&mut self, m: &Method) -> Result<String, String> {
        self.condition_in(m, "")
    }

    /// The comparison of the inputs `<prefix>left-operand`, `operator`, `right-operand`
    /// (`prefix`: `""`, or `<group>/` for a group of If/ElseIf).
    pub(super) fn condition_in(&mut self, m: &Method, prefix: &str) -> Result<String, String> {
        let op = m
            .input(&format!("{prefix}operator"))
            .map(|f| crate::export::text(Some(&f.data)))
            .unwrap_or_default();
        let a = self
            .input_by_key(m, &format!("{prefix}left-operand"))?
            .unwrap_or(Val::Const(Value::Null))
            .operand()?;
        let b = self
            .input_by_key(m, &format!("{prefix}right-operand"))?
            .unwrap_or(Val::Const(Value::Null))
            .operand()?;
        let expr = match op.as_str() {
            "==" | "===" => format!("eq {a} {b}"),
            "!=" | "!==" => format!("ne {a} {b}"),
            ">" => format!("gt {a} {b}"),
            ">=" => format!("gte {a} {b}"),
            "<" => format!("lt {a} {b}"),
            "<=" => format!("lte {a} {b}"),
            "has" => format!("contains {a} {b}"),
            "doesn't have" => format!("not (contains {a} {b})"),
            "in" => format!("contains {b} {a}"),
            "not in" => format!("not (contains {b} {a})"),
            "is empty" => format!("not {a}"),
            "is not empty" => format!("not (not {a})"),
            other => {
                return Err(format!(
                    "its comparison `{other}` has no flowctl counterpart"
                ));
            }
        };
        Ok(expr)
    }
}

/// The deepest a dotted Construct key is nested (deeper keys stay flat, so no input can make
/// the writer recurse without bound).
const MAX_NESTING: usize = 32;

/// Construct fields with dotted keys (`text.type`, `fields.0.text`) as nested values; a level
/// whose keys are 0, 1, 2, … is a list.
fn nest(fields: Vec<(String, Option<Val>)>) -> Val {
    #[derive(Default)]
    struct Node {
        leaf: Option<Val>,
        children: Vec<(String, Node)>,
    }
    fn insert(node: &mut Node, path: &[&str], v: Val) {
        match path.split_first() {
            None => node.leaf = Some(v),
            Some((first, rest)) => {
                let i = match node.children.iter().position(|(k, _)| k == first) {
                    Some(i) => i,
                    None => {
                        node.children.push(((*first).to_string(), Node::default()));
                        node.children.len() - 1
                    }
                };
                if let Some((_, child)) = node.children.get_mut(i) {
                    insert(child, rest, v);
                }
            }
        }
    }
    fn build(node: Node) -> Val {
        if node.children.is_empty() {
            return node.leaf.unwrap_or(Val::Const(Value::Null));
        }
        let is_list = node
            .children
            .iter()
            .enumerate()
            .all(|(i, (k, _))| k.parse::<usize>().ok() == Some(i));
        if is_list {
            Val::List(node.children.into_iter().map(|(_, c)| build(c)).collect())
        } else {
            Val::Map(
                node.children
                    .into_iter()
                    .map(|(k, c)| (k, build(c)))
                    .collect(),
            )
        }
    }
    let mut root = Node::default();
    for (key, v) in fields {
        let v = v.unwrap_or(Val::Const(Value::String(String::new())));
        let path: Vec<&str> = key.split('.').collect();
        // An empty segment, or deeper than any real object: the key as it is, not nested.
        if path.iter().any(|s| s.is_empty()) || path.len() > MAX_NESTING {
            root.children.push((
                key.clone(),
                Node {
                    leaf: Some(v),
                    children: Vec::new(),
                },
            ));
        } else {
            insert(&mut root, &path, v);
        }
    }
    match build(root) {
        Val::Const(Value::Null) => Val::Map(Vec::new()),
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_construct_keys_nest() {
        let v = nest(vec![
            ("type".into(), Some(Val::Const(json!("section")))),
            ("fields.0.text".into(), Some(Val::Ref("a".into()))),
            ("fields.1.text".into(), None),
        ]);
        assert_eq!(
            v,
            Val::Map(vec![
                ("type".into(), Val::Const(json!("section"))),
                (
                    "fields".into(),
                    Val::List(vec![
                        Val::Map(vec![("text".into(), Val::Ref("a".into()))]),
                        Val::Map(vec![("text".into(), Val::Const(json!("")))]),
                    ])
                ),
            ])
        );
        assert_eq!(nest(vec![]), Val::Map(vec![]));
        let deep = "a.".repeat(100_000) + "b";
        assert_eq!(
            nest(vec![(deep.clone(), Some(Val::Const(json!(1))))]),
            Val::Map(vec![(deep, Val::Const(json!(1)))])
        );
    }
}
