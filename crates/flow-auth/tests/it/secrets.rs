//! No secret, signed assertion, refresh token or access token ever shows in an error message
//! or a `Debug` output of any type of the crate.

use std::sync::{Arc, Mutex};

use crate::common::*;
use flow_auth::{
    AuthError, ClientAuth, ClientCredentials, ConfigError, GoogleServiceAccount, Grant, KeyError,
    RefreshToken, Secret, ServiceAccountKey, SigningKey, TokenProvider, TokenRequest, Transport,
    TransportError, TransportResponse,
};
use flow_testkit::fake::FakeOAuth;
use futures_util::future::BoxFuture;
use serde_json::json;

const REFRESH: &str = "rt-Very-Secret-Refresh";
const ACCESS: &str = "at-Very-Secret-Access";

/// A token endpoint that quotes the whole request back in its error description (or, once
/// `ok`, answers a token), and keeps the requests it saw.
struct Echo {
    ok: bool,
    seen: Mutex<Vec<TokenRequest>>,
}

impl Transport for Echo {
    fn post_form<'a>(
        &'a self,
        request: &'a TokenRequest,
    ) -> BoxFuture<'a, Result<TransportResponse, TransportError>> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(request.clone());
            let body = if self.ok {
                json!({"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-next"})
            } else {
                let headers: Vec<String> = request
                    .headers
                    .iter()
                    .map(|(n, v)| format!("{n}: {v}"))
                    .collect();
                json!({"error": format!("bad {}", request.body), "error_description": format!("{} {}", request.body, headers.join(" "))})
            };
            Ok(TransportResponse {
                status: if self.ok { 200 } else { 400 },
                body: body.to_string().into_bytes(),
            })
        })
    }
}

fn grants(google_key: Arc<ServiceAccountKey>) -> Vec<Grant> {
    let cc =
        |auth| ClientCredentials::okta("https://acme.okta.com", "0oa1", auth, &["okta.users.read"]);
    vec![
        Grant::ClientCredentials(cc(ClientAuth::SecretBasic(Secret::new(SECRET)))),
        Grant::ClientCredentials(cc(ClientAuth::SecretPost(Secret::new(SECRET)))),
        Grant::ClientCredentials(cc(ClientAuth::PrivateKeyJwt {
            key: key(RSA_PRIVATE),
            kid: Some("k".into()),
        })),
        Grant::ClientCredentials(ClientCredentials::microsoft_graph(
            "t",
            "app",
            ClientAuth::SecretPost(Secret::new(SECRET)),
        )),
        Grant::RefreshToken(RefreshToken {
            token_url: "https://acme.okta.com/oauth2/v1/token".into(),
            client_id: "0oa1".into(),
            auth: ClientAuth::SecretPost(Secret::new(SECRET)),
            refresh_token: Secret::new(REFRESH),
            scopes: vec!["offline_access".into()],
        }),
        Grant::GoogleServiceAccount(GoogleServiceAccount {
            key: google_key,
            subject: Some("a@b.c".into()),
            scopes: vec!["s".into()],
        }),
    ]
}

/// The secrets a text must not contain: the client secret, the refresh and access tokens,
/// a piece of the private key, and every secret the requests carried (assertions, Basic
/// credentials).
fn assert_clean(text: &str, requests: &[TokenRequest]) {
    let key_piece = RSA_PRIVATE.lines().nth(3).unwrap_or("MISSING");
    for secret in [SECRET, REFRESH, ACCESS, key_piece, "Sup3r"] {
        assert!(!text.contains(secret), "{secret:?} leaked in: {text}");
    }
    for request in requests {
        for secret in &request.secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a request secret leaked in: {text}"
            );
        }
    }
}

