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
use crate::event::{self, EventName, EventNames, Outcome, RoleAssumption, SourceKind};
use crate::timefmt::Seen;
use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, PoisonError};

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
    /// An AWS account, at account level: every identity and role in it.
    Account,
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
            NodeKind::Account => "account",
            NodeKind::Unknown => "unknown",
        }
    }

    /// Services belong to no account cluster (identity providers are drawn in the account
    /// that registered them).
    pub fn outside_accounts(self) -> bool {
        matches!(self, NodeKind::Service | NodeKind::Account)
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
        node_id(self.kind, &self.name)
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
            NodeKind::ExternalAccount | NodeKind::Account => format!("account {}", self.name),
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
    pub seen: Seen,
    /// Distinct, sorted.
    pub source_ips: Vec<&'e str>,
    /// Federation subjects behind the source: distinct, sorted.
    pub subjects: Vec<&'e str>,
    pub cross_account: bool,
    /// An end lies in an account outside the `--accounts` mapping.
    pub external: bool,
    /// At account level, the distinct roles (or other masks) put on; 0 at other levels.
    pub roles: u64,
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
    /// The mask put on (counted at account level).
    target: &'e str,
}

impl<'e> EdgeFacts<'e> {
    fn of(event: &'e RoleAssumption) -> Self {
        EdgeFacts {
            target: event.target(),
            outcome: event.outcome,
            event_name: event.event_name,
            event_time: event.event_time,
            cross_account: event.cross_account == Some(true),
            source_ip: event.source_ip(),
            source_subject: event.source_subject(),
        }
    }
}

/// One event's edge: its two ends, as node numbers from a [`NodeTable`] (then as ranks), and
/// what the edge takes from it.
#[derive(Debug)]
struct EventEdge<'e> {
    ends: [usize; 2],
    facts: EdgeFacts<'e>,
}

/// How many locks the [`NodeTable`] spreads its nodes over: enough that two workers seldom
/// wait on one another.
const SHARDS: usize = 64;

/// The distinct nodes the events name, filled by all workers at once: nodes are spread over
/// [`SHARDS`] hash tables by a hash of their key, each behind its own lock. A node is numbered
/// as it is first met (`shard + SHARDS × its place in the shard`), so numbers depend on
/// timing; [`NodeTable::into_sorted`] gives the nodes in key order, which does not.
///
/// Keys come from untrusted logs (a refused `AssumeRole` records whatever role ARN it was
/// given), so they are hashed with the standard library's randomly keyed SipHash: names made
/// to collide under a fixed hash would otherwise turn each lookup into a long probe.
struct NodeTable<'e> {
    shards: Vec<Shard<'e>>,
    hasher: RandomState,
}

/// One shard of a [`NodeTable`], alone on its cache lines: two threads that lock neighbouring
/// shards would otherwise fight over the line that holds both locks.
#[derive(Default)]
#[repr(align(128))]
struct Shard<'e>(Mutex<HashTable<TableNode<'e>>>);

/// A node in the [`NodeTable`].
#[derive(Debug)]
struct TableNode<'e> {
    /// The key's hash ([`NodeTable::mention`]).
    hash: u64,
    kind: NodeKind,
    /// The name as the node's first mention borrowed it (or derived it).
    name: Cow<'e, str>,
    number: usize,
    /// The node's first mention in the events' order (`2 × event + end`, source end 0), and
    /// the account that mention gives it.
    first_mention: usize,
    account: &'e str,
    /// Federation subjects or principal ids, from all mentions.
    subjects: BTreeSet<&'e str>,
}

impl TableNode<'_> {
    fn key(&self) -> (NodeKind, &str) {
        (self.kind, &self.name)
    }
}

impl<'e> NodeTable<'e> {
    fn new() -> Self {
        NodeTable {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            hasher: RandomState::new(),
        }
    }

    /// Records `node` as mention number `mention`; returns the node's number.
    fn mention(&self, node: NodeRef<'e>, mention: usize) -> usize {
        let hash = self.hasher.hash_one((node.kind, &*node.name));
        self.mention_hashed(hash, node, mention)
    }

