//! A fake OAuth 2.0 token endpoint in the three vendor shapes flowctl talks to:
//!
//! - Okta's org authorization server, `POST /oauth2/v1/token`: client credentials with
//!   `client_secret_basic`, `client_secret_post` or `private_key_jwt`, and refresh tokens;
//! - Microsoft identity platform, `POST /{tenant}/oauth2/v2.0/token`: client credentials whose
//!   scope must end in `/.default`;
//! - Google, `POST /token`: the JWT bearer grant of service accounts (`iss`, `scope`, `aud`,
//!   `exp` ≤ 1 h, optional `sub`), and refresh tokens;
//! - ServiceNow, `POST /oauth_token.do`, and Salesforce, `POST /services/oauth2/token`: client
//!   credentials (a `scope` is optional there), and refresh tokens.
//!
//! Client assertions are verified against the public key registered for the client
//! (signature RS256/ES256, `iss` = `sub` = client id, `aud` = the URL called, `exp` in the
//! future and at most an hour away, `jti` never reused). Answers are
//! `{access_token, token_type, expires_in, scope}` or RFC 6749 §5.2 error bodies.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Response;
use serde_json::{Value, json};

use super::gate::Gate;
use super::record::Recorded;
use super::util::{ServerHandle, bind_loopback, decode_component, lock, response, spawn_server};

mod grants;
mod jwt;

use grants::token;
use jwt::{PublicKey, parse_public_key};

const MAX_BODY: usize = 256 * 1024;

/// A public key the fake was given that it cannot use (not a PEM `PUBLIC KEY` of RSA or EC
/// P-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPublicKey;

impl fmt::Display for InvalidPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a PEM RSA or EC P-256 public key")
    }
}

impl std::error::Error for InvalidPublicKey {}

/// Which vendor's token endpoint a request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenEndpoint {
    /// `/oauth2/v1/token`.
    Okta,
    /// `/{tenant}/oauth2/v2.0/token`.
    Microsoft {
        /// The tenant path segment.
        tenant: String,
    },
    /// `/token`.
    Google,
    /// ServiceNow's `/oauth_token.do` (client credentials; no scope needed).
    ServiceNow,
    /// Salesforce's `/services/oauth2/token` (client credentials; no scope needed).
    Salesforce,
    /// Auth0's `/oauth/token` (client credentials; an `audience` is required, no scope needed).
    Auth0,
}

/// An access token the fake issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token.
    pub access_token: String,
    /// The client id, or the service account email.
    pub client_id: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// The delegated user (`sub` of a Google assertion).
    pub subject: Option<String>,
    /// The `grant_type` used.
    pub grant_type: String,
    /// Where it was asked for.
    pub endpoint: TokenEndpoint,
}

#[derive(Default)]
struct Client {
    secret: Option<String>,
    key: Option<PublicKey>,
    scopes: Option<Vec<String>>,
}

struct OAuthState {
    clients: HashMap<String, Client>,
    service_accounts: HashMap<String, PublicKey>,
    /// Live refresh token → client id.
    refresh_tokens: HashMap<String, String>,
    rotate: bool,
    tenants: HashSet<String>,
    expires_in: u64,
    fixed_token: Option<String>,
    /// Tokens issued before any other, in order (a token "revoked" after issue).
    next_tokens: Vec<String>,
    seen_jti: HashSet<String>,
    issued: Vec<IssuedToken>,
    requests: Vec<Recorded>,
    hold: Option<Gate>,
    failures: Vec<(u16, String)>,
}

struct Shared {
    base_url: String,
    state: Mutex<OAuthState>,
}

/// A fake token endpoint served over HTTP on `127.0.0.1`. Cheap to clone; clones share
/// state. Tokens last 3600 s unless [`set_expires_in`](FakeOAuth::set_expires_in) says
/// otherwise; refresh tokens rotate on use unless turned off.
#[derive(Clone)]
pub struct FakeOAuth {
    shared: Arc<Shared>,
    _server: Arc<ServerHandle>,
}

