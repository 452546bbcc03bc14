//! The console's pages: the sign-in form and its session cookie, the page shell every signed-in
//! page shares (the script fills it from the JSON API), the embedded assets, and the headers
//! every console answer carries (a strict Content-Security-Policy: nothing inline, nothing from
//! elsewhere; no framing; no sniffing; no caching of data).
//!
//! A page asked for without a valid session gets the sign-in page (401), never data.

use super::session::{COOKIE, SESSION_SECS, cookie, same_origin};
use crate::state::ServerState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

/// The Content-Security-Policy of every console answer.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

const SHELL: &str = include_str!("assets/shell.html");
const SIGN_IN: &str = include_str!("assets/sign-in.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// Adds the security headers to a console answer.
pub(super) async fn secure_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The sign-in page, with a note when a token was refused.
fn sign_in(refused: bool) -> Response {
    let note = if refused {
        "<p class=\"error\" role=\"alert\">That token is not right.</p>"
    } else {
        ""
    };
    html(StatusCode::UNAUTHORIZED, SIGN_IN.replace("{{note}}", note))
}

fn signed_in(state: &ServerState, headers: &HeaderMap) -> bool {
    state
        .console
        .as_ref()
        .and_then(|c| c.sessions.who(headers, state.clock.unix()))
        .is_some()
}

/// `GET /console`: to `/console/`.
pub(super) async fn to_slash() -> Redirect {
    Redirect::permanent("/console/")
}

/// Every page: the shell when signed in, else the sign-in page.
pub(super) async fn page(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    if signed_in(&state, &headers) {
        html(StatusCode::OK, SHELL.to_string())
    } else {
        sign_in(false)
    }
}

/// `GET /console/assets/<file>`: the script and the style sheet (no data in them).
pub(super) async fn asset(Path(file): Path<String>) -> Response {
    // Only these two names: nothing is read from the disk.
    let (kind, body) = match file.as_str() {
        "app.js" => ("text/javascript; charset=utf-8", APP_JS),
        "app.css" => ("text/css; charset=utf-8", APP_CSS),
        _ => return super::ConsoleRefusal::NoSuchAsset.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The value of `name` in a form body (`application/x-www-form-urlencoded`).
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| decode(k) == name)
        .map(|(_, v)| decode(v))
}

/// Whether the request came over TLS (directly or, as reported by a proxy in front,
/// `x-forwarded-proto: https`): the cookie is then `Secure`.
fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn set_cookie(value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// `POST /console/login` (form field `token`): the right token gets a session cookie and goes
/// to the executions; a wrong one gets the sign-in page again (401). A form posted from another
/// site is refused like a wrong token.
pub(super) async fn login(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(console) = &state.console else {
        return sign_in(true);
    };
    let from_here = headers.get(header::ORIGIN).is_none() || same_origin(&headers);
    let token = form_field(&body, "token").unwrap_or_default();
    if !(from_here && console.sessions.token_matches(&token)) {
        state.metrics.rejected("console_sign_in");
        return sign_in(true);
    }
    let value = console.sessions.issue(state.clock.unix());
    let mut resp = Redirect::to("/console/").into_response();
    if let Some(c) = set_cookie(&value, SESSION_SECS, over_tls(&headers)) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

/// `POST /console/logout`: forgets the cookie (from the console's own page only).
pub(super) async fn logout(headers: HeaderMap) -> Response {
    if cookie(&headers, COOKIE).is_some() && !same_origin(&headers) {
        return super::ConsoleRefusal::CrossSite.into_response();
    }
    let mut resp = Redirect::to("/console/").into_response();
    if let Some(c) = set_cookie("", 0, over_tls(&headers)) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_field(b"a=1&token=x%2By+z", "token").as_deref(),
            Some("x+y z")
        );
        assert_eq!(form_field(b"tokenx=1", "token"), None);
        assert_eq!(form_field(&[0xff, b'='], "token"), None);
    }

    #[test]
    fn the_pages_have_no_inline_script_or_style() {
        for page in [SHELL, SIGN_IN] {
            assert!(
                !page.contains("<script>") && !page.contains(" style="),
                "{page}"
            );
            assert!(!page.contains("http://") && !page.contains("https://"));
            for handler in ["onclick=", "onload=", "onsubmit=", "onerror="] {
                assert!(!page.contains(handler), "no inline handlers: {page}");
            }
        }
        for asset in [APP_JS, APP_CSS] {
            assert!(!asset.contains("http://") && !asset.contains("https://"));
        }
        assert!(
            !APP_JS.contains("innerHTML"),
            "data is set as text, never as HTML"
        );
    }
}
