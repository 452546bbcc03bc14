//! `list.sample`: items picked at random from a list (Okta's Sample).

use crate::util::{output, pure};
use flow_card::kinds::{List, Number};
use flow_card::{Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.sample`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// How many items to pick (default 1); more than the list has gives them all.
    #[serde(default)]
    count: Option<Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.sample",
    "Pick items from a list at random",
    "a list of `count` different items of the list, in random order",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"`count` items (default 1) picked at random from different positions of the list, in random
order; every choice is equally likely, drawn from the operating system's secure random source
(as `crypto.random`), so a sample can pick a reviewer or an audit subset that nobody can
predict. A `count` larger than the list gives every item, shuffled; `0` gives `[]`. `count`
must be a whole number, not negative."#,
    okta: &["List - Sample"],
    examples: &[
        Example::gives(
            "From one item",
            r#"{ list: [only], count: 1 }"#,
            r#"["only"]"#,
        ),
        Example::gives("None", r#"{ list: [a, b], count: 0 }"#, r#"[]"#),
        Example::fails(
            "A negative count",
            r#"{ list: [a, b], count: -1 }"#,
            "`count` must not be negative",
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.l }}" }"#,
            "`list` must be a list",
        )
        .with_inputs(r#"{"l": "a,b"}"#),
    ],
};

/// A uniformly random number below `n` (n ≥ 1), by rejection sampling of secure random bytes.
fn below(n: usize) -> Result<usize, CardError> {
    let n = n as u64;
    let limit = u64::MAX - u64::MAX % n;
    loop {
        let mut buf = [0u8; 8];
        crate::crypto::secure_random(&mut buf)?;
        let r = u64::from_le_bytes(buf);
        if r < limit {
            return Ok((r % n) as usize);
        }
    }
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(e) = &self.count {
            cx.expr_type(e.id);
        }
        Type::list(super::item_type(cx, self.list.id))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let count = match &self.count {
                Some(e) => crate::util::whole(cx, e, "count")?,
                None => 1,
            };
            if count < 0 {
                return Err(CardError::input(format!(
                    "`count` must not be negative, found {count}"
                )));
            }
            let list = cx.list(&self.list)?;
            let mut items: Vec<Value> = list.as_array().cloned().unwrap_or_default();
            let k = (count as usize).min(items.len());
            // A partial Fisher–Yates shuffle: the first k positions end up a uniform sample.
            for i in 0..k {
                let j = i + below(items.len() - i)?;
                items.swap(i, j);
            }
            items.truncate(k);
            Ok(Value::Array(items))
        })())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run_card;
    use serde_json::json;

    /// A sample has the asked size, distinct items from the list, and two samples of a long
    /// list differ.
    #[test]
    fn samples_are_distinct_items_of_the_list() {
        let list: Vec<u32> = (0..200).collect();
        let inputs = json!({ "l": list });
        let with = r#"{ list: "{{ inputs.l }}", count: 50 }"#;
        let a = run_card("list.sample", with, &inputs).unwrap();
        let b = run_card("list.sample", with, &inputs).unwrap();
        let a: Vec<u64> = a
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(a.len(), 50);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 50, "items repeat: {a:?}");
        assert!(a.iter().all(|x| *x < 200));
        assert_ne!(json!(a), b);
        let all = run_card(
            "list.sample",
            r#"{ list: [1, 2, 3], count: 9 }"#,
            &json!({}),
        )
        .unwrap();
        let mut all: Vec<u64> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3]);
    }
}
