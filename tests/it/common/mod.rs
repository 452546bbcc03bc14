//! A small builder that runs the `flowctl` binary and captures what it printed.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// What a run printed.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Asserts exit code 0 and returns self.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// What `flowctl serve` of the checkout needs for `flows/okta-suspended-user-ticket.yaml` (its
/// hook secret, its Microsoft 365 and Jira credentials); never sent anywhere by the tests.
pub const SHOWCASE_ENV: &[(&str, &str)] = &[
    ("OKTA_HOOK_SECRET", "test-okta-hook-secret"),
    ("MICROSOFT365_TOKEN", "test-graph-token"),
    ("JIRA_EMAIL", "flows@example.com"),
    ("JIRA_API_TOKEN", "test-jira-token"),
];

/// A `flowctl` invocation being built.
pub struct Run {
    cmd: Command,
    stdin: Option<Vec<u8>>,
    store: PathBuf,
}

impl Run {
    /// `flowctl ARGS…` in the project root, with no Okta, Slack or Oort variables set.
    ///
    /// Every run gets its own store (`FLOWCTL_STORE` pointing at a fresh file under the target
    /// directory), so no test writes `.flowctl/state.db` into the checkout or sees another
    /// test's runs. `.env("FLOWCTL_STORE", "")` gives the project's own `store:` back.
    pub fn new(args: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowctl"));
        let store = fresh_store();
        cmd.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .env("FLOWCTL_STORE", format!("sqlite://{}", store.display()));
        for (k, _) in std::env::vars() {
            if k.starts_with("OKTA_")
                || k.starts_with("SLACK_")
                || k.starts_with("OORT_")
                || k.starts_with("FLOWCTL_")
            {
                cmd.env_remove(k);
            }
        }
        cmd.envs(SHOWCASE_ENV.iter().copied());
        Run {
            cmd,
            stdin: None,
            store,
        }
    }

    /// The store file this run was given.
    pub fn store(&self) -> PathBuf {
        self.store.clone()
    }

    /// Removes a variable.
    pub fn env_remove(mut self, k: &str) -> Self {
        self.cmd.env_remove(k);
        self
    }

    /// Uses the project file `config` (`--config`, before the other arguments).
    pub fn config(mut self, config: &std::path::Path) -> Self {
        let args: Vec<std::ffi::OsString> = self.cmd.get_args().map(|a| a.to_owned()).collect();
        let mut cmd = Command::new(self.cmd.get_program());
        cmd.arg("--config").arg(config).args(args);
        for (k, v) in self.cmd.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(d) = self.cmd.get_current_dir() {
            cmd.current_dir(d);
        }
        self.cmd = cmd;
        self
    }

    /// The command as built (to spawn it yourself, e.g. a server).
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Sets a variable.
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.cmd.env(k, v);
        self
    }

    /// Feeds standard input.
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.as_bytes().to_vec());
        self
    }

    /// Runs in another directory.
    pub fn dir(mut self, dir: &std::path::Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Runs to completion.
    pub fn run(mut self) -> Output {
        self.cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::piped());
        let mut child = self.cmd.spawn().expect("flowctl starts");
        let input = self.stdin.take().unwrap_or_default();
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("flowctl finishes");
        let _ = writer.join();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs `flowctl ARGS…` in the project root.
pub fn flowctl(args: &[&str]) -> Output {
    Run::new(args).run()
}

/// A path for a new store file, unique in this test process.
pub fn fresh_store() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stores");
    std::fs::create_dir_all(&dir).expect("store dir");
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("{}-{n}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// A fresh directory under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Every directory of the checkout that holds flow files: `flows/` and any under `examples/`
/// but `examples/scenarios/` (`--fakes` scenario files). Callers assert the list is not empty,
/// so a loop over it cannot silently run zero times.
pub fn flow_dirs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut stack = vec![root.join("flows"), root.join("examples")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_flow = false;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("examples/scenarios") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "yaml")
                && !p.to_string_lossy().ends_with(".test.yaml")
                && p.file_name().is_some_and(|n| n != "flowctl.yaml")
            {
                has_flow = true;
            }
        }
        if has_flow {
            out.push(dir);
        }
    }
    out.sort();
    out
}

