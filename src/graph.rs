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
use crate::event::{EventName, Outcome, RoleAssumption, SourceKind};
use chrono::{DateTime, Utc};
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeSet;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub name: String,
    pub account: String,
    /// Federation subjects seen for a provider; principal ids for an external account.
    pub subjects: BTreeSet<String>,
}

impl Node {
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
                None => self.name.clone(),
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
            NodeKind::Service | NodeKind::Unknown => self.name.clone(),
        }
    }
}

/// Every role assumption between two nodes, aggregated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edge {
    pub successes: u64,
    pub failures: u64,
    pub event_names: BTreeSet<EventName>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub source_ips: BTreeSet<String>,
    /// Federation subjects behind the source.
    pub subjects: BTreeSet<String>,
    pub cross_account: bool,
    /// An end lies in an account outside the `--accounts` mapping.
    pub external: bool,
}

impl Edge {
    pub fn count(&self) -> u64 {
        self.successes + self.failures
    }

    fn add(&mut self, facts: &EdgeFacts) {
        match facts.outcome {
            Outcome::Success => self.successes += 1,
            Outcome::Failure => self.failures += 1,
        }
        self.event_names.insert(facts.event_name);
        if let Some(time) = facts.event_time {
            self.first_seen = Some(self.first_seen.map_or(time, |t| t.min(time)));
            self.last_seen = Some(self.last_seen.map_or(time, |t| t.max(time)));
        }
        // Look before inserting: most events repeat a known value, and a clone costs.
        if !facts.source_ip.is_empty() && !self.source_ips.contains(facts.source_ip) {
            self.source_ips.insert(facts.source_ip.to_owned());
        }
        if !facts.source_subject.is_empty() && !self.subjects.contains(facts.source_subject) {
            self.subjects.insert(facts.source_subject.to_owned());
        }
        self.cross_account |= facts.cross_account;
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
pub struct MaskGraph {
    pub graph: DiGraph<Node, Edge>,
    pub accounts: AccountNames,
}

impl MaskGraph {
    /// Builds the graph from deduplicated events.
    ///
    /// On all cores, without hash tables: each event's two ends are named in parallel; the
    /// ends are numbered by sorting them (by a hash of the name first, so mostly 64-bit
    /// comparisons); each edge is folded from the run of events between its two ends. A node
    /// takes its account from its first mention in `events`' order.
    pub fn build<'e>(
        events: &[&'e RoleAssumption],
        options: &GraphOptions,
        accounts: &AccountNames,
    ) -> MaskGraph {
        let ends: Vec<(NodeRef<'e>, NodeRef<'e>, EdgeFacts<'e>)> = events
            .par_iter()
            .filter_map(|&event| {
                let target = target_node(event, options)?;
                Some((source_node(event, options), target, EdgeFacts::of(event)))
            })
            .collect();
        // Mention 2i is end i's source, 2i + 1 its target.
        let mention = |m: usize| -> &NodeRef<'e> {
            let (source, target, _) = &ends[m / 2];
            if m % 2 == 0 { source } else { target }
        };
        let mut mentions: Vec<(u64, NodeKind, &str, usize)> = (0..2 * ends.len())
            .into_par_iter()
            .map(|m| {
                let node = mention(m);
                (crate::chain::hash(&node.name), node.kind, &*node.name, m)
            })
            .collect();
        mentions.par_sort_unstable();
        // Each run of equal names is one node; its first mention comes first in the run.
        let mut node_of = vec![0; mentions.len()];
        let mut found: Vec<NodeRef<'e>> = Vec::new();
        for (position, &(_, kind, name, m)) in mentions.iter().enumerate() {
            let new_node = position == 0 || {
                let (_, last_kind, last_name, _) = mentions[position - 1];
                (last_kind, last_name) != (kind, name)
            };
            if new_node {
                found.push(mention(m).clone());
            }
            node_of[m] = found.len() - 1;
        }
        drop(mentions);
        let mut subjects: Vec<BTreeSet<&'e str>> = vec![BTreeSet::new(); found.len()];
        for (m, &node) in node_of.iter().enumerate() {
            if let Some(subject) = mention(m).subject {
                subjects[node].insert(subject);
            }
        }
        // Events by their two ends; each run of one pair is an edge, folded in parallel.
        let mut pairs: Vec<((usize, usize), usize)> = (0..ends.len())
            .into_par_iter()
            .map(|i| ((node_of[2 * i], node_of[2 * i + 1]), i))
            .collect();
        pairs.par_sort_unstable();
        let by_pair: Vec<((usize, usize), Edge)> = pairs
            .par_chunk_by(|a, b| a.0 == b.0)
            .map(|run| {
                let mut edge = Edge::default();
                for &(_, i) in run {
                    edge.add(&ends[i].2);
                }
                (run[0].0, edge)
            })
            .collect();
        // Rank the nodes by key: edges sorted by their ends' ranks are in key order.
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            (found[a].kind, found[a].name.as_ref()).cmp(&(found[b].kind, found[b].name.as_ref()))
        });
        let mut rank = vec![0; found.len()];
        for (position, &n) in order.iter().enumerate() {
            rank[n] = position;
        }
        let mut kept: Vec<((usize, usize), Edge)> = by_pair
            .into_iter()
            .filter(|(_, edge)| edge.count() >= options.min_count)
            .map(|((a, b), edge)| ((rank[a], rank[b]), edge))
            .collect();
        kept.sort_unstable_by_key(|(ends, _)| *ends);
        if let Some(top) = options.top {
            // Busiest first; ties keep key order. Then back to key order for output.
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
        let mut used = vec![false; found.len()];
        for ((a, b), _) in &kept {
            used[*a] = true;
            used[*b] = true;
        }
        let mut graph = DiGraph::new();
        let mut index: Vec<Option<NodeIndex>> = vec![None; found.len()];
        for (position, &n) in order.iter().enumerate() {
            if used[position] {
                let node = &found[n];
                index[position] = Some(graph.add_node(Node {
                    kind: node.kind,
                    name: node.name.clone().into_owned(),
                    account: node.account.clone().into_owned(),
                    subjects: subjects[n].iter().map(|s| (*s).to_owned()).collect(),
                }));
            }
        }
        for ((a, b), mut edge) in kept {
            let (Some(a), Some(b)) = (index[a], index[b]) else {
                continue;
            };
            edge.external =
                accounts.is_outside(&graph[a].account) || accounts.is_outside(&graph[b].account);
            graph.add_edge(a, b, edge);
        }
        MaskGraph {
            graph,
            accounts: accounts.clone(),
        }
    }

    /// Nodes with their stable ids, in key order.
    pub fn nodes(&self) -> impl Iterator<Item = (String, &Node)> {
        self.graph
            .node_indices()
            .map(|i| (self.graph[i].id(), &self.graph[i]))
    }

    /// Edges as (source id, target id, edge), in key order.
    pub fn edges(&self) -> impl Iterator<Item = (String, String, &Edge)> {
        self.graph.edge_indices().filter_map(|e| {
            let (a, b) = self.graph.edge_endpoints(e)?;
            Some((self.graph[a].id(), self.graph[b].id(), &self.graph[e]))
        })
    }

    /// Edges with their end nodes, in key order.
    pub fn edge_ends(&self) -> impl Iterator<Item = (&Node, &Node, &Edge)> {
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
    account: Cow<'e, str>,
    subject: Option<&'e str>,
}

fn node<'e>(kind: NodeKind, name: impl Into<Cow<'e, str>>, account: &'e str) -> NodeRef<'e> {
    NodeRef {
        kind,
        name: name.into(),
        account: Cow::Borrowed(account),
        subject: None,
    }
}

/// A principal named by ARN (`SwitchFrom`, or a source without a better kind).
fn principal_node<'e>(
    arn_text: &'e str,
    fallback_account: &'e str,
    options: &GraphOptions,
) -> NodeRef<'e> {
    let account = arn::account_of(arn_text).unwrap_or(fallback_account);
    let resource = arn::Arn::parse(arn_text).map(|a| a.resource).unwrap_or("");
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
