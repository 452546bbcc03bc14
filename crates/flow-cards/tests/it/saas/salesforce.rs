//! `salesforce.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: salesforce, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const DATA: &str = "/services/data/v62.0";

async fn sf() -> RecordedFake {
    fake("salesforce", "authorization", &bearer()).await
}

#[tokio::test]
async fn query_follows_next_records_url_through_three_batches() {
    let f = sf().await;
    let steps = "  - { id: q, card: salesforce.query, with: { connection: c, soql: \"SELECT Id, Username FROM User WHERE IsActive = true\" } }\n";
    let r = ok(&f, "", CONN, steps).await;
    let q = out(&r, "q");
    let names: Vec<&str> = q
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["Username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice@acme.com", "bob@acme.com", "carol@acme.com"]);
    let first = req(&f, 0);
    assert_eq!(first.path, format!("{DATA}/query"));
    assert_eq!(
        first.query_param("q").as_deref(),
        Some("SELECT Id, Username FROM User WHERE IsActive = true")
    );
    // nextRecordsUrl is a path from the host (it repeats /services/data/v62.0).
    assert_req(
        &req(&f, 1),
        "GET",
        &format!("{DATA}/query/01gD0000002HU6KIAW-2000"),
        None,
    );
    assert_req(
        &req(&f, 2),
        "GET",
        &format!("{DATA}/query/01gD0000002HU6KIAW-4000"),
        None,
    );
    assert_eq!(req(&f, 2).header("authorization"), Some(bearer().as_str()));
    assert_eq!(f.requests().len(), 3);
}

#[tokio::test]
async fn query_more_reads_one_batch_by_its_locator() {
    let f = sf().await;
    let steps = "  - { id: more, card: salesforce.query_more, with: { connection: c, locator: 01gD0000002HU6KIAW-2000 } }\n";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "more")["records"][0]["Username"], "bob@acme.com");
    assert_eq!(out(&r, "more")["done"], false);
    assert_req(
        &req(&f, 0),
        "GET",
        &format!("{DATA}/query/01gD0000002HU6KIAW-2000"),
        None,
    );
    // A whole nextRecordsUrl is refused as a locator (it has `/`).
    let steps = "  - { id: more, card: salesforce.query_more, with: { connection: c, locator: /services/data/v62.0/query/01gD0000002HU6KIAW-2000 } }\n";
    let r = run(&f, "", CONN, steps).await;
    assert_eq!(err(&r, "more")["kind"], "input");
}

#[tokio::test]
async fn a_next_records_url_on_another_host_is_refused() {
    let f = sf().await;
    let r = run(&f, "", CONN, "  - { id: q, card: salesforce.query, with: { connection: c, soql: SELECT Id FROM Account } }\n").await;
    let e = err(&r, "q");
    assert_eq!(e["code"], "next_page_off_host", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("attacker.example"),
        "{e}"
    );
    assert_eq!(f.requests().len(), 1, "not followed");
}

#[tokio::test]
async fn a_malformed_query_keeps_salesforces_error_code() {
    let f = sf().await;
    let r = run(&f, "", CONN, "  - { id: q, card: salesforce.query, with: { connection: c, soql: SELEC Id FROM User } }\n").await;
    let e = err(&r, "q");
    assert_eq!(
        (e["status"].as_u64(), e["code"].as_str()),
        (Some(400), Some("MALFORMED_QUERY"))
    );
    assert!(
        e["message"].as_str().unwrap().contains("unexpected token"),
        "{e}"
    );
}

#[tokio::test]
async fn read_update_freeze_and_unfreeze() {
    let f = sf().await;
    let steps = "  - { id: get, card: salesforce.read_user, with: { connection: c, user_id: 005D0000001KyEIIA0, fields: \"Id,Username,Email,IsActive\" } }
  - { id: upd, card: salesforce.update_user, with: { connection: c, user_id: 005D0000001KyEIIA0, fields: { IsActive: false } } }
  - { id: fr, card: salesforce.freeze_user, with: { connection: c, user_login_id: 0YwD0000000SKnCKAW } }
  - { id: un, card: salesforce.unfreeze_user, with: { connection: c, user_login_id: 0YwD0000000SKnCKAW } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "get")["IsActive"], true);
    assert_eq!(
        req(&f, 0).query_param("fields").as_deref(),
        Some("Id,Username,Email,IsActive")
    );
    assert_req(
        &req(&f, 1),
        "PATCH",
        &format!("{DATA}/sobjects/User/005D0000001KyEIIA0"),
        None,
    );
    assert_eq!(body(&req(&f, 1)), json!({ "IsActive": false }));
    assert_eq!((out(&r, "fr"), out(&r, "un")), (json!(204), json!(204)));
    assert_req(
        &req(&f, 2),
        "PATCH",
        &format!("{DATA}/sobjects/UserLogin/0YwD0000000SKnCKAW"),
        None,
    );
    assert_eq!(body(&req(&f, 2)), json!({ "IsFrozen": true }));
    assert_eq!(body(&req(&f, 3)), json!({ "IsFrozen": false }));
}

