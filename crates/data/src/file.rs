//! Files named by a user (a command-line argument, an entry of a folder they gave): only
//! regular files are opened, never waiting on one (opening a FIFO waits for its other end for
//! ever; a device may never end), and read whole only up to a cap.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::layout::read_up_to;

/// Why a user's file was not read or written; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: not a regular file (a folder, a pipe or a device); not opened")]
    NotAFile { file: String },
    #[error("{file}: over {} MiB, more than such a file holds; not read", limit >> 20)]
    TooLarge { file: String, limit: u64 },
}

impl FileError {
    fn io(file: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            file: file.into(),
            source,
        }
    }

    /// Whether there was no file at all.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Opens the regular file at `path` for reading; anything else (a folder, a FIFO, a device)
/// is refused, without waiting on it.
pub fn open_regular(path: &Path) -> Result<File, FileError> {
    let shown = path.display().to_string();
    let file = open_without_waiting(path, Access::Read).map_err(|e| FileError::io(&shown, e))?;
    regular(file, shown)
}

/// The whole of the regular file at `path`, refused when it holds more than `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let shown = path.display().to_string();
    let file = open_regular(path)?;
    let size = file.metadata().map_err(|e| FileError::io(&shown, e))?.len();
    read_up_to(file, size, limit)
        .map_err(|e| FileError::io(&shown, e))?
        .ok_or(FileError::TooLarge { file: shown, limit })
}

/// Writes `bytes` to `path`, a new file or a regular one (replacing what it held); a FIFO, a
/// device or a folder in its place is refused without waiting on it.
pub fn write_regular(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let shown = path.display().to_string();
    let io = |e| FileError::io(&shown, e);
    let opened = open_without_waiting(path, Access::Write).map_err(|e| {
        // A FIFO without a reader is refused by `open` itself (ENXIO), a folder too (EISDIR).
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() => FileError::NotAFile {
                file: shown.clone(),
            },
            _ => io(e),
        }
    })?;
    let mut file = regular(opened, shown.clone())?;
    file.set_len(0).map_err(io)?;
    file.write_all(bytes).map_err(io)
}

fn regular(file: File, shown: String) -> Result<File, FileError> {
    let meta = file.metadata().map_err(|e| FileError::io(&shown, e))?;
    if meta.is_file() {
        Ok(file)
    } else {
        Err(FileError::NotAFile { file: shown })
    }
}

#[derive(Clone, Copy)]
enum Access {
    Read,
    /// Created if missing, not truncated before it is known to be a regular file.
    Write,
}

/// `O_NONBLOCK` makes `open` return at once whatever `path` is (a FIFO without a writer
/// included); reads and writes of a regular file do not heed it.
#[cfg(unix)]
fn open_without_waiting(path: &Path, access: Access) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    match access {
        Access::Read => options.read(true),
        // Truncated once it is known to be a regular file.
        Access::Write => options.write(true).create(true).truncate(false),
    };
    options
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// Elsewhere judged by the name first (no FIFOs to wait on in the browser or on Windows).
#[cfg(not(unix))]
fn open_without_waiting(path: &Path, access: Access) -> std::io::Result<File> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        _ => {}
    }
    match access {
        Access::Read => File::open(path),
        Access::Write => std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn fifo(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("pipe");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        path
    }

    /// A FIFO, a folder or a device is refused at once, for reading and for writing (a FIFO
    /// could also take a checked file's place before it is opened); a regular file is read
    /// whole up to the cap and replaced when written.
    #[test]
    fn only_regular_files_are_opened_and_never_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = fifo(dir.path());
        let (done, finished) = std::sync::mpsc::channel();
        let folder = dir.path().to_path_buf();
        std::thread::spawn(move || {
            for path in [pipe.as_path(), folder.as_path(), Path::new("/dev/null")] {
                let read = read_regular(path, 10).unwrap_err();
                let write = write_regular(path, b"x").unwrap_err();
                let _ = done.send((path.to_path_buf(), read, write));
            }
        });
        for _ in 0..3 {
            let (path, read, write) = finished
                .recv_timeout(std::time::Duration::from_secs(5))
                .expect("opening waited");
            assert!(
                matches!(read, FileError::NotAFile { .. }),
                "{path:?}: {read}"
            );
            assert!(
                matches!(write, FileError::NotAFile { .. }),
                "{path:?}: {write}"
            );
        }
        let file = dir.path().join("notes.txt");
        write_regular(&file, b"a longer first text").unwrap();
        write_regular(&file, b"second").unwrap();
        assert_eq!(read_regular(&file, 6).unwrap(), b"second");
        let over = read_regular(&file, 5).unwrap_err();
        assert!(
            matches!(over, FileError::TooLarge { limit: 5, .. }),
            "{over}"
        );
    }
}
