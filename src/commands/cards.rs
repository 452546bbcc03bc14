//! `flowctl cards`: every card with its effect, inputs and output (text or Markdown; the
//! Markdown is `docs/cards.md`).

use crate::Exit;
use crate::error::{CliError, CmdResult};
use flow_card::{CardSpec, Example, Expect};
use serde_json::Value;
use std::fmt::Write;

/// Output formats.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// For the terminal.
    Text,
    /// The reference page `docs/cards.md`.
    Markdown,
}

/// Arguments of `flowctl cards`.
#[derive(clap::Args)]
pub struct Args {
    /// Show only this card (e.g. `okta.read_user`).
    pub kind: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// One input of a card, read from its schema.
pub(crate) struct Input {
    pub(crate) name: String,
    ty: String,
    pub(crate) required: bool,
    doc: String,
}

impl Input {
    /// Whether the input takes true or false (a boolean, or a template giving one).
    pub(crate) fn is_boolean(&self) -> bool {
        self.ty == "boolean" || self.ty == "boolean | template"
    }

    /// Whether the input takes an object (a mapping, or a template giving one).
    pub(crate) fn is_object(&self) -> bool {
        self.ty == "object" || self.ty == "object | template"
    }
}

pub(crate) fn inputs(spec: &CardSpec, schema: &Value, defs: &Value) -> Vec<Input> {
    let _ = spec;
    let resolve = |v: &Value| -> Value {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            Some(name) => defs.get(name).cloned().unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    let schema = resolve(schema);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let p = resolve(p);
            Input {
                name: name.clone(),
                ty: type_text(&p, defs),
                required: required.contains(&name.as_str()),
                doc: p
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .replace('\n', " "),
            }
        })
        .collect()
}

fn type_text(p: &Value, defs: &Value) -> String {
    if let Some(r) = p
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        return match defs.get(r) {
            Some(d) if d.get("enum").is_some() || d.get("oneOf").is_some() => enum_text(d),
            _ => r.to_string(),
        };
    }
    if p.get("enum").is_some() || p.get("oneOf").is_some() {
        return enum_text(p);
    }
    if let Some(any) = p.get("anyOf").and_then(Value::as_array) {
        let parts: Vec<String> = any
            .iter()
            .filter(|a| a.get("type") != Some(&Value::from("null")))
            .map(|a| type_text(a, defs))
            .collect();
        return parts.join(" | ");
    }
    match p.get("type") {
        Some(Value::String(t)) => match t.as_str() {
            "string" if p.get("pattern").and_then(Value::as_str) == Some("\\{\\{") => {
                "template".into()
            }
            "string" => "text".into(),
            "array" => "list".into(),
            "integer" => "number".into(),
            other => other.into(),
        },
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .map(|t| if t == "string" { "text" } else { t })
            .collect::<Vec<_>>()
            .join(" | "),
        _ if p.get("additionalProperties").is_some() => "mapping".into(),
        _ => "any".into(),
    }
}

