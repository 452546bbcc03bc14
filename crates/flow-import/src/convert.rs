//! Converts one Okta flow into flowctl steps, card by card in Okta's left-to-right order:
//! the event card becomes the trigger, each card a step (or a template read, for layout and
//! field cards), each wire a template reference. A card that cannot be converted is a
//! [`Problem`]; with `partial` it becomes a `flow.fail` stand-in.

use crate::export::{FlowData, Method, find_field};
use crate::names::{Unique, snake, template_path};
use crate::table::{self, Arg, CardMap, Konst, Map, Special};
use crate::value::Val;
use crate::yaml::{self, Yaml};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

mod blocks;
mod branches;
mod connector;
mod event;
mod order;
mod special;
mod tables;
mod try_catch;

use order::{is_event, order};

/// A card that was not converted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The card's name in Okta.
    pub card: String,
    /// Its address key (`<module>:<key>`).
    pub address: String,
    /// Why.
    pub reason: String,
    /// It fails only because a card it reads (or the If/Else it is in, or the helper it calls)
    /// did not convert: supporting that card would convert this one too.
    pub follows: bool,
}

/// What the converter knows about every flow of the export.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Okta flow uuid → the flow's flowctl name.
    pub names: HashMap<String, String>,
    /// Okta flow uuid → its helper inputs: Okta key → flowctl input name (helper flows only).
    pub helpers: HashMap<String, Vec<(String, String)>>,
    /// Connection uuid → connection name.
    pub connections: HashMap<String, String>,
    /// Table uuid → the table as declared in `flowctl.yaml`, or why it could not be.
    pub tables: HashMap<String, Result<TableInfo, String>>,
    /// The card kinds the running flowctl has (`None`: every kind the table names).
    pub kinds: Option<crate::Kinds>,
}

/// A table of the export, declared in `flowctl.yaml`.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// The flowctl table name (`Allowed domain list` → `allowed_domain_list`).
    pub name: String,
    /// Its columns: Okta name, flowctl name, flowctl type.
    pub columns: Vec<(String, String, &'static str)>,
}

impl TableInfo {
    /// Names `table` and its columns, or says why it cannot be declared (a column type with no
    /// flowctl counterpart).
    pub fn of(table: &crate::export::Table, names: &mut Unique) -> Result<TableInfo, String> {
        if table.columns.is_empty() {
            return Err("it has no columns".into());
        }
        let mut cols = Unique::default();
        let mut columns = Vec::new();
        for (okta, ty) in &table.columns {
            let Some(ty) = column_type(ty) else {
                return Err(format!(
                    "its column `{okta}` has the Okta type `{ty}`, which has no flowctl column type"
                ));
            };
            let mut name = crate::names::snake(okta, "column");
            if name == "id" || name.starts_with('_') {
                name = format!(
                    "column{}{name}",
                    if name.starts_with('_') { "" } else { "_" }
                );
            }
            columns.push((okta.clone(), cols.claim(name, "_"), ty));
        }
        let mut name = crate::names::snake(&table.name, "table");
        if name.starts_with('_') {
            name.insert_str(0, "table");
        }
        Ok(TableInfo {
            name: names.claim(name, "_"),
            columns,
        })
    }

    /// The flowctl name of the Okta column `okta`.
    pub fn column(&self, okta: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(o, _, _)| o == okta)
            .map(|(_, n, _)| n.as_str())
    }
}

/// The flowctl column type of an Okta Tables column type.
fn column_type(okta: &str) -> Option<&'static str> {
    match okta {
        "str" | "string" | "text" => Some("text"),
        "num" | "number" => Some("number"),
        "bool" | "boolean" => Some("boolean"),
        "date" | "Date" => Some("date"),
        _ => None,
    }
}

/// One converted flow.
#[derive(Debug, Default)]
pub struct FlowOut {
    /// The flow file's text.
    pub yaml: String,
    /// Cards not converted.
    pub problems: Vec<Problem>,
    /// Okta uuids of the helper flows it calls.
    pub calls: BTreeSet<String>,
    /// Connection names its steps use.
    pub connections: BTreeSet<String>,
    /// Cards that do something (not Comment, Noop or hidden field cards), the event card
    /// included.
    pub cards: usize,
}

/// A step being written.
#[derive(Debug, Default, Clone)]
struct Step {
    id: String,
    card: Cow<'static, str>,
    comments: Vec<String>,
    /// `if:` as a template expression (without the braces).
    condition: Option<String>,
    on_error: Option<&'static str>,
    with: Vec<(String, Yaml)>,
    /// A block step (`branch:`, `try:`) instead of a card.
    block: Option<Box<blocks::Block>>,
}

type Resolved = Result<Val, String>;

/// A wire's source: (card, output id, conversion).
type Wire<'a> = (&'a str, &'a str, Option<&'a str>);

