//! Small helpers shared by the fakes: locking, random ids, URL decoding, dates, serving.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::gate::InFlight;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Locks a mutex, recovering the data if a previous holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

fn random_from(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[fastrand::usize(..alphabet.len())]))
        .collect()
}

/// A random string of ASCII letters and digits.
pub(crate) fn random_alnum(len: usize) -> String {
    random_from(ALNUM, len)
}

/// A random string of URL-safe characters (`[A-Za-z0-9_-]`).
pub(crate) fn random_urlsafe(len: usize) -> String {
    random_from(URLSAFE, len)
}

/// Percent-decodes one URL component; `+` becomes a space only when `plus_is_space`.
pub(crate) fn decode_component(raw: &str, plus_is_space: bool) -> String {
    if plus_is_space && raw.contains('+') {
        let spaced = raw.replace('+', " ");
        percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
    } else {
        percent_decode_str(raw).decode_utf8_lossy().into_owned()
    }
}

/// Parses an `application/x-www-form-urlencoded` string (a query or a form body).
///
/// Both `+` and `%20` decode to a space. Pairs without `=` get an empty value.
pub(crate) fn parse_form(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode_component(k, true), decode_component(v, true)),
            None => (decode_component(pair, true), String::new()),
        })
        .collect()
}

/// The first value of `name` in decoded form pairs.
pub(crate) fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Everything except RFC 3986 unreserved characters gets percent-encoded.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a value with the strict set (spaces become `%20`).
pub(crate) fn encode_strict(value: &str) -> String {
    utf8_percent_encode(value, STRICT).to_string()
}

/// The current time as an HTTP date (`Date` header format).
pub(crate) fn http_date_now() -> String {
    httpdate::fmt_http_date(SystemTime::now())
}

/// Whole UTC epoch seconds at `now + ahead`, rounded up.
pub(crate) fn epoch_secs_ceil(ahead: Duration) -> u64 {
    let at = SystemTime::now() + ahead;
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    since.as_secs() + u64::from(since.subsec_nanos() > 0)
}

/// Whole UTC epoch seconds now, rounded down.
pub(crate) fn epoch_secs_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Builds a response with a status (500 if the code is invalid) and a body.
pub(crate) fn response(status: u16, body: impl Into<Body>) -> Response<Body> {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp
}

/// Appends a header; values that are not valid header text are skipped.
pub(crate) fn add_header(resp: &mut Response<Body>, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        resp.headers_mut()
            .append(HeaderName::from_static(name), value);
    }
}

/// A running loopback server; dropping it stops accepting new connections and closes the
/// open ones.
#[derive(Debug)]
pub(crate) struct ServerHandle {
    addr: SocketAddr,
    task: JoinHandle<()>,
    connections: Arc<AtomicU64>,
    in_flight: Arc<InFlight>,
}

impl ServerHandle {
    /// The bound address (always 127.0.0.1 and an ephemeral port).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far (a client that keeps connections alive opens few).
    pub(crate) fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// The in-flight counters of this server.
    pub(crate) fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Put in every request's extensions: closes the request's connection without an answer.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    /// Closes the connection this request came on; the handler should then never answer.
    pub(crate) fn kill(&self) {
        self.0.notify_one();
    }
}

/// Closes the request's connection without answering, and never returns.
pub(crate) async fn drop_connection(parts: &Parts) -> Response<Body> {
    if let Some(kill) = parts.extensions.get::<ConnectionKill>() {
        kill.kill();
    }
    std::future::pending().await
}

/// Binds `127.0.0.1:0`, reporting the address so state can be built before serving.
pub(crate) async fn bind_loopback() -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves `router` on `listener` from a spawned task, HTTP/1.1 with keep-alive. Each request
/// is counted in flight while it is handled and carries a [`ConnectionKill`] for its
/// connection, so a fault can close it without answering.
pub(crate) fn spawn_server(
    listener: TcpListener,
    addr: SocketAddr,
    router: Router,
) -> ServerHandle {
    let connections = Arc::new(AtomicU64::new(0));
    let in_flight = Arc::new(InFlight::default());
    let (counter, flights) = (Arc::clone(&connections), Arc::clone(&in_flight));
    let task = tokio::spawn(async move {
        // Dropping the set (when the task is aborted) closes every open connection.
        let mut open = JoinSet::new();
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                // Out of file descriptors or the like: try again.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            while open.try_join_next().is_some() {}
            counter.fetch_add(1, Ordering::Relaxed);
            let _ = stream.set_nodelay(true);
            let kill = Arc::new(Notify::new());
            let (router, flights, marker) = (
                router.clone(),
                Arc::clone(&flights),
                ConnectionKill(Arc::clone(&kill)),
            );
            let service = service_fn(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(marker.clone());
                let guard = flights.enter();
                let answer = router.clone().oneshot(req);
                async move {
                    let resp = answer.await;
                    drop(guard);
                    resp
                }
            });
            open.spawn(async move {
                let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    // A connection error only ends that connection.
                    _ = conn => {}
                    () = kill.notified() => {}
                }
            });
        }
    });
    ServerHandle {
        addr,
        task,
        connections,
        in_flight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_handles_plus_and_percent() {
        let pairs = parse_form("filter=status+eq+%22ACTIVE%22&x=a%2Bb%20c&flag");
        assert_eq!(form_value(&pairs, "filter"), Some("status eq \"ACTIVE\""));
        assert_eq!(form_value(&pairs, "x"), Some("a+b c"));
        assert_eq!(form_value(&pairs, "flag"), Some(""));
    }

    #[test]
    fn path_decoding_keeps_plus() {
        assert_eq!(decode_component("a+b%40x.com", false), "a+b@x.com");
        assert_eq!(decode_component("a%2Bb%40x.com", false), "a+b@x.com");
    }

    #[test]
    fn strict_encoding() {
        assert_eq!(
            encode_strict("profile.email eq \"a+b@x.com\""),
            "profile.email%20eq%20%22a%2Bb%40x.com%22"
        );
    }
}
