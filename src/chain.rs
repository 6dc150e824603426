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
//! depth 1 with its caller as origin; a linked call is its parent's depth plus one.

use crate::event::{ChainInfo, EventName, LinkKind, Outcome, RoleAssumption, SourceKind};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// How a chain whose first hop is not in the logs read begins, before the caller of its
/// earliest hop read (or the role that caller wore): `chains`, and `activity`'s origin of its
/// sessions.
pub const UNREAD_START: &str = "[... hops not read ...] -> ";

/// Who a chain whose first hop is not in the logs read starts from (`root`, its earliest hop
/// read): the role its caller wore, else its caller as CloudTrail names it.
pub fn unread_caller(root: &RoleAssumption) -> std::borrow::Cow<'_, str> {
    match root.caller_role_arn() {
        "" => std::borrow::Cow::Owned(root.origin_label()),
        role => std::borrow::Cow::Borrowed(role),
    }
}

/// What such a chain starts with when the caller of its earliest hop read is not named at all.
pub const UNKNOWN_CALLER: &str = "(unknown caller)";

/// The start of such a chain, as `chains` writes it: [`UNREAD_START`], then [`unread_caller`]
/// ([`UNKNOWN_CALLER`] when it names none).
pub fn unread_start(root: &RoleAssumption) -> String {
    match unread_caller(root) {
        caller if caller.is_empty() => UNKNOWN_CALLER.to_owned(),
        caller => format!("{UNREAD_START}{caller}"),
    }
}

/// The principal id another account's copy of a hop names its caller by, when that caller is
/// a role session (`AWSAccount`, `AROA…:name`); `None` for every other caller.
pub(crate) fn caller_session_id(event: &RoleAssumption) -> Option<&str> {
    (event.source_kind == SourceKind::AwsAccount && is_session_id(event.source_subject()))
        .then(|| event.source_subject())
}

/// The role each role id (`AROA…`) is, as the first hop (in time order) that names it says:
/// one that issued a session of it (the principal id it returned is the role's id and the
/// session's name), or one made by a session of it (its caller's `sessionIssuer` gives the
/// role's id and ARN).
pub(crate) fn role_ids(events: &[Box<RoleAssumption>]) -> HashMap<&str, &str> {
    let mut roles = HashMap::new();
    for event in events {
        if let Some((role_id, _session)) = session_id_parts(event.session_principal())
            && event.outcome == Outcome::Success
            && !event.role_arn().is_empty()
        {
            roles.entry(role_id).or_insert(event.role_arn());
        }
        if !event.caller_role_id().is_empty() && !event.caller_role_arn().is_empty() {
            roles
                .entry(event.caller_role_id())
                .or_insert(event.caller_role_arn());
        }
    }
    roles
}

/// Names the role another account's copy of a session's hop was made from (`AWSAccount`,
/// `AROA…:name`, which names no ARN) where a hop read names that role id ([`role_ids`]): its
/// `caller_role_arn`, as a session's own hop has it. A chain begun before the logs read then
/// starts from that role in `chains` (and a return to it counts), as `findings` names it.
pub fn name_copies_roles(events: &mut [Box<RoleAssumption>]) {
    fn unnamed(event: &RoleAssumption) -> Option<&str> {
        caller_session_id(event).filter(|_| event.caller_role_arn().is_empty())
    }
    if !events.iter().any(|event| unnamed(event).is_some()) {
        return;
    }
    let named: Vec<(usize, String)> = {
        let roles = role_ids(events);
        (events.iter().enumerate())
            .filter_map(|(at, event)| {
                let (role_id, _session) = session_id_parts(unnamed(event)?)?;
                let role = *roles.get(role_id)?;
                // A role of another account than the copy names is not its (role ids are
                // unique, but a record may pair an id with the wrong ARN).
                let account = crate::arn::account_of(role);
                if account.is_some_and(|account| account != event.source_account()) {
                    return None;
                }
                Some((at, role.to_owned()))
            })
            .collect()
    };
    for (at, role) in named {
        let mut texts = events[at].texts();
        texts.caller_role_arn = &role;
        events[at].text = crate::event::TextFields::new(&texts);
    }
}

