//! Routing of the fake Okta server, and the user read, list, session and token endpoints.

use std::time::Instant;

use axum::http::Method;
use serde_json::{Value, json};

use super::okta::Shared;
use super::okta_filter::{Mode, parse};
use super::okta_http::Reply;
use super::okta_users::{LifecycleOp, SessionClear, User, UserStatus};
use super::record::Recorded;
use super::util::{decode_component, encode_strict, form_value, lock, parse_form};
use super::{okta_apps, okta_groups, okta_imports, okta_logs, okta_user_write};

/// Default and maximum page size for list, filter and search.
const PAGE_MAX: usize = 200;
/// Default result count for `q=`.
const Q_DEFAULT: usize = 10;

/// A routed Okta request. Path parameters are percent-decoded (`+` stays a plus).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    GetUser(String),
    ListUsers,
    CreateUser,
    UpdateUser(String, bool),
    DeleteUser(String),
    UserGroups(String),
    ClearSessions(String),
    Lifecycle(String, LifecycleOp),
    ListGroups,
    CreateGroup,
    GetGroup(String),
    UpdateGroup(String),
    DeleteGroup(String),
    GroupMembers(String),
    AddMember(String, String),
    RemoveMember(String, String),
    ListApps,
    GetApp(String),
    AppUsers(String),
    AssignUser(String),
    GetAppUser(String, String),
    RemoveAppUser(String, String),
    AppGroups(String),
    AssignGroup(String, String),
    GetAppGroup(String, String),
    RemoveAppGroup(String, String),
    Logs,
    CreateImport(String),
    ListImports(String),
    GetImport(String, String),
    DeleteImport(String, String),
    BulkImport(String, String, bool),
    StartImport(String, String),
    Token,
    NotAllowed(&'static str),
    Unknown,
}

