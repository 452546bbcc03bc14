//! What the Google Workspace license cards share: the Enterprise License Manager API lives on
//! its own host (`licensing_url`, default `https://licensing.googleapis.com`), so its cards are
//! written in Rust on the `google_workspace` connection, as Gmail's send is.
//! <https://developers.google.com/workspace/admin/licensing/reference/rest/v1/licenseAssignments>

use crate::connector::ConnectorLive;
use crate::connector::action::{Answer, error_of, segment};
use flow_card::{CardError, HttpResponse, StepCx};
use flow_model::Type;
use serde_json::{Value, json};

/// The License Manager's root when the connection does not set `licensing_url`.
const LICENSING: &str = "https://licensing.googleapis.com";

/// Pages read at most for one product (1000 assignments a page).
pub const MAX_PAGES: usize = 1000;

/// One license assignment, as the license cards answer it.
pub fn assignment() -> Type {
    Type::object([
        ("userId", Type::Text),
        ("productId", Type::Text),
        ("productName", Type::Text),
        ("skuId", Type::Text),
        ("skuName", Type::Text),
    ])
}

/// `{licensing_url}/apps/licensing/v1/product/{product}` followed by `rest`: each a literal
/// part (`users`) or, with a value, `name/value`, the value strictly encoded as one segment
/// (an empty value, or one with `/`, is an input error).
pub fn url(
    live: &ConnectorLive,
    product: &str,
    rest: &[(&str, Option<&str>)],
) -> Result<String, CardError> {
    let root = live
        .settings
        .get("licensing_url")
        .and_then(Value::as_str)
        .filter(|u| !u.trim().is_empty())
        .unwrap_or(LICENSING)
        .trim_end_matches('/')
        .to_string();
    let mut url = format!(
        "{root}/apps/licensing/v1/product/{}",
        segment("product_id", &Value::String(product.to_string()))?
    );
    for (name, value) in rest {
        url.push('/');
        url.push_str(name);
        if let Some(v) = value {
            url.push('/');
            url.push_str(&segment(name, &Value::String((*v).to_string()))?);
        }
    }
    Ok(url)
}

/// The connection's customer id (`customer`, default `my_customer`).
pub fn customer(live: &ConnectorLive) -> String {
    live.settings
        .get("customer")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
        .unwrap_or("my_customer")
        .to_string()
}

/// A sample license assignment for dry runs.
pub fn sample(user: &str, product: &str, sku: &str) -> Value {
    json!({
        "kind": "licensing#licenseAssignment",
        "etags": "rehearsal",
        "selfLink": "",
        "userId": user,
        "productId": product,
        "skuId": sku,
        "skuName": "",
        "productName": "",
    })
}

/// The answer's body, or the card error (the connector's error rules, `Google Workspace
/// answered 404 NOT_FOUND: …`).
pub fn checked(
    live: &ConnectorLive,
    resp: &HttpResponse,
    inputs: &Value,
) -> Result<Value, CardError> {
    let answer = Answer::of(resp);
    if !resp.is_success() {
        let scope = answer.scope(&live.settings, inputs);
        return Err(error_of(live.connector, None, resp, &scope));
    }
    Ok(answer.body)
}

/// Every license assignment of `product` in the customer's account whose `userId` is `user`
/// (compared without case), every page of `listForProduct` read.
pub async fn user_assignments(
    cx: &StepCx<'_>,
    live: &ConnectorLive,
    product: &str,
    user: &str,
) -> Result<Vec<Value>, CardError> {
    let base = url(live, product, &[("users", None)])?;
    let customer = customer(live);
    let mut token: Option<String> = None;
    let mut found = Vec::new();
    for _ in 0..MAX_PAGES {
        let mut query = vec![
            ("customerId".to_string(), Value::String(customer.clone())),
            ("maxResults".to_string(), Value::String("1000".into())),
        ];
        if let Some(t) = &token {
            query.push(("pageToken".to_string(), Value::String(t.clone())));
        }
        let full = format!("{base}?{}", crate::connector::action::encode_pairs(&query));
        let req = live.request("GET", full, cx.attempt);
        let rehearsed = sample(user, product, "rehearsal");
        let resp = live
            .send_waiting(cx, req, |_| {
                HttpResponse::json(200, &json!({ "items": [rehearsed.clone()] }))
            })
            .await?;
        let body = checked(
            live,
            &resp,
            &json!({ "user_id": user, "product_id": product }),
        )?;
        if let Some(items) = body.get("items").and_then(Value::as_array) {
            found.extend(
                items
                    .iter()
                    .filter(|a| {
                        a.get("userId")
                            .and_then(Value::as_str)
                            .is_some_and(|u| u.eq_ignore_ascii_case(user))
                    })
                    .cloned(),
            );
        }
        token = body
            .get("nextPageToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok(found);
        }
    }
    Err(CardError::new(
        flow_card::ErrorKind::Remote,
        format!("the license assignments of {product} have more than {MAX_PAGES} pages"),
    ))
}