#[tokio::test]
async fn errors_and_debug_of_every_type_hold_no_secret() {
    let key_json = json!({"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com",
        "private_key_id": "kid", "private_key": RSA_PRIVATE, "token_uri": "https://oauth2.googleapis.com/token"});
    let google_key = Arc::new(ServiceAccountKey::from_json(&key_json.to_string()).unwrap());
    let mut texts = vec![
        format!("{:?}", Secret::new(SECRET)),
        format!("{google_key:?}"),
        format!("{:?}", SigningKey::from_pem(RSA_PRIVATE).unwrap()),
        format!("{:?}", SigningKey::from_pem(EC_PRIVATE).unwrap()),
        format!(
            "{:?}",
            TransportResponse {
                status: 200,
                body: ACCESS.as_bytes().to_vec()
            }
        ),
    ];
    // Errors made from secret-bearing input.
    for err in [
        SigningKey::from_pem(SECRET).err().map(AuthError::from),
        ServiceAccountKey::from_json(
            &json!({"client_email": "a", "private_key": SECRET}).to_string(),
        )
        .err(),
        ServiceAccountKey::from_json(&format!("{{\"private_key\": \"{SECRET}\"")).err(),
        Some(AuthError::from(KeyError::Signing)),
        Some(AuthError::from(ConfigError::Empty("client_secret"))),
    ]
    .into_iter()
    .flatten()
    {
        texts.push(format!("{err} / {err:?}"));
    }

    let mut requests = Vec::new();
    for ok in [false, true] {
        for grant in grants(Arc::clone(&google_key)) {
            texts.push(format!("{grant:?}"));
            let echo = Arc::new(Echo {
                ok,
                seen: Mutex::new(Vec::new()),
            });
            let provider = TokenProvider::new(grant, echo.clone()).unwrap();
            match provider.token().await {
                Ok(token) => texts.push(format!("{token:?} {:?}", token.authorization)),
                Err(err) => {
                    assert!(matches!(err, AuthError::OAuth { .. }), "{err:?}");
                    texts.push(format!("{err} / {err:?}"));
                }
            }
            texts.push(format!("{provider:?}"));
            let seen = echo.seen.lock().unwrap().clone();
            for request in &seen {
                texts.push(format!("{request:?}"));
                assert!(
                    !request.secrets.is_empty(),
                    "every token request lists its secrets"
                );
            }
            requests.extend(seen);
        }
    }
    // The echo quoted every secret back, so the provider really had something to scrub.
    assert!(requests.iter().any(|r| r.body.contains(REFRESH)));
    for text in &texts {
        assert_clean(text, &requests);
    }
}

#[tokio::test]
async fn transport_and_invalid_response_errors_hold_no_secret() {
    struct Broken(u16, &'static str);
    impl Transport for Broken {
        fn post_form<'a>(
            &'a self,
            _: &'a TokenRequest,
        ) -> BoxFuture<'a, Result<TransportResponse, TransportError>> {
            Box::pin(async move {
                if self.0 == 0 {
                    return Err(TransportError::new("connection refused"));
                }
                Ok(TransportResponse {
                    status: self.0,
                    body: self.1.as_bytes().to_vec(),
                })
            })
        }
    }
    let cases: [(u16, &'static str); 4] = [
        (0, ""),
        (
            200,
            r#"{"access_token":"at-Very-Secret-Access","token_type":"DPoP"}"#,
        ),
        (
            200,
            r#"{"access_token":"at-Very-Secret-Access","expires_in":"soon"}"#,
        ),
        (
            500,
            r#"{"message":"at-Very-Secret-Access cs-Sup3rS3cret~value"}"#,
        ),
    ];
    for (status, body) in cases {
        let grant = ClientCredentials::okta(
            "https://acme.okta.com",
            "0oa1",
            ClientAuth::SecretBasic(Secret::new(SECRET)),
            &["s"],
        );
        let provider = TokenProvider::new(
            Grant::ClientCredentials(grant),
            Arc::new(Broken(status, body)),
        )
        .unwrap();
        let err = provider.authorization().await.unwrap_err();
        assert_clean(&format!("{err} / {err:?}"), &[]);
    }
}

#[tokio::test]
async fn a_refused_secret_does_not_come_back_in_the_error() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.add_secret_client("0oa-secret", "the-real-one");
    let auth = ClientAuth::SecretPost(Secret::new(SECRET));
    let grant = ClientCredentials::okta(&fake.base_url(), "0oa-secret", auth, &["s"]);
    let err = provider(grant).unwrap().authorization().await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_client"));
    assert_clean(&format!("{err} / {err:?}"), &[]);
}
