//! Where a command's output goes: stdout, or a file written atomically (a temporary file in the
//! same folder, renamed into place once complete), so a failed run never leaves half a file.
//!
//! A file target is opened ([`Target::open`]) once the inputs are found and before any is read:
//! - an output that is one of the inputs (the same file by device and inode: named twice,
//!   through a link or a hard link, found by walking a folder, or standard input redirected
//!   from it) is refused before anything is written (status 2): it would replace a log, which
//!   may be evidence, with CSV; and so is a log file a partial result among the inputs holds,
//!   known once it is read ([`Output::refuse_logs`], before anything is written);
//! - the temporary file (`.trailmask-XXXXXX` beside the target) is created then, so an
//!   unwritable folder fails at once (status 3), not after a long scan;
//! - while it exists, SIGINT, SIGTERM and SIGHUP remove it, and the process then dies of the
//!   signal as it would have (a shell reports 128 + the signal: 130 for Ctrl-C). A signal that
//!   was ignored when trailmask started (`nohup`) stays ignored.
//!
//! Only regular files (or new ones) are replaced that way. A path that names something else
//! (`/dev/null`, `/dev/stderr`, a named pipe) is opened and written in place: renaming over it
//! would replace the device or pipe with a file.
//!
//! Symbolic links are followed, link by link, and stay links: a link to a file replaces the
//! file it points at; a dangling link creates the file it points at; a loop of links is an
//! output error (status 3) and nothing is created.
//!
//! A replaced file keeps its permissions; a new file gets `0666` less the umask, as a shell's
//! `>` would give it (not the temporary file's `0600`).

use crate::error::OutputError;
use crate::read::discover::{Discovery, FileIdentity, file_identity};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The width of a terminal that does not say its own, nor `COLUMNS` for it: the classic
/// terminal's.
pub const DEFAULT_COLUMNS: usize = 80;

/// The output target; `-` or no `-o` means stdout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    #[default]
    Stdout,
    File(PathBuf),
}

impl Target {
    /// `None` or `-` is stdout.
    pub fn from_arg(arg: Option<&Path>) -> Target {
        match arg {
            None => Target::Stdout,
            Some(path) if path.as_os_str() == "-" => Target::Stdout,
            Some(path) => Target::File(path.to_path_buf()),
        }
    }

    /// True when the target is a terminal: stdout on one, or a terminal's device named with
    /// `-o` (`/dev/tty`). Nothing is created.
    pub fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        match self {
            Target::Stdout => io::stdout().is_terminal(),
            Target::File(path) => {
                #[cfg(unix)]
                let device = {
                    use std::os::unix::fs::FileTypeExt;
                    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
                };
                #[cfg(not(unix))]
                let device = false;
                device
                    && std::fs::OpenOptions::new()
                        .write(true)
                        .open(path)
                        .is_ok_and(|file| file.is_terminal())
            }
        }
    }

    /// The width of the terminal a table is written to, in columns: stdout's, when it is
    /// the target and a terminal (a table too wide for it is written as records,
    /// [`crate::export::table::write`]). A terminal that does not say its size (`script`, a
    /// container's console, an editor's shell: 0 by 0) is as wide as `COLUMNS` says, else
    /// [`DEFAULT_COLUMNS`]: not endless, which wrapped each row of a wide table into the next.
    pub fn terminal_columns(&self) -> Option<usize> {
        use std::io::IsTerminal;
        match self {
            Target::Stdout if io::stdout().is_terminal() => Some(
                terminal_size::terminal_size_of(io::stdout())
                    .map(|(width, _)| width.0 as usize)
                    .filter(|&width| width > 0)
                    .or_else(|| {
                        std::env::var("COLUMNS")
                            .ok()
                            .and_then(|columns| columns.trim().parse::<usize>().ok())
                            .filter(|&width| width > 0)
                    })
                    .unwrap_or(DEFAULT_COLUMNS),
            ),
            _ => None,
        }
    }

    /// Opens the target, before the inputs are read: follows links, refuses an input, and
    /// creates the temporary file (see the module documentation).
    ///
    /// # Errors
    /// [`OutputError::IsAnInput`] (status 2); [`OutputError::Io`] when the links loop, the
    /// target is a directory, or the temporary file cannot be created.
    pub fn open(&self, inputs: &Discovery) -> Result<Output, OutputError> {
        let Target::File(path) = self else {
            return Ok(Output(Opened::Stdout));
        };
        let err = |source| OutputError::Io {
            path: path.clone(),
            source,
        };
        // What the path reaches, as the system follows its links: `/dev/stdout` on a pipe is
        // a link to `/proc/self/fd/1`, whose target (`pipe:[…]`) names no path, so following
        // the links by hand found nothing there and made a file beside it (a new user's
        // first hour, session 36: `-o /dev/stdout | wc -l` failed).
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            return Ok(Output(Opened::InPlace { path: path.clone() }));
        }
        let target = follow_links(path).map_err(err)?;
        let existing = match std::fs::metadata(&target) {
            Ok(metadata) => Some(metadata),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(err(error)),
        };
        if let Some(metadata) = &existing {
            if metadata.is_dir() {
                return Err(err(io::ErrorKind::IsADirectory.into()));
            }
            if !metadata.is_file() {
                return Ok(Output(Opened::InPlace { path: path.clone() }));
            }
            if let Some(input) = inputs.input_with_identity(&file_identity(&target, Some(metadata)))
            {
                return Err(OutputError::IsAnInput {
                    output: path.clone(),
                    input: input.to_path_buf(),
                });
            }
        }
        let temporary = Temporary::create(&target, existing.as_ref()).map_err(err)?;
        Ok(Output(Opened::Atomic {
            path: path.clone(),
            target,
            temporary,
        }))
    }
}

