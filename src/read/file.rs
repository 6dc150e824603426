//! Reading one file: load and inflate it ([`super::load`]), find its records
//! ([`super::decode`]), parse the candidates (the hand reader, or serde for what it leaves)
//! and extract their role assumptions, with each worker's buffers reused from file to file.
//! What a file gave, or why it gave nothing, comes back as a [`FileResult`].

use super::calls::{CallRead, CallReader};
use super::decode::RecordSplitter;
use super::decode::{self, Interest, NameHint, SkipReason};
use super::discover::DayWindow;
use super::discover::Input;
use super::load::{self, Buffers, LoadProblem};
use super::records::{self, CallRecord, Record};
use super::s3::{self, Prefetch};
use crate::activity::aggregate::CallAggregate;
use crate::activity::{Call, CallCounting};
use crate::dedupe::DedupeKey;
use crate::error::{InputError, Salvage};
use crate::event::{RoleAssumption, extract};
use crate::json::{Records, Repeats};
use crate::partial::{self, Partial, Status, StoredFile};
use crate::passrole::{self, Found};
use aho_corasick::AhoCorasick;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What one file gave.
pub(crate) struct FileResult {
    /// Each event with what de-duplication reads of it, taken here while the event is in the
    /// cache.
    pub(crate) events: Vec<(DedupeKey, Box<RoleAssumption>)>,
    /// Copies of events taken out of `events` while the file was read
    /// ([`crate::dedupe::drop_copies`]), counted as the merge's are.
    pub(crate) copies_dropped: usize,
    /// Hand-overs and instance-profile changes, when [`Interest::HandOvers`] asked for them.
    pub(crate) found: Vec<Found>,
    /// The calls of role sessions, when [`Interest::Activity`] asked for them.
    pub(crate) activity: Option<CallAggregate>,
    pub(crate) records: u64,
    pub(crate) bytes_read: u64,
    pub(crate) bytes_json: u64,
    pub(crate) status: FileStatus,
    /// The text of each record that gave an event or a hand-over, in file order, when the
    /// reader keeps them for a partial result ([`FileReader::keeping_records`]).
    pub(crate) kept: Vec<String>,
    /// A partial result read where a log file goes ([`crate::partial`]).
    pub(crate) partial: Option<Box<Partial>>,
}

pub(crate) enum FileStatus {
    Read,
    Skipped(SkipReason),
    Failed(InputError),
    NotRead,
}

/// What a worker reuses from file to file: the file's bytes and text, and the splitter's
/// lists.
#[derive(Default)]
struct WorkerBuffers {
    load: Buffers,
    records: Records,
}

/// Reads files, on any worker, each worker with its own buffers.
pub(crate) struct FileReader {
    limit: u64,
    interest: Interest,
    matcher: AhoCorasick,
    /// The calls counted ([`Interest::Activity`]).
    window: CallCounting,
    /// The date folders read: a partial result must have been read within the same.
    days: DayWindow,
    /// Keep the text of each record that gave something ([`FileResult::kept`]).
    keep_records: bool,
    /// Fetches S3 objects ahead of the workers, when there are any to read.
    objects: Option<Prefetch>,
}

impl FileReader {
    /// A reader of files of at most `limit` bytes once decompressed, looking for `interest`.
    pub(crate) fn new(limit: u64, interest: Interest) -> FileReader {
        FileReader {
            limit,
            interest,
            matcher: candidate_matcher(interest),
            window: CallCounting::default(),
            days: DayWindow::default(),
            keep_records: false,
            objects: None,
        }
    }

    /// The same reader, counting the calls `window` keeps ([`Interest::Activity`]).
    pub(crate) fn counting(self, window: CallCounting) -> FileReader {
        FileReader { window, ..self }
    }

    /// The same reader, for a run that reads the date folders of `days` only (partial results
    /// must have been read within the same).
    pub(crate) fn within(self, days: DayWindow) -> FileReader {
        FileReader { days, ..self }
    }

