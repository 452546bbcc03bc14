//! The seam between the engine and the cards. Small and stable on purpose.
//!
//! A card is one type implementing [`Card`], built from its `with:` block by a [`CardSpec`]'s
//! `build` function. Its config is a serde struct whose template-bearing fields are
//! [`Expr`]s: they are compiled and registered while the config decodes ([`BuildCx`]), checked
//! by the compiler ([`Checker`]), and evaluated at run time through the [`StepCx`]. Cards that
//! talk HTTP build an [`HttpRequest`] and hand it to [`StepCx::send`], which records it (with
//! secrets masked), and in a dry run answers with the card's rehearsal instead of sending.
//! Beside its spec, a card's [`CardDoc`] holds its description and examples, from which the
//! docs are generated and which run as tests.
//!
//! This crate knows nothing of the graph, the scheduler or any particular card.

pub mod answers;
pub mod build;
pub mod card;
pub mod connection;
pub mod context;
pub mod doc;
pub mod error;
pub mod expr;
pub mod http;
pub mod limits;
pub mod registry;
pub mod secrets;

pub use answers::{CannedAnswer, CannedAnswers, CannedTransport};
pub use build::{BuildCx, CompiledExpr, ConnRefInfo, FlowRefInfo, StepParts};
pub use card::{Card, CardFuture, CardSpec, Checker, Effect, HelperSig, Outcome, Signal};
pub use connection::{ConnectionConfig, ConnectorSpec, LiveConnection};
pub use context::{
    ANSWERS_CONNECTION, FlowCaller, FlowTarget, RunEnv, StepCx, StepLog, TABLES_CONNECTION,
};
pub use doc::{CardDoc, Example, Expect};
pub use error::{CardError, ErrorKind};
pub use expr::{ConnRef, Expr, FlowRef, JsonPathField, kinds};
pub use http::{HttpExchange, HttpRequest, HttpResponse, Transport, TransportError};
pub use registry::{DataDecode, KindData, Registry};
pub use secrets::Secrets;
