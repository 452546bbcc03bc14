//! `okta.map_profile_source_attributes`: turns the users of a source system (an HR export, a
//! table) into the profiles Okta's identity-source import expects (Okta's Map Profile Source
//! Attributes).

use crate::util::{PURE_TIMEOUT, done, dot_get};
use flow_card::card::schema_of;
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Effect, Example};
use flow_card::{ErrorKind, Expr, Outcome, StepCx};
use flow_model::Type;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

/// What the profiles are for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Create & Update: `{ externalId, profile }` per user, for `okta.bulk_user_import`.
    #[default]
    Upsert,
    /// Deactivate & Delete: `{ externalId }` per user, for `okta.bulk_user_delete`.
    Delete,
}

/// Inputs of `okta.map_profile_source_attributes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The source system's users: a list of objects.
    users: Expr<List>,
    /// The dot path, in each source user, of the value that identifies them in the source
    /// (Okta's External ID Key), e.g. `employee_id`.
    external_id_key: String,
    /// `upsert` (Create & Update, the default) or `delete` (Deactivate & Delete).
    #[serde(default)]
    operation: Operation,
    /// Okta profile attribute → dot path in the source user (`firstName: name.first`). Left
    /// out: the source user itself is the profile, without its external id.
    #[serde(default)]
    profile: Option<IndexMap<String, String>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "okta.map_profile_source_attributes",
    summary: "Turn a source system's users into the profiles an Okta import session takes",
    effect: Effect::Pure,
    output: "a list of { externalId, profile } (upsert) or { externalId } (delete)",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Builds the list `okta.bulk_user_import` (`profiles`) or `okta.bulk_user_delete`
(`profiles`) takes from the users of a source system, as Okta's Map Profile Source Attributes
does for an Anything-as-a-Source import.

`external_id_key` is the dot path of each source user's identifier; it becomes `externalId`
(numbers become text). A user without one fails the step, naming its position: Okta refuses
a profile without an external id, and skipping it would silently leave that user out.

With `operation: upsert` (the default) each user becomes `{ externalId, profile }`. `profile`
maps Okta profile attributes to dot paths in the source user; attributes the source user lacks
are left out of that user's profile. Without `profile`, the source user is the profile, less
its external id. With `operation: delete` each user becomes `{ externalId }`.

Okta's card reads the identity source's schema to offer the attributes; here they are named in
`profile`, and Okta checks them when the session is triggered."#,
    okta: &["Okta - Map Profile Source Attributes"],
    examples: &[
        Example::gives(
            "Attributes mapped",
            r#"{ users: "{{ inputs.hr }}", external_id_key: emp, profile: { userName: mail, email: mail, firstName: name.first, title: job } }"#,
            r#"[{"externalId": "1001", "profile": {"userName": "ada@example.com", "email": "ada@example.com", "firstName": "Ada"}}]"#,
        )
        .with_inputs(r#"{"hr": [{"emp": 1001, "mail": "ada@example.com", "name": {"first": "Ada"}}]}"#),
        Example::gives(
            "The source user as the profile",
            r#"{ users: "{{ inputs.hr }}", external_id_key: id }"#,
            r#"[{"externalId": "E7", "profile": {"userName": "grace@example.com"}}]"#,
        )
        .with_inputs(r#"{"hr": [{"id": "E7", "userName": "grace@example.com"}]}"#),
        Example::gives(
            "For deletion",
            r#"{ users: "{{ inputs.hr }}", external_id_key: id, operation: delete }"#,
            r#"[{"externalId": "E7"}, {"externalId": "E8"}]"#,
        )
        .with_inputs(r#"{"hr": [{"id": "E7"}, {"id": "E8"}]}"#),
        Example::fails(
            "A user without an external id",
            r#"{ users: "{{ inputs.hr }}", external_id_key: id }"#,
            "user 1 has no `id` (the external id key)",
        )
        .with_inputs(r#"{"hr": [{"id": "E7"}, {"mail": "x@example.com"}]}"#),
        Example::fails(
            "A user that is not an object",
            r#"{ users: "{{ inputs.hr }}", external_id_key: id }"#,
            "user 0 is not an object",
        )
        .with_inputs(r#"{"hr": ["E7"]}"#),
    ],
};

impl Config {
    fn output_type(&self) -> Type {
        let profile = match &self.profile {
            Some(map) => Type::object(map.keys().map(|k| (k.as_str(), Type::Any))),
            None => Type::Any,
        };
        let item = match self.operation {
            Operation::Upsert => Type::object([("externalId", Type::Text), ("profile", profile)]),
            Operation::Delete => Type::object([("externalId", Type::Text)]),
        };
        Type::list(item)
    }

    fn map_user(&self, i: usize, user: &Value) -> Result<Value, CardError> {
        if !user.is_object() {
            return Err(CardError::new(
                ErrorKind::Input,
                format!("user {i} is not an object"),
            ));
        }
        let external = match dot_get(user, &self.external_id_key) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(CardError::new(
                    ErrorKind::Input,
                    format!(
                        "user {i} has no `{}` (the external id key)",
                        self.external_id_key
                    ),
                ));
            }
        };
        let mut out = Map::new();
        out.insert("externalId".into(), Value::String(external));
        if self.operation == Operation::Upsert {
            let profile = match &self.profile {
                Some(map) => map
                    .iter()
                    .filter_map(|(attr, path)| {
                        dot_get(user, path)
                            .filter(|v| !v.is_null())
                            .map(|v| (attr.clone(), v.clone()))
                    })
                    .collect(),
                None => {
                    let mut whole = user.as_object().cloned().unwrap_or_default();
                    if !self.external_id_key.contains('.') {
                        whole.remove(&self.external_id_key);
                    }
                    whole
                }
            };
            out.insert("profile".into(), Value::Object(profile));
        }
        Ok(Value::Object(out))
    }
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.users.id);
        self.output_type()
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let users = cx.list(&self.users)?;
            let users = users.as_array().map_or(&[][..], Vec::as_slice);
            let mapped = users
                .iter()
                .enumerate()
                .map(|(i, u)| self.map_user(i, u))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Outcome::value(Value::Array(mapped)))
        })())
    }
}
