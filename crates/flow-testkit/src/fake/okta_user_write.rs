//! Writes to fake Okta users: `POST /api/v1/users` (create, with or without activation),
//! `POST`/`PUT /api/v1/users/{id}` (partial or full profile update), `DELETE
//! /api/v1/users/{id}` (deactivate first, then delete) and the lifecycle operations.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::okta::{OktaState, Shared, opaque_token};
use super::okta_http::Reply;
use super::okta_logs::audit;
use super::okta_users::{LifecycleOp, Refusal, User, UserStatus, transition};
use super::util::{form_value, lock};

/// The profile attributes Okta's default user schema requires.
const REQUIRED: [&str; 4] = ["login", "email", "firstName", "lastName"];

fn validation(field: &str, cause: &str) -> Reply {
    Reply::error(
        400,
        "E0000001",
        &format!("Api validation failed: {field}"),
        &[&format!("{field}: {cause}")],
    )
}

fn malformed() -> Reply {
    Reply::error(
        400,
        "E0000003",
        "The request body was not well-formed.",
        &[],
    )
}

fn not_in_status() -> Reply {
    Reply::error(
        403,
        "E0000038",
        "This operation is not allowed in the user's current status.",
        &[],
    )
}

fn check_profile(
    state: &OktaState,
    profile: &Map<String, Value>,
    except: Option<&str>,
) -> Result<(), Reply> {
    for field in REQUIRED {
        let blank = profile
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty());
        if blank {
            return Err(validation(field, "The field cannot be left blank"));
        }
    }
    let login = profile
        .get("login")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let taken = state
        .directory
        .users
        .iter()
        .any(|u| u.login().eq_ignore_ascii_case(login) && Some(u.id.as_str()) != except);
    if taken {
        return Err(validation(
            "login",
            "An object with this field already exists in the current organization",
        ));
    }
    Ok(())
}

fn bool_param(query: &[(String, String)], name: &str) -> Option<bool> {
    form_value(query, name).map(|v| v.eq_ignore_ascii_case("true"))
}

