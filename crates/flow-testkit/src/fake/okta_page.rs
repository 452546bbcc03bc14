//! Okta `Link` paging shared by the fake's list endpoints: `limit`, the `after` cursor and
//! the `rel="self"` / `rel="next"` headers (one `Link` header line each, as Okta sends them).

use serde_json::Value;

use super::okta_http::Reply;
use super::util::{encode_strict, form_value};

/// How one list endpoint pages.
#[derive(Debug, Clone)]
pub(crate) struct Paging<'a> {
    /// The fake's base URL (`http://127.0.0.1:PORT`).
    pub(crate) base_url: &'a str,
    /// The raw request path, repeated in the links.
    pub(crate) path: &'a str,
    /// The decoded request query.
    pub(crate) query: &'a [(String, String)],
    /// Query parameters carried into every link (`filter`, `search`, `q`, …), in order.
    pub(crate) carried: Vec<(&'static str, String)>,
    /// Page size when `limit` is absent.
    pub(crate) default_limit: usize,
    /// The largest page size; a bigger `limit` is clamped.
    pub(crate) max_limit: usize,
}

impl Paging<'_> {
    /// The page size asked for (`limit`, clamped), or the default.
    pub(crate) fn limit(&self) -> usize {
        form_value(self.query, "limit")
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|l| *l > 0)
            .map_or(self.default_limit, |l| l.min(self.max_limit))
    }

    /// A link to this list with `after` (and the carried parameters and limit).
    pub(crate) fn link(&self, after: Option<&str>) -> String {
        let mut params = self.carried.clone();
        params.push(("limit", self.limit().to_string()));
        if let Some(after) = after {
            params.push(("after", after.to_owned()));
        }
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_strict(v)))
            .collect();
        format!("{}{}?{}", self.base_url, self.path, query.join("&"))
    }

    /// Answers one page of `items` (each with its cursor, the record's id): the records after
    /// the `after` cursor (none when the cursor is unknown), a `self` link, and a `next` link
    /// when more records follow.
    pub(crate) fn answer(&self, items: Vec<(String, Value)>) -> Reply {
        self.answer_with(&items, Value::clone)
    }

    /// As [`Paging::answer`], rendering only the records of the page with `render`.
    pub(crate) fn answer_with<T>(
        &self,
        items: &[(String, T)],
        render: impl Fn(&T) -> Value,
    ) -> Reply {
        let limit = self.limit();
        let after = form_value(self.query, "after");
        let start = match after {
            Some(cursor) => match items.iter().position(|(id, _)| id == cursor) {
                Some(i) => i + 1,
                None => items.len(),
            },
            None => 0,
        };
        let page: Vec<&(String, T)> = items.iter().skip(start).take(limit).collect();
        let more = start + page.len() < items.len();
        let next = page.last().map(|(id, _)| id.clone());
        let body = Value::Array(page.into_iter().map(|(_, v)| render(v)).collect());
        let mut reply = Reply::json(200, body)
            .with_header("link", format!("<{}>; rel=\"self\"", self.link(after)));
        if more && let Some(next) = next {
            reply = reply.with_header(
                "link",
                format!("<{}>; rel=\"next\"", self.link(Some(&next))),
            );
        }
        reply
    }
}

/// The decoded value of a query parameter when present and not empty.
pub(crate) fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form_value(query, name).filter(|v| !v.is_empty())
}
