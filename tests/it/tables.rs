//! Tables from the command line: a flow remembers what it did across runs, dry runs write
//! nothing, `flowctl table` lists, shows, imports and exports, and mistakes are reported with
//! their place (compile time) or their column (run time).

use crate::common::{self, Run, project, temp_dir};
use std::path::Path;

fn with_store<'a>(args: &'a [&'a str], store: &Path) -> Run {
    Run::new(args).env("FLOWCTL_STORE", &format!("sqlite://{}", store.display()))
}

#[test]
fn suspend_once_remembers_across_runs_and_a_dry_run_writes_nothing() {
    let store = temp_dir("tables-suspend-once").join("state.db");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "suspend-once", "--input", "-"];
        args.extend_from_slice(extra);
        with_store(&args, &store)
    };
    let first = run(&["--fakes"])
        .stdin(r#"{"email": "maria.gomez@example.com"}"#)
        .run()
        .ok();
    assert!(first.stdout.contains("✓ succeeded"), "{}", first.stdout);
    assert!(
        first.stdout.contains("lifecycle/suspend"),
        "{}",
        first.stdout
    );
    // The second run finds the row and stops before touching Okta.
    let second = run(&["--fakes"])
        .stdin(r#"{"email": "maria.gomez@example.com"}"#)
        .run()
        .ok();
    assert!(second.stdout.contains("stopped"), "{}", second.stdout);
    assert!(
        second.stdout.contains("received 0 requests"),
        "{}",
        second.stdout
    );
    // A dry run for someone else rehearses the write.
    let dry = run(&["--dry-run"])
        .stdin(r#"{"email": "li.wei@example.com"}"#)
        .run()
        .ok();
    assert!(dry.stdout.contains("table.upsert_row"), "{}", dry.stdout);
    let shown = with_store(&["table", "show", "suspended_users", "--json"], &store)
        .run()
        .ok();
    let rows: Vec<serde_json::Value> = shown
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{}", shown.stdout);
    assert_eq!(rows[0]["email"], "maria.gomez@example.com");
    assert_eq!(rows[0]["_version"], 1);
}

const CONFIG: &str = "store: sqlite://state.db\ntables:\n  people:\n    columns:\n      email: text\n      age: number\n      admin: boolean\n    key: email\n";

#[test]
fn table_cli_imports_shows_and_exports_csv() {
    let dir = project("tables-cli", CONFIG, &[]);
    let cli = |args: &[&str]| Run::new(args).env_remove("FLOWCTL_STORE").dir(&dir).run();
    std::fs::write(dir.join("bad.csv"), "email,age\nann@x,30\nbob@x,old\n").unwrap();
    let bad = cli(&["table", "import", "people", "bad.csv"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr
            .contains("CSV line 3: column `age`: `old` is not a number"),
        "{}",
        bad.stderr
    );
    std::fs::write(
        dir.join("in.csv"),
        "email,age,admin\nann@x,30,true\n\"bob, jr@x\",41,false\ncy@x,,false\n",
    )
    .unwrap();
    let ok = cli(&["table", "import", "people", "in.csv"]).ok();
    assert_eq!(ok.stdout.trim(), "imported 3 rows into `people`");
    let list = cli(&["table", "list"]).ok();
    assert!(
        list.stdout
            .contains("people  3 rows  email text (key), age number, admin boolean"),
        "{}",
        list.stdout
    );
    let show = cli(&["table", "show", "people", "--where", "age>35"]).ok();
    assert!(
        show.stdout.contains("bob, jr@x") && !show.stdout.contains("ann@x"),
        "{}",
        show.stdout
    );
    let empty = cli(&["table", "show", "people", "--where", "age="]).ok();
    assert!(
        empty.stdout.contains("cy@x") && !empty.stdout.contains("bob"),
        "{}",
        empty.stdout
    );
    let unknown = cli(&["table", "show", "people", "--where", "agee>3"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no column `agee`"),
        "{}",
        unknown.stderr
    );
    let export = cli(&["table", "export", "people"]).ok();
    assert_eq!(
        export.stdout,
        "id,email,age,admin\r\n1,ann@x,30,true\r\n2,\"bob, jr@x\",41,false\r\n3,cy@x,,false\r\n"
    );
}

#[test]
fn unknown_tables_and_columns_are_load_errors_with_their_place() {
    let flow = b"flow: bad\ntrigger:\n  helper:\n    inputs:\n      email: text\nsteps:\n  - id: a\n    card: table.create_row\n    with: { table: nope, values: { email: x } }\n  - id: b\n    card: table.search_rows\n    with:\n      table: people\n      where: [ { column: emial, equals: x } ]\n  - id: c\n    card: table.create_row\n    with: { table: people, values: { age: \"{{ inputs.email }}\" } }\n";
    let dir = project("tables-bad", CONFIG, &[("flows/bad.yaml", flow)]);
    let out = Run::new(&["validate"]).dir(&dir).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown table `nope`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("flows/bad.yaml:9:20"), "{}", out.stderr);
    assert!(
        out.stderr.contains("table `people` has no column `emial`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `email`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("flows/bad.yaml:14:26"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("column `age` of table `people` holds number values, but this is text"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_wrong_value_at_run_time_names_the_column_and_a_type_change_is_refused() {
    let flow = b"flow: put\ntrigger:\n  helper:\n    inputs:\n      person: object\nsteps:\n  - id: add\n    card: table.create_row\n    with: { table: people, values: { email: \"{{ person.email }}\", age: \"{{ inputs.person.age }}\" } }\n";
    let flow =
        String::from_utf8_lossy(flow).replace("{{ person.email }}", "{{ inputs.person.email }}");
    let dir = project(
        "tables-runtime",
        CONFIG,
        &[("flows/put.yaml", flow.as_bytes())],
    );
    let run = |input: &str| {
        Run::new(&["run", "put", "--input", "-"])
            .env_remove("FLOWCTL_STORE")
            .dir(&dir)
            .stdin(input)
            .run()
    };
    run(r#"{"person": {"email": "ann@x", "age": 30}}"#).ok();
    let bad = run(r#"{"person": {"email": "bob@x", "age": "thirty"}}"#);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    assert!(
        bad.stdout
            .contains("column `age` of table `people` holds number values, not text"),
        "{}",
        bad.stdout
    );
    // Declaring `age` as text now would change a stored column: refused, rows kept.
    std::fs::write(
        dir.join("flowctl.yaml"),
        CONFIG.replace("age: number", "age: text"),
    )
    .unwrap();
    let refused = Run::new(&["table", "list"])
        .env_remove("FLOWCTL_STORE")
        .dir(&dir)
        .run();
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("column `age` of table `people` is number in the store but declared text"),
        "{}",
        refused.stderr
    );
    // Adding a column works.
    std::fs::write(
        dir.join("flowctl.yaml"),
        CONFIG.replace("admin: boolean", "admin: boolean\n      note: text"),
    )
    .unwrap();
    let list = Run::new(&["table", "list"])
        .env_remove("FLOWCTL_STORE")
        .dir(&dir)
        .run()
        .ok();
    assert!(
        list.stdout.contains("people  1 rows") && list.stdout.contains("note text"),
        "{}",
        list.stdout
    );
}

#[test]
fn for_each_streams_rows_to_a_helper_that_updates_them_at_their_version() {
    let walk = b"flow: walk\ntrigger:\n  helper:\n    inputs: {}\nsteps:\n  - id: each\n    card: table.for_each\n    with:\n      table: people\n      where: [ { column: admin, equals: false } ]\n      flow: promote\n      inputs: { id: \"{{ item.id }}\", version: \"{{ item._version }}\" }\n  - id: out\n    card: flow.return\n    with: { outputs: { done: \"{{ each.succeeded }}\" } }\n";
    let promote = b"flow: promote\ntrigger:\n  helper:\n    inputs: { id: number, version: number }\nsteps:\n  - id: up\n    card: table.update_row\n    with: { table: people, id: \"{{ inputs.id }}\", version: \"{{ inputs.version }}\", values: { admin: true } }\n";
    let dir = project(
        "tables-for-each",
        CONFIG,
        &[("flows/walk.yaml", walk), ("flows/promote.yaml", promote)],
    );
    let cli = |args: &[&str]| Run::new(args).env_remove("FLOWCTL_STORE").dir(&dir);
    let csv: String = std::iter::once("email,admin\n".to_string())
        .chain((0..1200).map(|i| format!("u{i}@x,{}\n", i % 4 == 0)))
        .collect();
    std::fs::write(dir.join("in.csv"), csv).unwrap();
    cli(&["table", "import", "people", "in.csv"]).run().ok();
    let out = cli(&["run", "walk", "--input", "-", "--json"])
        .stdin("{}")
        .run()
        .ok();
    let record: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(record["output"]["done"], 900, "{}", out.stdout);
    let left = cli(&["table", "show", "people", "--where", "admin=false"])
        .run()
        .ok();
    assert!(left.stdout.contains("(no rows)"), "{}", left.stdout);
    // Every promoted row was updated once, from version 1.
    let shown = cli(&["table", "show", "people", "--where", "email=u1@x", "--json"])
        .run()
        .ok();
    assert!(shown.stdout.contains("\"_version\":2"), "{}", shown.stdout);
}

#[test]
fn csv_cards_import_all_or_nothing_and_export_a_selection() {
    let flow = b"flow: csv\ntrigger:\n  helper:\n    inputs: { text: text }\nsteps:\n  - id: load\n    card: table.import_csv\n    with: { table: people, csv: \"{{ inputs.text }}\" }\n  - id: out\n    card: table.export_csv\n    with: { table: people, where: [ { column: age, greater_than: 18 } ] }\n  - id: done\n    card: flow.return\n    with: { outputs: { imported: \"{{ load.imported }}\", csv: \"{{ out.csv }}\", count: \"{{ out.count }}\" } }\n";
    let dir = project("tables-csv-cards", CONFIG, &[("flows/csv.yaml", flow)]);
    let run = |text: &str| {
        let input = serde_json::json!({ "text": text }).to_string();
        Run::new(&["run", "csv", "--input", "-", "--json"])
            .env_remove("FLOWCTL_STORE")
            .dir(&dir)
            .stdin(&input)
            .run()
    };
    let bad = run("email,age\nann@x,30\nbob@x,x\n");
    assert_eq!(bad.code, 1);
    assert!(
        bad.stdout.contains("CSV line 3: column `age`"),
        "{}",
        bad.stdout
    );
    let ok = run("email,age\nann@x,30\nbob@x,12\n").ok();
    let record: serde_json::Value = serde_json::from_str(&ok.stdout).unwrap();
    assert_eq!(record["output"]["imported"], 2, "{}", ok.stdout);
    assert_eq!(record["output"]["count"], 1);
    // The failed import left nothing behind: ann is row 1.
    assert_eq!(
        record["output"]["csv"],
        "id,email,age,admin\r\n1,ann@x,30,\r\n"
    );
}

/// `flowctl serve` gives its runs the project's tables, in the store it keeps runs in: a row
/// an endpoint flow writes is there for `flowctl table show`. (Before, the served runs had no
/// tables and the step failed with "tables need a store".)
#[test]
fn a_served_flow_writes_rows_flowctl_table_shows() {
    let config = format!("{CONFIG}server: {{ listen: \"127.0.0.1:0\" }}\n");
    let flow = b"flow: signup\ntrigger:\n  api_endpoint:\n    security: { public: true }\nsteps:\n  - id: add\n    card: table.create_row\n    with: { table: people, values: { email: ann@x, age: 30 } }\n  - id: out\n    card: flow.return\n    with: { outputs: { id: \"{{ add.id }}\" } }\n";
    let dir = project("tables-serve", &config, &[("flows/signup.yaml", flow)]);
    let cmd = Run::new(&["serve", "--log-format", "json"])
        .env_remove("FLOWCTL_STORE")
        .dir(&dir)
        .command();
    let mut server = common::Server::spawn(cmd);
    let started = server.wait_for("serve.started").expect("serve starts");
    let addr = started["listen"]
        .as_str()
        .and_then(|l| l.strip_prefix("http://"))
        .unwrap()
        .to_string();
    let (status, body) = common::post(&addr, "/api/flo/signup/invoke");
    assert_eq!((status, body.as_str()), (200, "{\"id\":1}"));
    let shown = Run::new(&["table", "show", "people", "--json"])
        .env_remove("FLOWCTL_STORE")
        .dir(&dir)
        .run()
        .ok();
    drop(server);
    let rows: Vec<serde_json::Value> = shown
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{}", shown.stdout);
    assert_eq!(rows[0]["email"], "ann@x");
    assert_eq!(rows[0]["age"], 30);
}

/// A declaration the store refuses (a column's type changed) stops `flowctl serve` before it
/// listens, with exit 2 naming the column, as it stops `flowctl run`.
#[test]
fn serve_refuses_a_table_whose_column_type_changed() {
    let dir = project("tables-serve-changed", CONFIG, &[]);
    let cli = |args: &[&str]| Run::new(args).env_remove("FLOWCTL_STORE").dir(&dir);
    cli(&["table", "list"]).run().ok();
    let changed =
        CONFIG.replace("age: number", "age: text") + "server: { listen: \"127.0.0.1:0\" }\n";
    std::fs::write(dir.join("flowctl.yaml"), changed).unwrap();
    let serve = cli(&["serve", "--log-format", "json"]).command();
    match common::Server::spawn(serve).outcome() {
        common::Served::Exited(2, stderr) => {
            assert!(stderr.contains("cannot open the tables"), "{stderr}");
            assert!(stderr.contains("age"), "{stderr}");
        }
        other => panic!("serve with a changed column: {other:?}"),
    }
}