/// How far a session's `creationDate` may be from its issuing event's time.
pub const KEY_TOLERANCE_SECS: i64 = 60;
/// Without a `creationDate`, how long before the call its session may have been issued
/// (36 hours: the longest role session is 12 hours, federation tokens last up to 36); the
/// hop found must also have given a session that still lasted at the call
/// ([`RoleAssumption::session_lasts_seconds`]).
pub const SESSION_WINDOW_SECS: i64 = 36 * 3600;

/// Events by a key (a string, or a pair of them), sorted by the key's hash, then the key, then
/// the event's index (its place in time): a lookup is a binary search that compares 64-bit
/// hashes, and whole strings only on a match. (No hash table: keys come from untrusted logs,
/// and a sorted index has no worst case; a hash collision costs one string comparison.)
struct SortedIndex<K> {
    entries: Vec<Entry<K>>,
}

/// One event in a [`SortedIndex`]: its key's hash, the key, the event's index, and the longest
/// session ([`RoleAssumption::session_lasts_seconds`]) given by it and the entries before it
/// of the same key issued in the same second. That last only grows along such a run, so a
/// binary search finds the first of equally near hops whose session still lasted at a call.
type Entry<K> = (u64, K, usize, i64);

impl<K: Copy + Ord + std::hash::Hash + Send + Sync> SortedIndex<K> {
    /// Indexes each event of `events` by the key `key_of` finds in it (none: not indexed).
    /// One parallel pass: the events are many and large, and reading them is most of the cost.
    fn new<'a>(
        events: &'a [Box<RoleAssumption>],
        key_of: impl Fn(&'a RoleAssumption) -> Option<K> + Sync,
    ) -> Self {
        let mut entries: Vec<_> = events
            .par_iter()
            .enumerate()
            .filter_map(|(index, event)| {
                let key = key_of(event)?;
                Some((hash(&key), key, index, event.session_lasts_seconds()))
            })
            .collect();
        // Indexes are distinct: the order is (hash, key, index), the last field never decides.
        entries.par_sort_unstable();
        let second = |index: usize| events[index].event_time.map(|time| time.timestamp());
        for at in 1..entries.len() {
            let ((hash, key, index, _), (run_hash, run_key, run_index, run_longest)) =
                (entries[at], entries[at - 1]);
            if (hash, key) == (run_hash, run_key) && second(index) == second(run_index) {
                entries[at].3 = entries[at].3.max(run_longest);
            }
        }
        SortedIndex { entries }
    }

    /// The entries whose key is `key`, in index order (which is time order).
    fn get(&self, key: K) -> &[Entry<K>] {
        let hashed = hash(&key);
        let start = self
            .entries
            .partition_point(|&(h, k, ..)| (h, k) < (hashed, key));
        let len = self.entries[start..].partition_point(|&(h, k, ..)| (h, k) == (hashed, key));
        &self.entries[start..start + len]
    }
}

/// A fixed (unkeyed) 64-bit hash of `key`: the same in every run, so sorting by it is
/// deterministic. It only orders sorted indexes (never buckets a hash table), so a fast
/// non-cryptographic hash is safe even on keys chosen by whoever wrote the logs: colliding
/// keys cost a string comparison each, never a worst case.
pub(crate) fn hash<K: std::hash::Hash + ?Sized>(key: &K) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one(key)
}

/// The events that issued sessions, indexed to find the one that issued a caller's session:
/// by the access key it returned, and by the session ARN it created.
///
/// A key link needs the session to agree as well: where the hop names the session it created,
/// the caller's session ARN must be that one (documentation samples, and crafted trails, give
/// one key to several sessions created in the same second).
pub(crate) struct Issuers<'a> {
    events: &'a [Box<RoleAssumption>],
    /// Every issuing hop by the key it returned.
    by_key: SortedIndex<&'a str>,
    /// The hops that name their session, by key and session ARN; those that do not, by key.
    by_key_and_session: SortedIndex<(&'a str, &'a str)>,
    by_key_unnamed: SortedIndex<&'a str>,
    by_session: SortedIndex<&'a str>,
    /// The hops whose response gave no key, by session ARN: the only ones a caller whose key
    /// is known can be linked to by its session's name.
    by_session_keyless: SortedIndex<&'a str>,
    /// Every issuing hop by the principal id of the session it created (`AROA…:name`): how
    /// another account's copy of a session's call names the session.
    by_principal: SortedIndex<&'a str>,
}

