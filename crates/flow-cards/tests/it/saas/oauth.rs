//! The token flows of the SaaS connectors through a real action: ServiceNow, Salesforce and
//! Auth0 client credentials and a Google service account (Workspace, Drive, Sheets) get their
//! token from the fake OAuth server (`FakeOAuth`), and the recorded fake API accepts only that
//! token.

use super::*;
use flow_testkit::fake::{FakeOAuth, TokenEndpoint};

/// The token the fake OAuth server issues and the API fake wants.
const TOKEN: &str = "at-from-the-fake-oauth-server-0123";

/// Runs `steps` with connection `c` (`connection`, reading `${env:BASE}`, the OAuth fake's URL,
/// and `${env:SECRET}`), its requests sent to `api_base` (the API fake) instead of the base
/// URL the token URL was made from. Asserts neither the secret nor the token is in the record.
async fn run_moved(
    connection: &str,
    oauth: &FakeOAuth,
    api_base: &str,
    steps: &str,
) -> ExecutionRecord {
    let config = format!("connections:\n  c: {connection}\n");
    let flow =
        format!("flow: t\ntrigger: {{ helper: {{ inputs: {{ v: any }} }} }}\nsteps:\n{steps}");
    let project =
        flow_compile::compile_str(Some(&config), &[("t.yaml", &flow)], &flow_cards::registry())
            .unwrap_or_else(|e| panic!("{e}"));
    let env = HashMap::from([
        ("BASE".to_string(), oauth.base_url()),
        ("SECRET".to_string(), SECRET.to_string()),
    ]);
    let lookup = move |k: &str| env.get(k).cloned();
    let mut connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let live = connections
        .remove("c")
        .unwrap()
        .downcast::<flow_cards::connector::ConnectorLive>()
        .unwrap();
    let moved = flow_cards::connector::ConnectorLive {
        connector: live.connector,
        base: api_base.to_string(),
        settings: live.settings.clone(),
        auth: live.auth.clone(),
        headers: live.headers.clone(),
        secrets: live.secrets.clone(),
        limiter: live.limiter.clone(),
        blocked_until: std::sync::Mutex::new(None),
    };
    connections.insert("c".into(), Arc::new(moved));
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: true,
    };
    let record = Engine::new(Arc::new(project), Arc::new(env))
        .run(
            0,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await;
    let text = serde_json::to_string(&record).unwrap();
    assert!(!text.contains(SECRET), "the secret leaked into the record");
    assert!(!text.contains(TOKEN), "the token leaked into the record");
    record
}

async fn oauth_with_client() -> FakeOAuth {
    let oauth = FakeOAuth::start().await.unwrap();
    oauth.add_secret_client("client-1", SECRET);
    oauth.set_fixed_access_token(Some(TOKEN));
    oauth
}

/// ServiceNow: client credentials at `{instance}/oauth_token.do`, then the Table API with the
/// token.
#[tokio::test]
async fn servicenow_client_credentials_at_oauth_token_do() {
    let oauth = oauth_with_client().await;
    let api = fake("servicenow", "authorization", &format!("Bearer {TOKEN}")).await;
    let conn = "{ kind: servicenow, base_url: \"${env:BASE}\", client_id: client-1, client_secret: \"${env:SECRET}\" }";
    let steps = "  - { id: g, card: servicenow.read_incident, with: { connection: c, sys_id: 9d385017c611228701d22104cc95c371 } }\n";
    let r = run_moved(conn, &oauth, api.base_url(), steps).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.steps);
    assert_eq!(out(&r, "g")["sys_id"], "9d385017c611228701d22104cc95c371");
    let issued = oauth.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].endpoint, TokenEndpoint::ServiceNow);
    assert_eq!(issued[0].grant_type, "client_credentials");
    assert_eq!(issued[0].client_id, "client-1");
    assert_eq!(api.requests().len(), 1);
}

/// Salesforce: client credentials at `{my domain}/services/oauth2/token`, then the REST API.
#[tokio::test]
async fn salesforce_client_credentials_at_services_oauth2_token() {
    let oauth = oauth_with_client().await;
    let api = fake("salesforce", "authorization", &format!("Bearer {TOKEN}")).await;
    let conn = "{ kind: salesforce, base_url: \"${env:BASE}\", client_id: client-1, client_secret: \"${env:SECRET}\" }";
    let steps = "  - { id: get, card: salesforce.read_user, with: { connection: c, user_id: 005D0000001KyEIIA0, fields: \"Id,Username,Email,IsActive\" } }\n";
    let base = format!("{}/services/data/v62.0", api.base_url());
    let r = run_moved(conn, &oauth, &base, steps).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.steps);
    assert_eq!(out(&r, "get")["Username"], "alice@acme.com");
    let issued = oauth.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].endpoint, TokenEndpoint::Salesforce);
    assert_eq!(issued[0].grant_type, "client_credentials");
    let token_request = &oauth.requests()[0];
    assert_eq!(token_request.path, "/services/oauth2/token");
}

