//! Mergeable partial results: what one command's reading stage found in a set of inputs, kept
//! in a file, so that reading can be split (each day extracted once as it arrives, shards read
//! on Spark executors) and merged later into the command's output: the same bytes as one run
//! over every input.
//!
//! `trailmask partial COMMAND [OPTIONS] PATH... -o FILE` writes one (the command's own reading,
//! its output replaced by the partial). Every reading command takes partials wherever a log
//! file goes (`trailmask COMMAND [OPTIONS] PART...`, mixed with logs or not), and `partial`
//! itself merges partials into a larger one. What a partial holds is what the stages after
//! reading need, per input file, in discovery order:
//! - its status (read; skipped, and why; or the error line the reading run printed) and its
//!   record and byte counts;
//! - the text of each record that gave a role assumption, a hand-over or an instance-profile
//!   change, which the merge reads again exactly as the first run did (they are few: the
//!   ordinary calls are not kept);
//! - for `activity` and `findings`, the aggregate of the calls role sessions made
//!   ([`crate::activity::aggregate`]): sessions, actions, and each call's identity, source
//!   address, session and action, which de-duplication across files needs; with
//!   `activity --calls`, the timeline's rows;
//! - what discovery skipped or could not walk.
//!
//! De-duplication, chains, attribution and every filter run after the merge, so partials of
//! overlapping inputs still count each event once. A file is known by its path as written and
//! what reading it gave (size, bytes, records): one held by two partials, or by a partial and
//! read directly, is taken once, its calls too (`scan::once_each`).
//!
//! # Format (version 9)
//!
//! The line `TRAILMASK PARTIAL 9` (ASCII, then `\n`), then a gzip stream of JSON Lines, one
//! object per line with a single key saying what the line is:
//!
//! | line | holds |
//! |------|-------|
//! | `{"header":{…}}` | first: `version`, `written_by`, `command` (what it was read for), `interest` (`role-assumptions`, `hand-overs`, `activity`), `calls` (activity: `since`, `until`, `outcome`, `timeline`), `days` (the date folders read: `[first, last]`, each `YYYY-MM-DD` or null), `max_file_size` |
//! | `{"skipped":"digest"}` | an entry discovery skipped unread without a path (reasons as the summary names them; entries with a path are `file` lines, status `skipped`) |
//! | `{"failed":{"path":…,"message":…}}` | a path discovery could not walk, and its error line (`"unreachable":true` for an S3 location that could not be read at all: exit status 4) |
//! | `{"file":{…}}` | one input: `path`, `input` (`file`, `stdin`, `s3` with the path `s3://bucket/key`), `size`, `status` (`read`, `skipped`, `failed`, `not-read`), `skip`, `error` (the line printed), `refused` (an S3 object refused for a reason that holds for its bucket: the reason, so that the merge reports the bucket once), `records`, `bytes_read`, `bytes_json`, `kept` (record texts) |
//! | `{"name":[source,name]}` | activity: an action, numbered from 0 in order |
//! | `{"session":{…}}` | activity: a session (`arn`, `access_key`, `created`, `by_principal` (only when true: known by another account's copies of its calls, `arn` then `account#AROA…:name` and `created` the minute of its calls), `issuer`, `first`, `last`, `addresses`, `addresses_dropped`, `names_dropped` (only when true), `accounts`, `accounts_dropped`, `copies` (only when some: copies of its calls taken out as its files were read)), numbered from 0 |
//! | `{"log":path}` | activity: a log file calls came from, numbered from 0 |
//! | `{"copies":N}` | after a `log` line: the copies of calls taken out of that file as it was read (only when some were) |
//! | `{"call":[id,address_len,log,session,name,flags]}` | activity: one call (flags: 1 refused, 2 may write, 4 its user agent names a Lambda execution environment); its counts are derived from these lines on reading |
//! | `{"row":{…}}` | the timeline's row of the call before it (`activity --calls`) |
//! | `{"end":{"files":N,"calls":N}}` | last: a partial without it was cut short |
//!
//! Times are `[seconds, nanoseconds]` since the Unix epoch, or null. The same inputs give the
//! same bytes whatever the thread count or file order (every list is in a fixed order; gzip at
//! level 1).
//!
//! # What a partial can be merged into
//!
//! A partial serves the commands that read what it was read for: `events`, `chains`,
//! `edges`, `summary` and `findings --kind` without session-many-networks read role
//! assumptions; `graph`, `services`, `passrole` and `report` read hand-overs too; `activity`
//! and `findings` read every call. Activity is counted as it is read, within the calls'
//! `--since`/`--until` and outcome, so those must be the same when merging (a timeline partial
//! also serves the other views). A partial read with `--since`/`--until` reads only the date
//! folders of its window: merge it with the same window (`findings --baseline-until` reads the
//! days before `--since` too: a partial for it is made with it). One read without a window can
//! be merged with any (the filters then apply, but nothing is pruned: the counts of files read
//! are those of the extraction). A partial that does not fit is reported as a bad input, with
//! what to do.
//!
//! A partial is an input like any other: read with the same care (no index it holds is
//! trusted; one that inflates to more than [`MAX_RATIO`] times its size, or past
//! `--max-file-size` when that is larger, is refused).

