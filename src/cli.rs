//! The command line, as clap reads it. Nothing here does work: [`crate::plan`] turns these
//! raw options into a validated plan.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Map who wore which IAM role: role assumptions, chains and cross-account hops from AWS
/// CloudTrail logs.
///
/// Reads CloudTrail logs in any delivery shape (S3 `.json.gz` trees, organization trails,
/// lookup-events output, EventBridge, CloudWatch Logs, JSON Lines), on all cores.
#[derive(Debug, Parser)]
#[command(name = "trailmask", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One row per distinct role assumption, sorted by time (CSV for auditors, or JSON Lines).
    Events(EventsArgs),
    /// The mask graph: source identities -> roles (-> sessions), chains and cross-account hops.
    Graph(GraphArgs),
    /// Each distinct role chain (origin -> role -> role ...), longest first.
    Chains(ChainsArgs),
    /// Which AWS service principals assume which roles.
    Services(ServicesArgs),
    /// Who handed which role to which service (iam:PassRole, read from the calls that carry
    /// it: RunInstances, CreateFunction, RegisterTaskDefinition, ...), and how often the
    /// service then wore it.
    Passrole(PassroleArgs),
    /// What each mask did: every call made with a role session, attributed to the session,
    /// its role and the identity at the root of its chain (by session, role, origin or
    /// action, or the timeline of calls with --calls).
    Activity(ActivityArgs),
    /// Findings that deserve a look, each with the events that prove it: a session used from
    /// several networks, role juggling, a role worn by a service and by a person, new edges
    /// after a baseline, refusals then a success.
    Findings(FindingsArgs),
    /// The graph's aggregated edges as a table for auditors.
    Edges(EdgesArgs),
    /// Files, records and role assumptions at a glance.
    Summary(SummaryArgs),
    /// One self-contained HTML page (works offline): the graph with search, account groups,
    /// filters and click-to-follow chains, beside the chains, services, edges and summary.
    Report(ReportArgs),
    /// Read logs for a command and write what its output needs as a mergeable partial result
    /// (-o FILE): give partials to the command wherever logs go, and its output is the same as
    /// one run over all the logs (`trailmask partial events -o day1.part logs/day1/`, then
    /// `trailmask events day1.part day2.part`).
    Partial(PartialArgs),
    /// The inputs a command would read, one JSON line each (path and size), with what
    /// discovery skipped: a listing any command reads in place of the paths (to split a trail
    /// into shards: see spark/).
    List(ListArgs),
}

/// `trailmask partial COMMAND [OPTIONS] PATH...`.
#[derive(Debug, Args)]
pub struct PartialArgs {
    #[command(subcommand)]
    pub command: PartialOf,
}

/// The commands a partial result can be read for (each with its own options: those that
/// decide what is read, such as activity's --since, --until and --calls, are kept in the
/// partial; the others apply when it is merged).
#[derive(Debug, Subcommand)]
pub enum PartialOf {
    /// A partial for `trailmask events`, its options those of `events`.
    Events(EventsArgs),
    /// A partial for `trailmask graph`, its options those of `graph`.
    Graph(GraphArgs),
    /// A partial for `trailmask chains`, its options those of `chains`.
    Chains(ChainsArgs),
    /// A partial for `trailmask services`, its options those of `services`.
    Services(ServicesArgs),
    /// A partial for `trailmask passrole`, its options those of `passrole`.
    Passrole(PassroleArgs),
    /// A partial for `trailmask activity`, its options those of `activity`.
    Activity(ActivityArgs),
    /// A partial for `trailmask findings`, its options those of `findings`.
    Findings(FindingsArgs),
    /// A partial for `trailmask edges`, its options those of `edges`.
    Edges(EdgesArgs),
    /// A partial for `trailmask summary`, its options those of `summary`.
    Summary(SummaryArgs),
    /// A partial for `trailmask report`, its options those of `report`.
    Report(ReportArgs),
}

/// `trailmask list [OPTIONS] PATH...`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Log files, directories or `s3://` prefixes.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Prune the date folders outside this window, as a command given it would.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// See --since.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Follow symbolic links inside directories.
    #[arg(short = 'L', long)]
    pub follow: bool,
    /// Write the listing here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Taken as every command takes it (`list` draws no progress and writes no closing line:
    /// only errors reach stderr).
    #[arg(short, long)]
    pub quiet: bool,
}

/// What every command that reads logs accepts.
#[derive(Debug, Args, Clone)]
pub struct ReadArgs {
    /// Log files or directories (walked recursively); `-` reads standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Only events at or after this time: RFC 3339 (UTC when it has no zone), a date
    /// (YYYY-MM-DD), a time to the minute (YYYY-MM-DDTHH:MM), or an age such as 7d, 12h, 30m.
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub since: Option<String>,

