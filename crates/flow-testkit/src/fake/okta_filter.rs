//! The `filter=` / `search=` expression subset understood by the fake Okta list endpoints.
//!
//! Grammar (keywords and operators case-insensitive, attribute names case-sensitive):
//!
//! ```text
//! expr  := term ("or" term)*
//! term  := atom ("and" atom)*
//! atom  := "(" expr ")" | ATTR "pr" | ATTR OP "\"value\""
//! ```
//!
//! Users: `filter` allows `id`, `status`, `profile.login`, `profile.email`, `profile.firstName`
//! and `profile.lastName` with `eq`, and compares values case-sensitively. `search` also allows
//! any `profile.*` attribute, `sw` (starts with) and `co` (contains, only on login, email,
//! firstName and lastName), and compares values case-insensitively.
//!
//! Groups: `filter` allows `id` and `type` with `eq`, and `lastUpdated` /
//! `lastMembershipUpdated` with `eq`, `gt`, `ge`, `lt`, `le`; `search` allows `id`, `type`,
//! `created`, `lastUpdated`, `lastMembershipUpdated` and any `profile.*` attribute with `eq`,
//! `sw`, `co`, `gt`, `ge`, `lt`, `le` (case-insensitive values).
//!
//! Apps: `filter` allows `status`, `name`, `user.id` and `group.id` with `eq`.
//!
//! System Log: `filter` allows any dotted attribute of the event with `eq`, `ne`, `sw`, `co`,
//! `ew`, `gt`, `ge`, `lt`, `le` and `pr` (case-insensitive values).
//!
//! Anything else is an error, which the fake answers with 400.

use super::okta_users::User;

/// Which endpoint and query parameter an expression came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Users `filter=`: strongly consistent, exact and case-sensitive.
    Filter,
    /// Users `search=`: case-insensitive values, more operators.
    Search,
    /// Groups `filter=`.
    GroupFilter,
    /// Groups `search=`.
    GroupSearch,
    /// Apps `filter=`.
    AppFilter,
    /// System Log `filter=`.
    LogFilter,
}

impl Mode {
    /// The query parameter name.
    pub(crate) fn param(self) -> &'static str {
        match self {
            Mode::Search | Mode::GroupSearch => "search",
            _ => "filter",
        }
    }

    /// Whether values compare case-sensitively.
    fn case_sensitive(self) -> bool {
        matches!(self, Mode::Filter | Mode::GroupFilter | Mode::AppFilter)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    StartsWith,
    Contains,
    EndsWith,
    Gt,
    Ge,
    Lt,
    Le,
    Present,
}

const TIMES: [&str; 4] = [
    "created",
    "lastUpdated",
    "lastMembershipUpdated",
    "published",
];

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    Compare { attr: String, op: Op, value: String },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped) => value.push(escaped),
                            None => return Err("unterminated string".into()),
                        },
                        Some(other) => value.push(other),
                        None => return Err("unterminated string".into()),
                    }
                }
                tokens.push(Token::Str(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    mode: Mode,
}

impl Parser {
    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        while self.peek_keyword("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut left = self.atom()?;
        while self.peek_keyword("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.expr()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("missing closing parenthesis".into()),
                }
            }
            Some(Token::Word(attr)) => {
                let op = match self.next() {
                    Some(Token::Word(op)) => self.operator(&attr, &op)?,
                    _ => return Err(format!("expected an operator after {attr}")),
                };
                self.check_attribute(&attr)?;
                if op == Op::Present {
                    return Ok(Expr::Compare {
                        attr,
                        op,
                        value: String::new(),
                    });
                }
                match self.next() {
                    Some(Token::Str(value)) => Ok(Expr::Compare { attr, op, value }),
                    _ => Err(format!("expected a quoted value after {attr}")),
                }
            }
            _ => Err("expected an attribute".into()),
        }
    }

    fn operator(&self, attr: &str, op: &str) -> Result<Op, String> {
        let op = op.to_ascii_lowercase();
        let parsed = match op.as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "sw" => Op::StartsWith,
            "co" => Op::Contains,
            "ew" => Op::EndsWith,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            "pr" => Op::Present,
            _ => return Err(format!("operator {op} is not supported for {attr}")),
        };
        let names = matches!(
            attr,
            "profile.login" | "profile.email" | "profile.firstName" | "profile.lastName"
        );
        let ordered = matches!(parsed, Op::Gt | Op::Ge | Op::Lt | Op::Le);
        let ok = match self.mode {
            Mode::Filter | Mode::AppFilter => parsed == Op::Eq,
            Mode::Search => {
                parsed == Op::Eq || parsed == Op::StartsWith || (parsed == Op::Contains && names)
            }
            Mode::GroupFilter => parsed == Op::Eq || (ordered && TIMES.contains(&attr)),
            Mode::GroupSearch => {
                matches!(parsed, Op::Eq | Op::StartsWith | Op::Contains) || ordered
            }
            Mode::LogFilter => true,
        };
        if ok {
            Ok(parsed)
        } else {
            Err(format!("operator {op} is not supported for {attr}"))
        }
    }

    fn check_attribute(&self, attr: &str) -> Result<(), String> {
        let profile = attr.strip_prefix("profile.").is_some_and(|p| !p.is_empty());
        let ok = match self.mode {
            Mode::Filter => matches!(
                attr,
                "id" | "status"
                    | "profile.login"
                    | "profile.email"
                    | "profile.firstName"
                    | "profile.lastName"
            ),
            Mode::Search => matches!(attr, "id" | "status") || profile,
            Mode::GroupFilter => {
                matches!(
                    attr,
                    "id" | "type" | "lastUpdated" | "lastMembershipUpdated"
                )
            }
            Mode::GroupSearch => matches!(attr, "id" | "type") || TIMES.contains(&attr) || profile,
            Mode::AppFilter => matches!(attr, "status" | "name" | "user.id" | "group.id"),
            Mode::LogFilter => {
                !attr.is_empty()
                    && attr.split('.').all(|p| {
                        !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!("attribute {attr} is not supported"))
        }
    }
}

/// Parses an expression for `mode`.
pub(crate) fn parse(input: &str, mode: Mode) -> Result<Expr, String> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        pos: 0,
        mode,
    };
    let expr = parser.expr()?;
    if parser.pos < parser.tokens.len() {
        return Err("unexpected trailing input".into());
    }
    Ok(expr)
}

