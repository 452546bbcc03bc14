//! Signature checks against fixed known answers: every expected signature below was computed
//! outside this code (Python's `hmac`/`hashlib`/`base64`, or published by the sender), never
//! with the code under test.

use super::*;

/// The Unix time the vectors were signed at.
const T: i64 = 1_700_000_000;
const FIVE_MIN: Duration = Duration::from_secs(300);

fn key(scheme: Scheme, secret: &[u8]) -> HmacKey {
    HmacKey {
        secret: secret.to_vec(),
        scheme,
        tolerance: FIVE_MIN,
    }
}

fn preset(p: HmacPreset, secret: &str) -> HmacKey {
    HmacKey {
        secret: secret_bytes(Some(p), secret.to_string()).unwrap(),
        scheme: Scheme::Preset(p),
        tolerance: FIVE_MIN,
    }
}

/// Headers from `(name, value)` pairs (names lower-case, as the server passes them).
fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    move |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
}

fn check(k: &HmacKey, h: &[(&str, &str)], body: &[u8], now: i64) -> Result<(), Refusal> {
    check_hmac(k, &headers(h), body, now)
}

const BODY: &[u8] = br#"{"event":"ping"}"#;

#[test]
fn github_publishes_this_example() {
    // https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
    let k = preset(HmacPreset::Github, "It's a Secret to Everybody");
    let sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let h = [("x-hub-signature-256", sig)];
    assert_eq!(check(&k, &h, b"Hello, World!", T), Ok(()));
    assert_eq!(check(&k, &h, b"Hello, World?", T), Err(Refusal::Signature));
    assert_eq!(check(&k, &[], b"Hello, World!", T), Err(Refusal::Signature));
    // The prefix is part of the scheme.
    let bare = [(
        "x-hub-signature-256",
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )];
    assert_eq!(
        check(&k, &bare, b"Hello, World!", T),
        Err(Refusal::Signature)
    );
}

#[test]
fn github_another_secret_and_body() {
    let k = preset(HmacPreset::Github, "gh-secret");
    let sig = "sha256=adfdbeedf3fb56d0f9623318a7ab8dba18349260225c04f6a1872b7007dcc94d";
    assert_eq!(check(&k, &[("x-hub-signature-256", sig)], BODY, T), Ok(()));
    let other = preset(HmacPreset::Github, "gh-secreT");
    assert_eq!(
        check(&other, &[("x-hub-signature-256", sig)], BODY, T),
        Err(Refusal::Signature)
    );
}

const SLACK_SIG: &str = "v0=ba7605793d6c7ea7ef78bf3ba417f2abdaf1e9bc4486ea361852d295ac1cb43a";

