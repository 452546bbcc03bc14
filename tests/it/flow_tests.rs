//! Every `*.test.yaml` in the project runs under `cargo test`, and the tests catch a broken
//! flow: a JSONPath changed in the Oort flow makes `flowctl test` fail with a message that
//! points at the difference.

use crate::common;

use common::{Run, flowctl, temp_dir};
use std::path::Path;

#[test]
fn every_flow_test_passes() {
    let r = flowctl(&["test"]).ok();
    let last = r.stdout.lines().last().unwrap_or("");
    assert!(last.ends_with(" passed, 0 failed"), "{}", r.stdout);
    assert!(!last.starts_with("0 passed"), "no case ran:\n{}", r.stdout);
    // Every directory with flow tests, with the checkout's flowctl.yaml, from elsewhere.
    let dirs: Vec<_> = common::flow_dirs()
        .into_iter()
        .filter(|d| !flow_test::test_files(std::slice::from_ref(d)).is_empty())
        .collect();
    assert!(!dirs.is_empty(), "no directory with flow tests");
    for dir in &dirs {
        let r = Run::new(&["test", dir.to_str().unwrap()])
            .config(&common::root_config())
            .dir(&temp_dir("test-elsewhere"))
            .run();
        assert_eq!(r.code, 0, "{}: {}{}", dir.display(), r.stdout, r.stderr);
        let last = r.stdout.lines().last().unwrap_or("");
        assert!(
            last.ends_with(" passed, 0 failed") && !last.starts_with("0 passed"),
            "{}: {}",
            dir.display(),
            r.stdout
        );
    }
}

#[test]
fn filter_runs_only_matching_cases() {
    let r = flowctl(&["test", "flows", "--filter", "Test Connectivity"]).ok();
    assert_eq!(
        r.stdout.lines().last(),
        Some("1 passed, 0 failed"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_broken_json_path_is_caught_and_pointed_at() {
    let dir = temp_dir("broken-flow");
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("flowctl.yaml"), dir.join("flowctl.yaml")).unwrap();
    std::fs::create_dir_all(dir.join("examples/events")).unwrap();
    for f in ["failed-check.json", "webhook-test.json"] {
        std::fs::copy(
            root.join("examples/events").join(f),
            dir.join("examples/events").join(f),
        )
        .unwrap();
    }
    for f in [
        "oort-failing-check.yaml",
        "oort-failing-check.test.yaml",
        "demo-dispatcher.yaml",
        "demo-dispatcher.test.yaml",
    ] {
        let mut text = std::fs::read_to_string(root.join("flows").join(f)).unwrap();
        if f == "oort-failing-check.yaml" {
            assert!(text.contains("$.detail.severity"));
            text = text.replace("$.detail.severity", "$.detail.sevrity");
        }
        std::fs::write(dir.join("flows").join(f), text).unwrap();
    }
    let r = Run::new(&["test"]).dir(&dir).run();
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "✗ flows/oort-failing-check.test.yaml › the Test Connectivity event touches no user"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("steps.event.output.severity: expected \"critical\", got \"unknown\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.lines().last().unwrap().ends_with(" failed")
            && !r.stdout.lines().last().unwrap().ends_with(" 0 failed")
    );
}

/// As in the server, an `accept: json` endpoint sees its body as `trigger.json` whatever the
/// content-type: a flow test with a bare scalar body and no header gets the number.
#[test]
fn accept_json_bodies_are_trigger_json_in_flow_tests_too() {
    let dir = temp_dir("accept-json");
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::write(dir.join("flowctl.yaml"), "flows: flows\nstore: none\n").unwrap();
    std::fs::write(
        dir.join("flows/strict.yaml"),
        "flow: strict\ntrigger: { api_endpoint: { security: { public: true }, accept: json } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { n: \"{{ trigger.json }}\" } } }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("flows/strict.test.yaml"),
        "flow: strict\ncases:\n  - name: a bare number\n    body: \"42\"\n    expect: { status: succeeded, output: { n: 42 } }\n",
    )
    .unwrap();
    let r = Run::new(&["test"]).dir(&dir).run();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout.lines().last(),
        Some("1 passed, 0 failed"),
        "{}",
        r.stdout
    );
}
