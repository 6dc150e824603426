//! Who handed which mask to which service: `iam:PassRole`, read from the calls that carry it.
//!
//! CloudTrail never logs PassRole as an event of its own. The role travels in the request of
//! the service call that uses it (RunInstances' instance profile, CreateFunction's `role`,
//! RegisterTaskDefinition's `taskRoleArn`, …: the table is [`coverage::CALLS`]), and a refusal
//! shows as that call's error naming `iam:PassRole on resource: ARN`. This module owns the
//! [`HandOver`] model, its reading from one record ([`read`]), and ([`resolve`]) what only the
//! whole trail tells: the role behind an instance profile, the chain origin of a passer that
//! is a role session, and how many later sessions of the service wore the role.

pub mod coverage;
pub mod resolve;

use crate::arn;
use crate::event::{Caller, Outcome, SourceKind, caller, role_in_error_message};
use crate::read::records::Record;
use crate::timefmt;
use chrono::{DateTime, Utc};
use coverage::{Holds, Worn};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;

/// Where a hand-over's `role_arn` was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum RoleFrom {
    /// Not known: an instance profile no record resolves.
    #[default]
    Unknown,
    /// The call's request named the role.
    Request,
    /// The refusal's message named it.
    ErrorMessage,
    /// IAM's instance-profile calls (CreateInstanceProfile, AddRoleToInstanceProfile) said which
    /// role the profile held at the time.
    ProfileCalls,
    /// An instance the call gave the profile to was seen wearing the role
    /// (`ec2.amazonaws.com` AssumeRole, session named after the instance).
    InstanceSession,
    /// Another hand-over of the same profile was resolved by one of the ways above.
    SameProfile,
}

impl RoleFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleFrom::Unknown => "",
            RoleFrom::Request => "request",
            RoleFrom::ErrorMessage => "error-message",
            RoleFrom::ProfileCalls => "profile-calls",
            RoleFrom::InstanceSession => "instance-session",
            RoleFrom::SameProfile => "same-profile",
        }
    }
}

/// One role handed (or refused to be handed) to a service by one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOver {
    pub event_time: Option<DateTime<Utc>>,
    pub event_source: String,
    pub event_name: String,
    pub outcome: Outcome,
    pub error_code: String,
    pub passer_kind: SourceKind,
    /// The caller: user or root ARN, session ARN, service principal.
    pub passer: String,
    pub passer_account: String,
    /// For a session passer: its access key, creation time and role (to find its chain).
    pub caller_access_key: String,
    pub caller_session_created: Option<DateTime<Utc>>,
    pub caller_role_arn: String,
    /// The role or instance profile as the request (or the refusal) wrote it: ARN or name.
    pub named: String,
    pub holds: Holds,
    /// The principal that will wear the role.
    pub service: &'static str,
    /// The resources that get it (instance ids, function ARN, …), in record order.
    pub resources: Vec<String>,
    pub worn_rule: Worn,
    pub event_id: String,
    /// `sharedEventID`: the copies of a call delivered to two accounts share it.
    pub shared_event_id: String,
    pub recipient_account: String,
    /// The partition of the call's Region: a role named by name, by a passer with no ARN (a
    /// service), lies in it.
    pub region_partition: &'static str,
    /// `sourceIPAddress`: where the passer called from.
    pub source_ip: String,
    pub log_file: Arc<str>,
    /// Filled by [`resolve`]: the role handed over (canonical ARN when the logs name it),
    /// empty when a profile's role is unknown.
    pub role_arn: String,
    pub role_from: RoleFrom,
    /// The instance profile the role went through.
    pub via: String,
    /// The identity at the root of the passer's chain (the passer itself when it is no session).
    pub passer_origin: String,
    /// For a chain begun before the logs read, its earliest caller read as CloudTrail names it
    /// (a session by its ARN), which `--from` matches as it matches such a chain's hops.
    pub passer_root_caller: String,
    /// Later sessions of `service` that wore the role for the resource ([`Worn`]).
    pub worn: u64,
}

