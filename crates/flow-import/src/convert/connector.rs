//! Connector cards with no entry of their own in the table: Okta's card "Get User's Groups"
//! of the `okta` connector becomes the registry's `okta.get_users_groups`, each Okta input the
//! action input of the same name (`User/ID` → `user_id`, `id` or `user`, the first the action
//! has), Okta's Result Set option `limit:` or `stream:`. An input with no counterpart, a
//! required input left unset, or a read of an output whose place is not known blocks the card.

use super::{Cx, Step, display_name};
use crate::export::{Field, Method, text};
use crate::kinds::KindInfo;
use crate::names::{snake, words};
use crate::table::OKTA_USER_OUTPUTS;
use crate::value::{Val, escape_template};
use crate::yaml::Yaml;
use serde_json::Value;

/// Groups that only sort a card's inputs on the Okta canvas: their name is not part of the
/// input's.
const PLAIN_GROUPS: &[&str] = &["parameters", "inputs", "input", "options", "streaming"];

/// Okta options whose choice is what the action does anyway: (kind, option key, choice).
/// Okta's Create User "without Credentials" creates the user with no password, as
/// `okta.create_user` does; Update User's `POST` semantics is Okta's partial update, as
/// `okta.update_user` sends.
/// A partner connector's option key ends with `_` and six random capitals and digits
/// (`search_by_PYUQWV`), compared here without it.
const OWN_CHOICES: &[(&str, &str, &str)] = &[
    ("okta.create_user", "option", "getInputsnoCreds"),
    ("okta.update_user", "updateSemantics", "POST"),
    // Search System Logs by an expression: its Custom Filter is the `filter`.
    ("okta.search_system_logs", "searchBy", "Expression"),
    // Reset Password without Okta's conversion option, as `okta.reset_password` does.
    ("okta.reset_password", "convert", "No"),
    // Jamf's Classic Read User by user name, the action's `username`.
    ("jamf.read_user", "read_by", "username"),
    // Slack's Read User by ID or by Email: the action that reads it that way.
    ("slack.read_user", "fieldType", "ID"),
    ("slack.find_user_by_email", "fieldType", "Email"),
    // Auth0's Search Users "Search By: properties": each User field a clause of the query,
    // which is how `auth0.search_users` builds it.
    ("auth0.search_users", "search_by", "properties"),
    // Auth0's Link Account without "Merge Metadata": one link request, as the action sends.
    ("auth0.link_account", "merge_metadata", "false"),
];

/// Okta inputs an action does without: (kind, Okta key). Map Profile Source Attributes names
/// the identity source only so the Okta canvas can list its attributes; the mapping itself does
/// not use it.
const UNUSED_INPUTS: &[(&str, &str)] = &[
    ("okta.map_profile_source_attributes", "application"),
    ("okta.map_profile_source_attributes", "applicationID"),
];

/// Okta inputs whose action input has another name: (kind, Okta `group/key`, input).
const INPUT_NAMES: &[(&str, &str, &str)] = &[
    ("okta.bulk_user_import", "Data/Users", "profiles"),
    ("okta.bulk_user_delete", "Data/Users", "profiles"),
    (
        "okta.search_system_logs",
        "Search By/Custom Filter",
        "filter",
    ),
    ("okta.reset_password", "parameters/email", "send_email"),
    ("okta.search_applications", "Search/Query", "q"),
];

/// An input key without the `_` and six random capitals and digits a partner connector's
/// keys end with (`result_set_OBTYKK` → `result_set`); other keys as they are.
fn partner_key(key: &str) -> &str {
    match key.rsplit_once('_') {
        Some((base, id))
            if !base.is_empty()
                && id.len() == 6
                && id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) =>
        {
            base
        }
        _ => key,
    }
}

/// Whether the field is Okta's Result Set option: `parameters/resultSet`, or a partner
/// connector's `parameters/result_set_<id>`.
fn is_result_set(f: &Field) -> bool {
    f.group
        .as_deref()
        .is_some_and(|g| g.eq_ignore_ascii_case("parameters"))
        && (f.key == "resultSet" || partner_key(&f.key) == "result_set")
}

/// An Okta Yes/No (or True/False) choice as a boolean.
fn yes_no(choice: &str) -> Option<bool> {
    match choice.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    }
}

