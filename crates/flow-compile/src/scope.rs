//! The names a template may use at a given step, with their types: `trigger`, `inputs`,
//! `execution`, the steps written above, and `item`/`index` inside list inputs.

use crate::block::{Place, error_type};
use flow_card::expr::slots;
use flow_model::{Type, suggest};
use flow_template::{ErrorKind, NameError, Slot, TypeScope};

/// Names a template reads as something other than a step, with what it reads instead. A step
/// with one of these ids could never be read as `{{ id }}`, so the compiler refuses the id.
pub(crate) const RESERVED_STEP_IDS: &[(&str, &str)] = &[
    ("trigger", "the request that started the flow"),
    ("inputs", "the inputs of a helper flow"),
    ("execution", "the run's id, flow and start time"),
    ("item", "the current item inside a list card's `inputs:`"),
    (
        "index",
        "the current item's position inside a list card's `inputs:`",
    ),
    ("this", "the current value"),
    ("true", "the literal `true`"),
    ("false", "the literal `false`"),
    ("null", "the literal `null`"),
    ("undefined", "the literal `null`"),
    ("else", "the start of an `{{else}}` branch"),
    ("error", "the error caught inside a `catch:` block"),
];

/// What the trigger gives the flow.
#[derive(Clone)]
pub(crate) enum TriggerScope {
    /// `trigger` is the request; `inputs` is not set.
    Endpoint,
    /// `inputs` holds the declared inputs; `trigger` is not set.
    Helper(Type),
    /// `trigger` is one Okta event and its delivery; `inputs` is not set.
    Event,
    /// `trigger` is the schedule's tick; `inputs` is not set.
    Schedule,
}

/// The scope at one step.
pub(crate) struct StepScope<'a> {
    pub trigger: &'a TriggerScope,
    /// Ids and output types of every step of the flow (in file order).
    pub steps: &'a [(String, Type)],
    /// The step whose templates are checked; only steps above it are readable.
    pub current: usize,
    /// Set inside a list card's `inputs:`: the item type.
    pub item: Option<Type>,
    /// Only `trigger` is in scope (an endpoint's `dedupe.key`).
    pub trigger_only: bool,
    /// The blocks around the template: which steps it may read, and `error`.
    pub place: Place<'a>,
}

/// The type of `trigger` in an endpoint flow.
pub(crate) fn trigger_type() -> Type {
    Type::object([
        ("body", Type::Text),
        ("json", Type::Any),
        ("headers", Type::Object(None)),
        ("query", Type::Object(None)),
        ("method", Type::Text),
    ])
}

/// The type of `execution`.
pub(crate) fn execution_type() -> Type {
    Type::object([
        ("id", Type::Text),
        ("flow", Type::Text),
        ("started_at", Type::Date),
    ])
}

impl TypeScope for StepScope<'_> {
    fn resolve(&self, name: &str) -> Result<(Slot, Type), NameError> {
        let err = |kind, message: String, help: Option<String>| {
            Err(NameError {
                kind,
                message,
                help,
            })
        };
        match name {
            "trigger" => {
                return match self.trigger {
                    TriggerScope::Endpoint => Ok((slots::TRIGGER, trigger_type())),
                    TriggerScope::Event => {
                        Ok((slots::TRIGGER, crate::triggers::event_trigger_type()))
                    }
                    TriggerScope::Schedule => {
                        Ok((slots::TRIGGER, crate::triggers::schedule_trigger_type()))
                    }
                    TriggerScope::Helper(_) => err(
                        ErrorKind::UnknownName,
                        "a helper flow has no `trigger`".into(),
                        Some("read the helper's declared inputs as `inputs.name`".into()),
                    ),
                };
            }
            "inputs" if !self.trigger_only => {
                return match self.trigger {
                    TriggerScope::Helper(t) => Ok((slots::INPUTS, t.clone())),
                    TriggerScope::Event | TriggerScope::Schedule => err(
                        ErrorKind::UnknownName,
                        "only a helper flow has `inputs`".into(),
                        Some("read the trigger as `trigger.event` / `trigger.scheduled_at`".into()),
                    ),
                    TriggerScope::Endpoint => err(
                        ErrorKind::UnknownName,
                        "an api_endpoint flow has no `inputs`".into(),
                        Some(
                            "read the request as `trigger.body`, `trigger.json`, `trigger.headers`"
                                .into(),
                        ),
                    ),
                };
            }
            "execution" if !self.trigger_only => return Ok((slots::EXECUTION, execution_type())),
            "error" if !self.trigger_only => {
                return match self.place.error {
                    Some(guard) => Ok((slots::step(guard), error_type())),
                    None => err(
                        ErrorKind::UnknownName,
                        "`error` is only set inside a `catch:` block".into(),
                        Some(
                            "put the step under the `catch:` of a `try:` block, or read a step's \
                             error with `on_error: continue` as `{{ step.error }}`"
                                .into(),
                        ),
                    ),
                };
            }
            "item" | "index" if !self.trigger_only => {
                return match &self.item {
                    Some(t) => Ok(if name == "item" {
                        (slots::ITEM, t.clone())
                    } else {
                        (slots::INDEX, Type::Number)
                    }),
                    None => err(
                        ErrorKind::ItemOutsideList,
                        format!(
                            "`{name}` is only set inside the `inputs:` of list.for_each and list.map"
                        ),
                        None,
                    ),
                };
            }
            _ => {}
        }
        if self.trigger_only {
            return err(
                ErrorKind::UnknownName,
                format!("`{name}` is not available here"),
                Some("only `trigger` can be read in `dedupe.key`".into()),
            );
        }
        if let Some(pos) = self.steps.iter().position(|(id, _)| id == name) {
            if pos < self.current {
                if let Some((block, arm)) = self.place.hidden(pos) {
                    return err(
                        ErrorKind::UnknownName,
                        format!(
                            "step `{name}` is inside `{arm}` of {} `{}`, and this template is not",
                            block.kind.as_str(),
                            block.id.value
                        ),
                        Some(format!(
                            "a step inside a block is read only inside its arm; after the block, \
                             list it in the arm's `outputs:` and read `{{{{ {}.<name> }}}}`",
                            block.id.value
                        )),
                    );
                }
                return Ok((slots::step(pos), self.steps[pos].1.clone()));
            }
            let current = self.steps.get(self.current).map_or("", |s| s.0.as_str());
            return if pos == self.current {
                err(
                    ErrorKind::ForwardReference,
                    format!("step `{name}` cannot read its own output"),
                    None,
                )
            } else {
                err(
                    ErrorKind::ForwardReference,
                    format!("step `{name}` is written below `{current}`, which reads it"),
                    Some(format!(
                        "move `{name}` above `{current}`; templates read only steps written above them"
                    )),
                )
            };
        }
        let mut names: Vec<&str> = vec!["trigger", "inputs", "execution"];
        names.extend(
            self.steps[..self.current.min(self.steps.len())]
                .iter()
                .map(|(id, _)| id.as_str()),
        );
        err(
            ErrorKind::UnknownName,
            format!("unknown step `{name}`"),
            suggest::hint(name, names.iter().copied()),
        )
    }
}