/// What IAM said of an instance profile.
///
/// Changes of one second replay in the order of the variants (a record's time has no finer
/// grain, and records are not written in order): a profile deleted and made again, or a role
/// taken out and one put in, in one second is the replacement tools make (CloudFormation,
/// the console), so what the second leaves is the profile made and its role put in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProfileEdit {
    Deleted,
    Created,
    RoleRemoved(String),
    /// The role (by name) put in the profile.
    RoleAdded(String),
}

/// One successful IAM call on an instance profile.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProfileChange {
    pub event_time: Option<DateTime<Utc>>,
    pub account: String,
    /// The profile's name, ASCII-lowercased (IAM names are unique per account in any case).
    pub profile: String,
    pub edit: ProfileEdit,
    pub event_id: String,
}

/// What one record gives this module.
#[derive(Debug)]
pub enum Found {
    HandOvers(Vec<HandOver>),
    Profile(ProfileChange),
}

impl Found {
    /// Roughly what it takes in memory (for the reading layer's per-file budget).
    pub fn byte_len(&self) -> usize {
        match self {
            Found::HandOvers(hand_overs) => hand_overs
                .iter()
                .map(|h| {
                    std::mem::size_of::<HandOver>()
                        + h.passer.len()
                        + h.named.len()
                        + h.event_source.len()
                        + h.event_name.len()
                        + h.resources.iter().map(|r| r.len() + 24).sum::<usize>()
                        + h.event_id.len()
                        + h.caller_access_key.len()
                        + h.caller_role_arn.len()
                })
                .sum(),
            Found::Profile(change) => std::mem::size_of::<ProfileChange>() + change.profile.len(),
        }
    }
}

/// True when a record with these fields may give something here (cheap: the full parse of
/// [`read`] follows).
pub fn wanted(event_source: &str, event_name: &str) -> bool {
    let (source, name) = (event_source.trim(), event_name.trim());
    coverage::find(source, name).is_some()
        || (source == "iam.amazonaws.com" && coverage::PROFILE_CALLS.contains(&name))
}

