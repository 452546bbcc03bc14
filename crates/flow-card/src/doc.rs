//! A card's documentation as data: what it does, which Okta Workflows cards it stands for, and
//! its examples. `flowctl cards` and `docs/cards.md` are generated from it, and every example
//! runs as a test (`with` + inputs → the expected output or error), as jaq runs its manual.
//!
//! It sits beside a [`crate::CardSpec`] (not inside it) so that code building specs by hand,
//! such as test cards, needs no documentation.

/// The documentation of one card.
#[derive(Debug, Clone, Copy)]
pub struct CardDoc {
    /// Markdown paragraphs on what it does, beyond the spec's one-line summary: rules, units,
    /// conversions, errors.
    pub description: &'static str,
    /// The Okta Workflows cards it stands for (`"Text - Split"`), empty when none.
    pub okta: &'static [&'static str],
    /// Examples, each run as a test.
    pub examples: &'static [Example],
}

/// One documented example of a card.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// What it shows, one line.
    pub title: &'static str,
    /// The step's `with:` block, as YAML (usually a flow mapping: `{ text: "a,b" }`).
    pub with: &'static str,
    /// The test flow's inputs as a JSON object, read in `with` as `{{ inputs.NAME }}` (each
    /// declared `any`); empty for none.
    pub inputs: &'static str,
    /// What it gives.
    pub expect: Expect,
}

/// What an [`Example`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The step's output, as JSON.
    Output(&'static str),
    /// The step fails at run time with a message containing this text.
    Fails(&'static str),
    /// The flow is rejected when it loads with a diagnostic of this code (`E0206`).
    Rejected(&'static str),
}

impl Example {
    /// An example with no inputs that gives `output` (JSON).
    pub const fn gives(title: &'static str, with: &'static str, output: &'static str) -> Self {
        Example {
            title,
            with,
            inputs: "",
            expect: Expect::Output(output),
        }
    }

    /// An example with no inputs that fails at run time with a message containing `message`.
    pub const fn fails(title: &'static str, with: &'static str, message: &'static str) -> Self {
        Example {
            title,
            with,
            inputs: "",
            expect: Expect::Fails(message),
        }
    }

    /// An example with no inputs that the compiler rejects with diagnostic `code`.
    pub const fn rejected(title: &'static str, with: &'static str, code: &'static str) -> Self {
        Example {
            title,
            with,
            inputs: "",
            expect: Expect::Rejected(code),
        }
    }

    /// The same example, given these inputs (a JSON object).
    pub const fn with_inputs(self, inputs: &'static str) -> Self {
        Example { inputs, ..self }
    }
}
