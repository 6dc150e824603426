//! `new-edge`: (source, role) pairs whose first success comes after the baseline.

use super::{Evidence, Finding, Kind, Severity, plural, proof};
use crate::arn;
use crate::chain::{caller_session_id, role_ids, session_id_parts};
use crate::event::{EventName, Outcome, RoleAssumption, SourceKind};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The edge a successful hop draws, as the role-level graph names its ends, but with
/// federation and other accounts' callers by subject (`provider#subject`,
/// `account#principal`), since a new subject is what a new edge is about: a session's caller
/// is its role; every other caller itself. Another account's copy of a session's hop
/// (`AWSAccount`, `account#AROA…:name`) names the session by a name its caller chose (often a
/// date or a build number): its caller is the role, named as a hop read that issued a session
/// of that role id named it ([`crate::chain::role_ids`]), else by its id (`account#AROA…`), so that each new
/// session of a known role is no new edge. The mask is the role, or for `GetFederationToken` the federated user (a new
/// one is a known way to keep access after a user's keys are rotated). `None` for a hop that
/// put on no mask (`GetSessionToken`: the caller's own).
fn edge_of<'e>(
    event: &'e RoleAssumption,
    roles: &HashMap<&str, &'e str>,
) -> Option<(Cow<'e, str>, &'e str)> {
    let mask = match event.event_name {
        EventName::GetFederationToken => event.session_arn(),
        _ => event.role_arn(),
    };
    if event.outcome != Outcome::Success || mask.is_empty() {
        return None;
    }
    let source = match event.source_kind {
        SourceKind::AssumedRole if !event.caller_role_arn().is_empty() => {
            Cow::Borrowed(event.caller_role_arn())
        }
        SourceKind::AssumedRole => {
            arn::role_of_session(event.source()).map_or(Cow::Borrowed(event.source()), Cow::Owned)
        }
        SourceKind::AwsAccount if caller_session_id(event).is_some() => {
            let (role_id, _session) = session_id_parts(event.source_subject())?;
            match roles.get(role_id) {
                Some(role) => Cow::Borrowed(*role),
                None => Cow::Owned(format!("{}#{role_id}", event.source())),
            }
        }
        SourceKind::Saml | SourceKind::WebIdentity | SourceKind::AwsAccount => {
            Cow::Owned(event.origin_label())
        }
        _ => Cow::Borrowed(event.source()),
    };
    if source.is_empty() {
        return None;
    }
    Some((source, mask))
}

/// (source, role) pairs whose first success comes after `until`: the pairs of the kept hops
/// after it that no hop read at or before it drew. One finding per pair.
pub fn new_edges(evidence: &Evidence, until: DateTime<Utc>) -> Vec<Finding> {
    let events = evidence.events;
    let roles = role_ids(events);
    let baseline: HashSet<(Cow<str>, &str)> = events
        .iter()
        .filter(|event| event.event_time.is_some_and(|time| time <= until))
        .filter_map(|event| edge_of(event, &roles))
        .collect();
    let mut new: BTreeMap<(Cow<str>, &str), Vec<usize>> = BTreeMap::new();
    for (i, event) in events.iter().enumerate() {
        if !evidence.kept(i) || event.event_time.is_none_or(|time| time <= until) {
            continue;
        }
        if let Some(edge) = edge_of(event, &roles)
            && !baseline.contains(&edge)
        {
            new.entry(edge).or_default().push(i);
        }
    }
    new.into_iter()
        .map(|((source, role), hops)| {
            let first = &events[hops[0]];
            let cross = hops
                .iter()
                .any(|&hop| events[hop].cross_account == Some(true));
            let names: BTreeSet<&str> = hops
                .iter()
                .map(|&hop| events[hop].event_name.as_str())
                .collect();
            Finding {
                id: String::new(),
                kind: Kind::NewEdge,
                severity: if cross {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                subject: format!("{source} -> {role}"),
                detail: format!(
                    "not in the baseline: {}{}, {}",
                    names.into_iter().collect::<Vec<_>>().join(", "),
                    if cross { ", cross-account" } else { "" },
                    plural(hops.len() as u64, "hop")
                ),
                first_seen: first.event_time,
                last_seen: hops.iter().filter_map(|&hop| events[hop].event_time).max(),
                count: hops.len() as u64,
                event_ids: proof(hops.iter().map(|&hop| events[hop].event_id())),
                anchor: String::new(),
            }
        })
        .collect()
}