pub mod write;

use crate::activity::CallCounting;
use crate::activity::aggregate::{
    AddressUse, CALL_MARK_BYTES, CallAggregate, CallRow, ROW_BYTES, SessionActivity, StoredCall,
};
use crate::error::InputError;
use crate::filter::OutcomeFilter;
use crate::read::decode::{Interest, SkipReason};
use crate::read::discover::{DayWindow, Input};
use crate::read::s3::{self, ObjectUrl};
use crate::timefmt::Seen;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The first bytes of a partial result.
pub const MAGIC: &[u8] = b"TRAILMASK PARTIAL 9\n";

/// The format's version (in [`MAGIC`] and the header). 2: calls without an `eventID` and
/// hand-overs without one are told apart by more of what is read of them, so their ids in a
/// partial of version 1 would not meet the same calls' ids in one of version 2. 3: a call's
/// id carries its time (two calls that share an `eventID` but not a time are two calls), so
/// no id of version 2 meets one of version 3. 4: a session's creation time is keyed as an
/// instant (one written two ways is one session, where version 3 stored two), and a session
/// says whether its accounts were cut at the cap (`accounts_dropped`). 5: another account's
/// copies of a session's calls (`AWSAccount`, `AROA…:name`) are counted, in sessions known by
/// that principal id (`by_principal`), which version 4 did not read. 6: a call says whether its
/// user agent names a Lambda execution environment (flag 4), which `session-many-networks`
/// weighs; version 5 did not say. 7: a copy of a cross-account call says, before its id, the
/// account it was delivered to (the session that keeps another copy takes in that account
/// alone); version 6 did not. 8: a call's time after its id is whole (seconds and
/// nanoseconds, where 7 wrote microseconds), a session says whether names were cut from its
/// places apart from networks (`names_dropped`), and only an STS record is a role
/// assumption (a sign-in named `AssumeRole` is a call): a partial of 7 would count otherwise.
/// 9: the calls of an account's root with a key (`AssumeRoot` sessions') are counted, in
/// sessions that say how many copies of their calls were taken out as they were read
/// (`copies`): version 8 did not read them, and would count them as role sessions.
pub const VERSION: u32 = 9;

/// How many times its size a partial may inflate to (a written one inflates about five
/// times: the calls' ids are random).
pub const MAX_RATIO: u64 = 64;

/// What any partial may inflate to, however small.
const MIN_CAP: u64 = 1 << 20;

/// What the reading run of a command expects of a partial it merges.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    pub interest: Interest,
    pub calls: CallCounting,
    pub days: DayWindow,
    /// `--max-file-size`: which files were too large, and each file's memory budget.
    pub limit: u64,
}

