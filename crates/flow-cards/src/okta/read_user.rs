//! `okta.read_user`: reads a user by id or login with `GET /api/v1/users/{id or login}` (Okta's
//! Read User). The direct read is strongly consistent and finds a login exactly; an unknown
//! user is a `not_found` error (Okta's 404 E0000007).

use super::client;
use super::connection::{Okta, OktaLive};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Expr, HttpResponse, Outcome,
    StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `okta.read_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Okta connection.
    connection: ConnRef<Okta>,
    /// The user's id (`00u…`) or login (usually the email).
    user: Expr<Text>,
}

/// The output type: Okta's user object. Open: profiles have custom attributes.
pub fn user_type() -> Type {
    Type::open_object([
        ("id", Type::Text),
        ("status", Type::Text),
        ("created", Type::Date),
        ("activated", Type::Date),
        ("statusChanged", Type::Date),
        ("lastLogin", Type::Date),
        ("lastUpdated", Type::Date),
        ("passwordChanged", Type::Date),
        ("type", Type::Object(None)),
        (
            "profile",
            Type::open_object([
                ("login", Type::Text),
                ("email", Type::Text),
                ("firstName", Type::Text),
                ("lastName", Type::Text),
            ]),
        ),
        ("credentials", Type::Object(None)),
        ("_links", Type::Object(None)),
    ])
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "okta.read_user",
    summary: "Read an Okta user by id or login",
    effect: Effect::Reads,
    output: "{ id, status, created, …, profile: { login, email, firstName, lastName, … } }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads a user by id (`00u…`) or login. Output: Okta's user object, `{ id, status, created,
activated, statusChanged, lastLogin, lastUpdated, passwordChanged, type, profile: { login,
email, firstName, lastName, … }, credentials, _links }`. It is open: custom profile attributes
can be read. An unknown user is kind `not_found`.

It takes `connection:`, the name of an `okta` connection (`E0214` when it does not exist,
`E0215` when it is of another kind). The exact requests are in
[connectors.md](connectors.md#okta). In a dry run nothing is sent: the output is a rehearsal."#,
    okta: &["Okta - Read User"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: okta, user: ada@example.com }"#,
            r#"{"id": "00uAdiGKGFtV2dplRWuZ", "status": "ACTIVE", "profile": {"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": ""}}"#,
        ),
        Example::rejected(
            "A connection that does not exist",
            r#"{ connection: nope, user: a }"#,
            "E0214",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        user_type()
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<OktaLive, _>(&self.connection)?;
            let user = cx.text(&self.user)?;
            let path = format!("/api/v1/users/{}", client::user_segment(&user)?);
            let req = client::request(&conn, "GET", &path, cx.attempt);
            let resp = client::send(cx, &conn, req, |_| {
                HttpResponse::json(200, &client::rehearsal_user(&user, "ACTIVE"))
            })
            .await
            .map_err(|e| match e.status {
                Some(404) => CardError {
                    message: format!("Okta has no user `{user}` ({})", e.message),
                    ..e
                },
                _ => e,
            })?;
            let body = resp.json_body().ok_or_else(|| {
                CardError::new(flow_card::ErrorKind::Remote, "Okta's answer is not JSON")
            })?;
            Ok(Outcome::value(body))
        })
    }
}
