//! `flowctl import`: Okta Workflows exports (our own fixtures in `tests/fixtures/okta/`, in the
//! real format) become flow files that validate and run, with a report and exit codes 0/1/2.

use crate::common::{Run, flowctl, golden, temp_dir};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/okta")
        .join(name)
        .display()
        .to_string()
}

/// `flowctl import FIXTURE --out out ARGS…` in a fresh directory; returns it and the output.
fn import(test: &str, fixture_name: &str, args: &[&str]) -> (PathBuf, crate::common::Output) {
    let dir = temp_dir(test);
    let file = fixture(fixture_name);
    let mut all = vec!["import", file.as_str(), "--out", "out"];
    all.extend_from_slice(args);
    let out = Run::new(&all).dir(&dir).run();
    (dir, out)
}

/// `flowctl --config DIR/flowctl.yaml validate` must pass.
fn validates(project: &Path) {
    let out = in_project(project, &["validate"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("valid"), "{}", out.stdout);
}

/// Every written file, compared with `tests/golden/import/NAME/…`.
fn goldens(name: &str, project: &Path, files: &[&str]) {
    for f in files {
        let text = std::fs::read_to_string(project.join(f)).unwrap();
        golden(&format!("import/{name}/{f}"), &text);
    }
}

/// Imports fixture `file` in a fresh directory `import-NAME`: it converts completely, the
/// report says `summary`, the written `files` match the goldens of `NAME`, and the project
/// validates. Returns the directory and the project (`DIR/out`).
fn imported(name: &str, file: &str, summary: &str, files: &[&str]) -> (PathBuf, PathBuf) {
    let (dir, out) = import(&format!("import-{name}"), file, &[]);
    let out = out.ok();
    assert!(out.stdout.contains(summary), "{}", out.stdout);
    let project = dir.join("out");
    goldens(name, &project, files);
    validates(&project);
    (dir, project)
}

/// `flowctl ARGS…` on the imported project's `flowctl.yaml`.
fn in_project(project: &Path, args: &[&str]) -> crate::common::Output {
    Run::new(args).config(&project.join("flowctl.yaml")).run()
}

#[test]
fn the_oort_folder_converts_validates_and_runs() {
    let (dir, out) = import("import-oort", "oort-demo.folder", &[]);
    let out = out.ok();
    assert!(
        out.stdout.contains("2 of 2 flows converted"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(
        "ok \"Demo - Dispatcher\" -> demo-dispatcher: converted (flows/demo-dispatcher.yaml)"
    ));
    let project = dir.join("out");
    goldens(
        "oort-demo",
        &project,
        &[
            "flowctl.yaml",
            "flows/oort-failing-check.yaml",
            "flows/demo-dispatcher.yaml",
        ],
    );
    validates(&project);
    // The import runs: every pure step for real, every request rehearsed.
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        r#"{"detail-type":"FAILED_CHECK","detail":{"title":"Inactive admins","severity":"high","usersFailing":["maria@example.com","li@example.com"]}}"#,
    )
    .unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "oort-failing-check",
            "--input",
            event.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    )
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    let text = run.stdout.as_str();
    assert!(
        text.contains("Users failing: maria@example.com, li@example.com"),
        "{text}"
    );
    assert!(
        text.contains("\"succeeded\":2") || text.contains("\"succeeded\": 2"),
        "{text}"
    );
}

#[test]
fn a_single_flow_export_converts_and_runs() {
    let (dir, out) = import("import-flow", "quarantine-user.flow", &[]);
    let out = out.ok();
    assert!(
        out.stdout.contains("1 of 1 flows converted"),
        "{}",
        out.stdout
    );
    let project = dir.join("out");
    goldens(
        "quarantine-user",
        &project,
        &["flowctl.yaml", "flows/quarantine-user.yaml"],
    );
    validates(&project);
    let body = dir.join("body.json");
    std::fs::write(
        &body,
        r#"{"data":{"user":{"login":"maria@example.com"},"reason":"phishing"}}"#,
    )
    .unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "quarantine-user",
            "--input",
            body.to_str().unwrap(),
            "--dry-run",
        ],
    )
    .ok();
    assert!(run.stdout.contains("return_raw"), "{}", run.stdout);
    assert!(
        run.stdout.contains("/api/v1/users/maria%40example.com"),
        "{}",
        run.stdout
    );
}

