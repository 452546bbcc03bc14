//! Just enough of the Chrome DevTools protocol for the browser tests: starts `chromium
//! --headless`, speaks WebSocket (RFC 6455: the handshake, masked text frames out, frames in)
//! to it, opens one page and sends it commands. No driver crate: one of those takes minutes to
//! build on two cores, and the tests need five commands.

use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Where Chromium is: `$CHROMIUM`, else the first of Debian's and others' usual paths.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// A headless Chromium with one page attached.
pub struct Browser {
    child: tokio::process::Child,
    dir: PathBuf,
    ws: TcpStream,
    next_id: u64,
    session: String,
    events: VecDeque<Value>,
}

impl Browser {
    /// Starts `exe` with a profile in `dir` and opens a blank page of `width`×`height`.
    pub async fn start(exe: &Path, dir: PathBuf) -> Browser {
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = tokio::process::Command::new(exe)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-port=0",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", dir.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        // Chromium says where its DevTools socket is on stderr.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("chromium exited before opening its DevTools socket");
            if let Some(at) = line.find("ws://") {
                break line[at..].trim().to_string();
            }
        };
        // Keep draining stderr so Chromium never blocks writing to it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let rest = url.strip_prefix("ws://").unwrap();
        let (host, path) = rest.split_at(rest.find('/').unwrap());
        let ws = handshake(host, path).await;
        let mut b = Browser {
            child,
            dir,
            ws,
            next_id: 0,
            session: String::new(),
            events: VecDeque::new(),
        };
        let target = b
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = b
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        b.session = attached["sessionId"].as_str().unwrap().to_string();
        b.call("Page.enable", json!({})).await;
        b.call("Runtime.enable", json!({})).await;
        b
    }

    /// Sends a command (to the page once attached) and returns its result; events that arrive
    /// meanwhile are kept for [`Browser::event`].
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            msg["sessionId"] = Value::String(self.session.clone());
        }
        send_text(&mut self.ws, &msg.to_string()).await;
        loop {
            let m = self.read().await;
            if m["id"] == id {
                if let Some(e) = m.get("error") {
                    panic!("{method}: {e}");
                }
                return m["result"].clone();
            }
            if m.get("method").is_some() {
                self.events.push_back(m);
            }
        }
    }

    async fn read(&mut self) -> Value {
        let text = read_text(&mut self.ws).await;
        serde_json::from_str(&text).unwrap()
    }

    /// Waits for the page's next event `method` (those already received first).
    pub async fn event(&mut self, method: &str) -> Value {
        if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(at).unwrap();
        }
        loop {
            let m = self.read().await;
            if m["method"] == method {
                return m;
            }
        }
    }

    /// The errors the page's scripts threw so far (kept until [`Browser::forget_events`]).
    pub fn page_errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Runtime.exceptionThrown")
            .map(|e| e["params"]["exceptionDetails"]["exception"]["description"].to_string())
            .collect()
    }

    /// Drops the events received so far.
    pub fn forget_events(&mut self) {
        self.events.clear();
    }

    /// Evaluates `js` in the page (awaiting a promise) and returns its value; a thrown error
    /// fails the test with its message.
    pub async fn eval(&mut self, js: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": js, "awaitPromise": true, "returnByValue": true }),
            )
            .await;
        if let Some(e) = r.get("exceptionDetails") {
            panic!(
                "in the page: {}; the page's own errors: {:?}",
                e["exception"]["description"],
                self.page_errors()
            );
        }
        r["result"]["value"].clone()
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&mut self, url: &str) {
        self.forget_events();
        self.call("Page.navigate", json!({ "url": url })).await;
        self.event("Page.loadEventFired").await;
    }

    /// Waits until `selector` matches in the page (the page gives up after 20 s, failing the
    /// test with the selector); returns its text.
    pub async fn wait_for(&mut self, selector: &str) -> String {
        let sel = serde_json::to_string(selector).unwrap();
        let js = format!(
            "new Promise((ok, fail) => {{
                const find = () => document.querySelector({sel});
                if (find()) return ok(find().textContent);
                const o = new MutationObserver(() => {{
                    if (find()) {{ o.disconnect(); ok(find().textContent); }}
                }});
                o.observe(document, {{ subtree: true, childList: true, attributes: true }});
                setTimeout(() => {{ o.disconnect(); fail(new Error('no ' + {sel})); }}, 20000);
            }})"
        );
        self.eval(&js)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Sets the viewport (CSS pixels) and whether it is a phone.
    pub async fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await;
    }

    /// A PNG of the whole page.
    pub async fn screenshot(&mut self) -> Vec<u8> {
        let r = self
            .call(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().unwrap())
            .unwrap()
    }
}

impl Browser {
    /// Stops Chromium, waits for it to exit and removes its profile.
    pub async fn close(mut self) {
        let _ = self.child.kill().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A test that fails midway still stops Chromium (its profile may be left in the target dir).
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn handshake(host: &str, path: &str) -> TcpStream {
    let mut s = TcpStream::connect(host).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        s.read_exact(&mut b).await.unwrap();
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    s
}

async fn send_text(s: &mut TcpStream, text: &str) {
    let payload = text.as_bytes();
    let mut frame = vec![0x81u8];
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= 0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let mask: [u8; 4] = rand_mask();
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    s.write_all(&frame).await.unwrap();
}

fn rand_mask() -> [u8; 4] {
    let b = uuid::Uuid::new_v4().into_bytes();
    [b[0], b[1], b[2], b[3]]
}

/// The next whole text message (continuation frames joined; pings answered).
async fn read_text(s: &mut TcpStream) -> String {
    let mut message = Vec::new();
    loop {
        let mut h = [0u8; 2];
        s.read_exact(&mut h).await.unwrap();
        let (fin, opcode) = (h[0] & 0x80 != 0, h[0] & 0x0f);
        let len = match h[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                s.read_exact(&mut b).await.unwrap();
                u64::from(u16::from_be_bytes(b))
            }
            127 => {
                let mut b = [0u8; 8];
                s.read_exact(&mut b).await.unwrap();
                u64::from_be_bytes(b)
            }
            n => u64::from(n),
        };
        let mut payload = vec![0u8; usize::try_from(len).unwrap()];
        s.read_exact(&mut payload).await.unwrap();
        match opcode {
            0x8 => panic!("chromium closed the DevTools socket"),
            0x9 => {
                // Pong, masked as a client must.
                let mask = rand_mask();
                let mut pong = vec![0x8a, 0x80 | payload.len() as u8];
                pong.extend_from_slice(&mask);
                pong.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
                s.write_all(&pong).await.unwrap();
                continue;
            }
            0xa => continue,
            _ => message.extend_from_slice(&payload),
        }
        if fin {
            return String::from_utf8(message).unwrap();
        }
    }
}
