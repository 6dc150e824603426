//! Finding the files to read: walking directories (subdirectories on all cores, as fd does),
//! skipping what is not a log, pruning S3 date folders outside the time window, and ordering
//! the result so every run reads the same list.
//!
//! Rules, in the spirit of ripgrep and fd:
//! - paths named on the command line are always read, whatever their name; `-` is stdin;
//! - inside walked directories only log-like names are read (`.json`, `.gz`, `.jsonl`,
//!   `.ndjson`, case-insensitive), and files under a `CloudTrail-Digest` folder are counted as
//!   digests without being opened;
//! - symbolic links inside directories are skipped unless `follow` is set; with it, a link loop
//!   is skipped, never walked forever;
//! - inside walked directories, what is not a regular file (a named pipe, a socket, a device)
//!   is skipped without being opened; named on the command line it is read, as `cat` would
//!   (`trailmask events <(zcat …)`);
//! - the same file reached twice (given twice, or through two overlapping paths) is read once,
//!   and an entry passed over (a digest, another name, a link, a date folder) counts once: it
//!   is an [`Input`] with its reason, known by its identity as a file is;
//! - an `s3://bucket/prefix` argument is listed by [`super::s3`], by the same rules (log names,
//!   digests, date folders), into [`Input::Object`]s.
//!
//! Discovery also records each input's [`FileIdentity`], so that `-o` can refuse to write over
//! an input (see [`crate::output`]).

use super::decode::SkipReason;
use super::s3::{self, ObjectUrl};
use crate::error::InputError;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rayon::prelude::*;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file; `skip` is set when discovery already knows it holds no events.
    File {
        path: PathBuf,
        skip: Option<SkipReason>,
        size: u64,
    },
    /// An S3 object ([`super::s3`]); `skip` as for a file.
    Object {
        url: ObjectUrl,
        size: u64,
        skip: Option<SkipReason>,
    },
}

impl Input {
    /// True for an entry discovery passed over (a digest, another name, a link, a date
    /// folder outside the window): never opened.
    pub fn is_passed_over(&self) -> bool {
        matches!(
            self,
            Input::File { skip: Some(_), .. } | Input::Object { skip: Some(_), .. }
        )
    }
}

/// The days whose S3 folders may hold wanted events (inclusive, slack already added).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayWindow {
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

