//! One module per subcommand, each the same shape: its rows or writer, and `run`. The shared
//! frame ([`execute`]) plans, scans with a progress bar, reports bad files on stderr, filters,
//! writes the output and picks the exit status.

pub mod activity;
pub mod chains;
pub mod edges;
pub mod events;
pub mod findings;
pub mod graph;
pub mod list;
pub mod partial;
pub mod passrole;
mod progress;
pub mod report;
pub mod services;
pub mod summary;

use crate::cli::{Cli, Command, ReadArgs, RowsFormat};
use crate::event::RoleAssumption;
use crate::exit::ExitCode;
use crate::export::plural;
use crate::export::table::printable;
use crate::passrole::HandOver;
use crate::plan::{Plan, plan};
use crate::read::decode::{Interest, SkipReason};
use crate::scan::{Scan, assemble, find_inputs, read_files};
use progress::{cleared, delayed_bar, reading_bar};
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a command reads of the events beyond their fields. Linking chains costs a few percent
/// of a large scan and sorting by time about one, so commands that never read them say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Where each event sits in its chain ([`crate::event::ChainInfo`]), events in time order:
    /// the listings.
    Chains,
    /// Events in time order (a row that keeps the last value seen).
    TimeOrder,
    /// Neither: output that is the same for any fixed order of the events (counts, the graph).
    Fields,
}

/// What a command's writer gets: the plan, the whole scan, and the events its filters keep.
pub struct Context<'a> {
    pub plan: &'a Plan,
    pub scan: &'a Scan,
    pub events: Vec<&'a RoleAssumption>,
    /// Which of the scan's events the focus (`--from`, `--to`, `--depth`) keeps, by index:
    /// for the writers that walk all of them (chains).
    pub focused: Vec<bool>,
    /// Lines for stderr the writer leaves (such as the level a graph was drawn at), printed
    /// after the output.
    pub notes: std::sync::Mutex<Vec<String>>,
    /// The hand-overs the filters and the focus keep (read only for [`Interest::HandOvers`]).
    pub hand_overs: Vec<&'a HandOver>,
    /// The role sessions and their calls a writer showed (`activity`) or drew findings from,
    /// for the closing line; unset, it counts the sessions read.
    pub shown_sessions: std::sync::OnceLock<(u64, u64)>,
    /// How many findings the writer listed (`findings`), for the closing line.
    pub findings_listed: std::sync::OnceLock<usize>,
}

impl Context<'_> {
    /// Leaves a line for stderr, printed after the output.
    pub fn note(&self, line: String) {
        self.notes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(line);
    }

    /// Whether the filters and the focus keep the scan's event number `index` (the writers
    /// that walk all of them: chains, findings).
    pub fn keeps(&self, index: usize) -> bool {
        self.focused[index] && self.plan.filters.keep(&self.scan.events[index])
    }

    /// Notes that the filters kept none of the role assumptions read.
    pub fn note_none_matched(&self) {
        self.note(format!(
            "no role assumption matched the filters ({} read)",
            self.scan.events.len()
        ));
    }

    /// Writes `rows` as a table, records on a terminal too narrow for it
    /// ([`crate::export::table::write`]).
    pub fn write_table(
        &self,
        rows: &dyn crate::export::Rows,
        wtr: &mut dyn Write,
    ) -> io::Result<()> {
        crate::export::table::write(rows, self.plan.output.terminal_columns(), wtr)
    }

    /// Writes `rows` in `format` (`raw`: CSV cells as they are, formulas not neutralized),
    /// the one choice of writer for every command of rows.
    pub fn write_rows(
        &self,
        rows: &dyn crate::export::Rows,
        format: RowsFormat,
        raw: bool,
        wtr: &mut dyn Write,
    ) -> io::Result<()> {
        use crate::export::{csv, json};
        match format {
            RowsFormat::Csv => csv::write(rows, raw, wtr),
            RowsFormat::Json => json::write_array(rows, wtr),
            RowsFormat::Jsonl => json::write_lines(rows, wtr),
            RowsFormat::Table => self.write_table(rows, wtr),
        }
    }

    /// [`Context::write_rows`] for long listings: CSV and JSON Lines in parallel chunks.
    pub fn write_indexed_rows(
        &self,
        rows: &dyn crate::export::IndexedRows,
        format: RowsFormat,
        raw: bool,
        wtr: &mut dyn Write,
    ) -> io::Result<()> {
        use crate::export::{csv, json};
        match format {
            RowsFormat::Csv => csv::write_indexed(rows, raw, wtr),
            RowsFormat::Jsonl => json::write_lines_indexed(rows, wtr),
            RowsFormat::Json => json::write_array(rows, wtr),
            RowsFormat::Table => self.write_table(rows, wtr),
        }
    }
}

