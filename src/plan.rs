//! From what the user typed ([`crate::cli`]) to a validated [`Plan`]: parsed times, compiled
//! globs, the S3 date window, the accounts file and the output target. Every usage mistake is
//! found here, before any file is read.

use crate::accounts::{AccountNames, Unresolved};
use crate::cli::{Collapse, GraphArgs, GraphLevel, ReadArgs};
use crate::filter::{Filters, OutcomeFilter, Window};
use crate::focus::Focus;
use crate::graph::GraphOptions;
use crate::output::Target;
use crate::read::discover::DayWindow;
use crate::scan::ScanOptions;
use crate::timefmt;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// A usage mistake.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "invalid --{flag} '{value}': expected RFC 3339 (a time without a zone is UTC), \
         YYYY-MM-DD, YYYY-MM-DDTHH:MM, or an age like 7d, 12h, 30m"
    )]
    Time { flag: &'static str, value: String },
    #[error("invalid --{flag} glob '{value}': {source}")]
    Glob {
        flag: &'static str,
        value: String,
        #[source]
        source: globset::Error,
    },
    #[error("invalid --max-file-size '{0}': expected bytes, optionally with K, M or G")]
    Size(String),
    #[error("--threads must be between 1 and {MAX_THREADS}")]
    Threads,
    #[error("--since {since} is after --until {until}: the window holds no time")]
    EmptyWindow { since: String, until: String },
    #[error(transparent)]
    Accounts(#[from] crate::accounts::AccountsError),
    /// `-o` names a settings file read beside the logs ([`Target::writes_over`]).
    #[error(
        "-o {} is the --{flag} file ({}); refusing to write over it",
        .output.display(),
        .path.display()
    )]
    OutputIsInput {
        flag: &'static str,
        output: std::path::PathBuf,
        path: std::path::PathBuf,
    },
    #[error("invalid --account '{value}': {reason}")]
    Account { value: String, reason: String },
    #[error(
        "{} was listed with {listed}: the date folders outside that window are not in it; \
         give a window within it{}, or list the logs again",
        .path.display(),
        if *.before_since {
            " (findings --baseline-until reads every date folder before --since: list without \
             --since for it)"
        } else {
            ""
        }
    )]
    OutsideListing {
        path: std::path::PathBuf,
        listed: String,
        /// The days refused are those before the listing's `--since` that findings' baseline
        /// reads.
        before_since: bool,
    },
    #[error(
        "{} was listed with {first} and {} with {second}: give --since/--until (within both)",
        .first_path.display(),
        .second_path.display()
    )]
    ListingWindows {
        first_path: std::path::PathBuf,
        first: String,
        second_path: std::path::PathBuf,
        second: String,
    },
}

/// The most worker threads `-j` takes. Past a few hundred, starting the threads alone costs
/// more than any trail gains (`-j 1000` spends a second on sample-logs), and each one is a
/// share of the memory budget ([`crate::read::load::FREE_BUDGET`]).
pub const MAX_THREADS: usize = 256;

/// Everything a reading command needs, validated.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scan: ScanOptions,
    pub filters: Filters,
    pub accounts: AccountNames,
    pub output: Target,
    pub quiet: bool,
    /// `--from`, `--to`, `--depth`.
    pub focus: Focus,
    /// What the plan took other than as typed, said on stderr before reading (with `-q` too:
    /// each says what the output covers).
    pub notes: Vec<String>,
}