struct Cx<'a> {
    flow: &'a FlowData,
    catalog: &'a Catalog,
    partial: bool,
    by_uuid: HashMap<&'a str, &'a Method>,
    /// (target card, input id) → (source card, output id, conversion).
    wires: HashMap<(&'a str, &'a str), Wire<'a>>,
    /// (card, output id) → its value, or why it has none.
    outputs: HashMap<(String, String), Resolved>,
    done: HashSet<String>,
    ids: Unique,
    steps: Vec<Step>,
    notes: Vec<String>,
    trigger_kind: Option<&'static str>,
    out: FlowOut,
    /// Conversions already made into steps: (card, output, conversion) → value.
    converted: HashMap<(String, String, String), Val>,
    /// Every wire into an input (a Join's input takes one per branch).
    all_wires: HashMap<(&'a str, &'a str), Vec<Wire<'a>>>,
    /// The If/Else branches each card is in.
    branches: branches::Branches,
    /// If/Else card → the index of its `branch:` block in `steps`, once converted.
    blocks: HashMap<String, usize>,
    /// Where the steps of the card being converted go: `None` the flow's list, or a block
    /// (its index in `steps`) and the arm in it.
    dest: Option<(usize, usize)>,
    /// Card → its place in the run order.
    position: HashMap<String, usize>,
    /// A Close or Return Raw became the flow's `http.close`.
    closed: bool,
    /// Cards that did not convert.
    failed: HashSet<String>,
    /// Whether the card being converted is in an If Error block.
    scope: try_catch::Scope,
}

/// Converts `flow` (named `name` in flowctl, `okta_name` in Okta).
pub fn convert(
    name: &str,
    okta_name: &str,
    description: &str,
    flow: &FlowData,
    catalog: &Catalog,
    partial: bool,
) -> FlowOut {
    let mut cx = Cx {
        flow,
        catalog,
        partial,
        by_uuid: flow.methods.iter().map(|m| (m.uuid.as_str(), m)).collect(),
        wires: HashMap::new(),
        outputs: HashMap::new(),
        done: HashSet::new(),
        ids: Unique::default(),
        steps: Vec::new(),
        notes: Vec::new(),
        trigger_kind: None,
        out: FlowOut::default(),
        converted: HashMap::new(),
        all_wires: HashMap::new(),
        branches: branches::branches(flow),
        blocks: HashMap::new(),
        dest: None,
        position: HashMap::new(),
        closed: false,
        failed: HashSet::new(),
        scope: try_catch::Scope::Flow,
    };
    for m in &flow.methods {
        for p in &m.pins {
            let key = (p.target.as_str(), p.input.as_str());
            let wire = (m.uuid.as_str(), p.output.as_str(), p.convert.as_deref());
            cx.wires.insert(key, wire);
            cx.all_wires.entry(key).or_default().push(wire);
        }
    }
    let order = order(flow);
    cx.position = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.uuid.clone(), i))
        .collect();
    let trigger = order.iter().copied().find(|m| is_event(m));
    let trigger_yaml = cx.trigger(trigger, name);
    for m in order {
        if trigger.is_some_and(|t| std::ptr::eq(t, m)) {
            continue;
        }
        cx.card(m);
    }
    let mut text = String::new();
    text.push_str(&format!(
        "# Imported from the Okta Workflows flow \"{}\" by `flowctl import`.\n",
        okta_name.trim()
    ));
    text.push_str(&format!("flow: {name}\n"));
    let description = description.trim();
    if !description.is_empty() {
        yaml::entry(&mut text, 0, "description", &Yaml::str(description));
    }
    text.push('\n');
    text.push_str(&trigger_yaml);
    text.push('\n');
    if cx.steps.is_empty() {
        text.push_str("steps: []\n");
    } else {
        text.push_str("steps:\n");
        blocks::write_steps(&mut text, &cx.steps, 2);
    }
    if !cx.notes.is_empty() {
        text.push('\n');
        for n in &cx.notes {
            yaml::comment(&mut text, 2, n);
        }
    }
    cx.out.yaml = text;
    cx.out
}

/// The flowctl type of an Okta field type.
fn field_type(ty: &Value, collection: bool) -> Result<String, String> {
    let base = match ty {
        Value::String(t) => match t.as_str() {
            "string" => "text",
            "number" => "number",
            "boolean" => "boolean",
            "Date" => "date",
            "object" => "object",
            other => {
                return Err(format!(
                    "inputs of type `{other}` have no flowctl counterpart"
                ));
            }
        },
        Value::Object(_) => "object",
        _ => "any",
    };
    Ok(if collection {
        format!("list<{base}>")
    } else {
        base.to_string()
    })
}

