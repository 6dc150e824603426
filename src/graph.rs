//! The mask graph (petgraph): who wears which role, where sessions chain on, and who hands
//! roles to services.
//!
//! Nodes are identities, roles and (at session level) sessions. Edges are of two kinds
//! ([`EdgeKind`]):
//!
//! - **Hops**: each aggregates every role assumption between its two ends: successes and
//!   failures, event names, first and last seen, source IPs, and whether it crosses an account
//!   boundary.
//! - **Hand-overs** (`iam:PassRole`, read by [`crate::passrole`]): the passer handed the role to
//!   a service, which will wear it. One edge per (passer's node, role's node, service), with
//!   the calls, refusals and first and last seen. The passer's node follows the rules of a
//!   hop's source, so a role session that hands a role over starts from the node of the role it
//!   wears (at session level, from its session), a user or root from its own node, a service
//!   from the service's node (or "AWS services", collapsed); at account level from its
//!   account's node. A hand-over whose role is unknown (an instance profile no record
//!   resolves: [`crate::passrole::HandOver::role_arn`] empty) is not drawn: the graph is of
//!   masks, and a profile without its role names none. `trailmask passrole` lists those.
//!
//! - **Role level** (default): a session's hop is drawn from the role that issued the session,
//!   so chains read role → role; users, services and providers point at the roles they assume.
//! - **Session level**: source → session, and session → the sessions it creates.
//!
//! Node and edge order is by key, not by arrival, so output never depends on file order: the
//! hops by their ends, then the hand-overs by their ends and service.
//! Memory grows with distinct nodes and edges, not with events.

use crate::accounts::AccountNames;
use crate::arn;
use crate::event::{self, EventName, EventNames, Outcome, RoleAssumption, SourceKind};
use crate::passrole::HandOver;
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

/// What an edge stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// Role assumptions: the source put the role on (a hop).
    #[default]
    Assumption,
    /// Hand-overs (`iam:PassRole`): the source handed the role to `service`, the principal
    /// that wears it (`ec2.amazonaws.com`).
    HandOver { service: &'static str },
}

impl EdgeKind {
    /// `assume` or `passrole`.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Assumption => "assume",
            EdgeKind::HandOver { .. } => "passrole",
        }
    }

    /// The service a hand-over gives the role to; `None` for a hop.
    pub fn service(self) -> Option<&'static str> {
        match self {
            EdgeKind::Assumption => None,
            EdgeKind::HandOver { service } => Some(service),
        }
    }
}

/// Every role assumption (or every hand-over to one service) between two nodes, aggregated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edge<'e> {
    pub kind: EdgeKind,
    /// For a hand-over: calls that handed the role over; refused ones in `failures`.
    pub successes: u64,
    pub failures: u64,
    /// A hop's event names (empty for a hand-over: see `calls`).
    pub event_names: EventNames,
    pub seen: Seen,
    /// Distinct, sorted.
    pub source_ips: Vec<&'e str>,
    /// Federation subjects behind the source: distinct, sorted.
    pub subjects: Vec<&'e str>,
    pub cross_account: bool,
    /// Not `cross_account`, and a hop's accounts are not both known (an unknown caller, a
    /// role named without its account): whether it crossed is unknown, not false.
    pub cross_account_unknown: bool,
    /// An end lies in an account outside the `--accounts` mapping.
    pub external: bool,
    /// At account level, the distinct masks put on or handed over, by kind; none at other
    /// levels.
    pub masks: MaskCounts,
    /// A hand-over's calls (`RunInstances`, `CreateFunction20150331`): distinct, sorted.
    /// Empty for a hop.
    pub calls: Vec<&'e str>,
    /// A hand-over's later sessions of the service that wore the role
    /// ([`HandOver::worn`], summed). 0 for a hop.
    pub worn: u64,
}

