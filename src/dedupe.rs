//! Counting every role assumption once.
//!
//! CloudTrail delivers at least once, syncs overlap, and a cross-account call is delivered to
//! both accounts: the caller's copy names the caller fully, the role account's copy names it
//! only as `AWSAccount`. Both copies share a `sharedEventID` but have different `eventID`s.
//!
//! Identity of an event, first that applies: its `sharedEventID`; its `eventID`; for records
//! with neither, all that is read of it (so byte-identical records read twice count once, and
//! so do two that differ only in what no command reads, such as their `requestID`). Of the
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
    /// The event's time as [`second_key`] orders it.
    second: u64,
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
            second: second_key(event.event_time),
        }
    }
}

/// Keeps one copy of each event of `per_file` (each file's events with their keys, files in
/// path order) and returns them sorted by time, then `eventID` (or, without `by_time`, in
/// the order given), with the number of copies dropped. Which copy is kept never depends on
/// the order.
///
/// The decisions are made on the keys, and on the events only where keys tie; the kept events
/// (boxed where they were read, so a move is a pointer's) are then taken in output order.
pub fn dedupe(
    per_file: Vec<Vec<(DedupeKey, Box<RoleAssumption>)>>,
    by_time: bool,
) -> (Vec<Box<RoleAssumption>>, usize) {
    let total = per_file.iter().map(Vec::len).sum();
    let (mut keys, mut events) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for (key, event) in per_file.into_iter().flatten() {
        keys.push(key);
        events.push(event);
    }
    let order = kept_in_order(&keys, &events, by_time);
    let dropped = events.len() - order.len();
    if dropped == 0 && !by_time {
        // Every event kept, in the order given.
        return (events, 0);
    }
    let mut slots: Vec<Option<Box<RoleAssumption>>> = events.into_iter().map(Some).collect();
    let events = order
        .into_iter()
        .filter_map(|index| slots[index as usize].take())
        .collect();
    (events, dropped)
}

/// Takes the copies out of one file's `events`, keeping the others in their order, and
/// answers how many it took. Of each event it keeps the copy [`dedupe`] keeps of all it is
/// given, so taking copies out of a file first changes nothing of the merge's choice: the
/// copy preferred among all is the preferred one of its file. A file that repeats one event
/// is then held as that event while it is read.
pub fn drop_copies(events: &mut Vec<(DedupeKey, Box<RoleAssumption>)>) -> usize {
    let (keys, boxed): (Vec<DedupeKey>, Vec<Box<RoleAssumption>>) =
        std::mem::take(events).into_iter().unzip();
    let order = kept_in_order(&keys, &boxed, false);
    let dropped = keys.len() - order.len();
    let mut slots: Vec<Option<Box<RoleAssumption>>> = boxed.into_iter().map(Some).collect();
    *events = (order.into_iter())
        .filter_map(|index| Some((keys[index as usize], slots[index as usize].take()?)))
        .collect();
    dropped
}

/// The indexes of the copies kept, in output order (by time, or as given).
///
/// Small keys are sorted, not the events. Copies of one event share an identity hash, so
/// only events whose hashes may repeat (see [`maybe_repeated`]) are sorted by hash, and
/// identities are compared only within runs of equal hashes. With `by_time`, the kept copies
/// are then sorted by the second of their time, and events compared only within runs of one
/// second. Indexes
/// are `u32`: an event takes hundreds of bytes, so memory runs out long before 2³² of them.
fn kept_in_order(keys: &[DedupeKey], events: &[Box<RoleAssumption>], by_time: bool) -> Vec<u32> {
    let event = |index: u32| &*events[index as usize];
    let mut keep = vec![true; keys.len()];
    let mut suspects = maybe_repeated(keys);
    suspects.sort_unstable();
    let mut copies = Vec::new();
    for run in suspects
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        // Copies of one event, or (rarely) events whose identities share a hash: of each
        // identity, the preferred copy is kept.
        copies.clear();
        copies.extend(run.iter().map(|&(_, index)| index));
        copies.sort_unstable_by(|&a, &b| {
            identity(event(a))
                .cmp(&identity(event(b)))
                .then(keys[a as usize].rank.cmp(&keys[b as usize].rank))
                .then_with(|| event(a).cmp(event(b)))
        });
        for pair in copies.windows(2) {
            if identity(event(pair[0])) == identity(event(pair[1])) {
                keep[pair[1] as usize] = false;
            }
        }
    }
    if !by_time {
        return (0..keys.len() as u32)
            .filter(|&index| keep[index as usize])
            .collect();
    }
    let mut kept: Vec<(u64, u32)> = (0..keys.len() as u32)
        .filter(|&index| keep[index as usize])
        .map(|index| (keys[index as usize].second, index))
        .collect();
    kept.par_sort_unstable();
    for run in kept.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_unstable_by(|&(_, a), &(_, b)| output_order(event(a), event(b)));
        }
    }
    kept.into_iter().map(|(_, index)| index).collect()
}

