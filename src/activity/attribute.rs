//! Which hop issued each session, and so its role, its chain's origin and depth: the links of
//! `chains` ([`crate::chain::Issuers`]), asked once per session, not once per call.

use super::aggregate::{Activity, SessionActivity, fold_principal_copies};
use crate::arn;
use crate::canon::KnownRoles;
use crate::chain::{
    CallerSession, Issuers, RootIssuers, UNREAD_START, role_ids, session_id_parts, unread_start,
};
use crate::event::{LinkKind, RoleAssumption, SourceKind};
use crate::focus::ChainPlaces;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Where a session came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// The role the session wears: the issuing hop's (canonical), else the one its calls name.
    pub role_arn: String,
    pub role_account: String,
    /// The identity at the root of its chain; empty when the hop that issued it is not in the
    /// logs read, or its chain's first hop is not.
    pub origin: Arc<str>,
    /// A session whose hop was read but whose chain's first hop was not: the chain as `chains`
    /// begins it (`[... hops not read ...] -> ` and the caller of its earliest hop read, or the
    /// role that caller wore), which tells such chains apart where `origin` cannot; else empty.
    pub unread_start: Arc<str>,
    /// The depth of the hop that issued it (its calls act at that depth).
    pub depth: Option<u32>,
    pub link: LinkKind,
    /// The issuing hop, by index in the scan's events.
    pub hop: Option<usize>,
}

impl Attribution {
    /// The origin as the views print it: the chain's root, else, for a chain begun before the
    /// logs read, how `chains` begins it ([`Attribution::unread_start`]); empty when not even the
    /// session's own hop was read.
    pub fn shown_origin(&self) -> &str {
        if self.origin.is_empty() {
            &self.unread_start
        } else {
            &self.origin
        }
    }
}

/// The session as `chains` asks for the hop that issued a caller's: by its access key and
/// creation time, else its ARN; a session known only by another account's copies of its
/// calls, by its principal id (as such a copy of a hop is linked: `inferred`).
fn caller_session(session: &SessionActivity) -> CallerSession<'_> {
    match session.principal_copy() {
        None => CallerSession {
            kind: SourceKind::AssumedRole,
            access_key: &session.access_key,
            session_arn: &session.session_arn,
            principal: "",
            created: session.created,
            time: session.seen.first,
        },
        Some(copy) => CallerSession {
            kind: SourceKind::AwsAccount,
            access_key: "",
            session_arn: "",
            principal: copy.principal,
            created: None,
            time: session.seen.first,
        },
    }
}

/// Joins the sessions of `activity` known by one principal id whose minutes one hop of
/// `events` issued (or none read did): the session that hop issued, counted once
/// ([`fold_principal_copies`]).
pub(crate) fn fold_copies(activity: &mut Activity, events: &[Box<RoleAssumption>]) {
    if !activity.sessions.iter().any(|session| session.by_principal) {
        return;
    }
    let issuers = Issuers::new(events);
    fold_principal_copies(activity, |session| {
        issuers
            .find(&caller_session(session), None)
            .map(|(hop, _)| hop)
    });
}

/// Takes out of `activity` the sessions of an account's root ([`SessionActivity::is_root`])
/// that no `AssumeRoot` hop of `events` issued ([`RootIssuers::find`]) and that CloudTrail
/// does not mark as one's ([`SessionActivity::marked_assumed_root`]): the root user's own
/// sign-ins and keys put on no mask (nor can an unmarked `AssumeRoot` session whose hop is
/// not read be told from them). Their calls are counted in [`Activity::root_calls_left_out`]; the
/// timeline's rows follow their sessions.
pub(crate) fn keep_issued_root_sessions(activity: &mut Activity, events: &[Box<RoleAssumption>]) {
    if !activity.sessions.iter().any(SessionActivity::is_root) {
        return;
    }
    let issuers = RootIssuers::new(events);
    let kept: Vec<bool> = (activity.sessions.par_iter())
        .map(|session| {
            !session.is_root()
                || session.marked_assumed_root()
                || issuers.find(&caller_session(session)).is_some()
        })
        .collect();
    // Where each kept session goes, and what the others held.
    let mut new_index = Vec::with_capacity(kept.len());
    let (mut next, mut copies_gone, mut calls_gone) = (0u32, 0u64, 0u64);
    for (session, &keep) in activity.sessions.iter().zip(&kept) {
        new_index.push(keep.then_some(next));
        if keep {
            next += 1;
        } else {
            copies_gone = copies_gone.saturating_add(session.copies);
            calls_gone = calls_gone.saturating_add(session.calls);
        }
    }
    activity
        .rows
        .retain_mut(|row| match new_index[row.session as usize] {
            Some(at) => {
                row.session = at;
                true
            }
            None => false,
        });
    let mut keeps = kept.into_iter();
    activity.sessions.retain(|_| keeps.next().unwrap_or(false));
    activity.root_calls_left_out = calls_gone;
    // Their copies were no role session's calls either.
    activity.duplicates = activity.duplicates.saturating_sub(copies_gone);
}

