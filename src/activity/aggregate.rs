//! Activity aggregated while it is read: per file, one [`SessionActivity`] per session and
//! one [`ActionCount`] per (session, action), folded into one aggregate per worker, then
//! merged ([`merge`]: in any order; of two copies of a call, the one of the first file by
//! path is kept; sessions sorted by key).
//!
//! What grows with the calls themselves is only what de-duplication needs until the merge
//! (each call's `eventID` and where it was counted: [`CallAggregate::marks`]) and, when asked
//! for, the timeline's rows. Lists that a hostile trail could grow without bound per session
//! (source addresses, recipient accounts) are capped ([`MAX_LISTED`], [`MAX_ACCOUNTS`]): the
//! smallest values are kept, so the result does not depend on the order calls are read in.

use super::network::{PlaceKind, address_number, place_of};
use super::{Call, PrincipalCopy};
use crate::arn;
use crate::chain::session_id_parts;
use crate::timefmt::Seen;
use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

mod stored;

pub(crate) use stored::{StoredCall, StoredPiece};

/// A session's calls of one action (event source, event name: shared text, a trail has few
/// distinct actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAction {
    pub source: Arc<str>,
    pub name: Arc<str>,
    pub count: ActionCount,
}

impl SessionAction {
    /// The same action (event source and name).
    fn is(&self, other: &SessionAction) -> bool {
        (Arc::ptr_eq(&self.source, &other.source) || self.source == other.source)
            && (Arc::ptr_eq(&self.name, &other.name) || self.name == other.name)
    }
}

/// The actions `more` counted into `known` (each action once in both). A session's actions
/// are few: compared pair by pair, unless a hostile trail gave it many (then sorted and
/// merged, so the cost stays `n log n`).
fn take_in_actions(known: &mut Vec<SessionAction>, more: Vec<SessionAction>) {
    if known.len().saturating_mul(more.len()) <= 1024 {
        for action in more {
            match known.iter_mut().find(|same| same.is(&action)) {
                Some(same) => same.count.add(&action.count),
                None => known.push(action),
            }
        }
        return;
    }
    known.extend(more);
    known.sort_unstable_by(|a, b| (&*a.source, &*a.name).cmp(&(&*b.source, &*b.name)));
    known.dedup_by(|later, kept| {
        let same = kept.is(later);
        if same {
            kept.count.add(&later.count);
        }
        same
    });
}

/// The most source networks kept per session, of each [`PlaceKind`] (private networks, the
/// others, and names such as `AWS Internal`): the smallest, by text.
pub const MAX_LISTED: usize = 32;

/// The most recipient accounts kept per session (the smallest, by text): enough for an
/// organization's (a backup or audit role's session may touch every member account), so
/// that `--account` finds a session by any account it called up to so many (past them, by
/// the smallest); a session's lists count in its file's memory budget.
pub const MAX_ACCOUNTS: usize = 1024;

/// Calls and refusals of one action (event source and name) in one session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionCount {
    pub calls: u64,
    pub failures: u64,
}

impl ActionCount {
    fn add(&mut self, more: &ActionCount) {
        self.calls += more.calls;
        self.failures += more.failures;
    }
}

/// One network a session called from ([`place_of`]: an IPv4 /24, an IPv6 /48, or a name such
/// as `AWS Internal` as written), with the smallest address seen in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressUse {
    pub place: Box<str>,
    pub address: Box<str>,
    /// Calls from the whole network.
    pub calls: u64,
    /// Those of them whose user agent names a Lambda execution environment
    /// ([`Call::in_lambda`]).
    pub lambda_calls: u64,
    /// The earliest call from it (time, then event id): the finding's proof.
    pub first: (Option<DateTime<Utc>>, Box<str>),
}

impl AddressUse {
    /// Takes in `calls` more calls (`lambda_calls` of them from Lambda) from `address` in
    /// this network, the earliest at `first`: the smallest address and the earliest call are
    /// kept (copied only when they replace).
    fn take_in(
        &mut self,
        (calls, lambda_calls): (u64, u64),
        address: &str,
        first: (Option<DateTime<Utc>>, &str),
    ) {
        self.calls += calls;
        self.lambda_calls += lambda_calls;
        if address != &*self.address && smaller_address(address, &self.address) {
            self.address = address.into();
        }
        if first < (self.first.0, &*self.first.1) {
            self.first = (first.0, first.1.into());
        }
    }
}

/// Whether `address` comes before `known` in a network: by number (`10.0.0.9` before
/// `10.0.0.10`; `::ffff:10.0.0.8`, in the IPv4 network as [`place_of`] puts it, before
/// both), then as written (one address written two ways, names).
fn smaller_address(address: &str, known: &str) -> bool {
    (address_number(address), address) < (address_number(known), known)
}

/// A session's creation time as its key holds it: one instant written two ways (`…20Z`,
/// `…20.000Z`, `…20+00:00`) is one session, not two that print alike. The form CloudTrail
/// writes (`2020-12-20T11:55:50Z`) is taken as it is, unparsed (the key is compared at every
/// call); another that reads as a time is written as [`crate::timefmt::format`] writes it (a
/// text that does not read as one is kept as written: it is no time's text).
pub(crate) fn created_key(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if text.is_empty() || (bytes.len() == 20 && bytes[10] == b'T' && bytes[19] == b'Z') {
        return Cow::Borrowed(text);
    }
    let Some(time) = crate::timefmt::parse(text) else {
        return Cow::Borrowed(text);
    };
    // (A time chrono writes in a form it does not read back, past the year 9999, keeps its
    // text: the key must read as the same time.)
    match crate::timefmt::format(&time) {
        written if written != text && crate::timefmt::parse(&written) == Some(time) => {
            Cow::Owned(written)
        }
        _ => Cow::Borrowed(text),
    }
}

/// What one session did, as far as the files merged so far tell.
///
/// A session known only from another account's copies of its calls ([`PrincipalCopy`]) is
/// one of its own (`by_principal`): its ARN is the copies' name for it
/// (`account#AROA…:name`), its access key empty, and its creation time unknown; the copies
/// are counted apart by the minute of their call (`created_text` holds it), since one
/// principal id names every session of its role given that name, and each minute is
/// attributed to the hop that issued the session then ([`fold_principal_copies`] joins the
/// minutes of one hop again).
#[derive(Debug, Clone)]
pub struct SessionActivity {
    pub session_arn: Box<str>,
    pub access_key: Box<str>,
    /// `creationDate` as the key holds it ([`created_key`]: empty when not said), and parsed;
    /// for a session known by its principal id, the minute of its calls, and `None`.
    pub created_text: Box<str>,
    pub created: Option<DateTime<Utc>>,
    /// Known only from another account's copies of its calls, by its principal id.
    pub by_principal: bool,
    /// The role that issued the session (`sessionIssuer.arn`), when a call named it.
    pub issuer_arn: Box<str>,
    pub calls: u64,
    pub failures: u64,
    pub write_calls: u64,
    pub seen: Seen,
    /// One per action called, in no particular order (every view sorts what it shows): a
    /// short list, where a map per session cost a fifth of the merge and ~80 MB of fresh pages
    /// at 1M records.
    pub actions: Vec<SessionAction>,
    /// One per network, sorted by network, at most [`MAX_LISTED`] networks: a session that
    /// calls from a thousand addresses of its own subnet keeps room for an address elsewhere.
    pub addresses: Vec<AddressUse>,
    /// Networks left out of [`SessionActivity::addresses`] by the cap.
    pub addresses_dropped: bool,
    /// Names (no network: `AWS Internal`) left out of [`SessionActivity::addresses`] by the
    /// cap: apart, since a finding reads [`SessionActivity::addresses_dropped`] as networks
    /// it did not see (a review's, session 39: 31 service names made a Lambda session's two
    /// networks "more than 32", and its finding high).
    pub names_dropped: bool,
    /// Where the last call's address is in [`SessionActivity::addresses`].
    last_address: Option<usize>,
    /// Recipient accounts, sorted, at most [`MAX_ACCOUNTS`].
    pub accounts: Vec<Box<str>>,
    /// Accounts left out of [`SessionActivity::accounts`] by the cap.
    pub accounts_dropped: bool,
    /// Copies of its calls taken out (de-duplication), counted in the session they were
    /// taken from: a root session no `AssumeRoot` hop issued takes its copies out of the
    /// count of copies dropped when it goes ([`crate::activity::attribute::keep_issued_root_sessions`]).
    pub copies: u64,
}

impl SessionActivity {
    /// A session of an account's root: its ARN `arn:…:iam::ACCOUNT:root` and no role named
    /// (`userIdentity.type` `Root`: an `AssumeRoot` session's, or the root user's own), or,
    /// as its issuer, that root ([`SessionActivity::marked_assumed_root`]). Calls typed
    /// `AssumedRole` that name a root ARN name their role too (`sessionIssuer`: AWS's own
    /// samples do), and stay role sessions.
    pub fn is_root(&self) -> bool {
        !self.by_principal
            && (self.issuer_arn.is_empty() || self.issuer_arn == self.session_arn)
            && crate::arn::Arn::parse(&self.session_arn)
                .is_some_and(|arn| arn.principal() == crate::arn::Principal::Root)
    }

