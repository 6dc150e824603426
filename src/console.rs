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
//! in its window (ties to the smaller eventID), which pairs as many as can be, and depends on
//! no reading order.

use crate::dedupe::output_order;
use crate::event::{EventName, RoleAssumption, SourceKind, TextFields};
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

/// True when the AssumeRole's caller can be the switch's `SwitchFrom`.
fn same_caller(switch: &RoleAssumption, assume: &RoleAssumption) -> bool {
    if switch.source().is_empty() || assume.source().is_empty() {
        return true;
    }
    if assume.source_kind == SourceKind::AwsAccount {
        return switch.source_account().is_empty() || switch.source_account() == assume.source();
    }
    switch.source() == assume.source()
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
    // The candidates of each key, in (time, eventID) order: a switch looks only at those
    // within its window (two binary searches), so the pairing costs sorting, whatever the
    // number of records of one role and session name far apart in time.
    let mut assumes: HashMap<_, Vec<usize>> = HashMap::new();
    for (index, event) in events.iter().enumerate() {
        if is_console_assume_role(event)
            && event.event_time.is_some()
            && let Some(key) = pair_key(event)
        {
            assumes.entry(key).or_default().push(index);
        }
    }
    if assumes.is_empty() {
        return 0;
    }
    // The listings' order: time, then eventID, then the whole event.
    let order = |a: &usize, b: &usize| output_order(&events[*a], &events[*b]);
    for candidates in assumes.values_mut() {
        candidates.sort_by(order);
    }
    let mut switches: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].event_name == EventName::SwitchRole)
        .collect();
    switches.sort_by(order);
    // Switches in time order, each with the earliest free AssumeRole within its window: on a
    // line, taking the earliest partner leaves the later ones to the later switches, so as
    // many switches pair as can (the nearest partner could take a later switch's only one).
    let mut taken = vec![false; events.len()];
    let mut pairs = Vec::new();
    let window = chrono::TimeDelta::seconds(PAIR_WINDOW_SECS);
    for switch in switches {
        let event = &events[switch];
        let (Some(key), Some(time)) = (pair_key(event), event.event_time) else {
            continue;
        };
        let Some(candidates) = assumes.get(&key) else {
            continue;
        };
        let at = |c: &usize| events[*c].event_time;
        let start = candidates.partition_point(|c| at(c) < time.checked_sub_signed(window));
        let end = match time.checked_add_signed(window) {
            Some(last) => candidates.partition_point(|c| at(c) <= Some(last)),
            None => candidates.len(),
        };
        let best = candidates[start..end.max(start)]
            .iter()
            .copied()
            .find(|&c| !taken[c] && same_caller(event, &events[c]));
        if let Some(assume) = best {
            taken[assume] = true;
            pairs.push((switch, assume));
        }
    }
    for &(switch, assume) in &pairs {
        let merged = {
            let (switch_event, assume_event) = (&events[switch], &events[assume]);
            let mut texts = switch_event.texts();
            let from = assume_event.texts();
            texts.event_id = from.event_id;
            texts.issued_access_key = from.issued_access_key;
            texts.shared_event_id = from.shared_event_id;
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
        };
        events[switch].text = merged;
    }
    let mut index = 0;
    events.retain(|_| {
        index += 1;
        !taken[index - 1]
    });
    pairs.len()
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
