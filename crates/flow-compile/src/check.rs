//! Type checking of one step: the [`flow_card::Checker`] a card's `check` talks to, and the
//! checks every step gets (all expressions resolved, each fitting the type its field wants).

use crate::block::Place;
use crate::scope::{StepScope, TriggerScope};
use flow_card::expr::{ExprId, slots};
use flow_card::{Checker, FlowRef, HelperSig, StepParts};
use flow_model::{Code, Diagnostic, Diagnostics, Span, Type, suggest};
use flow_template::ValueExpr;
use serde_json::Value;

/// Checks the expressions of one step.
pub(crate) struct StepChecker<'a> {
    pub parts: &'a mut StepParts,
    pub trigger: &'a TriggerScope,
    pub steps: &'a [(String, Type)],
    pub current: usize,
    pub source: &'a str,
    /// Helper signatures by plan number (`None`: not a helper, or in a cycle).
    pub sigs: &'a [Option<HelperSig>],
    pub diags: &'a mut Diagnostics,
    pub step_span: Span,
    pub label: String,
    /// The blocks around the step.
    pub place: Place<'a>,
    /// The inferred type of each expression, once checked.
    pub types: Vec<Option<Type>>,
    /// The project's tables (`tables:` in `flowctl.yaml`).
    pub tables: Option<&'a flow_model::tables::Tables>,
    /// Expressions the card already reported a type mismatch for: the generic check in
    /// [`StepChecker::finish`] does not report them a second time.
    mismatched: Vec<bool>,
}

impl<'a> StepChecker<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        parts: &'a mut StepParts,
        trigger: &'a TriggerScope,
        steps: &'a [(String, Type)],
        current: usize,
        source: &'a str,
        sigs: &'a [Option<HelperSig>],
        diags: &'a mut Diagnostics,
        step_span: Span,
        label: String,
        place: Place<'a>,
    ) -> Self {
        let n = parts.exprs.len();
        StepChecker {
            parts,
            trigger,
            steps,
            current,
            source,
            sigs,
            diags,
            step_span,
            label,
            place,
            types: vec![None; n],
            tables: None,
            mismatched: vec![false; n],
        }
    }

    fn check_expr(&mut self, id: ExprId, item: Option<Type>) -> Type {
        let idx = id.0 as usize;
        if let Some(Some(t)) = self.types.get(idx) {
            return t.clone();
        }
        let Some(info) = self.parts.exprs.get_mut(idx) else {
            return Type::Any;
        };
        let scope = StepScope {
            trigger: self.trigger,
            steps: self.steps,
            current: self.current,
            item: if info.item_scope {
                Some(item.unwrap_or(Type::Any))
            } else {
                None
            },
            trigger_only: false,
            place: self.place,
        };
        let t = match info.expr.check(&scope, self.source) {
            Ok(t) => t,
            Err(errors) => {
                for e in errors {
                    self.diags.push(
                        Diagnostic::error(e.error.code(), Some(e.span), e.error.message)
                            .with_help_opt(e.error.help),
                    );
                }
                Type::Any
            }
        };
        if let Some(slot) = self.types.get_mut(idx) {
            *slot = Some(t.clone());
        }
        t
    }

    /// Checks everything the card did not, then that each expression fits its field's type.
    pub fn finish(mut self) -> Vec<usize> {
        for i in 0..self.parts.exprs.len() {
            self.check_expr(ExprId(i as u32), None);
        }
        for (i, info) in self.parts.exprs.iter().enumerate() {
            let Some(Some(actual)) = self.types.get(i) else {
                continue;
            };
            if self.mismatched.get(i).copied().unwrap_or(false) {
                continue;
            }
            // An unquoted `{{ … }}` (a YAML mapping) is reported once, by the cards pass.
            let written = self.source.get(info.span.start as usize..).unwrap_or("");
            if written.starts_with("{{") {
                continue;
            }
            // A constant is held to more than a computed value (`"42"` for a number, a date
            // that is not ISO 8601): Okta converts values, not what is typed into a field.
            if let Some(why) = info
                .expr
                .as_const()
                .and_then(|c| info.expected.constant_fits(c))
            {
                self.diags.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        Some(info.span),
                        format!(
                            "{}: `{}` must be {}: {why}",
                            self.label, info.field, info.expected
                        ),
                    )
                    .with_label(format!("this is {actual}")),
                );
                continue;
            }
            if !actual.fits(&info.expected) {
                self.diags.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        Some(info.span),
                        format!(
                            "{}: `{}` must be {}, but `{}` is {}",
                            self.label,
                            info.field,
                            info.expected,
                            info.expr.describe(),
                            actual
                        ),
                    )
                    .with_label(format!("this is {actual}")),
                );
            }
        }
        let mut deps: Vec<usize> = self
            .parts
            .exprs
            .iter()
            .flat_map(|e| e.expr.slots())
            .filter_map(slots::step_index)
            .collect();
        deps.sort_unstable();
        deps.dedup();
        deps
    }
}

