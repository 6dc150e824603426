//! `trailmask findings`: what deserves a look, each finding with its kind, severity, subject,
//! a line of detail, first and last time, a count and the event ids that prove it
//! ([`crate::activity::findings`] finds them).
//!
//! The options are resolved before anything is read ([`Settings::of`]): kinds, the baseline's
//! end, the refusals that make a burst, the ids of an `--ignore` file. Findings are listed
//! most urgent first; `--min-severity` and `--ignore` leave some out after ids are given, and
//! `--fail-on` turns what is left into the exit status ([`ExitCode::Findings`]).
//!
//! Only `session-many-networks` needs the calls role sessions made; without it the run reads
//! role assumptions alone, as `chains` does.

use super::{Context, execute_findings};
use crate::activity::attribute::{Attribution, attribute};
use crate::activity::findings::{Evidence, Finding, Kind, Options, Severity, find};
use crate::cli::{FindingsArgs, RowsFormat, SeverityArg};
use crate::cmd::activity::Sessions;
use crate::exit::ExitCode;
use crate::export::{self, Cell, Rows};
use crate::plan::{PlanError, parse_time};
use crate::read::discover::file_identity;
use crate::timefmt;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The command line of `findings`, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub options: Options,
    pub format: RowsFormat,
    /// The least severity listed (`--min-severity`).
    pub min_severity: Severity,
    /// The least severity that makes the exit status 6 (`--fail-on`).
    pub fail_on: Option<Severity>,
    /// The ids each `--ignore` file leaves out, in the order given.
    pub ignored: Vec<Ignored>,
}

/// The ids of an `--ignore` file.
#[derive(Debug, Clone)]
pub struct Ignored {
    pub path: PathBuf,
    pub ids: HashSet<String>,
}

/// A usage mistake in `findings`' own options.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("--kind new-edge needs --baseline-until: new edges are those after a baseline")]
    NoBaseline,
    #[error("--ignore {}: {source}", path.display())]
    IgnoreFile { path: PathBuf, source: io::Error },
    #[error(
        "--ignore {}:{line}: {text:?} is no finding id (16 hex digits, perhaps with -2, -3...; # starts a comment)",
        path.display()
    )]
    IgnoreLine {
        path: PathBuf,
        line: usize,
        text: String,
    },
    /// `--ignore /dev/stdin` with `-` among the inputs: one would read the other's text.
    #[error(
        "--ignore {}: standard input is read as logs (-), so it cannot hold the ids too",
        path.display()
    )]
    IgnoreIsStdin { path: PathBuf },
    /// Two `--ignore` naming standard input: the second would find it read to its end.
    #[error(
        "--ignore {}: standard input is already read by --ignore {}; give it once",
        path.display(),
        first.display()
    )]
    IgnoreStdinTwice { first: PathBuf, path: PathBuf },
}

/// True when `path` is standard input (`-`, `/dev/stdin`, `/proc/self/fd/0`, or another name of
/// what it is connected to), by the identity that tells an output from an input.
fn is_stdin(path: &Path) -> bool {
    if path.as_os_str() == "-" {
        return true;
    }
    let identity = |path: &Path| file_identity(path, std::fs::metadata(path).ok().as_ref());
    identity(path) == identity(Path::new("/dev/stdin"))
}

/// The severity a threshold of the command line names.
fn severity_of(threshold: SeverityArg) -> Severity {
    match threshold {
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
    }
}

/// Whether `text` can be a finding's id as printed: 16 hex digits, perhaps with a suffix
/// `-2`, `-3`, ... (no `-0`, `-1` or `-02`: no id is printed so, and one that cannot match
/// would silence nothing).
fn is_finding_id(text: &str) -> bool {
    let (hash, suffix) = match text.split_once('-') {
        Some((hash, suffix)) => (hash, Some(suffix)),
        None => (text, None),
    };
    hash.len() == 16
        && hash.bytes().all(|byte| byte.is_ascii_hexdigit())
        && suffix.is_none_or(|suffix| {
            suffix.len() <= 10
                && suffix.bytes().all(|byte| byte.is_ascii_digit())
                && suffix.parse::<u64>().is_ok_and(|n| n >= 2)
                && !suffix.starts_with('0')
        })
}

/// The most an `--ignore` file may hold: 16 MiB, a million ids (`--ignore /dev/zero` would
/// otherwise fill the memory; a million ids take ~120 MB).
const MAX_IGNORE_BYTES: u64 = 16 << 20;

/// The ids of the `--ignore` file at `path`: the first word of each line, lines empty or
/// starting with `#` passed over; ids are kept in lower case (as printed). Lines end at
/// `\n`, `\r\n` or a lone `\r`; a UTF-8 byte order mark (Notepad's) is passed over.
///
/// # Errors
/// The file cannot be read or is over [`MAX_IGNORE_BYTES`], or a line's first word is no id:
/// a typo there would otherwise let the finding it meant through, or a wrong file silence
/// nothing without a word.
pub fn read_ignored(path: &Path) -> Result<Ignored, SettingsError> {
    let failed = |source| SettingsError::IgnoreFile {
        path: path.to_owned(),
        source,
    };
    let mut text = Vec::new();
    // `-` is standard input, as everywhere a file goes (a new user's first hour, session 36:
    // it was a file named `-`, not found).
    let read = match path.as_os_str() == "-" {
        true => (io::stdin().lock().take(MAX_IGNORE_BYTES + 1)).read_to_end(&mut text),
        false => std::fs::File::open(path)
            .and_then(|file| file.take(MAX_IGNORE_BYTES + 1).read_to_end(&mut text)),
    };
    read.map_err(failed)?;
    if text.len() as u64 > MAX_IGNORE_BYTES {
        return Err(failed(io::Error::other(format!(
            "larger than {} MiB: no list of ids is that long (the wrong file?)",
            MAX_IGNORE_BYTES >> 20
        ))));
    }
    if crate::read::load::is_gzip(&text) {
        return Err(failed(io::Error::other(
            "gzip, not a list of ids (the wrong file?)",
        )));
    }
    if let Some(what) = crate::read::decode::wrong_encoding(&text) {
        // Saved as UTF-16 (PowerShell's `>` does), its first id reads as no id at all.
        return Err(failed(io::Error::other(what)));
    }
    let text = String::from_utf8_lossy(&text)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut ids = HashSet::new();
    for (index, line) in text.split('\n').enumerate() {
        let Some(word) = line.split_whitespace().next() else {
            continue;
        };
        if word.starts_with('#') {
            continue;
        }
        if !is_finding_id(word) {
            return Err(SettingsError::IgnoreLine {
                path: path.to_owned(),
                line: index + 1,
                text: word.chars().take(80).collect(),
            });
        }
        ids.insert(word.to_ascii_lowercase());
    }
    Ok(Ignored {
        path: path.to_owned(),
        ids,
    })
}

