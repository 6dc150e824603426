//! `trailmask passrole`: one row per role handed to a service (or refused), with who handed
//! it, through which instance profile, to which resource, and how often the service then wore
//! it. The rows come from [`crate::passrole`]; this module only lays them out.

use super::{Context, Needs, execute_for};
use crate::cli::PassroleArgs;
use crate::exit::ExitCode;
use crate::export::{Cell, Rows};
use crate::passrole::HandOver;
use crate::read::decode::Interest;
use std::io::{self, Write};

/// The hand-overs kept, in time order.
pub struct PassroleRows<'a> {
    hand_overs: &'a [&'a HandOver],
}

impl<'a> PassroleRows<'a> {
    pub fn of(context: &'a Context<'a>) -> Self {
        PassroleRows {
            hand_overs: &context.hand_overs,
        }
    }
}

impl Rows for PassroleRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        vec![
            "event_time",
            "event_source",
            "event_name",
            "outcome",
            "error_code",
            "passer_kind",
            "passer",
            "passer_origin",
            "role_arn",
            "role_from",
            "via",
            "service",
            "resource",
            "worn",
            "event_id",
            "log_file",
        ]
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for hand_over in self.hand_overs {
            emit(&[
                Cell::Time(hand_over.event_time),
                Cell::Text(&hand_over.event_source),
                Cell::Text(&hand_over.event_name),
                Cell::Text(hand_over.outcome.as_str()),
                Cell::Text(&hand_over.error_code),
                Cell::Text(hand_over.passer_kind.as_str()),
                Cell::Text(&hand_over.passer),
                Cell::Text(&hand_over.passer_origin),
                Cell::Text(&hand_over.role_arn),
                Cell::Text(hand_over.role_from.as_str()),
                Cell::Text(&hand_over.via),
                Cell::Text(hand_over.service),
                Cell::List(hand_over.resources.iter().map(String::as_str).collect()),
                Cell::Count(hand_over.worn),
                Cell::Text(&hand_over.event_id),
                Cell::Text(&hand_over.log_file),
            ])?;
        }
        Ok(())
    }
}

/// Runs `trailmask passrole`.
pub fn run(args: &PassroleArgs, stderr: &mut dyn Write) -> ExitCode {
    execute_for(
        &args.read,
        Needs::Chains,
        Interest::HandOvers,
        stderr,
        &|context, wtr| {
            let rows = PassroleRows::of(context);
            context.write_rows(&rows, args.format, false, wtr)
        },
    )
}
