//! A worker's aggregate as a partial result stores it, piece by piece in an order that does
//! not depend on which worker read which file, and read back ([`crate::partial`] writes and
//! reads the lines).

use super::{
    AddressUse, CallAggregate, CallMark, CallRow, MAX_ACCOUNTS, MAX_LISTED, SessionActivity, Slot,
};
use crate::activity::network::place_of;
use crate::timefmt::Seen;
use std::sync::Arc;

/// One piece of a worker's aggregate as a partial result stores it ([`crate::partial`]), in
/// an order that does not depend on which worker read which file: actions by name, sessions
/// by key, log files by path, calls by log file then position. The counts are not stored:
/// they are the calls', counted again when the pieces are read back
/// ([`CallAggregate::add_stored`]), so a partial cannot make them disagree.
pub(crate) enum StoredPiece<'a> {
    Name(&'a str, &'a str),
    Session(&'a SessionActivity),
    Log(&'a str),
    /// The copies taken out of the log file before it as it was read (only when some were).
    Copies(u64),
    Call(StoredCall<'a>),
    /// The timeline's row of the call before it.
    Row(&'a CallRow),
}

/// One call: its identity (ending in its source address, the last `address_len` bytes), the
/// log file, session and action (event source and name) it was counted under, by index among
/// the pieces before it, and its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredCall<'a> {
    pub id: &'a str,
    pub address_len: u32,
    pub log: u32,
    pub session: u32,
    pub name: u32,
    pub failed: bool,
    pub writes: bool,
    pub lambda: bool,
}

impl CallAggregate {
    /// Every piece of the aggregate, in the stored order ([`StoredPiece`]).
    pub(crate) fn for_each_stored<E>(
        &self,
        mut sink: impl FnMut(StoredPiece<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        fn order<T>(items: &[T], cmp: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<u32> {
            let mut order: Vec<u32> = (0..items.len() as u32).collect();
            order.sort_by(|&a, &b| cmp(&items[a as usize], &items[b as usize]));
            order
        }
        fn renumbered(order: &[u32]) -> Vec<u32> {
            let mut new = vec![0; order.len()];
            for (at, &old) in order.iter().enumerate() {
                new[old as usize] = at as u32;
            }
            new
        }
        let names = order(&self.names, |a, b| a.cmp(b));
        let sessions = order(&self.sessions, |a, b| a.key().cmp(&b.key()));
        let logs = order(&self.log_files, |a, b| a.cmp(b));
        let (name_at, session_at, log_at) =
            (renumbered(&names), renumbered(&sessions), renumbered(&logs));
        for &n in &names {
            let (source, name) = &self.names[n as usize];
            sink(StoredPiece::Name(source, name))?;
        }
        for &s in &sessions {
            sink(StoredPiece::Session(&self.sessions[s as usize]))?;
        }
        for &l in &logs {
            sink(StoredPiece::Log(&self.log_files[l as usize]))?;
            match self.copies_dropped.get(l as usize) {
                Some(&copies) if copies > 0 => sink(StoredPiece::Copies(copies))?,
                _ => {}
            }
        }
        // Stable: a file's calls keep the order they were read in.
        let mut calls: Vec<usize> = (0..self.marks.len()).collect();
        calls.sort_by_key(|&m| log_at[self.marks[m].file as usize]);
        for m in calls {
            let mark = &self.marks[m];
            sink(StoredPiece::Call(StoredCall {
                id: self.id(mark),
                address_len: mark.address_len,
                log: log_at[mark.file as usize],
                session: session_at[mark.session as usize],
                name: name_at[self.actions[mark.action as usize].name as usize],
                failed: mark.failed,
                writes: mark.writes,
                lambda: mark.lambda,
            }))?;
            if let Some(row) = self.rows.as_ref().and_then(|rows| rows.get(m)) {
                sink(StoredPiece::Row(row))?;
            }
        }
        Ok(())
    }

    /// An aggregate to take in stored calls ([`CallAggregate::add_stored`]): the actions,
    /// sessions (their counts and address counts are then the calls') and log files stored.
    ///
    /// # Errors
    /// An action or session stored twice.
    pub(crate) fn stored(
        names: Vec<(Arc<str>, Arc<str>)>,
        sessions: Vec<SessionActivity>,
        logs: Vec<Arc<str>>,
        timeline: bool,
    ) -> Result<CallAggregate, String> {
        let mut activity = CallAggregate::new(timeline);
        for (source, name) in &names {
            activity.name_of(source, name);
        }
        if activity.names.len() != names.len() {
            return Err("an action stored twice".into());
        }
        for session in sessions {
            let Slot::Vacant(hash) = activity.sessions.find(session.key()) else {
                return Err(format!("session {} stored twice", session.session_arn));
            };
            activity.sessions.push(
                hash,
                SessionActivity {
                    calls: 0,
                    failures: 0,
                    write_calls: 0,
                    actions: Vec::new(),
                    last_address: None,
                    addresses: session
                        .addresses
                        .into_iter()
                        .map(|used| AddressUse {
                            calls: 0,
                            lambda_calls: 0,
                            ..used
                        })
                        .collect(),
                    ..session
                },
            );
        }
        activity.copies_dropped = vec![0; logs.len()];
        activity.log_files = logs;
        Ok(activity)
    }

    /// Takes in one stored call.
    ///
    /// # Errors
    /// A call that names a session, action or log file not stored, or an address longer than
    /// its id.
    pub(crate) fn add_stored(&mut self, call: StoredCall<'_>) -> Result<(), String> {
        let session = call.session as usize;
        if session >= self.sessions.len()
            || call.name as usize >= self.names.len()
            || call.log as usize >= self.log_files.len()
        {
            return Err("a call names a session, action or log file not stored".into());
        }
        let address_len = call.address_len as usize;
        if address_len > call.id.len() || !call.id.is_char_boundary(call.id.len() - address_len) {
            return Err("a call's address is not the end of its identity".into());
        }
        let address = &call.id[call.id.len() - address_len..];
        let counted = &mut self.sessions[session];
        counted.calls += 1;
        counted.failures += u64::from(call.failed);
        counted.write_calls += u64::from(call.writes);
        let place = place_of(address);
        if let Ok(at) = counted
            .addresses
            .binary_search_by(|known| (*known.place).cmp(&place))
        {
            counted.addresses[at].calls += 1;
            counted.addresses[at].lambda_calls += u64::from(call.lambda);
        }
        let action = self.action_of(call.session, call.name);
        let count = &mut self.actions[action as usize].count;
        count.calls += 1;
        count.failures += u64::from(call.failed);
        let id_start = self.ids.len() as u64;
        self.ids.push_str(call.id);
        self.marks.push(CallMark {
            id_start,
            id_len: call.id.len() as u32,
            address_len: call.address_len,
            file: call.log,
            session: call.session,
            action,
            failed: call.failed,
            writes: call.writes,
            lambda: call.lambda,
        });
        Ok(())
    }

    /// Takes in the timeline's row of the last call taken in (its session and log file are
    /// the call's); ignored when the timeline is not kept.
    ///
    /// # Errors
    /// A row with no call before it, or a second row for one call.
    pub(crate) fn add_stored_row(&mut self, mut row: CallRow) -> Result<(), String> {
        let Some(rows) = &mut self.rows else {
            return Ok(());
        };
        let Some(mark) = self.marks.last() else {
            return Err("a timeline row before any call".into());
        };
        if rows.len() + 1 != self.marks.len() {
            return Err("a call with two timeline rows".into());
        }
        row.session = mark.session;
        row.log_file = Arc::clone(&self.log_files[mark.file as usize]);
        rows.push(row);
        Ok(())
    }

    /// True when every call taken in has its row (or the timeline is not kept).
    pub(crate) fn rows_complete(&self) -> bool {
        self.rows
            .as_ref()
            .is_none_or(|rows| rows.len() == self.marks.len())
    }
}

impl SessionActivity {
    /// A session as a partial result stores it, its counts not yet taken in
    /// ([`CallAggregate::add_stored`] counts the calls).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn stored(
        session_arn: Box<str>,
        access_key: Box<str>,
        created_text: Box<str>,
        by_principal: bool,
        issuer_arn: Box<str>,
        seen: Seen,
        addresses: Vec<AddressUse>,
        (addresses_dropped, names_dropped): (bool, bool),
        mut accounts: Vec<Box<str>>,
        accounts_dropped: bool,
    ) -> SessionActivity {
        accounts.sort();
        accounts.dedup();
        let accounts_dropped = accounts_dropped || accounts.len() > MAX_ACCOUNTS;
        accounts.truncate(MAX_ACCOUNTS);
        // Keyed as the reader keys it (a partial is untrusted input too): a session known by
        // its principal id keeps the minute of its calls, and has no creation time.
        let created_text: Box<str> = match super::created_key(&created_text) {
            std::borrow::Cow::Owned(key) if !by_principal => key.into(),
            _ => created_text,
        };
        let mut session = SessionActivity {
            created: (!by_principal)
                .then(|| crate::timefmt::parse(&created_text))
                .flatten(),
            by_principal,
            session_arn,
            access_key,
            created_text,
            issuer_arn,
            calls: 0,
            failures: 0,
            write_calls: 0,
            seen,
            actions: Vec::new(),
            addresses: Vec::with_capacity(addresses.len().min(3 * MAX_LISTED)),
            addresses_dropped,
            names_dropped,
            last_address: None,
            accounts,
            accounts_dropped,
            copies: 0,
        };
        // As the reader keeps them: each network once, sorted, the smallest MAX_LISTED of
        // each kind ([`PlaceKind`](crate::activity::network::PlaceKind): private networks,
        // the others, names; the cap of one kind alone dropped the public networks a finding
        // counts).
        for used in addresses {
            session.add_address(used);
        }
        session
    }
}
