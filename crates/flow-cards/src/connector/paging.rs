//! Following pages of a list action: RFC 8288 `Link: <…>; rel="next"`, a next-page URL read
//! from each answer (both kept on the connection's host), a cursor read from each answer, an
//! offset advanced by the items seen (ended early by a `more: false`), or a page number. A
//! rate-limited page is waited for and sent again by [`ConnectorLive::send_waiting`], so no page
//! is repeated or lost; `limit` stops early. [`Pager`] hands the pages out one at a time (a
//! streamed action, [`super::stream`]); [`collect`] gathers them.

use super::action::{Answer, Prepared, error_of, failed};
use super::format::{ActionDef, OffsetDef, PagingDef, PagingStyle};
use super::live::ConnectorLive;
use super::load::Action;
use flow_card::{CardError, ErrorKind, HttpRequest, HttpResponse, StepCx};
use serde_json::{Value, json};
use std::fmt;
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

/// Why a next page's URL (a `Link` header's or one read from the body) is not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextPageError {
    /// It is not a URL, nor a path.
    NotAUrl {
        /// The text, shortened.
        next: String,
    },
    /// It points at another host (or scheme, or port) than the connection's base URL, or
    /// carries user info: following it would send the credential elsewhere (SSRF).
    OffHost {
        /// The host it points at.
        host: String,
        /// The connection's host.
        base: String,
    },
}

impl fmt::Display for NextPageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextPageError::NotAUrl { next } => {
                write!(f, "the next page `{next}` is not a URL")
            }
            NextPageError::OffHost { host, base } => write!(
                f,
                "the next page URL points at `{host}`, off the connection's host `{base}`: not followed"
            ),
        }
    }
}

impl std::error::Error for NextPageError {}

impl NextPageError {
    /// The stable code of the card error it becomes.
    pub fn code(&self) -> &'static str {
        match self {
            NextPageError::NotAUrl { .. } => "next_page_not_a_url",
            NextPageError::OffHost { .. } => "next_page_off_host",
        }
    }
}

impl From<NextPageError> for CardError {
    fn from(e: NextPageError) -> Self {
        CardError::new(ErrorKind::Remote, e.to_string()).with_code(e.code())
    }
}

/// `scheme://host:port` of a URL, for messages (no path, query or user info).
fn origin_text(u: &Url) -> String {
    u.origin().ascii_serialization()
}

/// The URL of the next page from `next` as an answer names it: an absolute URL, a path from the
/// base URL's host (`/…`), or a path under the base URL. Refused unless it stays on the base
/// URL's origin without user info.
pub fn next_page_url(base: &str, next: &str) -> Result<String, NextPageError> {
    let not_url = || NextPageError::NotAUrl {
        next: next.chars().take(80).collect(),
    };
    let b = Url::parse(base).map_err(|_| not_url())?;
    let has_scheme = next.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let n = if has_scheme || next.starts_with('/') {
        b.join(next)
    } else {
        Url::parse(&format!("{}/{next}", base.trim_end_matches('/')))
    }
    .map_err(|_| not_url())?;
    if b.origin() != n.origin() || !n.username().is_empty() || n.password().is_some() {
        return Err(NextPageError::OffHost {
            host: n.host_str().map_or_else(|| origin_text(&n), str::to_string),
            base: b.host_str().unwrap_or_default().to_string(),
        });
    }
    Ok(n.to_string())
}

/// Sets a parameter, in place when it is there already.
fn set(params: &mut Vec<(String, Value)>, name: &str, value: Value) {
    match params.iter_mut().find(|(k, _)| k == name) {
        Some(p) => p.1 = value,
        None => params.push((name.to_string(), value)),
    }
}

/// The `limit` input: the most records to return (all when absent or negative).
pub fn limit_of(inputs: &Value) -> Option<usize> {
    inputs
        .get("limit")
        .and_then(Value::as_f64)
        .filter(|l| *l >= 0.0)
        .map(|l| l as usize)
}

/// What one list call needs to ask for its pages.
pub struct PageSource<'p, 'c> {
    /// The step.
    pub cx: &'p StepCx<'c>,
    /// The connection.
    pub conn: &'p ConnectorLive,
    /// The action.
    pub action: &'p Action,
    /// Its definition.
    pub def: &'p ActionDef,
    /// The first request, before paging parameters.
    pub prepared: &'p Prepared,
    /// The action's inputs.
    pub inputs: &'p Value,
    /// The answer of a dry run.
    pub rehearsal: &'p (dyn Fn(&HttpRequest) -> HttpResponse + Sync),
}

