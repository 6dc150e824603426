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
use std::hash::BuildHasher;

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

/// What de-duplication reads of an event, taken by the worker that read it (while the event
/// is in its cache), so that deciding and ordering read these, side by side, instead of
/// fetching every event from memory again.
#[derive(Debug, Clone, Copy)]
pub struct DedupeKey {
    /// A hash of the event's [`Identity`]: equal identities, equal hashes.
    identity_hash: u64,
    rank: u8,
    time: Option<DateTime<Utc>>,
}

impl DedupeKey {
    pub fn of(event: &RoleAssumption) -> Self {
        let identity_hash = match identity(event) {
            Identity::Shared(key) | Identity::Event(key) => crate::chain::hash(key),
            // Records with neither ID (rare): the content that identifies them.
            Identity::Content(content) => {
                foldhash::fast::FixedState::with_seed(0).hash_one(&content)
            }
        };
        DedupeKey {
            identity_hash,
            rank: copy_rank(event),
            time: event.event_time,
        }
    }
}

/// Keeps one copy of each event of `per_file` (each file's events with their keys, files in
/// path order) and returns them sorted by time, then `eventID`, with the number of copies
/// dropped.
///
/// The decisions are made on the keys, and on references where keys tie; the kept events
/// (boxed where they were read, so a move is a pointer's) are then taken in output order.
pub fn dedupe(
    per_file: Vec<Vec<(DedupeKey, Box<RoleAssumption>)>>,
) -> (Vec<Box<RoleAssumption>>, usize) {
    let (keys, events): (Vec<DedupeKey>, Vec<Box<RoleAssumption>>) =
        per_file.into_iter().flatten().unzip();
    let order = kept_in_order(&keys, &events.iter().map(|e| &**e).collect::<Vec<_>>());
    let dropped = events.len() - order.len();
    let mut slots: Vec<Option<Box<RoleAssumption>>> = events.into_iter().map(Some).collect();
    let events = order
        .into_iter()
        .filter_map(|index| slots[index].take())
        .collect();
    (events, dropped)
}

/// The indexes of the copies kept, in output order.
fn kept_in_order(keys: &[DedupeKey], events: &[&RoleAssumption]) -> Vec<usize> {
    // Sort small keys, not the events themselves. Copies of one event only need to be
    // adjacent: sorting by a hash of the identity first compares 64-bit numbers; identities
    // are compared only where hashes tie.
    let same = |a: usize, b: usize| {
        keys[a].identity_hash == keys[b].identity_hash && identity(events[a]) == identity(events[b])
    };
    let mut keyed: Vec<usize> = (0..events.len()).collect();
    keyed.par_sort_unstable_by(|&a, &b| {
        let (key_a, key_b) = (&keys[a], &keys[b]);
        key_a
            .identity_hash
            .cmp(&key_b.identity_hash)
            .then_with(|| identity(events[a]).cmp(&identity(events[b])))
            .then(key_a.rank.cmp(&key_b.rank))
            .then_with(|| events[a].cmp(events[b]))
    });
    keyed.dedup_by(|later, kept| same(*later, *kept));
    let mut order: Vec<(Option<DateTime<Utc>>, usize)> = keyed
        .into_iter()
        .map(|index| (keys[index].time, index))
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
