//! The import report: each flow, converted or not, and for each card not converted its Okta
//! name and why. Printed by the CLI as it is.

use crate::Problem;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What happened to one flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every card converted; the flow file is written.
    Converted,
    /// Some card did not convert; the flow is not written.
    NotConverted,
    /// Some card did not convert; written anyway (`--partial`) with `flow.fail` stand-ins.
    Partial,
}

/// One flow of the export.
#[derive(Debug, Clone)]
pub struct FlowReport {
    /// Its name in Okta.
    pub okta_name: String,
    /// Its flowctl name.
    pub name: String,
    /// The file written (relative to the output directory), if any.
    pub file: Option<String>,
    /// What happened.
    pub outcome: Outcome,
    /// The cards that did not convert.
    pub problems: Vec<Problem>,
    /// Its cards that do something (not Comment, Noop or hidden field cards).
    pub cards: usize,
}

/// The whole import.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file imported, as the user named it.
    pub source: String,
    /// The export's envelope version.
    pub version: String,
    /// Every flow, in the export's order.
    pub flows: Vec<FlowReport>,
    /// Connections written to `flowctl.yaml`: name and connector.
    pub connections: Vec<(String, String)>,
    /// The export's tables: the name each is declared under in `flowctl.yaml`, or why not.
    pub tables: Vec<String>,
}

impl Report {
    /// True when every flow converted fully.
    pub fn all_converted(&self) -> bool {
        self.flows.iter().all(|f| f.outcome == Outcome::Converted)
    }

    /// How many flows converted fully.
    pub fn converted(&self) -> usize {
        self.flows
            .iter()
            .filter(|f| f.outcome == Outcome::Converted)
            .count()
    }

    /// The Okta cards that block conversion by themselves (not only because they read a
    /// card that did not convert): address, card name, and how many flows each blocks, most
    /// blocking first.
    pub fn blocking(&self) -> Vec<(String, String, usize)> {
        let mut by: BTreeMap<&str, (&str, BTreeSet<&str>)> = BTreeMap::new();
        for f in &self.flows {
            for p in f
                .problems
                .iter()
                .filter(|p| !p.follows && !p.address.is_empty())
            {
                by.entry(p.address.as_str())
                    .or_insert((p.card.as_str(), BTreeSet::new()))
                    .1
                    .insert(f.name.as_str());
            }
        }
        let mut out: Vec<(String, String, usize)> = by
            .into_iter()
            .map(|(a, (card, flows))| (a.to_string(), card.to_string(), flows.len()))
            .collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// Cards of all flows, and how many of them converted.
    pub fn cards(&self) -> (usize, usize) {
        let total: usize = self.flows.iter().map(|f| f.cards).sum();
        let blocked = self
            .flows
            .iter()
            .flat_map(|f| &f.problems)
            .filter(|p| !p.address.is_empty())
            .count();
        (total, total.saturating_sub(blocked))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cards, converted_cards) = self.cards();
        writeln!(
            f,
            "import {} (Okta Workflows export {}): {} of {} flows converted ({converted_cards} of {cards} cards)",
            self.source,
            self.version,
            self.converted(),
            self.flows.len()
        )?;
        for flow in &self.flows {
            let (mark, what) = match flow.outcome {
                Outcome::Converted => ("ok", "converted"),
                Outcome::NotConverted => ("--", "not converted"),
                Outcome::Partial => ("~~", "not converted, written with stand-ins (--partial)"),
            };
            write!(
                f,
                "  {mark} \"{}\" -> {}: {what}",
                flow.okta_name, flow.name
            )?;
            match &flow.file {
                Some(file) => writeln!(f, " ({file})")?,
                None => writeln!(f)?,
            }
            for p in &flow.problems {
                if p.address.is_empty() {
                    writeln!(f, "       {}", p.reason)?;
                } else {
                    writeln!(
                        f,
                        "       card \"{}\" ({}): {}",
                        p.card, p.address, p.reason
                    )?;
                }
            }
        }
        let blocking = self.blocking();
        if !blocking.is_empty() {
            let b: Vec<String> = blocking
                .iter()
                .map(|(address, card, n)| {
                    format!(
                        "{card} ({address}) in {n} flow{}",
                        if *n == 1 { "" } else { "s" }
                    )
                })
                .collect();
            writeln!(f, "  cards that block the rest: {}", b.join(", "))?;
        }
        if !self.connections.is_empty() {
            let c: Vec<String> = self
                .connections
                .iter()
                .map(|(n, m)| format!("{n} ({m})"))
                .collect();
            writeln!(f, "  connections in flowctl.yaml: {}", c.join(", "))?;
        }
        if !self.tables.is_empty() {
            writeln!(f, "  tables in flowctl.yaml: {}", self.tables.join(", "))?;
        }
        Ok(())
    }
}
