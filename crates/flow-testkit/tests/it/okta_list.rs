//! Integration tests for the fake Okta user list: filter, search, q and Link pagination.

use crate::common;

use common::{assert_error_shape, client, get};
use flow_testkit::{FakeOkta, UserStatus};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn filter_search_and_q() {
    let okta = FakeOkta::start().await.unwrap();
    let a = okta.add_user("a+tag@x.com", UserStatus::Active);
    okta.add_user_with_email("shared1", "team@x.com", UserStatus::Active);
    okta.add_user_with_email("shared2", "team@x.com", UserStatus::Suspended);
    let gone = okta.add_user("gone@x.com", UserStatus::Deprovisioned);

    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |q: &'static str| {
        let okta = okta.clone();
        async move {
            let resp = get(&okta, &format!("/api/v1/users?{q}")).await;
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };

    let (status, body) = list("filter=profile.email%20eq%20%22a%2Btag%40x.com%22").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), vec![a.clone()]);
    assert!(body[0]["_links"].get("suspend").is_none());
    let (_, body) = list("filter=profile.email+eq+%22team%40x.com%22").await;
    assert_eq!(ids(&body).len(), 2);
    let (_, body) = list("filter=profile.email eq \"nobody@x.com\"").await;
    assert_eq!(body, serde_json::json!([]));
    let (_, body) = list("filter=status+eq+%22ACTIVE%22+and+profile.login+eq+%22shared1%22").await;
    assert_eq!(ids(&body).len(), 1);
    let (_, body) = list("filter=status%20eq%20%22DEPROVISIONED%22").await;
    assert_eq!(ids(&body), vec![gone.clone()]);
    let (_, body) = list("search=profile.email%20eq%20%22TEAM%40X.COM%22").await;
    assert_eq!(ids(&body).len(), 2);

    let (status, body) = list("filter=profile.email%20ne%20%22x%22").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_shape(&body, "E0000001");

    let (_, body) = list("q=gone").await;
    assert_eq!(body, serde_json::json!([]));
    let (_, body) = list("q=A").await;
    assert_eq!(ids(&body), vec![a.clone()]);
    let (_, body) = list("").await;
    assert!(!ids(&body).contains(&gone));
    assert_eq!(ids(&body).len(), 3);
}

#[tokio::test]
async fn pagination_follows_link_headers() {
    let okta = FakeOkta::start().await.unwrap();
    let mut all = Vec::new();
    for i in 0..5 {
        all.push(okta.add_user(&format!("user{i}@x.com"), UserStatus::Active));
    }
    let mut url = format!(
        "{}/api/v1/users?filter=status%20eq%20%22ACTIVE%22&limit=2",
        okta.base_url()
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let resp = client()
            .get(&url)
            .header("Authorization", format!("SSWS {}", okta.token()))
            .send()
            .await
            .unwrap();
        pages += 1;
        let links: Vec<String> = resp
            .headers()
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(links.iter().any(|l| l.ends_with("rel=\"self\"")));
        let next = links
            .iter()
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| l[1..l.find('>').unwrap()].to_owned());
        let body: Value = resp.json().await.unwrap();
        seen.extend(
            body.as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_owned()),
        );
        match next {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);
}
