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
use crate::chain::{CallerSession, Issuers, unread_start};
use crate::event::{Outcome, RoleAssumption, SourceKind};
use crate::focus::ChainPlaces;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{BTreeMap, HashMap};

/// How long before the call a session of its resource may start and still count: clocks of
/// two services differ by a few seconds.
const CLOCK_SLACK_SECS: i64 = 60;

/// Fills each hand-over's `role_arn`, `via`, `role_from`, `passer_origin` and `worn`, and
/// sorts them by time, then event id, then role.
///
/// `events` in time order with chains linked give the passers' origins; otherwise (a command
/// that never shows them) `passer_origin` stays empty for role sessions. `worn` counts the
/// sessions up to `until`, the window's end ([`crate::scan::ScanOptions::until`]).
pub fn resolve(
    hand_overs: &mut [HandOver],
    profiles: &[ProfileChange],
    events: &[Box<RoleAssumption>],
    linked: bool,
    until: Option<DateTime<Utc>>,
) {
    // The spelling the events use for each role (canonical already).
    let known = KnownRoles::of(events);
    let history = ProfileHistory::new(profiles);
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
                    && let Some(role) = history.role_at(hand_over, &account)
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
    // A role no event names, spelled several ways by the hand-overs alone (by name and by ARN
    // with its path, as a passer's issuer): one spelling, chosen as the events' are (a
    // passer's issuer is AWS's; a role ARN a service accepted is vouched for, a name typed is
    // not).
    let renames = crate::canon::renames_of(hand_overs.iter().flat_map(|hand_over| {
        let accepted = hand_over.outcome == Outcome::Success
            && hand_over.holds == Holds::Role
            && hand_over.named.starts_with("arn:");
        [
            (hand_over.role_arn.as_str(), accepted),
            (hand_over.caller_role_arn.as_str(), true),
        ]
    }));
    if !renames.is_empty() {
        for hand_over in hand_overs.iter_mut() {
            for arn in [&mut hand_over.role_arn, &mut hand_over.caller_role_arn] {
                if let Some(canonical) = renames.get(arn.as_str()) {
                    arn.clone_from(canonical);
                }
            }
        }
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
            && let Some((_, role)) = nearest(known, hand_over.event_time)
        {
            hand_over.role_arn = role.clone();
            hand_over.role_from = RoleFrom::SameProfile;
        }
    }
    let issuers = linked.then(|| Issuers::new(events));
    // Where chains begin, made only when a passer's chain began before the logs read.
    let mut places = None;
    for hand_over in hand_overs.iter_mut() {
        (hand_over.passer_origin, hand_over.passer_root_caller) =
            passer_origin(hand_over, issuers.as_ref(), events, &mut places);
        hand_over.worn = sessions.worn(hand_over, until);
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

/// Of `known` (sorted by time, then role), the one nearest `time`; ties go to the earlier, and
/// an unknown time takes the first. A binary search: a profile launched ten thousand times
/// costs no more per launch than one launched once.
fn nearest(known: &[Resolved], time: Option<DateTime<Utc>>) -> Option<&Resolved> {
    if time.is_none() {
        return known.first();
    }
    let at = known.partition_point(|(t, _)| *t < time);
    // The last of the earlier time (ties on the same time: the smallest role) and the first at
    // or after it.
    let before = at
        .checked_sub(1)
        .map(|i| known[..=i].partition_point(|(t, _)| *t < known[i].0));
    [before, (at < known.len()).then_some(at)]
        .into_iter()
        .flatten()
        .min_by_key(|&i| (distance(known[i].0, time), i))
        .map(|i| &known[i])
}

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

/// The partition a role or profile named by name lies in: the passer's, else the call's
/// Region's (a service passer has no ARN: a red-team's, session 36, Glue's role in `aws-cn`
/// named by CloudFormation was `arn:aws:`).
fn partition_of(hand_over: &HandOver) -> &str {
    arn::Arn::parse(&hand_over.passer).map_or(hand_over.region_partition, |parsed| parsed.partition)
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

/// After one profile call: its time and the role name the profile then held.
type Held<'p> = (Option<DateTime<Utc>>, Option<&'p str>);

/// Times of service sessions, in order.
type Times = Vec<Option<DateTime<Utc>>>;

/// What IAM's profile calls said of each profile (by account and lowercased name): after
/// each call in time order, the role it then held. Built once; a hand-over's lookup is a
/// binary search.
struct ProfileHistory<'p> {
    by_profile: HashMap<(&'p str, &'p str), Vec<Held<'p>>>,
}

impl<'p> ProfileHistory<'p> {
    /// `profiles` sorted by time (unknown times first).
    fn new(profiles: &'p [ProfileChange]) -> Self {
        let mut by_profile: HashMap<_, Vec<Held>> = HashMap::new();
        for change in profiles {
            let states = by_profile
                .entry((change.account.as_str(), change.profile.as_str()))
                .or_default();
            let held = states.last().and_then(|(_, role)| *role);
            let now = match &change.edit {
                ProfileEdit::Created | ProfileEdit::Deleted => None,
                ProfileEdit::RoleAdded(added) => Some(added.as_str()),
                ProfileEdit::RoleRemoved(removed) => {
                    held.filter(|role| !role.eq_ignore_ascii_case(removed))
                }
            };
            states.push((change.event_time, now));
        }
        ProfileHistory { by_profile }
    }

    /// The role name the profile held at the hand-over's time (the calls up to it replayed).
    /// `None` when no call says.
    fn role_at(&self, hand_over: &HandOver, account: &str) -> Option<String> {
        let account = arn::account_of(&hand_over.via).unwrap_or(account);
        let name = profile_name(&hand_over.via).to_ascii_lowercase();
        let states = self.by_profile.get(&(account, name.as_str()))?;
        // Calls of unknown time count as before; a call of unknown time sees them all.
        let upto = match hand_over.event_time {
            Some(call) => states.partition_point(|(t, _)| t.is_none_or(|t| t <= call)),
            None => states.len(),
        };
        upto.checked_sub(1)
            .and_then(|last| states[last].1)
            .map(str::to_owned)
    }
}

/// The identity at the root of the passer's chain: the passer itself unless it is a role
/// session; for a session, the origin of the hop that issued it, or, when that hop's chain
/// began before the logs read, the chain's start as `chains` writes it (`[... hops not read
/// ...] -> ` and its earliest caller read: `activity`'s origin of the same session; a
/// red-team's, session 36: it was empty), with that earliest caller as CloudTrail names it;
/// empty when the issuing hop is not in the logs.
fn passer_origin<'e>(
    hand_over: &HandOver,
    issuers: Option<&Issuers>,
    events: &'e [Box<RoleAssumption>],
    places: &mut Option<ChainPlaces<'e>>,
) -> (String, String) {
    match hand_over.passer_kind {
        SourceKind::AssumedRole => {
            let call = CallerSession {
                kind: hand_over.passer_kind,
                access_key: &hand_over.caller_access_key,
                session_arn: &hand_over.passer,
                principal: "",
                created: hand_over.caller_session_created,
                time: hand_over.event_time,
            };
            let Some((hop, _)) = issuers.and_then(|issuers| issuers.find(&call, None)) else {
                return (String::new(), String::new());
            };
            match &*events[hop].chain().origin {
                "" => {
                    let places = places.get_or_insert_with(|| ChainPlaces::of(events));
                    let root = &events[places.root(hop)];
                    (unread_start(root), root.origin_label())
                }
                origin => (origin.to_owned(), String::new()),
            }
        }
        _ => (hand_over.passer.clone(), String::new()),
    }
}

