//! Findings: patterns in who wore which mask that deserve a look, each with the events that
//! prove it. Pure functions over the scan's role assumptions (chains linked), the sessions'
//! aggregated calls and their attributions; `trailmask findings` prints them.
//!
//! Five kinds, each named once ([`Kind`]) and explained in the README with its false
//! positives:
//!
//! - [`Kind::SessionManyNetworks`] ([`networks`]): one session (one access key) made calls
//!   from two networks or more ([`network_of`](crate::activity::network::network_of): an IPv4
//!   /24, an IPv6 /48); AWS services acting for the session (`AWS Internal`,
//!   `*.amazonaws.com`) are no network. Private addresses (a VPC, a VPN) are
//!   one network, "private", for a session whose chain began at an AWS service (the machine
//!   holding its credentials calls from inside its VPC), and no network for any other: a
//!   person reaching AWS through a VPN or a VPC endpoint is in no second place. High for a
//!   service's session: instance, function and task credentials used from a second place are
//!   the lifted-credentials case.
//! - [`Kind::RoleJuggling`] ([`juggling`]): a chain that returns to a role it already wore, or whose chained
//!   sessions (which AWS limits to one hour) kept making hops more than an hour after the
//!   chain's first chained hop: it was refreshed to outlive the limit.
//! - [`Kind::ServiceAndHuman`] ([`service_human`]): a role an AWS service put on itself and that an identity that
//!   is no service wore (directly or down its chain) within 24 hours of it.
//! - [`Kind::NewEdge`] ([`new_edge`]): a (source, role) pair whose first success comes after the baseline
//!   (`--baseline-until`).
//! - [`Kind::RefusalsThenSuccess`] ([`refusals`]): at least N refused attempts by one identity within the
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

use super::aggregate::SessionActivity;
use super::attribute::Attribution;
use crate::arn;
use crate::event::{EventName, Outcome, RoleAssumption, SourceKind};
use crate::timefmt;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{BTreeSet, HashMap};

mod juggling;
mod networks;
mod new_edge;
mod refusals;
mod service_human;

pub use juggling::role_juggling;
pub use networks::session_many_networks;
pub use new_edge::new_edges;
pub use refusals::refusals_then_success;
pub use service_human::service_and_human;

/// The most event ids a finding lists: the first `MAX_EVENT_IDS - 1` and the last, in time
/// order (its `count` is its kind's measure, not how many events prove it).
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
/// A role is one subject however its path is known ([`without_role_paths`]): a role's path is
/// spelled only where a record read gives it (a session's calls, read for some kinds and some
/// windows only), and a role's name is unique in its account.
pub fn base_id(kind: Kind, subject: &str, anchor: &str) -> String {
    let mut hash = FNV_OFFSET;
    for part in [kind.as_str(), &without_role_paths(subject), anchor] {
        for &byte in part.as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(FNV_PRIME);
        }
    }
    format!("{hash:016x}")
}

