//! Which hop issued each session, and so its role, its chain's origin and depth: the links of
//! `chains` ([`crate::chain::Issuers`]), asked once per session, not once per call.

use super::aggregate::SessionActivity;
use crate::arn;
use crate::canon::KnownRoles;
use crate::chain::{CallerSession, Issuers, UNREAD_START, unread_start};
use crate::event::{LinkKind, RoleAssumption, SourceKind};
use crate::focus::ChainPlaces;
use rayon::prelude::*;
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

/// Attributes each session of `sessions`, given the scan's `events` (sorted by time, chains
/// linked, roles canonical).
pub fn attribute(sessions: &[SessionActivity], events: &[Box<RoleAssumption>]) -> Vec<Attribution> {
    // The role names are gathered on one thread while the issuers are indexed on the others.
    let (roles, issuers) = rayon::join(|| KnownRoles::of(events), || Issuers::new(events));
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
            let call = CallerSession {
                kind: SourceKind::AssumedRole,
                access_key: &session.access_key,
                session_arn: &session.session_arn,
                principal: "",
                created: session.created,
                time: session.seen.first,
            };
            match issuers.find(&call, None) {
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

/// What kind of identity a chain origin (as `chains` writes it) is: `iam-user`, `root`,
/// `aws-service`, `saml`, `web-identity`, `aws-account`, `federated-user`, `assumed-role`, or
/// `unknown` (empty, or a chain begun before the logs read: [`Attribution::shown_origin`]).
pub fn origin_kind(origin: &str) -> &'static str {
    if origin.starts_with(UNREAD_START) {
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
    if source.ends_with(".amazonaws.com") {
        return "aws-service";
    }
    match arn::Arn::parse(source).map(|parsed| parsed.principal()) {
        Some(arn::Principal::Root) => "root",
        Some(arn::Principal::User) => "iam-user",
        Some(arn::Principal::Session) => "assumed-role",
        Some(arn::Principal::FederatedUser) => "federated-user",
        _ => "unknown",
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
            ("arn:aws:sts::1:federated-user/jane", "federated-user"),
            ("", "unknown"),
        ] {
            assert_eq!(origin_kind(origin), kind, "{origin}");
        }
    }
}
