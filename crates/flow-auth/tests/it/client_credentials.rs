//! Client credentials against the fake token endpoint: each client authentication method,
//! Okta's and Microsoft's token URLs, and error mapping.

use crate::common::*;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use flow_auth::{AuthError, ClientAuth, ClientCredentials, Secret};
use flow_testkit::fake::{FakeOAuth, TokenEndpoint};
use serde_json::Value;

fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap_or_default();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap_or_default()).unwrap_or_default()
}

fn header(jwt: &str) -> Value {
    let part = jwt.split('.').next().unwrap_or_default();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap_or_default()).unwrap_or_default()
}

#[tokio::test]
async fn client_secret_basic_sends_basic_credentials_and_no_secret_in_the_form() {
    let fake = FakeOAuth::start().await.unwrap();
    let grant = okta_secret_app(&fake, ClientAuth::SecretBasic(Secret::new(SECRET)));
    let provider = provider(grant).unwrap();
    let auth = provider.authorization().await.unwrap();
    let issued = fake.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(auth.expose(), format!("Bearer {}", issued[0].access_token));
    assert_eq!(issued[0].client_id, "0oa-secret");
    assert_eq!(issued[0].scope, "okta.users.read");
    assert_eq!(issued[0].endpoint, TokenEndpoint::Okta);
    let req = &fake.requests()[0];
    assert_eq!(req.path, "/oauth2/v1/token");
    let basic = req
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v.clone());
    let expected = STANDARD.encode(format!("0oa-secret:{}", SECRET.replace('~', "%7E")));
    assert_eq!(basic, Some(format!("Basic {expected}")));
    assert!(
        !req.body.contains("Sup3r"),
        "the secret stays out of the body"
    );
    assert_eq!(
        field(&req.body, "grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(
        field(&req.body, "scope").as_deref(),
        Some("okta.users.read")
    );
}

#[tokio::test]
async fn client_secret_post_puts_id_and_secret_in_the_form() {
    let fake = FakeOAuth::start().await.unwrap();
    let grant = okta_secret_app(&fake, ClientAuth::SecretPost(Secret::new(SECRET)));
    provider(grant).unwrap().authorization().await.unwrap();
    let req = &fake.requests()[0];
    assert!(!req.headers.iter().any(|(n, _)| n == "authorization"));
    assert_eq!(field(&req.body, "client_id").as_deref(), Some("0oa-secret"));
    assert_eq!(field(&req.body, "client_secret").as_deref(), Some(SECRET));
    assert_eq!(fake.issued().len(), 1);
}

#[tokio::test]
async fn private_key_jwt_rs256_is_accepted_by_okta_with_scopes() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_key_client("0oa-svc", RSA_PUBLIC).unwrap();
    fake.allow_scopes("0oa-svc", &["okta.users.read", "okta.groups.manage"]);
    let auth = ClientAuth::PrivateKeyJwt {
        key: key(RSA_PRIVATE),
        kid: None,
    };
    let grant = ClientCredentials::okta(
        &format!("{}/", fake.base_url()),
        "0oa-svc",
        auth,
        &["okta.users.read", "okta.groups.manage"],
    );
    assert_eq!(grant.token_url, fake.okta_token_url());
    let token = provider(grant).unwrap().token().await.unwrap();
    assert_eq!(
        token.scope.as_deref(),
        Some("okta.users.read okta.groups.manage")
    );
    let body = &fake.requests()[0].body;
    assert_eq!(
        field(body, "client_assertion_type").as_deref(),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert!(field(body, "client_secret").is_none());
    let jwt = field(body, "client_assertion").unwrap();
    let c = claims(&jwt);
    assert_eq!(
        (c["iss"].as_str(), c["sub"].as_str()),
        (Some("0oa-svc"), Some("0oa-svc"))
    );
    assert_eq!(c["aud"].as_str(), Some(fake.okta_token_url().as_str()));
    let lifetime = c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap();
    assert!(lifetime <= 300, "exp is at most 5 minutes away: {lifetime}");
    assert_eq!(header(&jwt)["alg"], "RS256");
}

#[tokio::test]
async fn private_key_jwt_es256_with_kid_and_pkcs1_rsa_keys_work() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_key_client("0oa-ec", EC_PUBLIC).unwrap();
    fake.add_key_client("0oa-rsa1", RSA_PUBLIC).unwrap();
    let ec = ClientAuth::private_key_jwt(EC_PRIVATE, Some("kid-1")).unwrap();
    let grant = ClientCredentials::okta(&fake.base_url(), "0oa-ec", ec, &["okta.users.read"]);
    provider(grant).unwrap().authorization().await.unwrap();
    let jwt = field(&fake.requests()[0].body, "client_assertion").unwrap();
    assert_eq!(header(&jwt)["alg"], "ES256");
    assert_eq!(header(&jwt)["kid"], "kid-1");
    let rsa1 = ClientAuth::PrivateKeyJwt {
        key: key(RSA_PRIVATE_PKCS1),
        kid: None,
    };
    let grant = ClientCredentials::okta(&fake.base_url(), "0oa-rsa1", rsa1, &["okta.users.read"]);
    provider(grant).unwrap().authorization().await.unwrap();
    assert_eq!(fake.issued().len(), 2);
}

