//! Connector cards that make no request and only build an object another card of their
//! connector takes: Opsgenie's Build Participant Object and Build Time Restriction Object. The
//! object is built in place (a [`Val::Map`] written where it is read, as a List Construct's
//! list is), so the card has no step: its constants stay constants and its wired values become
//! templates inside the object.
//!
//! The objects are the ones Opsgenie's Schedule Rotation API takes
//! (<https://docs.opsgenie.com/docs/schedule-rotation-api>): a participant is `{ type: user,
//! username | id }`, `{ type: team, name | id }` or `{ type: escalation, name | id }`; a time
//! restriction is one entry of a "Day and Time" restriction's `restrictions`, `{ startDay,
//! startHour, startMin, endDay, endHour, endMin }`, or a "Time Only" restriction's
//! `restriction`, `{ startHour, startMin, endHour, endMin }`. `opsgenie.create_schedule_rotation`
//! and `opsgenie.update_schedule_rotation` wrap them with the restriction's `type`, as Okta's
//! rotation cards do.

use super::{Cx, display_name};
use crate::export::{Method, text};
use crate::table::Special;
use crate::value::Val;
use serde_json::Value;

/// Opsgenie's days, as its time restrictions name them.
const DAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The fields of a "Day and Time" restriction, in Opsgenie's order.
const DAY_AND_TIME: &[&str] = &[
    "startDay",
    "startHour",
    "startMin",
    "endDay",
    "endHour",
    "endMin",
];

/// The fields of a "Time Only" restriction.
const TIME_ONLY: &[&str] = &["startHour", "startMin", "endHour", "endMin"];

impl<'a> Cx<'a> {
    /// The object the card builds (`Special::OpsgenieParticipant`,
    /// `Special::OpsgenieTimeRestriction`), as the value of its outputs; no step.
    pub(super) fn built(&mut self, m: &Method, what: Special) -> Result<(), String> {
        let object = match what {
            Special::OpsgenieParticipant => self.participant(m)?,
            Special::OpsgenieTimeRestriction => self.time_restriction(m)?,
            other => return Err(format!("{other:?} builds no object")),
        };
        self.single_output(m, Ok(object));
        Ok(())
    }

    /// Build Participant Object: `{ type, <identifier type>: identifier }`.
    fn participant(&mut self, m: &Method) -> Result<Val, String> {
        let kind = self.chosen(m, "parameters/participantType")?;
        let id_type = self.chosen(m, "Participant/identifierType")?;
        self.only_inputs(
            m,
            &[
                "parameters/participantType",
                "Participant/identifierType",
                "Participant/identifier",
            ],
        )?;
        let identifier = self
            .input_by_key(m, "Participant/identifier")?
            .ok_or_else(|| "its Identifier is not set".to_string())?;
        participant(&kind, &id_type, identifier)
    }

    /// Build Time Restriction Object: one restriction, its fields by Opsgenie's names.
    fn time_restriction(&mut self, m: &Method) -> Result<Val, String> {
        let kind = self.chosen(m, "parameters/restrictionType")?;
        let names = restriction_fields(&kind)?;
        let mut known = vec!["parameters/restrictionType".to_string()];
        known.extend(names.iter().map(|n| format!("Restriction/{n}")));
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        self.only_inputs(m, &known)?;
        let mut fields = Vec::new();
        for name in names {
            let v = self
                .input_by_key(m, &format!("Restriction/{name}"))?
                .ok_or_else(|| format!("its `Restriction/{name}` is not set"))?;
            fields.push((name.to_string(), restriction_value(name, v)?));
        }
        Ok(Val::Map(fields))
    }

    /// The choice of an option the card's object depends on (empty when it has none); a wired
    /// option is refused.
    fn chosen(&self, m: &Method, key: &str) -> Result<String, String> {
        let Some(f) = m.input(key) else {
            return Ok(String::new());
        };
        if self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str())) {
            return Err(format!("its option `{}` is wired, not chosen", f.label()));
        }
        Ok(text(Some(&f.data)).trim().to_string())
    }

    /// Refuses an input with a value or a wire that is not one of `known`: nothing the card
    /// was given is dropped silently.
    fn only_inputs(&self, m: &Method, known: &[&str]) -> Result<(), String> {
        for f in &m.inputs {
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            if f.wormhole || (!wired && f.is_blank()) {
                continue;
            }
            let label = f.label();
            if !known.iter().any(|k| k.eq_ignore_ascii_case(&label)) {
                return Err(format!(
                    "its input `{label}` has no place in the object `{}` builds",
                    display_name(m)
                ));
            }
        }
        Ok(())
    }
}

