//! Findings: patterns in who wore which mask that deserve a look, each with the events that
//! prove it. Pure functions over the scan's role assumptions (chains linked), the sessions'
//! aggregated calls and their attributions; `trailmask findings` prints them.
//!
//! Five kinds, each named once ([`Kind`]) and explained in the README with its false
//! positives:
//!
//! - [`Kind::SessionManyNetworks`]: one session (one access key) made calls from two networks
//!   or more ([`network_of`]: an IPv4 /24, an IPv6 /48); AWS services acting for the session
//!   (`AWS Internal`, `*.amazonaws.com`) are no network. Private addresses (a VPC, a VPN) are
//!   one network, "private", for a session whose chain began at an AWS service (the machine
//!   holding its credentials calls from inside its VPC), and no network for any other: a
//!   person reaching AWS through a VPN or a VPC endpoint is in no second place. High for a
//!   service's session: instance, function and task credentials used from a second place are
//!   the lifted-credentials case.
//! - [`Kind::RoleJuggling`]: a chain that returns to a role it already wore, or whose chained
//!   sessions (which AWS limits to one hour) kept making hops more than an hour after the
//!   chain's first chained hop: it was refreshed to outlive the limit.
//! - [`Kind::ServiceAndHuman`]: a role an AWS service put on itself and that an identity that
//!   is no service wore (directly or down its chain) within 24 hours of it.
//! - [`Kind::NewEdge`]: a (source, role) pair whose first success comes after the baseline
//!   (`--baseline-until`).
//! - [`Kind::RefusalsThenSuccess`]: at least N refused attempts by one identity within the
//!   hour before a success of that identity; high when they tried other roles (a search),
//!   medium when they only retried the role that then let it in.
//!
//! **What the filters pick.** Each kind looks only at what the run's filters and focus keep:
//! the hops ([`Evidence::kept`]) and the sessions (as `activity` keeps them). The chains
//! themselves (parents, depth, origin) are those of every hop read, as everywhere in
//! trailmask, and the baseline of [`Kind::NewEdge`] is every hop read up to its end.
//!
//! **Cost.** Every kind is linear or n log n in hops and sessions: chains are walked once, by
//! a depth-first pass over the parent links with a visited flag (a cycle among same-second
//! events ends the walk), with a stack of the hops wearing each role on the current path;
//! roles and identities are grouped by sorting, then swept in time order; no pairs of hops
//! are ever compared. Each finding lists at most [`MAX_EVENT_IDS`] event ids.

use super::aggregate::{MAX_LISTED, SessionActivity};
use super::attribute::{Attribution, origin_kind};
use super::network::{Network, network_of};
use crate::arn;
use crate::event::{EventName, Outcome, RoleAssumption, SourceKind};
use crate::timefmt;
use chrono::{DateTime, TimeDelta, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// The most event ids a finding lists: the first `MAX_EVENT_IDS - 1` and the last, in time
/// order (its `count` says how many events it holds).
pub const MAX_EVENT_IDS: usize = 16;

/// How long a chained session lasts at most (AWS's limit on role chaining).
pub const CHAINED_SESSION_LIMIT: TimeDelta = TimeDelta::hours(1);

/// How close in time a service's and another identity's hops into one role must be.
pub const SERVICE_AND_HUMAN_WINDOW: TimeDelta = TimeDelta::hours(24);

/// How long before a success the refusals of a burst may start.
pub const REFUSAL_WINDOW: TimeDelta = TimeDelta::hours(1);

/// The default of `--min-refusals`.
pub const DEFAULT_MIN_REFUSALS: u32 = 3;

/// What a finding says happened. The names are stable: scripts and suppression lists use
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    SessionManyNetworks,
    RoleJuggling,
    ServiceAndHuman,
    NewEdge,
    RefusalsThenSuccess,
}

impl Kind {
    /// Every kind, in output order.
    pub const ALL: [Kind; 5] = [
        Kind::SessionManyNetworks,
        Kind::RoleJuggling,
        Kind::ServiceAndHuman,
        Kind::NewEdge,
        Kind::RefusalsThenSuccess,
    ];

    /// The kind's name, as printed and as `--kind` takes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::SessionManyNetworks => "session-many-networks",
            Kind::RoleJuggling => "role-juggling",
            Kind::ServiceAndHuman => "service-and-human",
            Kind::NewEdge => "new-edge",
            Kind::RefusalsThenSuccess => "refusals-then-success",
        }
    }

    /// Every name, in [`Kind::ALL`] order (for the command line's choices).
    pub const NAMES: [&'static str; 5] = {
        let mut names = [""; 5];
        let mut i = 0;
        while i < Kind::ALL.len() {
            names[i] = Kind::ALL[i].as_str();
            i += 1;
        }
        names
    };

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// How urgently a finding asks for a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Its id, stable from run to run ([`find`] gives it: see [`base_id`]).
    pub id: String,
    pub kind: Kind,
    pub severity: Severity,
    /// What it is about: a session ARN, a chain's origin, a role, `source -> role`, an
    /// identity.
    pub subject: String,
    /// One line for a person: what was seen, with the numbers.
    pub detail: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// How many of what the kind counts: networks, juggling hops, hops near the other side,
    /// new hops, refusals.
    pub count: u64,
    /// The events that prove it, in time order (at most [`MAX_EVENT_IDS`]).
    pub event_ids: Vec<String>,
    /// What tells it from the other findings of its kind and subject, for its id: the
    /// session's access key and creation time, the event id of the chain's first hop or of
    /// the success that ended a burst; empty for the kinds with one finding per subject (a
    /// role, a pair).
    pub anchor: String,
}

