//! The command line, end to end: `flowctl` as a process, its stdout, stderr and exit code.

use crate::common;

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
    let run = Run::new(&["run", MAIN, "--input", TEST_EVENT, "--dry-run"]);
    // Isolation: the run is kept in this test's own store, not the checkout's.
    let store = run.store();
    let r = run.run().ok();
    assert!(store.is_file(), "{} was not written", store.display());
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
    // The variable, the connection, and the line of flowctl.yaml that reads it.
    let r = Run::new(&["run", "okta"])
        .dir(&table_project("missing-secret"))
        .env_remove("FLOWCTL_TEST_UNSET_TOKEN")
        .run();
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    common::golden("run-missing-secret.stderr", &r.stderr);
    // The Oort flow, as in the README, says the same.
    let r = flowctl(&["run", MAIN, "--input", EVENT]);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr.starts_with("error[E0302]: connection `"),
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
fn validate_accepts_the_project_and_every_flow_directory() {
    let r = flowctl(&["validate"]).ok();
    assert_eq!(r.stdout, "✓ 7 flows valid\n");
    let dirs = common::flow_dirs();
    assert!(!dirs.is_empty(), "no flow directory found");
    for dir in &dirs {
        // With the checkout's flowctl.yaml (its connections), from another directory.
        let r = Run::new(&["validate", dir.to_str().unwrap()])
            .config(&common::root_config())
            .dir(&common::temp_dir("validate-elsewhere"))
            .run();
        assert_eq!(r.code, 0, "{}: {}{}", dir.display(), r.stdout, r.stderr);
    }
}

/// `--config`: the project in another directory, run from a directory with no flowctl.yaml;
/// its relative paths (flows, store) start from the config file, not the working directory.
#[test]
fn config_points_at_a_project_elsewhere() {
    let flow = endpoint("  - id: out\n    card: flow.return\n    with: { outputs: { n: 7 } }\n");
    let project = common::project(
        "config-elsewhere",
        &BASE.replace("store: none", "store: sqlite://state/runs.db"),
        &[("flows/seven.yaml", flow.as_bytes())],
    );
    let cwd = common::temp_dir("config-cwd");
    let config = project.join("flowctl.yaml");
    let r = Run::new(&["validate"]).config(&config).dir(&cwd).run().ok();
    assert_eq!(r.stdout, "✓ 1 flow valid\n");
    let r = Run::new(&["run", "main", "--json"])
        .config(&config)
        .dir(&cwd)
        .env("FLOWCTL_STORE", "")
        .run()
        .ok();
    let rec: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rec["response"]["body"], serde_json::json!({ "n": 7 }));
    assert!(project.join("state/runs.db").is_file());
    assert!(!cwd.join("state").exists());
    let r = Run::new(&["history", "list"])
        .config(&config)
        .dir(&cwd)
        .env("FLOWCTL_STORE", "")
        .run()
        .ok();
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.ends_with("  main\n"), "{}", r.stdout);
    // Without --config the other directory has no project: no flow `main`.
    let r = Run::new(&["run", "main"]).dir(&cwd).run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error[E0102]: no flow `main`"),
        "{}",
        r.stderr
    );
}

/// Every example event runs through the Oort flow (rehearsed) from another directory with
/// `--config`.
#[test]
fn every_example_event_runs() {
    let events = common::example_events();
    assert!(events.len() >= 2, "{events:?}");
    for event in &events {
        let r = Run::new(&[
            "run",
            "oort-failing-check",
            "--input",
            event.to_str().unwrap(),
            "--dry-run",
        ])
        .config(&common::root_config())
        .dir(&common::temp_dir("event-elsewhere"))
        .run()
        .ok();
        assert!(
            r.stdout.contains("✓ succeeded"),
            "{}: {}",
            event.display(),
            r.stdout
        );
    }
}

