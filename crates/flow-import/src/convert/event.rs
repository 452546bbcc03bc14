//! Okta event cards ("User Suspended", "User Added to Group", …: `webhook: true`) → the
//! `okta_event_hook` trigger with the card's event type; its outputs read `trigger.event`,
//! and the event's user, group or app (a target of the System Log event) is found with one
//! `list.find` step per target kind that is read.

use super::{Cx, Step};
use crate::export::Method;
use crate::names::snake;
use crate::value::Val;
use crate::yaml::{self, Yaml};
use std::collections::BTreeSet;

/// Okta Workflows' Okta event cards → the System Log event type each one subscribes to.
const EVENT_TYPES: &[(&str, &str)] = &[
    ("User Created", "user.lifecycle.create"),
    ("User Activated", "user.lifecycle.activate"),
    ("User Reactivated", "user.lifecycle.reactivate"),
    ("User Deactivated", "user.lifecycle.deactivate"),
    ("User Suspended", "user.lifecycle.suspend"),
    ("User Unsuspended", "user.lifecycle.unsuspend"),
    ("User Deleted", "user.lifecycle.delete.initiated"),
    ("User Locked Out", "user.account.lock"),
    ("User Unlocked", "user.account.unlock"),
    ("User Okta Profile Updated", "user.account.update_profile"),
    ("User Okta Password Updated", "user.account.update_password"),
    ("User Password Reset", "user.account.reset_password"),
    (
        "User Account Privilege Granted",
        "user.account.privilege.grant",
    ),
    (
        "User Account Privilege Revoked",
        "user.account.privilege.revoke",
    ),
    // Okta's "User MFA" card: a user authenticated (or tried to) with a factor.
    ("User MFA", "user.authentication.auth_via_mfa"),
    ("User MFA Factor Activated", "user.mfa.factor.activate"),
    ("User MFA Factor Deactivated", "user.mfa.factor.deactivate"),
    ("User MFA Factor Reset All", "user.mfa.factor.reset_all"),
    ("User Session Start", "user.session.start"),
    ("User Session End", "user.session.end"),
    ("User Session Cleared", "user.session.clear"),
    ("User Added to Group", "group.user_membership.add"),
    ("User Removed from Group", "group.user_membership.remove"),
    (
        "User Assigned to Application",
        "application.user_membership.add",
    ),
    (
        "User Unassigned from Application",
        "application.user_membership.remove",
    ),
    ("Group Created", "group.lifecycle.create"),
    ("Group Deleted", "group.lifecycle.delete"),
    ("Group Profile Updated", "group.profile.update"),
    (
        "Group Assigned to Application",
        "group.application_assignment.add",
    ),
    (
        "Group Unassigned from Application",
        "group.application_assignment.remove",
    ),
    ("Application Created", "application.lifecycle.create"),
    ("Application Activated", "application.lifecycle.activate"),
    (
        "Application Deactivated",
        "application.lifecycle.deactivate",
    ),
    ("Application Deleted", "application.lifecycle.delete"),
    ("Application Updated", "application.lifecycle.update"),
];

/// The event type of an Okta event card, by the card kind's name.
pub(super) fn event_type(card_name: &str) -> Option<&'static str> {
    let want = crate::names::words(card_name);
    EVENT_TYPES
        .iter()
        .find(|(name, _)| crate::names::words(name) == want)
        .map(|(_, t)| *t)
}

/// An output group that names one of the event's targets → the target's System Log `type`.
fn target_type(group: &str) -> Option<&'static str> {
    match group.to_ascii_lowercase().as_str() {
        "okta user" | "user" => Some("User"),
        "okta group" | "group" => Some("UserGroup"),
        "application" | "app" | "app instance" => Some("AppInstance"),
        _ => None,
    }
}

/// A field of an actor or a target (`ID`, `Alternate ID`, `Display Name`, `Type`).
fn party_field(key: &str) -> Option<&'static str> {
    match crate::names::words(key).join(" ").as_str() {
        "id" => Some("id"),
        "alternate id" | "login" => Some("alternateId"),
        "display name" | "name" => Some("displayName"),
        "type" => Some("type"),
        _ => None,
    }
}

