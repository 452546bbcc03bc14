//! The types pass of the compiler, for one flow: each step's templates and card checked against
//! the steps above it (references, fields, types, helper signatures), giving each step's output
//! type, its data dependencies and the flow's output type.

use crate::block::{Place, error_type, guard_type};
use crate::check::StepChecker;
use crate::draft::DraftStep;
use crate::scope::{StepScope, TriggerScope};
use flow_card::HelperSig;
use flow_model::block::{ArmRef, BlockKind, BlockPart};
use flow_model::flow::{FlowDoc, OnError, TriggerDoc};
use flow_model::{Code, Diagnostic, Diagnostics, Span, Type};
use flow_template::ValueExpr;
use indexmap::IndexMap;

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
    let paths: Vec<Vec<ArmRef>> = doc.steps.iter().map(|s| s.path.clone()).collect();
    for (k, step) in steps.iter_mut().enumerate() {
        let place = Place::of_step(doc, &paths, k);
        if let (Some(part), Some(exprs)) = (doc.steps[k].part, &mut step.block) {
            let cx = BlockCx {
                doc,
                trigger: &trigger,
                table: &table,
                current: k,
                place,
                source,
            };
            let (out, d) = cx.check(part, exprs, diags);
            deps.push(d);
            table[k].1 = out;
            continue;
        }
        let mut cond_deps = Vec::new();
        if let Some(cond) = &mut step.condition {
            let scope = StepScope {
                trigger: &trigger,
                steps: &table,
                current: k,
                item: None,
                trigger_only: false,
                place,
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
            place,
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
    warn_error_reads(doc, steps, diags);
    let output = match returns.as_slice() {
        [] => Type::Null,
        [one] => one.clone(),
        [first, rest @ ..] if rest.iter().all(|t| t == first) => first.clone(),
        _ => Type::Any,
    };
    (table.into_iter().map(|(_, t)| t).collect(), deps, output)
}

/// What checking the templates of a step a block generates needs.
struct BlockCx<'a> {
    doc: &'a FlowDoc,
    trigger: &'a TriggerScope,
    table: &'a [(String, Type)],
    current: usize,
    place: Place<'a>,
    source: &'a str,
}

impl BlockCx<'_> {
    /// Checks a guard's cases or a join's outputs; returns the step's output type and the
    /// steps its templates read.
    fn check(
        &self,
        part: BlockPart,
        exprs: &mut [Option<ValueExpr>],
        diags: &mut Diagnostics,
    ) -> (Type, Vec<usize>) {
        let mut deps = Vec::new();
        let out = match part {
            BlockPart::Guard(_) => {
                for e in exprs.iter_mut().flatten() {
                    self.expr(e, self.place, &mut deps, diags);
                }
                guard_type()
            }
            BlockPart::Catch(_) => error_type(),
            BlockPart::Join(b) => {
                let Some(block) = self.doc.blocks.get(b as usize) else {
                    return (Type::Any, deps);
                };
                let mut fields: IndexMap<String, Vec<Type>> = IndexMap::new();
                for (j, e) in exprs.iter_mut().enumerate() {
                    let Some(e) = e else { continue };
                    let mut at = block.path.clone();
                    at.push(ArmRef {
                        block: b,
                        arm: u32::try_from(j).unwrap_or(u32::MAX),
                    });
                    let t = self.expr(e, self.place.inside(&at), &mut deps, diags);
                    if let Type::Object(Some(obj)) = t {
                        for (name, ty) in &obj.fields {
                            fields.entry(name.clone()).or_default().push(ty.clone());
                        }
                    }
                }
                let mut joined: Vec<(String, Type)> = fields
                    .into_iter()
                    .map(|(name, types)| {
                        let first = types.first().cloned().unwrap_or(Type::Any);
                        let same = types.iter().all(|t| *t == first);
                        (name, if same { first } else { Type::Any })
                    })
                    .collect();
                if block.kind == BlockKind::Try {
                    joined.push(("error".into(), error_type()));
                }
                Type::object(joined)
            }
        };
        deps.sort_unstable();
        deps.dedup();
        (out, deps)
    }

    fn expr(
        &self,
        e: &mut ValueExpr,
        place: Place<'_>,
        deps: &mut Vec<usize>,
        diags: &mut Diagnostics,
    ) -> Type {
        let scope = StepScope {
            trigger: self.trigger,
            steps: self.table,
            current: self.current,
            item: None,
            trigger_only: false,
            place,
        };
        let t = match e.check(&scope, self.source) {
            Ok(t) => t,
            Err(errors) => {
                for e in errors {
                    diags.push(
                        Diagnostic::error(e.error.code(), Some(e.span), e.error.message)
                            .with_help_opt(e.error.help),
                    );
                }
                Type::Any
            }
        };
        deps.extend(
            e.slots()
                .into_iter()
                .filter_map(flow_card::expr::slots::step_index),
        );
        t
    }
}

/// Warns where a template reads `<id>.error` of a step without `on_error: continue`: such a
/// step never has an `error` (a failure ends the run, or its try block, before anything reads
/// it), so the condition or value is always empty.
fn warn_error_reads(doc: &FlowDoc, steps: &[DraftStep], diags: &mut Diagnostics) {
    let never: Vec<&str> = steps
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            doc.steps[*k].part.is_none() && doc.steps[*k].on_error != OnError::Continue
        })
        .map(|(_, s)| s.id.as_str())
        .collect();
    if never.is_empty() {
        return;
    }
    for (k, step) in steps.iter().enumerate() {
        let mut sources: Vec<(&str, Span)> = Vec::new();
        for info in &step.parts.exprs {
            template_sources(&info.expr, info.span, &mut sources);
        }
        if let Some(c) = &step.condition {
            template_sources(c, doc.steps[k].span, &mut sources);
        }
        for e in step.block.iter().flatten().flatten() {
            template_sources(e, doc.steps[k].span, &mut sources);
        }
        for (text, span) in sources {
            for id in never.iter().filter(|id| reads_error(text, id)) {
                diags.push(
                    Diagnostic::warning(
                        Code::ErrorNeverSet,
                        Some(span),
                        format!(
                            "step `{}` reads `{id}.error`, but `{id}` has no `on_error: continue`: it never has an error to read",
                            step.id
                        ),
                    )
                    .with_help(format!(
                        "add `on_error: continue` to `{id}`, or put it in a `try:` block and read the error in `catch:`"
                    )),
                );
            }
        }
    }
}

/// The template texts inside an expression, each with the position of the expression.
fn template_sources<'e>(e: &'e ValueExpr, span: Span, out: &mut Vec<(&'e str, Span)>) {
    match e {
        ValueExpr::Const(_) => {}
        ValueExpr::Template { template, .. } => out.push((template.source(), span)),
        ValueExpr::List(items) => items.iter().for_each(|i| template_sources(i, span, out)),
        ValueExpr::Object(entries) => entries
            .iter()
            .for_each(|(_, v)| template_sources(v, span, out)),
    }
}

/// True when `text` reads `<id>.error` as a path of its own (not `x<id>.error` or
/// `<id>.errors`).
fn reads_error(text: &str, id: &str) -> bool {
    let needle = format!("{id}.error");
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-' || c == '.';
    text.match_indices(&needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}