/// The showcase flow (branches, try/catch, dates, numbers, text) runs its example review in a
/// dry run: two accounts to suspend, one unreadable entry reported with its input's name.
#[test]
fn the_stale_account_review_runs_its_example_in_a_dry_run() {
    let r = Run::new(&[
        "run",
        "stale-account-review",
        "--input",
        "examples/events/reviews/stale-accounts.json",
        "--dry-run",
        "--json",
    ])
    .run()
    .ok();
    let rec: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rec["status"], "succeeded", "{}", r.stdout);
    assert_eq!(
        rec["output"]["suspend"],
        serde_json::json!(["former.contractor@example.com", "hrms.serviceuser"])
    );
    let report = rec["output"]["report"].as_str().unwrap();
    assert!(
        report.contains("2 of 5 accounts (40 %) to suspend, 1 to remind"),
        "{report}"
    );
    assert!(
        report
            .contains("input `last_login`: expected date (ISO 8601), found text \"last Tuesday\""),
        "{report}"
    );
}

#[test]
fn validate_renders_every_problem_like_rustc() {
    let dir = common::project(
        "validate-golden",
        BASE,
        &[(
            "flows/broken.yaml",
            b"flow: broken\ntrigger:\n  helper:\n    inputs: { email: text }\nsteps:\n  - id: msg\n    card: text.compose\n    with: { template: \"Hi {{ inputs.emial }}\" }\n  - id: out\n    card: flow.retrun\n",
        )],
    );
    let r = Run::new(&["validate"]).dir(&dir).run();
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    common::golden("validate-broken.stderr", &r.stderr);
}

#[test]
fn graph_prints_mermaid_and_dot() {
    let r = flowctl(&["graph", MAIN]).ok();
    common::golden("graph-oort.mmd", &r.stdout);
    let r = flowctl(&["graph", "oort-failing-check", "--format", "dot"]).ok();
    common::golden("graph-oort.dot", &r.stdout);
}

#[test]
fn cards_and_schema() {
    let r = flowctl(&["cards"]).ok();
    assert!(r.stdout.contains("okta.suspend_user  (writes)"));
    for card in [
        "google_drive.upload_file  (writes, connector google_drive)",
        "google_drive.search_files  (reads, connector google_drive)",
        "google_sheets.append_rows  (writes, connector google_sheets)",
        "okta_devices.list_devices  (reads, connector okta_devices)",
        "okta_devices.deactivate_device  (writes, connector okta_devices)",
        "auth0.block_user  (writes, connector auth0)",
        "auth0.api_request  (writes, connector auth0)",
    ] {
        assert!(r.stdout.contains(card), "{card} is not listed");
    }
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
        flow_cards::registry().cards().len()
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
        Code::Io => (
            base,
            vec![("flows/latin1.yaml", b"flow: caf\xe9\n".to_vec())],
        ),
        Code::YamlSyntax => (
            base,
            vec![(
                "flows/a.yaml",
                text("flow: a\nsteps:\n  - id: x\n   card: y\n"),
            )],
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
            vec![(
                "flows/a.yaml",
                text("flow: a\ntrigger: { helper: {} }\nsteps: {}\n"),
            )],
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
            (
                base,
                vec![("flows/a.yaml", text(a)), ("flows/b.yaml", text(a))],
            )
        }
        Code::UnknownFlow => (
            base,
            vec![
                (
                    "flows/m.yaml",
                    ep(
                        "  - id: each\n    card: list.for_each\n    with: { list: [], flow: helpr }\n",
                    ),
                ),
                ("flows/h.yaml", text(HELPER)),
            ],
        ),
        Code::RecursiveCall => (
            base,
            vec![
                (
                    "flows/a.yaml",
                    text(
                        "flow: a\ntrigger: { helper: {} }\nsteps:\n  - id: c\n    card: flow.call\n    with: { flow: b }\n",
                    ),
                ),
                (
                    "flows/b.yaml",
                    text(
                        "flow: b\ntrigger: { helper: {} }\nsteps:\n  - id: c\n    card: flow.call\n    with: { flow: a }\n",
                    ),
                ),
            ],
        ),
        Code::UnknownHelperInput => (
            base,
            vec![
                (
                    "flows/m.yaml",
                    ep(
                        "  - id: each\n    card: list.for_each\n    with: { list: [a], flow: helper, inputs: { email: \"{{ item }}\", emial: x } }\n",
                    ),
                ),
                ("flows/h.yaml", text(HELPER)),
            ],
        ),
        Code::MissingHelperInput => (
            base,
            vec![
                (
                    "flows/m.yaml",
                    ep(
                        "  - id: each\n    card: list.for_each\n    with: { list: [a], flow: helper, inputs: {} }\n",
                    ),
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
                ep(
                    "  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ evnt.title }}\" } }\n",
                ),
            )],
        ),
        Code::ForwardReference => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: a\n    card: flow.return\n    with: { outputs: { t: \"{{ b }}\" } }\n  - id: b\n    card: flow.return\n",
                ),
            )],
        ),
        Code::UnknownField => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: $.t, type: text } }\n  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ event.titel }}\" } }\n",
                ),
            )],
        ),
        Code::TypeMismatch => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: $.t, type: text } }\n  - id: joined\n    card: list.to_text\n    with: { list: \"{{ event.title }}\" }\n  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ joined }}\" } }\n",
                ),
            )],
        ),
        Code::TemplateSyntax => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{#if x}}open\" } }\n",
                ),
            )],
        ),
        Code::JsonPathSyntax => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: \"$.[\", type: text } }\n  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ event.title }}\" } }\n",
                ),
            )],
        ),
        Code::UnknownHelper => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ jion trigger.headers \\\", \\\" }}\" } }\n",
                ),
            )],
        ),
        Code::Cycle => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: a\n    card: text.compose\n    with: { template: x }\n    after: [c]\n  - id: b\n    card: text.compose\n    with: { template: \"{{ a }}\" }\n  - id: c\n    card: flow.return\n    with: { outputs: { t: \"{{ b }}\" } }\n",
                ),
            )],
        ),
        Code::ItemOutsideList => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ item }}\" } }\n",
                ),
            )],
        ),
        Code::WrongTrigger => (
            base,
            vec![(
                "flows/h.yaml",
                text(
                    "flow: h\ntrigger: { helper: {} }\nsteps:\n  - id: ack\n    card: http.close\n",
                ),
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
                ep(
                    "  - id: user\n    card: okta.read_user\n    with: { connection: otka, user: x }\n",
                ),
            )],
        ),
        Code::WrongConnectionKind => (
            base,
            vec![(
                "flows/m.yaml",
                ep(
                    "  - id: user\n    card: okta.read_user\n    with: { connection: slack, user: x }\n",
                ),
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
        Code::UnusedStep | Code::ErrorNeverSet => unreachable!("W0001 and W0002 are warnings"),
    };
    (config, files)
}

/// Every diagnostic code of severity error, fed through `validate`, `run`, `serve` and
/// `graph`: each command prints it and exits 2 (`serve` before it listens). Skipped: the
/// warnings, W0001 (`UnusedStep`) and W0002 (`ErrorNeverSet`).
#[test]
fn every_error_code_stops_validate_run_serve_and_graph() {
    let codes: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| !c.as_str().starts_with('W'))
        .collect();
    assert_eq!(codes.len(), Code::ALL.len() - 2);
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
                r.code,
                2,
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
    assert_eq!(cases, 4 * (Code::ALL.len() - 2));
}

