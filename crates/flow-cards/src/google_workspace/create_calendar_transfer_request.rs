//! `google_workspace.create_calendar_transfer_request`: hand a user's future calendar events to
//! another user with the Admin SDK Data Transfer API (the Calendar application, releasing the
//! rooms and resources the events booked), the users given by id or by email. The Data
//! Transfer API is on the Admin SDK's host, which the `google_workspace` connection serves.

use super::GoogleWorkspace;
use crate::connector::ConnectorLive;
use crate::google_drive::create_transfer_request::{transfer, transfer_type};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Google's application id of Calendar in the Data Transfer API.
const CALENDAR_APP: &str = "435070579839";

/// Inputs of `google_workspace.create_calendar_transfer_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Google Workspace connection (an administrator as `subject`).
    connection: ConnRef<GoogleWorkspace>,
    /// The events' owner: a Google user id, or the user's primary email.
    from_user: Expr<Text>,
    /// The new owner: a Google user id, or the user's primary email.
    to_user: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "google_workspace.create_calendar_transfer_request",
    summary: "Transfer a user's future calendar events to another user, releasing their rooms (Admin SDK Data Transfer)",
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
    description: r#"Asks Google to move `from_user`'s calendar events to `to_user` with
`POST /admin/datatransfer/v1/transfers` (the Calendar application, `435070579839`, with
`RELEASE_RESOURCES` `TRUE`: the rooms and resources of future events are released). Google
moves the future, non-private events of the user's primary calendar that have a guest or a
resource, in the background; `google_drive.read_transfer_request` (or a Custom API Action's
`GET /admin/datatransfer/v1/transfers/{id}`) reads the status (`new`, `inProgress`,
`completed`, `failed`). A user is a Google user id or an email: an email (any value with
`@`) is first looked up with the Directory's `GET /admin/directory/v1/users/{email}` for its
id. The connection's `scopes` need `https://www.googleapis.com/auth/admin.datatransfer` (and
a Directory user scope for emails), its `subject` an administrator. Output: `{ transfer_id,
transfer_status, request_time, old_owner_user_id, new_owner_user_id, old_owner_email,
new_owner_email }` (an email is null for a user given by id). One attempt by default: a
retried request would start a second transfer."#,
    okta: &["Google Calendar - Create Transfer Request"],
    examples: &[
        Example::gives(
            "A dry run with users given by id",
            r#"{ connection: google, from_user: "104358823374452910283", to_user: "117264380114830095743" }"#,
            r#"{"transfer_id": "rehearsal", "transfer_status": "new", "request_time": "2026-01-05T09:00:00.000Z", "old_owner_user_id": "104358823374452910283", "new_owner_user_id": "117264380114830095743", "old_owner_email": null, "new_owner_email": null}"#,
        ),
        Example::fails(
            "An empty new owner",
            r#"{ connection: google, from_user: "104358823374452910283", to_user: " " }"#,
            "`to_user` is empty",
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
                "applicationId": CALENDAR_APP,
                "applicationTransferParams": [{ "key": "RELEASE_RESOURCES", "value": ["TRUE"] }],
            });
            Ok(Outcome::value(transfer(&live, cx, &from, &to, app).await?))
        })
    }
}
