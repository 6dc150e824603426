//! The mask graph (petgraph): who wears which role, and where sessions chain on.
//!
//! Nodes are identities, roles and (at session level) sessions; each edge aggregates every role
//! assumption between its two ends: successes and failures, event names, first and last seen,
//! source IPs, and whether it crosses an account boundary.
//!
//! - **Role level** (default): a session's hop is drawn from the role that issued the session,
//!   so chains read role → role; users, services and providers point at the roles they assume.
//! - **Session level**: source → session, and session → the sessions it creates.
//!
//! Node and edge order is by key, not by arrival, so output never depends on file order.
//! Memory grows with distinct nodes and edges, not with events.

use crate::accounts::AccountNames;
use crate::arn;
use crate::cli::{Collapse, GraphLevel};
use crate::event::{EventName, EventNames, Outcome, RoleAssumption, SourceKind};
use chrono::{DateTime, Utc};
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    IamUser,
    Root,
    Service,
    SamlProvider,
    OidcProvider,
    /// A caller known only by its account (`AWSAccount` identities).
    ExternalAccount,
    FederatedUser,
    Role,
    Session,
    Unknown,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::IamUser => "iam-user",
            NodeKind::Root => "root",
            NodeKind::Service => "aws-service",
            NodeKind::SamlProvider => "saml",
            NodeKind::OidcProvider => "web-identity",
            NodeKind::ExternalAccount => "aws-account",
            NodeKind::FederatedUser => "federated-user",
            NodeKind::Role => "role",
            NodeKind::Session => "session",
            NodeKind::Unknown => "unknown",
        }
    }

    /// Services and identity providers belong to no account cluster.
    pub fn outside_accounts(self) -> bool {
        matches!(
            self,
            NodeKind::Service | NodeKind::SamlProvider | NodeKind::OidcProvider
        )
    }
}

/// A node: its kind, full name (ARN, principal, provider or account), and account.
///
/// Names borrow from the events where they can (`'e`), as do an edge's lists: a graph is built
/// once and written straight away, so copying tens of thousands of strings would only cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'e> {
    pub kind: NodeKind,
    pub name: Cow<'e, str>,
    pub account: Cow<'e, str>,
    /// Federation subjects seen for a provider; principal ids for an external account.
    pub subjects: BTreeSet<&'e str>,
}

impl Node<'_> {
    /// A stable id: kind and name.
    pub fn id(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.name)
    }

    /// A short label: the role or user name, the service, the provider's host.
    pub fn label(&self) -> String {
        let resource = arn::Arn::parse(&self.name).map(|a| a.resource);
        match self.kind {
            NodeKind::Role => arn::role_name(&self.name).unwrap_or(&self.name).to_owned(),
            NodeKind::Session => match resource {
                Some(r) => r.strip_prefix("assumed-role/").unwrap_or(r).to_owned(),
                None => self.name.clone().into_owned(),
            },
            NodeKind::IamUser | NodeKind::FederatedUser | NodeKind::Root => {
                resource.unwrap_or(&self.name).to_owned()
            }
            NodeKind::SamlProvider | NodeKind::OidcProvider => {
                let provider = resource.unwrap_or(&self.name);
                provider
                    .split_once('/')
                    .map_or(provider, |(_, host)| host)
                    .to_owned()
            }
            NodeKind::ExternalAccount => format!("account {}", self.name),
            NodeKind::Service | NodeKind::Unknown => self.name.clone().into_owned(),
        }
    }
}

/// Every role assumption between two nodes, aggregated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edge<'e> {
    pub successes: u64,
    pub failures: u64,
    pub event_names: EventNames,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Distinct, sorted.
    pub source_ips: Vec<&'e str>,
    /// Federation subjects behind the source: distinct, sorted.
    pub subjects: Vec<&'e str>,
    pub cross_account: bool,
    /// An end lies in an account outside the `--accounts` mapping.
    pub external: bool,
}

impl Edge<'_> {
    pub fn count(&self) -> u64 {
        self.successes + self.failures
    }
}

/// What an edge takes from one event, copied out while the event's ends are named (the one
/// pass that reads the events in their own order), so folding the edges in pair order does
/// not fetch each event from memory again.
#[derive(Debug)]
struct EdgeFacts<'e> {
    outcome: Outcome,
    event_name: EventName,
    event_time: Option<DateTime<Utc>>,
    cross_account: bool,
    source_ip: &'e str,
    source_subject: &'e str,
}

