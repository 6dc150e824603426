//! `trailmask partial COMMAND [OPTIONS] PATH...`: the command's own reading, its output
//! replaced by a partial result ([`crate::partial`]) of what it read.

use super::{
    activity, chains, edges, events, findings, graph, passrole, report, services, summary,
};
use crate::cli::{PartialArgs, PartialOf};
use crate::error::InputError;
use crate::exit::ExitCode;
use crate::export::plural;
use crate::export::table::printable;
use crate::output::Output;
use crate::partial::write::{Counts, write};
use crate::partial::{Expect, Header};
use crate::plan::Plan;
use crate::read::decode::SkipReason;
use crate::read::file::FileStatus;
use crate::read::s3;
use crate::scan::FilesRead;
use std::io::Write;

/// Runs `trailmask partial`: the command, told to write its partial result.
pub fn run(args: &PartialArgs, stderr: &mut dyn Write) -> ExitCode {
    macro_rules! partial_of {
        ($args:expr, $name:literal, $run:path) => {{
            let mut args = $args.clone();
            args.read.partial_of = Some($name);
            $run(&args, stderr)
        }};
    }
    match &args.command {
        PartialOf::Events(args) => partial_of!(args, "events", events::run),
        PartialOf::Graph(args) => partial_of!(args, "graph", graph::run),
        PartialOf::Chains(args) => partial_of!(args, "chains", chains::run),
        PartialOf::Services(args) => partial_of!(args, "services", services::run),
        PartialOf::Passrole(args) => partial_of!(args, "passrole", passrole::run),
        PartialOf::Activity(args) => partial_of!(args, "activity", activity::run),
        PartialOf::Findings(args) => {
            // A partial holds what was read; which findings are listed and what the exit
            // status says of them is the merge's (an executor may not have the --ignore file).
            let mut args = args.clone();
            args.ignore.clear();
            args.fail_on = None;
            partial_of!(&args, "findings", findings::run)
        }
        PartialOf::Edges(args) => partial_of!(args, "edges", edges::run),
        PartialOf::Summary(args) => partial_of!(args, "summary", summary::run),
        PartialOf::Report(args) => partial_of!(args, "report", report::run),
    }
}

/// Writes the partial result of `read` for `command` to `output`, after the error lines of
/// the files that failed (the lines the command itself prints, in the same order), and says
/// what it holds.
pub(super) fn finish(
    plan: &Plan,
    command: &str,
    read: FilesRead,
    output: Output,
    stderr: &mut dyn Write,
) -> ExitCode {
    let mut files_read = 0u64;
    let mut failed_files = Vec::new();
    let mut passed_over: Vec<SkipReason> = read.skipped.clone();
    // The date folders a partial holds (to count them once) are not files.
    let mut folders_held = 0u64;
    for (_, result) in &read.files {
        match &result.status {
            FileStatus::Read => files_read += 1,
            FileStatus::Skipped(reason) => {
                folders_held += u64::from(*reason == SkipReason::OutsideDates);
                passed_over.push(*reason);
            }
            FileStatus::Failed(error) => failed_files.push(error),
            FileStatus::NotRead => {}
        }
    }
    // Date folders outside the window are said apart, as the command says them.
    let (skipped, folders) =
        super::skipped_files_and_folders(passed_over.iter().map(|reason| (reason, &1)));
    failed_files.sort_by(|a, b| a.path().cmp(b.path()));
    // As the command orders them: discovery's errors, then the files' by path, all sorted
    // by path (a stable sort), an S3 bucket's refused objects as one line (s3::collapse).
    let all: Vec<&InputError> = read.errors.iter().chain(failed_files).collect();
    let (others, by_bucket) = s3::by_bucket(all.iter().copied());
    let mut failures: Vec<&InputError> = others.iter().map(|&i| all[i]).collect();
    failures.extend(&by_bucket);
    failures.sort_by(|a, b| a.path().cmp(b.path()));
    for error in &failures {
        let _ = writeln!(stderr, "trailmask: {}", printable(&error.to_string()));
    }
    let failed = super::status_of_failures(failures.iter().copied());
    let failed_count = all.len();
    if plan.scan.strict && failed_count > 0 {
        let _ = writeln!(
            stderr,
            "trailmask: stopped at the first failure (--strict); no output written"
        );
        return failed;
    }
    let expect = Expect {
        interest: plan.scan.interest,
        calls: plan.scan.calls,
        days: plan.scan.days,
        limit: plan.scan.max_file_size,
    };
    let header = Header::new(command, &expect);
    let mut counts = Counts::default();
    if let Err(error) = output.write_with(|wtr| {
        counts = write(read, &header, wtr)?;
        Ok(())
    }) {
        return super::not_written(&error, failed, stderr);
    }
    if !plan.quiet || failed_count > 0 {
        let mut line = format!(
            // What the partial holds: every file (skipped ones too, to be counted once), and
            // of their records those the command reads again (the merge counts what they
            // make).
            "{} read, {} skipped, {} failed{}; partial for {command}: {}, {} of their records \
             kept",
            plural(files_read, "file"),
            skipped,
            failed_count,
            super::folders_outside(folders),
            plural(counts.files - folders_held, "file"),
            counts.kept_records,
        );
        if expect.interest == crate::read::decode::Interest::Activity {
            line.push_str(&format!(", {}", plural(counts.calls, "call")));
        }
        let _ = writeln!(stderr, "trailmask: {line}");
    }
    // A note on the output: said under -q too.
    if let Some(note) = merge_filters_note(plan) {
        let _ = writeln!(stderr, "trailmask: {note}");
    }
    failed
}

/// What a partial made with filters that choose what is shown (not what is read) should
/// say: they are the merge's, and the partial holds everything read (a user merging it
/// without them gets every row, where the partial's command line seemed to choose some).
fn merge_filters_note(plan: &Plan) -> Option<String> {
    let (filters, focus) = (&plan.filters, &plan.focus);
    let given: Vec<&str> = [
        (!filters.accounts.is_empty(), "--account"),
        (filters.role.is_some(), "--role"),
        (filters.source.is_some(), "--source"),
        (focus.from.is_some(), "--from"),
        (focus.to.is_some(), "--to"),
        (focus.depth.is_some(), "--depth"),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect();
    (!given.is_empty()).then(|| {
        format!(
            "{} choose what the command that reads this partial shows: the partial holds \
             everything read; give {} to that command too",
            given.join(", "),
            if given.len() == 1 { "it" } else { "them" }
        )
    })
}