/// Issue 10, finding 1: a problem found while *reading* a flow used to be printed and then
/// ignored (`validate` said "✓ 1 flow valid", `serve` served the endpoint PUBLIC). Each of
/// these must stop `validate` and `serve` with exit 2, naming the problem.
#[test]
fn security_that_is_misspelt_or_allows_nobody_stops_every_command() {
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "securty",
            "    securty: { client_token: x }\n",
            &[
                "error[E0003]: unknown key `securty`",
                "error[E0005]: `api_endpoint` is missing `security`",
            ],
        ),
        (
            "empty",
            "    security: {}\n",
            &["error[E0005]: `security` allows nobody"],
        ),
        (
            "client_tokn",
            "    security: { client_tokn: x }\n",
            &[
                "error[E0005]: `security` allows nobody",
                "error[E0003]: unknown key `client_tokn`",
            ],
        ),
        (
            "public-false",
            "    security: { public: false }\n",
            &["error[E0005]: `security` allows nobody"],
        ),
        (
            "timestamp_headr",
            "    security: { hmac: { secret: s, timestamp_headr: X-Ts } }\n",
            &["error[E0003]: unknown key `timestamp_headr`"],
        ),
        ("yaml", "    security: { public: true\n", &["error[E0002]"]),
    ];
    for (name, security, errors) in cases {
        let flow = format!(
            "flow: hook\ntrigger:\n  api_endpoint:\n{security}steps:\n  - id: out\n    card: flow.return\n"
        );
        let dir = common::project(
            &format!("security-{name}"),
            BASE,
            &[("flows/hook.yaml", flow.as_bytes())],
        );
        let r = Run::new(&["validate"]).dir(&dir).run();
        assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{name}: {}", r.stderr);
        let found: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("error["))
            .collect();
        let want: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(found.len(), want.len(), "{name}: {}", r.stderr);
        for (f, w) in found.iter().zip(&want) {
            assert!(f.starts_with(w.as_str()), "{name}: `{f}` is not `{w}…`");
        }
        let serve = Run::new(&["serve", "--log-format", "json"])
            .dir(&dir)
            .command();
        match common::Server::spawn(serve).outcome() {
            Served::Exited(2, stderr) => assert!(stderr.contains(errors[0]), "{name}: {stderr}"),
            other => panic!("serve with {name}: {other:?}"),
        }
    }
}

