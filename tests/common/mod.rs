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

/// A `flowctl` invocation being built.
pub struct Run {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Run {
    /// `flowctl ARGS…` in the project root, with no Okta, Slack or Oort variables set.
    ///
    /// Every run gets its own store (`FLOWCTL_STORE` pointing at a fresh file under the target
    /// directory), so no test writes `.flowctl/state.db` into the checkout or sees another
    /// test's runs. `.env("FLOWCTL_STORE", "")` gives the project's own `store:` back.
    pub fn new(args: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowctl"));
        cmd.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .env(
                "FLOWCTL_STORE",
                format!("sqlite://{}", fresh_store().display()),
            );
        for (k, _) in std::env::vars() {
            if k.starts_with("OKTA_")
                || k.starts_with("SLACK_")
                || k.starts_with("OORT_")
                || k.starts_with("FLOWCTL_")
            {
                cmd.env_remove(k);
            }
        }
        Run { cmd, stdin: None }
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

/// Every directory under `examples/` that holds flow files.
pub fn example_flow_dirs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_flow = false;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
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
