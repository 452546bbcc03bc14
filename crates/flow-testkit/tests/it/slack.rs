//! Integration tests for the fake Slack server, driven over real HTTP on 127.0.0.1.

use std::time::{Duration, Instant};

use crate::common;

use common::client;
use flow_testkit::{FakeSlack, Gate, SlackFault};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

async fn post_as(slack: &FakeSlack, token: Option<&str>, body: &Value) -> Response {
    let mut req = client()
        .post(format!("{}/chat.postMessage", slack.api_url()))
        .header("Content-Type", "application/json; charset=utf-8")
        .body(body.to_string());
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

async fn post(slack: &FakeSlack, body: &Value) -> (StatusCode, Value) {
    let resp = post_as(slack, Some(&slack.token()), body).await;
    (resp.status(), resp.json().await.unwrap())
}

async fn webhook(url: &str, body: &str) -> (StatusCode, String, String) {
    let resp = client()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, resp.text().await.unwrap())
}

fn ts_value(ts: &str) -> (u64, u32) {
    let (secs, seq) = ts.split_once('.').unwrap();
    assert_eq!(seq.len(), 6, "{ts}");
    (secs.parse().unwrap(), seq.parse().unwrap())
}

#[tokio::test]
async fn post_message_success_records_exact_text_with_increasing_ts() {
    let slack = FakeSlack::start().await.unwrap();
    assert!(slack.token().starts_with("xoxb-"));
    assert!(slack.api_url().starts_with("http://127.0.0.1:") && slack.api_url().ends_with("/api"));
    let text = "User &lt;alice@example.com&gt; suspended &amp; \"logged out\" it's done";

    let resp = post_as(
        &slack,
        Some(&slack.token()),
        &json!({ "channel": "C0SECALERTS", "text": text }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/json; charset=utf-8"
    );
    let first: Value = resp.json().await.unwrap();
    assert_eq!(first["ok"], true);
    assert_eq!(first["channel"], "C0SECALERTS");
    assert_eq!(first["message"]["text"], text);
    assert_eq!(first["message"]["ts"], first["ts"]);

    let (_, second) = post(
        &slack,
        &json!({ "channel": "#security-alerts", "text": "two" }),
    )
    .await;
    let (_, third) = post(
        &slack,
        &json!({ "channel": "security-alerts", "text": "three" }),
    )
    .await;
    assert_eq!(second["channel"], "C0SECALERTS");
    assert_eq!(third["channel"], "C0SECALERTS");
    let tss: Vec<(u64, u32)> = [&first, &second, &third]
        .iter()
        .map(|v| ts_value(v["ts"].as_str().unwrap()))
        .collect();
    assert!(tss[0] < tss[1] && tss[1] < tss[2], "{tss:?}");

    let messages = slack.messages();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0].text.as_deref(), Some(text));
    assert_eq!(messages[0].channel, "C0SECALERTS");
    assert_eq!(messages[1].channel, "#security-alerts");
    assert_eq!(messages[1].channel_id, "C0SECALERTS");
    assert_eq!(messages[2].ts, third["ts"].as_str().unwrap());
    assert_eq!(slack.requests().len(), 3);
    assert_eq!(
        slack.requests()[0].header("authorization"),
        Some(format!("Bearer {}", slack.token()).as_str())
    );
}

#[tokio::test]
async fn blocks_threads_and_form_bodies() {
    let slack = FakeSlack::start().await.unwrap();
    let blocks = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "*hi*" } }]);
    let (_, parent) = post(
        &slack,
        &json!({ "channel": "C0SECALERTS", "blocks": blocks }),
    )
    .await;
    assert_eq!(parent["ok"], true);
    let parent_ts = parent["ts"].as_str().unwrap();
    let (_, reply) = post(
        &slack,
        &json!({ "channel": "C0SECALERTS", "text": "reply", "thread_ts": parent_ts }),
    )
    .await;
    assert_eq!(reply["message"]["thread_ts"], parent_ts);

    let form = format!(
        "token={}&channel=%23security-alerts&text=a+%26+b&blocks={}",
        slack.token(),
        percent_encoding::utf8_percent_encode(
            &blocks.to_string(),
            percent_encoding::NON_ALPHANUMERIC
        )
    );
    let resp = client()
        .post(format!("{}/chat.postMessage", slack.api_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["ok"], true, "{body}");

    let messages = slack.messages();
    assert_eq!(messages[0].blocks.as_ref(), Some(&blocks));
    assert_eq!(messages[0].text, None);
    assert_eq!(messages[1].thread_ts.as_deref(), Some(parent_ts));
    assert_eq!(messages[2].text.as_deref(), Some("a & b"));
    assert_eq!(messages[2].blocks.as_ref(), Some(&blocks));
    assert!(messages[2].payload.get("token").is_none());
}

