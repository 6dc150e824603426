//! One hop per console switch: pairing the sign-in `SwitchRole` record with the
//! `sts:AssumeRole` the console made for it.
//!
//! When a person switches role in the console, CloudTrail logs two records of one act:
//! signin's `SwitchRole` (the person's client address and browser, `SwitchFrom`, the new
//! session as the caller) and, underneath, an `AssumeRole` whose `userAgent` is
//! `AWS Internal`, made in the same second with the same role and session name (both
//! accounts get their copy of it, which de-duplication already counted once). Counted as they
//! come, every console switch would be two hops.
//!
//! They are merged into one `SwitchRole` event that keeps the AssumeRole's `eventID` and the
//! access key it issued (the console session's later calls carry that key, so chains link
//! to the switch), and the AssumeRole's role ARN where it names the role with its path.
//!
//! A pair is: an `AssumeRole` with user agent `AWS Internal`, and a `SwitchRole` with the same
//! outcome, the same role (case-insensitively) and session name, times at most
//! [`PAIR_WINDOW_SECS`] apart, and the same caller where both name it (the AssumeRole's copy
//! that names the caller only by account must agree on the account). Each record pairs at most
//! once: switches are taken in (time, eventID) order, each with the earliest free AssumeRole
//! in its window that names its caller, else the earliest that may be its (another account's
//! copy, or one that names no caller; ties to the smaller eventID): a switch takes a partner
//! any switch could have only when it has none of its own. The pairing depends on no reading
//! order.

use crate::dedupe::output_order;
use crate::event::{EventName, RoleAssumption, SourceKind, TextFields};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// How far apart the two records of one switch may be. They are written in the same second;
/// two seconds of slack allow for the two services' clocks.
pub const PAIR_WINDOW_SECS: i64 = 2;

/// The user agent of the AssumeRole the console makes.
const CONSOLE_AGENT: &str = "AWS Internal";

/// The key both records of one switch share: role account, lowercased role name, session
/// name, outcome.
fn pair_key(event: &RoleAssumption) -> Option<(String, String, &str, bool)> {
    let name = crate::arn::role_name(event.role_arn())?;
    Some((
        event.role_account().to_owned(),
        name.to_lowercase(),
        event.session_name(),
        event.outcome == crate::event::Outcome::Success,
    ))
}

fn is_console_assume_role(event: &RoleAssumption) -> bool {
    event.event_name == EventName::AssumeRole && event.user_agent() == CONSOLE_AGENT
}

/// The console AssumeRoles of one [`pair_key`], by what they say of their caller, each list
/// in (time, eventID) order: a switch looks in those its caller may be, within its window.
#[derive(Default)]
struct Candidates<'e> {
    /// Every one: for a switch that names no caller.
    all: FreeList,
    /// Those that name their caller by ARN (or service, provider), by that name.
    by_caller: HashMap<&'e str, FreeList>,
    /// Those of another account's copy, which names the caller by account alone: by account,
    /// and all of them (for a switch whose caller names no account).
    by_account: HashMap<&'e str, FreeList>,
    any_account: FreeList,
    /// Those that name no caller.
    callerless: FreeList,
}

impl<'e> Candidates<'e> {
    fn push(&mut self, index: usize, assume: &'e RoleAssumption) {
        self.all.entries.push(index);
        if assume.source().is_empty() {
            self.callerless.entries.push(index);
        } else if assume.source_kind == SourceKind::AwsAccount {
            let account = self.by_account.entry(assume.source()).or_default();
            account.entries.push(index);
            self.any_account.entries.push(index);
        } else {
            let caller = self.by_caller.entry(assume.source()).or_default();
            caller.entries.push(index);
        }
    }

    fn lists(&mut self) -> impl Iterator<Item = &mut FreeList> {
        [&mut self.all, &mut self.any_account, &mut self.callerless]
            .into_iter()
            .chain(self.by_caller.values_mut())
            .chain(self.by_account.values_mut())
    }