    /// The same reader, keeping the text of each record that gives something, for a partial
    /// result.
    pub(crate) fn keeping_records(self, keep_records: bool) -> FileReader {
        FileReader {
            keep_records,
            ..self
        }
    }

    /// What a partial result must have been read for to be merged by this reader's run.
    pub(crate) fn expect(&self) -> partial::Expect {
        partial::Expect {
            interest: self.interest,
            calls: self.window,
            days: self.days,
            limit: self.limit,
        }
    }

    /// The same reader, reading S3 objects through `objects`.
    pub(crate) fn fetching(self, objects: Option<Prefetch>) -> FileReader {
        FileReader { objects, ..self }
    }

    /// Reads `input` with this thread's buffers.
    pub(crate) fn read(&self, input: &Input) -> FileResult {
        BUFFERS.with_borrow_mut(|bufs| read_input(input, self, bufs))
    }
}

thread_local! {
    /// Each worker thread's buffers, reused from file to file (rayon's `map_init` would make
    /// new ones at every work split, and fresh pages cost the kernel zeroing them).
    static BUFFERS: std::cell::RefCell<WorkerBuffers> =
        std::cell::RefCell::new(WorkerBuffers::default());
}

/// Finds the records worth a full parse: any that hold the first eight bytes of a name of
/// interest ([`Interest::patterns`]). A superset: an ordinary call may mention "AssumeRole" in
/// a string; the parse decides.
fn candidate_matcher(interest: Interest) -> AhoCorasick {
    AhoCorasick::new(interest.patterns()).expect("the candidate patterns are valid")
}

impl FileResult {
    pub(crate) fn not_read() -> Self {
        FileResult {
            events: Vec::new(),
            copies_dropped: 0,
            found: Vec::new(),
            activity: None,
            records: 0,
            bytes_read: 0,
            bytes_json: 0,
            status: FileStatus::NotRead,
            kept: Vec::new(),
            partial: None,
        }
    }
}

fn read_input(input: &Input, reader: &FileReader, bufs: &mut WorkerBuffers) -> FileResult {
    let limit = reader.limit;
    let mut result = FileResult::not_read();
    let WorkerBuffers { load, records } = bufs;
    let mut splitter = (reader.interest.splitter(limit)).reusing(std::mem::take(records));
    let (path, loaded) = match input {
        Input::File {
            skip: Some(reason), ..
        }
        | Input::Object {
            skip: Some(reason), ..
        } => {
            result.status = FileStatus::Skipped(*reason);
            return result;
        }
        Input::File { path, size, .. } => {
            result.bytes_read = *size;
            let loaded = match std::fs::File::open(path) {
                Ok(file) => {
                    // The size as it is: a listing's could say anything.
                    let size = file.metadata().ok().map(|m| m.len());
                    result.bytes_read = size.unwrap_or(result.bytes_read);
                    match read_or_sniff(file, path, size, reader, &mut result) {
                        Some(rest) => {
                            load::load(rest, limit, load, &mut |text| splitter.feed(text))
                        }
                        None => return result,
                    }
                }
                Err(error) => Err(LoadProblem::Io(error)),
            };
            (path.clone(), loaded)
        }
        Input::Object { url, size, .. } => {
            result.bytes_read = *size;
            let loaded = s3::open(reader.objects.as_ref(), url, *size, limit)
                .and_then(|body| load::load(body, limit, load, &mut |text| splitter.feed(text)));
            (url.path(), loaded)
        }
        Input::Stdin => {
            let path = PathBuf::from("<stdin>");
            let loaded =
                match read_or_sniff(std::io::stdin().lock(), &path, None, reader, &mut result) {
                    Some(rest) => load::load(rest, limit, load, &mut |text| splitter.feed(text)),
                    None => return result,
                };
            (path, loaded)
        }
    };
    let mut result = finish_file(path, loaded, splitter, records, reader, result);
    load.release();
    if matches!(input, Input::Stdin) {
        result.bytes_read = result.bytes_json; // what was read is what was given
    }
    result
}

