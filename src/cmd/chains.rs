//! `trailmask chains`: each distinct role chain (origin → role → role …) that some session
//! ended on, with its depth, count, first and last seen, cross-account hops and returns to a
//! role already worn; longest first.
//!
//! **What a row is.** A chain instance runs from its origin through each hop to a hop whose
//! session made no further (kept) hop: its last hop. A row is one distinct path of such
//! maximal chains, and `count` says how many ended on it. A path that only ever led further
//! (alice → Admin, when every Admin session went on to Deployer) is not a row of its own: it
//! shows as the start of the longer rows. Refused calls create no session, so they always end
//! a chain: a refused hop is a path of its own, drawn `-[refused]->`, its row's `outcome`
//! `failure`, and no return (it put nothing on). Filters and `--min-depth` choose the hops
//! first; a kept hop ends a row when none of its kept children go on from it. A chain whose
//! first hop is not in the logs read starts at its earliest hop read, from the role its
//! caller wore ([`UNREAD_START`], then the role; no origin), its depth the hops read (as
//! `--depth` counts them).
//!
//! **Long and cyclic chains.** Role juggling (a session re-assuming roles every hour for
//! weeks) makes chains of thousands of hops. Paths are held in a trie (one node per distinct
//! path, shared by every chain that passes through it), so memory grows with the hops, never
//! with the square of them. `returns` counts the hops back to a role already worn earlier on
//! the path (A → B → A → B has two). A path longer than [`SHOWN_HOPS`] hops shows its first
//! and last hops around `[... N hops ...]`, so each row's text is bounded: output too grows
//! with the hops. The full path of any hop is in `trailmask events` (`parent_event_id`).
//! A loop of links (hops within a minute, each called with the key another issued: crafted
//! or clock-skewed records) is cut at its earliest hop by [`crate::chain::link_chains`]:
//! that hop starts its path as a chain whose first hop is not read.

use super::{Context, Needs, execute};
use crate::arn;
use crate::cli::{ChainsArgs, ChainsFormat};
use crate::event::Outcome;
use crate::exit::ExitCode;
use crate::export::{self, Cell, Rows};
use crate::timefmt::Seen;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};

/// Paths of more hops than this show their first [`HEAD_HOPS`] and last [`TAIL_HOPS`] hops.
pub const SHOWN_HOPS: u32 = 16;
const HEAD_HOPS: u32 = 8;
const TAIL_HOPS: u32 = 7;

/// No node: the parent of a path's first hop.
const NONE: u32 = u32::MAX;

/// What a chain whose first hops are not in the logs read starts with, before the role its
/// earliest hop read was called from.
pub use crate::chain::UNREAD_START;

pub use crate::chain::UNKNOWN_CALLER;

/// Where a path starts: its chain's origin, or, for a chain whose first hop is not in the logs
/// read (a time window, one account's trail), the caller of its earliest hop read: the role
/// its session wore, so that chains through one role are one path whatever their sessions'
/// names, else the caller as CloudTrail names it (`account#principal-id`). Origins sort first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Start<'a> {
    Origin(&'a str),
    Unread(Cow<'a, str>),
}

/// One distinct path from an origin: the path of its parent plus one hop.
#[derive(Debug)]
struct PathNode<'a> {
    parent: u32,
    /// Its path's start, by index in [`PathTrie::starts`].
    start: u32,
    target: &'a str,
    cross_account: bool,
    /// The hop was refused (it put on no mask, so it ends its chain).
    refused: bool,
    /// Hops from the path's start to here (from the origin; for a chain whose first hops are
    /// unread, from its earliest hop read).
    depth: u32,
    /// Cross-account hops on the path.
    cross_hops: u32,
    /// The ancestor at depth [`HEAD_HOPS`] (this node, while shallower): where the shown head
    /// of a long path ends.
    head_end: u32,
    /// The first event (an index into the scan's events) that made this hop on this path.
    event: usize,
}