/// Issue 10, finding 2: `${env:NAME}` works in every text value of `flowctl.yaml`; an unset
/// one is an error naming the variable and where it is read (not a silent default address).
#[test]
fn env_references_in_flowctl_yaml() {
    let config = "flows: ${env:FLOWCTL_TEST_FLOWS}\nstore: ${env:FLOWCTL_TEST_STORE:-none}\nserver:\n  listen: ${env:FLOWCTL_TEST_LISTEN}\n  max_in_flight: ${env:FLOWCTL_TEST_MAX}\n";
    let flow = endpoint("  - id: out\n    card: flow.return\n");
    let dir = common::project(
        "env-config",
        config,
        &[("elsewhere/m.yaml", flow.as_bytes())],
    );
    // Set: the flows directory comes from the environment.
    let r = Run::new(&["validate"])
        .dir(&dir)
        .env("FLOWCTL_TEST_FLOWS", "elsewhere")
        .env("FLOWCTL_TEST_LISTEN", "127.0.0.1:0")
        .env("FLOWCTL_TEST_MAX", "3")
        .run()
        .ok();
    assert_eq!(r.stdout, "✓ 1 flow valid\n");
    // And the address `serve` listens on.
    let serve = Run::new(&["serve", "--log-format", "json"])
        .dir(&dir)
        .env("FLOWCTL_TEST_FLOWS", "elsewhere")
        .env("FLOWCTL_TEST_LISTEN", "127.0.0.1:0")
        .env("FLOWCTL_TEST_MAX", "3")
        .command();
    let mut server = common::Server::spawn(serve);
    let started = server.wait_for("serve.started").expect("serve starts");
    let listen = started["listen"].as_str().unwrap_or("");
    assert!(listen.starts_with("http://127.0.0.1:"), "{started}");
    assert_ne!(listen, "http://127.0.0.1:8080");
    drop(server);
    // Unset: exit 2 naming the variable and the line, for `serve` before it listens too.
    let r = Run::new(&["validate"])
        .dir(&dir)
        .env("FLOWCTL_TEST_FLOWS", "elsewhere")
        .env("FLOWCTL_TEST_MAX", "3")
        .env_remove("FLOWCTL_TEST_LISTEN")
        .run();
    assert_eq!(r.code, 2);
    common::golden("env-missing.stderr", &r.stderr);
    let serve = Run::new(&["serve", "--log-format", "json"])
        .dir(&dir)
        .env("FLOWCTL_TEST_FLOWS", "elsewhere")
        .env("FLOWCTL_TEST_MAX", "3")
        .command();
    assert_eq!(
        common::Server::spawn(serve).outcome(),
        Served::Exited(2, r.stderr.trim_end().to_string())
    );
}

