//! `trailmask edges`: the role-level graph's hops (role assumptions) as a table for auditors.
//!
//! A graph's hand-over edges (`iam:PassRole`, [`crate::graph::EdgeKind::HandOver`]) are not
//! rows here: every column of this table speaks of role assumptions (their source IPs,
//! federation subjects, STS event names), and a reader who knows it as the table of who put on
//! which role would take a hand-over for one. They are in `trailmask passrole` (one row per
//! call), `trailmask services` (`passers`) and the graph (JSON: `"kind": "passrole"`), so
//! `edges` reads no hand-overs.

use super::{Needs, execute};
use crate::cli::EdgesArgs;
use crate::exit::ExitCode;
use crate::export::{Cell, Rows};
use crate::graph::{GraphOptions, MaskGraph};
use std::io::{self, Write};

/// The columns of `trailmask edges`.
pub const COLUMNS: [&str; 13] = [
    "source_kind",
    "source",
    "source_subject",
    "source_account",
    "role_arn",
    "role_account",
    "cross_account",
    "successes",
    "failures",
    "event_names",
    "first_seen",
    "last_seen",
    "source_ips",
];

/// The hops of a graph as rows (its hand-over edges left out).
pub struct EdgeRows<'a>(pub &'a MaskGraph<'a>);

impl Rows for EdgeRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        let mut columns = COLUMNS.to_vec();
        if self.0.accounts.given {
            columns.extend(crate::cmd::events::NAME_COLUMNS);
            // As the graph draws it: an end in an account not in the file.
            columns.push("external");
        }
        columns
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        let names = &self.0.accounts;
        let hops = self
            .0
            .edge_ends()
            .filter(|(_, _, edge)| !edge.is_hand_over());
        for (from, to, edge) in hops {
            let mut cells = vec![
                Cell::Text(from.kind.as_str()),
                Cell::Text(&from.name),
                Cell::List(edge.subjects.clone()),
                Cell::Text(&from.account),
                Cell::Text(&to.name),
                Cell::Text(&to.account),
                Cell::MaybeBool(edge.crossed()),
                Cell::Count(edge.successes),
                Cell::Count(edge.failures),
                Cell::List(edge.event_names.iter().map(|n| n.as_str()).collect()),
                Cell::Time(edge.seen.first),
                Cell::Time(edge.seen.last),
                Cell::List(edge.source_ips.clone()),
            ];
            if names.given {
                for account in [&from.account, &to.account] {
                    cells.push(Cell::Text(names.name(account).unwrap_or("")));
                }
                cells.push(Cell::MaybeBool(Some(edge.external)));
            }
            emit(&cells)?;
        }
        Ok(())
    }
}

/// Runs `trailmask edges`.
pub fn run(args: &EdgesArgs, stderr: &mut dyn Write) -> ExitCode {
    let options = GraphOptions::default();
    execute(&args.read, Needs::Fields, stderr, &|context, wtr| {
        let graph = MaskGraph::build(&context.events, &options, &context.plan.accounts);
        let rows = EdgeRows(&graph);
        let written = context.write_rows(&rows, args.format, args.raw, wtr);
        super::let_go(graph);
        written
    })
}
