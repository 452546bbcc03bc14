//! A generic fake HTTP API driven by recorded request/answer fixtures.
//!
//! Each fixture file is YAML written from a vendor's public API reference:
//!
//! ```yaml
//! source: https://learn.microsoft.com/en-us/graph/api/user-get   # default for the entries
//! fixtures:
//!   - name: read user
//!     source: https://learn.microsoft.com/en-us/graph/api/user-get
//!     request:
//!       method: GET
//!       path: /v1.0/users/alice@example.com     # compared percent-decoded; `*` = any one segment
//!       query: { $select: "id,displayName" }    # only the listed parameters are checked
//!       headers: { consistencylevel: eventual } # only the listed headers are checked
//!       body: { accountEnabled: false }         # the listed fields must be in the JSON (or form) body
//!     answer:
//!       status: 200                             # default 200
//!       headers: { content-type: application/json }
//!       body: { id: "87d349ed", displayName: Alice }   # JSON; `text:` sends a raw body instead
//!     times: 1                                  # optional: answer this many times, then skip
//! ```
//!
//! `{{base_url}}` in an answer's headers, body or text becomes the fake's own base URL, so
//! recorded "next page" links point back at the fake. The fake records every request it gets
//! (see [`RecordedFake::requests`]), answers `404` with a JSON body naming the request when no
//! fixture matches, and, when told to, answers `401` to requests without the expected
//! authorization header.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::record::Recorded;
use super::util::{
    ServerHandle, add_header, bind_loopback, decode_component, lock, parse_form, response,
    spawn_server,
};

const MAX_BODY: usize = 4 * 1024 * 1024;

/// Why fixtures could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// A fixture file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A fixture file is not valid fixture YAML.
    #[error("{path}: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
}

/// The request a fixture answers: method and path always, the listed query parameters,
/// headers and body fields when given.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRequest {
    /// The HTTP method (case-insensitive).
    pub method: String,
    /// The path, compared segment by segment after percent-decoding; a `*` segment matches any.
    pub path: String,
    /// Query parameters that must be present with these values (decoded).
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Headers that must be present with these values (names case-insensitive).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON fields the body must contain (objects match when every listed key matches; other
    /// values must be equal). A form-encoded body is compared as an object of strings.
    #[serde(default)]
    pub body: Option<Value>,
}

/// The answer a fixture gives.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The status code; 200 when absent.
    #[serde(default = "ok_status")]
    pub status: u16,
    /// Headers to send. `content-type: application/json` is added for a JSON body.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default)]
    pub body: Option<Value>,
    /// A raw text body, sent as is (instead of `body`).
    #[serde(default)]
    pub text: Option<String>,
}

fn ok_status() -> u16 {
    200
}

/// One recorded request/answer pair.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// A short name, shown when listing fixtures.
    #[serde(default)]
    pub name: Option<String>,
    /// The documentation page the shapes were taken from.
    #[serde(default)]
    pub source: Option<String>,
    /// What the request must look like.
    pub request: ExpectedRequest,
    /// What the fake answers.
    pub answer: Answer,
    /// How many times this fixture answers before it is skipped (unlimited when absent).
    #[serde(default)]
    pub times: Option<u32>,
}

/// A fixture file: a default `source` and its fixtures.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(default)]
    source: Option<String>,
    fixtures: Vec<Fixture>,
}

