//! Groups of the fake Okta org: the group record and the `/api/v1/groups` endpoints
//! (create, read, replace, delete, list with `q`/`filter`/`search`, members, membership
//! changes) and `GET /api/v1/users/{id}/groups`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::okta::{OktaState, Shared};
use super::okta_filter::{Mode, json_values, parse};
use super::okta_http::Reply;
use super::okta_logs::audit;
use super::okta_page::{Paging, param};
use super::okta_users::{User, iso8601};
use super::util::{lock, random_alnum};

/// Default and largest page of `GET /api/v1/groups` (Okta documents 10000).
const GROUPS_PAGE: usize = 10_000;
/// Default and largest page of `GET /api/v1/groups/{id}/users` (Okta documents 1000).
const MEMBERS_PAGE: usize = 1_000;
/// Default and largest page of `GET /api/v1/users/{id}/groups` (Okta documents 200).
const USER_GROUPS_PAGE: usize = 200;

/// A group record.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) id: String,
    /// `OKTA_GROUP`, `APP_GROUP` or `BUILT_IN`.
    pub(crate) kind: &'static str,
    pub(crate) profile: Map<String, Value>,
    pub(crate) created: OffsetDateTime,
    pub(crate) last_updated: OffsetDateTime,
    pub(crate) last_membership_updated: OffsetDateTime,
    /// Member user ids, in the order they were added.
    pub(crate) members: Vec<String>,
}

impl Group {
    /// A new, empty `OKTA_GROUP`.
    pub(crate) fn new(name: &str, description: Option<&str>) -> Group {
        let now = OffsetDateTime::now_utc();
        let mut profile = Map::new();
        profile.insert("name".into(), Value::String(name.to_owned()));
        profile.insert(
            "description".into(),
            description.map_or(Value::Null, |d| Value::String(d.to_owned())),
        );
        Group {
            id: format!("00g{}", random_alnum(17)),
            kind: "OKTA_GROUP",
            profile,
            created: now,
            last_updated: now,
            last_membership_updated: now,
            members: Vec::new(),
        }
    }

    /// `profile.name`.
    pub(crate) fn name(&self) -> &str {
        self.profile
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The group JSON.
    pub(crate) fn to_json(&self, base_url: &str) -> Value {
        let href = format!("{base_url}/api/v1/groups/{}", self.id);
        json!({
            "id": self.id,
            "created": iso8601(self.created),
            "lastUpdated": iso8601(self.last_updated),
            "lastMembershipUpdated": iso8601(self.last_membership_updated),
            "objectClass": ["okta:user_group"],
            "type": self.kind,
            "profile": self.profile,
            "_links": {
                "logo": [
                    { "name": "medium", "href": format!("{base_url}/img/logos/groups/okta-medium.png"), "type": "image/png" },
                    { "name": "large", "href": format!("{base_url}/img/logos/groups/okta-large.png"), "type": "image/png" }
                ],
                "users": { "href": format!("{href}/users") },
                "apps": { "href": format!("{href}/apps") }
            }
        })
    }

    /// Adds a member; false if already one.
    pub(crate) fn add_member(&mut self, user_id: &str) -> bool {
        if self.members.iter().any(|m| m == user_id) {
            return false;
        }
        self.members.push(user_id.to_owned());
        self.last_membership_updated = OffsetDateTime::now_utc();
        true
    }

    /// Removes a member; false if it was not one.
    pub(crate) fn remove_member(&mut self, user_id: &str) -> bool {
        let before = self.members.len();
        self.members.retain(|m| m != user_id);
        let removed = self.members.len() != before;
        if removed {
            self.last_membership_updated = OffsetDateTime::now_utc();
        }
        removed
    }
}

/// 404 E0000007 for an unknown group.
pub(crate) fn group_not_found(id: &str) -> Reply {
    Reply::error(
        404,
        "E0000007",
        &format!("Not found: Resource not found: {id} (UserGroup)"),
        &[],
    )
}

impl OktaState {
    /// Index of a group by id.
    pub(crate) fn group_index(&self, id: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.id == id)
    }

    /// Index of a group by id or exact name.
    pub(crate) fn group_index_by_id_or_name(&self, key: &str) -> Option<usize> {
        self.group_index(key)
            .or_else(|| self.groups.iter().position(|g| g.name() == key))
    }
}

