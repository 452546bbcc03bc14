//! `flowctl`: the command line. Parses arguments, runs one subcommand, renders diagnostics and
//! traces, and exits 0 (success), 1 (the flow or a test failed) or 2 (usage, configuration or
//! validation error).

mod commands;
mod error;
mod fakes;
mod project;
mod schema;
mod store;
mod trace;

use clap::{Parser, Subcommand};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::PathBuf;
use std::process::ExitCode;

/// A declarative flow engine for security and identity automation.
#[derive(Parser)]
#[command(name = "flowctl", version, about, propagate_version = true)]
struct Cli {
    /// The project file (default: ./flowctl.yaml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one flow on an input and show what every step did.
    Run(commands::run::Args),
    /// Check flow files and print every problem.
    Validate(commands::validate::Args),
    /// Print a flow's step graph.
    Graph(commands::graph::Args),
    /// List the cards with their inputs and outputs.
    Cards(commands::cards::Args),
    /// Print the JSON Schema of flow files (for editors).
    Schema(commands::schema::Args),
    /// Serve every api_endpoint flow over HTTP.
    Serve(commands::serve::Args),
    /// Run flow tests (*.test.yaml) offline.
    Test(commands::test::Args),
    /// Past runs: list, show, prune.
    History(commands::history::Args),
    /// Run a stored run's input again, as a new run ("run with test data").
    Replay(commands::replay::Args),
    /// Convert an Okta Workflows export (.folder, .flopack, .flow) into flow files.
    Import(commands::import::Args),
    /// The project's tables: list, show, import CSV, export CSV.
    Table(commands::table::Args),
}

/// How a command that did its work ended (errors are [`error::CliError`]s).
pub enum Exit {
    /// Everything worked (exit 0).
    Ok,
    /// The flow (or a test) failed (exit 1).
    Failed,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run::run(cli.config, args),
        Command::Validate(args) => commands::validate::run(cli.config, args),
        Command::Graph(args) => commands::graph::run(cli.config, args),
        Command::Cards(args) => commands::cards::run(args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Serve(args) => commands::serve::run(cli.config, args),
        Command::Test(args) => commands::test::run(cli.config, args),
        Command::History(args) => commands::history::run(cli.config, args),
        Command::Replay(args) => commands::replay::run(cli.config, args),
        Command::Import(args) => commands::import::run(args),
        Command::Table(args) => commands::table::run(cli.config, args),
    };
    // The one place errors are shown and the exit code is chosen.
    match result {
        Ok(Exit::Ok) => ExitCode::SUCCESS,
        Ok(Exit::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
