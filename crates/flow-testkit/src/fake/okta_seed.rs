//! Seeding and inspecting the fake Okta org from tests and scenario files: users with a status,
//! profile and last login, groups with members, apps with user and group assignments, and
//! System Log events.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use flow_testkit::{FakeOkta, NewApp, NewGroup, NewUser, UserStatus};
//! let okta = FakeOkta::start().await?;
//! let alice = okta.seed_user(
//!     NewUser::new("alice@example.com")
//!         .status(UserStatus::Suspended)
//!         .profile("department", "Finance")
//!         .last_login("2026-11-30T08:15:00.000Z"),
//! )?;
//! let admins = okta.seed_group(NewGroup::new("Admins").member(&alice))?;
//! let app = okta.seed_app(NewApp::new("Salesforce").group(&admins))?;
//! assert_eq!(okta.members_of(&admins), vec![alice.clone()]);
//! assert_eq!(okta.app_users(&app), vec![alice]);
//! # Ok(()) }
//! ```

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::okta::FakeOkta;
use super::okta_apps::{App, GroupAssignment, UserAssignment};
use super::okta_groups::Group;
use super::okta_logs::{LogSeedError, seed};
use super::okta_users::{User, UserStatus};
use super::util::lock;

/// Why seeding the fake Okta failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedError {
    /// A user with this login already exists.
    DuplicateLogin(String),
    /// A group with this name already exists.
    DuplicateGroup(String),
    /// No user has this id or login.
    UnknownUser(String),
    /// No group has this id or name.
    UnknownGroup(String),
    /// No app has this id, label or name.
    UnknownApp(String),
    /// A timestamp is not RFC 3339 (e.g. `2026-11-30T08:15:00.000Z`).
    BadTimestamp(String),
    /// A System Log event was refused.
    Log(LogSeedError),
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedError::DuplicateLogin(l) => write!(f, "a user with login {l:?} already exists"),
            SeedError::DuplicateGroup(n) => write!(f, "a group named {n:?} already exists"),
            SeedError::UnknownUser(u) => write!(f, "no user has id or login {u:?}"),
            SeedError::UnknownGroup(g) => write!(f, "no group has id or name {g:?}"),
            SeedError::UnknownApp(a) => write!(f, "no app has id, label or name {a:?}"),
            SeedError::BadTimestamp(t) => write!(f, "{t:?} is not an RFC 3339 timestamp"),
            SeedError::Log(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SeedError {}

fn timestamp(text: &str) -> Result<OffsetDateTime, SeedError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| SeedError::BadTimestamp(text.to_owned()))
}

/// A user to seed: a login plus optional status, profile attributes and timestamps.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// `profile.login` (also the email when it contains `@`).
    pub login: String,
    /// The status (default ACTIVE).
    pub status: UserStatus,
    /// Profile attributes set over the derived ones (`email`, `firstName`, `department`, …).
    pub profile: Map<String, Value>,
    /// `lastLogin`, RFC 3339 (default none).
    pub last_login: Option<String>,
    /// `passwordChanged`, RFC 3339 (default none).
    pub password_changed: Option<String>,
}

impl NewUser {
    /// An ACTIVE user with names derived from the login (see [`FakeOkta::add_user`]).
    pub fn new(login: &str) -> NewUser {
        NewUser {
            login: login.to_owned(),
            status: UserStatus::Active,
            profile: Map::new(),
            last_login: None,
            password_changed: None,
        }
    }

    /// Sets the status.
    pub fn status(mut self, status: UserStatus) -> NewUser {
        self.status = status;
        self
    }

    /// Sets one profile attribute.
    pub fn profile(mut self, key: &str, value: impl Into<Value>) -> NewUser {
        self.profile.insert(key.to_owned(), value.into());
        self
    }

    /// Sets `lastLogin` (RFC 3339, e.g. `2026-11-30T08:15:00.000Z`).
    pub fn last_login(mut self, at: &str) -> NewUser {
        self.last_login = Some(at.to_owned());
        self
    }
}

/// A group to seed: a name, a description and members (user ids or logins).
#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    /// `profile.name` (unique).
    pub name: String,
    /// `profile.description`.
    pub description: Option<String>,
    /// Members, by user id or login.
    pub members: Vec<String>,
}