/// `POST /api/v1/users[?activate=false]` with `{profile, credentials: {password: {value}},
/// groupIds}`. With activation (the default) a user with a password is ACTIVE, one without is
/// PROVISIONED; `activate=false` gives STAGED. The password itself is never kept.
pub(crate) fn create_user(shared: &Shared, body: &str, query: &[(String, String)]) -> Reply {
    let Ok(parsed) = serde_json::from_str::<Value>(body) else {
        return malformed();
    };
    let profile = parsed
        .get("profile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let has_password = parsed
        .pointer("/credentials/password/value")
        .and_then(Value::as_str)
        .is_some_and(|p| !p.is_empty());
    let group_ids: Vec<String> = parsed
        .get("groupIds")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut state = lock(&shared.state);
    if let Err(reply) = check_profile(&state, &profile, None) {
        return reply;
    }
    if let Some(missing) = group_ids.iter().find(|g| state.group_index(g).is_none()) {
        return validation("groupIds", &format!("Group {missing} does not exist"));
    }
    let activate = bool_param(query, "activate").unwrap_or(true);
    let status = match (activate, has_password) {
        (false, _) => UserStatus::Staged,
        (true, true) => UserStatus::Active,
        (true, false) => UserStatus::Provisioned,
    };
    let login = profile
        .get("login")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut user = User::new(&login, status);
    user.profile = profile;
    if activate {
        user.activated = Some(user.created);
        user.status_changed = Some(user.created);
    }
    if has_password {
        user.password_changed = Some(user.created);
    }
    for gid in &group_ids {
        if let Some(g) = state.group_index(gid).and_then(|i| state.groups.get_mut(i)) {
            g.add_member(&user.id);
        }
    }
    let mut json = user.to_json(&shared.base_url, true);
    if has_password && let Some(creds) = json.get_mut("credentials").and_then(Value::as_object_mut)
    {
        creds.insert("password".into(), json!({}));
    }
    audit(
        &mut state,
        "user.lifecycle.create",
        "Create okta user",
        &[user.log_target()],
    );
    state.directory.users.push(user);
    Reply::json(200, json)
}

/// `POST /api/v1/users/{id}` (partial: merges the given profile attributes) or `PUT` (full:
/// replaces the profile). 403 E0000038 for a DEPROVISIONED user.
pub(crate) fn update_user(shared: &Shared, key: &str, body: &str, partial: bool) -> Reply {
    let Ok(parsed) = serde_json::from_str::<Value>(body) else {
        return malformed();
    };
    let given = parsed
        .get("profile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut state = lock(&shared.state);
    let Some(index) = state.directory.index_by_id_or_login(key) else {
        return Reply::user_not_found(key);
    };
    let Some(user) = state.directory.users.get(index) else {
        return Reply::user_not_found(key);
    };
    if user.status == UserStatus::Deprovisioned {
        return not_in_status();
    }
    let mut profile = if partial {
        user.profile.clone()
    } else {
        Map::new()
    };
    profile.extend(given);
    let id = user.id.clone();
    if let Err(reply) = check_profile(&state, &profile, Some(&id)) {
        return reply;
    }
    let Some(user) = state.directory.users.get_mut(index) else {
        return Reply::user_not_found(key);
    };
    user.profile = profile;
    user.last_updated = OffsetDateTime::now_utc();
    let json = user.to_json(&shared.base_url, true);
    let target = user.log_target();
    audit(
        &mut state,
        "user.account.update_profile",
        "Update user profile for Okta",
        &[target],
    );
    Reply::json(200, json)
}

/// `DELETE /api/v1/users/{id}`: deactivates a user that is not DEPROVISIONED, deletes one that
/// is (and drops its group memberships and app assignments). 204 both times.
pub(crate) fn delete_user(shared: &Shared, key: &str) -> Reply {
    let mut state = lock(&shared.state);
    let Some(index) = state.directory.index_by_id_or_login(key) else {
        return Reply::user_not_found(key);
    };
    let Some(user) = state.directory.users.get_mut(index) else {
        return Reply::user_not_found(key);
    };
    let target = user.log_target();
    if user.status != UserStatus::Deprovisioned {
        user.set_status(UserStatus::Deprovisioned);
        audit(
            &mut state,
            "user.lifecycle.deactivate",
            "Deactivate Okta user",
            &[target],
        );
        return Reply::empty(204);
    }
    let user = state.directory.users.remove(index);
    for g in &mut state.groups {
        g.remove_member(&user.id);
    }
    for app in &mut state.apps {
        app.users.retain(|a| a.user_id != user.id);
    }
    audit(
        &mut state,
        "user.lifecycle.delete.initiated",
        "Delete Okta user",
        &[target],
    );
    Reply::empty(204)
}

fn event_of(op: LifecycleOp) -> (&'static str, &'static str) {
    match op {
        LifecycleOp::Suspend => ("user.lifecycle.suspend", "Suspend Okta user"),
        LifecycleOp::Unsuspend => ("user.lifecycle.unsuspend", "Unsuspend Okta user"),
        LifecycleOp::Deactivate => ("user.lifecycle.deactivate", "Deactivate Okta user"),
        LifecycleOp::Activate => ("user.lifecycle.activate", "Activate Okta user"),
        LifecycleOp::Unlock => ("user.account.unlock", "Unlock user account"),
        LifecycleOp::Reactivate => ("user.lifecycle.reactivate", "Reactivate Okta user"),
        LifecycleOp::ResetPassword => (
            "user.account.reset_password",
            "Fired when the user's Okta password is reset",
        ),
        LifecycleOp::ExpirePassword => (
            "user.account.expire_password",
            "Fired when the user's Okta password is expired",
        ),
    }
}

/// `POST /api/v1/users/{id}/lifecycle/{op}`.
pub(crate) fn lifecycle(
    shared: &Shared,
    key: &str,
    op: LifecycleOp,
    query: &[(String, String)],
) -> Reply {
    let mut state = lock(&shared.state);
    let Some(user) = state
        .directory
        .index_by_id_or_login(key)
        .and_then(|i| state.directory.users.get_mut(i))
    else {
        return Reply::user_not_found(key);
    };
    let next = match transition(op, user.status) {
        Ok(next) => next,
        Err(Refusal::NotFound) => return Reply::user_not_found(key),
        Err(Refusal::Error {
            status,
            code,
            summary,
            causes,
        }) => return Reply::error(status, code, summary, &causes),
    };
    user.set_status(next);
    let send_email = bool_param(query, "sendEmail").unwrap_or(true);
    let base = &shared.base_url;
    let reply = match op {
        LifecycleOp::Activate | LifecycleOp::Reactivate if !send_email => {
            let token = opaque_token();
            Reply::json(
                200,
                json!({
                    "activationUrl": format!("{base}/welcome/{token}"),
                    "activationToken": token,
                }),
            )
        }
        LifecycleOp::ResetPassword if !send_email => Reply::json(
            200,
            json!({ "resetPasswordUrl": format!("{base}/reset_password/{}", opaque_token()) }),
        ),
        LifecycleOp::ExpirePassword if bool_param(query, "tempPassword") == Some(true) => {
            Reply::json(200, json!({ "tempPassword": opaque_token() }))
        }
        LifecycleOp::ExpirePassword => Reply::json(200, user.to_json(base, true)),
        _ => Reply::json(200, json!({})),
    };
    let target = user.log_target();
    let (kind, text) = event_of(op);
    audit(&mut state, kind, text, &[target]);
    reply
}
