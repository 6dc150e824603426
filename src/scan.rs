//! The reading stage on all cores: discover → decode → extract → dedupe → chain.
//!
//! Workers each read whole files with their own reusable buffers and return owned results;
//! nothing is printed from a worker. Results are merged on one thread in path order, then
//! deduplicated, sorted and linked, so the outcome is the same for any thread count and any
//! order of inputs.

use crate::chain::link_chains;
use crate::dedupe::{DedupeKey, dedupe};
use crate::error::{InputError, Salvage};
use crate::event::{RoleAssumption, extract};
use crate::input::decode::{self, Buffers, LoadProblem, NameHint, SkipReason};
use crate::input::discover::{DayWindow, Input, discover};
use crate::input::fields;
use crate::input::records::Record;
use crate::input::split::{Records, Splitter};
use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How to read.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files, directories, or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Worker threads; `None` for one per core.
    pub threads: Option<usize>,
    /// Follow symbolic links inside directories.
    pub follow: bool,
    /// S3 date folders outside these days are not read.
    pub window: DayWindow,
    /// Cap on one file's decompressed size.
    pub max_file_size: u64,
    /// Stop at the first file that fails.
    pub strict: bool,
    /// Fill in each event's [`crate::event::ChainInfo`]; commands that never read it (the
    /// graph, services, edges, summary) skip the linking. Implies [`ScanOptions::by_time`].
    pub link_chains: bool,
    /// Sort the events by time; without it (for the commands whose output is the same for any
    /// fixed order: the graph, edges, summary) they stay in path order, each file's in its own
    /// order, which is as deterministic and saves sorting them.
    pub by_time: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            paths: Vec::new(),
            threads: None,
            follow: false,
            window: DayWindow::default(),
            max_file_size: decode::DEFAULT_MAX_FILE_SIZE,
            strict: false,
            link_chains: true,
            by_time: true,
        }
    }
}

/// Counts over one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Files read completely and holding CloudTrail records.
    pub files_read: u64,
    /// Files (or pruned date folders) not read, by reason.
    pub files_skipped: BTreeMap<SkipReason, u64>,
    /// Files that failed (wholly or in part).
    pub files_failed: u64,
    /// Records scanned (including those salvaged from damaged files).
    pub records: u64,
    /// Bytes read from disk.
    pub bytes_read: u64,
    /// Bytes of JSON after decompression.
    pub bytes_json: u64,
    /// Role-assumption records found before de-duplication.
    pub events_found: u64,
    /// Copies dropped by de-duplication.
    pub duplicates: u64,
}

/// The result of reading every input.
#[derive(Debug, Default)]
pub struct Scan {
    /// Distinct role assumptions, sorted by time then `eventID` (unless
    /// [`ScanOptions::by_time`] is off: then in path order), with chains linked when
    /// [`ScanOptions::link_chains`] asked for it. Each is boxed by the worker that read it:
    /// events are a few hundred bytes, and de-duplication and ordering then move pointers.
    pub events: Vec<Box<RoleAssumption>>,
    pub stats: ScanStats,
    /// One error per failed file, in path order.
    pub failures: Vec<InputError>,
    /// True when `strict` stopped the scan early.
    pub stopped: bool,
    pub elapsed: Duration,
}

/// What one file gave.
struct FileResult {
    /// Each event with what de-duplication reads of it, taken here while the event is in the
    /// cache.
    events: Vec<(DedupeKey, Box<RoleAssumption>)>,
    records: u64,
    bytes_read: u64,
    bytes_json: u64,
    status: FileStatus,
}

