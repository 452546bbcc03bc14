//! The fake Okta user directory: user records, statuses and the lifecycle state machine.

use std::time::Instant;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use super::util::random_alnum;

/// An Okta user status (the `status` field of a user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserStatus {
    /// Created but not activated.
    Staged,
    /// Activated, the user has not finished activation (no password yet).
    Provisioned,
    /// A normal, active user.
    Active,
    /// A password reset is in progress.
    Recovery,
    /// The password has expired.
    PasswordExpired,
    /// Locked out after failed sign-ins.
    LockedOut,
    /// Suspended by an admin.
    Suspended,
    /// Deactivated.
    Deprovisioned,
}

impl UserStatus {
    /// Every status, in the order Okta documents them.
    pub const ALL: [UserStatus; 8] = [
        UserStatus::Staged,
        UserStatus::Provisioned,
        UserStatus::Active,
        UserStatus::Recovery,
        UserStatus::PasswordExpired,
        UserStatus::LockedOut,
        UserStatus::Suspended,
        UserStatus::Deprovisioned,
    ];

    /// The wire name, e.g. `"ACTIVE"` or `"PASSWORD_EXPIRED"`.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
        }
    }

    /// Parses a wire name (exact, upper case).
    pub fn from_wire(name: &str) -> Option<UserStatus> {
        UserStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for UserStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One successful `DELETE /api/v1/users/{id}/sessions` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClear {
    /// The `oauthTokens` query parameter (`false` when absent).
    pub oauth_tokens: bool,
    /// The `forgetDevices` query parameter, if sent.
    pub forget_devices: Option<bool>,
    /// When the call was handled.
    pub at: Instant,
}

/// A lifecycle operation under `/api/v1/users/{id}/lifecycle/{op}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LifecycleOp {
    Suspend,
    Unsuspend,
    Deactivate,
    Activate,
    Unlock,
    Reactivate,
    ResetPassword,
    ExpirePassword,
}

impl LifecycleOp {
    /// Parses the last path segment.
    pub(crate) fn parse(segment: &str) -> Option<LifecycleOp> {
        match segment {
            "suspend" => Some(LifecycleOp::Suspend),
            "unsuspend" => Some(LifecycleOp::Unsuspend),
            "deactivate" => Some(LifecycleOp::Deactivate),
            "activate" => Some(LifecycleOp::Activate),
            "unlock" => Some(LifecycleOp::Unlock),
            "reactivate" => Some(LifecycleOp::Reactivate),
            "reset_password" => Some(LifecycleOp::ResetPassword),
            "expire_password" => Some(LifecycleOp::ExpirePassword),
            _ => None,
        }
    }
}

/// Why a lifecycle operation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// An Okta error with a fixed code, summary and causes.
    Error {
        status: u16,
        code: &'static str,
        summary: &'static str,
        causes: Vec<&'static str>,
    },
    /// Answer as if the user did not exist (404 E0000007).
    NotFound,
}

fn validation(op: &'static str, cause: &'static str) -> Refusal {
    Refusal::Error {
        status: 400,
        code: "E0000001",
        summary: op,
        causes: vec![cause],
    }
}

/// 403 E0000038: the operation is not allowed in the user's status.
fn not_in_status() -> Refusal {
    Refusal::Error {
        status: 403,
        code: "E0000038",
        summary: "This operation is not allowed in the user's current status.",
        causes: vec![],
    }
}

/// The state table: the status after `op`, or why `op` is refused from `from`.
///
/// `activate` leads to PROVISIONED because fake users have no password.
pub(crate) fn transition(op: LifecycleOp, from: UserStatus) -> Result<UserStatus, Refusal> {
    use UserStatus as S;
    match (op, from) {
        (LifecycleOp::Reactivate, S::Provisioned | S::Recovery) => Ok(S::Provisioned),
        (LifecycleOp::Reactivate, _) => Err(not_in_status()),
        (
            LifecycleOp::ResetPassword,
            S::Active | S::Recovery | S::PasswordExpired | S::LockedOut,
        ) => Ok(S::Recovery),
        (LifecycleOp::ResetPassword, _) => Err(not_in_status()),
        (
            LifecycleOp::ExpirePassword,
            S::Active | S::Recovery | S::PasswordExpired | S::LockedOut,
        ) => Ok(S::PasswordExpired),
        (LifecycleOp::ExpirePassword, _) => Err(not_in_status()),
        (LifecycleOp::Suspend, S::Active) => Ok(S::Suspended),
        (LifecycleOp::Suspend, _) => Err(validation(
            "Api validation failed: suspendUser",
            "Cannot suspend a user that is not active",
        )),
        (LifecycleOp::Unsuspend, S::Suspended) => Ok(S::Active),
        (LifecycleOp::Unsuspend, _) => Err(validation(
            "Api validation failed: unsuspendUser",
            "Cannot unsuspend a user that is not suspended",
        )),
        (LifecycleOp::Deactivate, S::Deprovisioned) => Err(Refusal::NotFound),
        (LifecycleOp::Deactivate, _) => Ok(S::Deprovisioned),
        (LifecycleOp::Activate, S::Staged | S::Deprovisioned) => Ok(S::Provisioned),
        (LifecycleOp::Activate, S::Active) => Err(Refusal::Error {
            status: 403,
            code: "E0000016",
            summary: "Activation failed because the user is already active",
            causes: vec![],
        }),
        (LifecycleOp::Activate, _) => Err(validation(
            "Api validation failed: activateUser",
            "Cannot activate a user that is not staged or deprovisioned",
        )),
        (LifecycleOp::Unlock, S::LockedOut) => Ok(S::Active),
        (LifecycleOp::Unlock, _) => Err(Refusal::Error {
            status: 403,
            code: "E0000032",
            summary: "Unlock is not allowed for this user.",
            causes: vec!["The user is not locked out."],
        }),
    }
}