fn validation(field: &str, cause: &str) -> Reply {
    Reply::error(
        400,
        "E0000001",
        &format!("Api validation failed: {field}"),
        &[&format!("{field}: {cause}")],
    )
}

/// The `profile` object of a create or replace body, checked like Okta does.
fn profile_of(
    state: &OktaState,
    body: &str,
    except: Option<&str>,
) -> Result<Map<String, Value>, Reply> {
    let parsed: Value = serde_json::from_str(body).map_err(|_| {
        Reply::error(
            400,
            "E0000003",
            "The request body was not well-formed.",
            &[],
        )
    })?;
    let Some(profile) = parsed.get("profile").and_then(Value::as_object) else {
        return Err(validation("name", "The field cannot be left blank"));
    };
    let name = profile
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.trim().is_empty() {
        return Err(validation("name", "The field cannot be left blank"));
    }
    if state
        .groups
        .iter()
        .any(|g| g.name() == name && Some(g.id.as_str()) != except)
    {
        return Err(validation(
            "name",
            "An object with this field already exists in the current organization",
        ));
    }
    Ok(profile.clone())
}

/// `POST /api/v1/groups`.
pub(crate) fn create_group(shared: &Shared, body: &str) -> Reply {
    let mut state = lock(&shared.state);
    let profile = match profile_of(&state, body, None) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let mut group = Group::new("", None);
    group.profile = profile;
    let json = group.to_json(&shared.base_url);
    audit(
        &mut state,
        "group.lifecycle.create",
        "Create okta group",
        &[group_target(&group)],
    );
    state.groups.push(group);
    Reply::json(200, json)
}

/// `GET /api/v1/groups/{id}`.
pub(crate) fn get_group(shared: &Shared, id: &str) -> Reply {
    let state = lock(&shared.state);
    match state.group_index(id).and_then(|i| state.groups.get(i)) {
        Some(g) => Reply::json(200, g.to_json(&shared.base_url)),
        None => group_not_found(id),
    }
}

/// `PUT /api/v1/groups/{id}`: replaces the profile (only `OKTA_GROUP`s).
pub(crate) fn update_group(shared: &Shared, id: &str, body: &str) -> Reply {
    let mut state = lock(&shared.state);
    let Some(index) = state.group_index(id) else {
        return group_not_found(id);
    };
    if state
        .groups
        .get(index)
        .is_some_and(|g| g.kind != "OKTA_GROUP")
    {
        return Reply::forbidden();
    }
    let profile = match profile_of(&state, body, Some(id)) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let Some(group) = state.groups.get_mut(index) else {
        return group_not_found(id);
    };
    group.profile = profile;
    group.last_updated = OffsetDateTime::now_utc();
    let json = group.to_json(&shared.base_url);
    let target = group_target(group);
    audit(
        &mut state,
        "group.profile.update",
        "Update okta group profile",
        &[target],
    );
    Reply::json(200, json)
}

/// `DELETE /api/v1/groups/{id}`: 204; app assignments of the group go too.
pub(crate) fn delete_group(shared: &Shared, id: &str) -> Reply {
    let mut state = lock(&shared.state);
    let Some(index) = state.group_index(id) else {
        return group_not_found(id);
    };
    if state
        .groups
        .get(index)
        .is_some_and(|g| g.kind == "BUILT_IN")
    {
        return Reply::forbidden();
    }
    let group = state.groups.remove(index);
    for app in &mut state.apps {
        app.groups.retain(|a| a.group_id != group.id);
    }
    audit(
        &mut state,
        "group.lifecycle.delete",
        "Delete okta group",
        &[group_target(&group)],
    );
    Reply::empty(204)
}

/// `GET /api/v1/groups` with `q` (name starts with, case-insensitive), `filter` or `search`.
pub(crate) fn list_groups(shared: &Shared, path: &str, query: &[(String, String)]) -> Reply {
    let state = lock(&shared.state);
    let base = &shared.base_url;
    let mut carried = Vec::new();
    let mut selected: Vec<&Group> = state.groups.iter().collect();
    for (mode, name) in [(Mode::GroupFilter, "filter"), (Mode::GroupSearch, "search")] {
        if let Some(text) = param(query, name) {
            let expr = match parse(text, mode) {
                Ok(e) => e,
                Err(detail) => return bad_expression(name, &detail),
            };
            selected.retain(|g| {
                let json = g.to_json(base);
                expr.matches_with(&|attr: &str| json_values(&json, attr), mode)
            });
            carried.push((name, text.to_owned()));
        }
    }
    if let Some(q) = param(query, "q") {
        let q = q.to_lowercase();
        selected.retain(|g| g.name().to_lowercase().starts_with(&q));
        carried.push(("q", q));
    }
    let paging = Paging {
        base_url: base,
        path,
        query,
        carried,
        default_limit: GROUPS_PAGE,
        max_limit: GROUPS_PAGE,
    };
    paging.answer(
        selected
            .iter()
            .map(|g| (g.id.clone(), g.to_json(base)))
            .collect(),
    )
}