enum FileStatus {
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

thread_local! {
    /// Each worker thread's buffers, reused from file to file (rayon's `map_init` would make
    /// new ones at every work split, and fresh pages cost the kernel zeroing them).
    static BUFFERS: std::cell::RefCell<WorkerBuffers> =
        std::cell::RefCell::new(WorkerBuffers::default());
}

/// Finds the records worth a full parse: any that mention one of the event names. A superset:
/// an ordinary call may mention "AssumeRole" in a string; the parse decides.
fn candidate_matcher() -> AhoCorasick {
    AhoCorasick::new([
        "AssumeRo",
        "SwitchRole",
        "GetSessionToken",
        "GetFederationToken",
    ])
    .expect("the candidate patterns are valid")
}

/// Reads everything in `options.paths`.
///
/// Files are read in parallel on the current rayon pool (`cmd::execute` installs one of
/// `--threads` threads); file errors are in [`Scan::failures`]. `on_file` is called after each
/// file with the bytes it took (for a progress bar).
pub fn scan(options: &ScanOptions, on_file: &(dyn Fn(u64) + Sync)) -> Scan {
    let started = Instant::now();
    let found = discover(&options.paths, options.follow, options.window);
    let matcher = candidate_matcher();
    let stop = AtomicBool::new(!found.errors.is_empty() && options.strict);
    // Largest files first (by their size on disk), so that the files left at the end, when
    // one worker has run out of work and waits for the others, are the smallest; results are
    // put back in path order below.
    let mut by_size: Vec<usize> = (0..found.inputs.len()).collect();
    by_size.sort_by_key(|&i| {
        std::cmp::Reverse(match &found.inputs[i] {
            Input::File { size, .. } => *size,
            Input::Stdin => 0,
        })
    });
    let mut results: Vec<(usize, FileResult)> = {
        by_size
            .par_iter()
            .map(|&i| {
                let input = &found.inputs[i];
                if stop.load(Ordering::Relaxed) {
                    return (i, FileResult::not_read());
                }
                let result = BUFFERS.with_borrow_mut(|bufs| {
                    read_input(input, options.max_file_size, &matcher, bufs)
                });
                if options.strict && matches!(result.status, FileStatus::Failed(_)) {
                    stop.store(true, Ordering::Relaxed);
                }
                on_file(result.bytes_read);
                (i, result)
            })
            .collect()
    };
    results.sort_unstable_by_key(|&(i, _)| i);

    let mut scan = Scan {
        failures: found.errors,
        ..Scan::default()
    };
    scan.stats.files_failed = scan.failures.len() as u64;
    for reason in found.skipped {
        *scan.stats.files_skipped.entry(reason).or_default() += 1;
    }
    let mut per_file = Vec::with_capacity(results.len());
    for (_, result) in results {
        scan.stats.records += result.records;
        scan.stats.bytes_read += result.bytes_read;
        scan.stats.bytes_json += result.bytes_json;
        match result.status {
            FileStatus::Read => scan.stats.files_read += 1,
            FileStatus::Skipped(reason) => {
                *scan.stats.files_skipped.entry(reason).or_default() += 1
            }
            FileStatus::Failed(error) => {
                scan.stats.files_failed += 1;
                scan.failures.push(error);
            }
            FileStatus::NotRead => scan.stopped = true,
        }
        scan.stats.events_found += result.events.len() as u64;
        per_file.push(result.events);
    }
    scan.failures.sort_by(|a, b| a.path().cmp(b.path()));
    let (mut events, duplicates) = dedupe(per_file, options.by_time || options.link_chains);
    scan.stats.duplicates = duplicates as u64;
    if options.link_chains {
        link_chains(&mut events);
    }
    scan.events = events;
    scan.elapsed = started.elapsed();
    scan
}

impl FileResult {
    fn not_read() -> Self {
        FileResult {
            events: Vec::new(),
            records: 0,
            bytes_read: 0,
            bytes_json: 0,
            status: FileStatus::NotRead,
        }
    }
}

fn read_input(
    input: &Input,
    limit: u64,
    matcher: &AhoCorasick,
    bufs: &mut WorkerBuffers,
) -> FileResult {
    let mut result = FileResult::not_read();
    let WorkerBuffers { load, records } = bufs;
    let mut splitter = decode::record_splitter().reusing(std::mem::take(records));
    let (path, loaded) = match input {
        Input::File {
            skip: Some(reason), ..
        } => {
            result.status = FileStatus::Skipped(*reason);
            return result;
        }
        Input::File { path, size, .. } => {
            result.bytes_read = *size;
            let loaded = std::fs::File::open(path)
                .map_err(LoadProblem::Io)
                .and_then(|file| decode::load(file, limit, load, &mut |text| splitter.feed(text)));
            (path.clone(), loaded)
        }
        Input::Stdin => {
            let loaded = decode::load(std::io::stdin().lock(), limit, load, &mut |text| {
                splitter.feed(text)
            });
            (PathBuf::from("<stdin>"), loaded)
        }
    };
    let mut result = finish_file(path, loaded, splitter, records, limit, matcher, result);
    load.release();
    if matches!(input, Input::Stdin) {
        result.bytes_read = result.bytes_json; // what was read is what was given
    }
    result
}

/// What [`read_bytes`] found in one file.
#[derive(Debug)]
pub struct FileOutcome {
    pub events: Vec<Box<RoleAssumption>>,
    pub records: u64,
    pub skipped: Option<SkipReason>,
    pub error: Option<InputError>,
}

/// Reads one file's bytes exactly as [`scan`] reads a file (gzip or not, any shape), without
/// de-duplication or chains. For tests and fuzzing.
pub fn read_bytes(bytes: &[u8], limit: u64) -> FileOutcome {
    let mut bufs = Buffers::default();
    let mut splitter = decode::record_splitter();
    let loaded = decode::load(bytes, limit, &mut bufs, &mut |text| splitter.feed(text));
    let result = finish_file(
        PathBuf::from("<bytes>"),
        loaded,
        splitter,
        &mut Records::default(),
        limit,
        &candidate_matcher(),
        FileResult::not_read(),
    );
    let (skipped, error) = match result.status {
        FileStatus::Skipped(reason) => (Some(reason), None),
        FileStatus::Failed(error) => (None, Some(error)),
        FileStatus::Read | FileStatus::NotRead => (None, None),
    };
    FileOutcome {
        events: result.events.into_iter().map(|(_, event)| event).collect(),
        records: result.records,
        skipped,
        error,
    }
}

type Loaded<'b> = Result<(&'b [u8], Option<std::io::Error>), LoadProblem>;