impl Edge<'_> {
    /// Whether a hop of the edge crossed accounts: unknown (`None`) when none did and one's
    /// accounts are not both known, as `events` says it of a hop.
    pub fn crossed(&self) -> Option<bool> {
        (!self.cross_account_unknown).then_some(self.cross_account)
    }

    pub fn count(&self) -> u64 {
        self.successes + self.failures
    }

    /// True for a hand-over edge ([`EdgeKind::HandOver`]).
    pub fn is_hand_over(&self) -> bool {
        matches!(self.kind, EdgeKind::HandOver { .. })
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
    cross_account: Option<bool>,
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
            cross_account: event.cross_account,
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
            match facts.cross_account {
                Some(crossed) => edge.cross_account |= crossed,
                None => edge.cross_account_unknown = true,
            }
        }
        edge.cross_account_unknown &= !edge.cross_account;
        edge.source_ips = sorted_distinct(&mut self.ips);
        edge.subjects = sorted_distinct(&mut self.subjects);
        if count_roles {
            edge.masks = MaskCounts::of(&sorted_distinct(&mut self.targets));
        }
        edge
    }
}

/// The distinct masks an account-level edge puts on, by kind: a mask is mostly a role, but
/// `AssumeRoot` puts on an account's root and `GetFederationToken` makes a federated user.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MaskCounts {
    /// Roles, a role no record names (a refusal's) among them.
    pub roles: u64,
    /// Account roots (`AssumeRoot`).
    pub roots: u64,
    /// Federated users (`GetFederationToken`).
    pub federated_users: u64,
}

impl MaskCounts {
    /// The counts of `targets` (distinct), told apart by their ARNs.
    fn of(targets: &[&str]) -> MaskCounts {
        let mut counts = MaskCounts::default();
        for target in targets {
            match arn::Arn::parse(target).map(|parsed| parsed.principal()) {
                Some(arn::Principal::Root) => counts.roots += 1,
                Some(arn::Principal::FederatedUser) => counts.federated_users += 1,
                _ => counts.roles += 1,
            }
        }
        counts
    }

    /// True when anything was counted (only account-level edges count).
    pub fn any(&self) -> bool {
        self.roles + self.roots + self.federated_users > 0
    }
}

fn sorted_distinct<'e>(values: &mut Vec<&'e str>) -> Vec<&'e str> {
    values.sort_unstable();
    values.dedup();
    values.clone()
}

/// One hand-over's edge: its two ends, as node numbers from a [`NodeTable`] (then as ranks),
/// and the hand-over.
#[derive(Debug)]
struct HandOverEdge<'e> {
    ends: [usize; 2],
    hand_over: &'e HandOver,
}

impl HandOverEdge<'_> {
    /// The edge it joins: its ends and its service.
    fn key(&self) -> ([usize; 2], &'static str) {
        (self.ends, self.hand_over.service)
    }
}

/// One hand-over edge from the hand-overs of one pair of ends and one service (`run`, not
/// empty).
fn fold_hand_overs<'e>(run: &[HandOverEdge<'e>], count_roles: bool) -> Edge<'e> {
    let service = run.first().map_or("", |first| first.hand_over.service);
    let mut edge = Edge {
        kind: EdgeKind::HandOver { service },
        ..Edge::default()
    };
    let mut roles = Vec::new();
    let mut ips = Vec::new();
    for &HandOverEdge { hand_over, .. } in run {
        if !hand_over.source_ip.is_empty() {
            ips.push(hand_over.source_ip.as_str());
        }
        match hand_over.outcome {
            Outcome::Success => edge.successes += 1,
            Outcome::Failure => edge.failures += 1,
        }
        edge.seen.add(hand_over.event_time);
        edge.calls.push(hand_over.event_name.as_str());
        edge.worn += hand_over.worn;
        edge.cross_account |= hand_over_crosses_accounts(hand_over);
        if count_roles {
            roles.push(hand_over.role_arn.as_str());
        }
    }
    edge.calls.sort_unstable();
    edge.calls.dedup();
    edge.source_ips = sorted_distinct(&mut ips);
    if count_roles {
        edge.masks = MaskCounts::of(&sorted_distinct(&mut roles));
    }
    edge
}