impl DayWindow {
    /// The date folders `--since`/`--until` may need: a file's S3 folder is its delivery day,
    /// and events arrive within minutes, so a day of slack on each side never drops one.
    pub fn around(since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> DayWindow {
        DayWindow {
            first: since.and_then(|t| t.date_naive().checked_sub_days(chrono::Days::new(1))),
            last: until.and_then(|t| t.date_naive().checked_add_days(chrono::Days::new(1))),
        }
    }

    /// Whether every day `other` takes in is one of this window's.
    pub fn holds(&self, other: DayWindow) -> bool {
        let first = self
            .first
            .is_none_or(|f| other.first.is_some_and(|o| o >= f));
        let last = self.last.is_none_or(|l| other.last.is_some_and(|o| o <= l));
        first && last
    }

    fn excludes(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.first.is_some_and(|f| last < f) || self.last.is_some_and(|l| first > l)
    }
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Inputs, sorted, each once: files and objects to read, and the entries passed over
    /// (digests, other names, links, date folders outside the window), each with its path
    /// and reason (`skip`), so that an entry reached twice counts once.
    pub inputs: Vec<Input>,
    /// Paths that could not be walked, each once.
    pub errors: Vec<InputError>,
    /// The paths walked from, for a listing ([`super::listing::write`]): each path given, but
    /// a listing's own roots for a listing, and none for standard input.
    pub roots: Vec<PathBuf>,
    /// Entries passed over that have no path: those of listings written before entries
    /// carried theirs, and link loops.
    pub skipped: Vec<SkipReason>,
    /// What each log file (and digest) among the inputs is, with the path it is read by
    /// (`<stdin>` for standard input redirected from a file), sorted: what `-o` must not
    /// write over.
    pub identities: Vec<(FileIdentity, PathBuf)>,
}

impl Discovery {
    /// The path of the input that is the file `identity`, if one is.
    pub fn input_with_identity(&self, identity: &FileIdentity) -> Option<&Path> {
        self.identities
            .binary_search_by(|(known, _)| known.cmp(identity))
            .ok()
            .map(|i| self.identities[i].1.as_path())
    }
}

/// Walks `paths` (files, directories, or `-`).
///
/// A directory is walked on all cores (its subdirectories in parallel) unless links are
/// followed: then walkdir walks it, as it knows the ancestors that make a link loop. The
/// result is sorted either way, so it never depends on which thread found what.
pub fn discover(paths: &[PathBuf], follow: bool, window: DayWindow) -> Discovery {
    let mut found = Discovery::default();
    let mut files = Vec::new();
    let mut objects = Vec::new();
    // The folders named and those they lie in: a walk that passes over one of them (a date
    // folder outside the window, a link) does not pass over what another root reads.
    let mut named_folders = Vec::new();
    for root in paths {
        if let Some(url) = root.to_str().filter(|_| s3::is_s3(root)) {
            objects.push(url);
            found.roots.push(root.clone());
            continue;
        }
        if root.as_os_str() == "-" {
            found.inputs.push(Input::Stdin);
            if let Some(identity) = stdin_identity() {
                found.identities.push((identity, PathBuf::from("<stdin>")));
            }
            continue;
        }
        // A listing (`trailmask list`) stands for the inputs it lists.
        if let Some(listed) = super::listing::read_if_listing(root) {
            match listed {
                Ok(listed) => {
                    // The listing itself is an input: -o must not write over it.
                    let metadata = std::fs::metadata(root).ok();
                    found
                        .identities
                        .push((file_identity(root, metadata.as_ref()), root.clone()));
                    let roots = listed.roots;
                    found.roots.extend(roots.iter().cloned());
                    for (path, size, skip) in listed.files {
                        // A listed S3 object is fetched, as if its bucket had been listed;
                        // one in a date folder outside a window narrower than the listing's
                        // is that folder passed over, as the walk of its prefix passes it.
                        if let Some(url) = path.to_str().and_then(ObjectUrl::parse) {
                            found
                                .inputs
                                .push(match s3::outside_folder(&url, window, &roots) {
                                    Some(folder) => Input::Object {
                                        url: folder,
                                        size: 0,
                                        skip: Some(SkipReason::OutsideDates),
                                    },
                                    None => Input::Object { url, size, skip },
                                });
                            continue;
                        }
                        // So is a file's, as the walk of the folder it was listed from
                        // passes it (the folder known by its identity, so counted once).
                        let (path, skip) = match outside_folder(&path, window, &roots) {
                            Some(folder) => (folder, Some(SkipReason::OutsideDates)),
                            None => (path, skip),
                        };
                        // An entry passed over is known as the walk knew it (a link by its own
                        // identity, not its target's); a file to read by what it is.
                        let metadata = if skip.is_some() {
                            std::fs::symlink_metadata(&path).ok()
                        } else {
                            std::fs::metadata(&path).ok()
                        };
                        // As inside a walked folder: a pipe or a device is never opened (a
                        // pipe would wait for a writer forever).
                        let skip = match &metadata {
                            Some(metadata) if skip.is_none() && !metadata.is_file() => {
                                Some(SkipReason::NotAFile)
                            }
                            _ => skip,
                        };
                        files.push(Found {
                            identity: file_identity(&path, metadata.as_ref()),
                            skip,
                            path,
                            // The size as it is: a listing's could say anything, and a file is
                            // known by its size (a file both read and held by a partial).
                            size: (metadata.as_ref().filter(|m| m.is_file()))
                                .map_or(size, std::fs::Metadata::len),
                        });
                    }
                    found.errors.extend(listed.errors);
                    found.skipped.extend(listed.skipped);
                }
                Err(error) => found.errors.push(error),
            }
            continue;
        }
        found.roots.push(root.clone());
        // A link named as the root is followed either way (as `follow_root_links`).
        // A folder named twice (`logs logs/`) is walked twice: what it holds is then known
        // by its identity, kept once under its smallest name whatever the order given.
        let is_dir = root.is_dir();
        if is_dir {
            named_folders.extend(folder_and_ancestors(root));
        }
        let walked = if !follow && is_dir {
            walk_in_parallel(root, window)
        } else {
            walk_with_walkdir(root, follow, window)
        };
        files.extend(walked.files);
        found.errors.extend(walked.errors);
        found.skipped.extend(walked.skipped);
    }
    // The same file twice: keep it as read rather than skipped (a file named on the command
    // line is read whatever its name, also when a walk passed over it), then the smallest
    // name, so the choice does not depend on order.
    files.sort();
    files.dedup_by(|later, earlier| later.identity == earlier.identity);
    named_folders.sort();
    files
        .retain(|file| file.skip.is_none() || named_folders.binary_search(&file.identity).is_err());
    for file in files {
        // `-o` must not write over a log, nor a digest (the trail's integrity evidence); over
        // another entry passed over it may.
        if matches!(file.skip, None | Some(SkipReason::Digest)) {
            found.identities.push((file.identity, file.path.clone()));
        }
        found.inputs.push(Input::File {
            path: file.path,
            skip: file.skip,
            size: file.size,
        });
    }
    if !objects.is_empty() {
        let listed = s3::list(&objects, window);
        found.inputs.extend(listed.inputs);
        found.errors.extend(listed.errors);
        found.skipped.extend(listed.skipped);
    }
    // A date folder a root lies in is walked from there: not one passed over.
    found.inputs.retain(|input| match input {
        Input::Object {
            url,
            skip: Some(SkipReason::OutsideDates),
            ..
        } => !objects.iter().any(|root| s3::lies_in(root, url)),
        _ => true,
    });
    // An object listed twice (by two overlapping prefixes, a listing, or a store that
    // repeats a key, perhaps with another size) is read once: as its first entry in sort
    // order, so the choice does not depend on order.
    found.inputs.sort();
    found
        .inputs
        .dedup_by(|later, earlier| match (later, earlier) {
            (Input::Object { url: a, .. }, Input::Object { url: b, .. }) => a == b,
            (later, earlier) => later == earlier,
        });
    // By identity, then path: the first path of a file given twice is the one named.
    found.identities.sort();
    found
        .identities
        .dedup_by(|later, earlier| later.0 == earlier.0);
    once_per_path(&mut found.errors);
    // In one order whatever the order given.
    found.roots.sort();
    found.roots.dedup();
    found
}

/// The identities of the folder `root` and of every folder it lies in, both as it is spelled
/// (a link among its components is known as the link a walk passes over) and as it resolves.
fn folder_and_ancestors(root: &Path) -> Vec<FileIdentity> {
    let identity = |path: &Path, metadata: std::io::Result<std::fs::Metadata>| {
        metadata
            .ok()
            .map(|metadata| file_identity(path, Some(&metadata)))
    };
    let spelled = root
        .ancestors()
        .filter(|path| !path.as_os_str().is_empty())
        .filter_map(|path| identity(path, std::fs::symlink_metadata(path)));
    let resolved = std::fs::canonicalize(root).ok();
    let resolved = (resolved.iter())
        .flat_map(|path| path.ancestors())
        .filter_map(|path| identity(path, std::fs::metadata(path)));
    spelled.chain(resolved).collect()
}

/// Paths that could not be walked, sorted, each once (a path named twice, or met by several
/// runs whose partials are merged, is one error line).
pub(crate) fn once_per_path(errors: &mut Vec<InputError>) {
    errors.sort_by(|a, b| a.path().cmp(b.path()));
    errors.dedup_by(|later, earlier| later.path() == earlier.path());
}

/// A file found by a walk (one it passes over among them, with the reason), before the same
/// file reached twice is dropped. In this order: of one file, the entry that is read first.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    identity: FileIdentity,
    skip: Option<SkipReason>,
    path: PathBuf,
    size: u64,
}