/// Picks the route for the request's method among `(method, route)` pairs, or
/// `NotAllowed` with the allowed methods.
fn by_method(method: &Method, allow: &'static str, choices: Vec<(&str, Route)>) -> Route {
    choices
        .into_iter()
        .find(|(m, _)| *m == method.as_str())
        .map_or(Route::NotAllowed(allow), |(_, r)| r)
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
        let o = |s: &&str| (*s).to_owned();
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        match s.as_slice() {
            ["oauth2", "v1", "token"] => want("POST", Route::Token),
            ["api", "v1", "users"] => by_method(
                method,
                "GET, POST",
                vec![("GET", Route::ListUsers), ("POST", Route::CreateUser)],
            ),
            ["api", "v1", "users", id] if !id.is_empty() => by_method(
                method,
                "GET, POST, PUT, DELETE",
                vec![
                    ("GET", Route::GetUser(o(id))),
                    ("POST", Route::UpdateUser(o(id), true)),
                    ("PUT", Route::UpdateUser(o(id), false)),
                    ("DELETE", Route::DeleteUser(o(id))),
                ],
            ),
            ["api", "v1", "users", id, "groups"] if !id.is_empty() => {
                want("GET", Route::UserGroups(o(id)))
            }
            ["api", "v1", "users", id, "sessions"] if !id.is_empty() => {
                want("DELETE", Route::ClearSessions(o(id)))
            }
            ["api", "v1", "users", id, "lifecycle", op] if !id.is_empty() => {
                match LifecycleOp::parse(op) {
                    Some(op) => want("POST", Route::Lifecycle(o(id), op)),
                    None => Route::Unknown,
                }
            }
            ["api", "v1", "groups"] => by_method(
                method,
                "GET, POST",
                vec![("GET", Route::ListGroups), ("POST", Route::CreateGroup)],
            ),
            ["api", "v1", "groups", g] if !g.is_empty() => by_method(
                method,
                "GET, PUT, DELETE",
                vec![
                    ("GET", Route::GetGroup(o(g))),
                    ("PUT", Route::UpdateGroup(o(g))),
                    ("DELETE", Route::DeleteGroup(o(g))),
                ],
            ),
            ["api", "v1", "groups", g, "users"] if !g.is_empty() => {
                want("GET", Route::GroupMembers(o(g)))
            }
            ["api", "v1", "groups", g, "users", u] if !g.is_empty() && !u.is_empty() => by_method(
                method,
                "PUT, DELETE",
                vec![
                    ("PUT", Route::AddMember(o(g), o(u))),
                    ("DELETE", Route::RemoveMember(o(g), o(u))),
                ],
            ),
            ["api", "v1", "apps"] => want("GET", Route::ListApps),
            ["api", "v1", "apps", a] if !a.is_empty() => want("GET", Route::GetApp(o(a))),
            ["api", "v1", "apps", a, "users"] if !a.is_empty() => by_method(
                method,
                "GET, POST",
                vec![
                    ("GET", Route::AppUsers(o(a))),
                    ("POST", Route::AssignUser(o(a))),
                ],
            ),
            ["api", "v1", "apps", a, "users", u] if !a.is_empty() && !u.is_empty() => by_method(
                method,
                "GET, DELETE",
                vec![
                    ("GET", Route::GetAppUser(o(a), o(u))),
                    ("DELETE", Route::RemoveAppUser(o(a), o(u))),
                ],
            ),
            ["api", "v1", "apps", a, "groups"] if !a.is_empty() => {
                want("GET", Route::AppGroups(o(a)))
            }
            ["api", "v1", "apps", a, "groups", g] if !a.is_empty() && !g.is_empty() => by_method(
                method,
                "GET, PUT, DELETE",
                vec![
                    ("GET", Route::GetAppGroup(o(a), o(g))),
                    ("PUT", Route::AssignGroup(o(a), o(g))),
                    ("DELETE", Route::RemoveAppGroup(o(a), o(g))),
                ],
            ),
            ["api", "v1", "logs"] => want("GET", Route::Logs),
            ["api", "v1", "identity-sources", i, "sessions"] if !i.is_empty() => by_method(
                method,
                "GET, POST",
                vec![
                    ("GET", Route::ListImports(o(i))),
                    ("POST", Route::CreateImport(o(i))),
                ],
            ),
            ["api", "v1", "identity-sources", i, "sessions", x] if !i.is_empty() => by_method(
                method,
                "GET, DELETE",
                vec![
                    ("GET", Route::GetImport(o(i), o(x))),
                    ("DELETE", Route::DeleteImport(o(i), o(x))),
                ],
            ),
            ["api", "v1", "identity-sources", i, "sessions", x, action] if !i.is_empty() => {
                let route = match *action {
                    "bulk-upsert" => Route::BulkImport(o(i), o(x), true),
                    "bulk-delete" => Route::BulkImport(o(i), o(x), false),
                    "start" => Route::StartImport(o(i), o(x)),
                    _ => return Route::Unknown,
                };
                want("POST", route)
            }
            _ => Route::Unknown,
        }
    }

    /// The rate-limit bucket this request counts against.
    pub(crate) fn class(&self) -> &'static str {
        use Route as R;
        match self {
            R::GetUser(_) => "users.get",
            R::ListUsers => "users.list",
            R::CreateUser | R::UpdateUser(..) | R::DeleteUser(_) => "users.write",
            R::UserGroups(_) => "users.groups",
            R::ClearSessions(_) => "users.sessions",
            R::Lifecycle(..) => "users.lifecycle",
            R::ListGroups
            | R::CreateGroup
            | R::GetGroup(_)
            | R::UpdateGroup(_)
            | R::DeleteGroup(_)
            | R::GroupMembers(_)
            | R::AddMember(..)
            | R::RemoveMember(..) => "groups",
            R::ListApps
            | R::GetApp(_)
            | R::AppUsers(_)
            | R::AssignUser(_)
            | R::GetAppUser(..)
            | R::RemoveAppUser(..)
            | R::AppGroups(_)
            | R::AssignGroup(..)
            | R::GetAppGroup(..)
            | R::RemoveAppGroup(..) => "apps",
            R::Logs => "logs",
            R::CreateImport(_)
            | R::ListImports(_)
            | R::GetImport(..)
            | R::DeleteImport(..)
            | R::BulkImport(..)
            | R::StartImport(..) => "identity_sources",
            R::Token => "oauth2.token",
            R::NotAllowed(_) | R::Unknown => "other",
        }
    }

    /// The OAuth scope the endpoint requires.
    pub(crate) fn scope(&self) -> &'static str {
        use Route as R;
        match self {
            R::ClearSessions(_)
            | R::Lifecycle(..)
            | R::CreateUser
            | R::UpdateUser(..)
            | R::DeleteUser(_) => "okta.users.manage",
            R::ListGroups | R::GetGroup(_) | R::GroupMembers(_) => "okta.groups.read",
            R::CreateGroup
            | R::UpdateGroup(_)
            | R::DeleteGroup(_)
            | R::AddMember(..)
            | R::RemoveMember(..) => "okta.groups.manage",
            R::ListApps
            | R::GetApp(_)
            | R::AppUsers(_)
            | R::GetAppUser(..)
            | R::AppGroups(_)
            | R::GetAppGroup(..) => "okta.apps.read",
            R::AssignUser(_)
            | R::RemoveAppUser(..)
            | R::AssignGroup(..)
            | R::RemoveAppGroup(..) => "okta.apps.manage",
            R::Logs => "okta.logs.read",
            R::ListImports(_) | R::GetImport(..) => "okta.identitySources.read",
            R::CreateImport(_) | R::DeleteImport(..) | R::BulkImport(..) | R::StartImport(..) => {
                "okta.identitySources.manage"
            }
            _ => "okta.users.read",
        }
    }
}

