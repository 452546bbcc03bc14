//! What every connector's connection shares: reading settings from `flowctl.yaml` with
//! positions, resolving `${env:…}` secrets (leniently in dry runs), and a concurrency cap.

use flow_model::config::{MissingEnv, Secret, expand_env};
use flow_model::decode::{Fields, fields};
use flow_model::{Code, ConnectionDoc, Diagnostic, Diagnostics};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Reads a connection's mapping, allowing `kind` plus `keys`.
pub fn read<'a>(
    doc: &'a ConnectionDoc,
    keys: &[&str],
    diags: &mut Diagnostics,
) -> Option<Fields<'a>> {
    let mut allowed = vec!["kind"];
    allowed.extend_from_slice(keys);
    fields(
        &doc.node,
        &format!("connection `{}`", doc.name),
        &allowed,
        diags,
    )
}

/// A text setting that may hold `${env:…}` (kept unresolved until a run needs it).
pub fn secret(
    f: &Fields<'_>,
    key: &str,
    required: bool,
    diags: &mut Diagnostics,
) -> Option<Secret> {
    let v = if required {
        f.req_str(key, diags)
    } else {
        f.opt_str(key, diags)
    }?;
    Some(Secret::new(v.value, v.span))
}

/// `max_concurrency`, between 1 and 256.
pub fn max_concurrency(f: &Fields<'_>, default: u64, diags: &mut Diagnostics) -> usize {
    f.opt_u64("max_concurrency", 1, 256, diags)
        .map_or(default, |v| v.value) as usize
}

/// Resolves a setting: in a dry run a missing variable stays as its `${env:NAME}` text.
pub fn resolve(
    s: &Secret,
    env: &dyn Fn(&str) -> Option<String>,
    dry_run: bool,
) -> Result<String, MissingEnv> {
    match s.resolve(env) {
        Ok(v) => Ok(v),
        Err(e) if dry_run => {
            let keep = |name: &str| env(name).or_else(|| Some(format!("${{env:{name}}}")));
            expand_env(&format!("${{env:{}}}", e.name), &keep).or(Err(e))
        }
        Err(e) => Err(e),
    }
}

/// A connection's cap on requests in flight, so a big for_each cannot flood a service.
pub fn limiter(n: usize) -> Arc<Semaphore> {
    Arc::new(Semaphore::new(n.max(1)))
}

/// Checks that a URL setting (after `${env:}` expansion, when it can be expanded now) is http(s).
pub fn check_url(s: &Secret, key: &str, diags: &mut Diagnostics) {
    if let Ok(text) = s.resolve(&|_| None)
        && !(text.starts_with("http://") || text.starts_with("https://"))
    {
        diags.push(
            Diagnostic::error(
                Code::Config,
                Some(s.span),
                format!("`{key}` must start with http:// or https://"),
            )
            .with_help("for example https://acme.okta.com"),
        );
    }
}
