//! Which role assumptions a command reports: time window, accounts, role and source globs,
//! outcome.
//!
//! Filters apply after chains are linked, so a chain's depth and origin are the same whether
//! or not its earlier hops are shown.

use crate::arn;
use crate::event::{Outcome, RoleAssumption};
use crate::passrole::HandOver;
use chrono::{DateTime, Utc};
use globset::GlobMatcher;

/// Which outcomes to keep. The default keeps both: a refused AssumeRole is a finding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutcomeFilter {
    #[default]
    All,
    SuccessOnly,
    FailureOnly,
}

impl OutcomeFilter {
    /// True when an event (a role assumption, a hand-over, a call) that `failed` or not is
    /// kept.
    pub fn keeps(self, failed: bool) -> bool {
        match self {
            OutcomeFilter::All => true,
            OutcomeFilter::SuccessOnly => !failed,
            OutcomeFilter::FailureOnly => failed,
        }
    }
}

/// `--since`, `--until` and the outcome filter: when an act (a role assumption, a hand-over,
/// a call) happened and whether it was refused. Every command's filters, a focus's `--to` and
/// `activity`'s counting of calls ask these three alike; the default keeps everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub outcome: OutcomeFilter,
}

impl Window {
    /// True when any of the three is set.
    pub fn is_active(&self) -> bool {
        self.since.is_some() || self.until.is_some() || self.outcome != OutcomeFilter::All
    }

    /// True when an act at `time` that `failed` or not is kept: its outcome is kept, and its
    /// time lies in `--since`/`--until` (none given: any time, even unknown; else an unknown
    /// time is outside).
    pub fn keeps(&self, time: Option<DateTime<Utc>>, failed: bool) -> bool {
        let in_time = (self.since.is_none() && self.until.is_none())
            || time.is_some_and(|time| {
                self.since.is_none_or(|since| time >= since)
                    && self.until.is_none_or(|until| time <= until)
            });
        in_time && self.outcome.keeps(failed)
    }

    /// The flags that set it, as typed (`--since/--until`, `--exclude-failed`,
    /// `--failed-only`): for a note that says they kept nothing.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        if self.since.is_some() || self.until.is_some() {
            flags.push("--since/--until");
        }
        match self.outcome {
            OutcomeFilter::All => {}
            OutcomeFilter::SuccessOnly => flags.push("--exclude-failed"),
            OutcomeFilter::FailureOnly => flags.push("--failed-only"),
        }
        flags
    }
}

/// All filters of one run; the default keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// `--since`, `--until`, the outcome filter.
    pub window: Window,
    /// Keep events whose source or role account is one of these.
    pub accounts: Vec<String>,
    /// Glob on the role ARN or the role name.
    pub role: Option<GlobMatcher>,
    /// Glob on the source, its subject, or `source#subject`.
    pub source: Option<GlobMatcher>,
}

impl Filters {
    /// True when any filter is set (the default keeps everything).
    pub fn is_active(&self) -> bool {
        self.window.is_active()
            || !self.accounts.is_empty()
            || self.role.is_some()
            || self.source.is_some()
    }

    /// True when `event` is to be reported.
    pub fn keep(&self, event: &RoleAssumption) -> bool {
        if !self
            .window
            .keeps(event.event_time, event.outcome == Outcome::Failure)
        {
            return false;
        }
        if !self.accounts.is_empty()
            && !self
                .accounts
                .iter()
                .any(|a| *a == event.source_account() || *a == event.role_account())
        {
            return false;
        }
        if let Some(glob) = &self.role
            && !role_matches(glob, event.target())
        {
            return false;
        }
        if let Some(glob) = &self.source
            && !glob.is_match(event.source())
            && !glob.is_match(event.source_subject())
            && !glob.is_match(event.origin_label())
            && !principal_name_matches(glob, event.source())
        {
            return false;
        }
        true
    }
}

impl Filters {
    /// True when the hand-over `hand_over` is to be reported: its time; the passer's, the
    /// call's or the role's account; its role (or instance profile, by ARN or name) by
    /// `--role`; its passer or the passer's origin by `--source`; its outcome.
    pub fn keep_hand_over(&self, hand_over: &HandOver) -> bool {
        let origin = hand_over.passer_origin_name();
        self.keep_hand_over_but_source(hand_over)
            && self.source.as_ref().is_none_or(|glob| {
                glob.is_match(&hand_over.passer)
                    || glob.is_match(origin)
                    || principal_name_matches(glob, &hand_over.passer)
                    || principal_name_matches(glob, origin)
            })
    }

    /// [`Filters::keep_hand_over`] with `--source` naming the service it handed the role to,
    /// the source of the hops that wear it (`services`' rows are kept by that service).
    pub fn keep_hand_over_to_service(&self, hand_over: &HandOver) -> bool {
        self.keep_hand_over_but_source(hand_over)
            && self
                .source
                .as_ref()
                .is_none_or(|glob| glob.is_match(hand_over.service))
    }

    /// [`Filters::keep_hand_over`] but for `--source`.
    fn keep_hand_over_but_source(&self, hand_over: &HandOver) -> bool {
        if !self
            .window
            .keeps(hand_over.event_time, hand_over.outcome == Outcome::Failure)
        {
            return false;
        }
        let role_account = arn::account_of(&hand_over.role_arn).unwrap_or("");
        if !self.accounts.is_empty()
            && !self.accounts.iter().any(|a| {
                *a == hand_over.passer_account
                    || *a == hand_over.recipient_account
                    || *a == role_account
            })
        {
            return false;
        }
        if let Some(glob) = &self.role
            && !role_matches(glob, &hand_over.role_arn)
            && (hand_over.via.is_empty()
                || !(glob.is_match(&hand_over.via)
                    || hand_over
                        .via
                        .rsplit('/')
                        .next()
                        .is_some_and(|name| glob.is_match(name))))
        {
            return false;
        }
        true
    }
}

/// True when `glob` matches the name of the principal the ARN `source` names (`alice` for
/// `arn:aws:iam::1:user/alice`; a session by its role's name or its own), as `--from` and
/// `--role` match names: `--source alice` is what a user types first.
pub(crate) fn principal_name_matches(glob: &GlobMatcher, source: &str) -> bool {
    let last = arn::Arn::parse(source)
        .and_then(|parsed| parsed.resource.rsplit_once('/'))
        .map(|(_, name)| name);
    [arn::role_name(source), last]
        .into_iter()
        .flatten()
        .any(|name| !name.is_empty() && glob.is_match(name))
}

/// True when `glob` matches the mask `target` (a role ARN, or what [`RoleAssumption::target`]
/// gives), the role's name, or its path and name (`Audit/SecurityAudit`, as "One name per
/// role" writes a role): `--role` and `--to` pick roles alike. An account's root, the mask
/// `AssumeRoot` puts on (`arn:aws:iam::ACCOUNT:root`), is named `root`.
pub fn role_matches(glob: &GlobMatcher, target: &str) -> bool {
    glob.is_match(target)
        || arn::role_name(target).is_some_and(|name| glob.is_match(name))
        || arn::role_path_and_name(target).is_some_and(|name| glob.is_match(name))
        || (arn::Arn::parse(target)
            .is_some_and(|parsed| parsed.principal() == arn::Principal::Root)
            && glob.is_match("root"))
}
