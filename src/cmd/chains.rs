//! `trailmask chains`: each distinct chain path (origin → role → role …) with its depth, count,
//! and first and last seen; cross-account hops marked; longest first.
//!
//! A chain is read from each event whose depth is known, back through its parents to its
//! origin. Refused calls end no chain (they created no session) but are listed as paths too,
//! so a refused hop at the end of a chain shows.

use super::{Context, Needs, execute};
use crate::cli::{ChainsArgs, ChainsFormat};
use crate::event::RoleAssumption;
use crate::exit::ExitCode;
use crate::export::{self, Cell, Rows};
use crate::timefmt;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

/// One hop of a chain: the mask put on, and whether the hop crossed accounts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hop {
    pub target: String,
    pub cross_account: bool,
}

#[derive(Debug, Default)]
struct Seen {
    count: u64,
    first_seen: Option<DateTime<Utc>>,
    last_seen: Option<DateTime<Utc>>,
}

/// A chain: its origin and its hops.
type ChainKey = (Arc<str>, Vec<Hop>);

/// The distinct chains, longest first, then busiest, then by path.
pub struct ChainRows {
    chains: Vec<(ChainKey, Seen)>,
}

/// The hops from `event`'s origin to `event`, following parents among `all`.
fn path_of<'a>(event: &'a RoleAssumption, all: &'a [Box<RoleAssumption>]) -> Vec<Hop> {
    let mut hops = Vec::new();
    let mut at = Some(event);
    while let Some(step) = at {
        hops.push(Hop {
            target: step.target().to_owned(),
            cross_account: step.cross_account == Some(true),
        });
        at = step.chain().parent.and_then(|p| all.get(p)).map(|e| &**e);
        if hops.len() > all.len() {
            break;
        }
    }
    hops.reverse();
    hops
}

impl ChainRows {
    pub fn of(context: &Context, min_depth: u32) -> ChainRows {
        let mut chains: BTreeMap<ChainKey, Seen> = BTreeMap::new();
        for event in &context.events {
            let Some(depth) = event.chain().depth else {
                continue;
            };
            if depth < min_depth || event.target().is_empty() {
                continue;
            }
            let hops = path_of(event, &context.scan.events);
            let seen = chains
                .entry((event.chain().origin.clone(), hops))
                .or_default();
            seen.count += 1;
            if let Some(time) = event.event_time {
                seen.first_seen = Some(seen.first_seen.map_or(time, |t| t.min(time)));
                seen.last_seen = Some(seen.last_seen.map_or(time, |t| t.max(time)));
            }
        }
        let mut chains: Vec<_> = chains.into_iter().collect();
        chains.sort_by(|(a_key, a), (b_key, b)| {
            b_key
                .1
                .len()
                .cmp(&a_key.1.len())
                .then(b.count.cmp(&a.count))
                .then(a_key.cmp(b_key))
        });
        ChainRows { chains }
    }

    /// `origin -> role -> role`, with `=[cross-account]=>` for hops between accounts.
    pub fn render(origin: &str, hops: &[Hop]) -> String {
        let mut text = origin.to_owned();
        for hop in hops {
            text.push_str(if hop.cross_account {
                " =[cross-account]=> "
            } else {
                " -> "
            });
            text.push_str(&hop.target);
        }
        text
    }
}

impl Rows for ChainRows {
    fn columns(&self) -> Vec<&'static str> {
        vec![
            "depth",
            "count",
            "first_seen",
            "last_seen",
            "cross_account_hops",
            "origin",
            "chain",
        ]
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for ((origin, hops), seen) in &self.chains {
            emit(&[
                Cell::Count(hops.len() as u64),
                Cell::Count(seen.count),
                Cell::Owned(timefmt::format_opt(seen.first_seen.as_ref())),
                Cell::Owned(timefmt::format_opt(seen.last_seen.as_ref())),
                Cell::Count(hops.iter().filter(|h| h.cross_account).count() as u64),
                Cell::Text(origin),
                Cell::Owned(ChainRows::render(origin, hops)),
            ])?;
        }
        Ok(())
    }
}

/// Runs `trailmask chains`.
pub fn run(args: &ChainsArgs, stderr: &mut dyn Write) -> ExitCode {
    execute(&args.read, Needs::Chains, stderr, &|context, wtr| {
        let rows = ChainRows::of(context, args.min_depth);
        match args.format {
            ChainsFormat::Text => export::table::write(&rows, wtr),
            ChainsFormat::Csv => export::csv::write(&rows, false, wtr),
            ChainsFormat::Json => export::json::write_array(&rows, wtr),
        }
    })
}
