//! The reading stage on all cores: discover → decode → extract → dedupe → chain.
//!
//! Workers each read whole files with their own reusable buffers and return owned results;
//! nothing is printed from a worker. Results are merged on one thread in path order, then
//! deduplicated, sorted and linked, so the outcome is the same for any thread count and any
//! order of inputs.

use crate::activity::CallCounting;
use crate::activity::aggregate::{Activity, CallAggregate, merge as merge_activity};
use crate::canon::{canonical_roles, canonical_roles_spelled, canonical_roles_with_issuers};
use crate::chain::link_chains;
use crate::console::pair_console_switches;
use crate::dedupe::{dedupe, output_order};
use crate::error::InputError;
use crate::event::{RoleAssumption, SourceKind};
use crate::passrole::resolve::resolve;
use crate::passrole::{Found, HandOver};
use crate::read::decode::{Interest, SkipReason};
use crate::read::discover::{DayWindow, Discovery, Input, discover};
use crate::read::file::{FileReader, FileResult, FileStatus};
use crate::read::{load, s3};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    pub days: DayWindow,
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
    pub calls: CallCounting,
    /// Keep the text of each record that gives something, to write a partial result
    /// ([`crate::partial`]).
    pub keep_records: bool,
    /// The end of the window (`--until`): a hand-over's wearing counts no session after it.
    /// What is read past it depends on how the logs are laid out (a day of slack in S3
    /// layout, all of it elsewhere), and one window gave one trail two answers (an
    /// auditor's, session 39).
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            paths: Vec::new(),
            threads: None,
            follow: false,
            days: DayWindow::default(),
            max_file_size: load::DEFAULT_MAX_FILE_SIZE,
            strict: false,
            link_chains: true,
            by_time: true,
            interest: Interest::RoleAssumptions,
            calls: CallCounting::default(),
            keep_records: false,
            until: None,
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
    /// The files named as inputs themselves (not found in a folder) that were skipped as not
    /// CloudTrail or empty, with why: said by path, since the user meant them to be read (a
    /// digest or an insight file named, as a shell's `*.json.gz` names them, is only counted).
    pub named_skips: Vec<(PathBuf, SkipReason)>,
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
/// file opened (read, failed, or skipped for what it holds; not an entry discovery passed
/// over, nor one left unread by `--strict`) with the bytes it took, for a progress bar.
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
        found: discover(&options.paths, options.follow, options.days),
        started,
    }
}

/// Reads the inputs found by [`find_inputs`] (the rest of [`scan`]); the elapsed time counts
/// from the start of [`find_inputs`].
pub fn read_inputs(options: &ScanOptions, inputs: Inputs, on_file: &(dyn Fn(u64) + Sync)) -> Scan {
    assemble(options, read_files(options, inputs, on_file))
}

/// What reading every input gave, before anything is merged: each file's result in input
/// order (the files of partial results among them, each path once), what discovery skipped
/// or could not walk, and the workers' activity. [`assemble`] makes the scan of it;
/// [`crate::partial::write`] a partial result.
pub(crate) struct FilesRead {
    pub(crate) files: Vec<(Input, FileResult)>,
    /// The log files that partial results among the inputs hold (known only once they are
    /// read): what `-o` must not write over either.
    pub(crate) partials_hold: Vec<std::path::PathBuf>,
    pub(crate) skipped: Vec<SkipReason>,
    pub(crate) errors: Vec<InputError>,
    pub(crate) activities: Vec<CallAggregate>,
    started: Instant,
}

/// The reader of a scan: its limit, interest and call window, and whether it keeps records
/// for a partial result.
pub(crate) fn reader_of(options: &ScanOptions) -> FileReader {
    FileReader::new(options.max_file_size, options.interest)
        .counting(options.calls)
        .within(options.days)
        .keeping_records(options.keep_records)
}