fn enum_text(d: &Value) -> String {
    let mut names: Vec<String> = Vec::new();
    if let Some(e) = d.get("enum").and_then(Value::as_array) {
        names.extend(e.iter().filter_map(Value::as_str).map(str::to_string));
    }
    if let Some(o) = d.get("oneOf").and_then(Value::as_array) {
        for v in o {
            if let Some(c) = v.get("const").and_then(Value::as_str) {
                names.push(c.to_string());
            }
            if let Some(e) = v.get("enum").and_then(Value::as_array) {
                names.extend(e.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
    }
    names.join(" | ")
}

/// An example as one Markdown list item: title, `with:`, inputs and what it gives.
fn example_md(ex: &Example) -> String {
    let mut line = format!("- {}: `with: {}`", ex.title, ex.with.trim());
    if !ex.inputs.is_empty() {
        let _ = write!(line, ", inputs `{}`", ex.inputs);
    }
    match ex.expect {
        Expect::Output(out) => {
            let _ = write!(line, " → `{out}`");
        }
        Expect::Fails(msg) => {
            let _ = write!(line, " → fails: “{msg}…”");
        }
        Expect::Rejected(code) => {
            let _ = write!(line, " → rejected when the flow loads: `{code}`");
        }
    }
    line
}

/// The Okta Workflows function cards, by family, as Okta's function reference and the
/// templates name them; the table in `docs/cards.md` gives each its flowctl card (from the
/// cards' [`flow_card::CardDoc::okta`]) or "not yet". flowctl's own functions with no Okta card
/// (`crypto.*`, `csv.parse`) are in the card list, not here.
const OKTA_FUNCTIONS: &[(&str, &[&str])] = &[
    (
        "Text",
        &[
            "Base64 Decode",
            "Base64 Encode",
            "Compose",
            "Concatenate",
            "Find",
            "Find Email",
            "Find Last",
            "Find Pattern",
            "Length",
            "Match",
            "Pad",
            "Random",
            "Replace",
            "Replace Pattern",
            "Segment",
            "Split",
            "To Lower Case",
            "To Upper Case",
            "Trim",
            "URL Decode",
            "URL Encode",
        ],
    ),
    (
        "Date & Time",
        &[
            "Add",
            "Convert",
            "Date to Text",
            "Difference",
            "Now",
            "Subtract",
            "Subtract Dates",
            "Text to Date",
        ],
    ),
    (
        "Number",
        &[
            "Absolute Value",
            "Add",
            "Average",
            "Ceiling",
            "Divide",
            "Floor",
            "Max",
            "Min",
            "Multiply",
            "Power",
            "Random Number",
            "Remainder",
            "Round",
            "Square Root",
            "Subtract",
            "Sum",
            "Text to Number",
            "Number to Text",
            "Formula",
        ],
    ),
    (
        "List",
        &[
            "Append",
            "At",
            "Collapse",
            "Construct",
            "Difference",
            "Filter",
            "Filter Custom",
            "Find",
            "Flatten",
            "For Each",
            "For Each - Ignore Errors",
            "Get First Item",
            "Get Last Item",
            "Includes",
            "Intersection",
            "Length",
            "List to Text",
            "Map",
            "Merge",
            "Pluck",
            "Reduce",
            "Remove Duplicates",
            "Reverse",
            "Sample",
            "Slice",
            "Sort",
            "To CSV",
            "Union",
            "Zip",
        ],
    ),
    (
        "Object",
        &[
            "Clear Empty",
            "Construct",
            "Get",
            "Get Multiple",
            "Keys",
            "Map to List",
            "Merge",
            "Remove",
            "Set",
            "Values",
        ],
    ),
    ("True/False", &["And", "Compare", "Not", "Or", "Xor"]),
    (
        "Branching",
        &["Assign If", "Continue If", "If/Else", "If/ElseIf", "Lookup"],
    ),
    (
        "Flow Control",
        &[
            "Assign",
            "Call Flow",
            "Call Flow Async",
            "Close",
            "Pause",
            "Repeat",
            "Return",
            "Return Error",
            "Return Error If",
            "Return Raw",
            "Wait For",
        ],
    ),
    ("Error Handling", &["If Error"]),
    ("JSON", &["Parse", "Stringify"]),
    ("Encryption", &["HMAC"]),
    ("JWT", &["Sign", "Verify"]),
    (
        "HTTP",
        &["Raw Request", "Get", "Post", "Put", "Patch", "Delete"],
    ),
    (
        "Tables",
        &[
            "Clear Table",
            "Create Row",
            "Delete Row",
            "Export CSV",
            "Import CSV",
            "Read Row",
            "Search Rows",
            "Update Row",
        ],
    ),
];

/// The cards as Markdown (the content of `docs/cards.md`).
pub fn markdown() -> String {
    let registry = flow_cards::registry();
    let (schemas, defs) = crate::schema::card_schemas(&registry);
    let docs: Vec<&flow_cards::Builtin> = flow_cards::documented().collect();
    let doc_of = |kind: &str| docs.iter().find(|b| b.spec.kind == kind).map(|b| b.doc);
    let mut out = String::from(
        "# Cards\n\n<!-- Generated by `flowctl cards --format markdown`; a test fails when it is stale. -->\n\n\
         Every card of flowctl with its inputs (the keys of `with:`), its output and examples. Effects\n\
         decide ordering: steps with an effect run in the order written; pure steps run as soon as their\n\
         data is ready. Inputs marked *template* or listed with a type accept `{{ }}` templates. Every\n\
         example below runs as a test (`cargo test -p flow-cards`): the step, configured by `with:` and\n\
         given the flow inputs shown (read as `{{ inputs.NAME }}`), gives that output or error.\n\n\
         ## Adding a card\n\n\
         A card is one file, `crates/flow-cards/src/<family>/<name>.rs`: its `Config` (serde,\n\
         `deny_unknown_fields`, a doc comment per field: the inputs below and the JSON Schema), its\n\
         `SPEC`, its `DOC` (description, the Okta cards it stands for, examples: at least one, and one\n\
         error case) and its `run`.\n\
         Registering it is one word in its family's `cards!(…)` line (`<family>/mod.rs`); then\n\
         regenerate this page and the schema (`cargo run -- cards --format markdown > docs/cards.md`,\n\
         `cargo run -- schema > docs/flow.schema.json`). Adding `text.split` touched 2 source files\n\
         (`text/split.rs`, `text/mod.rs`) plus these two generated files. `cargo fmt` does not see\n\
         modules declared by a macro: format card files with\n\
         `rustfmt --edition 2024 crates/flow-cards/src/*/*.rs`.\n\n\
         | card | effect | summary |\n|---|---|---|\n",
    );
    for spec in registry.cards() {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} |",
            spec.kind,
            spec.kind.replace('.', ""),
            spec.effect.as_str(),
            spec.summary
        );
    }
    for (spec, schema) in registry.cards().iter().zip(&schemas) {
        let _ = writeln!(
            out,
            "\n## `{}`\n\n{}. Effect: **{}**.\n",
            spec.kind,
            spec.summary,
            spec.effect.as_str()
        );
        let doc = doc_of(spec.kind);
        if let Some(doc) = doc {
            let _ = writeln!(out, "{}\n", doc.description.trim());
            if !doc.okta.is_empty() {
                let _ = writeln!(out, "Okta Workflows: {}.\n", doc.okta.join(", "));
            }
        } else if let Some(a) = flow_cards::connector::action_doc(&registry, spec.kind) {
            let _ = writeln!(
                out,
                "From the connector `{}` ({}, [connector-format.md](connector-format.md)).\n",
                a.connector, a.title
            );
            if !a.description.trim().is_empty() {
                let _ = writeln!(out, "{}\n", a.description.trim());
            }
            if !a.okta.is_empty() {
                let _ = writeln!(out, "Okta Workflows: {}.\n", a.okta.join(", "));
            }
        }
        let ins = inputs(spec, schema, &defs);
        if ins.is_empty() {
            out.push_str("No inputs.\n");
        } else {
            out.push_str("| input | type | required | meaning |\n|---|---|---|---|\n");
            for i in ins {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    i.name,
                    i.ty.replace('|', "\\|"),
                    if i.required { "yes" } else { "" },
                    i.doc.replace('|', "\\|")
                );
            }
        }
        let _ = writeln!(out, "\nOutput: {}", spec.output);
        if let Some(t) = spec.trigger {
            let _ = writeln!(out, "\nOnly in flows with an `{t}` trigger.");
        }
        if let Some(doc) = doc.filter(|d| !d.examples.is_empty()) {
            out.push_str("\nExamples:\n\n");
            for ex in doc.examples {
                let _ = writeln!(out, "{}", example_md(ex));
            }
        }
    }
    out.push_str("\n## Template helpers\n\n| helper | usage | meaning |\n|---|---|---|\n");
    for h in flow_template::HELPERS {
        let _ = writeln!(out, "| `{}` | `{}` | {} |", h.name, h.usage, h.doc);
    }
    out.push_str(
        "\n## Okta Workflows function cards\n\n\
         Every Okta Workflows function card and the flowctl card that does its work (from each card's\n\
         documentation), or *not yet*.\n\n| Okta family | Okta card | flowctl |\n|---|---|---|\n",
    );
    for (family, cards) in OKTA_FUNCTIONS {
        for card in *cards {
            let name = format!("{family} - {card}");
            let ours: Vec<String> = docs
                .iter()
                .filter(|b| b.doc.okta.iter().any(|o| o.eq_ignore_ascii_case(&name)))
                .map(|b| format!("[`{}`](#{})", b.spec.kind, b.spec.kind.replace('.', "")))
                .collect();
            let ours = if let Some((_, block)) = BLOCKS.iter().find(|(n, _)| *n == name) {
                (*block).to_string()
            } else if ours.is_empty() {
                "not yet".to_string()
            } else {
                ours.join(", ")
            };
            let _ = writeln!(out, "| {family} | {card} | {ours} |");
        }
    }
    out
}

