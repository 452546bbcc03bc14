//! Masking configured secrets out of records: the one place every step record, answer and run
//! record passes through before an observer (store, trace, metrics) or the caller sees it.
//! Whatever echoed a secret (an upstream's error body or header, a step's output, a request the
//! flow received), the record holds `***` instead. The values templates read are not touched:
//! only what is recorded is masked.

use crate::record::{ExecutionRecord, ResponseRecord, RunError, StepRecord};
use flow_card::{HttpExchange, Secrets};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// Masks a shared value, copying it only when it holds a secret.
fn mask_arc(secrets: &Secrets, v: &mut Arc<Value>) {
    if let Some(masked) = secrets.mask_value(v) {
        *v = Arc::new(masked);
    }
}

fn mask_cow(secrets: &Secrets, s: &mut Cow<'static, str>) {
    if let Cow::Owned(masked) = secrets.mask_str(s) {
        *s = Cow::Owned(masked);
    }
}

fn mask_exchange(secrets: &Secrets, ex: &mut HttpExchange) {
    secrets.mask_string(&mut ex.url);
    for (k, v) in &mut ex.headers {
        mask_cow(secrets, k);
        mask_cow(secrets, v);
    }
    for s in ex.body.iter_mut().chain(ex.error.iter_mut()) {
        secrets.mask_string(s);
    }
}

/// Masks a step's record; its helper runs' records were masked when they finished.
pub(crate) fn mask_step(secrets: &Secrets, rec: &mut StepRecord) {
    if secrets.is_empty() {
        return;
    }
    if let Some(input) = &mut rec.input {
        let mut v = Value::Object(std::mem::take(&mut **input));
        secrets.mask_value_in_place(&mut v);
        if let Value::Object(m) = v {
            **input = m;
        }
    }
    if let Some(out) = &mut rec.output {
        mask_arc(secrets, out);
    }
    if let Some(err) = &mut rec.error {
        secrets.mask_value_in_place(err);
    }
    for r in &mut rec.retries {
        secrets.mask_value_in_place(r);
    }
    if let Some(reason) = &mut rec.reason {
        secrets.mask_string(reason);
    }
    for ex in &mut rec.http {
        mask_exchange(secrets, ex);
    }
}

/// Masks an answer to a caller (it is recorded, and a caller must not get a secret either).
pub(crate) fn mask_response(secrets: &Secrets, rec: &mut ResponseRecord) {
    if secrets.is_empty() {
        return;
    }
    for (k, v) in &mut rec.headers {
        secrets.mask_string(k);
        secrets.mask_string(v);
    }
    secrets.mask_value_in_place(&mut rec.body);
}

/// Masks a run error's message.
pub(crate) fn mask_error(secrets: &Secrets, err: &mut RunError) {
    secrets.mask_string(&mut err.message);
}

/// Masks the run-level parts of a record (the request or inputs, the answer, the outputs, the
/// error); its steps were masked as they finished.
pub(crate) fn mask_run(secrets: &Secrets, rec: &mut ExecutionRecord) {
    if secrets.is_empty() {
        return;
    }
    if let Some(t) = &mut rec.trigger {
        secrets.mask_value_in_place(t);
    }
    if let Some(i) = &mut rec.inputs {
        mask_arc(secrets, i);
    }
    if let Some(r) = &mut rec.response {
        mask_response(secrets, r);
    }
    mask_arc(secrets, &mut rec.output);
    if let Some(e) = &mut rec.error {
        mask_error(secrets, e);
    }
}
