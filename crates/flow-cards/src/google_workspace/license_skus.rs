//! `google_workspace.license_skus`: the Google products and SKUs a license can be assigned
//! for, as Okta Workflows' Google Workspace Admin "Get All Licenses" lists them. Google has no
//! API that lists them: the card gives Google's published table
//! (<https://developers.google.com/workspace/admin/licensing/v1/how-tos/products>), with no
//! request.

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Google's products and SKUs: (product id, product name, SKU id, SKU name).
const SKUS: &[(&str, &str, &str, &str)] = &[
    // Google Workspace.
    (
        "Google-Apps",
        "Google Workspace",
        "1010020027",
        "Google Workspace Business Starter",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020028",
        "Google Workspace Business Standard",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020025",
        "Google Workspace Business Plus",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010060003",
        "Google Workspace Enterprise Essentials",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020029",
        "Google Workspace Enterprise Starter",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020026",
        "Google Workspace Enterprise Standard",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020020",
        "Google Workspace Enterprise Plus (formerly G Suite Enterprise)",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010060001",
        "Google Workspace Essentials (formerly G Suite Essentials)",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010060005",
        "Google Workspace Enterprise Essentials Plus",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020030",
        "Google Workspace Frontline Starter",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020031",
        "Google Workspace Frontline Standard",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020034",
        "Google Workspace Frontline Plus",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020035",
        "Google Workspace Business Continuity",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "1010020036",
        "Google Workspace Business Continuity Plus",
    ),
    // Gemini.
    (
        "101068",
        "Gemini Business",
        "1010680001",
        "Gemini Enterprise Business Edition",
    ),
    ("101047", "Gemini", "1010470002", "Gemini Labs"),
    ("101047", "Gemini", "1010470006", "Gemini Security"),
    ("101047", "Gemini", "1010470007", "Gemini Meet"),
    ("101047", "Gemini", "1010470009", "AI Expanded Access"),
    // G Suite and legacy.
    (
        "Google-Apps",
        "Google Workspace",
        "Google-Apps-Unlimited",
        "G Suite Business",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "Google-Apps-For-Business",
        "G Suite Basic",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "Google-Apps-Lite",
        "G Suite Lite",
    ),
    (
        "Google-Apps",
        "Google Workspace",
        "Google-Apps-For-Postini",
        "Google Apps Message Security",
    ),
    // Education.
    (
        "Google-Apps",
        "Google Workspace",
        "Google-Apps-For-Education",
        "Google Workspace for Education Fundamentals",
    ),
    (
        "101031",
        "Google Workspace for Education",
        "1010310005",
        "Google Workspace for Education Standard",
    ),
    (
        "101031",
        "Google Workspace for Education",
        "1010310006",
        "Google Workspace for Education Standard (Staff)",
    ),
    (
        "101031",
        "Google Workspace for Education",
        "1010310007",
        "Google Workspace for Education Standard (Extra Student)",
    ),
    (
        "101031",
        "Google Workspace for Education",
        "1010310008",
        "Google Workspace for Education Plus",
    ),
];

/// Inputs of `google_workspace.license_skus`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Only the SKUs of this product id (`Google-Apps`, `101031`, …); all when absent (an
    /// empty one is an error).
    #[serde(default)]
    product_id: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "google_workspace.license_skus",
    "Google's products and SKUs a license can be assigned for (no request)",
    "list<{ name, productid, skuid, productId, productName, skuId, skuName }>",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Google's License Manager API assigns a license by product id and SKU id but
has no call that lists them; this card gives Google's published table of products and SKUs
(Google Workspace, Gemini, G Suite and legacy, the main Education editions), or those of
`product_id`. Each entry has Okta's names, `name` (the SKU's name), `productid` and `skuid`,
and the License Manager's, `productId`, `productName`, `skuId` and `skuName`, so it can be
handed to `google_workspace.assign_license` and `remove_license` either way. It makes no
request and needs no connection; an SKU Google added later is written as such an object by
hand."#,
    okta: &["Google Workspace Admin - Get All Licenses"],
    examples: &[
        Example::gives(
            "The Gemini add-ons",
            r#"{ product_id: "101047" }"#,
            r#"[{"name": "Gemini Labs", "productid": "101047", "skuid": "1010470002", "productId": "101047", "productName": "Gemini", "skuId": "1010470002", "skuName": "Gemini Labs"}, {"name": "Gemini Security", "productid": "101047", "skuid": "1010470006", "productId": "101047", "productName": "Gemini", "skuId": "1010470006", "skuName": "Gemini Security"}, {"name": "Gemini Meet", "productid": "101047", "skuid": "1010470007", "productId": "101047", "productName": "Gemini", "skuId": "1010470007", "skuName": "Gemini Meet"}, {"name": "AI Expanded Access", "productid": "101047", "skuid": "1010470009", "productId": "101047", "productName": "Gemini", "skuId": "1010470009", "skuName": "AI Expanded Access"}]"#,
        ),
        Example::gives(
            "A product Google does not list",
            r#"{ product_id: Nope }"#,
            "[]",
        ),
        Example::fails(
            "An empty product id",
            r#"{ product_id: " " }"#,
            "`product_id` is empty",
        ),
    ],
};

/// One entry, by Okta's names and by the License Manager's.
fn entry((product, product_name, sku, sku_name): &(&str, &str, &str, &str)) -> Value {
    json!({
        "name": sku_name,
        "productid": product,
        "skuid": sku,
        "productId": product,
        "productName": product_name,
        "skuId": sku,
        "skuName": sku_name,
    })
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(e) = &self.product_id {
            cx.expr_type(e.id);
        }
        let text = |k: &'static str| (k, Type::Text);
        Type::list(Type::object([
            text("name"),
            text("productid"),
            text("skuid"),
            text("productId"),
            text("productName"),
            text("skuId"),
            text("skuName"),
        ]))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let product = cx.opt_text(&self.product_id)?;
            let product = product.as_deref().map(str::trim);
            if product == Some("") {
                return Err(CardError::input("`product_id` is empty"));
            }
            Ok(Value::Array(
                SKUS.iter()
                    .filter(|(p, ..)| product.is_none_or(|want| want == *p))
                    .map(entry)
                    .collect(),
            ))
        })())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_card;
    use std::collections::HashSet;

    /// Without a product, every SKU of the table, once each, with Okta's and Google's names.
    #[test]
    fn every_sku_once_by_both_names() {
        let out = run_card("google_workspace.license_skus", "{}", &json!({})).unwrap();
        let all = out.as_array().unwrap();
        assert_eq!(all.len(), SKUS.len());
        let mut seen = HashSet::new();
        for e in all {
            assert!(
                seen.insert((e["productid"].clone(), e["skuid"].clone())),
                "{e}"
            );
            assert_eq!(e["productid"], e["productId"]);
            assert_eq!(e["skuid"], e["skuId"]);
            assert_eq!(e["name"], e["skuName"]);
        }
        let plus = all.iter().find(|e| e["skuid"] == "1010020020").unwrap();
        assert_eq!(plus["productid"], "Google-Apps");
        assert!(
            plus["name"]
                .as_str()
                .unwrap()
                .starts_with("Google Workspace Enterprise Plus")
        );
    }
}