    /// [`NodeTable::mention`] with the key's hash given (tests give colliding ones).
    fn mention_hashed(&self, hash: u64, node: NodeRef<'e>, mention: usize) -> usize {
        // Bits the tables themselves do not use: hashbrown places by the low bits and tags
        // with the top seven.
        let shard_index = (hash >> 32) as usize % SHARDS;
        let mut shard = self.shards[shard_index]
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let same = |entry: &TableNode| entry.hash == hash && entry.key() == (node.kind, &node.name);
        let entry = match shard.find_mut(hash, same) {
            Some(entry) => {
                if mention < entry.first_mention {
                    entry.first_mention = mention;
                    entry.account = node.account;
                }
                entry
            }
            None => {
                let number = shard.len() * SHARDS + shard_index;
                let entry = TableNode {
                    hash,
                    kind: node.kind,
                    name: node.name,
                    number,
                    first_mention: mention,
                    account: node.account,
                    subjects: BTreeSet::new(),
                };
                shard
                    .insert_unique(hash, entry, |entry| entry.hash)
                    .into_mut()
            }
        };
        if let Some(subject) = node.subject {
            entry.subjects.insert(subject);
        }
        entry.number
    }

    /// The nodes in key order, and each node number's place in it.
    fn into_sorted(self) -> (Vec<TableNode<'e>>, Ranks) {
        let shards: Vec<HashTable<TableNode<'e>>> = self
            .shards
            .into_iter()
            .map(|shard| shard.0.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        let mut ranks = Ranks(shards.iter().map(|shard| vec![0; shard.len()]).collect());
        let mut nodes: Vec<TableNode<'e>> = shards.into_iter().flatten().collect();
        nodes.par_sort_unstable_by(|a, b| a.key().cmp(&b.key()));
        for (position, node) in nodes.iter().enumerate() {
            let (shard, place) = Ranks::slot(node.number);
            ranks.0[shard][place] = position;
        }
        (nodes, ranks)
    }
}

/// Each node's rank (its place in key order) by its [`NodeTable`] number: one list per shard,
/// so that their sizes add up to the number of nodes however the shards fill.
struct Ranks(Vec<Vec<usize>>);

impl Ranks {
    fn of(&self, number: usize) -> usize {
        let (shard, place) = Ranks::slot(number);
        self.0[shard][place]
    }

    /// A node number's shard and place in it (see [`NodeTable`]).
    fn slot(number: usize) -> (usize, usize) {
        (number % SHARDS, number / SHARDS)
    }
}

/// A worker's reusable lists for folding edges.
#[derive(Debug, Default)]
struct Scratch<'e> {
    ips: Vec<&'e str>,
    subjects: Vec<&'e str>,
    targets: Vec<&'e str>,
}

impl<'e> Scratch<'e> {
    /// One edge from the facts of all its events.
    fn fold<'f>(
        &mut self,
        run: impl Iterator<Item = &'f EdgeFacts<'e>>,
        count_roles: bool,
    ) -> Edge<'e>
    where
        'e: 'f,
    {
        let mut edge = Edge::default();
        self.ips.clear();
        self.subjects.clear();
        self.targets.clear();
        for facts in run {
            if count_roles {
                self.targets.push(facts.target);
            }
            match facts.outcome {
                Outcome::Success => edge.successes += 1,
                Outcome::Failure => edge.failures += 1,
            }
            edge.event_names.insert(facts.event_name);
            edge.seen.add(facts.event_time);
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
        if count_roles {
            edge.roles = sorted_distinct(&mut self.targets).len() as u64;
        }
        edge
    }
}

fn sorted_distinct<'e>(values: &mut Vec<&'e str>) -> Vec<&'e str> {
    values.sort_unstable();
    values.dedup();
    values.clone()
}

/// How to build the graph (resolved from the command line by [`crate::plan`]); the default
/// is the whole role-level graph.
#[derive(Debug, Clone, Default)]
pub struct GraphOptions {
    /// Sessions as nodes (source → session → next session), not only roles.
    pub session_level: bool,
    /// Accounts as nodes (with services and identity providers): hops between accounts.
    pub account_level: bool,
    /// Edges seen fewer times are dropped.
    pub min_count: u64,
    /// Only the busiest edges.
    pub top: Option<usize>,
    /// All AWS services as one node.
    pub collapse_services: bool,
    /// Federation subjects into their provider.
    pub collapse_subjects: bool,
}

/// The graph, with nodes and edges in key order.
#[derive(Debug, Clone)]
pub struct MaskGraph<'e> {
    graph: DiGraph<Node<'e>, Edge<'e>>,
    pub accounts: AccountNames,
    /// Built at account level ([`GraphOptions::account_level`]).
    pub account_level: bool,
}

