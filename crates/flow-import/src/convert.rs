//! Converts one Okta flow into flowctl steps, card by card in Okta's left-to-right order:
//! the event card becomes the trigger, each card a step (or a template read, for layout and
//! field cards), each wire a template reference. A card that cannot be converted is a
//! [`Problem`]; with `partial` it becomes a `flow.fail` stand-in.

use crate::export::{FlowData, Method, find_field};
use crate::names::{Unique, snake};
use crate::table::{self, Arg, CardMap, Konst, Map, Special};
use crate::value::Val;
use crate::yaml::{self, Yaml};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

mod blocks;
mod branches;
mod built;
mod connector;
mod event;
mod leave;
mod licenses;
mod order;
mod special;
mod tables;
mod trigger;
mod try_catch;

pub use tables::TableInfo;

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
    /// Okta flow uuid → the flowctl names of its helper inputs Okta declares as text (an
    /// iterator's whole item reaches them as text, as Okta converts it).
    pub text_inputs: HashMap<String, HashSet<String>>,
    /// Okta flow uuid → the outputs its Returns give (flowctl names, as the Return step writes
    /// them): where a Reduce's helper hands back the running value.
    pub returns: HashMap<String, Vec<String>>,
    /// The flowctl names of the helper flows a card streams records to (`Streaming/Flow`) →
    /// the card's module (`okta`) and Okta name (`List Employees`): Okta hands them each
    /// record with field names of its own.
    pub streamed: HashMap<String, (String, String)>,
    /// Connection uuid → connection name.
    pub connections: HashMap<String, String>,
    /// Table uuid → the table as declared in `flowctl.yaml`, or why it could not be.
    pub tables: HashMap<String, Result<TableInfo, String>>,
    /// The card kinds the running flowctl has (`None`: every kind the table names).
    pub kinds: Option<crate::Kinds>,
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

/// Where steps go: the flow's list (empty), or a path of blocks, each `(index of the block step
/// in the list so far, arm)`; a block inside another block's arm adds a level.
type Dest = Vec<(usize, usize)>;

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
    /// Block card (If/Else, If/ElseIf, If Error) → where its block step is: the [`Dest`] of
    /// the list it is in, and its index there.
    blocks: HashMap<String, (Dest, usize)>,
    /// Where the steps of the card being converted go.
    dest: Dest,
    /// Card → its place in the run order.
    position: HashMap<String, usize>,
    /// A Close or Return Raw became the flow's `http.close`.
    closed: bool,
    /// Cards that did not convert.
    failed: HashSet<String>,
    /// Whether the card being converted is in an If Error block.
    scope: try_catch::Scope,
    /// The rows Search Rows found (`<step>.rows`) → their table, whose Okta column names an
    /// iterator's item path may use.
    rows: HashMap<String, tables::TableInfo>,
    /// An arm's destination → the guard case of a Continue If in it, where the cards after the
    /// Continue If go.
    redirect: HashMap<Dest, Dest>,
    /// Continue If guards not written yet, by the destination they guard.
    pending: HashMap<Dest, leave::Guard>,
    /// Cards behind a Continue If's guard.
    guarded: HashSet<String>,
    /// The flow's Return Raw and Close cards (inline flows included).
    closers: Vec<String>,
    /// If/Else card → the output names its arms give a Return Raw's or Close's answer.
    answers: HashMap<String, leave::Answer>,
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
        dest: Vec::new(),
        position: HashMap::new(),
        closed: false,
        failed: HashSet::new(),
        scope: try_catch::Scope::Flow,
        rows: HashMap::new(),
        redirect: HashMap::new(),
        pending: HashMap::new(),
        guarded: HashSet::new(),
        closers: leave::closers(flow),
        answers: HashMap::new(),
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
    let mut inputs: Vec<(String, String)> = card
        .outputs
        .iter()
        .filter(|f| f.group.is_none() && !f.wormhole)
        .map(|f| (f.key.clone(), ids.claim(snake(&f.key, "input"), "_")))
        .collect();
    // The item's position, when the helper reads its Index context field: an input its
    // iterating callers fill with `{{ index }}`.
    let index_read = card.outputs.iter().any(|f| {
        f.group.as_deref() == Some("context")
            && f.key == "index"
            && card.pins.iter().any(|p| p.output == f.id)
    });
    if index_read {
        inputs.push((INDEX_INPUT.to_string(), ids.claim("index".into(), "_")));
    }
    inputs
}