/// The successful `AssumeRoot` hops, indexed to find the one that issued a root session
/// (`userIdentity` `Root` with a key): apart from [`Issuers`], since only `activity` asks.
pub(crate) struct RootIssuers<'a> {
    events: &'a [Box<RoleAssumption>],
    /// By the key each returned and the account whose root it put on.
    by_key: SortedIndex<(&'a str, &'a str)>,
}

impl<'a> RootIssuers<'a> {
    pub(crate) fn new(events: &'a [Box<RoleAssumption>]) -> Self {
        RootIssuers {
            events,
            by_key: SortedIndex::new(events, |e| {
                let key = e.issued_access_key();
                let issued = e.outcome == Outcome::Success
                    && e.event_name == EventName::AssumeRoot
                    && !key.is_empty();
                Some((key, crate::arn::account_of(e.role_arn())?)).filter(|_| issued)
            }),
        }
    }

    /// The hop that issued a root session (`call.session_arn` is the account's root): the
    /// one that returned its access key, for that account, within a minute of the session's
    /// creation time. By key and creation time only: every root session of an account has
    /// the one ARN, the root user's own sign-ins call with keys no hop issued, and a call
    /// without its session's creation time could be hours past the 15 minutes.
    pub(crate) fn find(&self, call: &CallerSession) -> Option<usize> {
        let account = crate::arn::account_of(call.session_arn)?;
        if call.access_key.is_empty() || call.created.is_none() {
            return None;
        }
        let candidates = self.by_key.get((call.access_key, account));
        best_issuer(self.events, candidates, call, None).map(|(_, hop)| hop)
    }
}

/// What a call made with temporary credentials says of the session that made it.
pub(crate) struct CallerSession<'c> {
    pub kind: SourceKind,
    /// `userIdentity.accessKeyId`.
    pub access_key: &'c str,
    /// The session ARN (`userIdentity.arn`).
    pub session_arn: &'c str,
    /// Another account's copy (`AWSAccount`): the `principalId` it names the caller by; a role
    /// session's is `AROA…:name`, the id of the role, then the session's name.
    pub principal: &'c str,
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
        let key = |event: &'a RoleAssumption| {
            Some(event.issued_access_key()).filter(|key| issued(event) && !key.is_empty())
        };
        Issuers {
            events,
            by_key: SortedIndex::new(events, key),
            by_key_and_session: SortedIndex::new(events, |e| {
                Some((key(e)?, e.session_arn())).filter(|(_, session)| !session.is_empty())
            }),
            by_key_unnamed: SortedIndex::new(events, |e| {
                key(e).filter(|_| e.session_arn().is_empty())
            }),
            by_session: SortedIndex::new(events, |e| {
                Some(e.session_arn()).filter(|session| issued(e) && !session.is_empty())
            }),
            by_session_keyless: SortedIndex::new(events, |e| {
                Some(e.session_arn()).filter(|session| {
                    issued(e) && !session.is_empty() && e.issued_access_key().is_empty()
                })
            }),
            by_principal: SortedIndex::new(events, |e| {
                Some(e.session_principal())
                    .filter(|principal| issued(e) && is_session_id(principal))
            }),
        }
    }

    /// The event that issued `call`'s session, and how it was linked: the access key when the
    /// key and the creation time agree, else the session ARN within the session's lifetime
    /// (for another account's copy, which names no ARN: the session's principal id, as the
    /// hop that issued it returned it, within its lifetime).
    /// `itself` (the call's own index, when it is an event) never qualifies.
    pub(crate) fn find(
        &self,
        call: &CallerSession,
        itself: Option<usize>,
    ) -> Option<(usize, LinkKind)> {
        if !matches!(call.kind, SourceKind::AssumedRole | SourceKind::AwsAccount) {
            return None;
        }
        let best = |candidates: &[Entry<_>]| best_issuer(self.events, candidates, call, itself);
        let named = call.kind == SourceKind::AssumedRole && !call.session_arn.is_empty();
        let key_link = if call.access_key.is_empty() {
            None
        } else if named {
            let key = call.access_key;
            let same_session = self.by_key_and_session.get((key, call.session_arn));
            let same_session = best_issuer(self.events, same_session, call, itself);
            nearer(same_session, best(self.by_key_unnamed.get(key)))
        } else {
            best(self.by_key.get(call.access_key))
        };
        // By the session's name: a caller whose key is known only to a hop that gave no key
        // (a hop that gave another key issued another session of that name; one that gave
        // this key was the key link's to find).
        let by_session = if call.access_key.is_empty() {
            &self.by_session
        } else {
            &self.by_session_keyless
        };
        let link = key_link
            .map(|best| (best, LinkKind::AccessKey))
            .or_else(|| {
                let named_by = match call.kind {
                    SourceKind::AssumedRole => by_session.get(call.session_arn),
                    _ if is_session_id(call.principal) => self.by_principal.get(call.principal),
                    _ => return None,
                };
                best(named_by).map(|best| (best, LinkKind::Inferred))
            });
        link.map(|((_, parent), kind)| (parent, kind))
    }
}

