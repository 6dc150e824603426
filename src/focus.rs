//! Focus on chains: `--from GLOB`, `--to GLOB` and `--depth N` pick whole chains, following
//! the links `chain` found (`chain_origin` and each hop's parent), never mere role-level
//! reachability, which would claim paths nobody took.
//!
//! - `--from` keeps every hop of the chains whose root matches: the chain's origin
//!   (a user or root ARN or its name, a service, `provider#subject` or either side of it,
//!   `account#principal`), or, where the
//!   hop that started the chain is not in the logs read, the caller of its earliest hop
//!   there. Refused attempts made on the way belong to their chain and are kept.
//! - `--to` keeps the hops that put on a matching role (by ARN or name; refused attempts
//!   included, like everywhere else) and every hop before them on their chain, back to its
//!   origin. The outcome filter and the time window pick which of those hops count
//!   ([`Focus::window`]): with `--exclude-failed` a chain whose only attempt at the role was
//!   refused did not reach it, nor, with `--until`, one that reached it after the window, and
//!   the hops before such an attempt are not kept either.
//! - `--depth N` keeps only hops at most N deep in their chain (counted from its root as
//!   above): with `--to`, the role must be reached within N hops.
//!
//! Given both, a hop must satisfy both (chains from alice that reached Admin). The filters
//! (`--since`, `--account`, outcome, ...) apply after, to the hops picked.

use crate::arn;
use crate::event::Outcome;
use crate::event::RoleAssumption;
use crate::filter::{Window, role_matches};
use globset::GlobMatcher;

/// The focus of one run; the default keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Focus {
    pub from: Option<GlobMatcher>,
    pub to: Option<GlobMatcher>,
    pub depth: Option<u32>,
    /// Which hops that put on a `--to` role count as reaching it (`--exclude-failed`: only
    /// the successful ones; `--failed-only`: only the refused ones), and when
    /// (`--since`/`--until`): a chain that reached the role after the window did not reach it
    /// in the window. The run's [`crate::filter::Filters::window`].
    pub window: Window,
}

/// Where an event sits: the index of its chain's root event and its depth from it (1 for
/// the root).
#[derive(Debug, Clone, Copy)]
struct Place {
    root: usize,
    depth: u32,
}

impl Focus {
    /// True when the focus picks anything: the events must then be linked into chains.
    pub fn is_active(&self) -> bool {
        self.from.is_some() || self.to.is_some() || self.depth.is_some()
    }

    /// True when the focus keeps a hand-over: `--from` matches its passer's chain origin as it
    /// matches a hop's (a chain begun before the logs read by its earliest caller read; a
    /// session whose own hop is not read by the session or the role it wears: a red-team's,
    /// session 36, both were missed), `--to` its role. `--depth` does not apply: a hand-over
    /// is no hop.
    pub fn keeps_hand_over(&self, hand_over: &crate::passrole::HandOver) -> bool {
        self.from
            .as_ref()
            .is_none_or(|glob| passer_origin_matches(glob, hand_over))
            && self.to.as_ref().is_none_or(|glob| {
                !hand_over.role_arn.is_empty() && role_matches(glob, &hand_over.role_arn)
            })
    }

    /// Which of `events` (all the scan's events, linked) the focus keeps.
    pub fn select(&self, events: &[Box<RoleAssumption>]) -> Vec<bool> {
        if !self.is_active() {
            return vec![true; events.len()];
        }
        let places = places(events);
        let shallow = |index: usize| self.depth.is_none_or(|max| places[index].depth <= max);
        let mut keep: Vec<bool> = (0..events.len()).map(shallow).collect();
        if let Some(glob) = &self.from {
            let mut root_matches: Vec<Option<bool>> = vec![None; events.len()];
            for (index, kept) in keep.iter_mut().enumerate() {
                let root = places[index].root;
                let matches =
                    *root_matches[root].get_or_insert_with(|| origin_matches(glob, &events[root]));
                *kept &= matches;
            }
        }
        if let Some(glob) = &self.to {
            // Each hop that put on a matching role, and its ancestors: every walk up stops at
            // the first hop already marked, so each event is walked once in all.
            let mut reached = vec![false; events.len()];
            for index in 0..events.len() {
                let event = &events[index];
                if !(keep[index]
                    && self
                        .window
                        .keeps(event.event_time, event.outcome == Outcome::Failure)
                    && puts_on_matching_role(glob, event))
                {
                    continue;
                }
                let mut at = Some(index);
                while let Some(hop) = at {
                    if reached[hop] {
                        break;
                    }
                    reached[hop] = true;
                    at = parent(events, hop);
                }
            }
            for (kept, reached) in keep.iter_mut().zip(reached) {
                *kept &= reached;
            }
        }
        keep
    }
}