    /// A root session that CloudTrail marks as an `AssumeRoot` session's
    /// (`sessionContext.assumedRoot` `"true"` in a call): kept, as a role session is, when the
    /// hop that issued it is not read.
    pub fn marked_assumed_root(&self) -> bool {
        self.is_root() && !self.issuer_arn.is_empty()
    }

    /// The session of `call`, whose key is `key` ([`SessionKey::of`]).
    fn new(call: &Call, key: &SessionKey) -> Self {
        SessionActivity {
            session_arn: (&*key.session).into(),
            access_key: call.access_key.into(),
            created_text: (&*key.created).into(),
            created: if key.by_principal {
                None
            } else {
                crate::timefmt::parse(&key.created)
            },
            by_principal: key.by_principal,
            issuer_arn: call.issuer_arn.into(),
            calls: 0,
            failures: 0,
            write_calls: 0,
            seen: Seen::default(),
            actions: Vec::new(),
            addresses: Vec::new(),
            addresses_dropped: false,
            names_dropped: false,
            last_address: None,
            accounts: Vec::new(),
            accounts_dropped: false,
            copies: 0,
        }
    }

    /// Whether `issuer` (a call's `sessionIssuer.arn`) is a better name for the session's role
    /// than the one kept. AWS names one issuer in every call of a session, but sample trails
    /// do not (Panther's rule tests give one session `role/tester` in 41 calls and two other
    /// roles in 6): the role the session's ARN names (same account and role name) comes first,
    /// then a spelling with a path (the role's whole name, as [`crate::canon`] prefers it),
    /// then the smallest by text, so that the choice is the same whatever order the calls and
    /// files are read in.
    fn prefers(&self, issuer: &str) -> bool {
        fn rank<'i>(session_arn: &str, issuer: &'i str) -> (bool, bool, &'i str) {
            let role = arn::role_name(issuer);
            let names_it = role.is_some()
                && role == arn::role_name(session_arn)
                && arn::account_of(issuer) == arn::account_of(session_arn);
            (!names_it, !crate::canon::has_path(issuer), issuer)
        }
        !issuer.is_empty()
            && issuer != &*self.issuer_arn
            && (self.issuer_arn.is_empty()
                || rank(&self.session_arn, issuer) < rank(&self.session_arn, &self.issuer_arn))
    }

    /// The key that tells sessions apart: ARN, access key and creation time
    /// ([`created_key`]), and whether it is known by its principal id (a name chosen in the
    /// logs could spell one).
    pub fn key(&self) -> (&str, &str, &str, bool) {
        (
            &self.session_arn,
            &self.access_key,
            &self.created_text,
            self.by_principal,
        )
    }

    /// The account and principal id (`AROA…:name`) of a session known by it.
    pub fn principal_copy(&self) -> Option<PrincipalCopy<'_>> {
        if !self.by_principal {
            return None;
        }
        let (account, principal) = self.session_arn.split_once('#')?;
        Some(PrincipalCopy { account, principal })
    }

    /// Counts `call`, `in_lambda` when its user agent names a Lambda execution environment
    /// ([`Call::in_lambda`], looked at once by the caller).
    fn add(&mut self, call: &Call, in_lambda: bool) {
        self.calls += 1;
        self.failures += u64::from(call.failed());
        self.write_calls += u64::from(call.writes());
        self.seen.add(call.time);
        if self.prefers(call.issuer_arn) {
            self.issuer_arn = call.issuer_arn.into();
        }
        // Most calls come from the address of the session's last call: found without
        // allocating or parsing.
        let listed = self.last_address.filter(|&at| {
            self.addresses
                .get(at)
                .is_some_and(|used| *used.address == *call.source_ip)
        });
        let at = match listed {
            Some(at) => Some(at),
            None => {
                let place = place_of(call.source_ip);
                match self
                    .addresses
                    .binary_search_by(|known| (*known.place).cmp(&place))
                {
                    Ok(at) => Some(at),
                    Err(_) => {
                        self.add_address(AddressUse {
                            place: place.into(),
                            address: call.source_ip.into(),
                            calls: 1,
                            lambda_calls: u64::from(in_lambda),
                            first: (call.time, call.event_id.into()),
                        });
                        None
                    }
                }
            }
        };
        if let Some(at) = at {
            let from_lambda = u64::from(in_lambda);
            self.addresses[at].take_in(
                (1, from_lambda),
                call.source_ip,
                (call.time, call.event_id),
            );
            self.last_address = Some(at);
        }
        self.add_account(call.recipient);
    }

    fn add_address(&mut self, used: AddressUse) {
        self.last_address = None;
        match self
            .addresses
            .binary_search_by(|known| (*known.place).cmp(&used.place))
        {
            Ok(at) => self.addresses[at].take_in(
                (used.calls, used.lambda_calls),
                &used.address,
                (used.first.0, &used.first.1),
            ),
            Err(at) => {
                // Each kind of place up to the cap ([`PlaceKind`]).
                let kind = PlaceKind::of(&used.address);
                let mut same_kind = self
                    .addresses
                    .iter()
                    .enumerate()
                    .filter(|(_, known)| PlaceKind::of(&known.address) == kind);
                if same_kind.clone().count() == MAX_LISTED {
                    if kind == PlaceKind::Name {
                        self.names_dropped = true;
                    } else {
                        self.addresses_dropped = true;
                    }
                    let Some((largest, _)) = same_kind.next_back() else {
                        return;
                    };
                    if at > largest {
                        return;
                    }
                    self.addresses.remove(largest);
                }
                self.addresses.insert(at, used);
            }
        }
    }

    fn add_account(&mut self, account: &str) {
        if account.is_empty() {
            return;
        }
        if let Err(at) = self
            .accounts
            .binary_search_by(|known| (**known).cmp(account))
        {
            if self.accounts.len() == MAX_ACCOUNTS {
                self.accounts_dropped = true;
                if at == MAX_ACCOUNTS {
                    return;
                }
                self.accounts.pop();
            }
            self.accounts.insert(at, account.into());
        }
    }

    /// Takes in another list of the session's accounts (sorted, each once): the two merged in
    /// one pass, the smallest [`MAX_ACCOUNTS`] kept (one at a time, two full lists cost a
    /// million moves).
    fn take_in_accounts(&mut self, more: Vec<Box<str>>) {
        if more.is_empty() {
            return;
        }
        let known = std::mem::take(&mut self.accounts);
        let mut merged = Vec::with_capacity((known.len() + more.len()).min(MAX_ACCOUNTS));
        let (mut known, mut more) = (known.into_iter().peekable(), more.into_iter().peekable());
        loop {
            let next = match (known.peek(), more.peek()) {
                (Some(a), Some(b)) if a == b => {
                    more.next();
                    known.next()
                }
                (Some(a), Some(b)) if a < b => known.next(),
                (Some(_), Some(_)) | (None, Some(_)) => more.next(),
                (Some(_), None) => known.next(),
                (None, None) => break,
            };
            let Some(account) = next else { break };
            if merged.len() == MAX_ACCOUNTS {
                self.accounts_dropped = true;
                break;
            }
            merged.push(account);
        }
        self.accounts = merged;
    }

    /// Takes in what another file said of the same session.
    fn merge(&mut self, other: SessionActivity) {
        self.calls += other.calls;
        self.failures += other.failures;
        self.write_calls += other.write_calls;
        self.seen.add_span(other.seen.first, other.seen.last);
        if self.prefers(&other.issuer_arn) {
            self.issuer_arn = other.issuer_arn;
        }
        take_in_actions(&mut self.actions, other.actions);
        self.addresses_dropped |= other.addresses_dropped;
        self.names_dropped |= other.names_dropped;
        for used in other.addresses {
            self.add_address(used);
        }
        self.accounts_dropped |= other.accounts_dropped;
        self.take_in_accounts(other.accounts);
        self.copies = self.copies.saturating_add(other.copies);
    }
}

/// Where one call was counted, for de-duplication: its identity (the `eventID`, or the
/// record's content when it has none) in [`CallAggregate::ids`], its session and action.
#[derive(Debug, Clone, Copy)]
pub struct CallMark {
    /// Where the identity starts in the ids (a worker may hold more than 4 GiB of them).
    id_start: u64,
    id_len: u32,
    /// The last `address_len` bytes of the identity are the call's source address (copies
    /// are the same record: same id, same address), for taking a copy out of its address.
    address_len: u32,
    /// The file it was read from, by index in [`CallAggregate::log_files`].
    file: u32,
    session: u32,
    action: u32,
    failed: bool,
    writes: bool,
    /// Its user agent names a Lambda execution environment ([`Call::in_lambda`]).
    lambda: bool,
}

