//! Answering at acceptance: the endpoint flows whose `http.close` answer is known the moment
//! their event is accepted, so the caller is answered then, whether or not the run has started.
//!
//! The rule, decided once per plan when it is loaded ([`close_at_acceptance`]): the flow has an
//! `http.close` step (at most one, the compiler sees to it: E0213), and that step
//! - has no `if:` (it always runs),
//! - waits for no other step: no data, order, barrier or `after:` edge leads to it, so no step
//!   is written before it (Okta's order: an effect waits for every step above it) and it reads
//!   no step's output, and it runs in the run's first
//!   wave of steps, where nothing can end the run before it answers (a sibling that fails in
//!   that wave does not take back an answer already under way: the engine delivers it), and
//! - reads nothing but `trigger` in its `status`, `headers` and `body` (no step, no
//!   `execution`: the execution's start time is not known yet).
//!
//! Such a step's answer depends on the request alone, so it is computed at acceptance with the
//! same card ([`answer_now`]) and masked as the engine masks answers. When that evaluation fails
//! for an event (a `status` template that gives 302), the event is not answered at acceptance:
//! its caller waits for the run, which fails the same way and answers 500.

use flow_card::card::ResponseBody;
use flow_card::expr::slots;
use flow_card::{CardError, FlowCaller, FlowTarget, RunEnv, Signal, StepCx};
use flow_compile::{Plan, TriggerPlan};
use flow_runtime::{Engine, NoTransport, ResponseRecord};
use flow_template::{Scope, Slot};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a helper call returns.
type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Arc<Value>, CardError>> + Send + 'a>>;

/// The index of the `http.close` step whose answer is known at acceptance, when the plan has
/// one (the rule is in the module documentation).
pub fn close_at_acceptance(plan: &Plan) -> Option<usize> {
    if !matches!(plan.trigger, TriggerPlan::ApiEndpoint(_)) {
        return None;
    }
    let (index, step) = plan
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.spec.kind == CLOSE)?;
    if step.condition.is_some() || !plan.deps[index].is_empty() {
        return None;
    }
    let only_trigger = step
        .parts
        .exprs
        .iter()
        .all(|e| e.expr.slots().iter().all(|s| *s == slots::TRIGGER));
    only_trigger.then_some(index)
}

/// The card kind that answers the caller and lets the flow go on.
const CLOSE: &str = "http.close";

/// `trigger` and nothing else.
struct TriggerOnly<'a> {
    trigger: &'a Value,
    max_text: usize,
}

impl Scope for TriggerOnly<'_> {
    fn get(&self, slot: Slot) -> Option<&Value> {
        (slot == slots::TRIGGER).then_some(self.trigger)
    }

    fn max_text(&self) -> usize {
        self.max_text
    }
}

/// Helper calls are never made by an `http.close`.
struct NoCalls;

impl FlowCaller for NoCalls {
    fn call(&self, _: FlowTarget, _: Value, _: Option<usize>) -> CallFuture<'_> {
        Box::pin(std::future::ready(Err(CardError::input(
            "no helper flow can be called while an event is accepted",
        ))))
    }
}