/// The helper inputs an Okta Helper Flow card declares: Okta key → flowctl name.
pub fn helper_inputs(flow: &FlowData) -> Vec<(String, String)> {
    let Some(card) = flow.methods.iter().find(|m| m.key == "control:callable") else {
        return Vec::new();
    };
    let mut ids = Unique::default();
    card.outputs
        .iter()
        .filter(|f| f.group.is_none() && !f.wormhole)
        .map(|f| (f.key.clone(), ids.claim(snake(&f.key, "input"), "_")))
        .collect()
}

impl<'a> Cx<'a> {
    fn problem(&mut self, m: &Method, reason: String) {
        // A card with no counterpart blocks by itself, whatever it reads.
        let convertible = matches!(
            table::lookup(&m.key).map(|e| &e.map),
            Some(Map::Card(_) | Map::Special(_))
        );
        let follows = convertible && self.upstream_failed(&m.uuid);
        self.failed.insert(m.uuid.clone());
        self.out.problems.push(Problem {
            card: display_name(m),
            address: m.key.clone(),
            reason,
            follows,
        });
    }

    /// Whether a card upstream of this one (one it reads, directly or through other cards, or
    /// an If/Else it is inside) did not convert.
    fn upstream_failed(&self, card: &str) -> bool {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut queue: Vec<&str> = vec![card];
        while let Some(c) = queue.pop() {
            if !seen.insert(c) {
                continue;
            }
            if c != card && self.failed.contains(c) {
                return true;
            }
            for (if_card, _) in self.branches.of(c) {
                queue.push(if_card.as_str());
            }
            let Some(m) = self.by_uuid.get(c) else {
                continue;
            };
            for f in &m.inputs {
                if let Some(sources) = self.all_wires.get(&(c, f.id.as_str())) {
                    queue.extend(sources.iter().map(|(src, _, _)| *src));
                }
                if let Some((src, _)) = &f.src {
                    queue.push(src.as_str());
                }
            }
        }
        false
    }

    /// The trigger block; fills the event card's outputs.
    fn trigger(&mut self, card: Option<&'a Method>, flow_name: &str) -> String {
        let mut text = String::from("trigger:\n");
        let Some(card) = card else {
            text.push_str("  # Okta: this flow has no event card; it runs when started by hand (`flowctl run`).\n");
            text.push_str("  helper: {}\n");
            self.trigger_kind = Some("helper");
            return text;
        };
        self.done.insert(card.uuid.clone());
        self.out.cards += 1;
        let result = match lookup_special(card) {
            _ if card.webhook => self.event_hook(card, flow_name),
            Some(Special::ApiEndpoint) => self.api_endpoint(card, flow_name),
            Some(Special::Callable) => self.helper(card),
            _ => Err(match table::lookup(&card.key).map(|e| &e.map) {
                Some(Map::Unsupported(r)) => (*r).to_string(),
                _ => table::unknown_reason(&card.key, &card.address),
            }),
        };
        match result {
            Ok(body) => {
                text.push_str(&format!("  # Okta: {}\n", display_name(card)));
                text.push_str(&body);
            }
            Err(reason) => {
                self.problem(card, reason.clone());
                for o in &card.outputs {
                    self.outputs.insert(
                        (card.uuid.clone(), o.id.clone()),
                        Err(format!(
                            "reads the event card `{}`, which was not converted",
                            display_name(card)
                        )),
                    );
                }
                text.push_str(&format!(
                    "  # UNSUPPORTED: {} ({}): {reason}\n",
                    display_name(card),
                    card.key
                ));
                // A helper keeps its inputs (as `any`), so the flows that call it still
                // validate when they are written with `--partial`.
                let inputs: Vec<(String, Yaml)> =
                    if card.key == "control:callable" && !self.flow.scheduled {
                        helper_inputs(self.flow)
                            .into_iter()
                            .map(|(_, n)| (n, Yaml::str("any")))
                            .collect()
                    } else {
                        Vec::new()
                    };
                if inputs.is_empty() {
                    text.push_str("  helper: {}\n");
                } else {
                    text.push_str("  helper:\n");
                    yaml::entry(&mut text, 4, "inputs", &Yaml::Map(inputs));
                }
                self.trigger_kind = Some("helper");
            }
        }
        text
    }