/// Reads every input on all cores; partial results among them are opened into the files they
/// hold, whose kept records are read again ([`crate::read::file::read_kept`]).
pub(crate) fn read_files(
    options: &ScanOptions,
    inputs: Inputs,
    on_file: &(dyn Fn(u64) + Sync),
) -> FilesRead {
    let Inputs { found, started } = inputs;
    let reader = reader_of(options);
    // With `--strict`, the first failure is the first by path (input order), whatever the
    // order the files are read in: once file i fails, the files after it are not read, those
    // before it still are (one of them may fail first), and only the first failure is kept
    // below. The same file is named for any thread count. (Discovery's errors come first:
    // then nothing is read.)
    let unread_from = AtomicUsize::new(if !found.errors.is_empty() && options.strict {
        0
    } else {
        usize::MAX
    });
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
            || (Vec::new(), None::<CallAggregate>),
            |(mut results, mut activity), &i| {
                let input = &found.inputs[i];
                if i >= unread_from.load(Ordering::Relaxed) {
                    results.push((i, FileResult::not_read()));
                    return (results, activity);
                }
                let mut result = reader.read(input);
                if options.strict && matches!(result.status, FileStatus::Failed(_)) {
                    unread_from.fetch_min(i + 1, Ordering::Relaxed);
                }
                if !input.is_passed_over() {
                    on_file(result.bytes_read);
                }
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
    // Files after the first failure that were read before it was found are as if not read.
    let unread_from = unread_from.into_inner();
    for (_, result) in results.iter_mut().skip(unread_from) {
        *result = FileResult::not_read();
    }
    let Discovery {
        inputs,
        mut errors,
        mut skipped,
        ..
    } = found;
    // Each file with where it came from: read here (`None`), or the n-th partial's.
    let mut entries: Vec<(Option<usize>, Input, FileResult)> = Vec::with_capacity(results.len());
    let mut partial_activity: Vec<Option<CallAggregate>> = Vec::new();
    for ((_, mut result), input) in results.into_iter().zip(inputs) {
        match result.partial.take() {
            Some(partial) => {
                let partial = *partial;
                let n = partial_activity.len();
                skipped.extend(partial.skipped);
                errors.extend(partial.failed);
                partial_activity.push(partial.activity);
                entries.extend(
                    (partial.files.into_iter()).map(|(input, result)| (Some(n), input, result)),
                );
            }
            None => entries.push((None, input, result)),
        }
    }
    if !partial_activity.is_empty() {
        once_each(&mut entries, &mut partial_activity);
        // A partial holds every file its run read: with `--strict`, the files after the
        // first that failed are as if not read, as in a run over the logs themselves (the
        // same one file named), and none is when a path could not be walked (discovery's
        // errors come first).
        let first_failed = || {
            entries
                .iter()
                .position(|(_, _, result)| matches!(result.status, FileStatus::Failed(_)))
                .map(|first| first + 1)
        };
        let unread_from = if errors.is_empty() {
            first_failed()
        } else {
            Some(0)
        };
        if options.strict
            && let Some(unread_from) = unread_from
        {
            for (_, _, result) in entries.iter_mut().skip(unread_from) {
                *result = FileResult::not_read();
            }
        }
    }
    // A path that could not be walked, as discovery gives it: once, however many partials
    // (or the run itself) found it so.
    crate::read::discover::once_per_path(&mut errors);
    activities.extend(partial_activity.into_iter().flatten());
    let partials_hold = (entries.iter())
        .filter_map(|(from, input, _)| match (from, input) {
            (Some(_), Input::File { path, .. }) => Some(path.clone()),
            _ => None,
        })
        .collect();
    let files = entries
        .into_iter()
        .map(|(_, input, result)| (input, result))
        .collect();
    FilesRead {
        files,
        partials_hold,
        skipped,
        errors,
        activities,
        started,
    }
}

/// Puts the files read and the files partials hold in input order, each file once, as
/// discovery gives every file once. A file is known by its path as written and what reading
/// it gave (size, bytes of JSON, records): a file read here and held by a partial, or held by
/// two partials, is kept once (the one read here, else the first partial's in input order),
/// and its calls are taken out of the other partials' activity. Standard input, and files of
/// one path that differ (partials made in different folders), are different files.
fn once_each(
    entries: &mut Vec<(Option<usize>, Input, FileResult)>,
    partial_activity: &mut [Option<CallAggregate>],
) {
    fn key(entry: &(Option<usize>, Input, FileResult)) -> impl Ord + '_ {
        let (source, input, result) = entry;
        // In discovery's order: standard input, files by path, objects by address.
        let name = match input {
            Input::Stdin => (0, None, None),
            Input::File { path, .. } => (1, Some(path), None),
            Input::Object { url, .. } => (2, None, Some(url)),
        };
        let read = (result.bytes_read, result.bytes_json, result.records);
        (name, read, source.map_or(0, |n| n + 1))
    }
    entries.sort_by(|a, b| key(a).cmp(&key(b)));
    let mut dropped: Vec<Vec<String>> = vec![Vec::new(); partial_activity.len()];
    entries.dedup_by(|later, first| {
        let same_path = match (&later.1, &first.1) {
            (Input::File { path: a, .. }, Input::File { path: b, .. }) => a == b,
            (Input::Object { url: a, .. }, Input::Object { url: b, .. }) => a == b,
            _ => false,
        };
        let same = same_path
            && (later.2.bytes_read, later.2.bytes_json, later.2.records)
                == (first.2.bytes_read, first.2.bytes_json, first.2.records);
        if let (true, Some(n)) = (same, later.0) {
            dropped[n].push(crate::partial::input_path(&later.1).display().to_string());
        }
        same
    });
    for (activity, logs) in partial_activity.iter_mut().zip(&dropped) {
        if let Some(activity) = activity
            && !logs.is_empty()
        {
            activity.drop_logs(&logs.iter().map(String::as_str).collect());
        }
    }
}

