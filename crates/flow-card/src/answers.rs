//! Canned answers: responses given, by method and URL pattern, to requests a run would send.
//!
//! A dry run rehearses every request with the card's own plausible answer (`200 {}` for
//! `http.request` and `okta.api_request`), which a later step reading `body.items` cannot use.
//! A run environment may carry [`CannedAnswers`] ([`crate::RunEnv::set_answers`]): in a dry run,
//! [`crate::StepCx::send`] answers a request that matches one of them with it instead of the
//! rehearsal. Outside dry runs, [`CannedTransport`] answers matching requests and sends the
//! others through the transport it wraps.

use crate::http::{HttpRequest, HttpResponse, Transport, TransportError};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// One canned answer: which requests it is for and the response they get.
#[derive(Debug, Clone)]
pub struct CannedAnswer {
    /// The method it answers (compared without regard to case); `None` answers every method.
    pub method: Option<String>,
    /// The URL pattern: `*` stands for any text without `/`, `**` for any text. Without a `?`,
    /// the pattern is matched against the URL without its query string.
    pub url: String,
    /// The response.
    pub response: HttpResponse,
}

impl CannedAnswer {
    /// True when this answer is for `req`.
    pub fn matches(&self, req: &HttpRequest) -> bool {
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(&req.method)
        {
            return false;
        }
        let url = if self.url.contains('?') {
            req.url.as_str()
        } else {
            req.url.split(['?', '#']).next().unwrap_or_default()
        };
        wildcard_match(self.url.as_bytes(), url.as_bytes())
    }
}

/// Canned answers in the order given: the first that matches a request answers it.
#[derive(Debug, Clone, Default)]
pub struct CannedAnswers {
    answers: Vec<CannedAnswer>,
}

impl CannedAnswers {
    /// Answers tried in this order.
    pub fn new(answers: Vec<CannedAnswer>) -> Self {
        CannedAnswers { answers }
    }

    /// The response for `req`, when an answer matches it.
    pub fn answer(&self, req: &HttpRequest) -> Option<HttpResponse> {
        self.answers
            .iter()
            .find(|a| a.matches(req))
            .map(|a| a.response.clone())
    }

    /// True when there is no answer.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }

    /// How many answers there are.
    pub fn len(&self) -> usize {
        self.answers.len()
    }
}

/// A transport that answers the requests matching its [`CannedAnswers`] itself and sends every
/// other one through `inner`.
pub struct CannedTransport {
    /// Sends what no answer matches.
    pub inner: Arc<dyn Transport>,
    /// The answers.
    pub answers: Arc<CannedAnswers>,
}

impl Transport for CannedTransport {
    fn send(
        &self,
        req: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        match self.answers.answer(&req) {
            Some(resp) => Box::pin(std::future::ready(Ok(resp))),
            None => self.inner.send(req, timeout),
        }
    }
}

/// One element of a URL pattern.
#[derive(Clone, Copy)]
enum Token {
    /// A byte that must be there.
    Byte(u8),
    /// `*`: any bytes but `/`.
    Star,
    /// `**`: any bytes.
    DoubleStar,
}

/// Matches `text` against `pattern`, where `*` matches any bytes but `/` and `**` any bytes.
/// Dynamic programming over (pattern element, text position): at most
/// `pattern.len() * text.len()` steps, whatever the stars.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut i = 0;
    while let Some(&b) = pattern.get(i) {
        if b == b'*' && pattern.get(i + 1) == Some(&b'*') {
            tokens.push(Token::DoubleStar);
            i += 2;
        } else {
            tokens.push(if b == b'*' {
                Token::Star
            } else {
                Token::Byte(b)
            });
            i += 1;
        }
    }
    // `next[j]`: the tokens after the current one match `text[j..]`.
    let m = text.len();
    let mut next = vec![false; m + 1];
    next[m] = true;
    let mut cur = vec![false; m + 1];
    for token in tokens.iter().rev() {
        for j in (0..=m).rev() {
            let here = text.get(j).copied();
            cur[j] = match *token {
                Token::Byte(c) => here == Some(c) && next[j + 1],
                Token::Star => next[j] || (here.is_some_and(|b| b != b'/') && cur[j + 1]),
                Token::DoubleStar => next[j] || (here.is_some() && cur[j + 1]),
            };
        }
        std::mem::swap(&mut cur, &mut next);
    }
    next[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(method: Option<&str>, url: &str, status: u16) -> CannedAnswer {
        CannedAnswer {
            method: method.map(str::to_string),
            url: url.to_string(),
            response: HttpResponse::json(status, &serde_json::json!({ "status": status })),
        }
    }

    #[test]
    fn stars_match_within_a_segment_and_double_stars_across() {
        let m = |p: &str, t: &str| wildcard_match(p.as_bytes(), t.as_bytes());
        assert!(m("https://a.example/v1/*", "https://a.example/v1/users"));
        assert!(!m("https://a.example/v1/*", "https://a.example/v1/users/1"));
        assert!(m("https://a.example/v1/**", "https://a.example/v1/users/1"));
        assert!(m("*/users/*/lifecycle/*", "x/users/00u1/lifecycle/suspend"));
        assert!(!m("*/users/*/lifecycle/*", "x/users/00u1/sessions"));
        assert!(m("https://a.example/v1/*", "https://a.example/v1/"));
        assert!(!m("https://a.example/v1", "https://a.example/v1/"));
        assert!(m("**", ""));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        // A later single star cannot take a `/`: the double star before it must.
        assert!(m("**/b/*", "x/b/y/b/z"));
    }

    #[test]
    fn the_first_matching_answer_wins_and_the_query_is_ignored_unless_written() {
        let answers = CannedAnswers::new(vec![
            answer(Some("get"), "https://api.example.com/v1/*", 200),
            answer(None, "https://api.example.com/v1/items?page=2", 206),
            answer(None, "https://api.example.com/**", 404),
        ]);
        let get = HttpRequest::new("GET", "https://api.example.com/v1/items?page=2");
        assert_eq!(answers.answer(&get).map(|r| r.status), Some(200));
        let post = HttpRequest::new("POST", "https://api.example.com/v1/items?page=2");
        assert_eq!(answers.answer(&post).map(|r| r.status), Some(206));
        let other = HttpRequest::new("POST", "https://api.example.com/v2/x/y");
        assert_eq!(answers.answer(&other).map(|r| r.status), Some(404));
        let elsewhere = HttpRequest::new("GET", "https://other.example/v1/items");
        assert!(answers.answer(&elsewhere).is_none());
    }
}
