//! Listings: the inputs discovery found, written by `trailmask list` and read back wherever a
//! path goes, so that a trail listed once can be split into shards (spark/) and each shard read
//! exactly as the whole would have been: the same files, sizes and skips, no walk again.
//!
//! Format: the line `TRAILMASK LISTING 1`, then JSON Lines, one object per line.
//! First, for a listing made with `--since`/`--until`, `{"window":{"since":…,"until":…}}`
//! (RFC 3339 UTC, a bound not given left out): its date folders outside that window were
//! passed over, so a command reading it must read within that window, and takes it as its
//! own when given none ([`crate::plan::Plan::fit_to_listings`]); a narrower window leaves
//! the listed entries of date folders outside it unread, each such folder one entry passed
//! over, as the walk passes it ([`super::discover::discover`]). Then
//! `{"root":{"path":…}}` for each path `list` was given (a narrower window passes over date
//! folders below it, as the walk from it would), then `{"input":{"path":…,"size":N}}` (a path or an `s3://bucket/key` object, with `"skip":REASON`
//! for an entry discovery passes over: a digest, a name that is not a log's, a link, a date
//! folder outside the window), `{"skipped":REASON}` for an entry passed over without a path
//! (older listings wrote these; still read),
//! `{"failed":{"path":…,"message":…}}` for a path it could not walk (with `"unreachable":true`
//! for an S3 location that could not be read at all). A path that is not UTF-8 is written as
//! `"path_bytes":[…]` (its bytes) in place of `"path"`; a trailmask older than window lines and
//! `path_bytes` calls a listing that has them damaged, never reading it otherwise. Paths are as
//! discovery spelled them (relative to where `list` ran, when given relative), and they are
//! the `log_file` of what is read from them.

use super::decode::SkipReason;
use super::discover::{Discovery, Input};
use crate::error::InputError;
use crate::timefmt;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

/// The first line of a listing.
pub const MAGIC: &[u8] = b"TRAILMASK LISTING 1\n";

/// The longest line a listing may hold: a path of 4,096 bytes escaped six bytes to one, and
/// its error's message, are well within it.
const MAX_LINE: u64 = 1 << 20;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line<'a> {
    #[serde(borrow)]
    Window(WindowLine<'a>),
    /// A path `list` was given: the walk passed over date folders below it, never it or what
    /// it lies in.
    Root {
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        path: Option<Cow<'a, str>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_bytes: Option<Vec<u8>>,
    },
    Input {
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        path: Option<Cow<'a, str>>,
        /// A path that is not UTF-8, as its bytes (a JSON string could not hold it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_bytes: Option<Vec<u8>>,
        size: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skip: Option<Cow<'a, str>>,
    },
    Skipped(Cow<'a, str>),
    Failed {
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        path: Option<Cow<'a, str>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_bytes: Option<Vec<u8>>,
        message: Cow<'a, str>,
        /// About a whole S3 location (exit status 4).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unreachable: bool,
    },
}

/// A window line's bounds. A field it does not know is damage, not something to pass over: a
/// later window line could bound the reading by more than time, and a listing read as if
/// bounded by less would read what it must not.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowLine<'a> {
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    since: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    until: Option<Cow<'a, str>>,
}

/// What a listing holds.
#[derive(Debug, Default)]
pub struct Listed {
    /// The paths `list` was given (none in a listing older than root lines): a window
    /// narrower than the listing's passes over the date folders below them.
    pub roots: Vec<PathBuf>,
    /// Each listed file: its path, size and known skip.
    pub files: Vec<(PathBuf, u64, Option<SkipReason>)>,
    pub skipped: Vec<SkipReason>,
    pub errors: Vec<InputError>,
}

/// The time window a listing was made for (`list --since/--until`): the date folders outside
/// it are not in the listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListedWindow {
    /// `--since`, if given.
    pub since: Option<DateTime<Utc>>,
    /// `--until`, if given.
    pub until: Option<DateTime<Utc>>,
}

impl From<&crate::filter::Window> for ListedWindow {
    fn from(window: &crate::filter::Window) -> ListedWindow {
        ListedWindow {
            since: window.since,
            until: window.until,
        }
    }
}

