//! `google_workspace.assign_license`: give a user a product's license (SKU) with the
//! Enterprise License Manager API (`licenseAssignments.insert`, on its own host).

use super::GoogleWorkspace;
use super::licensing::{checked, sample, url};
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
use serde_json::json;

/// Inputs of `google_workspace.assign_license`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Google Workspace connection.
    connection: ConnRef<GoogleWorkspace>,
    /// The user's primary email.
    user_id: Expr<Text>,
    /// The product id (`Google-Apps` for the Google Workspace editions).
    product_id: Expr<Text>,
    /// The SKU id (`1010020020` is Enterprise Plus; see Google's product and SKU table).
    sku_id: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "google_workspace.assign_license",
    summary: "Assign a product license (SKU) to a user (Enterprise License Manager API)",
    effect: Effect::Writes,
    output: "{ userId, productId, productName, skuId, skuName, … }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"`POST {licensing_url}/apps/licensing/v1/product/{product_id}/sku/{sku_id}/user`
with `{ "userId": user_id }` (`licenseAssignments.insert`); the output is the new
LicenseAssignment. `licensing_url` defaults to `https://licensing.googleapis.com`; the scope
is `apps.licensing`. Product and SKU ids are Google's (the Google Workspace editions are
product `Google-Apps`)."#,
    // Okta's card takes a list of licenses (`Product/licenses`); `flowctl import` converts
    // one of one license to this card.
    okta: &["Google Workspace Admin - Assign License to User"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: google, user_id: liz@example.com, product_id: Google-Apps, sku_id: "1010020020" }"#,
            r#"{"kind": "licensing#licenseAssignment", "etags": "rehearsal", "selfLink": "", "userId": "liz@example.com", "productId": "Google-Apps", "skuId": "1010020020", "skuName": "", "productName": ""}"#,
        ),
        Example::fails(
            "A SKU id that is not one path segment",
            r#"{ connection: google, user_id: liz@example.com, product_id: Google-Apps, sku_id: "1010/020020" }"#,
            "cannot be sent as one path segment",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        super::licensing::assignment()
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let live = cx.connection::<ConnectorLive, _>(&self.connection)?;
            let user = cx.text(&self.user_id)?.trim().to_string();
            let product = cx.text(&self.product_id)?.trim().to_string();
            let sku = cx.text(&self.sku_id)?.trim().to_string();
            let target = url(&live, &product, &[("sku", Some(&sku)), ("user", None)])?;
            let req = live
                .request("POST", target, cx.attempt)
                .json(&json!({ "userId": user }));
            let rehearsed = sample(&user, &product, &sku);
            let resp = live
                .send(cx, req, |_| HttpResponse::json(200, &rehearsed))
                .await?;
            let inputs = json!({ "user_id": user, "product_id": product, "sku_id": sku });
            Ok(Outcome::value(checked(&live, &resp, &inputs)?))
        })
    }
}
