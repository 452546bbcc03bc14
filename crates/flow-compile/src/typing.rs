//! The types pass of the compiler, for one flow: each step's templates and card checked against
//! the steps above it (references, fields, types, helper signatures), giving each step's output
//! type, its data dependencies and the flow's output type.

use crate::check::StepChecker;
use crate::draft::DraftStep;
use crate::scope::{StepScope, TriggerScope};
use flow_card::HelperSig;
use flow_model::flow::{FlowDoc, OnError, TriggerDoc};
use flow_model::{Diagnostic, Diagnostics, Type};

/// The card kind that ends a flow with outputs; its output type is the flow's.
pub(crate) const RETURN_CARD: &str = "flow.return";

/// What type checking found for a flow.
pub(crate) struct Typed {
    /// Each step's output type.
    pub types: Vec<Type>,
    /// Each step's data dependencies.
    pub deps: Vec<Vec<usize>>,
    /// The flow's output type.
    pub output: Type,
}

/// Checks a flow's steps in order; returns each step's output type, each step's data
/// dependencies, and the flow's output type.
pub(crate) fn check_flow(
    doc: &FlowDoc,
    steps: &mut [DraftStep],
    source: &str,
    sigs: &[Option<HelperSig>],
    tables: &flow_model::tables::Tables,
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
        checker.tables = Some(tables);
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
