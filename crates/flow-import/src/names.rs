//! Okta names (with spaces, brackets, camelCase) made into flowctl ids: flow names
//! (`[a-z0-9][a-z0-9-]*`), step ids and input names (`[a-z_][a-z0-9_]*`), unique where they
//! must be.

use std::collections::HashSet;

/// Names a step may not take: templates read them as built-ins or literals.
const RESERVED: &[&str] = &[
    "trigger",
    "inputs",
    "execution",
    "item",
    "index",
    "this",
    "true",
    "false",
    "null",
    "undefined",
    "else",
];

/// Splits `name` into lower-case words: on anything not alphanumeric and between a lower-case
/// letter (or digit) and an upper-case one (`IterateList` → `iterate`, `list`).
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c.to_ascii_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev = Some(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `[a-z_][a-z0-9_]*` from `name` (`ID or Login` → `id_or_login`); `fallback` when nothing is
/// left.
pub fn snake(name: &str, fallback: &str) -> String {
    let w = words(name);
    if w.is_empty() {
        return fallback.to_string();
    }
    let s = w.join("_");
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// `[a-z0-9][a-z0-9-]*` from `name` (`[Helper -1] IterateList` → `helper-1-iterate-list`).
pub fn kebab(name: &str, fallback: &str) -> String {
    let w = words(name);
    if w.is_empty() {
        fallback.to_string()
    } else {
        w.join("-")
    }
}

/// Hands out unique names: the first `x` stays `x`, the next is `x_2`, `x_3`, ...
#[derive(Debug, Default, Clone)]
pub struct Unique {
    taken: HashSet<String>,
}

impl Unique {
    /// A unique step id from an Okta card name.
    pub fn step(&mut self, name: &str) -> String {
        let mut base = snake(name, "step");
        if RESERVED.contains(&base.as_str()) {
            base.push_str("_step");
        }
        self.claim(base, "_")
    }

    /// A unique flow name from an Okta flow name.
    pub fn flow(&mut self, name: &str) -> String {
        let base = kebab(name, "flow");
        self.claim(base, "-")
    }

    /// Gives back a name that ended up unused (a card that became no step).
    pub fn release(&mut self, name: &str) {
        self.taken.remove(name);
    }

    /// Marks `name` as taken (e.g. an id made elsewhere) and returns a unique variant.
    pub fn claim(&mut self, base: String, sep: &str) -> String {
        if self.taken.insert(base.clone()) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|c| self.taken.insert(c.clone()))
            .unwrap_or(base)
    }
}

/// A dot path from an Okta key (`Raw Output.profile.email`) as a template path: each segment
/// that is not a plain name in brackets (`[Raw Output].profile.email`).
pub fn template_path<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    segments
        .into_iter()
        .map(|s| {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && !matches!(s, "this" | "true" | "false" | "null" | "undefined" | "else");
            if plain || s.contains(']') {
                s.to_string()
            } else {
                format!("[{s}]")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_names_become_ids() {
        assert_eq!(
            kebab("[Helper -1] IterateList", "f"),
            "helper-1-iterate-list"
        );
        assert_eq!(
            kebab("01. Add.User.To.Quarantine.Group", "f"),
            "01-add-user-to-quarantine-group"
        );
        assert_eq!(kebab("  ", "flow"), "flow");
        assert_eq!(snake("ID or Login", "x"), "id_or_login");
        assert_eq!(snake("Revoke oauthTokens?", "x"), "revoke_oauth_tokens");
        assert_eq!(snake("2fa", "x"), "_2fa");
        assert_eq!(snake("Ünïcode", "x"), "n_code");
    }

    #[test]
    fn unique_ids_and_reserved_names() {
        let mut u = Unique::default();
        assert_eq!(u.step("Compose"), "compose");
        assert_eq!(u.step("compose"), "compose_2");
        assert_eq!(u.step("Index"), "index_step");
        assert_eq!(u.step("!!"), "step");
        let mut f = Unique::default();
        assert_eq!(f.flow("A"), "a");
        assert_eq!(f.flow("a"), "a-2");
    }

    #[test]
    fn paths_bracket_what_is_not_a_name() {
        assert_eq!(
            template_path("Raw Output.profile.email".split('.')),
            "[Raw Output].profile.email"
        );
        assert_eq!(template_path(["users", "0"]), "users.0");
    }
}