impl CallMark {
    /// Its call's text in `ids`, the worker's: its identity ([`push_identity`]), `\0`, and
    /// its source address (the last `address_len` bytes).
    fn stored_in(self, ids: &str) -> &str {
        let start = self.id_start as usize;
        &ids[start..start + self.id_len as usize]
    }
}

/// What a session takes (its entry, the index's, and the first of its lists' and texts'
/// allocations) beside its texts, until the output is written: counted for the per-file
/// budget, as a call's [`CALL_MARK_BYTES`] are.
const SESSION_BYTES: usize = std::mem::size_of::<SessionActivity>() + 320;

/// What a network or an account new to a session takes beside its texts.
const LISTED_BYTES: usize = std::mem::size_of::<AddressUse>() + 64;

/// What an action's name takes beside its texts: its two shared texts and its index entry.
const NAME_BYTES: usize = 2 * 16 + std::mem::size_of::<(Arc<str>, Arc<str>)>() + 16;

/// What a (session, action) pair takes: its count while read, its index entry, and the
/// session's action it becomes at the merge.
const ACTION_BYTES: usize =
    std::mem::size_of::<FileAction>() + 24 + std::mem::size_of::<SessionAction>() + 16;

/// What each call holds in memory until the merge beside its id.
pub(crate) const CALL_MARK_BYTES: u64 = std::mem::size_of::<CallMark>() as u64;

/// What a timeline row holds in memory, its texts counted at 160 bytes.
pub(crate) const ROW_BYTES: u64 = std::mem::size_of::<CallRow>() as u64 + 160;

/// One (session, action) of a worker, counted; the action by index in
/// [`CallAggregate::names`].
#[derive(Debug)]
struct FileAction {
    session: u32,
    name: u32,
    count: ActionCount,
}

/// The index of (session, action name) pairs: integer keys, hashed fast (they are indexes,
/// not text from the logs).
type PairIndex = HashMap<(u32, u32), u32, foldhash::fast::FixedState>;

/// One row of the timeline (`activity --calls`), its session by index.
#[derive(Debug, Clone)]
pub struct CallRow {
    pub time: Option<DateTime<Utc>>,
    pub event_source: Box<str>,
    pub event_name: Box<str>,
    pub error_code: Box<str>,
    pub source_ip: Box<str>,
    pub user_agent: Box<str>,
    pub event_id: Box<str>,
    pub log_file: Arc<str>,
    /// Index of the session: in its file's list until the merge, then in the merged list.
    pub session: u32,
}

/// The key of the session a call was made in ([`SessionActivity::key`]).
struct SessionKey<'c> {
    /// The session's ARN, or for another account's copy `account#AROA…:name`.
    session: Cow<'c, str>,
    access_key: &'c str,
    /// The creation time ([`created_key`]), or for a copy the minute of the call.
    created: Cow<'c, str>,
    by_principal: bool,
}

impl<'c> SessionKey<'c> {
    fn of(call: &'c Call) -> Self {
        match call.copy_of {
            None => SessionKey {
                session: Cow::Borrowed(call.session_arn),
                access_key: call.access_key,
                created: created_key(call.created),
                by_principal: false,
            },
            Some(copy) => SessionKey {
                session: Cow::Owned(copy.session_name()),
                access_key: "",
                created: Cow::Owned(
                    call.time
                        .map(|time| time.format("%Y-%m-%dT%H:%M").to_string())
                        .unwrap_or_default(),
                ),
                by_principal: true,
            },
        }
    }

    fn as_tuple(&self) -> (&str, &str, &str, bool) {
        (
            &self.session,
            self.access_key,
            &self.created,
            self.by_principal,
        )
    }
}

/// Sessions, each once by key (ARN, access key, creation time), and the index that finds
/// one by its key: hashed by the key it points to, so a lookup copies no key. Read as a slice;
/// sessions are only added through it ([`SessionTable::push`], [`SessionTable::take_in`]).
#[derive(Debug, Default)]
struct SessionTable {
    sessions: Vec<SessionActivity>,
    index: HashTable<u32>,
    /// Keys come from the logs: seeded at random (no order of them is ever output).
    hasher: foldhash::fast::RandomState,
}

/// Where a key is in a [`SessionTable`]: at a session's index, or not there yet (with its
/// hash, to push its session).
enum Slot {
    Found(u32),
    Vacant(u64),
}

impl SessionTable {
    fn find(&self, key: (&str, &str, &str, bool)) -> Slot {
        let hash = self.hasher.hash_one(key);
        match self
            .index
            .find(hash, |&at| self.sessions[at as usize].key() == key)
        {
            Some(&at) => Slot::Found(at),
            None => Slot::Vacant(hash),
        }
    }

    /// Adds `session`, whose key [`SessionTable::find`] did not find (`hash` is its key's);
    /// answers its index.
    fn push(&mut self, hash: u64, session: SessionActivity) -> u32 {
        let SessionTable {
            sessions,
            index,
            hasher,
        } = self;
        let at = sessions.len() as u32;
        sessions.push(session);
        index.insert_unique(hash, at, |&at| hasher.hash_one(sessions[at as usize].key()));
        at
    }

    /// Takes `session` in: merged into the session of its key, or added; answers its index.
    fn take_in(&mut self, session: SessionActivity) -> u32 {
        match self.find(session.key()) {
            Slot::Found(at) => {
                self.sessions[at as usize].merge(session);
                at
            }
            Slot::Vacant(hash) => self.push(hash, session),
        }
    }

    fn into_vec(self) -> Vec<SessionActivity> {
        self.sessions
    }
}

impl std::ops::Deref for SessionTable {
    type Target = [SessionActivity];

    fn deref(&self) -> &[SessionActivity] {
        &self.sessions
    }
}

/// Counts change through it, never keys (the index finds sessions by key).
impl std::ops::DerefMut for SessionTable {
    fn deref_mut(&mut self) -> &mut [SessionActivity] {
        &mut self.sessions
    }
}

/// The calls of role sessions aggregated: one file's while it is read, then a worker's (the
/// files it read, folded by [`CallAggregate::absorb`]), or a partial result's.
#[derive(Debug, Default)]
pub struct CallAggregate {
    sessions: SessionTable,
    /// The last session counted: calls of one session come in runs.
    last: Option<u32>,
    /// The actions (event source, event name) seen, each once, and their indexes by the
    /// action they point to.
    names: Vec<(Arc<str>, Arc<str>)>,
    name_index: HashTable<u32>,
    /// The hash of both tables: keys come from the logs, so it is seeded at random (no order
    /// of them is ever output).
    hasher: foldhash::fast::RandomState,
    /// The (session, action) counts, folded into the sessions at the merge (after copies are
    /// taken out), and their index by (session, name).
    actions: Vec<FileAction>,
    action_index: PairIndex,
    ids: String,
    marks: Vec<CallMark>,
    /// The log files the calls were read from, each once in a run of its calls (a worker
    /// reads one file at a time).
    log_files: Vec<Arc<str>>,
    /// The timeline's rows, when kept (one per mark, in the same order).
    rows: Option<Vec<CallRow>>,
    /// Copies taken out before the merge ([`CallAggregate::drop_copies`]), by log file (as
    /// [`CallAggregate::log_files`]): a log file read twice is taken out with its copies.
    copies_dropped: Vec<u64>,
    /// Roughly what its sessions, their lists of networks and accounts, its actions' names and
    /// its (session, action) pairs took as they were read, in bytes: for the per-file budget
    /// ([`CallAggregate::call_bytes`]; a worker's sums its files').
    held: usize,
}

impl CallAggregate {
    /// An empty aggregate; `timeline` keeps a row per call as well.
    pub fn new(timeline: bool) -> Self {
        CallAggregate {
            rows: timeline.then(Vec::new),
            ..CallAggregate::default()
        }
    }

    /// Calls counted so far (copies included).
    pub fn calls_counted(&self) -> u64 {
        self.marks.len() as u64
    }

    /// Roughly what it holds in memory (for the per-file budget): what its lists of calls
    /// have taken, not only what they hold, and its sessions and their actions (a file of a
    /// million sessions, one call each, holds far more in its sessions than in its calls).
    pub fn call_bytes(&self) -> usize {
        self.held
            + self.ids.capacity()
            + self.marks.capacity() * CALL_MARK_BYTES as usize
            + self
                .rows
                .as_ref()
                .map_or(0, |rows| rows.capacity() * ROW_BYTES as usize)
    }

    /// Copies of calls taken out before the merge (the merge adds them to its count).
    pub(crate) fn copies_dropped(&self) -> u64 {
        (self.copies_dropped.iter()).fold(0, |sum, &copies| sum.saturating_add(copies))
    }

