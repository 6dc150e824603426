//! Where a command's output goes: stdout, or a file written atomically (a temporary file in the
//! same folder, renamed into place once complete), so a failed run never leaves half a file.

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

    /// Runs `write` against the target and completes it.
    ///
    /// # Errors
    /// Creating, writing or renaming the file failed, or stdout is closed.
    pub fn write_with(
        &self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), OutputError> {
        match self {
            Target::Stdout => {
                let stdout = std::io::stdout();
                let mut wtr = BufWriter::with_capacity(1 << 16, stdout.lock());
                write(&mut wtr)
                    .and_then(|()| wtr.flush())
                    .map_err(OutputError::Stdout)
            }
            Target::File(path) => {
                let err = |source| OutputError::Io {
                    path: path.clone(),
                    source,
                };
                let dir = match path.parent() {
                    Some(dir) if !dir.as_os_str().is_empty() => dir,
                    _ => Path::new("."),
                };
                let tmp = tempfile::Builder::new()
                    .prefix(".trailmask-")
                    .tempfile_in(dir)
                    .map_err(err)?;
                let mut wtr = BufWriter::with_capacity(1 << 16, tmp);
                write(&mut wtr).and_then(|()| wtr.flush()).map_err(err)?;
                let tmp = wtr.into_inner().map_err(|e| err(e.into_error()))?;
                tmp.persist(path).map_err(|e| err(e.error))?;
                Ok(())
            }
        }
    }
}