/// Reads an input that may be a partial result ([`crate::partial`]): a partial is read into
/// `result` (`None` returned), anything else is given back to be loaded as a log, its first
/// bytes put back in front. An error reading the first bytes is given back as the input's.
fn read_or_sniff<R: std::io::Read>(
    mut input: R,
    path: &Path,
    size: Option<u64>,
    reader: &FileReader,
    result: &mut FileResult,
) -> Option<impl std::io::Read + use<R>> {
    let (head, error) = match partial::sniff(&mut input) {
        Ok((true, _)) => {
            let mut take = |stored| stored_result(stored, reader);
            match partial::read(input, size, &reader.expect(), &mut take) {
                Ok(read) => result.partial = Some(Box::new(read)),
                Err(what) => {
                    result.status = FileStatus::Failed(InputError::Partial {
                        path: path.to_path_buf(),
                        what,
                    })
                }
            }
            return None;
        }
        Ok((false, head)) if partial::cut_in_first_line(&head) => {
            result.status = FileStatus::Failed(InputError::Partial {
                path: path.to_path_buf(),
                what: "a partial result cut short within its first line".to_owned(),
            });
            return None;
        }
        Ok((false, head)) if partial::of_another_version(&head) => {
            result.status = FileStatus::Failed(InputError::Partial {
                path: path.to_path_buf(),
                what: format!(
                    "a partial of another format version (its first line: {}; this trailmask \
                     reads version {})",
                    String::from_utf8_lossy(&head).trim_end(),
                    partial::VERSION
                ),
            });
            return None;
        }
        Ok((false, head)) => (head, None),
        Err(error) => (Vec::new(), Some(error)),
    };
    Some(SniffedHead(head, error).chain(input))
}

/// A partial result's file as if it had been read here: its status and counts as recorded,
/// its events and hand-overs read again from the records it kept.
pub(crate) fn stored_result(file: StoredFile, reader: &FileReader) -> (Input, FileResult) {
    // Activity's calls are in the partial's aggregate: its records give role assumptions.
    let interest = match reader.interest {
        Interest::Activity => Interest::RoleAssumptions,
        other => other,
    };
    let path = crate::partial::input_path(&file.input);
    let kept = if file.kept.is_empty() {
        Kept::default()
    } else {
        read_kept(&path, &file.kept, reader.limit, interest)
    };
    let mut result = FileResult::not_read();
    result.events = kept.events;
    result.found = kept.found;
    result.records = file.records;
    result.bytes_read = file.bytes_read;
    result.bytes_json = file.bytes_json;
    result.status = match (file.status, kept.damaged) {
        // A record the partial kept that cannot be read again (a hand-edited partial: gzip's
        // check catches the rest) is left out and said, as a malformed record of the log.
        (Status::Read | Status::Skipped(_) | Status::NotRead, Some((count, first))) => {
            FileStatus::Failed(InputError::BadRecords {
                path: path.into_owned(),
                count,
                first: format!("kept in a partial result: {first}"),
            })
        }
        (Status::Read, None) => FileStatus::Read,
        (Status::Skipped(reason), None) => FileStatus::Skipped(reason),
        (Status::Failed(error), _) => FileStatus::Failed(error),
        (Status::NotRead, None) => FileStatus::NotRead,
    };
    if reader.keep_records {
        result.kept = file.kept;
    }
    (file.input, result)
}

/// The bytes read to tell a partial from a log, then the error that ended reading them, if any.
struct SniffedHead(Vec<u8>, Option<std::io::Error>);

impl std::io::Read for SniffedHead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(error) = self.1.take() {
            return Err(error);
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0.drain(..n);
        Ok(n)
    }
}

