//! The token-fetching kinds of a connector's `auth:` (`oauth_client_credentials`,
//! `oauth_refresh_token`, `google_service_account`, `basic_token_exchange`), through
//! `flow-auth`'s [`TokenProvider`]: tokens are fetched with
//! the connection's own HTTP client, cached until shortly before they expire, fetched once
//! under concurrency, and sent as `authorization: Bearer …`. A dry run fetches nothing.

use super::live::AuthProvider;
use crate::ReqwestTransport;
use flow_auth::{
    BasicExchange, ClientAuth, ClientCredentials, GoogleServiceAccount, Grant, RefreshToken,
    TokenProvider, TokenRequest, TransportResponse,
};
use flow_card::{CardError, ErrorKind, HttpRequest, StepCx, Transport};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The longest a token request may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends token requests with flowctl's HTTP client.
struct TokenTransport(Arc<dyn Transport>);

impl flow_auth::Transport for TokenTransport {
    fn post_form<'a>(
        &'a self,
        request: &'a TokenRequest,
    ) -> BoxFuture<'a, Result<TransportResponse, flow_auth::TransportError>> {
        Box::pin(async move {
            let mut req = HttpRequest::new("POST", request.url.clone());
            for (k, v) in &request.headers {
                req = req.header(k, v.clone());
            }
            req.body = Some(request.body.clone().into_bytes());
            for s in &request.secrets {
                req = req.secret(s.clone());
            }
            let resp = self
                .0
                .send(req, TOKEN_TIMEOUT)
                .await
                .map_err(|e| flow_auth::TransportError::new(e.to_string()))?;
            Ok(TransportResponse {
                status: resp.status,
                body: resp.body,
            })
        })
    }
}

/// An OAuth credential of one connection: a token provider, or why the connection's settings
/// cannot make one (reported at the first request).
#[derive(Debug)]
pub struct OAuth {
    /// The connection's name in `flowctl.yaml`, for errors.
    pub connection: String,
    /// The provider, or why there is none.
    pub state: OAuthState,
}

/// Whether an [`OAuth`] credential can get tokens.
#[derive(Debug)]
pub enum OAuthState {
    /// Ready.
    Provider(Box<TokenProvider>),
    /// Unusable settings (a key that does not parse, a bad token URL).
    Broken(String),
}

impl AuthProvider for OAuth {
    fn header<'a>(
        &'a self,
        cx: &'a StepCx<'a>,
    ) -> BoxFuture<'a, Result<Option<(String, String)>, CardError>> {
        Box::pin(async move {
            if cx.dry_run() {
                return Ok(Some(("authorization".into(), "Bearer rehearsal".into())));
            }
            match &self.state {
                OAuthState::Provider(p) => {
                    let v = p.authorization().await.map_err(|e| {
                        CardError::new(
                            ErrorKind::Unauthorized,
                            format!(
                                "connection `{}`: getting an access token: {e}",
                                self.connection
                            ),
                        )
                    })?;
                    Ok(Some(("authorization".into(), v.expose().to_string())))
                }
                OAuthState::Broken(why) => Err(CardError::new(ErrorKind::Config, why.clone())),
            }
        })
    }

    fn rejected(&self, value: &str) -> bool {
        match &self.state {
            OAuthState::Provider(p) => {
                p.invalidate(value);
                true
            }
            OAuthState::Broken(_) => false,
        }
    }

    fn refused_again(&self) -> CardError {
        CardError::new(
            ErrorKind::Unauthorized,
            format!(
                "connection `{}`: the API answered 401 to a freshly fetched access token too; \
                 check that the client is granted this API (scopes, roles, admin consent)",
                self.connection
            ),
        )
    }
}

/// A field of an alternative, evaluated.
pub type Field<'a> = &'a dyn Fn(&str) -> Option<Value>;

