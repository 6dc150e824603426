//! `trailmask activity`: what each mask did. The calls role sessions made, aggregated while
//! read ([`crate::activity`]), attributed to their session, role and chain origin, and shown by
//! session (the default), role, origin or action, or as a timeline of calls (`--calls`).

use super::{Context, Shows, execute_activity};
use crate::accounts::AccountNames;
use crate::activity::aggregate::SessionActivity;
use crate::activity::attribute::{Attribution, attribute, origin_kind};
use crate::activity::network::address_number;
use crate::cli::{ActivityArgs, ActivityView};
use crate::exit::ExitCode;
use crate::export::{Cell, IndexedRows, Rows};
use crate::filter::{principal_name_matches, role_matches};
use crate::focus::{ChainPlaces, origin_name_matches};
use crate::timefmt::Seen;
use globset::GlobMatcher;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// How many of a session's actions the `top_actions` column names.
pub const TOP_ACTIONS: usize = 5;

/// The sessions the filters keep, each with its attribution, in output order (first call,
/// then the session's key: ARN, access key, creation time).
pub struct Sessions<'a> {
    /// Each kept session and its attribution.
    pub kept: Vec<(&'a SessionActivity, &'a Attribution)>,
    /// By index in the scan's list: kept or not.
    pub kept_index: Vec<bool>,
}

impl<'a> Sessions<'a> {
    /// Keeps the sessions of `attributed` that the run's filters and focus (and `--origin`)
    /// keep.
    pub fn of(
        context: &'a Context<'a>,
        attributed: &'a [Attribution],
        origin: Option<&GlobMatcher>,
    ) -> Self {
        let plan = context.plan;
        let filters = &plan.filters;
        let focus = &plan.focus;
        let all = &context.scan.activity.sessions;
        // Where the hops that issued sessions sit in their chains, for the filters on a
        // chain's root and depth.
        let places = (origin.is_some()
            || filters.source.is_some()
            || focus.from.is_some()
            || focus.depth.is_some())
        .then(|| ChainPlaces::of(&context.scan.events));
        let keeps = |session: &SessionActivity, who: &Attribution| {
            let accounts_ok = filters.accounts.is_empty()
                || filters
                    .accounts
                    .iter()
                    .any(|a| *a == who.role_account || session.accounts.iter().any(|s| **s == **a));
            // The chain's origin, as `--from` reads it everywhere: where the chain's first
            // hop is not in the logs read, the caller of its earliest hop read (or the
            // role it wore); where not even the session's own hop is, the session itself.
            // And as the views print it (a red-team's, session 37: a printed
            // `[... hops not read ...] -> ROLE`, given back to `--origin`, matched nothing).
            let origin_matches = |glob: &GlobMatcher| {
                if !who.origin.is_empty() {
                    return origin_name_matches(glob, &who.origin);
                }
                if !who.unread_start.is_empty()
                    && crate::focus::printed_start_matches(glob, &who.unread_start)
                {
                    return true;
                }
                match (who.hop, &places) {
                    (Some(hop), Some(places)) => places.root_matches(glob, hop),
                    _ => {
                        origin_name_matches(glob, &session.session_arn)
                            || (!who.role_arn.is_empty()
                                && origin_name_matches(glob, &who.role_arn))
                    }
                }
            };
            // Its depth as `--depth` counts hops (a session whose hop is not read is at
            // the root: 0).
            let depth = || match (who.depth, who.hop, &places) {
                (Some(depth), _, _) => depth,
                (None, Some(hop), Some(places)) => places.depth(hop),
                _ => 0,
            };
            accounts_ok
                && filters
                    .role
                    .as_ref()
                    .is_none_or(|glob| role_matches(glob, &who.role_arn))
                && filters.source.as_ref().is_none_or(|glob| {
                    origin_matches(glob)
                        || glob.is_match(&*session.session_arn)
                        || principal_name_matches(glob, &session.session_arn)
                })
                && origin.is_none_or(origin_matches)
                && focus.from.as_ref().is_none_or(origin_matches)
                && focus
                    .to
                    .as_ref()
                    .is_none_or(|glob| role_matches(glob, &who.role_arn))
                && focus.depth.is_none_or(|max| depth() <= max)
        };
        let kept_index: Vec<bool> = all
            .iter()
            .zip(attributed)
            .map(|(session, who)| keeps(session, who))
            .collect();
        let mut kept: Vec<(&SessionActivity, &Attribution)> = all
            .iter()
            .zip(attributed)
            .zip(&kept_index)
            .filter(|(_, kept)| **kept)
            .map(|(pair, _)| pair)
            .collect();
        kept.sort_by(|(a, _), (b, _)| (a.seen.first, a.key()).cmp(&(b.seen.first, b.key())));
        Sessions { kept, kept_index }
    }
}

