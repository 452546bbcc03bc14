//! The compile pipeline, as named passes run in order over every flow of a project (after
//! vector's `config/compiler.rs`). Each pass reports what it finds and the next one still runs on
//! what could be made sense of, so one `flowctl validate` shows every problem at once:
//!
//! 1. [`decode_connections`]: `connections:` of `flowctl.yaml`, by connector kind;
//! 2. [`index_flows`]: flow names and endpoint paths, unique;
//! 3. [`build_cards`]: each step's card and `with:` ([`crate::draft`]);
//! 4. [`check_connection_refs`]: each step's connections exist and are of the right kind;
//! 5. [`resolve_helper_calls`]: helper flows called exist and are helpers; recursion;
//! 6. [`check_types`]: templates, references and types, helpers before their callers
//!    ([`crate::typing`]);
//! 7. [`plan_flows`]: step graphs ([`crate::graph`]), unused steps, triggers, and the [`Plan`]s.

use crate::block::{self, BlockPlan, BlockStep, Place};
use crate::calls::{self, CallOrder};
use crate::draft::{DraftStep, build_steps};
use crate::graph::{self, StepNode};
use crate::plan::{EndpointPlan, Plan, PlannedStep, Project, RetryPolicy, TriggerPlan};
use crate::scope::{RESERVED_STEP_IDS, StepScope, TriggerScope};
use crate::typing::{RETURN_CARD, Typed, check_flow};
use flow_card::{ConnectionConfig, HelperSig, Registry};
use flow_model::block::{BlockKind, BlockPart};
use flow_model::flow::{FlowDoc, TriggerDoc};
use flow_model::{Code, Diagnostic, Diagnostics, ProjectConfig, Sources, Span, suggest};
use flow_template::{Escape, ValueExpr};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The card kinds that may end the run: barriers for the steps written below them.
const BARRIER_CARDS: [&str; 3] = ["flow.continue_if", RETURN_CARD, "flow.fail"];

/// Compiles every flow of a project. Returns the project, or the sources when there are
/// errors, and every diagnostic (warnings included) either way.
pub fn compile(
    sources: Sources,
    config: ProjectConfig,
    docs: Vec<FlowDoc>,
    registry: &Registry,
) -> (Result<Project, Sources>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let connections = decode_connections(&config, registry, &mut diags);
    let by_name = index_flows(&docs, &sources, &mut diags);
    let mut drafts = build_cards(&docs, &sources, registry, &mut diags);
    check_connection_refs(&config, &drafts, &mut diags);
    let calls = resolve_helper_calls(&docs, &by_name, &mut drafts, &mut diags);
    let typed = check_types(
        &docs,
        &mut drafts,
        &sources,
        &calls,
        &config.tables,
        &mut diags,
    );
    let plans = plan_flows(&docs, drafts, typed, &sources, &mut diags);
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

/// The text of a flow's file.
fn text<'s>(sources: &'s Sources, doc: &FlowDoc) -> &'s str {
    sources.get(doc.source).map_or("", |f| f.text.as_str())
}