    /// Sets the copies taken out before this aggregate was stored (a partial result's), by
    /// log file.
    ///
    /// # Errors
    /// A list that is not one count per log file, or counts that add up past any trail.
    pub(crate) fn set_copies_dropped(&mut self, by_log: Vec<u64>) -> Result<(), String> {
        if by_log.len() != self.log_files.len() {
            return Err("copies counted for log files not stored".into());
        }
        if by_log
            .iter()
            .try_fold(0u64, |sum, &copies| sum.checked_add(copies))
            .is_none()
        {
            return Err("more copies counted than a count holds".into());
        }
        self.copies_dropped = by_log;
        Ok(())
    }

    /// Takes out the copies among the calls taken in so far, keeping the first of each as the
    /// merge would ([`take_copies`]), and gives their memory back; answers how many it took
    /// out. The reader calls it when a file's calls grow large: a file that repeats one call
    /// millions of times (a few MB of gzip, hundreds of MB of text) then holds it once.
    pub(crate) fn drop_copies(&mut self) -> usize {
        let copies = take_copies(std::slice::from_mut(self));
        let mut gone = vec![false; self.marks.len()];
        for &(_, m) in &copies.calls {
            gone[m] = true;
            if let Some(count) = self.copies_dropped.get_mut(self.marks[m].file as usize) {
                *count += 1;
            }
            self.sessions[self.marks[m].session as usize].copies += 1;
        }
        if !copies.calls.is_empty() {
            let respanned: Vec<u32> = copies.respan.iter().map(|&(_, s)| s).collect();
            self.respan(&respanned, &gone);
            self.remove_calls(&gone);
        }
        copies.calls.len()
    }

    /// Takes the calls marked in `gone` (one flag per call) out of the counts and out of the
    /// aggregate: the others stay in the order they were read, their ids written again
    /// without the gone ones' (their memory given back), their rows with them.
    fn remove_calls(&mut self, gone: &[bool]) {
        for (m, _) in gone.iter().enumerate().filter(|(_, gone)| **gone) {
            let mark = self.marks[m];
            self.take_out(&mark);
        }
        let kept = || self.marks.iter().zip(gone).filter(|(_, gone)| !**gone);
        let mut ids = String::with_capacity(kept().map(|(mark, _)| mark.id_len as usize).sum());
        let mut marks = Vec::with_capacity(kept().count());
        for (mark, _) in kept() {
            let id_start = ids.len() as u64;
            ids.push_str(self.id(mark));
            marks.push(CallMark { id_start, ..*mark });
        }
        self.ids = ids;
        self.marks = marks;
        if let Some(rows) = &mut self.rows {
            let mut gone = gone.iter();
            rows.retain(|_| !*gone.next().unwrap_or(&false));
            rows.shrink_to_fit();
        }
    }

    /// Counts one call.
    pub fn add(&mut self, call: &Call, log_file: &Arc<str>) {
        self.add_in(None, call, log_file);
    }

    /// Counts one call in `known`, its session's index when a call of the same session was
    /// counted before (the reader remembers it: [`crate::read::calls`]), else in the session
    /// its key finds or makes; answers the session's index.
    pub(crate) fn add_in(&mut self, known: Option<u32>, call: &Call, log_file: &Arc<str>) -> u32 {
        let key = SessionKey::of(call);
        let session = match known.or(self.last) {
            Some(last) if self.sessions[last as usize].key() == key.as_tuple() => last,
            _ => {
                let count = self.sessions.len();
                let session = self.session_of(key.as_tuple(), || SessionActivity::new(call, &key));
                if self.sessions.len() > count {
                    self.held += SESSION_BYTES
                        + key.session.len()
                        + call.access_key.len()
                        + key.created.len()
                        + call.issuer_arn.len();
                }
                self.last = Some(session);
                session
            }
        };
        let counted = &mut self.sessions[session as usize];
        let lists = (counted.addresses.len(), counted.accounts.len());
        let in_lambda = call.in_lambda();
        counted.add(call, in_lambda);
        // A network or an account new to the session (the lists are capped, and rarely grow):
        // its place, address and first call's id, or the account.
        if (counted.addresses.len(), counted.accounts.len()) != lists {
            self.held += LISTED_BYTES
                + 2 * call.source_ip.len()
                + call.event_id.len()
                + call.recipient.len();
        }
        let known = (self.names.len(), self.actions.len());
        let name = self.name_of(call.event_source, call.event_name);
        let action = self.action_of(session, name);
        // An action's name is kept once, a (session, action) pair once: counted when new.
        if self.names.len() > known.0 {
            self.held += NAME_BYTES + call.event_source.len() + call.event_name.len();
        }
        if self.actions.len() > known.1 {
            self.held += ACTION_BYTES;
        }
        let counted = &mut self.actions[action as usize].count;
        counted.calls += 1;
        counted.failures += u64::from(call.failed());
        let id_start = self.ids.len() as u64;
        push_identity(&mut self.ids, call);
        self.ids.push('\0');
        self.ids.push_str(call.source_ip);
        if self
            .log_files
            .last()
            .is_none_or(|last| !Arc::ptr_eq(last, log_file))
        {
            self.log_files.push(Arc::clone(log_file));
            self.copies_dropped.push(0);
        }
        self.marks.push(CallMark {
            id_start,
            id_len: (self.ids.len() as u64 - id_start) as u32,
            address_len: call.source_ip.len() as u32,
            file: self.log_files.len() as u32 - 1,
            session,
            action,
            failed: call.failed(),
            writes: call.writes(),
            lambda: in_lambda,
        });
        if let Some(rows) = &mut self.rows {
            rows.push(CallRow {
                time: call.time,
                event_source: call.event_source.into(),
                event_name: call.event_name.into(),
                error_code: call.error_code.into(),
                source_ip: call.source_ip.into(),
                user_agent: call.user_agent.into(),
                event_id: call.event_id.into(),
                log_file: Arc::clone(log_file),
                session,
            });
        }
        session
    }

    /// The index of the session `key` in [`CallAggregate::sessions`], made by `new` when it
    /// is not there yet.
    fn session_of(
        &mut self,
        key: (&str, &str, &str, bool),
        new: impl FnOnce() -> SessionActivity,
    ) -> u32 {
        match self.sessions.find(key) {
            Slot::Found(at) => at,
            Slot::Vacant(hash) => self.sessions.push(hash, new()),
        }
    }

    /// The index of the action (`source`, `name`) in [`CallAggregate::names`].
    fn name_of(&mut self, source: &str, name: &str) -> u32 {
        let CallAggregate {
            names,
            name_index,
            hasher,
            ..
        } = self;
        let hash = hasher.hash_one((source, name));
        fn pair(names: &[(Arc<str>, Arc<str>)], at: u32) -> (&str, &str) {
            let (source, name) = &names[at as usize];
            (source, name)
        }
        if let Some(&at) = name_index.find(hash, |&at| pair(names, at) == (source, name)) {
            return at;
        }
        let at = names.len() as u32;
        names.push((source.into(), name.into()));
        name_index.insert_unique(hash, at, |&at| hasher.hash_one(pair(names, at)));
        at
    }

    /// The index of the (session, action) pair in [`CallAggregate::actions`].
    fn action_of(&mut self, session: u32, name: u32) -> u32 {
        let next = self.actions.len() as u32;
        let at = *self.action_index.entry((session, name)).or_insert(next);
        if at == next {
            self.actions.push(FileAction {
                session,
                name,
                count: ActionCount::default(),
            });
        }
        at
    }

    /// Takes in another file's activity (a worker folds the files it reads into one
    /// aggregate, so sessions are held once per worker, not once per file).
    pub fn absorb(&mut self, other: CallAggregate) {
        let CallAggregate {
            sessions,
            names,
            actions,
            ids,
            marks,
            log_files,
            rows,
            copies_dropped,
            ..
        } = other;
        self.copies_dropped.extend(copies_dropped);
        self.held += other.held;
        let session_at: Vec<u32> = sessions
            .into_vec()
            .into_iter()
            .map(|session| self.sessions.take_in(session))
            .collect();
        self.last = None;
        let name_at: Vec<u32> = names
            .iter()
            .map(|(source, name)| self.name_of(source, name))
            .collect();
        let mut action_at = Vec::with_capacity(actions.len());
        for action in actions {
            let at = self.action_of(
                session_at[action.session as usize],
                name_at[action.name as usize],
            );
            self.actions[at as usize].count.add(&action.count);
            action_at.push(at);
        }
        let shift = self.ids.len() as u64;
        self.ids.push_str(&ids);
        let file_shift = self.log_files.len() as u32;
        self.log_files.extend(log_files);
        self.marks.extend(marks.into_iter().map(|mark| CallMark {
            id_start: mark.id_start + shift,
            file: mark.file + file_shift,
            session: session_at[mark.session as usize],
            action: action_at[mark.action as usize],
            ..mark
        }));
        if let (Some(all), Some(rows)) = (&mut self.rows, rows) {
            all.extend(rows.into_iter().map(|row| CallRow {
                session: session_at[row.session as usize],
                ..row
            }));
        }
    }