/// `s3` for `s3.amazonaws.com`: the service an event source names.
fn service_of(event_source: &str) -> &str {
    event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(event_source)
}

/// A session's most called actions, `s3:GetObject=12` (IAM's name for the action: the
/// service, then the event name), most calls first (then by name).
/// Ordered by name as written (`service:name`) without writing every name: only the ones
/// shown are.
fn top_actions(session: &SessionActivity) -> Vec<String> {
    fn spelled<'s>((source, name): (&'s str, &'s str)) -> impl Iterator<Item = u8> + 's {
        service_of(source)
            .bytes()
            .chain(std::iter::once(b':'))
            .chain(name.bytes())
    }
    let mut actions: Vec<(u64, (&str, &str))> = session
        .actions
        .iter()
        .map(|action| (action.count.calls, (&*action.source, &*action.name)))
        .collect();
    actions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| spelled(a.1).cmp(spelled(b.1))));
    actions
        .into_iter()
        .take(TOP_ACTIONS)
        .map(|(calls, (source, name))| {
            // Spelled out piece by piece: `format!` cost ~800 instructions an action, a few
            // percent of writing 52k sessions.
            let service = service_of(source);
            let mut item = String::with_capacity(service.len() + name.len() + 22);
            item.push_str(service);
            item.push(':');
            item.push_str(name);
            item.push('=');
            item.push_str(&calls.to_string());
            item
        })
        .collect()
}

/// The event sources a session called, sorted (a call with none names no service: its
/// action still counts, as `:Name`).
fn services(session: &SessionActivity) -> Vec<&str> {
    let mut sources: Vec<&str> = session
        .actions
        .iter()
        .map(|action| &*action.source)
        .filter(|source| !source.is_empty())
        .collect();
    sources.sort_unstable();
    sources.dedup();
    sources
}

/// A session's source addresses (by number, `10.3.31.20` before `10.3.119.57`, IPv4 before
/// IPv6, then names such as `AWS Internal` as written; `…` ends a list cut at
/// [`crate::activity::aggregate::MAX_LISTED`] networks, or names, of a kind).
fn addresses(session: &SessionActivity) -> Vec<&str> {
    let mut list: Vec<&str> = session
        .addresses
        .iter()
        .map(|used| &*used.address)
        .filter(|address| !address.is_empty())
        .collect();
    list.sort_by_cached_key(|address| {
        let number = address_number(address);
        (number.is_none(), number, *address)
    });
    ended(list, session.addresses_dropped || session.names_dropped)
}

/// A session's recipient accounts (sorted; `…` ends a list cut at
/// [`crate::activity::aggregate::MAX_ACCOUNTS`]).
fn accounts(session: &SessionActivity) -> Vec<&str> {
    let list: Vec<&str> = session.accounts.iter().map(|a| &**a).collect();
    ended(list, session.accounts_dropped)
}

/// `list`, ended with `…` when it was `cut` (kept only up to its cap while reading).
fn ended(mut list: Vec<&str>, cut: bool) -> Vec<&str> {
    if cut {
        list.push("…");
    }
    list
}

/// With `--accounts FILE`, a column of the role account's name follows `role_account`.
fn with_account_name<'c>(
    names: &'c AccountNames,
    account: &'c str,
    cells: &[Cell<'c>],
    at: usize,
    emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>,
) -> io::Result<()> {
    if !names.given {
        return emit(cells);
    }
    let mut named = cells.to_vec();
    named.insert(at, Cell::Text(names.name(account).unwrap_or("")));
    emit(&named)
}