/// Answers an authenticated, rate-limit-checked request.
pub(crate) fn dispatch(shared: &Shared, route: Route, record: &Recorded) -> Reply {
    use Route as R;
    let query = parse_form(record.query.as_deref().unwrap_or_default());
    let path = record.path.as_str();
    let body = record.body.as_str();
    match route {
        R::GetUser(key) => get_user(shared, &key),
        R::ListUsers => list_users(shared, path, &query),
        R::CreateUser => okta_user_write::create_user(shared, body, &query),
        R::UpdateUser(key, partial) => okta_user_write::update_user(shared, &key, body, partial),
        R::DeleteUser(key) => okta_user_write::delete_user(shared, &key),
        R::UserGroups(key) => okta_groups::user_groups(shared, &key, path, &query),
        R::ClearSessions(id) => clear_sessions(shared, &id, &query),
        R::Lifecycle(key, op) => okta_user_write::lifecycle(shared, &key, op, &query),
        R::ListGroups => okta_groups::list_groups(shared, path, &query),
        R::CreateGroup => okta_groups::create_group(shared, body),
        R::GetGroup(id) => okta_groups::get_group(shared, &id),
        R::UpdateGroup(id) => okta_groups::update_group(shared, &id, body),
        R::DeleteGroup(id) => okta_groups::delete_group(shared, &id),
        R::GroupMembers(id) => okta_groups::list_members(shared, &id, path, &query),
        R::AddMember(g, u) => okta_groups::change_member(shared, &g, &u, true),
        R::RemoveMember(g, u) => okta_groups::change_member(shared, &g, &u, false),
        R::ListApps => okta_apps::list_apps(shared, path, &query),
        R::GetApp(id) => okta_apps::get_app(shared, &id),
        R::AppUsers(id) => okta_apps::list_app_users(shared, &id, path, &query),
        R::AssignUser(id) => okta_apps::assign_user(shared, &id, body),
        R::GetAppUser(a, u) => okta_apps::get_app_user(shared, &a, &u),
        R::RemoveAppUser(a, u) => okta_apps::remove_user(shared, &a, &u),
        R::AppGroups(id) => okta_apps::list_app_groups(shared, &id, path, &query),
        R::AssignGroup(a, g) => okta_apps::assign_group(shared, &a, &g, body),
        R::GetAppGroup(a, g) => okta_apps::get_app_group(shared, &a, &g),
        R::RemoveAppGroup(a, g) => okta_apps::remove_group(shared, &a, &g),
        R::Logs => okta_logs::list_logs(shared, path, &query),
        R::CreateImport(i) => okta_imports::create_session(shared, &i),
        R::ListImports(i) => okta_imports::list_sessions(shared, &i),
        R::GetImport(i, x) => okta_imports::get_session(shared, &i, &x),
        R::DeleteImport(i, x) => okta_imports::delete_session(shared, &i, &x),
        R::BulkImport(i, x, upsert) => okta_imports::bulk(shared, &i, &x, body, upsert),
        R::StartImport(i, x) => okta_imports::start_session(shared, &i, &x),
        R::Token => token_endpoint(shared, record),
        R::NotAllowed(allow) => Reply::method_not_allowed(allow),
        R::Unknown => Reply::path_not_found(),
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