#[test]
fn slack_signs_version_timestamp_and_body() {
    let k = preset(HmacPreset::Slack, "slack-secret");
    let ok = [
        ("x-slack-signature", SLACK_SIG),
        ("x-slack-request-timestamp", "1700000000"),
    ];
    assert_eq!(check(&k, &ok, BODY, T), Ok(()));
    assert_eq!(
        check(&k, &ok, br#"{"event":"pong"}"#, T),
        Err(Refusal::Signature)
    );
    // Another timestamp, same signature: tampered.
    let moved = [
        ("x-slack-signature", SLACK_SIG),
        ("x-slack-request-timestamp", "1700000001"),
    ];
    assert_eq!(check(&k, &moved, BODY, T), Err(Refusal::Signature));
    // Unsigned.
    assert_eq!(
        check(&k, &[("x-slack-request-timestamp", "1700000000")], BODY, T),
        Err(Refusal::Signature)
    );
    timestamps_are_checked(
        &k,
        &[("x-slack-signature", SLACK_SIG)],
        "x-slack-request-timestamp",
    );
}

const STRIPE_HEX: &str = "dc9f7bceba4369a9aeeaed48bacb5ba815b9a77ea5aeddf702ae315bb1ecd112";

#[test]
fn stripe_signs_t_and_body_and_may_send_several_v1() {
    let k = preset(HmacPreset::Stripe, "whsec_stripe");
    let one = format!("t=1700000000,v1={STRIPE_HEX}");
    assert_eq!(check(&k, &[("stripe-signature", &one)], BODY, T), Ok(()));
    // During a secret rotation Stripe sends one v1 per secret; any may match.
    let several = format!("t=1700000000,v1={},v1={STRIPE_HEX},v0=abc", "00".repeat(32));
    assert_eq!(
        check(&k, &[("stripe-signature", &several)], BODY, T),
        Ok(())
    );
    assert_eq!(
        check(&k, &[("stripe-signature", &one)], br#"{"event":"pong"}"#, T),
        Err(Refusal::Signature)
    );
    let moved = format!("t=1700000001,v1={STRIPE_HEX}");
    assert_eq!(
        check(&k, &[("stripe-signature", &moved)], BODY, T + 1),
        Err(Refusal::Signature)
    );
    let no_v1 = "t=1700000000";
    assert_eq!(
        check(&k, &[("stripe-signature", no_v1)], BODY, T),
        Err(Refusal::Signature)
    );
    assert_eq!(check(&k, &[], BODY, T), Err(Refusal::Signature));
    // The timestamp: stale, future, boundary, missing, not a number.
    let at = |t: &str| format!("t={t},v1={STRIPE_HEX}");
    for (now, want) in [
        (T + 300, Ok(())),
        (T + 301, Err(Refusal::Stale)),
        (T - 300, Ok(())),
        (T - 301, Err(Refusal::Stale)),
    ] {
        assert_eq!(
            check(&k, &[("stripe-signature", &at("1700000000"))], BODY, now),
            want,
            "now = T{:+}",
            now - T
        );
    }
    assert_eq!(
        check(
            &k,
            &[("stripe-signature", &format!("v1={STRIPE_HEX}"))],
            BODY,
            T
        ),
        Err(Refusal::Stale)
    );
    assert_eq!(
        check(&k, &[("stripe-signature", &at("soon"))], BODY, T),
        Err(Refusal::Stale)
    );
}

#[test]
fn standard_webhooks_publishes_this_example() {
    // https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    let k = preset(
        HmacPreset::StandardWebhooks,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    );
    let body = br#"{"test": 2432232314}"#;
    let sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    let h = |sig: &'static str| {
        [
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", sig),
        ]
    };
    let at = 1_614_265_330;
    assert_eq!(check(&k, &h(sig), body, at), Ok(()));
    // A space-separated list (a rotation), in any order.
    assert_eq!(
        check(
            &k,
            &h(
                "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
            ),
            body,
            at
        ),
        Ok(())
    );
    assert_eq!(
        check(&k, &h(sig), br#"{"test": 2432232315}"#, at),
        Err(Refusal::Signature)
    );
    // Another id: tampered.
    let other_id = [
        ("webhook-id", "msg_other"),
        ("webhook-timestamp", "1614265330"),
        ("webhook-signature", sig),
    ];
    assert_eq!(check(&k, &other_id, body, at), Err(Refusal::Signature));
    // Unsigned, and a signature of another version.
    let unsigned = [
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
    ];
    assert_eq!(check(&k, &unsigned, body, at), Err(Refusal::Signature));
    assert_eq!(
        check(
            &k,
            &h("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
            body,
            at
        ),
        Err(Refusal::Signature)
    );
    // Stale and future-dated.
    assert_eq!(check(&k, &h(sig), body, at + 301), Err(Refusal::Stale));
    assert_eq!(check(&k, &h(sig), body, at - 301), Err(Refusal::Stale));
}

#[test]
fn standard_webhooks_with_our_own_vector() {
    let k = preset(
        HmacPreset::StandardWebhooks,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    );
    let sig = "v1,gxIetfiqcIeYa2xhtKHsCFcrnalw1AexiRTLBLFH+9U=";
    let fixed = [("webhook-id", "msg_1"), ("webhook-signature", sig)];
    let mut ok = fixed.to_vec();
    ok.push(("webhook-timestamp", "1700000000"));
    assert_eq!(check(&k, &ok, BODY, T), Ok(()));
    timestamps_are_checked(&k, &fixed, "webhook-timestamp");
}

#[test]
fn a_standard_webhooks_secret_must_be_base64() {
    assert_eq!(
        secret_bytes(
            Some(HmacPreset::StandardWebhooks),
            "whsec_not base64!".into()
        ),
        Err(KeyError::NotBase64)
    );
    // The message never shows the secret.
    assert!(!KeyError::NotBase64.to_string().contains("not base64!"));
    // Without the prefix, the base64 is taken as is.
    assert_eq!(
        secret_bytes(Some(HmacPreset::StandardWebhooks), "AAEC".into()),
        Ok(vec![0, 1, 2])
    );
}

#[test]
fn the_custom_scheme_with_and_without_a_timestamp() {
    let body = br#"{"a":1}"#;
    let plain = key(
        Scheme::Custom {
            header: "x-signature".into(),
            prefix: "sha256=".into(),
            timestamp_header: None,
        },
        b"s3cret",
    );
    let sig = "sha256=5910e62016ef5034272c926c27071992a465c2335cecf41851bda071577f4f6d";
    assert_eq!(check(&plain, &[("x-signature", sig)], body, 0), Ok(()));
    assert_eq!(
        check(&plain, &[("x-signature", sig)], br#"{"a":2}"#, 0),
        Err(Refusal::Signature)
    );
    assert_eq!(check(&plain, &[], body, 0), Err(Refusal::Signature));
    let stamped = key(
        Scheme::Custom {
            header: "x-signature".into(),
            prefix: "sha256=".into(),
            timestamp_header: Some("x-timestamp".into()),
        },
        b"s3cret",
    );
    let sig = "sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940";
    let ok = [("x-signature", sig), ("x-timestamp", "1700000000")];
    assert_eq!(check(&stamped, &ok, body, T), Ok(()));
    let moved = [("x-signature", sig), ("x-timestamp", "1700000001")];
    assert_eq!(check(&stamped, &moved, body, T), Err(Refusal::Signature));
    timestamps_are_checked(&stamped, &[("x-signature", sig)], "x-timestamp");
    // The helper for senders makes the same signatures.
    assert_eq!(
        format!("sha256={}", sign(b"s3cret", Some("1700000000"), body)),
        sig
    );
}

/// With `fixed` headers holding a signature made at [`T`] over [`BODY`] (or the custom body),
/// the timestamp in `ts_header` decides: the window's edges both ways, beyond, missing, not a
/// number, and values whose distance to now overflows `i64`.
fn timestamps_are_checked(k: &HmacKey, fixed: &[(&str, &str)], ts_header: &str) {
    let body: &[u8] = match &k.scheme {
        Scheme::Custom { .. } => br#"{"a":1}"#,
        Scheme::Preset(_) => BODY,
    };
    fn add<'a>(
        fixed: &[(&'a str, &'a str)],
        name: &'a str,
        ts: Option<&'a str>,
    ) -> Vec<(&'a str, &'a str)> {
        let mut h = fixed.to_vec();
        if let Some(ts) = ts {
            h.push((name, ts));
        }
        h
    }
    let with = |ts| add(fixed, ts_header, ts);
    let signed = with(Some("1700000000"));
    for (now, want) in [
        (T, Ok(())),
        (T + 300, Ok(())),
        (T + 301, Err(Refusal::Stale)),
        (T - 300, Ok(())),
        (T - 301, Err(Refusal::Stale)),
    ] {
        assert_eq!(
            check(k, &signed, body, now),
            want,
            "{ts_header}: now = T{:+}",
            now - T
        );
    }
    assert_eq!(check(k, &with(None), body, T), Err(Refusal::Stale));
    for bad in [
        "",
        "soon",
        "1700000000.5",
        "0x6553F100",
        "99999999999999999999",
    ] {
        assert_eq!(
            check(k, &with(Some(bad)), body, T),
            Err(Refusal::Stale),
            "{bad:?}"
        );
    }
    // `now - at` overflows i64 here: refused, no panic.
    let min = i64::MIN.to_string();
    assert_eq!(
        check(k, &with(Some(&min)), body, i64::MAX),
        Err(Refusal::Stale)
    );
    let max = i64::MAX.to_string();
    assert_eq!(
        check(k, &with(Some(&max)), body, i64::MIN),
        Err(Refusal::Stale)
    );
}

#[test]
fn tokens() {
    assert!(token_matches("abc", "abc"));
    assert!(!token_matches("abd", "abc"));
    assert!(!token_matches("ab", "abc"));
    assert!(!token_matches("", "abc"));
}
