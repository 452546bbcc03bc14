//! A small YAML writer for the files the importer produces: block style, plain scalars where
//! they read back as the same text, double quotes (JSON escapes) otherwise, `|` blocks for
//! multi-line text, and `#` comment lines.

use serde_json::Value;
use std::fmt::Write;

/// A YAML value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Num(String),
    /// Text (quoted when it would not read back as the same text).
    Str(String),
    /// A list.
    Seq(Vec<Yaml>),
    /// A mapping, in this order.
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    /// A text value.
    pub fn str(s: impl Into<String>) -> Yaml {
        Yaml::Str(s.into())
    }

    /// A JSON value as YAML (strings stay text; no template escaping here).
    pub fn from_json(v: &Value) -> Yaml {
        match v {
            Value::Null => Yaml::Null,
            Value::Bool(b) => Yaml::Bool(*b),
            Value::Number(n) => Yaml::Num(n.to_string()),
            Value::String(s) => Yaml::Str(s.clone()),
            Value::Array(a) => Yaml::Seq(a.iter().map(Yaml::from_json).collect()),
            Value::Object(o) => Yaml::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Yaml::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// Writes `# text` lines (one per line of `text`) at `indent`.
pub fn comment(out: &mut String, indent: usize, text: &str) {
    for line in text.lines() {
        let line = line.trim_end();
        let _ = if line.is_empty() {
            writeln!(out, "{:indent$}#", "")
        } else {
            writeln!(out, "{:indent$}# {line}", "")
        };
    }
}

/// Writes `key: value` at `indent` (a nested block below it when `value` is a non-empty
/// mapping or list).
pub fn entry(out: &mut String, indent: usize, key: &str, value: &Yaml) {
    let _ = write!(out, "{:indent$}{}:", "", key_text(key));
    after_key(out, indent, value);
}

/// Writes a whole mapping's entries at `indent`.
pub fn map(out: &mut String, indent: usize, entries: &[(String, Yaml)]) {
    for (k, v) in entries {
        entry(out, indent, k, v);
    }
}

fn after_key(out: &mut String, indent: usize, value: &Yaml) {
    match value {
        Yaml::Map(m) if !m.is_empty() => {
            out.push('\n');
            map(out, indent + 2, m);
        }
        Yaml::Seq(s) if !s.is_empty() => {
            out.push('\n');
            seq(out, indent + 2, s);
        }
        scalar => {
            out.push(' ');
            scalar_text(out, indent + 2, scalar);
            out.push('\n');
        }
    }
}

fn seq(out: &mut String, indent: usize, items: &[Yaml]) {
    for item in items {
        let _ = write!(out, "{:indent$}-", "");
        match item {
            Yaml::Map(m) if !m.is_empty() => {
                // The first entry on the dash line, the others below it.
                let mut first = true;
                for (k, v) in m {
                    if first {
                        let _ = write!(out, " {}:", key_text(k));
                        after_key(out, indent + 2, v);
                        first = false;
                    } else {
                        entry(out, indent + 2, k, v);
                    }
                }
            }
            Yaml::Seq(s) if !s.is_empty() => {
                out.push('\n');
                seq(out, indent + 2, s);
            }
            scalar => {
                out.push(' ');
                scalar_text(out, indent + 2, scalar);
                out.push('\n');
            }
        }
    }
}

fn scalar_text(out: &mut String, indent: usize, v: &Yaml) {
    match v {
        Yaml::Null => out.push_str("null"),
        Yaml::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Yaml::Num(n) => out.push_str(n),
        Yaml::Str(s) => string_text(out, indent, s),
        Yaml::Seq(_) => out.push_str("[]"),
        Yaml::Map(_) => out.push_str("{}"),
    }
}

fn string_text(out: &mut String, indent: usize, s: &str) {
    if is_plain(s) {
        out.push_str(s);
    } else if block_ok(s) {
        let chomp = if s.ends_with("\n\n") {
            "+"
        } else if s.ends_with('\n') {
            ""
        } else {
            "-"
        };
        let _ = write!(out, "|{chomp}");
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = write!(out, "\n{:indent$}{line}", "");
            }
        }
    } else {
        out.push_str(&quoted(s));
    }
}

