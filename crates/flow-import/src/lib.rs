//! `flow-import`: converts an Okta Workflows export (`.flopack`, `.folder`, `.flow`: one JSON
//! envelope) into flowctl flow files, a `flowctl.yaml` and a [`Report`]. Pure: bytes in,
//! texts out; the CLI reads and writes the files.
//!
//! The passes: [`export::parse`] reads the envelope; `catalog` names every flow, helper input
//! and connection; [`convert::convert`] turns each flow into steps using the card [`table`];
//! `held_back` holds back flows that call helpers that were not converted; [`import`] then
//! assembles the report and the files, with a project file of the connections the written
//! flows use.

pub mod convert;
mod error;
pub mod export;
pub mod kinds;
pub mod names;
mod report;
pub mod table;
pub mod value;
pub mod yaml;

pub use convert::Problem;
pub use error::ImportError;
pub use kinds::{ConnectionSetting, KindInfo, Kinds};
pub use report::{FlowReport, Outcome, Report};

use convert::Catalog;
use export::Export;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'k> {
    /// Also write flows that were not fully converted, with `flow.fail` stand-ins.
    pub partial: bool,
    /// The card kinds the running flowctl has: connector cards map to them by name, and a
    /// table entry whose kind is missing is reported. `None`: the table as it is, and no
    /// connector card beyond its entries.
    pub kinds: Option<&'k Kinds>,
}

/// A file to write, relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    /// `flowctl.yaml` or `flows/<name>.yaml`.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// What an import produced.
#[derive(Debug)]
pub struct Import {
    /// The files to write (none when no flow is written).
    pub files: Vec<OutFile>,
    /// What was converted and what was not.
    pub report: Report,
}

/// Imports an export. `source` names the file in the generated comments.
pub fn import(bytes: &[u8], source: &str, options: Options) -> Result<Import, ImportError> {
    let export = export::parse(bytes)?;
    let mut catalog = catalog(&export);
    catalog.kinds = options.kinds.cloned();
    let mut outs = Vec::new();
    for f in &export.flows {
        let name = catalog.names.get(&f.uuid).cloned().unwrap_or_default();
        let out = convert::convert(
            &name,
            &f.name,
            &f.description,
            &f.data,
            &catalog,
            options.partial,
        );
        outs.push((f, name, out));
    }
    let mut blocked = held_back(&outs, &catalog);
    let mut report = Report {
        source: source.to_string(),
        version: export.version.clone(),
        flows: Vec::new(),
        connections: Vec::new(),
        tables: export
            .tables
            .iter()
            .map(|t| match catalog.tables.get(&t.id) {
                Some(Ok(info)) => format!("{} ({})", info.name, yaml::quoted(&t.name)),
                Some(Err(why)) => format!("{} not declared ({why})", yaml::quoted(&t.name)),
                None => yaml::quoted(&t.name),
            })
            .collect(),
    };
    let mut files = Vec::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (f, name, out) in outs {
        let mut problems = out.problems;
        if let Some(b) = blocked.remove(&f.uuid) {
            problems.extend(b);
        }
        let outcome = if problems.is_empty() {
            Outcome::Converted
        } else if options.partial {
            Outcome::Partial
        } else {
            Outcome::NotConverted
        };
        let file = (outcome != Outcome::NotConverted).then(|| format!("flows/{name}.yaml"));
        if let Some(path) = &file {
            used.extend(out.connections.iter().cloned());
            files.push(OutFile {
                path: path.clone(),
                text: out.yaml,
            });
        }
        report.flows.push(FlowReport {
            okta_name: f.name.trim().to_string(),
            name,
            file,
            outcome,
            problems,
            cards: out.cards,
        });
    }
    let known = connection_info(&export, &catalog);
    let connections: Vec<(String, String, Option<String>)> = used
        .iter()
        .map(|c| match known.get(c) {
            Some((module, okta)) => (c.clone(), module.clone(), Some(okta.clone())),
            None => (c.clone(), c.clone(), None),
        })
        .collect();
    report.connections = connections
        .iter()
        .map(|(n, m, _)| (n.clone(), m.clone()))
        .collect();
    if !files.is_empty() {
        files.insert(
            0,
            OutFile {
                path: "flowctl.yaml".into(),
                text: project_file(&export, &catalog, source, &connections),
            },
        );
    }
    Ok(Import { files, report })
}

