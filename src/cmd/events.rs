//! `trailmask events`: one row per distinct role assumption, sorted by time then `eventID`.

use super::{Context, Needs, execute};
use crate::cli::EventsArgs;
use crate::event::{self, RoleAssumption};
use crate::exit::ExitCode;
use crate::export::{Cell, IndexedRows, Rows};
use std::io::{self, Write};

/// The columns of `trailmask events`, in order.
pub const COLUMNS: [&str; 28] = [
    "event_time",
    "event_name",
    "outcome",
    "error_code",
    "source_kind",
    "source",
    "source_subject",
    "source_account",
    "role_arn",
    "role_account",
    "session_name",
    "session_arn",
    "cross_account",
    "chain_depth",
    "chain_origin",
    "source_ip",
    "user_agent",
    "aws_region",
    "recipient_account",
    "caller_access_key",
    "issued_access_key",
    "source_identity",
    "mfa_authenticated",
    "event_id",
    "shared_event_id",
    "log_file",
    "chain_link",
    "parent_event_id",
];

/// Extra columns when `--accounts` names accounts.
pub const NAME_COLUMNS: [&str; 2] = ["source_account_name", "role_account_name"];

/// The events as rows.
pub struct EventRows<'a> {
    pub context: &'a Context<'a>,
}

impl EventRows<'_> {
    /// Fills `cells` (emptied first) with the row of `e`.
    fn cells<'e>(&self, e: &'e RoleAssumption, cells: &mut Vec<Cell<'e>>) {
        cells.clear();
        cells.extend([
            Cell::Time(e.event_time),
            Cell::Text(e.event_name.as_str()),
            Cell::Text(e.outcome.as_str()),
            Cell::Text(e.error_code()),
            Cell::Text(e.source_kind.as_str()),
            Cell::Text(e.source()),
            Cell::Text(e.source_subject()),
            Cell::Text(e.source_account()),
            Cell::Text(e.role_arn()),
            Cell::Text(e.role_account()),
            Cell::Text(e.session_name()),
            Cell::Text(e.session_arn()),
            Cell::MaybeBool(e.cross_account),
            Cell::MaybeCount(e.chain().depth.map(u64::from)),
            Cell::Text(&e.chain().origin),
            Cell::Text(e.source_ip()),
            Cell::Text(e.user_agent()),
            Cell::Text(e.aws_region()),
            Cell::Text(e.recipient_account()),
            Cell::Text(e.caller_access_key()),
            Cell::Text(e.issued_access_key()),
            Cell::Text(e.source_identity()),
            Cell::Text(e.mfa_authenticated()),
            Cell::Text(e.event_id()),
            Cell::Text(e.shared_event_id()),
            Cell::Text(&e.log_file),
            Cell::Text(e.chain().link.as_str()),
            Cell::Text(&e.chain().parent_event_id),
        ]);
        let names = &self.context.plan.accounts;
        if names.given {
            for account in [&e.source_account(), &e.role_account()] {
                cells.push(Cell::Owned(names.name(account).unwrap_or("").to_owned()));
            }
        }
    }
}

impl Rows for EventRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        let mut columns = COLUMNS.to_vec();
        if self.context.plan.accounts.given {
            columns.extend(NAME_COLUMNS);
        }
        columns
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        self.each_row_in(0..self.len(), emit)
    }
}

impl IndexedRows for EventRows<'_> {
    fn len(&self) -> usize {
        self.context.events.len()
    }

    fn each_row_in(
        &self,
        range: std::ops::Range<usize>,
        emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>,
    ) -> io::Result<()> {
        // One list of cells for every row: no allocation per row.
        let mut cells = Vec::with_capacity(COLUMNS.len() + NAME_COLUMNS.len());
        let events = &self.context.events;
        range.into_iter().try_for_each(|at| {
            event::prefetch_ahead(events, at);
            self.cells(events[at], &mut cells);
            emit(&cells)
        })
    }
}

/// Runs `trailmask events`.
pub fn run(args: &EventsArgs, stderr: &mut dyn Write) -> ExitCode {
    execute(&args.read, Needs::Chains, stderr, &|context, wtr| {
        let rows = EventRows { context };
        context.write_indexed_rows(&rows, args.format, args.raw, wtr)
    })
}
