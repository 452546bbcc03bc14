//! The compiled form of a project: [`Project`] holds one immutable [`Plan`] per flow.

use crate::block::{BlockPlan, BlockStep, Gate};
use flow_card::{Card, CardSpec, ConnectionConfig, StepParts};
use flow_model::config::Secret;
use flow_model::flow::{HistoryDoc, HmacDoc, OnError, RateLimitDoc};
use flow_model::{ProjectConfig, SourceId, Sources, Span, Type};
use flow_template::ValueExpr;
use indexmap::IndexMap;
use petgraph::graph::DiGraph;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Every flow of a project, compiled, with the connections they use.
pub struct Project {
    /// Plans, numbered as [`flow_card::FlowTarget`]s.
    pub flows: Vec<Arc<Plan>>,
    /// Flow name to plan number.
    pub by_name: HashMap<String, usize>,
    /// Decoded connections by name.
    pub connections: IndexMap<String, Arc<dyn ConnectionConfig>>,
    /// The settings.
    pub config: ProjectConfig,
    /// The loaded files.
    pub sources: Sources,
}

impl Project {
    /// The plan of a flow by name.
    pub fn flow(&self, name: &str) -> Option<&Arc<Plan>> {
        self.by_name.get(name).and_then(|i| self.flows.get(*i))
    }

    /// The names of the connections that `flow` and the helpers it calls use.
    pub fn connections_used_by(&self, flow: usize) -> Vec<String> {
        let mut seen = vec![false; self.flows.len()];
        let mut stack = vec![flow];
        let mut names = Vec::new();
        while let Some(f) = stack.pop() {
            if std::mem::replace(&mut seen[f], true) {
                continue;
            }
            for step in &self.flows[f].steps {
                for c in &step.parts.conns {
                    if !names.contains(&c.name) {
                        names.push(c.name.clone());
                    }
                }
                stack.extend(
                    step.parts
                        .flows
                        .iter()
                        .filter_map(|r| r.target.map(|t| t as usize)),
                );
            }
        }
        names
    }
}

/// One compiled flow.
pub struct Plan {
    /// Its number.
    pub index: u32,
    /// `flow:`.
    pub name: Arc<str>,
    /// `description:`.
    pub description: Option<String>,
    /// The file.
    pub source: SourceId,
    /// The trigger.
    pub trigger: TriggerPlan,
    /// Steps in file order.
    pub steps: Vec<PlannedStep>,
    /// The step graph: node weights are step numbers.
    pub graph: DiGraph<usize, EdgeKind>,
    /// Steps in the order the [`crate::Schedule`] runs them when each finishes before the next
    /// starts (file order among steps that are ready together).
    pub order: Vec<usize>,
    /// For each step, the steps it waits for.
    pub deps: Vec<Vec<usize>>,
    /// For each step, the steps that wait for it.
    pub dependents: Vec<Vec<usize>>,
    /// What the flow returns (`flow.return` outputs).
    pub output_type: Type,
    /// The blocks (`branch:`, `try:`), outer before inner; their steps are in `steps`.
    pub blocks: Vec<BlockPlan>,
    /// `history:` settings.
    pub history: HistoryDoc,
    /// The whole file.
    pub span: Span,
}

/// Why one step waits for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// It reads the other's output.
    Data,
    /// It has effects and the other is written above it: an effect waits for every step above
    /// it (only the edges that are not implied by others are kept).
    Order,
    /// The other (`flow.continue_if`, `flow.return`, `flow.fail`) may end the run, and it is
    /// written below it.
    Barrier,
    /// `after:` says so.
    After,
    /// A block says so: a step inside an arm waits for the arm's guard, a catch guard for the
    /// try arm, a join for its whole block.
    Block,
}

impl EdgeKind {
    /// A word for graph output.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Data => "data",
            EdgeKind::Order => "order",
            EdgeKind::Barrier => "barrier",
            EdgeKind::After => "after",
            EdgeKind::Block => "block",
        }
    }
}

/// A compiled trigger.
pub enum TriggerPlan {
    /// An HTTP endpoint.
    ApiEndpoint(Box<EndpointPlan>),
    /// A helper flow with typed inputs.
    Helper {
        /// Declared inputs.
        inputs: IndexMap<String, Type>,
    },
    /// Okta event hook deliveries, one run per listed event.
    OktaEventHook(Box<crate::triggers::EventHookPlan>),
    /// A cron schedule, fired by `flowctl serve`.
    Schedule(Box<flow_model::schedule::Schedule>),
}

/// A compiled `api_endpoint` trigger.
pub struct EndpointPlan {
    /// The URL name: `alias`, or the flow name.
    pub path_name: String,
    /// `security: client_token`.
    pub client_token: Option<Secret>,
    /// `security: public`.
    pub public: bool,
    /// `security: hmac`.
    pub hmac: Option<HmacDoc>,
    /// `accept: json`.
    pub accept_json: bool,
    /// `dedupe:` key template (checked against `trigger`) and window.
    pub dedupe: Option<(ValueExpr, Duration)>,
    /// `rate_limit:`.
    pub rate_limit: Option<RateLimitDoc>,
    /// `sync_timeout:` when set.
    pub sync_timeout: Option<Duration>,
}

/// How a step retries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts.
    pub attempts: u32,
    /// First wait.
    pub backoff: Duration,
    /// Longest wait.
    pub max_backoff: Duration,
}

/// One compiled step.
pub struct PlannedStep {
    /// `id:`.
    pub id: Arc<str>,
    /// The card kind (shared by every record of this step).
    pub kind: Arc<str>,
    /// Position in the file.
    pub index: usize,
    /// The card kind.
    pub spec: &'static CardSpec,
    /// The configured card.
    pub card: Box<dyn Card>,
    /// Its compiled expressions and references.
    pub parts: StepParts,
    /// `if:`.
    pub condition: Option<ValueExpr>,
    /// `retry:` or the card's default.
    pub retry: RetryPolicy,
    /// `timeout:` or the card's default.
    pub timeout: Duration,
    /// `on_error:`.
    pub on_error: OnError,
    /// The output type.
    pub output_type: Type,
    /// `description:`.
    pub description: Option<String>,
    /// The whole step.
    pub span: Span,
    /// For a step a block generates (guard, catch guard, join): what it computes.
    pub block: Option<BlockStep>,
    /// For a step inside an arm of a block: the guard that decides whether it runs.
    pub gate: Option<Gate>,
    /// For a step inside a `try:` arm: the block whose `catch:` takes its failure.
    pub catcher: Option<u32>,
}
