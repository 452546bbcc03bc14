//! Every committed seed (`fuzz/corpus/<target>/`) and crash regression
//! (`fuzz/regressions/<target>/`) goes through its fuzz target; any panic fails the test and
//! names the file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use flow_fuzz::{Failure, ProjectReport, TARGETS, Target, replay_dir};
use flow_runtime::RunStatus::{Failed, Succeeded};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Replays `fuzz/<kind>/<target>/` for every target; returns the number of files run.
fn replay_all(kind: &str) -> usize {
    let mut ran = 0;
    let mut failures: Vec<Failure> = Vec::new();
    for (name, target) in TARGETS {
        let (n, f) = replay_dir(*target, &fuzz_dir().join(kind).join(name));
        ran += n;
        failures.extend(f);
    }
    assert_eq!(failures, Vec::<Failure>::new(), "inputs that panic");
    ran
}

#[test]
fn seeds_do_not_panic() {
    // Each target has seeds; an empty or misplaced corpus would make this test prove nothing.
    for (name, _) in TARGETS {
        let (n, _) = replay_dir(|_| {}, &fuzz_dir().join("corpus").join(name));
        assert!(n >= 3, "fuzz/corpus/{name} has {n} seeds");
    }
    replay_all("corpus");
}

#[test]
fn regressions_do_not_panic() {
    replay_all("regressions");
}

/// The replay catches a panic and names the file, so a regression that comes back fails.
#[test]
fn a_panicking_input_is_reported() {
    let dir = std::env::temp_dir().join(format!("flow-fuzz-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a-fine"), b"ok").unwrap();
    std::fs::write(dir.join("b-boom"), b"boom").unwrap();
    let target: Target = |data| {
        if data == b"boom" {
            panic!("boom input");
        }
    };
    let (n, failures) = replay_dir(target, &dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        failures,
        vec![Failure {
            file: dir.join("b-boom"),
            message: "boom input".to_string()
        }]
    );
}

/// Each seed of `target` run through `f`, by file name.
fn seeds<T>(target: &str, f: fn(&[u8]) -> T) -> Vec<(String, T)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let data = std::fs::read(dir.join(&name)).unwrap();
            let out = f(&data);
            (name, out)
        })
        .collect()
}

fn named<T>(rows: Vec<(&str, T)>) -> Vec<(String, T)> {
    rows.into_iter().map(|(n, t)| (n.to_string(), t)).collect()
}

/// The project seeds reach the compiler's error paths and, with a config, a clean compile.
#[test]
fn project_seeds_reach_their_paths() {
    let r = |errors, warnings, flows| ProjectReport {
        errors,
        warnings,
        flows,
    };
    let want = named(vec![
        ("seed-bad-values.yaml", r(2, 0, 1)),
        ("seed-demo-dispatcher.yaml", r(3, 0, 0)),
        ("seed-endpoint.yaml", r(1, 0, 0)),
        // `listen: ${env:LISTEN:-…}` is expanded now (issue 10, item 2), no longer an error.
        ("seed-helper-and-cycle.yaml", r(3, 1, 0)),
        ("seed-oort-failing-check.yaml", r(2, 0, 0)),
        ("seed-project-with-config.yaml", r(0, 0, 2)),
        ("seed-pure-cards.yaml", r(1, 9, 0)),
        ("seed-unknown-key.yaml", r(2, 0, 1)),
        ("seed-yaml-syntax.yaml", r(1, 0, 0)),
    ]);
    assert_eq!(seeds("project", flow_fuzz::project_report), want);
}

/// The template seeds check against the sample scope and render (all but two).
#[test]
fn template_seeds_reach_their_paths() {
    let ok = |s: &str| Ok(s.to_string());
    let want = named(vec![
        ("seed-01", ok("ada")),
        (
            "seed-02",
            ok("Hello ada, you have 2 users and 1.5e+300 points."),
        ),
        ("seed-03", ok("yes x<y & \"z\" \u{1F600}\n")),
        ("seed-04", ok("[0/true/false=ada][1/false/true=bob]")),
        ("seed-05", ok("<ada|ada@example.com>")),
        ("seed-06", ok("active")),
        (
            "seed-07",
            ok(
                "a, , <b> {\"id\":7,\"tags\":[\"a\",\"b\"],\"nested\":{\"deep\":[1,2.5,null,true]}} x<y & \"z\" \u{1F600}\n",
            ),
        ),
        (
            "seed-08",
            ok("fallback x<y & \"z\" \u{1F600}\n X<Y & \"Z\" \u{1F600} true"),
        ),
        (
            "seed-09",
            ok("id=7;tags=[\"a\",\"b\"];nested={\"deep\":[1,2.5,null,true]};"),
        ),
        ("seed-10", ok("false")),
        ("seed-11", ok("x&lt;y &amp; \"z\" \u{1F600}\n1.5e+300")),
        (
            "seed-12",
            Err("`../x` goes up more levels than there are blocks".to_string()),
        ),
        ("seed-13", ok("3-a3-3-<b>1-a1-1-<b>2-a2-2-<b>")),
        (
            "seed-14",
            ok("00u120193e8a0-0000-7000-8000-0000000000002026-01-02T03:04:05Zlit1500.0true"),
        ),
        (
            "seed-15",
            Err("this `{{` is never closed with `}}`".to_string()),
        ),
    ]);
    assert_eq!(seeds("template", flow_fuzz::template_render), want);
}

/// The `json_parse` seeds compile and run: on the text, and again on the parsed value.
#[test]
fn json_parse_seeds_reach_their_paths() {
    let want = named(vec![
        ("seed-big", Some(vec![Succeeded, Succeeded])),
        // A byte order mark: the card skips it as `accept: json` does (issue 10, item 7).
        ("seed-bom", Some(vec![Succeeded])),
        ("seed-date-filter", Some(vec![Succeeded, Succeeded])),
        ("seed-failed-check", Some(vec![Succeeded, Succeeded])),
        ("seed-no-fields", Some(vec![Succeeded, Succeeded])),
        ("seed-props", Some(vec![Succeeded, Succeeded])),
        ("seed-scalar", Some(vec![Failed, Failed])),
        ("seed-webhook-test", Some(vec![Succeeded, Succeeded])),
    ]);
    assert_eq!(seeds("json_parse", flow_fuzz::json_parse_statuses), want);
}

/// The request seeds reach what their names say: the flow (200/202/422), or the refusal.
#[test]
fn request_seeds_reach_their_paths() {
    let got = seeds("request", flow_fuzz::request_status);
    let want: Vec<(String, Option<u16>)> = [
        ("seed-bom-invalid", Some(413)),
        ("seed-both", Some(422)),
        // HEAD runs nothing (issue 10, item 8).
        ("seed-head", Some(405)),
        ("seed-metrics", Some(200)),
        ("seed-open-get", Some(200)),
        ("seed-open-post", Some(200)),
        ("seed-put", Some(405)),
        ("seed-signed", Some(200)),
        ("seed-signed-bad", Some(401)),
        ("seed-stamped", Some(200)),
        ("seed-stamped-overflow", Some(401)),
        ("seed-token-header", Some(202)),
        ("seed-token-query", Some(202)),
        ("seed-token-wrong", Some(401)),
    ]
    .into_iter()
    .map(|(n, s)| (n.to_string(), s))
    .collect();
    assert_eq!(got, want);
}