/// Flows that call a helper that was not converted (directly or through other helpers), with
/// the problem that says so: they are not converted either, so no written flow names a
/// missing helper.
fn held_back(
    outs: &[(&export::OktaFlow, String, convert::FlowOut)],
    catalog: &Catalog,
) -> HashMap<String, Vec<Problem>> {
    let mut blocked: HashMap<String, Vec<Problem>> = HashMap::new();
    loop {
        let mut changed = false;
        for (f, _, out) in outs {
            if !out.problems.is_empty() || blocked.contains_key(&f.uuid) {
                continue;
            }
            let bad: Vec<Problem> = out
                .calls
                .iter()
                .filter(|c| {
                    blocked.contains_key(*c)
                        || outs
                            .iter()
                            .any(|(g, _, o)| &g.uuid == *c && !o.problems.is_empty())
                })
                .map(|c| Problem {
                    card: "(helper call)".into(),
                    address: String::new(),
                    follows: true,
                    reason: format!(
                        "calls the helper flow `{}`, which was not converted",
                        catalog.names.get(c).cloned().unwrap_or_default()
                    ),
                })
                .collect();
            if !bad.is_empty() {
                blocked.insert(f.uuid.clone(), bad);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    blocked
}

/// Names every flow, every helper's inputs, and every connection.
fn catalog(export: &Export) -> Catalog {
    let mut cat = Catalog::default();
    let mut flows = names::Unique::default();
    for f in &export.flows {
        cat.names.insert(f.uuid.clone(), flows.flow(&f.name));
        let callable = f.data.methods.iter().any(|m| m.key == "control:callable");
        if callable && !f.data.scheduled {
            cat.helpers
                .insert(f.uuid.clone(), convert::helper_inputs(&f.data));
            cat.text_inputs
                .insert(f.uuid.clone(), convert::helper_text_inputs(&f.data));
            cat.returns
                .insert(f.uuid.clone(), convert::returned(&f.data));
        }
    }
    // Helpers that cards stream records to, wherever the card is (inline flows too).
    fn streams(flow: &export::FlowData, out: &mut Vec<(String, (String, String))>) {
        for m in &flow.methods {
            let module = m.key.split(':').next().unwrap_or("").to_string();
            let name = if m.kind_name.trim().is_empty() {
                m.name.trim().to_string()
            } else {
                m.kind_name.trim().to_string()
            };
            out.extend(
                m.inputs
                    .iter()
                    .filter(|f| f.group.as_deref() == Some("Streaming") && f.key == "Flow")
                    .filter_map(|f| {
                        f.data
                            .as_str()
                            .map(|u| (u.to_string(), (module.clone(), name.clone())))
                    }),
            );
            for inner in [m.inline.as_deref()].into_iter().flatten() {
                streams(inner, out);
            }
            for (_, arm) in &m.arms {
                streams(arm, out);
            }
            if let Some(tc) = m.try_catch.as_deref() {
                streams(&tc.0, out);
                streams(&tc.1, out);
            }
        }
    }
    let mut streamed = Vec::new();
    for f in &export.flows {
        streams(&f.data, &mut streamed);
    }
    cat.streamed = streamed
        .into_iter()
        .filter_map(|(uuid, module)| Some((cat.names.get(&uuid)?.clone(), module)))
        .collect();
    let mut per_module: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &export.configs {
        *per_module.entry(c.module.as_str()).or_default() += 1;
    }
    let mut conns = names::Unique::default();
    for c in &export.configs {
        let module = names::snake(&c.module, "connection");
        let name = if per_module.get(c.module.as_str()) == Some(&1) {
            module
        } else {
            format!(
                "{module}_{}",
                names::snake(&c.name, "connection").trim_start_matches('_')
            )
        };
        cat.connections.insert(c.id.clone(), conns.claim(name, "_"));
    }
    let mut tables = names::Unique::default();
    for tb in &export.tables {
        cat.tables
            .insert(tb.id.clone(), convert::TableInfo::of(tb, &mut tables));
    }
    cat
}

/// Connection name → (connector module, the connection's name in Okta).
fn connection_info(export: &Export, cat: &Catalog) -> HashMap<String, (String, String)> {
    export
        .configs
        .iter()
        .filter_map(|c| {
            Some((
                cat.connections.get(&c.id)?.clone(),
                (c.module.clone(), c.name.clone()),
            ))
        })
        .collect()
}

/// `flowctl.yaml`: the connections the written flows use (secrets from the environment), and
/// the export's tables (declared, without their rows).
fn project_file(
    export: &Export,
    cat: &Catalog,
    source: &str,
    connections: &[(String, String, Option<String>)],
) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "# Written by `flowctl import` from {source} (Okta Workflows export {}).\n",
        export.version
    ));
    t.push_str("# Secrets come from the environment: the export holds none.\n");
    t.push_str("flows: flows\n");
    if !connections.is_empty() {
        t.push_str("\nconnections:\n");
        for (name, module, okta_name) in connections {
            let env = name.to_ascii_uppercase();
            if let Some(n) = okta_name {
                t.push_str(&format!(
                    "  # Okta Workflows connection {}\n",
                    yaml::quoted(n)
                ));
            }
            t.push_str(&format!("  {name}:\n"));
            match module.as_str() {
                "hmac_key" => {
                    t.push_str("    kind: key\n");
                    t.push_str(&format!(
                        "    secret: \"${{env:{env}_SECRET}}\"   # secret: the key Okta's HMAC cards signed with\n"
                    ));
                }
                "okta" => {
                    t.push_str("    kind: okta\n");
                    t.push_str(&format!("    org_url: \"${{env:{env}_ORG_URL}}\"\n"));
                    t.push_str(&format!("    token: \"${{env:{env}_API_TOKEN}}\"   # sent as \"Authorization: SSWS <token>\"\n"));
                }
                "slack" => {
                    t.push_str("    kind: slack\n");
                    t.push_str(&format!(
                        "    token: \"${{env:{env}_BOT_TOKEN}}\"   # a bot token with chat:write\n"
                    ));
                }
                other => match cat.kinds.as_ref().and_then(|k| k.connector_for_app(other)) {
                    Some((connector, settings)) => {
                        t.push_str(&format!("    kind: {connector}\n"));
                        for s in settings {
                            let var = format!("{env}_{}", s.name.to_ascii_uppercase());
                            let doc = if s.secret {
                                format!("secret: {}", s.doc)
                            } else {
                                s.doc.clone()
                            };
                            t.push_str(&format!(
                                "    {}: \"${{env:{var}}}\"   # {}\n",
                                s.name,
                                doc.replace('\n', " ")
                            ));
                        }
                    }
                    None => {
                        t.push_str(&format!("    # no flowctl connection kind for `{other}`\n"));
                    }
                },
            }
        }
    }
    let declared: Vec<(&str, &convert::TableInfo)> = export
        .tables
        .iter()
        .filter_map(|tb| match cat.tables.get(&tb.id) {
            Some(Ok(info)) => Some((tb.name.as_str(), info)),
            _ => None,
        })
        .collect();
    if !declared.is_empty() {
        t.push_str("\n# The export's tables; their rows are not in the export.\ntables:\n");
        for (okta, info) in declared {
            t.push_str(&format!(
                "  # Okta Workflows table {}\n  {}:\n    columns:\n",
                yaml::quoted(okta),
                info.name
            ));
            for (okta_col, col, ty) in &info.columns {
                t.push_str(&format!("      {col}: {ty}"));
                if okta_col != col {
                    t.push_str(&format!("   # {}", yaml::quoted(okta_col)));
                }
                t.push('\n');
            }
        }
    }
    for tb in &export.tables {
        if let Some(Err(why)) = cat.tables.get(&tb.id) {
            t.push_str(&format!(
                "\n# Table {} is not declared: {why}\n",
                yaml::quoted(&tb.name)
            ));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const OORT: &[u8] = include_bytes!("../../../tests/fixtures/okta/oort-demo.folder");
    const QUARANTINE: &[u8] = include_bytes!("../../../tests/fixtures/okta/quarantine-user.flow");
    const UNSUPPORTED: &[u8] = include_bytes!("../../../tests/fixtures/okta/unsupported.flopack");
    const IF_ELSE: &[u8] = include_bytes!("../../../tests/fixtures/okta/if-else.flow");
    const IF_ERROR: &[u8] = include_bytes!("../../../tests/fixtures/okta/if-error.flow");
    const FUNCTIONS: &[u8] = include_bytes!("../../../tests/fixtures/okta/functions.flow");
    const SCHEDULE: &[u8] = include_bytes!("../../../tests/fixtures/okta/schedule.flow");
    const TABLES: &[u8] = include_bytes!("../../../tests/fixtures/okta/tables.flow");
    const EVENT_HOOK: &[u8] = include_bytes!("../../../tests/fixtures/okta/event-hook.flow");
    const TABLE_ROWS: &[u8] = include_bytes!("../../../tests/fixtures/okta/table-rows.flow");
    const CONNECTORS: &[u8] = include_bytes!("../../../tests/fixtures/okta/connectors.flow");
    const DATES: &[u8] = include_bytes!("../../../tests/fixtures/okta/dates-objects.flow");
    const EVENT_BATCH: &[u8] = include_bytes!("../../../tests/fixtures/okta/event-batch.flow");
    const IF_ELSEIF: &[u8] = include_bytes!("../../../tests/fixtures/okta/if-elseif.flow");
    const NAMED_OUTPUTS: &[u8] = include_bytes!("../../../tests/fixtures/okta/named-outputs.flow");
    const DATE_FORMS: &[u8] = include_bytes!("../../../tests/fixtures/okta/date-forms.flow");
    const MEASURED: &[u8] =
        include_bytes!("../../../tests/fixtures/okta/templates-measured.folder");

    fn run(bytes: &[u8], partial: bool) -> Import {
        import(
            bytes,
            "x",
            Options {
                partial,
                kinds: None,
            },
        )
        .unwrap()
    }

    /// Okta's schedule with its seconds and zone changed: seconds other than zero give a
    /// six-field pattern; a zone flowctl does not know is reported, not written.
    #[test]
    fn schedules_keep_their_seconds_and_unknown_zones_are_reported() {
        let with = |seconds: &str, zone: &str| {
            let mut doc: Value = serde_json::from_slice(SCHEDULE).unwrap();
            let flow = doc["data"]["flos"]
                .as_object_mut()
                .unwrap()
                .values_mut()
                .next();
            let cron = &mut flow.unwrap()["data"]["cron"];
            cron["seconds"] = Value::from(seconds);
            cron["timeZone"] = Value::from(zone);
            run(&serde_json::to_vec(&doc).unwrap(), false)
        };
        let i = with("15", "America/New_York");
        let flow = i
            .files
            .iter()
            .find(|f| f.path.starts_with("flows/"))
            .unwrap();
        assert!(
            flow.text.contains(
                "  schedule:\n    cron: \"15 30 6 * * 1-5\"\n    timezone: \"America/New_York\"\n"
            ),
            "{}",
            flow.text
        );
        let i = with("00", "Europe/Berlim");
        assert!(i.files.is_empty());
        let reason = &i.report.flows[0].problems[0].reason;
        assert!(
            reason.starts_with(
                "Okta's schedule (cron `30 6 * * 1-5`, Europe/Berlim) is not a flowctl schedule: "
            ),
            "{reason}"
        );
    }

    #[test]
    fn a_folder_converts_into_a_project() {
        let i = run(OORT, false);
        assert!(i.report.all_converted(), "{}", i.report);
        let paths: Vec<&str> = i.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "flowctl.yaml",
                "flows/oort-failing-check.yaml",
                "flows/demo-dispatcher.yaml"
            ]
        );
        let main = &i.files[1].text;
        // Wires became references, the expand node a path, the helper call its flowctl name.
        assert!(
            main.contains("list: \"{{ parse_event.detail.usersFailing }}\""),
            "{main}"
        );
        assert!(
            main.contains("flow: demo-dispatcher\n      inputs:\n        email: \"{{ item }}\""),
            "{main}"
        );
        assert!(
            main.contains(
                "# Notify\n  # Post the summary to the security channel.\n  # Okta: Send Message"
            ),
            "{main}"
        );
        assert_eq!(
            i.report.connections,
            [
                ("okta".to_string(), "okta".to_string()),
                ("slack".into(), "slack".into())
            ]
        );
    }

    #[test]
    fn unsupported_cards_are_problems_and_callers_are_held_back() {
        let i = run(UNSUPPORTED, false);
        assert!(i.files.is_empty());
        let problems: Vec<(&str, &str)> = i
            .report
            .flows
            .iter()
            .flat_map(|f| {
                f.problems
                    .iter()
                    .map(move |p| (f.name.as_str(), p.address.as_str()))
            })
            .collect();
        assert_eq!(
            problems,
            [
                ("branching", "control:return"),
                ("nightly-report", "control:callable"),
                ("on-suspension", "zoom:createMeeting"),
                ("guarded-helper", "control:return"),
                ("caller", ""),
                ("odd-requests", "okta:hTTPRequest"),
                ("odd-requests", "okta:getUsersGroups"),
                ("odd-requests", "math:expression"),
                ("each-group-too", "control:pause"),
                ("answer-early", "control:returnRaw"),
            ]
        );
        // Only the held-back caller follows from another card; the others block by themselves.
        let follows: Vec<bool> = i
            .report
            .flows
            .iter()
            .flat_map(|f| f.problems.iter().map(|p| p.follows))
            .collect();
        assert_eq!(follows.iter().filter(|f| **f).count(), 1, "{follows:?}");
        assert_eq!(i.report.blocking().len(), 8);
        let partial = run(UNSUPPORTED, true);
        assert!(
            partial
                .report
                .flows
                .iter()
                .all(|f| f.outcome == Outcome::Partial)
        );
        assert_eq!(partial.files.len(), 9);
    }

    #[test]
    fn two_connections_of_one_connector_get_distinct_names() {
        let mut doc: Value = serde_json::from_slice(QUARANTINE).unwrap();
        doc["data"]["configs"]["c2"] =
            serde_json::json!({"id": "c2", "name": "Okta Staging", "module": "okta"});
        let i = run(&serde_json::to_vec(&doc).unwrap(), false);
        assert_eq!(
            i.report.connections,
            [("okta_okta_prod".to_string(), "okta".to_string())]
        );
        assert!(
            i.files[0]
                .text
                .contains("org_url: \"${env:OKTA_OKTA_PROD_ORG_URL}\""),
            "{}",
            i.files[0].text
        );
    }

    #[test]
    fn a_helper_whose_trigger_fails_keeps_its_inputs_for_its_callers() {
        let mut doc: Value = serde_json::from_slice(OORT).unwrap();
        let helper = &mut doc["data"]["flos"]["f0000000-0000-4000-8000-000000000002"];
        for m in helper["data"]["methods"].as_array_mut().unwrap() {
            if m["uuid"] == "hf" {
                m["node"]["model"]["outputs"]["data"]["hfEmail"]["value"]["type"] =
                    Value::from("file");
            }
        }
        let i = run(&serde_json::to_vec(&doc).unwrap(), true);
        let outcomes: Vec<Outcome> = i.report.flows.iter().map(|f| f.outcome).collect();
        assert_eq!(outcomes, [Outcome::Partial, Outcome::Partial]);
        assert!(
            i.report.flows[0].problems[0]
                .reason
                .contains("calls the helper flow `demo-dispatcher`")
        );
        let helper = &i.files[2].text;
        assert!(
            helper.contains("  # UNSUPPORTED: Helper Flow (control:callable): inputs of type `file` have no flowctl counterpart\n  helper:\n    inputs:\n      email: any\n"),
            "{helper}"
        );
    }

    #[test]
    fn cards_that_only_read_a_card_that_failed_follow_it() {
        let mut doc: Value = serde_json::from_slice(OORT).unwrap();
        let main = &mut doc["data"]["flos"]["f0000000-0000-4000-8000-000000000001"]["data"];
        for m in main["methods"].as_array_mut().unwrap() {
            if m["uuid"] == "join" {
                m["address"] = Value::from("root:kernel:list:0.0.1:sample");
            }
        }
        let i = run(&serde_json::to_vec(&doc).unwrap(), false);
        let problems: Vec<(&str, bool)> = i.report.flows[0]
            .problems
            .iter()
            .map(|p| (p.address.as_str(), p.follows))
            .collect();
        // List to Text became Sample (no counterpart); Compose reads it through a wire.
        assert_eq!(
            problems,
            [
                ("list:sample", false),
                ("string:compose", true),
                ("slack:sendMessageToChannel2", true)
            ]
        );
        assert_eq!(
            i.report.blocking(),
            [("list:sample".to_string(), "List to Text".to_string(), 1)]
        );
    }

    #[test]
    fn a_second_answer_to_the_caller_is_reported() {
        let mut doc: Value = serde_json::from_slice(OORT).unwrap();
        let main = &mut doc["data"]["flos"]["f0000000-0000-4000-8000-000000000001"]["data"];
        main["methods"].as_array_mut().unwrap().push(serde_json::json!({
            "uuid": "raw", "address": "root:kernel:control:0.0.1:returnRaw",
            "node": {"data": {"name": "Return Raw"}, "model": {"inputs": {"data": {}}, "outputs": {"data": {}}}}
        }));
        main["orderings"]["last"] = serde_json::json!(["post", "raw"]);
        let i = run(&serde_json::to_vec(&doc).unwrap(), false);
        let problems = &i.report.flows[0].problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].reason.contains("a second time"), "{problems:?}");
    }

    /// Every node of `v` by JSON pointer.
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, c) in o {
                    pointers(
                        c,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    pointers(c, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }

    /// No input panics: every fixture cut at 60 places, and every fifteenth JSON node of each
    /// replaced by six values of other types (about 3,000 imports, half with `partial`).
    #[test]
    fn mutated_exports_never_panic() {
        let mut imports = 0;
        // Every third import with a registry, so connector cards go the by-name way.
        let mut kinds = Kinds::new();
        let info = KindInfo {
            inputs: vec!["connection".into(), "user_id".into(), "stream".into()],
            required: vec!["user_id".into()],
            connection: true,
            ..KindInfo::default()
        };
        kinds.add("okta.get_users_groups", info.clone(), &[]);
        kinds.add("okta.list_users_with_filter", info, &[]);
        // A connector action whose named outputs are placed by name and by `okta_outputs`.
        let incident = KindInfo {
            inputs: vec!["connection".into(), "short_description".into()],
            connection: true,
            output_fields: vec!["sys_id".into(), "number".into()],
            okta_outputs: vec![("Incident/System ID".into(), "sys_id".into())],
            ..KindInfo::default()
        };
        kinds.add("servicenow.create_incident", incident, &[]);
        for fixture in [
            OORT,
            QUARANTINE,
            UNSUPPORTED,
            IF_ELSE,
            IF_ERROR,
            FUNCTIONS,
            SCHEDULE,
            TABLES,
            EVENT_HOOK,
            TABLE_ROWS,
            CONNECTORS,
            DATES,
            EVENT_BATCH,
            IF_ELSEIF,
            NAMED_OUTPUTS,
            DATE_FORMS,
            MEASURED,
        ] {
            // The last byte is a newline: every shorter cut is not JSON.
            for cut in (0..fixture.len() - 1).step_by(fixture.len() / 60) {
                assert!(import(&fixture[..cut], "x", Options::default()).is_err());
                imports += 1;
            }
            let doc: Value = serde_json::from_slice(fixture).unwrap();
            let mut all = Vec::new();
            pointers(&doc, String::new(), &mut all);
            let replacements = [
                Value::Null,
                Value::from(0),
                Value::from("x"),
                Value::Array(vec![]),
                serde_json::json!({}),
                Value::Bool(true),
            ];
            for (n, p) in all.iter().step_by(15).filter(|p| !p.is_empty()).enumerate() {
                for r in &replacements {
                    let mut m = doc.clone();
                    if let Some(slot) = m.pointer_mut(p) {
                        *slot = r.clone();
                    }
                    let bytes = serde_json::to_vec(&m).unwrap();
                    let _ = import(
                        &bytes,
                        "x",
                        Options {
                            partial: n % 2 == 0,
                            kinds: (n % 3 == 0).then_some(&kinds),
                        },
                    );
                    imports += 1;
                }
            }
        }
        assert!(imports > 1500, "{imports}");
    }

    #[test]
    fn wires_in_circles_end() {
        let mut doc: Value = serde_json::from_slice(OORT).unwrap();
        let flows = doc["data"]["flos"].as_object_mut().unwrap();
        let main = flows.values_mut().next().unwrap();
        for m in main["data"]["methods"].as_array_mut().unwrap() {
            if m["uuid"] == "exp" {
                // The expand node reads itself.
                m["node"]["model"]["inputs"]["data"]["expIn"]["metadata"]["srcMethodId"] =
                    Value::from("exp");
                m["node"]["model"]["inputs"]["data"]["expIn"]["metadata"]["srcOutputId"] =
                    Value::from("expUsers");
            }
        }
        main["data"]["orderings"]["back"] = serde_json::json!(["post", "ep"]);
        let i = run(&serde_json::to_vec(&doc).unwrap(), false);
        let main = &i.report.flows[0];
        assert_eq!(main.outcome, Outcome::NotConverted);
        assert!(
            main.problems
                .iter()
                .any(|p| p.reason.contains("more than 32 field cards")),
            "{:?}",
            main.problems
        );
    }
}
