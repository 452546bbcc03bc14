//! `text.base64_decode`: Base64 back to text (Okta's Base64 Decode).

use crate::util::{output, pure};
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use flow_card::CardError;
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.base64_decode`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Base64 text.
    text: Expr<Text>,
    /// `standard` (default) or `url`.
    #[serde(default)]
    alphabet: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("text.base64_decode", "Decode Base64 into text", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Decodes Base64 (RFC 4648) into text. Padding (`=`) is optional, and white space around the input is ignored.
`alphabet` is `standard` (RFC 4648 `+/`, the default) or `url` (`-_`, for URLs and JWTs). Input that is not Base64, or bytes that are not UTF-8 text, are an `input` error."#,
    okta: &["Text - Base64 Decode"],
    examples: &[
        Example::gives(
            "Standard",
            r#"{ text: "dXNlcjpwYSBzcw==" }"#,
            r#""user:pa ss""#,
        ),
        Example::gives(
            "Without padding",
            r#"{ text: "dXNlcjpwYSBzcw" }"#,
            r#""user:pa ss""#,
        ),
        Example::gives("URL-safe", r#"{ text: "Pz8-", alphabet: url }"#, r#""??>""#),
        Example::fails("Not Base64", r#"{ text: "a*b" }"#, r#"not Base64"#),
        Example::fails("Not UTF-8 text", r#"{ text: "/w==" }"#, r#"not UTF-8"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        if let Some(e) = &self.alphabet {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let bytes = engine(cx, &self.alphabet)?
                .decode(text.trim().trim_end_matches('='))
                .map_err(|e| CardError::input(format!("`text` is not Base64: {e}")))?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|_| CardError::input("the decoded bytes are not UTF-8 text"))
        })())
    }
}

/// The engine of an `alphabet` input: encoding pads only the standard alphabet; decoding takes
/// either, with or without padding.
pub(crate) fn engine<K>(
    cx: &StepCx<'_>,
    alphabet: &Option<Expr<K>>,
) -> Result<GeneralPurpose, CardError> {
    let lenient = GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    match cx.opt_text(alphabet)?.as_deref() {
        None | Some("standard") => Ok(GeneralPurpose::new(&base64::alphabet::STANDARD, lenient)),
        Some("url") => Ok(GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            lenient.with_encode_padding(false),
        )),
        Some(other) => Err(CardError::input(format!(
            "`alphabet` must be `standard` or `url`, found `{other}`"
        ))),
    }
}