impl fmt::Debug for FakeOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeOAuth")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeOAuth {
    /// Binds `127.0.0.1:0` and starts serving from a spawned tokio task.
    pub async fn start() -> std::io::Result<FakeOAuth> {
        let (listener, addr) = bind_loopback().await?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            state: Mutex::new(OAuthState {
                clients: HashMap::new(),
                service_accounts: HashMap::new(),
                refresh_tokens: HashMap::new(),
                rotate: true,
                tenants: HashSet::new(),
                expires_in: 3600,
                fixed_token: None,
                next_tokens: Vec::new(),
                seen_jti: HashSet::new(),
                issued: Vec::new(),
                requests: Vec::new(),
                hold: None,
                failures: Vec::new(),
            }),
        });
        let router = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let server = spawn_server(listener, addr, router);
        Ok(FakeOAuth {
            shared,
            _server: Arc::new(server),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Okta's token URL: `{base}/oauth2/v1/token`.
    pub fn okta_token_url(&self) -> String {
        format!("{}/oauth2/v1/token", self.shared.base_url)
    }

    /// Microsoft's token URL for `tenant`: `{base}/{tenant}/oauth2/v2.0/token`.
    pub fn microsoft_token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.shared.base_url)
    }

    /// ServiceNow's token URL: `{base}/oauth_token.do`.
    pub fn servicenow_token_url(&self) -> String {
        format!("{}/oauth_token.do", self.shared.base_url)
    }

    /// Salesforce's token URL: `{base}/services/oauth2/token`.
    pub fn salesforce_token_url(&self) -> String {
        format!("{}/services/oauth2/token", self.shared.base_url)
    }

    /// Auth0's token URL: `{base}/oauth/token`.
    pub fn auth0_token_url(&self) -> String {
        format!("{}/oauth/token", self.shared.base_url)
    }

    /// Google's token URL: `{base}/token`.
    pub fn google_token_url(&self) -> String {
        format!("{}/token", self.shared.base_url)
    }

    /// Registers a confidential client authenticating with a secret (basic or post).
    pub fn add_secret_client(&self, client_id: &str, secret: &str) {
        let mut state = lock(&self.shared.state);
        state.clients.entry(client_id.into()).or_default().secret = Some(secret.into());
    }

    /// Registers a `private_key_jwt` client by its public key (PEM `PUBLIC KEY`).
    pub fn add_key_client(
        &self,
        client_id: &str,
        public_key_pem: &str,
    ) -> Result<(), InvalidPublicKey> {
        let key = parse_public_key(public_key_pem)?;
        let mut state = lock(&self.shared.state);
        state.clients.entry(client_id.into()).or_default().key = Some(key);
        Ok(())
    }

    /// Registers a public client (no credentials; refresh tokens only).
    pub fn add_public_client(&self, client_id: &str) {
        lock(&self.shared.state)
            .clients
            .entry(client_id.into())
            .or_default();
    }

    /// Limits the scopes a client may be granted (all scopes otherwise).
    pub fn allow_scopes(&self, client_id: &str, scopes: &[&str]) {
        let mut state = lock(&self.shared.state);
        let client = state.clients.entry(client_id.into()).or_default();
        client.scopes = Some(scopes.iter().map(|s| (*s).to_owned()).collect());
    }

    /// Registers a Google service account by its email and public key (PEM `PUBLIC KEY`).
    pub fn add_service_account(
        &self,
        client_email: &str,
        public_key_pem: &str,
    ) -> Result<(), InvalidPublicKey> {
        let key = parse_public_key(public_key_pem)?;
        lock(&self.shared.state)
            .service_accounts
            .insert(client_email.into(), key);
        Ok(())
    }

    /// Issues a refresh token to `client_id` (registered separately).
    pub fn add_refresh_token(&self, client_id: &str, refresh_token: &str) {
        lock(&self.shared.state)
            .refresh_tokens
            .insert(refresh_token.into(), client_id.into());
    }

    /// Whether a used refresh token is replaced by a new one (default true).
    pub fn set_rotate_refresh_tokens(&self, rotate: bool) {
        lock(&self.shared.state).rotate = rotate;
    }

    /// Whether `refresh_token` would be accepted now.
    pub fn refresh_token_live(&self, refresh_token: &str) -> bool {
        lock(&self.shared.state)
            .refresh_tokens
            .contains_key(refresh_token)
    }

    /// Accepts a Microsoft tenant; once one is added, other tenants are unknown.
    pub fn add_tenant(&self, tenant: &str) {
        lock(&self.shared.state).tenants.insert(tenant.into());
    }

    /// The `expires_in` of tokens issued from now on.
    pub fn set_expires_in(&self, secs: u64) {
        lock(&self.shared.state).expires_in = secs;
    }

    /// Issues this access token every time (e.g. [`FakeOkta::access_token`](super::FakeOkta::access_token),
    /// so the fake Okta accepts it).
    pub fn set_fixed_access_token(&self, token: Option<&str>) {
        lock(&self.shared.state).fixed_token = token.map(str::to_owned);
    }

    /// The next token issued is `token` (before any fixed token), once: e.g. a token the API
    /// does not know, as after a revocation.
    pub fn issue_next(&self, token: &str) {
        lock(&self.shared.state).next_tokens.push(token.to_owned());
    }

    /// Parks every token request at `gate` before answering (`None` stops holding).
    pub fn hold(&self, gate: Option<Gate>) {
        lock(&self.shared.state).hold = gate;
    }

    /// The next request is answered `status` with `body` verbatim (JSON content type).
    pub fn fail_next(&self, status: u16, body: &str) {
        lock(&self.shared.state)
            .failures
            .push((status, body.into()));
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.state).requests.clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.state).requests.len()
    }

    /// Every token issued, in order.
    pub fn issued(&self) -> Vec<IssuedToken> {
        lock(&self.shared.state).issued.clone()
    }
}

