//! `session-many-networks`: one session's key used from more than one network (see the
//! README for what counts as a network, and the false positives).

use super::{Finding, Kind, Severity, plural, proof};
use crate::activity::LAMBDA_AGENT;
use crate::activity::aggregate::{MAX_LISTED, SessionActivity};
use crate::activity::attribute::{Attribution, origin_kind};
use crate::activity::network::{Network, network_of};
use crate::arn;
use crate::event::RoleAssumption;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// True for an EC2 instance id (`i-` and 8 or 17 hexadecimal digits): the name EC2 gives the
/// sessions of an instance's role.
pub(super) fn is_instance_id(name: &str) -> bool {
    name.strip_prefix("i-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Lambda's service principal: the origin of a function's sessions.
const LAMBDA_SERVICE: &str = "lambda.amazonaws.com";

/// Which of a session's calls (from any network, private ones too: not from an AWS service
/// acting for it) name a Lambda execution environment in their user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LambdaAgents {
    All,
    /// Some do, others do not.
    Mixed,
    NoCall,
    /// Every call of the networks kept, but some networks were left out (the cap).
    Unknown,
}

/// Weighs the calls of each network (`(calls, of them Lambda's)`), `dropped` when networks
/// were left out by the cap.
fn weigh_lambda_agents(agents: &BTreeMap<Network, (u64, u64)>, dropped: bool) -> LambdaAgents {
    let (calls, lambda) =
        (agents.values()).fold((0, 0), |(calls, lambda), (c, l)| (calls + c, lambda + l));
    match lambda {
        0 => LambdaAgents::NoCall,
        _ if lambda < calls => LambdaAgents::Mixed,
        _ if dropped => LambdaAgents::Unknown,
        _ => LambdaAgents::All,
    }
}

/// One network a session called from.
struct NetworkUse<'s> {
    calls: u64,
    first: (Option<DateTime<Utc>>, &'s str),
}

/// Sessions whose calls came from two networks or more (private addresses count only for a
/// session whose chain began at an AWS service). `events` are the scan's (for the hop that
/// issued each session). A session known only by another account's copies of its calls is
/// none: it names no key, and its principal id names every session of its role given that
/// name (a function's concurrent ones among them).
pub fn session_many_networks(
    sessions: &[(&SessionActivity, &Attribution)],
    events: &[Box<RoleAssumption>],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (session, who) in sessions.iter().filter(|(session, _)| !session.by_principal) {
        let kind = origin_kind(&who.origin);
        let instance =
            arn::session_name_of(&session.session_arn).filter(|name| is_instance_id(name));
        // A session whose issuing hop is not in the logs read, named after an instance, is
        // EC2's (a person could name a session so, but its hop would then say who it was).
        // (Its hop unread, not its chain's root: a hop read names who made the session, and
        // any role session may name those it makes `i-…`; a review's, session 39.)
        let hop_unread = who.hop.is_none();
        let by_name = hop_unread && instance.is_some();
        let from_service = kind == "aws-service" || by_name;
        let mut networks: BTreeMap<Network, NetworkUse> = BTreeMap::new();
        // Every network's calls, and of them those that name Lambda (private ones too).
        let mut agents: BTreeMap<Network, (u64, u64)> = BTreeMap::new();
        for used in &session.addresses {
            let Some(network) = network_of(&used.address) else {
                continue;
            };
            let agent = agents.entry(network).or_default();
            agent.0 += used.calls;
            agent.1 += used.lambda_calls;
            if network == Network::Private && !from_service {
                // A person's (or an unknown caller's) session seen from inside a VPN or
                // through a VPC endpoint is in no second place.
                continue;
            }
            let first = (used.first.0, &*used.first.1);
            let known = networks
                .entry(network)
                .or_insert(NetworkUse { calls: 0, first });
            known.calls += used.calls;
            known.first = known.first.min(first);
        }
        if networks.len() < 2 {
            continue;
        }
        let mut places: Vec<(&Network, &NetworkUse)> = networks.iter().collect();
        places.sort_by_key(|(network, used)| (used.first, **network));
        let mut detail = String::new();
        if by_name {
            detail.push_str(&format!(
                "named after EC2 instance {} (the hop that issued it is not in the logs read): \
                 its credentials live on the instance, and may have been lifted; ",
                instance.unwrap_or_default()
            ));
        } else if from_service {
            let how = if who.depth == Some(1) {
                "issued to"
            } else {
                "chained from a session of"
            };
            detail.push_str(&format!(
                "{how} {}: its credentials live on an instance, function or task, and may \
                 have been lifted; ",
                who.origin
            ));
        }
        if !session.access_key.is_empty() {
            detail.push_str(&format!("key {}: ", session.access_key));
        }
        let listed: Vec<String> = places
            .iter()
            .map(|(network, used)| {
                // Private networks are summed over those listed: with some cut from the
                // list, their calls are more than that sum.
                let at_least = if **network == Network::Private && session.addresses_dropped {
                    "at least "
                } else {
                    ""
                };
                format!("{network} ({at_least}{})", plural(used.calls, "call"))
            })
            .collect();
        detail.push_str(&format!(
            "calls from {} networks: {}",
            places.len(),
            listed.join(", ")
        ));
        if session.addresses_dropped {
            detail.push_str(&format!(
                "; more than {MAX_LISTED} networks of a kind (private, or not), only the first \
                 {MAX_LISTED} by text kept"
            ));
        }
        // A function outside a VPC calls from AWS's own addresses, which change between its
        // execution environments: where every call says it came from one, the finding is
        // what that looks like, and low; where some do and some do not, the calls that do
        // not are what to look at.
        // Networks left out by the cap may hold calls that do not say so: then nothing is
        // lowered. A session EC2 named is an instance's, whatever its calls say.
        let lambda = weigh_lambda_agents(&agents, session.addresses_dropped);
        let from_lambda = lambda == LambdaAgents::All
            && (who.origin.as_ref() == LAMBDA_SERVICE || (hop_unread && !by_name));
        match lambda {
            LambdaAgents::All => detail.push_str(&format!(
                "; every call's user agent names a Lambda execution environment \
                 ({LAMBDA_AGENT}…): {}",
                if from_lambda {
                    "likely a function outside a VPC, which calls from AWS's changing addresses"
                } else if by_name {
                    "yet the session is named after an EC2 instance"
                } else {
                    "yet the session is not Lambda's"
                }
            )),
            LambdaAgents::Mixed => {
                let without: Vec<String> = (agents.iter())
                    .filter(|(_, (calls, lambda))| lambda < calls)
                    .map(|(network, (calls, lambda))| {
                        format!("{network} ({})", plural(calls - lambda, "call"))
                    })
                    .collect();
                detail.push_str(&format!(
                    "; calls whose user agent names no Lambda execution environment, where \
                     others' do: {}",
                    without.join(", ")
                ));
            }
            LambdaAgents::Unknown => detail.push_str(&format!(
                "; every call of the networks kept names a Lambda execution environment \
                 ({LAMBDA_AGENT}…) in its user agent, but not every network was kept"
            )),
            LambdaAgents::NoCall => {}
        }
        let issued = who
            .hop
            .and_then(|hop| events.get(hop))
            .map(|event| event.event_id());
        findings.push(Finding {
            id: String::new(),
            kind: Kind::SessionManyNetworks,
            severity: if from_lambda {
                Severity::Low
            } else if from_service {
                Severity::High
            } else {
                Severity::Medium
            },
            subject: session.session_arn.to_string(),
            detail,
            first_seen: session.seen.first,
            last_seen: session.seen.last,
            count: places.len() as u64,
            event_ids: proof(
                issued
                    .into_iter()
                    .chain(places.iter().map(|(_, u)| u.first.1)),
            ),
            anchor: format!("{}\0{}", session.access_key, session.created_text),
        });
    }
    findings
}
