//! `trailmask summary`: files read, skipped and failed; records scanned; role assumptions by
//! event name and outcome; cross-account count; accounts and time range; elapsed time and
//! throughput. Everything but the last line is deterministic.

use super::{Context, Needs, execute};
use crate::cli::{SummaryArgs, SummaryFormat};
use crate::event::{EventName, Outcome};
use crate::exit::ExitCode;
use crate::read::decode::SkipReason;
use crate::timefmt;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// The figures of a summary.
#[derive(Debug, Default)]
pub struct Summary {
    pub by_name: BTreeMap<EventName, (u64, u64)>,
    pub cross_account: u64,
    pub accounts: BTreeSet<String>,
    pub seen: crate::timefmt::Seen,
}

impl Summary {
    pub fn of(context: &Context) -> Summary {
        let mut summary = Summary::default();
        for event in &context.events {
            let counts = summary.by_name.entry(event.event_name).or_default();
            match event.outcome {
                Outcome::Success => counts.0 += 1,
                Outcome::Failure => counts.1 += 1,
            }
            summary.cross_account += u64::from(event.cross_account == Some(true));
            for account in [event.source_account(), event.role_account()] {
                if !account.is_empty() {
                    summary.accounts.insert(account.to_owned());
                }
            }
            summary.seen.add(event.event_time);
        }
        summary
    }
}

fn throughput(context: &Context) -> (f64, f64, f64) {
    let seconds = context.scan.elapsed.as_secs_f64().max(1e-9);
    let stats = &context.scan.stats;
    (
        seconds,
        stats.bytes_json as f64 / seconds / 1e6,
        stats.records as f64 / seconds,
    )
}

fn write_text(context: &Context, wtr: &mut dyn Write) -> io::Result<()> {
    let stats = &context.scan.stats;
    let summary = Summary::of(context);
    let (skipped, folders) = super::skipped_files_and_folders(stats.files_skipped.iter());
    let reasons: Vec<String> = stats
        .files_skipped
        .iter()
        .filter(|(reason, _)| **reason != SkipReason::OutsideDates)
        .map(|(reason, n)| format!("{} {n}", reason.as_str()))
        .collect();
    writeln!(wtr, "files read        {}", stats.files_read)?;
    if reasons.is_empty() {
        writeln!(wtr, "files skipped     {skipped}")?;
    } else {
        writeln!(wtr, "files skipped     {skipped} ({})", reasons.join(", "))?;
    }
    // Pruned whole by --since/--until, never listed: folders, not files.
    if folders > 0 {
        writeln!(
            wtr,
            "date folders      {folders} not read (outside --since/--until)"
        )?;
    }
    writeln!(wtr, "files failed      {}", stats.files_failed)?;
    writeln!(wtr, "records scanned   {}", stats.records)?;
    let copies = if stats.duplicates == 1 {
        "copy"
    } else {
        "copies"
    };
    // Copies are dropped as the trail is read: under filters or a focus, their count is the
    // whole trail's, said beside it (an incident responder's, session 37: `--from alice` said
    // `91 (1176 duplicate copies dropped)`).
    let (kept, read) = (context.events.len(), context.scan.events.len());
    if kept == read {
        writeln!(
            wtr,
            "role assumptions  {kept} ({} duplicate {copies} dropped)",
            stats.duplicates
        )?;
    } else {
        writeln!(
            wtr,
            "role assumptions  {kept} of {read} read ({} duplicate {copies} dropped in reading)",
            stats.duplicates
        )?;
    }
    for (name, (success, failure)) in &summary.by_name {
        writeln!(
            wtr,
            "  {:<27} success {:<6} failure {}",
            name.as_str(),
            success,
            failure
        )?;
    }
    let untargeted = naming_no_role(context);
    if untargeted > 0 {
        writeln!(
            wtr,
            "  naming no role              {untargeted} (in no chain, edge or graph)"
        )?;
    }
    writeln!(wtr, "cross-account     {}", summary.cross_account)?;
    let accounts: Vec<String> = summary
        .accounts
        .iter()
        .map(|a| context.plan.accounts.label(a))
        .collect();
    if accounts.is_empty() {
        writeln!(wtr, "accounts          0")?;
    } else {
        writeln!(
            wtr,
            "accounts          {}: {}",
            accounts.len(),
            // Account ids come from the logs: nothing in them may reach the terminal raw.
            crate::export::table::printable(&accounts.join(", "))
        )?;
    }
    match (summary.seen.first, summary.seen.last) {
        (Some(first), Some(last)) => writeln!(
            wtr,
            "time range        {} .. {}",
            timefmt::format(&first),
            timefmt::format(&last)
        )?,
        _ => writeln!(
            wtr,
            "time range        none (no role assumption with a time)"
        )?,
    }
    let (seconds, mb_per_s, records_per_s) = throughput(context);
    if context.scan.stats.bytes_json == 0 {
        // No speed of nothing read.
        return writeln!(wtr, "elapsed           {seconds:.3} s");
    }
    writeln!(
        wtr,
        "elapsed           {seconds:.3} s ({mb_per_s:.1} MB/s of JSON, {records_per_s:.0} records/s)"
    )
}

fn write_json(context: &Context, wtr: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *wtr, &value(context, true))?;
    wtr.write_all(b"\n")
}

/// The summary as JSON; with `timing`, how long the scan took (which changes from run to
/// run: the HTML report leaves it out, so that its bytes do not).
pub fn value(context: &Context, timing: bool) -> serde_json::Value {
    let stats = &context.scan.stats;
    let summary = Summary::of(context);
    let (seconds, mb_per_s, records_per_s) = throughput(context);
    let by_name: serde_json::Map<String, serde_json::Value> = summary
        .by_name
        .iter()
        .map(|(name, (s, f))| {
            (
                name.as_str().to_owned(),
                json!({"success": s, "failure": f}),
            )
        })
        .collect();
    let skipped: serde_json::Map<String, serde_json::Value> = stats
        .files_skipped
        .iter()
        .map(|(reason, n)| (reason.as_str().to_owned(), json!(n)))
        .collect();
    let mut document = json!({
        "files_read": stats.files_read,
        "files_skipped": skipped,
        "files_failed": stats.files_failed,
        "records_scanned": stats.records,
        "role_assumptions": context.events.len(),
        "duplicate_copies_dropped": stats.duplicates,
        "console_switches_merged": stats.console_pairs,
        "by_event_name": by_name,
        "naming_no_role": naming_no_role(context),
        "cross_account": summary.cross_account,
        "accounts": summary.accounts,
        "first_event": timefmt::format_opt(summary.seen.first.as_ref()),
        "last_event": timefmt::format_opt(summary.seen.last.as_ref()),
    });
    if timing {
        document["elapsed_seconds"] = json!(seconds);
        document["json_megabytes_per_second"] = json!(mb_per_s);
        document["records_per_second"] = json!(records_per_s);
    }
    document
}

/// The role assumptions no chain, edge or graph can draw: their records name no role (nor
/// federated user, nor root) to put on. `GetSessionToken` puts on none by nature.
fn naming_no_role(context: &Context) -> usize {
    (context.events.iter())
        .filter(|event| event.event_name != EventName::GetSessionToken)
        .filter(|event| event.target().is_empty())
        .count()
}

/// Runs `trailmask summary`.
pub fn run(args: &SummaryArgs, stderr: &mut dyn Write) -> ExitCode {
    execute(
        &args.read,
        Needs::Fields,
        stderr,
        &|context, wtr| match args.format {
            SummaryFormat::Text => write_text(context, wtr),
            SummaryFormat::Json => write_json(context, wtr),
        },
    )
}
