//! The seam as the engine uses it: the provider's header on a real API request to the fake
//! Okta, and the 401 → invalidate → fetch again → retry cycle.

use flow_auth::{ClientAuth, ClientCredentials};
use flow_testkit::fake::FakeOAuth;
use flow_testkit::{FakeOkta, UserStatus};

use crate::common::*;

async fn get_user(okta: &FakeOkta, id: &str, authorization: &str) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .get(format!("{}/api/v1/users/{id}", okta.base_url()))
        .header("authorization", authorization)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_rejected_token_is_replaced_once_and_the_retry_succeeds() {
    let okta = FakeOkta::start().await.unwrap();
    let user = okta.add_user("alice@example.com", UserStatus::Active);
    let oauth = FakeOAuth::start().await.unwrap();
    oauth.add_key_client("0oa-svc", EC_PUBLIC).unwrap();
    let auth = ClientAuth::PrivateKeyJwt {
        key: key(EC_PRIVATE),
        kid: None,
    };
    let grant = ClientCredentials::okta(&oauth.base_url(), "0oa-svc", auth, &["okta.users.read"]);
    let provider = provider(grant).unwrap();

    // The first token is one the fake Okta does not know: 401.
    let first = provider.authorization().await.unwrap();
    assert_eq!(get_user(&okta, &user, first.expose()).await, 401);
    // The engine drops that token and asks again; now the endpoint issues Okta's token.
    oauth.set_fixed_access_token(Some(&okta.access_token()));
    assert_eq!(
        provider.authorization().await.unwrap(),
        first,
        "cached until invalidated"
    );
    provider.invalidate(first.expose());
    let second = provider.authorization().await.unwrap();
    assert_eq!(second.expose(), format!("Bearer {}", okta.access_token()));
    assert_eq!(get_user(&okta, &user, second.expose()).await, 200);
    assert_eq!(oauth.issued().len(), 2);
}
