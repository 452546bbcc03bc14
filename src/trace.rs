//! The human trace of a run: one line per step with its status, duration and a short view of
//! its output; requests under the step that sent them; helper runs nested under their step.

use flow_card::HttpExchange;
use flow_model::units::format_duration;
use flow_runtime::{ExecutionRecord, OmittedRuns, RunStatus, StepRecord, StepStatus};
use serde_json::Value;
use std::fmt::Write;
use std::io::IsTerminal;
use std::time::Duration;

/// How to render.
pub struct Options {
    /// The run was a rehearsal.
    pub dry_run: bool,
    /// Helper runs shown per step.
    pub children: usize,
    /// Use ANSI colors.
    pub color: bool,
}

/// True when standard output is a terminal and `NO_COLOR` is not set.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn status(&self, s: StepStatus) -> String {
        match s {
            StepStatus::Succeeded => self.wrap("32", "✓"),
            StepStatus::Failed => self.wrap("31", "✗"),
            StepStatus::Skipped => self.wrap("33", "-"),
            StepStatus::Pending | StepStatus::Running => self.wrap("33", "…"),
        }
    }
}

fn dur(ms: f64) -> String {
    format_duration(Duration::from_secs_f64(ms.max(0.0) / 1000.0))
}

/// A value as compact JSON of at most `max` characters.
pub fn short(v: &Value, max: usize) -> String {
    let text = match v {
        Value::String(s) => format!("{:?}", s),
        other => other.to_string(),
    };
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// Renders a whole record.
pub fn render(rec: &ExecutionRecord, opts: &Options) -> String {
    let p = Paint(opts.color);
    let mut out = String::new();
    let mode = if opts.dry_run {
        "  (dry run: nothing was sent)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{} {}  {}{mode}",
        p.bold("▶"),
        p.bold(&rec.flow),
        p.dim(&format!("execution {}", rec.execution_id))
    );
    render_steps(&rec.steps, opts, &p, "  ", &mut out);
    let status = match rec.status {
        RunStatus::Succeeded => p.wrap("32", "✓ succeeded"),
        RunStatus::Failed => p.wrap("31", "✗ failed"),
        RunStatus::Stopped => p.wrap("33", "■ stopped"),
        RunStatus::Running => p.wrap("33", "… running"),
    };
    let mut tail = format!(
        "{status} in {} · {} steps",
        dur(rec.duration_ms),
        rec.count_steps()
    );
    let omitted = rec.count_omitted_runs();
    if omitted > 0 {
        // The steps above are those kept in the record; these runs were only counted.
        let _ = write!(tail, " kept, {omitted} more helper runs counted");
    }
    if let Some(r) = &rec.response {
        let _ = write!(tail, " · caller got {} after {}", r.status, dur(r.at_ms));
    }
    let _ = writeln!(out, "{tail}");
    if let Some(e) = &rec.error {
        // A run can fail outside any step (interrupted, its flow gone).
        let at = if e.step.is_empty() {
            String::new()
        } else {
            format!(" step `{}`", e.step)
        };
        let _ = writeln!(
            out,
            "  {}{at} ({}): {}",
            p.wrap("31", "error:"),
            e.kind,
            e.message
        );
    }
    if !rec.output.is_null() {
        let _ = writeln!(out, "  output: {}", short(&rec.output, 200));
    }
    out
}

fn render_steps(steps: &[StepRecord], opts: &Options, p: &Paint, indent: &str, out: &mut String) {
    let id_w = steps
        .iter()
        .map(|s| s.id.chars().count())
        .max()
        .unwrap_or(0);
    let card_w = steps.iter().map(|s| s.card.len()).max().unwrap_or(0);
    for s in steps {
        let mut line = format!(
            "{indent}{} {:id_w$}  {}  {:>7}",
            p.status(s.status),
            s.id,
            p.dim(&format!("{:card_w$}", s.card)),
            if s.attempts > 0 {
                dur(s.duration_ms)
            } else {
                String::new()
            },
        );
        match s.status {
            StepStatus::Succeeded => {
                if let Some(o) = &s.output {
                    let _ = write!(line, "  → {}", short(o, 96));
                }
                // A step that stopped the run says why (`flow.continue_if`'s `message`).
                if let Some(r) = &s.reason {
                    let _ = write!(
                        line,
                        "  {}",
                        p.wrap("33", &format!("stopped the flow: {r}"))
                    );
                }
            }
            StepStatus::Failed => {
                if let Some(e) = &s.error {
                    let msg = e.get("message").and_then(Value::as_str).unwrap_or("failed");
                    let _ = write!(line, "  {}", p.wrap("31", msg));
                }
            }
            StepStatus::Skipped => {
                if let Some(r) = &s.reason {
                    let _ = write!(line, "  {}", p.dim(&format!("skipped: {r}")));
                }
            }
            _ => {}
        }
        if s.attempts > 1 {
            let _ = write!(line, "  {}", p.dim(&format!("({} attempts)", s.attempts)));
        }
        let _ = writeln!(out, "{line}");
        let sub = format!("{indent}    ");
        for r in &s.retries {
            let msg = r.get("message").and_then(Value::as_str).unwrap_or("");
            let n = r.get("attempt").and_then(Value::as_u64).unwrap_or(0);
            let _ = writeln!(
                out,
                "{sub}{}",
                p.dim(&format!("attempt {n} failed, retried: {msg}"))
            );
        }
        for ex in &s.http {
            render_exchange(ex, opts, p, &sub, out);
        }
        render_children(&s.children, s.children_omitted, opts, p, &sub, out);
    }
}

fn render_exchange(ex: &HttpExchange, opts: &Options, p: &Paint, indent: &str, out: &mut String) {
    let result = match (ex.rehearsal, ex.status, &ex.error) {
        (true, Some(s), _) => format!("rehearsed → {s}"),
        (false, Some(s), _) => format!("{s} in {}", dur(ex.duration_ms)),
        (_, None, Some(e)) => format!("no answer: {e}"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "{indent}{} {} {}",
        p.bold(&ex.method),
        ex.url,
        p.dim(&format!("({result})"))
    );
    if opts.dry_run {
        for (k, v) in &ex.headers {
            let _ = writeln!(out, "{indent}  {}", p.dim(&format!("{k}: {v}")));
        }
        if let Some(b) = &ex.body {
            let body: String = if b.chars().count() > 300 {
                format!("{}…", b.chars().take(300).collect::<String>())
            } else {
                b.clone()
            };
            let _ = writeln!(out, "{indent}  {}", p.dim(&body));
        }
    }
}

fn render_children(
    children: &[ExecutionRecord],
    omitted: Option<OmittedRuns>,
    opts: &Options,
    p: &Paint,
    indent: &str,
    out: &mut String,
) {
    let shown = children.len().min(opts.children);
    for c in &children[..shown] {
        let status = match c.status {
            RunStatus::Succeeded => p.wrap("32", "✓"),
            RunStatus::Failed => p.wrap("31", "✗"),
            RunStatus::Stopped => p.wrap("33", "■"),
            RunStatus::Running => p.wrap("33", "…"),
        };
        let label = c
            .inputs
            .as_deref()
            .map(|i| short(i, 60))
            .unwrap_or_default();
        let idx = c.index.map(|i| format!("[{i}] ")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}{status} {idx}{} {} {}",
            p.bold(&c.flow),
            dur(c.duration_ms),
            p.dim(&label)
        );
        if let Some(e) = &c.error
            && c.steps.is_empty()
        {
            let _ = writeln!(out, "{indent}    {}", p.wrap("31", &e.message));
        }
        render_steps(&c.steps, opts, p, &format!("{indent}    "), out);
    }
    let omitted = omitted.unwrap_or_default();
    if children.len() > shown || omitted.total() > 0 {
        let hidden = children.len() - shown;
        let failed = children[shown..]
            .iter()
            .filter(|c| c.status == RunStatus::Failed)
            .count() as u64
            + omitted.failed;
        let mut line = format!(
            "… {} more helper runs ({failed} failed)",
            hidden as u64 + omitted.total()
        );
        if hidden > 0 {
            line.push_str("; --show-children N or --json shows them");
        }
        if omitted.total() > 0 {
            let _ = write!(
                line,
                "; {} counted only (the record keeps the first `limits.item_records` items)",
                omitted.total()
            );
        }
        let _ = writeln!(out, "{indent}{}", p.dim(&line));
    }
}

/// Prints a value as pretty JSON on stdout, streamed (a 10,000-user record is never held as
/// one string).
pub fn print_json<T: serde::Serialize>(value: &T) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::sync::Arc;

    fn record(steps: Vec<StepRecord>) -> ExecutionRecord {
        ExecutionRecord {
            execution_id: "e1".into(),
            flow: Arc::from("f"),
            status: RunStatus::Succeeded,
            started_at: String::new(),
            duration_ms: 3.0,
            dry_run: false,
            index: None,
            trigger: None,
            inputs: None,
            response: None,
            steps,
            output: Arc::new(Value::Null),
            error: None,
        }
    }

    #[test]
    fn item_runs_the_record_only_counted_are_summarised() {
        let child = |i: usize, status: RunStatus| ExecutionRecord {
            index: Some(i),
            status,
            ..record(Vec::new())
        };
        let mut each = StepRecord::pending(&Arc::from("each"), &Arc::from("list.for_each"));
        each.status = StepStatus::Succeeded;
        each.attempts = 1;
        each.duration_ms = 3.0;
        each.children = vec![child(0, RunStatus::Succeeded), child(1, RunStatus::Failed)];
        each.children_omitted = Some(OmittedRuns {
            succeeded: 997,
            failed: 1,
            stopped: 0,
        });
        let opts = Options {
            dry_run: false,
            children: 1,
            color: false,
        };
        let text = render(&record(vec![each]), &opts);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1..4],
            [
                "  ✓ each  list.for_each      3ms",
                "      ✓ [0] f 3ms ",
                "      … 999 more helper runs (2 failed); --show-children N or --json shows them; 998 counted only (the record keeps the first `limits.item_records` items)",
            ]
        );
        // The summary says how many runs were only counted: 1 step kept, not 1,000.
        assert!(
            text.ends_with("✓ succeeded in 3ms · 1 steps kept, 998 more helper runs counted\n"),
            "{text}"
        );
    }

    /// Issue 13 (item 6): the `flow.continue_if` message shows where the run stopped.
    #[test]
    fn a_stop_shows_its_message() {
        let mut gate = StepRecord::pending(&Arc::from("gate"), &Arc::from("flow.continue_if"));
        gate.status = StepStatus::Succeeded;
        gate.attempts = 1;
        gate.output = Some(Arc::new(serde_json::json!({ "continue": false })));
        gate.reason = Some("not a push".into());
        let rec = ExecutionRecord {
            status: RunStatus::Stopped,
            ..record(vec![gate])
        };
        let opts = Options {
            dry_run: false,
            children: 1,
            color: false,
        };
        let text = render(&rec, &opts);
        assert!(
            text.contains("→ {\"continue\":false}  stopped the flow: not a push"),
            "{text}"
        );
    }

    /// An API that answers 401 with the `Authorization` it got in the body and a header.
    struct Echo;

    impl flow_card::Transport for Echo {
        fn send(
            &self,
            req: flow_card::HttpRequest,
            _: std::time::Duration,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<
                        Output = Result<flow_card::HttpResponse, flow_card::TransportError>,
                    > + Send
                    + '_,
            >,
        > {
            let auth = req
                .headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let mut resp = flow_card::HttpResponse::json(401, &serde_json::json!({ "bad": auth }));
            resp.headers.push(("x-echo".into(), auth));
            Box::pin(std::future::ready(Ok(resp)))
        }
    }

    #[tokio::test]
    async fn an_echoed_token_is_nowhere_in_the_trace() {
        const TOKEN: &str = "tok-TRACE-5b6c7d";
        let config = "connections:\n  api: { kind: http, base_url: \"http://127.0.0.1:9\", auth: { bearer: \"${env:API_TOKEN}\" }, allow_hosts: [127.0.0.1] }\n";
        let flow = "flow: f\ntrigger: { helper: { inputs: {} } }\nsteps:\n  - { id: call, card: http.request, with: { connection: api, url: /x }, retry: { attempts: 2, backoff: 1ms }, on_error: continue }\n";
        let project =
            flow_compile::compile_str(Some(config), &[("f.yaml", flow)], &flow_cards::registry())
                .unwrap();
        let env = |n: &str| (n == "API_TOKEN").then(|| TOKEN.to_string());
        let connections = flow_runtime::connect_all(&project, &env, false).unwrap();
        let run_env = flow_card::RunEnv {
            dry_run: false,
            transport: Arc::new(Echo),
            connections,
            capture_inputs: true,
        };
        let engine =
            flow_runtime::Engine::new(Arc::new(project), Arc::new(run_env)).secrets_from(&env);
        let r = engine
            .run(
                0,
                flow_runtime::RunInput::Inputs(serde_json::json!({})),
                flow_runtime::RunOptions::default(),
            )
            .await;
        let opts = Options {
            dry_run: true, // shows request headers too
            children: 20,
            color: false,
        };
        let text = render(&r, &opts);
        assert!(
            text.contains("the server answered 401: {\"bad\":\"Bearer ***\"}"),
            "{text}"
        );
        assert!(!text.contains(TOKEN), "{text}");
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains(TOKEN), "{json}");
    }
}
