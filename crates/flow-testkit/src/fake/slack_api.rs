//! Request handling of the fake Slack server: faults, `chat.postMessage`, `auth.test`,
//! users, channels (open, invite, list) and incoming webhooks.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode};
use serde_json::{Map, Value, json};

use super::faults::SlackFault;
use super::record::Recorded;
use super::slack::{
    BOT_ID, BOT_USER_ID, Channel, PostedMessage, SlackShared, SlackState, TEAM_ID, WEBHOOK_SERVICE,
};
use super::util::{
    add_header, drop_connection, epoch_secs_now, form_value, lock, parse_form, random_alnum,
    response,
};

const MAX_BODY: usize = 2 * 1024 * 1024;
/// Slack truncates message text above this many characters.
const TEXT_LIMIT: usize = 40_000;
/// Slack accepts at most this many blocks.
const BLOCKS_LIMIT: usize = 50;

fn api_json(status: u16, body: &Value) -> Response<Body> {
    let mut resp = response(status, body.to_string());
    add_header(&mut resp, "content-type", "application/json; charset=utf-8");
    add_header(&mut resp, "x-slack-req-id", &random_alnum(32));
    resp
}

fn ok_false(error: &str) -> Response<Body> {
    api_json(200, &json!({ "ok": false, "error": error }))
}

fn plain(status: u16, text: &str) -> Response<Body> {
    let mut resp = response(status, text.to_owned());
    add_header(&mut resp, "content-type", "text/plain");
    resp
}

fn html_error(status: u16) -> Response<Body> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut resp = response(
        status,
        format!(
            "<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
        ),
    );
    add_header(&mut resp, "content-type", "text/html");
    resp
}

fn webhook_error_status(code: &str) -> u16 {
    match code {
        "action_prohibited" | "invalid_token" | "posting_to_general_channel_denied" => 403,
        "channel_not_found" | "no_service" | "no_active_hooks" => 404,
        "channel_is_archived" => 410,
        "rollup_error" => 500,
        _ => 400,
    }
}

fn fault_response(fault: &SlackFault, webhook: bool) -> Option<Response<Body>> {
    match fault {
        SlackFault::Delay { .. } | SlackFault::Hold { .. } | SlackFault::DropConnection { .. } => {
            None
        }
        SlackFault::RateLimit {
            retry_after_secs, ..
        } => {
            let mut resp = if webhook {
                plain(429, "ratelimited")
            } else {
                api_json(429, &json!({ "ok": false, "error": "ratelimited" }))
            };
            add_header(&mut resp, "retry-after", &retry_after_secs.to_string());
            Some(resp)
        }
        SlackFault::ServerError { status, .. } => Some(match (webhook, *status) {
            (false, 500) => api_json(500, &json!({ "ok": false, "error": "internal_error" })),
            (true, 500) => plain(500, "rollup_error"),
            (_, other) => html_error(other),
        }),
        SlackFault::OkFalse { error, .. } => Some(if webhook {
            plain(webhook_error_status(error), error)
        } else {
            ok_false(error)
        }),
    }
}

