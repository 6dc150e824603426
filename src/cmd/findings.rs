//! `trailmask findings`: what deserves a look, each finding with its kind, severity, subject,
//! a line of detail, first and last time, a count and the event ids that prove it
//! ([`crate::activity::findings`] finds them).
//!
//! The options are resolved before anything is read ([`Settings::of`]): kinds, the baseline's
//! end, the refusals that make a burst. Only `session-many-networks` needs the calls role
//! sessions made; without it the run reads role assumptions alone, as `chains` does.

use super::{Context, execute_findings};
use crate::activity::attribute::{Attribution, attribute};
use crate::activity::findings::{Evidence, Finding, Kind, Options, Severity, find};
use crate::cli::{FindingsArgs, MinSeverity, RowsFormat};
use crate::cmd::activity::Sessions;
use crate::exit::ExitCode;
use crate::export::{self, Cell, Rows};
use crate::plan::{PlanError, parse_time};
use crate::timefmt;
use chrono::{DateTime, Utc};
use std::io::{self, Write};

/// The command line of `findings`, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub options: Options,
    pub format: RowsFormat,
}

/// A usage mistake in `findings`' own options.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Time(#[from] PlanError),
    #[error("--kind new-edge needs --baseline-until: new edges are those after a baseline")]
    NoBaseline,
}

impl Settings {
    /// Resolves `args`, with `now` as the reference for ages like `7d`.
    ///
    /// # Errors
    /// A `--baseline-until` that is no time, or `--kind new-edge` without it.
    pub fn of(args: &FindingsArgs, now: DateTime<Utc>) -> Result<Settings, SettingsError> {
        let baseline_until = args
            .baseline_until
            .as_deref()
            .map(|value| {
                parse_time(value, now, true).ok_or_else(|| PlanError::Time {
                    flag: "baseline-until",
                    value: value.to_owned(),
                })
            })
            .transpose()?;
        let kinds = if args.kinds.is_empty() {
            Kind::ALL.into_iter().collect()
        } else {
            // clap accepts only the names of `Kind::NAMES`.
            args.kinds
                .iter()
                .filter_map(|name| Kind::parse(name))
                .collect()
        };
        let options = Options {
            kinds,
            baseline_until,
            min_refusals: args.min_refusals,
        };
        if !args.kinds.is_empty()
            && options.kinds.contains(&Kind::NewEdge)
            && baseline_until.is_none()
        {
            return Err(SettingsError::NoBaseline);
        }
        Ok(Settings {
            options,
            format: args.format,
        })
    }
}

/// The findings as rows.
pub struct FindingRows<'a>(pub &'a [Finding]);

impl Rows for FindingRows<'_> {
    fn columns(&self) -> Vec<&'static str> {
        vec![
            "id",
            "kind",
            "severity",
            "subject",
            "detail",
            "first_seen",
            "last_seen",
            "count",
            "event_ids",
        ]
    }

    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
        for finding in self.0 {
            emit(&[
                Cell::Text(&finding.id),
                Cell::Text(finding.kind.as_str()),
                Cell::Text(finding.severity.as_str()),
                Cell::Text(&finding.subject),
                Cell::Text(&finding.detail),
                Cell::Time(finding.first_seen),
                Cell::Time(finding.last_seen),
                Cell::Count(finding.count),
                Cell::List(finding.event_ids.iter().map(String::as_str).collect()),
            ])?;
        }
        Ok(())
    }
}

/// Which of the scan's events the run's filters and focus keep, by index.
fn kept_events(context: &Context) -> Vec<bool> {
    let filters = &context.plan.filters;
    context
        .scan
        .events
        .iter()
        .zip(&context.focused)
        .map(|(event, focused)| *focused && filters.keep(event))
        .collect()
}

/// The findings of one run.
fn findings_of(context: &Context, options: &Options) -> Vec<Finding> {
    let events = &context.scan.events;
    let networks = options.kinds.contains(&Kind::SessionManyNetworks);
    let attributed: Vec<Attribution> = if networks {
        attribute(&context.scan.activity.sessions, events)
    } else {
        Vec::new()
    };
    let sessions = if networks {
        Sessions::of(context, &attributed, None).kept
    } else {
        Vec::new()
    };
    let kept = kept_events(context);
    if let Some(until) = options.baseline_until
        && options.kinds.contains(&Kind::NewEdge)
        && !events
            .iter()
            .any(|event| event.event_time.is_some_and(|time| time <= until))
    {
        // Said, or an empty baseline reads as "everything changed".
        context.note(format!(
            "no role assumption read at or before --baseline-until ({}): every edge is new",
            timefmt::format_seconds(&until)
        ));
    } else if let Some(until) = options.baseline_until
        && options.kinds.contains(&Kind::NewEdge)
        && !events
            .iter()
            .any(|event| event.event_time.is_some_and(|time| time > until))
    {
        // Said, or a baseline later than the trail (`--baseline-until 30d` on an old trail)
        // reads as "nothing changed".
        context.note(format!(
            "no role assumption read after --baseline-until ({}): no edge can be new",
            timefmt::format_seconds(&until)
        ));
    }
    find(
        &Evidence {
            events,
            kept: &kept,
            sessions: &sessions,
        },
        options,
    )
}

/// Runs `trailmask findings`.
pub fn run(args: &FindingsArgs, stderr: &mut dyn Write) -> ExitCode {
    let settings = match Settings::of(args, crate::plan::run_started()) {
        Ok(settings) => settings,
        Err(error) => {
            let _ = writeln!(
                stderr,
                "trailmask: error: {}",
                export::table::printable(&error.to_string())
            );
            return ExitCode::Usage;
        }
    };
    let least = match args.min_severity {
        MinSeverity::Low => Severity::Low,
        MinSeverity::Medium => Severity::Medium,
        MinSeverity::High => Severity::High,
    };
    let write = |context: &Context, wtr: &mut dyn Write| {
        let mut findings = findings_of(context, &settings.options);
        // After the ids are given (a suffix `-2` counts the findings before it, of any
        // severity), so an id is the same with the filter as without.
        findings.retain(|finding| finding.severity >= least);
        let rows = FindingRows(&findings);
        context.write_rows(&rows, settings.format, false, wtr)
    };
    let options = &settings.options;
    execute_findings(
        &args.read,
        options.kinds.contains(&Kind::SessionManyNetworks),
        options.baseline_until.is_some() && options.kinds.contains(&Kind::NewEdge),
        stderr,
        &write,
    )
}
