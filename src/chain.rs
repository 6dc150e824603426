//! Linking sessions into chains: which event created the session that made each call.
//!
//! A call made by an assumed-role session names the session's access key
//! (`userIdentity.accessKeyId`) and its creation time
//! (`sessionContext.attributes.creationDate`). The event that created the session returned
//! that key (`responseElements.credentials.accessKeyId`) at that time. Key ids are reused over
//! time, so a key link also needs the times to agree within [`KEY_TOLERANCE_SECS`].
//!
//! When no key links (the first hop lies outside the logs read, or the record carries no key),
//! the session ARN and a time window stand in, and the link is marked inferred.
//!
//! Links are resolved after every file is read, over the deduplicated, time-sorted events, so
//! the order files arrive in does not matter. Depth and origin then follow the links:
//! a call by a non-session identity (and every console `SwitchRole`, which never chains) is
//! depth 1 with itself as origin; a linked call is its parent's depth plus one.

use crate::event::{ChainInfo, EventName, LinkKind, Outcome, RoleAssumption, SourceKind};
use chrono::{DateTime, TimeDelta, Utc};
use rayon::prelude::*;
use std::sync::Arc;

/// How far a session's `creationDate` may be from its issuing event's time.
pub const KEY_TOLERANCE_SECS: i64 = 60;
/// Without a `creationDate`, how long before the call its session may have been issued
/// (36 hours: the longest role session is 12 hours, federation tokens last up to 36).
pub const SESSION_WINDOW_SECS: i64 = 36 * 3600;

/// Events by a string key, sorted by the key's hash and then the key: a lookup is a binary
/// search that compares 64-bit hashes, and whole strings only on a match. (No hash table:
/// keys come from untrusted logs, and a sorted index has no worst case; a hash collision
/// costs one string comparison.)
struct SortedIndex<'a> {
    entries: Vec<(u64, &'a str, usize)>,
}

impl<'a> SortedIndex<'a> {
    /// Indexes each event of `events` by the key `key_of` finds in it (none or empty: not
    /// indexed).
    /// One parallel pass: the events are many and large, and reading them is most of the cost.
    fn new(
        events: &'a [Box<RoleAssumption>],
        key_of: impl Fn(&'a RoleAssumption) -> Option<&'a str> + Sync,
    ) -> Self {
        let mut entries: Vec<_> = events
            .par_iter()
            .enumerate()
            .filter_map(|(index, event)| {
                let key = key_of(event).filter(|key| !key.is_empty())?;
                Some((hash(key), key, index))
            })
            .collect();
        entries.par_sort_unstable();
        SortedIndex { entries }
    }

    /// The entries whose key is `key`, in index order (which is time order).
    fn get(&self, key: &str) -> &[(u64, &'a str, usize)] {
        let hashed = hash(key);
        let start = self
            .entries
            .partition_point(|&(h, k, _)| (h, k) < (hashed, key));
        let len = self.entries[start..].partition_point(|&(h, k, _)| (h, k) == (hashed, key));
        &self.entries[start..start + len]
    }
}

/// A fixed (unkeyed) 64-bit hash of `key`: the same in every run, so sorting by it is
/// deterministic. It only orders sorted indexes (never buckets a hash table), so a fast
/// non-cryptographic hash is safe even on keys chosen by whoever wrote the logs: colliding
/// keys cost a string comparison each, never a worst case.
pub(crate) fn hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one(key)
}

/// The events that issued sessions, indexed to find the one that issued a caller's session:
/// by the access key it returned, and by the session ARN it created.
pub(crate) struct Issuers<'a> {
    events: &'a [Box<RoleAssumption>],
    by_key: SortedIndex<'a>,
    by_session: SortedIndex<'a>,
}