impl Fixture {
    /// Parses fixture YAML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Vec<Fixture>, FixtureError> {
        let file: FixtureFile = serde_saphyr::from_str(text).map_err(|e| FixtureError::Yaml {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })?;
        let default_source = file.source;
        Ok(file
            .fixtures
            .into_iter()
            .map(|mut f| {
                if f.source.is_none() {
                    f.source.clone_from(&default_source);
                }
                f
            })
            .collect())
    }

    /// Loads one fixture file.
    pub fn load_file(path: &Path) -> Result<Vec<Fixture>, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Fixture::parse(&text, path)
    }

    /// Loads every `*.yaml` file of a directory, in file-name order.
    pub fn load_dir(dir: &Path) -> Result<Vec<Fixture>, FixtureError> {
        let io = |source| FixtureError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
        files.sort();
        let mut all = Vec::new();
        for file in files {
            all.extend(Fixture::load_file(&file)?);
        }
        Ok(all)
    }

    fn matches(&self, req: &Recorded) -> bool {
        let want = &self.request;
        want.method.eq_ignore_ascii_case(&req.method)
            && path_matches(&want.path, &req.path)
            && want
                .query
                .iter()
                .all(|(k, v)| req.query_param(k).as_deref() == Some(v.as_str()))
            && want
                .headers
                .iter()
                .all(|(k, v)| req.header(k) == Some(v.as_str()))
            && want
                .body
                .as_ref()
                .is_none_or(|b| contains(&body_value(req), b))
    }
}

/// The directory of the fixtures shipped with this crate for `connector`
/// (`crates/flow-testkit/recorded/<connector>`).
pub fn recorded_dir(connector: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("recorded")
        .join(connector)
}

fn path_matches(want: &str, got: &str) -> bool {
    let want: Vec<&str> = want.split('/').collect();
    let got: Vec<&str> = got.split('/').collect();
    want.len() == got.len()
        && want
            .iter()
            .zip(&got)
            .all(|(w, g)| *w == "*" || decode_component(w, false) == decode_component(g, false))
}

/// The request body as JSON: parsed JSON, else form pairs as an object of strings, else text.
fn body_value(req: &Recorded) -> Value {
    if req.body.is_empty() {
        return Value::Null;
    }
    if let Ok(v) = serde_json::from_str::<Value>(&req.body) {
        return v;
    }
    let form = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        let map: Map<String, Value> = parse_form(&req.body)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        return Value::Object(map);
    }
    Value::String(req.body.clone())
}

/// Whether `got` contains `want`: objects by listed keys (recursively), others by equality.
fn contains(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains(gv, wv))),
        _ => got == want,
    }
}

struct RecordedState {
    fixtures: Vec<(Fixture, u32)>,
    requests: Vec<Recorded>,
}

struct RecordedShared {
    base_url: String,
    auth: Option<(String, String)>,
    state: Mutex<RecordedState>,
}

/// A fake API on `127.0.0.1` that answers from [`Fixture`]s and records every request.
///
/// Cheap to clone; clones share state. The first fixture (in load order) that matches a
/// request and has answers left answers it.
#[derive(Clone)]
pub struct RecordedFake {
    shared: Arc<RecordedShared>,
    _server: Arc<ServerHandle>,
}

