//! The reading stage on all cores: discover → decode → extract → dedupe → chain.
//!
//! Workers each read whole files with their own reusable buffers and return owned results;
//! nothing is printed from a worker. Results are merged on one thread in path order, then
//! deduplicated, sorted and linked, so the outcome is the same for any thread count and any
//! order of inputs.

use crate::activity::CallWindow;
use crate::activity::aggregate::{Activity, FileActivity, merge as merge_activity};
use crate::canon::canonical_roles;
use crate::chain::link_chains;
use crate::console::pair_console_switches;
use crate::dedupe::{dedupe, output_order};
use crate::error::InputError;
use crate::event::RoleAssumption;
use crate::passrole::resolve::resolve;
use crate::passrole::{Found, HandOver};
use crate::read::decode::{Interest, SkipReason};
use crate::read::discover::{DayWindow, Discovery, Input, discover};
use crate::read::file::{FileReader, FileResult, FileStatus};
use crate::read::{load, s3};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
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
    /// What to look for: role assumptions, or those and the calls that hand roles over
    /// ([`Scan::hand_overs`]).
    pub interest: Interest,
    /// The calls counted when the interest is [`Interest::Activity`].
    pub calls: CallWindow,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            paths: Vec::new(),
            threads: None,
            follow: false,
            window: DayWindow::default(),
            max_file_size: load::DEFAULT_MAX_FILE_SIZE,
            strict: false,
            link_chains: true,
            by_time: true,
            interest: Interest::RoleAssumptions,
            calls: CallWindow::default(),
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
    /// Console switches whose two records (`SwitchRole` and the console's `AssumeRole`) were
    /// merged into one event ([`crate::console`]).
    pub console_pairs: u64,
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
    /// The roles handed to services (when [`ScanOptions::interest`] asked for them), one per
    /// call and role, resolved ([`crate::passrole::resolve`]) and in time order.
    pub hand_overs: Vec<HandOver>,
    /// What role sessions did (when [`ScanOptions::interest`] asked for it), merged over all
    /// files.
    pub activity: Activity,
    pub elapsed: Duration,
}

/// Reads everything in `options.paths`: [`find_inputs`], then [`read_inputs`].
///
/// Files are read in parallel on the current rayon pool (`cmd::execute` installs one of
/// `--threads` threads); file errors are in [`Scan::failures`]. `on_file` is called after each
/// file with the bytes it took (for a progress bar).
pub fn scan(options: &ScanOptions, on_file: &(dyn Fn(u64) + Sync)) -> Scan {
    read_inputs(options, find_inputs(options), on_file)
}

/// The inputs found in `options.paths`, not yet read: what `cmd::execute` checks the output
/// against before anything is read or written.
#[derive(Debug)]
pub struct Inputs {
    pub found: Discovery,
    started: Instant,
}

/// Finds the inputs (the first stage of [`scan`]).
pub fn find_inputs(options: &ScanOptions) -> Inputs {
    let started = Instant::now();
    Inputs {
        found: discover(&options.paths, options.follow, options.window),
        started,
    }
}