/// Pass 1: decodes each connection of `flowctl.yaml` with its connector's decoder; an unknown
/// kind is reported with the known ones.
fn decode_connections(
    config: &ProjectConfig,
    registry: &Registry,
    diags: &mut Diagnostics,
) -> IndexMap<String, Arc<dyn ConnectionConfig>> {
    let mut connections: IndexMap<String, Arc<dyn ConnectionConfig>> = IndexMap::new();
    for (name, doc) in &config.connections {
        match registry.connector(&doc.kind.value) {
            Some(spec) => {
                if let Some(c) = registry.decode_connection(spec, doc, diags) {
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
    connections
}

/// Pass 2: flow names (unique in the project) and the URL paths of endpoints (unique among
/// them). Returns flow numbers by name; a flow defined twice keeps its first number.
fn index_flows(
    docs: &[FlowDoc],
    sources: &Sources,
    diags: &mut Diagnostics,
) -> HashMap<String, usize> {
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
    by_name
}

/// Pass 3: each step's card, decoded from `with:` ([`build_steps`]).
fn build_cards(
    docs: &[FlowDoc],
    sources: &Sources,
    registry: &Registry,
    diags: &mut Diagnostics,
) -> Vec<Vec<DraftStep>> {
    docs.iter()
        .map(|doc| build_steps(doc, text(sources, doc), registry, diags))
        .collect()
}

/// Pass 4: every connection a step names is defined, and of the kind its card needs.
fn check_connection_refs(
    config: &ProjectConfig,
    drafts: &[Vec<DraftStep>],
    diags: &mut Diagnostics,
) {
    for steps in drafts {
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
}

/// What pass 5 found: the call graph, and the flows in a cycle of calls.
struct Calls {
    /// Flows in an order where every helper comes before its callers.
    analysis: CallOrder,
    /// For each flow, whether it calls itself (directly or through others).
    in_cycle: Vec<bool>,
}

/// Pass 5: each helper flow a step calls exists and has a `helper` trigger (its number is set
/// in the step's references); flows that call themselves are reported with the whole path.
fn resolve_helper_calls(
    docs: &[FlowDoc],
    by_name: &HashMap<String, usize>,
    drafts: &mut [Vec<DraftStep>],
    diags: &mut Diagnostics,
) -> Calls {
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
    Calls { analysis, in_cycle }
}

/// Pass 6: checks every flow's templates, references and types ([`check_flow`]), helpers
/// before their callers so a call knows the helper's inputs and output. Returns what was found
/// for each flow.
fn check_types(
    docs: &[FlowDoc],
    drafts: &mut [Vec<DraftStep>],
    sources: &Sources,
    calls: &Calls,
    tables: &flow_model::tables::Tables,
    diags: &mut Diagnostics,
) -> Vec<Option<Typed>> {
    let mut sigs: Vec<Option<HelperSig>> = vec![None; docs.len()];
    let mut typed: Vec<Option<Typed>> = (0..docs.len()).map(|_| None).collect();
    for &f in &calls.analysis.order {
        let doc = &docs[f];
        let (types, deps, output) = check_flow(
            doc,
            &mut drafts[f],
            text(sources, doc),
            &sigs,
            tables,
            diags,
        );
        if let TriggerDoc::Helper(h) = &doc.trigger
            && !calls.in_cycle[f]
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
    typed
}

/// Pass 7: builds each flow's step graph (data, `after`, Okta's order; cycles), warns about pure
/// steps nobody reads, compiles the trigger, and assembles the [`Plan`].
fn plan_flows(
    docs: &[FlowDoc],
    drafts: Vec<Vec<DraftStep>>,
    mut typed: Vec<Option<Typed>>,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Vec<Plan> {
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
            .enumerate()
            .map(|(k, ((s, d), data))| StepNode {
                id: s.id.clone(),
                effect: s.spec.is_some_and(|sp| sp.effect.is_effect()),
                barrier: s.spec.is_some_and(|sp| BARRIER_CARDS.contains(&sp.kind)),
                data: data.clone(),
                block: block::block_deps(doc, k),
                after: d.after.as_ref().map(|a| {
                    (
                        a.value.iter().map(|x| (x.value.clone(), x.span)).collect(),
                        a.span,
                    )
                }),
            })
            .collect();
        let built = graph::build(&nodes, &doc.name.value, diags);
        warn_unused(doc, &steps, &built.used, diags);
        let trigger = compile_trigger(doc, text(sources, doc), diags);
        let mut planned = Vec::with_capacity(steps.len());
        for (i, ((s, d), ty)) in steps.into_iter().zip(&doc.steps).zip(types).enumerate() {
            let (Some(spec), Some(card)) = (s.spec, s.card) else {
                continue;
            };
            let block_step = d.part.zip(s.block).map(|(part, exprs)| match part {
                BlockPart::Guard(block) => BlockStep::Branch {
                    block,
                    cases: exprs.into_iter().flatten().collect(),
                },
                BlockPart::Catch(block) => BlockStep::Catch { block },
                BlockPart::Join(block) => BlockStep::Join {
                    block,
                    fields: join_fields(
                        &ty,
                        doc.blocks
                            .get(block as usize)
                            .is_some_and(|b| b.kind == BlockKind::Try),
                    ),
                    arms: exprs,
                },
            });
            let own = card.defaults();
            planned.push(PlannedStep {
                block: block_step,
                gate: block::gate_of(&doc.blocks, &d.path),
                catcher: block::catcher_of(&doc.blocks, &d.path),
                id: Arc::from(s.id.as_str()),
                kind: Arc::from(spec.kind),
                index: i,
                spec,
                card,
                parts: s.parts,
                condition: s.condition,
                retry: d.retry.as_ref().map_or(
                    RetryPolicy {
                        attempts: own.map_or(spec.default_attempts, |o| o.1),
                        backoff: Duration::from_secs(1),
                        max_backoff: Duration::from_secs(30),
                    },
                    |r| RetryPolicy {
                        attempts: r.value.attempts,
                        backoff: r.value.backoff,
                        max_backoff: r.value.max_backoff,
                    },
                ),
                timeout: d
                    .timeout
                    .as_ref()
                    .map_or(own.map_or(spec.default_timeout, |o| o.0), |t| t.value),
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
            blocks: doc
                .blocks
                .iter()
                .map(|b| BlockPlan {
                    id: Arc::from(b.id.value.as_str()),
                    kind: b.kind,
                    arms: b.arms.iter().map(|a| a.label.clone()).collect(),
                    arm_steps: b.arms.iter().map(|a| a.steps.clone()).collect(),
                    guard: b.guard,
                    join: b.join,
                })
                .collect(),
            history: doc.history.clone(),
            span: doc.span,
        });
    }
    plans
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
                    place: Place::default(),
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

/// The fields of a join's output type, in order, but a try block's `error` (which its join
/// sets itself).
fn join_fields(ty: &flow_model::Type, is_try: bool) -> Vec<String> {
    match ty {
        flow_model::Type::Object(Some(obj)) => obj
            .fields
            .keys()
            .filter(|k| !(is_try && *k == "error"))
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

/// Warns about pure steps whose output nothing reads: they do work for nobody.
fn warn_unused(doc: &FlowDoc, steps: &[DraftStep], used: &[bool], diags: &mut Diagnostics) {
    for (i, s) in steps.iter().enumerate() {
        let pure = s.spec.is_some_and(|sp| !sp.effect.is_effect());
        // A reserved id already has its error (E0216), which says why nothing can read it.
        let reserved = RESERVED_STEP_IDS.iter().any(|(name, _)| **name == *s.id);
        // A block's own steps are read by the engine; a join nobody reads is still where the
        // block ends.
        let generated = doc.steps[i].part.is_some();
        if pure && !reserved && !generated && used.get(i) == Some(&false) {
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
