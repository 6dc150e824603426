//! `trailmask services`: which AWS service principals assume which roles, and who handed
//! them each role.
//!
//! The last column, `passers`, lists the identities that handed the role to the service
//! (`iam:PassRole`, read by [`crate::passrole`])
//! (distinct, sorted): a user or root by its ARN, a service by its principal, and a role
//! session by the role it wears (its `caller_role_arn`, so a role's sessions are one passer,
//! as they are one node of the graph; the session ARN when the role is unknown). Refused
//! hand-overs gave nothing and are left out (`trailmask passrole` lists them). A row of the
//! service's own hops lists every passer of that role to that service that the filters keep
//! with `--source` read as the service, and the focus aside (the row's service is what they
//! picked); a row only of hand-overs, those the filters and focus keep, and without a focus
//! those kept with `--source` read as the service too. A role handed to a service that no
//! session of it wore in the logs read is a row of its own, with a count of 0 and no times.
//! The column is there whether or not the logs hold hand-overs, so scripts read the same
//! columns from any trail.

use super::{Context, Needs, Shows};
use crate::arn;
use crate::cli::{ServicesArgs, TableFormat};
use crate::event::{Outcome, SourceKind};
use crate::exit::ExitCode;
use crate::export::{self, Cell, Rows};
use crate::passrole::HandOver;
use crate::read::decode::Interest;
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
    /// Who handed the role to the service ([`passer_of`]).
    passers: BTreeSet<&'a str>,
    /// Under a focus, the sessions that wore the role after the hand-overs it keeps.
    worn_sessions: u64,
}

/// Whether `hand_over` put a known role in the service's hands (it was not refused).
fn gave_a_role(hand_over: &HandOver) -> bool {
    hand_over.outcome == Outcome::Success && !hand_over.role_arn.is_empty()
}

/// The hand-overs that [`gave_a_role`] that the filters keep with `--source` read as the
/// service it was handed to.
fn handed_to_services<'a>(context: &'a Context) -> impl Iterator<Item = &'a HandOver> {
    let filters = &context.plan.filters;
    (context.scan.hand_overs.iter())
        .filter(|hand_over| gave_a_role(hand_over) && filters.keep_hand_over_to_service(hand_over))
}

/// Whether rows of roles handed to the services `--source` picks are output beside those of
/// the hand-overs kept by passer (without a focus: [`ServiceRows::of`]).
pub(super) fn handed_rows_kept(context: &Context) -> bool {
    !context.plan.focus.is_active() && handed_to_services(context).next().is_some()
}

impl ServiceUse<'_> {
    /// The row of a role `hand_over` gave a service, before any of its sessions is counted.
    fn handed(hand_over: &HandOver) -> ServiceUse<'_> {
        ServiceUse {
            role_account: arn::account_of(&hand_over.role_arn).unwrap_or(""),
            ..ServiceUse::default()
        }
    }
}

/// The passer a hand-over is listed under: a role session by the role it wears.
fn passer_of(hand_over: &HandOver) -> &str {
    if hand_over.passer_kind == SourceKind::AssumedRole && !hand_over.caller_role_arn.is_empty() {
        &hand_over.caller_role_arn
    } else {
        &hand_over.passer
    }
}

/// Service → role rows, by service then role.
pub struct ServiceRows<'a> {
    uses: BTreeMap<(&'a str, &'a str), ServiceUse<'a>>,
    names: &'a crate::accounts::AccountNames,
}