/// Every path of the chains, each stored once.
#[derive(Debug, Default)]
struct PathTrie<'a> {
    nodes: Vec<PathNode<'a>>,
    /// The paths' starts, each once.
    starts: Vec<Start<'a>>,
    start_index: HashMap<Start<'a>, u32>,
    /// A node by (parent, start of a first hop, target, cross-account, refused).
    index: HashMap<(u32, u32, &'a str, bool, bool), u32>,
}

impl<'a> PathTrie<'a> {
    /// The index of `start` among the paths' starts, adding it when new.
    fn index_start(&mut self, start: Start<'a>) -> u32 {
        if let Some(&at) = self.start_index.get(&start) {
            return at;
        }
        let at = self.starts.len() as u32;
        self.starts.push(start.clone());
        self.start_index.insert(start, at);
        at
    }

    /// The role a path's unread start wore (its caller's role), if it names one.
    fn start_role(&self, node: &PathNode<'a>) -> Option<&str> {
        match &self.starts[node.start as usize] {
            Start::Unread(caller) if arn::role_name(caller).is_some() => Some(caller),
            _ => None,
        }
    }

    /// The origin a row of `node`'s path names: empty for a chain whose first hop is unread.
    fn origin(&self, node: &PathNode<'a>) -> &'a str {
        match self.starts[node.start as usize] {
            Start::Origin(origin) => origin,
            Start::Unread(_) => "",
        }
    }

    /// The node of `parent`'s path plus the hop to `target` (`parent` [`NONE`]: from `start`,
    /// an index given by [`PathTrie::index_start`]), across accounts or not, refused or not.
    fn child(&mut self, parent: u32, start: u32, hop: (&'a str, bool, bool), event: usize) -> u32 {
        let (target, cross, refused) = hop;
        let key = (
            parent,
            if parent == NONE { start } else { NONE },
            target,
            cross,
            refused,
        );
        if let Some(&node) = self.index.get(&key) {
            return node;
        }
        let id = self.nodes.len() as u32;
        let (depth, cross_hops, head_end) = match self.nodes.get(parent as usize) {
            None => (1, u32::from(cross), id),
            Some(up) => (
                up.depth + 1,
                up.cross_hops + u32::from(cross),
                if up.depth < HEAD_HOPS {
                    id
                } else {
                    up.head_end
                },
            ),
        };
        self.nodes.push(PathNode {
            parent,
            start: if parent == NONE {
                start
            } else {
                self.nodes[parent as usize].start
            },
            target,
            cross_account: cross,
            refused,
            depth,
            cross_hops,
            head_end,
            event,
        });
        self.index.insert(key, id);
        id
    }

    /// Up to `count` hops ending at `node`, first to last.
    fn hops_to(&self, mut node: u32, count: u32) -> Vec<&PathNode<'a>> {
        let mut hops = Vec::new();
        while node != NONE && (hops.len() as u32) < count {
            let at = &self.nodes[node as usize];
            hops.push(at);
            node = at.parent;
        }
        hops.reverse();
        hops
    }

    /// The nodes without a parent (first hops), and each node's children, in node order.
    fn roots_and_children(&self) -> (Vec<u32>, Vec<Vec<u32>>) {
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); self.nodes.len()];
        let mut roots = Vec::new();
        for (id, node) in self.nodes.iter().enumerate() {
            match node.parent {
                NONE => roots.push(id as u32),
                parent => children[parent as usize].push(id as u32),
            }
        }
        (roots, children)
    }

    /// For every node, how many hops on its path return to a role worn earlier on it: one
    /// walk down the trie keeping the roles of the current path, so the cost is the nodes'.
    fn returns(&self, roots: &[u32], children: &[Vec<u32>]) -> Vec<u32> {
        let mut returns = vec![0u32; self.nodes.len()];
        let mut worn: HashMap<&str, u32> = HashMap::new();
        // (node, entering): a node is entered, its children walked, then it is left.
        let mut stack: Vec<(u32, bool)> = roots.iter().rev().map(|&r| (r, true)).collect();
        while let Some((id, entering)) = stack.pop() {
            let node = &self.nodes[id as usize];
            // A chain whose first hops are unread wore its caller's role before its first hop.
            if let Some(role) = self.start_role(node).filter(|_| node.parent == NONE) {
                let times = worn.entry(role).or_default();
                if entering {
                    *times += 1;
                } else {
                    *times -= 1;
                }
            }
            let times = worn.entry(node.target).or_default();
            if entering {
                let before = match node.parent {
                    NONE => 0,
                    parent => returns[parent as usize],
                };
                // A refused attempt put nothing on: no return.
                returns[id as usize] = before + u32::from(*times > 0 && !node.refused);
                *times += 1;
                stack.push((id, false));
                stack.extend(children[id as usize].iter().map(|&c| (c, true)));
            } else {
                *times -= 1;
            }
        }
        returns
    }

    /// Each node's place when paths are sorted by origin, then hop by hop (a path before the
    /// paths it starts): a walk down the trie with children in order (sorted here).
    fn ranks(&self, mut roots: Vec<u32>, mut children: Vec<Vec<u32>>) -> Vec<u32> {
        let order = |a: &u32, b: &u32| {
            let (a, b) = (&self.nodes[*a as usize], &self.nodes[*b as usize]);
            let start = |node: &PathNode| &self.starts[node.start as usize];
            (start(a), a.target, a.cross_account, a.refused).cmp(&(
                start(b),
                b.target,
                b.cross_account,
                b.refused,
            ))
        };
        let mut ranks = vec![0u32; self.nodes.len()];
        roots.sort_by(order);
        let mut stack: Vec<u32> = roots.into_iter().rev().collect();
        let mut next = 0;
        while let Some(id) = stack.pop() {
            ranks[id as usize] = next;
            next += 1;
            let kids = &mut children[id as usize];
            kids.sort_by(order);
            stack.extend(kids.iter().rev());
        }
        ranks
    }
}