impl Checker for StepChecker<'_> {
    fn table(&self, name: &str) -> Option<flow_model::tables::TableDef> {
        self.tables?.get(name).cloned()
    }

    fn expr_type(&mut self, id: ExprId) -> Type {
        self.check_expr(id, None)
    }

    fn item_expr_type(&mut self, id: ExprId, item: Type) -> Type {
        self.check_expr(id, Some(item))
    }

    fn helper(&mut self, flow: FlowRef) -> Option<HelperSig> {
        let target = self.parts.flows.get(flow.id as usize)?.target?;
        self.sigs.get(target as usize)?.clone()
    }

    fn check_helper_inputs(&mut self, flow: FlowRef, inputs: ExprId, item: Type) {
        let given = self.check_expr(inputs, Some(item));
        let Some(sig) = self.helper(flow) else { return };
        let Some(info) = self.parts.exprs.get(inputs.0 as usize) else {
            return;
        };
        let keys: Vec<(String, Span)> = if info.keys.is_empty() {
            info.expr
                .keys()
                .unwrap_or_default()
                .into_iter()
                .map(|k| (k, info.span))
                .collect()
        } else {
            info.keys.clone()
        };
        let span = info.span;
        let info_expr = &info.expr;
        let is_mapping = matches!(
            info.expr,
            ValueExpr::Object(_) | ValueExpr::Const(Value::Object(_))
        );
        if !is_mapping {
            self.diags.push(Diagnostic::error(
                Code::WrongType,
                Some(span),
                format!(
                    "{}: `inputs` must be a mapping of the inputs of `{}`",
                    self.label, sig.name
                ),
            ));
            return;
        }
        for (k, kspan) in &keys {
            match sig.inputs.get(k) {
                None => self.diags.push(
                    Diagnostic::error(
                        Code::UnknownHelperInput,
                        Some(*kspan),
                        format!("helper flow `{}` has no input `{k}`", sig.name),
                    )
                    .with_help_opt(
                        suggest::hint(k, sig.inputs.keys()).or_else(|| {
                            Some(format!(
                                "its inputs are: {}",
                                sig.inputs.keys().cloned().collect::<Vec<_>>().join(", ")
                            ))
                        }),
                    ),
                ),
                Some(want) => {
                    if let Some(why) = const_field(info_expr, k).and_then(|c| want.constant_fits(c))
                    {
                        self.diags.push(Diagnostic::error(
                            Code::TypeMismatch,
                            Some(*kspan),
                            format!("input `{k}` of `{}` is {want}: {why}", sig.name),
                        ));
                    } else if let Type::Object(Some(obj)) = &given
                        && let Some(have) = obj.fields.get(k)
                        && !have.fits(want)
                    {
                        self.diags.push(Diagnostic::error(
                            Code::TypeMismatch,
                            Some(*kspan),
                            format!(
                                "input `{k}` of `{}` is {want}, but the value given is {have}",
                                sig.name
                            ),
                        ));
                    }
                }
            }
        }
        for name in sig.inputs.keys() {
            if !keys.iter().any(|(k, _)| k == name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::MissingHelperInput,
                        Some(span),
                        format!(
                            "{}: the input `{name}` of helper flow `{}` is not given",
                            self.label, sig.name
                        ),
                    )
                    .with_help(format!("add `{name}: …` to `inputs`")),
                );
            }
        }
    }

    fn report(&mut self, at: Option<ExprId>, code: Code, message: String, help: Option<String>) {
        if code == Code::TypeMismatch
            && let Some(flag) = at.and_then(|id| self.mismatched.get_mut(id.0 as usize))
        {
            *flag = true;
        }
        let span = at
            .and_then(|id| self.parts.exprs.get(id.0 as usize))
            .map_or(self.step_span, |e| e.span);
        self.diags.push(
            Diagnostic::error(code, Some(span), format!("{}: {message}", self.label))
                .with_help_opt(help),
        );
    }

    fn constant(&self, id: ExprId) -> Option<Value> {
        self.parts
            .exprs
            .get(id.0 as usize)?
            .expr
            .as_const()
            .cloned()
    }
}

/// The constant value of field `key` of a mapping expression, when it has no template.
fn const_field<'e>(e: &'e ValueExpr, key: &str) -> Option<&'e Value> {
    match e {
        ValueExpr::Const(Value::Object(m)) => m.get(key),
        ValueExpr::Object(fields) => fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_const()),
        _ => None,
    }
}
