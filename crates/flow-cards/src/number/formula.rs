//! `number.formula`: an arithmetic expression over named numbers (Okta's Formula), read by a
//! small recursive-descent parser (no `eval`, no expression crate: the grammar is a dozen
//! rules, and owning it lets a constant expression be checked when the flow loads).

use crate::util::{output, pure};
use flow_card::kinds::{Number, Text};
use flow_card::{Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::{Code, Type};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// Inputs of `number.formula`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The expression, e.g. `a * 256^3 + b`.
    expression: Expr<Text>,
    /// The numbers the expression names, by name.
    #[serde(default)]
    values: IndexMap<String, Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "number.formula",
    "Evaluate an arithmetic expression over named numbers",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Evaluates `expression`, an arithmetic expression whose names are the keys of `values`.

Operators, from loosest to tightest: `+` `-`; `*` `/` `%` (remainder, with the sign of the
left side); unary `-` and `+`; `^` (power, right-associative: `2^3^2` is `2^9`, and `-2^2` is
`-4`); `!` (factorial of a whole number from 0 to 170). Parentheses group. `#` starts a comment
that runs to the end of the expression. Functions: `abs`, `ceil`, `floor`, `round` (halves
round up, as Okta's: `round(-2.5)` is `-2`), `sqrt`, `exp`, `log` (base e), `log10`,
`pow(a, b)`, `min(…)`, `max(…)` (one number or more), `sin`, `cos`, `tan`, `asin`, `acos`,
`atan`, `sinh`, `cosh`, `tanh` (radians), and the constant `pi`. Okta's `random()` is left out:
this card is pure, and a pure step gives the same result for the same inputs.

Each value of `values` is a number, or text that holds one (read as that number, as Okta
converts it); anything else is an `input` error naming it. A constant `expression` is read when
the flow loads: a syntax error (with its column) or a name that `values` does not define is
`E0006`. Division or remainder by zero and a result that is not a finite number are `input`
errors naming the expression."#,
    okta: &["Number - Formula"],
    examples: &[
        Example::gives(
            "Bytes to a number",
            r#"{ expression: "a * 256^3 + b * 256^2 + c", values: { a: "{{ inputs.x }}", b: 2, c: 3 } }"#,
            r#"16908291"#,
        )
        .with_inputs(r#"{"x": "1"}"#),
        Example::gives("Precedence", r#"{ expression: "1 + 2 * 3 - 4 / 2" }"#, r#"5"#),
        Example::gives("Power is right-associative", r#"{ expression: "2^3^2" }"#, r#"512"#),
        Example::gives("Unary minus below power", r#"{ expression: "-2^2 + (-2)^2" }"#, r#"0"#),
        Example::gives(
            "Functions and a comment",
            r#"{ expression: "max(abs(x), sqrt(16), pow(2, 2)) + round(2.5) # the larger", values: { x: -7 } }"#,
            r#"10"#,
        ),
        Example::gives("Remainder and factorial", r#"{ expression: "-7 % 3 + 4!" }"#, r#"23"#),
        Example::fails(
            "Division by zero",
            r#"{ expression: "a / (b - 2)", values: { a: 1, b: 2 } }"#,
            r#"division by zero"#,
        ),
        Example::fails(
            "Not a number",
            r#"{ expression: "a + 1", values: { a: "{{ inputs.v }}" } }"#,
            r#"must be a number"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
        Example::fails(
            "Not a real number",
            r#"{ expression: "sqrt(x)", values: { x: -1 } }"#,
            r#"not a finite number"#,
        ),
        Example::rejected("A syntax error", r#"{ expression: "1 + * 2" }"#, "E0006"),
        Example::rejected(
            "A name it does not define",
            r#"{ expression: "a + b", values: { a: 1 } }"#,
            "E0006",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.expression.id);
        for v in self.values.values() {
            cx.expr_type(v.id);
        }
        if let Some(Value::String(text)) = cx.constant(self.expression.id) {
            let problem = match Formula::parse(&text) {
                Ok(f) => f
                    .names()
                    .into_iter()
                    .find(|n| !self.values.contains_key(*n))
                    .map(|n| FormulaError::UnknownName(n.to_string())),
                Err(e) => Some(e),
            };
            if let Some(e) = problem {
                cx.report(
                    Some(self.expression.id),
                    Code::InvalidValue,
                    format!("`{text}`: {e}"),
                    Some("names are the keys of `values`; see `flowctl cards number.formula` for the operators and functions".into()),
                );
            }
        }
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.expression)?;
            let named = |e: FormulaError| CardError::input(format!("`{text}`: {e}"));
            let formula = Formula::parse(&text).map_err(named)?;
            let mut values = IndexMap::new();
            for name in formula.names() {
                let e = self
                    .values
                    .get(name)
                    .ok_or_else(|| named(FormulaError::UnknownName(name.to_string())))?;
                values.insert(name.to_string(), cx.number(e)?);
            }
            let n = formula.eval(&values).map_err(named)?;
            super::num(n).map_err(|_| named(FormulaError::NotFinite))
        })())
    }
}

/// Why an expression cannot be read or evaluated.
#[derive(Debug, Clone, PartialEq)]
pub enum FormulaError {
    /// It is not a well-formed expression.
    Syntax {
        /// The column (1-based, in characters) where reading stopped.
        column: usize,
        /// What was expected there.
        message: String,
    },
    /// It names a value that is not given.
    UnknownName(String),
    /// A division or remainder by zero.
    DivisionByZero,
    /// A result that is infinite or not a number.
    NotFinite,
    /// A factorial of a number that is not a whole number from 0 to 170.
    Factorial(f64),
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormulaError::Syntax { column, message } => write!(f, "column {column}: {message}"),
            FormulaError::UnknownName(n) => write!(f, "`{n}` is not one of `values`"),
            FormulaError::DivisionByZero => f.write_str("division by zero"),
            FormulaError::NotFinite => f.write_str("the result is not a finite number"),
            FormulaError::Factorial(n) => write!(
                f,
                "the factorial of {n} is not defined (a whole number from 0 to 170)"
            ),
        }
    }
}

impl std::error::Error for FormulaError {}

/// The functions a formula may call.
#[derive(Debug, Clone, Copy)]
enum Func {
    Unary(fn(f64) -> f64),
    Pow,
    Min,
    Max,
}

fn function(name: &str) -> Option<Func> {
    let f: fn(f64) -> f64 = match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "round" => |x| (x + 0.5).floor(),
        "sqrt" => f64::sqrt,
        "exp" => f64::exp,
        "log" => f64::ln,
        "log10" => f64::log10,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "pow" => return Some(Func::Pow),
        "min" => return Some(Func::Min),
        "max" => return Some(Func::Max),
        _ => return None,
    };
    Some(Func::Unary(f))
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
}

/// A parsed expression.
#[derive(Debug, Clone)]
enum Node {
    Num(f64),
    Name(String),
    Neg(Box<Node>),
    Fact(Box<Node>),
    Bin(Op, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
}

/// The deepest nesting a formula may have (parentheses, unary signs, powers), so a hostile
/// expression cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A parsed formula.
#[derive(Debug, Clone)]
pub struct Formula(Node);

impl Formula {
    /// Parses an expression; a `#` ends it (the rest is a comment).
    pub fn parse(text: &str) -> Result<Formula, FormulaError> {
        let chars: Vec<char> = text.chars().take_while(|c| *c != '#').collect();
        let mut p = Parser {
            chars: &chars,
            pos: 0,
            depth: 0,
        };
        let node = p.sum()?;
        p.skip_space();
        if p.pos < chars.len() {
            return Err(p.error(format!("unexpected `{}`", chars[p.pos])));
        }
        Ok(Formula(node))
    }

    /// The names the formula uses, in order of first use.
    pub fn names(&self) -> Vec<&str> {
        fn walk<'n>(n: &'n Node, out: &mut Vec<&'n str>) {
            match n {
                Node::Num(_) => {}
                Node::Name(s) => {
                    if !out.contains(&s.as_str()) {
                        out.push(s);
                    }
                }
                Node::Neg(a) | Node::Fact(a) => walk(a, out),
                Node::Bin(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Node::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
            }
        }
        let mut out = Vec::new();
        walk(&self.0, &mut out);
        out
    }

    /// Evaluates the formula with these values by name.
    pub fn eval(&self, values: &IndexMap<String, f64>) -> Result<f64, FormulaError> {
        eval(&self.0, values)
    }
}

fn finite(n: f64) -> Result<f64, FormulaError> {
    if n.is_finite() {
        Ok(n)
    } else {
        Err(FormulaError::NotFinite)
    }
}

fn eval(n: &Node, values: &IndexMap<String, f64>) -> Result<f64, FormulaError> {
    let r = match n {
        Node::Num(x) => *x,
        Node::Name(s) => *values
            .get(s)
            .ok_or_else(|| FormulaError::UnknownName(s.clone()))?,
        Node::Neg(a) => -eval(a, values)?,
        Node::Fact(a) => {
            let x = eval(a, values)?;
            if x.fract() != 0.0 || !(0.0..=170.0).contains(&x) {
                return Err(FormulaError::Factorial(x));
            }
            (1..=x as u32).fold(1.0, |acc, k| acc * f64::from(k))
        }
        Node::Bin(op, a, b) => {
            let (x, y) = (eval(a, values)?, eval(b, values)?);
            match op {
                Op::Add => x + y,
                Op::Sub => x - y,
                Op::Mul => x * y,
                Op::Div | Op::Rem if y == 0.0 => return Err(FormulaError::DivisionByZero),
                Op::Div => x / y,
                Op::Rem => x % y,
                Op::Pow => x.powf(y),
            }
        }
        Node::Call(f, args) => {
            let xs = args
                .iter()
                .map(|a| eval(a, values))
                .collect::<Result<Vec<f64>, _>>()?;
            match (f, xs.as_slice()) {
                (Func::Unary(g), [x]) => g(*x),
                (Func::Pow, [x, y]) => x.powf(*y),
                (Func::Min, _) => xs.iter().copied().fold(f64::INFINITY, f64::min),
                (Func::Max, _) => xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                // The parser checks the number of arguments.
                _ => return Err(FormulaError::NotFinite),
            }
        }
    };
    finite(r)
}

struct Parser<'t> {
    chars: &'t [char],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> FormulaError {
        FormulaError::Syntax {
            column: self.pos + 1,
            message: message.into(),
        }
    }

    fn skip_space(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    /// The next character after spaces, not consumed.
    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn deeper(&mut self) -> Result<(), FormulaError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    /// sum := product (("+" | "-") product)*
    fn sum(&mut self) -> Result<Node, FormulaError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek() {
                Some('+') => Op::Add,
                Some('-') => Op::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Node::Bin(op, Box::new(left), Box::new(self.product()?));
        }
    }

    /// product := unary (("*" | "/" | "%") unary)*
    fn product(&mut self) -> Result<Node, FormulaError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some('*') => Op::Mul,
                Some('/') => Op::Div,
                Some('%') => Op::Rem,
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Node::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    /// unary := ("-" | "+") unary | power
    fn unary(&mut self) -> Result<Node, FormulaError> {
        self.deeper()?;
        let node = if self.eat('-') {
            Node::Neg(Box::new(self.unary()?))
        } else if self.eat('+') {
            self.unary()?
        } else {
            self.power()?
        };
        self.depth -= 1;
        Ok(node)
    }

    /// power := postfix ("^" unary)?   (right-associative; the exponent may be signed)
    fn power(&mut self) -> Result<Node, FormulaError> {
        let base = self.postfix()?;
        if self.eat('^') {
            let exp = self.unary()?;
            return Ok(Node::Bin(Op::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    /// postfix := atom "!"*
    fn postfix(&mut self) -> Result<Node, FormulaError> {
        let mut node = self.atom()?;
        while self.eat('!') {
            node = Node::Fact(Box::new(node));
        }
        Ok(node)
    }

    /// atom := number | name | name "(" sum ("," sum)* ")" | "(" sum ")"
    fn atom(&mut self) -> Result<Node, FormulaError> {
        match self.peek() {
            None => Err(self.error("expected a number, a name or `(`, found the end")),
            Some('(') => {
                self.pos += 1;
                self.deeper()?;
                let inner = self.sum()?;
                self.depth -= 1;
                if !self.eat(')') {
                    return Err(self.error("expected `)`"));
                }
                Ok(inner)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => self.name(),
            Some(c) => Err(self.error(format!("expected a number, a name or `(`, found `{c}`"))),
        }
    }

    fn number(&mut self) -> Result<Node, FormulaError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            while p.chars.get(p.pos).is_some_and(char::is_ascii_digit) {
                p.pos += 1;
            }
        };
        digits(self);
        if self.chars.get(self.pos) == Some(&'.') {
            self.pos += 1;
            digits(self);
        }
        if matches!(self.chars.get(self.pos), Some('e' | 'E'))
            && (self
                .chars
                .get(self.pos + 1)
                .is_some_and(char::is_ascii_digit)
                || (matches!(self.chars.get(self.pos + 1), Some('+' | '-'))
                    && self
                        .chars
                        .get(self.pos + 2)
                        .is_some_and(char::is_ascii_digit)))
        {
            self.pos += 2;
            digits(self);
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        text.parse::<f64>()
            .map(Node::Num)
            .map_err(|_| FormulaError::Syntax {
                column: start + 1,
                message: format!("`{text}` is not a number"),
            })
    }

    fn name(&mut self) -> Result<Node, FormulaError> {
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if self.peek() != Some('(') {
            return Ok(if name == "pi" {
                Node::Num(std::f64::consts::PI)
            } else {
                Node::Name(name)
            });
        }
        let Some(func) = function(&name) else {
            return Err(FormulaError::Syntax {
                column: start + 1,
                message: format!("`{name}` is not a function"),
            });
        };
        self.pos += 1;
        self.deeper()?;
        let mut args = vec![self.sum()?];
        while self.eat(',') {
            args.push(self.sum()?);
        }
        self.depth -= 1;
        if !self.eat(')') {
            return Err(self.error("expected `,` or `)`"));
        }
        let ok = match func {
            Func::Unary(_) => args.len() == 1,
            Func::Pow => args.len() == 2,
            Func::Min | Func::Max => true,
        };
        if !ok {
            return Err(FormulaError::Syntax {
                column: start + 1,
                message: format!("`{name}` does not take {} arguments", args.len()),
            });
        }
        Ok(Node::Call(func, args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn calc(text: &str) -> Result<f64, FormulaError> {
        let values: IndexMap<String, f64> = [("x".to_string(), 3.0), ("y".to_string(), -2.0)]
            .into_iter()
            .collect();
        Formula::parse(text)?.eval(&values)
    }

    #[test]
    fn precedence_and_associativity() {
        for (text, want) in [
            ("1 + 2 * 3", 7.0),
            ("(1 + 2) * 3", 9.0),
            ("10 - 4 - 3", 3.0),
            ("24 / 4 / 2", 3.0),
            ("2 ^ 3 ^ 2", 512.0),
            ("(2 ^ 3) ^ 2", 64.0),
            ("-2 ^ 2", -4.0),
            ("(-2) ^ 2", 4.0),
            ("2 ^ -1", 0.5),
            ("--3", 3.0),
            ("-x * y", 6.0),
            ("x - -y", 1.0),
            ("7 % 4 * 2", 6.0),
            ("-7 % 3", -1.0),
            ("3! + 0!", 7.0),
            ("2 ^ 3!", 64.0),
            ("1.5e2 + .5", 150.5),
            ("min(x, y, 0) + max(1)", -1.0),
            ("pow(2, 10) # kilo", 1024.0),
            ("round(2.5) + round(-2.5) + floor(-0.5) + ceil(0.2)", 1.0),
            ("log10(1000) + log(exp(2)) + sqrt(9) + abs(y)", 10.0),
            ("cos(0) + sin(0) + tan(0) + atan(0)", 1.0),
        ] {
            assert_eq!(calc(text), Ok(want), "{text}");
        }
        assert!((calc("pi").unwrap_or_default() - std::f64::consts::PI).abs() < 1e-12);
    }

    #[test]
    fn syntax_errors_name_their_column() {
        for (text, column) in [
            ("1 + * 2", 5),
            ("(1 + 2", 7),
            ("1 2", 3),
            ("", 1),
            ("foo(1)", 1),
            ("pow(1)", 1),
            ("abs(1, 2)", 1),
            ("1 + $", 5),
        ] {
            match Formula::parse(text) {
                Err(FormulaError::Syntax { column: c, .. }) => assert_eq!(c, column, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn evaluation_errors() {
        assert_eq!(calc("1 / 0"), Err(FormulaError::DivisionByZero));
        assert_eq!(calc("1 % (x - 3)"), Err(FormulaError::DivisionByZero));
        assert_eq!(calc("sqrt(y)"), Err(FormulaError::NotFinite));
        assert_eq!(calc("10 ^ 400"), Err(FormulaError::NotFinite));
        assert_eq!(calc("2.5!"), Err(FormulaError::Factorial(2.5)));
        assert_eq!(calc("z + 1"), Err(FormulaError::UnknownName("z".into())));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(
            Formula::parse(&deep),
            Err(FormulaError::Syntax { .. })
        ));
        let signs = format!("{}1", "-".repeat(10_000));
        assert!(matches!(
            Formula::parse(&signs),
            Err(FormulaError::Syntax { .. })
        ));
    }

    #[test]
    fn names_in_order() {
        let f = Formula::parse("b * a + b - c").map_err(|e| e.to_string());
        assert_eq!(f.map(|f| f.names().join(",")), Ok("b,a,c".to_string()));
    }

    proptest! {
        /// A sum, product or power of two numbers gives what Rust computes, whatever the signs.
        #[test]
        fn binary_operators_match_rust(a in -1000i32..1000, b in -1000i32..1000) {
            let (x, y) = (f64::from(a), f64::from(b));
            prop_assert_eq!(calc(&format!("{a} + {b}")), Ok(x + y));
            prop_assert_eq!(calc(&format!("{a} - ({b})")), Ok(x - y));
            prop_assert_eq!(calc(&format!("{a} * {b}")), Ok(x * y));
            prop_assert_eq!(calc(&format!("{a} + {b} * 2")), Ok(x + y * 2.0));
            prop_assert_eq!(calc(&format!("-({a})^2")), Ok(-(x * x)));
            if b != 0 {
                prop_assert_eq!(calc(&format!("{a} / {b}")), Ok(x / y));
                prop_assert_eq!(calc(&format!("{a} % {b}")), Ok(x % y));
            }
        }
    }
}