/// How many chains ended on one path, and when.
#[derive(Debug, Default)]
struct Ended {
    count: u64,
    /// When the earliest of them began (its first hop), and when the latest reached its
    /// last hop.
    seen: Seen,
}

/// One row: a path and the chains that ended on it.
struct ChainRow<'a> {
    node: u32,
    ended: Ended,
    returns: u32,
    text: String,
    origin: &'a str,
}

/// The distinct maximal chains, longest first, then busiest, then by path.
pub struct ChainRows<'a> {
    trie: PathTrie<'a>,
    rows: Vec<ChainRow<'a>>,
}

impl<'a> ChainRows<'a> {
    pub fn of(context: &'a Context, min_depth: u32) -> ChainRows<'a> {
        let all = &context.scan.events;
        let mut trie = PathTrie::default();
        // Each event's path node and its chain's start time, parents before children (a walk
        // up to the first event already placed, then back down), so each event is placed once.
        let mut path: Vec<u32> = vec![NONE; all.len()];
        let mut began: Vec<Option<DateTime<Utc>>> = vec![None; all.len()];
        let mut placed = vec![false; all.len()];
        let mut climb = Vec::new();
        for start in 0..all.len() {
            let mut at = Some(start);
            while let Some(i) = at.filter(|&i| !placed[i]) {
                placed[i] = true; // also ends a walk that meets a loop of parent links
                climb.push(i);
                at = all[i].chain().parent.filter(|&p| p < all.len());
            }
            while let Some(i) = climb.pop() {
                let event = &all[i];
                let parent = event.chain().parent.filter(|&p| p < all.len());
                let (up, up_began) = parent.map_or((NONE, None), |p| (path[p], began[p]));
                // A hop on from its parent's path; a hop of a known origin; or the earliest hop
                // read of a chain whose first hop is not in the logs (no origin, no parent: a
                // loop of links is cut at its earliest hop by `chain::link_chains`).
                let path_start = if up != NONE {
                    trie.nodes[up as usize].start
                } else if event.chain().depth.is_some() {
                    trie.index_start(Start::Origin(&event.chain().origin))
                } else {
                    trie.index_start(Start::Unread(crate::chain::unread_caller(event)))
                };
                let hop = (
                    event.target(),
                    event.cross_account == Some(true),
                    event.outcome == Outcome::Failure,
                );
                path[i] = trie.child(up, path_start, hop, i);
                began[i] = up_began.or(event.event_time);
            }
        }
        // The hops that may end a row, and those a kept hop goes on from.
        let keep = |i: usize| {
            let event = &all[i];
            path[i] != NONE
                && !event.target().is_empty()
                && trie.nodes[path[i] as usize].depth >= min_depth
                && context.keeps(i)
        };
        let kept: Vec<bool> = (0..all.len()).map(keep).collect();
        let mut goes_on = vec![false; all.len()];
        for (i, event) in all.iter().enumerate() {
            if let Some(p) = event.chain().parent.filter(|&p| kept[i] && p < all.len()) {
                goes_on[p] = true;
            }
        }
        let mut ended: HashMap<u32, Ended> = HashMap::new();
        for i in (0..all.len()).filter(|&i| kept[i] && !goes_on[i]) {
            let row = ended.entry(path[i]).or_default();
            row.count += 1;
            // Both ends as times seen: a hop may be logged up to a minute before the hop that
            // issued its session (clock skew), and a span must not end before it begins.
            row.seen.add(began[i]);
            row.seen.add(all[i].event_time);
        }
        let (roots, children) = trie.roots_and_children();
        let returns = trie.returns(&roots, &children);
        let ranks = trie.ranks(roots, children);
        let mut rows: Vec<ChainRow> = ended
            .into_iter()
            .map(|(node, ended)| ChainRow {
                node,
                ended,
                returns: returns[node as usize],
                text: String::new(),
                origin: trie.origin(&trie.nodes[node as usize]),
            })
            .collect();
        rows.sort_by(|a, b| {
            let (a_node, b_node) = (&trie.nodes[a.node as usize], &trie.nodes[b.node as usize]);
            b_node
                .depth
                .cmp(&a_node.depth)
                .then(b.ended.count.cmp(&a.ended.count))
                .then(ranks[a.node as usize].cmp(&ranks[b.node as usize]))
        });
        for row in &mut rows {
            row.text = render(&trie, row.node);
        }
        ChainRows { trie, rows }
    }
}

impl ChainRows<'_> {
    /// For each row in order, the event (an index into the scan's events) that made each hop
    /// of its path, first to last, as the row's text shows them: a path of more than
    /// [`SHOWN_HOPS`] hops as its first and last hops with `None` between. What the HTML
    /// report draws a chain with; bounded per row, so the report grows with the rows, never
    /// with rows times depth (a long chain with a refused side hop at each step has as many
    /// rows as hops).
    pub fn hop_events(&self) -> impl Iterator<Item = Vec<Option<usize>>> + '_ {
        self.rows.iter().map(|row| {
            let at = &self.trie.nodes[row.node as usize];
            let events = |node: u32, count: u32| -> Vec<Option<usize>> {
                self.trie
                    .hops_to(node, count)
                    .iter()
                    .map(|hop| Some(hop.event))
                    .collect()
            };
            if at.depth <= SHOWN_HOPS {
                return events(row.node, at.depth);
            }
            let mut hops = events(at.head_end, HEAD_HOPS);
            hops.push(None);
            hops.extend(events(row.node, TAIL_HOPS));
            hops
        })
    }
}