/// True when the passer's account and the role's are both known and differ.
fn hand_over_crosses_accounts(hand_over: &HandOver) -> bool {
    let role_account = arn::account_of(&hand_over.role_arn).unwrap_or("");
    !hand_over.passer_account.is_empty()
        && !role_account.is_empty()
        && hand_over.passer_account != role_account
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
    /// Builds the graph of role assumptions alone ([`MaskGraph::build_with`] without
    /// hand-overs).
    pub fn build(
        events: &[&'e RoleAssumption],
        options: &GraphOptions,
        accounts: &AccountNames,
    ) -> MaskGraph<'e> {
        MaskGraph::build_with(events, &[], options, accounts)
    }

    /// Builds the graph from deduplicated events and the hand-overs read with them.
    ///
    /// On all cores: each event's two ends are named and entered in a `NodeTable` (locked
    /// per shard) while the event is in the cache (asked for a few events ahead:
    /// [`event::prefetch_ahead`]), leaving a small `EventEdge` per event;
    /// the nodes are then sorted by key, the edges by their ends' ranks, and each edge is
    /// folded from its run. A node takes its account from its first mention in `events`'
    /// order (path order, as `trailmask graph` scans them), hand-overs after every event.
    /// Hand-overs are few (a handful per million records): their ends are named on one thread,
    /// and their edges follow the hops'. `min_count` and `top` weigh both kinds alike.
    pub fn build_with(
        events: &[&'e RoleAssumption],
        hand_overs: &[&'e HandOver],
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
                let source = caller_node(event, options);
                Some(EventEdge {
                    ends: [
                        table.mention(source, 2 * i),
                        table.mention(target, 2 * i + 1),
                    ],
                    facts: EdgeFacts::of(event),
                })
            })
            .collect();
        let mentioned = 2 * events.len();
        let mut passes: Vec<HandOverEdge<'e>> = hand_overs
            .iter()
            .enumerate()
            .filter_map(|(j, &hand_over)| {
                let target = hand_over_target(hand_over, options)?;
                let source = caller_node(hand_over, options);
                Some(HandOverEdge {
                    ends: [
                        table.mention(source, mentioned + 2 * j),
                        table.mention(target, mentioned + 2 * j + 1),
                    ],
                    hand_over,
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
        for pass in &mut passes {
            pass.ends = pass.ends.map(|number| ranks.of(number));
        }
        passes.sort_by_key(HandOverEdge::key);
        kept.extend(
            passes
                .chunk_by(|a, b| a.key() == b.key())
                .map(|run| (run[0].ends, fold_hand_overs(run, options.account_level))),
        );
        kept.retain(|(_, edge)| edge.count() >= options.min_count);
        if let Some(top) = options.top {
            // Busiest first; ties keep key order. At account level an account's own hops are
            // said in its label, not drawn: they are not among the N arrows (a review's,
            // session 38: `--top 3` drew 2). Those busier than the N-th arrow are kept, and
            // the others come with their account when an arrow keeps it.
            let own = |[a, b]: [usize; 2]| options.account_level && a == b;
            let mut ranked: Vec<usize> = (0..kept.len()).collect();
            ranked.sort_by_key(|&i| std::cmp::Reverse(kept[i].1.count()));
            let mut keep = vec![false; kept.len()];
            let mut ends = BTreeSet::new();
            let mut arrows = 0;
            for i in ranked {
                if arrows == top {
                    break;
                }
                keep[i] = true;
                if !own(kept[i].0) {
                    arrows += 1;
                    ends.extend(kept[i].0);
                }
            }
            for (i, (pair, _)) in kept.iter().enumerate() {
                keep[i] |= own(*pair) && ends.contains(&pair[0]);
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
    /// nodes that belong to no account (services; identity providers are in the account that
    /// registered them). For the writers that draw clusters.
    pub fn clusters(&self) -> BTreeMap<&str, Vec<usize>> {
        let mut clusters: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, node) in self.graph.node_weights().enumerate() {
            // At account level an account's node is drawn in its own box, with its
            // identity providers.
            let account = match node.kind {
                NodeKind::Service => "",
                NodeKind::Account | NodeKind::SamlProvider | NodeKind::OidcProvider => {
                    &*node.account
                }
                // At account level every other caller is its account's node.
                _ if self.account_level => "",
                _ => &*node.account,
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

    /// True for the edge of an account's own hops (or own hand-overs) at account level, which
    /// the writers say in the account's label instead of drawing a loop.
    pub fn is_own_hops(&self, from: usize, to: usize) -> bool {
        self.account_level && from == to
    }

    /// Each node's own-hops edge ([`MaskGraph::is_own_hops`]), by node index.
    pub fn own_hops(&self) -> Vec<Option<&Edge<'e>>> {
        let mut own = vec![None; self.node_count()];
        for index in 0..self.edge_count() {
            let (from, to, edge) = self.edge_at(index);
            if self.is_own_hops(from, to) && !edge.is_hand_over() {
                own[from] = Some(edge);
            }
        }
        own
    }

    /// Each node's own hand-over edges ([`MaskGraph::is_own_hops`]; one per service), by node
    /// index.
    pub fn own_hand_overs(&self) -> Vec<Vec<&Edge<'e>>> {
        let mut own = vec![Vec::new(); self.node_count()];
        for index in 0..self.edge_count() {
            let (from, to, edge) = self.edge_at(index);
            if self.is_own_hops(from, to) && edge.is_hand_over() {
                own[from].push(edge);
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

    /// How many edges are drawn as arrows: all but an account's own hops and hand-overs at
    /// account level ([`MaskGraph::is_own_hops`]), which its label says.
    pub fn arrow_count(&self) -> usize {
        (0..self.edge_count())
            .filter(|&index| {
                let (from, to, _) = self.edge_at(index);
                !self.is_own_hops(from, to)
            })
            .count()
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
}

/// True when the graph of `events` and `hand_overs` built with `options` has at most
/// `max_nodes` nodes and `max_edges` edges, found without building it: distinct ends and
/// pairs are counted only until a limit is passed, so a big graph is told apart after its
/// first few hundred events. `options.min_count` and `options.top`, which drop edges after
/// counting, are not applied.
pub fn fits(
    events: &[&RoleAssumption],
    hand_overs: &[&HandOver],
    options: &GraphOptions,
    max_nodes: usize,
    max_edges: usize,
) -> bool {
    let mut nodes = std::collections::HashSet::new();
    let mut edges = std::collections::HashSet::new();
    let hops = events.iter().filter_map(|&event| {
        let target = target_node(event, options)?;
        Some((caller_node(event, options), target, None))
    });
    let passes = hand_overs.iter().filter_map(|&hand_over| {
        let target = hand_over_target(hand_over, options)?;
        Some((
            caller_node(hand_over, options),
            target,
            Some(hand_over.service),
        ))
    });
    for (source, target, service) in hops.chain(passes) {
        let (source, target) = ((source.kind, source.name), (target.kind, target.name));
        nodes.insert(source.clone());
        nodes.insert(target.clone());
        edges.insert((source, target, service));
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
        id(caller_node(event, options)),
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
            None => unknown_node(arn_text, parsed, account),
        },
        arn::Principal::Other => unknown_node(arn_text, parsed, account),
    }
}

/// A caller no kind fits: its text, with the account the event gave when the text names
/// none, so that two accounts' unnamed callers are two nodes (a review's, session 38: every
/// caller without an ARN was one `(unknown)` node, its account the first event's by file
/// order, drawn in that account's box).
fn unknown_node<'e>(text: &'e str, parsed: Option<arn::Arn<'e>>, account: &'e str) -> NodeRef<'e> {
    let names_account = parsed.and_then(|a| a.known_account()).is_some();
    let name: Cow<'e, str> = if text.is_empty() && account.is_empty() {
        "(unknown caller)".into()
    } else if text.is_empty() {
        format!("(unknown caller in {account})").into()
    } else if names_account || account.is_empty() {
        text.into()
    } else {
        format!("{text} (in {account})").into()
    };
    node(NodeKind::Unknown, name, account)
}

/// An account's node at account level (`(unknown account)` when CloudTrail did not say).
fn account_node(account: &str) -> NodeRef<'_> {
    if account.is_empty() {
        node(NodeKind::Unknown, "(unknown account)", "")
    } else {
        node(NodeKind::Account, account, account)
    }
}

/// What the graph reads of the identity at an edge's start: a role assumption's source, or
/// a hand-over's passer. Both go through [`caller_node`], so one identity is one node
/// whichever it did.
trait Caller<'e> {
    fn kind(&self) -> SourceKind;
    /// The principal: ARN, service, provider, or account ([`RoleAssumption::source`]).
    fn principal(&self) -> &'e str;
    fn account(&self) -> &'e str;
    /// A federation subject or principal id ([`RoleAssumption::source_subject`]).
    fn subject(&self) -> &'e str;
    /// For a role session: the role it wears.
    fn wears(&self) -> &'e str;
}

impl<'e> Caller<'e> for &'e RoleAssumption {
    fn kind(&self) -> SourceKind {
        self.source_kind
    }
    fn principal(&self) -> &'e str {
        self.source()
    }
    fn account(&self) -> &'e str {
        self.source_account()
    }
    fn subject(&self) -> &'e str {
        self.source_subject()
    }
    fn wears(&self) -> &'e str {
        self.caller_role_arn()
    }
}

