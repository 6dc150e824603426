//! `service-and-human`: a role worn both by an AWS service and by a person within 24 hours.

use super::{
    Evidence, Finding, Kind, SERVICE_AND_HUMAN_WINDOW, Severity, list_text, plural, proof,
    span_text, wears_role,
};
use crate::activity::attribute::origin_kind;
use crate::event::{RoleAssumption, SourceKind};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;

/// Which side of [`Kind::ServiceAndHuman`] a hop is on: `true` when an AWS service put the
/// role on itself (the role trusts the service), `false` when the hop's chain began at an
/// identity that is no service (a user, root, federation, another account's principal, a
/// console switch from a session). A hop chained from a service's session (the workload
/// going on) and a hop whose origin is unknown take no side.
fn side_of(event: &RoleAssumption) -> Option<bool> {
    if event.source_kind == SourceKind::AwsService {
        return Some(true);
    }
    match origin_kind(&event.chain().origin) {
        "aws-service" | "unknown" => None,
        _ => Some(false),
    }
}

/// A hop of [`service_and_human`]: its role, time, index, and side ([`side_of`]).
type RoleHop<'e> = (&'e str, DateTime<Utc>, usize, bool);

/// Roles an AWS service put on and that an identity that is no service wore within
/// [`SERVICE_AND_HUMAN_WINDOW`] of it: one finding per role.
pub fn service_and_human(evidence: &Evidence) -> Vec<Finding> {
    let events = evidence.events;
    // Every kept hop that wore a role, by role and time.
    let mut hops: Vec<RoleHop> = (0..events.len())
        .filter(|&i| evidence.kept(i) && wears_role(&events[i]))
        .filter_map(|i| {
            let event = &events[i];
            Some((event.role_arn(), event.event_time?, i, side_of(event)?))
        })
        .collect();
    hops.sort_unstable();
    let mut findings = Vec::new();
    for role_hops in hops.chunk_by(|a, b| a.0 == b.0) {
        // The nearest hop of the other side, before and after each hop: two sweeps.
        let mut nearest: Vec<Option<TimeDelta>> = vec![None; role_hops.len()];
        let mut last: [Option<DateTime<Utc>>; 2] = [None, None];
        for (k, &(_, time, _, service)) in role_hops.iter().enumerate() {
            if let Some(other) = last[usize::from(!service)] {
                nearest[k] = Some(time - other);
            }
            last[usize::from(service)] = Some(time);
        }
        let mut next: [Option<DateTime<Utc>>; 2] = [None, None];
        for (k, &(_, time, _, service)) in role_hops.iter().enumerate().rev() {
            if let Some(other) = next[usize::from(!service)] {
                let gap = other - time;
                nearest[k] = Some(nearest[k].map_or(gap, |known| known.min(gap)));
            }
            next[usize::from(service)] = Some(time);
        }
        let paired: Vec<(usize, &RoleHop)> = role_hops
            .iter()
            .enumerate()
            .filter(|(k, _)| nearest[*k].is_some_and(|gap| gap <= SERVICE_AND_HUMAN_WINDOW))
            .collect();
        if paired.is_empty() {
            continue;
        }
        let closest = paired.iter().filter_map(|(k, _)| nearest[*k]).min();
        let mut services: BTreeMap<&str, u64> = BTreeMap::new();
        let mut others: BTreeMap<&str, u64> = BTreeMap::new();
        for &(_, &(_, _, index, service)) in &paired {
            let event = &events[index];
            if service {
                *services.entry(event.source()).or_default() += 1;
            } else {
                *others.entry(&event.chain().origin).or_default() += 1;
            }
        }
        // `ec2.amazonaws.com (2 hops)`, `alice, bob and 3 more (7 hops)`.
        let side = |who: &BTreeMap<&str, u64>| {
            format!(
                "{} ({})",
                list_text(who.keys().copied(), 3),
                plural(who.values().sum(), "hop")
            )
        };
        findings.push(Finding {
            id: String::new(),
            kind: Kind::ServiceAndHuman,
            severity: Severity::Medium,
            subject: role_hops[0].0.to_owned(),
            detail: format!(
                "worn by {} and by {} within 24 h of each other (closest {} apart)",
                side(&services),
                side(&others),
                span_text(closest.unwrap_or_default())
            ),
            first_seen: paired.first().map(|(_, hop)| hop.1),
            last_seen: paired.last().map(|(_, hop)| hop.1),
            count: paired.len() as u64,
            event_ids: proof(paired.iter().map(|(_, hop)| events[hop.2].event_id())),
            anchor: String::new(),
        });
    }
    findings
}
