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
//! Its canonical ARN is chosen among the spellings AWS vouched for in the logs read (a session
//! issuer's ARN, which AWS writes, and the role ARN of a successful call, which STS accepted;
//! never a refused request's, which is whatever the caller typed), first that applies: one
//! with a path; the spelling vouched for most often; the smallest. A role no event vouches for
//! keeps its spellings. Every event's `role_arn` and `caller_role_arn` is then rewritten to it,
//! so `events`, `chains`, the graph and every other output name the role alike. Session ARNs
//! are AWS's own names for sessions and are kept as written.

use crate::arn;
use crate::event::{Outcome, RoleAssumption, TextFields};
use std::collections::{HashMap, HashSet};

/// A role's identity: partition, account and lowercased name.
type RoleKey = (String, String, String);

fn key_of(role_arn: &str) -> Option<RoleKey> {
    let parsed = arn::Arn::parse(role_arn)?;
    if parsed.service != "iam" {
        return None;
    }
    parsed.resource.strip_prefix("role/")?;
    let name = arn::role_name(role_arn)?;
    // IAM names are ASCII: a Unicode case mapping (the Kelvin sign to `k`) would only join
    // what a crafted record wrote.
    Some((
        parsed.partition.to_owned(),
        parsed.account.to_owned(),
        name.to_ascii_lowercase(),
    ))
}

/// True when the role ARN carries a path (`role/PATH/NAME`).
pub(crate) fn has_path(role_arn: &str) -> bool {
    arn::Arn::parse(role_arn)
        .and_then(|parsed| parsed.resource.strip_prefix("role/"))
        .is_some_and(|path_and_name| path_and_name.contains('/'))
}

/// Orders a role's spellings, each with how often it was vouched for, the canonical first:
/// the one with a path, then the one vouched for most often, then the smallest.
fn canonical_first((arn, count): (&str, u64)) -> impl Ord + '_ {
    (!has_path(arn), std::cmp::Reverse(count), arn)
}

/// The role ARNs an event mentions.
fn mentions(event: &RoleAssumption) -> [&str; 2] {
    [event.role_arn(), event.caller_role_arn()]
}

/// The role ARNs an event vouches for: the role a successful call put on (STS accepted the
/// ARN) and the issuer of the caller's session (AWS wrote it). A refused request's ARN is
/// whatever the caller typed, so it names nothing: it is renamed, never a name to rename to.
fn vouched(event: &RoleAssumption) -> [&str; 2] {
    let role = if event.outcome == Outcome::Success {
        event.role_arn()
    } else {
        ""
    };
    [role, event.caller_role_arn()]
}

/// The roles the events name, by identity: for a role named elsewhere (a hand-over's
/// request, a call's session), the spelling the events use, after [`canonical_roles`].
pub struct KnownRoles<'e> {
    by_key: HashMap<RoleKey, &'e str>,
}

impl<'e> KnownRoles<'e> {
    /// The roles of `events` (already canonical: one spelling each; of two, the smaller).
    pub fn of(events: &'e [Box<RoleAssumption>]) -> Self {
        let mut by_key: HashMap<RoleKey, &str> = HashMap::new();
        for event in events {
            for role in mentions(event) {
                if let Some(key) = key_of(role) {
                    by_key
                        .entry(key)
                        .and_modify(|known| *known = (*known).min(role))
                        .or_insert(role);
                }
            }
        }
        KnownRoles { by_key }
    }

