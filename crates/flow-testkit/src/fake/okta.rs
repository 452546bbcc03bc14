//! The fake Okta Management API server: public handle, state and request pipeline.
//!
//! Request pipeline, in order:
//! 1. the request is recorded (even if it is then refused);
//! 2. the first queued [`Fault`] whose path filter matches is applied: `RateLimit`,
//!    `RetryAfter`, `ServerError` and `InsufficientScope` answer at once (before
//!    authentication), `DropConnection` closes the connection without an answer, `Delay` waits
//!    and `Hold` parks at its [`Gate`](super::Gate) and then carry on;
//! 3. `POST /oauth2/v1/token` is answered without API authentication;
//! 4. authentication: `Authorization: SSWS <token>` or `Bearer <access_token>`, otherwise
//!    401 E0000011 (also for unknown paths);
//! 5. rate limiting per (credential, endpoint class), otherwise 429 E0000047;
//! 6. routing and the endpoint itself (unknown paths give 404 E0000008).
//!
//! Endpoints: users (read, list with `filter`/`search`/`q`, create, partial and full update,
//! delete, lifecycle `activate`/`reactivate`/`deactivate`/`suspend`/`unsuspend`/`unlock`/
//! `reset_password`/`expire_password`, sessions, the user's groups), groups (CRUD, `q`/
//! `filter`/`search`, members paged by 1000, add/remove member), apps (list with `q`/`filter`,
//! read, user and group assignments), identity-source import sessions, the System Log (`/api/v1/logs`) and the OAuth token
//! endpoint. Seeding helpers are in [`okta_seed`](super::okta_seed).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, Response};
use serde_json::Value;

use super::faults::{Fault, FaultQueue};
use super::okta_apps::App;
use super::okta_groups::Group;
use super::okta_http::{Reply, finish};
use super::okta_imports::ImportSession;
use super::okta_logs::LogEvent;
use super::okta_routes::{Route, dispatch, token_endpoint};
use super::okta_users::{Directory, SessionClear, User, UserStatus};
use super::ratelimit::{RateInfo, RateLimiter};
use super::record::Recorded;
use super::util::{
    ServerHandle, bind_loopback, drop_connection, epoch_secs_ceil, lock, random_alnum,
    random_urlsafe, spawn_server,
};

/// Request bodies above this size are dropped (recorded as empty).
const MAX_BODY: usize = 2 * 1024 * 1024;

/// Mutable state of the fake Okta org.
#[derive(Debug, Default)]
pub(crate) struct OktaState {
    pub(crate) directory: Directory,
    pub(crate) groups: Vec<Group>,
    pub(crate) apps: Vec<App>,
    pub(crate) logs: Vec<LogEvent>,
    pub(crate) imports: Vec<ImportSession>,
    pub(crate) requests: Vec<Recorded>,
    pub(crate) faults: FaultQueue<Fault>,
    pub(crate) limiter: RateLimiter,
}

/// State shared between the handle and the server task.
pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) api_token: String,
    pub(crate) access_token: String,
    pub(crate) state: Mutex<OktaState>,
}

impl Shared {
    /// The credential label ("ssws" or "bearer") when the Authorization header is valid.
    fn credential(&self, headers: &HeaderMap) -> Option<&'static str> {
        let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.trim().split_once(' ')?;
        let token = token.trim();
        if scheme.eq_ignore_ascii_case("SSWS") && token == self.api_token {
            Some("ssws")
        } else if scheme.eq_ignore_ascii_case("Bearer") && token == self.access_token {
            Some("bearer")
        } else {
            None
        }
    }
}

/// A fake Okta org served over HTTP on `127.0.0.1`.
///
/// Cheap to clone; all clones share the same state. The server stops accepting connections
/// when the last clone is dropped.
#[derive(Clone)]
pub struct FakeOkta {
    pub(super) shared: Arc<Shared>,
    server: Arc<ServerHandle>,
}

