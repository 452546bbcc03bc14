//! flowctl's built-in cards, one file each, and the connectors they use.
//!
//! A card is one file: its config, `SPEC`, `DOC` (description and examples, which run as tests)
//! and `run`. Each family's `mod.rs` lists its cards in one [`cards!`] line, which declares the
//! modules and builds the family's `CARDS`; [`BUILTIN`] joins the families. This is the only
//! crate that speaks HTTP to the outside ([`PooledTransport`]).

/// Declares a family's card modules and lists them in `CARDS`: `cards!(compose, split);`.
/// Each module defines `SPEC` (a [`CardSpec`]) and `DOC` (a [`CardDoc`]). `cargo fmt` does not
/// follow modules declared by a macro: format card files with
/// `rustfmt --edition 2024 crates/flow-cards/src/*/*.rs`.
macro_rules! cards {
    ($($card:ident),* $(,)?) => {
        $(pub mod $card;)*
        /// This family's cards, each with its documentation.
        pub static CARDS: &[crate::Builtin] =
            &[$(crate::Builtin { spec: &$card::SPEC, doc: &$card::DOC }),*];
    };
}

pub mod boolean;
pub mod conn;
pub mod connector;
pub mod crypto;
pub mod csv;
pub mod date;
pub mod flow;
pub mod github;
pub mod google_drive;
pub mod google_sheets;
pub mod google_workspace;
pub mod http;
pub mod json;
pub mod list;
pub mod microsoft365;
pub mod number;
pub mod object;
pub mod okta;
pub mod retry_after;
pub mod slack;
pub mod table;
pub mod text;
pub mod util;

#[cfg(test)]
mod testing;

pub use http::transport::{PooledTransport, ReqwestTransport};

use flow_card::{CardDoc, CardSpec, ConnectorSpec, Registry};
use std::sync::LazyLock;

/// A built-in card: its registration and its documentation.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// What the compiler and engine use.
    pub spec: &'static CardSpec,
    /// What the docs and the example tests use.
    pub doc: &'static CardDoc,
}

/// The card families, in the order of the docs.
static FAMILIES: &[&[Builtin]] = &[
    text::CARDS,
    date::CARDS,
    number::CARDS,
    boolean::CARDS,
    crypto::CARDS,
    csv::CARDS,
    list::CARDS,
    object::CARDS,
    json::CARDS,
    flow::CARDS,
    http::CARDS,
    okta::CARDS,
    github::CARDS,
    google_drive::CARDS,
    google_sheets::CARDS,
    google_workspace::CARDS,
    microsoft365::CARDS,
    slack::CARDS,
    table::CARDS,
];

/// Every built-in card with its documentation, family by family.
pub fn documented() -> impl Iterator<Item = &'static Builtin> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// Every built-in card.
pub static BUILTIN: LazyLock<Vec<&'static CardSpec>> =
    LazyLock::new(|| documented().map(|b| b.spec).collect());

/// Helper flows the cards' examples may call, as `(file name, YAML)`: `greet` returns
/// `{ greeting }` for a `name` and fails (`no name`) for an empty one; `tally` adds an `item` to
/// a `memo` of `{ total, count }` and fails (`negative`) for a negative item; `add-price`
/// returns `{ sum }`, its `sum` plus a `price` (a running value that is a number); `adult`
/// returns `{ adult }`, whether an `age` is 18 or more, and fails (`negative age`) for a
/// negative one.
pub const EXAMPLE_HELPERS: &[(&str, &str)] = &[
    (
        "greet.yaml",
        "flow: greet
trigger: { helper: { inputs: { name: text } } }
steps:
  - { id: check, card: flow.fail, if: \"{{ not inputs.name }}\", with: { message: no name } }
  - { id: done, card: flow.return, with: { outputs: { greeting: \"Hello {{ inputs.name }}\" } } }
",
    ),
    (
        "tally.yaml",
        "flow: tally
trigger: { helper: { inputs: { memo: object, item: number } } }
steps:
  - { id: check, card: flow.fail, if: \"{{ lt inputs.item 0 }}\", with: { message: negative } }
  - { id: sum, card: number.add, with: { a: \"{{ inputs.memo.total }}\", b: \"{{ inputs.item }}\" } }
  - { id: n, card: number.add, with: { a: \"{{ inputs.memo.count }}\", b: 1 } }
  - { id: done, card: flow.return, with: { outputs: { total: \"{{ sum }}\", count: \"{{ n }}\" } } }
",
    ),
    (
        "add-price.yaml",
        "flow: add-price
trigger: { helper: { inputs: { sum: number, price: number } } }
steps:
  - { id: next, card: number.add, with: { a: \"{{ inputs.sum }}\", b: \"{{ inputs.price }}\" } }
  - { id: done, card: flow.return, with: { outputs: { sum: \"{{ next }}\" } } }
",
    ),
    (
        "adult.yaml",
        "flow: adult
trigger: { helper: { inputs: { age: number } } }
steps:
  - { id: check, card: flow.fail, if: \"{{ lt inputs.age 0 }}\", with: { message: negative age } }
  - { id: done, card: flow.return, with: { outputs: { adult: \"{{ gte inputs.age 18 }}\" } } }
",
    ),
];

/// Every built-in connector.
pub static CONNECTORS: &[&ConnectorSpec] = &[
    &slack::connection::WEBHOOK_CONNECTOR,
    &http::connection::CONNECTOR,
    &crypto::key::CONNECTOR,
];

/// The registry of every built-in card and connector, the connector files' actions included.
pub fn registry() -> Registry {
    REGISTRY.clone()
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let mut r = Registry::new(&BUILTIN, CONNECTORS);
    connector::register_builtin(&mut r);
    r
});

pub use connector::registry_for;

/// A registry of these cards with every built-in connector (the connection kinds and the
/// connector files' actions), for tests that want fewer cards.
pub fn registry_of(cards: &[&'static CardSpec]) -> Registry {
    let mut r = Registry::new(cards, CONNECTORS);
    connector::register_builtin(&mut r);
    r
}