/// Issue 10, finding 8 (parts): a status `history list` does not know and a header without a
/// name are usage errors.
#[test]
fn bad_status_and_nameless_headers_are_refused() {
    let r = flowctl(&["history", "list", "--status", "bogus"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.starts_with(
            "error: invalid value 'bogus' for '--status <STATUS>'\n  [possible values: queued, running, succeeded, failed, stopped]"
        ),
        "{}",
        r.stderr
    );
    // The value is never echoed (it may be a token).
    for (header, error) in [
        (
            ": s3cret",
            "error: `--header` needs a name before the `:`\n",
        ),
        (
            " : s3cret",
            "error: `--header` needs a name before the `:`\n",
        ),
        (
            "a b: s3cret",
            "error: `--header`: `a b` is not a header name (letters, digits and !#$%&'*+-.^_`|~)\n",
        ),
        (
            "s3cret",
            "error: `--header` must be written as name:value\n",
        ),
    ] {
        let r = flowctl(&["run", MAIN, "--input", EVENT, "--dry-run", "-H", header]);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (2, "", error),
            "-H {header:?}"
        );
    }
    let r = flowctl(&["run", MAIN, "--input", EVENT, "--dry-run", "-H", "X-Ok: v"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The flows of the exit-code table's good project: one that succeeds, one that fails, one
/// that stops early, their tests (one passing, one failing), and an Okta flow.
fn table_project(name: &str) -> std::path::PathBuf {
    let ok = endpoint("  - id: out\n    card: flow.return\n    with: { outputs: { ok: true } }\n");
    let fail = "flow: fail\ntrigger: { helper: {} }\nsteps:\n  - id: no\n    card: flow.fail\n    with: { message: nope }\n";
    let stop = "flow: stop\ntrigger: { helper: {} }\nsteps:\n  - id: gate\n    card: flow.continue_if\n    with: { condition: false, message: not today }\n  - id: out\n    card: flow.return\n";
    let okta = "flow: okta\ntrigger: { helper: {} }\nsteps:\n  - id: user\n    card: okta.read_user\n    with: { connection: okta, user: x }\n  - id: out\n    card: flow.return\n    with: { outputs: { id: \"{{ user.id }}\" } }\n";
    let tests = "flow: main\ncases:\n  - name: passes\n    body: \"{}\"\n    expect: { status: succeeded }\n";
    let failing = "flow: fail\ncases:\n  - name: expects success\n    input: {}\n    expect: { status: succeeded }\n";
    common::project(
        name,
        &BASE.replace(
            "token: t }\n  slack",
            "token: \"${env:FLOWCTL_TEST_UNSET_TOKEN}\" }\n  slack",
        ),
        &[
            ("flows/main.yaml", ok.as_bytes()),
            ("flows/fail.yaml", fail.as_bytes()),
            ("flows/stop.yaml", stop.as_bytes()),
            ("flows/okta.yaml", okta.as_bytes()),
            ("flows/main.test.yaml", tests.as_bytes()),
            ("failing/fail.test.yaml", failing.as_bytes()),
            ("empty/.keep", b""),
        ],
    )
}

/// Every command × every error class, with the exit code each must give: 0 success (warnings
/// only, a stopped flow), 1 a failed flow or test, 2 usage, configuration, validation, a
/// missing variable, a busy port, an unknown id or flow.
#[test]
fn exit_code_table() {
    let good = table_project("exit-table");
    let one = |name: &str, config: &str, flow: &str| {
        common::project(name, config, &[("flows/m.yaml", flow.as_bytes())])
    };
    let returns = endpoint("  - id: out\n    card: flow.return\n");
    let config_error = one("exit-config", &format!("{BASE}stor: none\n"), &returns);
    let invalid = common::project(
        "exit-invalid",
        BASE,
        &[
            (
                "flows/m.yaml",
                endpoint("  - id: out\n    card: flow.retrun\n").as_bytes(),
            ),
            (
                "flows/m.test.yaml",
                b"flow: main\ncases:\n  - name: any\n    body: \"{}\"\n    expect: { status: succeeded }\n",
            ),
        ],
    );
    let unset = one(
        "exit-unset",
        &BASE.replace("\"127.0.0.1:0\"", "\"${env:FLOWCTL_TEST_UNSET_LISTEN}\""),
        &returns,
    );
    let warnings = one(
        "exit-warnings",
        BASE,
        &endpoint(
            "  - id: unused\n    card: text.compose\n    with: { template: x }\n  - id: out\n    card: flow.return\n",
        ),
    );
    let secret_endpoint = one(
        "exit-endpoint-secret",
        BASE,
        "flow: main\ntrigger:\n  api_endpoint:\n    security: { client_token: \"${env:FLOWCTL_TEST_UNSET_TOKEN}\" }\nsteps:\n  - id: out\n    card: flow.return\n",
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_addr = busy.local_addr().unwrap().to_string();

    type Row<'a> = (&'a str, &'a std::path::Path, Vec<&'a str>, i32);
    let rows: Vec<Row> = vec![
        // Usage.
        ("usage: no command", &good, vec![], 2),
        ("usage: unknown command", &good, vec!["frobnicate"], 2),
        (
            "usage: unknown option",
            &good,
            vec!["validate", "--nope"],
            2,
        ),
        ("usage: run without a flow", &good, vec!["run"], 2),
        (
            "usage: run --fakes --dry-run",
            &good,
            vec!["run", "main", "--fakes", "--dry-run"],
            2,
        ),
        (
            "usage: run -H without a name",
            &good,
            vec!["run", "main", "--dry-run", "-H", ": v"],
            2,
        ),
        (
            "usage: graph --format",
            &good,
            vec!["graph", "main", "--format", "png"],
            2,
        ),
        (
            "usage: history --status",
            &good,
            vec!["history", "list", "--status", "bogus"],
            2,
        ),
        (
            "usage: prune --older-than",
            &good,
            vec!["history", "prune", "--older-than", "soon"],
            2,
        ),
        ("usage: test with no files", &good, vec!["test", "empty"], 2),
        // Configuration.
        ("config: validate", &config_error, vec!["validate"], 2),
        (
            "config: run",
            &config_error,
            vec!["run", "main", "--dry-run"],
            2,
        ),
        ("config: graph", &config_error, vec!["graph", "main"], 2),
        ("config: serve", &config_error, vec!["serve"], 2),
        ("config: test", &config_error, vec!["test"], 2),
        ("config: history", &config_error, vec!["history"], 2),
        ("config: replay", &config_error, vec!["replay", "x"], 2),
        // Validation.
        ("validation: validate", &invalid, vec!["validate"], 2),
        (
            "validation: run",
            &invalid,
            vec!["run", "main", "--dry-run"],
            2,
        ),
        ("validation: graph", &invalid, vec!["graph", "main"], 2),
        ("validation: serve", &invalid, vec!["serve"], 2),
        ("validation: test", &invalid, vec!["test"], 2),
        ("validation: test PATH", &invalid, vec!["test", "flows"], 2),
        ("validation: history", &invalid, vec!["history"], 2),
        ("validation: replay", &invalid, vec!["replay", "x"], 2),
        // Missing variable: read by flowctl.yaml (every command) or by a connection or a
        // trigger (only the commands that need it).
        ("unset: validate", &unset, vec!["validate"], 2),
        ("unset: run", &unset, vec!["run", "main", "--dry-run"], 2),
        ("unset: graph", &unset, vec!["graph", "main"], 2),
        ("unset: serve", &unset, vec!["serve"], 2),
        ("unset: test", &unset, vec!["test"], 2),
        ("unset: history", &unset, vec!["history"], 2),
        ("unset: replay", &unset, vec!["replay", "x"], 2),
        ("unset connection: run", &good, vec!["run", "okta"], 2),
        (
            "unset connection: run --dry-run",
            &good,
            vec!["run", "okta", "--dry-run"],
            0,
        ),
        ("unset connection: validate", &good, vec!["validate"], 0),
        (
            "unset trigger secret: serve",
            &secret_endpoint,
            vec!["serve"],
            2,
        ),
        // Busy port.
        (
            "busy port: serve",
            &good,
            vec!["serve", "--listen", &busy_addr],
            2,
        ),
        // Unknown id or flow.
        ("unknown: run", &good, vec!["run", "nope", "--dry-run"], 2),
        ("unknown: graph", &good, vec!["graph", "nope"], 2),
        ("unknown: replay", &good, vec!["replay", "nope"], 2),
        (
            "unknown: history show",
            &good,
            vec!["history", "show", "nope"],
            2,
        ),
        ("unknown: cards", &good, vec!["cards", "nope"], 2),
        (
            "unknown: validate PATH",
            &good,
            vec!["validate", "nope.yaml"],
            2,
        ),
        // Flow failed.
        ("failed: run", &good, vec!["run", "fail", "--dry-run"], 1),
        ("failed: test", &good, vec!["test", "failing"], 1),
        // Flow stopped.
        ("stopped: run", &good, vec!["run", "stop", "--dry-run"], 0),
        // Warnings only.
        ("warnings: validate", &warnings, vec!["validate"], 0),
        (
            "warnings: run",
            &warnings,
            vec!["run", "main", "--dry-run"],
            0,
        ),
        ("warnings: graph", &warnings, vec!["graph", "main"], 0),
        // Success.
        ("ok: validate", &good, vec!["validate"], 0),
        ("ok: run", &good, vec!["run", "main", "--dry-run"], 0),
        ("ok: test", &good, vec!["test"], 0),
        ("ok: history", &good, vec!["history"], 0),
        ("ok: cards", &good, vec!["cards"], 0),
        ("ok: schema", &good, vec!["schema"], 0),
    ];
    let mut failures = Vec::new();
    for (name, dir, args, want) in &rows {
        let run = Run::new(args)
            .dir(dir)
            .env_remove("FLOWCTL_TEST_UNSET_LISTEN")
            .env_remove("FLOWCTL_TEST_UNSET_TOKEN");
        let (code, stderr) = if args.first() == Some(&"serve") {
            let cmd = Run::new(&[args.as_slice(), &["--log-format", "json"]].concat())
                .dir(dir)
                .env_remove("FLOWCTL_TEST_UNSET_LISTEN")
                .env_remove("FLOWCTL_TEST_UNSET_TOKEN")
                .command();
            match common::Server::spawn(cmd).outcome() {
                Served::Exited(code, stderr) => (code, stderr),
                Served::Started => (-100, "started".into()),
            }
        } else {
            let r = run.run();
            (r.code, r.stderr)
        };
        if code != *want {
            failures.push(format!("{name}: exit {code}, want {want}\n{stderr}"));
        } else if *want == 2
            && !(stderr.contains("error")
                || stderr.starts_with("Usage:")
                || stderr.contains("\nUsage:"))
        {
            failures.push(format!("{name}: exit 2 without an error message\n{stderr}"));
        }
    }
    drop(busy);
    assert_eq!(failures, Vec::<String>::new(), "{} rows", rows.len());
}

/// `serve --watch`: a broken edit is logged (with its diagnostics) and the running flows keep
/// serving; a fixed edit is picked up. Synchronised on the server's log lines.
#[test]
fn serve_watch_keeps_the_old_flows_when_an_edit_breaks_them() {
    let flow = |v: u32| {
        endpoint(&format!(
            "  - id: out\n    card: flow.return\n    with: {{ outputs: {{ v: {v} }} }}\n"
        ))
    };
    let dir = common::project("watch", BASE, &[("flows/main.yaml", flow(1).as_bytes())]);
    let cmd = Run::new(&["serve", "--watch", "--log-format", "json"])
        .dir(&dir)
        .command();
    let mut server = common::Server::spawn(cmd);
    let started = server.wait_for("serve.started").expect("serve starts");
    let addr = started["listen"]
        .as_str()
        .and_then(|l| l.strip_prefix("http://"))
        .unwrap()
        .to_string();
    let path = "/api/flo/main/invoke";
    assert_eq!(common::post(&addr, path), (200, "{\"v\":1}".to_string()));

    // A misspelt `security`: logged, not served public, the old flow still answers.
    std::fs::write(
        dir.join("flows/main.yaml"),
        flow(2).replace("security: { public: true }", "securty: { public: true }"),
    )
    .unwrap();
    let failed = server.wait_for("reload.failed").expect("the reload fails");
    let errors = failed["errors"].as_str().unwrap_or("");
    assert!(
        errors.starts_with(
            "error[E0003]: unknown key `securty` in `api_endpoint`\n --> flows/main.yaml:4:5"
        ),
        "{failed}"
    );
    assert!(errors.ends_with("error: 2 errors, 0 warnings"), "{failed}");
    assert_eq!(common::post(&addr, path), (200, "{\"v\":1}".to_string()));

    // Broken YAML: the same.
    std::fs::write(dir.join("flows/main.yaml"), "flow: main\ntrigger: [\n").unwrap();
    let failed = server.wait_for("reload.failed").expect("the reload fails");
    assert!(
        failed["errors"]
            .as_str()
            .unwrap_or("")
            .starts_with("error[E0002]"),
        "{failed}"
    );
    assert_eq!(common::post(&addr, path), (200, "{\"v\":1}".to_string()));

    // A good edit is served.
    std::fs::write(dir.join("flows/main.yaml"), flow(3)).unwrap();
    let done = server.wait_for("reload.done").expect("the reload succeeds");
    assert_eq!(done["endpoints"], 1);
    assert_eq!(common::post(&addr, path), (200, "{\"v\":3}".to_string()));
}
