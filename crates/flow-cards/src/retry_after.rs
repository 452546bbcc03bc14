//! Reading a server's "wait this long" signal: `Retry-After` (seconds or an HTTP date), or
//! Okta's `X-Rate-Limit-Reset` (epoch seconds) measured against the response's `Date`.

use flow_card::HttpResponse;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long the server asks us to wait, if it says. `Retry-After` counts on any answer (servers
/// send it with 503 too); Okta's window reset only on 429, since Okta sends it on every answer.
pub fn retry_after(resp: &HttpResponse) -> Option<Duration> {
    if let Some(v) = resp.header("retry-after") {
        let v = v.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = httpdate::parse_http_date(v) {
            return Some(
                at.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            );
        }
    }
    if resp.status == 429 {
        okta_reset(resp)
    } else {
        None
    }
}

/// Okta's rule (as its SDKs implement it): wait `min(X-Rate-Limit-Reset) - Date + 1` seconds.
fn okta_reset(resp: &HttpResponse) -> Option<Duration> {
    let reset = resp
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("x-rate-limit-reset"))
        .filter_map(|(_, v)| v.trim().parse::<u64>().ok())
        .min()?;
    let now = resp
        .header("date")
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .unwrap_or_else(SystemTime::now)
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status: 429,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn reads_retry_after_and_okta_reset() {
        assert_eq!(
            retry_after(&resp(&[("retry-after", "3")])),
            Some(Duration::from_secs(3))
        );
        let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(1_000_000));
        assert_eq!(
            retry_after(&resp(&[("x-rate-limit-reset", "1000002"), ("date", &date)])),
            Some(Duration::from_secs(3))
        );
        assert_eq!(retry_after(&resp(&[])), None);
        let mut ok = resp(&[("x-rate-limit-reset", "1000002"), ("date", &date)]);
        ok.status = 500;
        assert_eq!(
            retry_after(&ok),
            None,
            "the window reset only counts on 429"
        );
    }
}