impl<'e> MaskGraph<'e> {
    /// Builds the graph from deduplicated events.
    ///
    /// On all cores: each event's two ends are named and entered in a `NodeTable` (locked
    /// per shard) while the event is in the cache (asked for a few events ahead:
    /// [`event::prefetch_ahead`]), leaving a small `EventEdge` per event;
    /// the nodes are then sorted by key, the edges by their ends' ranks, and each edge is
    /// folded from its run. A node takes its account from its first mention in `events`'
    /// order (path order, as `trailmask graph` scans them).
    pub fn build(
        events: &[&'e RoleAssumption],
        options: &GraphOptions,
        accounts: &AccountNames,
    ) -> MaskGraph<'e> {
        let table = NodeTable::new();
        let mut edges: Vec<EventEdge<'e>> = events
            .par_iter()
            .enumerate()
            .filter_map(|(i, &event)| {
                event::prefetch_ahead(events, i);
                let target = target_node(event, options)?;
                let source = source_node(event, options);
                Some(EventEdge {
                    ends: [
                        table.mention(source, 2 * i),
                        table.mention(target, 2 * i + 1),
                    ],
                    facts: EdgeFacts::of(event),
                })
            })
            .collect();
        // Ranked by key, so that edges taken in their ends' ranks are in key order.
        let (nodes, ranks) = table.into_sorted();
        edges
            .par_iter_mut()
            .for_each(|edge| edge.ends = edge.ends.map(|number| ranks.of(number)));
        edges.par_sort_unstable_by_key(|edge| edge.ends);
        // Each run of one pair is an edge; the runs are found first, so that the edges are
        // collected straight into place.
        let run_starts: Vec<usize> = (0..edges.len())
            .filter(|&k| k == 0 || edges[k].ends != edges[k - 1].ends)
            .collect();
        let mut kept: Vec<([usize; 2], Edge)> = run_starts
            .par_iter()
            .enumerate()
            .map_init(Scratch::default, |scratch, (r, &start)| {
                let end = run_starts.get(r + 1).copied().unwrap_or(edges.len());
                let run = &edges[start..end];
                (
                    run[0].ends,
                    scratch.fold(run.iter().map(|edge| &edge.facts), options.account_level),
                )
            })
            .collect();
        // The events' edges are no longer needed: freed before the graph's edges are stored,
        // so the two are never held at once.
        drop((edges, run_starts));
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
        let mut used = vec![false; nodes.len()];
        for ([a, b], _) in &kept {
            used[*a] = true;
            used[*b] = true;
        }
        let node_count = used.iter().filter(|&&u| u).count();
        let mut graph = DiGraph::with_capacity(node_count, kept.len());
        let mut index: Vec<Option<NodeIndex>> = vec![None; nodes.len()];
        for (position, node) in nodes.into_iter().enumerate() {
            if used[position] {
                index[position] = Some(graph.add_node(Node {
                    kind: node.kind,
                    name: node.name,
                    account: Cow::Borrowed(node.account),
                    subjects: node.subjects,
                }));
            }
        }
        let outside: Vec<bool> = graph
            .node_weights()
            .map(|node| accounts.is_outside(&node.account))
            .collect();
        for ([a, b], mut edge) in kept {
            let (Some(a), Some(b)) = (index[a], index[b]) else {
                continue;
            };
            edge.external = outside[a.index()] || outside[b.index()];
            graph.add_edge(a, b, edge);
        }
        MaskGraph {
            graph,
            accounts: accounts.clone(),
            account_level: options.account_level,
        }
    }