/// Reads the inputs found by [`find_inputs`] (the rest of [`scan`]); the elapsed time counts
/// from the start of [`find_inputs`].
pub fn read_inputs(options: &ScanOptions, inputs: Inputs, on_file: &(dyn Fn(u64) + Sync)) -> Scan {
    let Inputs { found, started } = inputs;
    let reader = FileReader::new(options.max_file_size, options.interest).counting(options.calls);
    let stop = AtomicBool::new(!found.errors.is_empty() && options.strict);
    // Largest files first (by their size on disk), so that the files left at the end, when
    // one worker has run out of work and waits for the others, are the smallest; results are
    // put back in path order below.
    let mut by_size: Vec<usize> = (0..found.inputs.len()).collect();
    by_size.sort_by_key(|&i| {
        std::cmp::Reverse(match &found.inputs[i] {
            Input::File { size, .. } | Input::Object { size, .. } => *size,
            Input::Stdin => 0,
        })
    });
    // S3 objects are fetched ahead of the workers, in the order they take them (read::s3).
    let reader = reader.fetching(s3::Prefetch::start(
        by_size.iter().map(|&i| &found.inputs[i]),
        options.max_file_size,
    ));
    // Each worker folds the activity of the files it reads into one aggregate (a session is
    // then held once per worker, not once per file).
    let folded: Vec<WorkerResults> = by_size
        .par_iter()
        .fold(
            || (Vec::new(), None::<FileActivity>),
            |(mut results, mut activity), &i| {
                let input = &found.inputs[i];
                if stop.load(Ordering::Relaxed) {
                    results.push((i, FileResult::not_read()));
                    return (results, activity);
                }
                let mut result = reader.read(input);
                if options.strict && matches!(result.status, FileStatus::Failed(_)) {
                    stop.store(true, Ordering::Relaxed);
                }
                on_file(result.bytes_read);
                if let Some(read) = result.activity.take() {
                    match &mut activity {
                        Some(activity) => activity.absorb(read),
                        None => activity = Some(read),
                    }
                }
                results.push((i, result));
                (results, activity)
            },
        )
        .collect();
    let mut results: Vec<(usize, FileResult)> = Vec::with_capacity(found.inputs.len());
    let mut activities = Vec::new();
    for (worker_results, activity) in folded {
        results.extend(worker_results);
        activities.extend(activity);
    }
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
    let mut hand_overs = Vec::new();
    let mut profile_changes = Vec::new();
    for (_, result) in results {
        for found in result.found {
            match found {
                Found::HandOvers(found) => hand_overs.extend(found),
                Found::Profile(change) => profile_changes.push(change),
            }
        }
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
            FileStatus::NotRead => {}
        }
        scan.stats.events_found += result.events.len() as u64;
        per_file.push(result.events);
    }
    scan.failures.sort_by(|a, b| a.path().cmp(b.path()));
    s3::collapse(&mut scan.failures);
    let by_time = options.by_time || options.link_chains;
    let (mut events, duplicates) = dedupe(per_file, by_time);
    scan.stats.duplicates = duplicates as u64;
    // One name per role, then one event per console switch (which matches the two records
    // by role), before chains are linked through the merged switches' keys.
    canonical_roles(&mut events);
    scan.stats.console_pairs = pair_console_switches(&mut events) as u64;
    if by_time && scan.stats.console_pairs > 0 {
        // A merged switch took the AssumeRole's eventID, which orders it within its second.
        events.par_sort_by(|a, b| output_order(a, b));
    }
    if options.link_chains {
        link_chains(&mut events);
    }
    if options.interest == Interest::Activity {
        scan.activity = merge_activity(activities);
    }
    // A trail without hand-overs (most of the calls any command reads) costs nothing more.
    if options.interest == Interest::HandOvers && !hand_overs.is_empty() {
        scan.hand_overs = distinct_hand_overs(hand_overs);
        profile_changes.sort();
        profile_changes.dedup_by(|a, b| a.event_id == b.event_id && a == b);
        resolve(
            &mut scan.hand_overs,
            &profile_changes,
            &events,
            options.link_chains,
        );
    }
    scan.events = events;
    scan.elapsed = started.elapsed();
    scan
}

/// What one worker read: each file's result (with its index), and the activity of all its
/// files folded into one.
type WorkerResults = (Vec<(usize, FileResult)>, Option<FileActivity>);

/// One of each hand-over however many files carry its record (an organization trail and an
/// account's own trail deliver the same call twice): the same event id, account, role and
/// service; records without an id by their content. The copy from the first file by path is
/// kept, whatever order files were read in.
fn distinct_hand_overs(mut hand_overs: Vec<HandOver>) -> Vec<HandOver> {
    // Borrowed: sorting compares keys, and must not copy them at each comparison.
    fn key(h: &HandOver) -> impl Ord + '_ {
        let content = h.event_id.is_empty().then_some((
            h.event_time,
            h.passer.as_str(),
            h.event_name.as_str(),
        ));
        (
            h.event_id.as_str(),
            h.recipient_account.as_str(),
            h.named.as_str(),
            h.service,
            content,
        )
    }
    hand_overs.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.log_file.cmp(&b.log_file))
    });
    hand_overs.dedup_by(|later, first| key(later).cmp(&key(first)).is_eq());
    hand_overs
}
