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
    /// The inputs that take true or false (Okta's Yes/No choices become booleans there).
    pub booleans: Vec<String>,
    /// The inputs that take an object: an Okta group of fields (`Profile/deviceStatus`) is
    /// that object even when it has one field.
    pub objects: Vec<String>,
    /// The fields its output declares, when it is one object (a connector action's output
    /// type): an Okta card's named outputs are placed among them by name.
    pub output_fields: Vec<String>,
    /// The fields each record declares, when its output is a list of records (a connector
    /// list action): Okta's "First Matching Record" reads its outputs from the first.
    pub record_fields: Vec<String>,
    /// Okta outputs (`Group/key` or `key`) the kind places itself (a connector action's
    /// `okta_outputs`) → a dotted path in its output.
    pub okta_outputs: Vec<(String, String)>,
    /// Its output is one number, text, boolean or date (a status code), not an object or a
    /// list: an Okta card's one output is the whole of it.
    pub scalar_output: bool,
}

/// A setting a connection of a connector is written with in `flowctl.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionSetting {
    /// The setting's name (`tenant_id`).
    pub name: String,
    /// What it is, written beside it as a comment.
    pub doc: String,
    /// Whether it is a secret.
    pub secret: bool,
    /// Whether every new connection sets it (it is required, or its authentication reads
    /// it); the others are written only for the apps that need them ([`APP_SETTINGS`]).
    pub needed: bool,
}

/// Settings an Okta app's connection needs beyond its connector's usual ones: Okta's Office
/// 365 Mail connection signs in as one mailbox, which `microsoft365.send_mail` sends from.
const APP_SETTINGS: &[(&str, &[&str])] = &[("office365mail", &["mailbox"])];

/// Every card kind the import may write, and the Okta names that map to them.
#[derive(Debug, Clone, Default)]
pub struct Kinds {
    kinds: BTreeMap<String, KindInfo>,
    /// Normalized Okta card name (`jira - create issue`) → kind.
    okta: HashMap<String, String>,
    /// Connector (connection kind) → the settings a new connection is written with.
    connectors: BTreeMap<String, Vec<ConnectionSetting>>,
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
/// `hTTPRequest` (every connector's Custom API Action) → "Custom API Action"; an acronym stays
/// one word (`customAPIAction` → "custom API Action"); a version number at the end goes
/// (`sendEmail2` → "send Email").
pub fn key_words(key: &str) -> String {
    // A partner connector's action key ends with `_` and about ten random letters and digits
    // (`searchUsers_BAejT5bvR1Y`, `createChatCompletion_sE1HArGSjj`); Okta's own keys are
    // camel case, with no `_`.
    let key = match key.rsplit_once('_') {
        Some((base, id))
            if (8..=12).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            base
        }
        _ => key,
    };
    if key.eq_ignore_ascii_case("httprequest") {
        return "Custom API Action".into();
    }
    let chars: Vec<char> = key
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .chars()
        .collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1);
        let starts_word = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if starts_word {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Okta's key of a connector (the `<app>` of `root:channels:http:<app>:<ver>:<key>`), as the
/// public templates have them → the connector's name in the Okta console (the prefix of the
/// `okta:` names of flowctl's actions: "Office 365 Admin - Read User") and the flowctl
/// connector that stands for it. An app whose key is its flowctl connector's name without `_`
/// (`okta`, `slack`, `googledrive` → `google_drive`) needs no entry.
const APPS: &[(&str, &str, &str)] = &[
    ("gmail", "Gmail", "google_workspace"),
    (
        "googledirectory",
        "Google Workspace Admin",
        "google_workspace",
    ),
    // Okta's Google Calendar connector: its Create Transfer Request is the Admin SDK's Data
    // Transfer API, which the Google Workspace connection serves.
    ("googlecalendar", "Google Calendar", "google_workspace"),
    ("office365admin", "Office 365 Admin", "microsoft365"),
    ("office365mail", "Office 365 Mail", "microsoft365"),
    ("jira2", "Jira", "jira"),
    ("salesforce", "Salesforce", "salesforce"),
    ("servicenow", "ServiceNow", "servicenow"),
    ("github", "GitHub", "github"),
    ("jamfproclassicapi", "Jamf Pro", "jamf"),
];

/// An app key without the `_<32 hex digits>` a partner connector's key ends with
/// (`jamfproclassicapi_3d81…` → `jamfproclassicapi`) or the `<major>_<minor>` version some
/// keys end with (`googlesheets2_29` → `googlesheets`, `marketo2_29` → `marketo`).
fn app_base(app: &str) -> &str {
    let app = match app.rsplit_once('_') {
        Some((base, id)) if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) => base,
        _ => app,
    };
    match app.rsplit_once('_') {
        Some((base, minor))
            if !minor.is_empty()
                && minor.bytes().all(|b| b.is_ascii_digit())
                && base.ends_with(|c: char| c.is_ascii_digit()) =>
        {
            let name = base.trim_end_matches(|c: char| c.is_ascii_digit());
            if name.is_empty() { app } else { name }
        }
        _ => app,
    }
}

