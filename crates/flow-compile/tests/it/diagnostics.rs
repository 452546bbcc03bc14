//! One case per diagnostic code: flow text in, the WHOLE list of diagnostics out (code, file,
//! line, column, severity), like just's `analysis_error!`: an extra or cascading diagnostic
//! fails the case as surely as a missing one. The structured diagnostic is asserted (not its
//! rendering; `render.rs` and the CLI's golden files cover that).

use flow_compile::LoadOptions;
use flow_model::{Code, Diagnostic, Diagnostics, FlowDoc, ProjectConfig, Severity, Sources};

const CONFIG: &str = "connections:\n  okta: { kind: okta, org_url: \"https://x.okta.com\", token: t }\n  slack: { kind: slack, token: t }\n";

/// One diagnostic as compared: code, file, line, column, severity.
type Found = (Code, String, usize, usize, Severity);

/// Where each diagnostic points, in the order they were found.
fn located(diags: &[Diagnostic], sources: &Sources) -> Vec<Found> {
    diags
        .iter()
        .map(|d| {
            let (file, line, col) = match d.span.and_then(|s| sources.get(s.source).map(|f| (f, s)))
            {
                Some((f, s)) => {
                    let p = f.position(s.start as usize);
                    (f.path.clone(), p.line, p.col)
                }
                None => (String::new(), 0, 0),
            };
            (d.code, file, line, col, d.severity)
        })
        .collect()
}

/// Compiles the files (`flowctl.yaml` resolved with an empty environment) and returns every
/// diagnostic.
fn diagnose(config: &str, files: &[(&str, &str)]) -> Vec<Found> {
    let mut sources = Sources::new();
    let mut diags = Diagnostics::new();
    let cid = sources.add("flowctl.yaml", config);
    let cfg = ProjectConfig::parse_with_env(cid, config, &|_| None, &mut diags);
    let mut docs = Vec::new();
    for (name, text) in files {
        let id = sources.add(*name, *text);
        if let Some(d) = FlowDoc::parse(id, text, &mut diags) {
            docs.push(d);
        }
    }
    let (result, more) = flow_compile::compile(sources, cfg, docs, &flow_cards::registry());
    diags.extend(more);
    let sources = match result {
        Ok(p) => p.sources,
        Err(s) => s,
    };
    located(&diags.into_vec(), &sources)
}

/// An expected error.
fn err(code: Code, file: &str, line: usize, col: usize) -> Found {
    (code, file.to_string(), line, col, Severity::Error)
}

/// An expected warning.
fn warn(code: Code, file: &str, line: usize, col: usize) -> Found {
    (code, file.to_string(), line, col, Severity::Warning)
}

/// Asserts the whole list of diagnostics.
fn expect_all(want: &[Found], config: &str, files: &[(&str, &str)]) {
    let got = diagnose(config, files);
    assert_eq!(got, want, "files: {files:?}");
}

/// Asserts that the only diagnostic is `code` at `at`, with the severity the code has.
fn expect(code: Code, at: (&str, usize, usize), config: &str, files: &[(&str, &str)]) {
    let severity = if code.as_str().starts_with('W') {
        Severity::Warning
    } else {
        Severity::Error
    };
    expect_all(
        &[(code, at.0.to_string(), at.1, at.2, severity)],
        config,
        files,
    );
}

const HELPER: &str = "flow: helper\ntrigger:\n  helper:\n    inputs: { email: text }\nsteps:\n  - id: done\n    card: flow.return\n    with: { outputs: { email: \"{{ inputs.email }}\" } }\n";

fn endpoint(steps: &str) -> String {
    format!(
        "flow: main\ntrigger:\n  api_endpoint:\n    security: {{ public: true }}\nsteps:\n{steps}"
    )
}

#[test]
fn e0002_yaml_syntax() {
    expect(
        Code::YamlSyntax,
        ("a.yaml", 4, 4),
        CONFIG,
        &[("a.yaml", "flow: a\nsteps:\n  - id: x\n   card: y\n")],
    );
}

