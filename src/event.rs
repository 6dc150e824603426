//! The role-assumption model, and its extraction from one CloudTrail record.
//!
//! A [`RoleAssumption`] says who (the source identity) put on which mask (role, root or
//! federated user), when, from where, with what outcome, and which session it got. Its fields
//! are strings, empty when CloudTrail did not say, packed in one allocation per event; they are
//! exactly the columns of `trailmask events`.

use crate::arn;
use crate::chain::session_id_parts;
use crate::json::Text;
use crate::read::records::{Record, RequestParameters, UserIdentity};
use crate::timefmt;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::sync::Arc;

/// The STS and sign-in events that put on a mask: declared here once, with [`EventName::ALL`]
/// and [`EventName::as_str`] beside the variants. Every other form is derived from them: the
/// 8-byte heads the splitter compares values with ([`EventName::HEADS`]), the exact-name check
/// and the substring patterns of the reading layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventName {
    AssumeRole,
    AssumeRoleWithSaml,
    AssumeRoleWithWebIdentity,
    AssumeRoot,
    GetFederationToken,
    GetSessionToken,
    SwitchRole,
}

impl EventName {
    /// Every name, in report order.
    pub const ALL: [EventName; 7] = [
        EventName::AssumeRole,
        EventName::AssumeRoleWithSaml,
        EventName::AssumeRoleWithWebIdentity,
        EventName::AssumeRoot,
        EventName::GetFederationToken,
        EventName::GetSessionToken,
        EventName::SwitchRole,
    ];

    /// The longest a session this call gives can last, in seconds: 12 hours for a role
    /// session (a chained one lasts less), 15 minutes for `AssumeRoot`'s (STS refuses a longer
    /// `DurationSeconds`), 36 hours for the tokens of `GetFederationToken` and
    /// `GetSessionToken`.
    pub const fn longest_session_seconds(self) -> u32 {
        match self {
            EventName::AssumeRoot => 900,
            EventName::GetFederationToken | EventName::GetSessionToken => 36 * 3600,
            _ => 12 * 3600,
        }
    }

    /// How long a session this call gives lasts when its request names no
    /// `DurationSeconds`: one hour for a role, 15 minutes for `AssumeRoot`, 12 hours for the
    /// tokens.
    const fn default_session_seconds(self) -> u32 {
        match self {
            EventName::AssumeRoot => 900,
            EventName::GetFederationToken | EventName::GetSessionToken => 12 * 3600,
            _ => 3600,
        }
    }