    /// Takes the call of `mark` out of the counts (of its session, its address's network and
    /// its action): a copy of a call counted elsewhere.
    fn take_out(&mut self, mark: &CallMark) {
        let stored = mark.stored_in(&self.ids);
        let address = &stored[stored.len() - mark.address_len as usize..];
        let session = &mut self.sessions[mark.session as usize];
        let place = place_of(address);
        if let Ok(at) = session
            .addresses
            .binary_search_by(|known| (*known.place).cmp(&place))
        {
            // A network only the copy called from is kept with no calls until the merge ends
            // (then dropped): its earliest call stays in it, so the proof a network cites is
            // the least of every copy's, whichever worker held which copy (copies of a
            // cross-account call have their own event ids).
            session.addresses[at].calls -= 1;
            session.addresses[at].lambda_calls -= u64::from(mark.lambda);
        }
        session.calls -= 1;
        session.failures -= u64::from(mark.failed);
        session.write_calls -= u64::from(mark.writes);
        let action = &mut self.actions[mark.action as usize].count;
        action.calls -= 1;
        action.failures -= u64::from(mark.failed);
    }

    /// Sets the span of each of `sessions` again from the times of the calls it holds but
    /// those `gone` (one flag per call): a copy taken out of a session other than the one
    /// that keeps the call ([`Copies::respan`]) would leave its time in the span, and the span
    /// of a session known by its principal id decides which hop issued it (a review's,
    /// session 39: alice's own record, read beside the account's copy of her call, moved
    /// bob's later call of the same minute to alice).
    fn respan(&mut self, sessions: &[u32], gone: &[bool]) {
        let mut touched = vec![false; self.sessions.len()];
        for &session in sessions {
            touched[session as usize] = true;
            self.sessions[session as usize].seen = Seen::default();
        }
        for (m, mark) in self.marks.iter().enumerate() {
            if touched[mark.session as usize] && !gone[m] {
                let time = call_time(mark.stored_in(&self.ids), mark.address_len as usize);
                self.sessions[mark.session as usize].seen.add(time);
            }
        }
    }

    /// Takes out every call read from the log files `logs` (a file a partial result holds that
    /// an earlier input holds too: read once).
    pub(crate) fn drop_logs(&mut self, logs: &std::collections::HashSet<&str>) {
        let gone_files: Vec<bool> = self.log_files.iter().map(|f| logs.contains(&**f)).collect();
        if !gone_files.contains(&true) {
            return;
        }
        // The copies taken out of them early go with them.
        for (copies, _) in self
            .copies_dropped
            .iter_mut()
            .zip(&gone_files)
            .filter(|(_, gone)| **gone)
        {
            *copies = 0;
        }
        let gone: Vec<bool> = self
            .marks
            .iter()
            .map(|mark| gone_files[mark.file as usize])
            .collect();
        // Their sessions are spanned by the calls they keep: a span that held a copy of
        // another session's call, taken out where the file was read first, would come back
        // with it (a red-team's, session 39: a log read directly and in a partial gave bob's
        // call to alice again).
        let touched: Vec<u32> = (self.marks.iter().zip(&gone))
            .filter(|(_, gone)| **gone)
            .map(|(mark, _)| mark.session)
            .collect();
        self.respan(&touched, &gone);
        self.remove_calls(&gone);
    }

    /// The text [`push_identity`] wrote for `mark`'s call, as stored.
    fn id(&self, mark: &CallMark) -> &str {
        mark.stored_in(&self.ids)
    }

    /// `mark`'s call's identity and source address (the same for every copy of it), and the
    /// account the copy was delivered to when its identity is a `sharedEventID` (else empty).
    fn identity(&self, mark: &CallMark) -> (&str, &str) {
        let id = self.id(mark);
        let delivered = || {
            let (length, rest) = id.strip_prefix(DELIVERED_TO)?.split_once(':')?;
            let length: usize = length.parse().ok()?;
            Some((rest.get(length..)?, rest.get(..length)?))
        };
        delivered().unwrap_or((id, ""))
    }
}

/// Writes `call`'s identity for de-duplication into `ids` (its source address follows, which
/// [`CallMark::address_len`] finds at the end): the `sharedEventID` the copies of a
/// cross-account call share (after `s:`), else its `eventID`, else, for a record with
/// neither, everything read of it (after `\u{1}`, each part after its length: two calls
/// that differ only in what `activity` does not read, such as their request parameters, are
/// one). An `eventID` that begins
/// as the other two kinds do is written after `\u{3}`: no two calls of different kinds, or
/// of different parts, are ever the same text. (Real ids are UUIDs, written as they are: the
/// partial format keeps these bytes.) A `sharedEventID`'s copy is preceded by [`DELIVERED_TO`]
/// and the account it was delivered to, which its identity leaves out
/// ([`CallAggregate::identity`]), its length first (`\u{4}12:111122223333s:…`): an account
/// is any text a record gives.
fn push_identity(ids: &mut String, call: &Call) {
    if call.event_id.is_empty() {
        // No id: the record's content stands in (copies are the same record).
        ids.push('\u{1}');
        let time = call.time.map(|t| t.to_rfc3339()).unwrap_or_default();
        for part in [
            time.as_str(),
            call.event_source,
            call.event_name,
            call.error_code,
            call.read_only,
            call.session_arn,
            call.access_key,
            &created_key(call.created),
            call.issuer_arn,
            call.source_ip,
            call.user_agent,
            call.recipient,
        ]
        .into_iter()
        .chain(
            call.copy_of
                .iter()
                .flat_map(|copy| [copy.account, copy.principal]),
        ) {
            ids.push_str(&part.len().to_string());
            ids.push(':');
            ids.push_str(part);
        }
    } else if !call.shared_event_id.is_empty() {
        // The account this copy was delivered to, before the identity (left out of it: each
        // account's copy has its own), for the session that keeps another copy
        // ([`Copies::take_in_accounts`]).
        if !call.recipient.is_empty() {
            ids.push(DELIVERED_TO);
            ids.push_str(&call.recipient.len().to_string());
            ids.push(':');
            ids.push_str(call.recipient);
        }
        // The copies of a cross-account call delivered to each account share this id.
        ids.push_str("s:");
        ids.push_str(call.shared_event_id);
        push_time(ids, call.time);
    } else {
        // Copies of one call carry the same id in every trail that delivers it.
        if call.event_id.starts_with(['\u{1}', '\u{3}', DELIVERED_TO])
            || call.event_id.starts_with("s:")
        {
            ids.push('\u{3}');
        }
        ids.push_str(call.event_id);
        push_time(ids, call.time);
    }
}

/// Marks the account a cross-account call's copy was delivered to, before its identity.
const DELIVERED_TO: char = '\u{4}';

/// Writes a call's time after its id, in 25 characters (`\u{2}`, then its seconds since 1970
/// as the 16 hexadecimal digits of their 64 bits and its nanoseconds in 8; all `f`, which no
/// nanoseconds are, when unknown): copies of one call are delivered with its time, and two
/// calls that share an id but not a time are two calls. (What a kept copy adds to its session
/// that cannot be taken out again, its time as the first or last, and as the first call from
/// its network, is then the same for every copy of one session, so it does not matter which
/// worker held which copy; a session another account's copy is taken out of is spanned again
/// from these digits, [`CallAggregate::respan`], which hold the time whole: a span rebuilt
/// from microseconds, or without the years before 1970, differed from one read whole, so the
/// output changed with how the records fell into files.) Fixed in length, so no id's text
/// can end as another's time does.
fn push_time(ids: &mut String, time: Option<DateTime<Utc>>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let (seconds, nanos) = time.map_or((u64::MAX, u32::MAX), |time| {
        (time.timestamp() as u64, time.timestamp_subsec_nanos())
    });
    ids.push('\u{2}');
    for shift in (0..16).rev() {
        ids.push(char::from(DIGITS[(seconds >> (shift * 4)) as usize & 15]));
    }
    for shift in (0..8).rev() {
        ids.push(char::from(DIGITS[(nanos >> (shift * 4)) as usize & 15]));
    }
}

/// The time of the call whose stored identity is `stored` ([`push_identity`], then `\0` and
/// its source address, `address_len` bytes): the 24 digits [`push_time`] wrote, or the first
/// part of a record's content; `None` when unknown (or when a partial's text is not so made).
fn call_time(stored: &str, address_len: usize) -> Option<DateTime<Utc>> {
    let identity = stored
        .get(..stored.len().checked_sub(address_len)?)?
        .strip_suffix('\0')?;
    if let Some(content) = identity.strip_prefix('\u{1}') {
        let (length, rest) = content.split_once(':')?;
        let time = rest.get(..length.parse::<usize>().ok()?)?;
        return DateTime::parse_from_rfc3339(time)
            .ok()
            .map(|time| time.with_timezone(&Utc));
    }
    let digits = identity.get(identity.len().checked_sub(24)?..)?;
    if !identity[..identity.len() - 24].ends_with('\u{2}') {
        return None;
    }
    let seconds = u64::from_str_radix(digits.get(..16)?, 16).ok()?;
    let nanos = u32::from_str_radix(digits.get(16..)?, 16).ok()?;
    // Unknown: all `f` (no nanoseconds are); the seconds are their 64 bits, before 1970 too.
    DateTime::from_timestamp(seconds as i64, nanos)
}