#[test]
fn e0003_unknown_key() {
    // The misspelt key is not taken for `steps`: that one is missing too.
    expect_all(
        &[
            err(Code::UnknownKey, "a.yaml", 3, 1),
            err(Code::MissingKey, "a.yaml", 1, 1),
        ],
        CONFIG,
        &[("a.yaml", "flow: a\ntrigger: { helper: {} }\nstepz: []\n")],
    );
    // Inside a card's `with:` too, with the position of the key.
    let f = endpoint("  - id: ack\n    card: http.close\n    with: { statsu: 200 }\n");
    expect(
        Code::UnknownKey,
        ("m.yaml", 8, 13),
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0004_wrong_type() {
    expect(
        Code::WrongType,
        ("a.yaml", 3, 8),
        CONFIG,
        &[("a.yaml", "flow: a\ntrigger: { helper: {} }\nsteps: {}\n")],
    );
    let f = endpoint(
        "  - id: each\n    card: list.for_each\n    with: { list: [], flow: helper, concurrency: lots }\n",
    );
    expect(
        Code::WrongType,
        ("m.yaml", 8, 50),
        CONFIG,
        &[("m.yaml", &f), ("h.yaml", HELPER)],
    );
}

#[test]
fn e0005_missing_key() {
    expect(
        Code::MissingKey,
        ("a.yaml", 4, 5),
        CONFIG,
        &[(
            "a.yaml",
            "flow: a\ntrigger: { helper: {} }\nsteps:\n  - id: x\n",
        )],
    );
}

#[test]
fn e0006_invalid_value() {
    expect(
        Code::InvalidValue,
        ("a.yaml", 1, 7),
        CONFIG,
        &[(
            "a.yaml",
            "flow: Bad_Name\ntrigger: { helper: {} }\nsteps: []\n",
        )],
    );
}

#[test]
fn e0007_duplicate_key() {
    expect(
        Code::DuplicateKey,
        ("a.yaml", 2, 1),
        CONFIG,
        &[("a.yaml", "flow: a\nflow: b\n")],
    );
}

#[test]
fn e0101_duplicate_flow() {
    let a = "flow: same\ntrigger: { helper: {} }\nsteps: []\n";
    expect(
        Code::DuplicateFlow,
        ("b.yaml", 1, 7),
        CONFIG,
        &[("a.yaml", a), ("b.yaml", a)],
    );
}

#[test]
fn e0102_unknown_flow() {
    let f =
        endpoint("  - id: each\n    card: list.for_each\n    with: { list: [], flow: helpr }\n");
    expect(
        Code::UnknownFlow,
        ("m.yaml", 8, 29),
        CONFIG,
        &[("m.yaml", &f), ("h.yaml", HELPER)],
    );
}

#[test]
fn e0103_recursive_call() {
    let a = "flow: a\ntrigger: { helper: {} }\nsteps:\n  - id: c\n    card: flow.call\n    with: { flow: b }\n";
    let b = "flow: b\ntrigger: { helper: {} }\nsteps:\n  - id: c\n    card: flow.call\n    with: { flow: a }\n";
    expect(
        Code::RecursiveCall,
        ("a.yaml", 6, 19),
        CONFIG,
        &[("a.yaml", a), ("b.yaml", b)],
    );
}

#[test]
fn e0104_unknown_helper_input() {
    let f = endpoint(
        "  - id: each\n    card: list.for_each\n    with: { list: [a], flow: helper, inputs: { emial: \"{{ item }}\" } }\n",
    );
    // A misspelt input is unknown, and the input it was meant to be is missing.
    expect_all(
        &[
            err(Code::MissingHelperInput, "m.yaml", 8, 46),
            err(Code::UnknownHelperInput, "m.yaml", 8, 48),
        ],
        CONFIG,
        &[("m.yaml", &f), ("h.yaml", HELPER)],
    );
}

#[test]
fn e0105_missing_helper_input() {
    let f = endpoint(
        "  - id: each\n    card: list.for_each\n    with: { list: [a], flow: helper, inputs: {} }\n",
    );
    expect(
        Code::MissingHelperInput,
        ("m.yaml", 8, 46),
        CONFIG,
        &[("m.yaml", &f), ("h.yaml", HELPER)],
    );
}

#[test]
fn e0106_not_a_helper() {
    let f = endpoint("  - id: call\n    card: flow.call\n    with: { flow: main }\n");
    expect(
        Code::NotAHelper,
        ("m.yaml", 8, 19),
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0201_unknown_card() {
    let f = endpoint("  - id: event\n    card: json.prase\n");
    expect(
        Code::UnknownCard,
        ("m.yaml", 7, 11),
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0202_duplicate_step() {
    let f = endpoint(
        "  - id: a\n    card: text.compose\n    with: { template: x }\n  - id: a\n    card: text.compose\n    with: { template: y }\n",
    );
    // Neither step's output is read (W0001 on each).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 6, 9),
            err(Code::DuplicateStep, "m.yaml", 9, 9),
            warn(Code::UnusedStep, "m.yaml", 9, 9),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0203_unknown_step() {
    let f = endpoint(
        "  - id: msg\n    card: text.compose\n    with: { template: \"Hi {{ evnt.title }}\" }\n",
    );
    // The step's output is not read (W0001).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 6, 9),
            err(Code::UnknownStep, "m.yaml", 8, 30),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0204_forward_reference() {
    let f = endpoint(
        "  - id: a\n    card: text.compose\n    with: { template: \"{{ b }}\" }\n  - id: b\n    card: text.compose\n    with: { template: x }\n",
    );
    // Neither step's output is read (W0001 on each).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 6, 9),
            err(Code::ForwardReference, "m.yaml", 8, 27),
            warn(Code::UnusedStep, "m.yaml", 9, 9),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0205_unknown_field() {
    let f = endpoint(
        "  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: $.t, type: text } }\n  - id: msg\n    card: text.compose\n    with: { template: \"{{ event.titel }}\" }\n",
    );
    // The last step's output is not read (W0001).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 11, 9),
            err(Code::UnknownField, "m.yaml", 13, 33),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0206_type_mismatch() {
    let f = endpoint(
        "  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: $.t, type: text } }\n  - id: joined\n    card: list.to_text\n    with: { list: \"{{ event.title }}\" }\n",
    );
    // The last step's output is not read (W0001).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 11, 9),
            err(Code::TypeMismatch, "m.yaml", 13, 19),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0206_a_non_list_literal_for_a_list_card_is_reported_once() {
    for literal in ["5", "abc", "{ a: 1 }", "true"] {
        let f = endpoint(&format!(
            "  - id: count\n    card: list.length\n    with: {{ list: {literal} }}\n"
        ));
        let got = diagnose(CONFIG, &[("m.yaml", &f)]);
        let mismatches: Vec<_> = got
            .iter()
            .filter(|(c, ..)| *c == Code::TypeMismatch)
            .collect();
        assert_eq!(mismatches.len(), 1, "`list: {literal}`: {got:?}");
        assert_eq!(
            (mismatches[0].2, mismatches[0].3),
            (8, 19),
            "`list: {literal}`"
        );
    }
}

#[test]
fn e0207_template_syntax() {
    let f = endpoint(
        "  - id: msg\n    card: text.compose\n    with: { template: \"{{#if x}}open\" }\n",
    );
    // The step's output is not read (W0001).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 6, 9),
            err(Code::TemplateSyntax, "m.yaml", 8, 24),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0208_jsonpath_syntax() {
    let f = endpoint(
        "  - id: event\n    card: json.parse\n    with:\n      text: \"{{ trigger.body }}\"\n      fields: { title: { path: \"$.[\", type: text } }\n",
    );
    // The step's output is not read (W0001).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 6, 9),
            err(Code::JsonPathSyntax, "m.yaml", 10, 32),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0209_unknown_helper() {
    let f = endpoint(
        "  - id: msg\n    card: text.compose\n    with: { template: \"{{ jion trigger.headers \\\", \\\" }}\" }\n",
    );
    // The step's output is not read (W0001).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 6, 9),
            err(Code::UnknownHelper, "m.yaml", 8, 27),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0210_cycle() {
    let f = endpoint(
        "  - id: a\n    card: text.compose\n    with: { template: x }\n    after: [c]\n  - id: b\n    card: text.compose\n    with: { template: \"{{ a }}\" }\n  - id: c\n    card: text.compose\n    with: { template: \"{{ b }}\" }\n",
    );
    expect(Code::Cycle, ("m.yaml", 9, 12), CONFIG, &[("m.yaml", &f)]);
}

#[test]
fn e0211_item_outside_list() {
    let f =
        endpoint("  - id: msg\n    card: text.compose\n    with: { template: \"{{ item }}\" }\n");
    // The step's output is not read (W0001).
    expect_all(
        &[
            warn(Code::UnusedStep, "m.yaml", 6, 9),
            err(Code::ItemOutsideList, "m.yaml", 8, 27),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0212_wrong_trigger() {
    let h = "flow: h\ntrigger: { helper: {} }\nsteps:\n  - id: ack\n    card: http.close\n";
    expect(
        Code::WrongTrigger,
        ("h.yaml", 5, 11),
        CONFIG,
        &[("h.yaml", h)],
    );
}

#[test]
fn e0213_too_many_responses() {
    let f = endpoint("  - id: a\n    card: http.close\n  - id: b\n    card: http.close\n");
    expect(
        Code::TooManyResponses,
        ("m.yaml", 9, 11),
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0214_unknown_connection() {
    let f = endpoint(
        "  - id: user\n    card: okta.read_user\n    with: { connection: otka, user: x }\n",
    );
    expect(
        Code::UnknownConnection,
        ("m.yaml", 8, 25),
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0215_wrong_connection_kind() {
    let f = endpoint(
        "  - id: user\n    card: okta.read_user\n    with: { connection: slack, user: x }\n",
    );
    expect(
        Code::WrongConnectionKind,
        ("m.yaml", 8, 25),
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0216_reserved_step_id() {
    // In an endpoint flow a step called `trigger` would be hidden by the request.
    let f = endpoint(
        "  - id: trigger\n    card: text.compose\n    with: { template: x }\n  - id: out\n    card: flow.return\n    with: { outputs: { t: \"{{ trigger }}\" } }\n",
    );
    expect(
        Code::ReservedStepId,
        ("m.yaml", 6, 9),
        CONFIG,
        &[("m.yaml", &f)],
    );
    // Every root name of the template language is refused, in helper flows too (quoted, so
    // YAML reads `true` and `null` as text).
    for id in [
        "trigger",
        "inputs",
        "execution",
        "item",
        "index",
        "this",
        "true",
        "false",
        "null",
        "undefined",
        "else",
    ] {
        let h = format!(
            "flow: h\ntrigger: {{ helper: {{}} }}\nsteps:\n  - id: \"{id}\"\n    card: text.compose\n    with: {{ template: x }}\n"
        );
        // The error says why nothing reads it; no "never read" warning on top.
        expect_all(
            &[err(Code::ReservedStepId, "h.yaml", 4, 9)],
            CONFIG,
            &[("h.yaml", &h)],
        );
    }
    // Ids that merely contain a reserved name are fine.
    let h = "flow: h\ntrigger: { helper: {} }\nsteps:\n  - id: trigger_event\n    card: text.compose\n    with: { template: x }\n";
    expect_all(
        &[(Code::UnusedStep, "h.yaml".into(), 4, 9, Severity::Warning)],
        CONFIG,
        &[("h.yaml", h)],
    );
}

#[test]
fn e0301_config() {
    let config = "connections:\n  okta: { kind: otka }\n";
    expect(Code::Config, ("flowctl.yaml", 2, 17), config, &[]);
}

#[test]
fn w0001_unused_step() {
    let f = endpoint("  - id: unused\n    card: text.compose\n    with: { template: x }\n");
    expect(
        Code::UnusedStep,
        ("m.yaml", 6, 9),
        CONFIG,
        &[("m.yaml", &f)],
    );
}

#[test]
fn e0001_io() {
    // Through the loader: a flow file named on the command line that does not exist, and one
    // that is not UTF-8. Neither has a position (there is no text to point into).
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("diagnostics-e0001-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let latin1 = dir.join("latin1.yaml");
    std::fs::write(&latin1, b"flow: caf\xe9\n").unwrap();
    let missing = dir.join("missing.yaml");
    let loaded = flow_compile::load(&LoadOptions {
        config: None,
        paths: vec![missing.clone(), latin1.clone()],
        only_paths: true,
    });
    let diags = loaded.diags.into_vec();
    assert_eq!(
        located(&diags, &loaded.sources),
        vec![err(Code::Io, "", 0, 0), err(Code::Io, "", 0, 0)]
    );
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            format!("{} does not exist", missing.display()),
            format!("{} is not UTF-8 text", latin1.display()),
        ]
    );
    // And the checked path refuses the project because of them.
    let rejected = flow_compile::load_checked(
        &LoadOptions {
            config: None,
            paths: vec![missing],
            only_paths: true,
        },
        &flow_cards::registry(),
    )
    .err()
    .expect("an unreadable file is an error");
    assert_eq!(rejected.diags.error_count(), 1);
}

#[test]
fn e0302_missing_env() {
    // A variable read by a value of `flowctl.yaml` outside `connections` is resolved when the
    // file is loaded: unset, it is an error at the value.
    let config = "server:\n  listen: ${env:FLOWCTL_TEST_NEVER_SET}\nstore: ${env:FLOWCTL_TEST_NEVER_SET_DB:-none}\n";
    expect(Code::MissingEnv, ("flowctl.yaml", 2, 11), config, &[]);
    // Connection settings are resolved only when a flow that uses them runs: no error here.
    let lazy = "connections:\n  okta: { kind: okta, org_url: \"https://x.okta.com\", token: \"${env:FLOWCTL_TEST_NEVER_SET}\" }\n";
    expect_all(&[], lazy, &[]);
}

#[test]
fn every_code_has_a_case() {
    let this = include_str!("diagnostics.rs");
    for code in Code::ALL {
        let name = code.as_str().to_lowercase();
        assert!(
            this.contains(&format!("fn {name}_")),
            "no test case for {}",
            code.as_str()
        );
    }
}

#[test]
fn the_oort_flows_compile_without_diagnostics() {
    let main = include_str!("../../../../flows/oort-failing-check.yaml");
    let helper = include_str!("../../../../flows/demo-dispatcher.yaml");
    expect_all(&[], CONFIG, &[("main.yaml", main), ("helper.yaml", helper)]);
}

/// Issue 13 (item 6): an unknown helper (E0209) hid an unknown step (E0203) until it was fixed.
/// Across fields of one step and across steps, every problem is reported in one pass. (Inside
/// one template the parser still stops at the unknown helper: see the issue note.)
#[test]
fn one_pass_reports_an_unknown_helper_and_an_unknown_step_together() {
    let f = endpoint(
        "  - id: post\n    card: slack.send_message\n    with: { connection: slack, channel: \"{{ evnt.channel }}\", text: \"{{ jion trigger.headers \\\", \\\" }}\" }\n  - id: other\n    card: text.compose\n    with: { template: \"{{ evnt.title }}\" }\n",
    );
    expect_all(
        &[
            err(Code::UnknownStep, "m.yaml", 8, 45),
            err(Code::UnknownHelper, "m.yaml", 8, 73),
            warn(Code::UnusedStep, "m.yaml", 9, 9),
            err(Code::UnknownStep, "m.yaml", 11, 27),
        ],
        CONFIG,
        &[("m.yaml", &f)],
    );
}

/// A flow with a branch `route` (case 1 runs `u`, `else` runs `o`) followed by `steps`.
fn branch_flow(after: &str) -> String {
    format!(
        "flow: b\ntrigger:\n  helper:\n    inputs: {{ kind: text }}\nsteps:\n  - id: route\n    branch:\n      - when: \"{{{{ inputs.kind }}}}\"\n        steps:\n          - {{ id: u, card: object.construct, with: {{ fields: {{ who: user }} }} }}\n        outputs: {{ who: \"{{{{ u.who }}}}\" }}\n    else:\n      steps:\n        - {{ id: o, card: object.construct, with: {{ fields: {{ who: \"{{{{ u.who }}}}\" }} }} }}\n{after}"
    )
}

#[test]
fn blocks_hide_the_steps_of_an_arm_outside_it() {
    // Case 1's `u` read from `else` (line 14) and after the block (line 15) is E0203, at the
    // name; the join `route` is read after the block.
    let f = branch_flow(
        "  - { id: out, card: flow.return, with: { outputs: { a: \"{{ u.who }}\", b: \"{{ route.who }}\" } } }\n",
    );
    expect_all(
        &[
            err(Code::UnknownStep, "b.yaml", 14, 71),
            err(Code::UnknownStep, "b.yaml", 15, 61),
        ],
        CONFIG,
        &[("b.yaml", &f)],
    );
}

#[test]
fn blocks_check_the_fields_of_their_outputs() {
    let f = branch_flow(
        "  - { id: out, card: flow.return, with: { outputs: { a: \"{{ route.whom }}\" } } }\n",
    );
    expect_all(
        &[
            err(Code::UnknownStep, "b.yaml", 14, 71),
            err(Code::UnknownField, "b.yaml", 15, 67),
        ],
        CONFIG,
        &[("b.yaml", &f)],
    );
}

#[test]
fn error_is_only_in_scope_inside_catch() {
    let f = "flow: t\ntrigger: { helper: {} }\nsteps:\n  - id: safe\n    try:\n      steps:\n        - { id: p, card: json.parse, with: { text: \"{{ error.message }}\" } }\n    catch:\n      steps:\n        - { id: c, card: object.construct, with: { fields: { m: \"{{ error.message }}\", p: \"{{ p }}\" } } }\n  - { id: out, card: flow.return, with: { outputs: { m: \"{{ safe.error.message }}\" } } }\n";
    expect_all(
        &[
            // `error` inside `try:`; `p` (the try arm) read from `catch:`.
            err(Code::UnknownStep, "t.yaml", 7, 56),
            err(Code::UnknownStep, "t.yaml", 10, 95),
        ],
        CONFIG,
        &[("t.yaml", f)],
    );
}

#[test]
fn block_shape_errors() {
    // `else` in a try block, `when` missing from a case, `id` reserved and used twice.
    let f = "flow: t\ntrigger: { helper: {} }\nsteps:\n  - { id: x, card: object.construct, with: { fields: {} } }\n  - id: x\n    try: { steps: [] }\n    else: { steps: [] }\n  - id: error\n    branch:\n      - steps: []\n";
    expect_all(
        &[
            err(Code::UnknownKey, "t.yaml", 7, 5),
            err(Code::MissingKey, "t.yaml", 10, 9),
            warn(Code::UnusedStep, "t.yaml", 4, 11),
            err(Code::DuplicateStep, "t.yaml", 5, 9),
            err(Code::ReservedStepId, "t.yaml", 8, 9),
        ],
        CONFIG,
        &[("t.yaml", f)],
    );
}

/// Issue 13 item 6: `with: { user: {{ x }} }` is a YAML mapping, not a template. It is reported
/// once, where it is written, with the quoted form, wherever it is in `with:`.
#[test]
fn an_unquoted_template_is_reported_with_a_hint_to_quote_it() {
    let f = "flow: u\ntrigger: { helper: { inputs: { x: text } } }\nsteps:\n  - id: a\n    card: text.compose\n    with: { template: {{ inputs.x }} }\n  - id: b\n    card: object.construct\n    with:\n      fields:\n        nested: [ {{ inputs.x }} ]\n  - { id: out, card: flow.return, with: { outputs: { a: \"{{ a }}\", b: \"{{ b }}\" } } }\n";
    expect_all(
        &[
            err(Code::WrongType, "u.yaml", 6, 23),
            err(Code::WrongType, "u.yaml", 11, 19),
        ],
        CONFIG,
        &[("u.yaml", f)],
    );
    let mut sources = Sources::new();
    let mut diags = Diagnostics::new();
    let id = sources.add("u.yaml", f);
    let doc = FlowDoc::parse(id, f, &mut diags).unwrap();
    let (_, more) = flow_compile::compile(
        sources,
        ProjectConfig::default(),
        vec![doc],
        &flow_cards::registry(),
    );
    let first = more.iter().next().unwrap();
    assert_eq!(
        first.message,
        "`{{ inputs.x }}` is not quoted, so YAML reads it as a mapping"
    );
    assert_eq!(
        first.help.as_deref(),
        Some("quote the template: \"{{ inputs.x }}\"")
    );
}

/// Issue 13 item 6: an unknown helper (E0209) no longer hides an unknown name (E0203) in the same
/// template: both are reported in one pass.
#[test]
fn an_unknown_helper_does_not_hide_an_unknown_name() {
    let f = "flow: h\ntrigger: { helper: { inputs: { x: text } } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { a: \"{{ uper inptus.x }}\" } } }\n";
    expect_all(
        &[
            err(Code::UnknownHelper, "h.yaml", 4, 61),
            err(Code::UnknownStep, "h.yaml", 4, 66),
        ],
        CONFIG,
        &[("h.yaml", f)],
    );
}

/// The same inside a block: a case's `when:` and an arm's `outputs:`.
#[test]
fn an_unquoted_template_in_a_block_is_reported_too() {
    let f = "flow: u\ntrigger: { helper: { inputs: { x: text } } }\nsteps:\n  - id: route\n    branch:\n      - when: {{ inputs.x }}\n        steps: []\n        outputs: { y: {{ inputs.x }} }\n";
    expect_all(
        &[
            err(Code::WrongType, "u.yaml", 6, 15),
            err(Code::WrongType, "u.yaml", 8, 23),
        ],
        CONFIG,
        &[("u.yaml", f)],
    );
}

/// W0002: reading `step.error` of a step without `on_error: continue` warns, at the template;
/// with `on_error: continue`, or for a try block's `error`, it does not.
#[test]
fn w0002_error_never_set() {
    let f = endpoint(
        "  - id: user\n    card: okta.read_user\n    with: { connection: okta, user: a }\n  - id: out\n    card: flow.return\n    with: { outputs: { problem: \"{{ user.error }}\" } }\n",
    );
    expect(
        Code::ErrorNeverSet,
        ("m.yaml", 11, 22),
        CONFIG,
        &[("m.yaml", &f)],
    );
    let fine = endpoint(
        "  - id: user\n    card: okta.read_user\n    on_error: continue\n    with: { connection: okta, user: a }\n  - id: out\n    card: flow.return\n    with: { outputs: { problem: \"{{ user.error }}\", errors: \"{{ user.errors }}\" } }\n",
    );
    expect_all(&[], CONFIG, &[("m.yaml", &fine)]);
}

/// Okta's implicit conversions: a step's text output where a number is wanted compiles (it is
/// read as a number when the step runs); a boolean does not; a constant must be written in
/// its type.
#[test]
fn e0206_implicit_conversions_and_constants() {
    let text_to_number = endpoint(
        "  - id: n\n    card: text.trim\n    with: { text: \" 42 \" }\n  - id: sum\n    card: number.add\n    with: { a: \"{{ n }}\", b: 1 }\n  - id: out\n    card: flow.return\n    with: { outputs: { sum: \"{{ sum }}\" } }\n",
    );
    expect_all(&[], CONFIG, &[("m.yaml", &text_to_number)]);
    let boolean_to_number = endpoint(
        "  - id: b\n    card: boolean.not\n    with: { value: true }\n  - id: sum\n    card: number.add\n    with: { a: \"{{ b }}\", b: 1 }\n  - id: out\n    card: flow.return\n    with: { outputs: { sum: \"{{ sum }}\" } }\n",
    );
    expect(
        Code::TypeMismatch,
        ("m.yaml", 11, 16),
        CONFIG,
        &[("m.yaml", &boolean_to_number)],
    );
    let text_constant = endpoint(
        "  - id: sum\n    card: number.add\n    with: { a: \"2.5\", b: 1 }\n  - id: out\n    card: flow.return\n    with: { outputs: { sum: \"{{ sum }}\" } }\n",
    );
    expect(
        Code::TypeMismatch,
        ("m.yaml", 8, 16),
        CONFIG,
        &[("m.yaml", &text_constant)],
    );
}

/// Issue 13 (item 6): a helper input of `type: date` given a constant that is not ISO 8601 is
/// an error where it is written; an ISO date, or a step's text output, compiles.
#[test]
fn e0206_a_date_input_refuses_a_constant_that_is_not_a_date() {
    let helper = "flow: review\ntrigger:\n  helper:\n    inputs: { cutoff: date }\nsteps:\n  - id: done\n    card: flow.return\n    with: { outputs: { cutoff: \"{{ inputs.cutoff }}\" } }\n";
    let call = |cutoff: &str| {
        endpoint(&format!(
            "  - id: r\n    card: flow.call\n    with: {{ flow: review, inputs: {{ cutoff: {cutoff} }} }}\n  - id: out\n    card: flow.return\n    with: {{ outputs: {{ r: \"{{{{ r }}}}\" }} }}\n"
        ))
    };
    let bad = call("90 days ago");
    expect(
        Code::TypeMismatch,
        ("m.yaml", 8, 37),
        CONFIG,
        &[("m.yaml", &bad), ("h.yaml", helper)],
    );
    expect_all(
        &[],
        CONFIG,
        &[("m.yaml", &call("\"2026-01-31\"")), ("h.yaml", helper)],
    );
    expect_all(
        &[],
        CONFIG,
        &[
            ("m.yaml", &call("\"{{ trigger.body }}\"")),
            ("h.yaml", helper),
        ],
    );
}
