//! `crypto.hash`: the SHA-2 hash of text.

use crate::util::{output, pure};
use base64::Engine as _;
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use sha2::Digest as _;

/// Inputs of `crypto.hash`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text; its UTF-8 bytes are hashed.
    text: Expr<Text>,
    /// `sha256` (default) or `sha512`.
    #[serde(default)]
    algorithm: Option<Expr<Text>>,
    /// `hex` (default, lower case) or `base64`.
    #[serde(default)]
    encoding: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec =
    pure::<Config>("crypto.hash", "Hash text with SHA-256 or SHA-512", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The SHA-256 (default) or SHA-512 hash of the UTF-8 bytes of `text`, as lower-case hex (default) or Base64. MD5 and SHA-1 are not offered: they are broken for anything that needs a hash."#,
    okta: &[],
    examples: &[
        Example::gives(
            "SHA-256 in hex",
            r#"{ text: abc }"#,
            r#""ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad""#,
        ),
        Example::gives(
            "SHA-512 in Base64",
            r#"{ text: "", algorithm: sha512, encoding: base64 }"#,
            r#""z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==""#,
        ),
        Example::fails(
            "Not an algorithm",
            r#"{ text: abc, algorithm: md5 }"#,
            r#"`algorithm` must be"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        if let Some(e) = &self.algorithm {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.encoding {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let digest: Vec<u8> = match cx.opt_text(&self.algorithm)?.as_deref() {
                None | Some("sha256") => sha2::Sha256::digest(text.as_bytes()).to_vec(),
                Some("sha512") => sha2::Sha512::digest(text.as_bytes()).to_vec(),
                Some(other) => {
                    return Err(flow_card::CardError::input(format!(
                        "`algorithm` must be sha256 or sha512, found `{other}`"
                    )));
                }
            };
            Ok(Value::String(
                match cx.opt_text(&self.encoding)?.as_deref() {
                    None | Some("hex") => hex::encode(digest),
                    Some("base64") => base64::engine::general_purpose::STANDARD.encode(digest),
                    Some(other) => {
                        return Err(flow_card::CardError::input(format!(
                            "`encoding` must be hex or base64, found `{other}`"
                        )));
                    }
                },
            ))
        })())
    }
}
