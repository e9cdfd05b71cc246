//! The files a training run leaves in its output folder, each written to a temporary file and
//! renamed into place, so a crash or a kill never leaves a half-written one.

use std::path::{Path, PathBuf};

use cifar_lab::report::RunFiles;

use super::CliError;

pub struct RunDir(PathBuf);

/// One of a run's files, or the temporary one of them left by a run killed mid-write.
fn is_run_file(name: &str) -> bool {
    let written = name
        .strip_prefix('.')
        .and_then(|rest| rest.strip_suffix(".partial"))
        .unwrap_or(name);
    RunFiles::ALL.contains(&written)
}

impl RunDir {
    /// The folder for a new run: created if missing; refused if it holds anything (another
    /// run, or files that are not a run's) unless `replace`, which removes the files an
    /// earlier run left there (and nothing else) so none of them outlives it.
    pub fn create(path: &Path, replace: bool) -> Result<Self, CliError> {
        let io = |source| CliError::Io {
            path: path.display().to_string(),
            source,
        };
        let taken: Vec<String> = match std::fs::read_dir(path) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(e)),
        };
        if !taken.is_empty() {
            let foreign: Vec<&String> = taken.iter().filter(|name| !is_run_file(name)).collect();
            if !replace || !foreign.is_empty() {
                return Err(CliError::OutTaken {
                    path: path.display().to_string(),
                    files: taken.len(),
                    run: foreign.is_empty(),
                });
            }
            for name in &taken {
                std::fs::remove_file(path.join(name)).map_err(io)?;
            }
        }
        std::fs::create_dir_all(path).map_err(io)?;
        Ok(Self(path.to_path_buf()))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `name` whole or not at all: a temporary beside it, then a rename.
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<(), CliError> {
        let path = self.path(name);
        let temporary = self.path(&format!(".{name}.partial"));
        let failed = |source| CliError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::write(&temporary, contents).map_err(failed)?;
        std::fs::rename(&temporary, &path).map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--force` replaces a run killed while it wrote a file: its temporary is the run's own.
    #[test]
    fn force_replaces_a_run_with_its_leftover_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let run = RunDir::create(&out, false).unwrap();
        run.write(RunFiles::HISTORY_JSON, b"{}").unwrap();
        std::fs::write(
            out.join(format!(".{}.partial", RunFiles::HISTORY_JSON)),
            b"{",
        )
        .unwrap();
        assert!(matches!(
            RunDir::create(&out, false),
            Err(CliError::OutTaken { run: true, .. })
        ));
        RunDir::create(&out, true).unwrap();
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
        // Other dotfiles are not a run's: never removed.
        std::fs::write(out.join(".notes.partial"), b"mine").unwrap();
        assert!(matches!(
            RunDir::create(&out, true),
            Err(CliError::OutTaken { run: false, .. })
        ));
    }
}