    /// The name as CloudTrail writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventName::AssumeRole => "AssumeRole",
            EventName::AssumeRoleWithSaml => "AssumeRoleWithSAML",
            EventName::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentity",
            EventName::AssumeRoot => "AssumeRoot",
            EventName::GetFederationToken => "GetFederationToken",
            EventName::GetSessionToken => "GetSessionToken",
            EventName::SwitchRole => "SwitchRole",
        }
    }

    /// The distinct first eight bytes of the names, each as the little-endian word they make
    /// (every name is longer than eight bytes): a value whose first eight bytes are none of
    /// these names no event.
    pub const HEADS: [u64; EventName::head_count()] = EventName::heads();

    /// The first eight bytes of `name`'s text as a word.
    const fn head(name: EventName) -> u64 {
        let text = name.as_str().as_bytes();
        assert!(text.len() > 8, "every name is longer than its head");
        let mut word = [0u8; 8];
        let mut i = 0;
        while i < 8 {
            word[i] = text[i];
            i += 1;
        }
        u64::from_le_bytes(word)
    }

    /// True when a name before `ALL[index]` has the same head.
    const fn head_seen_before(index: usize) -> bool {
        let mut i = 0;
        while i < index {
            if EventName::head(EventName::ALL[i]) == EventName::head(EventName::ALL[index]) {
                return true;
            }
            i += 1;
        }
        false
    }

    const fn head_count() -> usize {
        let (mut count, mut i) = (0, 0);
        while i < EventName::ALL.len() {
            count += !EventName::head_seen_before(i) as usize;
            i += 1;
        }
        count
    }

    const fn heads() -> [u64; EventName::head_count()] {
        let mut heads = [0; EventName::head_count()];
        let (mut next, mut i) = (0, 0);
        while i < EventName::ALL.len() {
            if !EventName::head_seen_before(i) {
                heads[next] = EventName::head(EventName::ALL[i]);
                next += 1;
            }
            i += 1;
        }
        heads
    }

    /// True when `name` is exactly one of the names.
    #[inline]
    pub fn is_name(name: &[u8]) -> bool {
        EventName::ALL
            .iter()
            .any(|known| known.as_str().as_bytes() == name)
    }

    /// Reads a CloudTrail `eventName` (surrounding spaces, seen in AWS samples, are ignored).
    pub fn parse(text: &str) -> Option<EventName> {
        let text = text.trim();
        EventName::ALL
            .into_iter()
            .find(|name| name.as_str() == text)
    }

    /// The `eventSource` CloudTrail gives this call: sign-in for the console's `SwitchRole`,
    /// STS for the others.
    pub const fn service(self) -> &'static str {
        match self {
            EventName::SwitchRole => "signin.amazonaws.com",
            _ => "sts.amazonaws.com",
        }
    }

    /// Reads a record's `eventName` as [`EventName::parse`] does, when its `eventSource` is
    /// the name's [`service`](EventName::service) or is not given. A sign-in record named
    /// `AssumeRole` (seen in edited test fixtures) is no hop, nor is an STS record named
    /// `SwitchRole`: both are calls like any other.
    pub fn of_record(name: &str, source: &str) -> Option<EventName> {
        let event_name = EventName::parse(name)?;
        let source = source.trim();
        (source.is_empty() || source == event_name.service()).then_some(event_name)
    }

    /// True for the calls that give a role session (the masks in the graph).
    pub fn assumes_role(self) -> bool {
        matches!(
            self,
            EventName::AssumeRole
                | EventName::AssumeRoleWithSaml
                | EventName::AssumeRoleWithWebIdentity
                | EventName::SwitchRole
        )
    }
}

/// A set of [`EventName`]s, iterated in their order: one bit each, so an edge's names cost
/// no allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventNames(u8);

impl EventNames {
    pub fn insert(&mut self, name: EventName) {
        self.0 |= 1 << name as u8;
    }

    pub fn contains(self, name: EventName) -> bool {
        self.0 & 1 << name as u8 != 0
    }

    /// The names in the set, in [`EventName::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = EventName> {
        EventName::ALL
            .into_iter()
            .filter(move |&name| self.contains(name))
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Whether STS granted the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// What kind of identity asked to wear the mask (from `userIdentity.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    IamUser,
    Root,
    AssumedRole,
    AwsService,
    Saml,
    WebIdentity,
    /// The copy of a cross-account call delivered to the role's account: the caller is named
    /// only by account and principal id.
    AwsAccount,
    FederatedUser,
    /// CloudTrail named no identity trailmask can classify.
    Unknown,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::IamUser => "iam-user",
            SourceKind::Root => "root",
            SourceKind::AssumedRole => "assumed-role",
            SourceKind::AwsService => "aws-service",
            SourceKind::Saml => "saml",
            SourceKind::WebIdentity => "web-identity",
            SourceKind::AwsAccount => "aws-account",
            SourceKind::FederatedUser => "federated-user",
            SourceKind::Unknown => "unknown",
        }
    }

    /// Classifies a principal by its ARN alone (`SwitchFrom`, records without a type).
    fn of_arn(arn: &str) -> SourceKind {
        match arn::Arn::parse(arn).map(|parsed| parsed.principal()) {
            Some(arn::Principal::Root) => SourceKind::Root,
            Some(arn::Principal::User) => SourceKind::IamUser,
            Some(arn::Principal::Session) => SourceKind::AssumedRole,
            Some(arn::Principal::FederatedUser) => SourceKind::FederatedUser,
            Some(arn::Principal::Other) | None => SourceKind::Unknown,
        }
    }

    /// True for federation through an identity provider.
    fn is_federation(self) -> bool {
        matches!(self, SourceKind::Saml | SourceKind::WebIdentity)
    }
}

/// How a chained assumption was linked to the event that created its caller's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub enum LinkKind {
    /// Not linked (not a chained call, or its parent is not in the logs read).
    #[default]
    None,
    /// The caller's access key was issued by the parent, at the session's creation time.
    AccessKey,
    /// Inferred from the session ARN and a time window.
    Inferred,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::None => "",
            LinkKind::AccessKey => "access-key",
            LinkKind::Inferred => "inferred",
        }
    }
}