impl<'e> Caller<'e> for &'e HandOver {
    fn kind(&self) -> SourceKind {
        self.passer_kind
    }
    fn principal(&self) -> &'e str {
        &self.passer
    }
    fn account(&self) -> &'e str {
        &self.passer_account
    }
    /// A hand-over keeps no federation subject: its passer is a provider's node alone.
    fn subject(&self) -> &'e str {
        ""
    }
    fn wears(&self) -> &'e str {
        &self.caller_role_arn
    }
}

/// The node an edge starts from: a hop's source, a hand-over's passer.
fn caller_node<'e>(caller: impl Caller<'e>, options: &GraphOptions) -> NodeRef<'e> {
    let account = caller.account();
    if options.account_level {
        // Services and identity providers stay themselves; every other caller is its account.
        // Each identity provider in the account that registered it.
        return match caller.kind() {
            SourceKind::AwsService if options.collapse_services => {
                node(NodeKind::Service, "AWS services", "")
            }
            SourceKind::AwsService => node(NodeKind::Service, caller.principal(), ""),
            SourceKind::Saml => node(NodeKind::SamlProvider, caller.principal(), account),
            SourceKind::WebIdentity => node(NodeKind::OidcProvider, caller.principal(), account),
            _ => account_node(account),
        };
    }
    let federation = |kind| {
        let mut provider = node(kind, caller.principal(), account);
        if !options.collapse_subjects && !caller.subject().is_empty() {
            provider.subject = Some(caller.subject());
        }
        provider
    };
    match caller.kind() {
        SourceKind::AwsService if options.collapse_services => {
            node(NodeKind::Service, "AWS services", "")
        }
        SourceKind::AwsService => node(NodeKind::Service, caller.principal(), ""),
        SourceKind::Saml => federation(NodeKind::SamlProvider),
        SourceKind::WebIdentity => federation(NodeKind::OidcProvider),
        SourceKind::AwsAccount => {
            let mut account_caller = node(NodeKind::ExternalAccount, caller.principal(), account);
            account_caller.subject = Some(caller.subject()).filter(|s| !s.is_empty());
            account_caller
        }
        SourceKind::AssumedRole if !options.session_level && !caller.wears().is_empty() => {
            node(NodeKind::Role, caller.wears(), account)
        }
        _ => principal_node(caller.principal(), account, options),
    }
}