/// `columns` with `role_account_name` after `role_account` when `--accounts` names accounts.
fn named_columns(names: &AccountNames, mut columns: Vec<&'static str>) -> Vec<&'static str> {
    if let Some(at) = columns.iter().position(|&column| column == "role_account")
        && names.given
    {
        columns.insert(at + 1, "role_account_name");
    }
    columns
}

struct SessionRows<'a>(&'a Sessions<'a>, &'a AccountNames);

impl Rows for SessionRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        named_columns(
            self.1,
            vec![
                "session_arn",
                "role_arn",
                "role_account",
                "origin",
                "chain_depth",
                "link",
                "created",
                "first_call",
                "last_call",
                "calls",
                "failures",
                "write_calls",
                "services",
                "top_actions",
                "source_ips",
                "accounts",
                "access_key",
            ],
        )
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        self.each_row_in(0..self.0.kept.len(), emit)
    }
}

impl IndexedRows for SessionRows<'_> {
    fn len(&self) -> usize {
        self.0.kept.len()
    }

    fn each_row_in(
        &self,
        range: std::ops::Range<usize>,
        emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>,
    ) -> io::Result<()> {
        for &(session, who) in &self.0.kept[range] {
            let top = top_actions(session);
            let cells = [
                Cell::Text(&session.session_arn),
                Cell::Text(&who.role_arn),
                Cell::Text(&who.role_account),
                Cell::Text(who.shown_origin()),
                Cell::MaybeCount(who.depth.map(u64::from)),
                Cell::Text(who.link.as_str()),
                Cell::Time(session.created),
                Cell::Time(session.seen.first),
                Cell::Time(session.seen.last),
                Cell::Count(session.calls),
                Cell::Count(session.failures),
                Cell::Count(session.write_calls),
                Cell::List(services(session)),
                Cell::List(top.iter().map(String::as_str).collect()),
                Cell::List(addresses(session)),
                Cell::List(accounts(session)),
                Cell::Text(&session.access_key),
            ];
            with_account_name(self.1, &who.role_account, &cells, 3, emit)?;
        }
        Ok(())
    }
}

/// What a list of origins or roles says for sessions whose own is not known.
const UNKNOWN: &str = "(unknown)";

/// Counts shared by the role and origin views.
#[derive(Default)]
struct Totals<'a> {
    sessions: u64,
    calls: u64,
    failures: u64,
    write_calls: u64,
    seen: Seen,
    /// Origins (role view) or roles (origin view).
    others: BTreeSet<&'a str>,
    accounts: BTreeSet<&'a str>,
    /// A session's accounts were cut at the cap: the list ends with `…`.
    accounts_dropped: bool,
    /// Sessions whose origin is not known (role view: `(unknown)` among the origins).
    unknown: bool,
    role_account: &'a str,
}

impl<'a> Totals<'a> {
    fn add(&mut self, session: &'a SessionActivity, other: &'a str) {
        self.sessions += 1;
        self.calls += session.calls;
        self.failures += session.failures;
        self.write_calls += session.write_calls;
        self.seen.add_span(session.seen.first, session.seen.last);
        if other.is_empty() {
            self.unknown = true;
        } else {
            self.others.insert(other);
        }
        self.accounts
            .extend(session.accounts.iter().map(|account| &**account));
        self.accounts_dropped |= session.accounts_dropped;
    }

    /// The origins (role view) or roles (origin view), sorted, then `(unknown)` when a
    /// session's is not known.
    fn others(&self) -> Vec<&'a str> {
        let mut list: Vec<&str> = self.others.iter().copied().collect();
        if self.unknown {
            list.push(UNKNOWN);
        }
        list
    }

    /// The accounts, sorted, then `…` when a session's list was cut.
    fn accounts(&self) -> Vec<&'a str> {
        ended(
            self.accounts.iter().copied().collect(),
            self.accounts_dropped,
        )
    }
}

struct RoleRows<'a>(BTreeMap<&'a str, Totals<'a>>, &'a AccountNames);