/// Whether `principal` is a role session's principal id, `AROA…:name` (a user's, `AIDA…`, or
/// an account's, names no session).
pub(crate) fn is_session_id(principal: &str) -> bool {
    session_id_parts(principal).is_some()
}

/// A role session's principal id, `AROA…:name`, as its role's id and the session's name;
/// `None` for any other principal id (a user's, `AIDA…`, an account's, or text of no id).
pub(crate) fn session_id_parts(principal: &str) -> Option<(&str, &str)> {
    principal
        .split_once(':')
        .filter(|(role_id, _)| role_id.starts_with("AROA"))
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
                principal: caller_session_id(event).unwrap_or(""),
                created: event.caller_session_created,
                time: event.event_time,
            };
            issuers.find(&call, Some(index))
        })
        .collect()
}

/// Of the `candidates` (entries of one key, in time order) that could have issued `call`'s
/// session, the one closest in time, with its distance in whole seconds; ties go to the
/// earliest. `itself` (the call's own index, when it is an event) never qualifies.
///
/// The candidates a session could come from are those issued within [`KEY_TOLERANCE_SECS`]
/// of its creation, or when that is not written, from [`SESSION_WINDOW_SECS`] before its
/// call to [`KEY_TOLERANCE_SECS`] after. The closest lie on either side of that time, so a
/// few binary searches find the best: a session name or a key reused thousands of times, even
/// within one second, costs a search, not a pass over all its uses.
///
/// Without a creation time, the closest hop before the call must also have given a session
/// that lasted until the call (its `durationSeconds`, else STS's default; with
/// [`KEY_TOLERANCE_SECS`] to spare), or the call is not linked: a red-team's (session 37), a
/// copy of a call made 33 hours after a 15-minute session was that session's, and a job run
/// each night under one session name became one chain of a week. An earlier, longer hop of the
/// same name is not looked for: a session gone is no proof of which one made the call, and an
/// origin left unknown is better than a wrong one.
fn best_issuer<K>(
    events: &[Box<RoleAssumption>],
    candidates: &[Entry<K>],
    call: &CallerSession,
    itself: Option<usize>,
) -> Option<Found> {
    let (target, earliest, latest) = match call.created {
        Some(created) => (created, -KEY_TOLERANCE_SECS, KEY_TOLERANCE_SECS),
        None => (call.time?, -SESSION_WINDOW_SECS, KEY_TOLERANCE_SECS),
    };
    let lasted = |distance: i64, lasts: i64| {
        call.created.is_some() || distance <= lasts + KEY_TOLERANCE_SECS
    };
    let closest = |candidates: &[Entry<K>]| {
        closest_issuer(events, candidates, target, earliest..=latest, lasted)
    };
    // The entries of one key are in index order: the call itself, when there, splits them.
    let (before, after) = match itself.and_then(|itself| {
        candidates
            .binary_search_by_key(&itself, |&(_, _, c, _)| c)
            .ok()
    }) {
        Some(at) => {
            let (first, second) = (closest(&candidates[..at]), closest(&candidates[at + 1..]));
            (nearer(first.0, second.0), nearer(first.1, second.1))
        }
        None => closest(candidates),
    };
    if call.created.is_some() {
        // The creation time and the hop's are one instant on two clocks.
        nearer(before, after)
    } else {
        // The call's own time: a session issued after it did not exist yet, unless none
        // before it did (the clocks of two services; a review's, session 39: bob's session
        // issued 15 seconds after alice's session's call was taken for hers).
        before.or(after)
    }
}

