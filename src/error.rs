//! Errors of the library. Every error about an input or output file carries its path.

use std::path::PathBuf;

/// Why one input file could not be read completely.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file or directory could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The gzip stream is corrupt or cut short.
    #[error("{path}: {}{salvage}", gzip_detail(what, source))]
    Gzip {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
        salvage: Salvage,
    },
    /// Bytes after the end of a whole gzip stream are not gzip: its records were all read.
    #[error("{path}: {trailing}; {}", trailing.records_before(*records))]
    TrailingData {
        path: PathBuf,
        trailing: crate::read::load::TrailingData,
        records: usize,
    },
    /// The text is not UTF-8 JSON for a reason worth naming (UTF-16, gzip inside gzip).
    #[error("{path}: {what}")]
    Encoding { path: PathBuf, what: &'static str },
    /// The file's role assumptions (or the records that may be, to parse in full) would take
    /// more than half the per-file limit in memory: tiny records that all name a role
    /// assumption, or that all hold a `\u` escape.
    #[error(
        "{path}: what it holds to keep (role assumptions, hand-overs, calls) would take more than \
         half the {limit}-byte limit in memory (see --max-file-size)"
    )]
    TooManyEvents { path: PathBuf, limit: u64 },
    /// The content (decompressed, when `gzip`) is larger than the per-file limit.
    #[error(
        "{path}: larger than the {limit}-byte limit{} (see --max-file-size)",
        if *.gzip { " once decompressed" } else { "" }
    )]
    TooLarge {
        path: PathBuf,
        limit: u64,
        gzip: bool,
    },
    /// The content is not JSON at all (it does not begin with `{` or `[`): `start` is what it
    /// begins with.
    #[error(
        "{path}: not JSON (it begins with `{}`){}",
        crate::export::table::printable(start),
        accounts_hint(start)
    )]
    NotJson { path: PathBuf, start: String },
    /// The content is not valid JSON (or too deeply nested).
    #[error("{path}: not valid JSON: {source}{salvage}")]
    Json {
        path: PathBuf,
        #[source]
        source: crate::read::decode::JsonDamage,
        salvage: Salvage,
    },
    /// Keys given twice in one object (`"Records"`, or a field trailmask reads): the first
    /// value was read, the later ones ignored, nothing dropped. JSON parsers disagree on which
    /// value wins, so the file is reported, not trusted silently.
    #[error(
        "{path}: {count} object(s) with a key given twice: the first value read, the later ignored"
    )]
    RepeatedKeys { path: PathBuf, count: usize },
    /// An S3 location (`s3://bucket/prefix` as given, a folder, or a bucket whose `objects`
    /// were refused) that could not be listed or read: one error for the location, not one per
    /// object ([`crate::read::s3`]).
    #[error("{path}: {problem}{}", objects_not_read(*objects))]
    S3 {
        path: PathBuf,
        problem: crate::read::s3::S3Problem,
        objects: usize,
    },
    /// One or more records parsed as JSON but not as a CloudTrail record.
    #[error("{path}: {count} malformed record(s) left out, first: {first}")]
    BadRecords {
        path: PathBuf,
        count: usize,
        first: String,
    },
    /// An error as a partial result or a listing recorded it ([`crate::partial`]): the line
    /// the run that met it printed, printed again by the run that merges it; `unreachable`
    /// when it was about a whole S3 location (it keeps its exit status).
    #[error("{message}")]
    Recorded {
        path: PathBuf,
        message: String,
        unreachable: bool,
    },
    /// A partial result that cannot be merged: cut short, damaged, of another version, or
    /// read for another command or time window than the one merging it.
    #[error("{path}: {what}")]
    Partial { path: PathBuf, what: String },
}

impl InputError {
    /// The error line a partial result or a listing recorded for `path`, printed again as it
    /// was. The line must name `path` as every error line does (`PATH: …`): read input may
    /// hold anything, and a line about something else, or a forged summary line, is damage.
    ///
    /// # Errors
    /// `message` does not begin with `path`.
    pub fn recorded(path: PathBuf, message: String, unreachable: bool) -> Result<Self, String> {
        if !message.starts_with(&format!("{}: ", path.display())) {
            return Err(format!(
                "the error recorded for {} does not name it",
                path.display()
            ));
        }
        Ok(InputError::Recorded {
            path,
            message,
            unreachable,
        })
    }