/// The single entry point of the fake Slack router.
pub(crate) async fn handle(
    State(shared): State<Arc<SlackShared>>,
    request: Request,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let record = Recorded::from_parts(&parts, &bytes);
    let fault = {
        let mut state = lock(&shared.state);
        state.requests.push(record.clone());
        state.faults.take(&record.path)
    };
    let webhook = record.path.starts_with("/services/");
    match fault {
        Some(SlackFault::Delay { delay, .. }) => tokio::time::sleep(delay).await,
        Some(SlackFault::Hold { gate, .. }) => gate.pass().await,
        Some(SlackFault::DropConnection { .. }) => return drop_connection(&parts).await,
        Some(fault) => {
            if let Some(resp) = fault_response(&fault, webhook) {
                return resp;
            }
        }
        None => {}
    }
    if webhook {
        return incoming_webhook(&shared, &record);
    }
    match record.path.as_str() {
        "/api/chat.postMessage" | "/api/chat.postMessage/" => post_message(&shared, &record),
        "/api/auth.test" => auth_test(&shared, &record),
        "/api/users.lookupByEmail" => lookup_by_email(&shared, &record),
        "/api/conversations.open" => open_dm(&shared, &record),
        "/api/conversations.invite" => invite(&shared, &record),
        "/api/conversations.list" => list_channels(&shared, &record),
        "/api/users.info" => user_info(&shared, &record),
        "/api/chat.update" => edit_message(&shared, &record, Edit::Update),
        "/api/chat.delete" => edit_message(&shared, &record, Edit::Delete),
        "/api/reactions.add" => edit_message(&shared, &record, Edit::React),
        p if p.starts_with("/api/") => ok_false("unknown_method"),
        _ => plain(404, "not_found"),
    }
}

/// The arguments of a Web API call: parsed body (or an error code) and a form-body token.
struct Args {
    params: Result<Map<String, Value>, &'static str>,
    form_token: Option<String>,
    warnings: Vec<&'static str>,
}

fn parse_args(record: &Recorded) -> Args {
    let content_type = record
        .header("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        let warnings = if content_type.contains("charset") {
            Vec::new()
        } else {
            vec!["missing_charset"]
        };
        let params = match serde_json::from_str::<Value>(&record.body) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err("invalid_json"),
        };
        return Args {
            params,
            form_token: None,
            warnings,
        };
    }
    if !content_type.is_empty() && !content_type.starts_with("application/x-www-form-urlencoded") {
        return Args {
            params: Err("invalid_form_data"),
            form_token: None,
            warnings: Vec::new(),
        };
    }
    let pairs = parse_form(&record.body);
    let form_token = form_value(&pairs, "token").map(str::to_owned);
    let mut map = Map::new();
    for (key, value) in pairs {
        if key != "token" {
            map.insert(key, Value::String(value));
        }
    }
    Args {
        params: Ok(map),
        form_token,
        warnings: Vec::new(),
    }
}

/// Checks the bearer (or form) token; `Some(error)` when the call must be refused.
fn auth_error(
    shared: &SlackShared,
    record: &Recorded,
    form_token: Option<&str>,
) -> Option<&'static str> {
    let token = match record.header("authorization") {
        Some(value) => match value.trim().split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("Bearer") => token.trim(),
            _ => return Some("invalid_auth"),
        },
        None => form_token?,
    };
    (token != shared.bot_token).then_some("invalid_auth")
}

fn auth_test(shared: &SlackShared, record: &Recorded) -> Response<Body> {
    let args = parse_args(record);
    let form_token = args.form_token.as_deref();
    if record.header("authorization").is_none() && form_token.is_none() {
        return ok_false("not_authed");
    }
    if let Some(error) = auth_error(shared, record, form_token) {
        return ok_false(error);
    }
    api_json(
        200,
        &json!({
            "ok": true,
            "url": format!("{}/", shared.base_url),
            "team": "Fake Team",
            "user": "flowctl-bot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": false,
        }),
    )
}

/// `conversations.open` with one member in `users`: the bot's direct-message channel with them
/// (`D` + their id, created on first use, so `chat.postMessage` can post to it), or
/// `user_not_found`.
fn open_dm(shared: &SlackShared, record: &Recorded) -> Response<Body> {
    let args = parse_args(record);
    let form_token = args.form_token.as_deref();
    if record.header("authorization").is_none() && form_token.is_none() {
        return ok_false("not_authed");
    }
    if let Some(error) = auth_error(shared, record, form_token) {
        return ok_false(error);
    }
    let Some(user) = args
        .params
        .ok()
        .and_then(|p| p.get("users").and_then(Value::as_str).map(str::to_owned))
        .filter(|u| !u.is_empty() && !u.contains(','))
    else {
        return ok_false("invalid_arguments");
    };
    let mut state = lock(&shared.state);
    let Some(member) = state.members.iter().find(|m| m.id == user) else {
        return ok_false("user_not_found");
    };
    let id = format!("D{}", member.id);
    let name = format!("@{}", member.name);
    if !state.channels.iter().any(|c| c.id == id) {
        state.channels.push(Channel {
            id: id.clone(),
            name,
            archived: false,
            bot_is_member: true,
            members: Vec::new(),
        });
    }
    api_json(200, &json!({ "ok": true, "channel": { "id": id } }))
}