    fn api_endpoint(&mut self, card: &Method, flow_name: &str) -> Result<String, String> {
        let security = match self.flow.security_level.as_deref() {
            Some("open") => "      public: true\n".to_string(),
            Some("high") => {
                return Err("OAuth 2.0 endpoint security has no flowctl counterpart".into());
            }
            _ => format!(
                "      client_token: {}\n",
                yaml::quoted(&format!("${{env:{}_CLIENT_TOKEN}}", env_prefix(flow_name)))
            ),
        };
        for o in &card.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                (Some("raw"), "body") => Ok(Val::Ref("trigger.body".into())),
                (Some("raw"), "headers") => Ok(Val::Ref("trigger.headers".into())),
                (Some("raw"), "query") => Err(
                    "reads the API Endpoint's raw query text (flowctl has `trigger.query`, an object)"
                        .to_string(),
                ),
                (Some("context"), "execution_id") => Ok(Val::Ref("execution.id".into())),
                (Some("body"), k) => Val::Ref("trigger.json".into()).field(k.split('.')),
                (Some("headers"), k) => Ok(Val::Ref(format!(
                    "trigger.headers.{}",
                    template_path([k.to_ascii_lowercase().as_str()])
                ))),
                (Some("query"), k) => Val::Ref("trigger.query".into()).field([k]),
                _ => Err(format!(
                    "the API Endpoint output `{}` has no flowctl counterpart",
                    o.label()
                )),
            };
            self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
        }
        self.trigger_kind = Some("api_endpoint");
        Ok(format!("  api_endpoint:\n    security:\n{security}"))
    }

    fn helper(&mut self, card: &Method) -> Result<String, String> {
        if self.flow.scheduled {
            return self.schedule(card);
        }
        let names: HashMap<String, String> = helper_inputs(self.flow).into_iter().collect();
        let mut inputs = Vec::new();
        for o in &card.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                (Some("context"), "execution_id") => Ok(Val::Ref("execution.id".into())),
                (Some("context"), "index") => Err(
                    "reads the helper's Index context field (pass the index as an input instead)"
                        .to_string(),
                ),
                (Some("context"), "parent") => Err(
                    "reads the helper's Caller context field, which has no flowctl counterpart"
                        .to_string(),
                ),
                (Some("context"), "error") => Err(
                    "reads the helper's Error context field (needs error-handler flows, not yet)"
                        .to_string(),
                ),
                (None, key) if !o.wormhole => {
                    let name = names
                        .get(key)
                        .cloned()
                        .unwrap_or_else(|| snake(key, "input"));
                    inputs.push((name.clone(), Yaml::str(field_type(&o.ty, o.collection)?)));
                    Ok(Val::Ref(format!("inputs.{name}")))
                }
                _ => Err(format!(
                    "the helper output `{}` has no flowctl counterpart",
                    o.label()
                )),
            };
            self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
        }
        self.trigger_kind = Some("helper");
        if inputs.is_empty() {
            return Ok("  helper: {}\n".into());
        }
        let mut text = String::from("  helper:\n");
        yaml::entry(&mut text, 4, "inputs", &Yaml::Map(inputs));
        Ok(text)
    }

    /// Scheduled Flow → `trigger: schedule` with Okta's cron expression and time zone.
    fn schedule(&mut self, card: &Method) -> Result<String, String> {
        let Some((cron, zone)) = &self.flow.cron else {
            return Err("a scheduled flow whose schedule is not in the export".into());
        };
        if self.flow.schedule_dates {
            return Err(format!(
                "Okta's schedule (cron `{cron}`) has a start or end date, which flowctl's schedule trigger has no counterpart for"
            ));
        }
        for o in &card.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                (Some("context"), "execution_id") => Ok(Val::Ref("execution.id".into())),
                (Some("context"), "execution_time") => Ok(Val::Ref("trigger.scheduled_at".into())),
                _ => Err(format!(
                    "the Scheduled Flow output `{}` has no flowctl counterpart",
                    o.label()
                )),
            };
            self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
        }
        let zone = zone.as_deref().unwrap_or("UTC");
        if let Err(e) = flow_model::schedule::Schedule::parse(cron, Some(zone)) {
            return Err(format!(
                "Okta's schedule (cron `{cron}`, {zone}) is not a flowctl schedule: {e}"
            ));
        }
        self.trigger_kind = Some("schedule");
        Ok(format!(
            "  schedule:\n    cron: {}\n    timezone: {}\n",
            yaml::quoted(cron),
            yaml::quoted(zone)
        ))
    }

    /// Converts one card at its place in the order.
    fn card(&mut self, m: &'a Method) {
        self.done.insert(m.uuid.clone());
        let special = lookup_special(m);
        match special {
            Some(Special::Comment) => {
                if let Some((title, body)) = &m.comment {
                    let note = [title.trim(), body.trim()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n");
                    if !note.is_empty() {
                        self.notes.push(note);
                    }
                }
                return;
            }
            // Read through where they are used.
            Some(Special::Noop | Special::Expand) => return,
            Some(Special::GetMultiple) => {
                self.out.cards += 1;
                return;
            }
            _ => {}
        }
        self.out.cards += 1;
        if is_event(m) {
            self.problem(m, "a second event card in one flow".into());
            return;
        }
        let id = self.ids.step(&step_name(m));
        let outer = self.dest;
        let dest = self.dest_of(m);
        self.dest = dest.clone().unwrap_or(outer);
        let forbidden = dest
            .err()
            .or_else(|| self.branches.leaves_branch(m, special))
            .or_else(|| self.scope_forbids(m, special));
        let result = match forbidden {
            Some(why) => Err(why),
            None => self
                .step(m, &id, special)
                .and_then(|step| self.check_kind(step))
                .and_then(|step| self.in_scope(special, step)),
        };
        match result {
            Ok(Some(mut step)) => {
                step.comments.splice(0..0, self.take_notes(m));
                self.emit(step);
            }
            // An If Error's block is in the list already.
            Ok(None) if self.blocks.contains_key(&m.uuid) => {}
            Ok(None) => {
                // No step of its own (List Construct, Join, a Return that only leaves an If
                // Error block): read where it is used; its notes go to the next step.
                self.ids.release(&id);
            }
            Err(reason) => {
                self.problem(m, reason.clone());
                for o in &m.outputs {
                    self.outputs.insert(
                        (m.uuid.clone(), o.id.clone()),
                        Err(format!(
                            "reads `{}` of `{}`, which was not converted",
                            o.label(),
                            display_name(m)
                        )),
                    );
                }
                if self.partial {
                    let mut comments = self.take_notes(m);
                    comments.push(format!(
                        "UNSUPPORTED: {} ({}): {reason}",
                        display_name(m),
                        m.key
                    ));
                    // Inside a block's arm, the stand-in fails only when the arm runs.
                    self.emit(Step {
                        id,
                        card: "flow.fail".into(),
                        comments,
                        with: vec![(
                            "message".into(),
                            Yaml::str(format!("not converted from Okta: {}", display_name(m))),
                        )],
                        ..Step::default()
                    });
                }
            }
        }
        self.dest = outer;
    }

    /// With the registry's kinds known: a step's card must be one of them, and every input
    /// it is given one the card takes (so a table entry written ahead of its card, or one
    /// whose card changed, reports instead of writing a flow that does not validate).
    fn check_kind(&self, step: Option<Step>) -> Result<Option<Step>, String> {
        let (Some(kinds), Some(s)) = (&self.catalog.kinds, &step) else {
            return Ok(step);
        };
        if s.block.is_some() {
            return Ok(step);
        }
        let Some(info) = kinds.get(&s.card) else {
            return Err(format!(
                "needs the flowctl card `{}`, which this flowctl does not have yet",
                s.card
            ));
        };
        if !info.inputs.is_empty()
            && let Some((bad, _)) = s.with.iter().find(|(k, _)| !info.inputs.contains(k))
        {
            return Err(format!(
                "maps to `{}`, which has no input `{bad}` (its mapping is out of date)",
                s.card
            ));
        }
        Ok(step)
    }

    fn take_notes(&mut self, m: &Method) -> Vec<String> {
        let mut c: Vec<String> = std::mem::take(&mut self.notes);
        let entry = table::lookup(&m.key).map(|e| e.okta);
        c.push(match entry {
            Some(okta)
                if crate::names::words(okta) != crate::names::words(&m.name)
                    && !m.name.trim().is_empty() =>
            {
                format!("Okta: {} ({okta})", m.name.trim())
            }
            _ => format!("Okta: {}", display_name(m)),
        });
        c
    }

    fn step(
        &mut self,
        m: &'a Method,
        id: &str,
        special: Option<Special>,
    ) -> Result<Option<Step>, String> {
        if matches!(m.error_policy.as_str(), "flo" | "return") {
            return Err(format!(
                "its error handling (\"{}\") has no flowctl counterpart yet",
                if m.error_policy == "flo" {
                    "Run another flow"
                } else {
                    "Return values"
                }
            ));
        }
        let entry = table::lookup(&m.key);
        if let Some(kinds) = &self.catalog.kinds {
            // A connector card the registry has a kind for, unless the table maps it to a
            // card of its own (not only to the connector's generic API request).
            let generic = match entry.map(|e| &e.map) {
                None | Some(Map::Unsupported(_)) => true,
                Some(Map::Card(c)) => c.card.ends_with(".api_request") && c.connection.is_some(),
                Some(Map::Special(_)) => false,
            };
            let app = m.key.split(':').next().unwrap_or_default();
            let found = (generic && m.address.starts_with("root:channels:"))
                .then(|| {
                    let name = if m.kind_name.trim().is_empty() {
                        &m.name
                    } else {
                        &m.kind_name
                    };
                    kinds.connector_kind(app, name)
                })
                .flatten()
                .and_then(|k| Some((k.to_string(), kinds.get(k)?.clone())));
            if let Some((kind, info)) = found {
                return self.connector_card(m, id, &kind, &info).map(Some);
            }
            if let Some(Map::Card(c)) = entry.map(|e| &e.map)
                && !kinds.has(c.card)
            {
                return Err(format!(
                    "needs the flowctl card `{}`, which this flowctl does not have yet",
                    c.card
                ));
            }
        }
        let Some(entry) = entry else {
            return Err(table::unknown_reason(&m.key, &m.address));
        };
        match &entry.map {
            Map::Unsupported(why) => Err((*why).to_string()),
            Map::Card(c) => self.mapped(m, id, c).map(Some),
            Map::Special(s) => self.special(m, id, special.unwrap_or(*s)),
        }
    }

    /// The value of an Okta card's output, resolving hidden expand nodes and Get Multiple
    /// reads on the way.
    fn output(&mut self, card: &str, output: &str, depth: usize) -> Resolved {
        if let Some(v) = self.outputs.get(&(card.to_string(), output.to_string())) {
            return v.clone();
        }
        let Some(m) = self.by_uuid.get(card).copied() else {
            return Err("reads a card that is not in this flow (an inline flow's value)".into());
        };
        if depth > 32 {
            return Err("reads through more than 32 field cards".into());
        }
        let field = m.output_by_id(output).cloned().unwrap_or_default();
        match lookup_special(m) {
            Some(Special::Expand) => {
                let Some((src_card, src_out)) = m.inputs.first().and_then(|i| i.src.clone()) else {
                    return Err("reads a hidden field card with no source".into());
                };
                let base = self.output(&src_card, &src_out, depth + 1)?;
                base.field(field.path.iter().map(String::as_str))
            }
            Some(Special::GetMultiple) => {
                let base = match m.input("object") {
                    Some(f) => self.input(m, &f.id, depth + 1)?,
                    None => None,
                };
                let Some(base) = base else {
                    return Err(format!(
                        "reads `{}` of Get Multiple, whose object is not set",
                        field.key
                    ));
                };
                base.field(field.key.split('.'))
            }
            _ if self.done.contains(card) => Err(format!(
                "reads the output `{}` of `{}`, which has no flowctl counterpart",
                field.label(),
                display_name(m)
            )),
            _ => Err(format!(
                "reads `{}`, a card that runs after it",
                display_name(m)
            )),
        }
    }

    /// The value of an input: its wire (with the wire's conversion made explicit), or its
    /// constant; `None` when it has neither.
    fn input(&mut self, m: &Method, input_id: &str, depth: usize) -> Result<Option<Val>, String> {
        let wire = self.wires.get(&(m.uuid.as_str(), input_id)).copied();
        if let Some((src, out, convert)) = wire {
            let v = self.output(src, out, depth)?;
            return self.conversion(src, out, v, convert).map(Some);
        }
        let Some(f) = m.inputs.iter().find(|f| f.id == input_id) else {
            return Ok(None);
        };
        Ok((!f.is_blank()).then(|| Val::Const(f.data.clone())))
    }

    /// The value of the input `key` (`Group/key` or `key`).
    fn input_by_key(&mut self, m: &Method, key: &str) -> Result<Option<Val>, String> {
        match find_field(&m.inputs, key) {
            Some(f) => {
                let id = f.id.clone();
                self.input(m, &id, 0)
            }
            None => Ok(None),
        }
    }

    fn conversion(&mut self, src: &str, out: &str, v: Val, convert: Option<&str>) -> Resolved {
        let Some(convert) = convert else { return Ok(v) };
        let key = (src.to_string(), out.to_string(), convert.to_string());
        if let Some(done) = self.converted.get(&key) {
            return Ok(done.clone());
        }
        let made = match convert {
            // flowctl's `text` takes numbers, booleans and dates as they are.
            "toString" | "booleanToString" | "isoString" => return Ok(v),
            "wrapArray" => return Ok(Val::List(vec![v])),
            "parse" if v == Val::Ref("trigger.body".into()) => {
                return Ok(Val::Ref("trigger.json".into()));
            }
            "parse" => self.helper_step(
                "parsed",
                "json.parse",
                "text",
                v,
                "Okta converted this value from JSON text on the wire",
            ),
            "stringify" => self.helper_step(
                "json",
                "json.stringify",
                "value",
                v,
                "Okta wrote this value as JSON text on the wire",
            ),
            other => {
                return Err(format!(
                    "its input is wired with the `{other}` conversion, which needs date and number cards (not yet)"
                ));
            }
        };
        self.converted.insert(key, made.clone());
        Ok(made)
    }

    /// A step made for a wire's conversion; returns a reference to its output.
    fn helper_step(
        &mut self,
        suffix: &str,
        card: &'static str,
        input: &str,
        v: Val,
        why: &str,
    ) -> Val {
        let base = match &v {
            Val::Ref(p) => p.split('.').next().unwrap_or("value").to_string(),
            _ => "value".to_string(),
        };
        let id = self
            .ids
            .claim(snake(&format!("{base} {suffix}"), "value"), "_");
        self.emit(Step {
            id: id.clone(),
            card: card.into(),
            comments: vec![why.to_string()],
            with: vec![(input.to_string(), v.to_yaml())],
            ..Step::default()
        });
        Val::Ref(id)
    }

    fn connection(&mut self, m: &Method, module: &str) -> String {
        let name = m
            .config
            .as_ref()
            .and_then(|c| self.catalog.connections.get(c).cloned())
            .unwrap_or_else(|| module.to_string());
        self.out.connections.insert(name.clone());
        name
    }

    /// A card mapped by the table, input by input.
    fn mapped(&mut self, m: &Method, id: &str, c: &CardMap) -> Result<Step, String> {
        let mut used: HashSet<String> = HashSet::new();
        let mut with = Vec::new();
        if let Some(module) = c.connection {
            with.push((
                "connection".to_string(),
                Yaml::str(self.connection(m, module)),
            ));
        }
        for (name, arg) in c.args {
            let value = match arg {
                Arg::Const(k) => Some(konst(*k)),
                Arg::Input(keys) => {
                    let mut found = None;
                    for key in *keys {
                        if let Some(f) = find_field(&m.inputs, key) {
                            used.insert(f.id.clone());
                            if found.is_none() {
                                found = self.input_by_key(m, key)?;
                            }
                        }
                    }
                    found
                }
                Arg::Choice(key, choices) => match find_field(&m.inputs, key) {
                    Some(f) => {
                        used.insert(f.id.clone());
                        let chosen = crate::export::text(Some(&f.data));
                        if self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str())) {
                            return Err(format!("its option `{}` is wired, not chosen", f.label()));
                        }
                        if chosen.is_empty() {
                            None
                        } else {
                            let k = choices
                                .iter()
                                .find(|(from, _)| *from == chosen)
                                .map(|(_, to)| *to);
                            match k {
                                Some(k) => Some(konst(k)),
                                None => {
                                    return Err(format!(
                                        "its option {} = `{chosen}` has no flowctl counterpart",
                                        f.label()
                                    ));
                                }
                            }
                        }
                    }
                    None => None,
                },
                Arg::Text(template) => Some(self.text_arg(m, template, &mut used)?),
            };
            if let Some(v) = value {
                with.push(((*name).to_string(), v.to_yaml()));
            }
        }
        for f in &m.inputs {
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            let ignored = c
                .ignore
                .iter()
                .any(|k| find_field(std::slice::from_ref(f), k).is_some());
            if !used.contains(&f.id) && !ignored && !f.wormhole && (wired || !f.is_blank()) {
                return Err(format!(
                    "its input `{}` has no flowctl counterpart",
                    f.label()
                ));
            }
        }
        for o in &m.outputs {
            let path = c
                .outputs
                .iter()
                .find_map(|(pattern, path)| match_output(pattern, path, &o.group, &o.key));
            let v = match path {
                Some(p) if p.is_empty() => Ok(Val::Ref(id.to_string())),
                Some(p) => Val::Ref(id.to_string()).field(p.split('.')),
                None => Err(format!(
                    "reads the output `{}` of `{}`, which has no flowctl counterpart",
                    o.label(),
                    display_name(m)
                )),
            };
            self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
        }
        Ok(Step {
            id: id.to_string(),
            card: c.card.into(),
            with,
            ..Step::default()
        })
    }

    /// `Arg::Text`: `{Group/key}` holes filled from inputs.
    fn text_arg(&mut self, m: &Method, template: &str, used: &mut HashSet<String>) -> Resolved {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            parts.push(Val::Const(Value::String(rest[..open].to_string())));
            let key = &rest[open + 1..open + close];
            if let Some(f) = find_field(&m.inputs, key) {
                used.insert(f.id.clone());
            }
            match self.input_by_key(m, key)? {
                Some(v) => parts.push(v),
                None => return Err(format!("its input `{key}` is not set")),
            }
            rest = &rest[open + close + 1..];
        }
        parts.push(Val::Const(Value::String(rest.to_string())));
        Ok(Val::Text(parts))
    }

    /// The custom inputs of a card (Construct keys, helper inputs, Compose placeholders).
    fn custom_inputs(&mut self, m: &Method) -> Result<Vec<(String, Option<Val>)>, String> {
        let fields: Vec<(String, String)> = m
            .inputs
            .iter()
            .filter(|f| f.custom && !f.wormhole)
            .map(|f| (f.key.clone(), f.id.clone()))
            .collect();
        let mut out = Vec::new();
        for (key, id) in fields {
            out.push((key, self.input(m, &id, 0)?));
        }
        Ok(out)
    }

    fn single_output(&mut self, m: &Method, v: Resolved) {
        for o in &m.outputs {
            self.outputs
                .insert((m.uuid.clone(), o.id.clone()), v.clone());
        }
    }
}