/// 400 E0000001 for a `filter`/`search` expression outside the supported subset.
pub(crate) fn bad_expression(param: &str, detail: &str) -> Reply {
    Reply::error(
        400,
        "E0000001",
        &format!("Api validation failed: {param}"),
        &[&format!("Invalid {param} expression: {detail}")],
    )
}

/// `GET /api/v1/groups/{id}/users`: members as list users, 1000 a page by default.
pub(crate) fn list_members(
    shared: &Shared,
    id: &str,
    path: &str,
    query: &[(String, String)],
) -> Reply {
    let state = lock(&shared.state);
    let Some(group) = state.group_index(id).and_then(|i| state.groups.get(i)) else {
        return group_not_found(id);
    };
    let index: HashMap<&str, &User> = state
        .directory
        .users
        .iter()
        .map(|u| (u.id.as_str(), u))
        .collect();
    let items: Vec<(String, &User)> = group
        .members
        .iter()
        .filter_map(|m| index.get(m.as_str()).map(|u| (m.clone(), *u)))
        .collect();
    Paging {
        base_url: &shared.base_url,
        path,
        query,
        carried: Vec::new(),
        default_limit: MEMBERS_PAGE,
        max_limit: MEMBERS_PAGE,
    }
    .answer_with(&items, |u| u.to_json(&shared.base_url, false))
}

/// `PUT` (add) or `DELETE` (remove) `/api/v1/groups/{gid}/users/{uid}`: 204 either way, also
/// when the user already is (or is not) a member.
pub(crate) fn change_member(shared: &Shared, gid: &str, uid: &str, add: bool) -> Reply {
    let mut state = lock(&shared.state);
    let Some(gi) = state.group_index(gid) else {
        return group_not_found(gid);
    };
    let Some(user) = state
        .directory
        .index_by_id(uid)
        .and_then(|i| state.directory.users.get(i))
    else {
        return Reply::user_not_found(uid);
    };
    let user_target = user.log_target();
    if state.groups.get(gi).is_some_and(|g| g.kind == "BUILT_IN") {
        return Reply::forbidden();
    }
    let Some(group) = state.groups.get_mut(gi) else {
        return group_not_found(gid);
    };
    let changed = if add {
        group.add_member(uid)
    } else {
        group.remove_member(uid)
    };
    if changed {
        let target = group_target(group);
        let (kind, text) = if add {
            ("group.user_membership.add", "Add user to group membership")
        } else {
            (
                "group.user_membership.remove",
                "Remove user from group membership",
            )
        };
        audit(&mut state, kind, text, &[user_target, target]);
    }
    Reply::empty(204)
}

/// `GET /api/v1/users/{id}/groups`: the user's groups, 200 a page (`limit`, `after`).
pub(crate) fn user_groups(
    shared: &Shared,
    key: &str,
    path: &str,
    query: &[(String, String)],
) -> Reply {
    let state = lock(&shared.state);
    let Some(user) = state
        .directory
        .index_by_id_or_login(key)
        .and_then(|i| state.directory.users.get(i))
    else {
        return Reply::user_not_found(key);
    };
    let groups: Vec<(String, &Group)> = state
        .groups
        .iter()
        .filter(|g| g.members.contains(&user.id))
        .map(|g| (g.id.clone(), g))
        .collect();
    Paging {
        base_url: &shared.base_url,
        path,
        query,
        carried: Vec::new(),
        default_limit: USER_GROUPS_PAGE,
        max_limit: USER_GROUPS_PAGE,
    }
    .answer_with(&groups, |g| g.to_json(&shared.base_url))
}

/// A System Log target for a group.
pub(crate) fn group_target(group: &Group) -> Value {
    json!({ "id": group.id, "type": "UserGroup", "alternateId": "unknown", "displayName": group.name() })
}