#[tokio::test]
async fn an_assertion_signed_with_the_wrong_key_is_invalid_client() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_key_client("0oa-svc", RSA_PUBLIC).unwrap();
    // The client's registered key is RSA; an EC-signed assertion must fail.
    let auth = ClientAuth::PrivateKeyJwt {
        key: key(EC_PRIVATE),
        kid: None,
    };
    let grant = ClientCredentials::okta(&fake.base_url(), "0oa-svc", auth, &["okta.users.read"]);
    let err = provider(grant).unwrap().authorization().await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_client"));
    assert!(matches!(err, AuthError::OAuth { status: 401, .. }), "{err}");
    assert!(fake.issued().is_empty());
}

#[tokio::test]
async fn a_wrong_secret_is_a_typed_invalid_client_error() {
    let fake = FakeOAuth::start().await.unwrap();
    let grant = okta_secret_app(&fake, ClientAuth::SecretPost(Secret::new("wrong")));
    let err = provider(grant).unwrap().authorization().await.unwrap_err();
    match &err {
        AuthError::OAuth {
            status,
            code,
            description,
            url,
        } => {
            assert_eq!((*status, code.as_str()), (401, "invalid_client"));
            assert_eq!(
                description.as_deref(),
                Some("The client secret supplied for a confidential client is invalid.")
            );
            assert_eq!(url, &fake.okta_token_url());
        }
        other => panic!("expected an OAuth error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_scope_the_app_was_not_granted_is_invalid_scope() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_secret_client("0oa-secret", SECRET);
    fake.allow_scopes("0oa-secret", &["okta.users.read"]);
    let auth = ClientAuth::SecretBasic(Secret::new(SECRET));
    let grant =
        ClientCredentials::okta(&fake.base_url(), "0oa-secret", auth, &["okta.users.manage"]);
    let err = provider(grant).unwrap().authorization().await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_scope"));
    assert!(err.to_string().contains("okta.users.manage"), "{err}");
}

#[tokio::test]
async fn microsoft_graph_app_credentials_use_the_tenant_url_and_default_scope() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_tenant("contoso.onmicrosoft.com");
    fake.add_secret_client("11111111-app", SECRET);
    let auth = ClientAuth::SecretPost(Secret::new(SECRET));
    let grant = ClientCredentials::microsoft(
        &fake.base_url(),
        "contoso.onmicrosoft.com",
        "11111111-app",
        auth,
    );
    let header = provider(grant).unwrap().authorization().await.unwrap();
    let issued = fake.issued();
    assert_eq!(
        header.expose(),
        format!("Bearer {}", issued[0].access_token)
    );
    assert_eq!(issued[0].scope, "https://graph.microsoft.com/.default");
    assert_eq!(
        issued[0].endpoint,
        TokenEndpoint::Microsoft {
            tenant: "contoso.onmicrosoft.com".into()
        }
    );
    assert_eq!(
        fake.requests()[0].path,
        "/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );

    // The production constructor points at login.microsoftonline.com.
    let real = ClientCredentials::microsoft_graph(
        "contoso.onmicrosoft.com",
        "id",
        ClientAuth::SecretPost(Secret::new("s")),
    );
    assert_eq!(
        real.token_url,
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
}

#[tokio::test]
async fn microsoft_errors_keep_the_aadsts_description_and_unknown_tenants_fail() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_tenant("contoso");
    fake.add_secret_client("app", SECRET);
    let bad = ClientCredentials::microsoft(
        &fake.base_url(),
        "contoso",
        "app",
        ClientAuth::SecretPost(Secret::new("nope")),
    );
    let err = provider(bad).unwrap().authorization().await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_client"));
    assert!(err.to_string().contains("AADSTS7000215"), "{err}");
    let other = ClientCredentials::microsoft(
        &fake.base_url(),
        "fabrikam",
        "app",
        ClientAuth::SecretPost(Secret::new(SECRET)),
    );
    let err = provider(other).unwrap().authorization().await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_request"));
}

#[tokio::test]
async fn a_non_oauth_error_and_an_unreachable_endpoint_are_typed() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.fail_next(503, "<html>maintenance</html>");
    let grant = okta_secret_app(&fake, ClientAuth::SecretBasic(Secret::new(SECRET)));
    let err = provider(grant.clone())
        .unwrap()
        .authorization()
        .await
        .unwrap_err();
    assert!(
        matches!(err, AuthError::Status { status: 503, .. }),
        "{err}"
    );
    let mut gone = grant;
    gone.token_url = "http://127.0.0.1:9/oauth2/v1/token".into();
    let err = provider(gone).unwrap().authorization().await.unwrap_err();
    assert!(matches!(err, AuthError::Transport { .. }), "{err}");
}

#[tokio::test]
async fn a_bad_configuration_fails_before_any_request() {
    let fake = FakeOAuth::start().await.unwrap();
    let mut grant = okta_secret_app(&fake, ClientAuth::SecretBasic(Secret::new("")));
    assert!(matches!(provider(grant.clone()), Err(AuthError::Config(_))));
    grant.auth = ClientAuth::SecretBasic(Secret::new(SECRET));
    grant.token_url = "okta.example/oauth2/v1/token".into();
    assert!(matches!(provider(grant), Err(AuthError::Config(_))));
    assert_eq!(fake.request_count(), 0);
}