/// `origin -> role -> role`, with `=[cross-account]=>` for hops between accounts and
/// `-[refused]->` (`=[cross-account;refused]=>`) for a refused attempt; a path of
/// more than [`SHOWN_HOPS`] hops as its head, `[... N hops ...]`, and its tail. A name that
/// could be read as more of the path (a space, a quote, a control character: no ARN holds one,
/// but a typed `roleArn` or a SAML subject may) is written in quotes, JSON-escaped.
fn render(trie: &PathTrie, node: u32) -> String {
    let at = &trie.nodes[node as usize];
    let mut text = match &trie.starts[at.start as usize] {
        Start::Origin(origin) => path_name(origin).into_owned(),
        Start::Unread(caller) if caller.is_empty() => UNKNOWN_CALLER.to_owned(),
        Start::Unread(caller) => format!("{UNREAD_START}{}", path_name(caller)),
    };
    let push = |text: &mut String, hop: &PathNode| {
        text.push_str(match (hop.cross_account, hop.refused) {
            (false, false) => " -> ",
            (true, false) => " =[cross-account]=> ",
            (false, true) => " -[refused]-> ",
            (true, true) => " =[cross-account;refused]=> ",
        });
        text.push_str(&path_name(hop.target));
    };
    if at.depth <= SHOWN_HOPS {
        for hop in trie.hops_to(node, at.depth) {
            push(&mut text, hop);
        }
        return text;
    }
    for hop in trie.hops_to(at.head_end, HEAD_HOPS) {
        push(&mut text, hop);
    }
    text.push_str(&format!(
        " -> [... {} hops ...]",
        at.depth - HEAD_HOPS - TAIL_HOPS
    ));
    for hop in trie.hops_to(node, TAIL_HOPS) {
        push(&mut text, hop);
    }
    text
}