/// The answer step `step` of `plan` gives for `trigger`, computed now (see the module
/// documentation); `None` when the card fails or does not answer.
pub async fn answer_now(
    engine: &Engine,
    plan: &Plan,
    step: usize,
    trigger: &Value,
) -> Option<ResponseRecord> {
    let planned = plan.steps.get(step)?;
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(NoTransport),
        connections: HashMap::new(),
        capture_inputs: false,
    };
    let scope = TriggerOnly {
        trigger,
        max_text: usize::try_from(engine.project().config.limits.max_value).unwrap_or(usize::MAX),
    };
    let cx = StepCx::new(&planned.parts, &scope, &env, &NoCalls, 1, planned.timeout);
    let outcome = tokio::time::timeout(planned.timeout, planned.card.run(&cx))
        .await
        .ok()?
        .ok()?;
    let Some(Signal::Respond(resp)) = outcome.signal else {
        return None;
    };
    let mut rec = ResponseRecord {
        status: resp.status,
        headers: resp.headers,
        body: match resp.body {
            ResponseBody::Empty => Value::Null,
            ResponseBody::Json(v) => v,
            ResponseBody::Text(t) => Value::String(t),
        },
        at_ms: 0.0,
    };
    let secrets = engine.secrets();
    if !secrets.is_empty() {
        for (k, v) in &mut rec.headers {
            secrets.mask_string(k);
            secrets.mask_string(v);
        }
        secrets.mask_value_in_place(&mut rec.body);
    }
    Some(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(steps: &str) -> Arc<Plan> {
        let flow = format!(
            "flow: f\ntrigger:\n  api_endpoint:\n    security: {{ public: true }}\nsteps:\n{steps}"
        );
        let project =
            flow_compile::compile_str(None, &[("f.yaml", &flow)], &flow_cards::registry())
                .unwrap_or_else(|e| panic!("{e}"));
        project.flows[0].clone()
    }

    #[test]
    fn the_rule_answers_only_closes_that_read_the_trigger_and_wait_for_nothing() {
        let early = [
            // The Oort shape: close first, reading the request.
            "  - { id: ack, card: http.close, with: { status: 202, body: { id: \"{{ trigger.json.id }}\" } } }\n  - { id: out, card: flow.return, with: { outputs: { a: 1 } } }\n",
        ];
        for steps in early {
            assert!(close_at_acceptance(&plan_of(steps)).is_some(), "{steps}");
        }
        let waits = [
            // Any step written above it, even a pure one it does not read: Okta's order makes an
            // answer wait for every step above it, and that step may fail the run first.
            "  - { id: p, card: json.parse, with: { text: \"{{ trigger.body }}\" } }\n  - { id: ack, card: http.close, with: { status: 200 } }\n",
            // Reads a step.
            "  - { id: p, card: json.parse, with: { text: \"{{ trigger.body }}\" } }\n  - { id: ack, card: http.close, with: { body: \"{{ p.a }}\" } }\n",
            // Reads the execution.
            "  - { id: ack, card: http.close, with: { body: \"{{ execution.id }}\" } }\n",
            // An effect written before it (effects keep their order).
            "  - { id: stop, card: flow.continue_if, with: { condition: \"{{ trigger.body }}\" } }\n  - { id: ack, card: http.close, with: { status: 200 } }\n",
            // May be skipped.
            "  - { id: ack, card: http.close, if: \"{{ trigger.body }}\", with: { status: 200 } }\n",
            // No close at all.
            "  - { id: out, card: flow.return, with: { outputs: { a: 1 } } }\n",
        ];
        for steps in waits {
            assert_eq!(close_at_acceptance(&plan_of(steps)), None, "{steps}");
        }
    }

    /// An engine for one endpoint flow with a client token, its secret resolved from `env`.
    fn engine_of(close: &str) -> Engine {
        let flow = format!(
            "flow: f\ntrigger:\n  api_endpoint:\n    security: {{ client_token: \"${{env:T}}\" }}\nsteps:\n  - {{ id: ack, card: http.close, with: {close} }}\n"
        );
        let project =
            flow_compile::compile_str(None, &[("f.yaml", &flow)], &flow_cards::registry())
                .unwrap_or_else(|e| panic!("{e}"));
        let env = RunEnv {
            dry_run: false,
            transport: Arc::new(NoTransport),
            connections: HashMap::new(),
            capture_inputs: false,
        };
        let secrets = |k: &str| (k == "T").then(|| "the-client-token-1234".to_string());
        Engine::new(Arc::new(project), Arc::new(env)).secrets_from(&secrets)
    }

    #[tokio::test]
    async fn the_answer_is_the_cards_masked_and_none_when_the_card_fails() {
        let engine = engine_of(
            "{ status: \"{{ trigger.json.s }}\", headers: { x-id: \"{{ trigger.json.id }}\" }, body: { echo: \"{{ trigger.body }}\" } }",
        );
        let plan = engine.project().flows[0].clone();
        let step = close_at_acceptance(&plan).unwrap();
        let body = r#"{"s": 202, "id": "e-1", "leak": "the-client-token-1234"}"#;
        let trigger = serde_json::json!({ "body": body, "json": serde_json::from_str::<Value>(body).unwrap() });
        let answer = answer_now(&engine, &plan, step, &trigger).await.unwrap();
        assert_eq!(answer.status, 202);
        assert_eq!(answer.headers, [("x-id".to_string(), "e-1".to_string())]);
        // The echoed secret is masked, as the engine masks every answer.
        let echoed = answer.body["echo"].as_str().unwrap();
        assert!(
            !echoed.contains("the-client-token-1234") && echoed.contains("***"),
            "{echoed}"
        );
        // A status the card refuses: no answer at acceptance (the caller waits for the run).
        let bad = serde_json::json!({ "body": "", "json": { "s": 302 } });
        assert_eq!(answer_now(&engine, &plan, step, &bad).await, None);
    }
}