/// `(identity hash, index)` of every event whose hash may be another's: a counting pass
/// over about eight buckets per event, by the hash's top bits, leaves out the events alone in
/// their bucket (most of them: the hashes are spread evenly).
fn maybe_repeated(keys: &[DedupeKey]) -> Vec<(u64, u32)> {
    let bits = (8 * keys.len()).max(2).next_power_of_two().trailing_zeros();
    let bucket = |key: &DedupeKey| (key.identity_hash >> (64 - bits)) as usize;
    let mut counts = vec![0_u8; 1 << bits];
    for key in keys {
        let count = &mut counts[bucket(key)];
        *count = count.saturating_add(1);
    }
    keys.iter()
        .zip(0..)
        .filter(|(key, _)| counts[bucket(key)] > 1)
        .map(|(key, index)| (key.identity_hash, index))
        .collect()
}

/// A number that orders times by their second: unknown first, then by the second (the sign
/// bit flipped, so that times before 1970 come first).
fn second_key(time: Option<DateTime<Utc>>) -> u64 {
    time.map_or(0, |time| time.timestamp() as u64 ^ 1 << 63)
}

/// The order of every listing: event time (unknown first), then `eventID`, then everything.
pub fn output_order(a: &RoleAssumption, b: &RoleAssumption) -> Ordering {
    (a.event_time, a.event_id())
        .cmp(&(b.event_time, b.event_id()))
        .then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Texts;

    fn event(event_id: &str, shared: &str, kind: SourceKind, second: i64) -> RoleAssumption {
        RoleAssumption {
            event_time: DateTime::from_timestamp(second, 0),
            source_kind: kind,
            ..RoleAssumption::with_texts(&Texts {
                event_id,
                shared_event_id: shared,
                ..Texts::default()
            })
        }
    }

    /// The event ids `dedupe` keeps, in order, when every identity hash is `hash(id)`.
    fn kept_ids(events: Vec<RoleAssumption>, hash: impl Fn(&RoleAssumption) -> u64) -> Vec<String> {
        let keyed = events
            .into_iter()
            .map(|event| {
                let key = DedupeKey {
                    identity_hash: hash(&event),
                    ..DedupeKey::of(&event)
                };
                (key, Box::new(event))
            })
            .collect();
        let (kept, _) = dedupe(vec![keyed], true);
        kept.iter().map(|e| e.event_id().to_owned()).collect()
    }

    fn sample() -> Vec<RoleAssumption> {
        vec![
            // The role account's copy first: the caller's copy is kept whatever the order.
            event("b-role-copy", "s1", SourceKind::AwsAccount, 20),
            event("b-caller-copy", "s1", SourceKind::IamUser, 20),
            event("c", "", SourceKind::IamUser, 10),
            event("c", "", SourceKind::IamUser, 10),
            event("a", "", SourceKind::IamUser, 20),
            event("d", "", SourceKind::IamUser, -5),
        ]
    }

    #[test]
    fn copies_count_once_and_the_rest_sort_by_time_then_id() {
        let expected = ["d", "c", "a", "b-caller-copy"];
        assert_eq!(
            kept_ids(sample(), |e| DedupeKey::of(e).identity_hash),
            expected
        );
        // Every hash equal (all events in one run) or crowded into one bucket: the same.
        assert_eq!(kept_ids(sample(), |_| 7), expected);
        assert_eq!(
            kept_ids(sample(), |e| DedupeKey::of(e).identity_hash >> 40),
            expected
        );
    }

    /// Copies taken out of each file first (as the reader does when a file's events grow:
    /// read::file) leave the merge the same events and the same count of copies, whichever
    /// file holds which copy.
    #[test]
    fn copies_taken_out_of_each_file_first_change_nothing() {
        let keyed = |events: Vec<RoleAssumption>| -> Vec<(DedupeKey, Box<RoleAssumption>)> {
            (events.into_iter())
                .map(|event| (DedupeKey::of(&event), Box::new(event)))
                .collect()
        };
        let whole = |files: Vec<Vec<RoleAssumption>>| {
            let (kept, dropped) = dedupe(files.into_iter().map(keyed).collect(), true);
            (kept, dropped)
        };
        let mut events = sample();
        events.extend(sample());
        let expected = whole(vec![events.clone()]);
        assert_eq!(expected.1, 8);
        for split in 0..=events.len() {
            let files = [events[..split].to_vec(), events[split..].to_vec()];
            let mut taken_out = 0;
            let firsts: Vec<Vec<(DedupeKey, Box<RoleAssumption>)>> = (files.into_iter())
                .map(|file| {
                    let mut file = keyed(file);
                    taken_out += drop_copies(&mut file);
                    file
                })
                .collect();
            let (kept, dropped) = dedupe(firsts, true);
            assert_eq!((kept, dropped + taken_out), expected, "split at {split}");
        }
    }
}