/// Formats a timestamp as ISO-8601 UTC with milliseconds.
pub(crate) fn iso8601(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.format(&format).unwrap_or_default()
}

/// A user record in the fake directory.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) status: UserStatus,
    pub(crate) profile: Map<String, Value>,
    pub(crate) created: OffsetDateTime,
    pub(crate) activated: Option<OffsetDateTime>,
    pub(crate) status_changed: Option<OffsetDateTime>,
    pub(crate) last_updated: OffsetDateTime,
    pub(crate) last_login: Option<OffsetDateTime>,
    pub(crate) password_changed: Option<OffsetDateTime>,
    /// The `externalId` of an identity-source import that created or updated the user.
    pub(crate) external_id: Option<String>,
    pub(crate) session_clears: Vec<SessionClear>,
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl User {
    /// A new user; names are derived from the login's local part.
    pub(crate) fn new(login: &str, status: UserStatus) -> User {
        let now = OffsetDateTime::now_utc();
        let local = login.split('@').next().unwrap_or(login);
        let mut words = local
            .split(['.', '_', '-', '+'])
            .filter(|w| !w.is_empty())
            .map(capitalize);
        let first = words.next().unwrap_or_else(|| "User".to_owned());
        let rest: Vec<String> = words.collect();
        let last = if rest.is_empty() {
            "User".to_owned()
        } else {
            rest.join(" ")
        };
        let email = if login.contains('@') {
            login.to_owned()
        } else {
            format!("{login}@example.com")
        };
        let mut profile = Map::new();
        profile.insert("login".into(), Value::String(login.to_owned()));
        profile.insert("email".into(), Value::String(email));
        profile.insert("firstName".into(), Value::String(first));
        profile.insert("lastName".into(), Value::String(last));
        let activated = !matches!(status, UserStatus::Staged | UserStatus::Provisioned);
        User {
            id: format!("00u{}", random_alnum(17)),
            status,
            profile,
            created: now,
            activated: activated.then_some(now),
            status_changed: activated.then_some(now),
            last_updated: now,
            last_login: None,
            password_changed: None,
            external_id: None,
            session_clears: Vec::new(),
        }
    }

    /// "First Last", as the System Log shows a user.
    pub(crate) fn display_name(&self) -> String {
        let part = |k: &str| {
            self.profile
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        format!("{} {}", part("firstName"), part("lastName"))
            .trim()
            .to_owned()
    }

    /// The user as a System Log actor or target.
    pub(crate) fn log_target(&self) -> Value {
        json!({
            "id": self.id,
            "type": "User",
            "alternateId": self.login(),
            "displayName": self.display_name(),
        })
    }

    /// The login (`profile.login`).
    pub(crate) fn login(&self) -> &str {
        self.profile
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A string attribute by filter/search name: `id`, `status` or `profile.<name>`.
    pub(crate) fn attribute(&self, name: &str) -> Option<String> {
        match name {
            "id" => Some(self.id.clone()),
            "status" => Some(self.status.as_str().to_owned()),
            "lastUpdated" => Some(iso8601(self.last_updated)),
            "created" => Some(iso8601(self.created)),
            "lastLogin" => self.last_login.map(iso8601),
            _ => match self.profile.get(name.strip_prefix("profile.")?)? {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            },
        }
    }

    /// Moves to `status`, updating the timestamps like Okta does.
    pub(crate) fn set_status(&mut self, status: UserStatus) {
        let now = OffsetDateTime::now_utc();
        if status != self.status {
            self.status_changed = Some(now);
        }
        if status == UserStatus::Active && self.activated.is_none() {
            self.activated = Some(now);
        }
        self.status = status;
        self.last_updated = now;
    }

    /// The user JSON. Single-user GETs (`full`) carry lifecycle links; list items only `self`.
    pub(crate) fn to_json(&self, base_url: &str, full: bool) -> Value {
        let href = format!("{base_url}/api/v1/users/{}", self.id);
        let mut links = Map::new();
        links.insert("self".into(), json!({ "href": href }));
        if full {
            for op in lifecycle_links(self.status) {
                links.insert(
                    (*op).into(),
                    json!({ "href": format!("{href}/lifecycle/{op}"), "method": "POST" }),
                );
            }
        }
        json!({
            "id": self.id,
            "status": self.status.as_str(),
            "created": iso8601(self.created),
            "activated": self.activated.map(iso8601),
            "statusChanged": self.status_changed.map(iso8601),
            "lastLogin": self.last_login.map(iso8601),
            "lastUpdated": iso8601(self.last_updated),
            "passwordChanged": self.password_changed.map(iso8601),
            "type": { "id": "oty0fakeusertype00001" },
            "profile": self.profile,
            "credentials": { "provider": { "type": "OKTA", "name": "OKTA" } },
            "_links": links,
        })
    }
}

fn lifecycle_links(status: UserStatus) -> &'static [&'static str] {
    match status {
        UserStatus::Staged => &["activate", "deactivate"],
        UserStatus::Provisioned | UserStatus::Recovery | UserStatus::PasswordExpired => {
            &["deactivate"]
        }
        UserStatus::Active => &["suspend", "deactivate"],
        UserStatus::LockedOut => &["unlock", "deactivate"],
        UserStatus::Suspended => &["unsuspend", "deactivate"],
        UserStatus::Deprovisioned => &["activate"],
    }
}

/// The set of users, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub(crate) users: Vec<User>,
}