impl Plan {
    /// Fits the plan to the windows of the listings among its paths (`list --since/--until`):
    /// a listing holds none of the date folders outside its window, so a command reads
    /// within it. Without `--since`/`--until` (`gave_window` false) it takes the listings'
    /// window as its own, which the listings must then agree on: `events LISTING` is then
    /// `events --since … LISTING`, and a partial made so says that window. `with_history`:
    /// the command reads every date folder before `--since` too (findings' baseline).
    /// Returns the note to say when a window was taken.
    ///
    /// # Errors
    /// [`PlanError::OutsideListing`], [`PlanError::ListingWindows`].
    pub fn fit_to_listings(
        &mut self,
        gave_window: bool,
        with_history: bool,
    ) -> Result<Option<String>, PlanError> {
        use crate::read::listing;
        let listed: Vec<_> = (self.scan.paths.iter())
            .filter_map(|path| Some((path, listing::window_of(path)?)))
            .collect();
        // Listings without a window ask for none: only a window given, or listed, is taken.
        let Some(&(first_path, first)) = listed.iter().find(|(_, window)| window.is_bounded())
        else {
            return Ok(None);
        };
        let mut note = None;
        if !gave_window {
            if let Some(&(second_path, second)) = listed.iter().find(|(_, w)| *w != first) {
                return Err(PlanError::ListingWindows {
                    first_path: first_path.clone(),
                    first: first.as_options(),
                    second_path: second_path.clone(),
                    second: second.as_options(),
                });
            }
            self.filters.window.since = first.since;
            self.filters.window.until = first.until;
            self.focus.window = self.filters.window;
            self.scan.days = DayWindow::around(first.since, first.until);
            self.scan.until = first.until;
            if with_history {
                self.scan.days.first = None;
            }
            note = Some(format!(
                "{} was listed with {}: reading that window",
                first_path.display(),
                first.as_options()
            ));
        }
        for &(path, window) in &listed {
            let days = DayWindow::around(window.since, window.until);
            if !days.holds(self.scan.days) {
                // With history, every day before `--since` is read: a listing with a
                // `--since` of its own left those out.
                return Err(PlanError::OutsideListing {
                    path: path.clone(),
                    listed: window.as_options(),
                    before_since: with_history && days.first.is_some(),
                });
            }
        }
        Ok(note)
    }
}

/// The instant ages (`--since 7d`, `findings --baseline-until 30d`) count back from: read
/// once, so every option of one run counts from the same instant.
pub fn run_started() -> DateTime<Utc> {
    static STARTED: std::sync::OnceLock<DateTime<Utc>> = std::sync::OnceLock::new();
    *STARTED.get_or_init(Utc::now)
}

/// Builds the plan, with `now` as the reference for ages like `7d`.
///
/// # Errors
/// Any [`PlanError`].
pub fn plan(args: &ReadArgs, now: DateTime<Utc>) -> Result<Plan, PlanError> {
    let since = args
        .since
        .as_deref()
        .map(|v| parse_time(v, now, false).ok_or_else(|| time_error("since", v)))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|v| parse_time(v, now, true).ok_or_else(|| time_error("until", v)))
        .transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(PlanError::EmptyWindow {
            since: args.since.clone().unwrap_or_default(),
            until: args.until.clone().unwrap_or_default(),
        });
    }
    if args.threads.is_some_and(|n| n == 0 || n > MAX_THREADS) {
        return Err(PlanError::Threads);
    }
    let days = DayWindow::around(since, until);
    let outcome = if args.failed_only {
        OutcomeFilter::FailureOnly
    } else if args.exclude_failed {
        OutcomeFilter::SuccessOnly
    } else {
        OutcomeFilter::All
    };
    let window = Window {
        since,
        until,
        outcome,
    };
    let output = Target::from_arg(args.output.as_deref());
    if let Some(path) = (args.accounts_file.as_deref()).filter(|path| output.writes_over(path)) {
        return Err(PlanError::OutputIsInput {
            flag: "accounts",
            output: args.output.clone().unwrap_or_default(),
            path: path.to_owned(),
        });
    }
    let accounts = match &args.accounts_file {
        Some(path) => AccountNames::load(path)?,
        None => AccountNames::default(),
    };
    let mut notes = Vec::new();
    let account_filter = (args.accounts.iter())
        .map(|value| account_id(&accounts, args.accounts_file.as_deref(), value, &mut notes))
        .collect::<Result<_, _>>()?;
    Ok(Plan {
        scan: ScanOptions {
            paths: args.paths.clone(),
            threads: args.threads,
            follow: args.follow,
            days,
            max_file_size: parse_size(&args.max_file_size)
                .ok_or_else(|| PlanError::Size(args.max_file_size.clone()))?,
            strict: args.strict,
            until,
            // Whether chains are linked is the command's to say (`cmd::execute`).
            ..ScanOptions::default()
        },
        filters: Filters {
            window,
            accounts: account_filter,
            role: args.role.as_deref().map(|g| glob("role", g)).transpose()?,
            source: args
                .source
                .as_deref()
                .map(|g| glob("source", g))
                .transpose()?,
        },
        accounts,
        output,
        quiet: args.quiet,
        notes,
        focus: Focus {
            from: args.from.as_deref().map(|g| glob("from", g)).transpose()?,
            to: args.to.as_deref().map(|g| glob("to", g)).transpose()?,
            depth: args.depth,
            window,
        },
    })
}