/// An opened target ([`Target::open`]); dropped without [`Output::write_with`], it leaves
/// nothing behind.
pub struct Output(Opened);

enum Opened {
    Stdout,
    /// Not a regular file: opened and written in place when the output is ready.
    InPlace {
        path: PathBuf,
    },
    /// A regular file, or none yet: `temporary` is renamed over `target` (`path` with its
    /// links followed) once complete.
    Atomic {
        path: PathBuf,
        target: PathBuf,
        temporary: Temporary,
    },
}

impl Output {
    /// The regular file (or the file yet to be made) the output goes to, as named; `None` for
    /// standard output or a target written in place (a device, a pipe).
    pub fn file(&self) -> Option<&Path> {
        match &self.0 {
            Opened::Atomic { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Refuses a target that is one of `logs` (the log files partial results among the
    /// inputs hold, known only once they are read; the same file by device and inode): it
    /// would replace a log with the output, as [`Target::open`] refuses for the inputs it
    /// is given.
    ///
    /// # Errors
    /// [`OutputError::IsAnInput`] (status 2), naming the log.
    pub fn refuse_logs(&self, logs: &[PathBuf]) -> Result<(), OutputError> {
        let Opened::Atomic { path, target, .. } = &self.0 else {
            return Ok(());
        };
        let Ok(metadata) = std::fs::metadata(target) else {
            return Ok(()); // a new file: no log
        };
        let identity = file_identity(target, Some(&metadata));
        let is_target = |log: &PathBuf| {
            std::fs::metadata(log).is_ok_and(|known| file_identity(log, Some(&known)) == identity)
        };
        match logs.iter().find(|log| is_target(log)) {
            Some(log) => Err(OutputError::IsAnInput {
                output: path.clone(),
                input: log.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Runs `write` against the target and completes it.
    ///
    /// # Errors
    /// Writing, opening (in place) or renaming the file failed, or stdout is closed.
    pub fn write_with(
        self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        match self.0 {
            Opened::Stdout => buffered(io::stdout().lock(), write)
                .map(drop)
                .map_err(OutputError::Stdout),
            Opened::InPlace { path } => {
                let err = |source| OutputError::Io {
                    path: path.clone(),
                    source,
                };
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(err)?;
                buffered(file, write).map(drop).map_err(err)
            }
            Opened::Atomic {
                path,
                target,
                mut temporary,
            } => {
                let err = |source| OutputError::Io {
                    path: path.clone(),
                    source,
                };
                temporary.write_with(write).map_err(err)?;
                temporary.persist(&target).map_err(err)
            }
        }
    }
}

/// The most links followed in a row (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Follows `path` link by link to where the links end: a file that is not a link, or a path
/// where nothing is yet (a new file, or a dangling link's target). A link's relative target is
/// read from the link's folder, as the system reads it.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    let mut seen: Vec<FileIdentity> = Vec::new();
    loop {
        let metadata = match std::fs::symlink_metadata(&current) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(error) => return Err(error),
        };
        if !metadata.file_type().is_symlink() {
            return Ok(current);
        }
        let link = file_identity(&current, Some(&metadata));
        if seen.contains(&link) {
            return Err(io::Error::other("a loop of symbolic links"));
        }
        if seen.len() == MAX_LINKS {
            return Err(io::Error::other(format!(
                "more than {MAX_LINKS} symbolic links in a row"
            )));
        }
        seen.push(link);
        let next = std::fs::read_link(&current)?;
        current = match current.parent() {
            Some(folder) => folder.join(next),
            None => next,
        };
    }
}

/// The path of the temporary file being written, for the signal handler to remove. Whoever
/// creates, renames or removes the file holds the lock meanwhile, so the handler sees either
/// the file or nothing to remove.
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);

fn pending() -> MutexGuard<'static, Option<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The temporary file beside the target, removed when dropped unless renamed into place.
struct Temporary {
    file: Option<tempfile::NamedTempFile>,
}

impl Temporary {
    /// Creates the temporary file in `target`'s folder, with the mode the output should have:
    /// `existing`'s, or `0666` less the umask for a new file.
    fn create(target: &Path, existing: Option<&std::fs::Metadata>) -> io::Result<Temporary> {
        remove_on_signal();
        let folder = match target.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".trailmask-");
        #[cfg(unix)]
        if existing.is_none() {
            use std::os::unix::fs::PermissionsExt;
            // Given to open(2), which takes the umask off, as for any new file.
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut pending = pending();
        let file = builder
            .tempfile_in(folder)
            .map_err(without_temporary_path)?;
        *pending = Some(file.path().to_path_buf());
        drop(pending);
        let temporary = Temporary { file: Some(file) };
        #[cfg(unix)]
        if let (Some(metadata), Some(file)) = (existing, &temporary.file) {
            // Created 0600 (never more open than the file it replaces), then given its mode.
            file.as_file().set_permissions(metadata.permissions())?;
        }
        #[cfg(not(unix))]
        let _ = existing;
        Ok(temporary)
    }

    fn write_with(
        &mut self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("already renamed"))?;
        buffered(file, write).map(drop)
    }

    /// Renames the file over `target`.
    fn persist(mut self, target: &Path) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("already renamed"))?;
        let mut pending = pending();
        // On failure the error holds the file, and dropping it (here, under the lock) removes it.
        let result = file.persist(target).map(drop).map_err(|e| e.error);
        *pending = None;
        drop(pending);
        result
    }
}

/// The error of creating the temporary file, without the name tempfile adds to its message
/// (`… at path "/out/.trailmask-qbUFqq"`, and keeps nowhere else): the user named the
/// target, and the message names that.
fn without_temporary_path(error: io::Error) -> io::Error {
    let message = error.to_string();
    match message.rsplit_once(" at path \"") {
        Some((reason, _)) => io::Error::new(error.kind(), reason.to_owned()),
        None => error,
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        let mut pending = pending();
        *pending = None;
        drop(self.file.take());
        drop(pending);
    }
}

/// Set while a progress line is drawn on stderr (a terminal): a signal that ends the run
/// clears it first, or the shell's prompt would follow a half-drawn line.
static LINE_DRAWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Says whether a progress line is drawn on stderr now ([`LINE_DRAWN`]); the first time one
/// is, the signal thread starts.
pub fn line_drawn_on_stderr(drawn: bool) {
    if drawn {
        remove_on_signal();
    }
    LINE_DRAWN.store(drawn, std::sync::atomic::Ordering::SeqCst);
}

/// Starts, once, the thread that removes the temporary file on SIGINT, SIGTERM or SIGHUP (and
/// clears the progress line, when one is drawn) and then lets the signal end the process as
/// it would have.
///
/// signal-hook is the crate for this (maintained, the signal registry under tokio's and
/// crossterm's own handling): its handler only wakes a pipe, so the removal runs on an ordinary
/// thread, with no `unsafe` here and nothing unsafe to do inside a signal handler; and it
/// re-raises the signal with the default action, so the process dies *of* the signal, which a
/// shell reports as 128 + the signal and which stops a shell loop on Ctrl-C (a plain exit with
/// 130 would not: bash takes it as a child that handled the signal).
#[cfg(unix)]
fn remove_on_signal() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        // A signal ignored at start (`nohup`, a background job of a script) stays ignored.
        let signals: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
            .into_iter()
            .filter(|&signal| !ignored_at_start(signal))
            .collect();
        if signals.is_empty() {
            return;
        }
        let Ok(mut signals) = signal_hook::iterator::Signals::new(signals) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("trailmask-signals".to_owned())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Held until the process ends: no rename or new file after this.
                    let pending = pending();
                    if let Some(path) = pending.as_ref() {
                        let _ = std::fs::remove_file(path);
                    }
                    // Held until the process ends too: the line is not drawn again.
                    let mut stderr = io::stderr().lock();
                    if LINE_DRAWN.load(std::sync::atomic::Ordering::SeqCst) {
                        let _ = stderr.write_all(b"\r\x1b[2K");
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                    std::process::exit(128 + signal);
                }
            });
    });
}