/// Okta cards that are blocks of the flow language rather than cards, with their block.
const BLOCKS: &[(&str, &str)] = &[
    (
        "Branching - If/Else",
        "a [`branch:` block](flow-language.md#51-blocks-branch-and-try)",
    ),
    (
        "Branching - If/ElseIf",
        "a [`branch:` block](flow-language.md#51-blocks-branch-and-try)",
    ),
    (
        "Error Handling - If Error",
        "a [`try:` block](flow-language.md#51-blocks-branch-and-try)",
    ),
];

/// Runs the command.
pub fn run(args: Args) -> CmdResult {
    if let Format::Markdown = args.format {
        print!("{}", markdown());
        return Ok(Exit::Ok);
    }
    // The project's own connectors (./connectors) are listed too.
    let registry = crate::project::registry(None)?;
    let (schemas, defs) = crate::schema::card_schemas(&registry);
    let mut out = String::new();
    let mut found = false;
    for (spec, schema) in registry.cards().iter().zip(&schemas) {
        if args.kind.as_deref().is_some_and(|k| k != spec.kind) {
            continue;
        }
        found = true;
        let action = flow_cards::connector::action_doc(&registry, spec.kind);
        let from = action
            .as_ref()
            .map(|a| format!(", connector {}", a.connector))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}  ({}{from})\n  {}",
            spec.kind,
            spec.effect.as_str(),
            spec.summary
        );
        for i in inputs(spec, schema, &defs) {
            let req = if i.required { "" } else { "?" };
            let _ = writeln!(out, "    {}{req}: {}  — {}", i.name, i.ty, i.doc);
        }
        let _ = writeln!(out, "  → {}", spec.output);
        if args.kind.is_some()
            && let Some(a) = &action
            && !a.description.trim().is_empty()
        {
            let _ = writeln!(out, "\n{}\n", a.description.trim());
        }
        if args.kind.is_some()
            && let Some(b) = flow_cards::documented().find(|b| b.spec.kind == spec.kind)
        {
            let _ = writeln!(out, "\n{}\n", b.doc.description.trim());
            for ex in b.doc.examples {
                let _ = writeln!(out, "  {}", example_md(ex));
            }
        }
        out.push('\n');
    }
    if !found {
        let kinds: Vec<&str> = registry.cards().iter().map(|c| c.kind).collect();
        let k = args.kind.unwrap_or_default();
        return Err(CliError::coded(
            flow_model::Code::UnknownCard,
            format!("unknown card `{k}`"),
            flow_model::suggest::hint(&k, kinds),
        ));
    }
    print!("{out}");
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every Okta function card a card claims is in the table, so none is silently dropped.
    #[test]
    fn okta_names_are_in_the_function_table() {
        let known: Vec<String> = OKTA_FUNCTIONS
            .iter()
            .flat_map(|(f, cards)| cards.iter().map(move |c| format!("{f} - {c}")))
            .collect();
        // Connector cards written in Rust (`google_workspace.send_email`) name connector
        // cards, not functions.
        let connectors: Vec<&str> = flow_cards::connector::builtin()
            .map(|c| c.def.connector.as_str())
            .collect();
        let unknown: Vec<&str> = flow_cards::documented()
            .filter(|b| {
                let family = b.spec.kind.split('.').next().unwrap_or_default();
                !connectors.contains(&family)
            })
            .flat_map(|b| b.doc.okta.iter().copied())
            .filter(|o| !o.starts_with("Okta - ") && !o.starts_with("Slack - "))
            .filter(|o| !known.iter().any(|k| k.eq_ignore_ascii_case(o)))
            .collect();
        assert!(unknown.is_empty(), "not in OKTA_FUNCTIONS: {unknown:?}");
    }
}
