//! Seeded tables end to end: a project with a table, a flow that reads and writes it, and test
//! cases whose `expect.tables` holds or differs from the rows the run left.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use flow_test::{run_files, test_files};
use std::path::PathBuf;

const CONFIG: &str =
    "tables:\n  seen:\n    columns: { email: text, count: number }\n    key: email\n";

const FLOW: &str = r#"flow: count-seen
trigger:
  helper:
    inputs:
      email: text
steps:
  - id: before
    card: table.read_row
    with: { table: seen, key: "{{ inputs.email }}", required: false }
  - id: save
    card: table.upsert_row
    with:
      table: seen
      values: { email: "{{ inputs.email }}", count: 1 }
"#;

const TESTS: &str = r#"flow: count-seen
cases:
  - name: holds
    input: { email: a@x }
    tables:
      seen: [ { email: a@x, count: 2 } ]
    expect:
      status: succeeded
      steps:
        before: { output: { count: 2 } }
      tables:
        seen: [ { email: a@x, count: 1, _version: 2 } ]
  - name: differs
    input: { email: b@x }
    tables:
      seen: [ { email: a@x, count: 2 } ]
    expect:
      tables:
        seen: [ { email: a@x, count: 2 }, { email: b@x, count: 2 } ]
  - name: a row the table refuses
    input: { email: a@x }
    tables:
      seen: [ { email: a@x, colour: red } ]
"#;

fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flow-test-{name}-{}", std::process::id()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(dir.join("flowctl.yaml"), CONFIG).unwrap();
    std::fs::write(flows.join("count-seen.yaml"), FLOW).unwrap();
    std::fs::write(flows.join("count-seen.test.yaml"), TESTS).unwrap();
    dir
}

#[test]
fn expected_rows_pass_and_differing_rows_fail() {
    let dir = project("tables");
    let files = test_files(&[dir.join("flows")]);
    let report = run_files(Some(&dir.join("flowctl.yaml")), &files, None);
    std::fs::remove_dir_all(&dir).unwrap();
    let by = |n: &str| {
        let found = report.cases.iter().find(|c| c.name == n);
        found.unwrap_or_else(|| panic!("no case `{n}` in {report:?}"))
    };
    assert!(by("holds").passed(), "{:?}", by("holds").failures);
    assert_eq!(
        by("differs").failures,
        vec!["tables.seen[1].count: expected 2, got 1"]
    );
    let refused = &by("a row the table refuses").failures;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].starts_with("tables.seen: "), "{refused:?}");
}
