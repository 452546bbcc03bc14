//! The trigger: Okta's event card of a flow becomes its `trigger:` (API Endpoint →
//! `api_endpoint`, Helper Flow → `helper`, Scheduled Flow → `schedule`, an Okta event card →
//! `okta_event_hook`), and its outputs the template paths they read.

use super::{Cx, display_name, env_prefix, field_type, helper_inputs, lookup_special};
use crate::export::Method;
use crate::names::{snake, template_path};
use crate::table::{self, Map, Special};
use crate::value::Val;
use crate::yaml::{self, Yaml};
use std::collections::HashMap;

impl<'a> Cx<'a> {
    /// The trigger block; fills the event card's outputs.
    pub(super) fn trigger(&mut self, card: Option<&'a Method>, flow_name: &str) -> String {
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
            Some(Special::Callable) => self.helper(card, flow_name),
            Some(Special::Delegated) => self.delegated(card),
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

    fn helper(&mut self, card: &Method, flow_name: &str) -> Result<String, String> {
        if self.flow.scheduled {
            return self.schedule(card);
        }
        let declared = helper_inputs(self.flow);
        // A helper that records are streamed to gets each record as Okta shapes it (`ID`,
        // `Profile`, …), not as the API answers it: its fields are not known here, so a read
        // of one is reported rather than converted to a path that finds nothing.
        let streamed_by = self.catalog.streamed.get(flow_name).cloned();
        let record = streamed_by
            .as_ref()
            .and_then(|_| {
                declared
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("record"))
                    .or_else(|| declared.first())
            })
            .map(|(k, _)| k.clone());
        let names: HashMap<String, String> = declared.into_iter().collect();
        let mut inputs = Vec::new();
        for o in &card.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                (Some("context"), "execution_id") => Ok(Val::Ref("execution.id".into())),
                (Some("context"), "index") => match names.get(super::INDEX_INPUT) {
                    Some(name) => {
                        inputs.push((name.clone(), Yaml::str("number")));
                        Ok(Val::Ref(format!("inputs.{name}")))
                    }
                    None => Err("reads the helper's Index context field".to_string()),
                },
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
                    if record.as_deref() == Some(key) {
                        let path = format!("inputs.{name}");
                        Ok(match streamed_by.as_ref() {
                            // An Okta record (a user, a group, an app user) by Okta's names.
                            Some((module, _)) if module == "okta" => okta_record(&path),
                            // Another connector's list action declares its records' fields.
                            Some((module, card)) => match self.record_fields(module, card) {
                                Some(fields) => Val::Record(path, fields),
                                None => Val::Sealed(
                                    path,
                                    "streamed to this helper, whose fields Okta names its own way (`ID`, `Profile`), not as the API answers them".into(),
                                ),
                            },
                            None => Val::Ref(path),
                        })
                    } else {
                        Ok(Val::Ref(format!("inputs.{name}")))
                    }
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

    /// The fields a connector list action declares for each record, by name → path (its
    /// own names, then the Okta names its `okta_outputs` place in the record), for the Okta
    /// card `card` of connector `module` that streams records to a helper.
    fn record_fields(&self, module: &str, card: &str) -> Option<Vec<(String, String)>> {
        let kinds = self.catalog.kinds.as_ref()?;
        let info = kinds.get(kinds.connector_kind(module, card)?)?;
        if info.record_fields.is_empty() {
            return None;
        }
        let own = info.record_fields.iter().map(|f| (f.clone(), f.clone()));
        Some(own.chain(info.okta_outputs.iter().cloned()).collect())
    }

    /// Delegated Flow → `trigger: helper`: Okta runs it when an admin starts it from the Admin
    /// Console (or Identity Security Posture Management does), with the values of its
    /// `inputs` group and the admin's user id; flowctl runs it by hand (`flowctl run
    /// --input`) or from another flow, with the same values as inputs.
    fn delegated(&mut self, card: &Method) -> Result<String, String> {
        let mut inputs = Vec::new();
        let mut names = crate::names::Unique::default();
        for o in &card.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                (Some("context"), "execution_id") => Ok(Val::Ref("execution.id".into())),
                (Some(g), key)
                    if !o.wormhole
                        && (g.eq_ignore_ascii_case("inputs")
                            || g.eq_ignore_ascii_case("user context")) =>
                {
                    let name = names.claim(snake(key, "input"), "_");
                    inputs.push((name.clone(), Yaml::str(field_type(&o.ty, o.collection)?)));
                    Ok(Val::Ref(format!("inputs.{name}")))
                }
                _ => Err(format!(
                    "the Delegated Flow output `{}` has no flowctl counterpart",
                    o.label()
                )),
            };
            self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
        }
        self.trigger_kind = Some("helper");
        let mut text = String::from(
            "  # A delegated flow: Okta starts it from the Admin Console with these inputs (the admin's user id is `okta_user_id`); here it runs by hand (`flowctl run --input`) or from another flow.\n",
        );
        if inputs.is_empty() {
            text.push_str("  helper: {}\n");
            return Ok(text);
        }
        text.push_str("  helper:\n");
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
}

/// A record an Okta card streams (a user, a group, an app user) by the names Okta Workflows
/// gives its fields (`ID`, `Status`, `Last Login`, `Profile`, and the same under `System
/// Properties`), each the field of the API's record at `path`. A user record also has the
/// profile fields Okta's List Users cards name in their record type (`Login`, `Email`, `First
/// Name`, `Last Name`, `Second Email`, `Mobile Phone`) and the whole record as `Raw Output`. A
/// name not listed is reported when read.
fn okta_record(path: &str) -> Val {
    // The user record type of Okta's List Users with Filter card, as an export holds it.
    const PROFILE: &[(&str, &str)] = &[
        ("Login", "login"),
        ("Email", "email"),
        ("First Name", "firstName"),
        ("Last Name", "lastName"),
        ("Second Email", "secondEmail"),
        ("Mobile Phone", "mobilePhone"),
    ];
    const FIELDS: &[(&str, &str)] = &[
        ("ID", "id"),
        // An app user's (List Users Assigned to Application) id is its user's.
        ("User ID", "id"),
        ("Status", "status"),
        ("Created", "created"),
        ("Activated", "activated"),
        ("Status Changed", "statusChanged"),
        ("Last Login", "lastLogin"),
        ("Last Updated", "lastUpdated"),
        ("Password Changed", "passwordChanged"),
        ("Type", "type"),
        ("Scope", "scope"),
        ("Credentials", "credentials"),
    ];
    let system: Vec<(String, Val)> = FIELDS
        .iter()
        .map(|(okta, api)| (okta.to_string(), Val::Ref(format!("{path}.{api}"))))
        .collect();
    let mut fields = system.clone();
    fields.push(("Profile".into(), Val::Ref(format!("{path}.profile"))));
    fields.extend(
        PROFILE
            .iter()
            .map(|(okta, api)| (okta.to_string(), Val::Ref(format!("{path}.profile.{api}")))),
    );
    fields.push(("Raw Output".into(), Val::Ref(path.to_string())));
    fields.push(("System Properties".into(), Val::Map(system)));
    Val::Map(fields)
}