    /// The AssumeRole `switch` pairs with among those not `taken`, issued within `window`:
    /// one that names the switch's caller, the earliest, else the earliest that may be its
    /// (another account's copy from its account, or one that names no caller; a switch
    /// that names no caller may be any one's). The caller's own first: a copy that may be anyone's is left to
    /// the switches that have no other (a review's, session 39: the earliest of either
    /// paired one switch with the only partner of another).
    fn partner(
        &mut self,
        switch: &RoleAssumption,
        window: (DateTime<Utc>, DateTime<Utc>),
        events: &[Box<RoleAssumption>],
        taken: &[bool],
    ) -> Option<usize> {
        if switch.source().is_empty() {
            return self.all.first_free(window, events, taken);
        }
        let own = (self.by_caller.get_mut(switch.source()))
            .and_then(|list| list.first_free(window, events, taken));
        if own.is_some() {
            return own;
        }
        let copies = if switch.source_account().is_empty() {
            Some(&mut self.any_account)
        } else {
            self.by_account.get_mut(switch.source_account())
        };
        let copy = copies.and_then(|list| list.first_free(window, events, taken));
        let callerless = self.callerless.first_free(window, events, taken);
        [copy, callerless]
            .into_iter()
            .flatten()
            .min_by(|&a, &b| output_order(&events[a], &events[b]))
    }
}

/// Events in (time, eventID) order, and where to look past those taken: each taken entry
/// met is jumped over the next time (pointers shortened as they are followed), so a window
/// of many taken or unfit entries is walked once, not once per switch (a review's, session
/// 39: 20,000 switches in one second took 6 s).
#[derive(Default)]
struct FreeList {
    entries: Vec<usize>,
    /// For each entry, a place at or after it from which to look for a free one.
    next: Vec<usize>,
}

impl FreeList {
    fn sort(&mut self, events: &[Box<RoleAssumption>]) {
        self.entries
            .sort_by(|&a, &b| output_order(&events[a], &events[b]));
        self.next = (0..self.entries.len()).collect();
    }

    /// The first entry not `taken` issued within `window`.
    fn first_free(
        &mut self,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        events: &[Box<RoleAssumption>],
        taken: &[bool],
    ) -> Option<usize> {
        let time = |entry: usize| events[entry].event_time;
        let start = (self.entries).partition_point(|&entry| time(entry) < Some(from));
        let free = self.free_from(start, taken);
        let entry = *self.entries.get(free)?;
        (time(entry) <= Some(to)).then_some(entry)
    }

    /// The first place at or after `at` whose entry is not `taken` (the length when none).
    fn free_from(&mut self, at: usize, taken: &[bool]) -> usize {
        let len = self.entries.len();
        let mut end = at;
        while end < len && taken[self.entries[end]] {
            end = self.next[end].max(end + 1);
        }
        // Every place passed now looks from `end` on.
        let mut place = at;
        while place < end {
            let next = self.next[place].max(place + 1);
            self.next[place] = end;
            place = next;
        }
        end
    }
}

/// Merges each console switch's two records into one `SwitchRole` event (see the module
/// documentation); returns how many pairs were merged. Keeps the order of the events left.
// Boxed as the scan holds them (`Scan::events`): moving an event is moving a pointer.
#[allow(clippy::vec_box)]
pub fn pair_console_switches(events: &mut Vec<Box<RoleAssumption>>) -> usize {
    if !events
        .iter()
        .any(|event| event.event_name == EventName::SwitchRole)
    {
        return 0;
    }
    let pairs = pairs_of(events);
    for &(switch, assume) in &pairs {
        events[switch].text = merged_texts(&events[switch], &events[assume]);
    }
    let mut taken = vec![false; events.len()];
    for &(_, assume) in &pairs {
        taken[assume] = true;
    }
    let mut index = 0;
    events.retain(|_| {
        index += 1;
        !taken[index - 1]
    });
    pairs.len()
}

/// The (switch, AssumeRole) pairs: switches in (time, eventID) order, each with its
/// [`Candidates::partner`] within [`PAIR_WINDOW_SECS`]. The candidates of each key are
/// looked up by two binary searches and a walk past those taken, so the pairing costs
/// sorting, whatever the number of records of one role, session name and second.
fn pairs_of(events: &[Box<RoleAssumption>]) -> Vec<(usize, usize)> {
    let mut by_key: HashMap<_, Candidates> = HashMap::new();
    for (index, event) in events.iter().enumerate() {
        if is_console_assume_role(event)
            && event.event_time.is_some()
            && let Some(key) = pair_key(event)
        {
            by_key.entry(key).or_default().push(index, event);
        }
    }
    if by_key.is_empty() {
        return Vec::new();
    }
    for candidates in by_key.values_mut() {
        for list in candidates.lists() {
            list.sort(events);
        }
    }
    let mut switches: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].event_name == EventName::SwitchRole)
        .collect();
    switches.sort_by(|&a, &b| output_order(&events[a], &events[b]));
    let mut taken = vec![false; events.len()];
    let mut pairs = Vec::new();
    let slack = chrono::TimeDelta::seconds(PAIR_WINDOW_SECS);
    for switch in switches {
        let event = &events[switch];
        let (Some(key), Some(time)) = (pair_key(event), event.event_time) else {
            continue;
        };
        let Some(candidates) = by_key.get_mut(&key) else {
            continue;
        };
        let window = (
            time.checked_sub_signed(slack)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            time.checked_add_signed(slack)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        );
        if let Some(assume) = candidates.partner(event, window, events, &taken) {
            taken[assume] = true;
            pairs.push((switch, assume));
        }
    }
    pairs
}

