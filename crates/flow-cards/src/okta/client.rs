//! What every Okta card shares: building authenticated requests with safely encoded user
//! paths, sending them under the connection's cap, and turning Okta's error bodies into
//! [`CardError`]s that keep Okta's `errorCode` and causes.

use super::connection::OktaLive;
use crate::retry_after::retry_after;
use crate::util::STRICT;
use flow_card::{CardError, HttpRequest, HttpResponse, StepCx};
use percent_encoding::utf8_percent_encode;
use serde_json::Value;
use url::Url;

/// Encodes a user id or login as one path segment: `a+b@x.com` becomes `a%2Bb%40x.com`, so it
/// can be read neither as a space nor as a path separator.
pub fn user_segment(id_or_login: &str) -> Result<String, CardError> {
    let v = id_or_login.trim();
    if v.is_empty() {
        return Err(CardError::input("the user id or login is empty"));
    }
    if v.contains('/') {
        return Err(CardError::input(format!(
            "`{v}` contains `/`; Okta can only read such a login by id"
        )));
    }
    if v == "." || v == ".." {
        return Err(CardError::input(format!("`{v}` is not a user id or login")));
    }
    Ok(utf8_percent_encode(v, STRICT).to_string())
}

/// A request to `path` (which starts with `/api/`) with Okta's headers.
pub fn request(conn: &OktaLive, method: &str, path: &str, attempt: u32) -> HttpRequest {
    request_to(conn, method, conn.url(path), attempt)
}

/// The org's URL for `path` as it will be sent: parsed (so dot segments are resolved), on the
/// org's scheme, host and port, without credentials, and under the org's `/api/` or `/oauth2/`.
/// An org URL that is not a URL yet (a dry run keeps a missing `${env:…}` as text) gives the
/// joined text: nothing is sent then, and a real run could not send it either.
pub fn org_url(conn: &OktaLive, path: &str) -> Result<String, CardError> {
    let outside = || {
        CardError::input(format!(
            "`path` must stay under the org's /api/ or /oauth2/, found `{path}`"
        ))
    };
    let Ok(base) = Url::parse(&conn.base) else {
        return Ok(format!("{}{path}", conn.base));
    };
    let url = Url::parse(&format!("{}{path}", conn.base)).map_err(|_| outside())?;
    let prefix = base.path().trim_end_matches('/');
    let under = |root: &str| url.path().starts_with(&format!("{prefix}{root}"));
    if url.origin() != base.origin()
        || !url.username().is_empty()
        || url.password().is_some()
        || !(under("/api/") || under("/oauth2/"))
    {
        return Err(outside());
    }
    Ok(url.into())
}

/// A request to a full org URL with Okta's headers (and `x-okta-retry-count` on retries, as
/// Okta's SDKs send); the credential is added when it is sent.
pub fn request_to(conn: &OktaLive, method: &str, url: String, attempt: u32) -> HttpRequest {
    conn.request(method, url, attempt)
}

/// Sends with the connection's credential and under its cap; a non-2xx answer becomes an
/// error.
pub async fn send(
    cx: &StepCx<'_>,
    conn: &OktaLive,
    req: HttpRequest,
    rehearsal: impl Fn(&HttpRequest) -> HttpResponse + Sync,
) -> Result<HttpResponse, CardError> {
    let resp = conn.send(cx, req, rehearsal).await?;
    if resp.is_success() {
        Ok(resp)
    } else {
        Err(error(&resp))
    }
}

/// Okta's error body as a card error: `Okta answered 404 E0000007: Not found: … (cause)`.
pub fn error(resp: &HttpResponse) -> CardError {
    let body = resp.json_body().unwrap_or(Value::Null);
    let code = body
        .get("errorCode")
        .and_then(Value::as_str)
        .map(str::to_string);
    let summary = body
        .get("errorSummary")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let causes: Vec<String> = body
        .get("errorCauses")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    c.get("errorSummary")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut message = format!("Okta answered {}", resp.status);
    if let Some(c) = &code {
        message.push_str(&format!(" {c}"));
    }
    if !summary.is_empty() {
        message.push_str(&format!(": {summary}"));
    }
    if !causes.is_empty() {
        message.push_str(&format!(" ({})", causes.join("; ")));
    }
    if resp.status == 403
        && code.is_none()
        && let Some(scope) = resp
            .header("www-authenticate")
            .and_then(|w| w.split("scope=\"").nth(1))
            .and_then(|s| s.split('"').next())
    {
        message.push_str(&format!(": the access token lacks the scope `{scope}`"));
    }
    // Okta's 400 E0000001 ("Api validation failed") is a plain refusal (`remote`) here; only
    // the lifecycle cards know it means the user's state, and make it `invalid_state`.
    let kind = CardError::kind_for_status(resp.status);
    let mut e = CardError::new(kind, message)
        .with_status(resp.status)
        .with_retry_after(retry_after(resp));
    e.code = code;
    e
}