/// A partial result read back.
pub struct Partial {
    pub skipped: Vec<SkipReason>,
    /// Paths discovery could not walk, each with its recorded error.
    pub failed: Vec<InputError>,
    /// Its files as the reading run's results (read again from their kept records).
    pub files: Vec<(Input, crate::read::file::FileResult)>,
    pub activity: Option<CallAggregate>,
}

/// One input file of a partial.
#[derive(Debug)]
pub struct StoredFile {
    pub input: Input,
    pub status: Status,
    pub records: u64,
    pub bytes_read: u64,
    pub bytes_json: u64,
    /// The texts of the records that gave something, in file order.
    pub kept: Vec<String>,
}

/// How a stored file was read.
#[derive(Debug)]
pub enum Status {
    Read,
    Skipped(SkipReason),
    Failed(InputError),
    NotRead,
}

/// The first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub version: u32,
    pub written_by: String,
    /// The command the partial was read for.
    pub command: String,
    pub interest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<StoredWindow>,
    pub days: (Option<String>, Option<String>),
    pub max_file_size: u64,
}

/// The calls an activity partial counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredWindow {
    pub since: Option<String>,
    pub until: Option<String>,
    pub outcome: String,
    pub timeline: bool,
}

/// A time as stored: seconds and nanoseconds since the epoch.
type Stamp = Option<(i64, u32)>;

fn stamp(time: Option<DateTime<Utc>>) -> Stamp {
    time.map(|t| (t.timestamp(), t.timestamp_subsec_nanos()))
}

fn unstamp(stamp: Stamp) -> Option<DateTime<Utc>> {
    stamp.and_then(|(secs, nanos)| DateTime::from_timestamp(secs, nanos))
}

