//! The issue-15 showcase: `flows/okta-suspended-user-ticket.yaml` run on an Okta event hook
//! delivery with `--fakes`, Microsoft 365 and Jira answered by their recorded fakes (fixtures
//! embedded in the binary), Slack by the fake workspace; the fakes' report shows every request.

use crate::common::Run;

const FLOW: &str = "flows/okta-suspended-user-ticket.yaml";
const EVENT: &str = "examples/events/okta/user-suspended.json";
const SCENARIO: &str = "examples/scenarios/okta-suspended-user.yaml";

/// The fake's section of the report: from its `fake NAME at` line to the next `fake` line.
fn section<'a>(stdout: &'a str, name: &str) -> &'a str {
    let start = stdout
        .find(&format!("fake {name} at "))
        .unwrap_or_else(|| panic!("no report of the fake {name} in:\n{stdout}"));
    let rest = &stdout[start..];
    let end = rest[1..].find("\nfake ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// With the scenario, Bob (Alice's manager in Microsoft 365) is in Slack: the user is read in
/// Graph by her Okta login, a SEC issue is opened with her name, and Bob gets a DM with its key.
#[test]
fn a_suspended_user_gets_a_ticket_and_her_manager_a_dm() {
    let out = Run::new(&["run", FLOW, "--input", EVENT, "--fakes", SCENARIO])
        .run()
        .ok();
    let m365 = section(&out.stdout, "microsoft365");
    assert!(m365.contains("received 2 request(s)"), "{m365}");
    assert!(
        m365.contains(
            "GET /v1.0/users/alice%40contoso.com?%24select=id%2CdisplayName%2CuserPrincipalName"
        ),
        "{m365}"
    );
    assert!(
        m365.contains("GET /v1.0/users/alice%40contoso.com/manager"),
        "{m365}"
    );
    let jira = section(&out.stdout, "jira");
    assert!(jira.contains("received 1 request(s)"), "{jira}");
    assert!(jira.contains("POST /rest/api/3/issue"), "{jira}");
    assert!(
        jira.contains(
            r#""summary":"Okta user.lifecycle.suspend: Alice Example (alice@contoso.com)""#
        ),
        "{jira}"
    );
    assert!(jira.contains(r#""project":{"key":"SEC"}"#), "{jira}");
    let slack = section(&out.stdout, "Slack");
    assert!(slack.contains("received 1 message(s)"), "{slack}");
    assert!(slack.contains("(DU0BOB)"), "{slack}");
    // The scenario's own Jira fixture answered (SEC-7), before the shipped one (SEC-42).
    assert!(
        slack.contains("Hi Bob Manager, Alice Example's Okta account was suspended"),
        "{slack}"
    );
    assert!(slack.contains("tracking it in SEC-7."), "{slack}");
    assert!(!out.stdout.contains("#security-alerts"), "{}", out.stdout);
    // The sign-in event of the delivery started no run.
    assert_eq!(
        out.stdout.matches("▶ okta-suspended-user-ticket").count(),
        1
    );
}

/// Without a scenario the fake Slack has no members: looking Bob up fails, the try block
/// catches it, and `#security-alerts` is told instead, naming the shipped fixture's SEC-42.
#[test]
fn a_manager_not_in_slack_is_caught_and_the_channel_told() {
    let out = Run::new(&["run", FLOW, "--input", EVENT, "--fakes"])
        .run()
        .ok();
    let slack = section(&out.stdout, "Slack");
    assert!(slack.contains("received 1 message(s)"), "{slack}");
    assert!(slack.contains("in #security-alerts"), "{slack}");
    assert!(
        slack.contains("SEC-42: Alice Example (alice@contoso.com) was suspended in Okta"),
        "{slack}"
    );
    assert!(slack.contains("step `in_slack` failed"), "{slack}");
    let jira = section(&out.stdout, "jira");
    assert!(jira.contains("POST /rest/api/3/issue"), "{jira}");
}

/// A scenario naming a connector that has no recorded fake is refused before anything runs.
#[test]
fn a_scenario_for_an_unknown_connector_is_refused() {
    let dir = crate::common::temp_dir("demo-unknown-connector");
    let scenario = dir.join("scenario.yaml");
    std::fs::write(&scenario, "connectors:\n  acme:\n    fixtures: []\n").unwrap();
    let out = Run::new(&[
        "run",
        FLOW,
        "--input",
        EVENT,
        "--fakes",
        scenario.to_str().unwrap(),
    ])
    .run();
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stderr.contains("`connectors.acme`") && out.stderr.contains("microsoft365"),
        "{}",
        out.stderr
    );
}

/// `serve --fakes`: the connector fakes start with the server (logged with the others), and an
/// Okta delivery to the flow's hook runs against them: the Slack message after the run names the
/// issue the Jira fake answered (SEC-42), with the name the Microsoft 365 fake gave.
#[test]
fn serve_with_fakes_runs_the_hook_against_the_connector_fakes() {
    use std::io::{Read, Write};
    let cmd = Run::new(&[
        "serve",
        "--log-format",
        "json",
        "--listen",
        "127.0.0.1:0",
        "--fakes",
    ])
    .env("OORT_CLIENT_TOKEN", "client-token-for-the-test")
    .command();
    let mut server = crate::common::Server::spawn(cmd);
    let fakes = server.wait_for("fakes.started").expect("the fakes start");
    for name in ["microsoft365", "jira"] {
        let url = fakes["connectors"][name].as_str().unwrap_or_default();
        assert!(url.starts_with("http://127.0.0.1:"), "{fakes}");
    }
    let started = server.wait_for("serve.started").expect("serve starts");
    let addr = started["listen"]
        .as_str()
        .and_then(|l| l.strip_prefix("http://"))
        .unwrap()
        .to_string();
    let body = std::fs::read_to_string(EVENT).unwrap();
    let secret = crate::common::SHOWCASE_ENV[0].1;
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /api/flo/okta-suspended-user-ticket/invoke HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nAuthorization: {secret}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    let seen = server.wait_for("fakes.seen").expect("a run finishes");
    let slack = seen["slack_messages"].as_array().unwrap();
    assert_eq!(slack.len(), 1, "{seen}");
    assert_eq!(slack[0]["channel"], "#security-alerts", "{seen}");
    let text = slack[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("SEC-42: Alice Example (alice@contoso.com) was suspended"),
        "{seen}"
    );
    // The connector fakes' requests of the run are listed too, by connector.
    let lines = |name: &str| -> Vec<String> {
        seen["connector_requests"][name]
            .as_array()
            .unwrap_or_else(|| panic!("no {name} requests in {seen}"))
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        lines("microsoft365"),
        vec![
            "GET /v1.0/users/alice%40contoso.com?%24select=id%2CdisplayName%2CuserPrincipalName%2Cmail%2CjobTitle%2Cdepartment",
            "GET /v1.0/users/alice%40contoso.com/manager",
        ],
        "{seen}"
    );
    assert_eq!(lines("jira"), vec!["POST /rest/api/3/issue"], "{seen}");
    assert!(seen["connector_requests"].get("github").is_none(), "{seen}");
}