impl<'e> EdgeFacts<'e> {
    fn of(event: &'e RoleAssumption) -> Self {
        EdgeFacts {
            outcome: event.outcome,
            event_name: event.event_name,
            event_time: event.event_time,
            cross_account: event.cross_account == Some(true),
            source_ip: event.source_ip(),
            source_subject: event.source_subject(),
        }
    }
}

/// Each event's two ends (source, target) and what its edge takes from it.
#[derive(Debug)]
struct EventEnds<'e> {
    nodes: [NodeRef<'e>; 2],
    /// [`NodeRef::key_hash`] of each end.
    hashes: [u64; 2],
    facts: EdgeFacts<'e>,
}

impl<'e> EventEnds<'e> {
    /// `None` for an event that draws no edge (`GetSessionToken`, or no target named).
    fn of(event: &'e RoleAssumption, options: &GraphOptions) -> Option<Self> {
        let target = target_node(event, options)?;
        let source = source_node(event, options);
        Some(EventEnds {
            hashes: [source.key_hash(), target.key_hash()],
            nodes: [source, target],
            facts: EdgeFacts::of(event),
        })
    }
}

/// Numbers the distinct nodes among the ends' mentions (mention `2i` is end `i`'s source,
/// `2i + 1` its target): returns each mention's node number and each node's first mention.
///
/// Mentions are sorted by key hash, then by mention, so each node's run starts with its first
/// mention. Equal hashes nearly always mean equal keys: that is checked on all cores, and if
/// any two keys collide (names chosen to, say), the mentions are sorted by key as well.
fn number_nodes(ends: &[&EventEnds<'_>]) -> (Vec<usize>, Vec<usize>) {
    let mention = |m: usize| &ends[m / 2].nodes[m % 2];
    let mut mentions: Vec<(u64, usize)> = (0..2 * ends.len())
        .into_par_iter()
        .map(|m| (ends[m / 2].hashes[m % 2], m))
        .collect();
    mentions.par_sort_unstable();
    let collided = mentions.par_chunk_by(|a, b| a.0 == b.0).any(|run| {
        let first = mention(run[0].1).key();
        run[1..].iter().any(|&(_, m)| mention(m).key() != first)
    });
    if collided {
        mentions.par_sort_unstable_by(|&(hash_a, a), &(hash_b, b)| {
            (hash_a, mention(a).key(), a).cmp(&(hash_b, mention(b).key(), b))
        });
    }
    let mut node_of = vec![0; mentions.len()];
    let mut first_mentions = Vec::new();
    for (position, &(hash, m)) in mentions.iter().enumerate() {
        let new_node = position == 0 || {
            let (last_hash, last) = mentions[position - 1];
            last_hash != hash || (collided && mention(last).key() != mention(m).key())
        };
        if new_node {
            first_mentions.push(m);
        }
        node_of[m] = first_mentions.len() - 1;
    }
    (node_of, first_mentions)
}

/// A worker's reusable lists for folding edges.
#[derive(Debug, Default)]
struct Scratch<'e> {
    ips: Vec<&'e str>,
    subjects: Vec<&'e str>,
}

impl<'e> Scratch<'e> {
    /// One edge from the facts of all its events.
    fn fold<'f>(&mut self, run: impl Iterator<Item = &'f EdgeFacts<'e>>) -> Edge<'e>
    where
        'e: 'f,
    {
        let mut edge = Edge::default();
        self.ips.clear();
        self.subjects.clear();
        for facts in run {
            match facts.outcome {
                Outcome::Success => edge.successes += 1,
                Outcome::Failure => edge.failures += 1,
            }
            edge.event_names.insert(facts.event_name);
            if let Some(time) = facts.event_time {
                edge.first_seen = Some(edge.first_seen.map_or(time, |t| t.min(time)));
                edge.last_seen = Some(edge.last_seen.map_or(time, |t| t.max(time)));
            }
            if !facts.source_ip.is_empty() {
                self.ips.push(facts.source_ip);
            }
            if !facts.source_subject.is_empty() {
                self.subjects.push(facts.source_subject);
            }
            edge.cross_account |= facts.cross_account;
        }
        edge.source_ips = sorted_distinct(&mut self.ips);
        edge.subjects = sorted_distinct(&mut self.subjects);
        edge
    }
}

fn sorted_distinct<'e>(values: &mut Vec<&'e str>) -> Vec<&'e str> {
    values.sort_unstable();
    values.dedup();
    values.clone()
}

/// How to build the graph.
#[derive(Debug, Clone, Default)]
pub struct GraphOptions {
    pub session_level: bool,
    pub min_count: u64,
    pub top: Option<usize>,
    pub collapse: BTreeSet<Collapse>,
}

