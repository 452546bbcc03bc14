//! Integration tests for the fake Okta server, driven over real HTTP on 127.0.0.1.

use crate::common;

use std::time::{Duration, UNIX_EPOCH};

use common::{assert_error_shape, call, client, get, header, now_epoch};
use flow_testkit::{FakeOkta, Fault, Gate, UserStatus};
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test]
async fn user_lookup_by_id_login_and_encoded_login() {
    let okta = FakeOkta::start().await.unwrap();
    let alice = okta.add_user("alice.liddell@example.com", UserStatus::Active);
    let plus = okta.add_user("a+b@x.com", UserStatus::Active);
    let svc = okta.add_user("svc.backup", UserStatus::Staged);
    assert!(alice.starts_with("00u") && alice.len() == 20);
    assert!(alice[3..].chars().all(|c| c.is_ascii_alphanumeric()));

    let resp = get(&okta, &format!("/api/v1/users/{alice}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "content-type"), "application/json");
    assert!(!header(&resp, "x-okta-request-id").is_empty());
    assert_eq!(header(&resp, "x-rate-limit-limit"), "600");
    assert_eq!(header(&resp, "x-rate-limit-remaining"), "599");
    assert!(header(&resp, "x-rate-limit-reset").parse::<u64>().unwrap() >= now_epoch());
    httpdate::parse_http_date(header(&resp, "date")).unwrap();
    let user: Value = resp.json().await.unwrap();
    assert_eq!(user["id"], alice.as_str());
    assert_eq!(user["status"], "ACTIVE");
    assert_eq!(user["profile"]["login"], "alice.liddell@example.com");
    assert_eq!(user["profile"]["email"], "alice.liddell@example.com");
    assert_eq!(user["profile"]["firstName"], "Alice");
    assert_eq!(user["profile"]["lastName"], "Liddell");
    assert_eq!(user["lastLogin"], Value::Null);
    assert!(user["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(user["credentials"]["provider"]["type"], "OKTA");
    let self_href = user["_links"]["self"]["href"].as_str().unwrap();
    assert_eq!(
        self_href,
        format!("{}/api/v1/users/{alice}", okta.base_url())
    );
    assert!(user["_links"]["suspend"]["href"].is_string());

    let resp = get(&okta, "/api/v1/users/alice.liddell%40example.com").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap()["id"], alice.as_str());

    let resp = get(&okta, "/api/v1/users/a%2Bb%40x.com").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let user: Value = resp.json().await.unwrap();
    assert_eq!(user["id"], plus.as_str());
    assert_eq!(user["profile"]["login"], "a+b@x.com");

    let resp = get(&okta, "/api/v1/users/svc.backup").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let user: Value = resp.json().await.unwrap();
    assert_eq!(user["id"], svc.as_str());
    assert_eq!(user["status"], "STAGED");
    assert_eq!(user["activated"], Value::Null);

    let recorded = okta.requests();
    assert_eq!(recorded.len(), 4);
    assert_eq!(recorded[2].path, "/api/v1/users/a%2Bb%40x.com");
    assert_eq!(recorded[2].method, "GET");
    assert_eq!(recorded[2].header("accept"), Some("application/json"));
}

#[tokio::test]
async fn unknown_user_is_404_with_okta_error_body() {
    let okta = FakeOkta::start().await.unwrap();
    let resp = get(&okta, "/api/v1/users/nobody%40example.com").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&resp, "content-type"), "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_error_shape(&body, "E0000007");
    assert_eq!(
        body["errorSummary"],
        "Not found: Resource not found: nobody@example.com (User)"
    );
    assert_eq!(body["errorCauses"], serde_json::json!([]));
}

#[tokio::test]
async fn authentication_is_required() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("alice@example.com", UserStatus::Active);
    let url = format!("{}/api/v1/users/{id}", okta.base_url());

    for auth in [
        Some("SSWS not-the-token".to_owned()),
        Some(format!("Bearer {}", okta.token())),
        Some(format!("SSWS {}", okta.access_token())),
        None,
    ] {
        let mut req = client().get(&url);
        if let Some(auth) = &auth {
            req = req.header("Authorization", auth);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        httpdate::parse_http_date(header(&resp, "date")).unwrap();
        let text = resp.text().await.unwrap();
        assert!(!text.contains(&okta.token()) && !text.contains(&okta.access_token()));
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_error_shape(&body, "E0000011");
        assert_eq!(body["errorSummary"], "Invalid token provided");
    }

    let resp = client()
        .get(&url)
        .bearer_auth(okta.access_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn suspend_unsuspend_deactivate_follow_the_state_table() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("alice@example.com", UserStatus::Active);
    let op = |op: &str| format!("/api/v1/users/{id}/lifecycle/{op}");

    let resp = call(&okta, Method::POST, &op("suspend")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), serde_json::json!({}));
    assert_eq!(okta.status_of(&id), Some(UserStatus::Suspended));
    assert_eq!(
        okta.status_of("alice@example.com"),
        Some(UserStatus::Suspended)
    );

    let resp = call(&okta, Method::POST, &op("suspend")).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_error_shape(&body, "E0000001");
    assert_eq!(body["errorSummary"], "Api validation failed: suspendUser");
    assert_eq!(
        body["errorCauses"][0]["errorSummary"],
        "Cannot suspend a user that is not active"
    );

    let resp = call(&okta, Method::POST, &op("unsuspend")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(okta.status_of(&id), Some(UserStatus::Active));
    let resp = call(&okta, Method::POST, &op("unsuspend")).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["errorCauses"][0]["errorSummary"],
        "Cannot unsuspend a user that is not suspended"
    );

    // Lifecycle paths also accept the login.
    let resp = call(
        &okta,
        Method::POST,
        "/api/v1/users/alice%40example.com/lifecycle/deactivate",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(okta.status_of(&id), Some(UserStatus::Deprovisioned));
    let resp = call(&okta, Method::POST, &op("suspend")).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = call(&okta, Method::POST, &op("deactivate")).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let resp = call(
        &okta,
        Method::POST,
        "/api/v1/users/00uNOPE/lifecycle/suspend",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_error_shape(&resp.json().await.unwrap(), "E0000007");
}

#[tokio::test]
async fn clearing_sessions_returns_204_and_counts() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("bob@example.com", UserStatus::Active);
    let resp = call(
        &okta,
        Method::DELETE,
        &format!("/api/v1/users/{id}/sessions"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.bytes().await.unwrap().is_empty());
    let resp = call(
        &okta,
        Method::DELETE,
        &format!("/api/v1/users/{id}/sessions?oauthTokens=true&forgetDevices=false"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(okta.sessions_cleared(&id), 2);
    let clears = okta.session_clears(&id);
    assert!(!clears[0].oauth_tokens && clears[0].forget_devices.is_none());
    assert!(clears[1].oauth_tokens && clears[1].forget_devices == Some(false));

    let resp = call(&okta, Method::DELETE, "/api/v1/users/00uUNKNOWN/sessions").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(okta.sessions_cleared("00uUNKNOWN"), 0);
}

#[tokio::test]
async fn forced_rate_limit_fault() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("carol@example.com", UserStatus::Active);
    okta.fault(Fault::RateLimit {
        times: 1,
        reset_in: Duration::from_secs(2),
    });
    let before = now_epoch();
    let resp = get(&okta, &format!("/api/v1/users/{id}")).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&resp, "x-rate-limit-remaining"), "0");
    let reset: u64 = header(&resp, "x-rate-limit-reset").parse().unwrap();
    assert!(reset >= before + 2 && reset <= now_epoch() + 3, "{reset}");
    let date = httpdate::parse_http_date(header(&resp, "date")).unwrap();
    let date_epoch = date.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(reset > date_epoch);
    assert_eq!(header(&resp, "content-type"), "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_error_shape(&body, "E0000047");
    assert_eq!(
        body["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );

    let resp = get(&okta, &format!("/api/v1/users/{id}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn server_error_fault_then_recovery() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("dave@example.com", UserStatus::Active);
    okta.fault(Fault::ServerError {
        times: 2,
        status: 500,
    });
    okta.fault(Fault::ServerError {
        times: 1,
        status: 503,
    });
    let path = format!("/api/v1/users/{id}");
    for _ in 0..2 {
        let resp = get(&okta, &path).await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(resp.headers().contains_key("x-rate-limit-remaining"));
        let body: Value = resp.json().await.unwrap();
        assert_error_shape(&body, "E0000009");
        assert_eq!(body["errorSummary"], "Internal Server Error");
    }
    assert_eq!(
        get(&okta, &path).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(get(&okta, &path).await.status(), StatusCode::OK);
    assert_eq!(okta.requests().len(), 4);
}

#[tokio::test]
async fn delay_fault_answers_normally_later() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("erin@example.com", UserStatus::Active);
    okta.fault(Fault::Delay {
        times: 1,
        delay: Duration::from_millis(150),
    });
    let path = format!("/api/v1/users/{id}");
    let resp = get(&okta, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(get(&okta, &path).await.status(), StatusCode::OK);
    // The fake's own arrival and answer times are not observable; the delay is: the first
    // answer could not come before 150 ms had passed (a floor, never a ceiling).
    let reqs = okta.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].at.duration_since(reqs[0].at) >= Duration::from_millis(150));
}

#[tokio::test]
async fn hold_fault_parks_requests_until_released() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("hold@example.com", UserStatus::Active);
    let gate = Gate::new();
    okta.fault(Fault::Hold {
        times: 2,
        gate: gate.clone(),
    });
    let path = format!("/api/v1/users/{id}");
    let first = tokio::spawn({
        let (okta, path) = (okta.clone(), path.clone());
        async move { get(&okta, &path).await.status() }
    });
    gate.wait_arrived(1).await;
    let second = tokio::spawn({
        let (okta, path) = (okta.clone(), path.clone());
        async move { get(&okta, &path).await.status() }
    });
    gate.wait_arrived(2).await;
    // Both are parked: in flight at the fake, unanswered.
    assert_eq!(
        (okta.in_flight(), okta.max_in_flight(), gate.held()),
        (2, 2, 2)
    );
    assert!(!first.is_finished() && !second.is_finished());
    gate.release(1);
    assert_eq!(first.await.unwrap(), StatusCode::OK);
    assert_eq!(gate.held(), 1);
    assert!(!second.is_finished());
    gate.release(1);
    assert_eq!(second.await.unwrap(), StatusCode::OK);
    assert_eq!(okta.in_flight(), 0);
    // The fault is used up: a third request never reaches the gate.
    assert_eq!(get(&okta, &path).await.status(), StatusCode::OK);
    assert_eq!(gate.arrived(), 2);
    assert_eq!(okta.max_in_flight(), 2);
    okta.reset_max_in_flight();
    assert_eq!(okta.max_in_flight(), 0);
}

#[tokio::test]
async fn drop_connection_fault_closes_without_an_answer() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("drop@example.com", UserStatus::Active);
    okta.fault(Fault::DropConnection { times: 1 });
    let path = format!("/api/v1/users/{id}");
    let err = client()
        .get(format!("{}{path}", okta.base_url()))
        .header("Authorization", format!("SSWS {}", okta.token()))
        .send()
        .await
        .unwrap_err();
    // No status line came back: the client saw the connection close.
    assert_eq!(err.status(), None);
    assert!(err.is_request(), "{err:?}");
    assert_eq!(okta.in_flight(), 0);
    assert_eq!(get(&okta, &path).await.status(), StatusCode::OK);
    assert_eq!(okta.requests().len(), 2);
}

#[tokio::test]
async fn retry_after_fault_sends_retry_after_and_okta_reset() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("ra@example.com", UserStatus::Active);
    okta.fault(Fault::RetryAfter {
        times: 1,
        retry_after_secs: 7,
        reset_in: Duration::from_secs(30),
    });
    let before = now_epoch();
    let resp = get(&okta, &format!("/api/v1/users/{id}")).await;
    let after = now_epoch();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&resp, "retry-after"), "7");
    assert_eq!(header(&resp, "x-rate-limit-remaining"), "0");
    let reset: u64 = header(&resp, "x-rate-limit-reset").parse().unwrap();
    assert!((before + 30..=after + 31).contains(&reset), "{reset}");
    httpdate::parse_http_date(header(&resp, "date")).unwrap();
    assert_error_shape(&resp.json::<Value>().await.unwrap(), "E0000047");
    assert_eq!(
        get(&okta, &format!("/api/v1/users/{id}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_can_target_a_path_prefix() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("frank@example.com", UserStatus::Active);
    okta.fault_on("/api/v1/users/", Fault::InsufficientScope { times: 1 });
    okta.fault_on(
        &format!("/api/v1/users/{id}/lifecycle/"),
        Fault::ServerError {
            times: 1,
            status: 502,
        },
    );
    let resp = call(
        &okta,
        Method::DELETE,
        &format!("/api/v1/users/{id}/sessions"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let challenge = header(&resp, "www-authenticate").to_owned();
    assert!(
        challenge.contains("scope=\"okta.users.manage\""),
        "{challenge}"
    );
    assert!(challenge.contains("error=\"insufficient_scope\""));
    assert!(resp.bytes().await.unwrap().is_empty());

    assert_eq!(
        get(&okta, &format!("/api/v1/users/{id}")).await.status(),
        StatusCode::OK
    );
    let resp = call(
        &okta,
        Method::POST,
        &format!("/api/v1/users/{id}/lifecycle/suspend"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(okta.status_of(&id), Some(UserStatus::Active));
}

#[tokio::test]
async fn bucket_rate_limit_per_endpoint_class() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("gina@example.com", UserStatus::Active);
    okta.set_rate_limit(2, Duration::from_secs(60));
    let path = format!("/api/v1/users/{id}");
    let first = get(&okta, &path).await;
    assert_eq!(header(&first, "x-rate-limit-limit"), "2");
    assert_eq!(header(&first, "x-rate-limit-remaining"), "1");
    assert_eq!(get(&okta, &path).await.status(), StatusCode::OK);
    let limited = get(&okta, &path).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&limited, "x-rate-limit-remaining"), "0");
    let reset: u64 = header(&limited, "x-rate-limit-reset").parse().unwrap();
    assert!(reset > now_epoch());
    assert_error_shape(&limited.json().await.unwrap(), "E0000047");
    // Another endpoint class has its own budget.
    assert_eq!(get(&okta, "/api/v1/users").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_path_and_wrong_method() {
    let okta = FakeOkta::start().await.unwrap();
    let resp = get(&okta, "/api/v1/nothing-here").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body: Value = resp.json().await.unwrap();
    assert_error_shape(&body, "E0000008");
    assert_eq!(body["errorSummary"], "The requested path was not found");

    let resp = call(&okta, Method::PUT, "/api/v1/users/00uX/lifecycle/suspend").await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&resp, "allow"), "POST");
}

#[tokio::test]
async fn oauth_token_endpoint_mints_the_access_token() {
    let okta = FakeOkta::start().await.unwrap();
    let resp = client()
        .post(format!("{}/oauth2/v1/token", okta.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            "grant_type=client_credentials&scope=okta.users.read+okta.users.manage\
             &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
             &client_assertion=eyJ.fake.jwt",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["access_token"], okta.access_token().as_str());
    assert_eq!(body["scope"], "okta.users.read okta.users.manage");

    let resp = client()
        .post(format!("{}/oauth2/v1/token", okta.base_url()))
        .body("grant_type=client_credentials&scope=okta.users.read")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
}
