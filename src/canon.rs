//! One name per role: the canonical role ARN, applied to the deduplicated events.
//!
//! CloudTrail names one role several ways. `requestParameters.roleArn` and a session's
//! `sessionIssuer.arn` carry the role's path (`role/Audit/SecurityAudit`, IAM Identity
//! Center's `role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_…`), but a session ARN
//! (`assumed-role/SecurityAudit/alice`) drops it, so a role derived from a session ARN (the
//! console's SwitchRole, a caller without a `sessionIssuer`) is `role/SecurityAudit`. IAM
//! role names are unique per account, case-insensitively, so every spelling of
//! (partition, account, lowercased name) is one role.
//!
//! Its canonical ARN is chosen among the spellings the logs read hold, first that applies:
//! one with a path (only CloudTrail's own fields know the path); the spelling seen most
//! often; the smallest. Every event's `role_arn` and `caller_role_arn` is then rewritten to it,
//! so `events`, `chains`, the graph and every other output name the role alike. Session ARNs
//! are AWS's own names for sessions and are kept as written.

use crate::arn;
use crate::event::{RoleAssumption, TextFields};
use std::collections::HashMap;

/// A role's identity: partition, account and lowercased name.
type RoleKey = (String, String, String);

fn key_of(role_arn: &str) -> Option<RoleKey> {
    let parsed = arn::Arn::parse(role_arn)?;
    parsed.resource.strip_prefix("role/")?;
    let name = arn::role_name(role_arn)?;
    Some((
        parsed.partition.to_owned(),
        parsed.account.to_owned(),
        name.to_lowercase(),
    ))
}

/// True when the role ARN carries a path (`role/PATH/NAME`).
fn has_path(role_arn: &str) -> bool {
    arn::Arn::parse(role_arn)
        .and_then(|parsed| parsed.resource.strip_prefix("role/"))
        .is_some_and(|path_and_name| path_and_name.contains('/'))
}

/// The role ARNs an event mentions.
fn mentions(event: &RoleAssumption) -> [&str; 2] {
    [event.role_arn(), event.caller_role_arn()]
}

/// Rewrites every role ARN in `events` to its canonical spelling; returns how many events
/// changed. Costs one pass counting distinct spellings (borrowed, no allocation per event);
/// when no role has two spellings, as in most trails without paths, nothing more.
pub fn canonical_roles(events: &mut [Box<RoleAssumption>]) -> usize {
    let renames = renames(events);
    if renames.is_empty() {
        return 0;
    }
    let mut changed = 0;
    for event in events.iter_mut() {
        let [role, caller_role] = mentions(event).map(|arn| renames.get(arn));
        if role.is_none() && caller_role.is_none() {
            continue;
        }
        let mut texts = event.texts();
        if let Some(canonical) = role {
            texts.role_arn = canonical;
        }
        if let Some(canonical) = caller_role {
            texts.caller_role_arn = canonical;
        }
        let text = TextFields::new(&texts);
        event.text = text;
        changed += 1;
    }
    changed
}

/// Each spelling that is not its role's canonical ARN, with the canonical one.
fn renames(events: &[Box<RoleAssumption>]) -> HashMap<String, String> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for event in events {
        for arn in mentions(event) {
            if !arn.is_empty() {
                *counts.entry(arn).or_default() += 1;
            }
        }
    }
    let mut by_role: HashMap<RoleKey, Vec<(&str, u64)>> = HashMap::new();
    for (&spelling, &count) in &counts {
        if let Some(key) = key_of(spelling) {
            by_role.entry(key).or_default().push((spelling, count));
        }
    }
    let mut renames = HashMap::new();
    for spellings in by_role.into_values().filter(|s| s.len() > 1) {
        let Some(&(canonical, _)) = spellings.iter().min_by(|a, b| {
            has_path(b.0)
                .cmp(&has_path(a.0))
                .then(b.1.cmp(&a.1))
                .then(a.0.cmp(b.0))
        }) else {
            continue;
        };
        for (spelling, _) in spellings {
            if spelling != canonical {
                renames.insert(spelling.to_owned(), canonical.to_owned());
            }
        }
    }
    renames
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventName, Outcome, SourceKind, Texts};
    use std::sync::Arc;

    fn event(role_arn: &str, caller_role_arn: &str) -> Box<RoleAssumption> {
        Box::new(RoleAssumption {
            event_time: None,
            event_name: EventName::AssumeRole,
            outcome: Outcome::Success,
            source_kind: SourceKind::AssumedRole,
            cross_account: None,
            caller_session_created: None,
            text: TextFields::new(&Texts {
                role_arn,
                caller_role_arn,
                ..Texts::default()
            }),
            chain: None,
            log_file: Arc::from("f"),
        })
    }

    fn roles(events: &[Box<RoleAssumption>]) -> Vec<[&str; 2]> {
        events.iter().map(|e| mentions(e)).collect()
    }

    #[test]
    fn a_role_named_without_its_path_takes_the_path() {
        let mut events = vec![
            event("arn:aws:iam::1:role/Audit/SecurityAudit", ""),
            event("arn:aws:iam::1:role/SecurityAudit", ""),
            event("arn:aws:iam::2:role/x", "arn:aws:iam::1:role/securityaudit"),
            event("arn:aws:iam::2:role/SecurityAudit", ""),
        ];
        assert_eq!(canonical_roles(&mut events), 2);
        assert_eq!(
            roles(&events),
            [
                ["arn:aws:iam::1:role/Audit/SecurityAudit", ""],
                ["arn:aws:iam::1:role/Audit/SecurityAudit", ""],
                [
                    "arn:aws:iam::2:role/x",
                    "arn:aws:iam::1:role/Audit/SecurityAudit"
                ],
                // Another account's role of the same name is another role.
                ["arn:aws:iam::2:role/SecurityAudit", ""],
            ]
        );
    }

    #[test]
    fn without_a_path_the_most_seen_spelling_wins_then_the_smallest() {
        let mut events = vec![
            event("arn:aws:iam::1:role/admin", ""),
            event("arn:aws:iam::1:role/Admin", ""),
            event("arn:aws:iam::1:role/Admin", ""),
            event("arn:aws:iam::1:role/b", ""),
            event("arn:aws:iam::1:role/B", ""),
        ];
        assert_eq!(canonical_roles(&mut events), 2);
        let names: Vec<&str> = events.iter().map(|e| e.role_arn()).collect();
        assert_eq!(
            names,
            [
                "arn:aws:iam::1:role/Admin",
                "arn:aws:iam::1:role/Admin",
                "arn:aws:iam::1:role/Admin",
                "arn:aws:iam::1:role/B",
                "arn:aws:iam::1:role/B",
            ]
        );
    }

    #[test]
    fn one_spelling_per_role_changes_nothing() {
        let mut events = vec![
            event("arn:aws:iam::1:role/p/a", ""),
            event("arn:aws:iam::1:root", ""),
            event("", "arn:aws:iam::1:role/p/a"),
        ];
        assert_eq!(canonical_roles(&mut events), 0);
    }
}