/// The example events (`examples/events/*.json`), sorted.
pub fn example_events() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/events");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The checkout's `flowctl.yaml`.
pub fn root_config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("flowctl.yaml")
}

/// A project in a fresh directory: `flowctl.yaml` with `config`, and `files` (paths relative
/// to the project, e.g. `flows/a.yaml`). Returns the directory.
pub fn project(name: &str, config: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::write(dir.join("flowctl.yaml"), config).expect("write flowctl.yaml");
    std::fs::create_dir_all(dir.join("flows")).expect("flows dir");
    for (path, bytes) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("dir");
        }
        std::fs::write(p, bytes).expect("write a project file");
    }
    dir
}

/// Compares `actual` with `tests/golden/NAME`; with `UPDATE_GOLDEN=1` in the environment,
/// writes it instead.
pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("golden dir")).expect("golden dir");
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "differs from {} (UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}

/// How a `flowctl serve` process went.
#[derive(Debug, PartialEq)]
pub enum Served {
    /// It exited before listening, with this code and standard error.
    Exited(i32, String),
    /// It logged `serve.started` (and was stopped).
    Started,
}

/// A running `flowctl serve --log-format json`, with its log lines (standard error) as they
/// come. Dropping it kills the process.
pub struct Server {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    /// Every line read so far.
    pub seen: Vec<String>,
    /// Where it listens, once it said so (see [`Server::listen`]).
    addr: Option<std::net::SocketAddr>,
}

/// How long a test waits for a log line before it gives up (a guard against a hang, not a
/// synchronisation: every wait ends as soon as the line is logged).
const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(120);

impl Server {
    /// Starts `cmd` (a `flowctl serve …` command) with its standard error read line by line.
    pub fn spawn(mut cmd: Command) -> Server {
        cmd.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .stdin(Stdio::null());
        let mut child = cmd.spawn().expect("flowctl serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            lines,
            seen: Vec::new(),
            addr: None,
        }
    }

    /// Starts `cmd` (a `flowctl` command with its directory and environment) as `serve` on an
    /// ephemeral port of 127.0.0.1 with JSON logs, and waits until it listens.
    pub fn listen(mut cmd: Command) -> Server {
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"]);
        let mut server = Server::spawn(cmd);
        let started = server
            .wait_for("serve.started")
            .unwrap_or_else(|| panic!("the server exited:\n{}", server.seen.join("\n")));
        let listen = started["listen"]
            .as_str()
            .expect("serve.started has `listen`");
        server.addr = Some(
            listen
                .trim_start_matches("http://")
                .parse()
                .expect("`listen` is an address"),
        );
        server
    }

    /// Where a server started with [`Server::listen`] listens.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr.expect("started with Server::listen")
    }

    /// Kills the process (as a crash would) and waits for it.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill flowctl serve");
        self.child.wait().expect("flowctl serve ends");
    }

    /// The log lines logged since the last read, without waiting.
    pub fn unread(&mut self) -> Vec<String> {
        let new: Vec<String> = self.lines.try_iter().collect();
        self.seen.extend(new.iter().cloned());
        new
    }

    /// Waits for the first log line (JSON) whose `event` is `event`, and returns it. `None`
    /// when standard error closes first (the process ended).
    pub fn wait_for(&mut self, event: &str) -> Option<serde_json::Value> {
        loop {
            let line = match self.lines.recv_timeout(HANG_GUARD) {
                Ok(l) => l,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    panic!("no `{event}` log line; seen:\n{}", self.seen.join("\n"))
                }
            };
            self.seen.push(line.clone());
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                && v["event"] == event
            {
                return Some(v);
            }
        }
    }

    /// Runs the server until it either logs `serve.started` or exits.
    pub fn outcome(mut self) -> Served {
        if self.wait_for("serve.started").is_some() {
            return Served::Started;
        }
        let code = self
            .child
            .wait()
            .expect("flowctl serve ends")
            .code()
            .unwrap_or(-1);
        Served::Exited(code, self.seen.join("\n"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `POST path` with an empty body to `addr` over HTTP/1.1; returns the status and the body.
pub fn post(addr: &str, path: &str) -> (u16, String) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the server");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read the answer");
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}