/// The scan of what [`read_files`] read: statistics, failures, distinct events in order,
/// linked chains, merged activity and resolved hand-overs.
pub(crate) fn assemble(options: &ScanOptions, read: FilesRead) -> Scan {
    let FilesRead {
        files,
        partials_hold: _,
        skipped,
        errors,
        activities,
        started,
    } = read;
    let mut scan = Scan {
        failures: errors,
        ..Scan::default()
    };
    scan.stats.files_failed = scan.failures.len() as u64;
    for reason in skipped {
        *scan.stats.files_skipped.entry(reason).or_default() += 1;
    }
    let mut per_file = Vec::with_capacity(files.len());
    // Copies the workers took out of their files' events (read::file), counted with the
    // merge's.
    let mut copies_dropped = 0;
    let mut hand_overs = Vec::new();
    let mut profile_changes = Vec::new();
    for (input, result) in files {
        if let (
            FileStatus::Skipped(reason),
            Input::File {
                path, skip: None, ..
            },
        ) = (&result.status, &input)
            && matches!(reason, SkipReason::NotCloudTrail | SkipReason::Empty)
        {
            scan.stats.named_skips.push((path.clone(), *reason));
        }
        for found in result.found {
            match found {
                Found::HandOvers(found) => hand_overs.extend(found),
                Found::Profile(change) => profile_changes.push(change),
            }
        }
        scan.stats.records = scan.stats.records.saturating_add(result.records);
        scan.stats.bytes_read = scan.stats.bytes_read.saturating_add(result.bytes_read);
        scan.stats.bytes_json = scan.stats.bytes_json.saturating_add(result.bytes_json);
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
        scan.stats.events_found += (result.events.len() + result.copies_dropped) as u64;
        copies_dropped += result.copies_dropped;
        per_file.push(result.events);
    }
    // Of the files skipped, those named as inputs: one set of the names, not a pass over them
    // per file (a shell's glob names thousands).
    if !scan.stats.named_skips.is_empty() {
        let named: std::collections::HashSet<&PathBuf> = options.paths.iter().collect();
        scan.stats
            .named_skips
            .retain(|(path, _)| named.contains(path));
    }
    scan.failures.sort_by(|a, b| a.path().cmp(b.path()));
    s3::collapse(&mut scan.failures);
    let by_time = options.by_time || options.link_chains;
    // The calls' merge (activity) and the role assumptions' stages share nothing: they run
    // side by side, so the merge's one-thread parts overlap the stages (at 1M records on two
    // threads, ~130 ms for the stages and ~260 ms for the merge, one after the other before).
    let ((mut events, duplicates, console_pairs, spelled), activity) = rayon::join(
        || {
            let (mut events, duplicates) = dedupe(per_file, by_time);
            // One name per role, then one event per console switch (which matches the two
            // records by role), before chains are linked through the merged switches' keys.
            // (What the events spell is kept only where the calls' issuers are checked
            // against it.)
            let spelled = if options.interest == Interest::Activity {
                Some(canonical_roles_spelled(&mut events))
            } else {
                canonical_roles(&mut events);
                None
            };
            let console_pairs = pair_console_switches(&mut events);
            if by_time && console_pairs > 0 {
                // A merged switch took the AssumeRole's eventID, which orders it within its
                // second.
                events.par_sort_by(|a, b| output_order(a, b));
            }
            if options.link_chains {
                crate::chain::name_copies_roles(&mut events);
                link_chains(&mut events);
            }
            (events, duplicates, console_pairs, spelled)
        },
        || (options.interest == Interest::Activity).then(|| merge_activity(activities)),
    );
    scan.stats.duplicates = (duplicates + copies_dropped) as u64;
    scan.stats.console_pairs = console_pairs as u64;
    if let (Some(activity), Some(spelled)) = (activity, spelled) {
        // The calls' session issuers are AWS's spellings too: a role whose path only a call
        // shows (an Identity Center sign-in) is named with it, in every row alike.
        let issuers = (activity.sessions.iter())
            .map(|session| &*session.issuer_arn)
            .filter(|issuer| !issuer.is_empty());
        canonical_roles_with_issuers(&mut events, &spelled, issuers);
        scan.activity = activity;
        if options.link_chains {
            // Another account's copies of a session's calls, counted by minute, are joined
            // by the hop that issued the session.
            crate::activity::attribute::fold_copies(&mut scan.activity, &events);
        }
        // Root's calls are an `AssumeRoot` session's only where that hop was read.
        crate::activity::attribute::keep_issued_root_sessions(&mut scan.activity, &events);
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
            options.until,
        );
    }
    scan.events = events;
    scan.elapsed = started.elapsed();
    scan
}

