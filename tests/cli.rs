//! The command line, end to end: `flowctl` as a process, its stdout, stderr and exit code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Run, Served, flowctl};
use flow_model::Code;
use serde_json::Value;

const MAIN: &str = "flows/oort-failing-check.yaml";
const EVENT: &str = "examples/events/failed-check.json";
const TEST_EVENT: &str = "examples/events/webhook-test.json";

#[test]
fn dry_run_traces_every_step_and_helper_run() {
    let r = flowctl(&["run", MAIN, "--input", EVENT, "--dry-run"]).ok();
    for id in [
        "ack",
        "event",
        "description",
        "actions",
        "users",
        "dispatch",
        "message",
        "notify",
    ] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("✓ {id} "))),
            "step {id} missing:\n{}",
            r.stdout
        );
    }
    for (i, login) in [
        "maria.gomez%40example.com",
        "hrms.serviceuser",
        "li.wei%2Badmin%40example.com",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            r.stdout.contains(&format!("[{i}] demo-dispatcher")),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains(&format!(
                "GET https://example.okta.com/api/v1/users/{login} (rehearsed → 200)"
            )),
            "{}",
            r.stdout
        );
    }
    assert!(
        r.stdout
            .contains("POST https://slack.com/api/chat.postMessage")
    );
    assert!(r.stdout.contains("authorization: SSWS ***"));
    assert!(r.stdout.contains("✓ succeeded"));
    assert!(r.stdout.contains("caller got 200"));
}

#[test]
fn dry_run_of_the_test_event_touches_no_user() {
    let r = flowctl(&["run", MAIN, "--input", TEST_EVENT, "--dry-run"]).ok();
    assert!(r.stdout.contains("- dispatch"), "{}", r.stdout);
    assert!(r.stdout.contains("skipped: `if` was false"));
    assert!(!r.stdout.contains("okta.com"));
    assert!(r.stdout.contains("chat.postMessage"));
}