/// The id of a finding of `kind` about `subject`, told apart by `anchor`: the FNV-1a 64-bit
/// hash of the three (each followed by a NUL byte), as 16 hex digits. It rests on what the
/// finding is about, not on its numbers or wording, so the same logs give the same ids on
/// every run and version, and a longer window of logs keeps the ids of what it had found.
pub fn base_id(kind: Kind, subject: &str, anchor: &str) -> String {
    let mut hash = FNV_OFFSET;
    for part in [kind.as_str(), subject, anchor] {
        for &byte in part.as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(FNV_PRIME);
        }
    }
    format!("{hash:016x}")
}

/// Gives each finding (in output order) its id: [`base_id`], with `-2`, `-3`, ... after the
/// first when findings share one (records without an `eventID` can leave two sessions or
/// bursts nothing else to tell them apart), so ids are unique in a run's output.
fn identify(findings: &mut [Finding]) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for finding in findings {
        let base = base_id(finding.kind, &finding.subject, &finding.anchor);
        let times = seen.entry(base.clone()).or_insert(0);
        *times += 1;
        finding.id = if *times == 1 {
            base
        } else {
            format!("{base}-{times}")
        };
    }
}

/// The anchor of a finding that one event tells apart: its id, else its time.
fn anchor_of(event: &RoleAssumption) -> String {
    if event.event_id().is_empty() {
        timefmt::format_opt(event.event_time.as_ref())
    } else {
        event.event_id().to_owned()
    }
}

impl Finding {
    /// The output order: kind, subject, first seen, then the rest (for equal ones).
    fn order(&self, other: &Finding) -> std::cmp::Ordering {
        (self.kind, &self.subject, self.first_seen, self.last_seen)
            .cmp(&(
                other.kind,
                &other.subject,
                other.first_seen,
                other.last_seen,
            ))
            .then_with(|| self.event_ids.cmp(&other.event_ids))
            .then_with(|| self.anchor.cmp(&other.anchor))
            .then_with(|| self.detail.cmp(&other.detail))
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// What to look for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The kinds asked for.
    pub kinds: BTreeSet<Kind>,
    /// The end of the baseline: [`Kind::NewEdge`] looks only when it is given.
    pub baseline_until: Option<DateTime<Utc>>,
    /// The fewest refusals that make a burst.
    pub min_refusals: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            kinds: Kind::ALL.into_iter().collect(),
            baseline_until: None,
            min_refusals: DEFAULT_MIN_REFUSALS,
        }
    }
}

/// What the findings are looked for in.
pub struct Evidence<'a> {
    /// Every role assumption read, sorted by time, chains linked.
    pub events: &'a [Box<RoleAssumption>],
    /// Which of `events` the filters and focus keep (by index).
    pub kept: &'a [bool],
    /// The sessions the filters keep, with their attributions (indices into `events`).
    pub sessions: &'a [(&'a SessionActivity, &'a Attribution)],
}

impl Evidence<'_> {
    fn kept(&self, index: usize) -> bool {
        self.kept.get(index).copied().unwrap_or(false)
    }
}

/// Every finding of the kinds `options` asks for, in output order (kind, subject, first
/// seen).
pub fn find(evidence: &Evidence, options: &Options) -> Vec<Finding> {
    let mut findings = Vec::new();
    for kind in &options.kinds {
        match kind {
            Kind::SessionManyNetworks => {
                findings.extend(session_many_networks(evidence.sessions, evidence.events));
            }
            Kind::RoleJuggling => findings.extend(role_juggling(evidence)),
            Kind::ServiceAndHuman => findings.extend(service_and_human(evidence)),
            Kind::NewEdge => {
                if let Some(until) = options.baseline_until {
                    findings.extend(new_edges(evidence, until));
                }
            }
            Kind::RefusalsThenSuccess => {
                findings.extend(refusals_then_success(evidence, options.min_refusals));
            }
        }
    }
    findings.sort_by(Finding::order);
    identify(&mut findings);
    findings
}

// ------------------------------------------------------------------------------------------
// Shared pieces

/// The proof list: the non-empty ids of `ids` (in time order), at most [`MAX_EVENT_IDS`]:
/// the first ones and the last.
fn proof<'i>(ids: impl IntoIterator<Item = &'i str>) -> Vec<String> {
    let mut first = Vec::new();
    let mut last = None;
    for id in ids.into_iter().filter(|id| !id.is_empty()) {
        if first.len() < MAX_EVENT_IDS - 1 {
            first.push(id.to_owned());
        } else {
            last = Some(id);
        }
    }
    first.extend(last.map(str::to_owned));
    first
}

/// `45 s`, `12 min`, `2 h 10 min`, `3 d 4 h`: a span for a person.
pub fn span_text(span: TimeDelta) -> String {
    let seconds = span.num_seconds().max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// `a, b, c`, or `a, b, c and 4 more`: a list cut for a detail line.
fn list_text<'s>(items: impl IntoIterator<Item = &'s str>, shown: usize) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    let mut text = items[..items.len().min(shown)].join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}

/// A role's name for a detail line (the ARN when it names no role).
fn role_label(role_arn: &str) -> &str {
    arn::role_name(role_arn).unwrap_or(role_arn)
}

/// True for a hop that put on a role (a session others can chain from).
fn wears_role(event: &RoleAssumption) -> bool {
    event.outcome == Outcome::Success
        && event.event_name.assumes_role()
        && !event.role_arn().is_empty()
}

/// True for a hop whose caller is a role session: a chained hop (a console switch starts a
/// chain of its own).
fn is_chained(event: &RoleAssumption) -> bool {
    event.source_kind == SourceKind::AssumedRole && event.event_name != EventName::SwitchRole
}

