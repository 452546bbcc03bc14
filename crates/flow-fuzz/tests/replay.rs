//! Every committed seed (`fuzz/corpus/<target>/`) and crash regression
//! (`fuzz/regressions/<target>/`) goes through its fuzz target; any panic fails the test and
//! names the file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use flow_fuzz::{Failure, TARGETS, Target, replay_dir};
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

/// The request seeds reach what their names say: the flow (200/202/422), or the refusal.
#[test]
fn request_seeds_reach_their_paths() {
    let dir = fuzz_dir().join("corpus/request");
    let mut got = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in names {
        let data = std::fs::read(dir.join(&name)).unwrap();
        got.push((name, flow_fuzz::request_status(&data)));
    }
    let want: Vec<(String, Option<u16>)> = [
        ("seed-bom-invalid", Some(413)),
        ("seed-both", Some(422)),
        // HEAD is routed like GET today; issue 10 asks for 405 (update this when it lands).
        ("seed-head", Some(200)),
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