    /// Node indexes by the account cluster each is drawn in, accounts in order; `""` holds the
    /// nodes that belong to no account (services and identity providers). For the writers that
    /// draw clusters.
    pub fn clusters(&self) -> BTreeMap<&str, Vec<usize>> {
        let mut clusters: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, node) in self.graph.node_weights().enumerate() {
            // At account level an account's node is drawn in its own box, with its
            // identity providers.
            let account = if node.kind == NodeKind::Service {
                ""
            } else if self.account_level {
                match node.kind {
                    NodeKind::Account | NodeKind::SamlProvider | NodeKind::OidcProvider => {
                        &*node.account
                    }
                    _ => "",
                }
            } else if node.kind.outside_accounts() {
                ""
            } else {
                &*node.account
            };
            clusters.entry(account).or_default().push(index);
        }
        clusters
    }

    /// A node's short label; an account's (at account level) by id and `--accounts` name.
    pub fn node_label(&self, node: &Node) -> String {
        if node.kind == NodeKind::Account {
            self.accounts.label(&node.name)
        } else {
            node.label()
        }
    }

    /// True for the edge of an account's own hops at account level, which the writers say in
    /// the account's label instead of drawing a loop.
    pub fn is_own_hops(&self, from: usize, to: usize) -> bool {
        self.account_level && from == to
    }

    /// Each node's own-hops edge ([`MaskGraph::is_own_hops`]), by node index.
    pub fn own_hops(&self) -> Vec<Option<&Edge<'e>>> {
        let mut own = vec![None; self.node_count()];
        for index in 0..self.edge_count() {
            let (from, to, edge) = self.edge_at(index);
            if self.is_own_hops(from, to) {
                own[from] = Some(edge);
            }
        }
        own
    }

    /// How many nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// The node at `index` (0 to [`MaskGraph::node_count`], in key order).
    pub fn node_at(&self, index: usize) -> &Node<'e> {
        &self.graph.raw_nodes()[index].weight
    }

    /// How many edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The edge at `index` (0 to [`MaskGraph::edge_count`], in key order), with the indexes
    /// of its ends ([`MaskGraph::node_at`]).
    pub fn edge_at(&self, index: usize) -> (usize, usize, &Edge<'e>) {
        let edge = &self.graph.raw_edges()[index];
        (edge.source().index(), edge.target().index(), &edge.weight)
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

/// True when the graph of `events` built with `options` has at most `max_nodes` nodes and
/// `max_edges` edges, found without building it: distinct ends and pairs are counted only
/// until a limit is passed, so a big graph is told apart after its first few hundred events.
/// `options.min_count` and `options.top`, which drop edges after counting, are not applied.
pub fn fits(
    events: &[&RoleAssumption],
    options: &GraphOptions,
    max_nodes: usize,
    max_edges: usize,
) -> bool {
    let mut nodes = std::collections::HashSet::new();
    let mut edges = std::collections::HashSet::new();
    for event in events {
        let Some(target) = target_node(event, options) else {
            continue;
        };
        let source = source_node(event, options);
        let (source, target) = ((source.kind, source.name), (target.kind, target.name));
        nodes.insert(source.clone());
        nodes.insert(target.clone());
        edges.insert((source, target));
        if nodes.len() > max_nodes || edges.len() > max_edges {
            return false;
        }
    }
    true
}

/// The ids ([`Node::id`]) of the two nodes `event`'s edge joins in a graph built with
/// `options`: its source's, and its target's when it has one.
pub fn end_ids(event: &RoleAssumption, options: &GraphOptions) -> (String, Option<String>) {
    let id = |node: NodeRef| node_id(node.kind, &node.name);
    (
        id(source_node(event, options)),
        target_node(event, options).map(id),
    )
}

/// A node's stable id: `KIND:NAME`.
fn node_id(kind: NodeKind, name: &str) -> String {
    format!("{}:{}", kind.as_str(), name)
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
    match parsed.map_or(arn::Principal::Other, |a| a.principal()) {
        arn::Principal::Root => node(NodeKind::Root, arn_text, account),
        arn::Principal::User => node(NodeKind::IamUser, arn_text, account),
        arn::Principal::FederatedUser => node(NodeKind::FederatedUser, arn_text, account),
        arn::Principal::Session if options.session_level => {
            node(NodeKind::Session, arn_text, account)
        }
        arn::Principal::Session => match arn::role_of_session(arn_text) {
            Some(role) => node(NodeKind::Role, role, account),
            None => node(NodeKind::Unknown, arn_text, account),
        },
        arn::Principal::Other => {
            let name = if arn_text.is_empty() {
                "(unknown)"
            } else {
                arn_text
            };
            node(NodeKind::Unknown, name, fallback_account)
        }
    }
}

/// An account's node at account level (`(unknown account)` when CloudTrail did not say).
fn account_node(account: &str) -> NodeRef<'_> {
    if account.is_empty() {
        node(NodeKind::Unknown, "(unknown account)", "")
    } else {
        node(NodeKind::Account, account, account)
    }
}