impl<'a> ServiceRows<'a> {
    pub fn of(context: &'a Context<'a>) -> Self {
        let handed = || context.hand_overs.iter().filter(|h| gave_a_role(h));
        let mut uses: BTreeMap<(&str, &str), ServiceUse> = BTreeMap::new();
        for event in &context.events {
            // A hop that names no role is in no edge, chain or graph (`summary` counts it):
            // not here either (a review's, session 42: a row with an empty role).
            if event.source_kind != SourceKind::AwsService || event.role_arn().is_empty() {
                continue;
            }
            let entry = uses.entry((event.source(), event.role_arn())).or_default();
            entry.role_account = event.role_account();
            entry.count += 1;
            entry.seen.add(event.event_time);
            // A refused hop made no session (a red-team's, session 36: it was counted).
            if event.outcome == Outcome::Success && !event.session_name().is_empty() {
                entry.sessions.insert(event.session_name());
            }
        }
        // Under a focus, a service's hops begin chains of their own, which the focus leaves
        // out: the wearing that followed each hand-over it keeps is counted instead, as
        // `passrole` counts it (`worn`: the service's later sessions for the resource handed
        // the role), without times (a red-team's, session 36: each such row said 0, never
        // worn; a review's: counting every hop of the service and role counted those of other
        // passers' hand-overs, and those before any).
        let focused = context.plan.focus.is_active();
        let mut worn: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for hand_over in handed() {
            let key = (hand_over.service, hand_over.role_arn.as_str());
            let entry = uses
                .entry(key)
                .or_insert_with(|| ServiceUse::handed(hand_over));
            entry.passers.insert(passer_of(hand_over));
            if focused {
                *worn.entry(key).or_default() += hand_over.worn;
            }
        }
        for (key, worn) in worn {
            if let Some(entry) = uses.get_mut(&key).filter(|entry| entry.count == 0) {
                entry.count = worn;
                entry.worn_sessions = worn;
            }
        }
        // A row the service's own hops made names everyone who handed it the role, however
        // the service was picked (`--source`, `--from`): the filters and focus above pick
        // hand-overs by their passer, and an incident responder's `--source
        // ec2.amazonaws.com` listed no passer at all (session 37). Without a focus, a role
        // handed to a service `--source` picks is its row even if no session wore it, as it
        // is without `--source` (`--source ecs-tasks.amazonaws.com` had left out the roles
        // handed to ECS and not yet worn).
        for hand_over in handed_to_services(context) {
            let key = (hand_over.service, hand_over.role_arn.as_str());
            let entry = if focused {
                uses.get_mut(&key)
                    .filter(|entry| entry.worn_sessions == 0 && entry.count > 0)
            } else {
                Some(
                    uses.entry(key)
                        .or_insert_with(|| ServiceUse::handed(hand_over)),
                )
            };
            if let Some(entry) = entry {
                entry.passers.insert(passer_of(hand_over));
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
        // The account's name beside its id: this is a table first (its default format).
        let mut columns = vec!["service", "role_arn", "role_account"];
        if self.names.given {
            columns.push("role_account_name");
        }
        columns.extend(["count", "first_seen", "last_seen", "sessions", "passers"]);
        columns
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for ((service, role), used) in &self.uses {
            let mut cells = vec![
                Cell::Text(service),
                Cell::Text(role),
                Cell::Text(used.role_account),
            ];
            if self.names.given {
                cells.push(Cell::Text(self.names.name(used.role_account).unwrap_or("")));
            }
            cells.extend([
                Cell::Count(used.count),
                Cell::Time(used.seen.first),
                Cell::Time(used.seen.last),
                Cell::Count(used.sessions.len() as u64 + used.worn_sessions),
                Cell::List(used.passers.iter().copied().collect()),
            ]);
            emit(&cells)?;
        }
        Ok(())
    }
}

/// Runs `trailmask services`.
pub fn run(args: &ServicesArgs, stderr: &mut dyn Write) -> ExitCode {
    let write = |context: &Context, wtr: &mut dyn Write| {
        let rows = ServiceRows::of(context);
        match args.format {
            TableFormat::Table => context.write_table(&rows, wtr),
            TableFormat::Csv => export::csv::write(&rows, false, wtr),
            TableFormat::Json => export::json::write_array(&rows, wtr),
        }
    };
    super::frame(
        &args.read,
        Needs::TimeOrder,
        Interest::HandOvers,
        Shows::ServiceRows,
        false,
        stderr,
        &write,
    )
}
