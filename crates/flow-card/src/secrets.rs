//! The configured secret values of a project (resolved `${env:…}` tokens, passwords, webhook
//! URLs, endpoint client tokens and HMAC keys), and masking them out of anything recorded:
//! whatever echoes a secret (an upstream's error body, a header, a step's output), the record,
//! the trace and the store show `***` instead.

use memchr::memmem::Finder;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Values shorter than this are not masked: masking every `a` or `id` in a record would make it
/// unreadable, and such short values are not credentials.
pub const MIN_SECRET_LEN: usize = 4;

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// A set of secret values to mask, longest first (so a secret that contains another is masked
/// whole).
///
/// Every string a record holds is searched for every secret, so each secret keeps a prepared
/// searcher (`memchr::memmem`), and texts shorter than the shortest secret are not searched at
/// all: preparing `str::contains`' searcher for each string and secret was 4 % of a real run's
/// instructions (callgrind, `docs/benchmarks.md`).
#[derive(Clone, Default)]
pub struct Secrets {
    values: Vec<String>,
    /// One searcher per value, in the same order.
    finders: Vec<Finder<'static>>,
    /// The length of the shortest value.
    shortest: usize,
}

impl PartialEq for Secrets {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}

impl Eq for Secrets {}

impl std::fmt::Debug for Secrets {
    /// Never shows the values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} values)", self.values.len())
    }
}

impl Secrets {
    /// The set of `values`; empty ones and those shorter than [`MIN_SECRET_LEN`] are left out.
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut s = Secrets::default();
        s.extend(values);
        s
    }

    /// Adds values.
    pub fn extend(&mut self, values: impl IntoIterator<Item = String>) {
        self.values
            .extend(values.into_iter().filter(|v| v.len() >= MIN_SECRET_LEN));
        self.values
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.values.dedup();
        self.finders = self
            .values
            .iter()
            .map(|v| Finder::new(v.as_bytes()).into_owned())
            .collect();
        self.shortest = self.values.last().map_or(0, String::len);
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// How many values are masked.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when `text` holds a secret.
    pub fn found_in(&self, text: &str) -> bool {
        let hay = text.as_bytes();
        hay.len() >= self.shortest
            && !self.finders.is_empty()
            && self
                .finders
                .iter()
                .any(|f| f.needle().len() <= hay.len() && f.find(hay).is_some())
    }

    /// `text` with every secret replaced by [`MASK`] (borrowed when there is none).
    pub fn mask_str<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if !self.found_in(text) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_string();
        for s in &self.values {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        Cow::Owned(out)
    }

    /// Masks a text in place.
    pub fn mask_string(&self, text: &mut String) {
        if let Cow::Owned(masked) = self.mask_str(text) {
            *text = masked;
        }
    }

    /// A masked copy of `value` (strings and object keys), or `None` when it holds no secret
    /// (so the caller keeps sharing the original).
    pub fn mask_value(&self, value: &Value) -> Option<Value> {
        if self.is_empty() || !self.found_in_value(value) {
            return None;
        }
        let mut copy = value.clone();
        self.mask_value_in_place(&mut copy);
        Some(copy)
    }

    /// Masks `value` in place.
    pub fn mask_value_in_place(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        // An explicit stack: values may nest as deep as the JSON front door allows.
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) => self.mask_string(s),
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(map) => {
                    if map.keys().any(|k| self.found_in(k)) {
                        let old = std::mem::take(map);
                        *map = old
                            .into_iter()
                            .map(|(k, v)| (self.mask_str(&k).into_owned(), v))
                            .collect::<Map<String, Value>>();
                    }
                    stack.extend(map.values_mut());
                }
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
    }

    /// True when a string or key anywhere in `value` holds a secret.
    pub fn found_in_value(&self, value: &Value) -> bool {
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) if self.found_in(s) => return true,
                Value::Array(items) => stack.extend(items.iter()),
                Value::Object(map) => {
                    if map.keys().any(|k| self.found_in(k)) {
                        return true;
                    }
                    stack.extend(map.values());
                }
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_strings_keys_and_overlapping_secrets_whole() {
        let s = Secrets::new([
            "tok-1234".to_string(),
            "tok-1234-long".to_string(),
            "ab".into(),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s.mask_str("x tok-1234-long y tok-1234"), "x *** y ***");
        assert_eq!(
            s.mask_str("ab is too short to mask"),
            "ab is too short to mask"
        );
        let v = json!({ "tok-1234": ["a", { "b": "Bearer tok-1234" }], "n": 1 });
        assert_eq!(
            s.mask_value(&v),
            Some(json!({ "***": ["a", { "b": "Bearer ***" }], "n": 1 }))
        );
        assert_eq!(s.mask_value(&json!({ "clean": true })), None);
    }

    #[test]
    fn finds_secrets_at_every_position_and_never_shows_them() {
        let s = Secrets::new(["sekrit-value".to_string(), "pass".to_string()]);
        for text in [
            "sekrit-value",
            "xsekrit-value",
            "sekrit-valuex",
            "a pass b",
            "pass",
        ] {
            assert!(s.found_in(text), "{text}");
        }
        for text in ["", "pas", "sekrit-valu", "ekrit-value", "PASS"] {
            assert!(!s.found_in(text), "{text}");
        }
        assert_eq!(s.mask_str("pass sekrit-value"), "*** ***");
        assert!(!Secrets::default().found_in("anything"));
        assert_eq!(format!("{s:?}"), "Secrets(2 values)");
        assert_eq!(s, Secrets::new(["pass".into(), "sekrit-value".into()]));
    }
}