    /// [`KnownRoles::of`], and the roles no event names that `issuers` (the session issuers
    /// calls named, AWS's spellings, one per session) do, each by the rule of the events' own:
    /// the spelling with a path, then the one the most sessions gave, then the smallest. So
    /// the sessions of a role whose hop was not read name it alike (an audit of the real
    /// trails, session 38: a role spelled with its path by some sessions' calls and without
    /// by a session derived from its ARN was two roles in `activity --by role`).
    pub fn with_issuers<'i: 'e>(
        events: &'e [Box<RoleAssumption>],
        issuers: impl Iterator<Item = &'i str>,
    ) -> Self {
        let mut known = KnownRoles::of(events);
        let mut counts: HashMap<&'e str, u64> = HashMap::new();
        for issuer in issuers.filter(|issuer| !issuer.is_empty()) {
            *counts.entry(issuer).or_default() += 1;
        }
        let mut best: HashMap<RoleKey, (&'e str, u64)> = HashMap::new();
        for (spelling, count) in counts {
            let Some(key) = key_of(spelling).filter(|key| !known.by_key.contains_key(key)) else {
                continue;
            };
            best.entry(key)
                .and_modify(|kept| {
                    if canonical_first((spelling, count)) < canonical_first(*kept) {
                        *kept = (spelling, count);
                    }
                })
                .or_insert((spelling, count));
        }
        known
            .by_key
            .extend(best.into_iter().map(|(key, (spelling, _))| (key, spelling)));
        known
    }

    /// The events' spelling of `role_arn`, or `role_arn` itself.
    pub fn spell(&self, role_arn: &str) -> String {
        key_of(role_arn)
            .and_then(|key| self.by_key.get(&key))
            .map_or_else(|| role_arn.to_owned(), |known| (*known).to_owned())
    }
}

/// Rewrites every role ARN in `events` to its canonical spelling; returns how many events
/// changed. Costs one pass counting distinct spellings (borrowed, no allocation per event);
/// when no role has two spellings, as in most trails without paths, nothing more.
pub fn canonical_roles(events: &mut [Box<RoleAssumption>]) -> usize {
    let (renames, _) = renames(events);
    rename(events, &renames)
}

/// The role ARNs the events spell once [`canonical_roles_spelled`] renamed them.
pub struct Spelled(HashSet<String>);

/// [`canonical_roles`], answering the spellings the events are left with (for
/// [`canonical_roles_with_issuers`]).
pub fn canonical_roles_spelled(events: &mut [Box<RoleAssumption>]) -> Spelled {
    let (renames, spellings) = renames(events);
    let spelled = (spellings.into_iter())
        .filter(|spelling| !renames.contains_key(*spelling))
        .map(str::to_owned)
        .collect();
    rename(events, &renames);
    Spelled(spelled)
}

/// As [`canonical_roles`], with `issuers` among the spellings AWS vouched for: the session
/// issuers that calls name (`activity` reads them; AWS wrote them), so a role whose path only
/// a call's session shows is named with it. `spelled` is what the events spell after
/// [`canonical_roles_spelled`]: only when an issuer is another spelling of one of their roles
/// are the renames built again (45 ms at 1M records; the check, 4 ms).
pub fn canonical_roles_with_issuers<'i>(
    events: &mut [Box<RoleAssumption>],
    spelled: &Spelled,
    issuers: impl Iterator<Item = &'i str> + Clone,
) -> usize {
    let mut unspelled: HashSet<&str, foldhash::fast::RandomState> = issuers.clone().collect();
    unspelled.retain(|issuer| !spelled.0.contains(*issuer));
    let other_spellings: HashSet<RoleKey> = unspelled.into_iter().filter_map(key_of).collect();
    let known = |arn: &String| key_of(arn).is_some_and(|key| other_spellings.contains(&key));
    if other_spellings.is_empty() || !spelled.0.iter().any(known) {
        return 0;
    }
    // Their borrow is shortened to the events'.
    let issuers = issuers.map(|issuer| -> &str { issuer });
    let (renames, _) = renames_with(events, issuers);
    rename(events, &renames)
}