impl<'a> RoleRows<'a> {
    fn of(sessions: &'a Sessions<'a>, names: &'a AccountNames) -> Self {
        let mut roles: BTreeMap<&str, Totals> = BTreeMap::new();
        for (session, who) in &sessions.kept {
            let totals = roles.entry(&who.role_arn).or_default();
            totals.role_account = &who.role_account;
            totals.add(session, who.shown_origin());
        }
        RoleRows(roles, names)
    }
}

impl Rows for RoleRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        named_columns(
            self.1,
            vec![
                "role_arn",
                "role_account",
                "sessions",
                "origins",
                "calls",
                "failures",
                "write_calls",
                "first_seen",
                "last_seen",
            ],
        )
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for (role, totals) in &self.0 {
            let cells = [
                Cell::Text(role),
                Cell::Text(totals.role_account),
                Cell::Count(totals.sessions),
                Cell::List(totals.others()),
                Cell::Count(totals.calls),
                Cell::Count(totals.failures),
                Cell::Count(totals.write_calls),
                Cell::Time(totals.seen.first),
                Cell::Time(totals.seen.last),
            ];
            with_account_name(self.1, totals.role_account, &cells, 2, emit)?;
        }
        Ok(())
    }
}

struct OriginRows<'a>(BTreeMap<&'a str, Totals<'a>>);

impl<'a> OriginRows<'a> {
    fn of(sessions: &'a Sessions<'a>) -> Self {
        let mut origins: BTreeMap<&str, Totals> = BTreeMap::new();
        for (session, who) in &sessions.kept {
            origins
                .entry(who.shown_origin())
                .or_default()
                .add(session, &who.role_arn);
        }
        OriginRows(origins)
    }
}

impl Rows for OriginRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        vec![
            "origin",
            "origin_kind",
            "sessions",
            "roles",
            "accounts",
            "calls",
            "failures",
            "write_calls",
            "first_seen",
            "last_seen",
        ]
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for (origin, totals) in &self.0 {
            emit(&[
                Cell::Text(origin),
                Cell::Text(origin_kind(origin)),
                Cell::Count(totals.sessions),
                Cell::List(totals.others()),
                Cell::List(totals.accounts()),
                Cell::Count(totals.calls),
                Cell::Count(totals.failures),
                Cell::Count(totals.write_calls),
                Cell::Time(totals.seen.first),
                Cell::Time(totals.seen.last),
            ])?;
        }
        Ok(())
    }
}

/// (origin, role, event source, event name) → (calls, failures).
struct ActionRows<'a>(BTreeMap<(&'a str, &'a str, &'a str, &'a str), (u64, u64)>);

impl<'a> ActionRows<'a> {
    fn of(sessions: &'a Sessions<'a>) -> Self {
        let mut actions: BTreeMap<_, (u64, u64)> = BTreeMap::new();
        for (session, who) in &sessions.kept {
            for action in &session.actions {
                let entry = actions
                    .entry((
                        who.shown_origin(),
                        who.role_arn.as_str(),
                        &*action.source,
                        &*action.name,
                    ))
                    .or_default();
                entry.0 += action.count.calls;
                entry.1 += action.count.failures;
            }
        }
        ActionRows(actions)
    }
}

impl Rows for ActionRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        vec![
            "origin",
            "role_arn",
            "event_source",
            "event_name",
            "calls",
            "failures",
        ]
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for ((origin, role, source, name), (calls, failures)) in &self.0 {
            emit(&[
                Cell::Text(origin),
                Cell::Text(role),
                Cell::Text(source),
                Cell::Text(name),
                Cell::Count(*calls),
                Cell::Count(*failures),
            ])?;
        }
        Ok(())
    }
}

/// The timeline: the calls of the sessions kept, in time order (`rows`: their indexes in the
/// scan's timeline).
struct CallRows<'a> {
    context: &'a Context<'a>,
    attributed: &'a [Attribution],
    rows: Vec<usize>,
}

impl Rows for CallRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        vec![
            "event_time",
            "event_source",
            "event_name",
            "error_code",
            "session_arn",
            "role_arn",
            "origin",
            "chain_depth",
            "link",
            "source_ip",
            "user_agent",
            "event_id",
            "log_file",
            "access_key",
        ]
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        self.each_row_in(0..self.rows.len(), emit)
    }
}

