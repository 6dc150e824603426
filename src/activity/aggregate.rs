//! Activity aggregated while it is read: per file, one [`SessionActivity`] per session and
//! one [`ActionCount`] per (session, action), then merged over all files in path order.
//!
//! What grows with the calls themselves is only what de-duplication needs until the merge
//! (each call's `eventID` and where it was counted: [`FileActivity::marks`]) and, when asked
//! for, the timeline's rows. Lists that a hostile trail could grow without bound per session
//! (source addresses, recipient accounts) are capped ([`MAX_LISTED`]): the smallest values are
//! kept, so the result does not depend on the order calls are read in.

use super::Call;
use crate::timefmt::Seen;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// The most source addresses and accounts kept per session (the smallest, by text).
pub const MAX_LISTED: usize = 32;

/// Calls and refusals of one action (event source and name) in one session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionCount {
    pub calls: u64,
    pub failures: u64,
}

/// One source address a session called from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressUse {
    pub address: Box<str>,
    pub calls: u64,
    /// The earliest call from it (time, then event id): the finding's proof.
    pub first: (Option<DateTime<Utc>>, Box<str>),
}

/// What one session did, as far as the files merged so far tell.
#[derive(Debug, Clone)]
pub struct SessionActivity {
    pub session_arn: Box<str>,
    pub access_key: Box<str>,
    /// `creationDate` as written (empty when not said), and parsed.
    pub created_text: Box<str>,
    pub created: Option<DateTime<Utc>>,
    /// The role that issued the session (`sessionIssuer.arn`), when a call named it.
    pub issuer_arn: Box<str>,
    pub calls: u64,
    pub failures: u64,
    pub write_calls: u64,
    pub seen: Seen,
    /// By `eventSource` then `eventName`.
    pub actions: HashMap<(Box<str>, Box<str>), ActionCount>,
    /// Sorted by address, at most [`MAX_LISTED`].
    pub addresses: Vec<AddressUse>,
    /// Addresses left out of [`SessionActivity::addresses`] by the cap.
    pub addresses_dropped: bool,
    /// Recipient accounts, sorted, at most [`MAX_LISTED`].
    pub accounts: Vec<Box<str>>,
}

impl SessionActivity {
    fn new(call: &Call) -> Self {
        SessionActivity {
            session_arn: call.session_arn.into(),
            access_key: call.access_key.into(),
            created_text: call.created.into(),
            created: crate::timefmt::parse(call.created),
            issuer_arn: call.issuer_arn.into(),
            calls: 0,
            failures: 0,
            write_calls: 0,
            seen: Seen::default(),
            actions: HashMap::new(),
            addresses: Vec::new(),
            addresses_dropped: false,
            accounts: Vec::new(),
        }
    }

    /// The key that tells sessions apart: ARN, access key and creation time as written.
    pub fn key(&self) -> (&str, &str, &str) {
        (&self.session_arn, &self.access_key, &self.created_text)
    }

    fn add(&mut self, call: &Call) {
        self.calls += 1;
        self.failures += u64::from(call.failed());
        self.write_calls += u64::from(call.writes());
        self.seen.add(call.time);
        if self.issuer_arn.is_empty() && !call.issuer_arn.is_empty() {
            self.issuer_arn = call.issuer_arn.into();
        }
        self.add_address(AddressUse {
            address: call.source_ip.into(),
            calls: 1,
            first: (call.time, call.event_id.into()),
        });
        self.add_account(call.recipient);
    }