/// Reads the hand-overs (or the instance-profile change) of one record: `record` is its typed
/// parse, `value` the same text as a JSON value (for the paths of [`coverage::CALLS`]).
pub fn read(record: &Record, value: &Value, log_file: &Arc<str>) -> Option<Found> {
    let source = record.event_source.as_str().trim();
    let name = record.event_name.as_str().trim();
    if source == "iam.amazonaws.com" {
        return read_profile_change(record, value, name).map(Found::Profile);
    }
    let call = coverage::find(source, name)?;
    let error_code = record.error_code.as_str();
    // A dry run only asks whether the call would be allowed: nothing is handed over.
    if error_code.ends_with("DryRunOperation") {
        return None;
    }
    let outcome = if error_code.is_empty() {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    let identity = record.user_identity.get();
    let Caller {
        kind,
        source: passer,
        account: passer_account,
        ..
    } = caller(record, identity);
    let session_context = identity.and_then(|id| id.session_context.get());
    let caller_role_arn = match kind {
        SourceKind::AssumedRole => session_context
            .and_then(|c| c.session_issuer.get())
            .filter(|i| i.kind.as_str() != "IAMUser")
            .and_then(|i| i.arn.get())
            .filter(|arn| !arn.is_empty())
            .map(str::to_owned)
            .or_else(|| arn::role_of_session(&passer))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let mut resources = Vec::new();
    for path in call.resource {
        strings_at(value, path, &mut resources);
        if !resources.is_empty() {
            break;
        }
    }
    let resources: Vec<String> = resources.into_iter().map(str::to_owned).collect();
    let base = HandOver {
        event_time: timefmt::parse(record.event_time.as_str()),
        event_source: source.to_owned(),
        event_name: name.to_owned(),
        outcome,
        error_code: error_code.to_owned(),
        passer_kind: kind,
        passer: passer.into_owned(),
        passer_account: passer_account.into_owned(),
        caller_access_key: identity
            .map_or("", |id| id.access_key_id.as_str())
            .to_owned(),
        caller_session_created: session_context
            .and_then(|c| c.attributes.get())
            .and_then(|a| timefmt::parse(a.creation_date.as_str())),
        caller_role_arn,
        named: String::new(),
        holds: Holds::Role,
        service: "",
        resources,
        worn_rule: call.worn,
        event_id: record.event_id.as_str().to_owned(),
        shared_event_id: record.shared_event_id.as_str().to_owned(),
        recipient_account: record.recipient_account_id.as_str().to_owned(),
        region_partition: arn::partition_of_region(record.aws_region.as_str()),
        source_ip: record.source_ip_address.as_str().to_owned(),
        log_file: Arc::clone(log_file),
        role_arn: String::new(),
        role_from: RoleFrom::Unknown,
        via: String::new(),
        passer_origin: String::new(),
        passer_root_caller: String::new(),
        worn: 0,
    };
    let mut found: Vec<HandOver> = Vec::new();
    // The (role or profile, service) pairs already found: a set, since one request can name
    // 100,000 roles (PutTargets' targets), and a scan of `found` for each made that quadratic.
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for hand in call.hands {
        let mut named = Vec::new();
        for path in hand.paths {
            strings_at(value, path, &mut named);
            if !named.is_empty() {
                break;
            }
        }
        for named in named {
            if !seen.insert((named, hand.service)) {
                continue;
            }
            found.push(HandOver {
                named: named.to_owned(),
                holds: hand.holds,
                service: hand.service,
                ..base.clone()
            });
        }
    }
    // A profile named by name: its ARN (with the path) when the response names it.
    for (name, path) in coverage::PROFILE_ARNS {
        if !call.event_names.contains(name) {
            continue;
        }
        let mut arns = Vec::new();
        strings_at(value, path, &mut arns);
        for row in found
            .iter_mut()
            .filter(|row| row.holds == Holds::Profile && !row.named.starts_with("arn:"))
        {
            if let Some(arn) = arns.iter().find(|arn| {
                arn.rsplit('/')
                    .next()
                    .is_some_and(|last| last.eq_ignore_ascii_case(&row.named))
            }) {
                row.named = (*arn).to_owned();
            }
        }
    }
    // A refusal names the role it refused to hand over: the role the request named so, else
    // the role behind its profile (a call that names a role and a profile, as EMR's RunJobFlow
    // does, was refused the role it named when the names agree: a red-team's, session 36, the
    // profile was given the service role); a role the request did not show is added.
    let refused = record
        .error_message
        .get()
        .filter(|message| message.contains("iam:PassRole on resource: "))
        .and_then(role_in_error_message);
    if let Some(refused) = refused {
        // Every row that names it (a role two fields name, by its ARN and its name, as ECS's
        // task and execution roles can: session 36's review), else the first profile's.
        let named = |h: &HandOver| h.holds == Holds::Role && same_role(&h.named, refused);
        let mut pinned: Vec<usize> = (0..found.len()).filter(|&at| named(&found[at])).collect();
        if pinned.is_empty() {
            pinned.extend(found.iter().position(|h| h.holds == Holds::Profile));
        }
        for &at in &pinned {
            found[at].role_arn = refused.to_owned();
            found[at].role_from = RoleFrom::ErrorMessage;
        }
        if pinned.is_empty() {
            let hand = call
                .hands
                .iter()
                .find(|hand| hand.holds == Holds::Role)
                .unwrap_or(&call.hands[0]);
            found.push(HandOver {
                named: refused.to_owned(),
                holds: Holds::Role,
                service: hand.service,
                role_arn: refused.to_owned(),
                role_from: RoleFrom::ErrorMessage,
                ..base
            });
        }
    }
    (!found.is_empty()).then_some(Found::HandOvers(found))
}

impl HandOver {
    /// The passer's origin by name: for a chain begun before the logs read, the earliest caller
    /// read (what follows `[... hops not read ...] -> `), which `--from` and `--source` match.
    pub fn passer_origin_name(&self) -> &str {
        (self.passer_origin.strip_prefix(crate::chain::UNREAD_START)).unwrap_or(&self.passer_origin)
    }
}

/// True when `named` (an ARN or a bare name) names the role `role_arn`.
fn same_role(named: &str, role_arn: &str) -> bool {
    named.eq_ignore_ascii_case(role_arn)
        || arn::role_name(role_arn).is_some_and(|name| {
            named.eq_ignore_ascii_case(name)
                || named
                    .rsplit('/')
                    .next()
                    .is_some_and(|last| last.eq_ignore_ascii_case(name) && !named.contains(':'))
        })
}

fn read_profile_change(record: &Record, value: &Value, name: &str) -> Option<ProfileChange> {
    if !record.error_code.as_str().is_empty() {
        return None;
    }
    let request = value.get("requestParameters")?;
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or("");
    let profile = text("instanceProfileName");
    if profile.is_empty() {
        return None;
    }
    let edit = match name {
        "CreateInstanceProfile" => ProfileEdit::Created,
        "DeleteInstanceProfile" => ProfileEdit::Deleted,
        "AddRoleToInstanceProfile" | "RemoveRoleFromInstanceProfile" => {
            let role = text("roleName");
            if role.is_empty() {
                return None;
            }
            if name == "AddRoleToInstanceProfile" {
                ProfileEdit::RoleAdded(role.to_owned())
            } else {
                ProfileEdit::RoleRemoved(role.to_owned())
            }
        }
        _ => return None,
    };
    let identity = record.user_identity.get();
    let account = [
        record.recipient_account_id.as_str(),
        identity.map_or("", |id| id.account_id.as_str()),
    ]
    .into_iter()
    .find(|a| !a.is_empty())
    .unwrap_or("");
    Some(ProfileChange {
        event_time: timefmt::parse(record.event_time.as_str()),
        account: account.to_owned(),
        profile: profile.to_ascii_lowercase(),
        edit,
        event_id: record.event_id.as_str().to_owned(),
    })
}

/// Appends the non-empty strings at `path` (see [`coverage`] for the notation) in `root`.
fn strings_at<'v>(root: &'v Value, path: &str, out: &mut Vec<&'v str>) {
    let path = if let Some(rest) = path.strip_prefix("rp.") {
        ("requestParameters", rest)
    } else if let Some(rest) = path.strip_prefix("re.") {
        ("responseElements", rest)
    } else {
        return;
    };
    let Some(start) = root.get(path.0) else {
        return;
    };
    walk(start, path.1.split('.'), out);
}

fn walk<'v, 'p>(
    value: &'v Value,
    mut segments: impl Iterator<Item = &'p str> + Clone,
    out: &mut Vec<&'v str>,
) {
    let Some(segment) = segments.next() else {
        if let Some(text) = value.as_str().filter(|t| !t.trim().is_empty()) {
            out.push(text.trim());
        }
        return;
    };
    let (key, every) = match segment.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (segment, false),
    };
    let Some(next) = value.get(key) else {
        return;
    };
    match next {
        Value::Array(items) if every => {
            for item in items {
                // EC2's wrapped lists: `{"tag": n, "content": …}`.
                let item = match (item.get("tag"), item.get("content")) {
                    (Some(_), Some(content)) => content,
                    _ => item,
                };
                walk(item, segments.clone(), out);
            }
        }
        _ => walk(next, segments, out),
    }
}

#[cfg(test)]
mod tests;