/// The events and hand-overs of the records a partial result kept of the file at `path`,
/// read again as the run that kept them read them (`interest`: the partial's, or role
/// assumptions for activity, whose calls the partial holds as aggregates).
pub(crate) fn read_kept(path: &Path, kept: &[String], limit: u64, interest: Interest) -> Kept {
    let mut text = String::with_capacity(kept.iter().map(|k| k.len() + 1).sum::<usize>() + 16);
    text.push_str("{\"Records\":[");
    let mut damaged: Option<(usize, String)> = None;
    let mut joined = 0;
    for record in kept {
        // Each on its own first: one that is not JSON would break the array it is put in.
        if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(record) {
            let (count, _) = damaged.get_or_insert_with(|| (0, error.to_string()));
            *count += 1;
            continue;
        }
        if joined > 0 {
            text.push(',');
        }
        joined += 1;
        text.push_str(record);
    }
    text.push_str("]}");
    let reader = FileReader::new(limit, interest);
    let mut bufs = Buffers::default();
    let mut splitter = interest.splitter(limit);
    let loaded = load::load(text.as_bytes(), u64::MAX - 1, &mut bufs, &mut |text| {
        splitter.feed(text)
    });
    let result = finish_file(
        path.to_path_buf(),
        loaded,
        splitter,
        &mut Records::default(),
        &reader,
        FileResult::not_read(),
    );
    if let FileStatus::Failed(error) = result.status {
        // A kept record that is JSON but not a record (not an object, a key given twice).
        let (more, why) = match error {
            InputError::BadRecords { count, first, .. } => (count, first),
            InputError::RepeatedKeys { count, .. } => (count, "a key given twice".to_owned()),
            other => (1, other.to_string()),
        };
        damaged.get_or_insert((0, why)).0 += more;
    }
    Kept {
        events: result.events,
        found: result.found,
        damaged,
    }
}

/// What the records a partial kept of one file give when read again.
#[derive(Default)]
pub(crate) struct Kept {
    pub(crate) events: Vec<(DedupeKey, Box<RoleAssumption>)>,
    pub(crate) found: Vec<Found>,
    /// How many could not be read again, and why the first could not.
    pub(crate) damaged: Option<(usize, String)>,
}

/// What [`read_bytes`] found in one file.
#[derive(Debug)]
pub struct FileOutcome {
    pub events: Vec<Box<RoleAssumption>>,
    pub found: Vec<Found>,
    /// Calls of role sessions counted ([`Interest::Activity`]).
    pub calls: u64,
    pub records: u64,
    pub skipped: Option<SkipReason>,
    pub error: Option<InputError>,
}

/// Reads one file's bytes exactly as [`crate::scan::scan`] reads a file (gzip or not, any shape), without
/// de-duplication or chains. For tests and fuzzing.
pub fn read_bytes(bytes: &[u8], limit: u64) -> FileOutcome {
    read_bytes_for(bytes, limit, Interest::RoleAssumptions)
}

/// [`read_bytes`] looking for `interest`.
pub fn read_bytes_for(bytes: &[u8], limit: u64, interest: Interest) -> FileOutcome {
    let reader = FileReader::new(limit, interest);
    let mut bufs = Buffers::default();
    let mut splitter = interest.splitter(limit);
    let loaded = load::load(bytes, limit, &mut bufs, &mut |text| splitter.feed(text));
    let result = finish_file(
        PathBuf::from("<bytes>"),
        loaded,
        splitter,
        &mut Records::default(),
        &reader,
        FileResult::not_read(),
    );
    let (skipped, error) = match result.status {
        FileStatus::Skipped(reason) => (Some(reason), None),
        FileStatus::Failed(error) => (None, Some(error)),
        FileStatus::Read | FileStatus::NotRead => (None, None),
    };
    FileOutcome {
        events: result.events.into_iter().map(|(_, event)| event).collect(),
        found: result.found,
        calls: result.activity.as_ref().map_or(0, |a| a.calls_counted()),
        records: result.records,
        skipped,
        error,
    }
}