/// Hands out a list action's pages one at a time, up to the `limit` input and the connector's
/// `max_pages`: each page is asked for only when the one before has been taken.
pub struct Pager<'p, 'c> {
    /// Where pages come from; `None` for records given up front ([`Pager::fixed`]).
    src: Option<PageSource<'p, 'c>>,
    /// Records given up front (a rehearsal), handed out as one page.
    fixed: Option<Vec<Value>>,
    style: PagingStyle,
    params: Option<&'p PagingDef>,
    offset_def: Option<&'p OffsetDef>,
    /// The query parameters added for paging.
    extra: Vec<(String, Value)>,
    /// The first offset or page number.
    start: u64,
    /// The current offset or page number.
    position: u64,
    size: u64,
    /// The request of the next page, when there is one.
    next: Option<HttpRequest>,
    pages: u32,
    max_pages: u32,
    limit: Option<usize>,
    /// Records handed out so far.
    seen: usize,
}

impl<'p, 'c> Pager<'p, 'c> {
    /// A pager over the answers of `src`'s action.
    pub fn new(src: PageSource<'p, 'c>) -> Self {
        let c = src.conn.connector;
        let style = src.action.paging.unwrap_or(PagingStyle::Link);
        let params = c.def.paging.as_ref();
        let offset_def = match style {
            PagingStyle::Offset => params.and_then(|p| p.offset.as_ref()),
            PagingStyle::Page => params.and_then(|p| p.page.as_ref()),
            _ => None,
        };
        let start = offset_def.and_then(|o| o.start).unwrap_or(match style {
            PagingStyle::Page => 1,
            _ => 0,
        });
        let size = offset_def.and_then(|o| o.size).unwrap_or(100);
        let mut extra = Vec::new();
        if let Some(o) = offset_def {
            extra.push((o.param.clone(), json!(start)));
            if let Some(sp) = &o.size_param {
                extra.push((sp.clone(), json!(size)));
            }
        }
        let first = src.prepared.request(src.conn, &extra, src.cx.attempt);
        Pager {
            limit: limit_of(src.inputs),
            max_pages: params.and_then(|p| p.max_pages).unwrap_or(MAX_PAGES),
            src: Some(src),
            fixed: None,
            style,
            params,
            offset_def,
            extra,
            start,
            position: start,
            size,
            next: Some(first),
            pages: 0,
            seen: 0,
        }
    }

    /// A pager that hands out `records` as one page (up to `limit`): a dry run's rehearsed
    /// records.
    pub fn fixed(records: Vec<Value>, limit: Option<usize>) -> Self {
        Pager {
            src: None,
            fixed: Some(records),
            style: PagingStyle::Link,
            params: None,
            offset_def: None,
            extra: Vec::new(),
            start: 0,
            position: 0,
            size: 0,
            next: None,
            pages: 0,
            max_pages: 1,
            limit,
            seen: 0,
        }
    }