/// The console name and flowctl connector of an Okta app key, if [`APPS`] lists it.
fn app_names(app: &str) -> Option<(&'static str, &'static str)> {
    let base = app_base(app);
    APPS.iter()
        .find(|(key, _, _)| key.eq_ignore_ascii_case(base))
        .map(|(_, console, connector)| (*console, *connector))
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

    /// Adds a data-defined connector, with the settings a new connection of it is written
    /// with.
    pub fn add_connector(&mut self, connector: &str, settings: Vec<ConnectionSetting>) {
        self.connectors.insert(connector.to_string(), settings);
    }

    /// The connector an Okta connection's app key (`office365admin`, `googledrive`,
    /// `jamfproclassicapi_<hex>`) stands for, with its settings: from [`APPS`], or the
    /// connector whose name without `_` is the key.
    pub fn connector_for_app(&self, app: &str) -> Option<(&str, Vec<ConnectionSetting>)> {
        let base = app_base(app).to_ascii_lowercase().replace('-', "");
        let name = match app_names(app) {
            Some((_, connector)) => connector.to_string(),
            None => self
                .connectors
                .keys()
                .find(|c| c.replace('_', "") == base.replace('_', ""))?
                .clone(),
        };
        let extra = APP_SETTINGS
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(app_base(app)))
            .map_or(&[][..], |(_, s)| *s);
        self.connectors.get_key_value(&name).map(|(k, v)| {
            let settings = v
                .iter()
                .filter(|s| s.needed || extra.contains(&s.name.as_str()))
                .cloned()
                .collect();
            (k.as_str(), settings)
        })
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
    /// `slack`, `office365admin`), `name` the card's own name (`Add User to Group`). An Okta
    /// name a kind lists wins (with or without the `<Connector> - ` prefix, the connector
    /// named by its app key or its console name); then `<connector>.<snake name>` for the
    /// connectors whose name, without `_`, is `app`, or which stand for `app` in [`APPS`].
    pub fn connector_kind(&self, app: &str, name: &str) -> Option<&str> {
        let n = normalize(name);
        let names = app_names(app);
        let base = app_base(app);
        let mut keys = vec![format!("{} {n}", normalize(base))];
        if let Some((console, _)) = names {
            keys.push(format!("{} {n}", normalize(console)));
        }
        keys.push(n.clone());
        for key in keys {
            if let Some(k) = self.okta.get(&key) {
                return Some(k.as_str());
            }
        }
        let action = action_name(name);
        let app_flat = base.to_ascii_lowercase().replace(['_', '-'], "");
        self.kinds
            .keys()
            .find(|k| {
                k.split_once('.').is_some_and(|(connector, a)| {
                    a == action
                        && (connector.replace('_', "") == app_flat
                            || names.is_some_and(|(_, c)| c == connector))
                })
            })
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_find_their_connector_by_app_key() {
        let mut k = Kinds::new();
        let tenant = ConnectionSetting {
            name: "tenant_id".into(),
            doc: "the tenant".into(),
            secret: false,
            needed: true,
        };
        let mailbox = ConnectionSetting {
            name: "mailbox".into(),
            doc: "the mailbox".into(),
            secret: false,
            needed: false,
        };
        k.add_connector("microsoft365", vec![tenant.clone(), mailbox.clone()]);
        assert_eq!(
            k.connector_for_app("office365mail"),
            Some(("microsoft365", vec![tenant.clone(), mailbox]))
        );
        k.add_connector("google_drive", Vec::new());
        k.add_connector("jamf", Vec::new());
        assert_eq!(
            k.connector_for_app("office365admin"),
            Some(("microsoft365", vec![tenant]))
        );
        assert_eq!(
            k.connector_for_app("googledrive").map(|c| c.0),
            Some("google_drive")
        );
        let jamf = format!("jamfproclassicapi_{}", "3d81".repeat(8));
        assert_eq!(k.connector_for_app(&jamf).map(|c| c.0), Some("jamf"));
        assert_eq!(k.connector_for_app("marketo2_29"), None);
    }

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

    /// The app keys of the public templates' connector cards, which are not the flowctl
    /// connectors' names (`jira2`, `office365admin`, a partner connector's hex suffix).
    #[test]
    fn real_app_keys_find_their_connectors() {
        let mut k = Kinds::new();
        k.add(
            "jira.create_issue",
            KindInfo::default(),
            &["Jira - Create Issue"],
        );
        k.add(
            "microsoft365.api_request",
            KindInfo::default(),
            &["Office 365 Admin - Custom API Action"],
        );
        k.add(
            "microsoft365.send_mail",
            KindInfo::default(),
            &["Office 365 Mail - Send Email"],
        );
        k.add("google_workspace.send_email", KindInfo::default(), &[]);
        k.add("google_workspace.read_user", KindInfo::default(), &[]);
        k.add("jamf.read_computer", KindInfo::default(), &[]);
        k.add("salesforce.freeze_user", KindInfo::default(), &[]);
        assert_eq!(
            k.connector_kind("jira2", "Create Issue"),
            Some("jira.create_issue")
        );
        assert_eq!(
            k.connector_kind("office365admin", &key_words("customAPIAction")),
            Some("microsoft365.api_request")
        );
        assert_eq!(
            k.connector_kind("office365mail", &key_words("sendEmail2")),
            Some("microsoft365.send_mail")
        );
        // Not the admin connector's: the console name tells the two apart.
        assert_eq!(k.connector_kind("office365admin", "Send Email"), None);
        assert_eq!(
            k.connector_kind("gmail", "Send Email"),
            Some("google_workspace.send_email")
        );
        assert_eq!(
            k.connector_kind("googledirectory", "Read User"),
            Some("google_workspace.read_user")
        );
        assert_eq!(
            k.connector_kind(
                "jamfproclassicapi_3d816a0a0b7a410fa88c3de81a4aeccb",
                "Read Computer"
            ),
            Some("jamf.read_computer")
        );
        k.add(
            "auth0.read_user",
            KindInfo::default(),
            &["Auth0 - Read User"],
        );
        k.add("opsgenie.create_team", KindInfo::default(), &[]);
        assert_eq!(
            k.connector_kind("auth0_293ca73ef2a04fe48eaa3bb7876df2e6", "Read User"),
            Some("auth0.read_user")
        );
        assert_eq!(
            k.connector_kind(
                "opsgenie_293ca73ef2a04fe48eaa3bb7876df2e6",
                &key_words("createTeam")
            ),
            Some("opsgenie.create_team")
        );
        assert_eq!(
            k.connector_kind("salesforce2_29", "Freeze User"),
            Some("salesforce.freeze_user")
        );
        // A suffix that is not 32 hex digits is part of the key.
        assert_eq!(
            k.connector_kind("jamfproclassicapi_x", "Read Computer"),
            None
        );
        assert_eq!(key_words("sendEmail2"), "send Email");
        assert_eq!(key_words("searchUsers_BAejT5bvR1Y"), "search Users");
        assert_eq!(app_base("googlesheets2_29"), "googlesheets");
        assert_eq!(
            k.connector_kind("salesforce2_29", "freeze User"),
            Some("salesforce.freeze_user")
        );
        assert_eq!(app_base("salesforce2_29"), "salesforce");
        assert_eq!(app_base("jira2"), "jira2");
        assert_eq!(app_base("auth0_293ca73ef2a04fe48eaa3bb7876df2e6"), "auth0");
        assert_eq!(key_words("customAPIAction"), "custom API Action");
        assert_eq!(key_words("getUsersGroups"), "get Users Groups");
    }
}