#[tokio::test]
async fn business_errors_are_http_200_ok_false() {
    let slack = FakeSlack::start().await.unwrap();
    slack.add_channel("#ops", "C0OPS", false, false);
    slack.add_channel("old", "C0OLD", true, true);
    let cases = [
        (
            json!({ "channel": "C0NOPE", "text": "x" }),
            "channel_not_found",
        ),
        (
            json!({ "channel": "#nope", "text": "x" }),
            "channel_not_found",
        ),
        (json!({ "text": "x" }), "channel_not_found"),
        (json!({ "channel": "C0OPS", "text": "x" }), "not_in_channel"),
        (json!({ "channel": "#ops", "text": "x" }), "not_in_channel"),
        (json!({ "channel": "old", "text": "x" }), "is_archived"),
        (json!({ "channel": "C0SECALERTS" }), "no_text"),
        (json!({ "channel": "C0SECALERTS", "text": "" }), "no_text"),
        (json!({ "channel": "C0SECALERTS", "blocks": [] }), "no_text"),
        (
            json!({ "channel": "C0SECALERTS", "blocks": {"a": 1} }),
            "invalid_blocks_format",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = post(&slack, &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer, json!({ "ok": false, "error": expected }), "{body}");
    }

    let body = json!({ "channel": "C0SECALERTS", "text": "x" });
    let resp = post_as(&slack, Some("xoxb-wrong"), &body).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"], "invalid_auth");
    assert!(!answer.to_string().contains("xoxb-wrong"));
    let resp = post_as(&slack, None, &body).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "not_authed");
    // A token field in a JSON body does not authenticate.
    let mut with_token = body.clone();
    with_token["token"] = json!(slack.token());
    let resp = post_as(&slack, None, &with_token).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "not_authed");

    assert!(slack.messages().is_empty());
}

#[tokio::test]
async fn rate_limit_and_other_faults() {
    let slack = FakeSlack::start().await.unwrap();
    let body = json!({ "channel": "C0SECALERTS", "text": "x" });
    slack.fault(SlackFault::RateLimit {
        times: 1,
        retry_after_secs: 1,
    });
    slack.fault(SlackFault::OkFalse {
        times: 1,
        error: "internal_error".into(),
    });
    slack.fault(SlackFault::ServerError {
        times: 1,
        status: 503,
    });
    slack.fault(SlackFault::Delay {
        times: 1,
        delay: Duration::from_millis(100),
    });

    let resp = post_as(&slack, Some(&slack.token()), &body).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({ "ok": false, "error": "ratelimited" })
    );
    let (status, answer) = post(&slack, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["error"], "internal_error");
    let resp = post_as(&slack, Some(&slack.token()), &body).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let started = Instant::now();
    let (status, answer) = post(&slack, &body).await;
    // A floor, never a ceiling: the delayed answer cannot come sooner.
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(
        (status, answer["ok"].clone()),
        (StatusCode::OK, json!(true))
    );
    assert_eq!(slack.messages().len(), 1);
    assert_eq!(slack.requests().len(), 4);
}

#[tokio::test]
async fn optional_per_channel_limiter() {
    let slack = FakeSlack::start().await.unwrap();
    slack.set_channel_rate_limit(Some(Duration::from_secs(30)));
    let body = json!({ "channel": "C0SECALERTS", "text": "x" });
    assert_eq!(post(&slack, &body).await.1["ok"], true);
    let resp = post_as(&slack, Some(&slack.token()), &body).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((29..=30).contains(&retry), "{retry}");
    slack.set_channel_rate_limit(None);
    assert_eq!(post(&slack, &body).await.1["ok"], true);
}