/// What one walk found.
#[derive(Debug, Default)]
struct Walked {
    files: Vec<Found>,
    errors: Vec<InputError>,
    skipped: Vec<SkipReason>,
}

impl Walked {
    fn append(&mut self, other: Walked) {
        self.files.extend(other.files);
        self.errors.extend(other.errors);
        self.skipped.extend(other.skipped);
    }

    /// A file (anything but a directory inside the walk): read unless it is in a digest
    /// folder or its name is not a log's (`named` paths, given on the command line, are read
    /// whatever their name and folder).
    fn note_file(&mut self, path: &Path, named: bool, metadata: Option<std::fs::Metadata>) {
        // A path named on the command line may be a link: its identity is its target's, so a
        // link given beside its target is read once.
        let metadata = if named {
            std::fs::metadata(path).ok().or(metadata)
        } else {
            metadata
        };
        // Named, a file is read whatever folder it lies in: a digest is known by what it holds
        // (a review's, session 37: a log named under a `CloudTrail-Digest` folder was passed
        // over).
        let skip = if !named && in_digest_folder(path) {
            Some(SkipReason::Digest)
        } else if !named && !has_log_name(path) {
            Some(SkipReason::NotALogName)
        } else {
            None
        };
        self.note(path, skip, metadata);
    }

