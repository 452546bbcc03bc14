//! `crypto.random`: random text from a secure source.

use crate::util::{output, pure};
use flow_card::kinds::{Number, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `crypto.random`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How many characters, 1 to 1024.
    length: Expr<Number>,
    /// `alphanumeric` (default: A–Z a–z 0–9), `hex` (0–9 a–f) or `digits`.
    #[serde(default)]
    alphabet: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "crypto.random",
    "Random text from the operating system's secure random source",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"`length` random characters of `alphabet`, each equally likely, from the operating system's secure random source: fit for one-time codes and temporary passwords."#,
    okta: &[],
    examples: &[
        Example::fails("Too long", r#"{ length: 5000 }"#, r#"`length` must be"#),
        Example::fails(
            "Not an alphabet",
            r#"{ length: 4, alphabet: emoji }"#,
            r#"`alphabet` must be"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.length.id);
        if let Some(e) = &self.alphabet {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let length = crate::util::whole(cx, &self.length, "length")?;
            if !(1..=1024).contains(&length) {
                return Err(flow_card::CardError::input(format!(
                    "`length` must be from 1 to 1024, found {length}"
                )));
            }
            let alphabet: &[u8] = match cx.opt_text(&self.alphabet)?.as_deref() {
                None | Some("alphanumeric") => {
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                }
                Some("hex") => b"0123456789abcdef",
                Some("digits") => b"0123456789",
                Some(other) => {
                    return Err(flow_card::CardError::input(format!(
                        "`alphabet` must be alphanumeric, hex or digits, found `{other}`"
                    )));
                }
            };
            // Rejection sampling: bytes at or above the largest multiple of the alphabet's size
            // are drawn again, so every character is equally likely.
            let limit = 256 - 256 % alphabet.len();
            let mut out = String::with_capacity(length as usize);
            let mut buf = [0u8; 64];
            while out.len() < length as usize {
                super::secure_random(&mut buf)?;
                for b in buf {
                    if (b as usize) < limit && out.len() < length as usize {
                        out.push(alphabet[b as usize % alphabet.len()] as char);
                    }
                }
            }
            Ok(Value::String(out))
        })())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run_card;
    use serde_json::json;

    /// The length and alphabet asked for, and two draws differ.
    #[test]
    fn random_text_has_the_length_and_alphabet_asked_for() {
        let a = run_card("crypto.random", "{ length: 32, alphabet: hex }", &json!({})).unwrap();
        let b = run_card("crypto.random", "{ length: 32, alphabet: hex }", &json!({})).unwrap();
        let a = a.as_str().unwrap();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b.as_str().unwrap());
        let d = run_card(
            "crypto.random",
            "{ length: 6, alphabet: digits }",
            &json!({}),
        )
        .unwrap();
        assert!(d.as_str().unwrap().bytes().all(|c| c.is_ascii_digit()));
    }
}