impl Expr {
    /// Whether `user` satisfies the expression.
    pub(crate) fn matches(&self, user: &User, mode: Mode) -> bool {
        self.matches_with(
            &|attr: &str| user.attribute(attr).into_iter().collect(),
            mode,
        )
    }

    /// Whether a record satisfies the expression; `lookup` gives every value of an attribute
    /// (several for an attribute inside a list, e.g. a log event's `target.id`).
    pub(crate) fn matches_with(&self, lookup: &dyn Fn(&str) -> Vec<String>, mode: Mode) -> bool {
        match self {
            Expr::And(a, b) => a.matches_with(lookup, mode) && b.matches_with(lookup, mode),
            Expr::Or(a, b) => a.matches_with(lookup, mode) || b.matches_with(lookup, mode),
            Expr::Compare { attr, op, value } => {
                let values = lookup(attr);
                if *op == Op::Present {
                    return !values.is_empty();
                }
                if *op == Op::Ne {
                    return !values.iter().any(|v| compare(v, Op::Eq, value, mode));
                }
                values.iter().any(|v| compare(v, *op, value, mode))
            }
        }
    }
}

fn compare(actual: &str, op: Op, value: &str, mode: Mode) -> bool {
    let (actual, value) = if mode.case_sensitive() {
        (actual.to_owned(), value.to_owned())
    } else {
        (actual.to_lowercase(), value.to_lowercase())
    };
    match op {
        Op::Eq => actual == value,
        Op::Ne => actual != value,
        Op::StartsWith => actual.starts_with(&value),
        Op::Contains => actual.contains(&value),
        Op::EndsWith => actual.ends_with(&value),
        // ISO-8601 UTC timestamps with the same precision order as text.
        Op::Gt => actual > value,
        Op::Ge => actual >= value,
        Op::Lt => actual < value,
        Op::Le => actual <= value,
        Op::Present => true,
    }
}

/// Every value at a dotted path inside JSON; lists are searched element by element.
pub(crate) fn json_values(root: &serde_json::Value, path: &str) -> Vec<String> {
    use serde_json::Value;
    let mut current = vec![root];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(map) => next.extend(map.get(part)),
                Value::Array(items) => next.extend(items.iter().filter_map(|i| i.get(part))),
                _ => {}
            }
        }
        current = next;
    }
    let mut out = Vec::new();
    for v in current {
        match v {
            Value::Null => {}
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => {
                out.extend(items.iter().filter(|i| !i.is_null()).map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }))
            }
            other => out.push(other.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::okta_users::UserStatus;

    fn user(login: &str, status: UserStatus) -> User {
        User::new(login, status)
    }

    #[test]
    fn filter_matches_exactly() {
        let alice = user("alice@example.com", UserStatus::Active);
        let e = parse(r#"profile.email eq "alice@example.com""#, Mode::Filter).unwrap();
        assert!(e.matches(&alice, Mode::Filter));
        let e = parse(r#"profile.email eq "ALICE@example.com""#, Mode::Filter).unwrap();
        assert!(!e.matches(&alice, Mode::Filter));
        let e = parse(
            r#"status EQ "ACTIVE" AND (profile.login eq "x" or id eq "y")"#,
            Mode::Filter,
        )
        .unwrap();
        assert!(!e.matches(&alice, Mode::Filter));
        let e = parse(
            r#"status eq "SUSPENDED" or profile.login eq "alice@example.com""#,
            Mode::Filter,
        )
        .unwrap();
        assert!(e.matches(&alice, Mode::Filter));
    }

    #[test]
    fn filter_rejects_outside_subset() {
        for bad in [
            r#"profile.email ne "a""#,
            r#"profile.email sw "a""#,
            r#"profile.department eq "a""#,
            r#"lastUpdated gt "2024-01-01T00:00:00.000Z""#,
            r#"profile.email eq "a"#,
            r#"profile.email eq a"#,
            r#"(status eq "ACTIVE""#,
            r#"status eq "ACTIVE" and"#,
            "",
        ] {
            assert!(parse(bad, Mode::Filter).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_is_case_insensitive_with_more_operators() {
        let alice = user("alice.liddell@example.com", UserStatus::Active);
        let e = parse(
            r#"profile.email eq "ALICE.LIDDELL@EXAMPLE.COM""#,
            Mode::Search,
        )
        .unwrap();
        assert!(e.matches(&alice, Mode::Search));
        let e = parse(
            r#"profile.lastName sw "lid" and profile.email co "example""#,
            Mode::Search,
        )
        .unwrap();
        assert!(e.matches(&alice, Mode::Search));
        assert!(parse(r#"profile.department co "x""#, Mode::Search).is_err());
    }
}