    /// An entry the walk passes over for `skip` (a link not followed or a loop, a pipe or a
    /// device, a date folder outside the window), or a file, with its own metadata: known by
    /// its identity, as files are, so that an entry two walks reach counts once.
    fn note(&mut self, path: &Path, skip: Option<SkipReason>, metadata: Option<std::fs::Metadata>) {
        // The size of a regular file only: a folder's, a link's or a device's says nothing
        // of logs.
        let size = (metadata.as_ref())
            .filter(|m| m.is_file())
            .map_or(0, std::fs::Metadata::len);
        self.files.push(Found {
            identity: file_identity(path, metadata.as_ref()),
            skip,
            path: path.to_path_buf(),
            size,
        });
    }
}

/// Walks the directory `dir` without following links: its files here, its subdirectories
/// (those not pruned by `window`) each walked in parallel.
fn walk_in_parallel(dir: &Path, window: DayWindow) -> Walked {
    let mut walked = Walked::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => {
            walked.errors.push(InputError::Io {
                path: dir.to_path_buf(),
                source,
            });
            return walked;
        }
    };
    let mut subdirs = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(source) => {
                walked.errors.push(InputError::Io {
                    path: dir.to_path_buf(),
                    source,
                });
                continue;
            }
        };
        let path = entry.path();
        let file_type = match entry.file_type() {
            Ok(file_type) => file_type,
            Err(source) => {
                walked.errors.push(InputError::Io { path, source });
                continue;
            }
        };
        if file_type.is_dir() {
            if outside_window(&path, window) {
                walked.note(&path, Some(SkipReason::OutsideDates), entry.metadata().ok());
            } else {
                subdirs.push(path);
            }
        } else if file_type.is_symlink() {
            walked.note(&path, Some(SkipReason::Symlink), entry.metadata().ok());
        } else if !file_type.is_file() {
            walked.note(&path, Some(SkipReason::NotAFile), entry.metadata().ok());
        } else {
            walked.note_file(&path, false, entry.metadata().ok());
        }
    }
    let nested: Vec<Walked> = subdirs
        .par_iter()
        .map(|subdir| walk_in_parallel(subdir, window))
        .collect();
    for found in nested {
        walked.append(found);
    }
    walked
}