    /// The path of the file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            InputError::Io { path, .. }
            | InputError::Gzip { path, .. }
            | InputError::TrailingData { path, .. }
            | InputError::TooLarge { path, .. }
            | InputError::TooManyEvents { path, .. }
            | InputError::Encoding { path, .. }
            | InputError::RepeatedKeys { path, .. }
            | InputError::Json { path, .. }
            | InputError::NotJson { path, .. }
            | InputError::BadRecords { path, .. }
            | InputError::Recorded { path, .. }
            | InputError::Partial { path, .. }
            | InputError::S3 { path, .. } => path,
        }
    }

    /// True when the error concerns a whole S3 location (credentials refused or missing, no
    /// such bucket, no answer from the endpoint): the run exits with
    /// [`crate::exit::ExitCode::Unreachable`].
    pub fn is_unreachable(&self) -> bool {
        match self {
            InputError::S3 { problem, .. } => problem.is_unreachable(),
            InputError::Recorded { unreachable, .. } => *unreachable,
            _ => false,
        }
    }
}

/// A hint after "not JSON" for a file that begins as an accounts file does (`id,name`): named
/// among the logs where `--accounts FILE` was meant.
fn accounts_hint(start: &str) -> &'static str {
    let head = start.trim_start_matches('\u{feff}').trim_start();
    if (head.get(..7)).is_some_and(|id_name| id_name.eq_ignore_ascii_case("id,name")) {
        "; an accounts file? give it as --accounts FILE"
    } else if head.starts_with("TRAILMASK PARTIAL") {
        // A partial gzipped again for storage (it is one gzip stream already): read only as
        // written.
        "; a partial result compressed again? give it as `trailmask partial` wrote it (gunzip it)"
    } else {
        ""
    }
}

/// ` (N objects not read)` after a refusal that concerned a bucket's objects.
fn objects_not_read(objects: usize) -> String {
    match objects {
        0 => String::new(),
        1 => " (1 object not read)".to_owned(),
        n => format!(" ({n} objects not read)"),
    }
}

/// `what: source`, or only the source when it already says what (flate2's "corrupt gzip
/// stream …" after "corrupt gzip" said it twice).
fn gzip_detail(what: &str, source: &std::io::Error) -> String {
    let source = source.to_string();
    if source.starts_with(what) {
        source
    } else {
        format!("{what}: {source}")
    }
}

/// What was kept of a file that failed part-way: its complete records, and in JSON Lines
/// read on past its damage how many lines were bad.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Salvage {
    pub records: usize,
    pub bad_lines: usize,
}

impl std::fmt::Display for Salvage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let records = crate::export::plural(self.records as u64, "complete record");
        match self.bad_lines {
            0 if self.records == 0 => Ok(()),
            0 => write!(f, "; salvaged {records} before the damage"),
            1 => write!(f, "; the bad line left out, {records} kept"),
            lines => write!(
                f,
                "; {lines} bad lines left out (the first named), {records} kept"
            ),
        }
    }
}

/// An error writing output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: cannot write output: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write output: {0}")]
    Stdout(#[source] std::io::Error),
    /// `-o` names one of the inputs (the same file, by device and inode): writing would replace
    /// a log, which may be evidence. A usage mistake, found before anything is written.
    #[error("-o {output} is an input ({input}); refusing to write over it")]
    IsAnInput { output: PathBuf, input: PathBuf },
}

impl OutputError {
    /// True when the error is a closed pipe (`trailmask … | head`), which ends the run quietly.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            OutputError::Io { source, .. } | OutputError::Stdout(source) => {
                source.kind() == std::io::ErrorKind::BrokenPipe
            }
            OutputError::IsAnInput { .. } => false,
        }
    }

    /// True when the error is the user's mistake (status 2) rather than a failure to write
    /// (status 3).
    pub fn is_usage(&self) -> bool {
        matches!(self, OutputError::IsAnInput { .. })
    }
}