/// True for Okta's 400 E0000001, "Api validation failed": a bad filter or body for most calls,
/// the user's state for a lifecycle operation.
pub fn is_validation_failure(e: &CardError) -> bool {
    e.status == Some(400) && e.code.as_deref() == Some("E0000001")
}

/// A plausible Okta user for dry runs: the fields flows read (a real answer has more).
/// Serialized as Okta would send it, in this field order.
#[derive(serde::Serialize)]
pub struct RehearsalUser {
    id: String,
    status: &'static str,
    profile: RehearsalProfile,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RehearsalProfile {
    login: String,
    email: Option<String>,
    first_name: String,
    last_name: String,
}

/// A plausible Okta user for dry runs, named after its login.
pub fn rehearsal_user(id_or_login: &str, status: &'static str) -> RehearsalUser {
    let login = id_or_login;
    let local = login.split('@').next().unwrap_or(login);
    let mut parts = local.split(['.', '_', '-']).filter(|p| !p.is_empty());
    let cap = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let first_name = parts.next().map(cap).unwrap_or_default();
    let last_name = parts.next().map(cap).unwrap_or_default();
    let id = if login.starts_with("00u") && !login.contains('@') {
        login.to_string()
    } else {
        rehearsal_id(login)
    };
    RehearsalUser {
        id,
        status,
        profile: RehearsalProfile {
            login: login.to_string(),
            email: login.contains('@').then(|| login.to_string()),
            first_name,
            last_name,
        },
    }
}

/// A stable fake user id for a login: `00u` and 17 characters from a hash.
pub fn rehearsal_id(login: &str) -> String {
    const ALPHA: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in login.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut id = String::from("00u");
    for _ in 0..17 {
        id.push(ALPHA[(h % 62) as usize] as char);
        h = h.rotate_left(7).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow_card::ErrorKind;
    use serde_json::json;

    fn live(base: &str) -> OktaLive {
        crate::okta::connection::live(base, "t").unwrap()
    }

    #[test]
    fn org_urls_are_parsed_and_stay_on_the_org() {
        let org = live("https://acme.okta.com");
        assert_eq!(
            org_url(&org, "/api/v1/users/a b?q=1").unwrap(),
            "https://acme.okta.com/api/v1/users/a%20b?q=1"
        );
        for path in [
            "/api/../x",
            "/api/v1/..\\..\\x",
            "@evil.com/api/",
            ":1@evil.com/api/",
        ] {
            assert_eq!(
                org_url(&org, path).map_err(|e| e.message),
                Err(format!(
                    "`path` must stay under the org's /api/ or /oauth2/, found `{path}`"
                )),
                "{path}"
            );
        }
        // A dry run's unresolved org keeps the joined text.
        assert_eq!(
            org_url(&live("${env:OKTA_URL}"), "/api/v1/users").unwrap(),
            "${env:OKTA_URL}/api/v1/users"
        );
    }

    #[test]
    fn user_segments_are_encoded_strictly() {
        assert_eq!(user_segment("a+b@x.com").unwrap(), "a%2Bb%40x.com");
        assert_eq!(user_segment("svc.backup").unwrap(), "svc.backup");
        assert_eq!(user_segment("00u1abc").unwrap(), "00u1abc");
        assert_eq!(user_segment("who are you").unwrap(), "who%20are%20you");
        assert!(user_segment("a/b").is_err());
        assert!(user_segment("..").is_err());
        assert!(user_segment(" ").is_err());
    }

    #[test]
    fn okta_errors_keep_code_and_causes() {
        let resp = HttpResponse::json(
            400,
            &json!({"errorCode": "E0000001", "errorSummary": "Api validation failed: suspendUser",
                    "errorCauses": [{"errorSummary": "Cannot suspend a user that is not active"}]}),
        );
        let e = error(&resp);
        // A validation failure is a plain refusal; the lifecycle cards map it themselves.
        assert_eq!(e.kind, ErrorKind::Remote);
        assert!(is_validation_failure(&e));
        assert_eq!(e.code.as_deref(), Some("E0000001"));
        assert_eq!(
            e.message,
            "Okta answered 400 E0000001: Api validation failed: suspendUser (Cannot suspend a user that is not active)"
        );
        let nf = error(&HttpResponse::json(
            404,
            &json!({"errorCode": "E0000007", "errorSummary": "Not found"}),
        ));
        assert_eq!(nf.kind, ErrorKind::NotFound);
        assert!(!is_validation_failure(&nf));
        // E0000001 on another status, or another 400, is not a validation failure.
        let other = error(&HttpResponse::json(
            400,
            &json!({"errorCode": "E0000003", "errorSummary": "The request body was not well-formed."}),
        ));
        assert_eq!(other.kind, ErrorKind::Remote);
        assert!(!is_validation_failure(&other));
        assert_eq!(rehearsal_id("a@x.com"), rehearsal_id("a@x.com"));
        assert_eq!(rehearsal_id("a@x.com").len(), 20);
    }
}