/// Walks `root` (a file, or a directory when following links) with walkdir.
fn walk_with_walkdir(root: &Path, follow: bool, window: DayWindow) -> Walked {
    let mut walked = Walked::default();
    let pruned = std::cell::RefCell::new(Walked::default());
    let walker = walkdir::WalkDir::new(root)
        .follow_links(follow)
        .follow_root_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            let outside = entry.depth() > 0
                && entry.file_type().is_dir()
                && outside_window(entry.path(), window);
            if outside {
                let skip = Some(SkipReason::OutsideDates);
                pruned
                    .borrow_mut()
                    .note(entry.path(), skip, entry.metadata().ok());
            }
            !outside
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                if error.loop_ancestor().is_some() {
                    // Known by its path's own identity, as a link passed over is: a loop two
                    // walks meet counts once.
                    match error.path() {
                        Some(path) => {
                            let metadata = std::fs::symlink_metadata(path).ok();
                            walked.note(path, Some(SkipReason::Symlink), metadata);
                        }
                        None => walked.skipped.push(SkipReason::Symlink),
                    }
                } else {
                    let path = error.path().unwrap_or(root).to_path_buf();
                    let source = error
                        .into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("cannot walk"));
                    walked.errors.push(InputError::Io { path, source });
                }
                continue;
            }
        };
        let named = entry.depth() == 0;
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        if file_type.is_symlink() && !named {
            walked.note(
                entry.path(),
                Some(SkipReason::Symlink),
                entry.metadata().ok(),
            );
            continue;
        }
        if !file_type.is_file() && !named {
            walked.note(
                entry.path(),
                Some(SkipReason::NotAFile),
                entry.metadata().ok(),
            );
            continue;
        }
        walked.note_file(entry.path(), named, entry.metadata().ok());
    }
    walked.append(pruned.into_inner());
    walked
}

/// What makes two paths the same file: device and inode where the platform has them (a `stat`
/// the walk already made), else the canonical path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileIdentity {
    Inode(u64, u64),
    Path(PathBuf),
}

/// The identity of the file at `path`, from its `metadata` when there is one.
pub fn file_identity(path: &Path, metadata: Option<&std::fs::Metadata>) -> FileIdentity {
    #[cfg(unix)]
    if let Some(metadata) = metadata {
        use std::os::unix::fs::MetadataExt;
        return FileIdentity::Inode(metadata.dev(), metadata.ino());
    }
    let _ = metadata;
    FileIdentity::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// The identity of the file standard input reads, when it is a regular file (`< file`); a
/// pipe or a terminal can never be written over.
fn stdin_identity() -> Option<FileIdentity> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let stdin = std::io::stdin();
        let file = std::fs::File::from(stdin.as_fd().try_clone_to_owned().ok()?);
        let metadata = file.metadata().ok().filter(std::fs::Metadata::is_file)?;
        Some(file_identity(Path::new("-"), Some(&metadata)))
    }
    #[cfg(not(unix))]
    None
}

/// Whether `path`'s name is a log's: `.json`, `.gz`, `.jsonl` or `.ndjson`, in any case, judged
/// by its bytes (a name that is not UTF-8 can still be a log's: a review's, session 37, found
/// `.jsonl` and `.JSON` passed over in such names).
pub(super) fn has_log_name(path: &Path) -> bool {
    let Some(name) = path.file_name() else {
        return false;
    };
    let name = name.as_encoded_bytes().to_ascii_lowercase();
    [".json", ".gz", ".jsonl", ".ndjson"]
        .iter()
        .any(|ext| name.ends_with(ext.as_bytes()))
}

pub(super) fn in_digest_folder(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str() == "CloudTrail-Digest")
}