impl fmt::Debug for FakeOkta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens are deliberately left out.
        f.debug_struct("FakeOkta")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeOkta {
    /// Binds `127.0.0.1:0` and starts serving from a spawned tokio task.
    ///
    /// Must be called from within a tokio runtime (e.g. a `#[tokio::test]`).
    pub async fn start() -> std::io::Result<FakeOkta> {
        let (listener, addr) = bind_loopback().await?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            api_token: format!("00{}", random_urlsafe(40)),
            access_token: format!(
                "eyJraWQiOiJmYWtlIn0.{}.{}",
                random_urlsafe(48),
                random_urlsafe(43)
            ),
            state: Mutex::new(OktaState::default()),
        });
        let router = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let server = spawn_server(listener, addr, router);
        Ok(FakeOkta {
            shared,
            server: Arc::new(server),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound socket address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// TCP connections the fake has accepted so far: with keep-alive, far fewer than requests.
    pub fn connections_accepted(&self) -> u64 {
        self.server.connections()
    }

    /// Requests being handled right now (parked at a gate or delayed ones included).
    pub fn in_flight(&self) -> usize {
        self.server.in_flight().now()
    }

    /// The most requests handled at once since the start or [`FakeOkta::reset_max_in_flight`].
    pub fn max_in_flight(&self) -> usize {
        self.server.in_flight().max()
    }

    /// Starts [`FakeOkta::max_in_flight`] again from the requests in flight now.
    pub fn reset_max_in_flight(&self) {
        self.server.in_flight().reset_max();
    }

    /// The valid API token, sent as `Authorization: SSWS <token>`.
    pub fn token(&self) -> String {
        self.shared.api_token.clone()
    }

    /// A valid OAuth access token, sent as `Authorization: Bearer <token>`.
    pub fn access_token(&self) -> String {
        self.shared.access_token.clone()
    }

    /// Adds a user and returns its generated id (`00u` + 17 letters/digits).
    ///
    /// `email` is the login when it contains `@`, otherwise `<login>@example.com`;
    /// `firstName`/`lastName` are derived from the login's local part (`alice.liddell` gives
    /// "Alice" "Liddell"; a single word gives lastName "User").
    pub fn add_user(&self, login: &str, status: UserStatus) -> String {
        let user = User::new(login, status);
        let id = user.id.clone();
        lock(&self.shared.state).directory.users.push(user);
        id
    }

    /// Adds a user whose `profile.email` differs from its login; returns the id.
    pub fn add_user_with_email(&self, login: &str, email: &str, status: UserStatus) -> String {
        let id = self.add_user(login, status);
        self.set_profile(&id, "email", Value::String(email.to_owned()));
        id
    }

    /// The status of a user found by id or login.
    pub fn status_of(&self, id_or_login: &str) -> Option<UserStatus> {
        let state = lock(&self.shared.state);
        let index = state.directory.index_by_id_or_login(id_or_login)?;
        state.directory.users.get(index).map(|u| u.status)
    }

    /// The id of a user found by id or login.
    pub fn id_of(&self, id_or_login: &str) -> Option<String> {
        let state = lock(&self.shared.state);
        let index = state.directory.index_by_id_or_login(id_or_login)?;
        state.directory.users.get(index).map(|u| u.id.clone())
    }

    /// Forces a user's status (e.g. to simulate a system lockout). Returns false if unknown.
    pub fn set_status(&self, id_or_login: &str, status: UserStatus) -> bool {
        self.with_user(id_or_login, |u| u.set_status(status))
    }

    /// Sets one profile attribute (e.g. `"email"`, `"department"`). Returns false if unknown.
    pub fn set_profile(&self, id_or_login: &str, key: &str, value: Value) -> bool {
        self.with_user(id_or_login, |u| {
            u.profile.insert(key.to_owned(), value);
        })
    }

    /// The user JSON a single-user GET would return.
    pub fn user_json(&self, id_or_login: &str) -> Option<Value> {
        let state = lock(&self.shared.state);
        let index = state.directory.index_by_id_or_login(id_or_login)?;
        let user = state.directory.users.get(index)?;
        Some(user.to_json(&self.shared.base_url, true))
    }

    /// How many times `DELETE /api/v1/users/{id}/sessions` succeeded for this user.
    pub fn sessions_cleared(&self, id: &str) -> u32 {
        u32::try_from(self.session_clears(id).len()).unwrap_or(u32::MAX)
    }

    /// Every successful session clear for this user, with its query parameters.
    pub fn session_clears(&self, id: &str) -> Vec<SessionClear> {
        let state = lock(&self.shared.state);
        state
            .directory
            .index_by_id_or_login(id)
            .and_then(|i| state.directory.users.get(i))
            .map(|u| u.session_clears.clone())
            .unwrap_or_default()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.state).requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.state).requests.clear();
    }

    /// Queues a fault for the next requests to any path.
    pub fn fault(&self, fault: Fault) {
        lock(&self.shared.state).faults.push(None, fault);
    }

    /// Queues a fault for the next requests whose raw path starts with `path_prefix`
    /// (e.g. `"/api/v1/users/00u…/lifecycle/"`).
    pub fn fault_on(&self, path_prefix: &str, fault: Fault) {
        lock(&self.shared.state)
            .faults
            .push(Some(path_prefix.to_owned()), fault);
    }

    /// Drops all queued faults.
    pub fn clear_faults(&self) {
        lock(&self.shared.state).faults.clear();
    }

    /// Sets the budget per (credential, endpoint class) and resets all counters.
    /// The default is 600 requests per 60 s. Endpoint classes: single-user GET, user list,
    /// lifecycle operations, session clears, OAuth token, and everything else.
    pub fn set_rate_limit(&self, limit: u32, window: Duration) {
        lock(&self.shared.state).limiter.configure(limit, window);
    }

    pub(super) fn with_user(&self, id_or_login: &str, f: impl FnOnce(&mut User)) -> bool {
        let mut state = lock(&self.shared.state);
        let Some(index) = state.directory.index_by_id_or_login(id_or_login) else {
            return false;
        };
        match state.directory.users.get_mut(index) {
            Some(user) => {
                f(user);
                true
            }
            None => false,
        }
    }
}

