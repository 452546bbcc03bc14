//! Routing and endpoint logic of the fake Okta server (users, sessions, lifecycle, token).

use std::time::Instant;

use axum::http::Method;
use serde_json::{Value, json};

use super::okta::{Shared, opaque_token};
use super::okta_filter::{Mode, parse};
use super::okta_http::Reply;
use super::okta_users::{LifecycleOp, Refusal, SessionClear, User, UserStatus, transition};
use super::record::Recorded;
use super::util::{decode_component, encode_strict, form_value, lock, parse_form};

/// Default and maximum page size for list, filter and search.
const PAGE_MAX: usize = 200;
/// Default result count for `q=`.
const Q_DEFAULT: usize = 10;

/// A routed Okta request. Path parameters are percent-decoded (`+` stays a plus).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    GetUser(String),
    ListUsers,
    ClearSessions(String),
    Lifecycle(String, LifecycleOp),
    Token,
    NotAllowed(&'static str),
    Unknown,
}

impl Route {
    /// Routes a method and raw (percent-encoded) path.
    pub(crate) fn parse(method: &Method, raw_path: &str) -> Route {
        let mut segments: Vec<String> = raw_path
            .trim_start_matches('/')
            .split('/')
            .map(|s| decode_component(s, false))
            .collect();
        if segments.len() > 1 && segments.last().is_some_and(String::is_empty) {
            segments.pop();
        }
        let want = |allowed: &'static str, route: Route| {
            if method.as_str() == allowed {
                route
            } else {
                Route::NotAllowed(allowed)
            }
        };
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        match s.as_slice() {
            ["oauth2", "v1", "token"] => want("POST", Route::Token),
            ["api", "v1", "users"] => want("GET", Route::ListUsers),
            ["api", "v1", "users", id] if !id.is_empty() => {
                want("GET", Route::GetUser((*id).to_owned()))
            }
            ["api", "v1", "users", id, "sessions"] if !id.is_empty() => {
                want("DELETE", Route::ClearSessions((*id).to_owned()))
            }
            ["api", "v1", "users", id, "lifecycle", op] if !id.is_empty() => {
                match LifecycleOp::parse(op) {
                    Some(op) => want("POST", Route::Lifecycle((*id).to_owned(), op)),
                    None => Route::Unknown,
                }
            }
            _ => Route::Unknown,
        }
    }

    /// The rate-limit bucket this request counts against.
    pub(crate) fn class(&self) -> &'static str {
        match self {
            Route::GetUser(_) => "users.get",
            Route::ListUsers => "users.list",
            Route::ClearSessions(_) => "users.sessions",
            Route::Lifecycle(..) => "users.lifecycle",
            Route::Token => "oauth2.token",
            Route::NotAllowed(_) | Route::Unknown => "other",
        }
    }

    /// The OAuth scope the endpoint requires.
    pub(crate) fn scope(&self) -> &'static str {
        match self {
            Route::ClearSessions(_) | Route::Lifecycle(..) => "okta.users.manage",
            _ => "okta.users.read",
        }
    }
}

/// Answers an authenticated, rate-limit-checked request.
pub(crate) fn dispatch(shared: &Shared, route: Route, record: &Recorded) -> Reply {
    let query = parse_form(record.query.as_deref().unwrap_or_default());
    match route {
        Route::GetUser(key) => get_user(shared, &key),
        Route::ListUsers => list_users(shared, &record.path, &query),
        Route::ClearSessions(id) => clear_sessions(shared, &id, &query),
        Route::Lifecycle(key, op) => lifecycle(shared, &key, op, &query),
        Route::Token => token_endpoint(shared, record),
        Route::NotAllowed(allow) => Reply::method_not_allowed(allow),
        Route::Unknown => Reply::path_not_found(),
    }
}

fn get_user(shared: &Shared, key: &str) -> Reply {
    let state = lock(&shared.state);
    let user = state
        .directory
        .index_by_id_or_login(key)
        .and_then(|i| state.directory.users.get(i));
    match user {
        Some(user) => {
            let etag = format!(
                "W/\"{}\"",
                user.last_updated.unix_timestamp_nanos() / 1_000_000
            );
            Reply::json(200, user.to_json(&shared.base_url, true)).with_header("etag", etag)
        }
        None => Reply::user_not_found(key),
    }
}

fn bad_request(param: &str, detail: &str) -> Reply {
    Reply::error(
        400,
        "E0000001",
        &format!("Api validation failed: {param}"),
        &[&format!("Invalid {param} expression: {detail}")],
    )
}