impl fmt::Debug for RecordedFake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The expected credential is deliberately left out.
        f.debug_struct("RecordedFake")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl RecordedFake {
    /// Starts a fake answering from `fixtures`, accepting any credentials.
    ///
    /// Must be called from within a tokio runtime.
    pub async fn start(fixtures: Vec<Fixture>) -> std::io::Result<RecordedFake> {
        RecordedFake::start_inner(fixtures, None).await
    }

    /// Starts a fake that answers `401` unless header `name` equals `value` exactly
    /// (e.g. `authorization`, `Bearer t0k3n`).
    pub async fn start_with_auth(
        fixtures: Vec<Fixture>,
        name: &str,
        value: &str,
    ) -> std::io::Result<RecordedFake> {
        RecordedFake::start_inner(fixtures, Some((name.to_owned(), value.to_owned()))).await
    }

    async fn start_inner(
        fixtures: Vec<Fixture>,
        auth: Option<(String, String)>,
    ) -> std::io::Result<RecordedFake> {
        let (listener, addr) = bind_loopback().await?;
        let shared = Arc::new(RecordedShared {
            base_url: format!("http://{addr}"),
            auth,
            state: Mutex::new(RecordedState {
                fixtures: fixtures.into_iter().map(|f| (f, 0)).collect(),
                requests: Vec::new(),
            }),
        });
        let router = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let server = spawn_server(listener, addr, router);
        Ok(RecordedFake {
            shared,
            _server: Arc::new(server),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.state).requests.clone()
    }

    /// The last request received, if any.
    pub fn last_request(&self) -> Option<Recorded> {
        lock(&self.shared.state).requests.last().cloned()
    }

    /// How many times the fixture named `name` has answered.
    pub fn hits(&self, name: &str) -> u32 {
        lock(&self.shared.state)
            .fixtures
            .iter()
            .filter(|(f, _)| f.name.as_deref() == Some(name))
            .map(|(_, n)| *n)
            .sum()
    }
}

async fn handle(State(shared): State<Arc<RecordedShared>>, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let rec = Recorded::from_parts(&parts, &bytes);
    let mut state = lock(&shared.state);
    state.requests.push(rec.clone());
    if let Some((name, value)) = &shared.auth
        && rec.header(name) != Some(value.as_str())
    {
        return json_response(
            401,
            &json!({ "error": format!("recorded fake: missing or wrong {name} header") }),
        );
    }
    let found = state
        .fixtures
        .iter_mut()
        .find(|(f, used)| f.times.is_none_or(|limit| *used < limit) && f.matches(&rec));
    let Some((fixture, used)) = found else {
        return json_response(
            404,
            &json!({
                "error": "recorded fake: no fixture matches this request",
                "request": {
                    "method": rec.method,
                    "path": rec.path,
                    "query": rec.query,
                    "body": body_value(&rec),
                },
            }),
        );
    };
    *used += 1;
    answer(&fixture.answer, &shared.base_url)
}

fn json_response(status: u16, body: &Value) -> Response<Body> {
    let mut resp = response(status, body.to_string());
    add_header(&mut resp, "content-type", "application/json");
    resp
}

fn answer(answer: &Answer, base_url: &str) -> Response<Body> {
    let fill = |s: &str| s.replace("{{base_url}}", base_url);
    let (body, json) = match (&answer.text, &answer.body) {
        (Some(text), _) => (fill(text), false),
        (None, Some(value)) => (fill(&value.to_string()), true),
        (None, None) => (String::new(), false),
    };
    let mut resp = response(answer.status, body);
    let mut typed = false;
    for (name, value) in &answer.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
            HeaderValue::from_str(&fill(value)),
        ) else {
            continue;
        };
        typed |= name == axum::http::header::CONTENT_TYPE;
        resp.headers_mut().append(name, value);
    }
    if json && !typed {
        add_header(&mut resp, "content-type", "application/json");
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_decoded_with_wildcards() {
        assert!(path_matches("/users/a@x.com", "/users/a%40x.com"));
        assert!(path_matches("/users/*/manager", "/users/42/manager"));
        assert!(!path_matches("/users/*", "/users/42/manager"));
        assert!(!path_matches("/users/b", "/users/a"));
    }

    #[test]
    fn bodies_match_by_listed_fields() {
        let got = json!({ "a": 1, "b": { "c": 2, "d": 3 } });
        assert!(contains(&got, &json!({ "b": { "c": 2 } })));
        assert!(!contains(&got, &json!({ "b": { "c": 3 } })));
        assert!(!contains(&got, &json!({ "e": null })));
    }

    #[test]
    fn files_take_the_default_source() {
        let text = "source: https://example.com/doc\nfixtures:\n  - request: { method: GET, path: /x }\n    answer: { body: { ok: true } }\n";
        let fixtures = Fixture::parse(text, Path::new("x.yaml")).unwrap();
        assert_eq!(
            fixtures[0].source.as_deref(),
            Some("https://example.com/doc")
        );
        assert_eq!(fixtures[0].answer.status, 200);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = "fixtures:\n  - request: { method: GET, pth: /x }\n    answer: {}\n";
        let err = Fixture::parse(text, Path::new("bad.yaml")).unwrap_err();
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
    }
}
