//! `flowctl import FILE [--out DIR] [--partial] [--force]`: converts an Okta Workflows export
//! into flow files and a `flowctl.yaml` (through `flow-import`), writes them, and prints the
//! report. Exit 0 when every flow converted, 1 when some did not, 2 when the file cannot be
//! read or is not an export, or when a file to write exists already (without `--force`).

use crate::Exit;
use crate::error::{CliError, CmdResult};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `flowctl import`.
#[derive(clap::Args)]
pub struct Args {
    /// The export: a `.folder`, `.flopack` or `.flow` file.
    pub file: PathBuf,
    /// Where to write `flowctl.yaml` and `flows/` (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Also write flows that did not convert fully, each card that did not convert as a
    /// `flow.fail` step under an `# UNSUPPORTED:` comment.
    #[arg(long)]
    pub partial: bool,
    /// Replace files that exist already (without it, an existing file stops the import
    /// before anything is written).
    #[arg(long)]
    pub force: bool,
}

/// Runs the command.
pub fn run(args: Args) -> CmdResult {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let source = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let import = flow_import::import(
        &bytes,
        &source,
        flow_import::Options {
            partial: args.partial,
            kinds: Some(&kinds()),
        },
    )
    .map_err(|e| {
        CliError::Other(
            anyhow::Error::new(e).context(format!("cannot import {}", args.file.display())),
        )
    })?;
    let targets: Vec<(PathBuf, &str)> = import
        .files
        .iter()
        .map(|f| (args.out.join(&f.path), f.text.as_str()))
        .collect();
    let existing: Vec<&Path> = targets
        .iter()
        .map(|(p, _)| p.as_path())
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() && !args.force {
        let list: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        return Err(CliError::msg(format!(
            "not overwriting {} (pass --force to replace {})",
            list.join(", "),
            if list.len() == 1 { "it" } else { "them" }
        )));
    }
    for (path, text) in &targets {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut text = import.report.to_string();
    for p in &existing {
        text.push_str(&format!("  replaced {} (--force)\n", p.display()));
    }
    if targets.is_empty() {
        text.push_str(
            "  nothing written: no flow converted (--partial writes them with stand-ins)\n",
        );
    } else {
        text.push_str(&format!(
            "  wrote {} file(s) under {}\n",
            targets.len(),
            args.out.display()
        ));
    }
    // A reader that stops early (`| head`) is not an error: the files are written already.
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    Ok(if import.report.all_converted() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// The fields of a Rust card's output when its description is one flat object of plain
/// names (`{ transfer_id, transfer_status }`), so Okta's named outputs of the card it stands
/// for are placed by name as a connector action's are; nothing for any other description.
fn described_fields(output: &str) -> Vec<String> {
    let Some(inner) = output
        .trim()
        .strip_prefix('{')
        .and_then(|o| o.strip_suffix('}'))
    else {
        return Vec::new();
    };
    let names: Vec<String> = inner.split(',').map(|n| n.trim().to_string()).collect();
    let plain = |n: &String| {
        n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if names.iter().all(plain) {
        names
    } else {
        Vec::new()
    }
}

/// Whether a Rust card's output description is one number, text, boolean or date
/// (`number (the status)`), not an object or a list.
fn described_scalar(output: &str) -> bool {
    let first = output
        .trim()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default();
    matches!(first, "number" | "text" | "boolean" | "date") && !output.contains(" or ")
}

/// The registry's card kinds with their inputs and the Okta card names each documents, for
/// the importer: connector cards map to them by name, and a card the registry lacks is
/// reported rather than written.
fn kinds() -> flow_import::Kinds {
    let registry = flow_cards::registry();
    let (schemas, defs) = crate::schema::card_schemas(&registry);
    // The Okta card names each card stands for: from a Rust card's documentation, or from the
    // `okta:` list of a connector action.
    let mut okta: std::collections::HashMap<&str, Vec<String>> = flow_cards::documented()
        .map(|b| {
            (
                b.spec.kind,
                b.doc.okta.iter().map(|s| s.to_string()).collect(),
            )
        })
        .collect();
    // A connector action's output fields and `okta_outputs`, where Okta's named outputs go.
    let mut outputs = std::collections::HashMap::new();
    for spec in registry.cards() {
        if let Some(doc) = flow_cards::connector::action_doc(&registry, spec.kind) {
            okta.insert(spec.kind, doc.okta);
            outputs.insert(
                spec.kind,
                (
                    doc.output_fields,
                    doc.record_fields,
                    doc.okta_outputs,
                    doc.scalar_output,
                ),
            );
        }
    }
    let mut kinds = flow_import::Kinds::new();
    for (spec, schema) in registry.cards().iter().zip(&schemas) {
        let inputs = crate::commands::cards::inputs(spec, schema, &defs);
        let (output_fields, record_fields, okta_outputs, scalar_output) =
            outputs.remove(spec.kind).unwrap_or_else(|| {
                (
                    described_fields(spec.output),
                    Vec::new(),
                    Vec::new(),
                    described_scalar(spec.output),
                )
            });
        let info = flow_import::KindInfo {
            output_fields,
            record_fields,
            okta_outputs,
            scalar_output,
            connection: inputs.iter().any(|i| i.name == "connection"),
            required: inputs
                .iter()
                .filter(|i| i.required && i.name != "connection")
                .map(|i| i.name.clone())
                .collect(),
            booleans: inputs
                .iter()
                .filter(|i| i.is_boolean())
                .map(|i| i.name.clone())
                .collect(),
            objects: inputs
                .iter()
                .filter(|i| i.is_object())
                .map(|i| i.name.clone())
                .collect(),
            inputs: inputs.into_iter().map(|i| i.name).collect(),
        };
        kinds.add(
            spec.kind,
            info,
            &okta
                .get(spec.kind)
                .map(|names| names.iter().map(String::as_str).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
    }
    for c in flow_cards::connector::builtin() {
        let needed: Vec<String> = flow_cards::connector::settings::connection_hints(c)
            .into_iter()
            .map(|h| h.name)
            .collect();
        let settings = c
            .def
            .settings
            .iter()
            .filter(|(_, s)| s.default.is_none())
            .map(|(name, s)| flow_import::ConnectionSetting {
                name: name.clone(),
                doc: s.doc.clone(),
                secret: s.secret,
                needed: needed.contains(name),
            })
            .collect();
        kinds.add_connector(&c.def.connector, settings);
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::{described_fields, described_scalar};

    #[test]
    fn a_flat_output_description_names_its_fields() {
        assert_eq!(
            described_fields("{ transfer_id, transfer_status }"),
            ["transfer_id", "transfer_status"]
        );
        assert!(described_fields("{ succeeded, errors: [{ index }] }").is_empty());
        assert!(described_fields("list of { row_number, Columns }").is_empty());
        assert!(described_fields("the response").is_empty());
    }

    #[test]
    fn a_number_or_text_output_description_is_one_value() {
        assert!(described_scalar("number (the status)"));
        assert!(described_scalar("text"));
        assert!(!described_scalar(
            "date (ISO 8601, UTC), or text with format"
        ));
        assert!(!described_scalar("{ userId, productId }"));
        assert!(!described_scalar("list<{ userId }>"));
        assert!(!described_scalar("numbers of things"));
    }
}