/// The flowctl names of a helper flow's inputs that Okta declares as text.
pub fn helper_text_inputs(flow: &FlowData) -> HashSet<String> {
    let Some(card) = flow.methods.iter().find(|m| m.key == "control:callable") else {
        return HashSet::new();
    };
    helper_inputs(flow)
        .into_iter()
        .filter(|(key, _)| {
            card.outputs.iter().any(|o| {
                o.group.is_none()
                    && !o.wormhole
                    && o.key == *key
                    && field_type(&o.ty, o.collection).is_ok_and(|t| t == "text")
            })
        })
        .map(|(_, name)| name)
        .collect()
}

/// The outputs a flow's Return cards give, by the names their steps write (the snake case of
/// their fields' keys).
pub fn returned(flow: &FlowData) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in flow.methods.iter().filter(|m| m.key == "control:return") {
        for f in m.inputs.iter().filter(|f| f.custom && !f.wormhole) {
            let name = snake(&f.key, "output");
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The Okta key [`helper_inputs`] gives a helper's Index context field.
pub(crate) const INDEX_INPUT: &str = "context/index";

impl<'a> Cx<'a> {
    /// Refuses a card with an input the conversion did not use (`used`, by field id) that
    /// holds something: wired, or set to a value. Hidden wormhole fields are Okta's own.
    fn refuse_unused(&self, m: &Method, used: &HashSet<String>) -> Result<(), String> {
        for f in &m.inputs {
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            if !used.contains(&f.id) && !f.wormhole && (wired || !f.is_blank()) {
                return Err(format!(
                    "its input `{}` has no flowctl counterpart",
                    f.label()
                ));
            }
        }
        Ok(())
    }

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
            // An event batch reads the events of the flow's event card.
            if m.inline.is_some() && lookup_special(m) == Some(Special::ForEachIgnoreErrors) {
                queue.extend(
                    self.flow
                        .methods
                        .iter()
                        .filter(|e| e.webhook)
                        .map(|e| e.uuid.as_str()),
                );
            }
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
        let outer = self.dest.clone();
        let dest = self.dest_of(m);
        self.dest = dest.clone().unwrap_or_else(|_| outer.clone());
        if dest.is_ok() && self.enter_guards(special) {
            self.guarded.insert(m.uuid.clone());
        }
        let id = self.ids.step(&step_name(m));
        // A card that leaves only its branch or block.
        let left = match dest {
            Ok(_) => self.leave(m, special),
            Err(why) => Some(Err(why)),
        };
        let result = match left {
            Some(r) => r,
            None => match self.scope_forbids(m, special) {
                Some(why) => Err(why),
                None => self
                    .step(m, &id, special)
                    .and_then(|step| self.check_kind(step))
                    .and_then(|step| self.in_scope(special, step)),
            },
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
            if bad == "stream" {
                return Err(format!(
                    "streams its records to a helper flow, which `{}` does not take (`stream:`) in this flowctl",
                    s.card
                ));
            }
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
        if m.error_policy == "flo" {
            let step = self.step_with(m, id, special)?;
            let step = self.check_kind(step)?;
            return self.error_flow(m, id, step);
        }
        if m.error_policy == "return" {
            return Err(
                "its error handling (\"Return values\") has no flowctl counterpart yet".into(),
            );
        }
        self.step_with(m, id, special)
    }

    /// A card's step, its error handling aside.
    fn step_with(
        &mut self,
        m: &'a Method,
        id: &str,
        special: Option<Special>,
    ) -> Result<Option<Step>, String> {
        let entry = table::lookup(&m.key);
        if let Some(kinds) = &self.catalog.kinds {
            // A connector card the registry has a kind for, unless the table maps it.
            let generic = matches!(entry.map(|e| &e.map), None | Some(Map::Unsupported(_)));
            let app = m.key.split(':').next().unwrap_or_default();
            let found = (generic && m.address.starts_with("root:channels:"))
                .then(|| {
                    let name = if m.kind_name.trim().is_empty() {
                        &m.name
                    } else {
                        &m.kind_name
                    };
                    // A card renamed on the canvas keeps its address key (`getUsersGroups`)
                    // and the table's name for it.
                    let key = m.key.split(':').nth(1).unwrap_or_default();
                    let from_table = entry.map(|e| {
                        let prefix = format!("{} ", crate::names::words(app).join(" "));
                        let lower = e.okta.to_ascii_lowercase();
                        match lower.starts_with(&prefix) {
                            true => e.okta[prefix.len()..].to_string(),
                            false => e.okta.to_string(),
                        }
                    });
                    std::iter::once(name.to_string())
                        .chain(from_table)
                        .chain(std::iter::once(crate::kinds::key_words(key)))
                        .find_map(|n| kinds.connector_kind(app, &n))
                })
                .flatten()
                .and_then(|k| Some((k.to_string(), kinds.get(k)?.clone())));
            // Okta's Bulk User Import set to delete is the bulk-delete action; Slack's Read
            // User by Email is the lookup by email.
            let choice = |key: &str, want: &str| {
                m.input(key)
                    .is_some_and(|f| crate::export::text(Some(&f.data)).eq_ignore_ascii_case(want))
            };
            let found = match found {
                Some((kind, _))
                    if kind == "slack.read_user" && choice("parameters/fieldType", "email") =>
                {
                    kinds
                        .get("slack.find_user_by_email")
                        .map(|i| ("slack.find_user_by_email".to_string(), i.clone()))
                }
                Some((kind, _))
                    if kind == "okta.bulk_user_import"
                        && m.input("parameters/importOperation").is_some_and(|f| {
                            crate::export::text(Some(&f.data)).eq_ignore_ascii_case("delete")
                        }) =>
                {
                    kinds
                        .get("okta.bulk_user_delete")
                        .map(|i| ("okta.bulk_user_delete".to_string(), i.clone()))
                }
                other => other,
            };
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
            Map::Card(c) => match self.field_in_place(m)? {
                Some(v) => {
                    self.single_output(m, Ok(v));
                    Ok(None)
                }
                None => self.mapped(m, id, c).map(Some),
            },
            Map::Special(s) => self.special(m, id, special.unwrap_or(*s)),
        }
    }

    /// Object Get of a written-out path from a value built in place (an event's party, a
    /// streamed Okta record by Okta's names) or a streamed connector record: the field itself,
    /// with no step.
    fn field_in_place(&mut self, m: &Method) -> Result<Option<Val>, String> {
        if m.key != "object:get" {
            return Ok(None);
        }
        let (Some(object), Some(path)) = (m.input("object"), m.input("path")) else {
            return Ok(None);
        };
        if self
            .wires
            .contains_key(&(m.uuid.as_str(), path.id.as_str()))
        {
            return Ok(None);
        }
        let path = crate::export::text(Some(&path.data));
        let id = object.id.clone();
        match self.input(m, &id, 0)? {
            Some(v @ (Val::Map(_) | Val::Record(..))) if !path.is_empty() => {
                v.field(path.split('.')).map(Some)
            }
            _ => Ok(None),
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
            "parseFloat" => self.helper_step(
                "number",
                "number.parse",
                "text",
                v,
                "Okta read this value as a number on the wire",
            ),
            "dateTime" => self.helper_step(
                "date",
                "date.parse",
                "text",
                v,
                "Okta read this value as a date on the wire",
            ),
            other => {
                return Err(format!(
                    "its input is wired with the `{other}` conversion, which has no flowctl counterpart yet"
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
    /// `key:` of a `list.pluck` whose `list:` is the rows of a Search Rows, as the table's
    /// flowctl column name.
    fn pluck_column(&self, with: &mut [(String, Yaml)]) {
        let rows = with.iter().find_map(|(n, v)| match (n.as_str(), v) {
            ("list", Yaml::Str(t)) => t
                .strip_prefix("{{ ")
                .and_then(|t| t.strip_suffix(" }}"))
                .and_then(|p| self.rows.get(p)),
            _ => None,
        });
        let Some(table) = rows.cloned() else {
            return;
        };
        for (n, v) in with.iter_mut() {
            if n == "key"
                && let Yaml::Str(k) = v
                && let Some(col) = table.column(k)
            {
                *v = Yaml::str(col.to_string());
            }
        }
    }

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
                    let mut empty_list = false;
                    for key in *keys {
                        if let Some(f) = find_field(&m.inputs, key) {
                            used.insert(f.id.clone());
                            empty_list |= f.collection;
                            if found.is_none() {
                                found = self.input_by_key(m, key)?;
                            }
                        }
                    }
                    // A function card's list input left empty is the empty list in Okta.
                    if found.is_none() && empty_list && c.connection.is_none() {
                        found = Some(Val::Const(Value::Array(Vec::new())));
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
                                Some(Konst::Omit) => None,
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
                // Filled below, once every other argument has claimed its inputs.
                Arg::Rest => continue,
            };
            if let Some(v) = value {
                with.push(((*name).to_string(), v.to_yaml()));
            }
        }
        // Pluck over the rows of Search Rows: Okta names the key by column, flowctl rows by
        // their flowctl column names.
        if c.card == "list.pluck" {
            self.pluck_column(&mut with);
        }
        if let Some((name, _)) = c.args.iter().find(|(_, a)| matches!(a, Arg::Rest)) {
            let rest: Vec<String> = m
                .inputs
                .iter()
                .filter(|f| !used.contains(&f.id) && !f.wormhole)
                .map(|f| f.id.clone())
                .collect();
            let mut items = Vec::new();
            for fid in rest {
                if let Some(v) = self.input(m, &fid, 0)? {
                    items.push(v);
                }
                used.insert(fid);
            }
            with.push(((*name).to_string(), Val::List(items).to_yaml()));
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
        let only_output = m.outputs.len() == 1;
        for o in &m.outputs {
            let path = c.outputs.iter().find_map(|(pattern, path)| {
                if *pattern == "?" {
                    only_output.then(|| path.to_string())
                } else {
                    match_output(pattern, path, &o.group, &o.key)
                }
            });
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
        if c.card == "http.request" {
            query_text(&mut with)?;
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

/// Okta's HTTP cards take their Query as an object or as query text (`?`, `a=1&b=2`, or text
/// composed by another card); `http.request` takes an object. Text written on the card becomes
/// the object (nothing for `?` alone); composed text goes on the end of the URL after `?`.
fn query_text(with: &mut Vec<(String, Yaml)>) -> Result<(), String> {
    let Some(at) = with.iter().position(|(k, _)| k == "query") else {
        return Ok(());
    };
    let Yaml::Str(text) = &with[at].1 else {
        return Ok(());
    };
    let text = text.trim().trim_start_matches('?').to_string();
    with.remove(at);
    if text.is_empty() {
        return Ok(());
    }
    if text.contains("{{") {
        let Some((_, Yaml::Str(url))) = with.iter_mut().find(|(k, _)| k == "url") else {
            return Err("its Query is composed text, and its URL is not text".into());
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        *url = format!("{url}{sep}{text}");
        return Ok(());
    }
    let pairs = text
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), Yaml::str(v))
        })
        .collect();
    with.push(("query".into(), Yaml::Map(pairs)));
    Ok(())
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
        Konst::Omit => Value::Null,
    })
}

pub(super) fn lookup_special(m: &Method) -> Option<Special> {
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