/// Attributes each session of `sessions`, given the scan's `events` (sorted by time, chains
/// linked, roles canonical).
pub fn attribute(sessions: &[SessionActivity], events: &[Box<RoleAssumption>]) -> Vec<Attribution> {
    // The role names are gathered on one thread while the issuers are indexed on the others.
    let session_issuers = sessions.iter().map(|session| &*session.issuer_arn);
    let (roles, (issuers, root_issuers)) = rayon::join(
        || KnownRoles::with_issuers(events, session_issuers),
        || (Issuers::new(events), RootIssuers::new(events)),
    );
    // The roles of sessions known by principal id (`AROA…:name`) whose hop was not read.
    let role_ids = if sessions.iter().any(|session| session.by_principal) {
        role_ids(events)
    } else {
        HashMap::new()
    };
    let unknown: Arc<str> = Arc::from("");
    // Where chains begin, only when some chain began before the logs read.
    let places = events
        .iter()
        .any(|event| event.chain().depth.is_none())
        .then(|| ChainPlaces::of(events));
    // On all cores, in order (52k sessions at 1M records: ~130 ms on one).
    sessions
        .par_iter()
        .map(|session| {
            let found = if session.is_root() {
                (root_issuers.find(&caller_session(session))).map(|hop| (hop, LinkKind::AccessKey))
            } else {
                issuers.find(&caller_session(session), None)
            };
            match found {
                Some((hop, link)) => {
                    let event = &events[hop];
                    let unread_start = match &places {
                        Some(places) if event.chain().origin.is_empty() => {
                            Arc::from(unread_start(&events[places.root(hop)]))
                        }
                        _ => Arc::clone(&unknown),
                    };
                    Attribution {
                        unread_start,
                        role_arn: event.role_arn().to_owned(),
                        role_account: event.role_account().to_owned(),
                        origin: Arc::clone(&event.chain().origin),
                        depth: event.chain().depth,
                        link,
                        hop: Some(hop),
                    }
                }
                None if session.by_principal => {
                    // Its role by id: as a hop read that issued a session of it names it,
                    // else `account#AROA…`.
                    let (account, role_id) = session.principal_copy().map_or(("", ""), |copy| {
                        (
                            copy.account,
                            session_id_parts(copy.principal).map_or("", |(id, _)| id),
                        )
                    });
                    let role_arn = match role_ids.get(role_id) {
                        Some(role) => roles.spell(role),
                        None => format!("{account}#{role_id}"),
                    };
                    Attribution {
                        unread_start: Arc::clone(&unknown),
                        role_account: arn::account_of(&role_arn).unwrap_or(account).to_owned(),
                        role_arn,
                        origin: Arc::clone(&unknown),
                        depth: None,
                        link: LinkKind::None,
                        hop: None,
                    }
                }
                None => {
                    let named = if session.issuer_arn.is_empty() {
                        arn::role_of_session(&session.session_arn).unwrap_or_default()
                    } else {
                        session.issuer_arn.to_string()
                    };
                    let role_arn = roles.spell(&named);
                    Attribution {
                        unread_start: Arc::clone(&unknown),
                        role_account: arn::account_of(&role_arn).unwrap_or("").to_owned(),
                        role_arn,
                        origin: Arc::clone(&unknown),
                        depth: None,
                        link: LinkKind::None,
                        hop: None,
                    }
                }
            }
        })
        .collect()
}

/// The web identity provider of Cognito's identity pools.
const COGNITO_IDENTITY: &str = "cognito-identity.amazonaws.com";

/// What kind of identity a chain origin (as `chains` writes it) is: `iam-user`, `root`,
/// `aws-service`, `saml`, `web-identity`, `aws-account`, `federated-user`, `assumed-role`, or
/// `unknown` (empty, or a chain begun before the logs read: [`Attribution::shown_origin`]).
pub fn origin_kind(origin: &str) -> &'static str {
    if origin.starts_with(UNREAD_START) || origin == crate::chain::UNKNOWN_CALLER {
        return "unknown";
    }
    let (source, subject) = origin.split_once('#').unwrap_or((origin, ""));
    if source.is_empty() {
        return "unknown";
    }
    if source.contains(":saml-provider/") {
        return "saml";
    }
    if source.contains(":oidc-provider/") {
        return "web-identity";
    }
    if !subject.is_empty() {
        // `account#principal`, or a provider named by host.
        return if source.bytes().all(|b| b.is_ascii_digit()) {
            "aws-account"
        } else {
            "web-identity"
        };
    }
    // Cognito's identity pools are a web identity provider named by an AWS host: an origin of
    // theirs without a subject is no service (a red-team's, session 36).
    if source == COGNITO_IDENTITY {
        return "web-identity";
    }
    if source.ends_with(".amazonaws.com") || source.ends_with(".amazonaws.com.cn") {
        return "aws-service";
    }
    match arn::Arn::parse(source).map(|parsed| parsed.principal()) {
        Some(arn::Principal::Root) => "root",
        Some(arn::Principal::User) => "iam-user",
        Some(arn::Principal::Session) => "assumed-role",
        Some(arn::Principal::FederatedUser) => "federated-user",
        Some(_) => "unknown",
        // A provider named by host, its subject not given.
        None if source.contains('.') => "web-identity",
        None => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::origin_kind;

    #[test]
    fn origin_kinds() {
        for (origin, kind) in [
            ("arn:aws:iam::1:user/alice", "iam-user"),
            ("arn:aws:iam::1:root", "root"),
            ("ec2.amazonaws.com", "aws-service"),
            (
                "arn:aws:iam::1:saml-provider/Okta#carol@example.com",
                "saml",
            ),
            (
                "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com#repo:a/b",
                "web-identity",
            ),
            (
                "token.actions.githubusercontent.com#repo:a/b",
                "web-identity",
            ),
            ("111122223333#AIDAEXAMPLE", "aws-account"),
            ("cognito-identity.amazonaws.com", "web-identity"),
            ("token.actions.githubusercontent.com", "web-identity"),
            ("ec2.amazonaws.com.cn", "aws-service"),
            ("arn:aws:sts::1:federated-user/jane", "federated-user"),
            ("", "unknown"),
        ] {
            assert_eq!(origin_kind(origin), kind, "{origin}");
        }
    }
}