/// The switch's texts with what its AssumeRole adds: its `eventID`, the access key it issued
/// (the console session's later calls carry it, so chains link to the switch), the session's
/// principal id (how another account's copy of the session's calls names it), its
/// `sharedEventID`, the role ARN where it names the role with its path, and the caller's key,
/// MFA and source identity where the switch does not say them.
fn merged_texts(switch: &RoleAssumption, assume: &RoleAssumption) -> TextFields {
    let mut texts = switch.texts();
    let from = assume.texts();
    texts.event_id = from.event_id;
    texts.issued_access_key = from.issued_access_key;
    texts.shared_event_id = from.shared_event_id;
    // A review's (session 39): without it, a copy of a hop the console session made was
    // linked while the switch's record was not read, and not once it was.
    if texts.session_principal.is_empty() {
        texts.session_principal = from.session_principal;
    }
    if texts.caller_access_key.is_empty() {
        texts.caller_access_key = from.caller_access_key;
    }
    if texts.mfa_authenticated.is_empty() {
        texts.mfa_authenticated = from.mfa_authenticated;
    }
    if texts.source_identity.is_empty() {
        texts.source_identity = from.source_identity;
    }
    if from.role_arn.len() > texts.role_arn.len() {
        texts.role_arn = from.role_arn;
    }
    TextFields::new(&texts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Outcome, Texts};
    use crate::timefmt;

    struct Spec<'a> {
        name: EventName,
        time: &'a str,
        outcome: Outcome,
        kind: SourceKind,
        texts: Texts<'a>,
    }

    fn build(spec: Spec) -> Box<RoleAssumption> {
        Box::new(RoleAssumption {
            event_time: timefmt::parse(spec.time),
            event_name: spec.name,
            outcome: spec.outcome,
            source_kind: spec.kind,
            cross_account: Some(true),
            ..RoleAssumption::with_texts(&spec.texts)
        })
    }

    fn switch(time: &str, id: &str, outcome: Outcome) -> Box<RoleAssumption> {
        build(Spec {
            name: EventName::SwitchRole,
            time,
            outcome,
            kind: SourceKind::IamUser,
            texts: Texts {
                event_id: id,
                source: "arn:aws:iam::111:user/bob",
                source_account: "111",
                role_arn: "arn:aws:iam::222:role/ReadOnly",
                role_account: "222",
                session_name: "bob",
                session_arn: "arn:aws:sts::222:assumed-role/ReadOnly/bob",
                source_ip: "203.0.113.44",
                user_agent: "Mozilla/5.0",
                ..Texts::default()
            },
        })
    }

    fn assume(time: &str, id: &str, kind: SourceKind, source: &str) -> Box<RoleAssumption> {
        build(Spec {
            name: EventName::AssumeRole,
            time,
            outcome: Outcome::Success,
            kind,
            texts: Texts {
                event_id: id,
                source,
                source_account: "111",
                role_arn: "arn:aws:iam::222:role/console/ReadOnly",
                role_account: "222",
                session_name: "bob",
                source_ip: CONSOLE_AGENT,
                user_agent: CONSOLE_AGENT,
                issued_access_key: "ASIAKEY",
                ..Texts::default()
            },
        })
    }

    #[test]
    fn a_switch_and_its_assume_role_are_one_event() {
        let mut events = vec![
            assume(
                "2024-01-01T10:00:00Z",
                "a1",
                SourceKind::IamUser,
                "arn:aws:iam::111:user/bob",
            ),
            switch("2024-01-01T10:00:01Z", "s1", Outcome::Success),
        ];
        assert_eq!(pair_console_switches(&mut events), 1);
        assert_eq!(events.len(), 1);
        let merged = &events[0];
        assert_eq!(merged.event_name, EventName::SwitchRole);
        assert_eq!(
            (
                merged.event_id(),
                merged.issued_access_key(),
                merged.role_arn(),
                merged.source_ip(),
                merged.user_agent()
            ),
            (
                "a1",
                "ASIAKEY",
                "arn:aws:iam::222:role/console/ReadOnly",
                "203.0.113.44",
                "Mozilla/5.0"
            )
        );
    }

    #[test]
    fn the_role_accounts_copy_pairs_on_the_account() {
        let mut events = vec![
            switch("2024-01-01T10:00:00Z", "s1", Outcome::Success),
            assume("2024-01-01T10:00:00Z", "a1", SourceKind::AwsAccount, "111"),
        ];
        assert_eq!(pair_console_switches(&mut events), 1);
        let mut other = vec![
            switch("2024-01-01T10:00:00Z", "s1", Outcome::Success),
            assume("2024-01-01T10:00:00Z", "a1", SourceKind::AwsAccount, "999"),
        ];
        assert_eq!(pair_console_switches(&mut other), 0);
        assert_eq!(other.len(), 2);
    }

    #[test]
    fn pairs_need_the_same_second_outcome_and_caller() {
        let late = || {
            vec![
                switch("2024-01-01T10:00:00Z", "s1", Outcome::Success),
                assume(
                    "2024-01-01T10:00:03Z",
                    "a1",
                    SourceKind::IamUser,
                    "arn:aws:iam::111:user/bob",
                ),
            ]
        };
        let mut events = late();
        assert_eq!(pair_console_switches(&mut events), 0);
        let mut failed = vec![
            switch("2024-01-01T10:00:00Z", "s1", Outcome::Failure),
            assume(
                "2024-01-01T10:00:00Z",
                "a1",
                SourceKind::IamUser,
                "arn:aws:iam::111:user/bob",
            ),
        ];
        assert_eq!(pair_console_switches(&mut failed), 0);
        let mut stranger = vec![
            switch("2024-01-01T10:00:00Z", "s1", Outcome::Success),
            assume(
                "2024-01-01T10:00:00Z",
                "a1",
                SourceKind::IamUser,
                "arn:aws:iam::111:user/eve",
            ),
        ];
        assert_eq!(pair_console_switches(&mut stranger), 0);
    }

    #[test]
    fn every_switch_pairs_when_the_nearest_partner_would_leave_one_alone() {
        let bob = "arn:aws:iam::111:user/bob";
        let mut events = vec![
            switch("2021-01-01T00:00:00Z", "s1", Outcome::Success),
            switch("2021-01-01T00:00:02Z", "s2", Outcome::Success),
            assume("2020-12-31T23:59:58Z", "a1", SourceKind::IamUser, bob),
            assume("2021-01-01T00:00:01Z", "a2", SourceKind::IamUser, bob),
        ];
        assert_eq!(pair_console_switches(&mut events), 2);
        let ids: Vec<&str> = events.iter().map(|e| e.event_id()).collect();
        assert_eq!(ids, ["a1", "a2"]);
    }

    #[test]
    fn records_far_apart_in_time_cost_no_comparisons() {
        // 20,000 switches and 20,000 console AssumeRoles of one role and session name, hours
        // apart: none pairs, and each switch looks at none (a pass over all of them for each
        // switch took 7 s at this size).
        let bob = "arn:aws:iam::111:user/bob";
        let time = |hours: i64| {
            let at = chrono::DateTime::from_timestamp(hours * 3600, 0).unwrap();
            timefmt::format(&at)
        };
        let mut events = Vec::new();
        for i in 0..20_000 {
            events.push(switch(&time(2 * i), "s", Outcome::Success));
            events.push(assume(&time(2 * i + 1), "a", SourceKind::IamUser, bob));
        }
        let started = std::time::Instant::now();
        assert_eq!(pair_console_switches(&mut events), 0);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn two_switches_in_one_second_take_one_assume_role_each_in_any_order() {
        let make = || {
            vec![
                switch("2024-01-01T10:00:00Z", "s1", Outcome::Success),
                switch("2024-01-01T10:00:01Z", "s2", Outcome::Success),
                assume(
                    "2024-01-01T10:00:01Z",
                    "a2",
                    SourceKind::IamUser,
                    "arn:aws:iam::111:user/bob",
                ),
                assume(
                    "2024-01-01T10:00:00Z",
                    "a1",
                    SourceKind::IamUser,
                    "arn:aws:iam::111:user/bob",
                ),
            ]
        };
        let mut events = make();
        assert_eq!(pair_console_switches(&mut events), 2);
        let ids: Vec<&str> = events.iter().map(|e| e.event_id()).collect();
        assert_eq!(ids, ["a1", "a2"]);
        let mut reversed = make();
        reversed.reverse();
        assert_eq!(pair_console_switches(&mut reversed), 2);
        let ids: Vec<&str> = reversed.iter().map(|e| e.event_id()).collect();
        assert_eq!(ids, ["a2", "a1"]);
    }
}
