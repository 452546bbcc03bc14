//! `number.random`: a random whole number in a range (Okta's Random Number).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `number.random`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The smallest number it may give (a whole number).
    min: Expr<Number>,
    /// The largest number it may give (a whole number, at least `min`).
    max: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "number.random",
    "A random whole number between two bounds",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"A whole number from `min` to `max`, both included, each equally likely, from the operating system's secure random source. The bounds must be whole numbers within ±2⁵³ with `min` ≤ `max`."#,
    okta: &["Number - Random Number"],
    examples: &[
        Example::gives("A range of one", r#"{ min: 7, max: 7 }"#, r#"7"#),
        Example::fails(
            "Bounds the wrong way",
            r#"{ min: 5, max: 1 }"#,
            r#"`min` (5) must not be above `max` (1)"#,
        ),
        Example::fails("A fraction", r#"{ min: 0.5, max: 2 }"#, r#"whole number"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.min.id);
        cx.expr_type(self.max.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let min = crate::util::whole(cx, &self.min, "min")?;
            let max = crate::util::whole(cx, &self.max, "max")?;
            if min > max {
                return Err(flow_card::CardError::input(format!(
                    "`min` ({min}) must not be above `max` ({max})"
                )));
            }
            let span = (max - min) as u64 + 1;
            // Rejection sampling: draws at or above the largest multiple of `span` are drawn
            // again, so every number is equally likely.
            let limit = u64::MAX - u64::MAX % span;
            loop {
                let mut buf = [0u8; 8];
                crate::crypto::secure_random(&mut buf)?;
                let draw = u64::from_le_bytes(buf);
                if draw < limit {
                    return Ok(Value::from(min + (draw % span) as i64));
                }
            }
        })())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run_card;
    use serde_json::json;

    /// Every draw is in the range, and a small range is covered.
    #[test]
    fn draws_stay_in_the_range() {
        let mut seen = [false; 3];
        for _ in 0..60 {
            let n = run_card("number.random", "{ min: -1, max: 1 }", &json!({})).unwrap();
            let n = n.as_i64().unwrap();
            assert!((-1..=1).contains(&n), "{n}");
            seen[(n + 1) as usize] = true;
        }
        // 60 draws miss one of three values with probability 3 × (2/3)^60, about 1e-10.
        assert_eq!(seen, [true; 3]);
    }
}