/// The node of the role a hand-over gives (at account level, its account's); `None` when
/// the role is unknown (an instance profile no record resolves), which is not drawn.
fn hand_over_target<'e>(hand_over: &'e HandOver, options: &GraphOptions) -> Option<NodeRef<'e>> {
    if hand_over.role_arn.is_empty() {
        return None;
    }
    let account = arn::account_of(&hand_over.role_arn).unwrap_or("");
    Some(if options.account_level {
        account_node(account)
    } else {
        node(NodeKind::Role, hand_over.role_arn.as_str(), account)
    })
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

    // ---- Hand-overs -------------------------------------------------------------------

    use crate::event::Texts;
    use crate::passrole::{self, Found};
    use std::sync::Arc;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const BOB: &str = "arn:aws:iam::111122223333:user/bob";
    const DEPLOYER: &str = "arn:aws:iam::111122223333:role/ops/Deployer";
    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/Deployer/alice";
    const MEDIA: &str = "arn:aws:iam::111122223333:role/lambda-media";
    const WEB: &str = "arn:aws:iam::111122223333:role/WebServer";
    const ADMIN: &str = "arn:aws:iam::111122223333:role/Admin";
    const MALLORY: &str = "arn:aws:iam::444455556666:user/mallory";

    /// alice puts on Deployer.
    fn deployer_hop() -> RoleAssumption {
        RoleAssumption::with_texts(&Texts {
            source: ALICE,
            source_account: "111122223333",
            role_arn: DEPLOYER,
            role_account: "111122223333",
            ..Texts::default()
        })
    }

    /// The hand-overs `identity` makes by calling `name` of `source` with `request` (and the
    /// refusal `error`, if any), their role as the request (or refusal) names it.
    fn hand_overs(
        identity: serde_json::Value,
        source: &str,
        name: &str,
        request: serde_json::Value,
        error: Option<&str>,
    ) -> Vec<HandOver> {
        let mut record = serde_json::json!({
            "eventTime": "2026-03-01T10:00:00Z", "eventSource": source, "eventName": name,
            "eventID": "e", "recipientAccountId": "111122223333",
            "userIdentity": identity, "requestParameters": request,
        });
        if let Some(role) = error {
            record["errorCode"] = "AccessDenied".into();
            record["errorMessage"] =
                format!("User: x is not authorized to perform: iam:PassRole on resource: {role}")
                    .into();
        }
        let text = record.to_string();
        let parsed = serde_json::from_str(&text).expect("a record");
        let Some(Found::HandOvers(found)) = passrole::read(&parsed, &record, &Arc::from("t"))
        else {
            panic!("no hand-over in {text}");
        };
        found
            .into_iter()
            .map(|mut hand_over| {
                if hand_over.role_arn.is_empty()
                    && hand_over.holds == passrole::coverage::Holds::Role
                {
                    hand_over.role_arn = hand_over.named.clone();
                }
                hand_over
            })
            .collect()
    }

    fn user(arn: &str) -> serde_json::Value {
        let account = arn::account_of(arn).unwrap_or("");
        serde_json::json!({"type": "IAMUser", "arn": arn, "accountId": account})
    }

    fn deployer_session() -> serde_json::Value {
        serde_json::json!({"type": "AssumedRole", "arn": SESSION, "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": DEPLOYER}}})
    }

    fn create_function(identity: serde_json::Value, role: &str) -> Vec<HandOver> {
        let request = serde_json::json!({"functionName": "f", "role": role});
        hand_overs(
            identity,
            "lambda.amazonaws.com",
            "CreateFunction20150331",
            request,
            None,
        )
    }

    /// Deployer's session hands WebServer to EC2 (through a profile resolved here) and is
    /// refused Admin for Lambda; bob hands lambda-media to Lambda twice; CloudFormation hands
    /// it once; mallory, from another account, is refused Admin; one profile stays unknown.
    fn trail() -> Vec<HandOver> {
        let mut all = Vec::new();
        let run = |profile: &str| {
            let request = serde_json::json!({"iamInstanceProfile": {"name": profile}});
            hand_overs(
                deployer_session(),
                "ec2.amazonaws.com",
                "RunInstances",
                request,
                None,
            )
        };
        let mut web = run("web-profile");
        web[0].role_arn = WEB.to_owned();
        all.extend(web);
        all.extend(run("orphan-profile"));
        all.extend(hand_overs(
            deployer_session(),
            "lambda.amazonaws.com",
            "CreateFunction20150331",
            serde_json::Value::Null,
            Some(ADMIN),
        ));
        all.extend(create_function(user(BOB), MEDIA));
        all.extend(create_function(user(BOB), MEDIA));
        let cloudformation =
            serde_json::json!({"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"});
        all.extend(create_function(cloudformation, MEDIA));
        all.extend(hand_overs(
            user(MALLORY),
            "lambda.amazonaws.com",
            "CreateFunction20150331",
            serde_json::json!({"functionName": "x", "role": ADMIN}),
            Some(ADMIN),
        ));
        all
    }

    /// Each edge as `source id -> target id: kind service successes/failures`.
    fn described(graph: &MaskGraph) -> Vec<String> {
        graph
            .edges()
            .map(|(from, to, edge)| {
                let service = edge.kind.service().unwrap_or("");
                format!(
                    "{from} -> {to}: {} {service} {}/{}",
                    edge.kind.as_str(),
                    edge.successes,
                    edge.failures
                )
                .replace("arn:aws:iam::111122223333:", "")
            })
            .collect()
    }

    fn built<'e>(
        events: &[&'e RoleAssumption],
        hand_overs: &'e [HandOver],
        options: &GraphOptions,
    ) -> MaskGraph<'e> {
        let refs: Vec<&HandOver> = hand_overs.iter().collect();
        MaskGraph::build_with(events, &refs, options, &AccountNames::default())
    }

    #[test]
    fn a_hand_over_starts_where_the_passers_hops_start_and_follows_the_hops() {
        let hop = deployer_hop();
        let trail = trail();
        let graph = built(&[&hop], &trail, &GraphOptions::default());
        assert_eq!(
            described(&graph),
            [
                "iam-user:user/alice -> role:role/ops/Deployer: assume  1/0",
                // Hand-overs after the hops, by their ends' keys (kind, then name).
                "iam-user:user/bob -> role:role/lambda-media: passrole lambda.amazonaws.com 2/0",
                "iam-user:arn:aws:iam::444455556666:user/mallory -> role:role/Admin: passrole lambda.amazonaws.com 0/1",
                "aws-service:cloudformation.amazonaws.com -> role:role/lambda-media: passrole lambda.amazonaws.com 1/0",
                "role:role/ops/Deployer -> role:role/Admin: passrole lambda.amazonaws.com 0/1",
                "role:role/ops/Deployer -> role:role/WebServer: passrole ec2.amazonaws.com 1/0",
            ]
        );
        // The session's hand-overs leave the node alice's hop enters: one Deployer.
        let roles = graph
            .nodes()
            .filter(|(id, _)| id.contains("Deployer"))
            .count();
        assert_eq!(roles, 1);
        let crossing: Vec<bool> = graph.edges().map(|(_, _, e)| e.cross_account).collect();
        assert_eq!(crossing, [false, false, true, false, false, false]);
        let (_, _, bob) = graph.edge_at(1);
        assert_eq!(bob.calls, ["CreateFunction20150331"]);
        assert!(bob.event_names.is_empty() && bob.source_ips.is_empty());
    }

    #[test]
    fn a_session_level_hand_over_starts_at_the_session_and_services_collapse() {
        let trail = trail();
        let sessions = GraphOptions {
            session_level: true,
            ..GraphOptions::default()
        };
        let graph = built(&[], &trail, &sessions);
        let from: Vec<String> = graph.edges().map(|(from, _, _)| from).collect();
        assert_eq!(
            from[3..],
            [format!("session:{SESSION}"), format!("session:{SESSION}")]
        );
        let collapsed = GraphOptions {
            collapse_services: true,
            ..GraphOptions::default()
        };
        let graph = built(&[], &trail, &collapsed);
        let from: Vec<String> = graph.edges().map(|(from, _, _)| from).collect();
        assert_eq!(from[2], "aws-service:AWS services");
    }

    #[test]
    fn at_account_level_an_accounts_own_hand_overs_are_its_own_edges() {
        let hop = deployer_hop();
        let trail = trail();
        let accounts = GraphOptions {
            account_level: true,
            ..GraphOptions::default()
        };
        let graph = built(&[&hop], &trail, &accounts);
        assert_eq!(
            described(&graph),
            [
                "account:111122223333 -> account:111122223333: assume  1/0",
                "aws-service:cloudformation.amazonaws.com -> account:111122223333: passrole lambda.amazonaws.com 1/0",
                "account:111122223333 -> account:111122223333: passrole ec2.amazonaws.com 1/0",
                "account:111122223333 -> account:111122223333: passrole lambda.amazonaws.com 2/1",
                "account:444455556666 -> account:111122223333: passrole lambda.amazonaws.com 0/1",
            ]
        );
        let own = graph.own_hand_overs();
        let account = graph
            .nodes()
            .position(|(id, _)| id == "account:111122223333")
            .unwrap();
        let services: Vec<_> = own[account].iter().map(|e| e.kind.service()).collect();
        assert_eq!(
            services,
            [Some("ec2.amazonaws.com"), Some("lambda.amazonaws.com")]
        );
        assert_eq!(own[account][1].masks.roles, 2, "lambda-media and Admin");
        assert!(graph.own_hops()[account].is_some_and(|e| !e.is_hand_over()));
    }

    #[test]
    fn min_count_and_top_weigh_both_kinds_alike() {
        let hop = deployer_hop();
        let trail = trail();
        let busy = GraphOptions {
            min_count: 2,
            ..GraphOptions::default()
        };
        assert_eq!(
            described(&built(&[&hop], &trail, &busy)),
            ["iam-user:user/bob -> role:role/lambda-media: passrole lambda.amazonaws.com 2/0"]
        );
        let top = GraphOptions {
            top: Some(2),
            ..GraphOptions::default()
        };
        assert_eq!(
            described(&built(&[&hop], &trail, &top)),
            [
                "iam-user:user/alice -> role:role/ops/Deployer: assume  1/0",
                "iam-user:user/bob -> role:role/lambda-media: passrole lambda.amazonaws.com 2/0",
            ]
        );
    }

    #[test]
    fn fits_counts_hand_over_edges_but_not_unknown_roles() {
        let hop = deployer_hop();
        let trail = trail();
        let refs: Vec<&HandOver> = trail.iter().collect();
        let options = GraphOptions::default();
        // 8 nodes (alice, bob, mallory, CloudFormation, Deployer, lambda-media, WebServer,
        // Admin) and 6 edges; the profile whose role is unknown adds none.
        assert!(fits(&[&hop], &refs, &options, 8, 6));
        assert!(!fits(&[&hop], &refs, &options, 8, 5));
        assert!(!fits(&[&hop], &refs, &options, 7, 6));
        assert!(fits(&[&hop], &[], &options, 2, 1));
    }
}