/// Every file's activity merged: sessions sorted by (ARN, access key, creation time), and the
/// timeline (when kept) in time order.
#[derive(Debug, Default)]
pub struct Activity {
    pub sessions: Vec<SessionActivity>,
    pub rows: Vec<CallRow>,
    /// Copies of calls taken out.
    pub duplicates: u64,
    /// Calls of an account's root that no `AssumeRoot` hop read issued the key of (the root
    /// user's own, or a session whose hop is not read), left out.
    pub root_calls_left_out: u64,
}

/// What copies of a call share: its identity (id and time, then source address), the length
/// of its address, its session ([`copied_session`]), its action (event source and name) and
/// whether it failed.
type CopyKey<'a> = (
    &'a str,
    u32,
    (&'a str, &'a str, &'a str, bool),
    (&'a str, &'a str),
    bool,
);

/// The session copies of a call must agree on: its key; but for the copies of a
/// cross-account call (their shared id, `s:…`: a UUID per call), its account and session name
/// only, which is all the called account's copy tells of it ([`PrincipalCopy`]) and all
/// that one account's copy missing its key or creation time still tells.
fn copied_session<'a>(id: &str, session: &'a SessionActivity) -> (&'a str, &'a str, &'a str, bool) {
    // A root session's copies name its key: an account's root sessions are one by name.
    if !id.starts_with("s:") || session.is_root() {
        return session.key();
    }
    let (account, name) = match session.principal_copy() {
        Some(copy) => (
            copy.account,
            session_id_parts(copy.principal).map_or("", |(_, name)| name),
        ),
        None => match (
            arn::account_of(&session.session_arn),
            arn::session_name_of(&session.session_arn),
        ) {
            (Some(account), Some(name)) => (account, name),
            _ => (&*session.session_arn, ""),
        },
    };
    (account, name, "", false)
}

/// The copies among the workers' calls ([`find_copies`]), their accounts taken in by the
/// sessions that keep them ([`Copies::take_in_accounts`]).
fn take_copies(workers: &mut [CallAggregate]) -> Copies {
    let mut copies = find_copies(workers);
    copies.take_in_accounts(workers);
    copies
}

/// The copies [`find_copies`] found.
#[derive(Debug, Default)]
struct Copies {
    /// Every call of the same identity as one before it, as (worker, index of the call in
    /// it): the first is kept.
    calls: Vec<(usize, usize)>,
    /// The sessions, as (worker, session index), that kept a cross-account call another
    /// account's copy of which was taken out, and that copy, as (worker, index of the call in
    /// it): each session takes in the account its copy was delivered to
    /// ([`Copies::take_in_accounts`]).
    accounts_to: Vec<((usize, u32), (usize, usize))>,
    /// The sessions, as (worker, session index), a copy was taken out of that another session
    /// keeps: their spans are set again from the calls they keep
    /// ([`CallAggregate::respan`]).
    respan: Vec<(usize, u32)>,
}

impl Copies {
    /// [`CallAggregate::respan`] of every worker that holds sessions to respan, the calls to
    /// take out left out.
    fn respan(&self, workers: &mut [CallAggregate]) {
        if self.respan.is_empty() {
            return;
        }
        let mut sessions: Vec<Vec<u32>> = vec![Vec::new(); workers.len()];
        for &(worker, session) in &self.respan {
            sessions[worker].push(session);
        }
        // A flag per call of the workers that respan (none for the others).
        let mut gone: Vec<Vec<bool>> = (workers.iter().zip(&sessions))
            .map(|(worker, sessions)| {
                if sessions.is_empty() {
                    Vec::new()
                } else {
                    vec![false; worker.marks.len()]
                }
            })
            .collect();
        for &(worker, m) in &self.calls {
            if let Some(flag) = gone[worker].get_mut(m) {
                *flag = true;
            }
        }
        for ((worker, sessions), gone) in workers.iter_mut().zip(&sessions).zip(&gone) {
            if !sessions.is_empty() {
                worker.respan(sessions, gone);
            }
        }
    }

    /// The sessions that kept a call another account's copy of which was taken out take in
    /// the account that copy was delivered to. That copy's alone: the session it was counted
    /// in (another account's, known by principal id and minute) may hold other calls, and
    /// which of them it held depended on how the files fell to the workers (a red-team's,
    /// session 38: a session's accounts changed with `-j`).
    fn take_in_accounts(&mut self, workers: &mut [CallAggregate]) {
        for &((to_worker, to), (from_worker, copy)) in &self.accounts_to {
            let from = &workers[from_worker];
            // Copied out: the copy may be in the keeping session's worker.
            let delivered_to = from.identity(&from.marks[copy]).1.to_owned();
            workers[to_worker].sessions[to as usize].add_account(&delivered_to);
        }
    }
}

/// The bits of a call's index in its worker's aggregate, when [`merge`] packs it beside the
/// worker's.
const MARK_BITS: u32 = 40;
const MARK_MASK: u64 = (1 << MARK_BITS) - 1;

/// The copies among the workers' calls, as (worker, index of the call in it): every call
/// of the same identity as one before it, of which the first is kept.
fn find_copies(workers: &[CallAggregate]) -> Copies {
    // Copies: every call's id, sorted; all but the first (by log file, then position) are
    // taken out of the counts of the worker that holds them.
    // The copy kept is the one of the first log file by path (then the first in that file),
    // whichever worker read it: the same in every view and for any thread count.
    // The calls are sorted by the hash of their id alone (16 bytes a call, compared as
    // integers: the ids of one trail share long prefixes, and sorting them as text took 0.2 s
    // of CPU at 1M records, sorting them with their paths 0.1 s more); equal ids have equal
    // hashes, so only the few calls whose hashes are equal are then told apart by id and put
    // in order by log file path and position. (The hash is seeded at random: ids from the logs
    // that collide on purpose only cost string compares again.)
    let state = foldhash::fast::RandomState::default();
    // Each call as (hash, its worker and index packed in one word): 16 bytes to sort, and
    // room for 2^24 workers (at most 256 run) of 2^40 calls each (a worker's index is never
    // cut short, even one that took in billions of calls from partials).
    let mut ids: Vec<(u64, u64)> = Vec::new();
    for (f, worker) in workers.iter().enumerate() {
        ids.par_extend(worker.marks.par_iter().enumerate().map(|(m, mark)| {
            (
                state.hash_one(worker.identity(mark).0),
                (f as u64) << MARK_BITS | m as u64,
            )
        }));
    }
    ids.par_sort_unstable();
    let unpack = |at: u64| ((at >> MARK_BITS) as usize, (at & MARK_MASK) as usize);
    let mut copies = Copies::default();
    // Each call's copy key, then what orders the calls of one key: a session's own record
    // before another account's copy of it (kept over it, it names the session whole), one
    // that names its key before one that does not, the session's key, the log file, the
    // call's place.
    type Placed<'a> = (
        CopyKey<'a>,
        (bool, bool),
        (&'a str, &'a str, &'a str, bool),
        &'a str,
        usize,
        usize,
    );
    let mut same_hash: Vec<Placed> = Vec::new();
    for run in ids.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
        same_hash.clear();
        // A copy has the same identity and source address: the same text, and the same
        // length of address at its end.
        same_hash.extend(run.iter().map(|&(_, at)| {
            let (f, m) = unpack(at);
            let worker = &workers[f];
            let mark = &worker.marks[m];
            // And of the same session: a call of another session that gives the same id is
            // another call (its session's first and last calls could not be taken back). And
            // the same action and outcome: a copy is the same record, and sample trails give
            // one id to many calls (Panther's rule tests give `1111` to 26 calls of one
            // session, of eleven actions).
            // (Another account's copy of a cross-account call names only the session's
            // account and name: it is a copy of the call its session's own record is.)
            let session = &worker.sessions[mark.session as usize];
            let (source, name) = &worker.names[worker.actions[mark.action as usize].name as usize];
            let id = worker.identity(mark).0;
            let identity = (
                id,
                mark.address_len,
                copied_session(id, session),
                (&**source, &**name),
                mark.failed,
            );
            let file = &*worker.log_files[mark.file as usize];
            let rank = (session.by_principal, session.access_key.is_empty());
            (identity, rank, session.key(), file, f, m)
        }));
        same_hash.sort_unstable();
        // The first of each copy key is kept.
        let mut kept = 0;
        for at in 1..same_hash.len() {
            let (first, this) = (&same_hash[kept], &same_hash[at]);
            if first.0 != this.0 {
                kept = at;
                continue;
            }
            copies.calls.push((this.4, this.5));
            if first.2 != this.2 {
                // A copy of a cross-account call counted in another session (another
                // account's): the accounts it was delivered to are the kept one's too, and
                // the session it leaves is spanned by the calls it keeps.
                let session = (first.4, workers[first.4].marks[first.5].session);
                copies.accounts_to.push((session, (this.4, this.5)));
                copies
                    .respan
                    .push((this.4, workers[this.4].marks[this.5].session));
            }
        }
    }
    copies
}

