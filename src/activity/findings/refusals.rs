//! `refusals-then-success`: bursts of refused role assumptions by one identity, then a
//! success.

use super::{
    Evidence, Finding, Kind, REFUSAL_WINDOW, Severity, anchor_of, list_text, plural, proof,
    role_label, span_text,
};
use crate::event::{EventName, Outcome, RoleAssumption, SourceKind};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::{BTreeSet, VecDeque};

/// A role assumption tried: who, in which second, whether it succeeded, when, and its index.
type Attempt<'e> = (Cow<'e, str>, i64, bool, DateTime<Utc>, usize);

/// Bursts of at least `min` refused attempts by one identity (the caller: user, root, session,
/// service, `provider#subject`, `account#principal`) within [`REFUSAL_WINDOW`] before a
/// success of that identity. One finding per success that ends a burst; refusals count toward
/// one success only. Role assumptions only (and `AssumeRoot`, which puts on root's mask):
/// `GetSessionToken` and `GetFederationToken` put on none, so they neither count as refusals
/// nor end (or clear) a burst. High when the refusals tried other roles than the one that let
/// it in (a search), medium when they were all retries of that role (IAM's eventual
/// consistency after a role or trust policy was made, or a policy changed in between).
pub fn refusals_then_success(evidence: &Evidence, min: u32) -> Vec<Finding> {
    let events = evidence.events;
    // (identity, second, succeeded, time, index): refusals of the same second as a success
    // count as before it (a second is CloudTrail's grain, also where a copy of the trail
    // writes fractions; the events' own order within one is their random ids').
    let mut tried: Vec<Attempt> = (0..events.len())
        .filter(|&i| evidence.kept(i))
        .filter_map(|i| {
            let event = &events[i];
            if !(event.event_name.assumes_role() || event.event_name == EventName::AssumeRoot) {
                return None;
            }
            let who = if event.source().is_empty() {
                return None;
            } else if matches!(
                event.source_kind,
                SourceKind::Saml | SourceKind::WebIdentity | SourceKind::AwsAccount
            ) {
                Cow::Owned(event.origin_label())
            } else {
                Cow::Borrowed(event.source())
            };
            let time = event.event_time?;
            let succeeded = event.outcome != Outcome::Failure;
            Some((who, time.timestamp(), succeeded, time, i))
        })
        .collect();
    tried.sort_unstable();
    let min = min.max(1) as usize;
    let mut findings = Vec::new();
    for attempts in tried.chunk_by(|a, b| a.0 == b.0) {
        // The refusals since the last success, within the window before the latest attempt.
        let mut pending: VecDeque<usize> = VecDeque::new();
        for (_, _, _, time, index) in attempts {
            let Some(from) = time.checked_sub_signed(REFUSAL_WINDOW) else {
                continue;
            };
            while pending
                .front()
                .is_some_and(|&at| events[at].event_time.is_some_and(|t| t < from))
            {
                pending.pop_front();
            }
            if events[*index].outcome == Outcome::Failure {
                pending.push_back(*index);
                continue;
            }
            if pending.len() >= min {
                findings.push(burst(events, &attempts[0].0, &pending, *index));
            }
            pending.clear();
        }
    }
    findings
}

/// The finding of one burst: `refused` then `success`.
fn burst(
    events: &[Box<RoleAssumption>],
    who: &str,
    refused: &VecDeque<usize>,
    success: usize,
) -> Finding {
    let won = &events[success];
    // The roles the refusals named (a refusal with neither request nor a role in its message
    // names none).
    let roles: BTreeSet<&str> = refused
        .iter()
        .map(|&i| events[i].target())
        .filter(|role| !role.is_empty())
        .collect();
    let unnamed = refused.iter().any(|&i| events[i].target().is_empty());
    let codes: Vec<&str> = refused
        .iter()
        .map(|&i| events[i].error_code())
        .filter(|code| !code.is_empty())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect();
    let codes = if codes.is_empty() {
        String::new()
    } else {
        format!(" ({})", codes.join(", "))
    };
    // From the earliest to the latest attempt: refusals in the success's second count as
    // before it, but may be written a fraction after it.
    let times = || {
        refused
            .iter()
            .map(|&i| events[i].event_time)
            .chain([won.event_time])
    };
    let first = times().flatten().min();
    let last = times().flatten().max();
    let span = match (first, last) {
        (Some(first), Some(last)) => span_text(last - first),
        _ => String::new(),
    };
    let target = if won.target().is_empty() {
        String::new()
    } else {
        format!(" into {}", role_label(won.target()))
    };
    let again = if roles.contains(won.target()) && !won.target().is_empty() {
        " (a role it had been refused)"
    } else {
        ""
    };
    // Retries of the one role that then let it in are what IAM's eventual consistency looks
    // like (a role or trust policy just made); refusals on other roles are a search.
    // (Refusals that name no role are not counted against it: refusals naming none at all
    // are no search either (a red-team's, session 37: they made the finding high).)
    let retries = roles.iter().all(|role| *role == won.target());
    let named = list_text(roles.iter().map(|role| role_label(role)), 3);
    let on = match (roles.len(), unnamed) {
        (0, _) => "a role the records do not name".to_owned(),
        (n, false) => format!("{} ({named})", plural(n as u64, "role")),
        (n, true) => format!("{} ({named}) and roles not named", plural(n as u64, "role")),
    };
    Finding {
        id: String::new(),
        kind: Kind::RefusalsThenSuccess,
        severity: if retries {
            Severity::Medium
        } else {
            Severity::High
        },
        subject: who.to_owned(),
        detail: format!(
            "{}{codes} on {on} within {span}, then {}{target} succeeded{again}",
            plural(refused.len() as u64, "refused attempt"),
            won.event_name.as_str(),
        ),
        first_seen: first,
        last_seen: last,
        count: refused.len() as u64,
        event_ids: proof(
            refused
                .iter()
                .map(|&i| events[i].event_id())
                .chain([won.event_id()]),
        ),
        anchor: anchor_of(won),
    }
}
