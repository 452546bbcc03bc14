//! `flowctl run` of a flow that streams a user's Okta groups to a helper flow
//! (`stream:` on `okta.get_users_groups`) against the fake Okta of `--fakes`, with a 429 on
//! the listing, and the same flow rehearsed with `--dry-run`.

use crate::common::{Run, project};
use serde_json::Value;

const OFFBOARD: &[u8] = br#"flow: offboard
trigger:
  helper:
    inputs: { login: text }
steps:
  - id: user
    card: okta.read_user
    with: { connection: okta, user: "{{ inputs.login }}" }
  - id: groups
    card: okta.get_users_groups
    with:
      connection: okta
      user: "{{ user.id }}"
      stream:
        flow: remove-from-group
        inputs: { group_id: "{{ item.id }}", user_id: "{{ user.id }}", name: "{{ item.profile.name }}" }
  - id: left
    card: okta.get_users_groups
    with: { connection: okta, user: "{{ user.id }}" }
  - id: done
    card: flow.return
    with: { outputs: { streamed: "{{ groups }}", left: "{{ left }}" } }
"#;

const REMOVE: &[u8] = br#"flow: remove-from-group
trigger:
  helper:
    inputs: { group_id: text, user_id: text, name: text }
steps:
  - id: remove
    card: okta.remove_user_from_group
    with: { connection: okta, group_id: "{{ inputs.group_id }}", user_id: "{{ inputs.user_id }}" }
  - id: done
    card: flow.return
    with: { outputs: { removed: "{{ inputs.name }}" } }
"#;

const SCENARIO: &[u8] = br#"okta:
  users:
    - { login: ada@example.com, groups: [Engineering, Sales, Ops] }
    - { login: bob@example.com, groups: [Sales] }
  groups:
    - { name: Engineering }
    - { name: Sales }
    - { name: Ops }
faults:
  - { service: okta, path: "/api/v1/users/*/groups", status: 429, retry_after: 0 }
"#;

fn offboard_project(name: &str) -> std::path::PathBuf {
    project(
        name,
        "flows: flows\nstore: none\nconnections:\n  okta: { kind: okta, org_url: \"https://example.okta.com\", token: \"${env:OKTA_API_TOKEN}\" }\n",
        &[
            ("flows/offboard.yaml", OFFBOARD),
            ("flows/remove-from-group.yaml", REMOVE),
            ("scenario.yaml", SCENARIO),
        ],
    )
}

fn run(dir: &std::path::Path, mode: &str) -> Value {
    let mut args = vec!["run", "offboard", "--input", "-", "--json"];
    args.extend(mode.split(' '));
    let out = Run::new(&args)
        .dir(dir)
        .env_remove("FLOWCTL_STORE")
        .stdin(r#"{"login": "ada@example.com"}"#)
        .run()
        .ok();
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn flowctl_run_streams_a_users_groups_to_a_helper_flow() {
    let dir = offboard_project("stream-offboard");
    let rec = run(&dir, "--fakes scenario.yaml");
    let o = &rec["output"];
    assert_eq!(
        o["streamed"],
        serde_json::json!({ "succeeded": 3, "failed": 0, "errors": [], "records": 3 }),
        "{rec}"
    );
    // Every helper removed its group: the user is in none now.
    assert_eq!(o["left"], serde_json::json!([]), "{o}");
    let groups = rec["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "groups")
        .unwrap();
    let mut removed: Vec<&str> = groups["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["output"]["removed"].as_str().unwrap())
        .collect();
    removed.sort_unstable();
    assert_eq!(removed, ["Engineering", "Ops", "Sales"]);
    // The listing was rate limited once and asked again within the step.
    let statuses: Vec<u64> = groups["http"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [429, 200], "{groups}");
    assert_eq!(groups["attempts"], 1);
}

#[test]
fn a_dry_run_streams_the_rehearsed_group_to_the_helper() {
    let dir = offboard_project("stream-offboard-dry");
    let rec = run(&dir, "--dry-run");
    assert_eq!(
        rec["output"]["streamed"]["records"], 1,
        "one rehearsed group: {rec}"
    );
    assert_eq!(rec["output"]["streamed"]["succeeded"], 1);
}
