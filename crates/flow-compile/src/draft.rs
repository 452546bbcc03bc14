//! The cards pass of the compiler: each step's card kind looked up, its `with:` decoded into the
//! card's config (templates parsed, references collected), its `if:` parsed, and the checks that
//! need only the step itself (duplicate and reserved ids, the trigger a card needs, one
//! `http.close` per flow). Types and references between steps come later ([`crate::typing`]).

use crate::block;
use crate::scope::RESERVED_STEP_IDS;
use flow_card::{BuildCx, Card, CardSpec, Registry, StepParts};
use flow_model::block::BlockPart;
use flow_model::flow::FlowDoc;
use flow_model::{Code, Diagnostic, Diagnostics, Node, NodeKind, Span, suggest};
use flow_template::{Escape, ValueExpr};

/// The card kind that answers an endpoint's caller; at most one per flow.
const CLOSE_CARD: &str = "http.close";

/// A step once its card is decoded; `spec` and `card` are `None` when that failed (reported).
pub(crate) struct DraftStep {
    pub id: String,
    pub spec: Option<&'static CardSpec>,
    pub card: Option<Box<dyn Card>>,
    pub parts: StepParts,
    pub condition: Option<ValueExpr>,
    /// For a step a block generates: the templates it evaluates (a guard's cases, a join's
    /// arms' outputs), one per arm (`None` where the arm has none).
    pub block: Option<Vec<Option<ValueExpr>>>,
}

/// Decodes every step of a flow.
pub(crate) fn build_steps(
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
        if let Some(part) = step.part {
            out.push(generated_step(doc, id, part, source, diags));
            continue;
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
        for node in step.with.iter().chain(&step.condition) {
            unquoted_templates(node, source, diags);
        }
        let (card, parts) = match spec {
            Some(spec) => {
                let mut cx = BuildCx::new(with, source, &id, spec.kind)
                    .with_data(registry.card_data(spec.kind).cloned());
                let card = (spec.build)(&mut cx);
                let (parts, d) = cx.finish();
                diags.extend(d);
                (card, parts)
            }
            None => (None, StepParts::default()),
        };
        let condition = step
            .condition
            .as_ref()
            .and_then(|c| compile_value(c, source, diags));
        out.push(DraftStep {
            id,
            spec,
            card,
            parts,
            condition,
            block: None,
        });
    }
    out
}

/// A template value compiled, its errors reported.
fn compile_value(node: &Node, source: &str, diags: &mut Diagnostics) -> Option<ValueExpr> {
    match ValueExpr::compile(node, source, Escape::None) {
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
}

/// A step a block generates: its templates are the guard's `when`s or the arms' `outputs:`.
fn generated_step(
    doc: &FlowDoc,
    id: String,
    part: BlockPart,
    source: &str,
    diags: &mut Diagnostics,
) -> DraftStep {
    let (BlockPart::Guard(b) | BlockPart::Catch(b) | BlockPart::Join(b)) = part;
    let arms = doc.blocks.get(b as usize).map_or(&[][..], |b| &b.arms[..]);
    let mut compile = |node: &Node| {
        unquoted_templates(node, source, diags);
        compile_value(node, source, diags)
    };
    let exprs = match part {
        BlockPart::Guard(_) => arms
            .iter()
            .filter_map(|a| a.when.as_ref())
            .map(compile)
            .collect(),
        BlockPart::Catch(_) => Vec::new(),
        BlockPart::Join(_) => arms
            .iter()
            .map(|a| a.outputs.as_ref().and_then(&mut compile))
            .collect(),
    };
    DraftStep {
        id,
        spec: Some(block::spec_of(part)),
        card: Some(Box::new(block::Generated)),
        parts: StepParts::default(),
        condition: None,
        block: Some(exprs),
    }
}

/// Reports each `{{ … }}` written without quotes: YAML reads it as a mapping whose key is a
/// mapping, which the card would then refuse with a message about `<complex key>`, or take as
/// an object.
fn unquoted_templates(node: &Node, source: &str, diags: &mut Diagnostics) {
    // What is written from the node on (a flow mapping's span may cover only its `{`).
    let text = source.get(node.span.start as usize..).unwrap_or("");
    match &node.kind {
        NodeKind::Map(_) if text.starts_with("{{") => {
            let line = text.lines().next().unwrap_or("");
            let template = line.find("}}").map_or(line, |end| &line[..end + 2]);
            diags.push(
                Diagnostic::error(
                    Code::WrongType,
                    Some(node.span),
                    format!("`{template}` is not quoted, so YAML reads it as a mapping"),
                )
                .with_help(format!("quote the template: \"{template}\"")),
            );
        }
        NodeKind::Map(entries) => {
            for (_, v) in entries {
                unquoted_templates(v, source, diags);
            }
        }
        NodeKind::Seq(items) => {
            for v in items {
                unquoted_templates(v, source, diags);
            }
        }
        _ => {}
    }
}

fn line_of(source: &str, span: Span) -> usize {
    source
        .get(..span.start as usize)
        .map_or(0, |s| s.matches('\n').count())
        + 1
}
