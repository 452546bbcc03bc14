//! `google_drive.create_transfer_request`: hand every Drive file a user owns to another user
//! with the Admin SDK Data Transfer API, the users given by id or by email (an email is looked
//! up in the Directory first, as the API takes only ids).

use super::GoogleDrive;
use crate::connector::ConnectorLive;
use crate::connector::action::{Answer, error_of, segment};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr,
    HttpResponse, Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Google's application id of Drive and Docs in the Data Transfer API.
const DRIVE_APP: &str = "55656082996";

/// Inputs of `google_drive.create_transfer_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Google Drive connection (an administrator as `subject`).
    connection: ConnRef<GoogleDrive>,
    /// The files' owner: a Google user id, or the user's primary email.
    from_user: Expr<Text>,
    /// The new owner: a Google user id, or the user's primary email.
    to_user: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "google_drive.create_transfer_request",
    summary: "Transfer every Drive file a user owns (private and shared) to another user (Admin SDK Data Transfer)",
    effect: Effect::Writes,
    output: "{ transfer_id, transfer_status, request_time, old_owner_user_id, new_owner_user_id, old_owner_email, new_owner_email }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Asks Google to move every Drive file `from_user` owns to `to_user` with
`POST /admin/datatransfer/v1/transfers` (the Drive and Docs application, `55656082996`, with
`PRIVACY_LEVEL` `PRIVATE` and `SHARED`); Google moves them in the background, and
`google_drive.read_transfer_request` reads the status (`new`, `inProgress`, `completed`,
`failed`). A user is a Google user id or an email: an email (any value with `@`) is first
looked up with the Directory's `GET /admin/directory/v1/users/{email}` for its id. The
connection's `scopes` need `https://www.googleapis.com/auth/admin.datatransfer` (and
`https://www.googleapis.com/auth/admin.directory.user.readonly` for emails), its `subject` an
administrator. Output: `{ transfer_id, transfer_status, request_time, old_owner_user_id,
new_owner_user_id, old_owner_email, new_owner_email }` (an email is null for a user given by
id). One attempt by default: a retried request would start a second transfer."#,
    okta: &["Google Drive - Create Transfer Request"],
    examples: &[
        Example::gives(
            "A dry run with users given by id",
            r#"{ connection: drive, from_user: "104358823374452910283", to_user: "117264380114830095743" }"#,
            r#"{"transfer_id": "rehearsal", "transfer_status": "new", "request_time": "2026-01-05T09:00:00.000Z", "old_owner_user_id": "104358823374452910283", "new_owner_user_id": "117264380114830095743", "old_owner_email": null, "new_owner_email": null}"#,
        ),
        Example::fails(
            "An empty user",
            r#"{ connection: drive, from_user: "", to_user: "117264380114830095743" }"#,
            "`from_user` is empty",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        transfer_type()
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let live = cx.connection::<ConnectorLive, _>(&self.connection)?;
            let from = cx.text(&self.from_user)?.trim().to_string();
            let to = cx.text(&self.to_user)?.trim().to_string();
            let app = json!({
                "applicationId": DRIVE_APP,
                "applicationTransferParams": [{ "key": "PRIVACY_LEVEL", "value": ["PRIVATE", "SHARED"] }],
            });
            Ok(Outcome::value(transfer(&live, cx, &from, &to, app).await?))
        })
    }
}

/// The output of a transfer card (this one, and `google_workspace`'s calendar transfer).
pub(crate) fn transfer_type() -> Type {
    Type::object([
        ("transfer_id", Type::Text),
        ("transfer_status", Type::Text),
        ("request_time", Type::Date),
        ("old_owner_user_id", Type::Text),
        ("new_owner_user_id", Type::Text),
        ("old_owner_email", Type::Text),
        ("new_owner_email", Type::Text),
    ])
}

/// Starts a Data Transfer of one application's data (`application`: an
/// `applicationDataTransfers` entry) from user `from` to user `to` (each a Google user id, or
/// an email looked up in the Directory first) on `live`, whose base serves the Admin SDK
/// (`/admin/datatransfer/v1/transfers`, `/admin/directory/v1/users`). Answers the transfer
/// card's output ([`transfer_type`]).
pub(crate) async fn transfer(
    live: &ConnectorLive,
    cx: &StepCx<'_>,
    from: &str,
    to: &str,
    application: Value,
) -> Result<Value, CardError> {
    let (from_id, from_email) = user_id(live, cx, "from_user", from).await?;
    let (to_id, to_email) = user_id(live, cx, "to_user", to).await?;
    let body = json!({
        "oldOwnerUserId": from_id,
        "newOwnerUserId": to_id,
        "applicationDataTransfers": [application],
    });
    let url = format!("{}/admin/datatransfer/v1/transfers", live.base);
    let req = live.request("POST", url, cx.attempt).json(&body);
    let rehearsal = json!({
        "id": "rehearsal",
        "oldOwnerUserId": from_id,
        "newOwnerUserId": to_id,
        "overallTransferStatusCode": "new",
        "requestTime": "2026-01-05T09:00:00.000Z",
    });
    let resp = live
        .send(cx, req, |_| HttpResponse::json(200, &rehearsal))
        .await?;
    let answer = Answer::of(&resp);
    if !resp.is_success() {
        let inputs = json!({ "from_user": from, "to_user": to });
        let scope = answer.scope(&live.settings, &inputs);
        return Err(error_of(live.connector, None, &resp, &scope));
    }
    let b = &answer.body;
    let field = |k: &str| b.get(k).cloned().unwrap_or(Value::Null);
    Ok(json!({
        "transfer_id": field("id"),
        "transfer_status": field("overallTransferStatusCode"),
        "request_time": field("requestTime"),
        "old_owner_user_id": field("oldOwnerUserId"),
        "new_owner_user_id": field("newOwnerUserId"),
        "old_owner_email": from_email,
        "new_owner_email": to_email,
    }))
}

/// A user's id and email: an id as given (no email), or an email's id from the Directory.
async fn user_id(
    live: &ConnectorLive,
    cx: &StepCx<'_>,
    name: &str,
    user: &str,
) -> Result<(String, Option<String>), CardError> {
    if user.is_empty() {
        return Err(CardError::input(format!("`{name}` is empty")));
    }
    if !user.contains('@') {
        return Ok((user.to_string(), None));
    }
    let url = format!(
        "{}/admin/directory/v1/users/{}?fields=id%2CprimaryEmail",
        live.base,
        segment(name, &Value::String(user.to_string()))?
    );
    let req = live.request("GET", url, cx.attempt);
    let resp = live
        .send(cx, req, |_| {
            HttpResponse::json(200, &json!({ "id": "rehearsal", "primaryEmail": user }))
        })
        .await?;
    let answer = Answer::of(&resp);
    if !resp.is_success() {
        let inputs = json!({ name: user });
        let mut e = error_of(
            live.connector,
            None,
            &resp,
            &answer.scope(&live.settings, &inputs),
        );
        if resp.status == 404 {
            e.message = format!("Google has no user {user} (`{name}`); {}", e.message);
        }
        return Err(e);
    }
    match answer.body.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok((id.clone(), Some(user.to_string()))),
        _ => Err(CardError::new(
            flow_card::ErrorKind::Remote,
            format!("Google's Directory gave no id for {user} (`{name}`)"),
        )),
    }
}