    /// Records handed out so far.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The next page's records, `None` once the list is done.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Value>>, CardError> {
        if let Some(mut records) = self.fixed.take() {
            if let Some(l) = self.limit {
                records.truncate(l);
            }
            self.seen += records.len();
            return Ok(Some(records));
        }
        let Some(src) = &self.src else {
            return Ok(None);
        };
        if self.pages >= self.max_pages {
            return Ok(None);
        }
        let Some(req) = self.next.take() else {
            return Ok(None);
        };
        self.pages += 1;
        let (cx, conn, action) = (src.cx, src.conn, src.action);
        let c = conn.connector;
        let resp = conn.send_waiting(cx, req, src.rehearsal).await?;
        let answer = Answer::of(&resp);
        let scope = answer.scope(&conn.settings, src.inputs);
        if failed(c, &resp, &scope) {
            return Err(error_of(c, Some(action), &resp, &scope));
        }
        let page = match src.def.items {
            Some(t) => scope.eval(c, t)?,
            None => answer.body.clone(),
        };
        let mut page = match page {
            Value::Array(a) => a,
            Value::Null => Vec::new(),
            other => {
                return Err(CardError::new(
                    ErrorKind::Remote,
                    format!(
                        "{}: a page's items are not a list but {}",
                        action.kind,
                        flow_model::types::value_kind(&other)
                    ),
                ));
            }
        };
        let n = page.len();
        if let Some(l) = self.limit
            && self.seen + n >= l
        {
            page.truncate(l.saturating_sub(self.seen));
            self.seen += page.len();
            return Ok(Some(page));
        }
        self.seen += n;
        if cx.dry_run() {
            return Ok(Some(page));
        }
        self.next = self.after(&resp, &scope, n)?;
        Ok(Some(page))
    }

    /// The request of the page after one of `n` items answered by `resp`, if any.
    fn after(
        &mut self,
        resp: &HttpResponse,
        scope: &super::action::CallScope<'_>,
        n: usize,
    ) -> Result<Option<HttpRequest>, CardError> {
        let Some(src) = &self.src else {
            return Ok(None);
        };
        let (cx, conn, prepared) = (src.cx, src.conn, src.prepared);
        let c = conn.connector;
        let follow = |url: String| prepared.finish(conn.request(&prepared.method, url, cx.attempt));
        Ok(match self.style {
            PagingStyle::Link => match next_link(resp) {
                Some(url) => Some(follow(next_page_url(&conn.base, &url)?)),
                None => None,
            },
            PagingStyle::NextUrl => {
                let Some(nd) = self.params.and_then(|p| p.next_url.as_ref()) else {
                    return Ok(None);
                };
                let next = scope.eval(c, nd.next)?;
                let text = flow_template::to_text(&next).into_owned();
                if next.is_null() || text.trim().is_empty() {
                    None
                } else {
                    Some(follow(next_page_url(&conn.base, text.trim())?))
                }
            }
            PagingStyle::Cursor => {
                let Some(cd) = self.params.and_then(|p| p.cursor.as_ref()) else {
                    return Ok(None);
                };
                let cursor = scope.eval(c, cd.next)?;
                let text = flow_template::to_text(&cursor).into_owned();
                if cursor.is_null() || text.is_empty() {
                    None
                } else {
                    set(&mut self.extra, &cd.param, Value::String(text));
                    Some(prepared.request(conn, &self.extra, cx.attempt))
                }
            }
            PagingStyle::Offset | PagingStyle::Page => {
                let Some(o) = self.offset_def else {
                    return Ok(None);
                };
                let total = match o.total {
                    Some(t) => scope.eval(c, t)?.as_f64().map(|t| t as u64),
                    None => None,
                };
                // `more: false` says this was the last page; null says nothing.
                let no_more = match o.more {
                    Some(t) => {
                        let v = scope.eval(c, t)?;
                        !v.is_null() && !flow_template::is_truthy(&v)
                    }
                    None => false,
                };
                let page_style = self.style == PagingStyle::Page;
                let done =
                    n == 0 || no_more || (page_style && (n as u64) < self.size && total.is_none());
                self.position += if page_style { 1 } else { n as u64 };
                let past = match total {
                    Some(t) if page_style => {
                        self.position
                            .saturating_sub(self.start)
                            .saturating_mul(self.size)
                            >= t
                    }
                    Some(t) => self.position >= t,
                    None => false,
                };
                if done || past {
                    None
                } else {
                    set(&mut self.extra, &o.param, json!(self.position));
                    Some(prepared.request(conn, &self.extra, cx.attempt))
                }
            }
        })
    }
}

/// Collects every page's items (up to the `limit` input).
pub async fn collect(src: PageSource<'_, '_>) -> Result<Vec<Value>, CardError> {
    let mut pager = Pager::new(src);
    let mut items = Vec::new();
    while let Some(page) = pager.next_page().await? {
        items.extend(page);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::{NextPageError, next_page_url};

    const BASE: &str = "https://acme.my.salesforce.com/services/data/v62.0";

    #[test]
    fn next_urls_on_the_base_host_are_followed() {
        let ok = |next: &str| next_page_url(BASE, next);
        assert_eq!(
            ok("https://acme.my.salesforce.com/services/data/v62.0/query/01g-2000"),
            Ok("https://acme.my.salesforce.com/services/data/v62.0/query/01g-2000".into())
        );
        // A path from the host (Salesforce's nextRecordsUrl).
        assert_eq!(
            ok("/services/data/v62.0/query/01g-2000"),
            Ok("https://acme.my.salesforce.com/services/data/v62.0/query/01g-2000".into())
        );
        // A path under the base URL.
        assert_eq!(
            ok("query/01g-2000?x=1"),
            Ok("https://acme.my.salesforce.com/services/data/v62.0/query/01g-2000?x=1".into())
        );
    }

    #[test]
    fn next_urls_off_the_base_host_are_refused() {
        let off = |next: &str| match next_page_url(BASE, next) {
            Err(NextPageError::OffHost { host, .. }) => host,
            other => panic!("{next}: {other:?}"),
        };
        assert_eq!(
            off("https://attacker.example/services/data"),
            "attacker.example"
        );
        assert_eq!(off("//attacker.example/x"), "attacker.example");
        assert_eq!(
            off("http://acme.my.salesforce.com/services/data"),
            "acme.my.salesforce.com"
        );
        assert_eq!(
            off("https://acme.my.salesforce.com:8443/x"),
            "acme.my.salesforce.com"
        );
        assert_eq!(
            off("https://me:pw@acme.my.salesforce.com/x"),
            "acme.my.salesforce.com"
        );
        assert_eq!(
            off("https://acme.my.salesforce.com.attacker.example/x"),
            "acme.my.salesforce.com.attacker.example"
        );
        let e = next_page_url(BASE, "http://169.254.169.254/latest").unwrap_err();
        assert_eq!(e.code(), "next_page_off_host");
        let card: flow_card::CardError = e.into();
        assert_eq!(card.kind, flow_card::ErrorKind::Remote);
        assert!(!card.kind.is_retryable());
    }
}
