//! Generated documents stay in step with the code: `docs/flow.schema.json` (editors) and
//! `docs/cards.md`. The schema accepts every flow in `flows/` and `examples/` and rejects a
//! misspelt key.

use crate::common;

use common::flowctl;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap()
}

#[test]
fn the_committed_schema_is_current() {
    let now = flowctl(&["schema"]).ok().stdout;
    assert!(
        now == read("docs/flow.schema.json"),
        "docs/flow.schema.json is stale: run `cargo run -- schema > docs/flow.schema.json`"
    );
}

#[test]
fn the_committed_card_reference_is_current() {
    let now = flowctl(&["cards", "--format", "markdown"]).ok().stdout;
    assert!(
        now == read("docs/cards.md"),
        "docs/cards.md is stale: run `cargo run -- cards --format markdown > docs/cards.md`"
    );
}

fn yaml_to_json(text: &str) -> Value {
    flow_model::node::parse_yaml(flow_model::SourceId(0), text)
        .unwrap()
        .to_json()
}

fn flow_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("flows"), root().join("examples")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                // `--fakes` scenario files are not flows.
                if !p.ends_with("examples/scenarios") {
                    stack.push(p);
                }
            } else if name.ends_with(".yaml")
                && !name.ends_with(".test.yaml")
                && name != "flowctl.yaml"
            {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_schema_accepts_every_flow_and_rejects_a_misspelt_key() {
    let schema: Value = serde_json::from_str(&read("docs/flow.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let files = flow_files();
    assert!(files.len() >= 2);
    for f in &files {
        let doc = yaml_to_json(&std::fs::read_to_string(f).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
    let main = read("flows/oort-failing-check.yaml");
    for (from, to) in [
        ("on_item_error:", "on_item_eror:"),
        (
            "    card: json.parse",
            "    card: json.parse\n    tiemout: 5s",
        ),
        ("separator:", "seperator:"),
    ] {
        assert!(main.contains(from));
        let broken = yaml_to_json(&main.replacen(from, to, 1));
        assert!(!validator.is_valid(&broken), "the schema accepted `{to}`");
    }
}

#[test]
fn every_flow_names_the_schema_for_editors() {
    let files = flow_files();
    assert!(files.len() >= 2, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{} does not start with the schema comment",
            f.display()
        );
    }
}