impl NewGroup {
    /// An empty group.
    pub fn new(name: &str) -> NewGroup {
        NewGroup {
            name: name.to_owned(),
            ..NewGroup::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, text: &str) -> NewGroup {
        self.description = Some(text.to_owned());
        self
    }

    /// Adds a member (user id or login).
    pub fn member(mut self, user: &str) -> NewGroup {
        self.members.push(user.to_owned());
        self
    }
}

/// An app to seed: a label, an optional technical name, and its assignments.
#[derive(Debug, Clone, Default)]
pub struct NewApp {
    /// The label users see ("Salesforce").
    pub label: String,
    /// The app name (`salesforce`); default: the label in lower case, spaces as `_`.
    pub name: Option<String>,
    /// Whether the app is INACTIVE (default ACTIVE).
    pub inactive: bool,
    /// Users assigned directly, by id or login.
    pub users: Vec<String>,
    /// Groups assigned, by id or name.
    pub groups: Vec<String>,
}

impl NewApp {
    /// An active app without assignments.
    pub fn new(label: &str) -> NewApp {
        NewApp {
            label: label.to_owned(),
            ..NewApp::default()
        }
    }

    /// Assigns a user directly (id or login).
    pub fn user(mut self, user: &str) -> NewApp {
        self.users.push(user.to_owned());
        self
    }

    /// Assigns a group (id or name).
    pub fn group(mut self, group: &str) -> NewApp {
        self.groups.push(group.to_owned());
        self
    }
}

impl FakeOkta {
    /// Adds a user with a status, profile attributes and timestamps; returns its id.
    pub fn seed_user(&self, new: NewUser) -> Result<String, SeedError> {
        let last_login = new.last_login.as_deref().map(timestamp).transpose()?;
        let password_changed = new.password_changed.as_deref().map(timestamp).transpose()?;
        let mut state = lock(&self.shared.state);
        if state
            .directory
            .users
            .iter()
            .any(|u| u.login().eq_ignore_ascii_case(&new.login))
        {
            return Err(SeedError::DuplicateLogin(new.login));
        }
        let mut user = User::new(&new.login, new.status);
        user.profile.extend(new.profile);
        user.last_login = last_login;
        user.password_changed = password_changed;
        let id = user.id.clone();
        state.directory.users.push(user);
        Ok(id)
    }

    /// Sets a user's `lastLogin` (RFC 3339). False if the user is unknown.
    pub fn set_last_login(&self, id_or_login: &str, at: &str) -> Result<bool, SeedError> {
        let at = timestamp(at)?;
        Ok(self.with_user(id_or_login, |u| u.last_login = Some(at)))
    }

    /// Adds an empty group; returns its id (`00g…`).
    pub fn add_group(&self, name: &str) -> Result<String, SeedError> {
        self.seed_group(NewGroup::new(name))
    }

    /// Adds a group with a description and members; returns its id.
    pub fn seed_group(&self, new: NewGroup) -> Result<String, SeedError> {
        let mut state = lock(&self.shared.state);
        if state.groups.iter().any(|g| g.name() == new.name) {
            return Err(SeedError::DuplicateGroup(new.name));
        }
        let mut group = Group::new(&new.name, new.description.as_deref());
        for key in &new.members {
            let id = user_id(&state, key)?;
            group.add_member(&id);
        }
        let id = group.id.clone();
        state.groups.push(group);
        Ok(id)
    }

    /// Adds a user (id or login) to a group (id or name); adding twice is a no-op.
    pub fn add_to_group(&self, group: &str, user: &str) -> Result<(), SeedError> {
        let mut state = lock(&self.shared.state);
        let uid = user_id(&state, user)?;
        let gi = state
            .group_index_by_id_or_name(group)
            .ok_or_else(|| SeedError::UnknownGroup(group.to_owned()))?;
        if let Some(g) = state.groups.get_mut(gi) {
            g.add_member(&uid);
        }
        Ok(())
    }

    /// The member ids of a group (id or name), in the order they were added.
    pub fn members_of(&self, group: &str) -> Vec<String> {
        let state = lock(&self.shared.state);
        state
            .group_index_by_id_or_name(group)
            .and_then(|i| state.groups.get(i))
            .map(|g| g.members.clone())
            .unwrap_or_default()
    }

    /// The ids of the groups a user (id or login) belongs to.
    pub fn groups_of(&self, user: &str) -> Vec<String> {
        let state = lock(&self.shared.state);
        let Ok(uid) = user_id(&state, user) else {
            return Vec::new();
        };
        state
            .groups
            .iter()
            .filter(|g| g.members.contains(&uid))
            .map(|g| g.id.clone())
            .collect()
    }

    /// The group JSON a `GET /api/v1/groups/{id}` would return (by id or name).
    pub fn group_json(&self, group: &str) -> Option<serde_json::Value> {
        let state = lock(&self.shared.state);
        let g = state
            .group_index_by_id_or_name(group)
            .and_then(|i| state.groups.get(i))?;
        Some(g.to_json(&self.shared.base_url))
    }