/// `s` in double quotes with JSON escapes (valid YAML).
pub fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn key_text(k: &str) -> String {
    if is_plain(k) {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// Whether `s` can be written without quotes and read back as the same text.
fn is_plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '_' || first == '/' || first == '$') {
        return false;
    }
    if s.ends_with(' ') || s.contains("  ") {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " _./@()+-".contains(c))
    {
        return false;
    }
    // `${env:…}` is written quoted (the `:` rule above already excludes it).
    let lower = s.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
    )
}

/// Whether a `|` block keeps `s` exactly.
fn block_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && !s.ends_with("\n\n\n")
        && s.trim_end_matches('\n').len() + 2 >= s.len()
        && s.split('\n').all(|l| !l.ends_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(entries: Vec<(&str, Yaml)>) -> String {
        let mut out = String::new();
        let e: Vec<(String, Yaml)> = entries.into_iter().map(|(k, v)| (k.into(), v)).collect();
        map(&mut out, 0, &e);
        out
    }

    #[test]
    fn scalars_are_plain_only_when_they_read_back_the_same() {
        let out = render(vec![
            ("a", Yaml::str("read_user")),
            ("b", Yaml::str("true")),
            ("c", Yaml::str("{{ user.id }}")),
            ("d", Yaml::str("01")),
            ("e", Yaml::str("a: b")),
            ("f", Yaml::str("")),
            ("g", Yaml::str("${env:OKTA_API_TOKEN}")),
            ("key with space", Yaml::Num("3".into())),
        ]);
        assert_eq!(
            out,
            "a: read_user\nb: \"true\"\nc: \"{{ user.id }}\"\nd: \"01\"\ne: \"a: b\"\nf: \"\"\n\
             g: \"${env:OKTA_API_TOKEN}\"\nkey with space: 3\n"
        );
    }

    #[test]
    fn nesting_and_blocks() {
        let out = render(vec![(
            "with",
            Yaml::Map(vec![
                (
                    "list".into(),
                    Yaml::Seq(vec![
                        Yaml::str("x"),
                        Yaml::Map(vec![
                            ("k".into(), Yaml::Null),
                            ("l".into(), Yaml::Bool(true)),
                        ]),
                    ]),
                ),
                ("empty".into(), Yaml::Map(vec![])),
                ("template".into(), Yaml::str("line 1\n\nline 3")),
            ]),
        )]);
        assert_eq!(
            out,
            "with:\n  list:\n    - x\n    - k: null\n      l: true\n  empty: {}\n  template: |-\n    line 1\n\n    line 3\n"
        );
    }

    /// Reads `text` as flowctl does (YAML 1.2, only `true`/`false` are booleans).
    fn read(text: &str) -> Result<Value, String> {
        let options = serde_saphyr::options! { strict_booleans: true };
        serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| e.to_string())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Any key and text, at the top, in a list and in a mapping inside it, reads back as
        /// written.
        #[test]
        fn any_text_reads_back_as_written(key in "\\PC{1,12}|[ -~]{1,8}", text in proptest::prop_oneof![
            // YAML's special characters, white space and line breaks, densely.
            "[ a-z0-9:#\\-\n\t\r\"'{}\\[\\],&*!|>%@`\\\\~?.$\u{85}\u{a0}\u{2028}\u{feff}]{0,24}",
            proptest::prelude::any::<String>(),
        ]) {
            let value = Yaml::Seq(vec![
                Yaml::Str(text.clone()),
                Yaml::Map(vec![(key.clone(), Yaml::Str(text.clone()))]),
            ]);
            let mut out = String::new();
            map(&mut out, 0, &[(key.clone(), Yaml::Str(text.clone())), ("list".into(), value)]);
            let back = read(&out).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}\n{out}")))?;
            let mut expected = serde_json::Map::new();
            expected.insert(key.clone(), Value::String(text.clone()));
            expected.insert("list".into(), serde_json::json!([text.clone(), {key.clone(): text.clone()}]));
            if key == "list" {
                // The second entry wins in neither: flowctl refuses duplicate keys.
                return Ok(());
            }
            proptest::prop_assert_eq!(back, Value::Object(expected), "{}", out);
        }
    }
}
