//! Expectations: subset matching with path-named differences, and the calls a run made
//! (counted from its record, helper runs included).

use flow_runtime::{ExecutionRecord, StepRecord, StepStatus};
use serde_json::Value;

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

/// Checks that `actual` contains `expected`: objects by the keys expected, lists item by item
/// with the same length, numbers by value, text exactly — except `message` fields, which match
/// when the actual message contains the expected text, and `{ contains: text }`, which matches
/// text containing it. Each difference is one message.
pub fn subset(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => subset(&p, ev, av, out),
                    None => out.push(format!("{p}: expected {}, but it is missing", show(ev))),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: expected {} items, got {} ({})",
                    e.len(),
                    a.len(),
                    show(actual)
                ));
                return;
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        (Value::Object(e), Value::String(a)) if e.len() == 1 && e.contains_key("contains") => {
            let want = e.get("contains").and_then(Value::as_str).unwrap_or("");
            if !a.contains(want) {
                out.push(format!(
                    "{path}: expected text containing {}, got {}",
                    show(&Value::String(want.into())),
                    show(actual)
                ));
            }
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => {}
        (Value::String(e), Value::String(a))
            if path.ends_with(".message") && a.contains(e.as_str()) => {}
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {}, got {}", show(e), show(a))),
    }
}

/// Every step record of a run, with the flow it belongs to, helper runs included.
pub fn all_steps(rec: &ExecutionRecord) -> Vec<(&str, &StepRecord)> {
    let mut out = Vec::new();
    collect(rec, &mut out);
    out
}

fn collect<'r>(rec: &'r ExecutionRecord, out: &mut Vec<(&'r str, &'r StepRecord)>) {
    for s in &rec.steps {
        out.push((&*rec.flow, s));
        for c in &s.children {
            collect(c, out);
        }
    }
}

/// The steps a key names: `flow/step`, a step of the flow under test, or a card kind.
pub fn matching<'r>(
    steps: &[(&'r str, &'r StepRecord)],
    key: &str,
    main: &str,
) -> Vec<&'r StepRecord> {
    steps
        .iter()
        .filter(|(flow, s)| match key.split_once('/') {
            Some((f, id)) => *flow == f && &*s.id == id,
            None => (*flow == main && &*s.id == key) || &*s.card == key,
        })
        .map(|(_, s)| *s)
        .collect()
}

/// A step as an object to match `steps:` expectations against.
pub fn step_view(s: &StepRecord) -> Value {
    serde_json::json!({
        "status": s.status.as_str(),
        "output": s.output.as_deref().cloned().unwrap_or(Value::Null),
        "error": s.error.as_deref().cloned().unwrap_or(Value::Null),
        "attempts": s.attempts,
        // Why it was skipped (the branch taken, the failure a try block caught, ...).
        "reason": s.reason.as_deref(),
    })
}

/// True when the step's card ran (or was mocked).
pub fn was_called(s: &StepRecord) -> bool {
    s.attempts > 0 && s.status != StepStatus::Skipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subsets_name_the_path() {
        let mut out = Vec::new();
        subset(
            "x",
            &json!({"a": 1, "b": {"c": "d"}, "l": [1]}),
            &json!({"a": 1.0, "b": {"c": "e"}, "z": 0, "l": [1]}),
            &mut out,
        );
        assert_eq!(out, vec!["x.b.c: expected \"d\", got \"e\""]);
        let mut out = Vec::new();
        subset(
            "x",
            &json!({"m": 1, "l": [1, 2]}),
            &json!({"l": [1]}),
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                "x.m: expected 1, but it is missing",
                "x.l: expected 2 items, got 1 ([1])"
            ]
        );
    }
}
