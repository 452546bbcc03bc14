//! The runtime template scope of a run: trigger, inputs, execution and the outputs of steps
//! that have finished, each written once and read in place.

use flow_card::expr::slots;
use flow_template::{Scope, Slot};
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// The values a run's templates read.
pub(crate) struct RunScope {
    pub trigger: Arc<Value>,
    pub inputs: Arc<Value>,
    pub execution: Value,
    pub outputs: Vec<OnceLock<Arc<Value>>>,
    /// `limits.max_value`: the longest text a template may render.
    pub max_text: usize,
}

impl Scope for RunScope {
    fn get(&self, slot: Slot) -> Option<&Value> {
        match slot {
            slots::TRIGGER => Some(&self.trigger),
            slots::INPUTS => Some(&self.inputs),
            slots::EXECUTION => Some(&self.execution),
            s => self.outputs.get(slots::step_index(s)?)?.get().map(|v| &**v),
        }
    }

    fn max_text(&self) -> usize {
        self.max_text
    }
}