/// What a call made with temporary credentials says of the session that made it.
pub(crate) struct CallerSession<'c> {
    pub kind: SourceKind,
    /// `userIdentity.accessKeyId`.
    pub access_key: &'c str,
    /// The session ARN (`userIdentity.arn`).
    pub session_arn: &'c str,
    /// `sessionContext.attributes.creationDate`.
    pub created: Option<DateTime<Utc>>,
    pub time: Option<DateTime<Utc>>,
}

impl<'a> Issuers<'a> {
    /// Indexes the successful role assumptions of `events` (sorted by time).
    pub(crate) fn new(events: &'a [Box<RoleAssumption>]) -> Self {
        let issued = |event: &RoleAssumption| {
            event.outcome == Outcome::Success && event.event_name.assumes_role()
        };
        Issuers {
            events,
            by_key: SortedIndex::new(events, |e| issued(e).then(|| e.issued_access_key())),
            by_session: SortedIndex::new(events, |e| issued(e).then(|| e.session_arn())),
        }
    }

    /// The event that issued `call`'s session, and how it was linked: the access key when the
    /// key and the creation time agree, else the session ARN within the session's lifetime.
    /// `itself` (the call's own index, when it is an event) never qualifies.
    pub(crate) fn find(
        &self,
        call: &CallerSession,
        itself: Option<usize>,
    ) -> Option<(usize, LinkKind)> {
        if !matches!(call.kind, SourceKind::AssumedRole | SourceKind::AwsAccount) {
            return None;
        }
        let key_link = (!call.access_key.is_empty())
            .then(|| best_issuer(self.events, self.by_key.get(call.access_key), call, itself))
            .flatten()
            .map(|parent| (parent, LinkKind::AccessKey));
        key_link.or_else(|| {
            (call.kind == SourceKind::AssumedRole)
                .then(|| {
                    best_issuer(
                        self.events,
                        self.by_session.get(call.session_arn),
                        call,
                        itself,
                    )
                })
                .flatten()
                .map(|parent| (parent, LinkKind::Inferred))
        })
    }
}

/// The chain steps: each event's parent, found among `events` (sorted by time).
fn find_parents(events: &[Box<RoleAssumption>]) -> Vec<Option<(usize, LinkKind)>> {
    let issuers = Issuers::new(events);
    events
        .par_iter()
        .enumerate()
        .map(|(index, event)| {
            if event.event_name == EventName::SwitchRole {
                return None;
            }
            let call = CallerSession {
                kind: event.source_kind,
                access_key: event.caller_access_key(),
                session_arn: event.source(),
                created: event.caller_session_created,
                time: event.event_time,
            };
            issuers.find(&call, Some(index))
        })
        .collect()
}

/// Of the `candidates` (entries of one key, in time order) that could have issued `call`'s
/// session, the one closest in time; ties go to the earliest.
///
/// Only candidates issued within the window around the session's creation (or the call) can
/// qualify, so two binary searches on time bound the ones examined: a session name reused
/// thousands of times costs a search, not a pass over all its uses.
fn best_issuer(
    events: &[Box<RoleAssumption>],
    candidates: &[(u64, &str, usize)],
    call: &CallerSession,
    itself: Option<usize>,
) -> Option<usize> {
    let call_time = call.time?;
    let distance = |issued: DateTime<Utc>| -> Option<i64> {
        match call.created {
            Some(created) => {
                let gap = (issued - created).num_seconds().abs();
                (gap <= KEY_TOLERANCE_SECS).then_some(gap)
            }
            None => {
                let age = (call_time - issued).num_seconds();
                (-KEY_TOLERANCE_SECS..=SESSION_WINDOW_SECS)
                    .contains(&age)
                    .then_some(age.abs())
            }
        }
    };
    // A second wider than the window on each side, for the whole seconds `distance` counts.
    let (target, before, after) = match call.created {
        Some(created) => (created, KEY_TOLERANCE_SECS + 1, KEY_TOLERANCE_SECS + 1),
        None => (call_time, SESSION_WINDOW_SECS + 1, KEY_TOLERANCE_SECS + 1),
    };
    let time = |&(_, _, c): &(u64, &str, usize)| events[c].event_time;
    let start = match target.checked_sub_signed(TimeDelta::seconds(before)) {
        Some(from) => candidates.partition_point(|entry| time(entry) < Some(from)),
        None => 0,
    };
    let end = match target.checked_add_signed(TimeDelta::seconds(after)) {
        Some(to) => candidates.partition_point(|entry| time(entry) <= Some(to)),
        None => candidates.len(),
    };
    candidates[start..end.max(start)]
        .iter()
        .map(|&(_, _, c)| c)
        .filter(|&c| Some(c) != itself)
        .filter_map(|c| Some((distance(events[c].event_time?)?, c)))
        .min()
        .map(|(_, c)| c)
}