/// A template expression as an argument of a helper: a call in parentheses, a path as it is.
fn group(expr: &str) -> String {
    if expr.contains(' ') {
        format!("({expr})")
    } else {
        expr.to_string()
    }
}

/// An environment variable prefix from a flow name: upper case, `_` for `-`, and `FLOW_` in
/// front of a name that starts with a digit (shells cannot set those).
fn env_prefix(flow_name: &str) -> String {
    let up = flow_name.to_ascii_uppercase().replace('-', "_");
    if up.starts_with(|c: char| c.is_ascii_digit()) {
        format!("FLOW_{up}")
    } else {
        up
    }
}

fn konst(k: Konst) -> Val {
    Val::Const(match k {
        Konst::Str(s) => Value::String(s.into()),
        Konst::Num(n) => Value::from(n),
        Konst::Bool(b) => Value::Bool(b),
    })
}

fn lookup_special(m: &Method) -> Option<Special> {
    match table::lookup(&m.key).map(|e| &e.map) {
        Some(Map::Special(s)) => Some(*s),
        _ => None,
    }
}

/// The name a step id is made from: the card's name, or, when the card still has its kind's
/// default name, the name the user gave its output (`Compose` → `slack_message_text`).
fn step_name(m: &Method) -> String {
    let name = m.name.trim();
    let renamed = !m.kind_name.is_empty() && !name.eq_ignore_ascii_case(m.kind_name.trim());
    // Connector cards name their outputs themselves; only function cards carry the user's.
    if renamed || !m.address.starts_with("root:kernel:") {
        return name.to_string();
    }
    let given = m.outputs.iter().find_map(|o| {
        let d = snake(o.display_name.as_deref()?, "");
        (d.len() > 1 && d != snake(&o.key, "") && d != "output").then_some(d)
    });
    given.unwrap_or_else(|| name.to_string())
}