/// Merges the workers' activity (each the files one worker read, folded): each call counts
/// once; with the timeline, its row is the one of the first file (by path) that holds it.
pub fn merge(mut workers: Vec<CallAggregate>) -> Activity {
    let copies = take_copies(&mut workers);
    // Saturating: partials are read input, and theirs may add up past any count.
    let duplicates = (workers.iter().map(CallAggregate::copies_dropped))
        .fold(copies.calls.len() as u64, u64::saturating_add);
    copies.respan(&mut workers);
    let mut dropped_rows: Vec<Vec<bool>> = workers
        .iter()
        .map(|worker| vec![false; worker.rows.as_ref().map_or(0, Vec::len)])
        .collect();
    for (f, m) in copies.calls {
        let worker = &mut workers[f];
        let mark = worker.marks[m];
        worker.take_out(&mark);
        worker.sessions[mark.session as usize].copies += 1;
        if let Some(dropped) = dropped_rows[f].get_mut(m) {
            *dropped = true;
        }
    }
    // The sessions merged so far, each once by key.
    let mut merged = SessionTable::default();
    let mut rows = Vec::new();
    // Each worker's counts by action into its sessions, the workers side by side (a worker
    // holds each (session, action) pair once: `CallAggregate::action_of`).
    workers.par_iter_mut().for_each(|worker| {
        for action in worker.actions.drain(..) {
            if action.count.calls > 0 {
                let (source, name) = &worker.names[action.name as usize];
                worker.sessions[action.session as usize]
                    .actions
                    .push(SessionAction {
                        source: Arc::clone(source),
                        name: Arc::clone(name),
                        count: action.count,
                    });
            }
        }
    });
    for (worker, dropped) in workers.into_iter().zip(dropped_rows) {
        let global: Vec<u32> = worker
            .sessions
            .into_vec()
            .into_iter()
            .map(|session| merged.take_in(session))
            .collect();
        if let Some(file_rows) = worker.rows {
            for (mut row, dropped) in file_rows.into_iter().zip(dropped) {
                if !dropped {
                    row.session = global[row.session as usize];
                    rows.push(row);
                }
            }
        }
    }
    let mut sessions = merged.into_vec();
    // Networks only copies called from (see `CallAggregate::take_out`).
    for session in &mut sessions {
        session.addresses.retain(|used| used.calls > 0);
    }
    // Sessions whose every call was a copy of another file's are gone.
    let mut order: Vec<usize> = (0..sessions.len())
        .filter(|&s| sessions[s].calls > 0)
        .collect();
    let live = order.len();
    // (Keys are distinct: the unstable sort gives the one order.)
    order.par_sort_unstable_by(|&a, &b| sessions[a].key().cmp(&sessions[b].key()));
    // Where each session goes: the live ones in key order, the gone ones after them.
    let mut new_index = vec![u32::MAX; sessions.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    drop(order);
    let mut place = new_index.clone();
    for (slot, gone) in (place.iter_mut().filter(|slot| **slot == u32::MAX)).zip(live as u32..) {
        *slot = gone;
    }
    // Put in order where they are (a second list of sessions would hold them twice at the
    // peak: a trail of millions of sessions), each cycle of the permutation followed once.
    for at in 0..sessions.len() {
        while place[at] as usize != at {
            let to = place[at] as usize;
            sessions.swap(at, to);
            place.swap(at, to);
        }
    }
    drop(place);
    sessions.truncate(live);
    for row in &mut rows {
        row.session = new_index[row.session as usize];
    }
    rows.retain(|row| row.session != u32::MAX);
    // In time order, then by everything a row says, so two rows alike but for what a
    // record's place in its file decided (a red-team's, session 38: two calls of one time
    // and action, told apart by their outcome or address only, came out in file order).
    fn row_order(row: &CallRow) -> impl Ord + '_ {
        (
            (row.time, &row.event_id, &row.event_source),
            (&row.event_name, row.session, &row.error_code),
            (&row.source_ip, &row.user_agent, &row.log_file),
        )
    }
    rows.sort_by(|a, b| row_order(a).cmp(&row_order(b)));
    Activity {
        sessions,
        rows,
        duplicates,
        root_calls_left_out: 0,
    }
}

/// Joins the sessions known by one principal id ([`SessionActivity::by_principal`], counted
/// apart by minute) whose minutes `hop_of` finds one hop issued, or no hop: one session, as
/// the hop issued one. Sessions stay in key order, the joined one with the key of its first
/// minute; the timeline's rows follow their sessions.
pub fn fold_principal_copies(
    activity: &mut Activity,
    hop_of: impl Fn(&SessionActivity) -> Option<usize> + Sync,
) {
    let sessions = std::mem::take(&mut activity.sessions);
    let hops: Vec<Option<usize>> = sessions
        .par_iter()
        .map(|session| session.by_principal.then(|| hop_of(session)).flatten())
        .collect();
    let mut kept: Vec<SessionActivity> = Vec::with_capacity(sessions.len());
    let mut new_index: Vec<u32> = Vec::with_capacity(sessions.len());
    // The last session kept that is known by principal id, and its hop.
    let mut joining: Option<(usize, Option<usize>)> = None;
    for (session, hop) in sessions.into_iter().zip(hops) {
        if let Some((at, its_hop)) = joining
            && session.by_principal
            && its_hop == hop
            && kept[at].session_arn == session.session_arn
        {
            kept[at].merge(session);
            new_index.push(at as u32);
            continue;
        }
        joining = session.by_principal.then_some((kept.len(), hop));
        new_index.push(kept.len() as u32);
        kept.push(session);
    }
    for row in &mut activity.rows {
        row.session = new_index[row.session as usize];
    }
    activity.sessions = kept;
}

#[cfg(test)]
mod tests {
    use super::{
        ActionCount, Activity, CallAggregate, SessionAction, call_time, merge, smaller_address,
        take_in_actions,
    };
    use crate::activity::Call;
    use std::sync::Arc;

    /// What a merge gives, as the views print it: each session's key, counts, span, actions,
    /// networks (with their first call) and accounts; the timeline; the copies dropped.
    fn printed(activity: &Activity) -> String {
        let mut out = String::new();
        for s in &activity.sessions {
            let mut actions: Vec<_> = s
                .actions
                .iter()
                .map(|a| (&a.source, &a.name, a.count.calls, a.count.failures))
                .collect();
            actions.sort();
            let addresses: Vec<_> = s
                .addresses
                .iter()
                .map(|a| (&a.place, &a.address, a.calls, a.lambda_calls, &a.first))
                .collect();
            out.push_str(&format!(
                "{:?} {} {} {} {:?} {actions:?} {addresses:?} {:?} {:?}\n",
                s.key(),
                s.calls,
                s.failures,
                s.write_calls,
                s.seen,
                (s.addresses_dropped, s.names_dropped),
                s.accounts
            ));
        }
        for row in &activity.rows {
            out.push_str(&format!(
                "{:?} {} {} {} {}\n",
                row.time, row.event_name, row.event_id, row.session, row.log_file
            ));
        }
        out.push_str(&format!("copies {}\n", activity.duplicates));
        out
    }

    /// Taking a file's copies out while it is read (as the reader does once its calls grow
    /// large) gives what the merge alone gives: the same sessions, counts, spans, networks,
    /// timeline and count of copies, for calls that repeat (true copies) and calls that only
    /// share an id with another session's, time's, address's, action's or outcome's.
    #[test]
    fn copies_taken_out_while_reading_merge_as_the_merge_alone_does() {
        // A small generator (xorshift): the same calls for both aggregates.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let times: Vec<_> = (0..4)
            .map(|m| crate::timefmt::parse(&format!("2026-03-01T10:0{m}:00Z")))
            .collect();
        let calls: Vec<_> = (0..3_000)
            .map(|_| {
                (
                    format!("arn:aws:sts::1:assumed-role/R/s{}", next(3)),
                    format!("id{}", next(40)),
                    times[next(4) as usize],
                    format!("203.0.{}.5", next(3)),
                    ["GetObject", "PutObject"][next(2) as usize],
                    next(5) == 0,
                )
            })
            .collect();
        let log: Arc<str> = Arc::from("log.json");
        let aggregate = |drop_every: Option<usize>| {
            let mut aggregate = CallAggregate::new(true);
            for (n, (session_arn, id, time, address, name, failed)) in calls.iter().enumerate() {
                aggregate.add(
                    &Call {
                        time: *time,
                        event_source: "s3.amazonaws.com",
                        event_name: name,
                        error_code: if *failed { "AccessDenied" } else { "" },
                        read_only: "true",
                        source_ip: address,
                        // Some calls from Lambda: its count follows the copies taken out.
                        user_agent: if *failed {
                            "sdk exec-env/AWS_Lambda_go1.x"
                        } else {
                            ""
                        },
                        event_id: id,
                        shared_event_id: "",
                        recipient: "1",
                        session_arn,
                        access_key: "ASIA1",
                        created: "",
                        issuer_arn: "",
                        copy_of: None,
                    },
                    &log,
                );
                if drop_every.is_some_and(|every| n % every == every - 1) {
                    aggregate.drop_copies();
                }
            }
            if drop_every.is_some() {
                aggregate.drop_copies();
            }
            aggregate
        };
        let whole = printed(&merge(vec![aggregate(None)]));
        let copies: u64 = whole.rsplit(' ').next().unwrap().trim().parse().unwrap();
        assert!(copies > 500, "{copies} copies");
        for every in [1, 7, 500] {
            assert_eq!(
                printed(&merge(vec![aggregate(Some(every))])),
                whole,
                "{every}"
            );
        }
    }