/// One line of the format (see the module documentation).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line<'a> {
    Header(Header),
    Skipped(Cow<'a, str>),
    Failed {
        path: Cow<'a, str>,
        message: Cow<'a, str>,
        /// About a whole S3 location (exit status 4).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unreachable: bool,
    },
    File(FileLine<'a>),
    Name(Cow<'a, str>, Cow<'a, str>),
    Session(SessionLine<'a>),
    Log(Cow<'a, str>),
    Call(Cow<'a, str>, u32, u32, u32, u32, u8),
    Row(RowLine<'a>),
    /// The copies of calls taken out of the log file on the line before as it was read (a
    /// file that repeats a call); written only when there were some.
    Copies(u64),
    End {
        files: u64,
        calls: u64,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct FileLine<'a> {
    path: Cow<'a, str>,
    input: Cow<'a, str>,
    size: u64,
    status: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    skip: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<Cow<'a, str>>,
    /// For an S3 object refused for a reason that holds for its bucket: the reason, so that
    /// the merge reports the bucket once, as a direct run does ([`s3::collapse`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refused: Option<Cow<'a, str>>,
    records: u64,
    bytes_read: u64,
    bytes_json: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    kept: Vec<Cow<'a, str>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SessionLine<'a> {
    arn: Cow<'a, str>,
    access_key: Cow<'a, str>,
    created: Cow<'a, str>,
    /// Known only from another account's copies of its calls (`arn` is then
    /// `account#AROA…:name`, `created` the minute of its calls).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    by_principal: bool,
    issuer: Cow<'a, str>,
    first: Stamp,
    last: Stamp,
    addresses: Vec<AddressLine<'a>>,
    addresses_dropped: bool,
    /// Names (`AWS Internal`) left out by the cap, apart from networks (only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    names_dropped: bool,
    accounts: Vec<Cow<'a, str>>,
    accounts_dropped: bool,
    /// Copies of its calls taken out as its files were read (only when some were).
    #[serde(default, skip_serializing_if = "is_zero")]
    copies: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

#[derive(Debug, Serialize, Deserialize)]
struct AddressLine<'a> {
    place: Cow<'a, str>,
    address: Cow<'a, str>,
    first: Stamp,
    first_id: Cow<'a, str>,
}

#[derive(Debug, Serialize, Deserialize)]
struct RowLine<'a> {
    time: Stamp,
    source: Cow<'a, str>,
    name: Cow<'a, str>,
    error: Cow<'a, str>,
    ip: Cow<'a, str>,
    agent: Cow<'a, str>,
    id: Cow<'a, str>,
}

/// The name of an interest in the header.
pub fn interest_name(interest: Interest) -> &'static str {
    match interest {
        Interest::RoleAssumptions => "role-assumptions",
        Interest::HandOvers => "hand-overs",
        Interest::Activity => "activity",
    }
}

/// The commands a partial read for `interest` serves, for the error that says so.
fn commands_of(interest: &str) -> &'static str {
    match interest {
        "role-assumptions" => {
            "events, chains, edges, summary and findings without session-many-networks"
        }
        "hand-overs" => {
            "graph, services, passrole and report, and what a partial of role assumptions serves"
        }
        "activity" => "activity and findings, and what a partial of role assumptions serves",
        _ => "no command of this version",
    }
}

fn outcome_name(outcome: OutcomeFilter) -> &'static str {
    match outcome {
        OutcomeFilter::All => "all",
        OutcomeFilter::SuccessOnly => "success",
        OutcomeFilter::FailureOnly => "failure",
    }
}

fn time_text(time: Option<DateTime<Utc>>) -> Option<String> {
    time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

fn day_text(day: Option<NaiveDate>) -> Option<String> {
    day.map(|d| d.format("%Y-%m-%d").to_string())
}

impl Header {
    /// The header of a partial read for `command` as `expect` says.
    pub fn new(command: &str, expect: &Expect) -> Header {
        Header {
            version: VERSION,
            written_by: format!("trailmask {}", env!("CARGO_PKG_VERSION")),
            command: command.to_owned(),
            interest: interest_name(expect.interest).to_owned(),
            calls: (expect.interest == Interest::Activity).then(|| StoredWindow {
                since: time_text(expect.calls.window.since),
                until: time_text(expect.calls.window.until),
                outcome: outcome_name(expect.calls.window.outcome).to_owned(),
                timeline: expect.calls.timeline,
            }),
            days: (day_text(expect.days.first), day_text(expect.days.last)),
            max_file_size: expect.limit,
        }
    }

    /// Why a partial with this header cannot serve a run that expects `expect`, if it cannot.
    fn misfit(&self, expect: &Expect) -> Option<String> {
        let wanted = interest_name(expect.interest);
        // Hand-overs and activity are read beside every role assumption: a partial read for
        // them holds every record a run of role assumptions reads (what else it holds is
        // left aside).
        let holds_wanted = self.interest == wanted
            || (expect.interest == Interest::RoleAssumptions
                && (self.interest == interest_name(Interest::HandOvers)
                    || self.interest == interest_name(Interest::Activity)));
        if !holds_wanted {
            return Some(format!(
                "a partial read for `{}`, which serves {}, not this command (it needs {}): \
                 read the logs again with `trailmask partial` and this command",
                self.command,
                commands_of(&self.interest),
                wanted
            ));
        }
        if self.max_file_size != expect.limit {
            return Some(format!(
                "a partial read with --max-file-size {} (bytes), which decides the files too \
                 large to read and what each may hold: merge it with the same",
                self.max_file_size
            ));
        }
        if expect.interest == Interest::Activity {
            let Some(window) = self.calls.as_ref() else {
                return Some(
                    "damaged partial: activity without the window its calls were counted in".into(),
                );
            };
            let same = window.since == time_text(expect.calls.window.since)
                && window.until == time_text(expect.calls.window.until)
                && window.outcome == outcome_name(expect.calls.window.outcome);
            if !same {
                return Some(format!(
                    "a partial that counted the calls of --since {} --until {} ({} outcomes): \
                     merge it with the same time window and outcome filter{AGES}",
                    window.since.as_deref().unwrap_or("(none)"),
                    window.until.as_deref().unwrap_or("(none)"),
                    window.outcome
                ));
            }
            if expect.calls.timeline && !window.timeline {
                return Some(
                    "a partial without the timeline of calls: read it with \
                     `trailmask partial activity --calls`"
                        .into(),
                );
            }
        }
        let days = (day_text(expect.days.first), day_text(expect.days.last));
        if (self.days.0.is_some() || self.days.1.is_some()) && self.days != days {
            return Some(format!(
                "a partial made to read only the date folders of {} to {} (--since/--until, \
                 with a day's slack on each side; any other date folder would have been left \
                 unread): merge it with a window of the same days, {} (findings with \
                 --baseline-until read every day before --since too: make the partial with \
                 it){AGES}",
                self.days.0.as_deref().unwrap_or("(any)"),
                self.days.1.as_deref().unwrap_or("(any)"),
                window_of_days(&self.days)
            ));
        }
        None
    }
}

/// The options that read the date folders `days` (as a header writes them): `--since` a
/// time on the day after the first, `--until` one on the day before the last (a new user's
/// first hour, session 36: told to merge with "the same window", one gave the first folder's
/// day, which is a day early).
fn window_of_days(days: &(Option<String>, Option<String>)) -> String {
    let day = |text: &Option<String>, by: i64| {
        let day = NaiveDate::parse_from_str(text.as_deref()?, "%Y-%m-%d").ok()?;
        day.checked_add_signed(chrono::TimeDelta::days(by))
    };
    let bound = |flag: &str, text: &Option<String>, by: i64| match (text, day(text, by)) {
        (None, _) => format!("no {flag}"),
        (Some(_), Some(day)) => format!("{flag} a time on {}", day.format("%Y-%m-%d")),
        (Some(text), None) => format!("{flag} as it read {text}"),
    };
    format!(
        "{} and {}",
        bound("--since", &days.0, 1),
        bound("--until", &days.1, -1)
    )
}

/// Said when a window differs: an age is resolved against the clock at each run.
const AGES: &str = " (an age such as 7d is a different time at each run: give dates or RFC 3339 \
                    times to read partials for later merging)";

/// Reads the first bytes of `input`: true (and the bytes consumed) when it is a partial,
/// else the bytes read so far, to be read again before the rest.
///
/// # Errors
/// An I/O error while reading them.
pub fn sniff<R: Read>(input: &mut R) -> std::io::Result<(bool, Vec<u8>)> {
    let mut head = Vec::with_capacity(MAGIC.len());
    (&mut *input)
        .take(MAGIC.len() as u64)
        .read_to_end(&mut head)?;
    Ok((head == MAGIC, head))
}

/// True when `head` (what [`sniff`] read) begins as a partial of another format version
/// does: said as such, not read as a log that is not JSON.
pub fn of_another_version(head: &[u8]) -> bool {
    let prefix = &MAGIC[..MAGIC.len() - 2];
    head.starts_with(prefix) && !MAGIC.starts_with(head)
}

/// True when `head` (what [`sniff`] read: the whole input, when it is shorter than
/// [`MAGIC`]) is this version's first line cut short: a partial cut off within it.
pub fn cut_in_first_line(head: &[u8]) -> bool {
    head.len() >= MAGIC.len() - 3 && head.len() < MAGIC.len() && MAGIC.starts_with(head)
}

/// Reads a partial (after its [`MAGIC`], already consumed) of `size` bytes in all, as a run
/// expecting `expect` merges it: each stored file is given to `take` as it is read, which
/// makes it a result (its kept records read again and dropped: never all held at once).
///
/// # Errors
/// A message for [`InputError::Partial`]: damaged, cut short, too large, or a misfit.
pub fn read<R: Read>(
    input: R,
    size: Option<u64>,
    expect: &Expect,
    take: &mut dyn FnMut(StoredFile) -> (Input, crate::read::file::FileResult),
) -> Result<Partial, String> {
    let max_file_size = expect.limit;
    // A partial of known size may inflate MAX_RATIO times (a written one, about five), and
    // always as much as a log file may (one that kept a record repeated 400,000 times inflated
    // 82 times: a red-team's, session 40); one read from a pipe, up to --max-file-size.
    let cap = size.map_or(max_file_size, |size| {
        size.saturating_mul(MAX_RATIO)
            .max(MIN_CAP)
            .max(max_file_size)
    });
    let mut lines = std::io::BufReader::new(
        flate2::read::MultiGzDecoder::new(input).take(cap.saturating_add(1)),
    );
    let mut line = Vec::new();
    let mut inflated = 0u64;
    let mut next = |line: &mut Vec<u8>| -> Result<bool, String> {
        line.clear();
        let n = lines
            .read_until(b'\n', line)
            .map_err(|error| format!("damaged partial: {error}"))?;
        inflated += n as u64;
        if inflated > cap {
            return Err(format!(
                "a partial that inflates past {cap} bytes ({MAX_RATIO} times its size, or \
                 --max-file-size when more; from a pipe, --max-file-size): refused"
            ));
        }
        Ok(n > 0)
    };
    let bad = |error: serde_json::Error| format!("damaged partial: {error}");
    if !next(&mut line)? {
        return Err("damaged partial: no header".into());
    }
    let header = match serde_json::from_slice::<Line>(&line).map_err(bad)? {
        Line::Header(header) => header,
        _ => return Err("damaged partial: no header".into()),
    };
    if header.version != VERSION {
        return Err(format!(
            "a partial of format version {} (this trailmask reads version {VERSION})",
            header.version
        ));
    }
    if let Some(misfit) = header.misfit(expect) {
        return Err(misfit);
    }
    let timeline = expect.calls.timeline && header.calls.as_ref().is_some_and(|c| c.timeline);
    let mut partial = Partial {
        skipped: Vec::new(),
        failed: Vec::new(),
        files: Vec::new(),
        activity: None,
    };
    // The activity's pieces: actions, sessions and log files, then the calls (and rows).
    let mut names: Vec<(Arc<str>, Arc<str>)> = Vec::new();
    let mut sessions: Vec<SessionActivity> = Vec::new();
    let mut logs: Vec<Arc<str>> = Vec::new();
    let mut activity: Option<CallAggregate> = None;
    let mut counted = (0u64, 0u64);
    let mut ended = None;
    let mut copies_dropped: Vec<u64> = Vec::new();
    // What each log file's calls hold in memory, by log file (known once calls begin).
    let mut call_bytes_by_log: Vec<u64> = Vec::new();
    let damaged = |what: String| format!("damaged partial: {what}");
    while next(&mut line)? {
        if ended.is_some() {
            return Err("damaged partial: lines after its end".into());
        }
        let parsed = serde_json::from_slice::<Line>(&line).map_err(bad)?;
        let calls_begun = activity.is_some();
        match parsed {
            Line::Header(_) => return Err("damaged partial: a second header".into()),
            Line::Skipped(reason) => partial.skipped.push(
                SkipReason::named(&reason)
                    .ok_or_else(|| format!("damaged partial: skip reason {reason:?}"))?,
            ),
            Line::Failed {
                path,
                message,
                unreachable,
            } => partial.failed.push(
                InputError::recorded(PathBuf::from(&*path), message.into_owned(), unreachable)
                    .map_err(|what| format!("damaged partial: {what}"))?,
            ),
            Line::File(file) => {
                counted.0 += 1;
                partial.files.push(take(stored_file(file, max_file_size)?));
            }
            Line::Name(..) | Line::Session(_) | Line::Log(_) | Line::Copies(_) if calls_begun => {
                return Err("damaged partial: activity lines out of order".into());
            }
            Line::Name(source, name) => names.push((Arc::from(&*source), Arc::from(&*name))),
            Line::Session(s) => sessions.push(stored_session(s)),
            Line::Log(path) => {
                logs.push(Arc::from(&*path));
                copies_dropped.push(0);
            }
            Line::Copies(copies) => match copies_dropped.last_mut() {
                Some(last) => *last = copies,
                None => return Err("damaged partial: copies of no log file".into()),
            },
            Line::Call(id, address_len, log, session, name, flags) => {
                counted.1 += 1;
                if expect.interest != Interest::Activity {
                    continue;
                }
                let activity = match &mut activity {
                    Some(activity) => activity,
                    None => activity.insert({
                        call_bytes_by_log = vec![0; logs.len()];
                        CallAggregate::stored(
                            std::mem::take(&mut names),
                            std::mem::take(&mut sessions),
                            std::mem::take(&mut logs),
                            timeline,
                        )
                        .map_err(damaged)?
                    }),
                };
                activity
                    .add_stored(StoredCall {
                        id: &id,
                        address_len,
                        log,
                        session,
                        name,
                        failed: flags & 1 != 0,
                        writes: flags & 2 != 0,
                        lambda: flags & 4 != 0,
                    })
                    .map_err(damaged)?;
                // As a log file's calls when it is read (read::file): at most half the limit
                // in memory for each log file, not for the partial (which holds as many
                // files as it was made of, as a run over them does).
                // `add_stored` took the call: its log file is one of the stored ones.
                let held = &mut call_bytes_by_log[log as usize];
                let row = if timeline { ROW_BYTES } else { 0 };
                *held = held.saturating_add(id.len() as u64 + CALL_MARK_BYTES + row);
                if *held > max_file_size / 2 {
                    return Err(
                        "a partial whose calls of one log file would take more than half of \
                         --max-file-size in memory: refused (raise the limit)"
                            .into(),
                    );
                }
            }
            Line::Row(row) => match &mut activity {
                Some(activity) => activity.add_stored_row(stored_row(row)).map_err(damaged)?,
                None if expect.interest == Interest::Activity => {
                    return Err("damaged partial: a timeline row before any call".into());
                }
                None => {}
            },
            Line::End { files, calls } => ended = Some((files, calls)),
        }
    }
    match ended {
        None => return Err("a partial cut short (no end line)".into()),
        Some(said) if said != counted => {
            return Err(format!(
                "damaged partial: its end line counts {} files and {} calls, it holds {} and {}",
                said.0, said.1, counted.0, counted.1
            ));
        }
        Some(_) => {}
    }
    if expect.interest == Interest::Activity {
        let activity = match activity {
            Some(activity) => activity,
            // No call: the sessions stored (none, from a writer) and nothing to count.
            None => CallAggregate::stored(names, sessions, logs, timeline).map_err(damaged)?,
        };
        if !activity.rows_complete() {
            return Err("damaged partial: calls without their timeline rows".into());
        }
        // Each copy dropped was a record of the partial's files (a forged count was said
        // as it was: a red-team's, session 40).
        let records =
            (partial.files.iter()).fold(0u64, |sum, (_, file)| sum.saturating_add(file.records));
        let copies = (copies_dropped.iter()).fold(0u64, |sum, &copies| sum.saturating_add(copies));
        if copies > records {
            return Err(format!(
                "damaged partial: more copies of calls dropped ({copies}) than its files hold \
                 records ({records})"
            ));
        }
        let mut activity = activity;
        activity
            .set_copies_dropped(copies_dropped)
            .map_err(damaged)?;
        partial.activity = Some(activity);
    }
    Ok(partial)
}

fn stored_session(s: SessionLine) -> SessionActivity {
    let copies = s.copies;
    let mut session = SessionActivity::stored(
        s.arn.into(),
        s.access_key.into(),
        s.created.into(),
        s.by_principal,
        s.issuer.into(),
        Seen {
            first: unstamp(s.first),
            last: unstamp(s.last),
        },
        s.addresses
            .into_iter()
            .map(|a| AddressUse {
                place: a.place.into(),
                address: a.address.into(),
                calls: 0,
                lambda_calls: 0,
                first: (unstamp(a.first), a.first_id.into()),
            })
            .collect(),
        (s.addresses_dropped, s.names_dropped),
        s.accounts.into_iter().map(Into::into).collect(),
        s.accounts_dropped,
    );
    session.copies = copies;
    session
}

fn stored_row(row: RowLine) -> CallRow {
    CallRow {
        time: unstamp(row.time),
        event_source: row.source.into(),
        event_name: row.name.into(),
        error_code: row.error.into(),
        source_ip: row.ip.into(),
        user_agent: row.agent.into(),
        event_id: row.id.into(),
        log_file: Arc::from(""),
        session: 0,
    }
}

fn stored_file(file: FileLine, max_file_size: u64) -> Result<StoredFile, String> {
    // What a file read within the limit can hold: its counts are summed over every input.
    if file.bytes_json > max_file_size || file.records > file.bytes_json {
        return Err(format!(
            "damaged partial: {} holds {} records in {} bytes",
            file.path, file.records, file.bytes_json
        ));
    }
    let path = PathBuf::from(&*file.path);
    let input = match &*file.input {
        "file" => Input::File {
            path: path.clone(),
            skip: None,
            size: file.size,
        },
        "stdin" => Input::Stdin,
        "s3" => Input::Object {
            // A date folder the window passed over is written by its key, as S3 lists it (an
            // S3 subagent's, session 37: a windowed partial of a bucket could not be merged).
            url: ObjectUrl::parse(&file.path)
                .or_else(|| {
                    let pruned = file.skip.as_deref() == Some(SkipReason::OutsideDates.as_str());
                    pruned
                        .then(|| ObjectUrl::parse_folder(&file.path))
                        .flatten()
                })
                .ok_or_else(|| format!("damaged partial: {:?} is not an S3 object", file.path))?,
            size: file.size,
            skip: None,
        },
        other => return Err(format!("damaged partial: input kind {other:?}")),
    };
    let status = match &*file.status {
        "read" => Status::Read,
        "not-read" => Status::NotRead,
        "skipped" => Status::Skipped(
            file.skip
                .as_deref()
                .and_then(SkipReason::named)
                .ok_or_else(|| format!("damaged partial: {} skipped for no reason", file.path))?,
        ),
        "failed" => Status::Failed(match file.refused {
            Some(problem) => s3::refused(path, problem.into_owned()),
            None => {
                let message = file.error.unwrap_or_default().into_owned();
                InputError::recorded(path, message, false)
                    .map_err(|what| format!("damaged partial: {what}"))?
            }
        }),
        other => return Err(format!("damaged partial: status {other:?}")),
    };
    Ok(StoredFile {
        input,
        status,
        records: file.records,
        bytes_read: file.bytes_read,
        bytes_json: file.bytes_json,
        kept: file.kept.into_iter().map(Cow::into_owned).collect(),
    })
}

/// The path an input is known by in a partial and in log_file columns.
pub fn input_path(input: &Input) -> Cow<'_, Path> {
    match input {
        Input::Stdin => Cow::Owned(PathBuf::from("<stdin>")),
        Input::File { path, .. } => Cow::Borrowed(path),
        Input::Object { url, .. } => Cow::Owned(url.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::window_of_days;

    #[test]
    fn the_options_of_a_partial_s_days_undo_the_slack() {
        let text = |day: &str| Some(day.to_owned());
        assert_eq!(
            window_of_days(&(text("2020-12-20"), None)),
            "--since a time on 2020-12-21 and no --until"
        );
        assert_eq!(
            window_of_days(&(None, text("2021-01-01"))),
            "no --since and --until a time on 2020-12-31"
        );
        assert_eq!(
            window_of_days(&(text("2020-02-28"), text("2020-03-01"))),
            "--since a time on 2020-02-29 and --until a time on 2020-02-29"
        );
        assert_eq!(
            window_of_days(&(text("someday"), None)),
            "--since as it read someday and no --until"
        );
    }
}
