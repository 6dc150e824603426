//! `trailmask services`: which AWS service principals assume which roles.

use super::{Context, Needs, execute};
use crate::cli::{ServicesArgs, TableFormat};
use crate::event::SourceKind;
use crate::exit::ExitCode;
use crate::export::{self, Cell, Rows};
use crate::timefmt;
use crate::timefmt::Seen;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// One service wearing one role.
#[derive(Debug, Default)]
struct ServiceUse<'a> {
    role_account: &'a str,
    count: u64,
    seen: Seen,
    sessions: BTreeSet<&'a str>,
}

/// Service → role rows, by service then role.
pub struct ServiceRows<'a> {
    uses: BTreeMap<(&'a str, &'a str), ServiceUse<'a>>,
    names: &'a crate::accounts::AccountNames,
}

impl<'a> ServiceRows<'a> {
    pub fn of(context: &'a Context<'a>) -> Self {
        let mut uses: BTreeMap<(&str, &str), ServiceUse> = BTreeMap::new();
        for event in &context.events {
            if event.source_kind != SourceKind::AwsService {
                continue;
            }
            let entry = uses.entry((event.source(), event.role_arn())).or_default();
            entry.role_account = event.role_account();
            entry.count += 1;
            entry.seen.add(event.event_time);
            if !event.session_name().is_empty() {
                entry.sessions.insert(event.session_name());
            }
        }
        ServiceRows {
            uses,
            names: &context.plan.accounts,
        }
    }
}

impl Rows for ServiceRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        let mut columns = vec![
            "service",
            "role_arn",
            "role_account",
            "count",
            "first_seen",
            "last_seen",
            "sessions",
        ];
        if self.names.given {
            columns.push("role_account_name");
        }
        columns
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for ((service, role), used) in &self.uses {
            let mut cells = vec![
                Cell::Text(service),
                Cell::Text(role),
                Cell::Text(used.role_account),
                Cell::Count(used.count),
                Cell::Owned(timefmt::format_opt(used.seen.first.as_ref())),
                Cell::Owned(timefmt::format_opt(used.seen.last.as_ref())),
                Cell::Count(used.sessions.len() as u64),
            ];
            if self.names.given {
                cells.push(Cell::Text(self.names.name(used.role_account).unwrap_or("")));
            }
            emit(&cells)?;
        }
        Ok(())
    }
}

/// Runs `trailmask services`.
pub fn run(args: &ServicesArgs, stderr: &mut dyn Write) -> ExitCode {
    execute(&args.read, Needs::TimeOrder, stderr, &|context, wtr| {
        let rows = ServiceRows::of(context);
        match args.format {
            TableFormat::Table => export::table::write(&rows, wtr),
            TableFormat::Csv => export::csv::write(&rows, false, wtr),
            TableFormat::Json => export::json::write_array(&rows, wtr),
        }
    })
}