impl Directory {
    /// Index of the user with this exact id.
    pub(crate) fn index_by_id(&self, id: &str) -> Option<usize> {
        self.users.iter().position(|u| u.id == id)
    }

    /// Index of a user by id, login (case-insensitive), or unambiguous login short name
    /// (the part before `@`).
    pub(crate) fn index_by_id_or_login(&self, key: &str) -> Option<usize> {
        if let Some(i) = self.index_by_id(key) {
            return Some(i);
        }
        if let Some(i) = self
            .users
            .iter()
            .position(|u| u.login().eq_ignore_ascii_case(key))
        {
            return Some(i);
        }
        let mut short = self.users.iter().enumerate().filter(|(_, u)| {
            u.login()
                .split_once('@')
                .is_some_and(|(local, _)| local.eq_ignore_ascii_case(key))
        });
        match (short.next(), short.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspend_only_from_active() {
        for from in UserStatus::ALL {
            let result = transition(LifecycleOp::Suspend, from);
            if from == UserStatus::Active {
                assert_eq!(result, Ok(UserStatus::Suspended));
            } else {
                assert!(
                    matches!(result, Err(Refusal::Error { status: 400, .. })),
                    "{from}"
                );
            }
        }
    }

    #[test]
    fn deactivate_from_anything_but_deprovisioned() {
        for from in UserStatus::ALL {
            let result = transition(LifecycleOp::Deactivate, from);
            if from == UserStatus::Deprovisioned {
                assert_eq!(result, Err(Refusal::NotFound));
            } else {
                assert_eq!(result, Ok(UserStatus::Deprovisioned));
            }
        }
    }

    #[test]
    fn names_derive_from_login() {
        let u = User::new("alice.liddell@example.com", UserStatus::Active);
        assert_eq!(u.attribute("profile.firstName").as_deref(), Some("Alice"));
        assert_eq!(u.attribute("profile.lastName").as_deref(), Some("Liddell"));
        assert_eq!(u.id.len(), 20);
        let svc = User::new("svc.backup", UserStatus::Staged);
        assert_eq!(
            svc.attribute("profile.email").as_deref(),
            Some("svc.backup@example.com")
        );
        assert!(svc.activated.is_none());
    }

    #[test]
    fn lookup_by_short_name_must_be_unambiguous() {
        let mut d = Directory::default();
        d.users.push(User::new("bob@a.com", UserStatus::Active));
        d.users.push(User::new("carol@a.com", UserStatus::Active));
        d.users.push(User::new("carol@b.com", UserStatus::Active));
        assert_eq!(d.index_by_id_or_login("BOB@A.COM"), Some(0));
        assert_eq!(d.index_by_id_or_login("bob"), Some(0));
        assert_eq!(d.index_by_id_or_login("carol"), None);
    }
}