/// Of `candidates` (in time order), the ones issued closest to `target` at or before it and
/// after it whose offset from it (issue time less `target`, in whole clock seconds: the second each began) lies in
/// `offsets`, with their distances; ties go to the earliest. The closest issued at or before
/// `target` counts only when `lasted` (given its distance and how long its session lasts) says
/// its session still lasted then: the earliest of those as near that did (a session of 15
/// minutes and one of 12 hours issued in the same second, a call two hours later: the second).
fn closest_issuer<K>(
    events: &[Box<RoleAssumption>],
    candidates: &[Entry<K>],
    target: DateTime<Utc>,
    offsets: std::ops::RangeInclusive<i64>,
    lasted: impl Fn(i64, i64) -> bool,
) -> (Option<Found>, Option<Found>) {
    let time = |&(_, _, c, _): &Entry<K>| events[c].event_time;
    // Events without a time come first (`None` orders before any time) and never qualify.
    // In whole clock seconds: hops as near are one second's run of the index (times with
    // fractions of a second, as some exports write them, fall in the second they begin).
    let distance = |entry: &Entry<K>| {
        time(entry)
            .map(|issued| issued.timestamp() - target.timestamp())
            .filter(|offset| offsets.contains(offset))
            .map(i64::abs)
    };
    // Distances fall towards the target from before it (and at it), and rise after it.
    let after = candidates.partition_point(|entry| time(entry) <= Some(target));
    let later = candidates
        .get(after)
        .and_then(|entry| Some((distance(entry)?, entry.2)));
    let earlier = after.checked_sub(1).and_then(|last| {
        let nearest = distance(&candidates[last])?;
        // The earliest issued as near (whole seconds make earlier times as near) whose
        // session lasted: the longest of a second's run only grows along it.
        let first = candidates[..last].partition_point(|entry| distance(entry) != Some(nearest));
        let ties = &candidates[first..=last];
        let lasting = ties.partition_point(|&(.., longest)| !lasted(nearest, longest));
        // The ties are one second's run, whole or (after the call itself, at distance 0,
        // where every session lasted) its end; the hop found lasted itself.
        let (.., hop, _) = *ties.get(lasting)?;
        Some((nearest, hop)).filter(|_| lasted(nearest, events[hop].session_lasts_seconds()))
    });
    (earlier, later)
}

/// A hop found: its distance in whole seconds from the time looked for, and its index.
type Found = (i64, usize);

/// The nearer of two hops found (distance, then index: the earlier of two as near), if any.
fn nearer(a: Option<Found>, b: Option<Found>) -> Option<Found> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A principal id of an IAM user (`AIDA…`): a first hop even when named only by account.
fn is_user_principal(principal_id: &str) -> bool {
    principal_id.starts_with("AIDA")
}

/// Fills [`RoleAssumption::chain`] for every event. `events` must be sorted by time.
pub fn link_chains(events: &mut [Box<RoleAssumption>]) {
    let mut parents = find_parents(events);
    cut_loops(&mut parents);
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

/// Cuts every loop of parent links at its earliest hop, which is left without a parent.
///
/// A hop's issuer may be logged up to [`KEY_TOLERANCE_SECS`] after it, so crafted or
/// clock-skewed records can make a loop: hops each called with a key another of them issued.
/// A loop has no first hop; cut at its earliest (the least index: events are in time order),
/// it reads as a chain whose first hop is not in the logs, in time order, and every reader of
/// the links (`chains`, the filters, `findings`, `activity`) sees the same tree. One pass:
/// each event is walked once.
fn cut_loops(parents: &mut [Option<(usize, LinkKind)>]) {
    const UNSEEN: u8 = 0;
    const ON_WALK: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; parents.len()];
    let mut walk = Vec::new();
    for start in 0..parents.len() {
        // Up from `start` until a hop walked before; `met` is where the walk met itself.
        let mut at = start;
        let mut met = None;
        while state[at] == UNSEEN {
            state[at] = ON_WALK;
            walk.push(at);
            match parents[at] {
                Some((parent, _)) if state[parent] == ON_WALK => {
                    met = Some(parent);
                    break;
                }
                Some((parent, _)) => at = parent,
                None => break,
            }
        }
        if let Some(met) = met {
            let from = walk.iter().rposition(|&hop| hop == met).unwrap_or(0);
            if let Some(&earliest) = walk[from..].iter().min() {
                parents[earliest] = None;
            }
        }
        for &hop in &walk {
            state[hop] = DONE;
        }
        walk.clear();
    }
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