impl GraphOptions {
    pub fn new(
        level: GraphLevel,
        min_count: u64,
        top: Option<usize>,
        collapse: &[Collapse],
    ) -> Self {
        GraphOptions {
            session_level: level == GraphLevel::Session,
            min_count,
            top,
            collapse: collapse.iter().copied().collect(),
        }
    }
}

/// The graph, with nodes and edges in key order.
#[derive(Debug, Clone)]
pub struct MaskGraph<'e> {
    pub graph: DiGraph<Node<'e>, Edge<'e>>,
    pub accounts: AccountNames,
}

impl<'e> MaskGraph<'e> {
    /// Builds the graph from deduplicated events.
    ///
    /// On all cores, without hash tables: each event's two ends are named in parallel (with a
    /// hash of each end's key, taken while the event is in the cache); the ends are numbered
    /// by sorting those hashes, and the nodes ranked by key; each edge is folded from the run
    /// of events between its two ends, taken in key order. A node takes its account from its
    /// first mention in `events`' order (path order, as `trailmask graph` scans them).
    pub fn build(
        events: &[&'e RoleAssumption],
        options: &GraphOptions,
        accounts: &AccountNames,
    ) -> MaskGraph<'e> {
        // Collected in place in `events`' order (a parallel `filter_map` would gather
        // per-thread lists and copy them into one); the events that draw an edge are then
        // listed by reference.
        let named: Vec<Option<EventEnds<'e>>> = events
            .par_iter()
            .map(|&event| EventEnds::of(event, options))
            .collect();
        let ends: Vec<&EventEnds<'e>> = named.iter().flatten().collect();
        let (node_of, first_mentions) = number_nodes(&ends);
        let mention = |m: usize| -> &NodeRef<'e> { &ends[m / 2].nodes[m % 2] };
        // Rank the nodes by key, so that edges taken in their ends' ranks are in key order.
        let mut order: Vec<usize> = (0..first_mentions.len()).collect();
        order.par_sort_unstable_by(|&a, &b| {
            mention(first_mentions[a])
                .key()
                .cmp(&mention(first_mentions[b]).key())
        });
        let mut rank = vec![0; order.len()];
        for (position, &n) in order.iter().enumerate() {
            rank[n] = position;
        }
        let mut subjects: Vec<BTreeSet<&'e str>> = vec![BTreeSet::new(); order.len()];
        for (m, &n) in node_of.iter().enumerate() {
            if let Some(subject) = mention(m).subject {
                subjects[rank[n]].insert(subject);
            }
        }
        // Events by the ranks of their two ends: each run of one pair is an edge.
        let mut pairs: Vec<((usize, usize), usize)> = (0..ends.len())
            .into_par_iter()
            .map(|i| ((rank[node_of[2 * i]], rank[node_of[2 * i + 1]]), i))
            .collect();
        pairs.par_sort_unstable();
        let run_starts: Vec<usize> = (0..pairs.len())
            .filter(|&k| k == 0 || pairs[k].0 != pairs[k - 1].0)
            .collect();
        let mut kept: Vec<((usize, usize), Edge)> = run_starts
            .par_iter()
            .enumerate()
            .map_init(Scratch::default, |scratch, (r, &start)| {
                let end = run_starts.get(r + 1).copied().unwrap_or(pairs.len());
                let run = &pairs[start..end];
                let edge = scratch.fold(run.iter().map(|&(_, i)| &ends[i].facts));
                (run[0].0, edge)
            })
            .collect();
        kept.retain(|(_, edge)| edge.count() >= options.min_count);
        if let Some(top) = options.top {
            // Busiest first; ties keep key order.
            let mut ranked: Vec<usize> = (0..kept.len()).collect();
            ranked.sort_by_key(|&i| std::cmp::Reverse(kept[i].1.count()));
            let mut keep = vec![false; kept.len()];
            for i in ranked.into_iter().take(top) {
                keep[i] = true;
            }
            let mut i = 0;
            kept.retain(|_| {
                i += 1;
                keep[i - 1]
            });
        }
        let mut used = vec![false; order.len()];
        for ((a, b), _) in &kept {
            used[*a] = true;
            used[*b] = true;
        }
        let node_count = used.iter().filter(|&&u| u).count();
        let mut graph = DiGraph::with_capacity(node_count, 0);
        let mut index: Vec<Option<NodeIndex>> = vec![None; order.len()];
        for (position, &n) in order.iter().enumerate() {
            if used[position] {
                let node = mention(first_mentions[n]);
                index[position] = Some(graph.add_node(Node {
                    kind: node.kind,
                    name: node.name.clone(),
                    account: Cow::Borrowed(node.account),
                    subjects: std::mem::take(&mut subjects[position]),
                }));
            }
        }
        // The ends are no longer needed: freed before the edges' storage is taken, so the two
        // are never held at once (7 MB less at the peak for 1M records).
        let outside: Vec<bool> = graph
            .node_weights()
            .map(|node| accounts.is_outside(&node.account))
            .collect();
        drop((pairs, run_starts, node_of, first_mentions, order, ends));
        drop(named);
        graph.reserve_exact_edges(kept.len());
        for ((a, b), mut edge) in kept {
            let (Some(a), Some(b)) = (index[a], index[b]) else {
                continue;
            };
            edge.external = outside[a.index()] || outside[b.index()];
            graph.add_edge(a, b, edge);
        }
        MaskGraph {
            graph,
            accounts: accounts.clone(),
        }
    }

