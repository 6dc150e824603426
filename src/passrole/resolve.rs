//! What only the whole trail tells of a hand-over: the role behind an instance profile, the
//! chain origin of a passer that is a role session, and the sessions that later wore the role.
//!
//! Runs once, after every file is read and the role assumptions are deduplicated, named
//! ([`crate::canon`]) and linked ([`crate::chain`]). Hand-overs are few (a handful per million
//! records), so each is resolved with binary searches over indexes of the events.

use super::coverage::{Holds, Worn};
use super::{HandOver, ProfileChange, ProfileEdit, RoleFrom};
use crate::arn;
use crate::canon::KnownRoles;
use crate::chain::{CallerSession, Issuers};
use crate::event::{Outcome, RoleAssumption, SourceKind};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;

/// How long before the call a session of its resource may start and still count: clocks of
/// two services differ by a few seconds.
const CLOCK_SLACK_SECS: i64 = 60;

/// Fills each hand-over's `role_arn`, `via`, `role_from`, `passer_origin` and `worn`, and
/// sorts them by time, then event id, then role.
///
/// `events` in time order with chains linked give the passers' origins; otherwise (a command
/// that never shows them) `passer_origin` stays empty for role sessions.
pub fn resolve(
    hand_overs: &mut [HandOver],
    profiles: &[ProfileChange],
    events: &[Box<RoleAssumption>],
    linked: bool,
) {
    // The spelling the events use for each role (canonical already).
    let known = KnownRoles::of(events);
    for hand_over in hand_overs.iter_mut() {
        let account = account_of(hand_over).to_owned();
        let partition = partition_of(hand_over).to_owned();
        match hand_over.holds {
            Holds::Role => {
                if hand_over.role_from == RoleFrom::Unknown {
                    hand_over.role_arn = role_arn_of(&hand_over.named, &partition, &account);
                    hand_over.role_from = RoleFrom::Request;
                }
            }
            Holds::Profile => {
                hand_over.via = profile_arn_of(&hand_over.named, &partition, &account);
                if hand_over.role_from == RoleFrom::Unknown
                    && let Some(role) = role_in_profile(profiles, hand_over, &account)
                {
                    hand_over.role_arn = role_arn_of(&role, &partition, &account);
                    hand_over.role_from = RoleFrom::ProfileCalls;
                }
            }
        }
        hand_over.role_arn = known.spell(&hand_over.role_arn);
        // A session named without its issuer drops the role's path: spelled as the events do.
        hand_over.caller_role_arn = known.spell(&hand_over.caller_role_arn);
    }
    let sessions = ServiceSessions::new(events);
    // A profile not resolved so far: the role an instance it was given to wore...
    for hand_over in hand_overs.iter_mut() {
        if hand_over.holds == Holds::Profile
            && hand_over.role_from == RoleFrom::Unknown
            && hand_over.outcome == Outcome::Success
            && hand_over.worn_rule == Worn::SessionNamesResource
            && let Some(role) = sessions.first_worn_by(hand_over, account_of(hand_over))
        {
            hand_over.role_arn = role.to_owned();
            hand_over.role_from = RoleFrom::InstanceSession;
        }
    }
    // ...else the role the same profile was resolved to nearest in time.
    let mut learned: BTreeMap<ProfileKey, Vec<Resolved>> = BTreeMap::new();
    for hand_over in hand_overs.iter() {
        if hand_over.holds == Holds::Profile && !hand_over.role_arn.is_empty() {
            learned
                .entry(profile_key(hand_over))
                .or_default()
                .push((hand_over.event_time, hand_over.role_arn.clone()));
        }
    }
    for known in learned.values_mut() {
        known.sort();
    }
    for hand_over in hand_overs.iter_mut() {
        if hand_over.holds == Holds::Profile
            && hand_over.role_arn.is_empty()
            && let Some(known) = learned.get(&profile_key(hand_over))
            && let Some((_, role)) = known
                .iter()
                .min_by_key(|(time, role)| (distance(*time, hand_over.event_time), role.clone()))
        {
            hand_over.role_arn = role.clone();
            hand_over.role_from = RoleFrom::SameProfile;
        }
    }
    let issuers = linked.then(|| Issuers::new(events));
    for hand_over in hand_overs.iter_mut() {
        hand_over.passer_origin = passer_origin(hand_over, issuers.as_ref(), events);
        hand_over.worn = sessions.worn(hand_over);
    }
    hand_overs.sort_by(|a, b| {
        (a.event_time, &a.event_id, &a.role_arn, &a.named, a.service).cmp(&(
            b.event_time,
            &b.event_id,
            &b.role_arn,
            &b.named,
            b.service,
        ))
    });
}

