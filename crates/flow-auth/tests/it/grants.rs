//! The refresh token grant (with rotation) and Google service accounts against the fake.

use crate::common::*;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flow_auth::{
    AuthError, ClientAuth, GoogleServiceAccount, Grant, RefreshToken, Secret, TokenProvider,
};
use flow_testkit::fake::{FakeOAuth, TokenEndpoint};
use serde_json::{Value, json};

fn refresh_grant(fake: &FakeOAuth, auth: ClientAuth, token: &str) -> Grant {
    Grant::RefreshToken(RefreshToken {
        token_url: fake.okta_token_url(),
        client_id: "0oa-web".into(),
        auth,
        refresh_token: Secret::new(token),
        scopes: Vec::new(),
    })
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_new_one_is_used_next() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_secret_client("0oa-web", SECRET);
    fake.add_refresh_token("0oa-web", "rt-initial");
    let grant = refresh_grant(
        &fake,
        ClientAuth::SecretBasic(Secret::new(SECRET)),
        "rt-initial",
    );
    let provider = TokenProvider::new(grant, Reqwest::transport()).unwrap();
    let first = provider.authorization().await.unwrap();
    assert!(
        !fake.refresh_token_live("rt-initial"),
        "the fake rotated it"
    );
    let sent = field(&fake.requests()[0].body, "refresh_token");
    assert_eq!(sent.as_deref(), Some("rt-initial"));
    assert_eq!(
        field(&fake.requests()[0].body, "grant_type").as_deref(),
        Some("refresh_token")
    );

    provider.invalidate(first.expose());
    let second = provider.authorization().await.unwrap();
    assert_ne!(first, second);
    let rotated = field(&fake.requests()[1].body, "refresh_token").unwrap();
    assert_ne!(rotated, "rt-initial", "the rotated refresh token was used");
    assert!(!fake.refresh_token_live(&rotated));
    assert_eq!(fake.issued().len(), 2);
}

#[tokio::test]
async fn a_public_client_refreshes_without_a_secret_and_a_dead_token_is_invalid_grant() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_public_client("0oa-web");
    fake.add_refresh_token("0oa-web", "rt-1");
    fake.set_rotate_refresh_tokens(false);
    let provider = TokenProvider::new(
        refresh_grant(&fake, ClientAuth::None, "rt-1"),
        Reqwest::transport(),
    )
    .unwrap();
    provider.authorization().await.unwrap();
    assert_eq!(
        field(&fake.requests()[0].body, "client_id").as_deref(),
        Some("0oa-web")
    );

    let dead = TokenProvider::new(
        refresh_grant(&fake, ClientAuth::None, "rt-revoked"),
        Reqwest::transport(),
    )
    .unwrap();
    let err = dead.authorization().await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_grant"));
    assert!(!format!("{err} {err:?}").contains("rt-revoked"));
}

fn key_json(fake: &FakeOAuth, pem: &str) -> String {
    json!({
        "type": "service_account",
        "project_id": "flowctl-test",
        "private_key_id": "key-123",
        "private_key": pem,
        "client_email": "flowctl@flowctl-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": fake.google_token_url(),
    })
    .to_string()
}

fn google(fake: &FakeOAuth, pem: &str, subject: Option<&str>) -> TokenProvider {
    let scopes = [
        "https://www.googleapis.com/auth/admin.directory.user",
        "https://www.googleapis.com/auth/gmail.send",
    ];
    let account =
        GoogleServiceAccount::from_key_json(&key_json(fake, pem), subject, &scopes).unwrap();
    TokenProvider::new(Grant::GoogleServiceAccount(account), Reqwest::transport()).unwrap()
}

#[tokio::test]
async fn a_google_service_account_gets_a_delegated_token() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_service_account("flowctl@flowctl-test.iam.gserviceaccount.com", RSA_PUBLIC)
        .unwrap();
    let provider = google(&fake, RSA_PRIVATE, Some("admin@example.com"));
    let header = provider.authorization().await.unwrap();
    let issued = &fake.issued()[0];
    assert_eq!(header.expose(), format!("Bearer {}", issued.access_token));
    assert_eq!(issued.endpoint, TokenEndpoint::Google);
    assert_eq!(issued.subject.as_deref(), Some("admin@example.com"));
    assert_eq!(
        issued.scope,
        "https://www.googleapis.com/auth/admin.directory.user https://www.googleapis.com/auth/gmail.send"
    );
    let body = &fake.requests()[0].body;
    assert_eq!(
        field(body, "grant_type").as_deref(),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    let jwt = field(body, "assertion").unwrap();
    let part = |i: usize| -> Value {
        let seg = jwt.split('.').nth(i).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
    };
    assert_eq!(
        part(0),
        json!({"alg": "RS256", "typ": "JWT", "kid": "key-123"})
    );
    let claims = part(1);
    assert_eq!(
        claims["iss"],
        "flowctl@flowctl-test.iam.gserviceaccount.com"
    );
    assert_eq!(claims["aud"], fake.google_token_url());
    assert_eq!(claims["sub"], "admin@example.com");
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 3600);
}

#[tokio::test]
async fn without_a_subject_the_assertion_has_no_sub() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_service_account("flowctl@flowctl-test.iam.gserviceaccount.com", RSA_PUBLIC)
        .unwrap();
    google(&fake, RSA_PRIVATE, None)
        .authorization()
        .await
        .unwrap();
    assert_eq!(fake.issued()[0].subject, None);
}

#[tokio::test]
async fn a_google_assertion_signed_with_another_key_is_invalid_grant() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_service_account("flowctl@flowctl-test.iam.gserviceaccount.com", EC_PUBLIC)
        .unwrap();
    let err = google(&fake, RSA_PRIVATE, None)
        .authorization()
        .await
        .unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_grant"));
    assert!(matches!(err, AuthError::OAuth { status: 400, .. }));
    assert!(fake.issued().is_empty());
}
