//! A connector defined in a project's `connectors/` directory works without rebuilding:
//! `flowctl validate` type-checks steps that use its actions, `flowctl run` calls the upstream
//! (a [`flow_testkit::EchoServer`], which answers `GET /…` with `{"token": <bearer token>}`),
//! `flowctl cards` lists its actions with their connector, and a mistake in the connector file
//! is reported with its position. `flowctl schema --connector` matches the committed schema.

use crate::common::{Run, flowctl, project};
use serde_json::Value;

const TOKEN: &str = "tok-PROJECT-7f3a";

const CONNECTOR: &str = "connector: echo
title: Echo
summary: The test upstream that says which token it got
settings:
  base_url: { doc: the server, url: true }
  token: { doc: a bearer token, secret: true }
base_url: \"{{ settings.base_url }}\"
auth:
  - bearer: \"{{ settings.token }}\"
actions:
  whoami:
    summary: Ask the upstream which token it got
    effect: reads
    inputs:
      who: { type: text, doc: a name for the path }
    request: { method: GET, path: \"/hello/{who}\" }
    output: { type: { token: text } }
    rehearsal: { token: rehearsed }
";

const CONFIG: &str = "connections:\n  echo: { kind: echo, base_url: \"${env:ECHO_URL}\", token: \"${env:ECHO_TOKEN}\" }\nstore: none\n";

const FLOW: &str = "flow: who
trigger: { api_endpoint: { security: { public: true } } }
steps:
  - { id: me, card: echo.whoami, with: { connection: echo, who: ada } }
  - { id: said, card: text.compose, with: { template: \"got {{ me.token }}\" } }
";

#[test]
fn a_project_connector_validates_runs_and_is_listed() {
    let url = flow_testkit::EchoServer::start().unwrap().base_url();
    let dir = project(
        "project-connector",
        CONFIG,
        &[
            ("flows/who.yaml", FLOW.as_bytes()),
            ("connectors/echo.yaml", CONNECTOR.as_bytes()),
        ],
    );
    let config = dir.join("flowctl.yaml");
    let with = |args: &[&str]| {
        Run::new(args)
            .config(&config)
            .env("ECHO_URL", &url)
            .env("ECHO_TOKEN", TOKEN)
    };
    with(&["validate"]).run().ok();
    let json = with(&["run", "who", "--input", "-", "--json"])
        .stdin("{}")
        .run()
        .ok();
    let record: Value = serde_json::from_str(&json.stdout).unwrap();
    let said = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "said")
        .unwrap();
    // The upstream got the bearer token from the connection (and it is masked where it lands).
    assert_eq!(said["output"], Value::from("got ***"));
    assert!(!json.stdout.contains(TOKEN));

    // `flowctl test` compiles against the same cards: a flow test of the flow passes.
    std::fs::write(
        dir.join("flows/who.test.yaml"),
        "flow: who\ncases:\n  - name: the mocked upstream's token is composed\n    input: {}\n    mocks:\n      me: { output: { token: t1 } }\n    expect:\n      status: succeeded\n      calls:\n        echo.whoami: { count: 1, inputs: { who: ada } }\n",
    )
    .unwrap();
    let tested = with(&["test"]).run();
    assert_eq!(tested.code, 0, "{}{}", tested.stdout, tested.stderr);
    std::fs::remove_file(dir.join("flows/who.test.yaml")).unwrap();

    // A step with an input the action does not take is refused.
    let bad = FLOW.replace("who: ada", "who: ada, whom: x");
    std::fs::write(dir.join("flows/who.yaml"), bad).unwrap();
    let refused = with(&["validate"]).run();
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("unknown key `whom`"),
        "{}",
        refused.stderr
    );

    // `flowctl cards` (in the project's directory) lists the action with its connector.
    let listed = Run::new(&["cards", "echo.whoami"]).dir(&dir).run().ok();
    assert!(
        listed
            .stdout
            .contains("echo.whoami  (reads, connector echo)"),
        "{}",
        listed.stdout
    );

    // A mistake in the connector file names the file and line.
    std::fs::write(
        dir.join("connectors/echo.yaml"),
        CONNECTOR.replace("effect: reads", "effect: reads\n    bogus: 1"),
    )
    .unwrap();
    let broken = with(&["validate"]).run();
    assert_eq!(broken.code, 2, "{}", broken.stderr);
    assert!(
        broken.stderr.contains("unknown key `bogus`")
            && broken.stderr.contains("connectors/echo.yaml:"),
        "{}",
        broken.stderr
    );
}

#[test]
fn the_committed_connector_schema_is_current() {
    let now = flowctl(&["schema", "--connector"]).ok().stdout;
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/connector.schema.json"),
    )
    .unwrap();
    assert!(
        now == committed,
        "docs/connector.schema.json is stale: run `cargo run -- schema --connector > docs/connector.schema.json`"
    );
}