/// A refusal: status and RFC 6749 §5.2 body.
struct Refusal(u16, Value);

fn refuse(status: u16, error: &str, description: &str) -> Refusal {
    Refusal(
        status,
        json!({ "error": error, "error_description": description }),
    )
}

fn json_response(status: u16, body: &Value) -> Response<Body> {
    let mut resp = response(status, body.to_string());
    super::util::add_header(&mut resp, "content-type", "application/json");
    super::util::add_header(&mut resp, "cache-control", "no-store");
    resp
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let record = Recorded::from_parts(&parts, &bytes);
    let (gate, failure) = {
        let mut state = lock(&shared.state);
        state.requests.push(record.clone());
        let failure = (!state.failures.is_empty()).then(|| state.failures.remove(0));
        (state.hold.clone(), failure)
    };
    if let Some(gate) = gate {
        gate.pass().await;
    }
    if let Some((status, body)) = failure {
        let mut resp = response(status, body);
        super::util::add_header(&mut resp, "content-type", "application/json");
        return resp;
    }
    match token(&shared, &record) {
        Ok(body) => json_response(200, &body),
        Err(Refusal(status, body)) => json_response(status, &body),
    }
}

fn endpoint_of(path: &str) -> Option<TokenEndpoint> {
    match path {
        "/oauth2/v1/token" => Some(TokenEndpoint::Okta),
        "/token" => Some(TokenEndpoint::Google),
        "/oauth_token.do" => Some(TokenEndpoint::ServiceNow),
        "/services/oauth2/token" => Some(TokenEndpoint::Salesforce),
        "/oauth/token" => Some(TokenEndpoint::Auth0),
        _ => {
            let tenant = path.strip_prefix('/')?.strip_suffix("/oauth2/v2.0/token")?;
            (!tenant.is_empty() && !tenant.contains('/')).then(|| TokenEndpoint::Microsoft {
                tenant: decode_component(tenant, false),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_by_path() {
        assert_eq!(endpoint_of("/oauth2/v1/token"), Some(TokenEndpoint::Okta));
        assert_eq!(endpoint_of("/token"), Some(TokenEndpoint::Google));
        assert_eq!(endpoint_of("/oauth/token"), Some(TokenEndpoint::Auth0));
        assert_eq!(
            endpoint_of("/oauth_token.do"),
            Some(TokenEndpoint::ServiceNow)
        );
        assert_eq!(
            endpoint_of("/services/oauth2/token"),
            Some(TokenEndpoint::Salesforce)
        );
        assert_eq!(
            endpoint_of("/contoso.onmicrosoft.com/oauth2/v2.0/token"),
            Some(TokenEndpoint::Microsoft {
                tenant: "contoso.onmicrosoft.com".into()
            })
        );
        assert_eq!(endpoint_of("//oauth2/v2.0/token"), None);
        assert_eq!(endpoint_of("/api/v1/users"), None);
    }
}