fn source_node<'e>(event: &'e RoleAssumption, options: &GraphOptions) -> NodeRef<'e> {
    let account = event.source_account();
    if options.account_level {
        // Services and identity providers stay themselves; every other caller is its account.
        // Each identity provider in the account that registered it.
        return match event.source_kind {
            SourceKind::AwsService if options.collapse_services => {
                node(NodeKind::Service, "AWS services", "")
            }
            SourceKind::AwsService => node(NodeKind::Service, event.source(), ""),
            SourceKind::Saml => node(NodeKind::SamlProvider, event.source(), account),
            SourceKind::WebIdentity => node(NodeKind::OidcProvider, event.source(), account),
            _ => account_node(account),
        };
    }
    let federation = |kind| {
        let mut provider = node(kind, event.source(), account);
        if !options.collapse_subjects && !event.source_subject().is_empty() {
            provider.subject = Some(event.source_subject());
        }
        provider
    };
    match event.source_kind {
        SourceKind::AwsService if options.collapse_services => {
            node(NodeKind::Service, "AWS services", "")
        }
        SourceKind::AwsService => node(NodeKind::Service, event.source(), ""),
        SourceKind::Saml => federation(NodeKind::SamlProvider),
        SourceKind::WebIdentity => federation(NodeKind::OidcProvider),
        SourceKind::AwsAccount => {
            let mut caller = node(NodeKind::ExternalAccount, event.source(), account);
            caller.subject = Some(event.source_subject()).filter(|s| !s.is_empty());
            caller
        }
        SourceKind::AssumedRole
            if !options.session_level && !event.caller_role_arn().is_empty() =>
        {
            node(NodeKind::Role, event.caller_role_arn(), account)
        }
        _ => principal_node(event.source(), account, options),
    }
}

fn target_node<'e>(event: &'e RoleAssumption, options: &GraphOptions) -> Option<NodeRef<'e>> {
    let account = event.role_account();
    if options.account_level {
        return (event.event_name != EventName::GetSessionToken && !event.target().is_empty())
            .then(|| account_node(account));
    }
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

    /// Enters `pairs` (user → role) in a table, hashing names with `hash`: each mention's
    /// rank, and the nodes in key order with their first mentions.
    fn entered(
        pairs: &[(&str, &str)],
        hash: impl Fn(&str) -> u64,
    ) -> (Vec<usize>, Vec<(NodeKind, String, usize)>) {
        let table = NodeTable::new();
        let numbers: Vec<usize> = pairs
            .iter()
            .enumerate()
            .flat_map(|(i, &(source, target))| {
                [
                    table.mention_hashed(hash(source), node(NodeKind::IamUser, source, ""), 2 * i),
                    table.mention_hashed(hash(target), node(NodeKind::Role, target, ""), 2 * i + 1),
                ]
            })
            .collect();
        let (nodes, ranks) = table.into_sorted();
        let nodes = nodes
            .iter()
            .map(|n| (n.kind, n.name.to_string(), n.first_mention))
            .collect();
        (numbers.iter().map(|&n| ranks.of(n)).collect(), nodes)
    }

    const PAIRS: [(&str, &str); 4] = [("u1", "r1"), ("u2", "r1"), ("u1", "r2"), ("r1", "r1")];

    #[test]
    fn nodes_are_ranked_by_key_and_keep_their_first_mention() {
        // Mentions: u1 r1 u2 r1 u1 r2 r1 (a user) r1 (the role).
        let user = |name: &str, first| (NodeKind::IamUser, name.to_owned(), first);
        let role = |name: &str, first| (NodeKind::Role, name.to_owned(), first);
        assert_eq!(
            entered(&PAIRS, crate::chain::hash),
            (
                vec![1, 3, 2, 3, 1, 4, 0, 3],
                vec![
                    user("r1", 6),
                    user("u1", 0),
                    user("u2", 2),
                    role("r1", 1),
                    role("r2", 5)
                ]
            )
        );
    }

    #[test]
    fn colliding_hashes_still_tell_nodes_apart() {
        let apart = entered(&PAIRS, crate::chain::hash);
        assert_eq!(entered(&PAIRS, |_| 7), apart);
        assert_eq!(entered(&PAIRS, |name| name.len() as u64), apart);
    }

    #[test]
    fn a_node_takes_the_account_of_its_first_mention_whenever_it_is_entered() {
        let table = NodeTable::new();
        let provider = |mention, account, subject| {
            let mut saml = node(
                NodeKind::SamlProvider,
                "arn:aws:iam::1:saml-provider/x",
                account,
            );
            saml.subject = Some(subject);
            table.mention(saml, mention)
        };
        let numbers = [
            provider(9, "late", "bob"),
            provider(4, "early", "alice"),
            provider(7, "middle", "bob"),
        ];
        assert_eq!(numbers, [numbers[0]; 3]);
        let (nodes, _) = table.into_sorted();
        assert_eq!(nodes.len(), 1);
        assert_eq!((nodes[0].first_mention, nodes[0].account), (4, "early"));
        assert_eq!(nodes[0].subjects, BTreeSet::from(["alice", "bob"]));
    }
}