/// `name` as a chain's text writes it: as it is, or quoted where it could be read as more of
/// the path ([`render`]).
fn path_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"')
    {
        serde_json::to_string(name)
            .map_or(std::borrow::Cow::Borrowed(name), std::borrow::Cow::Owned)
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

impl Rows for ChainRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        vec![
            "depth",
            "count",
            "first_seen",
            "last_seen",
            "cross_account_hops",
            "returns",
            "outcome",
            "origin",
            "chain",
        ]
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for row in &self.rows {
            let node = &self.trie.nodes[row.node as usize];
            emit(&[
                Cell::Count(u64::from(node.depth)),
                Cell::Count(row.ended.count),
                Cell::Time(row.ended.seen.first),
                Cell::Time(row.ended.seen.last),
                Cell::Count(u64::from(node.cross_hops)),
                Cell::Count(u64::from(row.returns)),
                Cell::Text(if node.refused { "failure" } else { "success" }),
                Cell::Text(row.origin),
                Cell::Text(&row.text),
            ])?;
        }
        Ok(())
    }
}

/// The chains as the text table shows them: without the origin column (each chain begins
/// with its origin), the chain last and running on (a table on any terminal its other
/// columns fit).
struct ChainTable<'r, 'a>(&'r ChainRows<'a>);

impl Rows for ChainTable<'_, '_> {
    fn columns(&self) -> Vec<&'static str> {
        let mut columns = self.0.columns();
        columns.retain(|&column| column != "origin");
        columns
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        self.0.each_row(&mut |cells| {
            let [head @ .., _origin, chain] = cells else {
                return emit(cells);
            };
            let mut shown = head.to_vec();
            shown.push(chain.clone());
            emit(&shown)
        })
    }

    fn last_column_runs_on(&self) -> bool {
        true
    }
}

/// Runs `trailmask chains`.
pub fn run(args: &ChainsArgs, stderr: &mut dyn Write) -> ExitCode {
    execute(&args.read, Needs::Chains, stderr, &|context, wtr| {
        let rows = ChainRows::of(context, args.min_depth);
        match args.format {
            ChainsFormat::Text => context.write_table(&ChainTable(&rows), wtr),
            ChainsFormat::Csv => export::csv::write(&rows, false, wtr),
            ChainsFormat::Json => export::json::write_array(&rows, wtr),
        }
    })
}