/// A principal id of an IAM user (`AIDA…`): a first hop even when named only by account.
fn is_user_principal(principal_id: &str) -> bool {
    principal_id.starts_with("AIDA")
}

/// Fills [`RoleAssumption::chain`] for every event. `events` must be sorted by time.
pub fn link_chains(events: &mut [Box<RoleAssumption>]) {
    let parents = find_parents(events);
    // Every event of a chain shares its origin's one string. Events without a parent are
    // resolved first, in parallel: they start their chains (or their origin is unknown).
    let unknown: Arc<str> = Arc::from("");
    let mut resolved: Vec<Option<(Option<u32>, Arc<str>)>> = events
        .par_iter()
        .zip(&parents)
        .map(|(event, parent)| {
            parent
                .is_none()
                .then(|| root_chain(event).unwrap_or_else(|| (None, Arc::clone(&unknown))))
        })
        .collect();
    // Which events the current walk has passed (a flag each, not a search of the walk: a
    // chain whose times run backwards makes walks as long as the chain).
    let mut on_walk = vec![false; events.len()];
    let mut path = Vec::new();
    for start in 0..events.len() {
        // Walk up to a resolved event, then resolve the walked path top-down.
        path.clear();
        let mut at = start;
        let mut top = loop {
            if let Some(done) = &resolved[at] {
                break done.clone();
            }
            match parents[at] {
                Some((parent, _)) if !on_walk[at] => {
                    on_walk[at] = true;
                    path.push(at);
                    at = parent;
                }
                _ => break (None, Arc::clone(&unknown)), // a cycle among same-second events
            }
        };
        for &index in path.iter().rev() {
            top = (top.0.map(|d| d.saturating_add(1)), top.1);
            resolved[index] = Some(top.clone());
            on_walk[index] = false;
        }
    }
    let parent_ids: Vec<String> = parents
        .par_iter()
        .map(|parent| parent.map_or_else(String::new, |(p, _)| events[p].event_id().to_owned()))
        .collect();
    events
        .par_iter_mut()
        .zip(resolved)
        .zip(parents)
        .zip(parent_ids)
        .for_each(|(((event, resolved), parent), parent_id)| {
            let (depth, origin) = resolved.unwrap_or_else(|| (None, Arc::clone(&unknown)));
            event.chain = Some(Box::new(ChainInfo {
                depth,
                origin,
                parent_event_id: parent_id,
                parent: parent.map(|(p, _)| p),
                link: parent.map_or(LinkKind::None, |(_, kind)| kind),
            }));
        });
}

/// Depth and origin of an event with no parent found, when it is a first hop.
fn root_chain(event: &RoleAssumption) -> Option<(Option<u32>, Arc<str>)> {
    let first_hop = match event.source_kind {
        SourceKind::AssumedRole => event.event_name == EventName::SwitchRole,
        SourceKind::AwsAccount => is_user_principal(event.source_subject()),
        SourceKind::Unknown => false,
        _ => true,
    };
    if first_hop && !event.source().is_empty() {
        Some((Some(1), Arc::from(event.origin_label())))
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