/// Where a role assumption sits in its chain (filled by [`crate::chain::link_chains`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainInfo {
    /// 1 for a hop made by a non-session identity, n for the n-th hop, `None` when unknown.
    pub depth: Option<u32>,
    /// The identity at the root of the chain, empty when unknown.
    pub origin: Arc<str>,
    /// The `eventID` of the event that created the caller's session.
    pub parent_event_id: String,
    /// Index of that event in the scan's event list.
    pub parent: Option<usize>,
    pub link: LinkKind,
}

/// One act of putting on a mask.
///
/// Its text fields (read with the methods of the same names, e.g. [`RoleAssumption::role_arn`])
/// are kept in one allocation, [`TextFields`]: an event costs one allocation instead of one
/// per field, and sorting and writing the events read contiguous memory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleAssumption {
    pub event_time: Option<DateTime<Utc>>,
    pub event_name: EventName,
    pub outcome: Outcome,
    pub source_kind: SourceKind,
    /// `Some(true)` when the source's and role's accounts are both known and differ.
    pub cross_account: Option<bool>,
    /// For a session caller: `sessionContext.attributes.creationDate`.
    pub caller_session_created: Option<DateTime<Utc>>,
    /// How long the session it gives lasts, in seconds: the request's `durationSeconds`, else
    /// STS's default for the call; 0 when the record does not say (no request recorded, as
    /// for a console switch), when the session may last the longest its kind can
    /// ([`RoleAssumption::session_lasts_seconds`]).
    pub session_seconds: u32,
    pub text: TextFields,
    /// Where the event sits in its chain, once [`crate::chain::link_chains`] has linked it
    /// (only the listings ask for that): boxed, so that an event never linked carries 8 bytes
    /// for it instead of 72 (70k events at 1M records: 4.5 MB). Read it with
    /// [`RoleAssumption::chain`].
    pub chain: Option<Box<ChainInfo>>,
    /// The file the record was read from.
    pub log_file: Arc<str>,
}

/// Declares the text fields once: the borrowed [`Texts`] that builds them, the packed
/// [`TextFields`], and an accessor on [`RoleAssumption`] for each.
macro_rules! text_fields {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// The text fields of a [`RoleAssumption`] by name, borrowed: what
        /// [`TextFields::new`] packs. Empty when CloudTrail did not say.
        #[derive(Debug, Default, Clone, Copy)]
        pub struct Texts<'a> {
            $($(#[$doc])* pub $name: &'a str,)*
        }

        #[allow(non_camel_case_types)]
        enum Field {
            $($name,)*
        }

        const FIELD_COUNT: usize = [$(Field::$name),*].len();

        impl Texts<'_> {
            fn in_order(&self) -> [&str; FIELD_COUNT] {
                [$(self.$name),*]
            }
        }

        impl RoleAssumption {
            $($(#[$doc])* pub fn $name(&self) -> &str {
                self.text.get(Field::$name as usize)
            })*

            /// All text fields, borrowed: to build a changed copy with [`TextFields::new`].
            pub fn texts(&self) -> Texts<'_> {
                Texts {
                    $($name: self.$name(),)*
                }
            }
        }
    };
}

text_fields! {
    event_id,
    error_code,
    /// User or root ARN, session ARN, service principal, identity provider, or principal id.
    source,
    /// SAML or OIDC subject.
    source_subject,
    source_account,
    /// The role put on; `arn:…:root` for `AssumeRoot`; empty for the `Get*Token` calls.
    role_arn,
    role_account,
    session_name,
    /// The assumed-role (or federated-user) session the call created.
    session_arn,
    source_ip,
    user_agent,
    aws_region,
    recipient_account,
    caller_access_key,
    issued_access_key,
    source_identity,
    mfa_authenticated,
    shared_event_id,
    /// For a session caller: the role that issued its session.
    caller_role_arn,
    /// And that role's id (`AROA…`), as its `sessionIssuer` gives it (else the caller's
    /// principal id does, before its `:`): how another account's copy names the role. Empty
    /// for a console switch, whose record gives the new session's ids only.
    caller_role_id,
    /// The principal id of the session the call created
    /// (`responseElements.assumedRoleUser.assumedRoleId`, `AROA…:name`): how another
    /// account's copy of that session's calls names it (`AWSAccount` callers).
    session_principal,
}