/// Whether `record` may be a call made by a role session: it names `AssumedRole`, the type
/// of a session's own calls, `AWSAccount`, the type of another account's copy of them, or
/// `"Root"` (quoted: `ListRoots` is no caller), the type of an `AssumeRoot` session's (an
/// escaped one is a candidate already: the name matcher takes every `\u`).
fn may_be_session_call(record: &[u8]) -> bool {
    use memchr::memmem::Finder;
    static SESSION: std::sync::LazyLock<Finder<'static>> =
        std::sync::LazyLock::new(|| Finder::new(b"AssumedRole"));
    static COPY: std::sync::LazyLock<Finder<'static>> =
        std::sync::LazyLock::new(|| Finder::new(b"AWSAccount"));
    static ROOT: std::sync::LazyLock<Finder<'static>> =
        std::sync::LazyLock::new(|| Finder::new(b"\"Root\""));
    SESSION.find(record).is_some() || COPY.find(record).is_some() || ROOT.find(record).is_some()
}

/// What one event costs besides its text: the boxed event and its de-duplication key.
const EVENT_SIZE: usize =
    std::mem::size_of::<RoleAssumption>() + std::mem::size_of::<(DedupeKey, Box<RoleAssumption>)>();

type Loaded<'b> = Result<(&'b [u8], Option<std::io::Error>), LoadProblem>;