/// Whether a command frees what it read when it is done ([`let_go`]): only where many commands
/// run in one process (the `commands` fuzz target).
static FREE_WHEN_DONE: AtomicBool = AtomicBool::new(false);

/// Lets go of what a command read once its output is written. The process ends right after
/// ([`run`] is its last act), and freeing every event, node and edge one by one would only
/// cost time, so it is forgotten, unless [`free_when_done`] was called.
pub(crate) fn let_go<T>(value: T) {
    if FREE_WHEN_DONE.load(Ordering::Relaxed) {
        drop(value);
    } else {
        std::mem::forget(value);
    }
}

/// Makes every later [`run`] free what it read (a process that runs many commands).
pub fn free_when_done() {
    FREE_WHEN_DONE.store(true, Ordering::Relaxed);
}

/// Runs the parsed command line, reporting problems on `stderr`.
pub fn run(cli: &Cli, stderr: &mut dyn Write) -> ExitCode {
    match &cli.command {
        Command::Events(args) => events::run(args, stderr),
        Command::Graph(args) => graph::run(args, stderr),
        Command::Chains(args) => chains::run(args, stderr),
        Command::Services(args) => services::run(args, stderr),
        Command::Passrole(args) => passrole::run(args, stderr),
        Command::Activity(args) => activity::run(args, stderr),
        Command::Findings(args) => findings::run(args, stderr),
        Command::Edges(args) => edges::run(args, stderr),
        Command::Summary(args) => summary::run(args, stderr),
        Command::Report(args) => report::run(args, stderr),
        Command::Partial(args) => partial::run(args, stderr),
        Command::List(args) => list::run(args, stderr),
    }
}