/// `users.lookupByEmail`: the `email` argument from the query string or a form body; the
/// member, or `users_not_found`.
fn lookup_by_email(shared: &SlackShared, record: &Recorded) -> Response<Body> {
    let args = parse_args(record);
    let form_token = args.form_token.as_deref();
    if record.header("authorization").is_none() && form_token.is_none() {
        return ok_false("not_authed");
    }
    if let Some(error) = auth_error(shared, record, form_token) {
        return ok_false(error);
    }
    let query = parse_form(record.query.as_deref().unwrap_or_default());
    let email = form_value(&query, "email").map(str::to_owned).or_else(|| {
        args.params
            .ok()
            .and_then(|p| p.get("email").and_then(Value::as_str).map(str::to_owned))
    });
    let Some(email) = email.filter(|e| !e.is_empty()) else {
        return ok_false("invalid_arguments");
    };
    let state = lock(&shared.state);
    let Some(m) = state
        .members
        .iter()
        .find(|m| m.email.eq_ignore_ascii_case(&email))
    else {
        return ok_false("users_not_found");
    };
    api_json(
        200,
        &json!({
            "ok": true,
            "user": {
                "id": m.id,
                "team_id": TEAM_ID,
                "name": m.name,
                "deleted": false,
                "real_name": m.name,
                "is_bot": false,
                "profile": { "email": m.email, "real_name": m.name, "display_name": m.name },
            },
        }),
    )
}

/// Refuses a call without a valid token: `Some(answer)` when it must be refused.
fn refused(shared: &SlackShared, record: &Recorded, args: &Args) -> Option<Response<Body>> {
    let form_token = args.form_token.as_deref();
    if record.header("authorization").is_none() && form_token.is_none() {
        return Some(ok_false("not_authed"));
    }
    auth_error(shared, record, form_token).map(ok_false)
}

/// An argument from the body (JSON or form) or the query string.
fn arg(record: &Recorded, args: &Args, name: &str) -> Option<String> {
    let from_body = args.params.as_ref().ok().and_then(|p| match p.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    });
    from_body.or_else(|| {
        let query = parse_form(record.query.as_deref().unwrap_or_default());
        form_value(&query, name).map(str::to_owned)
    })
}

/// The member object of `users.lookupByEmail` and `users.info`.
fn member_json(m: &super::slack::Member) -> Value {
    json!({
        "id": m.id,
        "team_id": TEAM_ID,
        "name": m.name,
        "deleted": false,
        "real_name": m.name,
        "is_bot": false,
        "profile": { "email": m.email, "real_name": m.name, "display_name": m.name },
    })
}

/// `users.info`: the member with id `user`, or `user_not_found`.
fn user_info(shared: &SlackShared, record: &Recorded) -> Response<Body> {
    let args = parse_args(record);
    if let Some(refusal) = refused(shared, record, &args) {
        return refusal;
    }
    let Some(user) = arg(record, &args, "user").filter(|u| !u.is_empty()) else {
        return ok_false("invalid_arguments");
    };
    let state = lock(&shared.state);
    match state.members.iter().find(|m| m.id == user) {
        Some(m) => api_json(200, &json!({ "ok": true, "user": member_json(m) })),
        None => ok_false("user_not_found"),
    }
}