/// The successful role assumptions made by services, indexed for the two questions asked of
/// them: which role a resource's first session wore, and how many sessions wore a role (for a
/// resource). Each answer is a binary search.
struct ServiceSessions<'a> {
    /// By (service, lowercased role): the sessions' times, in order.
    by_role: HashMap<(&'a str, String), Times>,
    /// By (service, lowercased role, session name): the sessions' times, in order.
    by_role_session: HashMap<(&'a str, String, &'a str), Times>,
    /// By (service, session name, role account): the sessions, in time order.
    by_session: HashMap<(&'a str, &'a str, &'a str), Vec<&'a RoleAssumption>>,
}

impl<'a> ServiceSessions<'a> {
    fn new(events: &'a [Box<RoleAssumption>]) -> Self {
        let mut sessions = ServiceSessions {
            by_role: HashMap::new(),
            by_role_session: HashMap::new(),
            by_session: HashMap::new(),
        };
        for event in events {
            if event.source_kind != SourceKind::AwsService || event.outcome != Outcome::Success {
                continue;
            }
            let role = event.role_arn().to_ascii_lowercase();
            sessions
                .by_role_session
                .entry((event.source(), role.clone(), event.session_name()))
                .or_default()
                .push(event.event_time);
            sessions
                .by_role
                .entry((event.source(), role))
                .or_default()
                .push(event.event_time);
            sessions
                .by_session
                .entry((event.source(), event.session_name(), event.role_account()))
                .or_default()
                .push(event);
        }
        for list in sessions
            .by_role
            .values_mut()
            .chain(sessions.by_role_session.values_mut())
        {
            list.sort_unstable();
        }
        for list in sessions.by_session.values_mut() {
            list.sort_by(|a, b| (a.event_time, a.event_id()).cmp(&(b.event_time, b.event_id())));
        }
        sessions
    }

    /// The role the first session of one of the hand-over's resources (from its time on) wore,
    /// among roles of `account` (an instance profile holds a role of its own account; instance
    /// ids are only unique within one).
    fn first_worn_by(&self, hand_over: &HandOver, account: &str) -> Option<&'a str> {
        let from = not_before(hand_over);
        hand_over
            .resources
            .iter()
            .filter_map(|resource| {
                let list =
                    self.by_session
                        .get(&(hand_over.service, last_segment(resource), account))?;
                list.get(list.partition_point(|e| e.event_time < from))
                    .copied()
            })
            .min_by(|a, b| (a.event_time, a.event_id()).cmp(&(b.event_time, b.event_id())))
            .map(|event| event.role_arn())
            .filter(|role| !role.is_empty())
    }

    /// How many sessions of the service wore the hand-over's role for its resource, from the
    /// hand-over's time on, up to `until` (the window's end).
    fn worn(&self, hand_over: &HandOver, until: Option<DateTime<Utc>>) -> u64 {
        if hand_over.outcome != Outcome::Success || hand_over.role_arn.is_empty() {
            return 0;
        }
        let from = not_before(hand_over);
        let later = |times: &Times| {
            let first = times.partition_point(|t| *t < from);
            let end = until.map_or(times.len(), |until| {
                times.partition_point(|t| t.is_none_or(|t| t <= until))
            });
            end.saturating_sub(first) as u64
        };
        let role = hand_over.role_arn.to_ascii_lowercase();
        match hand_over.worn_rule {
            Worn::SessionNamesResource if !hand_over.resources.is_empty() => {
                let mut names: Vec<&str> = hand_over
                    .resources
                    .iter()
                    .map(|r| last_segment(r))
                    .collect();
                names.sort_unstable();
                names.dedup();
                names
                    .into_iter()
                    .filter_map(|name| {
                        self.by_role_session
                            .get(&(hand_over.service, role.clone(), name))
                    })
                    .map(later)
                    .sum()
            }
            _ => self
                .by_role
                .get(&(hand_over.service, role))
                .map_or(0, later),
        }
    }
}

/// The earliest time a session that follows the hand-over may carry: a minute before a call
/// that creates its resource (the clocks of two services differ by a few seconds, and a new
/// instance or function wore nothing before), the call's own time for a call that hands a
/// new role to a resource that already wore another (its earlier sessions wore the old one).
fn not_before(hand_over: &HandOver) -> Option<DateTime<Utc>> {
    let time = hand_over.event_time;
    if !super::coverage::CREATES_RESOURCE.contains(&hand_over.event_name.as_str()) {
        return time;
    }
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
