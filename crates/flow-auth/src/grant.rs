//! What to ask the token endpoint for: the grants and how the client authenticates, and how
//! each becomes a [`TokenRequest`].

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{AuthError, ConfigError, KeyError};
use crate::exchange::BasicExchange;
use crate::google::ServiceAccountKey;
use crate::jwt::{SigningKey, client_assertion};
use crate::secret::Secret;
use crate::transport::TokenRequest;

/// RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// RFC 7523 §2.1: the JWT bearer authorization grant (Google service accounts).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Microsoft identity platform's login host.
pub const MICROSOFT_LOGIN: &str = "https://login.microsoftonline.com";
/// The scope of an app-only Microsoft Graph token.
pub const MICROSOFT_GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// How the client proves who it is at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
#[derive(Clone)]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic with the form-encoded client id and secret.
    SecretBasic(Secret),
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    SecretPost(Secret),
    /// `private_key_jwt`: a fresh RFC 7523 client assertion signed with the key for each
    /// token request; `kid` names the key when the server holds several.
    PrivateKeyJwt {
        /// The signing key.
        key: Arc<SigningKey>,
        /// The `kid` header, if any.
        kid: Option<String>,
    },
    /// No client authentication (a public client; refresh tokens only).
    None,
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAuth::SecretBasic(_) => f.write_str("client_secret_basic"),
            ClientAuth::SecretPost(_) => f.write_str("client_secret_post"),
            ClientAuth::PrivateKeyJwt { key, kid } => f
                .debug_struct("private_key_jwt")
                .field("algorithm", &key.algorithm())
                .field("kid", kid)
                .finish(),
            ClientAuth::None => f.write_str("none"),
        }
    }
}

impl ClientAuth {
    /// `private_key_jwt` with a PEM private key (see [`SigningKey::from_pem`]) and an
    /// optional `kid`.
    pub fn private_key_jwt(pem: &str, kid: Option<&str>) -> Result<ClientAuth, KeyError> {
        Ok(ClientAuth::PrivateKeyJwt {
            key: Arc::new(SigningKey::from_pem(pem)?),
            kid: kid.map(str::to_owned),
        })
    }
}

/// The OAuth 2.0 client credentials grant (RFC 6749 §4.4): Okta service apps, Microsoft
/// Graph app credentials, and any other machine-to-machine API.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// The token endpoint.
    pub token_url: String,
    /// The client id.
    pub client_id: String,
    /// How the client authenticates.
    pub auth: ClientAuth,
    /// Scopes asked for (sent space-separated; none sends no `scope`).
    pub scopes: Vec<String>,
    /// An `audience` form parameter, for servers that want one (Auth0).
    pub audience: Option<String>,
}

impl ClientCredentials {
    /// Client credentials against any token URL.
    pub fn new(token_url: &str, client_id: &str, auth: ClientAuth, scopes: &[&str]) -> Self {
        ClientCredentials {
            token_url: token_url.to_owned(),
            client_id: client_id.to_owned(),
            auth,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            audience: None,
        }
    }

    /// An Okta service app: token URL `{org}/oauth2/v1/token` (the org authorization server,
    /// which issues the `okta.*` scopes of the Okta management API).
    pub fn okta(org_url: &str, client_id: &str, auth: ClientAuth, scopes: &[&str]) -> Self {
        let token_url = format!("{}/oauth2/v1/token", org_url.trim_end_matches('/'));
        Self::new(&token_url, client_id, auth, scopes)
    }

    /// Microsoft Graph app credentials against `https://login.microsoftonline.com/{tenant}`
    /// with scope `https://graph.microsoft.com/.default`.
    pub fn microsoft_graph(tenant: &str, client_id: &str, auth: ClientAuth) -> Self {
        Self::microsoft(MICROSOFT_LOGIN, tenant, client_id, auth)
    }

    /// Microsoft Graph app credentials against another login host (national clouds, fakes):
    /// token URL `{login}/{tenant}/oauth2/v2.0/token`.
    pub fn microsoft(login: &str, tenant: &str, client_id: &str, auth: ClientAuth) -> Self {
        ClientCredentials {
            token_url: format!("{}/{tenant}/oauth2/v2.0/token", login.trim_end_matches('/')),
            client_id: client_id.to_owned(),
            auth,
            scopes: vec![MICROSOFT_GRAPH_SCOPE.to_owned()],
            audience: None,
        }
    }
}

/// The refresh token grant (RFC 6749 §6). A rotated refresh token replaces the configured
/// one in memory.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    /// The token endpoint.
    pub token_url: String,
    /// The client id.
    pub client_id: String,
    /// How the client authenticates.
    pub auth: ClientAuth,
    /// The refresh token to start with.
    pub refresh_token: Secret,
    /// Scopes asked for (none keeps the originally granted ones).
    pub scopes: Vec<String>,
}

/// A Google service account: a JWT bearer grant signed with the account's key, optionally
/// impersonating a Workspace user (domain-wide delegation).
#[derive(Debug, Clone)]
pub struct GoogleServiceAccount {
    /// The service account key.
    pub key: Arc<ServiceAccountKey>,
    /// The user to act as (`sub`), for domain-wide delegation.
    pub subject: Option<String>,
    /// Scopes asked for (`https://www.googleapis.com/auth/admin.directory.user`, ...).
    pub scopes: Vec<String>,
}