/// A name compared without case, spaces or punctuation: `Incident Number` → `incidentnumber`,
/// `displayName` → `displayname`.
fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where an Okta output of a connector card is in the output of the action `info` describes:
/// the path the action names for it in `okta_outputs` (by `Group/key`, or `key` for an output
/// with no group), else the one
/// field of its declared output whose name, squashed, is the output's `group key`, its key,
/// its display name, or its key with the group's words taken off the front (`Incident Number`
/// in group `Incident` → `number`), tried in that order. Two fields of one name, or none,
/// place nothing: a name is never matched loosely.
pub(super) fn named_output(o: &Field, info: &KindInfo) -> Option<String> {
    // By its label, a partner connector's key without its random suffix.
    let bare_label = match &o.group {
        Some(g) => format!("{g}/{}", partner_key(&o.key)),
        None => partner_key(&o.key).to_string(),
    };
    if let Some((_, path)) = info
        .okta_outputs
        .iter()
        .find(|(k, _)| *k == o.label() || *k == bare_label)
    {
        return Some(path.clone());
    }
    let group = o
        .group
        .as_deref()
        .filter(|g| !PLAIN_GROUPS.contains(&g.to_ascii_lowercase().as_str()));
    let key = partner_key(&o.key);
    let mut names = Vec::new();
    if let Some(g) = group {
        names.push(format!("{g} {key}"));
    }
    names.push(key.to_string());
    if let Some(d) = &o.display_name {
        names.push(d.clone());
    }
    if let Some(g) = group {
        let group_words = words(g);
        let key_words = words(key);
        let rest: Vec<&String> = key_words
            .iter()
            .skip_while(|w| group_words.contains(w))
            .collect();
        if !rest.is_empty() && rest.len() < key_words.len() {
            names.push(
                rest.iter()
                    .map(|w| w.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    // Okta's Status Code of a card is the HTTP status, which actions answer as `status`.
    if squash(&o.key) == "statuscode" {
        names.push("status".into());
    }
    for name in names {
        let want = squash(&name);
        if want.is_empty() {
            continue;
        }
        let mut found = info.output_fields.iter().filter(|f| squash(f) == want);
        match (found.next(), found.next()) {
            (Some(f), None) => return Some(f.clone()),
            (Some(_), Some(_)) => return None,
            _ => {}
        }
    }
    None
}

/// The snake case of the input's group, unless the group only sorts fields (`parameters`).
fn group_input(f: &Field) -> Option<String> {
    f.group
        .as_deref()
        .filter(|g| !PLAIN_GROUPS.contains(&g.to_ascii_lowercase().as_str()))
        .map(|g| snake(g, ""))
        .filter(|g| !g.is_empty())
}

/// The action input names an Okta input may stand for, most specific first.
fn candidates(f: &Field) -> Vec<String> {
    let bare = partner_key(&f.key);
    let key = snake(bare, "");
    let mut out = Vec::new();
    let group = f
        .group
        .as_deref()
        .filter(|g| !PLAIN_GROUPS.contains(&g.to_ascii_lowercase().as_str()));
    if let Some(g) = group {
        out.push(snake(&format!("{g} {bare}"), ""));
    }
    out.push(key);
    if let Some(d) = &f.display_name {
        out.push(snake(d, ""));
    }
    if let Some(g) = group {
        out.push(snake(g, ""));
    }
    out.retain(|c| !c.is_empty());
    out
}

impl<'a> Cx<'a> {
    /// A connector card as the registry's `kind`, input by input.
    pub(super) fn connector_card(
        &mut self,
        m: &Method,
        id: &str,
        kind: &str,
        info: &KindInfo,
    ) -> Result<Step, String> {
        let app = kind.split('.').next().unwrap_or(kind);
        let mut with: Vec<(String, Yaml)> = Vec::new();
        if info.connection {
            with.push(("connection".into(), Yaml::str(self.connection(m, app))));
        }
        let has = |name: &str| info.inputs.iter().any(|i| i == name);
        let mut streamed = false;
        // "First Matching Record": the outputs read the first record found.
        let mut first = false;
        // The clauses of an Okta search card's search expression.
        let mut search: Vec<String> = Vec::new();
        // The values a streaming card hands its helper besides each record (Okta's State).
        let mut state: Vec<(String, Val)> = Vec::new();
        // Action inputs made of a group of Okta inputs, field by field.
        let mut gathered: Vec<(String, Vec<(String, Yaml)>)> = Vec::new();
        for f in &m.inputs {
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            if f.wormhole || (!wired && f.is_blank()) {
                continue;
            }
            let group = f.group.as_deref().unwrap_or("").to_ascii_lowercase();
            if is_result_set(f) {
                let choice = text(Some(&f.data));
                if wired {
                    return Err("its Result Set is wired, not chosen".into());
                }
                match result_set(&choice) {
                    Some(ResultSet::Stream) => streamed = true,
                    Some(ResultSet::First(n)) => {
                        if has("limit") {
                            with.push(("limit".into(), Yaml::Num(n.to_string())));
                        }
                    }
                    Some(ResultSet::One) => {
                        if has("limit") {
                            with.push(("limit".into(), Yaml::Num("1".into())));
                        }
                        first = true;
                    }
                    Some(ResultSet::All) => {}
                    None => {
                        return Err(format!(
                            "its Result Set `{choice}` has no flowctl counterpart"
                        ));
                    }
                }
                continue;
            }
            // Okta's search cards (Search Groups, List Users with Search, Find Users): a
            // Query is the quick search; each other Inputs field an attribute that must
            // equal its value; Custom Search Criteria a search expression of its own.
            if group == "inputs"
                && kind.starts_with("okta.")
                && !f.key.eq_ignore_ascii_case("query")
            {
                let id_ = f.id.clone();
                if let Some(v) = self.input(m, &id_, 0)? {
                    if f.key.eq_ignore_ascii_case("Custom Search Criteria") {
                        search.push(match &v {
                            Val::Const(Value::String(c)) => format!("({})", escape_template(c)),
                            other => format!("({{{{ {} }}}})", other.operand()?),
                        });
                    } else {
                        let value = match &v {
                            Val::Const(c @ Value::String(_)) => escape_template(&c.to_string()),
                            other => format!("{{{{ json {} }}}}", other.operand()?),
                        };
                        search.push(format!("{} eq {value}", f.key));
                    }
                }
                continue;
            }
            if UNUSED_INPUTS
                .iter()
                .any(|(k, key)| *k == kind && f.key == *key)
            {
                continue;
            }
            // The app an Okta card acts on, chosen in its options (an app id), or "-- Enter
            // Application ID --": the id is then the card's Application ID input.
            if group == "parameters" && !wired && f.key == "application" {
                let choice = text(Some(&f.data));
                if choice.trim_start().starts_with("--") {
                    continue;
                }
                if let Some(name) = ["app_id", "identity_source_id"]
                    .into_iter()
                    .find(|n| has(n))
                {
                    if with.iter().any(|(n, _)| n == name) {
                        return Err(format!("two of its inputs are `{name}` of `{kind}`"));
                    }
                    with.push((name.into(), Yaml::str(choice)));
                    continue;
                }
            }
            // Import Operation: Map Profile Source Attributes' `operation`; Bulk User Import's
            // is the action itself (bulk upsert or bulk delete).
            if group == "parameters" && !wired && f.key == "importOperation" {
                let op = text(Some(&f.data)).to_ascii_lowercase();
                if has("operation") {
                    with.push(("operation".into(), Yaml::str(op)));
                    continue;
                }
                if matches!(
                    (kind, op.as_str()),
                    ("okta.bulk_user_import", "upsert") | ("okta.bulk_user_delete", "delete")
                ) {
                    continue;
                }
            }
            if group == "parameters"
                && !wired
                && OWN_CHOICES.iter().any(|(k, key, choice)| {
                    *k == kind && partner_key(&f.key) == *key && text(Some(&f.data)) == *choice
                })
            {
                continue;
            }
            if group == "streaming" {
                // A partner connector's record limit when streaming (`Streaming/Record
                // Limit`), dropped as Okta's own is: flowctl streams every record.
                if f.key == "Flow" || f.key == "Record Limit" {
                    continue;
                }
                let id_ = f.id.clone();
                if let Some(v) = self.input(m, &id_, 0)? {
                    state.push((f.key.clone(), v));
                }
                continue;
            }
            if group == "list criteria" && f.key == "Limit" && streamed_card(m) {
                // Okta's record limit when streaming; flowctl streams every record.
                continue;
            }
            let mut names = candidates(f);
            if group == "inputs" && f.key.eq_ignore_ascii_case("query") {
                names.extend(["q".to_string(), "query".to_string()]);
            }
            if let Some((_, _, input)) = INPUT_NAMES
                .iter()
                .find(|(k, label, _)| *k == kind && f.label() == *label)
            {
                names.insert(0, (*input).to_string());
            }
            // Okta's Application ID (`Application/applicationID`) of Okta's app cards.
            if names.iter().any(|n| n == "application_id") {
                names.extend(["app_id".to_string(), "identity_source_id".to_string()]);
            }
            // Every connector's Custom API Action: its Relative URL is flowctl's `path`, its
            // Request Type the `method`.
            if kind.ends_with(".api_request") {
                match snake(partner_key(&f.key), "").as_str() {
                    "relative_url" | "url" => names.insert(0, "path".into()),
                    "request_type" => names.insert(0, "method".into()),
                    // JSON in and out is what the action sends and reads already.
                    "headers" if !has("headers") && self.json_headers_only(m, f) => continue,
                    _ => {}
                }
            }
            // A group of several fields (Okta's `Profile`) stands for one object input; a
            // group of one (`User/ID`) for a value.
            let group_input = group_input(f).filter(|g| {
                m.inputs.iter().filter(|o| o.group == f.group).count() > 1
                    || (info.objects.contains(g) && snake(partner_key(&f.key), "") != *g)
            });
            let Some(name) = names.into_iter().find(|c| has(c)) else {
                return Err(format!(
                    "its input `{}` has no counterpart among the inputs of `{kind}` ({})",
                    f.label(),
                    info.inputs.join(", ")
                ));
            };
            // Only the group of several fields has a counterpart (Okta's `Profile/login`,
            // `Profile/email` … and an action's `profile` object): the group's fields become
            // that object, by their Okta keys.
            if group_input.as_deref() == Some(name.as_str()) {
                let id_ = f.id.clone();
                if let Some(v) = self.input(m, &id_, 0)? {
                    match gathered.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, fields)) => fields.push((f.key.clone(), v.to_yaml())),
                        None => gathered.push((name, vec![(f.key.clone(), v.to_yaml())])),
                    }
                }
                continue;
            }
            if with.iter().any(|(n, _)| *n == name) {
                return Err(format!("two of its inputs are `{name}` of `{kind}`"));
            }
            let id_ = f.id.clone();
            if let Some(v) = self.input(m, &id_, 0)? {
                let yaml = match (&v, info.booleans.contains(&name)) {
                    (Val::Const(Value::String(s)), true) => match yes_no(s) {
                        Some(b) => Yaml::Bool(b),
                        None => return Err(format!("its `{}` is `{s}`, not Yes or No", f.label())),
                    },
                    _ => v.to_yaml(),
                };
                with.push((name, yaml));
            }
        }
        if !search.is_empty() {
            if !has("search") || with.iter().any(|(n, _)| n == "search") {
                return Err(format!(
                    "searches by attribute ({}), which `{kind}` does not take",
                    search.join(" and ")
                ));
            }
            with.push(("search".into(), Yaml::Str(search.join(" and "))));
        }
        for (name, fields) in gathered {
            if with.iter().any(|(n, _)| *n == name) {
                return Err(format!("two of its inputs are `{name}` of `{kind}`"));
            }
            with.push((name, Yaml::Map(fields)));
        }
        let missing: Vec<&str> = info
            .required
            .iter()
            .filter(|r| !with.iter().any(|(n, _)| n == *r))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "leaves `{}` of `{kind}` unset (no Okta input of that name holds a value)",
                missing.join("`, `")
            ));
        }
        if streamed {
            with.push(("stream".into(), self.stream(m, state)?));
        } else if !state.is_empty() {
            return Err("passes values to a helper flow it does not stream to".into());
        }
        self.connector_outputs(m, id, kind, info, streamed, first);
        Ok(Step {
            id: id.to_string(),
            card: kind.to_string().into(),
            with,
            ..Step::default()
        })
    }

    /// The `stream:` of a card set to "Stream Records": its helper (`Streaming/Flow`), the
    /// helper's inputs (Okta hands it the record and a state object made of the card's other
    /// `Streaming` inputs, by their Okta keys), one record per run.
    fn stream(&mut self, m: &Method, state: Vec<(String, Val)>) -> Result<Yaml, String> {
        let (uuid, flow) = self.stream_flow(m)?;
        let mut declared = self.catalog.helpers.get(&uuid).cloned().unwrap_or_default();
        // Okta hands a streaming helper no position: its Index input stays unset.
        let index = declared
            .iter()
            .position(|(k, _)| k == super::INDEX_INPUT)
            .map(|i| declared.remove(i));
        let named = |key: &str| {
            declared
                .iter()
                .position(|(k, _)| k.eq_ignore_ascii_case(key))
        };
        let (record, state_at) = match (named("record"), named("state")) {
            (Some(r), s) => (Some(r), s),
            (None, Some(s)) => (None, Some(s)),
            // Okta hands the record and the state to the helper's first and second inputs.
            (None, None) => (
                (!declared.is_empty()).then_some(0),
                (declared.len() > 1).then_some(1),
            ),
        };
        let mut inputs = Vec::new();
        for (i, (key, name)) in declared.iter().enumerate() {
            let v = if Some(i) == record {
                Val::Ref("item".into())
            } else if Some(i) == state_at {
                if state.is_empty() {
                    // No State fields on the card: Okta hands the helper nothing there.
                    Val::Const(Value::Null)
                } else {
                    Val::Map(state.clone())
                }
            } else {
                return Err(format!(
                    "streams to `{flow}`, whose input `{key}` is neither the record nor the state"
                ));
            };
            inputs.push((name.clone(), v.to_yaml()));
        }
        if let Some((_, name)) = index {
            inputs.push((name, Yaml::Null));
        }
        if state_at.is_none() && !state.is_empty() {
            return Err(format!(
                "passes `{}` to `{flow}`, which takes no state input",
                state
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join("`, `")
            ));
        }
        Ok(Yaml::Map(vec![
            ("flow".into(), Yaml::str(flow)),
            ("inputs".into(), Yaml::Map(inputs)),
            ("per".into(), Yaml::str("record")),
        ]))
    }

    /// Whether a Custom API Action's Headers input only asks for JSON (`Accept`,
    /// `Content-Type`: `application/json`), as a constant or through a Construct card, so an
    /// action that always sends and reads JSON may drop it.
    fn json_headers_only(&self, m: &Method, f: &Field) -> bool {
        let json_only = |k: &str, v: &Value| {
            matches!(k.to_ascii_lowercase().as_str(), "accept" | "content-type")
                && text(Some(v))
                    .to_ascii_lowercase()
                    .starts_with("application/json")
        };
        match self.wires.get(&(m.uuid.as_str(), f.id.as_str())) {
            None => match &f.data {
                Value::Object(o) => o.iter().all(|(k, v)| json_only(k, v)),
                _ => false,
            },
            Some((src, _, None)) => {
                let Some(card) = self.by_uuid.get(src) else {
                    return false;
                };
                card.key == "object:construct"
                    && card.inputs.iter().all(|i| {
                        i.wormhole
                            || (!self
                                .wires
                                .contains_key(&(card.uuid.as_str(), i.id.as_str()))
                                && (i.is_blank() || json_only(&i.key, &i.data)))
                    })
            }
            Some(_) => false,
        }
    }

    /// The helper a streaming card hands each record to (`Streaming/Flow`): its uuid and name.
    fn stream_flow(&mut self, m: &Method) -> Result<(String, String), String> {
        let Some(f) = m.input("Streaming/Flow") else {
            return Err("streams its records to no helper flow".into());
        };
        let Value::String(uuid) = &f.data else {
            return Err("streams its records to no helper flow".into());
        };
        let Some(name) = self.catalog.names.get(uuid).cloned() else {
            return Err(format!(
                "streams to the helper flow {uuid}, which is not in this export"
            ));
        };
        self.out.calls.insert(uuid.clone());
        Ok((uuid.clone(), name))
    }

    /// What each Okta output of a connector card reads: a streaming card's count, an Okta
    /// user's fields, the field of the action's output it names ([`named_output`]), the whole
    /// output when the card has one; any other read is refused.
    fn connector_outputs(
        &mut self,
        m: &Method,
        id: &str,
        kind: &str,
        info: &KindInfo,
        streamed: bool,
        first: bool,
    ) {
        let single = m.outputs.len() == 1;
        if first && kind.starts_with("okta.") {
            // The first record found, read by the Okta names of its fields.
            let base = Val::Ref(format!("{id}.0"));
            for o in &m.outputs {
                let path = match crate::names::words(&o.key).join(" ").as_str() {
                    "id" => Some("id"),
                    "status" => Some("status"),
                    "created" => Some("created"),
                    "last updated" => Some("lastUpdated"),
                    "login" => Some("profile.login"),
                    "email" => Some("profile.email"),
                    "name" => Some("profile.name"),
                    "description" => Some("profile.description"),
                    "raw output" | "raw object" | "raw body" => Some(""),
                    // A System Log event's fields.
                    "uuid" => Some("uuid"),
                    "published" => Some("published"),
                    "event type" => Some("eventType"),
                    "display message" => Some("displayMessage"),
                    "actor" => Some("actor"),
                    "target" => Some("target"),
                    "client" => Some("client"),
                    "outcome" => Some("outcome"),
                    _ => None,
                };
                let v = match path {
                    Some(p) => base.field(p.split('.')),
                    None => Err(format!(
                        "reads the output `{}` of `{}`, whose place in the first record is not known",
                        o.label(),
                        display_name(m)
                    )),
                };
                self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
            }
            return;
        }
        // An action that answers a list: the first record. (One that answers the one record
        // Okta's First Matching Record asks for, `microsoft_teams.search_teams`, has its
        // outputs by name like any other.)
        if first && !info.record_fields.is_empty() {
            // Another connector's list action: the first record, its outputs by their names
            // among the fields each record declares.
            let base = Val::Ref(format!("{id}.0"));
            let record = KindInfo {
                output_fields: info.record_fields.clone(),
                okta_outputs: info.okta_outputs.clone(),
                ..KindInfo::default()
            };
            for o in &m.outputs {
                let v = match named_output(o, &record) {
                    Some(path) => base.field(path.split('.')),
                    None => Err(format!(
                        "reads the output `{}` of `{}`, whose place in the first record is not known",
                        o.label(),
                        display_name(m)
                    )),
                };
                self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
            }
            return;
        }
        let api_request = kind.ends_with(".api_request");
        for o in &m.outputs {
            let field = match snake(partner_key(&o.key), "").as_str() {
                "status_code" | "status" => Some("status"),
                "headers" => Some("headers"),
                "body" => Some("body"),
                _ => None,
            };
            if api_request && let Some(f) = field {
                self.outputs.insert(
                    (m.uuid.clone(), o.id.clone()),
                    Ok(Val::Ref(format!("{id}.{f}"))),
                );
                continue;
            }
            let user = OKTA_USER_OUTPUTS
                .iter()
                .find_map(|(pattern, path)| super::match_output(pattern, path, &o.group, &o.key));
            let v = if streamed {
                if o.key == "Records Streamed" {
                    Ok(Val::Ref(format!("{id}.records")))
                } else {
                    Err(format!(
                        "reads the output `{}` of `{}`, which streams its records",
                        o.label(),
                        display_name(m)
                    ))
                }
            } else if kind.starts_with("okta.")
                && let Some(path) = user
            {
                Val::Ref(id.to_string()).field(path.split('.'))
            } else if let Some(path) = named_output(o, info) {
                Val::Ref(id.to_string()).field(path.split('.'))
            } else if single && info.scalar_output && !o.collection {
                // The action's output is the one value Okta's one output gives (a status).
                Ok(Val::Ref(id.to_string()))
            } else if single && (o.collection || !o.ty.is_string()) {
                Ok(Val::Sealed(
                    id.to_string(),
                    format!(
                        "of `{}` (`{kind}`), whose Okta field names are not flowctl's",
                        display_name(m)
                    ),
                ))
            } else {
                // One field of the action's output, but which one is not known here.
                Err(format!(
                    "reads the output `{}` of `{}`, whose place in the output of `{kind}` is not known (no field of its output has that name; a connector action names it in `okta_outputs`)",
                    o.label(),
                    display_name(m)
                ))
            };
            self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
        }
    }
}