fn text(v: Option<Value>) -> Option<String> {
    let t = flow_template::to_text(&v?).trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// Scopes: a list, or text separated by spaces or commas.
fn scopes(v: Option<Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| flow_template::to_text(s).trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(v) => flow_template::to_text(&v)
            .split([' ', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    }
}

/// A PEM written on one line with `\n` escapes works as well as one with line breaks.
fn pem(s: &str) -> String {
    s.replace("\\n", "\n")
}

fn client_auth(field: Field<'_>) -> Result<ClientAuth, String> {
    if let Some(key) = text(field("private_key")) {
        let kid = text(field("key_id"));
        return ClientAuth::private_key_jwt(&pem(&key), kid.as_deref()).map_err(|e| e.to_string());
    }
    match (
        text(field("client_secret")),
        text(field("client_auth")).as_deref(),
    ) {
        (Some(s), Some("post")) => Ok(ClientAuth::SecretPost(flow_auth::Secret::new(s))),
        (Some(s), _) => Ok(ClientAuth::SecretBasic(flow_auth::Secret::new(s))),
        (None, _) => Ok(ClientAuth::None),
    }
}

fn grant(kind: &str, field: Field<'_>) -> Result<Grant, String> {
    let need = |k: &str| text(field(k)).ok_or_else(|| format!("`{k}` is empty"));
    match kind {
        "oauth_client_credentials" => {
            let mut g = ClientCredentials::new(
                &need("token_url")?,
                &need("client_id")?,
                client_auth(field)?,
                &[],
            );
            g.scopes = scopes(field("scopes"));
            g.audience = text(field("audience"));
            Ok(Grant::ClientCredentials(g))
        }
        "oauth_refresh_token" => Ok(Grant::RefreshToken(RefreshToken {
            token_url: need("token_url")?,
            client_id: need("client_id")?,
            auth: client_auth(field)?,
            refresh_token: flow_auth::Secret::new(need("refresh_token")?),
            scopes: scopes(field("scopes")),
        })),
        _ => {
            let subject = text(field("subject"));
            let scopes = scopes(field("scopes"));
            let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
            GoogleServiceAccount::from_key_json(&need("key_json")?, subject.as_deref(), &refs)
                .map(Grant::GoogleServiceAccount)
                .map_err(|e| e.to_string())
        }
    }
}

/// The settings of a `basic_token_exchange` alternative, evaluated.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The URL POSTed to.
    pub url: String,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
    /// The answer's token field (default `token`).
    pub token_field: Option<String>,
    /// The answer's expiry field (default `expires`).
    pub expires_field: Option<String>,
}

/// The credential of a `basic_token_exchange` alternative, for connection `connection`.
pub fn exchange(x: Exchange, dry_run: bool, connection: &str) -> OAuth {
    let mut grant = BasicExchange::new(&x.url, &x.username, flow_auth::Secret::new(x.password));
    if let Some(f) = x.token_field {
        grant.token_field = f;
    }
    if let Some(f) = x.expires_field {
        grant.expires_field = f;
    }
    with_grant(
        "basic_token_exchange",
        Ok(Grant::BasicExchange(grant)),
        dry_run,
        connection,
    )
}

/// The credential of an OAuth alternative `kind` whose fields `field` gives, for connection
/// `connection`. In a dry run the settings may be unresolved: nothing is checked then.
pub fn provider(kind: &str, field: Field<'_>, dry_run: bool, connection: &str) -> OAuth {
    let grant = if dry_run {
        Err(String::new())
    } else {
        grant(kind, field)
    };
    with_grant(kind, grant, dry_run, connection)
}

/// The credential for `grant` (or why there is none); a dry run gets no tokens.
fn with_grant(kind: &str, grant: Result<Grant, String>, dry_run: bool, connection: &str) -> OAuth {
    let state = if dry_run {
        OAuthState::Broken("a dry run gets no tokens".into())
    } else {
        match ReqwestTransport::new() {
            Err(e) => OAuthState::Broken(format!("cannot start the HTTP client: {e}")),
            Ok(t) => {
                let transport = Arc::new(t) as Arc<dyn Transport>;
                match grant.and_then(|g| {
                    TokenProvider::new(g, Arc::new(TokenTransport(transport)))
                        .map_err(|e| e.to_string())
                }) {
                    Ok(p) => OAuthState::Provider(Box::new(p)),
                    Err(why) => OAuthState::Broken(format!(
                        "connection `{connection}`: the {kind} settings: {why}"
                    )),
                }
            }
        }
    };
    OAuth {
        connection: connection.to_string(),
        state,
    }
}