/// A profile's identity: its account and lowercased name. IAM names are unique per account
/// whatever the path, so `instance-profile/ci/P` (a request's ARN) and `instance-profile/P`
/// (made from a request's bare name) are one profile.
type ProfileKey = (String, String);

fn profile_key(hand_over: &HandOver) -> ProfileKey {
    let account = arn::account_of(&hand_over.via).unwrap_or(account_of(hand_over));
    (
        account.to_owned(),
        profile_name(&hand_over.via).to_ascii_lowercase(),
    )
}

/// A profile's role as one hand-over resolved it: its time and the role.
type Resolved = (Option<DateTime<Utc>>, String);

/// Seconds between two times; unknown times are farthest.
fn distance(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> i64 {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).num_seconds().abs(),
        _ => i64::MAX,
    }
}

/// The account the call was made in: the record's recipient, else the passer's.
fn account_of(hand_over: &HandOver) -> &str {
    [
        hand_over.recipient_account.as_str(),
        hand_over.passer_account.as_str(),
    ]
    .into_iter()
    .find(|a| !a.is_empty())
    .unwrap_or("")
}

fn partition_of(hand_over: &HandOver) -> &str {
    arn::Arn::parse(&hand_over.passer).map_or("aws", |parsed| parsed.partition)
}

/// A role named by ARN, or by name (with or without a path) in `account`.
fn role_arn_of(named: &str, partition: &str, account: &str) -> String {
    if named.starts_with("arn:") || account.is_empty() {
        return named.to_owned();
    }
    let name = named.trim_start_matches('/');
    let name = name.strip_prefix("role/").unwrap_or(name);
    format!("arn:{partition}:iam::{account}:role/{name}")
}

/// A profile named by ARN, or by name in `account`.
fn profile_arn_of(named: &str, partition: &str, account: &str) -> String {
    if named.starts_with("arn:") || account.is_empty() {
        return named.to_owned();
    }
    format!("arn:{partition}:iam::{account}:instance-profile/{named}")
}

/// The profile's name: the last segment of its ARN (paths come before it).
fn profile_name(via: &str) -> &str {
    via.rsplit(['/', ':']).next().unwrap_or(via)
}

/// The role name the profile held at the hand-over's time, replaying IAM's profile calls in
/// the account (in time order) up to it. `None` when no call says.
fn role_in_profile(
    profiles: &[ProfileChange],
    hand_over: &HandOver,
    account: &str,
) -> Option<String> {
    let account = arn::account_of(&hand_over.via).unwrap_or(account);
    let name = profile_name(&hand_over.via).to_ascii_lowercase();
    let mut role: Option<&str> = None;
    let mut said = false;
    for change in profiles {
        if change.account != account || change.profile != name {
            continue;
        }
        if hand_over
            .event_time
            .zip(change.event_time)
            .is_some_and(|(call, change)| change > call)
        {
            break;
        }
        said = true;
        match &change.edit {
            ProfileEdit::Created | ProfileEdit::Deleted => role = None,
            ProfileEdit::RoleAdded(added) => role = Some(added),
            ProfileEdit::RoleRemoved(removed) => {
                if role.is_some_and(|r| r.eq_ignore_ascii_case(removed)) {
                    role = None;
                }
            }
        }
    }
    role.filter(|_| said).map(str::to_owned)
}