#[test]
fn json_record_has_every_step_and_child_and_no_secret() {
    let r = Run::new(&["run", MAIN, "--input", EVENT, "--dry-run", "--json"])
        .env("OKTA_API_TOKEN", "00s3cr3t-okta-token")
        .env("SLACK_BOT_TOKEN", "xoxb-s3cr3t-slack")
        .env("OORT_CLIENT_TOKEN", "client-s3cr3t")
        .run()
        .ok();
    for secret in ["00s3cr3t-okta-token", "xoxb-s3cr3t-slack", "client-s3cr3t"] {
        assert!(!r.stdout.contains(secret), "secret {secret} in the record");
    }
    let rec: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rec["status"], "succeeded");
    assert_eq!(rec["response"]["status"], 200);
    let steps = rec["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    let dispatch = steps.iter().find(|s| s["id"] == "dispatch").unwrap();
    let children = dispatch["children"].as_array().unwrap();
    assert_eq!(children.len(), 3);
    for (i, c) in children.iter().enumerate() {
        assert_eq!(c["index"], i);
        assert_eq!(c["flow"], "demo-dispatcher");
        let ids: Vec<&str> = c["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["user", "sessions", "suspend", "done"]);
    }
    // The Slack text escapes event data and keeps unfilled placeholders as text.
    let notify = steps.iter().find(|s| s["id"] == "notify").unwrap();
    let body = notify["http"][0]["body"].as_str().unwrap();
    assert!(
        body.contains("&lt;and&gt; worth a look &amp; a fix"),
        "{body}"
    );
    assert!(body.contains("{{numberOfDays}}"), "{body}");
}

#[test]
fn real_runs_need_their_secrets() {
    let r = flowctl(&["run", MAIN, "--input", EVENT]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("error[E0302]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("OKTA_API_TOKEN") || r.stderr.contains("SLACK_BOT_TOKEN"),
        "{}",
        r.stderr
    );
}

#[test]
fn helper_flows_run_by_name_with_json_inputs() {
    let r = Run::new(&["run", "demo-dispatcher", "--input", "-", "--dry-run"])
        .stdin("{\"email\": \"a+b@example.com\"}")
        .run()
        .ok();
    assert!(
        r.stdout.contains("/api/v1/users/a%2Bb%40example.com"),
        "{}",
        r.stdout
    );
    let bad = Run::new(&["run", "demo-dispatcher", "--input", "-", "--dry-run"])
        .stdin("{\"email\": ")
        .run();
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("-:1:10: the input is not JSON"),
        "{}",
        bad.stderr
    );
    let unknown = flowctl(&["run", "demo-dispatch"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `demo-dispatcher`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_body_that_is_not_json_fails_the_flow_clearly() {
    let r = Run::new(&["run", MAIN, "--input", "-", "--dry-run"])
        .stdin("this is not json")
        .run();
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("`text` is not JSON: expected ident at line 1 column 2"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_event_missing_a_required_field_names_it() {
    let event = r#"{"id": "x", "detail-type": "FAILED_CHECK", "detail": {"usersFailing": []}}"#;
    let r = Run::new(&["run", MAIN, "--input", "-", "--dry-run"])
        .stdin(event)
        .run();
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "field `title` ($.detail.title): the path finds nothing, and the field is required"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn big_and_deep_inputs_run() {
    // 10 MB: a long description list.
    let para = "x".repeat(1000);
    let description: Vec<String> = (0..10_000).map(|i| format!("{i} {para}")).collect();
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(EVENT).unwrap()).unwrap();
    event["detail"]["description"] = serde_json::json!(description);
    let text = event.to_string();
    assert!(text.len() > 10_000_000);
    let r = Run::new(&["run", MAIN, "--input", "-", "--dry-run"])
        .stdin(&text)
        .run()
        .ok();
    assert!(r.stdout.contains("✓ succeeded"));
    // 100 levels of nesting inside the event.
    let mut deep = Value::from("bottom");
    for _ in 0..100 {
        deep = serde_json::json!({ "next": deep });
    }
    event["detail"]["nested"] = deep;
    let r = Run::new(&["run", MAIN, "--input", "-", "--dry-run"])
        .stdin(&event.to_string())
        .run()
        .ok();
    assert!(r.stdout.contains("✓ succeeded"));
}

#[test]
fn validate_accepts_the_project_and_every_example() {
    let r = flowctl(&["validate"]).ok();
    assert!(r.stdout.contains("✓ 2 flows valid"), "{}", r.stdout);
    for dir in common::example_flow_dirs() {
        let mut args = vec!["validate".to_string()];
        let config = dir.join("flowctl.yaml");
        if config.is_file() {
            args.push("--config".into());
            args.push(config.display().to_string());
        }
        args.push(dir.display().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = flowctl(&args);
        assert_eq!(r.code, 0, "{}: {}{}", dir.display(), r.stdout, r.stderr);
    }
}

#[test]
fn validate_renders_every_problem_like_rustc() {
    let dir = common::temp_dir("validate");
    let file = dir.join("broken.yaml");
    std::fs::write(
        &file,
        "flow: broken\ntrigger:\n  helper:\n    inputs: { email: text }\nsteps:\n  - id: msg\n    card: text.compose\n    with: { template: \"Hi {{ inputs.emial }}\" }\n  - id: out\n    card: flow.retrun\n",
    )
    .unwrap();
    let r = flowctl(&["validate", file.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("error[E0205]: `inputs` has no field `emial`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("broken.yaml:8:37\n"), "{}", r.stderr);
    assert!(
        r.stderr.contains("= help: did you mean `email`?"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("error[E0201]: unknown card `flow.retrun`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("= help: did you mean `flow.return`?"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("error: 2 errors, 1 warning"),
        "{}",
        r.stderr
    );
}

#[test]
fn graph_prints_mermaid_and_dot() {
    let r = flowctl(&["graph", MAIN]).ok();
    assert!(r.stdout.starts_with("flowchart TD"));
    assert!(r.stdout.contains("event --> description"));
    assert!(r.stdout.contains("dispatch -.-> notify"));
    let r = flowctl(&["graph", "oort-failing-check", "--format", "dot"]).ok();
    assert!(r.stdout.starts_with("digraph \"oort-failing-check\""));
}

#[test]
fn cards_and_schema() {
    let r = flowctl(&["cards"]).ok();
    assert!(r.stdout.contains("okta.suspend_user  (writes)"));
    let r = flowctl(&["cards", "json.parse"]).ok();
    assert!(r.stdout.contains("fields?"));
    let r = flowctl(&["cards", "json.prase"]);
    assert_eq!(r.code, 2);
    let r = flowctl(&["schema"]).ok();
    let schema: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        schema["$defs"]["step"]["properties"]["card"]["enum"]
            .as_array()
            .unwrap()
            .len(),
        flow_cards::BUILTIN.len()
    );
}

/// The settings of the temporary projects below: connections with literal settings, no store,
/// a port the system picks.
const BASE: &str = "connections:\n  okta: { kind: okta, org_url: \"https://x.okta.com\", token: t }\n  slack: { kind: slack, token: t }\nserver: { listen: \"127.0.0.1:0\" }\nstore: none\n";

/// A flow `main` (public endpoint) with these steps.
fn endpoint(steps: &str) -> String {
    format!(
        "flow: main\ntrigger:\n  api_endpoint:\n    security: {{ public: true }}\nsteps:\n{steps}"
    )
}

const HELPER: &str = "flow: helper\ntrigger:\n  helper:\n    inputs: { email: text }\nsteps:\n  - id: done\n    card: flow.return\n    with: { outputs: { email: \"{{ inputs.email }}\" } }\n";

/// One project per diagnostic code of severity error: its `flowctl.yaml` and flow files.
fn error_fixture(code: Code) -> (String, Vec<(&'static str, Vec<u8>)>) {
    let ep = |steps: &str| endpoint(steps).into_bytes();
    let text = |t: &str| t.as_bytes().to_vec();
    let base = BASE.to_string();
    let (config, files): (String, Vec<(&str, Vec<u8>)>) = match code {
        Code::Io => (base, vec![("flows/latin1.yaml", b"flow: caf\xe9\n".to_vec())]),
        Code::YamlSyntax => (
            base,
            vec![("flows/a.yaml", text("flow: a\nsteps:\n  - id: x\n   card: y\n"))],
        ),
        Code::UnknownKey => (
            base,
            vec![(
                "flows/a.yaml",
                text("flow: a\ntrigger: { helper: {} }\nsteps: []\nstepz: []\n"),
            )],
        ),
        Code::WrongType => (
            base,
            vec![("flows/a.yaml", text("flow: a\ntrigger: { helper: {} }\nsteps: {}\n"))],
        ),
        Code::MissingKey => (
            base,
            vec![(
                "flows/a.yaml",
                text("flow: a\ntrigger: { helper: {} }\nsteps:\n  - id: x\n"),
            )],
        ),
        Code::InvalidValue => (
            base,
            vec![(
                "flows/a.yaml",
                text("flow: Bad_Name\ntrigger: { helper: {} }\nsteps: []\n"),
            )],
        ),
        Code::DuplicateKey => (
            base,
            vec![(
                "flows/a.yaml",
                text("flow: a\nflow: b\ntrigger: { helper: {} }\nsteps: []\n"),
            )],
        ),
        Code::DuplicateFlow => {
            let a = "flow: same\ntrigger: { helper: {} }\nsteps: []\n";
            (base, vec![("flows/a.yaml", text(a)), ("flows/b.yaml", text(a))])
        }
        Code::UnknownFlow => (
            base,
            vec![
                (
                    "flows/m.yaml",
                    ep("  - id: each\n    card: list.for_each\n    with: { list: [], flow: helpr }\n"),
                ),
                ("flows/h.yaml", text(HELPER)),
            ],
        ),
        Code::RecursiveCall => (
            base,
            vec![
                (
                    "flows/a.yaml",
                    text("flow: a\ntrigger: { helper: {} }\nsteps:\n  - id: c\n    card: flow.call\n    with: { flow: b }\n"),
                ),
                (
                    "flows/b.yaml",
                    text("flow: b\ntrigger: { helper: {} }\nsteps:\n  - id: c\n    card: flow.call\n    with: { flow: a }\n"),
                ),
            ],
        ),
        Code::UnknownHelperInput => (
            base,
            vec![
                (
                    "flows/m.yaml",
                    ep("  - id: each\n    card: list.for_each\n    with: { list: [a], flow: helper, inputs: { email: \"{{ item }}\", emial: x } }\n"),
                ),
                ("flows/h.yaml", text(HELPER)),
            ],
        ),
        Code::MissingHelperInput => (
            base,
            vec![
                (
                    "flows/m.yaml",
                    ep("  - id: each\n    card: list.for_each\n    with: { list: [a], flow: helper, inputs: {} }\n"),
                ),
                ("flows/h.yaml", text(HELPER)),
            ],
        ),
        Code::NotAHelper => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: call\n    card: flow.call\n    with: { flow: main }\n"),
            )],
        ),
        Code::UnknownCard => (
            base,
            vec![("flows/m.yaml", ep("  - id: event\n    card: json.prase\n"))],
        ),
        Code::DuplicateStep => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: a\n    card: flow.return\n  - id: a\n    card: flow.return\n"),
            )],
        ),
        Code::UnknownStep => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ evnt.title }}\" } }\n"),
            )],
        ),
        Code::ForwardReference => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: a\n    card: flow.return\n    with: { outputs: { t: \"{{ b }}\" } }\n  - id: b\n    card: flow.return\n"),
            )],
        ),
        Code::UnknownField => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: $.t, type: text } }\n  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ event.titel }}\" } }\n"),
            )],
        ),
        Code::TypeMismatch => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: $.t, type: text } }\n  - id: joined\n    card: list.to_text\n    with: { list: \"{{ event.title }}\" }\n  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ joined }}\" } }\n"),
            )],
        ),
        Code::TemplateSyntax => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{#if x}}open\" } }\n"),
            )],
        ),
        Code::JsonPathSyntax => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: \"$.[\", type: text } }\n  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ event.title }}\" } }\n"),
            )],
        ),
        Code::UnknownHelper => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ jion trigger.headers \\\", \\\" }}\" } }\n"),
            )],
        ),
        Code::Cycle => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: a\n    card: text.compose\n    with: { template: x }\n    after: [c]\n  - id: b\n    card: text.compose\n    with: { template: \"{{ a }}\" }\n  - id: c\n    card: flow.return\n    with: { outputs: { t: \"{{ b }}\" } }\n"),
            )],
        ),
        Code::ItemOutsideList => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ item }}\" } }\n"),
            )],
        ),
        Code::WrongTrigger => (
            base,
            vec![(
                "flows/h.yaml",
                text("flow: h\ntrigger: { helper: {} }\nsteps:\n  - id: ack\n    card: http.close\n"),
            )],
        ),
        Code::TooManyResponses => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: a\n    card: http.close\n  - id: b\n    card: http.close\n"),
            )],
        ),
        Code::UnknownConnection => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: user\n    card: okta.read_user\n    with: { connection: otka, user: x }\n"),
            )],
        ),
        Code::WrongConnectionKind => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: user\n    card: okta.read_user\n    with: { connection: slack, user: x }\n"),
            )],
        ),
        Code::ReservedStepId => (
            base,
            vec![(
                "flows/m.yaml",
                ep("  - id: trigger\n    card: flow.return\n"),
            )],
        ),
        Code::Config => (
            BASE.replace("kind: okta,", "kind: otka,"),
            vec![("flows/m.yaml", ep("  - id: out\n    card: flow.return\n"))],
        ),
        Code::MissingEnv => (
            BASE.replace("\"127.0.0.1:0\"", "\"${env:FLOWCTL_TEST_UNSET_LISTEN}\""),
            vec![("flows/m.yaml", ep("  - id: out\n    card: flow.return\n"))],
        ),
        Code::UnusedStep => unreachable!("W0001 is a warning"),
    };
    (config, files)
}