/// The text fields of one event in a single string, with where each ends. Ordered field by
/// field, in the order of [`Texts`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextFields {
    text: Box<str>,
    ends: [u32; FIELD_COUNT],
}

impl TextFields {
    /// The bytes of text held.
    pub fn byte_len(&self) -> usize {
        self.text.len()
    }

    pub fn new(texts: &Texts) -> Self {
        let parts = texts.in_order();
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0; FIELD_COUNT];
        let mut len = 0_u32;
        for (end, part) in ends.iter_mut().zip(parts) {
            // Fields past 4 GiB are left empty: only a record that large, read with a
            // --max-file-size above it, could reach them.
            if let Some(grown) = u32::try_from(part.len())
                .ok()
                .and_then(|n| len.checked_add(n))
            {
                // Half the fields are usually empty: no call to copy nothing.
                if !part.is_empty() {
                    text.push_str(part);
                }
                len = grown;
            }
            *end = len;
        }
        TextFields {
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn get(&self, field: usize) -> &str {
        let start = field.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.text[start as usize..self.ends[field] as usize]
    }

    fn fields(&self) -> impl Iterator<Item = &str> {
        (0..FIELD_COUNT).map(|field| self.get(field))
    }
}

impl Ord for TextFields {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.fields().cmp(other.fields())
    }
}

impl PartialOrd for TextFields {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// How many events ahead [`prefetch_ahead`] asks for an event's text (and twice that for the
/// event itself): far enough for a fetch from memory to arrive, near enough for the lines to
/// still be in the cache when they are read (4 to 10 measured alike at 1M records).
const PREFETCH_DISTANCE: usize = 6;

/// How much of an event's text [`prefetch_ahead`] asks for: a typical event's text is ~370
/// bytes, and a huge field (a user agent is anyone's to write) should not make one hint cost
/// thousands of lines.
const PREFETCH_TEXT: usize = 1024;

/// For a pass reading `events` in order, now at `at`: asks the CPU for the memory of the
/// events a little further on ([`crate::prefetch`]). The events are far apart in memory and
/// each is read through two pointers (the list's, then the event's to its text and chain
/// information), which the hardware prefetcher cannot follow: an event's own lines are asked
/// for first, what they point to once they have had time to arrive. At 1M records this takes
/// naming the graph's nodes from ~13.5 to ~10 ms.
pub fn prefetch_ahead(events: &[&RoleAssumption], at: usize) {
    if let Some(event) = events.get(at + 2 * PREFETCH_DISTANCE) {
        crate::prefetch::prefetch_value(*event);
    }
    if let Some(event) = events.get(at + PREFETCH_DISTANCE) {
        let text = event.text.text.as_bytes();
        crate::prefetch::prefetch_bytes(&text[..text.len().min(PREFETCH_TEXT)]);
        if let Some(chain) = &event.chain {
            crate::prefetch::prefetch_value(&**chain);
        }
    }
}

/// What [`RoleAssumption::chain`] gives for an event not linked.
static UNLINKED: std::sync::LazyLock<ChainInfo> = std::sync::LazyLock::new(ChainInfo::default);

impl RoleAssumption {
    /// How long, at most, the session this event gave lasts, in seconds: what it asked for
    /// ([`RoleAssumption::session_seconds`]), never more than its kind allows, and that
    /// longest when the record does not say.
    pub fn session_lasts_seconds(&self) -> i64 {
        let longest = self.event_name.longest_session_seconds();
        i64::from(match self.session_seconds {
            0 => longest,
            asked => asked.min(longest),
        })
    }
}

impl RoleAssumption {
    /// Where the event sits in its chain: all unknown until the chains are linked.
    pub fn chain(&self) -> &ChainInfo {
        self.chain.as_deref().unwrap_or(&UNLINKED)
    }