/// The graph options of `trailmask graph`. `--collapse sessions` folds each session into its
/// role, which at session level gives the role-level graph.
pub fn graph_options(args: &GraphArgs) -> GraphOptions {
    let collapse = |what| args.collapse.contains(&what);
    GraphOptions {
        session_level: args.level == Some(GraphLevel::Session) && !collapse(Collapse::Sessions),
        account_level: args.level == Some(GraphLevel::Account),
        min_count: args.min_count,
        top: args
            .top
            .map(|top| usize::try_from(top).unwrap_or(usize::MAX)),
        collapse_services: collapse(Collapse::Services),
        collapse_subjects: collapse(Collapse::Subjects),
    }
}

/// The id an `--account` value means, given the `--accounts` file (if any) it was read from.
/// Digits that are not twelve and no account's name are kept as written, with a note in
/// `notes`: sanitised samples print such ids (AWS's documentation: `123456789`), and a digit
/// dropped by mistake is said there and again by the note that nothing matched.
fn account_id(
    names: &AccountNames,
    file: Option<&std::path::Path>,
    value: &str,
    notes: &mut Vec<String>,
) -> Result<String, PlanError> {
    let why = match names.resolve(value) {
        Ok(id) => return Ok(id),
        Err(Unresolved::NotTwelveDigits) => {
            notes.push(format!(
                "--account '{value}' is not 12 digits (an account id has 12): matched as written"
            ));
            return Ok(value.to_owned());
        }
        Err(why) => why,
    };
    Err(PlanError::Account {
        value: value.to_owned(),
        reason: match (why, file) {
            (Unresolved::Ambiguous(count), Some(file)) => {
                format!("{} names {count} accounts (give the id)", file.display())
            }
            (_, Some(file)) => format!("neither an account id nor a name in {}", file.display()),
            (_, None) => "not an account id (a name needs --accounts FILE)".to_owned(),
        },
    })
}

fn time_error(flag: &'static str, value: &str) -> PlanError {
    PlanError::Time {
        flag,
        value: value.to_owned(),
    }
}

pub(crate) fn glob(flag: &'static str, pattern: &str) -> Result<globset::GlobMatcher, PlanError> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        // IAM names roles and users case-insensitively (`Admin` and `admin` cannot both
        // exist), so the globs that pick them do too; `--source` matches subjects (a
        // repository, a service account) that are case-sensitive.
        .case_insensitive(matches!(flag, "role" | "from" | "to" | "origin"))
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|source| PlanError::Glob {
            flag,
            value: pattern.to_owned(),
            source,
        })
}

