//! The fake token endpoint refuses what the vendors refuse: hand-made assertions with a
//! wrong audience, lifetime, reused `jti` or mismatched `iss`/`sub`, Google assertions
//! without scope, Microsoft scopes without `/.default`, unknown grants, two client
//! authentication methods. (flow-auth never sends these; the fake must still catch them.)

use std::time::{SystemTime, UNIX_EPOCH};

use flow_auth::SigningKey;
use flow_testkit::fake::FakeOAuth;
use serde_json::{Value, json};

use crate::common::*;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// POSTs `form` to `url`; returns the status and the JSON body.
async fn post(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        body.append_pair(k, v);
    }
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.finish())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn okta_with(fake: &FakeOAuth, claims: Value) -> (u16, Value) {
    let jwt = SigningKey::from_pem(RSA_PRIVATE)
        .unwrap()
        .sign(None, &claims)
        .unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "okta.users.read"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", jwt.as_str()),
    ];
    post(&fake.okta_token_url(), &form).await
}

fn claims(fake: &FakeOAuth, jti: &str) -> Value {
    json!({"iss": "0oa-svc", "sub": "0oa-svc", "aud": fake.okta_token_url(),
           "iat": now(), "exp": now() + 300, "jti": jti})
}

#[tokio::test]
async fn client_assertions_are_checked_like_okta_does() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_key_client("0oa-svc", RSA_PUBLIC).unwrap();
    let (status, body) = okta_with(&fake, claims(&fake, "j1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "okta.users.read");
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));

    let refused = |(status, body): (u16, Value)| {
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{body}"
        );
        body["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let reused = refused(okta_with(&fake, claims(&fake, "j1")).await);
    assert!(reused.contains("jti"), "{reused}");
    let mut c = claims(&fake, "j2");
    c["aud"] = json!("https://elsewhere.example/oauth2/v1/token");
    assert!(refused(okta_with(&fake, c).await).contains("audience"));
    let mut c = claims(&fake, "j3");
    c["exp"] = json!(now() - 10);
    assert!(refused(okta_with(&fake, c).await).contains("expired"));
    let mut c = claims(&fake, "j4");
    c["exp"] = json!(now() + 7200);
    assert!(refused(okta_with(&fake, c).await).contains("60 minutes"));
    let mut c = claims(&fake, "j5");
    c["sub"] = json!("someone-else");
    assert!(refused(okta_with(&fake, c).await).contains("iss and sub"));
    assert_eq!(fake.issued().len(), 1);
}

#[tokio::test]
async fn google_wants_a_scope_and_its_own_audience() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_service_account("sa@p.iam.gserviceaccount.com", RSA_PUBLIC)
        .unwrap();
    let key = SigningKey::from_pem(RSA_PRIVATE).unwrap();
    let url = fake.google_token_url();
    let grant = async |claims: Value| {
        let jwt = key.sign(Some("kid"), &claims).unwrap();
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", jwt.as_str()),
        ];
        post(&url, &form).await
    };
    let base = json!({"iss": "sa@p.iam.gserviceaccount.com", "aud": fake.google_token_url(),
                      "iat": now(), "exp": now() + 3600, "scope": ""});
    let (status, body) = grant(base.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let mut wrong_aud = base.clone();
    wrong_aud["scope"] = json!("https://www.googleapis.com/auth/drive");
    wrong_aud["aud"] = json!("https://oauth2.googleapis.com/token");
    let (status, body) = grant(wrong_aud).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn microsoft_scopes_grants_and_double_authentication_are_refused() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_secret_client("app", SECRET);
    let ms = fake.microsoft_token_url("contoso");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "app"),
        ("client_secret", SECRET),
        ("scope", "User.Read"),
    ];
    let (status, body) = post(&ms, &form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap_or_default()
            .starts_with("AADSTS1002012")
    );

    let form = [
        ("grant_type", "password"),
        ("client_id", "app"),
        ("client_secret", SECRET),
    ];
    let (status, body) = post(&fake.okta_token_url(), &form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );

    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "s"),
        ("client_id", "app"),
        ("client_secret", SECRET),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", "x.y.z"),
    ];
    let (status, body) = post(&fake.okta_token_url(), &form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert!(fake.issued().is_empty());
}
