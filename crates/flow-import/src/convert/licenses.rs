//! Google Workspace Admin's Assign License to User and Unassign License from User
//! (`googledirectory:assignALicenseToUser`, `googledirectory:unassignLicenseFromUser`). Okta's
//! cards take the user (`User/id`, its primary email) and a list of licenses
//! (`Product/licenses`): objects with the product and the SKU, spelled `productId` and `skuId`
//! as the License Manager's assignments are (Read User Licenses), or `productid` and `skuid` as
//! Okta's Get All Licenses gives them. flowctl's `google_workspace.assign_license` and
//! `remove_license` take one product and one SKU: a list of one license (a List Construct of
//! one item, or one object the wire wraps in a list) becomes one step, the product and the SKU
//! read from the item by the spelling it has: the keys of a value built in place, else the
//! fields the item's source declares (an Object Construct's keys, an Okta output's type), else
//! Google's (`productId`, `skuId`, which `google_workspace.license_skus` gives too). A longer
//! list, or one whose length is not known here, is reported.

use super::{Cx, Step, display_name};
use crate::export::Method;
use crate::value::Val;
use crate::yaml::Yaml;
use serde_json::Value;

/// The Okta inputs of the license cards.
const INPUTS: &[&str] = &["Product/licenses", "User/id"];

impl<'a> Cx<'a> {
    /// A license card → `card` (`google_workspace.assign_license` or `remove_license`).
    pub(super) fn license_card(
        &mut self,
        m: &Method,
        id: &str,
        card: &'static str,
    ) -> Result<Step, String> {
        for f in &m.inputs {
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            if f.wormhole || (!wired && f.is_blank()) {
                continue;
            }
            if !INPUTS.iter().any(|k| k.eq_ignore_ascii_case(&f.label())) {
                return Err(format!(
                    "its input `{}` has no counterpart among the inputs of `{card}`",
                    f.label()
                ));
            }
        }
        let user = self
            .input_by_key(m, "User/id")?
            .ok_or_else(|| "its user (`User/id`) is not set".to_string())?;
        let licenses = self
            .input_by_key(m, "Product/licenses")?
            .ok_or_else(|| "its licenses (`Product/licenses`) are not set".to_string())?;
        let item = one_license(licenses, card)?;
        let okta_spelling = self
            .license_keys(m)
            .is_some_and(|keys| keys.iter().any(|k| k == "productid" || k == "skuid"));
        let product = license_field(&item, ["productId", "productid"], okta_spelling)?;
        let sku = license_field(&item, ["skuId", "skuid"], okta_spelling)?;
        for o in &m.outputs {
            self.outputs.insert(
                (m.uuid.clone(), o.id.clone()),
                Err(format!(
                    "reads the output `{}` of `{}`, which `{card}` (one license) has no counterpart for",
                    o.label(),
                    display_name(m)
                )),
            );
        }
        Ok(Step {
            id: id.to_string(),
            card: card.into(),
            with: vec![
                (
                    "connection".into(),
                    Yaml::str(self.connection(m, "google_workspace")),
                ),
                ("user_id".into(), user.to_yaml()),
                ("product_id".into(), product.to_yaml()),
                ("sku_id".into(), sku.to_yaml()),
            ],
            ..Step::default()
        })
    }

    /// The keys the one license's source declares, when it declares them: the wire into
    /// `Product/licenses` (through a List Construct of one item, or wrapped by the wire) comes
    /// from an Object Construct (its keys) or an output whose Okta type names its fields.
    fn license_keys(&self, m: &Method) -> Option<Vec<String>> {
        let input = m.input("Product/licenses")?;
        let (mut src, mut out, convert) = *self.wires.get(&(m.uuid.as_str(), input.id.as_str()))?;
        if convert != Some("wrapArray") {
            let list = self.by_uuid.get(src)?;
            if list.key != "list:construct" {
                return None;
            }
            let items: Vec<_> = list.inputs.iter().filter(|f| f.custom).collect();
            let [item] = items.as_slice() else {
                return None;
            };
            (src, out, _) = *self.wires.get(&(list.uuid.as_str(), item.id.as_str()))?;
        }
        let card = self.by_uuid.get(src)?;
        if card.key == "object:construct" {
            return Some(
                card.inputs
                    .iter()
                    .filter(|f| f.custom)
                    .map(|f| f.key.clone())
                    .collect(),
            );
        }
        match &card.output_by_id(out)?.ty {
            Value::Object(fields) => Some(fields.keys().cloned().collect()),
            _ => None,
        }
    }
}

