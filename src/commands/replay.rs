//! `flowctl replay ID`: runs a stored run's input again as a new run (Okta's "Run with test
//! data"), with `run`'s `--json` and `--dry-run`.

use crate::commands::run::{Exec, execute};
use crate::error::{CliError, CmdResult};
use crate::project;
use flow_runtime::{RunInput, TriggerRequest};
use flow_store::StoredInput;
use std::path::PathBuf;

/// Arguments of `flowctl replay`.
#[derive(clap::Args)]
pub struct Args {
    /// The execution id of the run whose input is used.
    pub id: String,
    /// Print the new run's record as JSON.
    #[arg(long)]
    pub json: bool,
    /// Rehearse every effect.
    #[arg(long)]
    pub dry_run: bool,
    /// Helper runs shown per step.
    #[arg(long, default_value_t = 20)]
    pub show_children: usize,
}

/// Runs the command.
pub fn run(config: Option<PathBuf>, args: Args) -> CmdResult {
    let (store, _) = crate::commands::history::open_store(config.as_ref())?;
    let (record, input) = match (store.get(&args.id), store.input(&args.id)) {
        (Ok(Some(r)), Ok(Some(i))) => (r, i),
        (Ok(Some(_)), Ok(None)) => {
            return Err(CliError::msg(format!(
                "run `{}` kept no input (its flow has `history: {{ save_data: false }}`)",
                args.id
            )));
        }
        (Ok(None), _) => {
            return Err(CliError::msg(format!(
                "no run `{}` in the history",
                args.id
            )));
        }
        (Err(e), _) | (_, Err(e)) => return Err(CliError::msg(e)),
    };
    let (project, index) = project::compile_for(config, &record.flow)?;
    let input = match input {
        StoredInput::Request {
            method,
            body,
            headers,
            query,
        } => RunInput::Request(TriggerRequest {
            method,
            body,
            headers,
            query,
        }),
        StoredInput::Inputs(v) => RunInput::Inputs(v),
    };
    eprintln!("replaying the input of {} as a new run", args.id);
    let exec = Exec {
        json: args.json,
        dry_run: args.dry_run,
        fakes: false,
        scenario: None,
        show_children: args.show_children,
    };
    execute(project, index, input, &exec, Some(store))
}