/// `text` with every role ARN's path left out (`arn:aws:iam::1:role/ops/Admin` as
/// `…:role/Admin`).
fn without_role_paths(text: &str) -> std::borrow::Cow<'_, str> {
    const ROLE: &str = ":role/";
    if !text.contains(ROLE) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(ROLE) {
        let (before, after) = rest.split_at(at + ROLE.len());
        out.push_str(before);
        // The ARN ends where a subject's words or lists go on.
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ')' | '(' | '"'))
            .unwrap_or(after.len());
        let (arn_rest, tail) = after.split_at(end);
        out.push_str(arn_rest.rsplit_once('/').map_or(arn_rest, |(_, name)| name));
        rest = tail;
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Gives each finding (in output order) its id: [`base_id`], with `-2`, `-3`, ... after the
/// first when findings share one (records without an `eventID` can leave two sessions or
/// bursts nothing else to tell them apart), so ids are unique in a run's output. A finding
/// whose proof has no event id says so (its records have none: a sample or an export that
/// dropped them), rather than leaving an empty list unexplained.
fn identify(findings: &mut [Finding]) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for finding in findings {
        if finding.event_ids.is_empty() && !finding.detail.ends_with(NO_EVENT_IDS) {
            finding.detail.push_str(NO_EVENT_IDS);
        }
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

/// Said after the detail of a finding none of whose records gives an `eventID`.
const NO_EVENT_IDS: &str = " (its records give no eventID: find them by time and subject)";

/// The anchor of a finding that one event tells apart: its id, else its time.
fn anchor_of(event: &RoleAssumption) -> String {
    if event.event_id().is_empty() {
        timefmt::format_opt(event.event_time.as_ref())
    } else {
        event.event_id().to_owned()
    }
}

impl Finding {
    /// The order ids are given in (and, within a severity, the output order): kind, subject,
    /// first seen, then the rest (for equal ones).
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

/// Every finding of the kinds `options` asks for, in output order: severity (high first),
/// then kind, subject, first seen.
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
    // The most urgent first (a stable sort: within a severity, the order above). The ids were
    // given before, so they do not depend on severities.
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    findings
}

// ------------------------------------------------------------------------------------------
// Shared pieces

/// The proof list: the non-empty ids of `ids` (in time order), each once (documentation
/// samples give two calls one `eventID`), at most [`MAX_EVENT_IDS`]: the first ones and the
/// last.
fn proof<'i>(ids: impl IntoIterator<Item = &'i str>) -> Vec<String> {
    let mut first: Vec<String> = Vec::new();
    let mut last = None;
    for id in ids.into_iter().filter(|id| !id.is_empty()) {
        if first.iter().any(|listed| listed == id) {
            continue;
        }
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

/// True for a hop whose caller is a role session, named by its ARN or (another account's copy)
/// by its principal id: a chained hop (a console switch starts a chain of its own).
fn is_chained(event: &RoleAssumption) -> bool {
    let session = event.source_kind == SourceKind::AssumedRole
        || crate::chain::caller_session_id(event).is_some();
    session && event.event_name != EventName::SwitchRole
}

/// `1 call`, `2 calls`.
fn plural(count: u64, noun: &str) -> String {
    crate::export::plural(count, noun)
}

#[cfg(test)]
mod tests {
    use super::networks::is_instance_id;
    use super::*;
    use crate::event::{ChainInfo, Texts};
    use std::sync::Arc;

    fn at(time: &str) -> Option<DateTime<Utc>> {
        timefmt::parse(&format!("2026-03-03T{time}Z"))
    }

    /// A responder's pass (session 34): a role's path is spelled where a session's calls give
    /// it, and those are read for some kinds and windows only, so one finding had two ids.
    #[test]
    fn a_role_is_one_id_however_its_path_is_known() {
        let pathless = "arn:aws:iam::1:user/bob -> arn:aws:iam::2:role/ReadOnly";
        for spelled in [
            "arn:aws:iam::1:user/bob -> arn:aws:iam::2:role/ops/ReadOnly",
            "arn:aws:iam::1:user/bob -> arn:aws:iam::2:role/a/b/ReadOnly",
        ] {
            assert_eq!(
                base_id(Kind::NewEdge, spelled, ""),
                base_id(Kind::NewEdge, pathless, "")
            );
        }
        assert_eq!(
            without_role_paths("x (arn:aws:iam::1:role/p/A, arn:aws:iam::2:role/B);role/q/C"),
            "x (arn:aws:iam::1:role/A, arn:aws:iam::2:role/B);role/q/C"
        );
        assert_ne!(
            base_id(Kind::NewEdge, "arn:aws:iam::2:role/ops/A", ""),
            base_id(Kind::NewEdge, "arn:aws:iam::2:role/ops/B", "")
        );
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
    fn proof_lists_each_id_once_the_first_and_the_last() {
        // Two networks' first calls that give one eventID (documentation samples do) prove
        // with one id; empty ids are left out.
        assert_eq!(proof(["e1", "", "e1", "e2"]), ids(&["e1", "e2"]));
        let many: Vec<String> = (0..40).map(|n| format!("e{n}")).collect();
        let with_repeats = many.iter().chain(&many).map(String::as_str);
        let mut expected: Vec<&str> = many[..MAX_EVENT_IDS - 1]
            .iter()
            .map(String::as_str)
            .collect();
        expected.push("e39");
        assert_eq!(proof(with_repeats), ids(&expected));
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