impl Settings {
    /// Resolves `args`, with `now` as the reference for ages like `7d`.
    ///
    /// # Errors
    /// A `--baseline-until` that is no time, `--kind new-edge` without it, or an `--ignore`
    /// file that cannot be read or lists what is no id ([`read_ignored`]).
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
        let stdin_read = args.read.paths.iter().any(|path| path.as_os_str() == "-");
        if let Some(path) = args.ignore.iter().find(|path| stdin_read && is_stdin(path)) {
            return Err(SettingsError::IgnoreIsStdin {
                path: path.to_owned(),
            });
        }
        let mut stdin_ignores = args.ignore.iter().filter(|path| is_stdin(path));
        if let (Some(first), Some(path)) = (stdin_ignores.next(), stdin_ignores.next()) {
            return Err(SettingsError::IgnoreStdinTwice {
                first: first.to_owned(),
                path: path.to_owned(),
            });
        }
        let output = crate::output::Target::from_arg(args.read.output.as_deref());
        if let Some(path) = args.ignore.iter().find(|path| output.writes_over(path)) {
            return Err(SettingsError::Plan(PlanError::OutputIsInput {
                flag: "ignore",
                output: args.read.output.clone().unwrap_or_default(),
                path: path.to_owned(),
            }));
        }
        let ignored = args
            .ignore
            .iter()
            .map(|path| read_ignored(path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Settings {
            options,
            format: args.format,
            min_severity: severity_of(args.min_severity),
            fail_on: args.fail_on.map(severity_of),
            ignored,
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
    if networks {
        // The closing line counts the sessions the findings were drawn from, as `activity`'s
        // counts those it shows.
        let calls = sessions.iter().map(|(session, _)| session.calls).sum();
        let _ = context.shown_sessions.set((sessions.len() as u64, calls));
    }
    let kept: Vec<bool> = (0..context.scan.events.len())
        .map(|i| context.keeps(i))
        .collect();
    // The baseline's notes speak of edges: with no role assumption kept, there is none.
    let any_kept = kept.iter().any(|&kept| kept);
    if let Some(until) = options.baseline_until
        && any_kept
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
        && any_kept
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
    let failed_on = std::cell::Cell::new(false);
    let write = |context: &Context, wtr: &mut dyn Write| {
        let mut findings = findings_of(context, &settings.options);
        // Each list's note counts the listed findings it names (two lists may name one), of
        // any severity (a finding `--min-severity` hides is still there, its id not stale);
        // said even when it names none: a stale list, or the wrong one, is seen.
        for ignored in &settings.ignored {
            let named = findings
                .iter()
                .filter(|finding| ignored.ids.contains(&finding.id))
                .count();
            let path = ignored.path.display();
            context.note(match named {
                0 if ignored.ids.is_empty() => {
                    format!("no finding left out: {path} lists no id")
                }
                0 => format!(
                    "no finding left out: none of the {} in {path} was found",
                    crate::export::plural(ignored.ids.len() as u64, "id"),
                ),
                1 => format!("1 finding left out: {path} lists its id"),
                _ => format!("{named} findings left out: {path} lists their ids"),
            });
        }
        findings.retain(|finding| {
            !settings
                .ignored
                .iter()
                .any(|ignored| ignored.ids.contains(&finding.id))
        });
        // After the ids are given (a suffix `-2` counts the findings before it, of any
        // severity), so an id is the same with the filters as without.
        findings.retain(|finding| finding.severity >= settings.min_severity);
        let _ = context.findings_listed.set(findings.len());
        let with_sessions = settings.options.kinds.contains(&Kind::SessionManyNetworks);
        if with_sessions
            && findings.is_empty()
            && context.events.is_empty()
            && !context.scan.events.is_empty()
        {
            // As for role assumptions (which the run's frame says itself when no session is
            // read): an empty list that is the filters' doing is said, here only when empty,
            // as findings of sessions need no role assumption kept.
            context.note_none_matched();
        }
        if let Some(fail_on) = settings.fail_on
            && findings.iter().any(|finding| finding.severity >= fail_on)
        {
            failed_on.set(true);
        }
        let rows = FindingRows(&findings);
        context.write_rows(&rows, settings.format, false, wtr)
    };
    let options = &settings.options;
    let status = execute_findings(
        &args.read,
        options.kinds.contains(&Kind::SessionManyNetworks),
        options.baseline_until.is_some() && options.kinds.contains(&Kind::NewEdge),
        stderr,
        &write,
    );
    if failed_on.get() {
        status.merge(ExitCode::Findings)
    } else {
        status
    }
}
