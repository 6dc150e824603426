//! `role-juggling`: a chain that returns to a role it already wore, or keeps refreshing
//! chained sessions past the one-hour limit; each chain walked once, with a visited flag.

use super::{
    CHAINED_SESSION_LIMIT, Evidence, Finding, Kind, Severity, anchor_of, is_chained, list_text,
    plural, proof, role_label, span_text, wears_role,
};
use crate::event::RoleAssumption;
use chrono::TimeDelta;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// `A -> B -> A`: the roles of a path as `label` names each hop's, its middle cut when long.
fn path_text(path: &[usize], label: &dyn Fn(usize) -> String) -> String {
    let names: Vec<String> = path.iter().map(|&hop| label(hop)).collect();
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
        // Roles by name; with their accounts when the finding's roles lie in several (a
        // Deployer in three accounts read `Deployer -> Deployer`, as if one).
        let accounts: BTreeSet<&str> = hops
            .iter()
            .chain(&path)
            .map(|&hop| events[hop].role_account())
            .collect();
        let label = |hop: usize| {
            let name = role_label(events[hop].role_arn());
            match events[hop].role_account() {
                account if accounts.len() > 1 && !account.is_empty() => {
                    format!("{name} ({account})")
                }
                _ => name.to_owned(),
            }
        };
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
                path_text(&loop_path, &label)
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
        let roles: BTreeSet<String> = hops.iter().chain(&path).map(|&hop| label(hop)).collect();
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
                list_text(roles.iter().map(String::as_str), 5)
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