/// Search Records writes each value as a SOQL literal (a quote in the value stays inside it)
/// and each name as a name, follows every batch, and gives the records' ids.
#[tokio::test]
async fn search_records_quotes_values_and_follows_every_batch() {
    let f = sf().await;
    let steps = "  - { id: s, card: salesforce.search_records, with: { connection: c, record_type: Contact, fields: { Email: \"o'brien@acme.com\", IsDeleted: false } } }\n";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(
        out(&r, "s"),
        json!(["003D000000QV9n2IAD", "003D000000QV9n3IAD"])
    );
    assert_eq!(
        req(&f, 0).query_param("q").as_deref(),
        Some("SELECT Id FROM Contact WHERE Email = 'o\\'brien@acme.com' AND IsDeleted = false")
    );
    assert_req(
        &req(&f, 1),
        "GET",
        &format!("{DATA}/query/01gD0000002SRCHAAW-2000"),
        None,
    );
    assert_eq!(f.requests().len(), 2);
}

/// A value cannot end its literal, and an object or field name that is not a name fails the
/// step before anything is sent.
#[tokio::test]
async fn search_records_never_sends_an_injected_query() {
    let f = sf().await;
    // The value's quote and backslash are escaped: the whole text is one literal.
    let steps = "  - { id: s, card: salesforce.search_records, with: { connection: c, record_type: Contact, fields: { LastName: \"x\\\\' OR Name != '\" } } }\n";
    let _ = run(&f, "", CONN, steps).await;
    assert_eq!(
        req(&f, 0).query_param("q").as_deref(),
        Some("SELECT Id FROM Contact WHERE LastName = 'x\\\\\\' OR Name != \\''")
    );
    for steps in [
        "  - { id: s, card: salesforce.search_records, with: { connection: c, record_type: \"Contact WHERE Name != null\", fields: { Email: a } } }\n",
        "  - { id: s, card: salesforce.search_records, with: { connection: c, record_type: Contact, fields: { \"Email = '' OR Name\": a } } }\n",
    ] {
        let f = sf().await;
        let r = run(&f, "", CONN, steps).await;
        let e = err(&r, "s");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("is not a Salesforce object or field name"),
            "{e}"
        );
        assert!(f.requests().is_empty(), "sent {:?}", f.requests());
    }
}

#[tokio::test]
async fn records_are_created_read_updated_and_users_deactivated() {
    let f = sf().await;
    let steps = "  - { id: new, card: salesforce.create_record, with: { connection: c, record_type: Contact, record_fields: { LastName: Doe, Phone: null } } }
  - { id: get, card: salesforce.read_record, with: { connection: c, record_type: Contact, record_id: \"{{ new }}\" } }
  - { id: upd, card: salesforce.update_record, with: { connection: c, record_type: Contact, record_id: \"{{ new }}\", record_fields: { Phone: \"+1 415 555 0100\" } } }
  - { id: off, card: salesforce.deactivate_user, with: { connection: c, user_id: 005D0000001KyEIIA0 } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "new"), json!("003D000000QV9n2IAD"));
    assert_req(
        &req(&f, 0),
        "POST",
        &format!("{DATA}/sobjects/Contact"),
        None,
    );
    // A null field is not sent.
    assert_eq!(body(&req(&f, 0)), json!({ "LastName": "Doe" }));
    assert_eq!(out(&r, "get")["Email"], "jane@acme.com");
    assert_req(
        &req(&f, 1),
        "GET",
        &format!("{DATA}/sobjects/Contact/003D000000QV9n2IAD"),
        None,
    );
    assert_eq!((out(&r, "upd"), out(&r, "off")), (json!(204), json!(204)));
    assert_eq!(body(&req(&f, 2)), json!({ "Phone": "+1 415 555 0100" }));
    assert_req(
        &req(&f, 3),
        "PATCH",
        &format!("{DATA}/sobjects/User/005D0000001KyEIIA0"),
        None,
    );
    assert_eq!(body(&req(&f, 3)), json!({ "IsActive": false }));
}

#[tokio::test]
async fn a_record_that_does_not_exist_is_not_found_naming_it() {
    let f = sf().await;
    let r = run(&f, "", CONN, "  - { id: get, card: salesforce.read_record, with: { connection: c, record_type: Contact, record_id: 003D000000XXXXXXXX } }\n").await;
    let e = err(&r, "get");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("NOT_FOUND")),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Salesforce has no Contact 003D000000XXXXXXXX"),
        "{e}"
    );
}