/// The identity at the root of the passer's chain: the passer itself unless it is a role
/// session; for a session, the origin of the hop that issued it (empty when not in the logs).
fn passer_origin(
    hand_over: &HandOver,
    issuers: Option<&Issuers>,
    events: &[Box<RoleAssumption>],
) -> String {
    match hand_over.passer_kind {
        SourceKind::AssumedRole => {
            let call = CallerSession {
                kind: hand_over.passer_kind,
                access_key: &hand_over.caller_access_key,
                session_arn: &hand_over.passer,
                created: hand_over.caller_session_created,
                time: hand_over.event_time,
            };
            issuers
                .and_then(|issuers| issuers.find(&call, None))
                .map(|(parent, _)| events[parent].chain().origin.to_string())
                .unwrap_or_default()
        }
        _ => hand_over.passer.clone(),
    }
}

/// The successful role assumptions made by services, by (service, lowercased role), in time
/// order.
struct ServiceSessions<'a> {
    by_role: BTreeMap<(&'a str, String), Vec<&'a RoleAssumption>>,
    /// By (service, session name), for an instance's first session.
    by_session: BTreeMap<(&'a str, &'a str), Vec<&'a RoleAssumption>>,
}

impl<'a> ServiceSessions<'a> {
    fn new(events: &'a [Box<RoleAssumption>]) -> Self {
        let mut by_role: BTreeMap<_, Vec<&RoleAssumption>> = BTreeMap::new();
        let mut by_session: BTreeMap<_, Vec<&RoleAssumption>> = BTreeMap::new();
        for event in events {
            if event.source_kind != SourceKind::AwsService || event.outcome != Outcome::Success {
                continue;
            }
            by_role
                .entry((event.source(), event.role_arn().to_ascii_lowercase()))
                .or_default()
                .push(event);
            by_session
                .entry((event.source(), event.session_name()))
                .or_default()
                .push(event);
        }
        for list in by_role.values_mut().chain(by_session.values_mut()) {
            list.sort_by(|a, b| (a.event_time, a.event_id()).cmp(&(b.event_time, b.event_id())));
        }
        ServiceSessions {
            by_role,
            by_session,
        }
    }

    /// The role the first session of one of the hand-over's resources (from its time on) wore,
    /// among roles of `account` (an instance profile holds a role of its own account; instance
    /// ids are only unique within one).
    fn first_worn_by(&self, hand_over: &HandOver, account: &str) -> Option<&'a str> {
        let from = not_before(hand_over.event_time);
        hand_over
            .resources
            .iter()
            .filter_map(|resource| {
                let list = self
                    .by_session
                    .get(&(hand_over.service, last_segment(resource)))?;
                let at = list.partition_point(|e| e.event_time < from);
                list[at..]
                    .iter()
                    .find(|e| e.role_account() == account)
                    .copied()
            })
            .min_by(|a, b| (a.event_time, a.event_id()).cmp(&(b.event_time, b.event_id())))
            .map(|event| event.role_arn())
            .filter(|role| !role.is_empty())
    }

    /// How many sessions of the service wore the hand-over's role for its resource, from the
    /// hand-over's time on.
    fn worn(&self, hand_over: &HandOver) -> u64 {
        if hand_over.outcome != Outcome::Success || hand_over.role_arn.is_empty() {
            return 0;
        }
        let Some(list) = self
            .by_role
            .get(&(hand_over.service, hand_over.role_arn.to_ascii_lowercase()))
        else {
            return 0;
        };
        let later =
            &list[list.partition_point(|e| e.event_time < not_before(hand_over.event_time))..];
        match hand_over.worn_rule {
            Worn::SessionNamesResource if !hand_over.resources.is_empty() => later
                .iter()
                .filter(|e| {
                    hand_over
                        .resources
                        .iter()
                        .any(|r| last_segment(r) == e.session_name())
                })
                .count()
                as u64,
            _ => later.len() as u64,
        }
    }
}

/// The earliest time a session that follows a call made at `time` may carry.
fn not_before(time: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    time.map(|t| {
        t.checked_sub_signed(TimeDelta::seconds(CLOCK_SLACK_SECS))
            .unwrap_or(t)
    })
}

/// What a service names its session after: an instance id as is, a function's name (after
/// the last `:` of its ARN), a task's id (after the last `/`).
fn last_segment(resource: &str) -> &str {
    resource.rsplit(['/', ':']).next().unwrap_or(resource)
}
