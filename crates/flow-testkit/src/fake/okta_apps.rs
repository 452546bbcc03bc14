//! Applications of the fake Okta org: the app record, its user and group assignments and the
//! `/api/v1/apps` endpoints (list with `q`/`filter`, read, assign/unassign users and groups,
//! list assigned users and groups).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::okta::{OktaState, Shared};
use super::okta_filter::{Mode, parse};
use super::okta_groups::{bad_expression, group_not_found, group_target};
use super::okta_http::Reply;
use super::okta_logs::audit;
use super::okta_page::{Paging, param};
use super::okta_users::{User, iso8601};
use super::util::{lock, random_alnum};

/// Largest page of `GET /api/v1/apps` (without `limit`, every app is returned).
const APPS_PAGE: usize = 200;
/// Default page of `GET /api/v1/apps/{id}/users` (Okta documents 50, at most 500).
const APP_USERS_DEFAULT: usize = 50;
/// Largest page of `GET /api/v1/apps/{id}/users`.
const APP_USERS_MAX: usize = 500;
/// Default and largest page of `GET /api/v1/apps/{id}/groups`.
const APP_GROUPS_PAGE: usize = 200;

/// A direct user assignment (`scope: USER`).
#[derive(Debug, Clone)]
pub(crate) struct UserAssignment {
    pub(crate) user_id: String,
    pub(crate) user_name: Option<String>,
    pub(crate) profile: Map<String, Value>,
    pub(crate) created: OffsetDateTime,
    pub(crate) last_updated: OffsetDateTime,
}

/// A group assignment; its members are assigned with `scope: GROUP`.
#[derive(Debug, Clone)]
pub(crate) struct GroupAssignment {
    pub(crate) group_id: String,
    pub(crate) priority: u64,
    pub(crate) profile: Map<String, Value>,
    pub(crate) last_updated: OffsetDateTime,
}

/// An application instance.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) label: String,
    /// `ACTIVE` or `INACTIVE`.
    pub(crate) status: &'static str,
    pub(crate) sign_on_mode: String,
    pub(crate) created: OffsetDateTime,
    pub(crate) last_updated: OffsetDateTime,
    pub(crate) users: Vec<UserAssignment>,
    pub(crate) groups: Vec<GroupAssignment>,
}