/// The one license of the card's list.
fn one_license(licenses: Val, card: &str) -> Result<Val, String> {
    match licenses {
        Val::List(mut items) if items.len() == 1 => Ok(items.remove(0)),
        Val::List(items) => Err(format!(
            "gives {} licenses at once; `{card}` takes one (a For Each over them would)",
            items.len()
        )),
        Val::Const(Value::Array(mut items)) if items.len() == 1 => Ok(Val::Const(items.remove(0))),
        _ => Err(format!(
            "gives a list of licenses whose length is not known here; `{card}` takes one product and SKU (a For Each over them would)"
        )),
    }
}

/// A field of the license, by either of its spellings (Google's first, Okta's second): the one
/// a value built in place or a constant has; for a value known only when the flow runs, Okta's
/// when its source spells it so (`okta_spelling`), else Google's.
fn license_field(item: &Val, names: [&str; 2], okta_spelling: bool) -> Result<Val, String> {
    let missing = || format!("its license has no `{}` (or `{}`)", names[0], names[1]);
    match item {
        Val::Map(entries) => entries
            .iter()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
            .ok_or_else(missing),
        Val::Const(Value::Object(o)) => names
            .iter()
            .find_map(|n| o.get(*n).filter(|v| !v.is_null()))
            .map(|v| Val::Const(v.clone()))
            .ok_or_else(missing),
        Val::Ref(_) => item.field([names[usize::from(okta_spelling)]]),
        _ => Err("its license is not an object with a product and a SKU".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_license_of_a_list_by_either_spelling() {
        let card = "google_workspace.assign_license";
        let wrapped = Val::List(vec![Val::Ref("find.item".into())]);
        let item = one_license(wrapped, card).unwrap();
        assert_eq!(
            license_field(&item, ["productId", "productid"], false).unwrap(),
            Val::Ref("find.item.productId".into())
        );
        assert_eq!(
            license_field(&item, ["skuId", "skuid"], true).unwrap(),
            Val::Ref("find.item.skuid".into())
        );
        let built = Val::Map(vec![
            ("skuid".into(), Val::Const(json!("1010020020"))),
            ("productid".into(), Val::Ref("inputs.product".into())),
        ]);
        assert_eq!(
            license_field(&built, ["skuId", "skuid"], false).unwrap(),
            Val::Const(json!("1010020020"))
        );
        assert_eq!(
            license_field(&built, ["productId", "productid"], false).unwrap(),
            Val::Ref("inputs.product".into())
        );
        let constant = Val::Const(json!({ "productId": "Google-Apps", "skuId": "1010020026" }));
        assert_eq!(
            license_field(&constant, ["skuId", "skuid"], true).unwrap(),
            Val::Const(json!("1010020026"))
        );
        assert!(license_field(&constant, ["name", "title"], false).is_err());
        assert!(
            license_field(&Val::Const(json!("Google-Apps")), ["skuId", "skuid"], false).is_err()
        );
    }

    #[test]
    fn several_licenses_or_an_unknown_list_are_reported() {
        let card = "google_workspace.remove_license";
        let two = Val::List(vec![Val::Ref("a".into()), Val::Ref("b".into())]);
        assert!(one_license(two, card).unwrap_err().contains("2 licenses"));
        let whole = Val::Ref("read_user_licenses".into());
        assert!(one_license(whole, card).unwrap_err().contains("not known"));
        let one = Val::Const(json!([{ "productId": "Google-Apps", "skuId": "1010020020" }]));
        assert!(one_license(one, card).is_ok());
    }
}