#[cfg(not(unix))]
fn remove_on_signal() {}

/// True when `signal` was ignored when the process started (Linux: `SigIgn` in
/// `/proc/self/status`; elsewhere, never).
#[cfg(unix)]
fn ignored_at_start(signal: i32) -> bool {
    if !cfg!(target_os = "linux") || !(1..=64).contains(&signal) {
        return false;
    }
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let mask = status
                .lines()
                .find_map(|line| line.strip_prefix("SigIgn:"))?;
            u64::from_str_radix(mask.trim(), 16).ok()
        })
        .is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
}

/// Runs `write` through a 64 KB buffer over `inner`, flushes it, and gives `inner` back.
fn buffered<W: Write>(
    inner: W,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<W> {
    let mut wtr = BufWriter::with_capacity(1 << 16, inner);
    write(&mut wtr)?;
    wtr.into_inner().map_err(|e| e.into_error())
}

/// Set by the binary's entry when standard output was closed at start (`>&-`).
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes that standard output was closed when the process started (the binary's entry knows;
/// Rust's own entry would have hidden it behind `/dev/null`): output meant for it is then an
/// output error, not output silently lost.
pub fn note_stdout_closed() {
    STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
}

impl Target {
    /// Fails when the target is stdout and stdout was closed at start.
    ///
    /// # Errors
    /// [`OutputError::Stdout`] when standard output was closed.
    pub fn check_open(&self) -> Result<(), OutputError> {
        if *self == Target::Stdout && STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(OutputError::Stdout(io::Error::other(
                "standard output is closed",
            )));
        }
        Ok(())
    }

    /// Whether `-o` names the file at `input` (a settings file read beside the logs:
    /// `--accounts`, `--ignore`), by device and inode, links followed: writing would replace
    /// it (a red-team's, session 40: `findings --ignore t.txt -o t.txt` replaced the triage
    /// list with the findings).
    pub fn writes_over(&self, input: &std::path::Path) -> bool {
        let Target::File(path) = self else {
            return false;
        };
        let identity = |path: &std::path::Path| {
            let metadata = std::fs::metadata(path)
                .ok()
                .filter(std::fs::Metadata::is_file)?;
            Some(crate::read::discover::file_identity(path, Some(&metadata)))
        };
        identity(path).is_some_and(|output| identity(input) == Some(output))
    }
}
