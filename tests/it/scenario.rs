//! Scenario files for `--fakes SCENARIO.yaml`: `run` and `serve` against fakes set up as the
//! file says (user status and profile, Slack channels, faults), canned answers in dry runs, and
//! mistakes in the file reported with their line.

use crate::common::{self, Run, project, temp_dir};
use serde_json::Value;
use std::io::{Read, Write};

const EVENT: &str = "examples/events/failed-check.json";
const SCENARIO: &str = "examples/scenarios/offboarding.yaml";

fn step<'a>(record: &'a Value, id: &str) -> &'a Value {
    record["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("no step `{id}` in {record}"))
}

/// The example scenario: Li Wei is SUSPENDED, so the dispatcher takes its already-suspended
/// path for them only; the scenario's 429 on the first suspend makes that step try again.
#[test]
fn the_offboarding_scenario_seeds_a_suspended_user_and_a_fault() {
    let out = Run::new(&[
        "run",
        "flows/oort-failing-check.yaml",
        "--input",
        EVENT,
        "--fakes",
        SCENARIO,
        "--json",
    ])
    .run()
    .ok();
    let rec: Value = serde_json::from_str(&out.stdout).unwrap();
    let dispatch = step(&rec, "dispatch");
    assert_eq!(dispatch["output"]["succeeded"], 3, "{dispatch}");
    assert_eq!(dispatch["output"]["failed"], 0, "{dispatch}");
    let children = dispatch["children"].as_array().unwrap();
    let already: Vec<(&str, bool)> = children
        .iter()
        .map(|c| {
            (
                c["output"]["login"].as_str().unwrap(),
                c["output"]["already_suspended"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        already,
        [
            ("maria.gomez@example.com", false),
            ("hrms.serviceuser", false),
            ("li.wei+admin@example.com", true),
        ]
    );
    // One suspend (whichever came first) was refused with 429 once and tried again.
    let mut attempts: Vec<u64> = children
        .iter()
        .map(|c| step(c, "suspend")["attempts"].as_u64().unwrap())
        .collect();
    attempts.sort_unstable();
    assert_eq!(attempts, [1, 1, 2]);
    assert_eq!(step(&rec, "notify")["status"], "succeeded");
}

/// With a scenario, Slack has only the channels it declares: posting elsewhere is Slack's
/// `channel_not_found`, as in a real workspace.
#[test]
fn an_undeclared_slack_channel_is_not_found() {
    let dir = temp_dir("scenario-channels");
    let scenario = dir.join("scenario.yaml");
    std::fs::write(
        &scenario,
        "okta:\n  users: [ { login: maria.gomez@example.com } ]\nslack:\n  channels: [\"#general\"]\n",
    )
    .unwrap();
    let out = Run::new(&[
        "run",
        "flows/oort-failing-check.yaml",
        "--input",
        EVENT,
        "--fakes",
        scenario.to_str().unwrap(),
        "--json",
    ])
    .run();
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let rec: Value = serde_json::from_str(&out.stdout).unwrap();
    let notify = step(&rec, "notify");
    assert_eq!(notify["status"], "failed", "{notify}");
    assert!(
        notify["error"]["message"]
            .as_str()
            .unwrap()
            .contains("channel_not_found"),
        "{notify}"
    );
    // Only the user the scenario lists exists: the event's other two are unknown to Okta.
    assert_eq!(step(&rec, "dispatch")["output"]["succeeded"], 1);
}

/// A scenario seeds what a flow reads back from the fake Okta: a user's status, profile and
/// `lastLogin`, the groups they are in, and the apps assigned to them.
#[test]
fn a_scenario_seeds_profiles_last_logins_groups_and_apps() {
    let flow = br#"flow: profile
trigger:
  helper:
    inputs: { login: text }
steps:
  - id: user
    card: okta.read_user
    with: { connection: okta, user: "{{ inputs.login }}" }
  - id: groups
    card: okta.api_request
    with: { connection: okta, path: "/api/v1/users/{{ user.id }}/groups" }
  - id: apps
    card: okta.api_request
    with: { connection: okta, path: /api/v1/apps, query: { filter: 'user.id eq "{{ user.id }}"' } }
  - id: done
    card: flow.return
    with:
      outputs:
        status: "{{ user.status }}"
        last_login: "{{ user.lastLogin }}"
        department: "{{ user.profile.department }}"
        email: "{{ user.profile.email }}"
        groups: "{{ groups.body }}"
        apps: "{{ apps.body }}"
"#;
    let scenario = br#"okta:
  users:
    - login: ada@example.com
      status: LOCKED_OUT
      email: ada.lovelace@example.com
      profile: { department: Eng }
      lastLogin: 2026-11-30T10:00:00Z
      groups: [Engineering]
    - { login: bob@example.com, groups: [Engineering, Sales] }
  groups:
    - { name: Engineering, description: Everyone who builds }
    - { name: Sales }
  apps:
    - { name: github, label: GitHub, users: [ada@example.com] }
    - { name: salesforce, label: Salesforce, groups: [Sales] }
"#;
    let dir = project(
        "scenario-seed",
        "flows: flows\nstore: none\nconnections:\n  okta: { kind: okta, org_url: \"https://example.okta.com\", token: \"${env:OKTA_API_TOKEN}\" }\n",
        &[("flows/profile.yaml", flow), ("scenario.yaml", scenario)],
    );
    let out = Run::new(&[
        "run",
        "profile",
        "--input",
        "-",
        "--fakes",
        "scenario.yaml",
        "--json",
    ])
    .dir(&dir)
    .env_remove("FLOWCTL_STORE")
    .stdin(r#"{"login": "ada@example.com"}"#)
    .run()
    .ok();
    let rec: Value = serde_json::from_str(&out.stdout).unwrap();
    let o = &rec["output"];
    assert_eq!(o["status"], "LOCKED_OUT", "{o}");
    assert!(
        o["last_login"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-30T10:00:00"),
        "{o}"
    );
    assert_eq!(o["department"], "Eng");
    assert_eq!(o["email"], "ada.lovelace@example.com");
    let names = |v: &Value, field: &str| -> Vec<String> {
        v.as_array()
            .unwrap_or_else(|| panic!("not a list: {v}"))
            .iter()
            .map(|x| {
                x.pointer(field)
                    .and_then(Value::as_str)
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(names(&o["groups"], "/profile/name"), ["Engineering"]);
    assert_eq!(names(&o["apps"], "/label"), ["GitHub"]);
}

/// A dry run takes the scenario's canned answer for `http.request`, and the next step reads
/// it; without the scenario the rehearsed `{}` has no manager.
#[test]
fn a_canned_answer_feeds_the_next_step_of_a_dry_run() {
    let flow = br#"flow: worker
trigger:
  helper:
    inputs: { id: text }
steps:
  - id: hr
    card: http.request
    with: { url: "https://hr.example.com/api/workers/{{ inputs.id }}?fields=all" }
  - id: done
    card: flow.return
    with:
      outputs: { status: "{{ hr.status }}", manager: "{{ hr.body.manager.email }}" }
"#;
    let dir = project(
        "scenario-answers",
        "flows: flows\nstore: none\n",
        &[("flows/worker.yaml", flow)],
    );
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCENARIO);
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "worker", "--input", "-", "--dry-run", "--json"];
        args.extend_from_slice(extra);
        Run::new(&args)
            .dir(&dir)
            .env_remove("FLOWCTL_STORE")
            .stdin(r#"{"id": "w-42"}"#)
            .run()
            .ok()
    };
    let canned = run(&["--fakes", scenario.to_str().unwrap()]);
    let rec: Value = serde_json::from_str(&canned.stdout).unwrap();
    assert_eq!(rec["output"]["manager"], "sam.boss@example.com", "{rec}");
    assert_eq!(rec["output"]["status"], 200);
    let hr = step(&rec, "hr");
    assert_eq!(hr["http"][0]["rehearsal"], true, "{hr}");
    let plain = run(&[]);
    let rec: Value = serde_json::from_str(&plain.stdout).unwrap();
    assert_ne!(rec["output"]["manager"], "sam.boss@example.com", "{rec}");
    // A --fakes run answers it too, without sending it (hr.example.com does not exist).
    let real = Run::new(&[
        "run",
        "worker",
        "--input",
        "-",
        "--json",
        "--fakes",
        scenario.to_str().unwrap(),
    ])
    .dir(&dir)
    .env_remove("FLOWCTL_STORE")
    .stdin(r#"{"id": "w-42"}"#)
    .run()
    .ok();
    let rec: Value = serde_json::from_str(&real.stdout).unwrap();
    assert_eq!(rec["output"]["manager"], "sam.boss@example.com", "{rec}");
    assert_eq!(step(&rec, "hr")["http"][0]["rehearsal"], Value::Null);
}

/// `serve --fakes SCENARIO.yaml`: the fakes live as long as the server, it logs where they
/// listen, and after each run what they saw.
#[test]
fn serve_with_a_scenario_runs_events_against_the_fakes() {
    let cmd = Run::new(&[
        "serve",
        "--log-format",
        "json",
        "--listen",
        "127.0.0.1:0",
        "--fakes",
        SCENARIO,
    ])
    .env("OORT_CLIENT_TOKEN", "client-token-for-the-test")
    .command();
    let mut server = common::Server::spawn(cmd);
    let fakes = server.wait_for("fakes.started").expect("the fakes start");
    assert!(
        fakes["okta"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{fakes}"
    );
    let started = server.wait_for("serve.started").expect("serve starts");
    let addr = started["listen"]
        .as_str()
        .and_then(|l| l.strip_prefix("http://"))
        .unwrap()
        .to_string();
    let event = std::fs::read_to_string(EVENT).unwrap();
    let status = post_json(
        &addr,
        "/api/flo/oort-failing-check/invoke",
        "client-token-for-the-test",
        &event,
    );
    assert_eq!(status, 200);
    let seen = server.wait_for("fakes.seen").expect("a run finishes");
    let okta: Vec<&str> = seen["okta_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let suspends = okta
        .iter()
        .filter(|r| r.starts_with("POST /api/v1/users/") && r.ends_with("/lifecycle/suspend"))
        .count();
    // Three users, and one suspend refused once by the scenario's fault.
    assert_eq!(suspends, 4, "{okta:?}");
    assert!(
        okta.contains(&"GET /api/v1/users/li.wei%2Badmin%40example.com"),
        "{okta:?}"
    );
    let slack = seen["slack_messages"].as_array().unwrap();
    assert_eq!(slack.len(), 1, "{seen}");
    assert_eq!(slack[0]["channel"], "#security-alerts");
    assert!(
        slack[0]["text"]
            .as_str()
            .unwrap()
            .contains("Suspended: 3 · could not act on: 0"),
        "{seen}"
    );
}

/// `POST path` with a JSON body and a client token; the status.
fn post_json(addr: &str, path: &str, token: &str, body: &str) -> u16 {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         x-api-client-token: {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    raw.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Mistakes in a scenario file stop the command with exit 2 and point at their line, all of
/// them at once for unknown keys.
#[test]
fn mistakes_in_a_scenario_file_are_diagnostics_with_their_line() {
    let dir = temp_dir("scenario-errors");
    let cases = [
        (
            "okta:\n  users:\n    - { login: a@example.com, stauts: ACTIVE }\n",
            "E0003",
            ":3:",
            "unknown key `stauts`",
        ),
        (
            "okta:\n  users:\n    - login: a@example.com\n      status: GONE\n",
            "E0006",
            ":4:",
            "unknown value `GONE`",
        ),
        (
            "okta:\n  users:\n    - login: a@example.com\n      lastLogin: yesterday\n",
            "E0006",
            ":4:",
            "not an RFC 3339 time",
        ),
        (
            "faults:\n  - { service: okta, status: 429, error: boom }\n",
            "E0006",
            ":2:",
            "exactly one of",
        ),
        (
            "okta:\n  apps:\n    - name: github\n      users: [nobody@example.com]\n",
            "E0006",
            ":4:",
            "no user `nobody@example.com`",
        ),
        ("okta: [\n", "E0002", ":1:", "unclosed bracket"),
    ];
    for (i, (text, code, line, message)) in cases.iter().enumerate() {
        let path = dir.join(format!("scenario{i}.yaml"));
        std::fs::write(&path, text).unwrap();
        let out = Run::new(&[
            "run",
            "demo-dispatcher",
            "--input",
            "-",
            "--fakes",
            path.to_str().unwrap(),
        ])
        .stdin(r#"{"email": "a@example.com"}"#)
        .run();
        assert_eq!(out.code, 2, "{text}\n{}", out.stderr);
        let expected_place = format!("scenario{i}.yaml{line}");
        for want in [*code, expected_place.as_str(), *message] {
            assert!(out.stderr.contains(want), "{want} in\n{}", out.stderr);
        }
    }
    // A plain --fakes with --dry-run is still refused; a scenario file with it is not.
    let plain = Run::new(&["run", "demo-dispatcher", "--fakes", "--dry-run"]).run();
    assert_eq!(plain.code, 2, "{}", plain.stderr);
}
