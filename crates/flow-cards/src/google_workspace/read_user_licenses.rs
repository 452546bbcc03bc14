//! `google_workspace.read_user_licenses`: the Google Workspace licenses of one user, as Okta
//! Workflows' Google Workspace Admin "Read User Licenses" gives them, from the Enterprise
//! License Manager API (`licenseAssignments.listForProduct`, on its own host).

use super::GoogleWorkspace;
use super::licensing::user_assignments;
use crate::connector::ConnectorLive;
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Text};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr,
    Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// The product a user's licenses are looked up in when the step names none: Google
/// Workspace's own (`Google-Apps`).
const DEFAULT_PRODUCT: &str = "Google-Apps";

/// Inputs of `google_workspace.read_user_licenses`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Google Workspace connection (its `customer` is the account searched).
    connection: ConnRef<GoogleWorkspace>,
    /// The user's primary email (Okta's User ID, shown as Primary Email).
    user_id: Expr<Text>,
    /// The product ids to look in (default `Google-Apps`): a list, or ids separated by commas.
    #[serde(default)]
    products: Option<Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "google_workspace.read_user_licenses",
    summary: "The license assignments of a user (Enterprise License Manager API)",
    effect: Effect::Reads,
    output: "list<{ userId, productId, productName, skuId, skuName, … }>",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The License Manager API has no "licenses of one user" call: for each product
(`products`, default `Google-Apps`, the Google Workspace editions) the card reads the
account's assignments with `GET {licensing_url}/apps/licensing/v1/product/{product}/users?customerId={customer}`
(every page, 1000 a page) and keeps those whose `userId` is `user_id`. Each is a
LicenseAssignment: `userId`, `productId`, `productName`, `skuId`, `skuName`, `etags`,
`selfLink` (Okta's Licenses). `licensing_url` defaults to `https://licensing.googleapis.com`;
the scope is `apps.licensing`. A large account is many pages: name the products you need."#,
    okta: &[
        "Google Workspace Admin - Read User Licenses",
        "Google Workspace Admin - Read All User Licenses",
    ],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: google, user_id: liz@example.com }"#,
            r#"[{"kind": "licensing#licenseAssignment", "etags": "rehearsal", "selfLink": "", "userId": "liz@example.com", "productId": "Google-Apps", "skuId": "rehearsal", "skuName": "", "productName": ""}]"#,
        ),
        Example::fails(
            "Product ids that are not text",
            r#"{ connection: google, user_id: liz@example.com, products: [101031] }"#,
            "`products` must list product ids",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::list(super::licensing::assignment())
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let live = cx.connection::<ConnectorLive, _>(&self.connection)?;
            let user = cx.text(&self.user_id)?.trim().to_string();
            if user.is_empty() {
                return Err(CardError::input("`user_id` is empty"));
            }
            let products = match &self.products {
                Some(e) => product_ids(&*cx.value(e)?)?,
                None => Vec::new(),
            };
            let products = if products.is_empty() {
                vec![DEFAULT_PRODUCT.to_string()]
            } else {
                products
            };
            let mut all = Vec::new();
            for product in &products {
                all.extend(user_assignments(cx, &live, product, &user).await?);
            }
            Ok(Outcome::value(Value::Array(all)))
        })
    }
}

/// `products` as ids: a list of texts, or text separated by commas; empty entries dropped.
fn product_ids(v: &Value) -> Result<Vec<String>, CardError> {
    let parts: Vec<String> = match v {
        Value::Null => Vec::new(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                _ => Err(CardError::input("`products` must list product ids (text)")),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(CardError::input(
                "`products` must be a list of product ids or ids separated by commas",
            ));
        }
    };
    Ok(parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn products_are_a_list_or_comma_separated_ids() {
        assert_eq!(
            product_ids(&json!(["Google-Apps", " 101031 ", ""])).unwrap(),
            ["Google-Apps", "101031"]
        );
        assert_eq!(
            product_ids(&json!("Google-Apps,101031")).unwrap(),
            ["Google-Apps", "101031"]
        );
        assert!(product_ids(&Value::Null).unwrap().is_empty());
        assert!(product_ids(&json!([1])).is_err());
        assert!(product_ids(&json!({ "a": 1 })).is_err());
    }
}
