//! What each mask did: every call made with a role session's temporary credentials
//! (`userIdentity.type` `AssumedRole`, or in the account called, its copy naming the caller
//! by principal id: [`PrincipalCopy`]), or with an `AssumeRoot` session's (`Root`, with the
//! key that hop returned), attributed to the session, its role (the account's root), and the
//! identity at the root of its chain.
//!
//! Calls are aggregated while they are read ([`aggregate`]): each worker keeps, per file, one
//! entry per session and per (session, action), never one per call, except what
//! de-duplication needs (each call's `eventID`, until the merge) and, when the timeline is
//! asked for (`activity --calls`), the rows it prints. After every file is read the workers'
//! aggregates are merged, copies of a call (an organization trail and an account's own trail
//! deliver the same record twice) are taken out (the copy of the first file by path is
//! kept), and each session is
//! attributed ([`attribute`]) with the same links as `chains`: the hop that issued its access
//! key at its creation time, else its session ARN within the session's lifetime.
//!
//! The console's `SwitchRole` sign-in record is the hop itself, not activity; every other call
//! a session makes is, including the `AssumeRole` calls it makes to chain further.

pub mod aggregate;
pub mod attribute;
pub mod findings;
pub mod network;

use crate::filter::Window;
use crate::read::records::{
    CallHead, CallRecord, CallerIdentity, Record, SessionContext, UserIdentity,
};
use crate::timefmt;
use chrono::{DateTime, Utc};

/// One call made with a role session, borrowed from its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call<'r> {
    pub time: Option<DateTime<Utc>>,
    pub event_source: &'r str,
    pub event_name: &'r str,
    pub error_code: &'r str,
    /// `readOnly` as written: `true`, `false`, or empty when not said.
    pub read_only: &'r str,
    pub source_ip: &'r str,
    pub user_agent: &'r str,
    pub event_id: &'r str,
    /// The id the copies of a cross-account call share (each account's copy has its own
    /// `eventID`).
    pub shared_event_id: &'r str,
    pub recipient: &'r str,
    /// The session: its ARN, access key and creation time as written.
    pub session_arn: &'r str,
    pub access_key: &'r str,
    pub created: &'r str,
    /// `sessionContext.sessionIssuer.arn`: the role (with its path).
    pub issuer_arn: &'r str,
    /// Another account's copy of the call: the caller's account and principal id.
    pub copy_of: Option<PrincipalCopy<'r>>,
}

/// The session a call was made in, as its `userIdentity` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller<'r> {
    /// The session's ARN, access key and creation time as written (empty in another
    /// account's copy).
    pub session_arn: &'r str,
    pub access_key: &'r str,
    pub created: &'r str,
    /// `sessionContext.sessionIssuer.arn`: the role (with its path).
    pub issuer_arn: &'r str,
    /// Another account's copy of the call: who made it, as that copy names the caller.
    pub copy_of: Option<PrincipalCopy<'r>>,
}

/// How the account a role session called into names it in its own copy of the call
/// (`userIdentity` `{"type":"AWSAccount","principalId":"AROA…:name","accountId":…}`): no
/// ARN, no access key, no creation time, only the session's account and principal id (its
/// role's id, then its name). CloudTrail delivers such a copy of a cross-account call to the
/// account called, beside the caller's own record of it (the two share `sharedEventID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PrincipalCopy<'r> {
    /// `accountId`: the account of the caller's role.
    pub account: &'r str,
    /// `principalId`: `AROA…:name`.
    pub principal: &'r str,
}

impl PrincipalCopy<'_> {
    /// The session as chains name such a caller: `account#AROA…:name`.
    pub fn session_name(&self) -> String {
        format!("{}#{}", self.account, self.principal)
    }
}

/// The [`Caller`] of a `userIdentity` of either type ([`UserIdentity`] or
/// [`CallerIdentity`]: the same field names), or `None` (another kind of caller than a role
/// session).
macro_rules! caller_of {
    ($identity:expr) => {{
        let identity = $identity;
        match identity.kind.as_str() {
            "AssumedRole" => {
                let context = identity.session_context.get();
                Some(Caller {
                    session_arn: identity.arn.as_str(),
                    access_key: identity.access_key_id.as_str(),
                    created: created_of(context),
                    issuer_arn: issuer_of(context),
                    copy_of: None,
                })
            }
            // An account's root with a key: an `AssumeRoot` session's call, or the root user's
            // own (a sign-in's, or a long-term key's); only those of a session an
            // `AssumeRoot` hop read issued, or that CloudTrail marks as such
            // (`sessionContext.assumedRoot` `"true"`), are kept
            // ([`attribute::keep_issued_root_sessions`]). A marked session is issued by its
            // account's root: its issuer is the root's ARN ([`SessionActivity::is_root`]).
            // A marked call that writes no key is its session's too (keyed by its creation
            // time); an unmarked one without a key is the root user's own (a sign-in's).
            "Root"
                if crate::arn::Arn::parse(identity.arn.as_str())
                    .is_some_and(|arn| arn.principal() == crate::arn::Principal::Root) =>
            {
                let context = identity.session_context.get();
                let marked = context.is_some_and(|c| c.assumed_root.as_str() == "true");
                let access_key = identity.access_key_id.as_str();
                (marked || !access_key.is_empty()).then(|| Caller {
                    session_arn: identity.arn.as_str(),
                    access_key,
                    created: created_of(context),
                    issuer_arn: if marked { identity.arn.as_str() } else { "" },
                    copy_of: None,
                })
            }
            "AWSAccount" => {
                let copy = PrincipalCopy {
                    account: identity.account_id.as_str(),
                    principal: identity.principal_id.as_str(),
                };
                (!copy.account.is_empty() && crate::chain::is_session_id(copy.principal)).then_some(
                    Caller {
                        session_arn: "",
                        access_key: "",
                        created: "",
                        issuer_arn: "",
                        copy_of: Some(copy),
                    },
                )
            }
            _ => None,
        }
    }};
}