    /// Only events at or before this time (a bare date means the end of that day).
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub until: Option<String>,

    /// Only events where this account is the caller's or the role's (repeatable): an id, or a
    /// name from --accounts FILE (passrole: the passer's, the call's or the role's; activity:
    /// the role's or a recipient account of the session's calls).
    #[arg(long = "account", value_name = "ID", help_heading = "Filters")]
    pub accounts: Vec<String>,

    /// Only roles whose ARN, name, or path and name matches this glob (e.g. '*Admin*',
    /// 'Audit/*'; any case; passrole: the role or the instance profile).
    #[arg(long, value_name = "GLOB", help_heading = "Filters")]
    pub role: Option<String>,

    /// Only sources (ARN, name, service, provider or subject) matching this glob (passrole: the
    /// passer or its origin; activity: the session's origin, its ARN, or its role or session
    /// name).
    #[arg(long, value_name = "GLOB", help_heading = "Filters")]
    pub source: Option<String>,

    /// Include refused calls (the default: a refused call is worth seeing, an AssumeRole most of
    /// all).
    #[arg(long, help_heading = "Filters", conflicts_with_all = ["exclude_failed", "failed_only"])]
    pub include_failed: bool,

    /// Leave refused calls out.
    #[arg(long, help_heading = "Filters", conflicts_with = "failed_only")]
    pub exclude_failed: bool,

    /// Only refused calls.
    #[arg(long, help_heading = "Filters")]
    pub failed_only: bool,

    /// Only the chains that start at an identity matching this glob (ARN or name, service,
    /// `provider#subject` or `account#principal`; any case): every hop of them, refused ones
    /// included.
    #[arg(long, value_name = "GLOB", help_heading = "Focus")]
    pub from: Option<String>,

    /// Only the chains that reached a role matching this glob (ARN or name; any case), from
    /// their origin up to that role (passrole: roles handed over; activity: that role's
    /// sessions).
    #[arg(long, value_name = "GLOB", help_heading = "Focus")]
    pub to: Option<String>,

    /// Only hops at most N deep in their chain (with --to: the role reached within N hops).
    #[arg(long, value_name = "N", help_heading = "Focus", value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: Option<u32>,

    /// A CSV of `id,name` naming your accounts: --account takes the names; events, activity,
    /// summary, services, edges, the graph and the report show them (chains, passrole and
    /// findings keep account ids); the graph marks hops to or from any other account.
    #[arg(long = "accounts", value_name = "FILE")]
    pub accounts_file: Option<PathBuf>,

    /// Worker threads, 1 to 256 (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Follow symbolic links inside directories.
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Stop at the first file (by path) that cannot be read; no output is written.
    #[arg(long)]
    pub strict: bool,

    /// Largest decompressed size of one file, in bytes (suffixes K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "1G")]
    pub max_file_size: String,

    /// No progress bar and no closing line (errors and notes on the output, such as the level
    /// a graph was drawn at, are still reported).
    #[arg(short, long)]
    pub quiet: bool,

    /// Write the output here instead of stdout (written atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Set by `trailmask partial`: the command whose partial result is written instead of its
    /// output.
    #[arg(skip)]
    pub partial_of: Option<&'static str>,
}

#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// csv: one row per role assumption, for auditors' spreadsheets (columns in the README);
    /// json: an array; jsonl: one JSON object per line; table: aligned columns, for a terminal
    /// (one record after another when they do not fit).
    #[arg(long, value_enum, default_value_t = RowsFormat::Csv)]
    pub format: RowsFormat,
    /// Write CSV cells untouched: no `'` before a spreadsheet formula, no visible escapes for
    /// control characters (see README: Spreadsheet safety).
    #[arg(long)]
    pub raw: bool,
}

