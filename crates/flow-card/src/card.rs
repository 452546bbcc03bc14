//! The [`Card`] trait, the static [`CardSpec`] that registers a card, and the compile-time
//! [`Checker`] a card uses for checks that need the whole project.

use crate::build::BuildCx;
use crate::context::StepCx;
use crate::error::CardError;
use crate::expr::{ExprId, FlowRef};
use flow_model::{Code, Type};
use futures_util::future::BoxFuture;
use indexmap::IndexMap;
use schemars::{Schema, SchemaGenerator};
use serde_json::Value;
use std::time::Duration;

/// What running a card does to the world; decides ordering (SPEC 3.3) and dry-run behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Computes a value from its inputs; runs as soon as its data is ready.
    Pure,
    /// Reads from an outside service.
    Reads,
    /// Changes something outside.
    Writes,
    /// Runs other flows.
    Calls,
    /// Answers the caller or ends the flow.
    Responds,
}

impl Effect {
    /// True for everything but [`Effect::Pure`]: such steps keep their written order.
    pub fn is_effect(self) -> bool {
        self != Effect::Pure
    }

    /// The word used in docs and `flowctl cards`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Pure => "pure",
            Effect::Reads => "reads",
            Effect::Writes => "writes",
            Effect::Calls => "calls",
            Effect::Responds => "responds",
        }
    }
}

/// The future a card's `run` returns.
pub type CardFuture<'a> = BoxFuture<'a, Result<Outcome, CardError>>;

/// A configured card in a compiled flow.
pub trait Card: Send + Sync + 'static {
    /// Checks what needs the project (helper flows, item types) and returns the output type.
    fn check(&self, cx: &mut dyn Checker) -> Type;

    /// Runs one attempt.
    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a>;

    /// The timeout of one attempt and the attempts of this configured card's step when the step
    /// does not set them, if they differ from its kind's ([`CardSpec::default_timeout`],
    /// [`CardSpec::default_attempts`]): a connector action with `stream:` runs helper flows, so
    /// it takes `list.for_each`'s.
    fn defaults(&self) -> Option<(Duration, u32)> {
        None
    }
}

/// What a step produced, and whether it changes the course of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The step's output, read by later steps.
    pub output: Value,
    /// A change of course.
    pub signal: Option<Signal>,
}

impl Outcome {
    /// A plain output.
    pub fn value(output: Value) -> Self {
        Outcome {
            output,
            signal: None,
        }
    }
}

/// How a card changes the course of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// Send this HTTP answer to the caller now; the run goes on (`http.close`).
    Respond(Response),
    /// End the run successfully with the step's output as the flow's output (`flow.return`).
    Return,
    /// End the run as failed (`flow.fail`).
    Fail {
        /// The HTTP status an endpoint caller gets.
        status: u16,
        /// Why.
        message: String,
    },
    /// End the run early as `stopped` (`flow.continue_if` with a false condition).
    Stop {
        /// Why, when given.
        message: Option<String>,
    },
}

/// An HTTP answer for the caller of an endpoint flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Extra headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ResponseBody,
}

/// The body of a [`Response`].
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    /// No body.
    Empty,
    /// Sent as `application/json`.
    Json(Value),
    /// Sent as `text/plain`.
    Text(String),
}

/// Registers a card kind: everything `flowctl cards`, the schema and the compiler need.
pub struct CardSpec {
    /// The kind, `group.name`.
    pub kind: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// What running it does to the world.
    pub effect: Effect,
    /// The output's shape, for docs.
    pub output: &'static str,
    /// How long one attempt may take unless the step sets `timeout`.
    pub default_timeout: Duration,
    /// Attempts unless the step sets `retry` (1 = no retry).
    pub default_attempts: u32,
    /// Only valid in flows with this trigger (`api_endpoint` for `http.close`).
    pub trigger: Option<&'static str>,
    /// The JSON Schema of `with:`.
    pub schema: fn(&mut SchemaGenerator) -> Schema,
    /// Decodes `with:` into the card.
    pub build: fn(&mut BuildCx<'_>) -> Option<Box<dyn Card>>,
}

impl std::fmt::Debug for CardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardSpec({})", self.kind)
    }
}

/// The JSON Schema function for a config type, for [`CardSpec::schema`].
pub fn schema_of<C: schemars::JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    C::json_schema(g)
}

/// A helper flow's signature.
#[derive(Debug, Clone, PartialEq)]
pub struct HelperSig {
    /// The flow's name.
    pub name: String,
    /// Declared inputs.
    pub inputs: IndexMap<String, Type>,
    /// What it returns (`flow.return` outputs); `any` when unknown.
    pub output: Type,
}

/// Compile-time services the compiler offers a card's [`Card::check`].
pub trait Checker {
    /// Checks a step-scope expression and returns its type.
    fn expr_type(&mut self, id: ExprId) -> Type;
    /// Checks an expression with `item` (of this type) and `index` in scope.
    fn item_expr_type(&mut self, id: ExprId, item: Type) -> Type;
    /// The signature of a referenced helper flow (`None` when it does not exist; already reported).
    fn helper(&mut self, flow: FlowRef) -> Option<HelperSig>;
    /// Checks that an `inputs` mapping gives exactly the inputs the helper declares.
    fn check_helper_inputs(&mut self, flow: FlowRef, inputs: ExprId, item: Type);
    /// Reports a problem at an expression (or at the step when `None`).
    fn report(&mut self, at: Option<ExprId>, code: Code, message: String, help: Option<String>);
    /// The constant value of an expression, when it has no template.
    fn constant(&self, id: ExprId) -> Option<Value>;
    /// A table the project declares (`tables:` in `flowctl.yaml`).
    fn table(&self, _name: &str) -> Option<flow_model::tables::TableDef> {
        None
    }
}