/// Whether the card is set to stream its records to a helper flow.
fn streamed_card(m: &Method) -> bool {
    m.inputs
        .iter()
        .find(|f| is_result_set(f))
        .is_some_and(|f| result_set(&text(Some(&f.data))) == Some(ResultSet::Stream))
}

/// Okta's Result Set option of a card that lists records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultSet {
    /// "Stream Records", "Stream Matching Records": each record to a helper flow.
    Stream,
    /// "First 200 Records", "First 200 Matching Records".
    First(u64),
    /// "First Matching Record": one record, whose fields are the card's outputs.
    One,
    /// "All Records", "All Matching Records".
    All,
}

/// The Result Set choices of Okta's cards (`Stream Records`, `First Matching List`, `all`,
/// `First 200 Matching Records`), by their words.
fn result_set(choice: &str) -> Option<ResultSet> {
    let words = crate::names::words(choice);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["stream", ..] => Some(ResultSet::Stream),
        ["all", ..] => Some(ResultSet::All),
        // "First Matching Record", "First Matching List": one (singular) record.
        ["first", .., last] if !last.ends_with('s') && last.parse::<u64>().is_err() => {
            Some(ResultSet::One)
        }
        _ => first_n(choice).map(ResultSet::First),
    }
}

/// `First 200 Records` → 200.
fn first_n(choice: &str) -> Option<u64> {
    let mut w = choice.split_whitespace();
    if !w.next()?.eq_ignore_ascii_case("first") {
        return None;
    }
    w.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kinds, Options, Outcome, import};

    const CONNECTORS: &[u8] = include_bytes!("../../../../tests/fixtures/okta/connectors.flow");

    fn kind(inputs: &[&str], required: &[&str]) -> KindInfo {
        KindInfo {
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            required: required.iter().map(|s| s.to_string()).collect(),
            connection: inputs.contains(&"connection"),
            ..KindInfo::default()
        }
    }

    /// A registry as the connector branches will have it: Okta actions named after Okta's
    /// cards.
    fn registry(with_list_users: bool) -> Kinds {
        let mut k = Kinds::new();
        k.add("flow.return", kind(&["outputs"], &[]), &[]);
        k.add("object.construct", kind(&["fields"], &[]), &[]);
        k.add(
            "okta.api_request",
            kind(
                &["connection", "method", "path", "query", "headers", "body"],
                &["path"],
            ),
            &["Okta - Custom API Action"],
        );
        k.add(
            "okta.get_users_groups",
            kind(&["connection", "user_id", "stream", "limit"], &["user_id"]),
            &[],
        );
        k.add(
            "okta.add_user_to_group",
            kind(
                &["connection", "group_id", "user_id"],
                &["group_id", "user_id"],
            ),
            &["Okta - Add User to Group"],
        );
        if with_list_users {
            k.add(
                "okta.list_users",
                kind(&["connection", "search", "filter", "q", "limit"], &[]),
                &["Okta - List Users with Filter"],
            );
        }
        k
    }

    #[test]
    fn connector_cards_become_the_registry_actions_of_their_name() {
        let kinds = registry(true);
        let i = import(
            CONNECTORS,
            "x",
            Options {
                partial: false,
                kinds: Some(&kinds),
            },
        )
        .unwrap();
        assert!(i.report.all_converted(), "{}", i.report);
        let flow = &i.files[1].text;
        // The golden `flowctl import` is checked against once the registry's action takes
        // `stream:` (tests/it/import.rs): the same flow, but for the user input's name, which
        // is `user` in flowctl's Okta connector and `user_id` in the registry made here.
        let golden = include_str!("../../../../tests/golden/import/connectors/flows/regroup.yaml");
        assert_eq!(*flow, golden.replace("      user: ", "      user_id: "));
        for want in [
            // Streamed to the helper: Okta's Record is each record, its State the card's own
            // `Streaming` inputs by their Okta keys.
            "  - id: get_users_groups\n    card: okta.get_users_groups\n    with:\n      connection: okta\n      user_id: \"{{ trigger.json.user }}\"\n      stream:\n        flow: each-group\n        inputs:\n          record: \"{{ item }}\"\n          state:\n            userId: \"{{ trigger.json.user }}\"\n        per: record\n",
            // A card the table maps keeps its entry, though the registry has its namesake.
            "    card: okta.api_request\n    with:\n      connection: okta\n      method: PUT\n      path: \"/api/v1/groups/{{ trigger.json.group }}/users/{{ trigger.json.user }}\"\n",
            "    card: okta.list_users\n    with:\n      connection: okta\n      filter: \"status eq \\\"SUSPENDED\\\"\"\n      limit: 200\n",
            "        streamed: \"{{ get_users_groups.records }}\"\n        suspended: \"{{ list_users_with_filter }}\"\n",
        ] {
            assert!(flow.contains(want), "{want}\n---\n{flow}");
        }
    }

    #[test]
    fn a_card_whose_action_is_missing_is_reported_by_name() {
        let kinds = registry(false);
        let i = import(
            CONNECTORS,
            "x",
            Options {
                partial: false,
                kinds: Some(&kinds),
            },
        )
        .unwrap();
        let regroup = &i.report.flows[0];
        assert_eq!(regroup.outcome, Outcome::NotConverted);
        let problems: Vec<(&str, &str)> = regroup
            .problems
            .iter()
            .map(|p| (p.card.as_str(), p.reason.as_str()))
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].0, "List Users with Filter");
        assert!(
            problems[0]
                .1
                .contains("needs the flowctl card `okta.list_users`"),
            "{problems:?}"
        );
        assert_eq!(problems[1].0, "Return");
        // An action that takes other inputs than the table writes: the input is named.
        let mut kinds = registry(true);
        kinds.add("okta.list_users", kind(&["connection", "search"], &[]), &[]);
        let i = import(
            CONNECTORS,
            "x",
            Options {
                partial: false,
                kinds: Some(&kinds),
            },
        )
        .unwrap();
        let reason = &i.report.flows[0].problems[0].reason;
        assert!(
            reason.contains("maps to `okta.list_users`, which has no input `filter`"),
            "{reason}"
        );
        // A connector card with no entry: its input with no action input of its name.
        let mut kinds = registry(true);
        kinds.add(
            "okta.get_users_groups",
            kind(&["connection", "group", "stream"], &[]),
            &[],
        );
        let i = import(
            CONNECTORS,
            "x",
            Options {
                partial: false,
                kinds: Some(&kinds),
            },
        )
        .unwrap();
        let reason = &i.report.flows[0].problems[0].reason;
        assert!(
            reason.contains("its input `User/ID` has no counterpart among the inputs of `okta.get_users_groups` (connection, group, stream)"),
            "{reason}"
        );
    }

    /// An Okta output field: `group/key`, with a display name.
    fn out(group: Option<&str>, key: &str, display: Option<&str>) -> Field {
        Field {
            group: group.map(str::to_string),
            key: key.into(),
            display_name: display.map(str::to_string),
            ..Field::default()
        }
    }

    #[test]
    fn named_outputs_find_the_field_of_their_name() {
        let fields = |names: &[&str]| KindInfo {
            output_fields: names.iter().map(|s| s.to_string()).collect(),
            ..KindInfo::default()
        };
        let incident = fields(&["sys_id", "number", "state", "short_description"]);
        // The group's words off the front: `Incident Number` in `Incident` is `number`.
        assert_eq!(
            named_output(&out(Some("Incident"), "Incident Number", None), &incident),
            Some("number".into())
        );
        assert_eq!(
            named_output(&out(Some("Incident"), "State", None), &incident),
            Some("state".into())
        );
        // `System ID` is not `sys_id` by any rule: nothing is guessed.
        assert_eq!(
            named_output(&out(Some("Incident"), "System ID", None), &incident),
            None
        );
        // Okta's Status Code is the status an action answers.
        assert_eq!(
            named_output(&out(None, "Status Code", None), &fields(&["status"])),
            Some("status".into())
        );
        assert_eq!(
            named_output(&out(None, "Status Code", None), &fields(&["id"])),
            None
        );
        // Case, spaces and punctuation do not count; the display name is tried too.
        let user = fields(&["id", "displayName", "userPrincipalName"]);
        assert_eq!(
            named_output(&out(Some("User"), "Display Name", None), &user),
            Some("displayName".into())
        );
        assert_eq!(
            named_output(&out(None, "upn", Some("User Principal Name")), &user),
            Some("userPrincipalName".into())
        );
        // Several group words: `Record ID` in `New Record` is `id`.
        let record = fields(&["id", "success", "errors"]);
        assert_eq!(
            named_output(&out(Some("New Record"), "Record ID", None), &record),
            Some("id".into())
        );
        // `group key` comes first: `Issue/Key` is `issuekey` before it is `key`.
        let both = fields(&["key", "issue_key"]);
        assert_eq!(
            named_output(&out(Some("Issue"), "Key", None), &both),
            Some("issue_key".into())
        );
        // Two fields of one name place nothing.
        let twice = fields(&["sys_id", "sysId"]);
        assert_eq!(named_output(&out(None, "Sys ID", None), &twice), None);
        // The action's own names win, by `Group/key` or by key.
        let named = KindInfo {
            okta_outputs: vec![
                ("Incident/System ID".into(), "sys_id".into()),
                ("Issue Key".into(), "key".into()),
            ],
            ..incident.clone()
        };
        assert_eq!(
            named_output(&out(Some("Incident"), "System ID", None), &named),
            Some("sys_id".into())
        );
        assert_eq!(
            named_output(&out(None, "Issue Key", None), &named),
            Some("key".into())
        );
        // A name with no group is not the key of a grouped output.
        assert_eq!(
            named_output(&out(Some("Issue"), "Issue Key", None), &named),
            None
        );
        // No fields known (an output of type `any`): nothing is placed.
        assert_eq!(
            named_output(&out(Some("Incident"), "Number", None), &KindInfo::default()),
            None
        );
    }

    #[test]
    fn okta_inputs_name_their_action_inputs() {
        let f = Field {
            group: Some("User".into()),
            key: "ID".into(),
            ..Field::default()
        };
        assert_eq!(candidates(&f), ["user_id", "id", "user"]);
        let p = Field {
            group: Some("parameters".into()),
            key: "channel".into(),
            display_name: Some("Channel ID".into()),
            ..Field::default()
        };
        assert_eq!(candidates(&p), ["channel", "channel_id"]);
        assert_eq!(first_n("First 200 Records"), Some(200));
        assert_eq!(first_n("Stream Records"), None);
        assert_eq!(
            result_set("Stream Matching Records"),
            Some(ResultSet::Stream)
        );
        assert_eq!(result_set("First Matching List"), Some(ResultSet::One));
        assert_eq!(result_set("First Matching Record"), Some(ResultSet::One));
        assert_eq!(result_set("all"), Some(ResultSet::All));
        assert_eq!(
            result_set("First 200 Matching Records"),
            Some(ResultSet::First(200))
        );
        assert_eq!(result_set("Something Else"), None);
    }

    #[test]
    fn partner_connectors_keys_and_result_sets() {
        assert_eq!(partner_key("result_set_OBTYKK"), "result_set");
        assert_eq!(partner_key("search_by_PYUQWV"), "search_by");
        assert_eq!(partner_key("resultSet"), "resultSet");
        // Not six capitals and digits: part of the key.
        assert_eq!(partner_key("user_id"), "user_id");
        assert_eq!(partner_key("result_set_obtykk"), "result_set_obtykk");
        let f = Field {
            group: Some("parameters".into()),
            key: "result_set_GCTSBH".into(),
            ..Field::default()
        };
        assert!(is_result_set(&f));
        let g = Field {
            group: Some("User".into()),
            ..f.clone()
        };
        assert!(!is_result_set(&g));
        assert_eq!(result_set("stream"), Some(ResultSet::Stream));
        assert_eq!(
            result_set("stream_matching_records"),
            Some(ResultSet::Stream)
        );
        assert_eq!(
            result_set("Stream Matching Records"),
            Some(ResultSet::Stream)
        );
        assert_eq!(result_set("first_match"), Some(ResultSet::One));
        assert_eq!(result_set("first_matches"), None);
        let id = Field {
            group: Some("User".into()),
            key: "id_QLAWX1".into(),
            display_name: Some("ID".into()),
            ..Field::default()
        };
        assert_eq!(candidates(&id), ["user_id", "id", "id", "user"]);
    }
}