fn list_users(shared: &Shared, path: &str, query: &[(String, String)]) -> Reply {
    let state = lock(&shared.state);
    let users = &state.directory.users;
    let mut carried: Vec<(&str, String)> = Vec::new();
    let mut paginate = true;
    let mut default_limit = PAGE_MAX;
    let selected: Vec<(usize, &User)> = if let Some((mode, text)) = [Mode::Filter, Mode::Search]
        .into_iter()
        .find_map(|m| form_value(query, m.param()).map(|t| (m, t)))
    {
        let expr = match parse(text, mode) {
            Ok(expr) => expr,
            Err(detail) => return bad_request(mode.param(), &detail),
        };
        carried.push((mode.param(), text.to_owned()));
        users
            .iter()
            .enumerate()
            .filter(|(_, u)| expr.matches(u, mode))
            .collect()
    } else if let Some(q) = form_value(query, "q") {
        paginate = false;
        default_limit = Q_DEFAULT;
        let q = q.to_lowercase();
        users
            .iter()
            .enumerate()
            .filter(|(_, u)| u.status != UserStatus::Deprovisioned)
            .filter(|(_, u)| {
                ["profile.firstName", "profile.lastName", "profile.email"]
                    .iter()
                    .filter_map(|a| u.attribute(a))
                    .any(|v| v.to_lowercase().starts_with(&q))
            })
            .collect()
    } else {
        users
            .iter()
            .enumerate()
            .filter(|(_, u)| u.status != UserStatus::Deprovisioned)
            .collect()
    };

    let limit = form_value(query, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .map_or(default_limit, |l| l.min(PAGE_MAX));
    let start_after = match form_value(query, "after").filter(|_| paginate) {
        Some(after) => match state.directory.index_by_id(after) {
            Some(i) => Some(i),
            None => return Reply::json(200, json!([])),
        },
        None => None,
    };
    let mut remaining = selected
        .into_iter()
        .filter(|(i, _)| start_after.is_none_or(|after| *i > after));
    let page: Vec<&User> = remaining.by_ref().take(limit).map(|(_, u)| u).collect();
    let more = paginate && remaining.next().is_some();

    let body = Value::Array(
        page.iter()
            .map(|u| u.to_json(&shared.base_url, false))
            .collect(),
    );
    if !paginate {
        return Reply::json(200, body);
    }
    let link = |after: Option<&str>| {
        let mut params = carried.clone();
        params.push(("limit", limit.to_string()));
        if let Some(after) = after {
            params.push(("after", after.to_owned()));
        }
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_strict(v)))
            .collect();
        format!("{}{path}?{}", shared.base_url, query.join("&"))
    };
    let current_after = form_value(query, "after");
    let mut reply = Reply::json(200, body)
        .with_header("link", format!("<{}>; rel=\"self\"", link(current_after)));
    if more && let Some(last) = page.last() {
        reply = reply.with_header("link", format!("<{}>; rel=\"next\"", link(Some(&last.id))));
    }
    reply
}

fn bool_param(query: &[(String, String)], name: &str) -> Option<bool> {
    form_value(query, name).map(|v| v.eq_ignore_ascii_case("true"))
}

fn clear_sessions(shared: &Shared, id: &str, query: &[(String, String)]) -> Reply {
    let mut state = lock(&shared.state);
    let Some(index) = state.directory.index_by_id(id) else {
        return Reply::user_not_found(id);
    };
    let Some(user) = state.directory.users.get_mut(index) else {
        return Reply::user_not_found(id);
    };
    user.session_clears.push(SessionClear {
        oauth_tokens: bool_param(query, "oauthTokens").unwrap_or(false),
        forget_devices: bool_param(query, "forgetDevices"),
        at: Instant::now(),
    });
    Reply::empty(204)
}

fn lifecycle(shared: &Shared, key: &str, op: LifecycleOp, query: &[(String, String)]) -> Reply {
    let mut state = lock(&shared.state);
    let Some(user) = state
        .directory
        .index_by_id_or_login(key)
        .and_then(|i| state.directory.users.get_mut(i))
    else {
        return Reply::user_not_found(key);
    };
    match transition(op, user.status) {
        Ok(next) => {
            user.set_status(next);
            let send_email = bool_param(query, "sendEmail").unwrap_or(true);
            if op == LifecycleOp::Activate && !send_email {
                let token = opaque_token();
                Reply::json(
                    200,
                    json!({
                        "activationUrl": format!("{}/welcome/{token}", shared.base_url),
                        "activationToken": token,
                    }),
                )
            } else {
                Reply::json(200, json!({}))
            }
        }
        Err(Refusal::NotFound) => Reply::user_not_found(key),
        Err(Refusal::Error {
            status,
            code,
            summary,
            causes,
        }) => Reply::error(status, code, summary, &causes),
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        json!({ "error": error, "error_description": description }),
    )
}

/// `POST /oauth2/v1/token` (client credentials). Any non-empty `client_assertion` or
/// `client_secret` is accepted; the answer carries [`FakeOkta::access_token`](super::FakeOkta::access_token).
pub(crate) fn token_endpoint(shared: &Shared, record: &Recorded) -> Reply {
    let form = parse_form(&record.body);
    if form_value(&form, "grant_type") != Some("client_credentials") {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        );
    }
    let authenticated = ["client_assertion", "client_secret"]
        .iter()
        .any(|k| form_value(&form, k).is_some_and(|v| !v.is_empty()));
    if !authenticated {
        return oauth_error(401, "invalid_client", "Client authentication failed.");
    }
    let Some(scope) = form_value(&form, "scope").filter(|s| !s.is_empty()) else {
        return oauth_error(
            400,
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        );
    };
    Reply::json(
        200,
        json!({
            "token_type": "Bearer",
            "expires_in": 3600,
            "access_token": shared.access_token,
            "scope": scope,
        }),
    )
    .with_header("cache-control", "no-cache, no-store")
}