fn display_name(m: &Method) -> String {
    let n = m.name.trim();
    if n.is_empty() {
        m.key.clone()
    } else {
        n.to_string()
    }
}

/// Whether an output pattern (`Group/key`, `key`, `Group/*`) matches, and the path it gives.
fn match_output(pattern: &str, path: &str, group: &Option<String>, key: &str) -> Option<String> {
    let (pg, pk) = match pattern.split_once('/') {
        Some((g, k)) => (Some(g), k),
        None => (None, pattern),
    };
    if pg.is_some_and(|g| group.as_deref() != Some(g)) {
        return None;
    }
    if pk == "*" {
        return Some(path.replace('*', key));
    }
    (pk == key).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use crate::export::Table;

    #[test]
    fn tables_get_store_safe_names_and_known_types_only() {
        let table = |name: &str, cols: &[(&str, &str)]| Table {
            id: "t".into(),
            name: name.into(),
            columns: cols
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        };
        let mut names = Unique::default();
        let info = TableInfo::of(
            &table(
                "2024 Allowed Domains",
                &[
                    ("ID", "str"),
                    ("_hidden", "number"),
                    ("Id", "boolean"),
                    ("When", "date"),
                ],
            ),
            &mut names,
        )
        .unwrap();
        assert_eq!(info.name, "table_2024_allowed_domains");
        let cols: Vec<(&str, &str)> = info
            .columns
            .iter()
            .map(|(_, n, t)| (n.as_str(), *t))
            .collect();
        assert_eq!(
            cols,
            [
                ("column_id", "text"),
                ("hidden", "number"),
                ("column_id_2", "boolean"),
                ("when", "date")
            ]
        );
        assert_eq!(info.column("When"), Some("when"));
        let again = TableInfo::of(&table("2024 allowed domains", &[("a", "str")]), &mut names);
        assert_eq!(again.unwrap().name, "table_2024_allowed_domains_2");
        let refused = TableInfo::of(&table("files", &[("doc", "file")]), &mut names);
        assert!(
            refused
                .unwrap_err()
                .contains("`doc` has the Okta type `file`")
        );
        assert!(TableInfo::of(&table("empty", &[]), &mut names).is_err());
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn output_patterns() {
        let g = Some("Profile Properties".to_string());
        assert_eq!(
            match_output("Profile Properties/*", "profile.*", &g, "email").as_deref(),
            Some("profile.email")
        );
        assert_eq!(match_output("System Properties/ID", "id", &g, "ID"), None);
        assert_eq!(
            match_output("output", "", &None, "output").as_deref(),
            Some("")
        );
    }

    #[test]
    fn types() {
        assert_eq!(field_type(&json!("string"), true).unwrap(), "list<text>");
        assert_eq!(field_type(&json!({"a": {}}), false).unwrap(), "object");
        assert!(field_type(&json!("file"), false).is_err());
    }
}