    fn add_address(&mut self, used: AddressUse) {
        match self
            .addresses
            .binary_search_by(|known| (*known.address).cmp(&used.address))
        {
            Ok(at) => {
                let known = &mut self.addresses[at];
                known.calls += used.calls;
                if used.first < known.first {
                    known.first = used.first;
                }
            }
            Err(at) => {
                if self.addresses.len() == MAX_LISTED {
                    self.addresses_dropped = true;
                    if at == MAX_LISTED {
                        return;
                    }
                    self.addresses.pop();
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
            if self.accounts.len() == MAX_LISTED {
                if at == MAX_LISTED {
                    return;
                }
                self.accounts.pop();
            }
            self.accounts.insert(at, account.into());
        }
    }

    /// Takes in what another file said of the same session.
    fn merge(&mut self, other: SessionActivity) {
        self.calls += other.calls;
        self.failures += other.failures;
        self.write_calls += other.write_calls;
        self.seen.add_span(other.seen.first, other.seen.last);
        if self.issuer_arn.is_empty() {
            self.issuer_arn = other.issuer_arn;
        }
        for (action, count) in other.actions {
            let known = self.actions.entry(action).or_default();
            known.calls += count.calls;
            known.failures += count.failures;
        }
        self.addresses_dropped |= other.addresses_dropped;
        for used in other.addresses {
            self.add_address(used);
        }
        for account in other.accounts {
            self.add_account(&account);
        }
    }
}

/// Where one call was counted, for de-duplication: its identity (the `eventID`, or the
/// record's content when it has none) in [`FileActivity::ids`], its session and action.
#[derive(Debug, Clone, Copy)]
pub struct CallMark {
    id_start: u32,
    id_len: u32,
    session: u32,
    action: u32,
    failed: bool,
    writes: bool,
}

/// One (session, action) of a file, counted.
#[derive(Debug)]
struct FileAction {
    session: u32,
    event_source: Box<str>,
    event_name: Box<str>,
    count: ActionCount,
}

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

/// One file's activity.
#[derive(Debug, Default)]
pub struct FileActivity {
    sessions: Vec<SessionActivity>,
    /// Session index by key (ARN, access key, creation time, joined by NUL).
    index: HashMap<Box<str>, u32>,
    /// The (session, action) counts, folded into the sessions at the merge (after copies are
    /// taken out), and their index by key (session index, source and name joined by NUL).
    actions: Vec<FileAction>,
    action_index: HashMap<Box<str>, u32>,
    ids: String,
    marks: Vec<CallMark>,
    /// The timeline's rows, when kept (one per mark, in the same order).
    rows: Option<Vec<CallRow>>,
    key: String,
}

impl FileActivity {
    /// An empty aggregate; `timeline` keeps a row per call as well.
    pub fn new(timeline: bool) -> Self {
        FileActivity {
            rows: timeline.then(Vec::new),
            ..FileActivity::default()
        }
    }

    /// Roughly what it holds in memory beyond the sessions (for the per-file budget).
    pub fn call_bytes(&self) -> usize {
        self.ids.len()
            + self.marks.len() * std::mem::size_of::<CallMark>()
            + self.rows.as_ref().map_or(0, |rows| {
                rows.len() * (std::mem::size_of::<CallRow>() + 160)
            })
    }

    /// Counts one call.
    pub fn add(&mut self, call: &Call, log_file: &Arc<str>) {
        self.key.clear();
        for part in [call.session_arn, call.access_key, call.created] {
            self.key.push_str(part);
            self.key.push('\0');
        }
        let session = match self.index.get(self.key.as_str()) {
            Some(&session) => session,
            None => {
                let session = self.sessions.len() as u32;
                self.sessions.push(SessionActivity::new(call));
                self.index.insert(self.key.as_str().into(), session);
                session
            }
        };
        self.sessions[session as usize].add(call);
        self.key.clear();
        self.key.push_str(&session.to_string());
        for part in [call.event_source, call.event_name] {
            self.key.push('\0');
            self.key.push_str(part);
        }
        let action = match self.action_index.get(self.key.as_str()) {
            Some(&action) => action,
            None => {
                let action = self.actions.len() as u32;
                self.actions.push(FileAction {
                    session,
                    event_source: call.event_source.into(),
                    event_name: call.event_name.into(),
                    count: ActionCount::default(),
                });
                self.action_index.insert(self.key.as_str().into(), action);
                action
            }
        };
        let counted = &mut self.actions[action as usize].count;
        counted.calls += 1;
        counted.failures += u64::from(call.failed());
        let id_start = self.ids.len() as u32;
        if call.event_id.is_empty() {
            // No id: the record's content stands in (copies are the same record).
            self.ids.push('\u{1}');
            for part in [
                call.time
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default()
                    .as_str(),
                call.event_source,
                call.event_name,
                call.session_arn,
                call.source_ip,
                call.recipient,
            ] {
                self.ids.push_str(part);
                self.ids.push('\0');
            }
        } else {
            // Copies of one call carry the same id in every account's trail.
            self.ids.push_str(call.event_id);
        }
        self.marks.push(CallMark {
            id_start,
            id_len: self.ids.len() as u32 - id_start,
            session,
            action,
            failed: call.failed(),
            writes: call.writes(),
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
    }

    fn id(&self, mark: &CallMark) -> &str {
        let start = mark.id_start as usize;
        &self.ids[start..start + mark.id_len as usize]
    }
}

/// A session's identity: ARN, access key and creation time as written.
type SessionKey = (Box<str>, Box<str>, Box<str>);

/// Every file's activity merged: sessions sorted by (ARN, access key, creation time), and the
/// timeline (when kept) in time order.
#[derive(Debug, Default)]
pub struct Activity {
    pub sessions: Vec<SessionActivity>,
    pub rows: Vec<CallRow>,
    /// Copies of calls taken out.
    pub duplicates: u64,
}

/// Merges the files' activity (`files` in path order): each call counts once, in the first
/// file (by path) that holds it.
pub fn merge(mut files: Vec<FileActivity>) -> Activity {
    // Copies: every call's id, sorted; all but the first (by file, then position) are taken
    // out of the counts of the file that holds them.
    let mut ids: Vec<(&str, u32, u32)> = Vec::new();
    for (f, file) in files.iter().enumerate() {
        for (m, mark) in file.marks.iter().enumerate() {
            ids.push((file.id(mark), f as u32, m as u32));
        }
    }
    ids.sort_unstable();
    let mut copies: Vec<(u32, u32)> = Vec::new();
    for pair in ids.windows(2) {
        if pair[0].0 == pair[1].0 {
            copies.push((pair[1].1, pair[1].2));
        }
    }
    drop(ids);
    let duplicates = copies.len() as u64;
    let mut dropped_rows: Vec<Vec<bool>> = files
        .iter()
        .map(|file| vec![false; file.rows.as_ref().map_or(0, Vec::len)])
        .collect();
    for (f, m) in copies {
        let file = &mut files[f as usize];
        let mark = file.marks[m as usize];
        let session = &mut file.sessions[mark.session as usize];
        session.calls -= 1;
        session.failures -= u64::from(mark.failed);
        session.write_calls -= u64::from(mark.writes);
        let action = &mut file.actions[mark.action as usize].count;
        action.calls -= 1;
        action.failures -= u64::from(mark.failed);
        if let Some(dropped) = dropped_rows[f as usize].get_mut(m as usize) {
            *dropped = true;
        }
    }
    let mut merged: HashMap<SessionKey, usize> = HashMap::new();
    let mut sessions: Vec<SessionActivity> = Vec::new();
    let mut rows = Vec::new();
    for (mut file, dropped) in files.into_iter().zip(dropped_rows) {
        for action in file.actions.drain(..) {
            if action.count.calls > 0 {
                let session = &mut file.sessions[action.session as usize];
                let known = session
                    .actions
                    .entry((action.event_source, action.event_name))
                    .or_default();
                known.calls += action.count.calls;
                known.failures += action.count.failures;
            }
        }
        let mut global = Vec::with_capacity(file.sessions.len());
        for session in file.sessions {
            let key = (
                session.session_arn.clone(),
                session.access_key.clone(),
                session.created_text.clone(),
            );
            match merged.get(&key) {
                Some(&at) => {
                    sessions[at].merge(session);
                    global.push(at);
                }
                None => {
                    merged.insert(key, sessions.len());
                    global.push(sessions.len());
                    sessions.push(session);
                }
            }
        }
        if let Some(file_rows) = file.rows {
            for (mut row, dropped) in file_rows.into_iter().zip(dropped) {
                if !dropped {
                    row.session = global[row.session as usize] as u32;
                    rows.push(row);
                }
            }
        }
    }
    // Sessions whose every call was a copy of another file's are gone.
    let mut order: Vec<usize> = (0..sessions.len())
        .filter(|&s| sessions[s].calls > 0)
        .collect();
    order.sort_by(|&a, &b| sessions[a].key().cmp(&sessions[b].key()));
    let mut new_index = vec![u32::MAX; sessions.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    let mut slots: Vec<Option<SessionActivity>> = sessions.into_iter().map(Some).collect();
    let sessions: Vec<SessionActivity> =
        order.iter().filter_map(|&old| slots[old].take()).collect();
    for row in &mut rows {
        row.session = new_index[row.session as usize];
    }
    rows.retain(|row| row.session != u32::MAX);
    rows.sort_by(|a, b| {
        (a.time, &a.event_id, &a.event_source, &a.event_name).cmp(&(
            b.time,
            &b.event_id,
            &b.event_source,
            &b.event_name,
        ))
    });
    Activity {
        sessions,
        rows,
        duplicates,
    }
}
