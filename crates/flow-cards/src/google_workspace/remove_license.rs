//! `google_workspace.remove_license`: take a product's license (SKU) from a user with the
//! Enterprise License Manager API (`licenseAssignments.delete`, on its own host).

use super::GoogleWorkspace;
use super::licensing::{checked, url};
use crate::connector::ConnectorLive;
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr, HttpResponse,
    Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `google_workspace.remove_license`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Google Workspace connection.
    connection: ConnRef<GoogleWorkspace>,
    /// The user's primary email.
    user_id: Expr<Text>,
    /// The product id (`Google-Apps` for the Google Workspace editions).
    product_id: Expr<Text>,
    /// The SKU id of the license to take away.
    sku_id: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "google_workspace.remove_license",
    summary: "Remove a product license (SKU) from a user (Enterprise License Manager API)",
    effect: Effect::Writes,
    output: "number (the status)",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"`DELETE {licensing_url}/apps/licensing/v1/product/{product_id}/sku/{sku_id}/user/{user_id}`
(`licenseAssignments.delete`); the output is the status (Google answers 204, or 200 with an
empty body). A user without that license is Google's 404, a `not_found` error.
`licensing_url` defaults to `https://licensing.googleapis.com`; the scope is
`apps.licensing`."#,
    // Okta's card takes a list of licenses (`Product/licenses`); `flowctl import` converts
    // one of one license to this card.
    okta: &["Google Workspace Admin - Unassign License from User"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: google, user_id: liz@example.com, product_id: Google-Apps, sku_id: "1010020020" }"#,
            "204",
        ),
        Example::fails(
            "An empty user",
            r#"{ connection: google, user_id: "", product_id: Google-Apps, sku_id: "1010020020" }"#,
            "`user` is empty",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let live = cx.connection::<ConnectorLive, _>(&self.connection)?;
            let user = cx.text(&self.user_id)?.trim().to_string();
            let product = cx.text(&self.product_id)?.trim().to_string();
            let sku = cx.text(&self.sku_id)?.trim().to_string();
            let target = url(
                &live,
                &product,
                &[("sku", Some(&sku)), ("user", Some(&user))],
            )?;
            let req = live.request("DELETE", target, cx.attempt);
            let resp = live
                .send(cx, req, |_| HttpResponse::json(204, &Value::Null))
                .await?;
            let inputs = json!({ "user_id": user, "product_id": product, "sku_id": sku });
            checked(&live, &resp, &inputs)?;
            Ok(Outcome::value(json!(resp.status)))
        })
    }
}
