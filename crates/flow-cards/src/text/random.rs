//! `text.random`: random text of letters and digits (Okta's Random).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// The characters drawn from.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The longest text drawn.
const MAX_LENGTH: i64 = 10_000;

/// Inputs of `text.random`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How many characters, 0 to 10000.
    length: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec =
    pure::<Config>("text.random", "Random text of letters and digits", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"`length` characters, each drawn from `A`–`Z`, `a`–`z` and `0`–`9`, equally likely, from the operating system's secure random source. `length` must be a whole number from 0 to 10000."#,
    okta: &["Text - Random"],
    examples: &[
        Example::gives("Nothing to draw", r#"{ length: 0 }"#, r#""""#),
        Example::fails("A fraction", r#"{ length: 1.5 }"#, r#"whole number"#),
        Example::fails("Too long", r#"{ length: 10001 }"#, r#"`length` must be"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.length.id);
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let length = crate::util::whole(cx, &self.length, "length")?;
            if !(0..=MAX_LENGTH).contains(&length) {
                return Err(flow_card::CardError::input(format!(
                    "`length` must be a whole number from 0 to {MAX_LENGTH}, found {length}"
                )));
            }
            let mut out = String::with_capacity(length as usize);
            // Rejection sampling: bytes at or above the largest multiple of the alphabet's size
            // are drawn again, so every character is equally likely.
            let limit = 256 - 256 % ALPHABET.len();
            let mut buf = [0u8; 64];
            while out.len() < length as usize {
                crate::crypto::secure_random(&mut buf)?;
                for b in buf {
                    if (b as usize) < limit && out.len() < length as usize {
                        out.push(char::from(ALPHABET[b as usize % ALPHABET.len()]));
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

    /// Draws have the length asked for, only letters and digits, and differ.
    #[test]
    fn draws_have_the_length_and_alphabet() {
        let a = run_card("text.random", "{ length: 40 }", &json!({})).unwrap();
        let b = run_card("text.random", "{ length: 40 }", &json!({})).unwrap();
        let (a, b) = (a.as_str().unwrap(), b.as_str().unwrap());
        assert_eq!(a.chars().count(), 40);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        // Two equal draws of 40 characters: probability 62^-40.
        assert_ne!(a, b);
    }
}