impl ListedWindow {
    /// Whether it bounds anything (a listing made without `--since`/`--until` does not).
    pub fn is_bounded(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// `--since T --until U` as given again on a command line (the bounds set only), or
    /// `no window`.
    pub fn as_options(&self) -> String {
        let (since, until) = self.texts();
        let bounds: Vec<String> = [("--since", since), ("--until", until)]
            .into_iter()
            .filter_map(|(flag, time)| Some(format!("{flag} {}", time?)))
            .collect();
        if bounds.is_empty() {
            "no window".into()
        } else {
            bounds.join(" ")
        }
    }

    /// The bounds as a listing writes them ([`timefmt::format`]).
    fn texts(&self) -> (Option<String>, Option<String>) {
        let text = |time: Option<DateTime<Utc>>| time.map(|time| timefmt::format(&time));
        (text(self.since), text(self.until))
    }

    fn parse(since: Option<&str>, until: Option<&str>) -> Result<ListedWindow, String> {
        let time = |text: Option<&str>| {
            text.map(|text| timefmt::parse(text).ok_or_else(|| format!("window time {text:?}")))
                .transpose()
        };
        let window = ListedWindow {
            since: time(since)?,
            until: time(until)?,
        };
        if !window.is_bounded() {
            return Err("a window that bounds nothing".into());
        }
        if let (Some(since), Some(until)) = (window.since, window.until)
            && since > until
        {
            return Err("a window whose since is after its until".into());
        }
        Ok(window)
    }

    /// Whether the window reads back as written (a time outside the years 0 to 9999 does
    /// not: it is written with a sign that no reader of times takes).
    pub fn reads_back(&self) -> bool {
        let (since, until) = self.texts();
        !self.is_bounded()
            || ListedWindow::parse(since.as_deref(), until.as_deref())
                .is_ok_and(|read| read == *self)
    }
}

/// Writes what discovery found from `roots` (the paths it walked from:
/// [`Discovery::roots`]) as a listing, made for `window`.
///
/// # Errors
/// Writing to `out` failed.
pub fn write(
    found: &Discovery,
    window: ListedWindow,
    roots: &[PathBuf],
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(MAGIC)?;
    let mut put = |line: &Line| -> io::Result<()> {
        serde_json::to_writer(&mut *out, line)?;
        out.write_all(b"\n")
    };
    if window.is_bounded() {
        let (since, until) = window.texts();
        put(&Line::Window(WindowLine {
            since: since.map(Cow::Owned),
            until: until.map(Cow::Owned),
        }))?;
    }
    for root in roots {
        let (path, path_bytes) = written_path(root);
        put(&Line::Root { path, path_bytes })?;
    }
    for input in &found.inputs {
        let ((path, path_bytes), size, skip) = match input {
            Input::File { path, skip, size } => (written_path(path), size, skip),
            Input::Object { url, size, skip } => {
                ((Some(Cow::Owned(url.to_string())), None), size, skip)
            }
            Input::Stdin => continue,
        };
        put(&Line::Input {
            path,
            path_bytes,
            size: *size,
            skip: skip.map(|reason| Cow::Borrowed(reason.as_str())),
        })?;
    }
    for reason in &found.skipped {
        put(&Line::Skipped(Cow::Borrowed(reason.as_str())))?;
    }
    for error in &found.errors {
        let (path, path_bytes) = written_path(error.path());
        put(&Line::Failed {
            path,
            path_bytes,
            message: Cow::Owned(error.to_string()),
            unreachable: error.is_unreachable(),
        })?;
    }
    Ok(())
}

/// A path as a listing writes it: its text when it is UTF-8, else its bytes (`path_bytes`),
/// which name the same file when read back (a text with replacement characters would not).
fn written_path(path: &Path) -> (Option<Cow<'_, str>>, Option<Vec<u8>>) {
    match path.to_str() {
        Some(text) => (Some(Cow::Borrowed(text)), None),
        #[cfg(unix)]
        None => (
            None,
            Some(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec()),
        ),
        #[cfg(not(unix))]
        None => (Some(path.to_string_lossy()), None),
    }
}

/// The path of a listed entry, from its text or its bytes (one of them).
fn read_path(path: Option<Cow<'_, str>>, bytes: Option<Vec<u8>>) -> Result<PathBuf, String> {
    match (path, bytes) {
        (Some(path), None) => Ok(PathBuf::from(&*path)),
        #[cfg(unix)]
        (None, Some(bytes)) => Ok(PathBuf::from(
            <std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(bytes),
        )),
        _ => Err("an entry that names no path, or two".into()),
    }
}

/// Opens `path` past its first line when it is a listing (`None` when it is anything else, not
/// a regular file, or cannot be opened).
fn open_listing(path: &Path) -> Option<io::BufReader<std::fs::File>> {
    // Only a regular file is looked at: opening a named pipe would wait for a writer (or
    // take the first bytes of `<(zcat …)`, which are then lost to the read).
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut lines = io::BufReader::new(file);
    let mut head = Vec::new();
    (&mut lines)
        .take(MAGIC.len() as u64)
        .read_to_end(&mut head)
        .ok()?;
    (head == MAGIC).then_some(lines)
}

/// The window `path` was listed for when it is a listing: its first line (blank lines aside)
/// when that is a window line, else no window ([`ListedWindow::default`]); `None` for what is
/// no listing (standard input, `-`, is never opened), or a window line that does not read (the
/// listing is then damaged, and said so when it is read).
pub fn window_of(path: &Path) -> Option<ListedWindow> {
    if path.as_os_str() == "-" {
        return None;
    }
    let mut lines = open_listing(path)?.take(MAX_LINE);
    let mut line = Vec::new();
    while line.iter().all(u8::is_ascii_whitespace) {
        line.clear();
        if lines.read_until(b'\n', &mut line).ok()? == 0 {
            return Some(ListedWindow::default());
        }
    }
    match serde_json::from_slice::<Line>(&line) {
        Ok(Line::Window(WindowLine { since, until })) => {
            ListedWindow::parse(since.as_deref(), until.as_deref()).ok()
        }
        _ => Some(ListedWindow::default()),
    }
}

/// What `error` says of a line parsed alone, with its place as the column within that line
/// (serde's own place would say line 1 of every line).
fn within_line(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let place = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&place) {
        Some(what) => format!("{what} (column {})", error.column()),
        None => text,
    }
}