fn finish_file(
    path: PathBuf,
    loaded: Loaded,
    splitter: Splitter,
    spare: &mut Records,
    limit: u64,
    matcher: &AhoCorasick,
    mut result: FileResult,
) -> FileResult {
    let (text, gzip_damage) = match loaded {
        Ok(loaded) => loaded,
        Err(problem) => {
            result.status = FileStatus::Failed(match problem {
                LoadProblem::Io(source) => InputError::Io { path, source },
                LoadProblem::TooLarge => InputError::TooLarge { path, limit },
            });
            return result;
        }
    };
    result.bytes_json = text.len() as u64;
    let decoded = decode::decode_reusing(text, splitter, spare);
    result.records = decoded.count as u64;
    let log_file: Arc<str> = Arc::from(path.display().to_string());
    let mut bad_records = 0;
    let mut first_bad = String::new();
    for raw in &decoded.records {
        let text = raw.bytes();
        let candidate = match raw.name {
            NameHint::Unknown => matcher.is_match(text),
            NameHint::Candidate(candidate) => candidate,
        };
        if !candidate {
            continue;
        }
        // Checking the whole record's UTF-8 at once is cheaper than checking each string the
        // parse borrows; a record that is not UTF-8 throughout still parses as bytes, as before.
        // The hand-written reader takes the plain records; serde all the others.
        let parsed = match std::str::from_utf8(text) {
            Ok(text) => fields::read_record(text).map_or_else(|| serde_json::from_str(text), Ok),
            Err(_) => serde_json::from_slice::<Record>(text),
        };
        match parsed {
            Ok(record) => result.events.extend(
                extract(&record, &log_file).map(|event| (DedupeKey::of(&event), Box::new(event))),
            ),
            Err(error) => {
                if bad_records == 0 {
                    first_bad = error.to_string();
                }
                bad_records += 1;
            }
        }
    }
    let salvage = Salvage(decoded.count);
    result.status = if let Some(source) = gzip_damage {
        FileStatus::Failed(InputError::Gzip {
            path,
            what: gzip_problem(&source),
            source,
            salvage,
        })
    } else if let Some(source) = decoded.error {
        FileStatus::Failed(InputError::Json {
            path,
            source,
            salvage,
        })
    } else if bad_records > 0 {
        FileStatus::Failed(InputError::BadRecords {
            path,
            count: bad_records,
            first: first_bad,
        })
    } else if let Some(reason) = decoded.skip {
        FileStatus::Skipped(reason)
    } else {
        FileStatus::Read
    };
    result
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