/// Where each event sits in its chain, for the filters on what its hops issued (`activity`'s
/// sessions): read as `--from` and `--depth` read hops.
pub struct ChainPlaces<'e> {
    events: &'e [Box<RoleAssumption>],
    places: Vec<Place>,
}

impl<'e> ChainPlaces<'e> {
    /// The places of `events` (all the scan's events, linked).
    pub fn of(events: &'e [Box<RoleAssumption>]) -> Self {
        ChainPlaces {
            events,
            places: places(events),
        }
    }

    /// The depth of event `index` counted from its chain's root (1 for the root): from the
    /// chain's first hop, or from its earliest hop read when the first is not.
    pub fn depth(&self, index: usize) -> u32 {
        self.places[index].depth
    }

    /// The root of event `index`'s chain: its first hop, or its earliest hop read when the
    /// first is not.
    pub fn root(&self, index: usize) -> usize {
        self.places[index].root
    }

    /// True when the root of event `index`'s chain matches `glob` as `--from` reads it.
    pub fn root_matches(&self, glob: &GlobMatcher, index: usize) -> bool {
        origin_matches(glob, &self.events[self.places[index].root])
    }
}

/// The event's parent, when it has one other than itself.
fn parent(events: &[Box<RoleAssumption>], index: usize) -> Option<usize> {
    events[index]
        .chain()
        .parent
        .filter(|&parent| parent != index && parent < events.len())
}

/// True when the root of a chain (its origin, or the caller of its earliest hop read: as
/// CloudTrail names it, or the role its session wore, which `chains` shows, or
/// `(unknown caller)` when it names none) matches: the whole name, or either side of
/// `provider#subject`.
fn origin_matches(glob: &GlobMatcher, root: &RoleAssumption) -> bool {
    let origin = &*root.chain().origin;
    if !origin.is_empty() {
        return origin_name_matches(glob, origin);
    }
    let caller = crate::chain::unread_caller(root);
    if caller.is_empty() {
        // Shown as `(unknown caller)`, and matched by it.
        return glob.is_match(crate::chain::UNKNOWN_CALLER);
    }
    origin_name_matches(glob, &root.origin_label())
        || (!root.caller_role_arn().is_empty() && origin_name_matches(glob, root.caller_role_arn()))
        || printed_start_matches(glob, &crate::chain::unread_start(root))
}

/// True when `glob` names a chain begun before the logs read as `passrole` and `activity` print
/// its start (`[... hops not read ...] -> CALLER`): by glob, or as written, in any case (its
/// `[...]` reads as a glob's class of characters). A review's, session 37: the printed text,
/// given back to `--from`, matched nothing.
pub fn printed_start_matches(glob: &GlobMatcher, start: &str) -> bool {
    glob.is_match(start) || glob.glob().glob().eq_ignore_ascii_case(start)
}

/// True when `--from`'s glob matches the origin of a hand-over's passer
/// ([`Focus::keeps_hand_over`]).
fn passer_origin_matches(glob: &GlobMatcher, hand_over: &crate::passrole::HandOver) -> bool {
    let origin = hand_over.passer_origin_name();
    if !origin.is_empty() {
        // A chain begun before the logs read as its hops are matched: the role its caller
        // wore, or the caller as CloudTrail names it (a review's, session 36: `--from
        // SESSION` missed it; `passer_root_caller` is empty for any other chain).
        return origin_name_matches(glob, origin)
            || (!hand_over.passer_root_caller.is_empty()
                && origin_name_matches(glob, &hand_over.passer_root_caller))
            || (hand_over
                .passer_origin
                .starts_with(crate::chain::UNREAD_START)
                && printed_start_matches(glob, &hand_over.passer_origin));
    }
    origin_name_matches(glob, &hand_over.passer)
        || (!hand_over.caller_role_arn.is_empty()
            && origin_name_matches(glob, &hand_over.caller_role_arn))
}