#[derive(Debug, Clone, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// dot: Graphviz (`dot -Tsvg chains.dot > chains.svg`); json: the nodes and edges as data;
    /// mermaid: a flowchart for Markdown pages.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// role: chains read role -> role; session: source -> session -> next session; account:
    /// accounts, services and identity providers, hops between them. Default: role, or account
    /// when the role-level picture is too big to read (said on stderr).
    #[arg(long, value_enum)]
    pub level: Option<GraphLevel>,
    /// Drop edges seen fewer than N times.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_count: u64,
    /// Keep only the N busiest edges (at least 1); at account level the N busiest arrows, each
    /// account drawn keeping its own hops in its label.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub top: Option<u64>,
    /// Merge nodes to shrink a big graph: `services` (one node for all AWS services),
    /// `subjects` (federation subjects into their provider), `sessions` (at session level,
    /// sessions into their role). Repeatable.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub collapse: Vec<Collapse>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Json,
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphLevel {
    Role,
    Session,
    Account,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Collapse {
    Services,
    Subjects,
    Sessions,
}

#[derive(Debug, Clone, Args)]
pub struct ChainsArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Only chains of at least this many hops.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_depth: u32,
    /// text: an aligned table, for reading; csv: one row per chain; json: an array.
    #[arg(long, value_enum, default_value_t = ChainsFormat::Text)]
    pub format: ChainsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChainsFormat {
    // `table` works too, as for the other commands' tables.
    #[value(alias = "table")]
    Text,
    Csv,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServicesArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// table: aligned columns (one record after another on a terminal too narrow for them);
    /// csv; json: an array.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

#[derive(Debug, Clone, Args)]
pub struct PassroleArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// csv: one row per role handed over in a call (success or failure), for auditors;
    /// json: an array; jsonl: one object per line; table: aligned columns.
    #[arg(long, value_enum, default_value_t = RowsFormat::Csv)]
    pub format: RowsFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ActivityArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// One row per session (the default), role, chain origin, or (origin, role, action).
    #[arg(long, value_enum, default_value_t = ActivityView::Session)]
    pub by: ActivityView,
    /// One row per call instead: the timeline, each call with its attribution.
    #[arg(long, conflicts_with = "by")]
    pub calls: bool,
    /// Only sessions whose chain started at an identity matching this glob: the same as
    /// --from here (both given, a session must match both).
    #[arg(long, value_name = "GLOB", help_heading = "Filters")]
    pub origin: Option<String>,
    /// csv: one row per session (or per --by row, or per call), columns in the README; json:
    /// an array; jsonl: one object per line; table: aligned columns, for a terminal.
    #[arg(long, value_enum, default_value_t = RowsFormat::Csv)]
    pub format: RowsFormat,
}

#[derive(Debug, Clone, Args)]
pub struct FindingsArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Only findings of this kind (repeatable; default: all).
    #[arg(long = "kind", value_name = "KIND", value_parser = clap::builder::PossibleValuesParser::new(crate::activity::findings::Kind::NAMES))]
    pub kinds: Vec<String>,
    /// Look for new edges: (source, role or federated user) pairs whose first success comes
    /// after this time (RFC 3339, a date meaning the end of that day, or an age such as 7d).
    /// Every hop read up to it is the baseline.
    #[arg(long, value_name = "TIME")]
    pub baseline_until: Option<String>,
    /// How many refused attempts by one identity within the hour before its success make a
    /// finding.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_refusals: u32,
    /// Only findings of at least this severity (a finding's id is the same as without it).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = SeverityArg::Low)]
    pub min_severity: SeverityArg,
    /// Exit with status 6 when a finding of at least this severity is listed (after
    /// --min-severity and --ignore): a gate for a scheduled job or a pipeline.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// A file of finding ids to leave out, one per line (what follows the id on its line, and
    /// lines starting with #, are comments): the findings already looked at (repeatable: a
    /// team's list and your own; - reads one from standard input).
    #[arg(long, value_name = "FILE")]
    pub ignore: Vec<std::path::PathBuf>,
    /// table: aligned columns, for a terminal (one finding after another when too narrow);
    /// csv: id, kind, severity, subject, detail, first_seen, last_seen, count, event_ids;
    /// json: an array; jsonl: one object per line.
    #[arg(long, value_enum, default_value_t = RowsFormat::Table)]
    pub format: RowsFormat,
}

/// A severity threshold of `findings` (`--min-severity`, `--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActivityView {
    Session,
    Role,
    Origin,
    Action,
}

/// The formats of the commands that list rows (`activity`, `findings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowsFormat {
    Csv,
    Json,
    Jsonl,
    // `text` works too, as for `chains` and `summary`.
    #[value(alias = "text")]
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    #[value(alias = "text")]
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct EdgesArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// csv: one row per edge, for auditors; json: an array; jsonl: one object per line;
    /// table: aligned columns, for a terminal.
    #[arg(long, value_enum, default_value_t = RowsFormat::Csv)]
    pub format: RowsFormat,
    /// Write CSV cells untouched: no `'` before a spreadsheet formula, no visible escapes for
    /// control characters.
    #[arg(long)]
    pub raw: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// text: for reading; json: the same counts as data.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// The graph's level: role, session or account. Default: role, or account when the role
    /// level passes 1,500 nodes or 4,000 edges, more than a browser draws in seconds (said on
    /// stderr; the page names its level).
    #[arg(long, value_enum)]
    pub level: Option<GraphLevel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    #[value(alias = "table")]
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