fn finish_file(
    path: PathBuf,
    loaded: Loaded,
    splitter: RecordSplitter,
    spare: &mut Records,
    reader: &FileReader,
    mut result: FileResult,
) -> FileResult {
    let FileReader {
        limit,
        interest,
        ref matcher,
        window,
        keep_records,
        ..
    } = *reader;
    let mut activity =
        (interest == Interest::Activity).then(|| CallAggregate::new(window.timeline));
    let (text, gzip_damage) = match loaded {
        Ok(loaded) => loaded,
        Err(problem) => {
            result.status = FileStatus::Failed(match problem {
                LoadProblem::Io(source) => InputError::Io { path, source },
                LoadProblem::TooLarge { gzip } => InputError::TooLarge { path, limit, gzip },
            });
            return result;
        }
    };
    result.bytes_json = text.len() as u64;
    if let Some(what) = decode::wrong_encoding(text) {
        result.status = FileStatus::Failed(InputError::Encoding { path, what });
        return result;
    }
    let event_budget = decode::event_budget(limit);
    let decoded = decode::decode_reusing(text, splitter, spare, event_budget, interest);
    if decoded.too_many {
        result.records = decoded.count as u64;
        result.status = FileStatus::Failed(InputError::TooManyEvents { path, limit });
        return result;
    }
    result.records = decoded.count as u64;
    let log_file: Arc<str> = Arc::from(path.display().to_string());
    // Values of the records' array that are not records come first, as they come in it.
    let mut bad_records = decoded.not_records;
    let mut first_bad = decoded.first_not_record.clone();
    let mut repeated = usize::from(decoded.repeated_records);
    // What this file's events take in memory, held to half the limit: a file of tiny records
    // that all name AssumeRole (41 bytes each, compressing ~340 to 1) would otherwise turn
    // 1 GiB of text, 3 MB of gzip, into ~9 GB of events.
    let mut event_bytes = 0usize;
    // The size of this file's calls at which their copies are next taken out (then twice what
    // is left): a file that repeats one call is held as that call, not failed nor kept whole.
    let mut drop_copies_at = event_budget / 8;
    let mut dropped_copies = false;
    // The same for the role assumptions: a file that repeats one (identical records without
    // ids, a few hundred KB of gzip) held 450 MB each until the merge, so eight such files
    // took 3.7 GB (a red-team's, session 40).
    let mut drop_event_copies_at = event_budget / 8;
    let mut calls = CallReader::new();
    for raw in &decoded.records {
        let text = raw.bytes();
        let candidate = match raw.name {
            NameHint::Unknown => matcher.is_match(text),
            NameHint::Candidate(candidate) => candidate,
        };
        if !candidate {
            // Activity: a call made by a role session names its type; any other record is
            // passed over unparsed.
            if let Some(activity) = &mut activity
                && may_be_session_call(text)
            {
                // Each distinct `userIdentity` of the file read once (read::calls); what that
                // reader leaves, read whole (serde words its errors).
                let utf8 = simdutf8::basic::from_utf8(text).ok();
                let read = match utf8 {
                    Some(text) => calls.read(text, |call, known| {
                        window
                            .keeps(call)
                            .then(|| activity.add_in(known, call, &log_file))
                    }),
                    None => CallRead::Whole,
                };
                if let CallRead::Read { repeats } = read {
                    repeated += usize::from(repeats);
                } else {
                    let parsed = match utf8 {
                        Some(text) => {
                            records::read_call(text).map_or_else(|| serde_json::from_str(text), Ok)
                        }
                        None => serde_json::from_slice::<CallRecord>(text),
                    };
                    match parsed {
                        Ok(record) => {
                            repeated += usize::from(record.repeats());
                            if let Some(call) = Call::of_call_record(&record)
                                && window.keeps(&call)
                            {
                                activity.add(&call, &log_file);
                            }
                        }
                        Err(error) => {
                            if bad_records == 0 {
                                first_bad = error.to_string();
                            }
                            bad_records += 1;
                        }
                    }
                }
                if activity.call_bytes() > drop_copies_at {
                    dropped_copies |= activity.drop_copies() > 0;
                    drop_copies_at = drop_copies_at.max(activity.call_bytes().saturating_mul(2));
                }
                if event_bytes + activity.call_bytes() > event_budget {
                    result.events = Vec::new();
                    result.kept = Vec::new();
                    result.status = FileStatus::Failed(InputError::TooManyEvents { path, limit });
                    return result;
                }
            }
            continue;
        }
        // Checking the whole record's UTF-8 at once is cheaper than checking each string the
        // parse borrows; a record that is not UTF-8 throughout still parses as bytes, as before.
        // The hand-written reader takes the plain records; serde all the others.
        let parsed = match simdutf8::basic::from_utf8(text) {
            Ok(text) => records::read_record(text).map_or_else(|| serde_json::from_str(text), Ok),
            Err(_) => serde_json::from_slice::<Record>(text),
        };
        match parsed {
            Ok(record) => {
                repeated += usize::from(record.repeats());
                if interest == Interest::HandOvers
                    && passrole::wanted(record.event_source.as_str(), record.event_name.as_str())
                {
                    // Hand-overs are few: their paths are read from a full JSON value (a
                    // record too deep for it is a bad record, as any record serde refuses),
                    // a key given twice with its first value, as the record's fields.
                    let value = match crate::json::first_wins(text) {
                        Ok((value, repeats)) => {
                            repeated += usize::from(repeats && !record.repeats());
                            value
                        }
                        Err(error) => {
                            if bad_records == 0 {
                                first_bad = error.to_string();
                            }
                            bad_records += 1;
                            continue;
                        }
                    };
                    if let Some(found) = passrole::read(&record, &value, &log_file) {
                        event_bytes += found.byte_len();
                        if event_bytes > event_budget {
                            result.events = Vec::new();
                            result.kept = Vec::new();
                            result.found = Vec::new();
                            result.status =
                                FileStatus::Failed(InputError::TooManyEvents { path, limit });
                            return result;
                        }
                        result.found.push(found);
                        if keep_records {
                            result.kept.push(String::from_utf8_lossy(text).into_owned());
                        }
                    }
                    continue;
                }
                if let Some(activity) = &mut activity
                    && let Some(call) = Call::of_record(&record)
                    && window.keeps(&call)
                {
                    activity.add(&call, &log_file);
                }
                // A session's hop is one of its calls too: what the calls hold counts here as
                // where calls alone are read (a file of one-hop sessions is a file of
                // sessions).
                let calls_held = activity.as_ref().map_or(0, CallAggregate::call_bytes);
                let event = extract(&record, &log_file);
                if let Some(event) = &event {
                    event_bytes += EVENT_SIZE + event.text.byte_len();
                }
                if event_bytes + calls_held > event_budget {
                    result.events = Vec::new();
                    result.kept = Vec::new();
                    result.status = FileStatus::Failed(InputError::TooManyEvents { path, limit });
                    return result;
                }
                if let Some(event) = event {
                    result.events.push((DedupeKey::of(&event), Box::new(event)));
                    if keep_records {
                        result.kept.push(String::from_utf8_lossy(text).into_owned());
                    }
                    if event_bytes > drop_event_copies_at {
                        result.copies_dropped += crate::dedupe::drop_copies(&mut result.events);
                        event_bytes = (result.events.iter())
                            .map(|(_, event)| EVENT_SIZE + event.text.byte_len())
                            .sum::<usize>()
                            + found_bytes(&result.found);
                        drop_event_copies_at =
                            drop_event_copies_at.max(event_bytes.saturating_mul(2));
                    }
                }
            }
            Err(error) => {
                if bad_records == 0 {
                    first_bad = error.to_string();
                }
                bad_records += 1;
            }
        }
    }
    if dropped_copies && let Some(activity) = &mut activity {
        // A file that repeats its calls: the copies read since the last drop go too (a
        // partial result then holds the file's calls once).
        activity.drop_copies();
    }
    if result.copies_dropped > 0 {
        // The same for the role assumptions.
        result.copies_dropped += crate::dedupe::drop_copies(&mut result.events);
    }
    result.activity = activity;
    let salvage = Salvage {
        records: decoded.count,
        bad_lines: decoded.bad_lines,
    };
    // Trailing data after a whole stream: said unless its text is damaged too (that is said
    // instead, as for a file without it).
    let trailing = (gzip_damage.as_ref()).and_then(crate::read::load::TrailingData::of);
    let gzip_damage = gzip_damage.filter(|_| trailing.is_none());
    let trailing = trailing.filter(|_| decoded.error.is_none() && bad_records == 0);
    result.status = if let Some(trailing) = trailing {
        FileStatus::Failed(InputError::TrailingData {
            path,
            trailing,
            records: decoded.count,
        })
    } else if let Some(source) = gzip_damage {
        FileStatus::Failed(InputError::Gzip {
            path,
            what: gzip_problem(&source),
            source,
            salvage,
        })
    } else if let Some(source) = decoded.error {
        FileStatus::Failed(match not_json_start(text) {
            // Not JSON at all (a text file, HTML, a CSV): what it begins with says more
            // than the parser's `expected ident at line 1 column 2`.
            Some(start) if decoded.count == 0 => InputError::NotJson { path, start },
            _ => InputError::Json {
                path,
                source,
                salvage,
            },
        })
    } else if bad_records > 0 {
        FileStatus::Failed(InputError::BadRecords {
            path,
            count: bad_records,
            first: first_bad,
        })
    } else if repeated > 0 {
        FileStatus::Failed(InputError::RepeatedKeys {
            path,
            count: repeated,
        })
    } else if let Some(reason) = decoded.skip {
        FileStatus::Skipped(reason)
    } else {
        FileStatus::Read
    };
    result
}

/// What the hand-overs and profile changes `found` take in memory, as the reading counts it.
fn found_bytes(found: &[Found]) -> usize {
    found.iter().map(Found::byte_len).sum()
}

fn gzip_problem(error: &std::io::Error) -> &'static str {
    // A stream cut short reads as UnexpectedEof, or (zlib-rs) as "incomplete deflate stream".
    if error.kind() == std::io::ErrorKind::UnexpectedEof || error.to_string().contains("incomplete")
    {
        "truncated gzip"
    } else {
        "corrupt gzip"
    }
}

/// The first line's start (up to 24 characters) of a text that cannot be JSON holding records:
/// its first character other than white space is neither `{` nor `[`. `None` otherwise.
fn not_json_start(text: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&text[..text.len().min(512)]);
    let start = head.trim_start_matches([' ', '\t', '\r', '\n', '\u{feff}']);
    if start.is_empty() || start.starts_with(['{', '[']) {
        return None;
    }
    Some(decode::head_of(start.lines().next().unwrap_or_default()))
}