    /// Adds an active app without assignments; returns its id (`0oa…`).
    pub fn add_app(&self, label: &str) -> Result<String, SeedError> {
        self.seed_app(NewApp::new(label))
    }

    /// Adds an app with its user and group assignments; returns its id.
    pub fn seed_app(&self, new: NewApp) -> Result<String, SeedError> {
        let mut state = lock(&self.shared.state);
        let name = new
            .name
            .clone()
            .unwrap_or_else(|| new.label.to_lowercase().replace(' ', "_"));
        let mut app = App::new(&name, &new.label);
        if new.inactive {
            app.status = "INACTIVE";
        }
        let now = app.created;
        for key in &new.users {
            let uid = user_id(&state, key)?;
            app.users.push(UserAssignment {
                user_id: uid,
                user_name: None,
                profile: Map::new(),
                created: now,
                last_updated: now,
            });
        }
        for (priority, key) in new.groups.iter().enumerate() {
            let gid = state
                .group_index_by_id_or_name(key)
                .and_then(|i| state.groups.get(i))
                .map(|g| g.id.clone())
                .ok_or_else(|| SeedError::UnknownGroup(key.clone()))?;
            app.groups.push(GroupAssignment {
                group_id: gid,
                priority: priority as u64,
                profile: Map::new(),
                last_updated: now,
            });
        }
        let id = app.id.clone();
        state.apps.push(app);
        Ok(id)
    }

    /// Assigns a user (id or login) directly to an app (id, label or name).
    pub fn assign_to_app(&self, app: &str, user: &str) -> Result<(), SeedError> {
        let mut state = lock(&self.shared.state);
        let uid = user_id(&state, user)?;
        let ai = state
            .app_index_by_key(app)
            .ok_or_else(|| SeedError::UnknownApp(app.to_owned()))?;
        if let Some(a) = state.apps.get_mut(ai)
            && !a.users.iter().any(|x| x.user_id == uid)
        {
            let now = OffsetDateTime::now_utc();
            a.users.push(UserAssignment {
                user_id: uid,
                user_name: None,
                profile: Map::new(),
                created: now,
                last_updated: now,
            });
        }
        Ok(())
    }

    /// The ids of the users assigned to an app (id, label or name): direct assignments first,
    /// then members of its assigned groups, each once.
    pub fn app_users(&self, app: &str) -> Vec<String> {
        let state = lock(&self.shared.state);
        let Some(a) = state.app_index_by_key(app).and_then(|i| state.apps.get(i)) else {
            return Vec::new();
        };
        let mut out: Vec<String> = a.users.iter().map(|u| u.user_id.clone()).collect();
        for ga in &a.groups {
            if let Some(g) = state
                .group_index(&ga.group_id)
                .and_then(|i| state.groups.get(i))
            {
                for m in &g.members {
                    if !out.contains(m) {
                        out.push(m.clone());
                    }
                }
            }
        }
        out
    }

    /// The ids of the groups assigned to an app (id, label or name).
    pub fn app_groups(&self, app: &str) -> Vec<String> {
        let state = lock(&self.shared.state);
        state
            .app_index_by_key(app)
            .and_then(|i| state.apps.get(i))
            .map(|a| a.groups.iter().map(|g| g.group_id.clone()).collect())
            .unwrap_or_default()
    }

    /// Adds a System Log event. Give at least `eventType`; `uuid`, `published` (now),
    /// `actor` (the fake admin), `outcome` (SUCCESS), `severity` (INFO), `target` (`[]`),
    /// `displayMessage` and the rest are filled in. Returns the event's uuid.
    pub fn add_log_event(&self, event: Value) -> Result<String, SeedError> {
        let mut state = lock(&self.shared.state);
        seed(&mut state, event).map_err(SeedError::Log)
    }

    /// Every System Log event, oldest first (seeded ones and those the fake wrote for the
    /// changes it made, e.g. `group.user_membership.add`).
    pub fn log_events(&self) -> Vec<Value> {
        lock(&self.shared.state)
            .logs
            .iter()
            .map(|e| e.json.clone())
            .collect()
    }
}

fn user_id(state: &super::okta::OktaState, key: &str) -> Result<String, SeedError> {
    state
        .directory
        .index_by_id_or_login(key)
        .and_then(|i| state.directory.users.get(i))
        .map(|u| u.id.clone())
        .ok_or_else(|| SeedError::UnknownUser(key.to_owned()))
}
