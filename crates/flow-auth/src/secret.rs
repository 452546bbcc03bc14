//! A string that never shows itself: `Debug` prints `Secret(***)`, and there is no `Display`.

use std::fmt;

/// A secret value (client secret, refresh token, access token, `Authorization` header value).
///
/// The only way to read it is [`Secret::expose`], so it cannot end up in a log line or an
/// error message by accident.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

/// `text` with every non-empty secret in `secrets` replaced by `***`.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    // Longest first, so a secret containing another is masked whole.
    let mut sorted: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for secret in sorted {
        out = out.replace(secret, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn scrub_replaces_every_occurrence() {
        assert_eq!(
            scrub("a hunter2 b hunter2", &["hunter2", ""]),
            "a *** b ***"
        );
        assert_eq!(scrub("xhunter2x", &["hunter2", "xhunter2x"]), "***");
    }
}