/// Every diagnostic code of severity error, fed through `validate`, `run`, `serve` and
/// `graph`: each command prints it and exits 2 (`serve` before it listens). Skipped: W0001
/// (`UnusedStep`), the only warning.
#[test]
fn every_error_code_stops_validate_run_serve_and_graph() {
    let codes: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| *c != Code::UnusedStep)
        .collect();
    assert_eq!(codes.len(), Code::ALL.len() - 1);
    let mut cases = 0;
    for code in codes {
        let (config, files) = error_fixture(code);
        let files: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        let dir = common::project(&format!("code-{}", code.as_str()), &config, &files);
        let shown = format!("error[{}]", code.as_str());
        for args in [
            vec!["validate"],
            vec!["run", "main", "--dry-run"],
            vec!["graph", "main"],
        ] {
            let r = Run::new(&args)
                .dir(&dir)
                .env_remove("FLOWCTL_TEST_UNSET_LISTEN")
                .run();
            assert_eq!(
                r.code, 2,
                "{} with {args:?}: {}{}",
                code.as_str(),
                r.stdout,
                r.stderr
            );
            assert!(
                r.stderr.contains(&shown),
                "{} with {args:?}: {}",
                code.as_str(),
                r.stderr
            );
            assert_eq!(r.stdout, "", "{} with {args:?}", code.as_str());
            cases += 1;
        }
        let serve = Run::new(&["serve", "--log-format", "json"])
            .dir(&dir)
            .env_remove("FLOWCTL_TEST_UNSET_LISTEN")
            .command();
        match common::Server::spawn(serve).outcome() {
            Served::Exited(2, stderr) => {
                assert!(stderr.contains(&shown), "{}: {stderr}", code.as_str());
            }
            other => panic!("serve with {}: {other:?}", code.as_str()),
        }
        cases += 1;
    }
    assert_eq!(cases, 4 * (Code::ALL.len() - 1));
}