/// `1 call`, `2 calls`.
fn plural(count: u64, noun: &str) -> String {
    crate::export::plural(count, noun)
}

// ------------------------------------------------------------------------------------------
// session-many-networks

/// True for an EC2 instance id (`i-` and 8 or 17 hexadecimal digits): the name EC2 gives the
/// sessions of an instance's role.
fn is_instance_id(name: &str) -> bool {
    name.strip_prefix("i-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// One network a session called from.
struct NetworkUse<'s> {
    calls: u64,
    first: (Option<DateTime<Utc>>, &'s str),
}

/// Sessions whose calls came from two networks or more (private addresses count only for a
/// session whose chain began at an AWS service). `events` are the scan's (for the hop that
/// issued each session).
pub fn session_many_networks(
    sessions: &[(&SessionActivity, &Attribution)],
    events: &[Box<RoleAssumption>],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (session, who) in sessions {
        let kind = origin_kind(&who.origin);
        let instance =
            arn::session_name_of(&session.session_arn).filter(|name| is_instance_id(name));
        // A session whose issuing hop is not in the logs read, named after an instance, is
        // EC2's (a person could name a session so, but its hop would then say who it was).
        let by_name = kind == "unknown" && instance.is_some();
        let from_service = kind == "aws-service" || by_name;
        let mut networks: BTreeMap<Network, NetworkUse> = BTreeMap::new();
        for used in &session.addresses {
            let Some(network) = network_of(&used.address) else {
                continue;
            };
            if network == Network::Private && !from_service {
                // A person's (or an unknown caller's) session seen from inside a VPN or
                // through a VPC endpoint is in no second place.
                continue;
            }
            let first = (used.first.0, &*used.first.1);
            let known = networks
                .entry(network)
                .or_insert(NetworkUse { calls: 0, first });
            known.calls += used.calls;
            known.first = known.first.min(first);
        }
        if networks.len() < 2 {
            continue;
        }
        let mut places: Vec<(&Network, &NetworkUse)> = networks.iter().collect();
        places.sort_by_key(|(network, used)| (used.first, **network));
        let mut detail = String::new();
        if by_name {
            detail.push_str(&format!(
                "named after EC2 instance {} (the hop that issued it is not in the logs read): \
                 its credentials live on the instance, and may have been lifted; ",
                instance.unwrap_or_default()
            ));
        } else if from_service {
            let how = if who.depth == Some(1) {
                "issued to"
            } else {
                "chained from a session of"
            };
            detail.push_str(&format!(
                "{how} {}: its credentials live on an instance, function or task, and may \
                 have been lifted; ",
                who.origin
            ));
        }
        if !session.access_key.is_empty() {
            detail.push_str(&format!("key {}: ", session.access_key));
        }
        let listed: Vec<String> = places
            .iter()
            .map(|(network, used)| {
                // Private networks are summed over those listed: with some cut from the
                // list, their calls are more than that sum.
                let at_least = if **network == Network::Private && session.addresses_dropped {
                    "at least "
                } else {
                    ""
                };
                format!("{network} ({at_least}{})", plural(used.calls, "call"))
            })
            .collect();
        detail.push_str(&format!(
            "calls from {} networks: {}",
            places.len(),
            listed.join(", ")
        ));
        if session.addresses_dropped {
            detail.push_str(&format!(
                "; more than {MAX_LISTED} networks of a kind (private, or not), only the first \
                 {MAX_LISTED} by text kept"
            ));
        }
        let issued = who
            .hop
            .and_then(|hop| events.get(hop))
            .map(|event| event.event_id());
        findings.push(Finding {
            id: String::new(),
            kind: Kind::SessionManyNetworks,
            severity: if from_service {
                Severity::High
            } else {
                Severity::Medium
            },
            subject: session.session_arn.to_string(),
            detail,
            first_seen: session.seen.first,
            last_seen: session.seen.last,
            count: places.len() as u64,
            event_ids: proof(
                issued
                    .into_iter()
                    .chain(places.iter().map(|(_, u)| u.first.1)),
            ),
            anchor: format!("{}\0{}", session.access_key, session.created_text),
        });
    }
    findings
}

// ------------------------------------------------------------------------------------------
// role-juggling

/// No index.
const NONE: u32 = u32::MAX;

/// Where each hop sits on the chain walk: filled by [`ChainWalk::new`].
struct ChainWalk {
    /// The hop this one was reached from (its parent, unless the parent link closed a
    /// cycle), or [`NONE`].
    up: Vec<u32>,
    /// The first hop of its walk.
    root: Vec<u32>,
    /// How many hops above it on its walk (0 for the first).
    level: Vec<u32>,
    /// The nearest hop above it that wore the same role, or [`NONE`].
    returns_to: Vec<u32>,
    /// The first chained hop on its path (one made by a role session), or [`NONE`].
    chained_from: Vec<u32>,
    /// True when it was made by a chained session (its parent is a chained hop).
    by_chained_session: Vec<bool>,
}

impl ChainWalk {
    /// Walks every chain of `events` once, depth first from the hops without a parent, then
    /// from what is left (hops under a cycle of same-second parent links, which the visited
    /// flags cut).
    fn new(events: &[Box<RoleAssumption>]) -> ChainWalk {
        let n = events.len();
        // A parent is a hop that wore a role (the issuers chains are linked to); anything
        // else, or a link to itself, is no parent.
        let parent_of = |i: usize| -> Option<usize> {
            events[i]
                .chain()
                .parent
                .filter(|&p| p < n && p != i && wears_role(&events[p]))
        };
        // The children of each hop, in index (time) order: `children[start[p]..start[p + 1]]`.
        let mut start = vec![0u32; n + 1];
        for i in 0..n {
            if let Some(p) = parent_of(i) {
                start[p + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut children = vec![0u32; start[n] as usize];
        for i in 0..n {
            if let Some(p) = parent_of(i) {
                children[fill[p] as usize] = i as u32;
                fill[p] += 1;
            }
        }
        // Roles by number, for a stack of the hops wearing each on the current path.
        let mut numbers: HashMap<&str, u32> = HashMap::new();
        let role: Vec<u32> = events
            .iter()
            .map(|event| {
                if wears_role(event) {
                    let next = numbers.len() as u32;
                    *numbers.entry(event.role_arn()).or_insert(next)
                } else {
                    NONE
                }
            })
            .collect();
        let mut walk = Walker {
            events,
            children: &children,
            start: &start,
            role: &role,
            wearing: vec![Vec::new(); numbers.len()],
            visited: vec![false; n],
            stack: Vec::new(),
            walk: ChainWalk {
                up: vec![NONE; n],
                root: vec![NONE; n],
                level: vec![0; n],
                returns_to: vec![NONE; n],
                chained_from: vec![NONE; n],
                by_chained_session: vec![false; n],
            },
        };
        for hop in 0..n {
            if parent_of(hop).is_none() {
                walk.descend(hop);
            }
        }
        // What is left hangs under a cycle of parent links (same-second events): climb to the
        // cycle, each hop at most once (a flag per hop climbed), and walk down from there.
        let mut climbed = vec![false; n];
        for hop in 0..n {
            let mut at = hop;
            while !walk.visited[at] && !climbed[at] {
                climbed[at] = true;
                match parent_of(at) {
                    Some(parent) => at = parent,
                    None => break,
                }
            }
            if !walk.visited[at] {
                walk.descend(at);
            }
        }
        walk.walk
    }

    /// The hops from `from` down to `to` (an ancestor of `to` on the walk), in path order.
    fn path(&self, from: u32, to: u32) -> Vec<usize> {
        let mut path = vec![to as usize];
        let mut at = to;
        while at != from && self.up[at as usize] != NONE {
            at = self.up[at as usize];
            path.push(at as usize);
        }
        path.reverse();
        path
    }
}

/// The state of [`ChainWalk::new`]'s depth-first pass.
struct Walker<'e> {
    events: &'e [Box<RoleAssumption>],
    children: &'e [u32],
    start: &'e [u32],
    /// Each hop's role by number ([`NONE`] for a hop that wore none).
    role: &'e [u32],
    /// By role: the hops on the current path wearing it, nearest last.
    wearing: Vec<Vec<u32>>,
    visited: Vec<bool>,
    /// The current path: (hop, its next child to visit).
    stack: Vec<(u32, u32)>,
    walk: ChainWalk,
}

impl Walker<'_> {
    /// Walks the hops under `first` (not yet visited) depth first, `first` as their root.
    fn descend(&mut self, first: usize) {
        self.enter(first, NONE);
        while let Some(&(hop, next)) = self.stack.last() {
            let hop = hop as usize;
            if next < self.start[hop + 1] {
                let child = self.children[next as usize] as usize;
                if let Some(top) = self.stack.last_mut() {
                    top.1 += 1;
                }
                if !self.visited[child] {
                    self.enter(child, hop as u32);
                }
            } else {
                self.stack.pop();
                if self.role[hop] != NONE {
                    self.wearing[self.role[hop] as usize].pop();
                }
            }
        }
    }

    /// Visits `hop`, reached from `up`: what its path tells of it.
    fn enter(&mut self, hop: usize, up: u32) {
        let (walk, events) = (&mut self.walk, self.events);
        self.visited[hop] = true;
        walk.up[hop] = up;
        if up == NONE {
            walk.root[hop] = hop as u32;
        } else {
            let above = up as usize;
            walk.root[hop] = walk.root[above];
            walk.level[hop] = walk.level[above].saturating_add(1);
            walk.chained_from[hop] = walk.chained_from[above];
            walk.by_chained_session[hop] = is_chained(&events[above]);
        }
        if walk.chained_from[hop] == NONE && is_chained(&events[hop]) {
            walk.chained_from[hop] = hop as u32;
        }
        if self.role[hop] != NONE {
            let on_path = &mut self.wearing[self.role[hop] as usize];
            walk.returns_to[hop] = on_path.last().copied().unwrap_or(NONE);
            on_path.push(hop as u32);
        }
        self.stack.push((hop as u32, self.start[hop]));
    }
}

/// `A -> B -> A`: the roles of a path by name, its middle cut when long.
fn path_text(events: &[Box<RoleAssumption>], path: &[usize]) -> String {
    let names: Vec<&str> = path
        .iter()
        .map(|&hop| role_label(events[hop].role_arn()))
        .collect();
    if names.len() <= 8 {
        return names.join(" -> ");
    }
    format!(
        "{} -> [... {} hops ...] -> {}",
        names[..4].join(" -> "),
        names.len() - 7,
        names[names.len() - 3..].join(" -> ")
    )
}

/// Chains that return to a role they already wore, or whose chained sessions kept making hops
/// past the one-hour limit: one finding per chain (the hops walked from one first hop).
pub fn role_juggling(evidence: &Evidence) -> Vec<Finding> {
    let events = evidence.events;
    let walk = ChainWalk::new(events);
    let time = |hop: usize| events[hop].event_time;
    let past_limit = |hop: usize| -> Option<TimeDelta> {
        if !walk.by_chained_session[hop] || walk.chained_from[hop] == NONE {
            return None;
        }
        let span = time(hop)? - time(walk.chained_from[hop] as usize)?;
        (span > CHAINED_SESSION_LIMIT).then_some(span)
    };
    // The juggling hops the filters keep, by chain.
    let mut chains: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (hop, event) in events.iter().enumerate() {
        if evidence.kept(hop)
            && wears_role(event)
            && (walk.returns_to[hop] != NONE || past_limit(hop).is_some())
        {
            chains.entry(walk.root[hop]).or_default().push(hop);
        }
    }
    let mut findings = Vec::new();
    for (root, hops) in chains {
        let root = root as usize;
        let returns: Vec<usize> = hops
            .iter()
            .copied()
            .filter(|&hop| walk.returns_to[hop] != NONE)
            .collect();
        let longest = hops.iter().filter_map(|&hop| past_limit(hop)).max();
        let refreshes = hops
            .iter()
            .filter(|&&hop| past_limit(hop).is_some())
            .count();
        // Same-second hops are told apart by their place on the chain.
        let first_of = |hop: usize| (time(hop), walk.level[hop], hop);
        let earliest = hops
            .iter()
            .copied()
            .min_by_key(|&hop| first_of(hop))
            .unwrap_or(root);
        let from = if walk.returns_to[earliest] != NONE {
            walk.returns_to[earliest]
        } else {
            walk.chained_from[earliest]
        };
        let path = walk.path(from, earliest as u32);
        let mut parts = Vec::new();
        if let Some(&first) = returns.iter().min_by_key(|&&hop| first_of(hop)) {
            let loop_path = walk.path(walk.returns_to[first], first as u32);
            parts.push(format!(
                "{} to a role already worn on the chain (first: {})",
                if returns.len() == 1 {
                    "returned once".to_owned()
                } else {
                    format!("returned {} times", returns.len())
                },
                path_text(events, &loop_path)
            ));
        }
        if let Some(longest) = longest {
            parts.push(format!(
                "chained sessions (1 h at most) kept making hops {} after the chain's first \
                 chained hop ({} past the hour)",
                span_text(longest),
                plural(refreshes as u64, "hop")
            ));
        }
        let roles: BTreeSet<&str> = hops
            .iter()
            .chain(&path)
            .map(|&hop| role_label(events[hop].role_arn()))
            .collect();
        let origin = &events[root].chain().origin;
        let subject = if origin.is_empty() {
            events[root].origin_label()
        } else {
            origin.to_string()
        };
        findings.push(Finding {
            id: String::new(),
            kind: Kind::RoleJuggling,
            severity: Severity::Medium,
            subject,
            detail: format!(
                "{}; roles: {}",
                parts.join("; "),
                list_text(roles.iter().copied(), 5)
            ),
            first_seen: path.first().and_then(|&hop| time(hop)),
            last_seen: hops.iter().filter_map(|&hop| time(hop)).max(),
            count: hops.len() as u64,
            event_ids: proof(path.iter().map(|&hop| events[hop].event_id())),
            anchor: anchor_of(&events[root]),
        });
    }
    findings
}

// ------------------------------------------------------------------------------------------
// service-and-human

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

// ------------------------------------------------------------------------------------------
// new-edge

/// The edge a successful hop draws, as the role-level graph names its ends, but with
/// federation and other accounts' callers by subject (`provider#subject`,
/// `account#principal`), since a new subject is what a new edge is about: a session's caller
/// is its role; every other caller itself. `None` for a hop that put on no role.
pub fn edge_of(event: &RoleAssumption) -> Option<(Cow<'_, str>, &str)> {
    if event.outcome != Outcome::Success || event.role_arn().is_empty() {
        return None;
    }
    let source = match event.source_kind {
        SourceKind::AssumedRole if !event.caller_role_arn().is_empty() => {
            Cow::Borrowed(event.caller_role_arn())
        }
        SourceKind::AssumedRole => {
            arn::role_of_session(event.source()).map_or(Cow::Borrowed(event.source()), Cow::Owned)
        }
        SourceKind::Saml | SourceKind::WebIdentity | SourceKind::AwsAccount => {
            Cow::Owned(event.origin_label())
        }
        _ => Cow::Borrowed(event.source()),
    };
    if source.is_empty() {
        return None;
    }
    Some((source, event.role_arn()))
}

/// (source, role) pairs whose first success comes after `until`: the pairs of the kept hops
/// after it that no hop read at or before it drew. One finding per pair.
pub fn new_edges(evidence: &Evidence, until: DateTime<Utc>) -> Vec<Finding> {
    let events = evidence.events;
    let baseline: HashSet<(Cow<str>, &str)> = events
        .iter()
        .filter(|event| event.event_time.is_some_and(|time| time <= until))
        .filter_map(|event| edge_of(event))
        .collect();
    let mut new: BTreeMap<(Cow<str>, &str), Vec<usize>> = BTreeMap::new();
    for (i, event) in events.iter().enumerate() {
        if !evidence.kept(i) || event.event_time.is_none_or(|time| time <= until) {
            continue;
        }
        if let Some(edge) = edge_of(event)
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

// ------------------------------------------------------------------------------------------
// refusals-then-success

/// Bursts of at least `min` refused attempts by one identity (the caller: user, root, session,
/// service, `provider#subject`, `account#principal`) within [`REFUSAL_WINDOW`] before a
/// success of that identity. One finding per success that ends a burst; refusals count toward
/// one success only. Role assumptions only (and `AssumeRoot`, which puts on root's mask):
/// `GetSessionToken` and `GetFederationToken` put on none, so they neither count as refusals
/// nor end (or clear) a burst. High when the refusals tried other roles than the one that let it in (a
/// search), medium when they were all retries of that role (IAM's eventual consistency after
/// a role or trust policy was made, or a policy changed in between).
pub fn refusals_then_success(evidence: &Evidence, min: u32) -> Vec<Finding> {
    let events = evidence.events;
    let mut tried: Vec<(Cow<str>, DateTime<Utc>, usize)> = (0..events.len())
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
            Some((who, event.event_time?, i))
        })
        .collect();
    tried.sort_unstable();
    let min = min.max(1) as usize;
    let mut findings = Vec::new();
    for attempts in tried.chunk_by(|a, b| a.0 == b.0) {
        // The refusals since the last success, within the window before the latest attempt.
        let mut pending: VecDeque<usize> = VecDeque::new();
        for (_, time, index) in attempts {
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
    let roles: BTreeSet<&str> = refused.iter().map(|&i| events[i].target()).collect();
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
    let first = refused.front().and_then(|&i| events[i].event_time);
    let span = match (first, won.event_time) {
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
    let retries = roles.len() == 1 && roles.contains(won.target());
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
            "{}{codes} on {} ({}) within {span}, then {}{target} succeeded{again}",
            plural(refused.len() as u64, "refused attempt"),
            plural(roles.len() as u64, "role"),
            list_text(roles.iter().map(|role| role_label(role)), 3),
            won.event_name.as_str(),
        ),
        first_seen: first,
        last_seen: won.event_time,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ChainInfo, Texts};
    use std::sync::Arc;

    fn at(time: &str) -> Option<DateTime<Utc>> {
        timefmt::parse(&format!("2026-03-03T{time}Z"))
    }

    /// A successful AssumeRole into role `role` (a name), with `id` as its event id, made by
    /// the IAM user alice (no parent) or, given a parent, by a session of the parent's role.
    fn hop(id: &str, time: &str, role: &str, parent: Option<usize>) -> Box<RoleAssumption> {
        let role_arn = format!("arn:aws:iam::111122223333:role/{role}");
        let texts = Texts {
            event_id: id,
            source: if parent.is_some() {
                "arn:aws:sts::111122223333:assumed-role/Caller/s"
            } else {
                "arn:aws:iam::111122223333:user/alice"
            },
            role_arn: &role_arn,
            ..Texts::default()
        };
        let mut event = RoleAssumption::with_texts(&texts);
        event.event_time = at(time);
        if parent.is_some() {
            event.source_kind = SourceKind::AssumedRole;
        }
        event.chain = Some(Box::new(ChainInfo {
            depth: None,
            origin: Arc::from("arn:aws:iam::111122223333:user/alice"),
            parent_event_id: String::new(),
            parent,
            link: Default::default(),
        }));
        Box::new(event)
    }

    /// `event` made by the service `service` (origin the service).
    fn by_service(mut event: Box<RoleAssumption>, service: &str) -> Box<RoleAssumption> {
        let texts = Texts {
            source: service,
            ..event.texts()
        };
        event.text = crate::event::TextFields::new(&texts);
        event.source_kind = SourceKind::AwsService;
        if let Some(chain) = &mut event.chain {
            chain.origin = Arc::from(service);
        }
        event
    }

    fn refused(mut event: Box<RoleAssumption>) -> Box<RoleAssumption> {
        event.outcome = Outcome::Failure;
        event
    }

    fn evidence_of<'a>(events: &'a [Box<RoleAssumption>], kept: &'a [bool]) -> Evidence<'a> {
        Evidence {
            events,
            kept,
            sessions: &[],
        }
    }

    /// (subject, count, event ids) of each finding.
    fn summary(findings: &[Finding]) -> Vec<(String, u64, Vec<String>)> {
        findings
            .iter()
            .map(|f| (f.subject.clone(), f.count, f.event_ids.clone()))
            .collect()
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn kinds_have_one_stable_name_each() {
        assert_eq!(
            Kind::NAMES,
            [
                "session-many-networks",
                "role-juggling",
                "service-and-human",
                "new-edge",
                "refusals-then-success"
            ]
        );
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("juggling"), None);
    }

    #[test]
    fn instance_ids_are_told_by_their_shape() {
        assert!(is_instance_id("i-0abc1234"));
        assert!(is_instance_id("i-0123456789abcdef0"));
        assert!(!is_instance_id("i-0abc"));
        assert!(!is_instance_id("i-0123456789abcdefg"));
        assert!(!is_instance_id("alice"));
    }

    #[test]
    fn spans_and_proofs_read_well() {
        assert_eq!(span_text(TimeDelta::seconds(45)), "45 s");
        assert_eq!(span_text(TimeDelta::minutes(12)), "12 min");
        assert_eq!(span_text(TimeDelta::minutes(130)), "2 h 10 min");
        assert_eq!(span_text(TimeDelta::hours(3)), "3 h");
        assert_eq!(span_text(TimeDelta::hours(76)), "3 d 4 h");
        assert_eq!(span_text(TimeDelta::days(2)), "2 d");
        let many: Vec<String> = (0..40).map(|i| format!("e{i:02}")).collect();
        let kept = proof(many.iter().map(String::as_str));
        assert_eq!(kept.len(), MAX_EVENT_IDS);
        assert_eq!(kept[..2], ids(&["e00", "e01"]));
        assert_eq!(kept[14..], ids(&["e14", "e39"]));
        assert_eq!(proof(["a", "", "b"]), ids(&["a", "b"]));
        assert_eq!(
            list_text(["a", "b", "c", "d", "e"], 3),
            "a, b, c and 2 more"
        );
        assert_eq!(list_text(["a"], 3), "a");
    }

    #[test]
    fn ids_are_stable_and_tell_findings_apart() {
        // FNV-1a of "new-edge\0a -> b\0\0": pinned, so ids never change between versions.
        assert_eq!(base_id(Kind::NewEdge, "a -> b", ""), "04a339246229a09b");
        assert_ne!(
            base_id(Kind::NewEdge, "a -> b", "e1"),
            base_id(Kind::NewEdge, "a -> b", "e2")
        );
        let finding = |anchor: &str| Finding {
            id: String::new(),
            kind: Kind::SessionManyNetworks,
            severity: Severity::Medium,
            subject: "s".to_owned(),
            detail: String::new(),
            first_seen: None,
            last_seen: None,
            count: 2,
            event_ids: Vec::new(),
            anchor: anchor.to_owned(),
        };
        let mut findings = [finding("k"), finding("k"), finding("other"), finding("k")];
        identify(&mut findings);
        let base = base_id(Kind::SessionManyNetworks, "s", "k");
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                base.clone(),
                format!("{base}-2"),
                base_id(Kind::SessionManyNetworks, "s", "other"),
                format!("{base}-3")
            ]
        );
    }

    #[test]
    fn a_chain_that_returns_to_a_role_is_juggling() {
        // alice -> A -> B -> A -> B: two returns, one chain; the proof is the first loop.
        let events = vec![
            hop("e0", "10:00:00", "A", None),
            hop("e1", "10:05:00", "B", Some(0)),
            hop("e2", "10:10:00", "A", Some(1)),
            hop("e3", "10:15:00", "B", Some(2)),
        ];
        let kept = vec![true; events.len()];
        let found = role_juggling(&evidence_of(&events, &kept));
        assert_eq!(
            summary(&found),
            [(
                "arn:aws:iam::111122223333:user/alice".to_owned(),
                2,
                ids(&["e0", "e1", "e2"])
            )]
        );
        assert_eq!(
            found[0].detail,
            "returned 2 times to a role already worn on the chain (first: A -> B -> A); \
             roles: A, B"
        );
        assert_eq!(found[0].first_seen, at("10:00:00"));
        assert_eq!(found[0].last_seen, at("10:15:00"));
        // The filters pick the juggling hops: with only the last kept, one return is left.
        let last_only = [false, false, false, true];
        let found = role_juggling(&evidence_of(&events, &last_only));
        assert_eq!(found[0].count, 1);
        assert_eq!(found[0].event_ids, ids(&["e1", "e2", "e3"]));
    }

    #[test]
    fn siblings_and_distinct_roles_are_no_juggling() {
        // alice -> A twice (two chains), A -> B and A -> C from one session, B -> C: no role
        // repeats on any path, and no chained session outlives its hour.
        let events = vec![
            hop("e0", "10:00:00", "A", None),
            hop("e1", "10:05:00", "B", Some(0)),
            hop("e2", "10:06:00", "C", Some(0)),
            hop("e3", "10:30:00", "C", Some(1)),
            hop("e4", "11:00:00", "A", None),
            // A's own session (12 h at most, not chained) hops on late: fine.
            hop("e5", "21:00:00", "B", Some(0)),
        ];
        let kept = vec![true; events.len()];
        assert_eq!(role_juggling(&evidence_of(&events, &kept)), []);
    }

    #[test]
    fn chained_sessions_refreshed_past_the_hour_are_juggling() {
        // alice -> A -> B (first chained hop, 10:05) -> C (10:50, within B's hour) -> D
        // (11:40, made by C's chained session 1 h 35 min after the first chained hop).
        let events = vec![
            hop("e0", "10:00:00", "A", None),
            hop("e1", "10:05:00", "B", Some(0)),
            hop("e2", "10:50:00", "C", Some(1)),
            hop("e3", "11:40:00", "D", Some(2)),
        ];
        let kept = vec![true; events.len()];
        let found = role_juggling(&evidence_of(&events, &kept));
        assert_eq!(
            summary(&found),
            [(
                "arn:aws:iam::111122223333:user/alice".to_owned(),
                1,
                ids(&["e1", "e2", "e3"])
            )]
        );
        assert_eq!(
            found[0].detail,
            "chained sessions (1 h at most) kept making hops 1 h 35 min after the chain's \
             first chained hop (1 hop past the hour); roles: B, C, D"
        );
        // Within the hour: nothing.
        let mut early = events;
        early[3].event_time = at("11:04:00");
        assert_eq!(role_juggling(&evidence_of(&early, &kept)), []);
    }

    #[test]
    fn a_cycle_of_parent_links_ends_the_walk() {
        // e1 and e2 name each other as parents (same-second events), e3 hangs under them.
        let events = vec![
            hop("e0", "10:00:00", "A", None),
            hop("e1", "10:00:01", "B", Some(2)),
            hop("e2", "10:00:01", "C", Some(1)),
            hop("e3", "10:00:01", "B", Some(2)),
        ];
        let kept = vec![true; events.len()];
        let found = role_juggling(&evidence_of(&events, &kept));
        // The walk enters the cycle at e1 (the first hop left): e1 -> e2 -> e3 returns to B.
        assert_eq!(
            summary(&found),
            [(
                "arn:aws:iam::111122223333:user/alice".to_owned(),
                1,
                ids(&["e1", "e2", "e3"])
            )]
        );
    }

    #[test]
    fn a_long_juggling_chain_is_one_finding_walked_in_linear_time() {
        // 200,000 hops A -> B -> A -> ..., each the parent of the next, listed backwards (as
        // same-second events may be): a walk per hop would take hours.
        let n = 200_000;
        let events: Vec<Box<RoleAssumption>> = (0..n)
            .map(|i| {
                let role = if (n - 1 - i) % 2 == 0 { "A" } else { "B" };
                let parent = (i + 1 < n).then_some(i + 1);
                let mut event = hop(&format!("e{i:06}"), "10:00:00", role, parent);
                if parent.is_none() {
                    event.source_kind = SourceKind::IamUser;
                }
                event
            })
            .collect();
        let kept = vec![true; n];
        let started = std::time::Instant::now();
        let found = role_juggling(&evidence_of(&events, &kept));
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].count, n as u64 - 2);
        assert_eq!(found[0].event_ids, ids(&["e199999", "e199998", "e199997"]));
    }

    #[test]
    fn a_role_worn_by_a_service_and_a_person_within_a_day() {
        let events = vec![
            by_service(hop("s1", "01:00:00", "Web", None), "ec2.amazonaws.com"),
            hop("h1", "09:00:00", "Web", None),
            // A service's session chaining on is the workload, not a person.
            hop("c1", "09:30:00", "Web", Some(0)),
        ];
        let mut events = events;
        if let Some(chain) = &mut events[2].chain {
            chain.origin = Arc::from("ec2.amazonaws.com");
        }
        let kept = vec![true; events.len()];
        let found = service_and_human(&evidence_of(&events, &kept));
        assert_eq!(
            summary(&found),
            [(
                "arn:aws:iam::111122223333:role/Web".to_owned(),
                2,
                ids(&["s1", "h1"])
            )]
        );
        assert_eq!(
            found[0].detail,
            "worn by ec2.amazonaws.com (1 hop) and by arn:aws:iam::111122223333:user/alice \
             (1 hop) within 24 h of each other (closest 8 h apart)"
        );
    }

    #[test]
    fn a_service_and_a_person_a_day_apart_or_through_a_workload_are_no_finding() {
        let mut events = vec![
            by_service(hop("s1", "01:00:00", "Web", None), "ec2.amazonaws.com"),
            hop("h1", "09:00:00", "Web", None),
            hop("c1", "09:30:00", "Uploader", Some(0)),
            by_service(hop("s2", "10:00:00", "Uploader", None), "ec2.amazonaws.com"),
        ];
        // 24 h and a second apart.
        events[1].event_time = timefmt::parse("2026-03-04T01:00:01Z");
        // Uploader: worn by EC2 and by EC2's own workload (chained from its session).
        if let Some(chain) = &mut events[2].chain {
            chain.origin = Arc::from("ec2.amazonaws.com");
        }
        let kept = vec![true; events.len()];
        assert_eq!(service_and_human(&evidence_of(&events, &kept)), []);
        // Refused attempts wear nothing.
        let refusal = vec![
            by_service(hop("s1", "01:00:00", "Web", None), "ec2.amazonaws.com"),
            refused(hop("h1", "02:00:00", "Web", None)),
        ];
        assert_eq!(service_and_human(&evidence_of(&refusal, &[true, true])), []);
    }

    #[test]
    fn edges_first_seen_after_the_baseline_are_new() {
        let events = vec![
            hop("e0", "09:00:00", "A", None),
            hop("e1", "11:00:00", "A", None),
            hop("e2", "12:00:00", "B", None),
            hop("e3", "13:00:00", "B", None),
            refused(hop("e4", "14:00:00", "C", None)),
        ];
        let kept = vec![true; events.len()];
        let until = at("10:00:00").unwrap();
        let found = new_edges(&evidence_of(&events, &kept), until);
        assert_eq!(
            summary(&found),
            [(
                "arn:aws:iam::111122223333:user/alice -> arn:aws:iam::111122223333:role/B"
                    .to_owned(),
                2,
                ids(&["e2", "e3"])
            )]
        );
        assert_eq!(found[0].detail, "not in the baseline: AssumeRole, 2 hops");
        assert_eq!(found[0].severity, Severity::Low);
        // The baseline is every hop read, kept or not.
        let kept = [false, true, true, true, true];
        assert_eq!(new_edges(&evidence_of(&events, &kept), until).len(), 1);
    }

    #[test]
    fn refusals_before_a_success_within_the_hour_are_a_burst() {
        let events = vec![
            refused(hop("r1", "14:00:00", "Admin", None)),
            refused(hop("r2", "14:10:00", "Admin", None)),
            refused(hop("r3", "14:20:00", "Prod", None)),
            hop("s1", "14:30:00", "Dev", None),
            // The burst is spent: a second success is no finding.
            hop("s2", "14:40:00", "Dev", None),
        ];
        let kept = vec![true; events.len()];
        let found = refusals_then_success(&evidence_of(&events, &kept), 3);
        assert_eq!(
            summary(&found),
            [(
                "arn:aws:iam::111122223333:user/alice".to_owned(),
                3,
                ids(&["r1", "r2", "r3", "s1"])
            )]
        );
        assert_eq!(
            found[0].detail,
            "3 refused attempts on 2 roles (Admin, Prod) within 30 min, then AssumeRole into \
             Dev succeeded"
        );
        assert_eq!(refusals_then_success(&evidence_of(&events, &kept), 4), []);
    }

    #[test]
    fn refusals_spread_out_or_without_a_success_are_no_burst() {
        let spread = vec![
            refused(hop("r1", "12:00:00", "Admin", None)),
            refused(hop("r2", "13:10:00", "Admin", None)),
            refused(hop("r3", "13:20:00", "Admin", None)),
            hop("s1", "13:30:00", "Admin", None),
        ];
        let kept = vec![true; spread.len()];
        assert_eq!(refusals_then_success(&evidence_of(&spread, &kept), 3), []);
        let unanswered = vec![
            refused(hop("r1", "12:00:00", "Admin", None)),
            refused(hop("r2", "12:01:00", "Admin", None)),
            refused(hop("r3", "12:02:00", "Admin", None)),
        ];
        assert_eq!(
            refusals_then_success(&evidence_of(&unanswered, &[true; 3]), 3),
            []
        );
    }
}