/// The shared frame of every reading command; `write` produces the output.
pub fn execute(
    args: &ReadArgs,
    needs: Needs,
    stderr: &mut dyn Write,
    write: &dyn Fn(&Context, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    execute_for(args, needs, Interest::RoleAssumptions, stderr, write)
}

/// [`execute`], reading what `interest` asks for: with [`Interest::HandOvers`], for a command
/// that lists hand-overs alone (`passrole`).
pub fn execute_for(
    args: &ReadArgs,
    needs: Needs,
    interest: Interest,
    stderr: &mut dyn Write,
    write: &dyn Fn(&Context, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    let shows = match interest {
        Interest::HandOvers => Shows::HandOvers,
        _ => Shows::RoleAssumptions,
    };
    frame(args, needs, interest, shows, false, stderr, write)
}

/// [`execute`] reading every call role sessions made as well, for a command that `shows`
/// sessions, calls (one row each, besides the aggregates: `--calls`) or findings.
pub(super) fn execute_activity(
    args: &ReadArgs,
    shows: Shows,
    stderr: &mut dyn Write,
    write: &dyn Fn(&Context, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    frame(
        args,
        Needs::Chains,
        Interest::Activity,
        shows,
        false,
        stderr,
        write,
    )
}

/// [`execute`] for `findings`: reads every call as well when `with_calls` (a kind needs
/// sessions), and the date folders before `--since` too when `with_history` (a baseline of new
/// edges is every hop read up to its end, whatever `--since` says: reading the date folders
/// from `--since` only would make it depend on how the logs are laid out, as a flat folder is
/// read whole).
pub(super) fn execute_findings(
    args: &ReadArgs,
    with_calls: bool,
    with_history: bool,
    stderr: &mut dyn Write,
    write: &dyn Fn(&Context, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    let (interest, shows) = if with_calls {
        (Interest::Activity, Shows::Findings)
    } else {
        (Interest::RoleAssumptions, Shows::RoleAssumptions)
    };
    frame(
        args,
        Needs::Chains,
        interest,
        shows,
        with_history,
        stderr,
        write,
    )
}

/// [`execute`] for a command that shows role assumptions and the hand-overs among them (the
/// graph, `services`, the report): reads both; stderr speaks of role assumptions as
/// [`execute`]'s does, and its closing line counts the hand-overs when any were read.
pub fn execute_with_hand_overs(
    args: &ReadArgs,
    needs: Needs,
    stderr: &mut dyn Write,
    write: &dyn Fn(&Context, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    frame(
        args,
        needs,
        Interest::HandOvers,
        Shows::Both,
        false,
        stderr,
        write,
    )
}

/// What a command lists, for its notes and closing line on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shows {
    RoleAssumptions,
    HandOvers,
    Both,
    /// `services`: role assumptions and hand-overs, and without a focus the hand-overs to
    /// the services `--source` picks too ([`services::handed_rows_kept`]).
    ServiceRows,
    /// What role sessions did: by session (or role, origin, action)...
    Sessions,
    /// ...or call by call.
    Calls,
    /// What is found in the role assumptions and the sessions (`findings`).
    Findings,
}

fn frame(
    args: &ReadArgs,
    needs: Needs,
    interest: Interest,
    shows: Shows,
    with_history: bool,
    stderr: &mut dyn Write,
    write: &dyn Fn(&Context, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    let mut plan = match plan(args, crate::plan::run_started()) {
        Ok(plan) => plan,
        Err(error) => {
            // Values from the command line, echoed: escaped like every other error line.
            let _ = writeln!(
                stderr,
                "trailmask: error: {}",
                crate::export::table::printable(&error.to_string())
            );
            return ExitCode::Usage;
        }
    };
    if let Err(error) = plan.output.check_open() {
        let _ = writeln!(stderr, "trailmask: error: {error}");
        return ExitCode::OutputFailure;
    }
    // A focus follows chains: it needs them linked whatever the command.
    // So does `--source` on hand-overs, which matches a passer's chain origin.
    plan.scan.link_chains = needs == Needs::Chains
        || plan.focus.is_active()
        || (interest == Interest::HandOvers && plan.filters.source.is_some());
    plan.scan.by_time = needs != Needs::Fields;
    if with_history {
        // The date folders before `--since` are read too ([`execute_findings`]).
        plan.scan.days.first = None;
    }
    if let Err(status) = fit_to_listings_or_refuse(&mut plan, args, with_history, stderr) {
        return status;
    }
    say_plan_notes(&plan, stderr);
    plan.scan.interest = interest;
    plan.scan.keep_records = args.partial_of.is_some();
    // Activity counts the calls of the time window and outcome asked for, as they are read.
    plan.scan.calls = crate::activity::CallCounting {
        window: plan.filters.window,
        timeline: shows == Shows::Calls,
    };
    // One pool of --threads workers for reading and for formatting the output. A process runs
    // one command, so the global pool is set once; a second call in the same process keeps it.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.scan.threads.unwrap_or(0))
        .build_global();
    let plan = &plan;
    // The output is opened between finding the inputs and reading them: an output that is an
    // input is refused, and an unwritable folder fails, before the scan (output.rs).
    let typed = typed_at_terminal(plan);
    let inputs = listing_shown(plan, || find_inputs(&plan.scan));
    let output = match plan.output.open(&inputs.found) {
        Ok(output) => output,
        Err(error) => return not_opened(&error, stderr),
    };
    // A partial result is gzip: not for a terminal (stdout, or one named with -o).
    if args.partial_of.is_some() && plan.output.is_terminal() {
        let _ = writeln!(
            stderr,
            "trailmask: error: a partial result is binary: write it to a file (-o FILE) or a pipe"
        );
        return ExitCode::Usage;
    }
    if typed && !plan.quiet && io::stderr().is_terminal() {
        // `-` on a terminal waits for what is typed or pasted: say so, or the run looks hung.
        let _ = writeln!(
            stderr,
            "trailmask: reading logs from the terminal (-): paste them, then Ctrl-D"
        );
    }
    // No bar over a terminal being typed into: its redraws would clear the line being typed.
    let progress = (!plan.quiet && !typed && io::stderr().is_terminal()).then(reading_bar);
    // The files to open: what discovery passed over is counted apart, in the closing line.
    let files_found = (inputs.found.inputs.iter())
        .filter(|input| !input.is_passed_over())
        .count() as u64;
    let files_of = |done: u64| format!("{done} of {}", plural(files_found, "file"));
    if let Some(bar) = &progress {
        bar.set_message(files_of(0));
    }
    // The files done so far (read, skipped or failed) of all that were found, counted and
    // shown under one lock: two workers that counted apart could show their counts in the
    // other order, and the count would go back.
    let files_done = std::sync::Mutex::new(0u64);
    let on_file = |bytes: u64| {
        if let Some(bar) = &progress {
            let mut files = files_done
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *files += 1;
            bar.set_message(files_of(*files));
            bar.inc(bytes);
        }
    };
    let read = read_files(&plan.scan, inputs, &on_file);
    // The logs partial results hold are known now: -o must not write over one either.
    if let Err(error) = output.refuse_logs(&read.partials_hold) {
        if let Some(bar) = progress {
            cleared(&bar);
        }
        return not_opened(&error, stderr);
    }
    if let Some(command) = args.partial_of {
        if let Some(bar) = progress {
            cleared(&bar);
        }
        return partial::finish(plan, command, read, output, stderr);
    }
    if let Some(bar) = &progress {
        // The reading is done; what follows (copies, chains, the merge of the workers'
        // counts) takes a while on a large trail: the line says so, and stops counting bytes.
        bar.set_style(progress::style(
            "{spinner} read {msg}; putting it together {elapsed}",
        ));
        bar.set_message(format!(
            "{}, {}",
            files_of(
                *files_done
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            ),
            indicatif::HumanBytes(bar.position())
        ));
    }
    let scan = assemble(&plan.scan, read);
    if let Some(bar) = progress {
        cleared(&bar);
    }
    for failure in &scan.failures {
        // File names and messages quote untrusted text: one line each, nothing for the
        // terminal to run.
        let line = failure.to_string();
        let _ = writeln!(stderr, "trailmask: {}", printable(&line));
    }
    let failed = status_of_failures(&scan.failures);
    if plan.scan.strict && !scan.failures.is_empty() {
        let _ = writeln!(
            stderr,
            "trailmask: stopped at the first failure (--strict); no output written"
        );
        return failed;
    }
    let focused = plan.focus.select(&scan.events);
    let context = Context {
        plan,
        events: scan
            .events
            .iter()
            .zip(&focused)
            .filter(|(event, focused)| **focused && plan.filters.keep(event))
            .map(|(event, _)| &**event)
            .collect(),
        scan: &scan,
        focused,
        notes: Default::default(),
        shown_sessions: Default::default(),
        findings_listed: Default::default(),
        hand_overs: scan
            .hand_overs
            .iter()
            .filter(|hand_over| {
                plan.filters.keep_hand_over(hand_over) && plan.focus.keeps_hand_over(hand_over)
            })
            .collect(),
    };
    // A file named to be read that was not (a new user's first hour, session 42: an IAM
    // policy named as a log was only "1 not CloudTrail"): said by path.
    for (path, reason) in &scan.stats.named_skips {
        context.note(format!("{}: skipped: {}", path.display(), reason.as_str()));
    }
    if let Some(line) = nothing_read(&scan, &plan.scan.paths) {
        context.note(line);
    }
    if shows == Shows::HandOvers {
        if context.hand_overs.is_empty() && !scan.hand_overs.is_empty() {
            context.note(format!(
                "no hand-over matched the filters ({} read)",
                scan.hand_overs.len()
            ));
        }
    } else if !matches!(shows, Shows::Sessions | Shows::Calls | Shows::Findings)
        && context.events.is_empty()
        && !scan.events.is_empty()
        // Hand-overs kept are output too (`services`' rows, the graph's hand-over edges): an
        // incident responder's, session 37, read a row and then that nothing matched (and a
        // red-team's, session 39, a row of `services --source SERVICE`).
        && match shows {
            Shows::Both => context.hand_overs.is_empty(),
            Shows::ServiceRows => {
                context.hand_overs.is_empty() && !services::handed_rows_kept(&context)
            }
            _ => true,
        }
    {
        // An empty output that is the filters' doing, not the logs': said, or a typo in a
        // glob (`--from nosuchuser`) reads as "nothing happened".
        context.note_none_matched();
    }
    if scan.stats.files_read == 0
        && !scan.failures.is_empty()
        && let Some(path) = output.file()
    {
        // Nothing read, and something failed (a path mistyped): an output of nothing would
        // replace the last good one (a new user's first hour, session 42).
        context.note(format!("nothing was read: {} not written", path.display()));
    } else if let Err(error) = output.write_with(|wtr| write(&context, wtr)) {
        return not_written(&error, failed, stderr);
    }
    for note in context
        .notes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
    {
        let _ = writeln!(stderr, "trailmask: {}", printable(note));
    }
    if !plan.quiet || !scan.failures.is_empty() {
        let mut line = closing_line(&scan, context.events.len());
        let both = matches!(shows, Shows::Both | Shows::ServiceRows);
        if shows == Shows::HandOvers || (both && !scan.hand_overs.is_empty()) {
            line.push_str(&format!(
                "; {}",
                plural(context.hand_overs.len() as u64, "hand-over")
            ));
        }
        if matches!(shows, Shows::Sessions | Shows::Calls | Shows::Findings) {
            let activity = &scan.activity;
            let (sessions, calls) = context.shown_sessions.get().copied().unwrap_or_else(|| {
                let calls = activity.sessions.iter().map(|s| s.calls).sum();
                (activity.sessions.len() as u64, calls)
            });
            line.push_str(&format!(
                "; {} made {}",
                plural(sessions, "role session"),
                plural(calls, "call")
            ));
            if activity.duplicates > 0 {
                let copies = if activity.duplicates == 1 {
                    "copy"
                } else {
                    "copies"
                };
                line.push_str(&format!(
                    " ({} duplicate {copies} dropped)",
                    activity.duplicates
                ));
            }
            if activity.root_calls_left_out > 0 {
                // Said, not silently gone: the root user's own calls, or an `AssumeRoot`
                // session's whose hop is in logs not read (or whose calls do not write their
                // session's creation time). Of everything read: the filters do not choose
                // among calls that are no session's.
                line.push_str(&format!(
                    "; {} by an account's root in the logs read not counted (linked to no \
                     AssumeRoot hop read)",
                    plural(activity.root_calls_left_out, "call")
                ));
            }
        }
        if let Some(findings) = context.findings_listed.get() {
            line.push_str(&format!("; {}", plural(*findings as u64, "finding")));
        }
        let _ = writeln!(stderr, "trailmask: {line}");
    }
    drop(context);
    let_go(scan);
    failed
}

/// Says why the output could not be opened; its exit status.
pub(crate) fn not_opened(error: &crate::error::OutputError, stderr: &mut dyn Write) -> ExitCode {
    let _ = writeln!(
        stderr,
        "trailmask: error: {}",
        printable(&error.to_string())
    );
    if error.is_usage() {
        ExitCode::Usage
    } else {
        ExitCode::OutputFailure
    }
}

/// Says why the output could not be written, merged into the status `so_far`; a reader that
/// closed the pipe (`| head`) had what it wanted, and is not an error.
pub(crate) fn not_written(
    error: &crate::error::OutputError,
    so_far: ExitCode,
    stderr: &mut dyn Write,
) -> ExitCode {
    if error.is_broken_pipe() {
        return so_far;
    }
    let _ = writeln!(
        stderr,
        "trailmask: error: {}",
        printable(&error.to_string())
    );
    so_far.merge(ExitCode::OutputFailure)
}

/// Why the output is empty when no log file was read and none failed (a path to an empty
/// folder, a window that pruned every date folder): said even with `-q`, as an empty output
/// would otherwise read as a quiet trail.
fn nothing_read(scan: &Scan, paths: &[std::path::PathBuf]) -> Option<String> {
    let stats = &scan.stats;
    if stats.files_read > 0 || !scan.failures.is_empty() {
        return None;
    }
    if stats.files_skipped.is_empty() {
        let inputs = match paths {
            [] | [_, _, _, _, ..] => format!("the {} inputs given", paths.len()),
            _ => paths
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        return Some(format!("no log file found in {inputs}"));
    }
    let reasons: Vec<String> = stats
        .files_skipped
        .iter()
        .map(|(reason, count)| match reason {
            SkipReason::OutsideDates => {
                format!("{} outside --since/--until", plural(*count, "date folder"))
            }
            _ => format!("{count} {}", reason.as_str()),
        })
        .collect();
    Some(format!(
        "no log file read (skipped: {})",
        reasons.join(", ")
    ))
}

/// `12 files read, 1 skipped, 0 failed; 40 role assumptions`, with `, 6 date folders
/// outside the window` before the `;` when `--since`/`--until` pruned some (folders, not files:
/// counted apart).
pub fn closing_line(scan: &Scan, shown: usize) -> String {
    let stats = &scan.stats;
    let (skipped, folders) = skipped_files_and_folders(stats.files_skipped.iter());
    format!(
        "{} read, {} skipped, {} failed{}; {} role assumption{}",
        plural(stats.files_read, "file"),
        skipped,
        stats.files_failed,
        folders_outside(folders),
        shown,
        if shown == 1 { "" } else { "s" }
    )
}

/// Of skip counts by reason, the files skipped and the date folders pruned by
/// `--since`/`--until` (each folder counted once, however many files it holds).
pub(crate) fn skipped_files_and_folders<'a>(
    counts: impl Iterator<Item = (&'a SkipReason, &'a u64)>,
) -> (u64, u64) {
    counts.fold((0, 0), |(files, folders), (reason, count)| {
        if *reason == SkipReason::OutsideDates {
            (files, folders + count)
        } else {
            (files + count, folders)
        }
    })
}

/// `, 6 date folders outside the window` for the closing lines, or nothing.
pub(crate) fn folders_outside(folders: u64) -> String {
    if folders == 0 {
        return String::new();
    }
    format!(", {} outside the window", plural(folders, "date folder"))
}

/// True when `-` is an input and standard input is a terminal: what is typed or pasted there
/// is read, and no line may be drawn over it.
fn typed_at_terminal(plan: &Plan) -> bool {
    io::stdin().is_terminal() && plan.scan.paths.iter().any(|path| path.as_os_str() == "-")
}

/// The plan's notes ([`Plan::notes`]), one line each.
pub(super) fn say_plan_notes(plan: &Plan, stderr: &mut dyn Write) {
    for note in &plan.notes {
        let _ = writeln!(stderr, "trailmask: {}", printable(note));
    }
}

/// [`Plan::fit_to_listings`] for the command line `args`: its note said (with `-q` too: it
/// says what the output covers, as a graph's level note does; an auditor's, session 39), its
/// error said as a usage mistake.
pub(super) fn fit_to_listings_or_refuse(
    plan: &mut Plan,
    args: &ReadArgs,
    with_history: bool,
    stderr: &mut dyn Write,
) -> Result<(), ExitCode> {
    let gave_window = args.since.is_some() || args.until.is_some();
    match plan.fit_to_listings(gave_window, with_history) {
        Ok(note) => {
            if let Some(note) = note {
                let _ = writeln!(stderr, "trailmask: {}", printable(&note));
            }
            Ok(())
        }
        Err(error) => {
            let _ = writeln!(
                stderr,
                "trailmask: error: {}",
                printable(&error.to_string())
            );
            Err(ExitCode::Usage)
        }
    }
}

/// Runs `find` (discovery) with a line saying how far the listing of `s3://` inputs has got,
/// on a terminal: a large trail takes a while to list, and nothing else is on the screen
/// (nor over a terminal being typed into).
pub(super) fn listing_shown<T>(plan: &Plan, find: impl FnOnce() -> T) -> T {
    let s3 = plan
        .scan
        .paths
        .iter()
        .any(|path| crate::read::s3::is_s3(path));
    if !s3 || plan.quiet || typed_at_terminal(plan) || !io::stderr().is_terminal() {
        return find();
    }
    let bar = delayed_bar("{spinner} listing S3: {msg} {elapsed}");
    let done = std::sync::atomic::AtomicBool::new(false);
    let show = || {
        let (folders, objects) = crate::read::s3::listed_so_far();
        bar.set_message(format!(
            "{} listed, {} found",
            plural(folders, "folder"),
            plural(objects, "object")
        ));
        bar.tick();
    };
    let found = std::thread::scope(|scope| {
        let shower = scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                show();
                std::thread::park_timeout(std::time::Duration::from_millis(100));
            }
        });
        /// Stops the line's thread however `find` ends (woken, not left to finish its wait:
        /// the reading starts at once).
        struct Stop<'a>(&'a std::sync::atomic::AtomicBool, std::thread::Thread);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::Relaxed);
                self.1.unpark();
            }
        }
        let _stop = Stop(&done, shower.thread().clone());
        find()
    });
    // The last count, then the line is cleared.
    show();
    cleared(&bar);
    found
}

/// The exit status of a run whose inputs failed with `failures`: success without any, status 4
/// when one is an S3 location that could not be read at all, else a partial failure.
pub(super) fn status_of_failures<'a>(
    failures: impl IntoIterator<Item = &'a crate::error::InputError>,
) -> ExitCode {
    failures
        .into_iter()
        .map(|failure| match failure.is_unreachable() {
            true => ExitCode::Unreachable,
            false => ExitCode::PartialFailure,
        })
        .fold(ExitCode::Success, ExitCode::merge)
}
