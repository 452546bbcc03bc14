//! The flowctl cards an import may use, as the running flowctl's registry knows them: each
//! kind with its input names, and the Okta Workflows card names it stands for. The binary
//! builds it from its registry (built-in cards and connectors, a project's own connectors),
//! so a connector added in YAML is importable without touching this crate.
//!
//! Connector cards are found by name: Okta's card "Add User to Group" of the `okta` connector
//! is `okta.add_user_to_group` (the snake case of the card's name), or whichever kind lists
//! the Okta name in its `okta:` names ("Jira - Create Issue").

use crate::names::words;
use std::collections::{BTreeMap, HashMap};

/// One flowctl card kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindInfo {
    /// The names of its `with:` inputs.
    pub inputs: Vec<String>,
    /// The inputs it cannot run without.
    pub required: Vec<String>,
    /// It takes a `connection` (a connector card).
    pub connection: bool,
}

/// Every card kind the import may write, and the Okta names that map to them.
#[derive(Debug, Clone, Default)]
pub struct Kinds {
    kinds: BTreeMap<String, KindInfo>,
    /// Normalized Okta card name (`jira - create issue`) → kind.
    okta: HashMap<String, String>,
}

/// An Okta card name compared without case, punctuation or apostrophes.
fn normalize(name: &str) -> String {
    words(&name.replace(['\'', '’'], "")).join(" ")
}

/// The snake case of an Okta card name, as connector actions are named: "Get User's Groups"
/// → `get_users_groups`; "Custom API Action" (every connector's) → `api_request`.
pub fn action_name(okta: &str) -> String {
    let name = words(&okta.replace(['\'', '’'], "")).join("_");
    if name == "custom_api_action" {
        "api_request".into()
    } else {
        name
    }
}

/// An Okta connector card's address key as words: `getUsersGroups` → "get Users Groups";
/// `hTTPRequest` (every connector's Custom API Action) → "Custom API Action".
pub fn key_words(key: &str) -> String {
    if key.eq_ignore_ascii_case("httprequest") {
        return "Custom API Action".into();
    }
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

impl Kinds {
    /// An empty index (nothing to map to).
    pub fn new() -> Kinds {
        Kinds::default()
    }

    /// Adds a kind with its inputs and the Okta card names it stands for.
    pub fn add(&mut self, kind: &str, info: KindInfo, okta_names: &[&str]) {
        for n in okta_names {
            self.okta.insert(normalize(n), kind.to_string());
        }
        self.kinds.insert(kind.to_string(), info);
    }

    /// The kind, if the registry has it.
    pub fn get(&self, kind: &str) -> Option<&KindInfo> {
        self.kinds.get(kind)
    }

    /// Whether the registry has `kind`.
    pub fn has(&self, kind: &str) -> bool {
        self.kinds.contains_key(kind)
    }

    /// The kind for an Okta connector card: `app` is the connector of its address (`okta`,
    /// `slack`), `name` the card's own name (`Add User to Group`). An Okta name a kind lists
    /// wins (with or without the `<Connector> - ` prefix); then `<connector>.<snake name>` for
    /// the connectors whose name, without `_`, is `app`.
    pub fn connector_kind(&self, app: &str, name: &str) -> Option<&str> {
        let n = normalize(name);
        let app_n = normalize(app);
        for key in [format!("{app_n} {n}"), n.clone()] {
            if let Some(k) = self.okta.get(&key) {
                return Some(k.as_str());
            }
        }
        let action = action_name(name);
        let app_flat = app.to_ascii_lowercase().replace(['_', '-'], "");
        self.kinds
            .keys()
            .find(|k| {
                k.split_once('.').is_some_and(|(connector, a)| {
                    a == action && connector.replace('_', "") == app_flat
                })
            })
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connector_cards_are_found_by_their_okta_name() {
        let mut k = Kinds::new();
        k.add("okta.get_users_groups", KindInfo::default(), &[]);
        k.add("google_drive.copy_file", KindInfo::default(), &[]);
        k.add(
            "jira.create_issue",
            KindInfo::default(),
            &["Jira - Create Issue"],
        );
        assert_eq!(action_name("Get User's Groups"), "get_users_groups");
        assert_eq!(
            action_name(&key_words("getUsersGroups")),
            "get_users_groups"
        );
        assert_eq!(action_name(&key_words("hTTPRequest")), "api_request");
        assert_eq!(action_name("Custom API Action"), "api_request");
        assert_eq!(
            k.connector_kind("okta", "Get User's Groups"),
            Some("okta.get_users_groups")
        );
        assert_eq!(
            k.connector_kind("googledrive", "Copy File"),
            Some("google_drive.copy_file")
        );
        assert_eq!(
            k.connector_kind("jira", "Create Issue"),
            Some("jira.create_issue")
        );
        assert_eq!(k.connector_kind("slack", "Create Issue"), None);
        assert_eq!(k.connector_kind("okta", "Read User"), None);
    }
}