/// `conversations.invite`: adds `users` (comma-separated ids) to `channel`. As Slack: the bot
/// must be a member (`not_in_channel`), every user must exist (`user_not_found`), and a user
/// already in the channel refuses the whole call (`already_in_channel`, with `errors`).
fn invite(shared: &SlackShared, record: &Recorded) -> Response<Body> {
    let args = parse_args(record);
    if let Some(refusal) = refused(shared, record, &args) {
        return refusal;
    }
    let (Some(channel), Some(users)) = (arg(record, &args, "channel"), arg(record, &args, "users"))
    else {
        return ok_false("invalid_arguments");
    };
    let users: Vec<String> = users
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    if users.is_empty() {
        return ok_false("no_user");
    }
    let mut state = lock(&shared.state);
    if let Some(unknown) = users
        .iter()
        .find(|u| !state.members.iter().any(|m| &&m.id == u))
    {
        let errors = json!([{ "user": unknown, "ok": false, "error": "user_not_found" }]);
        return api_json(
            200,
            &json!({ "ok": false, "error": "user_not_found", "errors": errors }),
        );
    }
    let Some(c) = state.channels.iter_mut().find(|c| c.id == channel) else {
        return ok_false("channel_not_found");
    };
    if c.archived {
        return ok_false("is_archived");
    }
    if !c.bot_is_member {
        return ok_false("not_in_channel");
    }
    let already: Vec<Value> = users
        .iter()
        .filter(|u| c.members.contains(u))
        .map(|u| json!({ "user": u, "ok": false, "error": "already_in_channel" }))
        .collect();
    if !already.is_empty() {
        return api_json(
            200,
            &json!({ "ok": false, "error": "already_in_channel", "errors": already }),
        );
    }
    c.members.extend(users);
    let body = json!({ "ok": true, "channel": channel_json(c) });
    api_json(200, &body)
}

fn channel_json(c: &Channel) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "is_channel": !c.id.starts_with('D'),
        "is_private": c.id.starts_with('G'),
        "is_archived": c.archived,
        "is_member": c.bot_is_member,
    })
}

/// `conversations.list`: the channels (direct messages aside), `limit` per page (default 100)
/// from `cursor` (a position), archived ones left out when `exclude_archived` is `true`;
/// `response_metadata.next_cursor` is empty on the last page.
fn list_channels(shared: &SlackShared, record: &Recorded) -> Response<Body> {
    let args = parse_args(record);
    if let Some(refusal) = refused(shared, record, &args) {
        return refusal;
    }
    let limit = arg(record, &args, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(100);
    let start = match arg(record, &args, "cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => match c.strip_prefix("pos:").and_then(|p| p.parse::<usize>().ok()) {
            Some(p) => p,
            None => return ok_false("invalid_cursor"),
        },
    };
    let exclude_archived = arg(record, &args, "exclude_archived").as_deref() == Some("true");
    let state = lock(&shared.state);
    let limit = state.page_size.map_or(limit, |p| p.min(limit));
    let all: Vec<&Channel> = state
        .channels
        .iter()
        .filter(|c| !(c.id.starts_with('D') || (exclude_archived && c.archived)))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|c| channel_json(c))
        .collect();
    let next = if start + limit < all.len() {
        format!("pos:{}", start + limit)
    } else {
        String::new()
    };
    api_json(
        200,
        &json!({ "ok": true, "channels": page, "response_metadata": { "next_cursor": next } }),
    )
}

/// What [`edit_message`] does to a posted message.
#[derive(Clone, Copy, PartialEq)]
enum Edit {
    /// `chat.update`: new `text`.
    Update,
    /// `chat.delete`.
    Delete,
    /// `reactions.add`: reaction `name` (the message's ts is `timestamp`).
    React,
}

