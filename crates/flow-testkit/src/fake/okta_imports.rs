//! Import sessions of custom identity sources (Okta's "Anything-as-a-Source"):
//! `/api/v1/identity-sources/{id}/sessions` (create, list the active ones, read, delete),
//! `…/bulk-upsert`, `…/bulk-delete` and `…/start`.
//!
//! The identity source id is the id of an app of the fake. Starting a session applies its
//! uploads at once: an upserted profile updates the user with the same `externalId` (or, failing
//! that, the same login) or creates an ACTIVE user (login `userName`); a deleted `externalId` deactivates
//! that user. The start answer says TRIGGERED; reading the session afterwards says COMPLETED.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::okta::{OktaState, Shared};
use super::okta_http::Reply;
use super::okta_logs::audit;
use super::okta_users::{User, UserStatus, iso8601};
use super::util::{lock, random_alnum};

/// One import session and what was uploaded to it.
#[derive(Debug, Clone)]
pub(crate) struct ImportSession {
    pub(crate) id: String,
    pub(crate) source: String,
    /// CREATED, TRIGGERED, COMPLETED.
    pub(crate) status: &'static str,
    pub(crate) created: OffsetDateTime,
    pub(crate) last_updated: OffsetDateTime,
    upserts: Vec<(String, Map<String, Value>)>,
    deletes: Vec<String>,
}

impl ImportSession {
    fn to_json(&self, status: &str) -> Value {
        json!({
            "id": self.id,
            "identitySourceId": self.source,
            "status": status,
            "importType": "INCREMENTAL",
            "created": iso8601(self.created),
            "lastUpdated": iso8601(self.last_updated),
        })
    }
}

fn source_not_found(id: &str) -> Reply {
    Reply::error(
        404,
        "E0000007",
        &format!("Not found: Resource not found: {id} (IdentitySource)"),
        &[],
    )
}

fn session_not_found(id: &str) -> Reply {
    Reply::error(
        404,
        "E0000007",
        &format!("Not found: Resource not found: {id} (IdentitySourceSession)"),
        &[],
    )
}

fn not_created() -> Reply {
    Reply::error(
        400,
        "E0000001",
        "Api validation failed: sessionId",
        &["sessionId: The identity source session is not in the CREATED status"],
    )
}

fn session_index(state: &OktaState, source: &str, sid: &str) -> Option<usize> {
    state
        .imports
        .iter()
        .position(|s| s.id == sid && s.source == source)
}

/// `POST /api/v1/identity-sources/{id}/sessions`.
pub(crate) fn create_session(shared: &Shared, source: &str) -> Reply {
    let mut state = lock(&shared.state);
    if state.app_index(source).is_none() {
        return source_not_found(source);
    }
    let now = OffsetDateTime::now_utc();
    let session = ImportSession {
        id: format!("aps{}", random_alnum(17)),
        source: source.to_owned(),
        status: "CREATED",
        created: now,
        last_updated: now,
        upserts: Vec::new(),
        deletes: Vec::new(),
    };
    let json = session.to_json("CREATED");
    state.imports.push(session);
    Reply::json(200, json)
}

/// `GET /api/v1/identity-sources/{id}/sessions`: the active (CREATED or TRIGGERED) sessions.
pub(crate) fn list_sessions(shared: &Shared, source: &str) -> Reply {
    let state = lock(&shared.state);
    if state.app_index(source).is_none() {
        return source_not_found(source);
    }
    let items: Vec<Value> = state
        .imports
        .iter()
        .filter(|s| s.source == source && matches!(s.status, "CREATED" | "TRIGGERED"))
        .map(|s| s.to_json(s.status))
        .collect();
    Reply::json(200, Value::Array(items))
}

/// `GET /api/v1/identity-sources/{id}/sessions/{sid}`.
pub(crate) fn get_session(shared: &Shared, source: &str, sid: &str) -> Reply {
    let state = lock(&shared.state);
    match session_index(&state, source, sid).and_then(|i| state.imports.get(i)) {
        Some(s) => Reply::json(200, s.to_json(s.status)),
        None => session_not_found(sid),
    }
}

/// `DELETE /api/v1/identity-sources/{id}/sessions/{sid}`: 204 for a CREATED session.
pub(crate) fn delete_session(shared: &Shared, source: &str, sid: &str) -> Reply {
    let mut state = lock(&shared.state);
    let Some(index) = session_index(&state, source, sid) else {
        return session_not_found(sid);
    };
    if state
        .imports
        .get(index)
        .is_some_and(|s| s.status != "CREATED")
    {
        return not_created();
    }
    state.imports.remove(index);
    Reply::empty(204)
}