    /// Node indexes by the account cluster each is drawn in, accounts in order; `""` holds the
    /// nodes that belong to no account (services and identity providers). For the writers that
    /// draw clusters.
    pub fn clusters(&self) -> BTreeMap<&str, Vec<usize>> {
        let mut clusters: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, node) in self.graph.node_weights().enumerate() {
            let account = if node.kind.outside_accounts() {
                ""
            } else {
                &*node.account
            };
            clusters.entry(account).or_default().push(index);
        }
        clusters
    }

    /// Nodes with their stable ids, in key order.
    pub fn nodes(&self) -> impl Iterator<Item = (String, &Node<'e>)> {
        self.graph
            .node_indices()
            .map(|i| (self.graph[i].id(), &self.graph[i]))
    }

    /// Edges as (source id, target id, edge), in key order.
    pub fn edges(&self) -> impl Iterator<Item = (String, String, &Edge<'e>)> {
        self.graph.edge_indices().filter_map(|e| {
            let (a, b) = self.graph.edge_endpoints(e)?;
            Some((self.graph[a].id(), self.graph[b].id(), &self.graph[e]))
        })
    }

    /// Edges with their end nodes, in key order.
    pub fn edge_ends(&self) -> impl Iterator<Item = (&Node<'e>, &Node<'e>, &Edge<'e>)> {
        self.graph.edge_indices().filter_map(|e| {
            let (a, b) = self.graph.edge_endpoints(e)?;
            Some((&self.graph[a], &self.graph[b], &self.graph[e]))
        })
    }

    /// True when the edge touches an account outside the `--accounts` mapping.
    pub fn is_external(&self, edge: &Edge) -> bool {
        edge.external
    }
}

/// A node as one event names it, borrowing from the event where it can.
#[derive(Debug, Clone)]
struct NodeRef<'e> {
    kind: NodeKind,
    name: Cow<'e, str>,
    /// Always the event's own text (a name may be derived, an account never is).
    account: &'e str,
    subject: Option<&'e str>,
}

impl NodeRef<'_> {
    /// What makes a node: its kind and name.
    fn key(&self) -> (NodeKind, &str) {
        (self.kind, &self.name)
    }

    /// A fixed hash of [`NodeRef::key`] (see [`crate::chain::hash`]).
    fn key_hash(&self) -> u64 {
        crate::chain::hash(&self.name) ^ (self.kind as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

fn node<'e>(kind: NodeKind, name: impl Into<Cow<'e, str>>, account: &'e str) -> NodeRef<'e> {
    NodeRef {
        kind,
        name: name.into(),
        account,
        subject: None,
    }
}

/// A principal named by ARN (`SwitchFrom`, or a source without a better kind).
fn principal_node<'e>(
    arn_text: &'e str,
    fallback_account: &'e str,
    options: &GraphOptions,
) -> NodeRef<'e> {
    let parsed = arn::Arn::parse(arn_text);
    let account = parsed
        .and_then(|a| a.known_account())
        .unwrap_or(fallback_account);
    let resource = parsed.map(|a| a.resource).unwrap_or("");
    if resource == "root" {
        node(NodeKind::Root, arn_text, account)
    } else if resource.starts_with("user/") {
        node(NodeKind::IamUser, arn_text, account)
    } else if resource.starts_with("federated-user/") {
        node(NodeKind::FederatedUser, arn_text, account)
    } else if resource.starts_with("assumed-role/") {
        if options.session_level {
            node(NodeKind::Session, arn_text, account)
        } else {
            match arn::role_of_session(arn_text) {
                Some(role) => node(NodeKind::Role, role, account),
                None => node(NodeKind::Unknown, arn_text, account),
            }
        }
    } else {
        let name = if arn_text.is_empty() {
            "(unknown)"
        } else {
            arn_text
        };
        node(NodeKind::Unknown, name, fallback_account)
    }
}