/// True when `--from`'s glob matches the chain origin `name` (`source` or
/// `source#subject`): the whole, either side of `#`, or the principal's own name.
pub fn origin_name_matches(glob: &GlobMatcher, name: &str) -> bool {
    let (source, subject) = name.split_once('#').unwrap_or((name, ""));
    // The principal's own name too (`alice` for `arn:aws:iam::1:user/alice`), as `--role`
    // matches a role by name.
    let principal = arn::Arn::parse(source)
        .and_then(|parsed| parsed.resource.rsplit('/').next())
        .unwrap_or("");
    glob.is_match(name)
        || [source, subject, principal]
            .iter()
            .any(|part| !part.is_empty() && glob.is_match(part))
}

/// True when the event put on (or tried to) a role whose ARN or name matches.
fn puts_on_matching_role(glob: &GlobMatcher, event: &RoleAssumption) -> bool {
    !event.target().is_empty() && role_matches(glob, event.target())
}

/// Every event's [`Place`], each found once: a walk up stops at the first event placed, and
/// parents come before their children in time order, so walks are short. A cycle of links
/// (possible among same-second events) is cut where the walk meets itself.
fn places(events: &[Box<RoleAssumption>]) -> Vec<Place> {
    let mut placed: Vec<Option<Place>> = vec![None; events.len()];
    let mut on_walk = vec![false; events.len()];
    let mut walk = Vec::new();
    for start in 0..events.len() {
        walk.clear();
        let mut at = start;
        let mut top = loop {
            if let Some(place) = placed[at] {
                break place;
            }
            walk.push(at);
            on_walk[at] = true;
            match parent(events, at) {
                Some(up) if !on_walk[up] => at = up,
                _ => {
                    // A root (or a cycle cut here): placed as a root, then its children.
                    walk.pop();
                    on_walk[at] = false;
                    let root = Place { root: at, depth: 1 };
                    placed[at] = Some(root);
                    break root;
                }
            }
        };
        for &index in walk.iter().rev() {
            top = Place {
                root: top.root,
                depth: top.depth.saturating_add(1),
            };
            placed[index] = Some(top);
            on_walk[index] = false;
        }
    }
    placed
        .into_iter()
        .map(|place| place.unwrap_or(Place { root: 0, depth: 1 }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ChainInfo, Texts};
    use crate::filter::OutcomeFilter;
    use std::sync::Arc;

    /// An event of `source` putting on `role`, linked to `parent`, with `origin`.
    fn hop(source: &str, role: &str, parent: Option<usize>, origin: &str) -> Box<RoleAssumption> {
        Box::new(RoleAssumption {
            chain: Some(Box::new(ChainInfo {
                origin: Arc::from(origin),
                parent,
                ..ChainInfo::default()
            })),
            ..RoleAssumption::with_texts(&Texts {
                source,
                role_arn: role,
                ..Texts::default()
            })
        })
    }

    fn glob(pattern: &str) -> Option<GlobMatcher> {
        Some(globset::Glob::new(pattern).unwrap().compile_matcher())
    }

    const ALICE: &str = "arn:aws:iam::1:user/alice";
    const BOB: &str = "arn:aws:iam::1:user/bob";

    /// alice → A → B → Admin; bob → A → C; a session of unknown origin → Admin.
    #[allow(clippy::vec_box)] // as the scan holds them
    fn trail() -> Vec<Box<RoleAssumption>> {
        vec![
            hop(ALICE, "arn:aws:iam::1:role/A", None, ALICE),
            hop("s1", "arn:aws:iam::2:role/B", Some(0), ALICE),
            hop("s2", "arn:aws:iam::3:role/Admin", Some(1), ALICE),
            hop(BOB, "arn:aws:iam::1:role/A", None, BOB),
            hop("s3", "arn:aws:iam::2:role/C", Some(3), BOB),
            hop(
                "arn:aws:sts::1:assumed-role/X/s",
                "arn:aws:iam::3:role/Admin",
                None,
                "",
            ),
        ]
    }

    fn kept(focus: Focus) -> Vec<usize> {
        let keep = focus.select(&trail());
        (0..keep.len()).filter(|&i| keep[i]).collect()
    }

    #[test]
    fn from_keeps_every_hop_of_the_chains_that_start_there() {
        let from = |pattern| Focus {
            from: glob(pattern),
            ..Focus::default()
        };
        assert_eq!(kept(from("*alice")), [0, 1, 2]);
        // By the principal's own name.
        assert_eq!(kept(from("alice")), [0, 1, 2]);
        assert_eq!(kept(from("*:user/*")), [0, 1, 2, 3, 4]);
        // Of unknown origin: the caller of the earliest hop read.
        assert_eq!(kept(from("*assumed-role/X/*")), [5]);
    }

    #[test]
    fn to_keeps_the_chains_that_reached_the_role_up_to_it() {
        let to = |pattern| Focus {
            to: glob(pattern),
            ..Focus::default()
        };
        assert_eq!(kept(to("Admin")), [0, 1, 2, 5]);
        assert_eq!(kept(to("arn:aws:iam::2:role/*")), [0, 1, 3, 4]);
    }

    #[test]
    fn to_counts_only_the_attempts_the_outcome_filter_keeps() {
        // bob's C session tried Admin and was refused.
        let mut events = trail();
        let mut refused = hop("s4", "arn:aws:iam::3:role/Admin", Some(4), BOB);
        refused.outcome = Outcome::Failure;
        events.push(refused);
        let to = |outcome| Focus {
            to: glob("Admin"),
            window: Window {
                outcome,
                ..Window::default()
            },
            ..Focus::default()
        };
        let kept = |focus: Focus| {
            let keep = focus.select(&events);
            (0..keep.len()).filter(|&i| keep[i]).collect::<Vec<_>>()
        };
        assert_eq!(kept(to(OutcomeFilter::All)), [0, 1, 2, 3, 4, 5, 6]);
        // bob never reached Admin: none of his chain's hops are kept.
        assert_eq!(kept(to(OutcomeFilter::SuccessOnly)), [0, 1, 2, 5]);
        assert_eq!(kept(to(OutcomeFilter::FailureOnly)), [3, 4, 6]);
    }

    /// Review (session 28): a chain that reached the role after `--until` did not reach it in
    /// the window; its hops before were kept, cut short.
    #[test]
    fn to_counts_only_the_attempts_in_the_window() {
        let mut events = trail();
        for (minute, event) in events.iter_mut().enumerate() {
            event.event_time = chrono::DateTime::from_timestamp(60 * minute as i64, 0);
        }
        let until = |minute: i64| Focus {
            to: glob("Admin"),
            window: Window {
                until: chrono::DateTime::from_timestamp(60 * minute, 0),
                ..Window::default()
            },
            ..Focus::default()
        };
        let kept = |focus: Focus| {
            let keep = focus.select(&events);
            (0..keep.len()).filter(|&i| keep[i]).collect::<Vec<_>>()
        };
        // alice reached Admin at minute 2, the unknown session at minute 5.
        assert_eq!(kept(until(1)), Vec::<usize>::new());
        assert_eq!(kept(until(2)), [0, 1, 2]);
        assert_eq!(kept(until(5)), [0, 1, 2, 5]);
    }

    #[test]
    fn depth_limits_either_and_both_must_hold() {
        let focus = |from: Option<&str>, to: Option<&str>, depth| Focus {
            from: from.and_then(glob),
            to: to.and_then(glob),
            depth,
            ..Focus::default()
        };
        assert_eq!(kept(focus(Some("*alice"), None, Some(2))), [0, 1]);
        // Admin is reached at depth 3 from alice, at depth 1 by the unknown session.
        assert_eq!(kept(focus(None, Some("Admin"), Some(2))), [5]);
        assert_eq!(
            kept(focus(Some("*bob"), Some("Admin"), None)),
            Vec::<usize>::new()
        );
        assert_eq!(kept(focus(Some("*bob"), Some("C"), None)), [3, 4]);
    }

    #[test]
    fn a_cycle_of_links_ends_and_a_long_chain_is_walked_once() {
        let mut events = trail();
        events[0].chain.as_mut().unwrap().parent = Some(2);
        let focus = Focus {
            to: glob("B"),
            ..Focus::default()
        };
        assert_eq!(focus.select(&events).iter().filter(|&&k| k).count(), 3);
        // 200,000 hops in one chain: linear.
        let long: Vec<Box<RoleAssumption>> = (0..200_000_usize)
            .map(|i| hop("s", "arn:aws:iam::1:role/R", i.checked_sub(1), ALICE))
            .collect();
        let deep = Focus {
            from: glob("*alice"),
            depth: Some(10),
            ..Focus::default()
        };
        assert_eq!(deep.select(&long).iter().filter(|&&k| k).count(), 10);
    }
}
