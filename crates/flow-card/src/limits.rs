//! Ceilings on values, shared by the engine, the server and the store: how deep a JSON value
//! may nest and how large a value or a record may be (`limits:` in `flowctl.yaml` sets the
//! sizes), measured without building the JSON text.

use serde::Serialize;
use serde_json::Value;

/// The deepest JSON value flowctl takes in (a request body, `json.parse`) or lets a step
/// produce, in levels of arrays and objects (a scalar is level 0, `[1]` is 1).
///
/// Records wrap such values in a few levels (3 for a step's output, 4 more per helper flow
/// between the run and the step), and are read back with serde_json's default limit (at most
/// 127 levels): so whatever is accepted can be read back (`history show`, `replay`, resuming)
/// when it passes through helper flows nested at most 3 deep. 110 leaves room for request
/// bodies that nest 100 levels inside an event. Check with [`deeper_than`].
pub const MAX_JSON_DEPTH: usize = 110;

/// True when `value` nests more than `max` levels (without recursion: safe on any input).
pub fn deeper_than(value: &Value, max: usize) -> bool {
    let mut stack: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth + 1 > max {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

/// Counts bytes written and gives up once past the budget.
struct Counter {
    bytes: u64,
    budget: u64,
}

impl std::io::Write for Counter {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    /// What the serialiser calls for every piece: one addition and one comparison (the
    /// default loops over `write`).
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.bytes += buf.len() as u64;
        if self.bytes > self.budget {
            return Err(std::io::Error::other("over budget"));
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The size of `value` as compact JSON when it is at most `budget` bytes, or `None` when it is
/// larger (counting stops at the budget, so a huge value costs no more than the budget to
/// measure).
pub fn json_size_within<T: Serialize + ?Sized>(value: &T, budget: u64) -> Option<u64> {
    let mut c = Counter { bytes: 0, budget };
    serde_json::to_writer(&mut c, value).ok().map(|()| c.bytes)
}

/// A size for messages: `16 MiB`, `1.5 KiB`, `300 bytes`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let whole = bytes / unit;
            let tenths = (bytes % unit) * 10 / unit;
            return if tenths == 0 {
                format!("{whole} {name}")
            } else {
                format!("{whole}.{tenths} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Value {
        let mut v = json!(1);
        for _ in 0..levels {
            v = json!([v]);
        }
        v
    }

    #[test]
    fn depth_and_size() {
        assert!(!deeper_than(&json!(1), 0));
        assert!(!deeper_than(&nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH));
        assert!(deeper_than(&nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH));
        // Empty arrays and objects are levels too, as serde_json counts them.
        assert!(deeper_than(&json!({ "a": [1, { "b": {} }] }), 3));
        assert!(!deeper_than(&json!({ "a": [1, { "b": {} }] }), 4));
        assert_eq!(json_size_within(&json!({ "a": "xy" }), 100), Some(10));
        assert_eq!(json_size_within(&json!({ "a": "xy" }), 10), Some(10));
        assert_eq!(json_size_within(&json!({ "a": "xy" }), 9), None);
        assert_eq!(
            [format_size(16 << 20), format_size(1536), format_size(300)],
            ["16 MiB", "1.5 KiB", "300 bytes"]
        );
    }
}
