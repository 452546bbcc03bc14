//! The token cache: reuse until shortly before expiry, one fetch under concurrency,
//! invalidation after a 401.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::common::*;
use flow_auth::{ClientAuth, Clock, Grant, Secret, TokenProvider};
use flow_testkit::Gate;
use flow_testkit::fake::FakeOAuth;

/// A clock the test moves by hand.
struct Manual {
    start: Instant,
    offset_secs: AtomicU64,
}

impl Manual {
    fn new() -> Arc<Manual> {
        Arc::new(Manual {
            start: Instant::now(),
            offset_secs: AtomicU64::new(0),
        })
    }
    fn advance(&self, secs: u64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for Manual {
    fn now(&self) -> Instant {
        self.start + Duration::from_secs(self.offset_secs.load(Ordering::SeqCst))
    }
}

async fn secret_provider(fake: &FakeOAuth) -> TokenProvider {
    let grant = okta_secret_app(fake, ClientAuth::SecretBasic(Secret::new(SECRET)));
    TokenProvider::new(Grant::ClientCredentials(grant), Reqwest::transport()).unwrap()
}

#[tokio::test]
async fn a_token_is_reused_until_shortly_before_it_expires() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.set_expires_in(3600);
    let clock = Manual::new();
    let provider = secret_provider(&fake).await.with_clock(clock.clone());
    let first = provider.authorization().await.unwrap();
    clock.advance(3600 - 61);
    assert_eq!(provider.authorization().await.unwrap(), first);
    assert_eq!(
        fake.request_count(),
        1,
        "still valid for more than the 60 s margin"
    );
    clock.advance(2);
    let second = provider.authorization().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(fake.request_count(), 2, "refreshed within the margin");
    assert_eq!(provider.authorization().await.unwrap(), second);
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn the_margin_is_at_most_half_a_short_lifetime_and_zero_lifetimes_are_not_cached() {
    let fake = FakeOAuth::start().await.unwrap();
    fake.set_expires_in(60);
    let clock = Manual::new();
    let provider = secret_provider(&fake).await.with_clock(clock.clone());
    provider.authorization().await.unwrap();
    clock.advance(29);
    provider.authorization().await.unwrap();
    assert_eq!(fake.request_count(), 1, "a 60 s token is kept for 30 s");
    clock.advance(1);
    provider.authorization().await.unwrap();
    assert_eq!(fake.request_count(), 2);

    fake.set_expires_in(0);
    provider.clear();
    provider.authorization().await.unwrap();
    provider.authorization().await.unwrap();
    assert_eq!(
        fake.request_count(),
        4,
        "an already expired token is never reused"
    );
}

#[tokio::test]
async fn fifty_concurrent_callers_cause_exactly_one_token_request() {
    let fake = FakeOAuth::start().await.unwrap();
    let gate = Gate::new();
    fake.hold(Some(gate.clone()));
    let provider = Arc::new(secret_provider(&fake).await);
    let callers: Vec<_> = (0..50)
        .map(|_| {
            let p = Arc::clone(&provider);
            tokio::spawn(async move { p.authorization().await })
        })
        .collect();
    // One request reaches the endpoint and is held there: every caller started before any
    // token exists, so a provider without single-flight would send fifty.
    gate.wait_arrived(1).await;
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    gate.open();
    let mut headers = Vec::new();
    for caller in callers {
        headers.push(caller.await.unwrap().unwrap());
    }
    assert_eq!(fake.request_count(), 1);
    assert_eq!(fake.issued().len(), 1);
    assert!(headers.iter().all(|h| h == &headers[0]));
}

#[tokio::test]
async fn concurrent_callers_share_one_failure() {
    let fake = FakeOAuth::start().await.unwrap();
    let gate = Gate::new();
    fake.hold(Some(gate.clone()));
    fake.fail_next(
        401,
        r#"{"error":"invalid_client","error_description":"nope"}"#,
    );
    let provider = Arc::new(secret_provider(&fake).await);
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let p = Arc::clone(&provider);
            tokio::spawn(async move { p.authorization().await })
        })
        .collect();
    gate.wait_arrived(1).await;
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    gate.open();
    for caller in callers {
        let err = caller.await.unwrap().unwrap_err();
        assert_eq!(err.oauth_code(), Some("invalid_client"));
    }
    assert_eq!(fake.request_count(), 1);
    // A later caller tries again (the failure is not cached).
    assert!(provider.authorization().await.is_ok());
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn invalidate_drops_only_the_rejected_token() {
    let fake = FakeOAuth::start().await.unwrap();
    let provider = secret_provider(&fake).await;
    let old = provider.authorization().await.unwrap();
    provider.invalidate(old.expose());
    let new = provider.authorization().await.unwrap();
    assert_ne!(new, old);
    assert_eq!(fake.request_count(), 2);
    // A late 401 for the old token does not throw away the new one.
    provider.invalidate(old.expose());
    assert_eq!(provider.authorization().await.unwrap(), new);
    assert_eq!(fake.request_count(), 2);
}