impl<'r> Caller<'r> {
    /// The role session a call's `userIdentity` names (itself, or in another account's copy
    /// its principal id), or `None` (another kind of caller).
    pub(crate) fn of_identity(identity: &'r CallerIdentity) -> Option<Caller<'r>> {
        caller_of!(identity)
    }

    fn of_user_identity(identity: &'r UserIdentity) -> Option<Caller<'r>> {
        caller_of!(identity)
    }
}

/// The [`Call`] of a record of any of the three types ([`Record`], [`CallRecord`],
/// [`CallHead`]: the same field names) made by `caller`, or `None` for the console's
/// `SwitchRole` (a hop).
macro_rules! call_of {
    ($record:expr, $caller:expr) => {{
        let record = $record;
        if crate::event::EventName::of_record(
            record.event_name.as_str(),
            record.event_source.as_str(),
        ) == Some(crate::event::EventName::SwitchRole)
        {
            return None;
        }
        let caller: Caller = $caller;
        Some(Call {
            // A Logstash export may carry the time as `@timestamp` only, as for hops.
            time: parse_time(record.event_time.as_str())
                .or_else(|| parse_time(record.logstash_timestamp.as_str())),
            event_source: record.event_source.as_str(),
            event_name: record.event_name.as_str(),
            error_code: record.error_code.as_str(),
            read_only: record.read_only.as_str(),
            source_ip: record.source_ip_address.as_str(),
            user_agent: record.user_agent.as_str(),
            event_id: record.event_id.as_str(),
            shared_event_id: record.shared_event_id.as_str(),
            recipient: record.recipient_account_id.as_str(),
            session_arn: caller.session_arn,
            access_key: caller.access_key,
            created: caller.created,
            issuer_arn: caller.issuer_arn,
            copy_of: caller.copy_of,
        })
    }};
}

impl<'r> Call<'r> {
    /// The call a record made with a role session, or `None` (another kind of caller, or the
    /// console's `SwitchRole`, which is a hop).
    pub(crate) fn of_record(record: &'r Record) -> Option<Call<'r>> {
        let caller = Caller::of_user_identity(record.user_identity.get()?)?;
        call_of!(record, caller)
    }

    /// [`Call::of_record`] for the lighter [`CallRecord`].
    pub(crate) fn of_call_record(record: &'r CallRecord) -> Option<Call<'r>> {
        let caller = Caller::of_identity(record.user_identity.get()?)?;
        call_of!(record, caller)
    }

    /// The call of a [`CallHead`] whose `userIdentity` names `caller` (read apart).
    pub(crate) fn of_head(record: &'r CallHead, caller: Caller<'r>) -> Option<Call<'r>> {
        call_of!(record, caller)
    }

    /// True when the call was refused (or failed): it has an error code.
    pub fn failed(&self) -> bool {
        !self.error_code.is_empty()
    }

    /// True when the call may change something: `readOnly` is not `true` (calls that do not
    /// say are counted as writes: the cautious reading).
    pub fn writes(&self) -> bool {
        self.read_only != "true"
    }

    /// True when the call's user agent names a Lambda execution environment
    /// (`exec-env/AWS_Lambda_python3.12`, `…_Image`): the SDKs add `AWS_EXECUTION_ENV`, which
    /// Lambda sets in every function's environment. Tempers `session-many-networks`: a
    /// function outside a VPC calls from AWS's own, changing, addresses.
    pub fn in_lambda(&self) -> bool {
        static MARK: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(LAMBDA_AGENT));
        MARK.find(self.user_agent.as_bytes()).is_some()
    }
}

/// What a Lambda execution environment's calls carry in their user agent ([`Call::in_lambda`]).
pub const LAMBDA_AGENT: &str = "exec-env/AWS_Lambda_";

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    timefmt::parse(text)
}

fn created_of<'r>(context: Option<&'r SessionContext<'r>>) -> &'r str {
    context
        .and_then(|c| c.attributes.get())
        .map_or("", |a| a.creation_date.as_str())
}

fn issuer_of<'r>(context: Option<&'r SessionContext<'r>>) -> &'r str {
    context
        .and_then(|c| c.session_issuer.get())
        .filter(|issuer| issuer.kind.as_str() != "IAMUser")
        .map_or("", |issuer| issuer.arn.as_str())
}

/// Which calls the reader counts and whether it keeps the timeline. The filters that apply
/// to calls, not to sessions (the run's [`Window`]), are applied while reading: a session's
/// counts are then those of the calls kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallCounting {
    pub window: Window,
    /// Keep one row per call (`activity --calls`).
    pub timeline: bool,
}

impl CallCounting {
    /// True when `call` is counted.
    pub fn keeps(&self, call: &Call) -> bool {
        self.window.keeps(call.time, call.failed())
    }
}