#[tokio::test]
async fn auth_test_and_unknown_method() {
    let slack = FakeSlack::start().await.unwrap();
    let resp = client()
        .post(format!("{}/auth.test", slack.api_url()))
        .bearer_auth(slack.token())
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(body["team_id"], "T0FAKE");
    let resp = client()
        .post(format!("{}/chat.nope", slack.api_url()))
        .bearer_auth(slack.token())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "unknown_method"
    );
}

#[tokio::test]
async fn incoming_webhook() {
    let slack = FakeSlack::start().await.unwrap();
    let url = slack.webhook_url();
    assert!(url.contains("/services/T0FAKE/B0FAKE/"));

    let (status, content_type, text) = webhook(&url, r#"{"text":"a < b"}"#).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "ok"));
    assert!(content_type.starts_with("text/plain"));
    assert_eq!(slack.webhook_messages(), vec![json!({ "text": "a < b" })]);

    let wrong = format!("{}/services/T0FAKE/B0FAKE/not-the-secret", slack.base_url());
    let (status, _, text) = webhook(&wrong, r#"{"text":"x"}"#).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "no_service")
    );
    let (status, _, text) = webhook(&url, r#"{"blocks":[]}"#).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::BAD_REQUEST, "no_text")
    );
    let (status, _, text) = webhook(&url, "{not json").await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_payload")
    );

    slack.fault_on(
        "/services/",
        SlackFault::RateLimit {
            times: 1,
            retry_after_secs: 2,
        },
    );
    slack.fault_on(
        "/services/",
        SlackFault::OkFalse {
            times: 1,
            error: "channel_is_archived".into(),
        },
    );
    slack.fault_on(
        "/services/",
        SlackFault::ServerError {
            times: 1,
            status: 500,
        },
    );
    let resp = client()
        .post(&url)
        .header("Content-Type", "application/json")
        .body(r#"{"text":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "2");
    let (status, _, text) = webhook(&url, r#"{"text":"x"}"#).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::GONE, "channel_is_archived")
    );
    let (status, _, _) = webhook(&url, r#"{"text":"x"}"#).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    // The queued faults are used up; normal handling resumes.
    let (status, _, text) = webhook(&url, r#"{"text":"after"}"#).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(slack.webhook_messages().len(), 2);
}

#[tokio::test]
async fn hold_and_dropped_connection_faults() {
    let slack = FakeSlack::start().await.unwrap();
    let body = json!({ "channel": "C0SECALERTS", "text": "x" });
    let gate = Gate::new();
    slack.fault(SlackFault::Hold {
        times: 1,
        gate: gate.clone(),
    });
    slack.fault(SlackFault::DropConnection { times: 1 });
    let held = tokio::spawn({
        let (slack, body) = (slack.clone(), body.clone());
        async move { post(&slack, &body).await }
    });
    gate.wait_arrived(1).await;
    assert_eq!((slack.in_flight(), gate.held()), (1, 1));
    assert!(
        slack.messages().is_empty(),
        "a held post is not handled yet"
    );
    // The next request's connection is closed without an answer, while the first is held.
    let err = client()
        .post(format!("{}/chat.postMessage", slack.api_url()))
        .bearer_auth(slack.token())
        .header("Content-Type", "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), None);
    assert_eq!(slack.max_in_flight(), 2);
    gate.open();
    let (status, answer) = held.await.unwrap();
    assert_eq!(
        (status, answer["ok"].clone()),
        (StatusCode::OK, json!(true))
    );
    assert_eq!(slack.messages().len(), 1);
    assert_eq!(slack.in_flight(), 0);
}

#[tokio::test]
async fn users_lookup_by_email_finds_members_and_only_them() {
    let slack = FakeSlack::start().await.unwrap();
    slack.add_member("U0ADA", "ada@example.com", "ada");
    let lookup = |email: &str| {
        client()
            .get(format!(
                "{}/users.lookupByEmail?email={email}",
                slack.api_url()
            ))
            .bearer_auth(slack.token())
            .send()
    };
    let body: Value = lookup("Ada@Example.com")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(body["user"]["id"], "U0ADA");
    assert_eq!(body["user"]["profile"]["email"], "ada@example.com");
    let body: Value = lookup("bob@example.com")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({ "ok": false, "error": "users_not_found" }));
    let body: Value = client()
        .get(format!(
            "{}/users.lookupByEmail?email=ada@example.com",
            slack.api_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"], "not_authed");
}