fn source_node<'e>(event: &'e RoleAssumption, options: &GraphOptions) -> NodeRef<'e> {
    let account = event.source_account();
    let federation = |kind| {
        let mut provider = node(kind, event.source(), "");
        if !options.collapse.contains(&Collapse::Subjects) && !event.source_subject().is_empty() {
            provider.subject = Some(event.source_subject());
        }
        provider
    };
    match event.source_kind {
        SourceKind::AwsService if options.collapse.contains(&Collapse::Services) => {
            node(NodeKind::Service, "AWS services", "")
        }
        SourceKind::AwsService => node(NodeKind::Service, event.source(), ""),
        SourceKind::Saml => federation(NodeKind::SamlProvider),
        SourceKind::WebIdentity => federation(NodeKind::OidcProvider),
        SourceKind::AwsAccount => {
            let mut caller = node(NodeKind::ExternalAccount, account, account);
            caller.subject = Some(event.source());
            caller
        }
        SourceKind::AssumedRole
            if !options.session_level
                && event.event_name != EventName::SwitchRole
                && !event.caller_role_arn().is_empty() =>
        {
            node(NodeKind::Role, event.caller_role_arn(), account)
        }
        _ => principal_node(event.source(), account, options),
    }
}

fn target_node<'e>(event: &'e RoleAssumption, options: &GraphOptions) -> Option<NodeRef<'e>> {
    let account = event.role_account();
    match event.event_name {
        EventName::GetSessionToken => None,
        EventName::GetFederationToken => (!event.session_arn().is_empty())
            .then(|| node(NodeKind::FederatedUser, event.session_arn(), account)),
        EventName::AssumeRoot => {
            (!event.role_arn().is_empty()).then(|| node(NodeKind::Root, event.role_arn(), account))
        }
        _ if options.session_level && !event.session_arn().is_empty() => {
            Some(node(NodeKind::Session, event.session_arn(), account))
        }
        _ => {
            (!event.role_arn().is_empty()).then(|| node(NodeKind::Role, event.role_arn(), account))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends<'e>(pairs: &[(&'e str, &'e str)], hash: impl Fn(&str) -> u64) -> Vec<EventEnds<'e>> {
        let facts = || EdgeFacts {
            outcome: Outcome::Success,
            event_name: EventName::AssumeRole,
            event_time: None,
            cross_account: false,
            source_ip: "",
            source_subject: "",
        };
        pairs
            .iter()
            .map(|&(source, target)| EventEnds {
                nodes: [
                    node(NodeKind::IamUser, source, ""),
                    node(NodeKind::Role, target, ""),
                ],
                hashes: [hash(source), hash(target)],
                facts: facts(),
            })
            .collect()
    }

    const PAIRS: [(&str, &str); 4] = [("u1", "r1"), ("u2", "r1"), ("u1", "r2"), ("r1", "r1")];

    /// The node numbers of `pairs`' mentions, renumbered by first mention, and the first
    /// mentions in order: what numbering must give whatever the hash order.
    fn numbering(pairs: &[(&str, &str)], hash: impl Fn(&str) -> u64) -> (Vec<usize>, Vec<usize>) {
        let ends = ends(pairs, hash);
        let (node_of, first) = number_nodes(&ends.iter().collect::<Vec<_>>());
        let mut sorted = first.clone();
        sorted.sort_unstable();
        let renumber = |n: usize| sorted.iter().position(|&m| m == first[n]).unwrap();
        (node_of.into_iter().map(renumber).collect(), sorted)
    }

    #[test]
    fn nodes_are_numbered_by_key_and_first_mention() {
        // Mentions: u1 r1 u2 r1 u1 r2 r1 (a user) r1 (the role).
        assert_eq!(
            numbering(&PAIRS, crate::chain::hash),
            (vec![0, 1, 2, 1, 0, 3, 4, 1], vec![0, 1, 2, 5, 6])
        );
    }

    #[test]
    fn colliding_hashes_still_tell_nodes_apart() {
        assert_eq!(
            numbering(&PAIRS, |_| 7),
            numbering(&PAIRS, crate::chain::hash)
        );
        assert_eq!(
            numbering(&PAIRS, |name| name.len() as u64).1,
            vec![0, 1, 2, 5, 6]
        );
    }
}