/// Reads `path` as a listing when it is one (`None` when it is anything else, not a regular
/// file, or cannot be opened: it is then read as a log, which reports the problem).
///
/// # Errors
/// A listing that is damaged: one error for the listing, nothing of it read.
pub fn read_if_listing(path: &Path) -> Option<Result<Listed, InputError>> {
    let mut lines = open_listing(path)?;
    let bad = |what: String| InputError::Partial {
        path: path.to_path_buf(),
        what: format!("damaged listing: {what}"),
    };
    let mut listed = Listed::default();
    let mut line = Vec::new();
    let mut first = true;
    // The line of the file being read: the magic line is the first.
    let mut number = 1;
    loop {
        line.clear();
        number += 1;
        // Each damage of a line is said with its line number, as an editor shows it.
        let bad = |what: String| bad(format!("line {number}: {what}"));
        // A line is held whole only up to a bound: one line of gigabytes is damage, not a
        // reason to take the machine's memory.
        match (&mut lines).take(MAX_LINE + 1).read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) if line.len() as u64 > MAX_LINE => {
                return Some(Err(bad(format!("a line longer than {MAX_LINE} bytes"))));
            }
            Ok(_) => {}
            Err(error) => return Some(Err(bad(error.to_string()))),
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let reason = |name: &str| {
            SkipReason::named(name).ok_or_else(|| bad(format!("skip reason {name:?}")))
        };
        // Without its line end, so that a line cut short is placed at its own end.
        let parsed =
            serde_json::from_slice::<Line>(line.trim_ascii_end()).map_err(|e| bad(within_line(&e)));
        let at_first = std::mem::replace(&mut first, false);
        let entry = parsed.and_then(|parsed| {
            match parsed {
                // Taken before the reading ([`window_of`]); only checked here.
                Line::Window(WindowLine { since, until }) => {
                    if !at_first {
                        return Err(bad("a window line after the first line".into()));
                    }
                    ListedWindow::parse(since.as_deref(), until.as_deref()).map_err(bad)?;
                }
                Line::Root { path, path_bytes } => {
                    listed.roots.push(read_path(path, path_bytes).map_err(bad)?);
                }
                Line::Input {
                    path,
                    path_bytes,
                    size,
                    skip,
                } => listed.files.push((
                    read_path(path, path_bytes).map_err(bad)?,
                    size,
                    skip.as_deref().map(reason).transpose()?,
                )),
                Line::Skipped(name) => listed.skipped.push(reason(&name)?),
                Line::Failed {
                    path,
                    path_bytes,
                    message,
                    unreachable,
                } => listed.errors.push(
                    InputError::recorded(
                        read_path(path, path_bytes).map_err(bad)?,
                        message.into_owned(),
                        unreachable,
                    )
                    .map_err(bad)?,
                ),
            }
            Ok(())
        });
        if let Err(error) = entry {
            return Some(Err(error));
        }
    }
    Some(Ok(listed))
}