/// What one worker read: each file's result (with its index), and the activity of all its
/// files folded into one.
type WorkerResults = (Vec<(usize, FileResult)>, Option<CallAggregate>);

/// One of each hand-over however many files carry its record (an organization trail and an
/// account's own trail deliver the same call twice, EventBridge with no recipient account):
/// the same call, by its `sharedEventID`, else its `eventID`, as role assumptions are
/// ([`crate::dedupe`]), and the same role and service; records without an id by their
/// content. The caller's copy is kept (not the role account's `AWSAccount` one), then the
/// least by what its copies share, then the copy from the first file by path, then by its own
/// id: whatever order files, or the records in a file, were read in.
fn distinct_hand_overs(mut hand_overs: Vec<HandOver>) -> Vec<HandOver> {
    // Borrowed: sorting compares keys, and must not copy them at each comparison.
    fn key(h: &HandOver) -> impl Ord + '_ {
        // A record without an id: everything read of it (two functions made in one second
        // by one user with one role differ in their resources).
        let content = (h.event_id.is_empty() && h.shared_event_id.is_empty()).then_some((
            (h.event_time, h.event_source.as_str(), h.event_name.as_str()),
            (h.passer.as_str(), h.caller_access_key.as_str()),
            (h.caller_session_created, h.caller_role_arn.as_str()),
            (
                h.error_code.as_str(),
                h.source_ip.as_str(),
                h.resources.as_slice(),
            ),
        ));
        let id = match h.shared_event_id.as_str() {
            "" => (false, h.event_id.as_str()),
            shared => (true, shared),
        };
        (id, h.named.as_str(), h.service, content)
    }
    // What was read of a call that its copies share (not its `eventID` or recipient account,
    // which each account's copy has its own, and which one shape may lack): of two calls given
    // one id (sample trails do), the least is kept, as of role assumptions, whichever came
    // first in its file (a red-team's, session 38: alice's call or mallory's, by the order of
    // two lines); copies, alike in it, go by file. First, the copy that lacks least of what
    // finds the passer's chain is kept (the same red-team's: a copy without its access key
    // was kept, and linked to another session of the same name).
    fn read_of(h: &HandOver) -> impl Ord + '_ {
        let lacks = (
            h.caller_access_key.is_empty(),
            h.caller_session_created.is_none(),
            h.caller_role_arn.is_empty(),
            h.event_time.is_none(),
        );
        (
            lacks,
            (h.event_time, h.event_source.as_str(), h.event_name.as_str()),
            (h.outcome, h.error_code.as_str(), h.passer_kind),
            (h.passer.as_str(), h.passer_account.as_str()),
            (h.caller_access_key.as_str(), h.caller_session_created),
            (h.caller_role_arn.as_str(), h.resources.as_slice()),
            (h.region_partition, h.source_ip.as_str()),
        )
    }
    hand_overs.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| {
                let by_account = |h: &HandOver| h.passer_kind == SourceKind::AwsAccount;
                by_account(a).cmp(&by_account(b))
            })
            .then_with(|| read_of(a).cmp(&read_of(b)))
            .then_with(|| a.log_file.cmp(&b.log_file))
            .then_with(|| a.event_id.cmp(&b.event_id))
            .then_with(|| a.recipient_account.cmp(&b.recipient_account))
    });
    hand_overs.dedup_by(|later, first| key(later).cmp(&key(first)).is_eq());
    hand_overs
}