/// `POST …/sessions/{sid}/bulk-upsert` (`{entityType: USERS, profiles: [{externalId,
/// profile}]}`) or `…/bulk-delete` (`{entityType: USERS, profiles: [{externalId}]}`): 202.
pub(crate) fn bulk(shared: &Shared, source: &str, sid: &str, body: &str, upsert: bool) -> Reply {
    let Ok(parsed) = serde_json::from_str::<Value>(body) else {
        return Reply::error(
            400,
            "E0000003",
            "The request body was not well-formed.",
            &[],
        );
    };
    if parsed.get("entityType").and_then(Value::as_str) != Some("USERS") {
        return Reply::error(
            400,
            "E0000001",
            "Api validation failed: entityType",
            &["entityType: The field must be USERS"],
        );
    }
    let mut state = lock(&shared.state);
    let Some(session) = session_index(&state, source, sid).and_then(|i| state.imports.get_mut(i))
    else {
        return session_not_found(sid);
    };
    if session.status != "CREATED" {
        return not_created();
    }
    if upsert {
        let profiles = parsed.get("profiles").and_then(Value::as_array);
        for p in profiles.into_iter().flatten() {
            let external = p.get("externalId").and_then(Value::as_str);
            let profile = p.get("profile").and_then(Value::as_object);
            if let (Some(external), Some(profile)) = (external, profile) {
                session.upserts.push((external.to_owned(), profile.clone()));
            }
        }
    } else {
        let profiles = parsed.get("profiles").and_then(Value::as_array);
        session.deletes.extend(
            profiles
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("externalId").and_then(Value::as_str))
                .map(str::to_owned),
        );
    }
    session.last_updated = OffsetDateTime::now_utc();
    Reply::empty(202)
}

/// `POST …/sessions/{sid}/start`: applies the uploads; answers the session as TRIGGERED.
pub(crate) fn start_session(shared: &Shared, source: &str, sid: &str) -> Reply {
    let mut state = lock(&shared.state);
    let Some(index) = session_index(&state, source, sid) else {
        return session_not_found(sid);
    };
    let Some(session) = state.imports.get_mut(index) else {
        return session_not_found(sid);
    };
    if session.status != "CREATED" {
        return not_created();
    }
    session.status = "COMPLETED";
    session.last_updated = OffsetDateTime::now_utc();
    let json = session.to_json("TRIGGERED");
    let (upserts, deletes) = (session.upserts.clone(), session.deletes.clone());
    for (external, profile) in upserts {
        upsert_user(&mut state, &external, &profile);
    }
    for external in deletes {
        if let Some(user) = state
            .directory
            .users
            .iter_mut()
            .find(|u| u.external_id.as_deref() == Some(external.as_str()))
        {
            user.set_status(UserStatus::Deprovisioned);
        }
    }
    audit(
        &mut state,
        "system.import.complete",
        "Import completed",
        &[json!({ "id": source, "type": "AppInstance" })],
    );
    Reply::json(200, json)
}

/// Creates or updates the user of `external`; Okta's `userName` is the login.
fn upsert_user(state: &mut OktaState, external: &str, profile: &Map<String, Value>) {
    let mut mapped = Map::new();
    for (k, v) in profile {
        let key = if k == "userName" { "login" } else { k.as_str() };
        mapped.insert(key.to_owned(), v.clone());
    }
    let login = mapped
        .get("login")
        .and_then(Value::as_str)
        .unwrap_or(external)
        .to_owned();
    let users = &mut state.directory.users;
    let existing = users
        .iter()
        .position(|u| u.external_id.as_deref() == Some(external))
        .or_else(|| {
            users
                .iter()
                .position(|u| u.login().eq_ignore_ascii_case(&login))
        });
    if let Some(user) = existing.and_then(|i| users.get_mut(i)) {
        user.profile.extend(mapped);
        user.external_id = Some(external.to_owned());
        user.last_updated = OffsetDateTime::now_utc();
        return;
    }
    let mut user = User::new(&login, UserStatus::Active);
    user.profile.extend(mapped);
    user.external_id = Some(external.to_owned());
    state.directory.users.push(user);
}