fn insufficient_scope(shared: &Shared, route: &Route, path: &str) -> Reply {
    let base = &shared.base_url;
    let scope = route.scope();
    Reply::empty(403).with_header(
        "www-authenticate",
        format!(
            "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", \
             scope=\"{scope}\", error=\"insufficient_scope\", \
             error_description=\"The access token provided does not contain the required scopes.\", \
             resource=\"{path}\""
        ),
    )
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let record = Recorded::from_parts(&parts, &bytes);
    let credential = shared.credential(&parts.headers);
    let route = Route::parse(&parts.method, &record.path);
    let key = credential.unwrap_or("anonymous");
    let fault = {
        let mut state = lock(&shared.state);
        state.requests.push(record.clone());
        state.faults.take(&record.path)
    };
    let peek = |shared: &Shared| -> RateInfo {
        lock(&shared.state).limiter.check(key, route.class(), false)
    };

    match fault {
        Some(Fault::Delay { delay, .. }) => tokio::time::sleep(delay).await,
        Some(Fault::Hold { gate, .. }) => gate.pass().await,
        Some(Fault::DropConnection { .. }) => return drop_connection(&parts).await,
        Some(Fault::RetryAfter {
            retry_after_secs,
            reset_in,
            ..
        }) => {
            let limit = lock(&shared.state).limiter.limit();
            let rate = RateInfo {
                limit,
                remaining: 0,
                reset_epoch: epoch_secs_ceil(reset_in),
                allowed: false,
            };
            return finish(
                Reply::rate_limited().with_header("retry-after", retry_after_secs.to_string()),
                rate,
            );
        }
        Some(Fault::RateLimit { reset_in, .. }) => {
            let limit = lock(&shared.state).limiter.limit();
            let rate = RateInfo {
                limit,
                remaining: 0,
                reset_epoch: epoch_secs_ceil(reset_in),
                allowed: false,
            };
            return finish(Reply::rate_limited(), rate);
        }
        Some(Fault::ServerError { status, .. }) => {
            return finish(Reply::server_error(status), peek(&shared));
        }
        Some(Fault::InsufficientScope { .. }) => {
            return finish(
                insufficient_scope(&shared, &route, &record.path),
                peek(&shared),
            );
        }
        None => {}
    }

    if matches!(route, Route::Token) {
        let rate = lock(&shared.state).limiter.check(key, route.class(), true);
        if !rate.allowed {
            return finish(Reply::rate_limited(), rate);
        }
        return finish(token_endpoint(&shared, &record), rate);
    }
    let Some(credential) = credential else {
        return finish(Reply::invalid_token(), peek(&shared));
    };
    let rate = lock(&shared.state)
        .limiter
        .check(credential, route.class(), true);
    if !rate.allowed {
        return finish(Reply::rate_limited(), rate);
    }
    let reply = dispatch(&shared, route, &record);
    finish(reply, rate)
}

/// Makes a random request-scoped id usable in bodies (e.g. activation tokens).
pub(crate) fn opaque_token() -> String {
    random_alnum(20)
}