    /// The identity this event names as the root of a chain when it is a first hop:
    /// `provider#subject` for federation, `account#principal-id` for a caller CloudTrail names
    /// only by account, the source otherwise.
    pub fn origin_label(&self) -> String {
        if matches!(
            self.source_kind,
            SourceKind::Saml | SourceKind::WebIdentity | SourceKind::AwsAccount
        ) && !self.source_subject().is_empty()
        {
            format!("{}#{}", self.source(), self.source_subject())
        } else {
            self.source().to_owned()
        }
    }

    /// The mask: the role, or for the `Get*Token` calls the session they create.
    pub fn target(&self) -> &str {
        if self.role_arn().is_empty() {
            self.session_arn()
        } else {
            self.role_arn()
        }
    }
}

#[cfg(test)]
impl RoleAssumption {
    /// For unit tests: a successful `AssumeRole` by an IAM user with these text fields and
    /// nothing else known; a test sets what it needs with `RoleAssumption { .., ..this }`.
    pub(crate) fn with_texts(texts: &Texts) -> RoleAssumption {
        RoleAssumption {
            event_time: None,
            event_name: EventName::AssumeRole,
            outcome: Outcome::Success,
            source_kind: SourceKind::IamUser,
            cross_account: None,
            caller_session_created: None,
            session_seconds: 0,
            text: TextFields::new(texts),
            chain: None,
            log_file: Arc::from("test"),
        }
    }
}

/// A text of the record, borrowed.
fn borrowed<'r>(text: &'r Text) -> Cow<'r, str> {
    Cow::Borrowed(text.as_str())
}

/// The part of `text` that `part` picks, borrowed from the record when `text` is.
fn part_of<'r>(text: &Cow<'r, str>, part: fn(&str) -> &str) -> Cow<'r, str> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(part(text)),
        Cow::Owned(text) => Cow::Owned(part(text).to_owned()),
    }
}

/// The account of an ARN, or `""`.
fn account_in(arn: &str) -> &str {
    arn::account_of(arn).unwrap_or("")
}

/// `known`, or else `derive()`'s answer (when `known` is absent or empty).
fn or_derived<'r>(known: Option<&'r str>, derive: impl FnOnce() -> Option<String>) -> Cow<'r, str> {
    match known.filter(|k| !k.is_empty()) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(derive().unwrap_or_default()),
    }
}

/// The first non-empty text, or `""`.
fn first_of_str<'t>(texts: impl IntoIterator<Item = Option<&'t str>>) -> &'t str {
    texts
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .unwrap_or("")
}

fn first_of<'t>(texts: impl IntoIterator<Item = Option<&'t str>>) -> Cow<'t, str> {
    Cow::Borrowed(first_of_str(texts))
}

/// The role named in an AccessDenied message, for failures whose `requestParameters` is null:
/// `… is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/x`.
pub(crate) fn role_in_error_message(message: &str) -> Option<&str> {
    resource_in_error_message(message).filter(|arn| arn::role_name(arn).is_some())
}

/// The account root an `AssumeRoot` refusal names (`... sts:AssumeRoot on resource:
/// arn:aws:iam::ACCOUNT:root`), or `None`.
pub(crate) fn root_in_error_message(message: &str) -> Option<&str> {
    resource_in_error_message(message).filter(|arn| {
        arn::Arn::parse(arn).is_some_and(|parsed| {
            parsed.service == "iam" && parsed.resource == "root" && !parsed.account.is_empty()
        })
    })
}

/// The resource an AccessDenied message names (`… on resource: ARN`), as written.
fn resource_in_error_message(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("on resource: ")?;
    let arn = rest.split(|c: char| c.is_whitespace()).next()?;
    Some(arn.trim_end_matches(['.', ',', '"']))
}

/// Who called, as far as the record names them: borrowed from it where it can be.
pub(crate) struct Caller<'r> {
    pub(crate) kind: SourceKind,
    pub(crate) source: Cow<'r, str>,
    pub(crate) subject: Cow<'r, str>,
    pub(crate) account: Cow<'r, str>,
}