/// A participant of Okta's type (`User`, `Team`, `Escalation`) named by `id_type` (`username`
/// for a user; `name` for a team or an escalation; `id` for any).
fn participant(kind: &str, id_type: &str, identifier: Val) -> Result<Val, String> {
    let ty = match kind.to_ascii_lowercase().as_str() {
        "user" => "user",
        "team" => "team",
        "escalation" => "escalation",
        "none" => {
            return Err(
                "its Participant Type is None, for which Okta documents no object (Opsgenie's `none` participant is not known to be what it gives)"
                    .into(),
            );
        }
        "" => return Err("its Participant Type is not chosen".into()),
        other => return Err(format!("its Participant Type `{other}` is not known")),
    };
    let key = match (ty, id_type.to_ascii_lowercase().as_str()) {
        (_, "id") => "id",
        ("user", "username") => "username",
        ("team" | "escalation", "name") => "name",
        (_, "") => return Err("its Identifier Type is not chosen".into()),
        (_, other) => {
            return Err(format!(
                "its Identifier Type `{other}` does not name a {ty} in Opsgenie"
            ));
        }
    };
    Ok(Val::Map(vec![
        ("type".into(), Val::Const(Value::String(ty.into()))),
        (key.into(), identifier),
    ]))
}

/// The fields of a restriction of Okta's type.
fn restriction_fields(kind: &str) -> Result<&'static [&'static str], String> {
    match kind.to_ascii_lowercase().as_str() {
        "day and time" => Ok(DAY_AND_TIME),
        "time only" => Ok(TIME_ONLY),
        "" => Err("its Restriction Type is not chosen".into()),
        other => Err(format!("its Restriction Type `{other}` is not known")),
    }
}

/// One field of a restriction: a constant day in Opsgenie's spelling, a constant hour or minute
/// as a whole number in its range; a wired value as it is.
fn restriction_value(name: &str, v: Val) -> Result<Val, String> {
    let Val::Const(c) = &v else {
        return Ok(v);
    };
    if name.ends_with("Day") {
        let day = text(Some(c)).trim().to_ascii_lowercase();
        return match DAYS.contains(&day.as_str()) {
            true => Ok(Val::Const(Value::String(day))),
            false => Err(format!("its `{name}` `{}` is not a day", text(Some(c)))),
        };
    }
    let max = if name.ends_with("Hour") { 23 } else { 59 };
    let n = match c {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n <= max => Ok(Val::Const(Value::from(n))),
        _ => Err(format!(
            "its `{name}` `{}` is not a whole number from 0 to {max}",
            text(Some(c))
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn participants_name_their_identifier_as_opsgenie_does() {
        let who = Val::Ref("inputs.username".into());
        let user = participant("User", "username", who.clone()).unwrap();
        assert_eq!(
            user,
            Val::Map(vec![
                ("type".into(), Val::Const(json!("user"))),
                ("username".into(), who.clone()),
            ])
        );
        let team = participant("Team", "name", Val::Const(json!("Platform"))).unwrap();
        assert_eq!(
            team,
            Val::Map(vec![
                ("type".into(), Val::Const(json!("team"))),
                ("name".into(), Val::Const(json!("Platform"))),
            ])
        );
        let by_id = participant("Escalation", "id", who.clone()).unwrap();
        assert_eq!(
            by_id,
            Val::Map(vec![
                ("type".into(), Val::Const(json!("escalation"))),
                ("id".into(), who.clone()),
            ])
        );
        for (kind, id_type, why) in [
            ("None", "id", "None"),
            ("User", "name", "does not name a user"),
            ("Team", "username", "does not name a team"),
            ("User", "", "not chosen"),
            ("Robot", "id", "not known"),
        ] {
            let err = participant(kind, id_type, who.clone()).unwrap_err();
            assert!(err.contains(why), "{kind}/{id_type}: {err}");
        }
    }

    #[test]
    fn restriction_values_are_opsgenie_days_and_whole_numbers() {
        assert_eq!(restriction_fields("Day and Time").unwrap(), DAY_AND_TIME);
        assert_eq!(restriction_fields("Time Only").unwrap(), TIME_ONLY);
        assert!(restriction_fields("Weekends").is_err());
        assert_eq!(
            restriction_value("startDay", Val::Const(json!("Monday"))).unwrap(),
            Val::Const(json!("monday"))
        );
        assert_eq!(
            restriction_value("startHour", Val::Const(json!("9"))).unwrap(),
            Val::Const(json!(9))
        );
        assert_eq!(
            restriction_value("endMin", Val::Const(json!(30))).unwrap(),
            Val::Const(json!(30))
        );
        let wired = Val::Ref("inputs.hour".into());
        assert_eq!(restriction_value("endHour", wired.clone()).unwrap(), wired);
        for (name, v) in [
            ("endDay", json!("someday")),
            ("startHour", json!(24)),
            ("startMin", json!(60)),
            ("endHour", json!(-1)),
            ("endMin", json!("half")),
        ] {
            assert!(
                restriction_value(name, Val::Const(v.clone())).is_err(),
                "{name} {v}"
            );
        }
    }
}
