//! The registry of card and connector kinds a compiler may use. An explicit list: tests can
//! build a smaller one.

use crate::card::CardSpec;
use crate::connection::ConnectorSpec;

/// Card and connector kinds by name.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    cards: Vec<&'static CardSpec>,
    connectors: Vec<&'static ConnectorSpec>,
}

impl Registry {
    /// A registry of these cards and connectors.
    pub fn new(cards: &[&'static CardSpec], connectors: &[&'static ConnectorSpec]) -> Self {
        let mut cards = cards.to_vec();
        cards.sort_by_key(|c| c.kind);
        Registry {
            cards,
            connectors: connectors.to_vec(),
        }
    }

    /// The card of a kind.
    pub fn card(&self, kind: &str) -> Option<&'static CardSpec> {
        self.cards
            .binary_search_by_key(&kind, |c| c.kind)
            .ok()
            .map(|i| self.cards[i])
    }

    /// Every card, sorted by kind.
    pub fn cards(&self) -> &[&'static CardSpec] {
        &self.cards
    }

    /// The connector of a kind.
    pub fn connector(&self, kind: &str) -> Option<&'static ConnectorSpec> {
        self.connectors.iter().copied().find(|c| c.kind == kind)
    }

    /// Every connector.
    pub fn connectors(&self) -> &[&'static ConnectorSpec] {
        &self.connectors
    }
}