/// Google: the service account's signed JWT at the key's `token_uri`, acting as `subject`,
/// with the connector's scopes, then the Directory API.
#[tokio::test]
async fn google_service_account_jwt_grant() {
    let oauth = FakeOAuth::start().await.unwrap();
    let email = "flowctl@acme-project.iam.gserviceaccount.com";
    oauth
        .add_service_account(email, include_str!("../../keys/test-only-rsa-public.pem"))
        .unwrap();
    oauth.set_fixed_access_token(Some(TOKEN));
    let api = fake(
        "google_workspace",
        "authorization",
        &format!("Bearer {TOKEN}"),
    )
    .await;
    let key_json = json!({
        "type": "service_account",
        "client_email": email,
        "private_key_id": "k1",
        "private_key": include_str!("../../keys/test-only-rsa-private.pem"),
        "token_uri": oauth.google_token_url(),
    })
    .to_string();
    let env = HashMap::from([
        ("BASE".to_string(), api.base_url().to_string()),
        ("KEY".to_string(), key_json),
    ]);
    let r = run_env(
        "{ kind: google_workspace, base_url: \"${env:BASE}\", key_json: \"${env:KEY}\", subject: admin@example.com }",
        "  - { id: get, card: google_workspace.read_user, with: { connection: c, user_id: liz@example.com } }\n",
        env,
    )
    .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.steps);
    assert_eq!(out(&r, "get")["primaryEmail"], "liz@example.com");
    let issued = oauth.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].endpoint, TokenEndpoint::Google);
    assert_eq!(issued[0].client_id, email);
    assert_eq!(issued[0].subject.as_deref(), Some("admin@example.com"));
    assert!(
        issued[0]
            .scope
            .contains("https://www.googleapis.com/auth/admin.directory.user"),
        "{}",
        issued[0].scope
    );
    // The default leaves out what the delegation may not grant (licensing, devices).
    assert!(
        !issued[0].scope.contains("apps.licensing"),
        "{}",
        issued[0].scope
    );
    let record = serde_json::to_string(&r).unwrap();
    assert!(!record.contains(TOKEN) && !record.contains("BEGIN PRIVATE KEY"));

    // A connection that names its scopes asks for exactly those.
    let oauth2 = FakeOAuth::start().await.unwrap();
    oauth2
        .add_service_account(email, include_str!("../../keys/test-only-rsa-public.pem"))
        .unwrap();
    oauth2.set_fixed_access_token(Some(TOKEN));
    let key_json2 = json!({
        "type": "service_account",
        "client_email": email,
        "private_key_id": "k1",
        "private_key": include_str!("../../keys/test-only-rsa-private.pem"),
        "token_uri": oauth2.google_token_url(),
    })
    .to_string();
    let env2 = HashMap::from([
        ("BASE".to_string(), api.base_url().to_string()),
        ("KEY".to_string(), key_json2),
    ]);
    let r2 = run_env(
        "{ kind: google_workspace, base_url: \"${env:BASE}\", key_json: \"${env:KEY}\", subject: admin@example.com, scopes: \"https://www.googleapis.com/auth/admin.directory.user https://www.googleapis.com/auth/admin.directory.user.security\" }",
        "  - { id: asps, card: google_workspace.read_user_asps, with: { connection: c, user_id: liz@example.com } }\n",
        env2,
    )
    .await;
    assert_eq!(r2.status, RunStatus::Succeeded, "{:?}", r2.steps);
    assert_eq!(
        oauth2.issued()[0].scope,
        "https://www.googleapis.com/auth/admin.directory.user https://www.googleapis.com/auth/admin.directory.user.security"
    );
}