impl IndexedRows for CallRows<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn each_row_in(
        &self,
        range: std::ops::Range<usize>,
        emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>,
    ) -> io::Result<()> {
        let activity = &self.context.scan.activity;
        for &at in &self.rows[range] {
            let row = &activity.rows[at];
            let index = row.session as usize;
            let session = &activity.sessions[index];
            let who = &self.attributed[index];
            emit(&[
                Cell::Time(row.time),
                Cell::Text(&row.event_source),
                Cell::Text(&row.event_name),
                Cell::Text(&row.error_code),
                Cell::Text(&session.session_arn),
                Cell::Text(&who.role_arn),
                Cell::Text(who.shown_origin()),
                Cell::MaybeCount(who.depth.map(u64::from)),
                Cell::Text(who.link.as_str()),
                Cell::Text(&row.source_ip),
                Cell::Text(&row.user_agent),
                Cell::Text(&row.event_id),
                Cell::Text(&row.log_file),
                Cell::Text(&session.access_key),
            ])?;
        }
        Ok(())
    }
}

/// Runs `trailmask activity`.
pub fn run(args: &ActivityArgs, stderr: &mut dyn Write) -> ExitCode {
    let origin = match args
        .origin
        .as_deref()
        .map(|glob| crate::plan::glob("origin", glob))
        .transpose()
    {
        Ok(origin) => origin,
        Err(error) => {
            let _ = writeln!(
                stderr,
                "trailmask: error: {}",
                crate::export::table::printable(&error.to_string())
            );
            return ExitCode::Usage;
        }
    };
    let shows = if args.calls {
        Shows::Calls
    } else {
        Shows::Sessions
    };
    // `--origin` is `--from` here: for the hops the closing line counts too.
    let mut read = args.read.clone();
    if read.from.is_none() {
        read.from.clone_from(&args.origin);
    }
    execute_activity(&read, shows, stderr, &|context, wtr| {
        let attributed = attribute(&context.scan.activity.sessions, &context.scan.events);
        let sessions = Sessions::of(context, &attributed, origin.as_ref());
        let calls = sessions.kept.iter().map(|(session, _)| session.calls).sum();
        let _ = context
            .shown_sessions
            .set((sessions.kept.len() as u64, calls));
        let read = context.scan.activity.sessions.len();
        if sessions.kept.is_empty() && read > 0 {
            // As for role assumptions: an empty output that is the filters' doing is said.
            context.note(format!(
                "no session matched the filters ({} read)",
                crate::export::plural(read as u64, "session")
            ));
        } else if read == 0 && context.scan.stats.files_read > 0 {
            // The call filters act while reading (a session is what its kept calls make), so
            // an empty aggregate may be theirs: the flags are named, or `--failed-only` over a
            // trail without a refusal reads as "no role session did anything". Calls are not
            // counted before the filters, so the note does not say whether any was read (the
            // closing line says what was kept).
            let flags = context.plan.scan.calls.window.flags();
            if !flags.is_empty() {
                context.note(format!(
                    "{} kept no call made with a role session",
                    flags.join(" and ")
                ));
            }
        }
        if args.calls {
            let rows = CallRows {
                context,
                attributed: &attributed,
                rows: (0..context.scan.activity.rows.len())
                    .filter(|&at| {
                        sessions.kept_index[context.scan.activity.rows[at].session as usize]
                    })
                    .collect(),
            };
            return context.write_indexed_rows(&rows, args.format, false, wtr);
        }
        match args.by {
            ActivityView::Session => {
                let names = &context.plan.accounts;
                context.write_indexed_rows(&SessionRows(&sessions, names), args.format, false, wtr)
            }
            ActivityView::Role => {
                let rows = RoleRows::of(&sessions, &context.plan.accounts);
                context.write_rows(&rows, args.format, false, wtr)
            }
            ActivityView::Origin => {
                context.write_rows(&OriginRows::of(&sessions), args.format, false, wtr)
            }
            ActivityView::Action => {
                context.write_rows(&ActionRows::of(&sessions), args.format, false, wtr)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{addresses, services, top_actions};
    use crate::activity::Call;
    use crate::activity::aggregate::{CallAggregate, merge};
    use std::sync::Arc;

    /// A call of session `A/s`: `(event source, event name)`, with its id.
    fn call_of_a<'a>(
        (event_source, event_name): (&'a str, &'a str),
        event_id: &'a str,
    ) -> Call<'a> {
        Call {
            time: None,
            event_source,
            event_name,
            error_code: "",
            read_only: "true",
            source_ip: "10.0.0.1",
            user_agent: "",
            event_id,
            shared_event_id: "",
            recipient: "111122223333",
            session_arn: "arn:aws:sts::111122223333:assumed-role/A/s",
            access_key: "ASIA1",
            created: "",
            issuer_arn: "",
            copy_of: None,
        }
    }

    /// A new user (session 28): addresses were listed as text (`10.3.119.57;10.3.31.20`).
    #[test]
    fn source_addresses_are_listed_by_number() {
        let mut file = CallAggregate::new(false);
        let log: Arc<str> = Arc::from("log.json");
        let ips = [
            "9.9.9.9",
            "AWS Internal",
            "2001:db8::1",
            "10.3.119.57",
            "198.51.100.9",
            "10.3.31.20",
        ];
        let ids: Vec<String> = (0..ips.len()).map(|n| format!("e{n}")).collect();
        for (ip, id) in ips.iter().zip(&ids) {
            let call = Call {
                source_ip: ip,
                ..call_of_a(("s3.amazonaws.com", "GetObject"), id)
            };
            file.add(&call, &log);
        }
        let merged = merge(vec![file]);
        assert_eq!(
            addresses(&merged.sessions[0]),
            [
                "9.9.9.9",
                "10.3.31.20",
                "10.3.119.57",
                "198.51.100.9",
                "2001:db8::1",
                "AWS Internal"
            ]
        );
    }

    /// A call with no event source names no service (a red-team pass saw `;s3.amazonaws.com`).
    #[test]
    fn a_call_without_an_event_source_names_no_service() {
        let mut file = CallAggregate::new(false);
        let log: Arc<str> = Arc::from("log.json");
        for (event_source, event_id) in [("", "e1"), ("s3.amazonaws.com", "e2")] {
            file.add(&call_of_a((event_source, "GetObject"), event_id), &log);
        }
        let merged = merge(vec![file]);
        assert_eq!(services(&merged.sessions[0]), ["s3.amazonaws.com"]);
        assert_eq!(
            top_actions(&merged.sessions[0]),
            [":GetObject=1", "s3:GetObject=1"]
        );
    }

    /// Ties in calls are ordered by the action's name as written: `s3-control:…` before
    /// `s3:…` (`-` sorts before `:`), and an event source written `s3` beside
    /// `s3.amazonaws.com` by name (`s3:GetObject` before `s3:Zap`, where ordering by event
    /// source would put `s3` first).
    #[test]
    fn top_actions_by_calls_then_written_name() {
        let mut file = CallAggregate::new(false);
        let log: Arc<str> = Arc::from("log.json");
        let ids: Vec<String> = (0..10).map(|n| format!("e{n}")).collect();
        let actions = [
            ("s3.amazonaws.com", "GetObject"),
            ("s3", "Zap"),
            ("kms.amazonaws.com", "Decrypt"),
            ("s3-control.amazonaws.com", "ListJobs"),
            ("s3.amazonaws.com", "GetObject"),
            ("kms.amazonaws.com", "Decrypt"),
            ("s3-control.amazonaws.com", "ListJobs"),
            ("s3", "Zap"),
            ("ec2.amazonaws.com", "A"),
            ("kms.amazonaws.com", "Decrypt"),
        ];
        for (action, event_id) in actions.into_iter().zip(&ids) {
            file.add(&call_of_a(action, event_id), &log);
        }
        let merged = merge(vec![file]);
        let session = &merged.sessions[0];
        assert_eq!(
            top_actions(session),
            [
                "kms:Decrypt=3",
                "s3-control:ListJobs=2",
                "s3:GetObject=2",
                "s3:Zap=2",
                "ec2:A=1"
            ]
        );
        assert_eq!(
            services(session),
            [
                "ec2.amazonaws.com",
                "kms.amazonaws.com",
                "s3",
                "s3-control.amazonaws.com",
                "s3.amazonaws.com"
            ]
        );
    }
}
