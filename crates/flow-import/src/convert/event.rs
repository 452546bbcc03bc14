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
            let key = crate::names::words(&o.key).join(" ");
            let v = match (group, key.as_str()) {
                (_, "date and time" | "published") => Ok("trigger.event.published".to_string()),
                (_, "message" | "display message") => {
                    Ok("trigger.event.displayMessage".to_string())
                }
                (_, "event id" | "uuid") => Ok("trigger.event.uuid".to_string()),
                (_, "event type") => Ok("trigger.event.eventType".to_string()),
                (_, "debug context") => Ok("trigger.event.debugContext".to_string()),
                (_, "event details" | "raw output" | "raw event") => {
                    Ok("trigger.event".to_string())
                }
                (g, k) if g.eq_ignore_ascii_case("actor") => party_field(k)
                    .map(|f| format!("trigger.event.actor.{f}"))
                    .ok_or(()),
                (g, k) => match (target_type(g), party_field(k)) {
                    (Some(t), Some(f)) => {
                        targets.insert(t);
                        Ok(format!("{}.item.{f}", target_step(t)))
                    }
                    _ => Err(()),
                },
            };
            let v = v.map(Val::Ref).map_err(|()| {
                format!(
                    "reads the event card's `{}`, which has no counterpart in `trigger.event` yet",
                    o.label()
                )
            });
            self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
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