/// Where an event card's output, or a field of an event batch's body, is in the event:
/// `(group, key)` → a reference (`trigger.event.uuid`, `event_user.item.id`), noting in
/// `targets` each target kind it needs found. `None`: no known place.
pub(super) fn event_path(
    group: &str,
    key: &str,
    targets: &mut BTreeSet<&'static str>,
) -> Option<Val> {
    let key = crate::names::words(key).join(" ");
    let whole_group = group.is_empty() || group.eq_ignore_ascii_case("output");
    let at = |p: &str| Some(Val::Ref(p.to_string()));
    match key.as_str() {
        "date and time" | "published" | "event time" => return at("trigger.event.published"),
        "message" | "display message" => return at("trigger.event.displayMessage"),
        "event id" | "uuid" => return at("trigger.event.uuid"),
        "event type" => return at("trigger.event.eventType"),
        "version" => return at("trigger.event.version"),
        "debug context" => return at("trigger.event.debugContext"),
        // A profile update names the attributes it changed, comma-separated, in its debug data.
        "changed attributes" => {
            return at("trigger.event.debugContext.debugData.changedAttributes");
        }
        "event details" | "raw output" | "raw event" | "full details" => {
            return at("trigger.event");
        }
        _ => {}
    }
    if group.eq_ignore_ascii_case("actor") {
        return party_field(&key).map(|f| Val::Ref(format!("trigger.event.actor.{f}")));
    }
    if whole_group {
        // A whole party (`Output/Admin`, `Output/Okta User`, `Output/Group`): an object with
        // Okta's field names, so an object field card reading `ID` of it finds `id`.
        let base = if matches!(key.as_str(), "admin" | "actor") {
            "trigger.event.actor".to_string()
        } else {
            let t = target_type(&key)?;
            targets.insert(t);
            format!("{}.item", target_step(t))
        };
        return Some(Val::Map(
            [
                ("ID", "id"),
                ("Alternate ID", "alternateId"),
                ("Display Name", "displayName"),
                ("Type", "type"),
            ]
            .iter()
            .map(|(okta, f)| (okta.to_string(), Val::Ref(format!("{base}.{f}"))))
            .collect(),
        ));
    }
    let t = target_type(group)?;
    let f = party_field(&key)?;
    targets.insert(t);
    Some(Val::Ref(format!("{}.item.{f}", target_step(t))))
}

impl<'a> Cx<'a> {
    /// `trigger: okta_event_hook` for an Okta event card; fills its outputs.
    pub(super) fn event_hook(&mut self, card: &Method, flow_name: &str) -> Result<String, String> {
        let name = if card.kind_name.trim().is_empty() {
            &card.name
        } else {
            &card.kind_name
        };
        let Some(ty) = event_type(name) else {
            return Err(format!(
                "the Okta event card `{}` has no known event type yet",
                name.trim()
            ));
        };
        let mut targets: BTreeSet<&'static str> = BTreeSet::new();
        for o in &card.outputs {
            let group = o.group.as_deref().unwrap_or("");
            let v = event_path(group, &o.key, &mut targets).ok_or_else(|| {
                format!(
                    "reads the event card's `{}`, which has no counterpart in `trigger.event` yet",
                    o.label()
                )
            });
            self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
        }
        // The fields of an event batch's body (real exports keep them there, in an `Output`
        // group, not on the event card) may read targets too.
        for batch in self.flow.methods.iter().filter_map(|c| c.inline.as_deref()) {
            for inner in batch.methods.iter().filter(|c| c.key == "control:callable") {
                for o in inner.outputs.iter().filter(|o| !o.wormhole) {
                    event_path(o.group.as_deref().unwrap_or(""), &o.key, &mut targets);
                }
            }
        }
        for t in targets {
            let id = self.ids.claim(target_step(t), "_");
            self.emit(Step {
                id,
                card: "list.find".into(),
                comments: vec![format!(
                    "Okta: the event's {} (the target of type {t})",
                    match t {
                        "UserGroup" => "group",
                        "AppInstance" => "app",
                        _ => "user",
                    }
                )],
                with: vec![
                    ("list".into(), Yaml::str("{{ trigger.event.target }}")),
                    ("path".into(), Yaml::str("type")),
                    ("operator".into(), Yaml::str("eq")),
                    ("value".into(), Yaml::str(t)),
                ],
                ..Step::default()
            });
        }
        self.trigger_kind = Some("okta_event_hook");
        let env = format!("{}_HOOK_SECRET", super::env_prefix(flow_name));
        let mut text = String::from("  okta_event_hook:\n");
        text.push_str(&format!("    events: [{ty}]\n"));
        text.push_str("    security:\n");
        yaml::entry(
            &mut text,
            6,
            "secret",
            &Yaml::str(format!("${{env:{env}}}")),
        );
        Ok(text)
    }
}

/// The step that finds a target of a type: `event_user`, `event_group`, `event_app`.
fn target_step(ty: &str) -> String {
    match ty {
        "User" => "event_user".into(),
        "UserGroup" => "event_group".into(),
        "AppInstance" => "event_app".into(),
        other => format!("event_{}", snake(other, "target")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_cards_name_their_event_types() {
        assert_eq!(event_type("User Suspended"), Some("user.lifecycle.suspend"));
        assert_eq!(
            event_type("User Added to Group"),
            Some("group.user_membership.add")
        );
        assert_eq!(
            event_type("user added to group"),
            Some("group.user_membership.add")
        );
        assert_eq!(event_type("Something Else"), None);
        for (_, t) in EVENT_TYPES {
            assert!(
                t.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'),
                "{t}"
            );
        }
    }
}