impl App {
    /// A new active app.
    pub(crate) fn new(name: &str, label: &str) -> App {
        let now = OffsetDateTime::now_utc();
        App {
            id: format!("0oa{}", random_alnum(17)),
            name: name.to_owned(),
            label: label.to_owned(),
            status: "ACTIVE",
            sign_on_mode: "SAML_2_0".to_owned(),
            created: now,
            last_updated: now,
            users: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// The app JSON.
    pub(crate) fn to_json(&self, base_url: &str) -> Value {
        let href = format!("{base_url}/api/v1/apps/{}", self.id);
        json!({
            "id": self.id,
            "name": self.name,
            "label": self.label,
            "status": self.status,
            "created": iso8601(self.created),
            "lastUpdated": iso8601(self.last_updated),
            "signOnMode": self.sign_on_mode,
            "accessibility": { "selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null },
            "visibility": { "autoSubmitToolbar": false, "hide": { "iOS": false, "web": false } },
            "features": [],
            "settings": { "app": {} },
            "credentials": {
                "userNameTemplate": { "template": "${source.login}", "type": "BUILT_IN" },
                "signing": {}
            },
            "_links": {
                "users": { "href": format!("{href}/users") },
                "groups": { "href": format!("{href}/groups") },
                "deactivate": { "href": format!("{href}/lifecycle/deactivate") }
            }
        })
    }

    /// Everyone with access: direct assignments first, then members of assigned groups
    /// (each user once, the direct assignment winning), as `(user id, scope)`.
    fn assigned(&self, state: &OktaState) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = self
            .users
            .iter()
            .map(|a| (a.user_id.clone(), "USER"))
            .collect();
        for ga in &self.groups {
            let Some(group) = state
                .group_index(&ga.group_id)
                .and_then(|i| state.groups.get(i))
            else {
                continue;
            };
            for m in &group.members {
                if !out.iter().any(|(id, _)| id == m) {
                    out.push((m.clone(), "GROUP"));
                }
            }
        }
        out
    }

    /// The app user JSON of `user`, assigned with `scope`.
    fn app_user_json(&self, base_url: &str, user: &User, scope: &str) -> Value {
        let direct = self.users.iter().find(|a| a.user_id == user.id);
        let created = direct.map_or(self.created, |a| a.created);
        let updated = direct.map_or(self.last_updated, |a| a.last_updated);
        let user_name = direct
            .and_then(|a| a.user_name.clone())
            .unwrap_or_else(|| user.login().to_owned());
        let mut profile = Map::new();
        for key in ["email", "firstName", "lastName"] {
            if let Some(v) = user.profile.get(key) {
                profile.insert(key.into(), v.clone());
            }
        }
        if let Some(d) = direct {
            profile.extend(d.profile.clone());
        }
        json!({
            "id": user.id,
            "externalId": null,
            "created": iso8601(created),
            "lastUpdated": iso8601(updated),
            "scope": scope,
            "status": "ACTIVE",
            "statusChanged": iso8601(created),
            "passwordChanged": null,
            "syncState": "DISABLED",
            "credentials": { "userName": user_name },
            "profile": profile,
            "_links": {
                "app": { "href": format!("{base_url}/api/v1/apps/{}", self.id) },
                "user": { "href": format!("{base_url}/api/v1/users/{}", user.id) }
            }
        })
    }

    fn group_assignment_json(&self, base_url: &str, ga: &GroupAssignment) -> Value {
        json!({
            "id": ga.group_id,
            "lastUpdated": iso8601(ga.last_updated),
            "priority": ga.priority,
            "profile": ga.profile,
            "_links": {
                "app": { "href": format!("{base_url}/api/v1/apps/{}", self.id) },
                "group": { "href": format!("{base_url}/api/v1/groups/{}", ga.group_id) }
            }
        })
    }
}

impl OktaState {
    /// Index of an app by id.
    pub(crate) fn app_index(&self, id: &str) -> Option<usize> {
        self.apps.iter().position(|a| a.id == id)
    }

    /// Index of an app by id, label or name (case-insensitive for label and name).
    pub(crate) fn app_index_by_key(&self, key: &str) -> Option<usize> {
        self.app_index(key).or_else(|| {
            self.apps
                .iter()
                .position(|a| a.label.eq_ignore_ascii_case(key) || a.name.eq_ignore_ascii_case(key))
        })
    }
}

/// 404 E0000007 for an unknown app.
fn app_not_found(id: &str) -> Reply {
    Reply::error(
        404,
        "E0000007",
        &format!("Not found: Resource not found: {id} (AppInstance)"),
        &[],
    )
}

fn app_target(app: &App) -> Value {
    json!({ "id": app.id, "type": "AppInstance", "alternateId": app.label, "displayName": app.label })
}

/// `GET /api/v1/apps` with `q` (name or label starts with) and `filter`.
pub(crate) fn list_apps(shared: &Shared, path: &str, query: &[(String, String)]) -> Reply {
    let state = lock(&shared.state);
    let mut carried = Vec::new();
    let mut selected: Vec<&App> = state.apps.iter().collect();
    if let Some(text) = param(query, "filter") {
        let expr = match parse(text, Mode::AppFilter) {
            Ok(e) => e,
            Err(detail) => return bad_expression("filter", &detail),
        };
        selected.retain(|app| {
            let assigned = app.assigned(&state);
            let lookup = |attr: &str| -> Vec<String> {
                match attr {
                    "status" => vec![app.status.to_owned()],
                    "name" => vec![app.name.clone()],
                    "user.id" => assigned.iter().map(|(id, _)| id.clone()).collect(),
                    "group.id" => app.groups.iter().map(|g| g.group_id.clone()).collect(),
                    _ => Vec::new(),
                }
            };
            expr.matches_with(&lookup, Mode::AppFilter)
        });
        carried.push(("filter", text.to_owned()));
    }
    if let Some(q) = param(query, "q") {
        let q = q.to_lowercase();
        selected.retain(|a| {
            a.name.to_lowercase().starts_with(&q) || a.label.to_lowercase().starts_with(&q)
        });
        carried.push(("q", q));
    }
    let base = &shared.base_url;
    Paging {
        base_url: base,
        path,
        query,
        carried,
        default_limit: usize::MAX,
        max_limit: APPS_PAGE,
    }
    .answer(
        selected
            .iter()
            .map(|a| (a.id.clone(), a.to_json(base)))
            .collect(),
    )
}

/// `GET /api/v1/apps/{id}`.
pub(crate) fn get_app(shared: &Shared, id: &str) -> Reply {
    let state = lock(&shared.state);
    match state.app_index(id).and_then(|i| state.apps.get(i)) {
        Some(app) => Reply::json(200, app.to_json(&shared.base_url)),
        None => app_not_found(id),
    }
}

/// `GET /api/v1/apps/{id}/users` (`q`: userName, firstName, lastName or email starts with).
pub(crate) fn list_app_users(
    shared: &Shared,
    id: &str,
    path: &str,
    query: &[(String, String)],
) -> Reply {
    let state = lock(&shared.state);
    let Some(app) = state.app_index(id).and_then(|i| state.apps.get(i)) else {
        return app_not_found(id);
    };
    let base = &shared.base_url;
    let mut items: Vec<(String, Value)> = app
        .assigned(&state)
        .into_iter()
        .filter_map(|(uid, scope)| {
            let user = state
                .directory
                .index_by_id(&uid)
                .and_then(|i| state.directory.users.get(i))?;
            Some((uid, app.app_user_json(base, user, scope)))
        })
        .collect();
    let mut carried = Vec::new();
    if let Some(q) = param(query, "q") {
        let q = q.to_lowercase();
        items.retain(|(_, v)| {
            [
                "/credentials/userName",
                "/profile/firstName",
                "/profile/lastName",
                "/profile/email",
            ]
            .iter()
            .filter_map(|p| v.pointer(p).and_then(Value::as_str))
            .any(|s| s.to_lowercase().starts_with(&q))
        });
        carried.push(("q", q));
    }
    Paging {
        base_url: base,
        path,
        query,
        carried,
        default_limit: APP_USERS_DEFAULT,
        max_limit: APP_USERS_MAX,
    }
    .answer(items)
}

/// `GET /api/v1/apps/{id}/users/{uid}`.
pub(crate) fn get_app_user(shared: &Shared, id: &str, uid: &str) -> Reply {
    let state = lock(&shared.state);
    let Some(app) = state.app_index(id).and_then(|i| state.apps.get(i)) else {
        return app_not_found(id);
    };
    let scope = app
        .assigned(&state)
        .into_iter()
        .find(|(u, _)| u == uid)
        .map(|(_, s)| s);
    let user = state
        .directory
        .index_by_id(uid)
        .and_then(|i| state.directory.users.get(i));
    match (scope, user) {
        (Some(scope), Some(user)) => {
            Reply::json(200, app.app_user_json(&shared.base_url, user, scope))
        }
        _ => app_user_not_found(uid),
    }
}

fn app_user_not_found(uid: &str) -> Reply {
    Reply::error(
        404,
        "E0000007",
        &format!("Not found: Resource not found: {uid} (AppUser)"),
        &[],
    )
}

/// `POST /api/v1/apps/{id}/users` with `{id, scope, credentials: {userName}, profile}`:
/// assigns (or updates the assignment of) a user; 200 with the app user.
pub(crate) fn assign_user(shared: &Shared, id: &str, body: &str) -> Reply {
    let Ok(parsed) = serde_json::from_str::<Value>(body) else {
        return Reply::error(
            400,
            "E0000003",
            "The request body was not well-formed.",
            &[],
        );
    };
    let Some(uid) = parsed
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return Reply::error(
            400,
            "E0000001",
            "Api validation failed: id",
            &["id: The field cannot be left blank"],
        );
    };
    let mut state = lock(&shared.state);
    let Some(ai) = state.app_index(id) else {
        return app_not_found(id);
    };
    let Some(user) = state
        .directory
        .index_by_id(uid)
        .and_then(|i| state.directory.users.get(i))
        .cloned()
    else {
        return Reply::user_not_found(uid);
    };
    let user_name = parsed
        .pointer("/credentials/userName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let profile = parsed
        .get("profile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let now = OffsetDateTime::now_utc();
    let Some(app) = state.apps.get_mut(ai) else {
        return app_not_found(id);
    };
    match app.users.iter_mut().find(|a| a.user_id == user.id) {
        Some(existing) => {
            if user_name.is_some() {
                existing.user_name = user_name;
            }
            existing.profile.extend(profile);
            existing.last_updated = now;
        }
        None => app.users.push(UserAssignment {
            user_id: user.id.clone(),
            user_name,
            profile,
            created: now,
            last_updated: now,
        }),
    }
    let json = app.app_user_json(&shared.base_url, &user, "USER");
    let target = app_target(app);
    audit(
        &mut state,
        "application.user_membership.add",
        "Add user to application membership",
        &[user.log_target(), target],
    );
    Reply::json(200, json)
}

/// `DELETE /api/v1/apps/{id}/users/{uid}`: 204; 404 (AppUser) when the user has no direct
/// assignment.
pub(crate) fn remove_user(shared: &Shared, id: &str, uid: &str) -> Reply {
    let mut state = lock(&shared.state);
    let Some(ai) = state.app_index(id) else {
        return app_not_found(id);
    };
    let user = state
        .directory
        .index_by_id(uid)
        .and_then(|i| state.directory.users.get(i))
        .cloned();
    let Some(app) = state.apps.get_mut(ai) else {
        return app_not_found(id);
    };
    let before = app.users.len();
    app.users.retain(|a| a.user_id != uid);
    if app.users.len() == before {
        return app_user_not_found(uid);
    }
    let target = app_target(app);
    let mut targets = vec![target];
    if let Some(user) = user {
        targets.insert(0, user.log_target());
    }
    audit(
        &mut state,
        "application.user_membership.remove",
        "Remove user from application membership",
        &targets,
    );
    Reply::empty(204)
}

/// `GET /api/v1/apps/{id}/groups`.
pub(crate) fn list_app_groups(
    shared: &Shared,
    id: &str,
    path: &str,
    query: &[(String, String)],
) -> Reply {
    let state = lock(&shared.state);
    let Some(app) = state.app_index(id).and_then(|i| state.apps.get(i)) else {
        return app_not_found(id);
    };
    let base = &shared.base_url;
    let items = app
        .groups
        .iter()
        .map(|ga| (ga.group_id.clone(), app.group_assignment_json(base, ga)))
        .collect();
    Paging {
        base_url: base,
        path,
        query,
        carried: Vec::new(),
        default_limit: APP_GROUPS_PAGE,
        max_limit: APP_GROUPS_PAGE,
    }
    .answer(items)
}

/// `PUT /api/v1/apps/{id}/groups/{gid}` with an optional `{priority, profile}` body: 200 with
/// the assignment (assigning twice updates it).
pub(crate) fn assign_group(shared: &Shared, id: &str, gid: &str, body: &str) -> Reply {
    let parsed: Value = if body.trim().is_empty() {
        json!({})
    } else {
        match serde_json::from_str(body) {
            Ok(v) => v,
            Err(_) => {
                return Reply::error(
                    400,
                    "E0000003",
                    "The request body was not well-formed.",
                    &[],
                );
            }
        }
    };
    let mut state = lock(&shared.state);
    let Some(ai) = state.app_index(id) else {
        return app_not_found(id);
    };
    let Some(group) = state.group_index(gid).and_then(|i| state.groups.get(i)) else {
        return group_not_found(gid);
    };
    let gtarget = group_target(group);
    let priority = parsed.get("priority").and_then(Value::as_u64);
    let profile = parsed
        .get("profile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let now = OffsetDateTime::now_utc();
    let Some(app) = state.apps.get_mut(ai) else {
        return app_not_found(id);
    };
    let next_priority = app.groups.len() as u64;
    let index = match app.groups.iter().position(|g| g.group_id == gid) {
        Some(i) => i,
        None => {
            app.groups.push(GroupAssignment {
                group_id: gid.to_owned(),
                priority: priority.unwrap_or(next_priority),
                profile: Map::new(),
                last_updated: now,
            });
            app.groups.len() - 1
        }
    };
    let Some(ga) = app.groups.get_mut(index) else {
        return app_not_found(id);
    };
    if let Some(p) = priority {
        ga.priority = p;
    }
    ga.profile.extend(profile);
    ga.last_updated = now;
    let ga = ga.clone();
    let json = app.group_assignment_json(&shared.base_url, &ga);
    let target = app_target(app);
    audit(
        &mut state,
        "application.user_membership.add",
        "Add group to application",
        &[gtarget, target],
    );
    Reply::json(200, json)
}

/// `DELETE /api/v1/apps/{id}/groups/{gid}`: 204, also when the group was not assigned.
pub(crate) fn remove_group(shared: &Shared, id: &str, gid: &str) -> Reply {
    let mut state = lock(&shared.state);
    let Some(app) = state.app_index(id).and_then(|i| state.apps.get_mut(i)) else {
        return app_not_found(id);
    };
    app.groups.retain(|g| g.group_id != gid);
    Reply::empty(204)
}

/// `GET /api/v1/apps/{id}/groups/{gid}`.
pub(crate) fn get_app_group(shared: &Shared, id: &str, gid: &str) -> Reply {
    let state = lock(&shared.state);
    let Some(app) = state.app_index(id).and_then(|i| state.apps.get(i)) else {
        return app_not_found(id);
    };
    match app.groups.iter().find(|g| g.group_id == gid) {
        Some(ga) => Reply::json(200, app.group_assignment_json(&shared.base_url, ga)),
        None => Reply::error(
            404,
            "E0000007",
            &format!("Not found: Resource not found: {gid} (ApplicationGroupAssignment)"),
            &[],
        ),
    }
}
