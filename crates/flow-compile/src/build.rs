//! The compile pipeline: connections, flow names, card configs, helper references and
//! recursion, types (helpers before their callers), step graphs, then the [`Project`].

use crate::calls;
use crate::check::StepChecker;
use crate::graph::{self, StepNode};
use crate::plan::{EndpointPlan, Plan, PlannedStep, Project, RetryPolicy, TriggerPlan};
use crate::scope::{RESERVED_STEP_IDS, StepScope, TriggerScope};
use flow_card::{BuildCx, Card, CardSpec, HelperSig, Registry, StepParts};
use flow_model::flow::{FlowDoc, OnError, TriggerDoc};
use flow_model::{
    Code, Diagnostic, Diagnostics, Node, NodeKind, ProjectConfig, Sources, Span, Type, suggest,
};
use flow_template::{Escape, ValueExpr};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The card kind that ends a flow with outputs; its output type is the flow's.
const RETURN_CARD: &str = "flow.return";
/// The card kind that answers an endpoint's caller; at most one per flow.
const CLOSE_CARD: &str = "http.close";

/// What type checking found for a flow.
struct Typed {
    /// Each step's output type.
    types: Vec<Type>,
    /// Each step's data dependencies.
    deps: Vec<Vec<usize>>,
    /// The flow's output type.
    output: Type,
}

struct DraftStep {
    id: String,
    spec: Option<&'static CardSpec>,
    card: Option<Box<dyn Card>>,
    parts: StepParts,
    condition: Option<ValueExpr>,
}