/// `chat.update`, `chat.delete` and `reactions.add` on a message the fake accepted, named by
/// channel id and ts: `message_not_found` for another (or a deleted) one; a reaction already
/// added is `already_reacted`.
fn edit_message(shared: &SlackShared, record: &Recorded, edit: Edit) -> Response<Body> {
    let args = parse_args(record);
    if let Some(refusal) = refused(shared, record, &args) {
        return refusal;
    }
    let ts_key = if edit == Edit::React {
        "timestamp"
    } else {
        "ts"
    };
    let (Some(channel), Some(ts)) = (arg(record, &args, "channel"), arg(record, &args, ts_key))
    else {
        return ok_false("invalid_arguments");
    };
    let mut state = lock(&shared.state);
    if !state.channels.iter().any(|c| c.id == channel) {
        return ok_false("channel_not_found");
    }
    let gone = state.deleted.iter().any(|(c, t)| c == &channel && t == &ts);
    if gone
        || !state
            .messages
            .iter()
            .any(|m| m.channel_id == channel && m.ts == ts)
    {
        return ok_false("message_not_found");
    }
    match edit {
        Edit::Update => {
            let text = arg(record, &args, "text").unwrap_or_default();
            state
                .updated
                .insert((channel.clone(), ts.clone()), text.clone());
            api_json(
                200,
                &json!({ "ok": true, "channel": channel, "ts": ts, "text": text }),
            )
        }
        Edit::Delete => {
            state.deleted.push((channel.clone(), ts.clone()));
            api_json(200, &json!({ "ok": true, "channel": channel, "ts": ts }))
        }
        Edit::React => {
            let Some(name) = arg(record, &args, "name").filter(|n| !n.is_empty()) else {
                return ok_false("invalid_name");
            };
            let reaction = (channel, ts, name);
            if state.reactions.contains(&reaction) {
                return ok_false("already_reacted");
            }
            state.reactions.push(reaction);
            api_json(200, &json!({ "ok": true }))
        }
    }
}

/// Parses a JSON-valued argument that may arrive as JSON or as a JSON string (form bodies).
fn json_arg(value: Option<&Value>) -> Result<Option<Value>, ()> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => serde_json::from_str(s).map(Some).map_err(|_| ()),
        Some(other) => Ok(Some(other.clone())),
    }
}