pub(crate) fn caller<'r>(record: &'r Record, identity: Option<&'r UserIdentity>) -> Caller<'r> {
    let request = record.request_parameters.get();
    let response = record.response_elements.get();
    let Some(id) = identity else {
        return Caller {
            kind: SourceKind::Unknown,
            source: Cow::Borrowed(""),
            subject: Cow::Borrowed(""),
            account: Cow::Borrowed(""),
        };
    };
    let arn_text = id.arn.as_str();
    let kind = match id.kind.as_str() {
        "IAMUser" => SourceKind::IamUser,
        "Root" => SourceKind::Root,
        "AssumedRole" => SourceKind::AssumedRole,
        "AWSService" => SourceKind::AwsService,
        "SAMLUser" => SourceKind::Saml,
        "WebIdentityUser" => SourceKind::WebIdentity,
        "AWSAccount" => SourceKind::AwsAccount,
        "FederatedUser" => SourceKind::FederatedUser,
        _ if id.invoked_by.get().is_some() && arn_text.is_empty() => SourceKind::AwsService,
        _ if !arn_text.is_empty() => SourceKind::of_arn(arn_text),
        _ if id.account_id.get().is_some() => SourceKind::AwsAccount,
        _ => SourceKind::Unknown,
    };
    // The ARN is parsed only when `accountId` is missing.
    let account = Cow::Borrowed(
        id.account_id
            .get()
            .filter(|account| !account.is_empty())
            .or_else(|| arn::account_of(arn_text))
            .unwrap_or(""),
    );
    let (source, subject) = match kind {
        SourceKind::AwsService => {
            let ip = record.source_ip_address.as_str();
            let from_ip = ip.ends_with(".amazonaws.com").then_some(ip);
            (first_of([id.invoked_by.get(), from_ip]), Cow::Borrowed(""))
        }
        SourceKind::Saml => (
            first_of([
                request.and_then(|r| r.principal_arn.get()),
                id.identity_provider.get(),
            ]),
            first_of([id.user_name.get(), response.and_then(|r| r.subject.get())]),
        ),
        SourceKind::WebIdentity => (
            first_of([
                id.identity_provider.get(),
                response.and_then(|r| r.provider.get()),
                request.and_then(|r| r.provider_id.get()),
            ]),
            first_of([
                id.user_name.get(),
                response.and_then(|r| r.subject_from_web_identity_token.get()),
            ]),
        ),
        // Named by its account, like the graph's node for it; the principal id (`AIDA…` for
        // a user, `AROA…:session` for a role session) is its subject.
        SourceKind::AwsAccount => (account.clone(), first_of([id.principal_id.get()])),
        // Named by ARN, else by principal id; an identity that gives only its `userName`
        // (hand-written and exported records) is named by that, not left without a source.
        _ => (
            first_of([id.arn.get(), id.principal_id.get(), id.user_name.get()]),
            Cow::Borrowed(""),
        ),
    };
    Caller {
        kind,
        source,
        subject,
        account,
    }
}

