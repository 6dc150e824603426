//! Where a command's output goes: stdout, or a file written atomically (a temporary file in the
//! same folder, renamed into place once complete), so a failed run never leaves half a file.
//!
//! Only regular files (or new ones) are replaced that way. A path that names something else
//! (`/dev/null`, `/dev/stderr`, a named pipe) is opened and written in place: renaming over it
//! would replace the device or pipe with a file. A symbolic link to a file is followed, so the
//! file it points at is replaced and the link stays.

use crate::error::OutputError;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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

    /// Fails when the target is stdout and stdout was closed (`trailmask … >&-`). Rust opens
    /// `/dev/null` in place of a closed standard descriptor at start-up, so the output would
    /// be lost with status 0; that `/dev/null` is open for reading and writing, where a shell's
    /// `>/dev/null` opens it for writing only, which tells the two apart (on Linux, from
    /// `/proc/self/fdinfo/1`; elsewhere nothing is checked).
    ///
    /// # Errors
    /// [`OutputError::Stdout`] when standard output was closed.
    pub fn check_open(&self) -> Result<(), OutputError> {
        if *self == Target::Stdout && stdout_was_closed() {
            return Err(OutputError::Stdout(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "standard output is closed",
            )));
        }
        Ok(())
    }

    /// Runs `write` against the target and completes it.
    ///
    /// # Errors
    /// Creating, writing or renaming the file failed, or stdout is closed.
    pub fn write_with(
        &self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), OutputError> {
        match self {
            Target::Stdout => buffered(std::io::stdout().lock(), write)
                .map(drop)
                .map_err(OutputError::Stdout),
            Target::File(path) => {
                let err = |source| OutputError::Io {
                    path: path.clone(),
                    source,
                };
                match std::fs::metadata(path) {
                    Ok(meta) if !meta.is_file() && !meta.is_dir() => {
                        let file = std::fs::OpenOptions::new()
                            .write(true)
                            .open(path)
                            .map_err(err)?;
                        buffered(file, write).map(drop).map_err(err)
                    }
                    _ => {
                        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                        write_atomically(&target, write).map_err(err)
                    }
                }
            }
        }
    }
}

/// Writes `path` through a temporary file beside it, renamed over it once complete.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".trailmask-")
        .tempfile_in(dir)?;
    let tmp = buffered(tmp, write)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
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

/// True when descriptor 1 is the `/dev/null` that Rust's start-up put in place of a closed
/// stdout (see [`Target::check_open`]).
#[cfg(target_os = "linux")]
fn stdout_was_closed() -> bool {
    use std::os::unix::fs::MetadataExt;
    let is_null =
        |path: &str| std::fs::metadata(path).map(|m| (m.rdev(), m.file_type().is_char_device()));
    use std::os::unix::fs::FileTypeExt;
    let (Ok(stdout), Ok(null)) = (is_null("/proc/self/fd/1"), is_null("/dev/null")) else {
        return false;
    };
    if stdout != null || !null.1 {
        return false;
    }
    const O_ACCMODE: u32 = 0o3;
    const O_RDWR: u32 = 0o2;
    std::fs::read_to_string("/proc/self/fdinfo/1")
        .ok()
        .and_then(|info| {
            let flags = info.lines().find_map(|line| line.strip_prefix("flags:"))?;
            u32::from_str_radix(flags.trim(), 8).ok()
        })
        .is_some_and(|flags| flags & O_ACCMODE == O_RDWR)
}

#[cfg(not(target_os = "linux"))]
fn stdout_was_closed() -> bool {
    false
}