/// True when `dir` is an S3 date folder (`…/CloudTrail/REGION/YYYY[/MM[/DD]]`, or under
/// `CloudTrail-Insight` or `CloudTrail-Digest`, whose files are never read but were listed day
/// by day) whose days all lie outside `window`. Only the layout CloudTrail writes is one: a
/// region's name (`us-east-1`), four digits, then two and two (`+024`, `5` or `2024` as a
/// region are no dates: a folder named so is read, not passed over).
pub(super) fn outside_window(dir: &Path, window: DayWindow) -> bool {
    if window == DayWindow::default() {
        return false;
    }
    let parts: Vec<&OsStr> = dir
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part),
            _ => None,
        })
        .collect();
    let Some(trail) = parts.iter().rposition(|p| {
        *p == "CloudTrail" || *p == "CloudTrail-Insight" || *p == "CloudTrail-Digest"
    }) else {
        return false;
    };
    if !parts
        .get(trail + 1)
        .and_then(|region| region.to_str())
        .is_some_and(is_region_name)
    {
        return false;
    }
    let numbers: Vec<u32> = parts[trail + 2..]
        .iter()
        .enumerate()
        .map_while(|(at, part)| {
            let text = part.to_str()?;
            let digits = if at == 0 { 4 } else { 2 };
            (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
                .then(|| text.parse().ok())
                .flatten()
        })
        .collect();
    if numbers.len() != parts.len().saturating_sub(trail + 2) {
        return false;
    }
    let range = match numbers[..] {
        [year] => NaiveDate::from_ymd_opt(year as i32, 1, 1).zip(NaiveDate::from_ymd_opt(
            year as i32,
            12,
            31,
        )),
        [year, month] => NaiveDate::from_ymd_opt(year as i32, month, 1).map(|first| {
            let next = first
                .with_day(28)
                .and_then(|d| d.checked_add_days(chrono::Days::new(4)))
                .and_then(|d| d.with_day(1))
                .unwrap_or(first);
            (first, next.pred_opt().unwrap_or(first))
        }),
        [year, month, day] => NaiveDate::from_ymd_opt(year as i32, month, day).map(|d| (d, d)),
        _ => None,
    };
    range.is_some_and(|(first, last)| window.excludes(first, last))
}

/// The date folder outside `window` that `path` lies in below one of `roots` (the paths a
/// listing was made from), when it lies in one: the outermost, the one the walk from that root
/// passes over. Never a root, nor what a root lies in: the walk reads those (a review's,
/// session 36: a listing made from a day's folder counted it passed over, where the walk read
/// its files); none for a listing that names no roots.
pub(super) fn outside_folder(path: &Path, window: DayWindow, roots: &[PathBuf]) -> Option<PathBuf> {
    if window == DayWindow::default() {
        return None;
    }
    let below_a_root = |folder: &Path| {
        roots
            .iter()
            .any(|root| folder != root.as_path() && folder.starts_with(root))
    };
    let outermost = path
        .ancestors()
        .skip(1)
        .filter(|folder| below_a_root(folder) && outside_window(folder, window))
        .last()?;
    Some(outermost.to_path_buf())
}