/// Reads one record: a [`RoleAssumption`] when it is one of the [`EventName`]s, else `None`.
pub fn extract(record: &Record, log_file: &Arc<str>) -> Option<RoleAssumption> {
    let event_name =
        EventName::of_record(record.event_name.as_str(), record.event_source.as_str())?;
    let identity = record.user_identity.get();
    let session_context = identity.and_then(|id| id.session_context.get());
    let request = record.request_parameters.get();
    let response = record.response_elements.get();

    let switch_role = event_name == EventName::SwitchRole;
    let switch_failed = switch_role
        && response.is_some_and(|r| r.switch_role.as_str().eq_ignore_ascii_case("failure"));
    let error_code = match record.error_code.get() {
        Some(code) => code,
        None if switch_failed => "Failure",
        None => "",
    };
    let outcome = if error_code.is_empty() {
        Outcome::Success
    } else {
        Outcome::Failure
    };

    let mut found = if switch_role {
        // Console SwitchRole: the caller is the session it created; the wearer is SwitchFrom.
        let switch_from = record
            .additional_event_data
            .get()
            .map_or(Cow::Borrowed(""), |d| borrowed(&d.switch_from));
        let session_arn = identity.map_or(Cow::Borrowed(""), |id| borrowed(&id.arn));
        let issuer = session_context.and_then(|c| c.session_issuer.get());
        let role_arn = or_derived(issuer.and_then(|i| i.arn.get()), || {
            arn::role_of_session(&session_arn)
        });
        let role_account = match part_of(&role_arn, account_in) {
            account if account.is_empty() => {
                first_of([identity.and_then(|id| id.account_id.get())])
            }
            account => account,
        };
        Partial {
            caller: Caller {
                kind: SourceKind::of_arn(&switch_from),
                account: part_of(&switch_from, account_in),
                source: switch_from,
                subject: Cow::Borrowed(""),
            },
            session_name: part_of(&session_arn, |arn| arn::session_name_of(arn).unwrap_or("")),
            role_arn,
            role_account,
            // A refused switch names the session it would have made: it made none (as a
            // refused AssumeRole makes none).
            session_arn: match outcome {
                Outcome::Success => session_arn,
                Outcome::Failure => Cow::Borrowed(""),
            },
        }
    } else {
        let caller = caller(record, identity);
        let session_name = match event_name {
            EventName::GetFederationToken => first_of([request.and_then(|r| r.name.get())]),
            _ => first_of([request.and_then(|r| r.role_session_name.get())]),
        };
        let (role_arn, session_arn) = match event_name {
            EventName::AssumeRoot => {
                let target = request.map(|r| r.target_principal.as_str()).unwrap_or("");
                let account = arn::account_of(target).unwrap_or(target);
                // The target's partition when it is an ARN, else the caller's (an account id
                // in aws-cn is an aws-cn account), else the Region's.
                let partition = arn::Arn::parse(target)
                    .or_else(|| arn::Arn::parse(&caller.source))
                    .map_or_else(
                        || arn::partition_of_region(record.aws_region.as_str()),
                        |a| a.partition,
                    );
                let role = if !account.is_empty() {
                    Cow::Owned(format!("arn:{partition}:iam::{account}:root"))
                } else {
                    // A refusal with `requestParameters: null` names the root in its message.
                    first_of([record.error_message.get().and_then(root_in_error_message)])
                };
                (role, Cow::Borrowed(""))
            }
            EventName::GetFederationToken => {
                let federated = response
                    .and_then(|r| r.federated_user.get())
                    .and_then(|u| u.arn.get());
                let session_arn = or_derived(federated, || {
                    match (outcome, caller.account.is_empty(), session_name.is_empty()) {
                        (Outcome::Success, false, false) => Some(format!(
                            "arn:{}:sts::{}:federated-user/{}",
                            // The caller's partition, else the Region's (as for `AssumeRoot`).
                            arn::Arn::parse(&caller.source).map_or_else(
                                || arn::partition_of_region(record.aws_region.as_str()),
                                |a| a.partition
                            ),
                            caller.account,
                            session_name
                        )),
                        _ => None,
                    }
                });
                (Cow::Borrowed(""), session_arn)
            }
            EventName::GetSessionToken => (Cow::Borrowed(""), Cow::Borrowed("")),
            _ => {
                let role_arn = first_of([
                    request.and_then(|r| r.role_arn.get()),
                    record.error_message.get().and_then(role_in_error_message),
                ]);
                let assumed = response
                    .and_then(|r| r.assumed_role_user.get())
                    .and_then(|u| u.arn.get());
                let session_arn = or_derived(assumed, || match outcome {
                    Outcome::Success => arn::session_of_role(&role_arn, &session_name),
                    Outcome::Failure => None,
                });
                (role_arn, session_arn)
            }
        };
        let role_account = match event_name {
            EventName::GetFederationToken | EventName::GetSessionToken => caller.account.clone(),
            _ => part_of(&role_arn, account_in),
        };
        Partial {
            caller,
            session_name,
            role_arn,
            role_account,
            session_arn,
        }
    };

    // One naming rule for every output (README "Who is the caller"): a service belongs to no
    // account; an identity provider to the account in its ARN, or else the role's.
    match found.caller.kind {
        SourceKind::AwsService => found.caller.account = Cow::Borrowed(""),
        kind if kind.is_federation() => {
            found.caller.account = match part_of(&found.caller.source, account_in) {
                account if account.is_empty() => found.role_account.clone(),
                account => account,
            }
        }
        _ => {}
    }
    let cross_account = if found.caller.kind == SourceKind::AwsService {
        // A service acts in the account of the role it wears.
        (!found.role_account.is_empty()).then_some(false)
    } else {
        (!found.caller.account.is_empty() && !found.role_account.is_empty())
            .then(|| found.caller.account != found.role_account)
    };

    let caller_role_arn = match found.caller.kind {
        // A console switch made from a role session: the role that session wears (named
        // without its path, which `canon` restores), for the graph to draw the switch from.
        SourceKind::AssumedRole if switch_role => {
            Cow::Owned(arn::role_of_session(&found.caller.source).unwrap_or_default())
        }
        SourceKind::AssumedRole => {
            let issuer = session_context
                .and_then(|c| c.session_issuer.get())
                .filter(|i| i.kind.as_str() != "IAMUser")
                .and_then(|i| i.arn.get());
            or_derived(issuer, || arn::role_of_session(&found.caller.source))
        }
        _ => Cow::Borrowed(""),
    };
    let caller_role_id = match found.caller.kind {
        // A switch's record names the new session (its `userIdentity`), not the one switched
        // from: no id of that role is given (a review's, session 39: the new role's id was
        // paired with the old role's ARN, and copies of the new role's sessions were named
        // after the old).
        SourceKind::AssumedRole if switch_role => "",
        SourceKind::AssumedRole if !caller_role_arn.is_empty() => first_of_str([
            session_context
                .and_then(|c| c.session_issuer.get())
                .and_then(|i| i.principal_id.get())
                .filter(|id| id.starts_with("AROA")),
            identity
                .and_then(|id| id.principal_id.get())
                .and_then(session_id_parts)
                .map(|(role_id, _)| role_id),
        ]),
        _ => "",
    };
    let attributes = session_context.and_then(|c| c.attributes.get());

    let texts = Texts {
        event_id: record.event_id.as_str(),
        error_code,
        source: &found.caller.source,
        source_subject: &found.caller.subject,
        source_account: &found.caller.account,
        role_arn: &found.role_arn,
        role_account: &found.role_account,
        session_name: &found.session_name,
        session_arn: &found.session_arn,
        source_ip: record.source_ip_address.as_str(),
        user_agent: record.user_agent.as_str(),
        aws_region: record.aws_region.as_str(),
        recipient_account: record.recipient_account_id.as_str(),
        caller_access_key: identity.map_or("", |id| id.access_key_id.as_str()),
        issued_access_key: first_of_str([response
            .and_then(|r| r.credentials.get())
            .and_then(|c| c.access_key_id.get())]),
        source_identity: first_of_str([
            request.and_then(|r| r.source_identity.get()),
            response.and_then(|r| r.source_identity.get()),
            session_context.and_then(|c| c.source_identity.get()),
        ]),
        mfa_authenticated: first_of_str([attributes.and_then(|a| a.mfa_authenticated.get())]),
        shared_event_id: record.shared_event_id.as_str(),
        caller_role_arn: &caller_role_arn,
        caller_role_id,
        session_principal: first_of_str([response
            .and_then(|r| r.assumed_role_user.get())
            .and_then(|u| u.assumed_role_id.get())]),
    };
    Some(RoleAssumption {
        event_time: timefmt::parse(record.event_time.as_str())
            .or_else(|| timefmt::parse(record.logstash_timestamp.as_str())),
        event_name,
        outcome,
        source_kind: found.caller.kind,
        cross_account,
        caller_session_created: attributes.and_then(|a| timefmt::parse(a.creation_date.as_str())),
        session_seconds: session_seconds(event_name, request),
        text: TextFields::new(&texts),
        chain: None,
        log_file: Arc::clone(log_file),
    })
}

/// [`RoleAssumption::session_seconds`] of a call named `name` with `request` recorded.
fn session_seconds(name: EventName, request: Option<&RequestParameters>) -> u32 {
    let Some(request) = request else {
        return 0;
    };
    // Absent, STS's default; written but empty or no number, not said (a review's, session
    // 37: an empty one was taken as absent).
    match request.duration_seconds.0.as_deref() {
        None => name.default_session_seconds(),
        // A number as written (`3600`, or `3600.0` from a tool's rewrite); anything else is
        // not said.
        Some(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|seconds| seconds.is_finite() && *seconds >= 1.0)
            .map_or(0, |seconds| seconds.min(f64::from(u32::MAX)) as u32),
    }
}

struct Partial<'r> {
    caller: Caller<'r>,
    session_name: Cow<'r, str>,
    role_arn: Cow<'r, str>,
    role_account: Cow<'r, str>,
    session_arn: Cow<'r, str>,
}

#[cfg(test)]
mod tests;