impl GoogleServiceAccount {
    /// A service account from its key JSON, acting as `subject` if given.
    pub fn from_key_json(
        key_json: &str,
        subject: Option<&str>,
        scopes: &[&str],
    ) -> Result<GoogleServiceAccount, AuthError> {
        Ok(GoogleServiceAccount {
            key: Arc::new(ServiceAccountKey::from_json(key_json)?),
            subject: subject.map(str::to_owned),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        })
    }
}

/// A way to get access tokens.
#[derive(Debug, Clone)]
pub enum Grant {
    /// Client credentials.
    ClientCredentials(ClientCredentials),
    /// Refresh token.
    RefreshToken(RefreshToken),
    /// Google service account.
    GoogleServiceAccount(GoogleServiceAccount),
    /// Basic credentials exchanged for a bearer token (Jamf Pro).
    BasicExchange(BasicExchange),
}

impl Grant {
    /// The token endpoint this grant talks to.
    pub fn token_url(&self) -> &str {
        match self {
            Grant::ClientCredentials(g) => &g.token_url,
            Grant::RefreshToken(g) => &g.token_url,
            Grant::GoogleServiceAccount(g) => &g.key.token_uri,
            Grant::BasicExchange(g) => &g.url,
        }
    }

    /// Checks what can be checked before the first request.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let url = self.token_url();
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {}
            _ => return Err(ConfigError::TokenUrl(url.to_owned())),
        }
        match self {
            Grant::ClientCredentials(g) if g.client_id.is_empty() => {
                Err(ConfigError::Empty("client_id"))
            }
            Grant::ClientCredentials(ClientCredentials { auth, .. })
            | Grant::RefreshToken(RefreshToken { auth, .. }) => match auth {
                ClientAuth::SecretBasic(s) | ClientAuth::SecretPost(s) if s.is_empty() => {
                    Err(ConfigError::Empty("client_secret"))
                }
                _ => Ok(()),
            },
            Grant::GoogleServiceAccount(_) => Ok(()),
            Grant::BasicExchange(g) if g.username.is_empty() => Err(ConfigError::Empty("username")),
            Grant::BasicExchange(g) if g.password.is_empty() => Err(ConfigError::Empty("password")),
            Grant::BasicExchange(_) => Ok(()),
        }
    }

    /// The request for a new token; `refresh_token` is the current one for that grant.
    pub(crate) fn request(
        &self,
        refresh_token: Option<&Secret>,
    ) -> Result<TokenRequest, AuthError> {
        match self {
            Grant::ClientCredentials(g) => {
                let scope = g.scopes.join(" ");
                let mut form = vec![("grant_type", "client_credentials")];
                if !scope.is_empty() {
                    form.push(("scope", &scope));
                }
                if let Some(aud) = &g.audience {
                    form.push(("audience", aud));
                }
                authenticate(&g.token_url, &g.client_id, &g.auth, form)
            }
            Grant::RefreshToken(g) => {
                let token = refresh_token.unwrap_or(&g.refresh_token);
                let scope = g.scopes.join(" ");
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.expose()),
                ];
                if !scope.is_empty() {
                    form.push(("scope", &scope));
                }
                let mut req = authenticate(&g.token_url, &g.client_id, &g.auth, form)?;
                req.add_secret(token.expose());
                Ok(req)
            }
            Grant::GoogleServiceAccount(g) => {
                let assertion = g.key.assertion(&g.scopes, g.subject.as_deref())?;
                let form = [("grant_type", JWT_BEARER_GRANT), ("assertion", &assertion)];
                let mut req = TokenRequest::form(&g.key.token_uri, &form);
                req.add_secret(&assertion);
                Ok(req)
            }
            Grant::BasicExchange(g) => Ok(g.request()),
        }
    }
}

/// Adds client authentication to `form` and builds the request.
fn authenticate(
    token_url: &str,
    client_id: &str,
    auth: &ClientAuth,
    form: Vec<(&str, &str)>,
) -> Result<TokenRequest, AuthError> {
    let mut form: Vec<(&str, &str)> = form;
    match auth {
        ClientAuth::SecretBasic(secret) => {
            // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let credentials =
                STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret.expose())));
            let mut req = TokenRequest::form(token_url, &form);
            let value = format!("Basic {credentials}");
            req.headers.push(("authorization".into(), value));
            req.add_secret(&credentials);
            req.add_secret(secret.expose());
            Ok(req)
        }
        ClientAuth::SecretPost(secret) => {
            form.push(("client_id", client_id));
            form.push(("client_secret", secret.expose()));
            let mut req = TokenRequest::form(token_url, &form);
            req.add_secret(secret.expose());
            Ok(req)
        }
        ClientAuth::PrivateKeyJwt { key, kid } => {
            let assertion = client_assertion(key, kid.as_deref(), client_id, token_url)?;
            form.push(("client_id", client_id));
            form.push(("client_assertion_type", CLIENT_ASSERTION_TYPE));
            form.push(("client_assertion", &assertion));
            let mut req = TokenRequest::form(token_url, &form);
            req.add_secret(&assertion);
            Ok(req)
        }
        ClientAuth::None => {
            form.push(("client_id", client_id));
            Ok(TokenRequest::form(token_url, &form))
        }
    }
}
