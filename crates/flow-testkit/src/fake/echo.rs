//! An HTTP server that gives the caller's credential back: the upstream that leaks a secret.
//!
//! Real APIs echo what they were sent more often than they should (an error that quotes the
//! bad `Authorization` header, a debug header, a "whoami" body). Tests point a connection at
//! this server to prove that flowctl masks a secret whatever route it takes back.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};

/// A loopback server on its own thread that echoes the `Authorization` header it receives:
///
/// - `GET /fail…` answers `401` with `{"error": "bad token <Authorization>"}`;
/// - any other request answers `200` with header `x-echo: <token>` and body `{"token": "<token>"}`,
///   where `<token>` is the header without its `Bearer ` prefix.
///
/// Every answer closes its connection. The thread serves until the process ends.
pub struct EchoServer {
    addr: SocketAddr,
}

impl EchoServer {
    /// Binds `127.0.0.1:0` and starts serving.
    pub fn start() -> std::io::Result<EchoServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        std::thread::spawn(move || {
            for sock in listener.incoming() {
                let Ok(mut sock) = sock else { return };
                answer(&mut sock);
            }
        });
        Ok(EchoServer { addr })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn answer(sock: &mut std::net::TcpStream) {
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let auth = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("authorization")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    let token = auth.strip_prefix("Bearer ").unwrap_or(&auth);
    let (status, header, body) = if head.starts_with("GET /fail") {
        (
            "401 Unauthorized",
            String::new(),
            serde_json::json!({ "error": format!("bad token {auth}") }),
        )
    } else {
        (
            "200 OK",
            format!("x-echo: {token}\r\n"),
            serde_json::json!({ "token": token }),
        )
    };
    let body = body.to_string();
    let resp = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{header}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(resp.as_bytes());
}