/// An RFC 3339 time (UTC without a zone), a date or a time to the minute (its start, or its
/// end when `end_of_day`), or an age before `now`.
pub fn parse_time(value: &str, now: DateTime<Utc>, end_of_day: bool) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = date.and_hms_opt(0, 0, 0)?.and_utc();
        // The last day chrono knows ends within it: its next day would overflow.
        return if end_of_day {
            start.checked_add_signed(TimeDelta::days(1) - TimeDelta::nanoseconds(1))
        } else {
            Some(start)
        };
    }
    if let Some(time) = timefmt::parse(value) {
        return Some(time);
    }
    // A time to the minute, as people type it (`2024-05-08T10:00`, with `Z` or without: UTC,
    // as a time without a zone is everywhere in trailmask); as a date does, it ends at the
    // end of that minute.
    let minute = value.strip_suffix(['Z', 'z']).unwrap_or(value);
    if let Some(time) = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(minute, format).ok())
    {
        let start = time.and_utc();
        return if end_of_day {
            start.checked_add_signed(TimeDelta::minutes(1) - TimeDelta::nanoseconds(1))
        } else {
            Some(start)
        };
    }
    let split = value.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = value.split_at(split);
    let number: i64 = number.parse().ok()?;
    let age = match unit {
        "s" => TimeDelta::try_seconds(number),
        "m" => TimeDelta::try_minutes(number),
        "h" => TimeDelta::try_hours(number),
        "d" => TimeDelta::try_days(number),
        "w" => TimeDelta::try_weeks(number),
        _ => None,
    }?;
    now.checked_sub_signed(age)
}

/// Bytes, with an optional K, M or G (powers of 1024) suffix.
pub fn parse_size(value: &str) -> Option<u64> {
    let value = value.trim();
    let (number, shift) = match value.chars().last()? {
        'k' | 'K' => (&value[..value.len() - 1], 10),
        'm' | 'M' => (&value[..value.len() - 1], 20),
        'g' | 'G' => (&value[..value.len() - 1], 30),
        _ => (value, 0),
    };
    number.trim().parse::<u64>().ok()?.checked_mul(1 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        timefmt::parse("2020-12-22T12:00:00Z").unwrap()
    }

    #[test]
    fn times() {
        let show = |v: &str, end| parse_time(v, now(), end).map(|t| timefmt::format(&t));
        assert_eq!(show("7d", false).as_deref(), Some("2020-12-15T12:00:00Z"));
        assert_eq!(show("12h", false).as_deref(), Some("2020-12-22T00:00:00Z"));
        assert_eq!(
            show("2020-12-20", false).as_deref(),
            Some("2020-12-20T00:00:00Z")
        );
        assert_eq!(
            show("2020-12-20", true).as_deref(),
            Some("2020-12-20T23:59:59.999999999Z")
        );
        assert_eq!(
            show("2020-12-20T11:55:50Z", false).as_deref(),
            Some("2020-12-20T11:55:50Z")
        );
        // To the minute, as people type it: UTC, from its start, or to its end as a date is
        // (session 31).
        for typed in ["2020-12-20T11:55", "2020-12-20T11:55Z", "2020-12-20 11:55"] {
            assert_eq!(
                show(typed, false).as_deref(),
                Some("2020-12-20T11:55:00Z"),
                "{typed}"
            );
            assert_eq!(
                show(typed, true).as_deref(),
                Some("2020-12-20T11:55:59.999999999Z"),
                "{typed}"
            );
        }
        // The last day and minute chrono knows end within them (red-team, session 32: the
        // end was reached through the next day, which overflowed, and the run aborted).
        for (typed, end) in [
            ("+262142-12-31", "+262142-12-31T23:59:59.999999999Z"),
            ("+262142-12-31T23:59", "+262142-12-31T23:59:59.999999999Z"),
        ] {
            assert_eq!(show(typed, true).as_deref(), Some(end), "{typed}");
        }
        assert_eq!(show("2020-12-20T25:00", false), None);
        assert_eq!(show("7x", false), None);
        assert_eq!(show("yesterday", false), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("64k"), Some(64 << 10));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("99999999999999G"), None);
    }
}