/// Auth0: client credentials posted in the form (`client_secret_post`) at
/// `{domain}/oauth/token` with the Management API as `audience`, then the Management API.
#[tokio::test]
async fn auth0_client_credentials_with_the_management_api_audience() {
    let oauth = oauth_with_client().await;
    let api = fake("auth0", "authorization", &format!("Bearer {TOKEN}")).await;
    let conn = "{ kind: auth0, domain_url: \"${env:BASE}\", client_id: client-1, client_secret: \"${env:SECRET}\", audience: \"https://acme.us.auth0.com/api/v2/\" }";
    let steps = "  - { id: get, card: auth0.read_user, with: { connection: c, user: \"auth0|5f7c8ec7c33c6c004bbafe82\" } }\n";
    let r = run_moved(conn, &oauth, api.base_url(), steps).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.steps);
    assert_eq!(out(&r, "get")["email"], "liz@example.com");
    let issued = oauth.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].endpoint, TokenEndpoint::Auth0);
    assert_eq!(issued[0].grant_type, "client_credentials");
    let token_request = &oauth.requests()[0];
    assert_eq!(token_request.path, "/oauth/token");
    assert_eq!(
        token_request.header("authorization"),
        None,
        "the secret is posted, not sent as Basic"
    );
    let form: HashMap<String, String> = url::form_urlencoded::parse(token_request.body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        form.get("audience").map(String::as_str),
        Some("https://acme.us.auth0.com/api/v2/")
    );
    assert_eq!(form.get("client_id").map(String::as_str), Some("client-1"));
    assert_eq!(form.get("client_secret").map(String::as_str), Some(SECRET));
}

/// Auth0 refuses a token request without an audience; the card fails as `auth`.
#[tokio::test]
async fn auth0_without_an_audience_is_refused() {
    let oauth = oauth_with_client().await;
    let api = fake("auth0", "authorization", &format!("Bearer {TOKEN}")).await;
    let conn = "{ kind: auth0, domain_url: \"${env:BASE}\", client_id: client-1, client_secret: \"${env:SECRET}\" }";
    let steps = "  - { id: get, card: auth0.read_user, with: { connection: c, user: \"auth0|5f7c8ec7c33c6c004bbafe82\" } }\n";
    let r = run_moved(conn, &oauth, api.base_url(), steps).await;
    let e = err(&r, "get");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("No audience parameter"),
        "{e}"
    );
    assert!(oauth.issued().is_empty());
    assert!(api.requests().is_empty());
}

/// Google Drive and Sheets: the same service account grant, each with its own scope, acting as
/// `subject`.
#[tokio::test]
async fn drive_and_sheets_service_accounts_ask_for_their_scopes() {
    for (kind, scope, step) in [
        (
            "google_drive",
            "https://www.googleapis.com/auth/drive",
            "card: google_drive.read_file, with: { connection: c, file: 1wXyRpGhxrSmAR0hCUfYw6uRW7yMmOkxL }",
        ),
        (
            "google_sheets",
            "https://www.googleapis.com/auth/spreadsheets",
            "card: google_sheets.read_spreadsheet, with: { connection: c, spreadsheet: 1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms }",
        ),
    ] {
        let oauth = FakeOAuth::start().await.unwrap();
        let email = "flowctl@acme-project.iam.gserviceaccount.com";
        oauth
            .add_service_account(email, include_str!("../../keys/test-only-rsa-public.pem"))
            .unwrap();
        oauth.set_fixed_access_token(Some(TOKEN));
        let api = fake(kind, "authorization", &format!("Bearer {TOKEN}")).await;
        let key_json = json!({
            "type": "service_account",
            "client_email": email,
            "private_key_id": "k1",
            "private_key": include_str!("../../keys/test-only-rsa-private.pem"),
            "token_uri": oauth.google_token_url(),
        })
        .to_string();
        let env = HashMap::from([
            ("BASE".to_string(), api.base_url().to_string()),
            ("KEY".to_string(), key_json),
        ]);
        let r = run_env(
            &format!(
                "{{ kind: {kind}, base_url: \"${{env:BASE}}\", key_json: \"${{env:KEY}}\", subject: liz@example.com }}"
            ),
            &format!("  - {{ id: get, {step} }}\n"),
            env,
        )
        .await;
        assert_eq!(r.status, RunStatus::Succeeded, "{kind}: {:?}", r.steps);
        let issued = oauth.issued();
        assert_eq!(issued.len(), 1, "{kind}");
        assert_eq!(issued[0].endpoint, TokenEndpoint::Google);
        assert_eq!(issued[0].subject.as_deref(), Some("liz@example.com"));
        assert_eq!(issued[0].scope, scope, "{kind}");
        let record = serde_json::to_string(&r).unwrap();
        assert!(!record.contains(TOKEN) && !record.contains("BEGIN PRIVATE KEY"));
    }
}