fn non_empty_array(value: &Option<Value>) -> bool {
    value
        .as_ref()
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn retry_after(state: &mut SlackState, key: &str) -> Option<u64> {
    let interval = state.channel_interval?;
    let now = Instant::now();
    if let Some(last) = state.last_post.get(key) {
        let elapsed = now.duration_since(*last);
        if elapsed < interval {
            let wait = interval - elapsed;
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Some(secs.max(1));
        }
    }
    state.last_post.insert(key.to_owned(), now);
    None
}

fn rate_limited(secs: u64, webhook: bool) -> Response<Body> {
    fault_response(
        &SlackFault::RateLimit {
            times: 1,
            retry_after_secs: secs,
        },
        webhook,
    )
    .unwrap_or_else(|| plain(429, "ratelimited"))
}

fn next_ts(state: &mut SlackState) -> String {
    let now = epoch_secs_now();
    let (secs, seq) = state.last_ts;
    let next = if now > secs {
        (now, 1)
    } else if seq >= 999_999 {
        (secs + 1, 1)
    } else {
        (secs, seq + 1)
    };
    state.last_ts = next;
    format!("{}.{:06}", next.0, next.1)
}

fn post_message(shared: &SlackShared, record: &Recorded) -> Response<Body> {
    let args = parse_args(record);
    let form_token = args.form_token.as_deref();
    if record.header("authorization").is_none() && form_token.is_none() {
        return ok_false("not_authed");
    }
    if let Some(error) = auth_error(shared, record, form_token) {
        return ok_false(error);
    }
    let params = match args.params {
        Ok(params) => params,
        Err(error) => return ok_false(error),
    };
    let Some(channel_arg) = params.get("channel").and_then(Value::as_str) else {
        return ok_false("channel_not_found");
    };
    let text = match params.get("text") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return ok_false("invalid_arguments"),
    };
    let Ok(blocks) = json_arg(params.get("blocks")) else {
        return ok_false("invalid_blocks_format");
    };
    if blocks.as_ref().is_some_and(|b| !b.is_array()) {
        return ok_false("invalid_blocks_format");
    }
    if blocks
        .as_ref()
        .and_then(Value::as_array)
        .is_some_and(|b| b.len() > BLOCKS_LIMIT)
    {
        return ok_false("invalid_blocks");
    }
    let attachments = json_arg(params.get("attachments")).unwrap_or_default();
    let thread_ts = match params.get("thread_ts") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };

    let mut state = lock(&shared.state);
    let wanted = channel_arg.trim_start_matches('#');
    let Some(channel) = state
        .channels
        .iter()
        .find(|c| c.id == channel_arg)
        .or_else(|| {
            state
                .channels
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(wanted))
        })
        .cloned()
    else {
        return ok_false("channel_not_found");
    };
    if channel.archived {
        return ok_false("is_archived");
    }
    if !channel.bot_is_member {
        return ok_false("not_in_channel");
    }
    let has_text = text.as_deref().is_some_and(|t| !t.is_empty());
    if !has_text && !non_empty_array(&blocks) && !non_empty_array(&attachments) {
        return ok_false("no_text");
    }
    if let Some(secs) = retry_after(&mut state, &channel.id) {
        return rate_limited(secs, false);
    }
    let ts = next_ts(&mut state);

    let shown_text: String = text
        .as_deref()
        .unwrap_or_default()
        .chars()
        .take(TEXT_LIMIT)
        .collect();
    let mut message = json!({
        "type": "message",
        "text": shown_text,
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "team": TEAM_ID,
        "ts": ts,
    });
    if let Some(map) = message.as_object_mut() {
        if let Some(blocks) = &blocks {
            map.insert("blocks".into(), blocks.clone());
        }
        if let Some(thread_ts) = &thread_ts {
            map.insert("thread_ts".into(), Value::String(thread_ts.clone()));
        }
    }
    state.messages.push(PostedMessage {
        channel: channel_arg.to_owned(),
        channel_id: channel.id.clone(),
        text,
        blocks,
        thread_ts,
        ts: ts.clone(),
        payload: Value::Object(params.clone()),
    });
    drop(state);

    let mut body = json!({ "ok": true, "channel": channel.id, "ts": ts, "message": message });
    if !args.warnings.is_empty()
        && let Some(map) = body.as_object_mut()
    {
        map.insert("warning".into(), Value::String(args.warnings.join(",")));
        map.insert(
            "response_metadata".into(),
            json!({ "warnings": args.warnings }),
        );
    }
    api_json(200, &body)
}

fn incoming_webhook(shared: &SlackShared, record: &Recorded) -> Response<Body> {
    let segments: Vec<&str> = record.path.trim_start_matches('/').split('/').collect();
    let valid = matches!(
        segments.as_slice(),
        ["services", team, service, secret]
            if *team == TEAM_ID && *service == WEBHOOK_SERVICE && *secret == shared.webhook_secret
    );
    if !valid {
        return plain(404, "no_service");
    }
    if record.method != "POST" {
        return plain(405, "invalid_payload");
    }
    let content_type = record
        .header("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let raw = if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs = parse_form(&record.body);
        form_value(&pairs, "payload").unwrap_or_default().to_owned()
    } else {
        record.body.clone()
    };
    let payload = match serde_json::from_str::<Value>(&raw) {
        Ok(value @ Value::Object(_)) => value,
        _ => return plain(400, "invalid_payload"),
    };
    let has_text = payload
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    let has_blocks = non_empty_array(&payload.get("blocks").cloned());
    let has_attachments = non_empty_array(&payload.get("attachments").cloned());
    if !has_text && !has_blocks && !has_attachments {
        return plain(400, "no_text");
    }
    let mut state = lock(&shared.state);
    if let Some(secs) = retry_after(&mut state, "webhook") {
        return rate_limited(secs, true);
    }
    state.webhook_messages.push(payload);
    plain(200, "ok")
}