/// Whether `name` is written as an AWS Region's (`us-east-1`, `us-gov-west-1`, `cn-north-1`):
/// lowercase letters first, then letters, digits and hyphens, a hyphen among them.
fn is_region_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.contains('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn prunes_only_date_folders_outside_the_window() {
        let window = DayWindow {
            first: Some(day(2020, 12, 20)),
            last: Some(day(2020, 12, 21)),
        };
        let base = "AWSLogs/o-abc/111122223333/CloudTrail/us-east-1";
        let check = |rest: &str| outside_window(Path::new(&format!("{base}/{rest}")), window);
        assert!(check("2019"));
        assert!(!check("2020"));
        assert!(check("2020/11"));
        assert!(!check("2020/12"));
        assert!(check("2020/12/19"));
        assert!(!check("2020/12/20"));
        assert!(!check("2020/12/21"));
        assert!(check("2020/12/22"));
        assert!(check("2021/01/01"));
        assert!(!outside_window(Path::new(base), window));
        assert!(!outside_window(Path::new("AWSLogs/1/CloudTrail"), window));
        assert!(!outside_window(Path::new("CloudTrail"), window));
        assert!(!outside_window(Path::new("logs/2019/01/01"), window));
        // A red-team's (session 33): folders that are not CloudTrail's dates were pruned as
        // dates, and the events in them lost: a year `+024`, a day `1`, a year of five
        // digits, and a trail with no region folder (`2024` taken for the region).
        for rest in ["+024/12/20", "2020/12/1", "02020/12/20", "2020/012/20"] {
            assert!(!check(rest), "{rest}");
        }
        assert!(!outside_window(
            Path::new("exports/CloudTrail/2019/01/01"),
            window
        ));
        // Digests' day folders, never read, are not listed day by day either.
        let digests = "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1";
        assert!(outside_window(
            Path::new(&format!("{digests}/2019/01/01")),
            window
        ));
        assert!(!outside_window(
            Path::new(&format!("{digests}/2020/12/20")),
            window
        ));
        assert!(outside_window(
            Path::new("x/CloudTrail/us-gov-west-1/2019"),
            window
        ));
    }

    /// The parallel walk finds what walkdir finds (without following links): files, what it
    /// passes over and pruned date folders alike, each with its path.
    #[test]
    fn the_parallel_walk_agrees_with_walkdir() {
        let root = tempfile::tempdir().unwrap();
        let trail = root
            .path()
            .join("AWSLogs/o-x/111122223333/CloudTrail/us-east-1/2020/12");
        for day in ["19", "20", "21"] {
            std::fs::create_dir_all(trail.join(day).join("deeper")).unwrap();
            std::fs::write(trail.join(day).join("a.json.gz"), b"x").unwrap();
            std::fs::write(trail.join(day).join("deeper/B.JSON"), b"x").unwrap();
            std::fs::write(trail.join(day).join("notes.txt"), b"x").unwrap();
        }
        let digest = root
            .path()
            .join("AWSLogs/o-x/111122223333/CloudTrail-Digest/us-east-1");
        std::fs::create_dir_all(&digest).unwrap();
        std::fs::write(digest.join("d.json.gz"), b"x").unwrap();
        std::fs::create_dir(root.path().join("empty")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.path(), root.path().join("empty/loop")).unwrap();
        let summary = |walked: Walked| {
            let mut files: Vec<(PathBuf, Option<SkipReason>)> =
                walked.files.into_iter().map(|f| (f.path, f.skip)).collect();
            files.sort();
            let mut skipped = walked.skipped;
            skipped.sort();
            (files, skipped, walked.errors.len())
        };
        let windows = [
            DayWindow::default(),
            DayWindow {
                first: Some(day(2020, 12, 20)),
                last: Some(day(2020, 12, 20)),
            },
        ];
        for window in windows {
            let parallel = summary(walk_in_parallel(root.path(), window));
            let walkdir = summary(walk_with_walkdir(root.path(), false, window));
            assert_eq!(parallel, walkdir, "{window:?}");
            // Every entry is found with its path, those passed over with their reason: the
            // logs of each day kept, a notes file, the digest, the link, the pruned days.
            let count = |reason: Option<SkipReason>| {
                (parallel.0.iter())
                    .filter(|(_, skip)| *skip == reason)
                    .count()
            };
            let days = if window == DayWindow::default() { 3 } else { 1 };
            assert_eq!(count(None), 2 * days, "{window:?}: {:?}", parallel.0);
            assert_eq!(count(Some(SkipReason::NotALogName)), days);
            assert_eq!(count(Some(SkipReason::Digest)), 1);
            assert_eq!(count(Some(SkipReason::Symlink)), 1);
            assert_eq!(count(Some(SkipReason::OutsideDates)), 3 - days);
            assert_eq!(parallel.1, Vec::new(), "{window:?}");
        }
    }

    #[test]
    fn log_names() {
        assert!(has_log_name(Path::new("a/1_CloudTrail_x.json.gz")));
        assert!(has_log_name(Path::new("a/B.JSON")));
        assert!(has_log_name(Path::new("a/x.ndjson")));
        assert!(!has_log_name(Path::new("a/README.md")));
        assert!(in_digest_folder(Path::new(
            "AWSLogs/1/CloudTrail-Digest/us-east-1/x.json.gz"
        )));
    }
}
