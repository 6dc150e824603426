//! Counting every role assumption once.
//!
//! CloudTrail delivers at least once, syncs overlap, and a cross-account call is delivered to
//! both accounts: the caller's copy names the caller fully, the role account's copy names it
//! only as `AWSAccount`. Both copies share a `sharedEventID` but have different `eventID`s.
//!
//! Identity of an event, first that applies: its `sharedEventID`; its `eventID`; for records
//! with neither, all of its content (so byte-identical records read twice count once). Of the
//! copies of one event the caller's is kept (any type but `AWSAccount`); remaining ties go to
//! the smallest copy in the model's total order (which ends with the log file's path), so the
//! choice never depends on the order files were read in.

use crate::event::{RoleAssumption, SourceKind};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Identity<'a> {
    Shared(&'a str),
    Event(&'a str),
    Content(Box<RoleAssumption>),
}

fn identity(event: &RoleAssumption) -> Identity<'_> {
    if !event.shared_event_id().is_empty() {
        Identity::Shared(event.shared_event_id())
    } else if !event.event_id().is_empty() {
        Identity::Event(event.event_id())
    } else {
        let mut content = event.clone();
        content.log_file = std::sync::Arc::from("");
        Identity::Content(Box::new(content))
    }
}

/// Lower is preferred: the caller-side copy over the role account's.
fn copy_rank(event: &RoleAssumption) -> u8 {
    u8::from(event.source_kind == SourceKind::AwsAccount)
}

/// Keeps one copy of each event of `per_file` (each file's events, files in path order) and
/// returns them sorted by time, then `eventID`, with the number of copies dropped.
///
/// The decisions are made on references; the kept events (boxed where they were read, so a
/// move is a pointer's) are then taken in output order.
pub fn dedupe(per_file: Vec<Vec<Box<RoleAssumption>>>) -> (Vec<Box<RoleAssumption>>, usize) {
    let events: Vec<Box<RoleAssumption>> = per_file.into_iter().flatten().collect();
    let order = kept_in_order(&events.iter().map(|e| &**e).collect::<Vec<_>>());
    let dropped = events.len() - order.len();
    let mut slots: Vec<Option<Box<RoleAssumption>>> = events.into_iter().map(Some).collect();
    let events = order
        .into_iter()
        .filter_map(|index| slots[index].take())
        .collect();
    (events, dropped)
}

/// The indexes of the copies kept, in output order.
fn kept_in_order(events: &[&RoleAssumption]) -> Vec<usize> {
    // Sort small keys, not the events themselves. Copies of one event only need to be
    // adjacent: sorting by a hash of the identity first compares 64-bit numbers, not strings.
    let mut keyed: Vec<(u64, Identity, u8, usize)> = events
        .par_iter()
        .enumerate()
        .map(|(index, e)| {
            let identity = identity(e);
            let hashed = match identity {
                Identity::Shared(key) | Identity::Event(key) => crate::chain::hash(key),
                Identity::Content(_) => 0,
            };
            (hashed, identity, copy_rank(e), index)
        })
        .collect();
    keyed.par_sort_unstable_by(|a, b| {
        (a.0, &a.1, a.2)
            .cmp(&(b.0, &b.1, b.2))
            .then_with(|| events[a.3].cmp(events[b.3]))
    });
    keyed.dedup_by(|later, kept| later.1 == kept.1);
    // Each kept event's time is one read from memory per event: on all cores.
    let mut order: Vec<(Option<DateTime<Utc>>, usize)> = keyed
        .into_par_iter()
        .map(|(_, _, _, index)| (events[index].event_time, index))
        .collect();
    order.par_sort_unstable_by(|&(time_a, a), &(time_b, b)| {
        time_a
            .cmp(&time_b)
            .then_with(|| output_order(events[a], events[b]))
    });
    order.into_iter().map(|(_, index)| index).collect()
}

/// The order of every listing: event time (unknown first), then `eventID`, then everything.
pub fn output_order(a: &RoleAssumption, b: &RoleAssumption) -> Ordering {
    (a.event_time, a.event_id())
        .cmp(&(b.event_time, b.event_id()))
        .then_with(|| a.cmp(b))
}