#[test]
fn if_else_becomes_a_branch_block_and_the_join_reads_its_outputs() {
    let (dir, project) = imported(
        "if-else",
        "if-else.flow",
        "1 of 1 flows converted",
        &["flows/suspend-on-request.yaml"],
    );
    for (action, answer, skipped) in [
        ("suspend", r#"{"outcome":"suspended","user":"#, "ignored"),
        ("keep", r#"{"outcome":"nothing to do"}"#, "suspend_user"),
    ] {
        let body = dir.join(format!("{action}.json"));
        std::fs::write(
            &body,
            format!(r#"{{"login":"maria@example.com","action":"{action}"}}"#),
        )
        .unwrap();
        let run = in_project(
            &project,
            &[
                "run",
                "suspend-on-request",
                "--input",
                body.to_str().unwrap(),
                "--dry-run",
                "--json",
            ],
        )
        .ok();
        let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(record["status"], "succeeded", "{}", run.stdout);
        let got = serde_json::to_string(&record["output"]["answer"]).unwrap();
        assert!(got.starts_with(answer), "{action}: {got}");
        assert!(
            record["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["id"] == skipped && s["status"] == "skipped"),
            "{action}: {}",
            run.stdout
        );
    }
}

#[test]
fn if_elseif_becomes_a_branch_block_and_assign_if_flow_assign_if() {
    let (dir, project) = imported(
        "if-elseif",
        "if-elseif.flow",
        "1 of 1 flows converted",
        &["flows/route-alert.yaml"],
    );
    for (level, channel, action) in [
        ("high", "#incidents", "page"),
        ("medium", "#alerts", "notify"),
        ("low", "#log", "notify"),
    ] {
        let body = dir.join(format!("{level}.json"));
        std::fs::write(&body, format!(r#"{{"level":"{level}"}}"#)).unwrap();
        let run = in_project(
            &project,
            &[
                "run",
                "route-alert",
                "--input",
                body.to_str().unwrap(),
                "--json",
            ],
        )
        .ok();
        let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(record["output"]["channel"], channel, "{}", run.stdout);
        assert_eq!(record["output"]["action"], action, "{}", run.stdout);
    }
}

#[test]
fn if_error_becomes_a_try_catch_block() {
    let (dir, project) = imported(
        "if-error",
        "if-error.flow",
        "1 of 1 flows converted",
        &["flows/suspend-first-user.yaml"],
    );
    let run = |name: &str, body: &str| {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let out = in_project(
            &project,
            &[
                "run",
                "suspend-first-user",
                "--input",
                path.to_str().unwrap(),
                "--dry-run",
                "--json",
            ],
        )
        .ok();
        let record: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(record["status"], "succeeded", "{}", out.stdout);
        let status = |id: &str| {
            record["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == id)
                .map(|s| s["status"].as_str().unwrap_or_default().to_string())
                .unwrap_or_default()
        };
        (
            status("first_user"),
            status("suspend_user"),
            status("send_message_to_channel"),
            out.stdout,
        )
    };
    // The Try block fails at its first step: the rest is skipped, the If Error block posts.
    let (first, suspend, post, text) = run("empty.json", r#"{"users": []}"#);
    assert_eq!(
        (first.as_str(), suspend.as_str(), post.as_str()),
        ("failed", "skipped", "succeeded"),
        "{text}"
    );
    assert!(
        text.contains("Could not suspend the first user: index 0 is out of bounds"),
        "{text}"
    );
    // It succeeds: the If Error block is skipped.
    let (first, suspend, post, text) = run("one.json", r#"{"users": ["maria@example.com"]}"#);
    assert_eq!(
        (first.as_str(), suspend.as_str(), post.as_str()),
        ("succeeded", "succeeded", "skipped"),
        "{text}"
    );
}

#[test]
fn function_cards_map_to_text_list_and_number_cards() {
    let (dir, out) = import("import-functions", "functions.flow", &[]);
    let out = out.ok();
    assert!(
        out.stdout
            .contains("1 of 1 flows converted (10 of 10 cards)"),
        "{}",
        out.stdout
    );
    let project = dir.join("out");
    goldens("functions", &project, &["flows/domain-seats.yaml"]);
    validates(&project);
    let body = dir.join("body.json");
    std::fs::write(&body, r#"{"email":"  Maria@Example.COM ","seats":"4"}"#).unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "domain-seats",
            "--input",
            body.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    )
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    // Split on `@`, last item, trim, lower case: "example.com" (11 characters); 4 + 1 = 5.
    assert_eq!(
        record["output"],
        serde_json::json!({"domain": "example.com", "total": 5, "weight": 55})
    );
}

#[test]
fn scheduled_flows_get_a_schedule_trigger_with_the_okta_cron_and_zone() {
    let (_, project) = imported(
        "schedule",
        "schedule.flow",
        "1 of 1 flows converted (4 of 4 cards)",
        &["flows/weekday-report.yaml"],
    );
    let run = in_project(&project, &["run", "weekday-report", "--dry-run", "--json"]).ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    let line = record["output"]["line"].as_str().unwrap();
    // The execution time is the tick in Berlin time (+01:00 or +02:00), Now is UTC.
    let due = line.split(" due ").nth(1).unwrap();
    assert!(
        due.contains("+01:00, started ") || due.contains("+02:00, started "),
        "{line}"
    );
    assert!(line.ends_with('Z'), "{line}");
}

#[test]
fn tables_are_declared_and_search_rows_reads_the_first_matching_row() {
    let (dir, out) = import("import-tables", "tables.flow", &[]);
    let out = out.ok();
    assert!(
        out.stdout.contains("1 of 1 flows converted (4 of 4 cards)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("tables in flowctl.yaml: allowed_domains (\"Allowed domains\")"),
        "{}",
        out.stdout
    );
    let project = dir.join("out");
    goldens(
        "tables",
        &project,
        &["flowctl.yaml", "flows/domain-owner.yaml"],
    );
    validates(&project);
    let body = dir.join("body.json");
    std::fs::write(&body, r#"{"domain":"example.com"}"#).unwrap();
    // One store for the runs and `flowctl table import`.
    let store = format!("sqlite://{}", dir.join("state.db").display());
    let run = || {
        let run = Run::new(&[
            "run",
            "domain-owner",
            "--input",
            body.to_str().unwrap(),
            "--dry-run",
            "--json",
        ])
        .config(&project.join("flowctl.yaml"))
        .env("FLOWCTL_STORE", &store)
        .run()
        .ok();
        let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(record["status"], "succeeded", "{}", run.stdout);
        record["output"].clone()
    };
    // No row matches: Okta's Row ID and fields are empty, here `null`.
    assert_eq!(run(), serde_json::json!({"row": null, "team": null}));
    let csv = dir.join("rows.csv");
    std::fs::write(
        &csv,
        "domain,owning_team,seats\nother.org,Billing,1\nexample.com,Identity,3\n",
    )
    .unwrap();
    Run::new(&["table", "import", "allowed_domains", csv.to_str().unwrap()])
        .config(&project.join("flowctl.yaml"))
        .env("FLOWCTL_STORE", &store)
        .run()
        .ok();
    assert_eq!(run(), serde_json::json!({"row": 2, "team": "Identity"}));
}

#[test]
fn okta_event_cards_become_event_hooks_that_run_on_a_delivery() {
    let (_, project) = imported(
        "event-hook",
        "event-hook.flow",
        "1 of 1 flows converted (3 of 3 cards)",
        &["flows/on-group-join.yaml"],
    );
    // Okta's delivery of five events: the one of the card's type runs, its targets found.
    let delivery = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/events/okta/event-hook-delivery.json");
    let run = in_project(
        &project,
        &[
            "run",
            "on-group-join",
            "--input",
            delivery.to_str().unwrap(),
            "--dry-run",
        ],
    )
    .ok();
    assert!(
        run.stdout.contains(
            r##"{"text":"nina.hire@example.com joined Finance (Ada Admin, group.user_membership.add)","channel":"#joiners"}"##
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn an_event_batch_body_becomes_a_try_block_run_per_event() {
    let (dir, project) = imported(
        "event-batch",
        "event-batch.flow",
        "1 of 1 flows converted (4 of 4 cards)",
        &["flows/on-suspension-batch.yaml"],
    );
    // Okta's example delivery, its membership event made a suspension.
    let example = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("examples/events/okta/event-hook-delivery.json"),
    )
    .unwrap();
    let delivery = dir.join("delivery.json");
    std::fs::write(
        &delivery,
        example.replace("group.user_membership.add", "user.lifecycle.suspend"),
    )
    .unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "on-suspension-batch",
            "--input",
            delivery.to_str().unwrap(),
            "--dry-run",
        ],
    )
    .ok();
    assert!(
        run.stdout
            .contains("nina.hire@example.com was suspended (user.lifecycle.suspend)"),
        "{}",
        run.stdout
    );
}

#[test]
fn tables_cards_write_read_and_search_rows() {
    let (dir, project) = imported(
        "table-rows",
        "table-rows.flow",
        "1 of 1 flows converted (7 of 7 cards)",
        &["flows/record-joiner.yaml"],
    );
    let input = dir.join("in.json");
    std::fs::write(&input, r#"{"email":"ann@example.com","name":"Ann"}"#).unwrap();
    let store = format!("sqlite://{}", dir.join("state.db").display());
    // Run for real: the tables are the project's own (a dry run writes no row, so it has no id).
    let run = Run::new(&[
        "run",
        "record-joiner",
        "--input",
        input.to_str().unwrap(),
        "--json",
    ])
    .config(&project.join("flowctl.yaml"))
    .env("FLOWCTL_STORE", &store)
    .run()
    .ok();
    let mut record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    // Each row says when it was written first and last (Okta's Created and Updated).
    let row = record["output"]["rows"][0].as_object_mut().unwrap();
    let (created, updated) = (
        row.remove("_created").unwrap(),
        row.remove("_updated").unwrap(),
    );
    assert!(
        created.as_str().unwrap() <= updated.as_str().unwrap(),
        "{created} {updated}"
    );
    // Created, renamed, read back and found; deleted last.
    assert_eq!(
        record["output"],
        serde_json::json!({"name": "(renamed)", "rows": [{"id": 1, "_version": 2, "email": "ann@example.com", "name": "(renamed)"}]})
    );
}

#[test]
fn add_to_date_and_merge_map_to_date_add_and_object_merge() {
    let (dir, project) = imported(
        "dates-objects",
        "dates-objects.flow",
        "1 of 1 flows converted (4 of 4 cards)",
        &["flows/grant-until.yaml"],
    );
    let input = dir.join("in.json");
    std::fs::write(
        &input,
        r#"{"since":"2026-01-01T00:00:00Z","defaults":{"a":1,"b":2},"overrides":{"b":3}}"#,
    )
    .unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "grant-until",
            "--input",
            input.to_str().unwrap(),
            "--json",
        ],
    )
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        record["output"],
        serde_json::json!({"until": "2026-01-31T00:00:00.000Z", "settings": {"a": 1, "b": 3}}),
        "{}",
        run.stdout
    );
}

/// Runs `flow` of an imported project on the JSON `input` with `--dry-run`; returns the record.
fn dry_run(dir: &Path, project: &Path, flow: &str, input: &str) -> serde_json::Value {
    let file = dir.join(format!("{flow}-input.json"));
    std::fs::write(&file, input).unwrap();
    let run = in_project(
        project,
        &[
            "run",
            flow,
            "--input",
            file.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    )
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    record
}

#[test]
fn catalogue_cards_map_to_list_text_number_boolean_object_and_date_cards() {
    let (dir, project) = imported(
        "catalogue",
        "catalogue.flow",
        "1 of 1 flows converted (12 of 12 cards)",
        &["flows/profile-card.yaml"],
    );
    let record = dry_run(
        &dir,
        &project,
        "profile-card",
        r#"{"tags":["admin","dev"],"extra":["dev","ops"],"name":"ada-lovelace","score":"3.14159","when":"2026-03-01T23:30:00Z"}"#,
    );
    assert_eq!(
        record["output"],
        serde_json::json!({
            "admin": true,
            "tags": ["admin", "dev", "ops"],
            "name": "ADA LOVELACE",
            "score": 3.1,
            "record": {"source": "okta", "profile": {"name": "ADA LOVELACE"}},
            "fields": ["source", "profile"],
            // 23:30 UTC is the next day in Berlin.
            "day": "2026-03-02"
        })
    );
}

#[test]
fn formula_and_filter_custom_map_to_number_formula_and_list_filter_custom() {
    let (dir, project) = imported(
        "formula-filter",
        "formula-filter.flow",
        "2 of 2 flows converted (8 of 8 cards)",
        &["flows/colour-and-actives.yaml", "flows/is-active.yaml"],
    );
    let text = std::fs::read_to_string(project.join("flows/colour-and-actives.yaml")).unwrap();
    // Placeholders become names from their inputs' display names (or keys); `Pi` is not `pi`.
    assert!(
        text.contains(
            r#"expression: "high_byte * 256^2 + middle * 256 + k3 % 7 + pi_2 * pi # RGB""#
        ),
        "{text}"
    );
    let record = dry_run(
        &dir,
        &project,
        "colour-and-actives",
        r#"{"high":"1","users":[{"n":1,"status":"ACTIVE"},{"n":2,"status":"SUSPENDED"},{"n":3,"status":"ACTIVE"}]}"#,
    );
    // 1 * 65536 + 2 * 256 + 10 % 7; the helper keeps the ACTIVE users, in order.
    assert_eq!(
        record["output"],
        serde_json::json!({
            "colour": 66051,
            "active": [{"n": 1, "status": "ACTIVE"}, {"n": 3, "status": "ACTIVE"}]
        })
    );
}

#[test]
fn lookup_wait_for_repeat_and_reduce_map_to_their_flow_and_list_cards() {
    let (dir, project) = imported(
        "control",
        "control.flow",
        "4 of 4 flows converted (17 of 17 cards)",
        &[
            "flows/order-status.yaml",
            "flows/tens.yaml",
            "flows/add-price.yaml",
            "flows/grouped-lookup.yaml",
        ],
    );
    // Cases in groups, the default in `else`; two weeks' wait (a dry run does not wait).
    for (status, colour) in [("SUSPENDED", "red"), ("STAGED", "grey")] {
        let record = dry_run(
            &dir,
            &project,
            "grouped-lookup",
            &format!(r#"{{"status":"{status}"}}"#),
        );
        assert_eq!(record["output"]["colour"], colour, "{record}");
    }
    let record = dry_run(
        &dir,
        &project,
        "order-status",
        r#"{"status":"SUSPENDED","items":[{"price":3},{"price":4.5}]}"#,
    );
    assert_eq!(
        record["output"],
        serde_json::json!({
            "colour": "red",
            "runs": [{"tens": 0}, {"tens": 10}, {"tens": 20}],
            "total": 7.5
        })
    );
    let record = dry_run(
        &dir,
        &project,
        "order-status",
        r#"{"status":"STAGED","items":[]}"#,
    );
    assert_eq!(record["output"]["colour"], "grey");
    assert_eq!(record["output"]["total"], 0);
}

#[test]
fn blocks_inside_blocks_become_nested_branch_and_try_steps() {
    let (dir, project) = imported(
        "nested",
        "nested.flow",
        "3 of 3 flows converted (28 of 28 cards)",
        &[
            "flows/route-safely.yaml",
            "flows/pick-route.yaml",
            "flows/branch-then-try.yaml",
        ],
    );
    // An If Error inside an If/Else branch, read through the Join.
    for (level, channel) in [("high", "#incidents"), ("low", "#log")] {
        let record = dry_run(
            &dir,
            &project,
            "branch-then-try",
            &format!(r#"{{"level":"{level}"}}"#),
        );
        assert_eq!(record["output"]["channel"], channel, "{record}");
    }
    // If/Else with a Join inside the Try block of a helper.
    for (level, channel) in [("high", "#incidents"), ("low", "#log")] {
        std::fs::write(
            dir.join(format!("{level}.json")),
            format!(r#"{{"level":"{level}"}}"#),
        )
        .unwrap();
        let run = in_project(
            &project,
            &[
                "run",
                "pick-route",
                "--input",
                dir.join(format!("{level}.json")).to_str().unwrap(),
                "--json",
            ],
        )
        .ok();
        let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            record["output"]["route"]["channel"], channel,
            "{}",
            run.stdout
        );
    }
    for (level, channel) in [
        ("high", "#incidents"),
        ("medium", "#alerts"),
        ("low", "#log"),
    ] {
        let record = dry_run(
            &dir,
            &project,
            "route-safely",
            &format!(r#"{{"level":"{level}"}}"#),
        );
        assert_eq!(record["output"]["channel"], channel, "{record}");
    }
}

/// Get User's Groups set to "Stream Records": the step streams each group to the helper
/// (`stream:` with Okta's Record and State). Validating it needs the streaming form of paged
/// connector actions; until this flowctl has it, the card is reported instead.
#[test]
fn a_streaming_list_card_hands_each_record_to_its_helper() {
    let (dir, out) = import("import-streaming", "connectors.flow", &[]);
    let project = dir.join("out");
    if out.code == 0 {
        goldens("connectors", &project, &["flows/regroup.yaml"]);
        validates(&project);
    } else {
        assert!(
            out.stdout
                .contains("streams its records to a helper flow, which `okta.get_users_groups` does not take (`stream:`) in this flowctl"),
            "{}",
            out.stdout
        );
    }
}

/// Connector cards with the app keys of the public templates (`servicenow`, `office365admin`,
/// `gmail`), found by their address key when renamed (`customAPIAction`, `sendEmail2`); Text
/// Segment by its real key `substr`, Now read by its `date` output, UNIX as `date.convert`,
/// HTTP Post as `http.request`; Okta's Create User, its `Profile` fields one by one, as the
/// `profile` object of `okta.create_user`. The flow files match their goldens; the project
/// does not validate yet, because `flowctl.yaml` gets no settings for a YAML connector's
/// connection (the import lists it under `connections in flowctl.yaml`).
#[test]
fn connector_cards_of_the_public_templates_map_by_their_real_app_keys() {
    // Gmail's Send Email with "Body is HTML?" (Yes/No, a boolean input), Office 365 Admin,
    // ServiceNow and Okta cards found by their app keys; the connections of data-defined
    // connectors are written with the settings their first authentication reads (ServiceNow's
    // basic auth, Microsoft 365's app credentials), so the project validates.
    imported(
        "templates",
        "templates.flow",
        "3 of 3 flows converted (15 of 15 cards)",
        &[
            "flowctl.yaml",
            "flows/risky-sign-in.yaml",
            "flows/mail-notice.yaml",
            "flows/import-one.yaml",
        ],
    );
}

#[test]
fn unsupported_cards_are_reported_and_their_flows_not_written() {
    let (dir, out) = import("import-unsupported", "unsupported.flopack", &[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    golden("import/unsupported.report", &out.stdout);
    assert!(
        !dir.join("out").exists(),
        "nothing is written when no flow converted"
    );
}

#[test]
fn partial_writes_stand_ins_that_validate_and_still_exits_1() {
    let (dir, out) = import("import-partial", "unsupported.flopack", &["--partial"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("0 of 8 flows converted"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains(": converted"),
        "a partial flow is never reported as converted"
    );
    let project = dir.join("out");
    let branching = std::fs::read_to_string(project.join("flows/branching.yaml")).unwrap();
    assert!(
        branching.contains(
            "      - when: \"{{ eq trigger.body \\\"yes\\\" }}\"\n        steps:\n          # Okta: Return\n          # UNSUPPORTED: Return (control:return): Return with values inside an If/Else branch: Okta leaves only the branch, and flowctl has no place for its values (not yet)\n          - id: return\n            card: flow.fail\n"
        ),
        "{branching}"
    );
    let config = std::fs::read_to_string(project.join("flowctl.yaml")).unwrap();
    assert!(
        config.contains("  allowed_domains:\n    columns:\n      domain: text   # \"Domain\"\n"),
        "{config}"
    );
    validates(&project);
}

#[test]
fn files_that_are_not_exports_exit_2_with_a_clear_error() {
    let dir = temp_dir("import-bad");
    let whole = std::fs::read(fixture("oort-demo.folder")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.folder",
            whole[..whole.len() / 2].to_vec(),
            "not valid JSON",
        ),
        (
            "garbage.flopack",
            b"\x00\xffPK garbage".to_vec(),
            "not valid JSON",
        ),
        (
            "other.flow",
            br#"{"type":"workflow","data":{}}"#.to_vec(),
            "`type` is `workflow`, not `flopack`",
        ),
        (
            "future.flopack",
            br#"{"type":"flopack","version":"2.0.0","data":{"flos":{}}}"#.to_vec(),
            "unsupported export version `2.0.0`",
        ),
        ("list.flopack", b"[1, 2]".to_vec(), "not a JSON object"),
    ];
    for (name, bytes, why) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = Run::new(&["import", path.to_str().unwrap(), "--out", "out"])
            .dir(&dir)
            .run();
        assert_eq!(out.code, 2, "{name}: {}\n{}", out.stdout, out.stderr);
        assert!(
            out.stderr.starts_with("error: cannot import "),
            "{name}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(why), "{name}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{name}: {}", out.stdout);
    }
    let missing = flowctl(&["import", "/nonexistent/x.folder"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read /nonexistent/x.folder"),
        "{}",
        missing.stderr
    );
    assert!(!dir.join("out").exists());
}

#[test]
fn existing_files_are_replaced_only_with_force() {
    let (dir, first) = import("import-force", "quarantine-user.flow", &[]);
    first.ok();
    let flow = dir.join("out/flows/quarantine-user.yaml");
    std::fs::write(&flow, "# edited by hand\n").unwrap();
    let file = fixture("quarantine-user.flow");
    let again = Run::new(&["import", &file, "--out", "out"]).dir(&dir).run();
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("not overwriting out/flowctl.yaml, out/flows/quarantine-user.yaml (pass --force to replace them)"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(&flow).unwrap(),
        "# edited by hand\n"
    );
    let forced = Run::new(&["import", &file, "--out", "out", "--force"])
        .dir(&dir)
        .run()
        .ok();
    assert!(
        forced
            .stdout
            .contains("replaced out/flows/quarantine-user.yaml (--force)"),
        "{}",
        forced.stdout
    );
    assert!(
        std::fs::read_to_string(&flow)
            .unwrap()
            .contains("flow: quarantine-user")
    );
}

/// Okta's public templates are not committed; point `FLOWCTL_OKTA_EXPORTS` at a directory of
/// exports to import each by hand: `FLOWCTL_OKTA_EXPORTS=DIR cargo test -p flowctl --test it
/// -- --ignored okta_exports --nocapture`. Every written project must validate.
#[test]
#[ignore = "needs FLOWCTL_OKTA_EXPORTS (Okta's templates are not part of the repository)"]
fn okta_exports_import_into_projects_that_validate() {
    let dir = PathBuf::from(std::env::var("FLOWCTL_OKTA_EXPORTS").expect("FLOWCTL_OKTA_EXPORTS"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no exports in {}", dir.display());
    let (mut flows, mut converted) = (0, 0);
    for (i, f) in files.iter().enumerate() {
        let out_dir = temp_dir(&format!("import-okta-{i}"));
        let out = Run::new(&["import", f.to_str().unwrap(), "--out", "out", "--partial"])
            .dir(&out_dir)
            .run();
        println!("{}", out.stdout);
        assert!(
            out.code == 0 || out.code == 1,
            "{}: {}",
            f.display(),
            out.stderr
        );
        flows += out
            .stdout
            .lines()
            .filter(|l| l.starts_with("  ok ") || l.starts_with("  ~~ "))
            .count();
        converted += out
            .stdout
            .lines()
            .filter(|l| l.starts_with("  ok "))
            .count();
        if out_dir.join("out/flowctl.yaml").exists() {
            validates(&out_dir.join("out"));
        }
    }
    println!(
        "{converted} of {flows} flows converted fully; {} exports",
        files.len()
    );
}

#[test]
fn docs_name_every_card_of_the_table() {
    let docs =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/import.md"))
            .unwrap();
    let missing: Vec<&str> = flow_import::table::TABLE
        .iter()
        .map(|e| e.address)
        .filter(|a| !docs.contains(&format!("`{a}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/import.md does not name {missing:?}"
    );
}

/// A connector card's named outputs are fields of its action's output: found by name (the
/// group's words off the front) or named by the action (`okta_outputs`); one that no field is
/// is reported, not guessed. The flow runs (dry) with the actions' rehearsals.
#[test]
fn named_outputs_of_connector_cards_are_fields_of_the_action_output() {
    let (dir, out) = import("import-named-outputs", "named-outputs.flow", &["--partial"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("1 of 2 flows converted"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("reads the output `Incident/Priority Label` of `Create Incident`, whose place in the output of `servicenow.create_incident` is not known (no field of its output has that name; a connector action names it in `okta_outputs`)"),
        "{}",
        out.stdout
    );
    let project = dir.join("out");
    goldens(
        "named-outputs",
        &project,
        &["flowctl.yaml", "flows/open-ticket.yaml"],
    );
    validates(&project);
    let body = dir.join("body.json");
    std::fs::write(
        &body,
        r#"{"summary":"Disk full","user":"alice@contoso.com"}"#,
    )
    .unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "open-ticket",
            "--input",
            body.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    )
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    assert_eq!(
        record["output"],
        serde_json::json!({
            "incident": "INC0010001",
            "sys_id": "9d385017c611228701d22104cc95c371",
            "issue": "OPS-1",
            "issue_id": "10000",
            "name": "Alice Example"
        }),
        "{}",
        run.stdout
    );
}

/// Function cards read in the public templates, by their real keys (Text to Date's `start`,
/// Convert, Replace's `src`/`dest`/`global`/`sensitive`, Find Pattern, Find Last, Difference),
/// convert and run to Okta's answers.
#[test]
fn template_function_cards_convert_and_run() {
    let (dir, project) = imported(
        "date-forms",
        "date-forms.flow",
        "1 of 1 flows converted (8 of 8 cards)",
        &["flows/date-forms.yaml"],
    );
    let input = dir.join("input.json");
    std::fs::write(&input, r#"{"millis":"1700000000123"}"#).unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "date-forms",
            "--input",
            input.to_str().unwrap(),
            "--json",
        ],
    )
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    assert_eq!(
        record["output"],
        serde_json::json!({
            "iso": "2023-11-14T22:13:20+00:00",
            "epoch": 1700000000,
            "unix": 1700000000123_i64,
            "year": "2023",
            "date": "2023-11-14T22:13:20.123+00:00",
            "last_colon": 22,
            "time_at": 10,
            "days": 1.5,
            "hours": 36
        }),
        "{}",
        run.stdout
    );
}

/// Salesforce (`salesforce2_29`), Jamf Pro Classic API (`jamfproclassicapi_<32 hex>`) and
/// ServiceNow cards as the public templates have them import completely: the Record Type
/// option and a Fields group as one object (`salesforce.search_records`, `create_record`),
/// User/User ID (`deactivate_user`), Jamf's keys with random suffixes by their display names
/// (`id_VCMXSM` → `id`, `command_name_V53YGG` → `command_name`), Read By as `read_by`,
/// ServiceNow's Short description alone. The project validates and rehearses: the search's
/// value is a SOQL literal, the MDM commands are XML with the ids parsed as numbers.
#[test]
fn salesforce_jamf_classic_and_servicenow_template_cards_import_completely() {
    let (dir, project) = imported(
        "apps-salesforce-jamf",
        "apps-salesforce-jamf.flow",
        "5 of 5 flows converted (15 of 15 cards)",
        &[
            "flowctl.yaml",
            "flows/create-salesforce-contact.yaml",
            "flows/deactivate-salesforce-user.yaml",
            "flows/lock-apple-devices.yaml",
            "flows/check-computer.yaml",
            "flows/request-approval.yaml",
        ],
    );
    let record = dry_run(
        &dir,
        &project,
        "create-salesforce-contact",
        r#"{"email":"o'brien@acme.com","first":"Jane","last":"O'Brien","phone":"+1 415 555 0100"}"#,
    );
    let search = &record["steps"][0];
    assert_eq!(search["card"], "salesforce.search_records", "{record}");
    assert!(
        search["http"][0]["url"].as_str().unwrap().ends_with(
            "/query?q=SELECT%20Id%20FROM%20Contact%20WHERE%20Email%20%3D%20%27o%5C%27brien%40acme.com%27%20AND%20LastName%20%3D%20%27O%5C%27Brien%27"
        ),
        "{search}"
    );
    assert_eq!(record["output"]["existing"], 1, "{record}");
    let create = &record["steps"][2];
    assert_eq!(
        create["input"]["record_fields"],
        serde_json::json!({ "LastName": "O'Brien", "FirstName": "Jane", "Phone": "+1 415 555 0100", "Email": "o'brien@acme.com" }),
        "{create}"
    );
    let record = dry_run(
        &dir,
        &project,
        "lock-apple-devices",
        r#"{"computer_id":"7","device_id":"12"}"#,
    );
    let mac = &record["steps"][1];
    assert_eq!(mac["output"], 201, "{mac}");
    assert!(
        mac["http"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/JSSResource/computercommands/command/DeviceLock"),
        "{mac}"
    );
    assert_eq!(
        mac["http"][0]["body"],
        "<computer_command><general><command>DeviceLock</command><passcode>123456</passcode></general><computers><computer><id>7</id></computer></computers></computer_command>",
        "{mac}"
    );
    assert!(
        record["steps"][3]["http"][0]["body"]
            .as_str()
            .unwrap()
            .contains("<lock_message>This device has been locked by your administrator.</lock_message></general><mobile_devices><mobile_device><id>12</id>"),
        "{record}"
    );
}

/// Office 365 Mail's Send Email (To/CC/BCC lists in the `Fields` group, Message Type),
/// Office 365 Admin's Read User, Enable/Disable User Account, Get Licenses, Assign/Remove
/// License, Add User to Group and Create Guest User, and Google Workspace Admin's Read User,
/// Read User Licenses, Read All User ASPs / Access Tokens / Devices and Deactivate User, with the addresses and input keys
/// of the public templates, import completely into a project that validates and runs (dry).
/// Send Email sends as a mailbox, which the imported connection names (from the environment).
#[test]
fn microsoft_and_google_admin_cards_of_the_public_templates_import_and_run() {
    let (dir, project) = imported(
        "apps-microsoft-google",
        "apps-microsoft-google.flow",
        "5 of 5 flows converted (22 of 22 cards)",
        &[
            "flowctl.yaml",
            "flows/notify-by-office-365.yaml",
            "flows/o365-activation.yaml",
            "flows/o365-deactivation.yaml",
            "flows/create-o365-guest.yaml",
            "flows/google-offboarding.yaml",
        ],
    );
    let input = |name: &str, json: &str| {
        let path = dir.join(name);
        std::fs::write(&path, json).unwrap();
        path.display().to_string()
    };
    let dry = |flow: &str, input: &str| {
        let out = in_project(
            &project,
            &["run", flow, "--input", input, "--dry-run", "--json"],
        );
        serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap_or_else(|e| {
            panic!("{flow}: {e}\n{}\n{}", out.stdout, out.stderr);
        })
    };
    let user = input(
        "user.json",
        r#"{"user": "alice@contoso.com", "sku": "c7df2760-2c81-4ef7-b578-5b5392b571df", "group": "02bd9fd6-8f93-4758-87c3-1fb73740a315", "email": "liz@example.com", "name": "Liz"}"#,
    );
    let activation = dry("o365-activation", &user);
    assert_eq!(activation["status"], "succeeded", "{activation}");
    assert_eq!(
        activation["output"]["licenses"][0]["skuPartNumber"], "ENTERPRISEPREMIUM",
        "{activation}"
    );
    let offboarding = dry("google-offboarding", &user);
    assert_eq!(offboarding["status"], "succeeded", "{offboarding}");
    assert!(
        offboarding.to_string().contains("/asps"),
        "the rehearsed requests name the user's app passwords: {offboarding}"
    );
    assert_eq!(
        offboarding["output"]["licenses"][0]["userId"], "liz@example.com",
        "{offboarding}"
    );
    // Against the recorded fakes (`--fakes`): the License Manager's own host goes to the fake
    // too, and only Liz's assignment of the account's two pages is kept.
    let faked = in_project(
        &project,
        &[
            "run",
            "google-offboarding",
            "--input",
            &user,
            "--fakes",
            "--json",
        ],
    )
    .ok();
    let faked: serde_json::Value = serde_json::from_str(&faked.stdout).unwrap();
    assert_eq!(faked["status"], "succeeded", "{faked}");
    assert_eq!(
        faked["output"]["licenses"][0]["skuName"], "Google Workspace Enterprise Plus",
        "{faked}"
    );
    assert_eq!(
        faked["output"]["devices"][1]["model"], "iPhone 15",
        "{faked}"
    );
    for flow in ["o365-deactivation", "create-o365-guest"] {
        let record = dry(flow, &user);
        assert_eq!(record["status"], "succeeded", "{flow}: {record}");
    }
    // Okta sends as the connection's user; the imported connection names its `mailbox`, from
    // the environment like its credentials. Set, the mail goes out from it.
    let mail = input(
        "mail.json",
        r#"{"recipients": ["bob@contoso.com", "eve@contoso.com"], "subject": "Access changed"}"#,
    );
    let config = project.join("flowctl.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let with_mailbox = text.replace(
        "    mailbox: \"${env:OFFICE365MAIL_MAILBOX}\"",
        "    mailbox: ops@contoso.com",
    );
    assert_ne!(text, with_mailbox, "the mail connection names its mailbox");
    std::fs::write(&config, with_mailbox).unwrap();
    validates(&project);
    let sent = dry("notify-by-office-365", &mail);
    assert_eq!(sent["status"], "succeeded", "{sent}");
    let sent_text = sent.to_string();
    assert!(
        sent_text.contains("ops%40contoso.com/sendMail"),
        "{sent_text}"
    );
    assert!(sent_text.contains("eve@contoso.com"), "{sent_text}");
}

/// What the measurement on the public templates found, in flows of our own
/// (`templates-measured.folder`): Okta's table column types as exports write them (`dte`,
/// `dec`, `bln`); Search Rows with `<=`, a sort column, direction, and a Limit and Offset of 0
/// (none), its rows handed to For Each by column (`User ID`, `Row ID`); a helper reading its
/// Index (its caller passes `{{ index }}`); Assign If by `valueIfTrue`/`valueIfFalse`; Reset
/// Password's options; HMAC under the `hmac_key` connection; HTTP Get; Okta's search cards by
/// expression and attribute with their first record read by Okta's names; Slack's Read User by
/// Email (the lookup by email, its outputs by Okta's names); staged users streamed to a helper
/// that reads each record by Okta's names (`ID`, `Profile.email`, `Login`: the API's `id`,
/// `profile.email`, `profile.login`, with no step for the Object Get); an event batch
/// whose body reads the event's fields from its own card and stops with Continue If; a
/// delegated flow. Everything converts and validates; two flows run (dry).
#[test]
fn shapes_of_the_measured_public_templates_convert() {
    let (dir, project) = imported(
        "measured",
        "templates-measured.folder",
        "6 of 6 flows converted (32 of 32 cards)",
        &[
            "flowctl.yaml",
            "flows/scan-expiring.yaml",
            "flows/expire-one.yaml",
            "flows/verify-hook.yaml",
            "flows/on-group-add.yaml",
            "flows/remediate-app.yaml",
            "flows/note-staged.yaml",
        ],
    );
    let record = dry_run(
        &dir,
        &project,
        "expire-one",
        r#"{"index": 0, "user_id": "00u1", "row_id": "7"}"#,
    );
    assert_eq!(record["output"]["which"], "first", "{record}");
    assert_eq!(record["output"]["at"], 0, "{record}");
    let record = dry_run(
        &dir,
        &project,
        "expire-one",
        r#"{"index": 3, "user_id": "00u1", "row_id": "7"}"#,
    );
    assert_eq!(record["output"]["which"], "later", "{record}");
    let record = dry_run(
        &dir,
        &project,
        "remediate-app",
        r#"{"okta_user_id": "00uadmin", "entity_id": "0oa1"}"#,
    );
    assert_eq!(record["output"]["by"], "00uadmin", "{record}");
    let staged = dry_run(
        &dir,
        &project,
        "note-staged",
        r#"{"record": {"id": "00u1", "profile": {"email": "liz@example.com", "login": "liz"}}}"#,
    );
    assert_eq!(staged["output"]["login"], "liz", "{staged}");
    assert_eq!(staged["output"]["email"], "liz@example.com", "{staged}");
    let requests = record.to_string();
    assert!(requests.contains("/api/v1/apps/0oa1"), "{requests}");
}

/// Partner connectors as the public templates give them import completely: an app key with a
/// 32-hex suffix (`auth0_<hex>` → `auth0`), action keys with a random suffix
/// (`searchUsers_BAejT5bvR1Y` → Search Users), input and output keys with six random capitals
/// and digits (`id_2NFN8X` → `realm`, `relative_url_9KSKGU` → `path`, `status_code_WGJUCK` →
/// `status`), the Result Set choices `first_match` (the first record's fields) and
/// `stream_records` (with `Streaming/Record Limit` dropped), Auth0's Search By properties and
/// Link Account without Merge Metadata. The project validates and rehearses.
#[test]
fn partner_connector_cards_with_random_key_suffixes_import_completely() {
    let (dir, project) = imported(
        "apps-partner",
        "apps-partner.flow",
        "5 of 5 flows converted (18 of 18 cards)",
        &[
            "flowctl.yaml",
            "flows/link-accounts-by-email.yaml",
            "flows/report-realm-users.yaml",
            "flows/each-realm-user.yaml",
            "flows/create-on-call-team.yaml",
            "flows/read-secret-folders.yaml",
        ],
    );
    let record = dry_run(
        &dir,
        &project,
        "link-accounts-by-email",
        r#"{"email":"liz@example.com","user_id":"108091299999329986433","provider":"google-oauth2"}"#,
    );
    let search = &record["steps"][0];
    assert_eq!(search["card"], "auth0.search_users", "{record}");
    assert!(
        search["http"][0]["url"]
            .as_str()
            .unwrap()
            .contains("/api/v2/users?q=email%3A%22liz%40example.com%22%20AND%20-blocked%3Atrue&"),
        "{search}"
    );
    assert_eq!(record["output"]["name"], "Rehearsal User", "{record}");
    assert_eq!(
        record["output"]["profiles"],
        serde_json::json!([{ "provider": "google-oauth2", "user_id": "108091299999329986433" }]),
        "{record}"
    );
    // Each streamed realm user, read by Okta's names: `Login` (the action's okta_outputs),
    // `Activated` (its own field, by the same words) and a field under `Raw Output`.
    let each = dry_run(
        &dir,
        &project,
        "each-realm-user",
        r#"{"record":{"id":"00u1","activated":"2026-01-02T00:00:00Z","realmId":"guo1","profile":{"login":"liz@example.com"}}}"#,
    );
    assert_eq!(each["output"]["login"], "liz@example.com", "{each}");
    assert_eq!(
        each["output"]["activated"], "2026-01-02T00:00:00Z",
        "{each}"
    );
    assert_eq!(each["output"]["realm"], "guo1", "{each}");
    let record = dry_run(
        &dir,
        &project,
        "report-realm-users",
        r#"{"realm_id":"guo1afiNtSnZYILxO0g4","realm_name":"Partners"}"#,
    );
    let users = &record["steps"][0];
    assert!(
        users["http"][0]["url"]
            .as_str()
            .unwrap()
            .contains("/api/v1/users?search=realmId%20eq%20%22guo1afiNtSnZYILxO0g4%22"),
        "{users}"
    );
    assert_eq!(record["output"]["streamed"], 1, "{record}");
    let record = dry_run(
        &dir,
        &project,
        "create-on-call-team",
        r#"{"name":"Platform"}"#,
    );
    assert_eq!(
        record["steps"][0]["http"][0]["body"], r#"{"name":"Platform","description":"On call"}"#,
        "{record}"
    );
    assert_eq!(record["output"]["team"], "rehearsal", "{record}");
    let record = dry_run(&dir, &project, "read-secret-folders", "{}");
    let api = &record["steps"][0];
    assert_eq!(
        api["card"], "okta_privileged_access.api_request",
        "{record}"
    );
    assert!(
        api["http"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/secret_folders"),
        "{api}"
    );
}

/// Microsoft Teams (`microsoftteams`), GitHub, Google Sheets (`googlesheets2_29`) and Google
/// Drive cards as the public templates have them import completely: "First Matching Record"
/// searches whose `Result/…` outputs are fields of the one record (`search_teams.id`,
/// `search_branches.commit_sha`), GitHub's Repository choice as `repo: owner/name` with its
/// Organization, Branch, Link to an Issue? and From a Fork? choices kept, Google Sheets'
/// Columns group as one `columns` object, and the Rust cards' named outputs (Update File
/// Content's Content SHA, Create Transfer Request's Transfer ID) placed by name. The project
/// validates and rehearses.
#[test]
fn teams_github_sheets_and_drive_template_cards_import_completely() {
    let (dir, project) = imported(
        "apps-github-google-teams",
        "apps-github-google-teams.flow",
        "4 of 4 flows converted (19 of 19 cards)",
        &[
            "flowctl.yaml",
            "flows/list-team-channels.yaml",
            "flows/open-flow-pull-request.yaml",
            "flows/report-leaver.yaml",
            "flows/transfer-drive-files.yaml",
        ],
    );
    let record = dry_run(
        &dir,
        &project,
        "open-flow-pull-request",
        r#"{"branch":"flows/2026-01-05","text":"flow: offboarding\n"}"#,
    );
    let cards: Vec<&str> = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["card"].as_str().unwrap())
        .collect();
    assert_eq!(
        cards,
        [
            "github.search_branches",
            "github.create_branch",
            "github.update_file_content",
            "github.create_pull_request",
            "flow.return"
        ],
        "{record}"
    );
    assert_eq!(record["output"]["sha"], "rehearsal", "{record}");
    let record = dry_run(
        &dir,
        &project,
        "transfer-drive-files",
        r#"{"from":"104358823374452910283","to":"117264380114830095743"}"#,
    );
    assert_eq!(record["output"]["status"], "completed", "{record}");
    let record = dry_run(
        &dir,
        &project,
        "report-leaver",
        r#"{"email":"liz@example.com","name":"Liz"}"#,
    );
    assert_eq!(
        record["steps"][0]["input"]["columns"],
        serde_json::json!({ "0-Email": "liz@example.com", "1-Name": "Liz" }),
        "{record}"
    );
}

/// Function cards by the keys the public templates use (Add to End, Flatten's `lists`, Find
/// and Find Last's `substr`, Date to Text's `start`, Base64, Find Email, Random, Divide's
/// `decimals`, EPOCH, Set on an empty object, Wait Until, Lookup's `options`, a Reduce input
/// its helper does not declare, Get First Item's rest, a Reduce that proxies no memo input,
/// a list left empty) convert and run to Okta's answers.
#[test]
fn template_function_keys_convert_and_run() {
    let (dir, project) = imported(
        "function-keys",
        "function-keys.flow",
        "3 of 3 flows converted (28 of 28 cards)",
        &["flows/function-keys.yaml"],
    );
    let yaml = std::fs::read_to_string(project.join("flows/function-keys.yaml")).unwrap();
    assert!(
        yaml.contains("passed `currency`, which `sum-prices` does not declare"),
        "{yaml}"
    );
    let input = dir.join("in.json");
    std::fs::write(
        &input,
        r#"{"text":"write to ada.l@example.com today","tags":["a"],"nested":[[1,[2]],[3]],
            "items":[{"price":2,"currency":"EUR"},{"price":5}],"code":"A1",
            "full_name":"Mary Ann Smith"}"#,
    )
    .unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "function-keys",
            "--input",
            input.to_str().unwrap(),
            "--json",
        ],
    )
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    assert_eq!(
        record["output"],
        serde_json::json!({
            "pushed": ["a", "write to ada.l@example.com today"],
            "flat": [1, 2, 3],
            "at": 14,
            "last_dot": 22,
            "day": "9/7/2016",
            "base64": "QTE=",
            "email": "ada.l@example.com",
            "random_length": 6,
            "third": 0.6667,
            "epoch": 1700000000,
            "object": {"code": "A1"},
            "looked_up": "first",
            "total": 7,
            "collected": ["a"],
            "alone": ["only"],
            "first_name": "Mary",
            "last_name": "Ann Smith"
        }),
        "{}",
        run.stdout
    );
}

/// Update Row's "Update Empty Inputs" (No: an empty value leaves its column; Yes: a blank
/// input empties it), Create Row's `Output/Row ID`, and Search Rows joining its conditions
/// with OR, sorted by a column named as before a rename (`Row Number` → `RowNumber`), and
/// Pluck over its rows by the Okta column name.
#[test]
fn table_update_options_or_joins_and_renamed_columns() {
    let (dir, project) = imported(
        "table-options",
        "table-options.flow",
        "1 of 1 flows converted (8 of 8 cards)",
        &["flows/table-options.yaml"],
    );
    let input = dir.join("in.json");
    std::fs::write(
        &input,
        r#"{"email":"ann@example.com","other":"bob@example.com","name":""}"#,
    )
    .unwrap();
    let store = format!("sqlite://{}", dir.join("state.db").display());
    let run = Run::new(&[
        "run",
        "table-options",
        "--input",
        input.to_str().unwrap(),
        "--json",
    ])
    .config(&project.join("flowctl.yaml"))
    .env("FLOWCTL_STORE", &store)
    .run()
    .ok();
    let mut record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    for row in record["output"]["rows"].as_array_mut().unwrap() {
        let row = row.as_object_mut().unwrap();
        assert!(row.remove("_created").unwrap().is_string(), "{row:?}");
        assert!(row.remove("_updated").unwrap().is_string(), "{row:?}");
    }
    // Ann's note stays (her update's value was empty), Bob's is emptied; both match, the
    // highest row number first.
    assert_eq!(
        record["output"],
        serde_json::json!({"rows": [
            {"id": 2, "_version": 2, "email": "bob@example.com", "note": null, "row_number": 2},
            {"id": 1, "_version": 2, "email": "ann@example.com", "note": "keep", "row_number": 1}
        ], "emails": ["bob@example.com", "ann@example.com"]}),
        "{}",
        run.stdout
    );
}

/// Cards that leave only their branch or block: an If/Else inside another's branch, Close and
/// Return Raw ending the branches of an If/Else (one `http.close` after it), Continue If in the
/// middle of a branch and of an If Error block (the rest is guarded), Continue If and Return at
/// the end of a branch (nothing to do); an If Error block's value named `error`.
#[test]
fn cards_that_leave_only_their_branch_become_guards_and_one_answer() {
    let (dir, project) = imported(
        "leave-branch",
        "leave-branch.flow",
        "2 of 2 flows converted (29 of 29 cards)",
        &["flows/triage.yaml", "flows/suspend-checked.yaml"],
    );
    // The inner If/Else's Join is read in the outer branch; each branch of Reply? answers.
    for (input, status, body) in [
        (
            r#"{"level":"high"}"#,
            202,
            serde_json::json!({"answer": {"route": {"channel": "#incidents"}, "known": true}}),
        ),
        (
            r#"{"level":"low"}"#,
            202,
            serde_json::json!({"answer": {"route": {"channel": "#log"}, "known": true}}),
        ),
        (r#"{}"#, 400, serde_json::json!("no level")),
    ] {
        let record = dry_run(&dir, &project, "triage", input);
        assert_eq!(record["response"]["status"], status, "{record}");
        assert_eq!(record["response"]["body"], body, "{record}");
    }
    // The dry run's Okta user is ACTIVE: the guard after the first Continue If holds and the
    // user is suspended; the guard in the If Error block (SUSPENDED) does not, so the
    // unsuspension is skipped, and the run goes on after each.
    let record = dry_run(
        &dir,
        &project,
        "suspend-checked",
        r#"{"login":"maria@example.com","notify":false}"#,
    );
    let status = |id: &str| {
        record["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["id"] == id))
            .map(|s| s["status"].clone())
    };
    assert_eq!(status("suspend_user"), Some("succeeded".into()), "{record}");
    assert_eq!(status("unsuspend_user"), Some("skipped".into()), "{record}");
    assert_eq!(status("if_error"), Some("succeeded".into()), "{record}");
    // The If Error block's value named `error` is the try block's `error_value`: nothing
    // failed, so it is null.
    assert_eq!(
        record["output"],
        serde_json::json!({"problem": null}),
        "{record}"
    );
}

/// "Run another flow" error handling: the card's step in a `try:` block whose `catch:` calls the
/// helper and fails the flow with the card's error; the card's outputs are read through the
/// block.
#[test]
fn run_another_flow_error_handling_calls_the_helper_and_fails() {
    let (dir, project) = imported(
        "error-flow",
        "error-flow.flow",
        "2 of 2 flows converted (6 of 6 cards)",
        &["flows/checked-read.yaml", "flows/report-failure.yaml"],
    );
    // The dry run's Okta user is ACTIVE: Return Error If fails, the helper runs, the flow fails
    // with the card's message.
    let input = dir.join("login.json");
    std::fs::write(&input, r#"{"login":"maria@example.com"}"#).unwrap();
    let run = in_project(
        &project,
        &[
            "run",
            "checked-read",
            "--input",
            input.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "failed", "{}", run.stdout);
    assert_eq!(record["error"]["message"], "The user is still active");
    let status = |id: &str| {
        record["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["id"] == id))
            .map(|s| s["status"].clone())
    };
    assert_eq!(status("read_user"), Some("succeeded".into()), "{record}");
    assert_eq!(status("read_user_error_flow"), Some("skipped".into()));
    assert_eq!(
        status("return_error_if_error_flow"),
        Some("succeeded".into())
    );
    assert_eq!(status("return"), Some("skipped".into()));
}

/// The body a dry run's step would have sent, parsed (its first request).
fn sent_body(record: &serde_json::Value, step: &str) -> serde_json::Value {
    let body = record["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == step))
        .and_then(|s| s["http"][0]["body"].as_str())
        .unwrap_or_else(|| panic!("no request of `{step}`: {record}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{step}: {e}: {body}"))
}

/// Opsgenie's Build Participant Object and Build Time Restriction Object make no request:
/// their objects are built where they are read (the rotation's participants, the restrictions
/// of the rotation cards), wired values as templates, and reading a field of one is that
/// field.
#[test]
fn opsgenie_objects_are_built_in_place_and_sent_by_the_rotation_cards() {
    let (dir, project) = imported(
        "opsgenie-objects",
        "opsgenie-objects.flow",
        "1 of 1 flows converted (12 of 12 cards)",
        &["flowctl.yaml", "flows/weekday-rotation.yaml"],
    );
    let text = std::fs::read_to_string(project.join("flows/weekday-rotation.yaml")).unwrap();
    assert!(
        !text.contains("build_participant_object") && !text.contains("build_time_restriction"),
        "the built objects have no step: {text}"
    );
    let record = dry_run(
        &dir,
        &project,
        "weekday-rotation",
        r#"{"schedule": "Platform on call", "username": "liz@example.com", "start_hour": 9}"#,
    );
    assert_eq!(
        sent_body(&record, "create_schedule_rotation")["participants"],
        serde_json::json!([
            {"type": "user", "username": "liz@example.com"},
            {"type": "team", "name": "Platform"}
        ]),
        "{record}"
    );
    assert_eq!(
        sent_body(&record, "update_schedule_rotation")["timeRestriction"],
        serde_json::json!({
            "type": "weekday-and-time-of-day",
            "restrictions": [{"startDay": "monday", "startHour": 9, "startMin": 0,
                              "endDay": "monday", "endHour": 17, "endMin": 30}]
        }),
        "{record}"
    );
    assert_eq!(
        sent_body(&record, "update_schedule_rotation_2")["timeRestriction"],
        serde_json::json!({
            "type": "time-of-day",
            "restriction": {"startHour": 8, "startMin": 0, "endHour": 16, "endMin": 0}
        }),
        "{record}"
    );
    assert_eq!(
        record["output"],
        serde_json::json!({
            "on_call": "liz@example.com",
            "team": {"type": "team", "name": "Platform"},
            "result": "Updated"
        }),
        "{record}"
    );
}

/// The URL of a dry run's step's first request.
fn sent_url(record: &serde_json::Value, step: &str) -> String {
    record["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == step))
        .and_then(|s| s["http"][0]["url"].as_str())
        .unwrap_or_else(|| panic!("no request of `{step}`: {record}"))
        .to_string()
}

/// Google Workspace Admin's Activate User, Get All Licenses (Google's table of SKUs, by Okta's
/// names), Assign and Unassign License (a list of one license: its product and SKU), Delete
/// User Device and Create Group, and Google Calendar's Create Transfer Request, as the public
/// templates use them; a card's one Status Code is the action's status.
#[test]
fn google_workspace_admin_and_calendar_template_cards_import_and_run() {
    let (dir, project) = imported(
        "google-admin",
        "google-admin.flow",
        "3 of 3 flows converted (16 of 16 cards)",
        &[
            "flowctl.yaml",
            "flows/license-by-name.yaml",
            "flows/release-leaver.yaml",
            "flows/new-team-group.yaml",
        ],
    );
    // The SKU found by its name among all licenses is the one assigned.
    let record = dry_run(
        &dir,
        &project,
        "license-by-name",
        r#"{"email": "liz@example.com", "sku_name": "Google Workspace Business Plus"}"#,
    );
    assert_eq!(
        record["output"],
        serde_json::json!({"status": 200, "sku": "1010020025"}),
        "{record}"
    );
    assert_eq!(
        sent_body(&record, "activate_user"),
        serde_json::json!({"suspended": false})
    );
    assert!(
        sent_url(&record, "assign_license_to_user")
            .ends_with("/apps/licensing/v1/product/Google-Apps/sku/1010020025/user"),
        "{record}"
    );
    assert_eq!(
        sent_body(&record, "assign_license_to_user"),
        serde_json::json!({"userId": "liz@example.com"})
    );
    // The license built by an Object Construct is removed; the calendar goes to the manager,
    // releasing its resources.
    let record = dry_run(
        &dir,
        &project,
        "release-leaver",
        r#"{"email": "liz@example.com", "manager": "117264380114830095743", "sku": "1010020026", "device": "AFiQxQ8Qd0"}"#,
    );
    assert!(
        sent_url(&record, "unassign_license_from_user")
            .ends_with("/product/Google-Apps/sku/1010020026/user/liz%40example.com"),
        "{record}"
    );
    assert!(
        sent_url(&record, "delete_user_device")
            .ends_with("/admin/directory/v1/customer/my_customer/devices/mobile/AFiQxQ8Qd0"),
        "{record}"
    );
    let transfer = "create_transfer_request_to_hand_the_calendar_to_the_manager";
    let steps = record["steps"].as_array().unwrap();
    let sent = steps
        .iter()
        .find(|s| s["id"] == transfer)
        .and_then(|s| s["http"].as_array())
        .and_then(|h| h.iter().find(|r| r["method"] == "POST"))
        .and_then(|r| r["body"].as_str())
        .map(|b| serde_json::from_str::<serde_json::Value>(b).unwrap())
        .unwrap_or_else(|| panic!("no transfer was asked for: {record}"));
    assert_eq!(
        sent["applicationDataTransfers"],
        serde_json::json!([{"applicationId": "435070579839", "applicationTransferParams": [{"key": "RELEASE_RESOURCES", "value": ["TRUE"]}]}]),
        "{record}"
    );
    assert_eq!(sent["newOwnerUserId"], "117264380114830095743");
    assert_eq!(record["output"]["device_status"], 204, "{record}");
    assert_eq!(record["output"]["transfer_status"], "new", "{record}");
    let record = dry_run(&dir, &project, "new-team-group", r#"{"team": "Platform"}"#);
    assert_eq!(
        sent_body(&record, "create_group"),
        serde_json::json!({"email": "team@example.com", "name": "Platform", "description": "Created by a flow"})
    );
    assert_eq!(record["output"]["admin_created"], true, "{record}");
}

/// Tables' Export to CSV becomes `table.export_csv` (its Where Expression as `where:`, its
/// File Content the CSV text, which Google Drive's Upload File takes as its content), and Read
/// Table's Column Schema the table's declared columns, a constant; a delimiter, a limit and
/// chosen columns, which flowctl's CSV has no counterpart for, are reported by name.
#[test]
fn export_to_csv_and_read_table_convert_and_run() {
    let (dir, project) = imported(
        "table-export",
        "table-export.flow",
        "1 of 1 flows converted (6 of 6 cards)",
        &["flowctl.yaml", "flows/export-review.yaml"],
    );
    let store = format!("sqlite://{}", dir.join("state.db").display());
    let rows = dir.join("rows.csv");
    std::fs::write(
        &rows,
        "login,review_status,strikes,active\nann@example.com,open,1,true\nbob@example.com,closed,0,false\ncy@example.com,open,2,\n",
    )
    .unwrap();
    Run::new(&["table", "import", "access_review", rows.to_str().unwrap()])
        .config(&project.join("flowctl.yaml"))
        .env("FLOWCTL_STORE", &store)
        .run()
        .ok();
    let input = dir.join("in.json");
    std::fs::write(&input, r#"{"status":"open"}"#).unwrap();
    // A dry run reads the real table and rehearses the upload.
    let run = Run::new(&[
        "run",
        "export-review",
        "--input",
        input.to_str().unwrap(),
        "--dry-run",
        "--json",
    ])
    .config(&project.join("flowctl.yaml"))
    .env("FLOWCTL_STORE", &store)
    .run()
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    let csv = "id,login,review_status,strikes,active\r\n1,ann@example.com,open,1,true\r\n3,cy@example.com,open,2,\r\n";
    assert_eq!(
        record["output"],
        serde_json::json!({"csv": csv, "columns": ["Login", "Review Status", "Strikes", "Active"]}),
        "{record}"
    );
    let upload = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["card"] == "google_drive.upload_file")
        .unwrap();
    assert_eq!(upload["input"]["file_content_id"], csv, "{record}");
    assert_eq!(upload["input"]["name"], "review.csv", "{record}");

    let (_, out) = import(
        "import-table-export-options",
        "table-export-options.flow",
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    for reason in [
        "its option Delimiter = `|` has no flowctl counterpart: `table.export_csv` writes comma-separated CSV",
        "its option Limit = `10` has no flowctl counterpart",
        "its option Columns = `Login` has no flowctl counterpart: `table.export_csv` writes every column of the table",
    ] {
        assert!(out.stdout.contains(reason), "{reason}\n{}", out.stdout);
    }
    assert!(
        out.stdout.contains("0 of 3 flows converted"),
        "{}",
        out.stdout
    );
}

/// A row's Created and Updated (Read Row's and Search Rows' `Row/Created`, `Row/Updated`) are
/// the store's `_created` and `_updated`: a Difference from Now reads the hours since the row
/// was last written, as the suspicious-events templates do.
#[test]
fn a_rows_created_and_updated_times_convert_and_run() {
    let (dir, project) = imported(
        "table-times",
        "table-times.flow",
        "1 of 1 flows converted (8 of 8 cards)",
        &["flows/row-age.yaml"],
    );
    let input = dir.join("in.json");
    std::fs::write(&input, r#"{"username":"ann"}"#).unwrap();
    let store = format!("sqlite://{}", dir.join("state.db").display());
    let run = Run::new(&[
        "run",
        "row-age",
        "--input",
        input.to_str().unwrap(),
        "--json",
    ])
    .config(&project.join("flowctl.yaml"))
    .env("FLOWCTL_STORE", &store)
    .run()
    .ok();
    let record: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["status"], "succeeded", "{}", run.stdout);
    let out = &record["output"];
    let (created, updated) = (
        out["created"].as_str().unwrap(),
        out["updated"].as_str().unwrap(),
    );
    // RFC 3339 in UTC with milliseconds; the update came after the creation.
    assert!(
        created.len() == 24 && created.ends_with('Z') && created.contains('T'),
        "{out}"
    );
    assert!(created <= updated, "{out}");
    assert_eq!(out["found_updated"], out["updated"], "{out}");
    let hours = out["hours"].as_f64().unwrap();
    assert!(hours.abs() < 0.01, "{out}");
}
