//! The grants of the fake token endpoint: client authentication, scopes, refresh token
//! rotation and Google's JWT bearer grant.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::jwt::{check_lifetime, decode_jwt, verify};
use super::{IssuedToken, OAuthState, Refusal, Shared, TokenEndpoint, endpoint_of, refuse};
use crate::fake::record::Recorded;
use crate::fake::util::{decode_component, form_value, lock, parse_form, random_urlsafe};

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Answers one token request.
pub(super) fn token(shared: &Shared, record: &Recorded) -> Result<Value, Refusal> {
    let endpoint =
        endpoint_of(&record.path).ok_or_else(|| refuse(404, "not_found", "no such endpoint"))?;
    if record.method != "POST" {
        return Err(refuse(
            405,
            "invalid_request",
            "the token endpoint takes POST",
        ));
    }
    let header = |name: &str| {
        record
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if !header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        return Err(refuse(
            400,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form = parse_form(&record.body);
    let url = format!("{}{}", shared.base_url, record.path);
    let mut state = lock(&shared.state);
    if let TokenEndpoint::Microsoft { tenant } = &endpoint
        && !state.tenants.is_empty()
        && !state.tenants.contains(tenant)
    {
        return Err(refuse(
            400,
            "invalid_request",
            &format!("AADSTS90002: Tenant '{tenant}' not found."),
        ));
    }
    let grant_type = form_value(&form, "grant_type")
        .unwrap_or_default()
        .to_owned();
    let (client_id, scope, subject) = match grant_type.as_str() {
        "client_credentials" if endpoint != TokenEndpoint::Google => {
            let client_id =
                authenticate(&mut state, &form, header("authorization"), &url, &endpoint)?;
            let scope = form_value(&form, "scope").unwrap_or_default().to_owned();
            check_scope(&state, &client_id, &scope, &endpoint)?;
            // https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow/call-your-api-using-the-client-credentials-flow
            if endpoint == TokenEndpoint::Auth0
                && form_value(&form, "audience").is_none_or(str::is_empty)
            {
                return Err(refuse(
                    403,
                    "access_denied",
                    "No audience parameter was provided, and no default audience has been configured",
                ));
            }
            (client_id, scope, None)
        }
        "refresh_token" if !matches!(endpoint, TokenEndpoint::Microsoft { .. }) => {
            let client_id =
                authenticate(&mut state, &form, header("authorization"), &url, &endpoint)?;
            let old = form_value(&form, "refresh_token").unwrap_or_default();
            if state.refresh_tokens.get(old) != Some(&client_id) {
                return Err(refuse(
                    400,
                    "invalid_grant",
                    "The refresh token is invalid or expired.",
                ));
            }
            let scope = form_value(&form, "scope").unwrap_or_default().to_owned();
            if state.rotate {
                state.refresh_tokens.remove(old);
                let new = format!("rt-{}", random_urlsafe(32));
                state.refresh_tokens.insert(new.clone(), client_id.clone());
                let mut body = issue(&mut state, client_id, scope, None, &grant_type, endpoint);
                body["refresh_token"] = json!(new);
                return Ok(body);
            }
            (client_id, scope, None)
        }
        JWT_BEARER if endpoint == TokenEndpoint::Google => {
            let assertion = form_value(&form, "assertion").unwrap_or_default();
            let (iss, scope, sub) = google_assertion(&state, assertion, &url)?;
            (iss, scope, sub)
        }
        _ => {
            return Err(refuse(
                400,
                "unsupported_grant_type",
                "The grant type is not supported by this endpoint.",
            ));
        }
    };
    Ok(issue(
        &mut state,
        client_id,
        scope,
        subject,
        &grant_type,
        endpoint,
    ))
}

fn issue(
    state: &mut OAuthState,
    client_id: String,
    scope: String,
    subject: Option<String>,
    grant_type: &str,
    endpoint: TokenEndpoint,
) -> Value {
    let queued = (!state.next_tokens.is_empty()).then(|| state.next_tokens.remove(0));
    let access_token = queued
        .or_else(|| state.fixed_token.clone())
        .unwrap_or_else(|| format!("at-{}", random_urlsafe(40)));
    let mut body = json!({
        "token_type": "Bearer",
        "expires_in": state.expires_in,
        "access_token": access_token,
    });
    if matches!(endpoint, TokenEndpoint::Microsoft { .. }) {
        body["ext_expires_in"] = json!(state.expires_in);
    } else if !scope.is_empty() {
        body["scope"] = json!(scope);
    }
    state.issued.push(IssuedToken {
        access_token,
        client_id,
        scope,
        subject,
        grant_type: grant_type.to_owned(),
        endpoint,
    });
    body
}

fn check_scope(
    state: &OAuthState,
    client_id: &str,
    scope: &str,
    endpoint: &TokenEndpoint,
) -> Result<(), Refusal> {
    let asked: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    let optional = matches!(
        endpoint,
        TokenEndpoint::ServiceNow | TokenEndpoint::Salesforce | TokenEndpoint::Auth0
    );
    if asked.is_empty() && optional {
        return Ok(());
    }
    if asked.is_empty() {
        return Err(refuse(
            400,
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        ));
    }
    if matches!(endpoint, TokenEndpoint::Microsoft { .. })
        && (asked.len() != 1 || !asked[0].ends_with("/.default"))
    {
        return Err(refuse(
            400,
            "invalid_scope",
            "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
        ));
    }
    let allowed = state.clients.get(client_id).and_then(|c| c.scopes.as_ref());
    if let Some(allowed) = allowed {
        let denied: Vec<&str> = asked
            .into_iter()
            .filter(|s| !allowed.iter().any(|a| a == s))
            .collect();
        if !denied.is_empty() {
            return Err(refuse(
                400,
                "invalid_scope",
                &format!(
                    "The following scopes are not allowed: {}",
                    denied.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn invalid_client(endpoint: &TokenEndpoint, detail: &str) -> Refusal {
    let description = match endpoint {
        TokenEndpoint::Microsoft { .. } => format!("AADSTS7000215: {detail}"),
        _ => detail.to_owned(),
    };
    refuse(401, "invalid_client", &description)
}

/// Authenticates the client of a request; returns its id.
fn authenticate(
    state: &mut OAuthState,
    form: &[(String, String)],
    authorization: Option<&str>,
    url: &str,
    endpoint: &TokenEndpoint,
) -> Result<String, Refusal> {
    let form_id = form_value(form, "client_id");
    let basic = authorization.and_then(|a| a.strip_prefix("Basic "));
    let posted = form_value(form, "client_secret");
    let assertion = form_value(form, "client_assertion");
    let methods = [basic.is_some(), posted.is_some(), assertion.is_some()];
    if methods.iter().filter(|m| **m).count() > 1 {
        return Err(refuse(
            400,
            "invalid_request",
            "Cannot supply multiple client credentials.",
        ));
    }
    if let Some(basic) = basic {
        let decoded = STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let (id, secret) = decoded
            .as_deref()
            .and_then(|d| d.split_once(':'))
            .map(|(i, s)| (decode_component(i, true), decode_component(s, true)))
            .ok_or_else(|| invalid_client(endpoint, "Malformed Basic credentials."))?;
        return check_secret(state, &id, &secret, endpoint);
    }
    if let Some(secret) = posted {
        let id = form_id.ok_or_else(|| refuse(400, "invalid_request", "client_id is required."))?;
        return check_secret(state, id, secret, endpoint);
    }
    if let Some(assertion) = assertion {
        if form_value(form, "client_assertion_type") != Some(ASSERTION_TYPE) {
            return Err(refuse(
                400,
                "invalid_request",
                "client_assertion_type is missing or unsupported.",
            ));
        }
        return check_client_assertion(state, assertion, form_id, url, endpoint);
    }
    let id = form_id.ok_or_else(|| invalid_client(endpoint, "Client authentication failed."))?;
    match state.clients.get(id) {
        Some(c) if c.secret.is_none() && c.key.is_none() => Ok(id.to_owned()),
        _ => Err(invalid_client(endpoint, "Client authentication failed.")),
    }
}

fn check_secret(
    state: &OAuthState,
    id: &str,
    secret: &str,
    endpoint: &TokenEndpoint,
) -> Result<String, Refusal> {
    match state.clients.get(id).and_then(|c| c.secret.as_deref()) {
        Some(expected) if expected == secret => Ok(id.to_owned()),
        Some(_) => Err(invalid_client(
            endpoint,
            "The client secret supplied for a confidential client is invalid.",
        )),
        None => Err(invalid_client(
            endpoint,
            "The client is unknown or does not use a client secret.",
        )),
    }
}

fn check_client_assertion(
    state: &mut OAuthState,
    assertion: &str,
    form_id: Option<&str>,
    url: &str,
    endpoint: &TokenEndpoint,
) -> Result<String, Refusal> {
    let bad = |what: &str| invalid_client(endpoint, what);
    let (_, claims) =
        decode_jwt(assertion).ok_or_else(|| bad("The client_assertion is not a JWT."))?;
    let iss = claims["iss"].as_str().unwrap_or_default().to_owned();
    if claims["sub"].as_str() != Some(iss.as_str()) || form_id.is_some_and(|id| id != iss) {
        return Err(bad(
            "The iss and sub claims of the client_assertion must be the client_id.",
        ));
    }
    let key = state
        .clients
        .get(&iss)
        .and_then(|c| c.key.clone())
        .ok_or_else(|| bad("The client is unknown or has no public key."))?;
    if !verify(&key, assertion) {
        return Err(bad("The client_assertion signature is invalid."));
    }
    if claims["aud"].as_str() != Some(url) {
        return Err(bad(
            "The audience claim for client_assertion must be the endpoint invoked for the request.",
        ));
    }
    check_lifetime(&claims).map_err(&bad)?;
    let jti = claims["jti"].as_str().unwrap_or_default();
    if jti.is_empty() || !state.seen_jti.insert(jti.to_owned()) {
        return Err(bad(
            "The client_assertion token has a missing or previously used jti.",
        ));
    }
    Ok(iss)
}

/// Google's checks of a service account assertion; returns (iss, scope, sub).
fn google_assertion(
    state: &OAuthState,
    assertion: &str,
    url: &str,
) -> Result<(String, String, Option<String>), Refusal> {
    let bad = |what: &str| refuse(400, "invalid_grant", what);
    let (_, claims) = decode_jwt(assertion).ok_or_else(|| bad("Invalid JWT."))?;
    let iss = claims["iss"].as_str().unwrap_or_default().to_owned();
    let key = state
        .service_accounts
        .get(&iss)
        .ok_or_else(|| bad("Invalid grant: account not found"))?;
    if !verify(key, assertion) {
        return Err(bad("Invalid JWT Signature."));
    }
    if claims["aud"].as_str() != Some(url) {
        return Err(bad("Invalid JWT: Failed audience check."));
    }
    check_lifetime(&claims).map_err(&bad)?;
    let scope = claims["scope"].as_str().unwrap_or_default().to_owned();
    if scope.trim().is_empty() {
        return Err(refuse(
            400,
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.",
        ));
    }
    let sub = claims["sub"].as_str().map(str::to_owned);
    Ok((iss, scope, sub))
}