    fn actions(list: &[(&str, u64)]) -> Vec<SessionAction> {
        list.iter()
            .map(|&(name, calls)| SessionAction {
                source: Arc::from("s3.amazonaws.com"),
                name: Arc::from(name),
                count: ActionCount {
                    calls,
                    failures: calls / 2,
                },
            })
            .collect()
    }

    fn sorted(mut list: Vec<SessionAction>) -> Vec<(String, u64, u64)> {
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list.into_iter()
            .map(|a| (a.name.to_string(), a.count.calls, a.count.failures))
            .collect()
    }

    /// A `kms:Decrypt` of session `A/s` delivered to `recipient`, from 10.0.0.1, with ids `e1`
    /// and `s1` and no time.
    fn decrypt(recipient: &str) -> Call<'_> {
        Call {
            time: None,
            event_source: "kms.amazonaws.com",
            event_name: "Decrypt",
            error_code: "",
            read_only: "true",
            source_ip: "10.0.0.1",
            user_agent: "",
            event_id: "e1",
            shared_event_id: "s1",
            recipient,
            session_arn: "arn:aws:sts::1:assumed-role/A/s",
            access_key: "ASIA1",
            created: "",
            issuer_arn: "",
            copy_of: None,
        }
    }

    /// The time of a call is read back from its stored identity, of every kind: a shared id,
    /// an event id, none (the record's content), and unknown.
    #[test]
    fn a_call_s_time_is_read_back_from_its_identity() {
        let log: Arc<str> = Arc::from("log.json");
        let mut calls = CallAggregate::new(false);
        let time = |text: &str| {
            let time = chrono::DateTime::parse_from_rfc3339(text).unwrap();
            Some(time.with_timezone(&chrono::Utc))
        };
        // Whole: nanoseconds, and the years before 1970 (a red-team's, session 39: a span
        // rebuilt from microseconds differed from one read whole).
        let at = time("2026-03-01T10:59:05.123456789Z");
        let before = time("1969-07-20T20:17:40.5Z");
        let kinds = [
            (at, "e1", "s1", "10.0.0.1"),
            (before, "e1", "s1", "10.0.0.1"),
            (at, "e2", "", "AWS Internal"),
            (before, "e2", "", "AWS Internal"),
            (at, "", "", ""),
            (None, "e3", "", "10.0.0.1"),
            (None, "e4", "s2", "10.0.0.2"),
            (None, "", "", "10.0.0.2"),
        ];
        for (time, event_id, shared_event_id, source_ip) in kinds {
            let call = Call {
                time,
                event_id,
                shared_event_id,
                source_ip,
                ..decrypt("111122223333")
            };
            calls.add(&call, &log);
        }
        let read: Vec<_> = (calls.marks.iter())
            .map(|mark| call_time(calls.id(mark), mark.address_len as usize))
            .collect();
        assert_eq!(read, kinds.map(|kind| kind.0));
        assert_eq!(call_time("e1\u{2}zz", 0), None);
        assert_eq!(call_time("", 5), None);
    }

    /// The account a cross-account call's copy was delivered to is read back from before its
    /// identity whatever text it is (a red-team's, session 38: one holding the mark was lost),
    /// and the identity is the same for every account's copy.
    #[test]
    fn a_copy_s_delivered_account_is_read_back_whatever_its_text() {
        let log: Arc<str> = Arc::from("log.json");
        let mut calls = CallAggregate::new(false);
        for recipient in ["111122223333", "33\u{4}3:x", "", "\u{4}"] {
            calls.add(&decrypt(recipient), &log);
        }
        let read: Vec<(&str, &str)> = calls
            .marks
            .iter()
            .map(|mark| calls.identity(mark))
            .collect();
        let identity = read[0].0;
        assert!(identity.starts_with("s:s1"), "{identity:?}");
        assert_eq!(
            read,
            [
                (identity, "111122223333"),
                (identity, "33\u{4}3:x"),
                (identity, ""),
                (identity, "\u{4}"),
            ]
        );
    }

    /// Review (session 28): two files' lists of a session's accounts merge in one pass, each
    /// account once, the smallest kept up to the cap, and a cut said; as one file read whole
    /// would keep them.
    #[test]
    fn accounts_of_two_files_merge_as_one_file_would_keep_them() {
        let log: Arc<str> = Arc::from("log.json");
        let ids: Vec<String> = (0..3000).map(|n| format!("e{n}")).collect();
        let accounts: Vec<String> = (0..3000)
            .map(|n| format!("{:012}", (n * 7) % 1500))
            .collect();
        let call = |n: usize| Call {
            time: None,
            event_source: "s3.amazonaws.com",
            event_name: "GetObject",
            error_code: "",
            read_only: "true",
            source_ip: "10.0.0.1",
            user_agent: "",
            event_id: &ids[n],
            shared_event_id: "",
            recipient: &accounts[n],
            session_arn: "arn:aws:sts::1:assumed-role/A/s",
            access_key: "ASIA1",
            created: "",
            issuer_arn: "",
            copy_of: None,
        };
        let (mut first, mut second, mut whole) = (
            CallAggregate::new(false),
            CallAggregate::new(false),
            CallAggregate::new(false),
        );
        for n in 0..3000 {
            if n % 3 == 0 { &mut first } else { &mut second }.add(&call(n), &log);
            whole.add(&call(n), &log);
        }
        let (merged, whole) = (merge(vec![first, second]), merge(vec![whole]));
        let (merged, whole) = (&merged.sessions[0], &whole.sessions[0]);
        assert_eq!(merged.accounts, whole.accounts);
        assert_eq!(merged.accounts.len(), super::MAX_ACCOUNTS);
        assert_eq!(&*merged.accounts[0], "000000000000");
        assert_eq!(&*merged.accounts[1023], "000000001023");
        assert!(merged.accounts_dropped && whole.accounts_dropped);
    }

    /// A red-team pass (session 24): `::ffff:8.8.8.8` counts in 8.8.8.0/24, but as an IPv6
    /// number it came after `8.8.8.9`, which was listed as the network's smallest address.
    #[test]
    fn a_mapped_ipv4_address_is_compared_as_its_ipv4() {
        assert!(smaller_address("::ffff:8.8.8.8", "8.8.8.9"));
        assert!(!smaller_address("8.8.8.9", "::ffff:8.8.8.8"));
        assert!(smaller_address("10.0.0.9", "10.0.0.10"));
        // One address written two ways: as written.
        assert!(smaller_address("8.8.8.8", "::ffff:8.8.8.8"));
        assert!(smaller_address("2001:db8::1", "2001:db8::2"));
    }

    /// Two workers' counts of one session's actions add up, each action once, whether the
    /// lists are compared pair by pair (short) or sorted and merged (long: a hostile trail).
    #[test]
    fn actions_of_one_session_add_up_once_each() {
        let mut known = actions(&[("Get", 1), ("Put", 2)]);
        take_in_actions(&mut known, actions(&[("Put", 3), ("List", 4)]));
        assert_eq!(
            sorted(known),
            [
                ("Get".to_owned(), 1, 0),
                ("List".to_owned(), 4, 2),
                ("Put".to_owned(), 5, 2)
            ]
        );
        let names: Vec<String> = (0..3000).map(|n| format!("A{n:04}")).collect();
        let first: Vec<(&str, u64)> = names[..2000].iter().map(|n| (n.as_str(), 2)).collect();
        let second: Vec<(&str, u64)> = names[1000..].iter().map(|n| (n.as_str(), 4)).collect();
        let mut known = actions(&first);
        take_in_actions(&mut known, actions(&second));
        let merged = sorted(known);
        assert_eq!(merged.len(), 3000);
        for (n, row) in merged.into_iter().enumerate() {
            // Calls 2 (failures 1) in the first list, 4 (2) in the second, both in between.
            let expected = match n {
                0..1000 => (2, 1),
                1000..2000 => (6, 3),
                _ => (4, 2),
            };
            assert_eq!(row, (names[n].clone(), expected.0, expected.1));
        }
    }
}
