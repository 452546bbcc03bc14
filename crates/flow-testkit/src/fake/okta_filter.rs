//! The `filter=` / `search=` expression subset understood by the fake `GET /api/v1/users`.
//!
//! Grammar (keywords and operators case-insensitive, attribute names case-sensitive):
//!
//! ```text
//! expr  := term ("or" term)*
//! term  := atom ("and" atom)*
//! atom  := "(" expr ")" | ATTR OP "\"value\""
//! ```
//!
//! `filter` allows `id`, `status`, `profile.login`, `profile.email`, `profile.firstName`
//! and `profile.lastName` with `eq`, and compares values case-sensitively. `search` also allows
//! any `profile.*` attribute, `sw` (starts with) and `co` (contains, only on login, email,
//! firstName and lastName), and compares values case-insensitively. Anything else is an error,
//! which the fake answers with 400 E0000001.

use super::okta_users::User;

/// Which query parameter an expression came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `filter=`: strongly consistent, exact and case-sensitive.
    Filter,
    /// `search=`: case-insensitive values, more operators.
    Search,
}

impl Mode {
    /// The query parameter name.
    pub(crate) fn param(self) -> &'static str {
        match self {
            Mode::Filter => "filter",
            Mode::Search => "search",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    StartsWith,
    Contains,
}

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
        match (self.mode, op.as_str()) {
            (_, "eq") => Ok(Op::Eq),
            (Mode::Search, "sw") => Ok(Op::StartsWith),
            (Mode::Search, "co")
                if matches!(
                    attr,
                    "profile.login" | "profile.email" | "profile.firstName" | "profile.lastName"
                ) =>
            {
                Ok(Op::Contains)
            }
            _ => Err(format!("operator {op} is not supported for {attr}")),
        }
    }

    fn check_attribute(&self, attr: &str) -> Result<(), String> {
        let ok = match self.mode {
            Mode::Filter => matches!(
                attr,
                "id" | "status"
                    | "profile.login"
                    | "profile.email"
                    | "profile.firstName"
                    | "profile.lastName"
            ),
            Mode::Search => {
                matches!(attr, "id" | "status")
                    || attr.strip_prefix("profile.").is_some_and(|p| !p.is_empty())
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
        match self {
            Expr::And(a, b) => a.matches(user, mode) && b.matches(user, mode),
            Expr::Or(a, b) => a.matches(user, mode) || b.matches(user, mode),
            Expr::Compare { attr, op, value } => {
                let Some(actual) = user.attribute(attr) else {
                    return false;
                };
                let (actual, value) = match mode {
                    Mode::Filter => (actual, value.clone()),
                    Mode::Search => (actual.to_lowercase(), value.to_lowercase()),
                };
                match op {
                    Op::Eq => actual == value,
                    Op::StartsWith => actual.starts_with(&value),
                    Op::Contains => actual.contains(&value),
                }
            }
        }
    }
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
