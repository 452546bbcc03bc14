//! Following pages of a list action: RFC 8288 `Link: <…>; rel="next"` (kept on the
//! connection's origin), a cursor read from each answer, an offset advanced by the items seen,
//! or a page number. A rate-limited page is waited for and sent again by
//! [`ConnectorLive::send`], so no page is repeated or lost; `limit` stops early.

use super::action::{Answer, Prepared, error_of, failed};
use super::format::{ActionDef, PagingStyle};
use super::live::ConnectorLive;
use super::load::Action;
use flow_card::{CardError, HttpRequest, HttpResponse, StepCx};
use serde_json::{Value, json};
use url::Url;

/// The most pages one call follows unless the connector says otherwise.
const MAX_PAGES: u32 = 1000;

/// The URL of the `rel="next"` link among a response's `Link` headers.
pub fn next_link(resp: &HttpResponse) -> Option<String> {
    for (k, v) in &resp.headers {
        if !k.eq_ignore_ascii_case("link") {
            continue;
        }
        for part in v.split(',') {
            let mut pieces = part.split(';');
            let Some(target) = pieces.next() else {
                continue;
            };
            let is_next = pieces.any(|p| {
                let p = p.trim().replace(' ', "");
                p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
            });
            if is_next {
                let t = target.trim();
                return t
                    .strip_prefix('<')
                    .and_then(|t| t.strip_suffix('>'))
                    .map(str::to_string);
            }
        }
    }
    None
}

/// Refuses a next link that leaves the connection's origin (a link must not carry the
/// credential elsewhere).
fn same_origin(base: &str, next: &str) -> Result<(), CardError> {
    let (Ok(b), Ok(n)) = (Url::parse(base), Url::parse(next)) else {
        return Err(CardError::new(
            flow_card::ErrorKind::Remote,
            format!("the next page link `{next}` is not a URL"),
        ));
    };
    if b.origin() != n.origin() || !n.username().is_empty() || n.password().is_some() {
        return Err(CardError::new(
            flow_card::ErrorKind::Remote,
            format!("the next page link `{next}` leaves the connection's origin"),
        ));
    }
    Ok(())
}

/// Sets a parameter, in place when it is there already.
fn set(params: &mut Vec<(String, Value)>, name: &str, value: Value) {
    match params.iter_mut().find(|(k, _)| k == name) {
        Some(p) => p.1 = value,
        None => params.push((name.to_string(), value)),
    }
}

/// Collects every page's items (up to the `limit` input).
pub async fn collect(
    cx: &StepCx<'_>,
    conn: &ConnectorLive,
    action: &Action,
    def: &ActionDef,
    prepared: &Prepared,
    inputs: &Value,
    rehearsal: &(dyn Fn(&HttpRequest) -> HttpResponse + Sync),
) -> Result<Vec<Value>, CardError> {
    let c = conn.connector;
    let style = action.paging.unwrap_or(PagingStyle::Link);
    let params = c.def.paging.as_ref();
    let max_pages = params.and_then(|p| p.max_pages).unwrap_or(MAX_PAGES);
    let limit = inputs
        .get("limit")
        .and_then(Value::as_f64)
        .filter(|l| *l >= 0.0)
        .map(|l| l as usize);
    let mut items = Vec::new();
    let mut extra: Vec<(String, Value)> = Vec::new();
    let offset_def = match style {
        PagingStyle::Offset => params.and_then(|p| p.offset.as_ref()),
        PagingStyle::Page => params.and_then(|p| p.page.as_ref()),
        _ => None,
    };
    let mut position = offset_def.and_then(|o| o.start).unwrap_or(match style {
        PagingStyle::Page => 1,
        _ => 0,
    });
    let size = offset_def.and_then(|o| o.size).unwrap_or(100);
    if let Some(o) = offset_def {
        extra.push((o.param.clone(), json!(position)));
        if let Some(sp) = &o.size_param {
            extra.push((sp.clone(), json!(size)));
        }
    }
    let mut req = prepared.request(conn, &extra, cx.attempt);
    for _page in 0..max_pages {
        let resp = conn.send_waiting(cx, req, rehearsal).await?;
        let answer = Answer::of(&resp);
        let scope = answer.scope(&conn.settings, inputs);
        if failed(c, &resp, &scope) {
            return Err(error_of(c, Some(action), &resp, &scope));
        }
        let page = match def.items {
            Some(t) => scope.eval(c, t)?,
            None => answer.body.clone(),
        };
        let page = match page {
            Value::Array(a) => a,
            Value::Null => Vec::new(),
            other => {
                return Err(CardError::new(
                    flow_card::ErrorKind::Remote,
                    format!(
                        "{}: a page's items are not a list but {}",
                        action.kind,
                        flow_model::types::value_kind(&other)
                    ),
                ));
            }
        };
        let n = page.len();
        items.extend(page);
        if let Some(l) = limit
            && items.len() >= l
        {
            items.truncate(l);
            break;
        }
        if cx.dry_run() {
            break;
        }
        let next = match style {
            PagingStyle::Link => match next_link(&resp) {
                Some(url) => {
                    same_origin(&conn.base, &url)?;
                    Some(prepared.finish(conn.request(&prepared.method, url, cx.attempt)))
                }
                None => None,
            },
            PagingStyle::Cursor => {
                let Some(cd) = params.and_then(|p| p.cursor.as_ref()) else {
                    break;
                };
                let cursor = scope.eval(c, cd.next)?;
                let text = flow_template::to_text(&cursor).into_owned();
                if cursor.is_null() || text.is_empty() {
                    None
                } else {
                    set(&mut extra, &cd.param, Value::String(text));
                    Some(prepared.request(conn, &extra, cx.attempt))
                }
            }
            PagingStyle::Offset | PagingStyle::Page => {
                let Some(o) = offset_def else { break };
                let total = match o.total {
                    Some(t) => scope.eval(c, t)?.as_f64().map(|t| t as u64),
                    None => None,
                };
                let done =
                    n == 0 || (style == PagingStyle::Page && (n as u64) < size && total.is_none());
                position += if style == PagingStyle::Page {
                    1
                } else {
                    n as u64
                };
                let past = match (style, total) {
                    (PagingStyle::Offset, Some(t)) => position >= t,
                    (PagingStyle::Page, Some(t)) => (position - 1) * size >= t,
                    _ => false,
                };
                if done || past {
                    None
                } else {
                    set(&mut extra, &o.param, json!(position));
                    Some(prepared.request(conn, &extra, cx.attempt))
                }
            }
        };
        match next {
            Some(r) => req = r,
            None => break,
        }
    }
    Ok(items)
}
