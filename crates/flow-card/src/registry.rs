//! The registry of card and connector kinds a compiler may use. An explicit list: tests can
//! build a smaller one.
//!
//! Besides static [`CardSpec`]s, a registry carries per-kind data for cards and connectors
//! defined as data (a connector file's actions): their `build`/`decode` functions are shared fn
//! pointers, and the data tells them which action or connector they are building
//! ([`crate::BuildCx::card_data`], [`Registry::decode_connection`]).

use crate::card::CardSpec;
use crate::connection::{ConnectionConfig, ConnectorSpec};
use flow_model::{ConnectionDoc, Diagnostics};
use schemars::{Schema, SchemaGenerator};
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

/// Data a data-defined card or connector kind carries to its shared build or decode function.
pub type KindData = Arc<dyn Any + Send + Sync>;

/// Decodes a data-defined connection: the connector's [`KindData`], the connection's document.
pub type DataDecode =
    fn(&KindData, &ConnectionDoc, &mut Diagnostics) -> Option<Arc<dyn ConnectionConfig>>;

/// What a data-defined card kind carries.
#[derive(Clone)]
struct CardExtra {
    data: KindData,
    /// The JSON Schema of its `with:` (a spec's `schema` fn pointer cannot hold data).
    schema: Arc<serde_json::Value>,
}

/// Card and connector kinds by name.
#[derive(Clone, Default)]
pub struct Registry {
    cards: Vec<&'static CardSpec>,
    connectors: Vec<&'static ConnectorSpec>,
    card_extra: HashMap<&'static str, CardExtra>,
    connector_extra: HashMap<&'static str, (KindData, DataDecode)>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("cards", &self.cards.len())
            .field("connectors", &self.connectors)
            .finish()
    }
}

impl Registry {
    /// A registry of these cards and connectors.
    pub fn new(cards: &[&'static CardSpec], connectors: &[&'static ConnectorSpec]) -> Self {
        let mut cards = cards.to_vec();
        cards.sort_by_key(|c| c.kind);
        Registry {
            cards,
            connectors: connectors.to_vec(),
            ..Registry::default()
        }
    }

    /// Adds a data-defined card: `data` reaches its build function through
    /// [`crate::BuildCx::card_data`]; `schema` is the JSON Schema of its `with:`. A card of the
    /// same kind already registered is replaced.
    pub fn add_data_card(
        &mut self,
        spec: &'static CardSpec,
        data: KindData,
        schema: serde_json::Value,
    ) {
        match self.cards.binary_search_by_key(&spec.kind, |c| c.kind) {
            Ok(i) => self.cards[i] = spec,
            Err(i) => self.cards.insert(i, spec),
        }
        self.card_extra.insert(
            spec.kind,
            CardExtra {
                data,
                schema: Arc::new(schema),
            },
        );
    }

    /// Adds a data-defined connector kind, decoded by `decode` with `data`. A connector of the
    /// same kind already registered is replaced.
    pub fn add_data_connector(
        &mut self,
        spec: &'static ConnectorSpec,
        data: KindData,
        decode: DataDecode,
    ) {
        self.connectors.retain(|c| c.kind != spec.kind);
        self.connectors.push(spec);
        self.connector_extra.insert(spec.kind, (data, decode));
    }

    /// The card of a kind.
    pub fn card(&self, kind: &str) -> Option<&'static CardSpec> {
        self.cards
            .binary_search_by_key(&kind, |c| c.kind)
            .ok()
            .map(|i| self.cards[i])
    }

    /// The data of a data-defined card kind.
    pub fn card_data(&self, kind: &str) -> Option<&KindData> {
        self.card_extra.get(kind).map(|e| &e.data)
    }

    /// The JSON Schema of a card's `with:`: the data-defined one, else the spec's.
    pub fn card_schema(&self, spec: &CardSpec, generator: &mut SchemaGenerator) -> Schema {
        match self.card_extra.get(spec.kind) {
            Some(e) => {
                Schema::try_from((*e.schema).clone()).unwrap_or_else(|_| (spec.schema)(generator))
            }
            None => (spec.schema)(generator),
        }
    }

    /// Every card, sorted by kind.
    pub fn cards(&self) -> &[&'static CardSpec] {
        &self.cards
    }

    /// The connector of a kind.
    pub fn connector(&self, kind: &str) -> Option<&'static ConnectorSpec> {
        self.connectors.iter().copied().find(|c| c.kind == kind)
    }

    /// Decodes a connection of connector `spec`: through its data when it is data-defined,
    /// else through the spec's `decode`.
    pub fn decode_connection(
        &self,
        spec: &ConnectorSpec,
        doc: &ConnectionDoc,
        diags: &mut Diagnostics,
    ) -> Option<Arc<dyn ConnectionConfig>> {
        match self.connector_extra.get(spec.kind) {
            Some((data, decode)) => decode(data, doc, diags),
            None => (spec.decode)(doc, diags),
        }
    }

    /// Every connector.
    pub fn connectors(&self) -> &[&'static ConnectorSpec] {
        &self.connectors
    }
}
