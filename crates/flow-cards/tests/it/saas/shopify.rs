//! `shopify.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: shopify, shop_url: \"${env:BASE}\", access_token: \"${env:SECRET}\" }";

async fn shopify() -> RecordedFake {
    fake("shopify", "x-shopify-access-token", SECRET).await
}

/// The first request the fake received with this method and path (steps that do not read
/// each other may run in any order).
fn sent(f: &RecordedFake, method: &str, path: &str) -> Recorded {
    f.requests()
        .into_iter()
        .find(|r| r.method == method && r.path == path)
        .unwrap_or_else(|| panic!("no {method} {path}: {:?}", f.requests()))
}

/// Create a customer, give it an address, make that the default, update and delete it: the
/// exact requests (the access token in its header) and typed outputs.
#[tokio::test]
async fn a_customer_from_creation_to_deletion() {
    let f = shopify().await;
    let steps = "  - { id: mk, card: shopify.create_customer, with: { connection: c, first_name: Steve, last_name: Lastnameson, email: steve.lastnameson@example.com, tags: okta, tax_exempt: false, accepts_marketing: true, create_password: true, password: \"n3w-Passw0rd\" } }
  - { id: addr, card: shopify.add_address_to_customer, with: { connection: c, customer_id: \"{{ mk.id }}\", address1: 1 Rue des Carrieres, city: Quebec, province: Quebec, zip: G1R 4P5, country_code: CA } }
  - { id: def, card: shopify.set_default_address, with: { connection: c, customer_id: \"{{ mk.id }}\", address_id: \"{{ addr.id }}\" } }
  - { id: up, card: shopify.update_customer, with: { connection: c, customer_id: \"{{ mk.id }}\", email: steve@example.com, last_name: \"\", tags: \"okta, vip\", tax_exempt: true, accepts_marketing: false, pass_empty: false } }
  - { id: rm, card: shopify.delete_customer, with: { connection: c, customer_id: \"{{ mk.id }}\" } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "mk")["id"], 1073339460);
    assert_eq!(out(&r, "mk")["accepts_marketing"], true);
    assert_eq!(out(&r, "addr")["id"], 1053317298);
    assert_eq!(out(&r, "def")["default"], true);
    assert_eq!(out(&r, "up")["accepts_marketing"], false);
    assert_eq!(out(&r, "up")["updated_at"], "2024-01-02T09:28:45-05:00");
    assert_eq!(out(&r, "rm"), json!({ "status_code": 200 }));
    let create = sent(&f, "POST", "/admin/api/2024-01/customers.json");
    assert_req(&create, "POST", "/admin/api/2024-01/customers.json", None);
    assert_eq!(create.header("content-type"), Some("application/json"));
    assert_eq!(
        body(&create),
        json!({ "customer": {
            "verified_email": true, "first_name": "Steve", "last_name": "Lastnameson",
            "email": "steve.lastnameson@example.com", "tags": "okta", "tax_exempt": false,
            "email_marketing_consent": { "state": "subscribed", "opt_in_level": "single_opt_in" },
            "password": "n3w-Passw0rd", "password_confirmation": "n3w-Passw0rd"
        } })
    );
    assert_eq!(
        body(&sent(
            &f,
            "POST",
            "/admin/api/2024-01/customers/1073339460/addresses.json"
        )),
        json!({ "address": { "address1": "1 Rue des Carrieres", "city": "Quebec", "province": "Quebec", "zip": "G1R 4P5", "country_code": "CA" } })
    );
    assert_req(
        &sent(
            &f,
            "PUT",
            "/admin/api/2024-01/customers/1073339460/addresses/1053317298/default.json",
        ),
        "PUT",
        "/admin/api/2024-01/customers/1073339460/addresses/1053317298/default.json",
        None,
    );
    let update = sent(&f, "PUT", "/admin/api/2024-01/customers/1073339460.json");
    assert_req(
        &update,
        "PUT",
        "/admin/api/2024-01/customers/1073339460.json",
        None,
    );
    assert_eq!(
        body(&update),
        json!({ "customer": {
            "id": 1073339460, "email": "steve@example.com", "tags": "okta, vip", "tax_exempt": true,
            "email_marketing_consent": { "state": "unsubscribed", "opt_in_level": "single_opt_in" }
        } }),
        "with pass_empty false the empty last name is not sent"
    );
    assert_req(
        &sent(&f, "DELETE", "/admin/api/2024-01/customers/1073339460.json"),
        "DELETE",
        "/admin/api/2024-01/customers/1073339460.json",
        None,
    );
}

/// Text that a customer field holds cannot break out of its JSON string, and an unknown
/// customer is `not_found` with the card's message first.
#[tokio::test]
async fn values_are_json_escaped_and_unknown_customers_are_not_found() {
    let f = shopify().await;
    let r = run(
        &f,
        "",
        CONN,
        "  - { id: up, card: shopify.update_customer, with: { connection: c, customer_id: \"1\", first_name: 'Bob\", \"tags\": \"admin', pass_empty: true, last_name: \"\" } }\n",
    )
    .await;
    let update = body(&req(&f, 0));
    assert_eq!(update["customer"]["first_name"], "Bob\", \"tags\": \"admin");
    assert_eq!(
        update["customer"]["last_name"], "",
        "pass_empty sends the empty field"
    );
    assert!(update["customer"].get("tags").is_none());
    let e = err(&r, "up");
    assert_eq!(e["kind"], "not_found");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Shopify has no customer 1 (Shopify answered 404"),
        "{e}"
    );
}