/// Rewrites the role ARNs of `events` that `renames` renames; returns how many events changed.
fn rename(events: &mut [Box<RoleAssumption>], renames: &HashMap<String, String>) -> usize {
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

/// Each spelling that is not its role's canonical ARN, with the canonical one, and every
/// spelling the events use.
fn renames(events: &[Box<RoleAssumption>]) -> (HashMap<String, String>, Vec<&str>) {
    renames_with(events, std::iter::empty())
}

/// [`renames`], where the `issuers` calls name vouch as the events' own do.
fn renames_with<'e>(
    events: &'e [Box<RoleAssumption>],
    issuers: impl Iterator<Item = &'e str>,
) -> (HashMap<String, String>, Vec<&'e str>) {
    renames_and_spellings(
        events
            .iter()
            .flat_map(|event| {
                let named = mentions(event).map(|arn| (arn, false));
                let vouched = vouched(event).map(|arn| (arn, true));
                named.into_iter().chain(vouched)
            })
            .chain(issuers.map(|arn| (arn, true))),
    )
}

/// Each spelling among `spellings` that is not its role's canonical ARN, with the canonical
/// one; each spelling comes with whether that mention vouches for it (AWS wrote it, or
/// accepted it). Of a role's spellings, the canonical is the one with a path, then the one
/// vouched for most often, then the smallest; a role no mention vouches for keeps its
/// spellings.
pub(crate) fn renames_of<'a>(
    spellings: impl Iterator<Item = (&'a str, bool)>,
) -> HashMap<String, String> {
    renames_and_spellings(spellings).0
}

/// [`renames_of`], and the distinct spellings.
fn renames_and_spellings<'a>(
    spellings: impl Iterator<Item = (&'a str, bool)>,
) -> (HashMap<String, String>, Vec<&'a str>) {
    // Each spelling, with how often it is vouched for (0: only mentioned).
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for (arn, vouches) in spellings {
        if !arn.is_empty() {
            *counts.entry(arn).or_default() += u64::from(vouches);
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
        let vouched: Vec<(&str, u64)> = spellings.iter().copied().filter(|s| s.1 > 0).collect();
        let Some(&(canonical, _)) = vouched
            .iter()
            .min_by_key(|&&spelling| canonical_first(spelling))
        else {
            continue;
        };
        for (spelling, _) in spellings {
            if spelling != canonical {
                renames.insert(spelling.to_owned(), canonical.to_owned());
            }
        }
    }
    (renames, counts.into_keys().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Outcome, SourceKind, Texts};

    fn event(role_arn: &str, caller_role_arn: &str) -> Box<RoleAssumption> {
        Box::new(RoleAssumption {
            source_kind: SourceKind::AssumedRole,
            ..RoleAssumption::with_texts(&Texts {
                role_arn,
                caller_role_arn,
                ..Texts::default()
            })
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
    fn a_refused_request_names_no_role() {
        let mut refused = event("arn:aws:iam::1:role/pwned/ADMIN", "");
        refused.outcome = Outcome::Failure;
        let mut events = vec![
            event("arn:aws:iam::1:role/Admin", ""),
            refused,
            event("arn:aws:iam::1:role/x", "arn:aws:iam::1:role/Admin"),
        ];
        assert_eq!(canonical_roles(&mut events), 1);
        let names: Vec<&str> = events.iter().map(|e| e.role_arn()).collect();
        assert_eq!(
            names,
            [
                "arn:aws:iam::1:role/Admin",
                "arn:aws:iam::1:role/Admin",
                "arn:aws:iam::1:role/x"
            ]
        );
        // Only refusals: nothing vouched for, nothing renamed.
        let mut only = vec![
            event("arn:aws:iam::1:role/p/Q", ""),
            event("arn:aws:iam::1:role/q", ""),
        ];
        for e in &mut only {
            e.outcome = Outcome::Failure;
        }
        assert_eq!(canonical_roles(&mut only), 0);
        // Not an IAM role ARN, and a non-ASCII look-alike: other roles.
        let mut others = vec![
            event("arn:aws:iam::1:role/kelvin", ""),
            event("arn:aws:iam::1:role/p/\u{212a}elvin", ""),
            event("arn:aws:sts::1:role/p/kelvin", ""),
        ];
        assert_eq!(canonical_roles(&mut others), 0);
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