/// Compiles every flow of a project. Returns the project, or the sources when there are
/// errors, and every diagnostic (warnings included) either way.
pub fn compile(
    sources: Sources,
    config: ProjectConfig,
    docs: Vec<FlowDoc>,
    registry: &Registry,
) -> (Result<Project, Sources>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let text = |d: &FlowDoc| sources.get(d.source).map_or("", |f| f.text.as_str());

    // Connections.
    let mut connections = IndexMap::new();
    for (name, doc) in &config.connections {
        match registry.connector(&doc.kind.value) {
            Some(spec) => {
                if let Some(c) = (spec.decode)(doc, &mut diags) {
                    connections.insert(name.clone(), c);
                }
            }
            None => diags.push(
                Diagnostic::error(
                    Code::Config,
                    Some(doc.kind.span),
                    format!("unknown connection kind `{}`", doc.kind.value),
                )
                .with_help_opt(
                    suggest::hint(
                        &doc.kind.value,
                        registry.connectors().iter().map(|c| c.kind),
                    )
                    .or_else(|| {
                        Some(format!(
                            "kinds: {}",
                            registry
                                .connectors()
                                .iter()
                                .map(|c| c.kind)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    }),
                ),
            ),
        }
    }

    // Flow names and endpoint paths.
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut paths: HashMap<String, usize> = HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        if let Some(&prev) = by_name.get(&doc.name.value) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateFlow,
                    Some(doc.name.span),
                    format!("flow `{}` is defined twice", doc.name.value),
                )
                .with_help(format!(
                    "it is also defined at {}",
                    sources.locate(docs[prev].name.span)
                )),
            );
            continue;
        }
        by_name.insert(doc.name.value.clone(), i);
        let served = match &doc.trigger {
            TriggerDoc::ApiEndpoint(ep) => Some(
                ep.alias
                    .as_ref()
                    .map_or((doc.name.value.clone(), doc.name.span), |a| {
                        (a.value.clone(), a.span)
                    }),
            ),
            TriggerDoc::OktaEventHook(_) => Some((doc.name.value.clone(), doc.name.span)),
            TriggerDoc::Helper(_) | TriggerDoc::Schedule(_) => None,
        };
        if let Some((path, span)) = served {
            if let Some(&prev) = paths.get(&path) {
                diags.push(Diagnostic::error(
                    Code::DuplicateFlow,
                    Some(span),
                    format!(
                        "endpoint `/api/flo/{path}/invoke` is also served by flow `{}`",
                        docs[prev].name.value
                    ),
                ));
            } else {
                paths.insert(path, i);
            }
        }
    }

    // Cards.
    let mut drafts: Vec<Vec<DraftStep>> = Vec::with_capacity(docs.len());
    for doc in &docs {
        drafts.push(build_steps(doc, text(doc), registry, &mut diags));
    }

    // Connection references.
    for steps in &drafts {
        for step in steps {
            for c in &step.parts.conns {
                match config.connections.get(&c.name) {
                    None => {
                        let where_ = if config.source.is_some() {
                            "flowctl.yaml"
                        } else {
                            "flowctl.yaml (there is none here)"
                        };
                        diags.push(
                            Diagnostic::error(
                                Code::UnknownConnection,
                                Some(c.span),
                                format!("connection `{}` is not defined in {where_}", c.name),
                            )
                            .with_help_opt(
                                suggest::hint(&c.name, config.connections.keys()).or_else(|| {
                                    Some(format!(
                                        "add it under `connections:` with `kind: {}`",
                                        c.kind
                                    ))
                                }),
                            ),
                        );
                    }
                    Some(conn) if conn.kind.value != c.kind => diags.push(
                        Diagnostic::error(
                            Code::WrongConnectionKind,
                            Some(c.span),
                            format!(
                                "connection `{}` is of kind `{}`, but step `{}` needs kind `{}`",
                                c.name, conn.kind.value, step.id, c.kind
                            ),
                        )
                        .with_help_opt(
                            config
                                .connections
                                .iter()
                                .find(|(_, d)| d.kind.value == c.kind)
                                .map(|(n, _)| format!("connection `{n}` is of kind `{}`", c.kind)),
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    // Helper references and the call graph.
    let mut call_sites: Vec<Vec<(usize, Span)>> = vec![Vec::new(); docs.len()];
    for (f, steps) in drafts.iter_mut().enumerate() {
        for step in steps.iter_mut() {
            for r in &mut step.parts.flows {
                match by_name.get(&r.name) {
                    Some(&t) => {
                        if !matches!(docs[t].trigger, TriggerDoc::Helper(_)) {
                            diags.push(
                                Diagnostic::error(
                                    Code::NotAHelper,
                                    Some(r.span),
                                    format!("flow `{}` is not a helper flow", r.name),
                                )
                                .with_help("only flows with `trigger: helper:` can be called"),
                            );
                        } else {
                            r.target = Some(t as u32);
                            call_sites[f].push((t, r.span));
                        }
                    }
                    None => diags.push(
                        Diagnostic::error(
                            Code::UnknownFlow,
                            Some(r.span),
                            format!("unknown flow `{}`", r.name),
                        )
                        .with_help_opt(suggest::hint(
                            &r.name,
                            docs.iter()
                                .filter(|d| matches!(d.trigger, TriggerDoc::Helper(_)))
                                .map(|d| d.name.value.as_str()),
                        )),
                    ),
                }
            }
        }
    }
    let calls_of: Vec<Vec<usize>> = call_sites
        .iter()
        .map(|c| c.iter().map(|(t, _)| *t).collect())
        .collect();
    let analysis = calls::analyse(&calls_of);
    let mut in_cycle = vec![false; docs.len()];
    for cycle in &analysis.cycles {
        for &f in cycle {
            in_cycle[f] = true;
        }
        let first = cycle[0];
        let next = *cycle.get(1).unwrap_or(&first);
        let at = call_sites[first]
            .iter()
            .find(|(t, _)| *t == next)
            .map(|(_, s)| *s);
        let names: Vec<&str> = cycle.iter().map(|&f| docs[f].name.value.as_str()).collect();
        diags.push(
            Diagnostic::error(
                Code::RecursiveCall,
                at,
                format!(
                    "helper flows call themselves: {} → {}",
                    names.join(" → "),
                    names[0]
                ),
            )
            .with_help("flows may not call themselves, directly or through other flows"),
        );
    }

    // Types, helpers first.
    let mut sigs: Vec<Option<HelperSig>> = vec![None; docs.len()];
    let mut typed: Vec<Option<Typed>> = (0..docs.len()).map(|_| None).collect();
    for &f in &analysis.order {
        let doc = &docs[f];
        let (types, deps, output) = check_flow(doc, &mut drafts[f], text(doc), &sigs, &mut diags);
        if let TriggerDoc::Helper(h) = &doc.trigger
            && !in_cycle[f]
        {
            sigs[f] = Some(HelperSig {
                name: doc.name.value.clone(),
                inputs: h
                    .inputs
                    .iter()
                    .map(|(k, (t, _))| (k.clone(), t.clone()))
                    .collect(),
                output: output.clone(),
            });
        }
        typed[f] = Some(Typed {
            types,
            deps,
            output,
        });
    }

    // Graphs and plans.
    let mut plans = Vec::with_capacity(docs.len());
    for (f, (doc, steps)) in docs.iter().zip(drafts).enumerate() {
        let Some(Typed {
            types,
            deps,
            output,
        }) = typed[f].take()
        else {
            continue;
        };
        let nodes: Vec<StepNode> = steps
            .iter()
            .zip(&doc.steps)
            .zip(&deps)
            .map(|((s, d), data)| StepNode {
                id: s.id.clone(),
                effect: s.spec.is_some_and(|sp| sp.effect.is_effect()),
                data: data.clone(),
                after: d.after.as_ref().map(|a| {
                    (
                        a.value.iter().map(|x| (x.value.clone(), x.span)).collect(),
                        a.span,
                    )
                }),
            })
            .collect();
        let built = graph::build(&nodes, &doc.name.value, &mut diags);
        warn_unused(doc, &steps, &built.dependents, &mut diags);
        let trigger = compile_trigger(doc, text(doc), &mut diags);
        let mut planned = Vec::with_capacity(steps.len());
        for (i, ((s, d), ty)) in steps.into_iter().zip(&doc.steps).zip(types).enumerate() {
            let (Some(spec), Some(card)) = (s.spec, s.card) else {
                continue;
            };
            planned.push(PlannedStep {
                id: Arc::from(s.id.as_str()),
                kind: Arc::from(spec.kind),
                index: i,
                spec,
                card,
                parts: s.parts,
                condition: s.condition,
                retry: d.retry.as_ref().map_or(
                    RetryPolicy {
                        attempts: spec.default_attempts,
                        backoff: Duration::from_secs(1),
                        max_backoff: Duration::from_secs(30),
                    },
                    |r| RetryPolicy {
                        attempts: r.value.attempts,
                        backoff: r.value.backoff,
                        max_backoff: r.value.max_backoff,
                    },
                ),
                timeout: d.timeout.as_ref().map_or(spec.default_timeout, |t| t.value),
                on_error: d.on_error,
                output_type: ty,
                description: d.description.clone(),
                span: d.span,
            });
        }
        plans.push(Plan {
            index: f as u32,
            name: Arc::from(doc.name.value.as_str()),
            description: doc.description.clone(),
            source: doc.source,
            trigger,
            steps: planned,
            graph: built.graph,
            order: built.order,
            deps: built.deps,
            dependents: built.dependents,
            output_type: output,
            history: doc.history.clone(),
            span: doc.span,
        });
    }

    diags.sort();
    if diags.has_errors() {
        return (Err(sources), diags);
    }
    let project = Project {
        flows: plans.into_iter().map(Arc::new).collect(),
        by_name,
        connections,
        config,
        sources,
    };
    (Ok(project), diags)
}

fn build_steps(
    doc: &FlowDoc,
    source: &str,
    registry: &Registry,
    diags: &mut Diagnostics,
) -> Vec<DraftStep> {
    let mut out: Vec<DraftStep> = Vec::with_capacity(doc.steps.len());
    let mut closes = 0;
    for step in &doc.steps {
        let id = step.id.value.clone();
        if let Some(prev) = doc.steps.iter().take(out.len()).find(|s| s.id.value == id) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateStep,
                    Some(step.id.span),
                    format!("step id `{id}` is used twice"),
                )
                .with_help(format!(
                    "the first is at line {}",
                    line_of(source, prev.id.span)
                )),
            );
        }
        if let Some((_, meaning)) = RESERVED_STEP_IDS.iter().find(|(name, _)| *name == id) {
            diags.push(
                Diagnostic::error(
                    Code::ReservedStepId,
                    Some(step.id.span),
                    format!(
                        "step id `{id}` is reserved: templates read `{id}` as {meaning}, so this step's output could not be read"
                    ),
                )
                .with_help(format!(
                    "rename the step, e.g. `{id}_step`; reserved ids: {}",
                    RESERVED_STEP_IDS
                        .iter()
                        .map(|(name, _)| *name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
        let spec = registry.card(&step.card.value);
        if spec.is_none() {
            let kinds = registry.cards().iter().map(|c| c.kind);
            diags.push(
                Diagnostic::error(
                    Code::UnknownCard,
                    Some(step.card.span),
                    format!("unknown card `{}`", step.card.value),
                )
                .with_help_opt(
                    suggest::hint(&step.card.value, kinds)
                        .or_else(|| Some("`flowctl cards` lists every card".into())),
                ),
            );
        }
        if let Some(spec) = spec {
            if let Some(required) = spec.trigger
                && required != doc.trigger.kind()
            {
                diags.push(Diagnostic::error(
                    Code::WrongTrigger,
                    Some(step.card.span),
                    format!(
                        "`{}` only works in flows with an `{required}` trigger",
                        spec.kind
                    ),
                ));
            }
            if spec.kind == CLOSE_CARD {
                closes += 1;
                if closes > 1 {
                    diags.push(
                        Diagnostic::error(
                            Code::TooManyResponses,
                            Some(step.card.span),
                            "a flow can close its HTTP request only once",
                        )
                        .with_help("keep one `http.close` step"),
                    );
                }
            }
        }
        let null = Node {
            span: step.span,
            kind: NodeKind::Null,
        };
        let with = step.with.as_ref().unwrap_or(&null);
        let (card, parts) = match spec {
            Some(spec) => {
                let mut cx = BuildCx::new(with, source, &id, spec.kind);
                let card = (spec.build)(&mut cx);
                let (parts, d) = cx.finish();
                diags.extend(d);
                (card, parts)
            }
            None => (None, StepParts::default()),
        };
        let condition = step.condition.as_ref().and_then(|c| {
            match ValueExpr::compile(c, source, Escape::None) {
                Ok(e) => Some(e),
                Err(errors) => {
                    for e in errors {
                        diags.push(
                            Diagnostic::error(e.error.code(), Some(e.span), e.error.message)
                                .with_help_opt(e.error.help),
                        );
                    }
                    None
                }
            }
        });
        out.push(DraftStep {
            id,
            spec,
            card,
            parts,
            condition,
        });
    }
    out
}

fn line_of(source: &str, span: Span) -> usize {
    source
        .get(..span.start as usize)
        .map_or(0, |s| s.matches('\n').count())
        + 1
}

/// Checks a flow's steps in order; returns each step's output type, each step's data
/// dependencies, and the flow's output type.
fn check_flow(
    doc: &FlowDoc,
    steps: &mut [DraftStep],
    source: &str,
    sigs: &[Option<HelperSig>],
    diags: &mut Diagnostics,
) -> (Vec<Type>, Vec<Vec<usize>>, Type) {
    let trigger = match &doc.trigger {
        TriggerDoc::ApiEndpoint(_) => TriggerScope::Endpoint,
        TriggerDoc::OktaEventHook(_) => TriggerScope::Event,
        TriggerDoc::Schedule(_) => TriggerScope::Schedule,
        TriggerDoc::Helper(h) => TriggerScope::Helper(Type::object(
            h.inputs.iter().map(|(k, (t, _))| (k.clone(), t.clone())),
        )),
    };
    let mut table: Vec<(String, Type)> = steps.iter().map(|s| (s.id.clone(), Type::Any)).collect();
    let mut deps = Vec::with_capacity(steps.len());
    let mut returns: Vec<Type> = Vec::new();
    for (k, step) in steps.iter_mut().enumerate() {
        let mut cond_deps = Vec::new();
        if let Some(cond) = &mut step.condition {
            let scope = StepScope {
                trigger: &trigger,
                steps: &table,
                current: k,
                item: None,
                trigger_only: false,
            };
            if let Err(errors) = cond.check(&scope, source) {
                for e in errors {
                    diags.push(
                        Diagnostic::error(e.error.code(), Some(e.span), e.error.message)
                            .with_help_opt(e.error.help),
                    );
                }
            }
            cond_deps = cond
                .slots()
                .into_iter()
                .filter_map(flow_card::expr::slots::step_index)
                .collect();
        }
        let kind = step.spec.map_or("?", |s| s.kind);
        let label = format!("step `{}` ({kind})", step.id);
        let mut checker = StepChecker::new(
            &mut step.parts,
            &trigger,
            &table,
            k,
            source,
            sigs,
            diags,
            doc.steps[k].span,
            label,
        );
        let mut out = match &step.card {
            Some(card) => card.check(&mut checker),
            None => Type::Any,
        };
        let mut d = checker.finish();
        d.extend(cond_deps);
        d.sort_unstable();
        d.dedup();
        deps.push(d);
        if doc.steps[k].on_error == OnError::Continue {
            out = match out {
                Type::Object(Some(obj)) => {
                    let mut fields = obj.fields.clone();
                    fields.insert("error".into(), Type::Object(None));
                    Type::open_object(fields)
                }
                Type::Null => Type::open_object([("error", Type::Object(None))]),
                _ => Type::Any,
            };
        }
        if kind == RETURN_CARD {
            returns.push(out.clone());
        }
        table[k].1 = out;
    }
    let output = match returns.as_slice() {
        [] => Type::Null,
        [one] => one.clone(),
        [first, rest @ ..] if rest.iter().all(|t| t == first) => first.clone(),
        _ => Type::Any,
    };
    (table.into_iter().map(|(_, t)| t).collect(), deps, output)
}

fn compile_trigger(doc: &FlowDoc, source: &str, diags: &mut Diagnostics) -> TriggerPlan {
    match &doc.trigger {
        TriggerDoc::Helper(h) => TriggerPlan::Helper {
            inputs: h
                .inputs
                .iter()
                .map(|(k, (t, _))| (k.clone(), t.clone()))
                .collect(),
        },
        TriggerDoc::OktaEventHook(hook) => crate::triggers::event_hook_plan(doc, hook),
        TriggerDoc::Schedule(sched) => crate::triggers::schedule_plan(sched),
        TriggerDoc::ApiEndpoint(ep) => {
            let dedupe = ep.dedupe.as_ref().and_then(|d| {
                let trigger = TriggerScope::Endpoint;
                let scope = StepScope {
                    trigger: &trigger,
                    steps: &[],
                    current: 0,
                    item: None,
                    trigger_only: true,
                };
                let compiled = ValueExpr::compile(&d.key, source, Escape::None)
                    .and_then(|mut e| e.check(&scope, source).map(|_| e));
                match compiled {
                    Ok(e) => Some((e, d.window)),
                    Err(errors) => {
                        for e in errors {
                            diags.push(
                                Diagnostic::error(e.error.code(), Some(e.span), e.error.message)
                                    .with_help_opt(e.error.help),
                            );
                        }
                        None
                    }
                }
            });
            TriggerPlan::ApiEndpoint(Box::new(EndpointPlan {
                path_name: ep
                    .alias
                    .as_ref()
                    .map_or_else(|| doc.name.value.clone(), |a| a.value.clone()),
                client_token: ep.security.client_token.clone(),
                public: ep.security.public,
                hmac: ep.security.hmac.clone(),
                accept_json: ep.accept_json,
                dedupe,
                rate_limit: ep.rate_limit.clone(),
                sync_timeout: ep.sync_timeout,
            }))
        }
    }
}

/// Warns about pure steps whose output nothing reads: they do work for nobody.
fn warn_unused(
    doc: &FlowDoc,
    steps: &[DraftStep],
    dependents: &[Vec<usize>],
    diags: &mut Diagnostics,
) {
    for (i, s) in steps.iter().enumerate() {
        let pure = s.spec.is_some_and(|sp| !sp.effect.is_effect());
        // A reserved id already has its error (E0216), which says why nothing can read it.
        let reserved = RESERVED_STEP_IDS.iter().any(|(name, _)| **name == *s.id);
        if pure && !reserved && dependents.get(i).is_some_and(Vec::is_empty) {
            diags.push(
                Diagnostic::warning(
                    Code::UnusedStep,
                    Some(doc.steps[i].id.span),
                    format!("the output of step `{}` is never read", s.id),
                )
                .with_help("use it in a later step, or remove the step"),
            );
        }
    }
}
